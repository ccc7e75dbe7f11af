/* SPDX-License-Identifier: MIT */
/* windows.c - the run's windows: one per phase (the union of the groups' changes), each change's settled part. */
#include "sim/sim_internal.h"

#include <errno.h>
#include <stdlib.h>

/* The distinct phase changes before the end, and 0, sorted into t; returns how many. */
static size_t changes(const struct vfc_sim_scenario *sc, uint64_t *t)
{
	size_t n = 0;

	t[n++] = 0;
	for (uint32_t g = 0; g < sc->ngroups; g++) {
		for (uint32_t p = 0; p < sc->groups[g].nphases; p++) {
			uint64_t at = sc->groups[g].phases[p].at_ns;
			size_t i;

			if (at >= sc->duration_ns)
				continue;
			for (i = 0; i < n && t[i] != at; i++)
				;
			if (i == n)
				t[n++] = at;
		}
	}
	/* insertion sort: a handful of boundaries */
	for (size_t i = 1; i < n; i++) {
		uint64_t x = t[i];
		size_t j = i;

		for (; j > 0 && t[j - 1] > x; j--)
			t[j] = t[j - 1];
		t[j] = x;
	}
	return n;
}

/*
 * A change at t settles at its settle_ticks-th tick (ticks at multiples of tick_ns, the first strictly after
 * t): from there on the controllers have stepped settle_ticks times on the new workload. 0: no split (no
 * settling asked for, or the end or next comes first).
 */
static uint64_t settle_at(const struct vfc__sim *s, uint64_t t, uint64_t next)
{
	uint64_t tk = s->o->settle_tick_ns ? s->o->settle_tick_ns : s->sc->tick_ns;
	uint64_t at;

	if (!s->o->settle_ticks || !t || !tk)
		return 0;
	at = (t / tk + s->o->settle_ticks) * tk;
	return at < next ? at : 0;
}

int vfc__sim_build_windows(struct vfc__sim *s)
{
	const struct vfc_sim_scenario *sc = s->sc;
	size_t n, cap = 1, w = 0;
	uint64_t *t;

	for (uint32_t g = 0; g < sc->ngroups; g++)
		cap += sc->groups[g].nphases;
	t = calloc(cap, sizeof(uint64_t));
	s->win_start = calloc(2 * cap, sizeof(uint64_t));
	s->win_bytes = calloc(2 * cap, sizeof(uint64_t));
	s->win_settled = calloc(2 * cap, sizeof(uint8_t));
	if (!t || !s->win_start || !s->win_bytes || !s->win_settled) {
		free(t);
		return -ENOMEM;
	}
	n = changes(sc, t);
	for (size_t i = 0; i < n; i++) {
		uint64_t at = settle_at(s, t[i], i + 1 < n ? t[i + 1] : sc->duration_ns);

		s->win_start[w++] = t[i];
		if (at) {
			s->win_settled[w] = 1;
			s->win_start[w++] = at;
		}
	}
	free(t);
	s->nwin = (uint32_t)w;
	return 0;
}
