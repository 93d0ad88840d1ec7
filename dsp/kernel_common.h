/* rnnfx — what every kernel file includes before defining its primitives. Private to dsp/. */
#ifndef RFX_KERNEL_COMMON_H
#define RFX_KERNEL_COMMON_H

#include <math.h>

#include "cell_step.h"
#include "fastmath.h"
#include "kernel_isa.h"
#include "stream_impl.h"

/* A classifier's or onset model's outputs from its logits l[0..O): independent sigmoids (onset:
 * simultaneous hits of several classes) or a softmax (l is overwritten). Every kernel's head ends
 * here, so the probabilities' arithmetic is one. */
static inline void rfx_kernel_probs(RfxOutputMode mode, float *l, float *out, int O)
{
	if (mode == RFX_MODE_ONSET) {
		for (int o = 0; o < O; o++)
			out[o] = rfx_sigmoidf(l[o]);
		return;
	}
	float m = -INFINITY, sum = 0.0f;
	for (int o = 0; o < O; o++)
		m = l[o] > m ? l[o] : m;
	for (int o = 0; o < O; o++) {
		l[o] = rfx_expf(l[o] - m);
		sum += l[o];
	}
	for (int o = 0; o < O; o++)
		out[o] = l[o] / sum;
}

#endif
