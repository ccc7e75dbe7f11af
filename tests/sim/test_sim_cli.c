/* SPDX-License-Identifier: MIT */
/* test_sim_cli.c - `vfc sim` as other tools use it: --json, --csv, --oracle, errors, calibrate --out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

/* Run a shell command; returns its exit status, output (stdout and stderr) in a malloc'ed string. */
static int run(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int st;

	assert_non_null(p);
	assert_non_null(buf);
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, p);
		if (!n)
			break;
		len += n;
	}
	buf[len] = 0;
	st = pclose(p);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_help(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(run(VFC_BIN " sim --help", &out), 0);
	assert_non_null(strstr(out, "--oracle CAPS"));
	assert_non_null(strstr(out, "calibrate"));
	free(out);
	assert_int_equal(run(VFC_BIN " sim 2>&1", &out), 2);
	assert_non_null(strstr(out, "missing SCENARIO.json"));
	free(out);
	assert_int_equal(run(VFC_BIN " sim --bogus x.json 2>&1", &out), 2);
	free(out);
}

static void test_json_deterministic(void **state)
{
	char *a, *b;
	json_t *j, *vfs;

	(void)state;
	assert_int_equal(run(VFC_BIN " sim " SIM_SCENARIOS "/small.json --json --no-timing", &a), 0);
	assert_int_equal(run(VFC_BIN " sim " SIM_SCENARIOS "/small.json --json --no-timing", &b), 0);
	assert_string_equal(a, b);
	j = json_loads(a, 0, NULL);
	assert_non_null(j);
	assert_true(json_number_value(json_object_get(j, "total_mbps")) > 0);
	assert_true(json_number_value(json_object_get(j, "irq_hz")) > 0);
	assert_true(json_integer_value(json_object_get(j, "events")) > 0);
	assert_non_null(json_object_get(j, "wall_s"));
	vfs = json_object_get(j, "vfs");
	assert_int_equal(json_array_size(vfs), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_array_get(vfs, i);

		assert_int_equal(json_integer_value(json_object_get(v, "id")), i);
		assert_string_equal(json_string_value(json_object_get(v, "ctl")), "adaptive");
		assert_true(json_number_value(json_object_get(v, "mbps")) > 0);
		assert_non_null(json_object_get(v, "irq_hz"));
		assert_non_null(json_object_get(v, "cap_hz_final"));
	}
	json_decref(j);
	free(a);
	free(b);
}

static void test_oracle_and_csv(void **state)
{
	char *out, cmd[1024], csv[] = "/tmp/vfc-sim-csv-XXXXXX";
	json_t *j, *w;
	int fd = mkstemp(csv);
	FILE *f;
	char line[256];
	int rows = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), VFC_BIN " sim " SIM_SCENARIOS "/small.json --json --csv %s --oracle 0,1000,2000,5000,20000",
		 csv);
	assert_int_equal(run(cmd, &out), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	w = json_object_get(j, "oracle_windows");
	assert_int_equal(json_array_size(w), 2);
	/* the best static cap of each window is at least as good as any one cap over the whole run */
	assert_true(json_number_value(json_object_get(j, "oracle_total_mbps")) > 0);
	json_decref(j);
	free(out);
	f = fopen(csv, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "t_s,vf,group,ctl,cap_hz,mbps,irq_hz,ops_per_s,cpu_frac\n");
	while (fgets(line, sizeof(line), f))
		rows++;
	fclose(f);
	unlink(csv);
	assert_int_equal(rows, 2 * 29); /* 2 VFs x ticks at 1 .. 29 s */
	/* an oracle of one cap is that cap's run */
	assert_int_equal(run(VFC_BIN " sim " SIM_SCENARIOS "/small.json --oracle 3000", &out), 0);
	assert_non_null(strstr(out, "best cap 3000 Hz"));
	free(out);
	assert_int_equal(run(VFC_BIN " sim " SIM_SCENARIOS "/small.json --oracle 1,x 2>&1", &out), 2);
	assert_non_null(strstr(out, "--oracle"));
	free(out);
}

static void test_scenario_error(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(run(VFC_BIN " sim " SIM_SCENARIOS "/bad-order.json 2>&1", &out), 2);
	assert_non_null(strstr(out, "groups[0].phases[2].at_s: phases out of order"));
	free(out);
	assert_int_equal(run(VFC_BIN " sim /nonexistent.json 2>&1", &out), 2);
	assert_non_null(strstr(out, "/nonexistent.json"));
	free(out);
}

static void test_calibrate_cli(void **state)
{
	char csv[] = "/tmp/vfc-sim-cal-XXXXXX", prof[] = "/tmp/vfc-sim-prof-XXXXXX", cmd[1024], *out;
	int fd = mkstemp(csv), fd2 = mkstemp(prof);
	FILE *f;
	json_t *j;

	(void)state;
	assert_true(fd >= 0 && fd2 >= 0);
	close(fd);
	close(fd2);
	f = fopen(csv, "w");
	/* a device at 1 GB/s + 5 us per request, 2 us per interrupt (numbers made up for the test) */
	fprintf(f, "algo,block_bytes,depth,ctl,mbps,irq_hz,cap_hz\n");
	for (unsigned b = 1024; b <= 65536; b *= 4) {
		double per_op = 5e-6 + b / 1e9, r = 1 / per_op, r2 = 1 / (per_op + 2e-6);

		fprintf(f, "sha256,%u,32,none,%.3f,%.1f,0\n", b, r2 * b / 1e6, r2);
		fprintf(f, "sha256,%u,32,static:1000,%.3f,%.1f,1000\n", b, 1 / (per_op + 2e-6 * 1000 / r) * b / 1e6,
			1000.0);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), VFC_BIN " sim calibrate %s --out %s", csv, prof);
	assert_int_equal(run(cmd, &out), 0);
	assert_non_null(strstr(out, "validation:"));
	free(out);
	j = json_load_file(prof, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "local");
	assert_non_null(json_object_get(json_object_get(j, "algos"), "sha256"));
	json_decref(j);
	unlink(csv);
	unlink(prof);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_json_deterministic),
		cmocka_unit_test(test_oracle_and_csv),
		cmocka_unit_test(test_scenario_error),
		cmocka_unit_test(test_calibrate_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
