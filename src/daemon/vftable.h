/* SPDX-License-Identifier: MIT */
/* vftable.h - what vfcd knows of each VF beyond the PF: owner, policy, controller, rates; and its snapshot. */
#ifndef VFC_DAEMON_VFTABLE_H
#define VFC_DAEMON_VFTABLE_H

#include <stdint.h>
#include <sys/types.h>

#include "device/pf.h"
#include "transport/wire.h"

/*
 * The table is written by the main thread only and read by the metrics
 * thread too: every function takes the table's lock where it touches shared
 * fields, none calls back into its caller.
 */
struct vfcd_vftable;

/* Everything the metrics endpoint shows, copied out in one call. */
struct vfcd_snapshot {
	unsigned n_vfs, n_engines;
	struct vfcd_vf_info vf[VFC_MAX_VFS];
	uint64_t engine_cpu_ns[VFC_MAX_ENGINES];
};

/* A table for the first n_vfs VFs of pf (policy: zero until set). NULL + errno. */
struct vfcd_vftable *vfcd_vftable_create(struct vfc_pf *pf, unsigned n_vfs);
void vfcd_vftable_free(struct vfcd_vftable *t); /* accepts NULL */
unsigned vfcd_vftable_n_vfs(const struct vfcd_vftable *t);

/* Apply a policy to the PF (max_in_flight included) and the table. 0 or the PF's error. */
int vfcd_vftable_set_policy(struct vfcd_vftable *t, uint32_t vf, const struct vfcd_policy *p);
/* A copy of VF vf's policy. */
void vfcd_vftable_policy(struct vfcd_vftable *t, uint32_t vf, struct vfcd_policy *out);

/* Pick and claim a VF (vfc_pf_vf_claim) for a tenant with these credentials:
 * want, or with VFCD_HELLO_ANY_VF first a free VF the policy names for it,
 * then a free open one. 0 and *out, -EINVAL (no such VF), -EACCES (policy)
 * or -EBUSY (taken). */
int vfcd_vftable_claim(struct vfcd_vftable *t, uint32_t want, pid_t pid, uid_t uid, gid_t gid, uint32_t *out);
/* Record a claimed VF's tenant (rates start from now). Returns the policy's max_in_flight. */
uint32_t vfcd_vftable_attach(struct vfcd_vftable *t, uint32_t vf, pid_t pid, uid_t uid, gid_t gid);
/* Release a claimed VF (vfc_pf_vf_release: in-flight work dropped, keys
 * wiped, fresh region) and forget its tenant. */
void vfcd_vftable_release(struct vfcd_vftable *t, uint32_t vf);
/* Whether VF vf has a tenant (main thread only). */
int vfcd_vftable_attached(const struct vfcd_vftable *t, uint32_t vf);
/* Record the controller VF vf's tenant runs if its policy allows it: 0 or -EPERM. */
int vfcd_vftable_set_controller(struct vfcd_vftable *t, uint32_t vf, const char *spec);

/* Once a second: rates over the interval; logs a VF the device newly failed. */
void vfcd_vftable_sample(struct vfcd_vftable *t);
/* VF vf's record as LIST/SHOW send it. */
void vfcd_vftable_info(struct vfcd_vftable *t, uint32_t vf, struct vfcd_vf_info *info);
/* Every VF's record and every engine's busy time. */
void vfcd_vftable_snapshot(struct vfcd_vftable *t, struct vfcd_snapshot *s);

#endif
