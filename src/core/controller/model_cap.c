/* SPDX-License-Identifier: MIT */
/* model_cap.c - the fitted model's cap for a tick's workload: static:model, and paper:i0=model's I0. */
#include "core/controller/internal.h"

#include "core/model.h"

uint32_t vfc__model_cap(const struct vfc_controller_model_cfg *m, const struct vfc_speed_sample *s)
{
	/* The request size the tick measured (or bytes / ops if the monitor left it out); an
	 * unknown depth counts as 1: every request its own interrupt, the highest, safest rate. */
	double bytes = s->mean_req_bytes > 0 ? s->mean_req_bytes : s->mbps * 1e6 / s->ops_per_s;
	double depth = s->depth ? (double)s->depth : 1.0;
	double hz = vfc_model_best_irq(m->t0, m->t1, bytes, depth, m->margin);

	return hz > 0 ? vfc__hz_round(hz) : 0;
}

void vfc__smodel_init(struct vfc_controller *ctl)
{
	ctl->cap = 0; /* uncapped until the first tick says the request size */
}

uint32_t vfc__smodel_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	if (ctl->smodel.set || vfc__sample_idle(s))
		return ctl->cap;
	ctl->smodel.set = true;
	return ctl->cap = vfc__model_cap(&ctl->cfg.model, s);
}

const char *vfc__smodel_state(const struct vfc_controller *ctl)
{
	return ctl->smodel.set ? "fixed" : "measuring";
}
