/* rnnfx — AIDA-X / RTNeural "Keras" JSON: importer and exporter.
 *
 * An AIDA-X model is one recurrent layer (Keras GRU with reset_after=True, or LSTM) followed by a
 * Dense(H -> 1), with optional in_skip (y = x + net(x)) and in_gain/out_gain in dB applied before and
 * after the net. Keras stores the matrices transposed ([in][gates*H]) with gate blocks z, r, h (GRU)
 * and i, f, c, o (LSTM); a GRU has two bias rows (input, recurrent), an LSTM one bias.
 * docs/formats.md and docs/cells.md ("Importing from other layouts") have the
 * details; docs/formats.md says what is refused.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "import_impl.h"

#define AIDAX_MAX_INPUTS 3 /* audio and two parameters: what AIDA-X selects models for */
#define AIDAX_MAX_GAIN_DB 100.0

static const char *const layout_text =
	"AIDA-X models have one \"gru\" or \"lstm\" layer followed by one \"dense\" layer";

/* rnnfx's GRU block g (r, z, n) is Keras block gru_keras_block[g] (Keras: z, r, h). The swap is its
 * own inverse, so the exporter uses the same table. LSTM blocks agree (Keras c is rnnfx g). */
static const int gru_keras_block[3] = { 1, 0, 2 };

static int keras_block(RfxCellType cell, int g)
{
	return cell == RFX_CELL_GRU ? gru_keras_block[g] : g;
}

/* ------------------------------------------------------------------ header fields */

static RfxStatus read_in_shape(RfxDiag *d, json_t *root, int *N)
{
	json_t *v = json_object_get(root, "in_shape");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'in_shape': %s, expected [null, null, N] with N "
				    "inputs", v ? rfx_imp_type_name(v) : "missing");
	size_t last = json_array_size(v) - 1;
	json_t *n = json_array_get(v, last);
	if (!json_is_integer(n))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'in_shape'[%zu]: %s, expected the number of "
				    "inputs (an integer)", last, rfx_imp_type_name(n));
	json_int_t x = json_integer_value(n);
	if (x < 1 || x > AIDAX_MAX_INPUTS)
		return rfx_diag_set(d, RFX_ERR_LIMIT, "'in_shape': %" JSON_INTEGER_FORMAT " inputs, "
				    "AIDA-X models have 1 (audio) to 3 (audio and 2 parameters)", x);
	*N = (int)x;
	return RFX_OK;
}

static RfxStatus read_skip(RfxDiag *d, json_t *root, int *skip)
{
	json_t *v = json_object_get(root, "in_skip");
	*skip = 0;
	if (!v)
		return RFX_OK;
	if (json_is_boolean(v)) {
		*skip = json_is_true(v);
		return RFX_OK;
	}
	if (!json_is_integer(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'in_skip': %s, expected 0 or 1",
				    rfx_imp_type_name(v));
	json_int_t x = json_integer_value(v);
	if (x != 0 && x != 1)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'in_skip': %" JSON_INTEGER_FORMAT ", expected 0 "
				    "or 1 (a larger skip adds input channels rnnfx does not have)", x);
	*skip = (int)x;
	return RFX_OK;
}

static RfxStatus read_gain(RfxDiag *d, json_t *root, const char *key, double *db)
{
	json_t *v = json_object_get(root, key);
	*db = 0;
	if (!v)
		return RFX_OK;
	if (!json_is_number(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s': %s, expected a gain in dB (a number)", key,
				    rfx_imp_type_name(v));
	*db = json_number_value(v);
	if (!(fabs(*db) <= AIDAX_MAX_GAIN_DB))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s': %g dB, expected -%g to %g", key, *db,
				    AIDAX_MAX_GAIN_DB, AIDAX_MAX_GAIN_DB);
	return RFX_OK;
}

/* ------------------------------------------------------------------ layers */

static RfxCellType recurrent_type(const char *type)
{
	if (strcmp(type, "gru") == 0)
		return RFX_CELL_GRU;
	if (strcmp(type, "lstm") == 0)
		return RFX_CELL_LSTM;
	return RFX_CELL_COUNT;
}

/* Every layer an object with a known "type", then the one layout AIDA-X runs: [gru|lstm, dense]. */
static RfxStatus check_layers(RfxDiag *d, json_t *layers, RfxCellType *cell)
{
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'layers': %s, expected an array of 2 layers (%s)",
				    json_is_array(layers) ? "empty" : rfx_imp_type_name(layers),
				    layout_text);
	const size_t n = json_array_size(layers);
	int recurrent = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *layer = json_array_get(layers, i);
		json_t *type = json_object_get(layer, "type");
		if (!json_is_object(layer))
			return rfx_diag_set(d, RFX_ERR_FIELD, "layers[%zu]: %s, expected an object", i,
					    rfx_imp_type_name(layer));
		if (!json_is_string(type))
			return rfx_diag_set(d, RFX_ERR_FIELD, "layers[%zu].type: %s, expected \"gru\", "
					    "\"lstm\" or \"dense\"", i, rfx_imp_type_name(type));
		const char *t = json_string_value(type);
		if (recurrent_type(t) != RFX_CELL_COUNT)
			recurrent++;
		else if (strcmp(t, "dense") != 0)
			return rfx_diag_set(d, RFX_ERR_CELL, "layers[%zu].type: \"%.40s\" is not supported; "
					    "%s", i, t, layout_text);
	}
	if (recurrent > 1)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'layers': %d recurrent layers; %s", recurrent,
				    layout_text);
	const char *t0 = json_string_value(json_object_get(json_array_get(layers, 0), "type"));
	const char *t1 = n > 1 ? json_string_value(json_object_get(json_array_get(layers, 1), "type"))
			       : "";
	if (n != 2 || recurrent_type(t0) == RFX_CELL_COUNT || strcmp(t1, "dense") != 0)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'layers': %zu layers starting \"%.10s\", \"%.10s\"; "
				    "%s", n, t0, t1, layout_text);
	*cell = recurrent_type(t0);
	return RFX_OK;
}

/* rnnfx's cells are fixed to tanh (candidate, state) and the logistic gates; its head is linear. */
static RfxStatus check_activation(RfxDiag *d, json_t *layer, int i, const char *identity)
{
	json_t *v = json_object_get(layer, "activation");
	if (!v)
		return RFX_OK;
	if (!json_is_string(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "layers[%d].activation: %s, expected a string", i,
				    rfx_imp_type_name(v));
	const char *a = json_string_value(v);
	if (a[0] == '\0' || strcmp(a, identity) == 0)
		return RFX_OK;
	return rfx_diag_set(d, RFX_ERR_FIELD, "layers[%d].activation: \"%.40s\" is not supported, "
			    "expected \"\" or \"%s\" (rnnfx's %s)", i, a, identity,
			    i == 0 ? "cells use tanh and the logistic sigmoid" : "head is linear");
}

/* The last entry of a layer's "shape" ([null, null, size]). */
static RfxStatus read_size(RfxDiag *d, json_t *layer, int i, json_int_t *size)
{
	json_t *v = json_object_get(layer, "shape");
	json_t *last = json_array_get(v, json_array_size(v) ? json_array_size(v) - 1 : 0);
	if (!json_is_integer(last))
		return rfx_diag_set(d, RFX_ERR_FIELD, "layers[%d].shape: %s, expected [null, null, size]"
				    " ending in an integer", i, rfx_imp_type_name(v));
	*size = json_integer_value(last);
	return RFX_OK;
}

/* The Keras tensors, as read: W [N][GH], U [H][GH], b [2][GH] (GRU) or [GH] (LSTM), K [H], bias. */
typedef struct {
	float *W, *U, *b, *K, bias;
} Keras;

static RfxStatus read_recurrent_weights(RfxDiag *d, json_t *layer, RfxCellType cell, int N,
					int H, Keras *k)
{
	const int G = rfx_cell_gates(cell), GH = G * H;
	char cols_why[64];
	snprintf(cols_why, sizeof cols_why, "%d gates x hidden size %d", G, H);
	json_t *w = json_object_get(layer, "weights");
	if (!json_is_array(w))
		return rfx_diag_set(d, RFX_ERR_FIELD, "layers[0].weights: %s, expected 3 arrays (W, U, b)",
				    rfx_imp_type_name(w));
	if (json_array_size(w) != 3)
		return rfx_diag_set(d, RFX_ERR_SHAPE, "layers[0].weights: %zu arrays, expected 3 (W, U, "
				    "b)", json_array_size(w));
	RfxStatus st = rfx_imp_floats(d, json_array_get(w, 0), "layers[0].weights[0]", "W", N, GH,
				      "inputs, from in_shape", cols_why, k->W);
	if (st != RFX_OK)
		return st;
	st = rfx_imp_floats(d, json_array_get(w, 1), "layers[0].weights[1]", "U", H, GH,
			    "hidden size", cols_why, k->U);
	if (st != RFX_OK)
		return st;
	json_t *b = json_array_get(w, 2);
	if (cell == RFX_CELL_LSTM)
		return rfx_imp_floats(d, b, "layers[0].weights[2]", "b", GH, 0, cols_why, NULL, k->b);
	/* One bias row is a Keras GRU built with reset_after=False: r multiplies h before U_h, and no
	 * rnnfx (PyTorch) GRU computes that. */
	if (json_is_array(b) && json_is_number(json_array_get(b, 0)))
		return rfx_diag_set(d, RFX_ERR_SHAPE, "layers[0].weights[2] (b): one bias row, the "
				    "layout of a Keras GRU with reset_after=False, which has no exact "
				    "rnnfx equivalent; expected 2 rows (input and recurrent bias)");
	return rfx_imp_floats(d, b, "layers[0].weights[2]", "b", 2, GH,
			      "input and recurrent bias", cols_why, k->b);
}

static RfxStatus read_dense_weights(RfxDiag *d, json_t *layer, int H, Keras *k)
{
	json_t *w = json_object_get(layer, "weights");
	if (!json_is_array(w))
		return rfx_diag_set(d, RFX_ERR_FIELD, "layers[1].weights: %s, expected 2 arrays (kernel, "
				    "bias)", rfx_imp_type_name(w));
	if (json_array_size(w) != 2)
		return rfx_diag_set(d, RFX_ERR_SHAPE, "layers[1].weights: %zu arrays, expected 2 "
				    "(kernel, bias)", json_array_size(w));
	RfxStatus st = rfx_imp_floats(d, json_array_get(w, 0), "layers[1].weights[0]", "kernel", H,
				      1, "hidden size", "one output", k->K);
	if (st != RFX_OK)
		return st;
	return rfx_imp_floats(d, json_array_get(w, 1), "layers[1].weights[1]", "bias", 1, 0,
			      "one output", NULL, &k->bias);
}

/* Transposes and reorders the Keras tensors into the model's (zeroed) PyTorch tensors. */
static void keras_to_model(const Keras *k, RfxModel *m)
{
	const RfxCellType cell = m->spec.cell;
	const int N = m->spec.n_inputs, H = m->spec.hidden, GH = rfx_cell_gates(cell) * H;
	float *wih = rfx_model_tensor(m, "weight_ih_l0")->data;
	float *whh = rfx_model_tensor(m, "weight_hh_l0")->data;
	float *bih = rfx_model_tensor(m, "bias_ih_l0")->data;
	float *bhh = rfx_model_tensor(m, "bias_hh_l0")->data;
	for (int g = 0; g < rfx_cell_gates(cell); g++)
		for (int j = 0; j < H; j++) {
			const int row = g * H + j, col = keras_block(cell, g) * H + j;
			for (int i = 0; i < N; i++)
				wih[row * N + i] = k->W[i * GH + col];
			for (int i = 0; i < H; i++)
				whh[row * H + i] = k->U[i * GH + col];
			/* LSTM: Keras's single bias; only the sum of the two matters, bias_hh stays 0 */
			bih[row] = k->b[col];
			if (cell == RFX_CELL_GRU)
				bhh[row] = k->b[GH + col];
		}
	float *hw = rfx_model_tensor(m, "head.weight")->data;
	for (int j = 0; j < H; j++)
		hw[j] = k->K[j];
	rfx_model_tensor(m, "head.bias")->data[0] = k->bias;
}

/* AIDA-X computes y = g_out * (skip * g_in * x + net(g_in * x, params)). Without skip the gains
 * are exact as weights: g_in scales the audio column of weight_ih, g_out the head. With skip the
 * dry path is multiplied by g_in * g_out, which an rnnfx model (dry path 1) can only hold when that
 * product is 1 (in_gain = -out_gain); otherwise the gains stay in the metadata only. */
static int fold_gains(RfxModel *m, double in_db, double out_db)
{
	if (m->spec.skip && in_db + out_db != 0)
		return 0;
	const double g_in = pow(10, in_db / 20), g_out = pow(10, out_db / 20);
	const int N = m->spec.n_inputs, rows = rfx_cell_gates(m->spec.cell) * m->spec.hidden;
	float *wih = rfx_model_tensor(m, "weight_ih_l0")->data;
	if (in_db != 0)
		for (int r = 0; r < rows; r++)
			wih[r * N] = (float)(wih[r * N] * g_in); /* column 0: the audio, not the knobs */
	RfxTensor *hw = rfx_model_tensor(m, "head.weight"), *hb = rfx_model_tensor(m, "head.bias");
	if (out_db != 0) {
		for (int j = 0; j < hw->cols; j++)
			hw->data[j] = (float)(hw->data[j] * g_out);
		hb->data[0] = (float)(hb->data[0] * g_out);
	}
	return 1;
}

static RfxStatus finish_model(RfxDiag *d, json_t *root, RfxModel *m, double in_db,
			      double out_db)
{
	json_t *extra = json_object();
	int folded = fold_gains(m, in_db, out_db);
	if (extra && (in_db != 0 || out_db != 0)) {
		json_object_set_new(extra, "in_gain_db", json_real(in_db));
		json_object_set_new(extra, "out_gain_db", json_real(out_db));
		json_object_set_new(extra, "gains_in_weights", json_boolean(folded));
	}
	RfxStatus st = extra ? rfx_imp_set_metadata(d, m, RFX_IMPORT_AIDAX,
						    json_object_get(root, "metadata"), extra)
			     : rfx_diag_set(d, RFX_ERR_NOMEM, "out of memory writing the metadata");
	json_decref(extra);
	if (st == RFX_OK && !folded)
		rfx_diag_set(d, RFX_OK, "in_gain %g dB and out_gain %g dB are kept in the metadata only "
			     "(with in_skip their product also scales the dry path, which an rnnfx "
			     "model cannot hold unless in_gain = -out_gain); apply them in the host",
			     in_db, out_db);
	return st;
}

RfxStatus rfx_imp_aidax(RfxDiag *d, json_t *root, RfxModel **out)
{
	RfxModelSpec spec;
	memset(&spec, 0, sizeof spec);
	double in_db = 0, out_db = 0;
	json_t *layers = json_object_get(root, "layers");
	json_int_t H = 0, O = 0;
	RfxStatus st;
	if ((st = read_in_shape(d, root, &spec.n_inputs)) != RFX_OK ||
	    (st = read_skip(d, root, &spec.skip)) != RFX_OK ||
	    (st = read_gain(d, root, "in_gain", &in_db)) != RFX_OK ||
	    (st = read_gain(d, root, "out_gain", &out_db)) != RFX_OK ||
	    (st = rfx_imp_sample_rate(d, root, 48000, &spec.sample_rate)) != RFX_OK ||
	    (st = check_layers(d, layers, &spec.cell)) != RFX_OK ||
	    (st = check_activation(d, json_array_get(layers, 0), 0, "tanh")) != RFX_OK ||
	    (st = check_activation(d, json_array_get(layers, 1), 1, "linear")) != RFX_OK ||
	    (st = read_size(d, json_array_get(layers, 0), 0, &H)) != RFX_OK ||
	    (st = read_size(d, json_array_get(layers, 1), 1, &O)) != RFX_OK)
		return st;
	if (H < 1 || H > RFX_MAX_HIDDEN)
		return rfx_diag_set(d, RFX_ERR_LIMIT, "layers[0].shape: hidden size %" JSON_INTEGER_FORMAT
				    ", rnnfx runs 1 to %d", H, RFX_MAX_HIDDEN);
	if (O != 1)
		return rfx_diag_set(d, RFX_ERR_SHAPE, "layers[1].shape: %" JSON_INTEGER_FORMAT " outputs, "
				    "an AIDA-X effect has 1", O);
	spec.n_layers = 1;
	spec.hidden = (int)H;
	spec.mode = RFX_MODE_EFFECT;
	spec.n_outputs = 1;
	spec.init[0] = RFX_INIT_ZEROS;

	const size_t GH = (size_t)rfx_cell_gates(spec.cell) * (size_t)H;
	float *buf = malloc(sizeof(float) * (GH * ((size_t)spec.n_inputs + (size_t)H + 2) + (size_t)H));
	if (!buf)
		return rfx_diag_set(d, RFX_ERR_NOMEM, "out of memory reading the weights");
	Keras k = { buf, buf + GH * (size_t)spec.n_inputs, buf + GH * ((size_t)spec.n_inputs + (size_t)H),
		    buf + GH * ((size_t)spec.n_inputs + (size_t)H + 2), 0 };
	RfxModel *m = NULL;
	if ((st = read_recurrent_weights(d, json_array_get(layers, 0), spec.cell, spec.n_inputs,
					 spec.hidden, &k)) == RFX_OK &&
	    (st = read_dense_weights(d, json_array_get(layers, 1), spec.hidden, &k)) == RFX_OK &&
	    (st = rfx_imp_new_model(d, &spec, &m)) == RFX_OK) {
		keras_to_model(&k, m);
		st = finish_model(d, root, m, in_db, out_db);
	}
	free(buf);
	if (st != RFX_OK) {
		rfx_model_free(m);
		return st;
	}
	*out = m;
	return RFX_OK;
}

/* ------------------------------------------------------------------ export */

/* Why AIDA-X cannot run this model, or NULL. `why` is the caller's buffer for the sentence. */
static const char *export_refusal(const RfxModel *m, char *why, size_t size)
{
	const RfxModelSpec *s = &m->spec;
	if (rfx_model_spec_check(s, why, size) != RFX_OK)
		return why;
	if (s->mode != RFX_MODE_EFFECT)
		return "a classifier; AIDA-X runs effects only";
	if (s->cell == RFX_CELL_RNN)
		return "a tanh RNN; AIDA-X runs one GRU or LSTM layer";
	if (s->n_layers != 1) {
		snprintf(why, size, "%d recurrent layers; AIDA-X runs exactly one", s->n_layers);
		return why;
	}
	if (s->n_inputs > AIDAX_MAX_INPUTS) {
		snprintf(why, size, "%d inputs; AIDA-X runs 1 (audio) to 3 (audio and 2 parameters)",
			 s->n_inputs);
		return why;
	}
	size_t at;
	int t = rfx_model_find_nonfinite(m, &at);
	if (t >= 0) {
		snprintf(why, size, "tensor '%s'[%zu] is not finite", m->tensors[t].name, at);
		return why;
	}
	for (int i = 0; i < m->n_tensors; i++) {
		const RfxTensor *x = &m->tensors[i];
		if (strncmp(x->name, "h0_", 3) != 0 && strncmp(x->name, "c0_", 3) != 0)
			continue;
		for (int j = 0; j < x->rows; j++)
			if (x->data[j] != 0) {
				snprintf(why, size, "a non-zero initial state ('%s'[%d]); AIDA-X starts "
					 "from zeros", x->name, j);
				return why;
			}
	}
	if (s->cell == RFX_CELL_LSTM) {
		const float *bi = rfx_model_tensor(m, "bias_ih_l0")->data;
		const float *bh = rfx_model_tensor(m, "bias_hh_l0")->data;
		for (int j = 0; j < 4 * s->hidden; j++)
			if (!isfinite(bi[j] + bh[j])) {
				snprintf(why, size, "bias_ih_l0[%d] + bias_hh_l0[%d] overflows a float "
					 "(Keras has one LSTM bias)", j, j);
				return why;
			}
	}
	return NULL;
}

/* [rows][cols] of json reals, element (r, c) = get(r, c). */
static json_t *matrix(int rows, int cols, const float *src, int (*index)(int, int, const void *),
		      const void *ctx)
{
	json_t *a = json_array();
	for (int r = 0; a && r < rows; r++) {
		json_t *row = json_array();
		for (int c = 0; row && c < cols; c++)
			if (json_array_append_new(row, json_real(src[index(r, c, ctx)])) != 0) {
				json_decref(row);
				row = NULL;
			}
		if (!row || json_array_append_new(a, row) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

typedef struct {
	RfxCellType cell;
	int H, in_cols;  /* in_cols: columns of the PyTorch matrix read (I for W, H for U) */
	int row_offset;  /* for the GRU bias rows: 0 or GH, unused for matrices */
} KerasIndex;

/* Keras W[i][col] / U[i][col] = PyTorch weight[row][i], with col in Keras gate order. */
static int keras_weight_index(int i, int col, const void *ctx)
{
	const KerasIndex *k = ctx;
	const int row = keras_block(k->cell, col / k->H) * k->H + col % k->H;
	return row * k->in_cols + i;
}

/* Keras b[0][col] = bias_ih[row], b[1][col] = bias_hh[row] (two PyTorch vectors given as one). */
static int keras_bias_index(int which, int col, const void *ctx)
{
	const KerasIndex *k = ctx;
	return which * k->row_offset + keras_block(k->cell, col / k->H) * k->H + col % k->H;
}

static int head_index(int j, int c, const void *ctx)
{
	(void)c;
	(void)ctx;
	return j;
}

static json_t *recurrent_layer(const RfxModel *m)
{
	const RfxModelSpec *s = &m->spec;
	const int H = s->hidden, G = rfx_cell_gates(s->cell), GH = G * H;
	KerasIndex kw = { s->cell, H, s->n_inputs, 0 }, ku = { s->cell, H, H, 0 };
	KerasIndex kb = { s->cell, H, 0, GH };
	const float *bih = rfx_model_tensor(m, "bias_ih_l0")->data;
	const float *bhh = rfx_model_tensor(m, "bias_hh_l0")->data;
	float *both = malloc(sizeof(float) * 2 * (size_t)GH);
	if (!both)
		return NULL;
	for (int j = 0; j < GH; j++) {
		both[j] = s->cell == RFX_CELL_LSTM ? bih[j] + bhh[j] : bih[j];
		both[GH + j] = bhh[j];
	}
	json_t *b = matrix(s->cell == RFX_CELL_GRU ? 2 : 1, GH, both, keras_bias_index, &kb);
	free(both);
	if (b && s->cell == RFX_CELL_LSTM) { /* one bias: the vector, not a 1-row matrix */
		json_t *row = json_incref(json_array_get(b, 0));
		json_decref(b);
		b = row;
	}
	json_t *weights = json_pack("[ooo]",
				    matrix(s->n_inputs, GH, rfx_model_tensor(m, "weight_ih_l0")->data,
					   keras_weight_index, &kw),
				    matrix(H, GH, rfx_model_tensor(m, "weight_hh_l0")->data,
					   keras_weight_index, &ku), b);
	return json_pack("{s:s, s:s, s:[n,n,i], s:o}", "type", rfx_cell_name(s->cell),
			 "activation", "", "shape", H, "weights", weights);
}

static json_t *dense_layer(const RfxModel *m)
{
	const int H = m->spec.hidden;
	json_t *k = matrix(H, 1, rfx_model_tensor(m, "head.weight")->data, head_index, NULL);
	json_t *w = json_pack("[o[f]]", k, (double)rfx_model_tensor(m, "head.bias")->data[0]);
	return json_pack("{s:s, s:s, s:[n,n,i], s:o}", "type", "dense", "activation", "", "shape",
			 1, "weights", w);
}

/* The AIDA-X "metadata": the source file's own when the model came from AIDA-X, else the rnnfx
 * metadata under "rnnfx"; then the sample rate. `meta` is the model's metadata (may be NULL). */
static json_t *export_metadata(json_t *meta, double rate)
{
	json_t *fmt = json_object_get(meta, "source_format");
	json_t *src = json_object_get(meta, "source_metadata");
	json_t *o;
	if (json_is_string(fmt) && strcmp(json_string_value(fmt), "aidax") == 0 && json_is_object(src))
		o = json_deep_copy(src);
	else
		o = json_is_object(meta) ? json_pack("{s:O}", "rnnfx", meta) : json_object();
	if (o && json_object_set_new(o, "samplerate", rate == floor(rate) ?
				     json_integer((json_int_t)rate) : json_real(rate)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* A knob model reads 2 p - 1 on each knob's input ("linear"), p the knob's place in its trained
 * range (0..1, dsp/knobs.c); AIDA-X feeds its parameter p itself. Folding the map into the input weights,
 * W' = 2 W and b' = b - W on the knob's column (the input bias: Keras' b0 for a GRU, the one
 * LSTM bias), makes AIDA-X's 0..1 span the trained range. `k` is m with the fold, or m itself
 * for a model without knobs; NULL when out of memory. */
static const RfxModel *fold_knobs(const RfxModel *m, RfxModel **k)
{
	RfxKnob kn[RFX_MAX_KNOBS];
	const int n = rfx_model_knobs(m, kn, RFX_MAX_KNOBS);
	*k = NULL;
	if (n <= 0)
		return m;
	if (rfx_model_clone(m, k) != RFX_OK)
		return NULL;
	const int I = m->spec.n_inputs, GH = rfx_cell_gates(m->spec.cell) * m->spec.hidden;
	float *w = rfx_model_tensor(*k, "weight_ih_l0")->data;
	float *b = rfx_model_tensor(*k, "bias_ih_l0")->data;
	for (int i = 0; i < n; i++)
		for (int r = 0; r < GH && !kn[i].unit; r++) { /* a "unit" knob is AIDA-X's form already */
			float *wr = &w[(size_t)r * (size_t)I + (size_t)kn[i].input];
			b[r] -= *wr;
			*wr *= 2.0f;
		}
	return *k;
}

char *rfx_model_export_aidax(const RfxModel *model, char *detail, size_t detail_size)
{
	char why[192];
	RfxDiag d = { detail, detail_size };
	rfx_diag_clear(&d);
	if (!model) {
		rfx_diag_set(&d, RFX_ERR_INVALID, "no model");
		return NULL;
	}
	const char *refusal = export_refusal(model, why, sizeof why);
	if (refusal) {
		rfx_diag_set(&d, RFX_ERR_INVALID, "cannot export to AIDA-X: %s", refusal);
		return NULL;
	}
	RfxModel *folded;
	const RfxModel *m = fold_knobs(model, &folded);
	if (!m) {
		rfx_diag_set(&d, RFX_ERR_NOMEM, "out of memory writing the AIDA-X model");
		return NULL;
	}
	const double rate = m->spec.sample_rate;
	json_t *meta = m->metadata ? json_loads(m->metadata, 0, NULL) : NULL;
	json_t *root = json_pack("{s:[n,n,i], s:i}", "in_shape", m->spec.n_inputs, "in_skip",
				 m->spec.skip);
	/* Gains an import could not fold (skip models) go back where they came from. */
	json_t *in_db = json_object_get(meta, "in_gain_db"), *out_db = json_object_get(meta, "out_gain_db");
	if (root && json_is_false(json_object_get(meta, "gains_in_weights")) &&
	    json_is_number(in_db) && json_is_number(out_db)) {
		json_object_set(root, "in_gain", in_db);
		json_object_set(root, "out_gain", out_db);
	}
	if (root) {
		/* top-level "samplerate" for NeuralAudio, metadata.samplerate for AIDA-X */
		json_t *r = rate == floor(rate) ? json_integer((json_int_t)rate) : json_real(rate);
		if (json_object_set_new(root, "samplerate", r) != 0 ||
		    json_object_set_new(root, "metadata", export_metadata(meta, rate)) != 0 ||
		    json_object_set_new(root, "layers", json_pack("[oo]", recurrent_layer(m),
								  dense_layer(m))) != 0) {
			json_decref(root);
			root = NULL;
		}
	}
	json_decref(meta);
	rfx_model_free(folded);
	/* 9 significant digits give every float back bit for bit */
	char *text = root ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	json_decref(root);
	if (!text)
		rfx_diag_set(&d, RFX_ERR_NOMEM, "out of memory writing the AIDA-X model");
	return text;
}
