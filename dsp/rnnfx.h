/* rnnfx — the library's public face: everything a host (the LV2 plugins, rnnfx-run, -live,
 * -capture, -convert, a program of your own) needs, in one header over opaque types.
 *
 *     RfxModel *m;  char why[256];
 *     if (rfx_model_load_file(path, &m, why, sizeof why) != RFX_OK) ... rfx_strerror(st), why
 *     RfxEngine *e;                                                    (worker / main thread)
 *     rfx_engine_create(m, channels, host_rate, RFX_RATE_QUALITY_DEFAULT, &e, why, sizeof why);
 *     rfx_model_free(m);                           (the engine keeps no pointer to the model)
 *     rfx_engine_settle(e);
 *     rfx_engine_process(e, in, out, n);                               (audio thread, any n)
 *     rfx_engine_destroy(e);                                           (worker / main thread)
 *
 * Objects and lifetimes: an RfxModel comes from a loader (one loader reads every format: rnnfx,
 * AIDA-X, NAM, GuitarML) and is freed with rfx_model_free; an RfxEngine from rfx_engine_create,
 * freed with rfx_engine_destroy. Both are opaque; what a host reads of a model goes through the
 * rfx_model_* accessors below. An engine has no _get_size/_init form: its resamplers
 * (libsamplerate's src_new) allocate their own state, so create/destroy is the only pair. The
 * RfxEngineSwap is the one struct a host embeds (so swapping never allocates); its fields are the
 * host's to read, not to write.
 *
 * Fallible functions return an RfxStatus (0 = RFX_OK, errors negative, closed by a sentinel),
 * marked RFX_MUST_CHECK, and write a sentence into an optional `detail` buffer; rfx_strerror
 * turns a status into a sentence. The library never prints.
 *
 * How the declarations are shared: each public function and type is declared here, once, and
 * nowhere else. The module headers (status.h, model.h, model_file.h, import.h, engine.h, rate.h,
 * capture.h) include this header and add only what is internal to the library or to training:
 * the transparent struct RfxModel and its tensors (model.h), RfxDiag, the streams, the
 * resamplers, BPTT. That way (rather than this header including the module headers) a host that
 * includes only this one sees none of the internals, and the module headers, which the dsp code,
 * the trainer, the tests and the fuzz targets include by path, keep working unchanged.
 *
 * Not here: dsp/denormals.h, the inline FTZ/DAZ helper for a host's own real-time loops (it pulls
 * in <xmmintrin.h> and defines no library symbol; the engine flushes denormals by itself).
 */
#ifndef RFX_RNNFX_H
#define RFX_RNNFX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ version, status */

/* The interface this header describes; raised when a declaration here changes incompatibly. */
#define RFX_API_VERSION 1

/* The release the library was built from ("0.2.0"). */
const char *rfx_version(void);

/* On every function that returns an RfxStatus: the compiler warns when a call drops it. (GCC
 * warns even through a (void) cast: a caller that has nothing to do on failure says so with an
 * `if`.) */
#if defined(__GNUC__) || defined(__clang__)
#define RFX_MUST_CHECK __attribute__((warn_unused_result))
#else
#define RFX_MUST_CHECK
#endif

typedef enum {
	RFX_OK = 0,
	RFX_ERR_NOMEM = -1,         /* an allocation failed */
	RFX_ERR_INVALID = -2,       /* a bad argument (NULL, out of range) from the caller */
	RFX_ERR_IO = -3,            /* a file could not be opened, read or written */
	RFX_ERR_TOO_LARGE = -4,     /* a file past the size limit */
	RFX_ERR_JSON = -5,          /* not well-formed JSON */
	RFX_ERR_FORMAT = -6,        /* JSON, but not an rnnfx model ("format" missing or wrong) */
	RFX_ERR_VERSION = -7,       /* a format version this build does not read */
	RFX_ERR_CELL = -8,          /* unknown cell type */
	RFX_ERR_FIELD = -9,         /* a required field missing, or of the wrong type or value */
	RFX_ERR_TENSOR_MISSING = -10, /* a tensor the architecture needs is absent */
	RFX_ERR_SHAPE = -11,        /* a tensor of the wrong size */
	RFX_ERR_NONFINITE = -12,    /* a NaN or Inf weight */
	RFX_ERR_LIMIT = -13,        /* sizes past the limits below (hidden, layers, inputs, classes) */
	RFX_ERR_COUNT = -14         /* sentinel: one past the last error */
} RfxStatus;

/* A sentence that tells the user what went wrong, for any status (unknown ones included). */
const char *rfx_strerror(int status);

/* ------------------------------------------------------------------ models */

#define RFX_MAX_LAYERS 4
#define RFX_MAX_HIDDEN 512
#define RFX_MAX_INPUTS 16   /* audio plus up to 15 conditioning inputs */
#define RFX_MAX_CLASSES 16
#define RFX_MAX_LABEL 64    /* bytes per class label, NUL included */

typedef enum { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM, RFX_CELL_COUNT } RfxCellType;
/* What the dense head gives per sample: an effect, one audio value; a classifier, K class
 * probabilities that sum to 1 (softmax: one class at a time); an onset detector, K independent
 * probabilities (sigmoids), each "a hit of class k began within the last few milliseconds", so a
 * kick and a hi-hat struck together are both seen (rfx_onset_* below turn them into notes). */
typedef enum {
	RFX_MODE_EFFECT,
	RFX_MODE_CLASSIFIER,
	RFX_MODE_ONSET,
	RFX_MODE_COUNT
} RfxOutputMode;

/* 1 for the modes with K labelled outputs (classifier, onset): what runs in the classifier plugin,
 * has labels and is never resampled. */
static inline int rfx_mode_has_classes(RfxOutputMode mode)
{
	return mode == RFX_MODE_CLASSIFIER || mode == RFX_MODE_ONSET;
}

/* A recurrent model: architecture, weights, class labels and free metadata (opaque here; see
 * dsp/model.h). Made by a loader below, freed by rfx_model_free; engines copy what they need, so
 * a model may be freed while engines made from it run. */
typedef struct RfxModel RfxModel;

/* NULL is fine. */
void rfx_model_free(RfxModel *model);

/* What a host reads of a model. */
double rfx_model_sample_rate(const RfxModel *model); /* Hz it was trained at */
RfxOutputMode rfx_model_mode(const RfxModel *model);
/* What a host feeds: audio, then I - 1 conditioning inputs (1 for a model with a front end, whose
 * network inputs are band levels it computes itself from the audio). */
int rfx_model_n_inputs(const RfxModel *model);
int rfx_model_n_outputs(const RfxModel *model); /* 1 for an effect, K classes for a classifier */
RfxCellType rfx_model_cell(const RfxModel *model);
int rfx_model_n_layers(const RfxModel *model);
int rfx_model_hidden(const RfxModel *model);
int rfx_model_skip(const RfxModel *model);      /* 1 when an effect adds its input: y += x */
/* Class k's label ("" when unnamed, or for k out of range). */
const char *rfx_model_label(const RfxModel *model, int k);
/* Class k's MIDI note: the file's "notes", else the General MIDI drum note of its label
 * (rfx_onset_gm_note: "kick" 36, "snare" 38, ...), else -1. */
int rfx_model_note(const RfxModel *model, int k);
/* The free metadata (a JSON object's text: name, training command, hashes, metrics), or NULL. */
const char *rfx_model_metadata(const RfxModel *model);
/* Replaces the metadata text (a JSON object, not checked here); NULL clears it. */
RFX_MUST_CHECK
RfxStatus rfx_model_set_metadata(RfxModel *model, const char *json_object);

/* How the streams and engines made from a model afterwards store its recurrent weights (weight_hh
 * of every layer). F32, the default, keeps them as trained: outputs within 1e-5 of PyTorch. BF16
 * (opt-in) rounds each to bfloat16, 8 significant bits (dsp/bf16.h), which halves their memory:
 * from H = 48 on they then stay in the L1 cache, and the x86 loops run faster (GRU 64 about 1.35x),
 * for an error docs/performance.md measures (output ESR against F32 ~1e-6 on trained models).
 * Every kernel runs the same rounded weights. A host's choice, not saved in model files. */
typedef enum { RFX_WEIGHTS_F32, RFX_WEIGHTS_BF16, RFX_WEIGHTS_COUNT } RfxWeightStorage;
RFX_MUST_CHECK
RfxStatus rfx_model_set_weight_storage(RfxModel *model, RfxWeightStorage storage);
RfxWeightStorage rfx_model_weight_storage(const RfxModel *model);
/* "f32", "bf16"; NULL for an unknown value. The inverse gives RFX_WEIGHTS_COUNT for an unknown name. */
const char *rfx_weight_storage_name(RfxWeightStorage storage);
RfxWeightStorage rfx_weight_storage_from_name(const char *name);

/* "rnn", "gru", "lstm"; NULL for an unknown type. */
const char *rfx_cell_name(RfxCellType cell);

/* ------------------------------------------------------------------ loading and saving models
 *
 * The loaders read every format rnnfx knows, told apart by content: an rnnfx model file
 * (docs/model-format.md), or (no "format") the AIDA-X, NAM and GuitarML files below. They check
 * every field, size, shape and value before returning a model, and on error fill `detail` with a
 * sentence naming the field and what was expected versus found. They allocate: a worker or a
 * program's main thread, never the audio thread. */

RFX_MUST_CHECK RfxStatus rfx_model_load_file(const char *path, RfxModel **out, char *detail,
					     size_t detail_size);
RFX_MUST_CHECK RfxStatus rfx_model_load_string(const char *text, size_t len, RfxModel **out,
					       char *detail, size_t detail_size);

typedef enum {
	RFX_IMPORT_NONE,      /* nothing recognised (on error) */
	RFX_IMPORT_RNNFX,     /* an rnnfx model file (docs/model-format.md) */
	RFX_IMPORT_AIDAX,     /* AIDA-X / RTNeural Keras JSON */
	RFX_IMPORT_NAM,       /* Neural Amp Modeler .nam */
	RFX_IMPORT_GUITARML,  /* Proteus / Automated-GuitarAmpModelling state_dict JSON */
	RFX_IMPORT_COUNT
} RfxImportFormat;

/* "rnnfx", "aidax", "nam", "guitarml"; "none" for RFX_IMPORT_NONE, NULL past the end. */
const char *rfx_import_format_name(RfxImportFormat format);

/* The same loader, saying which format it read (see docs/formats.md): "format" (rnnfx), "layers"
 * whose entries have a "type" (AIDA-X), "architecture" + "weights" (NAM), "model_data" +
 * "state_dict" (GuitarML). `format_found` (may be NULL) receives the format recognised, also on a
 * later error. The model's metadata records the source format and the source file's own metadata.
 * On success `detail` holds "" or a note about something that could not be carried into the
 * weights exactly and was kept in the metadata only (the gains of an AIDA-X skip model). */
RFX_MUST_CHECK RfxStatus rfx_model_import_string(const char *text, size_t len, RfxModel **out,
						 RfxImportFormat *format_found, char *detail,
						 size_t detail_size);
/* The same from a file (size-capped like rfx_model_load_file); an imported model's metadata also
 * records the file name (without its directory) as "source_file". */
RFX_MUST_CHECK RfxStatus rfx_model_import_file(const char *path, RfxModel **out,
					       RfxImportFormat *format_found, char *detail,
					       size_t detail_size);

/* The model as JSON text (floats with 9 significant digits, so loading it back is bit-exact).
 * Returns a malloc'd string the caller frees, or NULL when out of memory. */
char *rfx_model_to_string(const RfxModel *model);
/* Through the one output writer (io/files.h): a crash never leaves half a file, and an input or a
 * non-regular file is never replaced. */
RFX_MUST_CHECK RfxStatus rfx_model_save_file(const RfxModel *model, const char *path, char *detail,
					     size_t detail_size);
/* The model as AIDA-X Keras JSON (in_shape, in_skip, [rec, dense] layers, metadata.samplerate),
 * for a 1-layer GRU or LSTM effect with 1 to 3 inputs and a zero initial state. Importing the text
 * gives the same weights bit for bit, except that an LSTM's two biases become one (bias_ih + bias_hh
 * rounded to float, bias_hh zero), because Keras has one, and that a knob model's knob map is
 * folded into its input weights (W' = 2 W, b' = b - W on each knob's column), so that AIDA-X's
 * parameter 0..1 spans the knob's trained range as the rnnfx plugin's knob port does. Returns malloc'd text the caller frees,
 * or NULL with `detail` saying why (a model AIDA-X cannot run, or out of memory). */
char *rfx_model_export_aidax(const RfxModel *model, char *detail, size_t detail_size);

/* ------------------------------------------------------------------ sample rates */

/* Host and model rates closer than this count as equal: no resampling. */
#define RFX_RATE_SAME_HZ 0.5
/* Host/model ratios outside [1/RFX_RATE_MAX_RATIO, RFX_RATE_MAX_RATIO] are refused. */
#define RFX_RATE_MAX_RATIO 16.0

/* libsamplerate's sinc converters (passband as a share of the lower Nyquist, attenuation). */
typedef enum {
	RFX_RATE_QUALITY_FAST,   /* SRC_SINC_FASTEST: 80 %, 97 dB */
	RFX_RATE_QUALITY_MEDIUM, /* SRC_SINC_MEDIUM_QUALITY: 90 %, 121 dB */
	RFX_RATE_QUALITY_BEST,   /* SRC_SINC_BEST_QUALITY: 96 %, 144 dB; several times slower */
	RFX_RATE_QUALITY_COUNT
} RfxRateQuality;

/* What the plugin uses; chosen by the SNR/CPU table in docs/plugin.md. */
#define RFX_RATE_QUALITY_DEFAULT RFX_RATE_QUALITY_MEDIUM

/* ------------------------------------------------------------------ the engine
 *
 * One model run on C channels at a host's sample rate, and the cross-faded swap from one engine
 * to the next: the LV2 plugins, rnnfx-live and rnnfx-run all run models through it.
 *
 *     engine:  in (C channels, interleaved) -> C rate streams -> out
 *     swap:    out = old + g * (new - old),  g = pos / fade_len for the pos-th frame of the fade
 *
 * An engine holds one stream per channel, all made from the same model (each channel its own
 * recurrent state); it keeps the model's labels but no pointer to the model. At the model's rate
 * the signal is not resampled (bit for bit, latency 0); at another it is resampled around the
 * model with a fixed latency (docs/plugin.md, "Sample rates"). A classifier runs only at its own
 * rate.
 *
 * Threads: rfx_engine_create/_destroy allocate: never on the audio thread. rfx_engine_settle runs
 * a few thousand samples: load time, or a host callback that is not real-time (LV2 activate()).
 * rfx_engine_process, _reset, _set_input and every rfx_engine_swap_* function but _release are
 * real-time: no allocation, lock or I/O, O(n) time. The NaN guard: a non-finite input sample is
 * taken as 0 and a non-finite state resets its stream (rfx_engine_nonfinite_count counts both);
 * the output is always finite.
 */

/* Channels of one engine (libsndfile's limit), and of a swap (its scratch is preallocated). */
#define RFX_ENGINE_MAX_CHANNELS 1024
#define RFX_ENGINE_SWAP_MAX_CHANNELS 8
/* Frames an engine processes per inner pass; calls of any length are cut into passes of this. */
#define RFX_ENGINE_CHUNK 256
/* Zeros (host rate) rfx_engine_settle runs through a new engine so that what is heard first is the
 * model settled on silence, not its raw initial state: RFX_ENGINE_SETTLE_FRAMES, or for a model
 * with long memory (metadata "memory_s", rfx_model_memory_s) four of its time constants, at most
 * RFX_ENGINE_SETTLE_MAX_S seconds. */
#define RFX_ENGINE_SETTLE_FRAMES 2048
#define RFX_ENGINE_SETTLE_MAX_S 10.0

typedef struct RfxEngine RfxEngine;

/* Builds an engine of `model` for `channels` (1..RFX_ENGINE_MAX_CHANNELS) channels at `host_rate`
 * Hz (0: the model's own rate), resampling at `quality` when the rates differ. The state is the
 * model's initial one (no settle). Errors: RFX_ERR_INVALID (NULL, a channel count out of range,
 * a rate <= 0 or non-finite, a ratio past RFX_RATE_MAX_RATIO, a classifier at another rate, an
 * unknown quality), RFX_ERR_NOMEM; `detail` (may be NULL) gets a sentence. Allocates: never on
 * the audio thread. */
RFX_MUST_CHECK RfxStatus rfx_engine_create(const RfxModel *model, int channels, double host_rate,
					   RfxRateQuality quality, RfxEngine **out, char *detail,
					   size_t detail_size);
/* NULL is fine. Never on the audio thread. */
void rfx_engine_destroy(RfxEngine *e);

/* Back to the state just after create, on every channel. */
void rfx_engine_reset(RfxEngine *e);
/* Reset, then RFX_ENGINE_SETTLE_FRAMES zeros (more for a long-memory model, above) through every
 * channel: the state a fresh load is heard from. Not real-time (a few hundred microseconds per
 * channel; up to a few tens of milliseconds for long memory). */
void rfx_engine_settle(RfxEngine *e);
/* Conditioning input `index` (1..I-1) of every channel = value (ignored when out of range or
 * non-finite). */
void rfx_engine_set_input(RfxEngine *e, int index, float value);

/* Runs n frames. `in` holds C interleaved channels. An effect writes C interleaved channels to
 * `out` (in == out allowed); a classifier writes K floats per frame: the class probabilities
 * summed over the channels, channel 0 first (in == out not allowed). Pairs of effect channels run
 * through one loop (the same output, less time). */
void rfx_engine_process(RfxEngine *e, const float *in, float *out, uint32_t n);

int rfx_engine_channels(const RfxEngine *e);
/* 1 for an effect, K for a classifier. */
int rfx_engine_outputs(const RfxEngine *e);
/* Host samples between an input sample and its effect at the output; 0 at the model's rate. */
uint32_t rfx_engine_latency(const RfxEngine *e);
/* 1 when the host rate differs from the model's (the signal is resampled), else 0. */
int rfx_engine_is_resampling(const RfxEngine *e);
double rfx_engine_model_rate(const RfxEngine *e);
double rfx_engine_host_rate(const RfxEngine *e);
/* Class k's label ("" when unnamed, or for an effect or k out of range). */
const char *rfx_engine_label(const RfxEngine *e, int k);
/* Non-finite inputs and states caught on all channels since create. */
uint32_t rfx_engine_nonfinite_count(const RfxEngine *e);

/* The host's own pointer (the object the engine belongs to, for the host's lists); NULL at
 * create. */
void rfx_engine_set_user(RfxEngine *e, void *user);
void *rfx_engine_user(const RfxEngine *e);

/* The swap: what a host hears, the current engine and, during a cross-fade, the one before it.
 * The host embeds it (no allocation); only the audio thread touches it once audio runs. The
 * fields are the host's to read, not to write. */
typedef struct {
	int channels;
	RfxEngine *cur;     /* heard now; NULL = the identity (out = in) */
	RfxEngine *prev;    /* fading out while `fading`; NULL = the identity */
	uint32_t fade_len;  /* frames, >= 1 */
	uint32_t fade_pos;  /* frames of the fade done; < fade_len while fading */
	int fading;
	float old[RFX_ENGINE_CHUNK * RFX_ENGINE_SWAP_MAX_CHANNELS]; /* prev's output for one pass */
} RfxEngineSwap;

/* Fade length in frames for `seconds` at `rate`: rate * seconds rounded, at least 1. */
uint32_t rfx_engine_fade_frames(double rate, double seconds);

/* Not real-time (it only clears): no engine, the identity, for `channels` channels
 * (1..RFX_ENGINE_SWAP_MAX_CHANNELS; engines swapped in must have as many); cross-fades last
 * fade_len frames (0 taken as 1). */
void rfx_engine_swap_init(RfxEngineSwap *s, int channels, uint32_t fade_len);

/* Audio thread: `next` becomes the current engine. Between two effects (NULL counts as one) a
 * cross-fade starts and NULL is returned: the old engine comes back from rfx_engine_swap_process
 * or _finish when the fade ends. With a classifier on either side there is no audio to fade: the
 * old engine is returned at once for the host to free. Call it only when no fade runs (`fading`
 * clear); while one runs, or when `next` has another channel count than the swap, it does
 * nothing and returns `next`, which the host keeps. */
RfxEngine *rfx_engine_swap_start(RfxEngineSwap *s, RfxEngine *next);

/* Audio thread: ends a cross-fade at once (the new engine alone from now on). Returns the engine
 * that was fading out, for the host to free, or NULL. */
RfxEngine *rfx_engine_swap_finish(RfxEngineSwap *s);

/* Audio thread: n frames of `channels` interleaved channels (in == out allowed): the current
 * effect's output (or the input, for the identity or a classifier, which this does not run),
 * cross-faded from the old engine's while a fade runs. Returns the old engine when the fade ended
 * in this call, for the host to free, else NULL. */
RfxEngine *rfx_engine_swap_process(RfxEngineSwap *s, const float *in, float *out, uint32_t n);

/* Not real-time: destroys both engines the swap holds and empties it. */
void rfx_engine_swap_release(RfxEngineSwap *s);

/* ------------------------------------------------------------------ capturing an amp
 *
 * The capture signal (version RFX_CAPTURE_SIGNAL_VERSION) is made here, by code, from fixed seeds:
 * no file is downloaded and two builds of one version make the same samples. Its layout:
 *
 *   lead-in | start chirp | gap | train | pause | validation | pause | test | gap | end chirp | tail
 *
 * The chirps are 0.25 s exponential sweeps (100 Hz to 2 kHz, a band every amp and cabinet passes)
 * at -12 dBFS; the sections hold guitar-like material (plucked notes over three octaves at -32 to
 * -3 dBFS, chords, palm-muted bursts, arpeggios, sine sweeps at several levels, noise bursts and
 * silences), each section from its own seed so that the test material is not the training
 * material replayed. The tail leaves room for the round trip (up to RFX_CAPTURE_MAX_LATENCY_S).
 *
 * Alignment finds each chirp in the return by cross-correlation (through an FFT), so the
 * round-trip latency is known to the sample and the drift between the two chirps tells a clock
 * mismatch between two devices. Nothing here does I/O or knows of devices or files.
 */

#define RFX_CAPTURE_SIGNAL_VERSION 1
#define RFX_CAPTURE_MAX_LATENCY_S 1.0 /* the longest round trip the tail leaves room for */

enum { RFX_CAPTURE_TRAIN, RFX_CAPTURE_VAL, RFX_CAPTURE_TEST, RFX_CAPTURE_SECTIONS };

typedef struct {
	int version;
	double rate;
	size_t total;                        /* samples in the signal */
	size_t chirp_len;                    /* samples in each chirp */
	size_t start_chirp, end_chirp;       /* first sample of each chirp */
	size_t section[RFX_CAPTURE_SECTIONS][2]; /* train, validation, test: [begin, end) */
} RfxCaptureLayout;

/* The layout of the signal at `rate` (8 kHz to 192 kHz) lasting about `minutes` (0.5 to 30).
 * The sections take 70 / 15 / 15 % of the material. */
RFX_MUST_CHECK
RfxStatus rfx_capture_layout(double rate, double minutes, RfxCaptureLayout *lay, char *detail,
			     size_t detail_size);

/* The whole signal into out[0 .. lay->total). Deterministic; allocates nothing. */
void rfx_capture_render(const RfxCaptureLayout *lay, float *out);

/* Where the chirps are in a recording of the signal. */
typedef struct {
	long latency;        /* samples the return lags the signal, from the start chirp */
	long end_latency;    /* the same from the end chirp; the difference is the clock drift */
	double drift_ppm;    /* (end_latency - latency) per sample between the chirps, in ppm */
	double score_start;  /* normalised correlation with the chirp at each match, 0..1 */
	double score_end;
	int polarity;        /* +1, or -1 when the return is inverted */
} RfxCaptureSync;

/* Finds both chirps of `sig` (the rendered signal) in `ret` (n_ret samples at the same rate).
 * The start chirp is searched from the start of `ret` (a return that starts late, before the
 * signal's own lead-in ends, gives a negative latency) up to max_latency samples late; the end
 * chirp near where the start chirp puts it. Errors: RFX_ERR_INVALID with a sentence when a chirp
 * is not there (a return too short, silent, or from another signal); RFX_ERR_NOMEM. */
RFX_MUST_CHECK RfxStatus rfx_capture_sync(const RfxCaptureLayout *lay, const float *sig,
					  const float *ret, size_t n_ret, long max_latency,
					  RfxCaptureSync *sync, char *detail, size_t detail_size);

/* Levels of x[0 .. n): peak and RMS in dBFS (-200 for digital silence), and how many samples sit
 * at full scale (|x| >= 0.999: clipped somewhere before the file). */
typedef struct {
	double peak_db, rms_db;
	size_t clipped;
} RfxCaptureLevels;

void rfx_capture_levels(const float *x, size_t n, RfxCaptureLevels *lv);

/* ------------------------------------------------------------------ knobs
 * A knob model (rnnfx-train --knob, docs/trainer.md "Knobs") takes each knob's value as a
 * conditioning input, scaled linearly from its trained range [min, max] to [-1, 1]. A conditioned
 * model imported from AIDA-X or GuitarML takes its parameter's place in [min, max] as it is, 0 to
 * 1 ("scaling": "unit"). The knobs are described in the model's metadata ("knobs"); a host maps the
 * user's value through them. */
#define RFX_MAX_KNOBS 4

typedef struct {
	char name[64];
	int input;          /* the conditioning input it drives (1..) */
	double min, max;    /* the trained range, in the user's units */
	double def;         /* the default, in the user's units */
	char units[16];     /* the user's unit ("dB"), "" when none is given */
	int unit;           /* "scaling": "unit": input = (v - min) / (max - min), 0..1; else
			     * "linear" (the trainer's): 2 (v - min) / (max - min) - 1 */
} RfxKnob;

/* The knobs a model's metadata describes, at most `max`; 0 for a model without knobs, -1 for a
 * "knobs" entry that is malformed (a name missing, an input outside the model's, min >= max, an
 * unknown "scaling"). */
int rfx_model_knobs(const RfxModel *model, RfxKnob *knobs, int max);

/* How far back the model's target depended on its input, in seconds, as the trainer estimated it
 * (metadata "memory_s"; docs/trainer.md, "Long memory"); 0 when the metadata does not say. */
double rfx_model_memory_s(const RfxModel *model);

/* The network input for the user's value v: 2 (v - min) / (max - min) - 1, the one definition
 * of the scaling (the trainer uses it too, unclamped, to measure settings outside the range). */
float rfx_knob_scale(double min, double max, double v);
/* The knob's network input for v clamped to [min, max] first (*clamped set to 1 when it had to
 * be, else 0; clamped may be NULL), by its scaling (rfx_knob_scale for "linear"): what a host
 * feeds the model. */
float rfx_knob_input(const RfxKnob *knob, double v, int *clamped);

/* A user's setting of one knob by name: name_len bytes of `name` (no NUL needed), in its units. */
typedef struct {
	const char *name;
	size_t name_len;
	double value;
} RfxKnobSetting;

/* The conditioning inputs a knob model takes for the user's settings: for each of the model's
 * knobs, in order, idx[i] = its input and val[i] = rfx_knob_input of the setting given for it (its
 * default when none is); bit i of *clamped (may be NULL) is set when knob i had to be clamped.
 * Returns the number of knobs (0 for a model without; then every setting is refused), or -1 when
 * a setting names no knob of the model or the knobs entry is malformed (`detail` says which and
 * names the model's knobs). */
int rfx_model_knob_inputs(const RfxModel *model, const RfxKnobSetting *set, int n_set, int *idx,
			  float *val, unsigned *clamped, char *detail, size_t detail_size);

/* ------------------------------------------------------------------ onsets: hits to notes
 *
 * An onset model (RFX_MODE_ONSET) gives, per sample, K independent probabilities: p_k is "a hit of
 * class k began within the last few milliseconds" (its training target is 1 for a short tolerance
 * after each labelled onset, 0 elsewhere). This turns them into hits, the same way for the
 * plugin's MIDI output, rnnfx-run's CSV and MIDI files, and the trainer's metrics:
 *
 *   - class k fires at the first sample where p_k >= threshold while it is armed; the hit is
 *     reported at that sample (its decision time), and class k disarms;
 *   - it re-arms once p_k has fallen below `release` and at least `min_gap_ms` have passed since
 *     it fired: one hit gives one note, however long p_k stays high, and a roll of the same
 *     drum gives a note per stroke as long as the strokes are min_gap_ms apart;
 *   - no class fires while the input's recent peak is below `gate_db` (silence, room noise and
 *     faint bleed stay silent whatever the model says);
 *   - the velocity is the input's peak over the last ~10 ms at the decision sample, mapped from
 *     `vel_floor_db` (velocity 1) to 0 dBFS (127), linearly in dB.
 *
 * Real-time safe: fixed-size state, no allocation, bounded work per sample. Non-finite
 * probabilities or input samples count as 0 (they never fire and never stick).
 */
typedef struct {
	float threshold;    /* fire at p >= threshold (0.5) */
	float release;      /* re-arm below it (0.25) */
	float min_gap_ms;   /* shortest time between two hits of one class (30 ms) */
	float gate_db;      /* no hit while the input's peak is below it (-60 dBFS) */
	float vel_floor_db; /* the peak level that gives velocity 1 (-48 dBFS); 0 dBFS gives 127 */
} RfxOnsetConfig;

typedef struct {
	uint32_t frame;     /* sample index within the block passed to rfx_onset_process */
	int cls;            /* 0..K-1 */
	int velocity;       /* 1..127 */
	float confidence;   /* p_cls at the decision sample */
	float level_db;     /* the input's peak at the decision sample, dBFS */
} RfxOnsetEvent;

typedef struct {
	RfxOnsetConfig cfg;
	int K;
	uint32_t gap;                       /* min_gap_ms in samples */
	uint32_t since[RFX_MAX_CLASSES];    /* samples since class k fired (saturates) */
	uint8_t armed[RFX_MAX_CLASSES];
	float peak, peak_decay;             /* instant attack, ~10 ms release */
	float gate, vel_floor;              /* linear gate; vel_floor_db */
} RfxOnsetDetector;

/* The defaults above. */
RfxOnsetConfig rfx_onset_config_default(void);

/* K classes (1..RFX_MAX_CLASSES) at `rate` Hz; every class armed, no peak. Out-of-range fields of
 * cfg are clamped (threshold and release to [0, 1], release <= threshold, gap >= 0). */
void rfx_onset_init(RfxOnsetDetector *d, int K, double rate, const RfxOnsetConfig *cfg);

/* Changes the thresholds, gap, gate and velocity floor without touching the state (a host's
 * controls moving). */
void rfx_onset_configure(RfxOnsetDetector *d, double rate, const RfxOnsetConfig *cfg);

/* Every class armed, no peak (a transport jump, a new model). */
void rfx_onset_reset(RfxOnsetDetector *d);

/* One block: x[i] the mono input, p[i * K + k] the model's probabilities. Writes up to max_events
 * hits in frame order (and, within a frame, class order) and returns how many; hits past
 * max_events are dropped (their classes still disarm). */
int rfx_onset_process(RfxOnsetDetector *d, const float *x, const float *p, uint32_t n,
		      RfxOnsetEvent *events, int max_events);

/* The General MIDI percussion note (channel 10) for a class label: "kick" 36, "snare" 38,
 * "hihat" 42, "hihat_open" 46, "tom" 45, "tom_high" 50, "tom_low" 41, "cymbal"/"crash" 49,
 * "ride" 51, "clap" 39, "rim" 37, "cowbell" 56; -1 for any other label. */
int rfx_onset_gm_note(const char *label);

#ifdef __cplusplus
}

#endif

#endif
