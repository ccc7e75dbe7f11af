/* SPDX-License-Identifier: MIT */
/* event_queue.c - the event queue's memory: bucket growth and release (push and pop are inline in event_queue.h). */
#include "sim/event_queue.h"

#include <stdlib.h>

int vfc__sim_bucket_grow(struct vfc__sim_bucket *b)
{
	uint32_t nc = b->cap ? b->cap * 2 : 64;
	struct vfc__sim_ev *nv = realloc(b->v, nc * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	b->v = nv;
	b->cap = nc;
	return 0;
}

void vfc__sim_heap_free(struct vfc__sim_heap *h)
{
	for (unsigned k = 0; k < 65; k++)
		free(h->b[k].v);
	free(h->spending);
	h->spending = NULL;
	h->nslot = 0;
}

int vfc__sim_heap_slots(struct vfc__sim_heap *h, uint32_t n, uint32_t kind)
{
	h->spending = calloc(n, 1);
	if (!h->spending)
		return -ENOMEM;
	h->nslot = n;
	h->skind = kind;
	h->shead = h->stail = 0;
	return 0;
}

void vfc__sim_heap_slot_drop(struct vfc__sim_heap *h, uint32_t i)
{
	uint32_t j = h->shead;

	while (h->sq[j & 63].i != i)
		j++;
	for (; j + 1 != h->stail; j++)
		h->sq[j & 63] = h->sq[(j + 1) & 63];
	h->stail--;
	h->spending[i] = 0;
}
