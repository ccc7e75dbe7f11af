/* SPDX-License-Identifier: MIT */
/* test_driver_kat.c - known answers through the driver: NIST SP 800-38A F.2.1/F.2.2, FIPS 180-2 SHA-256. */
#include "driver_test.h"

#include "aes_cbc_kat.h"
#include "sha256_kat.h"

static void test_aes_cbc_kat(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	struct vfc_session *s = t_aes_session(vf, vfc_kat_aes128_key);
	uint8_t out[64], iv[16];
	int i;

	(void)state;
	/* F.2.1: encrypt the four blocks at once. */
	assert_int_equal(vfc_cipher(s, 1, vfc_kat_aes128_cbc_iv, vfc_kat_aes128_cbc_pt, 64, out, iv), 0);
	assert_memory_equal(out, vfc_kat_aes128_cbc_ct, 64);
	assert_memory_equal(iv, vfc_kat_aes128_cbc_ct + 48, 16);
	/* F.2.2: decrypt block by block, chaining the IV through iv_out. */
	memcpy(iv, vfc_kat_aes128_cbc_iv, 16);
	for (i = 0; i < 4; i++)
		assert_int_equal(vfc_cipher(s, 0, iv, vfc_kat_aes128_cbc_ct + 16 * i, 16, out + 16 * i, iv),
				 0);
	assert_memory_equal(out, vfc_kat_aes128_cbc_pt, 64);
	/* Encrypt block by block too. */
	memcpy(iv, vfc_kat_aes128_cbc_iv, 16);
	for (i = 0; i < 4; i++)
		assert_int_equal(vfc_cipher(s, 1, iv, vfc_kat_aes128_cbc_pt + 16 * i, 16, out + 16 * i, iv),
				 0);
	assert_memory_equal(out, vfc_kat_aes128_cbc_ct, 64);
	vfc_vf_close(vf);
}

static void test_sha256_kat(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_POLL);
	struct vfc_session *s = t_sha_session(vf);
	uint8_t *a = t_malloc(VFC_KAT_SHA256_MILLION_A), md[32];
	size_t done, piece, k;

	(void)state;
	assert_int_equal(vfc_digest(s, vfc_kat_sha256_msg1, strlen(vfc_kat_sha256_msg1), md), 0);
	assert_memory_equal(md, vfc_kat_sha256_md1, 32);
	assert_int_equal(vfc_digest(s, vfc_kat_sha256_msg2, strlen(vfc_kat_sha256_msg2), md), 0);
	assert_memory_equal(md, vfc_kat_sha256_md2, 32);
	/* One million 'a': more than one request (chunks) in a single vfc_digest. */
	memset(a, 'a', VFC_KAT_SHA256_MILLION_A);
	assert_int_equal(vfc_digest(s, a, VFC_KAT_SHA256_MILLION_A, md), 0);
	assert_memory_equal(md, vfc_kat_sha256_md3, 32);

	/* Multi-part in uneven pieces: 1, 2, 3, ... then big ones. */
	assert_int_equal(vfc_digest_init(s), 0);
	for (done = 0, k = 1; done < VFC_KAT_SHA256_MILLION_A; done += piece, k++) {
		piece = k < 40 ? k : k * 7919;
		if (piece > VFC_KAT_SHA256_MILLION_A - done)
			piece = VFC_KAT_SHA256_MILLION_A - done;
		assert_int_equal(vfc_digest_update(s, a + done, piece), 0);
	}
	assert_int_equal(vfc_digest_final(s, md), 0);
	assert_memory_equal(md, vfc_kat_sha256_md3, 32);

	/* "abc" split 1 + 2, then the same session reused for the two-block message. */
	assert_int_equal(vfc_digest_init(s), 0);
	assert_int_equal(vfc_digest_update(s, "a", 1), 0);
	assert_int_equal(vfc_digest_update(s, "bc", 2), 0);
	assert_int_equal(vfc_digest_final(s, md), 0);
	assert_memory_equal(md, vfc_kat_sha256_md1, 32);
	assert_int_equal(vfc_digest_init(s), 0);
	assert_int_equal(vfc_digest_update(s, vfc_kat_sha256_msg2, 20), 0);
	assert_int_equal(vfc_digest_update(s, vfc_kat_sha256_msg2 + 20, 0), 0);
	assert_int_equal(vfc_digest_update(s, vfc_kat_sha256_msg2 + 20, strlen(vfc_kat_sha256_msg2) - 20), 0);
	assert_int_equal(vfc_digest_final(s, md), 0);
	assert_memory_equal(md, vfc_kat_sha256_md2, 32);
	free(a);
	vfc_vf_close(vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aes_cbc_kat),
		cmocka_unit_test(test_sha256_kat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
