/* lv2host cases of what lilv stores: the embedded model, hostile strings, a small state, the old
 * key, refused paths, the model_rate range, restore() that fails. */
#include "host.h"

/* ------------------------------------------------------------------ state: what lilv stores */
/* The state key the plugin stores its model under: base64 (RFC 4648) of the model's JSON text, so
 * no character of the model (labels, name) meets Turtle's escaping. The old key, the JSON text
 * itself, is still read. */
#define KEY_MODEL_BASE64 "https://rnnfx.org/plugins/rnnfx#modelBase64"
#define KEY_MODEL_DATA_OLD "https://rnnfx.org/plugins/rnnfx#modelData"

/* A stand-in instance for lilv's state API: restore() records one property as lilv hands it over
 * (what a host read back from state.ttl), save() stores the properties it is given (a state as an
 * earlier plugin version wrote it). */
typedef struct {
	const char *key;      /* restore: the property to record */
	char *value;          /* restore: a copy of its value, NUL added; NULL when absent */
	size_t size;
	uint32_t type;
	const char *save_key; /* save: one string property to store */
	const char *save_value;
} Probe;

static LV2_State_Status probe_save(LV2_Handle instance, LV2_State_Store_Function store,
				   LV2_State_Handle handle, uint32_t flags,
				   const LV2_Feature *const *features)
{
	(void)flags;
	(void)features;
	Probe *p = instance;
	if (!p->save_key)
		return LV2_STATE_SUCCESS;
	return store(handle, map_uri(NULL, p->save_key), p->save_value, strlen(p->save_value) + 1,
		     map_uri(NULL, LV2_ATOM__String), LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

static LV2_State_Status probe_restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
				      LV2_State_Handle handle, uint32_t flags,
				      const LV2_Feature *const *features)
{
	(void)flags;
	(void)features;
	Probe *p = instance;
	size_t size = 0;
	uint32_t type = 0, vflags = 0;
	const void *v = retrieve(handle, map_uri(NULL, p->key), &size, &type, &vflags);
	free(p->value);
	p->value = NULL;
	p->size = 0;
	p->type = type;
	if (v) {
		p->value = malloc(size + 1);
		memcpy(p->value, v, size);
		p->value[size] = '\0';
		p->size = size;
	}
	return LV2_STATE_SUCCESS;
}

static const void *probe_extension_data(const char *uri)
{
	static const LV2_State_Interface iface = {probe_save, probe_restore};
	return !strcmp(uri, LV2_STATE__interface) ? &iface : NULL;
}

static const LV2_Descriptor probe_descriptor = {
	RFX_PLUGIN_URI, NULL, NULL, NULL, NULL, NULL, NULL, probe_extension_data,
};

/* The value of `key` in the state file, as lilv gives it to a plugin's restore(). */
static bool probe_read(const char *state_file, const char *key, Probe *p)
{
	LilvState *st = lilv_state_new_from_file(world, &map, NULL, state_file);
	if (!st)
		return false;
	memset(p, 0, sizeof *p);
	p->key = key;
	LilvInstance inst = {&probe_descriptor, p, NULL};
	lilv_state_restore(st, &inst, NULL, NULL, 0, NULL);
	lilv_state_free(st);
	return true;
}

/* RFC 4648 base64, strict: the alphabet, '=' padding only at the end, length a multiple of 4.
 * Returns a malloc'd NUL-terminated copy of the bytes, or NULL. */
static char *b64_decode(const char *s, size_t n, size_t *out_len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n % 4)
		return NULL;
	char *out = malloc(n / 4 * 3 + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (int k = 0; k < 4; ++k) {
			const char c = s[i + (size_t)k];
			const char *at = c ? strchr(al, c) : NULL;
			if (c == '=' && i + 4 == n && k >= 2 && (k == 3 || s[i + 3] == '='))
				pad++;
			else if (!at || pad) {
				free(out);
				return NULL;
			}
			v = v << 6 | (uint32_t)(at ? at - al : 0);
		}
		out[len++] = (char)(v >> 16);
		if (pad < 2)
			out[len++] = (char)(v >> 8 & 0xff);
		if (pad < 1)
			out[len++] = (char)(v & 0xff);
	}
	out[len] = '\0';
	*out_len = len;
	return out;
}

/* The model the plugin embedded in a saved state.ttl (checked to be base64 in an atom:String),
 * or NULL; *stored = the stored value's size in bytes. */
static RfxModel *embedded_model(const char *state_file, size_t *stored)
{
	Probe p;
	*stored = 0;
	if (!probe_read(state_file, KEY_MODEL_BASE64, &p) || !p.value)
		return NULL;
	*stored = p.size;
	RfxModel *m = NULL;
	size_t len = 0;
	char *json = p.type == map_uri(NULL, LV2_ATOM__String) && p.size > 0
			     ? b64_decode(p.value, strlen(p.value), &len)
			     : NULL;
	char detail[256];
	if (json && rfx_model_load_string(json, len, &m, detail, sizeof detail) != RFX_OK)
		fprintf(stderr, "lv2host: the embedded model does not load: %s\n", detail);
	free(json);
	free(p.value);
	return m;
}

/* Runs sig_in through a freshly restored effect h and compares with model m heard from the first
 * block whose status is 1 (from 0 when restored without a worker). */
static void check_restored_effect(Host *h, const RfxModel *m, bool restore_worker, float out_db)
{
	host_activate(h);
	size_t total = 30000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, NULL, h->worker->threaded);
	long start = first_with_status(nb, 1.0f);
	(void)restore_worker; /* restore() loads in its caller's thread either way */
	RT_CHECK(start == 0, "restored model heard from %ld, not 0 (status %g, log: %s)", start,
		 h->status, log_text);
	if (start >= 0) {
		const float go = out_db == 0.0f ? 1.0f : powf(10.0f, out_db / 20.0f);
		expected_output_fade(m, total, start, 1.0f, go, 1.0f, false, sig_exp);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		RT_CHECK(bad == 0, "%zu samples differ from the reference, first at %zu", bad, first);
	}
}

/* Strings that break a Turtle long literal written without escaping: a UNC path, TeX-like
 * escapes, tab, newline, quotes, triple quotes, a trailing quote and backslash, non-ASCII. */
static const char hostile_name[] =
	"\\\\server\\share\\amp.json \\tx \t\"q\" \"\"\" '''\nline 2 \xc3\xbc \xe2\x9c\x93 \xe3\x82\xae\\\"";
static const char *const hostile_meta[][2] = {
	{"unc", "\\\\server\\share"},
	{"tab", "\tx"},
	{"newline", "a\nb"},
	{"quotes", "\"\"\" \" ''' \\\""},
	{"utf8", "Gitarrenverst\xc3\xa4rker \xe2\x80\x94 \xe3\x82\xae\xe3\x82\xbf\xe3\x83\xbc"},
};
static const char *const hostile_labels[2] = {
	"\\\\srv\\share \\s \t\"q\"\"\"",            /* a comma-free one */
	"a\nb, \"\"\" \xc3\xbc \xe2\x9c\x93\\",       /* with a comma: notified as ';' */
};

static char *hostile_metadata(void)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(hostile_name));
	for (size_t i = 0; i < sizeof hostile_meta / sizeof hostile_meta[0]; ++i)
		json_object_set_new(o, hostile_meta[i][0], json_string(hostile_meta[i][1]));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* The name kept in an embedded model's metadata, or NULL. */
static char *metadata_name(const RfxModel *m)
{
	if (!m->metadata)
		return NULL;
	json_t *v = json_loads(m->metadata, 0, NULL);
	json_t *n = json_object_get(v, "name");
	char *s = json_is_string(n) ? strdup(json_string_value(n)) : NULL;
	json_decref(v);
	return s;
}

void case_state_hostile(bool restore_worker)
{
	char name[200];
	snprintf(name, sizeof name, "state with hostile strings (backslashes, tab, newline, quotes, "
		 "\"\"\", UTF-8) in metadata: saved, read back by lilv, restored (%s)",
		 restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/hostile-%d.json", dir, restore_worker);
	snprintf(state_dir, sizeof state_dir, "%s/state-hostile-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_model(RFX_CELL_GRU, 10, 1, 31, RATE);
	char *meta = hostile_metadata();
	if (rfx_model_set_metadata(m, meta) != RFX_OK)
		abort();
	free(meta);
	save_model(m, model_path);

	Host *h1 = host_new(true);
	host_activate(h1);
	fill_input(sig_in, 10000, 0.5f);
	int nb = run_blocks(h1, 10000, model_path, true);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model never active in the first instance");
	worker_wait_idle(h1->worker);
	RT_CHECK(save_state(plugin, h1->inst, h1, state_dir), "saving the state failed");
	host_free(h1);
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	size_t stored = 0;
	RfxModel *em = embedded_model(state_file, &stored);
	RT_CHECK(em != NULL, "no model embedded under %s that loads (lilv reads the file: %s)",
		 KEY_MODEL_BASE64, lilv_state_new_from_file(world, &map, NULL, state_file) ? "yes" : "no");
	if (em) {
		char *n = metadata_name(em);
		RT_CHECK(n && !strcmp(n, hostile_name), "the embedded name came back as '%s'",
			 n ? n : "(none)");
		free(n);
		rfx_model_free(em);
	}

	Host *h2 = host_new(true);
	log_clear();
	RT_CHECK(restore_state(state_file, h2, restore_worker),
		 "lilv cannot read the saved state.ttl back");
	check_restored_effect(h2, m, restore_worker, 0.0f);
	RT_CHECK(!log_contains("unusable"), "log: %s", log_text);
	host_free(h2);
	rfx_model_free(m);
}

void case_classifier_state_hostile(bool restore_worker)
{
	char name[200];
	snprintf(name, sizeof name, "classifier state with hostile labels and metadata: saved, read "
		 "back by lilv, restored (%s)", restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/cls-hostile-%d.json", dir, restore_worker);
	snprintf(state_dir, sizeof state_dir, "%s/cls-state-hostile-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_energy_classifier(RATE);
	for (int k = 0; k < 2; ++k)
		snprintf(m->labels[k], RFX_MAX_LABEL, "%s", hostile_labels[k]);
	char *meta = hostile_metadata();
	if (rfx_model_set_metadata(m, meta) != RFX_OK)
		abort();
	free(meta);
	save_model(m, model_path);
	/* What the plugin announces: the labels joined by ',', a comma inside one as ';'. */
	char want[300];
	snprintf(want, sizeof want, "%s,%s", hostile_labels[0], hostile_labels[1]);
	for (char *c = want + strlen(hostile_labels[0]) + 1; *c; ++c)
		if (*c == ',')
			*c = ';';

	Host *h1 = host_new_cls(true, RATE);
	host_activate(h1);
	fill_cls_signal(2000, 2000, 2000);
	int nb = 0;
	n_got = n_exp = 0;
	cls_run(h1, 0, 6000, model_path, true, &nb);
	RT_CHECK(h1->status == 1.0f, "status %g", h1->status);
	worker_wait_idle(h1->worker);
	RT_CHECK(save_state(cls_plugin, h1->inst, h1, state_dir), "saving the state failed");
	host_free(h1);
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	size_t stored = 0;
	RfxModel *em = embedded_model(state_file, &stored);
	RT_CHECK(em != NULL, "no model embedded under %s that loads", KEY_MODEL_BASE64);
	if (em) {
		for (int k = 0; k < 2; ++k)
			RT_CHECK(!strcmp(em->labels[k], hostile_labels[k]), "label %d came back as '%s'", k,
				 em->labels[k]);
		rfx_model_free(em);
	}

	Host *h2 = host_new_cls(true, RATE);
	log_clear();
	RT_CHECK(restore_state(state_file, h2, restore_worker),
		 "lilv cannot read the saved state.ttl back");
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
					  rfx_cls_smooth_coef(RATE, h2->smoothing), h2->threshold,
					  (int)h2->base_note, cls_s_exp, cls_win_exp);
		RT_CHECK(bad == 0, "%zu blocks differ from the reference", bad);
		rfx_stream_destroy(ref.st);
	}
	h2->labels[0] = '\0';
	float z[1] = {0}, zo[1];
	host_run(h2, z, zo, 0, NULL, true);
	RT_CHECK(!strcmp(h2->labels, want), "labels '%s', expected '%s'", h2->labels, want);
	host_free(h2);
	rfx_model_free(m);
}

/* 1 MB of metadata stays out of the state: the embedded model holds what runs it. */
void case_state_small(void)
{
	rt_case("state of a model with 1 MB of metadata: the embedded model is small, restores exactly");
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/big-metadata.json", dir);
	snprintf(state_dir, sizeof state_dir, "%s/state-big-metadata", dir);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_model(RFX_CELL_LSTM, 8, 1, 41, RATE);
	const size_t meta_bytes = 1u << 20;
	char *blob = malloc(meta_bytes + 1);
	for (size_t i = 0; i < meta_bytes; ++i)
		blob[i] = (char)('a' + i % 26);
	blob[meta_bytes] = '\0';
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string("big metadata"));
	json_object_set_new(o, "training_log", json_string(blob));
	free(blob);
	char *meta = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (rfx_model_set_metadata(m, meta) != RFX_OK)
		abort();
	free(meta);
	save_model(m, model_path);
	const long model_file = file_size(model_path);

	Host *h1 = host_new(false);
	h1->out_gain = -2.0f;
	host_activate(h1);
	fill_input(sig_in, 10000, 0.5f);
	int nb = run_blocks(h1, 10000, model_path, false);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model never active in the first instance");
	RT_CHECK(save_state(plugin, h1->inst, h1, state_dir), "saving the state failed");
	host_free(h1);
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	/* The weights alone as JSON are about 13 bytes a float (4/3 of that in base64): for this
	 * model some 5 kB; 64 kB leaves room for any header, and is 1/16 of the metadata. */
	const long ttl = file_size(state_file);
	size_t stored = 0;
	RfxModel *em = embedded_model(state_file, &stored);
	printf("state of a model file of %ld bytes (1 MB metadata): state.ttl %ld bytes, embedded "
	       "model %zu bytes\n", model_file, ttl, stored);
	RT_CHECK(em != NULL, "no model embedded under %s", KEY_MODEL_BASE64);
	RT_CHECK(stored > 0 && stored < 65536, "embedded model %zu bytes", stored);
	RT_CHECK(ttl > 0 && ttl < 65536 + 4096, "state.ttl %ld bytes", ttl);
	if (em) {
		char *n = metadata_name(em);
		RT_CHECK(n && !strcmp(n, "big metadata"), "name '%s'", n ? n : "(none)");
		free(n);
		rfx_model_free(em);
	}
	Host *h2 = host_new(false);
	RT_CHECK(restore_state(state_file, h2, false), "lilv cannot read the state back");
	RT_CHECK(h2->out_gain == -2.0f, "out_gain restored as %g", h2->out_gain);
	check_restored_effect(h2, m, false, -2.0f);
	host_free(h2);
	rfx_model_free(m);
}

/* A state as earlier versions saved it: the model's JSON text under rnnfx:modelData. */
void case_state_old_key(bool restore_worker)
{
	char name[160];
	snprintf(name, sizeof name, "a state saved by an earlier version (JSON under rnnfx:modelData, "
		 "no file) still restores (%s)", restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char state_dir[600], state_file[700];
	snprintf(state_dir, sizeof state_dir, "%s/state-old-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_model(RFX_CELL_GRU, 6, 2, 51, RATE);
	char *json = rfx_model_to_string(m);
	Probe p = {0};
	p.save_key = KEY_MODEL_DATA_OLD;
	p.save_value = json;
	LilvInstance inst = {&probe_descriptor, &p, NULL};
	Host dummy = {0};
	dummy.mix = dummy.enabled = 1.0f;
	RT_CHECK(save_state(plugin, &inst, &dummy, state_dir), "saving the old-style state failed");
	free(json);
	Host *h = host_new(true);
	log_clear();
	RT_CHECK(restore_state(state_file, h, restore_worker), "lilv cannot read the state back");
	check_restored_effect(h, m, restore_worker, 0.0f);
	host_free(h);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ refused paths */
/* A patch:Set path the plugin cannot take: status 2, a reason in the log, the model keeps playing
 * exactly. Too long (past the 2047 bytes that travel through the worker) and relative (a path
 * would be resolved against the host's working directory, which no user chose). */
void case_refused_paths(bool threaded)
{
	char name[200];
	snprintf(name, sizeof name, "patch:Set of a path over 2047 bytes, of a relative path and of "
		 "a FIFO: refused with a reason, the model keeps running (%s worker)",
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *m = load_model(path_a);
	Host *h = host_new(threaded);
	host_activate(h);
	size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, path_a, threaded);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "model A never active");
	if (start < 0) {
		host_free(h);
		rfx_model_free(m);
		return;
	}

	/* Paths: 2048 bytes and 5000 bytes ("/" then 'x'), and "b.json" with the working directory
	 * where b.json is (so the old behaviour would load it). */
	static char longp[2][5001];
	const size_t long_len[2] = {2048, 5000};
	for (int k = 0; k < 2; ++k) {
		longp[k][0] = '/';
		memset(longp[k] + 1, 'x', long_len[k] - 1);
		longp[k][long_len[k]] = '\0';
	}
	char cwd[1024];
	RT_CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
	RT_CHECK(chdir(dir) == 0, "chdir %s", dir);
	const char *paths[] = {longp[0], longp[1], "b.json", "./b.json", path_fifo};
	const char *why[] = {"longer than", "longer than", "not an absolute path",
			     "not an absolute path", "FIFO"};
	RfxStream *st = ref_stream(m);
	const size_t per = 6000, n_paths = sizeof paths / sizeof paths[0];
	fill_input(sig_in + total, n_paths * per, 0.5f);
	rfx_stream_process(st, sig_in + start, sig_exp + start,
			   (uint32_t)(total + n_paths * per - (size_t)start));
	size_t pos = total;
	for (size_t k = 0; k < n_paths; ++k) {
		log_clear();
		host_run(h, sig_in + pos, sig_out + pos, 0, paths[k], false);
		worker_wait_idle(h->worker);
		for (size_t end = pos + per; pos < end;) {
			uint32_t n = random_block(512);
			if (n > end - pos)
				n = (uint32_t)(end - pos);
			host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
			pos += n;
		}
		RT_CHECK(h->status == 2.0f, "status %g after a path of %zu bytes ('%.20s')", h->status,
			 strlen(paths[k]), paths[k]);
		RT_CHECK(log_contains(why[k]), "log lacks '%s' for '%.20s': %s", why[k], paths[k],
			 log_text);
	}
	RT_CHECK(chdir(cwd) == 0, "chdir back");
	size_t first;
	size_t bad = count_mismatch(sig_out, sig_exp, total, pos, &first);
	RT_CHECK(bad == 0, "the model did not keep running: %zu differ from %zu", bad, first);
	rfx_stream_destroy(st);

	/* A path of exactly 2047 bytes to a real file is taken. */
	char p[2100];
	int n = snprintf(p, sizeof p, "%s", dir);
	while (n + 1 + 200 + 1 + 10 < 2047) { /* folders of 200 'd's while a file name still fits */
		p[n++] = '/';
		memset(p + n, 'd', 200);
		n += 200;
		p[n] = '\0';
		mkdir(p, 0755);
	}
	p[n++] = '/';
	memset(p + n, 'm', (size_t)(2047 - 5 - n));
	n = 2047 - 5;
	snprintf(p + n, sizeof p - (size_t)n, ".json");
	RT_CHECK(strlen(p) == 2047, "test path of %zu bytes", strlen(p));
	write_model(p, RFX_CELL_GRU, 8, 1, 1, RATE);
	log_clear();
	host_run(h, sig_in, sig_out, 64, p, false);
	worker_wait_idle(h->worker);
	for (int k = 0; k < 2; ++k) /* the response, then a run() that reports it */
		host_run(h, sig_in, sig_out, 64, NULL, false);
	RT_CHECK(h->status == 1.0f, "a path of 2047 bytes: status %g, log: %s", h->status, log_text);
	host_free(h);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ model_rate range */
/* The model format allows rates up to 1 MHz; a host at 192 kHz resamples a 1 MHz model (ratio
 * 5.2 < 16). The model_rate port must report it within the range the TTL declares. */
void case_model_rate_range(void)
{
	rt_case("model_rate: a 1 MHz model at 192 kHz reads 1000000, inside the TTL's range");
	char path[600];
	snprintf(path, sizeof path, "%s/mhz.json", dir);
	write_model(path, RFX_CELL_GRU, 4, 1, 61, 1e6);
	Host *h = host_new_at(false, 192000.0);
	host_activate(h);
	float buf[256] = {0}, out[256];
	host_run(h, buf, out, 64, path, false);
	for (int k = 0; k < 4; ++k)
		host_run(h, buf, out, 256, NULL, false);
	RT_CHECK(h->status == 3.0f, "status %g (log: %s)", h->status, log_text);
	RT_CHECK(h->model_rate == 1e6f, "model_rate %g", h->model_rate);
	const LilvPlugin *ps[2] = {plugin, cls_plugin};
	for (int k = 0; k < 2; ++k) {
		LilvNode *sym = lilv_new_string(world, "model_rate");
		const LilvPort *port = lilv_plugin_get_port_by_symbol(ps[k], sym);
		lilv_node_free(sym);
		LilvNode *def = NULL, *min = NULL, *max = NULL;
		if (port)
			lilv_port_get_range(ps[k], port, &def, &min, &max);
		const float hi = max ? lilv_node_as_float(max) : -1.0f;
		const float lo = min ? lilv_node_as_float(min) : 1.0f;
		RT_CHECK(lo <= 0.0f && hi >= 1e6f, "%s: model_rate range %g .. %g, models go to 1000000",
			 k ? "classifier" : "effect", lo, hi);
		if (k == 0)
			RT_CHECK(h->model_rate <= hi, "model_rate %g above the TTL's maximum %g",
				 h->model_rate, hi);
		lilv_node_free(def);
		lilv_node_free(min);
		lilv_node_free(max);
	}
	host_free(h);
}

/* ------------------------------------------------------------------ restore() that fails */

/* A state handed straight to the plugin's restore() (lilv_state_restore does not return its
 * status): up to two properties, each a NUL-terminated value of its type. */
typedef struct {
	LV2_URID key[2], type[2];
	const char *value[2];
} FakeState;

static const void *fake_retrieve(LV2_State_Handle handle, uint32_t key, size_t *size,
				 uint32_t *type, uint32_t *flags)
{
	const FakeState *s = handle;
	for (int i = 0; i < 2; ++i)
		if (s->value[i] && s->key[i] == key) {
			*size = strlen(s->value[i]) + 1;
			*type = s->type[i];
			*flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
			return s->value[i];
		}
	return NULL;
}

/* restore() of a state whose model cannot be used returns an error a host can act on, logs why,
 * sets the status port (2: load error; the classifier says 4 for an effect model) and keeps the
 * model that runs: h runs on bit for bit like a twin instance that never saw the state. */
void case_restore_fails(bool cls)
{
	rt_case(cls ? "classifier restore() of an unusable model: an error status, status 4/2, a log "
		      "message, the classifier keeps running exactly"
		    : "restore() of an unusable model: an error status, status 2, a log message, the "
		      "model keeps running exactly");
	const char *good = cls ? path_cls : path_a;
	Host *h = cls ? host_new_cls(false, RATE) : host_new(false);
	Host *twin = cls ? host_new_cls(false, RATE) : host_new(false);
	host_activate(h);
	host_activate(twin);
	static float z[4096], o[4096], x[4096], y1[4096], y2[4096];
	host_run(h, z, o, 64, good, false);
	host_run(twin, z, o, 64, good, false);
	host_run(h, z, o, 4096, NULL, false);
	host_run(twin, z, o, 4096, NULL, false);
	RT_CHECK(h->status == 1.0f, "the model did not load first (status %g)", h->status);
	const LV2_State_Interface *iface =
		lilv_instance_get_extension_data(h->inst, LV2_STATE__interface);
	const LV2_URID path_t = h->uris.atom_Path, str_t = h->uris.atom_String;
	const LV2_URID model = h->uris.rfx_model, b64 = h->uris.rfx_modelBase64;
	const struct {
		const char *what;
		FakeState st;
		LV2_State_Status want;
		float status;
		const char *log;
	} bad[] = {
		{"a missing file", {{model}, {path_t}, {path_missing}}, LV2_STATE_ERR_UNKNOWN, 2.0f,
		 "cannot load model"},
		{"a FIFO (restore() must not block on it)", {{model}, {path_t}, {path_fifo}},
		 LV2_STATE_ERR_UNKNOWN, 2.0f, "FIFO"},
		{"a broken file", {{model}, {path_t}, {path_bad}}, LV2_STATE_ERR_UNKNOWN, 2.0f,
		 "cannot load model"},
		{"a model of the other kind", {{model}, {path_t}, {cls ? path_a : path_cls}},
		 LV2_STATE_ERR_UNKNOWN, cls ? 4.0f : 2.0f, "cannot load model"},
		{"a relative path", {{model}, {path_t}, {"models/a.json"}}, LV2_STATE_ERR_BAD_TYPE, 2.0f,
		 "not absolute"},
		{"a path of the wrong atom type", {{model}, {h->uris.atom_URID}, {path_a}},
		 LV2_STATE_ERR_BAD_TYPE, 2.0f, "not a NUL-terminated atom:Path"},
		{"a model that is not base64", {{b64}, {str_t}, {"not base64!"}}, LV2_STATE_ERR_BAD_TYPE,
		 2.0f, "not base64"},
		{"not base64 and a missing file", {{b64, model}, {str_t, path_t}, {"@@@@", path_missing}},
		 LV2_STATE_ERR_UNKNOWN, 2.0f, "cannot load model"},
	};
	size_t t = 4096 + 64;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
		log_clear();
		const LV2_State_Status got = iface->restore(lilv_instance_get_handle(h->inst),
							    fake_retrieve, (LV2_State_Handle)&bad[k].st,
							    0, NULL);
		RT_CHECK(got == bad[k].want, "%s: restore() returned %d, expected %d", bad[k].what,
			 (int)got, (int)bad[k].want);
		RT_CHECK(log_contains(bad[k].log), "%s: the log does not say '%s'", bad[k].what,
			 bad[k].log);
		fill_input(x, 4096, 0.7f);
		size_t same = 0;
		for (uint32_t off = 0; off < 4096; off += 512) {
			host_run(h, x + off, y1 + off, 512, NULL, false);
			host_run(twin, x + off, y2 + off, 512, NULL, false);
			if (off == 0)
				RT_CHECK(h->status == bad[k].status, "%s: status %g after restore, "
					 "expected %g", bad[k].what, h->status, bad[k].status);
		}
		if (cls) {
			same = h->cls_class == twin->cls_class && h->confidence == twin->confidence;
			RT_CHECK(!memcmp(x, y1, sizeof x), "%s: the audio did not pass through",
				 bad[k].what);
		} else {
			size_t first;
			same = count_mismatch(y1, y2, 0, 4096, &first) == 0;
		}
		RT_CHECK(same, "%s: the old model did not keep running exactly (from sample %zu)",
			 bad[k].what, t);
		t += 4096;
	}
	host_free(h);
	host_free(twin);
}
