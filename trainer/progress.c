#include "progress.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

/* Redraws per second on a terminal: enough to look alive, few enough not to cost anything. */
#define REDRAW_HZ 5.0

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void trn_progress_init(TrnProgressDisplay *pd, FILE *f, int quiet)
{
	pd->f = f;
	pd->tty = isatty(fileno(f));
	pd->quiet = quiet;
	pd->last_draw = 0;
	pd->line_open = 0;
}

static void fmt_time(char *buf, size_t n, double s)
{
	if (!isfinite(s))
		snprintf(buf, n, "?");
	else if (s >= 3600)
		snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
	else
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

static void draw(TrnProgressDisplay *pd, const TrnProgress *p, const char *prefix, const char *end)
{
	const TrnState *st = p->st;
	char el[32], eta[32];
	fmt_time(el, sizeof el, st->elapsed);
	fmt_time(eta, sizeof eta, p->eta_s);
	double done = p->n_batches ? (double)st->batch / (double)p->n_batches : 0;
	char bar[21];
	int fill = (int)(done * 20);
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	fprintf(pd->f, "%sepoch %lld [%s] %lld/%lld  step %lld  loss %.4g  val ESR %.4g (best %.4g)  "
		"lr %.2g  %.0fk samples/s  %s  ETA %s%s",
		prefix, (long long)st->epoch, bar, (long long)st->batch, (long long)p->n_batches,
		(long long)st->steps, p->loss, p->last_val, st->best_val, p->lr, p->samples_per_s / 1000,
		el, eta, end);
	fflush(pd->f);
}

void trn_progress_update(void *ctx, const TrnProgress *p)
{
	TrnProgressDisplay *pd = ctx;
	if (pd->quiet)
		return;
	if (!pd->tty) {
		if (p->validated)
			draw(pd, p, "", "\n");
		return;
	}
	double t = now_s();
	if (!p->validated && t - pd->last_draw < 1.0 / REDRAW_HZ)
		return;
	pd->last_draw = t;
	draw(pd, p, "\r\033[K", "");
	pd->line_open = 1;
	if (p->validated) {
		fputc('\n', pd->f);
		pd->line_open = 0;
	}
}

void trn_progress_break(TrnProgressDisplay *pd)
{
	if (pd->line_open) {
		fputc('\n', pd->f);
		pd->line_open = 0;
	}
}
