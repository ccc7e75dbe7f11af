/* SPDX-License-Identifier: MIT */
/* test_pf_basic.c - the PF through its region: KATs, bad descriptors, control, policy, keys, claim. */
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
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "aes_cbc_kat.h"
#include "device/crypto.h"
#include "pfh.h"
#include "sha256_kat.h"

#define SRC 0u
#define DST (1u << 20)
#define BIG (64u << 10)

struct fix {
	struct vfc_pf *pf;
	struct pfh_vf v;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->pf = pfh_pf(2, 1);
	pfh_open(f->pf, UINT32_MAX, &f->v);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	pfh_close(&f->v);
	vfc_pf_free(f->pf);
	free(f);
	return 0;
}

static uint32_t aes_session(struct pfh_vf *v, const uint8_t key[16], uint32_t *key_handle)
{
	uint32_t k, s;

	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, key, 16, &k), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, k, &s), 0);
	if (key_handle)
		*key_handle = k;
	return s;
}

static struct vfc_req_desc cipher_desc(uint16_t op, uint32_t s, uint32_t src, uint32_t dst, uint32_t len,
				       const uint8_t iv[16])
{
	struct vfc_req_desc d = pfh_desc(op, s, src, len, dst, len);

	memcpy(d.iv, iv, 16);
	return d;
}

static void test_nop(void **state)
{
	struct fix *f = *state;
	struct vfc_req_desc d[40];
	struct vfc_resp_desc r;
	struct vfc_counters c;
	uint64_t irqs;

	r = pfh_run(&f->v, &(struct vfc_req_desc){ .cookie = 0x1122334455667788ull });
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 0);
	assert_int_equal(r.rsvd, 0);
	/* A burst larger than the engine's burst size, answered in order. */
	for (unsigned i = 0; i < 40; i++)
		d[i] = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
	pfh_push_n(&f->v, d, 40);
	for (unsigned i = 0; i < 40; i++) {
		assert_true(pfh_pop(&f->v, &r, 5000));
		assert_int_equal(r.cookie, d[i].cookie);
		assert_int_equal(r.status, 0);
	}
	assert_int_equal(vfc_pf_vf_counters(f->pf, f->v.id, &c), 0);
	assert_int_equal(c.ops, 41);
	assert_int_equal(c.errors, 0);
	assert_int_equal(c.state, VFC_VF_READY);
	assert_int_equal(atomic_load(&f->v.hdr->counters.ops), 41);
	/* No cap: one interrupt per completion. */
	irqs = pfh_irqs(&f->v);
	assert_int_equal(c.irqs, 41);
	assert_int_equal(irqs, 41);
	assert_true(vfc_pf_engine_cpu_ns(f->pf) > 0);
	/* A NOP may name a session; an unknown one is an error. */
	r = pfh_run(&f->v, &(struct vfc_req_desc){ .cookie = 9, .session = 12345 });
	assert_int_equal(r.status, -ENOENT);
}

static void test_aes_kat(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	struct vfc_req_desc d;
	struct vfc_resp_desc r;
	uint32_t s = aes_session(v, vfc_kat_aes128_key, NULL);

	/* F.2.1 encrypt. */
	memcpy(v->pool + SRC, vfc_kat_aes128_cbc_pt, 64);
	d = cipher_desc(VFC_OP_CIPHER_ENC, s, SRC, DST, 64, vfc_kat_aes128_cbc_iv);
	r = pfh_run(v, &d);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 64);
	assert_memory_equal(v->pool + DST, vfc_kat_aes128_cbc_ct, 64);
	/* F.2.2 decrypt. */
	memcpy(v->pool + SRC, vfc_kat_aes128_cbc_ct, 64);
	d = cipher_desc(VFC_OP_CIPHER_DEC, s, SRC, DST, 64, vfc_kat_aes128_cbc_iv);
	r = pfh_run(v, &d);
	assert_int_equal(r.status, 0);
	assert_memory_equal(v->pool + DST, vfc_kat_aes128_cbc_pt, 64);
	/* In place, and chaining: block 2..4 with block 1's ciphertext as IV. */
	memcpy(v->pool + SRC, vfc_kat_aes128_cbc_pt + 16, 48);
	d = cipher_desc(VFC_OP_CIPHER_ENC, s, SRC, SRC, 48, vfc_kat_aes128_cbc_ct);
	r = pfh_run(v, &d);
	assert_int_equal(r.status, 0);
	assert_memory_equal(v->pool + SRC, vfc_kat_aes128_cbc_ct + 16, 48);
}

/* VFC_REQ_F_CHAIN: F.2.1/F.2.2 in four one-block pieces pushed together give the one-shot result. */
static void test_aes_chain(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	struct vfc_req_desc d[4];
	struct vfc_resp_desc r;
	uint8_t zero_iv[16] = { 0 };
	uint32_t s = aes_session(v, vfc_kat_aes128_key, NULL);

	/* No predecessor in this direction yet: the chain cannot continue. */
	d[0] = cipher_desc(VFC_OP_CIPHER_DEC, s, SRC, DST, 16, zero_iv);
	d[0].flags = VFC_REQ_F_CHAIN;
	r = pfh_run(v, &d[0]);
	assert_int_equal(r.status, -EPROTO);

	for (int dir = 0; dir < 2; dir++) {
		uint16_t op = dir == 0 ? VFC_OP_CIPHER_ENC : VFC_OP_CIPHER_DEC;
		const uint8_t *in = dir == 0 ? vfc_kat_aes128_cbc_pt : vfc_kat_aes128_cbc_ct;
		const uint8_t *want = dir == 0 ? vfc_kat_aes128_cbc_ct : vfc_kat_aes128_cbc_pt;

		memcpy(v->pool + SRC, in, 64);
		memset(v->pool + DST, 0, 64);
		for (int i = 0; i < 4; i++) {
			/* Pieces after the first carry a wrong IV: CHAIN must ignore it. */
			d[i] = cipher_desc(op, s, SRC + 16 * i, DST + 16 * i, 16, i ? zero_iv : vfc_kat_aes128_cbc_iv);
			d[i].flags = i ? VFC_REQ_F_CHAIN : 0;
		}
		pfh_push_n(v, d, 4);
		for (int i = 0; i < 4; i++) {
			assert_true(pfh_pop(v, &r, 5000));
			assert_int_equal(r.status, 0);
		}
		assert_memory_equal(v->pool + DST, want, 64);
	}
	/* A request refused by validation never reaches the context: the chain continues after it. */
	d[0] = cipher_desc(VFC_OP_CIPHER_ENC, s, SRC, DST, 16, zero_iv);
	d[0].dst_len = 8; /* too small: -EMSGSIZE before the device runs it */
	r = pfh_run(v, &d[0]);
	assert_int_not_equal(r.status, 0);
	d[0] = cipher_desc(VFC_OP_CIPHER_ENC, s, SRC, SRC, 16, zero_iv);
	d[0].flags = VFC_REQ_F_CHAIN;
	r = pfh_run(v, &d[0]);
	assert_int_equal(r.status, 0);
}

static void test_aes_vs_evp(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	uint8_t key[16], iv[16], *pt = malloc(BIG), *ct = malloc(BIG);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	struct vfc_req_desc d[4];
	struct vfc_resp_desc r;
	int l1, l2;
	uint32_t s;

	assert_non_null(pt);
	assert_non_null(ct);
	assert_int_equal(RAND_bytes(key, 16), 1);
	assert_int_equal(RAND_bytes(iv, 16), 1);
	assert_int_equal(RAND_bytes(pt, BIG), 1);
	s = aes_session(v, key, NULL);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, EVP_aes_128_cbc(), key, iv, NULL), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, ct, &l1, pt, BIG), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, ct + l1, &l2), 1);
	assert_int_equal(l1 + l2, BIG);

	/* Encrypt, decrypt in place, encrypt again: a burst of dependent requests of one session, in order. */
	memcpy(v->pool + SRC, pt, BIG);
	d[0] = cipher_desc(VFC_OP_CIPHER_ENC, s, SRC, DST, BIG, iv);
	d[1] = cipher_desc(VFC_OP_CIPHER_DEC, s, DST, DST, BIG, iv);
	d[2] = cipher_desc(VFC_OP_CIPHER_ENC, s, DST, DST + BIG, BIG, iv);
	pfh_push_n(v, d, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(pfh_pop(v, &r, 5000));
		assert_int_equal(r.cookie, d[i].cookie);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.out_len, BIG);
	}
	assert_memory_equal(v->pool + DST, pt, BIG);
	assert_memory_equal(v->pool + DST + BIG, ct, BIG);
	assert_true(atomic_load(&v->hdr->counters.bytes) >= 3ull * BIG);
	EVP_CIPHER_CTX_free(ctx);
	free(pt);
	free(ct);
}

static struct vfc_resp_desc hash_req(struct pfh_vf *v, uint32_t s, uint16_t flags, const void *msg,
				     uint32_t len)
{
	struct vfc_req_desc d = pfh_desc(VFC_OP_HASH, s, SRC, len, DST, (flags & VFC_REQ_F_LAST) ? 32 : 0);

	d.flags = flags;
	memcpy(v->pool + SRC, msg, len);
	return pfh_run(v, &d);
}

static void test_sha256(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	static const uint8_t empty_md[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	/* Uneven pieces summing to one million, including an empty one. */
	static const uint32_t pieces[] = { 1, 63, 64, 0, 65, 4096, 100000, 333333, 12345, 550033 };
	struct vfc_resp_desc r;
	uint32_t s, sum = 0;
	char *a;

	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &s), 0);
	r = hash_req(v, s, VFC_REQ_F_FIRST | VFC_REQ_F_LAST, vfc_kat_sha256_msg1, 3);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 32);
	assert_memory_equal(v->pool + DST, vfc_kat_sha256_md1, 32);
	r = hash_req(v, s, VFC_REQ_F_FIRST | VFC_REQ_F_LAST, vfc_kat_sha256_msg2, 56);
	assert_int_equal(r.status, 0);
	assert_memory_equal(v->pool + DST, vfc_kat_sha256_md2, 32);
	r = hash_req(v, s, VFC_REQ_F_FIRST | VFC_REQ_F_LAST, "", 0);
	assert_int_equal(r.status, 0);
	assert_memory_equal(v->pool + DST, empty_md, 32);

	/* No message in progress: an update or a final without FIRST is a protocol error. */
	r = hash_req(v, s, 0, "x", 1);
	assert_int_equal(r.status, -EPROTO);
	r = hash_req(v, s, VFC_REQ_F_LAST, "x", 1);
	assert_int_equal(r.status, -EPROTO);

	/* One million 'a', state carried by the session across requests. */
	a = malloc(VFC_KAT_SHA256_MILLION_A);
	assert_non_null(a);
	memset(a, 'a', VFC_KAT_SHA256_MILLION_A);
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		uint16_t fl = (i == 0 ? VFC_REQ_F_FIRST : 0) |
			      (i + 1 == sizeof(pieces) / sizeof(pieces[0]) ? VFC_REQ_F_LAST : 0);

		r = hash_req(v, s, fl, a + sum, pieces[i]);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.out_len, (fl & VFC_REQ_F_LAST) ? 32 : 0);
		sum += pieces[i];
	}
	assert_int_equal(sum, VFC_KAT_SHA256_MILLION_A);
	assert_memory_equal(v->pool + DST, vfc_kat_sha256_md3, 32);
	/* FIRST restarts a message that is in progress. */
	r = hash_req(v, s, VFC_REQ_F_FIRST, "garbage", 7);
	assert_int_equal(r.status, 0);
	r = hash_req(v, s, VFC_REQ_F_FIRST | VFC_REQ_F_LAST, vfc_kat_sha256_msg1, 3);
	assert_memory_equal(v->pool + DST, vfc_kat_sha256_md1, 32);
	free(a);
}

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
	assert_true(c1.ops >= c0.ops + 2);
	assert_int_equal(atomic_load(&w.hdr->counters.ops), c1.ops);
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

/* 200 NOPs one after the other: how many found the engine asleep (a doorbell to ring). */
static unsigned sequential_sleeps(unsigned spin_us)
{
	struct vfc_pf_config cfg;
	struct pfh_vf v;
	struct vfc_pf *pf;
	unsigned asleep = 0;

	vfc_pf_config_init(&cfg);
	cfg.n_vfs = 1;
	cfg.ring_entries = 64;
	cfg.pool_size = 1u << 20;
	cfg.spin_us = spin_us;
	pf = vfc_pf_create(&cfg);
	assert_non_null(pf);
	pfh_open(pf, UINT32_MAX, &v);
	for (unsigned i = 0; i < 200; i++) {
		asleep += atomic_load(&v.hdr->dev_sleeping) != 0;
		assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = i }).status, 0);
	}
	/* However long it spins, an idle engine goes to sleep in the end. */
	for (int k = 0; k < 500 && !atomic_load(&v.hdr->dev_sleeping); k++)
		usleep(2000);
	assert_true(atomic_load(&v.hdr->dev_sleeping));
	assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 1000 }).status, 0); /* the doorbell wakes it */
	pfh_close(&v);
	vfc_pf_free(pf);
	return asleep;
}

/* An idle engine polls for spin_us before it sleeps: back-to-back requests find
 * it awake (no doorbell); with no spin it sleeps after every one. */
static void test_engine_spin(void **state)
{
	unsigned no_spin, spin;

	(void)state;
	no_spin = sequential_sleeps(0);
	spin = sequential_sleeps(VFC_ENGINE_SPIN_MAX_US);
	if (spin * 2 >= no_spin)
		fail_msg("the engine slept before %u of 200 requests with a 10 ms spin, %u with none", spin, no_spin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_engine_spin),
		cmocka_unit_test_setup_teardown(test_nop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aes_kat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aes_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aes_vs_evp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sha256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_desc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbox_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_release, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
