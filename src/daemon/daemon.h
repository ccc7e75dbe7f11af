/* SPDX-License-Identifier: MIT */
/* daemon.h - vfcd: the PF as a daemon serving VFs to tenant processes over a UNIX socket. */
#ifndef VFC_DAEMON_DAEMON_H
#define VFC_DAEMON_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "device/pf.h"
#include "transport/wire.h"

#define VFCD_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */
#define VFCD_METRICS_DEFAULT "127.0.0.1:9464"
#define VFCD_DRAIN_MS_DEFAULT 5000

struct vfcd_config {
	struct vfc_pf_config pf;
	char socket_path[VFCD_PATH_MAX]; /* "" = the default (see vfcd_default_socket) */
	unsigned socket_mode;            /* default 0660 */
	char metrics[64];                /* "ADDR:PORT" (PORT 0: any free port) or "off" */
	char config_path[4096];          /* "" = none; SIGHUP rereads its policy from here */
	unsigned drain_ms;               /* SIGTERM: wait this long at most for requests in flight */
	int use_syslog;                  /* log to syslog instead of stderr */
	int verbose;                     /* also log debug messages */
	struct vfcd_policy pol[VFC_MAX_VFS];
};

/* ---- config.c ---- */

void vfcd_config_init(struct vfcd_config *c);
void vfcd_policy_init(struct vfcd_policy *p); /* no bounds, anyone, any controller */
/* Read an INI file (inih) into c: sections [device], [daemon], [policy] (every
 * VF) and [vf.N] (one VF). Command-line flags are applied after it. Returns 0
 * or a negative errno with a message ("vfcd.ini:12: unknown key 'x'") in err. */
int vfcd_config_load(struct vfcd_config *c, const char *path, char *err, size_t errlen);
/* Read only the policy sections of path into pol[] (SIGHUP). */
int vfcd_config_load_policy(const char *path, struct vfcd_policy pol[VFC_MAX_VFS], char *err, size_t errlen);
/* One policy key=value ("min_cap_hz", "max_cap_hz", "max_sessions", "max_keys",
 * "uid", "gid", "max_in_flight", "controller"; uid/gid "any" or a number or a
 * user/group name): sets the field and its VFCD_POL_* bit in *set. 0 or
 * -EINVAL / -ENOENT (unknown key) with a message in err. */
int vfcd_policy_kv(struct vfcd_policy *p, uint32_t *set, const char *key, const char *val, char *err,
		   size_t errlen);
/* Copy the fields named by set from src to dst. */
void vfcd_policy_merge(struct vfcd_policy *dst, const struct vfcd_policy *src, uint32_t set);
/* 0 if the policy is consistent (min <= max, controller NUL-terminated and known). */
int vfcd_policy_check(const struct vfcd_policy *p, char *err, size_t errlen);
/* Whether a controller spec ("adaptive:x=1") is allowed by a comma list ("" = any). */
int vfcd_policy_ctl_allowed(const struct vfcd_policy *p, const char *spec);
/* The default socket path: /run/vfcd/vfcd.sock as root, else
 * $XDG_RUNTIME_DIR/vfcd.sock. -ENOENT when XDG_RUNTIME_DIR is unset for a non-root user. */
int vfcd_default_socket(char *out, size_t len);

/* ---- proto.c: message checks, pure (no state, no I/O): fuzzed ---- */

/* Check a datagram's framing; on 0, *hdr, *body and *body_len describe it.
 * -EPROTO: bad magic or version; -EINVAL: length field disagrees (truncated). */
int vfcd_msg_frame(const void *buf, size_t len, struct vfcd_hdr *hdr, const void **body, size_t *body_len);
/* Check a body's size and fixed fields for its type. -EOPNOTSUPP: unknown
 * type; -EINVAL: wrong size or bad field; -EPROTO: control ABI version;
 * -EMSGSIZE: data too large. */
int vfcd_msg_body_check(uint16_t type, const void *body, size_t body_len);

/* ---- log.c ---- */

enum vfcd_log_level { VFCD_LOG_ERR = 3, VFCD_LOG_WARN = 4, VFCD_LOG_INFO = 6, VFCD_LOG_DEBUG = 7 };
/* verbose: 1 = debug too, 0 = info and up, -1 = errors only (the fuzz targets). */
void vfcd_log_open(int use_syslog, int verbose);
void vfcd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- daemon.c ---- */

struct vfcd;

/* Create the PF, apply the policy, bind the socket and start the metrics
 * server. NULL + errno (EADDRINUSE: another vfcd listens on the socket). */
struct vfcd *vfcd_create(const struct vfcd_config *cfg);
/* Serve until SIGTERM/SIGINT (blocked and taken by signalfd; the caller
 * blocks them in every thread before vfcd_create), then drain requests in
 * flight (up to drain_ms) and hang up on every tenant. SIGHUP rereads the
 * policy. Returns 0 or a negative errno. */
int vfcd_run(struct vfcd *d);
/* Release everything (unlinks the socket). Accepts NULL. */
void vfcd_free(struct vfcd *d);
/* The metrics server's port (0 = off). */
unsigned vfcd_metrics_port(const struct vfcd *d);

/* ---- internals shared by daemon.c, metrics.c and the fuzz target ---- */

struct vfcd_client;
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
/* A new connection (fd may be -1: the fuzz target) with these credentials. */
struct vfcd_client *vfcd__client_new(struct vfcd *d, int fd, pid_t pid, uid_t uid, gid_t gid);
/* Handle one datagram of len bytes (truncated: it was larger than the buffer). */
void vfcd__dispatch(struct vfcd *d, struct vfcd_client *c, const void *msg, size_t len, int truncated,
		    struct vfcd_reply *out);
/* Drop a client: release its VF. */
void vfcd__client_drop(struct vfcd *d, struct vfcd_client *c);
/* Fill info for VF i (takes the table lock). */
void vfcd__vf_info(struct vfcd *d, uint32_t i, struct vfcd_vf_info *info);
unsigned vfcd__n_vfs(const struct vfcd *d);
struct vfc_pf *vfcd__pf(struct vfcd *d);

/* metrics.c */
struct vfcd_metrics;
/* Serve GET /metrics at addr ("ADDR:PORT"). NULL + errno. */
struct vfcd_metrics *vfcd_metrics_start(struct vfcd *d, const char *addr);
unsigned vfcd_metrics_bound_port(const struct vfcd_metrics *m);
void vfcd_metrics_stop(struct vfcd_metrics *m);
/* The Prometheus text for d (malloc'ed, NUL-terminated), or NULL. */
char *vfcd_metrics_text(struct vfcd *d, size_t *len);

#endif
