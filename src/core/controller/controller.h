/* SPDX-License-Identifier: MIT */
/* controller.h - interrupt-rate controllers: none, static, the paper's one-shot rule, DIM (style and kernel), adaptive. */
#ifndef VFC_CORE_CONTROLLER_H
#define VFC_CORE_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/speed_sample.h"

/*
 * Every controller is a pure state machine over a caller-owned struct
 * vfc_controller: fed one struct vfc_speed_sample per tick, it returns the interrupt
 * cap (Hz) to apply for the next tick, 0 meaning "no cap". The same sample
 * stream always gives the same caps. See docs/controllers.md.
 */

enum vfc_controller_kind {
	VFC_CONTROLLER_KIND_NONE = 0,
	VFC_CONTROLLER_KIND_STATIC,
	VFC_CONTROLLER_KIND_PAPER,
	VFC_CONTROLLER_KIND_DIM,
	VFC_CONTROLLER_KIND_ADAPTIVE,
	VFC_CONTROLLER_KIND_DIM_KERNEL,   /* dim:kernel, Linux lib/dim's decision logic as written */
	VFC_CONTROLLER_KIND_PAPER_MODEL,  /* paper:i0=model, I0 from the fitted model */
	VFC_CONTROLLER_KIND_STATIC_MODEL, /* static:model, the fitted model's cap, fixed */
	VFC_CONTROLLER_KIND_PF,           /* pf: the PF's coordinator sets the cap (core/coord.h); the VF follows */
};

#define VFC_CONTROLLER_MAX_HZ 100000000u /* the largest cap any controller accepts or returns (= vfc.h VFC_CAP_MAX_HZ) */
#define VFC_CONTROLLER_MAX_LEVELS 64     /* ladder length limit (dim, adaptive) */

struct vfc_controller_dim_cfg {
	uint32_t max_hz;   /* top of the ladder (least moderation), max= */
	uint32_t min_hz;   /* bottom of the ladder, min= */
	double step;       /* ratio between neighbouring levels, step= */
	double sig_pct;    /* a difference is significant above this percentage, sig= */
	uint32_t tired;    /* steps without parking before parking tired, tired= (0: 2 x levels) */
	uint32_t rest;     /* ticks parked tired before trying again, rest= (0: = tired) */
};

struct vfc_controller_adaptive_cfg {
	uint32_t min_hz;   /* lowest cap, min= */
	uint32_t max_hz;   /* highest cap, max= */
	double step;       /* ladder ratio, step= */
	double band_pct;   /* speeds within this percentage are equal, band= */
	double margin;     /* cliff floor = margin x ops_per_s / depth, margin= */
	double start;      /* a search starts at start x floor, start= */
	bool start_model;  /* start=model: a new workload's search starts at the fitted model's cap */
	double esc;        /* cliff escape factor when the cap is the bottleneck, esc= */
	uint32_t probe;    /* re-probe neighbours every this many settled ticks, probe= (0: never) */
	double change_pct; /* restart when request size or depth moves this much, change= */
	double shift_pct;  /* restart when speed at the settled cap moves this much twice, shift= */
	double late;       /* interrupts below late x the cap that drain the queue are late, late= (0: off) */
	double climb;      /* a climb's stride grows by this factor each level it wins, climb= (1: one level) */
	uint32_t recheck;  /* the search's end re-checks levels measured once, recheck= (0: as in session 7) */
	uint32_t guess;    /* a new workload's search starts no lower than the model's cap, guess= (0: off, 2: depth <= 8) */
	uint32_t refight;  /* a restart that follows the VF's rate fights the duels again, refight= (0: as in session 8,
			    * 1: always, 2: after a duel won) */
	double late_q;     /* late also needs each interrupt to hand back more than this fraction of the queue,
			    * lateq= (0, the default: 1 / margin) */
};

/* The paper's model fitted on a device (docs/model.md): paper:i0=model and static:model. */
struct vfc_controller_model_cfg {
	double t0;     /* fitted t0 in paper seconds (vfc model fit's t0_s), t0= */
	double t1;     /* fitted t1 in paper seconds (vfc model fit's t1_s), t1= */
	double margin; /* the cap keeps this factor above the queue limit, margin= */
};

struct vfc_controller_cfg {
	enum vfc_controller_kind kind;
	union {
		uint32_t static_hz;      /* static:HZ */
		uint32_t paper_i0_hz;    /* paper:i0=HZ (0: start uncapped) */
		struct vfc_controller_dim_cfg dim;
		struct vfc_controller_adaptive_cfg adaptive;
		struct vfc_controller_model_cfg model; /* paper:i0=model, static:model */
		char pf_coord[64];       /* pf:SPEC: the coordinator's controller the VF asks for ("": the PF's) */
	};
};

/* Defaults (also documented in vfc_controller_help). */
#define VFC_CONTROLLER_PAPER_I0_HZ 6450u /* the paper's optimal AES-128 rate (section 4.1) */
/* The model fitted on this project's VM: `vfc model fit docs/grid.csv` (AES-128-CBC, depth 32). */
#define VFC_CONTROLLER_MODEL_T0 8.559032e-10 /* paper seconds */
#define VFC_CONTROLLER_MODEL_T1 8.781718e-04 /* paper seconds */
#define VFC_CONTROLLER_MODEL_MARGIN 1.15     /* = adaptive's default cliff margin */
#define VFC_CONTROLLER_DIMK_PROFILES 5       /* the kernel's NET_DIM_PARAMS_NUM_PROFILES */

/* dim's states; vfc_controller_state names them "going", "parked", "tired". */
enum vfc__dim_state {
	VFC__DIM_GOING = 0,      /* stepping in dir, comparing each tick with the previous */
	VFC__DIM_PARKED_TOP,     /* found the top: stay until the speed changes significantly */
	VFC__DIM_PARKED_TIRED,   /* too many steps without a winner: rest, then search again */
	VFC__DIM_STATE_COUNT
};

/* dim:kernel's tune states, in the kernel's order (a zeroed struct dim is parked on top);
 * vfc_controller_state names them "parked", "tired", "right", "left". Right = towards more
 * moderation (longer periods, lower caps), as the kernel's profile index grows. */
enum vfc__dimk_state {
	VFC__DIMK_PARKING_ON_TOP = 0, /* compare each tick with the last stats before parking */
	VFC__DIMK_PARKING_TIRED,      /* count tired down to 0, then search again */
	VFC__DIMK_GOING_RIGHT,        /* profile index rising: lower caps */
	VFC__DIMK_GOING_LEFT,         /* profile index falling: higher caps */
	VFC__DIMK_STATE_COUNT
};

/* dim:kernel's struct dim_stats: per millisecond, rounded up, as dim_calc_stats computes them. */
struct vfc__dimk_stats {
	uint32_t ppms; /* requests per ms */
	uint32_t bpms; /* bytes per ms */
	uint32_t epms; /* interrupts per ms */
};

/* adaptive's states; vfc_controller_state names them "start", "measure", "upcheck", "climb",
 * "descend", "settled", "probe-down", "probe-up", "duel". */
enum vfc__ad_state {
	VFC__AD_START = 0,       /* waiting for the first sample */
	VFC__AD_MEASURE_START,   /* went to the start level s0, waiting for its sample */
	VFC__AD_UPCHECK,         /* after the descent: is the level above the candidate better? */
	VFC__AD_CLIMB,           /* climbing while each level is better than the one below */
	VFC__AD_DESCEND,         /* bisecting down to the lowest level as good as the best */
	VFC__AD_SETTLED,         /* on the chosen level; re-probes and duels start from here */
	VFC__AD_PROBE_DOWN,      /* re-probe: one level down */
	VFC__AD_PROBE_UP,        /* re-probe: one level up */
	VFC__AD_DUEL,            /* settled: is a higher level (the top, or 5 levels up) better? */
	VFC__AD_STATE_COUNT
};

/* Per-level memory of the adaptive controller. */
struct vfc__ad_level {
	double mean;    /* mean speed measured at this level, MB/s */
	uint32_t n;     /* samples behind it (the mean is a running average, then an EWMA past 16) */
};

struct vfc_controller {
	struct vfc_controller_cfg cfg;
	uint32_t cap;   /* the cap last returned (in force from the next tick) */
	uint64_t ticks; /* samples fed */
	union {
		struct {
			double best;      /* i: best speed seen */
			uint32_t t;       /* t: how many times the best improved */
			double prev_irq;  /* interrupt rate of the previous (non-idle) tick */
			bool have_prev;
			bool done;        /* the one adjustment was made */
			bool i0_set;      /* paper:i0=model: the first tick set I0 */
		} paper;
		struct {
			bool set;         /* static:model: the first tick set the cap */
		} smodel;
		struct {
			uint32_t ix;      /* profile index, 0 (1 us, 1 MHz) .. 4 (256 us, 3.9 kHz) */
			enum vfc__dimk_state state;
			uint32_t steps_left, steps_right, tired;
			struct vfc__dimk_stats prev; /* prev_stats: not updated while staying parked on top */
		} dimk;
		struct {
			uint32_t levels[VFC_CONTROLLER_MAX_LEVELS]; /* [0] = max_hz ... descending */
			uint32_t nlevels, ix;
			enum vfc__dim_state state;
			int dir;          /* -1: towards ix 0 (higher caps), +1: towards lower caps */
			bool turned;      /* turned around since the last parking */
			bool have_prev, have_ref;
			struct vfc_speed_sample prev; /* the previous tick's sample */
			struct vfc_speed_sample ref;  /* the reference while parked */
			uint32_t tired, tired_max, rest_left;
		} dim;
		struct {
			uint32_t levels[VFC_CONTROLLER_MAX_LEVELS]; /* ascending */
			struct vfc__ad_level mem[VFC_CONTROLLER_MAX_LEVELS];
			uint32_t nlevels;
			uint32_t ix;          /* level asked for */
			uint32_t settled;     /* level settled on (or the search's candidate) */
			uint32_t s0;          /* the search's start level */
			int64_t lo;           /* bisection: highest level known bad (-1: none) */
			int64_t hi;           /* bisection: lowest level it measured good (-1: none) */
			int64_t late_lo;      /* highest level this search saw waiting on late interrupts (-1: none) */
			bool upchecked;       /* this search looked one level above its candidate */
			uint32_t climb_prev;  /* climb: the level the one asked for is compared with */
			int64_t climb_lo;     /* climb: the highest level it found bad (late, or beaten) */
			uint32_t stride;      /* climb: levels between climb_prev and the level asked for */
			bool climb_late;      /* climb: driven by late interrupts (goes on while late only) */
			bool from_model;      /* start=model: this search started at the model's cap */
			bool duels_over;      /* this search's duels upwards are over (lost, or won at the top) */
			bool top_tried;       /* the top did not win its duel: challengers are AD_DUEL_JUMP levels up */
			int refine;           /* a duel AD_DUEL_JUMP up was won (-1) or lost (+1): next, a duel
					       * midway, AD_DUEL_BACK levels down (-1) or up (+1) */
			bool won;             /* a duel was won (later ones come at the re-probes), same workload */
			uint32_t duel_lvl;    /* the challenger: the top, then AD_DUEL_JUMP levels above the settled one */
			double noise;         /* mean |change| / speed between consecutive samples at one level */
			uint32_t noise_n;     /* pairs behind it (a running mean, then an EWMA past 16) */
			double prev_mbps;     /* the previous sample, at level prev_lvl */
			uint32_t prev_lvl;
			bool have_prev;
			uint32_t duel;        /* duel: samples taken so far in this round */
			uint32_t duel_round;  /* duel: rounds of AD_DUEL_TICKS fought so far (undecided ones go on) */
			double duel_sum[2];   /* duel: speed sums at [0] the settled level, [1] the challenger */
			enum vfc__ad_state state;
			uint32_t since;       /* ticks settled since the last probe */
			double pre_mbps;      /* re-probes: the settled level's last sample */
			double probe_mbps;    /* re-probes: a probe's sample, waiting for the settled level's next */
			int probe_dir;        /* re-probes: -1 / +1 a probe below / above waits for its pair, 0 none */
			bool probe_up_next;   /* re-probes: the probe above follows the tick after the one below */
			bool down_off;        /* re-probes: the level below is clearly worse: no more probes down */
			double pair_sum[2];   /* re-probes: sums of paired relative differences, [0] below, [1] above */
			uint32_t pair_n[2];
			uint32_t shifts;      /* consecutive shifted samples at the settled level */
			double rate_ref;      /* ops / depth over the first settled samples of this search (0: not yet) */
			double rate;          /* ops / depth at the settled levels (running mean, then EWMA 1/4) */
			uint32_t rate_n;      /* samples behind it */
			uint32_t follows;     /* how many times a moved rate restarted the search (diagnostics) */
			double ref_bytes;     /* workload signature at the last (re)start */
			uint32_t ref_depth;
			bool have_ref;
			uint32_t restarts;    /* how many times the search restarted (diagnostics) */
			uint32_t reanchors;   /* how many times a shift re-anchored the settled level (diagnostics) */
		} ad;
	};
};

/*
 * Parse "none | static:HZ | static:model[,key=value,...] | paper[:i0=HZ] |
 * paper:i0=model[,key=value,...] | dim[:key=value,...] | dim:kernel |
 * adaptive[:key=value,...] | pf[:SPEC]" into *cfg (defaults filled in). Returns 0, or
 * -EINVAL with a message naming the bad part in err (if errlen > 0).
 */
int vfc_controller_parse(const char *spec, struct vfc_controller_cfg *cfg, char *err, size_t errlen);
/* Defaults for a kind (what parsing the bare name gives). */
void vfc_controller_cfg_default(struct vfc_controller_cfg *cfg, enum vfc_controller_kind kind);
/* The canonical spec with every parameter, e.g. "paper:i0=6450". Returns snprintf's result. */
int vfc_controller_format(const struct vfc_controller_cfg *cfg, char *buf, size_t len);

/*
 * Start a controller. initial_cap is the cap in force now (0 = none): dim
 * starts on the ladder level nearest to it (the top if 0), adaptive starts
 * its search from it, none/static/paper ignore it (paper starts at i0),
 * dim:kernel ignores it (profile 1, as the kernel), paper:i0=model and
 * static:model start uncapped until their first non-idle tick, pf starts at
 * initial_cap and then reports the cap in force (the PF's) without asking for one.
 * Returns 0, or -EINVAL for an inconsistent cfg (min > max, step <= 1, ...).
 */
int vfc_controller_init(struct vfc_controller *ctl, const struct vfc_controller_cfg *cfg, uint32_t initial_cap);
/* Feed one tick; returns the cap to apply (0 = no cap). */
uint32_t vfc_controller_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s);
/* The cap to apply before the first tick (and the one last returned). */
uint32_t vfc_controller_cap(const struct vfc_controller *ctl);
/* "none", "static", "paper", "dim", "adaptive", "dim:kernel", "paper:i0=model", "static:model", "pf". */
const char *vfc_controller_name(const struct vfc_controller *ctl);
const char *vfc_controller_kind_name(enum vfc_controller_kind kind);
/* A short word for the controller's state ("settled", "probe-down", "parked", "done", ...). */
const char *vfc_controller_state(const struct vfc_controller *ctl);

/* Help text for --help of the tools: every controller and parameter. */
extern const char vfc_controller_help[];

#endif
