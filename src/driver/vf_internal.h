/* SPDX-License-Identifier: MIT */
/* vf_internal.h - the VF driver's private state (struct vfc_vf), for its modules and the speed monitor. */
#ifndef VFC_DRIVER_VF_INTERNAL_H
#define VFC_DRIVER_VF_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "os/clock.h"
#include "core/controller/controller.h"
#include "core/speed_sample.h"
#include "core/pool.h"
#include "transport/transport.h"
#include "vfcrypt/abi.h"
#include "vfcrypt/vfc.h"

/* Sessions live on a per-VF list so that close can free the leftovers. */
struct vfc_session {
	struct vfc_vf *vf;
	uint32_t handle;
	enum vfc_alg alg;
	bool digest_first; /* the next digest update starts a message (FIRST) */
	struct vfc_session *prev, *next;
};

/* One request in flight: the cookie sent is gen << 32 | slot. A partitioned
 * op's pieces each hold a slot; the slot of its last piece (its owner) counts
 * the pieces not answered yet and stays held until they all are, whatever
 * order they come in: then, and only then, the op completes. */
struct vfc_vf_slot {
	struct vfc_op *op; /* NULL: free */
	uint32_t gen;
	uint32_t owner;    /* the slot of the op's last piece (its own for the last piece or a whole op) */
	uint32_t pending;  /* owner only: the op's pieces not answered yet */
	bool answered;     /* owner only: its own response came (it waits for the others) */
};

/* The speed monitor of one VF (monitor.c): ticks from the completion path. */
struct vfc__vfmon {
	bool active;            /* a controller other than none, or a tick callback */
	uint64_t tick_ns;
	uint64_t next_tick_ns;
	struct vfc_mon mon;
	struct vfc_controller ctl;
	uint32_t cap;           /* the cap in force, as the PF applied it */
	uint32_t max_in_flight; /* the deepest queue seen during this tick */
	uint64_t ticks;
	vfc_tick_cb cb;
	void *cb_user;
};

struct vfc_vf {
	struct vfc_transport *t;

	/* The mapped region; the tenant checked its layout before using it. */
	void *region;
	uint64_t region_size;
	struct vfc_region_hdr *hdr;
	struct vfc_req_desc *req_ring;
	struct vfc_resp_desc *resp_ring;
	uint8_t *pool_base;
	uint64_t pool_size;
	uint32_t entries;

	/* Data path, owned by the one thread driving the VF at a time. */
	uint32_t req_tail;  /* local copy of the index we publish */
	uint32_t bell_tail; /* req_tail when we last rang the doorbell (see bell_owed in io.c) */
	bool rang;          /* bell_tail is set (cleared by a reset) */
	uint32_t resp_head; /* local copy of the index we publish */
	uint32_t epoch;     /* hdr->reset_epoch the rings belong to */
	bool failed;        /* in-flight ops were failed with -EIO; submit refuses until reset */
	struct vfc_vf_slot *slots; /* entries of them */
	uint32_t *free_slots;      /* stack of free slot numbers */
	uint32_t n_free;
	uint32_t in_flight;
	enum vfc_irq_mode mode;
	unsigned spin_us;
	uint32_t part_b0;   /* partition requests larger than this (0: off); see vfc_vf_set_partition */

	/* Driver counters: written by the data-path thread only, read by stats
	 * from any thread (relaxed atomics: plain moves on x86, no lock). */
	_Atomic uint64_t completions;
	_Atomic uint64_t wakeups;
	_Atomic uint64_t stale; /* responses whose cookie named no op in flight */
	_Atomic uint32_t in_flight_pub;
	/* The highest tenant CPU time stats has reported (any thread; see vfc_vf_stats). */
	_Atomic uint64_t tenant_cpu_hw;

	/* Zero-copy buffers: any thread may allocate. */
	pthread_mutex_t pool_lock;
	struct vfc_pool *pool;

	/* Speed monitor and controller: data-path thread only. */
	struct vfc__vfmon mon;

	/* Control path: sessions and keys, freed by close if left over. */
	pthread_mutex_t ctl_lock;
	struct vfc_session *sessions;
	uint32_t *keys;
	size_t n_keys, cap_keys;
};

/* A single-writer counter bump: a relaxed load and store, no locked instruction. */
static inline void vfc__count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* monitor.c: take a tick (read counters, feed the controller, apply its cap). */
void vfc__monitor_tick(struct vfc_vf *vf, uint64_t now_ns);

/*
 * The speed monitor's hook, called by vfc_poll after it delivered completions
 * and by vfc_wait after each block: one predictable branch when no
 * controller is set, a clock comparison otherwise.
 */
static inline void vfc__monitor_on_completions(struct vfc_vf *vf, uint64_t now_ns, unsigned n)
{
	(void)n;
	if (vf->mon.active && now_ns >= vf->mon.next_tick_ns)
		vfc__monitor_tick(vf, now_ns);
}

/* vf.c: send one mailbox message for this VF (header filled in here). */
int vfc__mbox(struct vfc_vf *vf, struct vfc_mbox_req *req, size_t req_len, struct vfc_mbox_resp *resp);
/* io.c: apply the VF's irq mode to hdr->irq_masked. */
void vfc__irq_apply(struct vfc_vf *vf);
/* io.c: complete every op in flight with -EIO (the rings are gone). */
void vfc__fail_in_flight(struct vfc_vf *vf);

#endif
