/* SPDX-License-Identifier: MIT */
/* pf_moder.c - a VF's moderation as the PF applies it: the tenant's request or the coordinator's cap, clamped to the VF's policy. */
#include <errno.h>

#include "core/moder.h"
#include "core/ring.h"
#include "device/pf_internal.h"
#include "os/clock.h"

#define VFC__TIMEOUT_MAX_NS 1000000000ull /* a coalescing timeout never exceeds 1 s */

static uint32_t clamp_cap(const struct vfc_vf_policy *pol, uint32_t cap)
{
	if (cap == 0 && pol->max_cap_hz)
		cap = pol->max_cap_hz; /* "no cap" under a maximum is the maximum */
	if (cap && pol->min_cap_hz && cap < pol->min_cap_hz)
		cap = pol->min_cap_hz;
	if (pol->max_cap_hz && cap > pol->max_cap_hz)
		cap = pol->max_cap_hz;
	return cap;
}

void vfc__moder_apply_cfg(struct vfc__pf_vf *vf, struct vfc__region *r, const struct vfc_moderation *want,
			  struct vfc_moderation *applied, bool keep_pending)
{
	struct vfc_moderation m = *want;
	enum vfc_moder_verdict v;
	uint64_t now, dl = 0;
	bool masked;

	vf->want = *want;
	/* In pf mode the coordinator's cap replaces the tenant's; its count and timeout stay. */
	if (vf->pf_mode)
		m.cap_hz = vf->pf_cap;
	m.cap_hz = clamp_cap(&vf->policy, m.cap_hz);
	if (m.timeout_ns > VFC__TIMEOUT_MAX_NS)
		m.timeout_ns = VFC__TIMEOUT_MAX_NS;
	if (keep_pending) {
		vfc_moder_set(&vf->moder, &m);
	} else {
		vfc_moder_init(&vf->moder, &m);
		atomic_store_explicit(&vf->deadline_ns, 0, memory_order_relaxed);
	}
	atomic_store_explicit(&vf->ctr.cap_hz, m.cap_hz, memory_order_relaxed);
	atomic_store_explicit(&r->hdr->counters.cap_hz, m.cap_hz, memory_order_relaxed);
	if (applied)
		*applied = m;
	if (!keep_pending)
		return;
	/* Completions may be owed: the new settings can make them due now or at
	 * another time. Sleeping engines are kicked to see a new deadline. */
	now = vfc_now_ns();
	vfc_ring_fence(); /* as in the engine: our resp_tail stores before irq_masked */
	masked = atomic_load_explicit(&r->hdr->irq_masked, memory_order_relaxed) != 0;
	v = vfc_moder_check(&vf->moder, now, masked, &dl);
	vfc__vf_moder_apply(vf, r, v, dl, now);
	if (v == VFC_MODER_WAIT)
		for (unsigned i = 0; i < vf->pf->cfg.n_engines; i++)
			vfc__engine_kick(&vf->pf->engines[i]);
}

int vfc_pf_set_policy(struct vfc_pf *pf, uint32_t vf_id, const struct vfc_vf_policy *pol)
{
	struct vfc_moderation want;
	struct vfc__pf_vf *vf;

	if (vf_id >= pf->cfg.n_vfs || !pol)
		return -EINVAL;
	if (pol->min_cap_hz && pol->max_cap_hz && pol->min_cap_hz > pol->max_cap_hz)
		return -EINVAL;
	vf = &pf->vfs[vf_id];
	pthread_mutex_lock(&vf->lock);
	if (pol->max_nowork_hz != vf->policy.max_nowork_hz)
		vfc__vf_nowork_reset(vf, true);
	vf->policy = *pol;
	/* Re-clamp the moderation in force to the new bounds. */
	want = vf->want;
	vfc__moder_apply_cfg(vf, atomic_load_explicit(&vf->reg, memory_order_relaxed), &want, NULL, true);
	pthread_mutex_unlock(&vf->lock);
	return 0;
}

int vfc_pf_get_policy(struct vfc_pf *pf, uint32_t vf_id, struct vfc_vf_policy *pol)
{
	if (vf_id >= pf->cfg.n_vfs || !pol)
		return -EINVAL;
	pthread_mutex_lock(&pf->vfs[vf_id].lock);
	*pol = pf->vfs[vf_id].policy;
	pthread_mutex_unlock(&pf->vfs[vf_id].lock);
	return 0;
}
