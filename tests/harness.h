/* rnnfx test harness: one program per behaviour, made of named cases.
 *
 *   rt_case("block sizes");       starts a case (closing the one before)
 *   RT_CHECK(x == y, "x=%g", x);  records a failure of the current case, with a message
 *   return rt_finish();           prints "N passed, N failed" (cases) and returns the exit code
 *
 * Random tests take their seed from rt_seed(): RFX_TEST_SEED in the environment, or a fixed
 * default; a failing case prints the seed so the run can be repeated.
 */
#ifndef RFX_TEST_HARNESS_H
#define RFX_TEST_HARNESS_H

#include <stdint.h>
#include <stdio.h>

void rt_case(const char *name);
void rt_fail(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int rt_finish(void);
/* A case this machine cannot run (a CPU feature, a tool): printed as "skip NAME (why)", counted
 * in the summary's "N skipped", never as passed. Closes the current case. */
void rt_skip(const char *name, const char *why);
/* Failures recorded in the current case so far. */
int rt_case_failures(void);

uint64_t rt_seed(void);
/* xorshift64* — small, seeded, the same on every platform. */
uint64_t rt_rand_u64(uint64_t *s);
/* Uniform in [lo, hi). */
float rt_rand_uniform(uint64_t *s, float lo, float hi);

#define RT_CHECK(cond, ...)                                                          \
	do {                                                                             \
		if (!(cond))                                                                 \
			rt_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                         \
	} while (0)

/* Asserts that a call returning a status (RfxStatus: 0 = ok) succeeded. */
#define RT_OK(expr)                                                                  \
	do {                                                                             \
		int rt_st_ = (int)(expr);                                                    \
		if (rt_st_ != 0)                                                             \
			rt_fail(__FILE__, __LINE__, #expr, "status %d", rt_st_);                 \
	} while (0)

/* Asserts |a - b| <= tol and says by how much it missed. */
#define RT_NEAR(a, b, tol)                                                           \
	do {                                                                             \
		double rt_a_ = (a), rt_b_ = (b);                                             \
		if (!(rt_a_ - rt_b_ <= (tol) && rt_b_ - rt_a_ <= (tol)))                     \
			rt_fail(__FILE__, __LINE__, #a " ~ " #b, "%.9g vs %.9g (tol %g)",          \
				rt_a_, rt_b_, (double)(tol));                                        \
	} while (0)

#endif
