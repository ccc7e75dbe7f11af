/* SPDX-License-Identifier: MIT */
/* test_pf_rsa.c - RSA through the PF (PKCS#1 v1.5, PSS, OAEP) interoperating with OpenSSL EVP directly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "pfh.h"

#define MSG 0u
#define SIG 65536u
#define OUT 131072u
#define MSG_LEN 1000u

struct fix {
	struct vfc_pf *pf;
	struct pfh_vf v;
	EVP_PKEY *key;
	uint32_t priv, pub, pub1; /* key handles: PKCS#8 private, SPKI public, PKCS#1 public */
	uint8_t msg[MSG_LEN];
};

/* PEM of a key: structure NULL = PKCS#8 / SubjectPublicKeyInfo, "type-specific" = PKCS#1. */
static char *pem_of(EVP_PKEY *k, int selection, const char *structure, size_t *len)
{
	OSSL_ENCODER_CTX *ectx = OSSL_ENCODER_CTX_new_for_pkey(k, selection, "PEM", structure, NULL);
	unsigned char *data = NULL;

	assert_non_null(ectx);
	assert_int_equal(OSSL_ENCODER_to_data(ectx, &data, len), 1);
	OSSL_ENCODER_CTX_free(ectx);
	return (char *)data;
}

static uint32_t import(struct fix *f, EVP_PKEY *k, uint32_t kind, const char *structure)
{
	int sel = kind == VFC_KEY_RSA_PRIV_PEM ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
	size_t len;
	char *pem = pem_of(k, sel, structure, &len);
	uint32_t h = 0;

	assert_int_equal(pfh_key_import(&f->v, kind, pem, len, &h), 0);
	OPENSSL_free(pem);
	return h;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->pf = pfh_pf(1, 1);
	pfh_open(f->pf, 0, &f->v);
	f->key = EVP_RSA_gen(2048);
	assert_non_null(f->key);
	f->priv = import(f, f->key, VFC_KEY_RSA_PRIV_PEM, NULL);
	f->pub = import(f, f->key, VFC_KEY_RSA_PUB_PEM, NULL);
	f->pub1 = import(f, f->key, VFC_KEY_RSA_PUB_PEM, "type-specific");
	assert_int_equal(RAND_bytes(f->msg, MSG_LEN), 1);
	memcpy(f->v.pool + MSG, f->msg, MSG_LEN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	EVP_PKEY_free(f->key);
	pfh_close(&f->v);
	vfc_pf_free(f->pf);
	free(f);
	return 0;
}

static struct vfc_resp_desc run(struct pfh_vf *v, struct vfc_req_desc d)
{
	return pfh_run(v, &d);
}

static void set_pss(EVP_PKEY_CTX *pctx, bool pss)
{
	if (pss) {
		assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0);
	}
}

static int evp_verify(EVP_PKEY *k, bool pss, const uint8_t *msg, size_t len, const uint8_t *sig,
		      size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	int ok;

	assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, k), 1);
	set_pss(pctx, pss);
	ok = EVP_DigestVerify(md, sig, siglen, msg, len);
	EVP_MD_CTX_free(md);
	return ok;
}

static size_t evp_sign(EVP_PKEY *k, bool pss, const uint8_t *msg, size_t len, uint8_t *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	size_t siglen = 512;

	assert_int_equal(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k), 1);
	set_pss(pctx, pss);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, msg, len), 1);
	EVP_MD_CTX_free(md);
	return siglen;
}

static void sign_verify(struct fix *f, uint32_t alg, bool pss)
{
	struct pfh_vf *v = &f->v;
	uint32_t ss, vs, vs1;
	struct vfc_req_desc d;
	struct vfc_resp_desc r;
	uint8_t sig[512];
	size_t siglen;

	assert_int_equal(pfh_session(v, alg, f->priv, &ss), 0);
	assert_int_equal(pfh_session(v, alg, f->pub, &vs), 0);
	assert_int_equal(pfh_session(v, alg, f->pub1, &vs1), 0);

	/* Device signs, EVP verifies. */
	r = run(v, pfh_desc(VFC_OP_SIGN, ss, MSG, MSG_LEN, SIG, 512));
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 256);
	assert_int_equal(evp_verify(f->key, pss, f->msg, MSG_LEN, v->pool + SIG, 256), 1);
	/* The device verifies its own signature, with either public key encoding, and the private key. */
	d = pfh_desc(VFC_OP_VERIFY, vs, MSG, MSG_LEN, 0, 0);
	d.aux_off = SIG;
	d.aux_len = 256;
	assert_int_equal(pfh_run(v, &d).status, 0);
	d.session = vs1;
	assert_int_equal(pfh_run(v, &d).status, 0);
	d.session = ss;
	assert_int_equal(pfh_run(v, &d).status, 0);

	/* EVP signs, device verifies; a flipped bit in message or signature is a bad signature. */
	siglen = evp_sign(f->key, pss, f->msg, MSG_LEN, sig);
	memcpy(v->pool + SIG, sig, siglen);
	d.session = vs;
	d.aux_len = (uint32_t)siglen;
	assert_int_equal(pfh_run(v, &d).status, 0);
	v->pool[SIG + 100] ^= 1;
	assert_int_equal(pfh_run(v, &d).status, -EBADMSG);
	v->pool[SIG + 100] ^= 1;
	v->pool[MSG + 7] ^= 0x80;
	assert_int_equal(pfh_run(v, &d).status, -EBADMSG);
	v->pool[MSG + 7] ^= 0x80;
	d.aux_len = 255; /* wrong length */
	assert_int_equal(pfh_run(v, &d).status, -EBADMSG);

	/* Padding schemes do not mix: a PKCS#1 signature fails PSS verification and back. */
	siglen = evp_sign(f->key, !pss, f->msg, MSG_LEN, sig);
	memcpy(v->pool + SIG, sig, siglen);
	d.aux_len = (uint32_t)siglen;
	assert_int_equal(pfh_run(v, &d).status, -EBADMSG);

	/* dst smaller than the modulus; signing with a public key. */
	r = run(v, pfh_desc(VFC_OP_SIGN, ss, MSG, MSG_LEN, SIG, 255));
	assert_int_equal(r.status, -EMSGSIZE);
	r = run(v, pfh_desc(VFC_OP_SIGN, vs, MSG, MSG_LEN, SIG, 256));
	assert_int_equal(r.status, -ENOKEY);
	/* Empty message is fine. */
	r = run(v, pfh_desc(VFC_OP_SIGN, ss, MSG, 0, SIG, 256));
	assert_int_equal(r.status, 0);
	assert_int_equal(evp_verify(f->key, pss, f->msg, 0, v->pool + SIG, 256), 1);
	/* The wrong op for the algorithm. */
	r = run(v, pfh_desc(VFC_OP_PKE_ENC, ss, MSG, 10, SIG, 256));
	assert_int_equal(r.status, -EOPNOTSUPP);
}

static void test_pkcs1(void **state)
{
	sign_verify(*state, VFC_ALG_RSA_PKCS1_SHA256, false);
}

static void test_pss(void **state)
{
	sign_verify(*state, VFC_ALG_RSA_PSS_SHA256, true);
}

static void test_oaep(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	uint32_t es, ds;
	struct vfc_resp_desc r;
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(f->key, NULL);
	uint8_t buf[512];
	size_t len;

	assert_non_null(pctx);
	assert_int_equal(pfh_session(v, VFC_ALG_RSA_OAEP, f->pub, &es), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_RSA_OAEP, f->priv, &ds), 0);

	/* Device encrypts, EVP decrypts with the default OAEP parameters. */
	r = run(v, pfh_desc(VFC_OP_PKE_ENC, es, MSG, 100, SIG, 256));
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 256);
	assert_int_equal(EVP_PKEY_decrypt_init(pctx), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) > 0);
	len = sizeof(buf);
	assert_int_equal(EVP_PKEY_decrypt(pctx, buf, &len, v->pool + SIG, 256), 1);
	assert_int_equal(len, 100);
	assert_memory_equal(buf, f->msg, 100);
	/* And decrypts its own. */
	r = run(v, pfh_desc(VFC_OP_PKE_DEC, ds, SIG, 256, OUT, 256));
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 100);
	assert_memory_equal(v->pool + OUT, f->msg, 100);

	/* EVP encrypts, device decrypts, into a dst just large enough for the plaintext. */
	assert_int_equal(EVP_PKEY_encrypt_init(pctx), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) > 0);
	len = sizeof(buf);
	assert_int_equal(EVP_PKEY_encrypt(pctx, buf, &len, f->msg, 10), 1);
	memcpy(v->pool + SIG, buf, len);
	r = run(v, pfh_desc(VFC_OP_PKE_DEC, ds, SIG, (uint32_t)len, OUT, 10));
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 10);
	assert_memory_equal(v->pool + OUT, f->msg, 10);
	r = run(v, pfh_desc(VFC_OP_PKE_DEC, ds, SIG, (uint32_t)len, OUT, 9));
	assert_int_equal(r.status, -EMSGSIZE);
	/* Corrupted ciphertext, wrong length. */
	v->pool[SIG + 50] ^= 4;
	r = run(v, pfh_desc(VFC_OP_PKE_DEC, ds, SIG, (uint32_t)len, OUT, 256));
	assert_int_equal(r.status, -EBADMSG);
	r = run(v, pfh_desc(VFC_OP_PKE_DEC, ds, SIG, 100, OUT, 256));
	assert_int_equal(r.status, -EBADMSG);
	/* Size limits: dst below the modulus, plaintext above k - 42, decrypting with a public key. */
	r = run(v, pfh_desc(VFC_OP_PKE_ENC, es, MSG, 100, SIG, 255));
	assert_int_equal(r.status, -EMSGSIZE);
	r = run(v, pfh_desc(VFC_OP_PKE_ENC, es, MSG, 256 - 41, SIG, 256));
	assert_int_equal(r.status, -EMSGSIZE);
	r = run(v, pfh_desc(VFC_OP_PKE_ENC, es, MSG, 256 - 42, SIG, 256));
	assert_int_equal(r.status, 0);
	r = run(v, pfh_desc(VFC_OP_PKE_DEC, es, SIG, 256, OUT, 256));
	assert_int_equal(r.status, -ENOKEY);
	EVP_PKEY_CTX_free(pctx);
}

static void test_rsa_keys(void **state)
{
	struct fix *f = *state;
	struct pfh_vf *v = &f->v;
	EVP_PKEY *small = EVP_RSA_gen(1024);
	uint32_t h, s;
	size_t len;
	char *pem;

	assert_non_null(small);
	/* Only 2048/3072/4096-bit keys. */
	pem = pem_of(small, EVP_PKEY_KEYPAIR, NULL, &len);
	assert_int_equal(pfh_key_import(v, VFC_KEY_RSA_PRIV_PEM, pem, len, &h), -EINVAL);
	OPENSSL_free(pem);
	pem = pem_of(small, EVP_PKEY_PUBLIC_KEY, NULL, &len);
	assert_int_equal(pfh_key_import(v, VFC_KEY_RSA_PUB_PEM, pem, len, &h), -EINVAL);
	/* A public key is not a private key. */
	assert_int_equal(pfh_key_import(v, VFC_KEY_RSA_PRIV_PEM, pem, len, &h), -EINVAL);
	OPENSSL_free(pem);
	EVP_PKEY_free(small);
	/* PKCS#1 private key encoding ("RSA PRIVATE KEY"). */
	h = import(f, f->key, VFC_KEY_RSA_PRIV_PEM, "type-specific");

	/* Keys of the wrong kind for the algorithm. */
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, h, &s), -EINVAL);
	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, "0123456789abcdef", 16, &h), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_RSA_PSS_SHA256, h, &s), -EINVAL);
	/* In use -> busy. */
	assert_int_equal(pfh_session(v, VFC_ALG_RSA_OAEP, f->priv, &s), 0);
	assert_int_equal(pfh_key_free(v, f->priv), -EBUSY);
	assert_int_equal(pfh_session_free(v, s), 0);
	assert_int_equal(pfh_key_free(v, f->priv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pkcs1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oaep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsa_keys, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
