/* SPDX-License-Identifier: MIT */
/* transport.c - pick the transport for a device string ("embedded" or "unix:PATH" for vfcd). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "transport/transport.h"

struct vfc_transport *vfc_transport_open(const char *device, const struct vfc_transport_cfg *cfg)
{
	if (device == NULL || device[0] == '\0' || strcmp(device, "embedded") == 0)
		return vfc_transport_inproc_open(cfg);
	if (strncmp(device, "unix:", 5) == 0) {
		if (device[5] == '\0') {
			errno = EINVAL;
			return NULL;
		}
		return vfc_transport_unix_open(device + 5, cfg);
	}
	errno = EPROTONOSUPPORT;
	return NULL;
}
