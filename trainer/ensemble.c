#include "ensemble.h"

#include <stdio.h>
#include <string.h>

/* Why member m cannot join member 0, or NULL. */
static const char *mismatch(const RfxModelSpec *a, const RfxModelSpec *b)
{
	if (a->cell != b->cell || a->n_layers != b->n_layers || a->hidden != b->hidden)
		return "another cell, layer count or hidden size than the first model";
	if (a->n_inputs != b->n_inputs || a->mode != b->mode || a->n_outputs != b->n_outputs ||
	    a->skip != b->skip)
		return "other inputs or outputs than the first model";
	if (a->sample_rate != b->sample_rate)
		return "another sample rate than the first model";
	if (memcmp(&a->frontend, &b->frontend, sizeof a->frontend) != 0)
		return "another front end or hop than the first model";
	for (int l = 0; l < b->n_layers; l++)
		if (b->init[l] != RFX_INIT_ZEROS)
			return "a given or trained initial state (only zero states can be merged)";
	return NULL;
}

/* Member m's rows of every gate of tensor `name` into the merged one, at column offset `col`
 * (block-diagonal) or 0 (stacked: cols equal). */
static void place(RfxModel *out, const RfxModel *mem, const char *name, int m, int G, int H,
		  int block_cols)
{
	const RfxTensor *s = rfx_model_tensor(mem, name);
	RfxTensor *d = rfx_model_tensor(out, name);
	const int MH = out->spec.hidden, col = block_cols ? m * s->cols : 0;
	for (int g = 0; g < G; g++)
		for (int r = 0; r < H; r++)
			memcpy(d->data + (size_t)(g * MH + m * H + r) * (size_t)d->cols + (size_t)col,
			       s->data + (size_t)(g * H + r) * (size_t)s->cols, (size_t)s->cols * sizeof *s->data);
}

int trn_ensemble_merge(RfxModel *const *members, const char *const *names, int n, RfxModel **out,
		       TrnError *err)
{
	const RfxModelSpec *s0 = &members[0]->spec;
	for (int m = 0; m < n; m++) {
		const char *why = mismatch(s0, &members[m]->spec);
		if (why)
			return trn_error_set(err, names[m], "%s", why);
	}
	RfxModelSpec spec = *s0;
	spec.hidden = n * s0->hidden;
	char detail[256] = "";
	if (rfx_model_spec_check(&spec, detail, sizeof detail) != RFX_OK)
		return trn_error_set(err, names[0], "%d models side by side: %s", n, detail);
	if (rfx_model_new(&spec, out) != RFX_OK)
		return trn_error_set(err, NULL, "out of memory");
	RfxModel *o = *out; /* all zeros: the off-diagonal blocks stay so */
	const int G = rfx_cell_gates(spec.cell), H = s0->hidden;
	for (int m = 0; m < n; m++) {
		const RfxModel *mem = members[m];
		for (int l = 0; l < spec.n_layers; l++) {
			char name[24];
			snprintf(name, sizeof name, "weight_ih_l%d", l);
			place(o, mem, name, m, G, H, l > 0);
			snprintf(name, sizeof name, "weight_hh_l%d", l);
			place(o, mem, name, m, G, H, 1);
			snprintf(name, sizeof name, "bias_ih_l%d", l);
			place(o, mem, name, m, G, H, 0);
			snprintf(name, sizeof name, "bias_hh_l%d", l);
			place(o, mem, name, m, G, H, 0);
		}
		const RfxTensor *hw = rfx_model_tensor(mem, "head.weight"), *hb = rfx_model_tensor(mem, "head.bias");
		RfxTensor *ow = rfx_model_tensor(o, "head.weight"), *ob = rfx_model_tensor(o, "head.bias");
		for (int k = 0; k < spec.n_outputs; k++) {
			for (int j = 0; j < H; j++)
				ow->data[(size_t)k * (size_t)spec.hidden + (size_t)(m * H + j)] =
					hw->data[(size_t)k * (size_t)H + (size_t)j] / (float)n;
			ob->data[k] += hb->data[k] / (float)n;
		}
	}
	memcpy(o->labels, members[0]->labels, sizeof o->labels);
	memcpy(o->notes, members[0]->notes, sizeof o->notes);
	o->has_notes = members[0]->has_notes;
	return 0;
}
