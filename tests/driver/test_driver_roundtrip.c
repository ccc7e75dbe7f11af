/* SPDX-License-Identifier: MIT */
/* test_driver_roundtrip.c - sync helpers against OpenSSL EVP: cipher, stream padding, digest; API errors. */
#include "driver_test.h"

static const size_t cipher_sizes[] = {
	16, 32, 48, 1008, 4096, 65536 + 16, 262144 - 16, 262144, 262144 + 16, 700000 - 700000 % 16, 1u << 20,
};

/* vfc_cipher both ways against EVP, IV chaining, in place, in one irq mode. */
static void cipher_roundtrip(enum vfc_irq_mode mode)
{
	struct vfc_vf *vf = t_open(mode);
	size_t max = 1u << 20, i, len, cut;
	uint8_t key[16], iv[16], iv_out[16], iv2[16];
	uint8_t *pt = t_malloc(max), *ct = t_malloc(max), *ref = t_malloc(max), *back = t_malloc(max);
	struct vfc_session *s;

	t_rand(key, sizeof(key));
	s = t_aes_session(vf, key);
	for (i = 0; i < sizeof(cipher_sizes) / sizeof(cipher_sizes[0]); i++) {
		len = cipher_sizes[i];
		t_rand(iv, sizeof(iv));
		t_rand(pt, len);
		assert_int_equal(ref_aes(1, 0, key, iv, pt, len, ref), len);
		assert_int_equal(vfc_cipher(s, 1, iv, pt, len, ct, iv_out), 0);
		assert_memory_equal(ct, ref, len);
		/* Encrypt chains on the last ciphertext block. */
		assert_memory_equal(iv_out, ct + len - 16, 16);
		assert_int_equal(vfc_cipher(s, 0, iv, ct, len, back, iv_out), 0);
		assert_memory_equal(back, pt, len);
		/* Decrypt chains on the last input block. */
		assert_memory_equal(iv_out, ct + len - 16, 16);

		/* Two calls chained through iv_out equal one call. */
		cut = (t_randn(len / 16 + 1)) * 16;
		assert_int_equal(vfc_cipher(s, 1, iv, pt, cut, ct, iv2), 0);
		assert_int_equal(vfc_cipher(s, 1, cut ? iv2 : iv, pt + cut, len - cut, ct + cut, NULL), 0);
		assert_memory_equal(ct, ref, len);
		assert_int_equal(vfc_cipher(s, 0, iv, ct, cut, back, iv2), 0);
		assert_int_equal(vfc_cipher(s, 0, cut ? iv2 : iv, ct + cut, len - cut, back + cut, NULL), 0);
		assert_memory_equal(back, pt, len);

		/* In place. */
		memcpy(back, pt, len);
		assert_int_equal(vfc_cipher(s, 1, iv, back, len, back, NULL), 0);
		assert_memory_equal(back, ref, len);
		assert_int_equal(vfc_cipher(s, 0, iv, back, len, back, NULL), 0);
		assert_memory_equal(back, pt, len);
	}
	/* Bad input. */
	assert_int_equal(vfc_cipher(s, 1, iv, pt, 15, ct, NULL), -EINVAL);
	assert_int_equal(vfc_cipher(s, 1, iv, pt, 0, ct, iv_out), 0);
	assert_memory_equal(iv_out, iv, 16);
	free(pt);
	free(ct);
	free(ref);
	free(back);
	vfc_vf_close(vf); /* frees the session and the key it left */
}

static void test_cipher_interrupt(void **state)
{
	(void)state;
	cipher_roundtrip(VFC_IRQ_INTERRUPT);
}

static void test_cipher_poll(void **state)
{
	(void)state;
	cipher_roundtrip(VFC_IRQ_POLL);
}

static void test_cipher_hybrid(void **state)
{
	(void)state;
	cipher_roundtrip(VFC_IRQ_HYBRID);
}

/* Feed st in random pieces; returns the output length. */
static size_t stream_all(struct vfc_cipher_stream *st, const uint8_t *in, size_t len, uint8_t *out,
			 int expect_final)
{
	size_t done = 0, o = 0, piece, n;

	while (done < len) {
		piece = 1 + t_randn(t_randn(2) ? 40 : 30000);
		if (piece > len - done)
			piece = len - done;
		assert_int_equal(vfc_cipher_stream_update(st, in + done, piece, out + o, &n), 0);
		assert_true(n <= piece + 16);
		done += piece;
		o += n;
	}
	assert_int_equal(vfc_cipher_stream_final(st, out + o, &n), expect_final);
	if (expect_final == 0) {
		assert_true(n <= 16);
		o += n;
	}
	return o;
}

static void test_stream_padding(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	size_t max = 70000 + 32, len, n, i;
	uint8_t key[16], iv[16];
	uint8_t *pt = t_malloc(max), *ct = t_malloc(max), *ref = t_malloc(max), *back = t_malloc(max);
	struct vfc_cipher_stream st;
	struct vfc_session *s;
	int iter;

	(void)state;
	t_rand(key, sizeof(key));
	s = t_aes_session(vf, key);
	for (iter = 0; iter < 40; iter++) {
		/* 0..70000 bytes, with the block boundaries well represented. */
		len = iter < 34 ? t_randn(70001) : (size_t)(iter - 34) * 8;
		t_rand(iv, sizeof(iv));
		t_rand(pt, len);
		n = ref_aes(1, 1, key, iv, pt, len, ref);
		assert_int_equal(n, len / 16 * 16 + 16);
		assert_int_equal(vfc_cipher_stream_init(&st, s, 1, 1, iv), 0);
		assert_int_equal(stream_all(&st, pt, len, ct, 0), n);
		assert_memory_equal(ct, ref, n);
		/* Decrypt EVP's ciphertext. */
		assert_int_equal(vfc_cipher_stream_init(&st, s, 0, 1, iv), 0);
		assert_int_equal(stream_all(&st, ref, n, back, 0), len);
		assert_memory_equal(back, pt, len);
		/* In place, one update. */
		memcpy(back, pt, len);
		assert_int_equal(vfc_cipher_stream_init(&st, s, 1, 1, iv), 0);
		assert_int_equal(vfc_cipher_stream_update(&st, back, len, back, &i), 0);
		assert_int_equal(vfc_cipher_stream_final(&st, back + i, &n), 0);
		assert_int_equal(i + n, len / 16 * 16 + 16);
		assert_memory_equal(back, ref, i + n);
	}
	/* No padding: whole blocks round trip; a partial block fails at final. */
	len = 4096 + 48;
	t_rand(pt, len);
	assert_int_equal(ref_aes(1, 0, key, iv, pt, len, ref), len);
	assert_int_equal(vfc_cipher_stream_init(&st, s, 1, 0, iv), 0);
	assert_int_equal(stream_all(&st, pt, len, ct, 0), len);
	assert_memory_equal(ct, ref, len);
	assert_int_equal(vfc_cipher_stream_init(&st, s, 0, 0, iv), 0);
	assert_int_equal(stream_all(&st, ct, len, back, 0), len);
	assert_memory_equal(back, pt, len);
	assert_int_equal(vfc_cipher_stream_init(&st, s, 1, 0, iv), 0);
	stream_all(&st, pt, 100, ct, -EINVAL);

	/* Padded decryption of a length that is not a multiple of 16, or empty: -EINVAL. */
	assert_int_equal(vfc_cipher_stream_init(&st, s, 0, 1, iv), 0);
	stream_all(&st, ref, 100, back, -EINVAL);
	assert_int_equal(vfc_cipher_stream_init(&st, s, 0, 1, iv), 0);
	stream_all(&st, ref, 0, back, -EINVAL);

	/* Bad padding: last byte 0, last byte too big, inconsistent pad bytes. */
	for (iter = 0; iter < 3; iter++) {
		t_rand(pt, 64);
		pt[63] = iter == 0 ? 0 : iter == 1 ? 17 : 4;
		if (iter == 2)
			pt[61] = 3;
		assert_int_equal(ref_aes(1, 0, key, iv, pt, 64, ct), 64);
		assert_int_equal(vfc_cipher_stream_init(&st, s, 0, 1, iv), 0);
		stream_all(&st, ct, 64, back, -EBADMSG);
	}
	/* Wrong session kind. */
	assert_int_equal(vfc_cipher_stream_init(&st, t_sha_session(vf), 1, 1, iv), -EINVAL);
	free(pt);
	free(ct);
	free(ref);
	free(back);
	vfc_vf_close(vf);
}

static const size_t digest_sizes[] = {
	0, 1, 3, 55, 56, 63, 64, 65, 1000, 262144 - 1, 262144, 262144 + 1, 600001, 1u << 20,
};

static void test_digest_roundtrip(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_HYBRID);
	struct vfc_session *s = t_sha_session(vf);
	size_t max = 1u << 20, i, len, done, piece;
	uint8_t *m = t_malloc(max), ref[32], out[32];

	(void)state;
	for (i = 0; i < sizeof(digest_sizes) / sizeof(digest_sizes[0]); i++) {
		len = digest_sizes[i];
		t_rand(m, len);
		ref_sha256(m, len, ref);
		memset(out, 0, sizeof(out));
		assert_int_equal(vfc_digest(s, m, len, out), 0);
		assert_memory_equal(out, ref, 32);
		/* Multi-part, uneven pieces, empty updates in between. */
		assert_int_equal(vfc_digest_init(s), 0);
		for (done = 0; done < len; done += piece) {
			piece = t_randn(2) ? t_randn(100) : t_randn(400000);
			if (piece > len - done)
				piece = len - done;
			assert_int_equal(vfc_digest_update(s, m + done, piece), 0);
		}
		memset(out, 0, sizeof(out));
		assert_int_equal(vfc_digest_final(s, out), 0);
		assert_memory_equal(out, ref, 32);
	}
	/* A cipher-less session refuses cipher work and vice versa. */
	assert_int_equal(vfc_cipher(s, 1, out, m, 16, m, NULL), -EINVAL);
	free(m);
	vfc_vf_close(vf);
}

static void test_api_errors(void **state)
{
	struct vfc_vf_opts o;
	struct vfc_vf *vf, *vfs[8];
	unsigned n = 0;
	uint32_t h;

	(void)state;
	errno = 0;
	assert_null(vfc_vf_open("unix:/nonexistent", NULL)); /* no daemon listens there */
	assert_int_equal(errno, ENOENT);
	assert_null(vfc_vf_open("bogus", NULL));
	assert_int_equal(errno, EPROTONOSUPPORT);

	vf = t_open(VFC_IRQ_INTERRUPT);
	/* The embedded device is running with 256 entries: another size conflicts. */
	vfc_vf_opts_init(&o);
	o.ring_entries = 512;
	errno = 0;
	assert_null(vfc_vf_open(NULL, &o));
	assert_int_equal(errno, EINVAL);
	/* Every VF claimed: EBUSY. */
	vfc_vf_opts_init(&o);
	while (n < 8 && (vfs[n] = vfc_vf_open("embedded", &o)) != NULL)
		n++;
	assert_int_equal(n, 3); /* 4 VFs by default, one taken above */
	assert_int_equal(errno, EBUSY);
	/* A specific VF that is taken. */
	o.vf_id = (int)vfc_vf_id(vf);
	assert_null(vfc_vf_open("", &o));
	assert_int_equal(errno, EBUSY);
	while (n)
		vfc_vf_close(vfs[--n]);

	errno = 0;
	assert_null(vfc_buf_alloc(vf, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(vfc_buf_alloc(vf, (16u << 20) + 1));
	assert_int_equal(errno, ENOMEM);
	vfc_buf_free(vf, NULL);
	vfc_buf_free(vf, &n); /* not a pool buffer: ignored */
	assert_int_equal(vfc_vf_set_irq_mode(vf, (enum vfc_irq_mode)7, 0), -EINVAL);
	assert_int_not_equal(vfc_key_import(vf, VFC_KEY_AES128, "short", 5, &h), 0);
	assert_int_equal(vfc_key_free(vf, 0xdead) < 0, 1);
	errno = 0;
	assert_null(vfc_session_create(vf, VFC_ALG_AES128_CBC, 0xdead));
	assert_int_not_equal(errno, 0);
	assert_string_equal(vfc_strerror(-EBADMSG), "verification failure or bad padding");
	assert_string_equal(vfc_strerror(-EIO), "VF failed (reset it)");
	assert_string_equal(vfc_strerror(0), "success");
	assert_non_null(vfc_strerror(-ENOMEM));
	assert_true(strlen(vfc_strerror(-ENOMEM)) > 0);
	vfc_session_free(NULL);
	vfc_vf_close(vf);
	vfc_vf_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_errors),
		cmocka_unit_test(test_cipher_interrupt),
		cmocka_unit_test(test_cipher_poll),
		cmocka_unit_test(test_cipher_hybrid),
		cmocka_unit_test(test_stream_padding),
		cmocka_unit_test(test_digest_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
