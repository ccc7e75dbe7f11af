/* SPDX-License-Identifier: MIT */
/* test_controller.c - the controllers against synthetic sample streams from a plant model (tests/model/plant.h). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/controller/controller.h"
#include "plant.h"

static void ctl_new(struct vfc_controller *c, const char *spec, uint32_t initial_cap)
{
	struct vfc_controller_cfg cfg;
	char err[256];

	if (vfc_controller_parse(spec, &cfg, err, sizeof(err)) != 0)
		fail_msg("parse '%s': %s", spec, err);
	assert_int_equal(vfc_controller_init(c, &cfg, initial_cap), 0);
}

/* A hand-made sample. */
static struct vfc_speed_sample smp(double mbps, double irq_hz, uint32_t cap)
{
	struct vfc_speed_sample s = { .t_ns = 0, .dt_ns = 100000000ull, .mbps = mbps, .irq_hz = irq_hz,
				    .mean_req_bytes = 16384, .cap_hz = cap, .depth = 32 };

	s.ops_per_s = mbps * 1e6 / 16384;
	return s;
}

/* ---- parsing ---- */

static void expect_err(const char *spec, const char *needle)
{
	struct vfc_controller_cfg cfg;
	char err[256];

	assert_int_equal(vfc_controller_parse(spec, &cfg, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("spec '%s': error '%s' does not mention '%s'", spec, err, needle);
}

static void test_parse(void **state)
{
	struct vfc_controller_cfg cfg, again;
	char buf[512], err[256];
	const char *good[] = { "none", "static:5000", "paper", "paper:i0=0", "paper:i0=12000", "dim",
			       "dim:max=100000,min=500,step=1.5,sig=5,tired=8,rest=3", "adaptive",
			       "adaptive:band=1.5,probe=0,margin=2,start=3,esc=16,change=30,shift=15,"
			       "min=200,max=500000,step=1.3" };

	(void)state;
	assert_int_equal(vfc_controller_parse("static:5000", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.kind, VFC_CONTROLLER_KIND_STATIC);
	assert_int_equal(cfg.static_hz, 5000);
	assert_int_equal(vfc_controller_parse("paper", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.paper_i0_hz, VFC_CONTROLLER_PAPER_I0_HZ);
	assert_int_equal(vfc_controller_parse("adaptive:band=1.5,probe=7", &cfg, err, sizeof(err)), 0);
	assert_float_equal(cfg.adaptive.band_pct, 1.5, 0);
	assert_int_equal(cfg.adaptive.probe, 7);
	assert_float_equal(cfg.adaptive.margin, 1.15, 0); /* default kept */
	assert_int_equal(vfc_controller_parse("dim:sig=5", &cfg, err, sizeof(err)), 0);
	assert_float_equal(cfg.dim.sig_pct, 5, 0);
	assert_int_equal(cfg.dim.max_hz, 64000);

	/* Every spec formats to a canonical one that parses back to the same configuration. */
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (vfc_controller_parse(good[i], &cfg, err, sizeof(err)))
			fail_msg("'%s': %s", good[i], err);
		assert_true(vfc_controller_format(&cfg, buf, sizeof(buf)) > 0);
		if (vfc_controller_parse(buf, &again, err, sizeof(err)))
			fail_msg("'%s' -> '%s': %s", good[i], buf, err);
		assert_memory_equal(&cfg, &again, sizeof(cfg));
	}
	assert_non_null(strstr(vfc_controller_help, "margin="));
	assert_non_null(strstr(vfc_controller_help, "tired="));
	assert_non_null(strstr(vfc_controller_help, "i0="));
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_err("fast", "unknown controller 'fast'");
	expect_err("", "unknown controller ''");
	expect_err("none:1", "none: takes no parameters");
	expect_err("static", "static:HZ");
	expect_err("static:", "got ''");
	expect_err("static:0", "got '0'");
	expect_err("static:12k", "got '12k'");
	expect_err("static:-5", "got '-5'");
	expect_err("paper:i0=fast", "i0: expected an interrupt rate in Hz");
	expect_err("paper:i1=5", "unknown parameter 'i1'");
	expect_err("paper:i0", "'i0' has no value");
	expect_err("dim:min=70000", "min=70000 is above max=64000");
	expect_err("dim:sig=abc", "sig: expected a percentage");
	expect_err("dim:step=1", "step: expected a ratio");
	expect_err("adaptive:bnad=2", "unknown parameter 'bnad' (known: min, max, step, band");
	expect_err("adaptive:band=x", "band: expected a percentage from 0 to 50, got 'x'");
	expect_err("adaptive:band=60", "got '60'");
	expect_err("adaptive:probe=-1", "probe: expected a number of ticks");
	expect_err("adaptive:band=2,", "empty parameter");
	expect_err("adaptive:", "empty parameter");
	expect_err("adaptive:min=1,max=100000000,step=1.05", "more than 64 levels");
	assert_int_equal(vfc_controller_parse(NULL, &(struct vfc_controller_cfg){ 0 }, NULL, 0), -EINVAL);
}

/* ---- none, static ---- */

static void test_none_static(void **state)
{
	struct vfc_controller c;
	struct vfc_speed_sample s = smp(1000, 60000, 0);

	(void)state;
	ctl_new(&c, "none", 1234);
	assert_int_equal(vfc_controller_cap(&c), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(vfc_controller_step(&c, &s), 0);
	assert_string_equal(vfc_controller_name(&c), "none");
	ctl_new(&c, "static:4321", 0);
	assert_int_equal(vfc_controller_cap(&c), 4321);
	for (int i = 0; i < 5; i++)
		assert_int_equal(vfc_controller_step(&c, &s), 4321);
	assert_string_equal(vfc_controller_name(&c), "static");
}

/* ---- paper ---- */

static void test_paper_one_shot(void **state)
{
	struct vfc_controller c;
	struct vfc_speed_sample s;
	const double v[] = { 500, 800, 800, 1000 }; /* rising (with one equal tick), best 1000 */
	const double irq[] = { 2000, 3000, 3500, 4000 };

	(void)state;
	ctl_new(&c, "paper:i0=6000", 0);
	assert_int_equal(vfc_controller_cap(&c), 6000); /* starts at I0 */
	for (int i = 0; i < 4; i++) {
		s = smp(v[i], irq[i], 6000);
		assert_int_equal(vfc_controller_step(&c, &s), 6000);
	}
	assert_int_equal(c.paper.t, 3); /* three improvements: the equal tick is not one */
	assert_string_equal(vfc_controller_state(&c), "watching");
	s = smp(0, 0, 6000);
	s.ops_per_s = 0; /* an idle tick measures nothing */
	assert_int_equal(vfc_controller_step(&c, &s), 6000);
	s = smp(990, 4100, 6000); /* the first slower tick: cap <- the previous tick's rate */
	assert_int_equal(vfc_controller_step(&c, &s), 4000);
	assert_string_equal(vfc_controller_state(&c), "done");
	/* Never again: slower, faster, another workload entirely. */
	for (int i = 0; i < 50; i++) {
		s = smp(i % 2 ? 100 : 3000, i % 2 ? 50 : 4000, 4000);
		s.mean_req_bytes = i < 25 ? 16384 : 1024;
		assert_int_equal(vfc_controller_step(&c, &s), 4000);
	}
}

static void test_paper_edges(void **state)
{
	struct vfc_controller c;
	struct vfc_speed_sample s;

	(void)state;
	/* i0=0: start uncapped; the one cap is the previous tick's rate. */
	ctl_new(&c, "paper:i0=0", 0);
	assert_int_equal(vfc_controller_cap(&c), 0);
	s = smp(1000, 63000.4, 0);
	assert_int_equal(vfc_controller_step(&c, &s), 0);
	s = smp(900, 70000, 0);
	assert_int_equal(vfc_controller_step(&c, &s), 63000); /* rounded to the nearest Hz */

	/* The adjusted cap must be below the initial one: a previous rate above it changes nothing,
	 * and the one shot is spent. */
	ctl_new(&c, "paper", 0);
	s = smp(1000, 6449.6, 6450);
	vfc_controller_step(&c, &s);
	s = smp(999, 6000, 6450);
	assert_int_equal(vfc_controller_step(&c, &s), 6450);
	assert_string_equal(vfc_controller_state(&c), "done");
	s = smp(2000, 3000, 6450);
	vfc_controller_step(&c, &s);
	s = smp(100, 3000, 6450);
	assert_int_equal(vfc_controller_step(&c, &s), 6450);

	/* Against the plant: starting uncapped on 16 KiB at depth 32, it ends at a cap equal to the
	 * interrupt rate of the tick before the first drop, and stays there. */
	{
		struct plant p = plant_workload(16, 32, 7);
		uint32_t cap, changes = 0, last;
		double prev_irq = 0;

		ctl_new(&c, "paper:i0=0", 0);
		cap = last = vfc_controller_cap(&c);
		for (int t = 0; t < 60; t++) {
			s = plant_tick(&p, cap);
			cap = vfc_controller_step(&c, &s);
			if (cap != last) {
				changes++;
				assert_int_equal(cap, (uint32_t)lround(prev_irq));
			}
			last = cap;
			if (s.ops_per_s > 0)
				prev_irq = s.irq_hz;
		}
		assert_true(changes <= 1);
	}
}

/* ---- dim ---- */

static void test_dim_climb_turn_park(void **state)
{
	struct vfc_controller c;
	struct plant p = plant_workload(16, 32, 11);
	uint32_t cap, caps[80];
	int parked_at = -1, turned_at = -1, left_at = -1;

	(void)state;
	p.noise = 0.0;
	ctl_new(&c, "dim", 0);
	cap = vfc_controller_cap(&c);
	assert_int_equal(cap, 64000); /* top of the ladder */
	for (int t = 0; t < 80; t++) {
		struct vfc_speed_sample s;

		if (t == 40) /* a new workload: 1 KiB requests, the best cap moves up 10x */
			p = plant_workload(1, 32, 11), p.noise = 0.0;
		s = plant_tick(&p, cap);
		cap = vfc_controller_step(&c, &s);
		caps[t] = cap;
		if (t > 0 && t < 40 && turned_at < 0 && caps[t] > caps[t - 1])
			turned_at = t;
		if (t < 40 && parked_at < 0 && !strcmp(vfc_controller_state(&c), "parked"))
			parked_at = t;
		if (t >= 40 && left_at < 0 && !strcmp(vfc_controller_state(&c), "going"))
			left_at = t;
	}
	/* It climbed down the ladder (less moderation was worse: 64k -> 32k -> ... ), */
	assert_true(caps[0] < 64000 && caps[1] < caps[0]);
	/* turned around on a worse step, */
	assert_true(turned_at > 0);
	/* parked, and stayed parked with a constant cap until the workload changed, */
	assert_true(parked_at > turned_at);
	for (int t = parked_at + 1; t < 40; t++)
		assert_int_equal(caps[t], caps[parked_at]);
	/* on a cap within 5% of the best static speed for that workload, */
	{
		struct plant q = plant_workload(16, 32, 11);

		assert_true(plant_speed(&q, caps[39]) >= 0.95 * plant_best(&q, NULL));
	}
	/* and left parking on the significant change. */
	assert_true(left_at == 40 || left_at == 41);
	assert_int_not_equal(caps[79], caps[39]);
}

static void test_dim_tired(void **state)
{
	struct vfc_controller c;
	uint32_t cap, tired_cap = 0;
	int tired_ticks = 0, back = 0, in_tired = 0;

	(void)state;
	/* Speed, request rate and interrupt rate all the same whatever the cap: no step ever wins. */
	ctl_new(&c, "dim:tired=3,rest=4,max=64000,min=1000", 0);
	cap = vfc_controller_cap(&c);
	for (int t = 0; t < 30; t++) {
		struct vfc_speed_sample s = smp(1000, 500, cap);

		cap = vfc_controller_step(&c, &s);
		if (!strcmp(vfc_controller_state(&c), "tired")) {
			if (!in_tired)
				tired_cap = cap;
			assert_int_equal(cap, tired_cap); /* rests in place */
			tired_ticks++;
			in_tired = 1;
		} else {
			back |= in_tired; /* and searches again after the rest */
			in_tired = 0;
		}
	}
	assert_true(tired_ticks >= 4);
	assert_true(back);
}

/* ---- adaptive ---- */

static double true_ratio(const struct plant *p, uint32_t cap)
{
	return plant_speed(p, cap) / plant_best(p, NULL);
}

static uint32_t settled_cap(const struct vfc_controller *c)
{
	return c->ad.levels[c->ad.settled];
}

/* cap >= k x (true request rate at cap) / depth */
static double cliff_ratio(const struct plant *p, uint32_t cap)
{
	return cap / (plant_speed(p, cap) * 1e6 / p->size / p->depth);
}

static void test_adaptive_settles(void **state)
{
	const double kib[] = { 1, 4, 16, 64 };
	const uint32_t depth[] = { 4, 32 };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < 2; j++) {
			struct plant p = plant_workload(kib[i], depth[j], 1000 + i * 10 + j);
			struct vfc_controller c;
			uint32_t cap;
			double sum = 0, r;

			ctl_new(&c, "adaptive", 0); /* from uncapped */
			cap = vfc_controller_cap(&c);
			for (int t = 0; t < 120; t++) {
				struct vfc_speed_sample s = plant_tick(&p, cap);

				cap = vfc_controller_step(&c, &s);
				if (t >= 60)
					sum += true_ratio(&p, cap);
			}
			r = true_ratio(&p, settled_cap(&c));
			printf("# adaptive %4.0f KiB depth %2u: settled %u Hz, %.3f of the best static, mean %.3f, "
			       "cap %.2f x ops/depth\n",
			       kib[i], depth[j], settled_cap(&c), r, sum / 60, cliff_ratio(&p, settled_cap(&c)));
			if (r < 0.97 || sum / 60 < 0.97)
				fail_msg("%g KiB depth %u: settled at %u Hz = %.4f (mean %.4f) of the best", kib[i],
					 depth[j], settled_cap(&c), r, sum / 60);
			/* never below the cliff: margin 1.15, less the noise the floor was measured with */
			if (cliff_ratio(&p, settled_cap(&c)) < 1.1)
				fail_msg("%g KiB depth %u: settled at %.3f x ops/depth", kib[i], depth[j],
					 cliff_ratio(&p, settled_cap(&c)));
		}
	}
}

/* Run adaptive (default parameters, from no cap) for 200 ticks on plant proto with seeds 1..20: r[i]
 * = seed i + 1's mean ratio to the best static cap over ticks 100..199, printed with where it settled
 * and how often it restarted or re-anchored (after shifts) in those ticks; returns that count, summed. */
static unsigned run_seeds(const char *name, const struct plant *proto, double r[20])
{
	unsigned events = 0;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct plant p = *proto;
		struct vfc_controller c;
		uint32_t cap, e0 = 0;
		double sum = 0;

		p.rng = seed;
		ctl_new(&c, "adaptive", 0);
		cap = vfc_controller_cap(&c);
		for (int t = 0; t < 200; t++) {
			struct vfc_speed_sample s = plant_tick(&p, cap);

			cap = vfc_controller_step(&c, &s);
			if (t == 99)
				e0 = c.ad.restarts + c.ad.reanchors;
			if (t >= 100)
				sum += true_ratio(&p, cap);
		}
		r[seed - 1] = sum / 100;
		events += c.ad.restarts + c.ad.reanchors - e0;
		printf("# %s, seed %2llu: settled at %u Hz, mean %.3f of the best, %u restarts or re-anchorings\n",
		       name, (unsigned long long)seed, settled_cap(&c), r[seed - 1],
		       c.ad.restarts + c.ad.reanchors - e0);
	}
	return events;
}

/* How many of r[0..19] are at least lim, and the lowest. */
static unsigned count_at_least(const double r[20], double lim, double *low)
{
	unsigned n = 0;

	*low = r[0];
	for (int i = 0; i < 20; i++) {
		n += r[i] >= lim;
		*low = r[i] < *low ? r[i] : *low;
	}
	return n;
}

/* A shallow queue of small requests on a wandering machine: speed rises slowly all the way to the
 * top of the ladder (waking the tenant is cheap next to letting its queue run dry), tick-to-tick
 * noise is +-10% and the machine slows by 20% every other 15 ticks. The duels upwards (ticks
 * interleaved with the settled level, going on for up to 4 rounds while undecided) find the top, and
 * the machine's phases seldom read as shifts. Over 20 seeds: all 20 reach 0.99 (mean over ticks
 * 100..199), with no restart or re-anchoring (20 restarts in session 3). Session 2's one-round duels
 * reached 0.97 in 17 (the others 0.92 to 0.94); a shift test blind to the noise (10% on two ticks)
 * restarted 140 times and reached 0.97 in none. */
static void test_adaptive_shallow_top(void **state)
{
	const struct plant p = { .size = 1024, .depth = 4, .vpk = 300, .ib = 1e6, .a_left = 0.087, .a_right = 0.03,
				 .noise = 0.10, .phase = 0.2, .phase_ticks = 15 };
	double r[20], low;
	unsigned restarts, good;

	(void)state;
	restarts = run_seeds("shallow", &p, r);
	good = count_at_least(r, 0.97, &low);
	if (good < 18 || restarts > 30)
		fail_msg("%u of 20 seeds reach 0.97, %u restarts or re-anchorings in ticks 100..199 (want >= 18, <= 30)",
			 good, restarts);
}

/* Small requests at depth 32 on the device: the best cap lies far above the cliff (150 kHz, 4.4 x
 * ops/depth), speed falls steeply below it and more slowly above, and ticks are noisy (+-10%). The
 * search settles low, the top loses its duel, the duel 5 levels up (x 3.05) is won past the peak;
 * the duel downwards that follows, midway, finds it; where the duel 5 levels up is lost (a peak
 * missed by a level or two), the duel midway upwards does. Over 20 seeds: 20 at >= 0.97 over ticks
 * 100..199 (mean 0.988); without the duel downwards 16 (mean 0.980, session 3). The re-probes,
 * paired since session 4, are slow at +-10% noise (a step of 6% needs a dozen pairs): without the
 * duel midway upwards, 17; with it, but with duels further up after a won duel downwards, 19. */
static void test_adaptive_refines_jump(void **state)
{
	const struct plant p = { .size = 1024, .depth = 32, .vpk = 1100, .ib = 150000, .a_left = 0.5, .a_right = 0.3,
				 .noise = 0.10 };
	double r[20], low;
	unsigned good;

	(void)state;
	run_seeds("refine", &p, r);
	good = count_at_least(r, 0.97, &low);
	if (good < 19)
		fail_msg("%u of 20 seeds reach 0.97 (want >= 19)", good);
}

/* Mid-size requests at depth 32 on a machine with phases: the best cap, 11 kHz, lies just above the
 * cliff; 1.25 x higher costs 1%, 1.56 x 5% (AES-128-CBC 4 KiB on the device). Ticks are steady
 * (+-2%), but every other 30 ticks the machine runs 15% slower, as the device's VM does for seconds
 * at a time. Each phase change reads as a shift, which restarted the search. Fighting the duels upwards
 * again after each restart (the top, 5 levels up: 3 ticks each at a cap where speed collapses) cost
 * more than everything else; re-probes compared with a level's mean, which a slow phase had pulled
 * down, moved up as the phase ended (on the device: AES 4 KiB at depth 32 went to 13.5 kHz, 0.974 of
 * the oracle). Now a shift re-anchors the settled level instead of restarting the search, a restart
 * on the same workload (the cliff guard) keeps its duels' outcome, and re-probes are paired with the
 * settled level's samples either side. Over 20 seeds (ticks 100..199): every seed at 0.97 or more,
 * 16 at least at 0.985 (measured: all at 0.988 or more, mean 0.995; with restarts that kept the
 * duels' outcome, 18 at 0.985, mean 0.992; session 3's controller: none at 0.985, mean 0.867). */
static void test_adaptive_phases(void **state)
{
	const struct plant p = { .size = 4096, .depth = 32, .vpk = 1150, .ib = 11000, .a_left = 0.3, .a_right = 0.25,
				 .noise = 0.02, .phase = 0.15, .phase_ticks = 30 };
	double r[20], low;
	unsigned good;

	(void)state;
	run_seeds("phases", &p, r);
	good = count_at_least(r, 0.985, &low);
	if (good < 16 || low < 0.97)
		fail_msg("%u of 20 seeds at 0.985 (want >= 16), lowest %.3f (want >= 0.97)", good, low);
}

/* A machine whose tenant thread misses ticks (the multi-buffer engine on this VM: one tick in a few
 * dozen at a tenth of the speed), with +-20% noise per tick and phases 40% slower every other 15
 * ticks, on DESIGN's 8 workloads x 10 seeds. A settled VF's request rate (ops / depth) restarts the
 * search when it moves by two steps (docs/controllers.md, step 10); stalled ticks moved its EWMA that
 * far and restarted the search from a stalled sample, which then settled low. Now a sample counts at
 * most 2 x away from the rate. Measured (mean over ticks 100..199 of the 80 runs, restarts on a moved
 * rate): 0.915 and 218 before, 0.957 and 171 after. */
static void test_adaptive_stalls(void **state)
{
	static const double kib[4] = { 1, 4, 16, 64 };
	double sum = 0;
	unsigned follows = 0;

	(void)state;
	for (int w = 0; w < 8; w++) {
		for (uint64_t seed = 1; seed <= 10; seed++) {
			struct plant p = plant_workload(kib[w / 2], w % 2 ? 32 : 4, seed * 7919 + 13);
			uint64_t r = seed * 1234567 + 1;
			struct vfc_controller c;
			uint32_t cap;

			p.noise = 0.20, p.phase = 0.4, p.phase_ticks = 15;
			ctl_new(&c, "adaptive", 0);
			cap = vfc_controller_cap(&c);
			for (int t = 0; t < 200; t++) {
				struct vfc_speed_sample s = plant_tick(&p, cap);

				r ^= r << 13, r ^= r >> 7, r ^= r << 17;
				if (r % 15 == 0)
					s.mbps *= 0.1, s.ops_per_s *= 0.1, s.irq_hz *= 0.1;
				if (t >= 100)
					sum += true_ratio(&p, cap) / 100;
				cap = vfc_controller_step(&c, &s);
			}
			follows += c.ad.follows;
		}
	}
	printf("# stalls: mean %.3f of the best over ticks 100..199, %u rate restarts\n", sum / 80, follows);
	if (sum / 80 < 0.94)
		fail_msg("mean %.3f of the best (want >= 0.94)", sum / 80);
}

/* start=model: parsed as a word (the last start= wins), printed back, and a new workload's search
 * starts at the ladder level of the model's cap (static:model's for the same tick), not at 2 x the
 * floor; a restart on the same workload (the cliff guard) follows the sample as before. */
static void test_adaptive_start_model(void **state)
{
	struct vfc_controller_cfg cfg;
	struct vfc_controller c, sm, lad;
	struct vfc_speed_sample s = smp(1000, 40000, 0);
	char err[256], buf[256];
	uint32_t mcap;

	(void)state;
	assert_int_equal(vfc_controller_parse("adaptive:band=3,start=model", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.adaptive.start_model);
	assert_float_equal(cfg.adaptive.band_pct, 3, 0);
	vfc_controller_format(&cfg, buf, sizeof(buf));
	assert_non_null(strstr(buf, ",start=model,"));
	assert_int_equal(vfc_controller_parse(buf, &cfg, err, sizeof(err)), 0);
	assert_true(cfg.adaptive.start_model);
	assert_int_equal(vfc_controller_parse("adaptive:start=model,start=3", &cfg, err, sizeof(err)), 0);
	assert_false(cfg.adaptive.start_model);
	assert_float_equal(cfg.adaptive.start, 3, 0);
	expect_err("adaptive:start=modl", "start: expected a factor");
	expect_err("adaptive:start=model,", "empty parameter");

	ctl_new(&c, "adaptive:start=model", 0);
	ctl_new(&sm, "static:model", 0);
	ctl_new(&lad, "adaptive", 0);
	mcap = vfc_controller_step(&sm, &s);
	vfc_controller_step(&c, &s);
	assert_int_equal(c.cap, c.ad.levels[c.ad.s0]);
	assert_int_equal(c.ad.state, VFC__AD_MEASURE_START);
	assert_true(c.ad.levels[c.ad.s0] >= mcap && c.ad.levels[c.ad.s0] < mcap * 1.25 + 1);
	assert_int_not_equal(vfc_controller_step(&lad, &s), c.cap);
	assert_true(c.ad.from_model);
}

static void test_adaptive_reconverges(void **state)
{
	const struct { double kib; uint32_t depth; } seq[] = {
		{ 16, 32 }, { 4, 32 }, { 4, 4 }, { 64, 4 }, { 64, 32 }, { 16, 32 }, { 1, 32 }, { 16, 4 }, { 16, 32 },
	};
	struct vfc_controller c;
	uint32_t cap;

	(void)state;
	ctl_new(&c, "adaptive", 5000);
	cap = vfc_controller_cap(&c);
	for (size_t w = 0; w < sizeof(seq) / sizeof(seq[0]); w++) {
		struct plant p = plant_workload(seq[w].kib, seq[w].depth, 77 + w);

		for (int t = 0; t < 40; t++) {
			struct vfc_speed_sample s = plant_tick(&p, cap);
			double r, k;

			cap = vfc_controller_step(&c, &s);
			/* cap is applied during tick t + 1: from the 5th tick after the change on, until the
			 * first re-probe (20 ticks), every tick runs at >= 0.97 of the best, but for the
			 * challenger's ticks of a duel upwards (exploration on purpose: test_adaptive_shallow_top). */
			if (w == 0 || t + 1 < 5 || t + 1 >= 20 ||
			    (!strcmp(vfc_controller_state(&c), "duel") && cap == c.ad.levels[c.ad.duel_lvl]))
				continue;
			r = true_ratio(&p, cap);
			k = cliff_ratio(&p, cap);
			if (r < 0.97 || k < 1.0)
				fail_msg("%g KiB depth %u, tick %d after the change: cap %u = %.4f of the best, "
					 "%.2f x ops/depth (state %s)",
					 seq[w].kib, seq[w].depth, t + 1, cap, r, k, vfc_controller_state(&c));
		}
	}
	assert_true(c.ad.restarts >= 8);
}

static void test_adaptive_escapes_cliff(void **state)
{
	struct plant p = plant_workload(1, 32, 5);
	struct vfc_controller c;
	uint32_t cap;

	(void)state;
	ctl_new(&c, "adaptive", 500); /* far below the cliff: 500 x 32 x 1 KiB = 16 MB/s */
	cap = vfc_controller_cap(&c);
	for (int t = 0; t < 5; t++) {
		struct vfc_speed_sample s = plant_tick(&p, cap);

		cap = vfc_controller_step(&c, &s);
	}
	assert_true(cliff_ratio(&p, cap) >= 1.5);
	assert_true(true_ratio(&p, cap) >= 0.9);
}

/* A plateau: any cap from ib (5 kHz) up to 1 MHz gives the same speed, with +-3% noise. The search
 * should end near the plateau's low end; single samples within 2% of each other cannot always tell,
 * so this is a count over 50 seeds (measured: 32 settle at most 1.6 x ib, the lowest levels of the
 * plateau, and 3 at the top after a duel the means decided by the band; session 2's margin of 1.5
 * gave 28 and 2). Every seed runs at >= 0.97. */
static void test_adaptive_prefers_lower_cap(void **state)
{
	unsigned low = 0, top = 0;

	(void)state;
	for (uint64_t seed = 3; seed < 53; seed++) {
		struct plant p = plant_workload(16, 32, seed);
		struct vfc_controller c;
		uint32_t cap;

		p.a_right = 0;
		ctl_new(&c, "adaptive", 0);
		cap = vfc_controller_cap(&c);
		for (int t = 0; t < 100; t++) {
			struct vfc_speed_sample s = plant_tick(&p, cap);

			cap = vfc_controller_step(&c, &s);
		}
		if (true_ratio(&p, settled_cap(&c)) < 0.97)
			fail_msg("seed %llu: settled at %u Hz (plateau from %.0f Hz) = %.3f of the best",
				 (unsigned long long)seed, settled_cap(&c), p.ib, true_ratio(&p, settled_cap(&c)));
		low += settled_cap(&c) <= 1.6 * p.ib;
		top += settled_cap(&c) > 100 * p.ib;
	}
	printf("# plateau: %u of 50 seeds settle at most 1.6 x its low end, %u at the top\n", low, top);
	if (low < 30 || top > 5)
		fail_msg("%u of 50 seeds settle at most 1.6 x the plateau's low end (want >= 30), %u at the top "
			 "(want <= 5)", low, top);
}

static void test_adaptive_deterministic(void **state)
{
	struct vfc_controller a, b;
	struct plant p = plant_workload(4, 32, 99);
	uint32_t cap_a, cap_b;

	(void)state;
	ctl_new(&a, "adaptive", 0);
	ctl_new(&b, "adaptive", 0);
	cap_a = vfc_controller_cap(&a);
	cap_b = vfc_controller_cap(&b);
	for (int t = 0; t < 200; t++) {
		struct vfc_speed_sample s;

		if (t == 100)
			p = plant_workload(64, 4, 98);
		s = plant_tick(&p, cap_a);
		cap_a = vfc_controller_step(&a, &s);
		cap_b = vfc_controller_step(&b, &s);
		assert_int_equal(cap_a, cap_b);
	}
	assert_memory_equal(&a, &b, sizeof(a));
}

static void test_adaptive_idle(void **state)
{
	struct vfc_controller c;
	struct vfc_speed_sample s = smp(0, 0, 5000);
	uint32_t cap;

	(void)state;
	ctl_new(&c, "adaptive", 5000);
	cap = vfc_controller_cap(&c);
	s.ops_per_s = 0;
	for (int i = 0; i < 10; i++)
		assert_int_equal(vfc_controller_step(&c, &s), cap);
	assert_string_equal(vfc_controller_state(&c), "start");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_none_static),
		cmocka_unit_test(test_paper_one_shot),
		cmocka_unit_test(test_paper_edges),
		cmocka_unit_test(test_dim_climb_turn_park),
		cmocka_unit_test(test_dim_tired),
		cmocka_unit_test(test_adaptive_settles),
		cmocka_unit_test(test_adaptive_reconverges),
		cmocka_unit_test(test_adaptive_shallow_top),
		cmocka_unit_test(test_adaptive_refines_jump),
		cmocka_unit_test(test_adaptive_phases),
		cmocka_unit_test(test_adaptive_stalls),
		cmocka_unit_test(test_adaptive_start_model),
		cmocka_unit_test(test_adaptive_escapes_cliff),
		cmocka_unit_test(test_adaptive_prefers_lower_cap),
		cmocka_unit_test(test_adaptive_deterministic),
		cmocka_unit_test(test_adaptive_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
