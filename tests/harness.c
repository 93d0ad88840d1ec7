#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>

static const char *case_name = NULL;
static char case_buf[128]; /* names are copied: callers may build them in a local buffer */
static int case_failures = 0;
static int passed = 0, failed = 0, skipped = 0;
static int seed_used = 0;
static uint64_t seed_value = 0;

static void close_case(void)
{
	if (!case_name)
		return;
	if (case_failures) {
		failed++;
		fflush(stdout);
		if (seed_used)
			fprintf(stderr, "FAIL %s (RFX_TEST_SEED=%llu)\n", case_name,
				(unsigned long long)seed_value);
		else
			fprintf(stderr, "FAIL %s\n", case_name);
	} else {
		passed++;
		printf("ok   %s\n", case_name);
	}
	case_name = NULL;
	case_failures = 0;
}

void rt_case(const char *name)
{
	close_case();
	snprintf(case_buf, sizeof case_buf, "%s", name ? name : "(unnamed)");
	case_name = case_buf;
}

void rt_skip(const char *name, const char *why)
{
	close_case();
	skipped++;
	printf("skip %s (%s)\n", name ? name : "(unnamed)", why ? why : "cannot run here");
}

int rt_case_failures(void)
{
	return case_failures;
}

void rt_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	/* Only the first few failures of a case are printed: a loop over 10^5 samples should not
	 * bury the summary. */
	if (case_failures < 5) {
		va_list ap;
		fflush(stdout); /* keep the log in order when both streams go to one file */
		fprintf(stderr, "%s:%d: %s: %s: ", file, line, case_name ? case_name : "(no case)", expr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (!case_name) { /* a check outside any case still counts */
		failed++;
		return;
	}
	case_failures++;
}

int rt_finish(void)
{
	close_case();
	fflush(stderr);
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

uint64_t rt_seed(void)
{
	if (!seed_used) {
		const char *env = getenv("RFX_TEST_SEED");
		seed_value = env ? strtoull(env, NULL, 10) : 20261125u;
		if (!seed_value)
			seed_value = 1;
		seed_used = 1;
	}
	return seed_value;
}

uint64_t rt_rand_u64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

float rt_rand_uniform(uint64_t *s, float lo, float hi)
{
	return lo + (hi - lo) * (float)((rt_rand_u64(s) >> 40) * (1.0 / 16777216.0));
}
