/* rnnfx tools — a one-line progress bar on stderr, and a wall clock for the x real-time figure.
 *
 * The bar is drawn only when stderr is a terminal, so logs and pipes never fill with carriage
 * returns; it redraws at most ten times a second so it costs nothing next to the processing.
 */
#ifndef RFX_TOOLS_PROGRESS_H
#define RFX_TOOLS_PROGRESS_H

#include <stdint.h>

typedef struct {
	int enabled;         /* stderr is a terminal */
	double t_start;      /* monotonic seconds at progress_begin */
	double t_drawn;      /* when the bar was last drawn */
	int64_t total;       /* frames expected; <= 0 when unknown */
	double rate;         /* frames per second of audio, to show positions in seconds */
} Progress;

/* Monotonic seconds since an arbitrary origin. */
double progress_now(void);

void progress_begin(Progress *p, int64_t total_frames, double rate);
/* Redraws the bar when enough time has passed since the last draw. */
void progress_update(Progress *p, int64_t done_frames);
/* Clears the bar's line; returns the seconds since progress_begin. */
double progress_end(Progress *p);

#endif
