/* SPDX-License-Identifier: MIT */
/* suite.c - the fleet suite: seeded random scenarios, every controller run on each, scored against the per-phase oracle. */
#include "sim/suite.h"
#include "sim/sim_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vfc_sim_suite_cfg_default(struct vfc_sim_suite_cfg *cfg)
{
	static const uint32_t caps[] = { 0, 250, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6500, 8000, 10000,
					 15000, 20000, 30000, 50000, 100000 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->vfs_min = 8;
	cfg->vfs_max = 32;
	cfg->eng_min = 2;
	cfg->eng_max = 8;
	cfg->duration_s = 120;
	cfg->tick_ms = 1000;
	cfg->oracle_tick_ms = 10000; /* docs/sim.md, "The oracle's cost" */
	cfg->settle_ticks = 4;       /* issue 13: "from the 5th tick on" */
	snprintf(cfg->profile, sizeof(cfg->profile), "dh895xcc-paper");
	(void)vfc_sim_suite_set_ctls(cfg, "none,paper,dim,adaptive", NULL, 0);
	cfg->ncaps = sizeof(caps) / sizeof(caps[0]);
	memcpy(cfg->caps, caps, sizeof(caps));
}

int vfc_sim_suite_set_ctls(struct vfc_sim_suite_cfg *cfg, const char *list, char *err, size_t errlen)
{
	const char *p = list;

	cfg->nctls = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		char spec[128], cerr[256];

		if (n == 0 || n >= sizeof(spec) || cfg->nctls == VFC_SIM_SUITE_MAX_CTLS) {
			if (err && errlen)
				snprintf(err, errlen, "expected 1 to %d comma-separated controller specs, got '%s'",
					 VFC_SIM_SUITE_MAX_CTLS, list);
			return -EINVAL;
		}
		memcpy(spec, p, n);
		spec[n] = '\0';
		if (vfc_controller_parse(spec, &cfg->ctl[cfg->nctls], cerr, sizeof(cerr)) < 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s", cerr);
			return -EINVAL;
		}
		snprintf(cfg->ctl_spec[cfg->nctls++], sizeof(cfg->ctl_spec[0]), "%s", spec);
		p += n;
		if (*p == ',')
			p++;
	}
	if (!cfg->nctls) {
		if (err && errlen)
			snprintf(err, errlen, "no controller given");
		return -EINVAL;
	}
	return 0;
}

/* ---- the generator ---- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint32_t uniform(uint64_t *x, uint32_t lo, uint32_t hi)
{
	return hi <= lo ? lo : lo + (uint32_t)(splitmix(x) % ((uint64_t)hi - lo + 1));
}

/* A phase: algorithm, request size (1 to 64 KiB) and depth (2 to 64), each uniform. */
static json_t *gen_phase(uint64_t *x, double at_s)
{
	static const char *const algos[] = { "aes-128-cbc", "aes-128-cbc-dec", "sha256" };
	static const uint32_t depths[] = { 2, 4, 8, 16, 32, 64 };

	return json_pack("{s:f, s:s, s:i, s:i}", "at_s", at_s, "algo", algos[uniform(x, 0, 2)], "block_bytes",
			 (json_int_t)(1024u << uniform(x, 0, 6)), "depth", (json_int_t)depths[uniform(x, 0, 5)]);
}

/* 1 to 3 phases; the shifts are uniform over the middle 70% of the run, at least 10% of it apart. */
static json_t *gen_phases(uint64_t *x, double dur)
{
	json_t *a = json_array();
	uint32_t nph = uniform(x, 1, 3);
	double at[3] = { 0 };

	for (uint32_t k = 1; k < nph; k++)
		at[k] = dur * (0.15 + 0.7 * (double)uniform(x, 0, 1000) / 1000.0);
	if (nph == 3 && at[2] < at[1]) {
		double t = at[1];

		at[1] = at[2];
		at[2] = t;
	}
	for (uint32_t k = 0; k < nph; k++) {
		if (k && at[k] - at[k - 1] < 0.1 * dur)
			continue;
		json_array_append_new(a, gen_phase(x, round(at[k] * 10) / 10));
	}
	return a;
}

/* The runs' noise seed: the scenario's seed, or salted with noise (within JSON's exact integers, 2^53, where the
 * seed is: the salt has 53 bits). */
static uint64_t noise_seed(uint64_t seed, uint64_t noise)
{
	return noise ? seed ^ (vfc__sim_splitmix64(&noise) >> 11) : seed;
}

json_t *vfc_sim_suite_scenario(const struct vfc_sim_suite_cfg *cfg, uint64_t seed)
{
	uint64_t x = seed ^ 0x5eedf1ee7ull;
	uint32_t nvfs = uniform(&x, cfg->vfs_min, cfg->vfs_max);
	uint32_t engines = uniform(&x, cfg->eng_min, cfg->eng_max);
	uint32_t ngroups = uniform(&x, 1, nvfs < 4 ? nvfs : 4), left = nvfs;
	json_t *groups = json_array();

	for (uint32_t g = 0; g < ngroups; g++) {
		uint32_t n = g + 1 == ngroups ? left : uniform(&x, 1, left - (ngroups - g - 1));

		left -= n;
		json_array_append_new(groups, json_pack("{s:i, s:s, s:o}", "vfs", (json_int_t)n, "ctl", "none",
							"phases", gen_phases(&x, cfg->duration_s)));
	}
	return json_pack("{s:s, s:I, s:f, s:i, s:i, s:s, s:o}", "profile", cfg->profile, "seed",
			 (json_int_t)noise_seed(seed, cfg->noise),
			 "duration_s", cfg->duration_s, "tick_ms", (json_int_t)cfg->tick_ms, "engines",
			 (json_int_t)engines, "mode", cfg->aggregate ? "aggregate" : "exact", "groups", groups);
}

/* ---- running and scoring ---- */

int vfc_sim_suite_run_serial(void *arg, const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts,
			     struct vfc_sim_result *res, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		int rc = vfc_sim_run(sc, &opts[i], &res[i]);

		if (rc < 0) {
			while (i--)
				vfc_sim_result_fini(&res[i]);
			return rc;
		}
	}
	return 0;
}

/* Every run's windows: each change's split at its settle point, counted in the controllers' ticks. */
static void settle_job(const struct vfc_sim_suite_cfg *cfg, struct vfc_sim_opts *o)
{
	o->settle_ticks = cfg->settle_ticks;
	o->settle_tick_ns = cfg->tick_ms * 1000000ull;
}

/* The controllers' jobs, every VF overridden. */
static void ctl_jobs(const struct vfc_sim_suite_cfg *cfg, struct vfc_sim_opts *opts)
{
	for (uint32_t c = 0; c < cfg->nctls; c++) {
		opts[c].override_ctl = true;
		opts[c].override = cfg->ctl[c];
		settle_job(cfg, &opts[c]);
	}
}

static void cap_job(const struct vfc_sim_suite_cfg *cfg, uint32_t cap, struct vfc_sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->override_ctl = true;
	vfc_controller_cfg_default(&o->override, cap ? VFC_CONTROLLER_KIND_STATIC : VFC_CONTROLLER_KIND_NONE);
	if (cap)
		o->override.static_hz = cap;
	settle_job(cfg, o);
}

/* Bytes in windows [a, b). */
static double span_bytes(const struct vfc_sim_result *r, uint32_t a, uint32_t b)
{
	double x = 0;

	for (uint32_t w = a; w < b && w < r->nwin; w++)
		x += (double)r->win_bytes[w];
	return x;
}

static double res_bytes(const struct vfc_sim_result *r)
{
	return span_bytes(r, 0, r->nwin);
}

/* The window after the phase that starts at window w: the next one that is not a settled part. */
static uint32_t phase_end(const struct vfc_sim_result *r, uint32_t w)
{
	for (w++; w < r->nwin && r->win_settled[w]; w++)
		;
	return w;
}

/* The best cap over windows [a, b) of the static caps' runs: its bytes, and its cap in *cap. */
static double best_over(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_result *st, uint32_t a, uint32_t b,
			uint32_t *cap)
{
	double best = 0;

	for (uint32_t k = 0; k < cfg->ncaps; k++) {
		double x = span_bytes(&st[k], a, b);

		if (!k || x > best) {
			best = x;
			*cap = cfg->caps[k];
		}
	}
	return best;
}

/*
 * The oracle over the static caps' runs: per phase window (a change's settled part included) the best
 * cap's bytes, per settled part alone the best cap's too, and each cap's total; returns the oracle's bytes.
 */
static double oracle_score(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_scenario *sc,
			   const struct vfc_sim_result *st, struct vfc_sim_suite_seed *out)
{
	double dur = sc->duration_ns / 1e9, oracle = 0;
	uint32_t np = 0, cap;

	out->nsettled = 0;
	for (uint32_t w = 0, e; w < st[0].nwin; w = e, np++) {
		double best;

		e = phase_end(&st[0], w);
		best = best_over(cfg, st, w, e, &cap);
		oracle += best;
		if (np < VFC_SIM_SUITE_MAX_WIN) {
			out->best_cap[np] = cap;
			out->best_bytes[np] = (uint64_t)best;
		}
		for (uint32_t u = w + 1; u < e; u++)
			if (out->nsettled < VFC_SIM_SUITE_MAX_WIN)
				out->settled_oracle[out->nsettled++] = (uint64_t)best_over(cfg, st, u, u + 1, &cap);
	}
	out->nwin = np;
	out->oracle_mbps = oracle / dur / 1e6;
	out->best_static_mbps = 0;
	for (uint32_t k = 0; k < cfg->ncaps; k++) {
		out->cap_mbps[k] = res_bytes(&st[k]) / dur / 1e6;
		if (out->cap_mbps[k] > out->best_static_mbps)
			out->best_static_mbps = out->cap_mbps[k];
	}
	return oracle;
}

/*
 * The static caps' runs on draws 1 .. n - 1 of the noise added to res's (draw 0's) bytes per window, then
 * divided by n: each cap's mean. The draws share the scenario, so their windows are the same.
 */
static int oracle_more_draws(const struct vfc_sim_suite_cfg *cfg, struct vfc_sim_scenario *osc, uint64_t seed,
			     uint32_t n, vfc_sim_suite_runner run, void *arg, const struct vfc_sim_opts *opts,
			     struct vfc_sim_result *res)
{
	struct vfc_sim_result more[VFC_SIM_SUITE_MAX_CAPS];
	int rc = 0;

	for (uint32_t d = 1; !rc && d < n; d++) {
		osc->seed = noise_seed(seed, cfg->noise + d);
		rc = run(arg, osc, opts, more, cfg->ncaps);
		if (rc < 0)
			return rc;
		for (uint32_t k = 0; k < cfg->ncaps; k++) {
			if (more[k].nwin != res[k].nwin)
				rc = -EPROTO;
			for (uint32_t w = 0; !rc && w < res[k].nwin; w++)
				res[k].win_bytes[w] += more[k].win_bytes[w];
			vfc_sim_result_fini(&more[k]);
		}
	}
	for (uint32_t k = 0; !rc && k < cfg->ncaps; k++)
		for (uint32_t w = 0; w < res[k].nwin; w++)
			res[k].win_bytes[w] = (res[k].win_bytes[w] + n / 2) / n;
	return rc;
}

/*
 * The oracle of one scenario: every cap, in the oracle's mode and at its tick, on cfg->oracle_draws draws of
 * the noise; scored into out, its bytes in *bytes. A static cap is set at the start and never stepped, so the
 * tick changes nothing of an exact run; a sampled one samples each interval (between ticks and phase changes)
 * once: a longer tick, fewer samples. The best of the caps' means over several draws is biased up less than
 * the best of one draw's (the luckiest of close caps wins; docs/sim.md, "The oracle's draws").
 */
static int seed_oracle(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_scenario *sc,
		       vfc_sim_suite_runner run, void *arg, struct vfc_sim_suite_seed *out, double *bytes)
{
	struct vfc_sim_scenario osc = *sc; /* shallow: only the mode, tick and seed differ, sc keeps ownership */
	struct vfc_sim_opts opts[VFC_SIM_SUITE_MAX_CAPS];
	struct vfc_sim_result res[VFC_SIM_SUITE_MAX_CAPS];
	uint32_t n = cfg->oracle_draws ? cfg->oracle_draws : 1;
	int rc;

	if (cfg->oracle_mode == VFC_SIM_SUITE_ORACLE_SAMPLED)
		osc.aggregate = true;
	if (cfg->oracle_tick_ms)
		osc.tick_ns = cfg->oracle_tick_ms * 1000000ull;
	for (uint32_t k = 0; k < cfg->ncaps; k++)
		cap_job(cfg, cfg->caps[k], &opts[k]);
	rc = run(arg, &osc, opts, res, cfg->ncaps);
	if (rc < 0)
		return rc;
	rc = oracle_more_draws(cfg, &osc, out->seed, n, run, arg, opts, res);
	if (!rc)
		*bytes = oracle_score(cfg, sc, res, out);
	for (uint32_t k = 0; k < cfg->ncaps; k++)
		vfc_sim_result_fini(&res[k]);
	return rc;
}

/* A controller's run over each settled window's oracle, into ratio[] (1 where the oracle moved no byte). */
static void settled_score(const struct vfc_sim_result *r, const struct vfc_sim_suite_seed *o, double *ratio)
{
	uint32_t j = 0;

	for (uint32_t w = 0; w < r->nwin && j < o->nsettled; w++) {
		if (!r->win_settled[w])
			continue;
		ratio[j] = o->settled_oracle[j] ? (double)r->win_bytes[w] / (double)o->settled_oracle[j] : 1;
		j++;
	}
}

/* Every controller's run on one draw of the noise (sc's seed), scored against the oracle's bytes and added
 * to out's figures with weight w. */
static int draw_ctls(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_scenario *sc,
		     vfc_sim_suite_runner run, void *arg, double oracle, double w, struct vfc_sim_suite_seed *out)
{
	struct vfc_sim_opts opts[VFC_SIM_SUITE_MAX_CTLS] = { 0 };
	struct vfc_sim_result res[VFC_SIM_SUITE_MAX_CTLS];
	double dur = sc->duration_ns / 1e9, settled[VFC_SIM_SUITE_MAX_WIN];
	int rc;

	ctl_jobs(cfg, opts);
	rc = run(arg, sc, opts, res, cfg->nctls);
	for (uint32_t c = 0; !rc && c < cfg->nctls; c++) {
		out->mbps[c] += w * res_bytes(&res[c]) / dur / 1e6;
		out->irq_hz[c] += w * res[c].irq_hz;
		out->ratio[c] += w * (oracle > 0 ? res_bytes(&res[c]) / oracle : 0);
		settled_score(&res[c], out, settled);
		for (uint32_t j = 0; j < out->nsettled; j++)
			out->settled[c][j] += w * settled[j];
		vfc_sim_result_fini(&res[c]);
	}
	return rc;
}

/* Every controller's runs, one per draw of the noise (cfg->draws), their figures averaged. */
static int seed_ctls(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_scenario *sc,
		     vfc_sim_suite_runner run, void *arg, double oracle, struct vfc_sim_suite_seed *out)
{
	uint32_t n = cfg->draws ? cfg->draws : 1;
	struct vfc_sim_scenario dsc = *sc; /* shallow: only the noise's seed differs, sc keeps ownership */
	int rc = 0;

	for (uint32_t d = 0; !rc && d < n; d++) {
		dsc.seed = noise_seed(out->seed, cfg->noise + d);
		rc = draw_ctls(cfg, &dsc, run, arg, oracle, 1.0 / n, out);
	}
	return rc;
}

int vfc_sim_suite_run_seed(const struct vfc_sim_suite_cfg *cfg, uint64_t seed, vfc_sim_suite_runner run,
			   void *run_arg, struct vfc_sim_suite_seed *out, char *err, size_t errlen)
{
	json_t *j = vfc_sim_suite_scenario(cfg, seed);
	struct vfc_sim_scenario sc;
	double oracle = 0;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->seed = seed;
	if (!cfg->ncaps || !cfg->nctls) {
		rc = -EINVAL;
		if (err && errlen)
			snprintf(err, errlen, "no %s", cfg->ncaps ? "controller" : "oracle cap");
		goto out;
	}
	if (!j)
		goto out;
	rc = vfc_sim_scenario_parse(j, NULL, &sc, err, errlen);
	if (rc < 0)
		goto out;
	rc = seed_oracle(cfg, &sc, run, run_arg, out, &oracle);
	if (!rc)
		rc = seed_ctls(cfg, &sc, run, run_arg, oracle, out);
	if (!rc) {
		out->nvfs = sc.nvfs;
		out->engines = sc.engines;
		out->ngroups = sc.ngroups;
	}
	vfc_sim_scenario_fini(&sc);
out:
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	json_decref(j);
	return rc;
}

/* Every seed's settled windows, per controller. */
static void summarize_settled(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_suite_seed *seeds, uint32_t n,
			      struct vfc_sim_suite_summary *sum)
{
	for (uint32_t s = 0; s < n; s++)
		sum->nsettled += seeds[s].nsettled;
	for (uint32_t c = 0; c < cfg->nctls; c++) {
		sum->settled_min[c] = INFINITY;
		for (uint32_t s = 0; s < n; s++) {
			for (uint32_t j = 0; j < seeds[s].nsettled; j++) {
				double r = seeds[s].settled[c][j];

				sum->settled_mean[c] += r / sum->nsettled;
				if (r < sum->settled_min[c]) {
					sum->settled_min[c] = r;
					sum->settled_worst_seed[c] = seeds[s].seed;
				}
				sum->settled_below[c] += r < VFC_SIM_SUITE_SETTLED_GOAL;
			}
		}
	}
}

void vfc_sim_suite_summarize(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_suite_seed *seeds,
			     uint32_t n, struct vfc_sim_suite_summary *sum)
{
	int dim = -1;

	memset(sum, 0, sizeof(*sum));
	for (uint32_t c = 0; c < cfg->nctls; c++)
		if (cfg->ctl[c].kind == VFC_CONTROLLER_KIND_DIM && dim < 0)
			dim = (int)c;
	for (uint32_t c = 0; c < cfg->nctls; c++) {
		sum->min[c] = INFINITY;
		sum->below_dim[c] = dim < 0 ? -1 : 0;
		for (uint32_t s = 0; s < n; s++) {
			double r = seeds[s].ratio[c];

			sum->mean[c] += r / n;
			if (r < sum->min[c]) {
				sum->min[c] = r;
				sum->worst_seed[c] = seeds[s].seed;
			}
			if (dim >= 0 && r < 0.98 * seeds[s].ratio[dim])
				sum->below_dim[c]++;
		}
	}
	summarize_settled(cfg, seeds, n, sum);
}
