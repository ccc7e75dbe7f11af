/* SPDX-License-Identifier: MIT */
/* moder.h - the moderation unit's decision: given now and the pending completions, fire an interrupt now or when. */
#ifndef VFC_CORE_MODER_H
#define VFC_CORE_MODER_H

#include <stdbool.h>
#include <stdint.h>

#include "vfcrypt/abi.h"

/* Default wait for a count threshold > 1 with no timeout and no cap. */
#define VFC_MODER_DEFAULT_TIMEOUT_NS 100000ull

enum vfc_moder_verdict {
	VFC_MODER_IDLE = 0, /* nothing pending: no interrupt owed */
	VFC_MODER_FIRE = 1, /* deliver the interrupt now, then call vfc_moder_fired() */
	VFC_MODER_WAIT = 2, /* an interrupt is owed: call vfc_moder_check() again at *deadline_ns */
};

/* What the caller must do after a verdict (vfc_moder_apply). */
struct vfc_moder_action {
	bool fire;            /* deliver an interrupt now (already recorded as fired) */
	uint64_t deadline_ns; /* an interrupt is owed: vfc_moder_check() again at this time; 0: none owed */
};

/* Caller-owned state of one VF's moderation unit. Pure logic: time comes in
 * as integer ns from the caller's monotonic clock. */
struct vfc_moder {
	struct vfc_moderation cfg;
	uint64_t gap_ns;          /* 1e9 / cap_hz (rounded up); 0 = no cap */
	uint64_t last_irq_ns;     /* when the last interrupt fired */
	bool fired_once;          /* last_irq_ns is meaningful */
	uint32_t pending;         /* completions posted since the last interrupt */
	uint64_t first_pending_ns;/* when the oldest of them was posted */
};

void vfc_moder_init(struct vfc_moder *m, const struct vfc_moderation *cfg);
/* Change the configuration; pending completions stay pending. */
void vfc_moder_set(struct vfc_moder *m, const struct vfc_moderation *cfg);
/* n completions were posted at now_ns. masked: the tenant polls (irq_masked
 * read after a seq_cst fence that follows publishing the responses): pending
 * completions are dropped (the poller sees them in the ring) and IDLE is
 * returned. Otherwise FIRE or WAIT (deadline set). */
enum vfc_moder_verdict vfc_moder_complete(struct vfc_moder *m, uint64_t now_ns, uint32_t n,
					  bool masked, uint64_t *deadline_ns);
/* Re-evaluate at now_ns (a deadline passed, or the mask changed). */
enum vfc_moder_verdict vfc_moder_check(struct vfc_moder *m, uint64_t now_ns, bool masked,
				       uint64_t *deadline_ns);
/* The caller delivered the interrupt at now_ns. */
void vfc_moder_fired(struct vfc_moder *m, uint64_t now_ns);
/*
 * Turn verdict v (deadline_ns as the call that returned it set it) at now_ns
 * into what the caller must do. FIRE: recorded as fired (vfc_moder_fired),
 * fire = true, deadline 0: the caller delivers the interrupt. WAIT: the
 * deadline, never 0 (0 means none owed). IDLE: nothing. How the caller keeps
 * the deadline is its own (the device keeps one and moves it; the simulator
 * keeps its earliest armed timer event and skips stale ones). Inline: it
 * runs after every completion, in the device's engines and the simulator.
 */
static inline struct vfc_moder_action vfc_moder_apply(struct vfc_moder *m, enum vfc_moder_verdict v,
						       uint64_t deadline_ns, uint64_t now_ns)
{
	struct vfc_moder_action a = { false, 0 };

	switch (v) {
	case VFC_MODER_FIRE:
		vfc_moder_fired(m, now_ns);
		a.fire = true;
		break;
	case VFC_MODER_WAIT:
		/* A deadline is later than the now that set it, so never 0 in practice; keep 0 as "none". */
		a.deadline_ns = deadline_ns ? deadline_ns : 1;
		break;
	default:
		break;
	}
	return a;
}

#endif
