/* SPDX-License-Identifier: MIT */
/* policy.h - a VF's policy (struct vfcd_policy of wire.h): defaults, KEY=VALUE parsing, merge, checks. */
#ifndef VFC_ADMIN_POLICY_H
#define VFC_ADMIN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "transport/wire.h"

/* No bounds, anyone, any controller. */
void vfcd_policy_init(struct vfcd_policy *p);
/* One policy key=value ("min_cap_hz", "max_cap_hz", "max_sessions", "max_keys",
 * "uid", "gid", "max_in_flight", "max_invalid_hz", "controller"; uid/gid "any" or a number or a
 * user/group name): sets the field and its VFCD_POL_* bit in *set. 0 or
 * -EINVAL / -ENOENT (unknown key) with a message in err. */
int vfcd_policy_kv(struct vfcd_policy *p, uint32_t *set, const char *key, const char *val, char *err,
		   size_t errlen);
/* Copy the fields named by set from src to dst. */
void vfcd_policy_merge(struct vfcd_policy *dst, const struct vfcd_policy *src, uint32_t set);
/* 0 if the policy is consistent (min <= max, controller NUL-terminated and known). */
int vfcd_policy_check(const struct vfcd_policy *p, char *err, size_t errlen);
/* Whether a controller spec ("adaptive:x=1") is allowed by a comma list ("" = any). */
int vfcd_policy_ctl_allowed(const struct vfcd_policy *p, const char *spec);
/* The allowed controllers as shown to people: the comma list, or "any". */
const char *vfcd_policy_controllers(const struct vfcd_policy *p);

#endif
