/* rnnfx — the kernel table (kernel_table.h): every instruction set's kernels, best first. */
#include "kernel_table.h"

#include <stdlib.h>
#include <string.h>

#if RFX_KERNEL_X86
static int have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* libgcc's check includes the OS saving the AVX-512 state (XCR0), which ymm16-31 need. */
static int have_avx512(void)
{
	return have_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}
#endif

static int have_always(void)
{
	return 1;
}

static const RfxKernel kernels[] = {
#if RFX_KERNEL_X86
	/* AVX2 code with AVX-512VL's 32 registers in the specialised loops and in training's kernels
	 * (whose bits are the "avx2" row's: the same operations, only more registers). */
	{ "avx512", have_avx512, rfx_kernel_process_avx2, rfx_kernel_fx_avx512, rfx_kernel_fx_pair_avx512,
	  rfx_bp_seg_forward_avx512, rfx_bp_seg_backward_avx512 },
	{ "avx2", have_avx2, rfx_kernel_process_avx2, rfx_kernel_fx_avx2, rfx_kernel_fx_pair_avx2,
	  rfx_bp_seg_forward_avx2, rfx_bp_seg_backward_avx2 },
	/* The same without the specialised loops: never the default, there for tests and benchmarks. */
	{ "avx2-loop", have_avx2, rfx_kernel_process_avx2, NULL, NULL, NULL, NULL },
#endif
#if defined(__SSE2__)
	/* The x86-64 baseline: every x86-64 CPU has it, so it is the default where AVX2 + FMA are not. */
	{ "sse2", have_always, rfx_kernel_process_sse2, NULL, NULL, NULL, NULL },
#endif
	{ "generic", have_always, rfx_kernel_process_generic, NULL, NULL, rfx_bp_seg_forward_generic,
	  rfx_bp_seg_backward_generic },
};
#define N_KERNELS (sizeof kernels / sizeof kernels[0])

static int fits(const RfxKernel *k, RfxKernelUse use)
{
	if (use == RFX_KERNEL_TRAINING ? !k->bp_forward : !k->process)
		return 0;
	return k->supported();
}

const RfxKernel *rfx_kernel_pick(RfxKernelUse use)
{
	const char *force = getenv(use == RFX_KERNEL_TRAINING ? "RFX_BPTT_KERNEL" : "RFX_KERNEL");
	for (size_t i = 0; i < N_KERNELS && force; i++)
		if (strcmp(force, kernels[i].name) == 0 && fits(&kernels[i], use))
			return &kernels[i];
	for (size_t i = 0; i < N_KERNELS; i++)
		if (fits(&kernels[i], use))
			return &kernels[i];
	return &kernels[N_KERNELS - 1];
}
