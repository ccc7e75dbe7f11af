/* SPDX-License-Identifier: MIT */
/* controller.c - the controller interface: init, step, cap, names and state, dispatched by kind. */
#include "core/controller/internal.h"

#include <errno.h>
#include <string.h>

const char *vfc_controller_name(const struct vfc_controller *ctl)
{
	return vfc_controller_kind_name(ctl->cfg.kind);
}

int vfc_controller_init(struct vfc_controller *ctl, const struct vfc_controller_cfg *cfg, uint32_t initial_cap)
{
	if (!ctl || !cfg || vfc__check_cfg(cfg, NULL, 0) < 0)
		return -EINVAL;
	memset(ctl, 0, sizeof(*ctl));
	ctl->cfg = *cfg;

	switch (cfg->kind) {
	case VFC_CONTROLLER_KIND_NONE:
		ctl->cap = 0;
		break;
	case VFC_CONTROLLER_KIND_STATIC:
		ctl->cap = cfg->static_hz;
		break;
	case VFC_CONTROLLER_KIND_PAPER:
		vfc__paper_init(ctl);
		break;
	case VFC_CONTROLLER_KIND_DIM:
		vfc__dim_init(ctl, initial_cap);
		break;
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		vfc__ad_init(ctl, initial_cap);
		break;
	case VFC_CONTROLLER_KIND_DIM_KERNEL:
		vfc__dimk_init(ctl);
		break;
	case VFC_CONTROLLER_KIND_PAPER_MODEL:
		vfc__paper_init(ctl);
		break;
	case VFC_CONTROLLER_KIND_STATIC_MODEL:
		vfc__smodel_init(ctl);
		break;
	case VFC_CONTROLLER_KIND_PF:
		ctl->cap = initial_cap;
		break;
	}
	return 0;
}

uint32_t vfc_controller_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	ctl->ticks++;
	switch (ctl->cfg.kind) {
	case VFC_CONTROLLER_KIND_NONE:
		return ctl->cap = 0;
	case VFC_CONTROLLER_KIND_STATIC:
		return ctl->cap = ctl->cfg.static_hz;
	case VFC_CONTROLLER_KIND_PAPER:
		return vfc__paper_step(ctl, s);
	case VFC_CONTROLLER_KIND_DIM:
		return vfc__dim_step(ctl, s);
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		return vfc__ad_step(ctl, s);
	case VFC_CONTROLLER_KIND_DIM_KERNEL:
		return vfc__dimk_step(ctl, s);
	case VFC_CONTROLLER_KIND_PAPER_MODEL:
		return vfc__paper_step(ctl, s);
	case VFC_CONTROLLER_KIND_STATIC_MODEL:
		return vfc__smodel_step(ctl, s);
	case VFC_CONTROLLER_KIND_PF:
		/* The PF decides: report the cap that was in force, ask for nothing new. */
		return ctl->cap = s->cap_hz;
	}
	return ctl->cap;
}

uint32_t vfc_controller_cap(const struct vfc_controller *ctl)
{
	return ctl->cap;
}

const char *vfc_controller_state(const struct vfc_controller *ctl)
{
	switch (ctl->cfg.kind) {
	case VFC_CONTROLLER_KIND_NONE:
	case VFC_CONTROLLER_KIND_STATIC:
		return "fixed";
	case VFC_CONTROLLER_KIND_PAPER:
		return vfc__paper_state(ctl);
	case VFC_CONTROLLER_KIND_DIM:
		return vfc__dim_state(ctl);
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		return vfc__ad_state(ctl);
	case VFC_CONTROLLER_KIND_DIM_KERNEL:
		return vfc__dimk_state(ctl);
	case VFC_CONTROLLER_KIND_PAPER_MODEL:
		return vfc__paper_state(ctl);
	case VFC_CONTROLLER_KIND_STATIC_MODEL:
		return vfc__smodel_state(ctl);
	case VFC_CONTROLLER_KIND_PF:
		return "pf";
	}
	return "?";
}
