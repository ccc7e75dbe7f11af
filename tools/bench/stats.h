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

#endif
