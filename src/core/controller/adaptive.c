/* SPDX-License-Identifier: MIT */
/* adaptive.c - ours: a cliff-aware search for the lowest cap within band of the best, and its restarts. */
#include "core/controller/internal.h"

#include <math.h>
#include <string.h>

#define AD_GUARD_SLACK 1.1 /* cliff guard trips when cap x 1.1 < margin x ops / depth (noise room) */
#define AD_BOUND_FRAC 0.8  /* the cap is the bottleneck when ops / depth >= 0.8 x cap */
#define AD_CLIMB_MAX 4      /* a climb's stride: at most 4 levels (x 2.44 with step 1.25) */
#define AD_UPCHECK_N 2      /* the check up measures the level above unless it has 2 samples */
#define AD_RATE_CLIP 2.0   /* a settled sample moves the rate as if at most 2 x away from it */
#define AD_GUESS_DEPTH 8    /* guess=2: the model's start only at this depth or shallower */

/* ---- the levels' memory ---- */

void vfc__ad_record(struct vfc_controller *ctl, uint32_t k, double v)
{
	struct vfc__ad_level *l = &ctl->ad.mem[k];

	if (l->n < UINT32_MAX)
		l->n++;
	l->mean += (v - l->mean) / (double)(l->n < VFC__AD_EWMA_N ? l->n : VFC__AD_EWMA_N);
}

/* The best level mean. A level measured once counts with a discount of half the band: one lucky sample
 * must not hold the bar up for the levels that have been measured again and again. */
static double ad_best(const struct vfc_controller *ctl)
{
	double best = 0, disc = 1.0 - ctl->cfg.adaptive.band_pct / 200.0;

	for (uint32_t k = 0; k < ctl->ad.nlevels; k++) {
		const struct vfc__ad_level *l = &ctl->ad.mem[k];
		double v = l->n >= 2 ? l->mean : l->mean * disc;

		if (l->n && v > best)
			best = v;
	}
	return best;
}

/* The level with the highest mean, undiscounted (the settled one if none is measured). */
static uint32_t ad_best_level(const struct vfc_controller *ctl)
{
	double best = -1;
	uint32_t k = ctl->ad.settled;

	for (uint32_t i = 0; i < ctl->ad.nlevels; i++) {
		if (ctl->ad.mem[i].n && ctl->ad.mem[i].mean > best) {
			best = ctl->ad.mem[i].mean;
			k = i;
		}
	}
	return k;
}

/* Is level k's mean within the band of the best? */
static bool ad_good(const struct vfc_controller *ctl, uint32_t k)
{
	const struct vfc__ad_level *l = &ctl->ad.mem[k];

	return l->n && l->mean >= ad_best(ctl) * (1.0 - ctl->cfg.adaptive.band_pct / 100.0);
}

/* Is level hi's mean better than level lo's by more than the band? */
static bool ad_better(const struct vfc_controller *ctl, uint32_t hi, uint32_t lo)
{
	return ctl->ad.mem[hi].n && ctl->ad.mem[lo].n &&
	       ctl->ad.mem[hi].mean > ctl->ad.mem[lo].mean * (1.0 + ctl->cfg.adaptive.band_pct / 100.0);
}

/* Lowest level whose cap is >= hz (the top if none). */
static uint32_t ad_level_at_least(const struct vfc_controller *ctl, double hz)
{
	for (uint32_t k = 0; k < ctl->ad.nlevels; k++)
		if ((double)ctl->ad.levels[k] >= hz)
			return k;
	return ctl->ad.nlevels - 1;
}

/* Did sample s wait on late interrupts? They came at less than margin x ops / depth, the rate the cliff
 * floor asks for (each handed back more than 1 / margin of the queue), and at less than late= x
 * the cap: the tenant's turnaround after each (its wake-up, the refill; on the multi-buffer engine
 * the lanes' fill) is as long as the cap's gap, so a higher cap still buys interrupts, and speed. On
 * the reference engine interrupts come at 0.75 to 1 x the cap where the queue drains; on the
 * multi-buffer engine at 0.2 to 0.6 x, each handing back 0.90 to 0.98 of the queue, and there the
 * best caps lie 2 to 4 x above margin x ops / depth. lateq=Q (0: 1 / margin) sets how much of the
 * queue each must hand back: the reference engine at 16 KiB depth 32 has a shoulder below its best
 * caps where interrupts come at 0.55 to 0.6 x the cap and hand back 0.75 to 0.86 (test_ad_cold). */
static bool ad_late(const struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	const struct vfc_controller_adaptive_cfg *a = &ctl->cfg.adaptive;
	bool full = a->late_q > 0 ? s->irq_hz * a->late_q * (double)s->depth < s->ops_per_s
				  : s->irq_hz < a->margin * s->ops_per_s / (double)s->depth;

	return s->cap_hz && s->depth && s->irq_hz > 0 && s->irq_hz < a->late * (double)s->cap_hz && full;
}

/* The cliff floor from the best speed seen since the (re)start: no eligible level is below it; nor
 * below a level seen waiting on late interrupts. */
static uint32_t ad_floor_ix(const struct vfc_controller *ctl)
{
	double best = ad_best(ctl);
	uint32_t fl, late = (uint32_t)(ctl->ad.late_lo + 1);

	if (!ctl->ad.ref_depth || !(ctl->ad.ref_bytes > 0) || !(best > 0))
		return late < ctl->ad.nlevels ? late : ctl->ad.nlevels - 1;
	fl = ad_level_at_least(ctl, ctl->cfg.adaptive.margin * best * 1e6 / ctl->ad.ref_bytes /
					    (double)ctl->ad.ref_depth);
	/* and above every level this search saw waiting on late interrupts (ad_late) */
	return fl > late || late >= ctl->ad.nlevels ? fl : late;
}

/* The lowest cap within band of the best: walk down from the best level while the next level below is
 * measured and good, never below from. On a unimodal curve the good levels are contiguous, so a good
 * level beyond an unmeasured or bad one is noise, not evidence. */
static uint32_t ad_lowest_good(const struct vfc_controller *ctl, uint32_t from)
{
	uint32_t k = ad_best_level(ctl);

	if (k < from)
		k = from;
	while (k > from && ad_good(ctl, k - 1))
		k--;
	return k;
}

/* The search's candidate from `from` up: the lowest good level (ad_lowest_good), or the lowest level
 * the bisection measured good below it, if still good. A good midpoint moves the bisection's upper end
 * down to it even where the levels between it and the best are unmeasured: else the next midpoint is
 * the same level and the search ends at the best, however far above (a cliff guard's jump of esc x). */
static uint32_t ad_cand(const struct vfc_controller *ctl, uint32_t from)
{
	uint32_t cand = ad_lowest_good(ctl, from);

	if (ctl->cfg.adaptive.recheck && ctl->ad.hi >= (int64_t)from && ctl->ad.hi < (int64_t)cand &&
	    ad_good(ctl, (uint32_t)ctl->ad.hi))
		cand = (uint32_t)ctl->ad.hi;
	return cand;
}

/* Where a search ends: the candidate from `from` up; but a candidate measured once, below the best
 * level or with a good level measured above it, may owe its place to one sample: take the level above
 * it (on the device's depth-32 curves one level below the peak costs 5 to 25%, one level above 1 to
 * 3%), and let the averaged re-probes walk down later if it really is as good. */
static uint32_t ad_pick(const struct vfc_controller *ctl, uint32_t from)
{
	uint32_t cand = ad_cand(ctl, from);

	if (ctl->ad.mem[cand].n < 2 && cand + 1 < ctl->ad.nlevels && ctl->ad.mem[cand + 1].n &&
	    (ad_best_level(ctl) > cand || (ctl->cfg.adaptive.recheck && ad_good(ctl, cand + 1))))
		cand++;
	return cand;
}

/* ---- the search: start point, bisection down, one check up, climb ---- */

/* The search found cand: check once, at the end, whether the level above is better (the start point may
 * have been below the peak); the risky probes below were done first, this one is on the flat side. */
static void ad_finish(struct vfc_controller *ctl, uint32_t cand)
{
	uint32_t n_up = ctl->cfg.adaptive.recheck ? AD_UPCHECK_N : 1;

	if (!ctl->ad.upchecked && cand + 1 < ctl->ad.nlevels && ctl->ad.mem[cand + 1].n < n_up) {
		ctl->ad.upchecked = true;
		ctl->ad.s0 = cand;
		ctl->ad.settled = cand;
		ctl->ad.ix = cand + 1;
		ctl->ad.state = VFC__AD_UPCHECK;
		return;
	}
	vfc__ad_settle(ctl, cand);
}

/* Choose the next level to measure: midway between lo (bad or below the floor; -1 = none) and the
 * lowest good candidate; when none is left unmeasured in between, finish the search. */
static void ad_bisect(struct vfc_controller *ctl)
{
	uint32_t fl = ad_floor_ix(ctl);
	int64_t lo = ctl->ad.lo < (int64_t)fl - 1 ? (int64_t)fl - 1 : ctl->ad.lo;
	uint32_t cand = ad_cand(ctl, (uint32_t)(lo + 1));
	int64_t next = lo + ((int64_t)cand - lo) / 2;

	if (next <= lo || next >= (int64_t)cand || ctl->ad.mem[next].n) {
		ad_finish(ctl, ad_pick(ctl, (uint32_t)(lo + 1)));
		return;
	}
	ctl->ad.settled = cand;
	ctl->ad.ix = (uint32_t)next;
	ctl->ad.state = VFC__AD_DESCEND;
}

/* After s0 is measured: bisect down to the lowest good level, then check one level up. */
static void ad_after_start(struct vfc_controller *ctl)
{
	ctl->ad.lo = ctl->ad.hi = -1;
	ad_bisect(ctl);
}

/* start=model: the fitted model's cap for the sample's request size and depth (model_cap.c, the
 * default fit, adaptive's margin); 0 if it has none. It needs no speed: a sample taken at a bad cap
 * says the workload's size and depth as well as a good one. */
static double ad_model_target(const struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	const struct vfc_controller_model_cfg m = {
		.t0 = VFC_CONTROLLER_MODEL_T0, .t1 = VFC_CONTROLLER_MODEL_T1, .margin = ctl->cfg.adaptive.margin,
	};

	return s->depth ? (double)vfc__model_cap(&m, s) : 0;
}

/* Choose where a (re)started search starts, from sample s taken at level lvl: at start x the floor
 * margin x ops / depth, measured there first; at lvl itself if it lies within a step of that, or if
 * the floor is unknown (depth 0). With start=model a new workload starts at the model's cap instead
 * (same-workload restarts follow the sample: it says where the VF's share and cliff now are). */
static void ad_choose_start(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl,
			    bool new_workload)
{
	const struct vfc_controller_adaptive_cfg *a = &ctl->cfg.adaptive;
	double fl = s->depth ? a->margin * s->ops_per_s / (double)s->depth : 0;
	double cap = (double)ctl->ad.levels[lvl];
	double target = a->start * fl;
	double model = a->start_model && new_workload ? ad_model_target(ctl, s) : 0;

	/* guess=1: the sample's start, but never below the model's cap. The first tick runs uncapped
	 * (an interrupt per request) while the VF starts up, and can understate the rate many times
	 * over; a start below the peak costs a climb of a level a tick, one above it a few % and the
	 * bisection down. guess=2 (the default) only for shallow queues: there the best cap lies 2.5 to
	 * 3 x ops / depth for small requests, above start x the floor even from a good tick, and speed
	 * rises by 5 to 15% a level up to it; at depth 32 the sample's start lies at the peak, and on a
	 * shared engine the model's single-VF cap lies far above a VF's share. */
	if (a->guess && new_workload && !model && (a->guess == 1 || s->depth <= AD_GUESS_DEPTH))
		target = fmax(target, ad_model_target(ctl, s));
	ctl->ad.from_model = model > 0;
	if (model > 0) {
		/* the model's cap, measured there first; the sample here belongs to another cap */
		target = model;
		if (fabs(log(cap / target)) <= log(a->step)) {
			ctl->ad.s0 = lvl;
			ad_after_start(ctl);
			return;
		}
		memset(&ctl->ad.mem[lvl], 0, sizeof(ctl->ad.mem[lvl]));
	} else if (fl > 0 && s->cap_hz && (cap < fl || ad_late(ctl, s))) {
		/* Below the floor, or waiting on late interrupts. Where the cap is clearly the
		 * bottleneck, ops understate what the workload could do: jump esc x above the cap, if
		 * that is higher than start x floor. */
		if ((ad_late(ctl, s) || s->ops_per_s / (double)s->depth >= AD_BOUND_FRAC * cap) &&
		    a->esc * cap > target)
			target = a->esc * cap;
	} else if (fl > 0 && (cap > target * a->step || cap * a->step < target)) {
		/* More than a step from the start point: go there, and forget the sample here. Far
		 * above, one lucky sample would stand as the best and pull the search up to it (good
		 * levels are contiguous with the best); the duels look up there later, with paired
		 * samples. Below, the search would look only one level above where it starts
		 * (docs/controllers.md, step 3). */
		memset(&ctl->ad.mem[lvl], 0, sizeof(ctl->ad.mem[lvl]));
	} else {
		ctl->ad.s0 = lvl;
		ad_after_start(ctl);
		return;
	}
	ctl->ad.s0 = ad_level_at_least(ctl, target);
	ctl->ad.ix = ctl->ad.s0;
	ctl->ad.state = VFC__AD_MEASURE_START;
}

/* Forget the levels' means and search again from what sample s (taken at level lvl) tells. What the
 * duels found stays (the caller clears it when the workload changed). */
static void ad_restart(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl,
		       bool new_workload)
{
	memset(ctl->ad.mem, 0, sizeof(ctl->ad.mem));
	ctl->ad.ref_bytes = s->mean_req_bytes;
	ctl->ad.ref_depth = s->depth;
	ctl->ad.have_ref = true;
	ctl->ad.restarts++;
	ctl->ad.shifts = 0;
	ctl->ad.rate_ref = ctl->ad.rate = 0;
	ctl->ad.rate_n = 0;
	ctl->ad.lo = ctl->ad.hi = -1;
	ctl->ad.late_lo = ad_late(ctl, s) ? (int64_t)lvl : -1;
	ctl->ad.upchecked = false;
	vfc__ad_probes_reset(ctl);
	vfc__ad_record(ctl, lvl, s->mbps);
	ad_choose_start(ctl, s, lvl, new_workload);
}

/* A rate that moved by two ladder steps or more (x 1.56 with step 1.25) on the same workload: a second
 * tenant on the engine moves it by 1.6 to 2 (three steps missed that: the engine's total rises as the
 * interrupts' share falls), most of this VM's slow phases (20 to 70%) less. */
static bool ad_rate_moved(const struct vfc_controller *ctl, double f)
{
	return fabs(log(f)) >= 2 * log(ctl->cfg.adaptive.step);
}

/* The speed changed under a settled level (a shift, two samples in a row) on the same workload: the
 * machine changed, or the VF's share of a shared engine did. The levels' means are stale; the settled
 * level stays, with sample v as its first, and the paired re-probes move from there. A full search
 * would run on unpaired samples of the new phase, which landed below the best on the device
 * (docs/controllers.md, step 9). */
static void ad_reanchor(struct vfc_controller *ctl, double v)
{
	memset(ctl->ad.mem, 0, sizeof(ctl->ad.mem));
	vfc__ad_record(ctl, ctl->ad.settled, v);
	vfc__ad_settle(ctl, ctl->ad.settled);
	ctl->ad.reanchors++;
}

/*
 * Settled: the VF's own request rate per queue (ops / depth, EWMA 1/4 over the samples at the settled
 * levels) against the rate this search settled at (the mean of its first 4 settled samples; re-probes,
 * duels and shifts keep it: only a restart takes a new one). On a shared engine the VF's share moves as
 * neighbours come, go or move their caps; its cliff moves with it, and so does the best cap: alone, a
 * VF wants a cap well above its rate (its queue must not run dry while it waits for the tenant);
 * sharing, the engine is busy with the others and the best common cap lies near the cliff. Its own
 * speed, its share, barely tells. A rate that moved by two steps (ad_rate_moved) is a new operating
 * point: the search restarts from it. Returns whether.
 */
static bool ad_follow_rate(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	double r = s->depth ? s->ops_per_s / (double)s->depth : 0;

	if (!(r > 0))
		return false;
	/* once the reference is set, a sample counts at most AD_RATE_CLIP times away from the rate: a
	 * tick in which the tenant thread barely ran (a tenth of the speed, one in a few dozen on this VM
	 * with the multi-buffer engine) must not move it by two steps with one or two more */
	if (ctl->ad.rate_ref > 0)
		r = fmin(fmax(r, ctl->ad.rate / AD_RATE_CLIP), ctl->ad.rate * AD_RATE_CLIP);
	ctl->ad.rate_n++;
	ctl->ad.rate += (r - ctl->ad.rate) / (double)(ctl->ad.rate_n < 4 ? ctl->ad.rate_n : 4);
	if (ctl->ad.rate_n < 4)
		return false;
	if (!(ctl->ad.rate_ref > 0))
		ctl->ad.rate_ref = ctl->ad.rate;
	if (!ad_rate_moved(ctl, ctl->ad.rate / ctl->ad.rate_ref))
		return false;
	ctl->ad.follows++;
	/* The VF's share of the engine moved (a neighbour came or went, the machine's phase): where the
	 * best cap lies moved with it, so the duels are fought again (refight=1). Kept, a won duel at the top left
	 * the new search without one (duels over): it settled near its start, 2 x the floor, and the
	 * one-level re-probes cannot climb a slope flatter than the band (the multi-buffer engine with
	 * a queue of two batches: the top 1.15 to 1.2 x there). refight=2: only after a duel won on this
	 * workload; a top that lost stays lost (on the multi-buffer engine's deep queues the top runs at
	 * 0.8 to 0.9 of the best, and each slow phase of the machine moved the rate and fought it again). */
	if (ctl->cfg.adaptive.refight == 1 || (ctl->cfg.adaptive.refight == 2 && ctl->ad.won)) {
		ctl->ad.won = ctl->ad.top_tried = ctl->ad.duels_over = false;
		ctl->ad.refine = 0;
	}
	ad_restart(ctl, s, lvl, false);
	return true;
}

/* Did the request size or the depth move by more than change_pct since the last (re)start? */
static bool ad_workload_changed(const struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	double lim = ctl->cfg.adaptive.change_pct / 100.0;

	if (!ctl->ad.have_ref)
		return false;
	if (ctl->ad.ref_bytes > 0 && fabs(s->mean_req_bytes - ctl->ad.ref_bytes) > lim * ctl->ad.ref_bytes)
		return true;
	if (ctl->ad.ref_depth && s->depth &&
	    fabs((double)s->depth - (double)ctl->ad.ref_depth) > lim * (double)ctl->ad.ref_depth)
		return true;
	return (ctl->ad.ref_depth == 0) != (s->depth == 0);
}

/* ---- one handler per state (START restarts before any handler: it has none) ---- */

/* Re-aim: the start point came from a sample taken at a bad cap, which understates what the workload
 * can do; this sample may show that start x floor lies well above. A fixed point iteration that stops
 * as soon as the speed saturates. */
static void ad_on_measure_start(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	const struct vfc_controller_adaptive_cfg *a = &ctl->cfg.adaptive;
	double fl = s->depth ? a->margin * s->ops_per_s / (double)s->depth : 0;
	double target = a->start * fl;

	/* From the model's cap, re-aim only if the cap is the bottleneck there (the model undershot):
	 * else the search refines from the model's cap (bisection down to the floor, then up). */
	if (ctl->ad.from_model && (double)ctl->ad.levels[lvl] * AD_GUARD_SLACK >= fl)
		target = 0;
	if (target > (double)ctl->ad.levels[lvl] * a->step && lvl + 1 < ctl->ad.nlevels) {
		ctl->ad.s0 = ad_level_at_least(ctl, target);
		ctl->ad.ix = ctl->ad.s0;
		return;
	}
	ad_after_start(ctl);
}

/* The climb's next level: the stride grows climb= x (at least one level) past lvl, up to the top. */
static void ad_climb_next(struct vfc_controller *ctl, uint32_t lvl)
{
	uint32_t top = ctl->ad.nlevels - 1;
	double g = ctl->ad.stride * ctl->cfg.adaptive.climb;

	ctl->ad.stride = g < 1.5 ? 1 : g > AD_CLIMB_MAX ? AD_CLIMB_MAX : (uint32_t)lround(g);
	ctl->ad.climb_prev = lvl;
	ctl->ad.ix = ctl->ad.stride < top - lvl ? lvl + ctl->ad.stride : top;
	ctl->ad.state = VFC__AD_CLIMB;
}

/* The level above the search's candidate: better by the band starts a climb, else settle. */
static void ad_on_upcheck(struct vfc_controller *ctl, uint32_t lvl, uint32_t fl)
{
	if (ad_better(ctl, lvl, ctl->ad.s0) && lvl + 1 < ctl->ad.nlevels) {
		ctl->ad.climb_lo = ctl->ad.s0;
		ctl->ad.stride = 1;
		ctl->ad.climb_late = false;
		ad_climb_next(ctl, lvl);
	} else {
		vfc__ad_settle(ctl, ad_pick(ctl, fl));
	}
}

/* Settled below the floor (a late sample, or the best speed rose): climb from there while the levels
 * wait on late interrupts, from the lowest good level at or above the floor. */
static void ad_climb_floor(struct vfc_controller *ctl, uint32_t fl)
{
	ctl->ad.climb_lo = (int64_t)fl - 1;
	ctl->ad.climb_prev = ctl->ad.settled;
	ctl->ad.stride = 1;
	ctl->ad.climb_late = true;
	ctl->ad.ix = ad_lowest_good(ctl, fl);
	ctl->ad.state = VFC__AD_CLIMB;
}

/*
 * Climb while each level beats the one it was compared with by the band, or waits on late interrupts
 * (a climb from the floor: while late only); each step's stride grows climb= x (default 1: one level
 * a tick; docs/controllers.md, step 5). Then bisect between the highest level found bad and the best:
 * the peak lies between them (never at or below the level the climb started from).
 */
static void ad_on_climb(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	bool late = ad_late(ctl, s);

	if ((late || (!ctl->ad.climb_late && ad_better(ctl, lvl, ctl->ad.climb_prev))) && lvl + 1 < ctl->ad.nlevels) {
		ctl->ad.climb_lo = late ? lvl : ctl->ad.climb_prev;
		ad_climb_next(ctl, lvl);
		return;
	}
	ctl->ad.lo = ctl->ad.climb_lo;
	ctl->ad.hi = -1;
	ad_bisect(ctl);
}

static void ad_on_descend(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	if (!ad_good(ctl, lvl) || ad_late(ctl, s))
		ctl->ad.lo = lvl;
	else
		ctl->ad.hi = lvl;
	ad_bisect(ctl);
}

/* Settled: follow a floor that rose past us, complete a re-probe's pair, then the next re-probe
 * (S D S U S), and every so many ticks a duel upwards or a new round of re-probes. */
static void ad_on_settled(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t fl)
{
	if (ctl->ad.settled < fl) {
		ad_climb_floor(ctl, fl);
		return;
	}
	if (ctl->ad.probe_dir && vfc__ad_probe_pair(ctl, s->mbps, fl))
		return;
	if (!ctl->ad.probe_dir && ad_follow_rate(ctl, s, ctl->ad.settled))
		return;
	ctl->ad.pre_mbps = s->mbps;
	if (ctl->ad.probe_up_next) {
		vfc__ad_probe_up(ctl);
		return;
	}
	if (++ctl->ad.since < vfc__ad_duel_wait(ctl))
		return;
	ctl->ad.since = 0;
	if (vfc__ad_start_duel(ctl, fl))
		return;
	vfc__ad_choose_next_probe(ctl, fl);
}

/* ---- the step ---- */

/* Settled: a sample far from the level's mean is held out of it until a second one in a row confirms
 * the shift, which re-anchors. Returns whether the sample may be used. */
static bool ad_settled_admit(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	const struct vfc__ad_level *l = &ctl->ad.mem[lvl];

	if (l->n >= 3 && vfc__ad_shifted(ctl, l, s->mbps)) {
		/* Same cap, same workload, another speed: the machine changed. Re-anchor; the
		 * re-probes move from there, and the cliff guard restarts the search if the cap
		 * has become the bottleneck. */
		if (++ctl->ad.shifts >= 2)
			ad_reanchor(ctl, s->mbps);
		return false;
	}
	ctl->ad.shifts = 0;
	return true;
}

/* What every sample meets before its state's handler: a new workload, the cliff guard (both restart),
 * a sample from another level than asked for (the PF clamped the cap, or it arrived late: learnt
 * from, not acted on), a shift. Returns whether the state's handler runs. */
static bool ad_admit(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	const struct vfc_controller_adaptive_cfg *a = &ctl->cfg.adaptive;
	bool changed = ctl->ad.state == VFC__AD_START || ad_workload_changed(ctl, s);

	if (changed)
		ctl->ad.have_prev = false; /* no noise pair across workloads */
	vfc__ad_note_noise(ctl, lvl, s->mbps);
	if (changed) {
		/* A new workload: its duels are still to be fought. A restart on the same workload
		 * (the cliff guard) keeps what they found: a machine 10% slower or faster does not
		 * make a cap 3 x higher better, and each duel costs ticks at a collapsing cap. */
		ctl->ad.won = ctl->ad.top_tried = ctl->ad.duels_over = false;
		ctl->ad.refine = 0;
		ad_restart(ctl, s, lvl, true);
		return false;
	}
	/* Cliff guard: the cap in force is clearly below margin x ops / depth. */
	if (s->depth && s->cap_hz &&
	    (double)s->cap_hz * AD_GUARD_SLACK < a->margin * s->ops_per_s / (double)s->depth) {
		ad_restart(ctl, s, lvl, false);
		return false;
	}
	if (lvl != ctl->ad.ix) {
		vfc__ad_record(ctl, lvl, s->mbps);
		return false;
	}
	return ctl->ad.state != VFC__AD_SETTLED || ad_settled_admit(ctl, s, lvl);
}

uint32_t vfc__ad_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	uint32_t lvl, fl;

	if (vfc__sample_idle(s))
		return ctl->cap;
	/* the sample belongs to the level of the cap that was in force */
	lvl = s->cap_hz ? vfc__nearest_level(ctl->ad.levels, ctl->ad.nlevels, s->cap_hz) : ctl->ad.nlevels - 1;
	if (!ad_admit(ctl, s, lvl))
		goto out;
	if (ad_late(ctl, s) && (int64_t)lvl > ctl->ad.late_lo)
		ctl->ad.late_lo = lvl;
	vfc__ad_record(ctl, lvl, s->mbps);
	fl = ad_floor_ix(ctl);
	switch (ctl->ad.state) {
	case VFC__AD_START:
	case VFC__AD_STATE_COUNT:
		break;
	case VFC__AD_MEASURE_START:
		ad_on_measure_start(ctl, s, lvl);
		break;
	case VFC__AD_UPCHECK:
		ad_on_upcheck(ctl, lvl, fl);
		break;
	case VFC__AD_CLIMB:
		ad_on_climb(ctl, s, lvl);
		break;
	case VFC__AD_DESCEND:
		ad_on_descend(ctl, s, lvl);
		break;
	case VFC__AD_SETTLED:
		ad_on_settled(ctl, s, fl);
		break;
	case VFC__AD_PROBE_DOWN:
	case VFC__AD_PROBE_UP:
		vfc__ad_on_probe(ctl, s);
		break;
	case VFC__AD_DUEL:
		vfc__ad_on_duel(ctl, s, lvl);
		break;
	}
out:
	ctl->cap = ctl->ad.levels[ctl->ad.ix];
	return ctl->cap;
}

void vfc__ad_init(struct vfc_controller *ctl, uint32_t initial_cap)
{
	ctl->ad.nlevels = vfc__ladder(&ctl->cfg, ctl->ad.levels);
	ctl->ad.ix = initial_cap ? vfc__nearest_level(ctl->ad.levels, ctl->ad.nlevels, initial_cap)
				 : ctl->ad.nlevels - 1;
	ctl->ad.settled = ctl->ad.ix;
	ctl->ad.lo = ctl->ad.hi = ctl->ad.late_lo = -1;
	ctl->ad.state = VFC__AD_START;
	ctl->cap = ctl->ad.levels[ctl->ad.ix];
}

const char *vfc__ad_state(const struct vfc_controller *ctl)
{
	static const char *const names[VFC__AD_STATE_COUNT] = {
		[VFC__AD_START] = "start",	   [VFC__AD_MEASURE_START] = "measure",
		[VFC__AD_UPCHECK] = "upcheck",	   [VFC__AD_CLIMB] = "climb",
		[VFC__AD_DESCEND] = "descend",	   [VFC__AD_SETTLED] = "settled",
		[VFC__AD_PROBE_DOWN] = "probe-down", [VFC__AD_PROBE_UP] = "probe-up",
		[VFC__AD_DUEL] = "duel",
	};

	return (unsigned)ctl->ad.state < VFC__AD_STATE_COUNT ? names[ctl->ad.state] : "?";
}
