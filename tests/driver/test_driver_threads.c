/* SPDX-License-Identifier: MIT */
/* test_driver_threads.c - tenants on their own VFs of one embedded device at once; failure isolation. */
#include "driver_test.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "driver/vf_internal.h"

/* cmocka's asserts must not fire off the main thread: workers record the first failure. */
struct worker {
	pthread_t th;
	unsigned idx;
	enum vfc_irq_mode mode;
	int iters;
	_Atomic int *stop; /* run until set, when not NULL */
	_Atomic uint64_t done;
	char err[160];
};

#define W_CHECK(w, cond)                                                                  \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			snprintf((w)->err, sizeof((w)->err), "%s:%d: %s", __FILE__, __LINE__, #cond); \
			goto out;                                                             \
		}                                                                             \
	} while (0)

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t max = T_SANITIZED ? 16384 : 65536, len;
	uint8_t key[16], iv[16], ivo[16], md[32], ref_md[32];
	uint8_t *pt = malloc(max), *ct = malloc(max), *ref = malloc(max), *back = malloc(max);
	struct vfc_session *aes = NULL, *sha = NULL;
	struct vfc_vf_opts o;
	struct vfc_vf *vf = NULL;
	uint32_t h;
	int i, round;

	W_CHECK(w, pt && ct && ref && back);
	/* Open, work, close twice: the embedded device may go away and come back meanwhile. */
	for (round = 0; round < 2; round++) {
		vfc_vf_opts_init(&o);
		o.irq_mode = w->mode;
		vf = vfc_vf_open(NULL, &o);
		W_CHECK(w, vf != NULL);
		RAND_bytes(key, sizeof(key));
		W_CHECK(w, vfc_key_import(vf, VFC_KEY_AES128, key, 16, &h) == 0);
		aes = vfc_session_create(vf, VFC_ALG_AES128_CBC, h);
		sha = vfc_session_create(vf, VFC_ALG_SHA256, 0);
		W_CHECK(w, aes && sha);
		for (i = 0; w->stop ? !atomic_load(w->stop) : i < w->iters; i++) {
			len = 16 * (1 + (size_t)(rand_r(&w->idx) % (max / 16)));
			RAND_bytes(pt, (int)len);
			RAND_bytes(iv, sizeof(iv));
			W_CHECK(w, vfc_cipher(aes, 1, iv, pt, len, ct, ivo) == 0);
			W_CHECK(w, ref_aes(1, 0, key, iv, pt, len, ref) == len);
			W_CHECK(w, memcmp(ct, ref, len) == 0);
			W_CHECK(w, vfc_cipher(aes, 0, iv, ct, len, back, NULL) == 0);
			W_CHECK(w, memcmp(back, pt, len) == 0);
			W_CHECK(w, vfc_digest(sha, pt, len - (size_t)i % 16, md) == 0);
			ref_sha256(pt, len - (size_t)i % 16, ref_md);
			W_CHECK(w, memcmp(md, ref_md, 32) == 0);
			atomic_fetch_add(&w->done, 1);
		}
		vfc_session_free(aes);
		aes = NULL;
		vfc_vf_close(vf); /* frees the SHA session and the key */
		vf = NULL;
		if (w->stop)
			break;
	}
out:
	vfc_session_free(aes);
	vfc_vf_close(vf);
	free(pt);
	free(ct);
	free(ref);
	free(back);
	return NULL;
}

static void test_tenants_at_once(void **state)
{
	struct worker w[4];
	int i;

	(void)state;
	memset(w, 0, sizeof(w));
	for (i = 0; i < 4; i++) {
		w[i].idx = i + 1;
		w[i].mode = (enum vfc_irq_mode)(i % 3);
		w[i].iters = T_SANITIZED ? 5 : 30;
		assert_int_equal(pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].err[0])
			fail_msg("worker %d: %s", i, w[i].err);
		assert_int_equal(atomic_load(&w[i].done), 2 * w[i].iters);
	}
}

/* ---- a tenant that corrupts its ring indices ---- */

#define BIG_OPS 128
#define BIG_BYTES 65536

struct big {
	struct vfc_op op;
	unsigned completions;
};

static void big_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	(void)status;
	(void)out_len;
	((struct big *)op)->completions++;
}

static void test_corrupt_isolated(void **state)
{
	_Atomic int stop = 0;
	struct worker other;
	struct vfc_vf *vf;
	struct vfc_vf_stats st;
	struct vfc_session *s;
	struct big *b = calloc(BIG_OPS, sizeof(*b));
	struct vfc_op *ops[BIG_OPS];
	uint8_t key[16] = { 1 }, buf[64];
	unsigned i, n_ok = 0, n_eio = 0;
	uint64_t before, deadline, one = 1;
	uint32_t tail;
	int k;

	(void)state;
	assert_non_null(b);
	/* Another tenant works on its own VF, in its own thread, the whole time. */
	memset(&other, 0, sizeof(other));
	other.idx = 7;
	other.mode = VFC_IRQ_INTERRUPT;
	other.stop = &stop;
	vf = t_open(VFC_IRQ_INTERRUPT);
	assert_int_equal(pthread_create(&other.th, NULL, worker_main, &other), 0);
	s = t_aes_session(vf, key);
	for (i = 0; i < BIG_OPS; i++) {
		b[i].op.sess = s;
		b[i].op.opcode = VFC_OP_CIPHER_ENC;
		b[i].op.src = b[i].op.dst = vfc_buf_alloc(vf, BIG_BYTES);
		assert_non_null(b[i].op.src);
		b[i].op.src_len = b[i].op.dst_len = BIG_BYTES;
		b[i].op.cb = big_cb;
		ops[i] = &b[i].op;
	}
	k = vfc_submit_burst(vf, ops, BIG_OPS);
	assert_int_equal(k, BIG_OPS);
	/* Scribble over our request tail (an index only the tenant writes) and
	 * ring the doorbell: the device finds the indices insane. */
	tail = atomic_load_explicit(&vf->hdr->req_tail, memory_order_relaxed);
	atomic_store_explicit(&vf->hdr->req_tail, tail + 0x80000000u, memory_order_release);
	assert_int_equal(write(vf->t->doorbell_fd, &one, sizeof(one)), (ssize_t)sizeof(one));

	/* Every op completes exactly once: answered before the failure, or -EIO. */
	k = vfc_wait(vf, BIG_OPS, 10000000000ll);
	assert_int_equal(k, BIG_OPS);
	for (i = 0; i < BIG_OPS; i++) {
		assert_int_equal(b[i].completions, 1);
		if (b[i].op.status == 0)
			n_ok++;
		else if (b[i].op.status == -EIO)
			n_eio++;
		else
			fail_msg("op %u: status %d", i, b[i].op.status);
	}
	assert_int_equal(n_ok + n_eio, BIG_OPS);
	assert_true(n_eio > 0); /* 8 MiB of AES cannot be done before the device looks again */
	assert_int_equal(vfc_vf_stats(vf, &st), 0);
	assert_int_equal(st.state, VFC_VF_FAILED);
	assert_int_equal(st.in_flight, 0);
	assert_true(st.resets >= 1);
	/* Failed: no new work until reset, and nothing completes twice. */
	assert_int_equal(vfc_submit_burst(vf, ops, 1), -EIO);
	assert_int_equal(vfc_cipher(s, 1, key, buf, 64, buf, NULL), -EIO);
	assert_int_equal(vfc_poll(vf, 0), 0);
	assert_int_equal(vfc_wait(vf, 1, 1000000), 0);

	/* The other tenant keeps completing work meanwhile. */
	before = atomic_load(&other.done);
	deadline = vfc_now_ns() + 10000000000ull;
	while (atomic_load(&other.done) < before + 3 && vfc_now_ns() < deadline && !other.err[0])
		usleep(1000);
	assert_true(atomic_load(&other.done) >= before + 3);

	/* Reset: the VF works again, sessions and keys survived. */
	assert_int_equal(vfc_vf_reset(vf), 0);
	assert_int_equal(vfc_vf_stats(vf, &st), 0);
	assert_int_equal(st.state, VFC_VF_READY);
	assert_int_equal(vfc_cipher(s, 1, key, buf, 64, buf, NULL), 0);
	for (i = 0; i < BIG_OPS; i++)
		b[i].completions = 0;
	assert_int_equal(vfc_submit_burst(vf, ops, BIG_OPS), BIG_OPS);
	assert_int_equal(vfc_wait(vf, BIG_OPS, 10000000000ll), BIG_OPS);
	for (i = 0; i < BIG_OPS; i++) {
		assert_int_equal(b[i].completions, 1);
		assert_int_equal(b[i].op.status, 0);
	}
	assert_int_equal(atomic_load(&vf->stale), 0);

	atomic_store(&stop, 1);
	pthread_join(other.th, NULL);
	if (other.err[0])
		fail_msg("other tenant: %s", other.err);
	for (i = 0; i < BIG_OPS; i++)
		vfc_buf_free(vf, b[i].op.dst);
	free(b);
	vfc_vf_close(vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenants_at_once),
		cmocka_unit_test(test_corrupt_isolated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
