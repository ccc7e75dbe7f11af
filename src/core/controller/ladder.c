/* SPDX-License-Identifier: MIT */
/* ladder.c - caps in Hz and the ladders of them that dim and adaptive walk. */
#include "core/controller/internal.h"

#include <math.h>

uint32_t vfc__hz_round(double hz)
{
	if (!(hz >= 1.0))
		return 1;
	if (hz >= (double)VFC_CONTROLLER_MAX_HZ)
		return VFC_CONTROLLER_MAX_HZ;
	return (uint32_t)lround(hz);
}

uint32_t vfc__nearest_level(const uint32_t *levels, uint32_t n, uint32_t hz)
{
	uint32_t best = 0;
	double bestd = INFINITY;

	/* A cap on the ladder (what a controller set) is its own nearest level: the first such, as below. */
	for (uint32_t k = 0; k < n; k++)
		if (levels[k] == hz)
			return k;
	for (uint32_t k = 0; k < n; k++) {
		double d = fabs(log((double)levels[k] / (double)hz));

		if (d < bestd) {
			bestd = d;
			best = k;
		}
	}
	return best;
}

/* Levels from `from` towards `to`, each step times (up) or 1/step times (down) the previous; the
 * last may pass `to` by 1e-9 relative, so that rounding does not drop the end of a range that is an
 * exact power of the step. */
static uint32_t ladder_walk(double from, double to, double step, bool up, uint32_t *levels)
{
	uint32_t n = 0;

	for (double c = from; up ? c <= to * (1 + 1e-9) : c >= to * (1 - 1e-9); c = up ? c * step : c / step) {
		if (n == VFC_CONTROLLER_MAX_LEVELS)
			return n + 1; /* one more than fits: refused */
		if (levels)
			levels[n] = vfc__hz_round(c);
		n++;
	}
	return n;
}

uint32_t vfc__ladder(const struct vfc_controller_cfg *cfg, uint32_t *levels)
{
	switch (cfg->kind) {
	case VFC_CONTROLLER_KIND_DIM:
		/* [0] = max_hz: dim starts at the top, least moderation */
		return ladder_walk(cfg->dim.max_hz, cfg->dim.min_hz, cfg->dim.step, false, levels);
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		return ladder_walk(cfg->adaptive.min_hz, cfg->adaptive.max_hz, cfg->adaptive.step, true, levels);
	case VFC_CONTROLLER_KIND_NONE:
	case VFC_CONTROLLER_KIND_STATIC:
	case VFC_CONTROLLER_KIND_PAPER:
	case VFC_CONTROLLER_KIND_DIM_KERNEL:
	case VFC_CONTROLLER_KIND_PAPER_MODEL:
	case VFC_CONTROLLER_KIND_STATIC_MODEL:
	case VFC_CONTROLLER_KIND_PF:
		break;
	}
	return 0;
}
