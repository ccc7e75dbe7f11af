/* SPDX-License-Identifier: MIT */
/* vftable.c - what vfcd knows of each VF beyond the PF: owner, policy, controller, rates; and its snapshot. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/policy.h"
#include "daemon/log.h"
#include "daemon/vftable.h"
#include "os/clock.h"

struct vfcd_vf {
	int attached; /* main thread only */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char controller[VFCD_CONTROLLER_NAME_MAX];
	struct vfcd_policy pol;
	struct vfc_counters prev; /* at the last sample */
	uint64_t prev_ns;
	double mbps, irq_hz, ops_hz;
	uint32_t last_state;
};

struct vfcd_vftable {
	struct vfc_pf *pf;
	unsigned n_vfs;
	pthread_mutex_t lock; /* guards vfs[] but attached */
	struct vfcd_vf vfs[VFC_MAX_VFS];
};

struct vfcd_vftable *vfcd_vftable_create(struct vfc_pf *pf, unsigned n_vfs)
{
	struct vfcd_vftable *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->pf = pf;
	t->n_vfs = n_vfs;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void vfcd_vftable_free(struct vfcd_vftable *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

unsigned vfcd_vftable_n_vfs(const struct vfcd_vftable *t)
{
	return t->n_vfs;
}

int vfcd_vftable_set_policy(struct vfcd_vftable *t, uint32_t vf, const struct vfcd_policy *p)
{
	struct vfc_vf_policy pf = p->pf;
	int rc;

	pf.max_in_flight = p->max_in_flight; /* the PF enforces it too, not only the tenant's driver */
	rc = vfc_pf_set_policy(t->pf, vf, &pf);
	if (rc)
		return rc;
	pthread_mutex_lock(&t->lock);
	t->vfs[vf].pol = *p;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void vfcd_vftable_policy(struct vfcd_vftable *t, uint32_t vf, struct vfcd_policy *out)
{
	pthread_mutex_lock(&t->lock);
	*out = t->vfs[vf].pol;
	pthread_mutex_unlock(&t->lock);
}

static int allowed(const struct vfcd_policy *p, uid_t uid, gid_t gid)
{
	return (p->uid == VFCD_ANY_ID || p->uid == uid) && (p->gid == VFCD_ANY_ID || p->gid == gid);
}

int vfcd_vftable_claim(struct vfcd_vftable *t, uint32_t want, pid_t pid, uid_t uid, gid_t gid, uint32_t *out)
{
	unsigned pass, i;
	int any_allowed = 0, rc;
	uint32_t id;

	if (want != VFCD_HELLO_ANY_VF) {
		if (want >= t->n_vfs)
			return -EINVAL;
		if (!allowed(&t->vfs[want].pol, uid, gid))
			return -EACCES;
		id = want;
		rc = vfc_pf_vf_claim(t->pf, &id, pid, uid);
		if (!rc)
			*out = id;
		return rc;
	}
	/* First the VFs the policy names for this tenant, then the open ones. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->n_vfs; i++) {
			const struct vfcd_policy *p = &t->vfs[i].pol;

			if (!allowed(p, uid, gid))
				continue;
			any_allowed = 1;
			if (pass == 0 && p->uid == VFCD_ANY_ID && p->gid == VFCD_ANY_ID)
				continue;
			if (t->vfs[i].attached)
				continue;
			id = i;
			if (vfc_pf_vf_claim(t->pf, &id, pid, uid) == 0) {
				*out = id;
				return 0;
			}
		}
	}
	return any_allowed ? -EBUSY : -EACCES;
}

uint32_t vfcd_vftable_attach(struct vfcd_vftable *t, uint32_t vf, pid_t pid, uid_t uid, gid_t gid)
{
	struct vfcd_vf *v = &t->vfs[vf];
	uint32_t max_in_flight;

	pthread_mutex_lock(&t->lock);
	v->attached = 1;
	v->pid = pid;
	v->uid = uid;
	v->gid = gid;
	v->controller[0] = '\0';
	vfc_pf_vf_counters(t->pf, vf, &v->prev);
	v->prev_ns = vfc_now_ns();
	max_in_flight = v->pol.max_in_flight;
	pthread_mutex_unlock(&t->lock);
	return max_in_flight;
}

void vfcd_vftable_release(struct vfcd_vftable *t, uint32_t vf)
{
	struct vfcd_vf *v = &t->vfs[vf];

	vfc_pf_vf_release(t->pf, vf);
	pthread_mutex_lock(&t->lock);
	v->attached = 0;
	v->pid = 0;
	v->uid = 0;
	v->gid = 0;
	v->controller[0] = '\0';
	v->mbps = v->irq_hz = v->ops_hz = 0;
	pthread_mutex_unlock(&t->lock);
}

int vfcd_vftable_attached(const struct vfcd_vftable *t, uint32_t vf)
{
	return t->vfs[vf].attached;
}

int vfcd_vftable_set_controller(struct vfcd_vftable *t, uint32_t vf, const char *spec)
{
	struct vfcd_vf *v = &t->vfs[vf];
	int ok;

	pthread_mutex_lock(&t->lock);
	ok = vfcd_policy_ctl_allowed(&v->pol, spec);
	if (ok)
		snprintf(v->controller, sizeof(v->controller), "%s", spec);
	pthread_mutex_unlock(&t->lock);
	return ok ? 0 : -EPERM;
}

void vfcd_vftable_sample(struct vfcd_vftable *t)
{
	uint64_t now = vfc_now_ns();

	for (unsigned i = 0; i < t->n_vfs; i++) {
		struct vfcd_vf *v = &t->vfs[i];
		struct vfc_counters c;
		double dt;

		vfc_pf_vf_counters(t->pf, i, &c);
		pthread_mutex_lock(&t->lock);
		dt = (double)(now - v->prev_ns) / 1e9;
		if (v->pid && dt > 0) {
			v->mbps = (double)(c.bytes - v->prev.bytes) / dt / 1e6;
			v->irq_hz = (double)(c.irqs - v->prev.irqs) / dt;
			v->ops_hz = (double)(c.ops - v->prev.ops) / dt;
		}
		v->prev = c;
		v->prev_ns = now;
		if (v->pid && c.state == VFC_VF_FAILED && v->last_state != VFC_VF_FAILED)
			vfcd_log(VFCD_LOG_WARN, "VF %u (pid %d uid %u): corrupted rings, the device reset it and "
				 "stopped serving it until its tenant resets it; other VFs unaffected", i, (int)v->pid,
				 (unsigned)v->uid);
		if (v->pid && c.state == VFC_VF_FLOODED && v->last_state != VFC_VF_FLOODED)
			vfcd_log(VFCD_LOG_WARN, "VF %u (pid %d uid %u): invalid descriptors above its policy's "
				 "max_invalid_hz %u/s, the device reset it and stopped serving it until its tenant "
				 "resets it", i, (int)v->pid, (unsigned)v->uid, v->pol.pf.max_invalid_hz);
		v->last_state = c.state;
		pthread_mutex_unlock(&t->lock);
	}
}

void vfcd_vftable_info(struct vfcd_vftable *t, uint32_t vf, struct vfcd_vf_info *info)
{
	struct vfcd_vf *v = &t->vfs[vf];

	memset(info, 0, sizeof(*info));
	info->vf_id = vf;
	vfc_pf_vf_counters(t->pf, vf, &info->ctr);
	pthread_mutex_lock(&t->lock);
	info->state = v->pid ? (info->ctr.state != VFC_VF_READY ? VFCD_VF_FAILED : VFCD_VF_ATTACHED) :
			       VFCD_VF_FREE;
	info->owner_pid = v->pid;
	info->owner_uid = v->pid ? v->uid : 0;
	info->owner_gid = v->pid ? v->gid : 0;
	info->mbps = v->mbps;
	info->irq_hz = v->irq_hz;
	info->ops_hz = v->ops_hz;
	info->pol = v->pol;
	memcpy(info->controller, v->controller, sizeof(info->controller));
	pthread_mutex_unlock(&t->lock);
}

void vfcd_vftable_snapshot(struct vfcd_vftable *t, struct vfcd_snapshot *s)
{
	s->n_vfs = t->n_vfs;
	for (unsigned i = 0; i < t->n_vfs; i++)
		vfcd_vftable_info(t, i, &s->vf[i]);
	s->n_engines = vfc_pf_n_engines(t->pf);
	if (s->n_engines > VFC_MAX_ENGINES)
		s->n_engines = VFC_MAX_ENGINES;
	for (unsigned i = 0; i < s->n_engines; i++)
		s->engine_cpu_ns[i] = vfc_pf_engine_cpu_ns_one(t->pf, i);
}
