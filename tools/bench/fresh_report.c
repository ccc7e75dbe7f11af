/* SPDX-License-Identifier: MIT */
/* fresh_report.c - the fresh league's table: a row per cold cell, a block per multi-tenant cell, the columns' summary. */
#include <math.h>
#include <string.h>

#include "core/controller/controller.h"
#include "fresh.h"

static unsigned n_warms(const struct bench_cfg *cfg)
{
	return cfg->n_warm_ticks ? cfg->n_warm_ticks : 1;
}

/* The columns of a cell after its statics: the controllers, then oracle-pt if asked. */
static unsigned n_cols(const struct bench_cfg *cfg)
{
	return cfg->n_ctls + (cfg->oracle_pt ? 1 : 0);
}

static const char *col_name(const struct bench_cfg *cfg, unsigned k)
{
	return k < cfg->n_ctls ? cfg->ctls[k] : "oracle-pt";
}

void fresh_print_header(const struct bench_cfg *cfg, unsigned n_vfs)
{
	printf("Fresh league: every point runs on fresh VFs (a fresh device when embedded) for %u\n"
	       "slots, interleaved, and up to %u in a workload whose oracle's mean is noisier than %.0f%%\n"
	       "(its standard error); a slot opens the VFs, starts the controllers, warms up, measures\n"
	       "%.2f s and closes them. The oracle is the best common static cap of a sweep of\n"
	       "{1,2,3,5,7,10,15,20,30,50,70,100,150,200} kHz and no cap, measured the same way (warm-up\n"
	       "at most 0.3 s, once per workload for all its warm-ups). Tick %u ms; ",
	       cfg->repeat, fresh_max_rounds(cfg->repeat), 100 * FRESH_NOISY_SE,
	       cfg->seconds / cfg->repeat, cfg->tick_ms);
	if (cfg->n_warm_ticks)
		printf("warm-up in ticks per cell.\n");
	else
		printf("warm-up %.2f s.\n", cfg->warmup);
	if (n_vfs > 1)
		printf("%u tenants on %u engine(s), each VF its own controller instance%s\n", n_vfs,
		       cfg->engines, cfg->n_mix ? ", mixed workloads" : "");
	printf("\n");
	if (n_vfs > 1)
		return;
	printf("%-12s %6s %5s %5s %5s %13s %9s %7s |", "algo", "bytes", "depth", "ticks", "slots", "oracle", "MB/s",
	       "cv MB/s");
	for (unsigned k = 0; k < n_cols(cfg); k++)
		printf(" %9.9s", col_name(cfg, k));
	printf("\n");
}

/* A multi-tenant cell: a line per column (the oracle first) with its speed, ratio, fairness, irq/GB. */
static void print_block(const struct bench_cfg *cfg, const struct bench_point *c, unsigned best, unsigned n_vfs)
{
	const unsigned ns = BENCH_LEAGUE_N_CAPS;

	if (c[0].mix)
		printf("%s, mix %s", bench_algos[c[0].algo].name, c[0].mix);
	else
		printf("%s %u B depth %u", bench_algos[c[0].algo].name, c[0].size, c[0].depth);
	printf(" x %u VFs on %u engine(s), ", n_vfs, cfg->engines);
	if (c[0].warm_ticks)
		printf("warm-up %u ticks\n", c[0].warm_ticks);
	else
		printf("warm-up %.2f s\n", cfg->warmup);
	printf("  %-22s %9s %8s %6s %9s %8s %7s  %s\n", "column", "MB/s", "/oracle", "Jain", "irq/GB", "/oracle",
	       "spread", "caps");
	for (unsigned i = 0; i <= n_cols(cfg); i++) {
		const struct bench_point *p = i == 0 ? &c[best] : &c[ns + i - 1];
		char name[40];

		snprintf(name, sizeof(name), "%s%s", p->ctl, i == 0 ? " (oracle)" : "");
		printf("  %-22.22s %9.1f %8.3f %6.3f %9.0f %8.2f %6.1f%%  %s\n", name, p->mbps, p->ratio_oracle,
		       p->jain, p->irq_per_gb, p->irq_ratio_oracle, p->spread_pct,
		       p->tenant_caps[0] ? p->tenant_caps : "");
	}
	printf("\n");
}

void fresh_print_cell(const struct bench_cfg *cfg, const struct bench_point *c, unsigned best, unsigned n_vfs)
{
	if (n_vfs > 1) {
		print_block(cfg, c, best, n_vfs);
	} else {
		printf("%-12s %6u %5u %5u %5u %13s %9.1f %7.1f |", bench_algos[c[0].algo].name, c[0].size, c[0].depth,
		       c[0].warm_ticks, c[best].slots, c[best].ctl, c[best].mbps,
		       c[best].ratio_oracle_cv > 0 ? c[best].mbps / c[best].ratio_oracle_cv : 0);
		for (unsigned k = 0; k < n_cols(cfg); k++)
			printf(" %9.3f", c[BENCH_LEAGUE_N_CAPS + k].ratio_oracle);
		printf("\n");
	}
	fflush(stdout);
}

/* Column k over the cells of warm-up w: mean and min ratio, cells >= 0.97 (each against the oracle,
 * then [1] against the cross-validated one), min Jain, mean and max irq/GB ratio to the oracle's. */
struct colsum {
	double sum[2], min[2], jain_min, irq_sum, irq_max;
	unsigned n, n97[2], n_short; /* n_short: below 0.97 beyond noise (its whole interval) */
};

static void col_summary(const struct bench_point *pts, size_t n_cells, unsigned per_cell, unsigned nw, unsigned w,
			unsigned k, struct colsum *s)
{
	memset(s, 0, sizeof(*s));
	s->min[0] = s->min[1] = s->jain_min = HUGE_VAL;
	for (size_t i = w; i < n_cells; i += nw) {
		const struct bench_point *p = &pts[i * per_cell + BENCH_LEAGUE_N_CAPS + k];
		const double r[2] = { p->ratio_oracle, p->ratio_oracle_cv };

		for (unsigned v = 0; v < 2; v++) {
			s->sum[v] += r[v];
			s->min[v] = r[v] < s->min[v] ? r[v] : s->min[v];
			s->n97[v] += r[v] >= 0.97;
		}
		s->n_short += p->ratio_ci_hi > 0 && p->ratio_ci_hi < 0.97;
		s->jain_min = p->jain < s->jain_min ? p->jain : s->jain_min;
		s->irq_sum += p->irq_ratio_oracle;
		s->irq_max = p->irq_ratio_oracle > s->irq_max ? p->irq_ratio_oracle : s->irq_max;
		s->n++;
	}
}

/* The controller points below 0.97 of the oracle, with the 90% interval of the ratio over the slots
 * (each paired with the oracle's slot of the same round): "beyond noise" where it all lies below. */
static void print_short(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n_cells,
			unsigned per_cell)
{
	bool any = false;

	for (size_t i = 0; i < n_cells; i++)
		for (unsigned k = 0; k < cfg->n_ctls; k++) {
			const struct bench_point *p = &pts[i * per_cell + BENCH_LEAGUE_N_CAPS + k];

			if (p->ratio_oracle >= 0.97)
				continue;
			if (!any)
				printf("\nBelow 0.97 of the oracle, with the 90%% interval of the ratio over the slots:\n");
			any = true;
			bench_print_short_row(cfg->ctls[k], 22, p, true, "slots");
		}
}

/* Do specs a and b name the same setting (the same configuration, however spelt)? */
static bool same_setting(const char *a, const char *b)
{
	struct vfc_controller_cfg ca, cb;
	char fa[512], fb[512];

	if (vfc_controller_parse(a, &ca, NULL, 0) < 0 || vfc_controller_parse(b, &cb, NULL, 0) < 0)
		return false;
	vfc_controller_format(&ca, fa, sizeof(fa));
	vfc_controller_format(&cb, fb, sizeof(fb));
	return !strcmp(fa, fb);
}

/* Column k's twin: the index in a cell of the first earlier column, else of the sweep's point, with
 * the same setting; 0 with none (index 0 is never a column). */
static unsigned twin(const struct bench_cfg *cfg, unsigned k)
{
	for (unsigned j = 0; j < k; j++)
		if (same_setting(cfg->ctls[j], cfg->ctls[k]))
			return BENCH_LEAGUE_N_CAPS + j;
	for (unsigned j = 0; j < BENCH_LEAGUE_N_CAPS; j++)
		if (same_setting(bench_league_spec(j), cfg->ctls[k]))
			return j;
	return 0;
}

/* The noise floor (A/A tests): each column with a twin (the same setting measured twice in the same
 * rounds: an earlier column, or the sweep's own point) against it, over every cell: how far their
 * ratios to the oracle lie apart, on average and at most (the noise of one cell's ratio), and the
 * mean of their speeds' relative difference. */
static void print_aa(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n_cells, unsigned per_cell)
{
	for (unsigned k = 0; k < cfg->n_ctls; k++) {
		unsigned t = twin(cfg, k);
		double dr = 0, dr_max = 0, dv = 0;
		const struct bench_point *worst = NULL;

		if (!t || !n_cells)
			continue;
		for (size_t i = 0; i < n_cells; i++) {
			const struct bench_point *c = &pts[i * per_cell], *p = &c[BENCH_LEAGUE_N_CAPS + k];
			double d = fabs(p->ratio_oracle - c[t].ratio_oracle);

			dr += d;
			if (d >= dr_max) {
				dr_max = d;
				worst = p;
			}
			dv += c[t].mbps > 0 ? fabs(p->mbps / c[t].mbps - 1) : 0;
		}
		printf("\nA/A (the noise floor): %s against %s%s, the same setting in the same rounds:\n"
		       "  ratios to the oracle %.3f apart on average, %.3f at most (%s %u B depth %u);\n"
		       "  speeds %.1f%% apart on average\n",
		       cfg->ctls[k], t < BENCH_LEAGUE_N_CAPS ? "the sweep's " : "",
		       t < BENCH_LEAGUE_N_CAPS ? bench_league_spec(t) : cfg->ctls[t - BENCH_LEAGUE_N_CAPS],
		       dr / (double)n_cells, dr_max, bench_algos[worst->algo].name, worst->size, worst->depth,
		       100 * dv / (double)n_cells);
	}
}

void fresh_print_summary(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n_cells,
			 unsigned per_cell, unsigned n_vfs)
{
	unsigned nw = n_warms(cfg);

	for (unsigned w = 0; w < nw; w++) {
		if (cfg->n_warm_ticks)
			printf("\nwarm-up %u ticks, %zu cells:\n", cfg->warm_ticks[w], n_cells / nw);
		else
			printf("\n%zu cells:\n", n_cells / nw);
		printf("  %-22s %8s %8s %6s %8s %8s %6s %6s %9s %10s %10s\n", "column", "mean", "min", ">=0.97",
		       "mean cv", "min cv", ">=0.97", "short", "min Jain", "irq/GB/o", "max irq/o");
		for (unsigned k = 0; k < n_cols(cfg); k++) {
			struct colsum s;

			col_summary(pts, n_cells, per_cell, nw, w, k, &s);
			printf("  %-22.22s %8.3f %8.3f %6u %8.3f %8.3f %6u %6u %9.3f %10.2f %10.2f\n", col_name(cfg, k),
			       s.n ? s.sum[0] / s.n : 0, s.min[0], s.n97[0], s.n ? s.sum[1] / s.n : 0, s.min[1],
			       s.n97[1], s.n_short, s.jain_min, s.n ? s.irq_sum / s.n : 0, s.irq_max);
		}
	}
	print_short(cfg, pts, n_cells, per_cell);
	print_aa(cfg, pts, n_cells, per_cell);
	bench_print_cv_note();
	printf("\n/oracle: MB/s over the oracle's; Jain: (sum x)^2 / (n sum x^2) over the %u tenants' MB/s;\n"
	       "irq/GB/o: interrupts per GB over the oracle's (mean, max over the cells)\n",
	       n_vfs);
}
