/* SPDX-License-Identifier: MIT */
/* sync.c - synchronous helpers: bounce any-size input through pool buffers, one request at a time. */
#include <errno.h>
#include <string.h>

#include "driver/vf_internal.h"

#define SYNC_CHUNK (256u << 10) /* bytes per request */
#define SYNC_MIN_CHUNK 4096u    /* smallest chunk we fall back to when the pool is tight */
#define RSA_MAX_BYTES 512u      /* modulus of a 4096-bit key */

static void sync_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	(void)status;
	(void)out_len;
	*(int *)op->user = 1;
}

/*
 * Submit one op with our own callback and wait until it completed. Other ops'
 * callbacks may run meanwhile (the VF is shared with the async API); the op
 * always completes: with the device's answer or, if the VF fails, -EIO.
 */
static int run_op(struct vfc_vf *vf, struct vfc_op *op)
{
	struct vfc_op *ops[1] = { op };
	int done = 0, rc;

	op->cb = sync_cb;
	op->user = &done;
	while ((rc = vfc_submit_burst(vf, ops, 1)) != 1) {
		if (rc < 0)
			return rc;
		vfc_wait(vf, 1, -1); /* ring full of others' ops: make room */
	}
	while (!done)
		vfc_wait(vf, 1, -1);
	return op->status;
}

/* A pool buffer of up to want bytes (a multiple of 16 once halved), at least min. */
static void *bounce_alloc(struct vfc_vf *vf, size_t want, size_t min, size_t *cap)
{
	void *b;

	for (;;) {
		b = vfc_buf_alloc(vf, want);
		if (b || want <= min) {
			*cap = want;
			return b;
		}
		want = want / 2 > min ? (want / 2 + 15) & ~(size_t)15 : min;
	}
}

/* Read n bytes of the stream (*a, *alen) then (*b, *blen) into dst, advancing. */
static void gather(uint8_t *dst, size_t n, const uint8_t **a, size_t *alen, const uint8_t **b, size_t *blen)
{
	size_t k = n < *alen ? n : *alen;

	if (k) {
		memcpy(dst, *a, k);
		*a += k;
		*alen -= k;
		n -= k;
	}
	if (n) {
		memcpy(dst + k, *b, n);
		*b += n;
		*blen -= n;
	}
}

/*
 * AES-128-CBC over the concatenation a || b (a total multiple of 16) into
 * out, chaining iv (updated in place). Two bounce buffers: the next chunk is
 * read before the current one is written out, so out may alias the input
 * even when it runs ahead of it by a few held bytes (streaming).
 */
/* Bytes per request: SYNC_CHUNK, or less when partitioning is on, so that one
 * request's pieces fit in half the ring (a multiple of 64: whole cipher and
 * SHA-256 blocks). */
static size_t sync_chunk(const struct vfc_vf *vf)
{
	size_t c = SYNC_CHUNK;

	if (vf->part_b0 && (size_t)vf->part_b0 * (vf->entries / 2) < c)
		c = (size_t)vf->part_b0 * (vf->entries / 2);
	c &= ~(size_t)63;
	return c < 64 ? 64 : c;
}

static int cipher_run(struct vfc_session *s, int enc, uint8_t iv[VFC_AES_BLOCK], const uint8_t *a,
		      size_t alen, const uint8_t *b, size_t blen, uint8_t *out)
{
	struct vfc_vf *vf = s->vf;
	size_t total = alen + blen, cap, n_cur, n_next, want;
	uint8_t *buf[2] = { NULL, NULL }, next_iv[VFC_AES_BLOCK];
	struct vfc_op op;
	int rc = 0, cur = 0;

	if (total == 0)
		return 0;
	want = total < sync_chunk(vf) ? total : sync_chunk(vf);
	buf[0] = bounce_alloc(vf, want, 16, &cap);
	if (!buf[0])
		return -ENOMEM;
	cap &= ~(size_t)15;
	if (total > cap) {
		buf[1] = vfc_buf_alloc(vf, cap);
		if (!buf[1]) {
			rc = -ENOMEM;
			goto out;
		}
	}
	n_cur = total < cap ? total : cap;
	gather(buf[0], n_cur, &a, &alen, &b, &blen);
	total -= n_cur;
	for (;;) {
		/* Decrypt chains on the last input block: save it before the in-place op. */
		if (!enc)
			memcpy(next_iv, buf[cur] + n_cur - VFC_AES_BLOCK, VFC_AES_BLOCK);
		memset(&op, 0, sizeof(op));
		op.sess = s;
		op.opcode = enc ? VFC_OP_CIPHER_ENC : VFC_OP_CIPHER_DEC;
		op.src = buf[cur];
		op.dst = buf[cur];
		op.src_len = op.dst_len = (uint32_t)n_cur;
		memcpy(op.iv, iv, VFC_AES_BLOCK);
		rc = run_op(vf, &op);
		if (rc == 0 && op.out_len != n_cur)
			rc = -EPROTO;
		if (rc)
			break;
		if (enc)
			memcpy(next_iv, buf[cur] + n_cur - VFC_AES_BLOCK, VFC_AES_BLOCK);
		memcpy(iv, next_iv, VFC_AES_BLOCK);
		n_next = 0;
		if (total) {
			/* Read ahead before writing out (aliasing, see above). */
			n_next = total < cap ? total : cap;
			gather(buf[!cur], n_next, &a, &alen, &b, &blen);
			total -= n_next;
		}
		memcpy(out, buf[cur], n_cur);
		out += n_cur;
		if (!n_next)
			break;
		cur = !cur;
		n_cur = n_next;
	}
out:
	vfc_buf_free(vf, buf[1]);
	vfc_buf_free(vf, buf[0]);
	explicit_bzero(next_iv, sizeof(next_iv));
	return rc;
}

int vfc_cipher(struct vfc_session *s, int encrypt, const uint8_t iv[VFC_AES_BLOCK], const void *in,
	       size_t len, void *out, uint8_t iv_out[VFC_AES_BLOCK])
{
	uint8_t v[VFC_AES_BLOCK];
	int rc;

	if (!s || !iv || (len && (!in || !out)) || len % VFC_AES_BLOCK || s->alg != VFC_ALG_AES128_CBC)
		return -EINVAL;
	memcpy(v, iv, sizeof(v));
	rc = cipher_run(s, encrypt, v, in, len, NULL, 0, out);
	if (rc == 0 && iv_out)
		memcpy(iv_out, v, sizeof(v));
	return rc;
}

/* ---- streaming with PKCS#7 padding (the driver pads; the device sees whole blocks) ---- */

int vfc_cipher_stream_init(struct vfc_cipher_stream *st, struct vfc_session *s, int encrypt, int pad,
			   const uint8_t iv[VFC_AES_BLOCK])
{
	if (!st || !s || !iv || s->alg != VFC_ALG_AES128_CBC)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->s = s;
	st->encrypt = !!encrypt;
	st->pad = !!pad;
	memcpy(st->iv, iv, VFC_AES_BLOCK);
	return 0;
}

int vfc_cipher_stream_update(struct vfc_cipher_stream *st, const void *in, size_t len, void *out,
			     size_t *out_len)
{
	size_t avail, keep, run, from_in;
	uint8_t tail[2 * VFC_AES_BLOCK];
	int rc;

	if (!st || !st->s || !out_len || (len && (!in || !out)))
		return -EINVAL;
	*out_len = 0;
	avail = st->n_held + len;
	keep = avail % VFC_AES_BLOCK;
	/* Padded decryption holds back the last whole block until final. */
	if (!st->encrypt && st->pad && keep == 0 && avail)
		keep = VFC_AES_BLOCK;
	run = avail - keep;
	if (run == 0) {
		if (len)
			memcpy(st->held + st->n_held, in, len);
		st->n_held += len;
		return 0;
	}
	/* run >= 16 > n_held here (or == 16 held by padded decryption): the held
	 * bytes go first, then from_in bytes of in; the last keep bytes of in are
	 * saved first, as out may alias in and the output runs ahead of it. */
	from_in = run - st->n_held;
	memcpy(tail, (const uint8_t *)in + from_in, keep);
	rc = cipher_run(st->s, st->encrypt, st->iv, st->held, st->n_held, in, from_in, out);
	if (rc)
		return rc;
	memcpy(st->held, tail, keep);
	st->n_held = keep;
	*out_len = run;
	explicit_bzero(tail, sizeof(tail));
	return 0;
}

int vfc_cipher_stream_final(struct vfc_cipher_stream *st, void *out, size_t *out_len)
{
	uint8_t blk[VFC_AES_BLOCK];
	size_t i;
	unsigned p;
	int rc;

	if (!st || !st->s || !out_len)
		return -EINVAL;
	*out_len = 0;
	if (!st->pad) {
		/* Without padding the total must be whole blocks. */
		return st->n_held ? -EINVAL : 0;
	}
	if (st->encrypt) {
		p = VFC_AES_BLOCK - (unsigned)st->n_held; /* 1..16 */
		memcpy(blk, st->held, st->n_held);
		memset(blk + st->n_held, (int)p, p);
		rc = cipher_run(st->s, 1, st->iv, blk, sizeof(blk), NULL, 0, blk);
		if (rc == 0) {
			memcpy(out, blk, sizeof(blk));
			*out_len = sizeof(blk);
		}
		goto done;
	}
	if (st->n_held != VFC_AES_BLOCK) {
		rc = -EINVAL; /* total not a multiple of 16 (or empty) */
		goto done;
	}
	rc = cipher_run(st->s, 0, st->iv, st->held, VFC_AES_BLOCK, NULL, 0, blk);
	if (rc)
		goto done;
	p = blk[VFC_AES_BLOCK - 1];
	if (p == 0 || p > VFC_AES_BLOCK) {
		rc = -EBADMSG;
		goto done;
	}
	for (i = VFC_AES_BLOCK - p; i < VFC_AES_BLOCK; i++)
		if (blk[i] != p) {
			rc = -EBADMSG;
			goto done;
		}
	memcpy(out, blk, VFC_AES_BLOCK - p);
	*out_len = VFC_AES_BLOCK - p;
done:
	st->n_held = 0;
	explicit_bzero(st->held, sizeof(st->held));
	explicit_bzero(blk, sizeof(blk));
	return rc;
}

/* ---- SHA-256 ---- */

/* Hash in as part of the session's message: FIRST on the first request if
 * first, LAST (digest into out) on the last one if out is not NULL. */
static int digest_run(struct vfc_session *s, bool first, const uint8_t *in, size_t len, uint8_t *out)
{
	struct vfc_vf *vf = s->vf;
	size_t cap, n, room, want;
	struct vfc_op op;
	uint8_t *buf;
	int rc = 0;

	if (len == 0 && !out)
		return 0;
	want = len < sync_chunk(vf) ? len : sync_chunk(vf);
	want = (want + 63) & ~(size_t)63;
	buf = bounce_alloc(vf, want + VFC_SHA256_LEN, 64 + VFC_SHA256_LEN, &cap);
	if (!buf)
		return -ENOMEM;
	room = (cap - VFC_SHA256_LEN) & ~(size_t)63; /* digest after the data: no overlap */
	do {
		n = len < room ? len : room;
		if (n)
			memcpy(buf, in, n);
		memset(&op, 0, sizeof(op));
		op.sess = s;
		op.opcode = VFC_OP_HASH;
		op.flags = first ? VFC_REQ_F_FIRST : 0;
		op.src = buf;
		op.src_len = (uint32_t)n;
		if (out && n == len) {
			op.flags |= VFC_REQ_F_LAST;
			op.dst = buf + room;
			op.dst_len = VFC_SHA256_LEN;
		}
		rc = run_op(vf, &op);
		if (rc)
			break;
		first = false;
		in += n;
		len -= n;
	} while (len);
	if (rc == 0 && out) {
		if (op.out_len == VFC_SHA256_LEN)
			memcpy(out, buf + room, VFC_SHA256_LEN);
		else
			rc = -EPROTO;
	}
	vfc_buf_free(vf, buf);
	return rc;
}

int vfc_digest(struct vfc_session *s, const void *in, size_t len, uint8_t out[VFC_SHA256_LEN])
{
	if (!s || !out || (len && !in) || s->alg != VFC_ALG_SHA256)
		return -EINVAL;
	s->digest_first = true;
	return digest_run(s, true, in, len, out);
}

int vfc_digest_init(struct vfc_session *s)
{
	if (!s || s->alg != VFC_ALG_SHA256)
		return -EINVAL;
	/* Nothing to send yet: the next update carries FIRST. */
	s->digest_first = true;
	return 0;
}

int vfc_digest_update(struct vfc_session *s, const void *in, size_t len)
{
	int rc;

	if (!s || (len && !in) || s->alg != VFC_ALG_SHA256)
		return -EINVAL;
	if (len == 0)
		return 0;
	rc = digest_run(s, s->digest_first, in, len, NULL);
	if (rc == 0)
		s->digest_first = false;
	return rc;
}

int vfc_digest_final(struct vfc_session *s, uint8_t out[VFC_SHA256_LEN])
{
	int rc;

	if (!s || !out || s->alg != VFC_ALG_SHA256)
		return -EINVAL;
	rc = digest_run(s, s->digest_first, NULL, 0, out);
	s->digest_first = true; /* the next update starts a new message */
	return rc;
}

/* ---- RSA: one request each; the message must fit in the pool ---- */

static bool is_sig(const struct vfc_session *s)
{
	return s->alg == VFC_ALG_RSA_PKCS1_SHA256 || s->alg == VFC_ALG_RSA_PSS_SHA256;
}

/* src (len) -> dst (capacity *cap, bytes out in *cap); aux for VERIFY. */
static int rsa_run(struct vfc_session *s, uint16_t opcode, const void *src, size_t len, const void *aux,
		   size_t aux_len, void *dst, size_t *cap)
{
	struct vfc_vf *vf = s->vf;
	size_t src_room = (len + 63) & ~(size_t)63, dcap = cap ? *cap : 0, total;
	struct vfc_op op;
	uint8_t *buf;
	int rc;

	if (len > UINT32_MAX || aux_len > RSA_MAX_BYTES)
		return -EINVAL;
	if (dcap > RSA_MAX_BYTES)
		dcap = RSA_MAX_BYTES;
	total = src_room + ((dcap + 63) & ~(size_t)63) + aux_len;
	buf = vfc_buf_alloc(vf, total ? total : 1);
	if (!buf)
		return -errno;
	memset(&op, 0, sizeof(op));
	op.sess = s;
	op.opcode = opcode;
	if (len) {
		memcpy(buf, src, len);
		op.src = buf;
		op.src_len = (uint32_t)len;
	}
	if (dcap) {
		op.dst = buf + src_room;
		op.dst_len = (uint32_t)dcap;
	}
	if (aux_len) {
		op.aux = buf + src_room + ((dcap + 63) & ~(size_t)63);
		memcpy((void *)op.aux, aux, aux_len);
		op.aux_len = (uint32_t)aux_len;
	}
	rc = run_op(vf, &op);
	if (rc == 0 && cap) {
		memcpy(dst, op.dst, op.out_len);
		*cap = op.out_len;
	}
	/* Plaintexts pass through here: wipe the bounce buffer. */
	explicit_bzero(buf, total ? total : 1);
	vfc_buf_free(vf, buf);
	return rc;
}

int vfc_sign(struct vfc_session *s, const void *msg, size_t len, void *sig, size_t *sig_len)
{
	if (!s || !sig || !sig_len || !*sig_len || (len && !msg) || !is_sig(s))
		return -EINVAL;
	return rsa_run(s, VFC_OP_SIGN, msg, len, NULL, 0, sig, sig_len);
}

int vfc_verify(struct vfc_session *s, const void *msg, size_t len, const void *sig, size_t sig_len)
{
	if (!s || !sig || !sig_len || (len && !msg) || !is_sig(s))
		return -EINVAL;
	if (sig_len > RSA_MAX_BYTES)
		return -EBADMSG; /* longer than any modulus: cannot verify */
	return rsa_run(s, VFC_OP_VERIFY, msg, len, sig, sig_len, NULL, NULL);
}

int vfc_pke_encrypt(struct vfc_session *s, const void *in, size_t len, void *out, size_t *out_len)
{
	if (!s || !in || !len || !out || !out_len || !*out_len || s->alg != VFC_ALG_RSA_OAEP)
		return -EINVAL;
	return rsa_run(s, VFC_OP_PKE_ENC, in, len, NULL, 0, out, out_len);
}

int vfc_pke_decrypt(struct vfc_session *s, const void *in, size_t len, void *out, size_t *out_len)
{
	if (!s || !in || !len || !out || !out_len || !*out_len || s->alg != VFC_ALG_RSA_OAEP)
		return -EINVAL;
	return rsa_run(s, VFC_OP_PKE_DEC, in, len, NULL, 0, out, out_len);
}
