/* dsp/denormals.h: between rfx_ftz_begin and rfx_ftz_end a denormal result is flushed to zero
 * and a denormal input read as zero; afterwards the caller's mode is back (nested calls too). */
#include <math.h>
#include <stdlib.h>

#include "../dsp/denormals.h"
#include "harness.h"

static volatile float tiny = 1e-38f, half = 0.5f, denormal = 1e-40f;

static int flushed(void)
{
	return tiny * half * 0.01f == 0.0f; /* 5e-41: a denormal, or 0 under FTZ */
}

int main(void)
{
#if !defined(__SSE__) && !defined(__x86_64__) && !defined(__aarch64__)
	printf("skipped: no flush-to-zero control on this CPU\n");
	return 77;
#endif
	if (getenv("RFX_TEST_VALGRIND")) { /* valgrind ignores FTZ/DAZ */
		printf("skipped: valgrind does not emulate flush-to-zero\n");
		return 77;
	}
	rt_case("FTZ in the call, the caller's mode after it");
	RT_CHECK(!flushed(), "denormals flushed before any call (the test's premise)");
	RfxFpMode m = rfx_ftz_begin();
	RT_CHECK(flushed(), "a denormal result survived inside the call");
#if defined(__SSE__) || defined(__x86_64__)
	RT_CHECK(denormal * 1.0f == 0.0f, "a denormal input was not read as zero (DAZ)");
#endif
	RfxFpMode inner = rfx_ftz_begin();
	rfx_ftz_end(inner);
	RT_CHECK(flushed(), "a nested call's end turned flushing off");
	rfx_ftz_end(m);
	RT_CHECK(!flushed(), "the caller's mode was not restored");
	RT_CHECK(fpclassify(tiny * half * 0.01f) == FP_SUBNORMAL, "not a denormal after the call");
	return rt_finish();
}
