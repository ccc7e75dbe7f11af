/* SPDX-License-Identifier: MIT */
/* keys.c - `vfc bench`'s algorithms and their keys: the AES key, and RSA keys made once per run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "bench.h"

const struct bench_algo bench_algos[] = {
	{ "aes-128-cbc", K_AES_ENC, 0, "Encrypting" },
	{ "aes-128-cbc-dec", K_AES_DEC, 0, "Decrypting" },
	{ "sha256", K_SHA256, 0, "Hashing" },
	{ "rsa2048-sign", K_RSA_SIGN, 2048, "Signing (rsa2048)" },
	{ "rsa2048-verify", K_RSA_VERIFY, 2048, "Verifying (rsa2048)" },
	{ "rsa3072-sign", K_RSA_SIGN, 3072, "Signing (rsa3072)" },
	{ "rsa3072-verify", K_RSA_VERIFY, 3072, "Verifying (rsa3072)" },
	{ "rsa4096-sign", K_RSA_SIGN, 4096, "Signing (rsa4096)" },
	{ "rsa4096-verify", K_RSA_VERIFY, 4096, "Verifying (rsa4096)" },
};
const unsigned bench_n_algos = sizeof(bench_algos) / sizeof(bench_algos[0]);

const uint8_t bench_aes_key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };

/* One key per size, for the whole run: worker threads read them, bench_rsa_get
 * makes them before the clock starts (vfc_cmd_bench) and bench_rsa_free_all
 * after the threads are joined. */
static struct bench_rsa rsa_keys[3];

struct bench_rsa *bench_rsa_get(unsigned bits, int quiet)
{
	struct bench_rsa *k = &rsa_keys[bits == 2048 ? 0 : bits == 3072 ? 1 : 2];
	BIO *bio;
	char *p;
	long n;

	if (k->pkey)
		return k;
	if (!quiet)
		fprintf(stderr, "vfc bench: generating an RSA-%u key...\n", bits);
	k->pkey = EVP_RSA_gen(bits);
	bio = BIO_new(BIO_s_mem());
	if (!k->pkey || !bio || !PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		return NULL;
	}
	n = BIO_get_mem_data(bio, &p);
	k->pem = malloc((size_t)n);
	if (k->pem) {
		memcpy(k->pem, p, (size_t)n);
		k->pem_len = (size_t)n;
	}
	BIO_free(bio);
	k->bits = bits;
	return k->pem ? k : NULL;
}

void bench_rsa_free_all(void)
{
	for (unsigned i = 0; i < 3; i++) {
		EVP_PKEY_free(rsa_keys[i].pkey);
		free(rsa_keys[i].pem);
		memset(&rsa_keys[i], 0, sizeof(rsa_keys[i]));
	}
}

int bench_rsa_sign(EVP_PKEY *pkey, const void *msg, size_t len, uint8_t *sig, size_t *sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		 EVP_DigestSign(c, sig, sig_len, msg, len) == 1;

	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

int bench_rsa_verify(EVP_PKEY *pkey, const void *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		 EVP_DigestVerify(c, sig, sig_len, msg, len) == 1;

	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}
