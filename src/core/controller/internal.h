/* SPDX-License-Identifier: MIT */
/* internal.h - what the controller files share: the ladder, sample tests, each kind's init and step. */
#ifndef VFC_CORE_CONTROLLER_INTERNAL_H
#define VFC_CORE_CONTROLLER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/controller/controller.h"

/* ---- ladder.c: caps in Hz and ladders of them ---- */

/* hz rounded to a cap from 1 to VFC_CONTROLLER_MAX_HZ (below 1, or NaN: 1). */
uint32_t vfc__hz_round(double hz);
/* Index of the level nearest to hz in ratio (levels ascending or descending). */
uint32_t vfc__nearest_level(const uint32_t *levels, uint32_t n, uint32_t hz);
/*
 * The ladder of a dim or adaptive cfg: dim from max_hz down to min_hz, adaptive from min_hz up to
 * max_hz, each level step times the previous. Writes at most VFC_CONTROLLER_MAX_LEVELS levels to
 * levels (NULL: none) and returns how many the cfg asks for, up to VFC_CONTROLLER_MAX_LEVELS + 1
 * (more than fit: the cfg is refused). 0 for the other kinds.
 */
uint32_t vfc__ladder(const struct vfc_controller_cfg *cfg, uint32_t *levels);

/* A tick in which nothing completed measures no speed: every controller ignores it. */
static inline bool vfc__sample_idle(const struct vfc_speed_sample *s)
{
	return !(s->ops_per_s > 0.0) || !(s->mbps > 0.0) || s->dt_ns == 0;
}

/* ---- spec.c ---- */

/* Is cfg consistent (min <= max, step > 1, the ladder fits)? 0, or -EINVAL with a message in err. */
int vfc__check_cfg(const struct vfc_controller_cfg *cfg, char *err, size_t errlen);

/* ---- one file per kind: init (ctl zeroed, cfg copied and checked), step (not idle-filtered), state ---- */

void vfc__paper_init(struct vfc_controller *ctl);
uint32_t vfc__paper_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s);
const char *vfc__paper_state(const struct vfc_controller *ctl);

void vfc__dim_init(struct vfc_controller *ctl, uint32_t initial_cap);
uint32_t vfc__dim_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s);
const char *vfc__dim_state(const struct vfc_controller *ctl);

void vfc__dimk_init(struct vfc_controller *ctl);
uint32_t vfc__dimk_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s);
const char *vfc__dimk_state(const struct vfc_controller *ctl);

/* model_cap.c: static:model, and the cap both model kinds take from a tick's request size and depth */
uint32_t vfc__model_cap(const struct vfc_controller_model_cfg *m, const struct vfc_speed_sample *s);
void vfc__smodel_init(struct vfc_controller *ctl);
uint32_t vfc__smodel_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s);
const char *vfc__smodel_state(const struct vfc_controller *ctl);

void vfc__ad_init(struct vfc_controller *ctl, uint32_t initial_cap);
uint32_t vfc__ad_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s);
const char *vfc__ad_state(const struct vfc_controller *ctl);

/* ---- adaptive: what adaptive.c (the search) and adaptive_duel.c (duels, re-probes, noise) share ---- */

#define VFC__AD_EWMA_N 16 /* level means and the noise: a running average over 16 samples, then EWMA 1/16 */

/* adaptive.c */
/* Add sample v to level k's mean (a running mean, then an EWMA 1/16). */
void vfc__ad_record(struct vfc_controller *ctl, uint32_t k, double v);

/* adaptive_duel.c: the machine's noise */
/* Note sample v, taken at level lvl, for the noise between consecutive samples at one level. */
void vfc__ad_note_noise(struct vfc_controller *ctl, uint32_t lvl, double v);
/* Is sample v at the settled level (mean l) a shift of the machine, not noise? */
bool vfc__ad_shifted(const struct vfc_controller *ctl, const struct vfc__ad_level *l, double v);

/* adaptive_duel.c: duels and re-probes, started from the settled state */
/* Settle on level k: ask for it, restart the count to the next duel or re-probe, forget the re-probes. */
void vfc__ad_settle(struct vfc_controller *ctl, uint32_t k);
/* Forget the re-probes' evidence: it belongs to one settled level. */
void vfc__ad_probes_reset(struct vfc_controller *ctl);
/* Settled ticks before the next duel upwards or re-probe. */
uint32_t vfc__ad_duel_wait(const struct vfc_controller *ctl);
/* If a duel is due, choose its challenger and start it (state DUEL); returns whether it did. */
bool vfc__ad_start_duel(struct vfc_controller *ctl, uint32_t fl);
/* Choose the next re-probe (down if allowed, else up) and ask for it; nothing if re-probes are off. */
void vfc__ad_choose_next_probe(struct vfc_controller *ctl, uint32_t fl);
/* Ask for the probe one level above the settled one (the second of S D S U S). */
void vfc__ad_probe_up(struct vfc_controller *ctl);
/* The settled level's sample v completes a waiting probe's pair; returns true if the level moved. */
bool vfc__ad_probe_pair(struct vfc_controller *ctl, double v, uint32_t fl);
/* State handlers: a duel's tick (at level lvl), a probe's tick. */
void vfc__ad_on_duel(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl);
void vfc__ad_on_probe(struct vfc_controller *ctl, const struct vfc_speed_sample *s);

#endif
