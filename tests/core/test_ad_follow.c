/* SPDX-License-Identifier: MIT */
/* test_ad_follow.c - adaptive after a restart on the same workload: the duels are fought again. */
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
 * The plant, after the multi-buffer engine with a queue of two batches (SHA-256, 16 KiB, depth 32:
 * the 16 lanes complete half the queue at a time; docs/results.md, session 9): uncapped, an
 * interrupt per batch (2 x ops / depth); a cap near that rate holds every other batch's interrupt
 * and the speed falls, slowly, all the way down from the top: the top is 1.19 x a cap of 10 kHz,
 * each ladder level under 1% (less than the band: only a duel with the top sees it). Interrupts
 * come at 0.45 x the cap below 2 x ops / depth (late where they hand back most of the queue).
 * At tick 150 the machine gets twice as fast (a neighbour left): the VF's rate per queue doubles,
 * the search restarts on the same workload (ad_follow_rate).
 */
#define D 32
#define SZ 16384.0

static uint64_t rng = 88172645463325252ull;

static double speed(double vmax, uint32_t cap, double *irq)
{
	double c = cap ? cap : 1e7, lo = 4000, top = 1e6;
	double x = fmin(1, fmax(0, log(c / lo) / log(top / lo)));
	double v = vmax * (0.8 + 0.2 * x), ops_d = v * 1e6 / SZ / D;

	*irq = fmin(0.45 * c, 2 * ops_d);
	return v;
}

/* The mean of the speed over the best (the top's), ticks from..399. */
static double run(const char *spec, uint32_t from)
{
	struct vfc_controller_cfg cfg;
	struct vfc_controller c;
	double acc = 0, irq;
	uint32_t cap;

	assert_int_equal(vfc_controller_parse(spec, &cfg, NULL, 0), 0);
	assert_int_equal(vfc_controller_init(&c, &cfg, 0), 0);
	cap = vfc_controller_cap(&c);
	for (uint32_t t = 0; t < 400; t++) {
		struct vfc_speed_sample s = { .dt_ns = 100000000ull, .mean_req_bytes = SZ, .depth = D };
		double vmax = t < 150 ? 1800 : 3600, v = speed(vmax, cap, &irq);
		double f = 1 + 0.03 * (2 * plant_urand(&rng) - 1);

		if (t >= from)
			acc += v / vmax / (400 - from);
		s.t_ns = (uint64_t)(t + 1) * s.dt_ns;
		s.mbps = v * f;
		s.ops_per_s = s.mbps * 1e6 / SZ;
		s.irq_hz = irq * f;
		s.cap_hz = cap;
		s.cpu_frac = 1;
		cap = vfc_controller_step(&c, &s);
	}
	return acc;
}

/* refight=0 (session 8): the first search's duel found the top best (duels over); the restart at
 * tick 150 searched from 2 x the new floor, settled there, and no duel looked up again: the rest of
 * the run at the settled level. refight=1, the default: a restart that follows the rate fights the
 * duels again. Both on the same plant and noise. */
static void test_follow_duels_again(void **state)
{
	double before, late, won;

	(void)state;
	rng = 88172645463325252ull;
	before = run("adaptive:refight=0", 300);
	rng = 88172645463325252ull;
	late = run("adaptive:refight=1", 300);
	rng = 88172645463325252ull;
	won = run("adaptive", 300); /* refight=2, the default: only after a duel won (the top had won here) */
	printf("# after a rate move, of the top over ticks 300..399: refight=0 %.3f, refight=1 %.3f, refight=2 %.3f\n",
	       before, late, won);
	if (late < 0.97 || won < 0.97)
		fail_msg("%.3f, refight=2 %.3f of the top over ticks 300..399 (want >= 0.97)", late, won);
	if (before >= 0.95)
		fail_msg("refight=0 reached %.3f: the plant no longer shows the settled restart", before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follow_duels_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
