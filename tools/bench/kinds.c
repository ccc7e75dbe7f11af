/* SPDX-License-Identifier: MIT */
/* kinds.c - `vfc bench --engine-kind`: the device reopened per engine kind, the league once per kind. */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

int bench_reopen(struct bench_ctx *x, enum vfc_engine_kind k)
{
	if (x->kind == (int)k)
		return 0;
	if (bench_fresh(x->cfg)) { /* the fresh league opens its VFs per point, on a fresh device */
		x->g->vf.engine_kind = k;
		x->kind = (int)k;
		return 0;
	}
	for (unsigned v = 0; v < x->n_ws; v++) {
		vfc_vf_close(x->ws[v].vf);
		x->ws[v].vf = NULL;
	}
	x->g->vf.engine_kind = k;
	for (unsigned v = 0; v < x->n_ws; v++) {
		x->ws[v].vf = vfc_tool_vf_open("bench", x->g);
		if (!x->ws[v].vf)
			return -1;
	}
	x->kind = (int)k;
	return 0;
}

/* The league (or the fresh league) once per --engine-kind, its points one list. 0 or a negative errno. */
int bench_run_leagues(struct bench_ctx *x, struct vfc_out *csv_out)
{
	const struct bench_cfg *cfg = x->cfg;
	struct bench_point *all = NULL;
	size_t n_all = 0;
	int rc = 0;

	for (unsigned k = 0; k < cfg->n_kinds && rc >= 0; k++) {
		struct bench_point *pts = NULL, *grown;
		size_t n = 0;

		if (bench_reopen(x, cfg->kinds[k]) < 0)
			rc = -EIO;
		if (rc >= 0 && !cfg->json)
			printf("\n# engine kind: %s\n", vfc_engine_kind_name(cfg->kinds[k]));
		if (rc >= 0)
			rc = bench_fresh(cfg) ? bench_run_fresh(x, &pts, &n) : bench_run_league(x, &pts, &n);
		grown = realloc(all, (n_all + n) * sizeof(*all));
		if (grown) {
			all = grown;
			for (size_t i = 0; i < n; i++) {
				all[n_all + i] = pts[i];
				all[n_all + i].kind = (int)cfg->kinds[k];
			}
			n_all += n;
		} else if (n) {
			rc = -ENOMEM;
		}
		free(pts);
	}
	if (rc >= 0 && cfg->json)
		bench_print_json(cfg, all, n_all);
	if (rc >= 0 && cfg->csv)
		rc = bench_write_csv(cfg, csv_out, all, n_all);
	free(all);
	return rc;
}
