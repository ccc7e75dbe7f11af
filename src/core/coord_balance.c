/* SPDX-License-Identifier: MIT */
/* coord_balance.c - the coordinator's balance (pf:bal): each member's cap the common cap x a multiplier that follows its own fill against the members'. */
#include "core/coord_rules.h"

#include <math.h>
#include <string.h>

void vfc__coord_balance_reset(struct vfc_coord_balance *b)
{
	b->state = b->on ? VFC_COORD_BAL_RUNNING : VFC_COORD_BAL_OFF;
	b->period = 0;
	b->busy_acc = 0;
	memset(b->vf, 0, sizeof(b->vf));
	for (uint32_t i = 0; i < VFC_COORD_MAX_VFS; i++)
		b->vf[i].m = 1;
	b->resets++;
}

bool vfc__coord_balance_hold(const struct vfc_coord *c)
{
	return c->rule == VFC_COORD_RULE_SCAN &&
	       (c->scan.phase == VFC_COORD_SCAN_VISIT || c->scan.phase == VFC_COORD_SCAN_PIN);
}

/* The period in progress is void: its sums and counts cleared. */
static void void_period(struct vfc_coord_balance *b)
{
	b->period = 0;
	b->busy_acc = 0;
	for (uint32_t i = 0; i < VFC_COORD_MAX_VFS; i++) {
		b->vf[i].acc = 0;
		b->vf[i].nacc = 0;
		b->vf[i].nbound = 0;
	}
}

/* The tick's readings into the period: each active member's share of the bytes (its weight's EWMA) and,
 * where it has a fill, log(its fill / the members' fill). */
static void add_tick(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n)
{
	struct vfc_coord_balance *b = &c->bal;
	double total = 0, lw = log(c->fill);

	for (uint32_t i = 0; i < n; i++)
		if (c->active[i])
			total += (double)vfc_mon_delta64(c->prev[i].bytes, vfs[i].bytes);
	for (uint32_t i = 0; i < n; i++) {
		struct vfc_coord_bal_vf *v = &b->vf[i];
		uint64_t o, q;
		double share = 0, f;

		if (!vfs[i].member)
			continue;
		if (c->active[i] && total > 0)
			share = (double)vfc_mon_delta64(c->prev[i].bytes, vfs[i].bytes) / total;
		v->w += VFC_COORD_BAL_EWMA * (share - v->w);
		o = vfc_mon_delta64(c->prev[i].ops, vfs[i].ops);
		q = vfc_mon_delta64(c->prev[i].irqs, vfs[i].irqs);
		if (!c->active[i] || !q || !vfs[i].depth || !o)
			continue;
		f = (double)o / ((double)q * vfs[i].depth);
		if (f >= VFC_COORD_BOUND_Q)
			v->nbound++;
		v->acc += log(fmin(1.0, f)) - lw;
		v->nacc++;
	}
}

/*
 * Member v's last move against its fill now (mean log ratio e): a move the fill did not answer by
 * VFC_COORD_BAL_ANSWER of what it should (its fill as the inverse of its cap, less its own weight in
 * the members' fill) is undone and its direction barred. A bound member's fill says nothing (1 at
 * every cap under its cliff): not checked.
 */
static void check_answer(struct vfc_coord_balance *b, struct vfc_coord_bal_vf *v, double e, bool bound)
{
	double want = v->step * (1 - v->w);

	if (v->step == 0 || bound || fabs(want) < 1e-9)
		return;
	if ((v->e_step - e) / want >= VFC_COORD_BAL_ANSWER)
		return;
	v->m = fmin(fmax(v->m * exp(-v->step), 1), VFC_COORD_BAL_MAX);
	v->dir_deaf = v->step > 0 ? 1 : -1;
	v->deaf_left = VFC_COORD_BAL_DEAF;
	b->deafs++;
}

/* Member v's move at the period's end, from its mean log ratio e over the period's ticks. */
static void move(struct vfc_coord_balance *b, struct vfc_coord_bal_vf *v)
{
	bool bound;
	double e, s, m;

	if (v->deaf_left && !--v->deaf_left)
		v->dir_deaf = 0;
	if (v->nacc * 2 < b->period) { /* too few readings to say: no move, nothing to check */
		v->step = 0;
		return;
	}
	e = v->acc / v->nacc;
	bound = v->nbound == v->nacc;
	check_answer(b, v, e, bound);
	v->step = 0;
	/* the members all bound alike (a common cap that binds: the rule's escape is for that) is no
	 * imbalance: only a member bound beyond the members' fill gets the bound step */
	if (fabs(e) <= VFC_COORD_BAL_HYST)
		return;
	if (bound && e > 0)
		e = fmax(e, log(VFC_COORD_ESCAPE));
	s = VFC_COORD_BAL_GAIN * e;
	if (v->dir_deaf && (s > 0) == (v->dir_deaf > 0))
		return;
	m = fmin(fmax(v->m * exp(s), 1), VFC_COORD_BAL_MAX);
	if (m == v->m)
		return;
	v->step = log(m / v->m);
	v->e_step = e;
	v->m = m;
	b->moves++;
}

/* The engines were busy (VFC_COORD_BAL_FULL) over the period: a tenant's wait for its interrupt costs
 * the total nothing there, and a member's higher cap takes a share from the others: every multiplier
 * back towards 1 (the common cap, which the rule searches for the total) by VFC_COORD_BAL_GAIN. */
static void relax(struct vfc_coord_balance *b, const struct vfc_coord_vf *vfs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct vfc_coord_bal_vf *v = &b->vf[i];

		if (!vfs[i].member)
			continue;
		v->m = exp((1 - VFC_COORD_BAL_GAIN) * log(v->m));
		if (fabs(log(v->m)) < 0.01)
			v->m = 1;
		v->step = 0;
	}
}

void vfc__coord_balance_step(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n, bool held)
{
	struct vfc_coord_balance *b = &c->bal;
	bool ramp = b->primes != c->primes;

	b->primes = c->primes;
	/* a scan point or a pin read, or one next, or a ramp since the last tick: the period is void */
	if (held || vfc__coord_balance_hold(c) || ramp || !(c->fill > 0)) {
		b->state = held || vfc__coord_balance_hold(c) ? VFC_COORD_BAL_HELD : VFC_COORD_BAL_RUNNING;
		void_period(b);
		return;
	}
	b->state = VFC_COORD_BAL_RUNNING;
	add_tick(c, vfs, n);
	b->busy_acc += c->busy_frac;
	if (++b->period < VFC_COORD_BAL_PERIOD)
		return;
	if (b->busy_acc / b->period >= VFC_COORD_BAL_FULL) {
		relax(b, vfs, n);
	} else {
		for (uint32_t i = 0; i < n; i++)
			if (vfs[i].member)
				move(b, &b->vf[i]);
	}
	void_period(b);
}
