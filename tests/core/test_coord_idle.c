/* SPDX-License-Identifier: MIT */
/* test_coord_idle.c - the coordinator where the engines idle: the escape's leap under a controller stepped on the members' total. */
#include "coord_rig.h"

/*
 * The starved plant: VFs at depth 8 whose every interrupt hands back the whole queue (ops = 8 x the
 * cap, the cap binds) up to STARVED_OPS, where the tenants' own pace holds them; the engines' busy
 * fraction in proportion, 0.9 there, 0.1125 at 1 kHz. Every tick +-1%.
 */
#define DEPTH 8
#define STARVED_OPS 64000.0

static struct point starved(uint32_t cap)
{
	double c = cap ? cap : 1e9;
	struct point q = { fmin(DEPTH * c, STARVED_OPS), c, 0, DEPTH, true, 0.02 };

	q.busy = 0.9 * q.ops / STARVED_OPS;
	return q;
}

/*
 * The escape's leap under a controller (pf:dim): from 1 kHz on the starved plant the cap binds with
 * the engines a tenth to a fifth busy; the escape restarts the controller at 1 / their busy fraction
 * x the cap (4.5 x here, dim's level nearest it), not 2 x (fails before: 2 kHz -> 4 kHz).
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
		rig_tick(&g, starved);
	}
	printf("leap: escape on tick %d, cap %u -> %u Hz, the engines %.3f busy\n", k, before, g.cap, g.c.busy_frac);
	assert_int_equal(g.c.escapes, 1);
	assert_true(g.cap >= 3 * before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coord_idle_leap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
