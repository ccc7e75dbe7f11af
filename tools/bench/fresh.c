/* SPDX-License-Identifier: MIT */
/* fresh.c - the fresh league: every point on fresh VFs (cold starts, tenants sharing engines) against the best common static cap. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fresh.h"
#include "os/clock.h"

#define FRESH_SLOT_TRIES 3

/* ---- one slot: fresh VFs, warm-up, a measured window ---- */

static void *window_thread(void *arg)
{
	struct bench_worker *w = arg;
	int rc = bench_worker_window(w, w->t_warm_end, w->t_end);

	bench_worker_drain(w);
	if (rc == 0)
		w->what = "a slot (a wait outlasted it)";
	w->rc = rc == 0 ? -ETIMEDOUT : rc < 0 ? rc : 0;
	return NULL;
}

/* Open the point's n tenants, each on a fresh VF (a fresh embedded device when no other VF is
 * open), begin them (their controllers start ticking now), then run their windows together in a
 * thread each. -1 on a failure (fc->bad names the tenant). The VFs stay open for slot_collect. */
static int slot_run(struct fcell *fc, unsigned k, const char *const *specs)
{
	struct bench_ctx *x = fc->x;
	const struct bench_point *p = &fc->c[k];
	uint64_t t0;
	unsigned v;

	for (v = 0; v < fc->n_vfs; v++, fc->opened++) {
		struct bench_worker *w = &x->ws[v];

		w->vf = vfc_tool_vf_open("bench", x->g);
		if (!w->vf)
			return -1;
		w->algo = p->algo;
		w->size = fc->size[v];
		w->depth = fc->depth[v];
		w->ctl = specs ? specs[v] : p->ctl;
		w->rc = bench_worker_begin(w);
		fc->begun++;
		if (w->rc < 0 || w->first_error) {
			fc->bad = (int)v;
			return -1;
		}
	}
	t0 = vfc_now_ns();
	for (v = 0; v < fc->n_vfs; v++) {
		struct bench_worker *w = &x->ws[v];

		w->t_warm_end = t0 + fc->warm_ns[k];
		w->t_end = w->t_warm_end + fc->slot_ns;
		if (pthread_create(&w->thread, NULL, window_thread, w) != 0) {
			w->rc = -EAGAIN;
			w->what = "pthread_create";
			fc->bad = (int)v;
			break;
		}
	}
	for (unsigned j = 0; j < v; j++)
		pthread_join(x->ws[j].thread, NULL);
	for (v = 0; v < fc->n_vfs && fc->bad < 0; v++)
		if (x->ws[v].rc < 0 || x->ws[v].first_error)
			fc->bad = (int)v;
	return fc->bad < 0 ? 0 : -1;
}

/* End and close what slot_run began and opened (the device goes with the last VF). */
static void slot_close(struct fcell *fc)
{
	for (unsigned v = 0; v < fc->begun; v++)
		bench_worker_end(&fc->x->ws[v]);
	for (unsigned v = 0; v < fc->opened; v++) {
		vfc_vf_close(fc->x->ws[v].vf);
		fc->x->ws[v].vf = NULL;
	}
	fc->begun = fc->opened = 0;
}

/* The slot's totals into a (its window: the longest tenant's); returns the slot's MB/s. */
static double slot_collect(struct fcell *fc, struct facc *a)
{
	uint64_t bytes = 0, dt = 0;

	for (unsigned v = 0; v < fc->n_vfs; v++) {
		const struct bench_worker *w = &fc->x->ws[v];
		uint64_t b = w->s1.bytes - w->s0.bytes, wdt = w->s1.now_ns - w->s0.now_ns;

		bytes += b;
		a->ops += w->s1.ops - w->s0.ops;
		a->irqs += w->s1.irqs - w->s0.irqs;
		a->vf_bytes[v] += b;
		a->vf_ns[v] += wdt;
		dt = wdt > dt ? wdt : dt;
		a->cap_hz = w->s1.cap_hz;
	}
	/* tenant CPU is process-wide: once */
	a->cpu_ns += fc->x->ws[0].s1.tenant_cpu_ns - fc->x->ws[0].s0.tenant_cpu_ns;
	a->bytes += bytes;
	a->ns += dt;
	return dt ? (double)bytes / (double)dt * 1e3 : 0;
}

/* One slot of point k (specs: per-tenant controllers, NULL: the point's for all) into a;
 * *mbps gets its speed. A slot whose window a tenant missed (a thread that did not run between
 * the window's edges on a loaded machine) is run again, up to FRESH_SLOT_TRIES times. 0 or a
 * negative errno (named on stderr). */
int fresh_slot(struct fcell *fc, unsigned k, const char *const *specs, struct facc *a, double *mbps)
{
	int rc = 0;

	bench_progress(fc->x, fc->c[k].algo, fc->c[k].size, fc->c[k].ctl);
	for (unsigned attempt = 1;; attempt++) {
		bool missed = false;

		fc->bad = -1;
		if (slot_run(fc, k, specs) == 0)
			*mbps = slot_collect(fc, a);
		else if (fc->bad >= 0 && fc->x->ws[fc->bad].rc == -ETIMEDOUT && attempt < FRESH_SLOT_TRIES)
			missed = true;
		else
			rc = fc->bad >= 0 ? bench_worker_check(&fc->x->ws[fc->bad]) : -EIO;
		slot_close(fc);
		if (!missed)
			break;
	}
	fc->x->done++;
	return rc < 0 ? rc : fc->bad >= 0 ? -EIO : 0;
}

/* ---- the rounds of a workload ---- */

/* The race, as in the warm league: a static point below BENCH_LEAGUE_RACE_KEEP x the best static
 * so far cannot be the oracle and stops running. */
static void fresh_race(struct fcell *fc)
{
	double top = 0;

	for (unsigned k = 0; k < fc->n_static; k++)
		if (fc->racing[k] && fc->acc[k].ns && (double)fc->acc[k].bytes / (double)fc->acc[k].ns > top)
			top = (double)fc->acc[k].bytes / (double)fc->acc[k].ns;
	for (unsigned k = 0; k < fc->n_static; k++)
		if (fc->racing[k] && fc->acc[k].ns &&
		    (double)fc->acc[k].bytes / (double)fc->acc[k].ns < BENCH_LEAGUE_RACE_KEEP * top)
			fc->racing[k] = false;
}

/* The relative standard error of the best static point's mean over its slots (0 with fewer than 2). */
static double oracle_se(const struct fcell *fc)
{
	unsigned best = UINT_MAX;
	double sum = 0, ss = 0, m;

	for (unsigned k = 0; k < fc->n_static; k++)
		if (fc->racing[k] && fc->acc[k].ns &&
		    (best == UINT_MAX || (double)fc->acc[k].bytes / (double)fc->acc[k].ns >
						 (double)fc->acc[best].bytes / (double)fc->acc[best].ns))
			best = k;
	if (best == UINT_MAX || fc->slots[best] < 2)
		return 0;
	for (unsigned j = 0; j < fc->slots[best]; j++)
		sum += fc->slot_mbps[best * fc->stride + j];
	m = sum / fc->slots[best];
	for (unsigned j = 0; j < fc->slots[best]; j++)
		ss += (fc->slot_mbps[best * fc->stride + j] - m) * (fc->slot_mbps[best * fc->stride + j] - m);
	return m > 0 ? sqrt(ss / (fc->slots[best] - 1) / fc->slots[best]) / m : 0;
}

/* Rounds, each running every point still racing for one slot, in a fresh order each round: R, then
 * while the oracle's mean is noisier than FRESH_NOISY_SE, more, up to stride. More slots shrink the
 * noise of every ratio and the oracle's upward bias (the best of several noisy equal caps). */
int fresh_rounds(struct fcell *fc)
{
	unsigned *order = calloc(fc->n, sizeof(unsigned));
	int rc = order ? 0 : -ENOMEM;

	for (unsigned r = 0; rc == 0 && (r < fc->R || (r < fc->stride && oracle_se(fc) > FRESH_NOISY_SE)); r++) {
		if (r >= fc->R)
			fc->x->total += fc->n;
		bench_league_order(order, fc->n, r + 1);
		for (unsigned i = 0; i < fc->n && rc == 0; i++) {
			unsigned k = order[i];
			double m = 0;

			if (!fc->racing[k]) {
				fc->x->done++;
				continue;
			}
			rc = fresh_slot(fc, k, NULL, &fc->acc[k], &m);
			fc->slot_mbps[k * fc->stride + fc->slots[k]++] = m;
		}
		if (r + 1 >= BENCH_LEAGUE_RACE_AFTER)
			fresh_race(fc);
	}
	free(order);
	return rc;
}

/* Point p's figures from its totals a over n_vfs tenants. */
void fresh_point_rates(struct bench_point *p, const struct facc *a, unsigned n_vfs)
{
	double vf_mbps[VFC_MAX_VFS];

	bench_point_rates(p, a->bytes, a->ops, a->irqs, a->cpu_ns, a->ns ? (double)a->ns / 1e9 : 1e-9);
	for (unsigned v = 0; v < n_vfs; v++)
		vf_mbps[v] = a->vf_ns[v] ? (double)a->vf_bytes[v] / (double)a->vf_ns[v] * 1e3 : 0;
	p->jain = bench_jain(vf_mbps, n_vfs);
	p->irq_per_gb = bench_irq_per_gb(a->irqs, a->bytes);
	p->cap_hz = a->cap_hz;
	p->task_mbps_min = HUGE_VAL;
	p->task_mbps_max = 0;
	for (unsigned v = 0; v < n_vfs; v++) {
		p->task_mbps_min = vf_mbps[v] < p->task_mbps_min ? vf_mbps[v] : p->task_mbps_min;
		p->task_mbps_max = vf_mbps[v] > p->task_mbps_max ? vf_mbps[v] : p->task_mbps_max;
	}
}
