/* SPDX-License-Identifier: MIT */
/* test_bench_fresh.c - `vfc bench`'s fresh league end to end: a tiny cold league and multi-tenant cells, their structure and invariants. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_test.h"
#include "bench_csv.h"

#ifndef VFC_BIN
#error "VFC_BIN (the path of the vfc binary) must be defined by the build"
#endif

#define N_CAPS 15 /* the oracle's sweep */

static const char *const sweep[N_CAPS] = { "static:1000",  "static:2000",  "static:3000",   "static:5000",
					   "static:7000",  "static:10000", "static:15000",  "static:20000",
					   "static:30000", "static:50000", "static:70000",  "static:100000",
					   "static:150000", "static:200000", "none" };

static int group_setup(void **state)
{
	(void)state;
	return make_dir("vfc-bench-fresh");
}

/* What holds in every cell c[0 .. n) of a fresh league: the sweep first, in order; the oracle is its
 * fastest point of those measured in every round (ratio 1 by construction, and its irq per GB ratio
 * 1): a static faster than it dropped out of the race, so ran fewer slots; every ratio is the point's
 * speed over the oracle's; Jain in [1 / vfs, 1]; irq per GB >= 0 and the interrupt rate over the speed. */
static unsigned check_cell(const struct row *c, unsigned n)
{
	unsigned best = N_CAPS;

	for (unsigned i = 0; i < N_CAPS; i++) {
		assert_string_equal(c[i].ctl, sweep[i]);
		if (fabs(c[i].v[C_RATIO_ORACLE] - 1) <= 1e-4 && (best == N_CAPS || c[i].v[C_MBPS] > c[best].v[C_MBPS]))
			best = i;
	}
	assert_true(best < N_CAPS);
	for (unsigned i = 0; i < N_CAPS; i++)
		if (c[i].v[C_MBPS] > c[best].v[C_MBPS])
			assert_true(c[i].v[C_SECONDS] < c[best].v[C_SECONDS]);
	assert_near("the oracle's irq ratio", c[best].v[C_IRQ_GB_RATIO], 1, 0, 1e-4);
	for (unsigned i = 0; i < n; i++) {
		const struct row *r = &c[i];

		assert_true(r->v[C_MBPS] > 0);
		assert_true(r->v[C_SECONDS] > 0);
		assert_int_equal((int)r->v[C_WARM_TICKS], (int)c[0].v[C_WARM_TICKS]);
		assert_near("ratio_oracle", r->v[C_RATIO_ORACLE], r->v[C_MBPS] / c[best].v[C_MBPS], 0.002, 2e-4);
		assert_true(r->v[C_JAIN] >= 1 / r->v[C_VFS] - 1e-4 && r->v[C_JAIN] <= 1 + 1e-9);
		assert_true(r->v[C_IRQ_GB] >= 0);
		assert_near("irq_per_gb", r->v[C_IRQ_GB], r->v[C_IRQ] / r->v[C_MBPS] * 1e3, 0.003, 1);
		assert_near("irq_per_gb_ratio", r->v[C_IRQ_GB_RATIO], r->v[C_IRQ_GB] / c[best].v[C_IRQ_GB], 0.003,
			    1e-3);
		assert_true(r->v[C_TMIN] <= r->v[C_TMAX] + 1e-3); /* the slowest and fastest tenant */
	}
	return best;
}

/* `vfc bench --league ARGS -q --csv NAME`, its table to "out": it succeeds and writes n rows. */
static void league(const char *args, const char *csv, struct row *rows, unsigned n)
{
	assert_int_equal(run(VFC_BIN " bench --league %s -q --csv '%s' > '%s'", args, P(csv), P("out")), 0);
	assert_true(exists(P(csv)));
	assert_int_equal(read_csv(P(csv), rows, MAX_ROWS), (int)n);
}

/* The cross-validated oracle is one speed per cell (every point's speed over its ratio to it, to the
 * CSV's 4 decimals of the ratio). */
static void check_cv(const struct row *c, unsigned n)
{
	unsigned top = 0; /* the reference: the highest ratio, the least rounded */
	double cv;

	for (unsigned i = 1; i < n; i++)
		top = c[i].v[C_RATIO_ORACLE_CV] > c[top].v[C_RATIO_ORACLE_CV] ? i : top;
	cv = c[top].v[C_MBPS] / c[top].v[C_RATIO_ORACLE_CV];
	assert_true(cv > 0);
	for (unsigned i = 0; i < n; i++) {
		double r = c[i].v[C_RATIO_ORACLE_CV];

		assert_true(r > 0);
		assert_near("cross-validated oracle", c[i].v[C_MBPS] / r, cv, 0, (1e-3 + 1e-4 / r) * cv);
	}
}

/* A cold league of one workload at two warm-ups: a cell per warm-up, each the sweep (measured once for
 * the workload, so the same in both cells) and the controller columns warmed up that many ticks. */
static void test_cold_league(void **state)
{
	struct row rows[MAX_ROWS];
	const unsigned per_cell = N_CAPS + 3;

	(void)state;
	league("--algo sha256 --size 4096 --depth 8 --warmup-ticks 1,3 --tick 20 --ctl adaptive --ctl none"
	       " --ctl adaptive:recheck=1 --seconds 0.3 --repeat 3",
	       "c.csv", rows, 2 * per_cell);
	for (unsigned w = 0; w < 2; w++) {
		const struct row *c = &rows[w * per_cell];

		check_cell(c, per_cell);
		check_cv(c, per_cell);
		/* 3 slots of 0.1 s, up to 9 in a noisy workload: every column ran the same rounds */
		for (unsigned i = N_CAPS; i < per_cell; i++) {
			assert_true(c[i].v[C_SECONDS] >= 0.25 && c[i].v[C_SECONDS] <= 1.2); /* windows run late on a loaded VM */
			assert_near("the columns' rounds", c[i].v[C_SECONDS], c[N_CAPS].v[C_SECONDS], 0.25, 0);
		}
		assert_int_equal((int)c[0].v[C_WARM_TICKS], w ? 3 : 1);
		assert_string_equal(c[N_CAPS].ctl, "adaptive");
		assert_string_equal(c[N_CAPS + 1].ctl, "none");
		for (unsigned i = 0; i < per_cell; i++) {
			assert_string_equal(c[i].algo, "sha256");
			assert_int_equal((int)c[i].v[C_BLOCK], 4096);
			assert_int_equal((int)c[i].v[C_DEPTH], 8);
			assert_int_equal((int)c[i].v[C_VFS], 1);
			assert_near("one tenant's Jain", c[i].v[C_JAIN], 1, 0, 1e-9);
			assert_string_equal(c[i].mix, "-");
			/* the sweep is the workload's, shared by its cells */
			if (i < N_CAPS && w)
				assert_near("shared sweep", c[i].v[C_MBPS], rows[i].v[C_MBPS], 0, 1e-9);
		}
	}
	assert_file_contains(P("out"), "Fresh league");
	assert_file_contains(P("out"), "warm-up 1 ticks, 1 cells:");
	assert_file_contains(P("out"), "warm-up 3 ticks, 1 cells:");
	assert_file_contains(P("out"), "mean cv");
	assert_file_contains(P("out"), "short"); /* cells below 0.97 beyond noise */
	/* the A/A lines: a column against the sweep's point of the same setting, and against an
	 * earlier column of the same setting spelt otherwise */
	assert_file_contains(P("out"), "A/A (the noise floor): none against the sweep's none");
	assert_file_contains(P("out"), "A/A (the noise floor): adaptive:recheck=1 against adaptive,");
}

/* The fresh league once per engine kind: each kind's cell in the CSV, under its own heading. */
static void test_fresh_kinds(void **state)
{
	struct row rows[MAX_ROWS];
	const unsigned per_cell = N_CAPS + 1;

	(void)state;
	league("--engine-kind openssl,mb --algo sha256 --size 4096 --depth 4 --warmup-ticks 1 --tick 20 --ctl none"
	       " --seconds 0.1 --repeat 2",
	       "k.csv", rows, 2 * per_cell);
	for (unsigned i = 0; i < 2 * per_cell; i++) {
		assert_string_equal(rows[i].engine_kind, i < per_cell ? "openssl" : "mb");
		assert_int_equal((int)rows[i].v[C_WARM_TICKS], 1);
	}
	check_cell(&rows[0], per_cell);
	check_cell(&rows[per_cell], per_cell);
	assert_file_contains(P("out"), "# engine kind: openssl");
	assert_file_contains(P("out"), "# engine kind: mb");
}

/* A mixed multi-tenant cell with oracle-pt: two tenants (1 KiB depth 4 and 4 KiB depth 8) on one
 * engine; the controller column, then oracle-pt's per-tenant caps, each a cap of the sweep. */
static void test_mixed_cell(void **state)
{
	struct row rows[MAX_ROWS];
	unsigned caps[2];
	const struct row *pt;

	(void)state;
	league("--vfs 2 --engines 1 --algo aes-128-cbc --mix 1024x4,4096x8 --warmup-ticks 2 --tick 20 --ctl paper"
	       " --oracle-pt --seconds 0.2 --repeat 2",
	       "m.csv", rows, N_CAPS + 2);
	check_cell(rows, N_CAPS + 2);
	for (unsigned i = 0; i < N_CAPS + 2; i++) {
		assert_int_equal((int)rows[i].v[C_VFS], 2);
		assert_int_equal((int)rows[i].v[C_ENGINES], 1);
		assert_int_equal((int)rows[i].v[C_BLOCK], 0); /* a mix: no one size or depth */
		assert_int_equal((int)rows[i].v[C_DEPTH], 0);
		assert_string_equal(rows[i].mix, "1024x4;4096x8");
		assert_int_equal((int)rows[i].v[C_WARM_TICKS], 2);
	}
	assert_string_equal(rows[N_CAPS].ctl, "paper");
	assert_string_equal(rows[N_CAPS].tenant_caps, "-");
	pt = &rows[N_CAPS + 1];
	assert_string_equal(pt->ctl, "oracle-pt");
	assert_int_equal(sscanf(pt->tenant_caps, "%u/%u", &caps[0], &caps[1]), 2);
	for (unsigned k = 0; k < 2; k++) {
		char spec[32];
		int found = 0;

		snprintf(spec, sizeof(spec), caps[k] ? "static:%u" : "none", caps[k]);
		for (unsigned i = 0; i < N_CAPS; i++)
			found |= !strcmp(spec, sweep[i]);
		assert_true(found);
	}
	assert_file_contains(P("out"), "x 2 VFs on 1 engine(s)");
	assert_file_contains(P("out"), "(oracle)");
}

/* Identical tenants, the warm-up in seconds, the JSON form: every point carries the new fields. */
static void test_tenants_json(void **state)
{
	(void)state;
	assert_int_equal(run(VFC_BIN " bench --league --vfs 2 --algo sha256 --size 4096 --depth 4 --warmup 0.05"
				     " --tick 20 --ctl none --seconds 0.2 --repeat 1 -q --json > '%s'",
			     P("j.json")),
			 0);
	assert_file_contains(P("j.json"), "\"command\": \"league\"");
	assert_file_contains(P("j.json"), "\"vfs\": 2");
	assert_file_contains(P("j.json"), "\"warmup_ticks\": 0");
	assert_file_contains(P("j.json"), "\"jain\": ");
	assert_file_contains(P("j.json"), "\"irq_per_gb_ratio\": 1.0");
	assert_file_contains(P("j.json"), "\"mix\": null");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_league),
		cmocka_unit_test(test_fresh_kinds),
		cmocka_unit_test(test_mixed_cell),
		cmocka_unit_test(test_tenants_json),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
