/* SPDX-License-Identifier: MIT */
/* vf_io.c - a VF's ring primitives shared by the engine kinds: take a burst, post a completion, interrupts, failure. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "core/desc.h"
#include "core/moder.h"
#include "core/ring.h"
#include "device/pf_internal.h"

/* Add n to a device counter (the PF's total) and to its mirror in the region,
 * which counts this tenant's work only (zeroed at release: pf.c ctr_fresh).
 * Single writer (the VF lock holder), relaxed: the mirror is informational. */
static void ctr_add(_Atomic uint64_t *ctr, _Atomic uint64_t *mirror, uint64_t n)
{
	atomic_fetch_add_explicit(ctr, n, memory_order_relaxed);
	atomic_store_explicit(mirror, atomic_load_explicit(mirror, memory_order_relaxed) + n, memory_order_relaxed);
}

void vfc__vf_irq(struct vfc__pf_vf *vf, struct vfc__region *r)
{
	uint64_t one = 1;

	/* EAGAIN (counter saturated) means the tenant has interrupts pending anyway. */
	if (write(r->irq_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
	ctr_add(&vf->ctr.irqs, &r->hdr->counters.irqs, 1);
}

void vfc__vf_moder_apply(struct vfc__pf_vf *vf, struct vfc__region *r, enum vfc_moder_verdict v,
			 uint64_t deadline, uint64_t now)
{
	struct vfc_moder_action a = vfc_moder_apply(&vf->moder, v, deadline, now);

	if (a.fire)
		vfc__vf_irq(vf, r);
	atomic_store_explicit(&vf->deadline_ns, a.deadline_ns, memory_order_relaxed);
}

/* The tenant corrupted its ring indices (FAILED) or sent invalid descriptors
 * above its policy's rate (FLOODED): stop serving the VF until RESET. [L] */
static void vf_fail(struct vfc__pf_vf *vf, struct vfc__region *r, enum vfc_vf_state why)
{
	atomic_store_explicit(&vf->fail_state, why, memory_order_relaxed);
	atomic_store_explicit(&vf->failed, true, memory_order_relaxed);
	vf->nowork_owed = 0; /* the interrupt below covers them */
	/* Release: the tenant that reads the state also sees the responses published before it. */
	atomic_store_explicit(&r->hdr->state, why, memory_order_release);
	atomic_fetch_add_explicit(&r->hdr->reset_epoch, 1, memory_order_relaxed);
	ctr_add(&vf->ctr.resets, &r->hdr->counters.resets, 1);
	atomic_store_explicit(&vf->deadline_ns, 0, memory_order_relaxed);
	/* One interrupt so that a tenant blocked on the eventfd wakes and sees the state. */
	vfc__vf_irq(vf, r);
}

void vfc__vf_post(struct vfc__pf_vf *vf, struct vfc__region *r, struct vfc__item *it, uint64_t now)
{
	struct vfc_region_hdr *hdr = r->hdr;
	struct vfc_resp_desc *rd = &r->resp_ring[vfc_ring_slot(vf->resp_tail, vf->pf->cfg.ring_entries)];
	enum vfc_moder_verdict v;
	uint64_t dl = 0;
	bool masked;

	rd->cookie = it->d.cookie;
	rd->status = it->status;
	rd->out_len = it->out_len;
	rd->dev_ns = it->dev_ns;
	rd->rsvd = 0;
	vf->resp_tail++;
	/* Release: the slot's contents (and the dst bytes) before the index that publishes them. */
	vfc_ring_publish(&hdr->resp_tail, vf->resp_tail);

	ctr_add(&vf->ctr.ops, &hdr->counters.ops, 1);
	if (it->status)
		ctr_add(&vf->ctr.errors, &hdr->counters.errors, 1);
	else
		ctr_add(&vf->ctr.bytes, &hdr->counters.bytes, vfc_desc_bytes(&it->d));
	ctr_add(&vf->ctr.dev_ns, &hdr->counters.dev_ns, it->dev_ns);
	if (vf->batch_nowork && (it->status || it->d.opcode == VFC_OP_NOP)) {
		vf->nowork_owed++; /* moderated together at the end of the visit */
		return;
	}

	/* Dekker with the tenant (ring.h): our resp_tail store, fence, its irq_masked.
	 * The tenant stores irq_masked = 0, fences and re-reads resp_tail, so
	 * either we see it unmasked and interrupt, or it sees this response. */
	vfc_ring_fence();
	masked = atomic_load_explicit(&hdr->irq_masked, memory_order_relaxed) != 0;
	v = vfc_moder_complete(&vf->moder, now, 1, masked, &dl);
	vfc__vf_moder_apply(vf, r, v, dl, now);
}

/*
 * Post n completions in ring order at once: the response slots, one publish,
 * the counters summed, and one moderation step for all of them (they are one
 * event for the moderation unit: vfc_moder_complete with n; no-work ones are
 * left to vfc__vf_flush_nowork while batch_nowork is set, as in vfc__vf_post).
 * The mb engine's lanes complete jobs together; one interrupt (an eventfd
 * write, a system call and a wake-up) per batch, not one per completion. [L]
 */
void vfc__vf_post_n(struct vfc__pf_vf *vf, struct vfc__region *r, struct vfc__item *its, unsigned n,
		    uint64_t now)
{
	struct vfc_region_hdr *hdr = r->hdr;
	uint32_t entries = vf->pf->cfg.ring_entries, errors = 0, work = 0;
	uint64_t bytes = 0, dev_ns = 0, dl = 0;
	enum vfc_moder_verdict v;
	bool masked;

	for (unsigned i = 0; i < n; i++) {
		const struct vfc__item *it = &its[i];
		struct vfc_resp_desc *rd = &r->resp_ring[vfc_ring_slot(vf->resp_tail + i, entries)];
		bool nowork = it->status || it->d.opcode == VFC_OP_NOP;

		rd->cookie = it->d.cookie;
		rd->status = it->status;
		rd->out_len = it->out_len;
		rd->dev_ns = it->dev_ns;
		rd->rsvd = 0;
		if (it->status)
			errors++;
		else
			bytes += vfc_desc_bytes(&it->d);
		dev_ns += it->dev_ns;
		if (vf->batch_nowork && nowork)
			vf->nowork_owed++;
		else
			work++;
	}
	if (!n)
		return;
	vf->resp_tail += n;
	/* Release: the slots' contents (and the dst bytes) before the index that publishes them. */
	vfc_ring_publish(&hdr->resp_tail, vf->resp_tail);
	ctr_add(&vf->ctr.ops, &hdr->counters.ops, n);
	if (errors)
		ctr_add(&vf->ctr.errors, &hdr->counters.errors, errors);
	ctr_add(&vf->ctr.bytes, &hdr->counters.bytes, bytes);
	ctr_add(&vf->ctr.dev_ns, &hdr->counters.dev_ns, dev_ns);
	if (!work)
		return;
	/* Dekker with the tenant, as in vfc__vf_post. */
	vfc_ring_fence();
	masked = atomic_load_explicit(&hdr->irq_masked, memory_order_relaxed) != 0;
	v = vfc_moder_complete(&vf->moder, now, work, masked, &dl);
	vfc__vf_moder_apply(vf, r, v, dl, now);
}

/*
 * n more invalid descriptors: over the policy's rate? GCRA: each advances a
 * theoretical arrival time by 1/rate; more than a second ahead of now means
 * the second's burst is spent. [L]
 */
static bool invalid_over_rate(struct vfc__pf_vf *vf, uint32_t n)
{
	uint64_t hz = vf->policy.max_invalid_hz, now, tat;

	if (!hz)
		return false;
	now = vfc_now_ns();
	tat = vf->invalid_tat > now ? vf->invalid_tat : now;
	tat += n * ((1000000000ull + hz - 1) / hz);
	vf->invalid_tat = tat;
	return tat - now > 1000000000ull;
}

enum vfc__nowork_state vfc__vf_nowork(struct vfc__pf_vf *vf, uint64_t now, uint64_t *until)
{
	if (!vf->policy.max_nowork_hz || vf->nowork_tat <= now + VFC__NOWORK_BURST_NS) {
		atomic_store_explicit(&vf->nowork_until, 0, memory_order_relaxed);
		return VFC__NOWORK_TAKING;
	}
	*until = vf->nowork_tat - VFC__NOWORK_BURST_NS;
	atomic_store_explicit(&vf->nowork_until, *until, memory_order_relaxed);
	return VFC__NOWORK_THROTTLED;
}

bool vfc__vf_ring_ready(struct vfc__pf_vf *vf, struct vfc__region *r, uint64_t now)
{
	return atomic_load_explicit(&r->hdr->req_tail, memory_order_relaxed) !=
		       atomic_load_explicit(&vf->req_head, memory_order_relaxed) &&
	       atomic_load_explicit(&vf->nowork_until, memory_order_relaxed) <= now;
}

/*
 * n descriptors that did no work were taken: each advances the theoretical
 * arrival time by 1/max_nowork_hz (GCRA, as the invalid rate). Once it is
 * more than the burst ahead of now the VF is THROTTLED (vfc__vf_nowork). A
 * take may overshoot by one burst of the ring: it is paid for by a longer
 * wait. [L]
 */
static void nowork_charge(struct vfc__pf_vf *vf, uint32_t n, uint64_t now)
{
	uint64_t hz = vf->policy.max_nowork_hz;

	if (!hz || !n)
		return;
	if (vf->nowork_tat < now)
		vf->nowork_tat = now;
	vf->nowork_tat += n * ((1000000000ull + hz - 1) / hz);
}

/* A taken request that does no work: answered with an error at the take, a
 * NOP, or a HASH of no bytes that gives no digest (max_nowork_hz). */
static bool does_no_work(const struct vfc__item *it)
{
	const struct vfc_req_desc *d = &it->d;

	return it->status || d->opcode == VFC_OP_NOP ||
	       (d->opcode == VFC_OP_HASH && !d->src_len && !(d->flags & VFC_REQ_F_LAST));
}

unsigned vfc__vf_take(struct vfc__engine *e, struct vfc__pf_vf *vf, struct vfc__region *r,
		      struct vfc__item *items)
{
	const struct vfc_pf_config *cfg = &e->pf->cfg;
	struct vfc_region_hdr *hdr = r->hdr;
	uint32_t entries = cfg->ring_entries;
	uint32_t head = atomic_load_explicit(&vf->req_head, memory_order_relaxed);
	uint32_t tail, rhead, n, space, unconsumed, invalid = 0, nowork = 0;
	uint64_t now = 0, until;

	if (vf->policy.max_nowork_hz) {
		now = vfc_now_ns();
		if (vfc__vf_nowork(vf, now, &until) == VFC__NOWORK_THROTTLED)
			return 0; /* the ring waits, untouched, until the allowance refills */
	}
	/* Acquire: the tenant's descriptor writes before its req_tail store are visible. */
	tail = vfc_ring_load_peer(&hdr->req_tail);
	/* Acquire: the tenant has finished reading the response slots it freed. */
	rhead = vfc_ring_load_peer(&hdr->resp_head);
	if (!vfc_ring_sane(head, tail, entries) || !vfc_ring_sane(rhead, vf->resp_tail, entries)) {
		vf_fail(vf, r, VFC_VF_FAILED);
		return 0;
	}
	n = vfc_ring_count(head, tail);
	space = vfc_ring_free(rhead, vf->resp_tail, entries);
	unconsumed = vfc_ring_count(rhead, vf->resp_tail);
	if (n > space)
		n = space;
	if (n > cfg->burst)
		n = cfg->burst;
	if (!n)
		return 0;

	/* Copy the descriptors out first; only the private copies are looked at (no double fetch). */
	for (uint32_t i = 0; i < n; i++)
		memcpy(&items[i].d, &r->req_ring[vfc_ring_slot(head + i, entries)], sizeof(items[i].d));
	head += n;
	atomic_store_explicit(&vf->req_head, head, memory_order_relaxed);
	/* Release: our reads of the slots happen before the tenant may reuse them. */
	vfc_ring_publish(&hdr->req_head, head);

	for (uint32_t i = 0; i < n; i++) {
		struct vfc__item *it = &items[i];
		int st = vfc_desc_validate(&it->d, cfg->pool_size);

		if (st)
			invalid++;

		/* Policy: what the tenant has outstanding when this request is taken is the
		 * responses it has not consumed plus the requests before this one in the
		 * burst (their responses come first). Beyond the limit: -EBUSY, not run. */
		if (!st && vf->policy.max_in_flight && unconsumed + i >= vf->policy.max_in_flight)
			st = -EBUSY;
		it->s = NULL;
		if (!st && !(it->d.opcode == VFC_OP_NOP && it->d.session == 0)) {
			it->s = vfc__session_lookup(&vf->crypto, it->d.session);
			if (!it->s)
				st = -ENOENT;
			else if (!vfc_alg_allows(it->s->alg, it->d.opcode))
				st = -EOPNOTSUPP;
		}
		it->status = st;
		it->out_len = 0;
		it->dev_ns = 0;
		nowork += does_no_work(it);
	}
	nowork_charge(vf, nowork, now);
	if (invalid && invalid_over_rate(vf, invalid)) {
		/* The burst dies with the VF, as requests in corrupted rings do:
		 * the driver completes everything in flight when it sees the state. */
		vf_fail(vf, r, VFC_VF_FLOODED);
		return 0;
	}
	return n;
}

void vfc__vf_flush_nowork(struct vfc__pf_vf *vf, struct vfc__region *r, uint64_t now)
{
	enum vfc_moder_verdict v;
	uint64_t dl = 0;
	bool masked;

	if (!vf->nowork_owed)
		return;
	/* As in vfc__vf_post: the responses published before the mask is read. */
	vfc_ring_fence();
	masked = atomic_load_explicit(&r->hdr->irq_masked, memory_order_relaxed) != 0;
	v = vfc_moder_complete(&vf->moder, now, vf->nowork_owed, masked, &dl);
	vf->nowork_owed = 0;
	vfc__vf_moder_apply(vf, r, v, dl, now);
}

void vfc__vf_check_due(struct vfc__pf_vf *vf, struct vfc__region *r, uint64_t now)
{
	uint64_t dl = atomic_load_explicit(&vf->deadline_ns, memory_order_relaxed), ndl = 0;
	enum vfc_moder_verdict v;
	bool masked;

	if (!dl || dl > now)
		return;
	/* The fence orders our earlier resp_tail stores before this read (see vfc__vf_post). */
	vfc_ring_fence();
	masked = atomic_load_explicit(&r->hdr->irq_masked, memory_order_relaxed) != 0;
	v = vfc_moder_check(&vf->moder, now, masked, &ndl);
	vfc__vf_moder_apply(vf, r, v, ndl, now);
}

