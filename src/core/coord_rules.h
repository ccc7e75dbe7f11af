/* SPDX-License-Identifier: MIT */
/* coord_rules.h - the coordinator's rules: each one's contract and constants, its init, and the calls between coord*.c. */
#ifndef VFC_CORE_COORD_RULES_H
#define VFC_CORE_COORD_RULES_H

#include "core/coord.h"

#include <math.h>

/*
 * The cliff, as only the PF sees it: a VF whose every interrupt hands back its whole queue
 * (ops >= VFC_COORD_BOUND_Q x irqs x depth) waited for the interrupt with nothing left in the
 * device, and an engine busy less than VFC_COORD_IDLE_BUSY of the time waited for it. When the VFs
 * carrying VFC_COORD_BOUND_SHARE of the bytes are so, with the engines that idle, on
 * VFC_COORD_BOUND_TICKS ticks in a row, the cap binds: the controller restarts above the cap (the
 * escape's leap, below). Both are ratios of counts and times, which the machine's speed does not move: a search
 * that settled while the machine was slow finds its cap binding when the machine speeds up, and the
 * speed it measures there (bounded by the cap) cannot show it (adaptive's own guard compares ops /
 * depth with the cap, which a slow tenant turnaround keeps under its 0.8). The whole
 * queue per interrupt alone is not enough: where the share meets every VF's cliff (the best common
 * cap of a saturated engine) it holds too, with the engine busy. Nor where the VF's interrupts came
 * at less than VFC_COORD_BOUND_RATE of its cap: then the tenant spaces them, not the cap (a tenant
 * whose CPU is saturated reads its completions late and finds its whole queue at every interrupt,
 * at any cap: a higher cap only costs it more interrupts). Such a VF's fill says nothing of the cap
 * either: it is left out of the fill (docs/controllers.md, "Tenant-spaced interrupts").
 *
 * The escape's chain (the fill rule's): after an escape, each tick on which the cap still binds
 * doubles it again. While it binds, the total grows with the cap (each interrupt carries the whole
 * queue, at the cap's rate); the fill step between two escapes (x sqrt(1 / 0.7)) only slowed the
 * climb out of it. Escapes in a row are a climb, not the walk's restlessness that the scan rule
 * pins (docs/controllers.md, "The escape's chain").
 * Under the scan rule every tick in a row counts (bound_run): a change that binds the cap at a base
 * escapes on the fill rule's first tick. The probe rule keeps the fill rule's own count (shallow
 * tenants bind at its probes too; docs/controllers.md, "The escape's row").
 *
 * The escape's leap (every rule's, vfc__coord_escape_factor): an escape multiplies the cap by 1 / the
 * members' busy fraction, within [VFC_COORD_ESCAPE, VFC_COORD_ESCAPE_MAX]. While the cap binds, the
 * members' engine time grows with it (each interrupt carries the whole queue): cap / busy would fill
 * the engines. The bound keeps an overshoot to a few fill steps down where the busy fraction reads
 * low for another reason (the device's engine threads share the vCPUs with their tenants;
 * docs/controllers.md, "The escape's leap").
 */
#define VFC_COORD_IDLE_BUSY 0.7
#define VFC_COORD_BOUND_Q 0.97
#define VFC_COORD_BOUND_SHARE 0.5
#define VFC_COORD_BOUND_TICKS 2
#define VFC_COORD_BOUND_RATE 0.4
#define VFC_COORD_ESCAPE 2.0
#define VFC_COORD_ESCAPE_MAX 8.0

/*
 * Start with controller cfg inner (e.g. adaptive) at initial_cap (0: none; what the inner controller
 * does with it: vfc_controller_init) and no members; 0 or -EINVAL (a bad cfg, or pf itself). The
 * device starts at VFC_COORD_INITIAL_HZ: uncapped, several VFs raise an interrupt per completion
 * and their first tick runs at a fraction of their speed, which a search's start point (adaptive:
 * 2.3 x ops / depth of the first tick) then takes for the workload's (4 VFs of AES 4 KiB went from
 * 1 MHz to 477 Hz); at 5 kHz small requests are held by the cap in their first tick, and the start
 * lies below their best (2 VFs of AES 1 KiB, best at 15 to 30 kHz, started at 6.9 kHz).
 */
int vfc_coord_init(struct vfc_coord *c, const struct vfc_controller_cfg *inner, uint32_t initial_cap);
/*
 * The same with the coordinator's own rule (RULE_FILL, the device's default) instead of a
 * controller. The fill is the members' completions per interrupt over their queue depth (per VF,
 * at most 1, weighted by its bytes); each sample moves the cap by (fill / fill_target)^GAIN when
 * that exceeds HYST, within [MIN, MAX]; a cap that binds (the escape's test below, whatever the
 * engines' load) doubles. A fill of 1 is a queue run dry at each interrupt; the target keeps each
 * interrupt at 0.7 of a queue. It compares no tick with another: a ratio of counts says on which
 * side the cap is, where a search on the total needs tens of ticks of 10-30% noise to resolve the
 * few % between caps near the best, and its probes (a tick at the top) cost every member at once
 * (docs/controllers.md, "The fill rule").
 */
int vfc_coord_init_fill(struct vfc_coord *c, uint32_t initial_cap);
#define VFC_COORD_FILL_TARGET 0.7
#define VFC_COORD_FILL_GAIN 0.5
#define VFC_COORD_FILL_MIN_HZ 100.0 /* the rule's range: adaptive's default ladder */
#define VFC_COORD_FILL_MAX_HZ 1000000.0
#define VFC_COORD_FILL_HYST 0.05
/*
 * RULE_PROBE: the fill rule as the anchor, then a guarded local probe on the members' total. The
 * spread is an EWMA (VFC_COORD_PROBE_EWMA) of |total / previous - 1| over base ticks (ticks outside
 * probes) at one cap. Probes happen only while VFC_COORD_PROBE_Z x spread <= VFC_COORD_PROBE_GATE,
 * after VFC_COORD_PROBE_MIN_PAIRS such pairs: on the device's noisy ticks (10-30%) never, and the rule
 * is the fill rule cap for cap. Once the fill rule has held the cap VFC_COORD_PROBE_STILL ticks, a
 * session probes one tick at each point base x VFC_COORD_PROBE_STEPS^(+-1), nearest first, each
 * followed by a base tick, against the mean of the base ticks around it: a gain above
 * max(VFC_COORD_PROBE_MIN_GAIN, Z x spread) moves the base there and starts again (a climb); no win
 * waits hold ticks (VFC_COORD_PROBE_HOLD_MIN doubling to _MAX). Off the anchor the fill rule is held
 * (its fixed point is the anchor); a base tick whose fill left the fill at this base by
 * VFC_COORD_PROBE_SHIFT, or whose cap binds (VFC_COORD_BOUND_SHARE), twice in a row hands back to
 * the fill rule; a base tick's jump beyond max(10%, 4 x spread) (a phase change) voids the comparison
 * it falls into and ends any wait. Where the ticks are quiet it climbs to the total's local best: the
 * best common cap, where throttling shallow or costly tenants pays (controllers.md, "The probe rule").
 */
int vfc_coord_init_probe(struct vfc_coord *c, uint32_t initial_cap);
#define VFC_COORD_PROBE_STEPS 1.25
#define VFC_COORD_PROBE_Z 3.0
#define VFC_COORD_PROBE_GATE 0.1
#define VFC_COORD_PROBE_MIN_GAIN 0.01
#define VFC_COORD_PROBE_STILL 2
#define VFC_COORD_PROBE_MIN_PAIRS 6
#define VFC_COORD_PROBE_EWMA 0.25
#define VFC_COORD_PROBE_HOLD_MIN 8
#define VFC_COORD_PROBE_HOLD_MAX 32
/* A wait of hold ticks before the next probe or scan; the hold after it doubles, to VFC_COORD_PROBE_HOLD_MAX. */
static inline uint32_t vfc__coord_doubled(uint32_t hold, uint32_t max)
{
	return hold * 2 > max ? max : hold * 2;
}
static inline void vfc__coord_back_off(uint32_t *wait, uint32_t *hold)
{
	*wait = *hold;
	*hold = vfc__coord_doubled(*hold, VFC_COORD_PROBE_HOLD_MAX);
}
#define VFC_COORD_PROBE_SHIFT 1.3
/*
 * RULE_SCAN (coord_scan.c): the fill rule as the anchor; a scan of the cap ladder on the members'
 * total where the ticks are quiet. The spread is an EWMA (VFC_COORD_PROBE_EWMA, from a prior of
 * VFC_COORD_SCAN_PRIOR) of |total / previous - 1| over settled pairs: two ticks at one cap, neither
 * the first after a change (a cap change's first tick is a transient: up to +75% in the simulator).
 * Quiet: VFC_COORD_PROBE_Z x spread <= VFC_COORD_SCAN_GATE over >= VFC_COORD_SCAN_MIN_PAIRS pairs.
 * Where the fill rule holds the cap VFC_COORD_PROBE_STILL ticks and it is quiet, a fine scan from
 * it; where it has not held still for VFC_COORD_SCAN_MOVING ticks (it oscillates or drifts: the
 * fill does not answer the cap), the median of its last VFC_COORD_SCAN_MEDIAN caps is held
 * VFC_COORD_SCAN_PIN_TICKS ticks (a pin, left early if the fill there would move the cap beyond
 * VFC_COORD_PROBE_SHIFT or the cap binds), and if it is quiet then, a coarse scan from it; if it is
 * only loud (VFC_COORD_PROBE_Z x spread <= VFC_COORD_SCAN_LOUD) at a second pin in a row, a coarse
 * scan up only. A coarse scan (also from a still anchor at the ladder's end) visits base x
 * VFC_COORD_SCAN_COARSE^k, each point held VFC_COORD_SCAN_VISIT ticks and read on the last; a fine
 * one base x VFC_COORD_SCAN_FINE^(1, 3, 6, ...), one tick each. Up first, on while the total climbs
 * beyond max(VFC_COORD_SCAN_MIN_GAIN, Z x spread), then down unless up won; the best point becomes the
 * base (a fine scan next at once; a fine scan's win whose first settled tick there reads under the
 * base it left by that threshold read a transient: back there, the win's check), else back to the
 * fill rule (a pin or a base stays) and wait hold ticks (VFC_COORD_PROBE_HOLD_MIN doubling to _MAX).
 * At a base: a settled pair's jump beyond max(10%, 4 x spread) ends the wait; the fill leaving the fill
 * at this base by VFC_COORD_PROBE_SHIFT, or the cap binding, twice in a row hands back to the fill
 * rule. The fill rule's walk ends at its best tick where two ticks off it read VFC_COORD_SCAN_GUARD
 * below it (the walk's guard): a base there. A ramp (a PRIMING reading) voids a scan or a pin. On noisy
 * ticks (the device: 10-30%) the gate stays shut: the rule is the fill rule, guarded, but for pins at
 * the median of its own last caps (docs/controllers.md, "The scan rule").
 */
int vfc_coord_init_scan(struct vfc_coord *c, uint32_t initial_cap);
#define VFC_COORD_SCAN_COARSE 2.0
#define VFC_COORD_SCAN_FINE 1.25
#define VFC_COORD_SCAN_VISIT 2
#define VFC_COORD_SCAN_GATE 0.04
/* A pin's ticks too loud for the gate and under this, at the second pin or later since the fill rule
 * last held the cap still: a fill rule that never holds still can leave the cap where a gain of 3 x the
 * spread is there to see, and up is where a walk on the fill alone leaves it (the deep members' fill);
 * up only, so that a scan that finds nothing costs half. Not at the first pin: where the fill rule
 * settles between pins (the device's cells) such scans only cost ticks (docs/controllers.md, "Loud
 * pins"). */
#define VFC_COORD_SCAN_LOUD 0.10
/* The least gain a scan's point counts, where the ticks' spread allows less (Z x spread under it: quiet
 * simulated ticks, 0.2% or less). A gentle slope of the total gains under 1% a fine step (x 1.25): at
 * the probe rule's 1% the scan read every step flat and held the slope's foot (suite seed 277785923:
 * 633 Hz at 0.885 of the best cap, 7 kHz, its steps +0.8%; docs/controllers.md, "The scan's least
 * gain"). The trial's comparison and a settled base (vfc__coord_scan_threshold, _settled) keep the
 * probe rule's VFC_COORD_PROBE_MIN_GAIN: they compare periods, whose differences a lower floor let
 * the trial's dims keep (suite seed 165344870). */
#define VFC_COORD_SCAN_MIN_GAIN 0.005
#define VFC_COORD_SCAN_MOVING 6
/* A pin's scan that finds nothing better keeps the pin as the base (HOLD), as a won scan keeps its
 * point: the scan judged the pin against its neighbours, while the fill rule's walk on from it is
 * judged by nothing (suite seed 884920142: from a pin at 463 Hz the walk went on to 300 Hz, 2.3%
 * lower, a dip whose walls its fine scans read within the threshold; docs/controllers.md, "A pin's
 * scan"). A ramp during the scan still hands back to the fill rule. */
#define VFC_COORD_SCAN_PIN_TICKS 8
/* A scan whose tick has this share of the bytes from members that changed class (c->reshaped: a new
 * depth or request size, a workload's change) ends without a comparison: the fill rule walks from the
 * base, a scan again soon. A base whose first settled tick is such a tick hands back so too, rather
 * than take the new workload's fill for its reference (suite seed 534018833). The members' mean depth
 * and request size are no such signal: the cap moves the shares between classes. */
#define VFC_COORD_RESHAPED 0.1
#define VFC_COORD_SCAN_MIN_PAIRS 6
/* The walk's guard: two ticks in a row of the fill rule's walk, at caps off its best tick's, reading
 * this (or VFC_COORD_PROBE_Z x the spread) below that tick end the walk there: that cap becomes the
 * base. The fill rule walks on the fill alone; where the fill does not answer the cap it walks over a
 * cliff of the total and on, and a pin's scan needs quiet ticks (docs/controllers.md, "The walk's
 * guard"). The walk's best starts again where the walk does and at a workload's change
 * (VFC_COORD_RESHAPED). */
#define VFC_COORD_SCAN_GUARD 0.1
/* A base binds from the start where this share of its bytes bound at its first settled tick; binding
 * later is news (a hand-back to the fill rule) only at a base that did not. Under
 * VFC_COORD_BOUND_SHARE: at a cliff's edge, where a climb leaves its base, the share swings 0.34 to
 * 0.60 from tick to tick (suite seed 884920125), and a first tick at 0.45 made the swings news. */
#define VFC_COORD_BOUND_REF 0.25
#define VFC_COORD_SCAN_PRIOR 0.05 /* the spread before the first pair */
/*
 * A scan from a base whose cap binds does not turn down: where this share of the bytes' VFs got their
 * whole queue back per interrupt and their interrupts came at this share of the cap's rate or more
 * (c->bound_frac, c->rate_tick at the base's tick), each gets fewer interrupts at a lower cap, each
 * carrying at most its queue, and no point below can carry more. Such bases sit at a cliff's top
 * (tenants whose CPU saturates just above), where the up points read the cliff and the down points
 * only cost: on suite seed 889937952, 44 VFs at depth 8 held 3,916 Hz, the tooth's top, and every
 * scan's point down read 27% lower (docs/controllers.md, "Bound bases scan up only").
 */
#define VFC_COORD_SCAN_BOUND 0.9
/*
 * A costly scan's wait. A scan or busy scan from a base whose cap binds (a cliff's top, above) that wins
 * nothing waits, before the next of its kind, at least its cost over the least gain a scan counts
 * (VFC_COORD_SCAN_MIN_GAIN) and at most VFC_COORD_SCAN_WAIT_MAX ticks. Its cost is the loss of its ticks
 * under the base's total, in ticks (a tick at 0.75 of the base costs 0.25): a scan that pays more than
 * the least gain per tick of its wait to find nothing loses more than it could find. At a cliff's top
 * every point up reads the cliff: on suite seed 889937910 (171 VFs, one workload, the base at 3,916 Hz)
 * each scan's points read 22-27% under it and each busy scan's 15%, and at the back-off's 32 ticks they
 * cost about 2.5% of the total. Only there: elsewhere the periodic scan is also what finds a change too
 * small for the jump test, and a longer wait found it later or took another path (docs/controllers.md,
 * "A costly scan's wait").
 */
#define VFC_COORD_SCAN_WAIT_MAX 256
/*
 * Where a scan's points start (vfc__coord_acting_cap): a cap above every member's interrupt rate holds
 * none of them (their tenants space the interrupts), and the points between that rate and the cap all
 * read the same. When the busiest member's interrupts used less than 1 / VFC_COORD_SCAN_FINE of its
 * cap (c->irq_use), the points start at VFC_COORD_SCAN_ACT x that use of the cap: the first point down
 * is the first cap that acts. The base, what a scan without a win returns to, stays the cap in force.
 * A busy scan (up only) starts at the cap in force. (docs/controllers.md, "Scans from the acting cap".)
 */
#define VFC_COORD_SCAN_ACT 1.05
/*
 * The fill rule's walk's start (scan.from: the initial cap, or the base a workload's change handed
 * back from). A walk runs on the fill alone; where the engines are saturated the cap only moves the
 * shares between members, and the walk can leave the best cap for a valley that the scan's steps do
 * not cross. So a scan whose points find nothing better than the base (a local peak), with the engines
 * busy VFC_COORD_BUSY_FULL or more at its last point, visits the walk's start last, for
 * VFC_COORD_SCAN_VISIT ticks, when it lies VFC_COORD_SCAN_FROM x or more from the base, and moves the
 * base there (a fine scan next) if its total beats the base's by the scan's threshold. Last, so that a
 * local scan that wins climbs where it is; not where the first tick at the start already read lower
 * than the scan's best by the threshold; not below saturated engines, where the walk's premise (fewer
 * interrupts leave more to the tenants and engines) holds. Once per walk at most; a busy scan does not
 * visit it. (docs/controllers.md, "The walk's start".)
 */
#define VFC_COORD_SCAN_FROM 2.0
/*
 * The climb from the full-queue cap. A tenant with a shallow queue (depth 2 to 8) whose CPU the
 * interrupts eat runs best at the cap at which one interrupt hands back its whole queue, just before
 * its batch's turnaround exceeds the interval: below it the speed falls with the cap (one batch per
 * interval), just above it each batch waits for a second interrupt and the speed falls by up to half;
 * higher still the interrupts, one per request, eat the tenant's CPU. So the total is a sawtooth in the
 * cap whose best tooth can lie far below a local peak, behind a valley the scan's steps do not cross.
 * Where members of depth <= VFC_COORD_CLIMB_DEPTH carry VFC_COORD_CLIMB_SHARE of the bytes or more,
 * their ops / depth at the base (c->rate_shallow) is the cap at which each interrupt would carry their
 * whole queue at the base's speed: the foot of that tooth (deeper queues' teeth are 1 / depth apart,
 * too fine to matter). A scan whose points found nothing better than the base, where that cap lies
 * VFC_COORD_CLIMB_BELOW x or more below the base, climbs from it by VFC_COORD_CLIMB_STEP a point (each
 * held VFC_COORD_SCAN_VISIT ticks, read on the last) while the total climbs beyond the scan's
 * threshold, at most VFC_COORD_CLIMB_POINTS points and not past the base, and where it fell after a
 * point that beat the base, visits the half step between the two (a cliff's top lies between); its
 * best point becomes the base (a fine scan next) if it beats the base's total by the threshold. Once
 * per base (VFC_COORD_PROBE_SHIFT apart) between workload changes (docs/controllers.md, "The climb").
 *
 * The climb's cliff: a point whose shallow members' ops / depth is VFC_COORD_CLIMB_FULL of its cap or
 * more lies on a tooth's rising side (their whole queue back per interrupt); the first point past such
 * a point that is not lies over the cliff, and the tooth's top lies between the two. The climb then
 * bisects them (geometric means) VFC_COORD_CLIMB_BISECT times, whatever the totals read: a step of
 * VFC_COORD_CLIMB_STEP can cross a top narrower than itself, and the points either side of it read
 * alike (suite seed 987892882: 2703 and 3108 Hz both 5,080 MB/s, the top 5,690 at 3 kHz). The fill
 * is a ratio of counts: no comparison between ticks decides which side a point is on.
 */
/*
 * The same teeth from their rising side: where the shallow members' ops / depth at the base is
 * VFC_COORD_CLIMB_FULL of the base or more (one batch per interval, the speed rising with the cap up to
 * the cliff), a fine scan's first point up that misses may have stepped over the cliff's top: the half
 * step between the base and it (VFC_COORD_SCAN_FINE^0.5) is visited once, the base if it wins, else the
 * scan goes on down; not where the walk's start is due (VFC_COORD_SCAN_FROM): the far tooth first.
 */
#define VFC_COORD_CLIMB_FULL 0.9
#define VFC_COORD_CLIMB_DEPTH 8
#define VFC_COORD_CLIMB_SHARE 0.25
#define VFC_COORD_CLIMB_STEP 1.15
#define VFC_COORD_CLIMB_BELOW 1.5
#define VFC_COORD_CLIMB_POINTS 8
#define VFC_COORD_CLIMB_BISECT 2
uint32_t vfc__coord_acting_cap(const struct vfc_coord *c, uint32_t cap);
/*
 * The busy step (pf:busy: the scan rule and this; vfc_coord_init_busy). A cap that starves the
 * engines: the fill rule holds its fill while the engines sit idle, because the tenants' completed
 * requests wait for the interrupt (docs/controllers.md, "The busy step"). Where the engines' busy
 * fraction stays under VFC_COORD_BUSY_IDLE for VFC_COORD_BUSY_TICKS ticks in a row (at the anchor or
 * at a base, no wait pending), whatever the ticks' spread, a busy scan: up only, base x
 * VFC_COORD_SCAN_COARSE^k, each point held VFC_COORD_SCAN_VISIT ticks and read on the last, on while
 * the engines got busier than at the previous point (the cap still starves) and are under
 * VFC_COORD_BUSY_FULL, at most VFC_COORD_BUSY_POINTS points. Busier: by VFC_COORD_BUSY_RISE of the
 * whole at VFC_COORD_BUSY_IDLE, in proportion below it (the engines' time grows with the total: 0.02
 * more at 0.34 busy is a 6% rise; "The busy step's rise"). The best point becomes the base if its
 * total beats the idle ticks' mean by max(VFC_COORD_BUSY_GAIN, VFC_COORD_BUSY_Z x spread) and the
 * engines there are busier: both signals, so that noise alone does not ratchet the cap up; else the
 * busy step waits (the scan rule's back-off, on a wait of its own). A tick with VFC_COORD_RESHAPED of
 * the bytes from members that changed class (a workload's change) voids the scan, as it voids any
 * scan: the fill rule from the base, without a wait.
 */
#define VFC_COORD_BUSY_IDLE 0.85
#define VFC_COORD_BUSY_FULL 0.92
#define VFC_COORD_BUSY_TICKS 3
#define VFC_COORD_BUSY_RISE 0.03
#define VFC_COORD_BUSY_GAIN 0.05
#define VFC_COORD_BUSY_Z 4.5 /* 1.5 x the scan's: a busy scan runs on noisy ticks too */
#define VFC_COORD_BUSY_POINTS 4
int vfc_coord_init_busy(struct vfc_coord *c, uint32_t initial_cap);
/*
 * The balance (pf:bal: the busy step and this; vfc_coord_init_bal; coord_balance.c). At one common cap C
 * every member gets about C interrupts a second: a shallow one (depth 4) hands back its whole queue at
 * each (fill 1: its tenant waits), a deep one a third of it. The balance gives member i the cap C x m_i
 * (vfc_coord_member_cap); the rule decides C as before, from the members' total and their bytes-weighted
 * fill taken at those caps. Each tick a member with a fill adds log(its fill / the members' fill) to the
 * period; every VFC_COORD_BAL_PERIOD ticks a member whose mean exceeds VFC_COORD_BAL_HYST moves m by
 * exp(VFC_COORD_BAL_GAIN x mean) (a member bound at every tick of the period, whose fill says only "at
 * least 1", up by at least exp(GAIN x log VFC_COORD_ESCAPE); members all bound alike do not move), within [1, VFC_COORD_BAL_MAX]: only up from
 * the common cap, so the members that carry the bytes at m = 1 keep C's meaning for the rule (lowering
 * deep members lowered the weighted fill and the fill rule walked C down with it, docs/controllers.md
 * "The balance"). A move that its fill did not answer by VFC_COORD_BAL_ANSWER of the expected change at
 * the next period's end (a fill that does not follow the cap, a cap at the ladder's end) is undone and
 * that direction barred for VFC_COORD_BAL_DEAF periods. Identical tenants read the same fill within the
 * noise, so the hysteresis and the period's mean keep them together. Only where the engines' busy
 * fraction over the period stays under VFC_COORD_BAL_FULL: on busy engines a tenant waiting for its
 * interrupt costs the total nothing, and a higher cap for one member takes engine time (its share, its
 * interrupts) from the others (throttling shallow tenants is what the best common cap does there); so a
 * busy period moves every multiplier back towards 1 by VFC_COORD_BAL_GAIN in log, and the rule's common
 * cap, searched on the total, decides alone. While the scan rule visits a scan point or pins (its
 * comparisons need the caps fixed) the period is void (VFC_COORD_BAL_HELD); a ramp voids it too; a change
 * of members sets every multiplier back to 1.
 */
int vfc_coord_init_trial(struct vfc_coord *c, uint32_t initial_cap);
int vfc_coord_init_bal(struct vfc_coord *c, uint32_t initial_cap);
#define VFC_COORD_BAL_PERIOD 4
#define VFC_COORD_BAL_HYST 0.2 /* in log: 1.22 x */
#define VFC_COORD_BAL_GAIN 0.5
#define VFC_COORD_BAL_MAX 8.0
#define VFC_COORD_BAL_EWMA 0.25
#define VFC_COORD_BAL_ANSWER 0.3
#define VFC_COORD_BAL_DEAF 16
#define VFC_COORD_BAL_FULL 0.92
/* The balance's tick (coord_balance.c), after the rule's, before c->prev takes vfs; held: whether the
 * tick just read was a scan point or a pin. Its reset (every multiplier 1), on a change of members. */
void vfc__coord_balance_step(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n, bool held);
void vfc__coord_balance_reset(struct vfc_coord_balance *b);
/* Whether the rule scans or pins now (the cap in force is a scan point or a pin's). */
bool vfc__coord_balance_hold(const struct vfc_coord *c);
/* A member's class (one workload to the coordinator): depth x 64 + log2(bytes per request) + 1; 0: none. */
uint32_t vfc__coord_class_key(uint64_t bytes, uint64_t ops, uint32_t depth);
/* The trial (coord_trial.c): a tick's step, true where it took the tick (the rule does not step);
 * its reset (a ramp, a change of members); member i's cap given the common one. */
bool vfc__coord_trial_step(struct vfc_coord *c, const struct vfc_coord_vf *vfs, uint32_t n, uint64_t dt_ns);
void vfc__coord_trial_reset(struct vfc_coord *c);
uint32_t vfc__coord_trial_cap(const struct vfc_coord_trial *t, uint32_t i, uint32_t common);
/* coord_spread.c: the scan rule's ticks, their spread and the gains they can show; the win's check */
bool vfc__coord_spread_note(struct vfc_coord_scan *p, double y, uint32_t cap);
bool vfc__coord_spread_seen(const struct vfc_coord_scan *p, double gate);
bool vfc__coord_spread_quiet(const struct vfc_coord_scan *p);
double vfc__coord_spread_gain(const struct vfc_coord_scan *p);
double vfc__coord_spread_period_gain(const struct vfc_coord_scan *p);
bool vfc__coord_win_checked(struct vfc_coord *c, double y);
/* The scan rule's side of it (coord_scan.c): at a settled base on quiet ticks; its threshold of a
 * gain; back at base after the trial, its ticks there counted afresh. */
bool vfc__coord_scan_settled(const struct vfc_coord *c);
double vfc__coord_scan_threshold(const struct vfc_coord *c);
void vfc__coord_scan_resume(struct vfc_coord *c, uint32_t base);
uint32_t vfc__coord_clamp_cap(double hz);
/* The scan's k-th point out in its direction: coarse, base x 2^k; fine, base x 1.25^(k (k + 1) / 2) (1.25,
 * 1.95, 3.8, 9.3, ...: near first, far quickly while the total climbs). */
static inline uint32_t vfc__coord_scan_point(const struct vfc_coord_scan *p)
{
	double e = p->coarse ? p->k : p->k * (p->k + 1) / 2.0;

	return vfc__coord_clamp_cap((double)p->origin * pow(p->step, p->dir * e));
}
/* The busy step (coord_busy.c): each tick's note of the engines' idling (y: the tick's total); whether they
 * idled long enough for a busy scan; the tick at one of its points, true where the scan is over (the scan
 * rule, which starts and ends scans, ends it). */
void vfc__coord_busy_note(struct vfc_coord *c, double y);
bool vfc__coord_busy_starved(const struct vfc_coord_scan *p);
bool vfc__coord_busy_visit(struct vfc_coord *c, double y);
/* The scan rule's tick (coord_scan.c), the sample in c->last; the fill rule's (coord_fill.c) it anchors on. */
void vfc__coord_scan_step(struct vfc_coord *c);
void vfc__coord_fill_step(struct vfc_coord *c);
double vfc__coord_escape_factor(const struct vfc_coord *c);

#endif
