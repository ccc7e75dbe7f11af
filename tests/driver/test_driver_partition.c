/* SPDX-License-Identifier: MIT */
/* test_driver_partition.c - partitioning (paper section 3.2): split requests give the unsplit result, once. */
#include "driver_test.h"

#include "core/model.h"

static const uint32_t b0s[] = { 16, 1000, 4096, 16384 };

/* The synchronous helpers through a partitioning VF equal OpenSSL on the whole input. */
static void test_sync_equal_unsplit(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	uint8_t key[16], iv[16], ivo[16], md[32], want_md[32];
	struct vfc_session *aes, *sha;

	(void)state;
	t_rand(key, 16);
	aes = t_aes_session(vf, key);
	sha = t_sha_session(vf);
	for (size_t b = 0; b < sizeof(b0s) / sizeof(b0s[0]); b++) {
		assert_int_equal(vfc_vf_set_partition(vf, b0s[b]), 0);
		for (int round = 0; round < 6; round++) {
			size_t len = 16 * (1 + t_randn(round < 3 ? 4096 : 65536)); /* up to 64 KiB / 1 MiB */
			uint8_t *pt = t_malloc(len), *ct = t_malloc(len), *want = t_malloc(len), *back = t_malloc(len);

			struct vfc_vf_stats s0, s1;

			t_rand(pt, len);
			t_rand(iv, 16);
			ref_aes(1, 0, key, iv, pt, len, want);
			vfc_vf_stats(vf, &s0);
			assert_int_equal(vfc_cipher(aes, 1, iv, pt, len, ct, ivo), 0);
			assert_memory_equal(ct, want, len);
			/* The device saw the pieces: at least ceil(len / b0) requests. */
			t_stats_settled(vf, s0.ops + vfc_model_pieces(len, b0s[b], 16), &s1);
			assert_true(s1.ops - s0.ops >= vfc_model_pieces(len, b0s[b], 16));
			assert_memory_equal(ivo, want + len - 16, 16);
			assert_int_equal(vfc_cipher(aes, 0, iv, ct, len, back, NULL), 0);
			assert_memory_equal(back, pt, len);

			len -= t_randn(16); /* any length for SHA-256 */
			ref_sha256(pt, len, want_md);
			assert_int_equal(vfc_digest(sha, pt, len, md), 0);
			assert_memory_equal(md, want_md, 32);
			free(pt);
			free(ct);
			free(want);
			free(back);
		}
	}
	assert_int_equal(vfc_vf_set_partition(vf, 8), -EINVAL);
	vfc_session_free(aes);
	vfc_session_free(sha);
	vfc_vf_close(vf);
}

struct part_ctx {
	unsigned calls[64];
	int status[64];
	uint32_t out_len[64];
};

static void part_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct part_ctx *c = op->user;
	size_t i = (size_t)op->iv[15]; /* the op's index (the driver sends no IV with HASH) */

	c->calls[i]++;
	c->status[i] = status;
	c->out_len[i] = out_len;
}

/* The async path: a burst of partitioned ops, each completed exactly once with the whole result;
 * a bad op among them fails alone; the slots all come back. */
static void test_async_pieces(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	const uint32_t len = 64 * 1024 + 48, b0 = 16384;
	uint8_t key[16], *buf[4], want_md[32];
	static uint8_t want[64 * 1024 + 48];
	struct vfc_op ops[4], *pops[4];
	struct part_ctx ctx;
	struct vfc_session *aes, *sha;
	struct vfc_vf_stats st;
	int got = 0;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	t_rand(key, 16);
	aes = t_aes_session(vf, key);
	sha = t_sha_session(vf);
	assert_int_equal(vfc_vf_set_partition(vf, b0), 0);
	for (int i = 0; i < 4; i++) {
		buf[i] = vfc_buf_alloc(vf, len + 32);
		assert_non_null(buf[i]);
		memset(buf[i], 0x11 * (i + 1), len);
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].sess = i == 2 ? sha : aes;
		ops[i].opcode = i == 2 ? VFC_OP_HASH : VFC_OP_CIPHER_ENC;
		ops[i].flags = i == 2 ? VFC_REQ_F_ALL : 0;
		ops[i].src = buf[i];
		ops[i].src_len = len;
		ops[i].dst = i == 2 ? buf[i] + len : buf[i];
		ops[i].dst_len = i == 2 ? 32 : len;
		ops[i].iv[15] = (uint8_t)i;
		ops[i].cb = part_cb;
		ops[i].user = &ctx;
		pops[i] = &ops[i];
	}
	/* Op 3 is bad: its dst is outside the pool, so it goes whole and fails alone. */
	ops[3].dst = want;
	assert_int_equal(vfc_submit_burst(vf, pops, 4), 4);
	vfc_vf_stats(vf, &st);
	/* 3 ops of 5 pieces (ceil(65584 / 16384)), one whole. */
	assert_int_equal(st.in_flight, 3 * vfc_model_pieces(len, b0, 16) + 1);
	while (got < 4) {
		int rc = vfc_wait(vf, 1, 5000000000ll);

		assert_true(rc > 0);
		got += rc;
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(ctx.calls[i], 1);
	vfc_vf_stats(vf, &st);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(ctx.status[3], -EINVAL);
	for (int i = 0; i < 2; i++) {
		static uint8_t pt[64 * 1024 + 48];
		uint8_t iv[16] = { 0 };

		iv[15] = (uint8_t)i;
		memset(pt, 0x11 * (i + 1), len);
		ref_aes(1, 0, key, iv, pt, len, want);
		assert_int_equal(ctx.status[i], 0);
		assert_int_equal(ctx.out_len[i], len);
		assert_memory_equal(buf[i], want, len);
	}
	{
		static uint8_t pt[64 * 1024 + 48];

		memset(pt, 0x33, len);
		ref_sha256(pt, len, want_md);
		assert_int_equal(ctx.status[2], 0);
		assert_int_equal(ctx.out_len[2], 32);
		assert_memory_equal(buf[2] + len, want_md, 32);
	}
	for (int i = 0; i < 4; i++)
		vfc_buf_free(vf, buf[i]);
	vfc_session_free(aes);
	vfc_session_free(sha);
	vfc_vf_close(vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_equal_unsplit),
		cmocka_unit_test(test_async_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
