/* SPDX-License-Identifier: MIT */
/* admit.h - vfcd's admission of connections: the per-uid limit, a reserve fd for fd exhaustion, refusals on probation. */
#ifndef VFC_DAEMON_ADMIT_H
#define VFC_DAEMON_ADMIT_H

#include <stdint.h>

#include "daemon/handlers.h"

/*
 * A connection over its uid's limit (max_conns_per_uid, SO_PEERCRED), or one
 * taken while the daemon is out of fds (EMFILE/ENFILE: accepted on the reserve
 * fd), is refused but on probation: its first message gets one answer (a
 * HELLO gets c->refuse, an admin message is served: `vfc ctl` still works)
 * and the connection is closed. One that says nothing within
 * VFCD_PROBATION_MS gets an ERROR frame with seq 0 and the refusal, and is
 * closed. With the reserve spent the listening socket leaves the epoll set
 * until an fd frees (a connection closes, or the 1-s tick), so the loop
 * sleeps instead of spinning on a socket it cannot accept from.
 */
#define VFCD_PROBATION_MS 20
#define VFCD_PROBATION_MAX 16 /* refused connections waiting at once; more are closed at once */
#define VFCD_REFUSAL_LOG_S 10 /* one refusal line per this many seconds at most */

struct vfcd_admit {
	int lfd, epfd;   /* the loop's: listening socket (-1 once closed), epoll set */
	void *tag;       /* the listening socket's epoll tag */
	int reserve;     /* /dev/null, closed to accept at EMFILE; -1 while spent */
	int paused;      /* the listening socket is out of the epoll set */
	unsigned n_probation; /* refused clients not yet dropped */
	uint64_t log_ns; /* the last refusal line */
	unsigned unlogged; /* refusals since that line */
};

/* Open the reserve. 0 or a negative errno. */
int vfcd__admit_init(struct vfcd_admit *a, int lfd, int epfd, void *tag);
void vfcd__admit_fini(struct vfcd_admit *a);
/* Stop listening (the loop closes lfd). */
void vfcd__admit_stop(struct vfcd_admit *a);
/* Accept one connection, add it to the epoll set (data.ptr = the client) and
 * return it, refused (c->refuse) or not. NULL: none to take now. */
struct vfcd_client *vfcd__admit_accept(struct vfcd_admit *a, struct vfcd_ctx *x);
/* Drop a client (epoll set, VF, fd), then take the reserve back and listen again. */
void vfcd__admit_drop(struct vfcd_admit *a, struct vfcd_ctx *x, struct vfcd_client *c);
/* An fd may have freed elsewhere: take the reserve back, listen again. */
void vfcd__admit_retry(struct vfcd_admit *a);
/* Close refused clients whose probation is over. Returns the ms until the
 * next one ends, or -1 when none waits. */
int vfcd__admit_expire(struct vfcd_admit *a, struct vfcd_ctx *x, uint64_t now_ns);

#endif
