/* rnnfx — Proteus / Automated-GuitarAmpModelling JSON: a PyTorch state_dict of a "SimpleRNN".
 *
 * {"model_data": {unit_type, input_size, hidden_size, num_layers, output_size, skip, bias_fl},
 *  "state_dict": {"rec.weight_ih_l0": [[...]], ..., "lin.weight": [[...]], "lin.bias": [...]}}
 *
 * The recurrent layer is a PyTorch nn.LSTM / nn.GRU / nn.RNN, so its tensors are rnnfx's already
 * (same names after "rec.", same shapes, same gate orders: i,f,g,o and r,z,n); "lin" is the head.
 * y = lin(h) + x when skip is 1, which is what Proteus assumes. The file has no rate: models are
 * trained at 44.1 kHz. See docs/formats.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "import_impl.h"

static RfxStatus read_unit_type(RfxDiag *d, json_t *md, RfxCellType *cell)
{
	static const char *const names[][2] = { { "RNN", "rnn" }, { "GRU", "gru" }, { "LSTM", "lstm" } };
	json_t *v = json_object_get(md, "unit_type");
	if (!json_is_string(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'model_data.unit_type': %s, expected \"LSTM\", "
				    "\"GRU\" or \"RNN\"", rfx_imp_type_name(v));
	for (int c = 0; c < RFX_CELL_COUNT; c++)
		if (strcmp(json_string_value(v), names[c][0]) == 0 ||
		    strcmp(json_string_value(v), names[c][1]) == 0) {
			*cell = (RfxCellType)c;
			return RFX_OK;
		}
	return rfx_diag_set(d, RFX_ERR_CELL, "'model_data.unit_type': \"%.40s\", expected \"LSTM\", "
			    "\"GRU\" or \"RNN\"", json_string_value(v));
}

static RfxStatus read_model_data(RfxDiag *d, json_t *md, RfxModelSpec *s, int *has_bias)
{
	json_t *model = json_object_get(md, "model");
	json_t *bias = json_object_get(md, "bias_fl");
	int outputs = 1;
	RfxStatus st;
	if (!json_is_object(md))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'model_data': %s, expected an object",
				    rfx_imp_type_name(md));
	if (model && (!json_is_string(model) || strcmp(json_string_value(model), "SimpleRNN") != 0))
		return rfx_diag_set(d, RFX_ERR_CELL, "'model_data.model': %s%.40s%s, expected "
				    "\"SimpleRNN\"", json_is_string(model) ? "\"" : rfx_imp_type_name(model),
				    json_is_string(model) ? json_string_value(model) : "",
				    json_is_string(model) ? "\"" : "");
	if (bias && !json_is_boolean(bias))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'model_data.bias_fl': %s, expected true or false",
				    rfx_imp_type_name(bias));
	*has_bias = !bias || json_is_true(bias);
	if ((st = read_unit_type(d, md, &s->cell)) != RFX_OK ||
	    (st = rfx_imp_int(d, md, "model_data.", "input_size", 0, 1, 1, RFX_MAX_INPUTS,
			      RFX_ERR_LIMIT, &s->n_inputs)) != RFX_OK ||
	    (st = rfx_imp_int(d, md, "model_data.", "hidden_size", 1, 1, 1, RFX_MAX_HIDDEN,
			      RFX_ERR_LIMIT, &s->hidden)) != RFX_OK ||
	    (st = rfx_imp_int(d, md, "model_data.", "num_layers", 0, 1, 1, RFX_MAX_LAYERS,
			      RFX_ERR_LIMIT, &s->n_layers)) != RFX_OK ||
	    (st = rfx_imp_int(d, md, "model_data.", "output_size", 0, 1, 1, 1, RFX_ERR_LIMIT,
			      &outputs)) != RFX_OK ||
	    /* skip = k adds the first k inputs to the output; rnnfx has y = head(h) + x only */
	    (st = rfx_imp_int(d, md, "model_data.", "skip", 0, 1, 0, 1, RFX_ERR_FIELD,
			      &s->skip)) != RFX_OK)
		return st;
	return RFX_OK;
}

/* The state_dict name of model tensor t ("rec." + the PyTorch name, "lin." for the head). */
static void source_name(const RfxTensor *t, char *buf, size_t size)
{
	if (strncmp(t->name, "head.", 5) == 0)
		snprintf(buf, size, "lin.%s", t->name + 5);
	else
		snprintf(buf, size, "rec.%s", t->name);
}

static RfxStatus read_state_dict(RfxDiag *d, json_t *sd, RfxModel *m, int has_bias)
{
	char name[40], path[64];
	const char *key;
	json_t *value;
	if (!json_is_object(sd))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'state_dict': %s, expected an object",
				    rfx_imp_type_name(sd));
	/* Unknown names first: a layer too many is then reported as such, not as a missing bias. */
	json_object_foreach(sd, key, value) {
		int known = 0;
		for (int i = 0; i < m->n_tensors && !known; i++) {
			source_name(&m->tensors[i], name, sizeof name);
			known = strcmp(key, name) == 0 && (has_bias || strcmp(key, "lin.bias") != 0);
		}
		if (!known)
			return rfx_diag_set(d, RFX_ERR_FIELD, "'state_dict': unknown tensor '%.40s' for a "
					    "%d-layer %s (model_data.num_layers = %d)", key,
					    m->spec.n_layers, rfx_cell_name(m->spec.cell),
					    m->spec.n_layers);
	}
	for (int i = 0; i < m->n_tensors; i++) {
		const RfxTensor *t = &m->tensors[i];
		source_name(t, name, sizeof name);
		if (!has_bias && strcmp(name, "lin.bias") == 0)
			continue; /* bias_fl false: the head has no bias, it stays 0 */
		json_t *v = json_object_get(sd, name);
		if (!v)
			return rfx_diag_set(d, RFX_ERR_TENSOR_MISSING, "'state_dict': tensor '%s' missing "
					    "(%d x %d values)", name, t->rows, t->cols);
		const int matrix = strstr(name, "weight") != NULL;
		snprintf(path, sizeof path, "state_dict.%s", name);
		RfxStatus st = rfx_imp_floats(d, v, path, NULL, t->rows, matrix ? t->cols : 0,
					      strncmp(name, "lin.", 4) == 0 ? "output_size" :
					      "gates x hidden_size", matrix ? "inputs of the layer" :
					      NULL, t->data);
		if (st != RFX_OK)
			return st;
	}
	return RFX_OK;
}

RfxStatus rfx_imp_guitarml(RfxDiag *d, json_t *root, RfxModel **out)
{
	RfxModelSpec spec;
	memset(&spec, 0, sizeof spec);
	json_t *md = json_object_get(root, "model_data"), *sd = json_object_get(root, "state_dict");
	int has_bias = 1;
	RfxStatus st;
	if (!sd)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'state_dict' missing, expected an object of "
				    "PyTorch tensors");
	if ((st = read_model_data(d, md, &spec, &has_bias)) != RFX_OK ||
	    (st = rfx_imp_sample_rate(d, root, 44100, &spec.sample_rate)) != RFX_OK)
		return st;
	spec.mode = RFX_MODE_EFFECT;
	spec.n_outputs = 1;
	RfxModel *m = NULL;
	if ((st = rfx_imp_new_model(d, &spec, &m)) == RFX_OK &&
	    (st = read_state_dict(d, sd, m, has_bias)) == RFX_OK)
		st = rfx_imp_set_metadata(d, m, RFX_IMPORT_GUITARML, md, NULL);
	if (st != RFX_OK) {
		rfx_model_free(m);
		return st;
	}
	*out = m;
	return RFX_OK;
}
