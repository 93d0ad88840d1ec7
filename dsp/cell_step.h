/* rnnfx — one step of each cell for one hidden unit, in scalar arithmetic: the one definition of
 * what a cell computes. Private to dsp/.
 *
 * Called by the reference stream kernel (kernel_generic.c, through kernel_impl.h), by the vector
 * kernels for the units past their last whole vector (kernel_sse2.c, kernel_avx2.c), and by the
 * BPTT forward (bptt_kernels.h), which also stores the gates each step returns in its cache for
 * the backward; its AVX2 build runs cell_step_avx2.h, these steps eight units at a time with the
 * same bits (tests/test_cell_step_avx2.c). The vector kernels compute the same formulas in intrinsics and are tested
 * against these (tests/test_stream.c; tests/test_bptt_stream.c checks that training's forward and
 * the reference stream agree).
 *
 * gi, gh: the input-side and hidden-side pre-activations of one unit's gates, W_ih x + b_ih and
 * W_hh h' + b_hh. The steps take values, not pointers: the callers load them through their own
 * restrict-qualified arrays (RFX_GRU_STEP and RFX_LSTM_STEP spell out the gate offsets), which
 * keeps their loops vectorised without run-time alias checks. Each returns the new h (with c and
 * the gates for GRU and LSTM) from h' = hp (and c' = cp); the caller stores it, in place (stream)
 * or in the next cache row (training).
 */
#ifndef RFX_CELL_STEP_H
#define RFX_CELL_STEP_H

#include "fastmath.h"

/* a b + c as one FMA where the build fuses multiply-adds (-mfma -ffp-contract=fast: the AVX2
 * kernels), a b + c as written elsewhere. Used where leaving the contraction to the compiler gave
 * different bits in different callers (GCC 12: LSTM's c = f c' + i g, which product is fused;
 * GRU's gi_n + r gh_n, fused in one caller and not in another). GRU's blend stays as written:
 * spelled as an FMA it changed the AVX2 stream kernel's last units by rounding, while as written
 * every caller computes what it did before these steps were shared (tests/test_bptt_stream.c and
 * the kernel tests hold the callers together). */
#if defined(__FMA__)
#define RFX_CELL_MULADD(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define RFX_CELL_MULADD(a, b, c) ((a) * (b) + (c))
#endif

/* rnn:  h = tanh(gi + gh) */
static inline float rfx_rnn_step(float gi, float gh)
{
	return rfx_tanhf(gi + gh);
}

/* gru:  r = s(gi_r + gh_r);  z = s(gi_z + gh_z);  n = tanh(gi_n + r gh_n);
 *       h = (1 - z) n + z h', computed as n + z (h' - n).
 * The gates come back with h for the caller that caches them (the BPTT forward keeps r, z, n and
 * gh_n, which r multiplies). */
typedef struct {
	float r, z, n, h;
} RfxGruStep;

static inline RfxGruStep rfx_gru_step(float gi_r, float gh_r, float gi_z, float gh_z, float gi_n,
				      float gh_n, float hp)
{
	RfxGruStep s;
	s.r = rfx_sigmoidf(gi_r + gh_r);
	s.z = rfx_sigmoidf(gi_z + gh_z);
	s.n = rfx_tanhf(RFX_CELL_MULADD(s.r, gh_n, gi_n));
	s.h = s.n + s.z * (hp - s.n); /* contraction left to the compiler, as before: see above */
	return s;
}

/* lstm: i, f, o = s(gi + gh), g = tanh(gi + gh);  c = f c' + i g;  h = o tanh(c).
 * The gates and tanh(c) come back with c and h, for the BPTT forward's cache. */
typedef struct {
	float i, f, g, o, tc, c, h;
} RfxLstmStep;

static inline RfxLstmStep rfx_lstm_step(float gi_i, float gh_i, float gi_f, float gh_f, float gi_g,
					float gh_g, float gi_o, float gh_o, float cp)
{
	RfxLstmStep s;
	s.i = rfx_sigmoidf(gi_i + gh_i);
	s.f = rfx_sigmoidf(gi_f + gh_f);
	s.g = rfx_tanhf(gi_g + gh_g);
	s.o = rfx_sigmoidf(gi_o + gh_o);
	s.c = RFX_CELL_MULADD(s.f, cp, s.i * s.g);
	s.tc = rfx_tanhf(s.c);
	s.h = s.o * s.tc;
	return s;
}

/* The same, for unit j of gate blocks at 0, H, 2H, 3H (PyTorch's order: gru r z n, lstm i f g o).
 * The arguments are evaluated more than once: plain array names and indices only. */
#define RFX_GRU_STEP(gi, gh, hp, H, j)                                                             \
	(rfx_gru_step((gi)[j], (gh)[j], (gi)[(H) + (j)], (gh)[(H) + (j)], (gi)[2 * (H) + (j)],        \
		      (gh)[2 * (H) + (j)], (hp)))
#define RFX_LSTM_STEP(gi, gh, cp, H, j)                                                            \
	(rfx_lstm_step((gi)[j], (gh)[j], (gi)[(H) + (j)], (gh)[(H) + (j)], (gi)[2 * (H) + (j)],       \
		       (gh)[2 * (H) + (j)], (gi)[3 * (H) + (j)], (gh)[3 * (H) + (j)], (cp)))

#endif
