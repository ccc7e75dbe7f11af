/* SPDX-License-Identifier: MIT */
/* calib.c - fit a "local" simulator profile from `vfc bench --csv` rows, then validate it row by row. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim.h"
#include "vfcrypt/abi.h"

/*
 * The software device of this project is engine-bound: an engine thread
 * does the crypto (a + k B per request) and pays for every interrupt it
 * raises (the eventfd write, w). Away from the cap x depth cliff, per
 * request engine time E / R (E engines, R requests per second) is then
 *
 *     E / R = a_algo + k_algo (B / 1024) + w (I / R)
 *
 * linear in the unknowns: least squares over every uncapped or statically
 * capped row, each row divided by its left side (relative residuals, as in
 * core/model.c). Rows near the cliff (mbps >= 0.8 cap depth B) measure the
 * cap, not the device, and are left out of the fit; every row is used in
 * the validation, which simulates it with its own controller. With raw rows
 * the engine's costs come from them instead (fit_raw), and the timer's
 * lateness, the tenant's wake-up and the interrupt's costs from a search
 * on the simulator (fit_joint).
 */

#define CAL_MAX_ROWS 4096
#define CAL_MAX_UNK (2 * VFC_SIM_ALGO__MAX + 2)

struct cal_row {
	int algo;
	uint32_t block, depth, vfs;
	char ctl[64];
	double seconds, mbps, irq_hz;
	uint32_t cap;
	unsigned line;
	bool raw;       /* a `raw` row: OpenSSL in the bench process, no device */
};

static int cal_err(char *err, size_t errlen, const char *fmt, const char *path, unsigned line, const char *what)
{
	if (errlen)
		snprintf(err, errlen, fmt, path, line, what);
	return -EINVAL;
}

/* Split a CSV line in place (no quoting: bench never quotes). */
static size_t split(char *s, char **f, size_t max)
{
	size_t n = 0;

	s[strcspn(s, "\r\n")] = 0;
	while (n < max) {
		f[n++] = s;
		s = strchr(s, ',');
		if (!s)
			break;
		*s++ = 0;
	}
	return n;
}

static int parse_num(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end != s && !*end && isfinite(*out) ? 0 : -1;
}

static int read_rows(const char *path, struct cal_row **out, size_t *n, char *err, size_t errlen)
{
	enum { C_ALGO, C_BLOCK, C_DEPTH, C_CTL, C_MBPS, C_IRQ, C_CAP, C_VFS, C_SECONDS, C__N };
	static const char *const names[C__N] = { "algo", "block_bytes", "depth", "ctl", "mbps", "irq_hz", "cap_hz",
						 "vfs", "seconds" };
	int col[C__N];
	char line[4096], *f[64];
	unsigned ln = 0;
	size_t ndev = 0;
	bool have_header = false;
	struct cal_row *rows;
	FILE *fp = fopen(path, "r");

	*n = 0;
	if (!fp) {
		if (errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	rows = calloc(CAL_MAX_ROWS, sizeof(*rows));
	if (!rows) {
		fclose(fp);
		return cal_err(err, errlen, "%s:%u: %s", path, 0, "out of memory");
	}
	while (fgets(line, sizeof(line), fp)) {
		size_t nf;
		double x[C__N] = { 0 };
		struct cal_row *r;

		ln++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0)
			continue;
		nf = split(line, f, 64);
		if (!have_header) {
			for (int c = 0; c < C__N; c++) {
				col[c] = -1;
				for (size_t k = 0; k < nf; k++)
					if (!strcasecmp(f[k], names[c]))
						col[c] = (int)k;
				if (col[c] < 0 && c < C_VFS) {
					fclose(fp);
					free(rows);
					return cal_err(err, errlen, "%s:%u: header has no column '%s'", path, ln,
						       names[c]);
				}
			}
			have_header = true;
			continue;
		}
		for (int c = 0; c < C__N; c++) {
			if (c == C_ALGO || c == C_CTL || col[c] < 0)
				continue;
			if ((size_t)col[c] >= nf || parse_num(f[col[c]], &x[c]) < 0 || x[c] < 0) {
				fclose(fp);
				free(rows);
				return cal_err(err, errlen, "%s:%u: column '%s': not a number >= 0", path, ln, names[c]);
			}
		}
		if ((size_t)col[C_ALGO] >= nf || (size_t)col[C_CTL] >= nf) {
			fclose(fp);
			free(rows);
			return cal_err(err, errlen, "%s:%u: %s", path, ln, "too few columns");
		}
		bool raw = !strcmp(f[col[C_CTL]], "raw");

		if (x[C_MBPS] <= 0 || x[C_BLOCK] < 1 || (!raw && x[C_DEPTH] < 1))
			continue; /* empty points say nothing */
		if (*n == CAL_MAX_ROWS) {
			fclose(fp);
			free(rows);
			return cal_err(err, errlen, "%s:%u: %s", path, ln, "too many rows (at most 4096)");
		}
		r = &rows[(*n)++];
		r->algo = vfc_sim_algo_parse(f[col[C_ALGO]]);
		if (r->algo < 0) {
			fclose(fp);
			free(rows);
			return cal_err(err, errlen, "%s:%u: unknown algo '%s'", path, ln, f[col[C_ALGO]]);
		}
		r->block = (uint32_t)x[C_BLOCK];
		r->depth = (uint32_t)x[C_DEPTH];
		r->vfs = col[C_VFS] >= 0 && x[C_VFS] >= 1 ? (uint32_t)x[C_VFS] : 1;
		r->seconds = col[C_SECONDS] >= 0 && x[C_SECONDS] > 0 ? x[C_SECONDS] : 2;
		snprintf(r->ctl, sizeof(r->ctl), "%s", f[col[C_CTL]]);
		r->mbps = x[C_MBPS];
		r->irq_hz = x[C_IRQ];
		r->cap = (uint32_t)x[C_CAP];
		r->line = ln;
		r->raw = raw;
		ndev += !raw;
	}
	fclose(fp);
	if (!have_header) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", path, ln, "no header line");
	}
	if (ndev < 3) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", path, ln, "fewer than 3 device rows");
	}
	*out = rows;
	return 0;
}

/* Solve A x = b (n x n, row-major) by Gaussian elimination with partial pivoting; -EDOM if singular. */
static int solve(double *A, double *b, double *x, int n)
{
	for (int c = 0; c < n; c++) {
		int p = c;
		double scale = 0;

		for (int r = 0; r < n; r++)
			scale = fmax(scale, fabs(A[r * n + c]));
		for (int r = c + 1; r < n; r++)
			if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
				p = r;
		if (scale == 0 || fabs(A[p * n + c]) < 1e-12 * scale)
			return -EDOM;
		if (p != c) {
			for (int k = 0; k < n; k++) {
				double t = A[c * n + k];

				A[c * n + k] = A[p * n + k];
				A[p * n + k] = t;
			}
			double t = b[c];

			b[c] = b[p];
			b[p] = t;
		}
		for (int r = c + 1; r < n; r++) {
			double f = A[r * n + c] / A[c * n + c];

			for (int k = c; k < n; k++)
				A[r * n + k] -= f * A[c * n + k];
			b[r] -= f * b[c];
		}
	}
	for (int c = n - 1; c >= 0; c--) {
		double s = b[c];

		for (int k = c + 1; k < n; k++)
			s -= A[c * n + k] * x[k];
		x[c] = s / A[c * n + c];
	}
	return 0;
}

static bool fit_row(const struct cal_row *r)
{
	double bound;

	if (strcmp(r->ctl, "none") && strncmp(r->ctl, "static:", 7))
		return false;
	if (!r->cap)
		return true;
	bound = (double)r->cap * r->depth * r->vfs * r->block / 1e6;
	return r->mbps < 0.8 * bound;
}

/*
 * Least squares over the fit rows. Unknowns: a, k per algorithm, then the
 * shared w0 (per interrupt) and w1 (per interrupt per KiB); use_w0/use_w1
 * false fixes that one at 0 (the rows do not determine it, or it came out
 * negative).
 */
static int fit(const struct cal_row *rows, size_t n, uint32_t engines, const int *ix, int nalg, bool use_w0,
	       bool use_w1, double *x)
{
	double A[CAL_MAX_UNK * CAL_MAX_UNK] = { 0 }, b[CAL_MAX_UNK] = { 0 }, xs[CAL_MAX_UNK] = { 0 };
	int col[CAL_MAX_UNK], m = 0, nunk = 2 * nalg + 2;

	for (int c = 0; c < nunk; c++)
		if (c < 2 * nalg || (c == 2 * nalg && use_w0) || (c == 2 * nalg + 1 && use_w1))
			col[m++] = c;
	for (size_t i = 0; i < n; i++) {
		const struct cal_row *r = &rows[i];
		double R = r->mbps * 1e6 / r->block, y = engines / R, full[CAL_MAX_UNK] = { 0 }, row[CAL_MAX_UNK];

		if (!fit_row(r))
			continue;
		full[ix[r->algo] * 2] = 1 / y;
		full[ix[r->algo] * 2 + 1] = r->block / 1024.0 / y;
		full[2 * nalg] = r->irq_hz / R / y;
		full[2 * nalg + 1] = r->irq_hz / R * (r->block / 1024.0) / y;
		for (int p = 0; p < m; p++)
			row[p] = full[col[p]];
		for (int p = 0; p < m; p++) {
			for (int q = 0; q < m; q++)
				A[p * m + q] += row[p] * row[q];
			b[p] += row[p]; /* y / y */
		}
	}
	int rc = solve(A, b, xs, m);

	for (int c = 0; c < nunk; c++)
		x[c] = 0;
	for (int p = 0; p < m; p++)
		x[col[p]] = xs[p];
	return rc;
}

/*
 * With `raw` rows (OpenSSL in the bench process: the engine's crypto alone)
 * at two block sizes or more for every algorithm, a and k come from them,
 * and w0, w1 from the uncapped rows only (every completion raises an
 * interrupt there, and the engine is the bottleneck): capped rows with
 * small requests are bound by the tenant's turnaround, not by the engine,
 * and would charge their idle engine time to a. Returns -EDOM (x untouched)
 * when the rows do not allow it.
 */
static int fit_raw(const struct cal_row *rows, size_t n, const int *ix, int nalg, bool *use_w1, double *x)
{
	double ak[2 * VFC_SIM_ALGO__MAX] = { 0 }, w[2] = { 0 };
	size_t nnone = 0;

	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++) {
		double A[4] = { 0 }, b[2] = { 0 }, xs[2];
		uint32_t b0 = 0;
		bool two = false;

		if (ix[a] < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct cal_row *r = &rows[i];
			double y = r->block / (r->mbps * 1e6), row[2];

			if (!r->raw || r->algo != a)
				continue;
			if (b0 && r->block != b0)
				two = true;
			b0 = r->block;
			row[0] = 1 / y;
			row[1] = r->block / 1024.0 / y;
			for (int p = 0; p < 2; p++) {
				for (int q = 0; q < 2; q++)
					A[p * 2 + q] += row[p] * row[q];
				b[p] += row[p];
			}
		}
		if (!two || solve(A, b, xs, 2) || xs[1] <= 0)
			return -EDOM;
		ak[ix[a] * 2] = fmax(0, xs[0]);
		ak[ix[a] * 2 + 1] = xs[1];
	}
	/*
	 * Pass 0: w0, w1 over the uncapped rows, crypto at the raw speed. Pass 1
	 * adds the engine's own cost per request d (its queue and bookkeeping,
	 * shared by the algorithms: it goes into each a) and the static rows that
	 * keep the engine busy: those that turn around at most half the depth
	 * per interrupt (measured: requests / interrupts <= depth / 2), so that
	 * while the tenant handles one interrupt's requests at least as many
	 * wait at the engine. The capped rows with few requests per interrupt
	 * are what shows d apart from the interrupt's cost.
	 */
	double dreq = 0;

	for (int pass = 0; pass < 2; pass++) {
		int m0 = pass ? 1 : 0, m = m0 + (*use_w1 ? 2 : 1);
		double A[9] = { 0 }, b[3] = { 0 }, xs[3];

		nnone = 0;
		for (size_t i = 0; i < n; i++) {
			const struct cal_row *r = &rows[i];
			double R = r->mbps * 1e6 / r->block, y = 1 / R, q = r->irq_hz / R, kib = r->block / 1024.0;
			double crypto = ak[ix[r->algo] * 2] + ak[ix[r->algo] * 2 + 1] * kib;
			double full[3] = { 1 / y, q / y, q * kib / y }, row[3];

			if (r->raw || !fit_row(r) || r->irq_hz <= 0)
				continue;
			if (strcmp(r->ctl, "none") && (!pass || 1 / q > r->depth / 2.0))
				continue;
			nnone++;
			for (int c = 0; c < m; c++)
				row[c] = full[c + 1 - m0];
			for (int c = 0; c < m; c++) {
				for (int d = 0; d < m; d++)
					A[c * m + d] += row[c] * row[d];
				b[c] += row[c] * (1 - crypto / y);
			}
		}
		if (nnone < (size_t)m || solve(A, b, xs, m))
			return pass ? 0 : -EDOM;
		if ((m - m0 == 2 && xs[m0 + 1] < 0) || xs[m0] < 0 || (pass && xs[0] < 0)) {
			if (pass)
				break; /* keep pass 0 */
			if (m - m0 == 2) {
				*use_w1 = false;
				pass--;
				continue;
			}
			return -EDOM;
		}
		dreq = pass ? xs[0] : 0;
		w[0] = xs[m0];
		w[1] = m - m0 == 2 ? xs[m0 + 1] : 0;
	}
	for (int c = 0; c < 2 * nalg; c++)
		x[c] = ak[c] + (c % 2 ? 0 : dreq);
	x[2 * nalg] = w[0];
	x[2 * nalg + 1] = w[1];
	return 0;
}

static double simulate_row(const struct vfc_sim_profile *p, const struct cal_row *r, double max_s, int *rc)
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
static double rows_error(const struct vfc_sim_profile *p, const struct cal_row *rows, size_t n, double sim_s,
			 int *rc)
{
	double sum = 0;
	size_t k = 0;

	*rc = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cal_row *r = &rows[i];
		double sim, e;

		if (r->raw)
			continue;
		sim = simulate_row(p, r, sim_s, rc);
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
	const struct cal_row *rows;
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
 * simulations of the rows in all, for a bounded run time). Without capped rows the latencies
 * and the wake cost stay 0 and the linear values stand: the rows do not
 * determine them.
 */
static int fit_joint(struct vfc_sim_profile *p, const struct cal_row *rows, size_t n, bool with_w, bool with_w1,
		     unsigned *evals)
{
	struct fit_ctx c = { .p = p, .rows = rows, .n = n };
	struct grid {
		double *v, hi, step;
	} gr[4] = {
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
	if (rc)
		return rc;
	for (int round = 0; round < 2; round++) {
		for (int a = 0; a < 4; a++) {
			double keep = *gr[a].v;

			for (double t = 0; t <= gr[a].hi + 1e-6; t += gr[a].step) {
				double e;

				if (t == keep)
					continue;
				*gr[a].v = t;
				e = fit_eval(&c, &rc);
				if (rc)
					return rc;
				if (e < best - 1e-9 || (e <= best + 1e-9 && t < keep)) {
					best = e;
					keep = t;
				}
			}
			*gr[a].v = keep;
		}
	}

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
	const int nax = (int)(sizeof(ax) / sizeof(ax[0]));

	for (int halvings = 0; halvings <= 4 && c.evals < FIT_MAX_EVALS;) {
		bool moved = false;

		for (int a = 0; a < nax; a++) {
			if (!ax[a].step)
				continue;
			for (int dir = 1; dir >= -1; dir -= 2) {
				int k = 0;

				/* Go on in a direction while it improves (at most 8 steps a time). */
				while (k < 8 && c.evals < FIT_MAX_EVALS && (dir > 0 || *ax[a].v > ax[a].lo + 1e-9) &&
				       fit_try(&c, ax[a].v, fmax(ax[a].lo, *ax[a].v + dir * ax[a].step), &best, &rc))
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
	fit_apply_d(&c); /* the last evaluation may have been a rejected d */
	*evals = c.evals;
	return 0;
}

int vfc_sim_calibrate(const char *csv_path, struct vfc_sim_profile *p, FILE *report, double *max_err_pct,
		      char *err, size_t errlen)
{
	struct cal_row *rows = NULL;
	size_t n = 0, nfit = 0, ndev = 0;
	int ix[VFC_SIM_ALGO__MAX], nalg = 0, rc;
	double x[CAL_MAX_UNK];
	double worst = 0, sum = 0;
	unsigned evals = 0;
	bool with_w = true, with_w1 = true, with_raw;

	rc = read_rows(csv_path, &rows, &n, err, errlen);
	if (rc)
		return rc;
	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++)
		ix[a] = -1;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].raw)
			continue;
		if (ix[rows[i].algo] < 0)
			ix[rows[i].algo] = nalg++;
		nfit += fit_row(&rows[i]);
		ndev++;
	}
	if (nfit < (size_t)(2 * nalg)) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", csv_path, 0,
			       "too few uncapped or statically capped rows away from the cliff to fit "
			       "(need 2 block sizes per algorithm)");
	}
	/* Interrupts cannot make the engine faster: drop a negative interrupt term and refit. */
	rc = fit(rows, n, 1, ix, nalg, true, true, x);
	if (rc == 0 && x[2 * nalg + 1] < 0)
		rc = -EDOM;
	if (rc) {
		with_w1 = false;
		rc = fit(rows, n, 1, ix, nalg, true, false, x);
	}
	if (rc == 0 && x[2 * nalg] < 0)
		rc = -EDOM;
	if (rc) {
		with_w = false;
		rc = fit(rows, n, 1, ix, nalg, false, false, x);
	}
	if (rc) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", csv_path, 0,
			       "the rows do not determine the fit (one block size per algorithm?)");
	}
	with_raw = fit_raw(rows, n, ix, nalg, &with_w1, x) == 0;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "local");
	p->engines = 1;
	p->vcpus = 1;
	p->t0_ns = 1000;     /* the tenant thread's wake-up: not the bottleneck on the software device */
	p->engine_irq_ns = fmax(0, x[2 * nalg] * 1e9);
	p->engine_irq_ns_per_kib = fmax(0, x[2 * nalg + 1] * 1e9);
	p->jitter = 0.02;
	/* The device's engines poll this long before they sleep (bench runs the default). */
	p->engine_spin_ns = VFC_DEFAULT_ENGINE_SPIN_US * 1000.0;
	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++) {
		if (ix[a] < 0)
			continue;
		p->algo[a].present = true;
		p->algo[a].engine_ns = fmax(0, x[ix[a] * 2] * 1e9);
		p->algo[a].engine_ns_per_kib = fmax(0, x[ix[a] * 2 + 1] * 1e9);
		if (p->algo[a].engine_ns + p->algo[a].engine_ns_per_kib <= 0)
			p->algo[a].engine_ns = 1;
		p->algo[a].req_ns = 300; /* submit + reap of a zero-copy pool buffer */
	}
	rc = fit_joint(p, rows, n, with_w || with_raw, with_w1, &evals);
	if (rc) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", csv_path, 0, "out of memory");
	}
	if (report) {
		if (with_raw)
			fprintf(report, "engine crypto cost from the raw rows, interrupt cost from the uncapped rows\n");
		else
			fprintf(report, "fit over %zu of %zu rows (uncapped or static, away from the cliff)%s\n", nfit,
				ndev, with_w ? "" : "; interrupt cost not determined: 0");
		if (evals)
			fprintf(report, "then every cost below fitted together on the simulator (%u runs of the device "
				"rows)\n", evals);
		fprintf(report, "engine cost per interrupt: %.0f ns + %.1f ns/KiB%s, + %.0f ns when it wakes the "
			"tenant\n", p->engine_irq_ns, p->engine_irq_ns_per_kib,
			with_w1 ? "" : " (per-KiB term not determined: 0)", p->engine_irq_wake_ns);
		fprintf(report, "engines poll %.0f ns before they sleep; moderation timer late by %.0f ns (engines "
			"asleep), engine wake-up %.0f ns, tenant wake-up %.0f ns\n", p->engine_spin_ns,
			p->timer_late_ns, p->engine_wake_ns, p->wake_ns);
		for (int a = 0; a < VFC_SIM_ALGO__MAX; a++)
			if (p->algo[a].present)
				fprintf(report, "%-16s engine %.0f ns + %.1f ns/KiB (%.0f MB/s at 64 KiB)\n",
					vfc_sim_algo_name(a), p->algo[a].engine_ns, p->algo[a].engine_ns_per_kib,
					65536 / (p->algo[a].engine_ns + 64 * p->algo[a].engine_ns_per_kib) * 1e3);
		fprintf(report, "\n%-6s %-16s %8s %6s %4s %-18s %10s %10s %8s\n", "line", "algo", "block", "depth",
			"vfs", "ctl", "bench", "sim", "err");
	}
	for (size_t i = 0; i < n; i++) {
		const struct cal_row *r = &rows[i];
		double sim, e;

		if (r->raw)
			continue;
		sim = simulate_row(p, r, 5, &rc);

		if (rc == -ENOMEM) {
			free(rows);
			return cal_err(err, errlen, "%s:%u: %s", csv_path, r->line, "out of memory");
		}
		if (rc) {
			if (report)
				fprintf(report, "%-6u %-16s %8u %6u %4u %-18.18s %10.1f %10s %8s\n", r->line,
					vfc_sim_algo_name(r->algo), r->block, r->depth, r->vfs, r->ctl, r->mbps, "-",
					"skipped");
			continue;
		}
		e = 100 * (sim - r->mbps) / r->mbps;
		worst = fmax(worst, fabs(e));
		sum += fabs(e);
		if (report)
			fprintf(report, "%-6u %-16s %8u %6u %4u %-18.18s %10.1f %10.1f %7.1f%%\n", r->line,
				vfc_sim_algo_name(r->algo), r->block, r->depth, r->vfs, r->ctl, r->mbps, sim, e);
	}
	if (report)
		fprintf(report, "\nvalidation: mean |error| %.1f%%, max %.1f%% over %zu rows\n", sum / (double)ndev,
			worst, ndev);
	if (max_err_pct)
		*max_err_pct = worst;
	free(rows);
	return 0;
}
