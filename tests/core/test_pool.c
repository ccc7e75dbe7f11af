/* SPDX-License-Identifier: MIT */
/* test_pool.c - the buffer pool allocator: patterns, fragmentation, exhaustion, bad frees, a shadow model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"

#define G 4096u

static struct vfc_pool *mk(uint64_t size, uint32_t granule)
{
	struct vfc_pool *p = vfc_pool_create(size, granule);

	assert_non_null(p);
	return p;
}

static void test_create_args(void **state)
{
	static const uint32_t bad_granules[] = { 0, 1, 32, 63, 65, 96, 4095, UINT32_MAX };
	struct vfc_pool *p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_granules) / sizeof(bad_granules[0]); i++) {
		errno = 0;
		assert_null(vfc_pool_create(1 << 20, bad_granules[i]));
		assert_int_equal(errno, EINVAL);
	}
	errno = 0;
	assert_null(vfc_pool_create(0, 64));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vfc_pool_create(G - 1, G)); /* less than one granule */
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vfc_pool_create(UINT64_MAX, 64));
	assert_int_equal(errno, EINVAL);

	/* A tail shorter than a granule is left out. */
	p = mk(3 * G + 100, G);
	assert_int_equal(vfc_pool_bytes_free(p), 3 * G);
	vfc_pool_free(p);
	p = mk(64, 64);
	assert_int_equal(vfc_pool_bytes_free(p), 64);
	vfc_pool_free(p);
	p = mk(1ull << 31, 1u << 31);
	assert_int_equal(vfc_pool_bytes_free(p), 1ull << 31);
	vfc_pool_free(p);
	vfc_pool_free(NULL);
}

static void test_basic(void **state)
{
	struct vfc_pool *p = mk(16 * G, G);
	int64_t a, b, c;

	(void)state;
	assert_int_equal(vfc_pool_get(p, 0), -EINVAL);
	a = vfc_pool_get(p, 1);
	assert_int_equal(a, 0);
	assert_int_equal(vfc_pool_run_bytes(p, (uint64_t)a), G);
	b = vfc_pool_get(p, G + 1);
	assert_int_equal(b, G);
	assert_int_equal(vfc_pool_run_bytes(p, (uint64_t)b), 2 * G);
	c = vfc_pool_get(p, 3 * G);
	assert_int_equal(c, 3 * G);
	assert_int_equal(vfc_pool_run_bytes(p, (uint64_t)c), 3 * G);
	assert_int_equal(vfc_pool_bytes_free(p), 10 * G);

	/* Interior units are not run starts. */
	assert_int_equal(vfc_pool_run_bytes(p, 4 * G), 0);
	assert_int_equal(vfc_pool_run_bytes(p, 6 * G), 0);

	assert_int_equal(vfc_pool_put(p, (uint64_t)b), 0);
	assert_int_equal(vfc_pool_run_bytes(p, (uint64_t)b), 0);
	assert_int_equal(vfc_pool_bytes_free(p), 12 * G);
	assert_int_equal(vfc_pool_put(p, (uint64_t)a), 0);
	assert_int_equal(vfc_pool_put(p, (uint64_t)c), 0);
	assert_int_equal(vfc_pool_bytes_free(p), 16 * G);

	/* Everything at once, then nothing is left. */
	a = vfc_pool_get(p, 16 * G);
	assert_true(a >= 0);
	assert_int_equal(a, 0);
	assert_int_equal(vfc_pool_bytes_free(p), 0);
	assert_int_equal(vfc_pool_get(p, 1), -ENOMEM);
	assert_int_equal(vfc_pool_put(p, 0), 0);
	vfc_pool_free(p);
}

static void test_exhaustion(void **state)
{
	struct vfc_pool *p = mk(8 * G, G);
	int64_t off[8];

	(void)state;
	assert_int_equal(vfc_pool_get(p, 8 * G + 1), -ENOMEM);
	assert_int_equal(vfc_pool_get(p, UINT64_MAX), -ENOMEM); /* no overflow when rounding up */
	assert_int_equal(vfc_pool_get(p, UINT64_MAX - G + 2), -ENOMEM);
	assert_int_equal(vfc_pool_get(p, 1ull << 63), -ENOMEM);
	for (int i = 0; i < 8; i++) {
		off[i] = vfc_pool_get(p, G);
		assert_true(off[i] >= 0);
	}
	assert_int_equal(vfc_pool_bytes_free(p), 0);
	assert_int_equal(vfc_pool_get(p, 1), -ENOMEM);
	assert_int_equal(vfc_pool_get(p, 64), -ENOMEM);
	assert_int_equal(vfc_pool_put(p, (uint64_t)off[5]), 0);
	assert_int_equal(vfc_pool_get(p, 2 * G), -ENOMEM);
	assert_int_equal(vfc_pool_get(p, G), off[5]);
	vfc_pool_free(p);
}

static void test_fragmentation(void **state)
{
	struct vfc_pool *p = mk(32 * G, G);

	(void)state;
	for (uint64_t u = 0; u < 32; u++)
		assert_int_equal(vfc_pool_get(p, G), (int64_t)(u * G));
	/* Free every other unit: half the pool free, no two free units adjacent. */
	for (uint64_t u = 0; u < 32; u += 2)
		assert_int_equal(vfc_pool_put(p, u * G), 0);
	assert_int_equal(vfc_pool_bytes_free(p), 16 * G);
	assert_int_equal(vfc_pool_get(p, 2 * G), -ENOMEM);
	assert_int_equal(vfc_pool_get(p, G + 1), -ENOMEM);
	assert_int_equal(vfc_pool_bytes_free(p), 16 * G);
	/* Freeing unit 21 joins 20..22 into a run of three. */
	assert_int_equal(vfc_pool_put(p, 21 * G), 0);
	assert_int_equal(vfc_pool_get(p, 4 * G), -ENOMEM);
	assert_int_equal(vfc_pool_get(p, 3 * G), 20 * G);
	assert_int_equal(vfc_pool_run_bytes(p, 20 * G), 3 * G);
	/* Freeing the odd units from 1 to 9 makes a run 0..10 of eleven. */
	for (uint64_t u = 1; u < 10; u += 2)
		assert_int_equal(vfc_pool_put(p, u * G), 0);
	assert_int_equal(vfc_pool_get(p, 11 * G), 0);
	vfc_pool_free(p);
}

static void test_rotating_hint(void **state)
{
	struct vfc_pool *p = mk(8 * G, G);

	(void)state;
	assert_int_equal(vfc_pool_get(p, G), 0);
	assert_int_equal(vfc_pool_put(p, 0), 0);
	/* The search goes on after the last run handed out, not back at the start ... */
	assert_int_equal(vfc_pool_get(p, G), G);
	assert_int_equal(vfc_pool_get(p, 5 * G), 2 * G);
	/* Free: units 0 and 7, no two adjacent. */
	assert_int_equal(vfc_pool_get(p, 2 * G), -ENOMEM);
	assert_int_equal(vfc_pool_put(p, G), 0);
	/* ... and wraps around to the start when the end is too small. */
	assert_int_equal(vfc_pool_get(p, 2 * G), 0);
	assert_int_equal(vfc_pool_get(p, G), 7 * G);
	assert_int_equal(vfc_pool_bytes_free(p), 0);
	vfc_pool_free(p);
}

static void test_bad_put(void **state)
{
	struct vfc_pool *p = mk(16 * G, G);
	int64_t a;

	(void)state;
	a = vfc_pool_get(p, 3 * G);
	assert_int_equal(a, 0);
	assert_int_equal(vfc_pool_put(p, 1), -EINVAL);          /* not aligned */
	assert_int_equal(vfc_pool_put(p, G / 2), -EINVAL);      /* not aligned, inside the run */
	assert_int_equal(vfc_pool_put(p, G), -EINVAL);          /* an interior unit */
	assert_int_equal(vfc_pool_put(p, 2 * G), -EINVAL);      /* the last unit of the run */
	assert_int_equal(vfc_pool_put(p, 3 * G), -EINVAL);      /* a free unit */
	assert_int_equal(vfc_pool_put(p, 16 * G), -EINVAL);     /* one past the end */
	assert_int_equal(vfc_pool_put(p, UINT64_MAX), -EINVAL);
	assert_int_equal(vfc_pool_put(p, UINT64_MAX - G + 1), -EINVAL);
	assert_int_equal(vfc_pool_put(p, 1ull << 63), -EINVAL);
	assert_int_equal(vfc_pool_run_bytes(p, UINT64_MAX), 0);
	assert_int_equal(vfc_pool_run_bytes(p, 1ull << 63), 0);
	/* None of that changed anything. */
	assert_int_equal(vfc_pool_bytes_free(p), 13 * G);
	assert_int_equal(vfc_pool_run_bytes(p, 0), 3 * G);
	assert_int_equal(vfc_pool_put(p, 0), 0);
	assert_int_equal(vfc_pool_put(p, 0), -EINVAL); /* double put */
	assert_int_equal(vfc_pool_bytes_free(p), 16 * G);
	/* A double put after the space was reused by another, larger run. */
	a = vfc_pool_get(p, 10 * G);
	assert_true(a >= 0);
	assert_int_equal(vfc_pool_put(p, (uint64_t)a + G), -EINVAL);
	assert_int_equal(vfc_pool_bytes_free(p), 6 * G);
	vfc_pool_free(p);
}

/* ---- randomized against a shadow model ---- */

#define SH_UNITS 200
#define SH_STEPS 200000

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

/* The longest free stretch in the shadow map. */
static unsigned int longest_free(const int *owner)
{
	unsigned int best = 0, run = 0;

	for (unsigned int u = 0; u < SH_UNITS; u++) {
		run = owner[u] < 0 ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void test_shadow(void **state)
{
	const uint32_t gran = 64;
	struct vfc_pool *p = mk(SH_UNITS * gran + 17, gran);
	int owner[SH_UNITS];                         /* run id per unit, -1 = free */
	uint64_t live_off[SH_UNITS], live_units[SH_UNITS];
	unsigned int nlive = 0, free_units = SH_UNITS;
	unsigned long gets = 0, nomem = 0, puts = 0, badputs = 0;
	int next_id = 0;

	(void)state;
	for (unsigned int u = 0; u < SH_UNITS; u++)
		owner[u] = -1;
	for (unsigned int step = 0; step < SH_STEPS; step++) {
		unsigned int r = (unsigned int)(rnd() % 100);

		if (r < 50 || nlive == 0) {
			/* Mostly small, sometimes large requests; any byte length. */
			uint64_t len = rnd() % 8 ? 1 + rnd() % (4 * gran) : 1 + rnd() % (40 * gran);
			uint64_t need = (len + gran - 1) / gran;
			int64_t off = vfc_pool_get(p, len);

			if (off == -ENOMEM) {
				/* First fit over the whole pool: only when no stretch is long enough. */
				assert_true(longest_free(owner) < need);
				nomem++;
			} else {
				uint64_t u0;

				assert_true(off >= 0);
				assert_int_equal((uint64_t)off % gran, 0);
				u0 = (uint64_t)off / gran;
				assert_true(u0 + need <= SH_UNITS);
				for (uint64_t u = u0; u < u0 + need; u++) {
					if (owner[u] >= 0)
						fail_msg("step %u: unit %llu handed out twice", step,
							 (unsigned long long)u);
					owner[u] = next_id;
				}
				next_id++;
				assert_int_equal(vfc_pool_run_bytes(p, (uint64_t)off), need * gran);
				live_off[nlive] = (uint64_t)off;
				live_units[nlive] = need;
				nlive++;
				free_units -= (unsigned int)need;
				gets++;
			}
		} else if (r < 95) {
			unsigned int i = (unsigned int)(rnd() % nlive);
			uint64_t u0 = live_off[i] / gran;

			assert_int_equal(vfc_pool_put(p, live_off[i]), 0);
			for (uint64_t u = u0; u < u0 + live_units[i]; u++)
				owner[u] = -1;
			free_units += (unsigned int)live_units[i];
			live_off[i] = live_off[nlive - 1];
			live_units[i] = live_units[nlive - 1];
			nlive--;
			puts++;
		} else {
			/* A put the shadow says is bad: interior, free, unaligned or past the end. */
			uint64_t off = rnd() % ((SH_UNITS + 2) * gran);
			uint64_t u = off / gran;
			bool start = off % gran == 0 && u < SH_UNITS && owner[u] >= 0 &&
				     (u == 0 || owner[u - 1] != owner[u]);

			if (!start) {
				assert_int_equal(vfc_pool_put(p, off), -EINVAL);
				assert_int_equal(vfc_pool_run_bytes(p, off), 0);
				badputs++;
			}
		}
		assert_int_equal(vfc_pool_bytes_free(p), (uint64_t)free_units * gran);
	}
	/* Give everything back: the whole pool is one free stretch again. */
	while (nlive)
		assert_int_equal(vfc_pool_put(p, live_off[--nlive]), 0);
	assert_int_equal(vfc_pool_bytes_free(p), SH_UNITS * gran);
	assert_int_equal(vfc_pool_get(p, SH_UNITS * gran), 0);
	/* The run exercised every path. */
	assert_true(gets > 10000);
	assert_true(nomem > 100);
	assert_true(puts > 10000);
	assert_true(badputs > 1000);
	vfc_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_fragmentation),
		cmocka_unit_test(test_rotating_hint),
		cmocka_unit_test(test_bad_put),
		cmocka_unit_test(test_shadow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
