#include "run.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/model_file.h"
#include "checkpoint.h"
#include "outputs.h"
#include "sha256.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void trn_run_paths(const TrnOptions *o, char *ckpt, size_t ckpt_cap, char *report,
		   size_t report_cap)
{
	const char *out = o->out ? o->out : "";    /* none with classify --eval */
	if (o->checkpoint)
		snprintf(ckpt, ckpt_cap, "%s", o->checkpoint);
	else
		snprintf(ckpt, ckpt_cap, "%s.ckpt", out);
	size_t n = strlen(out);
	if (o->report)
		snprintf(report, report_cap, "%s", o->report);
	else if (n > 5 && strcmp(out + n - 5, ".json") == 0)
		snprintf(report, report_cap, "%.*s.svg", (int)(n - 5), out);
	else
		snprintf(report, report_cap, "%s.svg", out);
}

int trn_run_new_model(const RfxModelSpec *spec, const TrnTrainConfig *cfg, RfxModel **model,
		      RfxAdam **adam, TrnState *st, TrnError *err)
{
	char detail[256] = "";
	if (rfx_model_spec_check(spec, detail, sizeof detail) != RFX_OK)
		return trn_error_set(err, NULL, "model: %s", detail);
	if (rfx_model_new(spec, model) != RFX_OK ||
	    rfx_adam_create((*model)->n_params, &cfg->adam, adam) != RFX_OK ||
	    trn_state_init(st, (*model)->n_params) != 0)
		return trn_error_set(err, NULL, "out of memory for the model");
	rfx_model_init_random(*model, cfg->seed);
	return 0;
}

int trn_run_resume(const char *path, const char *fingerprint, const char *named,
		   const RfxModelSpec *want, RfxModel **model, RfxAdam **adam, TrnState *st,
		   TrnError *err)
{
	char *fp = NULL;
	if (trn_checkpoint_load(path, model, adam, st, &fp, err) != 0)
		return -1;
	const RfxModelSpec *s = &(*model)->spec;
	int same = fp && strcmp(fp, fingerprint) == 0 && s->mode == want->mode &&
		   s->n_outputs == want->n_outputs &&
		   (want->n_inputs == 0 || s->n_inputs == want->n_inputs);
	free(fp);
	if (same && s->sample_rate == want->sample_rate)
		return 0;
	if (!same)
		return trn_error_set(err, path, "made with other data or options (%s); resume with "
				     "the command that wrote it", named);
	return trn_error_set(err, path, "model at %g Hz, data at %g Hz", s->sample_rate,
			     want->sample_rate);
}

void trn_run_free(RfxModel *model, RfxAdam *adam, TrnState *st, char *fingerprint)
{
	rfx_model_free(model);
	if (adam)
		rfx_adam_destroy(adam);
	trn_state_free(st);
	free(fingerprint);
}

/* The checkpoint trn_run_train writes after every epoch: the epoch_end hook's context. */
typedef struct {
	const char *path, *fingerprint;
	const RfxModel *model;
} EpochCheckpoint;

static int save_checkpoint(void *ctx, const TrnState *st, const RfxAdam *adam, TrnError *err)
{
	const EpochCheckpoint *c = ctx;
	return trn_checkpoint_save(c->path, c->model, adam, st, c->fingerprint, err);
}

TrnStop trn_run_train(const char *const outs[3], const char *ckpt, const char *fingerprint,
		      const TrnTrainConfig *cfg, const TrnTask *task, RfxModel *model, RfxAdam *adam,
		      TrnState *st, const TrnHooks *hooks, TrnError *err)
{
	if (trn_outputs_check(outs, 3, err) != 0)
		return TRN_STOP_ERROR;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL); /* kill, timeout, a job scheduler: keep the work too */
	EpochCheckpoint each = { ckpt, fingerprint, model };
	TrnHooks h = *hooks;
	h.interrupt = &interrupted;
	h.epoch_end = save_checkpoint;
	h.epoch_ctx = &each;
	TrnStop stop = trn_train(cfg, task, model, adam, st, &h, err);
	if (stop != TRN_STOP_ERROR &&
	    trn_checkpoint_save(ckpt, model, adam, st, fingerprint, err) != 0)
		return TRN_STOP_ERROR;
	return stop;
}

int trn_run_seg_len(const TrnTrainConfig *cfg, double rate, size_t *seg_len, TrnError *err)
{
	*seg_len = trn_seg_len(cfg, rate);
	if (*seg_len <= (size_t)cfg->warmup)
		return trn_error_set(err, NULL, "--segment %.3f s (%zu samples) must be longer than "
				     "--warmup %d samples", cfg->segment_s, *seg_len, cfg->warmup);
	return 0;
}

int trn_run_check_lengths(const TrnTrainConfig *cfg, double rate, size_t n_train, size_t n_val,
			  const char *where, size_t *seg_len, TrnError *err)
{
	if (trn_run_seg_len(cfg, rate, seg_len, err))
		return -1;
	if (n_train < *seg_len)
		return trn_error_set(err, where, "too short: %.3f s of training audio, a segment is "
				     "%.3f s", (double)n_train / rate, cfg->segment_s);
	if (n_val <= 2 * (size_t)cfg->warmup)
		return trn_error_set(err, where, "too short: the validation part has %.3f s, needs "
				     "more than twice the warm-up", (double)n_val / rate);
	return 0;
}

int64_t trn_run_plan(long batches, const TrnTrainConfig *cfg, size_t seg_len, size_t n)
{
	if (batches > 0)
		return batches;
	double per = (double)cfg->batch * (double)(seg_len - (size_t)cfg->warmup);
	int64_t nb = (int64_t)llround((double)n / per);
	return nb < 1 ? 1 : nb;
}

void trn_run_best(RfxModel *model, const TrnState *st)
{
	if (isfinite(st->best_val))
		memcpy(model->params, st->best_params, model->n_params * sizeof *model->params);
}

int trn_run_load(const char *path, RfxOutputMode mode, const char *not_mode, RfxModel **model,
		 TrnError *err)
{
	char detail[256] = "";
	RfxStatus rc = rfx_model_load_file(path, model, detail, sizeof detail);
	if (rc != RFX_OK)
		return trn_error_set(err, path, "%s", detail[0] ? detail : rfx_strerror(rc));
	if ((*model)->spec.mode != mode)
		return trn_error_set(err, path, "%s", not_mode);
	return 0;
}

int trn_run_save(RfxModel *model, char *meta, const char *out, TrnError *err)
{
	if (!meta || rfx_model_set_metadata(model, meta) != RFX_OK) {
		free(meta);
		return trn_error_set(err, NULL, "out of memory for the metadata");
	}
	free(meta);
	char detail[256] = "";
	RfxStatus rc = rfx_model_save_file(model, out, detail, sizeof detail);
	if (rc != RFX_OK)
		return trn_error_set(err, out, "%s", detail[0] ? detail : rfx_strerror(rc));
	return 0;
}

char *trn_run_metadata(json_t *m, const TrnOptions *o, const TrnState *st, TrnStop stop,
		       json_t *data)
{
	const TrnTrainConfig *c = &o->train_cfg;
	json_object_set_new(m, "best_epoch", json_integer(st->best_epoch));
	json_object_set_new(m, "epochs", json_integer(st->epoch));
	json_object_set_new(m, "steps", json_integer(st->steps));
	json_object_set_new(m, "wall_time_s", json_real(st->elapsed));
	json_object_set_new(m, "stopped_by", json_string(trn_stop_name(stop)));
	json_object_set_new(m, "loss", json_string(rfx_loss_name(c->loss)));
	json_object_set_new(m, "seed", json_integer((json_int_t)c->seed));
	json_object_set_new(m, "threads", json_integer(c->threads));
	json_object_set_new(m, "command_line", json_string(o->cmdline));
	json_object_set_new(m, "data", data);
	char *text = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	return text;
}

json_t *trn_run_data_entry(const char *role, const char *path, const uint8_t sha256[32])
{
	char hex[65];
	trn_sha256_hex(sha256, hex);
	return json_pack("{s:s, s:s, s:s}", "role", role, "path", path, "sha256", hex);
}

const char *trn_stop_name(TrnStop s)
{
	switch (s) {
	case TRN_STOP_EPOCHS: return "epochs";
	case TRN_STOP_BUDGET: return "time budget";
	case TRN_STOP_EARLY: return "early stopping";
	case TRN_STOP_INTERRUPT: return "interrupted";
	default: return "error";
	}
}

json_t *trn_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

int trn_run_fail(const TrnError *err)
{
	if (err->file[0])
		fprintf(stderr, TRN_PROG ": %s: %s\n", err->file, err->msg);
	else
		fprintf(stderr, TRN_PROG ": %s\n", err->msg);
	return 1;
}

void trn_run_note(int quiet, const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs(TRN_PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void trn_run_log(int quiet, int warn, const char *file, const char *msg)
{
	if (!warn && quiet)
		return;
	fprintf(stderr, TRN_PROG ": %s%s%s%s\n", file, file[0] ? ": " : "", warn ? "warning: " : "",
		msg);
}

void trn_run_summary(int quiet, const char *out, const TrnState *st, TrnStop stop)
{
	if (quiet)
		return;
	fprintf(stderr, TRN_PROG ": %s: best validation epoch %lld of %lld, %lld steps, %.0f s, "
		"stopped by %s\nvalidation:\n", out, (long long)st->best_epoch, (long long)st->epoch,
		(long long)st->steps, st->elapsed, trn_stop_name(stop));
}

int trn_run_interrupted(const char *ckpt)
{
	fprintf(stderr, TRN_PROG ": %s: interrupted; continue with the same command plus --resume %s\n",
		ckpt, ckpt);
	return TRN_EXIT_INTERRUPTED;
}
