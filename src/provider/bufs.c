/* SPDX-License-Identifier: MIT */
/* bufs.c - the provider's pool buffers kept for reuse: warm in the caches and already mapped. */
#include <string.h>

#include "provider/prov.h"

/*
 * The driver's pool hands out runs with a rotating hint, so a stream of
 * requests walks the whole pool (16 MiB): every buffer is cold in the caches,
 * and in a short run each page is first touched (a page fault) by the copy
 * into it. The provider keeps the last VFC__BUFS buffers it freed (up to
 * VFC__BUF_KEEP_MAX bytes each) and takes the last one that fits: 16 ASYNC
 * jobs reuse the same 16 buffers. A buffer's size is rounded up to whole
 * pages, the pool's granule, so that a kept one is known to hold what it says.
 */
#define PAGE 4096u

static size_t cap_of(size_t len)
{
	return (len + PAGE - 1) & ~(size_t)(PAGE - 1);
}

void *vfc__buf_get(struct vfc__prov *p, struct vfc_vf *vf, size_t len)
{
	struct vfc__dev *d = &p->dev;
	size_t cap = cap_of(len ? len : 1);
	void *buf = NULL;

	if (cap <= VFC__BUF_KEEP_MAX) {
		pthread_mutex_lock(&d->buf_lock);
		for (unsigned i = d->n_bufs; i-- > 0;) {
			if (d->bufs[i].cap < cap || d->bufs[i].cap > 2 * cap)
				continue;
			buf = d->bufs[i].p;
			d->bufs[i] = d->bufs[--d->n_bufs];
			break;
		}
		pthread_mutex_unlock(&d->buf_lock);
		if (buf)
			return buf;
	}
	buf = vfc_buf_alloc(vf, cap);
	if (!buf && vfc__bufs_reset(d, vf)) {
		/* The pool is short: what we kept went back, try again. */
		buf = vfc_buf_alloc(vf, cap);
	}
	return buf;
}

void vfc__buf_put(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, void *buf, size_t len)
{
	struct vfc__dev *d = &p->dev;
	size_t cap = cap_of(len ? len : 1);

	if (!buf)
		return;
	if (cap <= VFC__BUF_KEEP_MAX) {
		pthread_mutex_lock(&d->buf_lock);
		/* Only buffers of the VF in use now: after fork() the old one is not ours. */
		if (gen == d->gen && vf == d->vf && d->n_bufs < VFC__BUFS) {
			d->bufs[d->n_bufs].p = buf;
			d->bufs[d->n_bufs].cap = cap;
			d->n_bufs++;
			buf = NULL;
		}
		pthread_mutex_unlock(&d->buf_lock);
	}
	if (buf)
		vfc_buf_free(vf, buf);
}

unsigned vfc__bufs_reset(struct vfc__dev *d, struct vfc_vf *vf)
{
	unsigned n;

	pthread_mutex_lock(&d->buf_lock);
	n = d->n_bufs;
	for (unsigned i = 0; i < n; i++)
		if (vf)
			vfc_buf_free(vf, d->bufs[i].p);
	d->n_bufs = 0;
	pthread_mutex_unlock(&d->buf_lock);
	return n;
}
