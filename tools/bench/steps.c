/* SPDX-License-Identifier: MIT */
/* steps.c - `vfc bench --steps`: workloads in turn on one VF, its controller kept; how soon each settled. */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"
#include "os/clock.h"

/* Run step k on the worker, measured whole over --seconds: the first step begins the worker
 * (its controller with it), the next ones keep the VF and the controller and change the requests. */
static int run_step(struct bench_ctx *x, unsigned k)
{
	struct bench_cfg *cfg = x->cfg;
	struct bench_worker *w = &x->ws[0];
	uint64_t t;
	int rc;

	bench_progress(x, w->algo, cfg->step_size[k], w->ctl);
	w->size = cfg->step_size[k];
	cfg->depth = cfg->step_depth[k];
	if (k == 0) {
		rc = bench_worker_begin(w);
	} else {
		bench_worker_drain(w);
		bench_worker_release_point(w);
		w->n_lat = 0;
		rc = bench_worker_setup_point(w);
	}
	w->n_ticks = 0;
	t = vfc_now_ns();
	if (rc >= 0)
		rc = bench_worker_window(w, t, t + (uint64_t)(cfg->seconds * 1e9));
	x->done++;
	if (rc == 0)
		w->what = "a step (a wait outlasted it)";
	w->rc = rc == 0 ? -ETIMEDOUT : rc < 0 ? rc : 0;
	if (w->rc < 0 || w->first_error) {
		rc = bench_worker_check(w);
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}

/* The step's point from the worker's window. */
static void step_point(struct bench_ctx *x, struct bench_point *p)
{
	struct bench_worker *w = &x->ws[0];

	p->algo = w->algo;
	p->size = w->size;
	p->depth = x->cfg->depth;
	p->ctl = w->ctl;
	bench_point_rates(p, w->s1.bytes - w->s0.bytes, w->s1.ops - w->s0.ops, w->s1.irqs - w->s0.irqs,
			  w->s1.tenant_cpu_ns - w->s0.tenant_cpu_ns,
			  (double)(w->s1.now_ns - w->s0.now_ns) / 1e9);
	p->cap_hz = w->s1.cap_hz;
	bench_lat_percentiles(w->lat, w->n_lat < BENCH_LAT_SAMPLES ? w->n_lat : BENCH_LAT_SAMPLES,
			      &p->lat_p50_us, &p->lat_p99_us);
}

static void print_steps(const struct bench_cfg *cfg, const struct bench_point *pts,
			const struct bench_step_conv *conv, unsigned n)
{
	printf("Workload steps on one VF, its controller kept: %s, --ctl %s, tick %u ms, %.2f s per step.\n"
	       "fixed from: the first tick of 5 with the same cap (tick 1 is the first to end after\n"
	       "the change), and that cap; settled: the median speed of the step's second half;\n"
	       "ticks 5-9: their median speed over it\n\n"
	       "%4s %7s %5s %9s %9s %10s %10s %10s %9s\n",
	       bench_algos[cfg->algo[0]].name, cfg->ctls[0], cfg->tick_ms, cfg->seconds, "step", "bytes",
	       "depth", "MB/s", "irq/s", "fixed from", "cap", "settled", "ticks5-9");
	for (unsigned k = 0; k < n; k++)
		printf("%4u %7u %5u %9.1f %9.0f %10u %10u %10.1f %9.3f\n", k + 1, pts[k].size, pts[k].depth,
		       pts[k].mbps, pts[k].irq_hz, conv[k].fixed_from, conv[k].cap_fixed, conv[k].settled,
		       conv[k].early);
}

/* Each step runs --seconds, measured whole, as a tenant whose requests change; a row per step. */
int bench_run_steps(struct bench_ctx *x, struct bench_point **out, size_t *n_out)
{
	struct bench_cfg *cfg = x->cfg;
	struct bench_worker *w = &x->ws[0];
	unsigned n = cfg->n_steps;
	struct bench_point *pts = calloc(n, sizeof(*pts));
	struct bench_step_conv conv[BENCH_MAX_LIST];
	int rc = 0;

	w->ticks = calloc(BENCH_MAX_STEP_TICKS, sizeof(*w->ticks));
	if (!pts || !w->ticks) {
		free(pts);
		free(w->ticks);
		w->ticks = NULL;
		return -ENOMEM;
	}
	w->algo = cfg->algo[0];
	w->ctl = cfg->ctls[0];
	x->total = n;
	for (unsigned k = 0; k < n && rc >= 0; k++) {
		rc = run_step(x, k);
		if (rc < 0)
			break;
		step_point(x, &pts[k]);
		bench_step_conv(w->ticks, w->n_ticks, &conv[k]);
	}
	bench_worker_end(w);
	free(w->ticks);
	w->ticks = NULL;
	if (rc >= 0 && !cfg->json)
		print_steps(cfg, pts, conv, n);
	*out = pts;
	*n_out = n;
	return rc < 0 ? rc : 0;
}
