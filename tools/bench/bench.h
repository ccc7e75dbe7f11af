/* SPDX-License-Identifier: MIT */
/* bench.h - what the files of `vfc bench` share: its options, algorithms, tenants (workers), points and runs. */
#ifndef VFC_TOOLS_BENCH_H
#define VFC_TOOLS_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/types.h>

#include "cmds.h"
#include "stats.h"
#include "util.h"
#include "vfcrypt/vfc.h"

#define BENCH_MAX_LIST 64
#define BENCH_MAX_DEPTH 1024
#define BENCH_MAX_TASKS 64
#define BENCH_MAX_OPS 4096 /* depth x tasks per VF */
#define BENCH_MAX_STEP_TICKS 65536 /* --steps: ticks kept per step */
#define BENCH_LAT_SAMPLES 65536
#define BENCH_SIG_MAX 512
/* The league's oracle sweeps this many static caps (league.c's league_caps); a cell has a point
 * (and a VF) per cap and per controller column. */
#define BENCH_LEAGUE_N_CAPS 15u
#define BENCH_LEAGUE_RACE_AFTER 3 /* rounds before static points can drop out of the race */
#define BENCH_LEAGUE_RACE_KEEP 0.8 /* a static point below 0.8 x the best static so far drops out */

/* ---- keys.c: the algorithms and their keys ---- */

enum bench_kind { K_AES_ENC, K_AES_DEC, K_SHA256, K_RSA_SIGN, K_RSA_VERIFY };

struct bench_algo {
	const char *name;
	enum bench_kind kind;
	unsigned rsa_bits;
	const char *verb;
};

extern const struct bench_algo bench_algos[];
extern const unsigned bench_n_algos;
extern const uint8_t bench_aes_key[16];

/* An RSA key, made once per run: in the device as PEM, in-process as EVP_PKEY. */
struct bench_rsa {
	unsigned bits;
	EVP_PKEY *pkey;
	char *pem;
	size_t pem_len;
};

/* The key of bits (2048, 3072 or 4096), generated on first use ("generating an
 * RSA-%u key..." on stderr unless quiet); NULL on failure. */
struct bench_rsa *bench_rsa_get(unsigned bits, int quiet);
void bench_rsa_free_all(void);
/* SHA-256 + PKCS#1 v1.5 signature of msg and its check, in-process: 0 or -EIO. */
int bench_rsa_sign(EVP_PKEY *pkey, const void *msg, size_t len, uint8_t *sig, size_t *sig_len);
int bench_rsa_verify(EVP_PKEY *pkey, const void *msg, size_t len, const uint8_t *sig, size_t sig_len);

/* ---- args.c: the options ---- */

struct bench_cfg {
	unsigned algo[BENCH_MAX_LIST], n_algos; /* indices into bench_algos */
	uint32_t sizes[BENCH_MAX_LIST];
	unsigned n_sizes;
	int sizes_set, algos_set, depth_set, caps_set;
	char *ctls[BENCH_MAX_LIST]; /* one column per controller spec (malloc'ed) */
	unsigned n_ctls;
	unsigned tick_ms;
	unsigned depth, tasks, vfs;
	unsigned depths[BENCH_MAX_LIST], n_depths; /* --depth LIST (the league's cells); depth: the deepest */
	double seconds, warmup;
	unsigned repeat;
	int raw, json, league, quiet;
	const char *csv, *timeline;
	/* --steps: workloads run one after the other on one VF, its controller kept */
	uint32_t step_size[BENCH_MAX_LIST];
	unsigned step_depth[BENCH_MAX_LIST], n_steps;
	/* --engine-kind LIST: the grid's device columns once per kind (each on a device of that
	 * kind), the league once per kind; 0 kinds: the device as the device options say */
	enum vfc_engine_kind kinds[3];
	unsigned n_kinds;
	char *labels[BENCH_MAX_LIST * 3]; /* "ctl/kind" per column when n_kinds > 0 (malloc'ed) */
	/* the fresh league (fresh.c): --warmup-ticks LIST, --mix SIZExDEPTH,... (tenant i: entry
	 * i mod n_mix), --oracle-pt; engines: the device's engines as opened (for the output) */
	unsigned warm_ticks[BENCH_MAX_LIST], n_warm_ticks;
	uint32_t mix_size[BENCH_MAX_LIST];
	unsigned mix_depth[BENCH_MAX_LIST], n_mix;
	const char *mix;
	int oracle_pt;
	unsigned engines;
	int engine_kind; /* the device options' engine kind (enum vfc_engine_kind), for the output */
};

/* --help (help.c): the text on stdout; returns VFC_EXIT_OK. */
int bench_print_help(void);

/* Parse the command line into cfg (defaults filled in, the league's and
 * --steps' included). Returns -1 to go on, else the exit status (after --help
 * or an error message). cfg->ctls are malloc'ed even then. */
int bench_parse_args(int argc, char **argv, struct vfc_global_opts *g, struct bench_cfg *cfg);

/* ---- worker.c: a tenant, one thread, one VF, `tasks` streams of `depth` requests ---- */

struct bench_worker {
	unsigned id;
	const struct bench_cfg *cfg;
	struct vfc_vf *vf;
	/* per point */
	unsigned algo;
	uint32_t size;
	unsigned depth; /* requests in flight per task; 0: cfg->depth */
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

/* One measured point (medians over repetitions where repeated). */
struct bench_point {
	unsigned algo;
	uint32_t size;
	unsigned depth; /* requests in flight per task */
	double warmup; /* seconds before measuring; 0: --warmup */
	double secs; /* the measuring window as it was */
	const char *ctl; /* "raw" for raw OpenSSL */
	const char *label; /* the column's name if not ctl ("none/mb": --engine-kind) */
	int kind; /* --engine-kind: the engine kind of the device it ran on; -1: as opened */
	double mbps, ops_per_s, irq_hz, cpu_pct, lat_p50_us, lat_p99_us, spread_pct;
	double task_mbps_min, task_mbps_max; /* per task, tasks > 1 */
	uint32_t cap_hz;
	double ratio_raw; /* 0: no raw baseline */
	double ratio_oracle; /* league only: speed / the oracle's (the best static's mean) */
	double ratio_oracle_cv; /* league only: speed / the cross-validated oracle's (bench_oracle_cv) */
	double ratio_ci_lo, ratio_ci_hi; /* league only: 90% interval of ratio_oracle (bench_ratio_ci) */
	int raw;
	/* appended CSV columns: the fresh league's warm-up in ticks (0: not a fresh league), its
	 * mix (NULL: every tenant alike), the tenants' fairness, interrupts per GB and that
	 * over the oracle's (league only), the per-tenant caps of oracle-pt ("5000/0/2000") */
	unsigned warm_ticks;
	const char *mix;
	double jain, irq_per_gb, irq_ratio_oracle;
	char tenant_caps[128];
	unsigned slots; /* the fresh league: the slots it was measured in */
};

/* The requests in flight per task of the worker's point. */
static inline unsigned bench_worker_depth(const struct bench_worker *w)
{
	return w->depth ? w->depth : w->cfg->depth;
}

/* Keys, session, buffers and ops for the worker's point (algo, size); 0 or a negative errno (w->what names the step). */
int bench_worker_setup_point(struct bench_worker *w);
/* Free what bench_worker_setup_point made. */
void bench_worker_release_point(struct bench_worker *w);
/* Setup, tick callback and controller (w->ctl): a tenant ready to run. */
int bench_worker_begin(struct bench_worker *w);
/* Keep the queues full until t_end, measuring (s0 .. s1) from the first
 * wake-up after t_warm_end. Returns 1 if it measured a window, 0 if not (a
 * wait outlasted it, or t_warm_end == t_end: a warm-up), or a negative errno. */
int bench_worker_window(struct bench_worker *w, uint64_t t_warm_end, uint64_t t_end);
/* Wait for what is still in flight, so that the next window or point starts clean. */
void bench_worker_drain(struct bench_worker *w);
/* Drain, stop the controller and the tick callback, release the point. */
void bench_worker_end(struct bench_worker *w);
/* A worker's failure, named on stderr (0 if none). */
int bench_worker_check(const struct bench_worker *w);
/* A point's rates from its totals over secs seconds of measuring (one task: its speed is the point's). */
void bench_point_rates(struct bench_point *p, uint64_t bytes, uint64_t ops, uint64_t irqs, uint64_t cpu_ns,
		       double secs);
/* Run one device point on every worker at once. */
int bench_device_point(struct bench_worker *ws, const struct bench_cfg *cfg, unsigned algo, uint32_t size,
		       const char *ctl, struct bench_point *p);

/* ---- raw.c: raw OpenSSL, same process, no device ---- */

int bench_raw_point(const struct bench_cfg *cfg, unsigned algo, uint32_t size, struct bench_point *p);

/* ---- the runs: grid.c, league.c, steps.c ---- */

struct bench_ctx {
	struct bench_cfg *cfg;
	struct vfc_global_opts *g;
	struct bench_worker *ws;
	unsigned n_ws;
	int kind; /* the engine kind of the open device, -1: as the options say */
	FILE *timeline;
	pthread_mutex_t timeline_lock;
	unsigned done, total; /* progress */
};

/* Close every worker's VF (the embedded device goes with the last) and open them again on a
 * device of engine kind k (kinds.c). 0 or -1 after a message. */
int bench_reopen(struct bench_ctx *x, enum vfc_engine_kind k);
/* --league --engine-kind: the league once per kind, then the JSON / CSV of all points (kinds.c). */
int bench_run_leagues(struct bench_ctx *x, struct vfc_out *csv_out);

/* Each run returns 0 or a negative errno, and its points in *out (malloc'ed, *n_out of them; set
 * whenever they were allocated, also after a failure: the caller frees them). */

/* The ordinary run: algos x sizes x (ctl columns + raw). */
int bench_run_grid(struct bench_ctx *x, struct bench_point **out, size_t *n_out);
/* The controller league: per cell, a static sweep (the oracle) and the controllers, interleaved in slots. */
int bench_run_league(struct bench_ctx *x, struct bench_point **out, size_t *n_out);
/* The league's points (and VFs) per cell: the oracle's statics, then the controllers. */
unsigned bench_league_points(const struct bench_cfg *cfg);
/* The fresh league (--league with --warmup-ticks, --vfs > 1 or --mix): every point on fresh VFs
 * (fresh.c). */
int bench_run_fresh(struct bench_ctx *x, struct bench_point **out, size_t *n_out);
static inline bool bench_fresh(const struct bench_cfg *cfg)
{
	return cfg->league && (cfg->n_warm_ticks || cfg->vfs > 1 || cfg->n_mix);
}
/* The league's static sweep: cap k (0: no cap) and its spec ("static:HZ", "none"). */
uint32_t bench_league_cap(unsigned k);
const char *bench_league_spec(unsigned k);
/* A deterministic shuffle of 0 .. n-1 (Fisher-Yates on xorshift64), one per seed: a round's order. */
void bench_league_order(unsigned *order, unsigned n, uint64_t seed);
/* The league's depths (--depth: its list; else 4 and 32) into depths[0 .. BENCH_MAX_LIST); returns how many. */
unsigned bench_league_depths(const struct bench_cfg *cfg, unsigned *depths);
/* --steps: the workloads one after the other on one VF whose controller is kept. */
int bench_run_steps(struct bench_ctx *x, struct bench_point **out, size_t *n_out);

/* ---- report.c: progress, the point lines, the table, CSV and JSON ---- */

/* "[3/40] sha256 1024 B none ..." on a terminal's stderr (ctl NULL: raw OpenSSL), unless quiet. */
void bench_progress(struct bench_ctx *x, unsigned algo, uint32_t size, const char *ctl);
/* openssl speed's line for one point. */
void bench_print_point_line(const struct bench_point *p);
/* A league's line for a controller point below 0.97 of the oracle: its name (width w), the cell
 * (with the warm-up ticks if ticks), the ratio and its 90% interval over the per ("rounds", "slots"),
 * "beyond noise" where the whole interval lies below 0.97. */
void bench_print_short_row(const char *name, int w, const struct bench_point *p, bool ticks, const char *per);
/* The leagues' note on the cross-validated oracle (the "cv" rows and columns). */
void bench_print_cv_note(void);
/* The ordinary run's table. */
void bench_print_table(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n);
/* Write the points to the CSV output opened before the run (so that a bad path
 * fails at once, not after the measurements), and make it visible. */
int bench_write_csv(const struct bench_cfg *cfg, struct vfc_out *o, const struct bench_point *pts, size_t n);
/* The points as one JSON object on stdout. */
void bench_print_json(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n);

#endif
