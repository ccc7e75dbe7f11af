/* SPDX-License-Identifier: MIT */
/* test_driver_fail_once.c - partitioned ops get exactly one callback: the device stops answering (VF failed, transport gone), or answers their pieces out of order. */
#include "driver_test.h"

#include <unistd.h>

#include "core/ring.h"
#include "driver/vf_internal.h"

#define RING 4096u
#define N_OPS 32u
#define OP_BYTES (128u << 10) /* 128 pieces of 1 KiB: N_OPS of them fill the ring */
#define PART_B0 1024u
#define DRAIN_NS 10000000000ull

struct rec {
	struct vfc_op op;
	unsigned calls;
	int status;
	uint32_t out_len;
};

static void count_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct rec *r = op->user;

	r->calls++;
	r->status = status;
	r->out_len = out_len;
}

struct fix {
	struct vfc_vf *vf;
	struct vfc_session *aes, *sha;
	uint8_t *buf[N_OPS];
	struct rec recs[N_OPS];
};

static void fix_open(struct fix *f)
{
	struct vfc_vf_opts o;
	uint8_t key[16];

	memset(f, 0, sizeof(*f));
	vfc_vf_opts_init(&o);
	o.ring_entries = RING;
	f->vf = vfc_vf_open(NULL, &o);
	assert_non_null(f->vf);
	t_rand(key, sizeof(key));
	f->aes = t_aes_session(f->vf, key);
	f->sha = t_sha_session(f->vf);
	assert_int_equal(vfc_vf_set_partition(f->vf, PART_B0), 0);
	for (unsigned i = 0; i < N_OPS; i++) {
		f->buf[i] = vfc_buf_alloc(f->vf, OP_BYTES + 32);
		assert_non_null(f->buf[i]);
		t_rand(f->buf[i], OP_BYTES);
	}
}

static void fix_close(struct fix *f)
{
	for (unsigned i = 0; i < N_OPS; i++)
		vfc_buf_free(f->vf, f->buf[i]);
	vfc_session_free(f->aes);
	vfc_session_free(f->sha);
	vfc_vf_close(f->vf);
}

/* N_OPS partitioned ops, every 4th a SHA-256, the others in-place AES encryptions. */
static void submit_all(struct fix *f)
{
	struct vfc_op *pops[N_OPS];

	for (unsigned i = 0; i < N_OPS; i++) {
		struct rec *r = &f->recs[i];
		bool sha = i % 4 == 3;

		memset(r, 0, sizeof(*r));
		r->op.sess = sha ? f->sha : f->aes;
		r->op.opcode = sha ? VFC_OP_HASH : VFC_OP_CIPHER_ENC;
		r->op.flags = sha ? VFC_REQ_F_ALL : 0;
		r->op.src = f->buf[i];
		r->op.src_len = OP_BYTES;
		r->op.dst = sha ? f->buf[i] + OP_BYTES : f->buf[i];
		r->op.dst_len = sha ? 32 : OP_BYTES;
		r->op.cb = count_cb;
		r->op.user = r;
		pops[i] = &r->op;
	}
	assert_int_equal(vfc_submit_burst(f->vf, pops, N_OPS), N_OPS);
	assert_int_equal(f->vf->in_flight, N_OPS * (OP_BYTES / PART_B0));
}

/* Wait until the driver holds nothing (bounded); then nothing more comes. */
static void drain(struct fix *f, int want_err)
{
	uint64_t end = vfc_now_ns() + DRAIN_NS;
	int rc;

	while (f->vf->in_flight && vfc_now_ns() < end) {
		rc = vfc_wait(f->vf, N_OPS, 100000000);
		assert_true(rc >= 0 || rc == -ETIMEDOUT || rc == want_err);
	}
	assert_int_equal(f->vf->in_flight, 0);
	for (unsigned k = 0; k < 3; k++) {
		rc = vfc_poll(f->vf, 0);
		assert_int_equal(rc, 0);
		rc = vfc_wait(f->vf, 1, 1000000);
		assert_true(rc == 0 || rc == want_err);
	}
}

/* Every op one callback: completed whole, or failed with err. Returns how many failed. */
static unsigned check_once(const struct fix *f, int err)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < N_OPS; i++) {
		const struct rec *r = &f->recs[i];

		if (r->calls != 1)
			fail_msg("op %u: %u callbacks (want exactly 1)", i, r->calls);
		if (r->status) {
			assert_int_equal(r->status, err);
			assert_int_equal(r->out_len, 0);
			failed++;
		} else {
			assert_int_equal(r->out_len, i % 4 == 3 ? 32u : OP_BYTES);
		}
	}
	return failed;
}

/* The device fails the VF (its request tail is corrupt) while pieces are in
 * flight, some ops half answered: each op one callback; reset, and it works. */
static void test_vf_failed(void **state)
{
	struct fix f;
	unsigned failed;

	(void)state;
	fix_open(&f);
	submit_all(&f);
	/* A tail the device cannot accept: it fails the VF on its next look. */
	atomic_store_explicit(&f.vf->hdr->req_tail, f.vf->req_tail + 2 * RING, memory_order_release);
	drain(&f, -EIO);
	failed = check_once(&f, -EIO);
	print_message("VF failed: %u of %u ops failed, the others completed\n", failed, N_OPS);
	assert_int_equal(vfc_vf_reset(f.vf), 0);
	submit_all(&f);
	drain(&f, 0);
	assert_int_equal(check_once(&f, -EIO), 0);
	fix_close(&f);
}

/* The transport goes away (as when vfcd dies) with pieces in flight: each op
 * one callback, with the transport's error; the device that still runs
 * answers into a ring nobody reads as its own any more. */
static void test_transport_gone(void **state)
{
	struct fix f;
	unsigned failed;

	(void)state;
	fix_open(&f);
	submit_all(&f);
	f.vf->t->gone = -ESHUTDOWN;
	drain(&f, -ESHUTDOWN);
	failed = check_once(&f, -ESHUTDOWN);
	print_message("transport gone: %u of %u ops failed, the others completed\n", failed, N_OPS);
	assert_int_equal(vfc_submit_burst(f.vf, (struct vfc_op *const[]){ &f.recs[0].op }, 1), -ESHUTDOWN);
	f.vf->t->gone = 0; /* the embedded device is still there: close it cleanly */
	fix_close(&f);
}

/* ---- pieces answered out of order ---- */

/* Make the device stop serving the VF (it fails it: a corrupt request tail)
 * while the driver, which has not looked, still sees it ready: the test then
 * answers the requests in the device's place, in any order. */
static void device_silence(struct vfc_vf *vf)
{
	struct vfc_region_hdr *h = vf->hdr;
	uint64_t end = vfc_now_ns() + DRAIN_NS;

	uint64_t one = 1;

	atomic_store_explicit(&h->req_tail, vf->req_tail + 2 * RING, memory_order_release);
	assert_int_equal(write(vf->t->doorbell_fd, &one, sizeof(one)), sizeof(one)); /* the engine may sleep */
	while (atomic_load_explicit(&h->state, memory_order_acquire) != VFC_VF_FAILED && vfc_now_ns() < end)
		usleep(1000);
	assert_int_equal(atomic_load_explicit(&h->state, memory_order_acquire), VFC_VF_FAILED);
	atomic_store_explicit(&h->req_tail, vf->req_tail, memory_order_relaxed);
	atomic_store_explicit(&h->state, VFC_VF_READY, memory_order_release);
	vf->epoch = atomic_load_explicit(&h->reset_epoch, memory_order_acquire); /* the device bumped it */
}

/* Post a response for the request descriptor at ring position pos. */
static void answer(struct vfc_vf *vf, uint32_t pos, int status, uint32_t out_len)
{
	struct vfc_region_hdr *h = vf->hdr;
	uint32_t tail = atomic_load_explicit(&h->resp_tail, memory_order_relaxed);
	struct vfc_resp_desc r = { .cookie = vf->req_ring[vfc_ring_slot(pos, vf->entries)].cookie,
				   .status = status, .out_len = out_len };

	vf->resp_ring[vfc_ring_slot(tail, vf->entries)] = r;
	atomic_store_explicit(&h->resp_tail, tail + 1, memory_order_release);
}

/*
 * A partitioned op completes once, when all its pieces are answered, in
 * whatever order they come, with the first error of any piece; the driver
 * writes nothing to it after its callback. It used to complete the op on its
 * last piece's response alone: a piece answered later was lost from the
 * result and written into an op its caller may already have freed or reused.
 */
static void test_pieces_out_of_order(void **state)
{
	static const uint32_t order[2][3] = { { 2, 0, 1 }, { 1, 2, 0 } };
	struct vfc_op *pop;
	struct fix f;
	uint32_t pos;

	(void)state;
	fix_open(&f);
	device_silence(f.vf);
	for (unsigned round = 0; round < 2; round++) {
		struct rec *r = &f.recs[0];
		int err = round == 0 ? -EPROTO : 0;

		memset(r, 0, sizeof(*r));
		r->op.sess = f.aes;
		r->op.opcode = VFC_OP_CIPHER_ENC;
		r->op.src = r->op.dst = f.buf[0];
		r->op.src_len = r->op.dst_len = 3 * PART_B0;
		r->op.cb = count_cb;
		r->op.user = r;
		pop = &r->op;
		pos = f.vf->req_tail;
		assert_int_equal(vfc_submit_burst(f.vf, &pop, 1), 1);
		assert_int_equal(f.vf->in_flight, 3);
		for (unsigned k = 0; k < 3; k++) {
			uint32_t piece = order[round][k];

			/* The middle piece fails in round 0. */
			answer(f.vf, pos + piece, piece == 1 ? err : 0, piece == 1 && err ? 0 : PART_B0);
			assert_int_equal(vfc_poll(f.vf, 0), k == 2 ? 1 : 0);
			assert_int_equal(r->calls, k == 2 ? 1u : 0u);
		}
		assert_int_equal(r->status, err);
		assert_int_equal(r->out_len, err ? 0 : 3 * PART_B0);
		assert_int_equal(r->op.status, err);
		assert_int_equal(r->op.out_len, err ? 0 : 3 * PART_B0);
		assert_int_equal(f.vf->in_flight, 0);
	}
	fix_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vf_failed),
		cmocka_unit_test(test_transport_gone),
		cmocka_unit_test(test_pieces_out_of_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
