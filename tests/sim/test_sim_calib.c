/* SPDX-License-Identifier: MIT */
/* test_sim_calib.c - `local` profiles: fit from synthetic bench CSV, validation, profile files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/sim.h"

/* A software device like this project's: one engine that pays for the interrupts it raises. */
static void true_profile(struct vfc_sim_profile *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "truth");
	p->engines = 1;
	p->vcpus = 1;
	p->t0_ns = 1000;
	p->engine_irq_ns = 3000;
	p->jitter = 0.02;
	p->algo[VFC_SIM_AES_ENC] = (struct vfc_sim_algo_prof){ true, 2000, 700, 300, 0, 0 };
	p->algo[VFC_SIM_SHA256] = (struct vfc_sim_algo_prof){ true, 3000, 2500, 300, 0, 0 };
}

static double sim_point(const struct vfc_sim_profile *p, int algo, uint32_t block, const char *ctl, double *irq)
{
	struct vfc_sim_scenario sc = { 0 };
	struct vfc_sim_group g = { 0 };
	struct vfc_sim_phase ph = { 0 };
	struct vfc_sim_result r;
	double mbps;

	assert_int_equal(vfc_controller_parse(ctl, &g.ctl, NULL, 0), 0);
	sc.prof = *p;
	sc.seed = 5;
	sc.duration_ns = 2000000000ull;
	sc.tick_ns = 100000000ull;
	sc.engines = p->engines;
	sc.ngroups = 1;
	sc.groups = &g;
	sc.nvfs = 1;
	g.vfs = 1;
	g.vcpus = 1;
	g.max_queue = 64;
	g.nphases = 1;
	g.phases = &ph;
	ph.algo = algo;
	ph.block_bytes = block;
	ph.depth = 32;
	assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
	mbps = r.total_mbps;
	*irq = r.irq_hz;
	vfc_sim_result_fini(&r);
	return mbps;
}

/* Bench-style CSV of the true profile (plus the columns calibrate ignores and a raw row). */
static void write_csv(const char *path)
{
	static const char *const ctls[] = { "none", "static:2000", "static:10000", "static:50000", "adaptive" };
	static const uint32_t sizes[] = { 1024, 4096, 16384, 65536 };
	static const int algos[] = { VFC_SIM_AES_ENC, VFC_SIM_SHA256 };
	struct vfc_sim_profile p;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	true_profile(&p);
	fprintf(f, "algo,block_bytes,depth,tasks,vfs,ctl,seconds,mbps,ops_per_s,irq_hz,cap_hz,tenant_cpu_pct\n");
	fprintf(f, "aes-128-cbc,16384,0,1,0,raw,2.00,1400.0,85000.0,0.0,0,100.0\n");
	for (size_t a = 0; a < 2; a++)
		for (size_t s = 0; s < 4; s++)
			for (size_t c = 0; c < 5; c++) {
				double irq, mbps = sim_point(&p, algos[a], sizes[s], ctls[c], &irq);
				unsigned cap = !strncmp(ctls[c], "static:", 7) ? (unsigned)atoi(ctls[c] + 7) : 0;

				fprintf(f, "%s,%u,32,1,1,%s,2.00,%.3f,%.1f,%.1f,%u,50.0\n", vfc_sim_algo_name(algos[a]),
					sizes[s], ctls[c], mbps, mbps * 1e6 / sizes[s], irq, cap);
			}
	fclose(f);
}

static void near(const char *what, double got, double want, double tol)
{
	if (got < want * (1 - tol) || got > want * (1 + tol))
		fail_msg("%s: %.1f, want %.1f +- %.0f%%", what, got, want, tol * 100);
}

static void test_fit_synthetic(void **state)
{
	char csv[] = "/tmp/vfc-sim-calib-XXXXXX";
	struct vfc_sim_profile p;
	double maxerr = -1;
	char err[512] = "";
	int fd = mkstemp(csv);
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_csv(csv);
	if (vfc_sim_calibrate(csv, &p, devnull, &maxerr, err, sizeof(err)) < 0)
		fail_msg("calibrate: %s", err);
	fclose(devnull);
	unlink(csv);
	assert_string_equal(p.name, "local");
	near("engine_irq_ns", p.engine_irq_ns, 3000, 0.15);
	near("aes engine_ns_per_kib", p.algo[VFC_SIM_AES_ENC].engine_ns_per_kib, 700, 0.05);
	near("sha256 engine_ns_per_kib", p.algo[VFC_SIM_SHA256].engine_ns_per_kib, 2500, 0.05);
	near("sha256 engine_ns", p.algo[VFC_SIM_SHA256].engine_ns, 3000, 0.25);
	assert_false(p.algo[VFC_SIM_RSA2048].present);
	/* the validation: every row (adaptive ones too) within 10% */
	assert_true(maxerr >= 0);
	if (maxerr > 10)
		fail_msg("validation: max error %.1f%%", maxerr);
}

/*
 * Calibrate on AES rows made by the known profile t: for every size, a raw row
 * (100 ns + 700 ns/KiB of crypto) and one simulated row per controller, each
 * `secs` long; *p gets the fitted profile, *maxerr the validation's worst row.
 */
static void calibrate_aes_grid(const struct vfc_sim_profile *t, const char *const *ctls, size_t nctl,
			       const uint32_t *sizes, size_t nsize, const char *secs, struct vfc_sim_profile *p,
			       double *maxerr)
{
	char csv[] = "/tmp/vfc-sim-calib-grid-XXXXXX";
	char err[512] = "";
	int fd = mkstemp(csv);
	FILE *f, *devnull = fopen("/dev/null", "w");

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_non_null(devnull);
	fprintf(f, "algo,block_bytes,depth,tasks,vfs,ctl,seconds,mbps,ops_per_s,irq_hz,cap_hz\n");
	for (size_t s = 0; s < nsize; s++) {
		double raw = sizes[s] / (100 + 700 * (sizes[s] / 1024.0)) * 1e3;

		fprintf(f, "aes-128-cbc,%u,0,1,0,raw,1.00,%.3f,%.1f,0.0,0\n", sizes[s], raw, raw * 1e6 / sizes[s]);
		for (size_t c = 0; c < nctl; c++) {
			double irq, mbps = sim_point(t, VFC_SIM_AES_ENC, sizes[s], ctls[c], &irq);
			unsigned cap = strncmp(ctls[c], "static:", 7) ? 0 : (unsigned)atoi(ctls[c] + 7);

			fprintf(f, "aes-128-cbc,%u,32,1,1,%s,%s,%.3f,%.1f,%.1f,%u\n", sizes[s], ctls[c], secs, mbps,
				mbps * 1e6 / sizes[s], irq, cap);
		}
	}
	fclose(f);
	*maxerr = -1;
	if (vfc_sim_calibrate(csv, p, devnull, maxerr, err, sizeof(err)) < 0)
		fail_msg("calibrate: %s", err);
	fclose(devnull);
	unlink(csv);
}

/*
 * A device like the real one: the engine pays a per-request cost beyond the
 * crypto, an interrupt cost growing with the request size, it polls 100 us
 * before it sleeps, the moderation timer fires late when it sleeps, and a
 * sleeping engine takes a while to wake on a doorbell. With raw rows (the
 * crypto alone) at every size, calibrate finds the per-interrupt costs and
 * the timer's lateness, and every row is within 10%.
 */
static void test_fit_raw_latency(void **state)
{
	static const char *const ctls[] = { "none", "static:50000", "static:20000", "static:10000", "static:5000",
					    "static:2000" };
	static const uint32_t sizes[] = { 1024, 2048, 4096, 8192, 16384, 65536 };
	struct vfc_sim_profile p, t;
	double maxerr;

	(void)state;
	true_profile(&t);
	t.algo[VFC_SIM_SHA256].present = false;
	t.engine_irq_ns = 1500;
	t.engine_irq_ns_per_kib = 100;
	t.timer_late_ns = 40000;
	t.engine_wake_ns = 8000;
	t.engine_spin_ns = 100000; /* the device's default spin, which calibrate assumes */
	t.algo[VFC_SIM_AES_ENC].engine_ns = 600; /* 100 ns of crypto + 500 ns of the device's own */
	calibrate_aes_grid(&t, ctls, 6, sizes, 6, "1.00", &p, &maxerr);
	near("aes engine_ns_per_kib", p.algo[VFC_SIM_AES_ENC].engine_ns_per_kib, 700, 0.05);
	near("engine_irq_ns", p.engine_irq_ns, 1500, 0.25);
	near("engine_irq_ns_per_kib", p.engine_irq_ns_per_kib, 100, 0.25);
	near("timer_late_ns", p.timer_late_ns, 40000, 0.15);
	/*
	 * No check of engine_wake_ns: with the 100 us spin no row of this grid
	 * rings a sleeping engine's doorbell (a late timer wakes the engine,
	 * which is still polling when the tenant resubmits), so the rows do not
	 * determine it; test_sim's test_engine_spin checks the mechanism.
	 */
	if (maxerr > 10)
		fail_msg("validation: max error %.1f%%", maxerr);
}

/*
 * An interrupt that wakes a sleeping tenant costs the engine more than one
 * that finds it busy (engine_irq_wake_ns: the eventfd write that wakes a
 * reader pays for its wake-up). Small uncapped requests keep the tenant busy
 * (cheap interrupts), large or capped ones let it sleep between interrupts:
 * one cost per interrupt (the linear fit) cannot match both. The joint fit
 * finds the engine time of an interrupt that wakes the tenant (w0 + w1 B +
 * wake, at 64 KiB) within 10% and every row within 4% (the linear fit with
 * the wake term searched alone, as before: 35% too high, rows within 5.3%). The
 * split between the wake cost and the tenant's wake-up latency is not
 * checked: the rows do not determine it (a quicker wake-up lets more
 * interrupts find the tenant asleep, so a smaller wake cost does as well).
 */
static void test_fit_irq_wake(void **state)
{
	static const char *const ctls[] = { "none", "static:50000", "static:10000", "static:2000" };
	static const uint32_t sizes[] = { 1024, 4096, 16384, 65536 };
	struct vfc_sim_profile p, t;
	double maxerr;

	(void)state;
	true_profile(&t);
	t.algo[VFC_SIM_SHA256].present = false;
	t.engine_irq_ns = 600;
	t.engine_irq_ns_per_kib = 40;
	t.engine_irq_wake_ns = 3000;
	t.wake_ns = 12000;
	t.timer_late_ns = 60000;
	t.engine_spin_ns = 100000;
	t.algo[VFC_SIM_AES_ENC].engine_ns = 400; /* 100 ns of crypto + 300 ns of the device's own */
	calibrate_aes_grid(&t, ctls, 4, sizes, 4, "0.50", &p, &maxerr);
	near("engine time of an interrupt that wakes the tenant at 64 KiB",
	     p.engine_irq_ns + 64 * p.engine_irq_ns_per_kib + p.engine_irq_wake_ns, 600 + 64 * 40 + 3000, 0.10);
	if (maxerr > 4)
		fail_msg("validation: max error %.1f%%", maxerr);
}

/* A profile written as JSON is read back by a scenario ("local" + profile_file) to the same run. */
static void test_profile_file(void **state)
{
	char path[] = "/tmp/vfc-sim-prof-XXXXXX";
	struct vfc_sim_profile p;
	struct vfc_sim_scenario sc;
	struct vfc_sim_result r;
	char text[1024], err[512] = "";
	json_t *j, *root;
	double want, irq;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	true_profile(&p);
	p.engine_irq_ns_per_kib = 50; /* the newer keys round-trip too */
	p.wake_ns = 5000;
	p.timer_late_ns = 20000;
	p.engine_wake_ns = 3000;
	p.engine_spin_ns = 50000;
	j = vfc_sim_profile_json(&p);
	assert_int_equal(json_dump_file(j, path, JSON_REAL_PRECISION(17)), 0);
	json_decref(j);
	snprintf(text, sizeof(text),
		 "{\"profile\": \"local\", \"profile_file\": \"%s\", \"seed\": 5, \"duration_s\": 2, \"tick_ms\": 100, "
		 "\"groups\": [{\"vfs\": 1, \"ctl\": \"static:10000\", \"max_queue\": 64, \"phases\": [{\"at_s\": 0, "
		 "\"algo\": \"sha256\", \"block_bytes\": 4096, \"depth\": 32}]}]}",
		 path);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	if (vfc_sim_scenario_parse(root, NULL, &sc, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	json_decref(root);
	unlink(path);
	assert_string_equal(sc.prof.name, "local");
	assert_int_equal(vfc_sim_run(&sc, NULL, &r), 0);
	want = sim_point(&p, VFC_SIM_SHA256, 4096, "static:10000", &irq);
	assert_true(r.total_mbps == want);
	vfc_sim_result_fini(&r);
	vfc_sim_scenario_fini(&sc);
}

static void test_bad_csv(void **state)
{
	char csv[] = "/tmp/vfc-sim-bad-XXXXXX";
	struct vfc_sim_profile p;
	char err[512] = "";
	int fd = mkstemp(csv);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	f = fopen(csv, "w");
	fprintf(f, "algo,block_bytes,ctl,mbps,irq_hz,cap_hz\naes-128-cbc,1024,none,100,5000,0\n");
	fclose(f);
	assert_int_equal(vfc_sim_calibrate(csv, &p, NULL, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no column 'depth'"));
	f = fopen(csv, "w");
	fprintf(f, "algo,block_bytes,depth,ctl,mbps,irq_hz,cap_hz\naes-128-cbc,1024,32,none,x,5000,0\n");
	fclose(f);
	assert_int_equal(vfc_sim_calibrate(csv, &p, NULL, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: column 'mbps'"));
	f = fopen(csv, "w");
	fprintf(f, "algo,block_bytes,depth,ctl,mbps,irq_hz,cap_hz\naes-128-cbc,1024,32,none,100,5000,0\n");
	fclose(f);
	assert_int_equal(vfc_sim_calibrate(csv, &p, NULL, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fewer than 3"));
	unlink(csv);
	assert_true(vfc_sim_calibrate("/nonexistent/x.csv", &p, NULL, NULL, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/x.csv"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_synthetic),
		cmocka_unit_test(test_fit_raw_latency),
		cmocka_unit_test(test_fit_irq_wake),
		cmocka_unit_test(test_profile_file),
		cmocka_unit_test(test_bad_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
