/* rnnfx — what every kernel file includes before defining its primitives. Private to dsp/. */
#ifndef RFX_KERNEL_COMMON_H
#define RFX_KERNEL_COMMON_H

#include "cell_step.h"
#include "stream_impl.h"

#define RFX_KCAT2(a, b) a##_##b
#define RFX_KCAT(a, b) RFX_KCAT2(a, b)
#define KFN(name) RFX_KCAT(name, RFX_KSUFFIX)

#endif
