#include "status.h"

#include <stdarg.h>
#include <stdio.h>

#ifndef RFX_VERSION
#define RFX_VERSION "unknown"
#endif

const char *rfx_version(void)
{
	return RFX_VERSION;
}

const char *rfx_strerror(int status)
{
	switch (status) {
	case RFX_OK: return "no error";
	case RFX_ERR_NOMEM: return "out of memory";
	case RFX_ERR_INVALID: return "invalid argument";
	case RFX_ERR_IO: return "file could not be read or written";
	case RFX_ERR_TOO_LARGE: return "file is larger than a model file may be";
	case RFX_ERR_JSON: return "file is not valid JSON";
	case RFX_ERR_FORMAT: return "file is not an rnnfx model (\"format\" must be \"rnnfx-model\")";
	case RFX_ERR_VERSION: return "model file version is not supported by this build";
	case RFX_ERR_CELL: return "unknown cell type or model architecture";
	case RFX_ERR_FIELD: return "a required field is missing or has the wrong type";
	case RFX_ERR_TENSOR_MISSING: return "a weight tensor is missing";
	case RFX_ERR_SHAPE: return "a weight tensor has the wrong size";
	case RFX_ERR_NONFINITE: return "a weight is NaN or infinite";
	case RFX_ERR_LIMIT: return "model sizes are past the supported limits";
	default: return "unknown error";
	}
}

RfxStatus rfx_diag_set(RfxDiag *d, RfxStatus st, const char *fmt, ...)
{
	if (d && d->text && d->size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->text, d->size, fmt, ap);
		va_end(ap);
	}
	return st;
}

void rfx_diag_clear(RfxDiag *d)
{
	if (d && d->text && d->size)
		d->text[0] = '\0';
}
