/* SPDX-License-Identifier: MIT */
/* desc.c - request descriptor validation against opcode rules and the VF's buffer pool. */
#include "core/desc.h"

#include <errno.h>

/* A buffer of nonzero length lies inside [0, pool_size); 64-bit sum: no wrap. */
static bool buf_in_pool(uint32_t off, uint32_t len, uint64_t pool_size)
{
	return len == 0 || (uint64_t)off + len <= pool_size;
}

static bool iv_zero(const struct vfc_req_desc *d)
{
	uint8_t acc = 0;

	for (unsigned int i = 0; i < VFC_AES_BLOCK; i++)
		acc |= d->iv[i];
	return acc == 0;
}

/* Opcode-specific length rules; buffers are already known to be in the pool. */
static int check_lengths(const struct vfc_req_desc *d)
{
	bool no_aux = d->aux_off == 0 && d->aux_len == 0;

	switch (d->opcode) {
	case VFC_OP_NOP:
		return 0;
	case VFC_OP_CIPHER_ENC:
	case VFC_OP_CIPHER_DEC:
		if (!no_aux || d->src_len == 0 || d->src_len % VFC_AES_BLOCK)
			return -EINVAL;
		if (d->dst_len < d->src_len)
			return -EMSGSIZE;
		return 0;
	case VFC_OP_HASH:
		if (!no_aux)
			return -EINVAL;
		if ((d->flags & VFC_REQ_F_LAST) && d->dst_len < VFC_SHA256_LEN)
			return -EMSGSIZE;
		return 0;
	case VFC_OP_SIGN:
		if (!no_aux)
			return -EINVAL;
		if (d->dst_len == 0)
			return -EMSGSIZE;
		return 0;
	case VFC_OP_VERIFY:
		if (d->aux_len == 0)
			return -EINVAL;
		return 0;
	case VFC_OP_PKE_ENC:
	case VFC_OP_PKE_DEC:
		if (!no_aux || d->src_len == 0)
			return -EINVAL;
		if (d->dst_len == 0)
			return -EMSGSIZE;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int vfc_desc_validate(const struct vfc_req_desc *d, uint64_t pool_size)
{
	bool cipher = d->opcode == VFC_OP_CIPHER_ENC || d->opcode == VFC_OP_CIPHER_DEC;
	uint32_t flags_ok = d->opcode == VFC_OP_HASH ? VFC_REQ_F_ALL : cipher ? VFC_REQ_F_CHAIN : 0u;
	int ret;

	if (d->opcode >= VFC_OP__MAX)
		return -EOPNOTSUPP;
	if (d->rsvd != 0 || (d->flags & ~flags_ok) != 0)
		return -EINVAL;
	if (!cipher && !iv_zero(d)) /* the IV field is reserved outside CIPHER_* */
		return -EINVAL;
	if (!buf_in_pool(d->src_off, d->src_len, pool_size) ||
	    !buf_in_pool(d->dst_off, d->dst_len, pool_size) ||
	    !buf_in_pool(d->aux_off, d->aux_len, pool_size))
		return -EINVAL;
	ret = check_lengths(d);
	if (ret)
		return ret;
	/* In place (same start) is fine; any other shared byte between src and dst is not. */
	if (d->src_off != d->dst_off && vfc_desc_overlap(d->src_off, d->src_len, d->dst_off, d->dst_len))
		return -EINVAL;
	if (vfc_desc_overlap(d->aux_off, d->aux_len, d->dst_off, d->dst_len))
		return -EINVAL;
	return 0;
}

bool vfc_alg_allows(uint32_t alg, uint16_t op)
{
	if (alg == 0 || alg >= VFC_ALG__MAX)
		return false;
	if (op == VFC_OP_NOP)
		return true;
	switch (alg) {
	case VFC_ALG_AES128_CBC:
		return op == VFC_OP_CIPHER_ENC || op == VFC_OP_CIPHER_DEC;
	case VFC_ALG_SHA256:
		return op == VFC_OP_HASH;
	case VFC_ALG_RSA_PKCS1_SHA256:
	case VFC_ALG_RSA_PSS_SHA256:
		return op == VFC_OP_SIGN || op == VFC_OP_VERIFY;
	case VFC_ALG_RSA_OAEP:
		return op == VFC_OP_PKE_ENC || op == VFC_OP_PKE_DEC;
	default:
		return false;
	}
}
