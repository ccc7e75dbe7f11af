/* SPDX-License-Identifier: MIT */
/* test_sim.c - the simulator: determinism, the closed-loop bound, conservation, calibration points, scenario errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim.h"

static int load(const char *text, struct vfc_sim_scenario *sc, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	int rc;

	if (!root) {
		fail_msg("bad JSON in the test itself: %s (line %d)", je.text, je.line);
		return -1;
	}
	rc = vfc_sim_scenario_parse(root, NULL, sc, err, errlen);
	json_decref(root);
	return rc;
}

static void must_load(const char *text, struct vfc_sim_scenario *sc)
{
	char err[512] = "";
	int rc = load(text, sc, err, sizeof(err));

	if (rc)
		fail_msg("scenario rejected: %s", err);
}

static char *run_json(const struct vfc_sim_scenario *sc)
{
	struct vfc_sim_result r;
	json_t *j;
	char *s;

	assert_int_equal(vfc_sim_run(sc, NULL, &r), 0);
	j = vfc_sim_result_json(sc, &r, false);
	assert_non_null(j);
	s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(12));
	json_decref(j);
	vfc_sim_result_fini(&r);
	assert_non_null(s);
	return s;
}

/* A mixed scenario: two controllers, phase changes of size, depth and loop kind, open-loop arrivals. */
static const char mixed[] =
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %d, \"duration_s\": 20, \"tick_ms\": 500, \"engines\": 2,"
	" \"groups\": ["
	"  {\"vfs\": 3, \"ctl\": \"adaptive\", \"phases\": ["
	"     {\"at_s\": 0, \"algo\": \"aes-128-cbc\", \"block_bytes\": 16384, \"depth\": 32},"
	"     {\"at_s\": 7, \"block_bytes\": 1024, \"depth\": 8},"
	"     {\"at_s\": 14, \"algo\": \"sha256\", \"depth\": 48}]},"
	"  {\"vfs\": 2, \"ctl\": \"paper\", \"vcpus\": 2, \"max_queue\": 16, \"phases\": ["
	"     {\"at_s\": 0, \"algo\": \"sha256\", \"block_bytes\": 4096, \"rate_ops\": 3000},"
	"     {\"at_s\": 5, \"depth\": 4},"
	"     {\"at_s\": 10, \"rate_ops\": 50000},"
	"     {\"at_s\": 15, \"block_bytes\": 65536, \"depth\": 16}]}]}";

static void mixed_load(int seed, struct vfc_sim_scenario *sc)
{
	char text[sizeof(mixed) + 32];

	snprintf(text, sizeof(text), mixed, seed);
	must_load(text, sc);
}

static void test_determinism(void **state)
{
	struct vfc_sim_scenario sc;
	char *a, *b, *c;

	(void)state;
	mixed_load(7, &sc);
	a = run_json(&sc);
	b = run_json(&sc);
	assert_string_equal(a, b);
	vfc_sim_scenario_fini(&sc);
	/* Another seed moves the service-time jitter and the arrivals: a different run. */
	mixed_load(8, &sc);
	c = run_json(&sc);
	assert_true(strcmp(a, c) != 0);
	vfc_sim_scenario_fini(&sc);
	free(a);
	free(b);
	free(c);
}

/* Closed loop: each interrupt hands back at most the depth, so mbps <= cap x depth x size. */
static void test_closed_loop_bound(void **state)
{
	static const unsigned caps[] = { 200, 1000, 3000, 20000 };
	static const unsigned depths[] = { 1, 4, 32 };

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++) {
			char text[1024];
			struct vfc_sim_scenario sc;
			struct vfc_sim_result r;
			double bound;

			snprintf(text, sizeof(text),
				 "{\"profile\": \"dh895xcc-paper\", \"duration_s\": 5, \"groups\": [{\"vfs\": 2, "
				 "\"ctl\": \"static:%u\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": "
				 "4096, \"depth\": %u}]}]}",
				 caps[i], depths[d]);
			must_load(text, &sc);
			assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
			bound = caps[i] * (double)depths[d] * 4096 / 1e6;
			for (uint32_t v = 0; v < r.nvfs; v++) {
				double mbps = r.vfs[v].bytes / 5.0 / 1e6, irq = r.vfs[v].irqs / 5.0;

				/* Each interrupt hands back at most depth requests (+ one depth completed after
				 * the last one), and the cap allows at most cap x duration + 1 interrupts. */
				if (r.vfs[v].completed > (r.vfs[v].irqs + 1) * depths[d])
					fail_msg("cap %u depth %u: %llu requests completed with %llu interrupts", caps[i],
						 depths[d], (unsigned long long)r.vfs[v].completed,
						 (unsigned long long)r.vfs[v].irqs);
				if (irq > caps[i] + 1.0 / 5)
					fail_msg("cap %u: %.1f interrupts/s", caps[i], irq);
				if (mbps > bound + 2.0 * depths[d] * 4096 / 5.0 / 1e6)
					fail_msg("cap %u depth %u: %.3f MB/s above the bound %.3f", caps[i], depths[d],
						 mbps, bound);
				assert_int_equal(r.vfs[v].cap_hz_final, caps[i]);
			}
			/* Far below the best cap, the bound is what limits: within 15% of it. */
			if (caps[i] == 200 && depths[d] == 1)
				assert_true(r.vfs[0].bytes / 5.0 / 1e6 > 0.85 * bound);
			vfc_sim_result_fini(&r);
			vfc_sim_scenario_fini(&sc);
		}
	}
}

/* Every request completes once: counts and the sum of request ids balance at the end. */
static void test_conservation(void **state)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_result r;
	uint64_t dropped = 0;

	(void)state;
	mixed_load(3, &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
	for (uint32_t v = 0; v < r.nvfs; v++) {
		const struct vfc_sim_vf_result *x = &r.vfs[v];
		uint64_t n = x->submitted;

		assert_true(x->completed > 1000);
		assert_int_equal(x->submitted, x->completed + x->in_flight);
		/* ids 0 .. n-1 (n < 2^32 here, so no wrap), each either completed or in flight */
		assert_int_equal(x->id_sum + x->id_sum_in_flight, n * (n - 1) / 2);
		dropped += x->dropped;
	}
	/* group 1's 50000/s phase overflows max_queue 16: arrivals were refused, not lost */
	assert_true(dropped > 0);
	vfc_sim_result_fini(&r);
	vfc_sim_scenario_fini(&sc);
}

static void one_point(const char *algo, unsigned block, const char *ctl, double dur, double *mbps, double *irq)
{
	char text[1024];
	struct vfc_sim_scenario sc;
	struct vfc_sim_result r;

	snprintf(text, sizeof(text),
		 "{\"profile\": \"dh895xcc-paper\", \"duration_s\": %g, \"groups\": [{\"vfs\": 1, \"ctl\": \"%s\", "
		 "\"phases\": [{\"algo\": \"%s\", \"block_bytes\": %u, \"depth\": 32}]}]}",
		 dur, ctl, algo, block);
	must_load(text, &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
	*mbps = r.total_mbps;
	*irq = r.irq_hz;
	vfc_sim_result_fini(&r);
	vfc_sim_scenario_fini(&sc);
}

static void near(const char *what, double got, double want, double tol)
{
	if (got < want * (1 - tol) || got > want * (1 + tol))
		fail_msg("%s: %.1f, want %.1f +- %.0f%%", what, got, want, tol * 100);
}

/* dh895xcc-paper reproduces the paper's published points (section 4) within 5%. */
static void test_paper_calibration(void **state)
{
	static const unsigned sizes[] = { 1024, 2048, 4096, 8192, 16384, 32768, 65536 };
	double v[7], irq[7], rsa, rsa_irq, aes4k, aes4k_irq;

	(void)state;
	for (int a = 0; a < 2; a++) {
		const char *algo = a ? "sha256" : "aes-128-cbc";
		size_t best = 0;

		for (size_t i = 0; i < 7; i++) {
			one_point(algo, sizes[i], "none", 10, &v[i], &irq[i]);
			if (v[i] > v[best])
				best = i;
		}
		if (sizes[best] != 16384)
			fail_msg("%s: uncapped speed peaks at %u B, the paper says 16384", algo, sizes[best]);
		near(a ? "SHA-256 interrupt rate at the peak" : "AES-128 interrupt rate at the peak", irq[4],
		     a ? 5109 : 6450, 0.05);
		if (a)
			near("SHA-256 peak speed", v[4], 177, 0.05);
	}
	/* RSA about a thousand times slower than symmetric work (AES-128 at the same block size). */
	one_point("aes-128-cbc", 4096, "none", 10, &aes4k, &aes4k_irq);
	one_point("rsa-2048", 4096, "none", 60, &rsa, &rsa_irq);
	near("AES-128 / RSA-2048 speed ratio at 4 KiB", aes4k / rsa, 1000, 0.05);
}

/* A cap near the paper's optimum beats no cap at 64 KiB, where interrupts cost the most. */
static void test_cap_helps(void **state)
{
	double none, capped, irq;

	(void)state;
	one_point("aes-128-cbc", 65536, "none", 10, &none, &irq);
	one_point("aes-128-cbc", 65536, "static:2000", 10, &capped, &irq);
	if (capped < 1.1 * none)
		fail_msg("64 KiB: static:2000 gives %.1f MB/s, none %.1f", capped, none);
}

/* One VF of 1 KiB requests under a profile with the given latencies (0: none): the tenant's wake-up,
 * the engine's idle spin and its wake-up, and the moderation timer's lateness. The run's MB/s. */
static double latency_point(const char *ctl, uint32_t depth, double duration_s, double wake_ns,
			    double spin_ns, double engine_wake_ns, double late_ns)
{
	char text[1024];
	struct vfc_sim_scenario sc;
	struct vfc_sim_result r;
	double mbps;

	snprintf(text, sizeof(text),
		 "{\"profile\": {\"engines\": 1, \"t0_ns\": 1000, \"wake_ns\": %.0f, \"engine_spin_ns\": %.0f, "
		 "\"engine_wake_ns\": %.0f, \"timer_late_ns\": %.0f, "
		 "\"algos\": {\"aes-128-cbc\": {\"engine_ns\": 1000, \"engine_ns_per_kib\": 700, \"req_ns\": 300}}}, "
		 "\"duration_s\": %g, \"groups\": [{\"vfs\": 1, \"ctl\": \"%s\", \"phases\": [{\"algo\": "
		 "\"aes-128-cbc\", \"block_bytes\": 1024, \"depth\": %u}]}]}",
		 wake_ns, spin_ns, engine_wake_ns, late_ns, duration_s, ctl, depth);
	must_load(text, &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
	mbps = r.total_mbps;
	vfc_sim_result_fini(&r);
	vfc_sim_scenario_fini(&sc);
	return mbps;
}

/* VF 0 at the 10 kHz cliff (1 KiB, depth 4: done long before each deadline) while VF 1 keeps the engine busy. */
static double busy_engine_point(double late_ns)
{
	char text[1024];
	struct vfc_sim_scenario sc;
	struct vfc_sim_result r;
	double mbps;

	snprintf(text, sizeof(text),
		 "{\"profile\": {\"engines\": 1, \"t0_ns\": 1000, \"timer_late_ns\": %.0f, "
		 "\"algos\": {\"aes-128-cbc\": {\"engine_ns\": 1000, \"engine_ns_per_kib\": 700, \"req_ns\": 300}}}, "
		 "\"duration_s\": 2, \"groups\": [{\"vfs\": 1, \"ctl\": \"static:10000\", \"phases\": [{\"algo\": "
		 "\"aes-128-cbc\", \"block_bytes\": 1024, \"depth\": 4}]}, {\"vfs\": 1, \"phases\": [{\"algo\": "
		 "\"aes-128-cbc\", \"block_bytes\": 4096, \"depth\": 32}]}]}",
		 late_ns);
	must_load(text, &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
	mbps = r.vfs[0].bytes / 2.0 / 1e6;
	vfc_sim_result_fini(&r);
	vfc_sim_scenario_fini(&sc);
	return mbps;
}

static void test_latencies(void **state)
{
	double base, late, wake;

	(void)state;
	/* 10 kHz x 32 x 1 KiB: the cap's bound; 40 us late: one interrupt each 140 us */
	base = latency_point("static:10000", 32, 2, 0, 0, 0, 0);
	late = latency_point("static:10000", 32, 2, 0, 0, 0, 40000);
	near("cliff, timer on time", base, 327.68, 0.02);
	near("cliff, timer 40 us late", late, 327.68 * 100 / 140, 0.05);
	/* A second VF keeps the engine busy: it looks at the deadline after its current request, late timer or not */
	base = busy_engine_point(0);
	late = busy_engine_point(40000);
	near("busy engine, timer 40 us late", late, base, 0.02);
	/* no cap, 200 us wake-up: at most 32 requests per wake-up */
	base = latency_point("none", 32, 2, 0, 0, 0, 0);
	wake = latency_point("none", 32, 2, 200000, 0, 0, 0);
	if (wake > 32 * 1024 / 200e-6 / 1e6 || wake > 0.5 * base)
		fail_msg("a 200 us wake-up gives %.1f MB/s (without: %.1f)", wake, base);
	/* and 0 (the default) is the old behaviour: the timer's lateness does not touch uncapped runs */
	assert_true(latency_point("none", 32, 2, 0, 0, 0, 40000) == base);
}

/*
 * A sleeping engine's wake-up (engine_wake_ns), known answers: one request in
 * flight, no cap; a cycle is the engine's wake-up, 1.7 us of service, 1 us
 * of interrupt and 0.3 us of resubmission: 1024 B per 3 us + W.
 */
static void test_engine_wake(void **state)
{
	static const double wake[] = { 0, 10000 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char text[1024];
		struct vfc_sim_scenario sc;
		struct vfc_sim_result r;

		snprintf(text, sizeof(text),
			 "{\"profile\": {\"engines\": 1, \"t0_ns\": 1000, \"engine_wake_ns\": %.0f, "
			 "\"algos\": {\"aes-128-cbc\": {\"engine_ns\": 1000, \"engine_ns_per_kib\": 700, \"req_ns\": 300}}}, "
			 "\"duration_s\": 1, \"groups\": [{\"vfs\": 1, \"phases\": [{\"algo\": "
			 "\"aes-128-cbc\", \"block_bytes\": 1024, \"depth\": 1}]}]}",
			 wake[i]);
		must_load(text, &sc);
		assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
		near("depth 1, engine wake-up", r.total_mbps, 1024 / (3000 + wake[i]) * 1e3, 0.01);
		vfc_sim_result_fini(&r);
		vfc_sim_scenario_fini(&sc);
	}
}


/*
 * The engine's idle spin (engine_spin_ns), known answers. Depth 1, no cap:
 * the engine is idle 1.3 us per cycle (1 us interrupt + 0.3 us resubmission)
 * before the next doorbell. Spinning 2 us, it is still awake: 1024 B per
 * 3 us, no wake-up; spinning 1 us, it sleeps and pays the 10 us wake-up on
 * every request. With a cap: 32 requests take 54.4 us, so a 10 kHz deadline
 * (100 us) comes within a 100 us spin (on time: the cap's bound) while a
 * 2 kHz one (500 us) finds the engine asleep and fires 40 us late.
 */
static void test_engine_spin(void **state)
{
	(void)state;
	near("depth 1, spin 2 us > 1.3 us idle: no wake-up", latency_point("none", 1, 1, 0, 2000, 10000, 0),
	     1024 / 3000.0 * 1e3, 0.01);
	near("depth 1, spin 1 us < 1.3 us idle: wake-up", latency_point("none", 1, 1, 0, 1000, 10000, 0),
	     1024 / 13000.0 * 1e3, 0.01);
	near("depth 1, spin 0: wake-up", latency_point("none", 1, 1, 0, 0, 10000, 0), 1024 / 13000.0 * 1e3, 0.01);
	near("10 kHz, deadline within the spin: on time", latency_point("static:10000", 32, 1, 0, 100000, 0, 40000),
	     327.68, 0.02);
	near("10 kHz, no spin: 40 us late", latency_point("static:10000", 32, 1, 0, 0, 0, 40000),
	     327.68 * 100 / 140, 0.05);
	near("2 kHz, deadline after the spin: 40 us late", latency_point("static:2000", 32, 1, 0, 100000, 0, 40000),
	     32 * 1024 / 540e-6 / 1e6, 0.03);
}

static void expect_error(const char *text, const char *key, const char *reason)
{
	struct vfc_sim_scenario sc;
	char err[512] = "";

	assert_int_equal(load(text, &sc, err, sizeof(err)), -EINVAL);
	if (strncmp(err, key, strlen(key)) || err[strlen(key)] != ':')
		fail_msg("error '%s' does not start with the key '%s'", err, key);
	if (!strstr(err, reason))
		fail_msg("error '%s' does not say '%s'", err, reason);
}

#define HEAD "{\"profile\": \"dh895xcc-paper\", \"duration_s\": 10, "
#define PH0 "{\"at_s\": 0, \"algo\": \"aes-128-cbc\", \"block_bytes\": 4096, \"depth\": 4}"

static void test_scenario_errors(void **state)
{
	(void)state;
	/* missing key */
	expect_error("{\"profile\": \"dh895xcc-paper\", \"groups\": [{\"vfs\": 1, \"phases\": [" PH0 "]}]}",
		     "duration_s", "missing");
	expect_error(HEAD "\"groups\": [{\"phases\": [" PH0 "]}]}", "groups[0].vfs", "missing");
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"phases\": [{\"at_s\": 0, \"algo\": \"sha256\", "
		     "\"block_bytes\": 64}]}]}",
		     "groups[0].phases[0].depth", "missing");
	/* wrong type */
	expect_error(HEAD "\"groups\": [{\"vfs\": \"8\", \"phases\": [" PH0 "]}]}", "groups[0].vfs",
		     "expected an integer, got a string");
	expect_error(HEAD "\"groups\": {\"vfs\": 1}}", "groups", "expected a non-empty array, got an object");
	expect_error("{\"profile\": 5, \"duration_s\": 10, \"groups\": []}", "profile", "expected a string");
	/* unknown algorithm */
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"phases\": [" PH0 ", {\"at_s\": 2, \"algo\": \"des\"}]}]}",
		     "groups[0].phases[1].algo", "unknown algorithm 'des'");
	/* negative depth */
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"phases\": [{\"at_s\": 0, \"algo\": \"sha256\", "
		     "\"block_bytes\": 64, \"depth\": -4}]}]}",
		     "groups[0].phases[0].depth", "out of range");
	/* phases out of order */
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"phases\": [" PH0 ", {\"at_s\": 5, \"depth\": 8}, "
		     "{\"at_s\": 3, \"depth\": 2}]}]}",
		     "groups[0].phases[2].at_s", "out of order");
	/* and a few more */
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"phases\": [" PH0 "]}], \"durration\": 3}", "durration",
		     "unknown key");
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"ctl\": \"adaptive:band=x\", \"phases\": [" PH0 "]}]}",
		     "groups[0].ctl", "band");
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"phases\": [{\"at_s\": 0, \"algo\": \"sha256\", "
		     "\"block_bytes\": 64, \"depth\": 4, \"rate_ops\": 10}]}]}",
		     "groups[0].phases[0].rate_ops", "not both");
	expect_error(HEAD "\"groups\": [{\"vfs\": 1, \"phases\": [" PH0 ", {\"at_s\": 10, \"depth\": 8}]}]}",
		     "groups[0].phases[1].at_s", "not before the end");
	expect_error("{\"profile\": \"local\", \"duration_s\": 10, \"groups\": []}", "profile_file", "missing");
	expect_error("{\"profile\": \"qat-9000\", \"duration_s\": 10, \"groups\": []}", "profile", "unknown profile");
	expect_error("{\"profile\": {\"engines\": 1, \"t0_ns\": 1, \"algos\": {\"sha256\": {\"engine_ns\": 1, "
		     "\"engine_ns_per_kib\": 1}}}, \"duration_s\": 10, \"groups\": [{\"vfs\": 1, \"phases\": [" PH0
		     "]}]}",
		     "groups[0].phases[0].algo", "not in profile");
	expect_error("{\"profile\": {\"engines\": 1, \"algos\": {}}, \"duration_s\": 10, \"groups\": []}",
		     "profile.t0_ns", "missing");
}

/* Memory is linear in VFs, and many VFs share the engines round robin: equal shares. */
static void test_fairness(void **state)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_result r;
	double lo = 1e30, hi = 0;

	(void)state;
	must_load("{\"profile\": \"dh895xcc-paper\", \"duration_s\": 5, \"engines\": 1, \"groups\": [{\"vfs\": 50, "
		  "\"ctl\": \"static:5000\", \"phases\": [{\"algo\": \"sha256\", \"block_bytes\": 65536, "
		  "\"depth\": 4}]}]}",
		  &sc);
	assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
	for (uint32_t v = 0; v < r.nvfs; v++) {
		double m = (double)r.vfs[v].bytes;

		lo = m < lo ? m : lo;
		hi = m > hi ? m : hi;
	}
	/* one engine at 65536 B: 2510 + 64 x 940 ns = 62.7 us per request, about 1045 MB/s in all */
	near("one saturated engine", r.total_mbps, 65536 / 62.67e-6 / 1e6, 0.1);
	assert_true(lo > 0.9 * hi);
	vfc_sim_result_fini(&r);
	vfc_sim_scenario_fini(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_determinism),     cmocka_unit_test(test_closed_loop_bound),
		cmocka_unit_test(test_conservation),    cmocka_unit_test(test_paper_calibration),
		cmocka_unit_test(test_cap_helps),       cmocka_unit_test(test_scenario_errors),
		cmocka_unit_test(test_fairness),        cmocka_unit_test(test_latencies),
		cmocka_unit_test(test_engine_wake),
		cmocka_unit_test(test_engine_spin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
