/* SPDX-License-Identifier: MIT */
/* speed_sample.c - the speed monitor's sample math: rates from cumulative, wrap-safe counters, one sample per tick. */
#include "core/speed_sample.h"

#include <errno.h>
#include <stddef.h>

int vfc_mon_sample(const struct vfc_mon_counters *prev, const struct vfc_mon_counters *cur, uint32_t cap_hz,
		   uint32_t depth, struct vfc_speed_sample *s)
{
	uint64_t dt, bytes, ops, irqs, cpu;
	double secs;

	if (!prev || !cur || !s)
		return -EINVAL;
	dt = vfc_mon_delta64(prev->t_ns, cur->t_ns);
	if (dt == 0)
		return -EINVAL;
	bytes = vfc_mon_delta64(prev->bytes, cur->bytes);
	ops = vfc_mon_delta64(prev->ops, cur->ops);
	irqs = vfc_mon_delta64(prev->irqs, cur->irqs);
	cpu = vfc_mon_delta64(prev->cpu_ns, cur->cpu_ns);
	secs = (double)dt * 1e-9;

	s->t_ns = cur->t_ns;
	s->dt_ns = dt;
	s->mbps = (double)bytes / secs * 1e-6;
	s->ops_per_s = (double)ops / secs;
	s->irq_hz = (double)irqs / secs;
	s->cpu_frac = (double)cpu / (double)dt;
	s->mean_req_bytes = ops ? (double)bytes / (double)ops : 0.0;
	s->cap_hz = cap_hz;
	s->depth = depth;
	return 0;
}

void vfc_mon_init(struct vfc_mon *m, uint64_t tick_ns)
{
	m->tick_ns = tick_ns ? tick_ns : VFC_MON_DEFAULT_TICK_NS;
	vfc_mon_reset(m);
}

void vfc_mon_reset(struct vfc_mon *m)
{
	m->prev = (struct vfc_mon_counters){ 0 };
	m->primed = false;
}

int vfc_mon_poll(struct vfc_mon *m, const struct vfc_mon_counters *cur, uint32_t cap_hz, uint32_t depth,
		 struct vfc_speed_sample *s)
{
	if (!m->primed) {
		m->prev = *cur;
		m->primed = true;
		return 0;
	}
	if (!vfc_mon_tick_due(cur->t_ns, m->prev.t_ns, m->tick_ns))
		return 0;
	if (vfc_mon_sample(&m->prev, cur, cap_hz, depth, s) < 0)
		return 0; /* unreachable: tick_ns > 0 means time advanced */
	m->prev = *cur;
	return 1;
}
