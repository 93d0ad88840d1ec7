/* rnnfx — the BPTT kernels (bptt_kernels.h) for any CPU, with the project's portable flags. */
#define KSUFFIX generic
#include "bptt_kernels.h"
