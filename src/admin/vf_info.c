/* SPDX-License-Identifier: MIT */
/* vf_info.c - words for the VF records of LIST/SHOW/POLICY. */
#include "admin/vf_info.h"

const char *vfcd_vf_state_name(enum vfcd_vf_state s)
{
	static const char *const words[VFCD_VF_STATES] = {
		[VFCD_VF_FREE] = "free",
		[VFCD_VF_ATTACHED] = "attached",
		[VFCD_VF_FAILED] = "failed",
	};

	return (unsigned)s < VFCD_VF_STATES ? words[s] : NULL;
}
