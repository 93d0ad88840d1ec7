/* rnnfx tools — CSV output: what rnnfx-run writes for a classifier's class track and an onset
 * model's hits. */
#ifndef RFX_TOOLS_CSV_H
#define RFX_TOOLS_CSV_H

#include <stdio.h>

/* Writes `s` as one CSV field: as it is, or quoted with its quotes doubled when it holds a comma,
 * a quote or a line break (RFC 4180). A model's labels may hold any of them. */
void csv_field(FILE *f, const char *s);

#endif
