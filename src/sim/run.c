/* SPDX-License-Identifier: MIT */
/* run.c - vfc_sim_run: the scenario's mode, exact (sim.c) or aggregated (agg.c). */
#include "sim/sim_internal.h"

#include <stdlib.h>

int vfc_sim_run(const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts, struct vfc_sim_result *res)
{
	static const struct vfc_sim_opts no_opts;

	if (!opts)
		opts = &no_opts;
	if (sc->aggregate && getenv("VFC_SIM_OLDAGG"))
		return vfc__sim_agg_run(sc, opts, res);
	return vfc__sim_exact_run(sc, opts, res);
}
