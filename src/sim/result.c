/* SPDX-License-Identifier: MIT */
/* result.c - a run's result: release and JSON. */
#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void vfc_sim_result_fini(struct vfc_sim_result *res)
{
	if (!res)
		return;
	free(res->vfs);
	free(res->win_start_ns);
	free(res->win_bytes);
	free(res->win_settled);
	memset(res, 0, sizeof(*res));
}

static json_t *jreal(double x, double scale)
{
	return json_real(round(x * scale) / scale);
}

json_t *vfc_sim_result_json(const struct vfc_sim_scenario *sc, const struct vfc_sim_result *res, bool timing)
{
	json_t *o = json_object(), *arr = json_array();
	double dur = sc->duration_ns / 1e9;
	uint64_t sub = 0, done = 0, infl = 0, drop = 0;

	if (!o || !arr) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	for (uint32_t i = 0; i < res->nvfs; i++) {
		const struct vfc_sim_vf_result *r = &res->vfs[i];
		const struct vfc_sim_group *g = &sc->groups[r->group];
		json_t *v = json_object();

		json_object_set_new(v, "id", json_integer(r->id));
		json_object_set_new(v, "group", json_integer(r->group));
		json_object_set_new(v, "ctl", json_string(vfc_controller_kind_name(g->ctl.kind)));
		json_object_set_new(v, "mbps", jreal(r->bytes / dur / 1e6, 1e3));
		json_object_set_new(v, "ops_per_s", jreal(r->completed / dur, 1e1));
		json_object_set_new(v, "irq_hz", jreal(r->irqs / dur, 1e1));
		json_object_set_new(v, "cap_hz_final", json_integer(r->cap_hz_final));
		json_object_set_new(v, "cpu_frac", jreal(r->cpu_ns / 1e9 / dur, 1e4));
		json_object_set_new(v, "submitted", json_integer((json_int_t)r->submitted));
		json_object_set_new(v, "completed", json_integer((json_int_t)r->completed));
		json_object_set_new(v, "in_flight", json_integer((json_int_t)r->in_flight));
		json_object_set_new(v, "dropped", json_integer((json_int_t)r->dropped));
		json_array_append_new(arr, v);
		sub += r->submitted;
		done += r->completed;
		infl += r->in_flight;
		drop += r->dropped;
	}
	json_object_set_new(o, "profile", json_string(sc->prof.name));
	json_object_set_new(o, "seed", json_integer((json_int_t)sc->seed));
	json_object_set_new(o, "duration_s", jreal(dur, 1e6));
	json_object_set_new(o, "engines", json_integer(sc->engines));
	json_object_set_new(o, "nvfs", json_integer(sc->nvfs));
	json_object_set_new(o, "total_mbps", jreal(res->total_mbps, 1e3));
	json_object_set_new(o, "total_ops_per_s", jreal(res->total_ops, 1e1));
	json_object_set_new(o, "irq_hz", jreal(res->irq_hz, 1e1));
	json_object_set_new(o, "submitted", json_integer((json_int_t)sub));
	json_object_set_new(o, "completed", json_integer((json_int_t)done));
	json_object_set_new(o, "in_flight", json_integer((json_int_t)infl));
	json_object_set_new(o, "dropped", json_integer((json_int_t)drop));
	json_object_set_new(o, "events", json_integer((json_int_t)res->events));
	json_object_set_new(o, "wall_s", jreal(timing ? res->wall_s : 0, 1e3));
	json_object_set_new(o, "events_per_s",
			    jreal(timing && res->wall_s > 0 ? res->events / res->wall_s : 0, 1));
	json_object_set_new(o, "completions_per_s",
			    jreal(timing && res->wall_s > 0 ? res->completed / res->wall_s : 0, 1));
	json_object_set_new(o, "mode", json_string(sc->aggregate ? "aggregate" : "exact"));
	if (res->pf.members) {
		json_t *pf = json_pack("{s:I, s:I, s:I, s:I}", "members", (json_int_t)res->pf.members, "ticks",
				       (json_int_t)res->pf.ticks, "escapes", (json_int_t)res->pf.escapes, "cap_hz_final",
				       (json_int_t)res->pf.cap_hz);

		json_object_set_new(o, "pf", pf);
	}
	json_object_set_new(o, "vfs", arr);
	return o;
}
