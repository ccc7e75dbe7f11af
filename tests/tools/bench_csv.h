/* SPDX-License-Identifier: MIT */
/* bench_csv.h - `vfc bench --csv` read back by the tests: its exact header, a row's fields, tolerant comparisons. */
#ifndef VFC_TESTS_BENCH_CSV_H
#define VFC_TESTS_BENCH_CSV_H

#include <math.h>

#include "cli_test.h"

#define CSV_HEADER                                                                                             \
	"algo,block_bytes,depth,tasks,vfs,ctl,seconds,mbps,ops_per_s,irq_hz,cap_hz,tenant_cpu_pct,lat_p50_us," \
	"lat_p99_us,ratio_raw,spread_pct,task_mbps_min,task_mbps_max,ratio_oracle,ratio_oracle_cv,ratio_ci_lo," \
	"ratio_ci_hi,warmup_ticks,engines,mix,jain,irq_per_gb,irq_per_gb_ratio,tenant_caps,engine_kind"
#define N_COLS 30
#define MAX_ROWS 64

enum col {
	C_ALGO,
	C_BLOCK,
	C_DEPTH,
	C_TASKS,
	C_VFS,
	C_CTL,
	C_SECONDS,
	C_MBPS,
	C_OPS,
	C_IRQ,
	C_CAP,
	C_CPU,
	C_P50,
	C_P99,
	C_RATIO_RAW,
	C_SPREAD,
	C_TMIN,
	C_TMAX,
	C_RATIO_ORACLE,
	C_RATIO_ORACLE_CV,
	C_CI_LO,
	C_CI_HI,
	C_WARM_TICKS,
	C_ENGINES,
	C_MIX,
	C_JAIN,
	C_IRQ_GB,
	C_IRQ_GB_RATIO,
	C_TENANT_CAPS,
	C_ENGINE_KIND
};

struct row {
	char algo[32], ctl[64], mix[256], tenant_caps[128], engine_kind[16];
	double v[N_COLS]; /* numeric columns; the text ones are 0 */
};

/* Parse vfc bench's CSV: the header must be exactly CSV_HEADER, every row N_COLS fields, the numeric ones
 * numbers. Returns the number of rows. */
static unsigned read_csv(const char *path, struct row *rows, unsigned max)
{
	char *text = (char *)slurp(path, NULL), *save = NULL, *line;
	unsigned n = 0;

	line = strtok_r(text, "\n", &save);
	assert_non_null(line);
	assert_string_equal(line, CSV_HEADER);
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct row *r = &rows[n];
		char *fsave = NULL, *f;
		unsigned c = 0;

		assert_true(n < max);
		memset(r, 0, sizeof(*r));
		/* no empty fields in this schema, so strtok's merging of separators cannot hide one */
		assert_null(strstr(line, ",,"));
		for (f = strtok_r(line, ",", &fsave); f; f = strtok_r(NULL, ",", &fsave), c++) {
			char *end;

			assert_true(c < N_COLS);
			if (c == C_ALGO) {
				snprintf(r->algo, sizeof(r->algo), "%s", f);
			} else if (c == C_CTL) {
				snprintf(r->ctl, sizeof(r->ctl), "%s", f);
			} else if (c == C_MIX) {
				snprintf(r->mix, sizeof(r->mix), "%s", f);
			} else if (c == C_TENANT_CAPS) {
				snprintf(r->tenant_caps, sizeof(r->tenant_caps), "%s", f);
			} else if (c == C_ENGINE_KIND) {
				snprintf(r->engine_kind, sizeof(r->engine_kind), "%s", f);
			} else {
				r->v[c] = strtod(f, &end);
				if (*end || end == f || !isfinite(r->v[c]))
					print_error("%s: row %u column %u: '%s' is not a number\n", path,
						    n + 1, c, f);
				assert_true(*end == '\0' && end != f && isfinite(r->v[c]));
			}
		}
		if (c != N_COLS)
			print_error("%s: row %u has %u fields, not %d\n", path, n + 1, c, N_COLS);
		assert_int_equal(c, N_COLS);
		n++;
	}
	free(text);
	return n;
}

/* |a - b| <= abs_tol + rel_tol * max(|a|, |b|), printing both on failure. */
static void assert_near(const char *what, double a, double b, double rel_tol, double abs_tol)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	if (!(fabs(a - b) <= abs_tol + rel_tol * m)) {
		print_error("%s: %.6g and %.6g differ by more than %.3g%% + %.3g\n", what, a, b,
			    rel_tol * 100, abs_tol);
		fail();
	}
}

#endif
