/* rnnfx — recurrent weights in bfloat16 pairs (RFX_WEIGHTS_BF16, rnnfx.h). Private to dsp/.
 *
 * Two weights share one 32-bit word, so a pair costs one load and one shift to widen: the low half
 * is the even weight as bfloat16 (rounded to nearest even), read as a float by shifting it 16 bits
 * up; the high half is chosen so that the whole word, read as a float as it is, is the odd weight
 * to within one bfloat16 step (the low half then serves as the odd weight's extra mantissa bits,
 * which the choice accounts for). Both weights keep 8 significant bits: relative error <= 2^-8.
 * No word decodes to a denormal, an infinity or a NaN.
 */
#ifndef RFX_BF16_H
#define RFX_BF16_H

#include <stddef.h>
#include <stdint.h>

uint32_t rfx_bf16_pair(float even, float odd);
float rfx_bf16_even(uint32_t word);
float rfx_bf16_odd(uint32_t word);

/* W: `rows` rows of `cols` floats (stream layout: row k is what h[k] multiplies). Packs rows
 * (2j, 2j + 1) into packed[j][cols] (a missing last odd row counts as zeros) and writes the
 * decoded values back into W, so that every kernel reading W computes what the packed loops do. */
void rfx_bf16_pack_rows(float *W, uint32_t *packed, int rows, int cols);

#endif
