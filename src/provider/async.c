/* SPDX-License-Identifier: MIT */
/* async.c - one request to the VF: from an OpenSSL ASYNC job (submit, pause until the VF's completion event), or waited for. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/async.h>

#include "provider/prov.h"

#define RING_FULL_MAX 100000 /* pauses waiting for a ring slot before giving up */

/*
 * The wait fd. Every job's wait context holds, under our one key (the provider
 * context), a dup of the VF's completion event fd (vfc_vf_event_fd): the VF's
 * interrupt makes it readable, no thread of ours in between. All jobs share
 * that one event, so the provider keeps it readable while any completion is
 * waiting for its job: whoever consumes the event (a job's ack, or a
 * synchronous caller's vfc_wait) and leaves completions of other jobs behind
 * raises it again before releasing the lock (dev.c vfc__dev_settle). A job woken
 * for another's completion finds its own request not done and pauses again.
 */

/* One request: its completion, in whichever thread polls the VF (the lock held). */
struct waiter {
	struct vfc__dev *d;
	int job;  /* a paused job takes the result (counted in d->ready until it does) */
	int done;
};

static void done_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct waiter *w = op->user;

	(void)status;
	(void)out_len;
	w->done = 1;
	w->d->inflight--;
	w->d->skip_acks = 0; /* something new: the next waiter looks at the event again */
	if (w->job)
		w->d->ready++;
}

/* Consume the event (our own raise with it). */
static int ack(struct vfc__dev *d, struct vfc_vf *vf)
{
	d->raised = 0;
	d->ack_owed = 0;
	return vfc_vf_event_ack(vf);
}

static void close_fd(ASYNC_WAIT_CTX *ctx, const void *key, OSSL_ASYNC_FD fd, void *custom)
{
	(void)ctx;
	(void)key;
	(void)custom;
	close(fd);
}

/*
 * The job's one wait fd under our key, made on first use: a dup of the VF's
 * event fd, tagged with the VF's generation. A context that outlived its VF (a
 * child after fork() opened its own) keeps its fd number, now naming the new
 * VF's event (dup2).
 */
static int job_fd(struct vfc__prov *p, ASYNC_JOB *job, struct vfc_vf *vf, unsigned gen)
{
	ASYNC_WAIT_CTX *w = ASYNC_get_wait_ctx(job);
	void *tag = (void *)(uintptr_t)gen;
	OSSL_ASYNC_FD fd;
	void *custom;

	if (!w)
		return -1;
	if (ASYNC_WAIT_CTX_get_fd(w, p, &fd, &custom)) {
		if (custom == tag)
			return fd;
		if (dup2(vfc_vf_event_fd(vf), fd) < 0 || !ASYNC_WAIT_CTX_clear_fd(w, p))
			return -1;
	} else {
		fd = fcntl(vfc_vf_event_fd(vf), F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -1;
	}
	if (!ASYNC_WAIT_CTX_set_wait_fd(w, p, fd, tag, close_fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void job_unlock(struct vfc__prov *p, int consumed)
{
	vfc__dev_settle(&p->dev, consumed);
	pthread_mutex_unlock(&p->dev.lock);
}

/* After a pause: the lock again, on the same VF, or NULL (not locked). */
static struct vfc_vf *relock(struct vfc__prov *p, unsigned gen)
{
	unsigned g = 0;
	struct vfc_vf *vf = vfc__dev_lock(p, &g);

	if (vf && g != gen) {
		vfc__dev_unlock(p);
		return NULL;
	}
	return vf;
}

/*
 * Take what completed: the cheap look at the ring first; then consume the
 * event and look again (a completion after the ack raises it anew).
 * *consumed tells the settle step. Acks only stop needless wakeups (a job
 * whose request is not done pauses again either way), so:
 * - while completions wait for other paused jobs (d->ready), the event is
 *   left set: they are to be woken by it, and an ack now would only be
 *   followed by a raise (two system calls and a second round of wakeups for
 *   nothing). The next job to submit once they are taken acks instead
 *   (ack_owed, run_in_job).
 * - after an ack that found nothing new, the other paused jobs (as many as
 *   are in flight) skip theirs: one system call per round of wakeups, not
 *   one per job.
 */
static void take(struct vfc_vf *vf, struct waiter *w, int *consumed)
{
	struct vfc__dev *d = w->d;

	vfc_poll(vf, 0);
	if (w->done)
		return;
	if (d->ready) {
		d->ack_owed = 1;
		return;
	}
	if (d->skip_acks) {
		d->skip_acks--;
		return;
	}
	*consumed |= ack(d, vf);
	if (vfc_poll(vf, 0) == 0)
		d->skip_acks = d->inflight;
}

/* Submit from a job, pausing while the ring is full (the EAGAIN path: the job raises the event so
 * that it is resumed, and retries). 0, or a negative errno with the device unlocked. */
static int job_submit(struct vfc__prov *p, struct vfc_vf **vf, unsigned gen, struct vfc_op *op,
		      struct waiter *w)
{
	struct vfc_op *ops[1] = { op };
	unsigned tries = 0;
	int rc, consumed = 0;

	while ((rc = vfc_submit_burst(*vf, ops, 1)) == 0) {
		take(*vf, w, &consumed);
		if ((rc = vfc_submit_burst(*vf, ops, 1)) != 0)
			break;
		if (++tries > RING_FULL_MAX) {
			job_unlock(p, consumed);
			return -EAGAIN;
		}
		vfc_vf_event_raise(*vf);
		p->dev.raised = 1;
		job_unlock(p, 0);
		consumed = 0;
		ASYNC_pause_job();
		if (!(*vf = relock(p, gen)))
			return -ESTALE;
	}
	if (rc < 0) {
		job_unlock(p, 1);
		return rc;
	}
	p->dev.inflight++;
	if (consumed)
		vfc__dev_settle(&p->dev, 1);
	return 0;
}

/*
 * With nothing of ours in flight, consume the event before submitting: a job
 * alone is then woken by its own completion and nothing else (whatever
 * completed before the ack was taken by the poll after it). Not while
 * completions wait for other paused jobs (d->ready): the event is theirs, and
 * an ack would only be followed by a raise; the first job to submit after
 * they are taken acks then (ack_owed, also left by take). With requests in
 * flight, wakeups for others' completions come anyway: no ack (a system
 * call). Then pause at once: jobs started together get their requests onto
 * the ring back to back (the multi-buffer engine's lanes fill).
 */
static int run_in_job(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_op *op, struct waiter *w)
{
	struct vfc__dev *d = &p->dev;
	int rc, consumed = 0;

	w->job = 1;
	if (d->ready == 0 && (d->inflight == 0 || d->ack_owed)) {
		consumed = ack(d, vf);
		vfc_poll(vf, 0);
	} else if (d->inflight == 0) {
		d->ack_owed = 1;
	}
	if ((rc = job_submit(p, &vf, gen, op, w)) < 0)
		return rc;
	for (;;) {
		job_unlock(p, consumed);
		consumed = 0;
		ASYNC_pause_job();
		if (!(vf = relock(p, gen)))
			return -ESTALE; /* the VF went away (fork): the request is not ours any more */
		if (!w->done)
			take(vf, w, &consumed);
		if (w->done)
			break;
	}
	p->dev.ready--;
	job_unlock(p, consumed);
	return op->status;
}

int vfc__dev_run(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_op *op)
{
	ASYNC_JOB *job = ASYNC_get_current_job();
	struct vfc_op *ops[1] = { op };
	struct waiter w = { .d = &p->dev };
	int rc;

	op->cb = done_cb;
	op->user = &w;
	if (job && job_fd(p, job, vf, gen) >= 0)
		return run_in_job(p, vf, gen, op, &w);
	/* Outside a job: as the driver's synchronous helpers (others' completions may come too). */
	while ((rc = vfc_submit_burst(vf, ops, 1)) == 0)
		vfc_wait(vf, 1, -1);
	if (rc > 0)
		p->dev.inflight++;
	while (rc > 0 && !w.done)
		vfc_wait(vf, 1, -1);
	vfc__dev_unlock(p);
	return rc < 0 ? rc : op->status;
}
