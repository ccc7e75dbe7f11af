/* SPDX-License-Identifier: MIT */
/* sample_fill.c - the aggregated mode's rest of each interval: what a VF's piece, pool or history says it adds. */
#include "sim/sample_internal.h"

#include <math.h>
#include <string.h>

static double poisson(uint64_t *rng, double m);

/*
 * The line's slope (completions per ns), 0 if it has too few points; *sd:
 * the completions' standard deviation about it (about a request or less:
 * the VF's completions are spaced evenly, as the round robin serves a VF of
 * a busy device once per round).
 */
static double slope(const struct vfc__samp_reg *g, double *sd)
{
	double vt, sl, vr;

	*sd = 1e9;
	if (g->n < SAMPLE_MIN_POINTS)
		return 0;
	vt = g->tt - g->t * g->t / g->n;
	if (vt <= 0)
		return 0;
	sl = (g->tj - g->t * g->j / g->n) / vt;
	vr = (g->jj - g->j * g->j / g->n - sl * sl * vt) / g->n;
	*sd = vr > 0 ? sqrt(vr) : 0;
	return sl;
}

/*
 * An open loop that keeps up with its arrivals (no drops in the piece, queue
 * under half of max_queue): its rest is a Poisson count of its rate (fill),
 * so it needs no whole cycles and, once it has a pool (pooled), does not
 * hold the piece (need_more).
 */
bool vfc__sim_samp_keeps_up(const struct vfc__sim_vf *v, const struct vfc__samp_vf *r)
{
	return v->open && v->dropped == r->c0.dropped && v->population * 2 <= v->max_queue;
}

/* A new cap or rate: the pool restarts, its old ratios kept as one request's worth until it has its own. */
static void pool_check(const struct vfc__sim_vf *v, struct vfc__samp_vf *r)
{
	if (r->pool_cap == v->moder.cfg.cap_hz && r->pool_rate == v->rate)
		return;
	if (r->pool.ops > 0) {
		r->pool.irqs /= r->pool.ops;
		r->pool.cpu_ns /= r->pool.ops;
		r->pool.ops = 1;
	}
	r->pool_cap = v->moder.cfg.cap_hz;
	r->pool_rate = v->rate;
}

/*
 * Such a VF's pool: all its measured pieces since its cap or rate last
 * changed (the model's clock runs on through them: a request whose interrupt
 * falls in the next piece is counted there). One with too few reaps for
 * whole cycles (a slow open loop) takes its interrupts and CPU per request
 * from it, not from the few requests of one piece.
 */
static void pool_add(const struct vfc__sim_vf *v, struct vfc__samp_vf *r, const struct vfc__samp_cnt *c)
{
	pool_check(v, r);
	r->pool.ops += (double)(c->ops - r->c0.ops);
	r->pool.irqs += (double)(c->irqs - r->c0.irqs);
	r->pool.cpu_ns += (double)(c->cpu_ns - r->c0.cpu_ns);
}

static struct vfc__samp_cnt_d pooled(struct vfc__sim_vf *v, struct vfc__samp_vf *r, double gap)
{
	double ops = poisson(&v->rng, v->rate * gap / 1e9);

	return (struct vfc__samp_cnt_d){ ops * v->bytes, ops, ops * r->pool.irqs / r->pool.ops, ops * r->pool.cpu_ns / r->pool.ops, 0 };
}

/* What a VF's history is kept for: its cap and workload (a change restarts it). */
static uint64_t hist_key_of(const struct vfc__sim_vf *v)
{
	uint64_t rate;

	memcpy(&rate, &v->rate, sizeof(rate));
	return (((uint64_t)v->moder.cfg.cap_hz * 0x9e3779b97f4a7c15ull) ^ rate ^ ((uint64_t)v->depth << 40) ^
		((uint64_t)v->bytes << 8) ^ v->algo) * 0xbf58476d1ce4e5b9ull;
}

/*
 * A piece's counts (settling, transient or measured) into the VF's history
 * since its cap or workload last changed: the model's clock runs through
 * every piece, so the history is one stretch of the VF's own timeline.
 */
void vfc__sim_samp_hist_add(struct vfc__samp_vf *r, const struct vfc__sim_vf *v, const struct vfc__samp_cnt *c)
{
	uint64_t key = hist_key_of(v);

	if (key != r->hist_key) {
		r->hist = (struct vfc__samp_cnt_d){ 0 };
		r->hist_ns = 0;
		r->hist_reaps = 0;
		r->hist_key = key;
	}
	r->hist.bytes += (double)(c->bytes - r->c0.bytes);
	r->hist.ops += (double)(c->ops - r->c0.ops);
	r->hist.irqs += (double)(c->irqs - r->c0.irqs);
	r->hist.cpu_ns += (double)(c->cpu_ns - r->c0.cpu_ns);
	r->hist.dropped += (double)(c->dropped - r->c0.dropped);
	r->hist_ns += (double)(c->t - r->c0.t);
	r->hist_reaps += r->reaps;
	r->reaps = 0;
}

/*
 * Has a VF with too few reaps in the piece enough in its history to fill the
 * rest at its rates? Closed loops only: an open loop that keeps up has its
 * pool, and one that does not (an overload: a saturated tenant, queues at
 * max_queue) moves on longer time scales than its history would average.
 */
bool vfc__sim_samp_hist_enough(const struct vfc__sim_vf *v, const struct vfc__samp_vf *r)
{
	return !v->open && r->hist_reaps >= SAMPLE_MIN_MARKS;
}

/* Poisson with mean m, from the VF's own stream (normal beyond 30: the tick's noise, not its tail). */
static double poisson(uint64_t *rng, double m)
{
	if (m > 30) {
		double z = sqrt(-2 * log(vfc__sim_rng_unit(rng))) * cos(6.283185307179586 * vfc__sim_rng_unit(rng));
		double n = floor(m + sqrt(m) * z + 0.5);

		return n > 0 ? n : 0;
	}
	double l = exp(-m), q = vfc__sim_rng_unit(rng);
	double n = 0;

	while (q > l) {
		q *= vfc__sim_rng_unit(rng);
		n++;
	}
	return n;
}

/*
 * What the rest of the interval that the model did not run (gap ns) adds
 * to VF i's counters: its rates over its whole cycles in the piece (from
 * its first reap to its last: no cycle cut at either end, so the rest adds
 * no noise the exact mode would not have), or over the piece for a VF with
 * too few reaps. An open loop that keeps up with its arrivals completes
 * them: a Poisson count of its known rate (the exact mode's noise, not the
 * short piece's), each with the piece's interrupts and CPU per request.
 */
struct vfc__samp_cnt_d vfc__sim_samp_fill(struct vfc__sim *s, uint32_t i, const struct vfc__samp_cnt *c, double gap)
{
	struct vfc__samp_vf *r = &s->samp->v[i];
	struct vfc__sim_vf *v = &s->vfs[i];
	struct vfc__samp_cnt d0 = r->c0, d1 = *c;
	double k = gap / (double)(s->now - s->samp->meas_at), ko, ops;

	if (vfc__sim_samp_keeps_up(v, r)) {
		/* Every measured piece feeds the pool, those with whole cycles too, so that a VF with
		 * few reaps in the next piece has one and need not hold it (need_more). */
		pool_add(v, r, c);
		if (r->nmark < SAMPLE_MIN_MARKS && r->pool.ops > 0)
			return pooled(v, r, gap);
	}
	if (r->nmark < SAMPLE_HIST_MARKS && vfc__sim_samp_hist_enough(v, r) && r->hist_ns > 0) {
		/* A slow cycle (a reap every 10 ms or more): the piece holds one or two, cut anywhere,
		 * and a settling piece, counted as it is, takes its share of them unscaled. Its rates
		 * over its history (every piece since its cap or workload changed) have neither bias. */
		double h = gap / r->hist_ns;

		return (struct vfc__samp_cnt_d){ h * r->hist.bytes, h * r->hist.ops, h * r->hist.irqs, h * r->hist.cpu_ns,
				       h * r->hist.dropped };
	}
	if (r->nmark >= SAMPLE_MIN_MARKS && r->last.t > r->first.t) {
		d0 = r->first;
		d1 = r->last;
		k = gap / (double)(d1.t - d0.t);
	}
	ko = k;
	if (r->nmark >= SAMPLE_MIN_MARKS && d1.ops > d0.ops) {
		double sd, sl = slope(&r->at_last, &sd);

		/* Reaps that take varying counts, or completions spaced evenly: the line is steadier. */
		if ((r->per_min != r->per_max || sd <= 1) && sl > 0)
			ko = sl * gap / (double)(d1.ops - d0.ops);
	}
	if (!v->open || c->dropped != r->c0.dropped || v->population * 2 > v->max_queue || d1.ops == d0.ops) {
		/* Interrupts are per cycle (by time); requests by the line, each resubmitted at its CPU cost. */
		double dops = (double)(d1.ops - d0.ops);

		return (struct vfc__samp_cnt_d){ ko * (double)(d1.bytes - d0.bytes), ko * dops, k * (double)(d1.irqs - d0.irqs),
				       k * (double)(d1.cpu_ns - d0.cpu_ns) + (v->open ? 0 : (ko - k) * dops * v->req_cost_ns),
				       k * (double)(d1.dropped - d0.dropped) };
	}
	ops = poisson(&v->rng, v->rate * gap / 1e9);
	k = ops / (double)(d1.ops - d0.ops);
	return (struct vfc__samp_cnt_d){ ops * v->bytes, ops, k * (double)(d1.irqs - d0.irqs), k * (double)(d1.cpu_ns - d0.cpu_ns), 0 };
}

/* Carry x's fraction in *q: the whole part. */
static double carry(double *q, double x)
{
	double w = floor(*q + x);

	*q += x - w;
	return w;
}

/*
 * The rest's counts in whole requests, interrupts and drops (bytes and CPU
 * in proportion), the fractions carried to the VF's next interval: a tick
 * of the exact mode counts whole requests, and controllers compare such
 * counts (two levels whose speeds are the same number of requests per tick
 * tie; 0.01% apart they do not).
 */
void vfc__sim_samp_whole(struct vfc__samp_vf *r, struct vfc__samp_cnt_d *f)
{
	double ops = carry(&r->q_ops, f->ops);

	if (f->ops > 0) {
		f->bytes = floor(f->bytes * ops / f->ops + 0.5); /* whole bytes: windows and VFs add up */
		f->cpu_ns *= ops / f->ops;
	}
	f->ops = ops;
	f->irqs = carry(&r->q_irqs, f->irqs);
	f->dropped = carry(&r->q_dropped, f->dropped);
}
