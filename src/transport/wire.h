/* SPDX-License-Identifier: MIT */
/* wire.h - the vfcd socket protocol: framed, versioned messages over SOCK_SEQPACKET, fds by SCM_RIGHTS. */
#ifndef VFC_TRANSPORT_WIRE_H
#define VFC_TRANSPORT_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/vf_policy.h"
#include "vfcrypt/abi.h"

/*
 * One datagram = one message: a header, then a body whose layout the type
 * fixes. Every request gets exactly one answer of type VFCD_MSG_REPLY_BIT |
 * type (or VFCD_MSG_ERROR) with the same seq. Numbers are in host order: the
 * peer is on the same machine.
 *
 *   HELLO     tenant -> daemon  vfcd_hello      -> vfcd_hello_reply + 3 fds (mem, doorbell, irq)
 *   MBOX      tenant -> daemon  vfc_mbox_req+data -> vfc_mbox_resp   (the abi.h mailbox messages)
 *   NOTE_CONTROLLER  tenant -> daemon  vfcd_note_controller   -> vfcd_status      (the controller it runs)
 *   INFO      admin             -                -> vfcd_info
 *   LIST      admin             -                -> vfcd_status + n x vfcd_vf_info
 *   SHOW      admin             vfcd_vf_ref      -> vfcd_status + 1 x vfcd_vf_info
 *   POLICY    admin             vfcd_policy_msg  -> vfcd_status + 1 x vfcd_vf_info (as applied)
 *   RESET     admin             vfcd_vf_ref      -> vfcd_status
 *
 * Admin messages are accepted from root and from the daemon's own uid only
 * (SO_PEERCRED), on any connection. A connection attaches at most one VF;
 * closing it releases the VF (in-flight work dropped, keys wiped).
 */

#define VFCD_WIRE_MAGIC 0x44434656u /* "VFCD" little endian */
#define VFCD_WIRE_VERSION 1u
#define VFCD_CONTROLLER_NAME_MAX 64       /* controller spec carried by NOTE_CONTROLLER / shown by LIST */
#define VFCD_MSG_MAX (sizeof(struct vfcd_hdr) + sizeof(struct vfc_mbox_req) + VFC_MBOX_DATA_MAX)
#define VFCD_REPLY_MAX (sizeof(struct vfcd_hdr) + sizeof(struct vfcd_status) + \
			VFC_MAX_VFS * sizeof(struct vfcd_vf_info))
#define VFCD_STRIKES_MAX 3 /* malformed messages tolerated on one connection before it is closed */

enum vfcd_msg_type {
	VFCD_MSG_HELLO = 1,
	VFCD_MSG_MBOX = 2,
	VFCD_MSG_NOTE_CONTROLLER = 3,
	VFCD_MSG_INFO = 16,
	VFCD_MSG_LIST = 17,
	VFCD_MSG_SHOW = 18,
	VFCD_MSG_POLICY = 19,
	VFCD_MSG_RESET = 20,
	VFCD_MSG_ERROR = 0x7fff,     /* body: vfcd_status; answers a message that could not be parsed */
	VFCD_MSG_REPLY_BIT = 0x8000,
};

struct vfcd_hdr {
	uint32_t magic;   /* VFCD_WIRE_MAGIC */
	uint16_t version; /* VFCD_WIRE_VERSION */
	uint16_t type;    /* enum vfcd_msg_type */
	uint32_t len;     /* whole message, header included: must equal the datagram's size */
	uint32_t seq;     /* echoed in the answer */
};

struct vfcd_status {
	int32_t status; /* 0 or a negative errno */
	uint32_t count; /* LIST/SHOW/POLICY: vfcd_vf_info records that follow */
};

#define VFCD_HELLO_ANY_VF UINT32_MAX

struct vfcd_hello {
	uint32_t abi_version; /* VFC_ABI_VERSION the tenant speaks */
	uint32_t vf_id;       /* VFCD_HELLO_ANY_VF: the one policy names for me, else any free one */
	uint32_t flags;       /* 0 */
	uint32_t rsvd;
};

struct vfcd_hello_reply {
	int32_t status;
	uint32_t vf_id;
	uint64_t region_size;
	uint32_t max_in_flight; /* policy: requests in flight the driver keeps to (0 = the ring size) */
	uint32_t rsvd;
};

struct vfcd_note_controller {
	char spec[VFCD_CONTROLLER_NAME_MAX]; /* NUL-terminated controller spec, e.g. "adaptive" */
};

struct vfcd_vf_ref {
	uint32_t vf_id;
	uint32_t rsvd;
};

/* Per-VF policy as the daemon keeps it: the PF's part plus who and how. */
#define VFCD_ANY_ID UINT32_MAX /* uid/gid: anyone */
struct vfcd_policy {
	struct vfc_vf_policy pf;  /* cap bounds, sessions, keys: enforced by the PF */
	uint32_t uid, gid;        /* who may attach (SO_PEERCRED), VFCD_ANY_ID = anyone */
	uint32_t max_in_flight;   /* 0 = the ring size */
	uint32_t rsvd;
	char controller[VFCD_CONTROLLER_NAME_MAX]; /* allowed controllers, comma list of names; "" = any */
};

/* POLICY: set = bit mask of the fields to change (VFCD_POL_*). */
#define VFCD_POL_MIN_CAP 0x01u
#define VFCD_POL_MAX_CAP 0x02u
#define VFCD_POL_SESSIONS 0x04u
#define VFCD_POL_KEYS 0x08u
#define VFCD_POL_UID 0x10u
#define VFCD_POL_GID 0x20u
#define VFCD_POL_INFLIGHT 0x40u
#define VFCD_POL_CONTROLLER 0x80u
#define VFCD_POL_INVALID 0x100u /* pf.max_invalid_hz */
#define VFCD_POL_NOWORK 0x200u  /* pf.max_nowork_hz */
#define VFCD_POL_ALL 0x3ffu
struct vfcd_policy_msg {
	uint32_t vf_id;
	uint32_t set;
	struct vfcd_policy pol;
};

enum vfcd_vf_state {
	VFCD_VF_FREE = 0,
	VFCD_VF_ATTACHED = 1,
	VFCD_VF_FAILED = 2, /* attached, the device stopped serving its corrupted rings */
};

struct vfcd_vf_info {
	uint32_t vf_id;
	uint32_t state;     /* enum vfcd_vf_state */
	int32_t owner_pid;  /* 0 when free */
	uint32_t owner_uid, owner_gid;
	uint32_t rsvd;
	struct vfc_counters ctr;
	double mbps, irq_hz, ops_hz; /* over the daemon's last sampling interval (1 s) */
	struct vfcd_policy pol;
	char controller[VFCD_CONTROLLER_NAME_MAX]; /* what the tenant said it runs ("" = not told) */
};

struct vfcd_info {
	int32_t status;
	uint32_t pid;
	uint32_t n_vfs, n_engines;
	uint32_t ring_entries, metrics_port; /* 0 = metrics off */
	uint64_t pool_size;
	uint64_t uptime_ns;
	uint64_t engine_cpu_ns[VFC_MAX_ENGINES];
};

/* ---- framing (wire.c), shared by the tenant transport (unix.c), the daemon and vfc ctl ---- */

/* Connect a SOCK_SEQPACKET socket to path. Returns the fd or a negative errno. */
int vfc__wire_connect(const char *path);
/* Send one message (hdr filled in here: magic, version, type, len, seq) made of
 * hdr + body, with up to 3 fds attached. Returns 0 or a negative errno
 * (-ESHUTDOWN when the peer is gone). */
int vfc__wire_send(int fd, uint16_t type, uint32_t seq, const void *body, size_t body_len, const int *fds,
		   unsigned nfds);
/* Receive one message into buf (cap bytes). Returns its length, 0 at the
 * peer's hangup, or a negative errno (-EMSGSIZE: it did not fit). Fds that
 * came with it are stored in fds (up to *nfds, which is updated); any fd
 * beyond that is closed. */
ssize_t vfc__wire_recv(int fd, void *buf, size_t cap, int *fds, unsigned *nfds);
/* One request, one answer: send, then receive the answer with the same seq
 * and the reply type (or VFCD_MSG_ERROR, whose status is returned). Returns
 * the body length of the answer, or a negative errno. */
ssize_t vfc__wire_call(int fd, uint16_t type, uint32_t seq, const void *body, size_t body_len, void *reply,
		       size_t cap, int *fds, unsigned *nfds);
/* vfc__wire_call on a connection of its own to path, closed after the answer
 * (an admin exchange: vfc ctl, tests). Returns as vfc__wire_call. */
ssize_t vfc__wire_call_once(const char *path, uint16_t type, const void *body, size_t body_len, void *reply,
			    size_t cap);

#endif
