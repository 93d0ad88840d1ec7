/* libFuzzer target for the model loader: any bytes into rfx_model_load_string.
 *
 * Beyond "no crash, no leak, no undefined behaviour" (ASan/UBSan), it checks the loader's promises:
 * a failure returns a status inside the enum, leaves *out NULL and a terminated detail sentence;
 * a success gives a model whose text (rfx_model_to_string) loads back to the identical model and
 * writes the identical text again. A broken promise aborts, which libFuzzer reports as a crash.
 *
 *   make fuzz FUZZ_SECONDS=600     (see fuzz/module.mk)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/model_file.h"

static void broken(const char *promise, const char *detail)
{
	fprintf(stderr, "fuzz_model_load: %s (%s)\n", promise, detail ? detail : "");
	abort();
}

static int identical(const RfxModel *a, const RfxModel *b)
{
	const RfxModelSpec *x = &a->spec, *y = &b->spec;
	if (x->cell != y->cell || x->n_layers != y->n_layers || x->n_inputs != y->n_inputs ||
	    x->hidden != y->hidden || x->mode != y->mode || x->n_outputs != y->n_outputs ||
	    x->skip != y->skip || memcmp(&x->sample_rate, &y->sample_rate, sizeof x->sample_rate) ||
	    memcmp(x->init, y->init, sizeof x->init) || a->n_params != b->n_params)
		return 0;
	if (memcmp(a->params, b->params, a->n_params * sizeof *a->params) ||
	    memcmp(a->labels, b->labels, sizeof a->labels))
		return 0;
	if (!a->metadata || !b->metadata)
		return a->metadata == b->metadata;
	return strcmp(a->metadata, b->metadata) == 0;
}

/* Writes the model, loads the text back and writes it again: same model, same text. */
static void check_round_trip(const RfxModel *m)
{
	char detail[256];
	char *text = rfx_model_to_string(m);
	if (!text)
		broken("to_string returned NULL for a loaded model", NULL);
	RfxModel *back = NULL;
	RfxStatus st = rfx_model_load_string(text, strlen(text), &back, detail, sizeof detail);
	if (st != RFX_OK)
		broken("the writer's text does not load", detail);
	if (!identical(m, back))
		broken("save -> load is not bit-exact", NULL);
	char *again = rfx_model_to_string(back);
	if (!again || strcmp(text, again) != 0)
		broken("writing the reloaded model gives other text", NULL);
	free(again);
	free(text);
	rfx_model_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char detail[128];
	RfxModel *m = (RfxModel *)detail; /* must come back NULL on failure */
	memset(detail, 'z', sizeof detail);
	RfxStatus st = rfx_model_load_string((const char *)data, size, &m, detail, sizeof detail);
	if (!memchr(detail, '\0', sizeof detail))
		broken("detail not terminated", NULL);
	if (st != RFX_OK) {
		if (st >= 0 || st <= RFX_ERR_COUNT)
			broken("status outside the enum", detail);
		if (m)
			broken("*out not NULL after a failure", detail);
		if (!detail[0])
			broken("a failure without a detail sentence", NULL);
		return 0;
	}
	if (!m)
		broken("RFX_OK without a model", NULL);
	check_round_trip(m);
	rfx_model_free(m);
	return 0;
}
