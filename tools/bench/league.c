/* SPDX-License-Identifier: MIT */
/* league.c - `vfc bench --league`: controllers against the best static cap of a sweep (the oracle). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "os/clock.h"

/* The oracle's sweep: static caps from 1 kHz to 200 kHz, and no cap (0, last: the A/A test's). */
static const unsigned league_caps[] = { 1000,  2000,  3000,  5000,   7000,   10000,  15000, 20000,
					30000, 50000, 70000, 100000, 150000, 200000, 0 };
#define N_LCAPS (sizeof(league_caps) / sizeof(league_caps[0]))
_Static_assert(N_LCAPS == BENCH_LEAGUE_N_CAPS, "bench.h counts the league's caps");
#define LEAGUE_MAX_POINTS (N_LCAPS + BENCH_MAX_LIST)
#define LEAGUE_LEAD_NS 20000000ull /* a slot's first 20 ms refill the queue: not measured */
#define LEAGUE_SLOT_TRIES 3 /* a slot whose window was missed runs again, up to this many times */
#define LEAGUE_RACE_AFTER BENCH_LEAGUE_RACE_AFTER
#define LEAGUE_RACE_KEEP BENCH_LEAGUE_RACE_KEEP

/* The league's default depths (args.c sets its default algorithms, sizes and controllers). */
static const unsigned league_depths[] = { 4, 32 };

/* The static points' specs: the points name them, so they outlive bench_run_league (CSV, JSON). */
static char league_specs[N_LCAPS][32];

unsigned bench_league_depths(const struct bench_cfg *cfg, unsigned *depths)
{
	unsigned n = cfg->depth_set ? cfg->n_depths : 2;

	memcpy(depths, cfg->depth_set ? cfg->depths : league_depths, n * sizeof(unsigned));
	return n;
}

/* The specs, made once (the league's and the fresh league's points name them). */
static void league_specs_init(void)
{
	for (unsigned k = 0; k < N_LCAPS; k++)
		snprintf(league_specs[k], sizeof(league_specs[k]), league_caps[k] ? "static:%u" : "none",
			 league_caps[k]);
}

uint32_t bench_league_cap(unsigned k)
{
	return league_caps[k];
}

const char *bench_league_spec(unsigned k)
{
	if (!league_specs[0][0])
		league_specs_init();
	return league_specs[k];
}

unsigned bench_league_points(const struct bench_cfg *cfg)
{
	return (unsigned)N_LCAPS + cfg->n_ctls;
}

void bench_league_order(unsigned *order, unsigned n, uint64_t seed)
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

/* ---- one cell ---- */

/* A cell being run: points [0, n_static) are the oracle's static caps, the rest controllers. */
struct cell {
	struct bench_ctx *x;
	struct bench_point *c;
	unsigned n, n_static, R, begun;
	uint64_t slot_ns;
	struct {
		uint64_t bytes, ops, irqs, ns, cpu_ns;
	} acc[LEAGUE_MAX_POINTS]; /* each point's totals over its slots */
	double *slot_mbps; /* [k * R + j]: point k's speed in its slot j */
	unsigned slots[LEAGUE_MAX_POINTS];
	bool racing[LEAGUE_MAX_POINTS];
	int bad; /* the point that failed, -1: none */
};

/* Begin every point's worker and warm it up once (its point's warm-up). -1 on a failure (cl->bad). */
static int cell_begin(struct cell *cl)
{
	int rc = 0;

	for (unsigned k = 0; k < cl->n && rc >= 0; k++, cl->begun++) {
		struct bench_worker *w = &cl->x->ws[k];
		uint64_t t;

		w->algo = cl->c[k].algo;
		w->size = cl->c[k].size;
		w->ctl = cl->c[k].ctl;
		w->rc = bench_worker_begin(w);
		if (w->rc == 0) {
			t = vfc_now_ns() + (uint64_t)(cl->c[k].warmup * 1e9);
			w->rc = bench_worker_window(w, t, t); /* 0: a warm-up measures nothing */
			bench_worker_drain(w);
		}
		if (w->rc < 0 || w->first_error) {
			cl->bad = (int)k;
			rc = -1;
		}
	}
	return rc;
}

/* One slot of point k: its controller's tick restarts (the pause is not a sample), the slot's
 * first LEAGUE_LEAD_NS refill the queue, then slot_ns are measured and added to its totals. A slot
 * whose window the tenant missed (its thread did not run between the window's edges: a loaded
 * machine) is run again, up to LEAGUE_SLOT_TRIES times. */
static int cell_slot(struct cell *cl, unsigned k)
{
	struct bench_point *p = &cl->c[k];
	struct bench_worker *w = &cl->x->ws[k];
	uint64_t t, dt;
	int rc = 0;

	bench_progress(cl->x, p->algo, p->size, p->ctl);
	for (unsigned attempt = 0; rc == 0 && attempt < LEAGUE_SLOT_TRIES; attempt++) {
		t = vfc_now_ns() + LEAGUE_LEAD_NS;
		vfc_vf_restart_tick(w->vf);
		rc = bench_worker_window(w, t, t + cl->slot_ns);
		bench_worker_drain(w);
	}
	cl->x->done++;
	if (rc == 0)
		w->what = "a slot (a wait outlasted it, every try)";
	w->rc = rc == 0 ? -ETIMEDOUT : rc < 0 ? rc : 0;
	if (w->rc < 0 || w->first_error) {
		cl->bad = (int)k;
		return -1;
	}
	dt = w->s1.now_ns - w->s0.now_ns;
	cl->acc[k].bytes += w->s1.bytes - w->s0.bytes;
	cl->acc[k].ops += w->s1.ops - w->s0.ops;
	cl->acc[k].irqs += w->s1.irqs - w->s0.irqs;
	cl->acc[k].cpu_ns += w->s1.tenant_cpu_ns - w->s0.tenant_cpu_ns;
	cl->acc[k].ns += dt;
	cl->slot_mbps[k * cl->R + cl->slots[k]++] =
		dt ? (double)(w->s1.bytes - w->s0.bytes) / (double)dt * 1e3 : 0;
	p->cap_hz = w->s1.cap_hz;
	return 0;
}

/* The race: a static point below LEAGUE_RACE_KEEP x the best static so far cannot be the oracle. */
static void cell_race(struct cell *cl)
{
	double top = 0; /* the best static's speed so far */

	for (unsigned k = 0; k < cl->n_static; k++)
		if (cl->racing[k] && (double)cl->acc[k].bytes / (double)cl->acc[k].ns > top)
			top = (double)cl->acc[k].bytes / (double)cl->acc[k].ns;
	for (unsigned k = 0; k < cl->n_static; k++)
		if (cl->racing[k] &&
		    (double)cl->acc[k].bytes / (double)cl->acc[k].ns < LEAGUE_RACE_KEEP * top)
			cl->racing[k] = false;
}

/* R rounds, each running every point still racing for one slot, in a fresh order each round. */
static int cell_rounds(struct cell *cl)
{
	unsigned order[LEAGUE_MAX_POINTS];

	for (unsigned r = 0; r < cl->R; r++) {
		bench_league_order(order, cl->n, r + 1);
		for (unsigned i = 0; i < cl->n; i++) {
			if (!cl->racing[order[i]])
				cl->x->done++;
			else if (cell_slot(cl, order[i]) < 0)
				return -1;
		}
		if (r + 1 >= LEAGUE_RACE_AFTER)
			cell_race(cl);
	}
	return 0;
}

/* Each point's totals, the oracle (*best), the ratios to it and to the cross-validated
 * one (*oracle_cv) with their intervals, and the spread of its slot speeds. */
static void cell_finish(struct cell *cl, double *oracle_cv, unsigned *best)
{
	struct bench_point *c = cl->c;
	unsigned R = cl->R;

	*oracle_cv = bench_oracle_cv(cl->slot_mbps, cl->slots, R, cl->n_static);
	for (unsigned k = 0; k < cl->n; k++) {
		struct bench_worker *w = &cl->x->ws[k];

		bench_point_rates(&c[k], cl->acc[k].bytes, cl->acc[k].ops, cl->acc[k].irqs, cl->acc[k].cpu_ns,
				  (double)cl->acc[k].ns / 1e9);
		bench_lat_percentiles(w->lat, w->n_lat < BENCH_LAT_SAMPLES ? w->n_lat : BENCH_LAT_SAMPLES,
				      &c[k].lat_p50_us, &c[k].lat_p99_us);
		if (k < cl->n_static && c[k].mbps > c[*best].mbps)
			*best = k; /* the oracle: the best static point */
	}
	for (unsigned k = 0; k < cl->n; k++) {
		unsigned m = cl->slots[k] < cl->slots[*best] ? cl->slots[k] : cl->slots[*best];
		double half = bench_ratio_ci(&cl->slot_mbps[k * R], &cl->slot_mbps[*best * R], m);

		c[k].ratio_oracle = c[*best].mbps > 0 ? c[k].mbps / c[*best].mbps : 0;
		c[k].irq_ratio_oracle = c[*best].irq_per_gb > 0 ? c[k].irq_per_gb / c[*best].irq_per_gb : 0;
		c[k].ratio_oracle_cv = *oracle_cv > 0 ? c[k].mbps / *oracle_cv : 0;
		c[k].ratio_ci_lo = half >= 0 ? c[k].ratio_oracle - half : 0;
		c[k].ratio_ci_hi = half >= 0 ? c[k].ratio_oracle + half : 0;
	}
	/* after the intervals: they pair the slots by round, the spread sorts them */
	for (unsigned k = 0; k < cl->n; k++)
		c[k].spread_pct = bench_spread_pct(&cl->slot_mbps[k * R], cl->slots[k]);
}

/* One league cell, c[0 .. n): every point has its own VF (x->ws[k]) and keeps its
 * controller running from slot to slot. After one warm-up turn each, R rounds
 * run every point for one slot of seconds / R, in a fresh order each round, so
 * that all the points of a cell meet the same slow and fast phases of a shared
 * machine (one point alone can vary by tens of percent over seconds with small
 * requests). A race spends the time where it decides something: from round
 * LEAGUE_RACE_AFTER on, a static point below LEAGUE_RACE_KEEP x the best static
 * so far cannot be the oracle and stops running. A point reports its totals
 * over its slots, the spread of its slot speeds, its ratios to the oracle (the
 * best static point, *best) and to the cross-validated oracle (bench_oracle_cv,
 * whose speed is *oracle_cv), and the 90% interval of the first (bench_ratio_ci). */
static int league_cell(struct bench_ctx *x, struct bench_point *c, unsigned n, unsigned n_static,
		       double *oracle_cv, unsigned *best)
{
	struct cell cl = { .x = x, .c = c, .n = n, .n_static = n_static, .R = x->cfg->repeat, .bad = -1 };
	int rc;

	*oracle_cv = 0;
	*best = 0;
	cl.slot_ns = (uint64_t)(x->cfg->seconds / cl.R * 1e9);
	cl.slot_mbps = calloc((size_t)n * cl.R, sizeof(double));
	for (unsigned k = 0; k < n; k++)
		cl.racing[k] = true;
	rc = cl.slot_mbps ? 0 : -ENOMEM;
	if (rc == 0 && cell_begin(&cl) == 0)
		cell_rounds(&cl);
	if (cl.bad >= 0)
		rc = bench_worker_check(&x->ws[cl.bad]);
	for (unsigned k = 0; k < cl.begun; k++)
		bench_worker_end(&x->ws[k]);
	if (rc >= 0)
		cell_finish(&cl, oracle_cv, best);
	free(cl.slot_mbps);
	return rc < 0 ? rc : 0;
}

/* ---- the league: its cells, their columns, the table ---- */

/* Per controller column, over the cells: ratios to the oracle [0] and to the cross-validated oracle [1]. */
struct league_cols {
	struct {
		double sum[2], min[2], irq_per_gb;
		unsigned n97[2],
			n_short; /* n_short: cells below 0.97 beyond noise (the interval's top too) */
	} col[BENCH_MAX_LIST];
	double aa_sum, aa_max; /* the A/A test: the none column against the sweep's own none point */
	unsigned aa_col; /* the none column; UINT_MAX: none */
};

static void cols_init(struct league_cols *lc, const struct bench_cfg *cfg)
{
	memset(lc, 0, sizeof(*lc));
	lc->aa_col = UINT_MAX;
	for (unsigned k = 0; k < cfg->n_ctls; k++) {
		lc->col[k].min[0] = lc->col[k].min[1] = HUGE_VAL;
		if (!strcmp(cfg->ctls[k], "none"))
			lc->aa_col = k;
	}
}

/* Add cell c's controller points to the columns. */
static void cols_add(struct league_cols *lc, const struct bench_cfg *cfg, const struct bench_point *c,
		     size_t n_cells)
{
	for (unsigned k = 0; k < cfg->n_ctls; k++) {
		const struct bench_point *p = &c[N_LCAPS + k];
		const double r[2] = { p->ratio_oracle, p->ratio_oracle_cv };

		for (unsigned v = 0; v < 2; v++) {
			lc->col[k].sum[v] += r[v];
			lc->col[k].min[v] = r[v] < lc->col[k].min[v] ? r[v] : lc->col[k].min[v];
			lc->col[k].n97[v] += r[v] >= 0.97;
		}
		lc->col[k].n_short += p->ratio_ci_hi > 0 && p->ratio_ci_hi < 0.97;
		lc->col[k].irq_per_gb += p->mbps > 0 ? p->irq_hz / (p->mbps / 1e3) / (double)n_cells : 0;
	}
	if (lc->aa_col != UINT_MAX && c[N_LCAPS - 1].mbps > 0) { /* league_caps ends with 0: none */
		double d = fabs(c[N_LCAPS + lc->aa_col].mbps / c[N_LCAPS - 1].mbps - 1.0);

		lc->aa_sum += d;
		lc->aa_max = d > lc->aa_max ? d : lc->aa_max;
	}
}

static void print_header(const struct bench_cfg *cfg)
{
	printf("League: each cell's speed divided by the best static setting of a sweep of\n"
	       "{1,2,3,5,7,10,15,20,30,50,70,100,150,200} kHz and no cap (the oracle).\n"
	       "Every point runs up to %u slots of %.2f s, interleaved with the cell's other points\n"
	       "(a static point below %.1f x the best static after %u rounds drops out);\n"
	       "warm-up: controllers %.1f s, static points %.1f s; tick %u ms\n\n"
	       "%-12s %6s %5s %13s %9s %7s |",
	       cfg->repeat, cfg->seconds / cfg->repeat, LEAGUE_RACE_KEEP, LEAGUE_RACE_AFTER, cfg->warmup,
	       cfg->warmup < 0.3 ? cfg->warmup : 0.3, cfg->tick_ms, "algo", "bytes", "depth", "oracle",
	       "MB/s", "cv MB/s");
	for (unsigned k = 0; k < cfg->n_ctls; k++)
		printf(" %8.8s", cfg->ctls[k]);
	printf("\n");
}

static void print_row(const struct bench_cfg *cfg, const struct bench_point *c, unsigned best, double cv)
{
	printf("%-12s %6u %5u %13s %9.1f %7.1f |", bench_algos[c[0].algo].name, c[0].size, cfg->depth,
	       c[best].ctl, c[best].mbps, cv);
	for (unsigned k = 0; k < cfg->n_ctls; k++)
		printf(" %8.3f", c[N_LCAPS + k].ratio_oracle);
	printf("\n");
	fflush(stdout);
}

/* The cells where a controller is below 0.97 of the oracle, with the 90% interval of its ratio. */
static void print_short(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n_cells,
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
			bench_print_short_row(cfg->ctls[k - N_LCAPS], 10, p, false, "rounds");
		}
}

/* The columns' mean, min and cells at 0.97 against the oracle, then against the cross-validated one;
 * cells short beyond noise, interrupts per GB. */
static void print_col_rows(const struct bench_cfg *cfg, const struct league_cols *lc, size_t n_cells)
{
	unsigned n_ctls = cfg->n_ctls;

	for (unsigned v = 0; v < 2; v++) {
		const char *sfx = v ? " (cv)" : "";

		printf("mean%-33s %7s |", sfx, "");
		for (unsigned k = 0; k < n_ctls; k++)
			printf(" %8.3f", lc->col[k].sum[v] / (double)n_cells);
		printf("\nmin%-34s %7s |", sfx, "");
		for (unsigned k = 0; k < n_ctls; k++)
			printf(" %8.3f", lc->col[k].min[v]);
		printf("\ncells >= 0.97%-24s %7s |", sfx, "");
		for (unsigned k = 0; k < n_ctls; k++)
			printf(" %8u", lc->col[k].n97[v]);
		printf("\n");
	}
	printf("%-37s %7s |", "cells < 0.97 beyond noise", "");
	for (unsigned k = 0; k < n_ctls; k++)
		printf(" %8u", lc->col[k].n_short);
	printf("\n%-37s %7s |", "irq per GB", "");
	for (unsigned k = 0; k < n_ctls; k++)
		printf(" %8.0f", lc->col[k].irq_per_gb);
	printf("\n");
}

static void print_summary(const struct bench_cfg *cfg, const struct league_cols *lc,
			  const struct bench_point *pts, size_t n_cells, unsigned per_cell)
{
	print_col_rows(cfg, lc, n_cells);
	print_short(cfg, pts, n_cells, per_cell);
	bench_print_cv_note();
	if (lc->aa_col != UINT_MAX)
		printf("\nThe noise floor (an A/A test): the none column against the sweep's own none point,\n"
		       "the same setting measured twice in the same rounds, differs by %.1f%% on average and\n"
		       "by %.1f%% at most\n",
		       100.0 * lc->aa_sum / (double)n_cells, 100.0 * lc->aa_max);
}

/* The points of a cell at depth: the oracle's statics (a static cap needs no settling:
 * at most 0.3 s of warm-up), then the controller columns. */
static void cell_points(const struct bench_cfg *cfg, struct bench_point *c, unsigned algo, uint32_t size,
			unsigned depth)
{
	for (unsigned k = 0; k < bench_league_points(cfg); k++) {
		c[k].algo = algo;
		c[k].size = size;
		c[k].ctl = k < N_LCAPS ? league_specs[k] : cfg->ctls[k - N_LCAPS];
		c[k].depth = depth;
		c[k].warmup = k < N_LCAPS && cfg->warmup > 0.3 ? 0.3 : cfg->warmup;
	}
}

/* The cells are algos x sizes x depths (--depth: one; else league_depths), a row of the table each. */
int bench_run_league(struct bench_ctx *x, struct bench_point **out, size_t *n_out)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned depths[BENCH_MAX_LIST], n_sizes = cfg->n_sizes, n_depths = bench_league_depths(cfg, depths);
	const unsigned per_cell = bench_league_points(cfg);
	size_t n_cells = (size_t)cfg->n_algos * n_sizes * n_depths, n = n_cells * per_cell;
	struct bench_point *pts = calloc(n, sizeof(*pts));
	struct league_cols lc;
	int rc = 0;

	if (!pts)
		return -ENOMEM;
	league_specs_init();
	cols_init(&lc, cfg);
	x->total = (unsigned)n * cfg->repeat;
	if (!cfg->json)
		print_header(cfg);
	for (size_t cell = 0; cell < n_cells && rc == 0; cell++) {
		struct bench_point *c = &pts[cell * per_cell];
		unsigned best;
		double cv;

		cfg->depth = depths[cell % n_depths];
		cell_points(cfg, c, cfg->algo[cell / n_depths / n_sizes],
			    cfg->sizes[(cell / n_depths) % n_sizes], cfg->depth);
		rc = league_cell(x, c, per_cell, N_LCAPS, &cv, &best);
		if (rc < 0)
			break;
		cols_add(&lc, cfg, c, n_cells);
		if (!cfg->json)
			print_row(cfg, c, best, cv);
	}
	if (rc == 0 && !cfg->json)
		print_summary(cfg, &lc, pts, n_cells, per_cell);
	*out = pts;
	*n_out = n;
	return rc;
}
