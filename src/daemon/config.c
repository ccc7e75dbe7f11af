/* SPDX-License-Identifier: MIT */
/* config.c - vfcd configuration: defaults, the INI file (inih), per-VF policy key=value pairs. */
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"

static int set_err(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int set_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void vfcd_policy_init(struct vfcd_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->uid = VFCD_ANY_ID;
	p->gid = VFCD_ANY_ID;
}

void vfcd_config_init(struct vfcd_config *c)
{
	memset(c, 0, sizeof(*c));
	vfc_pf_config_init(&c->pf);
	c->socket_mode = 0660;
	snprintf(c->metrics, sizeof(c->metrics), "%s", VFCD_METRICS_DEFAULT);
	c->drain_ms = VFCD_DRAIN_MS_DEFAULT;
	for (unsigned i = 0; i < VFC_MAX_VFS; i++)
		vfcd_policy_init(&c->pol[i]);
}

int vfcd_default_socket(char *out, size_t len)
{
	const char *xdg;

	if (geteuid() == 0) {
		snprintf(out, len, "/run/vfcd/vfcd.sock");
		return 0;
	}
	xdg = getenv("XDG_RUNTIME_DIR");
	if (!xdg || !*xdg)
		return -ENOENT;
	if ((size_t)snprintf(out, len, "%s/vfcd.sock", xdg) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* An unsigned number with an optional K/M/G suffix (powers of 1024 when bin). */
static int parse_u64(const char *s, uint64_t max, int suffix, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	if (suffix && *end) {
		unsigned shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 :
				 *end == 'G' || *end == 'g' ? 30 : 0;

		if (!shift || end[1] || v > (UINT64_MAX >> shift))
			return -EINVAL;
		v <<= shift;
		end++;
	}
	if (*end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int rc = parse_u64(s, UINT32_MAX - 1, 0, &v);

	if (!rc)
		*out = (uint32_t)v;
	return rc;
}

static int parse_id(const char *s, int group, uint32_t *out)
{
	uint64_t v;

	if (!strcmp(s, "any") || !strcmp(s, "*")) {
		*out = VFCD_ANY_ID;
		return 0;
	}
	if (parse_u64(s, UINT32_MAX - 1, 0, &v) == 0) {
		*out = (uint32_t)v;
		return 0;
	}
	if (group) {
		struct group *g = getgrnam(s);

		if (!g)
			return -ENOENT;
		*out = g->gr_gid;
	} else {
		struct passwd *p = getpwnam(s);

		if (!p)
			return -ENOENT;
		*out = p->pw_uid;
	}
	return 0;
}

static const char *const ctl_names[] = { "none", "static", "paper", "dim", "adaptive" };

/* Whether the comma list names only known controllers. */
static int ctl_list_ok(const char *list)
{
	const char *p = list;

	if (!*list || !strcmp(list, "any"))
		return 1;
	while (*p) {
		size_t n = strcspn(p, ","), k;

		for (k = 0; k < sizeof(ctl_names) / sizeof(ctl_names[0]); k++)
			if (strlen(ctl_names[k]) == n && !strncmp(p, ctl_names[k], n))
				break;
		if (k == sizeof(ctl_names) / sizeof(ctl_names[0]))
			return 0;
		p += n;
		if (*p == ',')
			p++;
	}
	return 1;
}

int vfcd_policy_ctl_allowed(const struct vfcd_policy *p, const char *spec)
{
	const char *list = p->controller, *q;
	size_t name_len = strcspn(spec, ":");

	if (!list[0] || !strcmp(list, "any"))
		return 1;
	for (q = list; *q;) {
		size_t n = strcspn(q, ",");

		if (n == name_len && !strncmp(q, spec, n))
			return 1;
		q += n;
		if (*q == ',')
			q++;
	}
	return 0;
}

int vfcd_policy_kv(struct vfcd_policy *p, uint32_t *set, const char *key, const char *val, char *err,
		   size_t errlen)
{
	uint32_t bit, *field = NULL;
	int rc;

	if (!strcmp(key, "min_cap_hz") || !strcmp(key, "min_cap")) {
		field = &p->pf.min_cap_hz;
		bit = VFCD_POL_MIN_CAP;
	} else if (!strcmp(key, "max_cap_hz") || !strcmp(key, "max_cap")) {
		field = &p->pf.max_cap_hz;
		bit = VFCD_POL_MAX_CAP;
	} else if (!strcmp(key, "max_sessions")) {
		field = &p->pf.max_sessions;
		bit = VFCD_POL_SESSIONS;
	} else if (!strcmp(key, "max_keys")) {
		field = &p->pf.max_keys;
		bit = VFCD_POL_KEYS;
	} else if (!strcmp(key, "max_in_flight")) {
		field = &p->max_in_flight;
		bit = VFCD_POL_INFLIGHT;
	} else if (!strcmp(key, "uid") || !strcmp(key, "user")) {
		rc = parse_id(val, 0, &p->uid);
		if (rc)
			return set_err(err, errlen, -EINVAL, "%s: expected a uid, a user name or 'any', got '%s'",
				       key, val);
		*set |= VFCD_POL_UID;
		return 0;
	} else if (!strcmp(key, "gid") || !strcmp(key, "group")) {
		rc = parse_id(val, 1, &p->gid);
		if (rc)
			return set_err(err, errlen, -EINVAL, "%s: expected a gid, a group name or 'any', got '%s'",
				       key, val);
		*set |= VFCD_POL_GID;
		return 0;
	} else if (!strcmp(key, "controller")) {
		if (strlen(val) >= sizeof(p->controller) || !ctl_list_ok(val))
			return set_err(err, errlen, -EINVAL,
				       "controller: expected 'any' or a comma list of none, static, paper, dim, "
				       "adaptive, got '%s'", val);
		snprintf(p->controller, sizeof(p->controller), "%s", strcmp(val, "any") ? val : "");
		*set |= VFCD_POL_CONTROLLER;
		return 0;
	} else {
		return set_err(err, errlen, -ENOENT, "unknown policy key '%s'", key);
	}
	if (parse_u32(val, field))
		return set_err(err, errlen, -EINVAL, "%s: expected a number, got '%s'", key, val);
	*set |= bit;
	return 0;
}

void vfcd_policy_merge(struct vfcd_policy *dst, const struct vfcd_policy *src, uint32_t set)
{
	if (set & VFCD_POL_MIN_CAP)
		dst->pf.min_cap_hz = src->pf.min_cap_hz;
	if (set & VFCD_POL_MAX_CAP)
		dst->pf.max_cap_hz = src->pf.max_cap_hz;
	if (set & VFCD_POL_SESSIONS)
		dst->pf.max_sessions = src->pf.max_sessions;
	if (set & VFCD_POL_KEYS)
		dst->pf.max_keys = src->pf.max_keys;
	if (set & VFCD_POL_UID)
		dst->uid = src->uid;
	if (set & VFCD_POL_GID)
		dst->gid = src->gid;
	if (set & VFCD_POL_INFLIGHT)
		dst->max_in_flight = src->max_in_flight;
	if (set & VFCD_POL_CONTROLLER)
		memcpy(dst->controller, src->controller, sizeof(dst->controller));
}

int vfcd_policy_check(const struct vfcd_policy *p, char *err, size_t errlen)
{
	if (p->pf.min_cap_hz && p->pf.max_cap_hz && p->pf.min_cap_hz > p->pf.max_cap_hz)
		return set_err(err, errlen, -EINVAL, "min_cap_hz %u is above max_cap_hz %u", p->pf.min_cap_hz,
			       p->pf.max_cap_hz);
	if (!memchr(p->controller, '\0', sizeof(p->controller)) || !ctl_list_ok(p->controller))
		return set_err(err, errlen, -EINVAL, "bad controller list");
	return 0;
}

/* ---- the INI file ---- */

struct ini_ctx {
	struct vfcd_config *c;
	struct vfcd_policy *pol; /* where policy goes */
	uint32_t vf_set[VFC_MAX_VFS]; /* keys a [vf.N] section set (they win over [policy]) */
	struct vfcd_policy def;
	uint32_t def_set;
	struct vfcd_policy vf[VFC_MAX_VFS];
	int policy_only;
	char *err;
	size_t errlen;
};

static int ini_device(struct ini_ctx *x, const char *name, const char *value)
{
	struct vfc_pf_config *pf = &x->c->pf;
	uint64_t v;

	if (!strcmp(name, "vfs")) {
		if (parse_u64(value, VFC_MAX_VFS, 0, &v) || v < 1)
			return set_err(x->err, x->errlen, -EINVAL, "vfs: expected 1..%d, got '%s'", VFC_MAX_VFS,
				       value);
		pf->n_vfs = (unsigned)v;
	} else if (!strcmp(name, "engines")) {
		if (parse_u64(value, VFC_MAX_ENGINES, 0, &v) || v < 1)
			return set_err(x->err, x->errlen, -EINVAL, "engines: expected 1..%d, got '%s'",
				       VFC_MAX_ENGINES, value);
		pf->n_engines = (unsigned)v;
	} else if (!strcmp(name, "ring_entries")) {
		if (parse_u64(value, VFC_RING_MAX, 0, &v))
			return set_err(x->err, x->errlen, -EINVAL, "ring_entries: bad value '%s'", value);
		pf->ring_entries = (unsigned)v;
	} else if (!strcmp(name, "pool_size")) {
		if (parse_u64(value, VFC_POOL_MAX, 1, &v))
			return set_err(x->err, x->errlen, -EINVAL, "pool_size: bad value '%s'", value);
		pf->pool_size = v;
	} else if (!strcmp(name, "engine_spin_us")) {
		if (parse_u64(value, VFC_ENGINE_SPIN_MAX_US, 0, &v))
			return set_err(x->err, x->errlen, -EINVAL, "engine_spin_us: expected 0..%d, got '%s'",
				       VFC_ENGINE_SPIN_MAX_US, value);
		pf->spin_us = (unsigned)v;
	} else if (!strcmp(name, "burst")) {
		if (parse_u64(value, 64, 0, &v))
			return set_err(x->err, x->errlen, -EINVAL, "burst: bad value '%s'", value);
		pf->burst = (unsigned)v;
	} else {
		return set_err(x->err, x->errlen, -ENOENT, "unknown key '%s' in [device]", name);
	}
	return 0;
}

static int ini_daemon(struct ini_ctx *x, const char *name, const char *value)
{
	struct vfcd_config *c = x->c;
	uint64_t v;

	if (!strcmp(name, "socket")) {
		if (strlen(value) >= sizeof(c->socket_path))
			return set_err(x->err, x->errlen, -ENAMETOOLONG, "socket: path too long");
		snprintf(c->socket_path, sizeof(c->socket_path), "%s", value);
	} else if (!strcmp(name, "socket_mode")) {
		if (parse_u64(value, 0777, 0, &v))
			return set_err(x->err, x->errlen, -EINVAL, "socket_mode: bad mode '%s'", value);
		c->socket_mode = (unsigned)v;
	} else if (!strcmp(name, "metrics")) {
		if (strlen(value) >= sizeof(c->metrics))
			return set_err(x->err, x->errlen, -EINVAL, "metrics: too long");
		snprintf(c->metrics, sizeof(c->metrics), "%s", value);
	} else if (!strcmp(name, "drain_timeout_ms")) {
		if (parse_u64(value, 3600000, 0, &v))
			return set_err(x->err, x->errlen, -EINVAL, "drain_timeout_ms: bad value '%s'", value);
		c->drain_ms = (unsigned)v;
	} else if (!strcmp(name, "log")) {
		if (!strcmp(value, "syslog"))
			c->use_syslog = 1;
		else if (!strcmp(value, "stderr"))
			c->use_syslog = 0;
		else
			return set_err(x->err, x->errlen, -EINVAL, "log: expected stderr or syslog, got '%s'", value);
	} else if (!strcmp(name, "verbose")) {
		c->verbose = !strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes");
	} else {
		return set_err(x->err, x->errlen, -ENOENT, "unknown key '%s' in [daemon]", name);
	}
	return 0;
}

static int vfcd_ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = user;
	uint64_t vf;
	char *end;
	int rc;

	if (!strcmp(section, "policy")) {
		rc = vfcd_policy_kv(&x->def, &x->def_set, name, value, x->err, x->errlen);
	} else if (!strncmp(section, "vf.", 3)) {
		errno = 0;
		vf = strtoull(section + 3, &end, 10);
		if (!section[3] || *end || errno || vf >= VFC_MAX_VFS) {
			set_err(x->err, x->errlen, -EINVAL, "[%s]: expected [vf.N] with N from 0 to %d", section,
				VFC_MAX_VFS - 1);
			return 0;
		}
		if (!strcmp(name, "weight")) {
			if (x->policy_only)
				return 1; /* a device setting: needs a restart */
			if (parse_u64(value, 1024, 0, &vf) == 0 && vf >= 1) {
				x->c->pf.weights[strtoull(section + 3, NULL, 10)] = (unsigned)vf;
				return 1;
			}
			set_err(x->err, x->errlen, -EINVAL, "weight: expected 1..1024, got '%s'", value);
			return 0;
		}
		rc = vfcd_policy_kv(&x->vf[vf], &x->vf_set[vf], name, value, x->err, x->errlen);
	} else if (!strcmp(section, "device")) {
		rc = x->policy_only ? 0 : ini_device(x, name, value);
	} else if (!strcmp(section, "daemon")) {
		rc = x->policy_only ? 0 : ini_daemon(x, name, value);
	} else {
		rc = set_err(x->err, x->errlen, -ENOENT, "unknown section [%s]", section);
	}
	return rc == 0;
}

static void ini_policies(struct ini_ctx *x, struct vfcd_policy pol[VFC_MAX_VFS])
{
	for (unsigned i = 0; i < VFC_MAX_VFS; i++) {
		vfcd_policy_init(&pol[i]);
		vfcd_policy_merge(&pol[i], &x->def, x->def_set);
		vfcd_policy_merge(&pol[i], &x->vf[i], x->vf_set[i]);
	}
}

static int load(struct vfcd_config *c, const char *path, int policy_only, struct vfcd_policy *pol, char *err,
		size_t errlen)
{
	struct ini_ctx *x;
	char msg[256] = "";
	int line, rc = 0;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->c = c;
	x->policy_only = policy_only;
	vfcd_policy_init(&x->def);
	for (unsigned i = 0; i < VFC_MAX_VFS; i++)
		vfcd_policy_init(&x->vf[i]);
	x->err = msg;
	x->errlen = sizeof(msg);
	errno = 0;
	line = ini_parse(path, vfcd_ini_cb, x);
	if (line < 0) {
		rc = set_err(err, errlen, -ENOENT, "%s: cannot open", path);
		goto out;
	}
	if (line > 0) {
		rc = set_err(err, errlen, -EINVAL, "%s:%d: %s", path, line, msg[0] ? msg : "syntax error");
		goto out;
	}
	ini_policies(x, pol);
	for (unsigned i = 0; i < VFC_MAX_VFS; i++) {
		rc = vfcd_policy_check(&pol[i], msg, sizeof(msg));
		if (rc) {
			rc = set_err(err, errlen, rc, "%s: [vf.%u]: %s", path, i, msg);
			goto out;
		}
	}
out:
	free(x);
	return rc;
}

int vfcd_config_load(struct vfcd_config *c, const char *path, char *err, size_t errlen)
{
	int rc = load(c, path, 0, c->pol, err, errlen);

	if (!rc)
		snprintf(c->config_path, sizeof(c->config_path), "%s", path);
	return rc;
}

int vfcd_config_load_policy(const char *path, struct vfcd_policy pol[VFC_MAX_VFS], char *err, size_t errlen)
{
	struct vfcd_config *scratch = malloc(sizeof(*scratch));
	struct vfcd_policy *tmp = calloc(VFC_MAX_VFS, sizeof(*tmp));
	int rc = -ENOMEM;

	if (scratch && tmp) {
		vfcd_config_init(scratch);
		rc = load(scratch, path, 1, tmp, err, errlen);
		if (!rc)
			memcpy(pol, tmp, VFC_MAX_VFS * sizeof(*tmp));
	}
	free(scratch);
	free(tmp);
	return rc;
}
