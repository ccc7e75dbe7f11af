/* SPDX-License-Identifier: MIT */
/* coord_fill.c - the coordinator's fill rule: each interrupt should hand back VFC_COORD_FILL_TARGET of a queue. */
#include "core/coord_rules.h"

#include <math.h>

/* A cap on the fill rule's ladder: [VFC_COORD_FILL_MIN_HZ, VFC_COORD_FILL_MAX_HZ], rounded. */
uint32_t vfc__coord_clamp_cap(double hz)
{
	return (uint32_t)(fmin(fmax(hz, VFC_COORD_FILL_MIN_HZ), VFC_COORD_FILL_MAX_HZ) + 0.5);
}

/* The escape's factor: VFC_COORD_ESCAPE, or up to the cap that would fill idle engines (coord_rules.h, the
 * escape's leap). */
double vfc__coord_escape_factor(const struct vfc_coord *c)
{
	if (!(c->busy_frac > 0))
		return VFC_COORD_ESCAPE;
	return fmax(VFC_COORD_ESCAPE, fmin(VFC_COORD_ESCAPE_MAX, 1.0 / c->busy_frac));
}

/*
 * The coordinator's own rule (coord_rules.h, vfc_coord_init_fill): the cap moves by
 * (fill / fill_target)^VFC_COORD_FILL_GAIN when that is more than VFC_COORD_FILL_HYST away from 1,
 * so that each interrupt hands back about fill_target of a queue; a cap that binds
 * VFC_COORD_BOUND_TICKS in a row (the escape's test, whatever the engines' load; under the scan rule
 * its every tick counts, the escape's row) doubles at once, or more where the engines idle (the
 * escape's leap), and again on each tick after that it still binds (the escape's chain; coord_rules.h).
 */
void vfc__coord_fill_step(struct vfc_coord *c)
{
	bool chained = c->escape_tick && c->escape_tick + 1 == c->ticks; /* the tick before escaped */
	double target;

	if (c->bound_frac >= VFC_COORD_BOUND_SHARE && c->cap) {
		/* the ticks in a row: under the scan rule every tick's, else the fill rule's own (coord_rules.h) */
		uint32_t row = c->rule == VFC_COORD_RULE_SCAN ? c->bound_run : ++c->bound_ticks;

		if (row >= VFC_COORD_BOUND_TICKS || chained) {
			target = vfc__coord_escape_factor(c) * (double)c->cap;
			c->cap = (uint32_t)fmin(target, VFC_COORD_FILL_MAX_HZ);
			c->bound_ticks = 0;
			c->bound_run = 0;
			c->escapes++;
			c->escape_chained = chained;
			c->escape_tick = c->ticks;
			return;
		}
	} else {
		c->bound_ticks = 0;
	}
	if (!(c->fill > 0) || !c->cap)
		return;
	target = (double)c->cap * pow(c->fill / c->fill_target, VFC_COORD_FILL_GAIN);
	if (target < VFC_COORD_FILL_MIN_HZ)
		target = VFC_COORD_FILL_MIN_HZ;
	if (target > VFC_COORD_FILL_MAX_HZ)
		target = VFC_COORD_FILL_MAX_HZ;
	if (fabs(target / (double)c->cap - 1) > VFC_COORD_FILL_HYST)
		c->cap = (uint32_t)(target + 0.5);
}
