/* SPDX-License-Identifier: MIT */
/* oracle.c - the static-cap oracle: the scenario replayed at every cap, the best cap per window. */
#include "sim/sim.h"

#include <errno.h>
#include <stdlib.h>

int vfc_sim_oracle(const struct vfc_sim_scenario *sc, const uint32_t *caps, size_t ncaps, double *oracle_mbps,
		   uint32_t *best_cap, uint32_t nwin_max, uint32_t *nwin)
{
	uint64_t *best = NULL;
	uint32_t nw = 0;
	double total = 0;

	for (size_t c = 0; c < ncaps; c++) {
		struct vfc_sim_opts o = { 0 };
		struct vfc_sim_result r;
		int rc;

		if (caps[c])
			vfc_controller_cfg_default(&o.override, VFC_CONTROLLER_KIND_STATIC), o.override.static_hz = caps[c];
		else
			vfc_controller_cfg_default(&o.override, VFC_CONTROLLER_KIND_NONE);
		o.override_ctl = true;
		rc = vfc_sim_run(sc, &o, &r);
		if (rc) {
			free(best);
			return rc;
		}
		if (!best) {
			nw = r.nwin;
			best = calloc(nw, sizeof(uint64_t));
			if (!best) {
				vfc_sim_result_fini(&r);
				return -ENOMEM;
			}
		}
		for (uint32_t w = 0; w < nw; w++) {
			if (c == 0 || r.win_bytes[w] > best[w]) {
				best[w] = r.win_bytes[w];
				if (best_cap && w < nwin_max)
					best_cap[w] = caps[c];
			}
		}
		vfc_sim_result_fini(&r);
	}
	for (uint32_t w = 0; w < nw; w++)
		total += (double)best[w];
	free(best);
	*oracle_mbps = total / (sc->duration_ns / 1e9) / 1e6;
	if (nwin)
		*nwin = nw;
	return 0;
}
