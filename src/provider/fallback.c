/* SPDX-License-Identifier: MIT */
/* fallback.c - the software path: a private library context with OpenSSL's default provider, its algorithms fetched once. */
#include <openssl/provider.h>

#include "provider/prov.h"

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
	if (!p->fb_default || !p->fb_aes || !p->fb_sha256) {
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
