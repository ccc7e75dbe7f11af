/* SPDX-License-Identifier: MIT */
/* coord_scan.c - the coordinator's scan rule: the fill rule as the anchor, a scan of the cap ladder on the members' total where the ticks are quiet. */
#include "core/coord_rules.h"

#include <math.h>
#include <stdlib.h>

/* Back to the fill rule from the cap in force (a workload change, a binding cap, a noisy pin). */
static void to_anchor(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;

	p->phase = VFC_COORD_SCAN_ANCHOR;
	p->still = p->moving = p->nring = 0;
	p->walk_best = 0;
	p->walk_low = 0;
	p->off = false;
	c->cap = p->base ? p->base : c->cap;
}

/* A workload's change: the fill rule walks from the cap in force, a scan again soon. */
static void reanchor(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;

	p->reanchors++;
	p->hold = VFC_COORD_PROBE_HOLD_MIN;
	p->wait = 0;
	to_anchor(c);
	p->climb_base = 0;
	p->from = c->cap;
	p->y_from = 0;
}

uint32_t vfc__coord_acting_cap(const struct vfc_coord *c, uint32_t cap)
{
	if (!(c->irq_use > 0) || c->irq_use * VFC_COORD_SCAN_FINE >= 1)
		return cap;
	return vfc__coord_clamp_cap((double)cap * c->irq_use * VFC_COORD_SCAN_ACT);
}

/* Whether the tick just read binds its cap (coord_rules.h, VFC_COORD_SCAN_BOUND). */
static bool binds(const struct vfc_coord *c)
{
	return c->bound_frac >= VFC_COORD_SCAN_BOUND && c->last.cap_hz &&
	       c->rate_tick >= VFC_COORD_SCAN_BOUND * c->last.cap_hz;
}

/* A scan from the base, whose settled total is y; its points from origin, none below the base where its
 * cap binds. */
static void start_scan(struct vfc_coord *c, double y, uint32_t origin)
{
	struct vfc_coord_scan *p = &c->scan;

	p->origin = origin;
	p->check_from = 0;
	p->phase = VFC_COORD_SCAN_VISIT;
	p->y_base = y;
	p->step = p->coarse ? VFC_COORD_SCAN_COARSE : VFC_COORD_SCAN_FINE;
	p->dir = 1;
	p->k = 1;
	p->miss = 0;
	p->best = p->base;
	p->y_best = y;
	p->rate_base = c->shallow_frac >= VFC_COORD_CLIMB_SHARE ? c->rate_shallow : 0;
	p->halved = false;
	p->no_down = binds(c);
	p->cost = 0;
	p->scans++;
	c->cap = vfc__coord_scan_point(p);
}

/* A scan of the scan rule's own (not a busy one) from the base: from the acting cap (coord_rules.h); up only
 * where the base's cap binds (start_scan). */
static void start_local(struct vfc_coord *c, double y)
{
	start_scan(c, y, vfc__coord_acting_cap(c, c->scan.base));
}

/* A new base, held (HOLD) with no wait: a scan's won point refined at once, or the walk's best tick
 * (the walk's guard). Its fill reference is taken afresh at its first settled tick. */
static void hold_base(struct vfc_coord *c, uint32_t base)
{
	struct vfc_coord_scan *p = &c->scan;

	p->base = base;
	p->check_from = 0;
	p->phase = VFC_COORD_SCAN_HOLD;
	p->off = true;
	p->wait = 0;
	p->hold = VFC_COORD_PROBE_HOLD_MIN;
	p->fill_ref = 0;
	p->off_ticks = 0;
	c->cap = base;
}

/* The scan is over: the best point becomes the base if it beats the base beyond the spread. A still
 * anchor no scan has won goes back to the fill rule; a pin stays the base (VFC_COORD_SCAN_PIN_TICKS). */
static void end_scan(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;
	bool busy = p->busy_scan, pinned = p->pinned, fine = !p->coarse && !p->climb && !busy;
	/* a busy scan backs off its own wait: the scan rule's pins and scans keep theirs */
	uint32_t *wait = busy ? &p->busy_wait : &p->wait, *hold = busy ? &p->busy_hold : &p->hold;

	p->coarse = false;
	p->busy_scan = false;
	p->up_only = false;
	p->climb = false;
	p->pinned = false;
	p->idle = 0;
	if (p->best != p->base) { /* won: refine at once, the busy step's wait too (a fine win checked first) */
		uint32_t from = p->base, hold_was = p->hold;

		p->moves++;
		p->busy_wait = 0;
		p->busy_hold = VFC_COORD_PROBE_HOLD_MIN;
		hold_base(c, p->best);
		if (fine) { /* its points read on one tick (coord_rules.h, the win's check) */
			p->check_from = from;
			p->y_check = p->y_base;
			p->hold_check = hold_was;
		}
		return;
	}
	p->off = p->off || pinned;
	vfc__coord_back_off(wait, hold);
	if (p->no_down) /* a costly scan's wait (coord_rules.h, VFC_COORD_SCAN_WAIT_MAX) */
		*wait = (uint32_t)fmax(*wait, fmin(p->cost / VFC_COORD_SCAN_MIN_GAIN, VFC_COORD_SCAN_WAIT_MAX));
	if (!p->off) {
		to_anchor(c);
		return;
	}
	p->phase = VFC_COORD_SCAN_HOLD;
	/* a busy scan that did not move the base leaves its reference: a workload's change during the
	 * scan must still show as a shifted fill */
	if (!busy) {
		p->fill_ref = 0;
		p->off_ticks = 0;
	}
	c->cap = p->base;
}

/* A busy scan from the cap in force: up by VFC_COORD_SCAN_COARSE a point. */
static void start_busy(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;

	p->base = c->last.cap_hz ? c->last.cap_hz : c->cap;
	p->coarse = true;
	start_scan(c, p->y_idle, p->base);
	p->busy_scan = true;
	p->busy_last = p->busy_idle;
	p->busy_scans++;
	p->idle = 0;
}

/* Whether x left x0 by VFC_COORD_PROBE_SHIFT either way (x0 = 0: unknown, no). */
static bool left(double x, double x0)
{
	return x0 > 0 && (x > x0 * VFC_COORD_PROBE_SHIFT || x * VFC_COORD_PROBE_SHIFT < x0);
}

/* Whether the fill rule's walk started VFC_COORD_SCAN_FROM x or more from the base (coord_rules.h). */
static bool far_from(const struct vfc_coord_scan *p)
{
	return p->from && (p->from >= VFC_COORD_SCAN_FROM * p->base || p->from * VFC_COORD_SCAN_FROM <= p->base);
}

/* The point here, read y, becomes the scan's best if it beats the best by the threshold; returns whether. */
static bool beats(struct vfc_coord_scan *p, uint32_t here, double y)
{
	if (!(y > p->y_best * (1 + vfc__coord_spread_gain(p))))
		return false;
	p->best = here;
	p->y_best = y;
	return true;
}

/* The cap halfway between caps a and b on the ladder's log scale (their geometric mean). */
static uint32_t midpoint(uint32_t a, uint32_t b)
{
	return vfc__coord_clamp_cap(sqrt((double)a * b));
}

/* A half step: to the midpoint of a and b (the last point that rose or the origin, and the one past it),
 * visited once. */
static void half_step(struct vfc_coord *c, uint32_t a, uint32_t b)
{
	c->scan.halved = true;
	c->cap = midpoint(a, b);
}

/* The scan turns down from its origin. */
static void turn_down(struct vfc_coord_scan *p)
{
	p->dir = -1;
	p->k = 1;
	p->miss = 0;
}

/* Whether the full-queue cap lies far enough below a base that no climb has run from (coord_rules.h,
 * VFC_COORD_CLIMB_BELOW). */
static bool climbable(const struct vfc_coord_scan *p)
{
	bool climbed = p->climb_base && !left(p->base, p->climb_base);

	return !climbed && p->rate_base > 0 && p->rate_base * VFC_COORD_CLIMB_BELOW <= p->base;
}

/* The climb's first point: the full-queue cap (its origin one step below, its points origin x step^k). */
static void start_climb(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;

	p->climb = true;
	p->climb_base = p->base;
	p->climbs++;
	p->coarse = true;
	p->step = VFC_COORD_CLIMB_STEP;
	p->dir = 1;
	p->k = 1;
	p->origin = vfc__coord_clamp_cap(p->rate_base / VFC_COORD_CLIMB_STEP);
	p->y_last = 0;
	p->halved = false;
	p->full_lo = p->cliff_hi = p->bisects = 0;
	c->cap = vfc__coord_scan_point(p);
}

/* The climb's cliff (coord_rules.h, VFC_COORD_CLIMB_BISECT) at a climb's point: whether it set the next point
 * or ended the climb. A point on the rising side is the cliff's lower bound, one past it its upper. */
static bool cliff_visit(struct vfc_coord *c, uint32_t here)
{
	struct vfc_coord_scan *p = &c->scan;
	bool full = c->rate_shallow >= VFC_COORD_CLIMB_FULL * here;
	uint32_t next;

	if (!p->cliff_hi && (full || !p->full_lo)) {
		if (full)
			p->full_lo = here;
		return false;
	}
	if (p->cliff_hi && ++p->bisects >= VFC_COORD_CLIMB_BISECT) {
		end_scan(c);
		return true;
	}
	if (full)
		p->full_lo = here;
	else
		p->cliff_hi = here;
	next = midpoint(p->full_lo, p->cliff_hi);
	if (next == p->full_lo || next == p->cliff_hi) {
		end_scan(c);
		return true;
	}
	c->cap = next;
	return true;
}

/* At a climb's point, settled at its last tick y: past the cliff, its bisection; else on while the total
 * climbs, below the base; where it fell after a point that beat the base, the half step between the two
 * last. */
static void climb_visit(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;
	uint32_t here = c->last.cap_hz, next;
	bool rose;

	if (p->at < VFC_COORD_SCAN_VISIT)
		return;
	beats(p, here, y);
	if (cliff_visit(c, here))
		return;
	if (p->halved) {
		end_scan(c);
		return;
	}
	rose = y > p->y_last * (1 + vfc__coord_spread_gain(p));
	p->y_last = y;
	p->k++;
	next = vfc__coord_scan_point(p);
	if (!rose && p->best != p->base && p->best != here) {
		half_step(c, p->best, here);
		return;
	}
	if (!rose || p->k > VFC_COORD_CLIMB_POINTS || next == here || next * VFC_COORD_CLIMB_STEP > p->base) {
		end_scan(c);
		return;
	}
	c->cap = next;
}

/* Whether the walk's start is due: no point beat the base (a local peak), the engines saturated, the
 * walk's start far from the base and its first tick (y_from) not clearly worse (coord_rules.h, VFC_COORD_SCAN_FROM). */
static bool from_due(const struct vfc_coord *c)
{
	const struct vfc_coord_scan *p = &c->scan;
	bool seen_worse = p->y_from > 0 && p->y_from < p->y_best * (1 - vfc__coord_spread_gain(p));

	return p->best == p->base && far_from(p) && c->busy_frac >= VFC_COORD_BUSY_FULL && !seen_worse;
}

/* A scan's points are done: where none beat the base (a local peak) and the engines are saturated,
 * the walk's start once, far from it (coord_rules.h, VFC_COORD_SCAN_FROM); else, where the full-queue cap
 * lies far below, the climb from it (VFC_COORD_CLIMB_STEP); else the end. */
static void scan_done(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;

	if (from_due(c)) {
		p->at_from = true;
		c->cap = p->from;
		p->from = 0;
		return;
	}
	if (p->best == p->base && climbable(p)) {
		start_climb(c);
		return;
	}
	end_scan(c);
}

/* Whether a fine scan's first point up, just missed, earns the half step (coord_rules.h, VFC_COORD_CLIMB_FULL). */
static bool half_due(const struct vfc_coord_scan *p)
{
	return !p->coarse && !p->up_only && p->dir > 0 && p->k == 2 && p->best == p->base &&
	       p->rate_base >= VFC_COORD_CLIMB_FULL * p->base;
}

/* At the half step's point, settled at its last tick y: the base there if it wins, else the scan down. */
static void half_visit(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;

	p->halved = false;
	if (beats(p, c->last.cap_hz, y)) {
		end_scan(c);
		return;
	}
	if (p->no_down) {
		scan_done(c);
		return;
	}
	turn_down(p);
	c->cap = vfc__coord_scan_point(p);
}

/* At a scan point, settled at its last tick y: on outward, the other way, or the end. */
static void visit(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;
	uint32_t here = c->last.cap_hz;
	bool edge;

	if (c->reshaped >= VFC_COORD_RESHAPED) {
		/* the workload changed under the scan: no comparison, the fill rule from the base at once */
		p->best = p->base;
		end_scan(c);
		reanchor(c);
		return;
	}
	if (p->busy_scan) {
		if (vfc__coord_busy_visit(c, y))
			end_scan(c);
		return;
	}
	if (p->climb) {
		climb_visit(c, y);
		return;
	}
	if (p->at < (p->coarse || p->at_from ? VFC_COORD_SCAN_VISIT : 1u))
		return;
	if (p->at_from) { /* the walk's start: the base there if it wins, else the climb's turn */
		p->at_from = false;
		beats(p, here, y);
		scan_done(c);
		return;
	}
	if (p->halved) {
		half_visit(c, y);
		return;
	}
	/* on outward only while the total climbs beyond the spread */
	if (beats(p, here, y))
		p->miss = 0;
	else
		p->miss++;
	p->k++;
	edge = vfc__coord_scan_point(p) == here;
	if (edge || p->miss) {
		if (half_due(p) && !from_due(c)) { /* the far tooth before the near top (coord_rules.h) */
			half_step(c, p->origin, here);
			return;
		}
		if (p->dir < 0 || p->best != p->base || p->up_only || p->no_down) {
			scan_done(c);
			return;
		}
		turn_down(p);
	}
	c->cap = vfc__coord_scan_point(p);
}

/* The median of the fill rule's last VFC_COORD_SCAN_MEDIAN caps (at least one is in the ring). */
static uint32_t recent_median(const struct vfc_coord_scan *p)
{
	uint32_t sorted[VFC_COORD_SCAN_MEDIAN];
	uint32_t n = p->nring < VFC_COORD_SCAN_MEDIAN ? p->nring : VFC_COORD_SCAN_MEDIAN;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = p->ring[(p->nring - 1 - i) % VFC_COORD_SCAN_RING], j = i;

		for (; j > 0 && sorted[j - 1] > v; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = v;
	}
	return sorted[n / 2];
}

/* The fill rule's recent median held VFC_COORD_SCAN_PIN_TICKS ticks. */
static void pin(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;

	p->base = recent_median(p);
	p->phase = VFC_COORD_SCAN_PIN;
	p->restless++;
	p->left = VFC_COORD_SCAN_PIN_TICKS;
	p->pins++;
	c->cap = p->base;
}

/* The walk's guard (coord_rules.h, VFC_COORD_SCAN_GUARD) on the tick just read, y: whether it ended the walk
 * (then its best tick's cap is the base). */
static bool guarded(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;
	uint32_t here = c->last.cap_hz;
	bool low;

	if (!p->walk_best || !(y > 0) || !here || c->reshaped >= VFC_COORD_RESHAPED || y > p->y_walk) {
		p->walk_best = here;
		p->y_walk = y;
		p->walk_low = 0;
		return false;
	}
	low = here != p->walk_best && y < p->y_walk * (1 - fmax(VFC_COORD_SCAN_GUARD, VFC_COORD_PROBE_Z * p->spread));
	p->walk_low = low ? p->walk_low + 1 : 0;
	if (p->walk_low < 2)
		return false;
	p->guards++;
	hold_base(c, p->walk_best);
	return true;
}

/* The fill rule; a pin where it has not held still for VFC_COORD_SCAN_MOVING ticks, a scan where it
 * holds and the ticks are quiet; the walk's guard first. */
static void anchor(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;
	uint32_t cap = c->cap;

	if (guarded(c, y))
		return;

	vfc__coord_fill_step(c);
	p->still = c->cap == cap ? p->still + 1 : 0;
	if (p->still >= VFC_COORD_PROBE_STILL)
		p->restless = 0;
	p->moving = p->still >= VFC_COORD_PROBE_STILL ? 0 : p->moving + 1;
	if (c->escape_chained && c->escape_tick == c->ticks)
		p->moving = 0; /* escapes in a row: a climb out of a binding cap (coord_rules.h, the escape's chain) */
	p->ring[p->nring++ % VFC_COORD_SCAN_RING] = c->cap;
	if (p->wait) {
		p->wait--;
	} else if (p->still >= VFC_COORD_PROBE_STILL && vfc__coord_spread_quiet(p) && p->at >= 2) {
		/* a fill rule held still answers the cap: refine, unless it sits at the ladder's end */
		p->base = c->cap;
		p->coarse = c->cap <= VFC_COORD_FILL_MIN_HZ * 1.05 || c->cap >= VFC_COORD_FILL_MAX_HZ / 1.05;
		start_local(c, y);
		return;
	} else if (p->moving >= VFC_COORD_SCAN_MOVING) {
		pin(c);
		return;
	}
	/* the busy step where the scan rule starts nothing and the fill rule holds the cap this tick (not
	 * in the middle of a walk: a scan from a cap the walk is leaving ends back there) */
	if (vfc__coord_busy_starved(p) && c->cap == cap)
		start_busy(c);
}

/* Whether the settled base tick's fill left the fill at this base (or the cap binds) twice in a row. */
static bool shifted(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;
	bool off;

	if (!(c->fill > 0))
		return false;
	if (!(p->fill_ref > 0)) {
		/* no reference from a workload's change: the base was judged on the one before */
		if (c->reshaped >= VFC_COORD_RESHAPED)
			return true;
		p->fill_ref = c->fill;
		p->bound_ref = c->bound_frac >= VFC_COORD_BOUND_REF;
	}
	/* binding is news only where the base did not bind at first (shallow tenants bind at every cap) */
	off = fabs(log(c->fill / p->fill_ref)) > log(VFC_COORD_PROBE_SHIFT) ||
	      (!p->bound_ref && c->bound_frac >= VFC_COORD_BOUND_SHARE);
	p->off_ticks = off ? p->off_ticks + 1 : 0;
	return p->off_ticks >= 2;
}

/* The members with traffic changed since the last step (a ramp primed): no pair spans it, a scan
 * ends without a win, a pin starts again, a base scans again soon. */
static void primed(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;

	p->primes = c->primes;
	p->climb_base = 0;
	p->cap_prev = 0;
	p->at = 0;
	p->idle = 0;
	if (p->phase == VFC_COORD_SCAN_VISIT) {
		p->best = p->base;
		p->pinned = false;
		end_scan(c);
	} else if (p->phase == VFC_COORD_SCAN_PIN) {
		to_anchor(c);
	} else if (p->phase == VFC_COORD_SCAN_HOLD) {
		p->wait = 0;
	}
}

void vfc__coord_scan_step(struct vfc_coord *c)
{
	struct vfc_coord_scan *p = &c->scan;
	double y = c->last.mbps;
	bool jump, calm;

	if (p->primes != c->primes)
		primed(c);
	jump = vfc__coord_spread_note(p, y, c->last.cap_hz);
	if (p->from && !(p->y_from > 0) && c->last.cap_hz == p->from)
		p->y_from = y; /* the first tick at the walk's start */
	if (p->phase != VFC_COORD_SCAN_VISIT)
		vfc__coord_busy_note(c, y);
	else if (p->y_base > 0 && y > 0 && y < p->y_base)
		p->cost += 1 - y / p->y_base; /* the scan's cost (coord_rules.h, VFC_COORD_SCAN_WAIT_MAX) */

	switch (p->phase) {
	case VFC_COORD_SCAN_ANCHOR:
		anchor(c, y);
		return;
	case VFC_COORD_SCAN_VISIT:
		visit(c, y);
		return;
	case VFC_COORD_SCAN_PIN:
		/* the fill rule would move the cap by more than VFC_COORD_PROBE_SHIFT, or the cap binds, twice:
		 * the fill answers the cap here, back to it */
		p->off_ticks = c->bound_frac >= VFC_COORD_BOUND_SHARE ||
					       (c->fill > 0 && c->fill < VFC_COORD_FILL_TARGET / (VFC_COORD_PROBE_SHIFT * VFC_COORD_PROBE_SHIFT))
				       ? p->off_ticks + 1 : 0;
		if (p->off_ticks >= 2) {
			p->off_ticks = 0;
			p->reanchors++;
			to_anchor(c);
			return;
		}
		if (--p->left)
			return;
		p->off_ticks = 0;
		calm = vfc__coord_spread_quiet(p);
		if (calm || (p->restless >= 2 && vfc__coord_spread_seen(p, VFC_COORD_SCAN_LOUD))) {
			p->coarse = true;
			start_local(c, y);
			p->pinned = true;
			p->up_only = !calm; /* a loud pin's scan */
			return;
		}
		to_anchor(c);
		vfc__coord_back_off(&p->wait, &p->hold);
		return;
	default:
		break;
	}
	/* HOLD, at the base */
	if (p->at < 2)
		return;
	if (p->check_from && vfc__coord_win_checked(c, y))
		return;
	if (shifted(c)) {
		reanchor(c);
		return;
	}
	if (jump) {
		/* a scan on the next tick, once shifted() has read the new workload's second tick: a
		 * scan on the jump's own tick takes the new workload's first reading for the base's */
		p->wait = 2;
		p->hold = VFC_COORD_PROBE_HOLD_MIN;
	}
	if (p->wait)
		p->wait--;
	if (!p->wait && vfc__coord_spread_quiet(p))
		start_local(c, y);
	else if (vfc__coord_busy_starved(p))
		start_busy(c);
}

bool vfc__coord_scan_settled(const struct vfc_coord *c)
{
	const struct vfc_coord_scan *p = &c->scan;

	/* a scan found nothing better (the rule waits), and the total holds still at the base */
	return p->phase == VFC_COORD_SCAN_HOLD && p->wait && p->at >= 4 && vfc__coord_spread_quiet(p) &&
	       fabs(c->last.mbps / p->y_prev - 1) <= vfc__coord_spread_period_gain(p);
}

double vfc__coord_scan_threshold(const struct vfc_coord *c)
{
	return vfc__coord_spread_period_gain(&c->scan);
}

void vfc__coord_scan_resume(struct vfc_coord *c, uint32_t base)
{
	struct vfc_coord_scan *p = &c->scan;

	c->cap = base;
	p->cap_prev = 0;
	p->at = 0;
	p->fill_ref = 0;
	p->off_ticks = 0;
}
