/* SPDX-License-Identifier: MIT */
/* calib.c - fit a "local" simulator profile from `vfc bench --csv` rows, then validate it row by row. */
#include "sim/calib_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vfcrypt/abi.h"

/* The least squares of calib_fit.c, without the interrupt terms the rows make negative or leave undetermined. */
static int fit_linear(const struct vfc__cal_row *rows, size_t n, const int *ix, int nalg, double *x, bool *with_w,
		      bool *with_w1)
{
	int rc;

	/* Interrupts cannot make the engine faster: drop a negative interrupt term and refit. */
	rc = vfc__cal_fit(rows, n, 1, ix, nalg, true, true, x);
	if (rc == 0 && x[2 * nalg + 1] < 0)
		rc = -EDOM;
	if (rc) {
		*with_w1 = false;
		rc = vfc__cal_fit(rows, n, 1, ix, nalg, true, false, x);
	}
	if (rc == 0 && x[2 * nalg] < 0)
		rc = -EDOM;
	if (rc) {
		*with_w = false;
		rc = vfc__cal_fit(rows, n, 1, ix, nalg, false, false, x);
	}
	return rc;
}

/* The "local" profile of the linear fit x (the search on the simulator refines it). */
static void profile_init(struct vfc_sim_profile *p, const double *x, const int *ix, int nalg)
{
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
}

/* How the fit went: rows used, simulator runs, which terms the rows determined. */
struct fit_info {
	size_t nfit, ndev;
	unsigned evals;
	bool with_w, with_w1, with_raw;
};

/* The report's head: where each cost came from, the profile, the validation table's header. */
static void report_fit(FILE *report, const struct vfc_sim_profile *p, const struct fit_info *fi)
{
	if (fi->with_raw)
		fprintf(report, "engine crypto cost from the raw rows, interrupt cost from the uncapped rows\n");
	else
		fprintf(report, "fit over %zu of %zu rows (uncapped or static, away from the cliff)%s\n", fi->nfit,
			fi->ndev, fi->with_w ? "" : "; interrupt cost not determined: 0");
	if (fi->evals)
		fprintf(report, "then every cost below fitted together on the simulator (%u runs of the device "
			"rows)\n", fi->evals);
	fprintf(report, "engine cost per interrupt: %.0f ns + %.1f ns/KiB%s, + %.0f ns when it wakes the "
		"tenant\n", p->engine_irq_ns, p->engine_irq_ns_per_kib,
		fi->with_w1 ? "" : " (per-KiB term not determined: 0)", p->engine_irq_wake_ns);
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

/*
 * Simulate every device row (5 s at most) with the profile and compare;
 * a table line per row to report (may be NULL). *worst: the largest
 * |relative error| in percent. 0, or -ENOMEM with *bad_line the row's line.
 */
static int validate(const struct vfc_sim_profile *p, const struct vfc__cal_row *rows, size_t n, size_t ndev,
		    FILE *report, double *worst, unsigned *bad_line)
{
	double sum = 0;
	int rc;

	*worst = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vfc__cal_row *r = &rows[i];
		double sim, e;

		if (r->raw)
			continue;
		sim = vfc__cal_simulate_row(p, r, 5, &rc);

		if (rc == -ENOMEM) {
			*bad_line = r->line;
			return rc;
		}
		if (rc) {
			if (report)
				fprintf(report, "%-6u %-16s %8u %6u %4u %-18.18s %10.1f %10s %8s\n", r->line,
					vfc_sim_algo_name(r->algo), r->block, r->depth, r->vfs, r->ctl, r->mbps, "-",
					"skipped");
			continue;
		}
		e = 100 * (sim - r->mbps) / r->mbps;
		*worst = fmax(*worst, fabs(e));
		sum += fabs(e);
		if (report)
			fprintf(report, "%-6u %-16s %8u %6u %4u %-18.18s %10.1f %10.1f %7.1f%%\n", r->line,
				vfc_sim_algo_name(r->algo), r->block, r->depth, r->vfs, r->ctl, r->mbps, sim, e);
	}
	if (report)
		fprintf(report, "\nvalidation: mean |error| %.1f%%, max %.1f%% over %zu rows\n", sum / (double)ndev,
			*worst, ndev);
	return 0;
}

/* The fit and its profile, from the rows: 0 or -EINVAL / -ENOMEM with err set. */
static int calibrate_rows(const char *csv_path, const struct vfc__cal_row *rows, size_t n,
			  struct vfc_sim_profile *p, struct fit_info *fi, char *err, size_t errlen)
{
	int ix[VFC_SIM_ALGO__MAX], nalg = 0;
	double x[VFC__CAL_MAX_UNK];

	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++)
		ix[a] = -1;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].raw)
			continue;
		if (ix[rows[i].algo] < 0)
			ix[rows[i].algo] = nalg++;
		fi->nfit += vfc__cal_fit_row(&rows[i]);
		fi->ndev++;
	}
	if (fi->nfit < (size_t)(2 * nalg))
		return vfc__cal_err(err, errlen, "%s:%u: %s", csv_path, 0,
				    "too few uncapped or statically capped rows away from the cliff to fit "
				    "(need 2 block sizes per algorithm)");
	if (fit_linear(rows, n, ix, nalg, x, &fi->with_w, &fi->with_w1))
		return vfc__cal_err(err, errlen, "%s:%u: %s", csv_path, 0,
				    "the rows do not determine the fit (one block size per algorithm?)");
	fi->with_raw = vfc__cal_fit_raw(rows, n, ix, nalg, &fi->with_w1, x) == 0;
	profile_init(p, x, ix, nalg);
	if (vfc__cal_fit_joint(p, rows, n, fi->with_w || fi->with_raw, fi->with_w1, &fi->evals))
		return vfc__cal_err(err, errlen, "%s:%u: %s", csv_path, 0, "out of memory");
	return 0;
}

int vfc_sim_calibrate(const char *csv_path, struct vfc_sim_profile *p, FILE *report, double *max_err_pct,
		      char *err, size_t errlen)
{
	struct vfc__cal_row *rows = NULL;
	struct fit_info fi = { .with_w = true, .with_w1 = true };
	size_t n = 0;
	double worst = 0;
	unsigned bad_line = 0;
	int rc;

	rc = vfc__cal_read_rows(csv_path, &rows, &n, err, errlen);
	if (rc)
		return rc;
	rc = calibrate_rows(csv_path, rows, n, p, &fi, err, errlen);
	if (rc) {
		free(rows);
		return rc;
	}
	if (report)
		report_fit(report, p, &fi);
	rc = validate(p, rows, n, fi.ndev, report, &worst, &bad_line);
	free(rows);
	if (rc)
		return vfc__cal_err(err, errlen, "%s:%u: %s", csv_path, bad_line, "out of memory");
	if (max_err_pct)
		*max_err_pct = worst;
	return 0;
}
