/* SPDX-License-Identifier: MIT */
/* test_sim_agg.c - the aggregated mode against the exact one: totals within 1% / 2%, caps within a step, a whole sample is exact, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sim/sim.h"

/*
 * Small scenarios (each a kind docs/sim.md reports as agreeing): two
 * tenant-bound VFs under a static cap with a phase change of algorithm and
 * size; open-loop VFs with a change of rate and size; 32 VFs whose demand
 * fills two engines, with a phase change; and the three below.
 */
static const char *const scenarios[] = {
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 4, \"groups\": [{\"vfs\": 2,"
	" \"ctl\": \"static:4000\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 16384, \"depth\": 32},"
	" {\"at_s\": 2, \"algo\": \"sha256\", \"block_bytes\": 4096}]}]}",
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 4, \"groups\": [{\"vfs\": 32, \"ctl\": \"none\","
	" \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 2048, \"rate_ops\": 3000},"
	" {\"at_s\": 2, \"block_bytes\": 8192, \"rate_ops\": 2000}]}]}",
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 3, \"engines\": 2, \"groups\": [{\"vfs\": 32,"
	" \"ctl\": \"static:500\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 16384, \"depth\": 16},"
	" {\"at_s\": 1.5, \"block_bytes\": 4096}]}]}",
	/* An open loop that overloads its tenant (its queues fill for 0.3 s), then a smaller closed loop
	 * (the backlog drains): transients longer than the sample, which the model must run in full. */
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 4, \"engines\": 1, \"groups\": ["
	" {\"vfs\": 8, \"ctl\": \"none\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 65536,"
	" \"rate_ops\": 5000}, {\"at_s\": 1.5, \"depth\": 2}]},"
	" {\"vfs\": 4, \"ctl\": \"static:4000\", \"phases\": [{\"algo\": \"sha256\", \"block_bytes\": 4096, \"depth\": 8}]}]}",
	/* An open loop that overloads the engine (its queues fill to max_queue), then a rate far below it:
	 * the backlog drains for about half a second, longer than a sample, so the model must run it in
	 * full (until session 9 the piece's draining rate was extrapolated: +16% to +27% on 3 of 4 seeds). */
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 4, \"engines\": 1, \"groups\": [{\"vfs\": 16,"
	" \"ctl\": \"none\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 65536, \"rate_ops\": 3000},"
	" {\"at_s\": 2, \"rate_ops\": 50}]}]}",
	/* Adaptive VFs sharing engines: the controllers see the same samples, and settle alike. */
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 8, \"engines\": 2, \"groups\": [{\"vfs\": 24,"
	" \"ctl\": \"adaptive\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 2048, \"depth\": 16}]}]}",
};

static void load(const char *fmt, unsigned seed, bool aggregate, struct vfc_sim_scenario *sc)
{
	char text[1024], err[512];
	json_t *root;

	snprintf(text, sizeof(text), fmt, seed);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	if (vfc_sim_scenario_parse(root, NULL, sc, err, sizeof(err)))
		fail_msg("scenario rejected: %s", err);
	json_decref(root);
	sc->aggregate = aggregate;
}

static void agree(const char *fmt, unsigned seed)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_result e, a;
	double dm, di;

	load(fmt, seed, false, &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &e), 0);
	sc.aggregate = true;
	assert_int_equal(vfc_sim_run(&sc, NULL, &a), 0);
	dm = 100 * (a.total_mbps / e.total_mbps - 1);
	di = 100 * (a.irq_hz / e.irq_hz - 1);
	printf("# seed %u: exact %.1f MB/s %.0f irq/s, aggregated %+.2f%% %+.2f%% (%llu vs %llu events)\n", seed,
	       e.total_mbps, e.irq_hz, dm, di, (unsigned long long)e.events, (unsigned long long)a.events);
	if (dm < -1 || dm > 1 || di < -2 || di > 2)
		fail_msg("seed %u: speed %+.2f%% (1%% allowed), interrupts %+.2f%% (2%% allowed)", seed, dm, di);
	assert_int_equal(a.nvfs, e.nvfs);
	for (uint32_t i = 0; i < e.nvfs; i++) {
		double r = (a.vfs[i].cap_hz_final ? a.vfs[i].cap_hz_final : 1e9) /
			   (e.vfs[i].cap_hz_final ? e.vfs[i].cap_hz_final : 1e9);

		if (r > 1.2501 || r < 1 / 1.2501)
			fail_msg("seed %u: VF %u ends at %u Hz, %u exact (more than a ladder step)", seed, i,
				 a.vfs[i].cap_hz_final, e.vfs[i].cap_hz_final);
	}
	vfc_sim_result_fini(&e);
	vfc_sim_result_fini(&a);
	vfc_sim_scenario_fini(&sc);
}

/* Seeds chosen at random once, then one more per scenario drawn now (printed, to replay a failure). */
static void test_agree(void **state)
{
	static const unsigned fixed[] = { 963466, 541058, 254500, 3, 5, 11 };
	unsigned fresh = (unsigned)time(NULL);

	(void)state;
	for (size_t k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++) {
		agree(scenarios[k], fixed[k]);
		agree(scenarios[k], fresh + (unsigned)k * 7919u);
	}
}

/*
 * Seeds that read far off until session 13 (docs/sim.md, "A slow drain and
 * an overload's cycles"). The drain after an engine overload (scenarios[4]):
 * +50% where a piece saw the backlog drain with no reap (1796545245), +15%
 * where the first interval's queues grew by less than one VF's noise
 * (1159874721), both filled over their intervals as they were. The tenant
 * overload (scenarios[3]): -15% where a 30 ms piece caught its tenants
 * submitting, with no completion, and filled the rest of the interval with
 * none (5008).
 */
static void test_regressions(void **state)
{
	(void)state;
	agree(scenarios[4], 1796545245u);
	agree(scenarios[4], 1159874721u);
	agree(scenarios[3], 5008u);
}

/*
 * Slow open loops under controllers (fleet-1000's API gateways and web
 * front-ends: 80 and 20 requests/s, dim and adaptive): few reaps per piece,
 * and some cap changes at nearly every tick. Each VF's pool, fed by every
 * measured piece, lets the piece end at its shortest, and a new cap of an open
 * loop that keeps up calls for no settling piece: the sample runs under a
 * fifteenth of the exact run's events (before: 15% of them, 7.4% with the
 * pool alone), its totals within 1% / 2%. Final caps are not compared: these
 * controllers explore on the requests' noise, and two exact seeds end as far
 * apart.
 */
static void test_slow_open_loops(void **state)
{
	static const char fmt[] =
		"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 10, \"engines\": 4, \"groups\": ["
		" {\"vfs\": 40, \"ctl\": \"dim\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 1024, \"rate_ops\": 80}]},"
		" {\"vfs\": 40, \"ctl\": \"adaptive\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 4096,"
		" \"rate_ops\": 20}]}]}";
	struct vfc_sim_scenario sc;
	struct vfc_sim_result e, a;
	double dm, di;

	(void)state;
	load(fmt, 7, false, &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &e), 0);
	sc.aggregate = true;
	assert_int_equal(vfc_sim_run(&sc, NULL, &a), 0);
	dm = 100 * (a.total_mbps / e.total_mbps - 1);
	di = 100 * (a.irq_hz / e.irq_hz - 1);
	printf("# slow open loops: %+.2f%% %+.2f%%, %llu of %llu events\n", dm, di, (unsigned long long)a.events,
	       (unsigned long long)e.events);
	assert_true(dm >= -1 && dm <= 1 && di >= -2 && di <= 2);
	assert_true(a.events * 15 < e.events);
	vfc_sim_result_fini(&e);
	vfc_sim_result_fini(&a);
	vfc_sim_scenario_fini(&sc);
}

/*
 * A sample as long as the intervals (settle + measure >= the tick) runs
 * every interval whole: the aggregated mode is then the exact one, result
 * for result (its events have one more: the last interval's cut).
 */
static void test_whole_sample_is_exact(void **state)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_result e, a;

	(void)state;
	for (size_t k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++) {
		load(scenarios[k], 5, false, &sc);
		assert_int_equal(vfc_sim_run(&sc, NULL, &e), 0);
		sc.aggregate = true;
		sc.sample_settle_ns = sc.tick_ns / 2;
		sc.sample_meas_ns = sc.tick_ns / 2;
		assert_int_equal(vfc_sim_run(&sc, NULL, &a), 0);
		assert_int_equal(a.nvfs, e.nvfs);
		assert_int_equal(a.completed, e.completed);
		for (uint32_t i = 0; i < e.nvfs; i++) {
			assert_int_equal(a.vfs[i].bytes, e.vfs[i].bytes);
			assert_int_equal(a.vfs[i].completed, e.vfs[i].completed);
			assert_int_equal(a.vfs[i].irqs, e.vfs[i].irqs);
			assert_int_equal(a.vfs[i].cpu_ns, e.vfs[i].cpu_ns);
			assert_int_equal(a.vfs[i].dropped, e.vfs[i].dropped);
			assert_int_equal(a.vfs[i].in_flight, e.vfs[i].in_flight);
			assert_int_equal(a.vfs[i].cap_hz_final, e.vfs[i].cap_hz_final);
		}
		for (uint32_t w = 0; w < e.nwin; w++)
			assert_int_equal(a.win_bytes[w], e.win_bytes[w]);
		vfc_sim_result_fini(&e);
		vfc_sim_result_fini(&a);
		vfc_sim_scenario_fini(&sc);
	}
}

/* Same seed, same bytes; the counters add up (windows, VFs, totals). */
static void test_deterministic(void **state)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_result r1, r2;
	uint64_t wsum = 0, bsum = 0, done = 0;

	(void)state;
	load(scenarios[2], 17, true, &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &r1), 0);
	assert_int_equal(vfc_sim_run(&sc, NULL, &r2), 0);
	assert_int_equal(r1.events, r2.events);
	assert_int_equal(r1.completed, r2.completed);
	for (uint32_t i = 0; i < r1.nvfs; i++) {
		assert_memory_equal(&r1.vfs[i], &r2.vfs[i], sizeof(r1.vfs[i]));
		bsum += r1.vfs[i].bytes;
		done += r1.vfs[i].completed;
		assert_int_equal(r1.vfs[i].submitted, r1.vfs[i].completed + r1.vfs[i].in_flight);
	}
	for (uint32_t w = 0; w < r1.nwin; w++)
		wsum += r1.win_bytes[w];
	assert_int_equal(r1.nwin, 2);
	assert_int_equal(wsum, bsum);
	assert_int_equal(done, r1.completed);
	assert_true(r1.completed > 0);
	vfc_sim_result_fini(&r1);
	vfc_sim_result_fini(&r2);
	vfc_sim_scenario_fini(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agree),
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_slow_open_loops),
		cmocka_unit_test(test_whole_sample_is_exact),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
