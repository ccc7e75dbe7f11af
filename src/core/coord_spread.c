/* SPDX-License-Identifier: MIT */
/* coord_spread.c - the scan rule's ticks: how many in a row at one cap, their spread, a jump (a workload's change), the gains a scan can see and must show, and a win's check on its settled tick. */
#include "core/coord_rules.h"

#include <math.h>

/*
 * Every tick: how many in a row ran at this cap; a settled pair (this tick and the one before at one
 * cap, neither the first at it) updates the spread. Returns whether the pair jumped beyond
 * max(10%, 4 x spread) (a workload's change), once the spread is known. A jump is a change, not the
 * ticks' noise, and stays out of the spread: in it, it raised the scans' threshold for the next tens
 * of ticks (suite seed 537440838: after a change at 121 s it hid a gain of 3.6%).
 */
bool vfc__coord_spread_note(struct vfc_coord_scan *p, double y, uint32_t cap)
{
	bool jump = false;

	p->at = cap == p->cap_prev ? p->at + 1 : 1;
	if (p->at >= 3 && p->y_prev > 0 && y > 0) {
		double d = fabs(y / p->y_prev - 1);

		jump = p->npairs >= VFC_COORD_SCAN_MIN_PAIRS && d > fmax(0.1, 4 * p->spread);
		if (!jump) {
			p->spread += VFC_COORD_PROBE_EWMA * (d - p->spread);
			p->npairs++;
		}
	}
	p->y_prev = y;
	p->cap_prev = cap;
	return jump;
}

/* Whether a gain of gate could be seen over the ticks' spread now. */
bool vfc__coord_spread_seen(const struct vfc_coord_scan *p, double gate)
{
	return p->npairs >= VFC_COORD_SCAN_MIN_PAIRS && VFC_COORD_PROBE_Z * p->spread <= gate;
}

/* Quiet: a gain of VFC_COORD_SCAN_GATE could be seen; loud, a pin's up scan's VFC_COORD_SCAN_LOUD. */
bool vfc__coord_spread_quiet(const struct vfc_coord_scan *p)
{
	return vfc__coord_spread_seen(p, VFC_COORD_SCAN_GATE);
}

/* A gain a scan's point must show over the best so far (coord_rules.h, VFC_COORD_SCAN_MIN_GAIN). */
double vfc__coord_spread_gain(const struct vfc_coord_scan *p)
{
	return fmax(VFC_COORD_SCAN_MIN_GAIN, VFC_COORD_PROBE_Z * p->spread);
}

/* The same for the trial's periods and a settled base: the probe rule's floor. */
double vfc__coord_spread_period_gain(const struct vfc_coord_scan *p)
{
	return fmax(VFC_COORD_PROBE_MIN_GAIN, vfc__coord_spread_gain(p));
}

/* The win's check (coord_rules.h) at a won scan's new base, its first settled tick y: back to the base the scan
 * left, and its wait backed off from the hold it had, where y reads under that base's total by the
 * scan's threshold (the win read a transient); returns whether. Not across a workload's change. */
bool vfc__coord_win_checked(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;
	uint32_t from = p->check_from;

	p->check_from = 0;
	if (c->reshaped >= VFC_COORD_RESHAPED || !(y < p->y_check * (1 - vfc__coord_spread_gain(p))))
		return false;
	p->reverts++;
	p->base = from;
	p->fill_ref = 0;
	p->off_ticks = 0;
	p->hold = p->hold_check > p->hold ? p->hold_check : p->hold;
	vfc__coord_back_off(&p->wait, &p->hold);
	c->cap = from;
	return true;
}
