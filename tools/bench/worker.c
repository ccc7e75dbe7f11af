/* SPDX-License-Identifier: MIT */
/* worker.c - a `vfc bench` tenant (a thread on a VF keeping requests in flight); a device point. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "os/clock.h"
#include "os/thread.h"

static void worker_done_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct bench_worker *w = op->user;

	(void)out_len;
	if (status != 0 && w->first_error == 0)
		w->first_error = status;
	if (w->measuring) {
		w->lat[w->n_lat++ % BENCH_LAT_SAMPLES] = op->complete_ns - op->submit_ns;
		if (status == 0)
			w->task_bytes[(size_t)(op - w->ops) / bench_worker_depth(w)] += op->src_len;
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
		bench_algos[w->algo].name, w->size, w->ctl, t->cap_hz, t->next_cap_hz, t->mbps, t->irq_hz,
		t->ops_per_s, t->depth, t->controller_state ? t->controller_state : "");
	pthread_mutex_unlock(w->timeline_lock);
}

void bench_worker_release_point(struct bench_worker *w)
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

/* The point's key and session (*rk: the RSA key, NULL for AES and SHA-256). */
static int setup_session(struct bench_worker *w, struct bench_rsa **rk)
{
	const struct bench_algo *a = &bench_algos[w->algo];
	int rc;

	*rk = NULL;
	w->what = "vfc_key_import";
	if (a->kind == K_AES_ENC || a->kind == K_AES_DEC) {
		rc = vfc_key_import(w->vf, VFC_KEY_AES128, bench_aes_key, sizeof(bench_aes_key), &w->key);
		if (rc < 0)
			return rc;
		w->sess = vfc_session_create(w->vf, VFC_ALG_AES128_CBC, w->key);
	} else if (a->kind == K_SHA256) {
		w->sess = vfc_session_create(w->vf, VFC_ALG_SHA256, 0);
	} else {
		*rk = bench_rsa_get(a->rsa_bits, 1);
		if (!*rk)
			return -ENOMEM;
		rc = vfc_key_import(w->vf, VFC_KEY_RSA_PRIV_PEM, (*rk)->pem, (*rk)->pem_len, &w->key);
		if (rc < 0)
			return rc;
		w->sess = vfc_session_create(w->vf, VFC_ALG_RSA_PKCS1_SHA256, w->key);
	}
	w->what = "vfc_session_create";
	return w->sess ? 0 : -errno;
}

/* Request i of the point, on its buffer b (size bytes, then room for a digest or a signature).
 * Verify requests all check the signature request 0 makes in sig (*sig_len bytes, room for BENCH_SIG_MAX). */
static int init_op(struct bench_worker *w, unsigned i, uint8_t *b, struct bench_rsa *rk, uint8_t *sig,
		   size_t *sig_len)
{
	const struct bench_algo *a = &bench_algos[w->algo];
	struct vfc_op *op = &w->ops[i];

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
		if (i == 0 && bench_rsa_sign(rk->pkey, b, w->size, sig, sig_len) < 0)
			return -EIO;
		memcpy(b + w->size, sig, *sig_len);
		op->opcode = VFC_OP_VERIFY;
		op->aux = b + w->size;
		op->aux_len = (uint32_t)*sig_len;
		break;
	}
	return 0;
}

int bench_worker_setup_point(struct bench_worker *w)
{
	const struct bench_algo *a = &bench_algos[w->algo];
	uint8_t sig[BENCH_SIG_MAX];
	size_t sig_len = sizeof(sig);
	struct bench_rsa *rk;
	int rc = setup_session(w, &rk);

	if (rc < 0)
		return rc;
	w->n_ops = bench_worker_depth(w) * w->cfg->tasks;
	w->what = "vfc_buf_alloc";
	for (unsigned i = 0; i < w->n_ops; i++) {
		uint32_t extra = a->kind == K_SHA256 ? VFC_SHA256_LEN : rk ? BENCH_SIG_MAX : 0;
		uint8_t *b = vfc_buf_alloc(w->vf, (size_t)w->size + extra);

		if (!b)
			return -errno;
		w->bufs[i] = b;
		memset(b, (int)(i * 7 + 1), w->size);
		rc = init_op(w, i, b, rk, sig, &sig_len);
		if (rc < 0)
			return rc;
		w->done[i] = &w->ops[i];
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

int bench_worker_begin(struct bench_worker *w)
{
	char err[256];
	int rc;

	w->first_error = 0;
	w->n_lat = 0;
	w->measuring = 0;
	memset(w->task_bytes, 0, sizeof(w->task_bytes));
	rc = bench_worker_setup_point(w);
	if (rc < 0)
		return rc;
	w->what = "vfc_vf_set_controller";
	vfc_vf_set_tick_cb(w->vf, w->timeline || w->ticks ? worker_tick_cb : NULL, w);
	return vfc_vf_set_controller(w->vf, w->ctl, w->cfg->tick_ms, err, sizeof(err));
}

/* Keep the queues full until t_end, measuring (s0 .. s1) from the first
 * wake-up after t_warm_end. Returns 1 if it measured a window, 0 if not (a
 * wait outlasted it, or t_warm_end == t_end: a warm-up), or a negative errno. */
int bench_worker_window(struct bench_worker *w, uint64_t t_warm_end, uint64_t t_end)
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
		rc = vfc_wait(w->vf, 1,
			      edge <= t		       ? 0 :
			      edge - t < 1000000000ull ? (int64_t)(edge - t) :
							 1000000000ll);
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

/* Wait for what is still in flight (up to 10 s), so that the next window or point starts clean: a
 * wait that times out (a tenant thread descheduled on a loaded machine) waits again, for a request
 * left in flight would complete in the next point, or fail there once its session is freed. */
void bench_worker_drain(struct bench_worker *w)
{
	for (int k = 0; k < 100; k++) {
		struct vfc_vf_stats s;
		int rc;

		vfc_vf_stats(w->vf, &s);
		if (!s.in_flight)
			break;
		rc = vfc_wait(w->vf, s.in_flight, 100000000ll);
		if (rc < 0 && rc != -ETIMEDOUT)
			break;
	}
}

void bench_worker_end(struct bench_worker *w)
{
	bench_worker_drain(w);
	vfc_vf_set_tick_cb(w->vf, NULL, NULL);
	vfc_vf_set_controller(w->vf, "none", 0, NULL, 0);
	bench_worker_release_point(w);
}

/* A worker's failure, named (0 if none). */
int bench_worker_check(const struct bench_worker *w)
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
	int rc = bench_worker_begin(w);

	if (rc == 0)
		rc = bench_worker_window(w, w->t_warm_end, w->t_end);
	bench_worker_end(w);
	w->rc = rc < 0 ? rc : 0;
	return NULL;
}

/* A point's rates from its totals over secs seconds of measuring (one task: its speed is the point's). */
void bench_point_rates(struct bench_point *p, uint64_t bytes, uint64_t ops, uint64_t irqs, uint64_t cpu_ns,
		       double secs)
{
	p->secs = secs;
	p->mbps = (double)bytes / secs / 1e6;
	p->ops_per_s = (double)ops / secs;
	p->irq_hz = (double)irqs / secs;
	p->cpu_pct = 100.0 * (double)cpu_ns / (secs * 1e9);
	p->task_mbps_min = p->task_mbps_max = p->mbps;
	p->jain = 1; /* one tenant; gather_point and the fresh league count theirs */
	p->irq_per_gb = bench_irq_per_gb(irqs, bytes);
}

/* Start every worker on the point and wait for them all; 0, or the first failure (named). */
static int run_workers(struct bench_worker *ws, const struct bench_cfg *cfg, unsigned algo, uint32_t size,
		       const char *ctl, double warmup)
{
	uint64_t t0 = vfc_now_ns();

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
		vfc_thread_name(w->thread, "bench-vf", v);
	}
	for (unsigned v = 0; v < cfg->vfs; v++)
		pthread_join(ws[v].thread, NULL);
	for (unsigned v = 0; v < cfg->vfs; v++) {
		int rc = bench_worker_check(&ws[v]);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The point from every worker's window: their totals, the longest window, the
 * slowest and fastest task, their latency samples together. */
static int gather_point(struct bench_worker *ws, const struct bench_cfg *cfg, struct bench_point *p)
{
	uint64_t bytes = 0, ops = 0, irqs = 0, n_lat = 0;
	uint64_t *lat = malloc(sizeof(uint64_t) * BENCH_LAT_SAMPLES * cfg->vfs);
	double dt = 0, tmin = HUGE_VAL, tmax = 0, vf_mbps[VFC_MAX_VFS];

	if (!lat)
		return -ENOMEM;
	for (unsigned v = 0; v < cfg->vfs; v++) {
		struct bench_worker *w = &ws[v];
		double wdt = (double)(w->s1.now_ns - w->s0.now_ns) / 1e9;
		uint64_t nl = w->n_lat < BENCH_LAT_SAMPLES ? w->n_lat : BENCH_LAT_SAMPLES;

		bytes += w->s1.bytes - w->s0.bytes;
		vf_mbps[v] = wdt > 0 ? (double)(w->s1.bytes - w->s0.bytes) / wdt / 1e6 : 0;
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
	bench_point_rates(p, bytes, ops, irqs, ws[0].s1.tenant_cpu_ns - ws[0].s0.tenant_cpu_ns, dt);
	p->task_mbps_min = tmin;
	p->task_mbps_max = tmax;
	p->jain = bench_jain(vf_mbps, cfg->vfs);
	p->irq_per_gb = bench_irq_per_gb(irqs, bytes);
	bench_lat_percentiles(lat, n_lat, &p->lat_p50_us, &p->lat_p99_us);
	free(lat);
	return 0;
}

int bench_device_point(struct bench_worker *ws, const struct bench_cfg *cfg, unsigned algo, uint32_t size,
		       const char *ctl, struct bench_point *p)
{
	int rc = run_workers(ws, cfg, algo, size, ctl, p->warmup > 0 ? p->warmup : cfg->warmup);

	return rc < 0 ? rc : gather_point(ws, cfg, p);
}
