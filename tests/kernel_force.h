/* For the tests that run their cases on more than one stream kernel: the kernel RFX_KERNEL
 * forces (kernel_table.h), put back after a case forces another, and named in the case. */
#ifndef RFX_TEST_KERNEL_FORCE_H
#define RFX_TEST_KERNEL_FORCE_H

#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

/* NULL: the CPU's default kernel; else the name the cases run on. */
static const char *forced_kernel = NULL;

/* RFX_KERNEL back to forced_kernel (or unset), e.g. after a case asked for "generic". */
static inline void restore_kernel(void)
{
	if (forced_kernel)
		setenv("RFX_KERNEL", forced_kernel, 1);
	else
		unsetenv("RFX_KERNEL");
}

/* rt_case, with " [kernel]" when one is forced. */
static inline void kcase(const char *name)
{
	char buf[160];
	if (forced_kernel)
		snprintf(buf, sizeof buf, "%s [%s]", name, forced_kernel);
	rt_case(forced_kernel ? buf : name);
}

#endif
