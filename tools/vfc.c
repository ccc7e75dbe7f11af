/* SPDX-License-Identifier: MIT */
/* vfc.c - the vfc command line: global options and dispatch to the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

#ifndef VFC_VERSION
#define VFC_VERSION "0.1.0"
#endif

const char vfc_global_help[] =
	"Device options (every command that uses the device):\n"
	"  --device SPEC        device to open: 'embedded' (default: an in-process device)\n"
	"                       or 'unix:PATH' (a vfcd daemon listening on PATH)\n"
	"  --vfs N              virtual functions of the embedded device, 1..64 (default 4)\n"
	"  --engines N          engine threads of the embedded device, 1..16 (default 1)\n"
	"  --engine-spin US     an idle engine of the embedded device polls its rings this\n"
	"                       long before it sleeps, 0..10000 (default 100)\n"
	"  --irq-mode MODE      completion: interrupt (default), poll, or hybrid[:SPIN_US]\n"
	"                       (spin SPIN_US microseconds, default 50, then block)\n"
	"  Values may also be given as --opt=VALUE.\n";

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

/* "vfc CMD: " or, before a command, "vfc: ". */
static void gerr(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gerr(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vfc%s%s: ", *cmd ? " " : "", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_irq_mode(const char *s, struct vfc_vf_opts *vf)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long spin;

	if (n == 9 && !strncmp(s, "interrupt", n) && !colon)
		vf->irq_mode = VFC_IRQ_INTERRUPT;
	else if (n == 4 && !strncmp(s, "poll", n) && !colon)
		vf->irq_mode = VFC_IRQ_POLL;
	else if (n == 6 && !strncmp(s, "hybrid", n)) {
		vf->irq_mode = VFC_IRQ_HYBRID;
		if (colon) {
			if (parse_uint(colon + 1, 0, 10000000, &spin) < 0)
				return -1;
			vf->spin_us = (unsigned)spin;
		}
	} else {
		return -1;
	}
	return 0;
}

/*
 * On return 1, *i indexes the last argument consumed (the option, or its separate value), so
 * callers loop with `for (i = 1; i < argc; i++)` and `continue` after a 1.
 */
int vfc_global_opt(const char *cmd, int argc, char **argv, int *i, struct vfc_global_opts *g)
{
	static const char *const names[] = { "--device", "--vfs", "--engines", "--irq-mode", "--engine-spin" };
	const char *arg = argv[*i], *val = NULL, *eq;
	size_t k, n;
	unsigned long v;

	if (strncmp(arg, "--", 2))
		return 0;
	eq = strchr(arg, '=');
	n = eq ? (size_t)(eq - arg) : strlen(arg);
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k]) == n && !strncmp(arg, names[k], n))
			break;
	if (k == sizeof(names) / sizeof(names[0]))
		return 0;
	if (eq) {
		val = eq + 1;
	} else if (*i + 1 < argc) {
		val = argv[++*i];
	} else {
		gerr(cmd, "%s: missing value (see vfc%s%s --help)", names[k], *cmd ? " " : "", cmd);
		return -1;
	}
	switch (k) {
	case 0:
		g->device = val;
		break;
	case 1:
		if (parse_uint(val, 1, VFC_MAX_VFS, &v) < 0) {
			gerr(cmd, "--vfs: expected a number from 1 to %d, got '%s'", VFC_MAX_VFS, val);
			return -1;
		}
		g->vf.n_vfs = (unsigned)v;
		break;
	case 2:
		if (parse_uint(val, 1, VFC_MAX_ENGINES, &v) < 0) {
			gerr(cmd, "--engines: expected a number from 1 to %d, got '%s'", VFC_MAX_ENGINES,
			     val);
			return -1;
		}
		g->vf.n_engines = (unsigned)v;
		break;
	case 4:
		if (parse_uint(val, 0, VFC_ENGINE_SPIN_MAX_US, &v) < 0) {
			gerr(cmd, "--engine-spin: expected microseconds from 0 to %d, got '%s'",
			     VFC_ENGINE_SPIN_MAX_US, val);
			return -1;
		}
		g->vf.engine_spin_us = (unsigned)v;
		break;
	default:
		if (parse_irq_mode(val, &g->vf) < 0) {
			gerr(cmd, "--irq-mode: expected interrupt, poll or hybrid[:SPIN_US], got '%s'", val);
			return -1;
		}
		break;
	}
	return 1;
}

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
