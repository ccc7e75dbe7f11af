/* SPDX-License-Identifier: MIT */
/* dim_kernel.c - dim:kernel, Linux lib/dim's decision logic (net_dim.c, dim.c) step for step over 5 caps. */
#include "core/controller/internal.h"

#include <math.h>

/*
 * Written from the kernel's documented behaviour (lib/dim: net_dim_decision, net_dim_step,
 * dim_on_top, dim_turn, dim_park_on_top, dim_park_tired, net_dim_stats_compare, dim_calc_stats);
 * the names below follow the kernel's. One kernel measurement window (NET_DIM_NEVENTS events)
 * is one tick here; ticks without completions are skipped, as the kernel never decides on a
 * window without events. docs/controllers.md lists how this differs from `dim`.
 */

/* The RX EQE profiles' periods (1, 8, 64, 128, 256 us) as caps: 10^6 / usec Hz. */
static const uint32_t profile_usec[VFC_CONTROLLER_DIMK_PROFILES] = { 1, 8, 64, 128, 256 };

#define DIMK_DEF_PROFILE 1                                /* NET_DIM_DEF_PROFILE_EQE */
#define DIMK_TIRED_MAX (VFC_CONTROLLER_DIMK_PROFILES * 2) /* net_dim_step's limit */

enum step_res { STEPPED, TOO_TIRED, ON_EDGE };
enum stats_res { STATS_WORSE, STATS_SAME, STATS_BETTER };

static uint32_t profile_cap(uint32_t ix)
{
	return vfc__hz_round(1e6 / profile_usec[ix]);
}

/* dim_calc_stats: per millisecond, rounded up (DIV_ROUND_UP), saturating. */
static uint32_t per_ms(double per_s)
{
	double v = ceil(per_s / 1000.0);

	return v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v;
}

static struct vfc__dimk_stats calc_stats(const struct vfc_speed_sample *s)
{
	struct vfc__dimk_stats st = {
		.ppms = per_ms(s->ops_per_s),
		.bpms = per_ms(s->mbps * 1e6),
		.epms = per_ms(s->irq_hz),
	};

	return st;
}

/* IS_SIGNIFICANT_DIFF: more than 10%, in the kernel's integer arithmetic (ref != 0). */
static bool significant(uint32_t val, uint32_t ref)
{
	uint64_t diff = val > ref ? val - ref : ref - val;

	return 100ull * diff / ref > 10;
}

/* net_dim_stats_compare: bytes, then packets, then events (fewer is better); an empty
 * reference makes any traffic better. */
static enum stats_res stats_compare(const struct vfc__dimk_stats *curr, const struct vfc__dimk_stats *prev)
{
	if (!prev->bpms)
		return curr->bpms ? STATS_BETTER : STATS_SAME;
	if (significant(curr->bpms, prev->bpms))
		return curr->bpms > prev->bpms ? STATS_BETTER : STATS_WORSE;
	if (!prev->ppms)
		return curr->ppms ? STATS_BETTER : STATS_SAME;
	if (significant(curr->ppms, prev->ppms))
		return curr->ppms > prev->ppms ? STATS_BETTER : STATS_WORSE;
	if (!prev->epms)
		return STATS_SAME;
	if (significant(curr->epms, prev->epms))
		return curr->epms < prev->epms ? STATS_BETTER : STATS_WORSE;
	return STATS_SAME;
}

/* dim_on_top: after a turn, one step back towards where it came from, and that step was better. */
static bool on_top(const struct vfc_controller *ctl)
{
	switch (ctl->dimk.state) {
	case VFC__DIMK_GOING_RIGHT:
		return ctl->dimk.steps_left > 1 && ctl->dimk.steps_right == 1;
	case VFC__DIMK_GOING_LEFT:
		return ctl->dimk.steps_right > 1 && ctl->dimk.steps_left == 1;
	default:
		return true;
	}
}

/* dim_turn */
static void turn(struct vfc_controller *ctl)
{
	if (ctl->dimk.state == VFC__DIMK_GOING_RIGHT) {
		ctl->dimk.state = VFC__DIMK_GOING_LEFT;
		ctl->dimk.steps_left = 0;
	} else if (ctl->dimk.state == VFC__DIMK_GOING_LEFT) {
		ctl->dimk.state = VFC__DIMK_GOING_RIGHT;
		ctl->dimk.steps_right = 0;
	}
}

/* dim_park_on_top */
static void park_on_top(struct vfc_controller *ctl)
{
	ctl->dimk.steps_right = 0;
	ctl->dimk.steps_left = 0;
	ctl->dimk.tired = 0;
	ctl->dimk.state = VFC__DIMK_PARKING_ON_TOP;
}

/* dim_park_tired: tired stays at its limit and counts down while parked. */
static void park_tired(struct vfc_controller *ctl)
{
	ctl->dimk.steps_right = 0;
	ctl->dimk.steps_left = 0;
	ctl->dimk.state = VFC__DIMK_PARKING_TIRED;
}

/* net_dim_step: every step counts towards tired, turns included. */
static enum step_res step(struct vfc_controller *ctl)
{
	if (ctl->dimk.tired == DIMK_TIRED_MAX)
		return TOO_TIRED;
	switch (ctl->dimk.state) {
	case VFC__DIMK_GOING_RIGHT:
		if (ctl->dimk.ix == VFC_CONTROLLER_DIMK_PROFILES - 1)
			return ON_EDGE;
		ctl->dimk.ix++;
		ctl->dimk.steps_right++;
		break;
	case VFC__DIMK_GOING_LEFT:
		if (ctl->dimk.ix == 0)
			return ON_EDGE;
		ctl->dimk.ix--;
		ctl->dimk.steps_left++;
		break;
	default:
		break;
	}
	ctl->dimk.tired++;
	return STEPPED;
}

/* net_dim_exit_parking: towards lower profiles (higher caps) unless at profile 0. */
static void exit_parking(struct vfc_controller *ctl)
{
	ctl->dimk.state = ctl->dimk.ix ? VFC__DIMK_GOING_LEFT : VFC__DIMK_GOING_RIGHT;
	step(ctl);
}

/* The going states: anything not better turns; then park on top, or step (park at an edge or tired). */
static void on_going(struct vfc_controller *ctl, const struct vfc__dimk_stats *curr)
{
	if (stats_compare(curr, &ctl->dimk.prev) != STATS_BETTER)
		turn(ctl);
	if (on_top(ctl)) {
		park_on_top(ctl);
		return;
	}
	switch (step(ctl)) {
	case ON_EDGE:
		park_on_top(ctl);
		break;
	case TOO_TIRED:
		park_tired(ctl);
		break;
	case STEPPED:
		break;
	}
}

/* net_dim_decision; prev_stats is kept while staying parked on top (the reference is the last
 * stats before parking), replaced otherwise. */
static void decision(struct vfc_controller *ctl, const struct vfc__dimk_stats *curr)
{
	enum vfc__dimk_state prev_state = ctl->dimk.state;

	switch (ctl->dimk.state) {
	case VFC__DIMK_PARKING_ON_TOP:
		if (stats_compare(curr, &ctl->dimk.prev) != STATS_SAME)
			exit_parking(ctl);
		break;
	case VFC__DIMK_PARKING_TIRED:
		if (!--ctl->dimk.tired)
			exit_parking(ctl);
		break;
	case VFC__DIMK_GOING_RIGHT:
	case VFC__DIMK_GOING_LEFT:
		on_going(ctl, curr);
		break;
	case VFC__DIMK_STATE_COUNT:
		break;
	}
	if (prev_state != VFC__DIMK_PARKING_ON_TOP || ctl->dimk.state != VFC__DIMK_PARKING_ON_TOP)
		ctl->dimk.prev = *curr;
}

void vfc__dimk_init(struct vfc_controller *ctl)
{
	/* A zeroed struct dim at the default profile: parked on top with empty stats. */
	ctl->dimk.ix = DIMK_DEF_PROFILE;
	ctl->dimk.state = VFC__DIMK_PARKING_ON_TOP;
	ctl->cap = profile_cap(ctl->dimk.ix);
}

uint32_t vfc__dimk_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	struct vfc__dimk_stats curr;

	if (vfc__sample_idle(s))
		return ctl->cap;
	curr = calc_stats(s);
	decision(ctl, &curr);
	return ctl->cap = profile_cap(ctl->dimk.ix);
}

const char *vfc__dimk_state(const struct vfc_controller *ctl)
{
	static const char *const names[VFC__DIMK_STATE_COUNT] = {
		[VFC__DIMK_PARKING_ON_TOP] = "parked",
		[VFC__DIMK_PARKING_TIRED] = "tired",
		[VFC__DIMK_GOING_RIGHT] = "right",
		[VFC__DIMK_GOING_LEFT] = "left",
	};

	return (unsigned)ctl->dimk.state < VFC__DIMK_STATE_COUNT ? names[ctl->dimk.state] : "?";
}
