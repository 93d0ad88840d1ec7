/* The MIDI file writer (io/smf.h): the varint against hand-computed bytes, a tiny file byte for
 * byte with and without running status, and random note lists parsed back (header, track length,
 * delta times of 1 to 4 bytes, time order, note-offs first at equal ticks, every note-on ended
 * before the same note starts again). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io/files.h"
#include "../io/smf.h"
#include "harness.h"

static void check_varint(unsigned long v, const unsigned char *want, int n)
{
	unsigned char b[4] = { 0 };
	int got = rfx_smf_varint(v, b);
	RT_CHECK(got == n && memcmp(b, want, (size_t)n) == 0, "0x%lx: %d bytes %02x %02x %02x %02x",
		 v, got, b[0], b[1], b[2], b[3]);
}

static void test_varint(void)
{
	rt_case("varint: 1 to 4 bytes, hand-computed (SMF 1.0 examples)");
	check_varint(0, (const unsigned char[]){ 0x00 }, 1);
	check_varint(0x40, (const unsigned char[]){ 0x40 }, 1);
	check_varint(0x7F, (const unsigned char[]){ 0x7F }, 1);
	check_varint(0x80, (const unsigned char[]){ 0x81, 0x00 }, 2);
	check_varint(0x2000, (const unsigned char[]){ 0xC0, 0x00 }, 2);
	check_varint(0x3FFF, (const unsigned char[]){ 0xFF, 0x7F }, 2);
	check_varint(0x4000, (const unsigned char[]){ 0x81, 0x80, 0x00 }, 3);
	check_varint(0x100000, (const unsigned char[]){ 0xC0, 0x80, 0x00 }, 3);
	check_varint(0x1FFFFF, (const unsigned char[]){ 0xFF, 0xFF, 0x7F }, 3);
	check_varint(0x200000, (const unsigned char[]){ 0x81, 0x80, 0x80, 0x00 }, 4);
	check_varint(0x8000000, (const unsigned char[]){ 0xC0, 0x80, 0x80, 0x00 }, 4);
	check_varint(0x0FFFFFFF, (const unsigned char[]){ 0xFF, 0xFF, 0xFF, 0x7F }, 4);
	unsigned char b[4];
	RT_CHECK(rfx_smf_varint(0x10000000, b) == 0, "0x10000000 does not fit");
}

/* Kick at 0 s for 0.5 s, snare at 0.5 s for 0.25 s, on channel 10, ending at 2 s; 96 ticks a
 * quarter at 120 BPM = 192 ticks a second: ticks 0, 96 (kick off, then snare on), 144, 384. */
static const RfxSmfNote tiny_notes[] = {
	{ .time = 0.5, .duration = 0.25, .channel = 9, .note = 38, .velocity = 80 },
	{ .time = 0.0, .duration = 0.5, .channel = 9, .note = 36, .velocity = 100 },
};

static const unsigned char tiny_plain[] = {
	'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96,
	'M', 'T', 'r', 'k', 0, 0, 0, 28,
	0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, /* 500000 us a quarter note */
	0x00, 0x99, 36, 100,
	0x60, 0x89, 36, 64,                       /* delta 96: the kick's off first... */
	0x00, 0x99, 38, 80,                       /* ...then the snare's on */
	0x30, 0x89, 38, 64,                       /* delta 48 */
	0x81, 0x70, 0xFF, 0x2F, 0x00,             /* delta 240 (2 bytes), end of track */
};

static const unsigned char tiny_running[] = {
	'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96,
	'M', 'T', 'r', 'k', 0, 0, 0, 25,
	0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
	0x00, 0x99, 36, 100,
	0x60, 36, 0,                              /* running status: note-on at velocity 0 */
	0x00, 38, 80,
	0x30, 38, 0,
	0x81, 0x70, 0xFF, 0x2F, 0x00,
};

static void test_tiny(void)
{
	RfxSmfSpec s = rfx_smf_spec_default();
	s.division = 96;
	s.end = 2.0;
	unsigned char buf[64];
	size_t len = 0;

	rt_case("a tiny file, byte for byte");
	RT_OK(rfx_smf_encode(&s, tiny_notes, 2, buf, sizeof buf, &len));
	RT_CHECK(len == sizeof tiny_plain && !memcmp(buf, tiny_plain, len), "%zu bytes", len);

	rt_case("the same with running status");
	s.running_status = 1;
	RT_OK(rfx_smf_encode(&s, tiny_notes, 2, buf, sizeof buf, &len));
	RT_CHECK(len == sizeof tiny_running && !memcmp(buf, tiny_running, len), "%zu bytes", len);

	rt_case("times in samples at a rate give the same file");
	s.running_status = 0;
	s.rate = 48000;
	s.end = 96000;
	RfxSmfNote in_samples[2];
	memcpy(in_samples, tiny_notes, sizeof in_samples);
	for (int i = 0; i < 2; i++) {
		in_samples[i].time *= 48000;
		in_samples[i].duration *= 48000;
	}
	RT_OK(rfx_smf_encode(&s, in_samples, 2, buf, sizeof buf, &len));
	RT_CHECK(len == sizeof tiny_plain && !memcmp(buf, tiny_plain, len), "%zu bytes", len);

	rt_case("a buffer too small: the size, and nothing written past it");
	s = rfx_smf_spec_default();
	s.division = 96;
	s.end = 2.0;
	RT_CHECK(rfx_smf_encode(&s, tiny_notes, 2, NULL, 0, &len) == RFX_SMF_ERR_SPACE &&
		 len == sizeof tiny_plain, "size query: %zu", len);
	memset(buf, 0xAA, sizeof buf);
	RT_CHECK(rfx_smf_encode(&s, tiny_notes, 2, buf, 20, &len) == RFX_SMF_ERR_SPACE, "20 bytes");
	RT_CHECK(buf[20] == 0xAA && !memcmp(buf, tiny_plain, 18), "wrote past the buffer");
	unsigned char *a = NULL;
	RT_OK(rfx_smf_encode_alloc(&s, tiny_notes, 2, &a, &len));
	RT_CHECK(a && len == sizeof tiny_plain && !memcmp(a, tiny_plain, len), "encode_alloc");
	free(a);
}

/* ------------------------------------------------------------------ a reader for the tests */
typedef struct {
	unsigned long tick;
	int on; /* a note-on with velocity > 0 */
	int channel, note, velocity;
} ReadEvent;

typedef struct {
	int format, tracks, division;
	unsigned long tempo_us, end_tick;
	int delta_bytes_seen[5]; /* how many deltas had 1..4 bytes */
	size_t n;
	ReadEvent ev[4096];
} Parsed;

static int read_varint(const unsigned char *b, size_t len, size_t *pos, unsigned long *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		if (*pos >= len)
			return 0;
		unsigned char c = b[(*pos)++];
		*v = (*v << 7) | (c & 0x7F);
		if (!(c & 0x80))
			return i + 1;
	}
	return 0;
}

static unsigned long be32(const unsigned char *b)
{
	return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
}

/* Parses one format-0 file; returns 0, or the byte offset (+1) where it went wrong. */
static size_t parse(const unsigned char *b, size_t len, Parsed *p)
{
	memset(p, 0, sizeof *p);
	if (len < 22 || memcmp(b, "MThd", 4) || be32(b + 4) != 6 || memcmp(b + 14, "MTrk", 4))
		return 1;
	p->format = b[8] << 8 | b[9];
	p->tracks = b[10] << 8 | b[11];
	p->division = b[12] << 8 | b[13];
	if (be32(b + 18) != len - 22)
		return 19;
	size_t pos = 22;
	unsigned long tick = 0;
	unsigned char status = 0;
	while (pos < len) {
		unsigned long d;
		int nb = read_varint(b, len, &pos, &d);
		if (!nb || pos >= len)
			return pos + 1;
		p->delta_bytes_seen[nb]++;
		tick += d;
		if (b[pos] == 0xFF) { /* meta: type, length, data; cancels running status */
			if (pos + 2 >= len)
				return pos + 1;
			unsigned char type = b[pos + 1], n = b[pos + 2];
			if (type == 0x51 && n == 3 && pos + 5 < len)
				p->tempo_us = (unsigned long)b[pos + 3] << 16 | b[pos + 4] << 8 | b[pos + 5];
			if (type == 0x2F) {
				p->end_tick = tick;
				return pos + 3 == len ? 0 : pos + 1; /* nothing after the end */
			}
			pos += 3 + n;
			status = 0;
			continue;
		}
		if (b[pos] & 0x80)
			status = b[pos++];
		if (!status || (status & 0xE0) != 0x80 || pos + 1 >= len || p->n >= 4096)
			return pos + 1;
		ReadEvent *e = &p->ev[p->n++];
		e->tick = tick;
		e->channel = status & 15;
		e->note = b[pos];
		e->velocity = b[pos + 1];
		e->on = (status & 0xF0) == 0x90 && e->velocity > 0;
		pos += 2;
	}
	return len + 1; /* no end of track */
}

/* Every event in time order with offs first at equal ticks; each note-on followed by its note-off
 * before the same channel and note starts again; nothing left sounding at the end. */
static void check_order(const Parsed *p)
{
	int sounding[16][128];
	memset(sounding, 0, sizeof sounding);
	for (size_t i = 0; i < p->n; i++) {
		const ReadEvent *e = &p->ev[i];
		if (i > 0) {
			const ReadEvent *q = &p->ev[i - 1];
			RT_CHECK(q->tick <= e->tick, "event %zu at tick %lu before %lu", i, e->tick, q->tick);
			RT_CHECK(q->tick < e->tick || !(q->on && !e->on), "event %zu: an off after an on "
				 "at tick %lu", i, e->tick);
		}
		int *s = &sounding[e->channel][e->note];
		RT_CHECK(e->on ? !*s : *s, "event %zu: note %d %s", i, e->note,
			 e->on ? "on while sounding" : "off while silent");
		*s = e->on;
	}
	for (int c = 0; c < 16; c++)
		for (int k = 0; k < 128; k++)
			RT_CHECK(!sounding[c][k], "channel %d note %d still sounding", c, k);
}

static Parsed parsed; /* large: static */

static void test_random(int running)
{
	uint64_t rng = rt_seed() + (uint64_t)running;
	rt_case(running ? "random notes parsed back (running status)" : "random notes parsed back");
	/* Times in samples at 1920 Hz with 960 ticks a quarter at 120 BPM: one tick per sample, so
	 * the gaps below give delta times of 1, 2, 3 and 4 bytes. */
	RfxSmfSpec s = rfx_smf_spec_default();
	s.division = 960;
	s.rate = 1920;
	s.running_status = running;
	enum { N = 400 };
	static RfxSmfNote notes[N];
	static const double gaps[] = { 0, 3, 100, 20000, 2200000 };
	double t = 0;
	for (int i = 0; i < N; i++) {
		t += gaps[rt_rand_u64(&rng) % 5] * (rt_rand_u64(&rng) % 2 ? 1 : 0.5);
		notes[i] = (RfxSmfNote){ .time = floor(t), .duration = (double)(rt_rand_u64(&rng) % 300),
					 .channel = (unsigned char)(rt_rand_u64(&rng) % 3 + 8),
					 .note = (unsigned char)(35 + rt_rand_u64(&rng) % 6),
					 .velocity = (unsigned char)(1 + rt_rand_u64(&rng) % 127) };
	}
	t = floor(t);
	s.end = t + 5000;
	unsigned char *b = NULL;
	size_t len = 0;
	RT_OK(rfx_smf_encode_alloc(&s, notes, N, &b, &len));
	if (!b)
		return;
	size_t bad = parse(b, len, &parsed);
	RT_CHECK(bad == 0, "unparsable at byte %zu of %zu", bad - 1, len);
	RT_CHECK(parsed.format == 0 && parsed.tracks == 1 && parsed.division == 960 &&
		 parsed.tempo_us == 500000, "header %d %d %d, tempo %lu", parsed.format, parsed.tracks,
		 parsed.division, parsed.tempo_us);
	RT_CHECK(parsed.end_tick == (unsigned long)(t + 5000), "end at tick %lu", parsed.end_tick);
	for (int k = 1; k <= 4; k++)
		RT_CHECK(parsed.delta_bytes_seen[k] > 0, "no %d-byte delta", k);
	check_order(&parsed);
	/* Every note's on is there, at its tick, with its velocity (the first of a same-tick pair). */
	size_t ons = 0;
	for (size_t i = 0; i < parsed.n; i++)
		ons += parsed.ev[i].on;
	size_t found = 0, expected = 0;
	for (int i = 0; i < N; i++) {
		int dup = 0;
		for (int j = 0; j < i; j++)
			dup |= notes[j].time == notes[i].time && notes[j].note == notes[i].note &&
			       notes[j].channel == notes[i].channel;
		if (dup)
			continue;
		expected++;
		for (size_t e = 0; e < parsed.n; e++)
			if (parsed.ev[e].on && parsed.ev[e].tick == (unsigned long)notes[i].time &&
			    parsed.ev[e].note == notes[i].note && parsed.ev[e].channel == notes[i].channel &&
			    parsed.ev[e].velocity == notes[i].velocity) {
				found++;
				break;
			}
	}
	RT_CHECK(found == expected && ons == expected, "%zu of %zu notes found, %zu note-ons", found,
		 expected, ons);
	free(b);
}

static void test_overlap(void)
{
	rt_case("a note restarted while sounding ends at the restart");
	RfxSmfSpec s = rfx_smf_spec_default(); /* 960 ticks a second */
	RfxSmfNote n[] = { { 0, 10, 9, 42, 90 }, { 1, 0.5, 9, 42, 50 }, { 1, 0, 9, 36, 60 } };
	unsigned char *b = NULL;
	size_t len = 0;
	RT_OK(rfx_smf_encode_alloc(&s, n, 3, &b, &len));
	if (!b)
		return;
	RT_CHECK(parse(b, len, &parsed) == 0, "unparsable");
	check_order(&parsed);
	/* 42 on @0, 42 off @960, then the ons @960, 36 off @961 (one tick at least), 42 off @1440 */
	static const struct { unsigned long tick; int on, note; } want[] = {
		{ 0, 1, 42 }, { 960, 0, 42 }, { 960, 1, 42 }, { 960, 1, 36 }, { 961, 0, 36 }, { 1440, 0, 42 },
	};
	RT_CHECK(parsed.n == 6, "%zu events", parsed.n);
	for (size_t i = 0; i < 6 && i < parsed.n; i++)
		RT_CHECK(parsed.ev[i].tick == want[i].tick && parsed.ev[i].on == want[i].on &&
			 parsed.ev[i].note == want[i].note, "event %zu: tick %lu on %d note %d", i,
			 parsed.ev[i].tick, parsed.ev[i].on, parsed.ev[i].note);
	RT_CHECK(parsed.end_tick == 1440, "the end is the last note-off: %lu", parsed.end_tick);
	free(b);
}

static void test_errors(void)
{
	rt_case("values out of range are refused");
	RfxSmfSpec s = rfx_smf_spec_default();
	size_t len = 1;
	unsigned char buf[64];
	const RfxSmfNote bad[] = {
		{ 0, 1, 9, 36, 0 }, { 0, 1, 16, 36, 90 }, { 0, 1, 9, 128, 90 },
		{ -1, 1, 9, 36, 90 }, { 0, -1, 9, 36, 90 }, { NAN, 1, 9, 36, 90 }, { 0, INFINITY, 9, 36, 90 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		RT_CHECK(rfx_smf_encode(&s, &bad[i], 1, buf, sizeof buf, &len) == RFX_SMF_ERR_ARG,
			 "note %zu accepted", i);
	RfxSmfNote ok = { 0, 1, 9, 36, 90 };
	RfxSmfSpec bs = s;
	bs.division = 0;
	RT_CHECK(rfx_smf_encode(&bs, &ok, 1, buf, sizeof buf, &len) == RFX_SMF_ERR_ARG, "division 0");
	bs = s;
	bs.bpm = 0;
	RT_CHECK(rfx_smf_encode(&bs, &ok, 1, buf, sizeof buf, &len) == RFX_SMF_ERR_ARG, "bpm 0");
	RfxSmfNote far = { 1e6, 1, 9, 36, 90 }; /* 960e6 ticks */
	RT_CHECK(rfx_smf_encode(&s, &far, 1, buf, sizeof buf, &len) == RFX_SMF_ERR_RANGE, "too late");
	bs = s;
	bs.end = 1e6;
	RT_CHECK(rfx_smf_encode(&bs, &ok, 1, buf, sizeof buf, &len) == RFX_SMF_ERR_RANGE, "end too late");

	rt_case("no notes: a valid file of tempo and end");
	s.end = 1.0;
	RT_OK(rfx_smf_encode(&s, NULL, 0, buf, sizeof buf, &len));
	RT_CHECK(len == 14 + 8 + 7 + 5 && parse(buf, len, &parsed) == 0 && parsed.n == 0 &&
		 parsed.end_tick == 960, "%zu bytes", len);

	rt_case("every status has its own sentence");
	for (int i = 0; i < RFX_SMF_ERR_COUNT; i++)
		for (int j = 0; j < i; j++)
			RT_CHECK(strcmp(rfx_smf_strerror((RfxSmfStatus)-i), rfx_smf_strerror((RfxSmfStatus)-j)),
				 "%d and %d", i, j);
	RT_CHECK(strstr(rfx_smf_strerror((RfxSmfStatus)-99), "unknown") != NULL, "unknown status");
}

static void test_write(void)
{
	rt_case("written through the one writer");
	char dir[] = "/tmp/rfx_smf_XXXXXX";
	if (!mkdtemp(dir)) {
		RT_CHECK(0, "mkdtemp");
		return;
	}
	char *path = rfx_path_join(dir, "t.mid");
	RfxSmfSpec s = rfx_smf_spec_default();
	s.division = 96;
	s.end = 2.0;
	char err[512] = "";
	RT_CHECK(rfx_smf_write(path, &s, tiny_notes, 2, err, sizeof err) == RFX_SMF_OK, "%s", err);
	char *data = NULL;
	size_t len = 0;
	RT_CHECK(rfx_in_read(path, 0, 0, &data, &len, err, sizeof err) == 0 &&
		 len == sizeof tiny_plain && !memcmp(data, tiny_plain, len), "read back: %s", err);
	free(data);
	/* The file just read is an input of this process: the writer refuses to replace it. */
	RT_CHECK(rfx_smf_write(path, &s, tiny_notes, 2, err, sizeof err) == RFX_SMF_ERR_WRITE &&
		 err[0], "replaced an input");
	RT_CHECK(rfx_smf_write(dir, &s, tiny_notes, 2, err, sizeof err) == RFX_SMF_ERR_WRITE && err[0],
		 "a folder as the output");
	unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	test_varint();
	test_tiny();
	test_random(0);
	test_random(1);
	test_overlap();
	test_errors();
	test_write();
	return rt_finish();
}
