/* SPDX-License-Identifier: MIT */
/* vf_info.h - words for the VF records of LIST/SHOW/POLICY (vfc ctl's table, the daemon's metrics). */
#ifndef VFC_ADMIN_VF_INFO_H
#define VFC_ADMIN_VF_INFO_H

#include "transport/wire.h"

#define VFCD_VF_STATES 3 /* enum vfcd_vf_state has this many values */

/* "free", "attached", "failed"; NULL for a value outside enum vfcd_vf_state. */
const char *vfcd_vf_state_name(enum vfcd_vf_state s);

#endif
