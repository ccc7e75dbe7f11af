/* SPDX-License-Identifier: MIT */
/* global_opts.c - the device options every vfc subcommand takes (--device, --vfs, --irq, ...). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

const char vfc_global_help[] =
	"Device options (every command that uses the device):\n"
	"  --device SPEC        device to open: 'embedded' (default: an in-process device)\n"
	"                       or 'unix:PATH' (a vfcd daemon listening on PATH)\n"
	"  --vfs N              virtual functions of the embedded device, 1..64 (default 4)\n"
	"  --engines N          engine threads of the embedded device, 1..16 (default 1)\n"
	"  --engine-spin US     an idle engine of the embedded device polls its rings this\n"
	"                       long before it sleeps, 0..10000 (default 100)\n"
	"  --engine-kind KIND   how the embedded device computes: openssl (default, the\n"
	"                       reference), mb (intel-ipsec-mb lanes) or auto (mb where\n"
	"                       built in and the CPU can, else openssl)\n"
	"  --mb-budget US       mb: longest wait of a job for its lanes to fill, 1..10000\n"
	"                       (default 50)\n"
	"  --irq-mode MODE      completion: interrupt (default), poll, or hybrid[:SPIN_US]\n"
	"                       (spin SPIN_US microseconds, default 50, then block)\n"
	"  Values may also be given as --opt=VALUE.\n";

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

static const char *const engine_kinds[] = {
	[VFC_ENGINE_OPENSSL] = "openssl",
	[VFC_ENGINE_MB] = "mb",
	[VFC_ENGINE_AUTO] = "auto",
};

int vfc_engine_kind_parse(const char *s, enum vfc_engine_kind *out)
{
	for (unsigned k = 0; k < sizeof(engine_kinds) / sizeof(engine_kinds[0]); k++)
		if (!strcmp(s, engine_kinds[k])) {
			*out = (enum vfc_engine_kind)k;
			return 0;
		}
	return -1;
}

const char *vfc_engine_kind_name(enum vfc_engine_kind k)
{
	return (unsigned)k < sizeof(engine_kinds) / sizeof(engine_kinds[0]) ? engine_kinds[k] : "openssl";
}

/*
 * On return 1, *i indexes the last argument consumed (the option, or its separate value), so
 * callers loop with `for (i = 1; i < argc; i++)` and `continue` after a 1.
 */
int vfc_global_opt(const char *cmd, int argc, char **argv, int *i, struct vfc_global_opts *g)
{
	static const char *const names[] = { "--device", "--vfs", "--engines", "--irq-mode", "--engine-spin",
					      "--engine-kind", "--mb-budget" };
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
	case 5:
		if (vfc_engine_kind_parse(val, &g->vf.engine_kind) < 0) {
			gerr(cmd, "--engine-kind: expected openssl, mb or auto, got '%s'", val);
			return -1;
		}
		break;
	case 6:
		if (parse_uint(val, 1, 10000, &v) < 0) {
			gerr(cmd, "--mb-budget: expected microseconds from 1 to 10000, got '%s'", val);
			return -1;
		}
		g->vf.mb_budget_us = (unsigned)v;
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
