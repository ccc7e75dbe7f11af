/* SPDX-License-Identifier: MIT */
/* handlers.c - vfcd's message handlers: HELLO, MBOX, NOTE_CONTROLLER, admin INFO/LIST/SHOW/POLICY/RESET, strikes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "admin/policy.h"
#include "core/controller/controller.h"
#include "daemon/handlers.h"
#include "daemon/log.h"
#include "daemon/proto.h"
#include "os/clock.h"

#define HDR_MAP 4096 /* the region header's page, mapped read-only for the drain */

/* ---- clients ---- */

struct vfcd_client *vfcd__client_new(struct vfcd_ctx *x, int fd, pid_t pid, uid_t uid, gid_t gid)
{
	struct vfcd_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->pid = pid;
	c->uid = uid;
	c->gid = gid;
	c->vf = -1;
	c->next = x->clients;
	if (x->clients)
		x->clients->prev = c;
	x->clients = c;
	x->n_clients++;
	return c;
}

static void detach(struct vfcd_ctx *x, struct vfcd_client *c, const char *why)
{
	uint32_t id;

	if (c->vf < 0)
		return;
	id = (uint32_t)c->vf;
	if (c->hdr)
		munmap((void *)c->hdr, HDR_MAP);
	c->hdr = NULL;
	/* Drops in-flight work, frees sessions, wipes keys, fresh region. */
	vfcd_vftable_release(x->vfs, id);
	vfcd_log(VFCD_LOG_INFO, "VF %u released (pid %d uid %u %s): in-flight work dropped, keys wiped", id,
		 (int)c->pid, (unsigned)c->uid, why);
	c->vf = -1;
}

void vfcd__client_drop(struct vfcd_ctx *x, struct vfcd_client *c)
{
	detach(x, c, "hung up");
	if (c->prev)
		c->prev->next = c->next;
	else
		x->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	x->n_clients--;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/* ---- answers ---- */

static void *reply_body(struct vfcd_reply *r, uint16_t type, size_t len)
{
	r->type = type;
	r->len = len;
	memset(r->body.buf, 0, len);
	return r->body.buf;
}

static void reply_status(struct vfcd_reply *r, uint16_t type, int status)
{
	struct vfcd_status *st = reply_body(r, type, sizeof(*st));

	st->status = status;
}

/* A malformed message: answer with an error, log it, close after repeated abuse. */
static void strike(struct vfcd_client *c, struct vfcd_reply *r, int status, const char *what)
{
	c->strikes++;
	reply_status(r, VFCD_MSG_ERROR, status);
	vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: malformed message (%s: %s), strike %u of %u", (int)c->pid,
		 (unsigned)c->uid, what, strerror(-status), c->strikes, VFCD_STRIKES_MAX);
	if (c->strikes >= VFCD_STRIKES_MAX) {
		r->close_after = 1;
		vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: closing the connection after %u malformed messages",
			 (int)c->pid, (unsigned)c->uid, c->strikes);
	}
}

/* ---- tenant messages ---- */

static void log_no_vf(const struct vfcd_client *c, uint32_t want, int rc)
{
	char what[24] = "any VF";

	if (want != VFCD_HELLO_ANY_VF)
		snprintf(what, sizeof(what), "VF %u", want);
	vfcd_log(VFCD_LOG_INFO, "pid %d uid %u gid %u: no VF (asked for %s): %s", (int)c->pid, (unsigned)c->uid,
		 (unsigned)c->gid, what, strerror(-rc));
}

static void do_hello(struct vfcd_ctx *x, struct vfcd_client *c, const struct vfcd_hello *h, uint16_t rtype,
		     struct vfcd_reply *r)
{
	struct vfcd_hello_reply *rep = reply_body(r, rtype, sizeof(*rep));
	struct vfcd_policy pol;
	struct vfc_vf_fds fds;
	uint32_t id = 0;
	void *p;
	int rc;

	if (x->stopping) {
		rep->status = -ESHUTDOWN;
		return;
	}
	if (c->refuse) {
		/* Over its uid's connection limit, or the daemon is out of fds. */
		rep->status = c->refuse;
		return;
	}
	if (c->vf >= 0) {
		rep->status = -EISCONN;
		return;
	}
	rc = vfcd_vftable_claim(x->vfs, h->vf_id, c->pid, c->uid, c->gid, &id);
	if (rc) {
		rep->status = rc;
		log_no_vf(c, h->vf_id, rc);
		return;
	}
	rc = vfc_pf_vf_fds(x->pf, id, &fds);
	if (rc) {
		vfcd_vftable_release(x->vfs, id);
		rep->status = rc;
		return;
	}
	p = mmap(NULL, HDR_MAP, PROT_READ, MAP_SHARED, fds.mem_fd, 0);
	c->hdr = p == MAP_FAILED ? NULL : p;
	c->vf = (int)id;
	/* A VF whose policy allows pf alone is coordinated from its attach on, whatever its tenant runs. */
	vfcd_vftable_policy(x->vfs, id, &pol);
	if (!strcmp(pol.controller, "pf"))
		vfc_pf_vf_set_pf_mode(x->pf, id, true, NULL);
	rep->max_in_flight = vfcd_vftable_attach(x->vfs, id, c->pid, c->uid, c->gid);
	rep->status = 0;
	rep->vf_id = id;
	rep->region_size = fds.region_size;
	/* The PF keeps its fds: SCM_RIGHTS hands the tenant duplicates. */
	r->fds[0] = fds.mem_fd;
	r->fds[1] = fds.doorbell_fd;
	r->fds[2] = fds.irq_fd;
	r->nfds = 3;
	vfcd_log(VFCD_LOG_INFO, "VF %u attached to pid %d uid %u gid %u", id, (int)c->pid, (unsigned)c->uid,
		 (unsigned)c->gid);
}

static void do_mbox(struct vfcd_ctx *x, struct vfcd_client *c, const struct vfc_mbox_req *req, size_t len,
		    uint16_t rtype, struct vfcd_reply *r)
{
	struct vfc_mbox_resp *resp = reply_body(r, rtype, sizeof(*resp));

	/* The PF checks the message again (version, type, lengths, policy). */
	vfc_pf_mbox(x->pf, (uint32_t)c->vf, req, len, resp);
	if (req->type == VFC_MBOX_SET_MODERATION && resp->status == 0 &&
	    resp->u.moderation.cap_hz != req->u.moderation.cap_hz)
		vfcd_log(VFCD_LOG_DEBUG, "VF %d: cap %u Hz asked, %u Hz applied (policy)", c->vf,
			 req->u.moderation.cap_hz, resp->u.moderation.cap_hz);
}

static void do_note_controller(struct vfcd_ctx *x, struct vfcd_client *c, const struct vfcd_note_controller *n,
			       uint16_t rtype, struct vfcd_reply *r)
{
	struct vfc_controller_cfg cfg;
	struct vfcd_policy pol;
	int rc = vfcd_vftable_set_controller(x->vfs, (uint32_t)c->vf, n->spec);
	bool pf_mode = vfc_controller_parse(n->spec, &cfg, NULL, 0) == 0 && cfg.kind == VFC_CONTROLLER_KIND_PF;

	/* pf: the PF's coordinator sets the VF's cap from now on; any other controller ends that. */
	if (!rc) {
		rc = vfc_pf_vf_set_pf_mode(x->pf, (uint32_t)c->vf, pf_mode, NULL);
	} else {
		vfcd_vftable_policy(x->vfs, (uint32_t)c->vf, &pol);
		vfcd_log(VFCD_LOG_INFO, "VF %d: controller '%s' refused by policy (%s)", c->vf, n->spec,
			 pol.controller);
	}
	reply_status(r, rtype, rc);
}

/* ---- admin messages ---- */

static int admin_ok(const struct vfcd_client *c)
{
	return c->uid == 0 || c->uid == geteuid();
}

static void do_list(struct vfcd_ctx *x, uint32_t first, uint32_t count, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfcd_status *st = reply_body(r, rtype, sizeof(*st) + count * sizeof(struct vfcd_vf_info));
	struct vfcd_vf_info *info = (void *)(st + 1);

	st->count = count;
	for (uint32_t i = 0; i < count; i++)
		vfcd_vftable_info(x->vfs, first + i, &info[i]);
}

static void do_policy(struct vfcd_ctx *x, const struct vfcd_policy_msg *m, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfcd_policy p;
	char err[128];
	int rc;

	vfcd_vftable_policy(x->vfs, m->vf_id, &p);
	vfcd_policy_merge(&p, &m->pol, m->set);
	rc = vfcd_policy_check(&p, err, sizeof(err));
	if (!rc)
		rc = vfcd_vftable_set_policy(x->vfs, m->vf_id, &p);
	if (rc) {
		vfcd_log(VFCD_LOG_WARN, "policy VF %u refused: %s", m->vf_id, rc == -EINVAL ? err : strerror(-rc));
		reply_status(r, rtype, rc);
		return;
	}
	vfcd_log(VFCD_LOG_INFO, "policy VF %u: cap %u..%u Hz, sessions %u, keys %u, uid %d, gid %d, in flight %u, "
		 "controller %s", m->vf_id, p.pf.min_cap_hz, p.pf.max_cap_hz, p.pf.max_sessions, p.pf.max_keys,
		 p.uid == VFCD_ANY_ID ? -1 : (int)p.uid, p.gid == VFCD_ANY_ID ? -1 : (int)p.gid, p.max_in_flight,
		 vfcd_policy_controllers(&p));
	do_list(x, m->vf_id, 1, rtype, r);
}

static void do_reset(struct vfcd_ctx *x, uint32_t vf, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfc_mbox_req req = { .version = VFC_ABI_VERSION, .type = VFC_MBOX_RESET };
	struct vfc_mbox_resp resp;
	int rc = 0;

	/* A free VF is clean already; an attached one gets its rings reset (its
	 * tenant's requests in flight complete with -EIO; sessions and keys stay). */
	if (vfcd_vftable_attached(x->vfs, vf)) {
		rc = vfc_pf_mbox(x->pf, vf, &req, sizeof(req), &resp);
		vfcd_log(VFCD_LOG_INFO, "VF %u reset by the administrator: %s", vf, rc ? strerror(-rc) : "done");
	}
	reply_status(r, rtype, rc);
}

static void do_info(struct vfcd_ctx *x, uint16_t rtype, struct vfcd_reply *r)
{
	struct vfcd_info *in = reply_body(r, rtype, sizeof(*in));

	in->pid = (uint32_t)getpid();
	in->n_vfs = x->pf_cfg.n_vfs;
	in->n_engines = x->pf_cfg.n_engines;
	in->ring_entries = x->pf_cfg.ring_entries;
	in->pool_size = x->pf_cfg.pool_size;
	in->metrics_port = x->metrics_port;
	in->uptime_ns = vfc_now_ns() - x->start_ns;
	for (unsigned i = 0; i < x->pf_cfg.n_engines && i < VFC_MAX_ENGINES; i++)
		in->engine_cpu_ns[i] = vfc_pf_engine_cpu_ns_one(x->pf, i);
}

static void admin_msg(struct vfcd_ctx *x, struct vfcd_client *c, uint16_t type, const void *body,
		      struct vfcd_reply *r)
{
	uint16_t rtype = VFCD_MSG_REPLY_BIT | type;
	uint32_t vf;

	if (!admin_ok(c)) {
		vfcd_log(VFCD_LOG_WARN, "pid %d uid %u: admin message refused (root or uid %u only)", (int)c->pid,
			 (unsigned)c->uid, (unsigned)geteuid());
		reply_status(r, rtype, -EPERM);
		return;
	}
	if (type == VFCD_MSG_INFO) {
		do_info(x, rtype, r);
		return;
	}
	if (type == VFCD_MSG_LIST) {
		do_list(x, 0, x->pf_cfg.n_vfs, rtype, r);
		return;
	}
	if (type != VFCD_MSG_SHOW && type != VFCD_MSG_RESET && type != VFCD_MSG_POLICY) {
		reply_status(r, VFCD_MSG_ERROR, -EOPNOTSUPP);
		return;
	}
	memcpy(&vf, body, sizeof(vf)); /* vf_id leads every one of these bodies */
	if (vf >= x->pf_cfg.n_vfs)
		reply_status(r, rtype, -ENODEV);
	else if (type == VFCD_MSG_SHOW)
		do_list(x, vf, 1, rtype, r);
	else if (type == VFCD_MSG_RESET)
		do_reset(x, vf, rtype, r);
	else
		do_policy(x, body, rtype, r);
}

/* ---- dispatch ---- */

void vfcd__dispatch(struct vfcd_ctx *x, struct vfcd_client *c, const void *msg, size_t len, int truncated,
		    struct vfcd_reply *r)
{
	struct vfcd_hdr h;
	const void *body;
	size_t blen;
	uint16_t rtype;
	int rc;

	r->nfds = 0;
	r->close_after = c->refuse != 0; /* on probation: one answer, then closed */
	r->len = 0;
	if (truncated) {
		strike(c, r, -EMSGSIZE, "too large");
		return;
	}
	rc = vfcd_msg_frame(msg, len, &h, &body, &blen);
	if (rc) {
		strike(c, r, rc, rc == -EPROTO ? "bad magic or version" : "truncated");
		return;
	}
	rc = vfcd_msg_body_check(h.type, body, blen);
	if (rc) {
		strike(c, r, rc, rc == -EOPNOTSUPP ? "unknown type" : "bad body");
		return;
	}
	rtype = VFCD_MSG_REPLY_BIT | h.type;
	if (h.type == VFCD_MSG_HELLO)
		do_hello(x, c, body, rtype, r);
	else if (h.type != VFCD_MSG_MBOX && h.type != VFCD_MSG_NOTE_CONTROLLER)
		admin_msg(x, c, h.type, body, r);
	else if (c->vf < 0)
		strike(c, r, -ENOTCONN, "mailbox message before HELLO");
	else if (h.type == VFCD_MSG_MBOX)
		do_mbox(x, c, body, blen, rtype, r);
	else
		do_note_controller(x, c, body, rtype, r);
}
