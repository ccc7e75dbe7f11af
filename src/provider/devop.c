/* SPDX-License-Identifier: MIT */
/* devop.c - the provider's requests to the VF, each through one pool buffer: an AES-128-CBC run, a SHA-256 message or piece of one, an RSA operation. */
#include <errno.h>
#include <string.h>

#include "provider/prov.h"

#define RSA_MAX_BYTES 512u /* the modulus of a 4096-bit key */

static size_t round64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

int vfc__op_cipher(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_session *s, int enc,
		   uint8_t iv[VFC_AES_BLOCK], const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t *buf = len <= VFC_PROV_OP_MAX ? vfc__buf_get(p, vf, len) : NULL, next[VFC_AES_BLOCK];
	struct vfc_op op;
	int rc;

	if (!buf) {
		/* Too long for one request, or the pool is short: the driver's chunked helper. */
		rc = vfc_cipher(s, enc, iv, in, len, out, iv);
		vfc__dev_unlock(p);
		return rc;
	}
	memcpy(buf, in, len);
	memcpy(next, in + len - VFC_AES_BLOCK, VFC_AES_BLOCK); /* decrypt chains on the last input block */
	memset(&op, 0, sizeof(op));
	op.sess = s;
	op.opcode = enc ? VFC_OP_CIPHER_ENC : VFC_OP_CIPHER_DEC;
	op.src = op.dst = buf;
	op.src_len = op.dst_len = (uint32_t)len;
	memcpy(op.iv, iv, VFC_AES_BLOCK);
	rc = vfc__dev_run(p, vf, gen, &op);
	if (rc == -ESTALE)
		return rc;
	if (rc == 0 && op.out_len != len)
		rc = -EPROTO;
	if (rc == 0) {
		memcpy(out, buf, len);
		memcpy(iv, enc ? out + len - VFC_AES_BLOCK : next, VFC_AES_BLOCK);
	}
	vfc__buf_put(p, vf, gen, buf, len);
	return rc;
}

int vfc__op_hash(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_session *s, uint16_t flags,
		 const uint8_t *in, size_t len, uint8_t *out)
{
	size_t room = round64(len);
	uint8_t *buf = len <= VFC_PROV_OP_MAX ? vfc__buf_get(p, vf, room + VFC_SHA256_LEN) : NULL;
	struct vfc_op op;
	int rc;

	if (!buf) {
		vfc__dev_unlock(p);
		return len <= VFC_PROV_OP_MAX ? -ENOMEM : -EINVAL;
	}
	if (len)
		memcpy(buf, in, len);
	memset(&op, 0, sizeof(op));
	op.sess = s;
	op.opcode = VFC_OP_HASH;
	op.flags = flags;
	op.src = buf;
	op.src_len = (uint32_t)len;
	if (out) {
		op.dst = buf + room;
		op.dst_len = VFC_SHA256_LEN;
	}
	rc = vfc__dev_run(p, vf, gen, &op);
	if (rc == -ESTALE)
		return rc;
	if (rc == 0 && out && op.out_len != VFC_SHA256_LEN)
		rc = -EPROTO;
	if (rc == 0 && out)
		memcpy(out, buf + room, VFC_SHA256_LEN);
	vfc__buf_put(p, vf, gen, buf, room + VFC_SHA256_LEN);
	return rc;
}

int vfc__op_rsa(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_session *s, uint16_t opcode,
		const void *src, size_t len, const void *aux, size_t aux_len, void *dst, size_t *cap)
{
	size_t dcap = cap ? (*cap < RSA_MAX_BYTES ? *cap : RSA_MAX_BYTES) : 0;
	size_t total = round64(len) + round64(dcap) + aux_len;
	uint8_t *buf = NULL;
	struct vfc_op op;
	int rc;

	if (len > VFC_PROV_OP_MAX || aux_len > RSA_MAX_BYTES)
		rc = aux_len > RSA_MAX_BYTES ? -EBADMSG : -EINVAL; /* a signature longer than any modulus */
	else
		rc = (buf = vfc__buf_get(p, vf, total ? total : 1)) ? 0 : -ENOMEM;
	if (rc) {
		vfc__dev_unlock(p);
		return rc;
	}
	memset(&op, 0, sizeof(op));
	op.sess = s;
	op.opcode = opcode;
	op.src = len ? buf : NULL;
	op.src_len = (uint32_t)len;
	op.dst = dcap ? buf + round64(len) : NULL;
	op.dst_len = (uint32_t)dcap;
	op.aux = aux_len ? buf + round64(len) + round64(dcap) : NULL;
	op.aux_len = (uint32_t)aux_len;
	if (len)
		memcpy(buf, src, len);
	if (aux_len)
		memcpy(buf + round64(len) + round64(dcap), aux, aux_len);
	rc = vfc__dev_run(p, vf, gen, &op);
	if (rc == -ESTALE)
		return rc;
	if (rc == 0 && cap) {
		memcpy(dst, op.dst, op.out_len);
		*cap = op.out_len;
	}
	/* Plaintexts and messages pass through here: wipe the buffer. */
	explicit_bzero(buf, total ? total : 1);
	vfc__buf_put(p, vf, gen, buf, total ? total : 1);
	return rc;
}
