#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnfx.h"

static const char *const cell_names[RFX_CELL_COUNT] = { "rnn", "gru", "lstm" };

int rfx_cell_gates(RfxCellType cell)
{
	switch (cell) {
	case RFX_CELL_RNN: return 1;
	case RFX_CELL_GRU: return 3;
	case RFX_CELL_LSTM: return 4;
	default: return 0;
	}
}

const char *rfx_cell_name(RfxCellType cell)
{
	return (unsigned)cell < RFX_CELL_COUNT ? cell_names[cell] : NULL;
}

RfxCellType rfx_cell_from_name(const char *name)
{
	for (int c = 0; c < RFX_CELL_COUNT; c++)
		if (name && strcmp(name, cell_names[c]) == 0)
			return (RfxCellType)c;
	return RFX_CELL_COUNT;
}

RfxStatus rfx_model_spec_check(const RfxModelSpec *s, char *detail, size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	if (!s)
		return rfx_diag_set(&d, RFX_ERR_INVALID, "no model spec");
	if ((unsigned)s->cell >= RFX_CELL_COUNT)
		return rfx_diag_set(&d, RFX_ERR_CELL, "cell type %d is not rnn, gru or lstm",
				    (int)s->cell);
	if (s->n_layers < 1 || s->n_layers > RFX_MAX_LAYERS)
		return rfx_diag_set(&d, RFX_ERR_LIMIT, "'layers': %d, expected 1 to %d", s->n_layers,
				    RFX_MAX_LAYERS);
	if (s->hidden < 1 || s->hidden > RFX_MAX_HIDDEN)
		return rfx_diag_set(&d, RFX_ERR_LIMIT, "'hidden': %d, expected 1 to %d", s->hidden,
				    RFX_MAX_HIDDEN);
	if (s->n_inputs < 1 || s->n_inputs > RFX_MAX_INPUTS)
		return rfx_diag_set(&d, RFX_ERR_LIMIT, "'inputs': %d, expected 1 to %d", s->n_inputs,
				    RFX_MAX_INPUTS);
	if ((unsigned)s->mode >= RFX_MODE_COUNT)
		return rfx_diag_set(&d, RFX_ERR_FIELD, "output mode %d is not effect, classifier or onset",
				    (int)s->mode);
	if (s->mode == RFX_MODE_EFFECT && s->n_outputs != 1)
		return rfx_diag_set(&d, RFX_ERR_LIMIT, "'outputs': %d, an effect has exactly 1",
				    s->n_outputs);
	if (s->mode == RFX_MODE_CLASSIFIER && (s->n_outputs < 2 || s->n_outputs > RFX_MAX_CLASSES))
		return rfx_diag_set(&d, RFX_ERR_LIMIT, "'outputs': %d classes, expected 2 to %d",
				    s->n_outputs, RFX_MAX_CLASSES);
	/* Two or more for onsets too: hosts tell a model with classes by K > 1. */
	if (s->mode == RFX_MODE_ONSET && (s->n_outputs < 2 || s->n_outputs > RFX_MAX_CLASSES))
		return rfx_diag_set(&d, RFX_ERR_LIMIT, "'outputs': %d onset classes, expected 2 to %d",
				    s->n_outputs, RFX_MAX_CLASSES);
	if (s->mode != RFX_MODE_EFFECT && s->skip)
		return rfx_diag_set(&d, RFX_ERR_FIELD, "'skip' is for effects only, not classifiers");
	if (!(s->sample_rate > 0 && s->sample_rate <= 1e6))
		return rfx_diag_set(&d, RFX_ERR_FIELD, "'sample_rate': %g, expected a rate in Hz above 0 "
				    "and at most 1000000", s->sample_rate);
	if (rfx_frontend_spec_check(&s->frontend, d.text, d.size) != RFX_OK)
		return RFX_ERR_FIELD;
	if (s->frontend.bands && (s->mode == RFX_MODE_EFFECT ||
				  s->n_inputs != rfx_frontend_inputs(&s->frontend)))
		return rfx_diag_set(&d, RFX_ERR_FIELD, "'frontend': only for a classifier or an onset "
				    "model, with 'inputs' = bands + 1 (%d)",
				    rfx_frontend_inputs(&s->frontend));
	for (int l = 0; l < s->n_layers; l++)
		if ((unsigned)s->init[l] >= RFX_INIT_COUNT)
			return rfx_diag_set(&d, RFX_ERR_FIELD, "layer %d: initial-state kind %d is not "
					    "zeros, vector or trained", l, (int)s->init[l]);
	return RFX_OK;
}

static void add_tensor(RfxModel *m, const char *name, int rows, int cols, int trainable)
{
	RfxTensor *t = &m->tensors[m->n_tensors++];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->offset = m->n_params;
	t->rows = rows;
	t->cols = cols;
	t->trainable = trainable;
	t->data = NULL;
	m->n_params += (size_t)rows * (size_t)cols;
}

/* Lays out the tensor table (offsets only) for a spec; params are attached afterwards. */
static void layout(RfxModel *m)
{
	const RfxModelSpec *s = &m->spec;
	const int G = rfx_cell_gates(s->cell), H = s->hidden;
	char name[24];
	m->n_tensors = 0;
	m->n_params = 0;
	for (int l = 0; l < s->n_layers; l++) {
		int I = l == 0 ? s->n_inputs : H;
		snprintf(name, sizeof name, "weight_ih_l%d", l);
		add_tensor(m, name, G * H, I, 1);
		snprintf(name, sizeof name, "weight_hh_l%d", l);
		add_tensor(m, name, G * H, H, 1);
		snprintf(name, sizeof name, "bias_ih_l%d", l);
		add_tensor(m, name, G * H, 1, 1);
		snprintf(name, sizeof name, "bias_hh_l%d", l);
		add_tensor(m, name, G * H, 1, 1);
		if (s->init[l] != RFX_INIT_ZEROS) {
			int trainable = s->init[l] == RFX_INIT_TRAINED;
			snprintf(name, sizeof name, "h0_l%d", l);
			add_tensor(m, name, H, 1, trainable);
			if (s->cell == RFX_CELL_LSTM) {
				snprintf(name, sizeof name, "c0_l%d", l);
				add_tensor(m, name, H, 1, trainable);
			}
		}
	}
	add_tensor(m, "head.weight", s->n_outputs, H, 1);
	add_tensor(m, "head.bias", s->n_outputs, 1, 1);
}

RfxStatus rfx_model_new(const RfxModelSpec *spec, RfxModel **out)
{
	if (!out)
		return RFX_ERR_INVALID;
	*out = NULL;
	RfxStatus st = rfx_model_spec_check(spec, NULL, 0);
	if (st != RFX_OK)
		return st;
	RfxModel *m = calloc(1, sizeof *m);
	if (!m)
		return RFX_ERR_NOMEM;
	m->spec = *spec;
	for (int l = spec->n_layers; l < RFX_MAX_LAYERS; l++)
		m->spec.init[l] = RFX_INIT_ZEROS;
	layout(m);
	m->params = calloc(m->n_params, sizeof *m->params);
	if (!m->params) {
		free(m);
		return RFX_ERR_NOMEM;
	}
	for (int i = 0; i < m->n_tensors; i++)
		m->tensors[i].data = m->params + m->tensors[i].offset;
	*out = m;
	return RFX_OK;
}

void rfx_model_free(RfxModel *m)
{
	if (!m)
		return;
	free(m->params);
	free(m->metadata);
	free(m);
}

RfxStatus rfx_model_clone(const RfxModel *src, RfxModel **out)
{
	if (!src || !out)
		return RFX_ERR_INVALID;
	RfxStatus st = rfx_model_new(&src->spec, out);
	if (st != RFX_OK)
		return st;
	memcpy((*out)->params, src->params, src->n_params * sizeof *src->params);
	memcpy((*out)->labels, src->labels, sizeof src->labels);
	memcpy((*out)->notes, src->notes, sizeof src->notes);
	(*out)->has_notes = src->has_notes;
	(*out)->weight_storage = src->weight_storage;
	st = rfx_model_set_metadata(*out, src->metadata);
	if (st != RFX_OK) {
		rfx_model_free(*out);
		*out = NULL;
	}
	return st;
}

RfxTensor *rfx_model_tensor(const RfxModel *m, const char *name)
{
	if (!m || !name)
		return NULL;
	for (int i = 0; i < m->n_tensors; i++)
		if (strcmp(m->tensors[i].name, name) == 0)
			return (RfxTensor *)&m->tensors[i];
	return NULL;
}

/* splitmix64: a seed expander with no bad seeds. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void rfx_model_init_random(RfxModel *m, uint64_t seed)
{
	if (!m)
		return;
	const float k = 1.0f / sqrtf((float)m->spec.hidden);
	uint64_t s = seed;
	for (int i = 0; i < m->n_tensors; i++) {
		RfxTensor *t = &m->tensors[i];
		size_t n = (size_t)t->rows * (size_t)t->cols;
		int is_state = t->name[0] == 'h' && t->name[1] == '0';
		is_state |= t->name[0] == 'c' && t->name[1] == '0';
		for (size_t j = 0; j < n; j++) {
			float u = (float)((splitmix64(&s) >> 40) * (1.0 / 16777216.0));
			t->data[j] = is_state ? 0.0f : k * (2.0f * u - 1.0f);
		}
	}
}

RfxStatus rfx_model_set_weight_storage(RfxModel *m, RfxWeightStorage storage)
{
	if (!m || (unsigned)storage >= RFX_WEIGHTS_COUNT)
		return RFX_ERR_INVALID;
	m->weight_storage = storage;
	return RFX_OK;
}

RfxWeightStorage rfx_model_weight_storage(const RfxModel *m)
{
	return m ? m->weight_storage : RFX_WEIGHTS_F32;
}

static const char *const storage_names[RFX_WEIGHTS_COUNT] = { "f32", "bf16" };

const char *rfx_weight_storage_name(RfxWeightStorage storage)
{
	return (unsigned)storage < RFX_WEIGHTS_COUNT ? storage_names[storage] : NULL;
}

RfxWeightStorage rfx_weight_storage_from_name(const char *name)
{
	for (int i = 0; name && i < RFX_WEIGHTS_COUNT; i++)
		if (strcmp(name, storage_names[i]) == 0)
			return (RfxWeightStorage)i;
	return RFX_WEIGHTS_COUNT;
}

RfxStatus rfx_model_set_metadata(RfxModel *m, const char *json_object)
{
	if (!m)
		return RFX_ERR_INVALID;
	char *copy = NULL;
	if (json_object) {
		size_t n = strlen(json_object) + 1;
		copy = malloc(n);
		if (!copy)
			return RFX_ERR_NOMEM;
		memcpy(copy, json_object, n);
	}
	free(m->metadata);
	m->metadata = copy;
	return RFX_OK;
}

int rfx_model_find_nonfinite(const RfxModel *m, size_t *index_in_tensor)
{
	for (int i = 0; i < m->n_tensors; i++) {
		const RfxTensor *t = &m->tensors[i];
		size_t n = (size_t)t->rows * (size_t)t->cols;
		for (size_t j = 0; j < n; j++)
			if (!isfinite(t->data[j])) {
				if (index_in_tensor)
					*index_in_tensor = j;
				return i;
			}
	}
	return -1;
}

/* The architecture, field by field; a NULL model answers 0 (or the type's COUNT). */
double rfx_model_sample_rate(const RfxModel *m) { return m ? m->spec.sample_rate : 0.0; }
RfxOutputMode rfx_model_mode(const RfxModel *m) { return m ? m->spec.mode : RFX_MODE_COUNT; }
/* A front end's features are the model's own business: a host feeds audio only. */
int rfx_model_n_inputs(const RfxModel *m)
{
	return !m ? 0 : m->spec.frontend.bands > 0 ? 1 : m->spec.n_inputs;
}
int rfx_model_n_outputs(const RfxModel *m) { return m ? m->spec.n_outputs : 0; }
RfxCellType rfx_model_cell(const RfxModel *m) { return m ? m->spec.cell : RFX_CELL_COUNT; }
int rfx_model_n_layers(const RfxModel *m) { return m ? m->spec.n_layers : 0; }
int rfx_model_hidden(const RfxModel *m) { return m ? m->spec.hidden : 0; }
int rfx_model_skip(const RfxModel *m) { return m ? m->spec.skip : 0; }

const char *rfx_model_label(const RfxModel *m, int k)
{
	return m && k >= 0 && k < m->spec.n_outputs && k < RFX_MAX_CLASSES ? m->labels[k] : "";
}

int rfx_model_note(const RfxModel *m, int k)
{
	if (!m || k < 0 || k >= m->spec.n_outputs || k >= RFX_MAX_CLASSES)
		return -1;
	return m->has_notes ? m->notes[k] : rfx_onset_gm_note(m->labels[k]);
}

const char *rfx_model_metadata(const RfxModel *m)
{
	return m ? m->metadata : NULL;
}
