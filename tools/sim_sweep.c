/* SPDX-License-Identifier: MIT */
/* sim_sweep.c - `vfc sim sweep`: one scenario over seeds x controllers, in parallel, resumable, shardable. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds.h"
#include "sim/sim.h"
#include "sim_runner.h"
#include "sim_sweep.h"
#include "util.h"

#define CMD "sim sweep"
#define MAX_CTL 64

struct sweep {
	const char *scenario, *out, *mode; /* mode: NULL, "--exact" or "--aggregate" */
	unsigned long long seeds, first_seed;
	char *ctl[MAX_CTL];
	size_t nctl;
	unsigned jobs;
	unsigned long shard_i, shard_n;
	bool csv;
	/* the runs still to do, and their arguments */
	size_t nrun, *run_idx;
	char (*seed_arg)[24];
	const char *(*args)[6];
	int fd;
	size_t written;
};

/* "none,static:5000,dim:min=1000,max=9000": a piece with '=' and no ':' continues the previous spec. */
static int split_ctl(struct sweep *w, const char *list)
{
	char *dup = strdup(list), *save = NULL;

	if (!dup)
		return -ENOMEM;
	for (char *p = strtok_r(dup, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (w->nctl && strchr(p, '=') && !strchr(p, ':')) {
			char *prev = w->ctl[w->nctl - 1], *j = malloc(strlen(prev) + strlen(p) + 2);

			if (!j)
				break;
			sprintf(j, "%s,%s", prev, p);
			free(prev);
			w->ctl[w->nctl - 1] = j;
			continue;
		}
		if (w->nctl == MAX_CTL) {
			free(dup);
			vfc_tool_err(CMD, "--ctl: at most %d controllers", MAX_CTL);
			return -EINVAL;
		}
		w->ctl[w->nctl++] = strdup(p);
	}
	free(dup);
	for (size_t i = 0; i < w->nctl; i++) {
		struct vfc_controller_cfg cfg;
		char err[256];

		if (!w->ctl[i])
			return -ENOMEM;
		if (vfc_controller_parse(w->ctl[i], &cfg, err, sizeof(err)) < 0) {
			vfc_tool_err(CMD, "--ctl: %s", err);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_ull(const char *opt, const char *v, unsigned long long min, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	if (!*v || *end || errno || *out < min || *out > max || v[0] == '-') {
		vfc_tool_err(CMD, "%s: expected an integer from %llu to %llu, got '%s'", opt, min, max, v);
		return -1;
	}
	return 0;
}

static int parse_shard(struct sweep *w, const char *v)
{
	char *end;
	unsigned long i, n;

	errno = 0;
	i = strtoul(v, &end, 10);
	if (end == v || *end != '/' || v[0] == '-')
		goto bad;
	n = strtoul(end + 1, &end, 10);
	if (*end || errno || n < 1 || i >= n || n > 1000000)
		goto bad;
	w->shard_i = i;
	w->shard_n = n;
	return 0;
bad:
	vfc_tool_err(CMD, "--shard: expected I/N with 0 <= I < N (e.g. 3/16), got '%s'", v);
	return -1;
}

/* One option; returns 1 if consumed, 0 if not an option, -1 on an error (reported). */
static int parse_opt(struct sweep *w, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	unsigned long long x;

	if (!strcmp(a, "--exact") || !strcmp(a, "--aggregate")) {
		w->mode = a;
		return 1;
	}
	if (strcmp(a, "--seeds") && strcmp(a, "--first-seed") && strcmp(a, "--ctl") && strcmp(a, "-j") &&
	    strcmp(a, "--out") && strcmp(a, "--shard"))
		return a[0] == '-' && a[1] ? (vfc_tool_unknown_opt(CMD, a), -1) : 0;
	if (!(v = vfc_tool_optval(CMD, argc, argv, i)))
		return -1;
	if (!strcmp(a, "--seeds"))
		return parse_ull(a, v, 1, 100000000, &w->seeds) ? -1 : 1;
	if (!strcmp(a, "--first-seed"))
		return parse_ull(a, v, 0, (1ull << 62), &w->first_seed) ? -1 : 1;
	if (!strcmp(a, "-j")) {
		if (parse_ull(a, v, 1, 4096, &x))
			return -1;
		w->jobs = (unsigned)x;
		return 1;
	}
	if (!strcmp(a, "--out")) {
		size_t n = strlen(v);

		w->out = v;
		w->csv = n > 4 && !strcmp(v + n - 4, ".csv");
		if (!w->csv && !(n > 5 && !strcmp(v + n - 5, ".json")) && !(n > 6 && !strcmp(v + n - 6, ".jsonl"))) {
			vfc_tool_err(CMD, "--out: expected a file name ending in .csv, .json or .jsonl, got '%s'", v);
			return -1;
		}
		return 1;
	}
	if (!strcmp(a, "--shard"))
		return parse_shard(w, v) ? -1 : 1;
	return split_ctl(w, v) ? -1 : 1;
}

static int parse_args(struct sweep *w, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(vfc_sim_sweep_help, stdout);
			return VFC_EXIT_OK;
		}
		r = parse_opt(w, argc, argv, &i);
		if (r < 0)
			return VFC_EXIT_USAGE;
		if (r)
			continue;
		if (w->scenario) {
			vfc_tool_err(CMD, "one scenario only, got '%s' and '%s'", w->scenario, argv[i]);
			return VFC_EXIT_USAGE;
		}
		w->scenario = argv[i];
	}
	if (!w->scenario || !w->seeds || !w->nctl || !w->out) {
		vfc_tool_err(CMD, "%s: missing (required; see vfc sim sweep --help)",
			     !w->scenario ? "SCENARIO.json" : !w->seeds ? "--seeds" : !w->nctl ? "--ctl" : "--out");
		return VFC_EXIT_USAGE;
	}
	return -1;
}

/* ---- the output file: rows already there, rows appended ---- */

static char *csv_field(const char *s, char *buf, size_t len)
{
	if (!strchr(s, ',') && !strchr(s, '"'))
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "\"%s\"", s); /* controller specs hold no '"' */
	return buf;
}

/* The key "SEED CTL" of a complete row, or "" for the header or a line that is not a row. */
static void row_key(const struct sweep *w, char *line, char *key, size_t len)
{
	key[0] = 0;
	if (w->csv) {
		char *c = strchr(line, ','), *e;

		if (!c || line[0] < '0' || line[0] > '9')
			return;
		*c = 0;
		if (c[1] == '"' && (e = strchr(c + 2, '"')))
			*e = 0, c++;
		else if ((e = strchr(c + 1, ',')))
			*e = 0;
		snprintf(key, len, "%s %s", line, c + 1);
	} else {
		json_t *j = json_loads(line, 0, NULL);
		json_t *s = json_object_get(j, "seed"), *ctl = json_object_get(j, "ctl");

		if (json_is_integer(s) && json_is_string(ctl))
			snprintf(key, len, "%lld %s", (long long)json_integer_value(s), json_string_value(ctl));
		json_decref(j);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Open (or create) the output and collect the keys of its complete rows. A
 * last line without its newline (a run killed while appending) is cut off.
 */
static int read_done(struct sweep *w, char ***keys, size_t *nkeys)
{
	uint8_t *buf = NULL;
	size_t len = 0, n = 0, keep = 0;
	char **k = NULL;
	int rc;

	w->fd = open(w->out, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return -errno;
	rc = vfc_file_read(w->out, 0, &buf, &len);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n')
			keep = i + 1;
	if (keep < len && ftruncate(w->fd, (off_t)keep) < 0) {
		free(buf);
		return -errno;
	}
	k = calloc(keep / 2 + 1, sizeof(char *));
	for (char *line = (char *)buf, *nl; k && line < (char *)buf + keep; line = nl + 1) {
		char key[320];

		nl = strchr(line, '\n');
		*nl = 0;
		row_key(w, line, key, sizeof(key));
		if (key[0] && !(k[n++] = strdup(key)))
			break;
	}
	free(buf);
	if (!k)
		return -ENOMEM;
	qsort(k, n, sizeof(char *), cmp_str);
	*keys = k;
	*nkeys = n;
	w->written = keep;
	if (!keep && w->csv) {
		static const char hdr[] = "seed,ctl,mode,total_mbps,total_ops_per_s,irq_hz,completed,dropped,"
					  "events,cap_min_hz,cap_mean_hz,cap_max_hz\n";

		if (write(w->fd, hdr, sizeof(hdr) - 1) != (ssize_t)(sizeof(hdr) - 1))
			return -EIO;
	}
	return 0;
}

/* The runs of this shard not in the file yet, and their `vfc sim` arguments. */
static int plan(struct sweep *w, char **keys, size_t nkeys)
{
	size_t total = (size_t)w->seeds * w->nctl;

	w->run_idx = calloc(total, sizeof(size_t));
	w->seed_arg = calloc(total, sizeof(*w->seed_arg));
	w->args = calloc(total, sizeof(*w->args));
	if (!w->run_idx || !w->seed_arg || !w->args)
		return -ENOMEM;
	for (size_t r = 0; r < total; r++) {
		unsigned long long seed = w->first_seed + r / w->nctl;
		const char *ctl = w->ctl[r % w->nctl];
		char key[320], *kp = key;
		size_t k = w->nrun;

		if (r % w->shard_n != w->shard_i)
			continue;
		snprintf(key, sizeof(key), "%llu %s", seed, ctl);
		if (nkeys && bsearch(&kp, keys, nkeys, sizeof(char *), cmp_str))
			continue;
		w->run_idx[k] = r;
		snprintf(w->seed_arg[k], sizeof(w->seed_arg[k]), "%llu", seed);
		w->args[k][0] = "--seed";
		w->args[k][1] = w->seed_arg[k];
		w->args[k][2] = "--ctl";
		w->args[k][3] = ctl;
		w->args[k][4] = w->mode;
		w->args[k][5] = NULL;
		w->nrun++;
	}
	return 0;
}

static void caps_of(json_t *res, double *min, double *mean, double *max, json_t *arr)
{
	json_t *vfs = json_object_get(res, "vfs"), *v;
	size_t i;
	double sum = 0;

	*min = *max = 0;
	json_array_foreach(vfs, i, v) {
		double c = (double)json_integer_value(json_object_get(v, "cap_hz_final"));

		*min = i == 0 || c < *min ? c : *min;
		*max = c > *max ? c : *max;
		sum += c;
		json_array_append_new(arr, json_integer((json_int_t)c));
	}
	*mean = json_array_size(vfs) ? sum / (double)json_array_size(vfs) : 0;
}

static char *format_row(const struct sweep *w, json_t *res, unsigned long long seed, const char *ctl)
{
	static const char *const keys[] = { "total_mbps", "total_ops_per_s", "irq_hz", "completed", "dropped",
					    "events", NULL };
	json_t *caps = json_array(), *row = json_object();
	double cmin, cmean, cmax;
	char *s = NULL, f[300];

	caps_of(res, &cmin, &cmean, &cmax, caps);
	if (w->csv) {
		size_t len = 0, cap = 1024;

		s = malloc(cap);
		if (s)
			len = (size_t)snprintf(s, cap, "%llu,%s,%s", seed, csv_field(ctl, f, sizeof(f)),
					       json_string_value(json_object_get(res, "mode")));
		for (size_t i = 0; s && keys[i]; i++)
			len += (size_t)snprintf(s + len, cap - len, ",%.10g",
						json_number_value(json_object_get(res, keys[i])));
		if (s)
			snprintf(s + len, cap - len, ",%.0f,%.1f,%.0f\n", cmin, cmean, cmax);
		json_decref(caps);
	} else {
		json_object_set_new(row, "seed", json_integer((json_int_t)seed));
		json_object_set_new(row, "ctl", json_string(ctl));
		json_object_set(row, "mode", json_object_get(res, "mode"));
		for (size_t i = 0; keys[i]; i++)
			json_object_set(row, keys[i], json_object_get(res, keys[i]));
		json_object_set_new(row, "cap_hz_final", caps);
		s = json_dumps(row, JSON_COMPACT | JSON_REAL_PRECISION(12));
		if (s) {
			size_t n = strlen(s);
			char *t = realloc(s, n + 2);

			if (t)
				memcpy(t + n, "\n", 2);
			s = t;
		}
	}
	json_decref(row);
	return s;
}

/* A run finished (in run order): its row appended in one write, then fsync. */
static int on_done(void *arg, size_t k, int status, const char *out, size_t len)
{
	struct sweep *w = arg;
	size_t r = w->run_idx[k];
	unsigned long long seed = w->first_seed + r / w->nctl;
	const char *ctl = w->ctl[r % w->nctl];
	json_t *res = status == 0 ? json_loadb(out, len, 0, NULL) : NULL;
	char *row = res ? format_row(w, res, seed, ctl) : NULL;
	ssize_t n;

	json_decref(res);
	if (!row) {
		vfc_tool_err(CMD, "run seed %llu ctl %s failed (exit %d)", seed, ctl, status);
		return VFC_EXIT_FAIL;
	}
	n = write(w->fd, row, strlen(row));
	if (n != (ssize_t)strlen(row) || fsync(w->fd)) {
		vfc_tool_err(CMD, "%s: %s", w->out, strerror(n < 0 ? errno : EIO));
		free(row);
		return VFC_EXIT_FAIL;
	}
	free(row);
	return 0;
}

static void sweep_free(struct sweep *w, char **keys, size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	for (size_t i = 0; i < w->nctl; i++)
		free(w->ctl[i]);
	free(w->run_idx);
	free(w->seed_arg);
	free(w->args);
	if (w->fd >= 0)
		close(w->fd);
}

int vfc_sim_sweep(int argc, char **argv)
{
	struct sweep w = { .first_seed = 1, .shard_n = 1, .fd = -1 };
	struct vfc_sim_scenario sc;
	char **keys = NULL, err[1024];
	size_t nkeys = 0;
	int rc = parse_args(&w, argc, argv);

	if (rc >= 0) {
		sweep_free(&w, NULL, 0);
		return rc;
	}
	if (vfc_sim_scenario_load(w.scenario, &sc, err, sizeof(err)) < 0) {
		vfc_tool_err(CMD, "%s", err);
		sweep_free(&w, NULL, 0);
		return VFC_EXIT_USAGE;
	}
	vfc_sim_scenario_fini(&sc);
	rc = read_done(&w, &keys, &nkeys);
	if (!rc)
		rc = plan(&w, keys, nkeys);
	if (rc < 0) {
		vfc_tool_err(CMD, "%s: %s", w.out, strerror(-rc));
		sweep_free(&w, keys, nkeys);
		return VFC_EXIT_FAIL;
	}
	{
		struct vfc_simrun_job *jobs = calloc(w.nrun ? w.nrun : 1, sizeof(*jobs));

		for (size_t k = 0; jobs && k < w.nrun; k++)
			jobs[k] = (struct vfc_simrun_job){ .path = w.scenario, .args = w.args[k] };
		rc = jobs ? vfc_simrun(jobs, w.nrun, w.jobs, on_done, &w) : -ENOMEM;
		free(jobs);
	}
	if (rc < 0)
		vfc_tool_err(CMD, "%s", strerror(-rc));
	else if (!rc)
		fprintf(stderr, "vfc sim sweep: %zu run(s) done, %zu already in %s\n", w.nrun, nkeys, w.out);
	sweep_free(&w, keys, nkeys);
	return rc < 0 ? VFC_EXIT_FAIL : rc;
}

const char vfc_sim_sweep_help[] =
	"usage: vfc sim sweep SCENARIO.json --seeds N --ctl LIST --out FILE [-j N]\n"
	"                     [--first-seed S] [--shard I/N] [--exact | --aggregate]\n"
	"\n"
	"Runs the scenario once per (seed, controller): seeds S .. S+N-1 (S: 1 unless\n"
	"--first-seed), every group of VFs under the controller (`vfc sim --seed --ctl`),\n"
	"as parallel `vfc sim` processes, and appends one row per run to FILE.\n"
	"\n"
	"  --seeds N       how many seeds\n"
	"  --ctl LIST      controller specs, comma-separated: none,static:5000,adaptive\n"
	"                  (a piece with '=' and no ':' continues the spec before it:\n"
	"                  dim:min=1000,max=9000 is one spec)\n"
	"  --out FILE      .csv: a header, then seed,ctl,mode,total_mbps,total_ops_per_s,\n"
	"                  irq_hz,completed,dropped,events,cap_min_hz,cap_mean_hz,cap_max_hz;\n"
	"                  .json or .jsonl: one JSON object per line, the same keys with\n"
	"                  every VF's final cap (cap_hz_final)\n"
	"  -j N            processes at once (default: every online CPU)\n"
	"  --shard I/N     only runs number I, I+N, I+2N, ... (0 <= I < N) of the seed-major\n"
	"                  list: an array job's task I of N; shard files concatenate\n"
	"  --exact, --aggregate  the simulator's mode for every run (vfc sim --help)\n"
	"\n"
	"Resumable: rows already in FILE (same seed and controller) are skipped, and a\n"
	"row cut off by a kill is dropped. Rows are appended in run order, one write and\n"
	"an fsync each, so the file is the same whatever -j. Runs are deterministic\n"
	"(--no-timing): the same seed gives the same row.\n";
