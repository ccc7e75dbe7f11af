/* SPDX-License-Identifier: MIT */
/* grid.c - `vfc bench`'s ordinary run: algorithms x sizes x (controllers + raw OpenSSL), --repeat times. */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

static int cmp_point_mbps(const void *a, const void *b)
{
	double x = ((const struct bench_point *)a)->mbps, y = ((const struct bench_point *)b)->mbps;

	return x < y ? -1 : x > y;
}

/* Point i's median run whole (every field from that one run, so that they agree
 * with each other) and the spread of the speed over its R runs (sorted in place). */
static void point_median(struct bench_point *v, unsigned R, struct bench_point *out)
{
	double mbps[100]; /* --repeat is at most 100 */

	qsort(v, R, sizeof(*v), cmp_point_mbps);
	for (unsigned r = 0; r < R; r++)
		mbps[r] = v[r].mbps;
	*out = v[R / 2];
	out->spread_pct = bench_spread_pct(mbps, R);
}

/* Run a list of points `repeat` times interleaved; each point then reports its median run. */
static int run_points(struct bench_ctx *x, struct bench_point *pts, size_t n, int print_lines)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned R = cfg->repeat;
	struct bench_point *runs = calloc(n * R, sizeof(*runs));
	int rc = 0;

	if (!runs)
		return -ENOMEM;
	for (unsigned r = 0; r < R && rc == 0; r++) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct bench_point *res = &runs[i * R + r];

			*res = pts[i];
			bench_progress(x, pts[i].algo, pts[i].size,
				       pts[i].raw ? NULL : pts[i].label ? pts[i].label : pts[i].ctl);
			if (!pts[i].raw && pts[i].kind >= 0 && bench_reopen(x, (enum vfc_engine_kind)pts[i].kind) < 0)
				rc = -EIO;
			else if (pts[i].raw)
				rc = bench_raw_point(cfg, pts[i].algo, pts[i].size, res);
			else
				rc = bench_device_point(x->ws, cfg, pts[i].algo, pts[i].size, pts[i].ctl,
							res);
			x->done++;
			if (rc == 0 && print_lines && !cfg->json)
				bench_print_point_line(res);
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		point_median(&runs[i * R], R, &pts[i]);
	free(runs);
	return rc;
}

int bench_run_grid(struct bench_ctx *x, struct bench_point **out, size_t *n_out)
{
	struct bench_cfg *cfg = x->cfg;
	unsigned kinds = cfg->n_kinds ? cfg->n_kinds : 1, dev_cols = cfg->n_ctls * kinds;
	unsigned cols = dev_cols + (cfg->raw ? 1 : 0);
	size_t n = (size_t)cfg->n_algos * cfg->n_sizes * cols, i = 0;
	struct bench_point *pts = calloc(n, sizeof(*pts));
	int rc;

	if (!pts)
		return -ENOMEM;
	for (unsigned a = 0; a < cfg->n_algos; a++)
		for (unsigned s = 0; s < cfg->n_sizes; s++)
			for (unsigned c = 0; c < cols; c++, i++) {
				pts[i].algo = cfg->algo[a];
				pts[i].size = cfg->sizes[s];
				pts[i].raw = c == dev_cols;
				pts[i].depth = cfg->depth;
				pts[i].ctl = pts[i].raw ? "raw" : cfg->ctls[c % cfg->n_ctls];
				pts[i].kind = pts[i].raw || !cfg->n_kinds ? -1 : (int)cfg->kinds[c / cfg->n_ctls];
				pts[i].label = pts[i].raw || !cfg->n_kinds ? NULL : cfg->labels[c];
			}
	x->total = (unsigned)n * cfg->repeat;
	rc = run_points(x, pts, n, 1);
	/* the raw column is the last of each row */
	if (rc == 0 && cfg->raw)
		for (i = 0; i < n; i += cols)
			for (unsigned c = 0; c < cols; c++)
				pts[i + c].ratio_raw = pts[i + cols - 1].mbps > 0 ?
							       pts[i + c].mbps / pts[i + cols - 1].mbps :
							       0;
	*out = pts;
	*n_out = n;
	return rc;
}
