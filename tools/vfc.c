/* SPDX-License-Identifier: MIT */
/* vfc.c - the vfc command line: usage and dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

#ifndef VFC_VERSION
#define VFC_VERSION "0.1.0"
#endif

struct vfc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct vfc_global_opts *g);
	const char *summary;
};

static const struct vfc_cmd cmds[] = {
	{ "enc", vfc_cmd_enc, "AES-128-CBC encrypt/decrypt, like openssl enc -aes-128-cbc -K -iv" },
	{ "dgst", vfc_cmd_dgst, "SHA-256 of files, printed like sha256sum" },
	{ "rsa", vfc_cmd_rsa, "RSA sign/verify (PKCS#1 v1.5 or PSS) and OAEP encrypt/decrypt" },
	{ "bench", vfc_cmd_bench, "throughput and interrupt rate under an interrupt-moderation controller" },
	{ "model", vfc_cmd_model,
	  "the paper's speed model: fit t0/t1, optimum block size and interrupt cap" },
	{ "sim", vfc_cmd_sim, "discrete-event simulation of an SR-IOV crypto device at fleet scale" },
	{ "ctl", vfc_cmd_ctl, "administer a vfcd daemon: list VFs, show, set policy, reset" },
};

static void usage(FILE *f)
{
	size_t k;

	fprintf(f,
		"Usage: vfc [--help|--version] [DEVICE OPTIONS] COMMAND [OPTIONS]\n\n"
		"vfcrypt's command line: crypto through a virtual function of the (software) accelerator.\n\n"
		"Commands:\n");
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		fprintf(f, "  %-8s %s\n", cmds[k].name, cmds[k].summary);
	fprintf(f,
		"\n%s\n"
		"Run 'vfc COMMAND --help' for a command's options and examples.\n",
		vfc_global_help);
}

int main(int argc, char **argv)
{
	struct vfc_global_opts g;
	size_t k;
	int i, r;

	memset(&g, 0, sizeof(g));
	vfc_vf_opts_init(&g.vf);
	/* Device options may come before the command too: `vfc --vfs 8 enc ...`. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return VFC_EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("vfc (vfcrypt) %s\n", VFC_VERSION);
			return VFC_EXIT_OK;
		}
		r = vfc_global_opt("", argc, argv, &i, &g);
		if (r < 0)
			return VFC_EXIT_USAGE;
		if (r == 0)
			break;
	}
	if (i >= argc) {
		usage(stderr);
		return VFC_EXIT_USAGE;
	}
	if (argv[i][0] == '-') {
		fprintf(stderr, "vfc: unknown option '%s' (see vfc --help)\n", argv[i]);
		return VFC_EXIT_USAGE;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(argv[i], cmds[k].name))
			return cmds[k].fn(argc - i, argv + i, &g);
	fprintf(stderr, "vfc: unknown command '%s' (see vfc --help)\n", argv[i]);
	return VFC_EXIT_USAGE;
}
