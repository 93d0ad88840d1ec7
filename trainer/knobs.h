/* rnnfx-train — knobs: one conditioned model of an effect captured at several settings.
 *
 * `--knob NAME=VALUE` after a pair gives that pair's setting of knob NAME, in the user's units.
 * Every pair (training, validation, test) names the same knobs, up to TRN_MAX_KNOBS; each knob
 * takes at least two values over the training pairs, which set its trained range [min, max].
 * The network sees knob i as its conditioning input 1 + i, scaled to [-1, 1] over that range:
 *
 *     input = 2 (v - min) / (max - min) - 1
 *
 * and the model's metadata stores the knobs ("knobs", docs/trainer.md) so a host can map a user
 * value the same way. Nothing here prints: errors come back as a sentence in `msg`.
 */
#ifndef TRN_KNOBS_H
#define TRN_KNOBS_H

#include <stddef.h>

#include <jansson.h>

#include "dataset.h"
#include "knob_track.h"

#define TRN_KNOB_NAME 32    /* bytes per knob name, NUL included */
#define TRN_KNOB_UNIT 16    /* bytes per unit ("dB", "%"), NUL included */

/* The --knob values given for one pair, in the order given; a --knob-track knob has its track
 * (owned) and NaN as its value. */
typedef struct {
	int n;
	char name[TRN_MAX_KNOBS][TRN_KNOB_NAME];
	double value[TRN_MAX_KNOBS];
	TrnKnobTrack *track[TRN_MAX_KNOBS];
} TrnKnobValues;

/* The knobs of a run, in the order of the first training pair's --knob options. */
typedef struct {
	int n;
	char name[TRN_MAX_KNOBS][TRN_KNOB_NAME];
	double min[TRN_MAX_KNOBS], max[TRN_MAX_KNOBS]; /* the trained range */
	double def[TRN_MAX_KNOBS];                      /* --knob-default, else the middle */
	char unit[TRN_MAX_KNOBS][TRN_KNOB_UNIT];        /* --knob-unit, "" when not given */
	double trained[TRN_MAX_KNOBS][2 * TRN_MAX_PAIRS]; /* the distinct training values, ascending
							 * (a track adds its lowest and highest) */
	int n_trained[TRN_MAX_KNOBS];
} TrnKnobs;

/* One list of pairs for trn_knobs_resolve: `role` names it in messages ("training"), in[i] is
 * pair i's input file and v[i] its knob values. */
typedef struct {
	const char *role;
	const TrnKnobValues *v;
	const char *const *in;
	int n;
} TrnKnobPairs;

/* Parses NAME=VALUE (NAME: 1 to 31 letters, digits, '_', '-', '.'; VALUE: a finite number), the
 * argument of option --`opt`, and adds it to `v`. 0, or -1 with `msg` filled (naming --opt): not
 * NAME=VALUE, a repeated name, more than TRN_MAX_KNOBS. */
int trn_knob_add(TrnKnobValues *v, const char *opt, const char *arg, char *msg, size_t cap);

/* Parses NAME=FILE, the argument of --knob-track, reads the track (knob_track.h) and adds it to
 * `v` as knob NAME. 0, or -1 with `msg` filled: as trn_knob_add, or a track that cannot be read. */
int trn_knob_add_track(TrnKnobValues *v, const char *arg, char *msg, size_t cap);

/* Frees the tracks of `v`. */
void trn_knob_values_free(TrnKnobValues *v);

/* The knobs of a run from its pair lists (sets[0] the training pairs; a list may be empty) and
 * the --knob-default values. 0 (k->n = 0 when no pair has a knob), or -1 with `msg` filled: a
 * pair without a knob the first training pair has, a knob the first training pair has not, a
 * knob at one value over all training pairs, a default for an unknown knob or outside the range. */
int trn_knobs_resolve(TrnKnobs *k, const TrnKnobPairs sets[3], const TrnKnobValues *defaults,
		      char *msg, size_t cap);

/* --knob-unit NAME=UNIT (UNIT: 1 to 15 printable characters, no quote or backslash) for a knob
 * of `k` (resolved already). 0, or -1 with `msg` filled: not NAME=UNIT, an unknown knob. */
int trn_knobs_set_unit(TrnKnobs *k, const char *arg, char *msg, size_t cap);

/* Knob i's value in a pair's values `v` (which trn_knobs_resolve accepted), in the user's units;
 * NaN when the pair has a track for it. */
double trn_knobs_value(const TrnKnobs *k, const TrnKnobValues *v, int i);
/* Knob i's track in `v`, or NULL when the pair holds it at one value. */
const TrnKnobTrack *trn_knobs_track(const TrnKnobs *k, const TrnKnobValues *v, int i);

/* The network's inputs 1..k->n for a pair's values `v` (which trn_knobs_resolve accepted). */
void trn_knobs_cond(const TrnKnobs *k, const TrnKnobValues *v, float cond[TRN_MAX_KNOBS]);

/* "drive=7.5" or "drive=7.5 tone=2", in the run's knob order. */
void trn_knobs_format(const TrnKnobs *k, const TrnKnobValues *v, char *buf, size_t cap);

/* The metadata's "knobs" array (docs/trainer.md); NULL out of memory. */
json_t *trn_knobs_json(const TrnKnobs *k);

/* {"drive": 7.5, ...} for a pair's values, in the run's knob order; NULL out of memory. */
json_t *trn_knobs_values_json(const TrnKnobs *k, const TrnKnobValues *v);

#endif
