/* SPDX-License-Identifier: MIT */
/* test_mb.c - the multi-buffer engine kind byte for byte against OpenSSL: KATs, random sizes, mixed keys, chains, partitioning, decryption, SHA-256, failures in a batch. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "aes_cbc_kat.h"
#include "pfh.h"
#include "sha256_kat.h"
#include "vfcrypt/vfc.h"

#define NVF 4
#define POOL (8u << 20)
#define MB (1u << 20)

struct mfix {
	struct vfc_pf *pf;
	struct pfh_vf v[NVF];
};

static int setup(void **state)
{
	struct mfix *f = calloc(1, sizeof(*f));
	struct vfc_pf_config cfg = pfh_config(NVF, VFC_PF_ENGINE_MB, 256, POOL);

	assert_non_null(f);
	cfg.burst = 32;
	f->pf = pfh_create(&cfg);
	assert_int_equal(vfc_pf_engine_kind(f->pf), VFC_PF_ENGINE_MB);
	for (unsigned i = 0; i < NVF; i++)
		pfh_open(f->pf, i, &f->v[i]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct mfix *f = *state;

	for (unsigned i = 0; i < NVF; i++)
		pfh_close(&f->v[i]);
	vfc_pf_free(f->pf);
	free(f);
	return 0;
}

static uint32_t aes_sess(struct pfh_vf *v, const uint8_t key[16])
{
	uint32_t k, s;

	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, key, 16, &k), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, k, &s), 0);
	return s;
}

static struct vfc_req_desc enc_desc(uint32_t s, uint32_t src, uint32_t dst, uint32_t len, const uint8_t *iv)
{
	struct vfc_req_desc d = pfh_desc(VFC_OP_CIPHER_ENC, s, src, len, dst, len);

	if (iv)
		memcpy(d.iv, iv, 16);
	else
		d.flags = VFC_REQ_F_CHAIN;
	return d;
}

static void evp_cbc(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, uint32_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl;

	assert_non_null(c);
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv));
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_true(EVP_EncryptUpdate(c, out, &outl, in, (int)len));
	assert_int_equal((uint32_t)outl, len);
	EVP_CIPHER_CTX_free(c);
}

/* Pop n responses: in order, each cookie once, none more within 20 ms. */
static void pop_all(struct pfh_vf *v, const struct vfc_req_desc *d, unsigned n, struct vfc_resp_desc *r)
{
	struct vfc_resp_desc extra;

	for (unsigned i = 0; i < n; i++) {
		assert_true(pfh_pop(v, &r[i], 10000));
		assert_int_equal(r[i].cookie, d[i].cookie);
	}
	assert_false(pfh_pop(v, &extra, 20));
}

static void test_kat(void **state)
{
	struct mfix *f = *state;
	struct pfh_vf *v = &f->v[0];
	struct vfc_req_desc d[32];
	struct vfc_resp_desc r[32];
	uint32_t s = aes_sess(v, vfc_kat_aes128_key), h;

	/* 24 copies of F.2.1 at once: they share the lanes. */
	for (unsigned i = 0; i < 24; i++) {
		memcpy(v->pool + i * 128, vfc_kat_aes128_cbc_pt, 64);
		d[i] = enc_desc(s, i * 128, i * 128 + 64, 64, vfc_kat_aes128_cbc_iv);
	}
	pfh_push_n(v, d, 24);
	pop_all(v, d, 24, r);
	for (unsigned i = 0; i < 24; i++) {
		assert_int_equal(r[i].status, 0);
		assert_int_equal(r[i].out_len, 64);
		assert_memory_equal(v->pool + i * 128 + 64, vfc_kat_aes128_cbc_ct, 64);
	}
	/* One alone (the OpenSSL path) gives the same. */
	memset(v->pool + 64, 0, 64);
	r[0] = pfh_run(v, &d[0]);
	assert_int_equal(r[0].status, 0);
	assert_memory_equal(v->pool + 64, vfc_kat_aes128_cbc_ct, 64);
	/* SHA-256 B.1 and B.2, whole messages, 32 at once. */
	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &h), 0);
	for (unsigned i = 0; i < 32; i++) {
		const char *m = i & 1 ? vfc_kat_sha256_msg2 : vfc_kat_sha256_msg1;

		memcpy(v->pool + 65536 + i * 128, m, strlen(m));
		d[i] = pfh_desc(VFC_OP_HASH, h, 65536 + i * 128, (uint32_t)strlen(m), 65536 + i * 128 + 64, 32);
		d[i].flags = VFC_REQ_F_ALL;
	}
	pfh_push_n(v, d, 32);
	pop_all(v, d, 32, r);
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(r[i].status, 0);
		assert_int_equal(r[i].out_len, 32);
		assert_memory_equal(v->pool + 65536 + i * 128 + 64, i & 1 ? vfc_kat_sha256_md2 : vfc_kat_sha256_md1, 32);
	}
}

/* k requests of len bytes, each with its own key and IV, on one VF; checked against EVP. */
static void cross_check(struct pfh_vf *v, uint32_t len, unsigned k, bool in_place)
{
	struct vfc_req_desc d[32];
	struct vfc_resp_desc r[32];
	uint8_t key[32][16], iv[32][16];
	uint8_t *want = malloc(len);
	uint32_t span = in_place ? len : 2 * len;

	assert_non_null(want);
	for (unsigned i = 0; i < k; i++) {
		uint32_t off = i * span;

		assert_int_equal(RAND_bytes(key[i], 16), 1);
		assert_int_equal(RAND_bytes(iv[i], 16), 1);
		assert_int_equal(RAND_bytes(v->pool + off, (int)len), 1);
		d[i] = enc_desc(aes_sess(v, key[i]), off, in_place ? off : off + len, len, iv[i]);
		d[i].cookie = 1000 + i;
	}
	/* The plaintext is gone once in place: keep a copy of the first. */
	pfh_push_n(v, d, k);
	pop_all(v, d, k, r);
	for (unsigned i = 0; i < k; i++)
		assert_int_equal(r[i].status, 0);
	for (unsigned i = 0; i < k && !in_place; i++) {
		evp_cbc(key[i], iv[i], v->pool + d[i].src_off, len, want);
		assert_int_equal(r[i].out_len, len);
		assert_memory_equal(v->pool + d[i].dst_off, want, len);
	}
	free(want);
}

static void test_random_sizes(void **state)
{
	struct mfix *f = *state;
	static const uint32_t sizes[] = { 16, 32, 48, 1024, 4112, 16384, 65520, 65536, 65552, 131072, 200016,
					  524288, MB };

	for (unsigned z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		uint32_t len = sizes[z];
		unsigned k = POOL / (2 * len) < 16 ? POOL / (2 * len) : 16;

		cross_check(&f->v[z % NVF], len, k, false);
	}
	/* Random lengths, several per batch. */
	for (unsigned t = 0; t < 8; t++) {
		uint32_t len;

		assert_int_equal(RAND_bytes((uint8_t *)&len, sizeof(len)), 1);
		len = 16 + (len % (128u << 10)) / 16 * 16;
		cross_check(&f->v[t % NVF], len, 8, false);
	}
	/* In place. */
	cross_check(&f->v[1], 4096, 16, true);
}

/* Every VF at once, every request its own key, IV and length: one batch across tenants. */
static void test_mixed_vfs(void **state)
{
	struct mfix *f = *state;
	struct vfc_req_desc d[NVF][16];
	struct vfc_resp_desc r[16];
	uint8_t key[NVF][16][16], iv[NVF][16][16], want[16384];

	for (unsigned q = 0; q < NVF; q++) {
		struct pfh_vf *v = &f->v[q];

		for (unsigned i = 0; i < 16; i++) {
			uint32_t len = 16 * (1 + (i * 37 + q * 11) % 1024);

			RAND_bytes(key[q][i], 16);
			RAND_bytes(iv[q][i], 16);
			RAND_bytes(v->pool + i * 32768, (int)len);
			d[q][i] = enc_desc(aes_sess(v, key[q][i]), i * 32768, i * 32768 + 16384, len, iv[q][i]);
			d[q][i].cookie = q * 100 + i;
		}
	}
	for (unsigned q = 0; q < NVF; q++)
		pfh_push_n(&f->v[q], d[q], 16);
	for (unsigned q = 0; q < NVF; q++) {
		struct pfh_vf *v = &f->v[q];

		pop_all(v, d[q], 16, r);
		for (unsigned i = 0; i < 16; i++) {
			assert_int_equal(r[i].status, 0);
			assert_int_equal(r[i].out_len, d[q][i].src_len);
			evp_cbc(key[q][i], iv[q][i], v->pool + d[q][i].src_off, d[q][i].src_len, want);
			assert_memory_equal(v->pool + d[q][i].dst_off, want, d[q][i].src_len);
		}
	}
}

/* Four chained streams interleaved in one burst, pieces of 3 sizes: the concatenation equals one EVP pass. */
static void test_chains(void **state)
{
	struct mfix *f = *state;
	struct pfh_vf *v = &f->v[2];
	static const uint32_t piece[3] = { 4096, 80000, 16 };
	const uint32_t total = 4096 + 80000 + 16, stride = 2 * 84112;
	struct vfc_req_desc d[12];
	struct vfc_resp_desc r[12];
	uint8_t key[4][16], iv[4][16], *want = malloc(total);
	uint32_t s[4];

	assert_non_null(want);
	for (unsigned k = 0; k < 4; k++) {
		RAND_bytes(key[k], 16);
		RAND_bytes(iv[k], 16);
		RAND_bytes(v->pool + k * stride, (int)total);
		s[k] = aes_sess(v, key[k]);
	}
	for (unsigned p = 0, off = 0; p < 3; off += piece[p], p++)
		for (unsigned k = 0; k < 4; k++) {
			uint32_t base = k * stride + off;

			d[p * 4 + k] = enc_desc(s[k], base, base + total, piece[p], p ? NULL : iv[k]);
			d[p * 4 + k].cookie = p * 4 + k;
		}
	pfh_push_n(v, d, 12);
	pop_all(v, d, 12, r);
	for (unsigned k = 0; k < 4; k++) {
		for (unsigned p = 0; p < 3; p++)
			assert_int_equal(r[p * 4 + k].status, 0);
		evp_cbc(key[k], iv[k], v->pool + k * stride, total, want);
		assert_memory_equal(v->pool + k * stride + total, want, total);
	}
	/* A chain continues across bursts too; a CHAIN without a predecessor fails. */
	d[0] = enc_desc(s[0], 0, total, 16, NULL);
	r[0] = pfh_run(v, &d[0]);
	assert_int_equal(r[0].status, 0);
	{
		uint32_t s2 = aes_sess(v, key[1]);

		d[1] = enc_desc(s2, 0, total, 16, NULL);
		r[1] = pfh_run(v, &d[1]);
		assert_int_equal(r[1].status, -EPROTO);
	}
	free(want);
}

/* A request failing validation in the middle of a batch fails alone; read-after-write in a burst is kept. */
static void test_bad_in_batch(void **state)
{
	struct mfix *f = *state;
	struct pfh_vf *v = &f->v[3];
	struct vfc_req_desc d[20];
	struct vfc_resp_desc r[20];
	uint8_t key[16], iv[16], want[2048], tmp[2048];
	uint32_t s;
	struct vfc_counters c0, c1;

	RAND_bytes(key, 16);
	RAND_bytes(iv, 16);
	s = aes_sess(v, key);
	assert_int_equal(vfc_pf_vf_counters(f->pf, v->id, &c0), 0);
	for (unsigned i = 0; i < 20; i++) {
		RAND_bytes(v->pool + i * 4096, 2048);
		d[i] = enc_desc(s, i * 4096, i * 4096 + 2048, 2048, iv);
		d[i].cookie = 77 + i;
	}
	d[7].src_len = 15;    /* not whole blocks: -EINVAL */
	d[9].session = 12345; /* unknown: -ENOENT */
	d[11].dst_len = 16;   /* too short: -EMSGSIZE */
	/* 13 encrypts again what 12 wrote: must see 12's output. */
	d[13].src_off = d[12].dst_off;
	pfh_push_n(v, d, 20);
	pop_all(v, d, 20, r);
	for (unsigned i = 0; i < 20; i++) {
		int want_st = i == 7 ? -EINVAL : i == 9 ? -ENOENT : i == 11 ? -EMSGSIZE : 0;

		assert_int_equal(r[i].status, want_st);
		if (want_st) {
			assert_int_equal(r[i].out_len, 0);
			continue;
		}
		if (i == 13) {
			evp_cbc(key, iv, v->pool + d[12].src_off, 2048, tmp);
			evp_cbc(key, iv, tmp, 2048, want);
		} else {
			evp_cbc(key, iv, v->pool + d[i].src_off, 2048, want);
		}
		assert_memory_equal(v->pool + d[i].dst_off, want, 2048);
	}
	assert_int_equal(vfc_pf_vf_counters(f->pf, v->id, &c1), 0);
	assert_int_equal(c1.ops - c0.ops, 20);
	assert_int_equal(c1.errors - c0.errors, 3);
}

static void evp_cbc_dec(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, uint32_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl;

	assert_non_null(c);
	assert_true(EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv));
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_true(EVP_DecryptUpdate(c, out, &outl, in, (int)len));
	EVP_CIPHER_CTX_free(c);
}

/* Decryption (ipsec-mb's single-buffer path): random sizes, in place and not, and a chained stream. */
static void test_decrypt(void **state)
{
	struct mfix *f = *state;
	struct pfh_vf *v = &f->v[0];
	static const uint32_t sizes[] = { 16, 1024, 16384, 65520, 65536, 200016, MB };
	const unsigned n = sizeof(sizes) / sizeof(sizes[0]);
	struct vfc_req_desc d[16];
	struct vfc_resp_desc r[16];
	uint8_t key[16], iv[16], *want = malloc(MB);
	uint32_t s, off = 0, offs[16];

	assert_non_null(want);
	RAND_bytes(key, 16);
	RAND_bytes(iv, 16);
	s = aes_sess(v, key);
	for (unsigned i = 0; i < n; i++) {
		offs[i] = off;
		RAND_bytes(v->pool + off, (int)sizes[i]);
		/* Odd ones in place. */
		d[i] = pfh_desc(VFC_OP_CIPHER_DEC, s, off, sizes[i], i & 1 ? off : off + sizes[i], sizes[i]);
		memcpy(d[i].iv, iv, 16);
		d[i].cookie = i;
		off += 2 * sizes[i];
	}
	/* One at a time: the ciphertext is kept before an in-place request overwrites it. */
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ct = malloc(sizes[i]);

		assert_non_null(ct);
		memcpy(ct, v->pool + offs[i], sizes[i]);
		pfh_push(v, &d[i]);
		assert_true(pfh_pop(v, &r[i], 10000));
		assert_int_equal(r[i].status, 0);
		assert_int_equal(r[i].out_len, sizes[i]);
		evp_cbc_dec(key, iv, ct, sizes[i], want);
		assert_memory_equal(v->pool + d[i].dst_off, want, sizes[i]);
		free(ct);
	}
	/* A stream in three chained pieces, one burst. */
	RAND_bytes(v->pool, 3 * 16384);
	for (unsigned p = 0; p < 3; p++) {
		d[p] = pfh_desc(VFC_OP_CIPHER_DEC, s, p * 16384, 16384, MB + p * 16384, 16384);
		if (p)
			d[p].flags = VFC_REQ_F_CHAIN;
		else
			memcpy(d[p].iv, iv, 16);
		d[p].cookie = 50 + p;
	}
	pfh_push_n(v, d, 3);
	pop_all(v, d, 3, r);
	evp_cbc_dec(key, iv, v->pool, 3 * 16384, want);
	assert_memory_equal(v->pool + MB, want, 3 * 16384);
	free(want);
}

static void evp_sha(const uint8_t *in, size_t len, uint8_t out[32])
{
	unsigned int n = 32;

	assert_true(EVP_Digest(in, len, out, &n, EVP_sha256(), NULL));
}

/* Whole messages in lanes, longer ones and streamed ones on OpenSSL, in one burst. */
static void test_sha(void **state)
{
	struct mfix *f = *state;
	struct pfh_vf *v = &f->v[1];
	static const uint32_t sizes[] = { 1, 55, 56, 64, 1000, 16384, 65534, 65535, 65536, 300000 };
	const unsigned n = sizeof(sizes) / sizeof(sizes[0]);
	struct vfc_req_desc d[16];
	struct vfc_resp_desc r[16];
	uint8_t want[32];
	uint32_t h, h2;

	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &h), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_SHA256, 0, &h2), 0);
	for (unsigned i = 0; i < n; i++) {
		RAND_bytes(v->pool + i * 400000, (int)sizes[i]);
		d[i] = pfh_desc(VFC_OP_HASH, h, i * 400000, sizes[i], i * 400000 + 300032, 32);
		d[i].flags = VFC_REQ_F_ALL;
		d[i].cookie = i;
	}
	/* A message in two pieces on another session, amid the batch. */
	d[n] = pfh_desc(VFC_OP_HASH, h2, 0, 1000, 0, 0);
	d[n].flags = VFC_REQ_F_FIRST;
	d[n + 1] = pfh_desc(VFC_OP_HASH, h2, 1000, 1000, 4000000, 32);
	d[n + 1].flags = VFC_REQ_F_LAST;
	pfh_push_n(v, d, n + 2);
	pop_all(v, d, n + 2, r);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(r[i].status, 0);
		assert_int_equal(r[i].out_len, 32);
		evp_sha(v->pool + i * 400000, sizes[i], want);
		assert_memory_equal(v->pool + i * 400000 + 300032, want, 32);
	}
	assert_int_equal(r[n].status, 0);
	assert_int_equal(r[n + 1].status, 0);
	evp_sha(v->pool, 2000, want);
	assert_memory_equal(v->pool + 4000000, want, 32);
}

/*
 * A whole message waiting for the lanes must not touch its session's
 * streaming state: here it is left alone (too few jobs) while a message in
 * pieces on the same session goes on across a burst boundary (burst 2:
 * [whole, FIRST] then [LAST]). The whole message used to run alone on the
 * session's digest context after the FIRST piece: the LAST piece then failed
 * with -EPROTO (found by scripts/chaos.sh: partitioned SHA-256 beside whole
 * ones).
 */
static void test_sha_stream_across_bursts(void **state)
{
	struct vfc_pf_config cfg;
	struct vfc_req_desc d[3];
	struct vfc_resp_desc r[3];
	struct pfh_vf v;
	struct vfc_pf *pf;
	uint8_t want[32];
	uint32_t h;

	(void)state;
	cfg = pfh_config(1, VFC_PF_ENGINE_MB, 0, POOL);
	cfg.burst = 2;
	pf = pfh_create(&cfg);
	pfh_open(pf, 0, &v);
	assert_int_equal(pfh_session(&v, VFC_ALG_SHA256, 0, &h), 0);
	RAND_bytes(v.pool, 8192);
	for (unsigned round = 0; round < 20; round++) {
		d[0] = pfh_desc(VFC_OP_HASH, h, 0, 1000, 8192, 32);
		d[0].flags = VFC_REQ_F_ALL;
		d[1] = pfh_desc(VFC_OP_HASH, h, 1024, 2048, 0, 0);
		d[1].flags = VFC_REQ_F_FIRST;
		d[2] = pfh_desc(VFC_OP_HASH, h, 3072, 1000, 8256, 32);
		d[2].flags = VFC_REQ_F_LAST;
		for (unsigned i = 0; i < 3; i++)
			d[i].cookie = round * 3 + i;
		memset(v.pool + 8192, 0, 128);
		pfh_push_n(&v, d, 3);
		pop_all(&v, d, 3, r);
		for (unsigned i = 0; i < 3; i++)
			assert_int_equal(r[i].status, 0);
		evp_sha(v.pool, 1000, want);
		assert_memory_equal(v.pool + 8192, want, 32);
		evp_sha(v.pool + 1024, 3048, want);
		assert_memory_equal(v.pool + 8256, want, 32);
	}
	pfh_close(&v);
	vfc_pf_free(pf);
}

/* Through the driver: the embedded device as mb, partitioned CBC (pieces chained with CHAIN) against EVP. */
static void test_driver_partition(void **state)
{
	struct vfc_vf_opts o;
	struct vfc_vf *vf;
	struct vfc_session *s;
	uint8_t key[16], iv[16], *in, *out, *want;
	const size_t len = 3u << 20;
	uint32_t k;

	(void)state;
	vfc_vf_opts_init(&o);
	o.engine_kind = VFC_ENGINE_MB;
	o.pool_size = 16u << 20;
	vf = vfc_vf_open(NULL, &o);
	assert_non_null(vf);
	assert_int_equal(vfc_vf_set_partition(vf, 65536), 0);
	RAND_bytes(key, 16);
	RAND_bytes(iv, 16);
	assert_int_equal(vfc_key_import(vf, VFC_KEY_AES128, key, 16, &k), 0);
	s = vfc_session_create(vf, VFC_ALG_AES128_CBC, k);
	assert_non_null(s);
	in = malloc(len);
	out = malloc(len);
	want = malloc(len);
	assert_true(in && out && want);
	RAND_bytes(in, (int)len);
	for (size_t n = 16; n <= len; n = n * 4 + 16) {
		assert_int_equal(vfc_cipher(s, 1, iv, in, n, out, NULL), 0);
		evp_cbc(key, iv, in, (uint32_t)n, want);
		assert_memory_equal(out, want, n);
	}
	free(in);
	free(out);
	free(want);
	vfc_session_free(s);
	vfc_vf_close(vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_vfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_in_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sha, setup, teardown),
		cmocka_unit_test(test_sha_stream_across_bursts),
		cmocka_unit_test_setup_teardown(test_decrypt, setup, teardown),
		cmocka_unit_test(test_driver_partition),
	};

	if (!vfc_pf_mb_available()) {
		printf("test_mb: skipped: %s\n", "built without intel-ipsec-mb or the CPU lacks AES-NI");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
