/* SPDX-License-Identifier: MIT */
/* sample.c - the aggregated mode: the exact model run over a sample of each interval, its counters scaled to the interval. */
#include "sim/sample_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/*
 * Between two ticks or phase changes (an interval) nothing changes a VF's
 * cap or workload, so its rates after a settling time are steady. The
 * aggregated mode runs the exact model itself - every VF, engine, moderation
 * unit, tenant and controller as in the exact mode - but over a part of each
 * interval only: the first settle_ns (the transient a new cap or phase sets
 * off, counted as it is), then meas_ns whose counts stand for the rest of
 * the interval (scaled by (L - settle_ns) / meas_ns). The model's clock runs
 * through the sampled parts only; the state at the end of one interval's
 * sample is the state at the start of the next (a steady state: what the
 * unsampled rest would have ended in, statistically). The controllers see
 * the scaled counters at the real tick times: the same sample shape as in
 * the exact mode. An interval no longer than settle_ns + meas_ns is run
 * whole (scale 1): with both at least the tick, the run is the exact one.
 * (docs/sim.md, "Aggregated mode".)
 */


static void reaped(struct vfc__sim *s, uint32_t vfi);
static void done(struct vfc__sim *s, uint32_t vfi);
static void counters(const struct vfc__sim *s, uint32_t vfi, struct vfc_mon_counters *c);

int vfc__sim_samp_init(struct vfc__sim *s)
{
	struct vfc__sim_samp *p = calloc(1, sizeof(*p));

	s->samp = p;
	if (!p)
		return -ENOMEM;
	p->phase_next = calloc(s->sc->ngroups, sizeof(uint32_t));
	p->v = calloc(s->sc->nvfs, sizeof(*p->v));
	p->win_bytes = calloc(s->nwin, sizeof(double));
	p->caps = calloc(s->sc->nvfs, sizeof(*p->caps));
	p->gsnap = calloc((size_t)(SAMPLE_MAX_STEPS + 1) * s->sc->ngroups * 2, sizeof(double));
	p->gsum = calloc((size_t)s->sc->ngroups * 2, sizeof(double));
	p->gmoving = calloc(s->sc->ngroups, sizeof(bool));
	if (!p->phase_next || !p->v || !p->win_bytes || !p->caps || !p->gsnap || !p->gsum || !p->gmoving)
		return -ENOMEM;
	p->next_tick = s->sc->tick_ns;
	s->samp_reap = reaped;
	s->samp_done = done;
	s->samp_counters = counters;
	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		/* Where each VF's whole counts fall between ticks: its own phase, as in the exact mode. */
		uint64_t x = s->sc->seed ^ (0x6a09e667f3bcc909ull * (i + 1));

		p->v[i].q_ops = vfc__sim_rng_unit(&x);
		p->v[i].q_irqs = vfc__sim_rng_unit(&x);
		p->v[i].q_dropped = vfc__sim_rng_unit(&x);
	}
	return 0;
}

void vfc__sim_samp_free(struct vfc__sim *s)
{
	if (!s->samp)
		return;
	free(s->samp->phase_next);
	free(s->samp->v);
	free(s->samp->win_bytes);
	free(s->samp->caps);
	free(s->samp->gsnap);
	free(s->samp->gsum);
	free(s->samp->gmoving);
	free(s->samp);
	s->samp = NULL;
}

static struct vfc__samp_cnt now_cnt(const struct vfc__sim *s, const struct vfc__sim_vf *v)
{
	return (struct vfc__samp_cnt){ s->now, v->bytes_done, v->completed, v->irqs, v->cpu_ns, v->dropped };
}

/* VF vfi's tenant reaped: in a sampled piece, the reap may bound the VF's whole cycles. */
static void reaped(struct vfc__sim *s, uint32_t vfi)
{
	struct vfc__sim_samp *p = s->samp;
	struct vfc__samp_vf *r = &p->v[vfi];

	r->reaps++;
	if (!p->sampled)
		return;
	if (!r->nmark++) {
		r->first = now_cnt(s, &s->vfs[vfi]);
		r->acc = (struct vfc__samp_reg){ 0 };
		r->per_min = UINT32_MAX;
		r->per_max = 0;
	} else {
		uint32_t k = (uint32_t)(s->vfs[vfi].completed - (r->nmark > 2 ? r->last.ops : r->first.ops));

		r->last = now_cnt(s, &s->vfs[vfi]);
		r->at_last = r->acc;
		r->per_min = k < r->per_min ? k : r->per_min;
		r->per_max = k > r->per_max ? k : r->per_max;
	}
}

/* A request of VF vfi completed: a point of its line, from its first reap in the sampled piece on. */
static void done(struct vfc__sim *s, uint32_t vfi)
{
	struct vfc__sim_samp *p = s->samp;
	struct vfc__samp_vf *r = &p->v[vfi];
	double t, j;

	if (!p->sampled || !r->nmark)
		return;
	t = (double)(s->now - p->meas_at);
	j = (double)(s->vfs[vfi].completed - r->first.ops);
	r->acc.n += 1;
	r->acc.t += t;
	r->acc.tt += t * t;
	r->acc.j += j;
	r->acc.tj += t * j;
	r->acc.jj += j * j;
}


/*
 * A VF's backlog: its requests not completed yet (waiting for a submit job,
 * queued or in service). Not its population: that falls only when the
 * tenant reaps, and an overloaded open loop's tenant (its vCPUs busy with
 * submit jobs of hundreds of requests) reaps 50-100 ms apart, so a piece can
 * see the engines drain its backlog at full speed with no reap at all.
 */
static uint32_t backlog(const struct vfc__sim_vf *v)
{
	return v->population - v->done_unreaped;
}

/*
 * Is a VF's state still moving on a longer time scale than its cycles (a
 * closed loop retiring the excess of a smaller depth; an open loop whose
 * queue grows towards max_queue or drains)? Its rates now are not the
 * rest's: the model must run on. span_ns: the real time the piece stands
 * for (its start to the interval's end).
 */
static bool transient(const struct vfc__sim_vf *v, const struct vfc__samp_vf *r, double ran_ns, double span_ns)
{
	double arrived = v->rate * ran_ns / 1e9, rest = v->rate * span_ns / 1e9, noise;

	if (!v->open)
		return v->population > v->depth;
	/* Beyond the arrivals' noise: a queue that grows by an eighth of them, or more (towards max_queue),
	 * or one that drains (a lower rate after an overload): the rates the piece saw do not last. */
	noise = 8 + arrived / 8 + 2 * sqrt(arrived);
	if (v->population < v->max_queue && v->population > r->pop0 + noise)
		return true;
	/* A backlog beyond the arrivals of the whole span, with no drop (not the steady state of an overload,
	 * which drops at max_queue): it drains within the span, or grows. A piece may see neither, when the
	 * tenant's vCPUs spend it on one long submit job and the VF's device queue stays empty. */
	if (v->dropped == r->c0.dropped && (double)backlog(v) > 8 + rest + SAMPLE_GROUP_Z * sqrt(rest))
		return true;
	return (double)v->population + noise < (double)r->pop0;
}

/*
 * Which groups' open loops (those that dropped nothing in the piece: not
 * in an overload's steady state) together gain or lose backlog beyond the
 * noise of their arrivals (8 + SAMPLE_GROUP_Z standard deviations of a
 * Poisson count of them, in all)? Such a group is moving. An engine
 * overload grows every VF's backlog by a share of its arrivals that one
 * VF's noise floor (transient) hides, while the group's sum grows with its
 * VFs and its noise with their square root; a drain after it lowers the
 * backlog at the engines' speed while the tenant, busy submitting, does not
 * reap (its population stays). Filled as it is, the first piece of either
 * stands for the whole interval: the device's capacity where the VFs are
 * filled with their arrivals, a drain extrapolated past its end. Open loops
 * that keep up hold a backlog of about their arrivals over one request's
 * latency, which changes over a piece far less than that noise. Sets
 * samp->gmoving.
 */
static bool groups_moving(struct vfc__sim *s, double ran_ns)
{
	struct vfc__sim_samp *p = s->samp;
	uint32_t ng = s->sc->ngroups;
	double *d = p->gsum, *a = p->gsum + ng;
	bool any = false;

	for (uint32_t g = 0; g < ng; g++)
		d[g] = a[g] = 0;
	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		const struct vfc__sim_vf *v = &s->vfs[i];

		if (!v->open || v->population >= v->max_queue || v->dropped != p->v[i].c0.dropped)
			continue;
		d[v->group] += (double)backlog(v) - (double)p->v[i].back0;
		a[v->group] += v->rate * ran_ns / 1e9;
	}
	for (uint32_t g = 0; g < ng; g++) {
		p->gmoving[g] = fabs(d[g]) > 8 + SAMPLE_GROUP_Z * sqrt(a[g]);
		any |= p->gmoving[g];
	}
	return any;
}

/*
 * wb bytes over the real span [p->real, p->real + span] into the windows it crosses, in time's proportion.
 * Phase changes end intervals, so only a settle point (vfc_sim_opts.settle_ticks) can fall inside a span,
 * off the oracle's long ticks, where the interval's rate is the steady one its sample measured.
 */
static void win_add(struct vfc__sim *s, double wb, uint64_t span)
{
	struct vfc__sim_samp *p = s->samp;
	uint64_t at = p->real, end = p->real + span;

	while (p->win + 1 < s->nwin && s->win_start[p->win + 1] < end) {
		uint64_t cut = s->win_start[p->win + 1];
		double part = cut > at ? wb * (double)(cut - at) / (double)(end - at) : 0;

		p->win_bytes[p->win++] += part;
		wb -= part;
		if (cut > at)
			at = cut;
	}
	p->win_bytes[p->win] += wb;
}

/*
 * The piece's counts into the real counters, and what the rest of the interval (gap ns) adds (fill); the
 * piece and gap span span ns of real time from p->real. moved: the piece ran on because some VF's state
 * moved (transient); such a VF's history restarts after it.
 */
static void fold(struct vfc__sim *s, double gap, bool moved, uint64_t span)
{
	struct vfc__sim_samp *p = s->samp;
	double wb = 0;

	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		struct vfc__samp_vf *r = &p->v[i];
		struct vfc__samp_cnt c = now_cnt(s, &s->vfs[i]);
		struct vfc__samp_cnt_d f;

		vfc__sim_samp_hist_add(r, &s->vfs[i], &c);
		if (moved && (transient(&s->vfs[i], r, (double)(s->now - p->meas_at), (double)p->piece_real) || p->gmoving[s->vfs[i].group]))
			r->hist_key = 0;
		f = gap > 0 ? vfc__sim_samp_fill(s, i, &c, gap) : (struct vfc__samp_cnt_d){ 0 };

		if (gap > 0)
			vfc__sim_samp_whole(r, &f);

		r->bytes += (double)(c.bytes - r->c0.bytes) + f.bytes;
		wb += (double)(c.bytes - r->c0.bytes) + f.bytes;
		r->ops += (double)(c.ops - r->c0.ops) + f.ops;
		r->irqs += (double)(c.irqs - r->c0.irqs) + f.irqs;
		r->cpu_ns += (double)(c.cpu_ns - r->c0.cpu_ns) + f.cpu_ns;
		r->dropped += (double)(c.dropped - r->c0.dropped) + f.dropped;
		r->kept_up = vfc__sim_samp_keeps_up(&s->vfs[i], r);
		r->c0 = c;
		r->nmark = 0;
	}
	win_add(s, wb, span);
}


/*
 * Does a VF need more reaps in the sampled piece for its whole cycles? One
 * that reaped (not one that keeps_up with a pool, nor a slow closed loop
 * with its history), and an open loop that does not keep up even if it has
 * not reaped yet: an overloaded tenant runs in cycles of 50-100 ms (a long
 * submit job, then a burst on the engines), and a 30 ms piece may catch
 * only the job, no completion at all, which filled the rest of its
 * interval with none (test_sim_agg's overload: -15% on a third of seeds).
 */
static bool need_more(const struct vfc__sim *s)
{
	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		const struct vfc__sim_vf *v = &s->vfs[i];
		const struct vfc__samp_vf *r = &s->samp->v[i];

		if (r->nmark >= SAMPLE_MIN_MARKS)
			continue;
		if (v->open && !vfc__sim_samp_keeps_up(v, r))
			return true;
		if (r->nmark && !(r->nmark < SAMPLE_HIST_MARKS && vfc__sim_samp_hist_enough(v, r)) &&
		    !(r->pool.ops > 0 && vfc__sim_samp_keeps_up(v, r)))
			return true;
	}
	return false;
}

/* Is any VF's or group's state moving (transient, groups_moving above)? */
static bool moving(struct vfc__sim *s)
{
	double ran = (double)(s->now - s->samp->meas_at);
	bool any = groups_moving(s, ran);

	for (uint32_t i = 0; i < s->sc->nvfs && !any; i++)
		any = transient(&s->vfs[i], &s->samp->v[i], ran, (double)s->samp->piece_real);
	return any;
}

/* Checkpoint k of the measured piece: every group's requests and bytes so far. */
static void snap(struct vfc__sim *s, uint32_t k)
{
	uint32_t ng = s->sc->ngroups;
	double *g = s->samp->gsnap + (size_t)k * ng * 2;

	for (uint32_t j = 0; j < ng * 2; j++)
		g[j] = 0;
	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		const struct vfc__sim_vf *v = &s->vfs[i];

		g[v->group * 2] += (double)v->completed;
		g[v->group * 2 + 1] += (double)v->bytes_done;
	}
}

/*
 * Do the two halves of the measured piece (checkpoints 0 .. k/2 .. k) differ
 * beyond their noise? The VFs' reaps may be many while the device runs a
 * longer cycle of its own (groups whose requests take turns on the engines in
 * convoys, some tens of ms): a piece shorter than a few of those cycles gives
 * whatever part of the cycle it caught. A group's difference in bytes counts
 * beyond SAMPLE_HALF_Z standard deviations of a Poisson count of its requests
 * (at its mean size); the piece goes on while the sum over groups exceeds
 * SAMPLE_HALF_FRAC of the device's bytes. Not interrupts: VFs whose caps were
 * set at one tick fire in waves, one per cap period, which the halves cut
 * unevenly (28% apart on 1000 adaptive VFs) and each VF's whole cycles
 * already measure.
 */
static bool halves_differ(const struct vfc__sim *s, uint32_t k)
{
	uint32_t ng = s->sc->ngroups;
	const double *a = s->samp->gsnap, *m = a + (size_t)(k / 2) * ng * 2, *b = a + (size_t)k * ng * 2;
	double xb = 0, tb = 0;

	for (uint32_t g = 0; g < ng; g++) {
		const double *A = a + g * 2, *M = m + g * 2, *B = b + g * 2;
		double n = B[0] - A[0], by = B[1] - A[1];
		double db = fabs((B[1] - M[1]) - (M[1] - A[1]));

		tb += by;
		if (n > 0)
			db -= SAMPLE_HALF_Z * sqrt(n) * by / n;
		xb += db > 0 ? db : 0;
	}
	return xb > SAMPLE_HALF_FRAC * tb;
}

static uint64_t u64(double x)
{
	return x <= 0 ? 0 : (uint64_t)llround(x);
}

/* What a tick samples in this mode: the scaled counters, at the real time. */
static void counters(const struct vfc__sim *s, uint32_t vfi, struct vfc_mon_counters *c)
{
	const struct vfc__samp_vf *r = &s->samp->v[vfi];

	c->t_ns = s->samp->real;
	c->bytes = u64(r->bytes);
	c->ops = u64(r->ops);
	c->irqs = u64(r->irqs);
	c->cpu_ns = u64(r->cpu_ns);
}

static int measure(struct vfc__sim *s);

/* The next real boundary after p->real: a tick, a phase change or the end. */
static uint64_t next_bound(const struct vfc__sim *s)
{
	const struct vfc__sim_samp *p = s->samp;
	uint64_t t = s->sc->duration_ns;

	if (p->next_tick < t)
		t = p->next_tick;
	for (uint32_t g = 0; g < s->sc->ngroups; g++) {
		const struct vfc_sim_group *gr = &s->sc->groups[g];

		if (p->phase_next[g] < gr->nphases && gr->phases[p->phase_next[g]].at_ns < t)
			t = gr->phases[p->phase_next[g]].at_ns;
	}
	return t;
}

/* The caps before a tick (caps_moved compares). */
static void caps_keep(struct vfc__sim *s)
{
	for (uint32_t i = 0; i < s->sc->nvfs; i++)
		s->samp->caps[i] = s->vfs[i].moder.cfg.cap_hz;
}

/*
 * Did the tick change a cap that calls for a settling piece? Not that of an
 * open loop that kept up with its arrivals in the piece just folded
 * (keeps_up, taken by fold before it moved c0): its requests come at their
 * own times whatever the cap, its next interrupt already follows the new
 * one, and its interrupts per request come from its pool, which a new cap
 * restarts. Open loops' controllers move some cap at nearly every tick of a
 * large fleet (docs/sim.md, session 10).
 */
static bool caps_moved(const struct vfc__sim *s)
{
	const struct vfc__sim_samp *p = s->samp;

	for (uint32_t i = 0; i < s->sc->nvfs; i++)
		if (s->vfs[i].moder.cfg.cap_hz != p->caps[i] && !p->v[i].kept_up)
			return true;
	return false;
}

/*
 * Plan the rest of the interval from p->real: its first piece, and the cut
 * event at the piece's end. A long rest starts with a settling piece if
 * something changed (a cap, a phase, a transient's end); if nothing did, the
 * model is in the steady state the previous interval measured, and measures
 * at once.
 */
static int plan(struct vfc__sim *s, bool settle)
{
	struct vfc__sim_samp *p = s->samp;
	uint64_t len;

	len = p->bound - p->real;
	p->sampled = false;
	if (len <= s->sample_settle_ns + s->sample_meas_ns) {
		p->piece_real = len;
		p->measure = true;
	} else {
		p->piece_real = settle ? s->sample_settle_ns : 0;
		p->measure = false;
		if (!p->piece_real)
			return measure(s);
	}
	return vfc__sim_heap_push(&s->h, s->now + p->piece_real, VFC__SIM_EV_CUT, 0, 0);
}

/* The interval's sampled piece: at least meas_ns of the model for the rest of the interval. */
static int measure(struct vfc__sim *s)
{
	struct vfc__sim_samp *p = s->samp;

	p->measure = true;
	p->sampled = true;
	p->meas_at = s->now;
	for (uint32_t i = 0; i < s->sc->nvfs; i++) {
		p->v[i].pop0 = s->vfs[i].population;
		p->v[i].back0 = backlog(&s->vfs[i]);
	}
	p->piece_real = p->bound - p->real;
	p->uneven = false;
	snap(s, 0);
	/* The first cut is the checkpoint half way (a piece shorter than the measure runs whole). */
	return vfc__sim_heap_push(&s->h, s->now + (p->piece_real < s->sample_meas_ns ? p->piece_real : s->sample_meas_ns / 2),
				  VFC__SIM_EV_CUT, 0, 0);
}

/* Phases that start at the real time (one per group at most: their starts are strictly increasing). */
static int phases(struct vfc__sim *s, bool *changed)
{
	struct vfc__sim_samp *p = s->samp;

	for (uint32_t g = 0; g < s->sc->ngroups; g++) {
		const struct vfc_sim_group *gr = &s->sc->groups[g];

		while (p->phase_next[g] < gr->nphases && gr->phases[p->phase_next[g]].at_ns <= p->real) {
			int rc = vfc__sim_group_phase(s, g, p->phase_next[g]++);

			*changed = true;

			if (rc)
				return rc;
		}
	}
	while (p->win + 1 < s->nwin && s->win_start[p->win + 1] <= p->real)
		p->win++;
	return 0;
}

int vfc__sim_samp_start(struct vfc__sim *s)
{
	bool changed = true;
	int rc = phases(s, &changed);

	if (rc)
		return rc;
	s->samp->bound = next_bound(s);
	return plan(s, true);
}

/* A piece ends: its counters scaled; at the interval's end, the tick and phases due, and the next interval. */
int vfc__sim_on_cut(struct vfc__sim *s)
{
	struct vfc__sim_samp *p = s->samp;
	int rc;

	if (p->sampled) {
		uint64_t ran = s->now - p->meas_at, step = s->sample_meas_ns / 2;
		uint32_t k = (uint32_t)((ran + step / 2) / step);

		if (k <= SAMPLE_MAX_STEPS && ran < p->piece_real)
			snap(s, k);
		if (ran < s->sample_meas_ns && ran < p->piece_real) /* the checkpoint half way */
			return vfc__sim_heap_push(&s->h, s->now + step, VFC__SIM_EV_CUT, 0, 0);
		if (k % 2 == 0 && k <= SAMPLE_MAX_STEPS && ran < p->piece_real)
			p->uneven = halves_differ(s, k);
		if (ran < p->piece_real && moving(s)) {
			/* Counted as it is, like a settling piece; the rest is planned again from here. */
			fold(s, 0, true, ran);
			p->real += ran;
			return plan(s, true);
		}
		if (ran < p->piece_real && ran < SAMPLE_MAX_MEAS * s->sample_meas_ns && (p->uneven || need_more(s)))
			return vfc__sim_heap_push(&s->h, s->now + (ran + step < p->piece_real ? step : p->piece_real - ran),
						  VFC__SIM_EV_CUT, 0, 0);
		fold(s, (double)(p->piece_real - ran), false, p->piece_real);
	} else {
		fold(s, 0, false, p->piece_real);
	}
	p->real += p->piece_real;
	if (!p->measure)
		return measure(s);
	if (s->o->progress_cb) {
		struct vfc_sim_progress pr = { p->real, s->sc->duration_ns, s->events, 0 };

		for (uint32_t i = 0; i < s->sc->nvfs; i++)
			pr.completed += u64(p->v[i].ops);
		s->o->progress_cb(s->o->progress_arg, &pr);
	}
	if (p->real >= s->sc->duration_ns)
		return vfc__sim_heap_push(&s->h, s->now, VFC__SIM_EV_END, 0, 0);
	bool changed;

	caps_keep(s);

	if (p->real == p->next_tick) {
		if ((rc = vfc__sim_tick_step(s)))
			return rc;
		p->next_tick += s->sc->tick_ns;
	}
	changed = caps_moved(s);
	if ((rc = phases(s, &changed)))
		return rc;
	p->bound = next_bound(s);
	return plan(s, changed);
}

/* The result's counters from the scaled ones (the state at the end - in flight, caps - is the model's). */
void vfc__sim_samp_collect(const struct vfc__sim *s, struct vfc_sim_result *res)
{
	const struct vfc__sim_samp *p = s->samp;
	double dur = s->sc->duration_ns / 1e9, bytes = 0, ops = 0, irqs = 0;

	for (uint32_t i = 0; i < res->nvfs; i++) {
		struct vfc_sim_vf_result *r = &res->vfs[i];
		const struct vfc__samp_vf *v = &p->v[i];

		r->completed = u64(v->ops);
		r->submitted = r->completed + r->in_flight;
		r->bytes = u64(v->bytes);
		r->irqs = u64(v->irqs);
		r->cpu_ns = u64(v->cpu_ns);
		r->dropped = u64(v->dropped);
		r->id_sum = r->id_sum_in_flight = 0;
		bytes += v->bytes;
		ops += v->ops;
		irqs += v->irqs;
	}
	for (uint32_t w = 0; w < res->nwin; w++)
		res->win_bytes[w] = u64(p->win_bytes[w]);
	res->completed = u64(ops);
	res->total_mbps = bytes / dur / 1e6;
	res->total_ops = ops / dur;
	res->irq_hz = irqs / dur;
}
