/* SPDX-License-Identifier: MIT */
/* sim.c - a run, exact or aggregated: set-up, the event loop that hands each event to its handler, the result. */
#include "os/clock.h"
#include "sim/sim_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- set-up ---- */

static uint32_t pow2_at_least(uint32_t x)
{
	uint32_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

static void sim_free(struct vfc__sim *s)
{
	vfc__sim_heap_free(&s->h);
	free(s->vfs);
	free(s->ctl);
	free(s->mprev);
	free(s->jobs);
	free(s->kinds);
	free(s->eng);
	free(s->free_eng);
	free(s->ready);
	vfc__sim_pf_free(s);
	vfc__sim_samp_free(s);
}

/* Everything the run needs, allocated up front; each VF's queue size, cores, group. */
static int sim_alloc(struct vfc__sim *s)
{
	const struct vfc_sim_scenario *sc = s->sc;
	size_t nq = 0, njobs = 0;
	uint32_t vfi = 0;

	s->vfs = calloc(sc->nvfs, sizeof(*s->vfs));
	s->ctl = calloc(sc->nvfs, sizeof(*s->ctl));
	s->mprev = calloc(sc->nvfs, sizeof(*s->mprev));
	s->eng = calloc(sc->engines, sizeof(*s->eng));
	s->free_eng = calloc(sc->engines, sizeof(uint32_t));
	s->rmask = pow2_at_least(sc->nvfs) - 1;
	s->ready = calloc((size_t)s->rmask + 1, sizeof(uint32_t));
	if (!s->vfs || !s->ctl || !s->mprev || !s->eng || !s->free_eng || !s->ready)
		return -ENOMEM;
	/* Each engine has one event pending at most: a slot of the queue (event_queue.h). */
	if (sc->engines <= VFC__SIM_HEAP_SLOTS_MAX && vfc__sim_heap_slots(&s->h, sc->engines, VFC__SIM_EV_ENGINE))
		return -ENOMEM;
	/* Runs of one kind in a queue: one per phase at most, and the current one. */
	for (uint32_t g = 0; g < sc->ngroups; g++) {
		const struct vfc_sim_group *gr = &sc->groups[g];
		uint32_t qcap = pow2_at_least(gr->nphases + 1);

		for (uint32_t k = 0; k < gr->vfs; k++, vfi++) {
			s->vfs[vfi].ksmask = qcap - 1;
			s->vfs[vfi].cores = gr->vcpus;
			s->vfs[vfi].group = g;
			s->vfs[vfi].max_queue = gr->max_queue;
			nq += qcap;
			njobs += gr->vcpus;
		}
	}
	s->kinds = calloc(nq, sizeof(struct vfc__sim_req));
	s->jobs = calloc(njobs, sizeof(struct vfc__sim_job));
	return s->kinds && s->jobs ? 0 : -ENOMEM;
}

static int sim_init(struct vfc__sim *s)
{
	const struct vfc_sim_scenario *sc = s->sc;
	size_t nq = 0, njobs = 0;
	uint32_t vfi = 0;
	int rc = sim_alloc(s);

	if (rc)
		return rc;
	s->irq_line = vfc__sim_cpu_kick;
	for (uint32_t g = 0; g < sc->ngroups; g++) {
		const struct vfc_sim_group *gr = &sc->groups[g];
		const struct vfc_controller_cfg *cc = s->o->override_ctl ? &s->o->override : &gr->ctl;

		for (uint32_t k = 0; k < gr->vfs; k++, vfi++) {
			struct vfc__sim_vf *v = &s->vfs[vfi];
			struct vfc_moderation m = { 0, sc->prof.coalesce_count, sc->prof.coalesce_timeout_ns };
			uint64_t seed = sc->seed ^ (0xd1b54a32d192ed03ull * (vfi + 1));

			v->ks = s->kinds + nq;
			nq += (size_t)v->ksmask + 1;
			v->jobs = s->jobs + njobs;
			njobs += v->cores;
			v->rng = vfc__sim_splitmix64(&seed);
			rc = vfc_controller_init(&s->ctl[vfi], cc, 0);
			if (rc)
				return rc;
			m.cap_hz = vfc_controller_cap(&s->ctl[vfi]);
			vfc_moder_init(&v->moder, &m);
		}
	}
	for (uint32_t e = 0; e < sc->engines; e++)
		s->free_eng[s->nfree++] = sc->engines - 1 - e;
	rc = vfc__sim_pf_init(s);
	return rc ? rc : vfc__sim_build_windows(s);
}

/* ---- the event loop ---- */

static double wall_now(void)
{
	return (double)vfc_now_ns() / 1e9;
}

static void progress(struct vfc__sim *s)
{
	struct vfc_sim_progress p = { s->now, s->sc->duration_ns, s->events, 0 };

	for (uint32_t i = 0; i < s->sc->nvfs; i++)
		p.completed += s->vfs[i].completed;
	s->o->progress_cb(s->o->progress_arg, &p);
}

static int sim_loop(struct vfc__sim *s)
{
	const struct vfc_sim_scenario *sc = s->sc;
	uint64_t end = sc->duration_ns;
	uint64_t pstep = end / 200 ? end / 200 : 1;
	int rc = 0;

	if (s->samp) {
		rc = vfc__sim_samp_start(s); /* the aggregated mode drives phases, ticks and the end */
	} else {
		for (uint32_t g = 0; g < sc->ngroups && !rc; g++)
			rc = vfc__sim_heap_push(&s->h, 0, VFC__SIM_EV_PHASE, 0, g);
		if (!rc && sc->tick_ns < end)
			rc = vfc__sim_heap_push(&s->h, sc->tick_ns, VFC__SIM_EV_TICK, 0, 0);
		if (!rc)
			rc = vfc__sim_heap_push(&s->h, end, VFC__SIM_EV_END, 0, 0);
	}
	s->next_progress = pstep;
	while (!rc && s->h.n) {
		struct vfc__sim_ev e;

		rc = vfc__sim_heap_pop(&s->h, &e);
		if (rc)
			break;
		s->now = e.t;
		s->events++;
		switch (e.kind_sub & 0xff) {
		case VFC__SIM_EV_ENGINE:
			rc = vfc__sim_on_engine(s, e.id);
			break;
		case VFC__SIM_EV_CPU:
			rc = vfc__sim_on_cpu(s, e.id, e.kind_sub >> 8, e.t);
			break;
		case VFC__SIM_EV_MODER:
			rc = vfc__sim_on_moder(s, e.id, e.t);
			break;
		case VFC__SIM_EV_ARRIVAL:
			rc = vfc__sim_on_arrival(s, e.id, e.t);
			break;
		case VFC__SIM_EV_TICK:
			rc = vfc__sim_on_tick(s);
			if (s->o->progress_cb && s->now >= s->next_progress) {
				progress(s);
				s->next_progress = s->now + pstep;
			}
			break;
		case VFC__SIM_EV_PHASE:
			rc = vfc__sim_on_phase(s, e.id, e.kind_sub >> 8);
			break;
		case VFC__SIM_EV_WAKE:
			rc = vfc__sim_on_wake(s, e.id);
			break;
		case VFC__SIM_EV_CUT:
			rc = vfc__sim_on_cut(s);
			break;
		case VFC__SIM_EV_END:
			return 0;
		}
	}
	return rc;
}

/* The run's counters into res (the windows move over: s no longer owns them). 0 or -ENOMEM. */
static int collect(struct vfc__sim *s, struct vfc_sim_result *res)
{
	const struct vfc_sim_scenario *sc = s->sc;
	uint64_t bytes = 0, ops = 0, irqs = 0;
	double dur = sc->duration_ns / 1e9;

	res->vfs = calloc(sc->nvfs, sizeof(*res->vfs));
	if (!res->vfs)
		return -ENOMEM;
	res->nvfs = sc->nvfs;
	for (uint32_t i = 0; i < sc->nvfs; i++) {
		const struct vfc__sim_vf *v = &s->vfs[i];
		struct vfc_sim_vf_result *r = &res->vfs[i];

		r->id = i;
		r->group = v->group;
		r->submitted = v->submitted;
		r->completed = v->completed;
		r->in_flight = (uint64_t)(v->next_id - v->head_id) + v->in_service;
		r->dropped = v->dropped;
		r->bytes = v->bytes_done;
		r->irqs = v->irqs;
		r->cpu_ns = v->cpu_ns;
		r->id_sum = v->id_sum;
		r->cap_hz_final = v->moder.cfg.cap_hz;
		r->depth_max = v->depth_max;
		for (uint32_t k = v->head_id; k != v->next_id; k++)
			r->id_sum_in_flight += k;
		bytes += v->bytes_done;
		ops += v->completed;
		irqs += v->irqs;
	}
	for (uint32_t e = 0; e < sc->engines; e++)
		if (s->eng[e].busy)
			res->vfs[s->eng[e].vf].id_sum_in_flight += s->eng[e].r.id;
	res->events = s->events;
	res->completed = ops;
	res->total_mbps = bytes / dur / 1e6;
	res->total_ops = ops / dur;
	res->irq_hz = irqs / dur;
	res->nwin = s->nwin;
	res->win_start_ns = s->win_start;
	res->win_bytes = s->win_bytes;
	res->win_settled = s->win_settled;
	s->win_start = s->win_bytes = NULL;
	s->win_settled = NULL;
	vfc__sim_pf_stats(s, &res->pf);
	return 0;
}

int vfc__sim_model_run(const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts, struct vfc_sim_result *res)
{
	struct vfc__sim s;
	double t0 = wall_now();
	int rc;

	memset(&s, 0, sizeof(s));
	memset(res, 0, sizeof(*res));
	s.sc = sc;
	s.o = opts;
	s.engine_wake_ns = vfc__sim_ns_round(sc->prof.engine_wake_ns);
	s.spin_ns = vfc__sim_ns_round(sc->prof.engine_spin_ns);
	s.irq_wake_ns = vfc__sim_ns_round(sc->prof.engine_irq_wake_ns);
	if (sc->aggregate) {
		s.sample_settle_ns = sc->sample_meas_ns ? sc->sample_settle_ns : VFC__SIM_SETTLE_NS;
		s.sample_meas_ns = sc->sample_meas_ns ? sc->sample_meas_ns : VFC__SIM_MEAS_NS;
	}
	rc = sim_init(&s);
	if (!rc && sc->aggregate)
		rc = vfc__sim_samp_init(&s);
	if (!rc)
		rc = sim_loop(&s);
	if (!rc)
		rc = collect(&s, res);
	if (!rc && s.samp)
		vfc__sim_samp_collect(&s, res);
	if (rc) {
		free(s.win_start);
		free(s.win_bytes);
		free(s.win_settled);
		sim_free(&s);
		vfc_sim_result_fini(res);
		return rc;
	}
	res->wall_s = wall_now() - t0;
	sim_free(&s);
	return 0;
}
