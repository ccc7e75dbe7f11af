/* SPDX-License-Identifier: MIT */
/* rsa_enc.c - RSA encryption: OAEP with SHA-1/MGF1-SHA-1 and no label in the VF; other paddings in software. */
#include <errno.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "provider/prov.h"

#define NAME_MAX_LEN 64

struct encctx {
	struct vfc__prov *p;
	struct vfc__rsa_key *key;
	int encrypt;
	EVP_PKEY_CTX *pctx; /* the default provider's: parameters, and the software path */
};

/* "" is the default provider's way of saying "the default", SHA-1. */
static const char *const SHA1_NAMES[] = { "", "SHA1", "SHA-1", "1.3.14.3.2.26", NULL };

static void *e_newctx(void *provctx)
{
	struct encctx *c = calloc(1, sizeof(*c));

	if (c)
		c->p = provctx;
	return c;
}

static void e_clear(struct encctx *c)
{
	EVP_PKEY_CTX_free(c->pctx);
	c->pctx = NULL;
	vfc__rsa_key_down(c->key);
	c->key = NULL;
}

static void e_freectx(void *vctx)
{
	struct encctx *c = vctx;

	if (!c)
		return;
	e_clear(c);
	free(c);
}

static int e_init(struct encctx *c, int encrypt, void *key, const OSSL_PARAM params[])
{
	struct vfc__rsa_key *k = key;

	e_clear(c);
	if (!k || !k->pkey)
		return 0;
	vfc__rsa_key_up(k);
	c->key = k;
	c->encrypt = encrypt;
	c->pctx = EVP_PKEY_CTX_new_from_pkey(c->p->fb_libctx, k->pkey, VFC_PROV_FB_PROPQ);
	return c->pctx &&
	       (encrypt ? EVP_PKEY_encrypt_init_ex(c->pctx, params) : EVP_PKEY_decrypt_init_ex(c->pctx, params)) > 0;
}

static int e_einit(void *vctx, void *key, const OSSL_PARAM params[])
{
	return e_init(vctx, 1, key, params);
}

static int e_dinit(void *vctx, void *key, const OSSL_PARAM params[])
{
	return e_init(vctx, 0, key, params);
}

/* Whether the settings are the VF's OAEP. */
static int dev_ok(struct encctx *c)
{
	char md[NAME_MAX_LEN] = "", mgf1[NAME_MAX_LEN] = "";
	unsigned char *label = NULL;
	int pad = 0;
	OSSL_PARAM q[] = {
		OSSL_PARAM_int(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, &pad),
		OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, md, sizeof(md)),
		OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, mgf1, sizeof(mgf1)),
		OSSL_PARAM_END,
	};

	if (!vfc__rsa_key_dev_ok(c->key) || (!c->encrypt && !c->key->has_priv))
		return 0;
	if (!EVP_PKEY_CTX_get_params(c->pctx, q) || pad != RSA_PKCS1_OAEP_PADDING)
		return 0;
	if (EVP_PKEY_CTX_get0_rsa_oaep_label(c->pctx, &label) > 0)
		return 0;
	return vfc__name_in(md, SHA1_NAMES) && vfc__name_in(mgf1, SHA1_NAMES);
}

static int dev_run(struct encctx *c, unsigned char *out, size_t *outlen, const unsigned char *in, size_t inlen)
{
	struct vfc_session *s;
	struct vfc_vf *vf;
	unsigned gen;
	int rc = -ENODEV;

	vf = vfc__dev_lock(c->p, &gen);
	if (!vf)
		return rc;
	s = vfc__rsa_key_session(c->key, vf, gen, VFC_ALG_RSA_OAEP);
	if (!s || !in || !inlen || !*outlen) {
		vfc__dev_unlock(c->p);
		return rc;
	}
	/* In an ASYNC job the job pauses until the VF answers. */
	return vfc__op_rsa(c->p, vf, gen, s, c->encrypt ? VFC_OP_PKE_ENC : VFC_OP_PKE_DEC, in, inlen, NULL, 0, out,
			   outlen);
}

static int e_run(void *vctx, unsigned char *out, size_t *outlen, size_t outsize, const unsigned char *in,
		 size_t inlen)
{
	struct encctx *c = vctx;
	size_t l = outsize;
	int rc;

	if (!out) {
		*outlen = (size_t)EVP_PKEY_get_size(c->key->pkey);
		return 1;
	}
	if (dev_ok(c)) {
		rc = dev_run(c, out, &l, in, inlen);
		if (rc == 0 || rc == -EBADMSG) {
			*outlen = l;
			return rc == 0;
		}
	}
	l = outsize;
	rc = c->encrypt ? EVP_PKEY_encrypt(c->pctx, out, &l, in, inlen) : EVP_PKEY_decrypt(c->pctx, out, &l, in, inlen);
	if (rc <= 0)
		return 0;
	*outlen = l;
	return 1;
}

static void *e_dupctx(void *vctx)
{
	struct encctx *c = vctx, *d = e_newctx(c->p);

	if (!d)
		return NULL;
	d->encrypt = c->encrypt;
	if (c->key) {
		vfc__rsa_key_up(c->key);
		d->key = c->key;
	}
	if (c->pctx && !(d->pctx = EVP_PKEY_CTX_dup(c->pctx))) {
		e_freectx(d);
		return NULL;
	}
	return d;
}

static int e_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	return vfc__fb_pctx_get_params(((struct encctx *)vctx)->pctx, params);
}

static int e_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	return vfc__fb_pctx_set_params(((struct encctx *)vctx)->pctx, params);
}

static const OSSL_PARAM *fb_table(struct vfc__prov *p, int settable)
{
	EVP_ASYM_CIPHER *a = EVP_ASYM_CIPHER_fetch(p->fb_libctx, "RSA", VFC_PROV_FB_PROPQ);
	const OSSL_PARAM *t = NULL;

	if (a)
		t = settable ? EVP_ASYM_CIPHER_settable_ctx_params(a) : EVP_ASYM_CIPHER_gettable_ctx_params(a);
	EVP_ASYM_CIPHER_free(a); /* the tables are static in the default provider */
	return t;
}

static const OSSL_PARAM *e_gettable_ctx_params(void *vctx, void *provctx)
{
	(void)vctx;
	return fb_table(provctx, 0);
}

static const OSSL_PARAM *e_settable_ctx_params(void *vctx, void *provctx)
{
	(void)vctx;
	return fb_table(provctx, 1);
}

const OSSL_DISPATCH vfc__rsa_asym_cipher[] = {
	{ OSSL_FUNC_ASYM_CIPHER_NEWCTX, (void (*)(void))e_newctx },
	{ OSSL_FUNC_ASYM_CIPHER_ENCRYPT_INIT, (void (*)(void))e_einit },
	{ OSSL_FUNC_ASYM_CIPHER_ENCRYPT, (void (*)(void))e_run },
	{ OSSL_FUNC_ASYM_CIPHER_DECRYPT_INIT, (void (*)(void))e_dinit },
	{ OSSL_FUNC_ASYM_CIPHER_DECRYPT, (void (*)(void))e_run },
	{ OSSL_FUNC_ASYM_CIPHER_FREECTX, (void (*)(void))e_freectx },
	{ OSSL_FUNC_ASYM_CIPHER_DUPCTX, (void (*)(void))e_dupctx },
	{ OSSL_FUNC_ASYM_CIPHER_GET_CTX_PARAMS, (void (*)(void))e_get_ctx_params },
	{ OSSL_FUNC_ASYM_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))e_gettable_ctx_params },
	{ OSSL_FUNC_ASYM_CIPHER_SET_CTX_PARAMS, (void (*)(void))e_set_ctx_params },
	{ OSSL_FUNC_ASYM_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))e_settable_ctx_params },
	{ 0, NULL },
};
