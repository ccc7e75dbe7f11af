/* SPDX-License-Identifier: MIT */
/* test_ring.c - ring index arithmetic across the 2^32 wrap and a two-thread SPSC stress. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>

#include "core/ring.h"

static void test_entries_ok(void **state)
{
	(void)state;
	assert_false(vfc_ring_entries_ok(0));
	assert_true(vfc_ring_entries_ok(1));
	assert_true(vfc_ring_entries_ok(8));
	assert_true(vfc_ring_entries_ok(4096));
	assert_true(vfc_ring_entries_ok(1u << 31));
	assert_false(vfc_ring_entries_ok(3));
	assert_false(vfc_ring_entries_ok(12));
	assert_false(vfc_ring_entries_ok(4095));
	assert_false(vfc_ring_entries_ok(UINT32_MAX));
}

static void test_slot(void **state)
{
	(void)state;
	assert_int_equal(vfc_ring_slot(0, 8), 0);
	assert_int_equal(vfc_ring_slot(7, 8), 7);
	assert_int_equal(vfc_ring_slot(8, 8), 0);
	assert_int_equal(vfc_ring_slot(13, 8), 5);
	/* Consecutive indices across the wrap map to consecutive slots. */
	assert_int_equal(vfc_ring_slot(UINT32_MAX, 8), 7);
	assert_int_equal(vfc_ring_slot(UINT32_MAX + 1u, 8), 0);
	assert_int_equal(vfc_ring_slot(UINT32_MAX - 4095u, 4096), 0);
	for (uint32_t i = UINT32_MAX - 100; i != 100; i++)
		assert_int_equal(vfc_ring_slot(i + 1, 64), (vfc_ring_slot(i, 64) + 1) % 64);
}

static void test_count_free_wrap(void **state)
{
	uint32_t head, tail;

	(void)state;
	/* Empty and full, away from the wrap. */
	assert_int_equal(vfc_ring_count(5, 5), 0);
	assert_int_equal(vfc_ring_free(5, 5, 8), 8);
	assert_int_equal(vfc_ring_count(5, 13), 8);
	assert_int_equal(vfc_ring_free(5, 13, 8), 0);

	/* tail has wrapped, head has not. */
	head = UINT32_MAX - 2;
	tail = head + 5; /* == 2 */
	assert_int_equal(tail, 2);
	assert_int_equal(vfc_ring_count(head, tail), 5);
	assert_int_equal(vfc_ring_free(head, tail, 8), 3);
	assert_true(vfc_ring_sane(head, tail, 8));
	assert_false(vfc_ring_sane(head, tail, 4));

	/* Full across the wrap. */
	tail = head + 8;
	assert_int_equal(vfc_ring_count(head, tail), 8);
	assert_int_equal(vfc_ring_free(head, tail, 8), 0);
	assert_true(vfc_ring_sane(head, tail, 8));

	/* Both wrapped. */
	head = 3;
	tail = 7;
	assert_int_equal(vfc_ring_count(head, tail), 4);

	/* Walking head through the wrap at every fill level keeps count and free exact. */
	head = UINT32_MAX - 1000;
	for (unsigned int i = 0; i < 3000; i++) {
		uint32_t fill = i % 9;

		assert_int_equal(vfc_ring_count(head, head + fill), fill);
		assert_int_equal(vfc_ring_free(head, head + fill, 8), 8 - fill);
		assert_true(vfc_ring_sane(head, head + fill, 8));
		head++;
	}
}

static void test_insane(void **state)
{
	(void)state;
	/* One past full. */
	assert_false(vfc_ring_sane(10, 19, 8));
	/* tail behind head (a corrupted or hostile index): a huge difference. */
	assert_false(vfc_ring_sane(10, 9, 8));
	assert_false(vfc_ring_sane(0, UINT32_MAX, 4096));
	/* ... also across the wrap. */
	assert_false(vfc_ring_sane(2, UINT32_MAX - 2, 8));
	assert_false(vfc_ring_sane(UINT32_MAX - 2, 7, 8));
	assert_true(vfc_ring_sane(UINT32_MAX - 2, 5, 8));
}

static void test_load_publish(void **state)
{
	_Atomic uint32_t idx = 41;

	(void)state;
	assert_int_equal(vfc_ring_load_own(&idx), 41);
	vfc_ring_publish(&idx, UINT32_MAX);
	assert_int_equal(vfc_ring_load_peer(&idx), UINT32_MAX);
	vfc_ring_publish(&idx, vfc_ring_load_own(&idx) + 1);
	assert_int_equal(vfc_ring_load_peer(&idx), 0);
	vfc_ring_fence();
}

/* ---- two-thread SPSC stress ---- */

#define STRESS_ITEMS 5000000ull
#define STRESS_ENTRIES 64u
#define STRESS_START (UINT32_MAX - 1000000u) /* the indices cross 2^32 during the run */

struct stress_ring {
	alignas(64) _Atomic uint32_t head;
	alignas(64) _Atomic uint32_t tail;
	alignas(64) uint64_t slot[STRESS_ENTRIES];
};

static struct stress_ring ring;

/* Producer: writes 1..STRESS_ITEMS, a burst at a time, publishing each burst once. */
static void *producer(void *arg)
{
	uint64_t next = 1;
	uint32_t tail = vfc_ring_load_own(&ring.tail);

	(void)arg;
	while (next <= STRESS_ITEMS) {
		uint32_t head = vfc_ring_load_peer(&ring.head);
		uint32_t room = vfc_ring_free(head, tail, STRESS_ENTRIES);
		/* Vary the burst so both partial and full batches happen. */
		uint32_t burst = (uint32_t)(next % 7) + 1;

		if (room == 0) {
			sched_yield();
			continue;
		}
		if (burst > room)
			burst = room;
		for (uint32_t i = 0; i < burst && next <= STRESS_ITEMS; i++)
			ring.slot[vfc_ring_slot(tail++, STRESS_ENTRIES)] = next++;
		vfc_ring_publish(&ring.tail, tail);
	}
	return NULL;
}

static void test_spsc_stress(void **state)
{
	pthread_t thr;
	uint64_t expect = 1, bad = 0, first_bad_got = 0, first_bad_want = 0;
	uint32_t head;
	bool crossed = false;

	(void)state;
	atomic_init(&ring.head, STRESS_START);
	atomic_init(&ring.tail, STRESS_START);
	assert_int_equal(pthread_create(&thr, NULL, producer, NULL), 0);

	/* Consumer on the test thread (cmocka asserts are not for other threads). */
	head = vfc_ring_load_own(&ring.head);
	while (expect <= STRESS_ITEMS) {
		uint32_t tail = vfc_ring_load_peer(&ring.tail);
		uint32_t n = vfc_ring_count(head, tail);

		if (!vfc_ring_sane(head, tail, STRESS_ENTRIES)) {
			bad++;
			break;
		}
		if (n == 0) {
			sched_yield();
			continue;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t v = ring.slot[vfc_ring_slot(head++, STRESS_ENTRIES)];

			if (v != expect && !bad++) {
				first_bad_got = v;
				first_bad_want = expect;
			}
			expect++;
		}
		if (head < STRESS_START)
			crossed = true;
		vfc_ring_publish(&ring.head, head);
	}
	assert_int_equal(pthread_join(thr, NULL), 0);
	assert_int_equal(first_bad_got, first_bad_want);
	assert_int_equal(bad, 0);
	assert_int_equal(expect, STRESS_ITEMS + 1);
	assert_true(crossed);
	assert_int_equal(vfc_ring_load_own(&ring.head), vfc_ring_load_peer(&ring.tail));
	assert_int_equal(vfc_ring_load_own(&ring.head), (uint32_t)(STRESS_START + STRESS_ITEMS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_ok),
		cmocka_unit_test(test_slot),
		cmocka_unit_test(test_count_free_wrap),
		cmocka_unit_test(test_insane),
		cmocka_unit_test(test_load_publish),
		cmocka_unit_test(test_spsc_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
