/* The same loops compiled with -mavx2 -mfma (see the Makefile); chosen at run time only on CPUs
 * that have both. Four split sums keep eight 8-wide FMA chains in flight. */
#if defined(__x86_64__) || defined(__i386__)
#define RFX_KSUFFIX avx2
#define RFX_KSPLIT 4
#include "kernel_impl.h"
#else
typedef int rfx_kernel_avx2_unused;
#endif
