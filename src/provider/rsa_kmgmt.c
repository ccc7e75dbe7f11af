/* SPDX-License-Identifier: MIT */
/* rsa_kmgmt.c - RSA and RSA-PSS key management: keys live as the default provider's keys in our private context; the VF gets them as PEM. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/encoder.h>
#include <openssl/params.h>

#include "provider/prov.h"

#define TYPE_RSA "RSA"
#define TYPE_PSS "RSA-PSS"

static struct vfc__rsa_key *key_new(struct vfc__prov *p, const char *type)
{
	struct vfc__rsa_key *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->p = p;
	k->type = type;
	k->refs = 1;
	return k;
}

static void *k_new(void *provctx)
{
	return key_new(provctx, TYPE_RSA);
}

static void *k_new_pss(void *provctx)
{
	return key_new(provctx, TYPE_PSS);
}

static void k_free(void *keydata)
{
	struct vfc__rsa_key *k = keydata;
	int a;

	if (!k || __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (a = 0; a < VFC_ALG__MAX; a++)
		vfc__dsess_drop(k->p, &k->sess[a]);
	EVP_PKEY_free(k->pkey);
	if (k->pem)
		OPENSSL_clear_free(k->pem, k->pem_len);
	free(k);
}

void vfc__rsa_key_up(struct vfc__rsa_key *k)
{
	__atomic_add_fetch(&k->refs, 1, __ATOMIC_RELAXED);
}

void vfc__rsa_key_down(struct vfc__rsa_key *k)
{
	k_free(k);
}

static void set_pkey(struct vfc__rsa_key *k, EVP_PKEY *pkey, int has_priv)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = pkey;
	k->has_priv = has_priv;
	k->bits = EVP_PKEY_get_bits(pkey);
}

static int k_has(const void *keydata, int selection)
{
	const struct vfc__rsa_key *k = keydata;

	if (!k)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) && !k->pkey)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && !k->has_priv)
		return 0;
	return 1;
}

static int k_match(const void *a, const void *b, int selection)
{
	const struct vfc__rsa_key *x = a, *y = b;

	if (!(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return 1;
	return x->pkey && y->pkey && EVP_PKEY_eq(x->pkey, y->pkey) == 1;
}

/* Keys decoded by OpenSSL (in the default provider) move in here as parameters. */
static int k_import(void *keydata, int selection, const OSSL_PARAM params[])
{
	struct vfc__rsa_key *k = keydata;
	int priv = (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) &&
		   OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_D) != NULL;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	int ok;

	if (!k || !(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return 0;
	ctx = EVP_PKEY_CTX_new_from_name(k->p->fb_libctx, k->type, VFC_PROV_FB_PROPQ);
	ok = ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	     EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			       (OSSL_PARAM *)params) > 0;
	EVP_PKEY_CTX_free(ctx);
	if (ok)
		set_pkey(k, pkey, priv);
	return ok;
}

static int k_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct vfc__rsa_key *k = keydata;

	if (!k || !k->pkey)
		return 0;
	if (!k->has_priv)
		selection &= ~OSSL_KEYMGMT_SELECT_PRIVATE_KEY;
	return EVP_PKEY_export(k->pkey, selection, cb, cbarg);
}

static const OSSL_PARAM *k_types(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_D, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_FACTOR1, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_FACTOR2, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_EXPONENT1, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_EXPONENT2, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, NULL, 0),
		OSSL_PARAM_END,
	};

	return (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) ? t : NULL;
}

/* bits, security-bits, max-size, default-digest, the numbers: the default provider answers. */
static int k_get_params(void *keydata, OSSL_PARAM params[])
{
	struct vfc__rsa_key *k = keydata;

	return k && k->pkey && EVP_PKEY_get_params(k->pkey, params);
}

/* The default provider's tables for type (static there). */
static const OSSL_PARAM *fb_gettable(struct vfc__prov *p, const char *type, int gen)
{
	EVP_KEYMGMT *km = EVP_KEYMGMT_fetch(p->fb_libctx, type, VFC_PROV_FB_PROPQ);
	const OSSL_PARAM *t = !km ? NULL : gen ? EVP_KEYMGMT_gen_settable_params(km) : EVP_KEYMGMT_gettable_params(km);

	EVP_KEYMGMT_free(km);
	return t;
}

static const OSSL_PARAM *k_gettable_params(void *provctx)
{
	return fb_gettable(provctx, TYPE_RSA, 0);
}

static const OSSL_PARAM *k_gettable_params_pss(void *provctx)
{
	return fb_gettable(provctx, TYPE_PSS, 0);
}

/* An RSA-PSS key signs with the RSA signature (ours), as in the default provider. */
static const char *k_query_name_pss(int operation_id)
{
	return operation_id == OSSL_OP_SIGNATURE ? TYPE_RSA : NULL;
}

static void *k_dup(const void *keydata, int selection)
{
	const struct vfc__rsa_key *k = keydata;
	struct vfc__rsa_key *d;
	EVP_PKEY *pkey;

	(void)selection;
	if (!k || !k->pkey || !(pkey = EVP_PKEY_dup(k->pkey)))
		return NULL;
	d = key_new(k->p, k->type);
	if (!d) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	set_pkey(d, pkey, k->has_priv);
	return d;
}

/* ---- key generation: the default provider's ---- */

struct genctx {
	struct vfc__prov *p;
	const char *type;
	EVP_PKEY_CTX *pctx;
};

static void g_cleanup(void *vgen)
{
	struct genctx *g = vgen;

	if (!g)
		return;
	EVP_PKEY_CTX_free(g->pctx);
	free(g);
}

static int g_set_params(void *vgen, const OSSL_PARAM params[])
{
	struct genctx *g = vgen;

	return !params || EVP_PKEY_CTX_set_params(g->pctx, params);
}

static void *gen_init(struct vfc__prov *p, const char *type, const OSSL_PARAM params[])
{
	struct genctx *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->p = p;
	g->type = type;
	g->pctx = EVP_PKEY_CTX_new_from_name(p->fb_libctx, type, VFC_PROV_FB_PROPQ);
	if (!g->pctx || EVP_PKEY_keygen_init(g->pctx) <= 0 || !g_set_params(g, params)) {
		g_cleanup(g);
		return NULL;
	}
	return g;
}

static void *g_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	(void)selection;
	return gen_init(provctx, TYPE_RSA, params);
}

static void *g_init_pss(void *provctx, int selection, const OSSL_PARAM params[])
{
	(void)selection;
	return gen_init(provctx, TYPE_PSS, params);
}

static const OSSL_PARAM *g_settable_params(void *vgen, void *provctx)
{
	(void)vgen;
	return fb_gettable(provctx, TYPE_RSA, 1);
}

static const OSSL_PARAM *g_settable_params_pss(void *vgen, void *provctx)
{
	(void)vgen;
	return fb_gettable(provctx, TYPE_PSS, 1);
}

static void *g_gen(void *vgen, OSSL_CALLBACK *cb, void *cbarg)
{
	struct genctx *g = vgen;
	struct vfc__rsa_key *k;
	EVP_PKEY *pkey = NULL;

	(void)cb;
	(void)cbarg;
	if (EVP_PKEY_generate(g->pctx, &pkey) <= 0)
		return NULL;
	k = key_new(g->p, g->type);
	if (!k) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	set_pkey(k, pkey, 1);
	return k;
}

/* ---- the device side ---- */

int vfc__rsa_key_dev_ok(const struct vfc__rsa_key *k)
{
	return k->pkey && (k->bits == 2048 || k->bits == 3072 || k->bits == 4096);
}

/* The same numbers as a plain RSA key: the device imports RSA keys only. An RSA-PSS key's
 * restrictions stay with the provider: the VF is only asked for what its context accepted. */
static EVP_PKEY *as_rsa(const struct vfc__rsa_key *k, int sel)
{
	/* The key's numbers only, not its PSS restrictions (an RSA key has none). */
	int nums = sel == EVP_PKEY_KEYPAIR ? OSSL_KEYMGMT_SELECT_KEYPAIR : OSSL_KEYMGMT_SELECT_PUBLIC_KEY;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *rsa = NULL;

	if (EVP_PKEY_todata(k->pkey, nums, &params) > 0 &&
	    (ctx = EVP_PKEY_CTX_new_from_name(k->p->fb_libctx, TYPE_RSA, VFC_PROV_FB_PROPQ)) &&
	    EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &rsa, sel, params);
	EVP_PKEY_CTX_free(ctx);
	for (OSSL_PARAM *q = params; q && q->key; q++)
		OPENSSL_cleanse(q->data, q->data_size); /* the private numbers */
	OSSL_PARAM_free(params);
	return rsa;
}

/* The PEM the device imports: PKCS#8 for a private key, SubjectPublicKeyInfo otherwise. */
static int encode_pem(struct vfc__rsa_key *k)
{
	int sel = k->has_priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
	EVP_PKEY *pkey = strcmp(k->type, TYPE_PSS) ? k->pkey : as_rsa(k, sel);
	OSSL_ENCODER_CTX *e;
	unsigned char *data = NULL;
	size_t len = 0;
	int ok;

	e = !pkey ? NULL
		  : OSSL_ENCODER_CTX_new_for_pkey(pkey, sel, "PEM",
						  k->has_priv ? "PrivateKeyInfo" : "SubjectPublicKeyInfo",
						  VFC_PROV_FB_PROPQ);
	ok = e && OSSL_ENCODER_to_data(e, &data, &len);
	OSSL_ENCODER_CTX_free(e);
	if (pkey != k->pkey)
		EVP_PKEY_free(pkey);
	if (!ok)
		return 0;
	k->pem = data;
	k->pem_len = len;
	return 1;
}

struct vfc_session *vfc__rsa_key_session(struct vfc__rsa_key *k, struct vfc_vf *vf, unsigned gen, enum vfc_alg alg)
{
	if (!vfc__rsa_key_dev_ok(k) || (!k->pem && !encode_pem(k)))
		return NULL;
	return vfc__dsess_get(&k->sess[alg], vf, gen, alg,
			      k->has_priv ? VFC_KEY_RSA_PRIV_PEM : VFC_KEY_RSA_PUB_PEM, k->pem, k->pem_len);
}

const OSSL_DISPATCH vfc__rsa_keymgmt[] = {
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))k_new },
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))k_free },
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))k_has },
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))k_match },
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))k_import },
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))k_types },
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))k_export },
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))k_types },
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))k_get_params },
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))k_gettable_params },
	{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))k_dup },
	{ OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))g_init },
	{ OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))g_set_params },
	{ OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))g_settable_params },
	{ OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))g_gen },
	{ OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))g_cleanup },
	{ 0, NULL },
};

/* RSA-PSS: the same key object, of the default provider's RSA-PSS type (its restrictions kept). */
const OSSL_DISPATCH vfc__rsa_pss_keymgmt[] = {
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))k_new_pss },
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))k_free },
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))k_has },
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))k_match },
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))k_import },
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))k_types },
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))k_export },
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))k_types },
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))k_get_params },
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))k_gettable_params_pss },
	{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))k_dup },
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))k_query_name_pss },
	{ OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))g_init_pss },
	{ OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))g_set_params },
	{ OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))g_settable_params_pss },
	{ OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))g_gen },
	{ OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))g_cleanup },
	{ 0, NULL },
};
