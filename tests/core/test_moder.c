/* SPDX-License-Identifier: MIT */
/* test_moder.c - the moderation unit: cap, count, timeout, masking, re-config, random sequences, vfc_moder_apply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "core/moder.h"

#define T0 1000000000000ull /* an arbitrary, nonzero start time */

static struct vfc_moderation cfg(uint32_t cap_hz, uint32_t count, uint64_t timeout_ns)
{
	struct vfc_moderation c = { .cap_hz = cap_hz, .count = count, .timeout_ns = timeout_ns };

	return c;
}

static void test_no_moderation(void **state)
{
	struct vfc_moderation c = cfg(0, 0, 0);
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	assert_int_equal(m.gap_ns, 0);
	assert_int_equal(vfc_moder_check(&m, T0, false, &dl), VFC_MODER_IDLE);
	assert_int_equal(vfc_moder_complete(&m, T0, 0, false, &dl), VFC_MODER_IDLE);
	for (uint64_t t = T0; t < T0 + 10; t++) {
		assert_int_equal(vfc_moder_complete(&m, t, 1, false, &dl), VFC_MODER_FIRE);
		vfc_moder_fired(&m, t);
		assert_int_equal(m.pending, 0);
		assert_int_equal(vfc_moder_check(&m, t, false, &dl), VFC_MODER_IDLE);
	}
	/* count 1 behaves the same as count 0. */
	c = cfg(0, 1, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0 + 20, 1, false, &dl), VFC_MODER_FIRE);
}

static void test_gap_rounding(void **state)
{
	static const uint32_t caps[] = { 1, 2, 3, 7, 999, 1000, 4999, 5000, 65536, 333333, 1000000,
					 999999999, 1000000000, 2000000000, UINT32_MAX };
	struct vfc_moderation c;
	struct vfc_moder m;

	(void)state;
	c = cfg(0, 0, 0);
	vfc_moder_init(&m, &c);
	assert_int_equal(m.gap_ns, 0);
	c = cfg(1000, 0, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(m.gap_ns, 1000000);
	c = cfg(3, 0, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(m.gap_ns, 333333334);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		c = cfg(caps[i], 0, 0);
		vfc_moder_set(&m, &c);
		/* gap = ceil(1e9 / cap): the smallest gap that lets at most cap interrupts per second. */
		assert_true(m.gap_ns * caps[i] >= 1000000000ull);
		assert_true((m.gap_ns - 1) * caps[i] < 1000000000ull);
	}
}

static void test_cap_spacing(void **state)
{
	struct vfc_moderation c = cfg(1000, 0, 0);
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	/* Never fired: the first completion goes out at once, even at time 0. */
	assert_int_equal(vfc_moder_complete(&m, 0, 1, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0);
	assert_int_equal(vfc_moder_complete(&m, T0 + 10, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 1000000);
	dl = 0;
	assert_int_equal(vfc_moder_complete(&m, T0 + 20, 2, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 1000000);
	assert_int_equal(m.pending, 3);
	dl = 0;
	assert_int_equal(vfc_moder_check(&m, T0 + 999999, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 1000000);
	assert_int_equal(vfc_moder_check(&m, T0 + 1000000, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 1000000);
	assert_int_equal(m.pending, 0);
	/* Long after the gap: at once. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 5000000, 1, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 5000000);
	/* A late check fires too. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 5000001, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 6000000);
	assert_int_equal(vfc_moder_check(&m, T0 + 7000000, false, &dl), VFC_MODER_FIRE);
}

static void test_count_threshold(void **state)
{
	struct vfc_moderation c = cfg(0, 4, 0);
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + VFC_MODER_DEFAULT_TIMEOUT_NS);
	dl = 0;
	assert_int_equal(vfc_moder_complete(&m, T0 + 10, 2, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + VFC_MODER_DEFAULT_TIMEOUT_NS); /* measured from the oldest */
	assert_int_equal(vfc_moder_complete(&m, T0 + 20, 1, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 20);
	/* A burst at or above the threshold fires at once (no cap). */
	assert_int_equal(vfc_moder_complete(&m, T0 + 30, 5, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 30);

	/* Below the threshold the default timeout signals it: never forever. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 100, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 100 + VFC_MODER_DEFAULT_TIMEOUT_NS);
	assert_int_equal(vfc_moder_check(&m, dl - 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(vfc_moder_check(&m, T0 + 100 + VFC_MODER_DEFAULT_TIMEOUT_NS, false, &dl),
			 VFC_MODER_FIRE);
}

static void test_count_with_cap(void **state)
{
	struct vfc_moderation c = cfg(2000, 4, 0); /* gap 500 us, which is also the count wait */
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 500000);
	/* Count reached and never fired: at once. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 1, 3, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 1);
	/* Count reached but the cap holds it back. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 2, 4, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 1 + 500000);
	assert_int_equal(vfc_moder_check(&m, T0 + 1 + 500000, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 1 + 500000);
	/* Below the count: the wait is gap after the oldest, and the cap after the last irq; the later wins. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 600000, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 600000 + 500000);
}

static void test_timeout(void **state)
{
	struct vfc_moderation c = cfg(0, 8, 30000);
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 30000);
	assert_int_equal(vfc_moder_complete(&m, T0 + 29999, 6, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 30000);
	assert_int_equal(vfc_moder_check(&m, T0 + 30000, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 30000);

	/* The timeout wins over the cap when it is longer ... */
	c = cfg(1000, 8, 5000000);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0 + 40000, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 40000 + 5000000);
	assert_int_equal(vfc_moder_check(&m, dl, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 40000 + 5000000);

	/* ... and the cap wins when the timeout is shorter. */
	c = cfg(1000, 8, 30000);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0 + 5040001, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 40000 + 5000000 + 1000000);

	/* With count <= 1 a timeout changes nothing: every completion is ready. */
	c = cfg(0, 1, 30000);
	vfc_moder_init(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0, 1, false, &dl), VFC_MODER_FIRE);
}

static void test_masking(void **state)
{
	struct vfc_moderation c = cfg(1000, 8, 0);
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	/* Masked: dropped, no interrupt owed. */
	assert_int_equal(vfc_moder_complete(&m, T0, 3, true, &dl), VFC_MODER_IDLE);
	assert_int_equal(m.pending, 0);
	assert_int_equal(vfc_moder_check(&m, T0 + 1, false, &dl), VFC_MODER_IDLE);

	/* Pending, then masked: dropped. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 10, 3, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 10 + 1000000);
	assert_int_equal(vfc_moder_check(&m, T0 + 20, true, &dl), VFC_MODER_IDLE);
	assert_int_equal(m.pending, 0);
	assert_int_equal(vfc_moder_check(&m, T0 + 10 + 1000000, false, &dl), VFC_MODER_IDLE);

	/* After unmasking, the wait counts from the new completion, not the dropped one. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 2000000, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 3000000);
	assert_int_equal(m.pending, 1);
	assert_int_equal(vfc_moder_check(&m, T0 + 3000000, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 3000000);

	/* A masked period does not reset the cap. */
	c = cfg(1000, 0, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0 + 3000001, 1, true, &dl), VFC_MODER_IDLE);
	assert_int_equal(vfc_moder_complete(&m, T0 + 3000002, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 4000000);
}

static void test_reconfig_keeps_pending(void **state)
{
	struct vfc_moderation c = cfg(0, 10, 0);
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0, 5, false, &dl), VFC_MODER_WAIT);
	c = cfg(0, 4, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(m.pending, 5);
	assert_int_equal(vfc_moder_check(&m, T0 + 1, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 1);

	/* A larger count keeps the oldest's age. */
	assert_int_equal(vfc_moder_complete(&m, T0 + 100, 3, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 100 + VFC_MODER_DEFAULT_TIMEOUT_NS);
	c = cfg(0, 16, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_check(&m, T0 + 200, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 100 + VFC_MODER_DEFAULT_TIMEOUT_NS);
	assert_int_equal(m.pending, 3);
	/* Dropping moderation entirely releases them. */
	c = cfg(0, 0, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_check(&m, T0 + 300, false, &dl), VFC_MODER_FIRE);
	vfc_moder_fired(&m, T0 + 300);

	/* A new cap applies from the last interrupt, which the change keeps. */
	c = cfg(100, 0, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, T0 + 400, 1, false, &dl), VFC_MODER_WAIT);
	assert_int_equal(dl, T0 + 300 + 10000000);
	c = cfg(0, 0, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_check(&m, T0 + 500, false, &dl), VFC_MODER_FIRE);
}

static void test_saturation(void **state)
{
	struct vfc_moderation c = cfg(0, 8, UINT64_MAX);
	struct vfc_moder m;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	/* A deadline past the end of time saturates instead of wrapping into the past. */
	assert_int_equal(vfc_moder_complete(&m, T0, 1, false, &dl), VFC_MODER_WAIT);
	assert_true(dl == UINT64_MAX);
	/* The pending count saturates too, and is then certainly ready. */
	assert_int_equal(vfc_moder_complete(&m, T0, UINT32_MAX, false, &dl), VFC_MODER_FIRE);
	assert_int_equal(m.pending, UINT32_MAX);
	vfc_moder_fired(&m, UINT64_MAX - 5);
	c = cfg(1, 0, 0);
	vfc_moder_set(&m, &c);
	assert_int_equal(vfc_moder_complete(&m, UINT64_MAX - 4, 1, false, &dl), VFC_MODER_WAIT);
	assert_true(dl == UINT64_MAX);
}

/* ---- randomized property test ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, the seed is printed on failure */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static struct vfc_moderation random_cfg(void)
{
	static const uint32_t caps[] = { 0, 0, 1000, 2000, 5000, 10000, 50000, 333333, 1000000000 };
	static const uint64_t timeouts[] = { 0, 0, 0, 1, 1000, 30000, 250000, 2000000 };
	struct vfc_moderation c;

	if (rnd_below(4))
		c.cap_hz = caps[rnd_below(sizeof(caps) / sizeof(caps[0]))];
	else
		c.cap_hz = (uint32_t)(1 + rnd_below(200000));
	c.count = (uint32_t)rnd_below(18);
	c.timeout_ns = timeouts[rnd_below(sizeof(timeouts) / sizeof(timeouts[0]))];
	return c;
}

/* The spec, restated: effective count wait. */
static uint64_t spec_timeout(const struct vfc_moderation *c, uint64_t gap)
{
	if (c->timeout_ns)
		return c->timeout_ns;
	if (c->count > 1)
		return gap ? gap : VFC_MODER_DEFAULT_TIMEOUT_NS;
	return 0;
}

struct shadow {
	struct vfc_moderation cfg;
	uint64_t gap;
	uint32_t pending;
	uint64_t oldest;
	bool fired;
	uint64_t last_fire;
};

static bool spec_fire_ok(const struct shadow *s, uint64_t t)
{
	uint32_t need = s->cfg.count > 1 ? s->cfg.count : 1;
	bool ready = s->pending >= need || t - s->oldest >= spec_timeout(&s->cfg, s->gap);
	bool allowed = !s->gap || !s->fired || t - s->last_fire >= s->gap;

	return s->pending && ready && allowed;
}

#define PROP_SEQS 3000
#define PROP_STEPS 400

static void check_verdict(struct vfc_moder *m, struct shadow *s, enum vfc_moder_verdict v, uint64_t now,
			  bool masked, uint64_t dl, bool *armed, uint64_t *deadline, unsigned long *fires)
{
	if (masked) {
		assert_int_equal(v, VFC_MODER_IDLE);
		assert_int_equal(m->pending, 0);
		s->pending = 0;
	}
	assert_int_equal(m->pending, s->pending);
	*armed = false;
	switch (v) {
	case VFC_MODER_IDLE:
		/* Unmasked, pending work is never left without a verdict that signals it. */
		assert_int_equal(s->pending, 0);
		break;
	case VFC_MODER_FIRE:
		assert_true(spec_fire_ok(s, now));
		/* Two interrupts never closer than the gap in force. */
		if (s->fired && s->gap)
			assert_true(now - s->last_fire >= s->gap);
		vfc_moder_fired(m, now);
		s->fired = true;
		s->last_fire = now;
		s->pending = 0;
		(*fires)++;
		break;
	case VFC_MODER_WAIT: {
		uint64_t bound = spec_timeout(&s->cfg, s->gap);

		if (s->gap > bound)
			bound = s->gap;
		assert_true(s->pending > 0);
		assert_false(spec_fire_ok(s, now));
		/* Finite and ahead. */
		assert_true(dl > now);
		assert_true(dl != UINT64_MAX);
		/* At most max(timeout, gap) after the oldest completion: the last interrupt was no later
		 * than the oldest pending completion. */
		assert_true(s->fired == false || s->last_fire <= s->oldest);
		assert_true(dl - s->oldest <= bound);
		/* The earliest moment it may fire: it may at dl, not one ns before. */
		assert_true(spec_fire_ok(s, dl));
		assert_false(spec_fire_ok(s, dl - 1));
		*armed = true;
		*deadline = dl;
		break;
	}
	default:
		fail_msg("verdict %d", (int)v);
	}
}

static void test_random_sequences(void **state)
{
	unsigned long fires = 0, waits = 0;

	(void)state;
	for (unsigned int seq = 0; seq < PROP_SEQS; seq++) {
		uint64_t seed = 0x9e3779b97f4a7c15ull * (seq + 1);
		struct vfc_moder m;
		struct shadow s = { 0 };
		uint64_t now, deadline = 0, dl = 0;
		bool armed = false, masked = false;
		enum vfc_moder_verdict v;

		rng_state = seed;
		now = T0 + rnd_below(1000000);
		s.cfg = random_cfg();
		vfc_moder_init(&m, &s.cfg);
		s.gap = m.gap_ns;
		for (unsigned int step = 0; step < PROP_STEPS; step++) {
			/* Arrivals spaced on the scale of the gap or the timeout, sometimes all at once. */
			uint64_t scale = s.gap > 1000 ? s.gap : 50000;
			uint64_t next = now + (rnd_below(3) ? rnd_below(scale / 2 + 1) : rnd_below(3 * scale));
			unsigned int action;

			if (armed && deadline <= next) {
				now = deadline;
				dl = 0;
				v = vfc_moder_check(&m, now, masked, &dl);
				check_verdict(&m, &s, v, now, masked, dl, &armed, &deadline, &fires);
				continue;
			}
			now = next;
			action = (unsigned int)rnd_below(20);
			dl = 0;
			if (action < 16) {
				uint32_t n = (uint32_t)(1 + rnd_below(rnd_below(4) ? 2 : 12));

				if (!masked) {
					if (!s.pending)
						s.oldest = now;
					s.pending += n;
				}
				v = vfc_moder_complete(&m, now, n, masked, &dl);
			} else if (action < 18) {
				masked = !masked;
				v = vfc_moder_check(&m, now, masked, &dl);
			} else {
				s.cfg = random_cfg();
				vfc_moder_set(&m, &s.cfg);
				s.gap = m.gap_ns;
				v = vfc_moder_check(&m, now, masked, &dl);
			}
			if (v == VFC_MODER_WAIT)
				waits++;
			check_verdict(&m, &s, v, now, masked, dl, &armed, &deadline, &fires);
		}
		/* Drain: once unmasked, whatever is pending is signalled within two decisions. */
		masked = false;
		v = vfc_moder_check(&m, now, masked, &dl);
		check_verdict(&m, &s, v, now, masked, dl, &armed, &deadline, &fires);
		if (armed) {
			now = deadline;
			v = vfc_moder_check(&m, now, masked, &dl);
			assert_int_equal(v, VFC_MODER_FIRE);
			check_verdict(&m, &s, v, now, masked, dl, &armed, &deadline, &fires);
		}
		assert_int_equal(m.pending, 0);
		if (!armed && s.pending)
			fail_msg("seq %u seed %llu: pending left", seq, (unsigned long long)seed);
	}
	/* The sequences exercised both outcomes. */
	assert_true(fires > 10000);
	assert_true(waits > 10000);
}

/* vfc_moder_apply: FIRE records the interrupt and asks for it, WAIT hands on the deadline (never 0), IDLE nothing. */
static void test_apply(void **state)
{
	struct vfc_moderation c = cfg(1000, 0, 0);
	struct vfc_moder m;
	struct vfc_moder_action a;
	enum vfc_moder_verdict v;
	uint64_t dl = 0;

	(void)state;
	vfc_moder_init(&m, &c);
	/* The first completion fires: recorded as fired, nothing owed. */
	v = vfc_moder_complete(&m, T0, 1, false, &dl);
	a = vfc_moder_apply(&m, v, dl, T0);
	assert_true(a.fire);
	assert_int_equal(a.deadline_ns, 0);
	assert_true(m.fired_once);
	assert_int_equal(m.last_irq_ns, T0);
	assert_int_equal(m.pending, 0);
	/* The next one waits for the cap's gap: the deadline, state untouched. */
	v = vfc_moder_complete(&m, T0 + 10, 1, false, &dl);
	a = vfc_moder_apply(&m, v, dl, T0 + 10);
	assert_false(a.fire);
	assert_int_equal(a.deadline_ns, T0 + 1000000);
	assert_int_equal(m.pending, 1);
	assert_int_equal(m.last_irq_ns, T0);
	/* At the deadline it fires. */
	v = vfc_moder_check(&m, T0 + 1000000, false, &dl);
	a = vfc_moder_apply(&m, v, dl, T0 + 1000000);
	assert_true(a.fire);
	assert_int_equal(a.deadline_ns, 0);
	assert_int_equal(m.last_irq_ns, T0 + 1000000);
	assert_int_equal(m.pending, 0);
	/* Nothing pending: IDLE, nothing to do, nothing recorded. */
	v = vfc_moder_check(&m, T0 + 3000000, false, &dl);
	a = vfc_moder_apply(&m, v, dl, T0 + 3000000);
	assert_false(a.fire);
	assert_int_equal(a.deadline_ns, 0);
	assert_int_equal(m.last_irq_ns, T0 + 1000000);
	/* Masked: the pending completion is dropped, IDLE. */
	v = vfc_moder_complete(&m, T0 + 3000010, 1, true, &dl);
	a = vfc_moder_apply(&m, v, dl, T0 + 3000010);
	assert_false(a.fire);
	assert_int_equal(a.deadline_ns, 0);
	/* A WAIT deadline of 0 (not produced by the unit, but 0 means none) comes back as 1. */
	a = vfc_moder_apply(&m, VFC_MODER_WAIT, 0, 0);
	assert_false(a.fire);
	assert_int_equal(a.deadline_ns, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_moderation),
		cmocka_unit_test(test_gap_rounding),
		cmocka_unit_test(test_cap_spacing),
		cmocka_unit_test(test_count_threshold),
		cmocka_unit_test(test_count_with_cap),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_masking),
		cmocka_unit_test(test_reconfig_keeps_pending),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_random_sequences),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
