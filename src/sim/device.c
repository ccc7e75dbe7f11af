/* SPDX-License-Identifier: MIT */
/* device.c - the simulated PF's engines: device queues, round robin dispatch, service, completions. */
#include "sim/sim_internal.h"

static int dispatch(struct vfc__sim *s);

static void ready_push(struct vfc__sim *s, uint32_t vfi)
{
	s->ready[s->rtail++ & s->rmask] = vfi;
	s->vfs[vfi].in_ready = true;
}

/* Hand n requests of the VF's current kind to its device queue. */
int vfc__sim_device_submit(struct vfc__sim *s, uint32_t vfi, uint32_t n)
{
	struct vfc__sim_vf *v = &s->vfs[vfi];

	if (!n)
		return 0;
	if (v->head_id == v->next_id) {
		v->kshead = v->kstail = 0; /* empty queue: one run of the current kind */
	} else {
		const struct vfc__sim_req *last = &v->ks[(v->kstail - 1) & v->ksmask];

		if (last->bytes == v->bytes && last->algo == v->algo)
			goto same;
	}
	v->ks[v->kstail++ & v->ksmask] = (struct vfc__sim_req){ v->next_id, v->bytes, v->algo };
same:
	v->next_id += n;
	v->submitted += n;
	if (n && !v->in_ready)
		ready_push(s, vfi);
	return dispatch(s);
}

static int engine_start(struct vfc__sim *s, uint32_t e, uint64_t extra_ns)
{
	struct vfc__sim_engine *g = &s->eng[e];
	uint32_t vfi = s->ready[s->rhead++ & s->rmask];
	struct vfc__sim_vf *v = &s->vfs[vfi];
	const struct vfc_sim_algo_prof *a;
	double svc;
	uint32_t nseg;

	/* The next run starts here: the head moves on to it. */
	if (v->kstail - v->kshead > 1 && v->ks[(v->kshead + 1) & v->ksmask].id == v->head_id)
		v->kshead++;
	g->r = v->ks[v->kshead & v->ksmask];
	g->r.id = v->head_id++;
	g->vf = vfi;
	g->busy = true;
	v->in_service++;
	/* Round robin: a VF with more queued requests goes to the back of the line. */
	if (v->next_id != v->head_id)
		s->ready[s->rtail++ & s->rmask] = vfi;
	else
		v->in_ready = false;
	if (g->r.algo == v->algo && g->r.bytes == v->bytes) {
		svc = v->svc_ns; /* the common case: a request of the VF's current kind */
		nseg = v->nseg;
	} else {
		/* queued before a phase change */
		a = vfc__sim_algo_prof(s, g->r.algo);
		svc = a->engine_ns + a->engine_ns_per_kib * (g->r.bytes / 1024.0);
		nseg = a->seg_bytes ? (g->r.bytes + a->seg_bytes - 1) / a->seg_bytes : 1;
	}
	if (s->sc->prof.jitter > 0)
		svc *= 1.0 + s->sc->prof.jitter * (2.0 * vfc__sim_rng_unit(&v->rng) - 1.0);
	if (!nseg)
		nseg = 1;
	g->segs_left = nseg;
	g->seg_ns = vfc__sim_ns_round(nseg == 1 ? svc : svc / nseg);
	if (!g->seg_ns)
		g->seg_ns = 1;
	extra_ns += s->irq_debt_ns;
	s->irq_debt_ns = 0;
	g->at = s->now + g->seg_ns + extra_ns;
	return vfc__sim_heap_slot(&s->h, e, g->at, VFC__SIM_EV_ENGINE, e);
}

static int dispatch(struct vfc__sim *s)
{
	while (s->nfree && s->rhead != s->rtail) {
		/*
		 * The free engines are a stack: the top one ran out of work last, so
		 * it is the one most likely still polling. A polling engine sees the
		 * request at once; a sleeping one is woken by the doorbell,
		 * engine_wake_ns later (a software device's thread in epoll).
		 */
		uint32_t e = s->free_eng[--s->nfree];
		int rc = engine_start(s, e, vfc__sim_engine_awake(s, e) ? 0 : s->engine_wake_ns);

		if (rc)
			return rc;
	}
	return 0;
}

int vfc__sim_on_engine(struct vfc__sim *s, uint32_t e)
{
	struct vfc__sim_engine *g = &s->eng[e];
	uint32_t vfi = g->vf;
	struct vfc__sim_vf *v = &s->vfs[vfi];
	uint64_t dl = 0;
	enum vfc_moder_verdict vd;
	bool fired;
	int rc;

	if (--g->segs_left == 0) {
		v->in_service--;
		v->completed++;
		v->bytes_done += g->r.bytes;
		v->id_sum += g->r.id;
		v->done_unreaped++;
		vfc__sim_win_at(s);
		s->win_bytes[s->win] += g->r.bytes;
		if (s->samp)
			s->samp_done(s, vfi);
	}
	vd = vfc_moder_complete(&v->moder, s->now, 1, false, &dl);
	rc = vfc__sim_moder_verdict(s, vfi, vd, dl, &fired);
	if (rc)
		return rc;
	/* The engine that raised the interrupt pays for raising it (software devices). */
	uint64_t extra = fired ? vfc__sim_engine_irq_cost(s, v) : 0;

	if (g->segs_left) {
		g->at = s->now + g->seg_ns + extra;
		return vfc__sim_heap_slot(&s->h, e, g->at, VFC__SIM_EV_ENGINE, e);
	}
	g->busy = false;
	if (s->rhead != s->rtail)
		return engine_start(s, e, extra);
	g->idle_at = s->now; /* out of work: it polls for spin_ns from here */
	s->free_eng[s->nfree++] = e;
	s->irq_debt_ns += extra;
	return 0;
}
