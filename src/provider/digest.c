/* SPDX-License-Identifier: MIT */
/* digest.c - SHA-256: messages reaching the size threshold hash in the VF, shorter ones (and no VF) in software. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "provider/prov.h"

/* Bytes of a device-hashed message we keep so that a copy of the context can go on in software. */
#define HIST_MAX (64u << 10)

/* Where the message is hashed: decided by its first update. */
enum dg_mode {
	DG_FRESH = 0,  /* nothing hashed yet */
	DG_DEVICE = 1, /* the VF session holds the state; hist keeps the bytes while <= HIST_MAX */
	DG_SOFT = 2,   /* sw holds the state */
};

struct dgctx {
	struct vfc__prov *p;
	enum dg_mode mode;
	uint8_t *hist;
	size_t len, cap;
	int hist_full;          /* DG_DEVICE: hist no longer holds the whole message */
	struct vfc__dsess ds;
	void *sw; /* the default provider's SHA-256 context */
};

static int hist_add(struct dgctx *c, const void *in, size_t len)
{
	size_t cap;
	uint8_t *n;

	if (c->hist_full || len == 0)
		return 1;
	if (c->len + len > HIST_MAX) {
		c->hist_full = 1;
		return 1;
	}
	if (c->len + len > c->cap) {
		for (cap = c->cap ? c->cap : 256; cap < c->len + len; cap *= 2)
			;
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

/* EVP_Digest makes and frees a context per message: one freed context (with its software
 * context, if it never used the VF) waits for the next. */
static void *dg_newctx(void *provctx)
{
	struct vfc__prov *p = provctx;
	struct dgctx *c = __atomic_exchange_n(&p->dg_spare, NULL, __ATOMIC_ACQ_REL);

	if (c) {
		c->mode = DG_FRESH;
		c->len = 0;
		c->hist_full = 0;
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->p = p;
	return c;
}

static void dg_destroy(struct dgctx *c)
{
	vfc__dsess_drop(c->p, &c->ds);
	if (c->sw)
		c->p->fbd.freectx(c->sw);
	free(c->hist);
	free(c);
}

static void dg_freectx(void *vctx)
{
	struct dgctx *c = vctx;
	void *none = NULL;

	if (!c)
		return;
	if (!c->ds.s && __atomic_compare_exchange_n(&c->p->dg_spare, &none, c, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	dg_destroy(c);
}

void vfc__digest_fini(struct vfc__prov *p)
{
	struct dgctx *c = __atomic_exchange_n(&p->dg_spare, NULL, __ATOMIC_ACQ_REL);

	if (c)
		dg_destroy(c);
}

/* A new message; the VF session and the software context stay for the next one. */
static int dg_init(void *vctx, const OSSL_PARAM params[])
{
	struct dgctx *c = vctx;

	(void)params;
	c->mode = DG_FRESH;
	c->len = 0;
	c->hist_full = 0;
	return 1;
}

/* Software from here on, starting with the len bytes at in. */
static int to_soft(struct dgctx *c, const void *in, size_t len)
{
	struct vfc__fb_digest *f = &c->p->fbd;

	if (!c->sw && !(c->sw = f->newctx(f->provctx)))
		return 0;
	if (!f->init(c->sw, NULL) || (len && !f->update(c->sw, in, len)))
		return 0;
	c->mode = DG_SOFT;
	return 1;
}

/* The VF from here on, starting with the len bytes at in; 0 if there is no VF (or it failed). */
static int to_device(struct dgctx *c, const void *in, size_t len)
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
		rc = len ? vfc_digest_update(s, in, len) : 0;
	vfc__dev_unlock(c->p);
	if (rc < 0 || !hist_add(c, in, len))
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
	case DG_FRESH:
		if (inl == 0)
			return 1;
		if (inl >= c->p->set.small_threshold && to_device(c, in, inl))
			return 1;
		return to_soft(c, in, inl);
	case DG_SOFT:
		return c->p->fbd.update(c->sw, in, inl);
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
	size_t n = 0;
	struct vfc_vf *vf;
	int rc = -1;

	if (outsz < VFC_SHA256_LEN)
		return 0;
	if (c->mode == DG_FRESH && !(c->p->set.small_threshold == 0 && to_device(c, NULL, 0)) &&
	    !to_soft(c, NULL, 0))
		return 0;
	if (c->mode == DG_SOFT) {
		if (!c->p->fbd.final(c->sw, out, &n, outsz))
			return 0;
	} else {
		vf = vfc__dev_lock(c->p, NULL);
		if (vf) {
			rc = vfc_digest_final(c->ds.s, out);
			vfc__dev_unlock(c->p);
		}
		if (rc < 0)
			return 0;
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
	if (c->mode == DG_DEVICE && !to_soft(d, c->hist, c->len))
		goto fail;
	if (c->mode == DG_SOFT) {
		if (!(d->sw = c->p->fbd.dupctx(c->sw)))
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
