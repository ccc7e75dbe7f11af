/* SPDX-License-Identifier: MIT */
/* test_pf_coord.c - pf mode on the device: the coordinator sets the caps of the VFs that chose it, and only theirs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/coord.h"

#include "pfh.h"

static struct vfc_pf *coord_pf(const char *ctl)
{
	struct vfc_pf_config cfg = pfh_config(3, VFC_PF_ENGINE_OPENSSL, 64, 2u << 20);

	cfg.coord_tick_ms = 20;
	strcpy(cfg.coord_ctl, ctl);
	return vfc_pf_create(&cfg);
}

static uint32_t cap_of(struct vfc_pf *pf, uint32_t id)
{
	struct vfc_counters c;

	assert_int_equal(vfc_pf_vf_counters(pf, id, &c), 0);
	return c.cap_hz;
}

/* Wait (up to 5 s) until the coordinator has read the members given (without traffic it only primes). */
static void wait_ticks(struct vfc_pf *pf, uint32_t members)
{
	struct vfc_pf_coord_info ci;
	struct timespec nap = { 0, 5000000 };

	for (int k = 0; k < 1000; k++) {
		assert_int_equal(vfc_pf_coord_info(pf, &ci), 0);
		if (ci.members == members && !strcmp(ci.state, "priming"))
			return;
		nanosleep(&nap, NULL);
	}
	fail_msg("the coordinator did not read %u members (state %s, %u members)", members, ci.state, ci.members);
}

/*
 * VFs 0 and 1 choose pf, VF 2 does not: the coordinator's cap (static:4000 here, so that it is known)
 * is in force on 0 and 1 whatever their tenants ask, clamped to their policy; VF 2 keeps its own.
 * Leaving pf mode gives a VF back its tenant's last request; a release ends pf mode.
 */
static void test_pf_mode_caps(void **state)
{
	struct vfc_pf *pf = coord_pf("static:4000");
	struct vfc_moderation m = { .cap_hz = 50000 }, got;
	struct vfc_vf_policy pol = { .max_cap_hz = 2000 };
	struct vfc_pf_coord_info ci;
	struct pfh_vf v[3];

	(void)state;
	assert_non_null(pf);
	assert_int_equal(vfc_pf_coord_info(pf, &ci), 0);
	assert_false(ci.running); /* no thread until a VF asks */
	for (uint32_t i = 0; i < 3; i++) {
		pfh_open(pf, i, &v[i]);
		assert_int_equal(pfh_moderation(&v[i], &m, &got), 0);
		assert_int_equal(got.cap_hz, 50000);
	}
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 0, true, NULL), 0);
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 1, true, NULL), 0);
	assert_int_equal(cap_of(pf, 0), 4000);
	assert_int_equal(cap_of(pf, 1), 4000);
	assert_int_equal(cap_of(pf, 2), 50000);
	wait_ticks(pf, 2);
	assert_int_equal(cap_of(pf, 0), 4000);
	assert_int_equal(cap_of(pf, 2), 50000); /* not a member: untouched */

	/* a tenant's own request in pf mode is kept aside, not applied */
	m.cap_hz = 123;
	assert_int_equal(pfh_moderation(&v[0], &m, &got), 0);
	assert_int_equal(got.cap_hz, 4000);
	/* the policy still bounds the coordinator's cap */
	assert_int_equal(vfc_pf_set_policy(pf, 1, &pol), 0);
	assert_int_equal(cap_of(pf, 1), 2000);
	/* leaving: the tenant's last request again */
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 0, false, NULL), 0);
	assert_int_equal(cap_of(pf, 0), 123);
	wait_ticks(pf, 1);
	assert_int_equal(cap_of(pf, 0), 123);
	/* a release ends pf mode: the next tenant starts uncapped and its requests count */
	pfh_close(&v[1]);
	pfh_open(pf, 1, &v[1]);
	assert_int_equal(vfc_pf_set_policy(pf, 1, &(struct vfc_vf_policy){ 0 }), 0);
	m.cap_hz = 777;
	assert_int_equal(pfh_moderation(&v[1], &m, &got), 0);
	assert_int_equal(got.cap_hz, 777);
	for (uint32_t i = 0; i < 3; i++)
		pfh_close(&v[i]);
	vfc_pf_free(pf);
}

/* pf:SPEC: the first VF in pf mode names the coordinator's controller, unless the PF's config does. */
static void test_pf_coord_spec(void **state)
{
	struct vfc_pf *pf = coord_pf("");
	struct pfh_vf v[2];

	(void)state;
	assert_non_null(pf);
	pfh_open(pf, 0, &v[0]);
	pfh_open(pf, 1, &v[1]);
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 0, true, "static:4321"), 0);
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 1, true, "static:999"), 0); /* the first decided */
	assert_int_equal(cap_of(pf, 0), 4321);
	assert_int_equal(cap_of(pf, 1), 4321);
	pfh_close(&v[0]);
	pfh_close(&v[1]);
	vfc_pf_free(pf);

	pf = coord_pf("static:4000");
	assert_non_null(pf);
	pfh_open(pf, 0, &v[0]);
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 0, true, "static:4321"), 0);
	assert_int_equal(cap_of(pf, 0), 4000); /* the PF's config decides */
	pfh_close(&v[0]);
	vfc_pf_free(pf);
}

/* The coordinator's own rules, named by the PF's config ("fill", "probe") or by nobody (the default:
 * the probe rule, at its anchor), start from the start cap and, without traffic, do not move it. */
static void test_pf_coord_rules(void **state)
{
	static const struct {
		const char *cfg, *word;
	} rules[] = { { "", "anchor" }, { "probe", "anchor" }, { "fill", "fill" } };

	(void)state;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct vfc_pf *pf = coord_pf(rules[i].cfg);
		struct vfc_pf_coord_info ci;
		struct pfh_vf v;

		assert_non_null(pf);
		pfh_open(pf, 0, &v);
		assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 0, true, i ? "static:4321" : NULL), 0);
		assert_int_equal(cap_of(pf, 0), VFC_COORD_INITIAL_HZ); /* the config's rule, not the VF's */
		wait_ticks(pf, 1);
		assert_int_equal(vfc_pf_coord_info(pf, &ci), 0);
		assert_string_equal(ci.ctl_state, rules[i].word);
		assert_int_equal(cap_of(pf, 0), VFC_COORD_INITIAL_HZ); /* no traffic: no sample, no move */
		pfh_close(&v);
		vfc_pf_free(pf);
	}
}

/* Bad input: a VF not claimed, out of range; a coordinator spec that is no rule nor controller, or pf itself. */
static void test_pf_mode_bad(void **state)
{
	struct vfc_pf *pf = coord_pf("");

	(void)state;
	assert_non_null(pf);
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 1, true, NULL), -EPERM);
	assert_int_equal(vfc_pf_vf_set_pf_mode(pf, 3, true, NULL), -EINVAL);
	vfc_pf_free(pf);
	errno = 0;
	assert_null(coord_pf("pf"));
	assert_int_equal(errno, EINVAL);
	assert_null(coord_pf("adaptive:bnad=2"));
	assert_int_equal(errno, EINVAL);
	assert_null(coord_pf("fil"));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pf_mode_caps),
		cmocka_unit_test(test_pf_coord_spec),
		cmocka_unit_test(test_pf_coord_rules),
		cmocka_unit_test(test_pf_mode_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
