/* SPDX-License-Identifier: MIT */
/* test_desc.c - descriptor validation: fields broken in turn per opcode, overflow, overlap, alg/op table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/desc.h"

#define POOL (1u << 20)

/* A valid descriptor of each opcode: src at 0, dst at 64 KiB, aux at 128 KiB. */
static struct vfc_req_desc good(uint16_t op)
{
	struct vfc_req_desc d;

	memset(&d, 0, sizeof(d));
	d.cookie = 0xfeedfacecafebeefull;
	d.opcode = op;
	d.session = 7;
	switch (op) {
	case VFC_OP_NOP:
		break;
	case VFC_OP_CIPHER_ENC:
	case VFC_OP_CIPHER_DEC:
		d.src_off = 0;
		d.src_len = 4096;
		d.dst_off = 65536;
		d.dst_len = 4096;
		for (unsigned int i = 0; i < VFC_AES_BLOCK; i++)
			d.iv[i] = (uint8_t)(i + 1);
		break;
	case VFC_OP_HASH:
		d.flags = VFC_REQ_F_FIRST | VFC_REQ_F_LAST;
		d.src_len = 1000;
		d.dst_off = 65536;
		d.dst_len = VFC_SHA256_LEN;
		break;
	case VFC_OP_SIGN:
	case VFC_OP_PKE_ENC:
	case VFC_OP_PKE_DEC:
		d.src_len = 100;
		d.dst_off = 65536;
		d.dst_len = 512;
		break;
	case VFC_OP_VERIFY:
		d.src_len = 100;
		d.aux_off = 131072;
		d.aux_len = 256;
		break;
	}
	return d;
}

static void test_valid(void **state)
{
	(void)state;
	for (uint16_t op = 0; op < VFC_OP__MAX; op++) {
		struct vfc_req_desc d = good(op);

		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	}
}

static void test_opcode(void **state)
{
	struct vfc_req_desc d = good(VFC_OP_NOP);

	(void)state;
	d.opcode = VFC_OP__MAX;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EOPNOTSUPP);
	d.opcode = 0xffff;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EOPNOTSUPP);
}

/* Fields every opcode checks the same way. */
static void test_common_fields(void **state)
{
	(void)state;
	for (uint16_t op = 0; op < VFC_OP__MAX; op++) {
		struct vfc_req_desc d;

		/* cookie and session are not the validator's business */
		d = good(op);
		d.cookie = UINT64_MAX;
		d.session = UINT32_MAX;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);

		d = good(op);
		d.rsvd = 1;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d.rsvd = 1ull << 63;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);

		/* Unknown flag bits, on every opcode (CHAIN is known on CIPHER_*). */
		for (unsigned int bit = 2; bit < 16; bit++) {
			if ((1u << bit) == VFC_REQ_F_CHAIN && (op == VFC_OP_CIPHER_ENC || op == VFC_OP_CIPHER_DEC))
				continue;
			d = good(op);
			d.flags = (uint16_t)(d.flags | (1u << bit));
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		}
		/* FIRST/LAST only on HASH. */
		if (op != VFC_OP_HASH) {
			d = good(op);
			d.flags = VFC_REQ_F_FIRST;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
			d.flags = VFC_REQ_F_LAST;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		}
		/* CHAIN only on CIPHER_*. */
		d = good(op);
		d.flags = VFC_REQ_F_CHAIN;
		assert_int_equal(vfc_desc_validate(&d, POOL),
				 op == VFC_OP_CIPHER_ENC || op == VFC_OP_CIPHER_DEC ? 0 : -EINVAL);
		/* The IV is reserved outside CIPHER_*. */
		if (op != VFC_OP_CIPHER_ENC && op != VFC_OP_CIPHER_DEC) {
			d = good(op);
			d.iv[VFC_AES_BLOCK - 1] = 1;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		}

		/* Each buffer of nonzero length must lie inside the pool. */
		d = good(op);
		if (d.src_len) {
			d.src_off = POOL - d.src_len + 1;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
			d.src_off = POOL - d.src_len; /* ends exactly at the end: fine */
			assert_int_equal(vfc_desc_validate(&d, POOL), 0);
			d.src_off = POOL;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
			d.src_off = UINT32_MAX;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		}
		d = good(op);
		if (d.dst_len) {
			d.dst_off = POOL - d.dst_len + 1;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
			d.dst_off = POOL - d.dst_len;
			assert_int_equal(vfc_desc_validate(&d, POOL), 0);
			d.dst_off = UINT32_MAX;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		}
		d = good(op);
		if (d.aux_len) {
			d.aux_off = POOL - d.aux_len + 1;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
			d.aux_off = POOL - d.aux_len;
			assert_int_equal(vfc_desc_validate(&d, POOL), 0);
			d.aux_off = UINT32_MAX;
			assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		}
	}
}

/* Offsets near UINT32_MAX with big lengths: a 32-bit sum would wrap into the pool. */
static void test_overflow(void **state)
{
	const uint64_t big_pool = 1ull << 32; /* larger than any 32-bit offset */
	struct vfc_req_desc d;

	(void)state;
	d = good(VFC_OP_NOP);
	d.src_off = UINT32_MAX;
	d.src_len = 2; /* 32-bit sum: 1 */
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	d.src_off = UINT32_MAX - 15;
	d.src_len = UINT32_MAX;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	d.src_off = 0x80000000u;
	d.src_len = 0x80000000u; /* sum exactly 2^32: wraps to 0 in 32 bits */
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	assert_int_equal(vfc_desc_validate(&d, big_pool), 0);
	d.src_len = 0x80000001u;
	assert_int_equal(vfc_desc_validate(&d, big_pool), -EINVAL);

	d = good(VFC_OP_CIPHER_ENC);
	d.dst_off = UINT32_MAX - 15;
	d.dst_len = 0xfffff000u;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	assert_int_equal(vfc_desc_validate(&d, big_pool), -EINVAL);
	d = good(VFC_OP_CIPHER_ENC);
	d.src_off = UINT32_MAX - 15;
	d.src_len = 0xfffffff0u;
	d.dst_len = 0xfffffff0u;
	assert_int_equal(vfc_desc_validate(&d, big_pool), -EINVAL);

	d = good(VFC_OP_VERIFY);
	d.aux_off = 0xffffff00u;
	d.aux_len = 0x200;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	assert_int_equal(vfc_desc_validate(&d, big_pool), -EINVAL);
	d.aux_len = 0x100;
	assert_int_equal(vfc_desc_validate(&d, big_pool), 0);

	/* An empty pool holds nothing but empty buffers. */
	d = good(VFC_OP_NOP);
	assert_int_equal(vfc_desc_validate(&d, 0), 0);
	d.src_len = 1;
	assert_int_equal(vfc_desc_validate(&d, 0), -EINVAL);
}

/* A buffer of length 0 is not checked for its offset. */
static void test_empty_buffers(void **state)
{
	struct vfc_req_desc d;

	(void)state;
	d = good(VFC_OP_NOP);
	d.src_off = UINT32_MAX;
	d.dst_off = UINT32_MAX;
	d.aux_off = UINT32_MAX;
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);

	d = good(VFC_OP_VERIFY);
	d.dst_off = UINT32_MAX;
	d.dst_len = 0;
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);

	d = good(VFC_OP_HASH);
	d.src_off = UINT32_MAX;
	d.src_len = 0; /* hash of the empty message */
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	d.flags = VFC_REQ_F_FIRST; /* no LAST: no digest, dst may be empty */
	d.dst_off = UINT32_MAX;
	d.dst_len = 0;
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	d.flags = 0;
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);

	d = good(VFC_OP_SIGN);
	d.src_len = 0;
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);
}

static void test_nop_any_lengths(void **state)
{
	struct vfc_req_desc d = good(VFC_OP_NOP);

	(void)state;
	d.src_len = 17;
	d.dst_off = 4096;
	d.dst_len = 3;
	d.aux_off = 8192;
	d.aux_len = 5;
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);
}

static void test_cipher_rules(void **state)
{
	(void)state;
	for (uint16_t op = VFC_OP_CIPHER_ENC; op <= VFC_OP_CIPHER_DEC; op++) {
		struct vfc_req_desc d;

		d = good(op);
		d.src_len = 0;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d = good(op);
		d.src_len = 4095;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d.src_len = 8;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d.src_len = 16;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		d = good(op);
		d.dst_len = 4095;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EMSGSIZE);
		d.dst_len = 0;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EMSGSIZE);
		d.dst_len = 8192; /* larger is fine */
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		d = good(op);
		d.aux_off = 131072;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d = good(op);
		d.aux_len = 16;
		d.aux_off = 131072;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d = good(op);
		d.flags = VFC_REQ_F_LAST;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		/* Any IV is fine, zero included. */
		d = good(op);
		memset(d.iv, 0xff, sizeof(d.iv));
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		memset(d.iv, 0, sizeof(d.iv));
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	}
}

static void test_hash_rules(void **state)
{
	struct vfc_req_desc d;

	(void)state;
	d = good(VFC_OP_HASH);
	d.dst_len = VFC_SHA256_LEN - 1;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EMSGSIZE);
	d.flags = VFC_REQ_F_LAST;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EMSGSIZE);
	d.dst_len = 0;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EMSGSIZE);
	d.flags = VFC_REQ_F_FIRST; /* not the last piece: no digest written */
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	d = good(VFC_OP_HASH);
	d.dst_len = 4096;
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	d = good(VFC_OP_HASH);
	d.aux_len = 1;
	d.aux_off = 131072;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	d = good(VFC_OP_HASH);
	d.aux_off = 131072;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	for (uint16_t f = 0; f <= VFC_REQ_F_ALL; f++) {
		d = good(VFC_OP_HASH);
		d.flags = f;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	}
}

static void test_rsa_rules(void **state)
{
	struct vfc_req_desc d;

	(void)state;
	/* SIGN: a place for the signature. */
	d = good(VFC_OP_SIGN);
	d.dst_len = 0;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EMSGSIZE);
	d = good(VFC_OP_SIGN);
	d.dst_len = 1; /* the modulus size is the device's to check */
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	d = good(VFC_OP_SIGN);
	d.aux_off = 131072;
	d.aux_len = 256;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);

	/* VERIFY: a signature. */
	d = good(VFC_OP_VERIFY);
	d.aux_len = 0;
	assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	d = good(VFC_OP_VERIFY);
	d.src_len = 0; /* empty message */
	assert_int_equal(vfc_desc_validate(&d, POOL), 0);

	/* PKE: input and output. */
	for (uint16_t op = VFC_OP_PKE_ENC; op <= VFC_OP_PKE_DEC; op++) {
		d = good(op);
		d.src_len = 0;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d = good(op);
		d.dst_len = 0;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EMSGSIZE);
		d = good(op);
		d.aux_off = 131072;
		d.aux_len = 4;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	}
}

static void test_overlap(void **state)
{
	static const uint16_t ops[] = { VFC_OP_CIPHER_ENC, VFC_OP_CIPHER_DEC, VFC_OP_SIGN, VFC_OP_PKE_ENC,
					VFC_OP_PKE_DEC, VFC_OP_HASH, VFC_OP_NOP };

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct vfc_req_desc d = good(ops[i]);

		if (ops[i] == VFC_OP_NOP) {
			d.src_len = 4096;
			d.dst_off = 65536;
			d.dst_len = 4096;
		}
		/* In place: exactly the same start. */
		d.dst_off = d.src_off;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		/* dst starts inside src. */
		d.dst_off = d.src_off + 16;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		/* dst ends inside src. */
		d.src_off = 8192;
		d.dst_off = 8192 - 16;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		/* src's last byte is dst's first byte. */
		d.dst_off = 8192 + d.src_len - 1;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		/* Adjacent on either side: fine. */
		d.dst_off = 8192 + d.src_len;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		d.dst_off = 8192 - d.dst_len;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	}
	/* In place with a larger dst is still in place. */
	{
		struct vfc_req_desc d = good(VFC_OP_CIPHER_ENC);

		d.dst_off = d.src_off;
		d.dst_len = d.src_len + 16;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	}
	/* dst wholly inside src but not at its start. */
	{
		struct vfc_req_desc d = good(VFC_OP_SIGN);

		d.src_off = 0;
		d.src_len = 4096;
		d.dst_off = 1024;
		d.dst_len = 512;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
	}
	/* aux against dst: no overlap at all (VERIFY's dst may be present). */
	{
		struct vfc_req_desc d = good(VFC_OP_VERIFY);

		d.dst_off = 65536;
		d.dst_len = 512;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		d.aux_off = d.dst_off;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d.aux_off = d.dst_off + 511;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d.aux_off = d.dst_off - d.aux_len + 1;
		assert_int_equal(vfc_desc_validate(&d, POOL), -EINVAL);
		d.aux_off = d.dst_off + 512;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		/* aux and src are both read: sharing is fine. */
		d = good(VFC_OP_VERIFY);
		d.aux_off = d.src_off + 10;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
		d.aux_off = d.src_off;
		assert_int_equal(vfc_desc_validate(&d, POOL), 0);
	}
}

static void test_alg_allows(void **state)
{
	/* allowed[alg][op], from the comments in enum vfc_alg */
	static const bool allowed[VFC_ALG__MAX][VFC_OP__MAX] = {
		[VFC_ALG_AES128_CBC] = { [VFC_OP_NOP] = true, [VFC_OP_CIPHER_ENC] = true, [VFC_OP_CIPHER_DEC] = true },
		[VFC_ALG_SHA256] = { [VFC_OP_NOP] = true, [VFC_OP_HASH] = true },
		[VFC_ALG_RSA_PKCS1_SHA256] = { [VFC_OP_NOP] = true, [VFC_OP_SIGN] = true, [VFC_OP_VERIFY] = true },
		[VFC_ALG_RSA_PSS_SHA256] = { [VFC_OP_NOP] = true, [VFC_OP_SIGN] = true, [VFC_OP_VERIFY] = true },
		[VFC_ALG_RSA_OAEP] = { [VFC_OP_NOP] = true, [VFC_OP_PKE_ENC] = true, [VFC_OP_PKE_DEC] = true },
	};

	(void)state;
	for (uint32_t alg = 0; alg < VFC_ALG__MAX; alg++)
		for (uint16_t op = 0; op < VFC_OP__MAX; op++) {
			if (vfc_alg_allows(alg, op) != allowed[alg][op])
				fail_msg("alg %u op %u: got %d", alg, op, !allowed[alg][op]);
		}
	/* Out of range on either side. */
	for (uint16_t op = 0; op <= VFC_OP__MAX; op++) {
		assert_false(vfc_alg_allows(VFC_ALG__MAX, op));
		assert_false(vfc_alg_allows(UINT32_MAX, op));
	}
	for (uint32_t alg = 1; alg < VFC_ALG__MAX; alg++) {
		assert_false(vfc_alg_allows(alg, VFC_OP__MAX));
		assert_false(vfc_alg_allows(alg, UINT16_MAX));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_opcode),
		cmocka_unit_test(test_common_fields),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_empty_buffers),
		cmocka_unit_test(test_nop_any_lengths),
		cmocka_unit_test(test_cipher_rules),
		cmocka_unit_test(test_hash_rules),
		cmocka_unit_test(test_rsa_rules),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_alg_allows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
