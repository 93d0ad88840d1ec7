/* rnnfx — the BPTT kernels (bptt_kernels.h) compiled for AVX2 + FMA with AVX-512VL's 32 vector
 * registers, still 256 bits wide, and GCC's scheduling before register allocation (the Makefile's
 * flags for this file): the staged activations of a step (cell_step_avx2.h, rfx_v8_act_n) stay in
 * registers and the scheduler interleaves their chains. The same operations in the same order as
 * bptt_avx2.c, so the same bits (tests/test_bptt_batch.c compares the two); kernel_table.c picks
 * it at run time where the CPU has AVX-512F and VL. */
#include "kernel_isa.h"
#if RFX_KERNEL_X86
#define RFX_KSUFFIX avx512
#include "bptt_kernels.h"
#else
typedef int rfx_bptt_avx512_unused; /* ISO C wants something in a translation unit */
#endif
