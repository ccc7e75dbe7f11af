/* SPDX-License-Identifier: MIT */
/* test_coord_idle.c - the coordinator where the engines idle: the escape's leap under a controller stepped on the members' total, the busy step's rise read relative to the busy fraction. */
#include "coord_rig.h"

/*
 * The escape's leap under a controller (pf:dim): from 1 kHz on the rise plant (coord_rig.h) the cap
 * binds with the engines idle; the escape restarts the controller at 1 / their busy fraction x the
 * cap, dim's level nearest it (2 kHz -> 16 kHz, the engines 18% busy), not 2 x (fails before: 2 kHz
 * -> 4 kHz).
 */
static void test_coord_idle_leap(void **state)
{
	uint32_t before = 0;
	struct rig g;
	int k;

	(void)state;
	rig_start(&g, "dim", 1000);
	for (k = 0; k < 10 && !g.c.escapes; k++) {
		before = g.cap;
		rig_tick(&g, rise);
	}
	printf("leap: escape on tick %d, cap %u -> %u Hz, the engines %.3f busy\n", k, before, g.cap, g.c.busy_frac);
	assert_int_equal(g.c.escapes, 1);
	assert_true(g.cap >= 3 * before);
}

/*
 * The crest plant: the simulator's suite seed 707364019, last window (8 VFs of AES-128-CBC decrypt,
 * 4 KiB at depth 2, and 11 of encrypt at depth 8 on 2 engines; docs/controllers.md, "The busy
 * step's rise"), its total against the common cap as the per-VF speed. Up to CREST_HZ each interrupt
 * hands back both requests (ops = 2 x cap, the cap binds); above it the total falls by 0.19 and climbs
 * back past the crest, to 1.14 x it uncapped. The tenants' CPU sets the pace: the engines read a third
 * busy at the crest, in proportion to the total (busy 0.34 there, 0.36 at twice its cap). Every tick
 * +-1%.
 */
#define CREST_DEPTH 2
#define CREST_HZ 3500.0
static const double crest_hz[] = { 3500, 4000, 5000, 6000, 7000, 8500, 10000, 15000, 20000 };
static const double crest_mbps[] = { 1491, 1214, 1423, 1475, 1589, 1676, 1517, 1493, 1702 };
#define CREST_N (sizeof(crest_hz) / sizeof(crest_hz[0]))
#define CREST_OPS (2 * CREST_HZ)
#define CREST_BEST (CREST_OPS * 1702 / 1491)

static struct point crest(uint32_t cap)
{
	double c = cap ? cap : 1e9;
	struct point q = { 2 * c, c, 0, CREST_DEPTH, true, 0.02 };

	if (c > CREST_HZ) {
		q.ops = CREST_OPS * in_log(crest_hz, crest_mbps, CREST_N, cap) / crest_mbps[0];
		q.irqs = fmin(c, q.ops);
	}
	q.busy = 0.34 * q.ops / CREST_OPS;
	return q;
}

/*
 * From the crest's cap, whose scans' points up (x 1.25) fall into the dip past it: the busy step's
 * first point, twice the cap, reads 6% more with the engines 0.02 busier, 6% of their busy fraction.
 * Read as a rise of 0.03 of the whole, that was no rise and the step ended there (fails before: 0.876
 * of the best, the crest's cap held); read relative to the busy fraction (VFC_COORD_BUSY_RISE /
 * VFC_COORD_BUSY_IDLE, 3.5%), it rises and the busy step leaves the crest: >= 0.94 of the best over
 * ticks 60..119, the cap at 2 x the crest's or above.
 */
static void test_coord_idle_crest(void **state)
{
	uint32_t cap;
	double m;

	(void)state;
	m = run(crest, CREST_BEST, "busy", (uint32_t)CREST_HZ, &cap);
	printf("crest, busy: %.3f of the best, cap %u Hz held\n", m, cap);
	assert_true(m >= 0.94);
	assert_true(cap >= 2 * CREST_HZ * 0.99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coord_idle_leap),
		cmocka_unit_test(test_coord_idle_crest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
