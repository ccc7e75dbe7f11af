/* SPDX-License-Identifier: MIT */
/* config.h - vfcd's configuration: defaults and the INI file (inih); flags are applied by tools/vfcd.c. */
#ifndef VFC_DAEMON_CONFIG_H
#define VFC_DAEMON_CONFIG_H

#include <stddef.h>

#include "admin/policy.h"
#include "admin/socket_path.h"
#include "device/pf.h"
#include "transport/wire.h"

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
	struct vfcd_conn_policy conn;    /* daemon-wide: [policy] max_conns_per_uid */
};

void vfcd_config_init(struct vfcd_config *c);
/* Read an INI file (inih) into c: sections [device], [daemon], [policy] (every
 * VF) and [vf.N] (one VF). Command-line flags are applied after it. Returns 0
 * or a negative errno with a message ("vfcd.ini:12: unknown key 'x'") in err. */
int vfcd_config_load(struct vfcd_config *c, const char *path, char *err, size_t errlen);
/* Read only the policy sections of path into pol[] and conn (SIGHUP). */
int vfcd_config_load_policy(const char *path, struct vfcd_policy pol[VFC_MAX_VFS], struct vfcd_conn_policy *conn,
			    char *err, size_t errlen);

#endif
