/* SPDX-License-Identifier: MIT */
/* scenario.c - scenario and profile JSON: parsing with errors that name the key, the built-in profiles. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static const char *const algo_names[VFC_SIM_ALGO__MAX] = {
	"aes-128-cbc", "aes-128-cbc-dec", "sha256", "rsa-2048", "rsa-3072", "rsa-4096",
};

int vfc_sim_algo_parse(const char *name)
{
	for (int i = 0; i < VFC_SIM_ALGO__MAX; i++)
		if (!strcmp(name, algo_names[i]))
			return i;
	return -1;
}

const char *vfc_sim_algo_name(int algo)
{
	return algo >= 0 && algo < VFC_SIM_ALGO__MAX ? algo_names[algo] : "?";
}

/*
 * dh895xcc-paper: a calibration, not a measurement (docs/sim.md has the
 * method, the fitted values and the residuals). The paper's VMs have one
 * vCPU, and it is the bottleneck: per request it pays the cryptodev submit
 * and copy costs, per interrupt a VM exit and handler (t0) plus the refill
 * of what the exit evicted, proportional to the request size. The device
 * posts one completion per 16 KiB segment of a request and coalesces
 * completions in pairs (or after 17.7 us). Fitted by a random search on
 * the simulator itself so that uncapped sweeps over 1..64 KiB at depth 32
 * peak at 16 KiB with 6450 Hz (AES-128) and with 177 MB/s at 5109 Hz
 * (SHA-256), and RSA-2048 runs 1000 times slower than AES-128 at 4 KiB.
 */
static const struct vfc_sim_profile prof_paper = {
	.name = "dh895xcc-paper",
	.engines = 6,
	.vcpus = 1,
	.t0_ns = 53600,
	.evict_ns_per_kib = 2200,
	.engine_irq_ns = 0,
	.coalesce_count = 2,
	.coalesce_timeout_ns = 17700,
	.jitter = 0.05,
	.algo = {
		/* present, engine_ns, engine_ns_per_kib, req_ns, copy_ns_per_kib, seg_bytes */
		[VFC_SIM_AES_ENC] = { true, 558, 333, 21400, 718, 16384 },
		[VFC_SIM_AES_DEC] = { true, 558, 333, 21400, 718, 16384 },
		[VFC_SIM_SHA256] = { true, 2510, 940, 2990, 2900, 16384 },
		/* RSA: engine-bound; private-key cost grows with the cube of the modulus */
		[VFC_SIM_RSA2048] = { true, 0, 83.25e6, 21400, 718, 0 },
		[VFC_SIM_RSA3072] = { true, 0, 83.25e6 * 3.375, 21400, 718, 0 },
		[VFC_SIM_RSA4096] = { true, 0, 83.25e6 * 8, 21400, 718, 0 },
	},
};

const struct vfc_sim_profile *vfc_sim_profile_builtin(const char *name)
{
	if (!strcmp(name, prof_paper.name))
		return &prof_paper;
	return NULL;
}

/* ---- errors ---- */

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, const char *key, const char *fmt,
						       ...)
{
	va_list ap;
	int n = 0;

	if (errlen) {
		n = snprintf(err, errlen, "%s: ", key);
		if (n < 0 || (size_t)n >= errlen)
			n = 0;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *jtype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static void key_path(char *buf, size_t len, const char *where, const char *key)
{
	if (where && *where)
		snprintf(buf, len, "%s.%s", where, key);
	else
		snprintf(buf, len, "%s", key);
}

/* Every key of obj must be one of known[] (NULL-terminated). */
static int check_keys(json_t *obj, const char *where, const char *const *known, char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		size_t i;
		char kp[256];

		for (i = 0; known[i] && strcmp(known[i], k); i++)
			;
		if (!known[i]) {
			char list[512] = "";

			for (i = 0; known[i]; i++) {
				strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, known[i], sizeof(list) - strlen(list) - 1);
			}
			key_path(kp, sizeof(kp), where, k);
			return fail(err, errlen, kp, "unknown key (known: %s)", list);
		}
	}
	return 0;
}

/* A number in [min, max]; *present tells whether the key was there (absent and required: error). */
static int get_num(json_t *obj, const char *where, const char *key, bool required, double min, double max,
		   double *out, bool *present, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	char kp[256];
	double x;

	key_path(kp, sizeof(kp), where, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? fail(err, errlen, kp, "missing (required)") : 0;
	if (!json_is_number(v))
		return fail(err, errlen, kp, "expected a number, got %s", jtype(v));
	x = json_number_value(v);
	if (!isfinite(x) || x < min || x > max)
		return fail(err, errlen, kp, "%g is out of range (%g .. %g)", x, min, max);
	*out = x;
	return 0;
}

/* An integer in [min, max]. */
static int get_int(json_t *obj, const char *where, const char *key, bool required, double min, double max,
		   uint64_t *out, bool *present, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	char kp[256];
	double x = 0;
	int rc;

	key_path(kp, sizeof(kp), where, key);
	if (v && !json_is_integer(v) && !(json_is_real(v) && json_real_value(v) == floor(json_real_value(v))))
		return fail(err, errlen, kp, "expected an integer, got %s%s", jtype(v),
			    json_is_real(v) ? " with a fraction" : "");
	rc = get_num(obj, where, key, required, min, max, &x, present, err, errlen);
	if (rc == 0 && v)
		*out = (uint64_t)x;
	return rc;
}

static int get_str(json_t *obj, const char *where, const char *key, bool required, const char **out,
		   char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	char kp[256];

	key_path(kp, sizeof(kp), where, key);
	if (!v)
		return required ? fail(err, errlen, kp, "missing (required)") : 0;
	if (!json_is_string(v))
		return fail(err, errlen, kp, "expected a string, got %s", jtype(v));
	*out = json_string_value(v);
	return 0;
}

/* ---- profiles ---- */

int vfc_sim_profile_from_json(json_t *obj, const char *where, struct vfc_sim_profile *p, char *err, size_t errlen)
{
	static const char *const known[] = { "name", "engines", "vcpus", "t0_ns", "evict_ns_per_kib",
					     "engine_irq_ns", "engine_irq_ns_per_kib", "wake_ns", "timer_late_ns",
					     "engine_wake_ns", "engine_spin_ns", "engine_irq_wake_ns",
					     "coalesce_count", "coalesce_timeout_ns", "jitter",
					     "algos", "comment", "fit", NULL };
	static const char *const aknown[] = { "engine_ns", "engine_ns_per_kib", "req_ns", "copy_ns_per_kib",
					      "seg_bytes", NULL };
	const char *name = "custom", *k;
	json_t *algos, *a;
	uint64_t u = 0;
	char w[256];
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(obj))
		return fail(err, errlen, where, "expected an object, got %s", jtype(obj));
	rc = check_keys(obj, where, known, err, errlen);
	if (!rc)
		rc = get_str(obj, where, "name", false, &name, err, errlen);
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (!rc && !(rc = get_int(obj, where, "engines", true, 1, 65536, &u, NULL, err, errlen)))
		p->engines = (uint32_t)u;
	u = 1;
	if (!rc && !(rc = get_int(obj, where, "vcpus", false, 1, 256, &u, NULL, err, errlen)))
		p->vcpus = (uint32_t)u;
	if (!rc)
		rc = get_num(obj, where, "t0_ns", true, 0, 1e12, &p->t0_ns, NULL, err, errlen);
	if (!rc)
		rc = get_num(obj, where, "evict_ns_per_kib", false, 0, 1e12, &p->evict_ns_per_kib, NULL, err, errlen);
	if (!rc)
		rc = get_num(obj, where, "engine_irq_ns", false, 0, 1e12, &p->engine_irq_ns, NULL, err, errlen);
	if (!rc)
		rc = get_num(obj, where, "engine_irq_ns_per_kib", false, 0, 1e12, &p->engine_irq_ns_per_kib, NULL, err,
			     errlen);
	if (!rc)
		rc = get_num(obj, where, "wake_ns", false, 0, 1e12, &p->wake_ns, NULL, err, errlen);
	if (!rc)
		rc = get_num(obj, where, "timer_late_ns", false, 0, 1e12, &p->timer_late_ns, NULL, err, errlen);
	if (!rc)
		rc = get_num(obj, where, "engine_wake_ns", false, 0, 1e12, &p->engine_wake_ns, NULL, err, errlen);
	if (!rc)
		rc = get_num(obj, where, "engine_irq_wake_ns", false, 0, 1e12, &p->engine_irq_wake_ns, NULL, err,
			     errlen);
	if (!rc)
		rc = get_num(obj, where, "engine_spin_ns", false, 0, 1e12, &p->engine_spin_ns, NULL, err, errlen);
	u = 0;
	if (!rc && !(rc = get_int(obj, where, "coalesce_count", false, 0, 1e9, &u, NULL, err, errlen)))
		p->coalesce_count = (uint32_t)u;
	if (!rc)
		rc = get_int(obj, where, "coalesce_timeout_ns", false, 0, 1e12, &p->coalesce_timeout_ns, NULL, err,
			     errlen);
	if (!rc)
		rc = get_num(obj, where, "jitter", false, 0, 0.9, &p->jitter, NULL, err, errlen);
	if (rc)
		return rc;
	key_path(w, sizeof(w), where, "algos");
	algos = json_object_get(obj, "algos");
	if (!algos)
		return fail(err, errlen, w, "missing (required)");
	if (!json_is_object(algos) || !json_object_size(algos))
		return fail(err, errlen, w, "expected a non-empty object of algorithms, got %s", jtype(algos));
	json_object_foreach(algos, k, a) {
		int ai = vfc_sim_algo_parse(k);
		struct vfc_sim_algo_prof *ap;
		char aw[300];

		snprintf(aw, sizeof(aw), "%s.%s", w, k);
		if (ai < 0)
			return fail(err, errlen, aw, "unknown algorithm (known: aes-128-cbc, aes-128-cbc-dec, sha256, "
					     "rsa-2048, rsa-3072, rsa-4096)");
		if (!json_is_object(a))
			return fail(err, errlen, aw, "expected an object, got %s", jtype(a));
		ap = &p->algo[ai];
		rc = check_keys(a, aw, aknown, err, errlen);
		if (!rc)
			rc = get_num(a, aw, "engine_ns", true, 0, 1e12, &ap->engine_ns, NULL, err, errlen);
		if (!rc)
			rc = get_num(a, aw, "engine_ns_per_kib", true, 0, 1e12, &ap->engine_ns_per_kib, NULL, err,
				     errlen);
		if (!rc)
			rc = get_num(a, aw, "req_ns", false, 0, 1e12, &ap->req_ns, NULL, err, errlen);
		if (!rc)
			rc = get_num(a, aw, "copy_ns_per_kib", false, 0, 1e12, &ap->copy_ns_per_kib, NULL, err, errlen);
		u = 0;
		if (!rc && !(rc = get_int(a, aw, "seg_bytes", false, 0, 1 << 30, &u, NULL, err, errlen)))
			ap->seg_bytes = (uint32_t)u;
		if (rc)
			return rc;
		if (ap->engine_ns + ap->engine_ns_per_kib <= 0)
			return fail(err, errlen, aw, "engine_ns and engine_ns_per_kib are both 0 (infinitely fast)");
		ap->present = true;
	}
	return 0;
}

json_t *vfc_sim_profile_json(const struct vfc_sim_profile *p)
{
	json_t *o = json_object(), *algos = json_object();

	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "engines", json_integer(p->engines));
	json_object_set_new(o, "vcpus", json_integer(p->vcpus));
	json_object_set_new(o, "t0_ns", json_real(p->t0_ns));
	json_object_set_new(o, "evict_ns_per_kib", json_real(p->evict_ns_per_kib));
	json_object_set_new(o, "engine_irq_ns", json_real(p->engine_irq_ns));
	json_object_set_new(o, "engine_irq_ns_per_kib", json_real(p->engine_irq_ns_per_kib));
	json_object_set_new(o, "wake_ns", json_real(p->wake_ns));
	json_object_set_new(o, "timer_late_ns", json_real(p->timer_late_ns));
	json_object_set_new(o, "engine_wake_ns", json_real(p->engine_wake_ns));
	json_object_set_new(o, "engine_spin_ns", json_real(p->engine_spin_ns));
	json_object_set_new(o, "engine_irq_wake_ns", json_real(p->engine_irq_wake_ns));
	json_object_set_new(o, "coalesce_count", json_integer(p->coalesce_count));
	json_object_set_new(o, "coalesce_timeout_ns", json_integer((json_int_t)p->coalesce_timeout_ns));
	json_object_set_new(o, "jitter", json_real(p->jitter));
	for (int i = 0; i < VFC_SIM_ALGO__MAX; i++) {
		const struct vfc_sim_algo_prof *a = &p->algo[i];
		json_t *j;

		if (!a->present)
			continue;
		j = json_object();
		json_object_set_new(j, "engine_ns", json_real(a->engine_ns));
		json_object_set_new(j, "engine_ns_per_kib", json_real(a->engine_ns_per_kib));
		json_object_set_new(j, "req_ns", json_real(a->req_ns));
		json_object_set_new(j, "copy_ns_per_kib", json_real(a->copy_ns_per_kib));
		json_object_set_new(j, "seg_bytes", json_integer(a->seg_bytes));
		json_object_set_new(algos, algo_names[i], j);
	}
	json_object_set_new(o, "algos", algos);
	return o;
}

/* ---- scenarios ---- */

static int load_profile_file(const char *path, const char *base_dir, struct vfc_sim_profile *p, char *err,
			     size_t errlen)
{
	char full[4096];
	json_error_t je;
	json_t *root;
	int rc;

	if (path[0] != '/' && base_dir && *base_dir)
		snprintf(full, sizeof(full), "%s/%s", base_dir, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	root = json_load_file(full, 0, &je);
	if (!root)
		return fail(err, errlen, "profile_file", "%s:%d: %s", full, je.line, je.text);
	/* A file from `vfc sim calibrate --out` holds the profile itself. */
	rc = vfc_sim_profile_from_json(root, "profile_file", p, err, errlen);
	json_decref(root);
	return rc;
}

static int parse_phase(json_t *ph, const char *where, int gi, uint32_t pi, const struct vfc_sim_phase *prev,
		       const struct vfc_sim_scenario *sc, struct vfc_sim_phase *out, char *err, size_t errlen)
{
	static const char *const known[] = { "at_s", "algo", "block_bytes", "depth", "rate_ops", NULL };
	const char *algo = NULL;
	bool has_depth, has_rate;
	uint64_t u = 0;
	double at = 0, rate = 0;
	char kp[256];
	int rc;

	(void)gi;
	if (!json_is_object(ph))
		return fail(err, errlen, where, "expected an object, got %s", jtype(ph));
	rc = check_keys(ph, where, known, err, errlen);
	if (rc)
		return rc;
	if (prev)
		*out = *prev;
	else
		memset(out, 0, sizeof(*out));
	rc = get_num(ph, where, "at_s", pi > 0, 0, 1e9, &at, NULL, err, errlen);
	if (rc)
		return rc;
	key_path(kp, sizeof(kp), where, "at_s");
	out->at_ns = (uint64_t)llround(at * 1e9);
	if (pi == 0 && out->at_ns != 0)
		return fail(err, errlen, kp, "the first phase must start at 0, not %g", at);
	if (prev && out->at_ns <= prev->at_ns)
		return fail(err, errlen, kp, "phases out of order (%g s is not after the previous phase's %g s)", at,
			    prev->at_ns / 1e9);
	if (out->at_ns >= sc->duration_ns)
		return fail(err, errlen, kp, "%g s is not before the end of the run (duration_s %g)", at,
			    sc->duration_ns / 1e9);
	rc = get_str(ph, where, "algo", !prev, &algo, err, errlen);
	if (rc)
		return rc;
	if (algo) {
		int a = vfc_sim_algo_parse(algo);

		key_path(kp, sizeof(kp), where, "algo");
		if (a < 0)
			return fail(err, errlen, kp, "unknown algorithm '%s' (known: aes-128-cbc, aes-128-cbc-dec, "
					     "sha256, rsa-2048, rsa-3072, rsa-4096)", algo);
		if (!sc->prof.algo[a].present)
			return fail(err, errlen, kp, "'%s' is not in profile '%s'", algo, sc->prof.name);
		out->algo = a;
	}
	rc = get_int(ph, where, "block_bytes", !prev, 1, 1 << 30, &u, NULL, err, errlen);
	if (rc)
		return rc;
	if (u)
		out->block_bytes = (uint32_t)u;
	u = 0;
	rc = get_int(ph, where, "depth", false, 1, 65536, &u, &has_depth, err, errlen);
	if (rc)
		return rc;
	rc = get_num(ph, where, "rate_ops", false, 1e-3, 1e9, &rate, &has_rate, err, errlen);
	if (rc)
		return rc;
	if (has_depth && has_rate) {
		key_path(kp, sizeof(kp), where, "rate_ops");
		return fail(err, errlen, kp, "give depth (closed loop) or rate_ops (open loop), not both");
	}
	if (!prev && !has_depth && !has_rate) {
		key_path(kp, sizeof(kp), where, "depth");
		return fail(err, errlen, kp, "missing (the first phase needs depth or rate_ops)");
	}
	if (has_depth) {
		out->depth = (uint32_t)u;
		out->rate_ops = 0;
	}
	if (has_rate) {
		out->rate_ops = rate;
		out->depth = 0;
	}
	return 0;
}

static int parse_group(json_t *g, int gi, struct vfc_sim_scenario *sc, struct vfc_sim_group *gr, char *err,
		       size_t errlen)
{
	static const char *const known[] = { "vfs", "ctl", "vcpus", "max_queue", "phases", "name", NULL };
	const char *ctl = "none";
	char where[64], kp[256], cerr[256];
	json_t *phases;
	uint64_t u = 0;
	int rc;

	snprintf(where, sizeof(where), "groups[%d]", gi);
	if (!json_is_object(g))
		return fail(err, errlen, where, "expected an object, got %s", jtype(g));
	rc = check_keys(g, where, known, err, errlen);
	if (!rc && !(rc = get_int(g, where, "vfs", true, 1, 1000000, &u, NULL, err, errlen)))
		gr->vfs = (uint32_t)u;
	if (!rc)
		rc = get_str(g, where, "ctl", false, &ctl, err, errlen);
	if (rc)
		return rc;
	snprintf(gr->ctl_spec, sizeof(gr->ctl_spec), "%s", ctl);
	if (vfc_controller_parse(ctl, &gr->ctl, cerr, sizeof(cerr)) < 0) {
		key_path(kp, sizeof(kp), where, "ctl");
		return fail(err, errlen, kp, "%s", cerr);
	}
	u = sc->prof.vcpus ? sc->prof.vcpus : 1;
	if (!(rc = get_int(g, where, "vcpus", false, 1, 256, &u, NULL, err, errlen)))
		gr->vcpus = (uint32_t)u;
	u = 1024;
	if (!rc && !(rc = get_int(g, where, "max_queue", false, 1, 1 << 20, &u, NULL, err, errlen)))
		gr->max_queue = (uint32_t)u;
	if (rc)
		return rc;
	key_path(kp, sizeof(kp), where, "phases");
	phases = json_object_get(g, "phases");
	if (!phases)
		return fail(err, errlen, kp, "missing (required)");
	if (!json_is_array(phases) || !json_array_size(phases))
		return fail(err, errlen, kp, "expected a non-empty array, got %s%s", jtype(phases),
			    json_is_array(phases) ? " (empty)" : "");
	gr->nphases = (uint32_t)json_array_size(phases);
	gr->phases = calloc(gr->nphases, sizeof(*gr->phases));
	if (!gr->phases)
		return fail(err, errlen, kp, "out of memory");
	for (uint32_t p = 0; p < gr->nphases; p++) {
		char pw[128];

		snprintf(pw, sizeof(pw), "%s.phases[%u]", where, p);
		rc = parse_phase(json_array_get(phases, p), pw, gi, p, p ? &gr->phases[p - 1] : NULL, sc,
				 &gr->phases[p], err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

int vfc_sim_scenario_parse(json_t *root, const char *base_dir, struct vfc_sim_scenario *sc, char *err,
			   size_t errlen)
{
	static const char *const known[] = { "profile", "profile_file", "seed", "duration_s", "tick_ms", "engines",
					     "groups", "name", "comment", "mode", NULL };
	json_t *prof, *groups;
	const char *pfile = NULL;
	double dur = 0;
	uint64_t u = 0;
	int rc;

	memset(sc, 0, sizeof(*sc));
	if (!json_is_object(root))
		return fail(err, errlen, "scenario", "expected an object, got %s", jtype(root));
	rc = check_keys(root, "", known, err, errlen);
	if (rc)
		return rc;
	prof = json_object_get(root, "profile");
	rc = get_str(root, "", "profile_file", false, &pfile, err, errlen);
	if (rc)
		return rc;
	if (!prof)
		return fail(err, errlen, "profile", "missing (required): \"dh895xcc-paper\", \"local\" with "
				     "profile_file, or a profile object");
	if (json_is_object(prof)) {
		if (pfile)
			return fail(err, errlen, "profile_file", "not allowed with an inline profile object");
		rc = vfc_sim_profile_from_json(prof, "profile", &sc->prof, err, errlen);
	} else if (json_is_string(prof)) {
		const char *name = json_string_value(prof);
		const struct vfc_sim_profile *b = vfc_sim_profile_builtin(name);

		if (pfile) {
			rc = load_profile_file(pfile, base_dir, &sc->prof, err, errlen);
			if (!rc)
				snprintf(sc->prof.name, sizeof(sc->prof.name), "%s", name);
		} else if (b) {
			sc->prof = *b;
		} else if (!strcmp(name, "local")) {
			rc = fail(err, errlen, "profile_file", "missing: profile \"local\" needs the file written by "
							     "`vfc sim calibrate FILE.csv --out PROFILE.json`");
		} else {
			rc = fail(err, errlen, "profile", "unknown profile '%s' (built in: dh895xcc-paper; or "
							"\"local\" with profile_file)", name);
		}
	} else {
		rc = fail(err, errlen, "profile", "expected a string or an object, got %s", jtype(prof));
	}
	if (rc)
		return rc;
	u = 1;
	if (!(rc = get_int(root, "", "seed", false, 0, 9007199254740992.0, &u, NULL, err, errlen)))
		sc->seed = u;
	if (!rc)
		rc = get_num(root, "", "duration_s", true, 1e-6, 1e7, &dur, NULL, err, errlen);
	sc->duration_ns = (uint64_t)llround(dur * 1e9);
	u = 1000;
	if (!rc && !(rc = get_int(root, "", "tick_ms", false, 1, 3600000, &u, NULL, err, errlen)))
		sc->tick_ns = u * 1000000ull;
	u = sc->prof.engines;
	if (!rc && !(rc = get_int(root, "", "engines", false, 1, 65536, &u, NULL, err, errlen)))
		sc->engines = (uint32_t)u;
	if (!rc && !(rc = get_str(root, "", "mode", false, &pfile, err, errlen)) && json_object_get(root, "mode")) {
		sc->aggregate = !strcmp(pfile, "aggregate");
		if (!sc->aggregate && strcmp(pfile, "exact"))
			rc = fail(err, errlen, "mode", "expected \"exact\" or \"aggregate\", got '%s'", pfile);
	}
	if (rc)
		return rc;
	groups = json_object_get(root, "groups");
	if (!groups)
		return fail(err, errlen, "groups", "missing (required)");
	if (!json_is_array(groups) || !json_array_size(groups))
		return fail(err, errlen, "groups", "expected a non-empty array, got %s%s", jtype(groups),
			    json_is_array(groups) ? " (empty)" : "");
	if (json_array_size(groups) > 4096)
		return fail(err, errlen, "groups", "at most 4096 groups");
	sc->ngroups = (uint32_t)json_array_size(groups);
	sc->groups = calloc(sc->ngroups, sizeof(*sc->groups));
	if (!sc->groups)
		return fail(err, errlen, "groups", "out of memory");
	for (uint32_t g = 0; g < sc->ngroups; g++) {
		rc = parse_group(json_array_get(groups, g), (int)g, sc, &sc->groups[g], err, errlen);
		if (rc) {
			vfc_sim_scenario_fini(sc);
			return rc;
		}
		if ((uint64_t)sc->nvfs + sc->groups[g].vfs > 1000000) {
			vfc_sim_scenario_fini(sc);
			return fail(err, errlen, "groups", "more than 1000000 VFs in all");
		}
		sc->nvfs += sc->groups[g].vfs;
	}
	return 0;
}

int vfc_sim_scenario_load(const char *path, struct vfc_sim_scenario *sc, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	char dir[4096], *slash;
	char sub[768];
	int rc;

	memset(sc, 0, sizeof(*sc));
	if (!root) {
		if (errlen)
			snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	rc = vfc_sim_scenario_parse(root, dir, sc, sub, sizeof(sub));
	if (rc && errlen)
		snprintf(err, errlen, "%s: %s", path, sub);
	json_decref(root);
	return rc;
}

void vfc_sim_scenario_fini(struct vfc_sim_scenario *sc)
{
	if (!sc)
		return;
	for (uint32_t g = 0; g < sc->ngroups; g++)
		free(sc->groups[g].phases);
	free(sc->groups);
	sc->groups = NULL;
	sc->ngroups = 0;
	sc->nvfs = 0;
}
