/* lv2host cases of the effect plugin: bit-exact output, gains and mix, patch:Get, broken and
 * missing files, knobs, state, swaps, resampling, NaN/Inf and bypass (lv2host.c lists them). */
#include "host.h"

void case_no_model(void)
{
	rt_case("no model: status 0, output == input, latency 0");
	Host *h = host_new(true);
	host_activate(h);
	size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	run_blocks(h, total, NULL, false);
	size_t first;
	size_t bad = count_mismatch(sig_in, sig_out, 0, total, &first);
	RT_CHECK(bad == 0, "%zu samples differ, first at %zu", bad, first);
	RT_CHECK(h->status == 0.0f, "status %g", h->status);
	RT_CHECK(h->latency == 0.0f, "latency %g", h->latency);
	RT_CHECK(h->model_rate == 0.0f, "model_rate %g", h->model_rate);
	host_free(h);
}

void case_exact(bool threaded, float in_db, float out_db, float mix, const char *name)
{
	rt_case(name);
	RfxModel *m = load_model(path_a);
	Host *h = host_new(threaded);
	h->in_gain = in_db;
	h->out_gain = out_db;
	h->mix = mix;
	host_activate(h);
	size_t total = 48000;
	fill_input(sig_in, total, 0.8f);
	int nb = run_blocks(h, total, path_a, threaded);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "the model never became active (last status %g)", h->status);
	RT_CHECK(h->model_rate == 48000.0f, "model_rate %g", h->model_rate);
	if (start >= 0) {
		float gi = in_db == 0.0f ? 1.0f : powf(10.0f, in_db / 20.0f);
		float go = out_db == 0.0f ? 1.0f : powf(10.0f, out_db / 20.0f);
		expected_output(m, total, start, gi, go, mix, sig_exp);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		if (getenv("LV2HOST_DEBUG"))
			for (size_t i = first; i < first + 8 && i < total; ++i)
				fprintf(stderr, "%zu in %.9g out %.9g exp %.9g\n", i, sig_in[i], sig_out[i], sig_exp[i]);
		RT_CHECK(bad == 0, "%zu of %zu samples differ (model heard from %ld), first at %zu: %.9g vs %.9g",
			 bad, total, start, first, first < total ? sig_out[first] : 0.0,
			 first < total ? sig_exp[first] : 0.0);
	}
	host_free(h);
	rfx_model_free(m);
}

/* Two exports of one session must be identical whatever the host's threads did before them:
 * activate() (an Ardour export starts with it) in the middle of a model swap, or with a loaded
 * model still waiting, must give what a fresh instance with that model gives, bit for bit: the
 * model heard from the first sample, no cross-fade. */
void case_activate_mid_swap(void)
{
	rt_case("activate() during a swap or with a model waiting: the same output as a fresh "
		"instance, model heard from sample 0");
	RfxModel *m = load_model(path_a);
	float z[512] = {0}, o[512];
	const size_t total = 20000;
	static float out1[20000], out2[20000];

	/* h1: the swap to path_a is 300 samples into its cross-fade when activate() comes. */
	Host *h1 = host_new(false);
	host_activate(h1);
	host_run(h1, z, o, 64, path_a, false);
	host_run(h1, z, o, 300, NULL, false);
	RT_CHECK(h1->status == 1.0f, "h1: model not active (status %g)", h1->status);
	host_activate(h1);
	/* h2: the model loaded (the response is delivered after run) but not yet heard. */
	Host *h2 = host_new(false);
	host_activate(h2);
	host_run(h2, z, o, 1, path_a, false);
	host_activate(h2);

	fill_input(sig_in, total, 0.6f);
	for (size_t pos = 0; pos < total;) {
		uint32_t n = random_block(1024);
		if (n > total - pos)
			n = (uint32_t)(total - pos);
		host_run(h1, sig_in + pos, out1 + pos, n, NULL, false);
		host_run(h2, sig_in + pos, out2 + pos, n, NULL, false);
		pos += n;
	}
	expected_output_fade(m, total, 0, 1.0f, 1.0f, 1.0f, false, sig_exp);
	size_t first;
	size_t bad1 = count_mismatch(out1, sig_exp, 0, total, &first);
	RT_CHECK(bad1 == 0, "activated mid-swap: %zu samples differ from the model heard from 0, "
		 "first at %zu", bad1, first);
	size_t bad2 = count_mismatch(out2, sig_exp, 0, total, &first);
	RT_CHECK(bad2 == 0, "activated with a model waiting: %zu samples differ, first at %zu", bad2,
		 first);
	host_free(h1);
	host_free(h2);
	rfx_model_free(m);
}

/* A model with one conditioning input, with or without the trainer's "knobs" metadata. */
static void write_knob_model(const char *path, bool knobs)
{
	RfxModelSpec spec = {0};
	spec.cell = RFX_CELL_GRU;
	spec.n_layers = 1;
	spec.n_inputs = 2;
	spec.hidden = 8;
	spec.mode = RFX_MODE_EFFECT;
	spec.n_outputs = 1;
	spec.sample_rate = RATE;
	RfxModel *m = NULL;
	if (rfx_model_new(&spec, &m) != RFX_OK)
		abort();
	rfx_model_init_random(m, 9);
	for (size_t i = 0; i < m->n_params; ++i)
		m->params[i] *= 2.0f; /* enough gain that the input's value shows in the output */
	if (knobs && rfx_model_set_metadata(m, "{\"name\":\"knob test\",\"knobs\":[{\"name\":"
					    "\"drive\",\"input\":1,\"min\":0,\"max\":10,"
					    "\"default\":5,\"unit\":\"dB\"}]}") != RFX_OK)
		abort();
	save_model(m, path);
	rfx_model_free(m);
}

/* The plugin fed knob port values: what the dsp stream gives with the mapped input (settled as
 * the plugin settles, then the input set, then the signal). The model is loaded, then activate()
 * makes it heard from sample 0 without a fade. */
static char last_knobs[512]; /* what knob_mismatch's plugin said on rnnfx:knobs */

static size_t knob_mismatch(const char *path, float port, float input, size_t total)
{
	RfxModel *m = load_model(path);
	Host *h = host_new(false);
	h->knob[0] = port;
	host_activate(h);
	float z[1] = {0}, o[1];
	host_run(h, z, o, 1, path, false);
	host_activate(h);
	for (size_t pos = 0; pos < total;) {
		uint32_t n = random_block(1024);
		if (n > total - pos)
			n = (uint32_t)(total - pos);
		host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
		pos += n;
	}
	RfxStream *st = ref_stream(m);
	rfx_stream_set_input(st, 1, input);
	rfx_stream_process(st, sig_in, sig_exp, (uint32_t)total);
	rfx_stream_destroy(st);
	size_t first;
	size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
	snprintf(last_knobs, sizeof last_knobs, "%s", h->knobs);
	host_free(h);
	rfx_model_free(m);
	return bad;
}

/* The largest |x[i] - x[i-1]| for i in (from, to). */
static double max_step(const float *x, size_t from, size_t to)
{
	double d = 0;
	for (size_t i = from + 1; i < to; ++i)
		d = fmax(d, fabs((double)x[i] - x[i - 1]));
	return d;
}

void case_knobs(void)
{
	rt_case("knob ports: a knob model's knob 1 at 0.75 is drive 7.5 on 0..10, network input 0.5; "
		"a conditioned model without knobs takes the port's value; exact, any block size");
	char kp[700], rp[700];
	snprintf(kp, sizeof kp, "%s/knob-model.json", dir);
	snprintf(rp, sizeof rp, "%s/cond-model.json", dir);
	write_knob_model(kp, true);
	write_knob_model(rp, false);
	const size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	size_t bad = knob_mismatch(kp, 0.75f, 0.5f, total);
	RT_CHECK(bad == 0, "knob model at 0.75: %zu samples differ from input 0.5", bad);
	bad = knob_mismatch(kp, 0.0f, -1.0f, total);
	RT_CHECK(bad == 0, "knob model at 0: %zu samples differ from input -1", bad);
	bad = knob_mismatch(rp, 0.3f, 0.3f, total);
	RT_CHECK(bad == 0, "model without knobs at 0.3: %zu samples differ from input 0.3", bad);
	RT_CHECK(!strcmp(last_knobs, "knob1: input 1, 0 to 1 as it is"), "rnnfx:knobs of a "
		 "conditioned model without knob names: '%s'", last_knobs);
	/* The knob changes the sound (the test could not fail otherwise). */
	RT_CHECK(knob_mismatch(kp, 0.75f, -1.0f, total) > total / 2, "the knob does not change the output");

	rt_case("knob ports: a knob moved during playback glides (20 ms smoothing), stays finite and "
		"lands where a knob held there plays; a restored state keeps the knobs");
	RfxModel *m = load_model(kp);
	Host *h = host_new(false);
	h->knob[0] = 0.0f;
	host_activate(h);
	float z[1] = {0}, o[1];
	host_run(h, z, o, 1, kp, false);
	host_run(h, z, o, 1, NULL, false); /* the run that takes the loaded model announces it */
	RT_CHECK(!strcmp(h->knobs, "knob1: drive 0 to 10 dB (default 5)"), "rnnfx:knobs after the load: "
		 "'%s'", h->knobs);
	h->knobs[0] = '\0';
	h->get_knobs = true;
	host_run(h, z, o, 1, NULL, true);
	RT_CHECK(!strcmp(h->knobs, "knob1: drive 0 to 10 dB (default 5)"), "patch:Get rnnfx:knobs: '%s'",
		 h->knobs);
	host_activate(h);
	const size_t n1 = 4800, n2 = 48000;
	fill_input(sig_in, n1 + n2, 0.5f);
	host_run(h, sig_in, sig_out, (uint32_t)n1, NULL, false);
	h->knob[0] = 1.0f; /* a jump, as automation may send */
	for (size_t pos = n1; pos < n1 + n2; pos += 256)
		host_run(h, sig_in + pos, sig_out + pos, 256, NULL, false);
	bool finite = true;
	for (size_t i = 0; i < n1 + n2; ++i)
		finite &= isfinite(sig_out[i]) != 0;
	RT_CHECK(finite, "non-finite output after a knob jump");
	/* No click: the largest step from one sample to the next in the 100 ms after the jump stays
	 * within the largest the model makes on the same input with the knob held at 0 or at 1. An
	 * unsmoothed jump (the input switched from -1 to 1 at once) is measured too, so the bound can
	 * be seen to mean something. */
	const size_t w0 = n1 - 1, w1 = n1 + 4800;
	double held = 0, raw = 0, glide = max_step(sig_out, w0, w1);
	for (int v = -1; v <= 1; v += 2) {
		RfxStream *st = ref_stream(m);
		rfx_stream_set_input(st, 1, (float)v);
		rfx_stream_process(st, sig_in, sig_exp, (uint32_t)w1);
		rfx_stream_destroy(st);
		held = fmax(held, max_step(sig_exp, w0, w1));
	}
	RfxStream *jump = ref_stream(m);
	rfx_stream_set_input(jump, 1, -1.0f);
	rfx_stream_process(jump, sig_in, sig_exp, (uint32_t)n1);
	rfx_stream_set_input(jump, 1, 1.0f);
	rfx_stream_process(jump, sig_in + n1, sig_exp + n1, (uint32_t)(w1 - n1));
	rfx_stream_destroy(jump);
	raw = max_step(sig_exp, w0, w1);
	printf("    knob jump 0 -> 1: largest step %.4f smoothed, %.4f unsmoothed, %.4f held\n", glide,
	       raw, held);
	RT_CHECK(glide <= held, "a knob jump steps %.4f, more than the %.4f of a held knob", glide,
		 held);
	/* After 0.5 s the smoothed input is at 1 (within 1e-5): the output then follows a stream
	 * held at input 1, from the same state, within what 1e-5 of an input can move it. */
	RfxStream *late = ref_stream(m);
	rfx_stream_set_input(late, 1, 1.0f);
	rfx_stream_process(late, sig_in, sig_exp, (uint32_t)(n1 + n2));
	double d = 0;
	for (size_t i = n1 + n2 - 4800; i < n1 + n2; ++i)
		d = fmax(d, fabs((double)sig_out[i] - sig_exp[i]));
	RT_CHECK(d < 1e-3, "1 s after the jump the output is %g away from a knob held at 1", d);
	rfx_stream_destroy(late);

	/* The state embeds the model with its knobs: restored (the file deleted), knob 1 at 0.75 is
	 * still network input 0.5, not 0.75. */
	char sdir[700], sfile[760];
	snprintf(sdir, sizeof sdir, "%s/state-knobs", dir);
	snprintf(sfile, sizeof sfile, "%s/state.ttl", sdir);
	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	LilvState *state = lilv_state_new_from_instance(plugin, h->inst, &map, NULL, NULL, sdir, sdir,
							get_port_value, h,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, sfeat);
	RT_CHECK(state && lilv_state_save(world, &map, &unmap, state, NULL, sdir, "state.ttl") == 0,
		 "state not saved");
	lilv_state_free(state);
	host_free(h);
	RT_CHECK(unlink(kp) == 0, "cannot delete %s", kp);
	Host *h2 = host_new(false);
	RT_CHECK(restore_state(sfile, h2, false), "lilv cannot read the state back");
	h2->knob[0] = 0.75f;
	host_activate(h2);
	const size_t total2 = 8000;
	fill_input(sig_in, total2, 0.5f);
	for (size_t pos = 0; pos < total2; pos += 500)
		host_run(h2, sig_in + pos, sig_out + pos, 500, NULL, false);
	RfxStream *ref = ref_stream(m);
	rfx_stream_set_input(ref, 1, 0.5f);
	rfx_stream_process(ref, sig_in, sig_exp, (uint32_t)total2);
	rfx_stream_destroy(ref);
	size_t first;
	size_t bad2 = count_mismatch(sig_out, sig_exp, 0, total2, &first);
	RT_CHECK(bad2 == 0, "restored knob model: %zu samples differ from input 0.5, first at %zu", bad2,
		 first);
	host_free(h2);
	rfx_model_free(m);
}

void case_get_broken_rate(void)
{
	rt_case("patch:Get, broken and missing files keep the model, status 2, log; rate mismatch 3");
	RfxModel *m = load_model(path_a);
	Host *h = host_new(true);
	host_activate(h);
	size_t total = 30000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, path_a, true);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "model A never active");
	h->notified[0] = '\0';
	float tmp[64] = {0}, tmpo[64];
	host_run(h, tmp, tmpo, 0, NULL, true);
	RT_CHECK(!strcmp(h->notified, path_a), "patch:Get answered '%s'", h->notified);

	/* Continue the same signal through broken loads; the reference keeps running. */
	const char *bad_paths[] = {path_bad, path_missing, path_cls};
	const char *bad_logs[] = {"cannot load model", "cannot load model", "classifier"};
	RfxStream *st = ref_stream(m);
	float *ref = sig_exp;
	size_t more = 3 * 8000;
	fill_input(sig_in + total, more, 0.5f);
	/* reference over everything since start */
	rfx_stream_process(st, sig_in + start, ref + start, (uint32_t)(total + more - (size_t)start));
	size_t pos = total;
	for (int k = 0; k < 3; ++k) {
		log_clear();
		host_run(h, sig_in + pos, sig_out + pos, 0, bad_paths[k], false);
		worker_wait_idle(h->worker);
		for (size_t end = pos + 8000; pos < end;) {
			uint32_t n = random_block(512);
			if (n > end - pos)
				n = (uint32_t)(end - pos);
			host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
			pos += n;
		}
		RT_CHECK(h->status == 2.0f, "status %g after %s", h->status, bad_paths[k]);
		RT_CHECK(log_contains(bad_logs[k]), "log lacks '%s': %s", bad_logs[k], log_text);
	}
	size_t first;
	size_t bad = count_mismatch(sig_out, ref, total, pos, &first);
	RT_CHECK(bad == 0, "old model did not keep running: %zu differ from %zu", bad, first);
	rfx_stream_destroy(st);

	/* A model trained at 44.1 kHz: status 3, runs anyway, model_rate says so. */
	host_run(h, tmp, tmpo, 64, path_slow, false);
	worker_wait_idle(h->worker);
	for (int k = 0; k < 4; ++k)
		host_run(h, tmp, tmpo, 64, NULL, false);
	RT_CHECK(h->status == 3.0f, "status %g for a 44.1 kHz model", h->status);
	RT_CHECK(h->model_rate == 44100.0f, "model_rate %g", h->model_rate);
	RT_CHECK(log_contains("44100"), "no rate warning in the log: %s", log_text);
	host_free(h);
	rfx_model_free(m);
}

void case_state(bool restore_worker, bool threaded)
{
	char name[160];
	snprintf(name, sizeof name, "state: save, delete the model file, restore (%s, %s worker)",
		 restore_worker ? "worker in restore" : "no worker in restore: synchronous",
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/state-model-%d%d.json", dir, restore_worker, threaded);
	snprintf(state_dir, sizeof state_dir, "%s/state-%d%d", dir, restore_worker, threaded);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	write_model(model_path, RFX_CELL_LSTM, 12, 2, 77, RATE);
	RfxModel *m = load_model(model_path);

	Host *h1 = host_new(threaded);
	h1->out_gain = -3.0f;
	host_activate(h1);
	fill_input(sig_in, 20000, 0.5f);
	int nb = run_blocks(h1, 20000, model_path, threaded);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model never active in the first instance");
	worker_wait_idle(h1->worker);

	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};

	/* link_dir = the state folder, as hosts do: lilv then links the model file into it. (With
	 * no link_dir, lilv 0.24 deletes a file outside the state folder while saving.) */
	LilvState *state = lilv_state_new_from_instance(plugin, h1->inst, &map, NULL, NULL, state_dir,
							state_dir, get_port_value, h1,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
							sfeat);
	RT_CHECK(state != NULL, "lilv_state_new_from_instance failed");
	if (!state) {
		host_free(h1);
		rfx_model_free(m);
		return;
	}
	int rc = lilv_state_save(world, &map, &unmap, state, NULL, state_dir, "state.ttl");

	RT_CHECK(rc == 0, "lilv_state_save: %d", rc);
	lilv_state_free(state);
	host_free(h1);
	RT_CHECK(file_contains(state_file, "modelBase64"), "state.ttl has no embedded model");
	RT_CHECK(file_contains(state_file, "state-model-"), "state.ttl has no model path");
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	LilvState *loaded = lilv_state_new_from_file(world, &map, NULL, state_file);
	RT_CHECK(loaded != NULL, "lilv_state_new_from_file failed");
	if (!loaded) {
		rfx_model_free(m);
		return;
	}
	Host *h2 = host_new(threaded);
	const LV2_Feature *rfeat_w[] = {&f_map, &f_unmap, &f_log, &h2->f_schedule, NULL};
	const LV2_Feature *rfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	log_clear();
	lilv_state_restore(loaded, h2->inst, set_port_value, h2, 0, restore_worker ? rfeat_w : rfeat);
	lilv_state_free(loaded);
	RT_CHECK(h2->out_gain == -3.0f, "out_gain restored as %g", h2->out_gain);
	host_activate(h2);
	size_t total = 40000;
	fill_input(sig_in, total, 0.5f);
	nb = run_blocks(h2, total, NULL, threaded);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start == 0, "restored model heard from %ld, not 0 (status %g, log: %s)", start,
		 h2->status, log_text);
	if (start >= 0) {
		expected_output_fade(m, total, start, 1.0f, powf(10.0f, -3.0f / 20.0f), 1.0f, false,
				     sig_exp);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		RT_CHECK(bad == 0, "%zu samples differ from the reference, first at %zu", bad, first);
	}
	h2->notified[0] = '\0';
	float z[1] = {0}, o[1];
	host_run(h2, z, o, 1, NULL, true);
	const char *base = strrchr(model_path, '/');
	size_t nl = strlen(h2->notified), bl = strlen(base);
	RT_CHECK(nl >= bl && !strcmp(h2->notified + nl - bl, base), "restored path '%s'", h2->notified);
	host_free(h2);
	rfx_model_free(m);
}

/* The host drops a worker response (its queue is full): the new model is never heard, and the
 * state saved afterwards must name the model that still plays, not the dropped one. */
void case_dropped_response(bool threaded)
{
	char name[128];
	snprintf(name, sizeof name, "a dropped worker response: the state keeps the playing model (%s)",
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	char path_a[600], path_b[600], state_dir[600], state_file[700];
	snprintf(path_a, sizeof path_a, "%s/kept-model-%d.json", dir, threaded);
	snprintf(path_b, sizeof path_b, "%s/dropped-model-%d.json", dir, threaded);
	snprintf(state_dir, sizeof state_dir, "%s/state-drop-%d", dir, threaded);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	write_model(path_a, RFX_CELL_GRU, 8, 1, 21, RATE);
	write_model(path_b, RFX_CELL_GRU, 8, 1, 22, RATE);
	Host *h = host_new(threaded);
	host_activate(h);
	fill_input(sig_in, 20000, 0.5f);
	int nb = run_blocks(h, 20000, path_a, threaded);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model A never active");
	worker_wait_idle(h->worker);
	pthread_mutex_lock(&h->worker->lock);
	h->worker->drop_responses = 1;
	pthread_mutex_unlock(&h->worker->lock);
	log_clear();
	run_blocks(h, 20000, path_b, threaded);
	worker_wait_idle(h->worker);
	RT_CHECK(strstr(log_text, "queue is full") != NULL, "no log of the dropped model: %s", log_text);
	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	LilvState *state = lilv_state_new_from_instance(plugin, h->inst, &map, NULL, NULL, state_dir,
							state_dir, get_port_value, h,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
							sfeat);
	RT_CHECK(state != NULL, "lilv_state_new_from_instance failed");
	if (state) {
		RT_CHECK(lilv_state_save(world, &map, &unmap, state, NULL, state_dir, "state.ttl") == 0,
			 "lilv_state_save failed");
		lilv_state_free(state);
		RT_CHECK(file_contains(state_file, "kept-model-"), "the state does not name model A");
		RT_CHECK(!file_contains(state_file, "dropped-model-"),
			 "the state names the model whose response was dropped");
	}
	host_free(h);
}

void case_swaps(bool threaded, int n_swaps)
{
	char name[128];
	snprintf(name, sizeof name, "%d model swaps while running (%s worker)", n_swaps,
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *mc = load_model(path_c);
	Host *h = host_new(threaded);
	host_activate(h);
	const char *paths[] = {path_a, path_b, path_a, path_bad, path_b};
	float buf[300];
	size_t nonfinite = 0;
	for (int s = 0; s < n_swaps; ++s) {
		const char *p = paths[rt_rand_u64(&rng) % 5];
		int blocks = 1 + (int)(rt_rand_u64(&rng) % 3);
		for (int b = 0; b < blocks; ++b) {
			uint32_t n = random_block(256);
			fill_input(buf, n, 0.5f);
			host_run(h, buf, buf, n, b == 0 ? p : NULL, false); /* in place */
			for (uint32_t i = 0; i < n; ++i)
				nonfinite += !isfinite(buf[i]);
		}
	}
	RT_CHECK(nonfinite == 0, "%zu non-finite output samples", nonfinite);
	/* Settle: every job done, then one more good load (the last random request may have been
	 * the broken file, or, on a loaded machine, a request the full worker queue turned away:
	 * both rightly leave status 2), every fade over, then model C (a 44.1 kHz model:
	 * resampled, status 3). */
	worker_wait_idle(h->worker);
	host_run(h, sig_in, sig_out, 64, path_a, false);
	worker_wait_idle(h->worker);
	host_run(h, sig_in, sig_out, 4096, NULL, false);
	worker_wait_idle(h->worker);
	host_run(h, sig_in, sig_out, 4096, NULL, false);
	RT_CHECK(h->status == 1.0f, "status %g after the swaps", h->status);
	size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, path_c, threaded);
	long start = first_with_status(nb, 3.0f);
	RT_CHECK(start >= 0, "model C never active");
	if (start >= 0) {
		RfxRateStream *rs = ref_rate_stream(mc, RATE);
		rfx_rate_process(rs, sig_in + start, sig_exp + start, (uint32_t)(total - (size_t)start));
		rfx_rate_destroy(rs);
		size_t from = (size_t)start + rfx_plugin_fade_len(RATE, RFX_PLUGIN_SWAP_FADE_S);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, from, total, &first);
		RT_CHECK(bad == 0, "after the last swap's fade: %zu differ, first at %zu", bad, first);
	}
	host_free(h);
	rfx_model_free(mc);
}

/* A 48 kHz model in a 44.1 kHz host: resampled (status 3), the latency port says how much, and
 * the output is the rate stream's, bit for bit (full wet, 0 dB), after the identity -> model fade.
 * Then the dry path: at mix 0 the output is the input delayed by exactly that latency. */
void case_resampling(bool threaded)
{
	const double host_rate = 44100.0;
	char name[128];
	snprintf(name, sizeof name, "48 kHz model at 44.1 kHz: status 3, latency, bit-exact with "
		 "RfxRateStream (%s worker)", threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *m = load_model(path_a);
	Host *h = host_new_at(threaded, host_rate);
	host_activate(h);
	size_t total = 40000;
	fill_input(sig_in, total, 0.8f);
	int nb = run_blocks(h, total, path_a, threaded);
	long start = first_with_status(nb, 3.0f);
	RT_CHECK(start >= 0, "the model never ran resampled (last status %g)", h->status);
	RT_CHECK(h->model_rate == 48000.0f, "model_rate %g", h->model_rate);
	RfxRateStream *rs = ref_rate_stream(m, host_rate);
	const uint32_t L = rfx_rate_latency(rs);
	RT_CHECK(L > 0 && h->latency == (float)L, "latency port %g, rfx_rate_latency %u", h->latency,
		 L);
	if (start >= 0) {
		const unsigned fade = rfx_plugin_fade_len(host_rate, RFX_PLUGIN_SWAP_FADE_S);
		const float inv = 1.0f / (float)fade;
		for (size_t i = 0; i < total; ++i) {
			float x = sig_in[i], wet = x;
			if ((long)i >= start) {
				float r;
				rfx_rate_process(rs, &x, &r, 1);
				size_t pos = i - (size_t)start;
				wet = pos < fade ? x + (float)pos * inv * (r - x) : r;
			}
			sig_exp[i] = wet;
		}
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		RT_CHECK(bad == 0, "%zu of %zu differ (model heard from %ld), first at %zu", bad, total,
			 start, first);
	}
	/* Dry only: the input L samples late, so a host that compensates L keeps it aligned. */
	h->mix = 0.0f;
	size_t more = 20000;
	fill_input(sig_in + total, more, 0.5f);
	for (size_t pos = total; pos < total + more;) {
		uint32_t n = random_block(512);
		if (n > total + more - pos)
			n = (uint32_t)(total + more - pos);
		host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
		pos += n;
	}
	/* The mix smoother snaps to 0 once within 1e-5 of it: after ln(1e5) = 11.5 time constants;
	 * 14 leaves room. */
	const size_t settle = (size_t)(14 * RFX_PLUGIN_SMOOTH_S * host_rate);
	size_t bad = 0;
	for (size_t i = total + settle; i < total + more; ++i)
		bad += sig_out[i] != sig_in[i - L];
	RT_CHECK(settle < more && bad == 0, "mix 0: %zu samples are not the input delayed by %u", bad,
		 L);
	/* Still at mix 0, swap to a model at the host's rate (latency 0): the dry path must glide
	 * from the old delay to the new one with the swap's fade, not jump. On a 100 Hz sine of 0.5
	 * a jump of L = 95 samples is a step of about 0.6; the glide adds at most 0.6 / fade
	 * (~5e-4) to the sine's own largest step (~7e-3), so 0.02 tells them apart. */
	const size_t glide = 30000;
	const size_t base = total + more;
	for (size_t i = 0; i < glide; ++i)
		sig_in[base + i] = 0.5f * sinf(2.0f * (float)M_PI * 100.0f * (float)(base + i) / 44100.0f);
	float worst = 0.0f;
	/* The first 2000 samples fill the delay line with the sine (no swap yet), so every step
	 * checked after them is the sine's or the glide's. */
	const size_t swap_at = base + 2000;
	bool asked = false;
	for (size_t pos = base; pos < base + glide;) {
		uint32_t n = random_block(512);
		if (n > base + glide - pos)
			n = (uint32_t)(base + glide - pos);
		const bool ask = !asked && pos >= swap_at;
		host_run(h, sig_in + pos, sig_out + pos, n, ask ? path_c : NULL, false);
		if (ask && threaded)
			worker_wait_idle(h->worker);
		asked |= ask;
		pos += n;
	}
	for (size_t i = base + 1000; i < base + glide; ++i)
		worst = fmaxf(worst, fabsf(sig_out[i] - sig_out[i - 1]));
	RT_CHECK(h->latency == 0.0f, "latency %g after the swap to a 44.1 kHz model", h->latency);
	RT_CHECK(worst < 0.02f, "mix 0, swap to latency 0: largest step %g (a jump)", worst);
	rfx_rate_destroy(rs);
	host_free(h);
	rfx_model_free(m);
}

void case_nonfinite_bypass(void)
{
	rt_case("NaN/Inf input, bypass cross-fade, in-place");
	RfxModel *m = load_model(path_a);
	Host *h = host_new(false);
	h->enabled = 0.0f;
	host_activate(h);
	size_t total = 6000;
	fill_input(sig_in, total, 0.5f);
	sig_in[10] = NAN;
	sig_in[500] = INFINITY;
	sig_in[3000] = -INFINITY;
	memcpy(sig_out, sig_in, total * sizeof(float));
	/* The synchronous worker's response arrives after this run(); the model is adopted (while
	 * bypassed: at once, no fade) at the start of the next. */
	host_run(h, sig_out, sig_out, (uint32_t)total - 100, path_a, false);
	host_run(h, sig_out + total - 100, sig_out + total - 100, 100, NULL, false);
	RT_CHECK(h->status == 1.0f, "status %g", h->status);
	size_t bad = 0;
	for (size_t i = 0; i < total; ++i) {
		float x = isfinite(sig_in[i]) ? sig_in[i] : 0.0f;
		bad += sig_out[i] != x;
	}
	RT_CHECK(bad == 0, "bypassed: %zu samples are not the (sanitised) input", bad);

	/* Enable: the model (its state as the worker left it) fades in over the bypass time. */
	h->enabled = 1.0f;
	fill_input(sig_in, total, 0.5f);
	for (size_t i = 7; i < total; i += 997)
		sig_in[i] = (i / 997) % 2 ? NAN : INFINITY;
	memcpy(sig_out, sig_in, total * sizeof(float));
	size_t pos = 0;
	while (pos < total) {
		uint32_t n = random_block(700);
		if (n > total - pos)
			n = (uint32_t)(total - pos);
		host_run(h, sig_out + pos, sig_out + pos, n, NULL, false);
		pos += n;
	}
	size_t nonfinite = 0;
	for (size_t i = 0; i < total; ++i)
		nonfinite += !isfinite(sig_out[i]);
	RT_CHECK(nonfinite == 0, "%zu non-finite outputs", nonfinite);
	RfxStream *st = ref_stream(m);
	for (size_t i = 0; i < total; ++i) {
		float x = isfinite(sig_in[i]) ? sig_in[i] : 0.0f;
		rfx_stream_process(st, &x, &sig_exp[i], 1);
	}
	rfx_stream_destroy(st);
	size_t from = rfx_plugin_fade_len(RATE, RFX_PLUGIN_BYPASS_FADE_S), first;
	bad = count_mismatch(sig_out, sig_exp, from, total, &first);
	RT_CHECK(bad == 0, "after the bypass fade: %zu differ, first at %zu", bad, first);
	/* Click-free: no step in the fade larger than the signal's own steps allow. */
	float maxstep = 0.0f;
	for (size_t i = 1; i < from; ++i) {
		float d = fabsf(sig_out[i] - sig_out[i - 1]);
		maxstep = d > maxstep ? d : maxstep;
	}
	RT_CHECK(maxstep < 2.5f, "step %g during the bypass fade", maxstep);
	host_free(h);
	rfx_model_free(m);
}
