/* SPDX-License-Identifier: MIT */
/* admit.c - vfcd's admission of connections: the per-uid limit, a reserve fd for fd exhaustion, refusals on probation. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/admit.h"
#include "daemon/log.h"
#include "os/clock.h"

#define MS 1000000ull

int vfcd__admit_init(struct vfcd_admit *a, int lfd, int epfd, void *tag)
{
	memset(a, 0, sizeof(*a));
	a->lfd = lfd;
	a->epfd = epfd;
	a->tag = tag;
	a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return a->reserve < 0 ? -errno : 0;
}

void vfcd__admit_fini(struct vfcd_admit *a)
{
	if (a->reserve >= 0)
		close(a->reserve);
	a->reserve = -1;
}

void vfcd__admit_stop(struct vfcd_admit *a)
{
	a->lfd = -1;
	a->paused = 0;
}

static void listen_on(struct vfcd_admit *a, int on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = a->tag };

	if (a->lfd < 0 || a->paused == !on)
		return;
	if (epoll_ctl(a->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, a->lfd, &ev) == 0)
		a->paused = !on;
}

void vfcd__admit_retry(struct vfcd_admit *a)
{
	if (a->reserve < 0)
		a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	listen_on(a, 1);
}

/* At most one line per VFCD_REFUSAL_LOG_S: a flood must not flood the log. */
static void log_refusal(struct vfcd_admit *a, const struct vfcd_client *c, unsigned held, uint32_t max)
{
	uint64_t now = vfc_now_ns();

	if (a->log_ns && now - a->log_ns < VFCD_REFUSAL_LOG_S * 1000 * MS) {
		a->unlogged++;
		return;
	}
	if (c->refuse == -EUSERS)
		vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: refused, the uid holds %u connections (max_conns_per_uid %u); "
			 "%u more refused since the last line", (int)c->pid, (unsigned)c->uid, held, (unsigned)max,
			 a->unlogged);
	else
		vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: refused, vfcd is out of file descriptors (%s); "
			 "%u more refused since the last line", (int)c->pid, (unsigned)c->uid, strerror(-c->refuse),
			 a->unlogged);
	a->log_ns = now;
	a->unlogged = 0;
}

/* Connections the uid holds that count against its limit (refused ones do not). */
static unsigned held_by(const struct vfcd_ctx *x, uid_t uid)
{
	unsigned n = 0;

	for (const struct vfcd_client *c = x->clients; c; c = c->next)
		n += !c->refuse && c->uid == uid;
	return n;
}

/* accept4, on the reserve when out of fds (*refuse = -EMFILE). -1: none to take now. */
static int take(struct vfcd_admit *a, int *refuse)
{
	int fd = accept4(a->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	*refuse = 0;
	if (fd >= 0 || (errno != EMFILE && errno != ENFILE))
		return fd;
	/* accept4 takes the fd before it looks at the queue: EMFILE says nothing
	 * of whether a connection waits. The reserve tells. */
	if (a->reserve >= 0) {
		int err;

		close(a->reserve);
		a->reserve = -1;
		fd = accept4(a->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			*refuse = -EMFILE;
			return fd;
		}
		err = errno;
		a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (err != EMFILE && err != ENFILE)
			return -1; /* none waits: the socket is not readable, epoll stays quiet */
	}
	/* Nothing to accept with until an fd frees: stop polling the socket. */
	listen_on(a, 0);
	return -1;
}

static struct vfcd_client *admit(struct vfcd_admit *a, struct vfcd_ctx *x, int fd, int refuse)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct vfcd_client *c;
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	unsigned held;

	/* Who is it: checked by the kernel at connect time. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0)
		return NULL;
	held = held_by(x, cr.uid);
	if (!refuse && x->max_conns_per_uid && held >= x->max_conns_per_uid)
		refuse = -EUSERS;
	c = vfcd__client_new(x, fd, cr.pid, cr.uid, cr.gid);
	if (!c)
		return NULL;
	ev.data.ptr = c;
	if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		c->fd = -1;
		vfcd__client_drop(x, c);
		return NULL;
	}
	if (refuse) {
		c->refuse = refuse;
		a->n_probation++;
		/* Too many waiting already: only what it has sent by now is answered. */
		c->probation_end = vfc_now_ns() + (a->n_probation <= VFCD_PROBATION_MAX ? VFCD_PROBATION_MS * MS : 0);
		log_refusal(a, c, held, x->max_conns_per_uid);
	}
	vfcd_log(VFCD_LOG_DEBUG, "connection from pid %d uid %u gid %u%s", (int)cr.pid, (unsigned)cr.uid,
		 (unsigned)cr.gid, refuse ? " (refused: on probation)" : "");
	return c;
}

struct vfcd_client *vfcd__admit_accept(struct vfcd_admit *a, struct vfcd_ctx *x)
{
	struct vfcd_client *c;
	int fd, refuse;

	while (a->lfd >= 0 && !a->paused) {
		fd = take(a, &refuse);
		if (fd < 0)
			return NULL;
		c = admit(a, x, fd, refuse);
		if (c)
			return c;
		close(fd);
		vfcd__admit_retry(a);
	}
	return NULL;
}

void vfcd__admit_drop(struct vfcd_admit *a, struct vfcd_ctx *x, struct vfcd_client *c)
{
	if (c->fd >= 0)
		epoll_ctl(a->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->refuse)
		a->n_probation--;
	vfcd__client_drop(x, c);
	vfcd__admit_retry(a);
}

int vfcd__admit_expire(struct vfcd_admit *a, struct vfcd_ctx *x, uint64_t now_ns)
{
	struct vfcd_client *c, *next;
	uint64_t first = 0;

	if (!a->n_probation)
		return -1;
	for (c = x->clients; c; c = next) {
		next = c->next;
		if (!c->refuse)
			continue;
		if (c->probation_end <= now_ns) {
			struct vfcd_status st = { .status = c->refuse };

			/* seq 0: no request of the client's (their seqs start at 1). */
			(void)vfc__wire_send(c->fd, VFCD_MSG_ERROR, 0, &st, sizeof(st), NULL, 0);
			vfcd__admit_drop(a, x, c);
		} else if (!first || c->probation_end < first) {
			first = c->probation_end;
		}
	}
	return first ? (int)((first - now_ns + MS - 1) / MS) : -1;
}
