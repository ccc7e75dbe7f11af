/* SPDX-License-Identifier: MIT */
/* socket_path.c - where vfcd listens when no path is given. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "admin/socket_path.h"

int vfcd_default_socket(char *out, size_t len)
{
	const char *xdg;

	if (geteuid() == 0) {
		snprintf(out, len, "/run/vfcd/vfcd.sock");
		return 0;
	}
	xdg = getenv("XDG_RUNTIME_DIR");
	if (!xdg || !*xdg)
		return -ENOENT;
	if ((size_t)snprintf(out, len, "%s/vfcd.sock", xdg) >= len)
		return -ENAMETOOLONG;
	return 0;
}
