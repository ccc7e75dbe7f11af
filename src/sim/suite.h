/* SPDX-License-Identifier: MIT */
/* suite.h - the fleet suite: seeded random scenarios, every controller run on each, scored against the per-phase oracle. */
#ifndef VFC_SIM_SUITE_H
#define VFC_SIM_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sim/sim.h"

#define VFC_SIM_SUITE_MAX_CTLS 16
#define VFC_SIM_SUITE_MAX_CAPS 64
#define VFC_SIM_SUITE_MAX_WIN 16     /* phase windows whose best cap a seed reports (4 groups x 3 phases: 9) */
#define VFC_SIM_SUITE_SETTLED_GOAL 0.95 /* issue 13: after a change, of the new oracle from the 5th tick on */

/* How the oracle runs its static caps (docs/sim.md, "The oracle's cost"). */
enum vfc_sim_suite_oracle_mode {
	VFC_SIM_SUITE_ORACLE_SAMPLED, /* the aggregated (sampled) mode, whatever the controllers run in */
	VFC_SIM_SUITE_ORACLE_EXACT,   /* the controllers' mode: exact unless aggregate */
};

struct vfc_sim_suite_cfg {
	uint64_t seed0;          /* the first seed; seeds are seed0, seed0 + 1, ... */
	uint32_t nseeds;
	uint32_t vfs_min, vfs_max;   /* VFs per scenario, uniform in [min, max] */
	uint32_t eng_min, eng_max;   /* engines per scenario, uniform in [min, max] */
	double duration_s;
	uint32_t tick_ms;
	char profile[64];            /* a built-in profile ("dh895xcc-paper") */
	uint32_t nctls;
	char ctl_spec[VFC_SIM_SUITE_MAX_CTLS][128];
	struct vfc_controller_cfg ctl[VFC_SIM_SUITE_MAX_CTLS];
	uint32_t ncaps;              /* the oracle's static caps (0 = no cap) */
	uint32_t caps[VFC_SIM_SUITE_MAX_CAPS];
	bool aggregate;              /* every run in the aggregated mode (docs/sim.md), not the exact one */
	enum vfc_sim_suite_oracle_mode oracle_mode;     /* default sampled */
	uint32_t oracle_tick_ms;     /* the static caps' tick (0: tick_ms); only the sampled mode's intervals see it */
	uint32_t settle_ticks;       /* a change's window is scored again from this many ticks on (0: not) */
	uint64_t noise;              /* 0: the runs draw their noise from the scenario's seed; else from that seed
				      * salted with this: the same scenarios, other draws (an A/A, docs/sim.md) */
	uint32_t draws;              /* each controller runs on this many draws (noise, noise + 1, ...; 0 = 1), its
				      * figures averaged; the oracle on the first (and oracle_draws - 1 more) */
	uint32_t oracle_draws;       /* the static caps run on this many draws (noise, noise + 1, ...; 0 = 1), each
				      * cap's bytes per window averaged before the best is taken (docs/sim.md) */
};

/* Defaults: 8-32 VFs, 2-8 engines, 120 s at 1 s ticks, dh895xcc-paper, the controllers none, paper,
 * dim, adaptive, a geometric list of oracle caps, changes scored from 4 ticks on. seed0 and nseeds are left
 * to the caller. */
void vfc_sim_suite_cfg_default(struct vfc_sim_suite_cfg *cfg);
/* Set the controllers from a comma-separated list of specs ("dim,adaptive,static:5000"). 0 or -EINVAL (err). */
int vfc_sim_suite_set_ctls(struct vfc_sim_suite_cfg *cfg, const char *list, char *err, size_t errlen);

/* The scenario of one seed, as the JSON `vfc sim` reads (every group's ctl "none": the suite overrides it). Its
 * "seed", which seeds the runs' noise, is the seed itself, or with cfg->noise the seed salted with it. */
json_t *vfc_sim_suite_scenario(const struct vfc_sim_suite_cfg *cfg, uint64_t seed);

/*
 * Runs n independent simulations of one scenario, opts[i] into res[i]. The suite calls nothing else to
 * simulate, so a parallel runner can replace the serial one. Returns 0 or the first negative errno (then
 * no res needs freeing).
 */
typedef int (*vfc_sim_suite_runner)(void *arg, const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts,
				    struct vfc_sim_result *res, size_t n);
int vfc_sim_suite_run_serial(void *arg, const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts,
			     struct vfc_sim_result *res, size_t n);

/* One seed's outcome. */
struct vfc_sim_suite_seed {
	uint64_t seed;
	uint32_t nvfs, engines, ngroups, nwin;
	double oracle_mbps;                       /* per window the best static cap's bytes, summed, / duration */
	double best_static_mbps;                  /* the best single static cap over the whole run */
	double mbps[VFC_SIM_SUITE_MAX_CTLS];      /* each controller's total */
	double irq_hz[VFC_SIM_SUITE_MAX_CTLS];
	double ratio[VFC_SIM_SUITE_MAX_CTLS];     /* mbps / oracle_mbps */
	double cap_mbps[VFC_SIM_SUITE_MAX_CAPS];  /* each static cap's total */
	uint32_t best_cap[VFC_SIM_SUITE_MAX_WIN]; /* per window (the first MAX_WIN) its best cap, 0 = none */
	uint64_t best_bytes[VFC_SIM_SUITE_MAX_WIN]; /* and that cap's bytes in the window */
	/* After each change, from its settle point (cfg.settle_ticks) to the next change or the end: the best
	 * static cap's bytes there, and each controller's bytes over them (the first MAX_WIN such windows). */
	uint32_t nsettled;
	uint64_t settled_oracle[VFC_SIM_SUITE_MAX_WIN];
	double settled[VFC_SIM_SUITE_MAX_CTLS][VFC_SIM_SUITE_MAX_WIN];
};

/* Generate, run (every controller and every oracle cap) and score one seed. 0 or a negative errno. */
int vfc_sim_suite_run_seed(const struct vfc_sim_suite_cfg *cfg, uint64_t seed, vfc_sim_suite_runner run,
			   void *run_arg, struct vfc_sim_suite_seed *out, char *err, size_t errlen);

/* Per controller over the seeds: mean, min (and its seed), and seeds more than 2% below dim; and over every
 * seed's settled windows: their mean, min (and its seed) and how many fall below the goal. */
struct vfc_sim_suite_summary {
	double mean[VFC_SIM_SUITE_MAX_CTLS], min[VFC_SIM_SUITE_MAX_CTLS];
	uint64_t worst_seed[VFC_SIM_SUITE_MAX_CTLS];
	int32_t below_dim[VFC_SIM_SUITE_MAX_CTLS]; /* -1: no dim in the list */
	uint32_t nsettled;                          /* settled windows over all seeds */
	double settled_mean[VFC_SIM_SUITE_MAX_CTLS], settled_min[VFC_SIM_SUITE_MAX_CTLS];
	uint64_t settled_worst_seed[VFC_SIM_SUITE_MAX_CTLS];
	uint32_t settled_below[VFC_SIM_SUITE_MAX_CTLS]; /* below VFC_SIM_SUITE_SETTLED_GOAL */
};

void vfc_sim_suite_summarize(const struct vfc_sim_suite_cfg *cfg, const struct vfc_sim_suite_seed *seeds,
			     uint32_t n, struct vfc_sim_suite_summary *sum);

#endif
