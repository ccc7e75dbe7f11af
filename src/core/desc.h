/* SPDX-License-Identifier: MIT */
/* desc.h - request descriptor validation against opcode rules and the VF's buffer pool. */
#ifndef VFC_CORE_DESC_H
#define VFC_CORE_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "vfcrypt/abi.h"

/*
 * Validate a descriptor the device has already copied out of shared memory.
 * Returns 0, or:
 *  -EOPNOTSUPP  opcode unknown (>= VFC_OP__MAX)
 *  -EINVAL      unknown flag bits, nonzero reserved field, a buffer outside
 *               [0, pool_size) (overflow-safe: 64-bit sums), a length rule
 *               broken (below), src and dst partially overlapping (exactly
 *               equal is allowed: in-place), aux overlapping dst
 *  -EMSGSIZE    dst too small for the result
 * Length rules per opcode:
 *  NOP: any; lengths may be 0.
 *  CIPHER_ENC/DEC: src_len > 0, src_len % 16 == 0, dst_len >= src_len; aux 0/0; flags 0 or CHAIN.
 *  HASH: src_len may be 0; with LAST, dst_len >= 32; aux 0/0.
 *  SIGN: src_len may be 0; dst_len > 0 (the modulus size is checked by the device: -EMSGSIZE).
 *  VERIFY: aux_len > 0 (the signature); dst may be 0/0.
 *  PKE_ENC/PKE_DEC: src_len > 0, dst_len > 0.
 * Flags: FIRST/LAST on HASH, CHAIN on CIPHER_*, none elsewhere. A buffer of length 0 is not checked for
 * its offset.
 */
int vfc_desc_validate(const struct vfc_req_desc *d, uint64_t pool_size);

/* Whether a session of algorithm alg accepts opcode op (NOP: every algorithm). */
bool vfc_alg_allows(uint32_t alg, uint16_t op);

/* Two pool buffers [a_off, a_off + a_len) and [b_off, b_off + b_len) share a
 * byte. Empty buffers share nothing; 64-bit sums: no wrap. */
static inline bool vfc_desc_overlap(uint32_t a_off, uint32_t a_len, uint32_t b_off, uint32_t b_len)
{
	if (!a_len || !b_len)
		return false;
	return (uint64_t)a_off < (uint64_t)b_off + b_len && (uint64_t)b_off < (uint64_t)a_off + a_len;
}

/* Bytes a request counts for in throughput figures (src_len). */
static inline uint64_t vfc_desc_bytes(const struct vfc_req_desc *d)
{
	return d->src_len;
}

#endif
