/* SPDX-License-Identifier: MIT */
/* transport.h - how a VF reaches its tenant: the embedded in-process device today, the vfcd socket later. */
#ifndef VFC_TRANSPORT_TRANSPORT_H
#define VFC_TRANSPORT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "vfcrypt/abi.h"
#include "vfcrypt/vfc.h"

struct vfc_transport;

struct vfc_transport_ops {
	/* Send one control message for this VF and receive the answer; returns resp->status. */
	int (*ctl)(struct vfc_transport *t, const struct vfc_ctl_req *req, size_t req_len,
		   struct vfc_ctl_resp *resp);
	/* CPU time used by device threads living in this process (embedded engines); 0 if none. */
	uint64_t (*device_cpu_ns)(struct vfc_transport *t);
	/* Release the VF and the transport. */
	void (*close)(struct vfc_transport *t);
};

struct vfc_transport {
	const struct vfc_transport_ops *ops;
	uint32_t vf_id;
	int mem_fd, doorbell_fd, irq_fd; /* owned by the transport (closed by close if it dup'ed them) */
	uint64_t region_size;
};

/* Open a VF on `device` (NULL/""/"embedded": the in-process device; "unix:PATH"
 * later). NULL + errno: EPROTONOSUPPORT for an unknown scheme, EBUSY when no VF
 * is free, EINVAL for options that conflict with the running embedded device. */
struct vfc_transport *vfc_transport_open(const char *device, const struct vfc_vf_opts *opts);

/* The embedded transport (inproc.c). */
struct vfc_transport *vfc_transport_inproc_open(const struct vfc_vf_opts *opts);

#endif
