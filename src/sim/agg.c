/* SPDX-License-Identifier: MIT */
/* agg.c - the aggregated mode: each VF advanced one step per tick or phase change at rates of its class. */
#include "os/clock.h"
#include "sim/sim_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Between two ticks or phase changes nothing changes a VF's rates but the
 * other VFs' use of the engines: its cap (set at a tick), its phase, and the
 * engines' round. So every VF of a class (group, phase, cap) runs at the
 * same rates, those of one exact run of a single VF of that class (the
 * reference model's own code: vfc__sim_run_class) whose requests take their
 * turn at the engines every round_ns, the other VFs' share in the round
 * robin. The round is found per interval: 0 when the engines keep up with
 * every VF's demand, else the one at which the demand fills the engines
 * (docs/sim.md, "Aggregated mode"). A class run is cached by (class, round
 * rounded to 0.25%): steady fleets reuse it every tick.
 */

#define ROUND_STEP 1.0025   /* the round's cache grid: rounds within 0.25% share a class run */
#define CLASS_OPS 4000      /* completions a class run measures, at least (and VFC__SIM_CLASS_MIN_NS) */
#define CLASS_OPS_OPEN 1000 /* open loop: its rate is known, the run gives interrupts and CPU per request */
#define FIT_ITER 12

struct key {
	uint32_t group, phase, cap;
	int32_t lq; /* the round: 0 none, else round(log(round_ns) / log(ROUND_STEP)) */
	int32_t wq; /* the first request's wait, the same way */
};

struct entry {
	struct key k;
	bool used;
	struct vfc__sim_rates r;
};

struct avf {
	uint32_t group, phase, cap, cls;
	double ops, irqs, cpu_ns, dropped; /* fractional counters */
	uint64_t completed, bytes, nirqs, ncpu, ndropped;
	uint32_t in_flight, depth_max;
	uint64_t rng;
};

struct cls {
	struct key k;  /* lq unused */
	uint32_t n;
	double svc_ns; /* engine time per request (and per interrupt, added per irq) */
	double irq_eng_ns;
	struct vfc__sim_rates r;
};

struct agg {
	const struct vfc_sim_scenario *sc;
	const struct vfc_sim_opts *o;
	struct avf *v;
	struct vfc_controller *ctl;
	struct vfc_mon_counters *mprev;
	struct entry *tab;
	size_t tabn, tabcap;
	struct cls *c;
	uint32_t nc;
	uint32_t *phase_of; /* per group: the phase in force */
	uint32_t *first_vf; /* per group */
	double round_ns;    /* the last interval's round */
	double wait_ns;     /* and the first request's wait */
	uint64_t now, events, completed;
	uint64_t *win_start, *win_bytes;
	uint32_t nwin, win;
};

static uint64_t key_hash(const struct key *k)
{
	uint64_t h = k->group * 0x9e3779b97f4a7c15ull ^ k->phase * 0xc2b2ae3d27d4eb4full;

	h ^= (uint64_t)k->cap * 0x165667b19e3779f9ull ^ (uint64_t)(uint32_t)k->lq * 0xd6e8feb86659fd93ull;
	h ^= (uint64_t)(uint32_t)k->wq * 0x94d049bb133111ebull;
	h ^= h >> 29;
	return h * 0xbf58476d1ce4e5b9ull;
}

static bool key_eq(const struct key *a, const struct key *b)
{
	return a->group == b->group && a->phase == b->phase && a->cap == b->cap && a->lq == b->lq && a->wq == b->wq;
}

static int tab_grow(struct agg *a)
{
	size_t ncap = a->tabcap ? a->tabcap * 2 : 256;
	struct entry *t = calloc(ncap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < a->tabcap; i++) {
		size_t j;

		if (!a->tab[i].used)
			continue;
		for (j = key_hash(&a->tab[i].k) & (ncap - 1); t[j].used; j = (j + 1) & (ncap - 1))
			;
		t[j] = a->tab[i];
	}
	free(a->tab);
	a->tab = t;
	a->tabcap = ncap;
	return 0;
}

/* The one-VF scenario of a class: the group's phase from time 0, its cap static. */
static int class_scenario(const struct agg *a, const struct key *k, struct vfc_sim_scenario *one,
			  struct vfc_sim_group *g, struct vfc_sim_phase *ph, uint64_t *warm)
{
	const struct vfc_sim_group *src = &a->sc->groups[k->group];
	char spec[32], errbuf[128];
	uint64_t gap = k->cap ? 1000000000ull / k->cap : 0;
	double rnd = k->lq ? pow(ROUND_STEP, k->lq) : 0;

	*one = *a->sc;
	*g = *src;
	*ph = src->phases[k->phase];
	ph->at_ns = 0;
	g->vfs = 1;
	g->nphases = 1;
	g->phases = ph;
	snprintf(spec, sizeof(spec), k->cap ? "static:%u" : "none", k->cap);
	if (vfc_controller_parse(spec, &g->ctl, errbuf, sizeof(errbuf)) < 0)
		return -EINVAL;
	one->groups = g;
	one->ngroups = 1;
	one->nvfs = 1;
	one->aggregate = false;
	one->seed = key_hash(k) ^ a->sc->seed;
	/* Warm-up: a few of the cycles that set the VF's pace (cap gap, a depth's worth of turns). */
	*warm = 20000000ull;
	if (10 * gap > *warm)
		*warm = 10 * gap;
	if (4.0 * (ph->depth ? ph->depth : 1) * rnd > (double)*warm)
		*warm = (uint64_t)(4.0 * (ph->depth ? ph->depth : 1) * rnd);
	if (*warm > 5000000000ull)
		*warm = 5000000000ull;
	one->tick_ns = *warm;
	one->duration_ns = *warm + 4000000000000ull; /* stopped after CLASS_OPS completions */
	return 0;
}

/* The rates of class k (cached). */
static int class_rates(struct agg *a, const struct key *k, struct vfc__sim_rates *r)
{
	struct vfc_sim_scenario one;
	struct vfc_sim_group g;
	struct vfc_sim_phase ph;
	uint64_t warm;
	size_t j;
	int rc;

	if (a->tabn * 2 >= a->tabcap && (rc = tab_grow(a)))
		return rc;
	for (j = key_hash(k) & (a->tabcap - 1); a->tab[j].used; j = (j + 1) & (a->tabcap - 1)) {
		if (key_eq(&a->tab[j].k, k)) {
			*r = a->tab[j].r;
			return 0;
		}
	}
	rc = class_scenario(a, k, &one, &g, &ph, &warm);
	if (!rc)
		rc = vfc__sim_run_class(&one, k->lq ? vfc__sim_ns_round(pow(ROUND_STEP, k->lq)) : 0,
					k->wq ? vfc__sim_ns_round(pow(ROUND_STEP, k->wq)) : 0, warm,
					ph.rate_ops > 0 ? CLASS_OPS_OPEN : CLASS_OPS, r);
	if (rc)
		return rc;
	if (ph.rate_ops > 0 && r->ops > 0) {
		/* Open loop: the arrivals' mean is known; the run's Poisson count is not it (1/sqrt(n)). */
		double f = (ph.rate_ops - r->dropped) / r->ops;

		if (f > 0) {
			r->ops *= f;
			r->irqs *= f;
			r->cpu_ns *= f;
		}
	}
	a->events += r->events;
	a->tab[j] = (struct entry){ *k, true, *r };
	a->tabn++;
	return 0;
}

static int32_t round_q(double rnd)
{
	return rnd < 1 ? 0 : (int32_t)lround(log(rnd) / log(ROUND_STEP));
}

/* Every class's rates at the round rnd and first wait wt; the engines' load (engine ns per s) and backlog. */
static int load_at(struct agg *a, double rnd, double wt, double *load, double *backlog)
{
	*load = *backlog = 0;
	for (uint32_t i = 0; i < a->nc; i++) {
		struct cls *c = &a->c[i];
		struct key k = c->k;
		int rc;

		k.lq = round_q(rnd);
		k.wq = round_q(wt);
		if ((rc = class_rates(a, &k, &c->r)))
			return rc;
		*load += c->n * (c->r.ops * c->svc_ns + c->r.irqs * c->irq_eng_ns);
		*backlog += c->n * c->r.backlog * c->svc_ns;
	}
	return 0;
}

/* The engine time of a request, averaged over the requests served (the classes' rates in force). */
static double mean_svc(const struct agg *a)
{
	double ops = 0, t = 0;

	for (uint32_t i = 0; i < a->nc; i++) {
		ops += a->c[i].n * a->c[i].r.ops;
		t += a->c[i].n * a->c[i].r.ops * a->c[i].svc_ns;
	}
	return ops > 0 ? t / ops : 0;
}

/* The share of the VFs that are not a given one: 1 - 1 / VFs (0 for one VF). */
static double others(const struct agg *a)
{
	return a->sc->nvfs > 1 ? 1.0 - 1.0 / a->sc->nvfs : 0;
}

/* Erlang's C: the probability that a request finds all e engines busy at utilisation rho. */
static double erlang_c(uint32_t e, double rho)
{
	double x = e * rho, term = 1, sum = 0, last;

	if (rho >= 1)
		return 1;
	for (uint32_t k = 0; k < e; k++) {
		sum += term;
		term *= x / (k + 1);
	}
	last = term / (1 - rho);
	return last / (sum + last);
}

/*
 * The round and the first request's wait (docs/sim.md, "Aggregated mode"):
 * none if the engines serve every VF at once; saturated, the round at which
 * the demand fills them; else a mean field: the round is the backlogged
 * VFs' work per engine (each class run says how long its VF waits for its
 * turn), and a VF with no turn pending waits that long with Erlang's C (the
 * chance that every engine is busy).
 */
static double next_round(const struct agg *a, double rnd, double load, double bl)
{
	double cap = (double)a->sc->engines * 1e9;

	if (load > cap * 1.002)
		return rnd * load / cap; /* more than the engines can: longer rounds */
	/* A VF's own request is in its round only when others share the engines (a lone VF: none). */
	return 0.5 * (rnd + (mean_svc(a) * others(a) + bl) / a->sc->engines);
}

static int solve_round(struct agg *a)
{
	uint32_t e = a->sc->engines;
	double cap = (double)e * 1e9, load, bl, rnd, smin = 1e18;
	int rc;

	if (a->round_ns > 0) {
		/* The round in force still fits within 2%: kept (its class runs are cached). */
		if ((rc = load_at(a, a->round_ns, a->wait_ns, &load, &bl)))
			return rc;
		if (fabs(next_round(a, a->round_ns, load, bl) / a->round_ns - 1) < 0.02)
			return 0;
	}
	if ((rc = load_at(a, 0, 0, &load, &bl)) || load <= 0)
		return rc;
	for (uint32_t i = 0; i < a->nc; i++)
		smin = a->c[i].svc_ns < smin ? a->c[i].svc_ns : smin;
	rnd = a->round_ns > 1 ? a->round_ns : smin;
	for (int it = 0; it < FIT_ITER; it++) {
		double nrnd;

		if ((rc = load_at(a, rnd, erlang_c(e, load / cap) * rnd, &load, &bl)))
			return rc;
		nrnd = next_round(a, rnd, load, bl);
		if (nrnd < smin / e) {
			rnd = 0;
			break;
		}
		if (fabs(nrnd / rnd - 1) < 0.01)
			break;
		rnd = nrnd;
	}
	a->round_ns = rnd;
	a->wait_ns = rnd ? erlang_c(e, load / cap) * rnd : 0;
	return rnd ? load_at(a, rnd, a->wait_ns, &load, &bl) : load_at(a, 0, 0, &load, &bl);
}

/* The classes in force: each VF's (group, phase, cap), counted. */
static void build_classes(struct agg *a)
{
	a->nc = 0;
	for (uint32_t i = 0; i < a->sc->nvfs; i++) {
		struct avf *v = &a->v[i];
		uint32_t c = a->nc;

		/* VFs of a group are contiguous and mostly share a class: look back a little first. */
		for (uint32_t k = a->nc; k-- > 0;) {
			if (a->c[k].k.group != v->group)
				break;
			if (a->c[k].k.phase == v->phase && a->c[k].k.cap == v->cap) {
				c = k;
				break;
			}
		}
		if (c == a->nc) {
			const struct vfc_sim_phase *ph = &a->sc->groups[v->group].phases[v->phase];
			const struct vfc_sim_algo_prof *ap = &a->sc->prof.algo[ph->algo];
			const struct vfc_sim_profile *p = &a->sc->prof;
			double kib = ph->block_bytes / 1024.0;

			a->c[c] = (struct cls){ .k = { v->group, v->phase, v->cap, 0 } };
			a->c[c].svc_ns = ap->engine_ns + ap->engine_ns_per_kib * kib;
			a->c[c].irq_eng_ns = p->engine_irq_ns + p->engine_irq_ns_per_kib * kib;
			a->nc++;
		}
		a->c[c].n++;
		v->cls = c;
	}
}

/* Add x (a rate times a time) to a fractional counter; the whole part moves to the integer one. */
static uint64_t take(double *frac, double x)
{
	double w;

	*frac += x;
	w = floor(*frac);
	*frac -= w;
	return (uint64_t)w;
}

/* Advance every VF from a->now to t1 at its class's rates. */
static int interval(struct agg *a, uint64_t t1)
{
	double dt = (double)(t1 - a->now) / 1e9;
	int rc;

	build_classes(a);
	rc = solve_round(a);
	if (rc)
		return rc;
	while (a->win + 1 < a->nwin && a->win_start[a->win + 1] <= a->now)
		a->win++;
	for (uint32_t i = 0; i < a->sc->nvfs; i++) {
		struct avf *v = &a->v[i];
		const struct vfc__sim_rates *r = &a->c[v->cls].r;
		uint64_t n = take(&v->ops, r->ops * dt);
		uint64_t b = n * a->sc->groups[v->group].phases[v->phase].block_bytes;

		v->completed += n;
		v->bytes += b;
		a->win_bytes[a->win] += b;
		a->completed += n;
		v->nirqs += take(&v->irqs, r->irqs * dt);
		v->ncpu += take(&v->cpu_ns, r->cpu_ns * dt);
		v->ndropped += take(&v->dropped, r->dropped * dt);
		v->in_flight = (uint32_t)lround(r->in_flight);
	}
	a->events += a->sc->nvfs;
	a->now = t1;
	return 0;
}

/*
 * The exact model counts a request when the engine completes it, and a
 * tick falls anywhere between two completions: where a VF's requests
 * complete in bursts (a reaped batch resubmitted at once, served by free
 * engines), a tick sees up to a burst more or fewer than the mean; where
 * the engines' round spaces them, one at most. Controllers react to that
 * noise (the paper controller moves when the speed drops by a request), so
 * the counters a tick samples are moved back by a random part of a burst
 * (uniform, from the VF's own stream; the counters themselves stay exact).
 */
static void cycle_phase(struct agg *a, struct avf *v, struct vfc_mon_counters *cur)
{
	const struct cls *c = &a->c[v->cls];
	const struct vfc__sim_rates *r = &c->r;
	const struct vfc_sim_phase *ph = &a->sc->groups[v->group].phases[v->phase];
	double u = vfc__sim_rng_unit(&v->rng), burst = r->irqs > 0 ? r->ops / r->irqs : 1;
	uint64_t k;

	if (a->round_ns > 0 && c->svc_ns / a->sc->engines < a->round_ns)
		burst *= c->svc_ns / a->sc->engines / a->round_ns; /* spread by the round */
	k = (uint64_t)(u * (burst > 1 ? burst : 1));
	if (r->ops <= 0 || cur->ops < k || cur->cpu_ns < (uint64_t)(k * (r->cpu_ns / r->ops)))
		return;
	cur->ops -= k;
	cur->bytes -= k * ph->block_bytes;
	cur->cpu_ns -= (uint64_t)(k * (r->cpu_ns / r->ops));
}

/* The controllers' tick, as tick.c does it (the same sample from the same counters). */
static void tick(struct agg *a)
{
	for (uint32_t i = 0; i < a->sc->nvfs; i++) {
		struct avf *v = &a->v[i];
		const struct vfc_sim_phase *ph = &a->sc->groups[v->group].phases[v->phase];
		struct vfc_mon_counters cur = { a->now, v->bytes, v->completed, v->nirqs, v->ncpu };
		struct vfc_speed_sample smp;
		uint32_t ncap;

		cycle_phase(a, v, &cur);
		if (vfc_mon_sample(&a->mprev[i], &cur, v->cap, ph->depth ? ph->depth : v->in_flight, &smp) < 0)
			continue;
		a->mprev[i] = cur;
		ncap = vfc_controller_step(&a->ctl[i], &smp);
		if (a->o->csv)
			fprintf(a->o->csv, "%.3f,%u,%u,%s,%u,%.3f,%.1f,%.1f,%.4f\n", a->now / 1e9, i, v->group,
				vfc_controller_name(&a->ctl[i]), v->cap, smp.mbps, smp.irq_hz, smp.ops_per_s,
				smp.cpu_frac);
		v->cap = ncap;
	}
}

/* Phases that start at a->now. */
static void phases(struct agg *a)
{
	for (uint32_t g = 0; g < a->sc->ngroups; g++) {
		const struct vfc_sim_group *gr = &a->sc->groups[g];
		uint32_t p = a->phase_of[g];

		while (p + 1 < gr->nphases && gr->phases[p + 1].at_ns <= a->now)
			p++;
		a->phase_of[g] = p;
		for (uint32_t k = a->first_vf[g]; k < a->first_vf[g] + gr->vfs; k++) {
			a->v[k].phase = p;
			if (gr->phases[p].depth > a->v[k].depth_max)
				a->v[k].depth_max = gr->phases[p].depth;
		}
	}
}

/* The next phase change after a->now (UINT64_MAX: none). */
static uint64_t next_phase(const struct agg *a)
{
	uint64_t t = UINT64_MAX;

	for (uint32_t g = 0; g < a->sc->ngroups; g++) {
		const struct vfc_sim_group *gr = &a->sc->groups[g];

		if (a->phase_of[g] + 1 < gr->nphases && gr->phases[a->phase_of[g] + 1].at_ns < t)
			t = gr->phases[a->phase_of[g] + 1].at_ns;
	}
	return t;
}

static void agg_free(struct agg *a)
{
	free(a->v);
	free(a->ctl);
	free(a->mprev);
	free(a->tab);
	free(a->c);
	free(a->phase_of);
	free(a->first_vf);
	free(a->win_start);
	free(a->win_bytes);
}

/* The phase windows (as sim.c's): boundaries of every group's phases, sorted. */
static int windows(struct agg *a)
{
	size_t cap = 1;

	for (uint32_t g = 0; g < a->sc->ngroups; g++)
		cap += a->sc->groups[g].nphases;
	a->win_start = calloc(cap, sizeof(uint64_t));
	a->win_bytes = calloc(cap, sizeof(uint64_t));
	if (!a->win_start || !a->win_bytes)
		return -ENOMEM;
	a->nwin = 1;
	for (uint64_t t = next_phase(a); t < a->sc->duration_ns; t = next_phase(a)) {
		a->win_start[a->nwin++] = t;
		a->now = t;
		phases(a);
	}
	a->now = 0;
	memset(a->phase_of, 0, a->sc->ngroups * sizeof(uint32_t));
	return 0;
}

static int agg_init(struct agg *a)
{
	const struct vfc_sim_scenario *sc = a->sc;
	uint32_t vfi = 0;
	int rc;

	a->v = calloc(sc->nvfs, sizeof(*a->v));
	a->ctl = calloc(sc->nvfs, sizeof(*a->ctl));
	a->mprev = calloc(sc->nvfs, sizeof(*a->mprev));
	a->c = calloc(sc->nvfs, sizeof(*a->c));
	a->phase_of = calloc(sc->ngroups, sizeof(uint32_t));
	a->first_vf = calloc(sc->ngroups, sizeof(uint32_t));
	if (!a->v || !a->ctl || !a->mprev || !a->c || !a->phase_of || !a->first_vf || tab_grow(a))
		return -ENOMEM;
	for (uint32_t g = 0; g < sc->ngroups; g++) {
		a->first_vf[g] = vfi;
		for (uint32_t k = 0; k < sc->groups[g].vfs; k++, vfi++) {
			const struct vfc_controller_cfg *cc = a->o->override_ctl ? &a->o->override : &sc->groups[g].ctl;

			uint64_t seed = sc->seed ^ (0xd1b54a32d192ed03ull * (vfi + 1));

			a->v[vfi].group = g;
			a->v[vfi].rng = vfc__sim_splitmix64(&seed);
			/* Each VF's completions and interrupts fall between ticks at its own phase. */
			a->v[vfi].ops = vfc__sim_rng_unit(&a->v[vfi].rng);
			a->v[vfi].irqs = vfc__sim_rng_unit(&a->v[vfi].rng);
			if ((rc = vfc_controller_init(&a->ctl[vfi], cc, 0)))
				return rc;
			a->v[vfi].cap = vfc_controller_cap(&a->ctl[vfi]);
		}
	}
	if ((rc = windows(a)))
		return rc;
	phases(a);
	return 0;
}

static int agg_loop(struct agg *a)
{
	uint64_t end = a->sc->duration_ns, next_tick = a->sc->tick_ns, pstep = end / 200 ? end / 200 : 1;
	uint64_t next_prog = pstep;

	while (a->now < end) {
		uint64_t t1 = next_phase(a);
		int rc;

		if (next_tick < t1)
			t1 = next_tick;
		if (end < t1)
			t1 = end;
		if ((rc = interval(a, t1)))
			return rc;
		/* A tick at a phase change samples the phase that ends (its class, its depth). */
		if (a->now == next_tick) {
			tick(a);
			next_tick += a->sc->tick_ns;
		}
		phases(a);
		if (a->o->progress_cb && a->now >= next_prog) {
			struct vfc_sim_progress p = { a->now, end, a->events, a->completed };

			a->o->progress_cb(a->o->progress_arg, &p);
			next_prog = a->now + pstep;
		}
	}
	return 0;
}

static int collect(struct agg *a, struct vfc_sim_result *res)
{
	const struct vfc_sim_scenario *sc = a->sc;
	double dur = sc->duration_ns / 1e9;
	uint64_t bytes = 0, irqs = 0;

	res->vfs = calloc(sc->nvfs, sizeof(*res->vfs));
	if (!res->vfs)
		return -ENOMEM;
	res->nvfs = sc->nvfs;
	for (uint32_t i = 0; i < sc->nvfs; i++) {
		const struct avf *v = &a->v[i];

		res->vfs[i] = (struct vfc_sim_vf_result){
			.id = i, .group = v->group, .submitted = v->completed + v->in_flight,
			.completed = v->completed, .in_flight = v->in_flight, .dropped = v->ndropped,
			.bytes = v->bytes, .irqs = v->nirqs, .cpu_ns = v->ncpu, .cap_hz_final = v->cap,
			.depth_max = v->depth_max,
		};
		bytes += v->bytes;
		irqs += v->nirqs;
	}
	res->events = a->events;
	res->completed = a->completed;
	res->total_mbps = bytes / dur / 1e6;
	res->total_ops = a->completed / dur;
	res->irq_hz = irqs / dur;
	res->nwin = a->nwin;
	res->win_start_ns = a->win_start;
	res->win_bytes = a->win_bytes;
	a->win_start = NULL;
	a->win_bytes = NULL;
	return 0;
}

int vfc__sim_agg_run(const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *o, struct vfc_sim_result *res)
{
	struct agg a = { .sc = sc, .o = o };
	double t0 = (double)vfc_now_ns() / 1e9;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = agg_init(&a);
	if (!rc)
		rc = agg_loop(&a);
	if (!rc)
		rc = collect(&a, res);
	if (!rc)
		res->wall_s = (double)vfc_now_ns() / 1e9 - t0;
	else
		vfc_sim_result_fini(res);
	agg_free(&a);
	return rc;
}
