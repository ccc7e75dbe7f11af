/* SPDX-License-Identifier: MIT */
/* driver_test.h - shared helpers of the driver tests: VF setup and OpenSSL EVP reference computations. */
#ifndef VFC_TESTS_DRIVER_TEST_H
#define VFC_TESTS_DRIVER_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "os/clock.h"
#include "vfcrypt/vfc.h"

/* Sanitizer builds run far slower: tests scale their big loops down. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define T_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define T_SANITIZED 1
#endif
#endif
#ifndef T_SANITIZED
#define T_SANITIZED 0
#endif

static inline struct vfc_vf *t_open(enum vfc_irq_mode mode)
{
	struct vfc_vf_opts o;
	struct vfc_vf *vf;

	vfc_vf_opts_init(&o);
	o.irq_mode = mode;
	vf = vfc_vf_open(NULL, &o);
	if (!vf)
		fail_msg("vfc_vf_open: %s", strerror(errno));
	return vf;
}

static inline void t_rand(void *p, size_t n)
{
	if (n)
		assert_int_equal(RAND_bytes(p, (int)n), 1);
}

/* A uniformly-enough random number in [0, n). */
static inline size_t t_randn(size_t n)
{
	uint64_t r;

	t_rand(&r, sizeof(r));
	return n ? (size_t)(r % n) : 0;
}

static inline void *t_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	assert_non_null(p);
	return p;
}

/* AES-128-CBC by EVP directly; pad selects PKCS#7. Returns the output length. */
static inline size_t ref_aes(int enc, int pad, const uint8_t key[16], const uint8_t iv[16], const void *in,
			     size_t len, void *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;

	assert_non_null(c);
	assert_int_equal(EVP_CipherInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv, enc), 1);
	EVP_CIPHER_CTX_set_padding(c, pad);
	assert_int_equal(EVP_CipherUpdate(c, out, &n1, in, (int)len), 1);
	assert_int_equal(EVP_CipherFinal_ex(c, (uint8_t *)out + n1, &n2), 1);
	EVP_CIPHER_CTX_free(c);
	return (size_t)n1 + (size_t)n2;
}

static inline void ref_sha256(const void *in, size_t len, uint8_t out[32])
{
	unsigned n = 0;

	assert_int_equal(EVP_Digest(in, len, out, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, 32);
}

/* Stats once the device's counter mirror has caught up with ops completions
 * (the device publishes a response before it bumps its counters). */
static inline void t_stats_settled(struct vfc_vf *vf, uint64_t ops, struct vfc_vf_stats *st)
{
	uint64_t end = vfc_now_ns() + 2000000000ull;

	do
		assert_int_equal(vfc_vf_stats(vf, st), 0);
	while (st->ops < ops && vfc_now_ns() < end);
}

static inline struct vfc_session *t_aes_session(struct vfc_vf *vf, const uint8_t key[16])
{
	struct vfc_session *s;
	uint32_t h = 0;

	assert_int_equal(vfc_key_import(vf, VFC_KEY_AES128, key, 16, &h), 0);
	assert_int_not_equal(h, 0);
	s = vfc_session_create(vf, VFC_ALG_AES128_CBC, h);
	if (!s)
		fail_msg("vfc_session_create: %s", strerror(errno));
	return s;
}

static inline struct vfc_session *t_sha_session(struct vfc_vf *vf)
{
	struct vfc_session *s = vfc_session_create(vf, VFC_ALG_SHA256, 0);

	if (!s)
		fail_msg("vfc_session_create: %s", strerror(errno));
	return s;
}

#endif
