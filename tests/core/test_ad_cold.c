/* SPDX-License-Identifier: MIT */
/* test_ad_cold.c - adaptive's cold start: where the cap stands in ticks 10..12 of a fresh controller (depth 32; stalled first ticks). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/controller/controller.h"
#include "../model/plant.h"

/* A cold start's conditions: the plant's depth, noise and slow phases (tests/model/plant.h), and
 * stalls: the first tick, and each of ticks 1..4 with probability stall, measured at 0.075 to 0.225
 * of the plant's speed (its requests and interrupts alike), as a VF's first ticks on a loaded VM do
 * (the tenant thread barely ran; 0: none). */
struct cold_cond {
	uint32_t depth;
	double noise, phase, stall;
};

/* cond's stalls (plant_cold_run's dent): the first tick, and each of ticks 1..4 with probability stall. */
static double stall_dent(struct plant *p, int t, const void *ctx)
{
	const struct cold_cond *cond = ctx;

	if (cond->stall > 0 && (t == 0 || (t < 5 && plant_rand(p) > 1 - 2 * cond->stall)))
		return 0.15 * (1 + 0.5 * plant_rand(p));
	return 1;
}

/* Ticks 10..12 of one fresh controller (spec) on workload kib (the i-th) under cond, run seed: their
 * mean true speed over the best static cap's. */
static double cold_run(const char *spec, const struct cold_cond *cond, double kib, int i, uint64_t seed)
{
	struct plant p = plant_workload(kib, cond->depth, seed * 7919 + (uint64_t)i);
	double r;

	p.noise = cond->noise;
	p.phase = cond->phase;
	p.phase_ticks = cond->phase > 0 ? 15 : 0;
	p.tick = (uint32_t)(seed % 30);
	r = plant_cold_run(&p, spec, stall_dent, cond);
	assert_true(r >= 0);
	return r;
}

/*
 * The cold league (vfc bench --league --warmup-ticks 10) measures ticks 10..12 of a fresh controller
 * (tick 0 uncapped). DESIGN's plant (tests/model/plant.h) at depth 32, 1/4/16/64 KiB, 30 seeds each:
 * the curve falls steeply below the peak (one ladder level costs 9 to 12%) and gently above it, as on
 * the device at depth 32 (docs/results.md: 5 to 25% a level below, 1 to 3% above). The uncapped
 * first tick understates the rate, so the search starts low, and each of its decisions rests on one
 * sample. Runs controller spec on n_kib sizes; returns the mean over the runs of their mean true
 * ratio to the best static cap over ticks 10..12, and the lowest run in *low.
 */
static double cold_on(const char *spec, const struct cold_cond *cond, const double *kib, int n_kib, double *low)
{
	double sum = 0;
	int n = 0;

	*low = 1;
	for (int i = 0; i < n_kib; i++) {
		for (uint64_t seed = 1; seed <= 30; seed++) {
			double r = cold_run(spec, cond, kib[i], i, seed);

			sum += r;
			n++;
			*low = fmin(*low, r);
		}
	}
	return sum / n;
}

static double cold(const char *spec, double noise, double phase, double *low)
{
	static const double kib[4] = { 1, 4, 16, 64 };
	const struct cold_cond cond = { .depth = 32, .noise = noise, .phase = phase };

	return cold_on(spec, &cond, kib, 4, low);
}

/* +-6% per tick. Before (recheck=0: the bisection ended at the best level as soon as a midpoint was
 * good, the check up skipped a level measured once, a once-measured candidate stayed): mean 0.991,
 * lowest 0.879 (1 KiB two levels below the peak, 4 KiB one below); now 0.995, 0.949. */
static void test_cold_d32(void **state)
{
	double low0, mean0 = cold("adaptive:recheck=0", 0.06, 0, &low0);
	double low, mean = cold("adaptive", 0.06, 0, &low);

	(void)state;
	printf("# cold, depth 32, +-6%%: ticks 10..12 at %.3f of the best, lowest %.3f (recheck=0: %.3f, %.3f)\n",
	       mean, low, mean0, low0);
	if (mean < 0.99 || low < 0.93)
		fail_msg("mean %.3f, lowest %.3f (want >= 0.99, >= 0.93)", mean, low);
	assert_true(low0 < 0.93); /* the plant tells the two apart */
}

/* +-10% per tick and the machine 15% slower every other 15 ticks: before (recheck=0) 0.975, lowest 0.560 (64 KiB
 * settled at 596 Hz, the peak at 2 kHz: the start's one sample in a slow phase lost to the level
 * below it, and the check up skipped it); now 0.984, 0.825. */
static void test_cold_d32_phases(void **state)
{
	double low, mean = cold("adaptive", 0.10, 0.15, &low);

	(void)state;
	printf("# cold, depth 32, +-10%%, 15%% phases: ticks 10..12 at %.3f of the best, lowest %.3f\n", mean, low);
	if (mean < 0.98 || low < 0.75)
		fail_msg("mean %.3f, lowest %.3f (want >= 0.98, >= 0.75)", mean, low);
}

/*
 * guess=1 (issue 13's first guess from the model): stalled first ticks, the small requests of the
 * cold league's low cells (1 and 4 KiB at depth 4, 1 KiB at depth 32), +-10%. A start taken from a
 * stalled uncapped tick lies decades below the peak (the device's timelines at load 5: 8 to 51 kHz
 * at 1 KiB depth 4, where the best cap is 50 to 200 kHz), and one more stalled sample on the way
 * up can settle the search there. guess=1 starts no lower than the model's cap for the size and
 * depth (256 kHz at 1 KiB depth 4). At depth 4, guess=0 (the default): 0.879, lowest 0.500; guess=1:
 * 0.954, 0.521; 1 KiB depth 32: 0.912 and 0.928 (the lowest runs are stalls that the plant turns into
 * late interrupts, which hold the search at 0.5 of the best).
 */
static void test_cold_stalls_guess(void **state)
{
	static const double kib[2] = { 1, 4 };
	const struct cold_cond d4 = { .depth = 4, .noise = 0.10, .stall = 0.2 };
	const struct cold_cond d32 = { .depth = 32, .noise = 0.10, .stall = 0.2 };
	double low0, low, low32, low32g;
	double mean0 = cold_on("adaptive:guess=0", &d4, kib, 2, &low0), mean = cold_on("adaptive:guess=1", &d4, kib, 2, &low);
	double mean32 = cold_on("adaptive:guess=0", &d32, kib, 1, &low32);
	double mean32g = cold_on("adaptive:guess=1", &d32, kib, 1, &low32g);

	(void)state;
	printf("# cold, stalled first ticks, 1 and 4 KiB d4: guess=0 %.3f (lowest %.3f), guess=1 %.3f (%.3f);"
	       " 1 KiB d32: %.3f (%.3f), %.3f (%.3f)\n",
	       mean0, low0, mean, low, mean32, low32, mean32g, low32g);
	if (mean < 0.94 || mean32g < 0.92)
		fail_msg("guess=1: d4 %.3f, d32 %.3f (want >= 0.94, >= 0.92)", mean, mean32g);
	assert_true(mean0 < 0.90 && mean32 < 0.92); /* the plant tells the two apart */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_d32),
		cmocka_unit_test(test_cold_d32_phases),
		cmocka_unit_test(test_cold_stalls_guess),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
