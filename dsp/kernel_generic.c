/* The reference kernel: portable C, the baseline every other kernel is tested against. */
#define RFX_KSUFFIX generic
#define RFX_KSPLIT 2
#include "kernel_impl.h"
