/* SPDX-License-Identifier: MIT */
/* fresh.h - what the files of the fresh league share: a workload's points, their totals, slots and rounds. */
#ifndef VFC_TOOLS_BENCH_FRESH_H
#define VFC_TOOLS_BENCH_FRESH_H

#include "bench.h"

#define FRESH_NOISY_SE 0.05 /* a workload whose best static's mean has a standard error above 5%... */
#define FRESH_NOISY_X 3      /* ...runs more rounds, up to 3 x --repeat (100 at most) */

/* The rounds a workload may run with --repeat R. */
static inline unsigned fresh_max_rounds(unsigned R)
{
	unsigned m = FRESH_NOISY_X * R < 100 ? FRESH_NOISY_X * R : 100;

	return m > R ? m : R;
}

/* A point's totals over its slots; vf_bytes and vf_ns per tenant (its window's length). */
struct facc {
	uint64_t bytes, ops, irqs, ns, cpu_ns;
	uint32_t cap_hz;
	uint64_t *vf_bytes, *vf_ns;
};

/* A workload being run: points [0, n_static) are the sweep's static caps, then per warm-up
 * index w and controller column k the point n_static + w * n_ctls + k. Every point's slot
 * opens n_vfs fresh VFs (tenant v: size[v], depth[v]), warms them up warm_ns[k], measures
 * slot_ns and closes them. */
struct fcell {
	struct bench_ctx *x;
	struct bench_point *c;
	unsigned n, n_static, n_vfs, R; /* R: --repeat, the rounds every workload runs */
	unsigned stride;                /* slots a point may have (R up to FRESH_NOISY_X x R) */
	uint32_t size[VFC_MAX_VFS];
	unsigned depth[VFC_MAX_VFS];
	uint64_t slot_ns, *warm_ns;
	struct facc *acc;
	double *slot_mbps; /* [k * stride + j]: point k's speed in its slot j */
	unsigned *slots;
	bool *racing;
	int bad; /* the tenant that failed, -1: none */
	unsigned opened, begun;
};

/* One slot of point k (specs: a controller per tenant; NULL: the point's for all) added to a,
 * its speed in *mbps. 0 or a negative errno (named on stderr). */
int fresh_slot(struct fcell *fc, unsigned k, const char *const *specs, struct facc *a, double *mbps);
/* R rounds over the points, in a fresh order each, and up to stride in a noisy workload (the
 * oracle's mean known to worse than FRESH_NOISY_SE); static points race (drop out below 0.8 x the
 * best static after 3 rounds). 0 or a negative errno. */
int fresh_rounds(struct fcell *fc);
/* Point p's rates, Jain's index over the tenants, irq per GB, cap, slowest and fastest tenant. */
void fresh_point_rates(struct bench_point *p, const struct facc *a, unsigned n_vfs);

/* fresh_report.c: the table of the cells c[0 .. n_cells) of per_cell points each (the statics,
 * the controllers, oracle-pt last if asked); best[i] is cell i's oracle point. */
void fresh_print_header(const struct bench_cfg *cfg, unsigned n_vfs);
void fresh_print_cell(const struct bench_cfg *cfg, const struct bench_point *c, unsigned best, unsigned n_vfs);
void fresh_print_summary(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n_cells,
			 unsigned per_cell, unsigned n_vfs);

#endif
