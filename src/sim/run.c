/* SPDX-License-Identifier: MIT */
/* run.c - vfc_sim_run: a run of the scenario, exact or aggregated (sim.c, sample.c). */
#include "sim/sim_internal.h"

int vfc_sim_run(const struct vfc_sim_scenario *sc, const struct vfc_sim_opts *opts, struct vfc_sim_result *res)
{
	static const struct vfc_sim_opts no_opts;

	return vfc__sim_model_run(sc, opts ? opts : &no_opts, res);
}
