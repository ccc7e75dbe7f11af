/* SPDX-License-Identifier: MIT */
/* unix.c - the vfcd transport: a VF served by the daemon over a UNIX SOCK_SEQPACKET socket, fds by SCM_RIGHTS. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/transport.h"
#include "transport/wire.h"

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

struct vfc_transport *vfc_transport_unix_open(const char *path, const struct vfc_transport_cfg *cfg)
{
	struct vfcd_hello hello = { .abi_version = VFC_ABI_VERSION, .vf_id = VFCD_HELLO_ANY_VF };
	struct vfcd_hello_reply rep;
	struct vfc_unix *u;
	int fds[3], err;
	unsigned nfds = 3;
	ssize_t n;

	if (cfg->vf_id != VFC_TRANSPORT_ANY_VF)
		hello.vf_id = cfg->vf_id;
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
