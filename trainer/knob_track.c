#include "knob_track.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/files.h"
#include "grow.h"

#define MAX_TRACK_BYTES (64ull << 20)

/* One line's two numbers, separated by a comma or white space; 0 when it holds none (a blank,
 * comment or header line), 1 when it holds both, -1 when it is something else. */
static int parse_line(const char *s, double *t, double *v)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == ';' || *s == '#')
		return 0;
	char *end;
	errno = 0;
	*t = strtod(s, &end);
	if (end == s)
		return 0; /* a header ("time,value") */
	s = end;
	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	*v = strtod(s, &end);
	if (end == s || errno || !isfinite(*t) || !isfinite(*v))
		return -1;
	for (s = end; *s == ' ' || *s == '\t' || *s == '\r'; s++)
		;
	return *s ? -1 : 1;
}

/* Appends (t, v); the two arrays grow together, *cap elements each. */
static int add_point(TrnKnobTrack *tr, size_t *cap, double t, double v)
{
	size_t cap_t = *cap, cap_v = *cap;
	double *nt = trn_grow(tr->t, tr->n, &cap_t, sizeof *nt, 256);
	if (!nt)
		return -1;
	tr->t = nt;
	double *nv = trn_grow(tr->v, tr->n, &cap_v, sizeof *nv, 256);
	if (!nv)
		return -1;
	tr->v = nv;
	*cap = cap_t;
	tr->t[tr->n] = t;
	tr->v[tr->n++] = v;
	return 0;
}

int trn_knob_track_read(TrnKnobTrack **out, const char *path, char *msg, size_t cap)
{
	char why[512], *text = NULL;
	size_t len = 0, pcap = 0;
	*out = NULL;
	if (rfx_in_read(path, MAX_TRACK_BYTES, 0, &text, &len, why, sizeof why) != 0) {
		snprintf(msg, cap, "%s", why);
		return -1;
	}
	TrnKnobTrack *tr = calloc(1, sizeof *tr);
	int rc = tr ? 0 : -1, line = 0;
	if (!tr)
		snprintf(msg, cap, "out of memory");
	unsigned long long h = 0xcbf29ce484222325ull;
	for (char *s = text, *nl; !rc && s && *s; s = nl ? nl + 1 : NULL) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		line++;
		double t, v;
		const int got = parse_line(s, &t, &v);
		if (got < 0) {
			snprintf(msg, cap, "%s: line %d: expected \"time,value\" (seconds, then the knob's "
				 "value), two finite numbers", path, line);
			rc = -1;
		} else if (got && tr->n && t < tr->t[tr->n - 1]) {
			snprintf(msg, cap, "%s: line %d: time %g s comes before the line above's %g s", path,
				 line, t, tr->t[tr->n - 1]);
			rc = -1;
		} else if (got && add_point(tr, &pcap, t, v) != 0) {
			snprintf(msg, cap, "out of memory");
			rc = -1;
		} else if (got) {
			const double pt[2] = { t, v };
			const unsigned char *b = (const unsigned char *)pt;
			for (size_t i = 0; i < sizeof pt; i++)
				h = (h ^ b[i]) * 0x100000001b3ull;
		}
	}
	free(text);
	if (!rc && tr->n == 0) {
		snprintf(msg, cap, "%s: no \"time,value\" point in it", path);
		rc = -1;
	}
	if (rc) {
		trn_knob_track_free(tr);
		return -1;
	}
	tr->min = tr->max = tr->v[0];
	for (size_t i = 1; i < tr->n; i++) {
		tr->min = fmin(tr->min, tr->v[i]);
		tr->max = fmax(tr->max, tr->v[i]);
	}
	snprintf(tr->path, sizeof tr->path, "%s", path);
	tr->hash = h;
	*out = tr;
	return 0;
}

double trn_knob_track_at(const TrnKnobTrack *tr, double t)
{
	if (t <= tr->t[0])
		return tr->v[0];
	if (t >= tr->t[tr->n - 1])
		return tr->v[tr->n - 1];
	size_t lo = 0, hi = tr->n - 1; /* t[lo] < t < t[hi]: bisect */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tr->t[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	const double span = tr->t[hi] - tr->t[lo];
	return span > 0 ? tr->v[lo] + (tr->v[hi] - tr->v[lo]) * (t - tr->t[lo]) / span : tr->v[hi];
}

void trn_knob_track_free(TrnKnobTrack *tr)
{
	if (!tr)
		return;
	free(tr->t);
	free(tr->v);
	free(tr);
}
