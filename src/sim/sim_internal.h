/* SPDX-License-Identifier: MIT */
/* sim_internal.h - the simulator's state, shared by its files: requests, vCPU jobs, VFs, engines, the run. */
#ifndef VFC_SIM_SIM_INTERNAL_H
#define VFC_SIM_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/moder.h"
#include "core/speed_sample.h"
#include "sim/event_queue.h"
#include "sim/sim.h"

/* A run of requests of one kind in a VF's device queue (id: its first), or the request an engine serves. */
struct vfc__sim_req {
	uint32_t id;    /* per VF, wraps: only sums of ids are checked */
	uint32_t bytes;
	uint8_t algo;
};

enum vfc__sim_job_kind { VFC__SIM_JOB_ISR = 1, VFC__SIM_JOB_REAP, VFC__SIM_JOB_SUBMIT };

/* The job a tenant vCPU core runs. */
struct vfc__sim_job {
	enum vfc__sim_job_kind kind; /* 0: the core is free */
	uint32_t n;      /* requests to hand to the device when the job ends */
	uint64_t end_at; /* may move later than the pushed event: an interrupt preempted the job */
};

/* The hot per-VF state. */
struct vfc__sim_vf {
	/*
	 * The device queue: requests head_id .. next_id - 1 (ids are consecutive),
	 * no per-request storage. Their kinds are runs: ks[kshead .. kstail - 1],
	 * each the first id of a run of one size and algorithm (a new run at a
	 * phase change while requests of the old kind are queued: at most one per phase).
	 */
	struct vfc__sim_req *ks;
	uint32_t ksmask, kshead, kstail;
	uint32_t head_id;
	uint32_t in_service;
	bool in_ready;
	bool open;                    /* open loop (arrivals) or closed loop */
	uint8_t algo;
	uint32_t bytes;               /* current phase's request size */
	uint32_t depth;               /* closed loop: target population */
	uint32_t depth_max;
	uint32_t max_queue;
	double rate;                  /* open loop: arrivals per second */
	uint32_t population;          /* requests owned by the tenant, wherever they are */
	uint32_t done_unreaped;       /* completed, waiting for a handler */
	bool reap_pending;            /* an interrupt was taken: the driver owes a reap (and resubmission) */
	uint32_t sub_pending;         /* requests waiting for a submit job */
	uint32_t cores, cores_busy;
	struct vfc__sim_job *jobs;    /* [cores] */
	struct vfc_moder moder;
	uint64_t timer_at;            /* armed moderation deadline (0: none) */
	bool timer_woken;             /* timer_at is the late wake-up of a deadline that found the device idle */
	uint64_t arrival_at;          /* the pending arrival event (0: none) */
	bool wake_pending;            /* an interrupt was taken, the reap waits for the tenant to wake */
	uint64_t rng;
	uint32_t next_id, group;
	/* counters */
	uint64_t submitted, completed, dropped, bytes_done, irqs, cpu_ns, id_sum;
	double req_cost_ns;           /* the current phase's costs, cached (vf_costs) */
	uint64_t irq_cost_ns;         /* tenant CPU per interrupt */
	uint64_t eng_irq_ns;          /* engine time per interrupt raised */
	double svc_ns;                /* engine time per request of the current kind, before jitter */
	uint32_t nseg;                /* completions per request of the current kind */
	double gap_ns;                /* open loop: mean arrival gap */
};

/* One of the PF's engines: one request at a time, in segments. */
struct vfc__sim_engine {
	uint32_t vf;
	uint32_t segs_left;
	uint64_t seg_ns;
	uint64_t at;       /* when the current segment ends (busy) */
	uint64_t idle_at;  /* when it last ran out of work, or woke on a timer (idle: it polls until + spin) */
	struct vfc__sim_req r;
	bool busy;
};

/* One run: the scenario, the event queue, every VF and engine, the round robin of VFs with queued requests. */
struct vfc__sim {
	const struct vfc_sim_scenario *sc;
	const struct vfc_sim_opts *o;
	/* The interrupt line: what an interrupt delivered to VF vfi sets off in its tenant. sim.c
	 * wires it to the tenants' vfc__sim_cpu_kick, so that the device's model (device.c,
	 * interrupts.c) knows no tenant, as a device knows only its interrupt vector. */
	int (*irq_line)(struct vfc__sim *s, uint32_t vfi);
	struct vfc__sim_heap h;
	struct vfc__sim_vf *vfs;
	struct vfc_controller *ctl;     /* cold: [nvfs] */
	struct vfc_mon_counters *mprev; /* cold: [nvfs] */
	struct vfc__sim_pf *pf;         /* the PF's coordinator (pf.c; NULL: no VF in pf mode) */
	/* Its tick, after the VFs' controllers: a pointer set by pf.c, which calls tick.c (no call circle). */
	int (*pf_step)(struct vfc__sim *s);
	struct vfc__sim_job *jobs;
	struct vfc__sim_req *kinds;
	struct vfc__sim_engine *eng;
	uint32_t *free_eng, nfree;
	uint32_t *ready, rmask, rhead, rtail;
	uint64_t irq_debt_ns;           /* engine time owed for timer-fired interrupts */
	uint64_t engine_wake_ns;        /* the profile's, rounded */
	uint64_t spin_ns;               /* the profile's engine_spin_ns, rounded */
	uint64_t irq_wake_ns;           /* the profile's engine_irq_wake_ns, rounded */
	uint64_t irq_wake_debt_ns;      /* set by irq_deliver, taken by its caller (vfc__sim_engine_irq_cost) */
	uint64_t now, events;
	uint64_t *win_start, *win_bytes;
	uint8_t *win_settled;           /* as vfc_sim_result's */
	uint32_t nwin, win;
	uint64_t next_progress;
	/* The aggregated mode (sample.c; NULL: exact): each interval's first settle ns, then meas ns scaled.
	 * Its hooks are pointers, set by sample.c, so that the handlers it drives do not call it back. */
	struct vfc__sim_samp *samp;
	void (*samp_reap)(struct vfc__sim *s, uint32_t vfi);  /* the VF's tenant reaped: a cycle's end */
	void (*samp_done)(struct vfc__sim *s, uint32_t vfi);  /* one of the VF's requests completed */
	void (*samp_counters)(const struct vfc__sim *s, uint32_t vfi, struct vfc_mon_counters *c); /* what a tick samples */
	uint64_t sample_settle_ns, sample_meas_ns;
};

/* The aggregated mode's sample of each interval (sample.c): a settling piece, then a measured one. */
#define VFC__SIM_SETTLE_NS 20000000ull
#define VFC__SIM_MEAS_NS 30000000ull

/* sim.c: a run, exact or (sc->aggregate) aggregated (opts not NULL). */
int vfc__sim_model_run(const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *o, struct vfc_sim_result *res);

/* ---- PRNG: splitmix64, one stream per VF ---- */

static inline uint64_t vfc__sim_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static inline double vfc__sim_rng_unit(uint64_t *s)
{
	return ((double)(vfc__sim_splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* ---- costs ---- */

static inline const struct vfc_sim_algo_prof *vfc__sim_algo_prof(const struct vfc__sim *s, unsigned algo)
{
	return &s->sc->prof.algo[algo];
}

static inline uint64_t vfc__sim_ns_round(double x)
{
	return x <= 0 ? 0 : (uint64_t)(x + 0.5);
}

/*
 * An idle engine polls its rings (awake) for spin_ns after its last work,
 * then sleeps. Compared when something happens, not scheduled: no event.
 */
static inline bool vfc__sim_engine_awake(const struct vfc__sim *s, uint32_t e)
{
	return s->now - s->eng[e].idle_at < s->spin_ns;
}

/* ---- the handlers and what they share ---- */

/* device.c: the engines */
int vfc__sim_device_submit(struct vfc__sim *s, uint32_t vfi, uint32_t n);
int vfc__sim_on_engine(struct vfc__sim *s, uint32_t e);

/* interrupts.c: the moderation units */
uint64_t vfc__sim_engine_irq_cost(struct vfc__sim *s, const struct vfc__sim_vf *v);
int vfc__sim_moder_verdict(struct vfc__sim *s, uint32_t vfi, enum vfc_moder_verdict vd, uint64_t dl, bool *fired);
int vfc__sim_on_moder(struct vfc__sim *s, uint32_t vfi, uint64_t t);

/* tenant.c: the tenants */
int vfc__sim_cpu_kick(struct vfc__sim *s, uint32_t vfi);
int vfc__sim_on_cpu(struct vfc__sim *s, uint32_t vfi, uint32_t c, uint64_t t);
int vfc__sim_on_wake(struct vfc__sim *s, uint32_t vfi);
int vfc__sim_on_arrival(struct vfc__sim *s, uint32_t vfi, uint64_t t);
int vfc__sim_on_phase(struct vfc__sim *s, uint32_t g, uint32_t pi);
int vfc__sim_group_phase(struct vfc__sim *s, uint32_t g, uint32_t pi); /* on_phase without the next phase */

/* windows.c: the run's windows */
int vfc__sim_build_windows(struct vfc__sim *s); /* win_start, win_bytes, win_settled, nwin; 0 or -ENOMEM */

/* The window s->now is in (exact mode: a completion's bytes count in the window of its time). */
static inline void vfc__sim_win_at(struct vfc__sim *s)
{
	while (s->win + 1 < s->nwin && s->win_start[s->win + 1] <= s->now)
		s->win++;
}

/* tick.c: the controllers */
int vfc__sim_on_tick(struct vfc__sim *s);
int vfc__sim_tick_step(struct vfc__sim *s); /* every VF's controller stepped (on_tick without the next tick) */
/* What a tick samples of VF vfi: its counters, or the aggregated mode's scaled ones. */
void vfc__sim_vf_counters(const struct vfc__sim *s, uint32_t vfi, struct vfc_mon_counters *c);
/* A new cap for VF vfi (no-op if it is in force): applied, pending completions re-checked. 0 or an error. */
int vfc__sim_set_cap(struct vfc__sim *s, uint32_t vfi, uint32_t cap);

/* pf.c: the PF's coordinator of the VFs in pf mode */
int vfc__sim_pf_init(struct vfc__sim *s); /* after the VFs' controllers (sets s->pf_step); 0, -E2BIG, -EINVAL, -ENOMEM */
void vfc__sim_pf_stats(const struct vfc__sim *s, struct vfc_sim_pf_result *out);
void vfc__sim_pf_free(struct vfc__sim *s);

/* sample.c: the aggregated mode */
int vfc__sim_samp_init(struct vfc__sim *s);
void vfc__sim_samp_free(struct vfc__sim *s);
int vfc__sim_samp_start(struct vfc__sim *s);
int vfc__sim_on_cut(struct vfc__sim *s);
void vfc__sim_samp_mark(struct vfc__sim *s, uint32_t vfi);
void vfc__sim_samp_done(struct vfc__sim *s, uint32_t vfi); /* one of the VF's requests completed */ /* the VF's tenant reaped: a cycle's end */
void vfc__sim_samp_collect(const struct vfc__sim *s, struct vfc_sim_result *res);

#endif
