#include "run.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "outputs.h"

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
	err->file[0] = '\0';
	if (rfx_model_spec_check(spec, detail, sizeof detail) != RFX_OK) {
		snprintf(err->msg, sizeof err->msg, "model: %s", detail);
		return -1;
	}
	if (rfx_model_new(spec, model) != RFX_OK ||
	    rfx_adam_create((*model)->n_params, &cfg->adam, adam) != RFX_OK ||
	    trn_state_init(st, (*model)->n_params) != 0) {
		snprintf(err->msg, sizeof err->msg, "out of memory for the model");
		return -1;
	}
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
	snprintf(err->file, sizeof err->file, "%s", path);
	if (!same)
		snprintf(err->msg, sizeof err->msg, "made with other data or options (%s); resume with "
			 "the command that wrote it", named);
	else
		snprintf(err->msg, sizeof err->msg, "model at %g Hz, data at %g Hz", s->sample_rate,
			 want->sample_rate);
	return -1;
}

void trn_run_free(RfxModel *model, RfxAdam *adam, TrnState *st, char *fingerprint)
{
	rfx_model_free(model);
	if (adam)
		rfx_adam_destroy(adam);
	trn_state_free(st);
	free(fingerprint);
}

TrnStop trn_run_train(const char *const outs[3], const char *ckpt, const char *fingerprint,
		      const TrnTrainConfig *cfg, const TrnTask *task, RfxModel *model, RfxAdam *adam,
		      TrnState *st, TrnHooks *hooks, TrnError *err)
{
	if (trn_outputs_check(outs, 3, err) != 0)
		return TRN_STOP_ERROR;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL); /* kill, timeout, a job scheduler: keep the work too */
	hooks->interrupt = &interrupted;
	TrnStop stop = trn_train(cfg, task, model, adam, st, hooks, err);
	if (stop != TRN_STOP_ERROR &&
	    trn_checkpoint_save(ckpt, model, adam, st, fingerprint, err) != 0)
		return TRN_STOP_ERROR;
	return stop;
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
