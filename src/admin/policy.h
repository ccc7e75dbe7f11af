/* SPDX-License-Identifier: MIT */
/* policy.h - a VF's policy (struct vfcd_policy of wire.h): defaults, KEY=VALUE parsing, merge, checks. */
#ifndef VFC_ADMIN_POLICY_H
#define VFC_ADMIN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "transport/wire.h"

/*
 * vfcd's defaults for the flood bounds (vf_policy.h; 0 turns either off). No
 * tenant of the driver sends invalid descriptors unless its caller passes
 * buffers outside the pool, nor NOPs but as tests and latency probes: a
 * tenant beyond 1,000 invalid descriptors/s is reset (VFC_VF_FLOODED), and
 * beyond 10,000 NOPs and errors/s it waits (THROTTLED), which bounds what such
 * a flood takes from the engines to about 1 % (docs/scheduling.md).
 */
#define VFCD_INVALID_HZ_DEFAULT 1000u
#define VFCD_NOWORK_HZ_DEFAULT 10000u

/* No bounds but the flood bounds above, anyone, any controller. */
void vfcd_policy_init(struct vfcd_policy *p);
/* One policy key=value ("min_cap_hz", "max_cap_hz", "max_sessions", "max_keys",
 * "uid", "gid", "max_in_flight", "max_invalid_hz", "max_nowork_hz", "controller"; uid/gid "any" or a number or a
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

/*
 * Daemon-wide policy (not per VF): what a uid may hold of the daemon itself.
 * max_conns_per_uid bounds one uid's connections (SO_PEERCRED at accept);
 * the default leaves room for every VF plus admin calls, and keeps one uid
 * from taking the daemon's whole fd table (1024 by default).
 */
#define VFCD_CONNS_PER_UID_DEFAULT 128u
struct vfcd_conn_policy {
	uint32_t max_conns_per_uid; /* 0 = no limit */
};

void vfcd_conn_policy_init(struct vfcd_conn_policy *p);
/* One daemon-wide key ("max_conns_per_uid"): 0, -EINVAL with a message in
 * err, or -ENOENT (not a daemon-wide key: try vfcd_policy_kv). */
int vfcd_conn_policy_kv(struct vfcd_conn_policy *p, const char *key, const char *val, char *err,
			size_t errlen);

#endif
