/* rnnfx — denormals flushed to zero for the length of one call, the caller's mode restored.
 *
 * A recurrent state decaying through silence passes through the denormal range, where every
 * float operation costs tens to hundreds of cycles on x86; flushing them (FTZ: results, DAZ:
 * inputs) keeps a real-time loop's cost flat. Every thread that sets the same mode gets the same
 * results, so training stays identical across thread counts.
 *
 *     RfxFpMode m = rfx_ftz_begin();
 *     ... the loop ...
 *     rfx_ftz_end(m);
 *
 * On x86 this is the MXCSR (0x8040 = FTZ | DAZ); on AArch64 the FPCR's FZ bit; elsewhere nothing.
 */
#ifndef RFX_DENORMALS_H
#define RFX_DENORMALS_H

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

typedef struct {
	unsigned long long saved;
} RfxFpMode;

static inline RfxFpMode rfx_ftz_begin(void)
{
	RfxFpMode m = {0};
#if defined(__SSE__) || defined(__x86_64__)
	m.saved = _mm_getcsr();
	_mm_setcsr((unsigned int)m.saved | 0x8040u);
#elif defined(__aarch64__)
	unsigned long long fpcr;
	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	m.saved = fpcr;
	__asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1ull << 24)));
#endif
	return m;
}

static inline void rfx_ftz_end(RfxFpMode m)
{
#if defined(__SSE__) || defined(__x86_64__)
	_mm_setcsr((unsigned int)m.saved);
#elif defined(__aarch64__)
	__asm__ volatile("msr fpcr, %0" : : "r"(m.saved));
#else
	(void)m;
#endif
}

#endif
