/* rnnfx LV2 plugins — the shared core: features, loading on the worker, engine hand-over, state.
 * See core.h for which thread calls what. */
#include "core.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/state/state.h>

/* Longest model path accepted from a patch:Set, NUL included (it travels through the worker's
 * ring): 2047 bytes of path. */
#define MAX_PATH_MSG 2048
/* Bytes of a refused path that reach the log. */
#define REFUSED_HEAD 256

/* Worker messages and responses: a type, then a payload. */
typedef enum {
	MSG_LOAD_PATH = 1, /* payload: NUL-terminated path */
	MSG_FREE,          /* payload: RfxLoaded * to free */
	MSG_REFUSED,       /* payload: Refusal, a patch:Set the audio thread refused, to log */
	RESP_ENGINE,       /* payload: RfxLoaded *, a new engine for the audio thread */
	RESP_ERROR         /* payload: int, the RfxLoadFail of a failed load */
} MsgType;

typedef struct {
	uint32_t type;
	uint32_t size; /* payload bytes */
} MsgHeader;

/* Why the audio thread refused a patch:Set of the model, and what of the path the log shows. */
typedef enum {
	REFUSE_TYPE = 1, /* the value is not an atom:Path (or atom:String) */
	REFUSE_EMPTY,    /* empty, or not NUL-terminated */
	REFUSE_LONG,     /* longer than MAX_PATH_MSG - 1 bytes */
	REFUSE_RELATIVE  /* not absolute */
} RefuseWhy;

typedef struct {
	uint32_t why;    /* a RefuseWhy */
	uint32_t len;    /* the path's length in bytes */
	char head[REFUSED_HEAD]; /* its start, NUL-terminated (cut at a UTF-8 character) */
} Refusal;

/* Logging through log:log when the host gives it; silent otherwise. Never on the audio thread. */
static void core_log(const RfxCore *c, LV2_URID type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void core_log(const RfxCore *c, LV2_URID type, const char *fmt, ...)
{
	if (!c->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	c->log->vprintf(c->log->handle, type, fmt, ap);
	va_end(ap);
}

/* RFC 4648 base64 (no line breaks) of n bytes: the embedded model's form in the state. A
 * malloc'd NUL-terminated string, or NULL when out of memory. */
static char *base64_encode(const char *s, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		const uint32_t v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 | u[i + 2];
		out[o++] = al[v >> 18];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = al[v & 63];
	}
	if (i < n) {
		const uint32_t v = (uint32_t)u[i] << 16 | (i + 1 < n ? (uint32_t)u[i + 1] << 8 : 0);
		out[o++] = al[v >> 18];
		out[o++] = al[v >> 12 & 63];
		out[o++] = i + 1 < n ? al[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict RFC 4648 base64: length a multiple of 4, the alphabet, '=' only as the last one or two
 * characters. The decoded bytes, NUL-terminated (malloc'd), or NULL when the text is not
 * base64 (*bad set) or memory ran out (*bad clear). */
static char *base64_decode(const char *s, size_t n, size_t *out_len, bool *bad)
{
	*bad = n == 0 || n % 4 != 0;
	if (*bad)
		return NULL;
	const size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
	char *out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		for (size_t k = 0; k < 4; ++k) {
			const bool padding = i + k >= n - pad;
			const int d = padding ? 0 : base64_value(s[i + k]);
			if (d < 0) {
				*bad = true;
				free(out);
				return NULL;
			}
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = (char)(v >> 16);
		out[o++] = (char)(v >> 8 & 0xff);
		out[o++] = (char)(v & 0xff);
	}
	o -= pad;
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* Reads the features into `c`; false when a required one is missing (logged when it can be). */
static bool read_features(RfxCore *c, const char *name, const LV2_Feature *const *features)
{
	/* One table of the features: required ones refuse instantiation when absent. */
	struct {
		const char *uri;
		void **data;
		bool required;
	} wanted[] = {
		{LV2_URID__map, (void **)&c->map, true},
		{LV2_WORKER__schedule, (void **)&c->schedule, true},
		{LV2_LOG__log, (void **)&c->log, false},
	};
	const size_t n_wanted = sizeof wanted / sizeof wanted[0];
	for (size_t f = 0; features && features[f]; ++f)
		for (size_t w = 0; w < n_wanted; ++w)
			if (!strcmp(features[f]->URI, wanted[w].uri))
				*wanted[w].data = features[f]->data;
	bool missing = false;
	for (size_t w = 0; w < n_wanted; ++w) {
		if (wanted[w].required && !*wanted[w].data) {
			missing = true;
			if (c->log && c->map)
				c->log->printf(c->log->handle,
					       c->map->map(c->map->handle, LV2_LOG__Error),
					       "%s: the host does not provide %s\n", name, wanted[w].uri);
		}
	}
	return !missing;
}

void *rfx_core_new(size_t size, RfxOutputMode mode, const char *name, double rate,
		   const LV2_Feature *const *features)
{
	RfxCore *c = calloc(1, size);
	if (!c)
		return NULL;
	if (!read_features(c, name, features) || pthread_mutex_init(&c->persist_lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	rfx_uris_map(&c->uris, c->map);
	lv2_atom_forge_init(&c->forge, c->map);
	atomic_init(&c->restored, NULL);
	atomic_init(&c->restore_failed, RFX_LOAD_FAIL_NONE);
	c->rate = rate;
	c->mode = mode;
	c->name = name;
	c->failed = RFX_LOAD_FAIL_NONE;
	return c;
}

void rfx_core_free(RfxCore *c)
{
	rfx_loaded_free(c->next);
	rfx_loaded_free(atomic_load(&c->restored));
	while (c->garbage) {
		RfxLoaded *e = c->garbage;
		c->garbage = e->next;
		rfx_loaded_free(e);
	}
	free(c->persist_path);
	free(c->persist_model);
	pthread_mutex_destroy(&c->persist_lock);
	free(c);
}

/* Off the audio thread: what save() should store for the model run() takes next, its path and
 * its model in base64 (copied, so the engine may be freed later). Either may be NULL when
 * memory ran out; save() then stores what it has. */
typedef struct {
	char *path, *model;
} Persist;

static Persist persist_copy(const RfxLoaded *e)
{
	return (Persist){e->path ? strdup(e->path) : NULL,
			 base64_encode(e->json, strlen(e->json))};
}

static void persist_drop(Persist *p)
{
	free(p->path);
	free(p->model);
}

/* Takes over p's strings. */
static void persist_set(RfxCore *c, Persist pe)
{
	pthread_mutex_lock(&c->persist_lock);
	free(c->persist_path);
	free(c->persist_model);
	c->persist_path = pe.path;
	c->persist_model = pe.model;
	pthread_mutex_unlock(&c->persist_lock);
}

/* Off the audio thread: builds a model from JSON text or a path, logs why when it fails.
 * With both, the JSON wins and the path is the fallback. */
static RfxStatus load_engine(RfxCore *c, const char *path, const char *json, RfxLoaded **out,
			     RfxLoadFail *fail)
{
	char detail[256];
	RfxStatus st = RFX_ERR_INVALID;
	*out = NULL;
	*fail = RFX_LOAD_FAIL_LOAD;
	if (json) {
		st = rfx_loaded_load(path, json, strlen(json), c->rate, c->mode, out, fail, detail,
				     sizeof detail);
		if (st != RFX_OK)
			core_log(c, c->uris.log_Warning,
				 "%s: model saved in the state is unusable: %s%s%s%s\n", c->name,
				 rfx_strerror(st), detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
	}
	if (st != RFX_OK && path) {
		st = rfx_loaded_load(path, NULL, 0, c->rate, c->mode, out, fail, detail,
				     sizeof detail);
		if (st != RFX_OK)
			core_log(c, c->uris.log_Error, "%s: cannot load model '%s': %s%s%s%s\n",
				 c->name, path, rfx_strerror(st), detail[0] ? " (" : "", detail,
				 detail[0] ? ")" : "");
	}
	if (st != RFX_OK)
		return st;
	const RfxEngine *e = (*out)->engine;
	if (rfx_engine_is_resampling(e))
		core_log(c, c->uris.log_Note,
			 "%s: model '%s' was trained at %g Hz, the host runs at %g Hz: resampling, "
			 "latency %u samples\n",
			 c->name, path ? path : "(from state)", rfx_engine_model_rate(e), c->rate,
			 (unsigned)rfx_engine_latency(e));
	if ((*out)->knobs && (*out)->knobs[0])
		core_log(c, c->uris.log_Note, "%s: model '%s' has knobs: %s\n", c->name,
			 path ? path : "(from state)", (*out)->knobs);
	return RFX_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Audio thread: no allocation, no lock, no I/O. */

void rfx_core_retire(RfxCore *c, RfxLoaded *e)
{
	if (!e)
		return;
	e->next = c->garbage;
	c->garbage = e;
}

void rfx_core_flush_garbage(RfxCore *c)
{
	while (c->garbage) {
		RfxLoaded *e = c->garbage;
		struct {
			MsgHeader h;
			RfxLoaded *e;
		} msg = {{MSG_FREE, sizeof(RfxLoaded *)}, e};
		c->garbage = e->next;
		e->next = NULL;
		if (c->schedule->schedule_work(c->schedule->handle, sizeof msg, &msg) !=
		    LV2_WORKER_SUCCESS) {
			e->next = c->garbage;
			c->garbage = e;
			return;
		}
	}
}

bool rfx_core_notify(RfxCore *c, LV2_URID property, LV2_URID type, const char *value)
{
	LV2_Atom_Forge *f = &c->forge;
	LV2_Atom_Forge_Frame frame;
	if (!lv2_atom_forge_frame_time(f, 0))
		return false;
	if (!lv2_atom_forge_object(f, &frame, 0, c->uris.patch_Set))
		return false;
	lv2_atom_forge_key(f, c->uris.patch_property);
	lv2_atom_forge_urid(f, property);
	lv2_atom_forge_key(f, c->uris.patch_value);
	const LV2_Atom_Forge_Ref ref =
		lv2_atom_forge_typed_string(f, type, value, (uint32_t)strlen(value));
	lv2_atom_forge_pop(f, &frame);
	return ref != 0;
}

/* Audio class: a patch:Set of the model the plugin will not load goes to the worker, which logs
 * why and answers with a load error (status 2); the current model keeps playing. When the
 * worker cannot take the message, the status still says so. */
static void refuse_path(RfxCore *c, RefuseWhy why, const char *path, size_t len)
{
	struct {
		MsgHeader h;
		Refusal r;
	} msg;
	memset(&msg, 0, sizeof msg);
	msg.h.type = MSG_REFUSED;
	msg.h.size = sizeof msg.r;
	msg.r.why = why;
	msg.r.len = (uint32_t)(len < UINT32_MAX ? len : UINT32_MAX);
	size_t n = len < REFUSED_HEAD - 1 ? len : REFUSED_HEAD - 1;
	if (n < len)
		while (n > 0 && ((unsigned char)path[n] & 0xc0) == 0x80)
			n--; /* do not cut a UTF-8 character */
	if (path)
		memcpy(msg.r.head, path, n);
	if (c->schedule->schedule_work(c->schedule->handle, sizeof msg, &msg) != LV2_WORKER_SUCCESS)
		c->failed = RFX_LOAD_FAIL_LOAD;
}

bool rfx_core_handle_patch(RfxCore *c, const LV2_Atom_Object *obj, LV2_URID *get_property)
{
	const RfxUris *u = &c->uris;
	if (obj->body.otype == u->patch_Set) {
		const LV2_Atom *property = NULL, *value = NULL;
		lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
		if (!property || property->type != u->atom_URID ||
		    ((const LV2_Atom_URID *)property)->body != u->rfx_model)
			return false;
		if (!value || (value->type != u->atom_Path && value->type != u->atom_String)) {
			refuse_path(c, REFUSE_TYPE, NULL, 0);
			return false;
		}
		const char *path = LV2_ATOM_BODY_CONST(value);
		const size_t len = strnlen(path, value->size);
		if (len == 0 || len == value->size) {
			refuse_path(c, REFUSE_EMPTY, NULL, 0); /* empty, or not NUL-terminated */
			return false;
		}
		if (len > MAX_PATH_MSG - 1) {
			refuse_path(c, REFUSE_LONG, path, len);
			return false;
		}
		/* The docs ask for an absolute path; a relative one would be resolved against the
		 * host's working directory, which is nothing the user chose. */
		if (path[0] != '/') {
			refuse_path(c, REFUSE_RELATIVE, path, len);
			return false;
		}
		struct {
			MsgHeader h;
			char path[MAX_PATH_MSG];
		} msg;
		msg.h.type = MSG_LOAD_PATH;
		msg.h.size = (uint32_t)len + 1;
		memcpy(msg.path, path, len + 1);
		if (c->schedule->schedule_work(c->schedule->handle, (uint32_t)(sizeof msg.h + len + 1),
					       &msg) != LV2_WORKER_SUCCESS)
			c->failed = RFX_LOAD_FAIL_LOAD;
		return false;
	}
	if (obj->body.otype == u->patch_Get) {
		const LV2_Atom *property = NULL;
		lv2_atom_object_get(obj, u->patch_property, &property, 0);
		if (property && property->type != u->atom_URID)
			return false;
		*get_property = property ? ((const LV2_Atom_URID *)property)->body : 0;
		return true;
	}
	return false;
}

void rfx_core_take_restored(RfxCore *c)
{
	RfxLoaded *r = atomic_exchange(&c->restored, NULL);
	int fail = atomic_exchange(&c->restore_failed, RFX_LOAD_FAIL_NONE);
	if (r) {
		rfx_core_retire(c, c->next);
		c->next = r;
		c->failed = RFX_LOAD_FAIL_NONE;
	} else if (fail != RFX_LOAD_FAIL_NONE) {
		c->failed = (RfxLoadFail)fail;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Worker */

/* Worker class (a non-real-time thread, or synchronously inside run() in some hosts, e.g. an
 * Ardour export): loads models and frees models. May allocate, read files and log. */
static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
			      LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
	RfxCore *c = instance;
	MsgHeader h;
	if (size < sizeof h)
		return LV2_WORKER_ERR_UNKNOWN;
	memcpy(&h, data, sizeof h);
	const char *payload = (const char *)data + sizeof h;
	if (h.size > size - sizeof h)
		return LV2_WORKER_ERR_UNKNOWN;

	RfxLoaded *e = NULL;
	RfxLoadFail fail = RFX_LOAD_FAIL_NONE;
	RfxStatus st;
	switch ((MsgType)h.type) {
	case MSG_FREE:
		if (h.size != sizeof e)
			return LV2_WORKER_ERR_UNKNOWN;
		memcpy(&e, payload, sizeof e);
		rfx_loaded_free(e);
		return LV2_WORKER_SUCCESS;
	case MSG_LOAD_PATH:
		if (h.size == 0 || payload[h.size - 1] != '\0')
			return LV2_WORKER_ERR_UNKNOWN;
		st = load_engine(c, payload, NULL, &e, &fail);
		break;
	case MSG_REFUSED: {
		Refusal r;
		if (h.size != sizeof r)
			return LV2_WORKER_ERR_UNKNOWN;
		memcpy(&r, payload, sizeof r);
		r.head[REFUSED_HEAD - 1] = '\0';
		const char *cut = strlen(r.head) < r.len ? "..." : "";
		switch ((RefuseWhy)r.why) {
		case REFUSE_TYPE:
			core_log(c, c->uris.log_Error, "%s: cannot load model: the patch:Set value is "
				 "not an atom:Path\n", c->name);
			break;
		case REFUSE_EMPTY:
			core_log(c, c->uris.log_Error, "%s: cannot load model: the path is empty (or "
				 "not NUL-terminated)\n", c->name);
			break;
		case REFUSE_LONG:
			core_log(c, c->uris.log_Error, "%s: cannot load model '%s%s': the path has %u "
				 "bytes, longer than the %d bytes a model path may have\n", c->name,
				 r.head, cut, r.len, MAX_PATH_MSG - 1);
			break;
		case REFUSE_RELATIVE:
			core_log(c, c->uris.log_Error, "%s: cannot load model '%s%s': not an absolute "
				 "path (a model path must start with '/'; a relative one would depend on "
				 "the host's working directory)\n", c->name, r.head, cut);
			break;
		default:
			return LV2_WORKER_ERR_UNKNOWN;
		}
		fail = RFX_LOAD_FAIL_LOAD;
		st = RFX_ERR_INVALID;
		break;
	}
	default:
		return LV2_WORKER_ERR_UNKNOWN;
	}
	if (st != RFX_OK) {
		struct {
			MsgHeader h;
			int fail;
		} r = {{RESP_ERROR, sizeof(int)}, (int)fail};
		respond(handle, sizeof r, &r);
		return LV2_WORKER_SUCCESS;
	}
	struct {
		MsgHeader h;
		RfxLoaded *e;
	} r = {{RESP_ENGINE, sizeof e}, e};
	/* What save() stores follows the model the audio thread will take: set only once the
	 * response is queued, so a response the host drops leaves the state naming the model that
	 * still plays. */
	Persist pe = persist_copy(e);
	if (respond(handle, sizeof r, &r) != LV2_WORKER_SUCCESS) {
		core_log(c, c->uris.log_Error, "%s: the host's worker queue is full: model not taken\n",
			 c->name);
		persist_drop(&pe);
		rfx_loaded_free(e); /* the audio thread will never see it */
		return LV2_WORKER_ERR_NO_SPACE;
	}
	persist_set(c, pe);
	return LV2_WORKER_SUCCESS;
}

/* Audio class (called after run(), or at once from inside schedule_work() when the host runs the
 * worker synchronously): takes a worker's result. A new engine waits in `next` until the plugin
 * adopts it; a newer one replaces it (the replaced one was never heard and goes back to the
 * worker). Never allocates or frees. */
static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *data)
{
	RfxCore *c = instance;
	MsgHeader h;
	if (size < sizeof h)
		return LV2_WORKER_ERR_UNKNOWN;
	memcpy(&h, data, sizeof h);
	const char *payload = (const char *)data + sizeof h;
	if (h.type == RESP_ENGINE && h.size == sizeof(RfxLoaded *)) {
		RfxLoaded *e;
		memcpy(&e, payload, sizeof e);
		rfx_core_retire(c, c->next);
		c->next = e;
		c->failed = RFX_LOAD_FAIL_NONE;
	} else if (h.type == RESP_ERROR && h.size == sizeof(int)) {
		int fail;
		memcpy(&fail, payload, sizeof fail);
		c->failed = fail > RFX_LOAD_FAIL_NONE && fail <= RFX_LOAD_FAIL_RATE
				    ? (RfxLoadFail)fail
				    : RFX_LOAD_FAIL_LOAD;
	}
	return LV2_WORKER_SUCCESS;
}

/* ------------------------------------------------------------------------------------------ */
/* State */

static const void *feature_data(const LV2_Feature *const *features, const char *uri)
{
	for (size_t i = 0; features && features[i]; ++i)
		if (!strcmp(features[i]->URI, uri))
			return features[i]->data;
	return NULL;
}

/* `path` through the host's state:mapPath, to its abstract form (for save) or back to an absolute
 * one (for restore), as a copy the caller frees with free(); a plain copy when the host maps no
 * paths. NULL when the host's mapping or memory failed. */
static char *map_state_path(const LV2_Feature *const *features, const char *path, bool abstract)
{
	const LV2_State_Map_Path *map = feature_data(features, LV2_STATE__mapPath);
	if (!map)
		return strdup(path);
	char *mapped = abstract ? map->abstract_path(map->handle, path)
				: map->absolute_path(map->handle, path);
	if (!mapped)
		return NULL;
	char *copy = strdup(mapped);
	const LV2_State_Free_Path *free_path = feature_data(features, LV2_STATE__freePath);
	if (free_path)
		free_path->free_path(free_path->handle, mapped);
	else
		free(mapped);
	return copy;
}

/* State class (may run concurrently with run()): stores the model's path, mapped through
 * state:mapPath when the host gives it, and the model itself (RFX_STATE_MODEL_BASE64: base64 of
 * its JSON, metadata reduced to the name). Reads only the persist copy, under its lock; never
 * touches the audio thread's models. */
static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store,
			     LV2_State_Handle handle, uint32_t flags,
			     const LV2_Feature *const *features)
{
	(void)flags;
	RfxCore *c = instance;
	LV2_State_Status status = LV2_STATE_SUCCESS;

	pthread_mutex_lock(&c->persist_lock);
	char *apath = c->persist_path ? map_state_path(features, c->persist_path, true) : NULL;
	if (apath)
		status = store(handle, c->uris.rfx_model, apath, strlen(apath) + 1, c->uris.atom_Path,
			       LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
	free(apath);
	if (c->persist_model && status == LV2_STATE_SUCCESS)
		status = store(handle, c->uris.rfx_modelBase64, c->persist_model,
			       strlen(c->persist_model) + 1, c->uris.atom_String,
			       LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
	pthread_mutex_unlock(&c->persist_lock);
	return status;
}

/* State class; with state:threadSafeRestore (which the plugins support) it may run concurrently
 * with run(). Loads the saved model here, in the caller's thread, even when `features` offers a
 * worker: when restore() returns, the model waits for the next run() or activate() through one
 * atomic exchange. A load on the worker would finish at a time that depends on the host's threads,
 * so what follows a session load (an Ardour export starts with activate()) could begin with the
 * old model or in a cross-fade; loaded here, the model is heard from the first sample after
 * activate() every time. Never touches the audio thread's models.
 *
 * When the state names a model that cannot be used, the plugin keeps the model it has, logs why,
 * the status port reads "load error" from the next run(), and restore() says so to the host:
 * LV2_STATE_ERR_BAD_TYPE when no value was usable (a relative path, not base64, a wrong atom
 * type), LV2_STATE_ERR_UNKNOWN when the model did not load (missing or broken file, a model of the
 * other kind, a classifier at another rate). */
static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
				LV2_State_Handle handle, uint32_t flags,
				const LV2_Feature *const *features)
{
	(void)flags;
	RfxCore *c = instance;
	size_t size = 0;
	uint32_t type = 0, vflags = 0;
	char *path = NULL, *json = NULL;
	bool unusable = false; /* the state names a model in a form this plugin cannot use */

	const void *value = retrieve(handle, c->uris.rfx_model, &size, &type, &vflags);
	if (value && !(size > 1 && (type == c->uris.atom_Path || type == c->uris.atom_String) &&
		       memchr(value, '\0', size))) {
		core_log(c, c->uris.log_Warning, "%s: the model path in the state is not a "
			 "NUL-terminated atom:Path: ignored\n", c->name);
		unusable = true;
	} else if (value) {
		path = map_state_path(features, value, false);
	}
	if (path && path[0] != '/') {
		core_log(c, c->uris.log_Warning, "%s: the model path in the state, '%s', is not "
			 "absolute: ignored\n", c->name, path);
		free(path);
		path = NULL;
		unusable = true;
	}
	/* The model itself: base64 of its JSON; states saved before that hold the JSON text. */
	value = retrieve(handle, c->uris.rfx_modelBase64, &size, &type, &vflags);
	if (value && size > 1 && type == c->uris.atom_String && memchr(value, '\0', size)) {
		size_t len = 0;
		bool bad = false;
		json = base64_decode(value, strlen(value), &len, &bad);
		if (bad)
			core_log(c, c->uris.log_Warning, "%s: the model saved in the state is not "
				 "base64 text: ignored\n", c->name);
		unusable |= bad;
	}
	value = json ? NULL : retrieve(handle, c->uris.rfx_modelData, &size, &type, &vflags);
	if (value && size > 1 && type == c->uris.atom_String && memchr(value, '\0', size))
		json = strdup(value);

	if (!path && !json && unusable) {
		/* Nothing to load (the warnings above said why): the current model keeps running, the
		 * status port says the load failed, and the host hears of a value it cannot use. */
		atomic_store(&c->restore_failed, RFX_LOAD_FAIL_LOAD);
		return LV2_STATE_ERR_BAD_TYPE;
	}
	if (!path && !json)
		return LV2_STATE_SUCCESS; /* saved without a model */

	RfxLoaded *e = NULL;
	RfxLoadFail fail;
	RfxStatus st = load_engine(c, path, json, &e, &fail);
	free(path);
	free(json);
	if (st != RFX_OK) {
		/* The plugin keeps running with what it had; the status port says the load failed (from
		 * the next run()), load_engine logged why, and the host hears it too. */
		atomic_store(&c->restore_failed, (int)fail);
		return LV2_STATE_ERR_UNKNOWN;
	}
	persist_set(c, persist_copy(e));
	/* A model restore() left earlier and run() has not taken yet was never heard. */
	rfx_loaded_free(atomic_exchange(&c->restored, e));
	return LV2_STATE_SUCCESS;
}

const void *rfx_core_extension_data(const char *uri)
{
	static const LV2_Worker_Interface worker = {work, work_response, NULL};
	static const LV2_State_Interface state = {save, restore};
	if (!strcmp(uri, LV2_WORKER__interface))
		return &worker;
	if (!strcmp(uri, LV2_STATE__interface))
		return &state;
	return NULL;
}
