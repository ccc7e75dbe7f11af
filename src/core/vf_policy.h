/* SPDX-License-Identifier: MIT */
/* vf_policy.h - a VF's policy: the bounds the PF enforces on its tenant's control requests (plain data). */
#ifndef VFC_CORE_VF_POLICY_H
#define VFC_CORE_VF_POLICY_H

#include <stdint.h>

/*
 * Fixed-width fields only: the device enforces it (device/pf.h) and the vfcd
 * admin protocol carries it as is (transport/wire.h), so it sits below both.
 */
struct vfc_vf_policy {
	uint32_t min_cap_hz;   /* 0 = no minimum */
	uint32_t max_cap_hz;   /* 0 = no maximum. A request for "no cap" (0) gets max_cap_hz when set. */
	uint32_t max_sessions; /* 0 = unlimited (bounded by the device's table) */
	uint32_t max_keys;     /* 0 = unlimited */
	/* Requests a tenant may have outstanding (queued, or answered and not yet
	 * consumed); those beyond it are answered -EBUSY without being run. 0 = the
	 * ring size. A driver that keeps to it never sees the error. */
	uint32_t max_in_flight;
	/* Descriptors the PF rejects as invalid (vfc_desc_validate) a tenant may
	 * send per second, with a burst of one second's worth; beyond it the PF
	 * stops serving the VF (state VFC_VF_FLOODED) until the tenant resets it.
	 * 0 = no limit. A driver never sends one unless its caller passes a
	 * buffer outside the pool. */
	uint32_t max_invalid_hz;
	/* Descriptors that do no work (NOPs, HASHes of no bytes without LAST,
	 * and those answered with an error without running: invalid, unknown
	 * session, beyond max_in_flight) the PF takes from a tenant's ring per
	 * second, with a burst of a tenth of a second's worth; beyond it the
	 * engines stop taking from the ring until the allowance refills (the
	 * descriptors wait there; each still gets its one completion). Such a
	 * flood then costs the engines about nothing and earns no share of
	 * them. 0 = no limit. */
	uint32_t max_nowork_hz;
};

#endif
