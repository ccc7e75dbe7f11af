/* SPDX-License-Identifier: MIT */
/* proto.c - vfcd message checks: framing and per-type body layout, before anything acts on a message. */
#include <errno.h>
#include <string.h>

#include "daemon/proto.h"

int vfcd_msg_frame(const void *buf, size_t len, struct vfcd_hdr *hdr, const void **body, size_t *body_len)
{
	if (!buf || len < sizeof(*hdr))
		return -EINVAL; /* truncated: not even a header */
	/* Copied out: the checks and the dispatch look at one stable copy. */
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->magic != VFCD_WIRE_MAGIC || hdr->version != VFCD_WIRE_VERSION)
		return -EPROTO;
	if (hdr->len != len)
		return -EINVAL;
	*body = (const uint8_t *)buf + sizeof(*hdr);
	*body_len = len - sizeof(*hdr);
	return 0;
}

static int zeros(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static int ctl_check(const void *body, size_t len)
{
	struct vfc_mbox_req req;

	if (len < sizeof(req))
		return -EINVAL;
	memcpy(&req, body, sizeof(req));
	if (req.version != VFC_ABI_VERSION)
		return -EPROTO;
	if (req.type == 0 || req.type >= VFC_MBOX__MAX)
		return -EOPNOTSUPP;
	if (req.data_len > VFC_MBOX_DATA_MAX)
		return -EMSGSIZE;
	/* Exactly the announced payload: no more, no less. */
	if (len - sizeof(req) != req.data_len)
		return -EINVAL;
	if (req.rsvd || (req.data_len && req.type != VFC_MBOX_KEY_IMPORT))
		return -EINVAL;
	return 0;
}

int vfcd_msg_body_check(uint16_t type, const void *body, size_t len)
{
	switch (type) {
	case VFCD_MSG_HELLO: {
		struct vfcd_hello h;

		if (len != sizeof(h))
			return -EINVAL;
		memcpy(&h, body, sizeof(h));
		if (h.abi_version != VFC_ABI_VERSION)
			return -EPROTO;
		return h.flags || h.rsvd ? -EINVAL : 0;
	}
	case VFCD_MSG_MBOX:
		return ctl_check(body, len);
	case VFCD_MSG_NOTE_CONTROLLER: {
		const struct vfcd_note_controller *n = body;

		if (len != sizeof(*n) || !memchr(n->spec, '\0', sizeof(n->spec)) || !n->spec[0])
			return -EINVAL;
		return 0;
	}
	case VFCD_MSG_INFO:
	case VFCD_MSG_LIST:
		return len == 0 ? 0 : -EINVAL;
	case VFCD_MSG_SHOW:
	case VFCD_MSG_RESET: {
		struct vfcd_vf_ref r;

		if (len != sizeof(r))
			return -EINVAL;
		memcpy(&r, body, sizeof(r));
		return r.vf_id >= VFC_MAX_VFS || r.rsvd ? -EINVAL : 0;
	}
	case VFCD_MSG_POLICY: {
		struct vfcd_policy_msg p;

		if (len != sizeof(p))
			return -EINVAL;
		memcpy(&p, body, sizeof(p));
		if (p.vf_id >= VFC_MAX_VFS || (p.set & ~VFCD_POL_ALL) || p.pol.rsvd)
			return -EINVAL;
		if (!memchr(p.pol.controller, '\0', sizeof(p.pol.controller)))
			return -EINVAL;
		/* Bytes after the controller's NUL are padding: must be zero. */
		if (!zeros(p.pol.controller + strlen(p.pol.controller),
			   sizeof(p.pol.controller) - strlen(p.pol.controller)))
			return -EINVAL;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}
