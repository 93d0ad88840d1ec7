/* rnnfx — the BPTT kernels (bptt_kernels.h) for any CPU, with the project's portable flags. */
#define RFX_KSUFFIX generic
#include "bptt_kernels.h"
