/* SPDX-License-Identifier: MIT */
/* sim_suite.c - `vfc sim suite`: the fleet suite of src/sim/suite.c on the command line, text, JSON or CSV. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds.h"
#include "sim/suite.h"
#include "sim_runner.h"
#include "util.h"

static const char suite_help[] =
	"usage: vfc sim suite --seeds N [--vfs MIN-MAX] [--engines MIN-MAX] [--ctl LIST] [--seed0 S]\n"
	"                     [--duration S] [--tick-ms MS] [--oracle CAPS] [--aggregate] [-j N]\n"
	"                     [--oracle-mode sampled|exact] [--oracle-tick-ms MS] [--settle-ticks N]\n"
	"                     [--noise N] [--draws K] [--oracle-draws K] [--json | --csv FILE]\n"
	"\n"
	"The fleet suite: N seeded random scenarios (seeds S, S+1, ...), each 1 to 4 groups of\n"
	"VFs whose workloads (algorithm, 1-64 KiB, depth 2-64) shift in 1 to 3 phases at random\n"
	"times, on the dh895xcc-paper profile. Every controller of LIST runs on each, and is\n"
	"scored against the per-phase oracle (per phase window, the best of the static caps of\n"
	"--oracle applied to every VF). Reports per controller the mean, min and worst seed of\n"
	"its ratio to the oracle, and the seeds more than 2% below dim. Each change is scored\n"
	"again from its settle point on (the 4th tick after it, to the next change or the\n"
	"end) against the best static cap there: the mean and min over those windows, and how\n"
	"many fall below 0.95.\n"
	"\n"
	"  --seeds N         scenarios to run (1 .. 100000)\n"
	"  --vfs MIN-MAX     VFs per scenario (default 8-32)\n"
	"  --engines MIN-MAX engines per scenario (default 2-8)\n"
	"  --ctl LIST        comma-separated controller specs (default none,paper,dim,adaptive);\n"
	"                    pf[:SPEC]: every VF in pf mode, one coordinator per scenario (its PF)\n"
	"  --seed0 S         the first seed (default: random, printed; give it to reproduce)\n"
	"  --duration S      simulated seconds per scenario (default 120)\n"
	"  --tick-ms MS      the controllers' tick (default 1000)\n"
	"  --oracle CAPS     the oracle's static caps, comma-separated, 0 = no cap\n"
	"                    (default 0,250,500,1000,...,100000: 17 caps)\n"
	"  --aggregate       run every scenario in the aggregated mode (vfc sim --aggregate:\n"
	"                    sampled, about 10x faster; agreement in docs/sim.md)\n"
	"  --oracle-mode M   sampled (default): the static caps run in the aggregated\n"
	"                    mode whatever the controllers run in; exact: in theirs\n"
	"  --oracle-tick-ms MS the static caps' tick (0: --tick-ms); a static cap never\n"
	"                    changes, so only a sampled run's samples per run depend on it\n"
	"  --settle-ticks N  the settle point: N ticks after a change (default 4, so scored\n"
	"                    from the 5th tick on; 0: changes are not scored apart)\n"
	"  --noise N         draw the runs' noise (service times, wake-ups, the sampled mode's\n"
	"                    counts) from each seed salted with N (default 0: from the seed):\n"
	"                    the same scenarios and windows, other draws. Two runs that differ\n"
	"                    only in N are an A/A: how far a seed moves by chance\n"
	"  --draws K         run every controller on K draws of the noise (N, N+1, ...) and\n"
	"                    score the mean of each seed's figures (ratio, settled windows);\n"
	"                    the oracle runs on the first (default 1; --oracle-draws: more).\n"
	"                    Costs K x the controllers' runs; an A/B judged on the means\n"
	"                    moves less by chance\n"
	"  --oracle-draws K  run the oracle's static caps on K draws (N, N+1, ...) and take\n"
	"                    the best of each cap's mean per window (default 1): the best of\n"
	"                    one draw is biased up by its luck. Costs K x the oracle's runs\n"
	"  -j N              seeds run at once, each in a child process (default: every\n"
	"                    online CPU); the results do not depend on N\n"
	"  --scenario SEED   print that seed's scenario (for `vfc sim`) and exit; the\n"
	"                    ranges, --duration and --tick-ms must be the suite's\n"
	"  --json            one JSON object: cfg, seeds[...] and summary\n"
	"  --csv FILE        one row per seed per controller\n";

static int range_parse(const char *s, uint32_t lo, uint32_t hi, uint32_t *a, uint32_t *b)
{
	char *end;
	unsigned long x, y;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (end == s || errno)
		return -1;
	y = x;
	if (*end == '-') {
		const char *t = end + 1;

		y = strtoul(t, &end, 10);
		if (end == t || errno)
			return -1;
	}
	if (*end || x < lo || y > hi || x > y)
		return -1;
	*a = (uint32_t)x;
	*b = (uint32_t)y;
	return 0;
}

static int caps_parse(const char *s, struct vfc_sim_suite_cfg *cfg)
{
	char *end;

	cfg->ncaps = 0;
	while (*s) {
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (end == s || errno || v > 100000000ull || (*end && *end != ',') ||
		    cfg->ncaps == VFC_SIM_SUITE_MAX_CAPS)
			return -1;
		cfg->caps[cfg->ncaps++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	return cfg->ncaps ? 0 : -1;
}

struct args {
	struct vfc_sim_suite_cfg cfg;
	bool have_seed0, json, dump;
	uint64_t scenario; /* --scenario SEED */
	unsigned jobs;     /* -j: seeds at once (0: every online CPU) */
	const char *csv;
};

static int bad(const char *opt, const char *want, const char *got)
{
	vfc_tool_err("sim suite", "%s: expected %s, got '%s'", opt, want, got);
	return VFC_EXIT_USAGE;
}

/* A whole number (C's bases) up to max into *x: 0, or -1. */
static int u64_parse(const char *v, uint64_t max, uint64_t *x)
{
	char *end;

	errno = 0;
	*x = strtoull(v, &end, 0);
	return end == v || *end || errno || *x > max ? -1 : 0;
}

/* One option with a value; -1 to go on, else an exit status. */
static int parse_opt(const char *o, const char *v, struct args *a)
{
	struct vfc_sim_suite_cfg *c = &a->cfg;
	char err[256], *end;
	uint32_t x, y;

	if (!strcmp(o, "--seeds")) {
		if (range_parse(v, 1, 100000, &x, &y) || x != y)
			return bad(o, "a number from 1 to 100000", v);
		c->nseeds = x;
	} else if (!strcmp(o, "--vfs")) {
		if (range_parse(v, 1, 100000, &c->vfs_min, &c->vfs_max))
			return bad(o, "MIN-MAX VFs (1 .. 100000)", v);
	} else if (!strcmp(o, "--engines")) {
		if (range_parse(v, 1, 4096, &c->eng_min, &c->eng_max))
			return bad(o, "MIN-MAX engines (1 .. 4096)", v);
	} else if (!strcmp(o, "--ctl")) {
		if (vfc_sim_suite_set_ctls(c, v, err, sizeof(err)) < 0) {
			vfc_tool_err("sim suite", "--ctl: %s", err);
			return VFC_EXIT_USAGE;
		}
	} else if (!strcmp(o, "--seed0")) {
		if (u64_parse(v, UINT64_MAX, &c->seed0))
			return bad(o, "a number", v);
		a->have_seed0 = true;
	} else if (!strcmp(o, "--duration")) {
		c->duration_s = strtod(v, &end);
		if (end == v || *end || !(c->duration_s >= 1 && c->duration_s <= 1e6))
			return bad(o, "seconds from 1 to 1000000", v);
	} else if (!strcmp(o, "--tick-ms")) {
		if (range_parse(v, 1, 3600000, &x, &y) || x != y)
			return bad(o, "milliseconds from 1 to 3600000", v);
		c->tick_ms = x;
	} else if (!strcmp(o, "--oracle")) {
		if (caps_parse(v, c) < 0)
			return bad(o, "a comma-separated list of 1 to 64 caps in Hz (0 = no cap)", v);
	} else if (!strcmp(o, "--oracle-mode")) {
		if (strcmp(v, "sampled") && strcmp(v, "exact"))
			return bad(o, "sampled or exact", v);
		c->oracle_mode = strcmp(v, "exact") ? VFC_SIM_SUITE_ORACLE_SAMPLED : VFC_SIM_SUITE_ORACLE_EXACT;
	} else if (!strcmp(o, "--oracle-tick-ms")) {
		if (range_parse(v, 0, 3600000, &x, &y) || x != y)
			return bad(o, "milliseconds from 0 to 3600000", v);
		c->oracle_tick_ms = x;
	} else if (!strcmp(o, "--settle-ticks")) {
		if (range_parse(v, 0, 1000, &x, &y) || x != y)
			return bad(o, "ticks from 0 to 1000", v);
		c->settle_ticks = x;
	} else if (!strcmp(o, "--noise")) {
		if (u64_parse(v, 1ull << 53, &c->noise) || v[0] == '-')
			return bad(o, "a number from 0 to 2^53", v);
	} else if (!strcmp(o, "--draws") || !strcmp(o, "--oracle-draws")) {
		if (range_parse(v, 1, 64, &x, &y) || x != y)
			return bad(o, "a number of draws from 1 to 64", v);
		*(strcmp(o, "--draws") ? &c->oracle_draws : &c->draws) = x;
	} else if (!strcmp(o, "--scenario")) {
		if (u64_parse(v, UINT64_MAX, &a->scenario))
			return bad(o, "a seed", v);
		a->dump = true;
	} else if (!strcmp(o, "-j")) {
		if (range_parse(v, 1, 1024, &x, &y) || x != y)
			return bad(o, "a number of processes from 1 to 1024", v);
		a->jobs = x;
	} else if (!strcmp(o, "--csv")) {
		a->csv = v;
	} else {
		return vfc_tool_unknown_opt("sim suite", o);
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const char *const valued[] = { "--seeds", "--vfs", "--engines", "--ctl", "--seed0", "--duration",
					      "--tick-ms", "--oracle", "--csv", "--scenario", "-j", "--oracle-mode",
					      "--oracle-tick-ms", "--settle-ticks", "--noise", "--draws", "--oracle-draws",
					      NULL };

	for (int i = 1; i < argc; i++) {
		char name[32];
		const char *eq = strchr(argv[i], '='), *v;
		size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		int rc, k;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(suite_help, stdout);
			return VFC_EXIT_OK;
		}
		if (!strcmp(argv[i], "--json")) {
			a->json = true;
			continue;
		}
		if (!strcmp(argv[i], "--aggregate")) {
			a->cfg.aggregate = true;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(n < 31 ? n : 31), argv[i]);
		for (k = 0; valued[k] && strcmp(valued[k], name); k++)
			;
		if (!valued[k])
			return vfc_tool_unknown_opt("sim suite", argv[i]);
		v = eq ? eq + 1 : vfc_tool_optval("sim suite", argc, argv, &i);
		if (!v)
			return VFC_EXIT_USAGE;
		if ((rc = parse_opt(name, v, a)) >= 0)
			return rc;
	}
	if (!a->cfg.nseeds && !a->dump) {
		vfc_tool_err("sim suite", "missing --seeds N (see vfc sim suite --help)");
		return VFC_EXIT_USAGE;
	}
	return -1;
}

static void print_text(const struct vfc_sim_suite_cfg *c, const struct vfc_sim_suite_summary *s, uint32_t n)
{
	printf("\n%u seeds from %llu: %u-%u VFs, %u-%u engines, %.0f s at %u ms ticks, %s\n", n,
	       (unsigned long long)c->seed0, c->vfs_min, c->vfs_max, c->eng_min, c->eng_max, c->duration_s,
	       c->tick_ms, c->profile);
	if (c->noise)
		printf("noise %llu: the runs' noise drawn from each seed salted with it\n", (unsigned long long)c->noise);
	if (c->draws > 1)
		printf("each controller's figures: the mean of %u draws of the noise\n", c->draws);
	if (c->oracle_draws > 1)
		printf("the oracle: the best of each static cap's mean over %u draws of the noise\n", c->oracle_draws);
	printf("%-28s %8s %8s %12s %14s\n", "controller / oracle", "mean", "min", "worst seed", ">2% below dim");
	for (uint32_t k = 0; k < c->nctls; k++) {
		char bd[16] = "-";

		if (s->below_dim[k] >= 0)
			snprintf(bd, sizeof(bd), "%d", s->below_dim[k]);
		printf("%-28.28s %8.3f %8.3f %12llu %14s\n", c->ctl_spec[k], s->mean[k], s->min[k],
		       (unsigned long long)s->worst_seed[k], bd);
	}
	if (!s->nsettled)
		return;
	printf("\nafter a change, from %u ticks after it on (%u windows): of the best static cap there\n",
	       c->settle_ticks, s->nsettled);
	printf("%-28s %8s %8s %12s %14s\n", "controller", "mean", "min", "worst seed", "below 0.95");
	for (uint32_t k = 0; k < c->nctls; k++)
		printf("%-28.28s %8.3f %8.3f %12llu %14u\n", c->ctl_spec[k], s->settled_mean[k], s->settled_min[k],
		       (unsigned long long)s->settled_worst_seed[k], s->settled_below[k]);
}

static json_t *seed_json(const struct vfc_sim_suite_cfg *c, const struct vfc_sim_suite_seed *d)
{
	json_t *ctl = json_object(), *caps = json_object(), *best = json_array();
	char name[16];

	for (uint32_t k = 0; k < c->ncaps; k++) {
		snprintf(name, sizeof(name), "%u", c->caps[k]);
		json_object_set_new(caps, name, json_real(d->cap_mbps[k]));
	}
	for (uint32_t w = 0; w < d->nwin && w < VFC_SIM_SUITE_MAX_WIN; w++)
		json_array_append_new(best, json_integer(d->best_cap[w]));
	for (uint32_t k = 0; k < c->nctls; k++) {
		json_t *settled = json_array();

		for (uint32_t j = 0; j < d->nsettled; j++)
			json_array_append_new(settled, json_real(d->settled[k][j]));
		json_object_set_new(ctl, c->ctl_spec[k],
				    json_pack("{s:f, s:f, s:f, s:o}", "mbps", d->mbps[k], "irq_hz", d->irq_hz[k], "ratio",
					      d->ratio[k], "settled", settled));
	}
	return json_pack("{s:I, s:i, s:i, s:i, s:i, s:f, s:f, s:o, s:o, s:o}", "seed", (json_int_t)d->seed,
			 "vfs", (json_int_t)d->nvfs, "engines", (json_int_t)d->engines, "groups",
			 (json_int_t)d->ngroups, "windows", (json_int_t)d->nwin, "oracle_mbps", d->oracle_mbps,
			 "best_static_mbps", d->best_static_mbps, "window_best_cap", best, "static_mbps", caps, "ctl", ctl);
}

static void print_json(const struct vfc_sim_suite_cfg *c, const struct vfc_sim_suite_seed *d, uint32_t n,
		       const struct vfc_sim_suite_summary *s)
{
	json_t *seeds = json_array(), *sum = json_object();
	json_t *j;
	char *str;

	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(seeds, seed_json(c, &d[i]));
	for (uint32_t k = 0; k < c->nctls; k++)
		json_object_set_new(sum, c->ctl_spec[k],
				    json_pack("{s:f, s:f, s:I, s:i, s:{s:f, s:f, s:I, s:i}}", "mean", s->mean[k], "min",
					      s->min[k], "worst_seed", (json_int_t)s->worst_seed[k], "below_dim",
					      (json_int_t)s->below_dim[k], "settled", "mean", s->settled_mean[k], "min",
					      s->nsettled ? s->settled_min[k] : 0, "worst_seed",
					      (json_int_t)s->settled_worst_seed[k], "below_goal", (json_int_t)s->settled_below[k]));
	j = json_pack("{s:I, s:i, s:i, s:i, s:i, s:i, s:f, s:i, s:s, s:o, s:o}", "seed0", (json_int_t)c->seed0,
		      "seeds", (json_int_t)n, "vfs_min", (json_int_t)c->vfs_min, "vfs_max", (json_int_t)c->vfs_max,
		      "engines_min", (json_int_t)c->eng_min, "engines_max", (json_int_t)c->eng_max, "duration_s",
		      c->duration_s, "tick_ms", (json_int_t)c->tick_ms, "profile", c->profile, "results", seeds,
		      "summary", sum);
	if (j) {
		json_object_set_new(j, "oracle_mode",
				    json_string(c->oracle_mode == VFC_SIM_SUITE_ORACLE_EXACT ? "exact" : "sampled"));
		json_object_set_new(j, "oracle_tick_ms", json_integer(c->oracle_tick_ms));
		json_object_set_new(j, "settle_ticks", json_integer(c->settle_ticks));
		json_object_set_new(j, "settled_windows", json_integer(s->nsettled));
		json_object_set_new(j, "noise", json_integer((json_int_t)c->noise));
		json_object_set_new(j, "draws", json_integer(c->draws ? c->draws : 1));
		json_object_set_new(j, "oracle_draws", json_integer(c->oracle_draws ? c->oracle_draws : 1));
	}
	str = j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(8)) : NULL;
	if (str)
		puts(str);
	free(str);
	json_decref(j);
}

static int write_csv(const char *path, const struct vfc_sim_suite_cfg *c, const struct vfc_sim_suite_seed *d,
		     uint32_t n)
{
	struct vfc_out o = { 0 };
	int rc = vfc_out_open(&o, path);

	if (rc < 0) {
		vfc_tool_err("sim suite", "--csv %s: %s", path, strerror(-rc));
		return VFC_EXIT_FAIL;
	}
	fputs("seed,vfs,engines,groups,windows,ctl,mbps,irq_hz,oracle_mbps,ratio,settled_windows,settled_min\n", o.f);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < c->nctls; k++) {
			double m = d[i].nsettled ? d[i].settled[k][0] : 0; /* a ratio may exceed 1 (per-VF caps) */

			for (uint32_t j = 1; j < d[i].nsettled; j++)
				m = d[i].settled[k][j] < m ? d[i].settled[k][j] : m;
			fprintf(o.f, "%llu,%u,%u,%u,%u,\"%s\",%.3f,%.1f,%.3f,%.5f,%u,", (unsigned long long)d[i].seed,
				d[i].nvfs, d[i].engines, d[i].ngroups, d[i].nwin, c->ctl_spec[k], d[i].mbps[k],
				d[i].irq_hz[k], d[i].oracle_mbps, d[i].ratio[k], d[i].nsettled);
			if (d[i].nsettled)
				fprintf(o.f, "%.5f", m);
			fputc('\n', o.f);
		}
	rc = vfc_out_commit(&o);
	if (rc < 0) {
		vfc_tool_err("sim suite", "--csv %s: %s", path, strerror(-rc));
		return VFC_EXIT_FAIL;
	}
	return VFC_EXIT_OK;
}

static void print_seed(const struct vfc_sim_suite_cfg *c, const struct vfc_sim_suite_seed *d)
{
	fprintf(stderr, "seed %llu: %u VFs, %u engines, %u groups, %u windows, oracle %.1f MB/s:",
		(unsigned long long)d->seed, d->nvfs, d->engines, d->ngroups, d->nwin, d->oracle_mbps);
	for (uint32_t k = 0; k < c->nctls; k++)
		fprintf(stderr, " %s %.3f", c->ctl_spec[k], d->ratio[k]);
	fputc('\n', stderr);
}

/* One seed in a child process: its result (or its error text after a zeroed seed) down the pipe. */
static void child_seed(const struct vfc_sim_suite_cfg *c, uint64_t seed, int fd)
{
	struct vfc_sim_suite_seed d = { 0 };
	char err[512] = "";
	int rc = vfc_sim_suite_run_seed(c, seed, vfc_sim_suite_run_serial, NULL, &d, err, sizeof(err));

	if (rc < 0 && !err[0])
		snprintf(err, sizeof(err), "%s", strerror(-rc));
	if (rc < 0)
		memset(&d, 0, sizeof(d));
	if (write(fd, &d, sizeof(d)) != (ssize_t)sizeof(d) || (rc < 0 && write(fd, err, strlen(err)) < 0))
		_exit(1);
	_exit(rc < 0 ? 1 : 0);
}

struct running {
	pid_t pid;
	int fd;
	uint32_t idx;
};

/* Wait for the child r, read its seed into d. 0, or -1 (reported). */
static int reap(const struct vfc_sim_suite_cfg *c, struct running *r, struct vfc_sim_suite_seed *d)
{
	char buf[sizeof(*d) + 512];
	size_t got = 0;
	ssize_t n;
	int st = 0;

	while ((n = read(r->fd, buf + got, sizeof(buf) - 1 - got)) > 0 || (n < 0 && errno == EINTR))
		got += n > 0 ? (size_t)n : 0;
	close(r->fd);
	while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[got] = 0;
	if (got < sizeof(*d) || !WIFEXITED(st) || WEXITSTATUS(st)) {
		vfc_tool_err("sim suite", "seed %llu: %s", (unsigned long long)(c->seed0 + r->idx),
			     got > sizeof(*d) ? buf + sizeof(*d) : "the child process failed");
		return -1;
	}
	memcpy(&d[r->idx], buf, sizeof(*d));
	print_seed(c, &d[r->idx]);
	return 0;
}

static int spawn(const struct vfc_sim_suite_cfg *c, uint32_t idx, struct running *r)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!r->pid) {
		close(p[0]);
		child_seed(c, c->seed0 + idx, p[1]);
	}
	close(p[1]);
	r->fd = p[0];
	r->idx = idx;
	return 0;
}

/*
 * Every seed, at most `jobs` at once, each in a forked child (its own address
 * space: a seed's result cannot depend on another's or on -j). A progress line
 * per seed on stderr. -1 on failure (reported; the running children are reaped).
 */
static int run_all(const struct args *a, struct vfc_sim_suite_seed *d)
{
	unsigned jobs = a->jobs ? a->jobs : vfc_simrun_cpus();
	struct running *run = calloc(jobs, sizeof(*run));
	uint32_t next = 0, live = 0;
	int rc = 0;

	if (!run)
		return -1;
	while (next < a->cfg.nseeds || live) {
		while (!rc && live < jobs && next < a->cfg.nseeds) {
			if (spawn(&a->cfg, next, &run[live]) < 0) {
				vfc_tool_err("sim suite", "fork: %s", strerror(errno));
				rc = -1;
				break;
			}
			next++;
			live++;
		}
		if (!live)
			break;
		if (reap(&a->cfg, &run[0], d) < 0)
			rc = -1;
		run[0] = run[--live];
		if (rc)
			next = a->cfg.nseeds;
	}
	free(run);
	return rc;
}

int vfc_cmd_sim_suite(int argc, char **argv)
{
	struct args a = { 0 };
	struct vfc_sim_suite_seed *d;
	struct vfc_sim_suite_summary sum;
	int rc, status = VFC_EXIT_OK;

	vfc_sim_suite_cfg_default(&a.cfg);
	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.dump) {
		json_t *j = vfc_sim_suite_scenario(&a.cfg, a.scenario);

		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
		putchar('\n');
		json_decref(j);
		return VFC_EXIT_OK;
	}
	if (!a.have_seed0) {
		if (getrandom(&a.cfg.seed0, sizeof(a.cfg.seed0), 0) != sizeof(a.cfg.seed0))
			a.cfg.seed0 = (uint64_t)getpid() * 2654435761u;
		a.cfg.seed0 %= 1000000000ull; /* short to type, exact in JSON */
	}
	fprintf(stderr, "vfc sim suite: --seed0 %llu\n", (unsigned long long)a.cfg.seed0);
	d = calloc(a.cfg.nseeds, sizeof(*d));
	if (!d) {
		vfc_tool_err("sim suite", "out of memory");
		return VFC_EXIT_FAIL;
	}
	if (run_all(&a, d) < 0) {
		free(d);
		return VFC_EXIT_FAIL;
	}
	vfc_sim_suite_summarize(&a.cfg, d, a.cfg.nseeds, &sum);
	if (a.json)
		print_json(&a.cfg, d, a.cfg.nseeds, &sum);
	else
		print_text(&a.cfg, &sum, a.cfg.nseeds);
	if (a.csv)
		status = write_csv(a.csv, &a.cfg, d, a.cfg.nseeds);
	free(d);
	return status;
}
