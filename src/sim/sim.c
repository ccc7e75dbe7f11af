/* SPDX-License-Identifier: MIT */
/* sim.c - the discrete-event loop: engines, moderation units, tenant vCPUs, controllers, phases. */
#include "os/clock.h"
#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/moder.h"
#include "core/speed_sample.h"

/*
 * Events live in one radix heap keyed by time. Ties are broken by the
 * heap's own (deterministic) order: the same scenario replays the same
 * sequence of pushes and pops, so the result is reproducible without a
 * sequence number. Stale timer events are recognised and skipped (lazy
 * cancellation) rather than removed.
 */
enum ev_kind {
	EV_ENGINE = 1, /* an engine finished a segment: b = engine */
	EV_CPU,        /* a tenant vCPU core finished a job: b = vf, a.sub = core */
	EV_MODER,      /* a moderation deadline: b = vf */
	EV_ARRIVAL,    /* an open-loop arrival: b = vf */
	EV_TICK,       /* the controllers' tick */
	EV_PHASE,      /* a group's phase starts: b = group, sub = phase index */
	EV_WAKE,       /* the tenant woke up after an interrupt: b = vf */
	EV_END,
};

struct ev {
	uint64_t t;
	uint32_t kind_sub; /* kind in the low 8 bits, sub above */
	uint32_t id;
};

struct bucket {
	struct ev *v;
	uint32_t n, cap;
};

struct heap {
	struct bucket b[65]; /* b[k]: events whose time differs from last in bit k-1 at the highest */
	uint64_t last;       /* the time of the last event taken (times never go below it) */
	uint64_t mask;       /* bit k-1 set: b[k] is not empty (k >= 1) */
	size_t n;
};

struct req {
	uint32_t id;    /* per VF, wraps: only sums of ids are checked */
	uint32_t bytes;
	uint8_t algo;
};

enum job_kind { JOB_ISR = 1, JOB_REAP, JOB_SUBMIT };

struct core_job {
	uint8_t kind;
	uint32_t n;      /* requests to hand to the device when the job ends */
	uint64_t end_at; /* may move later than the pushed event: an interrupt preempted the job */
};

/* The hot per-VF state. */
struct sim_vf {
	/*
	 * The device queue: requests head_id .. next_id - 1 (ids are consecutive),
	 * no per-request storage. Their kinds are runs: ks[kshead .. kstail - 1],
	 * each the first id of a run of one size and algorithm (a new run at a
	 * phase change while requests of the old kind are queued: at most one per phase).
	 */
	struct req *ks;
	uint32_t ksmask, kshead, kstail;
	uint32_t head_id;
	uint32_t in_service;
	bool in_ready;
	bool open;                    /* open loop (arrivals) or closed loop */
	uint8_t algo;
	uint32_t bytes;               /* current phase's request size */
	uint32_t depth;               /* closed loop: target population */
	uint32_t depth_max;
	uint32_t max_queue;
	double rate;                  /* open loop: arrivals per second */
	uint32_t population;          /* requests owned by the tenant, wherever they are */
	uint32_t done_unreaped;       /* completed, waiting for a handler */
	bool reap_pending;            /* an interrupt was taken: the driver owes a reap (and resubmission) */
	uint32_t sub_pending;         /* requests waiting for a submit job */
	uint32_t cores, cores_busy;
	struct core_job *jobs;        /* [cores] */
	struct vfc_moder moder;
	uint64_t timer_at;            /* armed moderation deadline (0: none) */
	bool timer_woken;             /* timer_at is the late wake-up of a deadline that found the device idle */
	uint64_t arrival_at;          /* the pending arrival event (0: none) */
	bool wake_pending;            /* an interrupt was taken, the reap waits for the tenant to wake */
	uint64_t rng;
	uint32_t next_id, group;
	/* counters */
	uint64_t submitted, completed, dropped, bytes_done, irqs, cpu_ns, id_sum;
	double req_cost_ns;           /* the current phase's costs, cached (vf_costs) */
	uint64_t irq_cost_ns;         /* tenant CPU per interrupt */
	uint64_t eng_irq_ns;          /* engine time per interrupt raised */
	double svc_ns;                /* engine time per request of the current kind, before jitter */
	uint32_t nseg;                /* completions per request of the current kind */
	double gap_ns;                /* open loop: mean arrival gap */
};

struct engine {
	uint32_t vf;
	uint32_t segs_left;
	uint64_t seg_ns;
	uint64_t at;       /* when the current segment ends (busy) */
	uint64_t idle_at;  /* when it last ran out of work, or woke on a timer (idle: it polls until + spin) */
	struct req r;
	bool busy;
};

struct sim {
	const struct vfc_sim_scenario *sc;
	const struct vfc_sim_opts *o;
	struct heap h;
	struct sim_vf *vfs;
	struct vfc_controller *ctl;            /* cold: [nvfs] */
	struct vfc_mon_counters *mprev; /* cold: [nvfs] */
	struct core_job *jobs;
	struct req *kinds;
	struct engine *eng;
	uint32_t *free_eng, nfree;
	uint32_t *ready, rmask, rhead, rtail;
	uint64_t irq_debt_ns;           /* engine time owed for timer-fired interrupts */
	uint64_t engine_wake_ns;        /* the profile's, rounded */
	uint64_t spin_ns;               /* the profile's engine_spin_ns, rounded */
	uint64_t irq_wake_ns;           /* the profile's engine_irq_wake_ns, rounded */
	uint64_t irq_wake_debt_ns;      /* set by irq_deliver, taken by its caller (engine_irq_cost) */
	uint64_t now, events;
	uint64_t *win_start, *win_bytes;
	uint32_t nwin, win;
	uint64_t next_progress;
};

/* ---- PRNG: splitmix64, one stream per VF ---- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double rng_unit(uint64_t *s)
{
	return ((double)(splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* ---- the event queue ---- */

/*
 * A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990): the simulation clock
 * never goes back, so an event is filed in bucket k = the position of the
 * highest bit in which its time differs from the last time taken (0: equal).
 * A push is a clz and an append; a pop takes from b[0], or first refiles
 * the lowest non-empty bucket around its smallest time (each event moves
 * down a few times over its life). Here it beat a binary and a 4-ary heap
 * (whose cost was mostly mispredicted comparisons): 17 -> 21 M events/s on
 * the fleet benchmark. Ties: b[0] is a
 * stack, refiling keeps array order: deterministic.
 */
static int bucket_grow(struct bucket *b)
{
	uint32_t nc = b->cap ? b->cap * 2 : 64;
	struct ev *nv = realloc(b->v, nc * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	b->v = nv;
	b->cap = nc;
	return 0;
}

static inline unsigned heap_bucket(const struct heap *h, uint64_t t)
{
	return t == h->last ? 0 : 64 - (unsigned)__builtin_clzll(t ^ h->last);
}

static int heap_push(struct heap *h, uint64_t t, uint32_t kind, uint32_t sub, uint32_t id)
{
	unsigned k;
	struct bucket *b;

	if (t < h->last)
		t = h->last; /* never earlier than now (not reached: handlers schedule at now or later) */
	k = heap_bucket(h, t);
	b = &h->b[k];
	if (b->n == b->cap && bucket_grow(b))
		return -ENOMEM;
	b->v[b->n++] = (struct ev){ t, kind | (sub << 8), id };
	if (k)
		h->mask |= 1ull << (k - 1);
	h->n++;
	return 0;
}

/* The earliest event (h->n > 0). Returns -ENOMEM if refiling needed memory it could not get. */
static int heap_pop(struct heap *h, struct ev *out)
{
	struct bucket *b0 = &h->b[0];

	if (!b0->n) {
		unsigned k = (unsigned)__builtin_ctzll(h->mask) + 1;
		struct bucket *b = &h->b[k];
		uint64_t min = UINT64_MAX;

		h->mask &= ~(1ull << (k - 1));
		if (b->n == 1) {
			/* the common case: one event, the next one */
			h->last = b->v[0].t;
			b->n = 0;
			*out = b->v[0];
			h->n--;
			return 0;
		}
		for (uint32_t i = 0; i < b->n; i++)
			if (b->v[i].t < min)
				min = b->v[i].t;
		h->last = min;
		for (uint32_t i = 0; i < b->n; i++) {
			unsigned j = heap_bucket(h, b->v[i].t); /* < k */
			struct bucket *d = &h->b[j];

			if (d->n == d->cap && bucket_grow(d))
				return -ENOMEM;
			d->v[d->n++] = b->v[i];
			if (j)
				h->mask |= 1ull << (j - 1);
		}
		b->n = 0;
	}
	*out = b0->v[--b0->n];
	h->n--;
	return 0;
}

static void heap_free(struct heap *h)
{
	for (unsigned k = 0; k < 65; k++)
		free(h->b[k].v);
}

/* ---- costs ---- */

static const struct vfc_sim_algo_prof *algo_prof(const struct sim *s, unsigned algo)
{
	return &s->sc->prof.algo[algo];
}

static uint64_t ns_round(double x)
{
	return x <= 0 ? 0 : (uint64_t)(x + 0.5);
}

static void vf_costs(struct sim *s, struct sim_vf *v)
{
	const struct vfc_sim_algo_prof *a = algo_prof(s, v->algo);
	const struct vfc_sim_profile *p = &s->sc->prof;
	double kib = v->bytes / 1024.0;

	v->req_cost_ns = a->req_ns + a->copy_ns_per_kib * kib;
	v->irq_cost_ns = ns_round(p->t0_ns + p->evict_ns_per_kib * kib);
	/* Engine time to raise one interrupt (software devices: the eventfd write and the cache refill). */
	v->eng_irq_ns = ns_round(p->engine_irq_ns + p->engine_irq_ns_per_kib * kib);
	v->svc_ns = a->engine_ns + a->engine_ns_per_kib * kib;
	v->nseg = a->seg_bytes ? (v->bytes + a->seg_bytes - 1) / a->seg_bytes : 1;
}

/* Engine time for the interrupt just delivered (irq_deliver noted whether it woke the tenant). */
static uint64_t engine_irq_cost(struct sim *s, const struct sim_vf *v)
{
	uint64_t c = v->eng_irq_ns + s->irq_wake_debt_ns;

	s->irq_wake_debt_ns = 0;
	return c;
}

/* ---- the device ---- */

static int dispatch(struct sim *s);

static void ready_push(struct sim *s, uint32_t vfi)
{
	s->ready[s->rtail++ & s->rmask] = vfi;
	s->vfs[vfi].in_ready = true;
}

/* Hand n requests of the VF's current kind to its device queue. */
static int device_submit(struct sim *s, uint32_t vfi, uint32_t n)
{
	struct sim_vf *v = &s->vfs[vfi];

	if (!n)
		return 0;
	if (v->head_id == v->next_id) {
		v->kshead = v->kstail = 0; /* empty queue: one run of the current kind */
	} else {
		const struct req *last = &v->ks[(v->kstail - 1) & v->ksmask];

		if (last->bytes == v->bytes && last->algo == v->algo)
			goto same;
	}
	v->ks[v->kstail++ & v->ksmask] = (struct req){ v->next_id, v->bytes, v->algo };
same:
	v->next_id += n;
	v->submitted += n;
	if (n && !v->in_ready)
		ready_push(s, vfi);
	return dispatch(s);
}

static int engine_start(struct sim *s, uint32_t e, uint64_t extra_ns)
{
	struct engine *g = &s->eng[e];
	uint32_t vfi = s->ready[s->rhead++ & s->rmask];
	struct sim_vf *v = &s->vfs[vfi];
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
		a = algo_prof(s, g->r.algo);
		svc = a->engine_ns + a->engine_ns_per_kib * (g->r.bytes / 1024.0);
		nseg = a->seg_bytes ? (g->r.bytes + a->seg_bytes - 1) / a->seg_bytes : 1;
	}
	if (s->sc->prof.jitter > 0)
		svc *= 1.0 + s->sc->prof.jitter * (2.0 * rng_unit(&v->rng) - 1.0);
	if (!nseg)
		nseg = 1;
	g->segs_left = nseg;
	g->seg_ns = ns_round(nseg == 1 ? svc : svc / nseg);
	if (!g->seg_ns)
		g->seg_ns = 1;
	extra_ns += s->irq_debt_ns;
	s->irq_debt_ns = 0;
	g->at = s->now + g->seg_ns + extra_ns;
	return heap_push(&s->h, g->at, EV_ENGINE, 0, e);
}

/*
 * An idle engine polls its rings (awake) for spin_ns after its last work,
 * then sleeps. Compared when something happens, not scheduled: no event.
 */
static bool engine_awake(const struct sim *s, uint32_t e)
{
	return s->now - s->eng[e].idle_at < s->spin_ns;
}

static int dispatch(struct sim *s)
{
	while (s->nfree && s->rhead != s->rtail) {
		/*
		 * The free engines are a stack: the top one ran out of work last, so
		 * it is the one most likely still polling. A polling engine sees the
		 * request at once; a sleeping one is woken by the doorbell,
		 * engine_wake_ns later (a software device's thread in epoll).
		 */
		uint32_t e = s->free_eng[--s->nfree];
		int rc = engine_start(s, e, engine_awake(s, e) ? 0 : s->engine_wake_ns);

		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the tenant ---- */

static int cpu_kick(struct sim *s, uint32_t vfi);

/*
 * The moderation unit let an interrupt through (already recorded as fired). Its cost (VM exit, handler,
 * the refill of what it evicted) preempts whatever the tenant's IRQ core
 * (core 0) is doing: the running job ends that much later. The handler then
 * leaves a reap (and, closed loop, resubmission) to the driver's thread,
 * which runs as a job when a core is free; several interrupts before it runs
 * leave a single reap.
 */
static int irq_deliver(struct sim *s, uint32_t vfi)
{
	struct sim_vf *v = &s->vfs[vfi];
	struct core_job *j = &v->jobs[0];
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
			double w = -log(rng_unit(&v->rng)) * s->sc->prof.wake_ns;
			int rc = heap_push(&s->h, s->now + ns_round(w), EV_WAKE, 0, vfi);

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
	j->kind = JOB_ISR;
	j->n = 0;
	j->end_at = s->now + cost;
	v->cores_busy++;
	return heap_push(&s->h, j->end_at, EV_CPU, 0, vfi);
}

/*
 * Apply the moderation unit's verdict (core's vfc_moder_apply, as the device
 * does): deliver the interrupt, or arm a timer event for the deadline unless
 * one at least as early is armed (a later armed event finds timer_at moved
 * and is skipped as stale).
 */
static int moder_verdict(struct sim *s, uint32_t vfi, enum vfc_moder_verdict vd, uint64_t dl, bool *fired)
{
	struct sim_vf *v = &s->vfs[vfi];
	struct vfc_moder_action a = vfc_moder_apply(&v->moder, vd, dl, s->now);

	*fired = a.fire;
	if (a.fire) {
		int rc = irq_deliver(s, vfi);

		return rc ? rc : cpu_kick(s, vfi);
	}
	if (a.deadline_ns && (!v->timer_at || a.deadline_ns < v->timer_at)) {
		v->timer_at = a.deadline_ns;
		v->timer_woken = false;
		return heap_push(&s->h, a.deadline_ns, EV_MODER, 0, vfi);
	}
	return 0;
}

/* Start jobs on free cores: reaps first (they hold completed requests), then submissions. */
static int cpu_kick(struct sim *s, uint32_t vfi)
{
	struct sim_vf *v = &s->vfs[vfi];

	if (v->reap_pending && !v->done_unreaped)
		v->reap_pending = false; /* a segment's interrupt, or already reaped: nothing to do */
	if (v->reap_pending && v->open && v->cores_busy < v->cores) {
		/* Open loop: the reap resubmits nothing and costs nothing: done now, no job, no event. */
		v->population -= v->done_unreaped;
		v->done_unreaped = 0;
		v->reap_pending = false;
	}
	while (v->cores_busy < v->cores && (v->reap_pending || v->sub_pending)) {
		struct core_job *j = NULL;
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
			j->kind = JOB_REAP;
			j->n = resub;
		} else {
			j->kind = JOB_SUBMIT;
			j->n = v->sub_pending;
			v->sub_pending = 0;
			cost = j->n * v->req_cost_ns;
		}
		v->cores_busy++;
		v->cpu_ns += ns_round(cost);
		j->end_at = s->now + ns_round(cost);
		int rc = heap_push(&s->h, j->end_at, EV_CPU, c, vfi);

		if (rc)
			return rc;
	}
	return 0;
}

static int on_cpu(struct sim *s, uint32_t vfi, uint32_t c, uint64_t t)
{
	struct sim_vf *v = &s->vfs[vfi];
	struct core_job *j = &v->jobs[c];
	uint32_t n = j->n;
	int rc;

	if (j->end_at != t)
		return heap_push(&s->h, j->end_at, EV_CPU, c, vfi); /* preempted by interrupts: later */
	j->kind = 0;
	v->cores_busy--;
	rc = n ? device_submit(s, vfi, n) : 0;
	return rc ? rc : cpu_kick(s, vfi);
}

static int on_engine(struct sim *s, uint32_t e)
{
	struct engine *g = &s->eng[e];
	uint32_t vfi = g->vf;
	struct sim_vf *v = &s->vfs[vfi];
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
		s->win_bytes[s->win] += g->r.bytes;
	}
	vd = vfc_moder_complete(&v->moder, s->now, 1, false, &dl);
	rc = moder_verdict(s, vfi, vd, dl, &fired);
	if (rc)
		return rc;
	/* The engine that raised the interrupt pays for raising it (software devices). */
	uint64_t extra = fired ? engine_irq_cost(s, v) : 0;

	if (g->segs_left) {
		g->at = s->now + g->seg_ns + extra;
		return heap_push(&s->h, g->at, EV_ENGINE, 0, e);
	}
	g->busy = false;
	if (s->rhead != s->rtail)
		return engine_start(s, e, extra);
	g->idle_at = s->now; /* out of work: it polls for spin_ns from here */
	s->free_eng[s->nfree++] = e;
	s->irq_debt_ns += extra;
	return 0;
}

static int on_moder(struct sim *s, uint32_t vfi, uint64_t t)
{
	struct sim_vf *v = &s->vfs[vfi];
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
			if (engine_awake(s, s->free_eng[k]))
				at = s->now;
		for (uint32_t e = 0; e < s->sc->engines && at != s->now; e++)
			if (s->eng[e].busy && s->eng[e].at < at)
				at = s->eng[e].at;
		if (at == UINT64_MAX)
			at = s->now + ns_round(s->sc->prof.timer_late_ns);
		if (at > s->now) {
			v->timer_at = at;
			v->timer_woken = true;
			return heap_push(&s->h, at, EV_MODER, 0, vfi);
		}
	} else if (v->timer_woken && s->nfree == s->sc->engines) {
		/* The late timer woke the top engine: back from epoll, it polls again for spin_ns. */
		s->eng[s->free_eng[s->nfree - 1]].idle_at = s->now;
	}
	v->timer_at = 0;
	v->timer_woken = false;
	vd = vfc_moder_check(&v->moder, s->now, false, &dl);
	rc = moder_verdict(s, vfi, vd, dl, &fired);
	if (fired)
		s->irq_debt_ns += engine_irq_cost(s, v);
	return rc;
}

static int on_wake(struct sim *s, uint32_t vfi)
{
	struct sim_vf *v = &s->vfs[vfi];

	v->wake_pending = false;
	v->reap_pending = true;
	return cpu_kick(s, vfi);
}

static int arrival_schedule(struct sim *s, uint32_t vfi)
{
	struct sim_vf *v = &s->vfs[vfi];
	double gap = -log(rng_unit(&v->rng)) * v->gap_ns;
	uint64_t t = s->now + ns_round(gap);

	if (t <= s->now)
		t = s->now + 1;
	v->arrival_at = t;
	return heap_push(&s->h, t, EV_ARRIVAL, 0, vfi);
}

static int on_arrival(struct sim *s, uint32_t vfi, uint64_t t)
{
	struct sim_vf *v = &s->vfs[vfi];

	if (!v->open || v->arrival_at != t)
		return 0; /* the phase changed to closed loop, or a newer rate rescheduled it */
	if (v->population >= v->max_queue) {
		v->dropped++;
	} else {
		v->population++;
		v->sub_pending++;
		int rc = cpu_kick(s, vfi);

		if (rc)
			return rc;
	}
	return arrival_schedule(s, vfi);
}

/* Apply a phase to one VF (phases are fully resolved by the parser). */
static int vf_phase(struct sim *s, uint32_t vfi, const struct vfc_sim_phase *ph)
{
	struct sim_vf *v = &s->vfs[vfi];
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
		return cpu_kick(s, vfi);
	}
	return 0; /* a smaller depth: the excess retires as it completes */
}

static int on_phase(struct sim *s, uint32_t g, uint32_t pi)
{
	uint32_t first = 0;

	for (uint32_t i = 0; i < g; i++)
		first += s->sc->groups[i].vfs;
	while (s->win + 1 < s->nwin && s->win_start[s->win + 1] <= s->now)
		s->win++;
	for (uint32_t k = 0; k < s->sc->groups[g].vfs; k++) {
		int rc = vf_phase(s, first + k, &s->sc->groups[g].phases[pi]);

		if (rc)
			return rc;
	}
	if (pi + 1 < s->sc->groups[g].nphases)
		return heap_push(&s->h, s->sc->groups[g].phases[pi + 1].at_ns, EV_PHASE, pi + 1, g);
	return 0;
}

static void vf_counters(const struct sim *s, const struct sim_vf *v, struct vfc_mon_counters *c)
{
	c->t_ns = s->now;
	c->bytes = v->bytes_done;
	c->ops = v->completed;
	c->irqs = v->irqs;
	c->cpu_ns = v->cpu_ns;
}

/*
 * The verdict after a new cap. FIRE and IDLE as after a completion. WAIT:
 * the simulator has always disarmed the VF's timer here (its deadline
 * argument was read before the check set it: 0) and left a stale event at
 * now, so what is pending waits for the next completion's verdict. Kept as
 * is: the published results depend on it (docs/sim.md, "Known deviations").
 */
static int cap_verdict(struct sim *s, uint32_t vfi, enum vfc_moder_verdict vd, bool *fired)
{
	struct sim_vf *v = &s->vfs[vfi];

	if (vd != VFC_MODER_WAIT)
		return moder_verdict(s, vfi, vd, 0, fired);
	*fired = false;
	v->timer_at = 0;
	v->timer_woken = false;
	return heap_push(&s->h, s->now, EV_MODER, 0, vfi);
}

static int on_tick(struct sim *s)
{
	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		struct sim_vf *v = &s->vfs[i];
		struct vfc_mon_counters cur;
		struct vfc_speed_sample smp;
		uint32_t cap = v->moder.cfg.cap_hz, ncap;

		vf_counters(s, v, &cur);
		if (vfc_mon_sample(&s->mprev[i], &cur, cap, v->open ? v->population : v->depth, &smp) < 0)
			continue;
		s->mprev[i] = cur;
		ncap = vfc_controller_step(&s->ctl[i], &smp);
		if (s->o->csv)
			fprintf(s->o->csv, "%.3f,%u,%u,%s,%u,%.3f,%.1f,%.1f,%.4f\n", s->now / 1e9, i, v->group,
				vfc_controller_name(&s->ctl[i]), cap, smp.mbps, smp.irq_hz, smp.ops_per_s, smp.cpu_frac);
		if (ncap != cap) {
			struct vfc_moderation m = v->moder.cfg;
			uint64_t dl = 0;
			bool fired;
			int rc;

			m.cap_hz = ncap;
			vfc_moder_set(&v->moder, &m);
			rc = cap_verdict(s, i, vfc_moder_check(&v->moder, s->now, false, &dl), &fired);
			if (fired)
				s->irq_debt_ns += engine_irq_cost(s, v);
			if (rc)
				return rc;
		}
	}
	if (s->now + s->sc->tick_ns < s->sc->duration_ns)
		return heap_push(&s->h, s->now + s->sc->tick_ns, EV_TICK, 0, 0);
	return 0;
}

/* ---- set-up ---- */

static uint32_t pow2_at_least(uint32_t x)
{
	uint32_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

static void sim_free(struct sim *s)
{
	heap_free(&s->h);
	free(s->vfs);
	free(s->ctl);
	free(s->mprev);
	free(s->jobs);
	free(s->kinds);
	free(s->eng);
	free(s->free_eng);
	free(s->ready);
}

static int build_windows(struct sim *s)
{
	const struct vfc_sim_scenario *sc = s->sc;
	size_t n = 0, cap = 1;

	for (uint32_t g = 0; g < sc->ngroups; g++)
		cap += sc->groups[g].nphases;
	s->win_start = calloc(cap, sizeof(uint64_t));
	s->win_bytes = calloc(cap, sizeof(uint64_t));
	if (!s->win_start || !s->win_bytes)
		return -ENOMEM;
	s->win_start[n++] = 0;
	for (uint32_t g = 0; g < sc->ngroups; g++) {
		for (uint32_t p = 0; p < sc->groups[g].nphases; p++) {
			uint64_t t = sc->groups[g].phases[p].at_ns;
			size_t i;

			if (t >= sc->duration_ns)
				continue;
			for (i = 0; i < n && s->win_start[i] != t; i++)
				;
			if (i == n)
				s->win_start[n++] = t;
		}
	}
	/* insertion sort: a handful of boundaries */
	for (size_t i = 1; i < n; i++) {
		uint64_t x = s->win_start[i];
		size_t j = i;

		for (; j > 0 && s->win_start[j - 1] > x; j--)
			s->win_start[j] = s->win_start[j - 1];
		s->win_start[j] = x;
	}
	s->nwin = (uint32_t)n;
	return 0;
}

static int sim_init(struct sim *s)
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
	s->kinds = calloc(nq, sizeof(struct req));
	s->jobs = calloc(njobs, sizeof(struct core_job));
	if (!s->kinds || !s->jobs)
		return -ENOMEM;
	nq = njobs = 0;
	vfi = 0;
	for (uint32_t g = 0; g < sc->ngroups; g++) {
		const struct vfc_sim_group *gr = &sc->groups[g];
		const struct vfc_controller_cfg *cc = s->o->override_ctl ? &s->o->override : &gr->ctl;

		for (uint32_t k = 0; k < gr->vfs; k++, vfi++) {
			struct sim_vf *v = &s->vfs[vfi];
			struct vfc_moderation m = { 0, sc->prof.coalesce_count, sc->prof.coalesce_timeout_ns };
			uint64_t seed = sc->seed ^ (0xd1b54a32d192ed03ull * (vfi + 1));
			int rc;

			v->ks = s->kinds + nq;
			nq += (size_t)v->ksmask + 1;
			v->jobs = s->jobs + njobs;
			njobs += v->cores;
			v->rng = splitmix64(&seed);
			rc = vfc_controller_init(&s->ctl[vfi], cc, 0);
			if (rc)
				return rc;
			m.cap_hz = vfc_controller_cap(&s->ctl[vfi]);
			vfc_moder_init(&v->moder, &m);
		}
	}
	for (uint32_t e = 0; e < sc->engines; e++)
		s->free_eng[s->nfree++] = sc->engines - 1 - e;
	return build_windows(s);
}

static double wall_now(void)
{
	return (double)vfc_now_ns() / 1e9;
}

static int sim_loop(struct sim *s)
{
	const struct vfc_sim_scenario *sc = s->sc;
	uint64_t end = sc->duration_ns;
	uint64_t pstep = end / 200 ? end / 200 : 1;
	int rc = 0;

	for (uint32_t g = 0; g < sc->ngroups && !rc; g++)
		rc = heap_push(&s->h, 0, EV_PHASE, 0, g);
	if (!rc && sc->tick_ns < end)
		rc = heap_push(&s->h, sc->tick_ns, EV_TICK, 0, 0);
	if (!rc)
		rc = heap_push(&s->h, end, EV_END, 0, 0);
	s->next_progress = pstep;
	while (!rc && s->h.n) {
		struct ev e;

		rc = heap_pop(&s->h, &e);
		if (rc)
			break;
		s->now = e.t;
		s->events++;
		switch (e.kind_sub & 0xff) {
		case EV_ENGINE:
			rc = on_engine(s, e.id);
			break;
		case EV_CPU:
			rc = on_cpu(s, e.id, e.kind_sub >> 8, e.t);
			break;
		case EV_MODER:
			rc = on_moder(s, e.id, e.t);
			break;
		case EV_ARRIVAL:
			rc = on_arrival(s, e.id, e.t);
			break;
		case EV_TICK:
			rc = on_tick(s);
			if (s->o->progress_cb && s->now >= s->next_progress) {
				s->o->progress_cb(s->o->progress_arg, s->now, end, s->events);
				s->next_progress = s->now + pstep;
			}
			break;
		case EV_PHASE:
			rc = on_phase(s, e.id, e.kind_sub >> 8);
			break;
		case EV_WAKE:
			rc = on_wake(s, e.id);
			break;
		case EV_END:
			return 0;
		}
	}
	return rc;
}

int vfc_sim_run(const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts, struct vfc_sim_result *res)
{
	static const struct vfc_sim_opts no_opts;
	struct sim s;
	double t0 = wall_now(), dur;
	uint64_t bytes = 0, ops = 0, irqs = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(res, 0, sizeof(*res));
	s.sc = sc;
	s.o = opts ? opts : &no_opts;
	s.engine_wake_ns = ns_round(sc->prof.engine_wake_ns);
	s.spin_ns = ns_round(sc->prof.engine_spin_ns);
	s.irq_wake_ns = ns_round(sc->prof.engine_irq_wake_ns);
	rc = sim_init(&s);
	if (!rc)
		rc = sim_loop(&s);
	if (rc)
		goto fail;
	res->vfs = calloc(sc->nvfs, sizeof(*res->vfs));
	if (!res->vfs) {
		rc = -ENOMEM;
		goto fail;
	}
	res->nvfs = sc->nvfs;
	for (uint32_t i = 0; i < sc->nvfs; i++) {
		const struct sim_vf *v = &s.vfs[i];
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
		if (s.eng[e].busy)
			res->vfs[s.eng[e].vf].id_sum_in_flight += s.eng[e].r.id;
	dur = sc->duration_ns / 1e9;
	res->events = s.events;
	res->total_mbps = bytes / dur / 1e6;
	res->total_ops = ops / dur;
	res->irq_hz = irqs / dur;
	res->nwin = s.nwin;
	res->win_start_ns = s.win_start;
	res->win_bytes = s.win_bytes;
	s.win_start = s.win_bytes = NULL;
	res->wall_s = wall_now() - t0;
	sim_free(&s);
	return 0;
fail:
	free(s.win_start);
	free(s.win_bytes);
	sim_free(&s);
	vfc_sim_result_fini(res);
	return rc;
}

void vfc_sim_result_fini(struct vfc_sim_result *res)
{
	if (!res)
		return;
	free(res->vfs);
	free(res->win_start_ns);
	free(res->win_bytes);
	memset(res, 0, sizeof(*res));
}

static json_t *jreal(double x, double scale)
{
	return json_real(round(x * scale) / scale);
}

json_t *vfc_sim_result_json(const struct vfc_sim_scenario *sc, const struct vfc_sim_result *res, bool timing)
{
	json_t *o = json_object(), *arr = json_array();
	double dur = sc->duration_ns / 1e9;
	uint64_t sub = 0, done = 0, infl = 0, drop = 0;

	if (!o || !arr) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	for (uint32_t i = 0; i < res->nvfs; i++) {
		const struct vfc_sim_vf_result *r = &res->vfs[i];
		const struct vfc_sim_group *g = &sc->groups[r->group];
		json_t *v = json_object();

		json_object_set_new(v, "id", json_integer(r->id));
		json_object_set_new(v, "group", json_integer(r->group));
		json_object_set_new(v, "ctl", json_string(vfc_controller_kind_name(g->ctl.kind)));
		json_object_set_new(v, "mbps", jreal(r->bytes / dur / 1e6, 1e3));
		json_object_set_new(v, "ops_per_s", jreal(r->completed / dur, 1e1));
		json_object_set_new(v, "irq_hz", jreal(r->irqs / dur, 1e1));
		json_object_set_new(v, "cap_hz_final", json_integer(r->cap_hz_final));
		json_object_set_new(v, "cpu_frac", jreal(r->cpu_ns / 1e9 / dur, 1e4));
		json_object_set_new(v, "submitted", json_integer((json_int_t)r->submitted));
		json_object_set_new(v, "completed", json_integer((json_int_t)r->completed));
		json_object_set_new(v, "in_flight", json_integer((json_int_t)r->in_flight));
		json_object_set_new(v, "dropped", json_integer((json_int_t)r->dropped));
		json_array_append_new(arr, v);
		sub += r->submitted;
		done += r->completed;
		infl += r->in_flight;
		drop += r->dropped;
	}
	json_object_set_new(o, "profile", json_string(sc->prof.name));
	json_object_set_new(o, "seed", json_integer((json_int_t)sc->seed));
	json_object_set_new(o, "duration_s", jreal(dur, 1e6));
	json_object_set_new(o, "engines", json_integer(sc->engines));
	json_object_set_new(o, "nvfs", json_integer(sc->nvfs));
	json_object_set_new(o, "total_mbps", jreal(res->total_mbps, 1e3));
	json_object_set_new(o, "total_ops_per_s", jreal(res->total_ops, 1e1));
	json_object_set_new(o, "irq_hz", jreal(res->irq_hz, 1e1));
	json_object_set_new(o, "submitted", json_integer((json_int_t)sub));
	json_object_set_new(o, "completed", json_integer((json_int_t)done));
	json_object_set_new(o, "in_flight", json_integer((json_int_t)infl));
	json_object_set_new(o, "dropped", json_integer((json_int_t)drop));
	json_object_set_new(o, "events", json_integer((json_int_t)res->events));
	json_object_set_new(o, "wall_s", jreal(timing ? res->wall_s : 0, 1e3));
	json_object_set_new(o, "events_per_s",
			    jreal(timing && res->wall_s > 0 ? res->events / res->wall_s : 0, 1));
	json_object_set_new(o, "vfs", arr);
	return o;
}

int vfc_sim_oracle(const struct vfc_sim_scenario *sc, const uint32_t *caps, size_t ncaps, double *oracle_mbps,
		   uint32_t *best_cap, uint32_t nwin_max, uint32_t *nwin)
{
	uint64_t *best = NULL;
	uint32_t nw = 0;
	double total = 0;

	for (size_t c = 0; c < ncaps; c++) {
		struct vfc_sim_opts o = { 0 };
		struct vfc_sim_result r;
		int rc;

		if (caps[c])
			vfc_controller_cfg_default(&o.override, VFC_CONTROLLER_KIND_STATIC), o.override.static_hz = caps[c];
		else
			vfc_controller_cfg_default(&o.override, VFC_CONTROLLER_KIND_NONE);
		o.override_ctl = true;
		rc = vfc_sim_run(sc, &o, &r);
		if (rc) {
			free(best);
			return rc;
		}
		if (!best) {
			nw = r.nwin;
			best = calloc(nw, sizeof(uint64_t));
			if (!best) {
				vfc_sim_result_fini(&r);
				return -ENOMEM;
			}
		}
		for (uint32_t w = 0; w < nw; w++) {
			if (c == 0 || r.win_bytes[w] > best[w]) {
				best[w] = r.win_bytes[w];
				if (best_cap && w < nwin_max)
					best_cap[w] = caps[c];
			}
		}
		vfc_sim_result_fini(&r);
	}
	for (uint32_t w = 0; w < nw; w++)
		total += (double)best[w];
	free(best);
	*oracle_mbps = total / (sc->duration_ns / 1e9) / 1e6;
	if (nwin)
		*nwin = nw;
	return 0;
}
