/* SPDX-License-Identifier: MIT */
/* stats.h - `vfc bench`'s statistics, pure (no globals, no I/O): medians, spreads, oracles, intervals. */
#ifndef VFC_TOOLS_BENCH_STATS_H
#define VFC_TOOLS_BENCH_STATS_H

#include <stdint.h>

#include "vfcrypt/vfc.h"

/* The median of v[0 .. n) (sorted in place): the middle value, or the mean of
 * the two middle ones for an even n; 0 if n == 0. */
double bench_median(double *v, unsigned n);

/* The spread of v[0 .. n) (sorted in place), in percent: 100 (max - min) / v[n / 2]
 * (the upper median); 0 if n == 0 or v[n / 2] <= 0. */
double bench_spread_pct(double *v, unsigned n);

/* The median (lat[n / 2]) and 99th percentile (lat[n * 99 / 100]) of n latency
 * samples in ns (sorted in place), in us; both 0 if n == 0. */
void bench_lat_percentiles(uint64_t *lat, uint64_t n, double *p50_us, double *p99_us);

/* Student's t quantile for probability 0.95 (a two-sided 90% interval) with nu
 * degrees of freedom (nu >= 1), by its Cornish-Fisher expansion about the
 * normal quantile: 1.21% below the exact value at nu = 2, 0.27% at 3, within
 * 0.01% from nu = 9 on. */
double bench_t95(double nu);

/* The half-width of the 90% interval of the ratio of point a's speed to the
 * oracle point o's over m paired rounds (a[j] and o[j] ran in the same round,
 * so they met the same phase of the machine): t95(m - 1) x sd(a[j] - r o[j]) /
 * (mean(o) sqrt(m)) with r = mean(a) / mean(o) (the delta method). -1 if
 * m < 3 or mean(o) is not positive. */
double bench_ratio_ci(const double *a, const double *o, unsigned m);

/* The oracle's speed without the winner's curse. The best of a dozen noisy
 * means is biased up: among caps of nearly equal speed the luckiest wins, and
 * a controller that finds the best cap exactly would score below 1. So the
 * static point with the best mean over the even rounds is measured on the odd
 * rounds, and the other way round, and the two held-out speeds averaged
 * (two-fold cross-validation). slot_mbps[k * R + j] is static point k's speed
 * in its round j, slots[k] how many rounds it ran (a point that dropped out
 * ran fewer; one with fewer than two rounds cannot be chosen). 0 if no point
 * can be chosen on either half (fewer than two rounds, or n_static == 0). */
double bench_oracle_cv(const double *slot_mbps, const unsigned *slots, unsigned R, unsigned n_static);

/* A --steps step's convergence, from its ticks (tick 1 is the first to end
 * after the change): fixed_from, the first tick from which the cap stays the
 * same for 5 ticks (the search is over: a controller that explores later, as
 * adaptive's duels do, changes it again on purpose; 0: never), and that cap;
 * settled, the median speed of the step's second half; early, the median of
 * ticks 5 to 9 as a ratio to settled. All 0 with fewer than 10 ticks. */
struct bench_step_conv {
	double settled, early;
	unsigned fixed_from;
	uint32_t cap_fixed;
};
void bench_step_conv(const struct vfc_tick *t, unsigned n, struct bench_step_conv *c);

/* Jain's fairness index of x[0 .. n): (sum x)^2 / (n sum x^2), in [1/n, 1] for
 * non-negative x, 1 when all are equal; 0 if n == 0 or every x is 0. */
double bench_jain(const double *x, unsigned n);

/* Interrupts per GB (10^9 bytes) of payload: irqs / (bytes / 1e9); 0 if bytes == 0. */
double bench_irq_per_gb(uint64_t irqs, uint64_t bytes);

/* A coordinate search for per-tenant caps (the multi-tenant league's oracle-pt):
 * from a start assignment (every tenant at the best common cap) and its
 * measured speed, each tenant in turn tries every candidate cap with the others
 * fixed; the best trial replaces the tenant's cap where it beats the current
 * speed. A pass visits every tenant; the search ends after a pass without a
 * change or after max_passes. Pure: the caller measures each assignment
 * bench_cs_next hands out and reports its speed with bench_cs_result. */
#define BENCH_CS_MAX_TENANTS 8
#define BENCH_CS_MAX_CANDS 16
struct bench_cs {
	unsigned n, n_cands, max_passes;
	uint32_t cands[BENCH_CS_MAX_CANDS];
	uint32_t cur[BENCH_CS_MAX_TENANTS]; /* the best assignment so far */
	double cur_val;			    /* its speed */
	unsigned tenant, cand, pass, evals;
	uint32_t best_cap; /* the best trial of the tenant being searched, and its speed */
	double best_val;
	int changed; /* this pass changed a cap */
	int done;
};
/* n tenants (1..BENCH_CS_MAX_TENANTS), n_cands candidates (at most BENCH_CS_MAX_CANDS;
 * more are ignored), every tenant starting at start, whose speed is start_val. */
void bench_cs_init(struct bench_cs *cs, unsigned n, const uint32_t *cands, unsigned n_cands, uint32_t start,
		   double start_val, unsigned max_passes);
/* The next assignment to measure into caps[0 .. n): 1, or 0 when the search is over (cs->cur
 * and cs->cur_val are then the result). */
int bench_cs_next(struct bench_cs *cs, uint32_t *caps);
/* The speed of the assignment bench_cs_next handed out last. */
void bench_cs_result(struct bench_cs *cs, double val);

#endif
