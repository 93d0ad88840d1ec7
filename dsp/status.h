/* rnnfx — status codes shared by every dsp module.
 *
 * Fallible functions return an RfxStatus: 0 is success, every error is negative, and the list is
 * closed by a sentinel so tables indexed by status stay in step with it.
 */
#ifndef RFX_STATUS_H
#define RFX_STATUS_H

#include <stddef.h>

typedef enum {
	RFX_OK = 0,
	RFX_ERR_NOMEM = -1,         /* an allocation failed */
	RFX_ERR_INVALID = -2,       /* a bad argument (NULL, out of range) from the caller */
	RFX_ERR_IO = -3,            /* a file could not be opened, read or written */
	RFX_ERR_TOO_LARGE = -4,     /* a file past the size limit */
	RFX_ERR_JSON = -5,          /* not well-formed JSON */
	RFX_ERR_FORMAT = -6,        /* JSON, but not an rnnfx model ("format" missing or wrong) */
	RFX_ERR_VERSION = -7,       /* a format version this build does not read */
	RFX_ERR_CELL = -8,          /* unknown cell type */
	RFX_ERR_FIELD = -9,         /* a required field missing, or of the wrong type or value */
	RFX_ERR_TENSOR_MISSING = -10, /* a tensor the architecture needs is absent */
	RFX_ERR_SHAPE = -11,        /* a tensor of the wrong size */
	RFX_ERR_NONFINITE = -12,    /* a NaN or Inf weight */
	RFX_ERR_LIMIT = -13,        /* sizes past the limits below (hidden, layers, inputs, classes) */
	RFX_ERR_COUNT = -14         /* sentinel: one past the last error */
} RfxStatus;

/* A sentence that tells the user what went wrong, for any status (unknown ones included). */
const char *rfx_strerror(int status);

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
