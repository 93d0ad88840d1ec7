/* lv2host case of the classifier plugin's onset mode (an onset model, e.g. drum hits): the MIDI it
 * sends, event by event, against the dsp library's stream and onset detector replayed offline. */
#include "host.h"

/* The energy classifier of cases_classifier.c as an onset model: output 1 ("kick") rises on a loud
 * signal, output 0 ("quiet") on silence; notes from the file: kick 36, quiet 77. */
static RfxModel *make_energy_onsets(double rate)
{
	RfxModel *m = make_energy_classifier(rate);
	m->spec.mode = RFX_MODE_ONSET; /* the same tensors; sigmoid outputs */
	const float hw[] = { 0.0f, 0.0f, -10.0f, -10.0f }, hb[] = { 0.0f, 15.0f };
	float *w = rfx_model_tensor(m, "head.weight")->data, *b = rfx_model_tensor(m, "head.bias")->data;
	for (int i = 0; i < 4; ++i) /* output 0 = minus output 1 */
		w[i] = i < 2 ? -hw[2 + i] : hw[i];
	b[0] = -hb[1];
	b[1] = hb[1];
	snprintf(m->labels[0], RFX_MAX_LABEL, "quiet");
	snprintf(m->labels[1], RFX_MAX_LABEL, "kick");
	m->notes[0] = 77;
	m->notes[1] = 36;
	m->has_notes = 1;
	return m;
}

typedef struct {
	uint64_t frame;
	uint8_t status, note, vel;
} Ev;

#define MAX_EV 4096
static Ev got[MAX_EV], want[MAX_EV];

/* Hits every 200 ms: 20 ms of noise at -6 dBFS, one at -80 dBFS (under the gate). */
static size_t fill_hits(size_t n)
{
	uint64_t r = rt_seed();
	memset(sig_in, 0, n * sizeof(float));
	size_t hits = 0;
	for (size_t t = 4800; t + 960 < n; t += 9600, hits++)
		for (size_t i = 0; i < 960; ++i)
			sig_in[t + i] = (hits == 3 ? 1e-4f : 0.5f) * rt_rand_uniform(&r, -1.0f, 1.0f);
	return hits;
}

/* The plugin's MIDI replayed: the stream (settled on RFX_PLUGIN_PRERUN zeros), the detector with
 * the plugin's settings, note-offs after `len` frames or at the class's next note-on. */
static size_t replay(const RfxModel *m, size_t from, size_t n, float thr, float gate, uint32_t len)
{
	RfxStream *st = NULL;
	if (rfx_stream_create(m, &st) != RFX_OK)
		abort();
	static float z[RFX_PLUGIN_PRERUN], pz[RFX_PLUGIN_PRERUN * 2], p[(1 << 17) * 2];
	rfx_stream_process(st, z, pz, RFX_PLUGIN_PRERUN);
	rfx_stream_process(st, sig_in + from, p, (uint32_t)(n - from));
	rfx_stream_destroy(st);
	RfxOnsetConfig c = rfx_onset_config_default();
	c.threshold = thr;
	c.release = thr / 2;
	c.gate_db = gate;
	RfxOnsetDetector d;
	rfx_onset_init(&d, 2, RATE, &c);
	static RfxOnsetEvent ev[MAX_EV];
	const int ne = rfx_onset_process(&d, sig_in + from, p, (uint32_t)(n - from), ev, MAX_EV);
	size_t nw = 0;
	uint64_t off_at[2] = { 0, 0 };
	bool on[2] = { false, false };
	for (int e = 0; e <= ne; ++e) {
		const uint64_t at = e < ne ? from + ev[e].frame : n;
		for (int k = 0; k < 2; ++k) /* offs due before this hit (or the end) */
			if (on[k] && off_at[k] < at + (e < ne) && off_at[k] < n && nw < MAX_EV) {
				want[nw++] = (Ev){ off_at[k], 0x89, (uint8_t)m->notes[k], 0 };
				on[k] = false;
			}
		if (e == ne)
			break;
		const int k = ev[e].cls;
		if (on[k] && nw < MAX_EV)
			want[nw++] = (Ev){ at, 0x89, (uint8_t)m->notes[k], 0 };
		if (nw < MAX_EV)
			want[nw++] = (Ev){ at, 0x99, (uint8_t)m->notes[k], (uint8_t)ev[e].velocity };
		on[k] = true;
		off_at[k] = at + len;
	}
	return nw;
}

static int ev_cmp(const void *a, const void *b)
{
	const Ev *x = a, *y = b;
	if (x->frame != y->frame)
		return x->frame < y->frame ? -1 : 1;
	return (int)x->status - (int)y->status; /* an off (0x89) before an on (0x99) */
}

void case_onset(void)
{
	rt_case("onset model: a note per hit on channel 10 at its detection frame, the model's notes, "
		"velocity from the level, off after the note length, none under the gate, any blocks");
	char path[700];
	snprintf(path, sizeof path, "%.*s/energy-onsets.json",
		 (int)(strrchr(path_cls_known, '/') - path_cls_known), path_cls_known);
	RfxModel *m = make_energy_onsets(RATE);
	save_model(m, path);
	Host *h = host_new_cls(false, RATE);
	host_activate(h);
	const size_t n = 96000, hits = fill_hits(n);
	size_t ng = 0, pos = 0, start = SIZE_MAX;
	bool first = true, order_ok = true;
	while (pos < n) {
		uint32_t len = random_block(1024);
		len = len < n - pos ? len : (uint32_t)(n - pos);
		host_run(h, sig_in + pos, sig_out + pos, len, first ? path : NULL, false);
		if (h->status == 1.0f && start == SIZE_MAX)
			start = pos;
		const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)h->midi;
		int64_t last = -1;
		LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
			const uint8_t *b = LV2_ATOM_BODY_CONST(&ev->body);
			order_ok = order_ok && ev->time.frames >= last && ev->time.frames < (int64_t)len;
			last = ev->time.frames;
			if (ng < MAX_EV && ev->body.size == 3)
				got[ng++] = (Ev){ pos + (uint64_t)ev->time.frames, b[0], b[1], b[2] };
		}
		first = false;
		pos += len;
	}
	/* The load is answered in the second block: the model runs from its start, before any hit. */
	RT_CHECK(start < 4800, "the onset model ran from frame %zu (status %g)", start, h->status);
	RT_CHECK(order_ok, "MIDI events out of order or outside their block");
	RT_CHECK(memcmp(sig_out, sig_in, n * sizeof(float)) == 0, "audio changed");
	const uint32_t note_len = (uint32_t)(RFX_CLS_DEFAULT_NOTE_LENGTH_MS * 0.001 * RATE + 0.5);
	const size_t nw = replay(m, start == SIZE_MAX ? 0 : start, n, RFX_CLS_DEFAULT_THRESHOLD,
				 RFX_CLS_DEFAULT_GATE_DB, note_len);
	qsort(got, ng, sizeof *got, ev_cmp);
	qsort(want, nw, sizeof *want, ev_cmp);
	RT_CHECK(ng == nw && memcmp(got, want, ng * sizeof *got) == 0,
		 "%zu events, the replay %zu; first got %llu %02x %u %u, want %llu %02x %u %u", ng, nw,
		 ng ? (unsigned long long)got[0].frame : 0ULL, ng ? got[0].status : 0,
		 ng ? got[0].note : 0, ng ? got[0].vel : 0,
		 nw ? (unsigned long long)want[0].frame : 0ULL, nw ? want[0].status : 0,
		 nw ? want[0].note : 0, nw ? want[0].vel : 0);
	/* Known behaviour: one kick (36) per loud hit, none for the one under the gate, each within
	 * 10 ms of its hit's first sample (the decision latency as the plugin's MIDI shows it). */
	size_t kicks = 0;
	double worst_ms = 0;
	for (size_t i = 0; i < ng; ++i) {
		if (got[i].status != 0x99 || got[i].note != 36)
			continue;
		kicks++;
		const uint64_t hit = 4800 + (got[i].frame - 4800) / 9600 * 9600; /* the hit before */
		worst_ms = fmax(worst_ms, (double)(got[i].frame - hit) * 1000.0 / RATE);
	}
	RT_CHECK(kicks == hits - 1, "%zu kick notes for %zu hits above the gate", kicks, hits - 1);
	RT_CHECK(worst_ms <= 10.0, "a kick note %.2f ms after its hit", worst_ms);
	printf("onset mode: %zu kick notes for %zu hits above the gate, at most %.2f ms after them\n",
	       kicks, hits - 1, worst_ms);
	RT_CHECK(h->cls_class >= 0.0f, "class port %g after hits", h->cls_class);
	host_free(h);
	rfx_model_free(m);
}
