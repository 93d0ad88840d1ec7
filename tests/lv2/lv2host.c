/* lv2host — a small lilv host that tests the rnnfx plugins (effect and classifier) through their
 * LV2 interface. The host itself is host.c (host.h); the cases live in cases_effect.c,
 * cases_classifier.c and cases_state.c, and main() below runs them in order.
 *
 *   LV2_PATH=<folder holding rnnfx.lv2>:/usr/lib/lv2 lv2host WORKDIR
 *
 * It provides urid:map/unmap, log:log (captured), options, and the worker in two modes:
 * threaded (a worker thread, responses delivered after run() as jalv does) and synchronous (work()
 * runs inside schedule_work(), as Ardour does when exporting). Cases:
 *
 *   - no model: the wet path is the identity, output == input exactly;
 *   - patch:Set of a model: output equals the dsp library's offline output bit for bit (the
 *     reference is rfx_stream_process on a fresh stream that ran RFX_PLUGIN_PRERUN zeros, as the
 *     plugin's worker does; the 30 ms fade from the identity is replayed with the plugin's float
 *     formula, so the whole signal is compared with ==, at random block sizes including 0);
 *   - gains and mix set from the first block: the same, through the documented signal path;
 *   - patch:Get answered on the notify port; broken and missing files keep the old model running
 *     and set status 2 with a log:log message; a model at another rate gives status 3;
 *   - a 48 kHz model in a 44.1 kHz host: status 3 (resampling), the latency port equals
 *     rfx_rate_latency, the output equals RfxRateStream's bit for bit (both worker modes), and at
 *     mix 0 the output is the input delayed by exactly that latency;
 *   - state: lilv saves to a folder, the model file is deleted, a new instance restores (with the
 *     worker and without) and gives the reference output; the same with metadata and classifier
 *     labels full of backslashes, tabs, newlines, quotes, """ and UTF-8 (the file must read back,
 *     the embedded model, read through lilv by a stand-in instance, must keep the name and labels
 *     byte for byte); a model with 1 MB of metadata gives a small embedded model; a state saved the
 *     old way (JSON text under rnnfx:modelData) still restores;
 *   - patch:Set of a path over 2047 bytes or of a relative one: status 2, the reason in the log,
 *     the model keeps running exactly; a path of exactly 2047 bytes loads;
 *   - a 1 MHz model at 192 kHz: model_rate reads 1000000, inside both plugins' TTL range;
 *   - restore() of a state whose model cannot be used (missing, broken, the other kind, a relative
 *     path, a wrong atom type, not base64): LV2_STATE_ERR_UNKNOWN or ERR_BAD_TYPE, the reason in
 *     the log, status 2 (the classifier: 4 for an effect model), and both plugins keep running the
 *     old model exactly (compared with a twin instance that never saw the state);
 *   - 1000 model swaps while running blocks, both worker modes, ending on a resampled model
 *     compared with RfxRateStream;
 *   - NaN/Inf input, in-place buffers, bypass;
 *   - classifier (a hand-made 2-class RNN, H = 2: class 0 on silence, class 1 on a loud signal),
 *     both worker modes: audio out == audio in bit for bit (NaN/Inf included, in place and not);
 *     class, confidence and p0..p7 at every block end equal the dsp stream's probabilities
 *     replayed through the one-pole smoothing and the threshold rule (==); the class switches
 *     within 50 ms of silence -> loud sine and 100 ms of loud -> silence; the MIDI events equal
 *     the replay's and are well formed (3 bytes, note on/off, frames inside the block and in
 *     order, paired); labels on notify after a load and on patch:Get; an effect model (status 4),
 *     a 44.1 kHz classifier (status 3) and a missing file (status 2) are refused with a log
 *     message while the classifier keeps running exactly; a swap ends the sounding note at its
 *     first frame; bypass and deactivate end it too; state save/restore (with and without a
 *     worker, model file deleted) gives the same ports and MIDI;
 *   - zero allocations and frees on the audio thread (run() and work_response()), counted by
 *     a malloc interposer (not in the ASan build, whose allocator cannot be interposed).
 */
#include "host.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: LV2_PATH=... lv2host WORKDIR\n");
		return 2;
	}
	/* A plugin that blocks (on a FIFO, say) ends the run with SIGALRM instead of hanging it. */
	alarm(300);
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(dir, 0755);
	rng = rt_seed();
	options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_PARAMETERS__sampleRate),
					  sizeof(float), map_uri(NULL, LV2_ATOM__Float), &opt_rate};
	options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_BUF_SIZE__maxBlockLength),
					  sizeof(int32_t), map_uri(NULL, LV2_ATOM__Int), &opt_block};
	options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};

	snprintf(path_a, sizeof path_a, "%s/a.json", dir);
	snprintf(path_b, sizeof path_b, "%s/b.json", dir);
	snprintf(path_c, sizeof path_c, "%s/c-44k.json", dir);
	snprintf(path_slow, sizeof path_slow, "%s/slow.json", dir);
	snprintf(path_bad, sizeof path_bad, "%s/broken.json", dir);
	snprintf(path_missing, sizeof path_missing, "%s/no-such-model.json", dir);
	snprintf(path_cls, sizeof path_cls, "%s/classifier.json", dir);
	/* A FIFO named as the model: opening it for reading would block until a writer came. */
	snprintf(path_fifo, sizeof path_fifo, "%s/model.fifo", dir);
	RT_CHECK(mkfifo(path_fifo, 0644) == 0 || errno == EEXIST, "mkfifo %s", path_fifo);
	write_model(path_a, RFX_CELL_GRU, 8, 1, 1, RATE);
	write_model(path_b, RFX_CELL_LSTM, 16, 2, 2, RATE);
	write_model(path_c, RFX_CELL_RNN, 6, 1, 3, 44100.0);
	write_model(path_slow, RFX_CELL_GRU, 4, 1, 4, 44100.0);
	write_text(path_bad, "{\"format\": \"rnnfx-model\", \"version\": 1, \"cell\": \"gru\"");
	{
		RfxModelSpec spec = {0};
		spec.cell = RFX_CELL_GRU;
		spec.n_layers = 1;
		spec.n_inputs = 1;
		spec.hidden = 4;
		spec.mode = RFX_MODE_CLASSIFIER;
		spec.n_outputs = 3;
		spec.sample_rate = RATE;
		RfxModel *m = NULL;
		char detail[256];
		if (rfx_model_new(&spec, &m) != RFX_OK ||
		    rfx_model_save_file(m, path_cls, detail, sizeof detail) != RFX_OK)
			abort();
		rfx_model_free(m);
	}

	snprintf(path_cls_known, sizeof path_cls_known, "%s/energy-classifier.json", dir);
	snprintf(path_cls_44k, sizeof path_cls_44k, "%s/energy-classifier-44k.json", dir);
	write_energy_classifier(path_cls_known, RATE);
	write_energy_classifier(path_cls_44k, 44100.0);

	world = lilv_world_new();
	lilv_world_load_all(world);
	LilvNode *uri = lilv_new_uri(world, RFX_PLUGIN_URI);
	plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
	lilv_node_free(uri);
	uri = lilv_new_uri(world, RFX_CLASSIFIER_URI);
	cls_plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
	lilv_node_free(uri);
	if (!plugin || !cls_plugin) {
		fprintf(stderr, "lv2host: %s not found through LV2_PATH=%s\n", RFX_PLUGIN_URI,
			getenv("LV2_PATH") ? getenv("LV2_PATH") : "(unset)");
		printf("0 passed, 1 failed\n");
		return 1;
	}

	case_no_model();
	case_exact(false, 0.0f, 0.0f, 1.0f, "patch:Set, synchronous worker: bit-exact with the dsp stream");
	case_exact(true, 0.0f, 0.0f, 1.0f, "patch:Set, threaded worker: bit-exact with the dsp stream");
	case_exact(true, -6.0f, 3.5f, 0.25f, "gains -6/+3.5 dB, mix 0.25 from the first block: exact");
	case_get_broken_rate();
	case_activate_mid_swap();
	case_knobs();
	case_state(false, true);
	case_state(true, true);
	case_state(false, false);
	case_dropped_response(true);
	case_dropped_response(false);
	case_nonfinite_bypass();
	case_resampling(false);
	case_resampling(true);
	case_swaps(true, 1000);
	case_swaps(false, 1000);
	case_classifier(false);
	case_classifier(true);
	case_classifier_state(true);
	case_classifier_state(false);
	case_onset();
	case_state_hostile(true);
	case_state_hostile(false);
	case_classifier_state_hostile(true);
	case_classifier_state_hostile(false);
	case_state_small();
	case_state_old_key(true);
	case_state_old_key(false);
	case_refused_paths(true);
	case_refused_paths(false);
	case_model_rate_range();
	case_restore_fails(false);
	case_restore_fails(true);

#ifdef COUNT_ALLOCS
	rt_case("no allocation or free on the audio thread (run, work_response)");
	RT_CHECK(audio_allocs == 0 && audio_frees == 0, "%ld allocations, %ld frees", audio_allocs,
		 audio_frees);
	printf("audio-thread allocations: %ld, frees: %ld\n", audio_allocs, audio_frees);
#endif
	lilv_world_free(world);
	for (size_t i = 0; i < n_uris; ++i)
		free(uri_table[i]);
	free(uri_table);
	return rt_finish();
}
