/* SPDX-License-Identifier: MIT */
/* strerror.c - words for a status: errno values with the device's meanings. */
#include <errno.h>
#include <string.h>

#include "vfcrypt/vfc.h"

const char *vfc_strerror(int status)
{
	const char *d;

	if (status < 0)
		status = -status;
	switch (status) {
	case 0:
		return "success";
	case EBADMSG:
		return "verification failure or bad padding";
	case EIO:
		return "VF failed (reset it)";
	case EPROTO:
		return "malformed VF region or control answer";
	case EMSGSIZE:
		return "destination buffer too small";
	case EOPNOTSUPP:
		return "operation not supported";
	/* vfcd's refusals at connect (docs/vfcd.md, Refused connections). */
	case EMFILE:
		return "too many open files (in this process, or vfcd is out of file descriptors: see its log)";
	case EUSERS:
		return "too many connections from this uid (vfcd's max_conns_per_uid)";
	default:
		/* strerrordesc_np: thread-safe, no locale buffer. */
		d = strerrordesc_np(status);
		return d ? d : "unknown error";
	}
}
