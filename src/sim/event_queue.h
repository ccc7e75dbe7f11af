/* SPDX-License-Identifier: MIT */
/* event_queue.h - the simulator's event queue: a radix heap keyed by integer ns time. */
#ifndef VFC_SIM_EVENT_QUEUE_H
#define VFC_SIM_EVENT_QUEUE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Events live in one radix heap keyed by time. Ties are broken by the
 * heap's own (deterministic) order: the same scenario replays the same
 * sequence of pushes and pops, so the result is reproducible without a
 * sequence number. Stale timer events are recognised and skipped (lazy
 * cancellation) rather than removed.
 */
enum vfc__sim_ev_kind {
	VFC__SIM_EV_ENGINE = 1, /* an engine finished a segment: id = engine */
	VFC__SIM_EV_CPU,        /* a tenant vCPU core finished a job: id = vf, sub = core */
	VFC__SIM_EV_MODER,      /* a moderation deadline: id = vf */
	VFC__SIM_EV_ARRIVAL,    /* an open-loop arrival: id = vf */
	VFC__SIM_EV_TICK,       /* the controllers' tick */
	VFC__SIM_EV_PHASE,      /* a group's phase starts: id = group, sub = phase index */
	VFC__SIM_EV_WAKE,       /* the tenant woke up after an interrupt: id = vf */
	VFC__SIM_EV_END,
	VFC__SIM_EV_CUT,        /* the aggregated mode: a sampled piece ends (sample.c) */
};

struct vfc__sim_ev {
	uint64_t t;
	uint32_t kind_sub; /* kind in the low 8 bits, sub above */
	uint32_t id;
};

struct vfc__sim_bucket {
	struct vfc__sim_ev *v;
	uint32_t n, cap;
};

/*
 * A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990): the simulation clock
 * never goes back, so an event is filed in bucket k = the position of the
 * highest bit in which its time differs from the last time taken (0: equal).
 * A push is a clz and an append; a pop takes from b[0], or first refiles
 * the lowest non-empty bucket around its smallest time (each event moves
 * down a few times over its life). Ties: b[0] is a stack, refiling keeps
 * array order: deterministic. (Why a radix heap: docs/sim.md, Benchmark.)
 */
struct vfc__sim_heap {
	struct vfc__sim_bucket b[65]; /* b[k]: events whose time differs from last in bit k-1 at the highest */
	uint64_t last;       /* the time of the last event taken (times never go below it) */
	uint64_t mask;       /* bit k-1 set: b[k] is not empty (k >= 1) */
	size_t n;
};

/* Double b's array (the first: 64 events). 0 or -ENOMEM. */
int vfc__sim_bucket_grow(struct vfc__sim_bucket *b);
void vfc__sim_heap_free(struct vfc__sim_heap *h);

static inline unsigned vfc__sim_heap_bucket(const struct vfc__sim_heap *h, uint64_t t)
{
	return t == h->last ? 0 : 64 - (unsigned)__builtin_clzll(t ^ h->last);
}

/* File an event of kind (sub: the kind's own argument, 24 bits; id: a VF, engine or group) at time t. 0 or -ENOMEM. */
static inline int vfc__sim_heap_push(struct vfc__sim_heap *h, uint64_t t, uint32_t kind, uint32_t sub, uint32_t id)
{
	unsigned k;
	struct vfc__sim_bucket *b;

	if (t < h->last)
		t = h->last; /* never earlier than now (not reached: handlers schedule at now or later) */
	k = vfc__sim_heap_bucket(h, t);
	b = &h->b[k];
	if (b->n == b->cap && vfc__sim_bucket_grow(b))
		return -ENOMEM;
	b->v[b->n++] = (struct vfc__sim_ev){ t, kind | (sub << 8), id };
	if (k)
		h->mask |= 1ull << (k - 1);
	h->n++;
	return 0;
}

/* The earliest event (h->n > 0). Returns -ENOMEM if refiling needed memory it could not get. */
static inline int vfc__sim_heap_pop(struct vfc__sim_heap *h, struct vfc__sim_ev *out)
{
	struct vfc__sim_bucket *b0 = &h->b[0];

	if (!b0->n) {
		unsigned k = (unsigned)__builtin_ctzll(h->mask) + 1;
		struct vfc__sim_bucket *b = &h->b[k];
		uint64_t min = UINT64_MAX;

		h->mask &= ~(1ull << (k - 1));
		if (b->n == 1) {
			/* the common case: one event, the next one */
			h->last = b->v[0].t;
			b->n = 0;
			*out = b->v[0];
			h->n--;
			return 0;
		}
		for (uint32_t i = 0; i < b->n; i++)
			if (b->v[i].t < min)
				min = b->v[i].t;
		h->last = min;
		for (uint32_t i = 0; i < b->n; i++) {
			unsigned j = vfc__sim_heap_bucket(h, b->v[i].t); /* < k */
			struct vfc__sim_bucket *d = &h->b[j];

			if (d->n == d->cap && vfc__sim_bucket_grow(d))
				return -ENOMEM;
			d->v[d->n++] = b->v[i];
			if (j)
				h->mask |= 1ull << (j - 1);
		}
		b->n = 0;
	}
	*out = b0->v[--b0->n];
	h->n--;
	return 0;
}

#endif
