/* SPDX-License-Identifier: MIT */
/* test_sim_sweep.c - `vfc sim sweep`: rows per (seed, ctl), the same whatever -j, resumable, shards, errors. */
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

#define SWEEP VFC_BIN " sim sweep " SIM_SCENARIOS "/tiny.json --seeds 3 --ctl none,static:5000,dim:min=2000,max=8000"

static char dir[] = "/tmp/vfc-sweep-XXXXXX";

/* Run a shell command; its exit status, stdout and stderr in *out (malloc'ed). */
static int run(const char *cmd, char **out)
{
	char full[2048];
	FILE *p;
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	assert_non_null(p);
	assert_non_null(buf);
	for (size_t n; (n = fread(buf + len, 1, cap - len - 1, p)) > 0;) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = 0;
	st = pclose(p);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void sweep(const char *extra, const char *file, int want)
{
	char cmd[1024], *out;
	int st;

	snprintf(cmd, sizeof(cmd), SWEEP " --out %s/%s %s", dir, file, extra);
	st = run(cmd, &out);
	if (st != want)
		fail_msg("%s: exit %d (expected %d): %s", cmd, st, want, out);
	free(out);
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* -j 1 and -j 2 write the same bytes: a header and 9 rows, seed-major; the dim spec kept whole. */
static void test_jobs_identical(void **state)
{
	char p1[256], p2[256], *a, *b;

	(void)state;
	sweep("-j 1", "j1.csv", 0);
	sweep("-j 2", "j2.csv", 0);
	snprintf(p1, sizeof(p1), "%s/j1.csv", dir);
	snprintf(p2, sizeof(p2), "%s/j2.csv", dir);
	a = slurp(p1);
	b = slurp(p2);
	assert_string_equal(a, b);
	assert_int_equal(lines(a), 10);
	assert_non_null(strstr(a, "\n1,none,exact,"));
	assert_non_null(strstr(a, "\n3,\"dim:min=2000,max=8000\",exact,"));
	free(a);
	free(b);
}

/* A run cut short (two rows and half a row) completes only the missing rows, to the same file. */
static void test_resume(void **state)
{
	char full[256], part[256], cmd[1024], *a, *b, *out, *cut;

	(void)state;
	snprintf(full, sizeof(full), "%s/j1.csv", dir);
	snprintf(part, sizeof(part), "%s/part.csv", dir);
	a = slurp(full);
	cut = a;
	for (int k = 0; k < 3; k++)
		cut = strchr(cut, '\n') + 1;
	{
		FILE *f = fopen(part, "w");

		assert_non_null(f);
		fwrite(a, 1, (size_t)(cut - a) + 7, f); /* header, 2 rows, 7 bytes of the third */
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), SWEEP " --out %s -j 2", part);
	assert_int_equal(run(cmd, &out), 0);
	assert_non_null(strstr(out, "7 run(s) done, 2 already"));
	free(out);
	b = slurp(part);
	assert_string_equal(a, b);
	free(b);
	assert_int_equal(run(cmd, &out), 0); /* nothing left to do */
	assert_non_null(strstr(out, "0 run(s) done, 9 already"));
	free(out);
	free(a);
}

/* Shards 0/2 and 1/2 into JSON lines: together the rows of the whole sweep. */
static void test_shards_json(void **state)
{
	char p[256], *s0, *s1;
	size_t n = 0;

	(void)state;
	sweep("--shard 0/2", "s0.jsonl", 0);
	sweep("--shard 1/2", "s1.jsonl", 0);
	snprintf(p, sizeof(p), "%s/s0.jsonl", dir);
	s0 = slurp(p);
	snprintf(p, sizeof(p), "%s/s1.jsonl", dir);
	s1 = slurp(p);
	assert_int_equal(lines(s0), 5);
	assert_int_equal(lines(s1), 4);
	for (char *l = s0, *nl; (nl = strchr(l, '\n')); l = nl + 1, n++) {
		json_t *j;

		*nl = 0;
		j = json_loads(l, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_array_size(json_object_get(j, "cap_hz_final")), 2);
		assert_true(json_number_value(json_object_get(j, "total_mbps")) > 0);
		/* run 0, 2, 4, ... of the seed-major list: seed 1 none, seed 1 dim, seed 2 static ... */
		if (n == 1)
			assert_string_equal(json_string_value(json_object_get(j, "ctl")), "dim:min=2000,max=8000");
		json_decref(j);
	}
	free(s0);
	free(s1);
}

static void expect_error(const char *args, const char *msg)
{
	char cmd[1024], *out;

	snprintf(cmd, sizeof(cmd), VFC_BIN " sim sweep %s", args);
	assert_int_equal(run(cmd, &out), 2);
	if (!strstr(out, msg))
		fail_msg("%s: expected '%s' in: %s", cmd, msg, out);
	free(out);
}

static void test_bad_args(void **state)
{
	(void)state;
	expect_error(SIM_SCENARIOS "/tiny.json --ctl none --out x.csv", "--seeds: missing");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 2 --out x.csv", "--ctl: missing");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 2 --ctl none", "--out: missing");
	expect_error("--seeds 2 --ctl none --out x.csv", "SCENARIO.json: missing");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 0 --ctl none --out x.csv", "--seeds: expected an integer");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 2 --ctl bogus --out x.csv", "--ctl: ");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 2 --ctl none --out x.txt", "--out: expected a file name");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 2 --ctl none --out x.csv -j 0", "-j: expected an integer");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 2 --ctl none --out x.csv --shard 2/2", "--shard: expected");
	expect_error(SIM_SCENARIOS "/tiny.json --seeds 2 --ctl none --out x.csv --bogus", "unknown option");
	expect_error(SIM_SCENARIOS "/bad-order.json --seeds 2 --ctl none --out x.csv", "phases out of order");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300], *out;

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd, &out);
	free(out);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_identical),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_shards_json),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
