/* SPDX-License-Identifier: MIT */
/* moder.c - the moderation unit's decision: rate cap, count threshold and timeout coalescing, masking. */
#include "core/moder.h"

#include <string.h>

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* How long the oldest pending completion may wait for the count threshold. */
static uint64_t eff_timeout(const struct vfc_moder *m)
{
	if (m->cfg.timeout_ns)
		return m->cfg.timeout_ns;
	if (m->cfg.count > 1)
		return m->gap_ns ? m->gap_ns : VFC_MODER_DEFAULT_TIMEOUT_NS;
	return 0;
}

/* Earliest time at which the pending completions are worth an interrupt. */
static uint64_t ready_at(const struct vfc_moder *m)
{
	uint32_t need = m->cfg.count > 1 ? m->cfg.count : 1;

	if (m->pending >= need)
		return 0;
	return sat_add(m->first_pending_ns, eff_timeout(m));
}

/* Earliest time at which the rate cap lets another interrupt through. */
static uint64_t allowed_at(const struct vfc_moder *m)
{
	if (!m->gap_ns || !m->fired_once)
		return 0;
	return sat_add(m->last_irq_ns, m->gap_ns);
}

void vfc_moder_set(struct vfc_moder *m, const struct vfc_moderation *cfg)
{
	m->cfg = *cfg;
	/* ceil(1e9 / cap): the gap never lets more than cap_hz interrupts through in a second. */
	m->gap_ns = cfg->cap_hz ? (1000000000ull + cfg->cap_hz - 1) / cfg->cap_hz : 0;
}

void vfc_moder_init(struct vfc_moder *m, const struct vfc_moderation *cfg)
{
	memset(m, 0, sizeof(*m));
	vfc_moder_set(m, cfg);
}

enum vfc_moder_verdict vfc_moder_check(struct vfc_moder *m, uint64_t now_ns, bool masked,
				       uint64_t *deadline_ns)
{
	uint64_t at;

	if (masked)
		m->pending = 0; /* the poller finds them in the ring */
	if (!m->pending)
		return VFC_MODER_IDLE;
	at = max(ready_at(m), allowed_at(m));
	if (now_ns >= at)
		return VFC_MODER_FIRE;
	*deadline_ns = at;
	return VFC_MODER_WAIT;
}

enum vfc_moder_verdict vfc_moder_complete(struct vfc_moder *m, uint64_t now_ns, uint32_t n,
					  bool masked, uint64_t *deadline_ns)
{
	if (!masked && n) {
		if (!m->pending)
			m->first_pending_ns = now_ns;
		m->pending = m->pending > UINT32_MAX - n ? UINT32_MAX : m->pending + n;
	}
	return vfc_moder_check(m, now_ns, masked, deadline_ns);
}

void vfc_moder_fired(struct vfc_moder *m, uint64_t now_ns)
{
	m->last_irq_ns = now_ns;
	m->fired_once = true;
	m->pending = 0;
}
