#include "capture_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "../io/files.h"

#define MAX_JSON_BYTES (1u << 20)

static const char *const SECTION_KEYS[TRN_CAPTURE_SECTIONS] = {"train", "validation", "test"};

/* A name inside the folder: not empty, no '/', not "." or "..". */
static int plain_name(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* The JSON of `path`, or NULL with msg filled; *missing set when the file does not exist. */
static json_t *read_json(const char *path, int *missing, char *msg, size_t cap)
{
	char why[512], *text = NULL;
	size_t len = 0;
	struct stat sb;
	*missing = stat(path, &sb) != 0 && errno == ENOENT;
	if (rfx_in_read(path, MAX_JSON_BYTES, 0, &text, &len, why, sizeof why) != 0) {
		snprintf(msg, cap, "%s", why);
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	free(text);
	if (!json_is_object(root)) {
		snprintf(msg, cap, "%s: not JSON (%s, line %d)", path, root ? "not an object" : je.text,
			 je.line);
		json_decref(root);
		return NULL;
	}
	return root;
}

/* `root` is version 1 of `format`. */
static int check_format(json_t *root, const char *format, const char *path, char *msg, size_t cap)
{
	const char *f = json_string_value(json_object_get(root, "format"));
	json_t *v = json_object_get(root, "version");
	if (!f || strcmp(f, format) != 0) {
		snprintf(msg, cap, "%s: not a file of rnnfx-capture (\"format\" is not \"%s\")", path,
			 format);
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		snprintf(msg, cap, "%s: a version this rnnfx-train does not read (it reads 1)", path);
		return -1;
	}
	return 0;
}

/* The three pairs of the capture in `dir` (its capture.json), each with `value` as its setting
 * when `knob` is not NULL (the take's capture.json must say the same). *missing: there is no
 * capture.json. */
static int read_one(TrnCapture *c, const char *dir, const char *knob, double value, int *missing,
		    char *msg, size_t cap)
{
	char *path = rfx_path_join(dir, "capture.json");
	int rc = -1;
	json_t *root = path ? read_json(path, missing, msg, cap) : NULL;
	if (!path)
		snprintf(msg, cap, "out of memory");
	if (!root || check_format(root, "rnnfx-capture", path, msg, cap) != 0)
		goto done;
	json_t *sections = json_object_get(json_object_get(root, "signal"), "sections");
	if (!sections) {
		snprintf(msg, cap, "%s: no training pairs: %s", path,
			 json_object_get(root, "interface_latency_samples") || !json_object_get(root, "signal")
				 ? "a calibration?" : "no \"signal\".\"sections\"");
		goto done;
	}
	json_t *k = json_object_get(root, "knob");
	if (knob && (!json_is_number(json_object_get(k, "value")) ||
		     json_number_value(json_object_get(k, "value")) != value ||
		     !json_is_string(json_object_get(k, "name")) ||
		     strcmp(json_string_value(json_object_get(k, "name")), knob) != 0)) {
		snprintf(msg, cap, "%s: not the take of %s=%g that knob-set.json names", path, knob,
			 value);
		goto done;
	}
	for (int s = 0; s < TRN_CAPTURE_SECTIONS; s++) {
		json_t *sec = json_object_get(sections, SECTION_KEYS[s]);
		const char *in = json_string_value(json_object_get(sec, "input"));
		const char *tgt = json_string_value(json_object_get(sec, "target"));
		if (!plain_name(in) || !plain_name(tgt)) {
			snprintf(msg, cap, "%s: the %s pair's files are not named (as file names in the "
				 "folder)", path, SECTION_KEYS[s]);
			goto done;
		}
		TrnCapturePair *p = &c->pair[c->n];
		*p = (TrnCapturePair){ s, rfx_path_join(dir, in), rfx_path_join(dir, tgt), value };
		c->n++;
		if (!p->in || !p->tgt) {
			snprintf(msg, cap, "out of memory");
			goto done;
		}
	}
	rc = 0;
done:
	json_decref(root);
	free(path);
	return rc;
}

/* A knob set: each take's folder, in the order of knob-set.json. */
static int read_set(TrnCapture *c, const char *dir, json_t *root, const char *path, char *msg,
		    size_t cap)
{
	if (check_format(root, "rnnfx-capture-knob-set", path, msg, cap) != 0)
		return -1;
	const char *knob = json_string_value(json_object_get(root, "knob"));
	json_t *takes = json_object_get(root, "takes");
	if (!knob || !*knob || strlen(knob) >= TRN_KNOB_NAME || !json_is_array(takes) ||
	    json_array_size(takes) < 2 || json_array_size(takes) > TRN_CAPTURE_MAX_TAKES) {
		snprintf(msg, cap, "%s: expected a knob name and 2 to %d takes", path,
			 TRN_CAPTURE_MAX_TAKES);
		return -1;
	}
	snprintf(c->knob, sizeof c->knob, "%s", knob);
	size_t i;
	json_t *t;
	json_array_foreach(takes, i, t) {
		const char *folder = json_string_value(json_object_get(t, "folder"));
		json_t *v = json_object_get(t, "value");
		if (!plain_name(folder) || !json_is_number(v)) {
			snprintf(msg, cap, "%s: take %zu has no folder (a name in %s) or no value", path,
				 i + 1, dir);
			return -1;
		}
		char *take = rfx_path_join(dir, folder);
		int missing = 0;
		int rc = take ? read_one(c, take, knob, json_number_value(v), &missing, msg, cap) : -1;
		if (!take)
			snprintf(msg, cap, "out of memory");
		free(take);
		if (rc)
			return -1;
	}
	return 0;
}

int trn_capture_read(TrnCapture *c, const char *dir, char *msg, size_t cap)
{
	char *path = rfx_path_join(dir, "knob-set.json");
	int no_set = 0, no_capture = 0, rc = -1;
	if (!path) {
		snprintf(msg, cap, "out of memory");
		return -1;
	}
	json_t *root = read_json(path, &no_set, msg, cap);
	if (root)
		rc = read_set(c, dir, root, path, msg, cap);
	else if (no_set && (rc = read_one(c, dir, NULL, 0, &no_capture, msg, cap)) != 0 && no_capture)
		snprintf(msg, cap, "neither capture.json nor knob-set.json here: not a folder "
			 "rnnfx-capture wrote");
	json_decref(root);
	free(path);
	return rc;
}

void trn_capture_free(TrnCapture *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->pair[i].in);
		free(c->pair[i].tgt);
	}
	c->n = 0;
}
