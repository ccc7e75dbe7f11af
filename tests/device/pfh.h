/* SPDX-License-Identifier: MIT */
/* pfh.h - test helper: claim and map a VF of a PF, push raw request descriptors, pop responses. */
#ifndef VFC_TESTS_PFH_H
#define VFC_TESTS_PFH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/pf.h"
#include "vfcrypt/abi.h"

struct pfh_vf {
	struct vfc_pf *pf;
	uint32_t id;
	struct vfc_vf_fds fds;
	uint8_t *base;
	struct vfc_region_hdr *hdr;
	struct vfc_req_desc *req;
	struct vfc_resp_desc *resp;
	uint8_t *pool;
	uint32_t entries;
	uint32_t req_tail, resp_head; /* the tenant's own indices */
};

/* pfh_config's kind: VFC_TEST_ENGINE_KIND if set (CTest's *_mb copies of the PF tests), else the default. */
#define PFH_KIND_ENV (-1)
/* vfc_pf_config_init's defaults with n_vfs VFs on engines of kind (an enum vfc_pf_engine_kind or
 * PFH_KIND_ENV), rings of ring_entries and pools of pool_size bytes (0: the default). */
struct vfc_pf_config pfh_config(unsigned n_vfs, int kind, unsigned ring_entries, uint64_t pool_size);
/* vfc_pf_create(cfg); asserts it succeeded. */
struct vfc_pf *pfh_create(const struct vfc_pf_config *cfg);
/* A PF with small rings/pools; n_engines engines, n_vfs VFs, the kind of PFH_KIND_ENV. Asserts on failure. */
struct vfc_pf *pfh_pf(unsigned n_vfs, unsigned n_engines);
/* Claim VF id (UINT32_MAX: any) and map it; asserts on failure. */
void pfh_open(struct vfc_pf *pf, uint32_t id, struct pfh_vf *v);
/* Unmap and release. */
void pfh_close(struct pfh_vf *v);

/* Write one request and publish it (ring the doorbell if the device sleeps). */
void pfh_push(struct pfh_vf *v, const struct vfc_req_desc *d);
/* Publish n requests at once. */
void pfh_push_n(struct pfh_vf *v, const struct vfc_req_desc *d, unsigned n);
/* Wait (polling) for the next response, up to timeout_ms; false on timeout. */
bool pfh_pop(struct pfh_vf *v, struct vfc_resp_desc *out, int timeout_ms);
/* Push one request and return its response (asserts it arrives within 5 s). */
struct vfc_resp_desc pfh_run(struct pfh_vf *v, const struct vfc_req_desc *d);
/* Read the irq eventfd: the number of interrupts since the last read (0 if none). */
uint64_t pfh_irqs(struct pfh_vf *v);

/* Control helpers; return the status. */
int pfh_ctl(struct pfh_vf *v, struct vfc_mbox_req *req, struct vfc_mbox_resp *resp);
int pfh_key_import(struct pfh_vf *v, uint32_t kind, const void *data, size_t len, uint32_t *handle);
int pfh_key_free(struct pfh_vf *v, uint32_t handle);
int pfh_session(struct pfh_vf *v, uint32_t alg, uint32_t key, uint32_t *handle);
int pfh_session_free(struct pfh_vf *v, uint32_t handle);
int pfh_moderation(struct pfh_vf *v, const struct vfc_moderation *want, struct vfc_moderation *applied);
int pfh_reset(struct pfh_vf *v);

/* A descriptor: opcode, session, src/dst/aux by pool offset. */
struct vfc_req_desc pfh_desc(uint16_t op, uint32_t session, uint32_t src_off, uint32_t src_len,
			     uint32_t dst_off, uint32_t dst_len);

#endif
