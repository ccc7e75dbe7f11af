/* SPDX-License-Identifier: MIT */
/* vfc_ctl.c - `vfc ctl`: administer a vfcd daemon (info, list, show, policy, reset), as text or JSON. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "daemon/daemon.h"
#include "transport/wire.h"
#include "util.h"

#define CMD "ctl"

static const char *const state_words[] = { "free", "attached", "failed" };

static void help(FILE *f)
{
	fprintf(f,
		"Usage: vfc ctl [--device unix:PATH] [--json] COMMAND\n\n"
		"Administer a vfcd daemon (root or the daemon's own user only).\n\n"
		"Commands:\n"
		"  list                       every VF: owner pid/uid, state, controller, cap, MB/s, irq/s, errors\n"
		"  show VF                    one VF in full: counters, rates, policy\n"
		"  policy VF KEY=VALUE...     change a VF's policy; keys: min_cap_hz, max_cap_hz, max_sessions,\n"
		"                             max_keys, max_in_flight, uid, gid (a number, a name or 'any'),\n"
		"                             controller ('any' or a comma list: none,static,paper,dim,adaptive)\n"
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
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s}", "min_cap_hz", (json_int_t)p->pf.min_cap_hz,
			 "max_cap_hz", (json_int_t)p->pf.max_cap_hz, "max_sessions", (json_int_t)p->pf.max_sessions,
			 "max_keys", (json_int_t)p->pf.max_keys, "max_in_flight", (json_int_t)p->max_in_flight,
			 "uid", p->uid == VFCD_ANY_ID ? (json_int_t)-1 : (json_int_t)p->uid, "gid",
			 p->gid == VFCD_ANY_ID ? (json_int_t)-1 : (json_int_t)p->gid, "controller",
			 p->controller[0] ? p->controller : "any");
}

static json_t *info_json(const struct vfcd_vf_info *v)
{
	json_t *o = json_pack("{s:i, s:s, s:i, s:i, s:i, s:s, s:i, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "vf", (json_int_t)v->vf_id, "state", state_words[v->state % 3], "pid",
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
			       state_words[x->state % 3], x->owner_pid, x->owner_uid,
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
	printf("VF %u\n  state:       %s\n", x->vf_id, state_words[x->state % 3]);
	if (x->state != VFCD_VF_FREE)
		printf("  owner:       pid %d, uid %u, gid %u\n  controller:  %s\n", x->owner_pid, x->owner_uid,
		       x->owner_gid, x->controller[0] ? x->controller : "(not told)");
	printf("  cap:         %u Hz\n  speed:       %.1f MB/s, %.0f ops/s, %.0f irq/s\n", x->ctr.cap_hz, x->mbps,
	       x->ops_hz, x->irq_hz);
	printf("  counters:    ops %llu, bytes %llu, irqs %llu, errors %llu, resets %llu, device %.3f s\n",
	       (unsigned long long)x->ctr.ops, (unsigned long long)x->ctr.bytes, (unsigned long long)x->ctr.irqs,
	       (unsigned long long)x->ctr.errors, (unsigned long long)x->ctr.resets, (double)x->ctr.dev_ns / 1e9);
	printf("  policy:      cap %u..%u Hz (0: none), sessions %u, keys %u, in flight %u (0: no limit)\n",
	       p->pf.min_cap_hz, p->pf.max_cap_hz, p->pf.max_sessions, p->pf.max_keys, p->max_in_flight);
	if (p->uid != VFCD_ANY_ID)
		snprintf(uid, sizeof(uid), "%u", p->uid);
	if (p->gid != VFCD_ANY_ID)
		snprintf(gid, sizeof(gid), "%u", p->gid);
	printf("               uid %s, gid %s, controller %s\n", uid, gid, p->controller[0] ? p->controller : "any");
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

int vfc_cmd_ctl(int argc, char **argv, struct vfc_global_opts *g)
{
	char path[VFCD_PATH_MAX], err[160];
	const char *sub = NULL;
	int json = 0, i, r, first_arg = 0;
	union {
		uint8_t buf[sizeof(struct vfcd_hdr) + VFCD_REPLY_MAX];
		uint64_t align;
	} *rx;
	const struct vfcd_status *st;
	struct vfcd_policy_msg pm;
	struct vfcd_vf_ref ref;
	uint32_t vf = 0;
	ssize_t n;
	int rc = VFC_EXIT_FAIL;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help(stdout);
			return VFC_EXIT_OK;
		}
		if (!strcmp(argv[i], "--json")) {
			json = 1;
			continue;
		}
		r = vfc_global_opt(CMD, argc, argv, &i, g);
		if (r < 0)
			return VFC_EXIT_USAGE;
		if (r > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1])
			return vfc_tool_unknown_opt(CMD, argv[i]);
		sub = argv[i];
		first_arg = i + 1;
		/* Options may follow the command's own arguments too. */
		for (i = first_arg; i < argc; i++)
			if (!strcmp(argv[i], "--json"))
				json = 1;
		break;
	}
	if (!sub) {
		help(stderr);
		return VFC_EXIT_USAGE;
	}
	if (g->device && strncmp(g->device, "unix:", 5)) {
		vfc_tool_err(CMD, "--device %s: vfc ctl talks to a vfcd daemon: expected unix:PATH", g->device);
		return VFC_EXIT_USAGE;
	}
	if (g->device) {
		snprintf(path, sizeof(path), "%s", g->device + 5);
	} else if (vfcd_default_socket(path, sizeof(path))) {
		vfc_tool_err(CMD, "no daemon socket: XDG_RUNTIME_DIR is not set (use --device unix:PATH)");
		return VFC_EXIT_USAGE;
	}
	rx = malloc(sizeof(*rx));
	if (!rx)
		return VFC_EXIT_FAIL;
	st = (const void *)(rx->buf + sizeof(struct vfcd_hdr));

	if (!strcmp(sub, "list") || !strcmp(sub, "info")) {
		int is_list = sub[0] == 'l';

		n = vfc__wire_call_once(path, is_list ? VFCD_MSG_LIST : VFCD_MSG_INFO, NULL, 0, rx->buf, sizeof(rx->buf));
		if (n < 0)
			goto fail_call;
		if (is_list) {
			if (st->status)
				goto fail_status;
			if ((size_t)n != sizeof(*st) + st->count * sizeof(struct vfcd_vf_info))
				goto fail_proto;
			print_list((const void *)(st + 1), st->count, json);
		} else {
			const struct vfcd_info *in = (const void *)st;
			json_t *eng;

			if ((size_t)n != sizeof(*in))
				goto fail_proto;
			if (in->status) {
				n = in->status;
				goto fail_call;
			}
			if (json) {
				eng = json_array();
				for (unsigned k = 0; k < in->n_engines && k < VFC_MAX_ENGINES; k++)
					json_array_append_new(eng, json_real((double)in->engine_cpu_ns[k] / 1e9));
				print_json(json_pack("{s:i, s:i, s:i, s:i, s:I, s:i, s:f, s:o}", "pid",
						     (json_int_t)in->pid, "vfs", (json_int_t)in->n_vfs, "engines",
						     (json_int_t)in->n_engines, "ring_entries",
						     (json_int_t)in->ring_entries, "pool_size", (json_int_t)in->pool_size,
						     "metrics_port", (json_int_t)in->metrics_port, "uptime_s",
						     (double)in->uptime_ns / 1e9, "engine_busy_s", eng));
			} else {
				printf("vfcd pid %u, up %.0f s: %u VFs, %u engines, %u ring entries, %llu-byte pools, "
				       "metrics %s%u\n", in->pid, (double)in->uptime_ns / 1e9, in->n_vfs, in->n_engines,
				       in->ring_entries, (unsigned long long)in->pool_size,
				       in->metrics_port ? "port " : "off", in->metrics_port ? in->metrics_port : 0);
				for (unsigned k = 0; k < in->n_engines && k < VFC_MAX_ENGINES; k++)
					printf("  engine %u: busy %.3f s\n", k, (double)in->engine_cpu_ns[k] / 1e9);
			}
		}
		rc = VFC_EXIT_OK;
	} else if (!strcmp(sub, "show") || !strcmp(sub, "reset")) {
		if (first_arg >= argc || parse_vf(argv[first_arg], &vf)) {
			vfc_tool_err(CMD, "%s: expected a VF number, got '%s'", sub,
				     first_arg < argc ? argv[first_arg] : "");
			rc = VFC_EXIT_USAGE;
			goto out;
		}
		ref = (struct vfcd_vf_ref){ .vf_id = vf };
		n = vfc__wire_call_once(path, sub[0] == 's' ? VFCD_MSG_SHOW : VFCD_MSG_RESET, &ref, sizeof(ref), rx->buf,
			 sizeof(rx->buf));
		if (n < 0)
			goto fail_call;
		if (st->status)
			goto fail_status;
		if (sub[0] == 's') {
			if ((size_t)n != sizeof(*st) + sizeof(struct vfcd_vf_info) || st->count != 1)
				goto fail_proto;
			print_show((const void *)(st + 1), json);
		} else if (json) {
			print_json(json_pack("{s:i, s:s}", "vf", (json_int_t)vf, "reset", "done"));
		} else {
			printf("VF %u reset\n", vf);
		}
		rc = VFC_EXIT_OK;
	} else if (!strcmp(sub, "policy")) {
		if (first_arg >= argc || parse_vf(argv[first_arg], &vf)) {
			vfc_tool_err(CMD, "policy: expected a VF number, got '%s'",
				     first_arg < argc ? argv[first_arg] : "");
			rc = VFC_EXIT_USAGE;
			goto out;
		}
		memset(&pm, 0, sizeof(pm));
		pm.vf_id = vf;
		vfcd_policy_init(&pm.pol);
		for (i = first_arg + 1; i < argc; i++) {
			char *eq, key[64];

			if (!strcmp(argv[i], "--json"))
				continue;
			eq = strchr(argv[i], '=');
			if (!eq || (size_t)(eq - argv[i]) >= sizeof(key)) {
				vfc_tool_err(CMD, "policy: '%s' is not KEY=VALUE", argv[i]);
				rc = VFC_EXIT_USAGE;
				goto out;
			}
			snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i]), argv[i]);
			if (vfcd_policy_kv(&pm.pol, &pm.set, key, eq + 1, err, sizeof(err))) {
				vfc_tool_err(CMD, "policy: %s", err);
				rc = VFC_EXIT_USAGE;
				goto out;
			}
		}
		n = vfc__wire_call_once(path, VFCD_MSG_POLICY, &pm, sizeof(pm), rx->buf, sizeof(rx->buf));
		if (n < 0)
			goto fail_call;
		if (st->status)
			goto fail_status;
		if ((size_t)n != sizeof(*st) + sizeof(struct vfcd_vf_info) || st->count != 1)
			goto fail_proto;
		print_show((const void *)(st + 1), json);
		rc = VFC_EXIT_OK;
	} else {
		vfc_tool_err(CMD, "unknown command '%s' (see vfc ctl --help)", sub);
		rc = VFC_EXIT_USAGE;
	}
out:
	free(rx);
	return rc;

fail_status:
	n = st->status;
fail_call:
	vfc_tool_err(CMD, "%s unix:%s: %s%s", sub, path, strerror((int)-n),
		     n == -EPERM ? " (admin messages: root or the daemon's user only)" :
		     n == -ENOENT || n == -ECONNREFUSED ? " (is vfcd running?)" : "");
	free(rx);
	return VFC_EXIT_FAIL;
fail_proto:
	vfc_tool_err(CMD, "%s unix:%s: malformed answer", sub, path);
	free(rx);
	return VFC_EXIT_FAIL;
}
