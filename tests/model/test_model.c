/* SPDX-License-Identifier: MIT */
/* test_model.c - the paper's model: Equation (7), the fit of t0/t1, the peak, partitioning. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/model.h"

/* Paper units (docs/model.md): with V in MB/s, t1 = 1 / (interrupt-free speed in MB/s). */
#define T0 1.5e-7
#define T1 (1.0 / 1400.0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double urand(void) /* [-1, 1] */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / (double)(1ull << 52) - 1.0;
}

/* A sweep over B = 512 B .. 256 KiB and I = 500 Hz .. 100 kHz. */
static size_t sweep(struct vfc_model_point *pts, double noise)
{
	size_t n = 0;

	for (double b = 512; b <= 262144; b *= 2)
		for (double i = 500; i <= 100000; i *= 1.7) {
			pts[n].block_bytes = b;
			pts[n].irq_hz = i;
			pts[n].speed_mbps = vfc_model_predict(T0, T1, b, i) * (1 + noise * urand());
			n++;
		}
	return n;
}

static void test_predict(void **state)
{
	double v;

	(void)state;
	/* Equation (7) by hand: B = 16384, I = 6450: 16384 / (1024 * (6450 t0 + 16 t1)). */
	v = vfc_model_predict(T0, T1, 16384, 6450);
	assert_float_equal(v, 16384.0 / (1024.0 * (6450 * T0 + 16 * T1)), 1e-9);
	/* No interrupts: V = 1 / t1. */
	assert_float_equal(vfc_model_predict(T0, T1, 4096, 0), 1400.0, 1e-9);
	/* dV/dB > 0, dV/dI < 0 (the paper's equations (8), (9)). */
	assert_true(vfc_model_predict(T0, T1, 8192, 6450) > vfc_model_predict(T0, T1, 4096, 6450));
	assert_true(vfc_model_predict(T0, T1, 8192, 9000) < vfc_model_predict(T0, T1, 8192, 6450));
	assert_float_equal(vfc_model_predict(0, 0, 4096, 100), 0.0, 0);
	assert_float_equal(vfc_model_ideal_i0(2e-7), 5e6, 1e-6);
	assert_float_equal(vfc_model_ideal_i0(0), 0.0, 0);
}

static void test_fit_clean(void **state)
{
	struct vfc_model_point pts[200];
	struct vfc_model_fit f;
	size_t n = sweep(pts, 0);

	(void)state;
	assert_int_equal(vfc_model_fit(pts, n, &f), 0);
	assert_int_equal(f.n, n);
	assert_float_equal(f.t0 / T0, 1.0, 1e-9);
	assert_float_equal(f.t1 / T1, 1.0, 1e-9);
	assert_float_equal(f.r2, 1.0, 1e-9);
	/* predict inverts the data it was fitted on */
	for (size_t i = 0; i < n; i++)
		assert_float_equal(vfc_model_predict(f.t0, f.t1, pts[i].block_bytes, pts[i].irq_hz) /
					   pts[i].speed_mbps,
				   1.0, 1e-9);
}

static void test_fit_noisy(void **state)
{
	struct vfc_model_point pts[200];
	struct vfc_model_fit f;
	size_t n = sweep(pts, 0.02);

	(void)state;
	assert_int_equal(vfc_model_fit(pts, n, &f), 0);
	if (fabs(f.t0 / T0 - 1) > 0.01 || fabs(f.t1 / T1 - 1) > 0.01)
		fail_msg("t0 %.6g (want %.6g), t1 %.6g (want %.6g)", f.t0, T0, f.t1, T1);
	assert_true(f.r2 > 0.95 && f.r2 < 1.0);
}

static void test_fit_bad(void **state)
{
	struct vfc_model_point pts[3] = { { 1024, 1000, 100 }, { 2048, 2000, 150 }, { 4096, 4000, 200 } };
	struct vfc_model_fit f;

	(void)state;
	assert_int_equal(vfc_model_fit(pts, 1, &f), -EINVAL);
	assert_int_equal(vfc_model_fit(NULL, 3, &f), -EINVAL);
	/* I proportional to B: the columns are collinear, t0 and t1 are not determined */
	assert_int_equal(vfc_model_fit(pts, 3, &f), -EDOM);
	/* all I == 0 */
	pts[0].irq_hz = pts[1].irq_hz = pts[2].irq_hz = 0;
	assert_int_equal(vfc_model_fit(pts, 3, &f), -EDOM);
	pts[1].speed_mbps = 0;
	assert_int_equal(vfc_model_fit(pts, 3, &f), -EINVAL);
	pts[1].speed_mbps = NAN;
	assert_int_equal(vfc_model_fit(pts, 3, &f), -EINVAL);
	pts[1].speed_mbps = 10;
	pts[2].block_bytes = -1;
	assert_int_equal(vfc_model_fit(pts, 3, &f), -EINVAL);
}

static void test_peak(void **state)
{
	/* A measured sweep shaped like the paper's Figure 8: speed rises with B to 16 KiB, then falls. */
	const struct vfc_model_point pts[] = {
		{ 4096, 3000, 900 }, { 8192, 4500, 1200 }, { 16384, 6450, 1310 },
		{ 32768, 9000, 1305 }, { 65536, 12000, 1250 }, { 16384, 6600, 1290 },
	};
	struct vfc_model_peak pk;

	(void)state;
	assert_int_equal(vfc_model_peak(pts, 6, 0.01, &pk), 0);
	assert_float_equal(pk.vmax_mbps, 1310, 0);
	assert_float_equal(pk.b0_bytes, 16384, 0); /* 32 KiB is within 1% too, but larger */
	assert_float_equal(pk.i0_hz, 6450, 0);      /* the faster of the two 16 KiB points */
	assert_int_equal(pk.index, 2);
	/* a looser tolerance picks the smallest B within it */
	assert_int_equal(vfc_model_peak(pts, 6, 0.10, &pk), 0);
	assert_float_equal(pk.b0_bytes, 8192, 0);
	assert_float_equal(pk.i0_hz, 4500, 0);
	assert_int_equal(vfc_model_peak(pts, 0, 0.01, &pk), -EINVAL);
	assert_int_equal(vfc_model_peak(pts, 6, 1.0, &pk), -EINVAL);
	assert_int_equal(vfc_model_peak(pts, 6, -0.1, &pk), -EINVAL);
}

static void check_partition(uint64_t b, uint64_t b0, uint32_t align, size_t want_n)
{
	uint64_t sizes[64], sum = 0, b0a = b0 / align * align;
	size_t n = 0;

	if (b0a == 0)
		b0a = align;
	assert_int_equal(vfc_model_partition(b, b0, align, sizes, 64, &n), 0);
	assert_int_equal(n, want_n);
	assert_int_equal(vfc_model_pieces(b, b0, align), want_n);
	for (size_t i = 0; i < n; i++) {
		sum += sizes[i];
		assert_true(sizes[i] > 0);
		assert_true(sizes[i] <= (n == 1 ? b : b0a));
		if (i + 1 < n || b % align == 0)
			assert_int_equal(sizes[i] % align, 0);
		if (i > 0)
			assert_true(sizes[i - 1] >= sizes[i] && sizes[i - 1] - sizes[i] <= align);
	}
	assert_int_equal(sum, b);
}

static void test_partition(void **state)
{
	uint64_t sizes[2];
	size_t n;

	(void)state;
	check_partition(1000, 16384, 16, 1);        /* B < B0: left whole */
	check_partition(16384, 16384, 16, 1);       /* B == B0: ceil(1) */
	check_partition(16400, 16384, 16, 2);       /* just over: two balanced pieces of 8200 */
	check_partition(65536, 16384, 16, 4);
	check_partition(100000, 16384, 16, 7);      /* ceil(6.1) */
	check_partition(1048576, 16384, 16, 64);
	check_partition(100003, 16384, 16, 7);      /* not a multiple of 16: only the last piece is odd */
	check_partition(50050, 10010, 16, 6);       /* B0 not a multiple of 16: 10000 is the base */
	check_partition(48, 10, 16, 3);             /* B0 below the alignment: one block a piece */
	assert_int_equal(vfc_model_partition(100000, 16384, 16, sizes, 2, &n), -ENOSPC);
	assert_int_equal(n, 7);
	assert_int_equal(vfc_model_partition(0, 16384, 16, sizes, 2, &n), -EINVAL);
	assert_int_equal(vfc_model_partition(10, 0, 16, sizes, 2, &n), -EINVAL);
	assert_int_equal(vfc_model_pieces(10, 16, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_predict),  cmocka_unit_test(test_fit_clean), cmocka_unit_test(test_fit_noisy),
		cmocka_unit_test(test_fit_bad),  cmocka_unit_test(test_peak),      cmocka_unit_test(test_partition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
