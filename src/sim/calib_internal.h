/* SPDX-License-Identifier: MIT */
/* calib_internal.h - calibration's bench rows and its stages, shared by the calib*.c files. */
#ifndef VFC_SIM_CALIB_INTERNAL_H
#define VFC_SIM_CALIB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define VFC__CAL_MAX_ROWS 4096
#define VFC__CAL_MAX_UNK (2 * VFC_SIM_ALGO__MAX + 2)

struct vfc__cal_row {
	int algo;
	uint32_t block, depth, vfs;
	char ctl[64];
	double seconds, mbps, irq_hz;
	uint32_t cap;
	unsigned line;
	bool raw;       /* a `raw` row: OpenSSL in the bench process, no device */
};

/* calib_rows.c: the rows of a bench CSV (at most VFC__CAL_MAX_ROWS; *out freed by the caller). 0 or -errno, err set. */
int vfc__cal_read_rows(const char *path, struct vfc__cal_row **out, size_t *n, char *err, size_t errlen);
/* snprintf(err, fmt, path, line, what); returns -EINVAL. */
int vfc__cal_err(char *err, size_t errlen, const char *fmt, const char *path, unsigned line, const char *what);

/* calib_fit.c: the linear stage */
bool vfc__cal_fit_row(const struct vfc__cal_row *r);
int vfc__cal_fit(const struct vfc__cal_row *rows, size_t n, uint32_t engines, const int *ix, int nalg, bool use_w0,
		 bool use_w1, double *x);
int vfc__cal_fit_raw(const struct vfc__cal_row *rows, size_t n, const int *ix, int nalg, bool *use_w1, double *x);

/* calib_search.c: the simulator's part */
double vfc__cal_simulate_row(const struct vfc_sim_profile *p, const struct vfc__cal_row *r, double max_s, int *rc);
int vfc__cal_fit_joint(struct vfc_sim_profile *p, const struct vfc__cal_row *rows, size_t n, bool with_w,
		       bool with_w1, unsigned *evals);

#endif
