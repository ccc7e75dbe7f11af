/* SPDX-License-Identifier: MIT */
/* vfc_sim.c - `vfc sim` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmds.h"

int vfc_cmd_sim(int argc, char **argv, struct vfc_global_opts *g)
{
	(void)argc;
	(void)argv;
	(void)g;
	fprintf(stderr, "vfc sim: not yet implemented\n");
	return 2;
}
