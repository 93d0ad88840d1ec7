/* tests/lv2 — the lilv test host the plugin cases run in (host.c), and what the case files
 * (cases_effect.c, cases_classifier.c, cases_state.c) share. lv2host.c says what is tested.
 *
 * The host: urid:map/unmap, log:log (captured: log_contains), options, the worker threaded or
 * synchronous (Host, host_new*, host_run), a malloc interposer counting allocations on the audio
 * thread, state save/restore through lilv, and the dsp reference the outputs are compared with.
 */
#ifndef RFX_TESTS_LV2_HOST_H
#define RFX_TESTS_LV2_HOST_H

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "../../dsp/model.h"
#include "../../dsp/model_file.h"
#include "../../dsp/rate.h"
#include "../../dsp/stream.h"
#include "../../plugin/classifier.h"
#include "../../plugin/rnnfx.h"
#include "../../plugin/uris.h"
#include "../harness.h"

#define RATE 48000.0
#define ATOM_CAP 8192
#define QUEUE_LEN 256
#define MSG_MAX 4096

/* ------------------------------------------------------------------ worker */
typedef struct {
	uint32_t size;
	uint8_t data[MSG_MAX];
} Msg;

typedef struct {
	Msg items[QUEUE_LEN];
	int head, count;
} Queue;

typedef struct {
	bool threaded;
	LV2_Handle handle;
	const LV2_Worker_Interface *iface;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running, quit, busy;
	int drop_responses; /* > 0: the next responses fail as if the queue were full */
	Queue requests, responses;
} Worker;

/* ------------------------------------------------------------------ host instance */
typedef struct {
	LilvInstance *inst;
	Worker *worker;
	LV2_Worker_Schedule schedule;
	LV2_Feature f_schedule;
	RfxUris uris;
	LV2_Atom_Forge forge;
	float in_gain, out_gain, mix, enabled;
	float latency, status, model_rate;
	float knob[4];       /* the effect's knob ports */
	uint64_t control[ATOM_CAP / 8];
	uint64_t notify[ATOM_CAP / 8];
	char notified[1024]; /* the last path seen in a patch:Set on the notify port */
	uint64_t samples;    /* run so far */
	/* The classifier's ports (is_cls): controls, outputs, MIDI, and the last labels notified. */
	bool is_cls;
	float smoothing, threshold, base_note, note_length, gate;
	float cls_class, confidence, p[RFX_CLS_N_PROB_PORTS];
	uint64_t midi[ATOM_CAP / 8];
	char labels[1200];
	char knobs[512];     /* the last rnnfx:knobs seen on notify (the effect's knob ports) */
	bool get_knobs;      /* host_run's patch:Get asks for rnnfx:knobs instead of rnnfx:model */
} Host;

/* The plugin's decision replayed on the dsp library's own output: a fresh stream that ran
 * RFX_PLUGIN_PRERUN zeros, the one-pole of classifier.h, argmax, threshold. */
typedef struct {
	RfxStream *st;
	int K, win, sounding;
	bool fresh;
	float s[RFX_MAX_CLASSES];
} ClsRef;

/* Allocations and frees on the audio thread (run() and work_response()), counted by host.c's
 * malloc interposer; not in the ASan build, whose allocator cannot be interposed. */
#if !defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 1
extern long audio_allocs, audio_frees;
#endif

/* host.c: the host, the reference, the shared signals */
extern char **uri_table;
extern size_t n_uris;
extern LV2_URID_Map map;
extern LV2_URID_Unmap unmap;
extern char log_text[65536];
extern LilvWorld *world;
extern const LilvPlugin *plugin, *cls_plugin;
extern LV2_Feature f_map;
extern LV2_Feature f_unmap;
extern LV2_Feature f_log;
extern float opt_rate;
extern int32_t opt_block;
extern LV2_Options_Option options[4];
extern uint64_t rng;
extern float sig_in[1 << 17], sig_out[1 << 17], sig_exp[1 << 17];
extern uint32_t block_start[1 << 15], block_len[1 << 15];
extern float block_status[1 << 15];
extern char dir[512], path_a[600], path_b[600], path_c[600], path_bad[600], path_missing[600],
	path_slow[600], path_cls[600], path_fifo[600];
LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri);
bool log_contains(const char *needle);
void log_clear(void);
void worker_wait_idle(Worker *w);
Host *host_new_at(bool threaded, double rate);
Host *host_new(bool threaded);
void host_activate(Host *h);
void host_free(Host *h);
Host *host_new_cls(bool threaded, double rate);
void host_run(Host *h, const float *in, float *out, uint32_t n, const char *set_path, bool get);
RfxModel *load_model(const char *path);
RfxStream *ref_stream(const RfxModel *m);
RfxRateStream *ref_rate_stream(const RfxModel *m, double rate);
RfxModel *make_model(RfxCellType cell, int hidden, int layers, uint64_t seed, double rate);
void save_model(const RfxModel *m, const char *path);
void write_model(const char *path, RfxCellType cell, int hidden, int layers, uint64_t seed,
	double rate);
void write_text(const char *path, const char *text);
void fill_input(float *x, size_t n, float amp);
uint32_t random_block(uint32_t max);
int run_blocks(Host *h, size_t total, const char *path, bool wait_after_first);
long first_with_status(int nb, float want);
void expected_output_fade(const RfxModel *m, size_t total, long start, float gi, float go,
	float mix, bool fade_in, float *y);
void expected_output(const RfxModel *m, size_t total, long start, float gi, float go,
	float mix, float *y);
size_t count_mismatch(const float *a, const float *b, size_t from, size_t to, size_t *first);
const void *get_port_value(const char *symbol, void *user, uint32_t *size, uint32_t *type);
void set_port_value(const char *symbol, void *user, const void *value, uint32_t size,
	uint32_t type);
bool file_contains(const char *path, const char *needle);
bool save_state(const LilvPlugin *p, LilvInstance *inst, Host *h, const char *state_dir);
bool restore_state(const char *state_file, Host *h, bool restore_worker);
long file_size(const char *path);

/* cases_effect.c */
void case_no_model(void);
void case_exact(bool threaded, float in_db, float out_db, float mix, const char *name);
void case_activate_mid_swap(void);
void case_knobs(void);
void case_get_broken_rate(void);
void case_state(bool restore_worker, bool threaded);
void case_dropped_response(bool threaded);
void case_swaps(bool threaded, int n_swaps);
void case_resampling(bool threaded);
void case_nonfinite_bypass(void);

/* cases_classifier.c: the classifier's helpers the state cases use too */
extern char path_cls_known[600], path_cls_44k[600];
extern size_t n_got, n_exp;
extern float cls_s_exp[2 << 17];
extern int cls_win_exp[1 << 17];
RfxModel *make_energy_classifier(double rate);
void write_energy_classifier(const char *path, double rate);
void cls_run(Host *h, size_t from, size_t to, const char *path, bool wait_after_first, int *nb);
void clsref_init(ClsRef *r, const RfxModel *m);
size_t clsref_check(ClsRef *r, size_t from, size_t to, int b0, int nb, float coef, float thr,
	int base, float *s_exp, int *win_exp);
void fill_cls_signal(size_t n_quiet, size_t n_loud, size_t n_after);
void case_classifier(bool threaded);
void case_classifier_state(bool restore_worker);
void case_onset(void);

/* cases_state.c */
void case_state_hostile(bool restore_worker);
void case_classifier_state_hostile(bool restore_worker);
void case_state_small(void);
void case_state_old_key(bool restore_worker);
void case_refused_paths(bool threaded);
void case_model_rate_range(void);
void case_restore_fails(bool cls);

#endif
