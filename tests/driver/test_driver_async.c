/* SPDX-License-Identifier: MIT */
/* test_driver_async.c - burst API: zero-copy buffers, callbacks, bad buffers, a million ops, irq modes. */
#include "driver_test.h"

#include "driver/vf_internal.h"

#define DEPTH 32
#define OP_BYTES 4096

struct aop {
	struct vfc_op op;
	uint8_t iv[16];
	uint8_t *pt; /* private copy of the plaintext, to check the result */
	unsigned completions;
	int expect;
};

static unsigned g_cb_total;

static void aop_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct aop *a = (struct aop *)op; /* op is the first member */

	a->completions++;
	g_cb_total++;
	assert_int_equal(status, op->status);
	assert_int_equal(out_len, op->out_len);
	assert_true(op->complete_ns >= op->submit_ns);
	assert_int_equal(status, a->expect);
}

static void test_burst_zero_copy(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	uint8_t key[16], ref[OP_BYTES], *outside = t_malloc(OP_BYTES);
	struct aop a[DEPTH], bad[3];
	struct vfc_op *ops[DEPTH];
	struct vfc_session *s;
	struct vfc_vf_stats st0, st1;
	unsigned i, round;
	size_t len;
	int n, got;

	(void)state;
	t_rand(key, sizeof(key));
	s = t_aes_session(vf, key);
	memset(a, 0, sizeof(a));
	for (i = 0; i < DEPTH; i++) {
		a[i].op.src = vfc_buf_alloc(vf, OP_BYTES);
		a[i].op.dst = vfc_buf_alloc(vf, OP_BYTES);
		assert_non_null(a[i].op.src);
		assert_non_null(a[i].op.dst);
		a[i].pt = t_malloc(OP_BYTES);
		ops[i] = &a[i].op;
	}
	assert_int_equal(vfc_vf_stats(vf, &st0), 0);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < DEPTH; i++) {
			struct vfc_op *o = &a[i].op;

			o->sess = s;
			o->opcode = VFC_OP_CIPHER_ENC;
			o->src_len = o->dst_len = OP_BYTES - 16 * i;
			t_rand((void *)o->src, o->src_len); /* zero copy: written in place */
			memcpy(a[i].pt, o->src, o->src_len);
			t_rand(o->iv, 16);
			memcpy(a[i].iv, o->iv, 16);
			o->cb = aop_cb;
			a[i].completions = 0;
			a[i].expect = 0;
		}
		g_cb_total = 0;
		/* Submit in two bursts, wait for all. */
		n = vfc_submit_burst(vf, ops, DEPTH / 2);
		assert_int_equal(n, DEPTH / 2);
		n = vfc_submit_burst(vf, ops + DEPTH / 2, DEPTH / 2);
		assert_int_equal(n, DEPTH / 2);
		got = vfc_wait(vf, DEPTH, 5000000000ll);
		assert_int_equal(got, DEPTH);
		assert_int_equal(g_cb_total, DEPTH);
		for (i = 0; i < DEPTH; i++) {
			assert_int_equal(a[i].completions, 1);
			assert_int_equal(a[i].op.out_len, a[i].op.src_len);
			len = a[i].op.src_len;
			assert_int_equal(ref_aes(1, 0, key, a[i].iv, a[i].pt, len, ref), len);
			assert_memory_equal(a[i].op.dst, ref, a[i].op.src_len);
		}
	}
	/* Nothing in flight: wait returns at once. */
	assert_int_equal(vfc_wait(vf, 1, 1000000000ll), 0);
	assert_int_equal(vfc_poll(vf, 0), 0);
	t_stats_settled(vf, st0.ops + 20 * DEPTH, &st1);
	assert_int_equal(st1.completions - st0.completions, 20 * DEPTH);
	assert_int_equal(st1.ops - st0.ops, 20 * DEPTH);
	assert_int_equal(st1.in_flight, 0);

	/* Buffers outside the pool complete with -EINVAL, exactly once each. */
	memset(bad, 0, sizeof(bad));
	for (i = 0; i < 3; i++) {
		bad[i].op.sess = s;
		bad[i].op.opcode = VFC_OP_CIPHER_ENC;
		bad[i].op.src_len = bad[i].op.dst_len = 64;
		bad[i].op.cb = aop_cb;
		bad[i].expect = -EINVAL;
		ops[i] = &bad[i].op;
	}
	bad[0].op.src = outside; /* heap memory */
	bad[0].op.dst = a[0].op.dst;
	bad[1].op.src = a[0].op.src;
	bad[1].op.dst = vf->pool_base + vf->pool_size - 32; /* straddles the end of the pool */
	bad[2].op.src = a[0].op.src;
	bad[2].op.dst = a[1].op.dst;
	bad[2].op.aux = outside;
	bad[2].op.aux_len = 16; /* aux on a cipher op */
	g_cb_total = 0;
	assert_int_equal(vfc_submit_burst(vf, ops, 3), 3);
	assert_int_equal(vfc_wait(vf, 3, 5000000000ll), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(bad[i].completions, 1);
	/* ... and the VF keeps working: a NOP with no session, then real work. */
	memset(&bad[0], 0, sizeof(bad[0]));
	bad[0].op.opcode = VFC_OP_NOP;
	bad[0].op.cb = aop_cb;
	ops[0] = &bad[0].op;
	assert_int_equal(vfc_submit_burst(vf, ops, 1), 1);
	assert_int_equal(vfc_wait(vf, 1, 5000000000ll), 1);
	assert_int_equal(bad[0].completions, 1);
	assert_int_equal(vfc_cipher(s, 1, key, a[0].pt, 64, ref, NULL), 0);
	assert_int_equal(vfc_submit_burst(vf, ops, 0), 0);
	assert_int_equal(atomic_load(&vf->stale), 0);

	for (i = 0; i < DEPTH; i++) {
		vfc_buf_free(vf, (void *)a[i].op.src);
		vfc_buf_free(vf, a[i].op.dst);
		free(a[i].pt);
	}
	free(outside);
	vfc_vf_close(vf);
}

/* ---- many tiny requests, exactly one completion each ---- */

struct nop {
	struct vfc_op op;
	uint32_t id;
};

struct nop_run {
	struct vfc_vf *vf;
	uint8_t *count;    /* completions per request id */
	uint32_t next_id;  /* next id to submit */
	uint32_t total;
	uint32_t completed;
	bool resubmit_in_cb;
	struct nop *nops;
	struct vfc_op **free_ops;
	unsigned n_free;
};

static struct nop_run g_run;

static void nop_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct nop *p = (struct nop *)op;
	struct nop_run *r = op->user;
	struct vfc_op *ops[1] = { op };

	(void)out_len;
	if (status != 0)
		fail_msg("request %u: status %d", p->id, status);
	if (++r->count[p->id] != 1)
		fail_msg("request %u completed %u times", p->id, r->count[p->id]);
	r->completed++;
	if (r->resubmit_in_cb && r->next_id < r->total) {
		/* Resubmit from the callback: the response slot was already released. */
		p->id = r->next_id;
		if (vfc_submit_burst(r->vf, ops, 1) == 1) {
			r->next_id++;
			return;
		}
	}
	r->free_ops[r->n_free++] = op;
}

static void nop_run(enum vfc_irq_mode mode, uint32_t total, bool resubmit_in_cb)
{
	struct nop_run *r = &g_run;
	struct vfc_vf_stats st0, st1;
	struct vfc_op *burst[64];
	unsigned i, n, depth;
	uint32_t id;
	int k;

	memset(r, 0, sizeof(*r));
	r->vf = t_open(mode);
	r->total = total;
	r->resubmit_in_cb = resubmit_in_cb;
	r->count = calloc(total, 1);
	assert_non_null(r->count);
	depth = r->vf->entries; /* every slot: the driver must throttle itself */
	r->nops = calloc(depth, sizeof(*r->nops));
	r->free_ops = calloc(depth, sizeof(*r->free_ops));
	assert_non_null(r->nops);
	assert_non_null(r->free_ops);
	for (i = 0; i < depth; i++) {
		r->nops[i].op.opcode = VFC_OP_NOP;
		r->nops[i].op.cb = nop_cb;
		r->nops[i].op.user = r;
		r->free_ops[r->n_free++] = &r->nops[i].op;
	}
	assert_int_equal(vfc_vf_stats(r->vf, &st0), 0);
	while (r->completed < total) {
		n = 0;
		while (r->n_free && n < 64 && r->next_id + n < total) {
			burst[n] = r->free_ops[--r->n_free];
			((struct nop *)burst[n])->id = r->next_id + n;
			n++;
		}
		if (n) {
			k = vfc_submit_burst(r->vf, burst, n);
			assert_true(k >= 0);
			r->next_id += (uint32_t)k;
			/* Not taken (ring full): back on the free list. */
			for (i = (unsigned)k; i < n; i++)
				r->free_ops[r->n_free++] = burst[i];
		}
		k = vfc_wait(r->vf, 1, 10000000000ll);
		assert_true(k >= 0);
	}
	assert_int_equal(r->next_id, total);
	for (id = 0; id < total; id++)
		if (r->count[id] != 1)
			fail_msg("request %u completed %u times", id, r->count[id]);
	t_stats_settled(r->vf, st0.ops + total, &st1);
	assert_int_equal(st1.completions - st0.completions, total);
	assert_int_equal(st1.ops - st0.ops, total);
	assert_int_equal(st1.errors - st0.errors, 0);
	assert_int_equal(st1.in_flight, 0);
	assert_int_equal(atomic_load(&r->vf->stale), 0);
	if (mode == VFC_IRQ_POLL)
		assert_int_equal(st1.wakeups, st0.wakeups); /* never blocked */
	vfc_vf_close(r->vf);
	free(r->count);
	free(r->nops);
	free(r->free_ops);
}

static void test_million_poll(void **state)
{
	(void)state;
	nop_run(VFC_IRQ_POLL, T_SANITIZED ? 50000 : 1000000, false);
}

static void test_nops_interrupt(void **state)
{
	(void)state;
	nop_run(VFC_IRQ_INTERRUPT, T_SANITIZED ? 10000 : 100000, false);
}

static void test_nops_hybrid_resubmit(void **state)
{
	(void)state;
	nop_run(VFC_IRQ_HYBRID, T_SANITIZED ? 10000 : 100000, true);
}

static void test_nops_interrupt_resubmit(void **state)
{
	(void)state;
	nop_run(VFC_IRQ_INTERRUPT, T_SANITIZED ? 5000 : 50000, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_zero_copy),
		cmocka_unit_test(test_million_poll),
		cmocka_unit_test(test_nops_interrupt),
		cmocka_unit_test(test_nops_hybrid_resubmit),
		cmocka_unit_test(test_nops_interrupt_resubmit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
