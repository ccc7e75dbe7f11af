/* SPDX-License-Identifier: MIT */
/* daemon.h - vfcd: the PF as a daemon serving VFs to tenant processes over a UNIX socket. */
#ifndef VFC_DAEMON_DAEMON_H
#define VFC_DAEMON_DAEMON_H

#include "daemon/config.h"

struct vfcd;
struct vfcd_ctx;

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
/* What the message handlers act on (daemon/handlers.h): the fuzz target
 * feeds them datagrams without the socket. */
struct vfcd_ctx *vfcd__ctx(struct vfcd *d);

#endif
