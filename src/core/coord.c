/* SPDX-License-Identifier: MIT */
/* coord.c - the PF-side coordinator: the members' counters into one total sample per tick, one controller on it. */
#include "core/coord.h"

#include <errno.h>
#include <string.h>

int vfc_coord_init(struct vfc_coord *c, const struct vfc_controller_cfg *inner, uint32_t initial_cap)
{
	if (!c || !inner || inner->kind == VFC_CONTROLLER_KIND_PF)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	if (vfc_controller_init(&c->ctl, inner, initial_cap) < 0)
		return -EINVAL;
	c->state = VFC_COORD_IDLE;
	return 0;
}

uint32_t vfc_coord_cap(const struct vfc_coord *c)
{
	return vfc_controller_cap(&c->ctl);
}

const char *vfc_coord_state_name(enum vfc_coord_state s)
{
	static const char *const names[] = {
		[VFC_COORD_IDLE] = "idle", [VFC_COORD_PRIMING] = "priming", [VFC_COORD_RUNNING] = "running",
	};

	return (unsigned)s < VFC_COORD_STATE_COUNT ? names[s] : "?";
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

/* The members' total since the previous reading, dt_ns > 0. */
static void total_sample(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n, uint64_t dt_ns,
			 uint32_t n_engines, struct vfc_speed_sample *s)
{
	uint64_t bytes = 0, ops = 0, irqs = 0, busy = 0, bound = 0;
	uint32_t depth = 0;
	double secs = (double)dt_ns / 1e9;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t b, o, q;

		if (!c->active[i])
			continue;
		b = vfc_mon_delta64(c->prev[i].bytes, vfs[i].bytes);
		o = vfc_mon_delta64(c->prev[i].ops, vfs[i].ops);
		q = vfc_mon_delta64(c->prev[i].irqs, vfs[i].irqs);
		if (q && vfs[i].depth && (double)o >= VFC_COORD_BOUND_Q * (double)q * vfs[i].depth)
			bound += b;
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
	s->cap_hz = vfc_controller_cap(&c->ctl);
	s->depth = depth;
	c->bound_frac = bytes ? (double)bound / (double)bytes : 0;
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
 * controller starts again above it (vfc_coord.h, VFC_COORD_BOUND_Q). */
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
	up = VFC_COORD_ESCAPE * (double)cap;
	if (up > VFC_CONTROLLER_MAX_HZ)
		up = VFC_CONTROLLER_MAX_HZ;
	vfc_controller_init(&c->ctl, &cfg, (uint32_t)up);
	c->bound_ticks = 0;
	c->escapes++;
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
		c->state = VFC_COORD_PRIMING;
		c->stable = 0;
		memset(c->active, 0, sizeof(c->active));
	} else if (note_active(c, vfs, n) < VFC_COORD_RAMP_TICKS) {
		c->state = VFC_COORD_PRIMING;
	} else {
		total_sample(c, vfs, n, dt, n_engines, &c->last);
		vfc_controller_step(&c->ctl, &c->last);
		c->ticks++;
		c->state = VFC_COORD_RUNNING;
		escape(c);
	}
	memcpy(c->prev, vfs, n * sizeof(*vfs));
	c->n = n;
	c->members = members;
	c->t_ns = t_ns;
	return vfc_coord_cap(c);
}
