#include "train_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

int trn_state_init(TrnState *s, size_t n_params)
{
	memset(s, 0, sizeof *s);
	s->best_val = INFINITY;
	s->best_epoch = -1;
	s->n_params = n_params;
	s->best_params = calloc(n_params, sizeof *s->best_params);
	return s->best_params ? 0 : -1;
}

void trn_state_free(TrnState *s)
{
	free(s->best_params);
	free(s->hist);
	memset(s, 0, sizeof *s);
}

int trn_state_push(TrnState *s, const TrnPoint *p)
{
	TrnPoint *h = trn_grow(s->hist, s->n_hist, &s->cap_hist, sizeof *h, 64);
	if (!h)
		return -1;
	s->hist = h;
	s->hist[s->n_hist++] = *p;
	return 0;
}
