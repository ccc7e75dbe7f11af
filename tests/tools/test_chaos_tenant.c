/* SPDX-License-Identifier: MIT */
/* test_chaos_tenant.c - vfc-chaos-tenant's --out: a target that is not a regular file is refused before the run (its checkpoint renames over it). */
#include <sys/types.h>

#include "cli_test.h"

#define ARGS "--device unix:/nonexistent/vfcd.sock --until 1"

static int group_setup(void **state)
{
	(void)state;
	return make_dir("vfc-chaos");
}

/* A FIFO and a directory as --out: exit 2 before any device is opened, the message names the path and
 * why, and the target is what it was (before: the first checkpoint renamed a regular file over the FIFO;
 * over a directory it failed in silence and the run went on without totals). */
static void test_out_not_regular(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(mkfifo(P("fifo"), 0600), 0);
	assert_int_equal(mkdir(P("d"), 0700), 0);
	assert_int_equal(run(TENANT_BIN " " ARGS " --out '%s' 2> '%s'", P("fifo"), P("err")), 2);
	assert_file_contains(P("err"), "--out");
	assert_file_contains(P("err"), "not a regular file");
	assert_int_equal(stat(P("fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(run(TENANT_BIN " " ARGS " --out '%s' 2> '%s'", P("d"), P("err")), 2);
	assert_file_contains(P("err"), "not a regular file");
	assert_int_equal(stat(P("d"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_false(exists(P("fifo.tmp")) || exists(P("d.tmp")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_not_regular),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
