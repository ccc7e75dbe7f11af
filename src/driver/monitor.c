/* SPDX-License-Identifier: MIT */
/* monitor.c - the VF driver's speed monitor: ticks from the completion path, feeds the controller, sets the cap. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/controller/controller.h"
#include "driver/vf_internal.h"

int vfc_vf_set_controller(struct vfc_vf *vf, const char *spec, unsigned tick_ms, char *err, size_t errlen)
{
	struct vfc__vfmon *m = &vf->mon;
	struct vfc_controller_cfg cfg;
	struct vfc_vf_stats st;
	uint32_t applied = 0;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (tick_ms == 0)
		tick_ms = VFC_TICK_MS_DEFAULT;
	if (tick_ms < VFC_TICK_MS_MIN || tick_ms > VFC_TICK_MS_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "tick %u ms: expected %u..%u", tick_ms, VFC_TICK_MS_MIN,
				 VFC_TICK_MS_MAX);
		return -EINVAL;
	}
	rc = vfc_controller_parse(spec ? spec : "none", &cfg, err, errlen);
	if (rc < 0)
		return rc;
	/* A daemon's policy may allow only some controllers: it is told first. In pf mode the PF sets
	 * the cap: the device must hear of it. */
	if (cfg.kind == VFC_CONTROLLER_KIND_PF && !vf->t->ops->note_controller) {
		if (err && errlen)
			snprintf(err, errlen, "pf: this transport cannot tell the PF");
		return -EOPNOTSUPP;
	}
	if (vf->t->ops->note_controller) {
		rc = vf->t->ops->note_controller(vf->t, spec ? spec : "none");
		if (rc < 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", spec ? spec : "none",
					 rc == -EPERM ? "not allowed by the PF's policy" : vfc_strerror(rc));
			return rc;
		}
	}
	vfc_vf_stats(vf, &st);
	rc = vfc_controller_init(&m->ctl, &cfg, st.cap_hz);
	if (rc < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: inconsistent parameters", spec);
		return rc;
	}
	/* The controller's opening cap (static: its value, paper: I0, none: no cap; pf: the PF's). */
	rc = 0;
	applied = st.cap_hz;
	if (cfg.kind != VFC_CONTROLLER_KIND_PF)
		rc = vfc_vf_set_cap(vf, vfc_controller_cap(&m->ctl), &applied);
	if (rc < 0) {
		if (err && errlen)
			snprintf(err, errlen, "set cap: %s", vfc_strerror(rc));
		return rc;
	}
	m->cap = applied;
	m->tick_ns = (uint64_t)tick_ms * 1000000ull;
	vfc_mon_init(&m->mon, m->tick_ns);
	m->max_in_flight = vf->in_flight;
	m->ticks = 0;
	/* Prime the reference reading now, so the first tick measures a full interval. */
	m->active = cfg.kind != VFC_CONTROLLER_KIND_NONE || m->cb;
	m->next_tick_ns = vfc_now_ns();
	if (m->active)
		vfc__monitor_tick(vf, m->next_tick_ns);
	return 0;
}

void vfc_vf_set_tick_cb(struct vfc_vf *vf, vfc_tick_cb cb, void *user)
{
	struct vfc__vfmon *m = &vf->mon;

	m->cb = cb;
	m->cb_user = user;
	m->active = cb || m->ctl.cfg.kind != VFC_CONTROLLER_KIND_NONE;
	if (m->active && !m->tick_ns) {
		/* A callback without a controller: tick at the default rate. */
		m->tick_ns = (uint64_t)VFC_TICK_MS_DEFAULT * 1000000ull;
		vfc_mon_init(&m->mon, m->tick_ns);
		m->next_tick_ns = vfc_now_ns();
		vfc__monitor_tick(vf, m->next_tick_ns);
	}
}

void vfc_vf_restart_tick(struct vfc_vf *vf)
{
	struct vfc__vfmon *m = &vf->mon;

	if (!m->active)
		return;
	vfc_mon_reset(&m->mon); /* the next reading only primes the reference */
	m->max_in_flight = vf->in_flight;
	m->next_tick_ns = vfc_now_ns();
	vfc__monitor_tick(vf, m->next_tick_ns);
}

const char *vfc_controller_help_text(void)
{
	return vfc_controller_help;
}

void vfc__monitor_tick(struct vfc_vf *vf, uint64_t now_ns)
{
	struct vfc__vfmon *m = &vf->mon;
	struct vfc_mon_counters cur;
	struct vfc_speed_sample s;
	struct vfc_vf_stats st;
	struct vfc_tick t;
	uint32_t want, applied;

	vfc_vf_stats(vf, &st);
	cur.t_ns = now_ns;
	cur.bytes = st.bytes;
	cur.ops = st.ops;
	cur.irqs = st.irqs;
	cur.cpu_ns = st.tenant_cpu_ns;
	m->next_tick_ns = now_ns + m->tick_ns;
	if (vfc_mon_poll(&m->mon, &cur, m->cap, m->max_in_flight, &s) != 1)
		return; /* the first reading only primes the reference */
	m->max_in_flight = vf->in_flight;
	m->ticks++;
	want = vfc_controller_step(&m->ctl, &s);
	applied = m->cap;
	/* Ask the PF only for a change; it clamps to its policy and says what it applied. In pf mode
	 * the PF's coordinator sets the cap: the monitor only reports the one in force. */
	if (m->ctl.cfg.kind == VFC_CONTROLLER_KIND_PF)
		m->cap = st.cap_hz;
	else if (want != m->cap && vfc_vf_set_cap(vf, want, &applied) == 0)
		m->cap = applied;
	if (m->cb) {
		memset(&t, 0, sizeof(t));
		t.t_ns = s.t_ns;
		t.dt_ns = s.dt_ns;
		t.mbps = s.mbps;
		t.ops_per_s = s.ops_per_s;
		t.irq_hz = s.irq_hz;
		t.cpu_frac = s.cpu_frac;
		t.mean_req_bytes = s.mean_req_bytes;
		t.depth = s.depth;
		t.cap_hz = s.cap_hz;
		t.next_cap_hz = m->cap;
		t.controller_state = vfc_controller_state(&m->ctl);
		m->cb(m->cb_user, &t);
	}
}

int vfc_controller_spec_check(const char *spec, char *err, size_t errlen)
{
	struct vfc_controller_cfg cfg;

	_Static_assert(VFC_CAP_MAX_HZ == VFC_CONTROLLER_MAX_HZ, "one largest cap");
	if (err && errlen)
		err[0] = '\0';
	return vfc_controller_parse(spec ? spec : "none", &cfg, err, errlen);
}
