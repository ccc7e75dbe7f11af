/* SPDX-License-Identifier: MIT */
/* speed_sample.h - the speed monitor's sample math: rates from cumulative, wrap-safe counters, one sample per tick. */
#ifndef VFC_CORE_SPEED_SAMPLE_H
#define VFC_CORE_SPEED_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Cumulative counters as read at one instant. Every field is free-running:
 * only the difference between two readings means anything, and the
 * difference is taken modulo 2^64, so a counter that wraps between two
 * readings still gives the right delta (as long as it advanced by less than
 * 2^64, which it always does). Sources that count in 32 bits (the VF
 * region's counters may) are widened with vfc_mon_widen32() first.
 */
struct vfc_mon_counters {
	uint64_t t_ns;   /* the caller's monotonic clock */
	uint64_t bytes;  /* payload bytes completed */
	uint64_t ops;    /* requests completed */
	uint64_t irqs;   /* interrupts received */
	uint64_t cpu_ns; /* CPU time spent by the tenant (0 if unknown) */
};

/* One tick's worth of measurements: what every controller is fed. */
struct vfc_speed_sample {
	uint64_t t_ns;          /* end of the tick */
	uint64_t dt_ns;         /* length of the tick (> 0) */
	double mbps;            /* payload speed, MB/s (10^6 B/s) */
	double ops_per_s;       /* completed requests per second */
	double irq_hz;          /* interrupts per second */
	double cpu_frac;        /* CPU time / wall time (may exceed 1 with several threads) */
	double mean_req_bytes;  /* bytes / ops (0 when no request completed) */
	uint32_t cap_hz;        /* interrupt cap in force during the tick (0 = none) */
	uint32_t depth;         /* requests in flight observed by the caller (0 = unknown) */
};

/* Wrap-safe deltas. */
static inline uint64_t vfc_mon_delta64(uint64_t prev, uint64_t cur)
{
	return cur - prev; /* modulo 2^64 by the C rules for unsigned arithmetic */
}

static inline uint32_t vfc_mon_delta32(uint32_t prev, uint32_t cur)
{
	return cur - prev; /* modulo 2^32 */
}

/*
 * Extend a 32-bit wrapping counter into a 64-bit cumulative one: given the
 * previous 64-bit value (whose low 32 bits are the previous 32-bit reading)
 * and the new 32-bit reading, return the new 64-bit value. Correct as long
 * as the source advanced by less than 2^32 between the two readings.
 */
static inline uint64_t vfc_mon_widen32(uint64_t prev64, uint32_t cur32)
{
	return prev64 + vfc_mon_delta32((uint32_t)prev64, cur32);
}

/*
 * Rates between two readings. cap_hz and depth are copied into the sample
 * (the cap in force during the interval, the queue depth the caller
 * observed, 0 if unknown). Returns 0, or -EINVAL if a pointer is NULL or no
 * time passed (cur->t_ns == prev->t_ns): *s is then left untouched.
 */
int vfc_mon_sample(const struct vfc_mon_counters *prev, const struct vfc_mon_counters *cur, uint32_t cap_hz,
		   uint32_t depth, struct vfc_speed_sample *s);

/* Is a tick due at now_ns, the last one having been at last_tick_ns? Wrap-safe. */
static inline bool vfc_mon_tick_due(uint64_t now_ns, uint64_t last_tick_ns, uint64_t tick_ns)
{
	return vfc_mon_delta64(last_tick_ns, now_ns) >= tick_ns;
}

/*
 * A caller-owned monitor: remembers the previous reading and ticks every
 * tick_ns. The driver calls vfc_mon_poll() from its completion path with
 * fresh counters; it returns 1 and fills *s when a tick was due (the
 * reading then becomes the new reference), 0 otherwise.
 */
struct vfc_mon {
	uint64_t tick_ns;
	struct vfc_mon_counters prev;
	bool primed; /* prev holds a reading */
};

#define VFC_MON_DEFAULT_TICK_NS 100000000ull /* 100 ms */

/* tick_ns 0 selects VFC_MON_DEFAULT_TICK_NS. */
void vfc_mon_init(struct vfc_mon *m, uint64_t tick_ns);
/* Forget the reference reading (after a VF reset, say): the next poll only primes. */
void vfc_mon_reset(struct vfc_mon *m);
int vfc_mon_poll(struct vfc_mon *m, const struct vfc_mon_counters *cur, uint32_t cap_hz, uint32_t depth,
		 struct vfc_speed_sample *s);

#endif
