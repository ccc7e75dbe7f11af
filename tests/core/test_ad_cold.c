/* SPDX-License-Identifier: MIT */
/* test_ad_cold.c - adaptive's cold start: where the cap stands in ticks 10..12 of a fresh controller (depth 32; stalled first ticks; the reference engine's shoulder). */
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

/*
 * refight= acts only at a restart that follows the VF's rate after a duel was fought, and a search's
 * first duel comes AD_DUEL_FIRST (12) settled ticks after it settled: never within the cold league's
 * window (ticks 0..12). refight=1 and refight=2 must read the same there, tick for tick (session 10
 * read AES 16 KiB d32 3 to 6% lower under refight=2 in three runs: noise, not refight).
 */
static void test_cold_refight_same(void **state)
{
	static const double kib[4] = { 1, 4, 16, 64 };
	const struct cold_cond conds[2] = {
		{ .depth = 32, .noise = 0.15, .phase = 0.3, .stall = 0.2 },
		{ .depth = 4, .noise = 0.15, .phase = 0.3, .stall = 0.2 },
	};

	(void)state;
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < 4; i++)
			for (uint64_t seed = 1; seed <= 30; seed++) {
				double r2 = cold_run("adaptive", &conds[d], kib[i], i, seed);
				double r1 = cold_run("adaptive:refight=1", &conds[d], kib[i], i, seed);

				if (r1 != r2)
					fail_msg("%g KiB d%u seed %u: refight=1 %.4f, refight=2 %.4f", kib[i],
						 conds[d].depth, (unsigned)seed, r1, r2);
			}
}

/*
 * The reference engine at AES 16 KiB, depth 32, as the device's cold leagues read it (session 11's
 * timelines, pooled over 2,000 ticks): interrupts come at 0.55 to 0.6 x the cap at every cap; a
 * plateau from 3.5 to 20 kHz; below it a shoulder, 2.8 kHz at about 0.93 of the plateau and 2.3 kHz
 * at 0.91, where each interrupt still hands back 0.74 to 0.86 of the queue; then the cliff (2 kHz
 * 0.77, 1.5 kHz 0.57). A first tick uncapped at 0.6 of its speed (the VF warms up), +-15% a tick,
 * the machine 20% slower every other 4 ticks. The start (2 x margin x ops / depth from the first
 * tick) lies on the cliff, and the climb one level a tick compares single samples by the band.
 */
static double shoulder_speed(double cap)
{
	double c = cap > 0 ? cap : 1e7, x = log(c / 10000), up = c > 10000 ? fmax(0.62, 1 - 0.1 * x * x) : 1;
	double v = 670 * up, cliff = 0.262 * c;

	return v * pow(1 + pow(v / cliff, 8), -1.0 / 8);
}

/* Ticks 10..12 of a fresh controller (spec) on the shoulder plant, seed: mean speed over the best. */
static double shoulder_run(const char *spec, uint64_t seed)
{
	struct vfc_controller_cfg cfg;
	struct vfc_controller c;
	uint64_t rng = seed * 2654435761u + 88172645463325252ull;
	double best = 0, acc = 0;
	uint32_t cap;

	for (double x = 1000; x < 1e5; x *= 1.002)
		best = fmax(best, shoulder_speed(x));
	assert_int_equal(vfc_controller_parse(spec, &cfg, NULL, 0), 0);
	assert_int_equal(vfc_controller_init(&c, &cfg, 0), 0);
	cap = vfc_controller_cap(&c);
	for (int t = 0; t < 13; t++) {
		struct vfc_speed_sample s = { .dt_ns = 100000000ull, .mean_req_bytes = 16384, .depth = 32 };
		double v = shoulder_speed(cap);
		double f = (1 + 0.15 * (2 * plant_urand(&rng) - 1)) * ((t + (int)(seed % 8)) / 4 % 2 ? 0.8 : 1.0);

		if (t == 0)
			f *= 0.6;
		if (t >= 10)
			acc += v / best / 3;
		s.t_ns = (uint64_t)(t + 1) * s.dt_ns;
		s.mbps = v * f;
		s.ops_per_s = s.mbps * 1e6 / 16384;
		s.irq_hz = fmin(0.58 * (cap ? cap : 1e7), s.ops_per_s);
		s.cap_hz = cap;
		s.cpu_frac = 1;
		cap = vfc_controller_step(&c, &s);
	}
	return acc;
}

static double shoulder_on(const char *spec, double *low)
{
	double sum = 0;

	*low = 1;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		double r = shoulder_run(spec, seed);

		sum += r;
		*low = fmin(*low, r);
	}
	return sum / 100;
}

/*
 * The default's late test needs each interrupt to hand back more than 1 / margin (0.87) of the queue:
 * the shoulder's levels pass as on time, and the search settles on them or on the cliff (mean 0.876,
 * lowest 0.568). lateq=0.67 counts them late: the floor lies above them, and a late start escapes up
 * (0.987, 0.922; lateq=0.6 0.996, 0.991). Not the default: on the multi-buffer engine's plant
 * (test_ad_late) the levels above the best cap hand back 0.7 to 0.9 of the queue at 0.3 to 0.5 x the
 * cap, and lateq=0.67 reads 0.886 there against 0.979 (docs/controllers.md).
 */
static void test_cold_shoulder(void **state)
{
	double low0, low1, m0 = shoulder_on("adaptive", &low0), m1 = shoulder_on("adaptive:lateq=0.67", &low1);

	(void)state;
	printf("# cold, the reference engine's shoulder (16 KiB d32): default %.3f (lowest %.3f), lateq=0.67 %.3f "
	       "(%.3f)\n", m0, low0, m1, low1);
	if (m1 < 0.97 || low1 < 0.85)
		fail_msg("lateq=0.67: %.3f, lowest %.3f (want >= 0.97, >= 0.85)", m1, low1);
	assert_true(m0 < 0.9); /* the plant tells the two apart */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_d32),
		cmocka_unit_test(test_cold_d32_phases),
		cmocka_unit_test(test_cold_stalls_guess),
		cmocka_unit_test(test_cold_refight_same),
		cmocka_unit_test(test_cold_shoulder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
