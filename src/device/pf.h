/* SPDX-License-Identifier: MIT */
/* pf.h - the software accelerator's physical function: VFs, engines, keys, policy, counters. */
#ifndef VFC_DEVICE_PF_H
#define VFC_DEVICE_PF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/vf_policy.h"
#include "vfcrypt/abi.h"

struct vfc_pf;

/* The engines' backend (values match enum vfc_engine_kind of vfc.h). */
enum vfc_pf_engine_kind {
	VFC_PF_ENGINE_OPENSSL = 0, /* one request at a time with OpenSSL: the reference */
	VFC_PF_ENGINE_MB = 1,      /* intel-ipsec-mb lanes for AES-128-CBC encryption and whole SHA-256 */
	VFC_PF_ENGINE_AUTO = 2,    /* resolved at creation: mb if built in and the CPU can, else openssl */
};
#define VFC_PF_MB_BUDGET_MAX_US 10000

struct vfc_pf_config {
	unsigned n_vfs;        /* 1..VFC_MAX_VFS (default 4) */
	unsigned n_engines;    /* 1..VFC_MAX_ENGINES (default 1) */
	unsigned ring_entries; /* power of two, VFC_RING_MIN..VFC_RING_MAX (default 256) */
	uint64_t pool_size;    /* bytes per VF, multiple of 4096, <= VFC_POOL_MAX (default 16 MiB) */
	unsigned burst;        /* requests an engine takes from one VF per visit, 1..64 (default 32) */
	/* An engine that finds no work keeps polling the rings this long before
	 * it sleeps, 0..VFC_ENGINE_SPIN_MAX_US (default VFC_DEFAULT_ENGINE_SPIN_US):
	 * a doorbell then finds it awake, as a hardware engine always is. */
	unsigned spin_us;
	unsigned weights[VFC_MAX_VFS]; /* per VF, 0 = 1: engine time a visit grants, in quanta */
	enum vfc_pf_engine_kind engine_kind; /* default VFC_PF_ENGINE_OPENSSL */
	/* mb: the oldest job may wait this long in a partly filled batch while
	 * requests keep coming, 0..VFC_PF_MB_BUDGET_MAX_US (default VFC_PF_MB_DEFAULT_BUDGET_US). */
	unsigned mb_budget_us;
	/* The coordinator of the VFs in pf mode (docs/controllers.md, "pf"): its rule, "fill", "probe" or "scan",
	 * or a controller's spec stepped on the total, not pf itself ("": the default rule,
	 * core/coord.h, unless the first VF in pf mode names one)
	 * and its tick, 10..10000 ms (0 = 100). */
	char coord_ctl[64];
	unsigned coord_tick_ms;
};
#define VFC_PF_COORD_DEFAULT_TICK_MS 100u
#define VFC_PF_MB_DEFAULT_BUDGET_US 50

/* What a tenant needs to map and drive a VF. The fds stay owned by the PF. */
struct vfc_vf_fds {
	int mem_fd;      /* memfd of the region: mmap(region_size, PROT_READ|PROT_WRITE, MAP_SHARED) */
	int doorbell_fd; /* eventfd: the tenant writes 1 when hdr->dev_sleeping is set */
	int irq_fd;      /* eventfd: the device writes one per interrupt */
	uint64_t region_size;
};

void vfc_pf_config_init(struct vfc_pf_config *cfg); /* the defaults above */

/* Create the PF, its VFs and start the engines. NULL + errno on failure. */
struct vfc_pf *vfc_pf_create(const struct vfc_pf_config *cfg);
/* Stop the engines, wipe keys, free everything. Accepts NULL. */
void vfc_pf_free(struct vfc_pf *pf);

unsigned vfc_pf_n_vfs(const struct vfc_pf *pf);
/* The kind the engines run (AUTO resolved at creation). */
enum vfc_pf_engine_kind vfc_pf_engine_kind(const struct vfc_pf *pf);
/* Can this build and CPU run VFC_PF_ENGINE_MB? */
bool vfc_pf_mb_available(void);
/* "openssl", "mb", "auto"; NULL for another value. */
const char *vfc_pf_engine_kind_name(enum vfc_pf_engine_kind k);
/* Parse one of those names: 0 or -EINVAL. */
int vfc_pf_engine_kind_parse(const char *s, enum vfc_pf_engine_kind *out);

/* Claim a free VF for a tenant (*vf_id = UINT32_MAX: any free one; else that
 * one). -EBUSY if taken / none free, -EINVAL if out of range. */
int vfc_pf_vf_claim(struct vfc_pf *pf, uint32_t *vf_id, pid_t owner_pid, uid_t owner_uid);
/* Release a VF: in-flight work is dropped safely, sessions freed, keys wiped,
 * rings and moderation reset, counters kept. */
int vfc_pf_vf_release(struct vfc_pf *pf, uint32_t vf_id);
int vfc_pf_vf_fds(struct vfc_pf *pf, uint32_t vf_id, struct vfc_vf_fds *out);

/* Handle one mailbox message for a claimed VF. req_len is the number of bytes
 * available at req (header + data): the PF checks version, type, data_len
 * against req_len and VFC_MBOX_DATA_MAX. Always fills resp (status in
 * resp->status) and returns resp->status. */
int vfc_pf_mbox(struct vfc_pf *pf, uint32_t vf_id, const struct vfc_mbox_req *req, size_t req_len,
	       struct vfc_mbox_resp *resp);

int vfc_pf_set_policy(struct vfc_pf *pf, uint32_t vf_id, const struct vfc_vf_policy *pol);
int vfc_pf_get_policy(struct vfc_pf *pf, uint32_t vf_id, struct vfc_vf_policy *pol);
/*
 * The VF's tenant runs controller pf (on) or another one (off). coord_spec (NULL or "": none) is the
 * coordinator's controller the tenant asks for (pf:SPEC): used if this VF starts the coordinator
 * and the PF's config has no coord_ctl, ignored otherwise (the first VF in pf mode decides; vfcd
 * passes NULL: its configuration decides). In pf mode the PF's coordinator
 * sets the VF's cap (one cap for every VF in pf mode, from their total speed; clamped to the VF's
 * policy) and the tenant's own cap requests are kept aside until it leaves pf mode (its count and
 * timeout still apply). The first VF in pf mode starts the coordinator's thread. A release ends
 * pf mode. 0, -EINVAL, -EPERM (VF not claimed), or the thread's creation error.
 */
int vfc_pf_vf_set_pf_mode(struct vfc_pf *pf, uint32_t vf_id, bool on, const char *coord_spec);

/* The coordinator as last seen (for tests, logs and metrics). */
struct vfc_pf_coord_info {
	bool running;          /* its thread was started */
	uint32_t members;      /* VFs in pf mode in its last reading */
	uint32_t cap_hz;       /* the common cap it asks for (0: none) */
	uint64_t ticks;        /* samples its controller took */
	double mbps;           /* the members' total in the last tick */
	double busy_frac;      /* the engines' busy fraction in the last tick */
	char state[16];        /* "idle", "priming", "running" */
	char ctl_state[16];    /* its controller's state word */
};
int vfc_pf_coord_info(struct vfc_pf *pf, struct vfc_pf_coord_info *out);

/* Authoritative counters (not the tenant-writable mirror). */
int vfc_pf_vf_counters(struct vfc_pf *pf, uint32_t vf_id, struct vfc_counters *out);
/* CPU time consumed by the engine threads so far (CLOCK_THREAD_CPUTIME_ID sums). */
uint64_t vfc_pf_engine_cpu_ns(struct vfc_pf *pf);
unsigned vfc_pf_n_engines(const struct vfc_pf *pf);
/* CPU time of one engine thread (busy, and its spin before sleeping); 0 if idx is out of range. */
uint64_t vfc_pf_engine_cpu_ns_one(struct vfc_pf *pf, unsigned idx);

#endif
