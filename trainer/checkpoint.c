#include "checkpoint.h"
#include "../io/files.h"
#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../dsp/model_file.h"

static const char MAGIC[8] = { 'R', 'F', 'X', 'T', 'C', 'K', 'P', '1' };
static const char END[4] = { 'E', 'N', 'D', '1' };
#define MAX_TEXT (64u << 20)

/* ------------------------------------------------------------------ writing */

/* Writes stop at the first error; the caller checks `ok` once at the end. */
typedef struct {
	FILE *f;
	int ok;
} Out;

static void put(Out *o, const void *p, size_t n)
{
	if (o->ok && n && fwrite(p, 1, n, o->f) != n)
		o->ok = 0;
}

static void put_i64(Out *o, int64_t v) { put(o, &v, sizeof v); }
static void put_f64(Out *o, double v) { put(o, &v, sizeof v); }

static void put_text(Out *o, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_i64(o, (int64_t)n);
	put(o, s, n);
}

static void put_state(Out *o, const TrnState *st)
{
	const int64_t iv[] = { st->epoch, st->batch, st->steps, st->skipped, st->best_epoch,
			       st->bad_evals, st->plateau_bad, st->loss_count, st->since_val };
	for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
		put_i64(o, iv[i]);
	put_f64(o, st->elapsed);
	put_f64(o, st->samples);
	put_f64(o, st->best_val);
	put_f64(o, st->loss_sum);
	put(o, st->best_params, st->n_params * sizeof *st->best_params);
	put_i64(o, (int64_t)st->n_hist);
	for (size_t i = 0; i < st->n_hist; i++) {
		const TrnPoint *p = &st->hist[i];
		put_f64(o, p->time);
		put_f64(o, p->loss);
		put_f64(o, p->val_esr);
		put_f64(o, p->lr);
		put_i64(o, p->epoch);
		put_i64(o, p->steps);
	}
}

static void put_adam(Out *o, const RfxAdam *a)
{
	put_i64(o, (int64_t)a->n);
	put_i64(o, a->step);
	put_f64(o, a->cfg.lr);
	put_f64(o, a->cfg.beta1);
	put_f64(o, a->cfg.beta2);
	put_f64(o, a->cfg.eps);
	put_f64(o, a->cfg.weight_decay);
	put(o, a->m, a->n * sizeof *a->m);
	put(o, a->v, a->n * sizeof *a->v);
}

int trn_checkpoint_save(const char *path, const RfxModel *model, const RfxAdam *adam,
			const TrnState *st, const char *fingerprint, TrnError *err)
{
	char *json = rfx_model_to_string(model);
	if (!json)
		return trn_error_set(err, path, "out of memory writing the checkpoint");
	RfxOutFile file;
	char why[512];
	Out o = { NULL, 1 };
	if (rfx_out_begin(&file, path, why, sizeof why) != 0 || !(o.f = rfx_out_stream(&file))) {
		rfx_out_abort(&file);
		free(json);
		return trn_error_set(err, path, "cannot write the checkpoint: %s", why);
	}
	put(&o, MAGIC, sizeof MAGIC);
	put_text(&o, fingerprint);
	put_text(&o, json);
	put_adam(&o, adam);
	put_state(&o, st);
	put(&o, END, sizeof END);
	free(json);
	if (!o.ok) {
		snprintf(why, sizeof why, "%s", strerror(errno));
		rfx_out_abort(&file);
		return trn_error_set(err, path, "cannot write the checkpoint: %s", why);
	}
	if (rfx_out_commit(&file, why, sizeof why) != 0)
		return trn_error_set(err, path, "cannot write the checkpoint: %s", why);
	return 0;
}

/* ------------------------------------------------------------------ reading */

typedef struct {
	FILE *f;
	int ok;
} In;

static void get(In *in, void *p, size_t n)
{
	if (in->ok && n && fread(p, 1, n, in->f) != n)
		in->ok = 0;
}

static int64_t get_i64(In *in)
{
	int64_t v = 0;
	get(in, &v, sizeof v);
	return v;
}

static double get_f64(In *in)
{
	double v = 0;
	get(in, &v, sizeof v);
	return v;
}

static char *get_text(In *in)
{
	int64_t n = get_i64(in);
	if (!in->ok || n < 0 || (uint64_t)n > MAX_TEXT) {
		in->ok = 0;
		return NULL;
	}
	char *s = malloc((size_t)n + 1);
	if (!s) {
		in->ok = 0;
		return NULL;
	}
	get(in, s, (size_t)n);
	s[n] = '\0';
	return s;
}

static int get_adam(In *in, size_t n_params, RfxAdam **out)
{
	int64_t n = get_i64(in), step = get_i64(in);
	RfxAdamConfig c;
	c.lr = (float)get_f64(in);
	c.beta1 = (float)get_f64(in);
	c.beta2 = (float)get_f64(in);
	c.eps = (float)get_f64(in);
	c.weight_decay = (float)get_f64(in);
	if (!in->ok || n != (int64_t)n_params || rfx_adam_create(n_params, &c, out) != RFX_OK)
		return -1;
	(*out)->step = step;
	get(in, (*out)->m, n_params * sizeof *(*out)->m);
	get(in, (*out)->v, n_params * sizeof *(*out)->v);
	return in->ok ? 0 : -1;
}

static int get_state(In *in, TrnState *st, size_t n_params)
{
	if (trn_state_init(st, n_params) != 0)
		return -1;
	int64_t *iv[] = { &st->epoch, &st->batch, &st->steps, &st->skipped, &st->best_epoch,
			  &st->bad_evals, &st->plateau_bad, &st->loss_count, &st->since_val };
	for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
		*iv[i] = get_i64(in);
	st->elapsed = get_f64(in);
	st->samples = get_f64(in);
	st->best_val = get_f64(in);
	st->loss_sum = get_f64(in);
	get(in, st->best_params, n_params * sizeof *st->best_params);
	int64_t nh = get_i64(in);
	if (!in->ok || nh < 0 || nh > (1 << 24))
		return -1;
	for (int64_t i = 0; i < nh && in->ok; i++) {
		TrnPoint p;
		p.time = get_f64(in);
		p.loss = get_f64(in);
		p.val_esr = get_f64(in);
		p.lr = get_f64(in);
		p.epoch = get_i64(in);
		p.steps = get_i64(in);
		if (trn_state_push(st, &p) != 0)
			return -1;
	}
	return in->ok && st->epoch >= 0 && st->batch >= 0 ? 0 : -1;
}

int trn_checkpoint_load(const char *path, RfxModel **model, RfxAdam **adam, TrnState *st,
			char **fingerprint, TrnError *err)
{
	*model = NULL;
	*adam = NULL;
	*fingerprint = NULL;
	memset(st, 0, sizeof *st);
	/* The checkpoint a run resumes from is the one it goes on writing: replaceable. */
	char why[512];
	int fd = rfx_in_open(path, 0, RFX_IN_REPLACEABLE, why, sizeof why);
	In in = { fd >= 0 ? fdopen(fd, "rb") : NULL, 1 };
	if (!in.f) {
		if (fd >= 0)
			close(fd);
		return trn_error_set(err, path, "cannot open the checkpoint: %s",
				     fd < 0 ? why : strerror(errno));
	}
	char magic[8], end[4];
	get(&in, magic, sizeof magic);
	if (!in.ok || memcmp(magic, MAGIC, sizeof MAGIC) != 0) {
		fclose(in.f);
		return trn_error_set(err, path, "not an rnnfx-train checkpoint");
	}
	*fingerprint = get_text(&in);
	char *json = get_text(&in);
	char detail[256] = "";
	RfxStatus rc = in.ok ? rfx_model_load_string(json, strlen(json), model, detail, sizeof detail)
			     : RFX_ERR_IO;
	free(json);
	int bad = rc != RFX_OK;
	if (!bad)
		bad = get_adam(&in, (*model)->n_params, adam) != 0 ||
		      get_state(&in, st, (*model)->n_params) != 0;
	get(&in, end, sizeof end);
	bad = bad || !in.ok || memcmp(end, END, sizeof END) != 0 || fgetc(in.f) != EOF;
	fclose(in.f);
	if (!bad)
		return 0;
	rfx_model_free(*model);
	if (*adam)
		rfx_adam_destroy(*adam);
	trn_state_free(st);
	free(*fingerprint);
	*model = NULL;
	*adam = NULL;
	*fingerprint = NULL;
	if (rc != RFX_OK && detail[0])
		return trn_error_set(err, path, "checkpoint model: %s", detail);
	return trn_error_set(err, path, "truncated or corrupt checkpoint");
}
