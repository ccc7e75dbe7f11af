/* SPDX-License-Identifier: MIT */
/* coord.c - the PF-side coordinator: the members' counters into one total sample per tick, a rule (fill, probe) or a controller on it. */
#include "core/coord_rules.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int vfc_coord_init(struct vfc_coord *c, const struct vfc_controller_cfg *inner, uint32_t initial_cap)
{
	if (!c || !inner || inner->kind == VFC_CONTROLLER_KIND_PF)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	if (vfc_controller_init(&c->ctl, inner, initial_cap) < 0)
		return -EINVAL;
	c->rule = VFC_COORD_RULE_CTL;
	c->state = VFC_COORD_IDLE;
	return 0;
}

int vfc_coord_init_fill(struct vfc_coord *c, uint32_t initial_cap)
{
	if (!c)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->rule = VFC_COORD_RULE_FILL;
	c->fill_target = VFC_COORD_FILL_TARGET;
	c->cap = initial_cap;
	c->state = VFC_COORD_IDLE;
	return 0;
}

int vfc_coord_init_probe(struct vfc_coord *c, uint32_t initial_cap)
{
	if (vfc_coord_init_fill(c, initial_cap) < 0)
		return -EINVAL;
	c->rule = VFC_COORD_RULE_PROBE;
	c->probe.hold = VFC_COORD_PROBE_HOLD_MIN;
	return 0;
}

int vfc_coord_init_scan(struct vfc_coord *c, uint32_t initial_cap)
{
	if (vfc_coord_init_fill(c, initial_cap) < 0)
		return -EINVAL;
	c->rule = VFC_COORD_RULE_SCAN;
	c->scan.hold = VFC_COORD_PROBE_HOLD_MIN;
	c->scan.from = initial_cap;
	/* from a prior of noisy ticks: a few quiet pairs by chance do not open the gate */
	c->scan.spread = VFC_COORD_SCAN_PRIOR;
	return 0;
}

int vfc_coord_init_busy(struct vfc_coord *c, uint32_t initial_cap)
{
	if (vfc_coord_init_scan(c, initial_cap) < 0)
		return -EINVAL;
	c->scan.busy_on = true;
	c->scan.busy_hold = VFC_COORD_PROBE_HOLD_MIN;
	return 0;
}

int vfc_coord_init_bal(struct vfc_coord *c, uint32_t initial_cap)
{
	if (vfc_coord_init_busy(c, initial_cap) < 0)
		return -EINVAL;
	c->bal.on = true;
	vfc__coord_balance_reset(&c->bal);
	return 0;
}

int vfc_coord_init_trial(struct vfc_coord *c, uint32_t initial_cap)
{
	if (vfc_coord_init_busy(c, initial_cap) < 0)
		return -EINVAL;
	c->trial.on = true;
	vfc__coord_trial_reset(c);
	return 0;
}

/* The coordinator's own rules by name (coord.h, VFC_COORD_RULES). */
static const struct {
	const char *name;
	int (*init)(struct vfc_coord *c, uint32_t initial_cap);
} rules[] = {
#define RULE_ENTRY(r) { #r, vfc_coord_init_##r },
	VFC_COORD_RULES(RULE_ENTRY)
#undef RULE_ENTRY
};

int vfc_coord_init_spec(struct vfc_coord *c, const char *spec, uint32_t initial_cap)
{
	struct vfc_controller_cfg cfg;

	if (!spec || !spec[0])
		spec = VFC_COORD_DEFAULT_SPEC;
	for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++)
		if (!strcmp(spec, rules[k].name))
			return rules[k].init(c, initial_cap);
	if (vfc_controller_parse(spec, &cfg, NULL, 0) < 0)
		return -EINVAL;
	return vfc_coord_init(c, &cfg, initial_cap);
}

bool vfc_coord_spec_ok(const char *spec)
{
	struct vfc_controller_cfg cfg;

	if (!spec || !spec[0] || vfc_coord_rule_named(spec))
		return true;
	return vfc_controller_parse(spec, &cfg, NULL, 0) == 0 && cfg.kind != VFC_CONTROLLER_KIND_PF;
}

uint32_t vfc_coord_cap(const struct vfc_coord *c)
{
	return c->rule == VFC_COORD_RULE_CTL ? vfc_controller_cap(&c->ctl) : c->cap;
}

uint32_t vfc_coord_member_cap(const struct vfc_coord *c, uint32_t i)
{
	uint32_t cap = vfc_coord_cap(c);

	if (c->trial.on && cap && i < VFC_COORD_MAX_VFS)
		return vfc__coord_trial_cap(&c->trial, i, cap);
	if (!c->bal.on || !cap || i >= VFC_COORD_MAX_VFS)
		return cap;
	return vfc__coord_clamp_cap((double)cap * c->bal.vf[i].m);
}

const char *vfc_coord_rule_state(const struct vfc_coord *c)
{
	static const char *const phases[] = {
		[VFC_COORD_PROBE_ANCHOR] = "anchor", [VFC_COORD_PROBE_HOLD] = "hold", [VFC_COORD_PROBE_PRE] = "pre",
		[VFC_COORD_PROBE_AT] = "probe",      [VFC_COORD_PROBE_POST] = "post",
	};
	static const char *const scan[] = {
		[VFC_COORD_SCAN_ANCHOR] = "anchor", [VFC_COORD_SCAN_PIN] = "pin", [VFC_COORD_SCAN_VISIT] = "scan",
		[VFC_COORD_SCAN_HOLD] = "base",
	};

	if (c->rule == VFC_COORD_RULE_CTL)
		return vfc_controller_state(&c->ctl);
	if (c->rule == VFC_COORD_RULE_SCAN && c->scan.phase == VFC_COORD_SCAN_VISIT && c->scan.busy_scan)
		return "busy";
	if (c->rule == VFC_COORD_RULE_SCAN && c->scan.phase == VFC_COORD_SCAN_VISIT && c->scan.climb)
		return "climb";
	if (c->rule == VFC_COORD_RULE_SCAN && (unsigned)c->scan.phase < VFC_COORD_SCAN_PHASE_COUNT)
		return scan[c->scan.phase];
	if (c->rule == VFC_COORD_RULE_PROBE && (unsigned)c->probe.phase < VFC_COORD_PROBE_PHASE_COUNT)
		return phases[c->probe.phase];
	return c->bound_ticks ? "bound" : "fill";
}

const char *vfc_coord_state_name(enum vfc_coord_state s)
{
	static const char *const names[] = {
		[VFC_COORD_IDLE] = "idle", [VFC_COORD_PRIMING] = "priming", [VFC_COORD_RUNNING] = "running",
	};

	return (unsigned)s < VFC_COORD_STATE_COUNT ? names[s] : "?";
}

/* The members' multipliers' range (the balance, when on). */
static void bal_range(const struct vfc_coord *c, double *lo, double *hi)
{
	*lo = *hi = 1;
	for (uint32_t i = 0; c->bal.on && i < c->n && i < VFC_COORD_MAX_VFS; i++) {
		if (!c->prev[i].member)
			continue;
		*lo = fmin(*lo, c->bal.vf[i].m);
		*hi = fmax(*hi, c->bal.vf[i].m);
	}
}

int vfc_coord_format_tick(const struct vfc_coord *c, double t_s, char *buf, size_t len)
{
	double lo, hi;
	int k;

	bal_range(c, &lo, &hi);
	k = snprintf(buf, len,
			"pf-coord %8.3f %-8s %-10s cap %7u (sample at %7u) %8.1f MB/s %9.0f ops/s %8.0f irq/s depth %5u "
			"busy %.2f bound %.2f rate %.0f fill %.2f escapes %llu",
			t_s, vfc_coord_state_name(c->state), vfc_coord_rule_state(c), vfc_coord_cap(c), c->last.cap_hz,
			c->last.mbps, c->last.ops_per_s, c->last.irq_hz, c->last.depth, c->busy_frac, c->bound_frac,
			c->rate_tick, c->fill, (unsigned long long)c->escapes);
	if (c->trial.on && k >= 0 && (size_t)k < len) {
		static const char *const ph[] = { "off", "run", "dim", "check" };

		k += snprintf(buf + k, len - (size_t)k, " trial %s trials %llu wins %llu", ph[c->trial.phase],
			      (unsigned long long)c->trial.trials, (unsigned long long)c->trial.wins);
	}
	if (!c->bal.on || k < 0 || (size_t)k >= len)
		return k;
	return k + snprintf(buf + k, len - (size_t)k, " bal %.2f..%.2f moves %llu deaf %llu", lo, hi,
			    (unsigned long long)c->bal.moves, (unsigned long long)c->bal.deafs);
}

/* Whether the reading has the same VFs in pf mode as the previous one. */
static bool same_members(const struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n)
{
	if (n != c->n)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (vfs[i].member != c->prev[i].member)
			return false;
	return true;
}

uint32_t vfc__coord_class_key(uint64_t bytes, uint64_t ops, uint32_t depth)
{
	if (!ops || !depth)
		return 0;
	return depth * 64u + (uint32_t)lround(log2((double)bytes / (double)ops)) + 1u;
}

/* The share of the tick's bytes whose member's class (coord_rules.h, vfc__coord_class_key) is not the one of
 * its last reading: a workload's change, which no cap causes. */
static void note_shapes(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n)
{
	uint64_t all = 0, moved = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t b = vfc_mon_delta64(c->prev[i].bytes, vfs[i].bytes), o = vfc_mon_delta64(c->prev[i].ops, vfs[i].ops);
		uint32_t key = vfs[i].member ? vfc__coord_class_key(b, o, vfs[i].depth) : 0;

		if (!key)
			continue;
		all += b;
		if (c->shape[i] && c->shape[i] != key)
			moved += b;
		c->shape[i] = key;
	}
	c->reshaped = all ? (double)moved / (double)all : 0;
}

/* The members' total since the previous reading, dt_ns > 0. */
static void total_sample(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n, uint64_t dt_ns,
			 uint32_t n_engines, struct vfc_speed_sample *s)
{
	uint64_t bytes = 0, ops = 0, irqs = 0, busy = 0, bound = 0;
	uint32_t depth = 0;
	double wrate = 0, wbytes = 0, wfill = 0, fbytes = 0, use = 0, srate = 0, sbytes = 0;
	double secs = (double)dt_ns / 1e9;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t b, o, q;
		bool full, slow; /* the whole queue per interrupt; interrupts well under the cap (coord_rules.h) */
		double cap;

		if (!c->active[i])
			continue;
		b = vfc_mon_delta64(c->prev[i].bytes, vfs[i].bytes);
		o = vfc_mon_delta64(c->prev[i].ops, vfs[i].ops);
		q = vfc_mon_delta64(c->prev[i].irqs, vfs[i].irqs);
		full = q && vfs[i].depth && (double)o >= VFC_COORD_BOUND_Q * (double)q * vfs[i].depth;
		cap = vfc_coord_member_cap(c, i);
		slow = (double)q < VFC_COORD_BOUND_RATE * cap * secs;
		if (cap > 0)
			use = fmax(use, (double)q / (cap * secs));
		if (full && !slow)
			bound += b;
		if (vfs[i].depth) {
			double r = (double)b * (double)o / vfs[i].depth; /* its ops / depth, bytes-weighted */

			wrate += r;
			wbytes += (double)b;
			if (vfs[i].depth <= VFC_COORD_CLIMB_DEPTH) {
				srate += r;
				sbytes += (double)b;
			}
		}
		if (q && vfs[i].depth && !(full && slow)) {
			wfill += (double)b * fmin(1.0, (double)o / ((double)q * vfs[i].depth));
			fbytes += (double)b;
		}
		bytes += b;
		ops += o;
		irqs += q;
		busy += vfc_mon_delta64(c->prev[i].busy_ns, vfs[i].busy_ns);
		depth += vfs[i].depth;
	}
	memset(s, 0, sizeof(*s));
	s->t_ns = c->t_ns + dt_ns;
	s->dt_ns = dt_ns;
	s->mbps = (double)bytes / secs / 1e6;
	s->ops_per_s = (double)ops / secs;
	s->irq_hz = (double)irqs / secs;
	s->mean_req_bytes = ops ? (double)bytes / (double)ops : 0;
	s->cap_hz = vfc_coord_cap(c);
	s->depth = depth;
	c->bound_frac = bytes ? (double)bound / (double)bytes : 0;
	c->irq_use = use;
	c->rate_tick = wbytes > 0 ? wrate / wbytes / secs : 0;
	c->rate_shallow = sbytes > 0 ? srate / sbytes / secs : 0;
	c->shallow_frac = bytes ? sbytes / (double)bytes : 0;
	c->fill = fbytes > 0 ? wfill / fbytes : 0;
	c->busy_frac = n_engines ? (double)busy / ((double)dt_ns * n_engines) : 0;
	if (c->busy_frac > 1)
		c->busy_frac = 1;
}

/*
 * The members that completed something in this tick (c->active) and for how many ticks in a row
 * that set has been the same and not empty (returned, c->stable): a tick where it changed is the
 * ramp of a tenant that came or left (its queue filling or draining), not a sample.
 */
static uint32_t note_active(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n)
{
	bool changed = false, any = false;

	for (uint32_t i = 0; i < n; i++) {
		bool a = vfs[i].member && vfc_mon_delta64(c->prev[i].ops, vfs[i].ops) > 0;

		changed |= a != c->active[i];
		any |= a;
		c->active[i] = a;
	}
	if (!any)
		c->stable = 0;
	else if (changed || !c->stable)
		c->stable = 1;
	else
		c->stable++;
	return c->stable;
}

/* The cap binds (the bytes' VFs get their whole queue back per interrupt) twice in a row: the
 * controller starts again above it, by the escape's leap (coord_rules.h, VFC_COORD_BOUND_Q). */
static void escape(struct vfc_coord *c)
{
	uint32_t cap = c->last.cap_hz;
	struct vfc_controller_cfg cfg = c->ctl.cfg;
	double up;

	if (!cap || c->bound_frac < VFC_COORD_BOUND_SHARE || c->busy_frac >= VFC_COORD_IDLE_BUSY ||
	    !(c->last.ops_per_s > 0)) {
		c->bound_ticks = 0;
		return;
	}
	if (++c->bound_ticks < VFC_COORD_BOUND_TICKS)
		return;
	up = vfc__coord_escape_factor(c) * (double)cap;
	if (up > VFC_CONTROLLER_MAX_HZ)
		up = VFC_CONTROLLER_MAX_HZ;
	vfc_controller_init(&c->ctl, &cfg, (uint32_t)up);
	c->bound_ticks = 0;
	c->escapes++;
}

/* A base tick's total y at cap: the spread from the previous base tick at the same cap. A jump far
 * beyond the spread (a workload's change) is returned, and ends the wait: the next probe comes at once. */
static bool note_base(struct vfc_coord_probe *p, double y, uint32_t cap)
{
	bool jump = false;

	if (p->y_last > 0 && y > 0 && cap == p->cap_last) {
		double d = fabs(y / p->y_last - 1);

		if (p->nspread >= VFC_COORD_PROBE_MIN_PAIRS && d > fmax(0.1, 4 * p->spread)) {
			p->hold = VFC_COORD_PROBE_HOLD_MIN;
			p->wait = 0;
			jump = true;
		}
		p->spread = p->nspread ? p->spread + VFC_COORD_PROBE_EWMA * (d - p->spread) : d;
		p->nspread++;
	}
	p->y_last = y;
	p->cap_last = cap;
	return jump;
}

/* Whether the base tick's fill left the fill at this base twice in a row (VFC_COORD_PROBE_SHIFT), or
 * the cap binds (the fill rule's escape test, twice in a row): then the fill rule takes over again
 * from the base, at no step off its anchor. */
static bool reanchor(struct vfc_coord *c)
{
	struct vfc_coord_probe *p = &c->probe;
	bool off;

	if (!(c->fill > 0))
		return false;
	if (!(p->fill_ref > 0))
		p->fill_ref = c->fill;
	off = fabs(log(c->fill / p->fill_ref)) > log(VFC_COORD_PROBE_SHIFT) || c->bound_frac >= VFC_COORD_BOUND_SHARE;
	p->off_ticks = off ? p->off_ticks + 1 : 0;
	if (p->off_ticks < 2)
		return false;
	p->k = 0;
	p->j = 0;
	p->phase = VFC_COORD_PROBE_ANCHOR;
	p->still = p->wait = p->off_ticks = 0;
	p->fill_ref = 0;
	p->hold = VFC_COORD_PROBE_HOLD_MIN;
	p->reanchors++;
	c->cap = p->base;
	return true;
}

/* The probe points, nearest first: the base x VFC_COORD_PROBE_STEPS[j / 2], up for even j, down for odd. */
static const double steps[] = { VFC_COORD_PROBE_STEPS };
#define NPROBES (2 * (int)(sizeof(steps) / sizeof(steps[0])))

static double probe_factor(int j)
{
	return j & 1 ? 1 / steps[j / 2] : steps[j / 2];
}

/* Whether a gain the ticks' spread allows to see (VFC_COORD_PROBE_GATE) could be seen now. */
static bool quiet(const struct vfc_coord_probe *p)
{
	return p->nspread >= VFC_COORD_PROBE_MIN_PAIRS && VFC_COORD_PROBE_Z * p->spread <= VFC_COORD_PROBE_GATE;
}

/* The tick in force (at the base) ends a wait: probe point j next, this tick's total the one before it. */
static void start_probe(struct vfc_coord *c, double y)
{
	struct vfc_coord_probe *p = &c->probe;

	p->y_pre = y;
	p->phase = VFC_COORD_PROBE_AT;
	p->probes++;
	c->cap = vfc__coord_clamp_cap(p->base * probe_factor(p->j));
}

/* The session's end at the base cap: wait hold ticks (doubling) before the next. */
static void end_session(struct vfc_coord *c)
{
	struct vfc_coord_probe *p = &c->probe;

	p->j = 0;
	vfc__coord_back_off(&p->wait, &p->hold);
	p->phase = p->k ? VFC_COORD_PROBE_HOLD : VFC_COORD_PROBE_ANCHOR;
	p->still = 0;
	c->cap = p->base;
}

/*
 * After probe point j's second base tick y: a gain over the two base ticks' mean beyond
 * max(VFC_COORD_PROBE_MIN_GAIN, VFC_COORD_PROBE_Z x spread) moves the base there and starts the points
 * again from the nearest; else the next point, or after the last the session ends.
 */
static void judge(struct vfc_coord *c, double y, bool jump)
{
	struct vfc_coord_probe *p = &c->probe;
	double mean = (p->y_pre + y) / 2;
	double thr = fmax(VFC_COORD_PROBE_MIN_GAIN, VFC_COORD_PROBE_Z * p->spread);

	if (jump) { /* the base moved under the probe: no comparison, the points again */
		p->j = 0;
	} else if (mean > 0 && p->y_at / mean - 1 > thr) {
		p->base = vfc__coord_clamp_cap(p->base * probe_factor(p->j));
		p->k += p->j & 1 ? -1 : 1;
		p->moves++;
		p->j = 0;
		p->fill_ref = 0;
		p->hold = VFC_COORD_PROBE_HOLD_MIN;
		p->phase = VFC_COORD_PROBE_PRE;
		c->cap = p->base;
		return;
	} else {
		p->j++;
	}
	if (p->j >= NPROBES || !quiet(p)) {
		end_session(c);
		return;
	}
	start_probe(c, y);
}

/* At the anchor: the fill rule; a probe once it holds the cap still and the spread is known. */
static void anchor_step(struct vfc_coord *c, double y)
{
	struct vfc_coord_probe *p = &c->probe;
	uint32_t cap = c->cap;

	note_base(p, y, c->last.cap_hz);
	vfc__coord_fill_step(c);
	p->still = c->cap == cap ? p->still + 1 : 0;
	if (p->wait)
		p->wait--;
	if (p->still < VFC_COORD_PROBE_STILL || p->wait || !quiet(p))
		return;
	p->base = c->cap;
	p->fill_ref = c->fill;
	p->off_ticks = 0;
	start_probe(c, y);
}

/* RULE_PROBE (coord_rules.h, vfc_coord_init_probe): the sample in c->last is the tick in force's. */
static void probe_step(struct vfc_coord *c)
{
	struct vfc_coord_probe *p = &c->probe;
	double y = c->last.mbps;
	bool jump;

	switch (p->phase) {
	case VFC_COORD_PROBE_ANCHOR:
		anchor_step(c, y);
		return;
	case VFC_COORD_PROBE_AT:
		p->y_at = y;
		p->phase = VFC_COORD_PROBE_POST;
		c->cap = p->base;
		return;
	default:
		break;
	}
	jump = note_base(p, y, c->last.cap_hz);
	if (reanchor(c))
		return;
	if (p->phase == VFC_COORD_PROBE_POST)
		judge(c, y, jump);
	else if ((p->phase == VFC_COORD_PROBE_PRE || (p->wait ? --p->wait : 0) == 0) && quiet(p))
		start_probe(c, y);
	else if (p->phase == VFC_COORD_PROBE_PRE)
		end_session(c);
}

uint32_t vfc_coord_tick(struct vfc_coord *c, uint64_t t_ns, const struct vfc_coord_vf *vfs, uint32_t n,
			uint32_t n_engines)
{
	uint64_t dt = vfc_mon_delta64(c->t_ns, t_ns);
	uint32_t members = 0;

	if (n > VFC_COORD_MAX_VFS)
		n = VFC_COORD_MAX_VFS;
	for (uint32_t i = 0; i < n; i++)
		members += vfs[i].member;
	if (!members) {
		c->state = VFC_COORD_IDLE;
		c->stable = 0;
		memset(c->active, 0, sizeof(c->active));
	} else if (c->state == VFC_COORD_IDLE || !same_members(c, vfs, n) || dt == 0) {
		if (c->state != VFC_COORD_IDLE || c->ticks)
			c->restarts++;
		if (c->bal.on)
			vfc__coord_balance_reset(&c->bal);
		if (c->trial.on)
			vfc__coord_trial_reset(c);
		c->state = VFC_COORD_PRIMING;
		c->stable = 0;
		c->primes++;
		memset(c->active, 0, sizeof(c->active));
		memset(c->shape, 0, sizeof(c->shape));
	} else if (note_active(c, vfs, n) < VFC_COORD_RAMP_TICKS) {
		c->state = VFC_COORD_PRIMING;
		c->primes++;
	} else {
		bool held = c->bal.on && vfc__coord_balance_hold(c);

		note_shapes(c, vfs, n);
		total_sample(c, vfs, n, dt, n_engines, &c->last);
		c->bound_run = c->bound_frac >= VFC_COORD_BOUND_SHARE && c->last.cap_hz ? c->bound_run + 1 : 0;
		c->ticks++;
		c->state = VFC_COORD_RUNNING;
		if (c->trial.on && vfc__coord_trial_step(c, vfs, n, dt)) {
			/* a tick of the trial's: the rule reads none of it */
		} else if (c->rule == VFC_COORD_RULE_FILL) {
			vfc__coord_fill_step(c);
		} else if (c->rule == VFC_COORD_RULE_PROBE) {
			probe_step(c);
		} else if (c->rule == VFC_COORD_RULE_SCAN) {
			vfc__coord_scan_step(c);
		} else {
			vfc_controller_step(&c->ctl, &c->last);
			escape(c);
		}
		if (c->bal.on)
			vfc__coord_balance_step(c, vfs, n, held);
	}
	memcpy(c->prev, vfs, n * sizeof(*vfs));
	c->n = n;
	c->members = members;
	c->t_ns = t_ns;
	return vfc_coord_cap(c);
}
