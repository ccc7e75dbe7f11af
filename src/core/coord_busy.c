/* SPDX-License-Identifier: MIT */
/* coord_busy.c - the scan rule's busy step: where the engines idle, a scan up from the cap in force that reads the engines' busy time. */
#include "core/coord_rules.h"

#include <math.h>

/* The busy step (coord_rules.h, VFC_COORD_BUSY_IDLE): the streak of ticks with the engines idle, their mean
 * total and busy fraction (over the streak's last VFC_COORD_BUSY_TICKS ticks, about). A tick without
 * engine time (none measured) is no reading. */
void vfc__coord_busy_note(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;
	double a;

	if (p->busy_wait)
		p->busy_wait--;
	if (!p->busy_on || !(c->busy_frac > 0) || c->busy_frac >= VFC_COORD_BUSY_IDLE) {
		p->idle = 0;
		return;
	}
	p->idle++;
	a = 1.0 / (p->idle < VFC_COORD_BUSY_TICKS ? p->idle : VFC_COORD_BUSY_TICKS);
	p->y_idle = p->idle == 1 ? y : p->y_idle + a * (y - p->y_idle);
	p->busy_idle = p->idle == 1 ? c->busy_frac : p->busy_idle + a * (c->busy_frac - p->busy_idle);
}

/* Whether the engines have idled long enough for a busy scan, none waiting. */
bool vfc__coord_busy_starved(const struct vfc_coord_scan *p)
{
	return p->busy_on && p->idle >= VFC_COORD_BUSY_TICKS && !p->busy_wait;
}

/* Whether the engines got busier, busy_now over busy_ref: by VFC_COORD_BUSY_RISE of themselves at
 * VFC_COORD_BUSY_IDLE, in proportion below it (coord_rules.h: their time grows with the total). */
static bool busier(double busy_now, double busy_ref)
{
	return busy_now >= busy_ref * (1 + VFC_COORD_BUSY_RISE / VFC_COORD_BUSY_IDLE);
}

/* At a busy scan's point, settled at its last tick y: the best so far if its total beats the best by the
 * threshold with the engines busier than at the base; on while the engines get busier. Returns whether the
 * scan is over (the scan rule ends it: coord_scan.c). */
bool vfc__coord_busy_visit(struct vfc_coord *c, double y)
{
	struct vfc_coord_scan *p = &c->scan;
	uint32_t here = c->last.cap_hz;
	bool rose;

	if (p->at < VFC_COORD_SCAN_VISIT)
		return false;
	if (y > p->y_best * (1 + fmax(VFC_COORD_BUSY_GAIN, VFC_COORD_BUSY_Z * p->spread)) &&
	    busier(c->busy_frac, p->busy_idle)) {
		p->best = here;
		p->y_best = y;
	}
	rose = busier(c->busy_frac, p->busy_last);
	p->busy_last = c->busy_frac;
	p->k++;
	if (!rose || c->busy_frac >= VFC_COORD_BUSY_FULL || p->k > VFC_COORD_BUSY_POINTS ||
	    vfc__coord_scan_point(p) == here)
		return true;
	c->cap = vfc__coord_scan_point(p);
	return false;
}
