/* SPDX-License-Identifier: MIT */
/* handlers.h - vfcd's message handlers: a client's datagram in, the answer out (no socket I/O: fuzzed as is). */
#ifndef VFC_DAEMON_HANDLERS_H
#define VFC_DAEMON_HANDLERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/vftable.h"
#include "device/pf.h"
#include "transport/wire.h"

/* A connection: one tenant (at most one VF) or an admin. */
struct vfcd_client {
	int fd; /* -1: none (the fuzz target) */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int vf; /* attached VF, -1: none */
	unsigned strikes;
	int refuse;            /* 0, or why it is only on probation (-EUSERS, -EMFILE): see admit.h */
	uint64_t probation_end; /* refused and silent: closed at this time (vfc_now_ns) */
	const struct vfc_region_hdr *hdr; /* read-only view of the VF's header (the drain reads it), or NULL */
	struct vfcd_client *prev, *next;
};

/* What the handlers act on. The daemon's loop owns it and sets stopping and
 * metrics_port; the handlers read them and never call the loop. */
struct vfcd_ctx {
	struct vfc_pf *pf;
	struct vfcd_vftable *vfs;
	struct vfc_pf_config pf_cfg; /* the sizes INFO reports */
	uint64_t start_ns;
	unsigned metrics_port; /* 0: off */
	int stopping;          /* SIGTERM taken: HELLO is refused with -ESHUTDOWN */
	struct vfcd_client *clients;
	unsigned n_clients;
	uint32_t max_conns_per_uid; /* daemon-wide policy, 0 = no limit (admit.c) */
};

struct vfcd_reply {
	uint16_t type;
	size_t len; /* body bytes */
	union {
		uint8_t buf[VFCD_REPLY_MAX];
		uint64_t align;
	} body;
	int fds[3];
	unsigned nfds;
	int close_after; /* hang up after sending: too many malformed messages */
};

/* A new connection (fd may be -1) with these credentials. NULL: no memory. */
struct vfcd_client *vfcd__client_new(struct vfcd_ctx *x, int fd, pid_t pid, uid_t uid, gid_t gid);
/* Drop a client: release its VF, close its fd, free it. */
void vfcd__client_drop(struct vfcd_ctx *x, struct vfcd_client *c);
/* Handle one datagram of len bytes (truncated: it was larger than the
 * buffer) and fill the answer to send. A refused client (c->refuse) gets one
 * answer and close_after: HELLO is answered with c->refuse, an admin message
 * is served as usual. */
void vfcd__dispatch(struct vfcd_ctx *x, struct vfcd_client *c, const void *msg, size_t len, int truncated,
		    struct vfcd_reply *out);

#endif
