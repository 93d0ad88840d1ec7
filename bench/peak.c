#define _POSIX_C_SOURCE 200809L
#include "peak.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* as bench_infer: this thread's CPU time */
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* 12 chains of 8-wide FMAs: with two FMA pipes of latency 4 eight chains fill them; 12 leaves
 * margin. Each iteration is 12 * 8 * 2 = 192 flops. The chains are named variables, not an array:
 * GCC kept an array of vectors in memory, and the probe then measured store forwarding (15-40
 * GFLOP/s on a core that does 100). The empty asm keeps the loop from being folded. */
__attribute__((target("avx2,fma"))) static double fma_probe(long iters)
{
	const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
	__m256 a0 = _mm256_set1_ps(0.0f), a1 = _mm256_set1_ps(1.0f), a2 = _mm256_set1_ps(2.0f);
	__m256 a3 = _mm256_set1_ps(3.0f), a4 = _mm256_set1_ps(4.0f), a5 = _mm256_set1_ps(5.0f);
	__m256 a6 = _mm256_set1_ps(6.0f), a7 = _mm256_set1_ps(7.0f), a8 = _mm256_set1_ps(8.0f);
	__m256 a9 = _mm256_set1_ps(9.0f), a10 = _mm256_set1_ps(10.0f), a11 = _mm256_set1_ps(11.0f);
	for (long k = 0; k < iters; k++) {
		a0 = _mm256_fmadd_ps(a0, m, c);
		a1 = _mm256_fmadd_ps(a1, m, c);
		a2 = _mm256_fmadd_ps(a2, m, c);
		a3 = _mm256_fmadd_ps(a3, m, c);
		a4 = _mm256_fmadd_ps(a4, m, c);
		a5 = _mm256_fmadd_ps(a5, m, c);
		a6 = _mm256_fmadd_ps(a6, m, c);
		a7 = _mm256_fmadd_ps(a7, m, c);
		a8 = _mm256_fmadd_ps(a8, m, c);
		a9 = _mm256_fmadd_ps(a9, m, c);
		a10 = _mm256_fmadd_ps(a10, m, c);
		a11 = _mm256_fmadd_ps(a11, m, c);
		__asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
		__asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
	}
	__m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
				 _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
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

/* The value after "key\t: " on the first /proc/cpuinfo line starting with key, or "?". */
static void cpuinfo_field(const char *key, char *out, size_t n)
{
	snprintf(out, n, "?");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	const size_t kl = strlen(key);
	while (fgets(line, sizeof line, f)) {
		const char *colon = strchr(line, ':');
		if (strncmp(line, key, kl) != 0 || !colon || (line[kl] != ' ' && line[kl] != '\t'))
			continue;
		snprintf(out, n, "%s", colon + 1 + (colon[1] == ' '));
		out[strcspn(out, "\n")] = 0;
		break;
	}
	fclose(f);
}

/* cpu0's cache of one level and type ("Data", "Unified"), e.g. "48K", or "?". */
static void cache_size(int level, const char *type, char *out, size_t n)
{
	snprintf(out, n, "?");
	for (int i = 0; i < 8; i++) {
		char path[96], buf[32];
		int lv = 0;
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		FILE *f = fopen(path, "r");
		if (!f)
			return;
		lv = fgets(buf, sizeof buf, f) ? atoi(buf) : 0;
		fclose(f);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (lv != level || !(f = fopen(path, "r")))
			continue;
		const int match = fgets(buf, sizeof buf, f) && strncmp(buf, type, strlen(type)) == 0;
		fclose(f);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if (match && (f = fopen(path, "r"))) {
			if (fgets(buf, sizeof buf, f)) {
				buf[strcspn(buf, "\n")] = 0;
				snprintf(out, n, "%s", buf);
			}
			fclose(f);
			return;
		}
	}
}

void rfx_bench_print_machine(FILE *f)
{
	char name[128], fam[16], model[16], l1[32], l2[32];
	cpuinfo_field("model name", name, sizeof name);
	cpuinfo_field("cpu family", fam, sizeof fam);
	cpuinfo_field("model", model, sizeof model);
	cache_size(1, "Data", l1, sizeof l1);
	cache_size(2, "Unified", l2, sizeof l2);
	const char *simd = "scalar";
#if defined(__x86_64__)
	__builtin_cpu_init();
	simd = __builtin_cpu_supports("avx512f")				  ? "AVX-512, AVX2+FMA"
	       : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "AVX2+FMA"
										  : "SSE2";
#endif
	fprintf(f, "machine: %s (family %s, model %s), %s, L1d %s, L2 %s per core\n", name, fam, model,
		simd, l1, l2);
}
