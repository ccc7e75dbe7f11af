/* SPDX-License-Identifier: MIT */
/* daemon.c - vfcd's loop: the socket, connections, signals (SIGHUP reload, SIGTERM drain), the 1-s sample. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon/admit.h"
#include "daemon/daemon.h"
#include "daemon/handlers.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/vftable.h"
#include "os/clock.h"

#define TAG_LISTEN ((void *)1)
#define TAG_SIGNAL ((void *)2)
#define TAG_TIMER ((void *)3)

struct vfcd {
	struct vfcd_config cfg;
	struct vfcd_ctx x;
	char sock_path[VFCD_PATH_MAX];
	int lfd, epfd, sigfd, tfd;
	struct vfcd_metrics *metrics;
	struct vfcd_admit adm;
	uint64_t drain_end; /* stopping: when the drain gives up */
	union {
		uint8_t buf[VFCD_MSG_MAX];
		uint64_t align;
	} rx;
	struct vfcd_reply tx;
};

unsigned vfcd_metrics_port(const struct vfcd *d)
{
	return d->metrics ? vfcd_metrics_bound_port(d->metrics) : 0;
}

struct vfcd_ctx *vfcd__ctx(struct vfcd *d)
{
	return &d->x;
}

/* ---- connections ---- */

static void drop(struct vfcd *d, struct vfcd_client *c)
{
	vfcd__admit_drop(&d->adm, &d->x, c);
}

/* Answer every message the client has sent. Returns 0 once it is dropped. */
static int client_readable(struct vfcd *d, struct vfcd_client *c)
{
	struct vfcd_hdr h;
	ssize_t n;
	int rc;

	for (;;) {
		memset(&h, 0, sizeof(h));
		/* Fds a client sends are closed by the receive helper: we take none. */
		n = vfc__wire_recv(c->fd, d->rx.buf, sizeof(d->rx.buf), NULL, NULL);
		if (n == -EAGAIN || n == -ETIMEDOUT)
			return 1;
		if (n == 0 || (n < 0 && n != -EMSGSIZE)) {
			drop(d, c);
			return 0;
		}
		vfcd__dispatch(&d->x, c, d->rx.buf, n < 0 ? 0 : (size_t)n, n == -EMSGSIZE, &d->tx);
		if (n == -EMSGSIZE || (size_t)n >= sizeof(h))
			memcpy(&h, d->rx.buf, sizeof(h)); /* for the seq to echo */
		/* A key import's key is in it: nothing of a message outlives its handling. */
		OPENSSL_cleanse(d->rx.buf, n < 0 ? sizeof(d->rx.buf) : (size_t)n);
		rc = vfc__wire_send(c->fd, d->tx.type, h.seq, d->tx.body.buf, d->tx.len, d->tx.fds, d->tx.nfds);
		if (rc || d->tx.close_after) {
			/* A client that does not read its answers (full buffer) is dropped too. */
			if (rc)
				vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: cannot answer (%s): closing", (int)c->pid,
					 (unsigned)c->uid, strerror(-rc));
			drop(d, c);
			return 0;
		}
	}
}

/* New connections; a refused one gets its answer now if its first message is here already. */
static void accept_all(struct vfcd *d)
{
	struct vfcd_client *c;

	while ((c = vfcd__admit_accept(&d->adm, &d->x)))
		if (c->refuse)
			client_readable(d, c);
}

/* ---- signals ---- */

static void reload(struct vfcd *d)
{
	struct vfcd_conn_policy conn;
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
	rc = vfcd_config_load_policy(d->cfg.config_path, pol, &conn, err, sizeof(err));
	if (rc) {
		vfcd_log(VFCD_LOG_ERR, "SIGHUP: policy not reloaded: %s", err);
	} else {
		for (unsigned i = 0; i < d->cfg.pf.n_vfs; i++)
			vfcd_vftable_set_policy(d->x.vfs, i, &pol[i]);
		d->x.max_conns_per_uid = conn.max_conns_per_uid;
		vfcd_log(VFCD_LOG_INFO, "SIGHUP: policy reloaded from %s", d->cfg.config_path);
	}
	free(pol);
}

/* Requests submitted and not yet answered by the device, over every tenant. */
static unsigned in_flight(struct vfcd *d)
{
	unsigned n = 0;

	for (struct vfcd_client *c = d->x.clients; c; c = c->next) {
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

/* SIGTERM/SIGINT: no new tenants (the socket goes now), drain what is in flight. */
static void start_drain(struct vfcd *d, uint32_t signo)
{
	vfcd_log(VFCD_LOG_INFO, "%s: draining %u requests in flight (up to %u ms), then exiting",
		 signo == SIGTERM ? "SIGTERM" : "SIGINT", in_flight(d), d->cfg.drain_ms);
	d->x.stopping = 1;
	d->drain_end = vfc_now_ns() + (uint64_t)d->cfg.drain_ms * 1000000ull;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->lfd, NULL);
	vfcd__admit_stop(&d->adm);
	close(d->lfd);
	d->lfd = -1;
	unlink(d->sock_path);
}

static void take_signals(struct vfcd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else if (!d->x.stopping)
			start_drain(d, si.ssi_signo);
	}
}

/* Whether the drain is over: nothing in flight, or the timeout. */
static int drained(struct vfcd *d)
{
	unsigned left = in_flight(d);

	if (left && vfc_now_ns() < d->drain_end)
		return 0;
	if (left)
		vfcd_log(VFCD_LOG_WARN, "drain timeout: %u requests still in flight are dropped", left);
	return 1;
}

/* ---- setup ---- */

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

static int socket_path(struct vfcd *d)
{
	int rc;

	if (d->cfg.socket_path[0]) {
		snprintf(d->sock_path, sizeof(d->sock_path), "%s", d->cfg.socket_path);
		return 0;
	}
	rc = vfcd_default_socket(d->sock_path, sizeof(d->sock_path));
	if (rc) {
		vfcd_log(VFCD_LOG_ERR, "no socket path: XDG_RUNTIME_DIR is not set (use --socket PATH)");
		return rc;
	}
	if (geteuid() == 0)
		mkdir("/run/vfcd", 0755);
	return 0;
}

/* The PF and the VF table, with every VF's policy applied. */
static int device_up(struct vfcd *d)
{
	const struct vfcd_config *cfg = &d->cfg;
	int rc;

	d->x.pf = vfc_pf_create(&cfg->pf);
	if (!d->x.pf) {
		rc = -errno;
		vfcd_log(VFCD_LOG_ERR, "vfc_pf_create: %s", strerror(-rc));
		return rc;
	}
	d->x.vfs = vfcd_vftable_create(d->x.pf, cfg->pf.n_vfs);
	if (!d->x.vfs)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->pf.n_vfs; i++) {
		rc = vfcd_vftable_set_policy(d->x.vfs, i, &cfg->pol[i]);
		if (rc) {
			vfcd_log(VFCD_LOG_ERR, "policy of VF %u: %s", i, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int epoll_add(int epfd, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The signalfd, the 1-s sampling timer and the epoll set over them and the socket. */
static int events_up(struct vfcd *d)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	sigset_t ss;
	int rc;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	d->sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->tfd < 0 || d->epfd < 0)
		return -errno;
	timerfd_settime(d->tfd, 0, &its, NULL);
	rc = vfcd__admit_init(&d->adm, d->lfd, d->epfd, TAG_LISTEN);
	if (!rc)
		rc = epoll_add(d->epfd, d->lfd, TAG_LISTEN);
	if (!rc)
		rc = epoll_add(d->epfd, d->sigfd, TAG_SIGNAL);
	if (!rc)
		rc = epoll_add(d->epfd, d->tfd, TAG_TIMER);
	return rc;
}

static int metrics_up(struct vfcd *d)
{
	int rc;

	if (!strcmp(d->cfg.metrics, "off"))
		return 0;
	d->metrics = vfcd_metrics_start(d->x.vfs, d->cfg.metrics);
	if (!d->metrics) {
		rc = -errno;
		vfcd_log(VFCD_LOG_ERR, "metrics on %s: %s", d->cfg.metrics, strerror(-rc));
		return rc;
	}
	d->x.metrics_port = vfcd_metrics_bound_port(d->metrics);
	return 0;
}

struct vfcd *vfcd_create(const struct vfcd_config *cfg)
{
	struct vfcd *d;
	int rc;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = *cfg;
	d->lfd = d->epfd = d->sigfd = d->tfd = -1;
	d->adm.reserve = -1;
	d->x.pf_cfg = cfg->pf;
	d->x.max_conns_per_uid = cfg->conn.max_conns_per_uid;
	d->x.start_ns = vfc_now_ns();
	rc = socket_path(d);
	if (!rc)
		rc = device_up(d);
	if (!rc) {
		rc = listen_socket(d);
		if (rc)
			vfcd_log(VFCD_LOG_ERR, "socket %s: %s%s", d->sock_path, strerror(-rc),
				 rc == -EADDRINUSE ? " (another vfcd is running)" : "");
	}
	if (!rc)
		rc = events_up(d);
	if (!rc)
		rc = metrics_up(d);
	if (rc) {
		vfcd_free(d);
		errno = -rc;
		return NULL;
	}
	vfcd_log(VFCD_LOG_INFO, "listening on %s (mode %04o): %u VFs, %u engines, %u ring entries, %llu-byte pools; "
		 "metrics port %u (0: off)", d->sock_path, cfg->socket_mode, cfg->pf.n_vfs, cfg->pf.n_engines,
		 cfg->pf.ring_entries, (unsigned long long)cfg->pf.pool_size, vfcd_metrics_port(d));
	return d;
}

/* ---- the loop ---- */

/* Once a second: rates for list and metrics; note VFs the device failed. */
static void tick(struct vfcd *d)
{
	uint64_t ticks;

	if (read(d->tfd, &ticks, sizeof(ticks)) > 0)
		vfcd_vftable_sample(d->x.vfs);
	vfcd__admit_retry(&d->adm); /* an fd may have freed outside the connections */
}

int vfcd_run(struct vfcd *d)
{
	struct epoll_event evs[32];
	int n, i, wait_ms;

	while (!d->x.stopping || !drained(d)) {
		wait_ms = vfcd__admit_expire(&d->adm, &d->x, vfc_now_ns());
		if (d->x.stopping && (wait_ms < 0 || wait_ms > 5))
			wait_ms = 5;
		n = epoll_wait(d->epfd, evs, 32, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;

			if (tag == TAG_LISTEN)
				accept_all(d);
			else if (tag == TAG_TIMER)
				tick(d);
			else if (tag == TAG_SIGNAL)
				take_signals(d);
			else
				client_readable(d, tag);
			/* A dropped client's later events of this batch cannot name it
			 * (one event per fd per epoll_wait). */
		}
	}
	while (d->x.clients)
		drop(d, d->x.clients);
	vfcd_log(VFCD_LOG_INFO, "stopped");
	return 0;
}

void vfcd_free(struct vfcd *d)
{
	if (!d)
		return;
	vfcd_metrics_stop(d->metrics);
	d->metrics = NULL;
	while (d->x.clients)
		drop(d, d->x.clients);
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
	vfcd__admit_fini(&d->adm);
	vfcd_vftable_free(d->x.vfs);
	vfc_pf_free(d->x.pf);
	free(d);
}
