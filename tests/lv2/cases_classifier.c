/* lv2host cases of the classifier plugin: ports, probabilities and MIDI against a replay of the
 * dsp stream, refusals, swaps, state (lv2host.c lists them). */
#include "host.h"

/* ------------------------------------------------------------------ classifier */
/* A hand-made 2-class classifier (tanh RNN, H = 2) whose behaviour is known: the two units see
 * +8x and -8x on a bias of 1 (self-feedback 0.5), so their sum is about 1.8 on silence and falls
 * towards 0 when |x| is large, whatever its sign; the head gives logit_1 - logit_0 =
 * 15 - 10 (h_a + h_b): class 0 ("silence") on silence, class 1 ("loud,tone") on a loud signal. */
char path_cls_known[600], path_cls_44k[600];

RfxModel *make_energy_classifier(double rate)
{
	RfxModelSpec spec = {0};
	spec.cell = RFX_CELL_RNN;
	spec.n_layers = 1;
	spec.n_inputs = 1;
	spec.hidden = 2;
	spec.mode = RFX_MODE_CLASSIFIER;
	spec.n_outputs = 2;
	spec.sample_rate = rate;
	RfxModel *m = NULL;
	if (rfx_model_new(&spec, &m) != RFX_OK)
		abort();
	const float w_ih[] = {8.0f, -8.0f}, w_hh[] = {0.5f, 0.0f, 0.0f, 0.5f}, b_ih[] = {1.0f, 1.0f},
		    hw[] = {0.0f, 0.0f, -10.0f, -10.0f}, hb[] = {0.0f, 15.0f};
	memcpy(rfx_model_tensor(m, "weight_ih_l0")->data, w_ih, sizeof w_ih);
	memcpy(rfx_model_tensor(m, "weight_hh_l0")->data, w_hh, sizeof w_hh);
	memcpy(rfx_model_tensor(m, "bias_ih_l0")->data, b_ih, sizeof b_ih);
	memcpy(rfx_model_tensor(m, "head.weight")->data, hw, sizeof hw);
	memcpy(rfx_model_tensor(m, "head.bias")->data, hb, sizeof hb);
	snprintf(m->labels[0], RFX_MAX_LABEL, "silence");
	snprintf(m->labels[1], RFX_MAX_LABEL, "loud,tone");
	return m;
}

void write_energy_classifier(const char *path, double rate)
{
	RfxModel *m = make_energy_classifier(rate);
	save_model(m, path);
	rfx_model_free(m);
}

/* The classifier's ports and MIDI as the host saw them, per block. */
typedef struct {
	uint64_t frame; /* absolute sample index */
	uint8_t status, note, vel;
} MidiEv;

#define CLS_MAX_EV 8192
static MidiEv ev_got[CLS_MAX_EV], ev_exp[CLS_MAX_EV];
size_t n_got, n_exp;
static float blk_class[1 << 15], blk_conf[1 << 15], blk_p[1 << 15][RFX_CLS_N_PROB_PORTS];
static bool blk_labels[1 << 15];
static size_t midi_malformed;
static char midi_problem[256];

/* Reads the block's MIDI output: a sequence of 3-byte note on/off events (channel 1) with frames
 * inside the block, in order; appended to ev_got with absolute frames. */
static void collect_midi(Host *h, uint32_t n, uint64_t start)
{
	const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)h->midi;
	if (seq->atom.type != h->uris.atom_Sequence) {
		midi_malformed++;
		snprintf(midi_problem, sizeof midi_problem, "midi_out is not a sequence");
		return;
	}
	int64_t last = -1;
	LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
		const uint8_t *b = LV2_ATOM_BODY_CONST(&ev->body);
		bool ok = ev->body.type == h->uris.midi_MidiEvent && ev->body.size == 3 &&
			  ev->time.frames >= last && ev->time.frames < (int64_t)n &&
			  (b[0] == 0x90 || b[0] == 0x80) && b[1] < 128 && b[2] < 128 &&
			  (b[0] == 0x80 || b[2] >= 1);
		if (!ok) {
			midi_malformed++;
			snprintf(midi_problem, sizeof midi_problem,
				 "event type %u size %u frame %lld (block %u) bytes %02x %02x %02x",
				 ev->body.type, ev->body.size, (long long)ev->time.frames, n, b[0], b[1],
				 b[2]);
			continue;
		}
		last = ev->time.frames;
		if (n_got < CLS_MAX_EV)
			ev_got[n_got++] = (MidiEv){start + (uint64_t)ev->time.frames, b[0], b[1], b[2]};
	}
}

/* Runs sig_in[from, to) through a classifier host in random blocks (in place every other block),
 * the first carrying patch:Set of `path` (when not NULL); records every block's ports and MIDI.
 * Block indices continue from *nb. */
void cls_run(Host *h, size_t from, size_t to, const char *path, bool wait_after_first,
		    int *nb)
{
	size_t pos = from;
	bool first = true;
	while (pos < to || first) {
		uint32_t n = random_block(1024);
		if (n > to - pos)
			n = (uint32_t)(to - pos);
		h->labels[0] = '\0';
		if (*nb % 2) {
			memcpy(sig_out + pos, sig_in + pos, n * sizeof(float));
			host_run(h, sig_out + pos, sig_out + pos, n, first ? path : NULL, false);
		} else {
			host_run(h, sig_in + pos, sig_out + pos, n, first ? path : NULL, false);
		}
		collect_midi(h, n, pos);
		int b = (*nb)++;
		block_start[b] = (uint32_t)pos;
		block_len[b] = n;
		block_status[b] = h->status;
		blk_class[b] = h->cls_class;
		blk_conf[b] = h->confidence;
		memcpy(blk_p[b], h->p, sizeof h->p);
		blk_labels[b] = h->labels[0] != '\0';
		if (first && wait_after_first)
			worker_wait_idle(h->worker);
		first = false;
		pos += n;
	}
}

void clsref_init(ClsRef *r, const RfxModel *m)
{
	memset(r, 0, sizeof *r);
	if (rfx_stream_create(m, &r->st) != RFX_OK)
		abort();
	r->K = m->spec.n_outputs;
	static float z[RFX_PLUGIN_PRERUN], o[RFX_PLUGIN_PRERUN * RFX_MAX_CLASSES];
	rfx_stream_process(r->st, z, o, RFX_PLUGIN_PRERUN);
	r->win = r->sounding = -1;
	r->fresh = true;
}

/* One sample at absolute index t; appends the expected MIDI to ev_exp. */
static void clsref_step(ClsRef *r, uint64_t t, float x, float coef, float thr, int base)
{
	float p[RFX_MAX_CLASSES];
	x = isfinite(x) ? x : 0.0f;
	rfx_stream_process(r->st, &x, p, 1);
	int best = 0;
	for (int k = 0; k < r->K; ++k) {
		r->s[k] = r->fresh ? p[k] : r->s[k] + coef * (p[k] - r->s[k]);
		if (r->s[k] > r->s[best])
			best = k;
	}
	r->fresh = false;
	if (best == r->win || !(r->s[best] > thr))
		return;
	r->win = best;
	if (r->sounding >= 0 && n_exp < CLS_MAX_EV)
		ev_exp[n_exp++] = (MidiEv){t, 0x80, (uint8_t)r->sounding, 0};
	float v = 127.0f * r->s[best] + 0.5f;
	int vel = v >= 127.0f ? 127 : (v >= 1.0f ? (int)v : 1);
	if (n_exp < CLS_MAX_EV)
		ev_exp[n_exp++] = (MidiEv){t, 0x90, (uint8_t)(base + best), (uint8_t)vel};
	r->sounding = base + best;
}

/* Steps the reference over [from, to) and checks the ports of every block b0 <= b < nb that
 * ended inside (from, to] against it. Returns the number of mismatching blocks. */
size_t clsref_check(ClsRef *r, size_t from, size_t to, int b0, int nb, float coef,
			   float thr, int base, float *s_exp, int *win_exp)
{
	for (size_t t = from; t < to; ++t) {
		clsref_step(r, t, sig_in[t], coef, thr, base);
		for (int k = 0; k < 2; ++k)
			s_exp[t * 2 + k] = r->s[k];
		win_exp[t] = r->win;
	}
	size_t bad = 0;
	for (int b = b0; b < nb; ++b) {
		size_t end = (size_t)block_start[b] + block_len[b];
		if (end <= from || end > to)
			continue;
		const size_t t = end - 1;
		bool ok = blk_class[b] == (float)win_exp[t] &&
			  blk_conf[b] == (win_exp[t] >= 0 ? s_exp[t * 2 + (size_t)win_exp[t]] : 0.0f) &&
			  blk_p[b][0] == s_exp[t * 2] && blk_p[b][1] == s_exp[t * 2 + 1];
		for (int k = 2; k < RFX_CLS_N_PROB_PORTS; ++k)
			ok = ok && blk_p[b][k] == 0.0f;
		if (!ok && !bad)
			fprintf(stderr, "block %d (end %zu): class %g conf %.9g p %.9g %.9g, expected %d "
				"%.9g %.9g\n", b, end, blk_class[b], blk_conf[b], blk_p[b][0], blk_p[b][1],
				win_exp[t], s_exp[t * 2], s_exp[t * 2 + 1]);
		bad += !ok;
	}
	return bad;
}

/* The events in ev_got within [from, to) equal ev_exp[e0, n_exp). */
static bool events_match(size_t from, size_t to, size_t e0, size_t *n_in_range)
{
	size_t g = 0, k = e0;
	bool ok = true;
	for (size_t i = 0; i < n_got; ++i) {
		if (ev_got[i].frame < from || ev_got[i].frame >= to)
			continue;
		g++;
		if (k >= n_exp || memcmp(&ev_got[i], &ev_exp[k], sizeof(MidiEv)) != 0) {
			if (ok)
				fprintf(stderr, "event %zu: %llu %02x %u %u, expected %llu %02x %u %u\n", i,
					(unsigned long long)ev_got[i].frame, ev_got[i].status, ev_got[i].note,
					ev_got[i].vel, k < n_exp ? (unsigned long long)ev_exp[k].frame : 0ull,
					k < n_exp ? ev_exp[k].status : 0, k < n_exp ? ev_exp[k].note : 0,
					k < n_exp ? ev_exp[k].vel : 0);
			ok = false;
		}
		k++;
	}
	*n_in_range = g;
	return ok && k == n_exp;
}

/* Every note-on finds nothing sounding, every note-off ends the sounding note, frames in order. */
static bool events_paired(int *sounding_at_end)
{
	int sounding = -1;
	uint64_t last = 0;
	for (size_t i = 0; i < n_got; ++i) {
		const MidiEv *e = &ev_got[i];
		if (e->frame < last)
			return false;
		last = e->frame;
		if (e->status == 0x90) {
			if (sounding >= 0)
				return false;
			sounding = e->note;
		} else {
			if (e->note != sounding)
				return false;
			sounding = -1;
		}
	}
	*sounding_at_end = sounding;
	return true;
}

/* silence, a loud 440 Hz sine with NaN/Inf sprinkled in, silence. */
void fill_cls_signal(size_t n_quiet, size_t n_loud, size_t n_after)
{
	for (size_t i = 0; i < n_quiet; ++i)
		sig_in[i] = 0.0f;
	for (size_t i = 0; i < n_loud; ++i)
		sig_in[n_quiet + i] = 0.5f * sinf(2.0f * (float)M_PI * 440.0f * (float)i / (float)RATE);
	for (size_t i = 997; i < n_loud; i += 997)
		sig_in[n_quiet + i] = (i / 997) % 2 ? NAN : INFINITY;
	for (size_t i = 0; i < n_after; ++i)
		sig_in[n_quiet + n_loud + i] = 0.0f;
}

float cls_s_exp[2 << 17];
int cls_win_exp[1 << 17];

void case_classifier(bool threaded)
{
	char name[200];
	snprintf(name, sizeof name, "classifier (%s): audio exact, ports, switch latency, MIDI, "
		 "labels, refusals, swap, bypass, deactivate", threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *m = load_model(path_cls_known);
	Host *h = host_new_cls(threaded, RATE);
	host_activate(h);
	n_got = n_exp = 0;
	midi_malformed = 0;
	const float coef = rfx_cls_smooth_coef(RATE, h->smoothing);
	const int base = (int)h->base_note;
	const size_t quiet = 12000, loud = 24000, after = 24000, total = quiet + loud + after;
	fill_cls_signal(quiet, loud, after);
	int nb = 0;
	cls_run(h, 0, total, path_cls_known, threaded, &nb);
	RT_CHECK(memcmp(sig_out, sig_in, total * sizeof(float)) == 0,
		 "audio out differs from audio in (bit for bit)");
	RT_CHECK(h->latency == 0.0f, "latency %g", h->latency);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0 && start < (long)quiet, "the classifier never ran (status %g), from %ld",
		 h->status, start);
	if (start < 0) {
		host_free(h);
		rfx_model_free(m);
		return;
	}
	bool announced = false;
	for (int b = 0; b < nb; ++b)
		announced = announced || blk_labels[b];
	RT_CHECK(announced, "no labels on notify after the load");

	ClsRef ref;
	clsref_init(&ref, m);
	size_t bad = clsref_check(&ref, (size_t)start, total, 0, nb, coef, h->threshold, base,
				  cls_s_exp, cls_win_exp);
	RT_CHECK(bad == 0, "%zu blocks' ports differ from the replayed dsp probabilities", bad);
	size_t n_range;
	RT_CHECK(events_match(0, total, 0, &n_range), "MIDI differs from the replay (%zu got, %zu "
		 "expected)", n_range, n_exp);
	/* Known behaviour: class 0 on silence, 1 within 50 ms of the loud onset, 0 again within
	 * 100 ms of its end. */
	size_t t1 = quiet, t0 = quiet + loud;
	while (t1 < total && cls_win_exp[t1] != 1)
		t1++;
	while (t0 < total && cls_win_exp[t0] != 0)
		t0++;
	RT_CHECK(cls_win_exp[quiet - 1] == 0, "class %d on silence", cls_win_exp[quiet - 1]);
	RT_CHECK(t1 - quiet <= (size_t)(0.050 * RATE), "silence -> loud: class 1 after %zu samples",
		 t1 - quiet);
	RT_CHECK(t0 - quiet - loud <= (size_t)(0.100 * RATE), "loud -> silence: class 0 after %zu "
		 "samples", t0 - quiet - loud);
	printf("classifier switch latency: silence->loud %.1f ms, loud->silence %.1f ms; %zu MIDI "
	       "events\n", 1000.0 * (double)(t1 - quiet) / RATE,
	       1000.0 * (double)(t0 - quiet - loud) / RATE, n_got);
	RT_CHECK(blk_class[nb - 1] == 0.0f, "class %g at the end", blk_class[nb - 1]);

	/* patch:Get: the path and the labels (a comma inside a label reads ';'). */
	h->notified[0] = h->labels[0] = '\0';
	float z[1] = {0}, zo[1];
	host_run(h, z, zo, 0, NULL, true);
	RT_CHECK(!strcmp(h->notified, path_cls_known), "patch:Get answered path '%s'", h->notified);
	RT_CHECK(!strcmp(h->labels, "silence,loud;tone"), "labels '%s'", h->labels);

	/* Refusals keep the classifier running: an effect model (status 4), a classifier trained at
	 * 44.1 kHz (status 3), a missing file (status 2). The reference just continues. */
	const char *refused[] = {path_a, path_cls_44k, path_missing};
	const char *logs[] = {"an effect model", "rate mismatch", "cannot load model"};
	const float statuses[] = {4.0f, 3.0f, 2.0f};
	size_t pos = total;
	for (int k = 0; k < 3; ++k) {
		log_clear();
		size_t len = 9000;
		fill_cls_signal(0, k == 1 ? len : 0, k == 1 ? 0 : len);
		memmove(sig_in + pos, sig_in, len * sizeof(float));
		int b0 = nb;
		size_t e0 = n_exp;
		cls_run(h, pos, pos + len, refused[k], true, &nb);
		RT_CHECK(h->status == statuses[k], "status %g after %s", h->status, refused[k]);
		RT_CHECK(log_contains(logs[k]), "log lacks '%s': %s", logs[k], log_text);
		bad = clsref_check(&ref, pos, pos + len, b0, nb, coef, h->threshold, base, cls_s_exp,
				   cls_win_exp);
		RT_CHECK(bad == 0, "after refusing %s: %zu blocks differ", refused[k], bad);
		RT_CHECK(events_match(pos, pos + len, e0, &n_range), "MIDI after refusing %s",
			 refused[k]);
		RT_CHECK(memcmp(sig_out + pos, sig_in + pos, len * sizeof(float)) == 0,
			 "audio not bit-exact");
		pos += len;
	}

	/* Loud, then a swap (the same file again) while class 1 sounds: a note-off at the first
	 * frame the new model runs, then the new model from a fresh start. */
	int sounding = -1;
	{
		size_t len = 6000;
		fill_cls_signal(0, len, 0);
		memmove(sig_in + pos, sig_in, len * sizeof(float));
		cls_run(h, pos, pos + len, NULL, false, &nb);
		pos += len;
		RT_CHECK(h->cls_class == 1.0f, "class %g on the loud part", h->cls_class);
		RT_CHECK(events_paired(&sounding) && sounding == base + 1, "sounding %d", sounding);
		fill_cls_signal(0, len, 0);
		memmove(sig_in + pos, sig_in, len * sizeof(float));
		size_t g0 = n_got;
		int b0 = nb;
		cls_run(h, pos, pos + len, path_cls_known, true, &nb);
		int adopt = -1;
		for (int b = b0; b < nb && adopt < 0; ++b)
			if (blk_labels[b])
				adopt = b;
		while (adopt >= 0 && adopt < nb && block_len[adopt] == 0)
			adopt++;
		RT_CHECK(adopt >= 0 && adopt < nb, "the swap never happened");
		if (adopt >= 0 && adopt < nb) {
			const uint64_t f = block_start[adopt];
			RT_CHECK(g0 < n_got && ev_got[g0].frame == f && ev_got[g0].status == 0x80 &&
					 ev_got[g0].note == base + 1,
				 "no note-off of %d at frame %llu of the swap", base + 1,
				 (unsigned long long)f);
			/* The new model from its fresh start: exact again. */
			ClsRef ref2;
			clsref_init(&ref2, m);
			ref2.sounding = -1;
			n_exp = 0;
			ev_exp[n_exp++] = (MidiEv){f, 0x80, (uint8_t)(base + 1), 0};
			bad = clsref_check(&ref2, (size_t)f, pos + len, adopt, nb, coef, h->threshold,
					   base, cls_s_exp, cls_win_exp);
			RT_CHECK(bad == 0, "after the swap: %zu blocks differ", bad);
			RT_CHECK(events_match(f, pos + len, 0, &n_range), "MIDI after the swap");
			rfx_stream_destroy(ref2.st);
		}
		pos += len;
	}

	/* Bypass: the note ends, class -1, probabilities 0, audio still passes. */
	{
		size_t len = 3000;
		fill_cls_signal(0, 2 * len, 0);
		memmove(sig_in + pos, sig_in, 2 * len * sizeof(float));
		h->enabled = 0.0f;
		cls_run(h, pos, pos + len, NULL, false, &nb);
		RT_CHECK(events_paired(&sounding) && sounding < 0, "a note sounds while bypassed (%d)",
			 sounding);
		RT_CHECK(h->cls_class == -1.0f && h->confidence == 0.0f && h->p[0] == 0.0f &&
				 h->p[1] == 0.0f,
			 "bypassed: class %g confidence %g p %g %g", h->cls_class, h->confidence,
			 h->p[0], h->p[1]);
		RT_CHECK(memcmp(sig_out + pos, sig_in + pos, len * sizeof(float)) == 0,
			 "bypassed audio not bit-exact");
		pos += len;
		h->enabled = 1.0f;
		cls_run(h, pos, pos + len, NULL, false, &nb);
		pos += len;
		RT_CHECK(h->cls_class == 1.0f, "re-enabled: class %g", h->cls_class);
	}
	/* deactivate/activate: the sounding note ends at frame 0 of the next run. */
	RT_CHECK(events_paired(&sounding) && sounding == base + 1, "before deactivate: %d", sounding);
	lilv_instance_deactivate(h->inst);
	lilv_instance_activate(h->inst);
	size_t g0 = n_got;
	cls_run(h, pos, pos + 64, NULL, false, &nb);
	RT_CHECK(g0 < n_got && ev_got[g0].status == 0x80 && ev_got[g0].frame == pos,
		 "no note-off after deactivate");
	pos += 64;
	RT_CHECK(events_paired(&sounding), "MIDI not paired");
	RT_CHECK(midi_malformed == 0, "%zu malformed MIDI events: %s", midi_malformed, midi_problem);
	rfx_stream_destroy(ref.st);
	host_free(h);
	rfx_model_free(m);
}

void case_classifier_state(bool restore_worker)
{
	char name[160];
	snprintf(name, sizeof name, "classifier state: save, delete the model file, restore (%s): the "
		 "same ports and MIDI", restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/cls-state-%d.json", dir, restore_worker);
	snprintf(state_dir, sizeof state_dir, "%s/cls-state-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	write_energy_classifier(model_path, RATE);
	RfxModel *m = load_model(model_path);

	Host *h1 = host_new_cls(true, RATE);
	h1->threshold = 0.7f;
	h1->smoothing = 5.0f;
	h1->base_note = 36.0f;
	host_activate(h1);
	fill_cls_signal(2000, 2000, 2000);
	int nb = 0;
	n_got = n_exp = 0;
	cls_run(h1, 0, 6000, model_path, true, &nb);
	RT_CHECK(h1->status == 1.0f, "status %g", h1->status);
	worker_wait_idle(h1->worker);
	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	LilvState *state = lilv_state_new_from_instance(cls_plugin, h1->inst, &map, NULL, NULL,
							state_dir, state_dir, get_port_value, h1,
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
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	LilvState *loaded = lilv_state_new_from_file(world, &map, NULL, state_file);
	RT_CHECK(loaded != NULL, "lilv_state_new_from_file failed");
	if (!loaded) {
		rfx_model_free(m);
		return;
	}
	Host *h2 = host_new_cls(true, RATE);
	const LV2_Feature *rfeat_w[] = {&f_map, &f_unmap, &f_log, &h2->f_schedule, NULL};
	const LV2_Feature *rfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	lilv_state_restore(loaded, h2->inst, set_port_value, h2, 0, restore_worker ? rfeat_w : rfeat);
	lilv_state_free(loaded);
	RT_CHECK(h2->threshold == 0.7f && h2->smoothing == 5.0f && h2->base_note == 36.0f,
		 "controls restored as %g %g %g", h2->threshold, h2->smoothing, h2->base_note);
	host_activate(h2);
	if (restore_worker)
		worker_wait_idle(h2->worker);
	const size_t total = 30000;
	fill_cls_signal(5000, 15000, 10000);
	nb = 0;
	n_got = n_exp = 0;
	cls_run(h2, 0, total, NULL, false, &nb);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "restored classifier never active (status %g, log: %s)", h2->status,
		 log_text);
	if (start >= 0) {
		ClsRef ref;
		clsref_init(&ref, m);
		size_t bad = clsref_check(&ref, (size_t)start, total, 0, nb,
					  rfx_cls_smooth_coef(RATE, 5.0f), 0.7f, 36, cls_s_exp,
					  cls_win_exp);
		RT_CHECK(bad == 0, "%zu blocks differ from the reference", bad);
		size_t n_range;
		RT_CHECK(events_match(0, total, 0, &n_range) && n_range >= 3,
			 "MIDI differs from the reference (%zu events)", n_range);
		rfx_stream_destroy(ref.st);
	}
	host_free(h2);
	rfx_model_free(m);
}
