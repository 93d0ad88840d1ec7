/* rnnfx — the BPTT kernels (bptt_kernels.h) compiled for AVX2 + FMA, chosen at run time by
 * rfx_bptt_create when the CPU has them. The target pragma (rather than a Makefile flag) keeps
 * the rest of the library portable and needs no build change; other compilers get a stub. */
#include "bptt_impl.h"
#ifdef RFX_BP_HAVE_AVX2
#pragma GCC push_options
#pragma GCC target("avx2,fma")
/* Let a * b + c become one fused multiply-add (ISO C mode turns contraction off by default). */
#pragma GCC optimize("fp-contract=fast")
#define KSUFFIX avx2
#include "bptt_kernels.h"
#pragma GCC pop_options
#else
typedef int rfx_bptt_avx2_unused;
#endif
