/* SPDX-License-Identifier: MIT */
/* test_driver_pf.c - controller pf through the driver and the embedded device: the PF sets the cap, the monitor does not. */
#include "driver_test.h"

/*
 * A VF in pf mode: the embedded PF's coordinator owns its cap (its tenant's own request is kept
 * aside, not applied); a neighbour with its own controller keeps its cap; leaving pf mode gives the
 * tenant its caps back.
 */
static void test_pf_mode_through_driver(void **state)
{
	struct vfc_vf *a = t_open(VFC_IRQ_INTERRUPT), *b = t_open(VFC_IRQ_INTERRUPT);
	struct vfc_vf_stats st;
	uint32_t applied = 0;
	char err[256];

	(void)state;
	assert_int_equal(vfc_vf_set_controller(b, "static:7000", 100, err, sizeof(err)), 0);
	assert_int_equal(vfc_vf_set_controller(a, "pf", 100, err, sizeof(err)), 0);
	assert_int_equal(vfc_vf_set_cap(a, 5000, &applied), 0);
	assert_int_not_equal(applied, 5000); /* the PF's cap, not the tenant's */
	vfc_vf_stats(a, &st);
	assert_int_equal(st.cap_hz, applied);
	vfc_vf_stats(b, &st);
	assert_int_equal(st.cap_hz, 7000);
	/* pf:SPEC names the coordinator's controller: a controller, and not pf */
	assert_int_equal(vfc_vf_set_controller(a, "pf:x=1", 100, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pf: the coordinator's controller: unknown controller 'x=1'"));
	assert_int_equal(vfc_vf_set_controller(a, "pf:pf", 100, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "pf: the coordinator cannot run pf itself");
	/* back to the tenant's own caps */
	assert_int_equal(vfc_vf_set_controller(a, "none", 100, err, sizeof(err)), 0);
	assert_int_equal(vfc_vf_set_cap(a, 5000, &applied), 0);
	assert_int_equal(applied, 5000);
	vfc_vf_close(a);
	vfc_vf_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pf_mode_through_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
