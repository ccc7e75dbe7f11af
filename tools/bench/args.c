/* SPDX-License-Identifier: MIT */
/* args.c - `vfc bench`'s command line: help text, an option table, the league's and --steps' defaults. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* A whole number 0..max, digits only (no sign, no spaces): 0 or -EINVAL, silently. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A comma-separated list of min..max into out (*n values, at most BENCH_MAX_LIST); 0 or -EINVAL after
 * a message naming opt. */
static int parse_list(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out, unsigned *n)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = 0;

	*n = 0;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (*n == BENCH_MAX_LIST || parse_u64(tok, max, &v) < 0 || v < min) {
			fprintf(stderr,
				"vfc bench: %s: bad value '%s' (expected %" PRIu64 "..%" PRIu64
				", at most %d values)\n",
				opt, tok, min, max, BENCH_MAX_LIST);
			rc = -EINVAL;
			break;
		}
		out[(*n)++] = v;
	}
	if (!rc && *n == 0) {
		fprintf(stderr, "vfc bench: %s: empty list\n", opt);
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

/* A controller column, its spec checked as a VF would check it; 0 or < 0 after a message. */
static int add_ctl(struct bench_cfg *cfg, const char *spec)
{
	char err[256];

	if (vfc_controller_spec_check(spec, err, sizeof(err)) < 0) {
		fprintf(stderr, "vfc bench: --ctl: %s\n", err);
		return -EINVAL;
	}
	if (cfg->n_ctls == BENCH_MAX_LIST) {
		fprintf(stderr, "vfc bench: at most %d controller columns\n", BENCH_MAX_LIST);
		return -EINVAL;
	}
	cfg->ctls[cfg->n_ctls++] = strdup(spec);
	return cfg->ctls[cfg->n_ctls - 1] ? 0 : -ENOMEM;
}

/* A static column per cap (0: none). */
static int add_caps(struct bench_cfg *cfg, const uint64_t *caps, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		char spec[32];

		snprintf(spec, sizeof(spec), caps[k] ? "static:%" PRIu64 : "none", caps[k]);
		if (add_ctl(cfg, spec) < 0)
			return -EINVAL;
	}
	return 0;
}

/* --algo LIST: names of bench_algos; 0 or -EINVAL after a message. */
static int parse_algos(struct bench_cfg *cfg, const char *v)
{
	char *copy = strdup(v), *save = NULL, *tok;
	int rc = 0;

	cfg->n_algos = 0;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		unsigned k;

		for (k = 0; k < bench_n_algos && strcmp(tok, bench_algos[k].name); k++)
			;
		if (k == bench_n_algos) {
			fprintf(stderr,
				"vfc bench: --algo: unknown algorithm '%s' (known: aes-128-cbc, "
				"aes-128-cbc-dec, sha256, rsa{2048,3072,4096}-{sign,verify})\n",
				tok);
			rc = -EINVAL;
		} else if (cfg->n_algos == BENCH_MAX_LIST) {
			rc = -EINVAL;
		} else {
			cfg->algo[cfg->n_algos++] = k;
		}
	}
	if (!rc && !cfg->n_algos) {
		fprintf(stderr, "vfc bench: --algo: empty list\n");
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

/* min..3600 seconds; 0 or -EINVAL after a message naming opt. */
static int parse_seconds(const char *opt, const char *v, double min, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || !(*out >= min && *out <= 3600)) {
		fprintf(stderr, "vfc bench: %s: expected a number of seconds from %g to 3600, got '%s'\n",
			opt, min, v);
		return -EINVAL;
	}
	return 0;
}

/* opt SIZExDEPTH,...: e.g. 16384x32,4096x32,4096x4 (--steps, --mix) into size[], depth[], *n. */
static int parse_pairs(const char *opt, const char *v, uint32_t *size_out, unsigned *depth_out, unsigned *n)
{
	char *copy = strdup(v), *rest = copy, *item;
	int rc = copy && *copy ? 0 : -1;

	*n = 0;
	while (rc == 0 && (item = strsep(&rest, ",")) != NULL) {
		char *x = strchr(item, 'x');
		uint64_t size, depth;

		if (*n == BENCH_MAX_LIST) {
			fprintf(stderr, "vfc bench: %s: at most %d entries\n", opt, BENCH_MAX_LIST);
			free(copy);
			return -1;
		}
		if (x)
			*x = '\0';
		if (!x || parse_u64(item, 1u << 24, &size) < 0 ||
		    parse_u64(x + 1, BENCH_MAX_DEPTH, &depth) < 0 || !size || !depth) {
			rc = -1;
			break;
		}
		size_out[*n] = (uint32_t)size;
		depth_out[(*n)++] = (unsigned)depth;
	}
	free(copy);
	if (rc < 0)
		fprintf(stderr,
			"vfc bench: %s: expected SIZExDEPTH[,SIZExDEPTH...] (bytes 1..%u, depth 1..%d), e.g. "
			"16384x32,4096x4; got '%s'\n",
			opt, 1u << 24, BENCH_MAX_DEPTH, v);
	return rc;
}

/* ---- the options with a value ---- */

/* The parse beyond cfg: which options were given (the league and --steps change their defaults). */
struct args {
	struct bench_cfg *cfg;
	int seconds_set, warmup_set, tick_set, repeat_set;
};

static int opt_algo(struct args *s, const char *opt, const char *v)
{
	(void)opt;
	s->cfg->algos_set = 1;
	return parse_algos(s->cfg, v);
}

static int opt_sizes(struct args *s, const char *opt, const char *v)
{
	struct bench_cfg *cfg = s->cfg;
	uint64_t tmp[BENCH_MAX_LIST];

	if (parse_list(opt, v, 1, 1u << 24, tmp, &cfg->n_sizes) < 0)
		return -EINVAL;
	for (unsigned k = 0; k < cfg->n_sizes; k++)
		cfg->sizes[k] = (uint32_t)tmp[k];
	cfg->sizes_set = 1;
	return 0;
}

/* --tasks, --vfs: a whole number from 1 to their bound. */
static int opt_count(struct args *s, const char *opt, const char *v)
{
	struct bench_cfg *cfg = s->cfg;
	uint64_t max = opt[2] == 't' ? BENCH_MAX_TASKS : VFC_MAX_VFS, u;

	if (parse_u64(v, max, &u) < 0 || u == 0) {
		fprintf(stderr, "vfc bench: %s: expected a whole number from 1 to %" PRIu64 ", got '%s'\n",
			opt, max, v);
		return -EINVAL;
	}
	*(opt[2] == 't' ? &cfg->tasks : &cfg->vfs) = (unsigned)u;
	return 0;
}

/* --depth Q, or a list of depths (the league: a cell per depth); cfg->depth is the deepest, which
 * sizes the buffers. */
static int opt_depth(struct args *s, const char *opt, const char *v)
{
	struct bench_cfg *cfg = s->cfg;
	uint64_t tmp[BENCH_MAX_LIST];

	if (!strchr(v, ',') && (parse_u64(v, BENCH_MAX_DEPTH, &tmp[0]) < 0 || tmp[0] == 0)) {
		fprintf(stderr, "vfc bench: %s: expected a whole number from 1 to %d, got '%s'\n", opt,
			BENCH_MAX_DEPTH, v);
		return -EINVAL;
	}
	if (parse_list(opt, v, 1, BENCH_MAX_DEPTH, tmp, &cfg->n_depths) < 0)
		return -EINVAL;
	cfg->depth = 0;
	for (unsigned k = 0; k < cfg->n_depths; k++) {
		cfg->depths[k] = (unsigned)tmp[k];
		cfg->depth = cfg->depths[k] > cfg->depth ? cfg->depths[k] : cfg->depth;
	}
	cfg->depth_set = 1;
	return 0;
}

static int opt_seconds(struct args *s, const char *opt, const char *v)
{
	s->seconds_set = 1;
	return parse_seconds(opt, v, 0.01, &s->cfg->seconds);
}

static int opt_warmup(struct args *s, const char *opt, const char *v)
{
	s->warmup_set = 1;
	return parse_seconds(opt, v, 0, &s->cfg->warmup);
}

/* --cap HZ, --sweep-caps LIST: static columns (0: none). */
static int opt_caps(struct args *s, const char *opt, const char *v)
{
	uint64_t tmp[BENCH_MAX_LIST];
	unsigned n;

	if (parse_list(opt, v, 0, VFC_CAP_MAX_HZ, tmp, &n) < 0)
		return -EINVAL;
	if (!strcmp(opt, "--cap") && n != 1) {
		fprintf(stderr, "vfc bench: --cap: one value (use --sweep-caps for several)\n");
		return -EINVAL;
	}
	s->cfg->caps_set = 1;
	return add_caps(s->cfg, tmp, n);
}

static int opt_ctl(struct args *s, const char *opt, const char *v)
{
	(void)opt;
	return add_ctl(s->cfg, v);
}

static int opt_tick(struct args *s, const char *opt, const char *v)
{
	uint64_t u;

	(void)opt;
	if (parse_u64(v, VFC_TICK_MS_MAX, &u) < 0 || u < VFC_TICK_MS_MIN) {
		fprintf(stderr, "vfc bench: --tick: expected %d..%d ms, got '%s'\n", VFC_TICK_MS_MIN,
			VFC_TICK_MS_MAX, v);
		return -EINVAL;
	}
	s->cfg->tick_ms = (unsigned)u;
	s->tick_set = 1;
	return 0;
}

static int opt_repeat(struct args *s, const char *opt, const char *v)
{
	uint64_t u;

	(void)opt;
	if (parse_u64(v, 100, &u) < 0 || u == 0) {
		fprintf(stderr, "vfc bench: --repeat: expected 1..100, got '%s'\n", v);
		return -EINVAL;
	}
	s->cfg->repeat = (unsigned)u;
	s->repeat_set = 1;
	return 0;
}

static int opt_csv(struct args *s, const char *opt, const char *v)
{
	(void)opt;
	s->cfg->csv = v;
	return 0;
}

static int opt_timeline(struct args *s, const char *opt, const char *v)
{
	(void)opt;
	s->cfg->timeline = v;
	return 0;
}

/* --engine-kind openssl,mb,auto: a device column (and a league) per kind. */
static int opt_kinds(struct args *s, const char *opt, const char *v)
{
	struct bench_cfg *cfg = s->cfg;
	char buf[64], *save = NULL;

	(void)opt;
	if (strlen(v) >= sizeof(buf))
		goto bad;
	strcpy(buf, v);
	cfg->n_kinds = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum vfc_engine_kind k;

		if (vfc_engine_kind_parse(t, &k) < 0)
			goto bad;
		if (cfg->n_kinds == sizeof(cfg->kinds) / sizeof(cfg->kinds[0]))
			goto bad;
		cfg->kinds[cfg->n_kinds++] = k;
	}
	if (cfg->n_kinds)
		return 0;
bad:
	fprintf(stderr, "vfc bench: --engine-kind: expected a list of openssl, mb, auto, got '%s'\n", v);
	return -EINVAL;
}

/* The column names "ctl/kind" of --engine-kind. 0 or -ENOMEM. */
static int make_labels(struct bench_cfg *cfg)
{
	for (unsigned k = 0; k < cfg->n_kinds; k++) {
		for (unsigned c = 0; c < cfg->n_ctls; c++) {
			const char *kn = vfc_engine_kind_name(cfg->kinds[k]);
			size_t n = strlen(cfg->ctls[c]) + strlen(kn) + 2;
			char *l = malloc(n);

			if (!l)
				return -ENOMEM;
			snprintf(l, n, "%s/%s", cfg->ctls[c], kn);
			cfg->labels[k * cfg->n_ctls + c] = l;
		}
	}
	return 0;
}

static int opt_steps(struct args *s, const char *opt, const char *v)
{
	return parse_pairs(opt, v, s->cfg->step_size, s->cfg->step_depth, &s->cfg->n_steps);
}

/* --mix SIZExDEPTH,...: tenant i of the fresh league runs entry i mod n. */
static int opt_mix(struct args *s, const char *opt, const char *v)
{
	s->cfg->mix = v;
	return parse_pairs(opt, v, s->cfg->mix_size, s->cfg->mix_depth, &s->cfg->n_mix);
}

/* --warmup-ticks LIST: the fresh league's warm-ups, a cell per entry. */
static int opt_warm_ticks(struct args *s, const char *opt, const char *v)
{
	uint64_t tmp[BENCH_MAX_LIST];
	struct bench_cfg *cfg = s->cfg;

	if (parse_list(opt, v, 0, 100000, tmp, &cfg->n_warm_ticks) < 0)
		return -EINVAL;
	for (unsigned k = 0; k < cfg->n_warm_ticks; k++)
		cfg->warm_ticks[k] = (unsigned)tmp[k];
	return 0;
}

/* Each sets its part of the configuration from the value, or prints why not and returns < 0. */
/* clang-format off */
static const struct valued_opt {
	const char *name;
	int (*set)(struct args *s, const char *opt, const char *v);
} valued_opts[] = {
	{ "--algo", opt_algo },
	{ "--size", opt_sizes },
	{ "--sizes", opt_sizes },
	{ "--depth", opt_depth },
	{ "--tasks", opt_count },
	{ "--vfs", opt_count },
	{ "--seconds", opt_seconds },
	{ "--warmup", opt_warmup },
	{ "--cap", opt_caps },
	{ "--sweep-caps", opt_caps },
	{ "--ctl", opt_ctl },
	{ "--tick", opt_tick },
	{ "--repeat", opt_repeat },
	{ "--csv", opt_csv },
	{ "--timeline", opt_timeline },
	{ "--steps", opt_steps },
	{ "--engine-kind", opt_kinds },
	{ "--mix", opt_mix },
	{ "--warmup-ticks", opt_warm_ticks },
};
/* clang-format on */

static const struct valued_opt *find_valued(const char *name)
{
	for (size_t k = 0; k < sizeof(valued_opts) / sizeof(valued_opts[0]); k++)
		if (!strcmp(name, valued_opts[k].name))
			return &valued_opts[k];
	return NULL;
}

/* The flags: exactly these words (no =value). */
static int *find_flag(struct bench_cfg *cfg, const char *a)
{
	static const struct {
		const char *name;
		size_t off;
	} flags[] = {
		{ "--raw", offsetof(struct bench_cfg, raw) },
		{ "--json", offsetof(struct bench_cfg, json) },
		{ "--league", offsetof(struct bench_cfg, league) },
		{ "--oracle-pt", offsetof(struct bench_cfg, oracle_pt) },
		{ "--quiet", offsetof(struct bench_cfg, quiet) },
		{ "-q", offsetof(struct bench_cfg, quiet) },
	};

	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
		if (!strcmp(a, flags[k].name))
			return (int *)((char *)cfg + flags[k].off);
	return NULL;
}

/* ---- the command line ---- */

/* argv[*i] (and its value: *i advances past it): -1 to go on, else the exit status. */
static int parse_arg(struct args *s, int argc, char **argv, int *i, struct vfc_global_opts *g)
{
	const char *a = argv[*i], *v = NULL, *eq = NULL;
	const struct valued_opt *o;
	char opt[64];
	int *flag;

	/* --vfs means tenants here (each on its own VF), --engine-kind takes a list: not the global options. */
	if (strcmp(a, "--vfs") && strncmp(a, "--vfs=", 6) && strcmp(a, "--engine-kind") &&
	    strncmp(a, "--engine-kind=", 14)) {
		int grc = vfc_global_opt("bench", argc, argv, i, g);

		if (grc != 0)
			return grc < 0 ? VFC_EXIT_USAGE : -1;
	}
	if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		return bench_print_help();
	flag = find_flag(s->cfg, a);
	if (flag) {
		*flag = 1;
		return -1;
	}
	/* --opt=value or --opt value */
	if (!strncmp(a, "--", 2) && (eq = strchr(a, '=')) && (size_t)(eq - a) < sizeof(opt)) {
		memcpy(opt, a, (size_t)(eq - a));
		opt[eq - a] = '\0';
		a = opt;
		v = eq + 1;
	}
	o = find_valued(a);
	if (!o)
		return vfc_tool_unknown_opt("bench", a);
	if (!v) {
		v = vfc_tool_optval("bench", argc, argv, i);
		if (!v)
			return VFC_EXIT_USAGE;
	}
	return o->set(s, a, v) < 0 ? VFC_EXIT_USAGE : -1;
}

/* ---- the defaults and checks after the command line ---- */

/* The league's default cells: {aes-128-cbc, sha256} x {1, 4, 16, 64 KiB} (x league.c's depths {4, 32}),
 * and its default columns. */
static const unsigned league_algos[] = { 0, 2 };
static const uint32_t league_sizes[] = { 1024, 4096, 16384, 65536 };
static const char *const league_ctls[] = { "none", "paper", "dim", "adaptive" };

static void set_defaults(struct bench_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->depth = 32;
	cfg->tasks = 1;
	cfg->vfs = 1;
	cfg->seconds = 3;
	cfg->warmup = 0.3;
	cfg->repeat = 1;
	cfg->algo[0] = 0;
	cfg->n_algos = 1;
	for (uint32_t s = 512; s <= 65536; s *= 2)
		cfg->sizes[cfg->n_sizes++] = s;
}

/* The fresh league (--warmup-ticks, --vfs > 1, --mix): what does not apply; a multi-tenant league
 * without a warm-up of its own warms up 20 ticks. -1 or the exit status. */
static int fresh_args(struct args *s)
{
	struct bench_cfg *cfg = s->cfg;

	if (cfg->n_mix && (cfg->sizes_set || cfg->depth_set)) {
		fprintf(stderr, "vfc bench: --mix gives each tenant its size and depth: --size(s) and --depth "
				"do not apply\n");
		return VFC_EXIT_USAGE;
	}
	if (cfg->oracle_pt && (cfg->vfs < 2 || cfg->vfs > BENCH_CS_MAX_TENANTS)) {
		fprintf(stderr, "vfc bench: --oracle-pt searches per-tenant caps: 2 to %d tenants (--vfs)\n",
			BENCH_CS_MAX_TENANTS);
		return VFC_EXIT_USAGE;
	}
	if (cfg->vfs > 1 && !cfg->n_warm_ticks && !s->warmup_set)
		cfg->warm_ticks[cfg->n_warm_ticks++] = 20;
	return -1;
}

/* --league: what does not apply, then its defaults for what was not given. -1 or the exit status. */
static int league_args(struct args *s)
{
	struct bench_cfg *cfg = s->cfg;

	if (cfg->tasks > 1) {
		fprintf(stderr, "vfc bench: --league runs one task per tenant: --tasks does not apply\n");
		return VFC_EXIT_USAGE;
	}
	if (cfg->caps_set) {
		fprintf(stderr, "vfc bench: --league sweeps its own static caps (the oracle): "
				"--cap and --sweep-caps do not apply\n");
		return VFC_EXIT_USAGE;
	}
	if (!bench_fresh(cfg) && cfg->n_ctls + BENCH_LEAGUE_N_CAPS > VFC_MAX_VFS) {
		fprintf(stderr, "vfc bench: --league: at most %u controllers (a VF per point)\n",
			VFC_MAX_VFS - BENCH_LEAGUE_N_CAPS);
		return VFC_EXIT_USAGE;
	}
	if (!cfg->algos_set) {
		cfg->n_algos = sizeof(league_algos) / sizeof(league_algos[0]);
		memcpy(cfg->algo, league_algos, sizeof(league_algos));
	}
	if (!cfg->sizes_set) {
		cfg->n_sizes = sizeof(league_sizes) / sizeof(league_sizes[0]);
		memcpy(cfg->sizes, league_sizes, sizeof(league_sizes));
	}
	if (cfg->n_ctls == 0) /* the default columns */
		for (unsigned k = 0; k < sizeof(league_ctls) / sizeof(league_ctls[0]); k++)
			if (add_ctl(cfg, league_ctls[k]) < 0)
				return VFC_EXIT_FAIL;
	cfg->seconds = s->seconds_set ? cfg->seconds : 3;
	cfg->repeat = s->repeat_set ? cfg->repeat : 10;
	cfg->warmup = s->warmup_set ? cfg->warmup : 8;
	cfg->tick_ms = s->tick_set ? cfg->tick_ms : 100;
	return bench_fresh(cfg) ? fresh_args(s) : -1;
}

/* --steps: what does not apply; the buffer pool is sized from sizes x depth: the steps' sizes at
 * their deepest queue. -1 or the exit status. */
static int steps_args(struct args *s)
{
	struct bench_cfg *cfg = s->cfg;

	if (cfg->league || cfg->raw || cfg->sizes_set || cfg->depth_set || cfg->vfs > 1 || cfg->tasks > 1 ||
	    cfg->repeat > 1 || cfg->n_ctls != 1 || cfg->n_algos != 1) {
		fprintf(stderr,
			"vfc bench: --steps runs one algorithm and one controller on one VF, one task: "
			"--league, --raw, --size(s), --depth, --vfs, --tasks, --repeat and more than one "
			"--algo or --ctl do not apply\n");
		return VFC_EXIT_USAGE;
	}
	cfg->n_sizes = cfg->n_steps;
	cfg->depth = 1;
	for (unsigned k = 0; k < cfg->n_steps; k++) {
		cfg->sizes[k] = cfg->step_size[k];
		cfg->depth = cfg->step_depth[k] > cfg->depth ? cfg->step_depth[k] : cfg->depth;
	}
	if (!s->tick_set)
		cfg->tick_ms = 100;
	return -1;
}

/* AES-CBC takes whole blocks. -1 or the exit status. */
static int check_aes_sizes(const struct bench_cfg *cfg)
{
	for (unsigned ai = 0; ai < cfg->n_algos; ai++)
		for (unsigned k = 0; k < cfg->n_sizes; k++)
			if (bench_algos[cfg->algo[ai]].kind <= K_AES_DEC && cfg->sizes[k] % VFC_AES_BLOCK) {
				fprintf(stderr, "vfc bench: --size: %u is not a multiple of 16 (AES-CBC)\n",
					cfg->sizes[k]);
				return VFC_EXIT_USAGE;
			}
	for (unsigned ai = 0; ai < cfg->n_algos; ai++)
		for (unsigned k = 0; k < cfg->n_mix; k++)
			if (bench_algos[cfg->algo[ai]].kind <= K_AES_DEC && cfg->mix_size[k] % VFC_AES_BLOCK) {
				fprintf(stderr, "vfc bench: --mix: %u is not a multiple of 16 (AES-CBC)\n",
					cfg->mix_size[k]);
				return VFC_EXIT_USAGE;
			}
	return -1;
}

int bench_parse_args(int argc, char **argv, struct vfc_global_opts *g, struct bench_cfg *cfg)
{
	struct args s = { .cfg = cfg };
	int rc = -1;

	set_defaults(cfg);
	for (int i = 1; i < argc && rc < 0; i++)
		rc = parse_arg(&s, argc, argv, &i, g);
	if (rc >= 0)
		return rc;
	if (cfg->depth * cfg->tasks > BENCH_MAX_OPS) {
		fprintf(stderr, "vfc bench: --depth x --tasks = %u: at most %d requests per VF\n",
			cfg->depth * cfg->tasks, BENCH_MAX_OPS);
		return VFC_EXIT_USAGE;
	}
	if (!cfg->league && cfg->n_depths > 1) {
		fprintf(stderr, "vfc bench: --depth: a list of depths is an option of --league\n");
		return VFC_EXIT_USAGE;
	}
	if (!cfg->league && (cfg->n_warm_ticks || cfg->n_mix || cfg->oracle_pt)) {
		fprintf(stderr, "vfc bench: --warmup-ticks, --mix and --oracle-pt are options of --league\n");
		return VFC_EXIT_USAGE;
	}
	if (cfg->league)
		rc = league_args(&s);
	else if (cfg->n_ctls == 0 && add_ctl(cfg, "none") < 0)
		rc = VFC_EXIT_FAIL;
	if (rc < 0 && cfg->n_steps)
		rc = steps_args(&s);
	if (rc < 0 && cfg->n_kinds && cfg->n_steps) {
		fprintf(stderr, "vfc bench: --engine-kind does not apply to --steps (use the device option)\n");
		rc = VFC_EXIT_USAGE;
	}
	if (rc < 0 && make_labels(cfg) < 0)
		rc = VFC_EXIT_FAIL;
	return rc < 0 ? check_aes_sizes(cfg) : rc;
}
