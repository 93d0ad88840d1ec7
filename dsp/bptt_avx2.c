/* rnnfx — the BPTT kernels (bptt_kernels.h) compiled for AVX2 + FMA. The Makefile builds this file
 * with -mavx2 -mfma -ffp-contract=fast, as it does kernel_avx2.c; kernel_table.c picks it at run
 * time when the CPU has both. */
#include "kernel_isa.h"
#if RFX_KERNEL_X86
#define RFX_KSUFFIX avx2
#include "bptt_kernels.h"
#else
typedef int rfx_bptt_avx2_unused; /* ISO C wants something in a translation unit */
#endif
