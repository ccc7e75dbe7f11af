/* SPDX-License-Identifier: MIT */
/* calib.c - fit a "local" simulator profile from `vfc bench --csv` rows, then validate it row by row. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim.h"

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
 * the validation, which simulates it with its own controller.
 */

#define CAL_MAX_ROWS 4096
#define CAL_MAX_UNK (2 * VFC_SIM_ALGO__MAX + 1)

struct cal_row {
	int algo;
	uint32_t block, depth, vfs;
	char ctl[64];
	double seconds, mbps, irq_hz;
	uint32_t cap;
	unsigned line;
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
		if (!strcmp(f[col[C_CTL]], "raw") || x[C_MBPS] <= 0 || x[C_BLOCK] < 1 || x[C_DEPTH] < 1)
			continue; /* raw OpenSSL rows and empty points say nothing about the device */
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
	}
	fclose(fp);
	if (!have_header) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", path, ln, "no header line");
	}
	if (*n < 3) {
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

/* Least squares; with_w false fixes w = 0 (the rows do not determine it). */
static int fit(const struct cal_row *rows, size_t n, uint32_t engines, const int *ix, int nunk, bool with_w,
	       double *x)
{
	double A[CAL_MAX_UNK * CAL_MAX_UNK] = { 0 }, b[CAL_MAX_UNK] = { 0 };
	int m = with_w ? nunk : nunk - 1;

	for (size_t i = 0; i < n; i++) {
		const struct cal_row *r = &rows[i];
		double R = r->mbps * 1e6 / r->block, y = engines / R, row[CAL_MAX_UNK] = { 0 };

		if (!fit_row(r))
			continue;
		row[ix[r->algo] * 2] = 1 / y;
		row[ix[r->algo] * 2 + 1] = r->block / 1024.0 / y;
		if (with_w)
			row[nunk - 1] = r->irq_hz / R / y;
		for (int p = 0; p < m; p++) {
			for (int q = 0; q < m; q++)
				A[p * m + q] += row[p] * row[q];
			b[p] += row[p]; /* y / y */
		}
	}
	if (!with_w)
		x[nunk - 1] = 0;
	return solve(A, b, x, m);
}

static double simulate_row(const struct vfc_sim_profile *p, const struct cal_row *r, int *rc)
{
	struct vfc_sim_scenario sc = { 0 };
	struct vfc_sim_group g = { 0 };
	struct vfc_sim_phase ph = { 0 };
	struct vfc_sim_result res;
	double mbps;

	*rc = vfc_ctl_parse(r->ctl, &g.ctl, NULL, 0);
	if (*rc)
		return 0;
	sc.prof = *p;
	sc.seed = 1;
	sc.duration_ns = (uint64_t)(fmin(fmax(r->seconds, 0.5), 5) * 1e9);
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

int vfc_sim_calibrate(const char *csv_path, struct vfc_sim_profile *p, FILE *report, double *max_err_pct,
		      char *err, size_t errlen)
{
	struct cal_row *rows = NULL;
	size_t n = 0, nfit = 0;
	int ix[VFC_SIM_ALGO__MAX], nalg = 0, rc;
	double x[CAL_MAX_UNK];
	double worst = 0, sum = 0;
	bool with_w = true;

	rc = read_rows(csv_path, &rows, &n, err, errlen);
	if (rc)
		return rc;
	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++)
		ix[a] = -1;
	for (size_t i = 0; i < n; i++) {
		if (ix[rows[i].algo] < 0)
			ix[rows[i].algo] = nalg++;
		nfit += fit_row(&rows[i]);
	}
	if (nfit < (size_t)(2 * nalg)) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", csv_path, 0,
			       "too few uncapped or statically capped rows away from the cliff to fit "
			       "(need 2 block sizes per algorithm)");
	}
	rc = fit(rows, n, 1, ix, 2 * nalg + 1, true, x);
	if (rc == 0 && x[2 * nalg] < 0)
		rc = -EDOM; /* interrupts cannot make the engine faster: refit without them */
	if (rc) {
		with_w = false;
		rc = fit(rows, n, 1, ix, 2 * nalg + 1, false, x);
	}
	if (rc) {
		free(rows);
		return cal_err(err, errlen, "%s:%u: %s", csv_path, 0,
			       "the rows do not determine the fit (one block size per algorithm?)");
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "local");
	p->engines = 1;
	p->vcpus = 1;
	p->t0_ns = 1000;     /* the tenant thread's wake-up: not the bottleneck on the software device */
	p->engine_irq_ns = fmax(0, x[2 * nalg] * 1e9);
	p->jitter = 0.02;
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
	if (report) {
		fprintf(report, "fit over %zu of %zu rows (uncapped or static, away from the cliff)%s\n", nfit, n,
			with_w ? "" : "; interrupt cost not determined: 0");
		fprintf(report, "engine cost per interrupt: %.0f ns\n", p->engine_irq_ns);
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
		double sim = simulate_row(p, r, &rc), e;

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
		fprintf(report, "\nvalidation: mean |error| %.1f%%, max %.1f%% over %zu rows\n", sum / (double)n,
			worst, n);
	if (max_err_pct)
		*max_err_pct = worst;
	free(rows);
	return 0;
}
