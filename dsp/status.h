/* rnnfx — status codes shared by every dsp module, and how a module fills in its sentence.
 *
 * Fallible functions return an RfxStatus: 0 is success, every error is negative, and the list is
 * closed by a sentinel so tables indexed by status stay in step with it. RfxStatus, RFX_MUST_CHECK
 * and rfx_strerror are public and declared in rnnfx.h; RfxDiag is the modules' own.
 */
#ifndef RFX_STATUS_H
#define RFX_STATUS_H

#include <stddef.h>

#include "rnnfx.h" /* RfxStatus, rfx_strerror */

/* Where a fallible function puts the sentence that goes with its status: the caller's buffer,
 * named by the `char *detail, size_t detail_size` of the public functions. text == NULL or
 * size == 0 means the caller wants no sentence. Every module fills it the same way:
 *
 *     RfxDiag d = { detail, detail_size };
 *     rfx_diag_clear(&d);
 *     ...
 *     return rfx_diag_set(&d, RFX_ERR_SHAPE, "tensor '%s': data has %zu values, ...", ...);
 *
 * A sentence too long for the buffer is cut (and NUL-terminated), never overrun. */
typedef struct {
	char *text;
	size_t size;
} RfxDiag;

/* Writes the sentence (d may be NULL) and returns `st`, so a check reads
 * `return rfx_diag_set(d, RFX_ERR_FIELD, "...")`. With RFX_OK it leaves a note on success. */
RfxStatus rfx_diag_set(RfxDiag *d, RfxStatus st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Empties the sentence (""), as every public function does first. */
void rfx_diag_clear(RfxDiag *d);

#endif
