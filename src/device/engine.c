/* SPDX-License-Identifier: MIT */
/* engine.c - the PF's engine threads: deficit round robin in engine time over the VF rings, moderation, sleep. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/moder.h"
#include "core/ring.h"
#include "os/cpu.h"
#include "device/mb.h"
#include "device/pf_internal.h"

/* Sleep used when an interrupt is overdue but its VF is locked by the control
 * path: poll again shortly instead of spinning. */
#define VFC__RETRY_NS 20000ull

void vfc__engine_kick(struct vfc__engine *e)
{
	uint64_t one = 1;

	/* Can only fail with EAGAIN when the counter is saturated: a wakeup is pending anyway. */
	if (write(e->kick_fd, &one, sizeof(one)) < 0)
		return;
}

void vfc__vf_nowork_reset(struct vfc__pf_vf *vf, bool kick)
{
	struct vfc_pf *pf = vf->pf;

	vf->nowork_tat = 0;
	atomic_store_explicit(&vf->nowork_until, 0, memory_order_relaxed);
	for (unsigned i = 0; kick && i < pf->cfg.n_engines; i++)
		if (pf->engines[i].started)
			vfc__engine_kick(&pf->engines[i]); /* a sleeper sees the ring again */
}

void vfc__drr_reset(struct vfc__pf_vf *vf)
{
	vf->drr.deficit_ns = 0;
	vf->drr.n = 0;
	vf->drr.next = 0;
	vf->drr.done = 0;
	vf->invalid_tat = 0;
	vfc__vf_nowork_reset(vf, false);
	atomic_store_explicit(&vf->backlog, false, memory_order_relaxed);
}

/* Requests in the ring the engine may take now (a hint: relaxed, as in the
 * idle check): none while the VF is THROTTLED for its NOPs and errors. [L] */
static bool ring_pending(struct vfc__pf_vf *vf, struct vfc__region *r)
{
	uint64_t until;

	if (atomic_load_explicit(&r->hdr->req_tail, memory_order_relaxed) ==
	    atomic_load_explicit(&vf->req_head, memory_order_relaxed))
		return false;
	return !vf->policy.max_nowork_hz || vfc__vf_nowork(vf, vfc_now_ns(), &until) == VFC__NOWORK_TAKING;
}

/*
 * The session of an item about to run a piece: looked up again, because the
 * control path may have freed it while the VF was not held (a handle is never
 * reused for another session, so the lookup fails then: -ENOENT). [L]
 */
static void item_session(struct vfc__pf_vf *vf, struct vfc__item *it)
{
	if (it->status || (it->d.opcode == VFC_OP_NOP && it->d.session == 0))
		return;
	it->s = vfc__session_lookup(&vf->crypto, it->d.session);
	if (!it->s)
		it->status = -ENOENT;
}

/* CPU time of the calling thread. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Run the VF's work, a piece at a time, from wall time t for up to budget ns;
 * each piece's wall time goes to its request's dev_ns. Sets *empty when the
 * ring ran dry. Returns the time of the last clock read. [L] */
static uint64_t run_pieces(struct vfc__engine *e, struct vfc__pf_vf *vf, struct vfc__region *r, uint64_t t,
			   int64_t budget, bool *empty)
{
	struct vfc__drr *q = &vf->drr;
	uint64_t t1;

	while (budget > 0) {
		struct vfc__item *it;
		bool fin;

		if (q->next == q->n) {
			q->next = 0;
			q->done = 0;
			q->n = vfc__vf_take(e, vf, r, q->items);
			if (!q->n) {
				*empty = true;
				break;
			}
		}
		it = &q->items[q->next];
		item_session(vf, it);
		fin = vfc__backend_step(&e->pf->algs, r->pool, it, &q->done, VFC__PIECE_BYTES);
		t1 = vfc_now_ns();
		/* The take, the validation and the previous post count too. */
		it->dev_ns += t1 - t;
		budget -= (int64_t)(t1 - t);
		t = t1;
		if (fin) {
			vfc__vf_post(vf, r, it, t1);
			q->next++;
			q->done = 0;
		}
	}
	return t;
}

/*
 * One visit: grant the VF its quantum and run its requests, a piece of at most
 * VFC__PIECE_BYTES at a time, while its deficit lasts (docs/scheduling.md).
 * The deficit is charged the engine time of the visit: the take, validation
 * and posting of requests count (a flood of NOPs or invalid descriptors pays
 * for itself). While VFs compete (e->contended) that is the thread's CPU time,
 * so time the thread spent preempted is nobody's (wall time only ends the
 * visit); a VF served alone is charged wall time, which saves the two system
 * calls when fairness is moot. A VF found with nothing to do (or THROTTLED
 * for its NOPs and errors: max_nowork_hz) banks no credit;
 * a debt (a long RSA unit) is kept until grants repay it. Returns whether the
 * VF had work. [L]
 */
static bool visit(struct vfc__engine *e, struct vfc__pf_vf *vf, struct vfc__region *r)
{
	struct vfc__drr *q = &vf->drr;
	bool empty = false, cpu = e->contended;
	uint64_t cpu0 = 0, t0, t;

	if (q->next == q->n && !ring_pending(vf, r)) {
		if (q->deficit_ns > 0)
			q->deficit_ns = 0;
		return false;
	}
	q->deficit_ns += (int64_t)VFC__QUANTUM_NS * vf->weight;
	if (q->deficit_ns <= 0)
		return true; /* still repaying: skip this visit */
	if (cpu)
		cpu0 = thread_cpu_ns();
	t0 = vfc_now_ns();
	vf->batch_nowork = true;
	t = run_pieces(e, vf, r, t0, q->deficit_ns, &empty);
	vf->batch_nowork = false;
	vfc__vf_flush_nowork(vf, r, t);
	q->deficit_ns -= (int64_t)(cpu ? thread_cpu_ns() - cpu0 : t - t0);
	if (empty && q->deficit_ns > 0)
		q->deficit_ns = 0;
	atomic_store_explicit(&vf->backlog, q->next < q->n, memory_order_relaxed);
	return true;
}

/* Fire the deferred interrupts that are due, on VFs nobody else holds. */
static void fire_due(struct vfc__engine *e)
{
	struct vfc_pf *pf = e->pf;
	uint64_t now = vfc_now_ns();

	for (unsigned i = 0; i < pf->cfg.n_vfs; i++) {
		struct vfc__pf_vf *vf = &pf->vfs[i];
		uint64_t dl = atomic_load_explicit(&vf->deadline_ns, memory_order_relaxed);

		if (!dl || dl > now)
			continue;
		/* Busy: the holder checks its deadline before it lets go (see the main loop). */
		if (pthread_mutex_trylock(&vf->lock))
			continue;
		if (atomic_load_explicit(&vf->claimed, memory_order_relaxed) &&
		    !atomic_load_explicit(&vf->failed, memory_order_relaxed))
			vfc__vf_check_due(vf, atomic_load_explicit(&vf->reg, memory_order_acquire), now);
		pthread_mutex_unlock(&vf->lock);
	}
}

static int epoll_wait_ns(int epfd, struct epoll_event *evs, int max, const struct timespec *ts)
{
	static _Atomic bool no_pwait2;
	int ms, n;

	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		n = epoll_pwait2(epfd, evs, max, ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		/* Kernels before 5.11: fall back to ms, rounded up (never early by more than a tick). */
		atomic_store_explicit(&no_pwait2, true, memory_order_relaxed);
	}
	if (!ts)
		ms = -1;
	else
		ms = (int)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000);
	return epoll_wait(epfd, evs, max, ms);
}

/* No work found in a whole round: announce sleep, re-check, sleep until a doorbell, a kick or a deadline. */
static void idle(struct vfc__engine *e)
{
	struct vfc_pf *pf = e->pf;
	unsigned n = pf->cfg.n_vfs;
	struct vfc__region *regs[VFC_MAX_VFS];
	struct epoll_event evs[VFC_MAX_VFS + 1];
	uint64_t now, min_dl = UINT64_MAX;
	struct timespec ts, *tsp = NULL;
	bool work = false;
	int nev;

	for (unsigned i = 0; i < n; i++) {
		/* Acquire: the region's initialisation is visible. Safe to use until
		 * our next quiescent point (release waits for it before freeing). */
		regs[i] = atomic_load_explicit(&pf->vfs[i].reg, memory_order_seq_cst);
		atomic_store_explicit(&regs[i]->hdr->dev_sleeping, 1, memory_order_relaxed);
	}
	/* Dekker (ring.h): dev_sleeping stores before the req_tail re-reads. The
	 * tenant publishes req_tail, fences, reads dev_sleeping: either it rings
	 * or we see its request here. */
	vfc_ring_fence();
	now = vfc_now_ns();
	for (unsigned i = 0; i < n && !work; i++) {
		struct vfc__pf_vf *vf = &pf->vfs[i];

		if (!atomic_load_explicit(&vf->claimed, memory_order_relaxed) ||
		    atomic_load_explicit(&vf->failed, memory_order_relaxed) ||
		    atomic_load_explicit(&vf->in_service, memory_order_relaxed))
			continue; /* a VF being served is re-checked by its server before it sleeps */
		if (atomic_load_explicit(&vf->backlog, memory_order_relaxed))
			work = true; /* taken requests wait for a visit */
		/* A THROTTLED ring is not work until it refills (a deadline below). */
		if (vfc__vf_ring_ready(vf, regs[i], now))
			work = true;
	}
	if (work || atomic_load_explicit(&pf->stop, memory_order_relaxed))
		goto awake;

	for (unsigned i = 0; i < n; i++) {
		struct vfc__pf_vf *vf = &pf->vfs[i];
		uint64_t dl = atomic_load_explicit(&vf->deadline_ns, memory_order_relaxed);
		uint64_t until = atomic_load_explicit(&vf->nowork_until, memory_order_relaxed);

		if (atomic_load_explicit(&vf->in_service, memory_order_relaxed))
			continue;
		if (dl && dl < min_dl)
			min_dl = dl;
		if (until > now && until < min_dl &&
		    atomic_load_explicit(&vf->claimed, memory_order_relaxed) &&
		    !atomic_load_explicit(&vf->failed, memory_order_relaxed))
			min_dl = until; /* a THROTTLED ring with requests: they are taken then */
	}
	if (min_dl != UINT64_MAX) {
		uint64_t wait = min_dl > now ? min_dl - now : VFC__RETRY_NS;

		ts.tv_sec = (time_t)(wait / 1000000000ull);
		ts.tv_nsec = (long)(wait % 1000000000ull);
		tsp = &ts;
	}
	nev = epoll_wait_ns(e->epfd, evs, (int)n + 1, tsp);
	for (int k = 0; k < nev; k++) {
		uint32_t tag = evs[k].data.u32;
		uint64_t v;
		int fd = tag == VFC__KICK_TAG ? e->kick_fd : tag < n ? regs[tag]->doorbell_fd : -1;

		/* Drain (eventfd read resets the counter); EAGAIN: another engine drained it. */
		if (fd >= 0 && read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			continue;
	}
awake:
	/* Relaxed: a hint. While it is 0 this engine is awake and re-checks every
	 * ring before it sleeps again. */
	for (unsigned i = 0; i < n; i++)
		atomic_store_explicit(&regs[i]->hdr->dev_sleeping, 0, memory_order_relaxed);
}

void *vfc__engine_main(void *arg)
{
	struct vfc__engine *e = arg;
	struct vfc_pf *pf = e->pf;
	unsigned n = pf->cfg.n_vfs;
	uint64_t spin_ns = (uint64_t)pf->cfg.spin_us * 1000u, idle_since = 0;
	/* Without its state (out of memory) an mb engine computes as the reference does. */
	bool mb = pf->cfg.engine_kind == VFC_PF_ENGINE_MB && vfc__mb_engine_init(e) == 0;

	while (!atomic_load_explicit(&pf->stop, memory_order_acquire)) {
		bool work = false;
		unsigned busy = 0;

		/* Quiescent point: no region pointer is held across it (seq_cst: pairs
		 * with the release path's pointer swap and qseq read). A region an mb
		 * engine keeps between rounds belongs to a VF whose lock it holds, so
		 * no release can swap it. */
		atomic_fetch_add_explicit(&e->qseq, 1, memory_order_seq_cst);
		if (mb)
			work = vfc__mb_round(e);
		for (unsigned k = 0; k < n && !mb; k++) {
			struct vfc__pf_vf *vf = &pf->vfs[(e->idx + k) % n];

			if (!atomic_load_explicit(&vf->claimed, memory_order_relaxed) ||
			    atomic_load_explicit(&vf->failed, memory_order_relaxed))
				continue;
			/* The claim: one engine per VF at a time keeps a session's
			 * requests in order and the response ring single-producer. */
			if (pthread_mutex_trylock(&vf->lock))
				continue;
			atomic_store_explicit(&vf->in_service, true, memory_order_relaxed);
			if (atomic_load_explicit(&vf->claimed, memory_order_relaxed) &&
			    !atomic_load_explicit(&vf->failed, memory_order_relaxed)) {
				struct vfc__region *r = atomic_load_explicit(&vf->reg, memory_order_seq_cst);

				if (visit(e, vf, r)) {
					work = true;
					busy++;
				}
				vfc__vf_check_due(vf, r, vfc_now_ns());
			}
			atomic_store_explicit(&vf->in_service, false, memory_order_relaxed);
			pthread_mutex_unlock(&vf->lock);
		}
		if (!mb)
			e->contended = busy > 1;
		fire_due(e);
		if (work) {
			idle_since = 0;
		} else if (spin_ns) {
			/* Idle: keep polling (awake, so tenants ring no doorbell) for
			 * spin_ns, then sleep. A sleeping engine costs every doorbell a
			 * cross-CPU wake-up, tens of us on a VM and bimodal with the
			 * host's halt polling: it dominated shallow queues. */
			uint64_t now = vfc_now_ns();

			if (!idle_since) {
				idle_since = now;
			} else if (now - idle_since >= spin_ns) {
				idle_since = 0;
				idle(e);
				continue;
			}
			vfc_cpu_relax();
		} else {
			idle(e);
		}
	}
	if (mb)
		vfc__mb_engine_fini(e);
	return NULL;
}
