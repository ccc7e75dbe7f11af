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
/* The VF's controller unless the settings name one ("none": no cap). An interrupt per completion
 * costs the engine a system call per request and wakes the application for each: ASYNC jobs ran
 * 2-3x faster under this cap (docs/provider.md). Synchronous requests at the default threshold
 * (1 MiB and up) come far below it. */
#define VFC_PROV_CTL_DEFAULT "static:20000"
/* The largest request the provider sends whole (a pool buffer); larger cipher runs go through the
 * driver's synchronous helper in chunks. */
#define VFC_PROV_OP_MAX (1u << 20)
/* Freed SHA-256 contexts kept with their VF sessions: EVP_Digest makes one per message, and a
 * session costs a mailbox round trip to make and to free. One per concurrent ASYNC job is enough. */
#define VFC_PROV_DG_SPARES 64

/* Settings: the provider's config section, then the VFCRYPT_* environment over it. */
struct vfc__prov_settings {
	char device[VFC_PROV_SPEC_MAX]; /* "embedded" or "unix:PATH" */
	char ctl[VFC_PROV_SPEC_MAX];    /* controller spec, VFC_PROV_CTL_DEFAULT unless set */
	int ctl_set;                    /* ctl was given (a refusal of the default is not worth a warning) */
	size_t small_threshold;
	unsigned engines, vfs;          /* embedded device sizes, 0 = the driver's defaults */
	enum vfc_engine_kind engine_kind; /* embedded device: how its engines compute */
	int engine_kind_set;            /* engine_kind was given (else the driver's default) */
	int stats;                      /* print the VF's counters to stderr when the provider closes */
};

/* Why a process has no VF. */
enum vfc__dev_state {
	VFC_DEV_UNOPENED = 0, /* nothing asked for the device yet in this process */
	VFC_DEV_OPEN = 1,
	VFC_DEV_ABSENT = 2,   /* the open failed: software for the rest of the process */
};

#define VFC__BUFS 32                  /* pool buffers kept for reuse (bufs.c) */
#define VFC__BUF_KEEP_MAX (64u << 10) /* the largest buffer kept */

/* A pool buffer kept for reuse (bufs.c). */
struct vfc__buf {
	void *p;
	size_t cap;
};

/* The process's VF: opened on first use, reopened in a child after fork() (pid differs). */
struct vfc__dev {
	pthread_mutex_t lock;  /* held across every use of vf: threads share it */
	pid_t pid;             /* the process that opened (or failed to open) vf */
	int *fork_mark;        /* 1 in that process, 0 in a child of fork() (dev.c), or NULL */
	unsigned gen;          /* bumped at each open: handles of another gen are stale */
	enum vfc__dev_state state;
	struct vfc_vf *vf;
	/* Requests of ASYNC jobs (async.c), under lock. */
	unsigned inflight;     /* requests submitted by vfc__dev_run, not yet completed */
	unsigned ready;        /* completed (callback ran) but not yet taken by their paused job */
	unsigned skip_acks;    /* waiters that may pause without consuming the event (async.c take) */
	int raised;            /* we raised the event and no ack of ours consumed it since */
	int ack_owed;          /* a woken job left the event set for the ready ones (async.c take) */
	/* Pool buffers of vf kept for reuse (bufs.c), under buf_lock (freed outside lock). */
	pthread_mutex_t buf_lock;
	unsigned n_bufs;
	struct vfc__buf bufs[VFC__BUFS];
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
	pthread_mutex_t dg_lock;      /* digest.c: freed contexts kept for the next, with their sessions */
	void *dg_spare[VFC_PROV_DG_SPARES];
	unsigned n_dg_spare;
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
/* With the lock, before releasing it: keep the VF's completion event readable while completions
 * wait for their paused ASYNC jobs, if this section consumed it (async.c). */
void vfc__dev_settle(struct vfc__dev *d, int consumed);
/* Whether this process is known to have no VF (a hint, read without the lock). */
int vfc__dev_absent(struct vfc__prov *p);
void vfc__dev_fini(struct vfc__prov *p);

/* bufs.c: a pool buffer of at least len bytes of the VF of generation gen (the device locked),
 * or NULL; given back with vfc__buf_put (any thread). vfc__bufs_reset gives them all back to vf's
 * pool (vf NULL: forgets them) and returns how many there were. */
void *vfc__buf_get(struct vfc__prov *p, struct vfc_vf *vf, size_t len);
void vfc__buf_put(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, void *buf, size_t len);
unsigned vfc__bufs_reset(struct vfc__dev *d, struct vfc_vf *vf);

/* async.c. With the device locked (vf, gen from vfc__dev_lock): run op, whose buffers are pool
 * buffers of vf. Inside an OpenSSL ASYNC job: submit, then pause the job until the VF completes
 * it (the job's wait fd is the VF's completion event); outside: submit and wait. Returns with the
 * device unlocked: the op's status, or -ESTALE if the VF was lost meanwhile (then the op's
 * buffers must be left alone). */
int vfc__dev_run(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_op *op);

/* devop.c: one request each through a pool buffer, with the device locked; all return with it
 * unlocked (vfc__dev_run). */
/* AES-128-CBC of len bytes (a multiple of 16) from in to out (may alias), chaining iv. */
int vfc__op_cipher(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_session *s, int enc,
		   uint8_t iv[VFC_AES_BLOCK], const uint8_t *in, size_t len, uint8_t *out);
/* SHA-256 of len <= VFC_PROV_OP_MAX bytes as part of the session's message: flags VFC_REQ_F_FIRST
 * starts it, VFC_REQ_F_LAST ends it with the digest into out (NULL otherwise); both: a whole
 * message, which the multi-buffer engine's lanes take. */
int vfc__op_hash(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_session *s, uint16_t flags,
		 const uint8_t *in, size_t len, uint8_t *out);
/* RSA: opcode VFC_OP_SIGN / VERIFY / PKE_ENC / PKE_DEC of src; aux is VERIFY's signature; dst
 * has *cap bytes of room and gets *cap bytes out (NULL for VERIFY). 0, -EBADMSG (verification or
 * padding), or another negative errno. */
int vfc__op_rsa(struct vfc__prov *p, struct vfc_vf *vf, unsigned gen, struct vfc_session *s, uint16_t opcode,
		const void *src, size_t len, const void *aux, size_t aux_len, void *dst, size_t *cap);

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
	const char *type;      /* "RSA" or "RSA-PSS" (restricted to PSS, maybe to a digest and salt) */
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

/* digest.c: the kept contexts (provider init, teardown). */
void vfc__digest_init(struct vfc__prov *p);
void vfc__digest_fini(struct vfc__prov *p);

/* The algorithm tables. */
extern const OSSL_DISPATCH vfc__cipher_aes128cbc[];
extern const OSSL_DISPATCH vfc__digest_sha256[];
extern const OSSL_DISPATCH vfc__rsa_keymgmt[];
extern const OSSL_DISPATCH vfc__rsa_pss_keymgmt[];
extern const OSSL_DISPATCH vfc__rsa_signature[];
extern const OSSL_DISPATCH vfc__rsa_asym_cipher[];

#endif
