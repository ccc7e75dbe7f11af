/* SPDX-License-Identifier: MIT */
/* tenant.c - the tenants: vCPU jobs (reap, submit), wake-ups, closed-loop population, open-loop arrivals, phases. */
#include "sim/sim_internal.h"

#include <math.h>

static void vf_costs(struct vfc__sim *s, struct vfc__sim_vf *v)
{
	const struct vfc_sim_algo_prof *a = vfc__sim_algo_prof(s, v->algo);
	const struct vfc_sim_profile *p = &s->sc->prof;
	double kib = v->bytes / 1024.0;

	v->req_cost_ns = a->req_ns + a->copy_ns_per_kib * kib;
	v->irq_cost_ns = vfc__sim_ns_round(p->t0_ns + p->evict_ns_per_kib * kib);
	/* Engine time to raise one interrupt (software devices: the eventfd write and the cache refill). */
	v->eng_irq_ns = vfc__sim_ns_round(p->engine_irq_ns + p->engine_irq_ns_per_kib * kib);
	v->svc_ns = a->engine_ns + a->engine_ns_per_kib * kib;
	v->nseg = a->seg_bytes ? (v->bytes + a->seg_bytes - 1) / a->seg_bytes : 1;
}

/* Start jobs on free cores: reaps first (they hold completed requests), then submissions. */
int vfc__sim_cpu_kick(struct vfc__sim *s, uint32_t vfi)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];

	if (v->reap_pending && !v->done_unreaped)
		v->reap_pending = false; /* a segment's interrupt, or already reaped: nothing to do */
	if (v->reap_pending && v->open && v->cores_busy < v->cores) {
		/* Open loop: the reap resubmits nothing and costs nothing: done now, no job, no event. */
		v->population -= v->done_unreaped;
		v->done_unreaped = 0;
		v->reap_pending = false;
		if (s->samp)
			s->samp_reap(s, vfi);
	}
	while (v->cores_busy < v->cores && (v->reap_pending || v->sub_pending)) {
		struct vfc__sim_job *j = NULL;
		uint32_t c;
		double cost = 0;

		for (c = 0; c < v->cores; c++) {
			if (!v->jobs[c].kind) {
				j = &v->jobs[c];
				break;
			}
		}
		if (v->reap_pending) {
			uint32_t k = v->done_unreaped, resub = 0;

			v->reap_pending = false;
			v->done_unreaped = 0;
			if (v->open) {
				v->population -= k;
			} else {
				uint32_t excess = v->population > v->depth ? v->population - v->depth : 0;
				uint32_t retire = excess < k ? excess : k;

				v->population -= retire;
				resub = k - retire;
				cost = resub * v->req_cost_ns;
			}
			j->kind = VFC__SIM_JOB_REAP;
			j->n = resub;
		} else {
			j->kind = VFC__SIM_JOB_SUBMIT;
			j->n = v->sub_pending;
			v->sub_pending = 0;
			cost = j->n * v->req_cost_ns;
		}
		v->cores_busy++;
		v->cpu_ns += vfc__sim_ns_round(cost);
		if (s->samp && j->kind == VFC__SIM_JOB_REAP)
			s->samp_reap(s, vfi);
		j->end_at = s->now + vfc__sim_ns_round(cost);
		int rc = vfc__sim_heap_push(&s->h, j->end_at, VFC__SIM_EV_CPU, c, vfi);

		if (rc)
			return rc;
	}
	return 0;
}

int vfc__sim_on_cpu(struct vfc__sim *s, uint32_t vfi, uint32_t c, uint64_t t)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];
	struct vfc__sim_job *j = &v->jobs[c];
	uint32_t n = j->n;
	int rc;

	if (j->end_at != t)
		return vfc__sim_heap_push(&s->h, j->end_at, VFC__SIM_EV_CPU, c, vfi); /* preempted by interrupts: later */
	j->kind = 0;
	v->cores_busy--;
	rc = n ? vfc__sim_device_submit(s, vfi, n) : 0;
	return rc ? rc : vfc__sim_cpu_kick(s, vfi);
}

int vfc__sim_on_wake(struct vfc__sim *s, uint32_t vfi)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];

	v->wake_pending = false;
	v->reap_pending = true;
	return vfc__sim_cpu_kick(s, vfi);
}

static int arrival_schedule(struct vfc__sim *s, uint32_t vfi)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];
	double gap = -log(vfc__sim_rng_unit(&v->rng)) * v->gap_ns;
	uint64_t t = s->now + vfc__sim_ns_round(gap);

	if (t <= s->now)
		t = s->now + 1;
	v->arrival_at = t;
	return vfc__sim_heap_push(&s->h, t, VFC__SIM_EV_ARRIVAL, 0, vfi);
}

int vfc__sim_on_arrival(struct vfc__sim *s, uint32_t vfi, uint64_t t)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];

	if (!v->open || v->arrival_at != t)
		return 0; /* the phase changed to closed loop, or a newer rate rescheduled it */
	if (v->population >= v->max_queue) {
		v->dropped++;
	} else {
		v->population++;
		v->sub_pending++;
		int rc = vfc__sim_cpu_kick(s, vfi);

		if (rc)
			return rc;
	}
	return arrival_schedule(s, vfi);
}

/* Apply a phase to one VF (phases are fully resolved by the parser). */
static int vf_phase(struct vfc__sim *s, uint32_t vfi, const struct vfc_sim_phase *ph)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];
	bool was_open = v->open;

	v->algo = (uint8_t)ph->algo;
	v->bytes = ph->block_bytes;
	vf_costs(s, v);
	if (ph->rate_ops > 0) {
		double old = v->rate;

		v->open = true;
		v->depth = 0;
		v->rate = ph->rate_ops;
		v->gap_ns = 1e9 / v->rate;
		if (!was_open || old != v->rate || !v->arrival_at)
			return arrival_schedule(s, vfi);
		return 0;
	}
	v->open = false;
	v->rate = 0;
	v->arrival_at = 0;
	v->depth = ph->depth;
	if (v->depth > v->depth_max)
		v->depth_max = v->depth;
	if (v->population < v->depth) {
		uint32_t add = v->depth - v->population;

		v->population += add;
		v->sub_pending += add;
		return vfc__sim_cpu_kick(s, vfi);
	}
	return 0; /* a smaller depth: the excess retires as it completes */
}

int vfc__sim_group_phase(struct vfc__sim *s, uint32_t g, uint32_t pi)
{
	uint32_t first = 0;

	for (uint32_t i = 0; i < g; i++)
		first += s->sc->groups[i].vfs;
	for (uint32_t k = 0; k < s->sc->groups[g].vfs; k++) {
		int rc = vf_phase(s, first + k, &s->sc->groups[g].phases[pi]);

		if (rc)
			return rc;
	}
	return 0;
}

int vfc__sim_on_phase(struct vfc__sim *s, uint32_t g, uint32_t pi)
{
	int rc;

	if ((rc = vfc__sim_group_phase(s, g, pi)))
		return rc;
	if (pi + 1 < s->sc->groups[g].nphases)
		return vfc__sim_heap_push(&s->h, s->sc->groups[g].phases[pi + 1].at_ns, VFC__SIM_EV_PHASE, pi + 1, g);
	return 0;
}
