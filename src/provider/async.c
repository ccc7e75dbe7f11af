/* SPDX-License-Identifier: MIT */
/* async.c - OpenSSL ASYNC jobs: submit to the VF, pause the job; a poller thread takes the VF's completions and wakes the job's fd. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <openssl/async.h>

#include "provider/prov.h"

#define POLL_SLICE_NS 200000 /* the poller holds the VF lock at most this long per wait */
#define RING_FULL_MAX 100000 /* pauses waiting for a ring slot before giving up */

/* One request of a paused job. */
struct waiter {
	struct vfc_op op;
	struct vfc__dev *d;
	int fd;   /* the job's wait fd */
	int done; /* atomic */
};

/* The completion, in whichever thread polls the VF (the lock held): wake the job. */
static void done_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct waiter *w = op->user;
	uint64_t one = 1;

	(void)status;
	(void)out_len;
	w->d->inflight--;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	if (write(w->fd, &one, sizeof(one)) < 0) {
		/* An eventfd write fails only on overflow: the fd is readable anyway. */
	}
}

/*
 * Waits on the VF whenever jobs have requests in flight, in slices, and steps
 * aside for threads that want the lock (a synchronous caller delivers the
 * jobs' completions too while it waits for its own).
 */
static void *poller(void *arg)
{
	struct vfc__dev *d = arg;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		if (d->inflight == 0) {
			pthread_cond_wait(&d->cv, &d->lock);
			continue;
		}
		vfc_wait(d->vf, 1, POLL_SLICE_NS);
		if (__atomic_load_n(&d->want, __ATOMIC_ACQUIRE)) {
			pthread_mutex_unlock(&d->lock);
			while (__atomic_load_n(&d->want, __ATOMIC_ACQUIRE) && !__atomic_load_n(&d->stop, __ATOMIC_RELAXED))
				sched_yield();
			pthread_mutex_lock(&d->lock);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* With the lock: a poller for this process (a child of fork() starts its own). */
static int poller_start(struct vfc__dev *d)
{
	pid_t me = getpid();

	if (d->poller_pid == me)
		return 0;
	d->stop = 0;
	if (pthread_create(&d->poller, NULL, poller, d) != 0)
		return -EAGAIN;
	d->poller_pid = me;
	return 0;
}

void vfc__async_fini(struct vfc__prov *p)
{
	struct vfc__dev *d = &p->dev;

	if (d->poller_pid != getpid())
		return;
	pthread_mutex_lock(&d->lock);
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->poller, NULL);
	d->poller_pid = 0;
}

static void close_fd(ASYNC_WAIT_CTX *ctx, const void *key, OSSL_ASYNC_FD fd, void *custom)
{
	(void)ctx;
	(void)key;
	(void)custom;
	close(fd);
}

/* The job's one wait fd, under our one key (the provider context): made on first use. */
static int job_fd(struct vfc__prov *p, ASYNC_JOB *job)
{
	ASYNC_WAIT_CTX *w = ASYNC_get_wait_ctx(job);
	OSSL_ASYNC_FD fd;
	void *custom;
	int efd;

	if (!w)
		return -1;
	if (ASYNC_WAIT_CTX_get_fd(w, p, &fd, &custom))
		return fd;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		return -1;
	if (!ASYNC_WAIT_CTX_set_wait_fd(w, p, efd, NULL, close_fd)) {
		close(efd);
		return -1;
	}
	return efd;
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing to drain. */
	}
}

/* With the lock: submit w->op, pausing (lock released) while the ring is full. Returns locked or not (*locked). */
static int submit(struct vfc__prov *p, struct vfc_vf *vf, struct waiter *w, int *locked)
{
	struct vfc_op *ops[1] = { &w->op };
	uint64_t one = 1;
	int rc, tries = 0;

	while ((rc = vfc_submit_burst(vf, ops, 1)) == 0) {
		/* Ring full: the job's EAGAIN path, let other jobs run and completions come. */
		if (++tries > RING_FULL_MAX)
			return -EAGAIN;
		vfc__dev_unlock(p);
		*locked = 0;
		if (write(w->fd, &one, sizeof(one)) < 0) {
		}
		ASYNC_pause_job();
		drain(w->fd);
		if (!(vf = vfc__dev_lock(p, NULL)))
			return -ENODEV;
		*locked = 1;
	}
	if (rc < 0)
		return rc;
	p->dev.inflight++;
	if (poller_start(&p->dev) < 0) {
		vfc_wait(vf, 0, -1); /* no poller: complete it here */
		return 0;
	}
	pthread_cond_signal(&p->dev.cv);
	return 0;
}

int vfc__async_cipher(struct vfc__prov *p, struct vfc_vf *vf, struct vfc_session *s, int enc,
		      uint8_t iv[VFC_AES_BLOCK], const uint8_t *in, size_t len, uint8_t *out)
{
	ASYNC_JOB *job = ASYNC_get_current_job();
	struct waiter w;
	uint8_t *src = NULL, *dst = NULL, next[VFC_AES_BLOCK];
	int rc, locked = 1;

	memset(&w, 0, sizeof(w));
	if (!job || len > UINT32_MAX || (w.fd = job_fd(p, job)) < 0 || !(src = vfc_buf_alloc(vf, len)) ||
	    !(dst = vfc_buf_alloc(vf, len))) {
		vfc_buf_free(vf, src);
		rc = vfc_cipher(s, enc, iv, in, len, out, iv);
		vfc__dev_unlock(p);
		return rc;
	}
	memcpy(src, in, len);
	memcpy(next, in + len - VFC_AES_BLOCK, VFC_AES_BLOCK);
	w.d = &p->dev;
	w.op = (struct vfc_op){ .sess = s, .opcode = enc ? VFC_OP_CIPHER_ENC : VFC_OP_CIPHER_DEC, .src = src,
				.src_len = (uint32_t)len, .dst = dst, .dst_len = (uint32_t)len, .cb = done_cb,
				.user = &w };
	memcpy(w.op.iv, iv, VFC_AES_BLOCK);
	rc = submit(p, vf, &w, &locked);
	if (locked)
		vfc__dev_unlock(p);
	while (rc == 0 && !__atomic_load_n(&w.done, __ATOMIC_ACQUIRE)) {
		ASYNC_pause_job();
		drain(w.fd);
	}
	if (rc == 0 && (rc = w.op.status) == 0) {
		memcpy(out, dst, len);
		memcpy(iv, enc ? out + len - VFC_AES_BLOCK : next, VFC_AES_BLOCK);
	}
	vfc_buf_free(vf, src);
	vfc_buf_free(vf, dst);
	return rc;
}
