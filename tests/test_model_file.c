/* Model files: save -> load is bit-exact for every architecture, and every way a file can be wrong
 * is refused with its own status and a detail sentence that names the field.
 *
 * Error cases start from a valid model's text, parsed with jansson, change one thing, and load the
 * result; so each case tests exactly the fault it names.
 */
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../dsp/model_file.h"

static RfxModelSpec spec_of(RfxCellType cell, int layers, int inputs, int hidden, RfxOutputMode mode,
			    int outputs)
{
	RfxModelSpec s;
	memset(&s, 0, sizeof s);
	s.cell = cell;
	s.n_layers = layers;
	s.n_inputs = inputs;
	s.hidden = hidden;
	s.mode = mode;
	s.n_outputs = outputs;
	s.skip = mode == RFX_MODE_EFFECT;
	s.sample_rate = 48000;
	return s;
}

/* Random bit patterns, not just small uniforms: denormals, -0, huge and tiny exponents all have to
 * come back bit for bit. Non-finite patterns are redrawn. */
static void fill_random_bits(RfxModel *m, uint64_t *rng)
{
	for (size_t i = 0; i < m->n_params; i++) {
		float f;
		do {
			uint32_t u = (uint32_t)(rt_rand_u64(rng) >> 32);
			memcpy(&f, &u, sizeof f);
		} while (!isfinite(f));
		m->params[i] = f;
	}
	if (m->n_params > 3) {
		m->params[0] = -0.0f;
		m->params[1] = 1.4e-45f; /* the smallest denormal */
		m->params[2] = 3.40282347e38f;
	}
}

static RfxModel *new_model(const RfxModelSpec *s, uint64_t *rng)
{
	RfxModel *m = NULL;
	RfxStatus st = rfx_model_new(s, &m);
	RT_CHECK(st == RFX_OK, "rfx_model_new: %s", rfx_strerror(st));
	if (m)
		fill_random_bits(m, rng);
	return m;
}

static int specs_equal(const RfxModelSpec *a, const RfxModelSpec *b)
{
	int same = a->cell == b->cell && a->n_layers == b->n_layers && a->n_inputs == b->n_inputs &&
		   a->hidden == b->hidden && a->mode == b->mode && a->n_outputs == b->n_outputs &&
		   a->skip == b->skip && a->sample_rate == b->sample_rate;
	for (int l = 0; l < a->n_layers && same; l++)
		same = a->init[l] == b->init[l];
	return same;
}

/* Architecture, every weight bit, labels and metadata. */
static int models_identical(const RfxModel *a, const RfxModel *b)
{
	if (!specs_equal(&a->spec, &b->spec) || a->n_params != b->n_params)
		return 0;
	if (memcmp(a->params, b->params, a->n_params * sizeof *a->params) != 0)
		return 0;
	if (memcmp(a->labels, b->labels, sizeof a->labels) != 0)
		return 0;
	if (a->has_notes != b->has_notes ||
	    (a->has_notes && memcmp(a->notes, b->notes, sizeof a->notes) != 0))
		return 0;
	if (!a->metadata || !b->metadata)
		return a->metadata == b->metadata;
	return strcmp(a->metadata, b->metadata) == 0;
}

static char tmp_dir[64];

static void make_tmp_dir(void)
{
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/rfx-model-file-XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		exit(1);
	}
}

/* Entries of the temporary directory other than . and .., to find leftover temp files. */
static int count_dir_entries(const char *prefix)
{
	DIR *dir = opendir(tmp_dir);
	int n = 0;
	if (!dir)
		return -1;
	for (struct dirent *e; (e = readdir(dir));)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dir);
	return n;
}

static void remove_tmp_dir(void)
{
	DIR *dir = opendir(tmp_dir);
	char path[512];
	if (!dir)
		return;
	for (struct dirent *e; (e = readdir(dir));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
		if (remove(path) != 0)
			perror(path);
	}
	closedir(dir);
	rmdir(tmp_dir);
}

/* ------------------------------------------------------------------ round trips */

/* save -> load through a file and through a string; both must give the model back exactly. */
static void check_round_trip(const RfxModel *m, const char *what)
{
	char path[128], detail[256] = "";
	snprintf(path, sizeof path, "%s/model.json", tmp_dir);
	RfxStatus st = rfx_model_save_file(m, path, detail, sizeof detail);
	RT_CHECK(st == RFX_OK, "%s: save: %s (%s)", what, rfx_strerror(st), detail);
	RfxModel *back = NULL;
	st = rfx_model_load_file(path, &back, detail, sizeof detail);
	RT_CHECK(st == RFX_OK, "%s: load: %s (%s)", what, rfx_strerror(st), detail);
	RT_CHECK(back && models_identical(m, back), "%s: the file did not give the model back", what);
	rfx_model_free(back);
	back = NULL;
	char *text = rfx_model_to_string(m);
	RT_CHECK(text != NULL, "%s: to_string returned NULL", what);
	if (text) {
		st = rfx_model_load_string(text, strlen(text), &back, detail, sizeof detail);
		RT_CHECK(st == RFX_OK && back && models_identical(m, back),
			 "%s: string round trip: %s (%s)", what, rfx_strerror(st), detail);
	}
	rfx_model_free(back);
	free(text);
	unlink(path);
}

static void test_round_trip_cells(uint64_t *rng)
{
	static const RfxInitKind kinds[] = { RFX_INIT_ZEROS, RFX_INIT_VECTOR, RFX_INIT_TRAINED };
	rt_case("save -> load is bit-exact: rnn/gru/lstm, 1-4 layers, every initial state");
	for (int c = 0; c < RFX_CELL_COUNT; c++)
		for (int layers = 1; layers <= RFX_MAX_LAYERS; layers++) {
			RfxModelSpec s = spec_of((RfxCellType)c, layers, 1 + layers % 3, 3 + layers,
						 RFX_MODE_EFFECT, 1);
			for (int l = 0; l < layers; l++)
				s.init[l] = kinds[(l + c) % 3];
			s.skip = (layers + c) % 2;
			RfxModel *m = new_model(&s, rng);
			char what[64];
			snprintf(what, sizeof what, "%s, %d layers", rfx_cell_name(s.cell), layers);
			if (m)
				check_round_trip(m, what);
			rfx_model_free(m);
		}
}

static void test_round_trip_classifier(uint64_t *rng)
{
	rt_case("save -> load is bit-exact: classifier with labels, metadata, odd sample rate");
	RfxModelSpec s = spec_of(RFX_CELL_LSTM, 2, 2, 5, RFX_MODE_CLASSIFIER, 4);
	s.init[0] = RFX_INIT_TRAINED;
	s.sample_rate = 44100.123456789012;
	RfxModel *m = new_model(&s, rng);
	if (!m)
		return;
	/* Labels with every character the writer must escape, and UTF-8. */
	snprintf(m->labels[0], RFX_MAX_LABEL, "sine");
	snprintf(m->labels[1], RFX_MAX_LABEL, "say \"hi\"\\ \t\n\x01");
	snprintf(m->labels[2], RFX_MAX_LABEL, "bruit blanc \xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb5");
	memset(m->labels[3], 'x', RFX_MAX_LABEL - 1); /* the longest label allowed */
	m->labels[3][RFX_MAX_LABEL - 1] = '\0';
	RT_OK(rfx_model_set_metadata(m, "{\"cmd\":\"rnnfx-train --epochs 3\",\"loss\":0.125,\"n\":[1,2]}"));
	check_round_trip(m, "classifier");
	rfx_model_free(m);

	rt_case("save -> load is bit-exact: an onset model with labels and MIDI notes");
	s = spec_of(RFX_CELL_GRU, 1, 1, 6, RFX_MODE_ONSET, 3);
	m = new_model(&s, rng);
	if (!m)
		return;
	static const char *const names[3] = { "kick", "snare", "hihat" };
	for (int k = 0; k < 3; k++) {
		snprintf(m->labels[k], RFX_MAX_LABEL, "%s", names[k]);
		m->notes[k] = 36 + 2 * k + (k == 2 ? 2 : 0);
	}
	m->has_notes = 1;
	check_round_trip(m, "onset");
	rfx_model_free(m);
}

static void test_metadata_normalised(uint64_t *rng)
{
	rt_case("metadata is kept as compact JSON with sorted keys; absent metadata is NULL");
	RfxModelSpec s = spec_of(RFX_CELL_GRU, 1, 1, 2, RFX_MODE_EFFECT, 1);
	RfxModel *m = new_model(&s, rng);
	if (!m)
		return;
	char *text = rfx_model_to_string(m);
	RfxModel *back = NULL;
	RfxStatus st = text ? rfx_model_load_string(text, strlen(text), &back, NULL, 0) : RFX_ERR_NOMEM;
	RT_CHECK(st == RFX_OK && back && back->metadata == NULL, "absent metadata: %s",
		 back && back->metadata ? back->metadata : "(load failed)");
	rfx_model_free(back);
	back = NULL;
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	json_object_set_new(doc, "metadata", json_pack("{s:i, s:[i,i], s:{s:s}}", "zeta", 1, "alpha",
						      1, 2, "mid", "k", "v"));
	text = json_dumps(doc, JSON_INDENT(2));
	st = text ? rfx_model_load_string(text, strlen(text), &back, NULL, 0) : RFX_ERR_NOMEM;
	const char *want = "{\"alpha\":[1,2],\"mid\":{\"k\":\"v\"},\"zeta\":1}";
	RT_CHECK(st == RFX_OK && back && back->metadata && strcmp(back->metadata, want) == 0,
		 "metadata kept as '%s', expected '%s'", back && back->metadata ? back->metadata : "",
		 want);
	free(text);
	json_decref(doc);
	rfx_model_free(back);
	rfx_model_free(m);
}

static void test_writer_layout(uint64_t *rng)
{
	rt_case("the writer puts one tensor per line, 9 significant digits, '-0.0' for -0");
	RfxModelSpec s = spec_of(RFX_CELL_RNN, 2, 1, 3, RFX_MODE_EFFECT, 1);
	s.init[1] = RFX_INIT_VECTOR;
	RfxModel *m = new_model(&s, rng);
	if (!m)
		return;
	m->params[0] = -0.0f;
	m->params[1] = 0.1f;
	char *text = rfx_model_to_string(m);
	int shape_lines = 0;
	for (char *line = text; line && *line;) {
		char *end = strchr(line, '\n');
		if (!end)
			break;
		/* one "shape" per line and never more than one */
		char *first = strstr(line, "\"shape\"");
		if (first && first < end) {
			shape_lines++;
			char *second = strstr(first + 1, "\"shape\"");
			RT_CHECK(!second || second > end, "two tensors on one line");
		}
		line = end + 1;
	}
	RT_CHECK(shape_lines == m->n_tensors, "%d tensor lines for %d tensors", shape_lines,
		 m->n_tensors);
	RT_CHECK(text && strstr(text, "\"data\": [-0.0,0.100000001,"), "first values not written as "
		 "'-0.0,0.100000001': %.200s", text ? strstr(text, "weight_ih_l0") : "(null)");
	free(text);
	rfx_model_free(m);
}

/* A locale with a decimal comma: an installed one, or de_DE built with localedef into a private
 * directory (LOCPATH) when the Debian `locales` sources are there. NULL when neither works. */
static const char *decimal_comma_locale(char *loc_dir, size_t size)
{
	static const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (setlocale(LC_NUMERIC, names[i]))
			return names[i];
	snprintf(loc_dir, size, "/tmp/rfx-locale-XXXXXX");
	if (!mkdtemp(loc_dir)) {
		loc_dir[0] = '\0';
		return NULL;
	}
	char cmd[256];
	/* ISO-8859-1 because compiling the UTF-8 charmap takes seconds; only LC_NUMERIC matters */
	snprintf(cmd, sizeof cmd, "localedef -i de_DE -f ISO-8859-1 %s/de_DE >/dev/null 2>&1",
		 loc_dir);
	if (system(cmd) != 0 && access(loc_dir, F_OK) != 0)
		return NULL;
	setenv("LOCPATH", loc_dir, 1);
	return setlocale(LC_NUMERIC, "de_DE") ? "de_DE (built by localedef)" : NULL;
}

static void test_decimal_comma_locale(uint64_t *rng)
{
	char loc_dir[64] = "";
	const char *found = decimal_comma_locale(loc_dir, sizeof loc_dir);
	char comma[8];
	snprintf(comma, sizeof comma, "%.1f", 0.5);
	if (!found || strcmp(comma, "0,5") != 0) {
		printf("skip decimal-comma locale: none installed and localedef could not build one\n");
	} else {
		rt_case("save -> load is bit-exact under a decimal-comma locale");
		RfxModelSpec s = spec_of(RFX_CELL_GRU, 1, 1, 4, RFX_MODE_EFFECT, 1);
		s.sample_rate = 44100.5;
		RfxModel *m = new_model(&s, rng);
		if (m)
			check_round_trip(m, found);
		rfx_model_free(m);
	}
	setlocale(LC_NUMERIC, "C");
	unsetenv("LOCPATH");
	if (loc_dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", loc_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", loc_dir);
	}
}

static void test_writer_bad_labels(uint64_t *rng)
{
	rt_case("labels that are not UTF-8 are written as '?' and the file still loads");
	RfxModelSpec s = spec_of(RFX_CELL_GRU, 1, 1, 2, RFX_MODE_CLASSIFIER, 2);
	RfxModel *m = new_model(&s, rng);
	if (!m)
		return;
	snprintf(m->labels[0], RFX_MAX_LABEL, "a\xff" "b\xc3(\xed\xa0\x80");
	memset(m->labels[1], 'y', RFX_MAX_LABEL); /* no NUL at all: cut at 63 bytes */
	char *text = rfx_model_to_string(m);
	RfxModel *back = NULL;
	char detail[256] = "";
	RfxStatus st = text ? rfx_model_load_string(text, strlen(text), &back, detail, sizeof detail)
			    : RFX_ERR_NOMEM;
	RT_CHECK(st == RFX_OK, "load: %s (%s)", rfx_strerror(st), detail);
	if (back) {
		RT_CHECK(strcmp(back->labels[0], "a?b?(???") == 0, "label 0 came back as '%s'",
			 back->labels[0]);
		RT_CHECK(strlen(back->labels[1]) == RFX_MAX_LABEL - 1, "label 1: %zu bytes",
			 strlen(back->labels[1]));
	}
	rfx_model_free(back);
	free(text);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ refusals */

/* The base document: a 1-layer GRU effect, H = 2, I = 1, with h0 stored ("vector"). */
static json_t *base_doc(void)
{
	RfxModelSpec s = spec_of(RFX_CELL_GRU, 1, 1, 2, RFX_MODE_EFFECT, 1);
	s.init[0] = RFX_INIT_VECTOR;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return json_object();
	rfx_model_init_random(m, 7);
	char *text = rfx_model_to_string(m);
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	rfx_model_free(m);
	return doc ? doc : json_object();
}

static json_t *base_classifier(void)
{
	RfxModelSpec s = spec_of(RFX_CELL_RNN, 1, 1, 2, RFX_MODE_CLASSIFIER, 3);
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return json_object();
	char *text = rfx_model_to_string(m);
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	rfx_model_free(m);
	return doc ? doc : json_object();
}

/* Loads `text`; it must fail with `want` and a detail that contains `needle` (and `needle2`). */
static void expect_text(const char *what, const char *text, size_t len, RfxStatus want,
			const char *needle, const char *needle2)
{
	char detail[256];
	RfxModel *m = (RfxModel *)&detail; /* must be reset to NULL on failure */
	memset(detail, 'z', sizeof detail);
	RfxStatus st = rfx_model_load_string(text, len, &m, detail, sizeof detail);
	RT_CHECK(st == want, "%s: got %d (%s), expected %d (%s); detail: %s", what, st,
		 rfx_strerror(st), want, rfx_strerror(want), detail);
	RT_CHECK(m == NULL, "%s: *out not NULL after a failure", what);
	RT_CHECK(memchr(detail, '\0', sizeof detail) != NULL, "%s: detail not terminated", what);
	RT_CHECK(strstr(detail, needle) != NULL, "%s: detail '%s' does not name '%s'", what, detail,
		 needle);
	RT_CHECK(!needle2 || strstr(detail, needle2) != NULL, "%s: detail '%s' does not say '%s'",
		 what, detail, needle2);
	if (st == RFX_OK)
		rfx_model_free(m);
}

/* As expect_text, for a document (consumed). */
static void expect_doc(const char *what, json_t *doc, RfxStatus want, const char *needle,
		       const char *needle2)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	RT_CHECK(text != NULL, "%s: json_dumps failed", what);
	if (text)
		expect_text(what, text, strlen(text), want, needle, needle2);
	free(text);
	json_decref(doc);
}

static json_t *with(json_t *doc, const char *key, json_t *value)
{
	json_object_set_new(doc, key, value);
	return doc;
}

static json_t *without(json_t *doc, const char *key)
{
	json_object_del(doc, key);
	return doc;
}

static json_t *tensor_of(json_t *doc, const char *name)
{
	return json_object_get(json_object_get(doc, "tensors"), name);
}

static void test_base_loads(void)
{
	rt_case("the unchanged base documents load (so the refusals below are the change's doing)");
	json_t *docs[2] = { base_doc(), base_classifier() };
	for (int i = 0; i < 2; i++) {
		char *text = json_dumps(docs[i], JSON_COMPACT);
		RfxModel *m = NULL;
		char detail[256] = "";
		RfxStatus st = rfx_model_load_string(text, text ? strlen(text) : 0, &m, detail,
						     sizeof detail);
		RT_CHECK(st == RFX_OK && m, "base %d: %s (%s)", i, rfx_strerror(st), detail);
		rfx_model_free(m);
		free(text);
		json_decref(docs[i]);
	}
}

static void test_bad_json(void)
{
	rt_case("malformed JSON: RFX_ERR_JSON with line and column");
	const char *t = "{\"format\": \"rnnfx-model\",\n \"version\": 1,\n \"cell\": gru}";
	expect_text("bare word", t, strlen(t), RFX_ERR_JSON, "line 3", "column");
	expect_text("empty", "", 0, RFX_ERR_JSON, "line", NULL);
	t = "{\"format\": \"rnnfx-model\", \"format\": \"rnnfx-model\"}";
	expect_text("duplicate key", t, strlen(t), RFX_ERR_JSON, "format", "duplicate");
	t = "{\"a\": 1} trailing";
	expect_text("trailing text", t, strlen(t), RFX_ERR_JSON, "line 1", NULL);
	const char nul[] = "{\"format\": \"rnnfx\0-model\"}";
	expect_text("NUL inside", nul, sizeof nul - 1, RFX_ERR_JSON, "line 1", NULL);

	rt_case("a valid file cut in half: RFX_ERR_JSON");
	json_t *doc = base_doc();
	char *text = json_dumps(doc, JSON_INDENT(1));
	if (text)
		expect_text("half", text, strlen(text) / 2, RFX_ERR_JSON, "line", NULL);
	free(text);
	json_decref(doc);
}

static void test_bad_header(void)
{
	rt_case("not an rnnfx model: RFX_ERR_FORMAT");
	expect_text("array root", "[1, 2]", 6, RFX_ERR_FORMAT, "an array", "rnnfx-model");
	expect_doc("format missing", without(base_doc(), "format"), RFX_ERR_FORMAT, "'format'",
		   "missing");
	expect_doc("format misspelt", with(base_doc(), "format", json_string("rnnfx-modle")),
		   RFX_ERR_FORMAT, "'format'", "rnnfx-modle");
	expect_doc("format a number", with(base_doc(), "format", json_integer(1)), RFX_ERR_FORMAT,
		   "'format'", "an integer");

	rt_case("wrong or missing version: RFX_ERR_VERSION");
	expect_doc("version 2", with(base_doc(), "version", json_integer(2)), RFX_ERR_VERSION,
		   "'version': 2", "version 1");
	expect_doc("version 0", with(base_doc(), "version", json_integer(0)), RFX_ERR_VERSION,
		   "'version': 0", NULL);
	expect_doc("version missing", without(base_doc(), "version"), RFX_ERR_VERSION, "'version'",
		   "missing");
	expect_doc("version a string", with(base_doc(), "version", json_string("1")),
		   RFX_ERR_VERSION, "'version'", "a string");

	rt_case("unknown top-level field (a typo): RFX_ERR_FIELD naming it");
	expect_doc("skpi", with(base_doc(), "skpi", json_true()), RFX_ERR_FIELD, "'skpi'", NULL);
	expect_doc("metdata", with(base_doc(), "metdata", json_object()), RFX_ERR_FIELD, "'metdata'",
		   NULL);
}

static void test_bad_cell(void)
{
	rt_case("unknown cell: RFX_ERR_CELL; missing or mistyped cell: RFX_ERR_FIELD");
	expect_doc("cell transformer", with(base_doc(), "cell", json_string("transformer")),
		   RFX_ERR_CELL, "'cell'", "transformer");
	expect_doc("cell GRU", with(base_doc(), "cell", json_string("GRU")), RFX_ERR_CELL, "'cell'",
		   "\"GRU\"");
	expect_doc("cell missing", without(base_doc(), "cell"), RFX_ERR_FIELD, "'cell'", "missing");
	expect_doc("cell number", with(base_doc(), "cell", json_integer(1)), RFX_ERR_FIELD, "'cell'",
		   "an integer");
}

static void test_bad_fields(void)
{
	static const char *const ints[] = { "layers", "inputs", "hidden", "outputs" };
	char needle[32];
	rt_case("missing or mistyped integer fields: RFX_ERR_FIELD naming the field");
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		snprintf(needle, sizeof needle, "'%s'", ints[i]);
		expect_doc(ints[i], without(base_doc(), ints[i]), RFX_ERR_FIELD, needle, "missing");
		expect_doc(ints[i], with(base_doc(), ints[i], json_string("2")), RFX_ERR_FIELD, needle,
			   "a string");
		expect_doc(ints[i], with(base_doc(), ints[i], json_real(1.0)), RFX_ERR_FIELD, needle,
			   "a real number");
	}

	rt_case("mode, skip, sample_rate: missing or mistyped -> RFX_ERR_FIELD naming the field");
	expect_doc("mode missing", without(base_doc(), "mode"), RFX_ERR_FIELD, "'mode'", "missing");
	expect_doc("mode synth", with(base_doc(), "mode", json_string("synth")), RFX_ERR_FIELD,
		   "'mode'", "synth");
	expect_doc("skip missing (effect)", without(base_doc(), "skip"), RFX_ERR_FIELD, "'skip'",
		   "missing");
	expect_doc("skip yes", with(base_doc(), "skip", json_string("yes")), RFX_ERR_FIELD, "'skip'",
		   "a string");
	expect_doc("skip on classifier", with(base_classifier(), "skip", json_true()), RFX_ERR_FIELD,
		   "'skip'", NULL);
	expect_doc("sample_rate missing", without(base_doc(), "sample_rate"), RFX_ERR_FIELD,
		   "'sample_rate'", "missing");
	expect_doc("sample_rate 48k", with(base_doc(), "sample_rate", json_string("48k")),
		   RFX_ERR_FIELD, "'sample_rate'", "a string");
	expect_doc("sample_rate 0", with(base_doc(), "sample_rate", json_integer(0)), RFX_ERR_FIELD,
		   "'sample_rate'", NULL);
	expect_doc("sample_rate -44100", with(base_doc(), "sample_rate", json_real(-44100.0)),
		   RFX_ERR_FIELD, "'sample_rate'", NULL);

	rt_case("initial_state: missing, wrong count, unknown kind -> RFX_ERR_FIELD");
	expect_doc("missing", without(base_doc(), "initial_state"), RFX_ERR_FIELD,
		   "'initial_state'", "missing");
	expect_doc("a string", with(base_doc(), "initial_state", json_string("zeros")),
		   RFX_ERR_FIELD, "'initial_state'", "a string");
	expect_doc("two for one layer", with(base_doc(), "initial_state",
					     json_pack("[s,s]", "vector", "zeros")),
		   RFX_ERR_FIELD, "'initial_state'", "2 entries, expected 1");
	expect_doc("ones", with(base_doc(), "initial_state", json_pack("[s]", "ones")),
		   RFX_ERR_FIELD, "'initial_state[0]'", "ones");
	expect_doc("number", with(base_doc(), "initial_state", json_pack("[i]", 0)), RFX_ERR_FIELD,
		   "'initial_state[0]'", "an integer");
}

static void test_limits(void)
{
	rt_case("sizes past the limits: RFX_ERR_LIMIT naming the field");
	expect_doc("hidden 513", with(base_doc(), "hidden", json_integer(RFX_MAX_HIDDEN + 1)),
		   RFX_ERR_LIMIT, "'hidden'", "513");
	expect_doc("hidden 0", with(base_doc(), "hidden", json_integer(0)), RFX_ERR_LIMIT,
		   "'hidden'", NULL);
	/* Would overflow int and, unchecked, a G*H*H allocation: refused before any allocation. */
	expect_doc("hidden 10^12", with(base_doc(), "hidden", json_integer(1000000000000LL)),
		   RFX_ERR_LIMIT, "'hidden'", "1000000000000");
	expect_doc("hidden -2^40", with(base_doc(), "hidden", json_integer(-(1LL << 40))),
		   RFX_ERR_LIMIT, "'hidden'", NULL);
	expect_doc("layers 5", with(base_doc(), "layers", json_integer(RFX_MAX_LAYERS + 1)),
		   RFX_ERR_LIMIT, "'layers'", "5");
	expect_doc("layers 0", with(base_doc(), "layers", json_integer(0)), RFX_ERR_LIMIT,
		   "'layers'", NULL);
	expect_doc("inputs 17", with(base_doc(), "inputs", json_integer(RFX_MAX_INPUTS + 1)),
		   RFX_ERR_LIMIT, "'inputs'", "17");
	expect_doc("effect with 2 outputs", with(base_doc(), "outputs", json_integer(2)),
		   RFX_ERR_LIMIT, "'outputs'", NULL);
	expect_doc("17 classes", with(base_classifier(), "outputs", json_integer(17)),
		   RFX_ERR_LIMIT, "'outputs'", "17");
	expect_doc("1 class", with(base_classifier(), "outputs", json_integer(1)), RFX_ERR_LIMIT,
		   "'outputs'", NULL);
}

static void test_bad_labels(void)
{
	rt_case("labels: wrong count, too long, not strings, on an effect -> RFX_ERR_FIELD");
	expect_doc("labels on an effect", with(base_doc(), "labels", json_pack("[s]", "a")),
		   RFX_ERR_FIELD, "'labels'", "effect");
	expect_doc("2 labels for 3 classes", with(base_classifier(), "labels",
						  json_pack("[s,s]", "a", "b")),
		   RFX_ERR_FIELD, "'labels'", "2 entries, expected 3");
	expect_doc("labels a string", with(base_classifier(), "labels", json_string("a,b,c")),
		   RFX_ERR_FIELD, "'labels'", "a string");
	expect_doc("label a number", with(base_classifier(), "labels", json_pack("[s,i,s]", "a", 1,
										"c")),
		   RFX_ERR_FIELD, "'labels'[1]", "an integer");
	char long_label[RFX_MAX_LABEL + 1];
	memset(long_label, 'q', RFX_MAX_LABEL);
	long_label[RFX_MAX_LABEL] = '\0'; /* 64 bytes: one too many with the NUL */
	expect_doc("label of 64 bytes", with(base_classifier(), "labels",
					     json_pack("[s,s,s]", "a", "b", long_label)),
		   RFX_ERR_FIELD, "'labels'[2]", "64 bytes");

	rt_case("labels: missing means unnamed classes; 63 bytes is allowed");
	json_t *doc = with(base_classifier(), "labels",
			   json_pack("[s,s,s]", "a", "", long_label + 1));
	char *text = json_dumps(doc, 0);
	RfxModel *m = NULL;
	RfxStatus st = rfx_model_load_string(text, text ? strlen(text) : 0, &m, NULL, 0);
	RT_CHECK(st == RFX_OK && m && strcmp(m->labels[2], long_label + 1) == 0 &&
		 strcmp(m->labels[0], "a") == 0, "63-byte label: %s", rfx_strerror(st));
	rfx_model_free(m);
	m = NULL;
	free(text);
	json_decref(doc);
	doc = without(base_classifier(), "labels");
	text = json_dumps(doc, 0);
	st = rfx_model_load_string(text, text ? strlen(text) : 0, &m, NULL, 0);
	RT_CHECK(st == RFX_OK && m && m->labels[0][0] == '\0' && m->labels[2][0] == '\0',
		 "no labels: %s", rfx_strerror(st));
	rfx_model_free(m);
	free(text);
	json_decref(doc);

	rt_case("notes: wrong count, out of range, not integers, on an effect -> RFX_ERR_FIELD");
	expect_doc("notes on an effect", with(base_doc(), "notes", json_pack("[i]", 36)),
		   RFX_ERR_FIELD, "'notes'", "effect");
	expect_doc("2 notes for 3 classes", with(base_classifier(), "notes", json_pack("[i,i]", 1, 2)),
		   RFX_ERR_FIELD, "'notes'", "3 MIDI notes");
	expect_doc("note 128", with(base_classifier(), "notes", json_pack("[i,i,i]", 1, 2, 128)),
		   RFX_ERR_FIELD, "'notes'[2]", "0 to 127");
	expect_doc("note a string", with(base_classifier(), "notes", json_pack("[i,s,i]", 1, "x", 3)),
		   RFX_ERR_FIELD, "'notes'[1]", "integer");
	expect_doc("mode banjo", with(base_classifier(), "mode", json_string("banjo")),
		   RFX_ERR_FIELD, "'mode'", "\"onset\"");

	rt_case("metadata that is not an object: RFX_ERR_FIELD");
	expect_doc("metadata array", with(base_doc(), "metadata", json_pack("[i]", 1)),
		   RFX_ERR_FIELD, "'metadata'", "an array");
	expect_doc("metadata null", with(base_doc(), "metadata", json_null()), RFX_ERR_FIELD,
		   "'metadata'", "null");
}

static void test_bad_tensors(void)
{
	rt_case("'tensors' missing or not an object: RFX_ERR_FIELD");
	expect_doc("tensors missing", without(base_doc(), "tensors"), RFX_ERR_FIELD, "'tensors'",
		   "missing");
	expect_doc("tensors array", with(base_doc(), "tensors", json_array()), RFX_ERR_FIELD,
		   "'tensors'", "an array");

	rt_case("a missing tensor: RFX_ERR_TENSOR_MISSING naming it");
	static const char *const names[] = { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
					     "bias_hh_l0", "h0_l0", "head.weight", "head.bias" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		json_t *doc = base_doc();
		json_object_del(json_object_get(doc, "tensors"), names[i]);
		char needle[32];
		snprintf(needle, sizeof needle, "'%s'", names[i]);
		expect_doc(names[i], doc, RFX_ERR_TENSOR_MISSING, needle, "missing");
	}

	rt_case("an unknown extra tensor (a typo): RFX_ERR_FIELD naming it");
	json_t *doc = base_doc();
	json_t *ts = json_object_get(doc, "tensors");
	json_object_set(ts, "weigth_hh_l0", json_object_get(ts, "weight_hh_l0"));
	json_object_del(ts, "weight_hh_l0");
	expect_doc("weigth_hh_l0", doc, RFX_ERR_FIELD, "'weigth_hh_l0'", "unknown");
	doc = base_doc();
	ts = json_object_get(doc, "tensors");
	json_object_set(ts, "c0_l0", json_object_get(ts, "h0_l0")); /* c0 is for LSTMs only */
	expect_doc("c0 on a GRU", doc, RFX_ERR_FIELD, "'c0_l0'", "gru");
	doc = with(base_doc(), "initial_state", json_pack("[s]", "zeros"));
	expect_doc("h0 with zeros", doc, RFX_ERR_FIELD, "'h0_l0'", "unknown");
}

static void test_bad_shapes(void)
{
	rt_case("wrong shape or data length: RFX_ERR_SHAPE with expected and found");
	json_t *doc = base_doc();
	json_object_set_new(tensor_of(doc, "weight_hh_l0"), "shape", json_pack("[i,i]", 6, 1));
	expect_doc("[6,1] for [6,2]", doc, RFX_ERR_SHAPE, "tensor 'weight_hh_l0': shape [6,1] has 6 "
		   "values, expected [6,2] (12)", NULL);
	doc = base_doc();
	json_object_set_new(tensor_of(doc, "bias_ih_l0"), "shape", json_pack("[i,i]", 6, 1));
	expect_doc("bias as a matrix", doc, RFX_ERR_SHAPE, "'bias_ih_l0'", "expected [6]");
	doc = base_doc();
	json_object_set_new(tensor_of(doc, "head.weight"), "shape", json_pack("[i]", 2));
	expect_doc("matrix as a vector", doc, RFX_ERR_SHAPE, "'head.weight'", "expected [1,2]");
	doc = base_doc();
	json_object_set_new(tensor_of(doc, "weight_hh_l0"), "shape",
			    json_pack("[I,I]", 1LL << 40, 1LL << 40));
	expect_doc("huge shape", doc, RFX_ERR_SHAPE, "'weight_hh_l0'", "expected [6,2]");
	doc = base_doc();
	json_array_remove(json_object_get(tensor_of(doc, "weight_hh_l0"), "data"), 0);
	expect_doc("11 values for 12", doc, RFX_ERR_SHAPE, "'weight_hh_l0'", "11 values");
	doc = base_doc();
	json_array_append_new(json_object_get(tensor_of(doc, "h0_l0"), "data"), json_real(0.5));
	expect_doc("3 values for 2", doc, RFX_ERR_SHAPE, "'h0_l0'", "3 values");

	rt_case("malformed tensor objects: RFX_ERR_FIELD naming the tensor and the field");
	doc = base_doc();
	json_object_set_new(json_object_get(doc, "tensors"), "bias_hh_l0", json_pack("[i]", 1));
	expect_doc("tensor an array", doc, RFX_ERR_FIELD, "'bias_hh_l0'", "an array");
	doc = base_doc();
	json_object_del(tensor_of(doc, "bias_hh_l0"), "shape");
	expect_doc("shape missing", doc, RFX_ERR_FIELD, "'bias_hh_l0'", "'shape'");
	doc = base_doc();
	json_object_set_new(tensor_of(doc, "bias_hh_l0"), "shape", json_pack("[f]", 6.0));
	expect_doc("shape real", doc, RFX_ERR_FIELD, "'bias_hh_l0'", "'shape'[0]");
	doc = base_doc();
	json_object_set_new(tensor_of(doc, "bias_hh_l0"), "shape", json_array());
	expect_doc("shape empty", doc, RFX_ERR_FIELD, "'bias_hh_l0'", "empty");
	doc = base_doc();
	json_object_del(tensor_of(doc, "bias_hh_l0"), "data");
	expect_doc("data missing", doc, RFX_ERR_FIELD, "'bias_hh_l0'", "'data'");
	doc = base_doc();
	json_object_set_new(tensor_of(doc, "bias_hh_l0"), "dtype", json_string("f32"));
	expect_doc("extra field", doc, RFX_ERR_FIELD, "'bias_hh_l0'", "'dtype'");
}

static void test_bad_values(void)
{
	rt_case("non-number values: RFX_ERR_FIELD with the index");
	json_t *doc = base_doc();
	json_array_set_new(json_object_get(tensor_of(doc, "weight_ih_l0"), "data"), 3,
			   json_string("0.5"));
	expect_doc("string value", doc, RFX_ERR_FIELD, "'weight_ih_l0'", "data[3] is a string");
	doc = base_doc();
	json_array_set_new(json_object_get(tensor_of(doc, "head.bias"), "data"), 0, json_true());
	expect_doc("boolean value", doc, RFX_ERR_FIELD, "'head.bias'", "data[0]");

	rt_case("NaN/Inf (null) and values past the float range: RFX_ERR_NONFINITE");
	doc = base_doc();
	json_array_set_new(json_object_get(tensor_of(doc, "weight_hh_l0"), "data"), 5, json_null());
	expect_doc("null", doc, RFX_ERR_NONFINITE, "'weight_hh_l0'", "data[5]");
	doc = base_doc();
	json_array_set_new(json_object_get(tensor_of(doc, "bias_ih_l0"), "data"), 1,
			   json_real(-1e39));
	expect_doc("-1e39", doc, RFX_ERR_NONFINITE, "'bias_ih_l0'", "data[1]");
	/* FLT_MAX + half an ulp rounds to Inf: the first double that must be refused. */
	doc = base_doc();
	json_array_set_new(json_object_get(tensor_of(doc, "bias_ih_l0"), "data"), 0,
			   json_real(0x1.ffffffp+127));
	expect_doc("FLT_MAX + ulp/2", doc, RFX_ERR_NONFINITE, "'bias_ih_l0'", "data[0]");
	const char *inf = "{\"format\": \"rnnfx-model\", \"version\": 1, \"x\": 1e999}";
	expect_text("1e999 in the text", inf, strlen(inf), RFX_ERR_JSON, "line 1", NULL);

	rt_case("values just inside the float range load");
	doc = base_doc();
	json_array_set_new(json_object_get(tensor_of(doc, "bias_ih_l0"), "data"), 0,
			   json_real(0x1.fffffep+127)); /* FLT_MAX itself */
	json_array_set_new(json_object_get(tensor_of(doc, "bias_ih_l0"), "data"), 1,
			   json_real(1e-50)); /* underflows to 0, which is finite */
	char *text = json_dumps(doc, 0);
	RfxModel *m = NULL;
	RfxStatus st = rfx_model_load_string(text, text ? strlen(text) : 0, &m, NULL, 0);
	RfxTensor *t = m ? rfx_model_tensor(m, "bias_ih_l0") : NULL;
	RT_CHECK(st == RFX_OK && t && t->data[0] == 0x1.fffffep+127f && t->data[1] == 0.0f,
		 "edge values: %s", rfx_strerror(st));
	rfx_model_free(m);
	free(text);
	json_decref(doc);
}

/* ------------------------------------------------------------------ files */

static void test_load_files(void)
{
	char path[128], detail[256];
	RfxModel *m = NULL;
	rt_case("a missing file or a directory: RFX_ERR_IO");
	snprintf(path, sizeof path, "%s/no-such-model.json", tmp_dir);
	RfxStatus st = rfx_model_load_file(path, &m, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_IO && !m && strstr(detail, "No such file"), "missing: %s (%s)",
		 rfx_strerror(st), detail);
	st = rfx_model_load_file(tmp_dir, &m, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_IO && !m && strstr(detail, "folder"), "directory: %s (%s)",
		 rfx_strerror(st), detail);

	rt_case("a file past RFX_MODEL_FILE_MAX_BYTES: RFX_ERR_TOO_LARGE before reading it");
	snprintf(path, sizeof path, "%s/huge.json", tmp_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	/* Sparse: no disk space used, and reading it all would take seconds, not microseconds. */
	RT_CHECK(fd >= 0 && ftruncate(fd, (off_t)RFX_MODEL_FILE_MAX_BYTES + 1) == 0, "sparse file");
	if (fd >= 0)
		close(fd);
	st = rfx_model_load_file(path, &m, detail, sizeof detail);
	char size_text[32];
	snprintf(size_text, sizeof size_text, "%u", RFX_MODEL_FILE_MAX_BYTES + 1u);
	RT_CHECK(st == RFX_ERR_TOO_LARGE && !m && strstr(detail, size_text), "huge: %s (%s)",
		 rfx_strerror(st), detail);
	/* Exactly at the limit is read (and is not JSON: all NUL bytes). */
	if (truncate(path, (off_t)RFX_MODEL_FILE_MAX_BYTES) == 0) {
		st = rfx_model_load_file(path, &m, detail, sizeof detail);
		RT_CHECK(st == RFX_ERR_JSON, "at the limit: %s (%s)", rfx_strerror(st), detail);
	}
	unlink(path);

	rt_case("a device or a FIFO is refused before any read (a FIFO would block forever)");
	st = rfx_model_load_file("/dev/null", &m, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_IO && !m && strstr(detail, "not a regular file"), "/dev/null: %s (%s)",
		 rfx_strerror(st), detail);
	st = rfx_model_load_file("/dev/zero", &m, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_IO && !m, "/dev/zero: %s (%s)", rfx_strerror(st), detail);
	snprintf(path, sizeof path, "%s/fifo.json", tmp_dir);
	RT_CHECK(mkfifo(path, 0600) == 0, "mkfifo %s", path);
	st = rfx_model_load_file(path, &m, detail, sizeof detail); /* no writer: open would block */
	RT_CHECK(st == RFX_ERR_IO && !m && strstr(detail, "FIFO"), "FIFO: %s (%s)",
		 rfx_strerror(st), detail);
	unlink(path);
}

/* A small valid file that would cost gigabytes to parse (63 MB of empty objects took 4.97 GB), and
 * metadata past its bound, are refused before jansson builds them. */
static void test_bounded_json(void)
{
	char detail[256];
	RfxModel *m = NULL;
	rt_case("more JSON objects than a model can need: RFX_ERR_TOO_LARGE before parsing");
	size_t n = RFX_MODEL_MAX_CONTAINERS + 1, len = 0;
	char *t = malloc(3 * n + 64);
	RT_CHECK(t != NULL, "malloc");
	if (!t)
		return;
	len += (size_t)sprintf(t, "{\"metadata\":{\"x\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(t + len, i ? ",{}" : "{}");
	len += (size_t)sprintf(t + len, "]}}");
	RfxStatus st = rfx_model_load_string(t, len, &m, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_TOO_LARGE && !m && strstr(detail, "objects and arrays"), "%s (%s)",
		 rfx_strerror(st), detail);
	/* braces inside strings are text, not structure */
	len = (size_t)sprintf(t, "{\"metadata\":{\"x\":\"");
	for (size_t i = 0; i < n; i++)
		t[len++] = '{';
	len += (size_t)sprintf(t + len, "\"}}");
	st = rfx_model_load_string(t, len, &m, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_FORMAT, "braces in a string: %s (%s)", rfx_strerror(st), detail);
	free(t);

	rt_case("metadata past RFX_MODEL_MAX_METADATA: RFX_ERR_TOO_LARGE");
	char *text = NULL;
	RfxModel *ok = NULL;
	st = rfx_model_load_file("tests/data/models/example-gru.json", &ok, detail, sizeof detail);
	RT_CHECK(st == RFX_OK, "example: %s (%s)", rfx_strerror(st), detail);
	size_t big = RFX_MODEL_MAX_METADATA + 16;
	char *meta = malloc(big + 16);
	if (ok && meta) {
		memcpy(meta, "{\"x\":\"", 6);
		memset(meta + 6, 'a', big);
		memcpy(meta + 6 + big, "\"}", 3);
		RT_OK(rfx_model_set_metadata(ok, meta));
		text = rfx_model_to_string(ok);
		st = text ? rfx_model_load_string(text, strlen(text), &m, detail, sizeof detail)
			  : RFX_ERR_NOMEM;
		RT_CHECK(st == RFX_ERR_TOO_LARGE && !m && strstr(detail, "'metadata'"), "%s (%s)",
			 rfx_strerror(st), detail);
	}
	free(text);
	free(meta);
	rfx_model_free(ok);
}

static void test_save_replaces(uint64_t *rng)
{
	char path[128], detail[256];
	RfxModel *m = NULL;
	RfxStatus st;
	rt_case("saving leaves no temp file behind and replaces the old file");
	RfxModelSpec s = spec_of(RFX_CELL_GRU, 1, 1, 4, RFX_MODE_EFFECT, 1);
	RfxModel *a = new_model(&s, rng), *b = new_model(&s, rng);
	snprintf(path, sizeof path, "%s/saved.json", tmp_dir);
	st = a ? rfx_model_save_file(a, path, detail, sizeof detail) : RFX_ERR_NOMEM;
	RT_CHECK(st == RFX_OK, "save a: %s (%s)", rfx_strerror(st), detail);
	st = b ? rfx_model_save_file(b, path, detail, sizeof detail) : RFX_ERR_NOMEM;
	RT_CHECK(st == RFX_OK, "save b: %s (%s)", rfx_strerror(st), detail);
	RT_CHECK(count_dir_entries(".saved.json.tmp-") == 0, "a temp file was left behind");
	RT_CHECK(count_dir_entries("saved.json") == 1, "expected exactly saved.json");
	st = rfx_model_load_file(path, &m, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && m && b && models_identical(m, b), "the second save did not replace "
		 "the first: %s (%s)", rfx_strerror(st), detail);
	rfx_model_free(m);
	rfx_model_free(a);
	rfx_model_free(b);
	unlink(path);
}

static void test_save_refuses(uint64_t *rng)
{
	char path[128], detail[256];
	RfxStatus st;
	rt_case("saving refuses what could not be loaded back, and writes nothing");
	RfxModelSpec s = spec_of(RFX_CELL_GRU, 1, 1, 4, RFX_MODE_EFFECT, 1);
	RfxModel *a = new_model(&s, rng);
	snprintf(path, sizeof path, "%s/refused.json", tmp_dir);
	if (a) {
		a->params[3] = NAN;
		st = rfx_model_save_file(a, path, detail, sizeof detail);
		RT_CHECK(st == RFX_ERR_NONFINITE && strstr(detail, "'weight_ih_l0'"), "NaN: %s (%s)",
			 rfx_strerror(st), detail);
		char *text = rfx_model_to_string(a); /* still JSON: the NaN is null */
		RfxModel *back = NULL;
		st = text ? rfx_model_load_string(text, strlen(text), &back, detail, sizeof detail)
			  : RFX_ERR_NOMEM;
		RT_CHECK(st == RFX_ERR_NONFINITE && strstr(detail, "data[3]"), "NaN text: %s (%s)",
			 rfx_strerror(st), detail);
		free(text);
		a->params[3] = 0.25f;
		RT_OK(rfx_model_set_metadata(a, "[1, 2]"));
		st = rfx_model_save_file(a, path, detail, sizeof detail);
		RT_CHECK(st == RFX_ERR_FIELD && strstr(detail, "'metadata'"), "metadata: %s (%s)",
			 rfx_strerror(st), detail);
	}
	RT_CHECK(count_dir_entries("refused.json") == 0, "a refused save left a file");
	rfx_model_free(a);
}

static void test_save_failures(uint64_t *rng)
{
	char path[128], detail[256];
	RfxStatus st;
	rt_case("saving into a missing directory: RFX_ERR_IO and no temp file");
	RfxModelSpec s = spec_of(RFX_CELL_GRU, 1, 1, 4, RFX_MODE_EFFECT, 1);
	RfxModel *b = new_model(&s, rng);
	snprintf(path, sizeof path, "%s/no-dir/model.json", tmp_dir);
	st = b ? rfx_model_save_file(b, path, detail, sizeof detail) : RFX_ERR_NOMEM;
	RT_CHECK(st == RFX_ERR_IO && strstr(detail, "no-dir"), "missing dir: %s (%s)",
		 rfx_strerror(st), detail);
	RT_CHECK(count_dir_entries("") == 2, "the directory holds more than . and ..");

	rt_case("a failed rename or a failed write removes the temp file");
	snprintf(path, sizeof path, "%s/a-dir", tmp_dir);
	RT_CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
	st = b ? rfx_model_save_file(b, path, detail, sizeof detail) : RFX_ERR_NOMEM;
	RT_CHECK(st == RFX_ERR_IO && strstr(detail, "is a folder"), "over a directory: %s (%s)",
		 rfx_strerror(st), detail);
	RT_CHECK(count_dir_entries(".a-dir.tmp-") == 0, "refused and a temp file stayed");
	rmdir(path);
	/* A file-size limit makes write() fail part way (EFBIG) without needing a full disk. */
	struct rlimit old_limit, small = { 100, 0 };
	snprintf(path, sizeof path, "%s/limited.json", tmp_dir);
	if (b && getrlimit(RLIMIT_FSIZE, &old_limit) == 0) {
		small.rlim_max = old_limit.rlim_max;
		signal(SIGXFSZ, SIG_IGN);
		RT_CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0, "setrlimit");
		st = rfx_model_save_file(b, path, detail, sizeof detail);
		setrlimit(RLIMIT_FSIZE, &old_limit);
		signal(SIGXFSZ, SIG_DFL);
		RT_CHECK(st == RFX_ERR_IO && strstr(detail, "cannot write"), "write error: %s (%s)",
			 rfx_strerror(st), detail);
		RT_CHECK(count_dir_entries("limited.json") == 0 && count_dir_entries(".limited.json") == 0,
			 "write failed and a file stayed");
	}
	rfx_model_free(b);
}

static void test_arguments(void)
{
	rt_case("NULL arguments: RFX_ERR_INVALID, and a tiny detail buffer is cut, not overrun");
	RfxModel *m = NULL;
	char detail[8];
	RT_CHECK(rfx_model_load_string(NULL, 0, &m, NULL, 0) == RFX_ERR_INVALID, "NULL text");
	RT_CHECK(rfx_model_load_string("{}", 2, NULL, NULL, 0) == RFX_ERR_INVALID, "NULL out");
	RT_CHECK(rfx_model_load_file(NULL, &m, NULL, 0) == RFX_ERR_INVALID, "NULL path");
	RT_CHECK(rfx_model_save_file(NULL, "/tmp/x", NULL, 0) == RFX_ERR_INVALID, "NULL model");
	RT_CHECK(rfx_model_to_string(NULL) == NULL, "to_string(NULL)");
	RfxStatus st = rfx_model_load_string("{}", 2, &m, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_FORMAT && strlen(detail) == sizeof detail - 1, "cut detail '%s'",
		 detail);
}

/* The example of docs/model-format.md, kept as a file so the document cannot drift from the code. */
static void test_doc_example(void)
{
	rt_case("the example of docs/model-format.md loads, and equals tests/data/models/example-gru.json");
	const char *path = "tests/data/models/example-gru.json";
	char detail[256] = "";
	RfxModel *m = NULL;
	RfxStatus st = rfx_model_load_file(path, &m, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && m, "%s: %s (%s)", path, rfx_strerror(st), detail);
	if (m) {
		RT_CHECK(m->spec.cell == RFX_CELL_GRU && m->spec.hidden == 2 && m->n_params == 35,
			 "example: cell %d, hidden %d, %zu weights", m->spec.cell, m->spec.hidden,
			 m->n_params);
		RT_CHECK(m->metadata && strstr(m->metadata, "\"rnnfx_version\""), "metadata: %s",
			 m->metadata ? m->metadata : "(none)");
	}
	/* and the copy printed in the document is the same model */
	RfxModel *doc_model = NULL;
	FILE *f = fopen("docs/model-format.md", "rb");
	static char md[1 << 16];
	size_t n = f ? fread(md, 1, sizeof md - 1, f) : 0;
	if (f)
		fclose(f);
	md[n] = '\0';
	char *start = strstr(md, "```json\n"), *end = start ? strstr(start + 8, "\n```") : NULL;
	RT_CHECK(start && end, "no ```json block in docs/model-format.md");
	if (start && end)
		st = rfx_model_load_string(start + 8, (size_t)(end - start - 8), &doc_model, detail,
					   sizeof detail);
	RT_CHECK(doc_model && m && models_identical(doc_model, m), "the document's example differs "
		 "from %s: %s (%s)", path, rfx_strerror(st), detail);
	rfx_model_free(doc_model);
	rfx_model_free(m);
}

int main(void)
{
	uint64_t rng = rt_seed();
	make_tmp_dir();
	test_round_trip_cells(&rng);
	test_round_trip_classifier(&rng);
	test_metadata_normalised(&rng);
	test_writer_layout(&rng);
	test_decimal_comma_locale(&rng);
	test_writer_bad_labels(&rng);
	test_base_loads();
	test_bad_json();
	test_bad_header();
	test_bad_cell();
	test_bad_fields();
	test_limits();
	test_bad_labels();
	test_bad_tensors();
	test_bad_shapes();
	test_bad_values();
	test_load_files();
	test_bounded_json();
	test_save_replaces(&rng);
	test_save_refuses(&rng);
	test_save_failures(&rng);
	test_arguments();
	test_doc_example();
	remove_tmp_dir();
	return rt_finish();
}
