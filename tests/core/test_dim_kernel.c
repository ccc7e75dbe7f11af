/* SPDX-License-Identifier: MIT */
/* test_dim_kernel.c - dim:kernel against synthetic plants: one test per rule where it differs from `dim`. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/controller/controller.h"
#include "model/plant.h"

#define SIZE 1048576.0 /* 1 MiB requests: fewer per second than any cap here, so interrupts = requests */

static const uint32_t profiles[5] = { 1000000, 125000, 15625, 7813, 3906 };

static void ctl_new(struct vfc_controller *c, const char *spec, uint32_t initial_cap)
{
	struct vfc_controller_cfg cfg;
	char err[256];

	if (vfc_controller_parse(spec, &cfg, err, sizeof(err)) != 0)
		fail_msg("parse '%s': %s", spec, err);
	assert_int_equal(vfc_controller_init(c, &cfg, initial_cap), 0);
}

/* A sample of mbps at cap, without noise: interrupts at min(cap, request rate). */
static struct vfc_speed_sample smp(double mbps, uint32_t cap)
{
	struct vfc_speed_sample s = { .dt_ns = 100000000ull, .mbps = mbps, .mean_req_bytes = SIZE,
				    .cap_hz = cap, .depth = 32 };

	s.ops_per_s = mbps * 1e6 / SIZE;
	s.irq_hz = fmin(cap, s.ops_per_s);
	return s;
}

static uint32_t profile_of(uint32_t cap)
{
	for (uint32_t k = 0; k < 5; k++)
		if (profiles[k] == cap)
			return k;
	fail_msg("cap %u is not one of the kernel's 5 profiles", cap);
	return 0;
}

/* One tick at the cap in force, at speed mbps. */
static uint32_t step_at(struct vfc_controller *c, double mbps)
{
	struct vfc_speed_sample s = smp(mbps, vfc_controller_cap(c));

	return vfc_controller_step(c, &s);
}

/* One tick on a plant given as a speed per profile, after an idle tick (which must change nothing). */
static uint32_t tick_table(struct vfc_controller *c, const double *speed)
{
	uint32_t cap = vfc_controller_cap(c);
	struct vfc_speed_sample idle = { .dt_ns = 100000000ull };

	assert_int_equal(vfc_controller_step(c, &idle), cap);
	return step_at(c, speed[profile_of(cap)]);
}

/* Starts at profile 1 (125 kHz) whatever the cap in force, parked on top with empty stats: the
 * first sample is BETTER than nothing, so it leaves parking towards profile 0. */
static void test_dimk_starts_parked_at_profile_1(void **state)
{
	struct vfc_controller c;

	(void)state;
	ctl_new(&c, "dim:kernel", 5000);
	assert_int_equal(vfc_controller_cap(&c), 125000);
	assert_string_equal(vfc_controller_state(&c), "parked");
	assert_int_equal(c.dimk.prev.bpms, 0);
	ctl_new(&c, "dim:kernel", 0);
	assert_int_equal(vfc_controller_cap(&c), 125000);
	assert_int_equal(step_at(&c, 50), 1000000);
	assert_string_equal(vfc_controller_state(&c), "left");
	/* `dim` starts at the top of its own ladder instead, going down. */
	ctl_new(&c, "dim", 0);
	assert_int_equal(vfc_controller_cap(&c), 64000);
}

/* Anything not BETTER turns: a SAME tick (within 10%) sends it back (dim keeps going on SAME);
 * a BETTER one keeps it going. */
static void test_dimk_turns_on_same(void **state)
{
	static const double flat[5] = { 1000, 1000, 1000, 1000, 1000 };
	static const double rising[5] = { 1000, 1200, 1250, 1250, 1250 };
	struct vfc_controller c;

	(void)state;
	ctl_new(&c, "dim:kernel", 0);
	assert_int_equal(tick_table(&c, flat), 1000000); /* leaves parking, left to profile 0 */
	assert_int_equal(tick_table(&c, flat), 125000);  /* SAME: turns right */
	assert_string_equal(vfc_controller_state(&c), "right");
	assert_int_equal(tick_table(&c, rising), 15625); /* 1200 vs 1000: BETTER, goes on right */
	assert_string_equal(vfc_controller_state(&c), "right");
	assert_int_equal(tick_table(&c, rising), 125000); /* 1250 vs 1200 (4%): SAME, turns left */
	assert_string_equal(vfc_controller_state(&c), "left");
}

/* dim_on_top: after turning, one step back that was BETTER parks there; the reference while
 * parked is the last stats before parking, not the first parked tick. */
static void test_dimk_parks_on_top_reference(void **state)
{
	static const double peak[5] = { 100, 300, 600, 300, 100 };
	const uint32_t want[6] = { 1000000, 125000, 15625, 7813, 15625, 15625 };
	struct vfc_controller c;

	(void)state;
	ctl_new(&c, "dim:kernel", 0);
	for (int t = 0; t < 6; t++)
		assert_int_equal(tick_table(&c, peak), want[t]);
	assert_string_equal(vfc_controller_state(&c), "parked");
	assert_int_equal(c.dimk.prev.bpms, 600000); /* the tick that parked */
	/* 9% below the reference: same, stays (and the reference stays). */
	assert_int_equal(step_at(&c, 545), 15625);
	assert_string_equal(vfc_controller_state(&c), "parked");
	assert_int_equal(c.dimk.prev.bpms, 600000);
	/* 11.7% below the reference but 2.8% below the first parked tick: leaves parking, left. */
	assert_int_equal(step_at(&c, 530), 125000);
	assert_string_equal(vfc_controller_state(&c), "left");
}

/* Tired counts steps (turns included) up to 2 x 5 = 10, then rests 10 ticks counting down. */
static void test_dimk_tired_in_steps(void **state)
{
	static const double flat[5] = { 1000, 1000, 1000, 1000, 1000 };
	struct vfc_controller c;
	int t;

	(void)state;
	ctl_new(&c, "dim:kernel", 0);
	for (t = 1; t <= 10; t++) {
		uint32_t cap = tick_table(&c, flat);

		assert_int_equal(cap, t % 2 ? 1000000 : 125000); /* turning back and forth on SAME */
		assert_int_equal(c.dimk.tired, (uint32_t)t);
		assert_string_not_equal(vfc_controller_state(&c), "tired");
	}
	assert_int_equal(tick_table(&c, flat), 125000); /* step 11: too tired */
	assert_string_equal(vfc_controller_state(&c), "tired");
	for (t = 12; t <= 20; t++) {
		assert_int_equal(tick_table(&c, flat), 125000);
		assert_string_equal(vfc_controller_state(&c), "tired");
		assert_int_equal(c.dimk.tired, (uint32_t)(21 - t));
	}
	assert_int_equal(tick_table(&c, flat), 1000000); /* tick 21: rested, left */
	assert_string_equal(vfc_controller_state(&c), "left");
	assert_int_equal(c.dimk.tired, 1);
}

/* Five profiles: a plant that always prefers fewer interrupts drives it to the last, 256 us =
 * 3906 Hz, where stepping off the edge parks it. */
static void test_dimk_five_profiles_edge(void **state)
{
	static const double falling[5] = { 400, 600, 800, 1000, 1200 };
	const uint32_t want[6] = { 1000000, 125000, 15625, 7813, 3906, 3906 };
	struct vfc_controller c;

	(void)state;
	ctl_new(&c, "dim:kernel", 0);
	for (int t = 0; t < 6; t++)
		assert_int_equal(tick_table(&c, falling), want[t]);
	assert_string_equal(vfc_controller_state(&c), "parked");
	assert_int_equal(c.dimk.ix, 4);
}

/* A noisy plant (16 KiB at depth 32, +-10%): never a cap outside the five, and the same
 * stream gives the same caps. */
static void test_dimk_noisy_deterministic(void **state)
{
	struct vfc_controller a, b;
	struct plant pa = plant_workload(16, 32, 7), pb = plant_workload(16, 32, 7);
	uint32_t seen = 0;

	(void)state;
	pa.noise = pb.noise = 0.10;
	ctl_new(&a, "dim:kernel", 0);
	ctl_new(&b, "dim:kernel", 0);
	for (int t = 0; t < 2000; t++) {
		struct vfc_speed_sample sa = plant_tick(&pa, vfc_controller_cap(&a));
		struct vfc_speed_sample sb = plant_tick(&pb, vfc_controller_cap(&b));
		uint32_t ca = vfc_controller_step(&a, &sa);

		assert_int_equal(ca, vfc_controller_step(&b, &sb));
		seen |= 1u << profile_of(ca);
	}
	assert_memory_equal(&a.dimk, &b.dimk, sizeof(a.dimk));
	assert_true(seen & (1u << 2)); /* it reached this workload's region (5 kHz best) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dimk_starts_parked_at_profile_1),
		cmocka_unit_test(test_dimk_turns_on_same),
		cmocka_unit_test(test_dimk_parks_on_top_reference),
		cmocka_unit_test(test_dimk_tired_in_steps),
		cmocka_unit_test(test_dimk_five_profiles_edge),
		cmocka_unit_test(test_dimk_noisy_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
