/* SPDX-License-Identifier: MIT */
/* sim_sweep.h - `vfc sim sweep`: one scenario over seeds x controllers, in parallel, resumable, shardable. */
#ifndef VFC_TOOLS_SIM_SWEEP_H
#define VFC_TOOLS_SIM_SWEEP_H

extern const char vfc_sim_sweep_help[];
/* argv[0] is "sweep". Returns the exit status. */
int vfc_sim_sweep(int argc, char **argv);

#endif
