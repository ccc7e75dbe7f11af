/* SPDX-License-Identifier: MIT */
/* metrics.h - vfcd's Prometheus endpoint: reads the VF table's snapshot, nothing else of the daemon. */
#ifndef VFC_DAEMON_METRICS_H
#define VFC_DAEMON_METRICS_H

#include <stddef.h>

#include "daemon/vftable.h"

struct vfcd_metrics;

/* Serve GET /metrics for t at addr ("ADDR:PORT", PORT 0: any free one) on a
 * thread of libmicrohttpd's. NULL + errno (EINVAL: bad address, EADDRINUSE). */
struct vfcd_metrics *vfcd_metrics_start(struct vfcd_vftable *t, const char *addr);
unsigned vfcd_metrics_bound_port(const struct vfcd_metrics *m);
void vfcd_metrics_stop(struct vfcd_metrics *m); /* accepts NULL */
/* The Prometheus text for t (malloc'ed, NUL-terminated), or NULL. */
char *vfcd_metrics_text(struct vfcd_vftable *t, size_t *len);

#endif
