/* SPDX-License-Identifier: MIT */
/* interrupts.c - the moderation units at work: verdicts applied, deadline timers, interrupts delivered, their costs. */
#include "sim/sim_internal.h"

#include <math.h>

/* Engine time for the interrupt just delivered (irq_deliver noted whether it woke the tenant). */
uint64_t vfc__sim_engine_irq_cost(struct vfc__sim *s, const struct vfc__sim_vf *v)
{
	uint64_t c = v->eng_irq_ns + s->irq_wake_debt_ns;

	s->irq_wake_debt_ns = 0;
	return c;
}

/*
 * The moderation unit let an interrupt through (already recorded as fired).
 * Its cost (VM exit, handler, the refill of what it evicted) preempts
 * whatever the tenant's IRQ core (core 0) is doing: the running job ends
 * that much later. The handler then
 * leaves a reap (and, closed loop, resubmission) to the driver's thread,
 * which runs as a job when a core is free; several interrupts before it runs
 * leave a single reap.
 */
static int irq_deliver(struct vfc__sim *s, uint32_t vfi)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];
	struct vfc__sim_job *j = &v->jobs[0];
	uint64_t cost = v->irq_cost_ns;

	/*
	 * A tenant with nothing running and no wake-up under way sleeps on its
	 * eventfd: the write that wakes it costs the engine more (the wake-up's
	 * IPI is the waker's); one that finds it running or waking does not.
	 */
	if (!v->cores_busy && !v->wake_pending)
		s->irq_wake_debt_ns += s->irq_wake_ns;
	v->irqs++;
	v->cpu_ns += cost;
	if (s->sc->prof.wake_ns > 0) {
		/* The reap starts once the tenant thread is awake (latency, not CPU time). */
		if (!v->wake_pending) {
			/*
			 * A scheduler's wake-up latency varies: exponential, mean
			 * wake_ns, from the VF's own stream (deterministic).
			 */
			double w = -log(vfc__sim_rng_unit(&v->rng)) * s->sc->prof.wake_ns;
			int rc = vfc__sim_heap_push(&s->h, s->now + vfc__sim_ns_round(w), VFC__SIM_EV_WAKE, 0, vfi);

			if (rc)
				return rc;
			v->wake_pending = true;
		}
	} else {
		v->reap_pending = true;
	}
	if (j->kind) {
		j->end_at += cost; /* the pushed event finds end_at moved and re-pushes itself */
		return 0;
	}
	j->kind = VFC__SIM_JOB_ISR;
	j->n = 0;
	j->end_at = s->now + cost;
	v->cores_busy++;
	return vfc__sim_heap_push(&s->h, j->end_at, VFC__SIM_EV_CPU, 0, vfi);
}

/*
 * Apply the moderation unit's verdict (core's vfc_moder_apply, as the device
 * does): deliver the interrupt, or arm a timer event for the deadline unless
 * one at least as early is armed (a later armed event finds timer_at moved
 * and is skipped as stale).
 */
int vfc__sim_moder_verdict(struct vfc__sim *s, uint32_t vfi, enum vfc_moder_verdict vd, uint64_t dl, bool *fired)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];
	struct vfc_moder_action a = vfc_moder_apply(&v->moder, vd, dl, s->now);

	*fired = a.fire;
	if (a.fire) {
		int rc = irq_deliver(s, vfi);

		return rc ? rc : s->irq_line(s, vfi);
	}
	if (a.deadline_ns && (!v->timer_at || a.deadline_ns < v->timer_at)) {
		v->timer_at = a.deadline_ns;
		v->timer_woken = false;
		return vfc__sim_heap_push(&s->h, a.deadline_ns, VFC__SIM_EV_MODER, 0, vfi);
	}
	return 0;
}

/* A moderation deadline's timer event (stale ones are skipped). */
int vfc__sim_on_moder(struct vfc__sim *s, uint32_t vfi, uint64_t t)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];
	uint64_t dl = 0;
	enum vfc_moder_verdict vd;
	bool fired;
	int rc;

	if (v->timer_at != t)
		return 0; /* stale: superseded by an earlier deadline that already ran */
	if (s->sc->prof.timer_late_ns > 0 && !v->timer_woken) {
		/*
		 * A software device: an engine polling its rings (idle for less
		 * than spin_ns) fires due deadlines every round: on time. A busy
		 * engine looks at them when it finishes its current request. When
		 * every engine sleeps, the deadline is the epoll timeout, and fires
		 * timer_late_ns late (timer slack + wake-up).
		 */
		uint64_t at = UINT64_MAX;

		for (uint32_t k = 0; k < s->nfree && at != s->now; k++)
			if (vfc__sim_engine_awake(s, s->free_eng[k]))
				at = s->now;
		for (uint32_t e = 0; e < s->sc->engines && at != s->now; e++)
			if (s->eng[e].busy && s->eng[e].at < at)
				at = s->eng[e].at;
		if (at == UINT64_MAX)
			at = s->now + vfc__sim_ns_round(s->sc->prof.timer_late_ns);
		if (at > s->now) {
			v->timer_at = at;
			v->timer_woken = true;
			return vfc__sim_heap_push(&s->h, at, VFC__SIM_EV_MODER, 0, vfi);
		}
	} else if (v->timer_woken && s->nfree == s->sc->engines) {
		/* The late timer woke the top engine: back from epoll, it polls again for spin_ns. */
		s->eng[s->free_eng[s->nfree - 1]].idle_at = s->now;
	}
	v->timer_at = 0;
	v->timer_woken = false;
	vd = vfc_moder_check(&v->moder, s->now, false, &dl);
	rc = vfc__sim_moder_verdict(s, vfi, vd, dl, &fired);
	if (fired)
		s->irq_debt_ns += vfc__sim_engine_irq_cost(s, v);
	return rc;
}
