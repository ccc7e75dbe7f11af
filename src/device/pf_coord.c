/* SPDX-License-Identifier: MIT */
/* pf_coord.c - the PF's coordinator thread: reads the pf-mode VFs' counters and queues, steps core's coordinator, applies its caps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/coord.h"
#include "core/ring.h"
#include "device/pf_internal.h"
#include "os/clock.h"
#include "os/thread.h"

/*
 * A thread of its own rather than a hook in the engines' loop: engines sleep when idle and their
 * loop is the data path; the coordinator wakes VFC__COORD_SUBS times per tick whatever the
 * engines do, takes each VF's lock for a few loads (engines only trylock: at worst they serve
 * another VF first), and costs nothing until a VF asks for pf mode. Between ticks it samples each
 * member's queue (requests in flight, as the region's indices say), so that a tick's depth is the
 * most seen during it, as the driver's monitor counts it.
 */
#define VFC__COORD_SUBS 10

struct vfc__coord_dev {
	struct vfc_pf *pf;
	pthread_t thread;
	pthread_mutex_t lock; /* st, stop */
	pthread_cond_t cond;
	bool stop;
	uint64_t tick_ns;
	_Atomic uint32_t cap; /* the common cap now (read by vfc_pf_vf_set_pf_mode without the lock) */
	struct vfc_coord st;
	struct vfc_coord_vf rd[VFC_MAX_VFS]; /* the thread's own */
	uint32_t depth[VFC_MAX_VFS];         /* the thread's own: most in flight since the last tick */
	bool trace;                          /* VFC_PF_TRACE set: a line per tick on stderr */
	uint64_t t0;                         /* the thread's start (the trace's time origin) */
};

/* The VF's requests in flight as its region says (tenant-written indices: clamped). [L] */
static uint32_t in_flight(const struct vfc__pf_vf *vf)
{
	const struct vfc__region *r = atomic_load_explicit(&vf->reg, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->hdr->req_tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->hdr->resp_head, memory_order_relaxed);
	uint32_t n = vfc_ring_count(head, tail);

	return n > vf->pf->cfg.ring_entries ? vf->pf->cfg.ring_entries : n;
}

static void sample_depths(struct vfc__coord_dev *d)
{
	struct vfc_pf *pf = d->pf;

	for (unsigned i = 0; i < pf->cfg.n_vfs; i++) {
		struct vfc__pf_vf *vf = &pf->vfs[i];
		uint32_t n;

		pthread_mutex_lock(&vf->lock);
		if (vf->pf_mode && atomic_load_explicit(&vf->claimed, memory_order_relaxed)) {
			n = in_flight(vf);
			if (n > d->depth[i])
				d->depth[i] = n;
		}
		pthread_mutex_unlock(&vf->lock);
	}
}

/* Give each member its cap, caps[i] (only where it changed); cap the common one (for VFs joining). */
static void apply_caps(struct vfc__coord_dev *d, uint32_t cap, const uint32_t *caps)
{
	struct vfc_pf *pf = d->pf;

	atomic_store_explicit(&d->cap, cap, memory_order_relaxed);
	for (unsigned i = 0; i < pf->cfg.n_vfs; i++) {
		struct vfc__pf_vf *vf = &pf->vfs[i];
		uint32_t mine = caps[i];

		if (!d->rd[i].member)
			continue;
		pthread_mutex_lock(&vf->lock);
		if (vf->pf_mode && vf->pf_cap != mine && atomic_load_explicit(&vf->claimed, memory_order_relaxed)) {
			struct vfc_moderation want = vf->want;

			vf->pf_cap = mine;
			vfc__moder_apply_cfg(vf, atomic_load_explicit(&vf->reg, memory_order_relaxed), &want, NULL, true);
		}
		pthread_mutex_unlock(&vf->lock);
	}
}

/* A line per tick on stderr (VFC_PF_TRACE): what the coordinator saw and decided. [d->lock] */
static void trace_tick(const struct vfc__coord_dev *d, uint64_t now)
{
	char line[320];

	vfc_coord_format_tick(&d->st, (double)(now - d->t0) / 1e9, line, sizeof(line));
	fprintf(stderr, "%s\n", line);
}

/* One tick: every VF's reading into the coordinator, its caps to the members (the common cap, or with
 * the balance, pf:bal, the common cap x each member's multiplier). */
static void coord_tick(struct vfc__coord_dev *d, uint64_t now)
{
	struct vfc_pf *pf = d->pf;
	uint32_t cap, caps[VFC_MAX_VFS];

	for (unsigned i = 0; i < pf->cfg.n_vfs; i++) {
		struct vfc__pf_vf *vf = &pf->vfs[i];
		struct vfc_coord_vf *r = &d->rd[i];

		pthread_mutex_lock(&vf->lock);
		r->member = vf->pf_mode && atomic_load_explicit(&vf->claimed, memory_order_relaxed);
		pthread_mutex_unlock(&vf->lock);
		r->ops = atomic_load_explicit(&vf->ctr.ops, memory_order_relaxed);
		r->bytes = atomic_load_explicit(&vf->ctr.bytes, memory_order_relaxed);
		r->irqs = atomic_load_explicit(&vf->ctr.irqs, memory_order_relaxed);
		r->busy_ns = atomic_load_explicit(&vf->ctr.dev_ns, memory_order_relaxed);
		r->depth = d->depth[i];
		d->depth[i] = 0;
	}
	pthread_mutex_lock(&d->lock);
	cap = vfc_coord_tick(&d->st, now, d->rd, pf->cfg.n_vfs, pf->cfg.n_engines);
	for (unsigned i = 0; i < pf->cfg.n_vfs; i++)
		caps[i] = vfc_coord_member_cap(&d->st, i);
	if (d->trace)
		trace_tick(d, now);
	pthread_mutex_unlock(&d->lock);
	apply_caps(d, cap, caps);
}

static void *coord_main(void *arg)
{
	struct vfc__coord_dev *d = arg;
	uint64_t sub = d->tick_ns / VFC__COORD_SUBS, next = vfc_now_ns() + d->tick_ns;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		uint64_t at = vfc_now_ns() + sub, now;
		struct timespec ts = { .tv_sec = (time_t)(at / 1000000000ull), .tv_nsec = (long)(at % 1000000000ull) };

		pthread_cond_timedwait(&d->cond, &d->lock, &ts);
		if (d->stop)
			break;
		pthread_mutex_unlock(&d->lock);
		sample_depths(d);
		now = vfc_now_ns();
		if (now >= next) {
			coord_tick(d, now);
			next += d->tick_ns;
			if (next <= now) /* the thread was held up for a tick or more: no catching up */
				next = now + d->tick_ns;
		}
		pthread_mutex_lock(&d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Start the coordinator (pf->lock held) with the PF's controller, or spec if the PF's config names
 * none. 0 or a negative errno. */
static int coord_start(struct vfc_pf *pf, const char *spec)
{
	struct vfc__coord_dev *d;
	pthread_condattr_t ca;
	int rc;

	if (pf->cfg.coord_ctl[0]) /* the PF's configuration decides (pf.h) */
		spec = pf->cfg.coord_ctl;
	if (!vfc_coord_spec_ok(spec))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->pf = pf;
	d->trace = getenv("VFC_PF_TRACE") != NULL;
	d->t0 = vfc_now_ns();
	d->tick_ns = (uint64_t)(pf->cfg.coord_tick_ms ? pf->cfg.coord_tick_ms : VFC_PF_COORD_DEFAULT_TICK_MS) * 1000000ull;
	rc = vfc_coord_init_spec(&d->st, spec, VFC_COORD_INITIAL_HZ);
	if (getenv("VFC_PF_FILL")) /* measurement only: the rule's target */
		d->st.fill_target = atof(getenv("VFC_PF_FILL"));
	if (rc < 0) {
		free(d);
		return -EINVAL;
	}
	atomic_store_explicit(&d->cap, vfc_coord_cap(&d->st), memory_order_relaxed);
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* vfc_now_ns's clock */
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = -pthread_create(&d->thread, NULL, coord_main, d);
	if (rc) {
		pthread_cond_destroy(&d->cond);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return rc;
	}
	vfc_thread_name(d->thread, "vfc-pf-coord", 0);
	pf->coord = d;
	return 0;
}

void vfc__coord_stop(struct vfc_pf *pf)
{
	struct vfc__coord_dev *d = pf->coord;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d);
	pf->coord = NULL;
}

int vfc_pf_vf_set_pf_mode(struct vfc_pf *pf, uint32_t vf_id, bool on, const char *coord_spec)
{
	struct vfc__pf_vf *vf;
	struct vfc_moderation want;
	int rc = 0;

	if (!pf || vf_id >= pf->cfg.n_vfs)
		return -EINVAL;
	vf = &pf->vfs[vf_id];
	pthread_mutex_lock(&pf->lock);
	if (on && !pf->coord)
		rc = coord_start(pf, coord_spec);
	pthread_mutex_unlock(&pf->lock);
	if (rc)
		return rc;
	pthread_mutex_lock(&vf->lock);
	if (!atomic_load_explicit(&vf->claimed, memory_order_relaxed)) {
		rc = -EPERM;
	} else if (vf->pf_mode != on) {
		/* Joining: the common cap now; leaving: the tenant's own request again. */
		vf->pf_mode = on;
		vf->pf_cap = on ? atomic_load_explicit(&pf->coord->cap, memory_order_relaxed) : 0;
		want = vf->want;
		vfc__moder_apply_cfg(vf, atomic_load_explicit(&vf->reg, memory_order_relaxed), &want, NULL, true);
	}
	pthread_mutex_unlock(&vf->lock);
	return rc;
}

int vfc_pf_coord_info(struct vfc_pf *pf, struct vfc_pf_coord_info *out)
{
	struct vfc__coord_dev *d;

	if (!pf || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&pf->lock);
	d = pf->coord;
	if (d) {
		pthread_mutex_lock(&d->lock);
		out->running = true;
		out->members = d->st.members;
		out->cap_hz = vfc_coord_cap(&d->st);
		out->ticks = d->st.ticks;
		out->mbps = d->st.last.mbps;
		out->busy_frac = d->st.busy_frac;
		strncpy(out->state, vfc_coord_state_name(d->st.state), sizeof(out->state) - 1);
		strncpy(out->ctl_state, vfc_coord_rule_state(&d->st), sizeof(out->ctl_state) - 1);
		pthread_mutex_unlock(&d->lock);
	} else {
		strncpy(out->state, "off", sizeof(out->state) - 1);
	}
	pthread_mutex_unlock(&pf->lock);
	return 0;
}
