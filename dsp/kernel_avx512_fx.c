/* rnnfx — the specialised loops again (kernel_avx2_fx.c), built with -mavx512f -mavx512vl and
 * 256-bit vectors preferred: the same AVX2 code and vector width, with the 16 more vector
 * registers AVX-512VL gives (ymm16-31), so the mat-vecs keep more accumulators in registers and
 * spill none (FX_REGS there). The kernel table's "avx512" row for streams; its general loop is
 * the AVX2 one (training's avx512 row is bptt_avx512.c). Wider vectors measured no faster in the
 * mat-vecs alone; four loops run whole in 512-bit vectors (kernel_avx512_fx_z.h: LSTM 32, GRU 48
 * and 64, 2 x GRU 16; the GRU ones the same bits), where the shorter queue entries let the core
 * overlap more (docs/performance.md). */
#define RFX_KSUFFIX avx512
#include "kernel_avx2_fx.c"
