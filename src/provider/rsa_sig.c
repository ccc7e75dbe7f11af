/* SPDX-License-Identifier: MIT */
/* rsa_sig.c - RSA signatures: digest-sign/verify with SHA-256 (PKCS#1 v1.5, PSS salt 32) in the VF; the rest in software. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "provider/prov.h"

/* The largest message held for the VF (it hashes the whole message); longer ones go to software. */
#define MSG_MAX (1u << 20)
#define NAME_MAX_LEN 64

enum sig_op { SIG_NONE = 0, SIG_SIGN, SIG_VERIFY, SIG_DSIGN, SIG_DVERIFY };

struct sigctx {
	struct vfc__prov *p;
	struct vfc__rsa_key *key;
	enum sig_op op;
	EVP_PKEY_CTX *pctx; /* the default provider's context: owned, or md's for digest ops */
	EVP_MD_CTX *md;     /* digest ops: the software digest-sign/verify */
	uint8_t *msg;       /* digest ops: the message so far, for the VF */
	size_t len, cap;
	int spilled;        /* the message went to md: software to the end */
};

static const char *const SHA256_NAMES[] = { "SHA256", "SHA2-256", "SHA-256", "2.16.840.1.101.3.4.2.1", NULL };

static void *s_newctx(void *provctx, const char *propq)
{
	struct sigctx *c = calloc(1, sizeof(*c));

	(void)propq;
	if (c)
		c->p = provctx;
	return c;
}

static void s_clear(struct sigctx *c)
{
	if (c->md)
		EVP_MD_CTX_free(c->md); /* frees its pctx */
	else
		EVP_PKEY_CTX_free(c->pctx);
	c->md = NULL;
	c->pctx = NULL;
	vfc__rsa_key_down(c->key);
	c->key = NULL;
	c->len = 0;
	c->spilled = 0;
	c->op = SIG_NONE;
}

static void s_freectx(void *vctx)
{
	struct sigctx *c = vctx;

	if (!c)
		return;
	s_clear(c);
	free(c->msg);
	free(c);
}

static int s_init(struct sigctx *c, enum sig_op op, void *key, const char *mdname, const OSSL_PARAM params[])
{
	struct vfc__rsa_key *k = key;
	int ok;

	s_clear(c);
	if (!k || !k->pkey)
		return 0;
	vfc__rsa_key_up(k);
	c->key = k;
	c->op = op;
	if (op == SIG_SIGN || op == SIG_VERIFY) {
		c->pctx = EVP_PKEY_CTX_new_from_pkey(c->p->fb_libctx, k->pkey, VFC_PROV_FB_PROPQ);
		return c->pctx && (op == SIG_SIGN ? EVP_PKEY_sign_init_ex(c->pctx, params)
						  : EVP_PKEY_verify_init_ex(c->pctx, params)) > 0;
	}
	c->md = EVP_MD_CTX_new();
	if (!c->md)
		return 0;
	if (op == SIG_DSIGN)
		ok = EVP_DigestSignInit_ex(c->md, &c->pctx, mdname, c->p->fb_libctx, VFC_PROV_FB_PROPQ, k->pkey,
					   params);
	else
		ok = EVP_DigestVerifyInit_ex(c->md, &c->pctx, mdname, c->p->fb_libctx, VFC_PROV_FB_PROPQ, k->pkey,
					     params);
	return ok > 0;
}

static int s_sign_init(void *vctx, void *key, const OSSL_PARAM params[])
{
	return s_init(vctx, SIG_SIGN, key, NULL, params);
}

static int s_verify_init(void *vctx, void *key, const OSSL_PARAM params[])
{
	return s_init(vctx, SIG_VERIFY, key, NULL, params);
}

static int s_dsign_init(void *vctx, const char *mdname, void *key, const OSSL_PARAM params[])
{
	return s_init(vctx, SIG_DSIGN, key, mdname, params);
}

static int s_dverify_init(void *vctx, const char *mdname, void *key, const OSSL_PARAM params[])
{
	return s_init(vctx, SIG_DVERIFY, key, mdname, params);
}

/* Raw sign/verify of a digest: the VF hashes messages itself, so this is software. */
static int s_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize, const unsigned char *tbs,
		  size_t tbslen)
{
	struct sigctx *c = vctx;

	*siglen = sigsize;
	return EVP_PKEY_sign(c->pctx, sig, siglen, tbs, tbslen) > 0;
}

static int s_verify(void *vctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs, size_t tbslen)
{
	struct sigctx *c = vctx;

	return EVP_PKEY_verify(c->pctx, sig, siglen, tbs, tbslen) > 0;
}

/* The VF algorithm the context's settings amount to, or 0 (software). */
static enum vfc_alg dev_alg(struct sigctx *c, int signing)
{
	char md[NAME_MAX_LEN] = "", mgf1[NAME_MAX_LEN] = "";
	int pad = 0, salt = 0;
	OSSL_PARAM q[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, md, sizeof(md)),
		OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PAD_MODE, &pad),
		OSSL_PARAM_END,
	};
	OSSL_PARAM qp[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, mgf1, sizeof(mgf1)),
		OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, &salt),
		OSSL_PARAM_END,
	};

	if (c->spilled || c->len == 0 || !vfc__rsa_key_dev_ok(c->key) || (signing && !c->key->has_priv))
		return 0;
	if (!EVP_PKEY_CTX_get_params(c->pctx, q) || !vfc__name_in(md, SHA256_NAMES))
		return 0;
	if (pad == RSA_PKCS1_PADDING)
		return VFC_ALG_RSA_PKCS1_SHA256;
	if (pad != RSA_PKCS1_PSS_PADDING || !EVP_PKEY_CTX_get_params(c->pctx, qp))
		return 0;
	if (!vfc__name_in(mgf1, SHA256_NAMES) || (salt != RSA_PSS_SALTLEN_DIGEST && salt != VFC_SHA256_LEN))
		return 0;
	return VFC_ALG_RSA_PSS_SHA256;
}

/* Sign or verify the held message in the VF: 0, -EBADMSG (bad signature), or another error. */
static int dev_run(struct sigctx *c, enum vfc_alg alg, unsigned char *sig, size_t *siglen, const unsigned char *vsig)
{
	struct vfc_session *s;
	struct vfc_vf *vf;
	unsigned gen;
	int rc = -ENODEV;

	vf = vfc__dev_lock(c->p, &gen);
	if (!vf)
		return rc;
	s = vfc__rsa_key_session(c->key, vf, gen, alg);
	if (!s) {
		vfc__dev_unlock(c->p);
		return rc;
	}
	/* In an ASYNC job the job pauses until the VF answers. */
	if (sig)
		return vfc__op_rsa(c->p, vf, gen, s, VFC_OP_SIGN, c->msg, c->len, NULL, 0, sig, siglen);
	return vfc__op_rsa(c->p, vf, gen, s, VFC_OP_VERIFY, c->msg, c->len, vsig, *siglen, NULL, NULL);
}

/* Hand the held message to software. */
static int spill(struct sigctx *c)
{
	int ok = c->op == SIG_DSIGN ? EVP_DigestSignUpdate(c->md, c->msg, c->len)
				    : EVP_DigestVerifyUpdate(c->md, c->msg, c->len);

	c->spilled = 1;
	c->len = 0;
	return ok > 0;
}

static int s_update(void *vctx, const unsigned char *data, size_t len)
{
	struct sigctx *c = vctx;
	uint8_t *n;
	size_t cap;

	if (!c->spilled && c->len + len > MSG_MAX && !spill(c))
		return 0;
	if (c->spilled)
		return (c->op == SIG_DSIGN ? EVP_DigestSignUpdate(c->md, data, len)
					   : EVP_DigestVerifyUpdate(c->md, data, len)) > 0;
	if (c->len + len > c->cap) {
		for (cap = c->cap ? c->cap : 1024; cap < c->len + len; cap *= 2)
			;
		if (!(n = realloc(c->msg, cap)))
			return 0;
		c->msg = n;
		c->cap = cap;
	}
	memcpy(c->msg + c->len, data, len);
	c->len += len;
	return 1;
}

static int s_dsign_final(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct sigctx *c = vctx;
	enum vfc_alg alg;
	size_t l = sigsize;

	if (!sig) {
		*siglen = (size_t)EVP_PKEY_get_size(c->key->pkey);
		return 1;
	}
	alg = dev_alg(c, 1);
	if (alg && dev_run(c, alg, sig, &l, NULL) == 0) {
		*siglen = l;
		return 1;
	}
	if (!c->spilled && !spill(c))
		return 0;
	l = sigsize;
	if (EVP_DigestSignFinal(c->md, sig, &l) <= 0)
		return 0;
	*siglen = l;
	return 1;
}

static int s_dverify_final(void *vctx, const unsigned char *sig, size_t siglen)
{
	struct sigctx *c = vctx;
	enum vfc_alg alg = dev_alg(c, 0);
	int rc = -ENODEV;

	if (alg)
		rc = dev_run(c, alg, NULL, &siglen, sig);
	if (rc == 0 || rc == -EBADMSG)
		return rc == 0;
	if (!c->spilled && !spill(c))
		return 0;
	return EVP_DigestVerifyFinal(c->md, sig, siglen) > 0;
}

static void *s_dupctx(void *vctx)
{
	struct sigctx *c = vctx, *d = s_newctx(c->p, NULL);

	if (!d)
		return NULL;
	d->op = c->op;
	d->spilled = c->spilled;
	if (c->key) {
		vfc__rsa_key_up(c->key);
		d->key = c->key;
	}
	if (c->md) {
		d->md = EVP_MD_CTX_new();
		if (!d->md || !EVP_MD_CTX_copy_ex(d->md, c->md))
			goto fail;
		d->pctx = EVP_MD_CTX_get_pkey_ctx(d->md);
	} else if (c->pctx && !(d->pctx = EVP_PKEY_CTX_dup(c->pctx))) {
		goto fail;
	}
	if (c->len && !s_update(d, c->msg, c->len))
		goto fail;
	return d;
fail:
	s_freectx(d);
	return NULL;
}

/* Parameters (pad-mode, digest, saltlen, mgf1-digest, algorithm-id...) are the default provider's. */
static int s_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	return vfc__fb_pctx_get_params(((struct sigctx *)vctx)->pctx, params);
}

static int s_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	return vfc__fb_pctx_set_params(((struct sigctx *)vctx)->pctx, params);
}

static const OSSL_PARAM *fb_table(struct vfc__prov *p, int settable)
{
	EVP_SIGNATURE *sig = EVP_SIGNATURE_fetch(p->fb_libctx, "RSA", VFC_PROV_FB_PROPQ);
	const OSSL_PARAM *t = NULL;

	if (sig)
		t = settable ? EVP_SIGNATURE_settable_ctx_params(sig) : EVP_SIGNATURE_gettable_ctx_params(sig);
	EVP_SIGNATURE_free(sig); /* the tables are static in the default provider */
	return t;
}

static const OSSL_PARAM *s_gettable_ctx_params(void *vctx, void *provctx)
{
	(void)vctx;
	return fb_table(provctx, 0);
}

static const OSSL_PARAM *s_settable_ctx_params(void *vctx, void *provctx)
{
	(void)vctx;
	return fb_table(provctx, 1);
}

const OSSL_DISPATCH vfc__rsa_signature[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))s_newctx },
	{ OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))s_sign_init },
	{ OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))s_sign },
	{ OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))s_verify_init },
	{ OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))s_verify },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))s_dsign_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))s_update },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))s_dsign_final },
	{ OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, (void (*)(void))s_dverify_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, (void (*)(void))s_update },
	{ OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, (void (*)(void))s_dverify_final },
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))s_freectx },
	{ OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))s_dupctx },
	{ OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))s_get_ctx_params },
	{ OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))s_gettable_ctx_params },
	{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))s_set_ctx_params },
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))s_settable_ctx_params },
	{ 0, NULL },
};
