/* SPDX-License-Identifier: MIT */
/* vfc_bench.c - `vfc bench`: cryptodev/openssl-speed style throughput of VFs under a controller, beside raw OpenSSL. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "os/clock.h"
#include "cmds.h"
#include "core/controller/controller.h"
#include "util.h"
#include "vfcrypt/vfc.h"

#define BENCH_MAX_LIST 64
#define BENCH_MAX_DEPTH 1024
#define BENCH_MAX_TASKS 64
#define BENCH_MAX_OPS 4096 /* depth x tasks per VF */
#define BENCH_MAX_STEP_TICKS 65536 /* --steps: ticks kept per step */
#define BENCH_LAT_SAMPLES 65536
#define BENCH_SIG_MAX 512

enum bench_kind { K_AES_ENC, K_AES_DEC, K_SHA256, K_RSA_SIGN, K_RSA_VERIFY };

struct bench_algo {
	const char *name;
	enum bench_kind kind;
	unsigned rsa_bits;
	const char *verb;
};

static const struct bench_algo algos[] = {
	{ "aes-128-cbc", K_AES_ENC, 0, "Encrypting" },
	{ "aes-128-cbc-dec", K_AES_DEC, 0, "Decrypting" },
	{ "sha256", K_SHA256, 0, "Hashing" },
	{ "rsa2048-sign", K_RSA_SIGN, 2048, "Signing (rsa2048)" },
	{ "rsa2048-verify", K_RSA_VERIFY, 2048, "Verifying (rsa2048)" },
	{ "rsa3072-sign", K_RSA_SIGN, 3072, "Signing (rsa3072)" },
	{ "rsa3072-verify", K_RSA_VERIFY, 3072, "Verifying (rsa3072)" },
	{ "rsa4096-sign", K_RSA_SIGN, 4096, "Signing (rsa4096)" },
	{ "rsa4096-verify", K_RSA_VERIFY, 4096, "Verifying (rsa4096)" },
};
#define N_ALGOS (sizeof(algos) / sizeof(algos[0]))

static const uint8_t bench_key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				       0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };

/* The oracle's sweep: static caps from 1 kHz to 200 kHz, and no cap (0). */
static const unsigned league_caps[] = { 1000, 2000, 3000, 5000, 7000, 10000, 15000, 20000,
					30000, 50000, 70000, 100000, 150000, 200000, 0 };
static const char *const league_ctls[] = { "none", "paper", "dim", "adaptive" };
#define N_LCAPS (sizeof(league_caps) / sizeof(league_caps[0]))
#define N_LCTLS (sizeof(league_ctls) / sizeof(league_ctls[0]))
#define LEAGUE_MAX_POINTS (N_LCAPS + BENCH_MAX_LIST)
#define LEAGUE_LEAD_NS 20000000ull /* a slot's first 20 ms refill the queue: not measured */
#define LEAGUE_RACE_AFTER 3 /* rounds before static points can drop out of the race */
#define LEAGUE_RACE_KEEP 0.8 /* a static point below 0.8 x the best static so far drops out */

/* The league's default cells: {aes-128-cbc, sha256} x {1, 4, 16, 64 KiB} x depth {4, 32}. */
static const unsigned league_algos[] = { 0, 2 };
static const uint32_t league_sizes[] = { 1024, 4096, 16384, 65536 };
static const unsigned league_depths[] = { 4, 32 };

struct bench_cfg {
	unsigned algo[BENCH_MAX_LIST], n_algos;
	uint32_t sizes[BENCH_MAX_LIST];
	unsigned n_sizes;
	int sizes_set, algos_set, depth_set, caps_set;
	char *ctls[BENCH_MAX_LIST]; /* one column per controller spec */
	unsigned n_ctls;
	unsigned tick_ms;
	unsigned depth, tasks, vfs;
	double seconds, warmup;
	unsigned repeat;
	int raw, json, league, quiet;
	const char *csv, *timeline;
	/* --steps: workloads run one after the other on one VF, its controller kept */
	uint32_t step_size[BENCH_MAX_LIST];
	unsigned step_depth[BENCH_MAX_LIST], n_steps;
};

/* One measured point (medians over repetitions where repeated). */
struct bench_point {
	unsigned algo;
	uint32_t size;
	unsigned depth;  /* requests in flight per task */
	double warmup;   /* seconds before measuring; 0: --warmup */
	double secs;     /* the measuring window as it was */
	const char *ctl; /* "raw" for raw OpenSSL */
	double mbps, ops_per_s, irq_hz, cpu_pct, lat_p50_us, lat_p99_us, spread_pct;
	double task_mbps_min, task_mbps_max; /* per task, tasks > 1 */
	uint32_t cap_hz;
	double ratio_raw; /* 0: no raw baseline */
	double ratio_oracle;    /* league only: speed / the oracle's (the best static's mean) */
	double ratio_oracle_cv; /* league only: speed / the cross-validated oracle's (league_oracle_cv) */
	double ratio_ci_lo, ratio_ci_hi; /* league only: 90% interval of ratio_oracle (league_ratio_ci) */
	int raw;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- RSA keys: made once per run, in the device as PEM, in-process as EVP_PKEY ---- */

struct bench_rsa {
	unsigned bits;
	EVP_PKEY *pkey;
	char *pem;
	size_t pem_len;
};

static struct bench_rsa rsa_keys[3];

static struct bench_rsa *bench_rsa_get(unsigned bits, int quiet)
{
	struct bench_rsa *k = &rsa_keys[bits == 2048 ? 0 : bits == 3072 ? 1 : 2];
	BIO *bio;
	char *p;
	long n;

	if (k->pkey)
		return k;
	if (!quiet)
		fprintf(stderr, "vfc bench: generating an RSA-%u key...\n", bits);
	k->pkey = EVP_RSA_gen(bits);
	bio = BIO_new(BIO_s_mem());
	if (!k->pkey || !bio || !PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		return NULL;
	}
	n = BIO_get_mem_data(bio, &p);
	k->pem = malloc((size_t)n);
	if (k->pem) {
		memcpy(k->pem, p, (size_t)n);
		k->pem_len = (size_t)n;
	}
	BIO_free(bio);
	k->bits = bits;
	return k->pem ? k : NULL;
}

static void bench_rsa_free_all(void)
{
	for (unsigned i = 0; i < 3; i++) {
		EVP_PKEY_free(rsa_keys[i].pkey);
		free(rsa_keys[i].pem);
		memset(&rsa_keys[i], 0, sizeof(rsa_keys[i]));
	}
}

/* SHA-256 + PKCS#1 v1.5 signature of msg, in-process (verify points need one). */
static int rsa_sign_raw(EVP_PKEY *pkey, const void *msg, size_t len, uint8_t *sig, size_t *sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		 EVP_DigestSign(c, sig, sig_len, msg, len) == 1;

	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

static int rsa_verify_raw(EVP_PKEY *pkey, const void *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		 EVP_DigestVerify(c, sig, sig_len, msg, len) == 1;

	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

/* ---- a tenant: one thread, one VF, `tasks` streams of `depth` requests ---- */

struct bench_worker {
	unsigned id;
	const struct bench_cfg *cfg;
	struct vfc_vf *vf;
	/* per point */
	unsigned algo;
	uint32_t size;
	const char *ctl;
	struct vfc_session *sess;
	uint32_t key;
	struct vfc_op ops[BENCH_MAX_OPS];
	void *bufs[BENCH_MAX_OPS];
	struct vfc_op *done[BENCH_MAX_OPS];
	unsigned n_ops, n_done;
	int first_error;
	int measuring;
	uint64_t *lat, n_lat;
	uint64_t task_bytes[BENCH_MAX_TASKS];
	uint64_t t_warm_end, t_end; /* absolute CLOCK_MONOTONIC */
	struct vfc_vf_stats s0, s1;
	int rc;
	const char *what;
	FILE *timeline;
	pthread_mutex_t *timeline_lock;
	struct vfc_tick *ticks; /* --steps: the ticks of the current step (NULL: not kept) */
	unsigned n_ticks;
	pthread_t thread;
};

static void worker_done_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct bench_worker *w = op->user;

	(void)out_len;
	if (status != 0 && w->first_error == 0)
		w->first_error = status;
	if (w->measuring) {
		w->lat[w->n_lat++ % BENCH_LAT_SAMPLES] = op->complete_ns - op->submit_ns;
		if (status == 0)
			w->task_bytes[(size_t)(op - w->ops) / w->cfg->depth] += op->src_len;
	}
	w->done[w->n_done++] = op;
}

static void worker_tick_cb(void *user, const struct vfc_tick *t)
{
	struct bench_worker *w = user;

	if (w->ticks && w->n_ticks < BENCH_MAX_STEP_TICKS)
		w->ticks[w->n_ticks++] = *t;
	if (!w->timeline)
		return;
	pthread_mutex_lock(w->timeline_lock);
	fprintf(w->timeline, "%.3f,%u,%s,%u,%s,%u,%u,%.2f,%.0f,%.0f,%u,%s\n", (double)t->t_ns / 1e9, w->id,
		algos[w->algo].name, w->size, w->ctl, t->cap_hz, t->next_cap_hz, t->mbps, t->irq_hz,
		t->ops_per_s, t->depth, t->controller_state ? t->controller_state : "");
	pthread_mutex_unlock(w->timeline_lock);
}

static void worker_release_point(struct bench_worker *w)
{
	for (unsigned i = 0; i < BENCH_MAX_OPS; i++) {
		vfc_buf_free(w->vf, w->bufs[i]);
		w->bufs[i] = NULL;
	}
	vfc_session_free(w->sess);
	w->sess = NULL;
	if (w->key)
		vfc_key_free(w->vf, w->key);
	w->key = 0;
}

/* Keys, session, buffers and ops for one point. */
static int worker_setup_point(struct bench_worker *w)
{
	const struct bench_algo *a = &algos[w->algo];
	const struct bench_cfg *cfg = w->cfg;
	uint8_t sig[BENCH_SIG_MAX];
	size_t sig_len = sizeof(sig);
	struct bench_rsa *rk = NULL;
	int rc;

	w->what = "vfc_key_import";
	if (a->kind == K_AES_ENC || a->kind == K_AES_DEC) {
		rc = vfc_key_import(w->vf, VFC_KEY_AES128, bench_key, sizeof(bench_key), &w->key);
		if (rc < 0)
			return rc;
		w->sess = vfc_session_create(w->vf, VFC_ALG_AES128_CBC, w->key);
	} else if (a->kind == K_SHA256) {
		w->sess = vfc_session_create(w->vf, VFC_ALG_SHA256, 0);
	} else {
		rk = bench_rsa_get(a->rsa_bits, 1);
		if (!rk)
			return -ENOMEM;
		rc = vfc_key_import(w->vf, VFC_KEY_RSA_PRIV_PEM, rk->pem, rk->pem_len, &w->key);
		if (rc < 0)
			return rc;
		w->sess = vfc_session_create(w->vf, VFC_ALG_RSA_PKCS1_SHA256, w->key);
	}
	w->what = "vfc_session_create";
	if (!w->sess)
		return -errno;

	w->n_ops = cfg->depth * cfg->tasks;
	w->what = "vfc_buf_alloc";
	for (unsigned i = 0; i < w->n_ops; i++) {
		struct vfc_op *op = &w->ops[i];
		uint32_t extra = a->kind == K_SHA256 ? VFC_SHA256_LEN : rk ? BENCH_SIG_MAX : 0;
		uint8_t *b = vfc_buf_alloc(w->vf, (size_t)w->size + extra);

		if (!b)
			return -errno;
		w->bufs[i] = b;
		memset(b, (int)(i * 7 + 1), w->size);
		memset(op, 0, sizeof(*op));
		op->sess = w->sess;
		op->src = b;
		op->src_len = w->size;
		op->cb = worker_done_cb;
		op->user = w;
		switch (a->kind) {
		case K_AES_ENC:
		case K_AES_DEC:
			op->opcode = a->kind == K_AES_ENC ? VFC_OP_CIPHER_ENC : VFC_OP_CIPHER_DEC;
			op->dst = b; /* in place: zero-copy, one buffer per request */
			op->dst_len = w->size;
			break;
		case K_SHA256:
			op->opcode = VFC_OP_HASH;
			op->flags = VFC_REQ_F_ALL;
			op->dst = b + w->size;
			op->dst_len = VFC_SHA256_LEN;
			break;
		case K_RSA_SIGN:
			op->opcode = VFC_OP_SIGN;
			op->dst = b + w->size;
			op->dst_len = BENCH_SIG_MAX;
			break;
		case K_RSA_VERIFY:
			/* Every verify request checks the same message and signature. */
			memset(b, 1, w->size);
			w->what = "signing the verify message";
			if (i == 0 && rsa_sign_raw(rk->pkey, b, w->size, sig, &sig_len) < 0)
				return -EIO;
			memcpy(b + w->size, sig, sig_len);
			op->opcode = VFC_OP_VERIFY;
			op->aux = b + w->size;
			op->aux_len = (uint32_t)sig_len;
			break;
		}
		w->done[i] = op;
	}
	w->n_done = w->n_ops;
	return 0;
}

static int submit_all(struct vfc_vf *vf, struct vfc_op **ops, unsigned n)
{
	unsigned sent = 0;

	while (sent < n) {
		int rc = vfc_submit_burst(vf, ops + sent, n - sent);

		if (rc < 0)
			return rc;
		sent += (unsigned)rc;
		if (sent < n) {
			rc = vfc_wait(vf, 1, 1000000000ll);
			if (rc < 0 && rc != -ETIMEDOUT)
				return rc;
		}
	}
	return 0;
}

/* Keys, session, buffers, tick callback and controller: a tenant ready to run. */
static int worker_begin(struct bench_worker *w)
{
	char err[256];
	int rc;

	w->first_error = 0;
	w->n_lat = 0;
	w->measuring = 0;
	memset(w->task_bytes, 0, sizeof(w->task_bytes));
	rc = worker_setup_point(w);
	if (rc < 0)
		return rc;
	w->what = "vfc_vf_set_controller";
	vfc_vf_set_tick_cb(w->vf, w->timeline || w->ticks ? worker_tick_cb : NULL, w);
	return vfc_vf_set_controller(w->vf, w->ctl, w->cfg->tick_ms, err, sizeof(err));
}

/* Keep the queues full until t_end, measuring (s0 .. s1) from the first
 * wake-up after t_warm_end. Returns 1 if it measured a window, 0 if not (a
 * wait outlasted it, or t_warm_end == t_end: a warm-up), or a negative errno. */
static int worker_window(struct bench_worker *w, uint64_t t_warm_end, uint64_t t_end)
{
	int rc, measured;

	w->measuring = 0;
	for (;;) {
		unsigned n = w->n_done;
		uint64_t t, edge;

		w->n_done = 0;
		w->what = "vfc_submit_burst";
		rc = submit_all(w->vf, w->done, n);
		if (rc < 0)
			return rc;
		/* Wake at the window's edges at the latest, so that it starts and ends on time
		 * however long a wait for one completion takes (a low cap, a busy machine). */
		t = vfc_now_ns();
		edge = w->measuring || t >= t_warm_end ? t_end : t_warm_end;
		w->what = "vfc_wait";
		rc = vfc_wait(w->vf, 1, edge <= t ? 0 : edge - t < 1000000000ull ? (int64_t)(edge - t) : 1000000000ll);
		if (rc < 0 && rc != -ETIMEDOUT)
			return rc;
		t = vfc_now_ns();
		if (!w->measuring && t >= t_warm_end && t < t_end) {
			vfc_vf_stats(w->vf, &w->s0);
			w->measuring = 1;
		} else if (t >= t_end) {
			break;
		}
	}
	vfc_vf_stats(w->vf, &w->s1);
	measured = w->measuring;
	if (!measured)
		w->s0 = w->s1; /* an empty window */
	w->measuring = 0;
	return measured;
}

/* Wait for what is still in flight, so that the next window or point starts clean. */
static void worker_drain(struct bench_worker *w)
{
	for (int k = 0; k < 100; k++) {
		struct vfc_vf_stats s;

		vfc_vf_stats(w->vf, &s);
		if (!s.in_flight || vfc_wait(w->vf, s.in_flight, 100000000ll) < 0)
			break;
	}
}

static void worker_end(struct bench_worker *w)
{
	worker_drain(w);
	vfc_vf_set_tick_cb(w->vf, NULL, NULL);
	vfc_vf_set_controller(w->vf, "none", 0, NULL, 0);
	worker_release_point(w);
}

/* A worker's failure, named (0 if none). */
static int worker_check(const struct bench_worker *w)
{
	if (w->rc < 0) {
		fprintf(stderr, "vfc bench: VF %u: %s: %s\n", vfc_vf_id(w->vf), w->what, vfc_strerror(w->rc));
		return w->rc;
	}
	if (w->first_error) {
		fprintf(stderr, "vfc bench: VF %u: a request failed: %s\n", vfc_vf_id(w->vf),
			vfc_strerror(w->first_error));
		return w->first_error;
	}
	return 0;
}

static void *worker_run(void *arg)
{
	struct bench_worker *w = arg;
	int rc = worker_begin(w);

	if (rc == 0)
		rc = worker_window(w, w->t_warm_end, w->t_end);
	worker_end(w);
	w->rc = rc < 0 ? rc : 0;
	return NULL;
}

/* Median and 99th percentile of n latency samples (sorted in place), in us. */
static void lat_percentiles(uint64_t *lat, uint64_t n, struct bench_point *p)
{
	qsort(lat, n, sizeof(uint64_t), cmp_u64);
	p->lat_p50_us = n ? (double)lat[n / 2] / 1e3 : 0;
	p->lat_p99_us = n ? (double)lat[n * 99 / 100] / 1e3 : 0;
}

/* A point's rates from its totals over secs seconds of measuring (one task: its speed is the point's). */
static void point_rates(struct bench_point *p, uint64_t bytes, uint64_t ops, uint64_t irqs, uint64_t cpu_ns,
			double secs)
{
	p->secs = secs;
	p->mbps = (double)bytes / secs / 1e6;
	p->ops_per_s = (double)ops / secs;
	p->irq_hz = (double)irqs / secs;
	p->cpu_pct = 100.0 * (double)cpu_ns / (secs * 1e9);
	p->task_mbps_min = p->task_mbps_max = p->mbps;
}

/* Run one device point on every worker at once. */
static int bench_device_point(struct bench_worker *ws, const struct bench_cfg *cfg, unsigned algo, uint32_t size,
			      const char *ctl, struct bench_point *p)
{
	double warmup = p->warmup > 0 ? p->warmup : cfg->warmup;
	uint64_t t0 = vfc_now_ns(), bytes = 0, ops = 0, irqs = 0, n_lat = 0;
	uint64_t *lat = NULL;
	double dt = 0, tmin = HUGE_VAL, tmax = 0;

	for (unsigned v = 0; v < cfg->vfs; v++) {
		struct bench_worker *w = &ws[v];

		w->algo = algo;
		w->size = size;
		w->ctl = ctl;
		w->t_warm_end = t0 + (uint64_t)(warmup * 1e9);
		w->t_end = w->t_warm_end + (uint64_t)(cfg->seconds * 1e9);
		if (pthread_create(&w->thread, NULL, worker_run, w) != 0) {
			fprintf(stderr, "vfc bench: pthread_create: %s\n", strerror(errno));
			return -EAGAIN;
		}
	}
	for (unsigned v = 0; v < cfg->vfs; v++)
		pthread_join(ws[v].thread, NULL);

	for (unsigned v = 0; v < cfg->vfs; v++) {
		int rc = worker_check(&ws[v]);

		if (rc < 0)
			return rc;
	}
	lat = malloc(sizeof(uint64_t) * BENCH_LAT_SAMPLES * cfg->vfs);
	if (!lat)
		return -ENOMEM;
	for (unsigned v = 0; v < cfg->vfs; v++) {
		struct bench_worker *w = &ws[v];
		double wdt = (double)(w->s1.now_ns - w->s0.now_ns) / 1e9;
		uint64_t nl = w->n_lat < BENCH_LAT_SAMPLES ? w->n_lat : BENCH_LAT_SAMPLES;

		bytes += w->s1.bytes - w->s0.bytes;
		ops += w->s1.ops - w->s0.ops;
		irqs += w->s1.irqs - w->s0.irqs;
		dt = wdt > dt ? wdt : dt;
		memcpy(lat + n_lat, w->lat, nl * sizeof(uint64_t));
		n_lat += nl;
		for (unsigned t = 0; t < cfg->tasks; t++) {
			double m = (double)w->task_bytes[t] / wdt / 1e6;

			tmin = m < tmin ? m : tmin;
			tmax = m > tmax ? m : tmax;
		}
		p->cap_hz = w->s1.cap_hz;
	}
	if (dt <= 0) {
		free(lat);
		fprintf(stderr, "vfc bench: no measurement window (a wait took longer than the run)\n");
		return -ETIMEDOUT;
	}
	/* Tenant CPU is process-wide: the VFs share it, count it once. */
	point_rates(p, bytes, ops, irqs, ws[0].s1.tenant_cpu_ns - ws[0].s0.tenant_cpu_ns, dt);
	p->task_mbps_min = tmin;
	p->task_mbps_max = tmax;
	lat_percentiles(lat, n_lat, p);
	free(lat);
	return 0;
}

/* ---- raw OpenSSL, same process, no device ---- */

static int bench_raw_point(const struct bench_cfg *cfg, unsigned algo, uint32_t size, struct bench_point *p)
{
	const struct bench_algo *a = &algos[algo];
	uint8_t iv[16] = { 0 }, md[EVP_MAX_MD_SIZE], sig[BENCH_SIG_MAX];
	size_t sig_len = sizeof(sig);
	EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	struct bench_rsa *rk = NULL;
	uint8_t *buf = malloc(size ? size : 1);
	uint64_t t0, t, ops = 0;
	int outl, rc = -ENOMEM;

	if (!cctx || !mctx || !buf)
		goto out;
	memset(buf, 1, size);
	rc = -EIO;
	if (a->rsa_bits) {
		rk = bench_rsa_get(a->rsa_bits, cfg->quiet);
		if (!rk || rsa_sign_raw(rk->pkey, buf, size, sig, &sig_len) < 0)
			goto out;
	}
	if (!EVP_CipherInit_ex(cctx, EVP_aes_128_cbc(), NULL, bench_key, iv, a->kind == K_AES_ENC))
		goto out;
	EVP_CIPHER_CTX_set_padding(cctx, 0);
	t0 = vfc_now_ns();
	do {
		for (int k = 0; k < (a->rsa_bits ? 1 : 16); k++, ops++) {
			unsigned mdl;
			size_t sl = sizeof(sig);

			switch (a->kind) {
			case K_AES_ENC:
			case K_AES_DEC:
				if (!EVP_CipherInit_ex(cctx, NULL, NULL, NULL, iv, -1) ||
				    !EVP_CipherUpdate(cctx, buf, &outl, buf, (int)size))
					goto out;
				break;
			case K_SHA256:
				if (!EVP_DigestInit_ex(mctx, EVP_sha256(), NULL) || !EVP_DigestUpdate(mctx, buf, size) ||
				    !EVP_DigestFinal_ex(mctx, md, &mdl))
					goto out;
				break;
			case K_RSA_SIGN:
				if (rsa_sign_raw(rk->pkey, buf, size, sig, &sl) < 0)
					goto out;
				break;
			case K_RSA_VERIFY:
				if (rsa_verify_raw(rk->pkey, buf, size, sig, sig_len) < 0)
					goto out;
				break;
			}
		}
		t = vfc_now_ns();
	} while ((double)(t - t0) < cfg->seconds * 1e9);
	p->secs = (double)(t - t0) / 1e9;
	p->mbps = (double)ops * size / ((double)(t - t0) / 1e3);
	p->ops_per_s = (double)ops / ((double)(t - t0) / 1e9);
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "vfc bench: raw OpenSSL %s: %s\n", a->name,
			rc == -ENOMEM ? "out of memory" : "EVP call failed");
	EVP_CIPHER_CTX_free(cctx);
	EVP_MD_CTX_free(mctx);
	free(buf);
	return rc;
}

/* ---- options ---- */

static const char bench_help[] =
	"Usage: vfc bench [options]\n"
	"\n"
	"Measure the speed and the interrupt rate of the device's VFs with requests of a\n"
	"fixed size kept in flight (cryptodev's tests/speed, openssl speed), under an\n"
	"interrupt-rate controller, beside raw OpenSSL in the same process.\n"
	"\n"
	"Workload:\n"
	"  --algo LIST         comma-separated: aes-128-cbc (default), aes-128-cbc-dec, sha256,\n"
	"                      rsa2048-sign, rsa2048-verify, rsa3072-sign, rsa3072-verify,\n"
	"                      rsa4096-sign, rsa4096-verify (RSA: SHA-256 + PKCS#1 v1.5 of the\n"
	"                      request's bytes)\n"
	"  --size N, --sizes LIST\n"
	"                      request sizes in bytes (default 512,1024,...,65536; AES: multiples\n"
	"                      of 16; RSA: the bytes hashed and signed)\n"
	"  --seconds S         measuring time per point (default 3)\n"
	"  --warmup S          time before measuring, for the controller to settle (default 0.3)\n"
	"  --depth Q           requests in flight per task (default 32; 1 = synchronous)\n"
	"  --tasks N           tasks sharing one VF, like N jobs in one VM (default 1). The\n"
	"                      tasks are streams driven by the VF's one thread (the VM's vCPU)\n"
	"  --vfs N             tenants, each a thread on its own VF (default 1)\n"
	"\n"
	"Interrupt control:\n"
	"  --ctl SPEC          controller (default none); repeat --ctl to compare several:\n"
	"                      each is a column. SPEC as below\n"
	"  --tick MS           speed monitor tick (default 1000, 10..60000)\n"
	"  --cap HZ            shorthand for --ctl static:HZ (0: none)\n"
	"  --sweep-caps LIST   one static column per cap of LIST (0 = no cap)\n"
	"\n"
	"Output:\n"
	"  --raw               also run raw single-thread OpenSSL in this process; every\n"
	"                      table then shows the ratio to it\n"
	"  --repeat N          run everything N times, interleaved; report the median and\n"
	"                      the spread ((max - min) / median)\n"
	"  --csv FILE          one row per point: algo,block_bytes,depth,tasks,vfs,ctl,seconds,\n"
	"                      mbps,ops_per_s,irq_hz,cap_hz,tenant_cpu_pct,lat_p50_us,lat_p99_us,\n"
	"                      ratio_raw,spread_pct,task_mbps_min,task_mbps_max,ratio_oracle,\n"
	"                      ratio_oracle_cv,ratio_ci_lo,ratio_ci_hi\n"
	"  --timeline FILE     one row per VF per monitor tick: t_s,vf,algo,block_bytes,ctl,\n"
	"                      cap_hz,next_cap_hz,mbps,irq_hz,ops_per_s,depth,state\n"
	"  --json              print the points as one JSON object instead of the tables\n"
	"  --league            the controller league: {aes-128-cbc, sha256} x {1,4,16,64 KiB}\n"
	"                      x depth {4,32} x {none, paper, dim, adaptive}, each divided by\n"
	"                      the best static cap of a sweep of its cell (the oracle). A VF\n"
	"                      per point; a cell's points take turns in --repeat slots of\n"
	"                      --seconds / --repeat each (defaults 10 x 0.3 s), controllers\n"
	"                      keep running across them. --algo, --sizes, --depth and --ctl\n"
	"                      narrow the cells and the columns; --warmup (8) and --tick\n"
	"                      (100) apply\n"
	"  --steps LIST        workloads SIZExDEPTH,... (e.g. 16384x32,4096x4) one after the\n"
	"                      other on one VF whose controller is kept, --seconds each (no\n"
	"                      warm-up): a row per step, and from which tick its cap was\n"
	"                      fixed and how fast ticks 5-9 ran against the step's settled\n"
	"                      speed (re-convergence). One --algo, one --ctl; --tick (100)\n"
	"  -q, --quiet         no progress on stderr\n"
	"  -h, --help          this text\n"
	"\n";

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_list(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out, unsigned *n)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = 0;

	*n = 0;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (*n == BENCH_MAX_LIST || parse_u64(tok, max, &v) < 0 || v < min) {
			fprintf(stderr, "vfc bench: %s: bad value '%s' (expected %" PRIu64 "..%" PRIu64
				", at most %d values)\n", opt, tok, min, max, BENCH_MAX_LIST);
			rc = -EINVAL;
			break;
		}
		out[(*n)++] = v;
	}
	if (!rc && *n == 0) {
		fprintf(stderr, "vfc bench: %s: empty list\n", opt);
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

static int add_ctl(struct bench_cfg *cfg, const char *spec)
{
	char err[256];
	struct vfc_controller_cfg cc;

	if (vfc_controller_parse(spec, &cc, err, sizeof(err)) < 0) {
		fprintf(stderr, "vfc bench: --ctl: %s\n", err);
		return -EINVAL;
	}
	if (cfg->n_ctls == BENCH_MAX_LIST) {
		fprintf(stderr, "vfc bench: at most %d controller columns\n", BENCH_MAX_LIST);
		return -EINVAL;
	}
	cfg->ctls[cfg->n_ctls++] = strdup(spec);
	return cfg->ctls[cfg->n_ctls - 1] ? 0 : -ENOMEM;
}

static int add_caps(struct bench_cfg *cfg, const uint64_t *caps, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		char spec[32];

		snprintf(spec, sizeof(spec), caps[k] ? "static:%" PRIu64 : "none", caps[k]);
		if (add_ctl(cfg, spec) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_algos(struct bench_cfg *cfg, const char *v)
{
	char *copy = strdup(v), *save = NULL, *tok;
	int rc = 0;

	cfg->n_algos = 0;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		unsigned k;

		for (k = 0; k < N_ALGOS && strcmp(tok, algos[k].name); k++)
			;
		if (k == N_ALGOS) {
			fprintf(stderr, "vfc bench: --algo: unknown algorithm '%s' (known: aes-128-cbc, "
				"aes-128-cbc-dec, sha256, rsa{2048,3072,4096}-{sign,verify})\n", tok);
			rc = -EINVAL;
		} else if (cfg->n_algos == BENCH_MAX_LIST) {
			rc = -EINVAL;
		} else {
			cfg->algo[cfg->n_algos++] = k;
		}
	}
	if (!rc && !cfg->n_algos) {
		fprintf(stderr, "vfc bench: --algo: empty list\n");
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

static int parse_seconds(const char *opt, const char *v, double min, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || !(*out >= min && *out <= 3600)) {
		fprintf(stderr, "vfc bench: %s: expected a number of seconds from %g to 3600, got '%s'\n", opt, min, v);
		return -EINVAL;
	}
	return 0;
}

/* --steps SIZExDEPTH,...: e.g. 16384x32,4096x32,4096x4. */
static int parse_steps(struct bench_cfg *cfg, const char *v)
{
	char *copy = strdup(v), *rest = copy, *item;
	int rc = copy && *copy ? 0 : -1;

	cfg->n_steps = 0;
	while (rc == 0 && (item = strsep(&rest, ",")) != NULL) {
		char *x = strchr(item, 'x');
		uint64_t size, depth;

		if (cfg->n_steps == BENCH_MAX_LIST) {
			fprintf(stderr, "vfc bench: --steps: at most %d steps\n", BENCH_MAX_LIST);
			free(copy);
			return -1;
		}
		if (x)
			*x = '\0';
		if (!x || parse_u64(item, 1u << 24, &size) < 0 || parse_u64(x + 1, BENCH_MAX_DEPTH, &depth) < 0 ||
		    !size || !depth) {
			rc = -1;
			break;
		}
		cfg->step_size[cfg->n_steps] = (uint32_t)size;
		cfg->step_depth[cfg->n_steps++] = (unsigned)depth;
	}
	free(copy);
	if (rc < 0)
		fprintf(stderr,
			"vfc bench: --steps: expected SIZExDEPTH[,SIZExDEPTH...] (bytes 1..%u, depth 1..%d), e.g. "
			"16384x32,4096x4; got '%s'\n",
			1u << 24, BENCH_MAX_DEPTH, v);
	return rc;
}

/* Returns -1 to go on, else the exit status. */
static int parse_bench_args(int argc, char **argv, struct vfc_global_opts *g, struct bench_cfg *cfg)
{
	uint64_t tmp[BENCH_MAX_LIST], u;
	int seconds_set = 0, warmup_set = 0, tick_set = 0, repeat_set = 0;
	unsigned n;

	memset(cfg, 0, sizeof(*cfg));
	cfg->depth = 32;
	cfg->tasks = 1;
	cfg->vfs = 1;
	cfg->seconds = 3;
	cfg->warmup = 0.3;
	cfg->repeat = 1;
	cfg->algo[0] = 0;
	cfg->n_algos = 1;
	for (uint32_t s = 512; s <= 65536; s *= 2)
		cfg->sizes[cfg->n_sizes++] = s;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		char *eq = NULL;
		char opt[64];
		int grc;

		/* --vfs means tenants here (each on its own VF): not the global option. */
		if (strcmp(a, "--vfs") && strncmp(a, "--vfs=", 6)) {
			grc = vfc_global_opt("bench", argc, argv, &i, g);
			if (grc < 0)
				return VFC_EXIT_USAGE;
			if (grc > 0)
				continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(bench_help, stdout);
			fputs(vfc_global_help, stdout);
			printf("\nControllers:\n%s", vfc_controller_help_text());
			return VFC_EXIT_OK;
		}
		if (!strcmp(a, "--raw") || !strcmp(a, "--json") || !strcmp(a, "--league") || !strcmp(a, "--quiet") ||
		    !strcmp(a, "-q")) {
			int *flag = a[2] == 'r' ? &cfg->raw : a[2] == 'j' ? &cfg->json : a[2] == 'l' ? &cfg->league
											       : &cfg->quiet;
			*flag = 1;
			continue;
		}
		/* --opt=value or --opt value */
		if (!strncmp(a, "--", 2) && (eq = strchr(a, '=')) && (size_t)(eq - a) < sizeof(opt)) {
			memcpy(opt, a, (size_t)(eq - a));
			opt[eq - a] = '\0';
			a = opt;
			v = eq + 1;
		} else {
			static const char *const valued[] = { "--algo", "--size", "--sizes", "--depth", "--tasks",
							      "--vfs", "--seconds", "--warmup", "--cap",
							      "--sweep-caps", "--ctl", "--tick", "--repeat",
							      "--csv", "--timeline", "--steps" };
			size_t k;

			for (k = 0; k < sizeof(valued) / sizeof(valued[0]) && strcmp(a, valued[k]); k++)
				;
			if (k == sizeof(valued) / sizeof(valued[0]))
				return vfc_tool_unknown_opt("bench", a);
			v = vfc_tool_optval("bench", argc, argv, &i);
			if (!v)
				return VFC_EXIT_USAGE;
		}
		if (!strcmp(a, "--algo")) {
			if (parse_algos(cfg, v) < 0)
				return VFC_EXIT_USAGE;
			cfg->algos_set = 1;
		} else if (!strcmp(a, "--size") || !strcmp(a, "--sizes")) {
			if (parse_list(a, v, 1, 1u << 24, tmp, &cfg->n_sizes) < 0)
				return VFC_EXIT_USAGE;
			for (unsigned k = 0; k < cfg->n_sizes; k++)
				cfg->sizes[k] = (uint32_t)tmp[k];
			cfg->sizes_set = 1;
		} else if (!strcmp(a, "--depth") || !strcmp(a, "--tasks") || !strcmp(a, "--vfs")) {
			uint64_t max = a[2] == 'd' ? BENCH_MAX_DEPTH : a[2] == 't' ? BENCH_MAX_TASKS : VFC_MAX_VFS;

			if (parse_u64(v, max, &u) < 0 || u == 0) {
				fprintf(stderr, "vfc bench: %s: expected a whole number from 1 to %" PRIu64 ", got '%s'\n",
					a, max, v);
				return VFC_EXIT_USAGE;
			}
			*(a[2] == 'd' ? &cfg->depth : a[2] == 't' ? &cfg->tasks : &cfg->vfs) = (unsigned)u;
			cfg->depth_set |= a[2] == 'd';
		} else if (!strcmp(a, "--seconds")) {
			if (parse_seconds(a, v, 0.01, &cfg->seconds) < 0)
				return VFC_EXIT_USAGE;
			seconds_set = 1;
		} else if (!strcmp(a, "--warmup")) {
			if (parse_seconds(a, v, 0, &cfg->warmup) < 0)
				return VFC_EXIT_USAGE;
			warmup_set = 1;
		} else if (!strcmp(a, "--cap") || !strcmp(a, "--sweep-caps")) {
			if (parse_list(a, v, 0, VFC_CONTROLLER_MAX_HZ, tmp, &n) < 0)
				return VFC_EXIT_USAGE;
			if (!strcmp(a, "--cap") && n != 1) {
				fprintf(stderr, "vfc bench: --cap: one value (use --sweep-caps for several)\n");
				return VFC_EXIT_USAGE;
			}
			if (add_caps(cfg, tmp, n) < 0)
				return VFC_EXIT_USAGE;
			cfg->caps_set = 1;
		} else if (!strcmp(a, "--ctl")) {
			if (add_ctl(cfg, v) < 0)
				return VFC_EXIT_USAGE;
		} else if (!strcmp(a, "--tick")) {
			if (parse_u64(v, VFC_TICK_MS_MAX, &u) < 0 || u < VFC_TICK_MS_MIN) {
				fprintf(stderr, "vfc bench: --tick: expected %d..%d ms, got '%s'\n", VFC_TICK_MS_MIN,
					VFC_TICK_MS_MAX, v);
				return VFC_EXIT_USAGE;
			}
			cfg->tick_ms = (unsigned)u;
			tick_set = 1;
		} else if (!strcmp(a, "--repeat")) {
			if (parse_u64(v, 100, &u) < 0 || u == 0) {
				fprintf(stderr, "vfc bench: --repeat: expected 1..100, got '%s'\n", v);
				return VFC_EXIT_USAGE;
			}
			cfg->repeat = (unsigned)u;
			repeat_set = 1;
		} else if (!strcmp(a, "--csv")) {
			cfg->csv = v;
		} else if (!strcmp(a, "--timeline")) {
			cfg->timeline = v;
		} else if (!strcmp(a, "--steps")) {
			if (parse_steps(cfg, v) < 0)
				return VFC_EXIT_USAGE;
		} else {
			return vfc_tool_unknown_opt("bench", a);
		}
	}
	if (cfg->depth * cfg->tasks > BENCH_MAX_OPS) {
		fprintf(stderr, "vfc bench: --depth x --tasks = %u: at most %d requests per VF\n",
			cfg->depth * cfg->tasks, BENCH_MAX_OPS);
		return VFC_EXIT_USAGE;
	}
	if (cfg->league) {
		if (cfg->vfs > 1 || cfg->tasks > 1) {
			fprintf(stderr, "vfc bench: --league runs one tenant with one task per point: "
					"--vfs and --tasks do not apply\n");
			return VFC_EXIT_USAGE;
		}
		if (cfg->caps_set) {
			fprintf(stderr, "vfc bench: --league sweeps its own static caps (the oracle): "
					"--cap and --sweep-caps do not apply\n");
			return VFC_EXIT_USAGE;
		}
		if (cfg->n_ctls + N_LCAPS > VFC_MAX_VFS) {
			fprintf(stderr, "vfc bench: --league: at most %u controllers (a VF per point)\n",
				VFC_MAX_VFS - (unsigned)N_LCAPS);
			return VFC_EXIT_USAGE;
		}
		if (!cfg->algos_set) {
			cfg->n_algos = sizeof(league_algos) / sizeof(league_algos[0]);
			memcpy(cfg->algo, league_algos, sizeof(league_algos));
		}
		if (!cfg->sizes_set) {
			cfg->n_sizes = sizeof(league_sizes) / sizeof(league_sizes[0]);
			memcpy(cfg->sizes, league_sizes, sizeof(league_sizes));
		}
		if (cfg->n_ctls == 0) /* the default columns */
			for (unsigned k = 0; k < N_LCTLS; k++)
				if (add_ctl(cfg, league_ctls[k]) < 0)
					return VFC_EXIT_FAIL;
		if (!seconds_set)
			cfg->seconds = 3;
		if (!repeat_set)
			cfg->repeat = 10;
		if (!warmup_set)
			cfg->warmup = 8;
		if (!tick_set)
			cfg->tick_ms = 100;
	} else if (cfg->n_ctls == 0 && add_ctl(cfg, "none") < 0) {
		return VFC_EXIT_FAIL;
	}
	if (cfg->n_steps) {
		if (cfg->league || cfg->raw || cfg->sizes_set || cfg->depth_set || cfg->vfs > 1 || cfg->tasks > 1 ||
		    cfg->repeat > 1 || cfg->n_ctls != 1 || cfg->n_algos != 1) {
			fprintf(stderr, "vfc bench: --steps runs one algorithm and one controller on one VF, one task: "
					"--league, --raw, --size(s), --depth, --vfs, --tasks, --repeat and more than one "
					"--algo or --ctl do not apply\n");
			return VFC_EXIT_USAGE;
		}
		/* The buffer pool is sized from sizes x depth: the steps' sizes at their deepest queue. */
		cfg->n_sizes = cfg->n_steps;
		cfg->depth = 1;
		for (unsigned k = 0; k < cfg->n_steps; k++) {
			cfg->sizes[k] = cfg->step_size[k];
			cfg->depth = cfg->step_depth[k] > cfg->depth ? cfg->step_depth[k] : cfg->depth;
		}
		if (!tick_set)
			cfg->tick_ms = 100;
	}
	for (unsigned ai = 0; ai < cfg->n_algos; ai++)
		for (unsigned k = 0; k < cfg->n_sizes; k++)
			if (algos[cfg->algo[ai]].kind <= K_AES_DEC && cfg->sizes[k] % VFC_AES_BLOCK) {
				fprintf(stderr, "vfc bench: --size: %u is not a multiple of 16 (AES-CBC)\n",
					cfg->sizes[k]);
				return VFC_EXIT_USAGE;
			}
	return -1;
}

/* ---- output ---- */

static void print_point_line(const struct bench_point *p)
{
	const struct bench_algo *a = &algos[p->algo];

	if (a->rsa_bits)
		printf("%s %u-byte messages: done. %.0f ops in %.2f secs: %.1f ops/sec, %.2f MB/sec, ", a->verb,
		       p->size, p->ops_per_s * p->secs, p->secs, p->ops_per_s, p->mbps);
	else
		printf("%s in chunks of %u bytes: done. %.2f MB in %.2f secs: %.2f MB/sec, ", a->verb, p->size,
		       p->mbps * p->secs, p->secs, p->mbps);
	if (p->raw)
		printf("raw OpenSSL\n");
	else if (p->cap_hz)
		printf("%.0f irq/s, cap %u Hz (%s)\n", p->irq_hz, p->cap_hz, p->ctl);
	else
		printf("%.0f irq/s, no cap (%s)\n", p->irq_hz, p->ctl);
	fflush(stdout);
}

static void print_table(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n)
{
	int tasks = cfg->tasks > 1;

	printf("\n%-15s %7s %-16s %8s %10s %10s %7s %9s %8s %8s", "algo", "bytes", "ctl", "cap_hz", "MB/s",
	       "ops/s", "spread", "irq/s", "p50_us", "p99_us");
	if (tasks)
		printf(" %11s", "task_MB/s");
	printf("%s\n", cfg->raw ? "  ratio_raw" : "");
	for (size_t i = 0; i < n; i++) {
		const struct bench_point *p = &pts[i];

		printf("%-15s %7u %-16.16s %8u %10.1f %10.1f %6.1f%% %9.0f %8.1f %8.1f", algos[p->algo].name, p->size,
		       p->raw ? "raw-openssl" : p->ctl, p->cap_hz, p->mbps, p->ops_per_s, p->spread_pct, p->irq_hz,
		       p->lat_p50_us, p->lat_p99_us);
		if (tasks)
			printf(" %5.0f-%-5.0f", p->raw ? 0 : p->task_mbps_min, p->raw ? 0 : p->task_mbps_max);
		if (cfg->raw)
			printf("  %9.3f", p->ratio_raw);
		printf("\n");
	}
}

/* Write the points to the CSV output opened before the run (so that a bad path
 * fails at once, not after the measurements), and make it visible. */
static int write_csv(const struct bench_cfg *cfg, struct vfc_out *o, const struct bench_point *pts, size_t n)
{
	char line[1024];
	int rc;

	snprintf(line, sizeof(line), "algo,block_bytes,depth,tasks,vfs,ctl,seconds,mbps,ops_per_s,irq_hz,cap_hz,"
				     "tenant_cpu_pct,lat_p50_us,lat_p99_us,ratio_raw,spread_pct,task_mbps_min,"
				     "task_mbps_max,ratio_oracle,ratio_oracle_cv,ratio_ci_lo,ratio_ci_hi\n");
	rc = vfc_out_write(o, line, strlen(line));
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct bench_point *p = &pts[i];
		int len = snprintf(line, sizeof(line),
				   "%s,%u,%u,%u,%u,%s,%.2f,%.3f,%.1f,%.1f,%u,%.1f,%.1f,%.1f,%.4f,%.2f,%.3f,%.3f,%.4f,%.4f,"
				   "%.4f,%.4f\n",
				   algos[p->algo].name, p->size, p->raw ? 0 : p->depth, p->raw ? 1 : cfg->tasks,
				   p->raw ? 0 : cfg->vfs, p->raw ? "raw" : p->ctl, p->secs, p->mbps, p->ops_per_s,
				   p->irq_hz, p->cap_hz, p->cpu_pct, p->lat_p50_us, p->lat_p99_us, p->ratio_raw,
				   p->spread_pct, p->task_mbps_min, p->task_mbps_max, p->ratio_oracle,
				   p->ratio_oracle_cv, p->ratio_ci_lo, p->ratio_ci_hi);

		rc = vfc_out_write(o, line, (size_t)len);
	}
	if (rc == 0)
		rc = vfc_out_commit(o);
	else
		vfc_out_abort(o);
	if (rc < 0)
		fprintf(stderr, "vfc bench: --csv %s: %s\n", cfg->csv, strerror(-rc));
	return rc;
}

static json_t *point_json(const struct bench_cfg *cfg, const struct bench_point *p)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:f, s:f, s:f, s:f, "
			 "s:f, s:f, s:f}",
			 "algo", algos[p->algo].name, "block_bytes", (json_int_t)p->size, "depth",
			 (json_int_t)(p->raw ? 0 : p->depth), "tasks", (json_int_t)(p->raw ? 1 : cfg->tasks), "vfs",
			 (json_int_t)(p->raw ? 0 : cfg->vfs), "ctl", p->raw ? "raw" : p->ctl, "seconds", p->secs,
			 "mbps", p->mbps, "ops_per_s", p->ops_per_s, "irq_hz", p->irq_hz, "cap_hz",
			 (json_int_t)p->cap_hz, "tenant_cpu_pct", p->cpu_pct, "lat_p50_us", p->lat_p50_us,
			 "lat_p99_us", p->lat_p99_us, "ratio_raw", p->ratio_raw, "spread_pct", p->spread_pct,
			 "ratio_oracle", p->ratio_oracle, "ratio_oracle_cv", p->ratio_oracle_cv, "ratio_ci_lo",
			 p->ratio_ci_lo, "ratio_ci_hi", p->ratio_ci_hi);
}

/* ---- the runs ---- */

struct bench_ctx {
	struct bench_cfg *cfg;
	struct bench_worker *ws;
	FILE *timeline;
	pthread_mutex_t timeline_lock;
	unsigned done, total;
};

static void progress(struct bench_ctx *x, unsigned algo, uint32_t size, const char *ctl)
{
	if (x->cfg->quiet || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r\033[K[%u/%u] %s %u B %s ...", x->done + 1, x->total, algos[algo].name, size,
		ctl ? ctl : "raw OpenSSL");
	if (x->done + 1 == x->total)
		fprintf(stderr, "\r\033[K");
}

static int cmp_point_mbps(const void *a, const void *b)
{
	return cmp_double(&((const struct bench_point *)a)->mbps, &((const struct bench_point *)b)->mbps);
}

/* Run a list of points `repeat` times interleaved. Each point then reports
 * its median run whole (every field from that one run, so they agree with
 * each other) and the spread of the speed over the runs. */
static int run_points(struct bench_ctx *x, struct bench_point *pts, size_t n, int print_lines)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned R = cfg->repeat;
	struct bench_point *runs = calloc(n * R, sizeof(*runs));
	int rc = 0;

	if (!runs)
		return -ENOMEM;
	for (unsigned r = 0; r < R; r++) {
		for (size_t i = 0; i < n; i++) {
			struct bench_point *res = &runs[i * R + r];

			*res = pts[i];
			progress(x, pts[i].algo, pts[i].size, pts[i].raw ? NULL : pts[i].ctl);
			if (pts[i].raw)
				rc = bench_raw_point(cfg, pts[i].algo, pts[i].size, res);
			else
				rc = bench_device_point(x->ws, cfg, pts[i].algo, pts[i].size, pts[i].ctl, res);
			x->done++;
			if (rc < 0)
				goto out;
			if (print_lines && !cfg->json)
				print_point_line(res);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct bench_point *v = &runs[i * R];

		qsort(v, R, sizeof(*v), cmp_point_mbps);
		pts[i] = v[R / 2];
		pts[i].spread_pct = pts[i].mbps > 0 ? 100.0 * (v[R - 1].mbps - v[0].mbps) / pts[i].mbps : 0;
	}
out:
	free(runs);
	return rc;
}

/* The ordinary run: algos x sizes x (ctl columns + raw). */
static int run_grid(struct bench_ctx *x, struct bench_point **out, size_t *n_out)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned cols = cfg->n_ctls + (cfg->raw ? 1 : 0);
	size_t n = (size_t)cfg->n_algos * cfg->n_sizes * cols, i = 0;
	struct bench_point *pts = calloc(n, sizeof(*pts));
	int rc;

	if (!pts)
		return -ENOMEM;
	for (unsigned a = 0; a < cfg->n_algos; a++)
		for (unsigned s = 0; s < cfg->n_sizes; s++)
			for (unsigned c = 0; c < cols; c++, i++) {
				pts[i].algo = cfg->algo[a];
				pts[i].size = cfg->sizes[s];
				pts[i].raw = c == cfg->n_ctls;
				pts[i].depth = cfg->depth;
				pts[i].ctl = pts[i].raw ? "raw" : cfg->ctls[c];
			}
	x->total = (unsigned)n * cfg->repeat;
	rc = run_points(x, pts, n, 1);
	if (rc == 0 && cfg->raw)
		for (i = 0; i < n; i += cols)
			for (unsigned c = 0; c < cols; c++)
				pts[i + c].ratio_raw = pts[i + cols - 1].mbps > 0 ? pts[i + c].mbps / pts[i + cols - 1].mbps
										 : 0;
	*out = pts;
	*n_out = n;
	return rc;
}

/* The league's points per cell: the oracle's statics, then the controllers. */
static unsigned league_points(const struct bench_cfg *cfg)
{
	return (unsigned)N_LCAPS + cfg->n_ctls;
}

/* A deterministic shuffle of 0 .. n-1 (Fisher-Yates on xorshift64), one per seed. */
static void league_order(unsigned *order, unsigned n, uint64_t seed)
{
	uint64_t r = seed * 0x9e3779b97f4a7c15ull + 1;

	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j, t;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		j = (unsigned)(r % (i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* The oracle's speed without the winner's curse. The best of a dozen noisy means is biased up: among
 * caps of nearly equal speed, the luckiest wins, and a controller that finds the best cap exactly
 * would score below 1. So the static point with the best mean over the even rounds is measured on
 * the odd rounds, and the other way round, and the two held-out speeds averaged (two-fold cross-
 * validation). slot_mbps[k * R + j] is static point k's speed in round j (every point runs once a
 * round until it drops out, after LEAGUE_RACE_AFTER rounds at least). 0: fewer than two rounds. */
static double league_oracle_cv(const double *slot_mbps, const unsigned *slots, unsigned R, unsigned n_static)
{
	double est = 0;

	for (unsigned par = 0; par < 2; par++) {
		double best = -1, held = 0;

		for (unsigned k = 0; k < n_static; k++) {
			double sum[2] = { 0, 0 };
			unsigned cnt[2] = { 0, 0 };

			for (unsigned j = 0; j < slots[k]; j++) {
				sum[j % 2 != par] += slot_mbps[k * R + j];
				cnt[j % 2 != par]++;
			}
			if (cnt[0] && cnt[1] && sum[0] / cnt[0] > best) {
				best = sum[0] / cnt[0];
				held = sum[1] / cnt[1];
			}
		}
		if (best < 0)
			return 0;
		est += held / 2;
	}
	return est;
}

/* Student's t quantile for probability 0.95 (a two-sided 90% interval) with nu degrees of freedom,
 * by its Cornish-Fisher expansion about the normal quantile: within 1.2% of the exact value at
 * nu = 2, 0.02% from nu = 9 on. */
static double t95(double nu)
{
	const double z = 1.6448536, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;

	return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu) +
	       (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu);
}

/* The half-width of the 90% interval of the ratio of point a's speed to the oracle point o's, over
 * the m rounds both ran (both run once a round: a[j] and o[j] are round j's slots, paired: they met
 * the same phase of the machine): t95(m - 1) x sd(a[j] - r o[j]) / (mean(o) sqrt(m)) with r =
 * mean(a) / mean(o) (the delta method). -1 if fewer than 3 rounds. */
static double league_ratio_ci(const double *a, const double *o, unsigned m)
{
	double sa = 0, so = 0, r, ss = 0;

	if (m < 3)
		return -1;
	for (unsigned j = 0; j < m; j++) {
		sa += a[j];
		so += o[j];
	}
	if (!(so > 0))
		return -1;
	r = sa / so;
	for (unsigned j = 0; j < m; j++)
		ss += (a[j] - r * o[j]) * (a[j] - r * o[j]);
	return t95(m - 1) * sqrt(ss / (m - 1)) / (so / m * sqrt((double)m));
}

/* One league cell: points [0, n_static) are the oracle's static caps, the
 * rest controllers. Every point has its own VF (x->ws[k]) and keeps its
 * controller running from slot to slot. After one warm-up turn each, R rounds
 * run every point for one slot of seconds / R, in a fresh order each round, so
 * that all the points of a cell meet the same slow and fast phases of a shared
 * machine (on this VM one point alone varies by 20 to 40% over seconds with
 * small requests: the tenant's wake-up latency switches between two modes).
 * A race spends the time where it decides something: from round
 * LEAGUE_RACE_AFTER on, a static point below LEAGUE_RACE_KEEP x the best
 * static so far cannot be the oracle and stops running. On resuming, a
 * controller's tick restarts: the pause is not a sample. A point reports its
 * totals over its slots, the spread of its slot speeds, its ratios to the
 * oracle (the best static point, *best) and to the cross-validated oracle
 * (league_oracle_cv, whose speed is *oracle_cv), and the 90% interval of the
 * first (league_ratio_ci). */
static int league_cell(struct bench_ctx *x, struct bench_point *c, unsigned n, unsigned n_static,
		       double *oracle_cv, unsigned *best)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned R = cfg->repeat, begun = 0, order[LEAGUE_MAX_POINTS];
	uint64_t slot_ns = (uint64_t)(cfg->seconds / R * 1e9);
	struct {
		uint64_t bytes, ops, irqs, ns, cpu_ns;
	} acc[LEAGUE_MAX_POINTS];
	double *slot_mbps = calloc((size_t)n * R, sizeof(double));
	unsigned slots[LEAGUE_MAX_POINTS];
	bool racing[LEAGUE_MAX_POINTS];
	int rc = slot_mbps ? 0 : -ENOMEM, bad = -1;

	memset(acc, 0, sizeof(acc));
	for (unsigned k = 0; k < n; k++) {
		racing[k] = true;
		slots[k] = 0;
	}
	for (unsigned k = 0; k < n && rc >= 0; k++, begun++) {
		struct bench_worker *w = &x->ws[k];
		uint64_t t;

		w->algo = c[k].algo;
		w->size = c[k].size;
		w->ctl = c[k].ctl;
		w->rc = worker_begin(w);
		if (w->rc == 0) {
			t = vfc_now_ns() + (uint64_t)(c[k].warmup * 1e9);
			w->rc = worker_window(w, t, t); /* 0: a warm-up measures nothing */
			worker_drain(w);
		}
		if (w->rc < 0 || w->first_error) {
			bad = (int)k;
			rc = -1;
		}
	}
	for (unsigned r = 0; r < R && rc >= 0; r++) {
		double top = 0; /* the best static's speed so far */

		league_order(order, n, r + 1);
		for (unsigned i = 0; i < n && rc >= 0; i++) {
			unsigned k = order[i];
			struct bench_worker *w = &x->ws[k];
			uint64_t t = vfc_now_ns() + LEAGUE_LEAD_NS, dt;

			if (!racing[k]) {
				x->done++;
				continue;
			}
			progress(x, c[k].algo, c[k].size, c[k].ctl);
			vfc_vf_restart_tick(w->vf);
			rc = worker_window(w, t, t + slot_ns);
			worker_drain(w);
			x->done++;
			if (rc == 0)
				w->what = "a slot (a wait outlasted it)";
			w->rc = rc == 0 ? -ETIMEDOUT : rc < 0 ? rc : 0;
			if (w->rc < 0 || w->first_error) {
				bad = (int)k;
				rc = -1;
				break;
			}
			dt = w->s1.now_ns - w->s0.now_ns;
			acc[k].bytes += w->s1.bytes - w->s0.bytes;
			acc[k].ops += w->s1.ops - w->s0.ops;
			acc[k].irqs += w->s1.irqs - w->s0.irqs;
			acc[k].cpu_ns += w->s1.tenant_cpu_ns - w->s0.tenant_cpu_ns;
			acc[k].ns += dt;
			slot_mbps[k * R + slots[k]++] = dt ? (double)(w->s1.bytes - w->s0.bytes) / (double)dt * 1e3 : 0;
			c[k].cap_hz = w->s1.cap_hz;
		}
		if (rc < 0 || r + 1 < LEAGUE_RACE_AFTER)
			continue;
		for (unsigned k = 0; k < n_static; k++)
			if (racing[k] && (double)acc[k].bytes / (double)acc[k].ns > top)
				top = (double)acc[k].bytes / (double)acc[k].ns;
		for (unsigned k = 0; k < n_static; k++)
			if (racing[k] && (double)acc[k].bytes / (double)acc[k].ns < LEAGUE_RACE_KEEP * top)
				racing[k] = false;
	}
	if (bad >= 0)
		rc = worker_check(&x->ws[bad]);
	for (unsigned k = 0; k < begun; k++)
		worker_end(&x->ws[k]);
	*oracle_cv = rc >= 0 ? league_oracle_cv(slot_mbps, slots, R, n_static) : 0;
	*best = 0;
	for (unsigned k = 0; k < n && rc >= 0; k++) {
		struct bench_point *p = &c[k];

		point_rates(p, acc[k].bytes, acc[k].ops, acc[k].irqs, acc[k].cpu_ns, (double)acc[k].ns / 1e9);
		lat_percentiles(x->ws[k].lat, x->ws[k].n_lat < BENCH_LAT_SAMPLES ? x->ws[k].n_lat : BENCH_LAT_SAMPLES,
				p);
		if (k < n_static && p->mbps > c[*best].mbps)
			*best = k; /* the oracle: the best static point */
	}
	for (unsigned k = 0; k < n && rc >= 0; k++) {
		unsigned m = slots[k] < slots[*best] ? slots[k] : slots[*best];
		double half = league_ratio_ci(&slot_mbps[k * R], &slot_mbps[*best * R], m);

		c[k].ratio_oracle = c[*best].mbps > 0 ? c[k].mbps / c[*best].mbps : 0;
		c[k].ratio_oracle_cv = *oracle_cv > 0 ? c[k].mbps / *oracle_cv : 0;
		c[k].ratio_ci_lo = half >= 0 ? c[k].ratio_oracle - half : 0;
		c[k].ratio_ci_hi = half >= 0 ? c[k].ratio_oracle + half : 0;
	}
	for (unsigned k = 0; k < n && rc >= 0; k++) {
		double *v = &slot_mbps[k * R];
		unsigned m = slots[k];

		qsort(v, m, sizeof(double), cmp_double);
		c[k].spread_pct = v[m / 2] > 0 ? 100.0 * (v[m - 1] - v[0]) / v[m / 2] : 0;
	}
	free(slot_mbps);
	return rc < 0 ? rc : 0;
}

/* The cells where a controller is below 0.97 of the oracle, with the 90% interval of its ratio. */
static void league_print_short(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n_cells,
			       unsigned per_cell)
{
	bool any = false;

	for (unsigned k = N_LCAPS; k < per_cell; k++)
		for (size_t cell = 0; cell < n_cells; cell++) {
			const struct bench_point *p = &pts[cell * per_cell + k];

			if (p->ratio_oracle >= 0.97)
				continue;
			if (!any)
				printf("\nBelow 0.97 of the oracle, with the 90%% interval of the ratio over the rounds\n"
				       "(each slot paired with the oracle's in the same round; \"beyond noise\" where\n"
				       "the whole interval lies below 0.97):\n");
			any = true;
			printf("  %-10.10s %-12s %6u %5u  %6.3f", cfg->ctls[k - N_LCAPS], algos[p->algo].name, p->size,
			       p->depth, p->ratio_oracle);
			if (p->ratio_ci_hi > 0)
				printf("  [%.3f, %.3f]%s\n", p->ratio_ci_lo, p->ratio_ci_hi,
				       p->ratio_ci_hi < 0.97 ? "  beyond noise" : "");
			else
				printf("  (fewer than 3 rounds: no interval)\n");
		}
}

/* The league: per cell, a static sweep (the oracle) and the controllers, interleaved in slots. */
static int run_league(struct bench_ctx *x, struct bench_point **out, size_t *n_out)
{
	struct bench_cfg *cfg = x->cfg;
	const unsigned *l_depths = cfg->depth_set ? &cfg->depth : league_depths;
	unsigned n_algos = cfg->n_algos, n_sizes = cfg->n_sizes;
	unsigned n_depths = cfg->depth_set ? 1 : 2, n_ctls = cfg->n_ctls;
	const unsigned per_cell = league_points(cfg);
	size_t n_cells = (size_t)n_algos * n_sizes * n_depths, n = n_cells * per_cell;
	struct bench_point *pts = calloc(n, sizeof(*pts));
	static char specs[N_LCAPS][32]; /* the points name them: they outlive this call (CSV, JSON) */
	/* per controller column: ratios to the oracle [0] and to the cross-validated oracle [1] */
	struct {
		double sum[2], min[2], irq_per_gb;
		unsigned n97[2], n_short; /* n_short: cells below 0.97 beyond noise (the interval's top too) */
	} col[BENCH_MAX_LIST];
	double aa_sum = 0, aa_max = 0; /* the A/A test: the none column against the sweep's own none point */
	unsigned depths[2], aa_col = UINT_MAX;
	int rc = 0;

	if (!pts)
		return -ENOMEM;
	memcpy(depths, l_depths, n_depths * sizeof(unsigned));
	for (unsigned k = 0; k < N_LCAPS; k++)
		snprintf(specs[k], sizeof(specs[k]), league_caps[k] ? "static:%u" : "none", league_caps[k]);
	memset(col, 0, sizeof(col));
	for (unsigned k = 0; k < n_ctls; k++) {
		col[k].min[0] = col[k].min[1] = HUGE_VAL;
		if (!strcmp(cfg->ctls[k], "none"))
			aa_col = k;
	}
	x->total = (unsigned)n * cfg->repeat;
	if (!cfg->json) {
		printf("League: each cell's speed divided by the best static setting of a sweep of\n"
		       "{1,2,3,5,7,10,15,20,30,50,70,100,150,200} kHz and no cap (the oracle).\n"
		       "Every point runs up to %u slots of %.2f s, interleaved with the cell's other points\n"
		       "(a static point below %.1f x the best static after %u rounds drops out);\n"
		       "warm-up: controllers %.1f s, static points %.1f s; tick %u ms\n\n"
		       "%-12s %6s %5s %13s %9s %7s |",
		       cfg->repeat, cfg->seconds / cfg->repeat, LEAGUE_RACE_KEEP, LEAGUE_RACE_AFTER, cfg->warmup,
		       cfg->warmup < 0.3 ? cfg->warmup : 0.3,
		       cfg->tick_ms, "algo", "bytes", "depth", "oracle", "MB/s", "cv MB/s");
		for (unsigned k = 0; k < n_ctls; k++)
			printf(" %8.8s", cfg->ctls[k]);
		printf("\n");
	}
	for (size_t cell = 0; cell < n_cells; cell++) {
		struct bench_point *c = &pts[cell * per_cell];
		unsigned best = 0;
		double cv = 0;

		cfg->depth = depths[cell % n_depths];
		for (unsigned k = 0; k < per_cell; k++) {
			c[k].algo = cfg->algo[cell / n_depths / n_sizes];
			c[k].size = cfg->sizes[(cell / n_depths) % n_sizes];
			c[k].ctl = k < N_LCAPS ? specs[k] : cfg->ctls[k - N_LCAPS];
			c[k].depth = cfg->depth;
			/* a static cap needs no settling */
			c[k].warmup = k < N_LCAPS && cfg->warmup > 0.3 ? 0.3 : cfg->warmup;
		}
		rc = league_cell(x, c, per_cell, N_LCAPS, &cv, &best);
		if (rc < 0)
			break;
		for (unsigned k = 0; k < n_ctls; k++) {
			const struct bench_point *p = &c[N_LCAPS + k];
			const double r[2] = { p->ratio_oracle, p->ratio_oracle_cv };

			for (unsigned v = 0; v < 2; v++) {
				col[k].sum[v] += r[v];
				col[k].min[v] = r[v] < col[k].min[v] ? r[v] : col[k].min[v];
				col[k].n97[v] += r[v] >= 0.97;
			}
			col[k].n_short += p->ratio_ci_hi > 0 && p->ratio_ci_hi < 0.97;
			col[k].irq_per_gb += p->mbps > 0 ? p->irq_hz / (p->mbps / 1e3) / (double)n_cells : 0;
		}
		if (aa_col != UINT_MAX && c[N_LCAPS - 1].mbps > 0) { /* league_caps ends with 0: none */
			double d = fabs(c[N_LCAPS + aa_col].mbps / c[N_LCAPS - 1].mbps - 1.0);

			aa_sum += d;
			aa_max = d > aa_max ? d : aa_max;
		}
		if (!cfg->json) {
			printf("%-12s %6u %5u %13s %9.1f %7.1f |", algos[c[0].algo].name, c[0].size, cfg->depth,
			       c[best].ctl, c[best].mbps, cv);
			for (unsigned k = 0; k < n_ctls; k++)
				printf(" %8.3f", c[N_LCAPS + k].ratio_oracle);
			printf("\n");
			fflush(stdout);
		}
	}
	if (rc == 0 && !cfg->json) {
		/* mean, min and cells at 0.97 against the oracle, then against the cross-validated one */
		for (unsigned v = 0; v < 2; v++) {
			const char *sfx = v ? " (cv)" : "";

			printf("mean%-33s %7s |", sfx, "");
			for (unsigned k = 0; k < n_ctls; k++)
				printf(" %8.3f", col[k].sum[v] / (double)n_cells);
			printf("\nmin%-34s %7s |", sfx, "");
			for (unsigned k = 0; k < n_ctls; k++)
				printf(" %8.3f", col[k].min[v]);
			printf("\ncells >= 0.97%-24s %7s |", sfx, "");
			for (unsigned k = 0; k < n_ctls; k++)
				printf(" %8u", col[k].n97[v]);
			printf("\n");
		}
		printf("%-37s %7s |", "cells < 0.97 beyond noise", "");
		for (unsigned k = 0; k < n_ctls; k++)
			printf(" %8u", col[k].n_short);
		printf("\n%-37s %7s |", "irq per GB", "");
		for (unsigned k = 0; k < n_ctls; k++)
			printf(" %8.0f", col[k].irq_per_gb);
		printf("\n");
		league_print_short(cfg, pts, n_cells, per_cell);
		printf("\n(cv) divides by the cross-validated oracle (cv MB/s): the static cap with the best mean\n"
		       "over the even rounds measured on the odd ones, and the other way round, averaged. The\n"
		       "best of many noisy means is biased up by the noise (the luckiest of equal caps wins);\n"
		       "the held-out speed is not.\n");
		if (aa_col != UINT_MAX)
			printf("\nThe noise floor (an A/A test): the none column against the sweep's own none point,\n"
			       "the same setting measured twice in the same rounds, differs by %.1f%% on average and\n"
			       "by %.1f%% at most\n",
			       100.0 * aa_sum / (double)n_cells, 100.0 * aa_max);
	}
	*out = pts;
	*n_out = n;
	return rc;
}

/* A step's convergence, from its ticks (tick 1 is the first to end after the change): the first
 * tick k from which the cap stays the same for 5 ticks (the search is over: a controller that
 * explores later, as adaptive's duels do, changes it again on purpose; 0: never), that cap; the
 * settled speed (the median of the step's second half), and the median of ticks 5 to 9 as a ratio
 * to it. */
struct step_conv {
	double settled, early;
	unsigned fixed_from;
	uint32_t cap_fixed;
};

/* The median speed of ticks [from, to); 0 if none (or out of memory). */
static double median_of(const struct vfc_tick *t, unsigned from, unsigned to)
{
	unsigned n = to > from ? to - from : 0;
	double *v = n ? malloc(n * sizeof(double)) : NULL, m;

	if (!v)
		return 0;
	for (unsigned k = 0; k < n; k++)
		v[k] = t[from + k].mbps;
	qsort(v, n, sizeof(double), cmp_double);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}

static void step_conv(const struct vfc_tick *t, unsigned n, struct step_conv *c)
{
	memset(c, 0, sizeof(*c));
	if (n < 10)
		return;
	c->settled = median_of(t, n / 2, n);
	c->early = c->settled > 0 ? median_of(t, 4, 9) / c->settled : 0;
	for (unsigned k = 0, same = 1; k + 1 < n && !c->fixed_from; k++) {
		same = t[k + 1].cap_hz == t[k].cap_hz ? same + 1 : 1;
		if (same == 5) {
			c->fixed_from = k + 1 - 3; /* ticks k - 3 .. k + 1 (0-based), tick k - 2 (1-based) on */
			c->cap_fixed = t[k].cap_hz;
		}
	}
}

/* --steps: the workloads one after the other on one VF whose controller is kept, as a tenant whose
 * requests change; each step runs --seconds, measured whole, and reports how soon the speed settled. */
static int run_steps(struct bench_ctx *x, struct bench_point **out, size_t *n_out)
{
	struct bench_cfg *cfg = x->cfg;
	struct bench_worker *w = &x->ws[0];
	unsigned n = cfg->n_steps;
	struct bench_point *pts = calloc(n, sizeof(*pts));
	struct step_conv conv[BENCH_MAX_LIST];
	int rc = 0;

	w->ticks = calloc(BENCH_MAX_STEP_TICKS, sizeof(*w->ticks));
	if (!pts || !w->ticks) {
		free(pts);
		free(w->ticks);
		w->ticks = NULL;
		return -ENOMEM;
	}
	w->algo = cfg->algo[0];
	w->ctl = cfg->ctls[0];
	x->total = n;
	for (unsigned k = 0; k < n && rc >= 0; k++) {
		struct bench_point *p = &pts[k];
		uint64_t t;

		progress(x, w->algo, cfg->step_size[k], w->ctl);
		w->size = cfg->step_size[k];
		cfg->depth = cfg->step_depth[k];
		if (k == 0) {
			rc = worker_begin(w);
		} else {
			/* the same VF and controller; new requests */
			worker_drain(w);
			worker_release_point(w);
			w->n_lat = 0;
			rc = worker_setup_point(w);
		}
		w->n_ticks = 0;
		t = vfc_now_ns();
		if (rc >= 0)
			rc = worker_window(w, t, t + (uint64_t)(cfg->seconds * 1e9));
		x->done++;
		if (rc == 0)
			w->what = "a step (a wait outlasted it)";
		w->rc = rc == 0 ? -ETIMEDOUT : rc < 0 ? rc : 0;
		if (w->rc < 0 || w->first_error) {
			rc = worker_check(w);
			rc = rc < 0 ? rc : -EIO;
			break;
		}
		p->algo = w->algo;
		p->size = w->size;
		p->depth = cfg->depth;
		p->ctl = w->ctl;
		point_rates(p, w->s1.bytes - w->s0.bytes, w->s1.ops - w->s0.ops, w->s1.irqs - w->s0.irqs,
			    w->s1.tenant_cpu_ns - w->s0.tenant_cpu_ns, (double)(w->s1.now_ns - w->s0.now_ns) / 1e9);
		p->cap_hz = w->s1.cap_hz;
		lat_percentiles(w->lat, w->n_lat < BENCH_LAT_SAMPLES ? w->n_lat : BENCH_LAT_SAMPLES, p);
		step_conv(w->ticks, w->n_ticks, &conv[k]);
	}
	worker_end(w);
	free(w->ticks);
	w->ticks = NULL;
	if (rc >= 0 && !cfg->json) {
		printf("Workload steps on one VF, its controller kept: %s, --ctl %s, tick %u ms, %.2f s per step.\n"
		       "fixed from: the first tick of 5 with the same cap (tick 1 is the first to end after\n"
		       "the change), and that cap; settled: the median speed of the step's second half;\n"
		       "ticks 5-9: their median speed over it\n\n"
		       "%4s %7s %5s %9s %9s %10s %10s %10s %9s\n",
		       algos[w->algo].name, w->ctl, cfg->tick_ms, cfg->seconds, "step", "bytes", "depth", "MB/s",
		       "irq/s", "fixed from", "cap", "settled", "ticks5-9");
		for (unsigned k = 0; k < n; k++)
			printf("%4u %7u %5u %9.1f %9.0f %10u %10u %10.1f %9.3f\n", k + 1, pts[k].size, pts[k].depth,
			       pts[k].mbps, pts[k].irq_hz, conv[k].fixed_from, conv[k].cap_fixed, conv[k].settled,
			       conv[k].early);
	}
	*out = pts;
	*n_out = n;
	return rc < 0 ? rc : 0;
}

int vfc_cmd_bench(int argc, char **argv, struct vfc_global_opts *g)
{
	struct bench_cfg cfg;
	struct bench_ctx x = { .cfg = &cfg };
	struct bench_worker *ws = NULL;
	struct bench_point *pts = NULL;
	size_t n_pts = 0;
	struct vfc_out csv_out = { 0 };
	int rc, status = VFC_EXIT_FAIL;
	unsigned opened = 0, n_workers;

	rc = parse_bench_args(argc, argv, g, &cfg);
	if (rc >= 0) {
		status = rc;
		goto out;
	}
	if (cfg.csv) {
		rc = vfc_out_open(&csv_out, cfg.csv);
		if (rc < 0) {
			fprintf(stderr, "vfc bench: --csv %s: %s\n", cfg.csv, strerror(-rc));
			goto out;
		}
	}
	n_workers = cfg.league ? league_points(&cfg) : cfg.vfs; /* the league: a VF per point of a cell */
	if (g->vf.n_vfs < n_workers)
		g->vf.n_vfs = n_workers;
	/* Buffers for depth x tasks requests of the largest size, twice over for headroom. */
	{
		uint64_t need = 0;

		for (unsigned k = 0; k < cfg.n_sizes; k++) {
			uint64_t b = ((uint64_t)cfg.sizes[k] + BENCH_SIG_MAX + 4095) / 4096 * 4096;
			uint64_t depth = cfg.league && !cfg.depth_set ? 32 : cfg.depth;

			need = b * depth * cfg.tasks > need ? b * depth * cfg.tasks : need;
		}
		need = need * 2 + (1u << 20);
		if (need > VFC_POOL_MAX) {
			fprintf(stderr, "vfc bench: sizes x depth x tasks need %" PRIu64 " MiB of buffers: too many\n",
				need >> 20);
			status = VFC_EXIT_USAGE;
			goto out;
		}
		if (need > g->vf.pool_size)
			g->vf.pool_size = (need + 4095) / 4096 * 4096;
	}
	ws = calloc(n_workers, sizeof(*ws));
	if (!ws) {
		fprintf(stderr, "vfc bench: out of memory\n");
		goto out;
	}
	x.ws = ws;
	pthread_mutex_init(&x.timeline_lock, NULL);
	if (cfg.timeline) {
		x.timeline = fopen(cfg.timeline, "w");
		if (!x.timeline) {
			fprintf(stderr, "vfc bench: --timeline %s: %s\n", cfg.timeline, strerror(errno));
			goto out;
		}
		fprintf(x.timeline, "t_s,vf,algo,block_bytes,ctl,cap_hz,next_cap_hz,mbps,irq_hz,ops_per_s,depth,state\n");
	}
	for (unsigned v = 0; v < n_workers; v++, opened++) {
		ws[v].id = v;
		ws[v].cfg = &cfg;
		ws[v].timeline = x.timeline;
		ws[v].timeline_lock = &x.timeline_lock;
		ws[v].lat = calloc(BENCH_LAT_SAMPLES, sizeof(uint64_t));
		ws[v].vf = ws[v].lat ? vfc_tool_vf_open("bench", g) : NULL;
		if (!ws[v].vf)
			goto out;
	}
	/* RSA keys before the clock starts. */
	for (unsigned a = 0; a < cfg.n_algos; a++)
		if (algos[cfg.algo[a]].rsa_bits && !bench_rsa_get(algos[cfg.algo[a]].rsa_bits, cfg.quiet)) {
			fprintf(stderr, "vfc bench: RSA-%u key generation failed\n", algos[cfg.algo[a]].rsa_bits);
			goto out;
		}

	rc = cfg.league ? run_league(&x, &pts, &n_pts)
	     : cfg.n_steps ? run_steps(&x, &pts, &n_pts)
			   : run_grid(&x, &pts, &n_pts);
	if (rc < 0)
		goto out;
	if (cfg.json) {
		json_t *arr = json_array(), *root;

		for (size_t i = 0; i < n_pts; i++)
			json_array_append_new(arr, point_json(&cfg, &pts[i]));
		root = json_pack("{s:s, s:o}", "command", cfg.league ? "league" : cfg.n_steps ? "steps" : "bench",
				 "points", arr);
		json_dumpf(root, stdout, JSON_INDENT(1));
		printf("\n");
		json_decref(root);
	} else if (!cfg.league && !cfg.n_steps) {
		print_table(&cfg, pts, n_pts);
	}
	if (cfg.csv && write_csv(&cfg, &csv_out, pts, n_pts) < 0)
		goto out;
	status = VFC_EXIT_OK;
out:
	vfc_out_abort(&csv_out); /* nothing after a commit; a half-run leaves no file */
	if (x.timeline)
		fclose(x.timeline);
	for (unsigned v = 0; v < opened; v++) {
		vfc_vf_close(ws[v].vf);
		free(ws[v].lat);
	}
	free(ws);
	free(pts);
	bench_rsa_free_all();
	for (unsigned c = 0; c < cfg.n_ctls; c++)
		free(cfg.ctls[c]);
	return status;
}
