/* SPDX-License-Identifier: MIT */
/* daemon.c - vfcd's server: the socket, tenants and their VFs, policy, admin messages, drain on SIGTERM. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "os/clock.h"
#include "daemon/daemon.h"

#define TAG_LISTEN ((void *)1)
#define TAG_SIGNAL ((void *)2)
#define TAG_TIMER ((void *)3)
#define SAMPLE_NS 1000000000ull /* rates over this interval */
#define HDR_MAP 4096            /* the region header's page, mapped read-only for the drain */

struct vfcd_client {
	int fd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int vf; /* attached VF, -1: none */
	unsigned strikes;
	const struct vfc_region_hdr *hdr; /* read-only view of the VF's header, or NULL */
	struct vfcd_client *prev, *next;
};

/* What the daemon knows of a VF beyond the PF. Guarded by d->lock (the
 * metrics thread reads it). */
struct vfcd_vf {
	struct vfcd_client *owner; /* main thread only */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char controller[VFCD_CONTROLLER_NAME_MAX];
	struct vfcd_policy pol;
	struct vfc_counters prev; /* at the last sample */
	uint64_t prev_ns;
	double mbps, irq_hz, ops_hz;
	uint32_t last_state;
};

struct vfcd {
	struct vfcd_config cfg;
	struct vfc_pf *pf;
	char sock_path[VFCD_PATH_MAX];
	int lfd, epfd, sigfd, tfd;
	struct vfcd_client *clients;
	unsigned n_clients;
	pthread_mutex_t lock;
	struct vfcd_vf vfs[VFC_MAX_VFS];
	struct vfcd_metrics *metrics;
	uint64_t start_ns;
	int stopping;
	union {
		uint8_t buf[VFCD_MSG_MAX];
		uint64_t align;
	} rx;
	struct vfcd_reply tx;
};

unsigned vfcd__n_vfs(const struct vfcd *d)
{
	return d->cfg.pf.n_vfs;
}

struct vfc_pf *vfcd__pf(struct vfcd *d)
{
	return d->pf;
}

unsigned vfcd_metrics_port(const struct vfcd *d)
{
	return d->metrics ? vfcd_metrics_bound_port(d->metrics) : 0;
}

/* ---- VFs ---- */

static int vf_allowed(const struct vfcd_policy *p, uid_t uid, gid_t gid)
{
	return (p->uid == VFCD_ANY_ID || p->uid == uid) && (p->gid == VFCD_ANY_ID || p->gid == gid);
}

void vfcd__vf_info(struct vfcd *d, uint32_t i, struct vfcd_vf_info *info)
{
	struct vfcd_vf *v = &d->vfs[i];

	memset(info, 0, sizeof(*info));
	info->vf_id = i;
	vfc_pf_vf_counters(d->pf, i, &info->ctr);
	pthread_mutex_lock(&d->lock);
	info->state = v->pid ? (info->ctr.state == VFC_VF_FAILED ? VFCD_VF_FAILED : VFCD_VF_ATTACHED) :
			       VFCD_VF_FREE;
	info->owner_pid = v->pid;
	info->owner_uid = v->pid ? v->uid : 0;
	info->owner_gid = v->pid ? v->gid : 0;
	info->mbps = v->mbps;
	info->irq_hz = v->irq_hz;
	info->ops_hz = v->ops_hz;
	info->pol = v->pol;
	memcpy(info->controller, v->controller, sizeof(info->controller));
	pthread_mutex_unlock(&d->lock);
}

/* Apply a policy to the PF and the table. */
static int vf_set_policy(struct vfcd *d, uint32_t i, const struct vfcd_policy *p)
{
	struct vfc_vf_policy pf = p->pf;
	int rc;

	pf.max_in_flight = p->max_in_flight; /* the PF enforces it too, not only the tenant's driver */
	rc = vfc_pf_set_policy(d->pf, i, &pf);

	if (rc)
		return rc;
	pthread_mutex_lock(&d->lock);
	d->vfs[i].pol = *p;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Pick and claim a VF for a tenant. */
static int vf_attach(struct vfcd *d, struct vfcd_client *c, uint32_t want, uint32_t *out)
{
	unsigned n = d->cfg.pf.n_vfs, pass, i;
	int any_allowed = 0, rc;
	uint32_t id;

	if (want != VFCD_HELLO_ANY_VF) {
		if (want >= n)
			return -EINVAL;
		if (!vf_allowed(&d->vfs[want].pol, c->uid, c->gid))
			return -EACCES;
		id = want;
		rc = vfc_pf_vf_claim(d->pf, &id, c->pid, c->uid);
		if (!rc)
			*out = id;
		return rc;
	}
	/* First the VFs the policy names for this tenant, then the open ones. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const struct vfcd_policy *p = &d->vfs[i].pol;

			if (!vf_allowed(p, c->uid, c->gid))
				continue;
			any_allowed = 1;
			if (pass == 0 && p->uid == VFCD_ANY_ID && p->gid == VFCD_ANY_ID)
				continue;
			if (d->vfs[i].owner)
				continue;
			id = i;
			if (vfc_pf_vf_claim(d->pf, &id, c->pid, c->uid) == 0) {
				*out = id;
				return 0;
			}
		}
	}
	return any_allowed ? -EBUSY : -EACCES;
}

static void vf_detach(struct vfcd *d, struct vfcd_client *c, const char *why)
{
	uint32_t id;

	if (c->vf < 0)
		return;
	id = (uint32_t)c->vf;
	if (c->hdr)
		munmap((void *)c->hdr, HDR_MAP);
	c->hdr = NULL;
	/* Drops in-flight work, frees sessions, wipes keys, fresh region. */
	vfc_pf_vf_release(d->pf, id);
	pthread_mutex_lock(&d->lock);
	d->vfs[id].owner = NULL;
	d->vfs[id].pid = 0;
	d->vfs[id].uid = 0;
	d->vfs[id].gid = 0;
	d->vfs[id].controller[0] = '\0';
	d->vfs[id].mbps = d->vfs[id].irq_hz = d->vfs[id].ops_hz = 0;
	pthread_mutex_unlock(&d->lock);
	vfcd_log(VFCD_LOG_INFO, "VF %u released (pid %d uid %u %s): in-flight work dropped, keys wiped", id,
		 (int)c->pid, (unsigned)c->uid, why);
	c->vf = -1;
}

/* ---- clients ---- */

struct vfcd_client *vfcd__client_new(struct vfcd *d, int fd, pid_t pid, uid_t uid, gid_t gid)
{
	struct vfcd_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->pid = pid;
	c->uid = uid;
	c->gid = gid;
	c->vf = -1;
	c->next = d->clients;
	if (d->clients)
		d->clients->prev = c;
	d->clients = c;
	d->n_clients++;
	return c;
}

void vfcd__client_drop(struct vfcd *d, struct vfcd_client *c)
{
	vf_detach(d, c, "hung up");
	if (c->prev)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->n_clients--;
	if (c->fd >= 0) {
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c);
}

/* ---- message handlers ---- */

static void *reply_body(struct vfcd_reply *r, uint16_t type, size_t len)
{
	r->type = type;
	r->len = len;
	memset(r->body.buf, 0, len);
	return r->body.buf;
}

static void reply_status(struct vfcd_reply *r, uint16_t type, int status)
{
	struct vfcd_status *st = reply_body(r, type, sizeof(*st));

	st->status = status;
}

static void do_hello(struct vfcd *d, struct vfcd_client *c, const struct vfcd_hello *h, uint16_t rtype,
		     struct vfcd_reply *r)
{
	struct vfcd_hello_reply *rep = reply_body(r, rtype, sizeof(*rep));
	struct vfc_vf_fds fds;
	uint32_t id = 0;
	void *p;
	int rc;

	if (d->stopping) {
		rep->status = -ESHUTDOWN;
		return;
	}
	if (c->vf >= 0) {
		rep->status = -EISCONN;
		return;
	}
	rc = vf_attach(d, c, h->vf_id, &id);
	if (rc) {
		rep->status = rc;
		char want[24] = "any VF";

		if (h->vf_id != VFCD_HELLO_ANY_VF)
			snprintf(want, sizeof(want), "VF %u", h->vf_id);
		vfcd_log(VFCD_LOG_INFO, "pid %d uid %u gid %u: no VF (asked for %s): %s", (int)c->pid,
			 (unsigned)c->uid, (unsigned)c->gid, want, strerror(-rc));
		return;
	}
	rc = vfc_pf_vf_fds(d->pf, id, &fds);
	if (rc) {
		vfc_pf_vf_release(d->pf, id);
		rep->status = rc;
		return;
	}
	p = mmap(NULL, HDR_MAP, PROT_READ, MAP_SHARED, fds.mem_fd, 0);
	c->hdr = p == MAP_FAILED ? NULL : p;
	c->vf = (int)id;
	pthread_mutex_lock(&d->lock);
	d->vfs[id].owner = c;
	d->vfs[id].pid = c->pid;
	d->vfs[id].uid = c->uid;
	d->vfs[id].gid = c->gid;
	d->vfs[id].controller[0] = '\0';
	vfc_pf_vf_counters(d->pf, id, &d->vfs[id].prev);
	d->vfs[id].prev_ns = vfc_now_ns();
	rep->max_in_flight = d->vfs[id].pol.max_in_flight;
	pthread_mutex_unlock(&d->lock);
	rep->status = 0;
	rep->vf_id = id;
	rep->region_size = fds.region_size;
	/* The PF keeps its fds: SCM_RIGHTS hands the tenant duplicates. */
	r->fds[0] = fds.mem_fd;
	r->fds[1] = fds.doorbell_fd;
	r->fds[2] = fds.irq_fd;
	r->nfds = 3;
	vfcd_log(VFCD_LOG_INFO, "VF %u attached to pid %d uid %u gid %u", id, (int)c->pid, (unsigned)c->uid,
		 (unsigned)c->gid);
}

static void do_ctl(struct vfcd *d, struct vfcd_client *c, const struct vfc_mbox_req *req, size_t len,
		   uint16_t rtype, struct vfcd_reply *r)
{
	struct vfc_mbox_resp *resp = reply_body(r, rtype, sizeof(*resp));

	/* The PF checks the message again (version, type, lengths, policy). */
	vfc_pf_mbox(d->pf, (uint32_t)c->vf, req, len, resp);
	if (req->type == VFC_MBOX_SET_MODERATION && resp->status == 0 &&
	    resp->u.moderation.cap_hz != req->u.moderation.cap_hz)
		vfcd_log(VFCD_LOG_DEBUG, "VF %d: cap %u Hz asked, %u Hz applied (policy)", c->vf,
			 req->u.moderation.cap_hz, resp->u.moderation.cap_hz);
}

static int admin_ok(const struct vfcd_client *c)
{
	return c->uid == 0 || c->uid == geteuid();
}

static void do_list(struct vfcd *d, uint32_t first, uint32_t count, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfcd_status *st = reply_body(r, rtype, sizeof(*st) + count * sizeof(struct vfcd_vf_info));
	struct vfcd_vf_info *info = (void *)(st + 1);

	st->count = count;
	for (uint32_t i = 0; i < count; i++)
		vfcd__vf_info(d, first + i, &info[i]);
}

static void do_policy(struct vfcd *d, const struct vfcd_policy_msg *m, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfcd_policy p;
	char err[128];
	int rc;

	pthread_mutex_lock(&d->lock);
	p = d->vfs[m->vf_id].pol;
	pthread_mutex_unlock(&d->lock);
	vfcd_policy_merge(&p, &m->pol, m->set);
	rc = vfcd_policy_check(&p, err, sizeof(err));
	if (!rc)
		rc = vf_set_policy(d, m->vf_id, &p);
	if (rc) {
		vfcd_log(VFCD_LOG_WARN, "policy VF %u refused: %s", m->vf_id, rc == -EINVAL ? err : strerror(-rc));
		reply_status(r, rtype, rc);
		return;
	}
	vfcd_log(VFCD_LOG_INFO, "policy VF %u: cap %u..%u Hz, sessions %u, keys %u, uid %d, gid %d, in flight %u, "
		 "controller %s", m->vf_id, p.pf.min_cap_hz, p.pf.max_cap_hz, p.pf.max_sessions, p.pf.max_keys,
		 p.uid == VFCD_ANY_ID ? -1 : (int)p.uid, p.gid == VFCD_ANY_ID ? -1 : (int)p.gid, p.max_in_flight,
		 p.controller[0] ? p.controller : "any");
	do_list(d, m->vf_id, 1, rtype, r);
}

static void do_reset(struct vfcd *d, uint32_t vf, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfc_mbox_req req = { .version = VFC_ABI_VERSION, .type = VFC_MBOX_RESET };
	struct vfc_mbox_resp resp;
	int rc = 0;

	/* A free VF is clean already; an attached one gets its rings reset (its
	 * tenant's requests in flight complete with -EIO; sessions and keys stay). */
	if (d->vfs[vf].owner) {
		rc = vfc_pf_mbox(d->pf, vf, &req, sizeof(req), &resp);
		vfcd_log(VFCD_LOG_INFO, "VF %u reset by the administrator: %s", vf, rc ? strerror(-rc) : "done");
	}
	reply_status(r, rtype, rc);
}

static void do_info(struct vfcd *d, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfcd_info *in = reply_body(r, rtype, sizeof(*in));

	in->pid = (uint32_t)getpid();
	in->n_vfs = d->cfg.pf.n_vfs;
	in->n_engines = d->cfg.pf.n_engines;
	in->ring_entries = d->cfg.pf.ring_entries;
	in->pool_size = d->cfg.pf.pool_size;
	in->metrics_port = vfcd_metrics_port(d);
	in->uptime_ns = vfc_now_ns() - d->start_ns;
	for (unsigned i = 0; i < d->cfg.pf.n_engines && i < VFC_MAX_ENGINES; i++)
		in->engine_cpu_ns[i] = vfc_pf_engine_cpu_ns_one(d->pf, i);
}

/* A malformed message: answer with an error, log it, close after repeated abuse. */
static void strike(struct vfcd_client *c, struct vfcd_reply *r, int status, const char *what)
{
	c->strikes++;
	reply_status(r, VFCD_MSG_ERROR, status);
	vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: malformed message (%s: %s), strike %u of %u", (int)c->pid,
		 (unsigned)c->uid, what, strerror(-status), c->strikes, VFCD_STRIKES_MAX);
	if (c->strikes >= VFCD_STRIKES_MAX) {
		r->close_after = 1;
		vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: closing the connection after %u malformed messages",
			 (int)c->pid, (unsigned)c->uid, c->strikes);
	}
}

void vfcd__dispatch(struct vfcd *d, struct vfcd_client *c, const void *msg, size_t len, int truncated,
		    struct vfcd_reply *r)
{
	struct vfcd_hdr h;
	const void *body;
	size_t blen;
	uint16_t rtype;
	int rc;

	r->nfds = 0;
	r->close_after = 0;
	r->len = 0;
	if (truncated) {
		strike(c, r, -EMSGSIZE, "too large");
		return;
	}
	rc = vfcd_msg_frame(msg, len, &h, &body, &blen);
	if (rc) {
		strike(c, r, rc, rc == -EPROTO ? "bad magic or version" : "truncated");
		return;
	}
	rc = vfcd_msg_body_check(h.type, body, blen);
	if (rc) {
		strike(c, r, rc, rc == -EOPNOTSUPP ? "unknown type" : "bad body");
		return;
	}
	rtype = VFCD_MSG_REPLY_BIT | h.type;
	switch (h.type) {
	case VFCD_MSG_HELLO:
		do_hello(d, c, body, rtype, r);
		return;
	case VFCD_MSG_MBOX:
	case VFCD_MSG_NOTE_CONTROLLER:
		if (c->vf < 0) {
			strike(c, r, -ENOTCONN, "cailbox message before HELLO");
			return;
		}
		if (h.type == VFCD_MSG_MBOX) {
			do_ctl(d, c, body, blen, rtype, r);
		} else {
			const struct vfcd_note_controller *n = body;
			struct vfcd_vf *v = &d->vfs[c->vf];
			int ok;

			pthread_mutex_lock(&d->lock);
			ok = vfcd_policy_ctl_allowed(&v->pol, n->spec);
			if (ok)
				snprintf(v->controller, sizeof(v->controller), "%s", n->spec);
			pthread_mutex_unlock(&d->lock);
			if (!ok)
				vfcd_log(VFCD_LOG_INFO, "VF %d: controller '%s' refused by policy (%s)", c->vf, n->spec,
					 v->pol.controller);
			reply_status(r, rtype, ok ? 0 : -EPERM);
		}
		return;
	default:
		break;
	}
	/* Admin messages. */
	if (!admin_ok(c)) {
		vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: admin message refused (root or uid %u only)", (int)c->pid,
			 (unsigned)c->uid, (unsigned)geteuid());
		reply_status(r, rtype, -EPERM);
		return;
	}
	switch (h.type) {
	case VFCD_MSG_INFO:
		do_info(d, rtype, r);
		break;
	case VFCD_MSG_LIST:
		do_list(d, 0, d->cfg.pf.n_vfs, rtype, r);
		break;
	case VFCD_MSG_SHOW:
	case VFCD_MSG_RESET:
	case VFCD_MSG_POLICY: {
		uint32_t vf;

		memcpy(&vf, body, sizeof(vf)); /* vf_id leads every one of these bodies */
		if (vf >= d->cfg.pf.n_vfs) {
			reply_status(r, rtype, -ENODEV);
			break;
		}
		if (h.type == VFCD_MSG_SHOW)
			do_list(d, vf, 1, rtype, r);
		else if (h.type == VFCD_MSG_RESET)
			do_reset(d, vf, rtype, r);
		else
			do_policy(d, body, rtype, r);
		break;
	}
	default:
		reply_status(r, VFCD_MSG_ERROR, -EOPNOTSUPP);
		break;
	}
}

/* ---- I/O ---- */

static void client_readable(struct vfcd *d, struct vfcd_client *c)
{
	struct vfcd_hdr h;
	ssize_t n;
	int rc;

	for (;;) {
		memset(&h, 0, sizeof(h));
		/* Fds a client sends are closed by the receive helper: we take none. */
		n = vfc__wire_recv(c->fd, d->rx.buf, sizeof(d->rx.buf), NULL, NULL);
		if (n == -EAGAIN || n == -ETIMEDOUT)
			return;
		if (n == 0 || (n < 0 && n != -EMSGSIZE)) {
			vfcd__client_drop(d, c);
			return;
		}
		vfcd__dispatch(d, c, d->rx.buf, n < 0 ? 0 : (size_t)n, n == -EMSGSIZE, &d->tx);
		if (n == -EMSGSIZE || (size_t)n >= sizeof(h))
			memcpy(&h, d->rx.buf, sizeof(h)); /* for the seq to echo */
		rc = vfc__wire_send(c->fd, d->tx.type, h.seq, d->tx.body.buf, d->tx.len, d->tx.fds, d->tx.nfds);
		if (rc || d->tx.close_after) {
			/* A client that does not read its answers (full buffer) is dropped too. */
			if (rc)
				vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: cannot answer (%s): closing", (int)c->pid,
					 (unsigned)c->uid, strerror(-rc));
			vfcd__client_drop(d, c);
			return;
		}
	}
}

static void accept_all(struct vfcd *d)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct vfcd_client *c;
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	int fd;

	for (;;) {
		fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* Who is it: checked by the kernel at connect time. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0) {
			close(fd);
			continue;
		}
		c = vfcd__client_new(d, fd, cr.pid, cr.uid, cr.gid);
		if (!c) {
			close(fd);
			continue;
		}
		ev.data.ptr = c;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			c->fd = -1;
			close(fd);
			vfcd__client_drop(d, c);
			continue;
		}
		vfcd_log(VFCD_LOG_DEBUG, "connection from pid %d uid %u gid %u", (int)cr.pid, (unsigned)cr.uid,
			 (unsigned)cr.gid);
	}
}

/* Once a second: rates for list and metrics; note VFs the device failed. */
static void sample(struct vfcd *d)
{
	uint64_t t = vfc_now_ns();

	for (unsigned i = 0; i < d->cfg.pf.n_vfs; i++) {
		struct vfcd_vf *v = &d->vfs[i];
		struct vfc_counters c;
		double dt;

		vfc_pf_vf_counters(d->pf, i, &c);
		pthread_mutex_lock(&d->lock);
		dt = (double)(t - v->prev_ns) / 1e9;
		if (v->pid && dt > 0) {
			v->mbps = (double)(c.bytes - v->prev.bytes) / dt / 1e6;
			v->irq_hz = (double)(c.irqs - v->prev.irqs) / dt;
			v->ops_hz = (double)(c.ops - v->prev.ops) / dt;
		}
		v->prev = c;
		v->prev_ns = t;
		if (v->pid && c.state == VFC_VF_FAILED && v->last_state != VFC_VF_FAILED)
			vfcd_log(VFCD_LOG_WARN, "VF %u (pid %d uid %u): corrupted rings, the device reset it and "
				 "stopped serving it until its tenant resets it; other VFs unaffected", i, (int)v->pid,
				 (unsigned)v->uid);
		v->last_state = c.state;
		pthread_mutex_unlock(&d->lock);
	}
}

static void reload(struct vfcd *d)
{
	struct vfcd_policy *pol;
	char err[256];
	int rc;

	if (!d->cfg.config_path[0]) {
		vfcd_log(VFCD_LOG_INFO, "SIGHUP: no config file to reread");
		return;
	}
	pol = calloc(VFC_MAX_VFS, sizeof(*pol));
	if (!pol)
		return;
	rc = vfcd_config_load_policy(d->cfg.config_path, pol, err, sizeof(err));
	if (rc) {
		vfcd_log(VFCD_LOG_ERR, "SIGHUP: policy not reloaded: %s", err);
	} else {
		for (unsigned i = 0; i < d->cfg.pf.n_vfs; i++)
			vf_set_policy(d, i, &pol[i]);
		vfcd_log(VFCD_LOG_INFO, "SIGHUP: policy reloaded from %s", d->cfg.config_path);
	}
	free(pol);
}

/* Requests submitted and not yet answered by the device, over every tenant. */
static unsigned in_flight(struct vfcd *d)
{
	unsigned n = 0;

	for (struct vfcd_client *c = d->clients; c; c = c->next) {
		uint32_t tail, done;

		if (!c->hdr)
			continue;
		/* Acquire: pairs with the device's publication of resp_tail. */
		if (atomic_load_explicit(&c->hdr->state, memory_order_acquire) != VFC_VF_READY)
			continue; /* failed rings are served no more */
		tail = atomic_load_explicit(&c->hdr->req_tail, memory_order_acquire);
		done = atomic_load_explicit(&c->hdr->resp_tail, memory_order_acquire);
		if (tail - done <= d->cfg.pf.ring_entries)
			n += tail - done;
	}
	return n;
}

static int listen_socket(struct vfcd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, probe, rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock_path);
	/* A socket file left by a dead vfcd is removed; a live one is not ours. */
	probe = vfc__wire_connect(d->sock_path);
	if (probe >= 0) {
		close(probe);
		return -EADDRINUSE;
	}
	if (probe == -ECONNREFUSED)
		unlink(d->sock_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The mode is set at bind time (no window with a wider one). */
	old = umask(~d->cfg.socket_mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, 128) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	d->lfd = fd;
	return 0;
}

static int epoll_add(int epfd, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

struct vfcd *vfcd_create(const struct vfcd_config *cfg)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	sigset_t ss;
	struct vfcd *d;
	int rc;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = *cfg;
	d->lfd = d->epfd = d->sigfd = d->tfd = -1;
	d->start_ns = vfc_now_ns();
	pthread_mutex_init(&d->lock, NULL);
	if (cfg->socket_path[0]) {
		snprintf(d->sock_path, sizeof(d->sock_path), "%s", cfg->socket_path);
	} else {
		rc = vfcd_default_socket(d->sock_path, sizeof(d->sock_path));
		if (rc) {
			vfcd_log(VFCD_LOG_ERR, "no socket path: XDG_RUNTIME_DIR is not set (use --socket PATH)");
			goto fail;
		}
		if (geteuid() == 0)
			mkdir("/run/vfcd", 0755);
	}
	d->pf = vfc_pf_create(&cfg->pf);
	if (!d->pf) {
		rc = -errno;
		vfcd_log(VFCD_LOG_ERR, "vfc_pf_create: %s", strerror(-rc));
		goto fail;
	}
	for (unsigned i = 0; i < cfg->pf.n_vfs; i++) {
		rc = vf_set_policy(d, i, &cfg->pol[i]);
		if (rc) {
			vfcd_log(VFCD_LOG_ERR, "policy of VF %u: %s", i, strerror(-rc));
			goto fail;
		}
	}
	rc = listen_socket(d);
	if (rc) {
		vfcd_log(VFCD_LOG_ERR, "socket %s: %s%s", d->sock_path, strerror(-rc),
			 rc == -EADDRINUSE ? " (another vfcd is running)" : "");
		goto fail;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	d->sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->tfd < 0 || d->epfd < 0) {
		rc = -errno;
		goto fail;
	}
	timerfd_settime(d->tfd, 0, &its, NULL);
	rc = epoll_add(d->epfd, d->lfd, TAG_LISTEN);
	if (!rc)
		rc = epoll_add(d->epfd, d->sigfd, TAG_SIGNAL);
	if (!rc)
		rc = epoll_add(d->epfd, d->tfd, TAG_TIMER);
	if (rc)
		goto fail;
	if (strcmp(cfg->metrics, "off") != 0) {
		d->metrics = vfcd_metrics_start(d, cfg->metrics);
		if (!d->metrics) {
			rc = -errno;
			vfcd_log(VFCD_LOG_ERR, "metrics on %s: %s", cfg->metrics, strerror(-rc));
			goto fail;
		}
	}
	vfcd_log(VFCD_LOG_INFO, "listening on %s (mode %04o): %u VFs, %u engines, %u ring entries, %llu-byte pools; "
		 "metrics port %u (0: off)", d->sock_path, cfg->socket_mode, cfg->pf.n_vfs, cfg->pf.n_engines,
		 cfg->pf.ring_entries, (unsigned long long)cfg->pf.pool_size, vfcd_metrics_port(d));
	return d;
fail:
	vfcd_free(d);
	errno = -rc;
	return NULL;
}

int vfcd_run(struct vfcd *d)
{
	struct epoll_event evs[32];
	struct signalfd_siginfo si;
	uint64_t drain_end = 0, ticks;
	int n, i;

	for (;;) {
		if (d->stopping) {
			unsigned left = in_flight(d);

			if (left == 0 || vfc_now_ns() >= drain_end) {
				if (left)
					vfcd_log(VFCD_LOG_WARN, "drain timeout: %u requests still in flight are dropped",
						 left);
				break;
			}
		}
		n = epoll_wait(d->epfd, evs, 32, d->stopping ? 5 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;

			if (tag == TAG_LISTEN) {
				accept_all(d);
			} else if (tag == TAG_TIMER) {
				if (read(d->tfd, &ticks, sizeof(ticks)) > 0)
					sample(d);
			} else if (tag == TAG_SIGNAL) {
				while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload(d);
						continue;
					}
					if (d->stopping)
						continue;
					vfcd_log(VFCD_LOG_INFO, "%s: draining %u requests in flight (up to %u ms), then "
						 "exiting", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT", in_flight(d),
						 d->cfg.drain_ms);
					d->stopping = 1;
					drain_end = vfc_now_ns() + (uint64_t)d->cfg.drain_ms * 1000000ull;
					/* No new tenants: the socket goes now. */
					epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->lfd, NULL);
					close(d->lfd);
					d->lfd = -1;
					unlink(d->sock_path);
				}
			} else {
				client_readable(d, tag);
				/* The client may be gone: later events of this batch cannot name it
				 * (one event per fd per epoll_wait). */
			}
		}
	}
	while (d->clients)
		vfcd__client_drop(d, d->clients);
	vfcd_log(VFCD_LOG_INFO, "stopped");
	return 0;
}

void vfcd_free(struct vfcd *d)
{
	if (!d)
		return;
	vfcd_metrics_stop(d->metrics);
	d->metrics = NULL;
	while (d->clients)
		vfcd__client_drop(d, d->clients);
	if (d->lfd >= 0) {
		close(d->lfd);
		unlink(d->sock_path);
	}
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->tfd >= 0)
		close(d->tfd);
	vfc_pf_free(d->pf);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
