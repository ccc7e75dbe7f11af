/* SPDX-License-Identifier: MIT */
/* pf_fix.h - the fixture of the PF tests: a PF of two VFs with one VF open, AES session and descriptor shortcuts. */
#ifndef VFC_TESTS_PF_FIX_H
#define VFC_TESTS_PF_FIX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfh.h"

#define SRC 0u
#define DST (1u << 20)
#define BIG (64u << 10)

struct fix {
	struct vfc_pf *pf;
	struct pfh_vf v;
};

static inline int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->pf = pfh_pf(2, 1);
	pfh_open(f->pf, UINT32_MAX, &f->v);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fix *f = *state;

	pfh_close(&f->v);
	vfc_pf_free(f->pf);
	free(f);
	return 0;
}

static inline uint32_t aes_session(struct pfh_vf *v, const uint8_t key[16], uint32_t *key_handle)
{
	uint32_t k, s;

	assert_int_equal(pfh_key_import(v, VFC_KEY_AES128, key, 16, &k), 0);
	assert_int_equal(pfh_session(v, VFC_ALG_AES128_CBC, k, &s), 0);
	if (key_handle)
		*key_handle = k;
	return s;
}

static inline struct vfc_req_desc cipher_desc(uint16_t op, uint32_t s, uint32_t src, uint32_t dst,
					      uint32_t len, const uint8_t iv[16])
{
	struct vfc_req_desc d = pfh_desc(op, s, src, len, dst, len);

	memcpy(d.iv, iv, 16);
	return d;
}

#endif
