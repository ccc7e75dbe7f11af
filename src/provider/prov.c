/* SPDX-License-Identifier: MIT */
/* prov.c - the vfcrypt OpenSSL 3 provider's entry point: init, teardown, parameters, the algorithm tables. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "provider/prov.h"

#define RSA_NAMES "RSA:rsaEncryption:1.2.840.113549.1.1.1"

static const OSSL_ALGORITHM CIPHERS[] = {
	{ "AES-128-CBC:AES128:2.16.840.1.101.3.4.1.2", VFC_PROV_PROPS, vfc__cipher_aes128cbc,
	  "AES-128-CBC on a vfcrypt VF" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM DIGESTS[] = {
	{ "SHA2-256:SHA-256:SHA256:2.16.840.1.101.3.4.2.1", VFC_PROV_PROPS, vfc__digest_sha256,
	  "SHA-256 on a vfcrypt VF" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM KEYMGMT[] = {
	{ RSA_NAMES, VFC_PROV_PROPS, vfc__rsa_keymgmt, "RSA keys for a vfcrypt VF" },
	{ "RSA-PSS:RSASSA-PSS:1.2.840.113549.1.1.10", VFC_PROV_PROPS, vfc__rsa_pss_keymgmt,
	  "RSA-PSS keys for a vfcrypt VF" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM SIGNATURES[] = {
	{ RSA_NAMES, VFC_PROV_PROPS, vfc__rsa_signature, "RSA signatures on a vfcrypt VF" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM ASYM_CIPHERS[] = {
	{ RSA_NAMES, VFC_PROV_PROPS, vfc__rsa_asym_cipher, "RSA encryption on a vfcrypt VF" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM *query(void *provctx, int operation_id, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (operation_id) {
	case OSSL_OP_CIPHER:
		return CIPHERS;
	case OSSL_OP_DIGEST:
		return DIGESTS;
	case OSSL_OP_KEYMGMT:
		return KEYMGMT;
	case OSSL_OP_SIGNATURE:
		return SIGNATURES;
	case OSSL_OP_ASYM_CIPHER:
		return ASYM_CIPHERS;
	default:
		return NULL;
	}
}

static const OSSL_PARAM *gettable_params(void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
		OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
		OSSL_PARAM_END,
	};

	(void)provctx;
	return t;
}

static int get_params(void *provctx, OSSL_PARAM params[])
{
	OSSL_PARAM *q;

	(void)provctx;
	q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
	if (q && !OSSL_PARAM_set_utf8_ptr(q, "vfcrypt provider"))
		return 0;
	q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
	if (q && !OSSL_PARAM_set_utf8_ptr(q, "0.1.0"))
		return 0;
	q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
	if (q && !OSSL_PARAM_set_utf8_ptr(q, "vfcrypt"))
		return 0;
	q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
	if (q && !OSSL_PARAM_set_int(q, 1))
		return 0;
	return 1;
}

static void teardown(void *provctx)
{
	struct vfc__prov *p = provctx;

	vfc__digest_fini(p);
	vfc__dev_fini(p);
	vfc__fb_fini(p);
	free(p);
}

static const OSSL_DISPATCH PROVIDER_FNS[] = {
	{ OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))teardown },
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))query },
	{ OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))gettable_params },
	{ OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))get_params },
	{ 0, NULL },
};

/* The module's one exported symbol. The VF is not opened here: on first use, in the process using it. */
__attribute__((visibility("default"))) int OSSL_provider_init(const OSSL_CORE_HANDLE *handle,
							      const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
							      void **provctx)
{
	struct vfc__prov *p = calloc(1, sizeof(*p));

	if (!p)
		return 0;
	p->handle = handle;
	if (vfc__prov_settings_load(&p->set, handle, in) < 0) {
		fprintf(stderr, "vfcrypt: bad setting in the provider's config section or VFCRYPT_* environment\n");
		free(p);
		return 0;
	}
	if (vfc__fb_init(p) < 0) {
		free(p);
		return 0;
	}
	vfc__dev_init(&p->dev);
	vfc__digest_init(p);
	*out = PROVIDER_FNS;
	*provctx = p;
	return 1;
}
