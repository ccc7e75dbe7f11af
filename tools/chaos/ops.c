/* SPDX-License-Identifier: MIT */
/* ops.c - the chaos tenant's ops: random kinds and sizes, and their outputs checked against OpenSSL EVP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "chaos.h"

#define VERIFY_MSG_LEN 256u
#define SIGN_MSG_MAX 1024u
#define POISON 0xa5

uint64_t chaos_rand(uint64_t *s)
{
	/* xorshift64*: a process-local stream, reproducible from --seed. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static int rsa_sign_ref(EVP_PKEY *k, const void *msg, size_t len, uint8_t *sig, size_t *sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k) == 1 &&
		 EVP_DigestSign(c, sig, sig_len, msg, len) == 1;

	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

static int load_pem(struct chaos_ref *ref, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EINVAL;
	}
	ref->rsa_pem = malloc((size_t)n + 1);
	if (!ref->rsa_pem || fread(ref->rsa_pem, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	ref->rsa_pem[n] = 0;
	ref->rsa_pem_len = (size_t)n;
	return 0;
}

int chaos_ref_init(struct chaos_ref *ref, const char *rsa_key_path, uint64_t *rng)
{
	size_t sig_len = sizeof(ref->vsig);
	BIO *bio;
	int rc;

	memset(ref, 0, sizeof(*ref));
	for (unsigned i = 0; i < sizeof(ref->aes_key); i++)
		ref->aes_key[i] = (uint8_t)chaos_rand(rng);
	for (unsigned i = 0; i < sizeof(ref->vmsg); i++)
		ref->vmsg[i] = (uint8_t)chaos_rand(rng);
	ref->cctx = EVP_CIPHER_CTX_new();
	if (!ref->cctx)
		return -ENOMEM;
	if (!rsa_key_path || !*rsa_key_path)
		return 0;
	rc = load_pem(ref, rsa_key_path);
	if (rc)
		return rc;
	bio = BIO_new_mem_buf(ref->rsa_pem, (int)ref->rsa_pem_len);
	ref->rsa = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (!ref->rsa || EVP_PKEY_get_size(ref->rsa) > (int)sizeof(ref->vsig))
		return -EINVAL;
	ref->rsa_bytes = (uint32_t)EVP_PKEY_get_size(ref->rsa);
	rc = rsa_sign_ref(ref->rsa, ref->vmsg, sizeof(ref->vmsg), ref->vsig, &sig_len);
	return rc ? rc : sig_len == ref->rsa_bytes ? 0 : -EINVAL;
}

void chaos_ref_free(struct chaos_ref *ref)
{
	EVP_CIPHER_CTX_free(ref->cctx);
	EVP_PKEY_free(ref->rsa);
	free(ref->rsa_pem);
	memset(ref, 0, sizeof(*ref));
}

/* Mostly small ops (where the per-op paths are busiest), some large ones. */
static uint32_t pick_size(const struct chaos_cfg *cfg, uint64_t *rng)
{
	uint64_t u = chaos_rand(rng) % 100, top = u < 70 ? 1024 : u < 95 ? 16384 : cfg->max_size;

	if (top > cfg->max_size)
		top = cfg->max_size;
	return (uint32_t)(1 + chaos_rand(rng) % top);
}

static enum chaos_kind pick_kind(const struct chaos_ref *ref, uint64_t *rng)
{
	/* Per mille: AES enc 400, dec 250, SHA-256 300, and with a key RSA verify 48
	 * and sign 2 (a signature costs the engine about a thousand small ops). */
	unsigned u = (unsigned)(chaos_rand(rng) % (ref->rsa ? 1000 : 950));

	return u < 400 ? CHAOS_AES_ENC : u < 650 ? CHAOS_AES_DEC : u < 950 ? CHAOS_SHA256 :
	       u < 998 ? CHAOS_RSA_VERIFY : CHAOS_RSA_SIGN;
}

static const uint16_t kind_opcode[CHAOS_KIND__N] = {
	[CHAOS_AES_ENC] = VFC_OP_CIPHER_ENC, [CHAOS_AES_DEC] = VFC_OP_CIPHER_DEC, [CHAOS_SHA256] = VFC_OP_HASH,
	[CHAOS_RSA_SIGN] = VFC_OP_SIGN, [CHAOS_RSA_VERIFY] = VFC_OP_VERIFY,
};

void chaos_rec_prepare(struct chaos_rec *r, const struct chaos_cfg *cfg, const struct chaos_ref *ref,
		       struct vfc_session *const sess[CHAOS_KIND__N], uint64_t *rng)
{
	struct vfc_op *op = &r->op;
	uint32_t len = pick_size(cfg, rng);

	r->kind = pick_kind(ref, rng);
	r->check = chaos_rand(rng) % cfg->check_every == 0;
	r->want_status = 0;
	memset(op, 0, sizeof(*op));
	op->sess = sess[r->kind];
	op->opcode = kind_opcode[r->kind];
	op->src = r->src;
	op->dst = r->dst;
	op->user = r;
	switch (r->kind) {
	case CHAOS_AES_ENC:
	case CHAOS_AES_DEC:
		len = (len + VFC_AES_BLOCK - 1) & ~(uint32_t)(VFC_AES_BLOCK - 1);
		if (len > cfg->max_size)
			len -= VFC_AES_BLOCK;
		op->src_len = op->dst_len = len;
		for (unsigned i = 0; i < VFC_AES_BLOCK; i++)
			r->iv[i] = (uint8_t)chaos_rand(rng);
		memcpy(op->iv, r->iv, VFC_AES_BLOCK);
		break;
	case CHAOS_SHA256:
		op->src_len = len;
		op->dst_len = VFC_SHA256_LEN;
		op->flags = VFC_REQ_F_FIRST | VFC_REQ_F_LAST;
		break;
	case CHAOS_RSA_SIGN:
		op->src_len = len < SIGN_MSG_MAX ? len : SIGN_MSG_MAX;
		op->dst_len = ref->rsa_bytes;
		break;
	case CHAOS_RSA_VERIFY:
		memcpy(r->src, ref->vmsg, VERIFY_MSG_LEN);
		memcpy(r->aux, ref->vsig, ref->rsa_bytes);
		if (chaos_rand(rng) % 4 == 0) {
			r->aux[chaos_rand(rng) % ref->rsa_bytes] ^= 0x10; /* spoilt: the device must say so */
			r->want_status = -EBADMSG;
		}
		op->src_len = VERIFY_MSG_LEN;
		op->aux = r->aux;
		op->aux_len = ref->rsa_bytes;
		op->dst = NULL;
		break;
	default:
		break;
	}
	if (r->check && op->dst)
		memset(op->dst, POISON, op->dst_len); /* an op that never ran cannot pass */
}

static bool aes_matches(const struct chaos_rec *r, const struct chaos_ref *ref)
{
	static _Thread_local uint8_t want[1u << 17];
	int n = 0, enc = r->kind == CHAOS_AES_ENC;
	uint32_t len = r->op.src_len;

	if (len > sizeof(want) || r->done_out_len != len)
		return false;
	if (EVP_CipherInit_ex(ref->cctx, EVP_aes_128_cbc(), NULL, ref->aes_key, r->iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ref->cctx, 0) != 1 ||
	    EVP_CipherUpdate(ref->cctx, want, &n, r->src, (int)len) != 1 || (uint32_t)n != len)
		return false;
	return memcmp(want, r->dst, len) == 0;
}

bool chaos_rec_matches(const struct chaos_rec *r, const struct chaos_ref *ref)
{
	uint8_t md[EVP_MAX_MD_SIZE], sig[512];
	size_t sig_len = sizeof(sig);
	unsigned md_len = 0;

	switch (r->kind) {
	case CHAOS_AES_ENC:
	case CHAOS_AES_DEC:
		return aes_matches(r, ref);
	case CHAOS_SHA256:
		return r->done_out_len == VFC_SHA256_LEN &&
		       EVP_Digest(r->src, r->op.src_len, md, &md_len, EVP_sha256(), NULL) == 1 &&
		       memcmp(md, r->dst, VFC_SHA256_LEN) == 0;
	case CHAOS_RSA_SIGN:
		/* PKCS#1 v1.5 is deterministic: the device's signature is OpenSSL's. */
		return r->done_out_len == ref->rsa_bytes &&
		       rsa_sign_ref(ref->rsa, r->src, r->op.src_len, sig, &sig_len) == 0 &&
		       sig_len == ref->rsa_bytes && memcmp(sig, r->dst, sig_len) == 0;
	case CHAOS_RSA_VERIFY:
		return true; /* its status is its output, checked for every op */
	default:
		return false;
	}
}
