/* SPDX-License-Identifier: MIT */
/* adaptive_duel.c - adaptive's life on a settled level: settling, duels upwards, paired re-probes, the machine's noise. */
#include "core/controller/internal.h"

#include <math.h>

#define AD_DUEL_AFTER 20   /* settled ticks between later duels upwards, if re-probes are off */
#define AD_DUEL_TICKS 6    /* a duel round: challenger and settled level alternate, C S S C C S */
#define AD_DUEL_ROUNDS 4   /* an undecided duel goes on for up to 4 rounds, then the means decide */
#define AD_DUEL_FIRST 12   /* settled ticks before a search's first duel, with the top */
#define AD_DUEL_NEXT 3     /* settled ticks before the duel AD_DUEL_JUMP levels up, once the top lost */
#define AD_DUEL_JUMP 5     /* once the top lost: challengers 5 levels up (x 3.05 with step 1.25) */
#define AD_DUEL_BACK 2     /* after a duel AD_DUEL_JUMP up: a duel midway, 2 levels back towards the loser */
#define AD_DUEL_ROUT 0.5   /* a challenger above below half the settled level's speed loses at once */
#define AD_SHIFT_NOISE 3.0 /* a shift must also exceed 3 x the machine's tick-to-tick noise */
#define AD_NOISE_MIN_N 5   /* pairs of samples before the noise estimate counts */
#define AD_PROBE_PAIRS 3   /* re-probes below: pairs before a move down (or giving up on it) */

/* ---- the machine's noise ---- */

/* The noise is the mean relative difference between consecutive samples at one level. It survives
 * restarts: it belongs to the machine, not to a search. */
void vfc__ad_note_noise(struct vfc_controller *ctl, uint32_t lvl, double v)
{
	if (ctl->ad.have_prev && ctl->ad.prev_lvl == lvl && ctl->ad.prev_mbps + v > 0) {
		double d = 2.0 * fabs(v - ctl->ad.prev_mbps) / (ctl->ad.prev_mbps + v);

		if (ctl->ad.noise_n < UINT32_MAX)
			ctl->ad.noise_n++;
		ctl->ad.noise += (d - ctl->ad.noise) /
				 (double)(ctl->ad.noise_n < VFC__AD_EWMA_N ? ctl->ad.noise_n : VFC__AD_EWMA_N);
	}
	ctl->ad.prev_mbps = v;
	ctl->ad.prev_lvl = lvl;
	ctl->ad.have_prev = true;
}

/* A difference of the mean of `pairs` paired relative differences that noise makes once in a hundred
 * comparisons: z = 2.5 standard errors; the standard deviation of one difference is sqrt(pi / 2) =
 * 1.25 times its mean absolute value (the machine's noise). 0 until the noise is known. */
static double ad_noise_z(const struct vfc_controller *ctl, uint32_t pairs)
{
	return ctl->ad.noise_n >= AD_NOISE_MIN_N ? 2.5 * 1.25 * ctl->ad.noise / sqrt((double)pairs) : 0;
}

/* What a level must win by over `pairs` paired samples (a duel's, or re-probes'): the band, and
 * what noise makes (ad_noise_z). */
static double ad_margin(const struct vfc_controller *ctl, uint32_t pairs)
{
	double m = ctl->cfg.adaptive.band_pct / 100.0, z = ad_noise_z(ctl, pairs);

	return z > m ? z : m;
}

/* Beyond shift_pct of the level's mean, and beyond AD_SHIFT_NOISE x the noise between consecutive
 * samples: on a machine whose speed wanders by 20% from one tick to the next, a 10% step says nothing. */
bool vfc__ad_shifted(const struct vfc_controller *ctl, const struct vfc__ad_level *l, double v)
{
	double lim = ctl->cfg.adaptive.shift_pct / 100.0;

	if (ctl->ad.noise_n >= AD_NOISE_MIN_N && AD_SHIFT_NOISE * ctl->ad.noise > lim)
		lim = AD_SHIFT_NOISE * ctl->ad.noise;
	return fabs(v - l->mean) > lim * l->mean;
}

/* ---- duels upwards ---- */

/* A search's first duel, with the top, after AD_DUEL_FIRST; once the top lost, the duel AD_DUEL_JUMP
 * levels up after AD_DUEL_NEXT (the settled level was just measured in the duel); after a won duel,
 * the next one further up at the re-probes (every probe ticks, AD_DUEL_AFTER if re-probes are off). */
uint32_t vfc__ad_duel_wait(const struct vfc_controller *ctl)
{
	if (ctl->ad.refine)
		return AD_DUEL_NEXT;
	if (!ctl->ad.won && !ctl->ad.duels_over)
		return ctl->ad.top_tried ? AD_DUEL_NEXT : AD_DUEL_FIRST;
	return ctl->cfg.adaptive.probe ? ctl->cfg.adaptive.probe : AD_DUEL_AFTER;
}

/* The challenger: midway (AD_DUEL_BACK) towards the loser after a duel AD_DUEL_JUMP up; else the top
 * first, then AD_DUEL_JUMP levels up. */
static uint32_t ad_choose_challenger(const struct vfc_controller *ctl)
{
	if (ctl->ad.refine)
		return (uint32_t)((int64_t)ctl->ad.settled + ctl->ad.refine * AD_DUEL_BACK);
	return ctl->ad.top_tried ? ctl->ad.settled + AD_DUEL_JUMP : ctl->ad.nlevels - 1;
}

/* Where interrupts are cheap next to a starving queue (shallow queues, small requests), speed keeps
 * rising slowly far up, in steps too small to beat the band one level at a time: hence duels with
 * levels far above, with paired samples. */
bool vfc__ad_start_duel(struct vfc_controller *ctl, uint32_t fl)
{
	if (ctl->ad.top_tried && ctl->ad.settled + AD_DUEL_JUMP >= ctl->ad.nlevels - 1)
		ctl->ad.duels_over = true; /* the top lost, and nothing else lies that far up */
	/* no room for the duel midway: below the floor, or above the top */
	if ((ctl->ad.refine < 0 && ctl->ad.settled < fl + AD_DUEL_BACK) ||
	    (ctl->ad.refine > 0 && ctl->ad.settled + AD_DUEL_BACK >= ctl->ad.nlevels))
		ctl->ad.refine = 0;
	if (!ctl->ad.refine && (ctl->ad.duels_over || ctl->ad.settled + 1 >= ctl->ad.nlevels - 1))
		return false;
	ctl->ad.s0 = ctl->ad.settled;
	ctl->ad.duel_lvl = ad_choose_challenger(ctl);
	ctl->ad.refine = 0;
	ctl->ad.ix = ctl->ad.duel_lvl;
	ctl->ad.duel = ctl->ad.duel_round = 0;
	ctl->ad.duel_sum[0] = ctl->ad.duel_sum[1] = 0;
	ctl->ad.state = VFC__AD_DUEL;
	return true;
}

/* The challenger up won: settle there. Won AD_DUEL_JUMP up, the peak may lie in between: a duel
 * midway, downwards, follows. Below the top, duels go on further up at the re-probes; the paired
 * re-probes walk down from a winner if a lower level is really as good. Won downwards, the level it
 * beat lies past the peak, and so does all above it: the duels are over. */
static void ad_duel_won(struct vfc_controller *ctl, uint32_t up, bool down)
{
	ctl->ad.refine = up == ctl->ad.s0 + AD_DUEL_JUMP && ctl->ad.top_tried && up + 1 < ctl->ad.nlevels ? -1 : 0;
	ctl->ad.upchecked = ctl->ad.won = true;
	ctl->ad.duels_over = down || up + 1 >= ctl->ad.nlevels;
	vfc__ad_settle(ctl, up);
	/* a level 3 to 100 x away, better on the VF's own evidence: its rate is the new reference */
	ctl->ad.rate_ref = ctl->ad.rate = 0;
	ctl->ad.rate_n = 0;
}

/* The settled level held against a challenger above: after the top, a duel AD_DUEL_JUMP up follows (a
 * peak may lie in between); after that one, a duel midway, AD_DUEL_BACK up (the slope may fall past
 * the peak as steeply as it rose, and the peak be missed by a level or two); then they are over. */
static void ad_duel_held(struct vfc_controller *ctl, uint32_t up)
{
	ctl->ad.duels_over = up + 1 < ctl->ad.nlevels;
	ctl->ad.refine = up == ctl->ad.s0 + AD_DUEL_JUMP && up + 1 < ctl->ad.nlevels ? 1 : 0;
	ctl->ad.top_tried = true;
	vfc__ad_settle(ctl, ctl->ad.s0);
}

/* A duel's tick: settled level (s0) against the challenger (duel_lvl, above, or below when refining),
 * in rounds ordered C S S C C S: neighbouring ticks see the same phase of the machine, and the pattern
 * cancels a steady drift. After each round a side wins by ad_margin; an undecided duel goes on, on the
 * same sums, for up to AD_DUEL_ROUNDS (the margin shrinks with the square root of the pairs); then a
 * challenger above holds (fewer interrupts), and one below wins unless it loses by the band. A
 * challenger above far below the settled level loses at once (AD_DUEL_ROUT). */
void vfc__ad_on_duel(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	static const bool duel_up[AD_DUEL_TICKS] = { true, false, false, true, true, false };
	uint32_t up = ctl->ad.duel_lvl;
	bool down = up < ctl->ad.s0;
	double win;

	/* A challenger above at less than half the settled level's speed is no contest: noise and the
	 * machine's phases move a tick by 5 to 70%, not by half against a level measured again and
	 * again; each more tick up there costs as much (the top, for large requests: 5% of the speed). */
	if (!down && lvl == up && ctl->ad.mem[ctl->ad.s0].n >= 3 &&
	    s->mbps < AD_DUEL_ROUT * ctl->ad.mem[ctl->ad.s0].mean) {
		ad_duel_held(ctl, up);
		return;
	}
	ctl->ad.duel_sum[lvl == up] += s->mbps;
	if (++ctl->ad.duel < AD_DUEL_TICKS) {
		ctl->ad.ix = duel_up[ctl->ad.duel] ? up : ctl->ad.s0;
		return;
	}
	ctl->ad.duel_round++;
	win = 1.0 + ad_margin(ctl, ctl->ad.duel_round * (AD_DUEL_TICKS / 2));
	if (ctl->ad.duel_sum[1] <= ctl->ad.duel_sum[0] * win && ctl->ad.duel_sum[0] <= ctl->ad.duel_sum[1] * win) {
		if (ctl->ad.duel_round < AD_DUEL_ROUNDS) {
			ctl->ad.duel = 0;
			ctl->ad.ix = up;
			return;
		}
		if (!down) {
			/* undecided: a challenger above that never beat the noise margin holds (fewer
			 * interrupts); by the band alone, on a shared engine, noise won duels upwards */
			ad_duel_held(ctl, up);
			return;
		}
		win = 1.0 / (1.0 + ctl->cfg.adaptive.band_pct / 100.0);
	}
	if (ctl->ad.duel_sum[1] > ctl->ad.duel_sum[0] * win)
		ad_duel_won(ctl, up, down);
	else if (down)
		vfc__ad_settle(ctl, ctl->ad.s0); /* the winner of the duel upwards holds against the level below */
	else
		ad_duel_held(ctl, up);
}

/* ---- paired re-probes ---- */

void vfc__ad_probes_reset(struct vfc_controller *ctl)
{
	ctl->ad.probe_dir = 0;
	ctl->ad.probe_up_next = ctl->ad.down_off = false;
	ctl->ad.pair_sum[0] = ctl->ad.pair_sum[1] = 0;
	ctl->ad.pair_n[0] = ctl->ad.pair_n[1] = 0;
}

void vfc__ad_settle(struct vfc_controller *ctl, uint32_t k)
{
	ctl->ad.settled = k;
	ctl->ad.ix = k;
	ctl->ad.state = VFC__AD_SETTLED;
	ctl->ad.since = 0;
	ctl->ad.shifts = 0;
	vfc__ad_probes_reset(ctl);
}

void vfc__ad_probe_up(struct vfc_controller *ctl)
{
	ctl->ad.probe_up_next = false;
	ctl->ad.ix = ctl->ad.settled + 1;
	ctl->ad.state = VFC__AD_PROBE_UP;
}

/* Probe one level down unless that is the floor or known worse, the level up following after the next
 * settled tick (S D S U S); else probe up; at the top, nothing. */
void vfc__ad_choose_next_probe(struct vfc_controller *ctl, uint32_t fl)
{
	if (!ctl->cfg.adaptive.probe)
		return;
	if (ctl->ad.settled > fl && !ctl->ad.down_off) {
		ctl->ad.ix = ctl->ad.settled - 1;
		ctl->ad.state = VFC__AD_PROBE_DOWN;
		ctl->ad.probe_up_next = ctl->ad.settled + 1 < ctl->ad.nlevels;
	} else if (ctl->ad.settled + 1 < ctl->ad.nlevels) {
		vfc__ad_probe_up(ctl);
	}
}

/* A probe's tick: its sample waits for the settled level's next one (vfc__ad_probe_pair). */
void vfc__ad_on_probe(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	ctl->ad.probe_mbps = s->mbps;
	ctl->ad.probe_dir = ctl->ad.state == VFC__AD_PROBE_UP ? 1 : -1;
	ctl->ad.ix = ctl->ad.settled;
	ctl->ad.state = VFC__AD_SETTLED;
}

/*
 * A re-probe's sample, a level below or above the settled one, is paired with the settled level's
 * samples just before and after it (pre_mbps, v): both meet the same phase of the machine, where a
 * level's mean may come from another (docs/controllers.md, step 8). The paired relative differences add up over the probes of one
 * settlement. Moves: to a level whose mean beats the band and the noise margin (ad_margin); and down
 * (fewer interrupts at equal speed), after AD_PROBE_PAIRS pairs at least, if their mean is within half
 * the band and, beyond noise, within the band: on a noisy machine a few lucky pairs must not walk the
 * cap down a slope. A level below that is, beyond noise, worse by more than the band is not probed
 * again: near the cliff, each probe there costs much.
 */
bool vfc__ad_probe_pair(struct vfc_controller *ctl, double v, uint32_t fl)
{
	double half = ctl->cfg.adaptive.band_pct / 200.0, ref = (ctl->ad.pre_mbps + v) / 2, mean;
	unsigned up = ctl->ad.probe_dir > 0;
	uint32_t n;

	ctl->ad.probe_dir = 0;
	if (!(ref > 0))
		return false;
	ctl->ad.pair_sum[up] += ctl->ad.probe_mbps / ref - 1.0;
	n = ++ctl->ad.pair_n[up];
	mean = ctl->ad.pair_sum[up] / n;
	if (up ? ctl->ad.settled + 1 >= ctl->ad.nlevels : ctl->ad.settled <= fl)
		return false;
	if (mean > ad_margin(ctl, n) ||
	    (!up && n >= AD_PROBE_PAIRS && mean >= -half && mean - ad_noise_z(ctl, n) >= -2 * half)) {
		vfc__ad_settle(ctl, up ? ctl->ad.settled + 1 : ctl->ad.settled - 1);
		return true;
	}
	if (up || n < AD_PROBE_PAIRS)
		return false;
	if (mean + ad_noise_z(ctl, n) < -2 * half)
		ctl->ad.down_off = true;
	return false;
}
