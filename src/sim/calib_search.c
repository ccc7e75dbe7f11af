/* SPDX-License-Identifier: MIT */
/* calib_search.c - calibration's search on the simulator: latencies and interrupt costs fitted together. */
#include "sim/calib_internal.h"

#include <errno.h>
#include <math.h>

/* The bench row r simulated with profile p for its seconds (0.5 .. max_s): total MB/s; *rc 0 or a negative errno. */
double vfc__cal_simulate_row(const struct vfc_sim_profile *p, const struct vfc__cal_row *r, double max_s, int *rc)
{
	struct vfc_sim_scenario sc = { 0 };
	struct vfc_sim_group g = { 0 };
	struct vfc_sim_phase ph = { 0 };
	struct vfc_sim_result res;
	double mbps;

	*rc = vfc_controller_parse(r->ctl, &g.ctl, NULL, 0);
	if (*rc)
		return 0;
	sc.prof = *p;
	sc.seed = 1;
	sc.duration_ns = (uint64_t)(fmin(fmax(r->seconds, 0.5), max_s) * 1e9);
	sc.tick_ns = 100000000ull; /* bench's default tick */
	sc.engines = p->engines;
	sc.ngroups = 1;
	sc.groups = &g;
	sc.nvfs = r->vfs;
	g.vfs = r->vfs;
	g.vcpus = p->vcpus;
	g.max_queue = 1024;
	g.nphases = 1;
	g.phases = &ph;
	ph.algo = r->algo;
	ph.block_bytes = r->block;
	ph.depth = r->depth;
	*rc = vfc_sim_run(&sc, NULL, &res);
	if (*rc)
		return 0;
	mbps = res.total_mbps;
	vfc_sim_result_fini(&res);
	return mbps;
}

/*
 * Root mean square of the relative errors of the device rows (simulated for
 * sim_s each; every row: the latencies move uncapped rows too, through the
 * engine's wake-ups); -ENOMEM or 0 in *rc. Squares: one row far off costs
 * more than several a little off, since the aim is every row within 10%.
 */
static double rows_error(const struct vfc_sim_profile *p, const struct vfc__cal_row *rows, size_t n, double sim_s,
			 int *rc)
{
	double sum = 0;
	size_t k = 0;

	*rc = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vfc__cal_row *r = &rows[i];
		double sim, e;

		if (r->raw)
			continue;
		sim = vfc__cal_simulate_row(p, r, sim_s, rc);
		if (*rc == -ENOMEM)
			return 0;
		if (*rc) {
			*rc = 0;
			continue;
		}
		e = (sim - r->mbps) / r->mbps;
		sum += e * e;
		k++;
	}
	return k ? sqrt(sum / (double)k) : 0;
}

/*
 * The model's terms that no row's throughput shows linearly, fitted together
 * on the simulator. The latencies, in the software device's terms: how late
 * a moderation deadline fires when the engines sleep (timer_late_ns: the
 * timer slack and the thread's wake-up), how long an idle engine takes to
 * start on a doorbell (engine_wake_ns), and how long the tenant takes to
 * wake after an interrupt (wake_ns, the mean of an exponential: scheduler
 * latencies vary, and rows whose engine finishes near a deadline see a mix
 * of on-time and late interrupts). Near the cap x depth cliff the engine
 * idles through all three; they set how many requests a tenant turns around
 * per interrupt. And the engine's costs: per interrupt w0 + w1 B/1024
 * (engine_irq_ns, engine_irq_ns_per_kib), engine_irq_wake_ns more when the
 * interrupt wakes a sleeping tenant, and the engine's own cost per request d
 * (a shift of every algorithm's engine_ns; their crypto part stays). The
 * linear fit gives w0, w1 and d assuming every interrupt costs the same; a
 * tenant that sleeps between interrupts (capped rows, large uncapped ones)
 * costs more per interrupt than one that is still busy (small uncapped
 * rows), so the linear values are a start, not the answer.
 */
/* The search's budget: simulations of every device row, 0.15 s each (about 50 ms for 42 rows here). */
#define FIT_MAX_EVALS 700
#define FIT_SIM_S 0.15

struct fit_axis {
	double *v;
	double step; /* the first step of the pattern search */
	double lo;   /* the floor: 0 for a cost; for d, the cheapest algorithm's engine_ns at 0 */
};

struct fit_ctx {
	struct vfc_sim_profile *p;
	const struct vfc__cal_row *rows;
	size_t n;
	double base[VFC_SIM_ALGO__MAX]; /* each algorithm's engine_ns at d = 0 */
	double d;                       /* the engine's per-request cost on top of base */
	unsigned evals;
};

static void fit_apply_d(struct fit_ctx *c)
{
	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++)
		if (c->p->algo[a].present)
			c->p->algo[a].engine_ns = fmax(0, c->base[a] + c->d);
}

/* The RMS relative error of the device rows with the current values; *rc as rows_error. */
static double fit_eval(struct fit_ctx *c, int *rc)
{
	fit_apply_d(c);
	c->evals++;
	return rows_error(c->p, c->rows, c->n, FIT_SIM_S, rc);
}

/* Set *v = t, evaluate, keep t if it is better than *best (ties keep the old value); 1 if kept. */
static int fit_try(struct fit_ctx *c, double *v, double t, double *best, int *rc)
{
	double keep = *v, e;

	*v = t;
	e = fit_eval(c, rc);
	if (*rc)
		return 0;
	if (e < *best - 1e-9) {
		*best = e;
		return 1;
	}
	*v = keep;
	return 0;
}


/* A latency searched over a fixed grid 0 .. hi by step. */
struct fit_grid {
	double *v, hi, step;
};

/* Stage 1: each latency over its grid in turn, twice; ties keep the smaller value. 0 or -ENOMEM. */
static int fit_grids(struct fit_ctx *c, const struct fit_grid *gr, int ngr, double *best)
{
	int rc;

	for (int round = 0; round < 2; round++) {
		for (int a = 0; a < ngr; a++) {
			double keep = *gr[a].v;

			for (double t = 0; t <= gr[a].hi + 1e-6; t += gr[a].step) {
				double e;

				if (t == keep)
					continue;
				*gr[a].v = t;
				e = fit_eval(c, &rc);
				if (rc)
					return rc;
				if (e < *best - 1e-9 || (e <= *best + 1e-9 && t < keep)) {
					*best = e;
					keep = t;
				}
			}
			*gr[a].v = keep;
		}
	}
	return 0;
}

/* Stage 2: the pattern search over every axis with a step. 0 or -ENOMEM. */
static int fit_pattern(struct fit_ctx *c, struct fit_axis *ax, int nax, double *best)
{
	int rc = 0;

	for (int halvings = 0; halvings <= 4 && c->evals < FIT_MAX_EVALS;) {
		bool moved = false;

		for (int a = 0; a < nax; a++) {
			if (!ax[a].step)
				continue;
			for (int dir = 1; dir >= -1; dir -= 2) {
				int k = 0;

				/* Go on in a direction while it improves (at most 8 steps a time). */
				while (k < 8 && c->evals < FIT_MAX_EVALS && (dir > 0 || *ax[a].v > ax[a].lo + 1e-9) &&
				       fit_try(c, ax[a].v, fmax(ax[a].lo, *ax[a].v + dir * ax[a].step), best, &rc))
					k++;
				if (rc)
					return rc;
				moved |= k > 0;
				if (k)
					break; /* improved upwards: no need to try down */
			}
		}
		if (!moved) {
			for (int a = 0; a < nax; a++)
				ax[a].step /= 2;
			halvings++;
		}
	}
	return 0;
}

/*
 * Two stages, both deterministic (fixed grids and steps; ties keep the
 * value in force), both minimising the RMS relative error of every device
 * row simulated for 0.15 s. First the latencies alone, each over a fixed
 * grid in turn, twice (timer 0..150 us by 15, engine wake-up 0..40 us by 4,
 * tenant wake-up 0..60 us by 6, interrupt wake-up 0..8 us by 1), with w0,
 * w1, d at the linear fit's values: the error is not smooth in the
 * latencies (a row's deadlines switch between on time and late as they
 * pass the engine's spin), so a coarse grid finds the basin first. Then a
 * pattern search over all seven together: each term in turn tries a step up
 * and down (going on in a direction while it improves), and when a sweep
 * improves nothing every step halves, four times (at most FIT_MAX_EVALS
 * simulations of the rows in all, for a bounded run time). Without capped
 * rows the latencies and the wake cost stay 0 and the linear values stand:
 * the rows do not determine them.
 */
int vfc__cal_fit_joint(struct vfc_sim_profile *p, const struct vfc__cal_row *rows, size_t n, bool with_w,
		       bool with_w1, unsigned *evals)
{
	struct fit_ctx c = { .p = p, .rows = rows, .n = n };
	const struct fit_grid gr[4] = {
		{ &p->timer_late_ns, 150000, 15000 },
		{ &p->engine_wake_ns, 40000, 4000 },
		{ &p->wake_ns, 60000, 6000 },
		{ &p->engine_irq_wake_ns, 8000, 1000 },
	};
	double dmin = -1e300, best;
	bool capped = false;
	int rc;

	*evals = 0;
	for (size_t i = 0; i < n; i++)
		capped |= !rows[i].raw && rows[i].cap;
	if (!capped)
		return 0;
	/* d = 0: every algorithm's engine_ns as the linear fit left it; d may go down to the cheapest's 0. */
	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++) {
		c.base[a] = p->algo[a].engine_ns;
		if (p->algo[a].present)
			dmin = fmax(dmin, -c.base[a]);
	}
	best = fit_eval(&c, &rc);
	if (!rc)
		rc = fit_grids(&c, gr, 4, &best);
	if (rc)
		return rc;

	struct fit_axis ax[] = {
		/* A term the linear fit found undetermined or negative stays 0 (step 0: not searched). */
		{ &p->engine_irq_ns, with_w ? fmax(250, p->engine_irq_ns / 4) : 0, 0 },
		{ &p->engine_irq_ns_per_kib, with_w1 ? fmax(25, p->engine_irq_ns_per_kib / 4) : 0, 0 },
		{ gr[3].v, gr[3].step, 0 },
		{ &c.d, 100, dmin },
		/* the latencies start from their grid's step */
		{ gr[0].v, gr[0].step, 0 },
		{ gr[1].v, gr[1].step, 0 },
		{ gr[2].v, gr[2].step, 0 },
	};

	rc = fit_pattern(&c, ax, (int)(sizeof(ax) / sizeof(ax[0])), &best);
	if (rc)
		return rc;
	fit_apply_d(&c); /* the last evaluation may have been a rejected d */
	*evals = c.evals;
	return 0;
}
