/* rnnfx — what every kernel file includes before defining its primitives. Private to dsp/. */
#ifndef RFX_KERNEL_COMMON_H
#define RFX_KERNEL_COMMON_H

#include "cell_step.h"
#include "kernel_isa.h"
#include "stream_impl.h"

#endif
