/* SPDX-License-Identifier: MIT */
/* prov_ctx.h - the library context of the provider's cmocka tests: vfcrypt.so and default loaded from the build tree, AES-128-CBC and SHA-256 fetched from each (one test program per includer). */
#ifndef VFC_TEST_PROV_CTX_H
#define VFC_TEST_PROV_CTX_H

#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

static OSSL_LIB_CTX *lib;
static OSSL_PROVIDER *pv, *pd;
static EVP_CIPHER *vaes, *daes;
static EVP_MD *vsha, *dsha;

/* Small inputs go to software below this many bytes (VFCRYPT_SMALL_THRESHOLD). 0 = all loaded. */
static inline int prov_ctx_open(const char *small_threshold)
{
	setenv("VFCRYPT_SMALL_THRESHOLD", small_threshold, 1);
	lib = OSSL_LIB_CTX_new();
	OSSL_PROVIDER_set_default_search_path(lib, PROVIDER_DIR);
	pd = OSSL_PROVIDER_load(lib, "default");
	pv = OSSL_PROVIDER_load(lib, "vfcrypt");
	if (!pv || !pd)
		return -1;
	vaes = EVP_CIPHER_fetch(lib, "AES-128-CBC", "provider=vfcrypt");
	daes = EVP_CIPHER_fetch(lib, "AES-128-CBC", "provider=default");
	vsha = EVP_MD_fetch(lib, "SHA256", "provider=vfcrypt");
	dsha = EVP_MD_fetch(lib, "SHA256", "provider=default");
	return vaes && daes && vsha && dsha ? 0 : -1;
}

static inline void prov_ctx_close(void)
{
	EVP_CIPHER_free(vaes);
	EVP_CIPHER_free(daes);
	EVP_MD_free(vsha);
	EVP_MD_free(dsha);
	OSSL_PROVIDER_unload(pv);
	OSSL_PROVIDER_unload(pd);
	OSSL_LIB_CTX_free(lib);
}

#endif
