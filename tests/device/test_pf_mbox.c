/* SPDX-License-Identifier: MIT */
/* test_pf_mbox.c - the PF's checks and control path: bad descriptors, mailbox validation, policy, keys, claim and release, creation arguments. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "aes_cbc_kat.h"
#include "device/crypto.h"
#include "pf_fix.h"

static void test_bad_desc(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	uint8_t key[16] = { 1, 2, 3 };
	uint32_t aes = aes_session(v, key, NULL), sha, pool = (uint32_t)v->hdr->pool_size;
	struct vfc_req_desc good = pfh_desc(VFC_OP_CIPHER_ENC, aes, SRC, 64, DST, 64), d;
	struct vfc_counters c0, c1;
	struct vfc_resp_desc r;
	unsigned bad = 0;

	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &sha), 0);
	assert_int_equal(vfc_pf_vf_counters(f->pf, v->id, &c0), 0);
#define EXPECT(field_change, st) \
	do { \
		d = good; \
		d.cookie = 5000 + bad; \
		field_change; \
		r = pfh_run(v, &d); \
		assert_int_equal(r.status, st); \
		assert_int_equal(r.out_len, 0); \
		bad++; \
		r = pfh_run(v, &good); \
		assert_int_equal(r.status, 0); \
	} while (0)
	EXPECT(d.opcode = VFC_OP__MAX, -EOPNOTSUPP);
	EXPECT(d.opcode = 0xffff, -EOPNOTSUPP);
	EXPECT(d.flags = VFC_REQ_F_FIRST, -EINVAL);
	EXPECT(d.flags = 0x80, -EINVAL);
	EXPECT(d.session = aes + 1, -ENOENT);
	EXPECT(d.session = 0, -ENOENT);
	EXPECT(d.session = sha, -EOPNOTSUPP);
	EXPECT(d.src_off = pool - 32, -EINVAL);
	EXPECT(d.src_off = 0xfffffff0u, -EINVAL);
	EXPECT(d.src_len = 0, -EINVAL);
	EXPECT(d.src_len = 17, -EINVAL);
	EXPECT((d.src_len = 0xfffffff0u, d.dst_len = 0xfffffff0u), -EINVAL);
	EXPECT(d.dst_off = pool - 16, -EINVAL);
	EXPECT(d.dst_len = 48, -EMSGSIZE);
	EXPECT(d.dst_off = SRC + 16, -EINVAL); /* partial overlap */
	EXPECT((d.aux_off = 4096, d.aux_len = 16), -EINVAL);
	EXPECT(d.rsvd = 1, -EINVAL);
	EXPECT((d.opcode = VFC_OP_NOP, d.iv[3] = 1), -EINVAL);
	EXPECT((d.opcode = VFC_OP_HASH, d.session = sha, d.flags = VFC_REQ_F_FIRST | VFC_REQ_F_LAST,
		d.dst_len = 31, memset(d.iv, 0, 16)),
	       -EMSGSIZE);
#undef EXPECT
	assert_int_equal(vfc_pf_vf_counters(f->pf, v->id, &c1), 0);
	assert_int_equal(c1.errors - c0.errors, bad);
	assert_int_equal(c1.ops - c0.ops, 2 * bad);
	assert_int_equal(c1.bytes - c0.bytes, 64ull * bad); /* only successful requests count bytes */
	assert_int_equal(c1.state, VFC_VF_READY);
}

static void test_mbox_validation(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	struct {
		struct vfc_mbox_req req;
		uint8_t data[64];
	} m;
	struct vfc_mbox_resp resp;
	uint32_t h;

	memset(&m, 0, sizeof(m));
	m.req.version = VFC_ABI_VERSION;
	m.req.type = VFC_MBOX_GET_COUNTERS;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req), &resp), 0);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.version, VFC_ABI_VERSION);
	assert_int_equal(resp.type, VFC_MBOX_GET_COUNTERS);
	assert_int_equal(resp.u.counters.state, VFC_VF_READY);

	m.req.version = 2;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req), &resp), -EPROTO);
	assert_int_equal(resp.status, -EPROTO);
	m.req.version = VFC_ABI_VERSION;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req) - 1, &resp), -EINVAL);
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, NULL, 0, &resp), -EINVAL);
	m.req.type = 0;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req), &resp), -EOPNOTSUPP);
	m.req.type = VFC_MBOX__MAX;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req), &resp), -EOPNOTSUPP);
	m.req.type = 0xffffffffu;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req), &resp), -EOPNOTSUPP);

	/* data_len: within req_len, within the maximum, only for KEY_IMPORT. */
	m.req.type = VFC_MBOX_KEY_IMPORT;
	m.req.u.key_import.kind = VFC_KEY_AES128;
	m.req.data_len = 16;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req) + 15, &resp), -EINVAL);
	m.req.data_len = VFC_MBOX_DATA_MAX + 1;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m), &resp), -EMSGSIZE);
	m.req.data_len = UINT32_MAX;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m), &resp), -EMSGSIZE);
	m.req.data_len = 16;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m.req) + 16, &resp), 0);
	assert_int_not_equal(resp.u.handle, 0);
	m.req.type = VFC_MBOX_SESSION_CREATE;
	m.req.u.session_create.alg = VFC_ALG_SHA256;
	m.req.u.session_create.key = 0;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m), &resp), -EINVAL);
	m.req.data_len = 0;
	m.req.rsvd = 1;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m), &resp), -EINVAL);
	m.req.rsvd = 0;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id, &m.req, sizeof(m), &resp), 0);

	/* Key material and session arguments. */
	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, "short", 5, &h), -EINVAL);
	assert_int_equal(pfh_key_import(v, 77, "0123456789abcdef", 16, &h), -EINVAL);
	assert_int_equal(pfh_key_import(v, VFC_KEY_RSA_PRIV_PEM, "-----BEGIN PRIVATE KEY-----\nAAAA\n", 32, &h),
			 -EINVAL);
	assert_int_equal(pfh_key_import(v, VFC_KEY_RSA_PUB_PEM, "not a key", 9, &h), -EINVAL);
	assert_int_equal(pfh_session(v, 0, 0, &h), -EINVAL);
	assert_int_equal(pfh_session(v, VFC_ALG__MAX, 0, &h), -EINVAL);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, 0, &h), -ENOENT);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, 0x12345, &h), -ENOENT);
	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 5, &h), -EINVAL);
	assert_int_equal(pfh_session_free(v, 0), -ENOENT);
	assert_int_equal(pfh_key_free(v, 0), -ENOENT);

	/* A VF that is not claimed answers nothing. */
	m.req.type = VFC_MBOX_GET_COUNTERS;
	assert_int_equal(vfc_pf_mbox(f->pf, v->id ^ 1, &m.req, sizeof(m.req), &resp), -EPERM);
	assert_int_equal(vfc_pf_mbox(f->pf, 99, &m.req, sizeof(m.req), &resp), -EINVAL);
}

/* max_in_flight: what a tenant has outstanding beyond it is answered -EBUSY, each exactly once. */
static void test_policy_in_flight(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	struct vfc_vf_policy pol = { .max_in_flight = 4 };
	struct vfc_req_desc d[8];
	struct vfc_resp_desc r;
	int ok = 0, busy = 0;

	assert_int_equal(vfc_pf_set_policy(f->pf, v->id, &pol), 0);
	for (int i = 0; i < 8; i++) {
		d[i] = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
		d[i].cookie = (uint64_t)i;
	}
	/* Eight at once, none consumed: the first four run, the last four are refused. */
	pfh_push_n(v, d, 8);
	for (int i = 0; i < 8; i++) {
		assert_true(pfh_pop(v, &r, 5000));
		assert_int_equal(r.cookie, (uint64_t)i);
		assert_int_equal(r.status, i < 4 ? 0 : -EBUSY);
		ok += r.status == 0;
		busy += r.status == -EBUSY;
	}
	assert_int_equal(ok, 4);
	assert_int_equal(busy, 4);
	/* A tenant that keeps to the limit never sees it. */
	for (int round = 0; round < 3; round++) {
		pfh_push_n(v, d, 4);
		for (int i = 0; i < 4; i++) {
			assert_true(pfh_pop(v, &r, 5000));
			assert_int_equal(r.status, 0);
		}
	}
}

static void test_policy(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	struct vfc_vf_policy pol = { .min_cap_hz = 1000, .max_cap_hz = 20000, .max_sessions = 2, .max_keys = 1 };
	struct vfc_moderation want = { 0 }, got;
	struct vfc_counters c;
	uint32_t h, k;

	assert_int_equal(vfc_pf_set_policy(f->pf, v->id, &(struct vfc_vf_policy){ .min_cap_hz = 5,
										    .max_cap_hz = 4 }),
			 -EINVAL);
	assert_int_equal(vfc_pf_set_policy(f->pf, 99, &pol), -EINVAL);
	assert_int_equal(vfc_pf_set_policy(f->pf, v->id, &pol), 0);
	memset(&pol, 0, sizeof(pol));
	assert_int_equal(vfc_pf_get_policy(f->pf, v->id, &pol), 0);
	assert_int_equal(pol.max_cap_hz, 20000);
	assert_int_equal(pol.min_cap_hz, 1000);

	/* The cap in force was re-clamped by the policy change: "no cap" -> max. */
	assert_int_equal(vfc_pf_vf_counters(f->pf, v->id, &c), 0);
	assert_int_equal(c.cap_hz, 20000);
	want.cap_hz = 0;
	assert_int_equal(pfh_moderation(v, &want, &got), 0);
	assert_int_equal(got.cap_hz, 20000);
	want.cap_hz = 500;
	assert_int_equal(pfh_moderation(v, &want, &got), 0);
	assert_int_equal(got.cap_hz, 1000);
	want.cap_hz = 50000;
	assert_int_equal(pfh_moderation(v, &want, &got), 0);
	assert_int_equal(got.cap_hz, 20000);
	want.cap_hz = 5000;
	want.count = 4;
	want.timeout_ns = 1ull << 40;
	assert_int_equal(pfh_moderation(v, &want, &got), 0);
	assert_int_equal(got.cap_hz, 5000);
	assert_int_equal(got.count, 4);
	assert_int_equal(got.timeout_ns, 1000000000ull); /* timeouts are bounded */
	assert_int_equal(atomic_load(&v->hdr->counters.cap_hz), 5000);
	assert_int_equal(vfc_pf_vf_counters(f->pf, v->id, &c), 0);
	assert_int_equal(c.cap_hz, 5000);

	/* Tightening the policy clamps the cap in force. */
	pol.max_cap_hz = 2000;
	assert_int_equal(vfc_pf_set_policy(f->pf, v->id, &pol), 0);
	assert_int_equal(atomic_load(&v->hdr->counters.cap_hz), 2000);
	/* Count threshold 4 with 2 kHz: a single completion still gets its interrupt (timeout). */
	pfh_irqs(v);
	assert_int_equal(pfh_run(v, &(struct vfc_req_desc){ .cookie = 1 }).status, 0);
	for (int i = 0; i < 1000 && atomic_load(&v->hdr->counters.irqs) == c.irqs; i++)
		usleep(1000);
	assert_true(atomic_load(&v->hdr->counters.irqs) > c.irqs);

	/* Session and key quotas. */
	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, "0123456789abcdef", 16, &k), 0);
	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, "0123456789abcdef", 16, &h), -ENOSPC);
	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &h), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, k, &h), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &h), -ENOSPC);
	assert_int_equal(pfh_session_free(v, h), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &h), 0);
}

static void test_keys(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	uint32_t k, s, seen[8];
	struct vfc__key *key;

	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, vfc_kat_aes128_key, 16, &k), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, k, &s), 0);
	assert_int_equal(pfh_key_free(v, k), -EBUSY);
	assert_int_equal(pfh_session_free(v, s), 0);
	assert_int_equal(pfh_session_free(v, s), -ENOENT);
	assert_int_equal(pfh_key_free(v, k), 0);
	assert_int_equal(pfh_key_free(v, k), -ENOENT);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, k, &s), -ENOENT);
	/* A freed session's requests fail. */
	assert_int_equal(pfh_run(v, &(struct vfc_req_desc){ .cookie = 2, .session = s }).status, -ENOENT);

	/* Handles are not reused right away. */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, vfc_kat_aes128_key, 16, &seen[i]), 0);
		assert_int_not_equal(seen[i], k);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(seen[i], seen[j]);
		assert_int_equal(pfh_key_free(v, seen[i]), 0);
	}

	/* Wiping clears the key material (the store wipes before it frees). */
	assert_int_equal(vfc__key_parse(VFC_KEY_AES128, vfc_kat_aes128_key, 16, &key), 0);
	assert_memory_equal(key->aes, vfc_kat_aes128_key, 16);
	vfc__key_wipe(key);
	for (int i = 0; i < 16; i++)
		assert_int_equal(key->aes[i], 0);
	vfc__key_destroy(key);
}

static void test_claim_release(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v, w;
	uint32_t id, other = v->id ^ 1, k, s;
	struct vfc_vf_fds fds;
	struct vfc_req_desc d[8];
	struct vfc_counters c0, c1;
	uint8_t *old_pool;
	void *old_map;

	id = v->id;
	assert_int_equal(vfc_pf_vf_claim(f->pf, &id, 1, 1), -EBUSY);
	id = 7;
	assert_int_equal(vfc_pf_vf_claim(f->pf, &id, 1, 1), -EINVAL);
	assert_int_equal(vfc_pf_vf_release(f->pf, other), -EINVAL);
	assert_int_equal(vfc_pf_vf_fds(f->pf, other, &fds), -EPERM);
	assert_int_equal(vfc_pf_n_vfs(f->pf), 2);

	pfh_open(f->pf, UINT32_MAX, &w);
	assert_int_equal(w.id, other);
	id = UINT32_MAX;
	assert_int_equal(vfc_pf_vf_claim(f->pf, &id, 1, 1), -EBUSY);

	/* Work in flight when the tenant goes away is dropped safely. */
	s = aes_session(&w, vfc_kat_aes128_key, &k);
	for (int i = 0; i < 8; i++)
		d[i] = cipher_desc(VFC_OP_CIPHER_ENC, s, SRC, DST, BIG, vfc_kat_aes128_cbc_iv);
	pfh_push_n(&w, d, 8);
	memset(w.pool + 4096, 0x5a, 64); /* "secret" data of this tenant */
	assert_int_equal(vfc_pf_vf_counters(f->pf, other, &c0), 0);
	/* Keep the mapping, as a hostile tenant would. */
	old_map = mmap(NULL, w.fds.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, w.fds.mem_fd, 0);
	assert_true(old_map != MAP_FAILED);
	old_pool = (uint8_t *)old_map + w.hdr->pool_off;
	pfh_close(&w);

	/* The next tenant gets a clean VF: new region, no sessions, no keys, counters kept. */
	pfh_open(f->pf, other, &w);
	for (int i = 0; i < 64; i++)
		assert_int_equal(w.pool[4096 + i], 0);
	memset(w.pool + 8192, 0x77, 16);
	assert_int_equal(old_pool[8192], 0); /* the old mapping sees nothing of the new tenant */
	assert_int_equal(atomic_load(&w.hdr->state), VFC_VF_READY);
	assert_int_equal(atomic_load(&w.hdr->req_tail), 0);
	assert_int_equal(atomic_load(&w.hdr->resp_tail), 0);
	assert_int_equal(pfh_run(&w, &(struct vfc_req_desc){ .cookie = 3, .session = s }).status, -ENOENT);
	assert_int_equal(pfh_key_free(&w, k), -ENOENT);
	assert_int_equal(pfh_run(&w, &(struct vfc_req_desc){ .cookie = 4 }).status, 0);
	assert_int_equal(vfc_pf_vf_counters(f->pf, other, &c1), 0);
	assert_true(c1.ops >= c0.ops + 2); /* the PF's totals keep counting; the tenant's: test_counters_per_claim */
	assert_true(atomic_load(&w.hdr->counters.ops) <= 2);
	munmap(old_map, w.fds.region_size);
	pfh_close(&w);

	/* Several quick cycles. */
	for (int i = 0; i < 5; i++) {
		pfh_open(f->pf, other, &w);
		assert_int_equal(pfh_run(&w, &(struct vfc_req_desc){ .cookie = 10 + (unsigned)i }).status, 0);
		pfh_close(&w);
	}
	/* The first tenant did not notice. */
	assert_int_equal(pfh_run(v, &(struct vfc_req_desc){ .cookie = 5 }).status, 0);
}

/* GET_COUNTERS as the tenant sees it. */
static struct vfc_counters tenant_ctr(struct pfh_vf *v)
{
	struct vfc_mbox_req req = { .version = VFC_ABI_VERSION, .type = VFC_MBOX_GET_COUNTERS };
	struct vfc_mbox_resp resp;

	assert_int_equal(pfh_ctl(v, &req, &resp), 0);
	return resp.u.counters;
}

/* The PF's totals once ops requests are counted (counted after they are published: bounded wait). */
static struct vfc_counters totals_at(struct fix *f, uint32_t vf, uint64_t ops)
{
	struct vfc_counters c;

	for (unsigned i = 0; i < 5000; i++) {
		assert_int_equal(vfc_pf_vf_counters(f->pf, vf, &c), 0);
		if (c.ops >= ops)
			break;
		usleep(1000);
	}
	assert_int_equal(c.ops, ops);
	return c;
}

/* The next tenant of a VF starts from zero; the PF's totals (metrics) keep the first one's work. */
static void test_counters_per_claim(void **state)
{
	struct fix *f = *state;
	uint32_t other = f->v.id ^ 1, s;
	struct vfc_counters t0, t1, c;
	struct vfc_req_desc d;
	struct pfh_vf w;

	pfh_open(f->pf, other, &w);
	s = aes_session(&w, vfc_kat_aes128_key, NULL);
	assert_int_equal(pfh_run(&w, &(struct vfc_req_desc){ .cookie = 1 }).status, 0);
	assert_int_equal(pfh_run(&w, &(struct vfc_req_desc){ .cookie = 2, .session = 999 }).status, -ENOENT);
	d = cipher_desc(VFC_OP_CIPHER_ENC, s, SRC, DST, 4096, vfc_kat_aes128_cbc_iv);
	assert_int_equal(pfh_run(&w, &d).status, 0);
	t0 = totals_at(f, other, 3);
	assert_int_equal(t0.errors, 1);
	assert_int_equal(t0.bytes, 4096);
	c = tenant_ctr(&w);
	assert_int_equal(c.ops, 3);
	assert_int_equal(c.bytes, 4096);
	pfh_close(&w);

	pfh_open(f->pf, other, &w);
	/* Before any submit: nothing, in the region and through the mailbox. */
	assert_int_equal(atomic_load(&w.hdr->counters.ops), 0);
	assert_int_equal(atomic_load(&w.hdr->counters.bytes), 0);
	assert_int_equal(atomic_load(&w.hdr->counters.irqs), 0);
	assert_int_equal(atomic_load(&w.hdr->counters.errors), 0);
	assert_int_equal(atomic_load(&w.hdr->counters.dev_ns), 0);
	c = tenant_ctr(&w);
	assert_int_equal(c.ops, 0);
	assert_int_equal(c.bytes, 0);
	assert_int_equal(c.irqs, 0);
	assert_int_equal(c.errors, 0);
	assert_int_equal(c.dev_ns, 0);
	/* The PF's totals still hold the first tenant's work, and grow with the second's. */
	assert_int_equal(vfc_pf_vf_counters(f->pf, other, &t1), 0);
	assert_int_equal(t1.ops, 3);
	assert_int_equal(t1.bytes, 4096);
	assert_int_equal(pfh_run(&w, &(struct vfc_req_desc){ .cookie = 3 }).status, 0);
	t1 = totals_at(f, other, 4);
	assert_int_equal(t1.errors, 1);
	assert_int_equal(tenant_ctr(&w).ops, 1);
	assert_int_equal(tenant_ctr(&w).errors, 0);
	assert_int_equal(atomic_load(&w.hdr->counters.ops), 1);
	pfh_close(&w);
}

static void test_create_args(void **state)
{
	struct vfc_pf_config cfg;

	(void)state;
	vfc_pf_config_init(&cfg);
	assert_int_equal(cfg.n_vfs, 4);
	assert_int_equal(cfg.ring_entries, 256);
	cfg.ring_entries = 100;
	errno = 0;
	assert_null(vfc_pf_create(&cfg));
	assert_int_equal(errno, EINVAL);
	vfc_pf_config_init(&cfg);
	cfg.pool_size = 1000;
	assert_null(vfc_pf_create(&cfg));
	vfc_pf_config_init(&cfg);
	cfg.n_vfs = VFC_MAX_VFS + 1;
	assert_null(vfc_pf_create(&cfg));
	vfc_pf_config_init(&cfg);
	cfg.burst = 0;
	assert_null(vfc_pf_create(&cfg));
	vfc_pf_config_init(&cfg);
	assert_int_equal(cfg.spin_us, VFC_DEFAULT_ENGINE_SPIN_US);
	cfg.spin_us = VFC_ENGINE_SPIN_MAX_US + 1;
	assert_null(vfc_pf_create(&cfg));
	vfc_pf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test_setup_teardown(test_bad_desc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbox_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_per_claim, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
