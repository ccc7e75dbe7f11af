/* SPDX-License-Identifier: MIT */
/* wire.c - framing of the vfcd protocol (wire.h): connect, send, receive, call; shared by unix.c, vfcd and vfc ctl. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport/wire.h"

#define RCV_TIMEOUT_S 30 /* receive timeout of a connected socket: a daemon that does not answer in this long is stuck */

int vfc__wire_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = RCV_TIMEOUT_S };
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

/* A refusal the daemon sent before hanging up (ERROR, seq 0: admit.h), or rc. */
static int refusal_or(int fd, int rc)
{
	union {
		uint8_t b[sizeof(struct vfcd_hdr) + sizeof(struct vfcd_status)];
		uint64_t align;
	} m;
	struct vfcd_hdr h;
	struct vfcd_status st;

	if (recv(fd, m.b, sizeof(m.b), MSG_DONTWAIT) != (ssize_t)sizeof(m.b))
		return rc;
	memcpy(&h, m.b, sizeof(h));
	memcpy(&st, m.b + sizeof(h), sizeof(st));
	if (h.magic != VFCD_WIRE_MAGIC || h.type != VFCD_MSG_ERROR || h.seq != 0 || st.status >= 0)
		return rc;
	return st.status;
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
	if (rc == -ESHUTDOWN)
		return refusal_or(fd, rc); /* refused at accept and closed before we spoke */
	if (rc)
		return rc;
	if (nfds)
		*nfds = want;
	n = vfc__wire_recv(fd, reply, cap, fds, nfds);
	if (n == 0)
		return -ESHUTDOWN; /* the daemon hung up (stopped, or closed us after abuse) */
	if (n < 0)
		return n;
	/* seq 0 on an ERROR: the daemon refused the connection (admit.h). */
	if ((size_t)n < sizeof(*h) || h->magic != VFCD_WIRE_MAGIC || h->version != VFCD_WIRE_VERSION ||
	    h->len != (size_t)n || (h->seq != seq && !(h->seq == 0 && h->type == VFCD_MSG_ERROR)))
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
