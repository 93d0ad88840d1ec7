#include "progress.h"

#include <math.h>
#include <sys/ioctl.h>
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

/* Terminal width, so the redrawn line never wraps (a wrapped line cannot be redrawn in place). */
static int term_cols(FILE *f)
{
	struct winsize ws;
	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

static void draw(TrnProgressDisplay *pd, const TrnProgress *p, int in_place)
{
	const TrnState *st = p->st;
	char el[32], eta[32], line[512];
	fmt_time(el, sizeof el, st->elapsed);
	fmt_time(eta, sizeof eta, p->eta_s);
	double done = p->n_batches ? (double)st->batch / (double)p->n_batches : 0;
	char bar[11];
	int fill = (int)(done * 10);
	for (int i = 0; i < 10; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[10] = '\0';
	/* Most important first: a narrow terminal cuts the end of the line. */
	int n = snprintf(line, sizeof line, "epoch %lld [%s] %lld/%lld  loss %.4g  val ESR %.4g "
			 "(best %.4g)  %s ETA %s  step %lld  %.2fM samples/s  lr %.2g",
			 (long long)st->epoch, bar, (long long)st->batch, (long long)p->n_batches, p->loss,
			 p->last_val, st->best_val, el, eta, (long long)st->steps, p->samples_per_s / 1e6,
			 p->lr);
	if (in_place) {
		int cols = term_cols(pd->f) - 1;
		fprintf(pd->f, "\r\033[K%.*s", n < cols ? n : cols, line);
	} else {
		fprintf(pd->f, "%s\n", line);
	}
	fflush(pd->f);
}

void trn_progress_update(void *ctx, const TrnProgress *p)
{
	TrnProgressDisplay *pd = ctx;
	if (pd->quiet)
		return;
	if (!pd->tty) {
		if (p->validated)
			draw(pd, p, 0);
		return;
	}
	double t = now_s();
	if (!p->validated && t - pd->last_draw < 1.0 / REDRAW_HZ)
		return;
	pd->last_draw = t;
	draw(pd, p, 1);
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
