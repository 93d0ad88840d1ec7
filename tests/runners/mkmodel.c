/* mkmodel — writes a random rnnfx model for the runner tests.
 *
 *   mkmodel OUT [--cell rnn|gru|lstm] [--hidden H] [--layers L] [--inputs I] [--classes K]
 *               [--seed S] [--rate HZ] [--skip] [--head-scale G]
 *
 * Weights come from rfx_model_init_random (PyTorch's default ranges), so the model is a
 * deterministic function of the options. --head-scale multiplies the head, which keeps an effect's
 * output well inside [-1, 1] for tests that record through 32-bit PCM. A classifier gets labels
 * "class 0", ... with label 1 holding a comma and quotes, to exercise CSV quoting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/model_file.h"

static int usage(void)
{
	fprintf(stderr, "usage: mkmodel OUT [--cell C] [--hidden H] [--layers L] [--inputs I] "
			"[--classes K] [--seed S] [--rate HZ] [--skip] [--head-scale G]\n");
	return 2;
}

static void scale_head(RfxModel *m, float g)
{
	const char *names[] = { "head.weight", "head.bias" };
	for (int t = 0; t < 2; t++) {
		RfxTensor *x = rfx_model_tensor(m, names[t]);
		for (int i = 0; x && i < x->rows * x->cols; i++)
			x->data[i] *= g;
	}
}

int main(int argc, char **argv)
{
	RfxModelSpec spec = { .cell = RFX_CELL_GRU, .n_layers = 1, .n_inputs = 1, .hidden = 8,
			      .mode = RFX_MODE_EFFECT, .n_outputs = 1, .sample_rate = 48000 };
	unsigned long long seed = 1;
	float head_scale = 1;
	if (argc < 2 || argv[1][0] == '-')
		return usage();
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--skip")) {
			spec.skip = 1;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--cell"))
			spec.cell = rfx_cell_from_name(v);
		else if (!strcmp(a, "--hidden"))
			spec.hidden = atoi(v);
		else if (!strcmp(a, "--layers"))
			spec.n_layers = atoi(v);
		else if (!strcmp(a, "--inputs"))
			spec.n_inputs = atoi(v);
		else if (!strcmp(a, "--classes")) {
			spec.mode = RFX_MODE_CLASSIFIER;
			spec.n_outputs = atoi(v);
		} else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--rate"))
			spec.sample_rate = atof(v);
		else if (!strcmp(a, "--head-scale"))
			head_scale = strtof(v, NULL);
		else
			return usage();
	}
	char detail[256] = "";
	RfxModel *m = NULL;
	RfxStatus s = rfx_model_spec_check(&spec, detail, sizeof detail);
	if (s == RFX_OK)
		s = rfx_model_new(&spec, &m);
	if (s == RFX_OK) {
		rfx_model_init_random(m, seed);
		scale_head(m, head_scale);
		for (int k = 0; spec.mode == RFX_MODE_CLASSIFIER && k < spec.n_outputs; k++)
			snprintf(m->labels[k], RFX_MAX_LABEL, k == 1 ? "tone, \"beep\"" : "class %d", k);
		s = rfx_model_save_file(m, argv[1], detail, sizeof detail);
	}
	rfx_model_free(m);
	if (s != RFX_OK) {
		fprintf(stderr, "mkmodel: %s: %s %s\n", argv[1], rfx_strerror(s), detail);
		return 1;
	}
	return 0;
}
