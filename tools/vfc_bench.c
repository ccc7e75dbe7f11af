/* SPDX-License-Identifier: MIT */
/* vfc_bench.c - `vfc bench`: cryptodev/openssl-speed style throughput of a VF, beside raw OpenSSL. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cmds.h"
#include "core/ctl.h"
#include "vfcrypt/vfc.h"

#define BENCH_MAX_POINTS 64
#define BENCH_MAX_DEPTH 1024
#define BENCH_LAT_SAMPLES 65536

enum bench_algo { ALGO_AES_ENC, ALGO_AES_DEC, ALGO_SHA256 };

static const struct {
	const char *name;
	enum bench_algo algo;
	const char *verb;
} algos[] = {
	{ "aes-128-cbc", ALGO_AES_ENC, "Encrypting" },
	{ "aes-128-cbc-dec", ALGO_AES_DEC, "Decrypting" },
	{ "sha256", ALGO_SHA256, "Hashing" },
};

struct bench_cfg {
	int algo;              /* index in algos[] */
	uint32_t sizes[BENCH_MAX_POINTS];
	unsigned n_sizes;
	char *ctls[BENCH_MAX_POINTS]; /* one column per controller spec ("none", "static:5000", ...) */
	unsigned n_ctls;
	unsigned tick_ms;
	unsigned depth;
	double seconds;
	unsigned repeat;
	int raw;
};

struct bench_result {
	double mbps, ops_per_s, irq_hz, cpu_pct, lat_p50_us, lat_p99_us;
	uint32_t cap_hz;
	int status; /* first error seen, 0 if none */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

/* ---- the device run ---- */

struct bench_run {
	struct vfc_op ops[BENCH_MAX_DEPTH];
	struct vfc_op *done[BENCH_MAX_DEPTH];
	unsigned n_done;
	int first_error;
	uint64_t *lat;      /* latency samples (ns), ring of BENCH_LAT_SAMPLES */
	uint64_t n_lat;
	int measuring;
};

static void bench_done_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct bench_run *r = op->user;

	(void)out_len;
	if (status != 0 && r->first_error == 0)
		r->first_error = status;
	if (r->measuring)
		r->lat[r->n_lat++ % BENCH_LAT_SAMPLES] = op->complete_ns - op->submit_ns;
	r->done[r->n_done++] = op;
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

static int bench_device_point(struct vfc_vf *vf, struct vfc_session *sess, const struct bench_cfg *cfg,
			      uint32_t size, const char *ctl, struct bench_result *res)
{
	const char *what = "vfc_vf_set_ctl";
	char err[256];
	struct bench_run *r = calloc(1, sizeof(*r));
	void *bufs[BENCH_MAX_DEPTH] = { 0 };
	struct vfc_vf_stats s0, s1;
	uint64_t t_start, t_end, t_warm;
	int rc = -ENOMEM;

	if (!r || !(r->lat = calloc(BENCH_LAT_SAMPLES, sizeof(uint64_t))))
		goto out;
	rc = vfc_vf_set_ctl(vf, ctl, cfg->tick_ms, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "vfc bench: --ctl %s: %s\n", ctl, err);
		goto out;
	}
	what = "vfc_buf_alloc";
	for (unsigned i = 0; i < cfg->depth; i++) {
		struct vfc_op *op = &r->ops[i];
		int sha = algos[cfg->algo].algo == ALGO_SHA256;

		bufs[i] = vfc_buf_alloc(vf, size + (sha ? VFC_SHA256_LEN : 0));
		if (!bufs[i]) {
			rc = -errno;
			goto out;
		}
		memset(bufs[i], (int)i, size);
		op->sess = sess;
		op->src = bufs[i];
		op->src_len = size;
		op->dst = sha ? (uint8_t *)bufs[i] + size : bufs[i]; /* cipher in place */
		op->dst_len = sha ? VFC_SHA256_LEN : size;
		op->opcode = sha ? VFC_OP_HASH
				 : algos[cfg->algo].algo == ALGO_AES_ENC ? VFC_OP_CIPHER_ENC : VFC_OP_CIPHER_DEC;
		op->flags = sha ? VFC_REQ_F_ALL : 0;
		op->cb = bench_done_cb;
		op->user = r;
		r->done[i] = op;
	}
	r->n_done = cfg->depth;

	/* Warm up for a tenth of the run (at most 0.3 s), then measure. */
	what = "vfc_submit_burst";
	t_warm = now_ns() + (uint64_t)(fmin(cfg->seconds / 10, 0.3) * 1e9);
	t_start = 0;
	t_end = UINT64_MAX;
	for (;;) {
		unsigned n = r->n_done;
		uint64_t t;

		r->n_done = 0;
		rc = submit_all(vf, r->done, n);
		if (rc < 0)
			goto out;
		rc = vfc_wait(vf, 1, 1000000000ll);
		if (rc < 0 && rc != -ETIMEDOUT) {
			what = "vfc_wait";
			goto out;
		}
		t = now_ns();
		if (!t_start && t >= t_warm) {
			vfc_vf_stats(vf, &s0);
			t_start = s0.now_ns;
			t_end = t_start + (uint64_t)(cfg->seconds * 1e9);
			r->measuring = 1;
		} else if (t >= t_end) {
			break;
		}
	}
	vfc_vf_stats(vf, &s1);
	r->measuring = 0;
	/* Drain what is still in flight so the next point starts clean. */
	while (s1.in_flight && vfc_wait(vf, s1.in_flight, 2000000000ll) >= 0) {
		struct vfc_vf_stats s;

		vfc_vf_stats(vf, &s);
		if (!s.in_flight)
			break;
	}

	double dt = (double)(s1.now_ns - s0.now_ns) / 1e9;
	uint64_t n_lat = r->n_lat < BENCH_LAT_SAMPLES ? r->n_lat : BENCH_LAT_SAMPLES;

	res->mbps = (double)(s1.bytes - s0.bytes) / dt / 1e6;
	res->ops_per_s = (double)(s1.ops - s0.ops) / dt;
	res->irq_hz = (double)(s1.irqs - s0.irqs) / dt;
	res->cpu_pct = 100.0 * (double)(s1.tenant_cpu_ns - s0.tenant_cpu_ns) / (dt * 1e9);
	res->cap_hz = s1.cap_hz;
	res->status = r->first_error;
	qsort(r->lat, n_lat, sizeof(uint64_t), cmp_u64);
	res->lat_p50_us = n_lat ? (double)r->lat[n_lat / 2] / 1e3 : 0;
	res->lat_p99_us = n_lat ? (double)r->lat[n_lat * 99 / 100] / 1e3 : 0;
	rc = 0;
out:
	if (rc < 0 && strcmp(what, "vfc_vf_set_ctl"))
		fprintf(stderr, "vfc bench: %s: %s\n", what, vfc_strerror(rc));
	vfc_vf_set_ctl(vf, "none", 0, NULL, 0);
	for (unsigned i = 0; i < BENCH_MAX_DEPTH; i++)
		vfc_buf_free(vf, bufs[i]);
	if (r)
		free(r->lat);
	free(r);
	return rc;
}

/* ---- raw OpenSSL, same process, no device ---- */

static int bench_raw_point(const struct bench_cfg *cfg, uint32_t size, struct bench_result *res)
{
	static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	uint8_t iv[16] = { 0 }, md[EVP_MAX_MD_SIZE];
	enum bench_algo a = algos[cfg->algo].algo;
	EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	uint8_t *buf = malloc(size);
	uint64_t t0, t, ops = 0;
	int outl, rc = -ENOMEM;

	if (!cctx || !mctx || !buf)
		goto out;
	memset(buf, 0x5a, size);
	rc = -EIO;
	if (!EVP_CipherInit_ex(cctx, EVP_aes_128_cbc(), NULL, key, iv, a == ALGO_AES_ENC))
		goto out;
	EVP_CIPHER_CTX_set_padding(cctx, 0);
	t0 = now_ns();
	do {
		for (int k = 0; k < 16; k++, ops++) {
			unsigned mdl;

			if (a == ALGO_SHA256) {
				if (!EVP_DigestInit_ex(mctx, EVP_sha256(), NULL) ||
				    !EVP_DigestUpdate(mctx, buf, size) || !EVP_DigestFinal_ex(mctx, md, &mdl))
					goto out;
			} else if (!EVP_CipherInit_ex(cctx, NULL, NULL, NULL, iv, -1) ||
				   !EVP_CipherUpdate(cctx, buf, &outl, buf, (int)size)) {
				goto out;
			}
		}
		t = now_ns();
	} while ((double)(t - t0) < cfg->seconds * 1e9);
	memset(res, 0, sizeof(*res));
	res->mbps = (double)ops * size / ((double)(t - t0) / 1e3);
	res->ops_per_s = (double)ops / ((double)(t - t0) / 1e9);
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "vfc bench: raw OpenSSL %s: %s\n", algos[cfg->algo].name,
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
	"Measure the throughput of one VF of the device with requests of a fixed size\n"
	"kept in flight (cryptodev's tests/speed, openssl speed), beside raw OpenSSL.\n"
	"\n"
	"Options:\n"
	"  --algo NAME         aes-128-cbc (default), aes-128-cbc-dec or sha256\n"
	"  --size N            request size in bytes (AES: a multiple of 16)\n"
	"  --sizes N,N,...     several sizes (default 512,1024,...,65536)\n"
	"  --depth Q           requests in flight (default 32, at most 1024)\n"
	"  --seconds S         measuring time per point (default 3)\n"
	"  --ctl SPEC          interrupt-rate controller (default none); repeat --ctl to\n"
	"                      compare several: each is a column. SPEC: none, static:HZ,\n"
	"                      paper[:i0=HZ], dim[:k=v,...], adaptive[:k=v,...] (below)\n"
	"  --tick MS           speed monitor tick (default 1000, 10..60000)\n"
	"  --cap HZ            shorthand for --ctl static:HZ (0: none)\n"
	"  --sweep-caps LIST   one static column per cap of LIST (e.g. 0,50000,20000,5000);\n"
	"                      0 means no cap\n"
	"  --repeat N          run the whole sweep N times, interleaved; report median and spread\n"
	"  --raw               also run raw single-thread OpenSSL EVP in this process\n"
	"  -h, --help          this text\n"
	"\n";

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_list(const char *opt, const char *s, uint64_t min, uint64_t max, int64_t *out,
		      unsigned *n)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = 0;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (*n == BENCH_MAX_POINTS || parse_u64(tok, max, &v) < 0 || v < min) {
			fprintf(stderr, "vfc bench: %s: bad value '%s' (expected %" PRIu64 "..%" PRIu64
				", at most %d values)\n", opt, tok, min, max, BENCH_MAX_POINTS);
			rc = -EINVAL;
			break;
		}
		out[(*n)++] = (int64_t)v;
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
	if (cfg->n_ctls == BENCH_MAX_POINTS) {
		fprintf(stderr, "vfc bench: at most %d controller columns\n", BENCH_MAX_POINTS);
		return -EINVAL;
	}
	cfg->ctls[cfg->n_ctls++] = strdup(spec);
	return 0;
}

static int parse_bench_args(int argc, char **argv, struct vfc_global_opts *g, struct bench_cfg *cfg)
{
	int64_t tmp[BENCH_MAX_POINTS];

	memset(cfg, 0, sizeof(*cfg));
	cfg->depth = 32;
	cfg->seconds = 3;
	cfg->repeat = 1;

	for (uint32_t s = 512; s <= 65536; s *= 2)
		cfg->sizes[cfg->n_sizes++] = s;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;
		int grc = vfc_global_opt("bench", argc, argv, &i, g);

		if (grc < 0)
			return 2;
		if (grc > 0)
			continue;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(bench_help, stdout);
			fputs(vfc_global_help, stdout);
			printf("\nControllers:\n%s", vfc_ctl_help_text());
			return 0;
		}
		if (!strcmp(a, "--raw")) {
			cfg->raw = 1;
			continue;
		}
		if (!v) {
			fprintf(stderr, "vfc bench: %s: missing value (see vfc bench --help)\n", a);
			return 2;
		}
		if (!strcmp(a, "--algo")) {
			cfg->algo = -1;
			for (unsigned k = 0; k < sizeof(algos) / sizeof(algos[0]); k++)
				if (!strcmp(v, algos[k].name))
					cfg->algo = (int)k;
			if (cfg->algo < 0) {
				fprintf(stderr, "vfc bench: --algo: unknown algorithm '%s' "
					"(aes-128-cbc, aes-128-cbc-dec, sha256)\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--size") || !strcmp(a, "--sizes")) {
			if (parse_list(a, v, 1, 1u << 24, tmp, &cfg->n_sizes) < 0)
				return 2;
			for (unsigned k = 0; k < cfg->n_sizes; k++)
				cfg->sizes[k] = (uint32_t)tmp[k];
		} else if (!strcmp(a, "--depth")) {
			if (parse_u64(v, BENCH_MAX_DEPTH, &u) < 0 || u == 0) {
				fprintf(stderr, "vfc bench: --depth: expected 1..%d, got '%s'\n", BENCH_MAX_DEPTH, v);
				return 2;
			}
			cfg->depth = (unsigned)u;
		} else if (!strcmp(a, "--seconds")) {
			char *end;

			cfg->seconds = strtod(v, &end);
			if (*end || !(cfg->seconds >= 0.01 && cfg->seconds <= 3600)) {
				fprintf(stderr, "vfc bench: --seconds: expected 0.01..3600, got '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--cap") || !strcmp(a, "--sweep-caps")) {
			unsigned n;

			if (parse_list(a, v, 0, 10000000, tmp, &n) < 0 ||
			    (!strcmp(a, "--cap") && n != 1 && fprintf(stderr, "vfc bench: --cap: one value\n")))
				return 2;
			for (unsigned k = 0; k < n; k++) {
				char spec[32];

				snprintf(spec, sizeof(spec), tmp[k] ? "static:%" PRId64 : "none", tmp[k]);
				if (add_ctl(cfg, spec) < 0)
					return 2;
			}
		} else if (!strcmp(a, "--ctl")) {
			char err[256];
			struct vfc_ctl_cfg cc;

			if (vfc_ctl_parse(v, &cc, err, sizeof(err)) < 0) {
				fprintf(stderr, "vfc bench: --ctl: %s\n", err);
				return 2;
			}
			if (add_ctl(cfg, v) < 0)
				return 2;
		} else if (!strcmp(a, "--tick")) {
			if (parse_u64(v, VFC_TICK_MS_MAX, &u) < 0 || u < VFC_TICK_MS_MIN) {
				fprintf(stderr, "vfc bench: --tick: expected %d..%d ms, got '%s'\n", VFC_TICK_MS_MIN,
					VFC_TICK_MS_MAX, v);
				return 2;
			}
			cfg->tick_ms = (unsigned)u;
		} else if (!strcmp(a, "--repeat")) {
			if (parse_u64(v, 100, &u) < 0 || u == 0) {
				fprintf(stderr, "vfc bench: --repeat: expected 1..100, got '%s'\n", v);
				return 2;
			}
			cfg->repeat = (unsigned)u;
		} else {
			fprintf(stderr, "vfc bench: unknown option '%s' (see vfc bench --help)\n", a);
			return 2;
		}
		i++;
	}
	if (cfg->n_ctls == 0 && add_ctl(cfg, "none") < 0)
		return 2;
	if (algos[cfg->algo].algo != ALGO_SHA256)
		for (unsigned k = 0; k < cfg->n_sizes; k++)
			if (cfg->sizes[k] % VFC_AES_BLOCK) {
				fprintf(stderr, "vfc bench: --size: %u is not a multiple of 16 (AES-CBC)\n",
					cfg->sizes[k]);
				return 2;
			}
	return -1;
}


int vfc_cmd_bench(int argc, char **argv, struct vfc_global_opts *g)
{
	static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	struct bench_cfg cfg;
	struct vfc_vf *vf = NULL;
	struct vfc_session *sess = NULL;
	uint32_t key_handle = 0;
	int rc = parse_bench_args(argc, argv, g, &cfg), status = 1;
	unsigned n_cols, n_runs;
	double *mbps = NULL, *irq = NULL;
	struct bench_result *last = NULL;

	if (rc >= 0) {
		status = rc;
		goto out;
	}
	n_cols = cfg.n_ctls + (cfg.raw ? 1 : 0);
	n_runs = cfg.repeat;
	mbps = calloc((size_t)cfg.n_sizes * n_cols * n_runs, sizeof(double));
	irq = calloc((size_t)cfg.n_sizes * n_cols * n_runs, sizeof(double));
	last = calloc((size_t)cfg.n_sizes * n_cols, sizeof(*last));
	if (!mbps || !irq || !last) {
		fprintf(stderr, "vfc bench: out of memory\n");
		goto out;
	}

	vf = vfc_vf_open(g->device, &g->vf);
	if (!vf) {
		fprintf(stderr, "vfc bench: vfc_vf_open %s: %s\n", g->device ? g->device : "embedded",
			vfc_strerror(-errno));
		goto out;
	}
	if (algos[cfg.algo].algo == ALGO_SHA256) {
		sess = vfc_session_create(vf, VFC_ALG_SHA256, 0);
	} else {
		rc = vfc_key_import(vf, VFC_KEY_AES128, key, sizeof(key), &key_handle);
		if (rc < 0) {
			fprintf(stderr, "vfc bench: vfc_key_import: %s\n", vfc_strerror(rc));
			goto out;
		}
		sess = vfc_session_create(vf, VFC_ALG_AES128_CBC, key_handle);
	}
	if (!sess) {
		fprintf(stderr, "vfc bench: vfc_session_create: %s\n", vfc_strerror(-errno));
		goto out;
	}

	/* Interleave: every repetition runs every point once, so drift of the
	 * machine spreads over all columns alike. */
	for (unsigned run = 0; run < n_runs; run++) {
		for (unsigned si = 0; si < cfg.n_sizes; si++) {
			for (unsigned c = 0; c < n_cols; c++) {
				struct bench_result res;
				size_t idx = ((size_t)si * n_cols + c) * n_runs + run;
				int is_raw = cfg.raw && c == cfg.n_ctls;

				if (is_raw)
					rc = bench_raw_point(&cfg, cfg.sizes[si], &res);
				else
					rc = bench_device_point(vf, sess, &cfg, cfg.sizes[si], cfg.ctls[c], &res);
				if (rc < 0)
					goto out;
				if (res.status) {
					fprintf(stderr, "vfc bench: a request failed: %s\n", vfc_strerror(res.status));
					goto out;
				}
				mbps[idx] = res.mbps;
				irq[idx] = res.irq_hz;
				last[(size_t)si * n_cols + c] = res;
				printf("%s in chunks of %u bytes: done. %.2f MB in %.2f secs: %.2f MB/sec, ",
				       algos[cfg.algo].verb, cfg.sizes[si], res.mbps * cfg.seconds, cfg.seconds,
				       res.mbps);
				if (is_raw)
					printf("raw OpenSSL\n");
				else if (res.cap_hz)
					printf("%.0f irq/s, cap %u Hz (%s)\n", res.irq_hz, res.cap_hz, cfg.ctls[c]);
				else
					printf("%.0f irq/s, no cap (%s)\n", res.irq_hz, cfg.ctls[c]);
				fflush(stdout);
			}
		}
	}

	/* Summary: median over repetitions, spread = (max - min) / median. */
	printf("\n%-8s %-16s %8s %10s %8s %10s %9s %9s%s\n", "size", "ctl", "cap_hz", "MB/s", "spread", "irq/s",
	       "p50_us", "p99_us", cfg.raw ? "  ratio_raw" : "");
	for (unsigned si = 0; si < cfg.n_sizes; si++) {
		double raw_med = 0;

		if (cfg.raw) {
			double *v = &mbps[((size_t)si * n_cols + cfg.n_ctls) * n_runs];

			qsort(v, n_runs, sizeof(double), cmp_double);
			raw_med = v[n_runs / 2];
		}
		for (unsigned c = 0; c < n_cols; c++) {
			double *v = &mbps[((size_t)si * n_cols + c) * n_runs];
			double *q = &irq[((size_t)si * n_cols + c) * n_runs];
			const struct bench_result *lr = &last[(size_t)si * n_cols + c];
			int is_raw = cfg.raw && c == cfg.n_ctls;

			qsort(v, n_runs, sizeof(double), cmp_double);
			qsort(q, n_runs, sizeof(double), cmp_double);
			printf("%-8u %-16.16s %8u %10.1f %7.1f%% %10.0f %9.1f %9.1f", cfg.sizes[si],
			       is_raw ? "raw-openssl" : cfg.ctls[c], lr->cap_hz, v[n_runs / 2],
			       100.0 * (v[n_runs - 1] - v[0]) / v[n_runs / 2], q[n_runs / 2], lr->lat_p50_us,
			       lr->lat_p99_us);
			if (cfg.raw)
				printf("  %9.3f", v[n_runs / 2] / raw_med);
			printf("\n");
		}
	}
	status = 0;
out:
	vfc_session_free(sess);
	if (key_handle)
		vfc_key_free(vf, key_handle);
	vfc_vf_close(vf);
	free(mbps);
	free(irq);
	free(last);
	for (unsigned c = 0; c < cfg.n_ctls; c++)
		free(cfg.ctls[c]);
	return status;
}
