/* rnnfx-train — progress display.
 *
 * On a terminal one status line is redrawn in place (at most a few times a second): epoch, batch,
 * loss, validation ESR, samples/s, ETA. When stderr is a file or a pipe (CI logs, nohup) the same
 * facts go out as plain lines, one per validation, so logs stay readable.
 */
#ifndef TRN_PROGRESS_H
#define TRN_PROGRESS_H

#include <stdio.h>

#include "train_loop.h"

typedef struct {
	FILE *f;
	int tty;                /* redraw one line in place */
	int quiet;              /* nothing but errors */
	double last_draw;       /* monotonic seconds */
	int line_open;          /* a status line is on screen without its newline */
} TrnProgressDisplay;

void trn_progress_init(TrnProgressDisplay *pd, FILE *f, int quiet);
/* A TrnHooks.progress callback; ctx is the display. */
void trn_progress_update(void *ctx, const TrnProgress *p);
/* Ends the status line so a message can follow on its own line. */
void trn_progress_break(TrnProgressDisplay *pd);

#endif
