/* SPDX-License-Identifier: MIT */
/* chaos.h - the chaos soak's tenant (scripts/chaos.sh): its op records, totals and the OpenSSL checks. */
#ifndef VFC_TOOLS_CHAOS_H
#define VFC_TOOLS_CHAOS_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "vfcrypt/vfc.h"

/* What an op does. */
enum chaos_kind {
	CHAOS_AES_ENC,
	CHAOS_AES_DEC,
	CHAOS_SHA256,
	CHAOS_RSA_SIGN,
	CHAOS_RSA_VERIFY,
	CHAOS_KIND__N
};

/* Where an op record is in its life. */
enum chaos_rec_state {
	CHAOS_REC_FREE,      /* never submitted on this VF */
	CHAOS_REC_IN_FLIGHT, /* taken by vfc_submit_burst, no callback yet */
	CHAOS_REC_DONE,      /* its one callback ran */
	CHAOS_REC_LOST,      /* the driver said nothing was in flight, and it had no callback */
};

/* Every op the tenant resolved: submitted == completed + lost; dup counts
 * callbacks beyond the first (and ops the driver touched after their
 * callback); corrupted counts wrong outputs and unexpected statuses. */
struct chaos_totals {
	uint64_t submitted, completed, lost, dup, corrupted;
	uint64_t checked;    /* outputs compared with OpenSSL */
	uint64_t errors;     /* completed with the error of a reset or a gone daemon */
	uint64_t reconnects; /* VF reopened after the daemon went away */
	uint64_t resets;     /* VF reset after an administrator's reset */
	uint64_t reopens;    /* VF closed with ops in flight and opened again */
};

struct chaos_tenant;

/* One op and its buffers (from the VF's pool, reassigned at each open). */
struct chaos_rec {
	struct vfc_op op;
	struct chaos_tenant *t;
	enum chaos_rec_state state;
	enum chaos_kind kind;
	bool check;          /* compare the output with OpenSSL */
	int want_status;     /* 0, or -EBADMSG for a verify of a spoilt signature */
	int done_status;     /* what the callback saw: the driver must not change it after */
	uint32_t done_out_len;
	uint8_t iv[VFC_AES_BLOCK];
	uint8_t *src, *dst, *aux;
	uint32_t next;       /* the free FIFO */
};

/* The tenant's fixed choices and its OpenSSL side. */
struct chaos_cfg {
	const char *device;
	const char *out_path;
	const char *rsa_key_path;
	double until;        /* CLOCK_REALTIME seconds: stop submitting */
	uint64_t seed;
	unsigned depth;      /* ops in flight */
	uint32_t part_b0;    /* 0: no partitioning */
	uint32_t max_size;   /* largest AES / SHA-256 op */
	unsigned check_every; /* 1 in check_every outputs compared */
	enum vfc_irq_mode irq_mode;
	const char *controller; /* NULL: none */
	unsigned tick_ms;
	bool verbose;
};

/* OpenSSL's side: the keys and a context reused by the checks. */
struct chaos_ref {
	uint8_t aes_key[16];
	EVP_PKEY *rsa;
	char *rsa_pem;
	size_t rsa_pem_len;
	uint32_t rsa_bytes;
	uint8_t vmsg[256];   /* the verify ops' message and its good signature */
	uint8_t vsig[512];
	EVP_CIPHER_CTX *cctx;
};

uint64_t chaos_rand(uint64_t *s);
/* Load the RSA key (PEM private key) and sign the verify message: 0 or -errno. */
int chaos_ref_init(struct chaos_ref *ref, const char *rsa_key_path, uint64_t *rng);
void chaos_ref_free(struct chaos_ref *ref);
/* Pick a kind (RSA only with a key), a size, and fill the op. */
void chaos_rec_prepare(struct chaos_rec *r, const struct chaos_cfg *cfg, const struct chaos_ref *ref,
		       struct vfc_session *const sess[CHAOS_KIND__N], uint64_t *rng);
/* Compare a completed op's output with OpenSSL: true when it matches. */
bool chaos_rec_matches(const struct chaos_rec *r, const struct chaos_ref *ref);

#endif
