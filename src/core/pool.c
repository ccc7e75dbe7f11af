/* SPDX-License-Identifier: MIT */
/* pool.c - first-fit allocator of contiguous unit runs over [0, size), with a rotating hint. */
#include "core/pool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

/* Marks a unit inside a live run that is not its first unit. */
#define VFC__POOL_INTERIOR UINT32_MAX

struct vfc_pool {
	uint64_t granule;
	uint32_t units;      /* whole granules in the pool; the tail of size beyond them is unused */
	uint32_t free_units;
	uint32_t hint;       /* where the next search starts: just after the last run handed out */
	/* Per unit: 0 = free, n = first unit of a live run of n units, VFC__POOL_INTERIOR = the rest. */
	uint32_t map[];
};

struct vfc_pool *vfc_pool_create(uint64_t size, uint32_t granule)
{
	struct vfc_pool *p;
	uint64_t units;

	if (granule < 64 || (granule & (granule - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	units = size / granule;
	/* Runs are at most units long, so units < VFC__POOL_INTERIOR keeps the marker unambiguous;
	 * offsets must fit the int64 that vfc_pool_get returns. */
	if (units == 0 || units >= VFC__POOL_INTERIOR || size > INT64_MAX) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p) + (size_t)units * sizeof(p->map[0]));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->granule = granule;
	p->units = (uint32_t)units;
	p->free_units = (uint32_t)units;
	return p;
}

void vfc_pool_free(struct vfc_pool *p)
{
	free(p);
}

/* First unit of a free run of need units within [from, to), or UINT32_MAX. */
static uint32_t pool_scan(const struct vfc_pool *p, uint32_t from, uint32_t to, uint32_t need)
{
	uint32_t run = 0;
	uint32_t u = from;

	while (u < to) {
		uint32_t v = p->map[u];

		if (v == 0) {
			if (++run == need)
				return u + 1 - need;
			u++;
		} else {
			run = 0;
			u += v == VFC__POOL_INTERIOR ? 1 : v; /* skip a whole run from its start */
		}
	}
	return UINT32_MAX;
}

int64_t vfc_pool_get(struct vfc_pool *p, uint64_t len)
{
	uint64_t need64;
	uint32_t need, start, end;

	if (len == 0)
		return -EINVAL;
	need64 = len / p->granule + (len % p->granule != 0); /* ceil without overflow */
	if (need64 > p->free_units)
		return -ENOMEM;
	need = (uint32_t)need64;
	/* First fit from the hint to the end, then from the start: the second pass may run through
	 * the hint, which is fine, all it sees are free units. */
	start = pool_scan(p, p->hint, p->units, need);
	if (start == UINT32_MAX)
		start = pool_scan(p, 0, p->units, need);
	if (start == UINT32_MAX)
		return -ENOMEM;
	end = start + need;
	p->map[start] = need;
	for (uint32_t u = start + 1; u < end; u++)
		p->map[u] = VFC__POOL_INTERIOR;
	p->free_units -= need;
	p->hint = end < p->units ? end : 0;
	return (int64_t)((uint64_t)start * p->granule);
}

/* The unit at which the live run starting at off begins, or UINT32_MAX. */
static uint32_t pool_run_unit(const struct vfc_pool *p, uint64_t off)
{
	uint64_t u;

	if (off % p->granule != 0)
		return UINT32_MAX;
	u = off / p->granule;
	if (u >= p->units)
		return UINT32_MAX;
	if (p->map[u] == 0 || p->map[u] == VFC__POOL_INTERIOR)
		return UINT32_MAX;
	return (uint32_t)u;
}

int vfc_pool_put(struct vfc_pool *p, uint64_t off)
{
	uint32_t start = pool_run_unit(p, off);
	uint32_t n;

	if (start == UINT32_MAX)
		return -EINVAL;
	n = p->map[start];
	for (uint32_t u = start; u < start + n; u++)
		p->map[u] = 0;
	p->free_units += n;
	return 0;
}

uint64_t vfc_pool_run_bytes(const struct vfc_pool *p, uint64_t off)
{
	uint32_t start = pool_run_unit(p, off);

	return start == UINT32_MAX ? 0 : (uint64_t)p->map[start] * p->granule;
}

uint64_t vfc_pool_bytes_free(const struct vfc_pool *p)
{
	return (uint64_t)p->free_units * p->granule;
}
