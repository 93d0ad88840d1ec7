#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define REDRAW_SECONDS 0.1

double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_begin(Progress *p, int64_t total_frames, double rate)
{
	p->enabled = isatty(STDERR_FILENO);
	p->t_start = progress_now();
	p->t_drawn = 0;
	p->total = total_frames;
	p->rate = rate > 0 ? rate : 1;
}

void progress_update(Progress *p, int64_t done)
{
	if (!p->enabled)
		return;
	double now = progress_now();
	if (now - p->t_drawn < REDRAW_SECONDS)
		return;
	p->t_drawn = now;
	if (p->total <= 0) {
		fprintf(stderr, "\r%9.1f s", (double)done / p->rate);
		return;
	}
	double frac = (double)done / (double)p->total;
	if (frac > 1)
		frac = 1;
	char bar[BAR_WIDTH + 1];
	int filled = (int)(frac * BAR_WIDTH);
	for (int i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r[%s] %3d%%  %.1f / %.1f s", bar, (int)(frac * 100),
		(double)done / p->rate, (double)p->total / p->rate);
}

double progress_end(Progress *p)
{
	/* Blank the bar's line so the summary that follows starts clean. */
	if (p->enabled && p->t_drawn > 0)
		fprintf(stderr, "\r%*s\r", BAR_WIDTH + 40, "");
	return progress_now() - p->t_start;
}
