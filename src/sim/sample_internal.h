/* SPDX-License-Identifier: MIT */
/* sample_internal.h - the aggregated mode's state, shared by sample.c (the pieces) and sample_fill.c (the rest of each interval). */
#ifndef VFC_SIM_SAMPLE_INTERNAL_H
#define VFC_SIM_SAMPLE_INTERNAL_H

#include "sim/sim_internal.h"

/* A VF's rates over its whole cycles need this many reaps in the measured piece. */
#define SAMPLE_MIN_MARKS 4
/* The measured piece runs at least sample_meas_ns, and on in steps of half of it while a VF that reaped has
 * reaped fewer than SAMPLE_MIN_MARKS times, up to SAMPLE_MAX_MEAS times sample_meas_ns. */
#define SAMPLE_MAX_MEAS 5
/* A closed loop with fewer reaps than this in the piece (a cycle longer than half of it) is filled at the
 * rates of its history (hist_add), once that has SAMPLE_MIN_MARKS reaps. */
#define SAMPLE_HIST_MARKS 2
/* A line through fewer completions is not trusted. */
#define SAMPLE_MIN_POINTS 8
/* Checkpoints of the measured piece: every half of sample_meas_ns, up to its longest. */
#define SAMPLE_MAX_STEPS (2 * SAMPLE_MAX_MEAS)
/* Groups' bytes in the piece's two halves that differ by more than their noise (SAMPLE_HALF_Z
 * standard deviations of a count) by this fraction of the device's, in all: the piece has not
 * seen the device's cycle yet. */
#define SAMPLE_HALF_Z 3.0
#define SAMPLE_HALF_FRAC 0.005
/* A group's open loops whose backlog changes over the piece by more than 8 + SAMPLE_GROUP_Z standard
 * deviations of a Poisson count of their arrivals are moving (sample.c, groups_moving). */
#define SAMPLE_GROUP_Z 3.0

/* A VF's counters, as the model has them (or taken at one of its interrupts). */
struct vfc__samp_cnt {
	uint64_t t, bytes, ops, irqs, cpu_ns, dropped;
};

/* Counts to add (the rest of an interval). */
struct vfc__samp_cnt_d {
	double bytes, ops, irqs, cpu_ns, dropped;
};

/* A least-squares line through (time, completions so far) at each completion. */
struct vfc__samp_reg {
	double n, t, tt, j, tj, jj;
};

struct vfc__samp_vf {
	double bytes, ops, irqs, cpu_ns, dropped;  /* real (scaled) counters */
	struct vfc__samp_cnt c0;                             /* the model's counters at the piece's start */
	struct vfc__samp_cnt first, last;                    /* at the measured piece's first and last reap */
	uint32_t nmark;                            /* reaps in the measured piece */
	struct vfc__samp_reg acc, at_last;                   /* its completions from its first reap (and to its last) */
	uint32_t per_min, per_max;                 /* completions between two of its reaps */
	uint32_t pop0;                             /* the tenant's requests at its start */
	uint32_t back0;                            /* and those not completed yet (sample.c, backlog) */
	double q_ops, q_irqs, q_dropped;           /* fractions of the rest's counts, carried (below) */
	struct vfc__samp_cnt_d pool;                         /* a slow open loop's measured pieces since its cap or rate changed */
	uint32_t pool_cap;
	double pool_rate;
	struct vfc__samp_cnt_d hist;                         /* its counts over every piece since its cap or workload changed */
	double hist_ns;                            /* the model time they took */
	uint32_t hist_reaps, reaps;                /* their reaps; the current piece's */
	uint64_t hist_key;                         /* the cap and workload they ran (hist_key_of) */
	bool kept_up;                              /* an open loop that kept up in the last piece (keeps_up) */
};

struct vfc__sim_samp {
	uint64_t real;       /* the real time the current piece starts at */
	uint64_t piece_real; /* its real length */
	uint64_t bound;      /* the real time the current interval ends at */
	bool measure;        /* the current piece is its interval's last */
	bool sampled;        /* and it runs the model for part of it only (from meas_at) */
	uint64_t meas_at;
	uint64_t next_tick;
	uint32_t *phase_next; /* per group: the next phase to start */
	struct vfc__samp_vf *v;
	double *win_bytes;
	uint32_t *caps;      /* per VF: its cap before the tick (caps_moved) */
	uint32_t win;
	double *gsnap;       /* per checkpoint k (0 .. SAMPLE_MAX_STEPS) and group: requests and bytes so far */
	bool uneven;         /* the last even checkpoint's halves differed (halves_differ) */
	double *gsum;        /* per group: its open loops' backlog change and arrivals in the piece (groups_moving) */
	bool *gmoving;       /* per group: that change is beyond their noise */
};

/* sample_fill.c: what the rest of the interval (gap ns) adds to VF i's counters, from the piece that ends now (c). */
struct vfc__samp_cnt_d vfc__sim_samp_fill(struct vfc__sim *s, uint32_t i, const struct vfc__samp_cnt *c, double gap);
/* The rest's counts in whole requests, interrupts and drops, the fractions carried in r. */
void vfc__sim_samp_whole(struct vfc__samp_vf *r, struct vfc__samp_cnt_d *f);
/* A piece's counts (any kind) into the VF's history since its cap or workload changed. */
void vfc__sim_samp_hist_add(struct vfc__samp_vf *r, const struct vfc__sim_vf *v, const struct vfc__samp_cnt *c);
/* Does an open loop keep up with its arrivals (its rest a Poisson count of its rate)? */
bool vfc__sim_samp_keeps_up(const struct vfc__sim_vf *v, const struct vfc__samp_vf *r);
/* Has a closed loop with too few reaps in the piece enough history to fill the rest at its rates? */
bool vfc__sim_samp_hist_enough(const struct vfc__sim_vf *v, const struct vfc__samp_vf *r);

#endif
