/* SPDX-License-Identifier: MIT */
/* test_shared_plant.c - controllers of VFs that share one engine (tests/core/shared_plant.h): the cap must follow the share. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/controller/controller.h"
#include "shared_plant.h"

#define TICKS 200

struct outcome {
	double ratio;    /* mean total over ticks 100..199 / the best common cap's total */
	double cap_max;  /* the highest cap at the end / the best common cap */
};

/* n VFs with spec, VF i arriving at tick i x stagger (before it, no requests: depth 0). */
static struct outcome run(struct shared_plant p, const char *spec, uint32_t stagger)
{
	struct vfc_controller c[SP_MAX_VFS];
	struct vfc_controller_cfg cfg;
	struct vfc_speed_sample s[SP_MAX_VFS];
	uint32_t depth[SP_MAX_VFS], best_cap = 1;
	struct outcome o = { 0 };
	double best = sp_best_common(&p, &best_cap), sum = 0;
	char err[256];

	assert_int_equal(vfc_controller_parse(spec, &cfg, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < p.n; i++) {
		assert_int_equal(vfc_controller_init(&c[i], &cfg, 0), 0);
		p.vf[i].cap = vfc_controller_cap(&c[i]);
		depth[i] = p.vf[i].depth;
		p.vf[i].depth = 0;
	}
	for (uint32_t t = 0; t < TICKS; t++) {
		double tot;

		for (uint32_t i = 0; i < p.n; i++)
			if (i * stagger <= t)
				p.vf[i].depth = depth[i];
		tot = sp_tick(&p, s);
		if (t >= 100)
			sum += tot;
		for (uint32_t i = 0; i < p.n; i++)
			p.vf[i].cap = vfc_controller_step(&c[i], &s[i]);
	}
	o.ratio = sum / (TICKS - 100) / best;
	for (uint32_t i = 0; i < p.n; i++) {
		double r = (p.vf[i].cap ? p.vf[i].cap : 1e7) / (double)best_cap;

		if (r > o.cap_max)
			o.cap_max = r;
	}
	return o;
}

/* The plant itself: the best common cap lies at the kink where the share meets the cliff, and no cap at
 * all (one interrupt per completion) is far below it. */
static void test_plant_shape(void **state)
{
	struct shared_plant p = sp_software(4, 4096, 32, 1);
	uint32_t bc = 1;
	double best = sp_best_common(&p, &bc);

	(void)state;
	assert_true(bc > 1000 && bc < 10000);
	assert_true(sp_total_at(&p, 0) < 0.6 * best);
	assert_true(sp_total_at(&p, bc * 4) < 0.95 * best);
	assert_true(sp_total_at(&p, bc / 3) < 0.5 * best);
	/* above its cliff a VF's own cap moves its speed only as it moves everyone's: its speed is its share */
	for (uint32_t i = 0; i < p.n; i++)
		p.vf[i].cap = bc * 2;
	p.vf[1].cap = bc * 8;
	sp_solve(&p);
	assert_true(fabs(p.vf[1].ops / p.vf[0].ops - 1) < 1e-6);
}

/*
 * Tenants arrive one by one (every 7 ticks). A VF alone settles against the whole engine; as the others
 * come its share, and with it its cliff and the best cap, falls by 2 to 8 times. The cap must follow:
 * over 10 seeds, on the three workloads at depth 32, the fleet runs at >= 0.95 of the best common cap
 * over ticks 100..199 (mean of the seeds) and no VF ends 10 x or more above it. The adaptive of before
 * issue 13 fails both: its floor and its levels kept the share it had alone, and its duels read the
 * neighbours' effect as noise (it ended at up to 2000 x the best cap, 0.922 and 0.894 of it on two of
 * the three). At depth 4 interrupts cost a quarter of the engine at the best cap, and one ladder step
 * above it (x 1.25) costs 8%: printed, not asserted (docs/controllers.md, "Shared engines"). Printed for every
 * controller; asserted for adaptive. The seeds are fixed: the plant is deterministic.
 */
static void test_staggered_tenants(void **state)
{
	static const struct { uint32_t n; double bytes; uint32_t depth; } w[] = {
		{ 4, 4096, 32 }, { 8, 16384, 32 }, { 2, 1024, 32 }, { 8, 4096, 4 },
	};
	static const char *const specs[] = { "dim", "paper", "adaptive" };

	(void)state;
	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		for (size_t j = 0; j < sizeof(w) / sizeof(w[0]); j++) {
			double mean = 0, low = 1e9, capmax = 0;

			for (uint64_t seed = 1; seed <= 10; seed++) {
				struct outcome o = run(sp_software(w[j].n, w[j].bytes, w[j].depth, seed * 7919), specs[k], 7);

				mean += o.ratio / 10;
				low = fmin(low, o.ratio);
				capmax = fmax(capmax, o.cap_max);
			}
			printf("%-9s %u VFs %6.0f B d%-2u: mean %.3f min %.3f, highest cap %.1f x the best\n", specs[k],
			       w[j].n, w[j].bytes, w[j].depth, mean, low, capmax);
			if (strcmp(specs[k], "adaptive"))
				continue;
			if (w[j].depth == 32 && (mean < 0.95 || capmax >= 10))
				fail_msg("adaptive: mean %.3f of the best common cap (want >= 0.95), highest cap %.1f x "
					 "the best (want < 10)", mean, capmax);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plant_shape),
		cmocka_unit_test(test_staggered_tenants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
