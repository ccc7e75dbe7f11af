/* SPDX-License-Identifier: MIT */
/* tick.c - the controllers' tick: each VF's counters sampled, its controller stepped, a new cap applied. */
#include "sim/sim_internal.h"

#include <stdio.h>

void vfc__sim_vf_counters(const struct vfc__sim *s, uint32_t vfi, struct vfc_mon_counters *c)
{
	const struct vfc__sim_vf *v = &s->vfs[vfi];

	if (s->samp) {
		s->samp_counters(s, vfi, c); /* the aggregated mode's, scaled */
		return;
	}
	c->t_ns = s->now;
	c->bytes = v->bytes_done;
	c->ops = v->completed;
	c->irqs = v->irqs;
	c->cpu_ns = v->cpu_ns;
}

int vfc__sim_set_cap(struct vfc__sim *s, uint32_t vfi, uint32_t cap)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];
	struct vfc_moderation m = v->moder.cfg;
	uint64_t dl = 0;
	enum vfc_moder_verdict vd;
	bool fired;
	int rc;

	if (cap == m.cap_hz)
		return 0;
	m.cap_hz = cap;
	vfc_moder_set(&v->moder, &m);
	vd = vfc_moder_check(&v->moder, s->now, false, &dl);
	/* WAIT arms the new deadline: what is pending may be all the VF has in flight */
	rc = vfc__sim_moder_verdict(s, vfi, vd, dl, &fired);
	if (fired)
		s->irq_debt_ns += vfc__sim_engine_irq_cost(s, v);
	return rc;
}

int vfc__sim_tick_step(struct vfc__sim *s)
{
	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		struct vfc__sim_vf *v = &s->vfs[i];
		struct vfc_mon_counters cur;
		struct vfc_speed_sample smp;
		uint32_t cap = v->moder.cfg.cap_hz, ncap;
		int rc;

		vfc__sim_vf_counters(s, i, &cur);
		if (vfc_mon_sample(&s->mprev[i], &cur, cap, v->open ? v->population : v->depth, &smp) < 0)
			continue;
		s->mprev[i] = cur;
		ncap = vfc_controller_step(&s->ctl[i], &smp);
		if (s->o->csv)
			fprintf(s->o->csv, "%.3f,%u,%u,%s,%u,%.3f,%.1f,%.1f,%.4f\n", cur.t_ns / 1e9, i, v->group,
				vfc_controller_name(&s->ctl[i]), cap, smp.mbps, smp.irq_hz, smp.ops_per_s, smp.cpu_frac);
		if ((rc = vfc__sim_set_cap(s, i, ncap)))
			return rc;
	}
	/* The VFs in pf mode reported the cap in force (their controller asks for none): the PF sets it. */
	return s->pf_step ? s->pf_step(s) : 0;
}

int vfc__sim_on_tick(struct vfc__sim *s)
{
	int rc = vfc__sim_tick_step(s);

	if (rc)
		return rc;
	if (s->now + s->sc->tick_ns < s->sc->duration_ns)
		return vfc__sim_heap_push(&s->h, s->now + s->sc->tick_ns, VFC__SIM_EV_TICK, 0, 0);
	return 0;
}
