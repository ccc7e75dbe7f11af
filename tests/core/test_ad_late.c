/* SPDX-License-Identifier: MIT */
/* test_ad_late.c - adaptive on a device whose interrupts come late: the multi-buffer engine's turnaround. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/controller/controller.h"

/*
 * The plant, after the multi-buffer engine on this VM (AES-128-CBC, 16 KiB, depth 32; docs/mb.md):
 * after each interrupt the tenant takes tau (its wake-up, the refill, the lanes filling up) before its
 * requests run again, so interrupts come at i(c) = 1 / (1/c + tau), 0.4 to 0.6 x the cap c where the
 * queue drains at each (the reference engine: 0.75 to 1 x). Speed is min(the engine's, i x depth x
 * size), and above 30 kHz the interrupts' cost lowers it slowly (0.3 of it uncapped, as measured).
 * The best cap lies 2 to 4 x above margin x ops / depth, where the searches start and stop on the
 * reference engine. Ticks: +-noise uniform, the machine (1 - phase) x slower every other 15 ticks,
 * and a tick at a tenth of the speed one in 33 (the tenant thread missed it).
 */
struct late {
	double vmax, tau, noise, phase;
	uint64_t rng;
};

static double late_rand(struct late *p) /* uniform in [0, 1) */
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return (double)(p->rng >> 11) / (double)(1ull << 53);
}

static double late_speed(const struct late *p, uint32_t cap, double *irq)
{
	double c = cap ? cap : 1e7, i = 1.0 / (1.0 / c + p->tau), x = log(c / 30000.0);
	double v = fmin(p->vmax * (x > 0 ? fmax(0.3, 1 - 0.05 * x * x) : 1.0), i * 32 * 16384 / 1e6);

	*irq = fmin(i, v * 1e6 / 16384);
	return v;
}

static double late_best(const struct late *p)
{
	double best = 0, irq;

	for (double c = 100; c < 1e7; c *= 1.01)
		best = fmax(best, late_speed(p, (uint32_t)c, &irq));
	return best;
}

/* Adaptive from uncapped for 200 ticks on 40 seeded plants: the mean over ticks 100..199 and the lowest. */
static double run(double noise, double phase, double *low)
{
	double sum = 0;

	*low = 1;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct late p = { .vmax = 4500 + 100.0 * (double)(seed % 7), .tau = 50e-6 + 5e-6 * (double)(seed % 9),
				  .noise = noise, .phase = phase, .rng = seed * 7919 + 1 };
		struct vfc_controller_cfg cfg;
		struct vfc_controller c;
		double best = late_best(&p), acc = 0;
		uint32_t cap;

		assert_int_equal(vfc_controller_parse("adaptive", &cfg, NULL, 0), 0);
		assert_int_equal(vfc_controller_init(&c, &cfg, 0), 0);
		cap = vfc_controller_cap(&c);
		for (int t = 0; t < 200; t++) {
			struct vfc_speed_sample s = { .dt_ns = 100000000ull, .mean_req_bytes = 16384, .depth = 32 };
			double irq, v = late_speed(&p, cap, &irq);
			double f = (1 + p.noise * (2 * late_rand(&p) - 1)) * ((t / 15) % 2 ? 1 - p.phase : 1);

			if (t >= 100)
				acc += v / best / 100;
			if (late_rand(&p) < 0.03)
				f *= 0.1;
			s.t_ns = (uint64_t)(t + 1) * s.dt_ns;
			s.mbps = v * f;
			s.ops_per_s = s.mbps * 1e6 / 16384;
			s.irq_hz = irq * f;
			s.cap_hz = cap;
			s.cpu_frac = 1;
			cap = vfc_controller_step(&c, &s);
		}
		sum += acc / 40;
		*low = fmin(*low, acc);
	}
	return sum;
}

/* Steady plants (+-3%, no phases; a stalled tick one in 33): the cliff guard never tripped there (the
 * queue drains at every interrupt, but the interrupts come at half the cap, so ops / depth stays far
 * below it), so a search that ended on the knee's lower shoulder, or a restart from a stalled tick,
 * stayed there: mean 0.979, lowest 0.609 before. A level whose interrupts come late (under 0.7 x the
 * cap, and under margin x ops / depth) now lies below the floor: 0.976, 0.872 (this plant's best
 * cap drains the queue at every interrupt, so the late test also keeps the search off a level next
 * to it; with the guard's 1.1 slack in the test, 0.989 and 0.941 here, but on the device the late
 * levels' interrupts hand back 0.90 to 0.95 of the queue, which the slack misses). */
static void test_late_steady(void **state)
{
	double low, mean = run(0.03, 0, &low);

	(void)state;
	printf("# late interrupts, steady: mean %.3f of the best over ticks 100..199, lowest %.3f\n", mean, low);
	if (mean < 0.97 || low < 0.85)
		fail_msg("mean %.3f, lowest %.3f (want >= 0.97, >= 0.85)", mean, low);
}

/* The VM as measured with the multi-buffer engine: +-25% per tick, 30% slower phases, stalled ticks.
 * Before: mean 0.921, lowest 0.634 (a restart from a slow or stalled tick landed low, and nothing
 * brought it back up); now 0.976, 0.884. */
static void test_late_noisy(void **state)
{
	double low, mean = run(0.25, 0.3, &low);

	(void)state;
	printf("# late interrupts, noisy: mean %.3f of the best over ticks 100..199, lowest %.3f\n", mean, low);
	if (mean < 0.96)
		fail_msg("mean %.3f (want >= 0.96)", mean);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_steady),
		cmocka_unit_test(test_late_noisy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
