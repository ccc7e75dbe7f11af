/* SPDX-License-Identifier: MIT */
/* paper.c - the paper's "Interrupt Rate Control": track the best speed, on the first slower tick cap once. */
#include "core/controller/internal.h"

void vfc__paper_init(struct vfc_controller *ctl)
{
	/* "the ideal value I0" (0: start uncapped); paper:i0=model runs uncapped until its first
	 * tick has measured the request size. */
	ctl->cap = ctl->cfg.kind == VFC_CONTROLLER_KIND_PAPER_MODEL ? 0 : ctl->cfg.paper_i0_hz;
}

uint32_t vfc__paper_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	double j = s->mbps; /* j <- V_i */

	if (vfc__sample_idle(s))
		return ctl->cap; /* no encryption in this tick: no speed to compare (our choice, see docs) */
	if (ctl->cfg.kind == VFC_CONTROLLER_KIND_PAPER_MODEL && !ctl->paper.i0_set) {
		/* I0 = the model's best rate for this request size; the rule starts with the next
		 * tick, the first at I0, from i = 0 (this tick ran uncapped: it only measured). */
		ctl->paper.i0_set = true;
		return ctl->cap = vfc__model_cap(&ctl->cfg.model, s);
	}
	if (!ctl->paper.done) {
		if (j > ctl->paper.best) {
			ctl->paper.t++;
			ctl->paper.best = j;
		} else if (j < ctl->paper.best) {
			/* I0 <- I_k, the previous tick's interrupt rate; once. have_prev is always true
			 * here: the first non-idle tick has j > 0 = i. */
			ctl->paper.done = true;
			if (ctl->paper.have_prev && ctl->paper.prev_irq >= 1.0) {
				uint32_t ik = vfc__hz_round(ctl->paper.prev_irq);

				/* "the adjusted upper limit must be less than the initial value" */
				if (ctl->cap == 0 || ik < ctl->cap)
					ctl->cap = ik;
			}
		}
	}
	ctl->paper.prev_irq = s->irq_hz;
	ctl->paper.have_prev = true;
	return ctl->cap;
}

const char *vfc__paper_state(const struct vfc_controller *ctl)
{
	if (ctl->cfg.kind == VFC_CONTROLLER_KIND_PAPER_MODEL && !ctl->paper.i0_set)
		return "measuring";
	return ctl->paper.done ? "done" : "watching";
}
