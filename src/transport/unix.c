/* SPDX-License-Identifier: MIT */
/* unix.c - the vfcd transport: a VF served by the daemon over a UNIX SOCK_SEQPACKET socket, fds by SCM_RIGHTS. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport/transport.h"
#include "transport/wire.h"

#define VFC_UNIX_RCV_TIMEOUT_S 30 /* a daemon that does not answer a cailbox message in this long is stuck */

/* ---- wire helpers (also used by vfcd and vfc ctl) ---- */

int vfc__wire_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = VFC_UNIX_RCV_TIMEOUT_S };
	int fd, err;

	if (!path || !*path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int vfc__wire_send(int fd, uint16_t type, uint32_t seq, const void *body, size_t body_len, const int *fds,
		   unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct vfcd_hdr h = {
		.magic = VFCD_WIRE_MAGIC, .version = VFCD_WIRE_VERSION, .type = type,
		.len = (uint32_t)(sizeof(h) + body_len), .seq = seq,
	};
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)body, body_len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = body_len ? 2 : 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (nfds > 3 || body_len > VFCD_MSG_MAX + VFCD_REPLY_MAX)
		return -EINVAL;
	if (nfds) {
		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.buf;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL); /* no SIGPIPE: a gone peer is an error code */
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE || errno == ECONNRESET ? -ESHUTDOWN : -errno;
	return (size_t)n == h.len ? 0 : -EIO;
}

ssize_t vfc__wire_recv(int fd, void *buf, size_t cap, int *fds, unsigned *nfds)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			    .msg_controllen = sizeof(cm.buf) };
	unsigned want = nfds ? *nfds : 0, got = 0;
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? -ESHUTDOWN : errno == EAGAIN ? -ETIMEDOUT : -errno;
	/* Take the fds we asked for; close every other one (a peer must not be
	 * able to fill our fd table). */
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t k, cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + k * sizeof(int), sizeof(f));
			if (got < want)
				fds[got++] = f;
			else
				close(f);
		}
	}
	if (nfds)
		*nfds = got;
	if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		while (got)
			close(fds[--got]);
		if (nfds)
			*nfds = 0;
		return -EMSGSIZE;
	}
	return n;
}

ssize_t vfc__wire_call(int fd, uint16_t type, uint32_t seq, const void *body, size_t body_len, void *reply,
		       size_t cap, int *fds, unsigned *nfds)
{
	const struct vfcd_hdr *h = reply;
	const struct vfcd_status *st;
	unsigned want = nfds ? *nfds : 0;
	ssize_t n;
	int rc;

	rc = vfc__wire_send(fd, type, seq, body, body_len, NULL, 0);
	if (rc)
		return rc;
	if (nfds)
		*nfds = want;
	n = vfc__wire_recv(fd, reply, cap, fds, nfds);
	if (n == 0)
		return -ESHUTDOWN; /* the daemon hung up (stopped, or closed us after abuse) */
	if (n < 0)
		return n;
	if ((size_t)n < sizeof(*h) || h->magic != VFCD_WIRE_MAGIC || h->version != VFCD_WIRE_VERSION ||
	    h->len != (size_t)n || h->seq != seq)
		goto proto;
	if (h->type == VFCD_MSG_ERROR) {
		if ((size_t)n < sizeof(*h) + sizeof(*st))
			goto proto;
		st = (const void *)(h + 1);
		rc = st->status < 0 ? st->status : -EPROTO;
		goto fail;
	}
	if (h->type != (VFCD_MSG_REPLY_BIT | type))
		goto proto;
	return n - (ssize_t)sizeof(*h);
proto:
	rc = -EPROTO;
fail:
	if (nfds) {
		while (*nfds)
			close(fds[--*nfds]);
	}
	return rc;
}

ssize_t vfc__wire_call_once(const char *path, uint16_t type, const void *body, size_t body_len, void *reply,
			    size_t cap)
{
	int fd = vfc__wire_connect(path);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = vfc__wire_call(fd, type, 1, body, body_len, reply, cap, NULL, NULL);
	close(fd);
	return n;
}

/* ---- the transport ---- */

struct vfc_unix {
	struct vfc_transport t; /* first: the driver sees only this */
	int sock;
	uint32_t seq;
	pthread_mutex_t lock; /* one control exchange at a time on the socket */
	/* Aligned receive buffer: replies are small (vfc_mbox_resp). */
	union {
		uint8_t buf[sizeof(struct vfcd_hdr) + sizeof(struct vfcd_hello_reply) + sizeof(struct vfc_mbox_resp)];
		uint64_t align;
	} rx;
};

static struct vfc_unix *to_unix(struct vfc_transport *t)
{
	return (struct vfc_unix *)t;
}

/* A failed exchange: a gone daemon is remembered for the data path. */
static int unix_note_err(struct vfc_unix *u, int rc)
{
	if (rc == -ESHUTDOWN || rc == -ENOTCONN || rc == -ECONNRESET || rc == -EPIPE) {
		rc = -ESHUTDOWN;
		u->t.gone = rc;
	}
	return rc;
}

static int unix_mbox(struct vfc_transport *t, const struct vfc_mbox_req *req, size_t req_len,
		    struct vfc_mbox_resp *resp)
{
	struct vfc_unix *u = to_unix(t);
	ssize_t n;
	int rc;

	memset(resp, 0, sizeof(*resp));
	if (t->gone) {
		/* Once gone, always gone: the tenant reopens to reach a new daemon. */
		resp->status = -ENOTCONN;
		return resp->status;
	}
	if (req_len > sizeof(*req) + VFC_MBOX_DATA_MAX) {
		resp->status = -EMSGSIZE;
		return resp->status;
	}
	pthread_mutex_lock(&u->lock);
	n = vfc__wire_call(u->sock, VFCD_MSG_MBOX, ++u->seq, req, req_len, u->rx.buf, sizeof(u->rx.buf), NULL,
			   NULL);
	if (n >= 0 && (size_t)n != sizeof(*resp))
		n = -EPROTO;
	if (n >= 0)
		memcpy(resp, u->rx.buf + sizeof(struct vfcd_hdr), sizeof(*resp));
	pthread_mutex_unlock(&u->lock);
	if (n < 0) {
		rc = unix_note_err(u, (int)n);
		resp->version = VFC_ABI_VERSION;
		resp->type = req_len >= sizeof(*req) ? req->type : 0;
		resp->status = rc;
	}
	return resp->status;
}

static int unix_note_controller(struct vfc_transport *t, const char *spec)
{
	struct vfc_unix *u = to_unix(t);
	struct vfcd_note_controller note;
	struct vfcd_status st;
	ssize_t n;

	if (t->gone)
		return -ENOTCONN;
	memset(&note, 0, sizeof(note));
	strncpy(note.spec, spec ? spec : "none", sizeof(note.spec) - 1);
	pthread_mutex_lock(&u->lock);
	n = vfc__wire_call(u->sock, VFCD_MSG_NOTE_CONTROLLER, ++u->seq, &note, sizeof(note), u->rx.buf,
			   sizeof(u->rx.buf), NULL, NULL);
	if (n >= 0 && (size_t)n != sizeof(st))
		n = -EPROTO;
	if (n >= 0)
		memcpy(&st, u->rx.buf + sizeof(struct vfcd_hdr), sizeof(st));
	pthread_mutex_unlock(&u->lock);
	if (n < 0)
		return unix_note_err(u, (int)n);
	return st.status;
}

static int unix_alive(struct vfc_transport *t)
{
	struct vfc_unix *u = to_unix(t);
	struct pollfd p = { .fd = u->sock, .events = POLLRDHUP };

	if (t->gone)
		return t->gone;
	/* The daemon never speaks unprompted: a readable socket outside an
	 * exchange is its hangup (POLLHUP/POLLRDHUP, or POLLIN with EOF). */
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
		t->gone = -ESHUTDOWN;
	return t->gone;
}

static void unix_close(struct vfc_transport *t)
{
	struct vfc_unix *u = to_unix(t);

	/* Closing the socket is the release: the daemon reclaims the VF. */
	close(u->sock);
	close(t->mem_fd);
	close(t->doorbell_fd);
	close(t->irq_fd);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static const struct vfc_transport_ops unix_ops = {
	.mbox = unix_mbox,
	.device_cpu_ns = NULL, /* the engines run in the daemon: none of our CPU time is theirs */
	.close = unix_close,
	.alive = unix_alive,
	.note_controller = unix_note_controller,
};

struct vfc_transport *vfc_transport_unix_open(const char *path, const struct vfc_vf_opts *opts)
{
	struct vfcd_hello hello = { .abi_version = VFC_ABI_VERSION, .vf_id = VFCD_HELLO_ANY_VF };
	struct vfcd_hello_reply rep;
	struct vfc_unix *u;
	int fds[3], err;
	unsigned nfds = 3;
	ssize_t n;

	if (opts && opts->vf_id >= 0)
		hello.vf_id = (uint32_t)opts->vf_id;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	pthread_mutex_init(&u->lock, NULL);
	u->sock = vfc__wire_connect(path);
	if (u->sock < 0) {
		err = -u->sock;
		goto fail_connect;
	}
	n = vfc__wire_call(u->sock, VFCD_MSG_HELLO, ++u->seq, &hello, sizeof(hello), u->rx.buf, sizeof(u->rx.buf),
			   fds, &nfds);
	if (n < 0) {
		err = (int)-n;
		goto fail_hello;
	}
	memcpy(&rep, u->rx.buf + sizeof(struct vfcd_hdr), n < (ssize_t)sizeof(rep) ? (size_t)n : sizeof(rep));
	if ((size_t)n != sizeof(rep) || (rep.status == 0 && nfds != 3)) {
		err = EPROTO;
		goto fail_fds;
	}
	if (rep.status) {
		err = -rep.status;
		goto fail_fds;
	}
	u->t.ops = &unix_ops;
	u->t.vf_id = rep.vf_id;
	u->t.mem_fd = fds[0];
	u->t.doorbell_fd = fds[1];
	u->t.irq_fd = fds[2];
	u->t.region_size = rep.region_size;
	u->t.max_in_flight = rep.max_in_flight;
	/* The device writes the irq eventfd; the driver polls it before reading,
	 * but a stray read must not block either (as the PF's own eventfds). */
	fcntl(u->t.irq_fd, F_SETFL, fcntl(u->t.irq_fd, F_GETFL) | O_NONBLOCK);
	fcntl(u->t.doorbell_fd, F_SETFL, fcntl(u->t.doorbell_fd, F_GETFL) | O_NONBLOCK);
	return &u->t;

fail_fds:
	while (nfds)
		close(fds[--nfds]);
fail_hello:
	close(u->sock);
fail_connect:
	pthread_mutex_destroy(&u->lock);
	free(u);
	errno = err;
	return NULL;
}
