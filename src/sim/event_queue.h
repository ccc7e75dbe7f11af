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
	size_t n;            /* events pending, slots' included */
	/*
	 * Slots: a few sources with one pending event each at most (the engines:
	 * two thirds of all events on a busy device), kept beside the buckets in
	 * a ring sorted by (time, slot), sq[shead .. stail - 1], rather than
	 * refiled through them. A slot's new event is usually the latest: its
	 * insertion is one comparison. Ties: the buckets' events first, then the
	 * lowest slot. (docs/sim.md, "The aggregated mode at fleet scale".)
	 */
	struct vfc__sim_slot { uint64_t t; uint32_t i; } sq[64];
	uint32_t shead, stail;
	uint32_t nslot, skind;
	uint8_t *spending;   /* [nslot]: the slot has an event in sq */
};

/* Slots at most (the ring holds 64): more sources than this go through the buckets. */
#define VFC__SIM_HEAP_SLOTS_MAX 32

/* Double b's array (the first: 64 events). 0 or -ENOMEM. */
int vfc__sim_bucket_grow(struct vfc__sim_bucket *b);
void vfc__sim_heap_free(struct vfc__sim_heap *h);
/* n slots for events of kind (n <= VFC__SIM_HEAP_SLOTS_MAX; 0 or -ENOMEM); their events go through vfc__sim_heap_slot. */
int vfc__sim_heap_slots(struct vfc__sim_heap *h, uint32_t n, uint32_t kind);
/* Take slot i's pending event out of the ring (a slot's event replaced). */
void vfc__sim_heap_slot_drop(struct vfc__sim_heap *h, uint32_t i);

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

/*
 * Slot i's event at time t (it had none, or this one replaces it): kind and
 * id as given to vfc__sim_heap_slots, or, without slots, a push of (kind, id).
 */
static inline int vfc__sim_heap_slot(struct vfc__sim_heap *h, uint32_t i, uint64_t t, uint32_t kind, uint32_t id)
{
	uint32_t j;

	if (!h->nslot)
		return vfc__sim_heap_push(h, t, kind, 0, id);
	if (t < h->last)
		t = h->last;
	if (h->spending[i])
		vfc__sim_heap_slot_drop(h, i);
	else
		h->n++;
	h->spending[i] = 1;
	for (j = h->stail; j != h->shead; j--) {
		const struct vfc__sim_slot *p = &h->sq[(j - 1) & 63];

		if (p->t < t || (p->t == t && p->i < i))
			break;
		h->sq[j & 63] = *p;
	}
	h->sq[j & 63] = (struct vfc__sim_slot){ t, i };
	h->stail++;
	return 0;
}

/*
 * Refile the lowest non-empty bucket b[k] around the earliest of its events
 * and `also` (a slot's time in b[k]'s range, or UINT64_MAX), which becomes
 * last: the events whose time is it go to b[0], the others to buckets below k.
 */
static inline int vfc__sim_heap_refile(struct vfc__sim_heap *h, unsigned k, uint64_t also)
{
	struct vfc__sim_bucket *b = &h->b[k];
	uint64_t min = also;

	h->mask &= ~(1ull << (k - 1));
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
	return 0;
}

/*
 * The earliest event (h->n > 0). Returns -ENOMEM if refiling needed memory it
 * could not get. A slot earlier than every bucketed event is taken without
 * touching the buckets: its time, if it falls below b[k]'s range (k the
 * lowest non-empty bucket), agrees with last in every bit from k - 1 up, so
 * with it as last every event stays in its bucket.
 */
static inline int vfc__sim_heap_pop(struct vfc__sim_heap *h, struct vfc__sim_ev *out)
{
	struct vfc__sim_bucket *b0 = &h->b[0];

	while (!b0->n) {
		uint64_t st = h->shead != h->stail ? h->sq[h->shead & 63].t : UINT64_MAX;
		unsigned k = h->mask ? (unsigned)__builtin_ctzll(h->mask) + 1 : 65;
		unsigned ks = st == UINT64_MAX ? 65 : vfc__sim_heap_bucket(h, st);
		struct vfc__sim_bucket *b = &h->b[k < 65 ? k : 0];

		if (ks < k) {
			/* the slot first */
			uint32_t i = h->sq[h->shead++ & 63].i;

			*out = (struct vfc__sim_ev){ st, h->skind, i };
			h->last = st;
			h->spending[i] = 0;
			h->n--;
			return 0;
		}
		if (ks > k && b->n == 1) {
			/* the common case: one event, the next one */
			h->mask &= ~(1ull << (k - 1));
			h->last = b->v[0].t;
			b->n = 0;
			*out = b->v[0];
			h->n--;
			return 0;
		}
		if (vfc__sim_heap_refile(h, k, ks == k ? st : UINT64_MAX))
			return -ENOMEM;
	}
	*out = b0->v[--b0->n];
	h->n--;
	return 0;
}

#endif
