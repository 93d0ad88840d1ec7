/* mkmodel — writes a random rnnfx effect model, for the plugin tests before trained ones exist.
 *
 *   mkmodel OUT.json [cell=gru] [hidden=8] [layers=1] [seed=1] [rate=48000]
 *
 * The weights follow PyTorch's default initialisation (rfx_model_init_random), so the model is
 * a stable, non-trivial recurrent filter: good enough to tell models apart in the tests.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../dsp/model.h"
#include "../../dsp/model_file.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 7) {
		fprintf(stderr, "usage: mkmodel OUT.json [cell=gru] [hidden=8] [layers=1] [seed=1] "
				"[rate=48000]\n");
		return 2;
	}
	RfxModelSpec spec = {0};
	spec.cell = rfx_cell_from_name(argc > 2 ? argv[2] : "gru");
	spec.hidden = argc > 3 ? atoi(argv[3]) : 8;
	spec.n_layers = argc > 4 ? atoi(argv[4]) : 1;
	uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
	spec.sample_rate = argc > 6 ? atof(argv[6]) : 48000.0;
	spec.n_inputs = 1;
	spec.mode = RFX_MODE_EFFECT;
	spec.n_outputs = 1;
	spec.skip = 1;
	for (int l = 0; l < RFX_MAX_LAYERS; ++l)
		spec.init[l] = RFX_INIT_ZEROS;
	if (spec.cell == RFX_CELL_COUNT) {
		fprintf(stderr, "mkmodel: %s: unknown cell (rnn, gru, lstm)\n", argv[2]);
		return 2;
	}

	char detail[256] = "";
	RfxModel *model = NULL;
	RfxStatus st = rfx_model_spec_check(&spec, detail, sizeof detail);
	if (st == RFX_OK)
		st = rfx_model_new(&spec, &model);
	if (st == RFX_OK) {
		rfx_model_init_random(model, seed);
		st = rfx_model_save_file(model, argv[1], detail, sizeof detail);
	}
	rfx_model_free(model);
	if (st != RFX_OK) {
		fprintf(stderr, "mkmodel: %s: %s%s%s\n", argv[1], rfx_strerror(st),
			detail[0] ? ": " : "", detail);
		return 1;
	}
	return 0;
}
