/* SPDX-License-Identifier: MIT */
/* raw.c - `vfc bench --raw`: the same work with OpenSSL in this process, one thread, no device (the baseline). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"
#include "os/clock.h"

/* What one raw operation needs: the contexts, the buffer and, for RSA, the key and a signature of buf. */
struct raw_ctx {
	const struct bench_algo *a;
	EVP_CIPHER_CTX *cctx;
	EVP_MD_CTX *mctx;
	struct bench_rsa *rk;
	uint8_t *buf, iv[16];
	uint32_t size;
	uint8_t sig[BENCH_SIG_MAX];
	size_t sig_len;
};

/* One operation on r->buf; 0 or -EIO. */
static int raw_op(struct raw_ctx *r)
{
	uint8_t md[EVP_MAX_MD_SIZE], sig[BENCH_SIG_MAX];
	unsigned mdl;
	size_t sl = sizeof(sig);
	int outl;

	switch (r->a->kind) {
	case K_AES_ENC:
	case K_AES_DEC:
		if (!EVP_CipherInit_ex(r->cctx, NULL, NULL, NULL, r->iv, -1) ||
		    !EVP_CipherUpdate(r->cctx, r->buf, &outl, r->buf, (int)r->size))
			return -EIO;
		break;
	case K_SHA256:
		if (!EVP_DigestInit_ex(r->mctx, EVP_sha256(), NULL) ||
		    !EVP_DigestUpdate(r->mctx, r->buf, r->size) || !EVP_DigestFinal_ex(r->mctx, md, &mdl))
			return -EIO;
		break;
	case K_RSA_SIGN:
		return bench_rsa_sign(r->rk->pkey, r->buf, r->size, sig, &sl);
	case K_RSA_VERIFY:
		return bench_rsa_verify(r->rk->pkey, r->buf, r->size, r->sig, r->sig_len);
	}
	return 0;
}

/* Run operations until cfg->seconds have passed (checking the clock every 16 for AES and SHA-256). */
static int raw_loop(const struct bench_cfg *cfg, struct raw_ctx *r, struct bench_point *p)
{
	uint64_t t0 = vfc_now_ns(), t, ops = 0;

	do {
		for (int k = 0; k < (r->a->rsa_bits ? 1 : 16); k++, ops++)
			if (raw_op(r) < 0)
				return -EIO;
		t = vfc_now_ns();
	} while ((double)(t - t0) < cfg->seconds * 1e9);
	p->secs = (double)(t - t0) / 1e9;
	p->mbps = (double)ops * r->size / ((double)(t - t0) / 1e3);
	p->ops_per_s = (double)ops / ((double)(t - t0) / 1e9);
	return 0;
}

int bench_raw_point(const struct bench_cfg *cfg, unsigned algo, uint32_t size, struct bench_point *p)
{
	struct raw_ctx r = { .a = &bench_algos[algo], .size = size, .sig_len = BENCH_SIG_MAX };
	int rc = -ENOMEM;

	r.cctx = EVP_CIPHER_CTX_new();
	r.mctx = EVP_MD_CTX_new();
	r.buf = malloc(size ? size : 1);
	if (!r.cctx || !r.mctx || !r.buf)
		goto out;
	memset(r.buf, 1, size);
	rc = -EIO;
	if (r.a->rsa_bits) {
		r.rk = bench_rsa_get(r.a->rsa_bits, cfg->quiet);
		if (!r.rk || bench_rsa_sign(r.rk->pkey, r.buf, size, r.sig, &r.sig_len) < 0)
			goto out;
	}
	if (!EVP_CipherInit_ex(r.cctx, EVP_aes_128_cbc(), NULL, bench_aes_key, r.iv, r.a->kind == K_AES_ENC))
		goto out;
	EVP_CIPHER_CTX_set_padding(r.cctx, 0);
	rc = raw_loop(cfg, &r, p);
out:
	if (rc < 0)
		fprintf(stderr, "vfc bench: raw OpenSSL %s: %s\n", r.a->name,
			rc == -ENOMEM ? "out of memory" : "EVP call failed");
	EVP_CIPHER_CTX_free(r.cctx);
	EVP_MD_CTX_free(r.mctx);
	free(r.buf);
	return rc;
}
