/* rnnfx-train — every output checked before training starts, so a folder that cannot be written
 * or an output that names an input is found in a second, not after an hour of training. */
#ifndef TRN_OUTPUTS_H
#define TRN_OUTPUTS_H

#include <stdio.h>

#include "../io/files.h"
#include "dataset.h"

/* Each non-empty path through rfx_out_check (io/files.h), and no two outputs the same. Returns 0,
 * or -1 with `err` naming the first that cannot be written and why. */
int trn_outputs_check(const char *const *paths, int n, TrnError *err);

/* A text output through the one writer (io/files.h): the stream to write to, or NULL with `err`
 * naming `path` (nothing is left behind). End with trn_output_commit. */
FILE *trn_output_begin(RfxOutFile *out, const char *path, TrnError *err);
/* Renames the finished file into place; 0, or -1 with `err` naming `path`. */
int trn_output_commit(RfxOutFile *out, const char *path, TrnError *err);

#endif
