/* rnnfx LV2 classifier plugin — a recurrent classifier listening to a mono signal.
 *
 * The audio passes through untouched (bit for bit; in-place allowed). A classifier model
 * (dsp/model.h, mode "classifier", K <= 16 classes) runs on the input, NaN/Inf taken as 0, and
 * gives K class probabilities per sample. Per sample, with a the one-pole coefficient of the
 * `smoothing` time (classifier.h) and p_k the model's probabilities:
 *
 *     s_k += a * (p_k - s_k)               (s_k = p_k on the first sample of a model)
 *     b    = argmax_k s_k                  (the lowest index on a tie)
 *     if b != winner and s_b > threshold:  winner = b   -> MIDI note-off old, note-on new
 *
 * Ports at the end of each block: `class` = winner (-1 before any class passed the threshold),
 * `confidence` = s_winner, `p0`..`p7` = s_0..s_7 (0 past K).
 *
 * MIDI (`midi_out`): when the winner changes at frame t, a note-off of the sounding note then a
 * note-on of base_note + winner (velocity round(127 * s_winner), at least 1), both at frame t,
 * channel 1. A model swap, disabling the plugin and deactivate() end the sounding note (the last
 * at frame 0 of the first run() after the next activate(): a plugin cannot write events outside
 * run()). Events only go into blocks of at least one frame (a note-off due in a 0-frame run()
 * waits for frame 0 of the next). A class whose note would pass 127 changes the ports but sends
 * no note.
 *
 * Onset mode, for an onset model (mode "onset", e.g. drum hits): the model's K probabilities go
 * to the onset detector of dsp/rnnfx.h (threshold = the `threshold` port, release = half of it,
 * gap 30 ms, gate = the `gate` port), and each hit it reports at frame t of the block is a
 * note-on at frame t, channel 10 (General MIDI drums), the class's note from the model, velocity
 * from the hit's level; its note-off follows `note_length` ms later (sooner when the same class
 * hits again: that note-off then comes at the new note-on's frame, before it). `class` and
 * `confidence` hold the last hit's class and probability; p0..p7 the raw probabilities of the
 * block's last frame; `smoothing` and `base_note` are not used. Both modes run the same loop:
 * the model over a chunk, then the mode's decision, then the MIDI.
 *
 * Loading, the worker and state are the effect's (plugin/core.c): patch:Set of rnnfx:model, a
 * load on the worker, the model's path and the model itself (labels included) in the state.
 * Effect models are refused (status 4), and so are classifiers trained at another sample rate
 * than the host's (status 3: dsp/rate.h does not resample class probabilities, and a recurrent
 * classifier's features are per sample);
 * either way the current classifier keeps running. The labels are a patch:readable parameter
 * rnnfx:labels, sent on `notify` after each load and in reply to patch:Get.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/midi/midi.h>

#include "../dsp/denormals.h"
#include "classifier.h"
#include "core.h"
#include "loaded.h"
#include "uris.h"

/* Samples per inner pass (the probability buffer holds CHUNK * RFX_MAX_CLASSES floats). */
#define CHUNK 128
/* Bytes one 3-byte MIDI event takes in a sequence: event header + atom header + padded body. */
#define MIDI_EVENT_BYTES (sizeof(LV2_Atom_Event) + 8)

typedef struct {
	/* Features, URIDs, notify forge, loading, state (plugin/core.h); must stay the first member. */
	RfxCore core;

	/* Ports */
	const float *in;
	float *out;
	const LV2_Atom_Sequence *control;
	LV2_Atom_Sequence *notify;
	LV2_Atom_Sequence *midi_out;
	const float *smoothing;
	const float *threshold;
	const float *base_note;
	const float *enabled;
	const float *note_length;
	const float *gate;
	float *class_out;
	float *confidence;
	float *status;
	float *latency;
	float *model_rate;
	float *p[RFX_CLS_N_PROB_PORTS];

	/* Audio-thread state */
	LV2_Atom_Forge midi_forge;
	RfxLoaded *cur;          /* the classifier running now, or NULL */
	bool announce_model;     /* send patch:Set rnnfx:model on notify */
	bool announce_labels;    /* send patch:Set rnnfx:labels on notify */
	bool fresh;              /* the next sample sets s = p (a new model, or re-enabled) */
	bool reset_pending;      /* activate()/deactivate() happened: end the note, forget the class */
	uint32_t block_len;      /* this run()'s n: events go only into blocks of at least 1 frame */
	float smooth_ms;         /* the smoothing the coefficient was computed for */
	float coef;
	int winner;              /* -1 = none */
	int sounding;            /* MIDI note on now, -1 = none */
	float s[RFX_MAX_CLASSES];
	float x_in[CHUNK];
	float probs[CHUNK * RFX_MAX_CLASSES];
	/* Onset mode */
	RfxOnsetDetector det;
	RfxOnsetEvent ev[CHUNK];
	bool drum_on[RFX_MAX_CLASSES];     /* class k's note is sounding */
	uint32_t drum_off[RFX_MAX_CLASSES]; /* frames from the current chunk's start to its off */
} RfxClassifier;

/* The worker and state callbacks of plugin/core.c take the instance as its RfxCore. */
_Static_assert(offsetof(RfxClassifier, core) == 0, "RfxCore must be the first member");

/* Instantiation class: allocates the instance, checks features, maps URIs. NULL when a required
 * feature is missing (logged when the host gives log:log). */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle_path,
			      const LV2_Feature *const *features)
{
	(void)descriptor;
	(void)bundle_path;
	RfxClassifier *self = rfx_core_new(sizeof *self, RFX_MODE_CLASSIFIER, "rnnfx classifier",
					   rate, features);
	if (!self)
		return NULL;
	lv2_atom_forge_init(&self->midi_forge, self->core.map);
	self->smooth_ms = RFX_CLS_DEFAULT_SMOOTHING_MS;
	self->coef = rfx_cls_smooth_coef(rate, self->smooth_ms);
	self->winner = -1;
	self->sounding = -1;
	self->fresh = true;
	rfx_onset_init(&self->det, 1, rate, NULL);
	return self;
}

/* Audio class: stores a port's buffer pointer, nothing else. */
static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
	RfxClassifier *self = instance;
	if (port >= RFX_CLS_PORT_P0 && port <= RFX_CLS_PORT_P7) {
		self->p[port - RFX_CLS_PORT_P0] = data;
		return;
	}
	switch ((RfxClsPortIndex)port) {
	case RFX_CLS_PORT_IN: self->in = data; break;
	case RFX_CLS_PORT_OUT: self->out = data; break;
	case RFX_CLS_PORT_CONTROL: self->control = data; break;
	case RFX_CLS_PORT_NOTIFY: self->notify = data; break;
	case RFX_CLS_PORT_MIDI_OUT: self->midi_out = data; break;
	case RFX_CLS_PORT_SMOOTHING: self->smoothing = data; break;
	case RFX_CLS_PORT_THRESHOLD: self->threshold = data; break;
	case RFX_CLS_PORT_BASE_NOTE: self->base_note = data; break;
	case RFX_CLS_PORT_ENABLED: self->enabled = data; break;
	case RFX_CLS_PORT_CLASS: self->class_out = data; break;
	case RFX_CLS_PORT_CONFIDENCE: self->confidence = data; break;
	case RFX_CLS_PORT_STATUS: self->status = data; break;
	case RFX_CLS_PORT_LATENCY: self->latency = data; break;
	case RFX_CLS_PORT_MODEL_RATE: self->model_rate = data; break;
	case RFX_CLS_PORT_NOTE_LENGTH: self->note_length = data; break;
	case RFX_CLS_PORT_GATE: self->gate = data; break;
	default: break;
	}
}

/* Instantiation class: the next run() starts without a class (ending a note left sounding). */
static void activate(LV2_Handle instance)
{
	RfxClassifier *self = instance;
	self->reset_pending = true;
}

/* Instantiation class: no run() follows until activate(); the sounding note is ended at frame 0
 * of the next run(), the first chance the plugin has to write MIDI. */
static void deactivate(LV2_Handle instance)
{
	RfxClassifier *self = instance;
	self->reset_pending = true;
}

/* ------------------------------------------------------------------------------------------ */
/* Audio thread helpers: no allocation, no lock, no I/O. */

/* Room for `n` more MIDI events in the sequence being forged. */
static bool midi_room(const RfxClassifier *self, unsigned n)
{
	const LV2_Atom_Forge *f = &self->midi_forge;
	return self->block_len > 0 && f->buf && f->offset + n * MIDI_EVENT_BYTES <= f->size;
}

static void midi_write(RfxClassifier *self, uint32_t frame, uint8_t status, int note, int vel)
{
	LV2_Atom_Forge *f = &self->midi_forge;
	const uint8_t msg[3] = {status, (uint8_t)note, (uint8_t)vel};
	lv2_atom_forge_frame_time(f, frame);
	lv2_atom_forge_atom(f, 3, self->core.uris.midi_MidiEvent);
	lv2_atom_forge_write(f, msg, 3);
}

/* Ends the sounding note at `frame`, when there is one and room for the event (when there is no
 * room the note stays recorded as sounding and the next chance ends it). */
static void note_off(RfxClassifier *self, uint32_t frame)
{
	if (self->sounding < 0 || !midi_room(self, 1))
		return;
	midi_write(self, frame, LV2_MIDI_MSG_NOTE_OFF, self->sounding, 0);
	self->sounding = -1;
}

/* The winner became `k` at `frame`: note-off of the old note, note-on of the new one, both or
 * neither (so on/off stay paired when the buffer is nearly full). */
static void winner_changed(RfxClassifier *self, uint32_t frame, int k, int base)
{
	const int note = base + k;
	const bool on = note <= 127;
	const unsigned need = (self->sounding >= 0 ? 1u : 0u) + (on ? 1u : 0u);
	if (!midi_room(self, need))
		return;
	note_off(self, frame);
	if (!on)
		return;
	float v = 127.0f * self->s[k] + 0.5f;
	int vel = v >= 127.0f ? 127 : (v >= 1.0f ? (int)v : 1);
	midi_write(self, frame, LV2_MIDI_MSG_NOTE_ON, note, vel);
	self->sounding = note;
}

/* Onset mode: ends every sounding drum note at `frame` (as many as there is room for). */
static void drums_off(RfxClassifier *self, uint32_t frame)
{
	for (int k = 0; k < RFX_MAX_CLASSES; ++k)
		if (self->drum_on[k] && self->cur && midi_room(self, 1)) {
			midi_write(self, frame, LV2_MIDI_MSG_NOTE_OFF | 9, self->cur->notes[k], 0);
			self->drum_on[k] = false;
		}
}

/* Forgets the class: the next sample starts the smoothing afresh; drum notes end at `frame`. */
static void forget_class(RfxClassifier *self, uint32_t frame)
{
	drums_off(self, frame);
	self->winner = -1;
	self->fresh = true;
	memset(self->s, 0, sizeof self->s);
	rfx_onset_reset(&self->det);
}

/* Frame mode over the chunk at `off`: smoothing, winner, a note when it changes. */
static void frame_chunk(RfxClassifier *self, uint32_t off, uint32_t n, int K, float thr, int base)
{
	const float a = self->coef;
	for (uint32_t i = 0; i < n; ++i) {
		const float *p = self->probs + (size_t)i * (size_t)K;
		int best = 0;
		for (int k = 0; k < K; ++k) {
			const float pk = isfinite(p[k]) ? p[k] : 0.0f;
			if (self->fresh)
				self->s[k] = pk;
			else
				self->s[k] += a * (pk - self->s[k]);
			if (self->s[k] > self->s[best])
				best = k;
		}
		self->fresh = false;
		if (best != self->winner && self->s[best] > thr) {
			self->winner = best;
			winner_changed(self, off + i, best, base);
		}
	}
}

/* The sounding drum note whose off comes first before `limit` frames into the chunk, or -1. */
static int first_off(const RfxClassifier *self, uint32_t limit)
{
	int k0 = -1;
	for (int k = 0; k < RFX_MAX_CLASSES; ++k)
		if (self->drum_on[k] && self->drum_off[k] < limit &&
		    (k0 < 0 || self->drum_off[k] < self->drum_off[k0]))
			k0 = k;
	return k0;
}

/* Onset mode over the chunk at `off`: the detector's hits become note-ons, in frame order with
 * the note-offs that fall due (an off never after an on of a later frame: the sequence's times
 * must not go back). `len` is the note length in frames. */
static void onset_chunk(RfxClassifier *self, uint32_t off, uint32_t n, int K, uint32_t len)
{
	const int m = rfx_onset_process(&self->det, self->x_in, self->probs, n, self->ev, CHUNK);
	for (int e = 0;; ++e) {
		const uint32_t at = e < m ? self->ev[e].frame : n;
		for (int k; (k = first_off(self, e < m ? at + 1 : n)) >= 0;) {
			if (!midi_room(self, 1))
				break;
			midi_write(self, off + self->drum_off[k], LV2_MIDI_MSG_NOTE_OFF | 9,
				   self->cur->notes[k], 0);
			self->drum_on[k] = false;
		}
		if (e >= m)
			break;
		const RfxOnsetEvent *ev = &self->ev[e];
		self->winner = ev->cls;
		self->s[ev->cls] = ev->confidence;
		const int note = self->cur->notes[ev->cls];
		if (ev->cls >= K || !midi_room(self, self->drum_on[ev->cls] ? 2u : 1u))
			continue; /* no room for the pair: the hit sends nothing, the ports still show it */
		if (self->drum_on[ev->cls]) /* the class's last note still sounds: it ends here */
			midi_write(self, off + at, LV2_MIDI_MSG_NOTE_OFF | 9, note, 0);
		midi_write(self, off + at, LV2_MIDI_MSG_NOTE_ON | 9, note, ev->velocity);
		self->drum_on[ev->cls] = true;
		self->drum_off[ev->cls] = at + len;
	}
	for (int k = 0; k < RFX_MAX_CLASSES; ++k)
		if (self->drum_on[k])
			self->drum_off[k] = self->drum_off[k] > n ? self->drum_off[k] - n : 0;
	/* The probability ports show the raw values of the chunk's last frame. */
	for (int k = 0; k < K && n; ++k)
		self->s[k] = self->probs[(size_t)(n - 1) * (size_t)K + (size_t)k];
}

/* Onset mode: the detector follows the threshold and gate ports (NaN: the defaults). */
static void onset_controls(RfxClassifier *self, float thr)
{
	RfxOnsetConfig c = rfx_onset_config_default();
	c.threshold = thr > 0.0f && thr < 1.0f ? thr : c.threshold;
	c.release = c.threshold / 2;
	const float g = self->gate ? *self->gate : RFX_CLS_DEFAULT_GATE_DB;
	c.gate_db = g >= -120.0f && g <= 0.0f ? g : (g > 0.0f ? 0.0f : -120.0f);
	if (g != g)
		c.gate_db = RFX_CLS_DEFAULT_GATE_DB;
	if (c.threshold != self->det.cfg.threshold || c.gate_db != self->det.cfg.gate_db)
		rfx_onset_configure(&self->det, self->core.rate, &c);
}

/* Onset mode: the note length port in frames (5 ms to 2 s; NaN: the default). */
static uint32_t note_frames(const RfxClassifier *self)
{
	float ms = self->note_length ? *self->note_length : RFX_CLS_DEFAULT_NOTE_LENGTH_MS;
	if (!(ms >= 5.0f))
		ms = ms < 5.0f ? 5.0f : RFX_CLS_DEFAULT_NOTE_LENGTH_MS;
	ms = ms < 2000.0f ? ms : 2000.0f;
	return (uint32_t)(ms * 0.001 * self->core.rate + 0.5);
}

/* Audio class: processes n samples (any n, 0 included; `in` and `out` may be the same buffer).
 * Real-time: no allocation, no lock, no I/O. FTZ/DAZ set for the call and restored. */
static void run(LV2_Handle instance, uint32_t n_samples)
{
	RfxClassifier *self = instance;
	RfxCore *core = &self->core;
	const RfxFpMode fp = rfx_ftz_begin(); /* denormals flushed for this call */
	/* The audio, untouched. */
	if (self->out != self->in && n_samples)
		memcpy(self->out, self->in, n_samples * sizeof(float));

	LV2_Atom_Forge_Frame notify_frame, midi_frame;
	bool notifying = false, midi = false;
	if (self->notify) {
		lv2_atom_forge_set_buffer(&core->forge, (uint8_t *)self->notify,
					  self->notify->atom.size);
		notifying = lv2_atom_forge_sequence_head(&core->forge, &notify_frame, 0) != 0;
	}
	if (self->midi_out) {
		lv2_atom_forge_set_buffer(&self->midi_forge, (uint8_t *)self->midi_out,
					  self->midi_out->atom.size);
		midi = lv2_atom_forge_sequence_head(&self->midi_forge, &midi_frame, 0) != 0;
	}
	if (!midi)
		self->midi_forge.buf = NULL; /* midi_room() is false: no events */
	self->block_len = n_samples;

	if (self->control) {
		LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
			LV2_URID get = 0;
			if (!lv2_atom_forge_is_object_type(&core->forge, ev->body.type) ||
			    !rfx_core_handle_patch(core, (const LV2_Atom_Object *)&ev->body, &get))
				continue;
			if (get == 0 || get == core->uris.rfx_model)
				self->announce_model = true;
			if (get == 0 || get == core->uris.rfx_labels)
				self->announce_labels = true;
		}
	}

	/* Controls: NaN and out-of-range values fall back to the default or the nearest limit. */
	float ms = self->smoothing ? *self->smoothing : RFX_CLS_DEFAULT_SMOOTHING_MS;
	if (!(ms >= 0.0f))
		ms = ms < 0.0f ? 0.0f : RFX_CLS_DEFAULT_SMOOTHING_MS;
	if (ms > 10000.0f)
		ms = 10000.0f;
	if (ms != self->smooth_ms) {
		self->smooth_ms = ms;
		self->coef = rfx_cls_smooth_coef(core->rate, ms);
	}
	float thr = self->threshold ? *self->threshold : RFX_CLS_DEFAULT_THRESHOLD;
	if (thr != thr)
		thr = RFX_CLS_DEFAULT_THRESHOLD;
	float bn = self->base_note ? *self->base_note : (float)RFX_CLS_DEFAULT_BASE_NOTE;
	const int base = bn >= 0.0f ? (bn <= 127.0f ? (int)(bn + 0.5f) : 127)
				    : (bn < 0.0f ? 0 : RFX_CLS_DEFAULT_BASE_NOTE);
	const bool enabled = !self->enabled || *self->enabled > 0.5f;

	if (self->reset_pending) {
		note_off(self, 0);
		forget_class(self, 0);
		self->reset_pending = false;
	}

	/* A new classifier (from the worker or a restore without one) replaces the current one at
	 * once: the audio does not depend on it, so there is nothing to cross-fade. */
	rfx_core_take_restored(core);
	if (core->next) {
		drums_off(self, 0); /* with the old model's notes */
		rfx_core_retire(core, self->cur);
		self->cur = core->next;
		core->next = NULL;
		note_off(self, 0);
		rfx_onset_init(&self->det, rfx_engine_outputs(self->cur->engine), core->rate, NULL);
		forget_class(self, 0);
		self->announce_model = self->announce_labels = true;
	}

	if (!enabled) {
		/* The model rests (its state kept); no class while disabled. */
		note_off(self, 0);
		forget_class(self, 0);
	} else if (self->cur) {
		const int K = rfx_engine_outputs(self->cur->engine);
		const bool onset = self->cur->onset;
		if (onset)
			onset_controls(self, thr);
		const uint32_t len = note_frames(self);
		for (uint32_t off = 0; off < n_samples;) {
			const uint32_t n = n_samples - off < CHUNK ? n_samples - off : CHUNK;
			for (uint32_t i = 0; i < n; ++i) {
				const float x = self->in[off + i];
				self->x_in[i] = isfinite(x) ? x : 0.0f;
			}
			rfx_engine_process(self->cur->engine, self->x_in, self->probs, n);
			if (onset)
				onset_chunk(self, off, n, K, len);
			else
				frame_chunk(self, off, n, K, thr, base);
			off += n;
		}
	}

	/* An announcement that did not fit in the notify buffer is tried again next run(). */
	if (notifying && self->cur) {
		if (self->announce_model && self->cur->path)
			self->announce_model = !rfx_core_notify(core, core->uris.rfx_model,
								core->uris.atom_Path, self->cur->path);
		else
			self->announce_model = false;
		if (self->announce_labels)
			self->announce_labels = !rfx_core_notify(core, core->uris.rfx_labels,
								 core->uris.atom_String, self->cur->labels);
	} else {
		self->announce_model = self->announce_labels = false;
	}
	if (notifying)
		lv2_atom_forge_pop(&core->forge, &notify_frame);
	if (midi)
		lv2_atom_forge_pop(&self->midi_forge, &midi_frame);

	if (self->class_out)
		*self->class_out = (float)self->winner;
	if (self->confidence)
		*self->confidence = self->winner >= 0 ? self->s[self->winner] : 0.0f;
	for (int k = 0; k < RFX_CLS_N_PROB_PORTS; ++k)
		if (self->p[k])
			*self->p[k] = self->s[k];
	if (self->latency)
		*self->latency = 0.0f;
	if (self->status) {
		RfxClsStatus s = self->cur ? RFX_CLS_STATUS_OK : RFX_CLS_STATUS_NONE;
		switch (core->failed) {
		case RFX_LOAD_FAIL_NONE: break;
		case RFX_LOAD_FAIL_LOAD: s = RFX_CLS_STATUS_LOAD_ERROR; break;
		case RFX_LOAD_FAIL_KIND: s = RFX_CLS_STATUS_NOT_CLASSIFIER; break;
		case RFX_LOAD_FAIL_RATE: s = RFX_CLS_STATUS_RATE; break;
		}
		*self->status = (float)s;
	}
	if (self->model_rate)
		*self->model_rate = self->cur ? (float)rfx_engine_model_rate(self->cur->engine) : 0.0f;

	rfx_core_flush_garbage(core);
	rfx_ftz_end(fp);
}

/* Instantiation class: frees everything (the host has stopped the worker). */
static void cleanup(LV2_Handle instance)
{
	RfxClassifier *self = instance;
	rfx_loaded_free(self->cur);
	rfx_core_free(&self->core);
}

const LV2_Descriptor rfx_classifier_descriptor = {
	RFX_CLASSIFIER_URI, instantiate, connect_port, activate, run, deactivate, cleanup,
	rfx_core_extension_data,
};
