/* SPDX-License-Identifier: MIT */
/* test_ad_cold.c - adaptive's cold start at depth 32: where the cap stands in ticks 10..12 of a fresh controller. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/controller/controller.h"
#include "../model/plant.h"

/*
 * The cold league (vfc bench --league --warmup-ticks 10) measures ticks 10..12 of a fresh controller
 * (tick 0 uncapped). DESIGN's plant (tests/model/plant.h) at depth 32, 1/4/16/64 KiB, 30 seeds each:
 * the curve falls steeply below the peak (one ladder level costs 9 to 12%) and gently above it, as on
 * the device at depth 32 (docs/results.md: 5 to 25% a level below, 1 to 3% above). The uncapped
 * first tick understates the rate, so the search starts low, and each of its decisions rests on one
 * sample. Runs controller spec; returns the mean over the runs of their mean true ratio to the best static cap over ticks
 * 10..12, and the lowest run in *low.
 */
static double cold(const char *spec, double noise, double phase, double *low)
{
	static const double kib[4] = { 1, 4, 16, 64 };
	double sum = 0;
	int n = 0;

	*low = 1;
	for (int i = 0; i < 4; i++) {
		for (uint64_t seed = 1; seed <= 30; seed++) {
			struct plant p = plant_workload(kib[i], 32, seed * 7919 + (uint64_t)i);
			struct vfc_controller_cfg cfg;
			struct vfc_controller c;
			double best, acc = 0;
			uint32_t cap;

			p.noise = noise;
			p.phase = phase;
			p.phase_ticks = phase > 0 ? 15 : 0;
			p.tick = (uint32_t)(seed % 30);
			best = plant_best(&p, NULL);
			assert_int_equal(vfc_controller_parse(spec, &cfg, NULL, 0), 0);
			assert_int_equal(vfc_controller_init(&c, &cfg, 0), 0);
			cap = vfc_controller_cap(&c);
			for (int t = 0; t < 13; t++) {
				struct vfc_speed_sample s = plant_tick(&p, cap);

				if (t >= 10)
					acc += plant_speed(&p, cap) / best / 3;
				cap = vfc_controller_step(&c, &s);
			}
			sum += acc;
			n++;
			*low = fmin(*low, acc);
		}
	}
	return sum / n;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_d32),
		cmocka_unit_test(test_cold_d32_phases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
