/* SPDX-License-Identifier: MIT */
/* fresh_cells.c - the fresh league's workloads and cells: their points, oracle-pt's search, ratios to the oracle. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fresh.h"

#define FRESH_STATIC_WARM 0.3 /* a static cap needs no settling: the queues fill well within this */
#define FRESH_TICK_MARGIN_NS 2000000ull /* the window opens just after the warm-up's last tick */
#define FRESH_PT_PASSES 2 /* oracle-pt: passes of the coordinate search */

/* Warm-up indices: one per --warmup-ticks entry, or one (--warmup seconds). */
static unsigned n_warms(const struct bench_cfg *cfg)
{
	return cfg->n_warm_ticks ? cfg->n_warm_ticks : 1;
}

static uint64_t warm_ns(const struct bench_cfg *cfg, unsigned w)
{
	if (!cfg->n_warm_ticks)
		return (uint64_t)(cfg->warmup * 1e9);
	return (uint64_t)cfg->warm_ticks[w] * cfg->tick_ms * 1000000ull + FRESH_TICK_MARGIN_NS;
}

static void fcell_free(struct fcell *fc)
{
	if (fc->acc)
		free(fc->acc[0].vf_bytes);
	free(fc->acc);
	free(fc->warm_ns);
	free(fc->slot_mbps);
	free(fc->slots);
	free(fc->racing);
}

/* The workload's points and arrays (c: n points, the first n_static static). 0 or -ENOMEM. */
static int fcell_alloc(struct fcell *fc, unsigned n, unsigned n_vfs)
{
	uint64_t *vf;

	fc->n = n;
	fc->n_vfs = n_vfs;
	fc->acc = calloc(n + 1, sizeof(*fc->acc)); /* + oracle-pt's */
	fc->warm_ns = calloc(n, sizeof(uint64_t));
	fc->stride = fresh_max_rounds(fc->R);
	fc->slot_mbps = calloc((size_t)n * fc->stride, sizeof(double));
	fc->slots = calloc(n, sizeof(unsigned));
	fc->racing = calloc(n, sizeof(bool));
	vf = calloc((size_t)(n + 1) * n_vfs * 2, sizeof(uint64_t));
	if (fc->acc)
		fc->acc[0].vf_bytes = vf;
	if (!fc->acc || !fc->warm_ns || !fc->slot_mbps || !fc->slots || !fc->racing || !vf)
		return -ENOMEM;
	for (unsigned k = 0; k <= n; k++) {
		fc->acc[k].vf_bytes = vf + (size_t)k * n_vfs * 2;
		fc->acc[k].vf_ns = fc->acc[k].vf_bytes + n_vfs;
	}
	for (unsigned k = 0; k < n; k++)
		fc->racing[k] = true;
	return 0;
}

/* The workload's points: statics (warm-up: FRESH_STATIC_WARM at most), then the controllers per warm-up. */
static void fcell_points(struct fcell *fc, const struct bench_cfg *cfg, unsigned algo, uint32_t size,
			 unsigned depth)
{
	uint64_t wmin = UINT64_MAX;

	for (unsigned w = 0; w < n_warms(cfg); w++)
		wmin = warm_ns(cfg, w) < wmin ? warm_ns(cfg, w) : wmin;
	wmin = wmin < (uint64_t)(FRESH_STATIC_WARM * 1e9) ? wmin : (uint64_t)(FRESH_STATIC_WARM * 1e9);
	for (unsigned k = 0; k < fc->n; k++) {
		struct bench_point *p = &fc->c[k];
		unsigned w = k < fc->n_static ? 0 : (k - fc->n_static) / cfg->n_ctls;

		p->algo = algo;
		p->size = size;
		p->depth = depth;
		p->kind = -1;
		p->mix = cfg->n_mix ? cfg->mix : NULL;
		p->ctl = k < fc->n_static ? bench_league_spec(k) : cfg->ctls[(k - fc->n_static) % cfg->n_ctls];
		fc->warm_ns[k] = k < fc->n_static ? wmin : warm_ns(cfg, w);
		p->warmup = (double)fc->warm_ns[k] / 1e9;
	}
	for (unsigned v = 0; v < fc->n_vfs; v++) {
		fc->size[v] = cfg->n_mix ? cfg->mix_size[v % cfg->n_mix] : size;
		fc->depth[v] = cfg->n_mix ? cfg->mix_depth[v % cfg->n_mix] : depth;
	}
}

/* "5000/0/2000" */
static void caps_text(char *buf, size_t len, const uint32_t *caps, unsigned n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned v = 0; v < n && o < len; v++)
		o += (size_t)snprintf(buf + o, len - o, "%s%" PRIu32, v ? "/" : "", caps[v]);
}

/* One slot per tenant assignment caps; its speed in *mbps (a: its totals). */
static int pt_slot(struct fcell *fc, const uint32_t *caps, struct facc *a, double *mbps)
{
	char specs[BENCH_CS_MAX_TENANTS][32];
	const char *sp[BENCH_CS_MAX_TENANTS];

	for (unsigned v = 0; v < fc->n_vfs; v++) {
		snprintf(specs[v], sizeof(specs[v]), caps[v] ? "static:%" PRIu32 : "none", caps[v]);
		sp[v] = specs[v];
	}
	return fresh_slot(fc, 0, sp, a, mbps);
}

/* oracle-pt: per-tenant caps by coordinate search from the best common cap (static point best),
 * over the statics still racing, one slot per trial; then the result measured R slots into
 * fc->acc[fc->n] (p: its point). */
static int oracle_pt(struct fcell *fc, unsigned best, struct bench_point *p)
{
	uint32_t cands[BENCH_CS_MAX_CANDS], caps[BENCH_CS_MAX_TENANTS];
	unsigned n_cands = 0;
	struct bench_cs cs;
	struct facc scratch = fc->acc[fc->n]; /* its per-tenant arrays, reset below */
	int rc = 0;

	for (unsigned k = 0; k < fc->n_static && n_cands < BENCH_CS_MAX_CANDS; k++)
		if (fc->racing[k])
			cands[n_cands++] = bench_league_cap(k);
	bench_cs_init(&cs, fc->n_vfs, cands, n_cands, bench_league_cap(best), fc->c[best].mbps, FRESH_PT_PASSES);
	while (rc == 0 && bench_cs_next(&cs, caps)) {
		double m = 0;

		rc = pt_slot(fc, caps, &scratch, &m);
		bench_cs_result(&cs, m);
	}
	memset(scratch.vf_bytes, 0, 2 * fc->n_vfs * sizeof(uint64_t));
	memset(&fc->acc[fc->n], 0, offsetof(struct facc, vf_bytes));
	for (unsigned r = 0; r < fc->R && rc == 0; r++) {
		double m;

		rc = pt_slot(fc, cs.cur, &fc->acc[fc->n], &m);
	}
	*p = fc->c[best];
	p->ctl = "oracle-pt";
	caps_text(p->tenant_caps, sizeof(p->tenant_caps), cs.cur, fc->n_vfs);
	if (rc == 0)
		fresh_point_rates(p, &fc->acc[fc->n], fc->n_vfs);
	return rc;
}

/* Cell w of the workload into out (per_cell points): the statics, controller column w's points,
 * oracle-pt (pt, if asked); ratios to the best static (*best), the cross-validated oracle, the
 * interval, irq per GB against the oracle's. */
static void fcell_out(const struct fcell *fc, const struct bench_cfg *cfg, unsigned w, const struct bench_point *pt,
		      struct bench_point *out, unsigned best)
{
	unsigned n_out = fc->n_static + cfg->n_ctls, R = fc->stride;
	double cv = bench_oracle_cv(fc->slot_mbps, fc->slots, R, fc->n_static);
	const struct bench_point *o = &fc->c[best];

	for (unsigned i = 0; i < n_out + (pt != NULL); i++) {
		unsigned k = i < fc->n_static ? i : fc->n_static + w * cfg->n_ctls + (i - fc->n_static);
		struct bench_point *p = &out[i];
		double half = -1;

		*p = i < n_out ? fc->c[k] : *pt;
		if (i < n_out) {
			unsigned m = fc->slots[k] < fc->slots[best] ? fc->slots[k] : fc->slots[best];
			double tmp[100];

			half = bench_ratio_ci(&fc->slot_mbps[k * R], &fc->slot_mbps[best * R], m);
			memcpy(tmp, &fc->slot_mbps[k * R], fc->slots[k] * sizeof(double));
			p->spread_pct = bench_spread_pct(tmp, fc->slots[k]);
		}
		p->warm_ticks = cfg->n_warm_ticks ? cfg->warm_ticks[w] : 0;
		p->ratio_oracle = o->mbps > 0 ? p->mbps / o->mbps : 0;
		p->ratio_oracle_cv = cv > 0 ? p->mbps / cv : 0;
		p->ratio_ci_lo = half >= 0 ? p->ratio_oracle - half : 0;
		p->ratio_ci_hi = half >= 0 ? p->ratio_oracle + half : 0;
		p->irq_ratio_oracle = o->irq_per_gb > 0 ? p->irq_per_gb / o->irq_per_gb : 0;
	}
}

/* Run one workload (cfg's algo, size, depth; size 0 and depth 0 for a mix) and write its
 * cells (one per warm-up) to out. 0 or a negative errno. */
static int run_workload(struct bench_ctx *x, unsigned algo, uint32_t size, unsigned depth,
			struct bench_point *out, unsigned per_cell)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned n = BENCH_LEAGUE_N_CAPS + n_warms(cfg) * cfg->n_ctls, best = 0;
	struct fcell fc = { .x = x, .n_static = BENCH_LEAGUE_N_CAPS, .R = cfg->repeat, .bad = -1 };
	struct bench_point *c = calloc(n, sizeof(*c)), pt;
	int rc = c ? fcell_alloc(&fc, n, cfg->vfs) : -ENOMEM;

	fc.c = c;
	fc.slot_ns = (uint64_t)(cfg->seconds / fc.R * 1e9);
	if (rc == 0) {
		fcell_points(&fc, cfg, algo, size, depth);
		rc = fresh_rounds(&fc);
	}
	for (unsigned k = 0; k < n && rc == 0; k++) {
		fresh_point_rates(&c[k], &fc.acc[k], fc.n_vfs);
		c[k].slots = fc.slots[k];
		/* the oracle: the best static of those still racing at the end, measured in every
		 * round; one dropped from the race has fewer slots, and would lead only by the others'
		 * bad luck since (with the extra rounds of a noisy workload, often) */
		if (k < fc.n_static && fc.racing[k] && (!fc.racing[best] || c[k].mbps > c[best].mbps))
			best = k;
	}
	if (rc == 0 && cfg->oracle_pt)
		rc = oracle_pt(&fc, best, &pt);
	for (unsigned w = 0; w < n_warms(cfg) && rc == 0; w++) {
		fcell_out(&fc, cfg, w, cfg->oracle_pt ? &pt : NULL, &out[w * per_cell], best);
		if (!cfg->json)
			fresh_print_cell(cfg, &out[w * per_cell], best, fc.n_vfs);
	}
	fcell_free(&fc);
	free(c);
	return rc;
}

/* The workloads: algos x (a mix: one; else sizes x depths), each a cell per warm-up. */
int bench_run_fresh(struct bench_ctx *x, struct bench_point **out, size_t *n_out)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned depths[BENCH_MAX_LIST], n_depths = cfg->n_mix ? 1 : bench_league_depths(cfg, depths);
	unsigned n_sizes = cfg->n_mix ? 1 : cfg->n_sizes;
	unsigned per_cell = BENCH_LEAGUE_N_CAPS + cfg->n_ctls + (cfg->oracle_pt ? 1 : 0);
	size_t n_work = (size_t)cfg->n_algos * n_sizes * n_depths, n_cells = n_work * n_warms(cfg);
	struct bench_point *pts = calloc(n_cells * per_cell, sizeof(*pts));
	int rc = pts ? 0 : -ENOMEM;

	x->total = (unsigned)(n_work * (BENCH_LEAGUE_N_CAPS + n_warms(cfg) * cfg->n_ctls) * cfg->repeat);
	if (!cfg->json)
		fresh_print_header(cfg, cfg->vfs);
	for (size_t i = 0; i < n_work && rc == 0; i++) {
		unsigned algo = cfg->algo[i / n_depths / n_sizes];
		uint32_t size = cfg->n_mix ? 0 : cfg->sizes[(i / n_depths) % n_sizes];
		unsigned depth = cfg->n_mix ? 0 : depths[i % n_depths];

		rc = run_workload(x, algo, size, depth, &pts[i * n_warms(cfg) * per_cell], per_cell);
	}
	if (rc == 0 && !cfg->json)
		fresh_print_summary(cfg, pts, n_cells, per_cell, cfg->vfs);
	*out = pts;
	*n_out = pts ? n_cells * per_cell : 0;
	return rc;
}
