/* SPDX-License-Identifier: MIT */
/* vf.c - VF lifecycle and region checks, keys, sessions, buffers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/ring.h"
#include "driver/vf_internal.h"

#define VFC_DEFAULT_SPIN_US 50
#define VFC_CLOSE_WAIT_NS 5000000000ll

void vfc_vf_opts_init(struct vfc_vf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->n_vfs = VFC_DEFAULT_VFS;
	o->n_engines = VFC_DEFAULT_ENGINES;
	o->ring_entries = VFC_DEFAULT_RING_ENTRIES;
	o->pool_size = VFC_DEFAULT_POOL_SIZE;
	o->engine_spin_us = VFC_DEFAULT_ENGINE_SPIN_US;
	o->engine_kind = VFC_ENGINE_OPENSSL;
	o->irq_mode = VFC_IRQ_INTERRUPT;
	o->spin_us = VFC_DEFAULT_SPIN_US;
	o->vf_id = -1;
}

/* a + b <= limit without overflow. */
static bool range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

/* The tenant checks what it maps: a region it cannot trust to be well formed
 * must not make the driver read or write outside the mapping. */
static int region_check(const struct vfc_region_hdr *h, const struct vfc_transport *t)
{
	uint64_t ring_bytes;

	if (t->region_size < sizeof(*h))
		return -EPROTO;
	if (h->magic != VFC_ABI_MAGIC || h->abi_version != VFC_ABI_VERSION)
		return -EPROTO;
	if (h->region_size != t->region_size || h->vf_id != t->vf_id)
		return -EPROTO;
	if (h->ring_entries < VFC_RING_MIN || h->ring_entries > VFC_RING_MAX ||
	    !vfc_ring_entries_ok(h->ring_entries))
		return -EPROTO;
	if (h->req_desc_size != sizeof(struct vfc_req_desc) ||
	    h->resp_desc_size != sizeof(struct vfc_resp_desc))
		return -EPROTO;
	if (h->req_ring_off % VFC_CACHELINE || h->resp_ring_off % VFC_CACHELINE ||
	    h->pool_off % VFC_CACHELINE)
		return -EPROTO;
	ring_bytes = (uint64_t)h->ring_entries * sizeof(struct vfc_req_desc);
	if (h->req_ring_off < sizeof(*h) || !range_ok(h->req_ring_off, ring_bytes, h->region_size))
		return -EPROTO;
	ring_bytes = (uint64_t)h->ring_entries * sizeof(struct vfc_resp_desc);
	if (h->resp_ring_off < sizeof(*h) || !range_ok(h->resp_ring_off, ring_bytes, h->region_size))
		return -EPROTO;
	if (h->pool_size == 0 || h->pool_size > VFC_POOL_MAX || h->pool_off < sizeof(*h) ||
	    !range_ok(h->pool_off, h->pool_size, h->region_size))
		return -EPROTO;
	return 0;
}

/* What the transport reads of the open options. */
static void transport_cfg(const struct vfc_vf_opts *o, struct vfc_transport_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->n_vfs = o->n_vfs;
	c->n_engines = o->n_engines;
	c->ring_entries = o->ring_entries;
	c->pool_size = o->pool_size;
	c->engine_spin_us = o->engine_spin_us;
	c->engine_kind = (unsigned)o->engine_kind;
	c->mb_budget_us = o->mb_budget_us;
	c->vf_id = o->vf_id >= 0 ? (uint32_t)o->vf_id : VFC_TRANSPORT_ANY_VF;
}

struct vfc_vf *vfc_vf_open(const char *device, const struct vfc_vf_opts *opts)
{
	struct vfc_transport_cfg tcfg;
	struct vfc_vf_opts defaults;
	struct vfc_vf *vf;
	uint32_t granule, i;
	int err;

	if (!opts) {
		vfc_vf_opts_init(&defaults);
		opts = &defaults;
	}
	if ((unsigned)opts->irq_mode > VFC_IRQ_HYBRID) {
		errno = EINVAL;
		return NULL;
	}
	vf = calloc(1, sizeof(*vf));
	if (!vf)
		return NULL;
	transport_cfg(opts, &tcfg);
	vf->t = vfc_transport_open(device, &tcfg);
	if (!vf->t) {
		err = errno;
		goto fail_transport;
	}
	vf->region_size = vf->t->region_size;
	vf->region = mmap(NULL, vf->region_size, PROT_READ | PROT_WRITE, MAP_SHARED, vf->t->mem_fd, 0);
	if (vf->region == MAP_FAILED) {
		err = errno;
		goto fail_map;
	}
	vf->hdr = vf->region;
	err = -region_check(vf->hdr, vf->t);
	if (err)
		goto fail_check;
	/* Copy the layout once: the tenant could scribble over the header later. */
	vf->entries = vf->hdr->ring_entries;
	vf->req_ring = (void *)((uint8_t *)vf->region + vf->hdr->req_ring_off);
	vf->resp_ring = (void *)((uint8_t *)vf->region + vf->hdr->resp_ring_off);
	vf->pool_base = (uint8_t *)vf->region + vf->hdr->pool_off;
	vf->pool_size = vf->hdr->pool_size;

	vf->slots = calloc(vf->entries, sizeof(*vf->slots));
	vf->free_slots = calloc(vf->entries, sizeof(*vf->free_slots));
	if (!vf->slots || !vf->free_slots) {
		err = ENOMEM;
		goto fail_tables;
	}
	/* Slot 0 on top of the stack. */
	for (i = 0; i < vf->entries; i++)
		vf->free_slots[i] = vf->entries - 1 - i;
	vf->n_free = vf->entries;

	/* 256-byte buffers unless that makes the bookkeeping large. */
	granule = vf->pool_size / 256 <= (1u << 20) ? 256 : 4096;
	vf->pool = vfc_pool_create(vf->pool_size, granule);
	if (!vf->pool) {
		err = errno ? errno : ENOMEM;
		goto fail_tables;
	}
	pthread_mutex_init(&vf->pool_lock, NULL);
	pthread_mutex_init(&vf->ctl_lock, NULL);

	/* Our indices start where the device left them (relaxed: the PF set
	 * them up before handing out the fds, a synchronizing hand-over). */
	vf->req_tail = atomic_load_explicit(&vf->hdr->req_tail, memory_order_relaxed);
	vf->resp_head = atomic_load_explicit(&vf->hdr->resp_head, memory_order_relaxed);
	vf->epoch = atomic_load_explicit(&vf->hdr->reset_epoch, memory_order_acquire);
	vf->mode = opts->irq_mode;
	vf->spin_us = opts->spin_us ? opts->spin_us : VFC_DEFAULT_SPIN_US;
	vfc__irq_apply(vf);
	return vf;

fail_tables:
	free(vf->free_slots);
	free(vf->slots);
fail_check:
	munmap(vf->region, vf->region_size);
fail_map:
	vf->t->ops->close(vf->t);
fail_transport:
	free(vf);
	errno = err;
	return NULL;
}

void vfc_vf_close(struct vfc_vf *vf)
{
	struct vfc_session *s;

	if (!vf)
		return;
	if (vf->in_flight)
		vfc_wait(vf, vf->in_flight, VFC_CLOSE_WAIT_NS);
	/* Ops still in flight after that are dropped with the VF: their
	 * callbacks never run (the device releases the rings safely). */
	while ((s = vf->sessions) != NULL)
		vfc_session_free(s);
	while (vf->n_keys) {
		size_t n = vf->n_keys;

		vfc_key_free(vf, vf->keys[n - 1]);
		if (vf->n_keys == n) /* the PF refused (busy): forget it anyway, release wipes it */
			vf->n_keys--;
	}
	free(vf->keys);
	munmap(vf->region, vf->region_size);
	vf->t->ops->close(vf->t);
	vfc_pool_free(vf->pool);
	pthread_mutex_destroy(&vf->pool_lock);
	pthread_mutex_destroy(&vf->ctl_lock);
	free(vf->free_slots);
	free(vf->slots);
	free(vf);
}

unsigned vfc_vf_id(const struct vfc_vf *vf)
{
	return vf->t->vf_id;
}

int vfc_vf_reset(struct vfc_vf *vf)
{
	struct vfc_mbox_req req = { .type = VFC_MBOX_RESET };
	struct vfc_mbox_resp resp;
	uint32_t head, tail;
	int rc;

	/* Whatever is still in flight dies with the rings. */
	vfc__fail_in_flight(vf);
	rc = vfc__mbox(vf, &req, sizeof(req), &resp);
	if (rc)
		return rc;
	/* The device cleared the rings; start from its indices. Acquire: its
	 * reset stores happened before the control call returned; the loads
	 * pair with them in any case. */
	head = atomic_load_explicit(&vf->hdr->req_head, memory_order_acquire);
	tail = atomic_load_explicit(&vf->hdr->resp_tail, memory_order_acquire);
	vf->req_tail = head;
	vf->resp_head = tail;
	/* Release: nothing new is in the ring yet; it states our starting point. */
	atomic_store_explicit(&vf->hdr->req_tail, head, memory_order_release);
	atomic_store_explicit(&vf->hdr->resp_head, tail, memory_order_release);
	vf->epoch = atomic_load_explicit(&vf->hdr->reset_epoch, memory_order_acquire);
	vf->rang = false;
	vf->failed = false;
	vfc__irq_apply(vf);
	return 0;
}

/* ---- keys ---- */

static int key_track(struct vfc_vf *vf, uint32_t handle)
{
	uint32_t *k;
	size_t cap;

	if (vf->n_keys == vf->cap_keys) {
		cap = vf->cap_keys ? 2 * vf->cap_keys : 8;
		k = realloc(vf->keys, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		vf->keys = k;
		vf->cap_keys = cap;
	}
	vf->keys[vf->n_keys++] = handle;
	return 0;
}

int vfc_key_import(struct vfc_vf *vf, enum vfc_key_kind kind, const void *data, size_t len, uint32_t *handle)
{
	struct vfc_mbox_req *req;
	struct vfc_mbox_resp resp;
	struct vfc_mbox_req fr = { .type = VFC_MBOX_KEY_FREE };
	struct vfc_mbox_resp fresp;
	int rc;

	if (!handle || (!data && len))
		return -EINVAL;
	if (len > VFC_MBOX_DATA_MAX)
		return -EMSGSIZE;
	req = calloc(1, sizeof(*req) + len);
	if (!req)
		return -ENOMEM;
	req->type = VFC_MBOX_KEY_IMPORT;
	req->data_len = (uint32_t)len;
	req->u.key_import.kind = kind;
	if (len)
		memcpy(req->data, data, len);
	pthread_mutex_lock(&vf->ctl_lock);
	rc = vfc__mbox(vf, req, sizeof(*req) + len, &resp);
	if (rc == 0) {
		rc = key_track(vf, resp.u.handle);
		if (rc == 0) {
			*handle = resp.u.handle;
		} else {
			fr.u.handle = resp.u.handle;
			vfc__mbox(vf, &fr, sizeof(fr), &fresp);
		}
	}
	pthread_mutex_unlock(&vf->ctl_lock);
	/* The request held key material: wipe it. */
	explicit_bzero(req, sizeof(*req) + len);
	free(req);
	return rc;
}

int vfc_key_free(struct vfc_vf *vf, uint32_t handle)
{
	struct vfc_mbox_req req = { .type = VFC_MBOX_KEY_FREE, .u.handle = handle };
	struct vfc_mbox_resp resp;
	size_t i;
	int rc;

	pthread_mutex_lock(&vf->ctl_lock);
	for (i = 0; i < vf->n_keys; i++)
		if (vf->keys[i] == handle)
			break;
	rc = vfc__mbox(vf, &req, sizeof(req), &resp);
	/* Forget the handle unless the PF still holds it (busy); an unknown
	 * handle (-ENOENT etc.) is not ours either way. */
	if (i < vf->n_keys && rc != -EBUSY)
		vf->keys[i] = vf->keys[--vf->n_keys];
	pthread_mutex_unlock(&vf->ctl_lock);
	return rc;
}

/* ---- sessions ---- */

struct vfc_session *vfc_session_create(struct vfc_vf *vf, enum vfc_alg alg, uint32_t key)
{
	struct vfc_mbox_req req = { .type = VFC_MBOX_SESSION_CREATE };
	struct vfc_mbox_resp resp;
	struct vfc_session *s;
	int rc;

	if (!vf) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	req.u.session_create.alg = alg;
	req.u.session_create.key = key;
	pthread_mutex_lock(&vf->ctl_lock);
	rc = vfc__mbox(vf, &req, sizeof(req), &resp);
	if (rc == 0) {
		s->vf = vf;
		s->handle = resp.u.handle;
		s->alg = alg;
		s->next = vf->sessions;
		if (vf->sessions)
			vf->sessions->prev = s;
		vf->sessions = s;
	}
	pthread_mutex_unlock(&vf->ctl_lock);
	if (rc) {
		free(s);
		errno = -rc;
		return NULL;
	}
	return s;
}

void vfc_session_free(struct vfc_session *s)
{
	struct vfc_mbox_req req = { .type = VFC_MBOX_SESSION_FREE };
	struct vfc_mbox_resp resp;
	struct vfc_vf *vf;

	if (!s)
		return;
	vf = s->vf;
	req.u.handle = s->handle;
	pthread_mutex_lock(&vf->ctl_lock);
	vfc__mbox(vf, &req, sizeof(req), &resp);
	if (s->prev)
		s->prev->next = s->next;
	else
		vf->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&vf->ctl_lock);
	free(s);
}

enum vfc_alg vfc_session_alg(const struct vfc_session *s)
{
	return s->alg;
}

/* ---- zero-copy buffers ---- */

void *vfc_buf_alloc(struct vfc_vf *vf, size_t len)
{
	int64_t off;

	if (!vf || len == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (len > vf->pool_size) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&vf->pool_lock);
	off = vfc_pool_get(vf->pool, len);
	pthread_mutex_unlock(&vf->pool_lock);
	if (off < 0) {
		errno = (int)-off;
		return NULL;
	}
	return vf->pool_base + off;
}

void vfc_buf_free(struct vfc_vf *vf, void *buf)
{
	uintptr_t p = (uintptr_t)buf, base = (uintptr_t)vf->pool_base;

	if (!buf || p < base || p - base >= vf->pool_size)
		return;
	pthread_mutex_lock(&vf->pool_lock);
	vfc_pool_put(vf->pool, p - base);
	pthread_mutex_unlock(&vf->pool_lock);
}
