/* SPDX-License-Identifier: MIT */
/* io.c - the VF data path: burst submit, completion polling, waiting by interrupt, busy poll or hybrid. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/ring.h"
#include "driver/vf_internal.h"

#define POLL_CHUNK 32                   /* responses copied out per round (on the stack: reentrant) */
#define BLOCK_SLICE_NS 10000000ll       /* a blocked waiter re-checks the VF state this often */
#define SPIN_CLOCK_EVERY 16             /* spin rounds between clock reads */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

static void set_in_flight(struct vfc_vf *vf, uint32_t n)
{
	vf->in_flight = n;
	atomic_store_explicit(&vf->in_flight_pub, n, memory_order_relaxed); /* for stats only */
}

/* Pool offset of [p, p + len), or UINT32_MAX (which the device rejects with
 * -EINVAL) when it is not fully inside the pool. Empty buffers are 0/0. */
static uint32_t buf_off(const struct vfc_vf *vf, const void *p, uint32_t len)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)vf->pool_base;

	if (len == 0)
		return 0;
	if (!p || a < base || a - base >= vf->pool_size || len > vf->pool_size - (a - base))
		return UINT32_MAX;
	return (uint32_t)(a - base);
}

static bool vf_broken(struct vfc_vf *vf)
{
	/* Acquire: if the device failed or reset the VF, everything it wrote
	 * before (its last responses) is visible to the drain that follows. */
	return atomic_load_explicit(&vf->hdr->state, memory_order_acquire) != VFC_VF_READY ||
	       atomic_load_explicit(&vf->hdr->reset_epoch, memory_order_acquire) != vf->epoch;
}

void vfc__irq_apply(struct vfc_vf *vf)
{
	/* Relaxed store + seq_cst fence: when unmasking, the fence orders the
	 * store before any later read of resp_tail (Dekker with the device's
	 * publish-then-read-mask, ring.h). Masking needs no ordering: the tenant
	 * polls anyway. POLL and HYBRID start masked (hybrid spins first). */
	atomic_store_explicit(&vf->hdr->irq_masked, vf->mode != VFC_IRQ_INTERRUPT, memory_order_relaxed);
	vfc_ring_fence();
}

int vfc_vf_set_irq_mode(struct vfc_vf *vf, enum vfc_irq_mode mode, unsigned spin_us)
{
	if ((unsigned)mode > VFC_IRQ_HYBRID)
		return -EINVAL;
	vf->mode = mode;
	if (spin_us)
		vf->spin_us = spin_us;
	vfc__irq_apply(vf);
	return 0;
}

int vfc_submit_burst(struct vfc_vf *vf, struct vfc_op *const *ops, unsigned n)
{
	struct vfc_region_hdr *h = vf->hdr;
	struct vfc_req_desc d;
	struct vfc_op *op;
	uint32_t tail = vf->req_tail, slot;
	uint64_t now;
	unsigned i;

	if (vf->failed || vf_broken(vf))
		return -EIO;
	if (n == 0)
		return 0;
	if (!ops || !ops[0])
		return -EINVAL;
	now = vfc__now_ns();
	/* At most `entries` ops in flight: then neither ring can overflow. */
	for (i = 0; i < n && vf->n_free; i++) {
		op = ops[i];
		if (!op)
			break;
		slot = vf->free_slots[--vf->n_free];
		vf->slots[slot].gen++;
		vf->slots[slot].op = op;
		memset(&d, 0, sizeof(d));
		d.cookie = (uint64_t)vf->slots[slot].gen << 32 | slot;
		d.opcode = op->opcode;
		d.flags = op->flags;
		/* A session of another VF means nothing here: a handle the PF never issues. */
		d.session = !op->sess ? 0 : op->sess->vf == vf ? op->sess->handle : UINT32_MAX;
		d.src_len = op->src_len;
		d.src_off = buf_off(vf, op->src, op->src_len);
		d.dst_len = op->dst_len;
		d.dst_off = buf_off(vf, op->dst, op->dst_len);
		d.aux_len = op->aux_len;
		d.aux_off = buf_off(vf, op->aux, op->aux_len);
		if (op->opcode == VFC_OP_CIPHER_ENC || op->opcode == VFC_OP_CIPHER_DEC)
			memcpy(d.iv, op->iv, sizeof(d.iv));
		op->status = 0;
		op->out_len = 0;
		op->submit_ns = now;
		op->complete_ns = 0;
		vf->req_ring[vfc_ring_slot(tail, vf->entries)] = d;
		tail++;
	}
	if (i == 0)
		return 0;
	set_in_flight(vf, vf->in_flight + i);
	if (vf->in_flight > vf->mon.max_in_flight)
		vf->mon.max_in_flight = vf->in_flight; /* the queue depth the monitor reports */
	vf->req_tail = tail;
	/* Release: the descriptors above are visible before the device can see the new tail. */
	vfc_ring_publish(&h->req_tail, tail);
	/* Dekker with the device's sleep path (ring.h): we publish req_tail, fence,
	 * then read dev_sleeping; the engine sets dev_sleeping, fences, then
	 * re-reads req_tail. One of us sees the other's store: either the engine
	 * finds our requests, or we see it asleep and ring the doorbell. */
	vfc_ring_fence();
	if (atomic_load_explicit(&h->dev_sleeping, memory_order_relaxed)) {
		uint64_t one = 1;
		ssize_t w = write(vf->t->doorbell_fd, &one, sizeof(one));

		(void)w; /* an eventfd write fails only at counter overflow: the engine is awake then */
	}
	return (int)i;
}

/* Complete one op whose slot was just freed. */
static void op_done(struct vfc_vf *vf, struct vfc_op *op, int status, uint32_t out_len, uint64_t now)
{
	op->status = status;
	op->out_len = out_len <= op->dst_len ? out_len : op->dst_len;
	op->complete_ns = now;
	vfc__count(&vf->completions, 1);
	if (op->cb)
		op->cb(op, status, op->out_len);
}

static struct vfc_op *slot_take(struct vfc_vf *vf, uint32_t slot)
{
	struct vfc_op *op = vf->slots[slot].op;

	vf->slots[slot].op = NULL;
	vf->free_slots[vf->n_free++] = slot;
	set_in_flight(vf, vf->in_flight - 1);
	return op;
}

void vfc__fail_in_flight(struct vfc_vf *vf)
{
	uint64_t now = vfc__now_ns();
	unsigned n = 0;
	uint32_t slot;

	/* First, so that callbacks resubmitting get -EIO. */
	vf->failed = true;
	for (slot = 0; slot < vf->entries && vf->in_flight; slot++) {
		if (!vf->slots[slot].op)
			continue;
		op_done(vf, slot_take(vf, slot), -EIO, 0, now);
		n++;
	}
	if (n)
		vfc__monitor_on_completions(vf, now, n);
}

int vfc_poll(struct vfc_vf *vf, unsigned max)
{
	struct vfc_region_hdr *h = vf->hdr;
	struct vfc_resp_desc r[POLL_CHUNK];
	uint32_t tail, avail, n, k, slot;
	unsigned done = 0, before;
	uint64_t now = 0;
	bool broken, drained = false;

	if (max == 0)
		max = UINT_MAX;
	/* Read before draining: the responses the device wrote before it failed
	 * the VF are all visible to the drain below. */
	broken = !vf->failed && vf_broken(vf);
	while (done < max) {
		/* Acquire: the response slots up to tail are written. */
		tail = vfc_ring_load_peer(&h->resp_tail);
		avail = vfc_ring_count(vf->resp_head, tail);
		if (avail > vf->entries) {
			/* The device never does this; our own mapping was scribbled on. */
			vfc__count(&vf->stale, 1);
			avail = 0;
		}
		n = avail < POLL_CHUNK ? avail : POLL_CHUNK;
		if (n > max - done)
			n = max - done;
		if (n == 0) {
			drained = true;
			break;
		}
		for (k = 0; k < n; k++)
			r[k] = vf->resp_ring[vfc_ring_slot(vf->resp_head + k, vf->entries)];
		vf->resp_head += n;
		/* Release, before any callback runs (callbacks usually resubmit): the
		 * slots were copied out above and may be reused by the device. */
		vfc_ring_publish(&h->resp_head, vf->resp_head);
		now = vfc__now_ns();
		before = done;
		for (k = 0; k < n; k++) {
			slot = (uint32_t)r[k].cookie;
			if (slot >= vf->entries || !vf->slots[slot].op ||
			    vf->slots[slot].gen != (uint32_t)(r[k].cookie >> 32)) {
				vfc__count(&vf->stale, 1); /* stale or unknown: ignored */
				continue;
			}
			op_done(vf, slot_take(vf, slot), r[k].status, r[k].out_len, now);
			done++;
		}
		if (done > before)
			vfc__monitor_on_completions(vf, now, done - before);
	}
	if (broken && drained && done < max) {
		/* The device stopped serving the rings: what it did not answer,
		 * never will be. Complete it with -EIO, exactly once (failed stays
		 * set until vfc_vf_reset). */
		before = vf->in_flight;
		vfc__fail_in_flight(vf);
		done += before - vf->in_flight;
	}
	return (int)done;
}

/* Block on the interrupt eventfd for at most ns; count a wakeup if it fired. */
static void irq_block(struct vfc_vf *vf, int64_t ns)
{
	struct pollfd pfd = { .fd = vf->t->irq_fd, .events = POLLIN };
	struct timespec ts;
	uint64_t cnt;

	ts.tv_sec = ns / 1000000000ll;
	ts.tv_nsec = ns % 1000000000ll;
	if (ppoll(&pfd, 1, &ts, NULL) > 0 && (pfd.revents & POLLIN)) {
		/* Drain the eventfd: one wakeup covers every interrupt so far. */
		if (read(vf->t->irq_fd, &cnt, sizeof(cnt)) == (ssize_t)sizeof(cnt))
			vfc__count(&vf->wakeups, 1);
	}
}

int vfc_wait(struct vfc_vf *vf, unsigned min, int64_t timeout_ns)
{
	uint64_t start = vfc__now_ns(), now = start, deadline, spin_end;
	unsigned done = 0, i;
	int64_t left;

	deadline = timeout_ns < 0 ? UINT64_MAX : start + (uint64_t)timeout_ns;
	if (vf->mode != VFC_IRQ_INTERRUPT) {
		/* Spin with interrupts masked (NAPI style): relaxed, see vfc__irq_apply. */
		atomic_store_explicit(&vf->hdr->irq_masked, 1, memory_order_relaxed);
		spin_end = deadline;
		if (vf->mode == VFC_IRQ_HYBRID && start + vf->spin_us * 1000ull < deadline)
			spin_end = start + vf->spin_us * 1000ull;
		for (i = 0;; i++) {
			done += (unsigned)vfc_poll(vf, 0);
			if (done >= min || vf->in_flight == 0)
				return (int)done;
			if (i % SPIN_CLOCK_EVERY == 0) {
				now = vfc__now_ns();
				if (now >= spin_end)
					break;
			}
			cpu_relax();
		}
		if (vf->mode == VFC_IRQ_POLL)
			return -ETIMEDOUT;
		/* Hybrid: unmask, fence, poll once more before blocking (Dekker with
		 * the device: it publishes resp_tail, fences, reads irq_masked; a
		 * completion it did not signal because it still saw the mask is
		 * visible to the poll below). */
		atomic_store_explicit(&vf->hdr->irq_masked, 0, memory_order_relaxed);
		vfc_ring_fence();
	}
	for (;;) {
		done += (unsigned)vfc_poll(vf, 0);
		if (done >= min || vf->in_flight == 0)
			return (int)done;
		now = vfc__now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		left = deadline - now > (uint64_t)BLOCK_SLICE_NS ? BLOCK_SLICE_NS : (int64_t)(deadline - now);
		/* A blocked waiter still ticks on time: wake for the monitor's next tick. */
		if (vf->mon.active && vf->mon.next_tick_ns < now + (uint64_t)left)
			left = vf->mon.next_tick_ns > now ? (int64_t)(vf->mon.next_tick_ns - now) : 0;
		irq_block(vf, left);
		vfc__monitor_on_completions(vf, vfc__now_ns(), 0);
	}
}
