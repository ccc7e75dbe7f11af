/* SPDX-License-Identifier: MIT */
/* dev.c - the process's VF: opened on first use, shared by threads under a lock, reopened by a child after fork(). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define FORK_MARK_BYTES 4096

#include "provider/prov.h"

/*
 * Whether this is still the process that set d->pid, without a system call
 * (getpid() is one, and the data path asks on every use): a page the kernel
 * zeroes in a child of fork() (MADV_WIPEONFORK) holds 1 while it is. Without
 * that page (an old kernel), getpid().
 */
static void fork_mark_init(struct vfc__dev *d)
{
	void *pg = mmap(NULL, FORK_MARK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	d->fork_mark = NULL;
	if (pg == MAP_FAILED)
		return;
	if (madvise(pg, FORK_MARK_BYTES, MADV_WIPEONFORK) != 0) {
		munmap(pg, FORK_MARK_BYTES);
		return;
	}
	*(int *)pg = 1;
	d->fork_mark = pg;
}

static int same_process(struct vfc__dev *d)
{
	if (d->fork_mark && __atomic_load_n(d->fork_mark, __ATOMIC_ACQUIRE))
		return 1;
	return __atomic_load_n(&d->pid, __ATOMIC_ACQUIRE) == getpid();
}

void vfc__dev_init(struct vfc__dev *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->buf_lock, NULL);
	d->pid = getpid();
	d->state = VFC_DEV_UNOPENED;
	fork_mark_init(d);
}

/*
 * A child of fork() inherits the parent's handle but must never touch the
 * parent's rings: it forgets the VF (without closing it: the parent's) and
 * opens its own on first use, from vfcd or, with the embedded device, from
 * a device of its own (the driver's embedded transport forgets the parent's
 * device at fork(), src/transport/inproc.c). The lock is made anew: a parent
 * thread may have held it at the fork. A child starts with one thread, which
 * does this before it starts others that use the provider.
 */
static void after_fork(struct vfc__prov *p, pid_t me)
{
	struct vfc__dev *d = &p->dev;

	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->buf_lock, NULL);
	d->n_bufs = 0; /* the parent's VF's buffers */
	d->inflight = 0;
	d->ready = 0;
	d->skip_acks = 0;
	d->raised = 0;
	d->ack_owed = 0;
	d->vf = NULL;
	d->state = VFC_DEV_UNOPENED;
	__atomic_store_n(&d->pid, me, __ATOMIC_RELEASE);
	if (d->fork_mark)
		__atomic_store_n(d->fork_mark, 1, __ATOMIC_RELEASE);
}

static void open_vf(struct vfc__prov *p)
{
	struct vfc__dev *d = &p->dev;
	struct vfc_vf_opts o;
	char err[256];

	vfc_vf_opts_init(&o);
	if (p->set.engines)
		o.n_engines = p->set.engines;
	if (p->set.vfs)
		o.n_vfs = p->set.vfs;
	if (p->set.engine_kind_set)
		o.engine_kind = p->set.engine_kind;
	d->vf = vfc_vf_open(p->set.device, &o);
	if (!d->vf) {
		/* One warning per process; the work goes to software, it does not fail. */
		fprintf(stderr, "vfcrypt: no VF on %s (%s): using OpenSSL's default provider\n", p->set.device,
			strerror(errno));
		__atomic_store_n(&d->state, VFC_DEV_ABSENT, __ATOMIC_RELAXED);
		return;
	}
	if (p->set.ctl[0] && vfc_vf_set_controller(d->vf, p->set.ctl, 0, err, sizeof(err)) < 0 && p->set.ctl_set)
		fprintf(stderr, "vfcrypt: controller '%s' refused: %s\n", p->set.ctl, err);
	d->gen++;
	__atomic_store_n(&d->state, VFC_DEV_OPEN, __ATOMIC_RELAXED);
}

struct vfc_vf *vfc__dev_lock(struct vfc__prov *p, unsigned *gen)
{
	struct vfc__dev *d = &p->dev;
	if (!same_process(d))
		after_fork(p, getpid());
	pthread_mutex_lock(&d->lock);
	if (d->state == VFC_DEV_UNOPENED)
		open_vf(p);
	if (d->state != VFC_DEV_OPEN) {
		pthread_mutex_unlock(&d->lock);
		return NULL;
	}
	if (gen)
		*gen = d->gen;
	return d->vf;
}

/*
 * Whoever consumes the event while completions wait for their jobs raises it
 * again. A completion delivered without an ack needs nothing: the device
 * signals every completion at or after publishing it (a capped interrupt is
 * owed, never dropped), so its signal came after the last ack, or will come.
 */
void vfc__dev_settle(struct vfc__dev *d, int consumed)
{
	if (d->ready && consumed && !d->raised && d->vf) {
		vfc_vf_event_raise(d->vf);
		d->raised = 1;
	}
}

/* A section that may have waited on the VF (and so consumed its completion event). */
void vfc__dev_unlock(struct vfc__prov *p)
{
	p->dev.raised = 0;
	vfc__dev_settle(&p->dev, 1);
	pthread_mutex_unlock(&p->dev.lock);
}

int vfc__dev_absent(struct vfc__prov *p)
{
	struct vfc__dev *d = &p->dev;

	return same_process(d) &&
	       __atomic_load_n(&d->state, __ATOMIC_RELAXED) == VFC_DEV_ABSENT;
}

/* CPU time of the whole process (all threads, the embedded engines too). */
static uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * One line a test (or a curious user) can read: what this process's VF did,
 * and where the CPU went: the interrupts and wakeups, and the process's CPU
 * time split into the application's and the embedded engines' (none through
 * vfcd), in ns per request.
 */
static void print_stats(struct vfc__dev *d)
{
	struct vfc_vf_stats st;
	uint64_t all = process_cpu_ns(), ops;

	if (vfc_vf_stats(d->vf, &st) != 0)
		return;
	ops = st.ops ? st.ops : 1;
	fprintf(stderr,
		"vfcrypt: pid %d VF %u ops %llu bytes %llu errors %llu irqs %llu wakeups %llu app_ns_per_op %llu "
		"engine_ns_per_op %llu\n",
		(int)getpid(), vfc_vf_id(d->vf), (unsigned long long)st.ops, (unsigned long long)st.bytes,
		(unsigned long long)st.errors, (unsigned long long)st.irqs, (unsigned long long)st.wakeups,
		(unsigned long long)(st.tenant_cpu_ns / ops),
		(unsigned long long)(all > st.tenant_cpu_ns ? (all - st.tenant_cpu_ns) / ops : 0));
}

/* Closing the provider releases the VF (only the process that opened it closes it). */
void vfc__dev_fini(struct vfc__prov *p)
{
	struct vfc__dev *d = &p->dev;

	if (d->state == VFC_DEV_OPEN && same_process(d)) {
		if (p->set.stats)
			print_stats(d);
		vfc__bufs_reset(d, d->vf);
		vfc_vf_close(d->vf);
	}
	d->vf = NULL;
	d->state = VFC_DEV_UNOPENED;
	d->n_bufs = 0;
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->buf_lock);
	if (d->fork_mark)
		munmap(d->fork_mark, FORK_MARK_BYTES);
	d->fork_mark = NULL;
}

struct vfc_session *vfc__dsess_get(struct vfc__dsess *ds, struct vfc_vf *vf, unsigned gen, enum vfc_alg alg,
				   enum vfc_key_kind kind, const void *key, size_t len)
{
	if (ds->s && ds->gen == gen)
		return ds->s;
	/* Stale (another process's VF) or never made: the old handles are not ours to free. */
	ds->s = NULL;
	ds->key = 0;
	ds->gen = gen;
	if (key && vfc_key_import(vf, kind, key, len, &ds->key) < 0) {
		ds->key = 0;
		return NULL;
	}
	ds->s = vfc_session_create(vf, alg, ds->key);
	if (!ds->s && ds->key) {
		vfc_key_free(vf, ds->key);
		ds->key = 0;
	}
	return ds->s;
}

void vfc__dsess_drop(struct vfc__prov *p, struct vfc__dsess *ds)
{
	struct vfc__dev *d = &p->dev;
	struct vfc_vf *vf;
	unsigned gen;

	if (!ds->s || !same_process(d))
		goto out;
	vf = vfc__dev_lock(p, &gen);
	if (!vf)
		goto out;
	if (gen == ds->gen) {
		vfc_session_free(ds->s);
		if (ds->key)
			vfc_key_free(vf, ds->key);
	}
	vfc__dev_unlock(p);
out:
	ds->s = NULL;
	ds->key = 0;
}
