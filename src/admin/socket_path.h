/* SPDX-License-Identifier: MIT */
/* socket_path.h - where vfcd listens when no path is given (vfcd and vfc ctl agree on it). */
#ifndef VFC_ADMIN_SOCKET_PATH_H
#define VFC_ADMIN_SOCKET_PATH_H

#include <stddef.h>

#define VFCD_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */

/* The default socket path: /run/vfcd/vfcd.sock as root, else
 * $XDG_RUNTIME_DIR/vfcd.sock. -ENOENT when XDG_RUNTIME_DIR is unset for a
 * non-root user, -ENAMETOOLONG when it does not fit in len. */
int vfcd_default_socket(char *out, size_t len);

#endif
