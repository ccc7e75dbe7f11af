/* SPDX-License-Identifier: MIT */
/* pf_internal.h - the PF's private state shared by pf.c (control path) and engine.c (data path). */
#ifndef VFC_DEVICE_PF_INTERNAL_H
#define VFC_DEVICE_PF_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/controller/controller.h"
#include "core/moder.h"
#include "device/crypto.h"
#include "device/mb.h"
#include "device/pf.h"

#define VFC__BURST_MAX 64
/* The deficit round robin (engine.c): engine time a visit grants per unit of
 * weight, and the largest piece of a CIPHER or HASH request run at once (whole
 * AES blocks). Chosen by measurement: docs/scheduling.md. */
#ifndef VFC__QUANTUM_NS /* overridable (-D) for the measurement only */
#define VFC__QUANTUM_NS 32000
#endif
#ifndef VFC__PIECE_BYTES
#define VFC__PIECE_BYTES 32768u
#endif
/* The policy's max_nowork_hz (vf_io.c): a tenant may send this much of a
 * second's worth of descriptors that do no work at once. */
#define VFC__NOWORK_BURST_NS 100000000ull
/* The epoll tag of an engine's kick eventfd (VF doorbells are tagged with the VF's index). */
#define VFC__KICK_TAG UINT32_MAX

/* One incarnation of a VF's shared state: the memfd region and its eventfds.
 * A release replaces it with a fresh one, so a previous tenant that kept its
 * mapping or fds sees nothing of the next tenant. */
struct vfc__region {
	int mem_fd, doorbell_fd, irq_fd;
	uint64_t size;
	uint8_t *base;
	struct vfc_region_hdr *hdr;
	struct vfc_req_desc *req_ring;
	struct vfc_resp_desc *resp_ring;
	uint8_t *pool;
};

/* Authoritative counters; one writer at a time (the holder of the VF lock),
 * read by anyone: relaxed atomics, no ordering needed between them. */
struct vfc__ctr {
	_Atomic uint64_t ops, bytes, irqs, errors, resets, dev_ns;
	_Atomic uint32_t cap_hz;
};

/*
 * A VF's place in the engines' deficit round robin (engine.c), in engine time:
 * each visit grants VFC__QUANTUM_NS x weight, each piece run is charged what it
 * took. Requests taken from the ring wait here until they complete, in ring
 * order; the first may be in progress (done bytes run). Kept per VF under its
 * lock, so whichever engine holds the VF next continues it. [L]
 */
struct vfc__drr {
	int64_t deficit_ns; /* negative: engine time the VF used beyond its grants */
	unsigned n, next;   /* requests taken; the first not complete */
	uint32_t done;      /* bytes of items[next] already run */
	struct vfc__item items[VFC__BURST_MAX];
};

/*
 * Whether the engines take from a VF's ring, by its descriptors that do no
 * work (NOPs and errors found at the take) against the policy's
 * max_nowork_hz: beyond the rate the VF is THROTTLED, its ring is left alone
 * (not visited, not work for the idle check) until the allowance refills.
 */
enum vfc__nowork_state {
	VFC__NOWORK_TAKING = 0,
	VFC__NOWORK_THROTTLED = 1,
};

struct vfc__pf_vf {
	struct vfc_pf *pf;
	uint32_t id;
	unsigned weight;

	/* Engines trylock it and serve the VF while holding it; the control path
	 * locks it (waiting for the engine to finish its burst). Everything
	 * marked [L] is protected by it. */
	pthread_mutex_t lock;
	/* An engine holds the lock (a hint for the idle check of other engines:
	 * work on a VF being served is that engine's business). */
	_Atomic bool in_service;
	/* Claimed by a tenant; written under pf->lock and the VF lock, read by
	 * engines as a hint before locking and for real under the lock. */
	_Atomic bool claimed;
	/* The current region: swapped by release under the VF lock, the old one
	 * freed after every engine has passed a quiescent point. */
	struct vfc__region *_Atomic reg;

	/* [L] private copies of the device-owned indices (the shared ones are tenant-writable). */
	_Atomic uint32_t req_head; /* relaxed: also read unlocked by the idle check, as a hint */
	uint32_t resp_tail;
	_Atomic bool failed;       /* [L] write; relaxed reads as a hint */
	_Atomic uint32_t fail_state; /* [L] write: why it failed, VFC_VF_FAILED or VFC_VF_FLOODED */
	uint64_t invalid_tat;      /* [L] the invalid-descriptor rate's theoretical arrival time (vf_io.c) */
	uint64_t nowork_tat;       /* [L] the same for descriptors that do no work (max_nowork_hz) */
	/* While the VF is VFC__NOWORK_THROTTLED: when its allowance has refilled
	 * (0 = taking). [L] write; read unlocked by the idle check (relaxed: a
	 * hint, a stale value costs an early or a late wake-up of at most one
	 * refill). */
	_Atomic uint64_t nowork_until;
	struct vfc_moder moder;    /* [L] */
	/* Deadline of an owed interrupt, 0 = none. [L] write; read unlocked by
	 * engines computing their sleep timeout (relaxed: a stale value only costs
	 * an early or a spurious wakeup, and the writer kicks sleepers). */
	_Atomic uint64_t deadline_ns;
	struct vfc_moderation want;  /* [L] the tenant's last request, before clamping */
	bool pf_mode;                /* [L] the tenant runs controller pf: the coordinator's cap is in force */
	uint32_t pf_cap;             /* [L] the coordinator's cap for it (pf_coord.c), before clamping */
	struct vfc_vf_policy policy; /* [L] */
	struct vfc__crypto crypto;   /* [L] */
	struct vfc__drr drr;         /* [L] */
	/* [L] While set (an engine's visit), completions that did no work (errors,
	 * NOPs) are posted without their moderation step and counted here;
	 * vfc__vf_flush_nowork() gives them to the moderation unit as one batch at
	 * the end of the visit: a flood of rejected descriptors or NOPs costs at
	 * most one interrupt per visit, not one per descriptor. */
	bool batch_nowork;
	uint32_t nowork_owed;
	/* Taken requests wait in drr (a hint for the idle check, like in_service). */
	_Atomic bool backlog;
	struct vfc__ctr ctr;
	struct vfc_counters claim_base; /* [L] the totals at claim: GET_COUNTERS answers the tenant's share */

	pid_t owner_pid; /* pf->lock */
	uid_t owner_uid;
};

struct vfc__engine {
	struct vfc_pf *pf;
	unsigned idx;
	pthread_t thread;
	bool started;
	int epfd;
	int kick_fd; /* eventfd in epfd: stop, moderation changes, grace periods */
	/* Bumped at the top of each loop iteration, where the engine holds no
	 * region pointer (release: store; waiter: acquire). */
	_Atomic uint64_t qseq;
	struct vfc__mb *mb; /* the mb kind's state (mb_engine.c), owned by the engine thread */
	struct vfc__mb_stats mb_stats; /* its counters (mb_engine.c), readable while it runs */
	bool contended;     /* more than one VF had work in the last round (engine.c) */
};

struct vfc__coord_dev;

struct vfc_pf {
	struct vfc_pf_config cfg;
	struct vfc__algs algs;
	pthread_mutex_t lock; /* claim, release, fds */
	_Atomic bool stop;
	struct vfc__pf_vf *vfs;
	struct vfc__engine *engines;
	struct vfc__coord_dev *coord;        /* pf_coord.c: started by the first VF in pf mode (pf->lock) */
};

/* pf_moder.c: apply a moderation request (the coordinator's cap instead of its cap in pf mode),
 * clamped to the VF's policy; keep_pending: completions owed stay owed. [L] */
void vfc__moder_apply_cfg(struct vfc__pf_vf *vf, struct vfc__region *r, const struct vfc_moderation *want,
			  struct vfc_moderation *applied, bool keep_pending);

/* pf_coord.c: stop the coordinator's thread and free it (vfc_pf_free, before the engines stop). */
void vfc__coord_stop(struct vfc_pf *pf);

/* kind.c: AUTO becomes MB or OPENSSL; MB stays MB only where it can run. */
enum vfc_pf_engine_kind vfc__engine_kind_resolve(enum vfc_pf_engine_kind k);

/* engine.c */
void vfc__engine_kick(struct vfc__engine *e);
/* A fresh max_nowork_hz allowance (TAKING); kick: wake the engines to see the
 * ring (a policy change; a reset or release needs none). [L] */
void vfc__vf_nowork_reset(struct vfc__pf_vf *vf, bool kick);
/* Drop the requests taken and not completed, and the deficit (reset, release). [L] */
void vfc__drr_reset(struct vfc__pf_vf *vf);
void *vfc__engine_main(void *arg);
/* Deliver an interrupt to a VF ([L]). */
void vfc__vf_irq(struct vfc__pf_vf *vf, struct vfc__region *r);
/* Take one burst (at most cfg.burst) from a VF's ring into items: copied,
 * validated, sessions looked up; a failed item has its status set. Returns
 * the count (0 also when the rings were corrupt: the VF is failed). [L] */
unsigned vfc__vf_take(struct vfc__engine *e, struct vfc__pf_vf *vf, struct vfc__region *r,
		      struct vfc__item *items);
/* The VF's nowork state at now; THROTTLED sets *until (when the engines may
 * take again). Both engine kinds skip a THROTTLED VF; vfc__vf_take returns 0
 * for it. [L] */
enum vfc__nowork_state vfc__vf_nowork(struct vfc__pf_vf *vf, uint64_t now, uint64_t *until);
/* Requests in the ring that the engines may take at now, as a hint read
 * without the VF's lock (relaxed): none while it is THROTTLED, by the
 * nowork_until its last take published. The idle check and the mb engine's
 * "more work coming" use it; the holder of the lock asks vfc__vf_nowork. */
bool vfc__vf_ring_ready(struct vfc__pf_vf *vf, struct vfc__region *r, uint64_t now);
/* Post one completion: response, counters, moderation. In ring order. [L] */
void vfc__vf_post(struct vfc__pf_vf *vf, struct vfc__region *r, struct vfc__item *it, uint64_t now);
/* Moderate the no-work completions owed since batch_nowork was set (one batch). [L] */
void vfc__vf_flush_nowork(struct vfc__pf_vf *vf, struct vfc__region *r, uint64_t now);
/* Re-evaluate an owed interrupt whose deadline passed. [L] */
void vfc__vf_check_due(struct vfc__pf_vf *vf, struct vfc__region *r, uint64_t now);
/* Apply a moderation verdict: fire now or remember the deadline ([L]). */
void vfc__vf_moder_apply(struct vfc__pf_vf *vf, struct vfc__region *r, enum vfc_moder_verdict v,
			 uint64_t deadline, uint64_t now);
/* Post n completions (ring order) at once: one publish, one moderation step (mb engine). [L] */
void vfc__vf_post_n(struct vfc__pf_vf *vf, struct vfc__region *r, struct vfc__item *its, unsigned n,
		    uint64_t now);

#endif
