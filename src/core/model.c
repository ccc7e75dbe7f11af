/* SPDX-License-Identifier: MIT */
/* model.c - the paper's speed model V(B, I): least-squares fit of t0, t1, the optimum B0/I0, partitioning. */
#include "core/model.h"

#include <errno.h>
#include <math.h>

static int point_ok(const struct vfc_model_point *p)
{
	return isfinite(p->block_bytes) && isfinite(p->irq_hz) && isfinite(p->speed_mbps) && p->block_bytes > 0 &&
	       p->irq_hz >= 0 && p->speed_mbps > 0;
}

double vfc_model_predict(double t0, double t1, double block_bytes, double irq_hz)
{
	double bracket = irq_hz * t0 + block_bytes / VFC_MODEL_L * t1;

	if (!(bracket > 0))
		return 0;
	return block_bytes / (VFC_MODEL_L * bracket);
}

double vfc_model_ideal_i0(double t0)
{
	return t0 > 0 ? 1.0 / t0 : 0;
}

double vfc_model_best_irq(double t0, double t1, double block_bytes, double depth, double margin)
{
	double a = VFC_MODEL_L * t0 * depth, b = block_bytes * t1 * depth, c = margin * 1e6;

	if (!(t0 >= 0) || !(t1 >= 0) || !(t0 + t1 > 0) || !(block_bytes > 0) || !(depth > 0) || !(margin >= 1) ||
	    !isfinite(a) || !isfinite(b) || !isfinite(c))
		return 0;
	/* The positive root of a I^2 + b I - c = 0, in the form that loses nothing when a I << b. */
	return 2 * c / (b + sqrt(b * b + 4 * a * c));
}

int vfc_model_fit(const struct vfc_model_point *pts, size_t n, struct vfc_model_fit *fit)
{
	double s_aa = 0, s_ab = 0, s_bb = 0, s_ay = 0, s_by = 0;
	double sa, sb, det, u0, u1, mean = 0, ss_res = 0, ss_tot = 0;

	if (!pts || !fit || n < 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!point_ok(&pts[i]))
			return -EINVAL;
	/* Rows: I t0 + (B / 1024) t1 = y with y = B / (1024 V). Measurement noise is relative (a few
	 * percent of V), so each row is divided by its y: the residuals are relative, every point
	 * counts alike, and the large-B points (where y is large but says little about t0) do not
	 * drown the small-B ones. The system stays 2x2: a = I / y, b = (B / 1024) / y, target 1.
	 * The columns differ by orders of magnitude (I ~ 10^4, B/1024 ~ 10): each is scaled to unit
	 * norm before solving, so the determinant test below is relative and Cramer's rule loses no
	 * precision. */
	for (size_t i = 0; i < n; i++) {
		double y = pts[i].block_bytes / (VFC_MODEL_L * pts[i].speed_mbps);
		double a = pts[i].irq_hz / y, b = pts[i].block_bytes / VFC_MODEL_L / y;

		s_aa += a * a;
		s_bb += b * b;
	}
	sa = sqrt(s_aa);
	sb = sqrt(s_bb);
	if (!(sa > 0) || !(sb > 0))
		return -EDOM; /* all I == 0: t0 is not determined */
	s_aa = s_bb = 0;
	for (size_t i = 0; i < n; i++) {
		double y = pts[i].block_bytes / (VFC_MODEL_L * pts[i].speed_mbps);
		double a = pts[i].irq_hz / y / sa, b = pts[i].block_bytes / VFC_MODEL_L / y / sb;

		s_aa += a * a;
		s_ab += a * b;
		s_bb += b * b;
		s_ay += a;
		s_by += b;
	}
	det = s_aa * s_bb - s_ab * s_ab; /* in [0, 1] after scaling; 0 = collinear columns */
	if (!(det > 1e-12))
		return -EDOM;
	u0 = (s_ay * s_bb - s_ab * s_by) / det;
	u1 = (s_aa * s_by - s_ab * s_ay) / det;
	fit->t0 = u0 / sa;
	fit->t1 = u1 / sb;
	fit->n = n;

	/* R^2 of the predicted against the measured speed. */
	for (size_t i = 0; i < n; i++)
		mean += pts[i].speed_mbps;
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double v = pts[i].speed_mbps;
		double e = v - vfc_model_predict(fit->t0, fit->t1, pts[i].block_bytes, pts[i].irq_hz);

		ss_res += e * e;
		ss_tot += (v - mean) * (v - mean);
	}
	if (ss_tot > 0)
		fit->r2 = 1.0 - ss_res / ss_tot;
	else
		fit->r2 = ss_res <= 1e-12 * mean * mean ? 1.0 : 0.0; /* constant V: perfect or nothing */
	return 0;
}

int vfc_model_peak(const struct vfc_model_point *pts, size_t n, double tol, struct vfc_model_peak *pk)
{
	double vmax = 0;
	size_t best = 0;
	int found = 0;

	if (!pts || !pk || n == 0 || !(tol >= 0 && tol < 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!point_ok(&pts[i]))
			return -EINVAL;
		if (pts[i].speed_mbps > vmax)
			vmax = pts[i].speed_mbps;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vfc_model_point *p = &pts[i];

		if (p->speed_mbps < (1 - tol) * vmax)
			continue;
		if (!found || p->block_bytes < pts[best].block_bytes ||
		    (p->block_bytes == pts[best].block_bytes && p->speed_mbps > pts[best].speed_mbps)) {
			best = i;
			found = 1;
		}
	}
	pk->b0_bytes = pts[best].block_bytes;
	pk->i0_hz = pts[best].irq_hz;
	pk->vmax_mbps = vmax;
	pk->index = best;
	return 0;
}

static uint64_t b0_aligned(uint64_t b0, uint32_t align)
{
	uint64_t a = b0 / align * align;

	return a ? a : align;
}

uint64_t vfc_model_pieces(uint64_t b, uint64_t b0, uint32_t align)
{
	uint64_t a;

	if (b == 0 || b0 == 0 || align == 0)
		return 0;
	a = b0_aligned(b0, align);
	if (b < a)
		return 1; /* the paper: B < B0 is left whole */
	return b / a + (b % a != 0); /* ceil(B / B0) */
}

uint64_t vfc_model_piece_size(uint64_t b, uint64_t n, uint32_t align, uint64_t i)
{
	/* Balanced pieces: units of align bytes spread over n pieces (the first ones get one unit more),
	 * the last piece trimmed to the exact B. Each is <= B0 rounded down, since
	 * ceil(units / n) <= B0 / align by the choice of n. */
	uint64_t units = b / align + (b % align != 0);
	uint64_t size = (units / n + (i < units % n)) * align;

	if (i == n - 1)
		size -= units * align - b; /* the trim: the sizes sum to b */
	return size;
}

int vfc_model_partition(uint64_t b, uint64_t b0, uint32_t align, uint64_t *sizes, size_t max, size_t *count)
{
	uint64_t n = vfc_model_pieces(b, b0, align);

	if (!n || !count)
		return -EINVAL;
	*count = (size_t)n;
	if (n > max || !sizes)
		return -ENOSPC;
	for (uint64_t i = 0; i < n; i++)
		sizes[i] = vfc_model_piece_size(b, n, align, i);
	return 0;
}
