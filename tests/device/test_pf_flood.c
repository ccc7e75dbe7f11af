/* SPDX-License-Identifier: MIT */
/* test_pf_flood.c - floods of NOPs and errors: max_nowork_hz bounds what they take from the engine, exactly once, and its policy key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin/policy.h"
#include "core/ring.h"
#include "os/clock.h"
#include "pfh.h"

#define RING 64u
#define NB_SIZE 4096u
#define NB_DEPTH 16u

static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };

/* One engine, two VFs, a ring of RING. */
static struct vfc_pf *flood_pf(void)
{
	/* The mb kind too (CTest's test_pf_flood_mb): the bound lives in the take both kinds share. */
	struct vfc_pf_config cfg = pfh_config(2, PFH_KIND_ENV, RING, 2u << 20);

	cfg.n_engines = 1;
	return pfh_create(&cfg);
}

/* The flooder's k-th descriptor: a NOP, or every third one invalid (a source outside the pool). */
static struct vfc_req_desc flood_desc(uint64_t k)
{
	struct vfc_req_desc d =
		pfh_desc(VFC_OP_NOP, 0, k % 3 == 2 ? 64u << 20 : 0, k % 3 == 2 ? 16 : 0, 0, 0);

	d.cookie = k;
	return d;
}

/* The flooder's side: every response checked (its cookie is the next one, in
 * ring order; NOPs 0, invalid ones -EINVAL), then the ring topped up. */
struct flooder {
	struct pfh_vf v;
	uint64_t sent, answered;
};

static void flood_step(struct flooder *f, bool refill)
{
	struct vfc_resp_desc r;

	while (pfh_pop(&f->v, &r, 0)) {
		assert_int_equal(r.cookie, f->answered);
		assert_int_equal(r.status, f->answered % 3 == 2 ? -EINVAL : 0);
		f->answered++;
	}
	while (refill && f->sent - f->answered < RING) {
		struct vfc_req_desc d = flood_desc(f->sent++);

		pfh_push(&f->v, &d);
	}
}

/* Until every request sent is answered (within 10 s), then nothing more comes. */
static void flood_drain(struct flooder *f)
{
	struct vfc_resp_desc r;

	for (int i = 0; i < 100000 && f->answered < f->sent; i++) {
		flood_step(f, false);
		usleep(100);
	}
	assert_int_equal(f->answered, f->sent);
	usleep(20000);
	assert_false(pfh_pop(&f->v, &r, 0));
}

/*
 * A VF flooding NOPs and invalid descriptors beside a VF of 4 KiB AES on one
 * engine, with max_nowork_hz = 2000: the flooder is served at most its rate
 * (plus the burst and one ring) over the run, counted, so no clock decides.
 * Before the limit deficit round robin gave it its fair share of the engine:
 * hundreds of thousands of completions a second.
 */
static void test_flood_share(void **state)
{
	const uint32_t hz = 2000, total = 3000;
	struct vfc_vf_policy pol = { .max_nowork_hz = hz };
	struct vfc_pf *pf = flood_pf();
	struct flooder f = { 0 };
	struct pfh_vf n;
	struct vfc_resp_desc r;
	struct vfc_counters cf, cn;
	uint32_t kh, s, nsent = 0, ndone = 0;
	uint64_t t0, t1, bound;
	uint8_t iv[16] = { 1 };

	(void)state;
	pfh_open(pf, 0, &f.v);
	pfh_open(pf, 1, &n);
	assert_int_equal(vfc_pf_set_policy(pf, 0, &pol), 0);
	assert_int_equal(pfh_key_import(&n, VFC_KEY_AES128, key, 16, &kh), 0);
	assert_int_equal(pfh_session(&n, VFC_ALG_AES128_CBC, kh, &s), 0);

	t0 = vfc_now_ns();
	while (ndone < total) {
		flood_step(&f, true);
		while (pfh_pop(&n, &r, 0)) {
			assert_int_equal(r.status, 0);
			ndone++;
		}
		while (nsent < total && nsent - ndone < NB_DEPTH) {
			struct vfc_req_desc d = pfh_desc(VFC_OP_CIPHER_ENC, s, (nsent % NB_DEPTH) * NB_SIZE,
							 NB_SIZE, (nsent % NB_DEPTH) * NB_SIZE, NB_SIZE);

			memcpy(d.iv, iv, 16);
			pfh_push(&n, &d);
			nsent++;
		}
	}
	assert_int_equal(vfc_pf_vf_counters(pf, 0, &cf), 0);
	assert_int_equal(vfc_pf_vf_counters(pf, 1, &cn), 0);
	t1 = vfc_now_ns();
	/* GCRA: taken over t1 - t0, at most hz/s, the burst (0.1 s worth) and
	 * one take beyond it (a ring); posted ones are fewer, answered fewer yet. */
	bound = hz * (t1 - t0) / 1000000000ull + hz / 10 + RING;
	assert_true(f.answered <= cf.ops);
	assert_true(cf.ops <= bound);
	assert_int_equal(cn.ops, total);
	/* (Not asserted: the engine time of each, dev_ns, which is wall time and
	 * takes in whatever preemption a loaded host adds to a flooder's piece.) */

	flood_drain(&f);
	pfh_close(&f.v);
	pfh_close(&n);
	vfc_pf_free(pf);
}

/*
 * Exactly once under a flood: a THROTTLED VF's descriptors wait in its ring
 * and each is answered once, in order, with its status; lifting the limit
 * (policy 0) serves the rest at once. While the only pending ring is
 * THROTTLED the engine sleeps until it refills, rather than polling it.
 */
static void test_flood_exactly_once(void **state)
{
	struct vfc_vf_policy pol = { .max_nowork_hz = 200 };
	struct vfc_pf *pf = flood_pf();
	struct flooder f = { 0 };
	struct vfc_counters c;
	uint64_t cpu0, t0, cpu, wall;

	(void)state;
	pfh_open(pf, 0, &f.v);
	assert_int_equal(vfc_pf_set_policy(pf, 0, &pol), 0);
	/* Past the burst (20 at 200/s) and a ring: THROTTLED from then on. */
	for (int i = 0; i < 10000 && f.answered < RING; i++) {
		flood_step(&f, true);
		usleep(500);
	}
	assert_true(f.answered >= RING);
	/* The engine's CPU time over a while with a full, THROTTLED ring. */
	flood_step(&f, true);
	cpu0 = vfc_pf_engine_cpu_ns(pf);
	t0 = vfc_now_ns();
	usleep(300000);
	cpu = vfc_pf_engine_cpu_ns(pf) - cpu0;
	wall = vfc_now_ns() - t0;
	assert_true(cpu * 4 < wall); /* a polling engine takes (nearly) all of it */
	/* Rate 0: no limit, the ring is taken again. */
	pol.max_nowork_hz = 0;
	assert_int_equal(vfc_pf_set_policy(pf, 0, &pol), 0);
	for (int i = 0; i < 20; i++) {
		flood_step(&f, true);
		usleep(1000);
	}
	flood_drain(&f);
	assert_int_equal(vfc_pf_vf_counters(pf, 0, &c), 0);
	assert_int_equal(c.ops, f.sent);
	assert_int_equal(c.errors, f.sent / 3);
	assert_int_equal(c.state, VFC_VF_READY);
	pfh_close(&f.v);
	vfc_pf_free(pf);
}

/* n descriptors at once, all answered with status 0 within 5 s (not checked: order). */
static void push_all(struct pfh_vf *v, const struct vfc_req_desc *d, unsigned n)
{
	struct vfc_resp_desc r;

	pfh_push_n(v, d, n);
	for (unsigned i = 0; i < n; i++) {
		assert_true(pfh_pop(v, &r, 5000));
		assert_int_equal(r.status, 0);
	}
}

/*
 * What counts: a HASH of no bytes without LAST gives nothing and counts like a
 * NOP; a HASH that gives a digest is work and never counts. At 1/s, one take
 * of such empty hashes THROTTLES the VF for about half a minute: the second
 * take waits (until the limit is lifted), while real hashes are all served.
 */
static void test_flood_what_counts(void **state)
{
	struct vfc_vf_policy pol = { .max_nowork_hz = 1 };
	struct vfc_pf *pf = flood_pf();
	struct vfc_req_desc d[RING];
	struct vfc_resp_desc r;
	struct pfh_vf v;
	uint32_t kh = 0, s, got = 0;

	(void)state;
	pfh_open(pf, 0, &v);
	assert_int_equal(vfc_pf_set_policy(pf, 0, &pol), 0);
	assert_int_equal(pfh_session(&v, VFC_ALG_SHA256, kh, &s), 0);
	for (unsigned i = 0; i < RING; i++) {
		d[i] = pfh_desc(VFC_OP_HASH, s, 0, 16, 4096 + 32 * i, 32);
		d[i].flags = VFC_REQ_F_FIRST | VFC_REQ_F_LAST;
	}
	push_all(&v, d, RING);
	push_all(&v, d, RING);
	for (unsigned i = 0; i < RING; i++) {
		d[i] = pfh_desc(VFC_OP_HASH, s, 0, 0, 0, 0);
		d[i].flags = VFC_REQ_F_FIRST;
	}
	pfh_push_n(&v, d, RING);
	assert_true(pfh_pop(&v, &r, 5000));
	for (got = 1; pfh_pop(&v, &r, 100);) /* the take's others are posted with it */
		got++;
	/* One take (the device's burst, 32) was served; the rest waits ~30 s. */
	assert_true(got > 0 && got < RING);
	pol.max_nowork_hz = 0;
	assert_int_equal(vfc_pf_set_policy(pf, 0, &pol), 0);
	for (; got < RING; got++)
		assert_true(pfh_pop(&v, &r, 5000));
	pfh_close(&v);
	vfc_pf_free(pf);
}

/* The policy key: parsed, merged by its bit, vfcd's default, bad values refused with a message. */
static void test_policy_key(void **state)
{
	struct vfcd_policy p, q;
	uint32_t set = 0;
	char err[256];

	(void)state;
	vfcd_policy_init(&p);
	assert_int_equal(p.pf.max_nowork_hz, VFCD_NOWORK_HZ_DEFAULT);
	assert_int_equal(p.pf.max_invalid_hz, VFCD_INVALID_HZ_DEFAULT);
	assert_int_equal(vfcd_policy_kv(&p, &set, "max_nowork_hz", "5000", err, sizeof(err)), 0);
	assert_int_equal(set, VFCD_POL_NOWORK);
	assert_int_equal(p.pf.max_nowork_hz, 5000);
	assert_int_equal(vfcd_policy_kv(&p, &set, "max_nowork_hz", "0", err, sizeof(err)), 0);
	assert_int_equal(p.pf.max_nowork_hz, 0);
	vfcd_policy_init(&q);
	vfcd_policy_merge(&q, &p, set);
	assert_int_equal(q.pf.max_nowork_hz, 0);
	assert_int_equal(q.pf.max_invalid_hz, VFCD_INVALID_HZ_DEFAULT); /* not in set */
	for (unsigned i = 0; i < 4; i++) {
		static const char *const bad[] = { "abc", "-1", "", "99999999999" };

		err[0] = 0;
		assert_int_equal(vfcd_policy_kv(&p, &set, "max_nowork_hz", bad[i], err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "max_nowork_hz: expected a number"));
	}
	assert_int_equal(p.pf.max_nowork_hz, 0);
	assert_int_equal(vfcd_policy_kv(&p, &set, "max_nowork", "1", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "unknown policy key 'max_nowork'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_share),
		cmocka_unit_test(test_flood_exactly_once),
		cmocka_unit_test(test_flood_what_counts),
		cmocka_unit_test(test_policy_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
