/* SPDX-License-Identifier: MIT */
/* test_coord.c - the PF-side coordinator (core/coord.h) on N VFs sharing one engine (tests/core/shared_plant.h). */
#include <errno.h>
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
#include "shared_plant.h"

#define TICKS 200

struct outcome {
	double ratio;   /* mean total over ticks from..TICKS-1 / the best common cap's total */
	double cap;     /* the cap at the end / the best common cap */
};

/*
 * The plant's tick as the PF reads it: every VF's cumulative counters. One change to the plant: a VF
 * at its cliff (its demand d / (1 / c + lat) is what it gets) runs in cycles of one interrupt, the
 * tenant's turnaround and the queue's service, each handing back the whole queue, so it takes
 * ops / d interrupts, not c (the plant counts c: its fluid demand already has the turnaround in the
 * cycle). So does the device: 2 VFs of AES 1 KiB at a 3.5 kHz cap took 2.7 k interrupts of 32.0
 * completions each at depth 32.
 */
/* The plant's noise moves the interrupts with the speed (true); false: interrupts at the cap come
 * from its timer, only those under it move with the speed (test_coord_noise). */
static bool noisy_irqs = true;
/* The depth the PF reads over the depth that turns around per interrupt (test_coord_scan_blind_fill,
 * test_coord_busy_starved). */
static double depth_seen_x = 1;

static void read_vfs(const struct shared_plant *p, const struct vfc_speed_sample *s, struct vfc_coord_vf *r,
		     uint32_t members)
{
	for (uint32_t i = 0; i < p->n; i++) {
		double secs = (double)s[i].dt_ns / 1e9, irq = s[i].irq_hz;

		if (!noisy_irqs)
			irq = fmin(p->vf[i].cap ? p->vf[i].cap : 1e7, s[i].ops_per_s / p->coal);
		if (p->vf[i].depth && p->vf[i].ops >= 0.999 * sp_dem(p, &p->vf[i]))
			irq = s[i].ops_per_s / p->vf[i].depth;
		r[i].member = (members >> i) & 1;
		r[i].ops += (uint64_t)llround(s[i].ops_per_s * secs);
		r[i].bytes += (uint64_t)llround(s[i].mbps * 1e6 * secs);
		r[i].irqs += (uint64_t)llround(irq * secs);
		r[i].busy_ns += (uint64_t)llround(s[i].ops_per_s * secs * (p->req_ns + p->kib_ns * p->vf[i].bytes / 1024));
		r[i].depth = (uint32_t)lround(p->vf[i].depth * depth_seen_x);
	}
}

/* The tenants' turnaround (s) instead of the plant's (0: its own): set by test_coord_busy_starved. */
static double turnaround_s;

/* A machine slower by slow_x (engine and tenants) over ticks [0, slow_until): set by the slow test. */
static double slow_x = 1;
static uint32_t slow_until;

/* Every VF in pf mode, the coordinator running inner; VF i arrives at tick i x stagger. */
static struct outcome run_coord(struct shared_plant p, const char *inner, uint32_t stagger, uint32_t from,
				uint32_t to, uint32_t initial)
{
	const double req_ns = p.req_ns, kib_ns = p.kib_ns, lat_s = p.lat_s;
	struct vfc_coord_vf r[SP_MAX_VFS];
	struct vfc_speed_sample s[SP_MAX_VFS];
	struct vfc_coord c;
	uint32_t depth[SP_MAX_VFS], best_cap = 1, members = 0;
	double best = sp_best_common(&p, &best_cap), sum = 0;
	struct outcome o;

	assert_int_equal(vfc_coord_init_spec(&c, inner, initial), 0);
	memset(r, 0, sizeof(r));
	for (uint32_t i = 0; i < p.n; i++) {
		depth[i] = p.vf[i].depth;
		p.vf[i].depth = 0;
		p.vf[i].cap = vfc_coord_cap(&c);
	}
	for (uint32_t t = 0; t < to; t++) {
		double tot;
		uint32_t cap;

		for (uint32_t i = 0; i < p.n; i++)
			if (i * stagger <= t) {
				p.vf[i].depth = depth[i];
				members |= 1u << i;
			}
		p.req_ns = t < slow_until ? req_ns * slow_x : req_ns;
		p.kib_ns = t < slow_until ? kib_ns * slow_x : kib_ns;
		p.lat_s = t < slow_until ? lat_s * slow_x : lat_s;
		tot = sp_tick(&p, s);
		if (t >= from)
			sum += tot;
		read_vfs(&p, s, r, members);
		cap = vfc_coord_tick(&c, p.t_ns, r, p.n, 1);
		if (getenv("COORD_DEBUG") && !strcmp(getenv("COORD_DEBUG"), inner)) {
			char line[256];

			vfc_coord_format_tick(&c, t, line, sizeof(line));
			printf("%s tot %.1f best %u spread %.4f\n", line, tot, best_cap, c.scan.spread);
		}
		for (uint32_t i = 0; i < p.n; i++)
			p.vf[i].cap = cap;
	}
	o.ratio = sum / (to - from) / best;
	o.cap = (p.vf[0].cap ? p.vf[0].cap : 1e7) / (double)best_cap;
	return o;
}

static const struct { uint32_t n; double bytes; uint32_t depth; } cells[] = {
	{ 4, 4096, 32 }, { 8, 16384, 32 }, { 2, 1024, 32 }, { 8, 4096, 4 },
};

/* How a cell is run over seeds: the plant's noise, tenants' stagger, the window [from, to), the start. */
struct runs {
	double noise;
	uint32_t stagger, from, to, initial;
	uint64_t seed_mul;
	unsigned seeds;
};

/* The mean over seeds of run_coord's ratio in cell j (shallow > 0: the shallow+deep plant instead),
 * its min in *low and the highest cap over the best in *capmax (either may be NULL). */
static double over_seeds(size_t j, const char *inner, const struct runs *u, double *low, double *capmax)
{
	double mean = 0;

	if (low)
		*low = 1e9;
	if (capmax)
		*capmax = 0;
	for (uint64_t seed = 1; seed <= u->seeds; seed++) {
		struct shared_plant p = sp_software(cells[j].n, cells[j].bytes, cells[j].depth, seed * u->seed_mul);
		struct outcome o;

		p.noise = u->noise;
		if (turnaround_s > 0)
			p.lat_s = turnaround_s;
		o = run_coord(p, inner, u->stagger, u->from, u->to, u->initial);
		mean += o.ratio / u->seeds;
		if (low)
			*low = fmin(*low, o.ratio);
		if (capmax)
			*capmax = fmax(*capmax, o.cap);
	}
	return mean;
}

/*
 * Tenants arriving one every 7 ticks, as test_shared_plant.c; every VF in pf mode. Over 10 seeds the
 * fleet must run at >= 0.95 of the best common cap over ticks 100..199 in every cell, the depth-4
 * one included, where per-VF adaptive reaches 0.865 (its own speed cannot see that one ladder step
 * above the best costs the engine 8%: the total can). Printed for several inner controllers.
 */
static void test_coord_staggered(void **state)
{
	static const char *const inner[] = { "adaptive", "fill", "probe", "scan", "dim", "paper:i0=model" };
	const struct runs u = { 0.03, 7, 100, TICKS, VFC_COORD_INITIAL_HZ, 7919, 10 };

	(void)state;
	for (size_t k = 0; k < sizeof(inner) / sizeof(inner[0]); k++) {
		for (size_t j = 0; j < sizeof(cells) / sizeof(cells[0]); j++) {
			double low, capmax, mean = over_seeds(j, inner[k], &u, &low, &capmax);

			printf("pf(%-14s) %u VFs %6.0f B d%-2u: mean %.3f min %.3f, cap %.2f x the best\n", inner[k],
			       cells[j].n, cells[j].bytes, cells[j].depth, mean, low, capmax);
			if (k == 0 && mean < 0.95)
				fail_msg("pf(adaptive): mean %.3f of the best common cap (want >= 0.95)", mean);
			if (k >= 1 && k <= 3 && mean < (cells[j].depth >= 32 ? 0.95 : 0.93))
				fail_msg("pf (%s): mean %.3f of the best common cap (want >= 0.95, d4 0.93)", inner[k], mean);
		}
	}
}

/*
 * Tick-to-tick noise as this VM gives it (10 to 30% per 100 ms tick: the tenants' threads and the
 * engines share 2 vCPUs), over the window a cold league measures (ticks 20..59 of a fresh
 * coordinator, every tenant at once). Interrupts at the cap come from the cap's timer, not from the
 * machine: the noise moves the speed and not them. The default coordinator (the fill rule) holds
 * >= 0.95 of the best common cap in the depth-32 cells at every noise level (mean of 20 seeds; the
 * depth-4 cell 0.93: its best lies at a fill of 0.85, the rule holds 0.7, docs/controllers.md) and
 * >= 0.9 in every seed; the search on the total (pf:adaptive, the default before) falls to 0.80-0.93 in the
 * small-request and depth-4 cells at 20-30% noise: its probes and duels (the top, 1 MHz, for a tick)
 * fall into the window, and noise decides its comparisons.
 */
static void test_coord_noise(void **state)
{
	static const double noise[] = { 0.1, 0.2, 0.3 };
	static const char *const inner[] = { "fill", "probe", "scan", "busy", "adaptive" };

	(void)state;
	noisy_irqs = false;
	for (size_t z = 0; z < sizeof(noise) / sizeof(noise[0]); z++)
		for (size_t j = 0; j < sizeof(cells) / sizeof(cells[0]); j++) {
			const struct runs u = { noise[z], 0, 20, 60, VFC_COORD_INITIAL_HZ, 7727, 20 };
			double m[5], lo[5];

			for (int k = 0; k < 5; k++)
				m[k] = over_seeds(j, inner[k], &u, &lo[k], NULL);
			printf("noise %.2f %u VFs %6.0f B d%-2u: fill %.3f (min %.3f), probe %.3f (min %.3f), scan %.3f (min %.3f), "
			       "busy %.3f (min %.3f), pf(adaptive) %.3f (min %.3f)\n", noise[z], cells[j].n, cells[j].bytes,
			       cells[j].depth, m[0], lo[0], m[1], lo[1], m[2], lo[2], m[3], lo[3], m[4], lo[4]);
			/* busy (k = 3): its scans up cost the depth-4 cell up to 2% here (the plant's engine time
			 * leaves out the interrupts', so the engine reads 0.7 to 0.85 busy at the best cap): its
			 * bars are the fill rule's less 0.025 (docs/controllers.md, "The busy step") */
			for (int k = 0; k < 4; k++) {
				double slack = k == 3 ? 0.025 : 0.005, want = (cells[j].depth >= 32 ? 0.95 : 0.93) - (k == 3 ? 0.02 : 0);

				if (m[k] < want || lo[k] < 0.9 || (k >= 1 && m[k] < m[0] - slack)) {
					noisy_irqs = true;
					fail_msg("%s at noise %.2f: mean %.3f min %.3f (want >= %.2f, >= 0.9, >= fill's %.3f - %.3f)",
						 inner[k], noise[z], m[k], lo[k], want, m[0], slack);
				}
			}
		}
	noisy_irqs = true;
}

/* One 100 ms tick: VF i of the n adds (i + 1) MB, 100 x (i + 1) completions, 10 interrupts, 25 ms busy
 * if its bit is set in busy_vfs. */
static void step3(struct vfc_coord *c, struct vfc_coord_vf *r, uint64_t *t, unsigned busy_vfs, uint32_t engines)
{
	for (int i = 0; i < 3; i++) {
		if (!((busy_vfs >> i) & 1))
			continue;
		r[i].bytes += 1000000 * (uint64_t)(i + 1);
		r[i].ops += 100 * (uint64_t)(i + 1);
		r[i].irqs += 10;
		r[i].busy_ns += 25000000;
	}
	*t += 100000000;
	vfc_coord_tick(c, *t, r, 3, engines);
}

/*
 * The sample is the active members' total only; a change of members primes (no sample), and so does
 * a change of the members with traffic, for one more tick (the ramp); an empty set is idle.
 */
static void test_coord_members(void **state)
{
	struct vfc_controller_cfg cfg;
	struct vfc_coord c;
	struct vfc_coord_vf r[3] = { { .member = true, .depth = 32 }, { .member = false, .depth = 8 },
				     { .member = true, .depth = 32 } };
	uint64_t t = 1000;

	(void)state;
	assert_int_equal(vfc_controller_parse("static:5000", &cfg, NULL, 0), 0);
	assert_int_equal(vfc_coord_init(&c, &cfg, 0), 0);
	assert_int_equal(c.state, VFC_COORD_IDLE);
	assert_int_equal(vfc_coord_tick(&c, t, r, 3, 1), 5000);
	assert_int_equal(c.state, VFC_COORD_PRIMING);
	step3(&c, r, &t, 7, 2); /* the ramp: members with traffic from none to 0 and 2 */
	assert_int_equal(c.state, VFC_COORD_PRIMING);
	assert_int_equal(c.ticks, 0);
	step3(&c, r, &t, 7, 2);
	assert_int_equal(c.state, VFC_COORD_RUNNING);
	assert_int_equal(c.ticks, 1);
	/* VFs 0 and 2: 4 MB and 400 ops and 20 interrupts in 0.1 s; VF 1 is not counted */
	assert_true(fabs(c.last.mbps - 40.0) < 1e-9);
	assert_true(fabs(c.last.ops_per_s - 4000.0) < 1e-9);
	assert_true(fabs(c.last.irq_hz - 200.0) < 1e-9);
	assert_int_equal(c.last.depth, 64);
	assert_int_equal(c.last.cap_hz, 5000);
	assert_true(fabs(c.busy_frac - 0.25) < 1e-9); /* 50 ms busy on 2 engines in 100 ms */
	/* VF 2 pauses: VF 0 alone is a new set, a ramp; then its own total */
	step3(&c, r, &t, 1, 1);
	assert_int_equal(c.state, VFC_COORD_PRIMING);
	step3(&c, r, &t, 1, 1);
	assert_int_equal(c.state, VFC_COORD_RUNNING);
	assert_int_equal(c.ticks, 2);
	assert_true(fabs(c.last.mbps - 10.0) < 1e-9);
	assert_int_equal(c.last.depth, 32);
	/* VF 1 joins: this reading is the new reference */
	r[1].member = true;
	step3(&c, r, &t, 7, 1);
	assert_int_equal(c.state, VFC_COORD_PRIMING);
	assert_int_equal(c.ticks, 2);
	assert_int_equal(c.restarts, 1);
	/* nobody in pf mode: idle; pf cannot coordinate itself */
	for (int i = 0; i < 3; i++)
		r[i].member = false;
	vfc_coord_tick(&c, t + 1, r, 3, 1);
	assert_int_equal(c.state, VFC_COORD_IDLE);
	assert_int_equal(vfc_controller_parse("pf", &cfg, NULL, 0), 0);
	assert_int_equal(vfc_coord_init(&c, &cfg, 0), -EINVAL);
}

/* One tick of 100 ms for 2 member VFs at depth 32: ops completions, irqs interrupts and busy ns each. */
static uint32_t feed(struct vfc_coord *c, struct vfc_coord_vf *r, uint64_t *t, uint64_t ops, uint64_t irqs,
		     uint64_t busy)
{
	for (int i = 0; i < 2; i++) {
		r[i].member = true;
		r[i].depth = 32;
		r[i].ops += ops;
		r[i].bytes += ops * 1024;
		r[i].irqs += irqs;
		r[i].busy_ns += busy;
	}
	*t += 100000000;
	return vfc_coord_tick(c, *t, r, 2, 1);
}

/*
 * The escape: every interrupt hands back the whole queue (32 completions) while the engine idles
 * (30% busy) on two ticks in a row: the cap binds, the controller restarts at twice it. The whole
 * queue per interrupt with the engine busy (the best common cap of a saturated engine) is not an
 * escape; nor is one tick alone.
 */
static void test_coord_escape(void **state)
{
	struct vfc_controller_cfg cfg;
	struct vfc_coord_vf r[2];
	struct vfc_coord c;
	uint64_t t = 0;
	uint32_t cap;

	(void)state;
	memset(r, 0, sizeof(r));
	assert_int_equal(vfc_controller_parse("adaptive", &cfg, NULL, 0), 0);
	assert_int_equal(vfc_coord_init(&c, &cfg, 4000), 0);
	cap = feed(&c, r, &t, 0, 0, 0); /* the reference */
	/* the whole queue per interrupt, at half the cap's rate (a slow tenant turnaround: adaptive's own
	 * guard, ops / depth >= 0.8 x the cap, stays quiet), the engine busy: no escape, however long */
	for (int k = 0; k < 6; k++)
		feed(&c, r, &t, (uint64_t)vfc_coord_cap(&c) / 20 * 32, (uint64_t)vfc_coord_cap(&c) / 20, 90000000);
	assert_int_equal(c.escapes, 0);
	/* idle engine: one tick is not enough, two are */
	cap = vfc_coord_cap(&c);
	feed(&c, r, &t, (uint64_t)cap / 20 * 32, cap / 20, 30000000);
	assert_int_equal(c.escapes, 0);
	assert_true(c.bound_frac > 0.99);
	cap = vfc_coord_cap(&c);
	feed(&c, r, &t, (uint64_t)cap / 20 * 32, cap / 20, 30000000);
	assert_int_equal(c.escapes, 1);
	assert_true(vfc_coord_cap(&c) >= 1.7 * cap); /* the ladder level nearest twice the cap */
	/* half a queue per interrupt with the engine idle: not bound */
	cap = vfc_coord_cap(&c);
	for (int k = 0; k < 4; k++)
		feed(&c, r, &t, (uint64_t)cap / 20 * 16, cap / 20, 30000000);
	assert_int_equal(c.escapes, 1);
}

/*
 * Tenant-spaced interrupts: every interrupt hands back the whole queue, but the interrupts come at a
 * twentieth of the cap's rate, the engine idle: the tenant reads its completions late (its CPU is
 * saturated), not the cap. Neither the escape nor the fill rule raises the cap for it (simulator
 * seed 987892894: 39 such VFs at depth 2 had both double it to 1 MHz, 0.848 of the best common cap);
 * the same readings at half the cap's rate are a cap that binds, and escape.
 */
static void test_coord_tenant_spaced(void **state)
{
	struct vfc_coord_vf r[2];
	struct vfc_coord c;
	uint64_t t = 0, q;

	(void)state;
	memset(r, 0, sizeof(r));
	assert_int_equal(vfc_coord_init_fill(&c, 4000), 0);
	feed(&c, r, &t, 0, 0, 0); /* the reference */
	for (int k = 0; k < 8; k++) {
		q = vfc_coord_cap(&c) / 200; /* per 100 ms tick: 0.05 x the cap */
		feed(&c, r, &t, q * 32, q, 30000000);
	}
	assert_int_equal(c.escapes, 0);
	assert_int_equal(vfc_coord_cap(&c), 4000);
	for (int k = 0; k < 2; k++) {
		q = vfc_coord_cap(&c) / 20; /* 0.5 x the cap */
		feed(&c, r, &t, q * 32, q, 30000000);
	}
	assert_int_equal(c.escapes, 1);
	assert_true(vfc_coord_cap(&c) >= 7000);
}

/*
 * The fill rule: each tick the cap moves by (fill / target)^gain, fill the completions per interrupt
 * over the depth. A queue per interrupt (fill 1) raises it, a third of one lowers it, the target
 * holds it; a cap that binds two ticks in a row doubles (the escape), again each tick it still binds.
 */
static void test_coord_fill_rule(void **state)
{
	struct vfc_coord_vf r[2];
	struct vfc_coord c;
	uint64_t t = 0;
	uint32_t cap;

	(void)state;
	memset(r, 0, sizeof(r));
	assert_int_equal(vfc_coord_init_fill(&c, 4000), 0);
	assert_int_equal(vfc_coord_init_fill(NULL, 4000), -EINVAL);
	assert_int_equal(feed(&c, r, &t, 0, 0, 0), 4000); /* the reference */
	feed(&c, r, &t, 100, 10, 0); /* the ramp */
	assert_int_equal(c.state, VFC_COORD_PRIMING);
	/* 400 interrupts of 0.7 x 32 completions: held */
	cap = feed(&c, r, &t, 400 * 224 / 10, 400, 90000000);
	assert_int_equal(c.state, VFC_COORD_RUNNING);
	assert_true(fabs(c.fill - 0.7) < 0.01);
	assert_int_equal(cap, 4000);
	assert_string_equal(vfc_coord_rule_state(&c), "fill");
	/* a third of a queue per interrupt: down by sqrt(0.33 / 0.7) */
	cap = feed(&c, r, &t, 400 * 32 / 3, 400, 90000000);
	assert_true(cap > 2650 && cap < 2800);
	/* the whole queue per interrupt: up at once by sqrt(1 / 0.7), doubled on the second tick */
	cap = feed(&c, r, &t, 300 * 32, 300, 30000000);
	assert_true(cap > 3200 && cap < 3400);
	assert_string_equal(vfc_coord_rule_state(&c), "bound");
	assert_int_equal(feed(&c, r, &t, 300 * 32, 300, 30000000), 2 * cap);
	assert_int_equal(c.escapes, 1);
	/* the escape's chain: still bound on the next tick, doubled again (before: x sqrt(1 / 0.7) first) */
	assert_int_equal(feed(&c, r, &t, 600 * 32, 600, 30000000), 4 * cap);
	assert_true(c.escape_chained);
	/* within the hysteresis: no move */
	cap = vfc_coord_cap(&c);
	assert_int_equal(feed(&c, r, &t, 400 * 235 / 10, 400, 90000000), cap);
}

/*
 * The probe and the scan rules' gate: the members' total moving +-15% from tick to tick (ops and
 * interrupts together, so the fill holds at 0.7) never lets them probe or scan: each is the fill rule,
 * cap for cap. The same ticks within +-0.5% let them once the fill rule holds and the spread is known.
 */
static void test_coord_probe_gate(void **state)
{
	(void)state;
	for (int quiet = 0; quiet < 2; quiet++) {
		struct vfc_coord_vf rf[2], rp[2], rs[2];
		struct vfc_coord f, p, sc;
		uint64_t tf = 0, tp = 0, ts = 0;

		memset(rf, 0, sizeof(rf));
		memset(rp, 0, sizeof(rp));
		memset(rs, 0, sizeof(rs));
		assert_int_equal(vfc_coord_init_fill(&f, 4000), 0);
		assert_int_equal(vfc_coord_init_probe(&p, 4000), 0);
		assert_int_equal(vfc_coord_init_scan(&sc, 4000), 0);
		for (int k = 0; k < 60; k++) {
			double x = 1 + (k & 1 ? 1 : -1) * (quiet ? 0.005 : 0.15);
			uint64_t irqs = (uint64_t)(400 * x), ops = irqs * 224 / 10;
			uint32_t cf = feed(&f, rf, &tf, ops, irqs, 90000000), cp = feed(&p, rp, &tp, ops, irqs, 90000000);
			uint32_t cs = feed(&sc, rs, &ts, ops, irqs, 90000000);

			if (!quiet) {
				assert_int_equal(cp, cf);
				assert_int_equal(cs, cf);
			}
		}
		assert_true(quiet ? p.probe.probes > 0 : p.probe.probes == 0);
		assert_true(quiet ? sc.scan.scans > 0 : sc.scan.scans + sc.scan.pins == 0);
		assert_int_equal(f.cap, 4000);
	}
}

/* The pf kind's spec: pf alone, or pf:SPEC naming the coordinator's controller (not pf); round trips. */
static void test_pf_spec(void **state)
{
	struct vfc_controller_cfg cfg;
	char err[256], buf[128];

	(void)state;
	assert_int_equal(vfc_controller_parse("pf", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.kind, VFC_CONTROLLER_KIND_PF);
	assert_string_equal(cfg.pf_coord, "");
	vfc_controller_format(&cfg, buf, sizeof(buf));
	assert_string_equal(buf, "pf");
	assert_int_equal(vfc_controller_parse("pf:adaptive:band=1", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.pf_coord, "adaptive:band=1");
	vfc_controller_format(&cfg, buf, sizeof(buf));
	assert_string_equal(buf, "pf:adaptive:band=1");
	assert_string_equal(vfc_controller_kind_name(cfg.kind), "pf");
	assert_int_equal(vfc_controller_parse("pf:adaptive:bnad=1", &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "pf: the coordinator's controller: adaptive: unknown parameter 'bnad' (known: min, "
				 "max, step, band, margin, start, esc, probe, change, shift, late, climb, recheck, guess, refight, lateq)");
	/* the coordinator's own rules by name: the scan rule (the default), the probe and the fill rule */
	for (int k = 0; k < 3; k++) {
		static const char *const spec[] = { "pf:probe", "pf:fill", "pf:scan" };
		static const enum vfc_coord_rule rule[] = { VFC_COORD_RULE_PROBE, VFC_COORD_RULE_FILL, VFC_COORD_RULE_SCAN };
		struct vfc_coord c;

		assert_int_equal(vfc_controller_parse(spec[k], &cfg, err, sizeof(err)), 0);
		vfc_controller_format(&cfg, buf, sizeof(buf));
		assert_string_equal(buf, spec[k]);
		assert_true(vfc_coord_spec_ok(cfg.pf_coord));
		assert_int_equal(vfc_coord_init_spec(&c, cfg.pf_coord, 3000), 0);
		assert_int_equal(c.rule, rule[k]);
		assert_int_equal(vfc_coord_cap(&c), 3000);
	}
	{
		struct vfc_coord c;

		/* the busy step: the scan rule with it on, the default; pf:scan without */
		assert_int_equal(vfc_controller_parse("pf:busy", &cfg, err, sizeof(err)), 0);
		vfc_controller_format(&cfg, buf, sizeof(buf));
		assert_string_equal(buf, "pf:busy");
		assert_int_equal(vfc_coord_init_spec(&c, cfg.pf_coord, 3000), 0);
		assert_int_equal(c.rule, VFC_COORD_RULE_SCAN);
		assert_true(c.scan.busy_on);
		assert_int_equal(vfc_coord_init_spec(&c, "scan", 3000), 0);
		assert_false(c.scan.busy_on);
		assert_int_equal(vfc_coord_init_spec(&c, "", 3000), 0);
		assert_true(c.scan.busy_on);
		assert_int_equal(c.rule, VFC_COORD_RULE_SCAN);
		assert_int_equal(vfc_coord_init_spec(&c, NULL, 3000), 0);
		assert_true(c.scan.busy_on);
		assert_int_equal(vfc_coord_init_spec(&c, "probes", 3000), -EINVAL);
		assert_int_equal(vfc_coord_init_spec(&c, "pf", 3000), -EINVAL);
	}
	assert_int_equal(vfc_controller_parse("pf:pf", &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "pf: the coordinator cannot run pf itself");
	assert_int_equal(vfc_controller_parse("pf:static:1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					      &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
}

/* Cold: all tenants at once, every VF in pf mode, the fleet from the 10th tick; the fill rule (the
 * default) and adaptive on the total, from the start cap and (adaptive) from uncapped. */
static void test_coord_cold(void **state)
{
	static const char *const inner[] = { "fill", "probe", "scan", "adaptive", "adaptive" };
	struct runs u = { 0.03, 0, 10, TICKS, VFC_COORD_INITIAL_HZ, 104729, 10 };

	(void)state;
	for (size_t j = 0; j < sizeof(cells) / sizeof(cells[0]); j++) {
		double m[5];

		for (int k = 0; k < 5; k++) {
			u.initial = k == 4 ? 0 : VFC_COORD_INITIAL_HZ;
			m[k] = over_seeds(j, inner[k], &u, NULL, NULL);
		}
		printf("cold %u VFs %6.0f B d%-2u: ticks 10..199 fill %.3f, probe %.3f, scan %.3f, pf(adaptive) %.3f (from "
		       "uncapped %.3f)\n", cells[j].n, cells[j].bytes, cells[j].depth, m[0], m[1], m[2], m[3], m[4]);
		for (int k = 0; k < 3; k++)
			assert_true(m[k] >= (cells[j].depth >= 32 ? 0.95 : 0.93));
		assert_true(m[3] >= 0.95);
	}
}

/*
 * The machine 8 x slower (engine and tenants' turnaround, as this loaded VM gets) over the first 30
 * ticks, then itself again. A search that settled in the slow phase finds its cap binding after it,
 * and the speed it measures there, bounded by the cap, cannot show it: the completions per
 * interrupt do (the whole queue each time), and the coordinator restarts above it. Ticks 60..199
 * run at >= 0.95 of the best common cap (mean of 10 seeds) in every cell.
 */
static void test_coord_slow_start(void **state)
{
	static const char *const inner[] = { "adaptive", "fill", "probe", "scan" };
	const struct runs u = { 0.03, 0, 60, TICKS, VFC_COORD_INITIAL_HZ, 15485863, 10 };

	(void)state;
	slow_x = 8;
	slow_until = 30;
	for (size_t j = 0; j < sizeof(cells) / sizeof(cells[0]); j++) {
		double m[4], low, want = cells[j].depth >= 32 ? 0.95 : 0.93;

		for (int k = 0; k < 4; k++)
			m[k] = over_seeds(j, inner[k], &u, k ? NULL : &low, NULL);
		printf("slow start %u VFs %6.0f B d%-2u: ticks 60..199 pf(adaptive) mean %.3f min %.3f, fill %.3f, probe %.3f, "
		       "scan %.3f\n", cells[j].n, cells[j].bytes, cells[j].depth, m[0], low, m[1], m[2], m[3]);
		if (m[0] < 0.95 || m[1] < want || m[2] < want || m[3] < want) {
			slow_x = 1;
			slow_until = 0;
			fail_msg("after a slow start: pf(adaptive) %.3f, fill %.3f, probe %.3f, scan %.3f (want >= 0.95, d4 0.93)",
				 m[0], m[1], m[2], m[3]);
		}
	}
	slow_x = 1;
	slow_until = 0;
}

/*
 * Shallow tenants beside deep ones where an interrupt costs the engine 20 us (a costly one, as the
 * simulator's suite draws them): 4 VFs of 4 KiB at depth 4 and 4 at depth 32. The best common cap
 * throttles the shallow ones (1.6 kHz, the deep ones' fill near 1); the fill, weighted by bytes,
 * puts the cap at 2.1 kHz, 0.90 of the best. The probe rule, in the plant's quiet ticks (+-3% per
 * VF), steps down to it: >= 0.95 over ticks 60..199 (mean of 10 seeds), the fill rule < 0.93.
 */
static void test_coord_probe_shallow_deep(void **state)
{
	static const char *const inner[] = { "fill", "probe", "scan" };
	double m[3] = { 0, 0, 0 };

	(void)state;
	for (int k = 0; k < 3; k++)
		for (uint64_t seed = 1; seed <= 10; seed++) {
			struct shared_plant p = sp_software(8, 4096, 32, seed * 2654435761u);

			p.irq_ns = 20000;
			for (uint32_t i = 0; i < 4; i++)
				p.vf[i].depth = 4;
			m[k] += run_coord(p, inner[k], 0, 60, TICKS, VFC_COORD_INITIAL_HZ).ratio / 10;
		}
	printf("shallow+deep, 20 us interrupts: fill %.3f, probe %.3f, scan %.3f of the best common cap\n", m[0], m[1],
	       m[2]);
	assert_true(m[0] < 0.93);
	assert_true(m[1] >= 0.95);
	assert_true(m[2] >= 0.95);
}

/*
 * A fill that does not answer the cap: each interrupt turns around half the queue the PF reads (the
 * depth seen is twice the depth in play: in the simulator's suite, seed 101696366, 7 VFs of 64 KiB
 * at depth 64 handed back 32 per interrupt at every cap from 200 Hz to 20 kHz). The fill stays under
 * 0.5 wherever the cap is, so the fill rule walks the cap down to its floor, and the probe rule's
 * 1.25 x steps climb from there one at a time. The scan rule scans from the floor by factors of 2:
 * over ticks 60..199 (mean of 10 seeds) >= 0.9 of the best common cap in every cell and >= 0.95 in
 * the mean of the cells, where the probe rule reads < 0.9 (0.76 in the 1 KiB cell).
 */
static void test_coord_scan_blind_fill(void **state)
{
	static const char *const inner[] = { "fill", "probe", "scan" };
	const struct runs u = { 0.03, 0, 60, TICKS, VFC_COORD_INITIAL_HZ, 7243, 10 };
	double all[3] = { 0, 0, 0 };

	(void)state;
	depth_seen_x = 2;
	for (size_t j = 0; j < sizeof(cells) / sizeof(cells[0]); j++) {
		double m[3];

		for (int k = 0; k < 3; k++) {
			m[k] = over_seeds(j, inner[k], &u, NULL, NULL);
			all[k] += m[k] / (double)(sizeof(cells) / sizeof(cells[0]));
		}
		printf("blind fill %u VFs %6.0f B d%-2u: ticks 60..199 fill %.3f, probe %.3f, scan %.3f\n", cells[j].n,
		       cells[j].bytes, cells[j].depth, m[0], m[1], m[2]);
		if (m[2] < 0.9) {
			depth_seen_x = 1;
			fail_msg("scan: %.3f of the best common cap (want >= 0.9)", m[2]);
		}
	}
	depth_seen_x = 1;
	printf("blind fill, mean of the cells: fill %.3f, probe %.3f, scan %.3f\n", all[0], all[1], all[2]);
	assert_true(all[1] < 0.9);
	assert_true(all[2] >= 0.95);
}

/*
 * A cap that starves the engine behind ticks too noisy for the scan's gate: tenants slow to turn a
 * queue around (500 us, not 20) and a PF that reads 1.45 x the depth that turns around per interrupt,
 * so that the fill reads 0.69 (the fill rule's target, within its hysteresis) wherever the tenants
 * wait for the interrupt: the fill rule walks down from 20 kHz and stops on the cliff. With 4 VFs of
 * AES 4 KiB at depth 32 it holds near 6 kHz, the engine 60% busy, the best common cap at 18 kHz;
 * +-15% per VF per tick keeps the scan's gate shut (the simulator's suite, seed 277785938: the fill
 * rule at 146 Hz, the engines 45% idle, ticks spread 7%). The busy step (pf:busy) reads the idle engine
 * and scans up; the walk's guard (coord_rules.h) ends the walk at its best, so the scan rule gets there too
 * (0.83 before it). Over ticks 60..199 (mean of 10 seeds): in that cell the fill rule < 0.87 of the
 * best common cap; in every cell the scan rule and the busy step >= 0.9, the busy step no more than
 * 0.02 below the scan rule (1 KiB at 2 VFs: +5% for twice the cap, the busy fraction does not move).
 */
static void test_coord_busy_starved(void **state)
{
	static const char *const inner[] = { "fill", "scan", "busy" };
	const struct runs u = { 0.15, 0, 60, TICKS, VFC_COORD_INITIAL_HZ, 6151, 10 };
	double m[sizeof(cells) / sizeof(cells[0])][3];

	(void)state;
	turnaround_s = 500e-6;
	depth_seen_x = 1.45;
	for (size_t j = 0; j < sizeof(cells) / sizeof(cells[0]); j++) {
		for (int k = 0; k < 3; k++)
			m[j][k] = over_seeds(j, inner[k], &u, NULL, NULL);
		printf("starved %u VFs %6.0f B d%-2u: ticks 60..199 fill %.3f, scan %.3f, busy %.3f\n", cells[j].n,
		       cells[j].bytes, cells[j].depth, m[j][0], m[j][1], m[j][2]);
	}
	turnaround_s = 0;
	depth_seen_x = 1;
	assert_true(m[0][0] < 0.87);
	for (size_t j = 0; j < sizeof(cells) / sizeof(cells[0]); j++) {
		assert_true(m[j][1] >= 0.9 && m[j][2] >= 0.9);
		assert_true(m[j][2] >= m[j][1] - 0.02);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pf_spec),
		cmocka_unit_test(test_coord_members),
		cmocka_unit_test(test_coord_escape),
		cmocka_unit_test(test_coord_tenant_spaced),
		cmocka_unit_test(test_coord_fill_rule),
		cmocka_unit_test(test_coord_probe_gate),
		cmocka_unit_test(test_coord_cold),
		cmocka_unit_test(test_coord_slow_start),
		cmocka_unit_test(test_coord_staggered),
		cmocka_unit_test(test_coord_noise),
		cmocka_unit_test(test_coord_probe_shallow_deep),
		cmocka_unit_test(test_coord_scan_blind_fill),
		cmocka_unit_test(test_coord_busy_starved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
