/* SPDX-License-Identifier: MIT */
/* calib_fit.c - calibration's linear stage: the engine's and the interrupt's costs by least squares over the rows. */
#include "sim/calib_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

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
 * on the simulator (calib_search.c).
 */

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

bool vfc__cal_fit_row(const struct vfc__cal_row *r)
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
int vfc__cal_fit(const struct vfc__cal_row *rows, size_t n, uint32_t engines, const int *ix, int nalg, bool use_w0,
	       bool use_w1, double *x)
{
	double A[VFC__CAL_MAX_UNK * VFC__CAL_MAX_UNK] = { 0 }, b[VFC__CAL_MAX_UNK] = { 0 }, xs[VFC__CAL_MAX_UNK] = { 0 };
	int col[VFC__CAL_MAX_UNK], m = 0, nunk = 2 * nalg + 2;

	for (int c = 0; c < nunk; c++)
		if (c < 2 * nalg || (c == 2 * nalg && use_w0) || (c == 2 * nalg + 1 && use_w1))
			col[m++] = c;
	for (size_t i = 0; i < n; i++) {
		const struct vfc__cal_row *r = &rows[i];
		double R = r->mbps * 1e6 / r->block, y = engines / R, full[VFC__CAL_MAX_UNK] = { 0 }, row[VFC__CAL_MAX_UNK];

		if (!vfc__cal_fit_row(r))
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

/* Each algorithm's a and k from its raw rows (two block sizes at least); -EDOM if one has fewer. */
static int fit_raw_crypto(const struct vfc__cal_row *rows, size_t n, const int *ix, double *ak)
{
	for (int a = 0; a < VFC_SIM_ALGO__MAX; a++) {
		double A[4] = { 0 }, b[2] = { 0 }, xs[2];
		uint32_t b0 = 0;
		bool two = false;

		if (ix[a] < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct vfc__cal_row *r = &rows[i];
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
	return 0;
}

/*
 * Pass 0: w0, w1 over the uncapped rows, crypto at the raw speed. Pass 1
 * adds the engine's own cost per request d (its queue and bookkeeping,
 * shared by the algorithms: it goes into each a) and the static rows that
 * keep the engine busy: those that turn around at most half the depth
 * per interrupt (measured: requests / interrupts <= depth / 2), so that
 * while the tenant handles one interrupt's requests at least as many
 * wait at the engine. The capped rows with few requests per interrupt
 * are what shows d apart from the interrupt's cost. Returns 0 (w, *dreq
 * set), 1 (pass 1 undetermined: the caller keeps x as it is) or -EDOM.
 */
static int fit_raw_irq(const struct vfc__cal_row *rows, size_t n, const int *ix, const double *ak, bool *use_w1,
		       double *w, double *dreq)
{
	for (int pass = 0; pass < 2; pass++) {
		int m0 = pass ? 1 : 0, m = m0 + (*use_w1 ? 2 : 1);
		double A[9] = { 0 }, b[3] = { 0 }, xs[3];
		size_t nnone = 0;

		for (size_t i = 0; i < n; i++) {
			const struct vfc__cal_row *r = &rows[i];
			double R = r->mbps * 1e6 / r->block, y = 1 / R, q = r->irq_hz / R, kib = r->block / 1024.0;
			double crypto = ak[ix[r->algo] * 2] + ak[ix[r->algo] * 2 + 1] * kib;
			double full[3] = { 1 / y, q / y, q * kib / y }, row[3];

			if (r->raw || !vfc__cal_fit_row(r) || r->irq_hz <= 0)
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
			return pass ? 1 : -EDOM;
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
		*dreq = pass ? xs[0] : 0;
		w[0] = xs[m0];
		w[1] = m - m0 == 2 ? xs[m0 + 1] : 0;
	}
	return 0;
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
int vfc__cal_fit_raw(const struct vfc__cal_row *rows, size_t n, const int *ix, int nalg, bool *use_w1, double *x)
{
	double ak[2 * VFC_SIM_ALGO__MAX] = { 0 }, w[2] = { 0 }, dreq = 0;
	int rc = fit_raw_crypto(rows, n, ix, ak);

	if (!rc)
		rc = fit_raw_irq(rows, n, ix, ak, use_w1, w, &dreq);
	if (rc)
		return rc < 0 ? rc : 0;
	for (int c = 0; c < 2 * nalg; c++)
		x[c] = ak[c] + (c % 2 ? 0 : dreq);
	x[2 * nalg] = w[0];
	x[2 * nalg + 1] = w[1];
	return 0;
}
