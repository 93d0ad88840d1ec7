/* rnnfx LV2 plugin — every URI the plugin speaks, mapped once at instantiate.
 *
 * The plugin URIs, the parameter URIs and the port symbols in ttl/rnnfx.ttl.in are a public
 * contract: sessions, presets and automation key on them, so they never change once released.
 */
#ifndef RFX_PLUGIN_URIS_H
#define RFX_PLUGIN_URIS_H

#include <lv2/atom/atom.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>

#define RFX_URI "https://rnnfx.org/plugins/rnnfx"
#define RFX_PLUGIN_URI RFX_URI "#effect"
#define RFX_CLASSIFIER_URI RFX_URI "#classifier"
/* The model file, a patch:writable parameter with rdfs:range atom:Path. */
#define RFX_PARAM_MODEL RFX_URI "#model"
/* State only: the model itself, so a session that moved (or whose model file was deleted) still
 * has it: base64 (RFC 4648, no line breaks) of the model's JSON text, in an atom:String. Base64
 * because JSON text does not survive every host's Turtle round trip: serd 0.30 (lilv, Ardour)
 * writes a multi-line string as a long literal, and reads the character after a '"' inside
 * one as it is, not as the start of an escape: the JSON text "\\server" then fails to parse
 * (invalid escape '\s') and "\\tx" comes back with a tab in it, no longer JSON. Base64 text
 * has no quote, backslash or newline. */
#define RFX_STATE_MODEL_BASE64 RFX_URI "#modelBase64"
/* State only, read but no longer written: the model's JSON text as it is (versions before
 * rnnfx:modelBase64). */
#define RFX_STATE_MODEL_DATA RFX_URI "#modelData"
/* The classifier's class labels joined by ",", a patch:readable parameter (rdfs:range atom:String). */
#define RFX_PARAM_LABELS RFX_URI "#labels"
/* What the effect's knob ports do with the loaded model, a patch:readable parameter (atom:String):
 * "knob1: gain 0 to 10 (default 5); knob2: ..." (plugin/loaded.h), "" for a model without knobs. */
#define RFX_PARAM_KNOBS RFX_URI "#knobs"

typedef struct {
	LV2_URID atom_Path;
	LV2_URID atom_String;
	LV2_URID atom_URID;
	LV2_URID atom_Sequence;
	LV2_URID atom_Object;
	LV2_URID atom_eventTransfer;
	LV2_URID patch_Get;
	LV2_URID patch_Set;
	LV2_URID patch_property;
	LV2_URID patch_value;
	LV2_URID rfx_model;
	LV2_URID rfx_modelBase64;
	LV2_URID rfx_modelData;
	LV2_URID rfx_labels;
	LV2_URID rfx_knobs;
	LV2_URID midi_MidiEvent;
	LV2_URID log_Error;
	LV2_URID log_Warning;
	LV2_URID log_Note;
} RfxUris;

static inline void rfx_uris_map(RfxUris *u, LV2_URID_Map *map)
{
	u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
	u->atom_String = map->map(map->handle, LV2_ATOM__String);
	u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
	u->atom_Sequence = map->map(map->handle, LV2_ATOM__Sequence);
	u->atom_Object = map->map(map->handle, LV2_ATOM__Object);
	u->atom_eventTransfer = map->map(map->handle, LV2_ATOM__eventTransfer);
	u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
	u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
	u->patch_property = map->map(map->handle, LV2_PATCH__property);
	u->patch_value = map->map(map->handle, LV2_PATCH__value);
	u->rfx_model = map->map(map->handle, RFX_PARAM_MODEL);
	u->rfx_modelBase64 = map->map(map->handle, RFX_STATE_MODEL_BASE64);
	u->rfx_modelData = map->map(map->handle, RFX_STATE_MODEL_DATA);
	u->rfx_labels = map->map(map->handle, RFX_PARAM_LABELS);
	u->rfx_knobs = map->map(map->handle, RFX_PARAM_KNOBS);
	u->midi_MidiEvent = map->map(map->handle, LV2_MIDI__MidiEvent);
	u->log_Error = map->map(map->handle, LV2_LOG__Error);
	u->log_Warning = map->map(map->handle, LV2_LOG__Warning);
	u->log_Note = map->map(map->handle, LV2_LOG__Note);
}

#endif
