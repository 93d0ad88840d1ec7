/* rnnfx — a small Standard MIDI File writer: notes in, the bytes of a format-0 file out.
 *
 * The file has one track: a tempo meta event at tick 0, then a note-on and a note-off for every
 * note, in time order, then the end-of-track meta event. Times are converted to ticks from the
 * start of the file (never by summing rounded deltas, so a long file does not drift), with the
 * tempo as it is written to the file (whole microseconds per quarter note).
 *
 * Order of events at the same tick: note-offs before note-ons (a note that ends where another
 * begins never swallows it), and otherwise the order of the caller's array. A note that would
 * still sound when the same note on the same channel starts again is ended at that new start,
 * so no receiver ever sees two note-ons without a note-off between them. A note lasts at least
 * one tick.
 *
 * Uses: the drum data generator (scripts/drumgen.c) writes one note per file for fluidsynth, and a
 * runner can write a classifier's onsets as a MIDI file. Nothing here is for an audio thread.
 */
#ifndef RFX_SMF_H
#define RFX_SMF_H

#include <stddef.h>

typedef enum {
	RFX_SMF_OK = 0,
	RFX_SMF_ERR_ARG = -1,    /* a spec or note value out of range (see rfx_smf_strerror) */
	RFX_SMF_ERR_RANGE = -2,  /* a time beyond what a MIDI delta time can hold */
	RFX_SMF_ERR_SPACE = -3,  /* the caller's buffer is smaller than the file (*len says how big) */
	RFX_SMF_ERR_NOMEM = -4,
	RFX_SMF_ERR_WRITE = -5,  /* the file could not be written (the writer's sentence says why) */
	RFX_SMF_ERR_COUNT = 6    /* sentinel: the number of statuses */
} RfxSmfStatus;

/* One note. Times are seconds, or samples when the spec's `rate` is set. */
typedef struct {
	double time;             /* the note-on, >= 0 */
	double duration;         /* until the note-off, >= 0 (shorter than a tick: one tick) */
	unsigned char channel;   /* 0..15 (General MIDI drums: 9, "channel 10") */
	unsigned char note;      /* 0..127 */
	unsigned char velocity;  /* 1..127 (0 would be a note-off) */
} RfxSmfNote;

typedef struct {
	int division;            /* ticks per quarter note, 1..32767 (e.g. 480) */
	double bpm;              /* tempo, 4..60000000 quarter notes a minute (e.g. 120) */
	double rate;             /* 0: times are seconds; > 0: times are samples at this rate */
	double end;              /* when the track ends (same unit as times); the last note-off if
				  * earlier. A player renders until then (fluidsynth does). */
	int running_status;      /* nonzero: repeated status bytes are left out */
} RfxSmfSpec;

/* The defaults: 480 ticks a quarter note at 120 BPM (960 ticks a second), seconds, no end padding,
 * no running status. */
RfxSmfSpec rfx_smf_spec_default(void);

/* Builds the file in buf (cap bytes; buf may be NULL when cap is 0). *len is always set to the
 * file's size when the notes are valid, so a first call with cap 0 returns RFX_SMF_ERR_SPACE and
 * the size to allocate. Allocates a working copy of the events (RFX_SMF_ERR_NOMEM). */
RfxSmfStatus rfx_smf_encode(const RfxSmfSpec *spec, const RfxSmfNote *notes, size_t n,
			    unsigned char *buf, size_t cap, size_t *len);

/* The same into a malloc'd buffer (*out, freed by the caller). */
RfxSmfStatus rfx_smf_encode_alloc(const RfxSmfSpec *spec, const RfxSmfNote *notes, size_t n,
				  unsigned char **out, size_t *len);

/* Encodes and writes `path` through the one writer (io/files.h). On an error other than
 * RFX_SMF_ERR_WRITE, err holds rfx_smf_strerror's sentence; on a write error, the writer's. */
RfxSmfStatus rfx_smf_write(const char *path, const RfxSmfSpec *spec, const RfxSmfNote *notes,
			   size_t n, char *err, size_t err_size);

/* A sentence for a status, saying what to fix. */
const char *rfx_smf_strerror(RfxSmfStatus st);

/* The variable-length quantity MIDI uses for delta times and lengths: writes v (at most
 * 0x0FFFFFFF) into out (room for 4 bytes) and returns the byte count (1 to 4), or 0 when v is too
 * large. Exposed for tests and for readers of the bytes. */
int rfx_smf_varint(unsigned long v, unsigned char out[4]);

#endif
