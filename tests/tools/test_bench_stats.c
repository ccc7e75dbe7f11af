/* SPDX-License-Identifier: MIT */
/* test_bench_stats.c - `vfc bench`'s statistics (tools/bench/stats.c) against published and hand-computed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* |got - want| <= rel x |want| */
static void assert_rel(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.9g, want %.9g within %g%%", got, want, rel * 100);
}

static void assert_near(double got, double want)
{
	if (!(fabs(got - want) <= 1e-12 * (fabs(want) > 1 ? fabs(want) : 1)))
		fail_msg("got %.17g, want %.17g", got, want);
}

/* Student's t, p = 0.95, against the published table (6 digits, as R's qt(0.95, nu) gives them),
 * to about the accuracy stats.h states: 1.25% at nu = 2, 0.3% at 3, 0.02% from nu = 9 on. */
static void test_t95_table(void **state)
{
	static const struct {
		double nu, t, rel;
	} table[] = {
		{ 2, 2.919986, 0.0125 },  { 3, 2.353363, 0.003 },   { 4, 2.131847, 0.001 },
		{ 5, 2.015048, 0.0005 },  { 9, 1.833113, 0.0002 },  { 10, 1.812461, 0.0002 },
		{ 20, 1.724718, 0.0002 }, { 30, 1.697261, 0.0002 }, { 120, 1.657651, 0.0002 },
	};

	(void)state;
	for (size_t i = 0; i < N(table); i++)
		assert_rel(bench_t95(table[i].nu), table[i].t, table[i].rel);
	/* towards the normal quantile from above */
	assert_rel(bench_t95(1e9), 1.6448536, 1e-8);
	assert_true(bench_t95(2) > bench_t95(3) && bench_t95(3) > bench_t95(30));
}

/* o = {10, 20, 30, 40}, a = {9, 19, 33, 39}: r = 100 / 100 = 1, a - r o = {-1, -1, 3, -1},
 * sd = sqrt(12 / 3) = 2, mean(o) = 25: half = t(3) x 2 / (25 x sqrt 4) = 0.04 t(3). */
static void test_ratio_ci_hand(void **state)
{
	const double o[] = { 10, 20, 30, 40 }, a[] = { 9, 19, 33, 39 };
	/* o = {10, 10, 10}, a = {5, 6, 7}: r = 0.6, a - r o = {-1, 0, 1}, sd = 1: half = t(2) / (10 sqrt 3) */
	const double o2[] = { 10, 10, 10 }, a2[] = { 5, 6, 7 };

	(void)state;
	assert_near(bench_ratio_ci(a, o, 4), 0.04 * bench_t95(3));
	assert_rel(bench_ratio_ci(a, o, 4), 0.04 * 2.353363, 0.003);
	assert_near(bench_ratio_ci(a2, o2, 3), bench_t95(2) / (10 * sqrt(3)));
	assert_rel(bench_ratio_ci(a2, o2, 3), 2.919986 / (10 * sqrt(3)), 0.0125);
	/* the interval is of the ratio: scaling a scales it, scaling o by the same leaves it */
	{
		const double o3[] = { 20, 20, 20 };

		assert_near(bench_ratio_ci(a2, o3, 3), bench_ratio_ci(a2, o2, 3) / 2);
	}
}

static void test_ratio_ci_edges(void **state)
{
	const double five[] = { 5, 5, 5, 5 }, o[] = { 1, 2, 3 }, twice[] = { 2, 4, 6 }, zero[] = { 0, 0, 0 };

	(void)state;
	assert_near(bench_ratio_ci(five, five, 4), 0); /* equal values: no spread */
	assert_near(bench_ratio_ci(twice, o, 3), 0); /* a constant ratio: no spread */
	assert_true(bench_ratio_ci(five, five, 2) == -1); /* fewer than 3 rounds */
	assert_true(bench_ratio_ci(five, five, 1) == -1);
	assert_true(bench_ratio_ci(NULL, NULL, 0) == -1); /* empty */
	assert_true(bench_ratio_ci(five, zero, 3) == -1); /* no oracle speed */
}

/* Two static points over 4 rounds: p0 runs at 10 every round, p1 at 16 on the even rounds and 6 on
 * the odd ones. In sample p1 is the best (mean 11 > 10). Cross-validated: chosen on the even rounds,
 * p1 (16 > 10) is measured on the odd ones: 6; chosen on the odd rounds, p0 (10 > 6) is measured on
 * the even ones: 10. The oracle's speed is (6 + 10) / 2 = 8, below both means. */
static void test_oracle_cv_winners_curse(void **state)
{
	const unsigned R = 4, slots[] = { 4, 4 };
	const double mbps[] = { 10, 10, 10, 10, 16, 6, 16, 6 };
	double in_sample = 0;

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		double m = (mbps[k * R] + mbps[k * R + 1] + mbps[k * R + 2] + mbps[k * R + 3]) / 4;

		in_sample = m > in_sample ? m : in_sample;
	}
	assert_near(in_sample, 11);
	assert_near(bench_oracle_cv(mbps, slots, R, 2), 8);
}

static void test_oracle_cv_edges(void **state)
{
	/* p0 dropped out after one round (it cannot be chosen: no held-out half); p1 ran {4, 6}:
	 * chosen on round 0 it measures 6, chosen on round 1 it measures 4: (6 + 4) / 2 */
	const unsigned slots[] = { 1, 2 }, one[] = { 1, 1 }, full[] = { 4, 4, 4 };
	const double mbps[] = { 100, 0, 4, 6 }, seven[] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };

	(void)state;
	assert_near(bench_oracle_cv(mbps, slots, 2, 2), 5);
	assert_near(bench_oracle_cv(mbps, one, 2, 2), 0); /* n = 1: one round each */
	assert_near(bench_oracle_cv(seven, full, 4, 3), 7); /* equal values */
	assert_near(bench_oracle_cv(NULL, NULL, 4, 0), 0); /* empty */
}

static void test_median(void **state)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, one[] = { 3 }, same[] = { 2, 2, 2, 2 };

	(void)state;
	assert_near(bench_median(odd, 3), 3);
	assert_near(bench_median(even, 4), 2.5);
	assert_near(bench_median(one, 1), 3);
	assert_near(bench_median(same, 4), 2);
	assert_near(bench_median(NULL, 0), 0);
	assert_near(odd[0], 1); /* sorted in place */
}

/* 100 (max - min) / the upper median */
static void test_spread(void **state)
{
	double v[] = { 12, 8, 10 }, even[] = { 14, 8, 12, 10 }, one[] = { 5 }, same[] = { 3, 3, 3 },
	       zero[] = { 0, 0, 0 };

	(void)state;
	assert_near(bench_spread_pct(v, 3), 40);
	assert_near(bench_spread_pct(even, 4), 50);
	assert_near(bench_spread_pct(one, 1), 0);
	assert_near(bench_spread_pct(same, 3), 0);
	assert_near(bench_spread_pct(zero, 3), 0);
	assert_near(bench_spread_pct(NULL, 0), 0);
}

/* Samples 1 .. 100 us in ns, reversed: the median is lat[50] (51 us), the 99th percentile lat[99]. */
static void test_lat_percentiles(void **state)
{
	uint64_t lat[100], one[] = { 2500 };
	double p50 = -1, p99 = -1;

	(void)state;
	for (unsigned i = 0; i < 100; i++)
		lat[i] = (uint64_t)(100 - i) * 1000;
	bench_lat_percentiles(lat, 100, &p50, &p99);
	assert_near(p50, 51);
	assert_near(p99, 100);
	bench_lat_percentiles(one, 1, &p50, &p99);
	assert_near(p50, 2.5);
	assert_near(p99, 2.5);
	bench_lat_percentiles(NULL, 0, &p50, &p99);
	assert_near(p50, 0);
	assert_near(p99, 0);
}

/* 20 ticks: caps 1, 2, 3 kHz, then 5 kHz from the fourth on (tick 4, 1-based, begins the first 5
 * equal); speeds 50 .. 90 at ticks 5-9 (1-based), 100 over the second half. */
static void test_step_conv(void **state)
{
	struct vfc_tick t[20];
	struct bench_step_conv c;

	(void)state;
	memset(t, 0, sizeof(t));
	for (unsigned k = 0; k < 20; k++) {
		t[k].cap_hz = k < 3 ? 1000 * (k + 1) : 5000;
		t[k].mbps = k >= 4 && k < 9 ? 50 + 10 * (k - 4) : k >= 10 ? 100 : 1;
	}
	bench_step_conv(t, 20, &c);
	assert_int_equal(c.fixed_from, 4);
	assert_int_equal(c.cap_fixed, 5000);
	assert_near(c.settled, 100);
	assert_near(c.early, 0.7);

	for (unsigned k = 0; k < 20; k++)
		t[k].cap_hz = k % 4 ? 1000 : 2000; /* never 5 ticks alike */
	bench_step_conv(t, 20, &c);
	assert_int_equal(c.fixed_from, 0);
	assert_int_equal(c.cap_fixed, 0);

	bench_step_conv(t, 9, &c); /* fewer than 10 ticks: nothing */
	assert_int_equal(c.fixed_from, 0);
	assert_near(c.settled, 0);
	assert_near(c.early, 0);
}

/* Jain's index against hand values: equal shares 1, one tenant of n with everything 1 / n. */
static void test_jain(void **state)
{
	const double eq[] = { 5, 5, 5, 5 }, one[] = { 7, 0, 0, 0 }, ramp[] = { 1, 2, 3 }, ramp10[] = { 10, 20, 30 };
	const double zero[] = { 0, 0 };

	(void)state;
	assert_near(bench_jain(eq, 4), 1);
	assert_near(bench_jain(one, 4), 0.25);
	assert_near(bench_jain(ramp, 3), 36.0 / 42.0); /* 6^2 / (3 x 14) */
	assert_near(bench_jain(ramp10, 3), bench_jain(ramp, 3)); /* scale-free */
	assert_near(bench_jain(eq, 1), 1);
	assert_near(bench_jain(eq, 0), 0);
	assert_near(bench_jain(zero, 2), 0);
}

static void test_irq_per_gb(void **state)
{
	(void)state;
	assert_near(bench_irq_per_gb(1000, 2000000000ull), 500);
	assert_near(bench_irq_per_gb(3, 1000000000ull), 3);
	assert_near(bench_irq_per_gb(1000, 0), 0);
	assert_near(bench_irq_per_gb(0, 12345), 0);
}

static const uint32_t cs_cands[] = { 1000, 5000, 20000, 0 };

/* A separable speed: tenant t scores best at want[t]; 10 for its cap, 1 for any other. */
static double cs_speed(const uint32_t *caps, const uint32_t *want, unsigned n)
{
	double v = 0;

	for (unsigned t = 0; t < n; t++)
		v += caps[t] == want[t] ? 10 : 1;
	return v;
}

/* Run a search to its end on cs_speed; returns the trials measured. */
static unsigned cs_run(struct bench_cs *cs, const uint32_t *want, unsigned n)
{
	uint32_t caps[BENCH_CS_MAX_TENANTS];
	unsigned trials = 0;

	while (bench_cs_next(cs, caps)) {
		unsigned differ = 0;

		for (unsigned t = 0; t < n; t++)
			differ += caps[t] != cs->cur[t];
		assert_int_equal(differ, 1); /* one coordinate at a time, never the current cap again */
		bench_cs_result(cs, cs_speed(caps, want, n));
		trials++;
		assert_true(trials < 1000);
	}
	return trials;
}

/* Each tenant finds its own best cap in the first pass; the second pass changes nothing and ends it. */
static void test_cs_finds_per_tenant_caps(void **state)
{
	const uint32_t want[3] = { 1000, 0, 20000 }, start[3] = { 5000, 5000, 5000 };
	struct bench_cs cs;

	(void)state;
	bench_cs_init(&cs, 3, cs_cands, N(cs_cands), 5000, cs_speed(start, want, 3), 4);
	assert_int_equal(cs_run(&cs, want, 3), 2 * 3 * 3); /* 2 passes x 3 tenants x 3 other caps */
	assert_memory_equal(cs.cur, want, sizeof(want));
	assert_near(cs.cur_val, 30);
	assert_int_equal(cs.pass, 2);
}

/* The start is the best: one pass, nothing changes. max_passes bounds the search; nothing to search
 * (no tenant, no candidate) ends it at once. */
static void test_cs_edges(void **state)
{
	const uint32_t want[2] = { 5000, 5000 }, want2[2] = { 0, 1000 };
	struct bench_cs cs;
	uint32_t caps[BENCH_CS_MAX_TENANTS];

	(void)state;
	bench_cs_init(&cs, 2, cs_cands, N(cs_cands), 5000, 20, 4);
	assert_int_equal(cs_run(&cs, want, 2), 2 * 3);
	assert_memory_equal(cs.cur, want, sizeof(want));
	assert_near(cs.cur_val, 20);

	bench_cs_init(&cs, 2, cs_cands, N(cs_cands), 5000, 2, 1);
	assert_int_equal(cs_run(&cs, want2, 2), 2 * 3);
	assert_memory_equal(cs.cur, want2, sizeof(want2));

	bench_cs_init(&cs, 0, cs_cands, N(cs_cands), 5000, 2, 4);
	assert_int_equal(bench_cs_next(&cs, caps), 0);
	bench_cs_init(&cs, 2, cs_cands, 0, 5000, 2, 4);
	assert_int_equal(bench_cs_next(&cs, caps), 0);
	/* a lone candidate equal to the start: nothing to try */
	bench_cs_init(&cs, 2, &cs_cands[1], 1, 5000, 2, 4);
	assert_int_equal(bench_cs_next(&cs, caps), 0);
	assert_near(cs.cur_val, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t95_table),	cmocka_unit_test(test_ratio_ci_hand),
		cmocka_unit_test(test_ratio_ci_edges),	cmocka_unit_test(test_oracle_cv_winners_curse),
		cmocka_unit_test(test_oracle_cv_edges), cmocka_unit_test(test_median),
		cmocka_unit_test(test_spread),		cmocka_unit_test(test_lat_percentiles),
		cmocka_unit_test(test_step_conv),	cmocka_unit_test(test_jain),
		cmocka_unit_test(test_irq_per_gb),	cmocka_unit_test(test_cs_finds_per_tenant_caps),
		cmocka_unit_test(test_cs_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
