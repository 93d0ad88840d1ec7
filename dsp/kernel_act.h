/* rnnfx — the vector kernels' activations applied to an array, so tests/test_activations.c can
 * measure each approximation's error against libm. Private to dsp/: nothing on the audio path
 * calls these. Each runs y[i] = act(x[i]) for i < n with the kernel's own vector code; n must be a
 * multiple of the function's width (4 for SSE2, 8 for AVX2, 40 for the table form). The AVX2 ones
 * may only be called on a CPU with AVX2 and FMA. */
#ifndef RFX_KERNEL_ACT_H
#define RFX_KERNEL_ACT_H

#include <stddef.h>

#include "kernel_isa.h"

typedef enum { RFX_ACT_EXP, RFX_ACT_TANH, RFX_ACT_SIGMOID } RfxAct;

/* The specialised loops' forms (kernel_avx2_fx.c): act_exp with Estrin's scheme (how they evaluate
 * up to 4 vectors at once) or in its table form (5 and more), and act_rational. exp alone has none. */
typedef enum { RFX_ACT_FX_EXP_ESTRIN, RFX_ACT_FX_EXP_TABLE, RFX_ACT_FX_RATIONAL } RfxActForm;

#if defined(__SSE2__)
void rfx_kernel_act_sse2(RfxAct act, const float *x, float *y, size_t n);
#endif
#if RFX_KERNEL_X86
void rfx_kernel_act_avx2(RfxAct act, const float *x, float *y, size_t n);
/* act: RFX_ACT_TANH or RFX_ACT_SIGMOID. */
void rfx_kernel_act_avx2_fx(RfxAct act, RfxActForm form, const float *x, float *y, size_t n);
/* The avx512 row's LSTM 32 state update (kernel_avx512_fx_z.h) on n units, n a multiple of 32:
 * for each 32, gates holds the sums of i, f, g, o (32 each, in that order); c is updated in place
 * and h written. Only on a CPU with AVX-512F and VL. */
void rfx_kernel_lstm_update_avx512(const float *gates, float *c, float *h, size_t n);
#endif

#endif
