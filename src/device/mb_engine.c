/* SPDX-License-Identifier: MIT */
/* mb_engine.c - the multi-buffer engine round: bursts from every ring into shared lanes, the flush policy, in-order completion per VF. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/desc.h"
#include "device/mb.h"
#include "device/pf_internal.h"

/* Fewer independent jobs of a class than this, with nothing more coming, run
 * on OpenSSL: a flush runs the whole lane kernel even for one lane. Per class
 * (VFC__MB_CBC, VFC__MB_SHA): the break-even points measured in docs/mb.md. */
static const unsigned min_jobs[VFC__MB_NCLASS] = { 2, 6 };
/* What a lane job costs the engine, for the deficit round robin: picoseconds
 * per byte at a full lane set (CBC: 21 GB/s, SHA-256 x16: 5.9 GB/s at 16 KiB,
 * docs/mb.md) and the take, dispatch and post of one request. */
static const uint32_t lane_ps_per_byte[VFC__MB_NCLASS] = { 48, 171 };
#define MB_REQ_NS 100

enum mb_state {
	MB_WAIT = 0, /* taken, not dispatched (behind a request it depends on) */
	MB_READY,    /* a piece waits for submission */
	MB_LANE,     /* a piece is in the lanes */
	MB_DONE,     /* complete: status, out_len, dev_ns set */
};

/* The multi-buffer side of one taken request. */
struct mb_ext {
	enum mb_state st;
	enum vfc__mb_class cls;
	uint32_t done;     /* CBC bytes completed */
	uint32_t seq;      /* the session's encryption number (chain ownership) */
	uint16_t vfi, idx; /* where it lives: m->vfs[vfi].items[idx] */
	uint8_t iv[VFC_AES_BLOCK]; /* IV of the next piece */
	uint64_t t0;
};

/* A VF this engine holds (its lock) until every request it took is posted. */
struct mb_vf {
	struct vfc__pf_vf *vf;
	struct vfc__region *r;
	bool held;
	unsigned n, next, posted; /* taken; first not dispatched; first not posted */
	struct vfc__item items[VFC__BURST_MAX];
	struct mb_ext ext[VFC__BURST_MAX];
	/* The hull of each item's buffers [lo, hi) in the pool: two requests whose
	 * hulls are apart cannot conflict (a cheap filter before conflicts()). */
	uint64_t lo[VFC__BURST_MAX], hi[VFC__BURST_MAX];
	bool apart; /* no two hulls of the burst overlap: only CHAIN can make a request wait */
	uint64_t last_post; /* when this engine last posted to the VF (refill_due) */
};

struct vfc__mb {
	struct vfc__engine *e;
	void *mgrs;
	struct mb_vf *vfs;     /* one per VF */
	struct mb_ext **ready; /* pieces to submit, a FIFO: a request is in it at most once */
	unsigned cap, head, tail, n_held;
	/* More than one VF had work in the last round: the deficits bind (a VF
	 * alone runs whatever its deficit says, as on the openssl engine). */
	bool contended;
	bool yield; /* a lone stream ran a piece on OpenSSL: back to the round before the next */
	bool waiting; /* a partial set is waiting for a refill (counted once per wait) */
	bool refill;  /* VFC_MB_REFILL=1: wait_refill is on (an experiment, off by default: docs/mb.md) */
	unsigned n_ready[VFC__MB_NCLASS];
	uint64_t budget_ns;
	uint64_t lanes_since;  /* when the lanes last became non-empty (an upper bound on the oldest job's age) */
	uint64_t last_ns;      /* the last completion: dev_ns is the engine time since */
	/* The clock as last read: once per round, per submission pass and per flush
	 * (a clock read per request cost more than a tenth of the engine here). */
	uint64_t now;
};

int vfc__mb_engine_init(struct vfc__engine *e)
{
	struct vfc__mb *m = calloc(1, sizeof(*m));
	unsigned n = e->pf->cfg.n_vfs;
	const char *refill = getenv("VFC_MB_REFILL");

	if (!m)
		return -ENOMEM;
	m->e = e;
	m->mgrs = vfc__mb_mgrs_new();
	m->vfs = calloc(n, sizeof(*m->vfs));
	m->cap = n * VFC__BURST_MAX;
	m->ready = calloc(m->cap, sizeof(*m->ready));
	if (!m->mgrs || !m->vfs || !m->ready) {
		vfc__mb_mgrs_free(m->mgrs);
		free(m->vfs);
		free(m->ready);
		free(m);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		m->vfs[i].vf = &e->pf->vfs[i];
	m->budget_ns = (uint64_t)e->pf->cfg.mb_budget_us * 1000u;
	m->refill = refill && strcmp(refill, "1") == 0;
	e->mb = m;
	return 0;
}

/* ---- completion ---- */

static void item_done(struct vfc__mb *m, struct mb_ext *x, struct vfc__item *it, int status, uint64_t now)
{
	uint64_t from = x->t0 > m->last_ns ? x->t0 : m->last_ns;

	x->st = MB_DONE;
	it->status = status;
	if (status)
		it->out_len = 0;
	it->dev_ns = now > from ? now - from : 0;
	m->last_ns = now;
}

static void ready_push(struct vfc__mb *m, struct mb_ext *x)
{
	x->st = MB_READY;
	m->ready[m->tail++ % m->cap] = x;
	m->n_ready[x->cls]++;
}

/* A CBC request is complete (status 0: all of it written). */
static void cbc_finish(struct vfc__mb *m, struct mb_ext *x, int status, uint64_t now)
{
	struct mb_vf *mv = &m->vfs[x->vfi];
	struct vfc__item *it = &mv->items[x->idx];
	struct vfc__session *s = it->s;
	const uint8_t *last = mv->r->pool + it->d.dst_off + it->d.src_len - VFC_AES_BLOCK;

	if (!status)
		it->out_len = it->d.src_len;
	/* Only the session's last encryption dispatched says where the chain ends. */
	if (x->seq == s->mb_seq) {
		s->mb_chain = status == 0;
		if (!status)
			memcpy(s->mb_iv, last, VFC_AES_BLOCK);
	}
	item_done(m, x, it, status, now);
}

static uint32_t piece_len(const struct vfc__item *it, const struct mb_ext *x)
{
	uint32_t left = it->d.src_len - x->done;

	return left < VFC__MB_PIECE ? left : VFC__MB_PIECE;
}

/* A piece came back from the lanes (vfc__mb_done_fn). */
static void job_done(void *arg, void *tag, int status)
{
	struct vfc__mb *m = arg;
	struct mb_ext *x = tag;
	struct mb_vf *mv = &m->vfs[x->vfi];
	struct vfc__item *it = &mv->items[x->idx];
	uint64_t now = m->now;

	if (x->cls == VFC__MB_SHA) {
		if (!status)
			it->out_len = VFC_SHA256_LEN;
		item_done(m, x, it, status, now);
		return;
	}
	if (!status) {
		x->done += piece_len(it, x);
		if (x->done < it->d.src_len) {
			/* The stream goes on: the next piece starts from the last ciphertext block. */
			memcpy(x->iv, mv->r->pool + it->d.dst_off + x->done - VFC_AES_BLOCK, VFC_AES_BLOCK);
			ready_push(m, x);
			return;
		}
	}
	cbc_finish(m, x, status, now);
}

/* ---- dispatch: in ring order, each request once nothing before it conflicts ---- */

/* Does request i wait for an earlier one of its burst that is not complete? */
static bool blocked(const struct mb_vf *mv, unsigned i)
{
	const struct vfc__item *b = &mv->items[i];
	uint64_t lo = mv->lo[i], hi = mv->hi[i];
	bool chain;

	if (b->status || b->d.opcode == VFC_OP_NOP)
		return false;
	chain = (b->d.flags & VFC_REQ_F_CHAIN) && b->d.opcode == VFC_OP_CIPHER_ENC;
	if (mv->apart && !chain)
		return false;
	for (unsigned j = mv->posted; j < i; j++) {
		const struct vfc__item *a = &mv->items[j];

		if (mv->ext[j].st == MB_DONE)
			continue;
		if ((chain && a->s == b->s) ||
		    (mv->lo[j] < hi && lo < mv->hi[j] && vfc__mb_conflicts(&a->d, &b->d, a->s == b->s)))
			return true;
	}
	return false;
}

/* CBC decryption, synchronous (single-buffer in 1.3, faster than OpenSSL here): true if done. */
static bool decrypt_now(struct vfc__mb *m, struct vfc__item *it, uint8_t *pool)
{
	struct vfc__session *s = it->s;
	uint8_t iv[VFC_AES_BLOCK];

	if (it->d.flags & VFC_REQ_F_CHAIN) {
		if (!s->mb_dec_chain) {
			it->status = -EPROTO;
			return false; /* completed as failed by the reference path */
		}
		memcpy(iv, s->mb_dec_iv, VFC_AES_BLOCK);
	} else {
		memcpy(iv, it->d.iv, VFC_AES_BLOCK);
	}
	s->mb_dec_chain = false; /* until this request succeeds */
	it->status = vfc__mb_cbc_decrypt(m->mgrs, (const uint8_t *)s->mb_keys, iv, pool + it->d.src_off,
					 pool + it->d.dst_off, it->d.src_len);
	it->out_len = it->status ? 0 : it->d.src_len;
	if (!it->status) {
		memcpy(s->mb_dec_iv, iv, VFC_AES_BLOCK);
		s->mb_dec_chain = true;
	}
	return true;
}

/* Is the request one for the lanes? Sets up its first piece if so. */
static bool lane_setup(struct vfc__mb *m, struct vfc__item *it, struct mb_ext *x)
{
	struct vfc__session *s = it->s;

	if (it->status || !s)
		return false;
	if (it->d.opcode == VFC_OP_HASH) {
		if (it->d.flags != VFC_REQ_F_ALL || !it->d.src_len || it->d.src_len > VFC__MB_SHA_MAX)
			return false;
		s->hashing = false; /* a whole message ends any message in progress, as on OpenSSL */
		x->cls = VFC__MB_SHA;
		return true;
	}
	if (it->d.opcode != VFC_OP_CIPHER_ENC)
		return false;
	x->cls = VFC__MB_CBC;
	if (vfc__mb_session_keys(m->mgrs, s)) {
		it->status = -ENOMEM;
		return false;
	}
	if (it->d.flags & VFC_REQ_F_CHAIN) {
		if (!s->mb_chain) {
			it->status = -EPROTO;
			return false;
		}
		memcpy(x->iv, s->mb_iv, VFC_AES_BLOCK);
	} else {
		memcpy(x->iv, it->d.iv, VFC_AES_BLOCK);
	}
	x->seq = ++s->mb_seq;
	s->mb_chain = false; /* until this request succeeds */
	x->done = 0;
	return true;
}

/* Run one request on the reference path now (vfc__done_cb). */
static void ref_done(void *arg, struct vfc__item *it, uint64_t now)
{
	struct vfc__mb *m = arg;

	(void)it;
	m->now = m->last_ns = now;
}

/* The engine time a lane request is charged when dispatched (its lanes are shared). */
static int64_t lane_cost(const struct vfc__item *it, const struct mb_ext *x)
{
	return MB_REQ_NS + (int64_t)((uint64_t)it->d.src_len * lane_ps_per_byte[x->cls] / 1000u);
}

/*
 * Dispatch in ring order while nothing earlier conflicts and, while VFs
 * compete, the VF's deficit lasts: each request is charged its engine time
 * (measured where it runs now, estimated by bytes where it goes to the lanes).
 */
static void dispatch(struct vfc__mb *m, struct mb_vf *mv)
{
	struct vfc__drr *q = &mv->vf->drr;

	while (mv->next < mv->n && !blocked(mv, mv->next) && (!m->contended || q->deficit_ns > 0)) {
		unsigned i = mv->next++;
		struct vfc__item *it = &mv->items[i];
		struct mb_ext *x = &mv->ext[i];

		x->t0 = m->now;
		if (lane_setup(m, it, x)) {
			q->deficit_ns -= lane_cost(it, x);
			ready_push(m, x);
			continue;
		}
		if (!it->status && it->d.opcode == VFC_OP_CIPHER_DEC && it->s) {
			if (vfc__mb_session_keys(m->mgrs, it->s))
				it->status = -ENOMEM;
			else if (decrypt_now(m, it, mv->r->pool))
				goto done;
		}
		if (it->status && it->d.opcode == VFC_OP_CIPHER_ENC)
			it->out_len = 0;
		/* Everything else (and a request that failed validation) as the reference does it. */
		vfc__backend_run(&m->e->pf->algs, mv->r->pool, it, 1, ref_done, m);
done:
		x->st = MB_DONE;
		m->now = m->last_ns = vfc_now_ns();
		it->dev_ns = m->last_ns - x->t0;
		q->deficit_ns -= (int64_t)it->dev_ns;
	}
}

/* ---- submission ---- */

/* The next piece of a lone CBC stream on OpenSSL, from where it stands. */
static int cbc_ref(struct vfc__session *s, uint8_t *pool, const struct vfc__item *it, const struct mb_ext *x)
{
	uint32_t len = piece_len(it, x);
	int outl;

	if (!EVP_CipherInit_ex2(s->enc, NULL, NULL, x->iv, 1, NULL))
		return -EIO;
	EVP_CIPHER_CTX_set_padding(s->enc, 0);
	if (!EVP_CipherUpdate(s->enc, pool + it->d.dst_off + x->done, &outl, pool + it->d.src_off + x->done,
			      (int)len) || (uint32_t)outl != len)
		return -EIO;
	return 0;
}

/* Complete a READY request without the lanes (too few jobs to fill them). */
static void run_alone(struct vfc__mb *m, struct mb_ext *x)
{
	struct mb_vf *mv = &m->vfs[x->vfi];
	struct vfc__item *it = &mv->items[x->idx];
	int st;

	if (x->cls == VFC__MB_SHA) {
		/* One-shot, not on the session's digest context: lane_setup already
		 * ended any message in progress, in ring order, and the context now
		 * belongs to a message in pieces dispatched since (it may go on in
		 * the next burst). */
		unsigned int mdlen = 0;

		st = EVP_Digest(mv->r->pool + it->d.src_off, it->d.src_len, mv->r->pool + it->d.dst_off, &mdlen,
				m->e->pf->algs.sha256, NULL) == 1 ? 0 : -EIO;
		if (st)
			ERR_clear_error();
		else
			it->out_len = mdlen;
		m->now = vfc_now_ns();
		item_done(m, x, it, st, m->now);
		return;
	}
	/* A piece at a time, as the lanes would: a long stream found alone goes
	 * back to the round between pieces, so a neighbour's requests that
	 * arrive meanwhile join it in the lanes instead of waiting for all of it. */
	st = cbc_ref(it->s, mv->r->pool, it, x);
	if (st)
		ERR_clear_error();
	m->now = vfc_now_ns();
	job_done(m, x, st);
	if (x->st == MB_READY)
		m->yield = true;
}

static void submit_one(struct vfc__mb *m, struct mb_ext *x)
{
	struct mb_vf *mv = &m->vfs[x->vfi];
	struct vfc__item *it = &mv->items[x->idx];
	uint8_t *pool = mv->r->pool;
	struct vfc__mb_job j = {
		.cls = x->cls,
		.src = pool + it->d.src_off + x->done,
		.dst = pool + it->d.dst_off + x->done,
		.len = x->cls == VFC__MB_SHA ? it->d.src_len : piece_len(it, x),
		.iv = x->iv,
		.keys = it->s->mb_keys,
		.tag = x,
	};

	if (!vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC) && !vfc__mb_in_lanes(m->mgrs, VFC__MB_SHA))
		m->lanes_since = m->now;
	x->st = MB_LANE;
	vfc__mb_submit(m->mgrs, &j, job_done, m);
}

/* Submit what is ready. more: requests are waiting in rings not held, so the
 * lanes will fill; without them a class with too few jobs runs on OpenSSL. */
static void submit_ready(struct vfc__mb *m, bool more)
{
	while (m->head != m->tail && !m->yield) {
		struct mb_ext *x = m->ready[m->head++ % m->cap];
		bool alone = !more && !vfc__mb_in_lanes(m->mgrs, x->cls) && m->n_ready[x->cls] < min_jobs[x->cls];
		unsigned cbc = vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC);

		m->n_ready[x->cls]--;
		if (alone)
			run_alone(m, x);
		else
			submit_one(m, x);
		if (vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC) < cbc)
			return; /* a lane set ran: post it before the next runs */
	}
}

/* ---- holding VFs, posting in order ---- */

static void release(struct mb_vf *mv, uint64_t now)
{
	struct vfc__pf_vf *vf = mv->vf;

	if (mv->r)
		vfc__vf_check_due(vf, mv->r, now);
	atomic_store_explicit(&vf->in_service, false, memory_order_relaxed);
	pthread_mutex_unlock(&vf->lock);
	mv->held = false;
	mv->r = NULL;
}

/* Dispatch what no longer waits, post the completed prefix, let go when all is posted. */
static void settle(struct vfc__mb *m, struct mb_vf *mv)
{
	unsigned k = mv->posted;

	dispatch(m, mv);
	while (k < mv->n && mv->ext[k].st == MB_DONE)
		k++;
	if (k > mv->posted) {
		vfc__vf_post_n(mv->vf, mv->r, &mv->items[mv->posted], k - mv->posted, m->now);
		mv->posted = k;
		mv->last_post = m->now;
	}
	if (mv->posted == mv->n) {
		release(mv, m->now);
		m->n_held--;
	}
}

/*
 * A round's grant (deficit round robin in engine time, docs/scheduling.md):
 * the VF's quantum x weight, credit capped at one grant (a round takes at
 * most one burst of a VF, so unused credit would only pile up). [L]
 */
static void grant(struct vfc__pf_vf *vf)
{
	int64_t g = (int64_t)VFC__QUANTUM_NS * vf->weight;

	vf->drr.deficit_ns += g;
	if (vf->drr.deficit_ns > g)
		vf->drr.deficit_ns = g;
}

/* Lock a VF, grant it its round and take a burst from it. False if there was
 * nothing (or another engine holds it); true also when it has requests but
 * repays a debt this round (not held then). */
static bool hold(struct vfc__mb *m, struct mb_vf *mv, unsigned vfi)
{
	struct vfc__pf_vf *vf = mv->vf;
	unsigned n = 0;
	bool busy_skip = false;

	if (pthread_mutex_trylock(&vf->lock))
		return false;
	atomic_store_explicit(&vf->in_service, true, memory_order_relaxed);
	if (atomic_load_explicit(&vf->claimed, memory_order_relaxed) &&
	    !atomic_load_explicit(&vf->failed, memory_order_relaxed)) {
		mv->r = atomic_load_explicit(&vf->reg, memory_order_seq_cst);
		if (vfc__vf_ring_ready(vf, mv->r, m->now)) {
			grant(vf);
			/* Still repaying a debt while others compete: not this round. */
			if (vf->drr.deficit_ns > 0 || !m->contended)
				n = vfc__vf_take(m->e, vf, mv->r, mv->items);
			else
				busy_skip = true;
		} else if (vf->drr.deficit_ns > 0) {
			vf->drr.deficit_ns = 0; /* found with nothing to do: banks nothing */
		}
	}
	if (!n) {
		release(mv, m->now);
		return busy_skip;
	}
	mv->held = true;
	m->n_held++;
	mv->n = n;
	mv->next = 0;
	mv->posted = 0;
	for (unsigned i = 0; i < n; i++) {
		mv->ext[i] = (struct mb_ext){ .st = MB_WAIT, .vfi = (uint16_t)vfi, .idx = (uint16_t)i };
		vfc__mb_hull(&mv->items[i].d, &mv->lo[i], &mv->hi[i]);
	}
	mv->apart = vfc__mb_hulls_apart(mv->items, mv->lo, mv->hi, n);
	dispatch(m, mv);
	return true;
}

/* VF i's region if this engine does not hold the VF and it is claimed and not
 * failed, else NULL. Valid until our next quiescent point, as in the idle check. */
static struct vfc__region *unheld(struct vfc__mb *m, unsigned i)
{
	struct vfc__pf_vf *vf = &m->e->pf->vfs[i];

	if (m->vfs[i].held || !atomic_load_explicit(&vf->claimed, memory_order_relaxed) ||
	    atomic_load_explicit(&vf->failed, memory_order_relaxed))
		return NULL;
	return atomic_load_explicit(&vf->reg, memory_order_seq_cst);
}

/* Requests waiting in a ring this engine does not hold and may take (a hint). */
static bool more_pending(struct vfc__mb *m)
{
	for (unsigned i = 0; i < m->e->pf->cfg.n_vfs; i++) {
		struct vfc__region *r = unheld(m, i);

		if (r && vfc__vf_ring_ready(&m->e->pf->vfs[i], r, m->now))
			return true;
	}
	return false;
}

/*
 * A tenant about to refill: a VF this engine does not hold, with no requests
 * in its ring, whose tenant was told of its responses (no interrupt owed: it
 * fired, or the tenant polls) and either has not consumed them yet or had
 * them posted by this engine less than a budget ago (a driver publishes its
 * consumption before its callbacks resubmit). A hint: relaxed loads, as in
 * more_pending; a tenant that does not refill costs at most the budget.
 */
static bool refill_due(struct vfc__mb *m)
{
	for (unsigned i = 0; i < m->e->pf->cfg.n_vfs; i++) {
		struct vfc__region *r = unheld(m, i);
		uint64_t last = m->vfs[i].last_post;

		if (!r || atomic_load_explicit(&m->e->pf->vfs[i].deadline_ns, memory_order_relaxed))
			continue;
		if (atomic_load_explicit(&r->hdr->resp_head, memory_order_relaxed) !=
			    atomic_load_explicit(&r->hdr->resp_tail, memory_order_relaxed) ||
		    (last && m->now - last < m->budget_ns))
			return true;
	}
	return false;
}

static void stat_inc(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

/*
 * Lanes are short of a whole set (16) of CBC jobs and a tenant is about to
 * refill (refill_due): run the whole sets, keep the rest until the refill
 * comes or the budget lapses. A lone tenant is not delayed: nobody else is
 * about to refill. True if it waits.
 */
static bool wait_refill(struct vfc__mb *m)
{
	unsigned cbc = vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC);

	if (!cbc || cbc % VFC__MB_SET == 0 || m->now - m->lanes_since >= m->budget_ns || !refill_due(m))
		return false;
	if (!m->waiting)
		stat_inc(&m->e->mb_stats.refill_waits);
	m->waiting = true;
	vfc__mb_run_full(m->mgrs, job_done, m);
	return true;
}

/* Publish the lane counters (mb.c keeps them per manager set). */
static void stats_sync(struct vfc__mb *m)
{
	uint64_t sets, jobs;

	vfc__mb_cbc_counts(m->mgrs, &sets, &jobs);
	atomic_store_explicit(&m->e->mb_stats.sets, sets, memory_order_relaxed);
	atomic_store_explicit(&m->e->mb_stats.jobs, jobs, memory_order_relaxed);
}

/*
 * The flush policy: lanes wait to fill only while requests keep coming (rings
 * this engine does not hold have some) and the oldest job is younger than the
 * budget, or (VFC_MB_REFILL=1) while a partial CBC set waits for a tenant
 * about to refill (wait_refill); otherwise flush. force: flush regardless (the engine stops).
 */
static void progress(struct vfc__mb *m, bool force)
{
	for (;;) {
		unsigned lanes, cbc;
		bool more;

		for (unsigned i = 0; i < m->e->pf->cfg.n_vfs; i++)
			if (m->vfs[i].held)
				settle(m, &m->vfs[i]);
		more = !force && more_pending(m);
		if (m->head != m->tail) {
			submit_ready(m, more);
			m->now = vfc_now_ns();
			if (m->yield) {
				m->yield = false;
				if (!force)
					break;
			}
			continue;
		}
		lanes = vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC) + vfc__mb_in_lanes(m->mgrs, VFC__MB_SHA);
		if (!lanes)
			break;
		if (more && m->now - m->lanes_since < m->budget_ns)
			break;
		cbc = vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC);
		if (!force && m->refill && wait_refill(m)) {
			if (vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC) == cbc)
				break; /* nothing ran: wait */
			m->now = vfc_now_ns();
			continue; /* whole sets ran: post them */
		}
		if (m->waiting && vfc__mb_in_lanes(m->mgrs, VFC__MB_CBC) % VFC__MB_SET)
			stat_inc(&m->e->mb_stats.refill_lapsed); /* no refill in time: a partial set */
		m->waiting = false;
		vfc__mb_flush(m->mgrs, VFC__MB_CBC, job_done, m);
		vfc__mb_flush(m->mgrs, VFC__MB_SHA, job_done, m);
		m->now = vfc_now_ns();
	}
	stats_sync(m);
}

bool vfc__mb_round(struct vfc__engine *e)
{
	struct vfc__mb *m = e->mb;
	unsigned n = e->pf->cfg.n_vfs, busy = 0;
	bool work = false;

	m->now = vfc_now_ns();
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (e->idx + k) % n;
		struct mb_vf *mv = &m->vfs[i];
		struct vfc__pf_vf *vf = &e->pf->vfs[i];

		if (mv->held) {
			if (mv->next < mv->n) {
				grant(vf);
				busy++;
			}
			continue;
		}
		if (unheld(m, i) && hold(m, mv, i)) {
			work = true;
			busy++;
		}
	}
	m->contended = busy > 1;
	if (work || m->n_held)
		progress(m, false);
	return work || m->n_held;
}

/* VFC_MB_STATS set: the engine's lane counters on stderr when it stops (a measurement aid). */
static void stats_print(const struct vfc__engine *e)
{
	const struct vfc__mb_stats *st = &e->mb_stats;
	uint64_t sets = atomic_load_explicit(&st->sets, memory_order_relaxed);
	uint64_t jobs = atomic_load_explicit(&st->jobs, memory_order_relaxed);

	if (!getenv("VFC_MB_STATS") || !sets)
		return;
	fprintf(stderr, "mb engine %u: %" PRIu64 " CBC lane sets, %" PRIu64 " jobs (%.1f of 16 lanes), %" PRIu64
		" refill waits, %" PRIu64 " lapsed\n", e->idx, sets, jobs, (double)jobs / (double)sets,
		(uint64_t)atomic_load_explicit(&st->refill_waits, memory_order_relaxed),
		(uint64_t)atomic_load_explicit(&st->refill_lapsed, memory_order_relaxed));
}

void vfc__mb_engine_fini(struct vfc__engine *e)
{
	struct vfc__mb *m = e->mb;

	if (!m)
		return;
	m->contended = false; /* no more grants come: what is held runs to the end */
	while (m->n_held)
		progress(m, true);
	stats_print(e);
	vfc__mb_mgrs_free(m->mgrs);
	free(m->vfs);
	free(m->ready);
	free(m);
	e->mb = NULL;
}
