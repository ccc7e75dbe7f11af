/* SPDX-License-Identifier: MIT */
/* transport.c - pick the transport for a device string ("embedded" today, "unix:PATH" with the daemon). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "transport/transport.h"

struct vfc_transport *vfc_transport_open(const char *device, const struct vfc_vf_opts *opts)
{
	if (device == NULL || device[0] == '\0' || strcmp(device, "embedded") == 0)
		return vfc_transport_inproc_open(opts);
	/* "unix:PATH" arrives with vfcd; anything else is unknown. */
	errno = EPROTONOSUPPORT;
	return NULL;
}
