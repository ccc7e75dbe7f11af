/* SPDX-License-Identifier: MIT */
/* test_driver_rsa.c - RSA through the driver against OpenSSL EVP both ways: PKCS#1 v1.5 and PSS, OAEP. */
#include "driver_test.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "rsa_test_keys.h"

static EVP_PKEY *pem_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k;

	assert_non_null(b);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(k);
	return k;
}

/* The public half as SubjectPublicKeyInfo PEM (heap string). */
static char *pub_pem(EVP_PKEY *k, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
	n = BIO_get_mem_data(b, &p);
	assert_true(n > 0);
	s = t_malloc((size_t)n + 1);
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*len = (size_t)n;
	BIO_free(b);
	return s;
}

static void evp_pad(EVP_PKEY_CTX *pc, enum vfc_alg alg)
{
	if (alg == VFC_ALG_RSA_PSS_SHA256) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()), 1);
	} else {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING), 1);
	}
}

static int evp_verify(EVP_PKEY *k, enum vfc_alg alg, const void *m, size_t len, const void *sig,
		      size_t sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok;

	assert_int_equal(EVP_DigestVerifyInit(c, &pc, EVP_sha256(), NULL, k), 1);
	evp_pad(pc, alg);
	ok = EVP_DigestVerify(c, sig, sig_len, m, len);
	EVP_MD_CTX_free(c);
	return ok;
}

static size_t evp_sign(EVP_PKEY *k, enum vfc_alg alg, const void *m, size_t len, uint8_t *sig, size_t cap)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;

	assert_int_equal(EVP_DigestSignInit(c, &pc, EVP_sha256(), NULL, k), 1);
	evp_pad(pc, alg);
	assert_int_equal(EVP_DigestSign(c, sig, &cap, m, len), 1);
	EVP_MD_CTX_free(c);
	return cap;
}

static void rsa_interop(const char *priv_pem, unsigned bits, int rounds)
{
	static const enum vfc_alg sig_algs[] = { VFC_ALG_RSA_PKCS1_SHA256, VFC_ALG_RSA_PSS_SHA256 };
	struct vfc_vf *vf = t_open(VFC_IRQ_HYBRID);
	EVP_PKEY *k = pem_key(priv_pem);
	size_t mod = bits / 8, pub_len, n, mlen, slen;
	struct vfc_session *priv_s, *pub_s;
	uint32_t hpriv, hpub;
	uint8_t msg[2048], sig[600], out[600];
	char *pub;
	EVP_PKEY_CTX *pc;
	unsigned a;
	int r;

	assert_int_equal(EVP_PKEY_get_bits(k), (int)bits);
	assert_int_equal(vfc_key_import(vf, VFC_KEY_RSA_PRIV_PEM, priv_pem, strlen(priv_pem), &hpriv), 0);
	pub = pub_pem(k, &pub_len);
	assert_int_equal(vfc_key_import(vf, VFC_KEY_RSA_PUB_PEM, pub, pub_len, &hpub), 0);
	for (a = 0; a < 2; a++) {
		priv_s = vfc_session_create(vf, sig_algs[a], hpriv);
		pub_s = vfc_session_create(vf, sig_algs[a], hpub);
		assert_non_null(priv_s);
		assert_non_null(pub_s);
		for (r = 0; r < rounds; r++) {
			mlen = r == 0 ? 0 : t_randn(sizeof(msg) + 1);
			t_rand(msg, mlen);
			/* Driver signs, EVP verifies. */
			slen = sizeof(sig);
			assert_int_equal(vfc_sign(priv_s, msg, mlen, sig, &slen), 0);
			assert_int_equal(slen, mod);
			assert_int_equal(evp_verify(k, sig_algs[a], msg, mlen, sig, slen), 1);
			/* ... and the driver verifies with the public key, and rejects a tampered one. */
			assert_int_equal(vfc_verify(pub_s, msg, mlen, sig, slen), 0);
			sig[t_randn(slen)] ^= (uint8_t)(1u << t_randn(8));
			assert_int_equal(vfc_verify(pub_s, msg, mlen, sig, slen), -EBADMSG);
			/* EVP signs, the driver verifies; a changed message fails. */
			slen = evp_sign(k, sig_algs[a], msg, mlen, sig, sizeof(sig));
			assert_int_equal(vfc_verify(pub_s, msg, mlen, sig, slen), 0);
			assert_int_equal(vfc_verify(priv_s, msg, mlen, sig, slen), 0);
			msg[0] ^= 1;
			assert_int_equal(vfc_verify(pub_s, msg, mlen ? mlen : 1, sig, slen), -EBADMSG);
		}
		/* Too small a signature buffer. */
		slen = mod - 1;
		assert_int_not_equal(vfc_sign(priv_s, msg, 10, sig, &slen), 0);
		vfc_session_free(priv_s);
		vfc_session_free(pub_s);
	}

	/* OAEP (OpenSSL defaults: SHA-1, MGF1-SHA-1) both ways. */
	priv_s = vfc_session_create(vf, VFC_ALG_RSA_OAEP, hpriv);
	pub_s = vfc_session_create(vf, VFC_ALG_RSA_OAEP, hpub);
	assert_non_null(priv_s);
	assert_non_null(pub_s);
	for (r = 0; r < rounds; r++) {
		mlen = 1 + t_randn(mod - 2 * 20 - 2); /* OAEP-SHA1 limit: mod - 42 */
		t_rand(msg, mlen);
		/* EVP encrypts, the driver decrypts. */
		pc = EVP_PKEY_CTX_new(k, NULL);
		assert_int_equal(EVP_PKEY_encrypt_init(pc), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING), 1);
		n = sizeof(sig);
		assert_int_equal(EVP_PKEY_encrypt(pc, sig, &n, msg, mlen), 1);
		EVP_PKEY_CTX_free(pc);
		slen = sizeof(out);
		assert_int_equal(vfc_pke_decrypt(priv_s, sig, n, out, &slen), 0);
		assert_int_equal(slen, mlen);
		assert_memory_equal(out, msg, mlen);
		/* The driver encrypts with the public key, EVP decrypts. */
		slen = sizeof(sig);
		assert_int_equal(vfc_pke_encrypt(pub_s, msg, mlen, sig, &slen), 0);
		assert_int_equal(slen, mod);
		pc = EVP_PKEY_CTX_new(k, NULL);
		assert_int_equal(EVP_PKEY_decrypt_init(pc), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING), 1);
		n = sizeof(out);
		assert_int_equal(EVP_PKEY_decrypt(pc, out, &n, sig, slen), 1);
		EVP_PKEY_CTX_free(pc);
		assert_int_equal(n, mlen);
		assert_memory_equal(out, msg, mlen);
		/* A tampered ciphertext does not decrypt. */
		sig[t_randn(slen)] ^= 0x40;
		n = sizeof(out);
		assert_true(vfc_pke_decrypt(priv_s, sig, slen, out, &n) < 0);
	}
	/* Key in use: -EBUSY; after the sessions go, the key goes. */
	assert_int_equal(vfc_key_free(vf, hpriv), -EBUSY);
	vfc_session_free(priv_s);
	vfc_session_free(pub_s);
	assert_int_equal(vfc_key_free(vf, hpriv), 0);
	/* Wrong algorithm for the helper. */
	slen = sizeof(sig);
	assert_int_equal(vfc_sign(t_sha_session(vf), msg, 10, sig, &slen), -EINVAL);
	free(pub);
	EVP_PKEY_free(k);
	vfc_vf_close(vf); /* frees the public key and the SHA session left over */
}

static void test_rsa2048(void **state)
{
	(void)state;
	rsa_interop(rsa2048_priv_pem, 2048, 4);
}

static void test_rsa3072(void **state)
{
	(void)state;
	rsa_interop(rsa3072_priv_pem, 3072, 1);
}

static void test_rsa4096(void **state)
{
	(void)state;
	rsa_interop(rsa4096_priv_pem, 4096, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa2048),
		cmocka_unit_test(test_rsa3072),
		cmocka_unit_test(test_rsa4096),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
