/* SPDX-License-Identifier: MIT */
/* abi.h - the VF region layout, descriptors and mailbox messages: the one versioned contract between device and driver. */
#ifndef VFCRYPT_ABI_H
#define VFCRYPT_ABI_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#define VFC_ABI_MAGIC 0x52434656u /* "VFCR" little endian */
#define VFC_ABI_VERSION 1u
#define VFC_CACHELINE 64

#define VFC_MAX_VFS 64
#define VFC_MAX_ENGINES 16
#define VFC_RING_MIN 8
#define VFC_RING_MAX 4096
#define VFC_POOL_MAX (1ull << 31) /* pool offsets are 32-bit */
#define VFC_AES_BLOCK 16
#define VFC_SHA256_LEN 32
#define VFC_MBOX_DATA_MAX 16384 /* largest variable payload of a mailbox message (a PEM key) */
/* The device's default sizes (the PF's config and the driver's open options share them). */
#define VFC_DEFAULT_VFS 4
#define VFC_DEFAULT_ENGINES 1
#define VFC_DEFAULT_RING_ENTRIES 256
#define VFC_DEFAULT_POOL_SIZE (16ull << 20)
/* An idle engine polls its rings this long before it sleeps (hardware never
 * sleeps: a doorbell to a sleeping thread is a cross-CPU wake-up). */
#define VFC_DEFAULT_ENGINE_SPIN_US 100
#define VFC_ENGINE_SPIN_MAX_US 10000

/* Session algorithms. */
enum vfc_alg {
	VFC_ALG_AES128_CBC = 1,    /* ops: CIPHER_ENC, CIPHER_DEC; key: VFC_KEY_AES128 */
	VFC_ALG_SHA256 = 2,        /* op: HASH (FIRST/LAST flags); no key */
	VFC_ALG_RSA_PKCS1_SHA256 = 3, /* ops: SIGN, VERIFY; PKCS#1 v1.5 over SHA-256 of the message */
	VFC_ALG_RSA_PSS_SHA256 = 4,   /* ops: SIGN, VERIFY; PSS, SHA-256, MGF1-SHA-256, salt = digest length */
	VFC_ALG_RSA_OAEP = 5,         /* ops: PKE_ENC, PKE_DEC; OAEP with OpenSSL's defaults (SHA-1, MGF1-SHA-1) */
	VFC_ALG__MAX
};

/* Request opcodes. */
enum vfc_opcode {
	VFC_OP_NOP = 0,        /* completes with status 0; tests and latency probes */
	VFC_OP_CIPHER_ENC = 1, /* src (len % 16 == 0) -> dst (dst_len >= src_len), IV in desc */
	VFC_OP_CIPHER_DEC = 2,
	VFC_OP_HASH = 3,       /* src -> session state; with LAST: 32-byte digest -> dst */
	VFC_OP_SIGN = 4,       /* message src -> signature dst (dst_len >= modulus bytes) */
	VFC_OP_VERIFY = 5,     /* message src, signature aux; status 0 = good, -EBADMSG = bad */
	VFC_OP_PKE_ENC = 6,    /* src -> dst (dst_len >= modulus bytes) */
	VFC_OP_PKE_DEC = 7,
	VFC_OP__MAX
};

/* Request flags. */
#define VFC_REQ_F_FIRST 0x1u /* HASH: start a new message in the session */
#define VFC_REQ_F_LAST 0x2u  /* HASH: finish the message, write the digest */
#define VFC_REQ_F_ALL (VFC_REQ_F_FIRST | VFC_REQ_F_LAST)
/* CIPHER_*: continue the CBC chain where this session's previous successful
 * request of the same direction ended (the IV field is ignored): how the
 * driver partitions a large request into pieces submitted together. Without
 * such a predecessor: -EPROTO. */
#define VFC_REQ_F_CHAIN 0x4u

/* A request descriptor: written by the tenant, copied out by the device before
 * it is looked at (no double fetch). Offsets and lengths are relative to the
 * VF's buffer pool. Reserved fields must be zero. */
struct vfc_req_desc {
	uint64_t cookie; /* opaque to the device, echoed in the response */
	uint16_t opcode;
	uint16_t flags;
	uint32_t session;
	uint32_t src_off, src_len;
	uint32_t dst_off, dst_len;
	uint32_t aux_off, aux_len; /* VERIFY: the signature; otherwise 0, 0 */
	uint8_t iv[VFC_AES_BLOCK];  /* CIPHER_*: the IV; otherwise zero */
	uint64_t rsvd;
};
_Static_assert(sizeof(struct vfc_req_desc) == 64, "request descriptor is one cache line");

/* A response descriptor: written by the device. */
struct vfc_resp_desc {
	uint64_t cookie;
	int32_t status;   /* 0 or a negative errno (see vfc_strerror in vfc.h) */
	uint32_t out_len; /* bytes written to dst */
	uint64_t dev_ns;  /* device service time of this request */
	uint64_t rsvd;
};
_Static_assert(sizeof(struct vfc_resp_desc) == 32, "response descriptor is half a cache line");

/* VF states (hdr.state). */
enum vfc_vf_state {
	VFC_VF_READY = 1,
	VFC_VF_FAILED = 2, /* the device found the rings corrupted and stopped serving them; reset to recover */
	/* the tenant sent invalid descriptors faster than its policy allows
	 * (max_invalid_hz): the device stopped serving the VF; reset to recover */
	VFC_VF_FLOODED = 3,
};

/* Device-maintained counters mirrored into the region for the tenant to read.
 * The PF keeps the authoritative copy in private memory. */
struct vfc_shm_counters {
	_Atomic uint64_t ops;     /* requests completed (any status) */
	_Atomic uint64_t bytes;   /* src bytes of requests completed with status 0 */
	_Atomic uint64_t irqs;    /* interrupts delivered (eventfd writes) */
	_Atomic uint64_t errors;  /* requests completed with status != 0 */
	_Atomic uint64_t resets;  /* VF resets */
	_Atomic uint64_t dev_ns;  /* engine time spent on this VF's requests */
	_Atomic uint32_t cap_hz;  /* interrupt cap in force (0 = none) */
	_Atomic uint32_t rsvd;
};

/* The region header, at offset 0 of the VF's memfd. Each index sits on its own
 * cache line. Ownership: the tenant writes req_tail, resp_head, irq_masked;
 * the device writes everything else. Indices are free-running uint32 counters
 * (slot = index & (ring_entries - 1)). */
struct vfc_region_hdr {
	uint32_t magic;
	uint32_t abi_version;
	uint32_t vf_id;
	uint32_t ring_entries; /* power of two, VFC_RING_MIN..VFC_RING_MAX */
	uint32_t req_desc_size;
	uint32_t resp_desc_size;
	uint64_t region_size;
	uint64_t req_ring_off;
	uint64_t resp_ring_off;
	uint64_t pool_off;
	uint64_t pool_size;

	alignas(VFC_CACHELINE) _Atomic uint32_t state; /* enum vfc_vf_state */
	_Atomic uint32_t reset_epoch;                  /* bumped by every reset */
	alignas(VFC_CACHELINE) _Atomic uint32_t req_tail;  /* tenant: next request slot to fill */
	alignas(VFC_CACHELINE) _Atomic uint32_t req_head;  /* device: next request to take */
	alignas(VFC_CACHELINE) _Atomic uint32_t resp_tail; /* device: next response slot to fill */
	alignas(VFC_CACHELINE) _Atomic uint32_t resp_head; /* tenant: next response to consume */
	/* device: 1 = engines are going to sleep, ring the doorbell after publishing
	 * requests. Dekker pairing with req_tail: see ring.h. */
	alignas(VFC_CACHELINE) _Atomic uint32_t dev_sleeping;
	/* tenant: 1 = the tenant polls, deliver no interrupts (NAPI style).
	 * Dekker pairing with resp_tail: see ring.h. */
	alignas(VFC_CACHELINE) _Atomic uint32_t irq_masked;
	alignas(VFC_CACHELINE) struct vfc_shm_counters counters;
};

/* ---- mailbox messages (VF -> PF, as over an SR-IOV mailbox), validated by the PF ---- */

enum vfc_mbox_type {
	VFC_MBOX_KEY_IMPORT = 1,     /* key_import -> handle */
	VFC_MBOX_KEY_FREE = 2,       /* handle -> - */
	VFC_MBOX_SESSION_CREATE = 3, /* session_create -> handle */
	VFC_MBOX_SESSION_FREE = 4,   /* handle -> - */
	VFC_MBOX_SET_MODERATION = 5, /* moderation -> moderation (as applied, clamped to policy) */
	VFC_MBOX_RESET = 6,          /* - -> - : clear rings, state READY (sessions and keys kept) */
	VFC_MBOX_GET_COUNTERS = 7,   /* - -> counters */
	VFC_MBOX__MAX
};

enum vfc_key_kind {
	VFC_KEY_AES128 = 1,      /* 16 raw bytes */
	VFC_KEY_RSA_PRIV_PEM = 2, /* PEM private key (PKCS#1 or PKCS#8), 2048/3072/4096 bits */
	VFC_KEY_RSA_PUB_PEM = 3,  /* PEM public key (SubjectPublicKeyInfo or PKCS#1) */
};

struct vfc_moderation {
	uint32_t cap_hz;     /* at most this many interrupts per second; 0 = no cap */
	uint32_t count;      /* fire once this many completions are pending; 0 or 1 = every completion */
	uint64_t timeout_ns; /* ... or once the oldest pending completion is this old; 0 = no timeout.
				With count > 1, a completion waits at most timeout_ns (or, if 0, 1/cap
				or 100 us when uncapped) before it is signalled: never forever. */
};

struct vfc_counters {
	uint64_t ops, bytes, irqs, errors, resets, dev_ns;
	uint32_t cap_hz, state;
};

struct vfc_mbox_req {
	uint32_t version; /* VFC_ABI_VERSION */
	uint32_t type;    /* enum vfc_mbox_type */
	uint32_t data_len; /* bytes of data[] that follow this struct (KEY_IMPORT only) */
	uint32_t rsvd;
	union {
		struct {
			uint32_t kind; /* enum vfc_key_kind */
			uint32_t rsvd;
		} key_import;
		struct {
			uint32_t alg; /* enum vfc_alg */
			uint32_t key; /* key handle; 0 for SHA256 */
		} session_create;
		uint32_t handle; /* KEY_FREE, SESSION_FREE */
		struct vfc_moderation moderation;
	} u;
	uint8_t data[]; /* data_len bytes */
};

struct vfc_mbox_resp {
	uint32_t version;
	uint32_t type;
	int32_t status; /* 0 or a negative errno */
	uint32_t rsvd;
	union {
		uint32_t handle; /* KEY_IMPORT, SESSION_CREATE: nonzero */
		struct vfc_moderation moderation;
		struct vfc_counters counters;
	} u;
};

#endif
