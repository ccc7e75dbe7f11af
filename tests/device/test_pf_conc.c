/* SPDX-License-Identifier: MIT */
/* test_pf_conc.c - the PF under concurrency: ring corruption isolated per VF, moderation, many tenants. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "os/clock.h"
#include "aes_cbc_kat.h"
#include "pfh.h"
#include "sha256_kat.h"

/* Block on the interrupt eventfd up to timeout_ms; returns the interrupts read (0 = none came). */
static uint64_t wait_irq(struct pfh_vf *v, int timeout_ms)
{
	struct pollfd p = { .fd = v->fds.irq_fd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	return pfh_irqs(v);
}

static void ring_doorbell(struct pfh_vf *v)
{
	uint64_t one = 1;

	assert_int_equal(write(v->fds.doorbell_fd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

/* ---- a tenant that encrypts and hashes and checks every answer ---- */

struct worker {
	struct vfc_pf *pf;
	uint32_t vf_id; /* UINT32_MAX: any */
	unsigned rounds;
	bool churn;     /* also create/free sessions and change moderation every round */
	int failures;
	pthread_t t;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pfh_vf v;
	uint32_t k, aes = 0, sha = 0;
	struct vfc_req_desc d[12];
	struct vfc_resp_desc r;

	pfh_open(w->pf, w->vf_id, &v);
	assert_int_equal(pfh_key_import(&v, VFC_KEY_AES128, vfc_kat_aes128_key, 16, &k), 0);
	for (unsigned round = 0; round < w->rounds; round++) {
		unsigned n = 0;

		if (round == 0 || w->churn) {
			struct vfc_moderation m = { .cap_hz = (round % 3) * 20000u };

			if (aes) {
				assert_int_equal(pfh_session_free(&v, aes), 0);
				assert_int_equal(pfh_session_free(&v, sha), 0);
			}
			assert_int_equal(pfh_session(&v, VFC_ALG_AES128_CBC, k, &aes), 0);
			assert_int_equal(pfh_session(&v, VFC_ALG_SHA256, 0, &sha), 0);
			assert_int_equal(pfh_moderation(&v, &m, NULL), 0);
		}
		/* One burst: the KAT encryption, and the 448-bit message hashed in
		 * 8 dependent pieces (FIRST ... LAST): the session must see them in order. */
		memcpy(v.pool, vfc_kat_aes128_cbc_pt, 64);
		memcpy(v.pool + 4096, vfc_kat_sha256_msg2, 56);
		d[n] = pfh_desc(VFC_OP_CIPHER_ENC, aes, 0, 64, 1024, 64);
		memcpy(d[n++].iv, vfc_kat_aes128_cbc_iv, 16);
		for (unsigned i = 0; i < 8; i++) {
			d[n] = pfh_desc(VFC_OP_HASH, sha, 4096 + 7 * i, 7, 2048, i == 7 ? 32 : 0);
			d[n++].flags = (i == 0 ? VFC_REQ_F_FIRST : 0) | (i == 7 ? VFC_REQ_F_LAST : 0);
		}
		d[n++] = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
		pfh_push_n(&v, d, n);
		for (unsigned i = 0; i < n; i++) {
			if (!pfh_pop(&v, &r, 10000) || r.cookie != d[i].cookie || r.status != 0)
				w->failures++;
		}
		if (memcmp(v.pool + 1024, vfc_kat_aes128_cbc_ct, 64) || memcmp(v.pool + 2048, vfc_kat_sha256_md2, 32))
			w->failures++;
	}
	pfh_close(&v);
	return NULL;
}

static void worker_start(struct worker *w, struct vfc_pf *pf, uint32_t vf_id, unsigned rounds, bool churn)
{
	memset(w, 0, sizeof(*w));
	w->pf = pf;
	w->vf_id = vf_id;
	w->rounds = rounds;
	w->churn = churn;
	assert_int_equal(pthread_create(&w->t, NULL, worker_main, w), 0);
}

static void worker_join(struct worker *w)
{
	assert_int_equal(pthread_join(w->t, NULL), 0);
	assert_int_equal(w->failures, 0);
}

/* ---- tests ---- */

static void expect_failed(struct vfc_pf *pf, struct pfh_vf *v, uint32_t epoch0, uint64_t resets)
{
	struct vfc_counters c;
	int k = 0;

	/* The device interrupts once so that a blocked tenant sees the failure. An interrupt of the
	 * request before may still be on its way (the eventfd write follows the response): wait for
	 * interrupts until one finds the VF failed. */
	do
		assert_true(wait_irq(v, 5000) >= 1);
	while (atomic_load(&v->hdr->state) != VFC_VF_FAILED && ++k < 10);
	assert_int_equal(atomic_load(&v->hdr->state), VFC_VF_FAILED);
	assert_int_equal(atomic_load(&v->hdr->reset_epoch), epoch0 + 1);
	assert_int_equal(vfc_pf_vf_counters(pf, v->id, &c), 0);
	assert_int_equal(c.state, VFC_VF_FAILED);
	assert_int_equal(c.resets, resets);
	assert_int_equal(atomic_load(&v->hdr->counters.resets), resets);
}

static void test_corrupt_isolation(void **state)
{
	struct vfc_pf *pf = pfh_pf(3, 2);
	struct pfh_vf v;
	struct worker w;
	struct vfc_resp_desc r;
	struct vfc_req_desc d;
	uint32_t epoch;

	(void)state;
	pfh_open(pf, 0, &v);
	worker_start(&w, pf, 1, 150, false);
	assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 1 }).status, 0);

	/* req_tail far ahead of req_head. */
	pfh_irqs(&v);
	epoch = atomic_load(&v.hdr->reset_epoch);
	atomic_store(&v.hdr->req_tail, v.req_tail + 1000);
	ring_doorbell(&v);
	expect_failed(pf, &v, epoch, 1);
	/* A failed VF is not served. */
	d = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
	v.req_tail = 0;
	pfh_push(&v, &d);
	ring_doorbell(&v);
	assert_false(pfh_pop(&v, &r, 50));

	/* RESET restores it. */
	assert_int_equal(pfh_reset(&v), 0);
	assert_int_equal(atomic_load(&v.hdr->state), VFC_VF_READY);
	assert_int_equal(atomic_load(&v.hdr->req_tail), 0);
	assert_int_equal(atomic_load(&v.hdr->resp_tail), 0);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 100 + i }).status, 0);

	/* resp_head ahead of resp_tail: the tenant claims to have consumed responses never produced. */
	epoch = atomic_load(&v.hdr->reset_epoch);
	pfh_irqs(&v);
	atomic_store(&v.hdr->resp_head, v.resp_head + 5);
	d = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
	pfh_push(&v, &d);
	ring_doorbell(&v);
	expect_failed(pf, &v, epoch, 2);
	assert_int_equal(pfh_reset(&v), 0);
	assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 7 }).status, 0);

	/* The other tenant never noticed. */
	worker_join(&w);
	pfh_close(&v);
	vfc_pf_free(pf);
}

static void test_moderation_cap(void **state)
{
	struct vfc_pf *pf = pfh_pf(1, 1);
	struct vfc_moderation m = { .cap_hz = 1000 }, got;
	struct vfc_counters c0, c1;
	struct vfc_req_desc d[32];
	struct vfc_resp_desc r;
	uint64_t t0, t1, t_irq, irqs;
	unsigned inflight = 0;
	struct pfh_vf v;

	(void)state;
	pfh_open(pf, 0, &v);
	assert_int_equal(pfh_moderation(&v, &m, &got), 0);
	assert_int_equal(got.cap_hz, 1000);
	assert_int_equal(vfc_pf_vf_counters(pf, 0, &c0), 0);

	/* A stream of NOPs at depth 32 for ~0.3 s, completions polled. */
	t0 = vfc_now_ns();
	while (vfc_now_ns() - t0 < 300000000ull) {
		unsigned n = 32 - inflight;

		for (unsigned i = 0; i < n; i++)
			d[i] = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
		pfh_push_n(&v, d, n);
		inflight += n;
		while (pfh_pop(&v, &r, 0)) {
			assert_int_equal(r.status, 0);
			inflight--;
		}
	}
	while (inflight) {
		assert_true(pfh_pop(&v, &r, 5000));
		inflight--;
	}
	/* The last completion is signalled too: a deferred interrupt follows. */
	while (wait_irq(&v, 20) != 0)
		;
	assert_int_equal(vfc_pf_vf_counters(pf, 0, &c1), 0);
	t1 = vfc_now_ns();
	irqs = c1.irqs - c0.irqs;
	print_message("cap 1000 Hz: %llu ops, %llu interrupts in %.3f s\n", (unsigned long long)(c1.ops - c0.ops),
		      (unsigned long long)irqs, (double)(t1 - t0) / 1e9);
	assert_true(irqs >= 2);
	assert_true(irqs <= (t1 - t0) / 1000000ull + 1);
	assert_true(c1.ops - c0.ops > irqs); /* completions were coalesced */
	assert_int_equal(atomic_load(&v.hdr->dev_sleeping), 1); /* idle engine asleep */

	/* 10 Hz: a completion right after an interrupt waits for the gap, then is signalled. */
	m.cap_hz = 10;
	assert_int_equal(pfh_moderation(&v, &m, &got), 0);
	assert_int_equal(atomic_load(&v.hdr->counters.cap_hz), 10);
	usleep(120000); /* past the gap: the next interrupt is due at once */
	pfh_irqs(&v);
	d[0] = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
	pfh_push(&v, &d[0]);
	assert_int_equal(wait_irq(&v, 5000), 1);
	t_irq = vfc_now_ns();
	assert_true(pfh_pop(&v, &r, 1000));
	d[1] = pfh_desc(VFC_OP_NOP, 0, 0, 0, 0, 0);
	pfh_push(&v, &d[1]);
	assert_true(pfh_pop(&v, &r, 1000));
	assert_int_equal(r.cookie, d[1].cookie);
	if (vfc_now_ns() - t_irq < 50000000ull) /* certainly inside the 100 ms gap */
		assert_int_equal(wait_irq(&v, 0), 0);
	/* The engine sleeps meanwhile; the deadline still fires. */
	assert_int_equal(wait_irq(&v, 2000), 1);
	assert_true(vfc_now_ns() - t_irq >= 90000000ull);

	/* Masked (the tenant polls): no interrupts at all. */
	m.cap_hz = 0;
	assert_int_equal(pfh_moderation(&v, &m, NULL), 0);
	atomic_store(&v.hdr->irq_masked, 1);
	pfh_irqs(&v);
	for (int i = 0; i < 20; i++)
		assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 50 + (unsigned)i }).status, 0);
	assert_int_equal(wait_irq(&v, 20), 0);
	atomic_store(&v.hdr->irq_masked, 0);
	assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = 99 }).status, 0);
	assert_int_equal(wait_irq(&v, 1000), 1);

	pfh_close(&v);
	vfc_pf_free(pf);
}

static void test_many_tenants(void **state)
{
	struct vfc_pf_config cfg;
	struct vfc_pf *pf;
	struct worker w[3];
	struct pfh_vf v;

	(void)state;
	cfg = pfh_config(4, VFC_PF_ENGINE_OPENSSL, 16, 1u << 20);
	cfg.n_engines = 2;
	cfg.burst = 4;
	cfg.weights[0] = 3;
	pf = pfh_create(&cfg);
	worker_start(&w[0], pf, 0, 120, false);
	worker_start(&w[1], pf, 1, 60, true);
	worker_start(&w[2], pf, 2, 60, true);
	/* Meanwhile VF 3 changes hands again and again (regions are replaced under the engines). */
	for (int i = 0; i < 15; i++) {
		pfh_open(pf, 3, &v);
		assert_int_equal(pfh_run(&v, &(struct vfc_req_desc){ .cookie = (unsigned)i }).status, 0);
		pfh_close(&v);
	}
	for (int i = 0; i < 3; i++)
		worker_join(&w[i]);
	assert_true(vfc_pf_engine_cpu_ns(pf) > 0);
	vfc_pf_free(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corrupt_isolation),
		cmocka_unit_test(test_moderation_cap),
		cmocka_unit_test(test_many_tenants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
