/* rnnfx-train — the error record every trainer module fills: which file, and what is wrong with it.
 *
 * A module that fails fills a TrnError and returns; only the programs print it (run.h,
 * trn_run_fail: "rnnfx-train: FILE: message"). Header-only, so each reader (and the fuzz targets
 * and unit tests that compile a few of them alone) needs no further object.
 */
#ifndef TRN_ERROR_H
#define TRN_ERROR_H

#include <stdarg.h>
#include <stdio.h>

typedef struct {
	char file[512]; /* the file the error is about ("" when none) */
	char msg[512];
} TrnError;

/* Fills `err` (nothing when it is NULL) with `file` (NULL: none) and the message. */
static inline void trn_error_vset(TrnError *err, const char *file, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static inline void trn_error_vset(TrnError *err, const char *file, const char *fmt, va_list ap)
{
	if (!err)
		return;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

/* trn_error_vset with the arguments; returns -1, so that `return trn_error_set(...)` fails. */
static inline int trn_error_set(TrnError *err, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline int trn_error_set(TrnError *err, const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	trn_error_vset(err, file, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
