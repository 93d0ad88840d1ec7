/* rnnfx — Neural Amp Modeler .nam files, architecture "LSTM".
 *
 * NAM's LSTM is PyTorch's nn.LSTM (gates i, f, g, o) with a stored initial state and a linear head,
 * flattened into one array ("weights"): for each layer l, W = [weight_ih | weight_hh] as a
 * 4H x (I_l + H) row-major matrix, then b = bias_ih + bias_hh (4H), then h0 (H) and c0 (H); after
 * the layers the head's weight (out x H) and bias (out). See docs/formats.md.
 * The other NAM architectures (WaveNet, ConvNet, ...) are convolutional: refused by name.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "import_impl.h"

static const char *const not_recurrent[] = { "WaveNet", "ConvNet", "Linear", "SlimmableContainer" };

static RfxStatus check_version(RfxDiag *d, json_t *root)
{
	json_t *v = json_object_get(root, "version");
	int major = -1, minor = -1;
	if (!json_is_string(v))
		return rfx_diag_set(d, RFX_ERR_VERSION, "'version': %s, expected a NAM version string "
				    "such as \"0.5.4\"", rfx_imp_type_name(v));
	if (sscanf(json_string_value(v), "%d.%d", &major, &minor) != 2 || major != 0 || minor < 5)
		return rfx_diag_set(d, RFX_ERR_VERSION, "'version': \"%.20s\", rnnfx reads NAM files of "
				    "version 0.5 and later 0.x", json_string_value(v));
	return RFX_OK;
}

static RfxStatus check_architecture(RfxDiag *d, json_t *root)
{
	json_t *v = json_object_get(root, "architecture");
	if (!json_is_string(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'architecture': %s, expected \"LSTM\"",
				    rfx_imp_type_name(v));
	const char *a = json_string_value(v);
	if (strcmp(a, "LSTM") == 0)
		return RFX_OK;
	for (size_t i = 0; i < sizeof not_recurrent / sizeof not_recurrent[0]; i++)
		if (strcmp(a, not_recurrent[i]) == 0)
			return rfx_diag_set(d, RFX_ERR_CELL, "'architecture': \"%s\" is not a recurrent "
					    "model; rnnfx runs NAM's \"LSTM\" architecture only", a);
	return rfx_diag_set(d, RFX_ERR_CELL, "'architecture': \"%.40s\" is unknown, expected \"LSTM\"",
			    a);
}

static RfxStatus read_config(RfxDiag *d, json_t *root, RfxModelSpec *s)
{
	json_t *c = json_object_get(root, "config");
	int in_ch = 1, out_ch = 1;
	RfxStatus st;
	if (!json_is_object(c))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'config': %s, expected an object with "
				    "input_size, hidden_size and num_layers", rfx_imp_type_name(c));
	if ((st = rfx_imp_int(d, c, "config.", "input_size", 1, 1, 1, RFX_MAX_INPUTS, RFX_ERR_LIMIT,
			      &s->n_inputs)) != RFX_OK ||
	    (st = rfx_imp_int(d, c, "config.", "hidden_size", 1, 1, 1, RFX_MAX_HIDDEN, RFX_ERR_LIMIT,
			      &s->hidden)) != RFX_OK ||
	    (st = rfx_imp_int(d, c, "config.", "num_layers", 1, 1, 1, RFX_MAX_LAYERS, RFX_ERR_LIMIT,
			      &s->n_layers)) != RFX_OK ||
	    /* one audio channel in and out: anything else is not an effect rnnfx can run */
	    (st = rfx_imp_int(d, c, "config.", "in_channels", 0, 1, 1, 1, RFX_ERR_LIMIT, &in_ch)) != RFX_OK ||
	    (st = rfx_imp_int(d, c, "config.", "out_channels", 0, 1, 1, 1, RFX_ERR_LIMIT, &out_ch)) != RFX_OK)
		return st;
	return RFX_OK;
}

/* Σ_l [4H(I_l + H) + 4H + 2H] + H + 1 (out_channels = 1). */
static size_t weight_count(const RfxModelSpec *s)
{
	const size_t H = (size_t)s->hidden;
	size_t n = 0;
	for (int l = 0; l < s->n_layers; l++) {
		size_t I = l == 0 ? (size_t)s->n_inputs : H;
		n += 4 * H * (I + H) + 4 * H + 2 * H;
	}
	return n + H + 1;
}

/* Deals the flat array out into the model's tensors (bias_hh stays zero: NAM stores the sum). */
static void unflatten(const float *w, RfxModel *m)
{
	const int H = m->spec.hidden;
	char name[24];
	for (int l = 0; l < m->spec.n_layers; l++) {
		const int I = l == 0 ? m->spec.n_inputs : H;
		snprintf(name, sizeof name, "weight_ih_l%d", l);
		float *wih = rfx_model_tensor(m, name)->data;
		snprintf(name, sizeof name, "weight_hh_l%d", l);
		float *whh = rfx_model_tensor(m, name)->data;
		for (int r = 0; r < 4 * H; r++) {
			memcpy(wih + (size_t)r * I, w, sizeof(float) * (size_t)I);
			memcpy(whh + (size_t)r * H, w + I, sizeof(float) * (size_t)H);
			w += I + H;
		}
		const char *rest[3] = { "bias_ih_l%d", "h0_l%d", "c0_l%d" };
		const int len[3] = { 4 * H, H, H };
		for (int k = 0; k < 3; k++) {
			snprintf(name, sizeof name, rest[k], l);
			memcpy(rfx_model_tensor(m, name)->data, w, sizeof(float) * (size_t)len[k]);
			w += len[k];
		}
	}
	memcpy(rfx_model_tensor(m, "head.weight")->data, w, sizeof(float) * (size_t)H);
	rfx_model_tensor(m, "head.bias")->data[0] = w[H];
}

RfxStatus rfx_imp_nam(RfxDiag *d, json_t *root, RfxModel **out)
{
	RfxModelSpec spec;
	memset(&spec, 0, sizeof spec);
	RfxStatus st;
	if ((st = check_version(d, root)) != RFX_OK || (st = check_architecture(d, root)) != RFX_OK ||
	    (st = read_config(d, root, &spec)) != RFX_OK ||
	    (st = rfx_imp_sample_rate(d, root, 48000, &spec.sample_rate)) != RFX_OK)
		return st;
	spec.cell = RFX_CELL_LSTM;
	spec.mode = RFX_MODE_EFFECT;
	spec.n_outputs = 1;
	spec.skip = 0;
	for (int l = 0; l < spec.n_layers; l++)
		spec.init[l] = RFX_INIT_VECTOR; /* NAM stores h0 and c0, learned but fixed at run time */

	json_t *w = json_object_get(root, "weights");
	const size_t n = weight_count(&spec);
	if (!json_is_array(w))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'weights': %s, expected an array of %zu numbers",
				    rfx_imp_type_name(w), n);
	if (json_array_size(w) != n)
		return rfx_diag_set(d, RFX_ERR_SHAPE, "'weights': %zu values, expected %zu for an LSTM "
				    "with input_size %d, hidden_size %d, num_layers %d",
				    json_array_size(w), n, spec.n_inputs, spec.hidden, spec.n_layers);
	float *buf = malloc(sizeof(float) * n);
	if (!buf)
		return rfx_diag_set(d, RFX_ERR_NOMEM, "out of memory reading the weights");
	RfxModel *m = NULL;
	json_t *extra = json_pack("{s:O}", "nam_version", json_object_get(root, "version"));
	if (!extra)
		st = rfx_diag_set(d, RFX_ERR_NOMEM, "out of memory writing the metadata");
	else if ((st = rfx_imp_floats(d, w, "weights", NULL, (int)n, 0, NULL, NULL, buf)) == RFX_OK &&
		 (st = rfx_imp_new_model(d, &spec, &m)) == RFX_OK) {
		unflatten(buf, m);
		st = rfx_imp_set_metadata(d, m, RFX_IMPORT_NAM, json_object_get(root, "metadata"),
					  extra);
	}
	json_decref(extra);
	free(buf);
	if (st != RFX_OK) {
		rfx_model_free(m);
		return st;
	}
	*out = m;
	return RFX_OK;
}
