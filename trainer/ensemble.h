/* rnnfx-train — several trained models as one: their networks side by side in one wider network
 * whose head averages their logits.
 *
 * M models of one shape (cell, layers, H, inputs, outputs, front end, rate; zero initial states)
 * become one of hidden size M x H: every layer's weights block-diagonal (member m owns units
 * m H .. m H + H - 1 of every gate, and its recurrent and upper-layer input weights see only its
 * own units), the first layer's input weights stacked (every member reads the same inputs), and
 * the head the members' heads side by side divided by M, its bias their mean. Each member's units
 * then compute exactly what they compute alone, and the output is the mean of the members'
 * logits: an ensemble that the stream, the plugin and every model-file reader run as one model.
 * Seeds of one recipe disagree most on kits none of them heard (presets/README.md), which is
 * where the mean gains. Nothing here prints. */
#ifndef TRN_ENSEMBLE_H
#define TRN_ENSEMBLE_H

#include "../dsp/model.h"
#include "error.h"

/* The merged model of members[0..n) (2 <= n), its labels and notes the first member's, no
 * metadata. 0, or -1 with err (naming `names[i]` for the member that does not fit). */
int trn_ensemble_merge(RfxModel *const *members, const char *const *names, int n, RfxModel **out,
		       TrnError *err);

#endif
