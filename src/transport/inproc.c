/* SPDX-License-Identifier: MIT */
/* inproc.c - the embedded transport: one process-wide PF, shared by every VF opened in this process. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/controller/controller.h"
#include "device/pf.h"
#include "transport/transport.h"

/*
 * The embedded device is created by the first open with that open's sizes,
 * refcounted by open VFs and freed by the last close. g_lock guards g_pf,
 * g_refs, g_cfg, g_open and g_epoch; the PF itself is thread-safe for
 * claim/release/ctl.
 *
 * fork(): the device's engine threads do not exist in a child, and its
 * rings, pool and doorbells are shared memory and fds with the parent. A
 * child therefore forgets the inherited device (atfork_child) and its first
 * open creates a device of its own. The inherited copy is leaked in the
 * child, on purpose: freeing it would join or signal threads that are not
 * there and touch state the parent still uses. VFs open at the fork are
 * marked gone in the child (the driver refuses new work on them) and their
 * close only frees the handle: the parent keeps them.
 */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;
static struct vfc_pf *g_pf;
static unsigned g_refs;
static struct vfc_pf_config g_cfg;
static struct vfc_inproc *g_open; /* the VFs open in this process, on their next/prev */
static unsigned g_epoch;          /* fork()s this process's line has been through */

struct vfc_inproc {
	struct vfc_transport t; /* first: the driver sees only this */
	struct vfc_pf *pf;
	struct vfc_inproc *next, *prev; /* on g_open */
	unsigned epoch;                 /* g_epoch at open: another means inherited */
};

/* g_lock is held across fork() so that the child finds the globals whole. */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&g_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&g_lock);
}

static void atfork_child(void)
{
	struct vfc_inproc *ip;

	for (ip = g_open; ip; ip = ip->next)
		ip->t.gone = -ESHUTDOWN;
	g_open = NULL;
	g_pf = NULL; /* leaked: see above */
	g_refs = 0;
	g_epoch++;
	pthread_mutex_unlock(&g_lock);
}

static void atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Whether ip was opened by this process (not inherited through fork()). Under g_lock. */
static int inproc_ours(const struct vfc_inproc *ip)
{
	return ip->epoch == g_epoch;
}

static struct vfc_inproc *to_inproc(struct vfc_transport *t)
{
	return (struct vfc_inproc *)t;
}

static int inproc_mbox(struct vfc_transport *t, const struct vfc_mbox_req *req, size_t req_len,
		      struct vfc_mbox_resp *resp)
{
	struct vfc_inproc *ip = to_inproc(t);

	/* Not on a parent's device: its engines are not here and its state is the parent's. */
	if (t->gone)
		return t->gone;
	/* The same message structs a socket would carry, handed over by a direct call. */
	return vfc_pf_mbox(ip->pf, t->vf_id, req, req_len, resp);
}

static uint64_t inproc_device_cpu_ns(struct vfc_transport *t)
{
	return t->gone ? 0 : vfc_pf_engine_cpu_ns(to_inproc(t)->pf);
}

/* The embedded PF learns which VFs run controller pf: its coordinator sets their caps. */
static int inproc_note_controller(struct vfc_transport *t, const char *spec)
{
	struct vfc_controller_cfg cfg;
	bool pf_mode = vfc_controller_parse(spec, &cfg, NULL, 0) == 0 && cfg.kind == VFC_CONTROLLER_KIND_PF;

	return vfc_pf_vf_set_pf_mode(to_inproc(t)->pf, t->vf_id, pf_mode, pf_mode ? cfg.pf_coord : NULL);
}

static void inproc_put_pf(void)
{
	struct vfc_pf *dead = NULL;

	pthread_mutex_lock(&g_lock);
	if (--g_refs == 0) {
		dead = g_pf;
		g_pf = NULL;
	}
	pthread_mutex_unlock(&g_lock);
	/* Stopping engines can take a while: do it outside the lock. A racing
	 * open creates a fresh PF meanwhile, which is fine (separate memfds). */
	vfc_pf_free(dead);
}

static void inproc_close(struct vfc_transport *t)
{
	struct vfc_inproc *ip = to_inproc(t);
	int ours;

	pthread_mutex_lock(&g_lock);
	ours = inproc_ours(ip);
	if (ours) {
		if (ip->prev)
			ip->prev->next = ip->next;
		else
			g_open = ip->next;
		if (ip->next)
			ip->next->prev = ip->prev;
	}
	pthread_mutex_unlock(&g_lock);
	/* Inherited through fork(): the VF and its device are the parent's. */
	if (!ours) {
		free(ip);
		return;
	}
	/* The fds belong to the PF: they are not ours to close. */
	vfc_pf_vf_release(ip->pf, t->vf_id);
	free(ip);
	inproc_put_pf();
}

/* Put ip on g_open: a child of fork() finds it there and marks it gone. */
static void inproc_link(struct vfc_inproc *ip)
{
	pthread_mutex_lock(&g_lock);
	ip->epoch = g_epoch;
	ip->prev = NULL;
	ip->next = g_open;
	if (g_open)
		g_open->prev = ip;
	g_open = ip;
	pthread_mutex_unlock(&g_lock);
}

static const struct vfc_transport_ops inproc_ops = {
	.mbox = inproc_mbox,
	.device_cpu_ns = inproc_device_cpu_ns,
	.close = inproc_close,
	.note_controller = inproc_note_controller,
};

/* Sizes asked for (0 = default) against the running device's. */
static int inproc_sizes_ok(const struct vfc_transport_cfg *want, const struct vfc_pf_config *c)
{
	if (want->n_vfs && want->n_vfs != c->n_vfs)
		return 0;
	if (want->n_engines && want->n_engines != c->n_engines)
		return 0;
	if (want->ring_entries && want->ring_entries != c->ring_entries)
		return 0;
	if (want->pool_size && want->pool_size != c->pool_size)
		return 0;
	return 1;
}

/* Take a reference on the process-wide PF, creating it if needed. */
static struct vfc_pf *inproc_get_pf(const struct vfc_transport_cfg *want)
{
	struct vfc_pf_config cfg;
	struct vfc_pf *pf = NULL;
	int err = 0;

	pthread_once(&g_atfork_once, atfork_register);
	pthread_mutex_lock(&g_lock);
	if (g_pf) {
		if (!inproc_sizes_ok(want, &g_cfg)) {
			err = EINVAL;
			goto out;
		}
		pf = g_pf;
		g_refs++;
		goto out;
	}
	vfc_pf_config_init(&cfg);
	if (want->n_vfs)
		cfg.n_vfs = want->n_vfs;
	if (want->n_engines)
		cfg.n_engines = want->n_engines;
	if (want->ring_entries)
		cfg.ring_entries = want->ring_entries;
	if (want->pool_size)
		cfg.pool_size = want->pool_size;
	cfg.spin_us = want->engine_spin_us;
	/* enum vfc_engine_kind and enum vfc_pf_engine_kind share their values. */
	cfg.engine_kind = (enum vfc_pf_engine_kind)want->engine_kind;
	if (want->mb_budget_us)
		cfg.mb_budget_us = want->mb_budget_us;
	pf = vfc_pf_create(&cfg);
	if (!pf) {
		err = errno ? errno : ENOMEM;
		goto out;
	}
	g_pf = pf;
	g_cfg = cfg;
	g_refs = 1;
out:
	pthread_mutex_unlock(&g_lock);
	if (err)
		errno = err;
	return pf;
}

struct vfc_transport *vfc_transport_inproc_open(const struct vfc_transport_cfg *cfg)
{
	struct vfc_inproc *ip;
	struct vfc_vf_fds fds;
	uint32_t id;
	int err;

	ip = calloc(1, sizeof(*ip));
	if (!ip)
		return NULL;
	ip->pf = inproc_get_pf(cfg);
	if (!ip->pf) {
		err = errno;
		goto fail_pf;
	}
	/* The PF's claim takes UINT32_MAX for any free VF, as cfg does. */
	id = cfg->vf_id == VFC_TRANSPORT_ANY_VF ? UINT32_MAX : cfg->vf_id;
	err = -vfc_pf_vf_claim(ip->pf, &id, getpid(), getuid());
	if (err)
		goto fail_claim;
	err = -vfc_pf_vf_fds(ip->pf, id, &fds);
	if (err)
		goto fail_fds;
	ip->t.ops = &inproc_ops;
	ip->t.vf_id = id;
	ip->t.mem_fd = fds.mem_fd;
	ip->t.doorbell_fd = fds.doorbell_fd;
	ip->t.irq_fd = fds.irq_fd;
	ip->t.region_size = fds.region_size;
	inproc_link(ip);
	return &ip->t;

fail_fds:
	vfc_pf_vf_release(ip->pf, id);
fail_claim:
	inproc_put_pf();
fail_pf:
	free(ip);
	errno = err;
	return NULL;
}
