/* SPDX-License-Identifier: MIT */
/* test_speed_sample.c - the speed monitor: rates, wrap-safe deltas (64- and 32-bit sources), ticking. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/speed_sample.h"

static void test_rates(void **state)
{
	struct vfc_mon_counters a = { .t_ns = 1000000000ull, .bytes = 0, .ops = 0, .irqs = 0, .cpu_ns = 0 };
	struct vfc_mon_counters b = { .t_ns = 1100000000ull, .bytes = 131072000, .ops = 8000, .irqs = 500,
				      .cpu_ns = 50000000 };
	struct vfc_speed_sample s;

	(void)state;
	assert_int_equal(vfc_mon_sample(&a, &b, 5000, 32, &s), 0);
	assert_int_equal(s.dt_ns, 100000000ull);
	assert_int_equal(s.t_ns, 1100000000ull);
	assert_float_equal(s.mbps, 1310.72, 1e-9);      /* 131072000 B in 0.1 s */
	assert_float_equal(s.ops_per_s, 80000.0, 1e-9);
	assert_float_equal(s.irq_hz, 5000.0, 1e-9);
	assert_float_equal(s.cpu_frac, 0.5, 1e-12);
	assert_float_equal(s.mean_req_bytes, 16384.0, 1e-9);
	assert_int_equal(s.cap_hz, 5000);
	assert_int_equal(s.depth, 32);
}

static void test_wrap64(void **state)
{
	/* Every counter wraps at 2^64 between the two readings. */
	struct vfc_mon_counters a = { .t_ns = UINT64_MAX - 49999999ull, .bytes = UINT64_MAX - 999,
				      .ops = UINT64_MAX, .irqs = UINT64_MAX - 4, .cpu_ns = UINT64_MAX };
	struct vfc_mon_counters b = { .t_ns = 50000000ull, .bytes = 1000, .ops = 9, .irqs = 5, .cpu_ns = 9999999 };
	struct vfc_speed_sample s;

	(void)state;
	assert_int_equal(vfc_mon_sample(&a, &b, 0, 0, &s), 0);
	assert_int_equal(s.dt_ns, 100000000ull);
	assert_float_equal(s.mbps, 2000.0 / 0.1 * 1e-6, 1e-12);
	assert_float_equal(s.ops_per_s, 100.0, 1e-9);
	assert_float_equal(s.irq_hz, 100.0, 1e-9);
	assert_float_equal(s.cpu_frac, 0.1, 1e-12);
	assert_float_equal(s.mean_req_bytes, 200.0, 1e-9);
	assert_int_equal(vfc_mon_delta64(UINT64_MAX, 0), 1);
	assert_int_equal(vfc_mon_delta64(5, 5), 0);
}

static void test_wrap32(void **state)
{
	uint64_t acc = 0;
	uint32_t src = UINT32_MAX - 10;

	(void)state;
	assert_int_equal(vfc_mon_delta32(UINT32_MAX - 2, 3), 6);
	/* A 32-bit source that wraps twice, widened into a monotonic 64-bit counter. */
	acc = vfc_mon_widen32(acc, src);
	assert_int_equal(acc, (uint64_t)UINT32_MAX - 10);
	for (int i = 0; i < 3; i++) {
		uint64_t before = acc;

		src += 3000000000u; /* wraps */
		acc = vfc_mon_widen32(acc, src);
		assert_int_equal(acc - before, 3000000000ull);
		assert_int_equal((uint32_t)acc, src);
	}
	assert_int_equal(acc, (uint64_t)UINT32_MAX - 10 + 9000000000ull);
}

static void test_bad_input(void **state)
{
	struct vfc_mon_counters a = { .t_ns = 5 }, b = { .t_ns = 5, .bytes = 10, .ops = 1 };
	struct vfc_speed_sample s = { .mbps = 42.0 };

	(void)state;
	assert_int_equal(vfc_mon_sample(&a, &b, 0, 0, &s), -EINVAL); /* no time passed */
	assert_float_equal(s.mbps, 42.0, 0);                          /* untouched */
	assert_int_equal(vfc_mon_sample(NULL, &b, 0, 0, &s), -EINVAL);
	assert_int_equal(vfc_mon_sample(&a, &b, 0, 0, NULL), -EINVAL);
	/* No op completed: the mean request size is 0, not a division by zero. */
	b.t_ns = 10;
	b.ops = 0;
	assert_int_equal(vfc_mon_sample(&a, &b, 0, 0, &s), 0);
	assert_float_equal(s.mean_req_bytes, 0.0, 0);
}

static void test_tick(void **state)
{
	struct vfc_mon m;
	struct vfc_mon_counters c = { 0 };
	struct vfc_speed_sample s;
	int ticks = 0;

	(void)state;
	assert_true(vfc_mon_tick_due(200, 100, 100));
	assert_false(vfc_mon_tick_due(199, 100, 100));
	assert_true(vfc_mon_tick_due(50, UINT64_MAX - 49, 100)); /* the clock wrapped */
	assert_false(vfc_mon_tick_due(48, UINT64_MAX - 49, 100));

	vfc_mon_init(&m, 0);
	assert_int_equal(m.tick_ns, VFC_MON_DEFAULT_TICK_NS);
	vfc_mon_init(&m, 1000);
	/* Completions every 100 ns, 4 KiB each: a tick (sample) every 1000 ns. */
	for (int i = 0; i <= 100; i++) {
		c.t_ns = (uint64_t)i * 100;
		c.bytes = (uint64_t)i * 4096;
		c.ops = (uint64_t)i;
		if (vfc_mon_poll(&m, &c, 7, 3, &s)) {
			ticks++;
			assert_int_equal(s.dt_ns, 1000);
			assert_float_equal(s.mean_req_bytes, 4096.0, 1e-9);
			assert_float_equal(s.ops_per_s, 1e7, 1e-3);
			assert_int_equal(s.cap_hz, 7);
			assert_int_equal(s.depth, 3);
		}
	}
	assert_int_equal(ticks, 10);
	vfc_mon_reset(&m);
	assert_int_equal(vfc_mon_poll(&m, &c, 0, 0, &s), 0); /* primes only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),    cmocka_unit_test(test_wrap64), cmocka_unit_test(test_wrap32),
		cmocka_unit_test(test_bad_input), cmocka_unit_test(test_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
