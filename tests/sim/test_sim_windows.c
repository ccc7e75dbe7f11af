/* SPDX-License-Identifier: MIT */
/* test_sim_windows.c - the run's windows (src/sim/windows.c): each change's settle point, bytes kept per phase in both modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim.h"

/* Two groups: A changes at 12.3 s, B at 14 s (inside A's settling) and 30 s; a static cap on every VF. */
static const char two_groups[] =
	"{\"profile\": \"dh895xcc-paper\", \"duration_s\": 40, \"tick_ms\": 1000, \"engines\": 2, \"mode\": \"%s\","
	" \"groups\": ["
	"  {\"vfs\": 3, \"ctl\": \"static:4000\", \"phases\": ["
	"     {\"at_s\": 0, \"algo\": \"aes-128-cbc\", \"block_bytes\": 16384, \"depth\": 32},"
	"     {\"at_s\": 12.3, \"block_bytes\": 2048, \"depth\": 8}]},"
	"  {\"vfs\": 2, \"ctl\": \"static:4000\", \"phases\": ["
	"     {\"at_s\": 0, \"algo\": \"sha256\", \"block_bytes\": 4096, \"depth\": 16},"
	"     {\"at_s\": 14, \"depth\": 4},"
	"     {\"at_s\": 30, \"block_bytes\": 65536, \"depth\": 32}]}]}";

static void load(bool aggregate, struct vfc_sim_scenario *sc)
{
	char text[sizeof(two_groups) + 16], err[256] = "";
	json_error_t je;
	json_t *j;

	snprintf(text, sizeof(text), two_groups, aggregate ? "aggregate" : "exact");
	j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("bad JSON in the test itself: %s", je.text);
	if (vfc_sim_scenario_parse(j, NULL, sc, err, sizeof(err)) < 0)
		fail_msg("scenario rejected: %s", err);
	json_decref(j);
}

static void run(bool aggregate, uint32_t settle, uint64_t tick_ns, struct vfc_sim_result *r)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_opts o = { .settle_ticks = settle, .settle_tick_ns = tick_ns };

	load(aggregate, &sc);
	assert_int_equal(vfc_sim_run(&sc, &o, r), 0);
	vfc_sim_scenario_fini(&sc);
}

/* The settle points: 4 ticks from the first tick after each change, dropped when the next change is first. */
static void test_settle_points(void **state)
{
	static const uint64_t want[] = { 0, 12300, 14000, 18000, 30000, 34000 };
	static const uint8_t settled[] = { 0, 0, 0, 1, 0, 1 };

	(void)state;
	for (int agg = 0; agg < 2; agg++) {
		struct vfc_sim_result r;

		run(agg, 4, 0, &r);
		assert_int_equal(r.nwin, 6);
		for (uint32_t w = 0; w < r.nwin; w++) {
			assert_int_equal(r.win_start_ns[w], want[w] * 1000000ull);
			assert_int_equal(r.win_settled[w], settled[w]);
		}
		vfc_sim_result_fini(&r);
		run(agg, 0, 0, &r);
		assert_int_equal(r.nwin, 4);
		for (uint32_t w = 0; w < r.nwin; w++)
			assert_int_equal(r.win_settled[w], 0);
		vfc_sim_result_fini(&r);
	}
}

/*
 * Splitting moves no byte between phases, in either mode; at 2 ticks of 3.3 s the settle points
 * (19.8 s and 36.3 s) fall inside the sampled mode's intervals, whose bytes it shares out in time's
 * proportion: the settled windows then agree with the exact mode's within 5%.
 */
static void test_split_keeps_bytes(void **state)
{
	struct vfc_sim_result whole[2], split[2];

	(void)state;
	for (int agg = 0; agg < 2; agg++) {
		run(agg, 0, 0, &whole[agg]);
		run(agg, 2, 3300000000ull, &split[agg]);
		assert_int_equal(split[agg].nwin, 6);
		assert_int_equal(split[agg].win_start_ns[3], 19800000000ull);
		assert_int_equal(split[agg].win_start_ns[5], 36300000000ull);
		for (uint32_t w = 0, u = 0; w < whole[agg].nwin; w++) {
			uint64_t sum = split[agg].win_bytes[u++];

			while (u < split[agg].nwin && split[agg].win_settled[u])
				sum += split[agg].win_bytes[u++];
			assert_true(llabs((long long)(sum - whole[agg].win_bytes[w])) <= 2);
		}
	}
	for (uint32_t w = 0; w < split[0].nwin; w++) {
		double a = (double)split[1].win_bytes[w], e = (double)split[0].win_bytes[w];

		printf("window %u at %.1f s: exact %.0f MB, sampled %.0f MB\n", w, split[0].win_start_ns[w] / 1e9,
		       e / 1e6, a / 1e6);
		if (split[0].win_settled[w])
			assert_true(fabs(a - e) <= 0.05 * e);
	}
	for (int agg = 0; agg < 2; agg++) {
		vfc_sim_result_fini(&whole[agg]);
		vfc_sim_result_fini(&split[agg]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settle_points),
		cmocka_unit_test(test_split_keeps_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
