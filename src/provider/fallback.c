/* SPDX-License-Identifier: MIT */
/* fallback.c - the software path: a private library context with OpenSSL's default provider, its algorithms fetched once. */
#include <string.h>

#include <openssl/provider.h>

#include "provider/prov.h"

/* The implementation of name in the default provider's table for operation op. */
static const OSSL_DISPATCH *find_impl(OSSL_PROVIDER *prov, int op, const char *name)
{
	const OSSL_ALGORITHM *a;
	size_t n = strlen(name);
	const char *s;
	int no_cache;

	for (a = OSSL_PROVIDER_query_operation(prov, op, &no_cache); a && a->algorithm_names; a++)
		for (s = a->algorithm_names; s; s = strchr(s, ':') ? strchr(s, ':') + 1 : NULL)
			if (!strncmp(s, name, n) && (s[n] == ':' || s[n] == '\0'))
				return a->implementation;
	return NULL;
}

static int load_cipher(struct vfc__prov *p)
{
	const OSSL_DISPATCH *d = find_impl(p->fb_default, OSSL_OP_CIPHER, "AES-128-CBC");
	struct vfc__fb_cipher *f = &p->fbc;

	for (; d && d->function_id; d++) {
		switch (d->function_id) {
		case OSSL_FUNC_CIPHER_NEWCTX: f->newctx = OSSL_FUNC_cipher_newctx(d); break;
		case OSSL_FUNC_CIPHER_ENCRYPT_INIT: f->einit = OSSL_FUNC_cipher_encrypt_init(d); break;
		case OSSL_FUNC_CIPHER_DECRYPT_INIT: f->dinit = OSSL_FUNC_cipher_decrypt_init(d); break;
		case OSSL_FUNC_CIPHER_UPDATE: f->update = OSSL_FUNC_cipher_update(d); break;
		case OSSL_FUNC_CIPHER_FREECTX: f->freectx = OSSL_FUNC_cipher_freectx(d); break;
		default: break;
		}
	}
	f->provctx = OSSL_PROVIDER_get0_provider_ctx(p->fb_default);
	return f->newctx && f->einit && f->dinit && f->update && f->freectx;
}

static int load_digest(struct vfc__prov *p)
{
	const OSSL_DISPATCH *d = find_impl(p->fb_default, OSSL_OP_DIGEST, "SHA2-256");
	struct vfc__fb_digest *f = &p->fbd;

	for (; d && d->function_id; d++) {
		switch (d->function_id) {
		case OSSL_FUNC_DIGEST_NEWCTX: f->newctx = OSSL_FUNC_digest_newctx(d); break;
		case OSSL_FUNC_DIGEST_INIT: f->init = OSSL_FUNC_digest_init(d); break;
		case OSSL_FUNC_DIGEST_UPDATE: f->update = OSSL_FUNC_digest_update(d); break;
		case OSSL_FUNC_DIGEST_FINAL: f->final = OSSL_FUNC_digest_final(d); break;
		case OSSL_FUNC_DIGEST_FREECTX: f->freectx = OSSL_FUNC_digest_freectx(d); break;
		case OSSL_FUNC_DIGEST_DUPCTX: f->dupctx = OSSL_FUNC_digest_dupctx(d); break;
		default: break;
		}
	}
	f->provctx = OSSL_PROVIDER_get0_provider_ctx(p->fb_default);
	return f->newctx && f->init && f->update && f->final && f->freectx && f->dupctx;
}

/*
 * A library context of our own rather than the caller's: the default provider
 * is there whatever the application loaded, and a fetch can never come back to
 * us. Everything else fetches with "provider=default" from it.
 */
int vfc__fb_init(struct vfc__prov *p)
{
	p->fb_libctx = OSSL_LIB_CTX_new();
	if (!p->fb_libctx)
		return -1;
	p->fb_default = OSSL_PROVIDER_load(p->fb_libctx, "default");
	p->fb_aes = EVP_CIPHER_fetch(p->fb_libctx, "AES-128-CBC", VFC_PROV_FB_PROPQ);
	p->fb_sha256 = EVP_MD_fetch(p->fb_libctx, "SHA2-256", VFC_PROV_FB_PROPQ);
	if (!p->fb_default || !p->fb_aes || !p->fb_sha256 || !load_cipher(p) || !load_digest(p)) {
		vfc__fb_fini(p);
		return -1;
	}
	return 0;
}

void vfc__fb_fini(struct vfc__prov *p)
{
	EVP_CIPHER_free(p->fb_aes);
	EVP_MD_free(p->fb_sha256);
	if (p->fb_default)
		OSSL_PROVIDER_unload(p->fb_default);
	OSSL_LIB_CTX_free(p->fb_libctx);
	p->fb_aes = NULL;
	p->fb_sha256 = NULL;
	p->fb_default = NULL;
	p->fb_libctx = NULL;
}

int vfc__fb_pctx_get_params(EVP_PKEY_CTX *pctx, OSSL_PARAM params[])
{
	return pctx && EVP_PKEY_CTX_get_params(pctx, params);
}

int vfc__fb_pctx_set_params(EVP_PKEY_CTX *pctx, const OSSL_PARAM params[])
{
	if (!params || !params[0].key)
		return 1;
	return pctx && EVP_PKEY_CTX_set_params(pctx, params);
}
