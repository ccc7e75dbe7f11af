/* SPDX-License-Identifier: MIT */
/* stats.c - a snapshot of the VF's counters, as the device mirrors them, and the tenant's CPU time. */
#include <string.h>
#include <time.h>

#include "driver/vf_internal.h"

int vfc_vf_stats(struct vfc_vf *vf, struct vfc_vf_stats *out)
{
	struct vfc_shm_counters *c = &vf->hdr->counters;
	struct timespec ts;
	uint64_t cpu, dev, t, hw;

	/* Relaxed loads: the mirror is a set of independent monotonic counters. */
	memset(out, 0, sizeof(*out));
	out->ops = atomic_load_explicit(&c->ops, memory_order_relaxed);
	out->bytes = atomic_load_explicit(&c->bytes, memory_order_relaxed);
	out->irqs = atomic_load_explicit(&c->irqs, memory_order_relaxed);
	out->errors = atomic_load_explicit(&c->errors, memory_order_relaxed);
	out->resets = atomic_load_explicit(&c->resets, memory_order_relaxed);
	out->cap_hz = atomic_load_explicit(&c->cap_hz, memory_order_relaxed);
	out->state = atomic_load_explicit(&vf->hdr->state, memory_order_relaxed);
	out->completions = atomic_load_explicit(&vf->completions, memory_order_relaxed);
	out->wakeups = atomic_load_explicit(&vf->wakeups, memory_order_relaxed);
	out->in_flight = atomic_load_explicit(&vf->in_flight_pub, memory_order_relaxed);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	cpu = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	dev = vf->t->ops->device_cpu_ns ? vf->t->ops->device_cpu_ns(vf->t) : 0;
	/* The process's CPU time and the engines' are read one after the other: engines that run in
	 * between make the difference step back by what they did in the gap. The counter is
	 * cumulative (the monitor takes deltas of it), so it never goes back: a high-water mark, raised
	 * by compare-and-swap since stats may be read from several threads. Relaxed: an independent
	 * counter, ordered with nothing else. */
	t = cpu > dev ? cpu - dev : 0;
	hw = atomic_load_explicit(&vf->tenant_cpu_hw, memory_order_relaxed);
	while (t > hw && !atomic_compare_exchange_weak_explicit(&vf->tenant_cpu_hw, &hw, t, memory_order_relaxed,
								 memory_order_relaxed))
		;
	out->tenant_cpu_ns = t > hw ? t : hw;
	out->now_ns = vfc_now_ns();
	return 0;
}
