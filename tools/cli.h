/* rnnfx tools — what the command-line programs share: how they say what went wrong. */
#ifndef RFX_TOOLS_CLI_H
#define RFX_TOOLS_CLI_H

#include "dsp/rnnfx.h"

#include <stdio.h>

/* The program's name in its messages ("rnnfx-run"); each program defines it. */
extern const char cli_prog[];

/* Prints "PROG: WHAT: message" and a newline to stderr (WHAT: a file, a device, an option) and
 * returns 1, the exit status for an error. */
int fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What main() does with its parser's answer: 2 (--help) prints the usage to stdout and gives exit
 * status 0; any other non-zero (a bad command line, already reported) says "try --help" and gives
 * 2; 0 gives -1: go on. */
int cli_parsed(int parse_result, void (*usage)(FILE *));

/* SIGINT and SIGTERM call `handler`; `flags` as sigaction's (SA_RESETHAND: a second Ctrl-C kills). */
void cli_catch_stop(void (*handler)(int), int flags);

/* A --knob argument, NAME=VALUE with a finite VALUE: 0, or -1 when it is not one. `out` points
 * into arg (the name is not copied). */
int cli_parse_knob(const char *arg, RfxKnobSetting *out);

/* Prints a warning for each knob that rfx_model_knob_inputs clamped (bits of `clamped`), with the
 * value asked for (the setting, or the default) and the range. */
void cli_warn_clamped(const RfxModel *m, const RfxKnobSetting *set, int n_set, unsigned clamped);

#endif
