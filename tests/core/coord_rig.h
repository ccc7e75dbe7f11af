/* SPDX-License-Identifier: MIT */
/* coord_rig.h - a coordinator on a plant for the tests: N VFs whose counters a plant moves each tick by what a cap makes of them, and what a rule must reach on it. */
#ifndef VFC_TESTS_COORD_RIG_H
#define VFC_TESTS_COORD_RIG_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/coord_rules.h"

#define N 8 /* the VFs on a plant, all members */
#define REQ_BYTES 4096
#define TICK_NS 1000000000ull /* the suite's 1 s tick */

static uint64_t lcg = 88172645463325252ull;

/* A tick's factor: uniform in 1 +- amp / 2. */
static inline double noise(double amp)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return 1 + amp * ((double)(lcg >> 11) / 9007199254740992.0 - 0.5);
}

/* What a VF does in a tick at a cap: completions, interrupts (at the cap: capped), the engines' busy
 * fraction, and the ticks' noise (the width of its uniform factor). */
struct point {
	double ops, irqs, busy;
	uint32_t depth;
	bool capped;
	double amp;
};

/* y at cap c (0: none), linear in log(cap) between the n points (hz ascending), level beyond the ends. */
static inline double in_log(const double *hz, const double *y, size_t n, uint32_t cap)
{
	double c = cap ? cap : 1e9;

	if (c <= hz[0])
		return y[0];
	for (size_t i = 1; i < n; i++)
		if (c <= hz[i])
			return y[i - 1] + log(c / hz[i - 1]) / log(hz[i] / hz[i - 1]) * (y[i] - y[i - 1]);
	return y[n - 1];
}

/* One VF's tick at point q, the tick's factor x: its counters move; returns its ops/s. */
static inline double vf_tick(struct vfc_coord_vf *r, const struct point *q, double x)
{
	r->member = true;
	r->depth = q->depth;
	r->ops += (uint64_t)llround(q->ops * x);
	r->bytes += (uint64_t)llround(q->ops * x) * REQ_BYTES;
	r->irqs += (uint64_t)llround(q->capped ? q->irqs : q->irqs * x);
	r->busy_ns += (uint64_t)llround(fmin(1, q->busy * x) * 1e9); /* one engine per VF's share */
	return q->ops * x;
}

/* One tick of plant at cap: every VF's counters move; returns the members' total (ops/s). */
static inline double plant_tick(struct point (*plant)(uint32_t), struct vfc_coord_vf *r, uint32_t cap)
{
	struct point q = plant(cap);
	double x = noise(q.amp), tot = 0;

	for (int i = 0; i < N; i++)
		tot += vf_tick(&r[i], &q, x);
	return tot;
}

/*
 * The rise plant: the simulator's suite seed 630432632, last window, reduced (docs/controllers.md, "The
 * escape's chain"): VFs at depth 2 whose workload changed from SHA-256 held at 100 Hz to AES 2 KiB.
 * Under RISE_HZ every interrupt hands back both requests at the cap's rate (the cap binds: ops = 2 x
 * cap), the engines idle; above it the total is flat, the fill falling to 0.5 at 2 x RISE_HZ. Every
 * tick +-1%.
 */
#define RISE_HZ 9000.0

static inline struct point rise(uint32_t cap)
{
	double c = cap ? cap : 1e9;
	struct point q = { 2 * fmin(c, RISE_HZ), fmin(c, 2 * RISE_HZ), 0, 2, true, 0.02 };

	q.busy = 0.8 * q.ops / (2 * RISE_HZ);
	return q;
}

/*
 * A narrow tooth at top_hz for VFs at depth d: up to it one interrupt hands back the whole queue (ops =
 * d x cap, fill 1); past it the tenants space their interrupts (fill 0.66, in the fill rule's band, so
 * it holds any cap up there) and the speed falls to lo of the top's, climbing back to hi of it at 4 x
 * top_hz and above (linear in log(cap)). The engines busy as given; every tick +-1%.
 */
static inline struct point tooth_at(uint32_t cap, double top_hz, uint32_t d, double lo, double hi, double busy)
{
	double c = cap ? cap : 1e9;
	struct point q = { d * c, c, busy, d, true, 0.02 };

	if (c > top_hz) {
		q.ops = d * top_hz * (lo + (hi - lo) * fmin(1, log(c / top_hz) / log(4)));
		q.irqs = fmin(c, q.ops / (d * 0.66));
	}
	return q;
}

/* A coordinator on a plant: the members' counters, the clock and the cap in force. */
struct rig {
	struct vfc_coord c;
	struct vfc_coord_vf r[N];
	uint64_t t;
	uint32_t cap;
};

/* The coordinator (spec) from cap0, its first reading (the reference) taken. */
static inline void rig_start(struct rig *g, const char *spec, uint32_t cap0)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(vfc_coord_init_spec(&g->c, spec, cap0), 0);
	g->cap = vfc_coord_tick(&g->c, g->t, g->r, N, N);
}

/* The tick is over: the clock moves on and the coordinator reads the members' counters. */
static inline void rig_read(struct rig *g)
{
	g->t += TICK_NS;
	g->cap = vfc_coord_tick(&g->c, g->t, g->r, N, N);
}

/* One tick of plant at the cap in force, then the coordinator's reading; returns the tick's total. */
static inline double rig_tick(struct rig *g, struct point (*plant)(uint32_t))
{
	double y = plant_tick(plant, g->r, g->cap);

	rig_read(g);
	return y;
}

static inline int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Ticks 0..n-1 of tick (arg) on the rig; the mean total over ticks from..n-1 and the median of their caps
 * (the cap held: a scan's points are the few). */
static inline double rig_hold(struct rig *g, double (*tick)(struct rig *, void *), void *arg, int n, int from,
			      uint32_t *cap_held)
{
	uint32_t caps[256];
	double sum = 0;

	assert_true(from >= 0 && from < n && n - from <= 256);
	for (int k = 0; k < n; k++) {
		uint32_t cap = g->cap;
		double y = tick(g, arg);

		if (k >= from) {
			sum += y;
			caps[k - from] = cap;
		}
	}
	qsort(caps, (size_t)(n - from), sizeof(caps[0]), cmp_u32);
	*cap_held = caps[(n - from) / 2];
	return sum / (n - from);
}

struct plant_arg {
	struct point (*plant)(uint32_t);
};

static inline double plant_rig_tick(struct rig *g, void *arg)
{
	return rig_tick(g, ((const struct plant_arg *)arg)->plant);
}

/* The coordinator (spec) on plant from start over 120 ticks; the mean total over ticks 60..119 over best
 * (per VF) and the cap held then (rig_hold). */
static inline double run(struct point (*plant)(uint32_t), double best, const char *spec, uint32_t start, uint32_t *cap_held)
{
	struct plant_arg a = { plant };
	struct rig g;

	rig_start(&g, spec, start);
	return rig_hold(&g, plant_rig_tick, &a, 120, 60, cap_held) / (N * best);
}

/* What a plant asks of the rules: the fill rule alone stays under fill_max of the best; the default
 * (pf: the busy step) and the scan rule reach want, the cap they hold in [cap_lo, cap_hi). */
struct bars {
	const char *name;
	struct point (*plant)(uint32_t);
	double best, fill_max, want;
	uint32_t cap_lo, cap_hi;
	uint32_t start; /* the initial cap (0: 20 kHz) */
};

static inline void check(const struct bars *b)
{
	static const char *const specs[] = { "fill", "busy", "scan" };

	for (size_t j = 0; j < sizeof(specs) / sizeof(specs[0]); j++) {
		uint32_t cap;
		double m = run(b->plant, b->best, specs[j], b->start ? b->start : 20000, &cap);

		printf("%s, %s: %.3f of the best, cap %u Hz held\n", b->name, specs[j], m, cap);
		if (j == 0) {
			assert_true(m < b->fill_max);
			continue;
		}
		assert_true(m >= b->want);
		assert_true(cap >= b->cap_lo && cap < b->cap_hi);
	}
}

#endif
