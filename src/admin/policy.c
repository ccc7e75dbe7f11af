/* SPDX-License-Identifier: MIT */
/* policy.c - a VF's policy: defaults, KEY=VALUE parsing (vfcd's flags and INI file, vfc ctl policy), merge, checks. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "admin/parse.h"
#include "admin/policy.h"
#include "core/controller/controller.h"

/* Families (a family allows every spec of its name, e.g. "paper" allows paper:i0=model) and
 * variants (a variant allows only itself). */
static const char *const ctl_names[] = { "none", "static", "paper", "dim", "adaptive",
					 "dim:kernel", "paper:i0=model", "static:model", "pf" };

void vfcd_policy_init(struct vfcd_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->uid = VFCD_ANY_ID;
	p->gid = VFCD_ANY_ID;
	p->pf.max_invalid_hz = VFCD_INVALID_HZ_DEFAULT;
	p->pf.max_nowork_hz = VFCD_NOWORK_HZ_DEFAULT;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int rc = vfcd_parse_u64(s, UINT32_MAX - 1, 0, &v);

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
	if (vfcd_parse_u64(s, UINT32_MAX - 1, 0, &v) == 0) {
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
	struct vfc_controller_cfg cfg;
	const char *variant = NULL;

	if (!list[0] || !strcmp(list, "any"))
		return 1;
	if (vfc_controller_parse(spec, &cfg, NULL, 0) == 0 && strchr(vfc_controller_kind_name(cfg.kind), ':'))
		variant = vfc_controller_kind_name(cfg.kind);
	for (q = list; *q;) {
		size_t n = strcspn(q, ",");

		if (!memchr(q, ':', n) && n == name_len && !strncmp(q, spec, n))
			return 1; /* the family */
		if (variant && strlen(variant) == n && !strncmp(q, variant, n))
			return 1;
		q += n;
		if (*q == ',')
			q++;
	}
	return 0;
}

const char *vfcd_policy_controllers(const struct vfcd_policy *p)
{
	return p->controller[0] ? p->controller : "any";
}

/* The numeric field a key names and its VFCD_POL_* bit; NULL for another key. */
static uint32_t *number_field(struct vfcd_policy *p, const char *key, uint32_t *bit)
{
	if (!strcmp(key, "min_cap_hz") || !strcmp(key, "min_cap")) {
		*bit = VFCD_POL_MIN_CAP;
		return &p->pf.min_cap_hz;
	}
	if (!strcmp(key, "max_cap_hz") || !strcmp(key, "max_cap")) {
		*bit = VFCD_POL_MAX_CAP;
		return &p->pf.max_cap_hz;
	}
	if (!strcmp(key, "max_sessions")) {
		*bit = VFCD_POL_SESSIONS;
		return &p->pf.max_sessions;
	}
	if (!strcmp(key, "max_keys")) {
		*bit = VFCD_POL_KEYS;
		return &p->pf.max_keys;
	}
	if (!strcmp(key, "max_invalid_hz")) {
		*bit = VFCD_POL_INVALID;
		return &p->pf.max_invalid_hz;
	}
	if (!strcmp(key, "max_nowork_hz")) {
		*bit = VFCD_POL_NOWORK;
		return &p->pf.max_nowork_hz;
	}
	if (!strcmp(key, "max_in_flight")) {
		*bit = VFCD_POL_INFLIGHT;
		return &p->max_in_flight;
	}
	return NULL;
}

int vfcd_policy_kv(struct vfcd_policy *p, uint32_t *set, const char *key, const char *val, char *err,
		   size_t errlen)
{
	uint32_t bit, *field = number_field(p, key, &bit);

	if (field) {
		if (parse_u32(val, field))
			return vfcd_set_err(err, errlen, -EINVAL, "%s: expected a number, got '%s'", key, val);
		*set |= bit;
	} else if (!strcmp(key, "uid") || !strcmp(key, "user")) {
		if (parse_id(val, 0, &p->uid))
			return vfcd_set_err(err, errlen, -EINVAL, "%s: expected a uid, a user name or 'any', got '%s'",
					    key, val);
		*set |= VFCD_POL_UID;
	} else if (!strcmp(key, "gid") || !strcmp(key, "group")) {
		if (parse_id(val, 1, &p->gid))
			return vfcd_set_err(err, errlen, -EINVAL,
					    "%s: expected a gid, a group name or 'any', got '%s'", key, val);
		*set |= VFCD_POL_GID;
	} else if (!strcmp(key, "controller")) {
		if (strlen(val) >= sizeof(p->controller) || !ctl_list_ok(val))
			return vfcd_set_err(err, errlen, -EINVAL,
					    "controller: expected 'any' or a comma list of none, static, paper, dim, "
					    "adaptive, dim:kernel, paper:i0=model, static:model, got '%s'", val);
		snprintf(p->controller, sizeof(p->controller), "%s", strcmp(val, "any") ? val : "");
		*set |= VFCD_POL_CONTROLLER;
	} else {
		return vfcd_set_err(err, errlen, -ENOENT, "unknown policy key '%s'", key);
	}
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
	if (set & VFCD_POL_INVALID)
		dst->pf.max_invalid_hz = src->pf.max_invalid_hz;
	if (set & VFCD_POL_NOWORK)
		dst->pf.max_nowork_hz = src->pf.max_nowork_hz;
	if (set & VFCD_POL_CONTROLLER)
		memcpy(dst->controller, src->controller, sizeof(dst->controller));
}

int vfcd_policy_check(const struct vfcd_policy *p, char *err, size_t errlen)
{
	if (p->pf.min_cap_hz && p->pf.max_cap_hz && p->pf.min_cap_hz > p->pf.max_cap_hz)
		return vfcd_set_err(err, errlen, -EINVAL, "min_cap_hz %u is above max_cap_hz %u", p->pf.min_cap_hz,
				    p->pf.max_cap_hz);
	if (!memchr(p->controller, '\0', sizeof(p->controller)) || !ctl_list_ok(p->controller))
		return vfcd_set_err(err, errlen, -EINVAL, "bad controller list");
	return 0;
}

void vfcd_conn_policy_init(struct vfcd_conn_policy *p)
{
	p->max_conns_per_uid = VFCD_CONNS_PER_UID_DEFAULT;
}

int vfcd_conn_policy_kv(struct vfcd_conn_policy *p, const char *key, const char *val, char *err, size_t errlen)
{
	if (strcmp(key, "max_conns_per_uid"))
		return -ENOENT;
	if (parse_u32(val, &p->max_conns_per_uid))
		return vfcd_set_err(err, errlen, -EINVAL, "%s: expected a number (0: no limit), got '%s'", key, val);
	return 0;
}
