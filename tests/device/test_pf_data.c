/* SPDX-License-Identifier: MIT */
/* test_pf_data.c - the PF's data path through its region: NOPs, AES and SHA-256 KATs, CBC chaining, AES against EVP, engine spin. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "aes_cbc_kat.h"
#include "pf_fix.h"
#include "sha256_kat.h"

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
	/* The device publishes a response before it counts it and raises its interrupt: give the
	 * last one's accounting time to land (bounded), then check it all. */
	for (unsigned i = 0; i < 5000; i++) {
		assert_int_equal(vfc_pf_vf_counters(f->pf, f->v.id, &c), 0);
		if (c.ops == 41 && c.irqs >= 2)
			break;
		usleep(1000);
	}
	assert_int_equal(c.ops, 41);
	assert_int_equal(c.errors, 0);
	assert_int_equal(c.state, VFC_VF_READY);
	assert_int_equal(atomic_load(&f->v.hdr->counters.ops), 41);
	/* No cap: an interrupt for the lone NOP, and for the burst at least one
	 * (the reference engine moderates the NOPs of a visit as one batch; the
	 * mb engine one by one), each delivered. */
	usleep(20000);
	assert_int_equal(vfc_pf_vf_counters(f->pf, f->v.id, &c), 0);
	irqs = pfh_irqs(&f->v);
	assert_true(c.irqs >= 2 && c.irqs <= 41);
	assert_int_equal(irqs, c.irqs);
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

/* 200 NOPs one after the other: how many found the engine asleep (a doorbell to ring). */
static unsigned sequential_sleeps(unsigned spin_us)
{
	struct vfc_pf_config cfg;
	struct pfh_vf v;
	struct vfc_pf *pf;
	unsigned asleep = 0;

	cfg = pfh_config(1, VFC_PF_ENGINE_OPENSSL, 64, 1u << 20);
	cfg.spin_us = spin_us;
	pf = pfh_create(&cfg);
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
		cmocka_unit_test(test_engine_spin),
		cmocka_unit_test_setup_teardown(test_nop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aes_kat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aes_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aes_vs_evp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sha256, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
