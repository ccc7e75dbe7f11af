/* SPDX-License-Identifier: MIT */
/* test_sim_queue.c - the simulator's event queue: a radix heap with slots, against a reference list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/event_queue.h"

#define NSLOT 6
#define REF_MAX 4096

/* The reference: every pending event; slot events have kind 1, bucketed ones kind 2. */
struct ref { uint64_t t; uint32_t kind, id; };

static struct ref ref[REF_MAX];
static size_t nref;

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A delay from now: 0 (ties) or spread over 1 ns .. 2^24 ns. */
static uint64_t delay(uint64_t *s)
{
	uint64_t r = rnd(s);

	return r % 8 == 0 ? 0 : (r >> 8) % (1ull << (1 + (r >> 40) % 24));
}

static void ref_drop_slot(uint32_t i)
{
	for (size_t k = 0; k < nref; k++)
		if (ref[k].kind == 1 && ref[k].id == i) {
			ref[k] = ref[--nref];
			return;
		}
}

/*
 * Random pushes, slot sets (some replacing a pending slot event) and pops:
 * each pop is the earliest pending event; on a tie, a bucketed event before
 * a slot's and the lowest slot first; every event comes out once.
 */
static void run(uint32_t nslot, uint64_t seed)
{
	struct vfc__sim_heap h;
	uint64_t now = 0, s = seed;
	uint32_t next_id = 0;

	memset(&h, 0, sizeof(h));
	nref = 0;
	if (nslot)
		assert_int_equal(vfc__sim_heap_slots(&h, nslot, 1), 0);
	for (int step = 0; step < 60000; step++) {
		uint64_t r = rnd(&s) % 10;

		if (r < 4 && nref < REF_MAX - NSLOT) {
			uint64_t t = now + delay(&s);

			assert_int_equal(vfc__sim_heap_push(&h, t, 2, 0, next_id), 0);
			ref[nref++] = (struct ref){ t, 2, next_id++ };
		} else if (r < 6 && nref < REF_MAX - NSLOT) {
			uint32_t i = (uint32_t)(rnd(&s) % NSLOT);
			uint64_t t = now + delay(&s);

			assert_int_equal(vfc__sim_heap_slot(&h, i, t, 1, i), 0);
			if (nslot)
				ref_drop_slot(i);
			ref[nref++] = (struct ref){ t, 1, i };
		} else if (h.n) {
			struct vfc__sim_ev e = { 0 };
			size_t best = 0;

			assert_int_equal(h.n, nref);
			assert_int_equal(vfc__sim_heap_pop(&h, &e), 0);
			for (size_t k = 1; k < nref; k++)
				if (ref[k].t < ref[best].t)
					best = k;
			assert_int_equal(e.t, ref[best].t);
			assert_true(e.t >= now);
			now = e.t;
			/* find it in the reference, and check the tie rule among those at e.t */
			for (size_t k = 0; k < nref; k++) {
				if (ref[k].t != e.t)
					continue;
				if (nslot && (e.kind_sub & 0xff) == 1) {
					assert_int_not_equal(ref[k].kind, 2);
					assert_true(ref[k].id >= e.id);
				}
			}
			for (best = 0; best < nref; best++)
				if (ref[best].t == e.t && ref[best].kind == (e.kind_sub & 0xff) && ref[best].id == e.id)
					break;
			assert_true(best < nref);
			ref[best] = ref[--nref];
		}
	}
	while (h.n) {
		struct vfc__sim_ev e = { 0 };

		assert_int_equal(vfc__sim_heap_pop(&h, &e), 0);
		assert_true(e.t >= now);
		now = e.t;
		nref--;
	}
	assert_int_equal(nref, 0);
	vfc__sim_heap_free(&h);
}

static void test_slots(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 4; seed++)
		run(NSLOT, seed);
}

/* Known answers: a slot in the lowest bucket's range, below and above its one event; a tie. */
static void test_slot_in_bucket(void **state)
{
	struct vfc__sim_heap h;
	struct vfc__sim_ev e = { 0 };

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(vfc__sim_heap_slots(&h, 2, 1), 0);
	assert_int_equal(vfc__sim_heap_push(&h, 100, 2, 0, 7), 0); /* b[7] */
	assert_int_equal(vfc__sim_heap_slot(&h, 1, 90, 1, 1), 0);  /* b[7]'s range too */
	assert_int_equal(vfc__sim_heap_slot(&h, 0, 120, 1, 0), 0);
	assert_int_equal(vfc__sim_heap_pop(&h, &e), 0);
	assert_true(e.t == 90 && e.kind_sub == 1 && e.id == 1);
	assert_int_equal(vfc__sim_heap_slot(&h, 1, 100, 1, 1), 0); /* ties the bucketed event */
	assert_int_equal(vfc__sim_heap_pop(&h, &e), 0);
	assert_true(e.t == 100 && e.kind_sub == 2 && e.id == 7);
	assert_int_equal(vfc__sim_heap_pop(&h, &e), 0);
	assert_true(e.t == 100 && e.kind_sub == 1 && e.id == 1);
	assert_int_equal(vfc__sim_heap_slot(&h, 0, 110, 1, 0), 0); /* replaces 120 */
	assert_int_equal(vfc__sim_heap_push(&h, 115, 2, 0, 8), 0);
	assert_int_equal(vfc__sim_heap_pop(&h, &e), 0);
	assert_true(e.t == 110 && e.id == 0);
	assert_int_equal(vfc__sim_heap_pop(&h, &e), 0);
	assert_true(e.t == 115 && e.id == 8);
	assert_int_equal(h.n, 0);
	vfc__sim_heap_free(&h);
}

/* Without slots (more engines than VFC__SIM_HEAP_SLOTS_MAX), vfc__sim_heap_slot is a push. */
static void test_no_slots(void **state)
{
	(void)state;
	run(0, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_slot_in_bucket),
		cmocka_unit_test(test_no_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
