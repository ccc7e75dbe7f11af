/* SPDX-License-Identifier: MIT */
/* pool.h - allocator of contiguous runs of a VF buffer pool, by offsets (the driver's zero-copy buffers). */
#ifndef VFC_CORE_POOL_H
#define VFC_CORE_POOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Manages [0, size) in units of `granule` bytes (a power of two >= 64).
 * Allocations are contiguous runs of units, first fit from a rotating hint.
 * Not thread-safe: the caller locks. Memory for the bookkeeping is taken at
 * create time only.
 */
struct vfc_pool;

struct vfc_pool *vfc_pool_create(uint64_t size, uint32_t granule); /* NULL + errno (EINVAL, ENOMEM) */
void vfc_pool_free(struct vfc_pool *p);                              /* accepts NULL */
/* Offset of a new run of at least len bytes (len > 0), or -ENOMEM / -EINVAL. */
int64_t vfc_pool_get(struct vfc_pool *p, uint64_t len);
/* Return a run by its offset; -EINVAL if off is not the start of a live run. */
int vfc_pool_put(struct vfc_pool *p, uint64_t off);
/* Bytes of the run starting at off, or 0 if off is not the start of a live run. */
uint64_t vfc_pool_run_bytes(const struct vfc_pool *p, uint64_t off);
uint64_t vfc_pool_bytes_free(const struct vfc_pool *p);

#endif
