/* rnnfx — the Standard MIDI File writer (see smf.h for what the file holds and in which order). */
#include "smf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

/* Ticks are absolute from the start of the file and bounded like one delta time (0x0FFFFFFF:
 * over 77 hours at 960 ticks a second), so every delta fits the 4-byte varint. */
#define MAX_TICK 0x0FFFFFFFUL

RfxSmfSpec rfx_smf_spec_default(void)
{
	RfxSmfSpec s = { .division = 480, .bpm = 120, .rate = 0, .end = 0, .running_status = 0 };
	return s;
}

const char *rfx_smf_strerror(RfxSmfStatus st)
{
	static const char *const text[RFX_SMF_ERR_COUNT] = {
		"ok",
		"a value out of range: division 1..32767, bpm 4..60000000, rate >= 0, times and "
		"durations finite and >= 0, channel 0..15, note 0..127, velocity 1..127",
		"a time beyond the longest a MIDI file can hold (0x0FFFFFFF ticks): use a smaller "
		"division or tempo",
		"the buffer is smaller than the file: allocate the size returned in *len",
		"out of memory",
		"the file could not be written",
	};
	int i = -(int)st;
	return i >= 0 && i < RFX_SMF_ERR_COUNT ? text[i] : "unknown MIDI file status";
}

int rfx_smf_varint(unsigned long v, unsigned char out[4])
{
	if (v > MAX_TICK)
		return 0;
	int n = 1;
	while (n < 4 && (v >> (7 * n)))
		n++;
	/* Big-endian groups of 7 bits; every byte but the last has its top bit set. */
	for (int i = 0; i < n; i++)
		out[i] = (unsigned char)(((v >> (7 * (n - 1 - i))) & 0x7F) | (i < n - 1 ? 0x80 : 0));
	return n;
}

/* One channel event of the track, at an absolute tick. */
typedef struct {
	unsigned long tick;
	int is_off;     /* note-offs sort before note-ons at the same tick */
	size_t order;   /* then the caller's order */
	unsigned char status, d1, d2;
} Event;

static int event_cmp(const void *pa, const void *pb)
{
	const Event *a = pa, *b = pb;
	if (a->tick != b->tick)
		return a->tick < b->tick ? -1 : 1;
	if (a->is_off != b->is_off)
		return a->is_off ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* A note's ticks and whether it is kept (see merge_repeats). */
typedef struct {
	unsigned long on, off;
	size_t index;
	int kept;
	unsigned short chan_note; /* channel * 128 + note */
} Span;

static int span_cmp(const void *pa, const void *pb)
{
	const Span *a = pa, *b = pb;
	if (a->chan_note != b->chan_note)
		return a->chan_note < b->chan_note ? -1 : 1;
	if (a->on != b->on)
		return a->on < b->on ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static RfxSmfStatus check_spec(const RfxSmfSpec *s)
{
	if (!s || s->division < 1 || s->division > 32767 || !(s->bpm >= 4 && s->bpm <= 60e6) ||
	    !(s->rate >= 0) || !isfinite(s->rate) || !(s->end >= 0) || !isfinite(s->end))
		return RFX_SMF_ERR_ARG;
	return RFX_SMF_OK;
}

static RfxSmfStatus check_note(const RfxSmfNote *n)
{
	if (!(n->time >= 0) || !isfinite(n->time) || !(n->duration >= 0) || !isfinite(n->duration) ||
	    n->channel > 15 || n->note > 127 || n->velocity < 1 || n->velocity > 127)
		return RFX_SMF_ERR_ARG;
	return RFX_SMF_OK;
}

/* Microseconds per quarter note as written to the file (3 bytes). */
static unsigned long tempo_us(const RfxSmfSpec *s)
{
	double us = floor(60e6 / s->bpm + 0.5);
	return us < 1 ? 1 : us > 0xFFFFFF ? 0xFFFFFF : (unsigned long)us;
}

/* Ticks for a time in the spec's unit, rounded to the nearest; -1 when too far. */
static long long to_tick(double t, double ticks_per_unit)
{
	double k = floor(t * ticks_per_unit + 0.5);
	return k > (double)MAX_TICK ? -1 : (long long)k;
}

/* Each note's on and off ticks. A note still sounding when the same note on the same channel
 * starts again ends there; of two starting on the same tick only the first is kept (a MIDI file
 * cannot say both). */
static RfxSmfStatus note_spans(const RfxSmfSpec *s, const RfxSmfNote *notes, size_t n, Span *sp)
{
	double tpu = s->division * 1e6 / (double)tempo_us(s) / (s->rate > 0 ? s->rate : 1.0);
	for (size_t i = 0; i < n; i++) {
		if (check_note(&notes[i]))
			return RFX_SMF_ERR_ARG;
		long long on = to_tick(notes[i].time, tpu);
		long long off = to_tick(notes[i].time + notes[i].duration, tpu);
		if (on < 0 || off < 0 || off + 1 > (long long)MAX_TICK)
			return RFX_SMF_ERR_RANGE;
		sp[i].on = (unsigned long)on;
		sp[i].off = (unsigned long)(off > on ? off : on + 1);
		sp[i].index = i;
		sp[i].kept = 1;
		sp[i].chan_note = (unsigned short)(notes[i].channel * 128 + notes[i].note);
	}
	qsort(sp, n, sizeof *sp, span_cmp);
	size_t prev = 0;
	for (size_t i = 1; i < n; i++) {
		if (sp[i].chan_note != sp[prev].chan_note) {
			prev = i;
			continue;
		}
		if (sp[i].on == sp[prev].on) {
			sp[i].kept = 0;
			if (sp[i].off > sp[prev].off)
				sp[prev].off = sp[i].off;
			continue;
		}
		if (sp[prev].off > sp[i].on)
			sp[prev].off = sp[i].on;
		prev = i;
	}
	return RFX_SMF_OK;
}

/* Where the bytes go: counted always, stored while they fit. */
typedef struct {
	unsigned char *buf;
	size_t cap, pos;
} Out;

static void put(Out *o, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++, o->pos++)
		if (o->buf && o->pos < o->cap)
			o->buf[o->pos] = b[i];
}

static void put_u32(Out *o, unsigned long v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	put(o, b, 4);
}

static void put_delta(Out *o, unsigned long delta)
{
	unsigned char b[4];
	put(o, b, (size_t)rfx_smf_varint(delta, b)); /* deltas are <= MAX_TICK by construction */
}

/* The track's events after the tempo: each note's on and off, sorted. */
static Event *track_events(const RfxSmfSpec *s, const RfxSmfNote *notes, const Span *sp, size_t n,
			   size_t *count)
{
	Event *ev = malloc((n ? 2 * n : 1) * sizeof *ev);
	if (!ev)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!sp[i].kept)
			continue;
		const RfxSmfNote *nt = &notes[sp[i].index];
		/* With running status, a note-off is a note-on at velocity 0, so one status byte
		 * serves a whole run of notes on a channel (what running status is for). */
		unsigned char off_status = (unsigned char)((s->running_status ? 0x90 : 0x80) | nt->channel);
		unsigned char off_vel = s->running_status ? 0 : 64; /* 64: "no off velocity" */
		ev[k++] = (Event){ sp[i].on, 0, 2 * sp[i].index, (unsigned char)(0x90 | nt->channel),
				   nt->note, nt->velocity };
		ev[k++] = (Event){ sp[i].off, 1, 2 * sp[i].index + 1, off_status, nt->note, off_vel };
	}
	qsort(ev, k, sizeof *ev, event_cmp);
	*count = k;
	return ev;
}

static void put_file(Out *o, const RfxSmfSpec *s, const Event *ev, size_t k, unsigned long end)
{
	static const unsigned char mthd[] = { 'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1 };
	put(o, mthd, sizeof mthd);
	unsigned char div[2] = { (unsigned char)(s->division >> 8), (unsigned char)s->division };
	put(o, div, 2);
	put(o, (const unsigned char *)"MTrk", 4);
	size_t len_at = o->pos;
	put_u32(o, 0); /* the track's length, filled in below */
	unsigned long us = tempo_us(s);
	unsigned char tempo[] = { 0, 0xFF, 0x51, 3, (unsigned char)(us >> 16), (unsigned char)(us >> 8),
				  (unsigned char)us };
	put(o, tempo, sizeof tempo);
	unsigned long now = 0;
	unsigned char last = 0; /* a meta event cancels running status; the tempo came first */
	for (size_t i = 0; i < k; i++) {
		put_delta(o, ev[i].tick - now);
		now = ev[i].tick;
		if (!s->running_status || ev[i].status != last)
			put(o, &ev[i].status, 1);
		last = ev[i].status;
		unsigned char d[2] = { ev[i].d1, ev[i].d2 };
		put(o, d, 2);
	}
	put_delta(o, end > now ? end - now : 0);
	static const unsigned char eot[] = { 0xFF, 0x2F, 0 };
	put(o, eot, sizeof eot);
	size_t track_len = o->pos - len_at - 4;
	Out patch = { o->buf, o->cap, len_at };
	put_u32(&patch, (unsigned long)track_len);
}

RfxSmfStatus rfx_smf_encode(const RfxSmfSpec *spec, const RfxSmfNote *notes, size_t n,
			    unsigned char *buf, size_t cap, size_t *len)
{
	if (len)
		*len = 0;
	if (check_spec(spec) || (n && !notes) || !len || (cap && !buf) || n > SIZE_MAX / 4 / sizeof(Event))
		return RFX_SMF_ERR_ARG;
	Span *sp = malloc((n ? n : 1) * sizeof *sp);
	if (!sp)
		return RFX_SMF_ERR_NOMEM;
	RfxSmfStatus st = note_spans(spec, notes, n, sp);
	double tpu = spec->division * 1e6 / (double)tempo_us(spec) / (spec->rate > 0 ? spec->rate : 1.0);
	long long end = to_tick(spec->end, tpu);
	if (st == RFX_SMF_OK && end < 0)
		st = RFX_SMF_ERR_RANGE;
	size_t k = 0;
	Event *ev = st == RFX_SMF_OK ? track_events(spec, notes, sp, n, &k) : NULL;
	if (st == RFX_SMF_OK && !ev)
		st = RFX_SMF_ERR_NOMEM;
	free(sp);
	if (st != RFX_SMF_OK)
		return st;
	Out o = { buf, cap, 0 };
	put_file(&o, spec, ev, k, (unsigned long)end);
	free(ev);
	*len = o.pos;
	return o.pos > cap ? RFX_SMF_ERR_SPACE : RFX_SMF_OK;
}

RfxSmfStatus rfx_smf_encode_alloc(const RfxSmfSpec *spec, const RfxSmfNote *notes, size_t n,
				  unsigned char **out, size_t *len)
{
	if (!out)
		return RFX_SMF_ERR_ARG;
	*out = NULL;
	size_t need = 0;
	RfxSmfStatus st = rfx_smf_encode(spec, notes, n, NULL, 0, &need);
	if (st != RFX_SMF_ERR_SPACE)
		return st; /* a file is never empty, so anything else is an error */
	unsigned char *b = malloc(need);
	if (!b)
		return RFX_SMF_ERR_NOMEM;
	st = rfx_smf_encode(spec, notes, n, b, need, len);
	if (st != RFX_SMF_OK) {
		free(b);
		return st;
	}
	*out = b;
	return RFX_SMF_OK;
}

RfxSmfStatus rfx_smf_write(const char *path, const RfxSmfSpec *spec, const RfxSmfNote *notes,
			   size_t n, char *err, size_t err_size)
{
	unsigned char *b = NULL;
	size_t len = 0;
	RfxSmfStatus st = rfx_smf_encode_alloc(spec, notes, n, &b, &len);
	if (st != RFX_SMF_OK) {
		if (err && err_size)
			snprintf(err, err_size, "%s", rfx_smf_strerror(st));
		return st;
	}
	int rc = rfx_out_write_file(path, b, len, err, err_size);
	free(b);
	return rc ? RFX_SMF_ERR_WRITE : RFX_SMF_OK;
}
