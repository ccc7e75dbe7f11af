/* SPDX-License-Identifier: MIT */
/* pfh.c - test helper: claim and map a VF of a PF, push raw request descriptors, pop responses. */
#include "pfh.h"

#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ring.h"

struct vfc_pf_config pfh_config(unsigned n_vfs, int kind, unsigned ring_entries, uint64_t pool_size)
{
	struct vfc_pf_config cfg;

	vfc_pf_config_init(&cfg);
	cfg.n_vfs = n_vfs;
	if (ring_entries)
		cfg.ring_entries = ring_entries;
	if (pool_size)
		cfg.pool_size = pool_size;
	if (kind != PFH_KIND_ENV)
		cfg.engine_kind = (enum vfc_pf_engine_kind)kind;
	else if (getenv("VFC_TEST_ENGINE_KIND")) /* the same tests on another engine kind */
		assert_int_equal(vfc_pf_engine_kind_parse(getenv("VFC_TEST_ENGINE_KIND"), &cfg.engine_kind), 0);
	return cfg;
}

struct vfc_pf *pfh_create(const struct vfc_pf_config *cfg)
{
	struct vfc_pf *pf = vfc_pf_create(cfg);

	assert_non_null(pf);
	return pf;
}

struct vfc_pf *pfh_pf(unsigned n_vfs, unsigned n_engines)
{
	struct vfc_pf_config cfg = pfh_config(n_vfs, PFH_KIND_ENV, 64, 2u << 20);

	cfg.n_engines = n_engines;
	cfg.burst = 16;
	return pfh_create(&cfg);
}

void pfh_open(struct vfc_pf *pf, uint32_t id, struct pfh_vf *v)
{
	void *p;

	memset(v, 0, sizeof(*v));
	v->pf = pf;
	v->id = id;
	assert_int_equal(vfc_pf_vf_claim(pf, &v->id, getpid(), getuid()), 0);
	assert_int_equal(vfc_pf_vf_fds(pf, v->id, &v->fds), 0);
	p = mmap(NULL, v->fds.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fds.mem_fd, 0);
	assert_true(p != MAP_FAILED);
	v->base = p;
	v->hdr = p;
	assert_int_equal(v->hdr->magic, VFC_ABI_MAGIC);
	assert_int_equal(v->hdr->abi_version, VFC_ABI_VERSION);
	assert_int_equal(v->hdr->vf_id, v->id);
	assert_int_equal(v->hdr->req_desc_size, sizeof(struct vfc_req_desc));
	assert_int_equal(v->hdr->resp_desc_size, sizeof(struct vfc_resp_desc));
	assert_int_equal(v->hdr->region_size, v->fds.region_size);
	assert_int_equal(v->hdr->req_ring_off % 4096, 0);
	assert_int_equal(v->hdr->resp_ring_off % 4096, 0);
	assert_int_equal(v->hdr->pool_off % 4096, 0);
	assert_true(v->hdr->pool_off + v->hdr->pool_size <= v->hdr->region_size);
	assert_int_equal(atomic_load(&v->hdr->state), VFC_VF_READY);
	v->entries = v->hdr->ring_entries;
	v->req = (struct vfc_req_desc *)(v->base + v->hdr->req_ring_off);
	v->resp = (struct vfc_resp_desc *)(v->base + v->hdr->resp_ring_off);
	v->pool = v->base + v->hdr->pool_off;
	v->req_tail = atomic_load(&v->hdr->req_tail);
	v->resp_head = atomic_load(&v->hdr->resp_head);
	pfh_irqs(v); /* start from a drained interrupt counter */
}

void pfh_close(struct pfh_vf *v)
{
	munmap(v->base, v->fds.region_size);
	assert_int_equal(vfc_pf_vf_release(v->pf, v->id), 0);
	v->base = NULL;
}

static void pfh_publish(struct pfh_vf *v)
{
	uint64_t one = 1;

	/* Release: descriptors before the index. Then the tenant's half of the
	 * Dekker pattern: fence, read dev_sleeping, ring if the device sleeps. */
	vfc_ring_publish(&v->hdr->req_tail, v->req_tail);
	vfc_ring_fence();
	if (atomic_load_explicit(&v->hdr->dev_sleeping, memory_order_relaxed))
		assert_int_equal(write(v->fds.doorbell_fd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

void pfh_push_n(struct pfh_vf *v, const struct vfc_req_desc *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		v->req[vfc_ring_slot(v->req_tail, v->entries)] = d[i];
		v->req_tail++;
	}
	pfh_publish(v);
}

void pfh_push(struct pfh_vf *v, const struct vfc_req_desc *d)
{
	pfh_push_n(v, d, 1);
}

bool pfh_pop(struct pfh_vf *v, struct vfc_resp_desc *out, int timeout_ms)
{
	struct timespec nap = { 0, 20000 };
	long waited_ns = 0;

	for (;;) {
		/* Acquire: the response slot (and dst bytes) before we read them. */
		uint32_t tail = vfc_ring_load_peer(&v->hdr->resp_tail);

		if (tail != v->resp_head)
			break;
		if (waited_ns >= (long)timeout_ms * 1000000L)
			return false;
		nanosleep(&nap, NULL);
		waited_ns += nap.tv_nsec;
	}
	*out = v->resp[vfc_ring_slot(v->resp_head, v->entries)];
	v->resp_head++;
	/* Release: done reading the slot before the device may overwrite it. */
	vfc_ring_publish(&v->hdr->resp_head, v->resp_head);
	return true;
}

struct vfc_resp_desc pfh_run(struct pfh_vf *v, const struct vfc_req_desc *d)
{
	struct vfc_resp_desc r;

	pfh_push(v, d);
	assert_true(pfh_pop(v, &r, 5000));
	assert_int_equal(r.cookie, d->cookie);
	return r;
}

uint64_t pfh_irqs(struct pfh_vf *v)
{
	uint64_t n = 0;

	if (read(v->fds.irq_fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return 0;
	return n;
}

int pfh_ctl(struct pfh_vf *v, struct vfc_mbox_req *req, struct vfc_mbox_resp *resp)
{
	req->version = VFC_ABI_VERSION;
	return vfc_pf_mbox(v->pf, v->id, req, sizeof(*req) + req->data_len, resp);
}

int pfh_key_import(struct pfh_vf *v, uint32_t kind, const void *data, size_t len, uint32_t *handle)
{
	struct vfc_mbox_req *req = calloc(1, sizeof(*req) + len);
	struct vfc_mbox_resp resp;
	int ret;

	assert_non_null(req);
	req->type = VFC_MBOX_KEY_IMPORT;
	req->data_len = (uint32_t)len;
	req->u.key_import.kind = kind;
	memcpy(req->data, data, len);
	ret = pfh_ctl(v, req, &resp);
	free(req);
	assert_int_equal(resp.status, ret);
	assert_int_equal(resp.type, VFC_MBOX_KEY_IMPORT);
	if (!ret) {
		assert_int_not_equal(resp.u.handle, 0);
		*handle = resp.u.handle;
	}
	return ret;
}

static int pfh_handle_op(struct pfh_vf *v, uint32_t type, uint32_t handle)
{
	struct vfc_mbox_req req = { .type = type, .u.handle = handle };
	struct vfc_mbox_resp resp;

	return pfh_ctl(v, &req, &resp);
}

int pfh_key_free(struct pfh_vf *v, uint32_t handle)
{
	return pfh_handle_op(v, VFC_MBOX_KEY_FREE, handle);
}

int pfh_session_free(struct pfh_vf *v, uint32_t handle)
{
	return pfh_handle_op(v, VFC_MBOX_SESSION_FREE, handle);
}

int pfh_reset(struct pfh_vf *v)
{
	int ret = pfh_handle_op(v, VFC_MBOX_RESET, 0);

	if (!ret) {
		v->req_tail = 0;
		v->resp_head = 0;
	}
	return ret;
}

int pfh_session(struct pfh_vf *v, uint32_t alg, uint32_t key, uint32_t *handle)
{
	struct vfc_mbox_req req = { .type = VFC_MBOX_SESSION_CREATE };
	struct vfc_mbox_resp resp;
	int ret;

	req.u.session_create.alg = alg;
	req.u.session_create.key = key;
	ret = pfh_ctl(v, &req, &resp);
	if (!ret) {
		assert_int_not_equal(resp.u.handle, 0);
		*handle = resp.u.handle;
	}
	return ret;
}

int pfh_moderation(struct pfh_vf *v, const struct vfc_moderation *want, struct vfc_moderation *applied)
{
	struct vfc_mbox_req req = { .type = VFC_MBOX_SET_MODERATION, .u.moderation = *want };
	struct vfc_mbox_resp resp;
	int ret;

	ret = pfh_ctl(v, &req, &resp);
	if (applied)
		*applied = resp.u.moderation;
	return ret;
}

struct vfc_req_desc pfh_desc(uint16_t op, uint32_t session, uint32_t src_off, uint32_t src_len,
			     uint32_t dst_off, uint32_t dst_len)
{
	static uint64_t cookie = 1000;
	struct vfc_req_desc d;

	memset(&d, 0, sizeof(d));
	d.cookie = __atomic_add_fetch(&cookie, 1, __ATOMIC_RELAXED);
	d.opcode = op;
	d.session = session;
	d.src_off = src_off;
	d.src_len = src_len;
	d.dst_off = dst_off;
	d.dst_len = dst_len;
	return d;
}
