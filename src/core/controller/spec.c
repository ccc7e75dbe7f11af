/* SPDX-License-Identifier: MIT */
/* spec.c - controller specs: kind names, parsing, formatting, defaults, consistency checks, the --help text. */
#include "core/controller/internal.h"
#include "core/coord.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
	[VFC_CONTROLLER_KIND_NONE] = "none",
	[VFC_CONTROLLER_KIND_STATIC] = "static",
	[VFC_CONTROLLER_KIND_PAPER] = "paper",
	[VFC_CONTROLLER_KIND_DIM] = "dim",
	[VFC_CONTROLLER_KIND_ADAPTIVE] = "adaptive",
	[VFC_CONTROLLER_KIND_DIM_KERNEL] = "dim:kernel",
	[VFC_CONTROLLER_KIND_PAPER_MODEL] = "paper:i0=model",
	[VFC_CONTROLLER_KIND_STATIC_MODEL] = "static:model",
	[VFC_CONTROLLER_KIND_PF] = "pf",
};

const char *vfc_controller_kind_name(enum vfc_controller_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "?";
	return kind_names[kind];
}

const char vfc_controller_help[] =
	"Interrupt-rate controllers (--ctl SPEC):\n"
	"  none                 no cap\n"
	"  static:HZ            a fixed cap of HZ interrupts per second\n"
	"  static:model[,key=value,...]  the cap the fitted model V(B, I) gives for the request size\n"
	"                       and depth of the first tick (uncapped during it), then fixed\n"
	"      t0=S, t1=S       the fit, paper seconds as `vfc model fit` prints them (t0_s, t1_s;\n"
	"                       default: docs/grid.csv's fit, 8.559032e-10 and 8.781718e-04)\n"
	"      margin=K         the cap stays K x above the queue limit ops/depth (default 1.15)\n"
	"  paper[:i0=HZ]        the paper's one-shot rule: start at i0 (default 6450, 0 = uncapped), track the\n"
	"                       best speed, on the first slower tick set the cap to the previous tick's\n"
	"                       interrupt rate, once\n"
	"  paper:i0=model[,key=value,...]  the same rule from I0 = the fitted model's best rate for\n"
	"                       the first tick's request size and depth (uncapped during it);\n"
	"                       t0=, t1=, margin= as for static:model\n"
	"  dim[:key=value,...]  Linux DIM style hill-climb over a ladder of caps\n"
	"      max=HZ           top of the ladder (default 64000)\n"
	"      min=HZ           bottom of the ladder (default 1000)\n"
	"      step=R           ratio between levels (default 2)\n"
	"      sig=PCT          significant difference between ticks (default 10)\n"
	"      tired=N          steps without parking before parking tired (default 0 = 2 x levels)\n"
	"      rest=N           ticks parked tired before searching again (default 0 = tired)\n"
	"  dim:kernel           Linux lib/dim's decision logic as written: 5 profiles (1, 8, 64, 128,\n"
	"                       256 us = 1 MHz .. 3.9 kHz), from profile 1, no parameters\n"
	"  adaptive[:key=value,...]  ours: cliff-aware search for the lowest cap within band of the best\n"
	"      min=HZ           lowest cap (default 100)\n"
	"      max=HZ           highest cap (default 1000000)\n"
	"      step=R           ladder ratio (default 1.25)\n"
	"      band=PCT         speeds within PCT are equal; the lower cap wins (default 2)\n"
	"      margin=K         never below K x ops_per_s / depth (default 1.15)\n"
	"      start=S|model    a search starts at S x that floor (default 2), or (model) a new\n"
	"                       workload's at the fitted model's cap for its size and depth\n"
	"      esc=E            multiply the cap by E when it is the bottleneck (default 8)\n"
	"      probe=N          re-probe one level down and up every N settled ticks (default 20, 0 = never)\n"
	"      change=PCT       restart when request size or depth moves by PCT (default 25)\n"
	"      shift=PCT        restart when speed at the settled cap moves by PCT twice (default 10)\n"
	"      late=K           a level whose interrupts come below K x the cap while each hands back\n"
	"                       most of the queue waits on late interrupts: search above it\n"
	"                       (default 0.7, 0 = off)\n"
	"      climb=G          a climb's stride grows G x with each level it wins, then bisects\n"
	"                       back (default 1: one level a tick)\n"
	"      recheck=0|1      the search's end trusts no level measured once: a good midpoint\n"
	"                       ends the bisection's upper end, the check up re-measures the level\n"
	"                       above, a candidate with a good level above takes it (default 1)\n"
	"      guess=0|1|2      a new workload's search starts at the higher of S x the floor and\n"
	"                       the fitted model's cap for its size and depth: 1 at every depth,\n"
	"                       2 at depth 8 or less (default 2), 0 never\n"
	"      refight=0|1|2    a restart on the same workload that follows the VF's rate (its\n"
	"                       share of the engine moved) fights the duels with the top again:\n"
	"                       2 only after a duel won on this workload (default), 1 always,\n"
	"                       0 never\n"
	"      lateq=Q          a level is late (see late=) only if each interrupt hands back more\n"
	"                       than Q of the queue (default 0: 1 / margin, 0.87)\n"
	"  pf[:SPEC]            the PF sets the cap: its coordinator runs one search for every VF in pf\n"
	"                       mode on the device, on their total speed (what only the PF sees), and\n"
	"                       applies one common cap (the trial: one per class while it wins),\n"
	"                       clamped to each VF's policy; the driver sets none.\n"
	"                       SPEC, if the first VF in pf mode names it and the device's configuration\n"
	"                       does not (embedded device only): fill (the fill rule: each interrupt at\n"
	"                       0.7 of a queue), probe (the fill rule, then a probe on the total that\n"
	"                       moves only on a gain beyond the ticks' spread), scan (the fill rule,\n"
	"                       and a scan of the cap ladder on the total where the ticks are quiet),\n"
	"                       busy (the scan rule, and a scan up the ladder where the engines sit\n"
	"                       idle, noisy ticks or not), bal (busy, and each member's cap the\n"
	"                       common cap x a multiplier that follows its own fill against the\n"
	"                       members'), trial (the default: busy, and where the members fall in\n"
	"                       classes of different depth or size and the ticks are quiet, a DIM per\n"
	"                       class tried against the common cap on the total, kept while it wins), or\n"
	"                       a controller spec (not pf) stepped on the total\n";

void vfc_controller_cfg_default(struct vfc_controller_cfg *cfg, enum vfc_controller_kind kind)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->kind = kind;
	switch (kind) {
	case VFC_CONTROLLER_KIND_NONE:
	case VFC_CONTROLLER_KIND_PF:
		break;
	case VFC_CONTROLLER_KIND_STATIC:
		cfg->static_hz = 0; /* must be given */
		break;
	case VFC_CONTROLLER_KIND_PAPER:
		cfg->paper_i0_hz = VFC_CONTROLLER_PAPER_I0_HZ;
		break;
	case VFC_CONTROLLER_KIND_DIM:
		cfg->dim = (struct vfc_controller_dim_cfg){
			.max_hz = 64000, .min_hz = 1000, .step = 2.0, .sig_pct = 10.0, .tired = 0, .rest = 0,
		};
		break;
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		cfg->adaptive = (struct vfc_controller_adaptive_cfg){
			.min_hz = 100, .max_hz = 1000000, .step = 1.25, .band_pct = 2.0, .margin = 1.15,
			.start = 2.0, .esc = 8.0, .probe = 20, .change_pct = 25.0, .shift_pct = 10.0,
			.late = 0.7, .climb = 1.0, .recheck = 1, .guess = 2, .refight = 2,
		};
		break;
	case VFC_CONTROLLER_KIND_DIM_KERNEL:
		break;
	case VFC_CONTROLLER_KIND_PAPER_MODEL:
	case VFC_CONTROLLER_KIND_STATIC_MODEL:
		cfg->model = (struct vfc_controller_model_cfg){
			.t0 = VFC_CONTROLLER_MODEL_T0, .t1 = VFC_CONTROLLER_MODEL_T1, .margin = VFC_CONTROLLER_MODEL_MARGIN,
		};
		break;
	}
}

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-' || *v == '+' || *v == ' ')
		return false;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return false;
	*out = (uint32_t)x;
	return true;
}

static bool parse_dbl(const char *v, double lo, double hi, double *out)
{
	char *end;
	double x;

	if (!*v || *v == ' ')
		return false;
	errno = 0;
	x = strtod(v, &end);
	if (errno || *end || !isfinite(x) || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

struct param {
	const char *key;
	bool is_u32;
	double lo, hi;
	const char *what; /* for the error message */
	size_t off;       /* offset of the field in struct vfc_controller_cfg */
};

#define P_U32(k, f, l, h, w) { k, true, l, h, w, offsetof(struct vfc_controller_cfg, f) }
#define P_DBL(k, f, l, h, w) { k, false, l, h, w, offsetof(struct vfc_controller_cfg, f) }

static const struct param paper_params[] = {
	P_U32("i0", paper_i0_hz, 0, VFC_CONTROLLER_MAX_HZ, "an interrupt rate in Hz"),
};

static const struct param dim_params[] = {
	P_U32("max", dim.max_hz, 1, VFC_CONTROLLER_MAX_HZ, "an interrupt rate in Hz"),
	P_U32("min", dim.min_hz, 1, VFC_CONTROLLER_MAX_HZ, "an interrupt rate in Hz"),
	P_DBL("step", dim.step, 1.01, 100, "a ratio"),
	P_DBL("sig", dim.sig_pct, 0, 100, "a percentage"),
	P_U32("tired", dim.tired, 0, 100000, "a number of ticks"),
	P_U32("rest", dim.rest, 0, 100000, "a number of ticks"),
};

static const struct param adaptive_params[] = {
	P_U32("min", adaptive.min_hz, 1, VFC_CONTROLLER_MAX_HZ, "an interrupt rate in Hz"),
	P_U32("max", adaptive.max_hz, 1, VFC_CONTROLLER_MAX_HZ, "an interrupt rate in Hz"),
	P_DBL("step", adaptive.step, 1.01, 10, "a ratio"),
	P_DBL("band", adaptive.band_pct, 0, 50, "a percentage"),
	P_DBL("margin", adaptive.margin, 1, 100, "a factor"),
	P_DBL("start", adaptive.start, 1, 100, "a factor"),
	P_DBL("esc", adaptive.esc, 1, 1000, "a factor"),
	P_U32("probe", adaptive.probe, 0, 1000000, "a number of ticks"),
	P_DBL("change", adaptive.change_pct, 1, 1000, "a percentage"),
	P_DBL("shift", adaptive.shift_pct, 1, 1000, "a percentage"),
	P_DBL("late", adaptive.late, 0, 1, "a factor"),
	P_DBL("climb", adaptive.climb, 1, 8, "a factor"),
	P_U32("recheck", adaptive.recheck, 0, 1, "0 or 1"),
	P_U32("guess", adaptive.guess, 0, 2, "0, 1 or 2"),
	P_U32("refight", adaptive.refight, 0, 2, "0, 1 or 2"),
	P_DBL("lateq", adaptive.late_q, 0, 1, "a fraction"),
};

static const struct param model_params[] = {
	P_DBL("t0", model.t0, 0, 1, "a fitted time in paper seconds"),
	P_DBL("t1", model.t1, 0, 1, "a fitted time in paper seconds"),
	P_DBL("margin", model.margin, 1, 100, "a factor"),
};

int vfc__check_cfg(const struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	const char *name = vfc_controller_kind_name(cfg->kind);

	switch (cfg->kind) {
	case VFC_CONTROLLER_KIND_NONE:
	case VFC_CONTROLLER_KIND_PAPER:
	case VFC_CONTROLLER_KIND_PF:
		return 0;
	case VFC_CONTROLLER_KIND_STATIC:
		if (cfg->static_hz < 1 || cfg->static_hz > VFC_CONTROLLER_MAX_HZ)
			return set_err(err, errlen, "static: the cap must be from 1 to %u Hz, got %u",
				       VFC_CONTROLLER_MAX_HZ, cfg->static_hz);
		return 0;
	case VFC_CONTROLLER_KIND_DIM:
		if (cfg->dim.min_hz > cfg->dim.max_hz)
			return set_err(err, errlen, "dim: min=%u is above max=%u", cfg->dim.min_hz, cfg->dim.max_hz);
		if (!(cfg->dim.step > 1.0))
			return set_err(err, errlen, "dim: step must be above 1");
		if (vfc__ladder(cfg, NULL) > VFC_CONTROLLER_MAX_LEVELS)
			return set_err(err, errlen, "dim: more than %d levels from max=%u to min=%u with step=%g",
				       VFC_CONTROLLER_MAX_LEVELS, cfg->dim.max_hz, cfg->dim.min_hz, cfg->dim.step);
		return 0;
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		if (cfg->adaptive.min_hz > cfg->adaptive.max_hz)
			return set_err(err, errlen, "adaptive: min=%u is above max=%u", cfg->adaptive.min_hz,
				       cfg->adaptive.max_hz);
		if (!(cfg->adaptive.step > 1.0))
			return set_err(err, errlen, "adaptive: step must be above 1");
		if (vfc__ladder(cfg, NULL) > VFC_CONTROLLER_MAX_LEVELS)
			return set_err(err, errlen,
				       "adaptive: more than %d levels from min=%u to max=%u with step=%g "
				       "(raise step or narrow the range)",
				       VFC_CONTROLLER_MAX_LEVELS, cfg->adaptive.min_hz, cfg->adaptive.max_hz,
				       cfg->adaptive.step);
		return 0;
	case VFC_CONTROLLER_KIND_DIM_KERNEL:
		return 0;
	case VFC_CONTROLLER_KIND_PAPER_MODEL:
	case VFC_CONTROLLER_KIND_STATIC_MODEL:
		if (!(cfg->model.t0 + cfg->model.t1 > 0) || !(cfg->model.t0 >= 0) || !(cfg->model.t1 >= 0))
			return set_err(err, errlen, "%s: t0 and t1 must not both be 0", name);
		if (!(cfg->model.margin >= 1))
			return set_err(err, errlen, "%s: margin must be at least 1", name);
		return 0;
	}
	return set_err(err, errlen, "%s: unknown controller kind", name);
}

static int parse_params(const char *name, const char *args, const struct param *params, size_t nparams,
			struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	char buf[256];
	char *save = NULL, *item;
	size_t len = strlen(args);

	if (len >= sizeof(buf))
		return set_err(err, errlen, "%s: parameters too long (%zu characters, at most %zu)", name, len,
			       sizeof(buf) - 1);
	memcpy(buf, args, len + 1);
	if (len == 0 || buf[len - 1] == ',')
		return set_err(err, errlen, "%s: empty parameter after ':' or ','", name);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		const struct param *p = NULL;

		if (!eq)
			return set_err(err, errlen, "%s: '%s' has no value (expected key=value)", name, item);
		*eq = '\0';
		for (size_t i = 0; i < nparams; i++)
			if (!strcmp(params[i].key, item))
				p = &params[i];
		if (!p) {
			char known[160] = "";

			for (size_t i = 0; i < nparams; i++) {
				strncat(known, i ? ", " : "", sizeof(known) - strlen(known) - 1);
				strncat(known, params[i].key, sizeof(known) - strlen(known) - 1);
			}
			return set_err(err, errlen, "%s: unknown parameter '%s' (known: %s)", name, item, known);
		}
		if (p->is_u32) {
			uint32_t v;

			if (!parse_u32(eq + 1, (uint32_t)p->lo, (uint32_t)p->hi, &v))
				return set_err(err, errlen, "%s: %s: expected %s from %.0f to %.0f, got '%s'", name,
					       p->key, p->what, p->lo, p->hi, eq + 1);
			memcpy((char *)cfg + p->off, &v, sizeof(v));
		} else {
			double v;

			if (!parse_dbl(eq + 1, p->lo, p->hi, &v))
				return set_err(err, errlen, "%s: %s: expected %s from %g to %g, got '%s'", name,
					       p->key, p->what, p->lo, p->hi, eq + 1);
			memcpy((char *)cfg + p->off, &v, sizeof(v));
		}
	}
	return 0;
}

/* adaptive's parameters; start=model is a word where start= otherwise takes a factor. The items other
 * than start=model go to parse_params; the last start= wins, as for every parameter. */
static int parse_adaptive(const char *args, struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	char rest[256] = "";
	const char *p = args;
	bool model = false;
	int r;

	if (!strstr(args, "start=model"))
		return parse_params("adaptive", args, adaptive_params,
				    sizeof(adaptive_params) / sizeof(adaptive_params[0]), cfg, err, errlen);
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == strlen("start=model") && !strncmp(p, "start=model", n)) {
			model = true;
		} else {
			if (!strncmp(p, "start=", 6))
				model = false;
			if (strlen(rest) + n + 2 > sizeof(rest))
				return set_err(err, errlen, "adaptive: parameters too long");
			strncat(rest, *rest ? "," : "", 2);
			strncat(rest, p, n);
		}
		p += n;
		if (*p == ',' && *++p == '\0')
			return set_err(err, errlen, "adaptive: empty parameter after ':' or ','");
	}
	r = *rest ? parse_params("adaptive", rest, adaptive_params,
				 sizeof(adaptive_params) / sizeof(adaptive_params[0]), cfg, err, errlen)
		  : 0;
	if (r < 0)
		return r;
	cfg->adaptive.start_model = model;
	return 0;
}

/* Whether args is `word` alone or `word,...`; *rest is then what follows the word's comma (or NULL). */
static bool variant_word(const char *args, const char *word, const char **rest)
{
	size_t n = strlen(word);

	if (!args || strncmp(args, word, n) || (args[n] && args[n] != ','))
		return false;
	*rest = args[n] ? args + n + 1 : NULL;
	return true;
}

/* Whether item is one of args' comma-separated items after the first. */
static bool item_later(const char *args, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = strchr(args, ','); p; p = strchr(p + 1, ','))
		if (!strncmp(p + 1, item, n) && (p[1 + n] == ',' || !p[1 + n]))
			return true;
	return false;
}

/*
 * The model and kernel variants: static:model[,...], paper:i0=model[,...] (i0=model first),
 * dim:kernel. Returns 1 if spec is none of them (parse it as its family), else 0 or -EINVAL.
 */
static int parse_variant(int kind, const char *args, struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	const char *rest = NULL;
	enum vfc_controller_kind v;
	int r;

	if (kind == VFC_CONTROLLER_KIND_STATIC && variant_word(args, "model", &rest))
		v = VFC_CONTROLLER_KIND_STATIC_MODEL;
	else if (kind == VFC_CONTROLLER_KIND_PAPER && variant_word(args, "i0=model", &rest))
		v = VFC_CONTROLLER_KIND_PAPER_MODEL;
	else if (kind == VFC_CONTROLLER_KIND_DIM && variant_word(args, "kernel", &rest))
		v = VFC_CONTROLLER_KIND_DIM_KERNEL;
	else if (kind == VFC_CONTROLLER_KIND_PAPER && args && item_later(args, "i0=model"))
		return set_err(err, errlen, "paper: i0=model must come first (paper:i0=model,t0=S,t1=S,margin=K)");
	else
		return 1;
	vfc_controller_cfg_default(cfg, v);
	if (v == VFC_CONTROLLER_KIND_DIM_KERNEL && rest)
		return set_err(err, errlen, "dim:kernel: takes no parameters (the kernel's profiles and limits are "
					    "fixed), got '%s'", args);
	r = rest ? parse_params(vfc_controller_kind_name(v), rest, model_params,
				sizeof(model_params) / sizeof(model_params[0]), cfg, err, errlen)
		 : 0;
	return r < 0 ? r : vfc__check_cfg(cfg, err, errlen);
}

/* pf:SPEC: SPEC a controller spec other than pf, kept as given. */
static int parse_pf_coord(const char *args, struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	struct vfc_controller_cfg inner;
	char e[192];

	if (strlen(args) >= sizeof(cfg->pf_coord))
		return set_err(err, errlen, "pf: the coordinator's spec is too long (at most %zu characters)",
			       sizeof(cfg->pf_coord) - 1);
	if (vfc_coord_rule_named(args)) {
		snprintf(cfg->pf_coord, sizeof(cfg->pf_coord), "%s", args);
		return 0;
	}
	if (vfc_controller_parse(args, &inner, e, sizeof(e)) < 0)
		return set_err(err, errlen, "pf: the coordinator's controller: %s", e);
	if (inner.kind == VFC_CONTROLLER_KIND_PF)
		return set_err(err, errlen, "pf: the coordinator cannot run pf itself");
	snprintf(cfg->pf_coord, sizeof(cfg->pf_coord), "%s", args);
	return 0;
}

/* The kind named by the first nlen characters of spec, or -1. */
static int kind_by_name(const char *spec, size_t nlen)
{
	for (int k = VFC_CONTROLLER_KIND_NONE; k <= VFC_CONTROLLER_KIND_PF; k++) {
		const char *name = vfc_controller_kind_name((enum vfc_controller_kind)k);

		if (strchr(name, ':'))
			continue; /* a variant: parsed after its family's name */
		if (strlen(name) == nlen && !strncmp(spec, name, nlen))
			return k;
	}
	return -1;
}

int vfc_controller_parse(const char *spec, struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	static const char expected[] =
		"expected none, static:HZ, static:model[,...], paper[:i0=HZ], paper:i0=model[,...], "
		"dim[:key=value,...], dim:kernel, adaptive[:key=value,...] or pf[:SPEC]";
	const char *colon, *args;
	size_t nlen;
	int kind, r;

	if (err && errlen)
		err[0] = '\0';
	if (!spec || !cfg)
		return set_err(err, errlen, "no controller given (%s)", expected);
	colon = strchr(spec, ':');
	nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	args = colon ? colon + 1 : NULL;
	kind = kind_by_name(spec, nlen);
	if (kind < 0)
		return set_err(err, errlen, "unknown controller '%.*s' (%s)", (int)nlen, spec, expected);
	r = parse_variant(kind, args, cfg, err, errlen);
	if (r <= 0)
		return r;
	vfc_controller_cfg_default(cfg, (enum vfc_controller_kind)kind);

	switch ((enum vfc_controller_kind)kind) {
	case VFC_CONTROLLER_KIND_NONE:
		if (args)
			return set_err(err, errlen, "none: takes no parameters, got '%s'", args);
		return 0;
	case VFC_CONTROLLER_KIND_PF:
		return args ? parse_pf_coord(args, cfg, err, errlen) : 0;
	case VFC_CONTROLLER_KIND_STATIC:
		if (!args || !parse_u32(args, 1, VFC_CONTROLLER_MAX_HZ, &cfg->static_hz))
			return set_err(err, errlen, "static: expected static:HZ with HZ from 1 to %u, got '%s'",
				       VFC_CONTROLLER_MAX_HZ, args ? args : spec);
		return 0;
	case VFC_CONTROLLER_KIND_PAPER:
		r = args ? parse_params("paper", args, paper_params, 1, cfg, err, errlen) : 0;
		break;
	case VFC_CONTROLLER_KIND_DIM:
		r = args ? parse_params("dim", args, dim_params, sizeof(dim_params) / sizeof(dim_params[0]), cfg,
					err, errlen)
			 : 0;
		break;
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		r = args ? parse_adaptive(args, cfg, err, errlen) : 0;
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		return r;
	return vfc__check_cfg(cfg, err, errlen);
}

/* x with the fewest digits that parse back to exactly x (at most 17). */
static void fmt_exact(char *out, size_t len, double x)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			return;
	}
}

static int format_model(const struct vfc_controller_cfg *cfg, char *buf, size_t len)
{
	char t0[32], t1[32], m[32];

	fmt_exact(t0, sizeof(t0), cfg->model.t0);
	fmt_exact(t1, sizeof(t1), cfg->model.t1);
	fmt_exact(m, sizeof(m), cfg->model.margin);
	return snprintf(buf, len, "%s,t0=%s,t1=%s,margin=%s", vfc_controller_kind_name(cfg->kind), t0, t1, m);
}

int vfc_controller_format(const struct vfc_controller_cfg *cfg, char *buf, size_t len)
{
	const struct vfc_controller_dim_cfg *d = &cfg->dim;
	const struct vfc_controller_adaptive_cfg *a = &cfg->adaptive;

	switch (cfg->kind) {
	case VFC_CONTROLLER_KIND_NONE:
		return snprintf(buf, len, "none");
	case VFC_CONTROLLER_KIND_STATIC:
		return snprintf(buf, len, "static:%u", cfg->static_hz);
	case VFC_CONTROLLER_KIND_PAPER:
		return snprintf(buf, len, "paper:i0=%u", cfg->paper_i0_hz);
	case VFC_CONTROLLER_KIND_DIM:
		return snprintf(buf, len, "dim:max=%u,min=%u,step=%g,sig=%g,tired=%u,rest=%u", d->max_hz, d->min_hz,
				d->step, d->sig_pct, d->tired, d->rest);
	case VFC_CONTROLLER_KIND_ADAPTIVE: {
		char start[32] = "model";

		if (!a->start_model)
			snprintf(start, sizeof(start), "%g", a->start);
		return snprintf(buf, len,
				"adaptive:min=%u,max=%u,step=%g,band=%g,margin=%g,start=%s,esc=%g,probe=%u,"
				"change=%g,shift=%g,late=%g,climb=%g,recheck=%u,guess=%u,refight=%u,lateq=%g",
				a->min_hz, a->max_hz, a->step, a->band_pct, a->margin, start, a->esc, a->probe,
				a->change_pct, a->shift_pct, a->late, a->climb, a->recheck, a->guess, a->refight,
				a->late_q);
	}
	case VFC_CONTROLLER_KIND_DIM_KERNEL:
		return snprintf(buf, len, "dim:kernel");
	case VFC_CONTROLLER_KIND_PF:
		return cfg->pf_coord[0] ? snprintf(buf, len, "pf:%s", cfg->pf_coord) : snprintf(buf, len, "pf");
	case VFC_CONTROLLER_KIND_PAPER_MODEL:
	case VFC_CONTROLLER_KIND_STATIC_MODEL:
		return format_model(cfg, buf, len);
	}
	return snprintf(buf, len, "?");
}
