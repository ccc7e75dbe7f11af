/* SPDX-License-Identifier: MIT */
/* main.c - `vfc bench`: openssl-speed style throughput of VFs under a controller (setup, run, output). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* A ring slot per request in flight: depth x tasks (or a mix entry's depth) beyond the default ring
 * would otherwise be capped there silently (submit waits for a free slot). A power of two up to
 * VFC_RING_MAX (BENCH_MAX_DEPTH is below it). */
static void size_ring(const struct bench_cfg *cfg, struct vfc_global_opts *g)
{
	uint64_t depth = (uint64_t)cfg->depth * cfg->tasks;
	uint32_t entries = g->vf.ring_entries ? g->vf.ring_entries : VFC_DEFAULT_RING_ENTRIES;

	for (unsigned k = 0; k < cfg->n_mix; k++)
		depth = cfg->mix_depth[k] > depth ? cfg->mix_depth[k] : depth;
	while (entries < depth && entries < VFC_RING_MAX)
		entries *= 2;
	g->vf.ring_entries = entries;
}

/* Buffers for depth x tasks requests of the largest size, twice over for headroom, into
 * g->vf.pool_size. -1 or the exit status. */
static int size_pool(const struct bench_cfg *cfg, struct vfc_global_opts *g)
{
	uint64_t need = 0;

	for (unsigned k = 0; k < cfg->n_sizes; k++) {
		uint64_t b = ((uint64_t)cfg->sizes[k] + BENCH_SIG_MAX + 4095) / 4096 * 4096;
		uint64_t depth = cfg->league && !cfg->depth_set ? 32 : cfg->depth; /* the league's deepest */

		need = b * depth * cfg->tasks > need ? b * depth * cfg->tasks : need;
	}
	for (unsigned k = 0; k < cfg->n_mix; k++) {
		uint64_t b = ((uint64_t)cfg->mix_size[k] + BENCH_SIG_MAX + 4095) / 4096 * 4096;

		need = b * cfg->mix_depth[k] > need ? b * cfg->mix_depth[k] : need;
	}
	need = need * 2 + (1u << 20);
	if (need > VFC_POOL_MAX) {
		fprintf(stderr,
			"vfc bench: sizes x depth x tasks need %" PRIu64 " MiB of buffers: too many\n",
			need >> 20);
		return VFC_EXIT_USAGE;
	}
	if (need > g->vf.pool_size)
		g->vf.pool_size = (need + 4095) / 4096 * 4096;
	size_ring(cfg, g);
	return -1;
}

/* The --timeline file and its header; 0 or -1 after a message. */
static int open_timeline(struct bench_ctx *x)
{
	x->timeline = fopen(x->cfg->timeline, "w");
	if (!x->timeline) {
		fprintf(stderr, "vfc bench: --timeline %s: %s\n", x->cfg->timeline, strerror(errno));
		return -1;
	}
	fprintf(x->timeline,
		"t_s,vf,algo,block_bytes,ctl,cap_hz,next_cap_hz,mbps,irq_hz,ops_per_s,depth,state\n");
	return 0;
}

/* n workers, each on its own VF (the fresh league opens them per point: none here); *opened
 * counts those to close (close_workers). 0 or -1 after a message. */
static int open_workers(struct bench_ctx *x, unsigned n, struct vfc_global_opts *g, unsigned *opened)
{
	struct bench_worker *ws = x->ws;

	for (unsigned v = 0; v < n; v++, (*opened)++) {
		ws[v].id = v;
		ws[v].cfg = x->cfg;
		ws[v].timeline = x->timeline;
		ws[v].timeline_lock = &x->timeline_lock;
		ws[v].lat = calloc(BENCH_LAT_SAMPLES, sizeof(uint64_t));
		if (!ws[v].lat)
			return -1;
		if (bench_fresh(x->cfg))
			continue;
		ws[v].vf = vfc_tool_vf_open("bench", g);
		if (!ws[v].vf)
			return -1;
	}
	return 0;
}

static void close_workers(struct bench_worker *ws, unsigned opened)
{
	for (unsigned v = 0; v < opened; v++) {
		if (ws[v].vf)
			vfc_vf_close(ws[v].vf);
		free(ws[v].lat);
	}
	free(ws);
}

/* RSA keys before the clock starts. 0 or -1 after a message. */
static int make_keys(const struct bench_cfg *cfg)
{
	for (unsigned a = 0; a < cfg->n_algos; a++) {
		unsigned bits = bench_algos[cfg->algo[a]].rsa_bits;

		if (bits && !bench_rsa_get(bits, cfg->quiet)) {
			fprintf(stderr, "vfc bench: RSA-%u key generation failed\n", bits);
			return -1;
		}
	}
	return 0;
}

/* The run the options chose, then its output: JSON, or the grid's table (the league and --steps
 * printed theirs as they went); the CSV file. */
static int run_and_report(struct bench_ctx *x, struct vfc_out *csv_out)
{
	const struct bench_cfg *cfg = x->cfg;
	struct bench_point *pts = NULL;
	size_t n_pts = 0;
	int rc;

	if (cfg->league && cfg->n_kinds)
		return bench_run_leagues(x, csv_out);
	rc = bench_fresh(cfg) ? bench_run_fresh(x, &pts, &n_pts) :
	     cfg->league  ? bench_run_league(x, &pts, &n_pts) :
	     cfg->n_steps ? bench_run_steps(x, &pts, &n_pts) :
			    bench_run_grid(x, &pts, &n_pts);
	if (rc >= 0) {
		if (cfg->json)
			bench_print_json(cfg, pts, n_pts);
		else if (!cfg->league && !cfg->n_steps)
			bench_print_table(cfg, pts, n_pts);
		if (cfg->csv)
			rc = bench_write_csv(cfg, csv_out, pts, n_pts);
	}
	free(pts);
	return rc;
}

/* After the options: the CSV output (opened first, so that a bad path fails at once), the pool,
 * the workers, the timeline and the keys; the run. Returns the exit status. */
static int bench(struct bench_cfg *cfg, struct vfc_global_opts *g)
{
	struct bench_ctx x = { .cfg = cfg, .g = g, .kind = -1 };
	struct vfc_out csv_out = { 0 };
	/* the league: a VF per point of a cell; the fresh league: a VF per tenant */
	unsigned opened = 0, n_workers = cfg->league && !bench_fresh(cfg) ? bench_league_points(cfg) : cfg->vfs;
	int rc, status = VFC_EXIT_FAIL;

	if (cfg->csv) {
		rc = vfc_out_open(&csv_out, cfg->csv);
		if (rc < 0) {
			fprintf(stderr, "vfc bench: --csv %s: %s\n", cfg->csv, strerror(-rc));
			return VFC_EXIT_FAIL;
		}
	}
	if (g->vf.n_vfs < n_workers)
		g->vf.n_vfs = n_workers;
	rc = size_pool(cfg, g);
	if (rc >= 0) {
		status = rc;
		goto out;
	}
	x.ws = calloc(n_workers, sizeof(*x.ws));
	if (!x.ws) {
		fprintf(stderr, "vfc bench: out of memory\n");
		goto out;
	}
	x.n_ws = n_workers;
	cfg->engines = g->vf.n_engines ? g->vf.n_engines : 1;
	cfg->engine_kind = (int)g->vf.engine_kind;
	if (cfg->n_kinds)
		g->vf.engine_kind = cfg->kinds[0];
	x.kind = cfg->n_kinds ? (int)cfg->kinds[0] : -1;
	pthread_mutex_init(&x.timeline_lock, NULL);
	if ((cfg->timeline && open_timeline(&x) < 0) || open_workers(&x, n_workers, g, &opened) < 0 ||
	    make_keys(cfg) < 0)
		goto out;
	if (run_and_report(&x, &csv_out) >= 0)
		status = VFC_EXIT_OK;
out:
	vfc_out_abort(&csv_out); /* nothing after a commit; a half-run leaves no file */
	if (x.timeline)
		fclose(x.timeline);
	close_workers(x.ws, opened);
	bench_rsa_free_all();
	return status;
}

int vfc_cmd_bench(int argc, char **argv, struct vfc_global_opts *g)
{
	struct bench_cfg cfg;
	int status = bench_parse_args(argc, argv, g, &cfg);

	if (status < 0)
		status = bench(&cfg, g);
	for (unsigned c = 0; c < cfg.n_ctls; c++)
		free(cfg.ctls[c]);
	for (unsigned c = 0; c < cfg.n_ctls * cfg.n_kinds; c++)
		free(cfg.labels[c]);
	return status;
}
