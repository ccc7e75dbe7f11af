/* SPDX-License-Identifier: MIT */
/* test_driver_fork.c - a child of fork() gets an embedded device and VF of its own; the parent's VF and counters are untouched. */
#include "driver_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aes_cbc_kat.h"
#include "sha256_kat.h"

/* The ops one kat() asks for: AES encrypt, AES decrypt, two SHA-256 messages. */
#define KAT_OPS 4

/*
 * NIST SP 800-38A F.2.1/F.2.2 and FIPS 180-2 SHA-256 through vf. No cmocka
 * asserts (a child runs it too): 0 if every answer is right, else which failed.
 */
static int kat(struct vfc_vf *vf)
{
	struct vfc_session *a = NULL, *h = NULL;
	uint8_t out[64], iv[16], md[32];
	uint32_t key = 0;
	int rc = 1;

	if (vfc_key_import(vf, VFC_KEY_AES128, vfc_kat_aes128_key, 16, &key) < 0)
		return 1;
	a = vfc_session_create(vf, VFC_ALG_AES128_CBC, key);
	h = vfc_session_create(vf, VFC_ALG_SHA256, 0);
	if (!a || !h)
		goto out;
	rc = 2;
	if (vfc_cipher(a, 1, vfc_kat_aes128_cbc_iv, vfc_kat_aes128_cbc_pt, 64, out, iv) ||
	    memcmp(out, vfc_kat_aes128_cbc_ct, 64))
		goto out;
	rc = 3;
	if (vfc_cipher(a, 0, vfc_kat_aes128_cbc_iv, vfc_kat_aes128_cbc_ct, 64, out, iv) ||
	    memcmp(out, vfc_kat_aes128_cbc_pt, 64))
		goto out;
	rc = 4;
	if (vfc_digest(h, vfc_kat_sha256_msg1, strlen(vfc_kat_sha256_msg1), md) ||
	    memcmp(md, vfc_kat_sha256_md1, 32))
		goto out;
	if (vfc_digest(h, vfc_kat_sha256_msg2, strlen(vfc_kat_sha256_msg2), md) ||
	    memcmp(md, vfc_kat_sha256_md2, 32))
		goto out;
	rc = 0;
out:
	vfc_session_free(a);
	vfc_session_free(h);
	vfc_key_free(vf, key);
	return rc;
}

/* The device's op counter of vf once it has caught up with `want`, or what it shows after 2 s. */
static uint64_t ops_settled(struct vfc_vf *vf, uint64_t want)
{
	uint64_t end = vfc_now_ns() + 2000000000ull;
	struct vfc_vf_stats st;

	do {
		if (vfc_vf_stats(vf, &st))
			return UINT64_MAX;
	} while (st.ops < want && vfc_now_ns() < end);
	return st.ops;
}

/* A process that must open its own VF: KATs on it, counted on it. Exit code: 0 or where it failed. */
static int own_vf(void)
{
	struct vfc_vf_opts o;
	struct vfc_vf *vf;
	int rc;

	vfc_vf_opts_init(&o);
	vf = vfc_vf_open(NULL, &o);
	if (!vf)
		return 10;
	rc = kat(vf);
	if (rc)
		return 10 + rc;
	if (ops_settled(vf, KAT_OPS) != KAT_OPS) /* a fresh device: only this process's work */
		return 20;
	vfc_vf_close(vf);
	return 0;
}

/* The child: the parent's VF is not usable here (refused, not hung), a VF of its own is, and so in a grandchild. */
static int child(struct vfc_vf *inherited)
{
	uint8_t md[32];
	struct vfc_session *h;
	int rc, status;
	pid_t pid;

	alarm(30); /* a child stuck on a device without engines dies, and the test fails */
	h = vfc_session_create(inherited, VFC_ALG_SHA256, 0);
	if (h && vfc_digest(h, "abc", 3, md) == 0)
		return 30; /* work reached the parent's rings */
	vfc_vf_close(inherited); /* frees the handle; the VF stays the parent's */
	rc = own_vf();
	if (rc)
		return rc;
	pid = fork();
	if (pid < 0)
		return 40;
	if (pid == 0)
		_exit(own_vf());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 41;
	return WEXITSTATUS(status) ? 50 + WEXITSTATUS(status) % 50 : 0;
}

static void test_fork_own_vf(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT), *busy = t_open(VFC_IRQ_POLL);
	uint64_t before;
	int status, rounds = 0;
	pid_t pid, w;

	(void)state;
	assert_int_equal(kat(vf), 0);
	before = ops_settled(vf, KAT_OPS);
	assert_int_equal(before, KAT_OPS);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(vf));
	/* The parent's engines keep working (on another of its VFs) while the child runs. */
	do {
		assert_int_equal(kat(busy), 0);
		rounds++;
		w = waitpid(pid, &status, WNOHANG);
	} while (w == 0);
	assert_int_equal(w, pid);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(rounds > 0);
	/* None of the child's work was counted on the parent's VF; it still works. */
	assert_int_equal(ops_settled(vf, 0), before);
	assert_int_equal(kat(vf), 0);
	assert_int_equal(ops_settled(vf, before + KAT_OPS), before + KAT_OPS);
	vfc_vf_close(busy);
	vfc_vf_close(vf);
}

/* Nothing open at the fork: the child's first open makes a device as any process's would. */
static void test_fork_after_close(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(kat(vf), 0);
	vfc_vf_close(vf);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);
		_exit(own_vf());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_own_vf),
		cmocka_unit_test(test_fork_after_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
