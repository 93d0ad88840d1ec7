/* drumgen — the C half of the drum data scripts (scripts/make_drum_kits.sh, make_drum_data.sh).
 *
 *   drumgen class NAME...               the class of each instrument name (kick, snare, hihat,
 *                                       tom, cymbal) or "skip"
 *   drumgen kit-name FOLDER             a hydrogen kit folder's name as a kit name ("h2-...")
 *   drumgen h2-list DRUMKIT.XML         one line per sample of a hydrogen kit: CLASS<TAB>
 *                                       VELOCITY<TAB>NAME<TAB>FILE<TAB>INSTRUMENT<TAB>GAIN
 *   drumgen gm-notes                    the General MIDI drum notes used: NOTE<TAB>CLASS<TAB>NAME
 *   drumgen note-mid OUT.mid NOTE VEL [SECONDS [KIT]]
 *                                       one note on channel 10 at 0 s, the track ending at
 *                                       SECONDS (4) so a renderer lets it ring; KIT > 0: a
 *                                       program change to that drum kit first
 *   drumgen trim IN OUT.wav [--db -60] [--preroll N] [--max-seconds 8] [--gain G]
 *                                       a one-shot from its onset: channels averaged, leading and
 *                                       trailing audio below DB re the peak cut, times G, float
 *   drumgen mix KITDIR OUTDIR --kits a,b [--files N] [--seconds S] [--seed S] [--rate HZ]
 *               [--isolated F] [--bleed 0|1] [--scatter F] [--pitch ST] [--eq DB]
 *               [--balance DB] [--silent F] [--instruments 0|1]
 *                                       labelled drum sequences (see make_drum_data.sh)
 *   drumgen check WAV CSV [--gap S]     for each label: the energy of the 5 ms before and after it
 *                                       and where the peak is; a summary for isolated labels
 *   drumgen attack WAV...               ms from each one-shot's start to 20 dB under its peak
 *   drumgen features WAV CSV [--bands N] [--steps S]
 *                                       for each label, what an onset model's network is given
 *                                       (the front end, dsp/frontend.h, stepping every ms) at
 *                                       1..S ms after it: scripts/onset_probe.py's input
 *
 * Every file it reads goes through rfx_in_open and every file it writes through the one writer
 * (io/files.h); audio through libsndfile. Sequences are deterministic: the same arguments give the
 * same bytes (a 64-bit generator of our own, seeded per file; no libc rand, no clock).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sndfile.h>

#include "../dsp/frontend.h"
#include "../io/files.h"
#include "../io/smf.h"

enum { KICK, SNARE, HIHAT, TOM, CYMBAL, N_CLASSES };
static const char *const class_name[N_CLASSES] = { "kick", "snare", "hihat", "tom", "cymbal" };
#define SKIP (-1)

static int fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "drumgen: %s: ", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* ------------------------------------------------------------------ random numbers */
typedef struct {
	uint64_t s;
} Rng;

static uint64_t rng_u64(Rng *r) /* splitmix64: good enough, and the same everywhere */
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double uni(Rng *r, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_u64(r) >> 11) / 9007199254740992.0;
}

static int pick(Rng *r, int n) /* 0..n-1 */
{
	return n > 0 ? (int)(rng_u64(r) % (uint64_t)n) : 0;
}

static int chance(Rng *r, double p)
{
	return uni(r, 0, 1) < p;
}

/* About normal with standard deviation sd, cut at +-2.5 sd (a drummer's timing). */
static double jitter(Rng *r, double sd)
{
	double g = (uni(r, -1, 1) + uni(r, -1, 1) + uni(r, -1, 1)) * sd;
	return g > 2.5 * sd ? 2.5 * sd : g < -2.5 * sd ? -2.5 * sd : g;
}

/* ------------------------------------------------------------------ audio files */
typedef struct {
	float *x;
	size_t n;
	int rate;
} Mono;

/* Reads any file libsndfile reads, channels averaged. */
static int read_mono(const char *path, Mono *m)
{
	char why[512];
	memset(m, 0, sizeof *m);
	int fd = rfx_in_open(path, 0, 0, why, sizeof why);
	if (fd < 0)
		return fail(path, "%s", why);
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open_fd(fd, SFM_READ, &info, 1);
	if (!sf)
		return fail(path, "cannot read audio: %s", sf_strerror(NULL));
	size_t n = info.frames > 0 ? (size_t)info.frames : 0, ch = (size_t)info.channels;
	float *buf = malloc((n ? n : 1) * ch * sizeof *buf);
	m->x = malloc((n ? n : 1) * sizeof *m->x);
	sf_count_t got = buf && m->x ? sf_readf_float(sf, buf, (sf_count_t)n) : -1;
	sf_close(sf);
	if (got != (sf_count_t)n) {
		free(buf);
		free(m->x);
		m->x = NULL;
		return fail(path, got < 0 ? "out of memory" : "truncated audio");
	}
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (size_t c = 0; c < ch; c++)
			s += buf[i * ch + c];
		m->x[i] = (float)(s / (double)ch);
	}
	free(buf);
	m->n = n;
	m->rate = info.samplerate;
	return 0;
}

/* 32-bit float mono WAV, without the clock-stamped PEAK chunk (the same bytes every run). */
static int write_mono(const char *path, const float *x, size_t n, int rate)
{
	char why[512];
	RfxOutFile o;
	if (rfx_out_begin(&o, path, why, sizeof why))
		return fail(path, "%s", why);
	SF_INFO info = { .samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *sf = sf_open_fd(o.fd, SFM_WRITE, &info, 0);
	if (!sf) {
		rfx_out_abort(&o);
		return fail(path, "cannot write audio: %s", sf_strerror(NULL));
	}
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	int bad = sf_writef_float(sf, x, (sf_count_t)n) != (sf_count_t)n;
	bad |= sf_close(sf) != 0;
	if (bad || rfx_out_commit(&o, why, sizeof why)) {
		rfx_out_abort(&o);
		return fail(path, "%s", bad ? "write error" : why);
	}
	return 0;
}

/* A text output: begin, a stream to fprintf to, then text_commit. */
static FILE *text_begin(RfxOutFile *o, const char *path)
{
	char why[512];
	if (rfx_out_begin(o, path, why, sizeof why)) {
		fail(path, "%s", why);
		return NULL;
	}
	FILE *f = rfx_out_stream(o);
	if (!f) {
		rfx_out_abort(o);
		fail(path, "cannot write: %s", strerror(errno));
	}
	return f;
}

static int text_commit(RfxOutFile *o, FILE *f, const char *path)
{
	char why[512];
	if (ferror(f) || fflush(f)) {
		rfx_out_abort(o);
		return fail(path, "write error: %s", strerror(errno));
	}
	if (rfx_out_commit(o, why, sizeof why)) {
		rfx_out_abort(o);
		return fail(path, "%s", why);
	}
	return 0;
}

/* ------------------------------------------------------------------ names and classes */
/* Lower-case words of a name: letters and digits, everything else separates. */
typedef struct {
	int n;
	char w[16][32];
} Words;

static void split_words(const char *s, Words *ws)
{
	ws->n = 0;
	while (*s && ws->n < 16) {
		while (*s && !isalnum((unsigned char)*s))
			s++;
		int k = 0;
		while (isalnum((unsigned char)*s)) {
			if (k < 31)
				ws->w[ws->n][k++] = (char)tolower((unsigned char)*s);
			s++;
		}
		if (k) {
			ws->w[ws->n][k] = 0;
			ws->n++;
		}
	}
}

/* Whether a word of ws is one of `list` (space-separated); a list entry ending in '*' matches
 * every word that starts with it. */
static int any_word(const Words *ws, const char *list)
{
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ");
		int prefix = p[len - 1] == '*';
		size_t cmp = prefix ? len - 1 : len;
		for (int i = 0; i < ws->n; i++)
			if (!strncmp(ws->w[i], p, cmp) && (prefix || ws->w[i][cmp] == 0))
				return 1;
		p += len;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* The class of an instrument, from the words of its name. Not drums of the five classes
 * (hand percussion, claps, cowbells, effects), sounds that are not one hit (a snare roll) and
 * side sticks and rim clicks (a quiet click unlike a snare's hit; a rimshot is a snare hit) are
 * skipped. The order matters: "Hi Hat" before "Tom Hi", the skip list before "bell". */
static int class_of(const char *name)
{
	Words ws;
	split_words(name, &ws);
	if (any_word(&ws, "clap* cowbell* shaker* maraca* tambourin* conga* bongo* djembe* agogo* "
			  "clave* woodblock* cajon* whistle* zap* fx click* snap* waterglass* sangban* "
			  "dununba* kenkeni* stick* sidestick* roll* triangle* guiro* timbale* cabasa* "
			  "vibraslap* cuica* perc* noise"))
		return SKIP;
	if (any_word(&ws, "hat* hihat* hh ohh chh phh"))
		return HIHAT;
	if (any_word(&ws, "crash* ride* splash* china* chinese* cymbal* cym bell"))
		return CYMBAL;
	if (any_word(&ws, "tom* floor"))
		return TOM;
	if (any_word(&ws, "kick* bd bassdrum* bass kik*"))
		return KICK;
	if (any_word(&ws, "snare* sd rimshot*"))
		return SNARE;
	return SKIP;
}

/* A name as a file name: lower case, every run of other characters one '-'. */
static void file_name(const char *s, char *out, size_t n)
{
	size_t k = 0;
	int dash = 0;
	for (; *s && k + 2 < n; s++) {
		if (isalnum((unsigned char)*s)) {
			if (dash && k)
				out[k++] = '-';
			out[k++] = (char)tolower((unsigned char)*s);
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[k] = 0;
	if (!k)
		snprintf(out, n, "unnamed");
}

/* A version at the end of a kit's name ("1.0", "v4", "v.1") or hydrogen's "h2" tag. */
static int is_version_word(const char *w)
{
	if (!strcmp(w, "h2"))
		return 1;
	int v = *w == 'v';
	const char *p = w + v;
	if (*p == '.')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	int dot = 0;
	for (; *p; p++) {
		if (*p == '.')
			dot = 1;
		else if (!isdigit((unsigned char)*p))
			return 0;
	}
	return v || dot;
}

/* "The Black Pearl 1.0" -> "h2-black-pearl", "Millo-Drums_v.1" -> "h2-millo-drums". */
static void kit_name(const char *folder, char *out, size_t n)
{
	char words[16][64];
	int nw = 0;
	for (const char *s = folder; *s && nw < 16;) {
		while (*s == ' ' || *s == '_' || *s == '-')
			s++;
		int k = 0;
		for (; *s && *s != ' ' && *s != '_' && *s != '-'; s++)
			if (k < 63)
				words[nw][k++] = (char)tolower((unsigned char)*s);
		words[nw][k] = 0;
		if (k)
			nw++;
	}
	int first = nw > 1 && !strcmp(words[0], "the");
	while (nw > first + 1 && is_version_word(words[nw - 1]))
		nw--;
	char joined[512] = "";
	for (int i = first; i < nw; i++)
		snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s", i > first ? "-" : "",
			 words[i]);
	char clean[512];
	file_name(joined, clean, sizeof clean);
	snprintf(out, n, "h2-%.200s", clean);
}

static int cmd_class(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int c = class_of(argv[i]);
		printf("%s\n", c == SKIP ? "skip" : class_name[c]);
	}
	return 0;
}

static int cmd_kit_name(int argc, char **argv)
{
	if (argc != 1)
		return fail("kit-name", "usage: drumgen kit-name FOLDER");
	char name[256];
	const char *base = strrchr(argv[0], '/');
	kit_name(base && base[1] ? base + 1 : argv[0], name, sizeof name);
	printf("%s\n", name);
	return 0;
}

/* ------------------------------------------------------------------ hydrogen drumkit.xml */
/* A hydrogen kit file is plain enough for a scanner: <instrument> blocks, each with its <name>
 * and <layer>s of <filename>, <min> and <max> (the velocity range, 0..1); old kits put one
 * <filename> in the instrument itself. Newer kits wrap layers in <instrumentComponent>, which the
 * scanner passes through. */
static const char *find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	for (; p + n <= end; p++)
		if (*p == *s && !memcmp(p, s, n))
			return p;
	return NULL;
}

/* The text of the first <tag>...</tag> in [p, end) with XML's entities decoded; 0, or -1 when the
 * tag is not there. */
static int tag_text(const char *p, const char *end, const char *tag, char *out, size_t n)
{
	char open[64], close[64];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = find(p, end, open);
	const char *b = a ? find(a, end, close) : NULL;
	if (!b)
		return -1;
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	size_t k = 0;
	for (a += strlen(open); a < b && k + 1 < n;) {
		size_t e = 0;
		while (e < 5 && strncmp(a, ents[e].ent, strlen(ents[e].ent)))
			e++;
		if (e < 5) {
			out[k++] = ents[e].c;
			a += strlen(ents[e].ent);
		} else if (a[0] == '&' && a[1] == '#') {
			char *q;
			long c = a[2] == 'x' ? strtol(a + 3, &q, 16) : strtol(a + 2, &q, 10);
			out[k++] = c > 0 && c < 128 ? (char)c : '_';
			a = *q == ';' ? q + 1 : q;
		} else {
			out[k++] = *a++;
		}
	}
	out[k] = 0;
	return 0;
}

static double tag_number(const char *p, const char *end, const char *tag, double def)
{
	char t[64];
	if (tag_text(p, end, tag, t, sizeof t))
		return def;
	char *q;
	double v = strtod(t, &q);
	return q == t || !isfinite(v) ? def : v;
}

/* The velocity a layer stands for: the middle of its range, as MIDI 1..127. */
static int layer_velocity(double lo, double hi)
{
	long v = lround((lo + hi) / 2 * 127);
	return v < 1 ? 1 : v > 127 ? 127 : (int)v;
}

static void list_instrument(const char *b, const char *e)
{
	const char *layer = find(b, e, "<layer>");
	char name[256] = "", clean[256], file[1024];
	tag_text(b, layer ? layer : e, "name", name, sizeof name);
	int cls = class_of(name);
	file_name(name, clean, sizeof clean);
	const char *cn = cls == SKIP ? "skip" : class_name[cls];
	if (!layer) {
		if (!tag_text(b, e, "filename", file, sizeof file) && file[0])
			printf("%s\t%d\t%s\t%s\t%s\t1\n", cn, layer_velocity(0, 1), clean, file, name);
		return;
	}
	while (layer) {
		const char *le = find(layer, e, "</layer>");
		if (!le)
			break;
		if (!tag_text(layer, le, "filename", file, sizeof file) && file[0]) {
			double lo = tag_number(layer, le, "min", 0), hi = tag_number(layer, le, "max", 1);
			double gain = tag_number(layer, le, "gain", 1);
			printf("%s\t%d\t%s\t%s\t%s\t%g\n", cn, layer_velocity(lo, hi), clean, file, name,
			       gain > 0 ? gain : 1);
		}
		layer = find(le, e, "<layer>");
	}
}

static int cmd_h2_list(int argc, char **argv)
{
	if (argc != 1)
		return fail("h2-list", "usage: drumgen h2-list DRUMKIT.XML");
	char *xml = NULL, why[512];
	size_t len = 0;
	if (rfx_in_read(argv[0], 64u << 20, 0, &xml, &len, why, sizeof why))
		return fail(argv[0], "%s", why);
	const char *p = xml, *end = xml + len;
	int n = 0;
	while ((p = find(p, end, "<instrument>"))) {
		const char *e = find(p, end, "</instrument>");
		if (!e)
			break;
		list_instrument(p, e);
		p = e;
		n++;
	}
	free(xml);
	if (!n)
		return fail(argv[0], "no <instrument> in this file: not a hydrogen drumkit.xml?");
	return 0;
}

/* ------------------------------------------------------------------ General MIDI notes */
static const struct {
	int note, cls;
	const char *name;
} gm_drums[] = {
	{ 35, KICK, "acoustic-bass-drum" }, { 36, KICK, "bass-drum-1" },
	{ 38, SNARE, "acoustic-snare" },    { 40, SNARE, "electric-snare" },
	{ 42, HIHAT, "closed-hihat" },      { 44, HIHAT, "pedal-hihat" },
	{ 46, HIHAT, "open-hihat" },        { 41, TOM, "low-floor-tom" },
	{ 43, TOM, "high-floor-tom" },      { 45, TOM, "low-tom" },
	{ 47, TOM, "low-mid-tom" },         { 48, TOM, "hi-mid-tom" },
	{ 50, TOM, "high-tom" },            { 49, CYMBAL, "crash-cymbal-1" },
	{ 51, CYMBAL, "ride-cymbal-1" },    { 52, CYMBAL, "chinese-cymbal" },
	{ 53, CYMBAL, "ride-bell" },        { 55, CYMBAL, "splash-cymbal" },
	{ 57, CYMBAL, "crash-cymbal-2" },   { 59, CYMBAL, "ride-cymbal-2" },
};

static int cmd_gm_notes(void)
{
	for (size_t i = 0; i < sizeof gm_drums / sizeof gm_drums[0]; i++)
		printf("%d\t%s\tgm%d-%s\n", gm_drums[i].note, class_name[gm_drums[i].cls], gm_drums[i].note,
		       gm_drums[i].name);
	return 0;
}

static int cmd_note_mid(int argc, char **argv)
{
	if (argc < 3 || argc > 5)
		return fail("note-mid", "usage: drumgen note-mid OUT.mid NOTE VELOCITY [SECONDS [KIT]]");
	int note = atoi(argv[1]), vel = atoi(argv[2]), kit = argc > 4 ? atoi(argv[4]) : 0;
	double secs = argc > 3 ? atof(argv[3]) : 4.0;
	if (note < 0 || note > 127 || vel < 1 || vel > 127 || !(secs > 0 && secs < 3600) || kit < 0 ||
	    kit > 127)
		return fail("note-mid", "NOTE 0..127, VELOCITY 1..127, SECONDS > 0, KIT 0..127");
	RfxSmfSpec s = rfx_smf_spec_default();
	s.end = secs;
	/* Channel 10 (9 counting from 0) is General MIDI's drum channel; drums ignore the length. */
	RfxSmfNote n = { .time = 0, .duration = 0.5, .channel = 9, .note = (unsigned char)note,
			 .velocity = (unsigned char)vel };
	char err[512];
	if (kit == 0) {
		if (rfx_smf_write(argv[0], &s, &n, 1, err, sizeof err) != RFX_SMF_OK)
			return fail(argv[0], "%s", err);
		return 0;
	}
	/* Another drum kit of the soundfont (KIT: its program in bank 128, e.g. 8 Room, 16 Power):
	 * a program change on channel 10 at tick 0, put in front of the track's first event. */
	unsigned char *b = NULL, *o = NULL;
	size_t len = 0;
	if (rfx_smf_encode_alloc(&s, &n, 1, &b, &len) != RFX_SMF_OK || len < 22 || !(o = malloc(len + 3))) {
		free(b);
		return fail(argv[0], "could not encode the note");
	}
	const unsigned long trk = ((unsigned long)b[18] << 24 | (unsigned long)b[19] << 16 |
				   (unsigned long)b[20] << 8 | b[21]) + 3;
	memcpy(o, b, 22);
	o[18] = (unsigned char)(trk >> 24), o[19] = (unsigned char)(trk >> 16);
	o[20] = (unsigned char)(trk >> 8), o[21] = (unsigned char)trk;
	o[22] = 0, o[23] = 0xC9, o[24] = (unsigned char)kit;
	memcpy(o + 25, b + 22, len - 22);
	int rc = rfx_out_write_file(argv[0], o, len + 3, err, sizeof err) ? fail(argv[0], "%s", err) : 0;
	free(b);
	free(o);
	return rc;
}

/* ------------------------------------------------------------------ one-shots */
typedef struct {
	double db;          /* the threshold re the peak */
	int preroll;        /* samples kept before the first one above it */
	double max_seconds; /* longer one-shots are faded out to this length */
	double gain;        /* linear */
} TrimOptions;

static int float_cmp(const void *pa, const void *pb)
{
	float a = *(const float *)pa, b = *(const float *)pb;
	return (a > b) - (a < b);
}

/* The median of |x| over n samples (0 for none). */
static float median_abs(const float *x, size_t n)
{
	float *v = n ? malloc(n * sizeof *v) : NULL;
	if (!v)
		return 0;
	for (size_t i = 0; i < n; i++)
		v[i] = fabsf(x[i]);
	qsort(v, n, sizeof *v, float_cmp);
	float m = v[n / 2];
	free(v);
	return m;
}

/* [*start, *end) of a one-shot. The onset: going back from the attack (the first sample within
 * 20 dB of the peak), the first sample after the last millisecond that stays under the threshold:
 * `db` re the peak, or 18 dB over the median level before the attack when a sample starts with
 * noise louder than that (some hydrogen kits have 15 ms of it; its start is not the hit's). The
 * end: the last sample over `db` re the peak. Returns the peak (0 for silence). */
static float trim_range(const float *x, size_t n, int rate, const TrimOptions *t, size_t *start,
			size_t *end)
{
	float peak = 0;
	for (size_t i = 0; i < n; i++)
		peak = fabsf(x[i]) > peak ? fabsf(x[i]) : peak;
	size_t attack = 0, ms = (size_t)rate / 1000 + 1;
	while (attack < n && fabsf(x[attack]) < 0.1f * peak)
		attack++;
	float floor = attack > 3 * ms ? median_abs(x, attack - ms) : 0;
	float thr = fmaxf(peak * (float)pow(10, t->db / 20), 8 * floor);
	size_t i = attack, quiet = 0;
	while (i > 0 && quiet < ms) {
		i--;
		quiet = fabsf(x[i]) < thr ? quiet + 1 : 0;
	}
	size_t a = quiet == ms ? i + ms : 0;
	while (a < attack && fabsf(x[a]) < thr)
		a++;
	size_t b = n;
	while (b > a && fabsf(x[b - 1]) < peak * (float)pow(10, t->db / 20))
		b--;
	*start = a > (size_t)t->preroll ? a - (size_t)t->preroll : 0;
	*end = b;
	return peak;
}

static int cmd_trim(int argc, char **argv)
{
	TrimOptions t = { .db = -60, .preroll = 0, .max_seconds = 8, .gain = 1 };
	const char *in = NULL, *out = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			t.db = atof(argv[++i]);
		else if (!strcmp(argv[i], "--preroll") && i + 1 < argc)
			t.preroll = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc)
			t.max_seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--gain") && i + 1 < argc)
			t.gain = atof(argv[++i]);
		else if (!in)
			in = argv[i];
		else if (!out)
			out = argv[i];
		else
			return fail("trim", "usage: drumgen trim IN OUT.wav [--db DB] [--preroll N] "
				    "[--max-seconds S] [--gain G]");
	}
	if (!out || !(t.db < 0) || t.preroll < 0 || !(t.max_seconds > 0) || !(t.gain > 0 && t.gain < 100))
		return fail("trim", "usage: drumgen trim IN OUT.wav [--db DB<0] [--preroll N] "
			    "[--max-seconds S] [--gain G>0]");
	Mono m;
	if (read_mono(in, &m))
		return 1;
	size_t a, b;
	if (trim_range(m.x, m.n, m.rate, &t, &a, &b) == 0) {
		free(m.x);
		return fail(in, "silent: no hit to trim");
	}
	size_t max = (size_t)(t.max_seconds * m.rate);
	if (b - a > max) { /* a long cymbal: the last 50 ms fade out */
		b = a + max;
		size_t fade = (size_t)(0.05 * m.rate);
		for (size_t i = 0; i < fade && i < max; i++)
			m.x[b - 1 - i] *= (float)i / (float)fade;
	}
	for (size_t i = a; i < b; i++)
		m.x[i] *= (float)t.gain;
	int rc = write_mono(out, m.x + a, b - a, m.rate);
	free(m.x);
	return rc;
}

/* ------------------------------------------------------------------ a kit folder in memory */
typedef struct {
	char name[128]; /* the instrument: the file's name without "_vNNN.wav" (and "-rrN") */
	int cls, vel;
	int order; /* the file's place in its sorted folder: ties sort the same on every run */
	Mono a;
} Shot;

typedef struct {
	int cls, variant;   /* hihat: 1 open; cymbal: 1 ride; otherwise 0 */
	int first, count;   /* its shots, by velocity: kit->shot[first .. first + count) */
	double brightness;  /* zero crossings a second early in its loudest shot (toms: pitch) */
	double ring;        /* how long its loudest shot takes to fall 45 dB under its peak, s */
} Instrument;

typedef struct {
	char name[128];
	int rate;
	Shot *shot;
	int n_shots;
	Instrument *inst;
	int n_inst;
} Kit;

static int variant_of(int cls, const char *name)
{
	Words ws;
	split_words(name, &ws);
	if (cls == HIHAT)
		return any_word(&ws, "open* op ohh semi* swish*");
	if (cls == CYMBAL)
		return any_word(&ws, "ride* bell cup*");
	return 0;
}

/* "snare-rock-rr2_v064.wav" -> instrument "snare-rock", velocity 64. */
static void parse_shot_name(const char *file, char *inst, size_t n, int *vel)
{
	snprintf(inst, n, "%.*s", (int)(strlen(file) - 4), file); /* without ".wav" */
	char *v = strrchr(inst, '_');
	*vel = 100;
	if (v && v[1] == 'v' && isdigit((unsigned char)v[2])) {
		*vel = atoi(v + 2);
		*vel = *vel < 1 ? 1 : *vel > 127 ? 127 : *vel;
		*v = 0;
	}
	char *rr = strstr(inst, "-rr");
	if (rr && isdigit((unsigned char)rr[3]))
		*rr = 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .wav names in a folder, sorted (readdir's order is the file system's, not ours). */
static char **wav_names(const char *dir, int *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **names = NULL;
	int cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".wav"))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			char **grown = realloc(names, (size_t)cap * sizeof *names);
			if (!grown)
				break;
			names = grown;
		}
		if (!(names[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (names)
		qsort(names, (size_t)*n, sizeof *names, str_cmp);
	return names;
}

static int shot_cmp(const void *pa, const void *pb)
{
	const Shot *a = pa, *b = pb;
	if (a->cls != b->cls)
		return a->cls - b->cls;
	int c = strcmp(a->name, b->name);
	return c ? c : a->vel != b->vel ? a->vel - b->vel : a->order - b->order;
}

static void kit_free(Kit *k)
{
	for (int i = 0; i < k->n_shots; i++)
		free(k->shot[i].a.x);
	free(k->shot);
	free(k->inst);
	memset(k, 0, sizeof *k);
}

static double zero_crossing_rate(const Mono *a)
{
	size_t n = a->n < (size_t)(0.1 * a->rate) ? a->n : (size_t)(0.1 * a->rate), z = 0;
	for (size_t i = 1; i < n; i++)
		z += (a->x[i - 1] < 0) != (a->x[i] < 0);
	return n > 1 ? (double)z * a->rate / (double)n : 0;
}

/* When a shot has fallen under `db` re its peak for good, seconds. */
static double ring_time(const Mono *a, double db)
{
	float peak = 0;
	for (size_t i = 0; i < a->n; i++)
		peak = fabsf(a->x[i]) > peak ? fabsf(a->x[i]) : peak;
	float thr = peak * (float)pow(10, db / 20);
	size_t end = a->n;
	while (end > 0 && fabsf(a->x[end - 1]) < thr)
		end--;
	return (double)end / a->rate;
}

/* Groups the sorted shots into instruments. */
static int kit_instruments(Kit *k)
{
	k->inst = calloc((size_t)k->n_shots + 1, sizeof *k->inst);
	if (!k->inst)
		return -1;
	for (int i = 0; i < k->n_shots; i++) {
		Shot *s = &k->shot[i];
		Instrument *in = k->n_inst ? &k->inst[k->n_inst - 1] : NULL;
		if (!in || in->cls != s->cls || strcmp(k->shot[in->first].name, s->name)) {
			in = &k->inst[k->n_inst++];
			*in = (Instrument){ .cls = s->cls, .variant = variant_of(s->cls, s->name), .first = i };
		}
		in->count++;
		/* the loudest layer is the last: its length and pitch stand for the instrument */
		in->ring = ring_time(&s->a, -45);
		in->brightness = zero_crossing_rate(&s->a);
	}
	return 0;
}

/* Reads the WAVs of KITDIR/NAME/CLASS for every class. A class folder may be missing; a kit with no shot at all is
 * an error. */
static int kit_load(const char *kitdir, const char *name, Kit *k)
{
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", name);
	char path[4096];
	int cap = 0;
	for (int c = 0; c < N_CLASSES; c++) {
		snprintf(path, sizeof path, "%s/%s/%s", kitdir, name, class_name[c]);
		int n = 0;
		char **names = wav_names(path, &n);
		for (int i = 0; i < n; i++) {
			if (k->n_shots == cap) {
				cap = cap ? 2 * cap : 256;
				Shot *grown = realloc(k->shot, (size_t)cap * sizeof *grown);
				if (!grown)
					return fail(name, "out of memory");
				k->shot = grown;
			}
			Shot *s = &k->shot[k->n_shots];
			s->cls = c;
			s->order = k->n_shots;
			parse_shot_name(names[i], s->name, sizeof s->name, &s->vel);
			snprintf(path, sizeof path, "%s/%s/%s/%s", kitdir, name, class_name[c], names[i]);
			if (read_mono(path, &s->a))
				return 1;
			if (k->rate && s->a.rate != k->rate)
				return fail(path, "%d Hz, but the kit's other one-shots are %d Hz", s->a.rate,
					    k->rate);
			k->rate = s->a.rate;
			k->n_shots++;
		}
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	if (!k->n_shots)
		return fail(name, "no one-shots in %s/%s/{kick,snare,hihat,tom,cymbal}", kitdir, name);
	qsort(k->shot, (size_t)k->n_shots, sizeof *k->shot, shot_cmp);
	return kit_instruments(k) ? fail(name, "out of memory") : 0;
}

/* A random instrument of a class, of the variant when the kit has one; -1: the kit has none. */
static int inst_of(const Kit *k, Rng *r, int cls, int variant)
{
	int n = 0, n_any = 0, list[256], any[256];
	for (int i = 0; i < k->n_inst && n_any < 256; i++)
		if (k->inst[i].cls == cls) {
			any[n_any++] = i;
			if (variant < 0 || k->inst[i].variant == variant)
				list[n++] = i;
		}
	if (n)
		return list[pick(r, n)];
	return n_any ? any[pick(r, n_any)] : -1;
}

/* The shot of an instrument nearest to a velocity (a random one of equals: round robins). */
static const Shot *shot_for(const Kit *k, Rng *r, int inst, int vel)
{
	const Instrument *in = &k->inst[inst];
	int best = -1, ties = 0;
	for (int i = in->first; i < in->first + in->count; i++) {
		int d = abs(k->shot[i].vel - vel);
		if (best < 0 || d < abs(k->shot[best].vel - vel)) {
			best = i;
			ties = 1;
		} else if (d == abs(k->shot[best].vel - vel) && k->shot[i].vel == k->shot[best].vel) {
			ties++;
		}
	}
	return &k->shot[best + pick(r, ties)]; /* equals are neighbours: sorted by velocity */
}

/* ------------------------------------------------------------------ what is played */
typedef struct {
	double t;      /* the main stroke, seconds */
	double grace;  /* a flam: its grace note this long before t (0: none); the label is there */
	int cls, inst, vel;
	float gain;    /* linear, on top of the velocity's (bleed: -25 to -35 dB) */
	int labelled;  /* bleed is played, not labelled */
} Hit;

typedef struct {
	const Kit *kit;
	Rng *r;
	double end;            /* the file's length, s */
	Hit *hit;
	int n, cap;
	int counts[N_CLASSES]; /* labelled hits so far */
	int band[N_CLASSES][2]; /* this file's instrument of each class and variant (-1: none) */
	double quiet[64][2];   /* isolated sections: no bleed there, and what rings before is choked */
	int n_quiet;
	double *ratio;         /* per instrument: the playback rate of its shots in this file (1) */
	float *balance;        /* per instrument: its gain in this file's mix (1) */
} Gen;

static int clamp_vel(double v)
{
	long k = lround(v);
	return k < 1 ? 1 : k > 127 ? 127 : (int)k;
}

static void add_hit(Gen *g, double t, int cls, int inst, double vel, double grace, int labelled,
		    float gain)
{
	if (inst < 0 || t - grace < 0 || t >= g->end - 0.05) /* every hit is heard for 50 ms */
		return;
	if (g->n == g->cap) {
		int cap = g->cap ? 2 * g->cap : 512;
		Hit *grown = realloc(g->hit, (size_t)cap * sizeof *grown);
		if (!grown)
			return; /* a hit fewer; the caller finds out of memory on the next allocation */
		g->hit = grown;
		g->cap = cap;
	}
	g->hit[g->n++] = (Hit){ t, grace, cls, inst, clamp_vel(vel), gain, labelled };
	if (labelled)
		g->counts[cls]++;
}

/* A hit of the file's instrument for a class and variant. */
static void play(Gen *g, double t, int cls, int variant, double vel)
{
	add_hit(g, t, cls, g->band[cls][variant], vel, 0, 1, 1.0f);
}

/* A flam: a grace note 15 to 30 ms before the main stroke, labelled once, at the grace note. */
static void play_flam(Gen *g, double t, int cls, int inst, double vel)
{
	add_hit(g, t, cls, inst, vel, uni(g->r, 0.015, 0.030), 1, 1.0f);
}

/* The file's toms, brightest (highest) first, for fills that go down the kit. */
static int toms_by_pitch(const Kit *k, int *out, int max)
{
	int n = 0;
	for (int i = 0; i < k->n_inst && n < max; i++)
		if (k->inst[i].cls == TOM)
			out[n++] = i;
	for (int i = 1; i < n; i++) /* insertion sort: a handful */
		for (int j = i; j > 0 && k->inst[out[j]].brightness > k->inst[out[j - 1]].brightness; j--) {
			int t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* One bar of a groove as 16 sixteenth-note steps, a bit per step (bit 0: beat 1, bit 4: beat 2). */
typedef struct {
	uint16_t kick, snare, hat, open;
	int ghosts; /* quiet snare notes between the strokes */
	int ride;   /* the ride keeps time, the hat pedal on 2 and 4 */
} Pattern;

#define B(s) (1u << (s))
static const Pattern patterns[] = {
	{ B(0) | B(8), B(4) | B(12), 0x5555 & ~B(14), B(14), 0, 0 },           /* rock, open hat */
	{ B(0) | B(8) | B(10), B(4) | B(12), 0x5555, 0, 0, 0 },                /* rock */
	{ B(0) | B(6) | B(8), B(4) | B(12), 0xFFFF, 0, 0, 0 },                 /* rock, 16ths */
	{ B(0) | B(4) | B(8) | B(12), B(4) | B(12), 0xBBBB, 0x4444, 0, 0 },    /* four on the floor */
	{ B(0) | B(10), B(8), 0x5555, 0, 0, 0 },                               /* half time */
	{ B(0) | B(3) | B(10), B(4) | B(12), 0xFFFF, 0, 1, 0 },                /* funk, ghost notes */
	{ B(0) | B(2) | B(10), B(4) | B(12), 0x5555 & ~B(6), B(6), 0, 0 },     /* breakbeat */
	{ B(0) | B(10), B(12), B(0) | B(4) | B(7) | B(8) | B(12) | B(15), 0, 0, 1 }, /* ride */
};
#define N_PATTERNS ((int)(sizeof patterns / sizeof patterns[0]))

enum { KEEP_CLOSED, KEEP_OPEN, KEEP_RIDE };

typedef struct {
	double t0, step, base, sd; /* start, a sixteenth, the section's loudness, timing spread */
	int fill_from;             /* the last bar's step where the fill starts (16: none) */
	int keeper;
	Pattern p;
} Section;

static double human(Gen *g, const Section *s, double t)
{
	return t + jitter(g->r, s->sd);
}

/* A fill from the snare down the toms (the snare alone in a kit without toms), louder to the end. */
static void fill_step(Gen *g, const Section *s, int k, int len, double t)
{
	int toms[32], n = toms_by_pitch(g->kit, toms, 32);
	if (s->step < 0.06 && k % 2)
		return; /* sixteenths at a fast tempo: eighths */
	if (chance(g->r, 0.12))
		return; /* a rest */
	int slot = k * (n + 1) / len; /* 0: snare, 1..n: toms high to low */
	int cls = slot ? TOM : SNARE, inst = slot ? toms[slot - 1] : g->band[SNARE][0];
	double vel = s->base - 10 + 25.0 * k / len + jitter(g->r, 4);
	if (chance(g->r, 0.1))
		play_flam(g, human(g, s, t), cls, inst, vel);
	else
		add_hit(g, human(g, s, t), cls, inst, vel, 0, 1, 1.0f);
}

static void timekeeper(Gen *g, const Section *s, int step, double t)
{
	double vel = s->base - (step % 4 == 0 ? 0 : step % 2 == 0 ? 10 : 22) + jitter(g->r, 4);
	if (s->keeper == KEEP_RIDE) {
		play(g, human(g, s, t), CYMBAL, 1, vel);
		if (step == 4 || step == 12) /* the hat's pedal */
			play(g, human(g, s, t), HIHAT, 0, s->base - 20);
	} else {
		play(g, human(g, s, t), HIHAT, s->keeper == KEEP_OPEN, vel);
	}
}

static void groove_step(Gen *g, const Section *s, int step, double t)
{
	const Pattern *p = &s->p;
	if (p->kick & B(step))
		play(g, human(g, s, t), KICK, 0, s->base + 8 + jitter(g->r, 4));
	if (p->snare & B(step)) {
		if (chance(g->r, 0.08))
			play_flam(g, human(g, s, t), SNARE, g->band[SNARE][0], s->base + 10);
		else
			play(g, human(g, s, t), SNARE, 0, s->base + 10 + jitter(g->r, 4));
	} else if (p->ghosts && step % 2 && chance(g->r, 0.3)) {
		play(g, human(g, s, t), SNARE, 0, uni(g->r, 15, 40));
	}
	if (p->hat & B(step))
		timekeeper(g, s, step, t);
	if ((p->open & B(step)) && s->keeper != KEEP_RIDE)
		play(g, human(g, s, t), HIHAT, 1, s->base - 5);
}

/* A few bars of a groove at 60 to 200 BPM from t0, before `limit`; a fill down the toms and a
 * crash on the next downbeat now and then. Returns where it ended. */
static double groove(Gen *g, double t0, double limit)
{
	Rng *r = g->r;
	Section s = { .t0 = t0, .step = 60 / uni(r, 60, 200) / 4, .base = uni(r, 55, 115) };
	s.sd = chance(r, 0.2) ? 0 : uni(r, 0.002, 0.004); /* programmed drums: on the grid */
	s.p = patterns[pick(r, N_PATTERNS)];
	for (int k = 2; k < 16; k += 2)
		if (chance(r, 0.06))
			s.p.kick ^= (uint16_t)B(k);
	if (s.step < 0.1 && s.p.hat == 0xFFFF) /* above 150 BPM: eighths */
		s.p.hat = 0x5555 & ~s.p.open;
	else if (s.step > 0.16 && s.p.hat == 0x5555 && chance(r, 0.4)) /* below 94 BPM */
		s.p.hat = 0xFFFF & ~s.p.open;
	s.keeper = s.p.ride || chance(r, 0.2) ? KEEP_RIDE : chance(r, 0.12) ? KEEP_OPEN : KEEP_CLOSED;
	int bars = 1 + pick(r, 4);
	while (bars > 1 && t0 + bars * 16 * s.step > limit)
		bars--;
	s.fill_from = chance(r, 0.55) ? (chance(r, 0.5) ? 8 : 12) : 16;
	if (chance(r, 0.6))
		play(g, human(g, &s, t0), CYMBAL, 0, s.base + 15);
	for (int i = 0; i < bars * 16; i++) {
		double t = t0 + i * s.step;
		if (t >= limit)
			return limit;
		if (i / 16 == bars - 1 && i % 16 >= s.fill_from)
			fill_step(g, &s, i % 16 - s.fill_from, 16 - s.fill_from, t);
		else
			groove_step(g, &s, i % 16, t);
	}
	double end = t0 + bars * 16 * s.step;
	if (s.fill_from < 16 && end < limit && chance(r, 0.8)) {
		play(g, human(g, &s, end), KICK, 0, s.base + 15);
		play(g, human(g, &s, end), CYMBAL, 0, s.base + 20);
		end += 4 * s.step;
	}
	return end;
}

/* A snare (or tom) roll of sixteenths or thirty-seconds, never faster than one hit in 50 ms,
 * swelling or fading, often ending on a kick and a crash. */
static double roll(Gen *g, double t0, double limit)
{
	Rng *r = g->r;
	int cls = chance(r, 0.75) ? SNARE : TOM;
	int inst = cls == SNARE ? g->band[SNARE][0] : inst_of(g->kit, r, TOM, -1);
	double dt = 60 / uni(r, 90, 200) / (chance(r, 0.5) ? 8 : 4);
	while (dt < 0.05)
		dt *= 2;
	int count = 6 + pick(r, 19);
	double v0 = uni(r, 25, 70), v1 = uni(r, 85, 127);
	if (chance(r, 0.3)) {
		double t = v0;
		v0 = v1;
		v1 = t;
	}
	for (int i = 0; i < count; i++) {
		double t = t0 + i * dt;
		if (t >= limit)
			return limit;
		add_hit(g, t + jitter(r, 0.0015), cls, inst, v0 + (v1 - v0) * i / (count - 1) + jitter(r, 5),
			0, 1, 1.0f);
	}
	double end = t0 + count * dt;
	if (end < limit && chance(r, 0.6)) {
		play(g, end, KICK, 0, v1 + 5);
		play(g, end, CYMBAL, 0, v1 + 10);
	}
	return end + dt;
}

/* A fill on its own (toms are rare in grooves, so these are oversampled): eighths or sixteenths
 * around the toms and the snare, a kick under some, a crash at the start or the end. */
static double tom_run(Gen *g, double t0, double limit)
{
	Rng *r = g->r;
	int toms[32], n = toms_by_pitch(g->kit, toms, 32);
	if (!n)
		return groove(g, t0, limit);
	Section s = { .t0 = t0, .step = 60 / uni(r, 70, 180) / (chance(r, 0.5) ? 4 : 2),
		      .base = uni(r, 60, 115), .sd = uni(r, 0.002, 0.004) };
	while (s.step < 0.06)
		s.step *= 2;
	int steps = 4 + pick(r, 13), slot = pick(r, n + 1), dir = chance(r, 0.7) ? 1 : -1;
	if (chance(r, 0.4))
		play(g, human(g, &s, t0), CYMBAL, 0, s.base + 15);
	for (int i = 0; i < steps; i++) {
		double t = t0 + i * s.step;
		if (t >= limit)
			return limit;
		int cls = slot ? TOM : SNARE, inst = slot ? toms[slot - 1] : g->band[SNARE][0];
		add_hit(g, human(g, &s, t), cls, inst, s.base + jitter(r, 8), 0, 1, 1.0f);
		if (i % 4 == 0 && chance(r, 0.5))
			play(g, human(g, &s, t), KICK, 0, s.base);
		if (chance(r, 0.5)) /* on to the next drum, turning at either end */
			slot += dir;
		if (slot < 0 || slot > n) {
			dir = -dir;
			slot += 2 * dir;
			slot = slot < 0 ? 0 : slot > n ? n : slot;
		}
	}
	double end = t0 + steps * s.step;
	if (end < limit && chance(r, 0.7)) {
		play(g, human(g, &s, end), KICK, 0, s.base + 10);
		play(g, human(g, &s, end), CYMBAL, 0, s.base + 15);
		end += s.step;
	}
	return end;
}

/* A class for an isolated hit: the rarer a class is in this file so far, the likelier (toms and
 * cymbals, rare in grooves, come out here); only classes the kit has. */
static int balanced_class(Gen *g)
{
	double w[N_CLASSES], sum = 0;
	for (int c = 0; c < N_CLASSES; c++) {
		w[c] = inst_of(g->kit, g->r, c, -1) < 0 ? 0 : 1.0 / (1 + g->counts[c]);
		sum += w[c];
	}
	double u = uni(g->r, 0, sum);
	for (int c = 0; c < N_CLASSES; c++) {
		if (w[c] > 0 && u < w[c])
			return c;
		u -= w[c];
	}
	return KICK;
}

/* Single hits (now and then two classes at once) with silence around them: each waits until
 * the one before has fallen 45 dB (up to 4 s: a crash) and a little more. No bleed here. */
static double isolated(Gen *g, double t0, double limit)
{
	Rng *r = g->r;
	double t = t0;
	while (t < limit - 0.1) {
		int cls = balanced_class(g), inst = inst_of(g->kit, r, cls, -1);
		if (inst < 0)
			break;
		double vel = uni(r, 15, 127), len = g->kit->inst[inst].ring;
		if ((cls == SNARE || cls == TOM) && chance(r, 0.12))
			play_flam(g, t, cls, inst, vel);
		else
			add_hit(g, t, cls, inst, vel, 0, 1, 1.0f);
		int c2 = pick(r, N_CLASSES), i2 = inst_of(g->kit, r, c2, -1);
		if (c2 != cls && i2 >= 0 && chance(r, 0.2)) {
			add_hit(g, t, c2, i2, uni(r, 40, 127), 0, 1, 1.0f);
			len = fmax(len, g->kit->inst[i2].ring);
		}
		t += fmin(fmax(len, 0.25), 4.0) + uni(r, 0.2, 0.6);
	}
	if (g->n_quiet < 64) {
		g->quiet[g->n_quiet][0] = t0;
		g->quiet[g->n_quiet++][1] = t;
	}
	return t;
}

/* Hits of any instruments at random times (gaps of 40 ms to 0.6 s), one to three classes at
 * once drawn independently, at any velocity: no groove to lean on, so which classes sound together
 * (a crash with a kick, a pedal hat with a snare) says nothing about what else is there. */
static double scatter(Gen *g, double t0, double limit)
{
	Rng *r = g->r;
	double t = t0;
	while (t < limit - 0.1) {
		int n = 1 + (chance(r, 0.35) ? 1 : 0) + (chance(r, 0.1) ? 1 : 0), used = 0;
		for (int k = 0; k < n; k++) {
			int cls = pick(r, N_CLASSES), inst = inst_of(g->kit, r, cls, -1);
			if (inst < 0 || (used & (1 << cls)))
				continue;
			used |= 1 << cls;
			add_hit(g, t + jitter(r, 0.002 * (k > 0)), cls, inst, uni(r, 15, 127), 0, 1, 1.0f);
		}
		t += 0.04 + (chance(r, 0.5) ? uni(r, 0, 0.2) : uni(r, 0.2, 0.6));
	}
	return t;
}

/* Quiet hits of any of the kit's instruments, 25 to 35 dB under a played hit of the same
 * velocity, as a close microphone picks up the rest of the kit: heard, not labelled. */
static void bleed(Gen *g)
{
	Rng *r = g->r;
	for (double t = uni(r, 0, 0.5); t < g->end; t += uni(r, 0.15, 1.0)) {
		int quiet = 0;
		for (int q = 0; q < g->n_quiet; q++)
			quiet |= t >= g->quiet[q][0] - 0.3 && t < g->quiet[q][1];
		int cls = pick(r, N_CLASSES), inst = inst_of(g->kit, r, cls, -1);
		float gain = (float)pow(10, -uni(r, 25, 35) / 20);
		if (!quiet)
			add_hit(g, t, cls, inst, uni(r, 60, 127), 0, 0, gain);
	}
}

/* The file's instruments: one kick, snare, closed and open hat, crash and ride (a kit may lack
 * some: -1, and those hits are left out). */
static void pick_band(Gen *g)
{
	for (int c = 0; c < N_CLASSES; c++)
		for (int v = 0; v < 2; v++)
			g->band[c][v] = inst_of(g->kit, g->r, c, v);
}

/* Sections until the file is full: grooves, rolls and fills, and a share `iso` of the time in
 * single hits, at the start or at the end. */
static void plan_file(Gen *g, double iso, double scat, int with_bleed)
{
	Rng *r = g->r;
	double t = uni(r, 0.05, 0.5), quiet = iso * g->end;
	int quiet_first = chance(r, 0.5);
	pick_band(g);
	if (quiet > 0 && quiet_first)
		t = isolated(g, t, t + quiet) + 0.2;
	double stop = quiet_first || quiet <= 0 ? g->end : g->end - quiet;
	if (scat > 0) { /* the scattered hits first, then the grooves */
		t = scatter(g, t, t + scat * g->end) + 0.3;
		pick_band(g);
	}
	while (t < stop - 1.0) {
		/* grooves end a second before the single hits, so those start out of silence */
		double limit = quiet_first || quiet <= 0 ? stop : stop - 1.0;
		double u = uni(r, 0, 1);
		t = u < 0.15 ? roll(g, t, limit) : u < 0.35 ? tom_run(g, t, limit) : groove(g, t, limit);
		if (chance(r, 0.3))
			t += uni(r, 0.2, 1.0);
		if (chance(r, 0.25))
			pick_band(g);
	}
	if (quiet > 0 && !quiet_first)
		isolated(g, stop, g->end);
	if (with_bleed)
		bleed(g);
}

static double label_time(const Hit *h)
{
	return h->t - h->grace;
}

static int hit_cmp(const void *pa, const void *pb)
{
	const Hit *a = pa, *b = pb;
	double ta = label_time(a), tb = label_time(b);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	if (a->cls != b->cls)
		return a->cls - b->cls;
	if (a->labelled != b->labelled)
		return b->labelled - a->labelled;
	return a->inst != b->inst ? a->inst - b->inst : a->vel - b->vel;
}

/* Times on the sample grid, in label order; then a labelled hit within 40 ms of the last one
 * of its class is dropped (two onsets that close are one for a transcriber). */
static void space_out(Gen *g, int rate)
{
	for (int i = 0; i < g->n; i++) {
		Hit *h = &g->hit[i];
		double on = (double)lround(label_time(h) * rate) / rate;
		h->t = (double)lround(h->t * rate) / rate;
		h->grace = h->t - on;
	}
	qsort(g->hit, (size_t)g->n, sizeof *g->hit, hit_cmp);
	double last[N_CLASSES];
	for (int c = 0; c < N_CLASSES; c++)
		last[c] = -1;
	int k = 0;
	memset(g->counts, 0, sizeof g->counts);
	for (int i = 0; i < g->n; i++) {
		Hit *h = &g->hit[i];
		if (h->labelled) {
			if (last[h->cls] >= 0 && label_time(h) - last[h->cls] < 0.040 - 1e-9)
				continue;
			last[h->cls] = h->t;
			g->counts[h->cls]++;
		}
		g->hit[k++] = *h;
	}
	g->n = k;
}

/* ------------------------------------------------------------------ the mix */
/* How much louder or softer than its one-shot a hit is played: the velocity over the shot's
 * (linear, as hydrogen plays a layer), within -20 and +6 dB. A shot already sounds as its kit
 * plays at its velocity (make_drum_kits.sh), so within a layer this is a small correction. */
static float velocity_gain(int vel, int shot_vel)
{
	double g = (double)vel / shot_vel;
	return (float)(g < 0.1 ? 0.1 : g > 2.0 ? 2.0 : g);
}

/* Sample `pos` (fractional) of a shot, cubic (Catmull-Rom) between its samples; 0 outside. */
static float shot_at(const Mono *a, double pos)
{
	const long i = (long)floor(pos);
	const float u = (float)(pos - (double)i);
	float p[4];
	for (int k = 0; k < 4; k++) {
		long j = i - 1 + k;
		p[k] = j >= 0 && (size_t)j < a->n ? a->x[j] : 0.0f;
	}
	return p[1] + 0.5f * u * (p[2] - p[0] + u * (2 * p[0] - 5 * p[1] + 4 * p[2] - p[3] +
						       u * (3 * (p[1] - p[2]) + p[3] - p[0])));
}

/* Adds a shot at sample `at`, played at `ratio` times its rate (1: as recorded; 1.06: a
 * semitone up and shorter); from `stop` on it fades out in `fade` samples. Its onset stays at
 * `at` either way. */
static void add_shot(float *y, size_t n, const Shot *s, size_t at, size_t stop, size_t fade,
		     float gain, double ratio)
{
	fade = fade ? fade : 1;
	const size_t len = ratio == 1.0 ? s->a.n : (size_t)((double)s->a.n / ratio);
	for (size_t i = 0; i < len && at + i < n; i++) {
		float f = gain;
		if (at + i >= stop) {
			size_t k = at + i - stop;
			if (k >= fade)
				break;
			f *= 1.0f - (float)k / (float)fade;
		}
		y[at + i] += f * (ratio == 1.0 ? s->a.x[i] : shot_at(&s->a, (double)i * ratio));
	}
}

/* Where the next played hi-hat after hit i starts (every hat chokes the one before), or n. */
static size_t hat_stop(const Gen *g, int i, size_t n, int rate)
{
	for (int j = i + 1; j < g->n; j++)
		if (g->hit[j].cls == HIHAT && g->hit[j].labelled)
			return (size_t)lround(label_time(&g->hit[j]) * rate);
	return n;
}

/* 0.3 s before the next isolated section, whatever still rings is choked (a drummer's hand on
 * the cymbal), so single hits start out of silence. Or n. */
static size_t quiet_stop(const Gen *g, double t, size_t n, int rate)
{
	double first = -1;
	for (int q = 0; q < g->n_quiet; q++)
		if (g->quiet[q][0] > t && (first < 0 || g->quiet[q][0] < first))
			first = g->quiet[q][0];
	return first < 0 ? n : (size_t)lround(fmax(first - 0.3, t) * rate);
}

static void render_hits(const Gen *g, Rng *r, float *y, size_t n, int rate)
{
	for (int i = 0; i < g->n; i++) {
		const Hit *h = &g->hit[i];
		size_t at = (size_t)lround(h->t * rate), fade = (size_t)(0.008 * rate);
		size_t stop = h->cls == HIHAT && h->labelled ? hat_stop(g, i, n, rate) : n;
		size_t choke = quiet_stop(g, h->t, n, rate);
		if (choke < stop) {
			stop = choke;
			fade = (size_t)(0.06 * rate);
		}
		const Shot *s = shot_for(g->kit, r, h->inst, h->vel);
		const double ratio = g->ratio ? g->ratio[h->inst] : 1.0;
		const float bal = g->balance ? g->balance[h->inst] : 1.0f;
		add_shot(y, n, s, at, stop > at ? stop : n, fade,
			 bal * h->gain * velocity_gain(h->vel, s->vel), ratio);
		if (h->grace > 0) { /* the flam's grace note: the same drum, softer */
			int gv = clamp_vel(h->vel * uni(r, 0.3, 0.55));
			const Shot *gs = shot_for(g->kit, r, h->inst, gv);
			add_shot(y, n, gs, (size_t)lround(label_time(h) * rate), n, 1,
				 bal * h->gain * velocity_gain(gv, gs->vel), ratio);
		}
	}
}

/* Pink (Paul Kellet's three-pole filter) or brown (leaky integral) noise at an RMS level. */
static void add_noise(float *y, size_t n, Rng *r, int brown, double rms)
{
	float *w = malloc((n ? n : 1) * sizeof *w);
	if (!w)
		return;
	double b0 = 0, b1 = 0, b2 = 0, sum = 0;
	for (size_t i = 0; i < n; i++) {
		double x = uni(r, -1, 1);
		if (brown) {
			b0 = 0.995 * b0 + 0.1 * x;
			w[i] = (float)b0;
		} else {
			b0 = 0.99765 * b0 + x * 0.0990460;
			b1 = 0.96300 * b1 + x * 0.2965164;
			b2 = 0.57000 * b2 + x * 1.0526913;
			w[i] = (float)(b0 + b1 + b2 + x * 0.1848);
		}
		sum += (double)w[i] * w[i];
	}
	double k = sum > 0 ? rms / sqrt(sum / (double)n) : 0;
	for (size_t i = 0; i < n; i++)
		y[i] += (float)(k * w[i]);
	free(w);
}

static float peak_of(const float *y, size_t n)
{
	float p = 0;
	for (size_t i = 0; i < n; i++)
		p = fabsf(y[i]) > p ? fabsf(y[i]) : p;
	return p;
}

/* One RBJ biquad over y in place: kind 0 low shelf, 1 high shelf (slope 1), 2 peak (Q 1). */
static void biquad(float *y, size_t n, int rate, int kind, double hz, double db)
{
	const double A = pow(10, db / 40), w = 2 * M_PI * hz / rate, c = cos(w), s = sin(w);
	double b0, b1, b2, a0, a1, a2;
	if (kind == 2) {
		const double al = s / 2;
		b0 = 1 + al * A, b1 = -2 * c, b2 = 1 - al * A, a0 = 1 + al / A, a1 = -2 * c, a2 = 1 - al / A;
	} else {
		const double al = s / 2 * sqrt(2), q = 2 * sqrt(A) * al, sg = kind ? 1 : -1;
		b0 = A * ((A + 1) + sg * (A - 1) * c + q);
		b1 = -sg * 2 * A * ((A - 1) + sg * (A + 1) * c);
		b2 = A * ((A + 1) + sg * (A - 1) * c - q);
		a0 = (A + 1) - sg * (A - 1) * c + q;
		a1 = sg * 2 * ((A - 1) - sg * (A + 1) * c);
		a2 = (A + 1) - sg * (A - 1) * c - q;
	}
	double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
	for (size_t i = 0; i < n; i++) {
		const double x = y[i], o = (b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
		x2 = x1, x1 = x, y2 = y1, y1 = o;
		y[i] = (float)o;
	}
}

/* The file's EQ (--eq): a low shelf at eq[0] Hz by eq[1] dB, a high shelf at eq[2] Hz by eq[3]
 * dB and a peak at eq[4] Hz by eq[5] dB, as another room, microphone or mix would colour a kit. */
static void equalise(float *y, size_t n, int rate, const double *eq)
{
	biquad(y, n, rate, 0, eq[0], eq[1]);
	biquad(y, n, rate, 1, eq[2], eq[3]);
	biquad(y, n, rate, 2, eq[4], eq[5]);
}

/* The whole file: hits, the file's level (its loudest hit at -16 to -0.5 dBFS; velocities put the
 * softest some 30 dB lower), room noise at -70 to -45 dBFS RMS but 45 dB under the loudest hit
 * (so 15 dB or more under most soft ones) unless `silent` (digital silence between the hits, as
 * an edited or gated track has), never above full scale. */
static void render(const Gen *g, Rng *r, float *y, size_t n, int rate, const double *eq, int silent)
{
	render_hits(g, r, y, n, rate);
	if (eq)
		equalise(y, n, rate, eq);
	float peak = peak_of(y, n);
	double target_db = uni(r, -16, -0.5);
	if (peak > 0)
		for (size_t i = 0; i < n; i++)
			y[i] *= (float)(pow(10, target_db / 20) / peak);
	double noise_db = uni(r, -70, fmin(-45, target_db - 45));
	const int brown = chance(r, 0.5);
	if (!silent)
		add_noise(y, n, r, brown, pow(10, noise_db / 20));
	peak = peak_of(y, n);
	if (peak > 0.999f) /* normalised down, never clipped */
		for (size_t i = 0; i < n; i++)
			y[i] *= 0.999f / peak;
}

/* ------------------------------------------------------------------ drumgen mix */
typedef struct {
	const char *kitdir, *outdir;
	char **kits;
	int n_kits, files, rate;
	double seconds; /* 0: 10 to 30 s a file */
	double isolated;
	int bleed;      /* 0: no unlabelled bleed (--bleed 0) */
	double pitch;   /* --pitch ST: each instrument of a file played up to ST semitones off (0) */
	double eq;      /* --eq DB: each file through shelves and a peak of up to DB dB (0) */
	double balance; /* --balance DB: each instrument of a file up to DB dB louder or softer (0) */
	double scatter; /* --scatter F: the share of each file in hits at random times (0) */
	double silent;  /* --silent F: the share of files without room noise (0) */
	int instruments; /* --instruments 1: NNN.hits beside NNN.csv, with the instrument of each label */
	uint64_t seed;
} MixOptions;

typedef struct {
	double seconds;
	int counts[N_CLASSES];
} FileStats;

/* The labels; with `inst`, two more columns: the instrument played and its velocity. */
static int write_labels(const char *path, const Gen *g, int rate, int inst)
{
	RfxOutFile o;
	FILE *f = text_begin(&o, path);
	if (!f)
		return 1;
	fprintf(f, inst ? "time,class,instrument,velocity\n" : "time,class\n");
	for (int i = 0; i < g->n; i++) {
		const Hit *h = &g->hit[i];
		if (!h->labelled)
			continue;
		fprintf(f, "%.6f,%s", (double)lround(label_time(h) * rate) / rate, class_name[h->cls]);
		if (inst)
			fprintf(f, ",%s,%d", g->kit->shot[g->kit->inst[h->inst].first].name, h->vel);
		fputc('\n', f);
	}
	return text_commit(&o, f, path);
}

/* File `index` from its own seed: the same whatever --files says or which kit comes first. */
static int make_file(const MixOptions *o, const Kit *kit, int index, FileStats *st)
{
	Rng r = { o->seed * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)index + 1) * 0xD1B54A32D192ED03ULL };
	Gen g = { .kit = kit, .r = &r };
	g.end = o->seconds > 0 ? o->seconds : uni(&r, 10, 30);
	plan_file(&g, o->isolated, o->scatter, o->bleed);
	space_out(&g, kit->rate);
	size_t n = (size_t)lround(g.end * kit->rate);
	float *y = calloc(n ? n : 1, sizeof *y);
	/* The timbre of the file (--pitch, --balance, --eq) from a generator of its own: what is
	 * played, and when, is the same with and without them. */
	Rng ra = { r.s ^ 0xA5A5A5A5DEADBEEFULL };
	double eq[6], ratio[1024];
	float balance[1024];
	if (kit->n_inst > 1024) {
		free(y);
		y = NULL;
	}
	for (int i = 0; y && i < kit->n_inst; i++) {
		ratio[i] = o->pitch > 0 ? pow(2, uni(&ra, -o->pitch, o->pitch) / 12) : 1.0;
		balance[i] = o->balance > 0 ? (float)pow(10, uni(&ra, -o->balance, o->balance) / 20) : 1.0f;
	}
	g.ratio = o->pitch > 0 ? ratio : NULL;
	g.balance = o->balance > 0 ? balance : NULL;
	if (o->eq > 0) {
		eq[0] = uni(&ra, 80, 400), eq[1] = uni(&ra, -o->eq, o->eq);
		eq[2] = uni(&ra, 2000, 8000), eq[3] = uni(&ra, -o->eq, o->eq);
		eq[4] = 300 * pow(2, uni(&ra, 0, 5)), eq[5] = uni(&ra, -o->eq, o->eq) / 2;
	}
	if (!y) {
		free(g.hit);
		return fail(o->outdir, "out of memory for %zu samples", n);
	}
	/* Drawn after the timbre, and only with --silent, so the rest stays the same bytes. */
	const int silent = o->silent > 0 && chance(&ra, o->silent);
	render(&g, &r, y, n, kit->rate, o->eq > 0 ? eq : NULL, silent);
	char name[64], *path;
	snprintf(name, sizeof name, "%03d.wav", index);
	int rc = (path = rfx_path_join(o->outdir, name)) ? write_mono(path, y, n, kit->rate) : 1;
	free(path);
	path = NULL;
	snprintf(name, sizeof name, "%03d.csv", index);
	if (!rc)
		rc = (path = rfx_path_join(o->outdir, name)) ? write_labels(path, &g, kit->rate, 0) : 1;
	free(path);
	path = NULL;
	snprintf(name, sizeof name, "%03d.hits", index); /* not .csv: the trainer reads those */
	if (!rc && o->instruments)
		rc = (path = rfx_path_join(o->outdir, name)) ? write_labels(path, &g, kit->rate, 1) : 1;
	free(path);
	st->seconds = (double)n / kit->rate;
	memcpy(st->counts, g.counts, sizeof st->counts);
	free(y);
	free(g.hit);
	return rc;
}

static int write_manifest(const MixOptions *o, const FileStats *st)
{
	char *path = rfx_path_join(o->outdir, "manifest.txt");
	RfxOutFile out;
	FILE *f = path ? text_begin(&out, path) : NULL;
	if (!f) {
		free(path);
		return 1;
	}
	fprintf(f, "file kit seconds kick snare hihat tom cymbal\n");
	for (int i = 0; i < o->files; i++) {
		fprintf(f, "%03d.wav %s %.3f", i, o->kits[i % o->n_kits], st[i].seconds);
		for (int c = 0; c < N_CLASSES; c++)
			fprintf(f, " %d", st[i].counts[c]);
		fputc('\n', f);
	}
	int rc = text_commit(&out, f, path);
	free(path);
	return rc;
}

/* Every kit named exists as KITDIR/NAME, before any work; otherwise the kits there. */
static int check_kits(const MixOptions *o)
{
	for (int k = 0; k < o->n_kits; k++) {
		char path[4096];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", o->kitdir, o->kits[k]);
		if (o->kits[k][0] && !strchr(o->kits[k], '/') && !stat(path, &sb) && S_ISDIR(sb.st_mode))
			continue;
		int n = 0;
		char list[2048] = "";
		DIR *d = opendir(o->kitdir);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' && strlen(list) + strlen(e->d_name) + 3 < sizeof list)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", n++ ? ", " : "",
					 e->d_name);
		if (d)
			closedir(d);
		return fail(path, "no such kit (%s has: %s; make them with scripts/make_drum_kits.sh)",
			    o->kitdir, n ? list : "nothing");
	}
	return 0;
}

/* Kit by kit (each loaded once), the files that use it: file i uses kit i mod K. */
static int mix_all(const MixOptions *o)
{
	FileStats *st = calloc((size_t)o->files, sizeof *st);
	if (!st)
		return fail(o->outdir, "out of memory");
	int rc = 0;
	for (int k = 0; k < o->n_kits && !rc && k < o->files; k++) {
		Kit kit;
		rc = kit_load(o->kitdir, o->kits[k], &kit);
		if (!rc && o->rate && kit.rate != o->rate)
			rc = fail(o->kits[k], "the kit is at %d Hz, --rate %d: make the kits at that rate "
				  "(make_drum_kits.sh --rate %d)", kit.rate, o->rate, o->rate);
		for (int i = k; i < o->files && !rc; i += o->n_kits)
			rc = make_file(o, &kit, i, &st[i]);
		kit_free(&kit);
	}
	if (!rc)
		rc = write_manifest(o, st);
	int total[N_CLASSES] = { 0 };
	double secs = 0;
	for (int i = 0; i < o->files; i++) {
		secs += st[i].seconds;
		for (int c = 0; c < N_CLASSES; c++)
			total[c] += st[i].counts[c];
	}
	if (!rc)
		printf("%d files, %.1f s: kick %d, snare %d, hihat %d, tom %d, cymbal %d\n", o->files, secs,
		       total[KICK], total[SNARE], total[HIHAT], total[TOM], total[CYMBAL]);
	free(st);
	return rc;
}

static int parse_mix(int argc, char **argv, MixOptions *o, char *kits_arg)
{
	*o = (MixOptions){ .files = 10, .isolated = 0.25, .bleed = 1, .seed = 1 };
	const char *kits = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] == '-' && a[1] == '-' && !v)
			return fail(a, "needs a value");
		if (!strcmp(a, "--kits"))
			kits = v;
		else if (!strcmp(a, "--files"))
			o->files = atoi(v);
		else if (!strcmp(a, "--seconds"))
			o->seconds = atof(v);
		else if (!strcmp(a, "--seed"))
			o->seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--rate"))
			o->rate = atoi(v);
		else if (!strcmp(a, "--isolated"))
			o->isolated = atof(v);
		else if (!strcmp(a, "--pitch"))
			o->pitch = atof(v);
		else if (!strcmp(a, "--eq"))
			o->eq = atof(v);
		else if (!strcmp(a, "--balance"))
			o->balance = atof(v);
		else if (!strcmp(a, "--scatter"))
			o->scatter = atof(v);
		else if (!strcmp(a, "--silent"))
			o->silent = atof(v);
		else if (!strcmp(a, "--instruments") && (!strcmp(v, "0") || !strcmp(v, "1")))
			o->instruments = v[0] == '1';
		else if (!strcmp(a, "--bleed") && (!strcmp(v, "0") || !strcmp(v, "1")))
			o->bleed = v[0] == '1';
		else if (a[0] == '-')
			return fail(a, "unknown option");
		else if (!o->kitdir || !o->outdir) {
			*(o->kitdir ? &o->outdir : &o->kitdir) = a;
			continue;
		} else
			return fail(a, "one KITDIR and one OUTDIR");
		i++;
	}
	if (!o->outdir || !kits)
		return fail("mix", "usage: drumgen mix KITDIR OUTDIR --kits a,b [--files N] [--seconds S] "
			    "[--seed S] [--rate HZ] [--isolated F] [--bleed 0|1] [--scatter F] [--pitch ST] "
			    "[--eq DB] [--balance DB] [--silent F] [--instruments 0|1]");
	if (o->files < 1 || o->files > 999 || o->seconds < 0 || (o->seconds > 0 && o->seconds < 1) ||
	    o->seconds > 600 || o->rate < 0 || !(o->isolated >= 0 && o->isolated <= 1) ||
	    !(o->pitch >= 0 && o->pitch <= 12) || !(o->eq >= 0 && o->eq <= 24) ||
	    !(o->balance >= 0 && o->balance <= 24) || !(o->scatter >= 0 && o->isolated + o->scatter <= 0.9) ||
	    !(o->silent >= 0 && o->silent <= 1))
		return fail("mix", "--files 1..999, --seconds 1..600 (0: 10 to 30), --isolated 0..1, "
			    "--pitch 0..12, --eq 0..24, --balance 0..24, --scatter 0..0.9 - --isolated, "
			    "--silent 0..1");
	snprintf(kits_arg, 4096, "%s", kits);
	o->kits = calloc(strlen(kits_arg) / 2 + 2, sizeof *o->kits);
	if (!o->kits)
		return fail("mix", "out of memory");
	for (char *p = strtok(kits_arg, ","); p; p = strtok(NULL, ","))
		o->kits[o->n_kits++] = p;
	return o->n_kits ? 0 : fail("--kits", "no kit named");
}

static int cmd_mix(int argc, char **argv)
{
	MixOptions o;
	char kits[4096];
	if (parse_mix(argc, argv, &o, kits))
		return 1;
	int rc = check_kits(&o);
	if (!rc && mkdir(o.outdir, 0777) && errno != EEXIST)
		rc = fail(o.outdir, "cannot make the folder: %s", strerror(errno));
	if (!rc)
		rc = mix_all(&o);
	free(o.kits);
	return rc;
}

/* ------------------------------------------------------------------ drumgen check */
typedef struct {
	double t;
	int cls;
} Label;

/* A labels file: "time,class", then rows sorted by time with a known class. */
static Label *read_labels(const char *path, int *n)
{
	char *text = NULL, why[512];
	size_t len = 0;
	*n = 0;
	if (rfx_in_read(path, 64u << 20, 0, &text, &len, why, sizeof why)) {
		fail(path, "%s", why);
		return NULL;
	}
	Label *l = malloc((len / 8 + 1) * sizeof *l);
	char *line = strtok(text, "\n");
	int ok = l && line && !strcmp(line, "time,class"), row = 1;
	while (ok && (line = strtok(NULL, "\n"))) {
		row++;
		char *comma = strchr(line, ','), *end;
		double t = comma ? strtod(line, &end) : -1;
		int c = 0;
		while (comma && c < N_CLASSES && strcmp(comma + 1, class_name[c]))
			c++;
		ok = comma && end == comma && t >= 0 && c < N_CLASSES && (!*n || t >= l[*n - 1].t);
		if (ok)
			l[(*n)++] = (Label){ t, c };
	}
	free(text);
	if (!ok) {
		fail(path, "line %d: expected \"time,class\" and then rows \"SECONDS,CLASS\" in time "
		     "order (classes kick, snare, hihat, tom, cymbal)", row);
		free(l);
		return NULL;
	}
	return l;
}

/* A WAV and its labels, or NULL (having said why) and nothing to free. */
static Label *read_pair(const char *wav, const char *csv, Mono *a, int *n)
{
	if (read_mono(wav, a))
		return NULL;
	Label *l = read_labels(csv, n);
	if (!l)
		free(a->x);
	return l;
}

static double energy(const Mono *a, long from, long to)
{
	double e = 0;
	for (long i = from < 0 ? 0 : from; i < to && i < (long)a->n; i++)
		e += (double)a->x[i] * a->x[i];
	return e;
}

static int dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

/* One line per label and a summary of the isolated ones (nothing labelled in the `gap` before):
 * after/before: the energy of the 5 ms after the label over the 5 ms before, in dB. */
static int cmd_check(int argc, char **argv)
{
	double gap = argc >= 4 && !strcmp(argv[2], "--gap") ? atof(argv[3]) : 0.3;
	if (argc != 2 && argc != 4)
		return fail("check", "usage: drumgen check WAV CSV [--gap SECONDS]");
	Mono a;
	int n;
	Label *l = read_pair(argv[0], argv[1], &a, &n);
	if (!l)
		return 1;
	long w = lround(0.005 * a.rate), pw = lround(0.05 * a.rate);
	double *iso = malloc((size_t)(n ? n : 1) * sizeof *iso), hit_min = 0, hit_max = -200;
	int n_iso = 0;
	printf("time class after/before_dB peak_ms peak_dBFS isolated\n");
	for (int i = 0; i < n; i++) {
		long at = lround(l[i].t * a.rate), pk = at;
		for (long j = at; j < at + pw && j < (long)a.n; j++)
			pk = fabsf(a.x[j]) > fabsf(a.x[pk < (long)a.n ? pk : 0]) ? j : pk;
		double ratio = 10 * log10((energy(&a, at, at + w) + 1e-30) / (energy(&a, at - w, at) + 1e-30));
		double pdb = 20 * log10(pk < (long)a.n ? fabsf(a.x[pk]) + 1e-30 : 1e-30);
		int j = i;
		while (j > 0 && l[j - 1].t == l[i].t)
			j--;
		int isolated = j == 0 ? l[i].t >= gap : l[i].t - l[j - 1].t >= gap;
		if (isolated)
			iso[n_iso++] = ratio;
		hit_min = pdb < hit_min ? pdb : hit_min;
		hit_max = pdb > hit_max ? pdb : hit_max;
		printf("%.6f %s %.1f %.2f %.1f %d\n", l[i].t, class_name[l[i].cls], ratio,
		       1000.0 * (double)(pk - at) / a.rate, pdb, isolated);
	}
	qsort(iso, (size_t)n_iso, sizeof *iso, dbl_cmp);
	printf("labels %d isolated %d\n", n, n_iso);
	if (n_iso)
		printf("isolated after/before_dB min %.1f median %.1f\n", iso[0], iso[n_iso / 2]);
	printf("hit peaks dBFS min %.1f max %.1f; file peak dBFS %.2f\n", hit_min, hit_max,
	       20 * log10(peak_of(a.x, a.n) + 1e-30));
	free(iso);
	free(l);
	free(a.x);
	return 0;
}

/* How long each one-shot takes to reach 20 dB under its peak (its attack), from its first sample:
 * a trimmed shot's onset should be at most a few milliseconds before that. */
static int cmd_attack(int argc, char **argv)
{
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		Mono m;
		if (read_mono(argv[i], &m)) {
			rc = 1;
			continue;
		}
		float peak = peak_of(m.x, m.n);
		size_t a = 0;
		while (a < m.n && fabsf(m.x[a]) < 0.1f * peak)
			a++;
		printf("%.2f %s\n", 1000.0 * (double)a / m.rate, argv[i]);
		free(m.x);
	}
	return rc;
}

/* What the network of an onset model with N bands and a 1 ms hop reads in the S steps after each
 * label: one line per label, "time class" and S x (N + 1) features, step after step. The steps are
 * the model's own (every hop-th sample from the file's start); step 1 is the first to end after
 * the label. For scripts/onset_probe.py, which asks how well the classes can be told apart from
 * these features when the onsets are given. */
static int cmd_features(int argc, char **argv)
{
	int bands = 10, steps = 16;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--bands"))
			bands = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--steps"))
			steps = atoi(argv[i + 1]);
		else
			argc = -1;
	}
	if (argc < 2 || argc % 2 || bands < 1 || bands > RFX_FRONTEND_MAX_BANDS || steps < 1 || steps > 1000)
		return fail("features", "usage: drumgen features WAV CSV [--bands 1..15] [--steps 1..1000]");
	Mono a;
	int n;
	Label *l = read_pair(argv[0], argv[1], &a, &n);
	if (!l)
		return 1;
	RfxFrontendSpec spec = rfx_frontend_spec_default(bands);
	spec.hop = (int)lround(a.rate / 1000.0);
	RfxFrontend fe;
	rfx_frontend_init(&fe, &spec, a.rate);
	const int nf = bands + 1;
	const size_t n_steps = a.n / (size_t)spec.hop;
	float *f = malloc((n_steps ? n_steps : 1) * (size_t)nf * sizeof *f);
	if (!f) {
		free(l);
		free(a.x);
		return fail("features", "out of memory");
	}
	for (size_t i = 0, s = 0; i < a.n && s < n_steps; i++)
		s += rfx_frontend_push(&fe, a.x[i], f + s * (size_t)nf);
	for (int i = 0; i < n; i++) {
		/* the step ending at sample (s + 1) hop - 1 is the first to end at or after the label */
		const size_t first = (size_t)floor(l[i].t * a.rate / spec.hop);
		if (first + (size_t)steps > n_steps)
			continue; /* too close to the end */
		printf("%.6f %s", l[i].t, class_name[l[i].cls]);
		for (size_t s = first; s < first + (size_t)steps; s++)
			for (int j = 0; j < nf; j++)
				printf(" %.5g", f[s * (size_t)nf + j]);
		putchar('\n');
	}
	free(f);
	free(l);
	free(a.x);
	return 0;
}

/* ------------------------------------------------------------------ main */
static void usage(FILE *f)
{
	fprintf(f, "usage: drumgen class NAME... | kit-name FOLDER | h2-list DRUMKIT.XML | gm-notes |\n"
		   "       note-mid OUT.mid NOTE VEL [SECONDS [KIT]] | trim IN OUT.wav [--db DB] [--preroll N]\n"
		   "       [--max-seconds S] [--gain G] | mix KITDIR OUTDIR --kits a,b [--files N] [--seconds S]\n"
		   "       [--seed S] [--rate HZ] [--isolated F] [--bleed 0|1] [--scatter F] [--pitch ST]\n"
		   "       [--eq DB] [--balance DB] [--silent F] [--instruments 0|1] | check WAV CSV [--gap S] |\n"
		   "       attack WAV... | features WAV CSV [--bands N] [--steps S]\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *c = argv[1];
	int n = argc - 2;
	char **a = argv + 2;
	if (!strcmp(c, "class"))
		return cmd_class(n, a);
	if (!strcmp(c, "kit-name"))
		return cmd_kit_name(n, a);
	if (!strcmp(c, "h2-list"))
		return cmd_h2_list(n, a);
	if (!strcmp(c, "gm-notes"))
		return cmd_gm_notes();
	if (!strcmp(c, "note-mid"))
		return cmd_note_mid(n, a);
	if (!strcmp(c, "trim"))
		return cmd_trim(n, a);
	if (!strcmp(c, "mix"))
		return cmd_mix(n, a);
	if (!strcmp(c, "check"))
		return cmd_check(n, a);
	if (!strcmp(c, "attack"))
		return cmd_attack(n, a);
	if (!strcmp(c, "features"))
		return cmd_features(n, a);
	if (!strcmp(c, "--help") || !strcmp(c, "-h")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
