/* SPDX-License-Identifier: MIT */
/* test_daemon_pf.c - controller pf through vfcd: the policy's allow-list and default, the [device] coordinator keys. */
#include "daemon_test.h"

#include <stdio.h>

/*
 * [device] pf_coord = static:3000 (the coordinator's cap known in advance). VF 0's policy allows
 * adaptive only: pf is refused with a clear error. VF 1's allows pf alone: it is in pf mode from its
 * attach. VF 2 may choose: pf, then none again.
 */
static void test_pf_policy(void **state)
{
	const char *args[] = { "--config", NULL, "--policy", "0:controller=adaptive", "--policy", "1:controller=pf",
			       NULL };
	struct vfc_vf *v0, *v1, *v2;
	struct vfcd_vf_info in;
	struct t_daemon d;
	char err[256], ini[160];
	uint32_t applied = 0;
	FILE *f;

	(void)state;
	t_daemon_init(&d);
	snprintf(ini, sizeof(ini), "%s/vfcd.ini", d.dir);
	f = fopen(ini, "w");
	assert_non_null(f);
	fprintf(f, "[device]\nvfs = 3\npf_coord = static:3000\npf_tick_ms = 20\n");
	fclose(f);
	args[1] = ini;
	t_daemon_start_in(&d, args);
	v0 = t_open_vf(&d, 0);
	v1 = t_open_vf(&d, 1);
	v2 = t_open_vf(&d, 2);
	assert_non_null(v0);
	assert_non_null(v1);
	assert_non_null(v2);

	assert_int_equal(vfc_vf_set_controller(v0, "pf", 0, err, sizeof(err)), -EPERM);
	assert_string_equal(err, "pf: not allowed by the PF's policy");
	assert_int_equal(vfc_vf_set_cap(v0, 5000, &applied), 0);
	assert_int_equal(applied, 5000); /* refused: the tenant keeps its own caps */

	/* pf by policy: the coordinator's cap, whatever the tenant asks */
	assert_int_equal(vfc_vf_set_cap(v1, 5000, &applied), 0);
	assert_int_equal(applied, 3000);
	assert_int_equal(vfc_vf_set_controller(v1, "adaptive", 0, err, sizeof(err)), -EPERM);
	assert_int_equal(vfc_vf_set_controller(v1, "pf", 0, err, sizeof(err)), 0);
	t_show(&d, 1, &in);
	assert_int_equal(in.ctr.cap_hz, 3000);
	assert_string_equal(in.controller, "pf");

	/* chosen, then left */
	assert_int_equal(vfc_vf_set_controller(v2, "pf", 0, err, sizeof(err)), 0);
	assert_int_equal(vfc_vf_set_cap(v2, 5000, &applied), 0);
	assert_int_equal(applied, 3000);
	assert_int_equal(t_vf_aes_check(v2, 65536), 0);
	assert_int_equal(vfc_vf_set_controller(v2, "none", 0, err, sizeof(err)), 0);
	assert_int_equal(vfc_vf_set_cap(v2, 5000, &applied), 0);
	assert_int_equal(applied, 5000);
	vfc_vf_close(v0);
	vfc_vf_close(v1);
	vfc_vf_close(v2);
	t_daemon_cleanup(&d);
}

/* A coordinator spec that is no rule nor controller, or is pf itself, stops vfcd at start with a message. */
static void test_pf_coord_bad(void **state)
{
	static const char *const bad[] = { "pf", "adaptive:bnad=1", "fil" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char cmd[1024], ini[160], out[160], text[512] = "";
		struct t_daemon d;
		FILE *f;
		size_t n;

		t_daemon_init(&d);
		snprintf(ini, sizeof(ini), "%s/vfcd.ini", d.dir);
		snprintf(out, sizeof(out), "%s/out", d.dir);
		f = fopen(ini, "w");
		assert_non_null(f);
		fprintf(f, "[device]\npf_coord = %s\n", bad[i]);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "%s --foreground --socket %s --config %s > %s 2>&1", VFCD_BIN, d.sock, ini,
			 out);
		assert_int_not_equal(system(cmd), 0);
		f = fopen(out, "r");
		assert_non_null(f);
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		assert_non_null(strstr(text, "pf_coord: expected fill, probe, scan, busy, bal, trial, or a controller spec other than pf"));
		t_daemon_cleanup(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pf_policy, t_teardown),
		cmocka_unit_test(test_pf_coord_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
