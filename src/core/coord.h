/* SPDX-License-Identifier: MIT */
/* coord.h - the PF-side coordinator: one cap for the VFs in pf mode, from their total speed and the engines' busy time. */
#ifndef VFC_CORE_COORD_H
#define VFC_CORE_COORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/controller/controller.h"
#include "core/speed_sample.h"
#include "vfcrypt/abi.h"

/*
 * On a shared engine a VF's speed is its share: its own cap barely moves it, and all the caps
 * together decide how long the engines sit idle and what interrupts cost. The PF sees what no
 * VF does: every VF's completions and bytes, and the engines' busy time. The coordinator adds the
 * members' (the VFs in pf mode) counters into one sample per tick (total bytes, ops and
 * interrupts, the sum of their queue depths, the common cap in force) and decides one cap from it
 * that every member gets: by its own rules (the fill rule, vfc_coord_init_fill; the probe rule,
 * vfc_coord_init_probe; the scan rule, vfc_coord_init_scan; with the busy step, the default, vfc_coord_init_busy; with the balance, per-member multipliers of the cap, vfc_coord_init_bal) or by stepping a controller on the sample (vfc_coord_init). The best common static cap is the cap that maximises the
 * total, so a search on the total aims at exactly that oracle (docs/controllers.md, "pf").
 *
 * Pure: caller-owned state, time as an argument, no allocation. The caller (the device's PF
 * thread) reads the counters, calls vfc_coord_tick() once per tick and applies the cap.
 */

/* The most VFs a reading may hold: the device's PFs have at most VFC_MAX_VFS (abi.h); the simulator's
 * PFs more (its suite reaches 256 VFs on one PF). The device passes its n <= VFC_MAX_VFS as before. */
#define VFC_COORD_MAX_VFS 256
_Static_assert(VFC_COORD_MAX_VFS >= VFC_MAX_VFS, "the coordinator must hold every VF of a device's PF");

enum vfc_coord_state {
	VFC_COORD_IDLE = 0, /* no member: nothing to decide */
	VFC_COORD_PRIMING,  /* the members, or those with traffic, changed: no sample (a reference, a ramp) */
	VFC_COORD_RUNNING,  /* each reading gives a sample to the controller */
	VFC_COORD_STATE_COUNT
};

/* One VF's reading, as the PF sees it. Counters are cumulative (only differences matter, modulo 2^64). */
struct vfc_coord_vf {
	bool member;      /* in pf mode */
	uint64_t bytes;   /* payload bytes completed */
	uint64_t ops;     /* requests completed */
	uint64_t irqs;    /* interrupts delivered */
	uint64_t busy_ns; /* engine time spent on its requests */
	uint32_t depth;   /* most requests in flight seen since the previous reading (0 = unknown) */
};

/* How the coordinator decides the common cap. */
enum vfc_coord_rule {
	VFC_COORD_RULE_FILL = 0, /* its own rule: hold the completions per interrupt at VFC_COORD_FILL_TARGET of a queue */
	VFC_COORD_RULE_CTL,      /* a controller (e.g. adaptive) stepped on the members' total speed */
	VFC_COORD_RULE_PROBE,    /* the fill rule as the anchor, then a guarded probe on the members' total */
	VFC_COORD_RULE_SCAN,     /* the fill rule as the anchor, pinned where it never holds still, then a ladder scan */
	VFC_COORD_RULE_COUNT
};

/* What the tick in force is to RULE_PROBE (vfc_coord_init_probe). */
enum vfc_coord_probe_phase {
	VFC_COORD_PROBE_ANCHOR = 0, /* at the fill rule's cap (no step taken off it): the fill rule runs */
	VFC_COORD_PROBE_HOLD,       /* at a cap steps off the anchor, waiting for the next probe */
	VFC_COORD_PROBE_PRE,        /* at the base cap, before a probe */
	VFC_COORD_PROBE_AT,         /* at the probe's cap: the base x VFC_COORD_PROBE_R^dir */
	VFC_COORD_PROBE_POST,       /* at the base cap, after a probe: the comparison */
	VFC_COORD_PROBE_PHASE_COUNT
};

struct vfc_coord_probe {
	enum vfc_coord_probe_phase phase;
	int k;               /* steps of VFC_COORD_PROBE_R the base lies off the fill rule's anchor */
	int j;               /* the next probe point: VFC_COORD_PROBE_STEPS[j / 2], up for even j, down for odd */
	uint32_t base;       /* the base cap (the cap in force outside probe ticks) */
	double y_pre, y_at;  /* the total (MB/s) of the base tick before the probe, of the probe's tick */
	double y_last;       /* the last base tick's total, at cap_last */
	uint32_t cap_last;
	double spread;       /* EWMA of |total / previous total - 1| over base ticks at one cap */
	uint32_t nspread;    /* such pairs seen */
	double fill_ref;     /* the fill at the first base tick at this base (0: none yet) */
	uint32_t off_ticks;  /* base ticks in a row whose fill left fill_ref by VFC_COORD_PROBE_SHIFT */
	uint32_t still;      /* ANCHOR: ticks in a row the fill rule did not move the cap */
	uint32_t wait;       /* ticks left before the next probe */
	uint32_t hold;       /* the wait after a cycle without a win (doubles, VFC_COORD_PROBE_HOLD_MIN..MAX) */
	uint64_t probes, moves, reanchors;
};

/* What the tick in force is to RULE_SCAN (vfc_coord_init_scan). */
enum vfc_coord_scan_phase {
	VFC_COORD_SCAN_ANCHOR = 0, /* the fill rule runs (no base of the scan's in force) */
	VFC_COORD_SCAN_PIN,        /* the fill rule's recent median held still, to learn the ticks' spread */
	VFC_COORD_SCAN_VISIT,      /* at a scan point: base x step^(dir x k) */
	VFC_COORD_SCAN_HOLD,       /* at the base the last scan chose, waiting for the next scan */
	VFC_COORD_SCAN_PHASE_COUNT
};

#define VFC_COORD_SCAN_RING 8
#define VFC_COORD_SCAN_MEDIAN 4 /* a pin holds the median of the fill rule's last 4 caps */

struct vfc_coord_scan {
	enum vfc_coord_scan_phase phase;
	uint32_t base;        /* the cap in force outside scan points (PIN, HOLD) */
	double y_base;        /* the last settled tick's total at the base (MB/s) */
	uint32_t at;          /* ticks in a row at the cap in force (1: the first, a transient) */
	uint32_t cap_prev;    /* the previous tick's cap and total */
	double y_prev;
	double spread;        /* EWMA of |total / previous - 1| over settled pairs at one cap, from VFC_COORD_SCAN_PRIOR */
	uint32_t npairs;      /* such pairs seen */
	uint32_t ring[VFC_COORD_SCAN_RING]; /* ANCHOR: the fill rule's last caps */
	uint32_t nring;
	uint32_t still;       /* ANCHOR: ticks in a row the fill rule did not move the cap */
	uint32_t moving;      /* ANCHOR: ticks in a row without VFC_COORD_SCAN_STILL still ones */
	uint32_t restless;    /* pins since the fill rule last held the cap VFC_COORD_PROBE_STILL ticks */
	uint32_t left;        /* PIN: ticks left */
	uint32_t wait;        /* ANCHOR, HOLD: ticks before the next pin or scan */
	uint32_t hold;        /* the wait after a scan or pin without a win (doubles) */
	bool coarse;          /* the scan's step: VFC_COORD_SCAN_COARSE (else _FINE) */
	bool up_only;         /* VISIT: a loud pin's scan, up only (VFC_COORD_SCAN_LOUD) */
	bool no_down;         /* VISIT: its base's cap binds (VFC_COORD_SCAN_BOUND): no point below it (a busy
			       * scan has none anyway), and its cost sets its wait (VFC_COORD_SCAN_WAIT_MAX) */
	double cost;          /* VISIT: its ticks' losses under the base's total so far, in ticks (VFC_COORD_SCAN_WAIT_MAX) */
	bool pinned;          /* VISIT: a pin's scan (without a win the pin stays the base, VFC_COORD_SCAN_PIN_TICKS) */
	bool off;             /* a scan has moved the base off the fill rule's cap since the anchor */
	double step;          /* the scan in progress: its factor, direction, points out, misses in a row */
	int dir, k, miss;
	uint32_t origin;      /* VISIT: where its points start (vfc__coord_acting_cap of the base; busy: the base) */
	uint32_t from;        /* the cap the fill rule's walk started from (0: visited, or none) */
	double y_from;        /* the total of the first tick at it (0: none yet) */
	bool at_from;         /* VISIT: at that cap, the scan's last point */
	uint32_t best;        /* the scan's best point so far (the base at first) and its total */
	double y_best;
	double fill_ref;      /* HOLD: the fill at the first settled base tick (0: none yet) */
	bool bound_ref;       /* HOLD: whether the cap bound at that tick */
	uint32_t off_ticks;   /* HOLD: settled ticks in a row whose fill left fill_ref, or bound */
	uint64_t primes;      /* c->primes at the last step: a ramp between voids what spans it */
	bool busy_on;         /* the busy step (pf:busy, vfc_coord_init_busy) */
	bool busy_scan;       /* the scan in progress is a busy one (up only, through flat points) */
	uint32_t idle;        /* ANCHOR, HOLD: ticks in a row with the engines busy < VFC_COORD_BUSY_IDLE */
	double y_idle;        /* their mean total */
	double busy_idle;     /* their mean busy fraction */
	uint32_t busy_wait;   /* ANCHOR, HOLD: ticks before the next busy scan */
	uint32_t busy_hold;   /* the wait after a busy scan without a win (doubles, as hold) */
	double busy_last;     /* VISIT (busy): the busy fraction at the last point read */
	double rate_base;     /* VISIT: the shallow members' ops / depth (c->rate_shallow) at the base's last
			       * tick, where they carry VFC_COORD_CLIMB_SHARE of the bytes (else 0) */
	bool climb;           /* VISIT: the climb from the full-queue cap (VFC_COORD_CLIMB_STEP) */
	double y_last;        /* VISIT (climb): the total at its previous point (0: none yet) */
	bool halved;          /* VISIT: at a half step (the climb's after its fall, its last point; a fine
			       * scan's after its first point up, VFC_COORD_CLIMB_FULL) */
	uint32_t full_lo;     /* VISIT (climb): its highest point whose shallow members' queue came back whole
			       * (ops / depth >= VFC_COORD_CLIMB_FULL x the cap; 0: none yet) */
	uint32_t cliff_hi;    /* VISIT (climb): its lowest point past full_lo whose queue did not (0: none yet) */
	uint32_t bisects;     /* VISIT (climb): the points visited between the two (VFC_COORD_CLIMB_BISECT) */
	uint32_t climb_base;  /* the base the last climb ran from (0: none since the workload changed) */
	uint32_t walk_best;   /* ANCHOR: the cap of the walk's best tick (0: none yet), its total, and the */
	double y_walk;        /* ticks in a row off that cap below it by the guard (VFC_COORD_SCAN_GUARD) */
	uint32_t walk_low;
	uint32_t check_from;  /* HOLD: the base a won scan left (0: none to check; the win's check), the */
	uint32_t hold_check;  /* hold then, and that base's total */
	double y_check;
	uint64_t pins, scans, moves, reanchors, busy_scans, climbs, guards, reverts;
};

/* What the balance (pf:bal, coord_balance.c) does with the tick just taken. */
enum vfc_coord_bal_state {
	VFC_COORD_BAL_OFF = 0, /* not this coordinator's: every member gets the common cap */
	VFC_COORD_BAL_HELD,    /* the rule scans or pins the common cap: the multipliers held, the period void */
	VFC_COORD_BAL_RUNNING, /* each tick adds to the period; its end may move the multipliers */
	VFC_COORD_BAL_STATE_COUNT
};

/* One member's balance: its cap is the common cap x m. */
struct vfc_coord_bal_vf {
	double m;           /* the multiplier, [1, VFC_COORD_BAL_MAX]; 1 at the start */
	double w;           /* EWMA of its share of the members' bytes (its own part of the members' fill) */
	double acc;         /* the period's sum of log(its fill / the members' fill) */
	uint32_t nacc;      /* the period's ticks with a fill */
	uint32_t nbound;    /* of them, ticks it got its whole queue back per interrupt */
	double step;        /* the last period's move of log m (0: none), checked at the next period's end */
	double e_step;      /* the mean log ratio that move answered */
	int dir_deaf;       /* the direction (+1, -1) in which its fill did not answer a move (0: none) */
	uint32_t deaf_left; /* periods before that direction is tried again */
};

struct vfc_coord_balance {
	bool on;
	enum vfc_coord_bal_state state;
	uint32_t period;    /* ticks of the period in progress */
	uint64_t primes;    /* the coordinator's primes at the last tick: a ramp between voids the period */
	double busy_acc;    /* the period's sum of the engines' busy fraction */
	struct vfc_coord_bal_vf vf[VFC_COORD_MAX_VFS];
	uint64_t moves, deafs, resets;
};

/*
 * The trial (pf:trial = the busy step and this; coord_trial.c). Where the members fall in classes (a
 * depth and a size to a power of 2) of which two or more carry VFC_COORD_TRIAL_SHARE of the bytes
 * each and whose fills (completions per interrupt over the depth) differ by VFC_COORD_TRIAL_FILLS x
 * or more (where they are alike a common cap treats the classes alike: the trials there cost what
 * they found), and the scan rule holds a settled base on quiet ticks, each class gets a cap from its own
 * DIM (dim's defaults, started at the base, fed the class's mean member) for VFC_COORD_TRIAL_TICKS
 * ticks. Their mean total over the last VFC_COORD_TRIAL_READ of them against the base's: a gain
 * beyond the scan's threshold keeps the dims for hold ticks (from VFC_COORD_TRIAL_HOLD_MIN,
 * doubling to _MAX while they keep winning), then VFC_COORD_TRIAL_CHECK_TICKS ticks at the base
 * compare again; else the scan rule resumes at the base and the next trial waits hold ticks
 * (doubling). A total below the base by VFC_COORD_TRIAL_ABORT x the threshold two ticks in a row
 * ends a trial early. A change of the members' classes ends the dims. Why: where shallow and deep
 * tenants share the engines, per-class caps beat any common one (docs/controllers.md, "The trial").
 */
#define VFC_COORD_TRIAL_CLASSES 16
#define VFC_COORD_TRIAL_SHARE 0.1
#define VFC_COORD_TRIAL_FILLS 2.0
#define VFC_COORD_TRIAL_TICKS 12
#define VFC_COORD_TRIAL_READ 4
#define VFC_COORD_TRIAL_CHECK_TICKS 6
#define VFC_COORD_TRIAL_HOLD_MIN 48
#define VFC_COORD_TRIAL_HOLD_MAX 256
#define VFC_COORD_TRIAL_ABORT 4.0

enum vfc_coord_trial_phase {
	VFC_COORD_TRIAL_OFF = 0, /* the common cap (the scan rule's) for every member */
	VFC_COORD_TRIAL_RUN,     /* each class at its dim's cap, judged at the end against the base */
	VFC_COORD_TRIAL_DIM,     /* won: each class at its dim's cap until the next check */
	VFC_COORD_TRIAL_CHECK,   /* every member at the base again, compared with the dims' reading */
	VFC_COORD_TRIAL_PHASE_COUNT
};

struct vfc_coord_trial_class {
	uint32_t key;               /* depth x 64 + log2(bytes per request) + 1 (0: none) */
	bool started;               /* dim initialised */
	struct vfc_controller dim;  /* its cap */
	uint64_t bytes, ops, irqs;  /* the tick's, over its members */
	uint32_t n;                 /* its members with a reading this tick */
};

struct vfc_coord_trial {
	bool on;
	enum vfc_coord_trial_phase phase;
	uint32_t left;        /* RUN, DIM, CHECK: ticks left */
	uint32_t wait, hold;  /* OFF: ticks before the next trial; the wait after a loss (doubles) */
	uint32_t low;         /* RUN: ticks in a row well below the base */
	uint32_t base;        /* the common cap the trial left (the scan rule's base) */
	double y_ref, y_dim;  /* the base's total at the trial's start; the dims' last reading */
	double acc;           /* the phase's last VFC_COORD_TRIAL_READ totals */
	uint32_t nacc;
	uint32_t ncls;
	struct vfc_coord_trial_class cls[VFC_COORD_TRIAL_CLASSES];
	uint8_t of[VFC_COORD_MAX_VFS]; /* each member's class (VFC_COORD_TRIAL_CLASSES: none) */
	uint64_t trials, wins, checks;
};

struct vfc_coord {
	enum vfc_coord_rule rule;
	struct vfc_controller ctl; /* RULE_CTL: stepped with the members' total */
	uint32_t cap;              /* RULE_FILL: the cap in force */
	double fill_target;        /* RULE_FILL: the fill it holds (VFC_COORD_FILL_TARGET) */
	double fill;               /* the last tick's fill: completions per interrupt over depth, bytes-weighted */
	double rate_tick;          /* the last tick's ops / depth per VF, bytes-weighted (shown, not used) */
	double rate_shallow;       /* the same over the members of depth <= VFC_COORD_CLIMB_DEPTH (0: none) */
	double shallow_frac;       /* their share of the members' bytes */
	double reshaped;           /* the last tick's share of the bytes whose member changed class (a workload's change) */
	uint32_t shape[VFC_COORD_MAX_VFS]; /* each member's class at its last reading (vfc__coord_class_key; 0: none) */
	enum vfc_coord_state state;
	uint32_t n;                /* VFs in the last reading */
	uint32_t members;          /* of them in pf mode */
	uint64_t t_ns;             /* the last reading's time */
	struct vfc_coord_vf prev[VFC_COORD_MAX_VFS];
	uint64_t ticks;            /* samples given to the controller */
	bool active[VFC_COORD_MAX_VFS]; /* members that completed something in the last tick */
	uint32_t stable;           /* ticks in a row with the same, non-empty set of active members */
	uint64_t restarts;         /* member changes */
	uint64_t primes;           /* PRIMING readings (a member change, a ramp): no sample */
	struct vfc_speed_sample last; /* the last total sample */
	double busy_frac;          /* the engines' busy fraction in the last tick (0..1) */
	double bound_frac;         /* the share of the bytes whose VF got its whole queue back per interrupt */
	double irq_use;            /* the highest member's interrupts / its cap in the last tick (0: none capped) */
	uint32_t bound_ticks;      /* consecutive ticks with bound_frac >= VFC_COORD_BOUND_SHARE, the rule's own */
	uint32_t bound_run;        /* the same over every tick, whatever rule ran it (0 after an escape) */
	uint64_t escapes;          /* times the controller was restarted above a binding cap */
	uint64_t escape_tick;      /* RULE_FILL: ticks at the last escape (0: none; ticks count from 1) */
	bool escape_chained;       /* RULE_FILL: that escape followed one on the tick before (the chain) */
	struct vfc_coord_probe probe; /* RULE_PROBE's state */
	struct vfc_coord_scan scan;   /* RULE_SCAN's state */
	struct vfc_coord_balance bal; /* the balance (pf:bal): per-member multipliers of the cap */
	struct vfc_coord_trial trial; /* the trial (pf:trial): per-class dims against the common cap */
};

/* The rules' contracts and constants, their init functions and the calls between the coordinator's
 * files: core/coord_rules.h. */

/* The cap of the member at index i of the readings: the common cap x its multiplier on the rule's
 * ladder (vfc__coord_clamp_cap), or the common cap where the balance is off (0: no cap, for all). */
uint32_t vfc_coord_member_cap(const struct vfc_coord *c, uint32_t i);
/*
 * The coordinator a spec names: "" (or NULL) the default (VFC_COORD_DEFAULT_SPEC), a name of
 * VFC_COORD_RULES the coordinator's own rule, else a controller spec (not pf) stepped on the total.
 * 0 or -EINVAL.
 */
int vfc_coord_init_spec(struct vfc_coord *c, const char *spec, uint32_t initial_cap);
/* Whether vfc_coord_init_spec takes spec (for configurations checked before a coordinator exists). */
bool vfc_coord_spec_ok(const char *spec);
/* The coordinator's own rules by name, each X(name) initialised by vfc_coord_init_<name>: the one list
 * that vfc_coord_rule_named and vfc_coord_init_spec read. */
#define VFC_COORD_RULES(X) X(fill) X(probe) X(scan) X(busy) X(bal) X(trial)
/* The same names as one string literal, "fill, probe, ..., " (for messages that list them). */
#define VFC__COORD_RULE_COMMA(r) #r ", "
#define VFC_COORD_RULE_LIST VFC_COORD_RULES(VFC__COORD_RULE_COMMA)
/* Whether name is one of the coordinator's own rules (VFC_COORD_RULES), for pf:SPEC's parser (inline:
 * the parser's object file calls none of the coordinator's, which calls the parser). */
static inline bool vfc_coord_rule_named(const char *name)
{
#define VFC__COORD_RULE_NAME(r) #r,
	static const char *const names[] = { VFC_COORD_RULES(VFC__COORD_RULE_NAME) };
#undef VFC__COORD_RULE_NAME

	for (size_t k = 0; name && k < sizeof(names) / sizeof(names[0]); k++)
		if (!strcmp(name, names[k]))
			return true;
	return false;
}
/* The rule pf without a SPEC runs: the busy step with the trial (session 18; docs/controllers.md, "The
 * trial as the default"; on the device's noisy ticks no trial starts: there it is the busy step). */
#define VFC_COORD_DEFAULT_SPEC "trial"
/* The rule's state word: the controller's (RULE_CTL), or "fill" / "bound" (a binding tick); RULE_PROBE:
 * its phase ("anchor", "hold", "pre", "probe", "post"); RULE_SCAN: "anchor", "pin", "scan", "base", "busy"
 * (a busy scan), "climb" (the climb). */
const char *vfc_coord_rule_state(const struct vfc_coord *c);
#define VFC_COORD_INITIAL_HZ 20000u
/*
 * One reading at t_ns of n VFs (n <= VFC_COORD_MAX_VFS) on n_engines engines: the active members'
 * (those that completed something) counters since the previous reading become one sample for the
 * controller, once the set of active members has been the same for VFC_COORD_RAMP_TICKS ticks in a
 * row. A change of membership (or of n) makes this reading the new reference (PRIMING); a change
 * of the active set, a ramp (tenants starting: on the device 8 VFs opened one by one ran at 0 to
 * 36 MB/s each in their first ticks, 160 later, and adaptive's start point, taken from such a tick,
 * lay at 100 to 600 Hz, the best common cap at 1 to 3 kHz). The controller is kept: a workload
 * change is its business. Returns the common cap to apply (0: no cap).
 */
#define VFC_COORD_RAMP_TICKS 2
uint32_t vfc_coord_tick(struct vfc_coord *c, uint64_t t_ns, const struct vfc_coord_vf *vfs, uint32_t n,
			uint32_t n_engines);
/* The cap to apply now (the last one returned; the controller's opening cap before). */
uint32_t vfc_coord_cap(const struct vfc_coord *c);
/* "idle", "priming", "running". */
const char *vfc_coord_state_name(enum vfc_coord_state s);
/* The trace line of the tick just taken, t_s seconds into the run (VFC_PF_TRACE on the device and in
 * the simulator): what the coordinator saw and decided. snprintf's return. */
int vfc_coord_format_tick(const struct vfc_coord *c, double t_s, char *buf, size_t len);

#endif