#include "memory.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FRAME_S 0.001
#define N_TAU 11
#define MAX_REG (3 + N_TAU)
/* Time constants of the smoothed levels, seconds: 4 ms to 4 s, a factor of 2 apart. */
static const double TAU[N_TAU] = { 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024,
				   2.048, 4.096 };

static double db(double power)
{
	return 10.0 * log10(power + 1e-12);
}

/* The least-squares fit of g from the first k regressors, from the normal equations G c = b
 * (G = X'X, b = X'g over all rows, accumulated once; levels in dB keep them well conditioned):
 * its residual variance, (g'g - c'b) / rows. */
static double residual(const double G[MAX_REG][MAX_REG], const double *b, double gg, int rows, int k)
{
	double A[MAX_REG][MAX_REG + 1];
	for (int i = 0; i < k; i++) {
		for (int j = 0; j < k; j++)
			A[i][j] = G[i][j];
		A[i][i] += 1e-9 * (G[i][i] + 1.0); /* collinear smoothed levels stay solvable */
		A[i][k] = b[i];
	}
	for (int c = 0; c < k; c++) { /* Gauss-Jordan with partial pivoting */
		int p = c;
		for (int r = c + 1; r < k; r++)
			if (fabs(A[r][c]) > fabs(A[p][c]))
				p = r;
		for (int j = 0; j <= k; j++) {
			double t = A[c][j];
			A[c][j] = A[p][j];
			A[p][j] = t;
		}
		if (fabs(A[c][c]) < 1e-300)
			return INFINITY;
		for (int r = 0; r < k; r++) {
			if (r == c)
				continue;
			const double f = A[r][c] / A[c][c];
			for (int j = c; j <= k; j++)
				A[r][j] -= f * A[c][j];
		}
	}
	double cb = 0;
	for (int i = 0; i < k; i++)
		cb += A[i][k] / A[i][i] * b[i];
	return fmax(gg - cb, 0.0) / rows;
}

void trn_memory_estimate(const float *x, const float *y, size_t n, double rate, TrnMemory *m)
{
	memset(m, 0, sizeof *m);
	const size_t L = (size_t)llround(FRAME_S * rate), F = L ? n / L : 0;
	if (F < 100)
		return;
	double G[MAX_REG][MAX_REG] = {{0}}, b[MAX_REG] = {0}, gg = 0, sum = 0;
	double s[N_TAU], a[N_TAU];
	for (int t = 0; t < N_TAU; t++)
		a[t] = 1.0 - exp(-FRAME_S / TAU[t]);
	int rows = 0;
	for (size_t f = 0; f < F; f++) {
		double px = 0, py = 0;
		for (size_t i = f * L; i < (f + 1) * L; i++) {
			px += (double)x[i] * x[i];
			py += (double)y[i] * y[i];
		}
		const double lx = db(px / (double)L), ly = db(py / (double)L);
		/* Every frame, sounding or not (the past is the past): a level follower as a
		 * compressor's or an envelope follower's detector is, rising at once and falling with
		 * time constant TAU[t]. */
		for (int t = 0; t < N_TAU; t++)
			s[t] = !f || lx > s[t] ? lx : s[t] + a[t] * (lx - s[t]);
		if (lx < -50 || ly < -70) /* silence says nothing of the gain */
			continue;
		double row[MAX_REG];
		row[0] = 1;
		row[1] = lx / 20;
		row[2] = row[1] * row[1];
		for (int t = 0; t < N_TAU; t++)
			row[3 + t] = s[t] / 20;
		const double gain = ly - lx;
		for (int i = 0; i < MAX_REG; i++) {
			for (int j = 0; j < MAX_REG; j++)
				G[i][j] += row[i] * row[j];
			b[i] += row[i] * gain;
		}
		gg += gain * gain;
		sum += gain;
		rows++;
	}
	m->frames = rows;
	if (rows < 100)
		return;
	const double var = gg / rows - (sum / rows) * (sum / rows);
	double R[N_TAU + 1];
	for (int k = 0; k <= N_TAU; k++)
		R[k] = residual(G, b, gg, rows, 3 + k);
	if (!(var > 0))
		return;
	m->explained_static = 1 - R[0] / var;
	m->explained_all = 1 - R[N_TAU] / var;
	const double fall = R[0] - R[N_TAU];
	if (!(fall > 0.3 * R[0] && fall > 0.05 * var))
		return;
	for (int k = 1; k <= N_TAU; k++)
		if (R[0] - R[k] >= 0.8 * fall) {
			m->memory_s = TAU[k - 1];
			return;
		}
}

void trn_chrono_init(RfxModel *m, double t_max, uint64_t seed)
{
	const int H = m->spec.hidden, cell = m->spec.cell;
	if (cell == RFX_CELL_RNN || !(t_max > 2))
		return;
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
	for (int l = 0; l < m->spec.n_layers; l++) {
		char ni[24], nh[24];
		snprintf(ni, sizeof ni, "bias_ih_l%d", l);
		snprintf(nh, sizeof nh, "bias_hh_l%d", l);
		float *bi = rfx_model_tensor(m, ni)->data, *bh = rfx_model_tensor(m, nh)->data;
		for (int j = 0; j < H; j++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			const double u = 1 + (t_max - 2) * (double)(s >> 11) / 9007199254740992.0;
			const float b = (float)log(u);
			/* PyTorch's gate order: LSTM i, f, g, o; GRU r, z, n. */
			bi[H + j] = b;
			bh[H + j] = 0;
			if (cell == RFX_CELL_LSTM) {
				bi[j] = -b;
				bh[j] = 0;
			}
		}
	}
}
