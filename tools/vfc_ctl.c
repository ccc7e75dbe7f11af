/* SPDX-License-Identifier: MIT */
/* vfc_ctl.c - `vfc ctl` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmds.h"

int vfc_cmd_ctl(int argc, char **argv, struct vfc_global_opts *g)
{
	(void)argc;
	(void)argv;
	(void)g;
	fprintf(stderr, "vfc ctl: not yet implemented\n");
	return 2;
}
