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

/* Tenant CPU time is this process's CPU time less the engines', read one after the other; an engine
 * that runs (or spins) between the two reads made the difference step back, and the monitor, which
 * takes deltas of a cumulative counter, read that as a wrap. It must never go back. */
static void test_tenant_cpu_monotonic(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	struct vfc_vf_stats st;
	uint64_t prev = 0;

	(void)state;
	for (int i = 0; i < 300; i++) {
		assert_int_equal(nop_load(vf, 8, 0, 16), 16);
		for (int k = 0; k < 4; k++) { /* the engines spin 100 us after the work: read meanwhile */
			assert_int_equal(vfc_vf_stats(vf, &st), 0);
			if (st.tenant_cpu_ns < prev)
				fail_msg("read %d.%d: tenant CPU went back from %llu to %llu ns", i, k,
					 (unsigned long long)prev, (unsigned long long)st.tenant_cpu_ns);
			prev = st.tenant_cpu_ns;
		}
	}
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

/* ---- the speed monitor, ticking from the completion path ---- */

struct tick_log {
	unsigned n;
	uint64_t max_dt_ns;
	uint32_t caps[64], next_caps[64];
	double ops[64];
};

static void log_tick(void *user, const struct vfc_tick *t)
{
	struct tick_log *l = user;

	if (l->n < 64) {
		l->caps[l->n] = t->cap_hz;
		l->next_caps[l->n] = t->next_cap_hz;
		l->ops[l->n] = t->ops_per_s;
	}
	l->n++;
	l->max_dt_ns = t->dt_ns > l->max_dt_ns ? t->dt_ns : l->max_dt_ns;
}

/* A static controller: its cap is applied at once, every tick reports it, and a bad spec is named. */
static void test_monitor_ticks_static(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	struct tick_log l = { 0 };
	struct vfc_vf_stats st;
	char err[128];

	(void)state;
	assert_int_equal(vfc_vf_set_controller(vf, "static:bad", 50, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "static"));
	assert_int_equal(vfc_vf_set_controller(vf, "none", 5, err, sizeof(err)), -EINVAL); /* tick below 10 ms */
	vfc_vf_set_tick_cb(vf, log_tick, &l);
	assert_int_equal(vfc_vf_set_controller(vf, "static:20000", 50, err, sizeof(err)), 0);
	assert_int_equal(vfc_vf_stats(vf, &st), 0);
	assert_int_equal(st.cap_hz, 20000);
	assert_true(nop_load(vf, 8, 400000000ull, 0) > 0);
	assert_true(l.n >= 3); /* 400 ms of 50 ms ticks, however slow the machine */
	for (unsigned i = 0; i < l.n && i < 64; i++) {
		assert_int_equal(l.caps[i], 20000);
		assert_int_equal(l.next_caps[i], 20000);
		assert_true(l.ops[i] > 0);
	}
	vfc_vf_set_tick_cb(vf, NULL, NULL);
	vfc_vf_close(vf);
}

/* A pause in traffic lands in one long tick, unless the tenant restarts the tick on resuming. */
static void pause_and_resume(int restart, struct tick_log *l)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);

	vfc_vf_set_tick_cb(vf, log_tick, l);
	assert_int_equal(vfc_vf_set_controller(vf, "static:20000", 50, NULL, 0), 0);
	assert_true(nop_load(vf, 8, 200000000ull, 0) > 0);
	usleep(400000); /* idle: nobody polls or waits, nothing ticks */
	if (restart)
		vfc_vf_restart_tick(vf);
	assert_true(nop_load(vf, 8, 200000000ull, 0) > 0);
	vfc_vf_set_tick_cb(vf, NULL, NULL);
	vfc_vf_close(vf);
}

static void test_monitor_restart_tick(void **state)
{
	struct tick_log plain = { 0 }, restarted = { 0 };
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);

	(void)state;
	vfc_vf_restart_tick(vf); /* nothing ticks yet: a no-op */
	vfc_vf_close(vf);
	pause_and_resume(0, &plain);
	assert_true(plain.max_dt_ns >= 400000000ull);
	pause_and_resume(1, &restarted);
	assert_true(restarted.n >= 2);
	if (restarted.max_dt_ns >= 400000000ull)
		fail_msg("a tick of %.0f ms spans the pause after vfc_vf_restart_tick",
			 (double)restarted.max_dt_ns / 1e6);
}

/*
 * The doorbell is rung once per engine sleep (io.c bell_owed): submits that
 * find the device still asleep after a ring skip theirs while the request
 * rung for is not taken. Bursts of single submits around the engine's spin
 * window (asleep, waking, just taken, spinning) must all complete: a skipped
 * ring that was owed leaves them in the ring and the wait times out.
 */
static void test_doorbell_once_per_sleep(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	unsigned completed = 0, submitted = 0, rounds = T_SANITIZED ? 60 : 300;
	struct ctr_op o[8];

	(void)state;
	for (unsigned r = 0; r < rounds; r++) {
		unsigned k = 1 + (unsigned)t_randn(8);

		/* Long enough, half of the time, for the engine to go to sleep (spin 100 us). */
		if (r % 2)
			usleep(200 + (useconds_t)t_randn(800));
		for (unsigned i = 0; i < k; i++) {
			struct vfc_op *op = &o[i].op;
			uint64_t until = vfc_now_ns() + t_randn(60000);

			memset(&o[i], 0, sizeof(o[i]));
			op->opcode = VFC_OP_NOP;
			op->cb = ctr_cb;
			o[i].completed = &completed;
			assert_int_equal(vfc_submit_burst(vf, &op, 1), 1);
			submitted++;
			while (vfc_now_ns() < until)
				; /* the engine may take the first ones meanwhile, or not */
		}
		while (completed < submitted)
			if (vfc_wait(vf, 1, 2000000000ll) < 0)
				fail_msg("round %u: %u of %u done: a doorbell owed was not rung", r, completed,
					 submitted);
		assert_int_equal(vf->in_flight, 0);
	}
	vfc_vf_close(vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_applies),
		cmocka_unit_test(test_doorbell_once_per_sleep),
		cmocka_unit_test(test_irq_counts_move),
		cmocka_unit_test(test_tenant_cpu_monotonic),
		cmocka_unit_test(test_cap_rate_interrupt),
		cmocka_unit_test(test_cap_rate_hybrid),
		cmocka_unit_test(test_monitor_ticks_static),
		cmocka_unit_test(test_monitor_restart_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
