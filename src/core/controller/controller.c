/* SPDX-License-Identifier: MIT */
/* controller.c - interrupt-rate controllers: none, static, the paper's one-shot rule, Linux-DIM style, adaptive. */
#include "core/controller/controller.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration: defaults, parsing, formatting ---- */

const char vfc_controller_help[] =
	"Interrupt-rate controllers (--ctl SPEC):\n"
	"  none                 no cap\n"
	"  static:HZ            a fixed cap of HZ interrupts per second\n"
	"  paper[:i0=HZ]        the paper's one-shot rule: start at i0 (default 6450, 0 = uncapped), track the\n"
	"                       best speed, on the first slower tick set the cap to the previous tick's\n"
	"                       interrupt rate, once\n"
	"  dim[:key=value,...]  Linux DIM style hill-climb over a ladder of caps\n"
	"      max=HZ           top of the ladder (default 64000)\n"
	"      min=HZ           bottom of the ladder (default 1000)\n"
	"      step=R           ratio between levels (default 2)\n"
	"      sig=PCT          significant difference between ticks (default 10)\n"
	"      tired=N          steps without parking before parking tired (default 0 = 2 x levels)\n"
	"      rest=N           ticks parked tired before searching again (default 0 = tired)\n"
	"  adaptive[:key=value,...]  ours: cliff-aware search for the lowest cap within band of the best\n"
	"      min=HZ           lowest cap (default 100)\n"
	"      max=HZ           highest cap (default 1000000)\n"
	"      step=R           ladder ratio (default 1.25)\n"
	"      band=PCT         speeds within PCT are equal; the lower cap wins (default 2)\n"
	"      margin=K         never below K x ops_per_s / depth (default 1.15)\n"
	"      start=S          a search starts at S x that floor (default 2)\n"
	"      esc=E            multiply the cap by E when it is the bottleneck (default 8)\n"
	"      probe=N          re-probe one level down and up every N settled ticks (default 20, 0 = never)\n"
	"      change=PCT       restart when request size or depth moves by PCT (default 25)\n"
	"      shift=PCT        restart when speed at the settled cap moves by PCT twice (default 10)\n";

static const char *const kind_names[] = {
	[VFC_CONTROLLER_KIND_NONE] = "none",
	[VFC_CONTROLLER_KIND_STATIC] = "static",
	[VFC_CONTROLLER_KIND_PAPER] = "paper",
	[VFC_CONTROLLER_KIND_DIM] = "dim",
	[VFC_CONTROLLER_KIND_ADAPTIVE] = "adaptive",
};

const char *vfc_controller_kind_name(enum vfc_controller_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "?";
	return kind_names[kind];
}

const char *vfc_controller_name(const struct vfc_controller *ctl)
{
	return vfc_controller_kind_name(ctl->cfg.kind);
}

void vfc_controller_cfg_default(struct vfc_controller_cfg *cfg, enum vfc_controller_kind kind)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->kind = kind;
	switch (kind) {
	case VFC_CONTROLLER_KIND_NONE:
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
};

static int ladder_size(double top, double bottom, double step)
{
	int n = 0;

	for (double c = top; c >= bottom * (1 - 1e-9) && n <= VFC_CONTROLLER_MAX_LEVELS; c /= step)
		n++;
	return n;
}

static int check_cfg(const struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	const char *name = vfc_controller_kind_name(cfg->kind);

	switch (cfg->kind) {
	case VFC_CONTROLLER_KIND_NONE:
	case VFC_CONTROLLER_KIND_PAPER:
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
		if (ladder_size(cfg->dim.max_hz, cfg->dim.min_hz, cfg->dim.step) > VFC_CONTROLLER_MAX_LEVELS)
			return set_err(err, errlen, "dim: more than %d levels from max=%u to min=%u with step=%g",
				       VFC_CONTROLLER_MAX_LEVELS, cfg->dim.max_hz, cfg->dim.min_hz, cfg->dim.step);
		return 0;
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		if (cfg->adaptive.min_hz > cfg->adaptive.max_hz)
			return set_err(err, errlen, "adaptive: min=%u is above max=%u", cfg->adaptive.min_hz,
				       cfg->adaptive.max_hz);
		if (!(cfg->adaptive.step > 1.0))
			return set_err(err, errlen, "adaptive: step must be above 1");
		if (ladder_size(cfg->adaptive.max_hz, cfg->adaptive.min_hz, cfg->adaptive.step) >
		    VFC_CONTROLLER_MAX_LEVELS)
			return set_err(err, errlen,
				       "adaptive: more than %d levels from min=%u to max=%u with step=%g "
				       "(raise step or narrow the range)",
				       VFC_CONTROLLER_MAX_LEVELS, cfg->adaptive.min_hz, cfg->adaptive.max_hz,
				       cfg->adaptive.step);
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

int vfc_controller_parse(const char *spec, struct vfc_controller_cfg *cfg, char *err, size_t errlen)
{
	static const char expected[] =
		"expected none, static:HZ, paper[:i0=HZ], dim[:key=value,...] or adaptive[:key=value,...]";
	const char *colon, *args;
	size_t nlen;
	int kind = -1, r;

	if (err && errlen)
		err[0] = '\0';
	if (!spec || !cfg)
		return set_err(err, errlen, "no controller given (%s)", expected);
	colon = strchr(spec, ':');
	nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	args = colon ? colon + 1 : NULL;
	for (size_t k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (strlen(kind_names[k]) == nlen && !strncmp(spec, kind_names[k], nlen))
			kind = (int)k;
	if (kind < 0)
		return set_err(err, errlen, "unknown controller '%.*s' (%s)", (int)nlen, spec, expected);
	vfc_controller_cfg_default(cfg, (enum vfc_controller_kind)kind);

	switch ((enum vfc_controller_kind)kind) {
	case VFC_CONTROLLER_KIND_NONE:
		if (args)
			return set_err(err, errlen, "none: takes no parameters, got '%s'", args);
		return 0;
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
		r = args ? parse_params("adaptive", args, adaptive_params,
					sizeof(adaptive_params) / sizeof(adaptive_params[0]), cfg, err, errlen)
			 : 0;
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		return r;
	return check_cfg(cfg, err, errlen);
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
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		return snprintf(buf, len,
				"adaptive:min=%u,max=%u,step=%g,band=%g,margin=%g,start=%g,esc=%g,probe=%u,"
				"change=%g,shift=%g",
				a->min_hz, a->max_hz, a->step, a->band_pct, a->margin, a->start, a->esc, a->probe,
				a->change_pct, a->shift_pct);
	}
	return snprintf(buf, len, "?");
}

/* ---- helpers ---- */

static uint32_t hz_round(double hz)
{
	if (!(hz >= 1.0))
		return 1;
	if (hz >= (double)VFC_CONTROLLER_MAX_HZ)
		return VFC_CONTROLLER_MAX_HZ;
	return (uint32_t)lround(hz);
}

/* A tick in which nothing completed measures no speed. */
static bool sample_idle(const struct vfc_speed_sample *s)
{
	return !(s->ops_per_s > 0.0) || !(s->mbps > 0.0) || s->dt_ns == 0;
}

/* Index of the ladder level nearest to hz in ratio (levels ascending or descending). */
static uint32_t nearest_level(const uint32_t *levels, uint32_t n, uint32_t hz)
{
	uint32_t best = 0;
	double bestd = INFINITY;

	for (uint32_t k = 0; k < n; k++) {
		double d = fabs(log((double)levels[k] / (double)hz));

		if (d < bestd) {
			bestd = d;
			best = k;
		}
	}
	return best;
}

/* ---- paper: the seed's "Interrupt Rate Control", one adjustment ---- */

static uint32_t paper_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	double j = s->mbps; /* j <- V_i */

	if (sample_idle(s))
		return ctl->cap; /* no encryption in this tick: no speed to compare (our choice, see docs) */
	if (!ctl->paper.done) {
		if (j > ctl->paper.best) {
			ctl->paper.t++;
			ctl->paper.best = j;
		} else if (j < ctl->paper.best) {
			/* I0 <- I_k, the previous tick's interrupt rate; once. have_prev is always true
			 * here: the first non-idle tick has j > 0 = i. */
			ctl->paper.done = true;
			if (ctl->paper.have_prev && ctl->paper.prev_irq >= 1.0) {
				uint32_t ik = hz_round(ctl->paper.prev_irq);

				/* "the adjusted upper limit must be less than the initial value" */
				if (ctl->cap == 0 || ik < ctl->cap)
					ctl->cap = ik;
			}
		}
	}
	ctl->paper.prev_irq = s->irq_hz;
	ctl->paper.have_prev = true;
	return ctl->cap;
}

/* ---- dim: Linux DIM style (written from the net_dim documentation) ---- */

enum vfc__dim_state {
	DIM_GOING = 0,     /* stepping in dir, comparing each tick with the previous */
	DIM_PARKED_TOP,    /* found the top: stay until the speed changes significantly */
	DIM_PARKED_TIRED,  /* too many steps without a winner: rest, then search again */
};

/* |a - b| is significant relative to b. */
static bool dim_sig(double a, double b, double pct)
{
	if (b <= 0.0)
		return a > 0.0;
	return fabs(a - b) * 100.0 > pct * b;
}

/* +1 better, -1 worse, 0 same: speed first, then request rate, then (lower is better) interrupt rate. */
static int dim_compare(const struct vfc_speed_sample *cur, const struct vfc_speed_sample *prev, double pct)
{
	if (dim_sig(cur->mbps, prev->mbps, pct))
		return cur->mbps > prev->mbps ? 1 : -1;
	if (dim_sig(cur->ops_per_s, prev->ops_per_s, pct))
		return cur->ops_per_s > prev->ops_per_s ? 1 : -1;
	if (dim_sig(cur->irq_hz, prev->irq_hz, pct))
		return cur->irq_hz < prev->irq_hz ? 1 : -1;
	return 0;
}

static void dim_park(struct vfc_controller *ctl, enum vfc__dim_state st)
{
	ctl->dim.state = st;
	ctl->dim.have_ref = false;
	ctl->dim.tired = 0;
	ctl->dim.rest_left = ctl->cfg.dim.rest ? ctl->cfg.dim.rest : ctl->dim.tired_max;
}

/* One step in dir; at the end of the ladder there is nowhere to go: park on top there. */
static void dim_move(struct vfc_controller *ctl)
{
	int64_t next = (int64_t)ctl->dim.ix + ctl->dim.dir;

	if (next < 0 || next >= (int64_t)ctl->dim.nlevels) {
		dim_park(ctl, DIM_PARKED_TOP);
		return;
	}
	ctl->dim.ix = (uint32_t)next;
}

/* Leave parking: towards less moderation unless already at the top of the ladder. */
static void dim_unpark(struct vfc_controller *ctl)
{
	ctl->dim.state = DIM_GOING;
	ctl->dim.turned = false;
	ctl->dim.tired = 0;
	ctl->dim.dir = ctl->dim.ix > 0 ? -1 : 1;
	dim_move(ctl);
}

static uint32_t dim_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	double pct = ctl->cfg.dim.sig_pct;
	int cmp;

	if (sample_idle(s))
		return ctl->cap;
	switch ((enum vfc__dim_state)ctl->dim.state) {
	case DIM_PARKED_TOP:
		if (!ctl->dim.have_ref) {
			/* The first tick spent parked is the reference. */
			ctl->dim.ref = *s;
			ctl->dim.have_ref = true;
		} else if (dim_compare(s, &ctl->dim.ref, pct) != 0) {
			dim_unpark(ctl);
		}
		break;
	case DIM_PARKED_TIRED:
		if (ctl->dim.rest_left)
			ctl->dim.rest_left--;
		if (!ctl->dim.rest_left)
			dim_unpark(ctl);
		break;
	case DIM_GOING:
		if (!ctl->dim.have_prev) {
			dim_move(ctl); /* nothing to compare with yet: take the first step */
			break;
		}
		if (++ctl->dim.tired > ctl->dim.tired_max) {
			dim_park(ctl, DIM_PARKED_TIRED);
			break;
		}
		cmp = dim_compare(s, &ctl->dim.prev, pct);
		if (cmp < 0) {
			/* Worse: turn around (back to the better level). If we had turned already, the
			 * level behind us is the top: go back to it and park. */
			bool was_turned = ctl->dim.turned;

			ctl->dim.dir = -ctl->dim.dir;
			ctl->dim.turned = true;
			dim_move(ctl);
			if (was_turned && ctl->dim.state == DIM_GOING)
				dim_park(ctl, DIM_PARKED_TOP);
		} else if (cmp == 0 && ctl->dim.turned) {
			dim_park(ctl, DIM_PARKED_TOP); /* stable after exploring both sides: this is the top */
		} else {
			dim_move(ctl);
		}
		break;
	}
	ctl->dim.prev = *s;
	ctl->dim.have_prev = true;
	ctl->cap = ctl->dim.levels[ctl->dim.ix];
	return ctl->cap;
}

/* ---- adaptive: ours (docs/controllers.md) ---- */

enum vfc__ad_state {
	AD_START = 0,     /* waiting for the first sample */
	AD_MEASURE_START, /* went to the start level s0, waiting for its sample */
	AD_UPCHECK,       /* after the descent: is the level above the candidate better? */
	AD_CLIMB,         /* climbing while each level is better than the one below */
	AD_DESCEND,       /* bisecting down to the lowest level as good as the best */
	AD_SETTLED,
	AD_PROBE_DOWN,    /* re-probe: one level down */
	AD_PROBE_UP,      /* re-probe: one level up */
	AD_DUEL,          /* settled: is a higher level (the top, or 5 levels up) better? */
};

#define AD_EWMA_N 16        /* level means: running average over 16 samples, then EWMA 1/16 */
#define AD_GUARD_SLACK 1.1  /* cliff guard trips when cap x 1.1 < margin x ops / depth (noise room) */
#define AD_BOUND_FRAC 0.8   /* the cap is the bottleneck when ops / depth >= 0.8 x cap */
#define AD_DUEL_AFTER 20 /* settled ticks between later duels upwards, if re-probes are off */

#define AD_DUEL_TICKS 6   /* a duel round: challenger and settled level alternate, C S S C C S */
#define AD_DUEL_ROUNDS 4  /* an undecided duel goes on for up to 4 rounds, then the means decide */
#define AD_DUEL_FIRST 12  /* settled ticks before a search's first duel, with the top */
#define AD_DUEL_NEXT 3    /* settled ticks before the duel AD_DUEL_JUMP levels up, once the top lost */
#define AD_DUEL_JUMP 5    /* once the top lost: challengers 5 levels up (x 3.05 with step 1.25) */
#define AD_DUEL_BACK 2    /* after a win AD_DUEL_JUMP up: a duel with the level 2 below the winner */
#define AD_SHIFT_NOISE 3.0 /* a shift must also exceed 3 x the machine's tick-to-tick noise */
#define AD_NOISE_MIN_N 5   /* pairs of samples before the noise estimate counts */
#define AD_PROBE_PAIRS 3   /* re-probes below: pairs before a move down (or giving up on it) */

static void ad_record(struct vfc_controller *ctl, uint32_t k, double v)
{
	struct vfc__ad_level *l = &ctl->ad.mem[k];

	if (l->n < UINT32_MAX)
		l->n++;
	l->mean += (v - l->mean) / (double)(l->n < AD_EWMA_N ? l->n : AD_EWMA_N);
}

/* The machine's noise: consecutive samples at one level differ by this fraction on average. It
 * survives restarts (it belongs to the machine, not to a search). */
static void ad_note_noise(struct vfc_controller *ctl, uint32_t lvl, double v)
{
	if (ctl->ad.have_prev && ctl->ad.prev_lvl == lvl && ctl->ad.prev_mbps + v > 0) {
		double d = 2.0 * fabs(v - ctl->ad.prev_mbps) / (ctl->ad.prev_mbps + v);

		if (ctl->ad.noise_n < UINT32_MAX)
			ctl->ad.noise_n++;
		ctl->ad.noise += (d - ctl->ad.noise) /
				 (double)(ctl->ad.noise_n < AD_EWMA_N ? ctl->ad.noise_n : AD_EWMA_N);
	}
	ctl->ad.prev_mbps = v;
	ctl->ad.prev_lvl = lvl;
	ctl->ad.have_prev = true;
}

/* A difference of the mean of `pairs` paired relative differences that noise makes once in a hundred
 * comparisons: z = 2.5 standard errors; the standard deviation of one difference is sqrt(pi / 2) =
 * 1.25 times its mean absolute value (the machine's noise). */
static double ad_noise_z(const struct vfc_controller *ctl, uint32_t pairs)
{
	return ctl->ad.noise_n >= AD_NOISE_MIN_N ? 2.5 * 1.25 * ctl->ad.noise / sqrt((double)pairs) : 0;
}

/* What a level must win by over `pairs` paired samples (a duel's, or re-probes'): the band, and
 * what noise makes (ad_noise_z). */
static double ad_margin(const struct vfc_controller *ctl, uint32_t pairs)
{
	double m = ctl->cfg.adaptive.band_pct / 100.0, z = ad_noise_z(ctl, pairs);

	return z > m ? z : m;
}

/* Is sample v at the settled level a shift, not noise? Beyond shift_pct of the level's mean, and
 * beyond AD_SHIFT_NOISE x the noise between consecutive samples: on a machine whose speed wanders
 * by 20% from one tick to the next, a 10% step says nothing. */
static bool ad_shifted(const struct vfc_controller *ctl, const struct vfc__ad_level *l, double v)
{
	double lim = ctl->cfg.adaptive.shift_pct / 100.0;

	if (ctl->ad.noise_n >= AD_NOISE_MIN_N && AD_SHIFT_NOISE * ctl->ad.noise > lim)
		lim = AD_SHIFT_NOISE * ctl->ad.noise;
	return fabs(v - l->mean) > lim * l->mean;
}

/* The best level mean. A level measured once counts with a discount of half the band: one lucky sample
 * must not hold the bar up for the levels that have been measured again and again. */
static double ad_best(const struct vfc_controller *ctl)
{
	double best = 0, disc = 1.0 - ctl->cfg.adaptive.band_pct / 200.0;

	for (uint32_t k = 0; k < ctl->ad.nlevels; k++) {
		const struct vfc__ad_level *l = &ctl->ad.mem[k];
		double v = l->n >= 2 ? l->mean : l->mean * disc;

		if (l->n && v > best)
			best = v;
	}
	return best;
}

static uint32_t ad_best_level(const struct vfc_controller *ctl)
{
	double best = -1;
	uint32_t k = ctl->ad.settled;

	for (uint32_t i = 0; i < ctl->ad.nlevels; i++) {
		if (ctl->ad.mem[i].n && ctl->ad.mem[i].mean > best) {
			best = ctl->ad.mem[i].mean;
			k = i;
		}
	}
	return k;
}

/* Is level k's mean within the band of the best? */
static bool ad_good(const struct vfc_controller *ctl, uint32_t k)
{
	const struct vfc__ad_level *l = &ctl->ad.mem[k];

	return l->n && l->mean >= ad_best(ctl) * (1.0 - ctl->cfg.adaptive.band_pct / 100.0);
}

static bool ad_better(const struct vfc_controller *ctl, uint32_t hi, uint32_t lo)
{
	return ctl->ad.mem[hi].n && ctl->ad.mem[lo].n &&
	       ctl->ad.mem[hi].mean > ctl->ad.mem[lo].mean * (1.0 + ctl->cfg.adaptive.band_pct / 100.0);
}

/* Lowest level whose cap is >= hz (the top if none). */
static uint32_t ad_level_at_least(const struct vfc_controller *ctl, double hz)
{
	for (uint32_t k = 0; k < ctl->ad.nlevels; k++)
		if ((double)ctl->ad.levels[k] >= hz)
			return k;
	return ctl->ad.nlevels - 1;
}

/* The cliff floor from the best speed seen since the (re)start: no eligible level is below it. */
static uint32_t ad_floor_ix(const struct vfc_controller *ctl)
{
	double best = ad_best(ctl);

	if (!ctl->ad.ref_depth || !(ctl->ad.ref_bytes > 0) || !(best > 0))
		return 0;
	return ad_level_at_least(ctl, ctl->cfg.adaptive.margin * best * 1e6 / ctl->ad.ref_bytes /
					      (double)ctl->ad.ref_depth);
}

/* The lowest cap within band of the best: walk down from the best level while the next level below is
 * measured and good, never below from. On a unimodal curve the good levels are contiguous, so a good
 * level beyond an unmeasured or bad one is noise, not evidence. */
static uint32_t ad_lowest_good(const struct vfc_controller *ctl, uint32_t from)
{
	uint32_t k = ad_best_level(ctl);

	if (k < from)
		k = from;
	while (k > from && ad_good(ctl, k - 1))
		k--;
	return k;
}

/* Where a search ends: the lowest good level from `from` up; but a candidate below the best level
 * that was measured once may owe its place to one lucky sample: take the level above it, and let the
 * averaged re-probes walk down later if it really is as good. */
static uint32_t ad_pick(const struct vfc_controller *ctl, uint32_t from)
{
	uint32_t cand = ad_lowest_good(ctl, from);

	if (ctl->ad.mem[cand].n < 2 && cand + 1 < ctl->ad.nlevels && ctl->ad.mem[cand + 1].n &&
	    ad_best_level(ctl) > cand)
		cand++;
	return cand;
}

/* Settled ticks before the next duel upwards (or re-probe): a search's first duel, with the top,
 * after AD_DUEL_FIRST; once the top lost, the duel AD_DUEL_JUMP levels up after AD_DUEL_NEXT (the
 * settled level was just measured in the duel); after a won duel, the next one further up at the
 * re-probes (every probe ticks, AD_DUEL_AFTER if re-probes are off). */
static uint32_t ad_duel_wait(const struct vfc_controller *ctl)
{
	if (ctl->ad.refine)
		return AD_DUEL_NEXT;
	if (!ctl->ad.won && !ctl->ad.duels_over)
		return ctl->ad.top_tried ? AD_DUEL_NEXT : AD_DUEL_FIRST;
	return ctl->cfg.adaptive.probe ? ctl->cfg.adaptive.probe : AD_DUEL_AFTER;
}

/* Forget the re-probes' evidence: it belongs to one settled level. */
static void ad_probes_reset(struct vfc_controller *ctl)
{
	ctl->ad.probe_dir = 0;
	ctl->ad.probe_up_next = ctl->ad.down_off = false;
	ctl->ad.pair_sum[0] = ctl->ad.pair_sum[1] = 0;
	ctl->ad.pair_n[0] = ctl->ad.pair_n[1] = 0;
}

static void ad_settle(struct vfc_controller *ctl, uint32_t k)
{
	ctl->ad.settled = k;
	ctl->ad.ix = k;
	ctl->ad.state = AD_SETTLED;
	ctl->ad.since = 0;
	ctl->ad.shifts = 0;
	ad_probes_reset(ctl);
}

/* A re-probe's sample p, a level below or above the settled one, is paired with the settled level's
 * samples just before and after it (v): both meet the same phase of the machine, where a level's mean
 * may come from another (on the device, a probe upwards taken as a slow phase ended beat a mean
 * that the phase had pulled down, and the controller moved to a worse cap). The paired relative
 * differences add up over the probes of one settlement. Moves: to a level whose mean beats the band
 * and the noise margin (ad_margin); and down (fewer interrupts at equal speed), after AD_PROBE_PAIRS
 * pairs at least, if their mean is within half the band and, beyond noise, within the band: on a
 * noisy machine a few lucky pairs must not walk the cap down a slope. A level below that is, beyond
 * noise, worse by more than the band is not probed again: near the cliff, each probe there costs
 * much. Returns true if it moved. */
static bool ad_probe_pair(struct vfc_controller *ctl, double v, uint32_t fl)
{
	double half = ctl->cfg.adaptive.band_pct / 200.0, ref = (ctl->ad.pre_mbps + v) / 2, mean;
	unsigned up = ctl->ad.probe_dir > 0;
	uint32_t n;

	ctl->ad.probe_dir = 0;
	if (!(ref > 0))
		return false;
	ctl->ad.pair_sum[up] += ctl->ad.probe_mbps / ref - 1.0;
	n = ++ctl->ad.pair_n[up];
	mean = ctl->ad.pair_sum[up] / n;
	if (up ? ctl->ad.settled + 1 >= ctl->ad.nlevels : ctl->ad.settled <= fl)
		return false;
	if (mean > ad_margin(ctl, n) ||
	    (!up && n >= AD_PROBE_PAIRS && mean >= -half && mean - ad_noise_z(ctl, n) >= -2 * half)) {
		ad_settle(ctl, up ? ctl->ad.settled + 1 : ctl->ad.settled - 1);
		return true;
	}
	if (up || n < AD_PROBE_PAIRS)
		return false;
	if (mean + ad_noise_z(ctl, n) < -2 * half)
		ctl->ad.down_off = true;
	return false;
}

/* The search found cand: check once, at the end, whether the level above is better (the start point may
 * have been below the peak); the risky probes below were done first, this one is on the flat side. */
static void ad_finish(struct vfc_controller *ctl, uint32_t cand)
{
	if (!ctl->ad.upchecked && cand + 1 < ctl->ad.nlevels && !ctl->ad.mem[cand + 1].n) {
		ctl->ad.upchecked = true;
		ctl->ad.s0 = cand;
		ctl->ad.settled = cand;
		ctl->ad.ix = cand + 1;
		ctl->ad.state = AD_UPCHECK;
		return;
	}
	ad_settle(ctl, cand);
}

/* Bisect between lo (bad or below the floor; -1 = none) and the lowest good candidate. */
static void ad_bisect(struct vfc_controller *ctl)
{
	uint32_t fl = ad_floor_ix(ctl);
	uint32_t cand = ad_lowest_good(ctl, fl);
	int64_t lo = ctl->ad.lo < (int64_t)fl - 1 ? (int64_t)fl - 1 : ctl->ad.lo;
	int64_t next = lo + ((int64_t)cand - lo) / 2;

	if (next <= lo || next >= (int64_t)cand || ctl->ad.mem[next].n) {
		ad_finish(ctl, ad_pick(ctl, fl));
		return;
	}
	ctl->ad.settled = cand;
	ctl->ad.ix = (uint32_t)next;
	ctl->ad.state = AD_DESCEND;
}

/* After s0 is measured: bisect down to the lowest good level, then check one level up. */
static void ad_after_start(struct vfc_controller *ctl)
{
	ctl->ad.lo = -1;
	ad_bisect(ctl);
}

/* Forget the levels' means and search again from what sample s (taken at level lvl) tells. What the
 * duels found stays (the caller clears it when the workload changed). */
static void ad_restart(struct vfc_controller *ctl, const struct vfc_speed_sample *s, uint32_t lvl)
{
	const struct vfc_controller_adaptive_cfg *a = &ctl->cfg.adaptive;
	double fl = s->depth ? a->margin * s->ops_per_s / (double)s->depth : 0;
	double cap = (double)ctl->ad.levels[lvl];
	double target;

	memset(ctl->ad.mem, 0, sizeof(ctl->ad.mem));
	ctl->ad.ref_bytes = s->mean_req_bytes;
	ctl->ad.ref_depth = s->depth;
	ctl->ad.have_ref = true;
	ctl->ad.restarts++;
	ctl->ad.shifts = 0;
	ctl->ad.lo = -1;
	ctl->ad.upchecked = false;
	ad_probes_reset(ctl);
	ad_record(ctl, lvl, s->mbps);

	target = a->start * fl;
	if (fl > 0 && s->cap_hz && cap < fl) {
		/* Below the floor: the cap is the bottleneck and ops understate what the workload
		 * could do. Jump well above it. */
		if (s->ops_per_s / (double)s->depth >= AD_BOUND_FRAC * cap && a->esc * cap > target)
			target = a->esc * cap;
		ctl->ad.s0 = ad_level_at_least(ctl, target);
		ctl->ad.ix = ctl->ad.s0;
		ctl->ad.state = AD_MEASURE_START;
	} else if (fl > 0 && (cap > target * a->step || cap * a->step < target)) {
		/* Well above the start point: jump down to it (fewer interrupts is the default bet),
		 * and forget the sample up there. One lucky sample far above would stand as the best,
		 * and as good levels must be contiguous with the best, it would pull the whole search
		 * up to it (on the device: SHA-256 64 KiB at depth 4 went from 10 kHz to the top, 0.9
		 * of the oracle). The duels upwards look up there later, with paired samples. Well
		 * below it (but above the floor), go up to it too: the search looks no more than one
		 * level above where it starts, and where speed rises slowly with the cap (shallow
		 * queues), one noisy sample there held it low until the duel with the top (on the
		 * device: AES 4 KiB going from depth 32 to 4 settled at 52 kHz, 0.66 of the speed it
		 * reached after that duel). */
		memset(&ctl->ad.mem[lvl], 0, sizeof(ctl->ad.mem[lvl]));
		ctl->ad.s0 = ad_level_at_least(ctl, target);
		ctl->ad.ix = ctl->ad.s0;
		ctl->ad.state = AD_MEASURE_START;
	} else {
		ctl->ad.s0 = lvl;
		ad_after_start(ctl);
	}
}

/* The machine changed under a settled level (a shift): its levels' means are stale; keep the settled
 * level, with sample v as its first. A full search would run on samples of the new phase, unpaired:
 * on the device's VM, whose phases of 10 to 20% for a second or two read as shifts, such searches
 * landed a level or three below the best (AES 1 KiB at depth 32: 33 kHz, 0.91 of the oracle). */
static void ad_reanchor(struct vfc_controller *ctl, double v)
{
	memset(ctl->ad.mem, 0, sizeof(ctl->ad.mem));
	ad_record(ctl, ctl->ad.settled, v);
	ad_settle(ctl, ctl->ad.settled);
	ctl->ad.reanchors++;
}

static bool ad_workload_changed(const struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	double lim = ctl->cfg.adaptive.change_pct / 100.0;

	if (!ctl->ad.have_ref)
		return false;
	if (ctl->ad.ref_bytes > 0 && fabs(s->mean_req_bytes - ctl->ad.ref_bytes) > lim * ctl->ad.ref_bytes)
		return true;
	if (ctl->ad.ref_depth && s->depth &&
	    fabs((double)s->depth - (double)ctl->ad.ref_depth) > lim * (double)ctl->ad.ref_depth)
		return true;
	return (ctl->ad.ref_depth == 0) != (s->depth == 0);
}

static uint32_t ad_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	const struct vfc_controller_adaptive_cfg *a = &ctl->cfg.adaptive;
	uint32_t lvl, fl;
	bool changed;
	int st;

	if (sample_idle(s))
		return ctl->cap;
	lvl = s->cap_hz ? nearest_level(ctl->ad.levels, ctl->ad.nlevels, s->cap_hz) : ctl->ad.nlevels - 1;
	changed = ctl->ad.state == AD_START || ad_workload_changed(ctl, s);
	if (changed)
		ctl->ad.have_prev = false; /* no noise pair across workloads */
	ad_note_noise(ctl, lvl, s->mbps);
	if (changed) {
		/* A new workload: its duels are still to be fought. A restart on the same workload (the
		 * cliff guard) keeps what they found, and a duel midway still to come: a machine 10%
		 * slower or faster does not make a cap 3 x higher better, and fighting them again (3
		 * ticks at a cap where speed collapses, per duel) costs more than they would find. */
		ctl->ad.won = ctl->ad.top_tried = ctl->ad.duels_over = false;
		ctl->ad.refine = 0;
		ad_restart(ctl, s, lvl);
		goto out;
	}
	/* Cliff guard: the cap in force is clearly below margin x ops / depth. */
	if (s->depth && s->cap_hz &&
	    (double)s->cap_hz * AD_GUARD_SLACK < a->margin * s->ops_per_s / (double)s->depth) {
		ad_restart(ctl, s, lvl);
		goto out;
	}
	/* A sample from another level than asked for (the PF clamped the cap, or it arrived late):
	 * learn from it but do not act on it. */
	if (lvl != ctl->ad.ix) {
		ad_record(ctl, lvl, s->mbps);
		goto out;
	}
	st = ctl->ad.state;
	if (st == AD_SETTLED) {
		struct vfc__ad_level *l = &ctl->ad.mem[lvl];

		if (l->n >= 3 && ad_shifted(ctl, l, s->mbps)) {
			if (++ctl->ad.shifts >= 2) {
				/* The same cap gives another speed, on the same workload: the machine
				 * changed. Re-anchor: forget the levels' means (they belong to the
				 * machine as it was), stay at the settled level, keep what the duels
				 * found. The paired re-probes move from here, and the cliff guard
				 * restarts the search if the cap has become the bottleneck. */
				ad_reanchor(ctl, s->mbps);
				goto out;
			}
			goto out; /* keep a suspicious sample out of the mean until confirmed */
		}
		ctl->ad.shifts = 0;
	}
	ad_record(ctl, lvl, s->mbps);
	fl = ad_floor_ix(ctl);

	switch ((enum vfc__ad_state)st) {
	case AD_START:
		break;
	case AD_MEASURE_START: {
		/* Re-aim: the start point came from a sample taken at a bad cap, which understates what
		 * the workload can do; this sample may show that start x floor lies well above. A fixed
		 * point iteration that stops as soon as the speed saturates. */
		double target = s->depth ? a->start * a->margin * s->ops_per_s / (double)s->depth : 0;

		if (target > (double)ctl->ad.levels[lvl] * a->step && lvl + 1 < ctl->ad.nlevels) {
			ctl->ad.s0 = ad_level_at_least(ctl, target);
			ctl->ad.ix = ctl->ad.s0;
			break;
		}
		ad_after_start(ctl);
		break;
	}
	case AD_DUEL: {
		/* A duel, settled level against the challenger, in rounds ordered C S S C C S: neighbouring
		 * ticks see the same phase of the machine, and the pattern cancels a steady drift. */
		static const bool duel_up[AD_DUEL_TICKS] = { true, false, false, true, true, false };
		uint32_t up = ctl->ad.duel_lvl; /* the challenger, above the settled level or, refining, below */
		bool down = up < ctl->ad.s0;
		double win;

		ctl->ad.duel_sum[lvl == up] += s->mbps;
		if (++ctl->ad.duel < AD_DUEL_TICKS) {
			ctl->ad.ix = duel_up[ctl->ad.duel] ? up : ctl->ad.s0;
			break;
		}
		ctl->ad.duel_round++;
		win = 1.0 + ad_margin(ctl, ctl->ad.duel_round * (AD_DUEL_TICKS / 2));
		if (ctl->ad.duel_sum[1] <= ctl->ad.duel_sum[0] * win &&
		    ctl->ad.duel_sum[0] <= ctl->ad.duel_sum[1] * win) {
			if (ctl->ad.duel_round < AD_DUEL_ROUNDS) {
				/* Undecided: another round, on the same sums (the margin shrinks with the
				 * square root of the pairs). */
				ctl->ad.duel = 0;
				ctl->ad.ix = up;
				break;
			}
			/* Still undecided after AD_DUEL_ROUNDS: the means decide, by the band alone (their
			 * error is now a third of one tick's noise); within the band, the lower cap (fewer
			 * interrupts): a challenger above must beat the band, one below must not lose by it. */
			win = 1.0 + ctl->cfg.adaptive.band_pct / 100.0;
			if (down)
				win = 1.0 / win;
		}
		if (ctl->ad.duel_sum[1] > ctl->ad.duel_sum[0] * win) {
			/* The challenger wins: settle there. Won AD_DUEL_JUMP up, the peak may lie in
			 * between: a duel downwards, midway, follows (ad_duel_wait). Below the top, duels
			 * go on further up at the re-probes; the paired re-probes walk down from a winner
			 * if a lower level is really as good. */
			ctl->ad.refine = up == ctl->ad.s0 + AD_DUEL_JUMP && ctl->ad.top_tried && up + 1 < ctl->ad.nlevels
						 ? -1 : 0;
			ctl->ad.upchecked = ctl->ad.won = true;
			/* Won downwards: the level it beat lies past the peak, and so does all above it. */
			ctl->ad.duels_over = down || up + 1 >= ctl->ad.nlevels;
			ad_settle(ctl, up);
		} else if (down) {
			/* The winner of the duel upwards holds against the level below it. */
			ad_settle(ctl, ctl->ad.s0);
		} else {
			/* The settled level holds: against the top, a duel with a level AD_DUEL_JUMP up
			 * follows (a peak may lie in between; ad_duel_wait); against that, one midway,
			 * AD_DUEL_BACK up (the slope may fall past the peak as steeply as it rose: level
			 * +5 then loses, and the peak is missed by one level or two); then it is over. */
			ctl->ad.duels_over = up + 1 < ctl->ad.nlevels;
			ctl->ad.refine = up == ctl->ad.s0 + AD_DUEL_JUMP && up + 1 < ctl->ad.nlevels ? 1 : 0;
			ctl->ad.top_tried = true;
			ad_settle(ctl, ctl->ad.s0);
		}
		break;
	}
	case AD_UPCHECK:
		if (ad_better(ctl, lvl, ctl->ad.s0) && lvl + 1 < ctl->ad.nlevels) {
			ctl->ad.ix = lvl + 1;
			ctl->ad.state = AD_CLIMB;
		} else {
			ad_settle(ctl, ad_pick(ctl, fl));
		}
		break;
	case AD_CLIMB:
		/* s0 + 1 proved better than s0: never settle back at s0 or below. */
		if (ad_better(ctl, lvl, lvl - 1) && lvl + 1 < ctl->ad.nlevels)
			ctl->ad.ix = lvl + 1;
		else
			ad_settle(ctl, ad_pick(ctl, fl > ctl->ad.s0 + 1 ? fl : ctl->ad.s0 + 1));
		break;
	case AD_DESCEND:
		if (!ad_good(ctl, lvl))
			ctl->ad.lo = lvl;
		ad_bisect(ctl);
		break;
	case AD_SETTLED:
		if (ctl->ad.settled < fl) {
			ad_settle(ctl, ad_lowest_good(ctl, fl)); /* the floor rose past us */
			break;
		}
		if (ctl->ad.probe_dir && ad_probe_pair(ctl, s->mbps, fl))
			break;
		ctl->ad.pre_mbps = s->mbps;
		if (ctl->ad.probe_up_next) {
			/* re-probes run S D S U S: each probe between two settled samples */
			ctl->ad.probe_up_next = false;
			ctl->ad.ix = ctl->ad.settled + 1;
			ctl->ad.state = AD_PROBE_UP;
			break;
		}
		if (++ctl->ad.since < ad_duel_wait(ctl))
			break;
		ctl->ad.since = 0;
		/* Where interrupts are cheap next to a starving queue (shallow queues, small
		 * requests), speed keeps rising slowly far up, in steps too small to beat the band
		 * one level at a time. The first duel of a search is with the top; if the top does
		 * not win, the next with a level 3 x higher, and after a win further up. */
		if (ctl->ad.top_tried && ctl->ad.settled + AD_DUEL_JUMP >= ctl->ad.nlevels - 1)
			ctl->ad.duels_over = true; /* the top lost, and nothing else lies that far up */
		/* Refining: midway between a duel's winner AD_DUEL_JUMP up and the level it beat. */
		if ((ctl->ad.refine < 0 && ctl->ad.settled < fl + AD_DUEL_BACK) ||
		    (ctl->ad.refine > 0 && ctl->ad.settled + AD_DUEL_BACK >= ctl->ad.nlevels))
			ctl->ad.refine = 0;
		if (ctl->ad.refine || (!ctl->ad.duels_over && ctl->ad.settled + 1 < ctl->ad.nlevels - 1)) {
			ctl->ad.s0 = ctl->ad.settled;
			if (ctl->ad.refine)
				ctl->ad.duel_lvl = (uint32_t)((int64_t)ctl->ad.settled + ctl->ad.refine * AD_DUEL_BACK);
			else
				ctl->ad.duel_lvl = ctl->ad.top_tried ? ctl->ad.settled + AD_DUEL_JUMP
								     : ctl->ad.nlevels - 1;
			ctl->ad.refine = 0;
			ctl->ad.ix = ctl->ad.duel_lvl;
			ctl->ad.duel = ctl->ad.duel_round = 0;
			ctl->ad.duel_sum[0] = ctl->ad.duel_sum[1] = 0;
			ctl->ad.state = AD_DUEL;
			break;
		}
		if (!a->probe)
			break;
		if (ctl->ad.settled > fl && !ctl->ad.down_off) {
			ctl->ad.ix = ctl->ad.settled - 1;
			ctl->ad.state = AD_PROBE_DOWN;
			ctl->ad.probe_up_next = ctl->ad.settled + 1 < ctl->ad.nlevels;
		} else if (ctl->ad.settled + 1 < ctl->ad.nlevels) {
			ctl->ad.ix = ctl->ad.settled + 1;
			ctl->ad.state = AD_PROBE_UP;
		}
		break;
	case AD_PROBE_DOWN:
	case AD_PROBE_UP:
		/* The probe's sample waits for the settled level's next one (ad_probe_pair). */
		ctl->ad.probe_mbps = s->mbps;
		ctl->ad.probe_dir = st == AD_PROBE_UP ? 1 : -1;
		ctl->ad.ix = ctl->ad.settled;
		ctl->ad.state = AD_SETTLED;
		break;
	}
out:
	ctl->cap = ctl->ad.levels[ctl->ad.ix];
	return ctl->cap;
}

/* ---- the interface ---- */

int vfc_controller_init(struct vfc_controller *ctl, const struct vfc_controller_cfg *cfg, uint32_t initial_cap)
{
	if (!ctl || !cfg || check_cfg(cfg, NULL, 0) < 0)
		return -EINVAL;
	memset(ctl, 0, sizeof(*ctl));
	ctl->cfg = *cfg;

	switch (cfg->kind) {
	case VFC_CONTROLLER_KIND_NONE:
		ctl->cap = 0;
		break;
	case VFC_CONTROLLER_KIND_STATIC:
		ctl->cap = cfg->static_hz;
		break;
	case VFC_CONTROLLER_KIND_PAPER:
		ctl->cap = cfg->paper_i0_hz;
		break;
	case VFC_CONTROLLER_KIND_DIM: {
		double c = cfg->dim.max_hz;

		for (uint32_t k = 0; k < VFC_CONTROLLER_MAX_LEVELS && c >= cfg->dim.min_hz * (1 - 1e-9); k++, c /= cfg->dim.step)
			ctl->dim.levels[ctl->dim.nlevels++] = hz_round(c);
		ctl->dim.ix = initial_cap ? nearest_level(ctl->dim.levels, ctl->dim.nlevels, initial_cap) : 0;
		ctl->dim.tired_max = cfg->dim.tired ? cfg->dim.tired : 2 * ctl->dim.nlevels;
		ctl->dim.state = DIM_GOING;
		/* Start towards more moderation (the problem is too many interrupts), unless at the bottom. */
		ctl->dim.dir = ctl->dim.ix + 1 < ctl->dim.nlevels ? 1 : -1;
		ctl->cap = ctl->dim.levels[ctl->dim.ix];
		break;
	}
	case VFC_CONTROLLER_KIND_ADAPTIVE: {
		double c = cfg->adaptive.min_hz;

		for (uint32_t k = 0; k < VFC_CONTROLLER_MAX_LEVELS && c <= cfg->adaptive.max_hz * (1 + 1e-9);
		     k++, c *= cfg->adaptive.step)
			ctl->ad.levels[ctl->ad.nlevels++] = hz_round(c);
		ctl->ad.ix = initial_cap ? nearest_level(ctl->ad.levels, ctl->ad.nlevels, initial_cap)
					 : ctl->ad.nlevels - 1;
		ctl->ad.settled = ctl->ad.ix;
		ctl->ad.state = AD_START;
		ctl->cap = ctl->ad.levels[ctl->ad.ix];
		break;
	}
	}
	return 0;
}

uint32_t vfc_controller_step(struct vfc_controller *ctl, const struct vfc_speed_sample *s)
{
	ctl->ticks++;
	switch (ctl->cfg.kind) {
	case VFC_CONTROLLER_KIND_NONE:
		return ctl->cap = 0;
	case VFC_CONTROLLER_KIND_STATIC:
		return ctl->cap = ctl->cfg.static_hz;
	case VFC_CONTROLLER_KIND_PAPER:
		return paper_step(ctl, s);
	case VFC_CONTROLLER_KIND_DIM:
		return dim_step(ctl, s);
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		return ad_step(ctl, s);
	}
	return ctl->cap;
}

uint32_t vfc_controller_cap(const struct vfc_controller *ctl)
{
	return ctl->cap;
}

const char *vfc_controller_state(const struct vfc_controller *ctl)
{
	static const char *const dim_states[] = { "going", "parked", "tired" };
	static const char *const ad_states[] = { "start",   "measure", "upcheck",    "climb",
						 "descend", "settled", "probe-down", "probe-up", "duel" };

	switch (ctl->cfg.kind) {
	case VFC_CONTROLLER_KIND_NONE:
	case VFC_CONTROLLER_KIND_STATIC:
		return "fixed";
	case VFC_CONTROLLER_KIND_PAPER:
		return ctl->paper.done ? "done" : "watching";
	case VFC_CONTROLLER_KIND_DIM:
		return ctl->dim.state >= 0 && ctl->dim.state < 3 ? dim_states[ctl->dim.state] : "?";
	case VFC_CONTROLLER_KIND_ADAPTIVE:
		return ctl->ad.state >= 0 && ctl->ad.state < 9 ? ad_states[ctl->ad.state] : "?";
	}
	return "?";
}
