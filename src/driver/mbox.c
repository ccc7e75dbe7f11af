/* SPDX-License-Identifier: MIT */
/* mbox.c - the VF's end of the PF mailbox: one message and its answer; moderation and the cap. */
#include <errno.h>
#include <string.h>

#include "driver/vf_internal.h"

int vfc__mbox(struct vfc_vf *vf, struct vfc_mbox_req *req, size_t req_len, struct vfc_mbox_resp *resp)
{
	uint32_t type = req->type;
	int rc;

	req->version = VFC_ABI_VERSION;
	memset(resp, 0, sizeof(*resp));
	rc = vf->t->ops->mbox(vf->t, req, req_len, resp);
	if (rc == 0 && (resp->version != VFC_ABI_VERSION || resp->type != type))
		return -EPROTO;
	return rc;
}

int vfc_vf_set_moderation(struct vfc_vf *vf, const struct vfc_moderation *want,
			  struct vfc_moderation *applied)
{
	struct vfc_mbox_req req = { .type = VFC_MBOX_SET_MODERATION };
	struct vfc_mbox_resp resp;
	int rc;

	if (!want)
		return -EINVAL;
	req.u.moderation = *want;
	rc = vfc__mbox(vf, &req, sizeof(req), &resp);
	if (rc == 0 && applied)
		*applied = resp.u.moderation;
	return rc;
}

int vfc_vf_set_cap(struct vfc_vf *vf, uint32_t cap_hz, uint32_t *applied)
{
	struct vfc_moderation want = { .cap_hz = cap_hz }, got;
	int rc;

	rc = vfc_vf_set_moderation(vf, &want, &got);
	if (rc == 0 && applied)
		*applied = got.cap_hz;
	return rc;
}
