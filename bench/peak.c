#define _POSIX_C_SOURCE 200809L
#include "peak.h"

#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* 12 chains of 8-wide FMAs: with two FMA pipes of latency 4 eight chains fill them; 12 leaves
 * margin. Each iteration is 12 * 8 * 2 = 192 flops. */
__attribute__((target("avx2,fma"))) static double fma_probe(long iters)
{
	__m256 a[12], m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
	for (int i = 0; i < 12; i++)
		a[i] = _mm256_set1_ps((float)i);
	for (long k = 0; k < iters; k++)
		for (int i = 0; i < 12; i++)
			a[i] = _mm256_fmadd_ps(a[i], m, c);
	__m256 s = a[0];
	for (int i = 1; i < 12; i++)
		s = _mm256_add_ps(s, a[i]);
	float out[8];
	_mm256_storeu_ps(out, s);
	return out[0];
}

double rfx_bench_peak_gflops(void)
{
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
		return 0.0;
	volatile double sink = 0;
	long iters = 1000000;
	double best = 0;
	for (int r = 0; r < 5; r++) {
		double t0 = now();
		sink += fma_probe(iters);
		double dt = now() - t0;
		double g = (double)iters * 192.0 / dt * 1e-9;
		best = g > best ? g : best;
		if (dt < 0.05)
			iters *= 4;
	}
	(void)sink;
	return best;
}
#else
double rfx_bench_peak_gflops(void)
{
	return 0.0;
}
#endif
