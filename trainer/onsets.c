#include "onsets.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io/files.h"
#include "grow.h"

#define CSV_MAX_BYTES (64u << 20)

static int push(TrnOnset **v, int *n, size_t *cap, TrnOnset o)
{
	TrnOnset *nv = trn_grow(*v, (size_t)*n, cap, sizeof *nv, 64);
	if (!nv)
		return -1;
	*v = nv;
	(*v)[(*n)++] = o;
	return 0;
}

static int onset_cmp(const void *a, const void *b)
{
	const TrnOnset *x = a, *y = b;
	return x->pos < y->pos ? -1 : x->pos > y->pos ? 1 : x->cls - y->cls;
}

/* Class of `label`: its index in `cs`; when the set is open (`open`), a new label is appended. */
static int class_of(TrnClassSet *cs, int open, const char *label, const char *where, TrnError *err)
{
	if (trn_label_check(label, where, err))
		return -1;
	int k = trn_class_index(cs, label);
	if (k >= 0)
		return k;
	if (!open) {
		char all[1200];
		trn_class_list(cs, all, sizeof all);
		return trn_error_set(err, where, "unknown class '%s' (classes: %s)", label, all);
	}
	if (cs->n == RFX_MAX_CLASSES)
		return trn_error_set(err, where, "more than %d classes", RFX_MAX_CLASSES);
	snprintf(cs->name[cs->n], RFX_MAX_LABEL, "%s", label);
	return cs->n++;
}

/* Parses `csv` (the labels of a track of n samples at rate) into *on. */
static int parse_csv(const char *csv, size_t n, double rate, TrnClassSet *cs, int open,
		     TrnOnset **on, int *n_on, TrnError *err)
{
	char *text = NULL, msg[512];
	size_t len = 0;
	if (rfx_in_read(csv, CSV_MAX_BYTES, 0, &text, &len, msg, sizeof msg))
		return trn_error_set(err, csv, "%s", msg);
	size_t cap = 0;
	int rc = 0, line_no = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		line_no++;
		char where[1100];
		snprintf(where, sizeof where, "%.1000s:%d", csv, line_no);
		char *s = trn_trim(line);
		if (!*s || *s == '#')
			continue;
		char *comma = strchr(s, ',');
		if (!comma) {
			rc = trn_error_set(err, where, "malformed line: expected time,class");
			break;
		}
		*comma = '\0';
		char *t = trn_trim(s), *label = trn_trim(comma + 1), *end;
		if (strcmp(t, "time") == 0 && strcmp(label, "class") == 0)
			continue;
		errno = 0;
		double sec = strtod(t, &end);
		if (errno || end == t || *end || !isfinite(sec)) {
			rc = trn_error_set(err, where, "malformed line: time '%s' must be seconds", t);
			break;
		}
		if (sec < 0 || sec * rate >= (double)n) {
			rc = trn_error_set(err, where, "time %g s is outside the audio (0 to %.3f s)", sec,
					   (double)n / rate);
			break;
		}
		int k = class_of(cs, open, label, where, err);
		if (k < 0 || push(on, n_on, &cap, (TrnOnset){ (size_t)llround(sec * rate), k }))
			rc = k < 0 ? -1 : trn_error_set(err, where, "out of memory");
	}
	free(text);
	if (!rc && *n_on)
		qsort(*on, (size_t)*n_on, sizeof **on, onset_cmp);
	return rc;
}

/* Room for one more track's onsets: on and n_on grow together. */
static int grow(TrnOnsetTracks *ot)
{
	const size_t n = (size_t)ot->tl.n_tracks;
	size_t cap_on = ot->cap, cap_n = ot->cap;
	TrnOnset **on = trn_grow(ot->on, n, &cap_on, sizeof *on, 32);
	if (on)
		ot->on = on;
	int *n_on = trn_grow(ot->n_on, n, &cap_n, sizeof *n_on, 32);
	if (n_on)
		ot->n_on = n_on;
	if (!on || !n_on)
		return -1;
	ot->cap = cap_on;
	return 0;
}

int trn_onsets_load_dir(TrnOnsetTracks *ot, const char *dir, TrnClassSet *cs, int open,
			TrnError *err)
{
	char **files = NULL;
	int n_files = 0, rc = 0;
	if (trn_list_dir(dir, 0, &files, &n_files, err))
		return -1;
	if (n_files == 0)
		rc = trn_error_set(err, dir, "no audio files (NAME.wav with NAME.csv beside it)");
	for (int i = 0; i < n_files && !rc; i++) {
		char path[1200], csv[1200];
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		snprintf(csv, sizeof csv, "%s", path);
		char *dot = strrchr(csv, '.');
		snprintf(dot, sizeof csv - (size_t)(dot - csv), ".csv");
		if (access(csv, F_OK) != 0) { /* read (regular files only) by parse_csv */
			rc = trn_error_set(err, path, "no labels: expected %s beside it (lines "
					   "time,class)", csv);
			break;
		}
		if (grow(ot)) {
			rc = trn_error_set(err, path, "out of memory");
			break;
		}
		TrnTrack *t = trn_track_add(&ot->tl, path, path, err);
		if (!t) {
			rc = -1;
			break;
		}
		free(t->lab); /* an onset track keeps its labels as a list, not per sample */
		t->lab = NULL;
		const int ti = ot->tl.n_tracks - 1;
		ot->on[ti] = NULL;
		ot->n_on[ti] = 0;
		rc = parse_csv(csv, t->n, ot->tl.rate, cs, open, &ot->on[ti], &ot->n_on[ti], err);
	}
	trn_names_free(files, n_files);
	return rc;
}

int trn_onsets_fix_classes(TrnOnsetTracks *ot, TrnClassSet *cs, const char *where, TrnError *err)
{
	if (cs->n < 2)
		return trn_error_set(err, where, "%d class found in the labels; an onset model needs "
				     "at least 2", cs->n);
	int order[RFX_MAX_CLASSES], remap[RFX_MAX_CLASSES];
	for (int k = 0; k < cs->n; k++)
		order[k] = k;
	for (int i = 1; i < cs->n; i++) /* insertion sort by name: K <= 16 */
		for (int j = i; j > 0 && strcmp(cs->name[order[j - 1]], cs->name[order[j]]) > 0; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	TrnClassSet sorted = { .n = cs->n };
	for (int k = 0; k < cs->n; k++) {
		memcpy(sorted.name[k], cs->name[order[k]], RFX_MAX_LABEL);
		remap[order[k]] = k;
	}
	*cs = sorted;
	for (int i = 0; i < ot->tl.n_tracks; i++) {
		for (int j = 0; j < ot->n_on[i]; j++)
			ot->on[i][j].cls = remap[ot->on[i][j].cls];
		if (ot->n_on[i])
			qsort(ot->on[i], (size_t)ot->n_on[i], sizeof *ot->on[i], onset_cmp);
	}
	return 0;
}

void trn_onsets_free(TrnOnsetTracks *ot)
{
	for (int i = 0; i < ot->tl.n_tracks && ot->on; i++)
		free(ot->on[i]);
	free(ot->on);
	free(ot->n_on);
	trn_tracks_free(&ot->tl);
	memset(ot, 0, sizeof *ot);
}

int trn_onset_set_build(TrnOnsetSet *s, const TrnOnsetTracks *ot, int part, double tail)
{
	memset(s, 0, sizeof *s);
	s->rate = ot->tl.rate;
	size_t n = 0, n_on = 0;
	for (int i = 0; i < ot->tl.n_tracks; i++) {
		n += ot->tl.tracks[i].n;
		n_on += (size_t)ot->n_on[i];
	}
	s->x = malloc((n ? n : 1) * sizeof *s->x);
	s->on = malloc((n_on ? n_on : 1) * sizeof *s->on);
	if (!s->x || !s->on) {
		trn_onset_set_free(s);
		return -1;
	}
	for (int i = 0; i < ot->tl.n_tracks; i++) {
		const TrnTrack *t = &ot->tl.tracks[i];
		size_t cut = (size_t)llround((double)t->n * (1.0 - tail)), a = 0, b = t->n;
		if (part == 1)
			b = cut;
		else if (part == 2)
			a = cut;
		memcpy(s->x + s->n, t->x + a, (b - a) * sizeof *s->x);
		for (int j = 0; j < ot->n_on[i]; j++) {
			const TrnOnset *o = &ot->on[i][j];
			if (o->pos < a || o->pos >= b)
				continue;
			s->on[s->n_on++] = (TrnOnset){ s->n + (o->pos - a), o->cls };
			s->count[o->cls]++;
		}
		s->n += b - a;
	}
	return 0;
}

void trn_onset_set_free(TrnOnsetSet *s)
{
	free(s->x);
	free(s->on);
	memset(s, 0, sizeof *s);
}

TrnOnsetShape trn_onset_shape(double rate, double tolerance_ms, double delay_ms)
{
	TrnOnsetShape sh;
	sh.tol = (size_t)llround(rate * tolerance_ms / 1000.0);
	sh.tol = sh.tol ? sh.tol : 1;
	sh.guard = sh.tol / 3;
	sh.pre = (size_t)llround(rate / 1000.0);
	sh.delay = (size_t)llround(rate * delay_ms / 1000.0);
	sh.delay = sh.delay < sh.tol ? sh.delay : sh.tol - 1;
	return sh;
}

/* First onset at or after `pos` (binary search). */
static size_t first_from(const TrnOnsetSet *s, size_t pos)
{
	size_t lo = 0, hi = s->n_on;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->on[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Sets t[i * K + k] = v over [a, b) of the absolute range, clipped to [start, start + n); a
 * "don't care" (v < 0) never overwrites a 1. */
static void paint(float *t, int K, int k, size_t start, size_t n, size_t a, size_t b, float v)
{
	a = a > start ? a : start;
	b = b < start + n ? b : start + n;
	for (size_t p = a; p < b; p++) {
		float *q = &t[(p - start) * (size_t)K + (size_t)k];
		if (!(v < 0 && *q > 0))
			*q = v;
	}
}

void trn_onset_targets(const TrnOnsetSet *s, int K, const TrnOnsetShape *sh, size_t start,
		       size_t n, float *t)
{
	memset(t, 0, n * (size_t)K * sizeof *t);
	const size_t reach = sh->tol + sh->guard;
	size_t i0 = first_from(s, start > reach ? start - reach : 0);
	/* Don't-care regions first, then the hits, so a hit inside another's guard stays a 1. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = i0; i < s->n_on && s->on[i].pos < start + n + sh->pre; i++) {
			const TrnOnset *o = &s->on[i];
			if (pass == 0) {
				paint(t, K, o->cls, start, n, o->pos > sh->pre ? o->pos - sh->pre : 0,
				      o->pos + sh->delay, -1.0f);
				paint(t, K, o->cls, start, n, o->pos + sh->tol, o->pos + reach, -1.0f);
			} else {
				paint(t, K, o->cls, start, n, o->pos + sh->delay, o->pos + sh->tol, 1.0f);
			}
		}
}
