/* SPDX-License-Identifier: MIT */
/* pf.c - the PF-side coordinator in the simulator: the pf-mode VFs' counters into core's coordinator each tick, its caps to the members. */
#include "sim/sim_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/coord.h"

/*
 * A scenario is one PF: its engines are shared by every VF of every group, so one coordinator sees
 * all of the VFs in pf mode (those whose controller is `pf`), as the device's PF thread
 * (src/device/pf_coord.c) sees all of its VFs. It is core's coordinator, unmodified, fed as the
 * device feeds it: one reading per member per tick (cumulative bytes, ops, interrupts, engine time,
 * the queue's depth), the engines' count, and each member's cap (vfc_coord_member_cap: the common cap
 * it returns, or with the balance that x the member's multiplier) applied the way a VF controller's new
 * cap is (vfc__sim_set_cap). Membership never changes during a run, so only the
 * members are passed (the device passes every VF with a member flag; the coordinator skips
 * non-members either way).
 */

struct vfc__sim_pf {
	struct vfc_coord st;
	uint32_t n;                 /* members */
	uint32_t *vfi;              /* [n]: their VF indices */
	struct vfc_coord_vf *rd;    /* [n]: their readings */
	double *busy_ns;            /* [n]: engine time so far, estimated per tick (below) */
	bool trace;                 /* VFC_PF_TRACE set: a line per tick on stderr, as the device's */
};

static int step(struct vfc__sim *s);

static bool is_member(const struct vfc__sim *s, uint32_t vfi)
{
	return s->ctl[vfi].cfg.kind == VFC_CONTROLLER_KIND_PF;
}

void vfc__sim_pf_free(struct vfc__sim *s)
{
	struct vfc__sim_pf *p = s->pf;

	if (!p)
		return;
	free(p->vfi);
	free(p->rd);
	free(p->busy_ns);
	free(p);
	s->pf = NULL;
}

/*
 * After the VFs' controllers are initialised: a coordinator if any VF is in pf mode, its members
 * at its opening cap (the device's VFC_COORD_INITIAL_HZ), its first reading (the reference) at 0.
 * 0, -E2BIG (more members than VFC_COORD_MAX_VFS), -EINVAL or -ENOMEM.
 */
int vfc__sim_pf_init(struct vfc__sim *s)
{
	struct vfc__sim_pf *p;
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->sc->nvfs; i++)
		n += is_member(s, i);
	if (!n)
		return 0;
	if (n > VFC_COORD_MAX_VFS)
		return -E2BIG;
	s->pf_step = step;
	p = s->pf = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->vfi = calloc(n, sizeof(*p->vfi));
	p->rd = calloc(n, sizeof(*p->rd));
	p->busy_ns = calloc(n, sizeof(*p->busy_ns));
	if (!p->vfi || !p->rd || !p->busy_ns)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->sc->nvfs; i++)
		if (is_member(s, i))
			p->vfi[p->n++] = i;
	p->trace = getenv("VFC_PF_TRACE") != NULL;
	/* the coordinator as the device's PF thread makes it: the first member's pf:SPEC, else the default */
	if (vfc_coord_init_spec(&p->st, s->ctl[p->vfi[0]].cfg.pf_coord, VFC_COORD_INITIAL_HZ) < 0)
		return -EINVAL;
	for (uint32_t k = 0; k < n; k++) {
		struct vfc__sim_vf *v = &s->vfs[p->vfi[k]];
		struct vfc_moderation m = v->moder.cfg;

		p->rd[k].member = true;
		m.cap_hz = vfc_coord_cap(&p->st);
		vfc_moder_init(&v->moder, &m);
	}
	(void)vfc_coord_tick(&p->st, 0, p->rd, p->n, s->sc->engines);
	return 0;
}

/*
 * One member's reading from its counters (the aggregated mode's scaled ones at a tick). Engine time:
 * the tick's requests and bytes at the VF's current algorithm's service time (engine_ns per request,
 * engine_ns_per_kib per KiB: jitter averages out) and its interrupts at the engine's cost of raising
 * one; a tick that spans a change of algorithm is off by the mix. The device counts it per request;
 * the simulator's engines keep no per-VF time, and the aggregated mode could only scale it the same way.
 */
static void reading(struct vfc__sim *s, struct vfc__sim_pf *p, uint32_t k, const struct vfc_mon_counters *c)
{
	const struct vfc__sim_vf *v = &s->vfs[p->vfi[k]];
	const struct vfc_sim_algo_prof *a = vfc__sim_algo_prof(s, v->algo);
	struct vfc_coord_vf *r = &p->rd[k];

	/* r holds the previous tick's counters until overwritten below (zeros before the first) */
	p->busy_ns[k] += (double)(c->ops - r->ops) * a->engine_ns +
			 (double)(c->bytes - r->bytes) / 1024.0 * a->engine_ns_per_kib +
			 (double)(c->irqs - r->irqs) * (double)v->eng_irq_ns;
	r->ops = c->ops;
	r->bytes = c->bytes;
	r->irqs = c->irqs;
	r->busy_ns = (uint64_t)p->busy_ns[k];
	r->depth = v->open ? v->population : v->depth;
}

/* A line per tick on stderr (VFC_PF_TRACE), as the device's (src/device/pf_coord.c). */
static void trace_tick(const struct vfc_coord *c, uint64_t t)
{
	char line[320];

	vfc_coord_format_tick(c, (double)t / 1e9, line, sizeof(line));
	fprintf(stderr, "%s\n", line);
}

/* The tick: every member's reading, one coordinator step, each member's cap to it (the common cap, or
 * with the balance, pf:bal, the common cap x the member's multiplier). 0 or an error. */
static int step(struct vfc__sim *s)
{
	struct vfc__sim_pf *p = s->pf;
	uint64_t t = s->now;
	int rc;

	if (!p)
		return 0;
	for (uint32_t k = 0; k < p->n; k++) {
		struct vfc_mon_counters c;

		vfc__sim_vf_counters(s, p->vfi[k], &c);
		t = c.t_ns;
		reading(s, p, k, &c);
	}
	(void)vfc_coord_tick(&p->st, t, p->rd, p->n, s->sc->engines);
	if (p->trace)
		trace_tick(&p->st, t);
	for (uint32_t k = 0; k < p->n; k++) {
		if ((rc = vfc__sim_set_cap(s, p->vfi[k], vfc_coord_member_cap(&p->st, k))))
			return rc;
	}
	return 0;
}

void vfc__sim_pf_stats(const struct vfc__sim *s, struct vfc_sim_pf_result *out)
{
	const struct vfc__sim_pf *p = s->pf;

	if (!p)
		return;
	out->members = p->n;
	out->ticks = p->st.ticks;
	out->escapes = p->st.escapes;
	out->restarts = p->st.restarts;
	out->cap_hz = vfc_coord_cap(&p->st);
}
