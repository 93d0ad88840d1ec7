#include "labels.h"
#include "../io/files.h"
#include <unistd.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grow.h"

int trn_class_index(const TrnClassSet *cs, const char *name)
{
	for (int k = 0; k < cs->n; k++)
		if (strcmp(cs->name[k], name) == 0)
			return k;
	return -1;
}

void trn_class_list(const TrnClassSet *cs, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int k = 0; k < cs->n && len < size; k++) {
		int w = snprintf(buf + len, size - len, "%s%s", k ? ", " : "", cs->name[k]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

int trn_label_check(const char *name, const char *where, TrnError *err)
{
	if (!name[0])
		return trn_error_set(err, where, "empty label");
	if (strlen(name) >= RFX_MAX_LABEL)
		return trn_error_set(err, where, "label '%.20s...' is longer than %d bytes", name,
				     RFX_MAX_LABEL - 1);
	return 0;
}

int trn_classes_parse(const char *list, TrnClassSet *cs, TrnError *err)
{
	memset(cs, 0, sizeof *cs);
	const char *p = list;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(len < 255 ? len : 255), p);
		if (trn_label_check(name, "--class-names", err))
			return -1;
		if (trn_class_index(cs, name) >= 0)
			return trn_error_set(err, "--class-names", "'%s' is given twice", name);
		if (cs->n == RFX_MAX_CLASSES)
			return trn_error_set(err, "--class-names", "more than %d classes", RFX_MAX_CLASSES);
		memcpy(cs->name[cs->n++], name, strlen(name) + 1); /* < RFX_MAX_LABEL: checked */
		if (!e)
			break;
		p = e + 1;
	}
	if (cs->n < 2)
		return trn_error_set(err, "--class-names", "a classifier needs at least 2 classes");
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_class_sorted(TrnClassSet *cs, char **names, int n, const char *where, TrnError *err)
{
	qsort(names, (size_t)n, sizeof *names, name_cmp);
	for (int i = 0; i < n; i++) {
		if (i && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (cs->n == RFX_MAX_CLASSES)
			return trn_error_set(err, where, "more than %d classes", RFX_MAX_CLASSES);
		snprintf(cs->name[cs->n++], RFX_MAX_LABEL, "%s", names[i]);
	}
	if (cs->n < 2)
		return trn_error_set(err, where, "%d class found; a classifier needs at least 2", cs->n);
	return 0;
}

/* Loads `path` as a new track, all samples unlabelled. `where` names the error's place. */
TrnTrack *trn_track_add(TrnTrackList *tl, const char *path, const char *where, TrnError *err)
{
	TrnTrack *grown = trn_grow(tl->tracks, (size_t)tl->n_tracks, &tl->cap, sizeof *grown, 32);
	if (!grown) {
		trn_error_set(err, where, "out of memory");
		return NULL;
	}
	tl->tracks = grown;
	TrnAudio a;
	TrnError e;
	if (trn_audio_load(path, 0, &a, &e) != TRN_OK) {
		if (strcmp(where, path) == 0)
			trn_error_set(err, where, "%s", e.msg);
		else
			trn_error_set(err, where, "'%s': %s", path, e.msg);
		return NULL;
	}
	if (tl->rate > 0 && a.rate != tl->rate) {
		trn_error_set(err, where, "'%s' is at %g Hz, but '%s' is at %g Hz: resample to one "
			      "rate", path, a.rate, tl->rate_file, tl->rate);
		trn_audio_free(&a);
		return NULL;
	}
	if (tl->rate == 0) {
		tl->rate = a.rate;
		snprintf(tl->rate_file, sizeof tl->rate_file, "%s", path);
	}
	TrnTrack *t = &tl->tracks[tl->n_tracks];
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s", path);
	t->x = a.x;
	t->n = a.n;
	memcpy(t->sha256, a.sha256, sizeof t->sha256);
	t->lab = malloc((a.n ? a.n : 1) * sizeof *t->lab);
	if (!t->lab) {
		trn_audio_free(&a);
		trn_error_set(err, where, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < a.n; i++)
		t->lab[i] = -1;
	tl->n_tracks++;
	return t;
}

static int is_audio_name(const char *name)
{
	static const char *ext[] = { ".wav", ".flac", ".aiff", ".aif", ".ogg" };
	const char *dot = strrchr(name, '.');
	if (!dot || name[0] == '.')
		return 0;
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
		if (strcasecmp(dot, ext[i]) == 0)
			return 1;
	return 0;
}

/* Sorted entries of `dir` that are folders (want_dir) or audio files; malloc'd names. */
int trn_list_dir(const char *dir, int want_dir, char ***out, int *n_out, TrnError *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return trn_error_set(err, dir, "cannot open folder: %s", strerror(errno));
	char **names = NULL;
	int n = 0;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb) != 0)
			continue;
		if (want_dir ? !S_ISDIR(sb.st_mode) : !(S_ISREG(sb.st_mode) && is_audio_name(e->d_name)))
			continue;
		char **nn = trn_grow(names, (size_t)n, &cap, sizeof *nn, 16);
		if (!nn)
			break;
		names = nn;
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, (size_t)n, sizeof *names, name_cmp);
	*out = names;
	*n_out = n;
	return 0;
}

void trn_names_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int trn_tracks_load_dir(TrnTrackList *tl, const char *dir, TrnClassSet *cs, TrnError *err)
{
	char **sub = NULL;
	int n_sub = 0, rc = -1;
	if (trn_list_dir(dir, 1, &sub, &n_sub, err))
		return -1;
	if (n_sub == 0) {
		trn_error_set(err, dir, "no class folders (one sub-folder of audio files per class)");
		goto out;
	}
	if (cs->n == 0 && add_class_sorted(cs, sub, n_sub, dir, err))
		goto out;
	for (int i = 0; i < n_sub; i++) {
		char where[1024], all[1200];
		snprintf(where, sizeof where, "%s/%s", dir, sub[i]);
		int k = trn_class_index(cs, sub[i]);
		if (k < 0) {
			trn_class_list(cs, all, sizeof all);
			trn_error_set(err, where, "unknown label '%s' (classes: %s)", sub[i], all);
			goto out;
		}
		char **files = NULL;
		int n_files = 0;
		if (trn_list_dir(where, 0, &files, &n_files, err))
			goto out;
		int ok = n_files > 0;
		if (!ok)
			trn_error_set(err, where, "class '%s' has no examples (no .wav/.flac/.aiff/.ogg "
				      "files)", sub[i]);
		for (int j = 0; ok && j < n_files; j++) {
			char path[1200];
			snprintf(path, sizeof path, "%s/%s", where, files[j]);
			TrnTrack *t = trn_track_add(tl, path, path, err);
			if (!t)
				ok = 0;
			else
				for (size_t s = 0; s < t->n; s++)
					t->lab[s] = k;
		}
		trn_names_free(files, n_files);
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	trn_names_free(sub, n_sub);
	return rc;
}

/* ---------------------------------------------------------------- CSV */

typedef struct {
	char path[1024];
	double start, end;
	char label[RFX_MAX_LABEL];
	int line;
	int track;
} Seg;

char *trn_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* One line into `sg`; 1 = a segment, 0 = nothing (blank, comment, header), -1 = error. */
static int parse_line(char *line, const char *csv_dir, Seg *sg, const char *where, TrnError *err)
{
	char *s = trn_trim(line);
	if (!*s || *s == '#')
		return 0;
	/* The last three commas separate the fields, so a file name may hold commas. */
	char *c3 = strrchr(s, ',');
	char *c2 = NULL, *c1 = NULL;
	if (c3) {
		*c3 = '\0';
		c2 = strrchr(s, ',');
		if (c2) {
			*c2 = '\0';
			c1 = strrchr(s, ',');
			if (c1)
				*c1 = '\0';
		}
	}
	if (!c1)
		return trn_error_set(err, where, "malformed line: expected file,start,end,label");
	char *file = trn_trim(s), *a = trn_trim(c1 + 1), *b = trn_trim(c2 + 1);
	char *label = trn_trim(c3 + 1);
	if (strcmp(file, "file") == 0 && strcmp(a, "start") == 0 && strcmp(b, "end") == 0)
		return 0;
	if (!*file)
		return trn_error_set(err, where, "malformed line: empty file name");
	if (parse_seconds(a, &sg->start) || parse_seconds(b, &sg->end))
		return trn_error_set(err, where, "malformed line: start '%s' and end '%s' must be "
				     "seconds", a, b);
	if (trn_label_check(label, where, err))
		return -1;
	if (sg->start < 0 || sg->end < 0)
		return trn_error_set(err, where, "negative time (%g to %g s)", sg->start, sg->end);
	if (sg->end <= sg->start)
		return trn_error_set(err, where, "reversed or empty segment: end %g s is not after "
				     "start %g s", sg->end, sg->start);
	int w = file[0] == '/' || !csv_dir[0]
		? snprintf(sg->path, sizeof sg->path, "%s", file)
		: snprintf(sg->path, sizeof sg->path, "%s/%s", csv_dir, file);
	if (w < 0 || (size_t)w >= sizeof sg->path)
		return trn_error_set(err, where, "file path longer than %zu bytes", sizeof sg->path - 1);
	snprintf(sg->label, sizeof sg->label, "%s", label);
	return 1;
}

static int seg_cmp(const void *a, const void *b)
{
	const Seg *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->line - y->line;
}

static int read_segments(const char *csv, Seg **out, int *n_out, TrnError *err)
{
	char why[512];
	int fd = rfx_in_open(csv, 64u << 20, 0, why, sizeof why);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return trn_error_set(err, csv, "%s", fd < 0 ? why : strerror(errno));
	}
	char dir[1024];
	if ((size_t)snprintf(dir, sizeof dir, "%s", csv) >= sizeof dir) {
		fclose(f);
		return trn_error_set(err, csv, "the path is longer than %zu bytes", sizeof dir - 1);
	}
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	Seg *segs = NULL;
	int n = 0, lineno = 0, rc = 0;
	size_t cap = 0;
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char where[1100];
		snprintf(where, sizeof where, "%s:%d", csv, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			rc = trn_error_set(err, where, "line longer than %zu bytes", sizeof line - 1);
			break;
		}
		Seg *s = trn_grow(segs, (size_t)n, &cap, sizeof *s, 64);
		if (!s) {
			rc = trn_error_set(err, csv, "out of memory");
			break;
		}
		segs = s;
		int r = parse_line(line, dir, &segs[n], where, err);
		if (r < 0) {
			rc = -1;
			break;
		}
		if (r > 0)
			segs[n++].line = lineno;
	}
	fclose(f);
	if (rc == 0 && n == 0)
		rc = trn_error_set(err, csv, "no segments (lines file,start,end,label)");
	if (rc) {
		free(segs);
		return -1;
	}
	*out = segs;
	*n_out = n;
	return 0;
}

int trn_tracks_load_csv(TrnTrackList *tl, const char *csv, TrnClassSet *cs, TrnError *err)
{
	Seg *segs = NULL;
	int n = 0, rc = -1;
	if (read_segments(csv, &segs, &n, err))
		return -1;
	char where[1100], all[1200];
	if (cs->n == 0) {
		char **names = malloc((size_t)n * sizeof *names);
		if (!names) {
			free(segs);
			return trn_error_set(err, csv, "out of memory");
		}
		for (int i = 0; i < n; i++)
			names[i] = segs[i].label;
		/* A label set of more than 16 is reported at the line that adds the 17th. */
		TrnClassSet seen = { 0 };
		for (int i = 0; i < n; i++) {
			if (trn_class_index(&seen, segs[i].label) >= 0)
				continue;
			if (seen.n == RFX_MAX_CLASSES) {
				snprintf(where, sizeof where, "%s:%d", csv, segs[i].line);
				trn_error_set(err, where, "label '%s' makes more than %d classes",
					      segs[i].label, RFX_MAX_CLASSES);
				free(names);
				free(segs); /* after the message: it quotes the label */
				return -1;
			}
			snprintf(seen.name[seen.n++], RFX_MAX_LABEL, "%s", segs[i].label);
		}
		int r = add_class_sorted(cs, names, n, csv, err);
		free(names);
		if (r) {
			free(segs);
			return -1;
		}
	}
	for (int i = 0; i < n; i++)
		if (trn_class_index(cs, segs[i].label) < 0) {
			snprintf(where, sizeof where, "%s:%d", csv, segs[i].line);
			trn_class_list(cs, all, sizeof all);
			trn_error_set(err, where, "unknown label '%s' (classes: %s)", segs[i].label, all);
			goto out;
		}
	qsort(segs, (size_t)n, sizeof *segs, seg_cmp);
	for (int i = 1; i < n; i++)
		if (strcmp(segs[i].path, segs[i - 1].path) == 0 && segs[i].start < segs[i - 1].end) {
			snprintf(where, sizeof where, "%s:%d", csv, segs[i].line);
			trn_error_set(err, where, "segment %g-%g s overlaps line %d (%g-%g s) of the "
				      "same file", segs[i].start, segs[i].end, segs[i - 1].line,
				      segs[i - 1].start, segs[i - 1].end);
			goto out;
		}
	TrnTrack *t = NULL;
	for (int i = 0; i < n; i++) {
		snprintf(where, sizeof where, "%s:%d", csv, segs[i].line);
		if (i == 0 || strcmp(segs[i].path, segs[i - 1].path) != 0)
			if (!(t = trn_track_add(tl, segs[i].path, where, err)))
				goto out;
		long a = lround(segs[i].start * tl->rate), b = lround(segs[i].end * tl->rate);
		if ((size_t)b > t->n) {
			trn_error_set(err, where, "segment ends at %g s, past the end of '%s' (%.3f s)",
				      segs[i].end, segs[i].path, (double)t->n / tl->rate);
			goto out;
		}
		int k = trn_class_index(cs, segs[i].label);
		for (long s = a; s < b; s++)
			t->lab[s] = k;
	}
	rc = 0;
out:
	free(segs);
	return rc;
}

void trn_tracks_free(TrnTrackList *tl)
{
	for (int i = 0; i < tl->n_tracks; i++) {
		free(tl->tracks[i].x);
		free(tl->tracks[i].lab);
	}
	free(tl->tracks);
	memset(tl, 0, sizeof *tl);
}

int trn_tracks_check_classes(const TrnTrackList *tl, const TrnClassSet *cs, const char *where,
			     TrnError *err)
{
	size_t count[RFX_MAX_CLASSES] = { 0 };
	for (int i = 0; i < tl->n_tracks; i++)
		for (size_t s = 0; s < tl->tracks[i].n; s++)
			if (tl->tracks[i].lab[s] >= 0)
				count[tl->tracks[i].lab[s]]++;
	for (int k = 0; k < cs->n; k++)
		if (count[k] == 0)
			return trn_error_set(err, where, "class '%s' has no examples", cs->name[k]);
	return 0;
}

/* ---------------------------------------------------------------- concatenation */

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void part_range(const TrnTrack *t, int part, double tail, size_t *a, size_t *b)
{
	size_t cut = (size_t)((double)t->n * (1.0 - tail));
	*a = part == 2 ? cut : 0;
	*b = part == 1 ? cut : t->n;
}

int trn_clsset_build(TrnClsSet *s, const TrnTrackList *tl, int part, double tail, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->rate = tl->rate;
	int *order = malloc(((size_t)tl->n_tracks + 1) * sizeof *order);
	if (!order)
		return -1;
	size_t total = 0;
	for (int i = 0; i < tl->n_tracks; i++) {
		size_t a, b;
		order[i] = i;
		part_range(&tl->tracks[i], part, tail, &a, &b);
		total += b - a;
	}
	uint64_t g = seed * 0xD1B54A32D192ED03ULL + (uint64_t)part;
	for (int i = tl->n_tracks; i > 1; i--) {
		int j = (int)(mix(&g) % (uint64_t)i);
		int t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	s->x = malloc((total ? total : 1) * sizeof *s->x);
	s->lab = malloc((total ? total : 1) * sizeof *s->lab);
	if (!s->x || !s->lab) {
		free(order);
		trn_clsset_free(s);
		return -1;
	}
	for (int i = 0; i < tl->n_tracks; i++) {
		const TrnTrack *t = &tl->tracks[order[i]];
		size_t a, b;
		part_range(t, part, tail, &a, &b);
		memcpy(s->x + s->n, t->x + a, (b - a) * sizeof *s->x);
		memcpy(s->lab + s->n, t->lab + a, (b - a) * sizeof *s->lab);
		s->n += b - a;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->lab[i] >= 0)
			s->count[s->lab[i]]++;
	free(order);
	return 0;
}

void trn_clsset_free(TrnClsSet *s)
{
	free(s->x);
	free(s->lab);
	memset(s, 0, sizeof *s);
}
