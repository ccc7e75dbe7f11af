/* SPDX-License-Identifier: MIT */
/* wipe.c - vfcd's OpenSSL allocator that wipes what it frees: no key material left in freed heap. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon/wipe.h"

static void *wipe_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

/* The whole block, not only what was asked for: OpenSSL may have used the slack. */
static void wipe_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (!p)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* Never realloc in place-or-move: a moved block's old copy would stay behind. */
static void *wipe_realloc(void *p, size_t n, const char *file, int line)
{
	size_t old;
	void *q;

	if (!p)
		return wipe_malloc(n, file, line);
	if (!n) {
		wipe_free(p, file, line);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old)
		return p;
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	wipe_free(p, file, line);
	return q;
}

int vfcd_wipe_openssl_frees(void)
{
	return CRYPTO_set_mem_functions(wipe_malloc, wipe_realloc, wipe_free) ? 0 : -EBUSY;
}
