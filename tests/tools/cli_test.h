/* SPDX-License-Identifier: MIT */
/* cli_test.h - helpers of the command-line tests: run a shell command, paths in a temp dir, read files. */
#ifndef VFC_TESTS_CLI_TEST_H
#define VFC_TESTS_CLI_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

/* The test's temporary directory (its group setup fills it in). */
static char dir[256];

/* Run a shell command line built from fmt (paths are quoted by the callers); returns its exit status,
 * or -1 if it did not exit normally. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n, st;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st)) {
		print_error("command did not exit normally: %s\n", cmd);
		return -1;
	}
	return WEXITSTATUS(st);
}

/* The test's temporary directory, $TMPDIR/NAME-XXXXXX (/tmp without TMPDIR), made into dir: 0, or -1
 * with the reason printed (for a cmocka group setup). */
static int make_dir(const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (!mkdtemp(dir)) {
		print_error("mkdtemp %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* DIR/name in a static ring of buffers (so a few can be used in one call). */
static const char *P(const char *name)
{
	static char bufs[8][512];
	static unsigned k;
	char *b = bufs[k++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* A whole file, NUL-terminated; *len (if not NULL) gets its length. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		print_error("%s: %s\n", path, strerror(errno));
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static void assert_file_contains(const char *path, const char *needle)
{
	char *s = (char *)slurp(path, NULL);
	int found = strstr(s, needle) != NULL;

	if (!found)
		print_error("%s does not contain '%s'; it has:\n%s\n", path, needle, s);
	free(s);
	assert_true(found);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* cmocka group teardown: remove the temporary directory. */
static int group_teardown(void **state)
{
	(void)state;
	if (dir[0])
		run("rm -rf '%s'", dir);
	return 0;
}

#endif
