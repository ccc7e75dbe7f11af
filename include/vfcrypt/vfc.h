/* SPDX-License-Identifier: MIT */
/* vfc.h - the VF driver API: open a VF, sessions, zero-copy buffers, burst submit, completion, sync helpers. */
#ifndef VFCRYPT_VFC_H
#define VFCRYPT_VFC_H

#include <stddef.h>
#include <stdint.h>

#include "vfcrypt/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Conventions: calls return 0 (or a count) or a negative errno; constructors
 * return NULL and set errno. One VF handle is used by one thread at a time
 * for submit/poll/wait (like a hardware queue pair); different VFs may be
 * used from different threads at once.
 */

struct vfc_vf;
struct vfc_session;

enum vfc_irq_mode {
	VFC_IRQ_INTERRUPT = 0, /* block on the interrupt eventfd */
	VFC_IRQ_POLL = 1,      /* spin on the response ring; interrupts masked */
	VFC_IRQ_HYBRID = 2,    /* spin up to spin_us, then unmask and block */
};

/* How the device's engines compute (the embedded device's creator chooses;
 * the daemon's configuration chooses for its device). */
enum vfc_engine_kind {
	VFC_ENGINE_OPENSSL = 0, /* one request at a time with OpenSSL: the reference */
	VFC_ENGINE_MB = 1,      /* independent requests in the lanes of intel-ipsec-mb (x86-64, when built in) */
	VFC_ENGINE_AUTO = 2,    /* mb where built in and the CPU has the instructions, else openssl */
};

struct vfc_vf_opts {
	/* Embedded device: created by the first open in a process, shared by
	 * later opens (which must not ask for different sizes); freed by the
	 * last close. */
	unsigned n_vfs;        /* default 4 */
	unsigned n_engines;    /* default 1 */
	unsigned ring_entries; /* default 256 */
	uint64_t pool_size;    /* default 16 MiB */
	unsigned engine_spin_us; /* idle engines poll this long before sleeping, default 100 (the creator's counts) */
	enum vfc_engine_kind engine_kind; /* default VFC_ENGINE_OPENSSL (the creator's counts) */
	unsigned mb_budget_us;   /* mb: longest wait of a job for its lanes to fill, 0 = default (50), max 10000 */
	/* This VF. */
	enum vfc_irq_mode irq_mode; /* default VFC_IRQ_INTERRUPT */
	unsigned spin_us;           /* hybrid spin budget, default 50 */
	int vf_id;                  /* -1 (default): any free VF */
};

void vfc_vf_opts_init(struct vfc_vf_opts *o);

/* device: NULL, "" or "embedded" for the in-process device; "unix:PATH" for
 * a vfcd daemon listening at PATH. NULL + errno: EPROTONOSUPPORT for another
 * scheme, EBUSY when no VF is free, EACCES when the daemon's policy refuses,
 * ENOENT / ECONNREFUSED when no daemon listens. */
struct vfc_vf *vfc_vf_open(const char *device, const struct vfc_vf_opts *opts);
/* Waits (up to 5 s) for requests in flight, frees sessions and keys, releases
 * the VF. Accepts NULL. */
void vfc_vf_close(struct vfc_vf *vf);
unsigned vfc_vf_id(const struct vfc_vf *vf);

int vfc_vf_set_irq_mode(struct vfc_vf *vf, enum vfc_irq_mode mode, unsigned spin_us);
/* Ask the PF for an interrupt cap; *applied (may be NULL) gets what the PF
 * set after clamping to its policy. */
int vfc_vf_set_cap(struct vfc_vf *vf, uint32_t cap_hz, uint32_t *applied);
int vfc_vf_set_moderation(struct vfc_vf *vf, const struct vfc_moderation *want,
			  struct vfc_moderation *applied);

struct vfc_vf_stats {
	uint64_t ops, bytes, irqs, errors, resets; /* from the device */
	uint64_t completions;    /* completions delivered to callbacks by this driver */
	uint64_t wakeups;        /* times a waiter woke from the interrupt eventfd */
	uint64_t tenant_cpu_ns;  /* CPU time of this process not spent in embedded-device engines */
	uint64_t now_ns;         /* CLOCK_MONOTONIC when the snapshot was taken */
	uint32_t cap_hz;         /* cap in force */
	uint32_t in_flight;      /* requests (ring slots) submitted, not yet completed */
	uint32_t state;          /* enum vfc_vf_state */
};
int vfc_vf_stats(struct vfc_vf *vf, struct vfc_vf_stats *out);

/* After the device failed the VF (corrupted rings): every request in flight
 * has been completed with -EIO by vfc_poll/vfc_wait; this asks the PF to reset
 * the rings. Sessions and keys survive. */
int vfc_vf_reset(struct vfc_vf *vf);

/* ---- speed monitor and interrupt-rate control (the paper's module) ---- */

#define VFC_TICK_MS_DEFAULT 1000 /* the paper's one-second tick */
#define VFC_TICK_MS_MIN 10
#define VFC_TICK_MS_MAX 60000

/* One tick of the speed monitor, as handed to a tick callback. */
struct vfc_tick {
	uint64_t t_ns, dt_ns;     /* end of the tick (CLOCK_MONOTONIC) and its length */
	double mbps;              /* payload speed, 10^6 B/s */
	double ops_per_s, irq_hz;
	double cpu_frac;          /* tenant CPU time / wall time */
	double mean_req_bytes;
	uint32_t depth;           /* deepest queue seen during the tick */
	uint32_t cap_hz;          /* cap in force during the tick (0 = none) */
	uint32_t next_cap_hz;     /* cap in force from now on, as the PF applied it */
	const char *controller_state;    /* the controller's state word ("settled", "done", ...) */
};
typedef void (*vfc_tick_cb)(void *user, const struct vfc_tick *t);

/* Choose the VF's controller: "none", "static:HZ", "paper[:i0=HZ]",
 * "dim[:key=value,...]", "adaptive[:key=value,...]" (see vfc_controller_help_text()),
 * ticking every tick_ms (0: VFC_TICK_MS_DEFAULT). The monitor runs in the
 * thread that polls or waits on the VF: no extra thread; a blocked waiter
 * still ticks on time. -EINVAL with a message in err for a bad spec. The
 * controller's opening cap is applied at once. */
int vfc_vf_set_controller(struct vfc_vf *vf, const char *spec, unsigned tick_ms, char *err, size_t errlen);
/* Call cb after every tick (NULL: stop). Ticks at the default rate if no controller is set. */
void vfc_vf_set_tick_cb(struct vfc_vf *vf, vfc_tick_cb cb, void *user);
/* Drop the monitor's unfinished tick and start a fresh one now, keeping the
 * controller, its state and the cap. For a tenant resuming traffic after a
 * pause: the idle interval says nothing of the cap and would read as a
 * collapse of speed. No-op when nothing ticks. */
void vfc_vf_restart_tick(struct vfc_vf *vf);
/* Every controller and its parameters, for --help. */
const char *vfc_controller_help_text(void);
/* Check a controller spec without a VF: 0, or -EINVAL with a message naming
 * the bad part in err (if errlen > 0). The spec a VF would accept. */
int vfc_controller_spec_check(const char *spec, char *err, size_t errlen);
/* The largest interrupt cap (Hz) any controller or vfc_vf_set_cap accepts. */
#define VFC_CAP_MAX_HZ 100000000u

/* Partitioning (the paper's section 3.2): split every CIPHER_* or HASH request
 * larger than b0_bytes into ceil(B / B0) balanced pieces, submitted together
 * (CBC chained in the device with VFC_REQ_F_CHAIN, SHA-256 state carried in
 * the session); the op still completes once, with the result of the unsplit
 * request. 0 turns it off (the default). Each piece takes a ring slot: the
 * stats' in_flight counts pieces. -EINVAL for 0 < b0_bytes < 16. */
int vfc_vf_set_partition(struct vfc_vf *vf, uint32_t b0_bytes);

/* ---- keys and sessions (control path) ---- */

/* Import a key into the device; *handle names it from now on. */
int vfc_key_import(struct vfc_vf *vf, enum vfc_key_kind kind, const void *data, size_t len,
		   uint32_t *handle);
/* Wipe and free a key (sessions using it must be freed first: -EBUSY). */
int vfc_key_free(struct vfc_vf *vf, uint32_t handle);

struct vfc_session *vfc_session_create(struct vfc_vf *vf, enum vfc_alg alg, uint32_t key);
void vfc_session_free(struct vfc_session *s); /* accepts NULL */
enum vfc_alg vfc_session_alg(const struct vfc_session *s);

/* ---- zero-copy buffers from the VF's pool ---- */

void *vfc_buf_alloc(struct vfc_vf *vf, size_t len); /* NULL + errno ENOMEM / EINVAL */
void vfc_buf_free(struct vfc_vf *vf, void *buf);    /* accepts NULL */

/* ---- asynchronous data path ---- */

struct vfc_op;
typedef void (*vfc_done_cb)(struct vfc_op *op, int status, uint32_t out_len);

/* A request. The caller owns it and keeps it alive until its callback ran.
 * src/dst/aux must lie in buffers from vfc_buf_alloc; anything else completes
 * with -EINVAL (every accepted op gets exactly one callback). */
struct vfc_op {
	struct vfc_session *sess;
	uint16_t opcode; /* enum vfc_opcode */
	uint16_t flags;  /* VFC_REQ_F_* */
	const void *src;
	uint32_t src_len;
	void *dst;
	uint32_t dst_len;
	const void *aux;
	uint32_t aux_len;
	uint8_t iv[VFC_AES_BLOCK];
	vfc_done_cb cb;
	void *user;
	/* filled on completion, before cb runs */
	int status;
	uint32_t out_len;
	uint64_t submit_ns, complete_ns; /* CLOCK_MONOTONIC */
};

/* Submit up to n ops. Returns how many were taken (0..n, the first ones), or a
 * negative errno if none could be (-EIO: VF failed, reset it). Taking fewer
 * than n means the ring is full: poll or wait, then submit the rest. */
int vfc_submit_burst(struct vfc_vf *vf, struct vfc_op *const *ops, unsigned n);
/* Deliver up to max completions (0 = all available) without blocking; returns
 * how many callbacks ran. */
int vfc_poll(struct vfc_vf *vf, unsigned max);
/* Deliver completions until at least min have been delivered by this call or
 * nothing is in flight, waiting by the VF's irq mode; timeout_ns < 0: no
 * limit. Returns the number delivered, or -ETIMEDOUT if the timeout passed
 * before min were delivered (those delivered stay delivered). */
int vfc_wait(struct vfc_vf *vf, unsigned min, int64_t timeout_ns);

/* ---- completion events, for event loops (epoll, OpenSSL ASYNC wait contexts) ---- */

/* An fd that becomes readable when the device signals completions of this VF
 * (its interrupt: in VFC_IRQ_INTERRUPT mode; POLL and HYBRID mask the device's
 * signals outside vfc_wait) or when vfc_vf_event_raise is called. Owned by the
 * VF, valid until vfc_vf_close: poll it (or a dup of it), never read or close
 * it. The event is level: it stays readable until consumed by
 * vfc_vf_event_ack or by a vfc_wait that blocked. To take completions without
 * losing one: ack, then vfc_poll(vf, 0); a completion published after the ack
 * makes it readable again (under the VF's interrupt cap, at most cap times a
 * second). Ack and raise are data-path calls: one thread at a time, like
 * vfc_poll; polling the fd is safe from any thread. */
int vfc_vf_event_fd(const struct vfc_vf *vf);
/* Consume the event without blocking: 1 if it was readable, 0 if not. */
int vfc_vf_event_ack(struct vfc_vf *vf);
/* Make the event readable now: for a waiter that delivered completions
 * belonging to others, who wait on the fd. 0 or a negative errno. */
int vfc_vf_event_raise(struct vfc_vf *vf);

/* ---- synchronous helpers: copy in and out through pool buffers, any size ---- */

/* AES-128-CBC over len bytes (a multiple of 16), no padding; iv is the first
 * IV; if iv_out is not NULL it gets the IV to chain the next call with. */
int vfc_cipher(struct vfc_session *s, int encrypt, const uint8_t iv[VFC_AES_BLOCK], const void *in,
	       size_t len, void *out, uint8_t iv_out[VFC_AES_BLOCK]);

/* Streaming AES-128-CBC with optional PKCS#7 padding (done in the driver),
 * like EVP_CipherUpdate/Final: update may write up to len + 16 bytes; final
 * writes up to 16 (encrypt) and checks the padding (decrypt: -EBADMSG on bad
 * padding, -EINVAL on a length that is not a multiple of 16). */
struct vfc_cipher_stream {
	struct vfc_session *s;
	int encrypt, pad;
	uint8_t iv[VFC_AES_BLOCK];
	uint8_t held[2 * VFC_AES_BLOCK];
	size_t n_held;
};
int vfc_cipher_stream_init(struct vfc_cipher_stream *st, struct vfc_session *s, int encrypt, int pad,
			   const uint8_t iv[VFC_AES_BLOCK]);
int vfc_cipher_stream_update(struct vfc_cipher_stream *st, const void *in, size_t len, void *out,
			     size_t *out_len);
int vfc_cipher_stream_final(struct vfc_cipher_stream *st, void *out, size_t *out_len);

/* SHA-256 of a whole message. */
int vfc_digest(struct vfc_session *s, const void *in, size_t len, uint8_t out[VFC_SHA256_LEN]);
/* Multi-part: state carried in the device session between requests. */
int vfc_digest_init(struct vfc_session *s);
int vfc_digest_update(struct vfc_session *s, const void *in, size_t len);
int vfc_digest_final(struct vfc_session *s, uint8_t out[VFC_SHA256_LEN]);

/* RSA (sessions of the RSA algorithms). *sig_len / *out_len: capacity in, bytes out. */
int vfc_sign(struct vfc_session *s, const void *msg, size_t len, void *sig, size_t *sig_len);
/* 0 = good signature, -EBADMSG = verification failure, other negative: error. */
int vfc_verify(struct vfc_session *s, const void *msg, size_t len, const void *sig, size_t sig_len);
int vfc_pke_encrypt(struct vfc_session *s, const void *in, size_t len, void *out, size_t *out_len);
int vfc_pke_decrypt(struct vfc_session *s, const void *in, size_t len, void *out, size_t *out_len);

/* Words for a status: strerror for errno values, with the device's meanings
 * (-EBADMSG: "verification failure or bad padding", -EIO: "VF failed"). */
const char *vfc_strerror(int status);

#ifdef __cplusplus
}
#endif
#endif
