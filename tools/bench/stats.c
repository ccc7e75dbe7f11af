/* SPDX-License-Identifier: MIT */
/* stats.c - `vfc bench`'s statistics: medians, spreads, percentiles, the league's oracles and intervals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, unsigned n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_spread_pct(double *v, unsigned n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(double), cmp_double);
	return v[n / 2] > 0 ? 100.0 * (v[n - 1] - v[0]) / v[n / 2] : 0;
}

void bench_lat_percentiles(uint64_t *lat, uint64_t n, double *p50_us, double *p99_us)
{
	*p50_us = *p99_us = 0;
	if (!n)
		return; /* lat may then be NULL, which qsort does not take */
	qsort(lat, n, sizeof(uint64_t), cmp_u64);
	*p50_us = (double)lat[n / 2] / 1e3;
	*p99_us = (double)lat[n * 99 / 100] / 1e3;
}

double bench_t95(double nu)
{
	const double z = 1.6448536, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;

	return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu) +
	       (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu);
}

double bench_ratio_ci(const double *a, const double *o, unsigned m)
{
	double sa = 0, so = 0, r, ss = 0;

	if (m < 3)
		return -1;
	for (unsigned j = 0; j < m; j++) {
		sa += a[j];
		so += o[j];
	}
	if (!(so > 0))
		return -1;
	r = sa / so;
	for (unsigned j = 0; j < m; j++)
		ss += (a[j] - r * o[j]) * (a[j] - r * o[j]);
	return bench_t95(m - 1) * sqrt(ss / (m - 1)) / (so / m * sqrt((double)m));
}

double bench_oracle_cv(const double *slot_mbps, const unsigned *slots, unsigned R, unsigned n_static)
{
	double est = 0;

	/* par 0 chooses on the even rounds and measures on the odd ones; par 1 the other way round */
	for (unsigned par = 0; par < 2; par++) {
		double best = -1, held = 0;

		for (unsigned k = 0; k < n_static; k++) {
			double sum[2] = { 0, 0 };
			unsigned cnt[2] = { 0, 0 };

			for (unsigned j = 0; j < slots[k]; j++) {
				sum[j % 2 != par] += slot_mbps[k * R + j];
				cnt[j % 2 != par]++;
			}
			if (cnt[0] && cnt[1] && sum[0] / cnt[0] > best) {
				best = sum[0] / cnt[0];
				held = sum[1] / cnt[1];
			}
		}
		if (best < 0)
			return 0;
		est += held / 2;
	}
	return est;
}

/* The median speed of ticks [from, to); 0 if none (or out of memory). */
static double tick_median(const struct vfc_tick *t, unsigned from, unsigned to)
{
	unsigned n = to > from ? to - from : 0;
	double *v = n ? malloc(n * sizeof(double)) : NULL, m;

	if (!v)
		return 0;
	for (unsigned k = 0; k < n; k++)
		v[k] = t[from + k].mbps;
	m = bench_median(v, n);
	free(v);
	return m;
}

void bench_step_conv(const struct vfc_tick *t, unsigned n, struct bench_step_conv *c)
{
	memset(c, 0, sizeof(*c));
	if (n < 10)
		return;
	c->settled = tick_median(t, n / 2, n);
	c->early = c->settled > 0 ? tick_median(t, 4, 9) / c->settled : 0;
	for (unsigned k = 0, same = 1; k + 1 < n && !c->fixed_from; k++) {
		same = t[k + 1].cap_hz == t[k].cap_hz ? same + 1 : 1;
		if (same == 5) {
			/* ticks k - 3 .. k + 1 (0-based) alike: from tick k - 2 (1-based) on */
			c->fixed_from = k + 1 - 3;
			c->cap_fixed = t[k].cap_hz;
		}
	}
}

double bench_jain(const double *x, unsigned n)
{
	double s = 0, s2 = 0;

	for (unsigned k = 0; k < n; k++) {
		s += x[k];
		s2 += x[k] * x[k];
	}
	return n && s2 > 0 ? s * s / ((double)n * s2) : 0;
}

double bench_irq_per_gb(uint64_t irqs, uint64_t bytes)
{
	return bytes ? (double)irqs / ((double)bytes / 1e9) : 0;
}

void bench_cs_init(struct bench_cs *cs, unsigned n, const uint32_t *cands, unsigned n_cands, uint32_t start,
		   double start_val, unsigned max_passes)
{
	memset(cs, 0, sizeof(*cs));
	cs->n = n < BENCH_CS_MAX_TENANTS ? n : BENCH_CS_MAX_TENANTS;
	cs->n_cands = n_cands < BENCH_CS_MAX_CANDS ? n_cands : BENCH_CS_MAX_CANDS;
	memcpy(cs->cands, cands, cs->n_cands * sizeof(uint32_t));
	for (unsigned k = 0; k < cs->n; k++)
		cs->cur[k] = start;
	cs->cur_val = start_val;
	cs->max_passes = max_passes;
	cs->best_val = -1;
	cs->done = cs->n == 0 || cs->n_cands == 0 || max_passes == 0;
}

/* The tenant's candidates are over: keep its best trial if it beat the current speed, go on to the
 * next tenant, and at the end of a pass stop unless it changed something (and passes are left). */
static void cs_next_tenant(struct bench_cs *cs)
{
	if (cs->best_val > cs->cur_val) {
		cs->cur[cs->tenant] = cs->best_cap;
		cs->cur_val = cs->best_val;
		cs->changed = 1;
	}
	cs->best_val = -1;
	cs->cand = 0;
	if (++cs->tenant < cs->n)
		return;
	cs->tenant = 0;
	cs->pass++;
	if (!cs->changed || cs->pass >= cs->max_passes)
		cs->done = 1;
	cs->changed = 0;
}

int bench_cs_next(struct bench_cs *cs, uint32_t *caps)
{
	while (!cs->done) {
		/* skip the tenant's current cap: its speed is cur_val already */
		while (cs->cand < cs->n_cands && cs->cands[cs->cand] == cs->cur[cs->tenant])
			cs->cand++;
		if (cs->cand < cs->n_cands) {
			memcpy(caps, cs->cur, cs->n * sizeof(uint32_t));
			caps[cs->tenant] = cs->cands[cs->cand];
			return 1;
		}
		cs_next_tenant(cs);
	}
	return 0;
}

void bench_cs_result(struct bench_cs *cs, double val)
{
	if (cs->done || cs->cand >= cs->n_cands)
		return;
	if (val > cs->best_val) {
		cs->best_val = val;
		cs->best_cap = cs->cands[cs->cand];
	}
	cs->cand++;
	cs->evals++;
}
