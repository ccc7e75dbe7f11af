/* SPDX-License-Identifier: MIT */
/* test_model_cli.c - `vfc model` end to end: fit on CSVs in a temp dir, predict, help, every CSV error. */
#include <math.h>
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

#include "core/model.h"

static char dir[64];
static char out[65536], err[65536];

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Run `vfc ARGS` (a shell fragment), capture stdout and stderr; returns the exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char args[1024], cmd[2048], o[128], e[128];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(o, sizeof(o), "%s/out", dir);
	snprintf(e, sizeof(e), "%s/err", dir);
	snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s'", VFC_BIN, args, o, e);
	st = system(cmd);
	slurp(o, out, sizeof(out));
	slurp(e, err, sizeof(err));
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not in:\n%s", needle, hay);
}

static double json_num(const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(out, k);
	if (!p)
		fail_msg("no key %s in:\n%s", key, out);
	return strtod(p + strlen(k), NULL);
}

#define T0 1.5e-7
#define T1 (1.0 / 1400.0)

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vfc_model_cli_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_fit_good(void **state)
{
	char csv[16384];
	size_t n = 0;

	(void)state;
	/* Columns in another order, an extra column, a comment and a blank line, CRLF line ends. */
	n += (size_t)snprintf(csv + n, sizeof(csv) - n, "# a sweep\r\nspeed_mbps, note ,irq_hz,block_bytes\r\n\r\n");
	for (double b = 1024; b <= 131072; b *= 2)
		for (double i = 1000; i <= 64000; i *= 2)
			n += (size_t)snprintf(csv + n, sizeof(csv) - n, "%.10g,x,%.0f,%.0f\r\n",
					      vfc_model_predict(T0, T1, b, i), i, b);
	write_file("good.csv", csv);

	assert_int_equal(run("model fit %s/good.csv --json", dir), 0);
	assert_float_equal(json_num("t0_s") / T0, 1.0, 1e-6);
	assert_float_equal(json_num("t1_s") / T1, 1.0, 1e-6);
	assert_float_equal(json_num("r2"), 1.0, 1e-6);
	/* the peak of this sweep: the largest block at the lowest rate */
	assert_float_equal(json_num("vmax_mbps"), vfc_model_predict(T0, T1, 131072, 1000), 1e-3);
	assert_true(json_num("b0_bytes") >= 1024 && json_num("b0_bytes") <= 131072);
	assert_float_equal(json_num("i0_hz"), 1000, 0);
	assert_float_equal(json_num("rows"), 8 * 7, 0);
	assert_string_equal(err, "");

	assert_int_equal(run("model fit %s/good.csv", dir), 0);
	contains(out, "t0_s");
	contains(out, "t1_s");
	contains(out, "r2 ");
	contains(out, "b0_bytes");
	contains(out, "i0_hz");
	contains(out, "vmax_mbps");
}

static void test_predict(void **state)
{
	char want[64];

	(void)state;
	assert_int_equal(run("model predict --t0 1.5e-7 --t1 %.17g --block 16384 --irq=6450", T1), 0);
	snprintf(want, sizeof(want), "%.6g MB/s", vfc_model_predict(T0, T1, 16384, 6450));
	contains(out, want);
	assert_int_equal(run("model predict --t0 1.5e-7 --t1 %.17g --block 16384 --irq 6450 --json", T1), 0);
	assert_float_equal(json_num("speed_mbps"), vfc_model_predict(T0, T1, 16384, 6450), 1e-6);
	assert_int_equal(run("model predict --t0 1.5e-7 --t1 1e-3 --block 16384"), 2);
	contains(err, "missing --irq");
	assert_int_equal(run("model predict --t0 x --t1 1e-3 --block 16384 --irq 5"), 2);
	contains(err, "--t0: expected a non-negative number, got 'x'");
	assert_int_equal(run("model predict --t0 1 --t1 1e-3 --block 0 --irq 5"), 2);
	contains(err, "--block");
	assert_int_equal(run("model predict --t0 1 --t1 1e-3 --block 10 --irq"), 2);
	contains(err, "--irq: missing value");
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("model --help"), 0);
	contains(out, "vfc model fit FILE.csv");
	assert_int_equal(run("model fit --help"), 0);
	contains(out, "block_bytes");
	contains(out, "--json");
	assert_int_equal(run("model predict -h"), 0);
	contains(out, "--block BYTES");
	assert_int_equal(run("model"), 2);
	contains(err, "missing subcommand");
	assert_int_equal(run("model frob"), 2);
	contains(err, "unknown subcommand 'frob'");
	assert_int_equal(run("model fit"), 2);
	contains(err, "missing FILE.csv");
	assert_int_equal(run("model fit --bogus x.csv"), 2);
	contains(err, "unknown option '--bogus'");
}

static void test_csv_errors(void **state)
{
	char want[160];

	(void)state;
	write_file("nocol.csv", "block_bytes,irq_hz,speed\n1024,1000,500\n2048,1000,700\n4096,1000,800\n");
	assert_int_equal(run("model fit %s/nocol.csv", dir), 2);
	snprintf(want, sizeof(want), "%s/nocol.csv:1: missing column 'speed_mbps'", dir);
	contains(err, want);

	write_file("nan.csv", "block_bytes,irq_hz,speed_mbps\n1024,1000,500\n2048,fast,700\n4096,1000,800\n");
	assert_int_equal(run("model fit %s/nan.csv", dir), 2);
	snprintf(want, sizeof(want), "%s/nan.csv:3: irq_hz: expected a non-negative number, got 'fast'", dir);
	contains(err, want);

	write_file("neg.csv", "block_bytes,irq_hz,speed_mbps\n1024,1000,500\n2048,1000,700\n4096,1000,0\n");
	assert_int_equal(run("model fit %s/neg.csv", dir), 2);
	snprintf(want, sizeof(want), "%s/neg.csv:4: speed_mbps: expected a positive number, got '0'", dir);
	contains(err, want);

	write_file("short.csv", "block_bytes,irq_hz,speed_mbps\n1024,1000,500\n2048\n");
	assert_int_equal(run("model fit %s/short.csv", dir), 2);
	snprintf(want, sizeof(want), "%s/short.csv:3: 1 field, expected at least 3", dir);
	contains(err, want);

	write_file("two.csv", "block_bytes,irq_hz,speed_mbps\n1024,1000,500\n2048,2000,700\n");
	assert_int_equal(run("model fit %s/two.csv", dir), 2);
	snprintf(want, sizeof(want), "%s/two.csv:3: 2 data rows, need at least 3", dir);
	contains(err, want);

	write_file("empty.csv", "");
	assert_int_equal(run("model fit %s/empty.csv", dir), 2);
	snprintf(want, sizeof(want), "%s/empty.csv:1: empty file", dir);
	contains(err, want);

	assert_int_equal(run("model fit %s/missing.csv", dir), 2);
	snprintf(want, sizeof(want), "%s/missing.csv: No such file or directory", dir);
	contains(err, want);

	/* rows that cannot determine t0 and t1: I proportional to B */
	write_file("collinear.csv", "block_bytes,irq_hz,speed_mbps\n1024,1000,500\n2048,2000,700\n4096,4000,800\n");
	assert_int_equal(run("model fit %s/collinear.csv", dir), 2);
	contains(err, "cannot fit");
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_good),
		cmocka_unit_test(test_predict),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_csv_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
