#include "knobs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/rnnfx.h"

static int find(const char (*names)[TRN_KNOB_NAME], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= TRN_KNOB_NAME)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* NAME=REST: copies NAME (valid) into `name` and returns REST, or NULL when arg is not that. */
static const char *split_name(const char *arg, char name[TRN_KNOB_NAME])
{
	const char *eq = strchr(arg, '=');
	const size_t len = eq ? (size_t)(eq - arg) : 0;
	if (!eq || !name_ok(arg, len))
		return NULL;
	memcpy(name, arg, len);
	name[len] = '\0';
	return eq + 1;
}

/* Parses NAME=VALUE into name and *value; 0, or -1 with msg filled. */
static int parse_pair(const char *opt, const char *arg, char name[TRN_KNOB_NAME], double *value,
		      char *msg, size_t cap)
{
	const char *val = split_name(arg, name);
	if (!val) {
		snprintf(msg, cap, "--%s: '%s' is not NAME=VALUE (NAME: 1 to %d letters, digits, "
			 "'_', '-' or '.')", opt, arg, TRN_KNOB_NAME - 1);
		return -1;
	}
	char *end;
	errno = 0;
	double v = strtod(val, &end);
	if (errno || end == val || *end || !isfinite(v)) {
		snprintf(msg, cap, "--%s: '%s': the value '%s' is not a finite number", opt, arg, val);
		return -1;
	}
	*value = v;
	return 0;
}

int trn_knob_add_track(TrnKnobValues *v, const char *arg, char *msg, size_t cap)
{
	char name[TRN_KNOB_NAME];
	const char *file = split_name(arg, name);
	if (!file || !*file) {
		snprintf(msg, cap, "--knob-track: '%s' is not NAME=FILE (NAME: 1 to %d letters, digits, "
			 "'_', '-' or '.')", arg, TRN_KNOB_NAME - 1);
		return -1;
	}
	if (find(v->name, v->n, name) >= 0) {
		snprintf(msg, cap, "--knob-track %s: %s given twice", arg, name);
		return -1;
	}
	if (v->n >= TRN_MAX_KNOBS) {
		snprintf(msg, cap, "--knob-track %s: at most %d knobs", arg, TRN_MAX_KNOBS);
		return -1;
	}
	char why[768];
	TrnKnobTrack *tr;
	if (trn_knob_track_read(&tr, file, why, sizeof why) != 0) {
		snprintf(msg, cap, "--knob-track %s: %s", name, why);
		return -1;
	}
	snprintf(v->name[v->n], TRN_KNOB_NAME, "%s", name);
	v->value[v->n] = NAN;
	v->track[v->n++] = tr;
	return 0;
}

void trn_knob_values_free(TrnKnobValues *v)
{
	for (int i = 0; i < v->n; i++) {
		trn_knob_track_free(v->track[i]);
		v->track[i] = NULL;
	}
}

int trn_knob_add(TrnKnobValues *v, const char *opt, const char *arg, char *msg, size_t cap)
{
	char name[TRN_KNOB_NAME];
	double value;
	if (parse_pair(opt, arg, name, &value, msg, cap) != 0)
		return -1;
	if (find(v->name, v->n, name) >= 0) {
		snprintf(msg, cap, "--%s %s: %s given twice", opt, arg, name);
		return -1;
	}
	if (v->n >= TRN_MAX_KNOBS) {
		snprintf(msg, cap, "--%s %s: at most %d knobs", opt, arg, TRN_MAX_KNOBS);
		return -1;
	}
	snprintf(v->name[v->n], TRN_KNOB_NAME, "%s", name);
	v->value[v->n++] = value;
	return 0;
}

static void names_list(const TrnKnobs *k, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < k->n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", k->name[i]);
	if (k->n == 0)
		snprintf(buf, cap, "none");
}

/* Every pair of every list names exactly the first training pair's knobs. */
static int check_names(const TrnKnobs *k, const TrnKnobPairs sets[3], char *msg, size_t cap)
{
	char have[TRN_MAX_KNOBS * TRN_KNOB_NAME + 16];
	names_list(k, have, sizeof have);
	for (int s = 0; s < 3; s++)
		for (int p = 0; p < sets[s].n; p++) {
			const TrnKnobValues *v = &sets[s].v[p];
			for (int i = 0; i < v->n; i++)
				if (find(k->name, k->n, v->name[i]) < 0) {
					snprintf(msg, cap, "--knob %s of %s pair %d (%s): the first "
						 "training pair's knobs are %s; every pair needs the "
						 "same knob names", v->name[i], sets[s].role, p + 1,
						 sets[s].in[p], have);
					return -1;
				}
			for (int i = 0; i < k->n; i++)
				if (find(v->name, v->n, k->name[i]) < 0) {
					snprintf(msg, cap, "%s pair %d (%s) has no --knob %s=VALUE; every "
						 "pair needs a value for each knob (%s)", sets[s].role,
						 p + 1, sets[s].in[p], k->name[i], have);
					return -1;
				}
		}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double value_of(const TrnKnobValues *v, const char *name)
{
	return v->value[find(v->name, v->n, name)];
}

int trn_knobs_resolve(TrnKnobs *k, const TrnKnobPairs sets[3], const TrnKnobValues *defaults,
		      char *msg, size_t cap)
{
	memset(k, 0, sizeof *k);
	if (sets[0].n > 0) {
		k->n = sets[0].v[0].n;
		memcpy(k->name, sets[0].v[0].name, sizeof k->name);
	}
	int any = k->n > 0 || defaults->n > 0;
	for (int s = 0; s < 3 && !any; s++)
		for (int p = 0; p < sets[s].n; p++)
			any |= sets[s].v[p].n > 0;
	if (!any)
		return 0;
	if (check_names(k, sets, msg, cap) != 0)
		return -1;
	for (int i = 0; i < k->n; i++) {
		double *t = k->trained[i];
		int m = 0;
		for (int p = 0; p < sets[0].n; p++) {
			const TrnKnobValues *v = &sets[0].v[p];
			const TrnKnobTrack *tr = v->track[find(v->name, v->n, k->name[i])];
			if (tr) { /* a track: its lowest and highest value */
				t[m++] = tr->min;
				t[m++] = tr->max;
			} else {
				t[m++] = value_of(v, k->name[i]);
			}
		}
		qsort(t, (size_t)m, sizeof *t, cmp_double);
		int n = 0;
		for (int p = 0; p < m; p++)
			if (n == 0 || t[p] != t[n - 1])
				t[n++] = t[p];
		k->n_trained[i] = n;
		k->min[i] = t[0];
		k->max[i] = t[n - 1];
		if (n < 2) {
			snprintf(msg, cap, "--knob %s: every training pair has %s=%g; a knob needs "
				 "training pairs at two or more values (they set its range)",
				 k->name[i], k->name[i], t[0]);
			return -1;
		}
		k->def[i] = 0.5 * (k->min[i] + k->max[i]);
	}
	for (int d = 0; d < defaults->n; d++) {
		int i = find(k->name, k->n, defaults->name[d]);
		double v = defaults->value[d];
		if (i < 0) {
			char have[TRN_MAX_KNOBS * TRN_KNOB_NAME + 16];
			names_list(k, have, sizeof have);
			snprintf(msg, cap, "--knob-default %s: no such knob (the knobs are %s)",
				 defaults->name[d], have);
			return -1;
		}
		if (v < k->min[i] || v > k->max[i]) {
			snprintf(msg, cap, "--knob-default %s=%g: outside the trained range %g to %g",
				 defaults->name[d], v, k->min[i], k->max[i]);
			return -1;
		}
		k->def[i] = v;
	}
	return 0;
}

int trn_knobs_set_unit(TrnKnobs *k, const char *arg, char *msg, size_t cap)
{
	char name[TRN_KNOB_NAME];
	const char *unit = split_name(arg, name);
	const size_t ulen = unit ? strlen(unit) : 0;
	int printable = ulen > 0 && ulen < TRN_KNOB_UNIT;
	for (size_t j = 0; printable && j < ulen; j++)
		printable = unit[j] >= ' ' && unit[j] <= '~' && unit[j] != '"' && unit[j] != '\\';
	if (!printable) {
		snprintf(msg, cap, "--knob-unit: '%s' is not NAME=UNIT (UNIT: 1 to %d printable "
			 "characters, e.g. dB)", arg, TRN_KNOB_UNIT - 1);
		return -1;
	}
	int i = find(k->name, k->n, name);
	if (i < 0) {
		char have[TRN_MAX_KNOBS * TRN_KNOB_NAME + 16];
		names_list(k, have, sizeof have);
		snprintf(msg, cap, "--knob-unit %s: no such knob (the knobs are %s)", name, have);
		return -1;
	}
	snprintf(k->unit[i], TRN_KNOB_UNIT, "%s", unit);
	return 0;
}

double trn_knobs_value(const TrnKnobs *k, const TrnKnobValues *v, int i)
{
	return value_of(v, k->name[i]);
}

const TrnKnobTrack *trn_knobs_track(const TrnKnobs *k, const TrnKnobValues *v, int i)
{
	return v->track[find(v->name, v->n, k->name[i])];
}

static float scale(const TrnKnobs *k, int i, double v)
{
	return rfx_knob_scale(k->min[i], k->max[i], v);
}

void trn_knobs_cond(const TrnKnobs *k, const TrnKnobValues *v, float cond[TRN_MAX_KNOBS])
{
	for (int i = 0; i < TRN_MAX_KNOBS; i++)
		cond[i] = i < k->n && !trn_knobs_track(k, v, i) ? scale(k, i, value_of(v, k->name[i]))
							       : 0.0f; /* a track: cond_track */
}

void trn_knobs_format(const TrnKnobs *k, const TrnKnobValues *v, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < k->n && len < cap; i++)
		len += trn_knobs_track(k, v, i)
			       ? (size_t)snprintf(buf + len, cap - len, "%s%s=track", i ? " " : "", k->name[i])
			       : (size_t)snprintf(buf + len, cap - len, "%s%s=%g", i ? " " : "", k->name[i],
						  value_of(v, k->name[i]));
}

json_t *trn_knobs_json(const TrnKnobs *k)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < k->n; i++) {
		json_t *vals = json_array();
		for (int j = 0; vals && j < k->n_trained[i]; j++)
			json_array_append_new(vals, json_real(k->trained[i][j]));
		json_t *o = json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:s, s:o}", "name", k->name[i],
				      "input", 1 + i, "min", k->min[i], "max", k->max[i],
				      "default", k->def[i], "default_input",
				      (double)scale(k, i, k->def[i]), "scaling", "linear",
				      "trained_values", vals);
		if (o && k->unit[i][0])
			json_object_set_new(o, "unit", json_string(k->unit[i]));
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *trn_knobs_values_json(const TrnKnobs *k, const TrnKnobValues *v)
{
	json_t *o = json_object();
	for (int i = 0; o && i < k->n; i++) {
		const TrnKnobTrack *tr = trn_knobs_track(k, v, i);
		json_object_set_new(o, k->name[i], tr ? json_pack("{s:s}", "track", tr->path)
						      : json_real(value_of(v, k->name[i])));
	}
	return o;
}
