/* rnnfx tools — what the command-line programs share: how they say what went wrong. */
#ifndef RFX_TOOLS_CLI_H
#define RFX_TOOLS_CLI_H

/* The program's name in its messages ("rnnfx-run"); each program defines it. */
extern const char cli_prog[];

/* Prints "PROG: WHAT: message" and a newline to stderr (WHAT: a file, a device, an option) and
 * returns 1, the exit status for an error. */
int fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
