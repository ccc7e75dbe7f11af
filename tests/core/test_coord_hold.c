/* SPDX-License-Identifier: MIT */
/* test_coord_hold.c - what a base holds: a fine scan's win checked, back to the base it left where the new base's first settled tick reads below it. */
#include "coord_rig.h"

/*
 * The lag plant: the simulator's suite seed 854208480, first window (100 VFs of AES-dec 8 KiB at depth 2
 * beside 22 of AES 64 KiB at depth 8 on 8 saturated engines; docs/controllers.md, "The win's check"),
 * reduced. Its settled total peaks at LAG_PEAK_HZ and falls 13% a step above it; but the tenants'
 * queues follow a new cap a tick late: the first tick at a cap reads the previous cap's total, +1.5%
 * where the cap rose, -1% where it fell. A scan's fine point (one tick) up from the peak reads a win.
 * Every tick +-1%; the engines busy (no busy step).
 */
static const double lag_hz[] = { 1000, 3000, 6000, 7500, 12000, 20000 };
static const double lag_f[] = { 0.6, 0.8, 1.0, 0.87, 0.85, 0.8 };
#define LAG_N (sizeof(lag_hz) / sizeof(lag_hz[0]))
#define LAG_PEAK_HZ 6000.0
#define LAG_OPS 40000.0
#define LAG_DEPTH 8

static uint32_t lag_prev; /* the cap of the plant's previous tick (0: none) */

static double lag_settled(uint32_t cap)
{
	return LAG_OPS * in_log(lag_hz, lag_f, LAG_N, cap);
}

static struct point lag(uint32_t cap)
{
	uint32_t from = lag_prev;
	struct point q = { lag_settled(cap), cap ? cap : 1e9, 1.0, LAG_DEPTH, true, 0.01 };

	lag_prev = cap;
	if (from && from != cap)
		q.ops = lag_settled(from) * (cap > from ? 1.015 : 0.99);
	q.irqs = fmin(q.irqs, q.ops);
	return q;
}

/*
 * The default (pf) on the lag plant from 20 kHz: the fill rule walks down to about 6.5 kHz. A fine
 * scan's first point up read +1.5% on its one tick and became the base, whose settled ticks read 13%
 * lower; the scan from there won the same way, and the base ratcheted up to 20 kHz and more, a scan
 * every few ticks (fails before: 0.852 of the best over ticks 60..199, the cap moved on 119 of 200
 * ticks). Now the new base's first settled tick, below the base the scan left by the scan's threshold,
 * sends the rule back there and backs its wait off: >= 0.93 of the best, the cap held under 7.5 kHz,
 * moved on at most 40 ticks.
 */
static void test_coord_hold_check(void **state)
{
	uint32_t caps[140], last = 0;
	int moves = 0;
	double sum = 0, m;
	struct rig g;

	(void)state;
	rig_start(&g, "", 20000);
	lag_prev = 0;
	for (int k = 0; k < 200; k++) {
		uint32_t cap = g.cap;
		double y = rig_tick(&g, lag);

		moves += cap != last;
		last = cap;
		if (k >= 60) {
			sum += y;
			caps[k - 60] = cap;
		}
	}
	qsort(caps, 140, sizeof(caps[0]), cmp_u32);
	m = sum / 140 / (N * LAG_OPS);
	printf("lag: %.3f of the best, cap %u Hz held, moved on %d ticks, %llu reverts\n", m, caps[70], moves,
	       (unsigned long long)g.c.scan.reverts);
	assert_true(m >= 0.93);
	assert_true(caps[70] < 7500);
	assert_true(moves <= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coord_hold_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
