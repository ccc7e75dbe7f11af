/* SPDX-License-Identifier: MIT */
/* test_sim_pf.c - pf mode in the simulator: one coordinator per PF, one common cap to every member (a cap per class under the trial), near the per-phase oracle. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/coord.h"
#include "sim/sim.h"

/* A random seed, printed (the scenario's jitter): not tuned to a fixed one (VFC_PF_SEED reproduces). */
static unsigned seed;

static int setup(void **state)
{
	const char *e = getenv("VFC_PF_SEED");

	(void)state;
	seed = e ? (unsigned)strtoul(e, NULL, 10) : (unsigned)time(NULL) % 100000;
	printf("test_sim_pf: seed %u (VFC_PF_SEED=%u reproduces)\n", seed, seed);
	return 0;
}

/*
 * One PF, 2 engines: 10 VFs of AES 4 KiB at depth 32 that shift to 1 KiB at depth 4 halfway, and 6
 * of SHA-256 16 KiB at depth 8. The per-phase oracle's best common caps differ by phase (4 and 15
 * kHz on dh895xcc-paper), and no fixed cap is near both: none reaches 0.72 of it, static:1000 0.67.
 */
static const char *const shifting =
	"{\"profile\": \"dh895xcc-paper\", \"seed\": %u, \"duration_s\": 60, \"engines\": 2, \"mode\": \"aggregate\","
	" \"groups\": [{\"vfs\": 10, \"ctl\": \"%s\", \"phases\": [{\"algo\": \"aes-128-cbc\", \"block_bytes\": 4096,"
	" \"depth\": 32}, {\"at_s\": 30, \"block_bytes\": 1024, \"depth\": 4}]},"
	" {\"vfs\": 6, \"ctl\": \"%s\", \"phases\": [{\"algo\": \"sha256\", \"block_bytes\": 16384, \"depth\": 8}]}]}";

static const uint32_t caps[] = { 0, 500, 1000, 2000, 4000, 8000, 15000, 30000, 100000 };

static void load(const char *ctl0, const char *ctl1, unsigned vfs0, struct vfc_sim_scenario *sc)
{
	char text[1024], err[512], fmt[1024];
	json_t *root;

	snprintf(fmt, sizeof(fmt), "%s", shifting);
	if (vfs0 != 10) { /* the first group's size */
		char *p = strstr(fmt, "\"vfs\": 10");

		assert_non_null(p);
		snprintf(text, sizeof(text), "%.*s\"vfs\": %u%s", (int)(p - fmt), fmt, vfs0, p + 9);
		snprintf(fmt, sizeof(fmt), "%s", text);
	}
	snprintf(text, sizeof(text), fmt, seed, ctl0, ctl1);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	if (vfc_sim_scenario_parse(root, NULL, sc, err, sizeof(err)))
		fail_msg("scenario rejected: %s", err);
	json_decref(root);
}

/* The run's total over the per-phase oracle of the caps above. */
static double ratio(const char *ctl0, const char *ctl1, struct vfc_sim_result *res, FILE *csv)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_opts o = { .csv = csv };
	double oracle;
	uint32_t nwin;

	load(ctl0, ctl1, 10, &sc);
	assert_int_equal(vfc_sim_run(&sc, &o, res), 0);
	assert_int_equal(vfc_sim_oracle(&sc, caps, sizeof(caps) / sizeof(caps[0]), &oracle, NULL, 0, &nwin), 0);
	vfc_sim_scenario_fini(&sc);
	return res->total_mbps / oracle;
}

/* Every tick, every member in force at one cap: the rows of one tick in the CSV share cap_hz; with
 * per_group, the rows of one group (the trial's cap per class: each group of the scenario is one class
 * at a time). */
static void check_caps(FILE *csv, uint32_t nvfs, bool per_group, uint32_t *ticks)
{
	char line[256];
	double t = -1, ft;
	unsigned vf, g, cap, cap0[2] = { 0, 0 }, rows = 0;
	bool seen[2] = { false, false };

	*ticks = 0;
	rewind(csv);
	while (fgets(line, sizeof(line), csv)) {
		unsigned k;

		assert_int_equal(sscanf(line, "%lf,%u,%u,pf,%u,", &ft, &vf, &g, &cap), 4);
		assert_true(g < 2);
		if (ft != t) {
			if (t >= 0)
				assert_int_equal(rows, nvfs);
			t = ft;
			seen[0] = seen[1] = false;
			rows = 0;
			++*ticks;
		}
		k = per_group ? g : 0;
		if (!seen[k]) {
			seen[k] = true;
			cap0[k] = cap;
		}
		if (cap != cap0[k])
			fail_msg("at %.3f s VF %u (group %u) runs at %u Hz, its first at %u Hz: not one %s cap", t, vf, g,
				 cap, cap0[k], per_group ? "group's" : "common");
		rows++;
	}
}

static void test_pf_common_cap_near_oracle(void **state)
{
	static const struct {
		const char *spec;
		bool per_group; /* the trial's caps are one per class (a group here) */
	} rules[] = { { "pf", true }, { "pf:fill", false }, { "pf:adaptive", false } };
	struct vfc_sim_result res, ctl;
	FILE *csv = tmpfile();
	double r, rn, rs;
	uint32_t ticks, distinct = 0, prev = 0;

	(void)state;
	assert_non_null(csv);
	r = ratio("pf:busy", "pf:busy", &res, csv);
	printf("# pf:busy: %.1f MB/s, %.4f of the oracle, %llu coordinator ticks, final cap %u Hz\n", res.total_mbps, r,
	       (unsigned long long)res.pf.ticks, res.pf.cap_hz);
	assert_int_equal(res.pf.members, 16);
	check_caps(csv, 16, false, &ticks);
	assert_true(ticks >= 55);
	/* the coordinator stepped on (almost) every tick: two ramp ticks at the start */
	assert_true(res.pf.ticks >= ticks - 3);
	for (uint32_t i = 0; i < res.nvfs; i++)
		assert_int_equal(res.vfs[i].cap_hz_final, res.pf.cap_hz);
	/* it moved the cap (the phases' best caps differ) */
	rewind(csv);
	for (char line[256]; fgets(line, sizeof(line), csv);) {
		unsigned cap = 0;

		if (sscanf(line, "%*f,%*u,%*u,pf,%u,", &cap) == 1 && cap != prev) {
			distinct++;
			prev = cap;
		}
	}
	assert_true(distinct >= 3);
	fclose(csv);
	vfc_sim_result_fini(&res);
	/* The bar is one a fixed cap misses on this scenario (it must be able to fail). */
	rn = ratio("none", "none", &ctl, NULL);
	vfc_sim_result_fini(&ctl);
	rs = ratio("static:1000", "static:1000", &ctl, NULL);
	vfc_sim_result_fini(&ctl);
	printf("# none %.4f, static:1000 %.4f\n", rn, rs);
	assert_true(rn < 0.85 && rs < 0.85);
	/*
	 * The bar is above what any fixed cap reaches (0.72), below the seeds' spread (docs/sim.md, "pf as
	 * a column"), for every rule of the coordinator: pf:busy, pf (the trial, the default: a cap per
	 * class while its dims win, one cap per group here), pf:fill and pf:adaptive. The fill rule reads
	 * 0.89 to 0.91 here: the second phase's best common cap (15 kHz) serves the shallow 1 KiB tenants,
	 * and the bytes-weighted fill listens to the deep 16 KiB ones.
	 */
	if (r < 0.85)
		fail_msg("pf:busy at %.4f of the per-phase oracle (0.85 wanted; seed %u)", r, seed);
	for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
		const char *spec = rules[k].spec;

		csv = tmpfile();
		assert_non_null(csv);
		r = ratio(spec, spec, &ctl, csv);
		printf("# %s %.4f, final cap %u Hz\n", spec, r, ctl.pf.cap_hz);
		assert_int_equal(ctl.pf.members, 16);
		check_caps(csv, 16, rules[k].per_group, &ticks);
		fclose(csv);
		vfc_sim_result_fini(&ctl);
		if (r < 0.85)
			fail_msg("%s at %.4f of the per-phase oracle (0.85 wanted; seed %u)", spec, r, seed);
	}
}

/* Only the VFs in pf mode are members; the others keep their own controller (and cap). */
static void test_pf_members_only(void **state)
{
	struct vfc_sim_result res;
	double r;
	bool other_differs = false;

	(void)state;
	r = ratio("pf", "static:700", &res, NULL);
	printf("# 10 pf + 6 static:700: %.4f, common cap %u Hz\n", r, res.pf.cap_hz);
	assert_int_equal(res.pf.members, 10);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(res.vfs[i].cap_hz_final, res.pf.cap_hz);
	for (uint32_t i = 10; i < 16; i++) {
		assert_int_equal(res.vfs[i].cap_hz_final, 700);
		other_differs |= res.pf.cap_hz != 700;
	}
	assert_true(other_differs);
	vfc_sim_result_fini(&res);
	/* no member: no coordinator */
	r = ratio("dim", "adaptive", &res, NULL);
	assert_int_equal(res.pf.members, 0);
	assert_int_equal(res.pf.ticks, 0);
	vfc_sim_result_fini(&res);
}

/* More members than the coordinator holds: an error, not a silent truncation. */
static void test_pf_too_many_members(void **state)
{
	struct vfc_sim_scenario sc;
	struct vfc_sim_result res;

	(void)state;
	load("pf", "none", VFC_COORD_MAX_VFS + 1, &sc);
	sc.duration_ns = 10000000; /* 10 ms */
	assert_int_equal(vfc_sim_run(&sc, NULL, &res), -E2BIG);
	vfc_sim_scenario_fini(&sc);
	load("pf", "none", VFC_COORD_MAX_VFS, &sc);
	sc.duration_ns = 10000000;
	assert_int_equal(vfc_sim_run(&sc, NULL, &res), 0);
	assert_int_equal(res.pf.members, VFC_COORD_MAX_VFS);
	vfc_sim_result_fini(&res);
	vfc_sim_scenario_fini(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pf_common_cap_near_oracle),
		cmocka_unit_test(test_pf_members_only),
		cmocka_unit_test(test_pf_too_many_members),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
