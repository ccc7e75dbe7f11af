/* SPDX-License-Identifier: MIT */
/* shared_plant.h - a synthetic shared engine for controller tests: N VFs, one service rate, each VF's speed its share. */
#ifndef VFC_TESTS_SHARED_PLANT_H
#define VFC_TESTS_SHARED_PLANT_H

#include <math.h>
#include <stdint.h>

#include "core/speed_sample.h"

#define SP_MAX_VFS 64

/*
 * A fluid model of one engine shared by n VFs (per 100 ms tick):
 *
 *   each VF i: depth d_i, request size b_i, cap c_i (0: none, taken as 10 MHz)
 *   its demand (the cliff): dem_i = d_i / (1 / c_i + lat)   requests/s
 *       (each interrupt turns around at most one queue; lat is the tenant's turnaround)
 *   the engine: sum_i ops_i x (req_ns + kib_ns x b_i / 1024) + irq_i x irq_ns <= 1 s per s
 *   irq_i = min(c_i, ops_i / coal)   (no cap: one interrupt per coal completions)
 *   ops_i = min(dem_i, x), x the equal share (water filling) that fills the engine
 *
 * So the engine's total depends on every cap (the interrupts' cost), a VF's speed is its share, and its
 * own cap moves its own speed only through its cliff and 1/n of the interrupt cost. The best common cap
 * is the kink where the share meets every VF's cliff. Each VF's sample carries noise (uniform, relative
 * amplitude noise, its own stream).
 */
struct sp_vf {
	double bytes;
	uint32_t depth;
	uint32_t cap;
	double ops, irq;
};

struct shared_plant {
	uint32_t n;
	struct sp_vf vf[SP_MAX_VFS];
	double req_ns, kib_ns, irq_ns, lat_s, coal;
	double cpu_req_s, cpu_irq_s; /* the tenant's CPU per request and per interrupt (0, 0: unbounded) */
	double noise;
	uint64_t rng;
	uint64_t t_ns;
};

/* N identical VFs on an engine like the software device's (docs/sim.md): 350 ns + 720 ns/KiB per
 * request, 3.5 us per interrupt (one that wakes the tenant), 20 us tenant turnaround, +-3% noise
 * per VF per tick. */
static inline struct shared_plant sp_software(uint32_t n, double bytes, uint32_t depth, uint64_t seed)
{
	struct shared_plant p = { .n = n, .req_ns = 350, .kib_ns = 720, .irq_ns = 3500, .lat_s = 20e-6, .coal = 1,
				  .noise = 0.03, .rng = seed };

	for (uint32_t i = 0; i < n; i++)
		p.vf[i] = (struct sp_vf){ .bytes = bytes, .depth = depth };
	return p;
}

static inline double sp_rand(struct shared_plant *p) /* uniform in [-1, 1] */
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return (double)(p->rng >> 11) / (double)(1ull << 52) - 1.0;
}

static inline double sp_dem(const struct shared_plant *p, const struct sp_vf *v)
{
	double c = v->cap ? v->cap : 1e7, dem = v->depth / (1.0 / c + p->lat_s), cpu;

	if (!(p->cpu_req_s > 0))
		return dem;
	/* a tenant of one CPU: ops x cpu_req_s + interrupts x cpu_irq_s <= 1 s per s, the interrupts at the
	 * cap (or one per coal completions under it) */
	cpu = (1.0 - c * p->cpu_irq_s) / p->cpu_req_s;
	if (cpu <= c / p->coal)
		cpu = 1.0 / (p->cpu_req_s + p->cpu_irq_s / p->coal);
	return fmin(dem, cpu);
}

/* Engine time used when every VF gets min(dem, x). */
static inline double sp_load(struct shared_plant *p, double x)
{
	double t = 0;

	for (uint32_t i = 0; i < p->n; i++) {
		struct sp_vf *v = &p->vf[i];
		double c = v->cap ? v->cap : 1e7;

		v->ops = fmin(sp_dem(p, v), x);
		v->irq = fmin(c, v->ops / p->coal);
		t += v->ops * (p->req_ns + p->kib_ns * v->bytes / 1024) * 1e-9 + v->irq * p->irq_ns * 1e-9;
	}
	return t;
}

/* Solve the shares for the caps in force (bisection on x). */
static inline void sp_solve(struct shared_plant *p)
{
	double lo = 0, hi = 1e9;

	if (sp_load(p, hi) <= 1.0)
		return;
	for (int k = 0; k < 100; k++) {
		double mid = (lo + hi) / 2;

		if (sp_load(p, mid) > 1.0)
			hi = mid;
		else
			lo = mid;
	}
	sp_load(p, lo);
}

/* Total MB/s if every VF ran at cap c (the common-cap oracle's curve). Leaves the caps at c. */
static inline double sp_total_at(struct shared_plant *p, uint32_t c)
{
	double t = 0;

	for (uint32_t i = 0; i < p->n; i++)
		p->vf[i].cap = c;
	sp_solve(p);
	for (uint32_t i = 0; i < p->n; i++)
		t += p->vf[i].ops * p->vf[i].bytes / 1e6;
	return t;
}

/* The best common static cap on a fine log grid (10 Hz .. 10 MHz), and its total. */
static inline double sp_best_common(struct shared_plant *p, uint32_t *best_cap)
{
	double best = 0;
	uint32_t saved[SP_MAX_VFS];

	for (uint32_t i = 0; i < p->n; i++)
		saved[i] = p->vf[i].cap;
	for (double c = 10; c <= 1e7; c *= 1.01) {
		double t = sp_total_at(p, (uint32_t)c);

		if (t > best) {
			best = t;
			*best_cap = (uint32_t)c;
		}
	}
	for (uint32_t i = 0; i < p->n; i++)
		p->vf[i].cap = saved[i];
	return best;
}

/* One 100 ms tick at the caps in force: every VF's sample into s[], the true total returned. */
static inline double sp_tick(struct shared_plant *p, struct vfc_speed_sample *s)
{
	double total = 0;

	sp_solve(p);
	p->t_ns += 100000000ull;
	for (uint32_t i = 0; i < p->n; i++) {
		struct sp_vf *v = &p->vf[i];
		double f = 1.0 + p->noise * sp_rand(p);
		double ops = v->ops * f;

		total += v->ops * v->bytes / 1e6;
		s[i] = (struct vfc_speed_sample){ 0 };
		s[i].t_ns = p->t_ns;
		s[i].dt_ns = 100000000ull;
		s[i].ops_per_s = ops;
		s[i].mbps = ops * v->bytes / 1e6;
		s[i].irq_hz = v->irq * f;
		s[i].cpu_frac = 0.5;
		s[i].mean_req_bytes = v->bytes;
		s[i].cap_hz = v->cap;
		s[i].depth = v->depth;
	}
	return total;
}

#endif
