/* SPDX-License-Identifier: MIT */
/* vfc_sim.c - `vfc sim`: run a simulator scenario (src/sim), the static-cap oracle, and `vfc sim calibrate`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/coord.h"
#include "os/clock.h"
#include "cmds.h"
#include "sim/sim.h"
#include "sim_sweep.h"
#include "util.h"

#define SIM_MAX_CAPS 64
#define SIM_MAX_WIN 256

static const char sim_help[] =
	"usage: vfc sim SCENARIO.json [--json] [--csv FILE] [--oracle CAPS] [--no-timing] [--quiet]\n"
	"                             [--seed N] [--ctl SPEC] [--exact | --aggregate]\n"
	"       vfc sim sweep SCENARIO.json --seeds N --ctl LIST --out FILE [-j N] [--shard I/N]\n"
	"       vfc sim calibrate FILE.csv [--out PROFILE.json] [--json]\n"
	"       vfc sim suite --seeds N [...]   (the fleet suite: vfc sim suite --help)\n"
	"\n"
	"A deterministic discrete-event simulation of an SR-IOV crypto device: a PF with\n"
	"E engines serving VFs round robin, each VF with the moderation unit and a\n"
	"controller of vfcrypt's core, each tenant a VM with c vCPUs that pays per\n"
	"request and per interrupt. Same scenario and seed: the same output, byte for byte.\n"
	"Scenario keys, profiles and the model: docs/sim.md. A minimal scenario:\n"
	"  {\"profile\": \"dh895xcc-paper\", \"seed\": 1, \"duration_s\": 600, \"tick_ms\": 1000,\n"
	"   \"groups\": [{\"vfs\": 8, \"ctl\": \"adaptive\",\n"
	"     \"phases\": [{\"at_s\": 0, \"algo\": \"aes-128-cbc\", \"block_bytes\": 16384, \"depth\": 32},\n"
	"                {\"at_s\": 300, \"block_bytes\": 1024}]}]}\n"
	"\n"
	"  --json          one JSON object: total_mbps, irq_hz, events, wall_s, events_per_s,\n"
	"                  submitted/completed/in_flight/dropped and a vfs array (id, group, ctl,\n"
	"                  mbps, ops_per_s, irq_hz, cap_hz_final, cpu_frac, ...); with --oracle\n"
	"                  also oracle_total_mbps and oracle_windows\n"
	"  --csv FILE      one row per VF per tick: t_s,vf,group,ctl,cap_hz,mbps,irq_hz,\n"
	"                  ops_per_s,cpu_frac (cap_hz: the cap in force during the tick)\n"
	"  --oracle CAPS   replay the scenario once per static cap of the comma-separated\n"
	"                  list (0 = no cap) for every VF, keep the best cap of each phase\n"
	"                  window, report the sum (oracle_total_mbps)\n"
	"  --no-timing     print wall_s and events_per_s as 0 (byte-identical reruns)\n"
	"  --quiet         no progress line (shown only when stderr is a terminal: simulated\n"
	"                  time, events/s, request completions/s, ETA)\n"
	"  --seed N        the scenario's seed instead of its own\n"
	"  --ctl SPEC      every group under this controller instead of its own\n"
	"  --exact         one event per request (the reference; the default)\n"
	"  --aggregate     the exact model over a sample of each interval between ticks and\n"
	"                  phase changes, the rest at each VF's rates (docs/sim.md: agreement)\n"
	"\n"
	"vfc sim sweep runs a scenario over seeds x controllers as parallel processes into\n"
	"one resumable CSV or JSON-lines file (vfc sim sweep --help).\n"
	"\n"
	"vfc sim calibrate FILE.csv fits a \"local\" profile to `vfc bench --csv` rows\n"
	"(columns algo, block_bytes, depth, ctl, mbps, irq_hz, cap_hz; others ignored), then\n"
	"simulates every row and prints the relative error. --out writes the profile; use it\n"
	"with {\"profile\": \"local\", \"profile_file\": \"PROFILE.json\", ...}.\n"
	"\n"
	"Exit status: 0 ok, 1 the run failed, 2 bad usage or a bad scenario (the message\n"
	"names the key: \"groups[0].phases[1].at_s: phases out of order ...\").\n";

static int is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* --opt VALUE or --opt=VALUE. */
static const char *opt_value(const char *cmd, const char *name, int argc, char **argv, int *i)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	return vfc_tool_optval(cmd, argc, argv, i);
}

struct progress {
	double start, last;
};

static double wall(void)
{
	return (double)vfc_now_ns() / 1e9;
}

/* "vfc sim: 41.0% (1476 of 3600 s simulated), 21.3 M events/s, 310 M completions/s, ETA 12 s". */
static void progress_cb(void *arg, const struct vfc_sim_progress *pg)
{
	struct progress *p = arg;
	double now = wall(), el = now - p->start, frac = (double)pg->sim_ns / (double)pg->end_ns;

	if (now - p->last < 0.25 || el <= 0)
		return;
	p->last = now;
	fprintf(stderr, "\rvfc sim: %5.1f%% (%.0f of %.0f s simulated), %.1f M events/s, %.1f M completions/s, "
		"ETA %.0f s   ", 100.0 * frac, pg->sim_ns / 1e9, pg->end_ns / 1e9, pg->events / el / 1e6,
		pg->completed / el / 1e6, frac > 0 ? el * (1 - frac) / frac : 0);
}

static int parse_caps(const char *s, uint32_t *caps, size_t *n)
{
	char *end;

	*n = 0;
	while (*s) {
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (end == s || errno || v > 100000000ull || (*end && *end != ','))
			return -1;
		if (*n == SIM_MAX_CAPS)
			return -1;
		caps[(*n)++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	return *n ? 0 : -1;
}

static void print_text(const struct vfc_sim_scenario *sc, const struct vfc_sim_result *r, bool timing)
{
	printf("profile %s, %u VFs in %u group(s), %u engines, %.0f s simulated (seed %llu)\n", sc->prof.name,
	       sc->nvfs, sc->ngroups, sc->engines, sc->duration_ns / 1e9, (unsigned long long)sc->seed);
	printf("total %.1f MB/s, %.0f ops/s, %.0f irq/s\n", r->total_mbps, r->total_ops, r->irq_hz);
	if (timing)
		printf("%llu events in %.2f s wall: %.1f M events/s\n", (unsigned long long)r->events, r->wall_s,
		       r->wall_s > 0 ? r->events / r->wall_s / 1e6 : 0);
	else
		printf("%llu events\n", (unsigned long long)r->events);
	printf("\n%-6s %-6s %-20s %12s %12s %12s %10s\n", "group", "vfs", "ctl", "MB/s/VF", "irq/s/VF",
	       "cap_final", "cpu%");
	for (uint32_t g = 0, first = 0; g < sc->ngroups; first += sc->groups[g].vfs, g++) {
		double mb = 0, irq = 0, cpu = 0, dur = sc->duration_ns / 1e9;
		uint32_t cmin = UINT32_MAX, cmax = 0;
		char caps[48];

		for (uint32_t k = first; k < first + sc->groups[g].vfs; k++) {
			mb += r->vfs[k].bytes / dur / 1e6;
			irq += r->vfs[k].irqs / dur;
			cpu += r->vfs[k].cpu_ns / 1e9 / dur;
			cmin = r->vfs[k].cap_hz_final < cmin ? r->vfs[k].cap_hz_final : cmin;
			cmax = r->vfs[k].cap_hz_final > cmax ? r->vfs[k].cap_hz_final : cmax;
		}
		if (cmin == cmax)
			snprintf(caps, sizeof(caps), "%u", cmin);
		else
			snprintf(caps, sizeof(caps), "%u..%u", cmin, cmax);
		printf("%-6u %-6u %-20.20s %12.1f %12.0f %12s %9.1f%%\n", g, sc->groups[g].vfs, sc->groups[g].ctl_spec,
		       mb / sc->groups[g].vfs, irq / sc->groups[g].vfs, caps, 100 * cpu / sc->groups[g].vfs);
	}
	if (r->pf.members)
		printf("\npf coordinator: %u members, %llu ticks stepped, %llu escapes, common cap %u Hz at the end\n",
		       r->pf.members, (unsigned long long)r->pf.ticks, (unsigned long long)r->pf.escapes, r->pf.cap_hz);
}

/* The fitted profile and its fit's summary as JSON, to out (NULL: stdout). Returns the exit status. */
static int write_profile(const struct vfc_sim_profile *p, const char *csv, double maxerr, const char *out)
{
	const char *cmd = "sim calibrate";
	json_t *j = vfc_sim_profile_json(p);
	struct vfc_out o = { 0 };
	char *s;
	int rc;

	json_object_set_new(j, "fit", json_pack("{s:s, s:f}", "csv", csv, "max_err_pct", maxerr));
	s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(8));
	json_decref(j);
	if (!s) {
		vfc_tool_err(cmd, "out of memory");
		return VFC_EXIT_FAIL;
	}
	rc = vfc_out_open(&o, out);
	if (!rc)
		rc = vfc_out_write(&o, s, strlen(s));
	if (!rc)
		rc = vfc_out_write(&o, "\n", 1);
	if (!rc)
		rc = vfc_out_commit(&o);
	else
		vfc_out_abort(&o);
	free(s);
	if (rc) {
		vfc_tool_err(cmd, "%s: %s", out ? out : "stdout", strerror(-rc));
		return VFC_EXIT_FAIL;
	}
	return VFC_EXIT_OK;
}

static int cmd_calibrate(int argc, char **argv)
{
	const char *cmd = "sim calibrate", *csv = NULL, *out = NULL;
	struct vfc_sim_profile p;
	double maxerr = 0;
	bool json = false;
	char err[512];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if (is_help(argv[i])) {
			fputs(sim_help, stdout);
			return VFC_EXIT_OK;
		}
		if ((v = opt_value(cmd, "--out", argc, argv, &i))) {
			out = v;
		} else if (!strncmp(argv[i], "--out", 5) && (!argv[i][5] || argv[i][5] == '=')) {
			return VFC_EXIT_USAGE; /* missing value: reported */
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return vfc_tool_unknown_opt(cmd, argv[i]);
		} else if (csv) {
			vfc_tool_err(cmd, "one CSV file only, got '%s' and '%s'", csv, argv[i]);
			return VFC_EXIT_USAGE;
		} else {
			csv = argv[i];
		}
	}
	if (!csv) {
		vfc_tool_err(cmd, "missing FILE.csv (see vfc sim --help)");
		return VFC_EXIT_USAGE;
	}
	rc = vfc_sim_calibrate(csv, &p, json ? NULL : stdout, &maxerr, err, sizeof(err));
	if (rc < 0) {
		vfc_tool_err(cmd, "%s", err);
		return VFC_EXIT_USAGE;
	}
	if (out || json)
		return write_profile(&p, csv, maxerr, out);
	return VFC_EXIT_OK;
}

struct sim_args {
	const char *path, *csv, *ctl, *seed;
	bool json, timing, quiet;
	int mode; /* 0: the scenario's, 1: --exact, 2: --aggregate */
	uint32_t caps[SIM_MAX_CAPS];
	size_t ncaps;
};

/* The command line into a: -1 to go on, or the exit status (help printed, or a usage error reported). */
static int parse_args(int argc, char **argv, struct sim_args *a)
{
	const char *cmd = "sim";

	for (int i = 1; i < argc; i++) {
		const char *v;

		if (is_help(argv[i])) {
			fputs(sim_help, stdout);
			return VFC_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (!strcmp(argv[i], "--no-timing")) {
			a->timing = false;
		} else if (!strcmp(argv[i], "--quiet")) {
			a->quiet = true;
		} else if (!strcmp(argv[i], "--exact") || !strcmp(argv[i], "--aggregate")) {
			a->mode = argv[i][2] == 'e' ? 1 : 2;
		} else if (!strcmp(argv[i], "--seed") || !strncmp(argv[i], "--seed=", 7)) {
			if (!(a->seed = opt_value(cmd, "--seed", argc, argv, &i)))
				return VFC_EXIT_USAGE;
		} else if (!strcmp(argv[i], "--ctl") || !strncmp(argv[i], "--ctl=", 6)) {
			if (!(a->ctl = opt_value(cmd, "--ctl", argc, argv, &i)))
				return VFC_EXIT_USAGE;
		} else if (!strncmp(argv[i], "--csv", 5) && (!argv[i][5] || argv[i][5] == '=')) {
			if (!(v = opt_value(cmd, "--csv", argc, argv, &i)))
				return VFC_EXIT_USAGE;
			a->csv = v;
		} else if (!strncmp(argv[i], "--oracle", 8) && (!argv[i][8] || argv[i][8] == '=')) {
			if (!(v = opt_value(cmd, "--oracle", argc, argv, &i)))
				return VFC_EXIT_USAGE;
			if (parse_caps(v, a->caps, &a->ncaps) < 0) {
				vfc_tool_err(cmd, "--oracle: expected a comma-separated list of 1 to %d caps in Hz "
					     "(0 .. 100000000, 0 = no cap), got '%s'", SIM_MAX_CAPS, v);
				return VFC_EXIT_USAGE;
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return vfc_tool_unknown_opt(cmd, argv[i]);
		} else if (a->path) {
			vfc_tool_err(cmd, "one scenario only, got '%s' and '%s'", a->path, argv[i]);
			return VFC_EXIT_USAGE;
		} else {
			a->path = argv[i];
		}
	}
	if (!a->path) {
		vfc_tool_err(cmd, "missing SCENARIO.json (see vfc sim --help)");
		return VFC_EXIT_USAGE;
	}
	return -1;
}

/*
 * Run the scenario, the per-tick CSV to a->csv, a progress line on a
 * terminal. -1 when it failed (reported, res empty), else the status so far
 * (VFC_EXIT_FAIL if the CSV could not be committed).
 */
static int run(const struct sim_args *a, const struct vfc_sim_scenario *sc, struct vfc_sim_result *res)
{
	const char *cmd = "sim";
	struct vfc_sim_opts opts = { 0 };
	struct vfc_out co = { 0 };
	struct progress pr;
	int rc;

	if (a->csv) {
		rc = vfc_out_open(&co, a->csv);
		if (rc < 0) {
			vfc_tool_err(cmd, "--csv %s: %s", a->csv, strerror(-rc));
			return -1;
		}
		fputs("t_s,vf,group,ctl,cap_hz,mbps,irq_hz,ops_per_s,cpu_frac\n", co.f);
		opts.csv = co.f;
	}
	if (!a->quiet && isatty(STDERR_FILENO)) {
		pr.start = pr.last = wall();
		opts.progress_cb = progress_cb;
		opts.progress_arg = &pr;
	}
	rc = vfc_sim_run(sc, &opts, res);
	if (opts.progress_cb)
		fprintf(stderr, "\r%72s\r", "");
	if (rc == -E2BIG) {
		vfc_tool_err(cmd, "more VFs in pf mode than the PF's coordinator holds (%d)", VFC_COORD_MAX_VFS);
		vfc_out_abort(&co);
		return -1;
	}
	if (rc < 0) {
		vfc_tool_err(cmd, "vfc_sim_run: %s", strerror(-rc));
		vfc_out_abort(&co);
		return -1;
	}
	if (a->csv && (rc = vfc_out_commit(&co)) < 0) {
		vfc_tool_err(cmd, "--csv %s: %s", a->csv, strerror(-rc));
		return VFC_EXIT_FAIL;
	}
	return VFC_EXIT_OK;
}

/* --seed, --ctl, --exact/--aggregate over the scenario's own. -1 after an error (reported). */
static int apply_overrides(const struct sim_args *a, struct vfc_sim_scenario *sc)
{
	if (a->seed) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(a->seed, &end, 10);
		if (!*a->seed || *end || errno || a->seed[0] == '-' || v > (1ull << 53)) {
			vfc_tool_err("sim", "--seed: expected an integer from 0 to 2^53, got '%s'", a->seed);
			return -1;
		}
		sc->seed = v;
	}
	for (uint32_t g = 0; a->ctl && g < sc->ngroups; g++) {
		char err[256];

		if (vfc_controller_parse(a->ctl, &sc->groups[g].ctl, err, sizeof(err)) < 0) {
			vfc_tool_err("sim", "--ctl: %s", err);
			return -1;
		}
		snprintf(sc->groups[g].ctl_spec, sizeof(sc->groups[g].ctl_spec), "%s", a->ctl);
	}
	if (a->mode)
		sc->aggregate = a->mode == 2;
	return 0;
}

/* The oracle's answer (ncaps 0: none asked, or it failed). */
struct oracle {
	size_t ncaps;
	double mbps;
	uint32_t best[SIM_MAX_WIN], nwin;
};

static void print_json(const struct vfc_sim_scenario *sc, const struct vfc_sim_result *res, bool timing,
		       const struct oracle *o, int *status)
{
	json_t *j = vfc_sim_result_json(sc, res, timing);
	char *s;

	if (o->ncaps) {
		json_t *w = json_array();

		for (uint32_t k = 0; k < o->nwin && k < SIM_MAX_WIN && k < res->nwin; k++)
			json_array_append_new(w, json_pack("{s:f, s:i}", "at_s", res->win_start_ns[k] / 1e9,
							   "best_cap_hz", (json_int_t)o->best[k]));
		json_object_set_new(j, "oracle_total_mbps", json_real(round(o->mbps * 1e3) / 1e3));
		json_object_set_new(j, "oracle_windows", w);
	}
	s = j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(j);
	if (!s) {
		vfc_tool_err("sim", "out of memory");
		*status = VFC_EXIT_FAIL;
	} else {
		puts(s);
		free(s);
	}
}

static void print_oracle_text(const struct vfc_sim_result *res, const struct oracle *o)
{
	printf("\noracle (best static cap per phase window): %.1f MB/s (%.1f%% of it achieved)\n", o->mbps,
	       o->mbps > 0 ? 100 * res->total_mbps / o->mbps : 0);
	for (uint32_t k = 0; k < o->nwin && k < SIM_MAX_WIN && k < res->nwin; k++)
		printf("  from %8.1f s: best cap %u Hz\n", res->win_start_ns[k] / 1e9, o->best[k]);
}

int vfc_cmd_sim(int argc, char **argv, struct vfc_global_opts *g)
{
	const char *cmd = "sim";
	struct sim_args a = { .timing = true };
	struct vfc_sim_scenario sc;
	struct vfc_sim_result res;
	struct oracle o = { 0 };
	char err[1024];
	int rc, status;

	(void)g;
	if (argc > 1 && !strcmp(argv[1], "calibrate"))
		return cmd_calibrate(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "sweep"))
		return vfc_sim_sweep(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "suite"))
		return vfc_cmd_sim_suite(argc - 1, argv + 1);
	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (vfc_sim_scenario_load(a.path, &sc, err, sizeof(err)) < 0) {
		vfc_tool_err(cmd, "%s", err);
		return VFC_EXIT_USAGE;
	}
	if (apply_overrides(&a, &sc) < 0) {
		vfc_sim_scenario_fini(&sc);
		return VFC_EXIT_USAGE;
	}
	status = run(&a, &sc, &res);
	if (status < 0) {
		vfc_sim_scenario_fini(&sc);
		return VFC_EXIT_FAIL;
	}
	if (a.ncaps) {
		rc = vfc_sim_oracle(&sc, a.caps, a.ncaps, &o.mbps, o.best, SIM_MAX_WIN, &o.nwin);
		if (rc < 0) {
			vfc_tool_err(cmd, "oracle: %s", strerror(-rc));
			status = VFC_EXIT_FAIL;
		} else {
			o.ncaps = a.ncaps;
		}
	}
	if (a.json) {
		print_json(&sc, &res, a.timing, &o, &status);
	} else {
		print_text(&sc, &res, a.timing);
		if (o.ncaps)
			print_oracle_text(&res, &o);
	}
	vfc_sim_result_fini(&res);
	vfc_sim_scenario_fini(&sc);
	return status;
}
