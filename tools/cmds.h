/* SPDX-License-Identifier: MIT */
/* cmds.h - the vfc subcommands and the options every one of them shares. */
#ifndef VFC_TOOLS_CMDS_H
#define VFC_TOOLS_CMDS_H

#include "vfcrypt/vfc.h"

/* Options accepted by every subcommand that touches a VF (parsed by vfc.c's
 * vfc_global_opt() helper, which each subcommand calls on options it does not
 * know itself). */
struct vfc_global_opts {
	const char *device;        /* --device SPEC (default: embedded) */
	struct vfc_vf_opts vf;     /* --vfs N, --engines N, --irq-mode MODE[:SPIN_US] */
};

/* If argv[*i] is a global option, consume it (and its value), advance *i and
 * return 1; return 0 if it is not one; return -1 after printing an error
 * ("vfc enc: --vfs: expected a number from 1 to 64, got 'x'") on a bad value.
 * After a 1, *i indexes the last argument consumed (the option or its separate
 * value): loop with `for (i = 1; i < argc; i++)` and `continue`. Accepts both
 * `--opt value` and `--opt=value`. */
int vfc_global_opt(const char *cmd, int argc, char **argv, int *i, struct vfc_global_opts *g);
/* --engine-kind's words: "openssl", "mb", "auto". parse: 0, or -1 for another word. */
int vfc_engine_kind_parse(const char *s, enum vfc_engine_kind *out);
const char *vfc_engine_kind_name(enum vfc_engine_kind k);
/* Help text lines for the global options, for each subcommand's --help. */
extern const char vfc_global_help[];

/* Each subcommand: argv[0] is the subcommand's name; returns the exit status. */
int vfc_cmd_enc(int argc, char **argv, struct vfc_global_opts *g);
int vfc_cmd_dgst(int argc, char **argv, struct vfc_global_opts *g);
int vfc_cmd_rsa(int argc, char **argv, struct vfc_global_opts *g);
int vfc_cmd_bench(int argc, char **argv, struct vfc_global_opts *g);
int vfc_cmd_model(int argc, char **argv, struct vfc_global_opts *g);
int vfc_cmd_sim(int argc, char **argv, struct vfc_global_opts *g);
int vfc_cmd_sim_suite(int argc, char **argv); /* `vfc sim suite`, dispatched by vfc_cmd_sim */
int vfc_cmd_ctl(int argc, char **argv, struct vfc_global_opts *g);

#endif
