/* SPDX-License-Identifier: MIT */
/* coord_trial.c - the trial (pf:trial): per-class caps from DIM's rule tried against the common cap on the members' total. */
#include "core/coord_rules.h"

#include <string.h>

/* This tick's classes (the coordinator's, c->shape): each member's, and each class's counters summed
 * over its members that read. Returns whether every member that read stayed in its class. */
static bool classify(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n)
{
	struct vfc_coord_trial *t = &c->trial;
	bool same = true;

	if (t->phase == VFC_COORD_TRIAL_OFF) { /* no dims yet: this tick's classes only */
		t->ncls = 0;
		memset(t->of, VFC_COORD_TRIAL_CLASSES, sizeof(t->of));
	}
	for (uint32_t k = 0; k < t->ncls; k++)
		t->cls[k].bytes = t->cls[k].ops = t->cls[k].irqs = t->cls[k].n = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t b = vfc_mon_delta64(c->prev[i].bytes, vfs[i].bytes), o = vfc_mon_delta64(c->prev[i].ops, vfs[i].ops);
		uint32_t key = vfs[i].member && o ? c->shape[i] : 0, k = 0;

		if (!key)
			continue; /* no reading: it keeps its class, and its cap */
		for (; k < t->ncls && t->cls[k].key != key; k++)
			;
		if (k == t->ncls) {
			if (k == VFC_COORD_TRIAL_CLASSES) {
				t->of[i] = VFC_COORD_TRIAL_CLASSES; /* no room: the common cap */
				continue;
			}
			memset(&t->cls[k], 0, sizeof(t->cls[k]));
			t->cls[k].key = key;
			t->ncls++;
			same = false;
		}
		same = same && t->of[i] == k;
		t->of[i] = (uint8_t)k;
		t->cls[k].bytes += b;
		t->cls[k].ops += o;
		t->cls[k].irqs += vfc_mon_delta64(c->prev[i].irqs, vfs[i].irqs);
		t->cls[k].n++;
	}
	return same;
}

/* Whether two classes or more carry VFC_COORD_TRIAL_SHARE of the members' bytes each, and their fills
 * (completions per interrupt over the depth) differ by VFC_COORD_TRIAL_FILLS or more. */
static bool mixed(const struct vfc_coord_trial *t)
{
	uint64_t all = 0;
	uint32_t big = 0;
	double lo = 1e9, hi = 0;

	for (uint32_t k = 0; k < t->ncls; k++)
		all += t->cls[k].bytes;
	for (uint32_t k = 0; all && k < t->ncls; k++) {
		double f;

		if ((double)t->cls[k].bytes < VFC_COORD_TRIAL_SHARE * (double)all)
			continue;
		big++;
		f = t->cls[k].irqs ? (double)t->cls[k].ops / ((double)t->cls[k].irqs * (t->cls[k].key / 64u)) : 1;
		lo = f < lo ? f : lo;
		hi = f > hi ? f : hi;
	}
	return big >= 2 && hi >= VFC_COORD_TRIAL_FILLS * lo;
}

/* Each class's dim fed the class's mean member over the tick (dt_ns). */
static void step_dims(struct vfc_coord_trial *t, uint64_t dt_ns, uint64_t t_ns)
{
	double secs = (double)dt_ns / 1e9;

	for (uint32_t k = 0; k < t->ncls; k++) {
		struct vfc_speed_sample s = { .t_ns = t_ns, .dt_ns = dt_ns };
		double per;

		if (!t->cls[k].n || !t->cls[k].started)
			continue;
		per = 1.0 / (t->cls[k].n * secs);
		s.mbps = (double)t->cls[k].bytes * per / 1e6;
		s.ops_per_s = (double)t->cls[k].ops * per;
		s.irq_hz = (double)t->cls[k].irqs * per;
		s.mean_req_bytes = t->cls[k].ops ? (double)t->cls[k].bytes / (double)t->cls[k].ops : 0;
		s.cap_hz = vfc_controller_cap(&t->cls[k].dim);
		vfc_controller_step(&t->cls[k].dim, &s);
	}
}

/* Every class's dim started at the common cap (the ladder level nearest it). */
static void start_dims(struct vfc_coord_trial *t, uint32_t cap)
{
	struct vfc_controller_cfg cfg;

	vfc_controller_cfg_default(&cfg, VFC_CONTROLLER_KIND_DIM);
	for (uint32_t k = 0; k < t->ncls; k++)
		t->cls[k].started = vfc_controller_init(&t->cls[k].dim, &cfg, cap) == 0;
}

/* Back to the common cap and the scan rule; the next trial waits hold ticks (doubling) or, after a
 * check the common cap won, VFC_COORD_TRIAL_HOLD_MIN. */
static void to_common(struct vfc_coord *c, bool back_off)
{
	struct vfc_coord_trial *t = &c->trial;

	t->phase = VFC_COORD_TRIAL_OFF;
	t->wait = back_off ? t->hold : VFC_COORD_TRIAL_HOLD_MIN;
	t->hold = back_off ? vfc__coord_doubled(t->hold, VFC_COORD_TRIAL_HOLD_MAX) : VFC_COORD_TRIAL_HOLD_MIN;
	vfc__coord_scan_resume(c, t->base);
}

/* A phase's reading: the mean total over its last VFC_COORD_TRIAL_READ ticks. */
static void note(struct vfc_coord_trial *t, double y)
{
	if (t->left <= VFC_COORD_TRIAL_READ) {
		t->acc += y;
		t->nacc++;
	}
}

static double mean_read(const struct vfc_coord_trial *t)
{
	return t->nacc ? t->acc / t->nacc : 0;
}

static void enter(struct vfc_coord_trial *t, enum vfc_coord_trial_phase ph, uint32_t ticks)
{
	t->phase = ph;
	t->left = ticks;
	t->acc = 0;
	t->nacc = 0;
	t->low = 0;
}

/* OFF: a trial where the scan rule holds a settled base, the ticks are quiet and the classes mixed. */
static bool maybe_start(struct vfc_coord *c)
{
	struct vfc_coord_trial *t = &c->trial;

	if (t->wait) {
		t->wait--;
		return false;
	}
	if (!vfc__coord_scan_settled(c) || !mixed(t))
		return false;
	t->base = c->cap;
	t->y_ref = c->last.mbps;
	start_dims(t, t->base);
	enter(t, VFC_COORD_TRIAL_RUN, VFC_COORD_TRIAL_TICKS);
	t->trials++;
	return true;
}

/* RUN: the classes at their dims' caps; the end (or a fall well below the base) decides. */
static void run(struct vfc_coord *c, double thr)
{
	struct vfc_coord_trial *t = &c->trial;
	double y = c->last.mbps;

	t->low = y < t->y_ref * (1 - VFC_COORD_TRIAL_ABORT * thr) ? t->low + 1 : 0;
	note(t, y);
	if (t->low >= 2) {
		to_common(c, true);
		return;
	}
	if (--t->left)
		return;
	if (mean_read(t) > t->y_ref * (1 + thr)) {
		t->wins++;
		t->y_dim = mean_read(t);
		t->hold = VFC_COORD_TRIAL_HOLD_MIN;
		enter(t, VFC_COORD_TRIAL_DIM, t->hold);
		return;
	}
	to_common(c, true);
}

/* DIM: the classes at their dims' caps until the next check. CHECK: the common base again, compared
 * with the dims' last reading. */
static void dim_or_check(struct vfc_coord *c, double thr)
{
	struct vfc_coord_trial *t = &c->trial;
	double y = c->last.mbps;

	note(t, y);
	if (--t->left)
		return;
	if (t->phase == VFC_COORD_TRIAL_DIM) {
		t->y_dim = mean_read(t);
		t->checks++;
		enter(t, VFC_COORD_TRIAL_CHECK, VFC_COORD_TRIAL_CHECK_TICKS);
		return;
	}
	if (!(t->y_dim > mean_read(t) * (1 + thr))) { /* the dims must still win: a tie goes to the scan rule */
		to_common(c, false);
		return;
	}
	t->hold = vfc__coord_doubled(t->hold, VFC_COORD_TRIAL_HOLD_MAX);
	enter(t, VFC_COORD_TRIAL_DIM, t->hold);
}

bool vfc__coord_trial_step(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n, uint64_t dt_ns)
{
	struct vfc_coord_trial *t = &c->trial;
	bool same = classify(c, vfs, n);
	double thr = vfc__coord_scan_threshold(c);

	if (t->phase == VFC_COORD_TRIAL_OFF)
		return maybe_start(c);
	if (!same) { /* a workload's change: the scan rule from the base, a trial again soon */
		to_common(c, false);
		return false;
	}
	if (t->phase != VFC_COORD_TRIAL_CHECK)
		step_dims(t, dt_ns, c->t_ns + dt_ns);
	if (t->phase == VFC_COORD_TRIAL_RUN)
		run(c, thr);
	else
		dim_or_check(c, thr);
	return true;
}

void vfc__coord_trial_reset(struct vfc_coord *c)
{
	struct vfc_coord_trial *t = &c->trial;
	bool on = t->on;
	uint64_t trials = t->trials, wins = t->wins, checks = t->checks;

	memset(t, 0, sizeof(*t));
	memset(t->of, VFC_COORD_TRIAL_CLASSES, sizeof(t->of));
	t->on = on;
	t->hold = VFC_COORD_TRIAL_HOLD_MIN;
	t->trials = trials;
	t->wins = wins;
	t->checks = checks;
}

uint32_t vfc__coord_trial_cap(const struct vfc_coord_trial *t, uint32_t i, uint32_t common)
{
	uint8_t k = t->of[i];

	if (t->phase == VFC_COORD_TRIAL_OFF || t->phase == VFC_COORD_TRIAL_CHECK || k >= t->ncls ||
	    !t->cls[k].started)
		return common;
	return vfc_controller_cap(&t->cls[k].dim);
}
