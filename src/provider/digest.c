/* SPDX-License-Identifier: MIT */
/* digest.c - SHA-256: messages whose first update reaches the threshold hash in the VF (whole at final up to 64 KiB, else streamed), the rest in software. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "provider/prov.h"

/* A message is held up to this many bytes and hashed whole at final (the multi-buffer engine's
 * lanes take whole messages; one request instead of one per update); longer ones stream. */
#define HOLD_MAX (64u << 10)

/* Where the message is hashed: decided by its first update. */
enum dg_mode {
	DG_FRESH = 0,  /* nothing hashed yet */
	DG_HELD = 1,   /* the VF at final: the whole message is in hist */
	DG_STREAM = 2, /* the VF session holds the state (the message passed HOLD_MAX) */
	DG_SOFT = 3,   /* sw holds the state */
};

struct dgctx {
	struct vfc__prov *p;
	enum dg_mode mode;
	uint8_t *hist;
	size_t len, cap;
	struct vfc__dsess ds;
	void *sw; /* the default provider's SHA-256 context */
};

static int hist_add(struct dgctx *c, const void *in, size_t len)
{
	size_t cap;
	uint8_t *n;

	if (len == 0)
		return 1;
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

/* EVP_Digest makes and frees a context per message: freed contexts wait for the next ones with
 * their VF sessions and software contexts (VFC_PROV_DG_SPARES of them). */
static void *dg_newctx(void *provctx)
{
	struct vfc__prov *p = provctx;
	struct dgctx *c = NULL;

	pthread_mutex_lock(&p->dg_lock);
	if (p->n_dg_spare)
		c = p->dg_spare[--p->n_dg_spare];
	pthread_mutex_unlock(&p->dg_lock);
	if (c) {
		c->mode = DG_FRESH;
		c->len = 0;
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
	if (c->hist)
		OPENSSL_cleanse(c->hist, c->cap);
	free(c->hist);
	free(c);
}

static void dg_freectx(void *vctx)
{
	struct dgctx *c = vctx;
	struct vfc__prov *p;

	if (!c)
		return;
	p = c->p;
	if (c->len)
		OPENSSL_cleanse(c->hist, c->len);
	pthread_mutex_lock(&p->dg_lock);
	if (p->n_dg_spare < VFC_PROV_DG_SPARES) {
		p->dg_spare[p->n_dg_spare++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&p->dg_lock);
	if (c)
		dg_destroy(c);
}

void vfc__digest_init(struct vfc__prov *p)
{
	pthread_mutex_init(&p->dg_lock, NULL);
	p->n_dg_spare = 0;
}

void vfc__digest_fini(struct vfc__prov *p)
{
	while (p->n_dg_spare)
		dg_destroy(p->dg_spare[--p->n_dg_spare]);
	pthread_mutex_destroy(&p->dg_lock);
}

/* A new message; the VF session and the software context stay for the next one. */
static int dg_init(void *vctx, const OSSL_PARAM params[])
{
	struct dgctx *c = vctx;

	(void)params;
	c->mode = DG_FRESH;
	c->len = 0;
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

/* In the VF: in (any length, in pieces of at most VFC_PROV_OP_MAX) as part of the message, FIRST on
 * the first piece if first, LAST with the digest into out on the last if out is not NULL. In an
 * ASYNC job the job pauses for each piece. 0 or a negative errno. */
static int dev_hash(struct dgctx *c, int first, const uint8_t *in, size_t len, uint8_t *out)
{
	uint16_t flags;
	struct vfc_session *s;
	struct vfc_vf *vf;
	unsigned gen;
	size_t n;
	int rc;

	do {
		n = len < VFC_PROV_OP_MAX ? len : VFC_PROV_OP_MAX;
		flags = (uint16_t)((first ? VFC_REQ_F_FIRST : 0) | (out && n == len ? VFC_REQ_F_LAST : 0));
		if (!(vf = vfc__dev_lock(c->p, &gen)))
			return -ENODEV;
		if (!(s = vfc__dsess_get(&c->ds, vf, gen, VFC_ALG_SHA256, 0, NULL, 0))) {
			vfc__dev_unlock(c->p);
			return -ENOMEM;
		}
		rc = vfc__op_hash(c->p, vf, gen, s, flags, in, n, flags & VFC_REQ_F_LAST ? out : NULL);
		if (rc < 0)
			return rc;
		first = 0;
		in += n;
		len -= n;
	} while (len);
	return 0;
}

/* The held message outgrew HOLD_MAX: the VF session takes it, then in, as a stream. If there is no
 * VF or it failed at once, software takes the held bytes and in (nothing was lost). */
static int to_stream(struct dgctx *c, const void *in, size_t len)
{
	if (dev_hash(c, 1, c->hist, c->len, NULL) == 0) {
		c->mode = DG_STREAM;
		OPENSSL_cleanse(c->hist, c->len);
		c->len = 0;
		return dev_hash(c, 0, in, len, NULL) == 0;
	}
	return to_soft(c, c->hist, c->len) && c->p->fbd.update(c->sw, in, len);
}

static int dg_update(void *vctx, const unsigned char *in, size_t inl)
{
	struct dgctx *c = vctx;

	switch (c->mode) {
	case DG_FRESH:
		if (inl == 0)
			return 1;
		if (inl < c->p->set.small_threshold || vfc__dev_absent(c->p))
			return to_soft(c, in, inl);
		c->mode = DG_HELD;
		/* fall through */
	case DG_HELD:
		if (c->len + inl > HOLD_MAX)
			return to_stream(c, in, inl);
		return hist_add(c, in, inl);
	case DG_SOFT:
		return c->p->fbd.update(c->sw, in, inl);
	case DG_STREAM:
		return inl == 0 || dev_hash(c, 0, in, inl, NULL) == 0;
	}
	return 0;
}

static int dg_final(void *vctx, unsigned char *out, size_t *outl, size_t outsz)
{
	struct dgctx *c = vctx;
	size_t n = 0;

	if (outsz < VFC_SHA256_LEN)
		return 0;
	if (c->mode == DG_FRESH) {
		/* An empty message: the VF only when everything goes there. */
		if (c->p->set.small_threshold == 0 && !vfc__dev_absent(c->p))
			c->mode = DG_HELD;
		else if (!to_soft(c, NULL, 0))
			return 0;
	}
	/* A held message whole in the VF (in an ASYNC job, the job pauses); software if that fails. */
	if (c->mode == DG_HELD && dev_hash(c, 1, c->hist, c->len, out) < 0 && !to_soft(c, c->hist, c->len))
		return 0;
	if (c->mode == DG_SOFT && !c->p->fbd.final(c->sw, out, &n, outsz))
		return 0;
	if (c->mode == DG_STREAM && dev_hash(c, 0, NULL, 0, out) < 0)
		return 0;
	if (c->len)
		OPENSSL_cleanse(c->hist, c->len);
	c->len = 0;
	*outl = VFC_SHA256_LEN;
	return 1;
}

/* The VF's streamed state cannot be copied; a held message is copied with the context. */
static void *dg_dupctx(void *vctx)
{
	struct dgctx *c = vctx, *d;

	if (c->mode == DG_STREAM)
		return NULL;
	d = dg_newctx(c->p);
	if (!d)
		return NULL;
	d->mode = c->mode;
	if (c->mode == DG_HELD && !hist_add(d, c->hist, c->len))
		goto fail;
	if (c->mode == DG_SOFT) {
		if (d->sw)
			c->p->fbd.freectx(d->sw);
		if (!(d->sw = c->p->fbd.dupctx(c->sw)))
			goto fail;
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
