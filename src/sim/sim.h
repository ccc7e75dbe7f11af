/* SPDX-License-Identifier: MIT */
/* sim.h - a deterministic discrete-event simulator of an SR-IOV crypto device, its VFs and their tenants. */
#ifndef VFC_SIM_SIM_H
#define VFC_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/controller/controller.h"

/*
 * The model (docs/sim.md): a PF with E engines serving V VFs round robin,
 * one request at a time per engine, service time a + B/bw per algorithm,
 * optionally posted as several completions (segments); each VF has the
 * moderation unit of core (src/core/moder.c) and a controller of core
 * (src/core/controller/) fed one sample per tick; each VF's tenant is a VM with c
 * vCPUs that pays t0 (+ an eviction term) per interrupt and a per-request
 * submit/copy cost, and (closed loop) resubmits a completed request only
 * after the handler that reaped it ran (and, with wake_ns, after it woke);
 * moderation deadlines may fire late (timer_late_ns) and a doorbell may find the
 * engine asleep (engine_wake_ns), both only once the engine has been out of
 * work for engine_spin_ns (it polls until then). Integer ns time, no allocation in
 * the event loop, the same scenario and seed always give the same result.
 */

enum vfc_sim_algo {
	VFC_SIM_AES_ENC = 0,
	VFC_SIM_AES_DEC,
	VFC_SIM_SHA256,
	VFC_SIM_RSA2048,
	VFC_SIM_RSA3072,
	VFC_SIM_RSA4096,
	VFC_SIM_ALGO__MAX
};

/* "aes-128-cbc", "aes-128-cbc-dec", "sha256", "rsa-2048", "rsa-3072", "rsa-4096"; -1 if unknown. */
int vfc_sim_algo_parse(const char *name);
const char *vfc_sim_algo_name(int algo);

struct vfc_sim_algo_prof {
	bool present;
	double engine_ns;          /* a: fixed engine time per request */
	double engine_ns_per_kib;  /* 1024 / bw: engine time per KiB */
	double req_ns;             /* tenant CPU per request (submit + reap) */
	double copy_ns_per_kib;    /* tenant CPU per KiB of request (copy in and out) */
	uint32_t seg_bytes;        /* the engine posts one completion per segment of this size (0: per request) */
};

struct vfc_sim_profile {
	char name[64];
	uint32_t engines;            /* E */
	uint32_t vcpus;              /* c, default for groups */
	double t0_ns;                /* tenant CPU per interrupt (VM exit + handler) */
	double evict_ns_per_kib;     /* tenant CPU per interrupt per KiB of the current request size (cache refill) */
	double engine_irq_ns;        /* engine time per interrupt it raises (software devices: the eventfd write) */
	double engine_irq_ns_per_kib;/* and per KiB of the VF's current request size (cache refill; 0: none) */
	double engine_irq_wake_ns;   /* and more when it wakes an idle tenant (eventfd write to a sleeping reader) */
	double wake_ns;              /* mean latency (exponential; not CPU time) from an interrupt to the reap (0: none) */
	double timer_late_ns;        /* a deadline that finds every engine idle fires this late (timer slack + wake-up) */
	double engine_wake_ns;       /* a sleeping engine starts a request this late (doorbell wake-up; 0: at once) */
	double engine_spin_ns;       /* an engine out of work polls this long before it sleeps (0: sleeps at once) */
	uint32_t coalesce_count;     /* the moderation unit's count threshold (0: none) */
	uint64_t coalesce_timeout_ns;/* and its timeout (0: none) */
	double jitter;               /* engine service time is scaled by 1 + jitter x U(-1, 1) */
	struct vfc_sim_algo_prof algo[VFC_SIM_ALGO__MAX];
};

/* The built-in profiles ("dh895xcc-paper"); NULL if unknown. */
const struct vfc_sim_profile *vfc_sim_profile_builtin(const char *name);
/* Read a profile object (the format written by vfc_sim_profile_json). Errors name the key. */
int vfc_sim_profile_from_json(json_t *obj, const char *where, struct vfc_sim_profile *p, char *err, size_t errlen);
json_t *vfc_sim_profile_json(const struct vfc_sim_profile *p);

/* A phase, fully resolved (the keys it does not name are inherited). */
struct vfc_sim_phase {
	uint64_t at_ns;
	int algo;
	uint32_t block_bytes;
	uint32_t depth;     /* closed loop: requests per VF (0 when open loop) */
	double rate_ops;    /* open loop: Poisson arrivals per second per VF (0 when closed loop) */
};

struct vfc_sim_group {
	uint32_t vfs;
	char ctl_spec[128];
	struct vfc_controller_cfg ctl;
	uint32_t vcpus;
	uint32_t max_queue;   /* open loop: requests in flight per VF beyond which arrivals are dropped */
	uint32_t nphases;
	struct vfc_sim_phase *phases;
};

struct vfc_sim_scenario {
	struct vfc_sim_profile prof;
	uint64_t seed;
	uint64_t duration_ns;
	uint64_t tick_ns;
	uint32_t engines;
	uint32_t ngroups;
	struct vfc_sim_group *groups;
	uint32_t nvfs;
	bool aggregate;   /* "mode": "aggregate" (the default "exact": one event per request) */
	uint64_t sample_settle_ns, sample_meas_ns; /* the aggregated mode's sample of each interval */
};

/*
 * Parse a scenario. base_dir resolves a relative "profile_file" (NULL: the
 * working directory). Returns 0, or -EINVAL with "KEY: reason" in err (the
 * key as a path: "groups[0].phases[1].at_s").
 */
int vfc_sim_scenario_parse(json_t *root, const char *base_dir, struct vfc_sim_scenario *sc, char *err,
			   size_t errlen);
/* Read and parse a file (errors: "FILE: ..."). */
int vfc_sim_scenario_load(const char *path, struct vfc_sim_scenario *sc, char *err, size_t errlen);
void vfc_sim_scenario_fini(struct vfc_sim_scenario *sc);

struct vfc_sim_vf_result {
	uint32_t id, group;
	uint64_t submitted;  /* requests handed to the device */
	uint64_t completed;  /* requests the device finished */
	uint64_t in_flight;  /* queued or in service at the end: submitted = completed + in_flight */
	uint64_t dropped;    /* open-loop arrivals refused (max_queue reached) */
	uint64_t bytes;
	uint64_t irqs;       /* interrupts delivered to the tenant */
	uint64_t cpu_ns;     /* tenant CPU time */
	uint64_t id_sum;     /* sum of the ids (0, 1, ...) of completed requests, mod 2^64 */
	uint64_t id_sum_in_flight;
	uint32_t cap_hz_final;
	uint32_t depth_max;  /* largest closed-loop depth the VF ran at */
};

/* The PF's coordinator, when VFs run in pf mode (src/sim/pf.c; members 0: none). */
struct vfc_sim_pf_result {
	uint32_t members;    /* VFs in pf mode */
	uint64_t ticks;      /* samples its controller was stepped on */
	uint64_t escapes;    /* restarts above a binding cap */
	uint64_t restarts;   /* member changes (0 in a run: membership is fixed) */
	uint32_t cap_hz;     /* the common cap at the end */
};

struct vfc_sim_result {
	uint64_t events;          /* exact: events; aggregate: steps (a VF over an interval) and class runs' events */
	uint64_t completed;       /* request completions, all VFs */
	double wall_s;
	double total_mbps, total_ops, irq_hz;   /* over the whole run, all VFs */
	uint32_t nvfs;
	struct vfc_sim_vf_result *vfs;
	uint32_t nwin;            /* windows: the phases' (the union of every group's changes), each split in two
				   * at its change's settle point if opts asked for one (vfc_sim_opts.settle_ticks) */
	uint64_t *win_start_ns;   /* [nwin] */
	uint64_t *win_bytes;      /* [nwin] bytes completed in each window */
	uint8_t *win_settled;     /* [nwin] 1: the window starts at a settle point, 0: at 0 or at a change */
	struct vfc_sim_pf_result pf;
};

/* Where a run is, for a progress line. */
struct vfc_sim_progress {
	uint64_t sim_ns, end_ns;
	uint64_t events;     /* as in vfc_sim_result */
	uint64_t completed;  /* request completions so far, all VFs */
};

struct vfc_sim_opts {
	bool override_ctl;          /* run every VF with override (the oracle's static caps) */
	struct vfc_controller_cfg override;
	FILE *csv;                  /* per tick per VF: t_s,vf,group,ctl,cap_hz,mbps,irq_hz,ops_per_s,cpu_frac */
	/* Called about every 0.5% of the simulated time (NULL: never). */
	void (*progress_cb)(void *arg, const struct vfc_sim_progress *p);
	void *progress_arg;
	/* Split the window of each change (not the start) at its settle_ticks-th tick of settle_tick_ns (0: the
	 * scenario's tick), counted from the first tick strictly after the change; 0: no split. A split that
	 * the next change or the end comes before is dropped. */
	uint32_t settle_ticks;
	uint64_t settle_tick_ns;
};

/*
 * Run the scenario to its end, exact (one event per request) or, with
 * sc->aggregate, aggregated (agg.c). Returns 0 or -ENOMEM; res is filled
 * (free with vfc_sim_result_fini).
 */
int vfc_sim_run(const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts, struct vfc_sim_result *res);
void vfc_sim_result_fini(struct vfc_sim_result *res);

/* The result as JSON: total_mbps, irq_hz, events, wall_s (0 when !timing), vfs[...]. */
json_t *vfc_sim_result_json(const struct vfc_sim_scenario *sc, const struct vfc_sim_result *res, bool timing);

/*
 * The oracle: replay with each static cap in caps[] (for every VF) and keep,
 * per phase window, the best cap's bytes. oracle_mbps = sum of the best
 * windows' bytes / duration. best_cap[w] (nwin entries, may be NULL) gets
 * each window's cap. Returns 0 or a negative errno.
 */
int vfc_sim_oracle(const struct vfc_sim_scenario *sc, const uint32_t *caps, size_t ncaps, double *oracle_mbps,
		   uint32_t *best_cap, uint32_t nwin_max, uint32_t *nwin);

/*
 * Calibration of a "local" profile from `vfc bench --csv` rows (docs/sim.md).
 * Fills *p and writes a human-readable report (fit and per-row validation:
 * each row simulated and compared) to report (may be NULL). max_err_pct
 * (may be NULL) gets the largest relative error of the validation.
 */
int vfc_sim_calibrate(const char *csv_path, struct vfc_sim_profile *p, FILE *report, double *max_err_pct,
		      char *err, size_t errlen);

#endif
