/* SPDX-License-Identifier: MIT */
/* plant.h - a synthetic device for controller tests: speed(cap) = min(cliff, unimodal curve) plus noise. */
#ifndef VFC_TESTS_PLANT_H
#define VFC_TESTS_PLANT_H

#include <math.h>
#include <stdint.h>

#include "core/controller/controller.h"
#include "core/speed_sample.h"

/*
 * A workload: requests of size bytes at queue depth depth. Its speed under
 * an interrupt cap c (Hz) is
 *
 *   V(c) = min(cliff(c), curve(c))
 *   cliff(c) = c * depth * size / 10^6                       (at most one queue per interrupt)
 *   curve(c) = vpk * max(0.05, 1 - a * ln(c / ib)^2)          (a curve peaking at ib)
 *
 * with a = a_left below ib (starvation side, steep) and a_right above it
 * (interrupt overhead side, flat: the DESIGN numbers lose ~20% at 12x the
 * best cap). Below ib the curve never drops under min(0.95 x cliff(c),
 * vpk / 2): far below the best cap the loss is the cliff itself (each interrupt hands back one
 * queue of requests, the device idles between interrupts). c = 0 (no cap) is
 * taken as 10 MHz. Interrupts per second are min(c, ops per second).
 */
struct plant {
	double size, vpk, ib, a_left, a_right;
	uint32_t depth;
	double noise;  /* relative amplitude of the uniform noise, e.g. 0.03 */
	/* A machine that wanders: every phase_ticks ticks the speed switches between
	 * full and (1 - phase) x full, as a shared VM's does (0: steady). */
	double phase;
	uint32_t phase_ticks, tick;
	uint64_t rng;  /* xorshift64 state (deterministic) */
	uint64_t t_ns;
};

static inline double plant_speed(const struct plant *p, double cap)
{
	double c = cap > 0 ? cap : 1e7;
	double x = log(c / p->ib);
	double a = x < 0 ? p->a_left : p->a_right;
	double cliff = c * p->depth * p->size / 1e6;
	double curve = p->vpk * fmax(0.05, 1.0 - a * x * x);

	if (x < 0)
		curve = fmax(curve, fmin(0.95 * cliff, 0.5 * p->vpk));

	return fmin(curve, cliff);
}

/* The oracle: best static cap (scanned on a fine log grid from 10 Hz to 10 MHz) and its speed. */
static inline double plant_best(const struct plant *p, double *best_cap)
{
	double best = 0, bc = 0;

	for (double c = 10; c <= 1e7; c *= 1.002) {
		double v = plant_speed(p, c);

		if (v > best) {
			best = v;
			bc = c;
		}
	}
	if (best_cap)
		*best_cap = bc;
	return best;
}

static inline double plant_urand(uint64_t *rng) /* xorshift64, uniform in [0, 1) */
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return (double)(*rng >> 11) / (double)(1ull << 53);
}

static inline double plant_rand(struct plant *p) /* uniform in [-1, 1] */
{
	return 2 * plant_urand(&p->rng) - 1.0;
}

/* One 100 ms tick at cap: the sample a monitor would produce. */
static inline struct vfc_speed_sample plant_tick(struct plant *p, uint32_t cap)
{
	struct vfc_speed_sample s = { 0 };
	double slow = p->phase_ticks && (p->tick++ / p->phase_ticks) % 2 ? 1.0 - p->phase : 1.0;
	double v = plant_speed(p, cap) * slow * (1.0 + p->noise * plant_rand(p));
	double ops = v * 1e6 / p->size;

	p->t_ns += 100000000ull;
	s.t_ns = p->t_ns;
	s.dt_ns = 100000000ull;
	s.mbps = v;
	s.ops_per_s = ops;
	s.irq_hz = cap ? fmin((double)cap, ops) : ops;
	s.cpu_frac = 1.0;
	s.mean_req_bytes = p->size;
	s.cap_hz = cap;
	s.depth = p->depth;
	return s;
}

/* Workloads shaped after DESIGN.md's measurements (depth 32: best 50/10/5/2 kHz for 1/4/16/64 KiB);
 * at depth 4 the best cap sits at 2.5x the request rate / depth. */
static inline struct plant plant_workload(double kib, uint32_t depth, uint64_t seed)
{
	struct plant p = { .size = kib * 1024, .depth = depth, .a_left = 0.3, .a_right = 0.03, .noise = 0.03 };

	p.rng = seed ? seed : 88172645463325252ull;
	if (kib <= 1)
		p.vpk = 650, p.ib = 50000;
	else if (kib <= 4)
		p.vpk = 1000, p.ib = 10000;
	else if (kib <= 16)
		p.vpk = 1310, p.ib = 5000;
	else
		p.vpk = 1350, p.ib = 2000;
	if (depth < 32) {
		p.vpk *= 0.9;
		p.ib = fmax(p.ib, 2.5 * p.vpk * 1e6 / p.size / depth);
	}
	return p;
}

/*
 * The cold league's reading (vfc bench --league --warmup-ticks 10) of a fresh controller (spec) on p:
 * ticks 0..12 (tick 0 at the controller's initial cap), each tick's measured sample scaled by
 * dent(p, t, ctx) (1: as measured; a VF's first ticks on a loaded VM read a fraction of the speed),
 * the mean true speed of ticks 10..12 over the best static cap's returned.
 */
static inline double plant_cold_run(struct plant *p, const char *spec,
				    double (*dent)(struct plant *p, int t, const void *ctx), const void *ctx)
{
	struct vfc_controller_cfg cfg;
	struct vfc_controller c;
	double best = plant_best(p, NULL), acc = 0;
	uint32_t cap;

	if (vfc_controller_parse(spec, &cfg, NULL, 0) < 0 || vfc_controller_init(&c, &cfg, 0) < 0)
		return -1;
	cap = vfc_controller_cap(&c);
	for (int t = 0; t < 13; t++) {
		struct vfc_speed_sample s = plant_tick(p, cap);
		double f = dent(p, t, ctx);

		s.mbps *= f;
		s.ops_per_s *= f;
		s.irq_hz *= f;
		if (t >= 10)
			acc += plant_speed(p, cap) / best / 3;
		cap = vfc_controller_step(&c, &s);
	}
	return acc;
}

#endif
