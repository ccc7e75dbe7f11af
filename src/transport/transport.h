/* SPDX-License-Identifier: MIT */
/* transport.h - how a VF reaches its tenant: the embedded in-process device or the vfcd socket. */
#ifndef VFC_TRANSPORT_TRANSPORT_H
#define VFC_TRANSPORT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "vfcrypt/abi.h"

struct vfc_transport;

#define VFC_TRANSPORT_ANY_VF UINT32_MAX

/* What the transports read to open a VF; the driver fills it from its open options. */
struct vfc_transport_cfg {
	/* The embedded device's sizes: the open that creates the device uses
	 * them, later opens must ask for the same (EINVAL otherwise). 0 = the
	 * device's default. The socket transport ignores them: the daemon's
	 * configuration sizes its device. */
	unsigned n_vfs;
	unsigned n_engines;
	unsigned ring_entries;
	uint64_t pool_size;
	unsigned engine_spin_us; /* idle engines poll this long before sleeping (the creator's counts) */
	unsigned engine_kind;    /* enum vfc_engine_kind (vfc.h), 0 = openssl (the creator's counts) */
	unsigned mb_budget_us;   /* mb flush budget, 0 = the device's default (the creator's counts) */
	/* The VF to claim, or VFC_TRANSPORT_ANY_VF: any free one (the daemon
	 * gives the one its policy names for this tenant first). */
	uint32_t vf_id;
};

struct vfc_transport_ops {
	/* Send one mailbox message for this VF and receive the answer; returns resp->status. */
	int (*mbox)(struct vfc_transport *t, const struct vfc_mbox_req *req, size_t req_len,
		   struct vfc_mbox_resp *resp);
	/* CPU time used by device threads living in this process (embedded engines); 0 if none. */
	uint64_t (*device_cpu_ns)(struct vfc_transport *t);
	/* Release the VF and the transport. */
	void (*close)(struct vfc_transport *t);
	/* 0 while the device is reachable, else a negative errno (-ESHUTDOWN)
	 * which is also stored in t->gone. May make a non-blocking system call:
	 * the data path calls it only before blocking. NULL: always reachable. */
	int (*alive)(struct vfc_transport *t);
	/* Tell the device which controller the tenant runs (the PF's policy may
	 * allow only some: -EPERM). NULL: nothing to tell. */
	int (*note_controller)(struct vfc_transport *t, const char *spec);
};

struct vfc_transport {
	const struct vfc_transport_ops *ops;
	uint32_t vf_id;
	int mem_fd, doorbell_fd, irq_fd; /* owned by the transport (closed by close if it dup'ed them) */
	uint64_t region_size;
	/* 0, or a negative errno once the transport found the device gone (the
	 * daemon hung up): the data path refuses new work with it. Written by the
	 * thread that drives the VF (alive) or by ctl; a plain int read by the
	 * same thread. */
	int gone;
	uint32_t max_in_flight; /* the PF's policy: requests in flight at most (0: the ring size) */
};

/* Open a VF on `device` (NULL/""/"embedded": the in-process device; "unix:PATH":
 * the vfcd daemon listening there) with cfg (not NULL). NULL + errno: EPROTONOSUPPORT for an
 * unknown scheme, EBUSY when no VF is free, EINVAL for options that conflict
 * with the running embedded device, EACCES when the daemon's policy refuses,
 * ENOENT/ECONNREFUSED when no daemon listens. */
struct vfc_transport *vfc_transport_open(const char *device, const struct vfc_transport_cfg *cfg);

/* The embedded transport (inproc.c). */
struct vfc_transport *vfc_transport_inproc_open(const struct vfc_transport_cfg *cfg);
/* The vfcd socket transport (unix.c). */
struct vfc_transport *vfc_transport_unix_open(const char *path, const struct vfc_transport_cfg *cfg);

#endif
