/* SPDX-License-Identifier: MIT */
/* mb.h - the multi-buffer engine kind: intel-ipsec-mb lanes for AES-128-CBC encryption and whole SHA-256 messages. */
#ifndef VFC_DEVICE_MB_H
#define VFC_DEVICE_MB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/crypto.h"
#include "device/pf.h"

struct vfc__engine;
struct vfc__mb;

/* ---- the job-API backend (mb.c) ---- */

/* Largest piece one CBC job takes (1.3 takes at most 65,534 bytes): whole blocks. */
#define VFC__MB_PIECE 65520u
/* Largest whole SHA-256 message sent to the lanes; longer ones and streamed pieces use OpenSSL. */
#define VFC__MB_SHA_MAX 65534u /* 1.3 refuses longer hash jobs */

/* The job classes, one manager each: jobs complete in submission order per
 * manager, so a hash never waits behind a cipher job. */
enum vfc__mb_class {
	VFC__MB_CBC = 0,
	VFC__MB_SHA = 1,
	VFC__MB_DEC = 2, /* single-buffer in 1.3: complete on submit */
	VFC__MB_NCLASS
};

/* One job's request, and where its completion goes back to. */
struct vfc__mb_job {
	enum vfc__mb_class cls;
	const uint8_t *src;
	uint8_t *dst;
	uint32_t len;
	const uint8_t *iv;    /* CBC */
	const void *keys;     /* CBC: the session's expanded encryption schedule */
	void *tag;            /* handed back with the completion */
};

/* Built in and the CPU has AES-NI (what the managers need). */
bool vfc__mb_cpu_ok(void);
/* Allocate the managers; NULL if not built in or out of memory. */
void *vfc__mb_mgrs_new(void);
void vfc__mb_mgrs_free(void *mgrs);
/* Expand the session's AES key once (kept until the session is freed): 0 or -ENOMEM/-ENOSYS. */
int vfc__mb_session_keys(void *mgrs, struct vfc__session *s);
/* Submit one job. Completed jobs (in order) are handed to done(arg, tag, status) with status 0 or -EIO.
 * CBC encryption jobs wait until a lane set (VFC__MB_SET) is submitted (then run as one burst) or a flush;
 * SHA-256 jobs run when the 16 lanes are loaded. done() must not submit. */
typedef void (*vfc__mb_done_fn)(void *arg, void *tag, int status);
void vfc__mb_submit(void *mgrs, const struct vfc__mb_job *j, vfc__mb_done_fn done, void *arg);
/* CBC decryption now, in pieces of at most VFC__MB_PIECE (in place allowed):
 * iv is the first IV and gets the last ciphertext block. 0 or -EIO. */
int vfc__mb_cbc_decrypt(void *mgrs, const void *keys, uint8_t iv[VFC_AES_BLOCK], const uint8_t *src,
			uint8_t *dst, uint32_t len);
/* Force every job of a class out of the lanes. */
void vfc__mb_flush(void *mgrs, enum vfc__mb_class cls, vfc__mb_done_fn done, void *arg);
/* CBC jobs one lane kernel call runs at once (AVX-512: 16 lanes). */
#define VFC__MB_SET 16u
/* Run the CBC jobs that fill whole lane sets (VFC__MB_SET each); the rest keep waiting. */
void vfc__mb_run_full(void *mgrs, vfc__mb_done_fn done, void *arg);
/* CBC lane sets run so far and the jobs in them (a set is the 16-lane kernel, full or not). */
void vfc__mb_cbc_counts(const void *mgrs, uint64_t *sets, uint64_t *jobs);
/* Jobs submitted and not yet handed back, per class. */
unsigned vfc__mb_in_lanes(const void *mgrs, enum vfc__mb_class cls);

/* ---- the in-burst order filter (mb_order.c) ---- */

struct vfc__item;
/* Would running b before a (taken earlier, not complete) differ from running them in order? */
bool vfc__mb_conflicts(const struct vfc_req_desc *a, const struct vfc_req_desc *b, bool same_session);
/* The hull [lo, hi) of a request's buffers in the pool (lo == hi: none). */
void vfc__mb_hull(const struct vfc_req_desc *d, uint64_t *lo, uint64_t *hi);
/* Are the n hulls of a burst pairwise apart (items failed at the take left out)? */
bool vfc__mb_hulls_apart(const struct vfc__item *items, const uint64_t *lo, const uint64_t *hi, unsigned n);

/* ---- the engine round (mb_engine.c) ---- */

/* An engine's counters (the engine thread writes, anyone reads: relaxed). */
struct vfc__mb_stats {
	_Atomic uint64_t sets;         /* CBC lane sets run (16-lane kernel calls) */
	_Atomic uint64_t jobs;         /* CBC jobs in them: jobs / (16 x sets) is the lane fill */
	_Atomic uint64_t refill_waits; /* rounds that held a partial set for a tenant about to refill */
	_Atomic uint64_t refill_lapsed; /* such waits that ended in a partial set (no refill in time) */
};

/* Set up / tear down an engine's multi-buffer state (the engine thread calls them). */
int vfc__mb_engine_init(struct vfc__engine *e);
/* Completes and posts everything still held, releases the VFs, frees. */
void vfc__mb_engine_fini(struct vfc__engine *e);
/* One round over the VF rings: take bursts, fill lanes, flush by the policy,
 * post in order per VF. True if there was work or work is still held. */
bool vfc__mb_round(struct vfc__engine *e);

#endif
