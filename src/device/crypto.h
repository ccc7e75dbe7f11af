/* SPDX-License-Identifier: MIT */
/* crypto.h - the device's crypto backend over OpenSSL EVP: per-VF key store, sessions, burst execution. */
#ifndef VFC_DEVICE_CRYPTO_H
#define VFC_DEVICE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "os/clock.h"
#include "vfcrypt/abi.h"

/*
 * Handles: the low VFC__SLOT_BITS bits are the table slot, the rest a
 * generation counter that starts at 1 and advances on every allocation, so a
 * handle is never 0 and a freed handle is not handed out again until the
 * generation wraps (2^22 allocations later).
 */
#define VFC__SLOT_BITS 10
#define VFC_DEV_MAX_SESSIONS (1u << VFC__SLOT_BITS) /* per VF */
#define VFC_DEV_MAX_KEYS (1u << VFC__SLOT_BITS)     /* per VF */
#define VFC__RSA_MAX_BYTES 512                       /* 4096-bit modulus */

/* Algorithms fetched once per PF (no per-request fetch and its global lock). */
struct vfc__algs {
	EVP_CIPHER *aes128_cbc;
	EVP_MD *sha256;
};

struct vfc__key {
	uint32_t handle;
	uint32_t kind;     /* enum vfc_key_kind */
	uint32_t refs;     /* sessions using this key */
	bool has_private;
	uint8_t aes[16];   /* VFC_KEY_AES128; wiped on free */
	EVP_PKEY *pkey;    /* RSA keys */
};

struct vfc__session {
	uint32_t handle;
	uint32_t alg;          /* enum vfc_alg */
	struct vfc__key *key;  /* NULL for SHA256 */
	EVP_CIPHER_CTX *enc;   /* AES: keyed once at create, re-IV'd per request */
	EVP_CIPHER_CTX *dec;
	bool chain_enc, chain_dec; /* the context ends a successful request: VFC_REQ_F_CHAIN may continue it */
	EVP_MD_CTX *md;        /* SHA256 message state, or RSA sign/verify */
	bool hashing;          /* SHA256: a message is in progress */
	EVP_PKEY_CTX *pctx;    /* OAEP */
	uint32_t modulus_bytes;
	/* The mb engine's state (mb.h); unused by the OpenSSL engine. */
	void *mb_keys;         /* expanded AES schedules, VFC__MB_KEYS_SIZE bytes, on first use; wiped on free */
	uint8_t mb_iv[VFC_AES_BLOCK]; /* where the session's CBC encryption chain ends */
	bool mb_chain;         /* mb_iv is valid: VFC_REQ_F_CHAIN may continue it */
	uint8_t mb_dec_iv[VFC_AES_BLOCK]; /* the same for decryption */
	bool mb_dec_chain;
	uint32_t mb_seq;       /* the last encryption dispatched: only its completion sets mb_iv */
};
#define VFC__MB_KEYS_SIZE 512 /* encryption and decryption schedules, 16-byte aligned */

/* One VF's key and session tables. Changed on the control path only, under
 * the VF lock (which an engine holds while it serves the VF). */
struct vfc__crypto {
	struct vfc__key *keys[VFC_DEV_MAX_KEYS];
	struct vfc__session *sess[VFC_DEV_MAX_SESSIONS];
	uint32_t key_gen, sess_gen;
	uint32_t n_keys, n_sess;
};

int vfc__algs_init(struct vfc__algs *a);
void vfc__algs_fini(struct vfc__algs *a);

/* Parse key material (no lock needed): AES (16 bytes) or RSA PEM (2048/3072/4096 bits only). */
int vfc__key_parse(uint32_t kind, const void *data, size_t len, struct vfc__key **out);
/* Wipe the secret material of a key (AES bytes cleansed, RSA key freed). */
void vfc__key_wipe(struct vfc__key *k);
/* Wipe and free. Accepts NULL. */
void vfc__key_destroy(struct vfc__key *k);
/* Insert a parsed key; on success the table owns it. max_keys 0 = table size. */
int vfc__key_insert(struct vfc__crypto *c, struct vfc__key *k, uint32_t max_keys, uint32_t *handle);
/* -ENOENT unknown, -EBUSY in use by a session. */
int vfc__key_free(struct vfc__crypto *c, uint32_t handle);

int vfc__session_create(struct vfc__crypto *c, const struct vfc__algs *a, uint32_t alg, uint32_t key,
			uint32_t max_sessions, uint32_t *handle);
int vfc__session_free(struct vfc__crypto *c, uint32_t handle);
/* Hot path: the session named by handle, or NULL. */
struct vfc__session *vfc__session_lookup(const struct vfc__crypto *c, uint32_t handle);

/* Free every session, wipe and free every key. */
void vfc__crypto_clear(struct vfc__crypto *c);

/* ---- burst execution ---- */

/* One request of a burst: a validated private copy of the descriptor. */
struct vfc__item {
	struct vfc_req_desc d;
	struct vfc__session *s; /* NULL: a NOP without session */
	int32_t status;         /* in: nonzero = already failed (completed as is); out: result */
	uint32_t out_len;
	uint64_t dev_ns;        /* service time */
};

/* Called once per item, in order, as soon as it is complete; now_ns is CLOCK_MONOTONIC. */
typedef void (*vfc__done_cb)(void *arg, struct vfc__item *it, uint64_t now_ns);

/*
 * Run the next piece of one item: at most max bytes of a CIPHER or HASH request
 * from *done on (*done advances; CBC pieces must be whole blocks), any other
 * request whole. True when the item is complete (status and out_len set; an
 * item that came in failed completes as is); false: call again for the rest,
 * with no other request of the session in between.
 */
bool vfc__backend_step(const struct vfc__algs *a, uint8_t *pool, struct vfc__item *it, uint32_t *done,
		       uint32_t max);
/* Run a burst against the VF's pool, each item whole. Today OpenSSL one item at a time; the
 * shape (an array in, a status per item, completions as they happen) is the
 * one a multi-buffer backend needs. */
void vfc__backend_run(const struct vfc__algs *a, uint8_t *pool, struct vfc__item *items, unsigned n,
		      vfc__done_cb cb, void *arg);


#endif
