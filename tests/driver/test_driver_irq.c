/* SPDX-License-Identifier: MIT */
/* test_driver_irq.c - interrupt caps and moderation through the driver, as the device reports them. */
#include "driver_test.h"

#include <unistd.h>

#include "driver/vf_internal.h"

struct ctr_op {
	struct vfc_op op;
	unsigned *completed;
};

static void ctr_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	(void)out_len;
	assert_int_equal(status, 0);
	(*((struct ctr_op *)op)->completed)++;
}

/* Keep depth NOPs in flight for run_ns (or n_ops ops when run_ns is 0); returns ops completed. */
static unsigned nop_load(struct vfc_vf *vf, unsigned depth, uint64_t run_ns, unsigned n_ops)
{
	struct ctr_op *o = calloc(depth, sizeof(*o));
	struct vfc_op **ops = calloc(depth, sizeof(*ops));
	unsigned completed = 0, submitted = 0, i, n;
	uint64_t end = vfc_now_ns() + run_ns;
	int k;

	assert_non_null(o);
	assert_non_null(ops);
	for (i = 0; i < depth; i++) {
		o[i].op.opcode = VFC_OP_NOP;
		o[i].op.cb = ctr_cb;
		o[i].completed = &completed;
	}
	for (;;) {
		if (run_ns ? vfc_now_ns() >= end : submitted >= n_ops)
			break;
		/* Refill: every op not in flight goes again (ops are reused once completed). */
		n = 0;
		for (i = 0; i < depth && submitted - completed + n < depth; i++)
			if (o[i].op.complete_ns || !o[i].op.submit_ns)
				ops[n++] = &o[i].op;
		if (!run_ns && n > n_ops - submitted)
			n = n_ops - submitted;
		for (i = 0; i < n; i++)
			ops[i]->complete_ns = 0, ops[i]->submit_ns = 1;
		k = vfc_submit_burst(vf, ops, n);
		assert_int_equal(k, (int)n);
		submitted += n;
		assert_true(vfc_wait(vf, 1, 5000000000ll) >= 0);
	}
	assert_true(vfc_wait(vf, depth, 5000000000ll) >= 0);
	assert_int_equal(completed, submitted);
	free(o);
	free(ops);
	return completed;
}

static void test_cap_applies(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	struct vfc_moderation want = { .cap_hz = 5000, .count = 8, .timeout_ns = 200000 }, got;
	struct vfc_vf_stats st;
	uint32_t applied = 0;

	(void)state;
	assert_int_equal(vfc_vf_set_cap(vf, 2000, &applied), 0);
	assert_int_equal(applied, 2000);
	assert_int_equal(vfc_vf_stats(vf, &st), 0);
	assert_int_equal(st.cap_hz, 2000);
	assert_int_equal(st.state, VFC_VF_READY);
	assert_int_equal(vfc_vf_set_moderation(vf, &want, &got), 0);
	assert_int_equal(got.cap_hz, 5000);
	assert_int_equal(got.count, 8);
	assert_int_equal(got.timeout_ns, 200000);
	assert_int_equal(vfc_vf_stats(vf, &st), 0);
	assert_int_equal(st.cap_hz, 5000);
	/* Work still completes under count coalescing (the timeout flushes the tail). */
	assert_int_equal(nop_load(vf, 5, 0, 1003), 1003);
	assert_int_equal(vfc_vf_set_cap(vf, 0, NULL), 0);
	assert_int_equal(vfc_vf_stats(vf, &st), 0);
	assert_int_equal(st.cap_hz, 0);
	assert_int_equal(vfc_vf_set_moderation(vf, NULL, NULL), -EINVAL);
	vfc_vf_close(vf);
}

static void test_irq_counts_move(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	struct vfc_vf_stats a, b;

	(void)state;
	assert_int_equal(vfc_vf_stats(vf, &a), 0);
	assert_int_equal(nop_load(vf, 1, 0, 500), 500);
	t_stats_settled(vf, a.ops + 500, &b);
	assert_true(b.irqs > a.irqs);
	assert_true(b.wakeups > a.wakeups);
	assert_int_equal(b.ops - a.ops, 500);
	assert_int_equal(b.completions - a.completions, 500);
	assert_true(b.now_ns > a.now_ns);
	assert_true(b.tenant_cpu_ns >= a.tenant_cpu_ns);

	/* Polling masks interrupts: none delivered, no wakeups. */
	assert_int_equal(vfc_vf_set_irq_mode(vf, VFC_IRQ_POLL, 0), 0);
	usleep(20000); /* the device bumps its irq counter just after the eventfd write: let it land */
	assert_int_equal(vfc_vf_stats(vf, &a), 0);
	assert_int_equal(nop_load(vf, 8, 0, 2000), 2000);
	t_stats_settled(vf, a.ops + 2000, &b);
	assert_int_equal(b.irqs, a.irqs);
	assert_int_equal(b.wakeups, a.wakeups);
	assert_int_equal(b.ops - a.ops, 2000);

	/* Back to interrupts: they flow again. */
	assert_int_equal(vfc_vf_set_irq_mode(vf, VFC_IRQ_INTERRUPT, 0), 0);
	assert_int_equal(nop_load(vf, 1, 0, 100), 100);
	assert_int_equal(vfc_vf_stats(vf, &a), 0);
	assert_true(a.irqs > b.irqs);
	vfc_vf_close(vf);
}

/* Interrupt rate under a cap: at most cap x elapsed + 2 over a short run. */
static void capped_run(enum vfc_irq_mode mode)
{
	struct vfc_vf *vf = t_open(mode);
	struct vfc_vf_stats a, b;
	uint32_t applied;
	double secs, bound;
	unsigned done;

	assert_int_equal(vfc_vf_set_cap(vf, 2000, &applied), 0);
	assert_int_equal(applied, 2000);
	assert_int_equal(vfc_vf_stats(vf, &a), 0);
	done = nop_load(vf, 32, 200000000ull, 0);
	t_stats_settled(vf, a.ops + done, &b);
	secs = (double)(b.now_ns - a.now_ns) / 1e9;
	bound = 2000.0 * secs + 2.0;
	if ((double)(b.irqs - a.irqs) > bound)
		fail_msg("%llu interrupts in %.3f s under a 2000 Hz cap (bound %.1f)",
			 (unsigned long long)(b.irqs - a.irqs), secs, bound);
	if (mode == VFC_IRQ_INTERRUPT)
		assert_true(b.irqs > a.irqs); /* blocking waits need interrupts */
	assert_true(done > 0);
	assert_int_equal(b.ops - a.ops, done);
	/* Each wakeup drained at least one interrupt (+1: one left over from an earlier tenant). */
	assert_true(b.wakeups <= a.wakeups + (b.irqs - a.irqs) + 1);
	vfc_vf_close(vf);
}

static void test_cap_rate_interrupt(void **state)
{
	(void)state;
	capped_run(VFC_IRQ_INTERRUPT);
}

static void test_cap_rate_hybrid(void **state)
{
	(void)state;
	capped_run(VFC_IRQ_HYBRID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_applies),
		cmocka_unit_test(test_irq_counts_move),
		cmocka_unit_test(test_cap_rate_interrupt),
		cmocka_unit_test(test_cap_rate_hybrid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
