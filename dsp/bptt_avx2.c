/* rnnfx — the BPTT kernels (bptt_kernels.h) compiled for AVX2 + FMA, chosen at run time by
 * rfx_bptt_create when the CPU has them. Target pragmas (rather than a Makefile flag) keep the
 * rest of the library portable and need no build change; other compilers get a stub. */
#include "bptt_impl.h"
#ifdef RFX_BP_HAVE_AVX2
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
/* Let a * b + c become one fused multiply-add (ISO C mode turns contraction off by default). */
#pragma clang fp contract(fast)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#pragma GCC optimize("fp-contract=fast")
#endif
#define KSUFFIX avx2
#include "bptt_kernels.h"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#else
typedef int rfx_bptt_avx2_unused;
#endif
