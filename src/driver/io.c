/* SPDX-License-Identifier: MIT */
/* io.c - the VF data path: burst submit, completion polling, waiting by interrupt, busy poll or hybrid. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/model.h"
#include "core/ring.h"
#include "os/cpu.h"
#include "driver/vf_internal.h"

#define POLL_CHUNK 32                   /* responses copied out per round (on the stack: reentrant) */
#define BLOCK_SLICE_NS 10000000ll       /* a blocked waiter re-checks the VF state this often */
#define SPIN_CLOCK_EVERY 16             /* spin rounds between clock reads */

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

int vfc_vf_set_partition(struct vfc_vf *vf, uint32_t b0_bytes)
{
	if (b0_bytes != 0 && b0_bytes < VFC_AES_BLOCK)
		return -EINVAL;
	vf->part_b0 = b0_bytes;
	return 0;
}

/* How many pieces op is sent as: the paper's ceil(B / B0) when partitioning
 * is on and the op can be split (CIPHER_* chains its pieces with
 * VFC_REQ_F_CHAIN, HASH carries its state; the buffers must be valid, else the
 * op goes whole and gets the device's -EINVAL), 1 otherwise. */
static uint32_t op_pieces(const struct vfc_vf *vf, const struct vfc_op *op, uint32_t *align)
{
	bool cipher = op->opcode == VFC_OP_CIPHER_ENC || op->opcode == VFC_OP_CIPHER_DEC;
	uint64_t n;

	if (!vf->part_b0 || op->src_len <= vf->part_b0 || !(cipher || op->opcode == VFC_OP_HASH) ||
	    buf_off(vf, op->src, op->src_len) == UINT32_MAX || buf_off(vf, op->dst, op->dst_len) == UINT32_MAX ||
	    (cipher && (op->dst_len < op->src_len || op->src_len % VFC_AES_BLOCK)))
		return 1;
	*align = cipher ? VFC_AES_BLOCK : 64; /* whole cipher blocks; whole SHA-256 blocks */
	n = vfc_model_pieces(op->src_len, vf->part_b0, *align);
	return n > vf->entries ? 1 : (uint32_t)n;
}

/* Write the descriptor of piece i of n of op (n == 1: the op whole). */
static void piece_desc(struct vfc_vf *vf, const struct vfc_op *op, uint32_t i, uint32_t n, uint32_t align,
		       uint32_t *off, struct vfc_req_desc *d)
{
	bool last = i == n - 1;

	d->opcode = op->opcode;
	/* A session of another VF means nothing here: a handle the PF never issues. */
	d->session = !op->sess ? 0 : op->sess->vf == vf ? op->sess->handle : UINT32_MAX;
	if (n == 1) {
		d->flags = op->flags;
		d->src_len = op->src_len;
		d->src_off = buf_off(vf, op->src, op->src_len);
		d->dst_len = op->dst_len;
		d->dst_off = buf_off(vf, op->dst, op->dst_len);
		d->aux_len = op->aux_len;
		d->aux_off = buf_off(vf, op->aux, op->aux_len);
		if (op->opcode == VFC_OP_CIPHER_ENC || op->opcode == VFC_OP_CIPHER_DEC)
			memcpy(d->iv, op->iv, sizeof(d->iv));
		return;
	}
	d->src_len = (uint32_t)vfc_model_piece_size(op->src_len, n, align, i);
	d->src_off = buf_off(vf, op->src, op->src_len) + *off;
	if (op->opcode == VFC_OP_HASH) {
		/* The session carries the state: FIRST on the first piece, LAST and
		 * the digest's place on the last, as the op asked. */
		d->flags = (uint16_t)(op->flags & ((i == 0 ? VFC_REQ_F_FIRST : 0) | (last ? VFC_REQ_F_LAST : 0)));
		if (last) {
			d->dst_len = op->dst_len;
			d->dst_off = buf_off(vf, op->dst, op->dst_len);
		}
	} else {
		/* CBC: the first piece starts from the op's IV (or its own CHAIN), the
		 * others continue the chain in the device, in ring order. */
		d->flags = i == 0 ? op->flags : VFC_REQ_F_CHAIN;
		if (i == 0)
			memcpy(d->iv, op->iv, sizeof(d->iv));
		d->dst_len = d->src_len;
		d->dst_off = buf_off(vf, op->dst, op->dst_len) + *off;
	}
	*off += d->src_len;
}

/*
 * Whether a device seen asleep needs the doorbell for what we just published
 * (after the fence). Not while the device has not yet taken the last request
 * we rang for: an engine will take that one (our doorbell wakes it, or it saw
 * the request in its pre-sleep re-check), and the engine that publishes
 * req_head past it fences before it next re-reads req_tail (its sleep path),
 * while we read req_head after our own fence: if we still see the old head,
 * that re-read sees our new requests (the Dekker pattern again, with req_head
 * as the device's flag). Until then dev_sleeping still reads 1 after our ring
 * (the engine clears it only once it runs), and without this every submit of
 * a burst of jobs rang again: a system call each.
 */
static bool bell_owed(struct vfc_vf *vf)
{
	uint32_t head, ahead;

	if (!vf->rang)
		return true;
	head = vfc_ring_load_peer(&vf->hdr->req_head);
	ahead = vfc_ring_count(head, vf->bell_tail);
	return ahead == 0 || ahead > vf->entries;
}

int vfc_submit_burst(struct vfc_vf *vf, struct vfc_op *const *ops, unsigned n)
{
	struct vfc_region_hdr *h = vf->hdr;
	struct vfc_req_desc d;
	struct vfc_op *op;
	uint32_t tail = vf->req_tail, slot, owner, used = 0;
	uint64_t now;
	unsigned i;

	if (vf->t->gone)
		return vf->t->gone; /* the daemon serving the VF is gone: reopen */
	if (vf->failed || vf_broken(vf))
		return -EIO;
	if (n == 0)
		return 0;
	if (!ops || !ops[0])
		return -EINVAL;
	now = vfc_now_ns();
	/* At most `entries` requests (ring slots) in flight: then neither ring
	 * can overflow; and no more than the PF's policy allows (max_in_flight,
	 * 0 = no limit). A partitioned op takes one slot per piece, all or none. */
	for (i = 0; i < n; i++) {
		uint32_t pieces, align = 1, off = 0;

		op = ops[i];
		if (!op)
			break;
		pieces = op_pieces(vf, op, &align);
		if (pieces > vf->n_free)
			break;
		if (vf->t->max_in_flight && vf->in_flight + used + pieces > vf->t->max_in_flight)
			break;
		op->status = 0;
		op->out_len = 0;
		op->submit_ns = now;
		op->complete_ns = 0;
		/* The last piece's slot is the one popped last: free_slots[n_free - pieces]. */
		owner = vf->free_slots[vf->n_free - pieces];
		for (uint32_t k = 0; k < pieces; k++) {
			slot = vf->free_slots[--vf->n_free];
			vf->slots[slot].gen++;
			vf->slots[slot].op = op;
			vf->slots[slot].owner = owner;
			vf->slots[slot].answered = false;
			memset(&d, 0, sizeof(d));
			d.cookie = (uint64_t)vf->slots[slot].gen << 32 | slot;
			piece_desc(vf, op, k, pieces, align, &off, &d);
			vf->req_ring[vfc_ring_slot(tail, vf->entries)] = d;
			tail++;
		}
		vf->slots[owner].pending = pieces;
		used += pieces;
	}
	if (i == 0)
		return 0;
	set_in_flight(vf, vf->in_flight + used);
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
	if (atomic_load_explicit(&h->dev_sleeping, memory_order_relaxed) && bell_owed(vf)) {
		uint64_t one = 1;
		ssize_t w = write(vf->t->doorbell_fd, &one, sizeof(one));

		(void)w; /* an eventfd write fails only at counter overflow: the engine is awake then */
		vf->bell_tail = tail;
		vf->rang = true;
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

/*
 * One response: the slot it names takes the piece's result into its op (the
 * first error, the bytes written); the op completes when the last of its
 * pieces is answered, in whatever order they came (the owner slot is held
 * until then), so nothing writes to an op after its callback. Returns the
 * callbacks run (0 or 1).
 */
static unsigned resp_take(struct vfc_vf *vf, const struct vfc_resp_desc *r, uint64_t now)
{
	uint32_t slot = (uint32_t)r->cookie, owner;
	struct vfc_op *op;

	if (slot >= vf->entries || !vf->slots[slot].op || vf->slots[slot].gen != (uint32_t)(r->cookie >> 32) ||
	    vf->slots[slot].answered) {
		vfc__count(&vf->stale, 1); /* stale, unknown or answered already: ignored */
		return 0;
	}
	op = vf->slots[slot].op;
	owner = vf->slots[slot].owner;
	if (r->status && !op->status)
		op->status = r->status;
	op->out_len += r->out_len;
	if (slot != owner)
		slot_take(vf, slot);
	else
		vf->slots[slot].answered = true;
	if (--vf->slots[owner].pending)
		return 0;
	slot_take(vf, owner);
	op_done(vf, op, op->status, op->status ? 0 : op->out_len, now);
	return 1;
}

/*
 * The device will answer nothing more (it failed the VF, the rings are reset,
 * or the daemon serving it is gone): complete every op in flight with err,
 * exactly once. A partitioned op holds several slots; only its owner slot
 * (held until the op completes) completes it, the others are just freed.
 * vf->failed is set first, so that callbacks resubmitting are refused.
 * Returns the number of callbacks run.
 */
static unsigned fail_in_flight(struct vfc_vf *vf, int err)
{
	uint64_t now = vfc_now_ns();
	unsigned n = 0;
	uint32_t slot;

	vf->failed = true;
	for (slot = 0; slot < vf->entries && vf->in_flight; slot++) {
		if (!vf->slots[slot].op)
			continue;
		if (vf->slots[slot].owner != slot) {
			slot_take(vf, slot);
			continue;
		}
		op_done(vf, slot_take(vf, slot), err, 0, now);
		n++;
	}
	if (n)
		vfc__monitor_on_completions(vf, now, n);
	return n;
}

void vfc__fail_in_flight(struct vfc_vf *vf)
{
	fail_in_flight(vf, -EIO);
}

int vfc_poll(struct vfc_vf *vf, unsigned max)
{
	struct vfc_region_hdr *h = vf->hdr;
	struct vfc_resp_desc r[POLL_CHUNK];
	uint32_t tail, avail, n, k;
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
		now = vfc_now_ns();
		before = done;
		for (k = 0; k < n; k++)
			done += resp_take(vf, &r[k], now);
		if (done > before)
			vfc__monitor_on_completions(vf, now, done - before);
	}
	if (broken && drained && done < max) {
		/* The device stopped serving the rings: what it did not answer,
		 * never will be. Complete it with -EIO, exactly once (failed stays
		 * set until vfc_vf_reset). */
		done += fail_in_flight(vf, -EIO);
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

int vfc_vf_event_fd(const struct vfc_vf *vf)
{
	return vf->t->irq_fd;
}

int vfc_vf_event_ack(struct vfc_vf *vf)
{
	uint64_t cnt;

	/* The eventfd is non-blocking (both transports): EAGAIN when not signalled. */
	if (read(vf->t->irq_fd, &cnt, sizeof(cnt)) != (ssize_t)sizeof(cnt))
		return 0;
	vfc__count(&vf->wakeups, 1);
	return 1;
}

int vfc_vf_event_raise(struct vfc_vf *vf)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is saturated, so the fd is readable already. */
	if (write(vf->t->irq_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* The transport says the device is gone (the daemon hung up): nothing in
 * flight will ever complete; complete it with err. Returns what vfc_wait
 * returns: the number delivered by this call (done so far plus these), or
 * the error when there was none. */
static int device_gone(struct vfc_vf *vf, int err, unsigned done)
{
	unsigned n = fail_in_flight(vf, err);

	return n + done ? (int)(n + done) : err;
}

/* Poll the transport's liveness (a system call for a socket): before blocking. */
static int transport_gone(struct vfc_vf *vf)
{
	if (vf->t->gone)
		return vf->t->gone;
	return vf->t->ops->alive ? vf->t->ops->alive(vf->t) : 0;
}

int vfc_wait(struct vfc_vf *vf, unsigned min, int64_t timeout_ns)
{
	uint64_t start = vfc_now_ns(), now = start, deadline, spin_end, alive_at;
	unsigned done = 0, i;
	int64_t left;
	int gone;

	deadline = timeout_ns < 0 ? UINT64_MAX : start + (uint64_t)timeout_ns;
	alive_at = start + BLOCK_SLICE_NS;
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
				now = vfc_now_ns();
				if (now >= spin_end)
					break;
				if (now >= alive_at) {
					/* A spinner checks the device is there as often as a blocked waiter. */
					alive_at = now + BLOCK_SLICE_NS;
					gone = transport_gone(vf);
					if (gone)
						return device_gone(vf, gone, done);
				}
			}
			vfc_cpu_relax();
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
		now = vfc_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		left = deadline - now > (uint64_t)BLOCK_SLICE_NS ? BLOCK_SLICE_NS : (int64_t)(deadline - now);
		/* A blocked waiter still ticks on time: wake for the monitor's next tick. */
		if (vf->mon.active && vf->mon.next_tick_ns < now + (uint64_t)left)
			left = vf->mon.next_tick_ns > now ? (int64_t)(vf->mon.next_tick_ns - now) : 0;
		if (now >= alive_at) {
			/* Once a slice: is the device still there? (Not on every
			 * wakeup: a socket transport pays a system call.) */
			alive_at = now + BLOCK_SLICE_NS;
			gone = transport_gone(vf);
			if (gone)
				return device_gone(vf, gone, done);
		}
		irq_block(vf, left);
		vfc__monitor_on_completions(vf, vfc_now_ns(), 0);
	}
}
