/* SPDX-License-Identifier: MIT */
/* test_pf_sched.c - the engines' deficit round robin: a large request beside small ones, pieces byte-exact, invalid-descriptor floods. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/ring.h"
#include "device/pf_internal.h" /* VFC__PIECE_BYTES: sizes around its multiples */
#include "os/clock.h"
#include "pfh.h"

#define P VFC__PIECE_BYTES
#define MIB (1u << 20)

static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };

static struct vfc_pf *big_pf(unsigned n_engines, unsigned ring)
{
	struct vfc_pf_config cfg = pfh_config(2, VFC_PF_ENGINE_OPENSSL, ring, 32u * MIB);

	cfg.n_engines = n_engines;
	return pfh_create(&cfg);
}

static uint32_t session(struct pfh_vf *v, uint32_t alg)
{
	uint32_t k = 0, s;

	if (alg != VFC_ALG_SHA256)
		assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, key, 16, &k), 0);
	assert_int_equal(pfh_session(v, alg, k, &s), 0);
	return s;
}

static struct vfc_req_desc desc(uint16_t op, uint32_t s, uint32_t src, uint32_t dst, uint32_t len,
				uint16_t flags, const uint8_t iv[16])
{
	struct vfc_req_desc d = pfh_desc(op, s, src, len, dst, op == VFC_OP_HASH ? 32 : len);

	d.flags = flags;
	if (iv)
		memcpy(d.iv, iv, 16);
	return d;
}

/* EVP's AES-128-CBC of in (no padding), continuing ctx if given. */
static void evp_cbc(EVP_CIPHER_CTX *ctx, const uint8_t *in, uint32_t len, uint8_t *out)
{
	int outl;

	assert_int_equal(EVP_CipherUpdate(ctx, out, &outl, in, (int)len), 1);
	assert_int_equal((uint32_t)outl, len);
}

static EVP_CIPHER_CTX *evp_ctx(const uint8_t iv[16], int enc)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

	assert_non_null(c);
	assert_int_equal(EVP_CipherInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv, enc), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	return c;
}

/* Responses that arrived so far (acquire, as the tenant reads them). */
static uint32_t completed(struct pfh_vf *v)
{
	return vfc_ring_load_peer(&v->hdr->resp_tail);
}

#define LARGE_SMALL_N 48
#define LARGE_SMALL_BYTES 4096u
#define LARGE_PUBLISH_NS 2000000ull /* a third of the large request's engine time (about 6 ms) */

/*
 * One round of test_large_beside_small: the large request on a, then LARGE_SMALL_N small ones on b once
 * the engine has taken it, all with iv. Returns how many of b's completed before a's did, or
 * UINT32_MAX where b's were published LARGE_PUBLISH_NS or more after a's, or after a's had completed
 * (the test's thread descheduled: most of the large request ran with nothing beside it, and the round
 * shows nothing). Every response is popped and checked; *ra is a's.
 */
static uint32_t large_round(struct pfh_vf *a, struct pfh_vf *b, uint32_t sa, uint32_t sb, uint32_t big,
			    const uint8_t iv[16], const uint8_t *want, struct vfc_resp_desc *ra)
{
	const uint32_t n = LARGE_SMALL_N, small = LARGE_SMALL_BYTES;
	struct vfc_req_desc d[LARGE_SMALL_N];
	struct vfc_resp_desc r;
	uint32_t done_meanwhile;
	uint64_t t0 = vfc_now_ns();
	bool late;

	d[0] = desc(VFC_OP_CIPHER_ENC, sa, 0, 0, big, 0, iv);
	pfh_push(a, &d[0]);
	/* Wait until the engine has taken it: from then on it is in progress. */
	for (int i = 0; i < 100000 && atomic_load(&a->hdr->req_head) != a->req_tail; i++)
		usleep(10);
	assert_int_equal(atomic_load(&a->hdr->req_head), a->req_tail);
	for (uint32_t i = 0; i < n; i++)
		d[i] = desc(VFC_OP_CIPHER_ENC, sb, i * small, 16 * MIB + i * small, small, 0, iv);
	pfh_push_n(b, d, n);
	late = completed(a) != a->resp_head || vfc_now_ns() - t0 >= LARGE_PUBLISH_NS;

	assert_true(pfh_pop(a, ra, 60000));
	done_meanwhile = completed(b) - b->resp_head;
	assert_int_equal(ra->status, 0);
	assert_int_equal(ra->out_len, big);
	assert_memory_equal(a->pool, want, big);
	/* Exactly one completion each, in order, and nothing more. */
	for (uint32_t i = 0; i < n; i++) {
		assert_true(pfh_pop(b, &r, 10000));
		assert_int_equal(r.cookie, d[i].cookie);
		assert_int_equal(r.status, 0);
	}
	return late ? UINT32_MAX : done_meanwhile;
}

/*
 * A tenant's one 8 MiB AES request and a neighbour's 4 KiB ones on one engine:
 * while the large request is in progress (taken, not complete), the neighbour
 * is served. With requests counted instead of engine time, the engine ran the
 * 8 MiB in one go and the neighbour completed nothing meanwhile. A round in
 * which the small ones were published late (a loaded machine: large_round) is
 * run again, up to 5 times.
 */
static void test_large_beside_small(void **state)
{
	const uint32_t big = 8 * MIB, n = LARGE_SMALL_N;
	struct vfc_pf *pf = big_pf(1, 64);
	struct pfh_vf a, b;
	struct vfc_resp_desc r;
	uint8_t iv[16] = { 7 }, *want = malloc(big), *plain = malloc(big);
	uint32_t sa, sb, done_meanwhile = UINT32_MAX, rounds = 0;
	EVP_CIPHER_CTX *c;
	struct vfc_counters ca, cb;

	(void)state;
	assert_true(want && plain);
	pfh_open(pf, 0, &a);
	pfh_open(pf, 1, &b);
	sa = session(&a, VFC_ALG_AES128_CBC);
	sb = session(&b, VFC_ALG_AES128_CBC);
	RAND_bytes(a.pool, (int)big);
	RAND_bytes(b.pool, (int)(n * LARGE_SMALL_BYTES));
	c = evp_ctx(iv, 1);
	evp_cbc(c, a.pool, big, want);
	EVP_CIPHER_CTX_free(c);
	memcpy(plain, a.pool, big);
	while (done_meanwhile == UINT32_MAX && rounds < 5) {
		memcpy(a.pool, plain, big); /* in place: each round encrypts the same plaintext */
		done_meanwhile = large_round(&a, &b, sa, sb, big, iv, want, &r);
		rounds++;
	}
	usleep(20000);
	assert_int_equal(completed(&a), a.resp_head);
	assert_int_equal(completed(&b), b.resp_head);
	/* The engine time of each is accounted: the large one took at least as
	 * long as all the small ones together. */
	assert_int_equal(vfc_pf_vf_counters(pf, 0, &ca), 0);
	assert_int_equal(vfc_pf_vf_counters(pf, 1, &cb), 0);
	assert_int_equal(ca.ops, rounds);
	assert_true(ca.dev_ns > 0 && cb.dev_ns > 0);
	assert_true(ca.dev_ns >= r.dev_ns);
	free(want);
	free(plain);
	pfh_close(&a);
	pfh_close(&b);
	vfc_pf_free(pf);
	if (done_meanwhile == UINT32_MAX)
		skip(); /* five rounds, and the test's thread never published in time */
	/* The neighbour's requests took a few visits of a quantum each; the large
	 * one needed big / P pieces: all (or nearly all) of them fit in between. */
	assert_true(done_meanwhile >= n - 8);
}

static const uint32_t sizes[] = { 16, P - 16, P, P + 16, 2 * P, 3 * P + 48, MIB + 16 };

/* One request on v, its response checked; returns the response. */
static struct vfc_resp_desc run(struct pfh_vf *v, struct vfc_req_desc d)
{
	struct vfc_resp_desc r = pfh_run(v, &d);

	assert_int_equal(r.status, 0);
	return r;
}

/* AES-CBC both ways and SHA-256 at sizes around multiples of the piece, on two
 * VFs whose large requests interleave on two engines: the bytes OpenSSL gives. */
static void test_pieces_exact(void **state)
{
	struct vfc_pf *pf = big_pf(2, 64);
	struct pfh_vf v[2];
	uint8_t iv[16] = { 1, 2, 3 }, md[32];
	uint8_t *want = malloc(4 * MIB);

	(void)state;
	assert_non_null(want);
	pfh_open(pf, 0, &v[0]);
	pfh_open(pf, 1, &v[1]);
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t len = sizes[k];

		for (unsigned j = 0; j < 2; j++) {
			struct pfh_vf *x = &v[j];
			uint32_t s = session(x, VFC_ALG_AES128_CBC), h = session(x, VFC_ALG_SHA256);
			EVP_CIPHER_CTX *c;

			RAND_bytes(x->pool, (int)len);
			c = evp_ctx(iv, 1);
			evp_cbc(c, x->pool, len, want);
			EVP_CIPHER_CTX_free(c);
			assert_int_equal(run(x, desc(VFC_OP_CIPHER_ENC, s, 0, 8 * MIB, len, 0, iv)).out_len, len);
			assert_memory_equal(x->pool + 8 * MIB, want, len);
			/* Decrypt back in place. */
			assert_int_equal(run(x, desc(VFC_OP_CIPHER_DEC, s, 8 * MIB, 8 * MIB, len, 0, iv)).out_len, len);
			assert_memory_equal(x->pool + 8 * MIB, x->pool, len);
			EVP_Digest(x->pool, len, md, NULL, EVP_sha256(), NULL);
			assert_int_equal(run(x, desc(VFC_OP_HASH, h, 0, 16 * MIB, len,
						     VFC_REQ_F_FIRST | VFC_REQ_F_LAST, NULL)).out_len, 32);
			assert_memory_equal(x->pool + 16 * MIB, md, 32);
		}
	}
	free(want);
	pfh_close(&v[0]);
	pfh_close(&v[1]);
	vfc_pf_free(pf);
}

/* Chained streams: CBC continued across requests (VFC_REQ_F_CHAIN) and SHA-256
 * across FIRST / middle / LAST requests, each request itself in pieces, all
 * queued at once: one stream's bytes. */
static void test_pieces_chained(void **state)
{
	const uint32_t l1 = P + 16, l2 = 2 * P - 16, l3 = 5 * P + 32, tot = l1 + l2 + l3;
	struct vfc_pf *pf = big_pf(2, 64);
	struct pfh_vf v;
	struct vfc_req_desc d[6];
	struct vfc_resp_desc r;
	uint8_t iv[16] = { 9 }, md[32], *want = malloc(tot);
	uint32_t s, h;
	EVP_CIPHER_CTX *c;

	(void)state;
	assert_non_null(want);
	pfh_open(pf, 0, &v);
	s = session(&v, VFC_ALG_AES128_CBC);
	h = session(&v, VFC_ALG_SHA256);
	RAND_bytes(v.pool, (int)tot);
	c = evp_ctx(iv, 1);
	evp_cbc(c, v.pool, tot, want);
	EVP_CIPHER_CTX_free(c);
	EVP_Digest(v.pool, tot, md, NULL, EVP_sha256(), NULL);
	d[0] = desc(VFC_OP_CIPHER_ENC, s, 0, 8 * MIB, l1, 0, iv);
	d[1] = desc(VFC_OP_CIPHER_ENC, s, l1, 8 * MIB + l1, l2, VFC_REQ_F_CHAIN, NULL);
	d[2] = desc(VFC_OP_CIPHER_ENC, s, l1 + l2, 8 * MIB + l1 + l2, l3, VFC_REQ_F_CHAIN, NULL);
	d[3] = desc(VFC_OP_HASH, h, 0, 16 * MIB, l1, VFC_REQ_F_FIRST, NULL);
	d[4] = desc(VFC_OP_HASH, h, l1, 16 * MIB, l2, 0, NULL);
	d[5] = desc(VFC_OP_HASH, h, l1 + l2, 16 * MIB, l3, VFC_REQ_F_LAST, NULL);
	pfh_push_n(&v, d, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_true(pfh_pop(&v, &r, 10000));
		assert_int_equal(r.cookie, d[i].cookie);
		assert_int_equal(r.status, 0);
	}
	assert_memory_equal(v.pool + 8 * MIB, want, tot);
	assert_memory_equal(v.pool + 16 * MIB, md, 32);
	/* Decrypt the same stream back, chained, in place. */
	d[0] = desc(VFC_OP_CIPHER_DEC, s, 8 * MIB, 8 * MIB, l3 + l2, 0, iv);
	d[1] = desc(VFC_OP_CIPHER_DEC, s, 8 * MIB + l3 + l2, 8 * MIB + l3 + l2, l1, VFC_REQ_F_CHAIN, NULL);
	pfh_push_n(&v, d, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_true(pfh_pop(&v, &r, 10000));
		assert_int_equal(r.status, 0);
	}
	assert_memory_equal(v.pool + 8 * MIB, v.pool, tot);
	free(want);
	pfh_close(&v);
	vfc_pf_free(pf);
}

/* A session freed while one of its requests is in progress (between pieces):
 * the request completes once, with -ENOENT, and the engine goes on. */
static void test_session_freed_midway(void **state)
{
	struct vfc_pf *pf = big_pf(1, 64);
	struct pfh_vf v;
	struct vfc_resp_desc r;
	uint8_t iv[16] = { 0 };
	uint32_t s;
	struct vfc_req_desc d;

	(void)state;
	pfh_open(pf, 0, &v);
	s = session(&v, VFC_ALG_AES128_CBC);
	d = desc(VFC_OP_CIPHER_ENC, s, 0, 0, 16 * MIB, 0, iv);
	pfh_push(&v, &d);
	for (int i = 0; i < 100000 && atomic_load(&v.hdr->req_head) != v.req_tail; i++)
		usleep(10);
	assert_int_equal(pfh_session_free(&v, s), 0);
	assert_true(pfh_pop(&v, &r, 60000));
	assert_int_equal(r.cookie, d.cookie);
	/* Freed before it finished (-ENOENT), or it had finished (0): one answer. */
	assert_true(r.status == -ENOENT || r.status == 0);
	usleep(10000);
	assert_int_equal(completed(&v), v.resp_head);
	assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 5 }).status, 0);
	pfh_close(&v);
	vfc_pf_free(pf);
}

/* A descriptor the device rejects: a source past the pool. */
static struct vfc_req_desc bad_desc(void)
{
	return pfh_desc(VFC_OP_NOP, 0, 64 * MIB, 16, 0, 0);
}

/*
 * Completions that did no work are moderated per visit: 64 rejected
 * descriptors, then 64 NOPs, published at once, no cap, interrupts on, cost a
 * few interrupts each time, not one per descriptor.
 */
static void test_errors_moderated(void **state)
{
	struct vfc_pf *pf = big_pf(1, 64);
	struct pfh_vf v;
	struct vfc_req_desc d[64];
	struct vfc_resp_desc r;
	struct vfc_counters c;
	uint64_t irqs;

	(void)state;
	pfh_open(pf, 0, &v);
	for (unsigned i = 0; i < 64; i++)
		d[i] = bad_desc();
	pfh_push_n(&v, d, 64);
	for (unsigned i = 0; i < 64; i++) {
		assert_true(pfh_pop(&v, &r, 5000));
		assert_int_equal(r.cookie, d[i].cookie);
		assert_int_equal(r.status, -EINVAL);
	}
	for (int i = 0; i < 5000; i++) {
		assert_int_equal(vfc_pf_vf_counters(pf, v.id, &c), 0);
		if (c.errors == 64 && c.irqs > 0)
			break;
		usleep(1000);
	}
	assert_int_equal(c.errors, 64);
	assert_true(c.irqs >= 1);  /* never left without an interrupt */
	assert_true(c.irqs <= 16); /* one per visit, not 64 */
	assert_int_equal(c.state, VFC_VF_READY); /* no rate limit set */
	usleep(20000);
	pfh_irqs(&v); /* drained: count the NOPs' alone */

	for (unsigned i = 0; i < 64; i++)
		d[i] = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
	pfh_push_n(&v, d, 64);
	for (unsigned i = 0; i < 64; i++) {
		assert_true(pfh_pop(&v, &r, 5000));
		assert_int_equal(r.status, 0);
	}
	usleep(20000);
	assert_int_equal(vfc_pf_vf_counters(pf, v.id, &c), 0);
	assert_int_equal(c.ops, 128);
	irqs = pfh_irqs(&v);
	assert_true(irqs >= 1 && irqs <= 16);
	pfh_close(&v);
	vfc_pf_free(pf);
}

/*
 * max_invalid_hz: below the rate nothing happens; a flood above it (more than
 * a second's worth at once) stops the VF in state FLOODED, the neighbour VF is
 * untouched, and a reset brings the VF back.
 */
static void test_invalid_rate(void **state)
{
	struct vfc_pf *pf = big_pf(1, 64);
	struct vfc_vf_policy pol = { .max_invalid_hz = 100 };
	struct pfh_vf v, w;
	struct vfc_req_desc d[64];
	struct vfc_resp_desc r;
	struct vfc_counters c;

	(void)state;
	pfh_open(pf, 0, &v);
	pfh_open(pf, 1, &w);
	assert_int_equal(vfc_pf_set_policy(pf, 0, &pol), 0);
	/* 64 at once: within the burst of one second at 100/s. */
	for (unsigned i = 0; i < 64; i++)
		d[i] = bad_desc();
	pfh_push_n(&v, d, 64);
	for (unsigned i = 0; i < 64; i++) {
		assert_true(pfh_pop(&v, &r, 5000));
		assert_int_equal(r.status, -EINVAL);
	}
	assert_int_equal(atomic_load(&v.hdr->state), VFC_VF_READY);
	/* 64 more right away: 128 in well under a second, over 100/s. */
	for (unsigned i = 0; i < 64; i++)
		d[i] = bad_desc();
	pfh_push_n(&v, d, 64);
	for (int i = 0; i < 5000 && atomic_load(&v.hdr->state) == VFC_VF_READY; i++)
		usleep(1000);
	assert_int_equal(atomic_load(&v.hdr->state), VFC_VF_FLOODED);
	assert_int_equal(vfc_pf_vf_counters(pf, 0, &c), 0);
	assert_int_equal(c.state, VFC_VF_FLOODED);
	assert_int_equal(c.resets, 1);
	/* The neighbour is served. */
	assert_int_equal(pfh_run(&w, &(struct vfc_req_desc){ .cookie = 3 }).status, 0);
	/* Reset: served again, with a fresh allowance. */
	assert_int_equal(pfh_reset(&v), 0);
	assert_int_equal(atomic_load(&v.hdr->state), VFC_VF_READY);
	assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 4 }).status, 0);
	pfh_push_n(&v, d, 32);
	for (unsigned i = 0; i < 32; i++)
		assert_true(pfh_pop(&v, &r, 5000));
	assert_int_equal(atomic_load(&v.hdr->state), VFC_VF_READY);
	/* No limit (0): any number of invalid descriptors is only answered. */
	pol.max_invalid_hz = 0;
	assert_int_equal(vfc_pf_set_policy(pf, 0, &pol), 0);
	for (unsigned k = 0; k < 8; k++) {
		pfh_push_n(&v, d, 64);
		for (unsigned i = 0; i < 64; i++)
			assert_true(pfh_pop(&v, &r, 5000));
	}
	assert_int_equal(atomic_load(&v.hdr->state), VFC_VF_READY);
	pfh_close(&v);
	pfh_close(&w);
	vfc_pf_free(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_beside_small),
		cmocka_unit_test(test_pieces_exact),
		cmocka_unit_test(test_pieces_chained),
		cmocka_unit_test(test_session_freed_midway),
		cmocka_unit_test(test_errors_moderated),
		cmocka_unit_test(test_invalid_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
