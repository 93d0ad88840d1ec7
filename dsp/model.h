/* rnnfx — a recurrent model: architecture plus weights, independent of how it is run.
 *
 * A model is a stack of 1..RFX_MAX_LAYERS recurrent layers of one cell type (tanh RNN, GRU, LSTM)
 * followed by a dense head. Weights use PyTorch's names, shapes and gate orders (nn.RNN, nn.GRU,
 * nn.LSTM; see docs/cells.md), so a PyTorch state_dict maps onto it one to one:
 *
 *   layer l:  weight_ih_l<l> [G*H x I_l]   weight_hh_l<l> [G*H x H]   bias_ih_l<l> [G*H]   bias_hh_l<l> [G*H]
 *             h0_l<l> [H]  (only when init[l] != RFX_INIT_ZEROS)
 *             c0_l<l> [H]  (LSTM only, same condition)
 *   head:     head.weight [O x H]   head.bias [O]
 *
 * with G = 1 (rnn), 3 (gru: r,z,n), 4 (lstm: i,f,g,o); I_0 = n_inputs, I_l = H for l > 0; O = 1 for
 * an effect, K classes for a classifier. All tensors live in one flat float array, `params`, in the
 * order above, so a trainer can treat the whole model as one vector.
 *
 * Lifetime: a model is created by rfx_model_new() (or a loader in rnnfx.h) and freed by
 * rfx_model_free(). Streams (stream.h) copy what they need at init, so a model may be freed while
 * streams made from it still run.
 *
 * A host sees RfxModel as an opaque type (rnnfx.h, which declares the loaders, the accessors
 * rfx_model_sample_rate, _mode, _n_inputs, _label, ..., rfx_model_free and _set_metadata); this
 * header adds its layout and what the trainer and the tests build models with.
 */
#ifndef RFX_MODEL_H
#define RFX_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "frontend.h"
#include "rnnfx.h"
#include "status.h"

/* RFX_MAX_LAYERS, _HIDDEN, _INPUTS, _CLASSES, _LABEL, RfxCellType, RfxOutputMode: rnnfx.h. */
#define RFX_MAX_TENSORS (RFX_MAX_LAYERS * 6 + 2)

typedef enum {
	RFX_INIT_ZEROS,   /* h0 = 0 (and c0 = 0) */
	RFX_INIT_VECTOR,  /* h0 (and c0) given in the file, held fixed in training */
	RFX_INIT_TRAINED, /* h0 (and c0) learned by the trainer */
	RFX_INIT_COUNT
} RfxInitKind;

/* What the model is, without its weights. */
typedef struct {
	RfxCellType cell;
	int n_layers;               /* 1..RFX_MAX_LAYERS */
	int n_inputs;               /* I: 1 (audio) .. RFX_MAX_INPUTS; inputs past 0 are conditioning */
	int hidden;                 /* H: 1..RFX_MAX_HIDDEN */
	RfxOutputMode mode;
	int n_outputs;              /* O: 1 for an effect, K = 2..RFX_MAX_CLASSES for a classifier */
	int skip;                   /* effect only: y += x (input 0) */
	RfxInitKind init[RFX_MAX_LAYERS];
	double sample_rate;         /* Hz the model was trained at; > 0 */
	RfxFrontendSpec frontend;   /* classifier/onset only: band levels as inputs (frontend.h);
				     * then n_inputs = bands + 1 */
} RfxModelSpec;

typedef struct {
	char name[24];              /* PyTorch-style name, e.g. "weight_hh_l0" */
	float *data;                /* points into RfxModel.params */
	size_t offset;              /* index of data[0] in params */
	int rows, cols;             /* a vector has cols == 1 */
	int trainable;              /* 0 for h0/c0 under RFX_INIT_VECTOR */
} RfxTensor;

/* The typedef is rnnfx.h's (an opaque type there). */
struct RfxModel {
	RfxModelSpec spec;
	float *params;              /* every tensor, in the order documented above */
	size_t n_params;
	RfxTensor tensors[RFX_MAX_TENSORS];
	int n_tensors;
	char labels[RFX_MAX_CLASSES][RFX_MAX_LABEL]; /* classifier class names ("" when unnamed) */
	int notes[RFX_MAX_CLASSES];  /* MIDI note per class, when has_notes ("notes" in the file) */
	int has_notes;
	char *metadata;             /* free JSON object text (training command, hashes, metrics), or NULL */
	RfxWeightStorage weight_storage; /* how streams store weight_hh (rnnfx.h); not in files */
};

/* Gates per cell: 1, 3 or 4. */
int rfx_cell_gates(RfxCellType cell);
/* The cell called `name` ("rnn", "gru", "lstm"; rfx_cell_name in rnnfx.h), RFX_CELL_COUNT when the
 * name is unknown. */
RfxCellType rfx_cell_from_name(const char *name);

/* Checks a spec against the limits; on error fills `detail` (may be NULL) with a sentence. */
RFX_MUST_CHECK
RfxStatus rfx_model_spec_check(const RfxModelSpec *spec, char *detail, size_t detail_size);

/* Allocates a model with all weights zero. */
RFX_MUST_CHECK
RfxStatus rfx_model_new(const RfxModelSpec *spec, RfxModel **out);
/* A deep copy (weights, labels, metadata). */
RFX_MUST_CHECK
RfxStatus rfx_model_clone(const RfxModel *model, RfxModel **out);

/* The tensor called `name`, or NULL. */
RfxTensor *rfx_model_tensor(const RfxModel *model, const char *name);

/* PyTorch's default initialisation: every weight and bias uniform in [-1/sqrt(H), 1/sqrt(H)], the
 * head uniform in [-1/sqrt(H), 1/sqrt(H)], h0/c0 zero. Deterministic for a seed. */
void rfx_model_init_random(RfxModel *model, uint64_t seed);

/* First non-finite weight's tensor index, or -1 when all are finite. */
int rfx_model_find_nonfinite(const RfxModel *model, size_t *index_in_tensor);

#endif
