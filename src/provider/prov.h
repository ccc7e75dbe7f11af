/* SPDX-License-Identifier: MIT */
/* prov.h - the vfcrypt OpenSSL provider's shared types: provider context, settings, device handle, RSA key. */
#ifndef VFC_PROVIDER_PROV_H
#define VFC_PROVIDER_PROV_H

#include <pthread.h>
#include <strings.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/evp.h>

#include "vfcrypt/vfc.h"

#define VFC_PROV_NAME "vfcrypt"
#define VFC_PROV_PROPS "provider=vfcrypt"
#define VFC_PROV_FB_PROPQ "provider=default"
#define VFC_PROV_SPEC_MAX 256
/* Inputs below this many bytes go to software: a cipher update's whole blocks; a SHA-256
 * message whose first update is shorter. docs/provider.md has the measurements behind it. */
#define VFC_PROV_THRESHOLD_DEFAULT (1u << 20)

/* Settings: the provider's config section, then the VFCRYPT_* environment over it. */
struct vfc__prov_settings {
	char device[VFC_PROV_SPEC_MAX]; /* "embedded" or "unix:PATH" */
	char ctl[VFC_PROV_SPEC_MAX];    /* controller spec, "" = the driver's default */
	size_t small_threshold;
	unsigned engines, vfs;          /* embedded device sizes, 0 = the driver's defaults */
	int stats;                      /* print the VF's counters to stderr when the provider closes */
};

/* Why a process has no VF. */
enum vfc__dev_state {
	VFC_DEV_UNOPENED = 0, /* nothing asked for the device yet in this process */
	VFC_DEV_OPEN = 1,
	VFC_DEV_ABSENT = 2,   /* the open failed: software for the rest of the process */
	VFC_DEV_FORKED = 3,   /* a child of a process whose embedded device is open: that device's
				 engines did not survive fork() and the driver keeps one per process */
};

/* The process's VF: opened on first use, reopened in a child after fork() (pid differs). */
struct vfc__dev {
	pthread_mutex_t lock;  /* held across every use of vf: threads share it */
	pid_t pid;             /* the process that opened (or failed to open) vf */
	unsigned gen;          /* bumped at each open: handles of another gen are stale */
	enum vfc__dev_state state;
	struct vfc_vf *vf;
	unsigned want;         /* threads waiting for lock (atomic): the poller steps aside */
	/* Requests of ASYNC jobs (async.c), all under lock. */
	unsigned inflight;     /* submitted by jobs, not yet completed */
	pthread_cond_t cv;     /* the poller sleeps here while nothing is in flight */
	pthread_t poller;
	pid_t poller_pid;      /* the process whose poller runs, 0 = none */
	int stop;
};

/* The default provider's AES-128-CBC and SHA-256 functions, from its own dispatch tables
 * (OSSL_PROVIDER_query_operation): the software path of small inputs without a second
 * EVP layer in front of the same implementation. */
struct vfc__fb_cipher {
	void *provctx;
	OSSL_FUNC_cipher_newctx_fn *newctx;
	OSSL_FUNC_cipher_encrypt_init_fn *einit;
	OSSL_FUNC_cipher_decrypt_init_fn *dinit;
	OSSL_FUNC_cipher_update_fn *update;
	OSSL_FUNC_cipher_freectx_fn *freectx;
};

struct vfc__fb_digest {
	void *provctx;
	OSSL_FUNC_digest_newctx_fn *newctx;
	OSSL_FUNC_digest_init_fn *init;
	OSSL_FUNC_digest_update_fn *update;
	OSSL_FUNC_digest_final_fn *final;
	OSSL_FUNC_digest_freectx_fn *freectx;
	OSSL_FUNC_digest_dupctx_fn *dupctx;
};

/* The provider context. */
struct vfc__prov {
	const OSSL_CORE_HANDLE *handle;
	OSSL_LIB_CTX *fb_libctx;      /* private library context holding the default provider */
	OSSL_PROVIDER *fb_default;
	EVP_CIPHER *fb_aes;           /* the default provider's AES-128-CBC */
	EVP_MD *fb_sha256;            /* the default provider's SHA-256 */
	struct vfc__fb_cipher fbc;
	struct vfc__fb_digest fbd;
	void *dg_spare;               /* digest.c: one freed context kept for the next (atomic) */
	struct vfc__prov_settings set;
	struct vfc__dev dev;
};

/* settings.c */
int vfc__prov_settings_load(struct vfc__prov_settings *s, const OSSL_CORE_HANDLE *handle,
			    const OSSL_DISPATCH *in);

/* fallback.c */
int vfc__fb_init(struct vfc__prov *p);
void vfc__fb_fini(struct vfc__prov *p);
/* RSA contexts keep their parameters (pad-mode, digest, saltlen, ...) in the default
 * provider's EVP_PKEY_CTX: get and set them there. 0 without a context; setting nothing is 1. */
int vfc__fb_pctx_get_params(EVP_PKEY_CTX *pctx, OSSL_PARAM params[]);
int vfc__fb_pctx_set_params(EVP_PKEY_CTX *pctx, const OSSL_PARAM params[]);

/* dev.c: vfc__dev_lock returns the VF locked, or NULL (not locked) when the process has none.
 * *gen (may be NULL) gets its generation. */
void vfc__dev_init(struct vfc__dev *d);
struct vfc_vf *vfc__dev_lock(struct vfc__prov *p, unsigned *gen);
void vfc__dev_unlock(struct vfc__prov *p);
void vfc__dev_fini(struct vfc__prov *p);

/* async.c. In an ASYNC job, with the device locked: AES-128-CBC of len bytes (a multiple of
 * 16) through pool buffers with the job paused until the VF completes it; updates iv.
 * Returns with the device unlocked: 0 or a negative errno. Outside a job: vfc_cipher. */
int vfc__async_cipher(struct vfc__prov *p, struct vfc_vf *vf, struct vfc_session *s, int enc,
		      uint8_t iv[VFC_AES_BLOCK], const uint8_t *in, size_t len, uint8_t *out);
void vfc__async_fini(struct vfc__prov *p); /* stops the poller (before vfc__dev_fini); not locked */

/* A device-side session that follows the VF across forks: recreated when gen moves. */
struct vfc__dsess {
	unsigned gen;
	struct vfc_session *s;
	uint32_t key;           /* device key handle, 0 = none */
};
/* With the device locked (vf, gen from vfc__dev_lock): the session for alg with the key
 * (kind, data, len), created now if absent or stale. NULL on failure. */
struct vfc_session *vfc__dsess_get(struct vfc__dsess *ds, struct vfc_vf *vf, unsigned gen, enum vfc_alg alg,
				   enum vfc_key_kind kind, const void *key, size_t len);
/* Free the session if it belongs to this process's current VF (locks the device). */
void vfc__dsess_drop(struct vfc__prov *p, struct vfc__dsess *ds);

/* rsa_kmgmt.c: the key object. */
struct vfc__rsa_key {
	struct vfc__prov *p;
	EVP_PKEY *pkey;        /* in fb_libctx */
	int has_priv;
	int bits;
	int refs;              /* atomic */
	struct vfc__dsess sess[VFC_ALG__MAX]; /* device sessions by algorithm (device lock) */
	uint8_t *pem;          /* the PEM the device imports (device lock) */
	size_t pem_len;
};
int vfc__rsa_key_dev_ok(const struct vfc__rsa_key *k);
void vfc__rsa_key_up(struct vfc__rsa_key *k);
void vfc__rsa_key_down(struct vfc__rsa_key *k); /* accepts NULL */
/* With the device locked: the key's session for alg. */
struct vfc_session *vfc__rsa_key_session(struct vfc__rsa_key *k, struct vfc_vf *vf, unsigned gen,
					  enum vfc_alg alg);

/* Whether name (case aside) is one of the NULL-terminated names. */
static inline int vfc__name_in(const char *name, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(name, *names))
			return 1;
	return 0;
}

/* digest.c: free the kept context (teardown). */
void vfc__digest_fini(struct vfc__prov *p);

/* The algorithm tables. */
extern const OSSL_DISPATCH vfc__cipher_aes128cbc[];
extern const OSSL_DISPATCH vfc__digest_sha256[];
extern const OSSL_DISPATCH vfc__rsa_keymgmt[];
extern const OSSL_DISPATCH vfc__rsa_signature[];
extern const OSSL_DISPATCH vfc__rsa_asym_cipher[];

#endif
