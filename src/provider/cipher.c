/* SPDX-License-Identifier: MIT */
/* cipher.c - AES-128-CBC: streaming with PKCS#7 padding here; runs of whole blocks go to the VF (or, when short, to software). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "provider/prov.h"

#define BLK VFC_AES_BLOCK

struct cctx {
	struct vfc__prov *p;
	int enc, pad, key_set;
	uint8_t key[16];
	uint8_t oiv[BLK], iv[BLK]; /* the IV given at init; the IV to chain the next block with */
	uint8_t buf[BLK];          /* held input: a partial block, or the last block (decrypt, padding on) */
	size_t bufsz;
	struct vfc__dsess ds;      /* the VF session with this key */
	void *sw;                  /* the default provider's AES-128-CBC context, padding off */
	int sw_stale;              /* sw's IV or direction is not iv/enc */
};

static void *c_newctx(void *provctx)
{
	struct cctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->p = provctx;
	c->pad = 1;
	return c;
}

static void c_freectx(void *vctx)
{
	struct cctx *c = vctx;

	if (!c)
		return;
	vfc__dsess_drop(c->p, &c->ds);
	if (c->sw)
		c->p->fbc.freectx(c->sw);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static void *c_dupctx(void *vctx)
{
	struct cctx *c = vctx, *d = malloc(sizeof(*d));

	if (!d)
		return NULL;
	*d = *c;
	memset(&d->ds, 0, sizeof(d->ds)); /* a session of its own, made on first use */
	d->sw = NULL;
	d->sw_stale = 1;
	return d;
}

/* (Re)start the software context at c->iv, padding off. The key goes every time: a change of
 * direction needs the other key schedule. */
static int sw_start(struct cctx *c)
{
	struct vfc__fb_cipher *f = &c->p->fbc;
	unsigned int pad = 0;
	OSSL_PARAM q[] = { OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, &pad), OSSL_PARAM_END };

	if (!c->sw && !(c->sw = f->newctx(f->provctx)))
		return 0;
	if (!(c->enc ? f->einit : f->dinit)(c->sw, c->key, sizeof(c->key), c->iv, BLK, q))
		return 0;
	c->sw_stale = 0;
	return 1;
}

/* Software: whole blocks through the default provider, chaining c->iv. */
static int sw_run(struct cctx *c, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t next[BLK];
	size_t outl = 0;

	if ((c->sw_stale || !c->sw) && !sw_start(c))
		return 0;
	if (!c->enc)
		memcpy(next, in + len - BLK, BLK); /* before an in-place decrypt overwrites it */
	if (!c->p->fbc.update(c->sw, out, &outl, len, in, len) || outl != len)
		return 0;
	memcpy(c->iv, c->enc ? out + len - BLK : next, BLK);
	return 1;
}

/* The VF: 1 done, 0 no VF or it failed (nothing written that matters: software redoes it). */
static int dev_run(struct cctx *c, const uint8_t *in, size_t len, uint8_t *out)
{
	struct vfc_session *s;
	struct vfc_vf *vf;
	unsigned gen;
	int rc = -1;

	vf = vfc__dev_lock(c->p, &gen);
	if (!vf)
		return 0;
	s = vfc__dsess_get(&c->ds, vf, gen, VFC_ALG_AES128_CBC, VFC_KEY_AES128, c->key, sizeof(c->key));
	if (s)
		rc = vfc__op_cipher(c->p, vf, gen, s, c->enc, c->iv, in, len, out); /* unlocks */
	else
		vfc__dev_unlock(c->p);
	if (rc < 0)
		return 0;
	c->sw_stale = 1;
	return 1;
}

/* len bytes, a positive multiple of the block: the VF at or above the threshold, else software. */
static int cbc_run(struct cctx *c, const uint8_t *in, size_t len, uint8_t *out)
{
	if (len >= c->p->set.small_threshold && len <= UINT32_MAX && dev_run(c, in, len, out))
		return 1;
	return sw_run(c, in, len, out);
}

static int c_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct cctx *c = vctx;
	const OSSL_PARAM *q;
	unsigned int u;
	size_t n;

	if ((q = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_PADDING))) {
		if (!OSSL_PARAM_get_uint(q, &u))
			return 0;
		c->pad = u != 0;
	}
	if ((q = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_KEYLEN)))
		if (!OSSL_PARAM_get_size_t(q, &n) || n != sizeof(c->key))
			return 0;
	return 1;
}

static int c_init(struct cctx *c, int enc, const unsigned char *key, size_t keylen, const unsigned char *iv,
		  size_t ivlen, const OSSL_PARAM params[])
{
	if (key) {
		if (keylen != sizeof(c->key))
			return 0;
		if (!c->key_set || memcmp(key, c->key, sizeof(c->key))) {
			vfc__dsess_drop(c->p, &c->ds);
			if (c->sw)
				c->p->fbc.freectx(c->sw);
			c->sw = NULL;
			memcpy(c->key, key, sizeof(c->key));
		}
		c->key_set = 1;
	}
	if (iv) {
		if (ivlen != BLK)
			return 0;
		memcpy(c->oiv, iv, BLK);
		memcpy(c->iv, iv, BLK);
	}
	c->enc = enc;
	c->bufsz = 0;
	c->sw_stale = 1;
	return c_set_ctx_params(c, params);
}

static int c_einit(void *vctx, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
		   const OSSL_PARAM params[])
{
	return c_init(vctx, 1, key, keylen, iv, ivlen, params);
}

static int c_dinit(void *vctx, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
		   const OSSL_PARAM params[])
{
	return c_init(vctx, 0, key, keylen, iv, ivlen, params);
}

/*
 * As the default provider: output whole blocks; hold a partial block, and when
 * decrypting with padding on, the last whole block too (final strips it).
 */
static int c_update(void *vctx, unsigned char *out, size_t *outl, size_t outsize, const unsigned char *in,
		    size_t inl)
{
	struct cctx *c = vctx;
	size_t total = c->bufsz + inl, keep = total % BLK, n, done = 0, k;

	if (!c->key_set)
		return 0;
	if (!c->enc && c->pad && keep == 0 && total > 0)
		keep = BLK;
	n = total - keep;
	if (outsize < n)
		return 0;
	if (n && c->bufsz) {
		k = BLK - c->bufsz;
		memcpy(c->buf + c->bufsz, in, k);
		in += k;
		inl -= k;
		if (!cbc_run(c, c->buf, BLK, out))
			return 0;
		out += BLK;
		n -= BLK;
		done = BLK;
		c->bufsz = 0;
	}
	if (n) {
		if (!cbc_run(c, in, n, out))
			return 0;
		in += n;
		inl -= n;
		done += n;
	}
	memcpy(c->buf + c->bufsz, in, inl);
	c->bufsz += inl;
	*outl = done;
	return 1;
}

static int c_final(void *vctx, unsigned char *out, size_t *outl, size_t outsize)
{
	struct cctx *c = vctx;
	uint8_t blk[BLK], p;
	size_t i;

	*outl = 0;
	if (!c->key_set)
		return 0;
	if (!c->pad) {
		if (c->bufsz)
			return 0; /* not a multiple of the block */
		return 1;
	}
	if (c->enc) {
		p = (uint8_t)(BLK - c->bufsz);
		memset(c->buf + c->bufsz, p, p);
		if (outsize < BLK || !cbc_run(c, c->buf, BLK, out))
			return 0;
		c->bufsz = 0;
		*outl = BLK;
		return 1;
	}
	if (c->bufsz != BLK || !cbc_run(c, c->buf, BLK, blk))
		return 0;
	c->bufsz = 0;
	p = blk[BLK - 1];
	if (p == 0 || p > BLK)
		return 0;
	for (i = BLK - p; i < BLK; i++)
		if (blk[i] != p)
			return 0;
	if (outsize < (size_t)(BLK - p))
		return 0;
	memcpy(out, blk, BLK - p);
	*outl = BLK - p;
	OPENSSL_cleanse(blk, sizeof(blk));
	return 1;
}

/* EVP_Cipher: whole blocks, no buffering, no padding. */
static int c_cipher(void *vctx, unsigned char *out, size_t *outl, size_t outsize, const unsigned char *in,
		    size_t inl)
{
	struct cctx *c = vctx;

	if (!c->key_set || inl % BLK || outsize < inl)
		return 0;
	if (inl && !cbc_run(c, in, inl, out))
		return 0;
	*outl = inl;
	return 1;
}

static int set_iv_param(OSSL_PARAM *q, const uint8_t iv[BLK])
{
	if (q->data_type == OSSL_PARAM_OCTET_PTR)
		return OSSL_PARAM_set_octet_ptr(q, iv, BLK);
	return OSSL_PARAM_set_octet_string(q, iv, BLK);
}

static int c_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct cctx *c = vctx;
	OSSL_PARAM *q;

	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN)) && !OSSL_PARAM_set_size_t(q, 16))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN)) && !OSSL_PARAM_set_size_t(q, BLK))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_PADDING)) && !OSSL_PARAM_set_uint(q, (unsigned)c->pad))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_NUM)) && !OSSL_PARAM_set_uint(q, 0))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IV)) && !set_iv_param(q, c->oiv))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_UPDATED_IV)) && !set_iv_param(q, c->iv))
		return 0;
	return 1;
}

static int c_get_params(OSSL_PARAM params[])
{
	static const char *const zero[] = { OSSL_CIPHER_PARAM_AEAD, OSSL_CIPHER_PARAM_CUSTOM_IV,
					    OSSL_CIPHER_PARAM_CTS, OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK,
					    OSSL_CIPHER_PARAM_HAS_RAND_KEY };
	OSSL_PARAM *q;
	size_t i;

	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_MODE)) && !OSSL_PARAM_set_uint(q, EVP_CIPH_CBC_MODE))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN)) && !OSSL_PARAM_set_size_t(q, 16))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN)) && !OSSL_PARAM_set_size_t(q, BLK))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_BLOCK_SIZE)) && !OSSL_PARAM_set_size_t(q, BLK))
		return 0;
	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if ((q = OSSL_PARAM_locate(params, zero[i])) && !OSSL_PARAM_set_int(q, 0))
			return 0;
	return 1;
}

static const OSSL_PARAM *c_gettable_params(void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_uint(OSSL_CIPHER_PARAM_MODE, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_AEAD, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_CUSTOM_IV, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_CTS, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_HAS_RAND_KEY, NULL),
		OSSL_PARAM_END,
	};

	(void)provctx;
	return t;
}

static const OSSL_PARAM *c_gettable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
		OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, NULL),
		OSSL_PARAM_uint(OSSL_CIPHER_PARAM_NUM, NULL),
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_IV, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_UPDATED_IV, NULL, 0),
		OSSL_PARAM_END,
	};

	(void)vctx;
	(void)provctx;
	return t;
}

static const OSSL_PARAM *c_settable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
		OSSL_PARAM_END,
	};

	(void)vctx;
	(void)provctx;
	return t;
}

const OSSL_DISPATCH vfc__cipher_aes128cbc[] = {
	{ OSSL_FUNC_CIPHER_NEWCTX, (void (*)(void))c_newctx },
	{ OSSL_FUNC_CIPHER_ENCRYPT_INIT, (void (*)(void))c_einit },
	{ OSSL_FUNC_CIPHER_DECRYPT_INIT, (void (*)(void))c_dinit },
	{ OSSL_FUNC_CIPHER_UPDATE, (void (*)(void))c_update },
	{ OSSL_FUNC_CIPHER_FINAL, (void (*)(void))c_final },
	{ OSSL_FUNC_CIPHER_CIPHER, (void (*)(void))c_cipher },
	{ OSSL_FUNC_CIPHER_FREECTX, (void (*)(void))c_freectx },
	{ OSSL_FUNC_CIPHER_DUPCTX, (void (*)(void))c_dupctx },
	{ OSSL_FUNC_CIPHER_GET_PARAMS, (void (*)(void))c_get_params },
	{ OSSL_FUNC_CIPHER_GETTABLE_PARAMS, (void (*)(void))c_gettable_params },
	{ OSSL_FUNC_CIPHER_GET_CTX_PARAMS, (void (*)(void))c_get_ctx_params },
	{ OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))c_gettable_ctx_params },
	{ OSSL_FUNC_CIPHER_SET_CTX_PARAMS, (void (*)(void))c_set_ctx_params },
	{ OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))c_settable_ctx_params },
	{ 0, NULL },
};
