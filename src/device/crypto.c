/* SPDX-License-Identifier: MIT */
/* crypto.c - the device's crypto backend over OpenSSL EVP: per-VF key store, sessions, burst execution. */
#include "device/crypto.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define VFC__SLOT_MASK (VFC_DEV_MAX_SESSIONS - 1u)
#define VFC__GEN_MAX (UINT32_MAX >> VFC__SLOT_BITS)
#define VFC__CHUNK (1u << 30) /* EVP lengths are int: feed at most 1 GiB per call */
/* The device's own work prefers OpenSSL's default provider: an embedded device
 * shares the process's library context with the application, which may have
 * loaded the vfcrypt provider, and must never call back into it. */
#define VFC__PROPQ "?provider=default"

int vfc__algs_init(struct vfc__algs *a)
{
	memset(a, 0, sizeof(*a));
	a->aes128_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", VFC__PROPQ);
	a->sha256 = EVP_MD_fetch(NULL, "SHA256", VFC__PROPQ);
	if (!a->aes128_cbc || !a->sha256) {
		vfc__algs_fini(a);
		ERR_clear_error();
		return -ENOSYS;
	}
	return 0;
}

void vfc__algs_fini(struct vfc__algs *a)
{
	EVP_CIPHER_free(a->aes128_cbc);
	EVP_MD_free(a->sha256);
	a->aes128_cbc = NULL;
	a->sha256 = NULL;
}

static uint32_t next_handle(uint32_t *gen, uint32_t slot)
{
	if (++*gen > VFC__GEN_MAX || *gen == 0)
		*gen = 1;
	return (*gen << VFC__SLOT_BITS) | slot;
}

/* ---- keys ---- */

/* PEM to DER in buffers that are wiped when freed (PEM_FLAG_SECURE: the line
 * and base64 buffers too). The caller frees *der with OPENSSL_secure_clear_free. */
static int pem_to_der(const void *data, size_t len, unsigned char **der, long *der_len)
{
	BIO *in = BIO_new_mem_buf(data, (int)len); /* reads data in place, no copy */
	char *name = NULL, *header = NULL;
	int ok;

	if (!in)
		return -ENOMEM;
	ok = PEM_read_bio_ex(in, &name, &header, der, der_len, PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) > 0;
	BIO_free(in);
	OPENSSL_secure_clear_free(name, name ? strlen(name) : 0);
	OPENSSL_secure_clear_free(header, header ? strlen(header) : 0);
	return ok ? 0 : -EINVAL;
}

static int rsa_parse(uint32_t kind, const void *data, size_t len, struct vfc__key *k)
{
	int sel = kind == VFC_KEY_RSA_PRIV_PEM ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pkey = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long der_len = 0;
	size_t left;
	int bits, ret;

	if (len > INT_MAX)
		return -EINVAL;
	ret = pem_to_der(data, len, &der, &der_len);
	if (ret)
		goto out;
	ret = -EINVAL;
	/* Structure NULL: SubjectPublicKeyInfo and PKCS#1 "RSA PUBLIC KEY", PKCS#8 and
	 * PKCS#1 private keys. No passphrase is set, so an encrypted PEM fails
	 * instead of prompting. */
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", NULL, "RSA", sel, NULL, VFC__PROPQ);
	if (!dctx) {
		ret = -ENOMEM;
		goto out;
	}
	p = der;
	left = (size_t)der_len;
	if (!OSSL_DECODER_from_data(dctx, &p, &left) || !pkey || !EVP_PKEY_is_a(pkey, "RSA"))
		goto out;
	bits = EVP_PKEY_get_bits(pkey);
	if (bits != 2048 && bits != 3072 && bits != 4096)
		goto out;
	if (kind == VFC_KEY_RSA_PRIV_PEM) {
		BIGNUM *d = NULL;

		/* A keypair selection must really have yielded the private exponent. */
		if (!EVP_PKEY_get_bn_param(pkey, "d", &d))
			goto out;
		BN_clear_free(d);
		k->has_private = true;
	}
	k->pkey = pkey;
	pkey = NULL;
	ret = 0;
out:
	EVP_PKEY_free(pkey);
	OSSL_DECODER_CTX_free(dctx);
	OPENSSL_secure_clear_free(der, (size_t)der_len);
	ERR_clear_error();
	return ret;
}

int vfc__key_parse(uint32_t kind, const void *data, size_t len, struct vfc__key **out)
{
	struct vfc__key *k;
	int ret;

	*out = NULL;
	k = OPENSSL_zalloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->kind = kind;
	switch (kind) {
	case VFC_KEY_AES128:
		if (len != sizeof(k->aes)) {
			ret = -EINVAL;
			goto fail;
		}
		memcpy(k->aes, data, sizeof(k->aes));
		k->has_private = true;
		break;
	case VFC_KEY_RSA_PRIV_PEM:
	case VFC_KEY_RSA_PUB_PEM:
		if (len == 0) {
			ret = -EINVAL;
			goto fail;
		}
		ret = rsa_parse(kind, data, len, k);
		if (ret)
			goto fail;
		break;
	default:
		ret = -EINVAL;
		goto fail;
	}
	*out = k;
	return 0;
fail:
	vfc__key_destroy(k);
	return ret;
}

void vfc__key_wipe(struct vfc__key *k)
{
	OPENSSL_cleanse(k->aes, sizeof(k->aes));
	/* EVP_PKEY_free clears the private components (BN_clear_free). */
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	k->has_private = false;
}

void vfc__key_destroy(struct vfc__key *k)
{
	if (!k)
		return;
	vfc__key_wipe(k);
	OPENSSL_clear_free(k, sizeof(*k));
}

int vfc__key_insert(struct vfc__crypto *c, struct vfc__key *k, uint32_t max_keys, uint32_t *handle)
{
	if (max_keys && c->n_keys >= max_keys)
		return -ENOSPC;
	for (uint32_t i = 0; i < VFC_DEV_MAX_KEYS; i++) {
		/* Start after the last slot used so handles spread over the table. */
		uint32_t slot = (c->key_gen + i) & VFC__SLOT_MASK;

		if (c->keys[slot])
			continue;
		k->handle = next_handle(&c->key_gen, slot);
		k->refs = 0;
		c->keys[slot] = k;
		c->n_keys++;
		*handle = k->handle;
		return 0;
	}
	return -ENOSPC;
}

static struct vfc__key *key_lookup(const struct vfc__crypto *c, uint32_t handle)
{
	struct vfc__key *k = c->keys[handle & VFC__SLOT_MASK];

	return k && k->handle == handle && handle ? k : NULL;
}

int vfc__key_free(struct vfc__crypto *c, uint32_t handle)
{
	struct vfc__key *k = key_lookup(c, handle);

	if (!k)
		return -ENOENT;
	if (k->refs)
		return -EBUSY;
	c->keys[handle & VFC__SLOT_MASK] = NULL;
	c->n_keys--;
	vfc__key_destroy(k);
	return 0;
}

/* ---- sessions ---- */

static void session_destroy(struct vfc__session *s)
{
	if (!s)
		return;
	EVP_CIPHER_CTX_free(s->enc); /* cleanses the key schedule */
	EVP_CIPHER_CTX_free(s->dec);
	EVP_MD_CTX_free(s->md);
	EVP_PKEY_CTX_free(s->pctx);
	if (s->mb_keys) {
		OPENSSL_cleanse(s->mb_keys, VFC__MB_KEYS_SIZE);
		free(s->mb_keys);
	}
	if (s->key)
		s->key->refs--;
	free(s);
}

static int session_setup(struct vfc__session *s, const struct vfc__algs *a)
{
	switch (s->alg) {
	case VFC_ALG_AES128_CBC:
		s->enc = EVP_CIPHER_CTX_new();
		s->dec = EVP_CIPHER_CTX_new();
		if (!s->enc || !s->dec)
			return -ENOMEM;
		if (!EVP_EncryptInit_ex2(s->enc, a->aes128_cbc, s->key->aes, NULL, NULL) ||
		    !EVP_DecryptInit_ex2(s->dec, a->aes128_cbc, s->key->aes, NULL, NULL))
			return -EIO;
		EVP_CIPHER_CTX_set_padding(s->enc, 0);
		EVP_CIPHER_CTX_set_padding(s->dec, 0);
		return 0;
	case VFC_ALG_SHA256:
		s->md = EVP_MD_CTX_new();
		return s->md ? 0 : -ENOMEM;
	case VFC_ALG_RSA_PKCS1_SHA256:
	case VFC_ALG_RSA_PSS_SHA256:
		s->md = EVP_MD_CTX_new();
		s->modulus_bytes = (uint32_t)EVP_PKEY_get_size(s->key->pkey);
		return s->md ? 0 : -ENOMEM;
	case VFC_ALG_RSA_OAEP:
		s->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, s->key->pkey, VFC__PROPQ);
		s->modulus_bytes = (uint32_t)EVP_PKEY_get_size(s->key->pkey);
		return s->pctx ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

int vfc__session_create(struct vfc__crypto *c, const struct vfc__algs *a, uint32_t alg, uint32_t key,
			uint32_t max_sessions, uint32_t *handle)
{
	struct vfc__session *s;
	struct vfc__key *k = NULL;
	uint32_t slot;
	int ret;

	if (alg == 0 || alg >= VFC_ALG__MAX)
		return -EINVAL;
	if (alg == VFC_ALG_SHA256) {
		if (key != 0)
			return -EINVAL;
	} else {
		k = key_lookup(c, key);
		if (!k)
			return -ENOENT;
		if ((alg == VFC_ALG_AES128_CBC) != (k->kind == VFC_KEY_AES128))
			return -EINVAL; /* key of the wrong kind for the algorithm */
	}
	if ((max_sessions && c->n_sess >= max_sessions) || c->n_sess >= VFC_DEV_MAX_SESSIONS)
		return -ENOSPC;
	/* Start after the last slot used so handles spread over the table. */
	for (uint32_t i = 0;; i++) {
		if (i == VFC_DEV_MAX_SESSIONS)
			return -ENOSPC;
		slot = (c->sess_gen + i) & VFC__SLOT_MASK;
		if (!c->sess[slot])
			break;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->alg = alg;
	s->key = k;
	if (k)
		k->refs++;
	ret = session_setup(s, a);
	if (ret) {
		session_destroy(s);
		ERR_clear_error();
		return ret;
	}
	s->handle = next_handle(&c->sess_gen, slot);
	c->sess[slot] = s;
	c->n_sess++;
	*handle = s->handle;
	return 0;
}

struct vfc__session *vfc__session_lookup(const struct vfc__crypto *c, uint32_t handle)
{
	struct vfc__session *s = c->sess[handle & VFC__SLOT_MASK];

	return s && s->handle == handle && handle ? s : NULL;
}

int vfc__session_free(struct vfc__crypto *c, uint32_t handle)
{
	struct vfc__session *s = vfc__session_lookup(c, handle);

	if (!s)
		return -ENOENT;
	c->sess[handle & VFC__SLOT_MASK] = NULL;
	c->n_sess--;
	session_destroy(s);
	return 0;
}

void vfc__crypto_clear(struct vfc__crypto *c)
{
	for (uint32_t i = 0; i < VFC_DEV_MAX_SESSIONS; i++) {
		session_destroy(c->sess[i]);
		c->sess[i] = NULL;
	}
	for (uint32_t i = 0; i < VFC_DEV_MAX_KEYS; i++) {
		vfc__key_destroy(c->keys[i]);
		c->keys[i] = NULL;
	}
	c->n_sess = 0;
	c->n_keys = 0;
}

/* ---- operations ---- */

/* One piece of a CIPHER request: its bytes [off, off + len). The first piece
 * sets the IV (or checks the chain), the last leaves the context continuable;
 * the pieces in between continue the CBC state the previous one left, so a
 * request run in pieces gives the bytes it gives in one go. */
static int do_cipher(struct vfc__session *s, uint8_t *pool, struct vfc__item *it, bool enc, uint32_t off,
		     uint32_t len)
{
	const struct vfc_req_desc *d = &it->d;
	EVP_CIPHER_CTX *ctx = enc ? s->enc : s->dec;
	const uint8_t *src = pool + d->src_off + off;
	uint8_t *dst = pool + d->dst_off + off;
	uint32_t left = len;
	bool *chain = enc ? &s->chain_enc : &s->chain_dec;
	int outl;

	if (off == 0) {
		if (d->flags & VFC_REQ_F_CHAIN) {
			/* Continue the CBC state the previous request left in the context. */
			if (!*chain)
				return -EPROTO;
		} else {
			/* Same cipher and key: only the IV changes. Padding is set again
			 * because a re-init may restore the provider's default. */
			if (!EVP_CipherInit_ex2(ctx, NULL, NULL, d->iv, enc ? 1 : 0, NULL))
				return -EIO;
			EVP_CIPHER_CTX_set_padding(ctx, 0);
		}
		/* Invalid until this request succeeds: a failed piece breaks the chain. */
		*chain = false;
	}
	while (left) {
		uint32_t chunk = left > VFC__CHUNK ? VFC__CHUNK : left;

		/* src == dst (in place) is supported by EVP for CBC. */
		if (!EVP_CipherUpdate(ctx, dst, &outl, src, (int)chunk) || (uint32_t)outl != chunk)
			return -EIO;
		src += chunk;
		dst += chunk;
		left -= chunk;
	}
	if (off + len == d->src_len) {
		*chain = true;
		it->out_len = d->src_len;
	}
	return 0;
}

/* One piece of a HASH request, bytes [off, off + len): the first starts the
 * message (FIRST) or continues the session's, the last finishes it (LAST). */
static int do_hash(const struct vfc__algs *a, struct vfc__session *s, uint8_t *pool, struct vfc__item *it,
		   uint32_t off, uint32_t len)
{
	const struct vfc_req_desc *d = &it->d;
	const uint8_t *src = pool + d->src_off + off;
	unsigned int mdlen = 0;
	uint32_t left = len;

	if (off == 0 && (d->flags & VFC_REQ_F_FIRST)) {
		if (!EVP_DigestInit_ex2(s->md, a->sha256, NULL))
			goto fail;
		s->hashing = true;
	} else if (!s->hashing) {
		return -EPROTO; /* no message in progress */
	}
	while (left) {
		uint32_t chunk = left > VFC__CHUNK ? VFC__CHUNK : left;

		if (!EVP_DigestUpdate(s->md, src, chunk))
			goto fail;
		src += chunk;
		left -= chunk;
	}
	if (off + len == d->src_len && (d->flags & VFC_REQ_F_LAST)) {
		if (!EVP_DigestFinal_ex(s->md, pool + d->dst_off, &mdlen))
			goto fail;
		s->hashing = false;
		it->out_len = mdlen;
	}
	return 0;
fail:
	s->hashing = false;
	return -EIO;
}

static int sigver_init(const struct vfc__algs *a, struct vfc__session *s, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	EVP_MD_CTX_reset(s->md);
	if (sign)
		ok = EVP_DigestSignInit_ex(s->md, &pctx, "SHA256", NULL, VFC__PROPQ, s->key->pkey, NULL);
	else
		ok = EVP_DigestVerifyInit_ex(s->md, &pctx, "SHA256", NULL, VFC__PROPQ, s->key->pkey, NULL);
	if (!ok)
		return -EIO;
	if (s->alg == VFC_ALG_RSA_PSS_SHA256) {
		/* PSS, MGF1 with SHA-256, salt length = digest length (32). */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, a->sha256) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0)
			return -EIO;
	} else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
		return -EIO;
	}
	return 0;
}

static int do_sign(const struct vfc__algs *a, struct vfc__session *s, uint8_t *pool,
			struct vfc__item *it)
{
	const struct vfc_req_desc *d = &it->d;
	size_t siglen = d->dst_len;
	int ret;

	if (!s->key->has_private)
		return -ENOKEY;
	if (d->dst_len < s->modulus_bytes)
		return -EMSGSIZE;
	ret = sigver_init(a, s, true);
	if (ret)
		return ret;
	if (EVP_DigestSign(s->md, pool + d->dst_off, &siglen, pool + d->src_off, d->src_len) != 1)
		return -EIO;
	it->out_len = (uint32_t)siglen;
	return 0;
}

static int do_verify(const struct vfc__algs *a, struct vfc__session *s, uint8_t *pool,
			  struct vfc__item *it)
{
	const struct vfc_req_desc *d = &it->d;
	int ret;

	ret = sigver_init(a, s, false);
	if (ret)
		return ret;
	/* 1 = good; 0 = bad signature; < 0 = malformed (e.g. wrong length): also "bad". */
	if (EVP_DigestVerify(s->md, pool + d->aux_off, d->aux_len, pool + d->src_off, d->src_len) != 1)
		return -EBADMSG;
	return 0;
}

static int do_pke(struct vfc__session *s, uint8_t *pool, struct vfc__item *it, bool enc)
{
	const struct vfc_req_desc *d = &it->d;
	uint8_t tmp[VFC__RSA_MAX_BYTES];
	size_t outlen;
	int ret = 0;

	if (enc) {
		/* OAEP with OpenSSL's default digest (SHA-1): at most k - 2*20 - 2 bytes. */
		if (d->dst_len < s->modulus_bytes || d->src_len > s->modulus_bytes - 42)
			return -EMSGSIZE;
		if (EVP_PKEY_encrypt_init(s->pctx) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_padding(s->pctx, RSA_PKCS1_OAEP_PADDING) <= 0)
			return -EIO;
		outlen = d->dst_len;
		if (EVP_PKEY_encrypt(s->pctx, pool + d->dst_off, &outlen, pool + d->src_off, d->src_len) <= 0)
			return -EIO;
		it->out_len = (uint32_t)outlen;
		return 0;
	}
	if (!s->key->has_private)
		return -ENOKEY;
	if (EVP_PKEY_decrypt_init(s->pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(s->pctx, RSA_PKCS1_OAEP_PADDING) <= 0)
		return -EIO;
	/* Decrypt into private memory: the plaintext may be shorter than dst_len
	 * allows even if dst_len is shorter than the modulus. */
	outlen = sizeof(tmp);
	if (EVP_PKEY_decrypt(s->pctx, tmp, &outlen, pool + d->src_off, d->src_len) <= 0) {
		ret = -EBADMSG;
	} else if (outlen > d->dst_len) {
		ret = -EMSGSIZE;
	} else {
		memcpy(pool + d->dst_off, tmp, outlen);
		it->out_len = (uint32_t)outlen;
	}
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return ret;
}

/* The opcodes run whole (RSA, NOP, unknown). */
static int run_one(const struct vfc__algs *a, uint8_t *pool, struct vfc__item *it)
{
	struct vfc__session *s = it->s;

	it->out_len = 0;
	if (it->d.opcode == VFC_OP_NOP)
		return 0;
	if (!s) /* the engine only passes a NULL session with a NOP */
		return -ENOENT;
	switch (it->d.opcode) {
	case VFC_OP_SIGN:
		return do_sign(a, s, pool, it);
	case VFC_OP_VERIFY:
		return do_verify(a, s, pool, it);
	case VFC_OP_PKE_ENC:
		return do_pke(s, pool, it, true);
	case VFC_OP_PKE_DEC:
		return do_pke(s, pool, it, false);
	default:
		return -EOPNOTSUPP;
	}
}

bool vfc__backend_step(const struct vfc__algs *a, uint8_t *pool, struct vfc__item *it, uint32_t *done,
		       uint32_t max)
{
	uint16_t op = it->d.opcode;
	uint32_t len;
	int st;

	if (it->status) {
		it->out_len = 0;
		return true;
	}
	if (it->s && (op == VFC_OP_CIPHER_ENC || op == VFC_OP_CIPHER_DEC || op == VFC_OP_HASH)) {
		len = it->d.src_len - *done;
		if (len > max)
			len = max;
		if (op == VFC_OP_HASH)
			st = do_hash(a, it->s, pool, it, *done, len);
		else
			st = do_cipher(it->s, pool, it, op == VFC_OP_CIPHER_ENC, *done, len);
		*done += len;
		if (!st && *done < it->d.src_len)
			return false;
	} else {
		st = run_one(a, pool, it);
	}
	it->status = st;
	if (st) {
		/* Keep this thread's error queue from growing. */
		ERR_clear_error();
		it->out_len = 0;
	}
	return true;
}

void vfc__backend_run(const struct vfc__algs *a, uint8_t *pool, struct vfc__item *items, unsigned n,
		      vfc__done_cb cb, void *arg)
{
	for (unsigned i = 0; i < n; i++) {
		struct vfc__item *it = &items[i];
		uint64_t t0 = vfc_now_ns(), t1;
		uint32_t done = 0;

		while (!vfc__backend_step(a, pool, it, &done, UINT32_MAX))
			;
		t1 = vfc_now_ns();
		it->dev_ns = t1 - t0;
		cb(arg, it, t1);
	}
}
