/* SPDX-License-Identifier: MIT */
/* pf.c - the software accelerator's physical function: VF regions, lifecycle, mailbox messages, policy. */
#include "device/pf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/coord.h"
#include "core/moder.h"
#include "core/ring.h"
#include "device/pf_internal.h"
#include "os/thread.h"

#define VFC__PAGE 4096ull
#define VFC__TIMEOUT_MAX_NS 1000000000ull /* a coalescing timeout never exceeds 1 s */

_Static_assert(sizeof(struct vfc_region_hdr) <= VFC__PAGE, "the region header fits its page");

static uint64_t page_align(uint64_t x)
{
	return (x + VFC__PAGE - 1) & ~(VFC__PAGE - 1);
}

void vfc_pf_config_init(struct vfc_pf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->n_vfs = VFC_DEFAULT_VFS;
	cfg->n_engines = VFC_DEFAULT_ENGINES;
	cfg->ring_entries = VFC_DEFAULT_RING_ENTRIES;
	cfg->pool_size = VFC_DEFAULT_POOL_SIZE;
	cfg->burst = 32;
	cfg->spin_us = VFC_DEFAULT_ENGINE_SPIN_US;
	cfg->mb_budget_us = VFC_PF_MB_DEFAULT_BUDGET_US;
}

static int config_check(const struct vfc_pf_config *c)
{
	if (c->n_vfs < 1 || c->n_vfs > VFC_MAX_VFS || c->n_engines < 1 || c->n_engines > VFC_MAX_ENGINES)
		return -EINVAL;
	if (c->ring_entries < VFC_RING_MIN || c->ring_entries > VFC_RING_MAX ||
	    !vfc_ring_entries_ok(c->ring_entries))
		return -EINVAL;
	if (c->pool_size == 0 || c->pool_size % VFC__PAGE || c->pool_size > VFC_POOL_MAX)
		return -EINVAL;
	if (c->burst < 1 || c->burst > VFC__BURST_MAX)
		return -EINVAL;
	if (c->spin_us > VFC_ENGINE_SPIN_MAX_US || !vfc_pf_engine_kind_name(c->engine_kind) ||
	    c->mb_budget_us > VFC_PF_MB_BUDGET_MAX_US)
		return -EINVAL;
	if ((c->coord_tick_ms && (c->coord_tick_ms < 10 || c->coord_tick_ms > 10000)) ||
	    !memchr(c->coord_ctl, '\0', sizeof(c->coord_ctl)) || !vfc_coord_spec_ok(c->coord_ctl))
		return -EINVAL; /* (a coordinator cannot run pf: it would ask itself) */
	return 0;
}

/* ---- regions ---- */

/* A region's counters are its tenant's: zero at each claim, only the cap in
 * force carried over. The PF's totals (vf->ctr) keep counting. */
static void ctr_fresh(struct vfc__pf_vf *vf, struct vfc__region *r)
{
	struct vfc_shm_counters *m = &r->hdr->counters;
	_Atomic uint64_t *z[] = { &m->ops, &m->bytes, &m->irqs, &m->errors, &m->resets, &m->dev_ns };

	/* Relaxed: informational copies; the authoritative values are private. */
	for (unsigned i = 0; i < sizeof(z) / sizeof(z[0]); i++)
		atomic_store_explicit(z[i], 0, memory_order_relaxed);
	atomic_store_explicit(&m->cap_hz, atomic_load_explicit(&vf->ctr.cap_hz, memory_order_relaxed),
			      memory_order_relaxed);
}

static void region_destroy(struct vfc__region *r)
{
	if (!r)
		return;
	if (r->base)
		munmap(r->base, r->size);
	if (r->mem_fd >= 0)
		close(r->mem_fd);
	if (r->doorbell_fd >= 0)
		close(r->doorbell_fd);
	if (r->irq_fd >= 0)
		close(r->irq_fd);
	free(r);
}

static struct vfc__region *region_create(const struct vfc_pf_config *cfg, uint32_t vf_id)
{
	uint64_t req_off = VFC__PAGE;
	uint64_t resp_off = req_off + page_align((uint64_t)cfg->ring_entries * sizeof(struct vfc_req_desc));
	uint64_t pool_off = resp_off + page_align((uint64_t)cfg->ring_entries * sizeof(struct vfc_resp_desc));
	struct vfc_region_hdr *h;
	struct vfc__region *r;
	void *p;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->mem_fd = r->doorbell_fd = r->irq_fd = -1;
	r->size = pool_off + cfg->pool_size;
	r->mem_fd = memfd_create("vfc-vf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (r->mem_fd < 0)
		goto fail;
	if (ftruncate(r->mem_fd, (off_t)r->size) < 0)
		goto fail;
	/* The tenant gets this fd: a tenant that shrank it would make the device
	 * fault (SIGBUS) on its own mapping. Seal the size. */
	if (fcntl(r->mem_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail;
	p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->mem_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	r->base = p;
	r->doorbell_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->doorbell_fd < 0)
		goto fail;
	r->irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->irq_fd < 0)
		goto fail;

	h = r->hdr = p;
	r->req_ring = (struct vfc_req_desc *)(r->base + req_off);
	r->resp_ring = (struct vfc_resp_desc *)(r->base + resp_off);
	r->pool = r->base + pool_off;
	/* A fresh memfd reads as zeros: only the non-zero fields are set. Nobody
	 * else sees the region before it is published (atomic pointer store). */
	h->magic = VFC_ABI_MAGIC;
	h->abi_version = VFC_ABI_VERSION;
	h->vf_id = vf_id;
	h->ring_entries = cfg->ring_entries;
	h->req_desc_size = sizeof(struct vfc_req_desc);
	h->resp_desc_size = sizeof(struct vfc_resp_desc);
	h->region_size = r->size;
	h->req_ring_off = req_off;
	h->resp_ring_off = resp_off;
	h->pool_off = pool_off;
	h->pool_size = cfg->pool_size;
	atomic_store_explicit(&h->state, VFC_VF_READY, memory_order_relaxed);
	return r;
fail:
	err = errno;
	region_destroy(r);
	errno = err;
	return NULL;
}

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Back to an empty, READY ring pair with no interrupt owed. [L] */
static void vf_rings_reset(struct vfc__pf_vf *vf, struct vfc__region *r)
{
	struct vfc_region_hdr *h = r->hdr;

	atomic_store_explicit(&vf->req_head, 0, memory_order_relaxed);
	vf->resp_tail = 0;
	vfc__drr_reset(vf);
	/* Relaxed: the tenant is not using the rings during a reset (documented
	 * contract of VFC_MBOX_RESET); the control reply orders the rest. */
	atomic_store_explicit(&h->req_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&h->req_head, 0, memory_order_relaxed);
	atomic_store_explicit(&h->resp_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&h->resp_head, 0, memory_order_relaxed);
	vfc_moder_init(&vf->moder, &vf->moder.cfg);
	atomic_store_explicit(&vf->deadline_ns, 0, memory_order_relaxed);
	atomic_store_explicit(&vf->failed, false, memory_order_relaxed);
	atomic_store_explicit(&h->state, VFC_VF_READY, memory_order_release);
}

/* ---- create / free ---- */

static void engines_stop(struct vfc_pf *pf)
{
	atomic_store_explicit(&pf->stop, true, memory_order_release);
	for (unsigned i = 0; i < pf->cfg.n_engines; i++)
		if (pf->engines[i].started)
			vfc__engine_kick(&pf->engines[i]);
	for (unsigned i = 0; i < pf->cfg.n_engines; i++) {
		if (pf->engines[i].started)
			pthread_join(pf->engines[i].thread, NULL);
		pf->engines[i].started = false;
	}
}

void vfc_pf_free(struct vfc_pf *pf)
{
	if (!pf)
		return;
	vfc__coord_stop(pf); /* it takes VF locks and applies caps: before anything goes */
	if (pf->engines)
		engines_stop(pf);
	if (pf->vfs) {
		for (unsigned i = 0; i < pf->cfg.n_vfs; i++) {
			struct vfc__pf_vf *vf = &pf->vfs[i];

			vfc__crypto_clear(&vf->crypto); /* wipes the keys */
			region_destroy(atomic_load_explicit(&vf->reg, memory_order_relaxed));
			pthread_mutex_destroy(&vf->lock);
		}
		free(pf->vfs);
	}
	if (pf->engines) {
		for (unsigned i = 0; i < pf->cfg.n_engines; i++) {
			if (pf->engines[i].epfd >= 0)
				close(pf->engines[i].epfd);
			if (pf->engines[i].kick_fd >= 0)
				close(pf->engines[i].kick_fd);
		}
		free(pf->engines);
	}
	vfc__algs_fini(&pf->algs);
	pthread_mutex_destroy(&pf->lock);
	free(pf);
}

struct vfc_pf *vfc_pf_create(const struct vfc_pf_config *cfg)
{
	struct vfc_moderation none = { 0 };
	struct vfc_pf *pf;
	int err;

	err = config_check(cfg);
	if (err) {
		errno = -err;
		return NULL;
	}
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return NULL;
	pf->cfg = *cfg;
	pf->cfg.engine_kind = vfc__engine_kind_resolve(cfg->engine_kind);
	pthread_mutex_init(&pf->lock, NULL);
	err = vfc__algs_init(&pf->algs);
	if (err)
		goto fail;
	err = -ENOMEM;
	pf->vfs = calloc(cfg->n_vfs, sizeof(*pf->vfs));
	pf->engines = calloc(cfg->n_engines, sizeof(*pf->engines));
	if (!pf->vfs || !pf->engines)
		goto fail;
	/* Everything free() looks at is valid from here on. */
	for (unsigned i = 0; i < cfg->n_engines; i++)
		pf->engines[i].epfd = pf->engines[i].kick_fd = -1;
	for (unsigned i = 0; i < cfg->n_vfs; i++)
		pthread_mutex_init(&pf->vfs[i].lock, NULL);
	for (unsigned i = 0; i < cfg->n_engines; i++) {
		struct vfc__engine *e = &pf->engines[i];

		e->pf = pf;
		e->idx = i;
		e->epfd = epoll_create1(EPOLL_CLOEXEC);
		e->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (e->epfd < 0 || e->kick_fd < 0) {
			err = -errno;
			goto fail;
		}
		err = epoll_add(e->epfd, e->kick_fd, VFC__KICK_TAG);
		if (err)
			goto fail;
	}
	for (unsigned i = 0; i < cfg->n_vfs; i++) {
		struct vfc__pf_vf *vf = &pf->vfs[i];
		struct vfc__region *r;

		vf->pf = pf;
		vf->id = i;
		vf->weight = cfg->weights[i] ? cfg->weights[i] : 1;
		vfc_moder_init(&vf->moder, &none);
		r = region_create(cfg, i);
		if (!r) {
			err = -errno;
			goto fail;
		}
		atomic_store_explicit(&vf->reg, r, memory_order_release);
		for (unsigned k = 0; k < cfg->n_engines; k++) {
			err = epoll_add(pf->engines[k].epfd, r->doorbell_fd, i);
			if (err)
				goto fail;
		}
	}
	for (unsigned i = 0; i < cfg->n_engines; i++) {
		err = -pthread_create(&pf->engines[i].thread, NULL, vfc__engine_main, &pf->engines[i]);
		if (err)
			goto fail;
		pf->engines[i].started = true;
		vfc_thread_name(pf->engines[i].thread, "vfc-engine", i);
	}
	return pf;
fail:
	if (!pf->vfs || !pf->engines) { /* nothing inside was initialised */
		free(pf->vfs);
		free(pf->engines);
		pf->vfs = NULL;
		pf->engines = NULL;
	}
	vfc_pf_free(pf);
	errno = -err;
	return NULL;
}

unsigned vfc_pf_n_vfs(const struct vfc_pf *pf)
{
	return pf->cfg.n_vfs;
}

/* ---- claim / release ---- */

static void counters_get(struct vfc__pf_vf *vf, struct vfc_counters *out);

int vfc_pf_vf_claim(struct vfc_pf *pf, uint32_t *vf_id, pid_t owner_pid, uid_t owner_uid)
{
	struct vfc_moderation none = { 0 };
	struct vfc__pf_vf *vf = NULL;

	pthread_mutex_lock(&pf->lock);
	if (*vf_id == UINT32_MAX) {
		for (unsigned i = 0; i < pf->cfg.n_vfs && !vf; i++)
			if (!atomic_load_explicit(&pf->vfs[i].claimed, memory_order_relaxed))
				vf = &pf->vfs[i];
	} else if (*vf_id >= pf->cfg.n_vfs) {
		pthread_mutex_unlock(&pf->lock);
		return -EINVAL;
	} else if (!atomic_load_explicit(&pf->vfs[*vf_id].claimed, memory_order_relaxed)) {
		vf = &pf->vfs[*vf_id];
	}
	if (!vf) {
		pthread_mutex_unlock(&pf->lock);
		return -EBUSY;
	}
	pthread_mutex_lock(&vf->lock);
	vf->owner_pid = owner_pid;
	vf->owner_uid = owner_uid;
	counters_get(vf, &vf->claim_base); /* the tenant's counters start here (GET_COUNTERS) */
	vf->pf_mode = false;
	vfc__moder_apply_cfg(vf, atomic_load_explicit(&vf->reg, memory_order_relaxed), &none, NULL, false);
	/* Relaxed: engines act on it only under the VF lock, which orders the rest. */
	atomic_store_explicit(&vf->claimed, true, memory_order_relaxed);
	pthread_mutex_unlock(&vf->lock);
	*vf_id = vf->id;
	pthread_mutex_unlock(&pf->lock);
	return 0;
}

/* Wait until every engine has passed a quiescent point (holds no old region pointer). */
static void grace(struct vfc_pf *pf)
{
	for (unsigned i = 0; i < pf->cfg.n_engines; i++) {
		struct vfc__engine *e = &pf->engines[i];
		/* seq_cst: ordered after the pointer swap (see engine_main). */
		uint64_t s = atomic_load_explicit(&e->qseq, memory_order_seq_cst);
		struct timespec nap = { 0, 20000 };

		if (!e->started)
			continue;
		for (unsigned k = 0; atomic_load_explicit(&e->qseq, memory_order_seq_cst) == s; k++) {
			if (k % 64 == 0)
				vfc__engine_kick(e); /* wake it if it sleeps */
			nanosleep(&nap, NULL);
		}
	}
}

int vfc_pf_vf_release(struct vfc_pf *pf, uint32_t vf_id)
{
	struct vfc__region *old, *fresh;
	struct vfc__pf_vf *vf;

	if (vf_id >= pf->cfg.n_vfs)
		return -EINVAL;
	vf = &pf->vfs[vf_id];
	pthread_mutex_lock(&pf->lock);
	if (!atomic_load_explicit(&vf->claimed, memory_order_relaxed)) {
		pthread_mutex_unlock(&pf->lock);
		return -EINVAL;
	}
	/* A fresh region and eventfds for the next tenant: the previous one may
	 * keep its mapping and fds, and must see nothing of the next. */
	fresh = region_create(&pf->cfg, vf_id);
	if (fresh) {
		for (unsigned k = 0; k < pf->cfg.n_engines; k++) {
			if (epoll_add(pf->engines[k].epfd, fresh->doorbell_fd, vf_id)) {
				for (unsigned j = 0; j < k; j++)
					epoll_ctl(pf->engines[j].epfd, EPOLL_CTL_DEL, fresh->doorbell_fd, NULL);
				region_destroy(fresh);
				fresh = NULL;
				break;
			}
		}
	}

	/* Under the VF lock no engine is inside: in-flight work is dropped here. */
	pthread_mutex_lock(&vf->lock);
	atomic_store_explicit(&vf->claimed, false, memory_order_relaxed);
	vfc__crypto_clear(&vf->crypto);
	old = atomic_load_explicit(&vf->reg, memory_order_relaxed);
	if (fresh) {
		/* seq_cst: pairs with the engines' quiescent-point counter (grace). */
		atomic_store_explicit(&vf->reg, fresh, memory_order_seq_cst);
	} else {
		/* Could not make a new region: scrub the old one in place instead. */
		memset(old->pool, 0, pf->cfg.pool_size);
		memset(old->req_ring, 0, (size_t)((uint8_t *)old->pool - (uint8_t *)old->req_ring));
		fresh = old;
		old = NULL;
	}
	vf_rings_reset(vf, fresh);
	vf->pf_mode = false;
	vfc__moder_apply_cfg(vf, fresh, &(struct vfc_moderation){ 0 }, NULL, false);
	ctr_fresh(vf, fresh);
	vf->owner_pid = 0;
	vf->owner_uid = 0;
	pthread_mutex_unlock(&vf->lock);

	if (old) {
		grace(pf);
		/* Explicit DEL: closing our fd does not remove it from epoll while the
		 * tenant still holds a duplicate of it. */
		for (unsigned k = 0; k < pf->cfg.n_engines; k++)
			epoll_ctl(pf->engines[k].epfd, EPOLL_CTL_DEL, old->doorbell_fd, NULL);
		region_destroy(old);
	}
	pthread_mutex_unlock(&pf->lock);
	return 0;
}

int vfc_pf_vf_fds(struct vfc_pf *pf, uint32_t vf_id, struct vfc_vf_fds *out)
{
	struct vfc__region *r;
	int ret = 0;

	if (vf_id >= pf->cfg.n_vfs)
		return -EINVAL;
	pthread_mutex_lock(&pf->lock);
	if (!atomic_load_explicit(&pf->vfs[vf_id].claimed, memory_order_relaxed)) {
		ret = -EPERM;
	} else {
		r = atomic_load_explicit(&pf->vfs[vf_id].reg, memory_order_relaxed);
		out->mem_fd = r->mem_fd;
		out->doorbell_fd = r->doorbell_fd;
		out->irq_fd = r->irq_fd;
		out->region_size = r->size;
	}
	pthread_mutex_unlock(&pf->lock);
	return ret;
}

/* ---- mailbox messages ---- */

static void counters_get(struct vfc__pf_vf *vf, struct vfc_counters *out)
{
	memset(out, 0, sizeof(*out));
	out->ops = atomic_load_explicit(&vf->ctr.ops, memory_order_relaxed);
	out->bytes = atomic_load_explicit(&vf->ctr.bytes, memory_order_relaxed);
	out->irqs = atomic_load_explicit(&vf->ctr.irqs, memory_order_relaxed);
	out->errors = atomic_load_explicit(&vf->ctr.errors, memory_order_relaxed);
	out->resets = atomic_load_explicit(&vf->ctr.resets, memory_order_relaxed);
	out->dev_ns = atomic_load_explicit(&vf->ctr.dev_ns, memory_order_relaxed);
	out->cap_hz = atomic_load_explicit(&vf->ctr.cap_hz, memory_order_relaxed);
	out->state = atomic_load_explicit(&vf->failed, memory_order_relaxed) ?
			     atomic_load_explicit(&vf->fail_state, memory_order_relaxed) : VFC_VF_READY;
}

/* The current tenant's share of the PF's totals: what was counted since its claim. */
static void tenant_counters(struct vfc__pf_vf *vf, struct vfc_counters *out)
{
	const struct vfc_counters *b = &vf->claim_base;

	counters_get(vf, out);
	out->ops -= b->ops, out->bytes -= b->bytes, out->irqs -= b->irqs;
	out->errors -= b->errors, out->resets -= b->resets, out->dev_ns -= b->dev_ns;
}

static int mbox_check(const struct vfc_mbox_req *req, size_t req_len)
{
	if (!req || req_len < sizeof(*req))
		return -EINVAL;
	if (req->version != VFC_ABI_VERSION)
		return -EPROTO;
	if (req->type == 0 || req->type >= VFC_MBOX__MAX)
		return -EOPNOTSUPP;
	if (req->data_len > VFC_MBOX_DATA_MAX)
		return -EMSGSIZE;
	if (req_len - sizeof(*req) < req->data_len)
		return -EINVAL; /* truncated */
	if (req->rsvd || (req->data_len && req->type != VFC_MBOX_KEY_IMPORT))
		return -EINVAL;
	return 0;
}

/* Key parsing (PEM decoding) runs outside the VF lock; only the insertion is locked. */
static int mbox_key_import(struct vfc__pf_vf *vf, const struct vfc_mbox_req *req, struct vfc_mbox_resp *resp)
{
	struct vfc__key *k;
	int ret;

	if (req->u.key_import.rsvd || req->data_len == 0)
		return -EINVAL;
	ret = vfc__key_parse(req->u.key_import.kind, req->data, req->data_len, &k);
	if (ret)
		return ret;
	pthread_mutex_lock(&vf->lock);
	if (!atomic_load_explicit(&vf->claimed, memory_order_relaxed))
		ret = -EPERM;
	else
		ret = vfc__key_insert(&vf->crypto, k, vf->policy.max_keys, &resp->u.handle);
	pthread_mutex_unlock(&vf->lock);
	if (ret)
		vfc__key_destroy(k);
	return ret;
}

int vfc_pf_mbox(struct vfc_pf *pf, uint32_t vf_id, const struct vfc_mbox_req *req, size_t req_len,
	       struct vfc_mbox_resp *resp)
{
	struct vfc_moderation want;
	struct vfc__region *r;
	struct vfc__pf_vf *vf;
	int ret;

	memset(resp, 0, sizeof(*resp));
	resp->version = VFC_ABI_VERSION;
	if (req && req_len >= sizeof(*req))
		resp->type = req->type;
	ret = mbox_check(req, req_len);
	if (ret)
		goto out;
	if (vf_id >= pf->cfg.n_vfs) {
		ret = -EINVAL;
		goto out;
	}
	vf = &pf->vfs[vf_id];
	if (req->type == VFC_MBOX_KEY_IMPORT) {
		ret = mbox_key_import(vf, req, resp);
		goto out;
	}

	/* Everything else under the VF lock: waits for an engine to finish its
	 * burst, so no session or key disappears under it. */
	pthread_mutex_lock(&vf->lock);
	if (!atomic_load_explicit(&vf->claimed, memory_order_relaxed)) {
		ret = -EPERM;
		goto unlock;
	}
	r = atomic_load_explicit(&vf->reg, memory_order_relaxed);
	switch (req->type) {
	case VFC_MBOX_KEY_FREE:
		ret = vfc__key_free(&vf->crypto, req->u.handle);
		break;
	case VFC_MBOX_SESSION_CREATE:
		ret = vfc__session_create(&vf->crypto, &pf->algs, req->u.session_create.alg,
					  req->u.session_create.key, vf->policy.max_sessions, &resp->u.handle);
		break;
	case VFC_MBOX_SESSION_FREE:
		ret = vfc__session_free(&vf->crypto, req->u.handle);
		break;
	case VFC_MBOX_SET_MODERATION:
		want = req->u.moderation;
		vfc__moder_apply_cfg(vf, r, &want, &resp->u.moderation, true);
		ret = 0;
		break;
	case VFC_MBOX_RESET:
		/* Contract: the tenant submits nothing while a reset is in progress. */
		atomic_fetch_add_explicit(&r->hdr->reset_epoch, 1, memory_order_relaxed);
		vf_rings_reset(vf, r);
		ret = 0;
		break;
	case VFC_MBOX_GET_COUNTERS:
		tenant_counters(vf, &resp->u.counters);
		ret = 0;
		break;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
unlock:
	pthread_mutex_unlock(&vf->lock);
out:
	resp->status = ret;
	return ret;
}

/* ---- policy and counters ---- */

int vfc_pf_vf_counters(struct vfc_pf *pf, uint32_t vf_id, struct vfc_counters *out)
{
	if (vf_id >= pf->cfg.n_vfs || !out)
		return -EINVAL;
	counters_get(&pf->vfs[vf_id], out);
	return 0;
}

unsigned vfc_pf_n_engines(const struct vfc_pf *pf)
{
	return pf->cfg.n_engines;
}

uint64_t vfc_pf_engine_cpu_ns_one(struct vfc_pf *pf, unsigned idx)
{
	struct timespec ts;
	clockid_t cid;

	/* Read from outside: the engines pay nothing for it. */
	if (idx >= pf->cfg.n_engines || !pf->engines[idx].started ||
	    pthread_getcpuclockid(pf->engines[idx].thread, &cid) || clock_gettime(cid, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vfc_pf_engine_cpu_ns(struct vfc_pf *pf)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < pf->cfg.n_engines; i++)
		sum += vfc_pf_engine_cpu_ns_one(pf, i);
	return sum;
}
