/* SPDX-License-Identifier: MIT */
/* model.h - the paper's speed model V(B, I): least-squares fit of t0, t1, the optimum B0/I0, partitioning. */
#ifndef VFC_CORE_MODEL_H
#define VFC_CORE_MODEL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Equation (7) of the paper, exactly as written (L = 1024):
 *
 *     V = B / (1024 * (I * t0 + (B / 1024) * t1))
 *
 * Units (docs/model.md): B in bytes, I in Hz, V in MB/s (10^6 B/s) as the
 * paper's Table 1 says. With V in MB/s the bracket is not in seconds: t0 and
 * t1 come out in "paper seconds", and a paper second is 1.024 ms
 * (VFC_MODEL_PAPER_S physical seconds): B / (V * 10^6) seconds per request
 * = 1024 * bracket / 10^6. We fit and predict in the paper's units, so that
 * the equation holds exactly as printed, and convert only for display.
 */
#define VFC_MODEL_L 1024.0
#define VFC_MODEL_PAPER_S 1.024e-3 /* physical seconds per "paper second" */

/* One measurement of a sweep. */
struct vfc_model_point {
	double block_bytes; /* B, > 0 */
	double irq_hz;      /* I, >= 0 */
	double speed_mbps;  /* V, > 0 */
};

struct vfc_model_fit {
	double t0;  /* paper seconds per interrupt-Hz (see above) */
	double t1;  /* paper seconds per 1024-byte group */
	double r2;  /* coefficient of determination of predicted vs measured V */
	size_t n;   /* points used */
};

/*
 * Least squares on B / (1024 V) = I t0 + (B / 1024) t1 (no intercept, two
 * unknowns, the 2x2 normal equations), each row weighted by 1 / (B / 1024 V)
 * so that residuals are relative (the noise of a speed measurement is). Returns 0, -EINVAL for fewer than 2
 * points or a point out of range (B <= 0, V <= 0, I < 0, not finite), or
 * -EDOM when the data do not determine both (e.g. I proportional to B).
 */
int vfc_model_fit(const struct vfc_model_point *pts, size_t n, struct vfc_model_fit *fit);

/* V in MB/s by Equation (7); 0 when the bracket is not positive. */
double vfc_model_predict(double t0, double t1, double block_bytes, double irq_hz);

/* The paper's ideal interrupt rate I0 = 1 / t0 (B = 0 stationary point); 0 if t0 <= 0. */
double vfc_model_ideal_i0(double t0);

/*
 * The best interrupt rate for B-byte requests at queue depth `depth` (margin >= 1): Equation (7)'s
 * V(B, I) falls as I rises, so alone it has no maximum above I = 0; but one interrupt hands the
 * tenant back at most `depth` requests, so the device delivers at most I x depth x B / 10^6 MB/s.
 * The argmax over I of min(V(B, I), I depth B / (margin 10^6)) is where the two cross: the root of
 * 1024 t0 depth I^2 + B t1 depth I - margin 10^6 = 0. margin > 1 keeps the rate that much above
 * the queue limit. Returns 0 for a bad argument (t0 < 0, t1 < 0, both 0, B or depth <= 0, margin < 1).
 */
double vfc_model_best_irq(double t0, double t1, double block_bytes, double depth, double margin);

/* The peak of a measured sweep. */
struct vfc_model_peak {
	double b0_bytes;   /* the smallest B whose V is within tol of the best */
	double i0_hz;      /* its I */
	double vmax_mbps;  /* the best V measured */
	size_t index;      /* the point chosen */
};

/*
 * Vmax = the best V; B0 = the smallest B among points with V >= (1 - tol) Vmax
 * (ties: the faster point), I0 = that point's I. tol is a fraction (0.01 = 1%).
 * Returns 0, or -EINVAL (n == 0, tol outside [0, 1), a bad point).
 */
int vfc_model_peak(const struct vfc_model_point *pts, size_t n, double tol, struct vfc_model_peak *pk);

/*
 * Partitioning (section 3.2): a request of B bytes is split into
 * ceil(B / B0) pieces when B >= B0 (one piece otherwise). Pieces are
 * multiples of align (16 for AES), so B0 is first rounded down to a multiple
 * of align (at least align). Sizes are balanced (differ by at most align),
 * each <= the rounded B0; only the last absorbs a B that is not a multiple of
 * align.
 */
uint64_t vfc_model_pieces(uint64_t b, uint64_t b0, uint32_t align);
/* The size of piece i of the n = vfc_model_pieces(b, b0, align) pieces (i < n). */
uint64_t vfc_model_piece_size(uint64_t b, uint64_t n, uint32_t align, uint64_t i);
/* Fill sizes[0..count) and set *count. Returns 0, -EINVAL (b == 0, b0 == 0, align == 0), or -ENOSPC
 * when max < the number of pieces (*count then says how many are needed). */
int vfc_model_partition(uint64_t b, uint64_t b0, uint32_t align, uint64_t *sizes, size_t max, size_t *count);

#endif
