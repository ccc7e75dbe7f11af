/* SPDX-License-Identifier: MIT */
/* digest.c - SHA-256: messages reaching the size threshold hash in the VF, shorter ones (and no VF) in software. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "provider/prov.h"

/* Bytes of a device-hashed message we keep so that a copy of the context can go on in software. */
#define HIST_MAX (64u << 10)

/* Where the message is hashed. */
enum dg_mode {
	DG_PENDING = 0, /* bytes held in hist until the message reaches the threshold or ends */
	DG_DEVICE = 1,  /* the VF session holds the state; hist keeps the bytes while <= HIST_MAX */
	DG_SOFT = 2,    /* sw holds the state */
};

struct dgctx {
	struct vfc__prov *p;
	enum dg_mode mode;
	uint8_t *hist;
	size_t len, cap;
	int hist_full;          /* DG_DEVICE: hist no longer holds the whole message */
	struct vfc__dsess ds;
	EVP_MD_CTX *sw;
};

static int hist_add(struct dgctx *c, const void *in, size_t len)
{
	if (c->hist_full)
		return 1;
	if (c->len + len > HIST_MAX && c->mode == DG_DEVICE) {
		c->hist_full = 1;
		return 1;
	}
	if (c->len + len > c->cap) {
		size_t cap = c->cap ? c->cap : 256;
		uint8_t *n;

		while (cap < c->len + len)
			cap *= 2;
		n = realloc(c->hist, cap);
		if (!n)
			return 0;
		c->hist = n;
		c->cap = cap;
	}
	memcpy(c->hist + c->len, in, len);
	c->len += len;
	return 1;
}

static void *dg_newctx(void *provctx)
{
	struct dgctx *c = calloc(1, sizeof(*c));

	if (c)
		c->p = provctx;
	return c;
}

/* A new message; the VF session stays for the next one (vfc_digest_init restarts it). */
static void dg_reset(struct dgctx *c)
{
	EVP_MD_CTX_free(c->sw);
	c->sw = NULL;
	c->len = 0;
	c->hist_full = 0;
	c->mode = DG_PENDING;
}

static void dg_freectx(void *vctx)
{
	struct dgctx *c = vctx;

	if (!c)
		return;
	dg_reset(c);
	vfc__dsess_drop(c->p, &c->ds);
	free(c->hist);
	free(c);
}

static int dg_init(void *vctx, const OSSL_PARAM params[])
{
	struct dgctx *c = vctx;

	(void)params;
	dg_reset(c);
	return 1;
}

/* Move the held bytes to software (no VF, or the VF failed). */
static int to_soft(struct dgctx *c)
{
	c->sw = EVP_MD_CTX_new();
	if (!c->sw || !EVP_DigestInit_ex2(c->sw, c->p->fb_sha256, NULL) ||
	    !EVP_DigestUpdate(c->sw, c->hist, c->len))
		return 0;
	c->mode = DG_SOFT;
	return 1;
}

/* Start the message in the VF with the held bytes; 0 if there is no VF. */
static int to_device(struct dgctx *c)
{
	struct vfc_session *s;
	struct vfc_vf *vf;
	unsigned gen;
	int rc = -1;

	vf = vfc__dev_lock(c->p, &gen);
	if (!vf)
		return 0;
	s = vfc__dsess_get(&c->ds, vf, gen, VFC_ALG_SHA256, 0, NULL, 0);
	if (s && vfc_digest_init(s) == 0)
		rc = vfc_digest_update(s, c->hist, c->len);
	vfc__dev_unlock(c->p);
	if (rc < 0)
		return 0;
	c->mode = DG_DEVICE;
	return 1;
}

static int dg_update(void *vctx, const unsigned char *in, size_t inl)
{
	struct dgctx *c = vctx;
	struct vfc_vf *vf;
	int rc = -1;

	switch (c->mode) {
	case DG_SOFT:
		return EVP_DigestUpdate(c->sw, in, inl);
	case DG_PENDING:
		if (!hist_add(c, in, inl))
			return 0;
		if (c->len < c->p->set.small_threshold || c->len == 0 || to_device(c))
			return 1;
		return to_soft(c);
	case DG_DEVICE:
		if (!hist_add(c, in, inl))
			return 0;
		vf = vfc__dev_lock(c->p, NULL);
		if (vf) {
			rc = vfc_digest_update(c->ds.s, in, inl);
			vfc__dev_unlock(c->p);
		}
		return rc == 0;
	}
	return 0;
}

static int dg_final(void *vctx, unsigned char *out, size_t *outl, size_t outsz)
{
	struct dgctx *c = vctx;
	unsigned int n = 0;
	struct vfc_vf *vf;
	int rc = -1;

	if (outsz < VFC_SHA256_LEN)
		return 0;
	if (c->mode == DG_PENDING && c->p->set.small_threshold == 0 && c->len == 0)
		to_device(c);
	switch (c->mode) {
	case DG_PENDING:
		if (!EVP_Digest(c->hist, c->len, out, &n, c->p->fb_sha256, NULL))
			return 0;
		break;
	case DG_SOFT:
		if (!EVP_DigestFinal_ex(c->sw, out, &n))
			return 0;
		break;
	case DG_DEVICE:
		vf = vfc__dev_lock(c->p, NULL);
		if (vf) {
			rc = vfc_digest_final(c->ds.s, out);
			vfc__dev_unlock(c->p);
		}
		if (rc < 0)
			return 0;
		break;
	}
	*outl = VFC_SHA256_LEN;
	return 1;
}

/* The VF's state cannot be copied: a copy goes on in software from the kept bytes. */
static void *dg_dupctx(void *vctx)
{
	struct dgctx *c = vctx, *d;

	if (c->mode == DG_DEVICE && c->hist_full)
		return NULL;
	d = dg_newctx(c->p);
	if (!d)
		return NULL;
	if (!hist_add(d, c->hist, c->len))
		goto fail;
	if (c->mode == DG_DEVICE && !to_soft(d))
		goto fail;
	if (c->mode == DG_SOFT) {
		d->sw = EVP_MD_CTX_new();
		if (!d->sw || !EVP_MD_CTX_copy_ex(d->sw, c->sw))
			goto fail;
		d->mode = DG_SOFT;
	}
	return d;
fail:
	dg_freectx(d);
	return NULL;
}

static const OSSL_PARAM *dg_gettable_params(void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_size_t(OSSL_DIGEST_PARAM_BLOCK_SIZE, NULL),
		OSSL_PARAM_size_t(OSSL_DIGEST_PARAM_SIZE, NULL),
		OSSL_PARAM_int(OSSL_DIGEST_PARAM_XOF, NULL),
		OSSL_PARAM_int(OSSL_DIGEST_PARAM_ALGID_ABSENT, NULL),
		OSSL_PARAM_END,
	};

	(void)provctx;
	return t;
}

static int dg_get_params(OSSL_PARAM params[])
{
	OSSL_PARAM *q;

	if ((q = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_BLOCK_SIZE)) && !OSSL_PARAM_set_size_t(q, 64))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_SIZE)) && !OSSL_PARAM_set_size_t(q, 32))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_XOF)) && !OSSL_PARAM_set_int(q, 0))
		return 0;
	if ((q = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_ALGID_ABSENT)) && !OSSL_PARAM_set_int(q, 1))
		return 0;
	return 1;
}

const OSSL_DISPATCH vfc__digest_sha256[] = {
	{ OSSL_FUNC_DIGEST_NEWCTX, (void (*)(void))dg_newctx },
	{ OSSL_FUNC_DIGEST_INIT, (void (*)(void))dg_init },
	{ OSSL_FUNC_DIGEST_UPDATE, (void (*)(void))dg_update },
	{ OSSL_FUNC_DIGEST_FINAL, (void (*)(void))dg_final },
	{ OSSL_FUNC_DIGEST_FREECTX, (void (*)(void))dg_freectx },
	{ OSSL_FUNC_DIGEST_DUPCTX, (void (*)(void))dg_dupctx },
	{ OSSL_FUNC_DIGEST_GET_PARAMS, (void (*)(void))dg_get_params },
	{ OSSL_FUNC_DIGEST_GETTABLE_PARAMS, (void (*)(void))dg_gettable_params },
	{ 0, NULL },
};
