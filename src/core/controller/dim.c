/* SPDX-License-Identifier: MIT */
/* dim.c - Linux DIM style hill-climb over a ladder of caps (written from the net_dim documentation). */
#include "core/controller/internal.h"

#include <math.h>

/* |a - b| is significant relative to b. */
static bool dim_sig(double a, double b, double pct)
{
	if (b <= 0.0)
		return a > 0.0;
	return fabs(a - b) * 100.0 > pct * b;
}

/* +1 better, -1 worse, 0 same: speed first, then request rate, then (lower is better) interrupt rate. */
static int dim_compare(const struct vfc_speed_sample *cur, const struct vfc_speed_sample *prev, double pct)
{
	if (dim_sig(cur->mbps, prev->mbps, pct))
		return cur->mbps > prev->mbps ? 1 : -1;
	if (dim_sig(cur->ops_per_s, prev->ops_per_s, pct))
		return cur->ops_per_s > prev->ops_per_s ? 1 : -1;
	if (dim_sig(cur->irq_hz, prev->irq_hz, pct))
		return cur->irq_hz < prev->irq_hz ? 1 : -1;
	return 0;
}

/* Park in st; parked on top, the next tick becomes the reference. */
static void dim_park(struct vfc_controller *ctl, enum vfc__dim_state st)
{
	ctl->dim.state = st;
	ctl->dim.have_ref = false;
	ctl->dim.tired = 0;
	ctl->dim.rest_left = ctl->cfg.dim.rest ? ctl->cfg.dim.rest : ctl->dim.tired_max;
}

/* One step in dir; at the end of the ladder there is nowhere to go: park on top there. */
static void dim_move(struct vfc_controller *ctl)
{
	int64_t next = (int64_t)ctl->dim.ix + ctl->dim.dir;

	if (next < 0 || next >= (int64_t)ctl->dim.nlevels) {
		dim_park(ctl, VFC__DIM_PARKED_TOP);
		return;
	}
	ctl->dim.ix = (uint32_t)next;
}

/* Leave parking: towards less moderation unless already at the top of the ladder. */
static void dim_unpark(struct vfc_controller *ctl)
{
	ctl->dim.state = VFC__DIM_GOING;
	ctl->dim.turned = false;
	ctl->dim.tired = 0;
	ctl->dim.dir = ctl->dim.ix > 0 ? -1 : 1;
	dim_move(ctl);
}

/* Parked on top: the first tick spent parked is the reference; leave when a tick differs from it. */
static void dim_on_parked_top(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	if (!ctl->dim.have_ref) {
		ctl->dim.ref = *s;
		ctl->dim.have_ref = true;
	} else if (dim_compare(s, &ctl->dim.ref, ctl->cfg.dim.sig_pct) != 0) {
		dim_unpark(ctl);
	}
}

/* Parked tired: rest, then search again. */
static void dim_on_parked_tired(struct vfc_controller *ctl)
{
	if (ctl->dim.rest_left)
		ctl->dim.rest_left--;
	if (!ctl->dim.rest_left)
		dim_unpark(ctl);
}

/* Going: compare with the previous tick; better or same goes on, worse turns, twice worse or same
 * after a turn parks on top; too many steps park tired. */
static void dim_on_going(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	int cmp;

	if (!ctl->dim.have_prev) {
		dim_move(ctl); /* nothing to compare with yet: take the first step */
		return;
	}
	if (++ctl->dim.tired > ctl->dim.tired_max) {
		dim_park(ctl, VFC__DIM_PARKED_TIRED);
		return;
	}
	cmp = dim_compare(s, &ctl->dim.prev, ctl->cfg.dim.sig_pct);
	if (cmp < 0) {
		/* Worse: turn around (back to the better level). If we had turned already, the
		 * level behind us is the top: go back to it and park. */
		bool was_turned = ctl->dim.turned;

		ctl->dim.dir = -ctl->dim.dir;
		ctl->dim.turned = true;
		dim_move(ctl);
		if (was_turned && ctl->dim.state == VFC__DIM_GOING)
			dim_park(ctl, VFC__DIM_PARKED_TOP);
	} else if (cmp == 0 && ctl->dim.turned) {
		dim_park(ctl, VFC__DIM_PARKED_TOP); /* stable after exploring both sides: this is the top */
	} else {
		dim_move(ctl);
	}
}

void vfc__dim_init(struct vfc_controller *ctl, uint32_t initial_cap)
{
	ctl->dim.nlevels = vfc__ladder(&ctl->cfg, ctl->dim.levels);
	ctl->dim.ix = initial_cap ? vfc__nearest_level(ctl->dim.levels, ctl->dim.nlevels, initial_cap) : 0;
	ctl->dim.tired_max = ctl->cfg.dim.tired ? ctl->cfg.dim.tired : 2 * ctl->dim.nlevels;
	ctl->dim.state = VFC__DIM_GOING;
	/* Start towards more moderation (the problem is too many interrupts), unless at the bottom. */
	ctl->dim.dir = ctl->dim.ix + 1 < ctl->dim.nlevels ? 1 : -1;
	ctl->cap = ctl->dim.levels[ctl->dim.ix];
}

uint32_t vfc__dim_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	if (vfc__sample_idle(s))
		return ctl->cap;
	switch (ctl->dim.state) {
	case VFC__DIM_PARKED_TOP:
		dim_on_parked_top(ctl, s);
		break;
	case VFC__DIM_PARKED_TIRED:
		dim_on_parked_tired(ctl);
		break;
	case VFC__DIM_GOING:
		dim_on_going(ctl, s);
		break;
	case VFC__DIM_STATE_COUNT:
		break;
	}
	ctl->dim.prev = *s;
	ctl->dim.have_prev = true;
	ctl->cap = ctl->dim.levels[ctl->dim.ix];
	return ctl->cap;
}

const char *vfc__dim_state(const struct vfc_controller *ctl)
{
	static const char *const names[VFC__DIM_STATE_COUNT] = {
		[VFC__DIM_GOING] = "going",
		[VFC__DIM_PARKED_TOP] = "parked",
		[VFC__DIM_PARKED_TIRED] = "tired",
	};

	return (unsigned)ctl->dim.state < VFC__DIM_STATE_COUNT ? names[ctl->dim.state] : "?";
}
