/* SPDX-License-Identifier: MIT */
/* config.c - vfcd configuration: defaults and the INI file (inih); policy keys are parsed by admin/policy.c. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/parse.h"
#include "admin/policy.h"
#include "core/coord.h"
#include "daemon/config.h"

void vfcd_config_init(struct vfcd_config *c)
{
	memset(c, 0, sizeof(*c));
	vfc_pf_config_init(&c->pf);
	c->socket_mode = 0660;
	snprintf(c->metrics, sizeof(c->metrics), "%s", VFCD_METRICS_DEFAULT);
	c->drain_ms = VFCD_DRAIN_MS_DEFAULT;
	for (unsigned i = 0; i < VFC_MAX_VFS; i++)
		vfcd_policy_init(&c->pol[i]);
	vfcd_conn_policy_init(&c->conn);
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
		if (vfcd_parse_u64(value, VFC_MAX_VFS, 0, &v) || v < 1)
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "vfs: expected 1..%d, got '%s'", VFC_MAX_VFS,
					    value);
		pf->n_vfs = (unsigned)v;
	} else if (!strcmp(name, "engines")) {
		if (vfcd_parse_u64(value, VFC_MAX_ENGINES, 0, &v) || v < 1)
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "engines: expected 1..%d, got '%s'",
					    VFC_MAX_ENGINES, value);
		pf->n_engines = (unsigned)v;
	} else if (!strcmp(name, "ring_entries")) {
		if (vfcd_parse_u64(value, VFC_RING_MAX, 0, &v))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "ring_entries: bad value '%s'", value);
		pf->ring_entries = (unsigned)v;
	} else if (!strcmp(name, "pool_size")) {
		if (vfcd_parse_u64(value, VFC_POOL_MAX, 1, &v))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "pool_size: bad value '%s'", value);
		pf->pool_size = v;
	} else if (!strcmp(name, "engine_spin_us")) {
		if (vfcd_parse_u64(value, VFC_ENGINE_SPIN_MAX_US, 0, &v))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "engine_spin_us: expected 0..%d, got '%s'",
					    VFC_ENGINE_SPIN_MAX_US, value);
		pf->spin_us = (unsigned)v;
	} else if (!strcmp(name, "engine_kind")) {
		if (vfc_pf_engine_kind_parse(value, &pf->engine_kind))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "engine_kind: expected openssl, mb or auto, got '%s'",
					    value);
	} else if (!strcmp(name, "mb_budget_us")) {
		if (vfcd_parse_u64(value, VFC_PF_MB_BUDGET_MAX_US, 0, &v) || v < 1)
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "mb_budget_us: expected 1..%d, got '%s'",
					    VFC_PF_MB_BUDGET_MAX_US, value);
		pf->mb_budget_us = (unsigned)v;
	} else if (!strcmp(name, "pf_coord")) {
		/* the rule or controller the PF's coordinator runs for the VFs in pf mode (docs/controllers.md) */
		if (strlen(value) >= sizeof(pf->coord_ctl) || !vfc_coord_spec_ok(value))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "pf_coord: expected " VFC_COORD_RULE_LIST "or a controller "
					    "spec other than pf, got '%s'", value);
		snprintf(pf->coord_ctl, sizeof(pf->coord_ctl), "%s", value);
	} else if (!strcmp(name, "pf_tick_ms")) {
		if (vfcd_parse_u64(value, 10000, 0, &v) || v < 10)
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "pf_tick_ms: expected 10..10000, got '%s'",
					    value);
		pf->coord_tick_ms = (unsigned)v;
	} else if (!strcmp(name, "burst")) {
		if (vfcd_parse_u64(value, 64, 0, &v))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "burst: bad value '%s'", value);
		pf->burst = (unsigned)v;
	} else {
		return vfcd_set_err(x->err, x->errlen, -ENOENT, "unknown key '%s' in [device]", name);
	}
	return 0;
}

static int ini_daemon(struct ini_ctx *x, const char *name, const char *value)
{
	struct vfcd_config *c = x->c;
	uint64_t v;

	if (!strcmp(name, "socket")) {
		if (strlen(value) >= sizeof(c->socket_path))
			return vfcd_set_err(x->err, x->errlen, -ENAMETOOLONG, "socket: path too long");
		snprintf(c->socket_path, sizeof(c->socket_path), "%s", value);
	} else if (!strcmp(name, "socket_mode")) {
		if (vfcd_parse_u64(value, 0777, 0, &v))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "socket_mode: bad mode '%s'", value);
		c->socket_mode = (unsigned)v;
	} else if (!strcmp(name, "metrics")) {
		if (strlen(value) >= sizeof(c->metrics))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "metrics: too long");
		snprintf(c->metrics, sizeof(c->metrics), "%s", value);
	} else if (!strcmp(name, "drain_timeout_ms")) {
		if (vfcd_parse_u64(value, 3600000, 0, &v))
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "drain_timeout_ms: bad value '%s'", value);
		c->drain_ms = (unsigned)v;
	} else if (!strcmp(name, "log")) {
		if (!strcmp(value, "syslog"))
			c->use_syslog = 1;
		else if (!strcmp(value, "stderr"))
			c->use_syslog = 0;
		else
			return vfcd_set_err(x->err, x->errlen, -EINVAL, "log: expected stderr or syslog, got '%s'",
					    value);
	} else if (!strcmp(name, "verbose")) {
		c->verbose = !strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes");
	} else {
		return vfcd_set_err(x->err, x->errlen, -ENOENT, "unknown key '%s' in [daemon]", name);
	}
	return 0;
}

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = user;
	uint64_t vf;
	char *end;
	int rc;

	if (!strcmp(section, "policy")) {
		rc = vfcd_conn_policy_kv(&x->c->conn, name, value, x->err, x->errlen);
		if (rc == -ENOENT)
			rc = vfcd_policy_kv(&x->def, &x->def_set, name, value, x->err, x->errlen);
	} else if (!strncmp(section, "vf.", 3)) {
		errno = 0;
		vf = strtoull(section + 3, &end, 10);
		if (!section[3] || *end || errno || vf >= VFC_MAX_VFS) {
			vfcd_set_err(x->err, x->errlen, -EINVAL, "[%s]: expected [vf.N] with N from 0 to %d", section,
				     VFC_MAX_VFS - 1);
			return 0;
		}
		if (!strcmp(name, "weight")) {
			if (x->policy_only)
				return 1; /* a device setting: needs a restart */
			if (vfcd_parse_u64(value, 1024, 0, &vf) == 0 && vf >= 1) {
				x->c->pf.weights[strtoull(section + 3, NULL, 10)] = (unsigned)vf;
				return 1;
			}
			vfcd_set_err(x->err, x->errlen, -EINVAL, "weight: expected 1..1024, got '%s'", value);
			return 0;
		}
		rc = vfcd_policy_kv(&x->vf[vf], &x->vf_set[vf], name, value, x->err, x->errlen);
	} else if (!strcmp(section, "device")) {
		rc = x->policy_only ? 0 : ini_device(x, name, value);
	} else if (!strcmp(section, "daemon")) {
		rc = x->policy_only ? 0 : ini_daemon(x, name, value);
	} else {
		rc = vfcd_set_err(x->err, x->errlen, -ENOENT, "unknown section [%s]", section);
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
	line = ini_parse(path, ini_cb, x);
	if (line < 0) {
		rc = vfcd_set_err(err, errlen, -ENOENT, "%s: cannot open", path);
		goto out;
	}
	if (line > 0) {
		rc = vfcd_set_err(err, errlen, -EINVAL, "%s:%d: %s", path, line, msg[0] ? msg : "syntax error");
		goto out;
	}
	ini_policies(x, pol);
	for (unsigned i = 0; i < VFC_MAX_VFS; i++) {
		rc = vfcd_policy_check(&pol[i], msg, sizeof(msg));
		if (rc) {
			rc = vfcd_set_err(err, errlen, rc, "%s: [vf.%u]: %s", path, i, msg);
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

int vfcd_config_load_policy(const char *path, struct vfcd_policy pol[VFC_MAX_VFS], struct vfcd_conn_policy *conn,
			    char *err, size_t errlen)
{
	struct vfcd_config *scratch = malloc(sizeof(*scratch));
	struct vfcd_policy *tmp = calloc(VFC_MAX_VFS, sizeof(*tmp));
	int rc = -ENOMEM;

	if (scratch && tmp) {
		vfcd_config_init(scratch);
		rc = load(scratch, path, 1, tmp, err, errlen);
		if (!rc) {
			memcpy(pol, tmp, VFC_MAX_VFS * sizeof(*tmp));
			*conn = scratch->conn;
		}
	}
	free(scratch);
	free(tmp);
	return rc;
}
