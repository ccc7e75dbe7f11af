/* SPDX-License-Identifier: MIT */
/* ring.h - SPSC ring index arithmetic over free-running 32-bit indices (C11 atomics). */
#ifndef VFC_CORE_RING_H
#define VFC_CORE_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A ring of `entries` slots (a power of two) between one producer and one
 * consumer. `head` is the consumer's index (next slot to read), `tail` the
 * producer's (next slot to write). Both are free-running uint32 counters:
 * they wrap at 2^32 and only their difference means anything, so
 * tail - head (mod 2^32) is the fill level, valid while it is <= entries.
 *
 * Memory ordering: the producer writes a slot, then publishes it with a
 * release store of tail; the consumer reads tail with acquire, so the slot's
 * contents are visible before it reads them. Symmetrically the consumer frees
 * slots with a release store of head and the producer reads head with acquire
 * before it overwrites them. A side reads its own index relaxed: nobody else
 * writes it.
 *
 * Sleep/wake (doorbell and interrupt) uses the Dekker pattern: the waker
 * publishes its index, then issues a seq_cst fence and reads the sleeper's
 * flag; the sleeper sets its flag, issues a seq_cst fence and re-reads the
 * index. At least one of them sees the other's store, so no wakeup is lost.
 */

static inline bool vfc_ring_entries_ok(uint32_t entries)
{
	return entries != 0 && (entries & (entries - 1)) == 0;
}

static inline uint32_t vfc_ring_slot(uint32_t index, uint32_t entries)
{
	return index & (entries - 1);
}

/* Fill level; meaningful only when vfc_ring_sane() holds. */
static inline uint32_t vfc_ring_count(uint32_t head, uint32_t tail)
{
	return tail - head; /* unsigned wrap-around is the point */
}

static inline uint32_t vfc_ring_free(uint32_t head, uint32_t tail, uint32_t entries)
{
	return entries - (tail - head);
}

/* A pair of indices a well-behaved peer can have produced. */
static inline bool vfc_ring_sane(uint32_t head, uint32_t tail, uint32_t entries)
{
	return tail - head <= entries;
}

/* Producer: read the consumer's head (acquire: slots it freed are ours to overwrite). */
static inline uint32_t vfc_ring_load_peer(_Atomic uint32_t *idx)
{
	return atomic_load_explicit(idx, memory_order_acquire);
}

/* Own index: only this side writes it. */
static inline uint32_t vfc_ring_load_own(_Atomic uint32_t *idx)
{
	return atomic_load_explicit(idx, memory_order_relaxed);
}

/* Publish slots written (producer, tail) or freed (consumer, head). */
static inline void vfc_ring_publish(_Atomic uint32_t *idx, uint32_t value)
{
	atomic_store_explicit(idx, value, memory_order_release);
}

/* The seq_cst fence of the Dekker pattern described above.
 * Workaround: GCC >= 12 warns (-Wtsan, an error under -Werror) that ThreadSanitizer does not model
 * atomic_thread_fence. The fence is still emitted and correct; TSan only cannot see it, which costs
 * nothing here: the Dekker fence orders a flag against an index (a lost-wakeup matter, not a data
 * race), and the slots' happens-before comes from the release/acquire pairs above. */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
static inline void vfc_ring_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

#endif
