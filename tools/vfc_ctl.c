/* SPDX-License-Identifier: MIT */
/* vfc_ctl.c - `vfc ctl`: administer a vfcd daemon (info, list, show, policy, reset), as text or JSON. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/policy.h"
#include "admin/socket_path.h"
#include "admin/vf_info.h"
#include "cmds.h"
#include "transport/wire.h"
#include "util.h"

#define CMD "ctl"
#define CONTINUE (-1) /* a step's "go on" (any other value is the exit code) */

/* A VF state's word; the daemon sends only enum vfcd_vf_state values. */
static const char *state_word(uint32_t state)
{
	return vfcd_vf_state_name(state % VFCD_VF_STATES);
}

static void help(FILE *f)
{
	fprintf(f,
		"Usage: vfc ctl [--device unix:PATH] [--json] COMMAND\n\n"
		"Administer a vfcd daemon (root or the daemon's own user only).\n\n"
		"Commands:\n"
		"  list                       every VF: owner pid/uid, state, controller, cap, MB/s, irq/s, errors\n"
		"  show VF                    one VF in full: counters, rates, policy\n"
		"  policy VF KEY=VALUE...     change a VF's policy; keys: min_cap_hz, max_cap_hz, max_sessions,\n"
		"                             max_keys, max_in_flight, max_invalid_hz, max_nowork_hz, uid, gid\n"
		"                             (a number, a name or 'any'),\n"
		"                             controller ('any' or a comma list: none,static,paper,dim,adaptive,\n"
		"                             or the variants dim:kernel,paper:i0=model,static:model alone)\n"
		"  reset VF                   reset an attached VF's rings (its requests in flight fail with -EIO)\n"
		"  info                       the daemon: pid, sizes, metrics port, engine busy time\n\n"
		"Options:\n"
		"  --device unix:PATH         the daemon's socket (default /run/vfcd/vfcd.sock as root,\n"
		"                             else $XDG_RUNTIME_DIR/vfcd.sock)\n"
		"  --json                     machine-readable output\n\n"
		"Examples:\n"
		"  vfc ctl --device unix:/run/vfcd/vfcd.sock list\n"
		"  vfc ctl policy 3 max_cap_hz=20000 uid=1000 controller=adaptive,paper\n");
}

static json_t *policy_json(const struct vfcd_policy *p)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s}", "min_cap_hz", (json_int_t)p->pf.min_cap_hz,
			 "max_cap_hz", (json_int_t)p->pf.max_cap_hz, "max_sessions", (json_int_t)p->pf.max_sessions,
			 "max_keys", (json_int_t)p->pf.max_keys, "max_in_flight", (json_int_t)p->max_in_flight,
			 "max_invalid_hz", (json_int_t)p->pf.max_invalid_hz, "max_nowork_hz",
			 (json_int_t)p->pf.max_nowork_hz,
			 "uid", p->uid == VFCD_ANY_ID ? (json_int_t)-1 : (json_int_t)p->uid, "gid",
			 p->gid == VFCD_ANY_ID ? (json_int_t)-1 : (json_int_t)p->gid, "controller",
			 vfcd_policy_controllers(p));
}

static json_t *info_json(const struct vfcd_vf_info *v)
{
	json_t *o = json_pack("{s:i, s:s, s:i, s:i, s:i, s:s, s:i, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "vf", (json_int_t)v->vf_id, "state", state_word(v->state), "pid",
			      (json_int_t)v->owner_pid, "uid", (json_int_t)v->owner_uid, "gid",
			      (json_int_t)v->owner_gid, "controller", v->controller, "cap_hz",
			      (json_int_t)v->ctr.cap_hz, "mbps", v->mbps, "irq_hz", v->irq_hz, "ops_hz", v->ops_hz,
			      "ops", (json_int_t)v->ctr.ops, "bytes", (json_int_t)v->ctr.bytes, "irqs",
			      (json_int_t)v->ctr.irqs, "errors", (json_int_t)v->ctr.errors, "resets",
			      (json_int_t)v->ctr.resets, "dev_ns", (json_int_t)v->ctr.dev_ns);

	if (o)
		json_object_set_new(o, "policy", policy_json(&v->pol));
	return o;
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(j);
}

static void print_list(const struct vfcd_vf_info *v, uint32_t n, int json)
{
	json_t *arr;

	if (json) {
		arr = json_array();
		for (uint32_t i = 0; i < n; i++)
			json_array_append_new(arr, info_json(&v[i]));
		print_json(arr);
		return;
	}
	printf("%-3s %-8s %7s %6s %-12s %7s %9s %9s %8s %6s\n", "VF", "STATE", "PID", "UID", "CONTROLLER", "CAP_HZ",
	       "MB/s", "IRQ/s", "ERRORS", "RESETS");
	for (uint32_t i = 0; i < n; i++) {
		const struct vfcd_vf_info *x = &v[i];

		if (x->state == VFCD_VF_FREE)
			printf("%-3u %-8s %7s %6s %-12s %7u %9s %9s %8llu %6llu\n", x->vf_id, "free", "-", "-", "-",
			       x->ctr.cap_hz, "-", "-", (unsigned long long)x->ctr.errors,
			       (unsigned long long)x->ctr.resets);
		else
			printf("%-3u %-8s %7d %6u %-12.12s %7u %9.1f %9.0f %8llu %6llu\n", x->vf_id,
			       state_word(x->state), x->owner_pid, x->owner_uid,
			       x->controller[0] ? x->controller : "?", x->ctr.cap_hz, x->mbps, x->irq_hz,
			       (unsigned long long)x->ctr.errors, (unsigned long long)x->ctr.resets);
	}
}

static void print_show(const struct vfcd_vf_info *x, int json)
{
	const struct vfcd_policy *p = &x->pol;
	char uid[16] = "any", gid[16] = "any";

	if (json) {
		print_json(info_json(x));
		return;
	}
	printf("VF %u\n  state:       %s\n", x->vf_id, state_word(x->state));
	if (x->state != VFCD_VF_FREE)
		printf("  owner:       pid %d, uid %u, gid %u\n  controller:  %s\n", x->owner_pid, x->owner_uid,
		       x->owner_gid, x->controller[0] ? x->controller : "(not told)");
	printf("  cap:         %u Hz\n  speed:       %.1f MB/s, %.0f ops/s, %.0f irq/s\n", x->ctr.cap_hz, x->mbps,
	       x->ops_hz, x->irq_hz);
	printf("  counters:    ops %llu, bytes %llu, irqs %llu, errors %llu, resets %llu, device %.3f s\n",
	       (unsigned long long)x->ctr.ops, (unsigned long long)x->ctr.bytes, (unsigned long long)x->ctr.irqs,
	       (unsigned long long)x->ctr.errors, (unsigned long long)x->ctr.resets, (double)x->ctr.dev_ns / 1e9);
	printf("  policy:      cap %u..%u Hz (0: none), sessions %u, keys %u, in flight %u, invalid %u/s, "
	       "NOPs and errors %u/s (0: no limit)\n",
	       p->pf.min_cap_hz, p->pf.max_cap_hz, p->pf.max_sessions, p->pf.max_keys, p->max_in_flight,
	       p->pf.max_invalid_hz, p->pf.max_nowork_hz);
	if (p->uid != VFCD_ANY_ID)
		snprintf(uid, sizeof(uid), "%u", p->uid);
	if (p->gid != VFCD_ANY_ID)
		snprintf(gid, sizeof(gid), "%u", p->gid);
	printf("               uid %s, gid %s, controller %s\n", uid, gid, vfcd_policy_controllers(p));
}

static int parse_vf(const char *s, uint32_t *vf)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= VFC_MAX_VFS)
		return -1;
	*vf = (uint32_t)v;
	return 0;
}

/* One invocation: the command, its arguments and the answer's buffer. */
struct ctl {
	const char *sub; /* list, show, policy, reset, info */
	int json;
	int argc, first_arg; /* argv[first_arg..argc): the command's own arguments */
	char **argv;
	char path[VFCD_PATH_MAX];
	union {
		uint8_t buf[sizeof(struct vfcd_hdr) + VFCD_REPLY_MAX];
		uint64_t align;
	} *rx;
	const struct vfcd_status *st; /* the answer's body, in rx */
};

/* Options and the command. CONTINUE or the exit code. */
static int parse_args(struct ctl *c, struct vfc_global_opts *g)
{
	int i, r;

	for (i = 1; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "--help") || !strcmp(c->argv[i], "-h")) {
			help(stdout);
			return VFC_EXIT_OK;
		}
		if (!strcmp(c->argv[i], "--json")) {
			c->json = 1;
			continue;
		}
		r = vfc_global_opt(CMD, c->argc, c->argv, &i, g);
		if (r < 0)
			return VFC_EXIT_USAGE;
		if (r > 0)
			continue;
		if (c->argv[i][0] == '-' && c->argv[i][1])
			return vfc_tool_unknown_opt(CMD, c->argv[i]);
		c->sub = c->argv[i];
		c->first_arg = i + 1;
		/* Options may follow the command's own arguments too. */
		for (i = c->first_arg; i < c->argc; i++)
			if (!strcmp(c->argv[i], "--json"))
				c->json = 1;
		break;
	}
	if (!c->sub) {
		help(stderr);
		return VFC_EXIT_USAGE;
	}
	return CONTINUE;
}

/* The daemon's socket: --device unix:PATH or the default. CONTINUE or the exit code. */
static int socket_path(struct ctl *c, const struct vfc_global_opts *g)
{
	if (g->device && strncmp(g->device, "unix:", 5)) {
		vfc_tool_err(CMD, "--device %s: vfc ctl talks to a vfcd daemon: expected unix:PATH", g->device);
		return VFC_EXIT_USAGE;
	}
	if (g->device) {
		snprintf(c->path, sizeof(c->path), "%s", g->device + 5);
	} else if (vfcd_default_socket(c->path, sizeof(c->path))) {
		vfc_tool_err(CMD, "no daemon socket: XDG_RUNTIME_DIR is not set (use --device unix:PATH)");
		return VFC_EXIT_USAGE;
	}
	return CONTINUE;
}

/* The exchange failed with n (a negative errno), or the daemon answered it. */
static int failed(const struct ctl *c, ssize_t n)
{
	vfc_tool_err(CMD, "%s unix:%s: %s%s", c->sub, c->path, strerror((int)-n),
		     n == -EPERM ? " (admin messages: root or the daemon's user only)" :
		     n == -ENOENT || n == -ECONNREFUSED ? " (is vfcd running?)" : "");
	return VFC_EXIT_FAIL;
}

static int malformed(const struct ctl *c)
{
	vfc_tool_err(CMD, "%s unix:%s: malformed answer", c->sub, c->path);
	return VFC_EXIT_FAIL;
}

/* One request; the answer's body length (>= 0) or a negative errno. */
static ssize_t call(struct ctl *c, uint16_t type, const void *body, size_t len)
{
	return vfc__wire_call_once(c->path, type, body, len, c->rx->buf, sizeof(c->rx->buf));
}

/* Whether an answer of n bytes holds the status and the VF records it counts (count of them, if not 0). */
static int records_ok(const struct ctl *c, ssize_t n, uint32_t count)
{
	return (size_t)n == sizeof(*c->st) + c->st->count * sizeof(struct vfcd_vf_info) &&
	       (!count || c->st->count == count);
}

static int cmd_list(struct ctl *c)
{
	ssize_t n = call(c, VFCD_MSG_LIST, NULL, 0);

	if (n < 0)
		return failed(c, n);
	if (c->st->status)
		return failed(c, c->st->status);
	if (!records_ok(c, n, 0))
		return malformed(c);
	print_list((const void *)(c->st + 1), c->st->count, c->json);
	return VFC_EXIT_OK;
}

static void print_info(const struct vfcd_info *in, int json)
{
	unsigned k, ne = in->n_engines < VFC_MAX_ENGINES ? in->n_engines : VFC_MAX_ENGINES;
	json_t *eng;

	if (json) {
		eng = json_array();
		for (k = 0; k < ne; k++)
			json_array_append_new(eng, json_real((double)in->engine_cpu_ns[k] / 1e9));
		print_json(json_pack("{s:i, s:i, s:i, s:i, s:I, s:i, s:f, s:o}", "pid", (json_int_t)in->pid, "vfs",
				     (json_int_t)in->n_vfs, "engines", (json_int_t)in->n_engines, "ring_entries",
				     (json_int_t)in->ring_entries, "pool_size", (json_int_t)in->pool_size,
				     "metrics_port", (json_int_t)in->metrics_port, "uptime_s",
				     (double)in->uptime_ns / 1e9, "engine_busy_s", eng));
		return;
	}
	printf("vfcd pid %u, up %.0f s: %u VFs, %u engines, %u ring entries, %llu-byte pools, metrics %s%u\n",
	       in->pid, (double)in->uptime_ns / 1e9, in->n_vfs, in->n_engines, in->ring_entries,
	       (unsigned long long)in->pool_size, in->metrics_port ? "port " : "off",
	       in->metrics_port ? in->metrics_port : 0);
	for (k = 0; k < ne; k++)
		printf("  engine %u: busy %.3f s\n", k, (double)in->engine_cpu_ns[k] / 1e9);
}

static int cmd_info(struct ctl *c)
{
	const struct vfcd_info *in = (const void *)c->st;
	ssize_t n = call(c, VFCD_MSG_INFO, NULL, 0);

	if (n < 0)
		return failed(c, n);
	if ((size_t)n != sizeof(*in))
		return malformed(c);
	if (in->status)
		return failed(c, in->status);
	print_info(in, c->json);
	return VFC_EXIT_OK;
}

/* The VF number argument of show, reset and policy. CONTINUE or the exit code. */
static int vf_arg(const struct ctl *c, uint32_t *vf)
{
	if (c->first_arg < c->argc && !parse_vf(c->argv[c->first_arg], vf))
		return CONTINUE;
	vfc_tool_err(CMD, "%s: expected a VF number, got '%s'", c->sub,
		     c->first_arg < c->argc ? c->argv[c->first_arg] : "");
	return VFC_EXIT_USAGE;
}

static int cmd_show_reset(struct ctl *c)
{
	int show = c->sub[0] == 's', rc;
	struct vfcd_vf_ref ref = { 0 };
	ssize_t n;

	rc = vf_arg(c, &ref.vf_id);
	if (rc != CONTINUE)
		return rc;
	n = call(c, show ? VFCD_MSG_SHOW : VFCD_MSG_RESET, &ref, sizeof(ref));
	if (n < 0)
		return failed(c, n);
	if (c->st->status)
		return failed(c, c->st->status);
	if (show) {
		if (!records_ok(c, n, 1))
			return malformed(c);
		print_show((const void *)(c->st + 1), c->json);
	} else if (c->json) {
		print_json(json_pack("{s:i, s:s}", "vf", (json_int_t)ref.vf_id, "reset", "done"));
	} else {
		printf("VF %u reset\n", ref.vf_id);
	}
	return VFC_EXIT_OK;
}

/* The KEY=VALUE arguments of policy into pm. CONTINUE or the exit code. */
static int policy_args(const struct ctl *c, struct vfcd_policy_msg *pm)
{
	char err[160], key[64];

	vfcd_policy_init(&pm->pol);
	for (int i = c->first_arg + 1; i < c->argc; i++) {
		const char *a = c->argv[i], *eq = strchr(a, '=');

		if (!strcmp(a, "--json"))
			continue;
		if (!eq || (size_t)(eq - a) >= sizeof(key)) {
			vfc_tool_err(CMD, "policy: '%s' is not KEY=VALUE", a);
			return VFC_EXIT_USAGE;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
		if (vfcd_policy_kv(&pm->pol, &pm->set, key, eq + 1, err, sizeof(err))) {
			vfc_tool_err(CMD, "policy: %s", err);
			return VFC_EXIT_USAGE;
		}
	}
	return CONTINUE;
}

static int cmd_policy(struct ctl *c)
{
	struct vfcd_policy_msg pm;
	ssize_t n;
	int rc;

	memset(&pm, 0, sizeof(pm));
	rc = vf_arg(c, &pm.vf_id);
	if (rc == CONTINUE)
		rc = policy_args(c, &pm);
	if (rc != CONTINUE)
		return rc;
	n = call(c, VFCD_MSG_POLICY, &pm, sizeof(pm));
	if (n < 0)
		return failed(c, n);
	if (c->st->status)
		return failed(c, c->st->status);
	if (!records_ok(c, n, 1))
		return malformed(c);
	print_show((const void *)(c->st + 1), c->json);
	return VFC_EXIT_OK;
}

static int run(struct ctl *c)
{
	if (!strcmp(c->sub, "list"))
		return cmd_list(c);
	if (!strcmp(c->sub, "info"))
		return cmd_info(c);
	if (!strcmp(c->sub, "show") || !strcmp(c->sub, "reset"))
		return cmd_show_reset(c);
	if (!strcmp(c->sub, "policy"))
		return cmd_policy(c);
	vfc_tool_err(CMD, "unknown command '%s' (see vfc ctl --help)", c->sub);
	return VFC_EXIT_USAGE;
}

int vfc_cmd_ctl(int argc, char **argv, struct vfc_global_opts *g)
{
	struct ctl c = { .argc = argc, .argv = argv };
	int rc = parse_args(&c, g);

	if (rc == CONTINUE)
		rc = socket_path(&c, g);
	if (rc != CONTINUE)
		return rc;
	c.rx = malloc(sizeof(*c.rx));
	if (!c.rx)
		return VFC_EXIT_FAIL;
	c.st = (const void *)(c.rx->buf + sizeof(struct vfcd_hdr));
	rc = run(&c);
	free(c.rx);
	return rc;
}
