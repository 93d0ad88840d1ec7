/* A knob model's knobs as a host reads them (rfx_model_knobs, rfx_knob_input in dsp/rnnfx.h):
 * the trainer's "knobs" metadata is read back, malformed entries are refused as a whole, and the
 * user's value maps to the network input by the trainer's scaling, clamped to the trained range. */
#include <math.h>
#include <string.h>

#include "../dsp/model.h"
#include "harness.h"

static RfxModel *model(int inputs, const char *meta)
{
	RfxModelSpec s = {0};
	s.cell = RFX_CELL_GRU;
	s.n_layers = 1;
	s.n_inputs = inputs;
	s.hidden = 4;
	s.mode = RFX_MODE_EFFECT;
	s.n_outputs = 1;
	s.sample_rate = 48000;
	RfxModel *m = NULL;
	RT_OK(rfx_model_new(&s, &m));
	if (m && meta)
		RT_OK(rfx_model_set_metadata(m, meta));
	return m;
}

int main(void)
{
	RfxKnob k[RFX_MAX_KNOBS];
	rt_case("the trainer's knobs metadata is read back");
	RfxModel *m = model(3, "{\"name\":\"x\",\"knobs\":[{\"name\":\"drive\",\"input\":1,\"min\":0,"
			       "\"max\":10,\"default\":5},{\"name\":\"tone\",\"input\":2,\"min\":-1,"
			       "\"max\":1,\"default\":0.5}]}");
	RT_CHECK(rfx_model_knobs(m, k, RFX_MAX_KNOBS) == 2, "two knobs");
	RT_CHECK(!strcmp(k[0].name, "drive") && k[0].input == 1 && k[0].min == 0 && k[0].max == 10 &&
		 k[0].def == 5, "drive");
	RT_CHECK(!strcmp(k[1].name, "tone") && k[1].input == 2 && k[1].def == 0.5, "tone");
	RT_CHECK(rfx_model_knobs(m, k, 1) == -1, "more knobs than room: refused");
	rfx_model_free(m);

	rt_case("no metadata or no knobs: 0 knobs");
	m = model(1, NULL);
	RT_CHECK(rfx_model_knobs(m, k, RFX_MAX_KNOBS) == 0, "no metadata");
	rfx_model_free(m);
	m = model(1, "{\"name\":\"amp\"}");
	RT_CHECK(rfx_model_knobs(m, k, RFX_MAX_KNOBS) == 0, "no knobs key");
	rfx_model_free(m);

	rt_case("malformed knobs are refused");
	const char *bad[] = {
		"{\"knobs\":{\"name\":\"d\"}}",
		"{\"knobs\":[{\"input\":1,\"min\":0,\"max\":1}]}",
		"{\"knobs\":[{\"name\":\"d\",\"input\":2,\"min\":0,\"max\":1}]}",
		"{\"knobs\":[{\"name\":\"d\",\"input\":0,\"min\":0,\"max\":1}]}",
		"{\"knobs\":[{\"name\":\"d\",\"input\":1,\"min\":1,\"max\":1}]}",
		"{\"knobs\":[{\"name\":\"d\",\"input\":1,\"min\":0,\"max\":1,\"default\":3}]}",
		"{\"knobs\":[{\"name\":\"\",\"input\":1,\"min\":0,\"max\":1}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = model(2, bad[i]);
		RT_CHECK(rfx_model_knobs(m, k, RFX_MAX_KNOBS) == -1, "accepted: %s", bad[i]);
		rfx_model_free(m);
	}

	rt_case("user value -> network input: the trainer's scaling, clamped, NaN to the minimum");
	RfxKnob d = {.name = "drive", .input = 1, .min = 0, .max = 10, .def = 5};
	int c = -1;
	RT_NEAR(rfx_knob_input(&d, 7.5, &c), 0.5, 0);
	RT_CHECK(c == 0, "7.5 clamped");
	RT_NEAR(rfx_knob_input(&d, 0, NULL), -1, 0);
	RT_NEAR(rfx_knob_input(&d, 10, NULL), 1, 0);
	RT_NEAR(rfx_knob_input(&d, 20, &c), 1, 0);
	RT_CHECK(c == 1, "20 not clamped");
	RT_NEAR(rfx_knob_input(&d, -3, &c), -1, 0);
	RT_CHECK(c == 1, "-3 not clamped");
	float nan_in = rfx_knob_input(&d, NAN, &c);
	RT_CHECK(nan_in == -1.0f && c == 1, "NaN gave %g", nan_in);
	RT_CHECK(rfx_knob_scale(0, 10, 12.5) == 1.5f, "unclamped scale");

	rt_case("settings by name -> inputs: given, default, clamped, unknown names refused");
	m = model(3, "{\"knobs\":[{\"name\":\"drive\",\"input\":1,\"min\":0,\"max\":10,"
		     "\"default\":5},{\"name\":\"tone\",\"input\":2,\"min\":-1,\"max\":1,"
		     "\"default\":0.5}]}");
	int idx[RFX_MAX_KNOBS];
	float val[RFX_MAX_KNOBS];
	unsigned cl = 99;
	char why[300];
	RfxKnobSetting set[2] = {{"drive=7.5", 5, 7.5}, {"tone", 4, 3.0}};
	RT_CHECK(rfx_model_knob_inputs(m, set, 1, idx, val, &cl, why, sizeof why) == 2, "%s", why);
	RT_CHECK(idx[0] == 1 && val[0] == 0.5f && idx[1] == 2 && val[1] == 0.5f && cl == 0,
		 "drive 7.5 and tone's default 0.5: %d %g %d %g clamped %u", idx[0], val[0], idx[1],
		 val[1], cl);
	RT_CHECK(rfx_model_knob_inputs(m, set, 2, idx, val, &cl, why, sizeof why) == 2 && val[1] == 1.0f &&
		 cl == 2u, "tone 3 clamped to 1: %g, bits %u", val[1], cl);
	RfxKnobSetting wrong = {"gain", 4, 1.0};
	RT_CHECK(rfx_model_knob_inputs(m, &wrong, 1, idx, val, &cl, why, sizeof why) == -1 &&
		 strstr(why, "no knob named 'gain' (drive, tone)"), "gain: %s", why);
	rfx_model_free(m);
	m = model(1, NULL);
	RT_CHECK(rfx_model_knob_inputs(m, set, 1, idx, val, &cl, why, sizeof why) == -1 &&
		 strstr(why, "has no knobs"), "no knobs: %s", why);
	RT_CHECK(rfx_model_knob_inputs(m, NULL, 0, idx, val, &cl, why, sizeof why) == 0, "no knobs, none given");
	rfx_model_free(m);
	return rt_finish();
}
