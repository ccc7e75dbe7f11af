/* SPDX-License-Identifier: MIT */
/* vfc_model.c - `vfc model`: fit the paper's speed model to a measured sweep, predict speeds. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cmds.h"
#include "core/model.h"
#include "util.h"

static const char model_help[] =
	"usage: vfc model fit FILE.csv [--json] [--tol PCT]\n"
	"       vfc model predict --t0 S --t1 S --block BYTES --irq HZ [--json]\n"
	"\n"
	"The paper's speed model, Equation (7): V = B / (1024 * (I*t0 + (B/1024)*t1)),\n"
	"V in MB/s (10^6 B/s), B in bytes, I in Hz; t0 and t1 in the paper's seconds\n"
	"(x 1.024e-3 for physical seconds, see docs/model.md).\n"
	"\n"
	"  fit      least-squares fit of t0 and t1 to a measured sweep, and its peak\n"
	"  predict  V for given t0, t1, B and I\n"
	"\n"
	"See vfc model fit --help, vfc model predict --help.\n";

static const char fit_help[] =
	"usage: vfc model fit FILE.csv [--json] [--tol PCT]\n"
	"\n"
	"FILE.csv has a header line naming at least the columns block_bytes, irq_hz and\n"
	"speed_mbps (or mbps, as vfc bench --csv writes it; rows whose ctl is raw are\n"
	"skipped; any order; other columns are ignored; blank lines and lines starting\n"
	"with # are skipped) and at least 3 data rows.\n"
	"Prints t0 and t1 (least squares on B/(1024 V) = I t0 + (B/1024) t1, relative\n"
	"residuals), R^2 of predicted against measured speed, and the measured peak:\n"
	"Vmax, B0 (the smallest block within the tolerance of Vmax) and its I0.\n"
	"\n"
	"  --json      one JSON object: t0_s, t1_s, r2, b0_bytes, i0_hz, vmax_mbps,\n"
	"              i0_ideal_hz (1/t0, the paper's ideal rate), rows\n"
	"  --tol PCT   peak tolerance in percent (default 1)\n"
	"\n"
	"Exit status: 0 ok, 2 bad usage or bad input (the message names file and line).\n";

static const char predict_help[] =
	"usage: vfc model predict --t0 S --t1 S --block BYTES --irq HZ [--json]\n"
	"\n"
	"Prints V = B / (1024 * (I*t0 + (B/1024)*t1)) in MB/s (Equation (7)).\n"
	"  --t0 S        time per interrupt (paper seconds, as printed by vfc model fit)\n"
	"  --t1 S        time per 1024-byte group (paper seconds)\n"
	"  --block BYTES request size B (> 0)\n"
	"  --irq HZ      interrupt rate I (>= 0)\n"
	"  --json        {\"speed_mbps\": V}\n";

static int is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* --opt VALUE or --opt=VALUE: returns the value (advancing *i for the first form), or NULL if argv[*i]
 * is not opt; *missing is set when opt is there without a value. */
static const char *opt_value(const char *cmd, int argc, char **argv, int *i, const char *opt, int *missing)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		vfc_tool_err(cmd, "%s: missing value (see vfc %s --help)", opt, cmd);
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int parse_num(const char *s, double *out)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || *end || !isfinite(*out))
		return -1;
	return 0;
}

/* ---- CSV ---- */

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		s++;
	}
	return s;
}

/* Split line in place on commas; returns the number of fields (at most max). */
static int split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		char *c = strchr(p, ',');

		if (c)
			*c = '\0';
		fields[n++] = trim(p);
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

#define MAX_FIELDS 256

enum { COL_B, COL_I, COL_V, NCOLS };
static const char *const col_names[NCOLS] = { "block_bytes", "irq_hz", "speed_mbps" };

static int read_csv(const char *cmd, const char *path, struct vfc_model_point **out, size_t *count)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *fields[MAX_FIELDS];
	size_t cap = 0, n = 0, alloc = 0;
	struct vfc_model_point *pts = NULL;
	int col[NCOLS] = { -1, -1, -1 }, lineno = 0, header = 0, need = 0, col_ctl = -1;

	if (!f) {
		vfc_tool_err(cmd, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *l = trim(line);
		int nf;

		lineno++;
		if (!*l || *l == '#')
			continue;
		nf = split(l, fields, MAX_FIELDS);
		if (!header) {
			for (int k = 0; k < NCOLS; k++) {
				for (int j = 0; j < nf; j++)
					if (!strcasecmp(fields[j], col_names[k]) ||
					    /* vfc bench --csv names the speed `mbps` */
					    (k == COL_V && col[k] < 0 && !strcasecmp(fields[j], "mbps")))
						col[k] = j;
				for (int j = 0; j < nf; j++)
					if (!strcasecmp(fields[j], "ctl"))
						col_ctl = j;
				if (col[k] < 0) {
					vfc_tool_err(cmd, "%s:%d: missing column '%s' (the header needs block_bytes, "
						     "irq_hz and speed_mbps)", path, lineno, col_names[k]);
					goto fail;
				}
				if (col[k] + 1 > need)
					need = col[k] + 1;
			}
			header = 1;
			continue;
		}
		if (nf < need) {
			vfc_tool_err(cmd, "%s:%d: %d field%s, expected at least %d", path, lineno, nf, nf == 1 ? "" : "s",
				     need);
			goto fail;
		}
		/* vfc bench's raw OpenSSL rows measure no device: not part of the model. */
		if (col_ctl >= 0 && col_ctl < nf && !strcmp(fields[col_ctl], "raw"))
			continue;
		if (n == alloc) {
			struct vfc_model_point *np;

			alloc = alloc ? 2 * alloc : 64;
			np = realloc(pts, alloc * sizeof(*pts));
			if (!np) {
				vfc_tool_err(cmd, "%s: out of memory", path);
				goto fail;
			}
			pts = np;
		}
		for (int k = 0; k < NCOLS; k++) {
			const char *v = fields[col[k]];
			double x;
			int bad = parse_num(v, &x) < 0;

			if (!bad)
				bad = k == COL_I ? x < 0 : x <= 0;
			if (bad) {
				vfc_tool_err(cmd, "%s:%d: %s: expected a %s number, got '%s'", path, lineno, col_names[k],
					     k == COL_I ? "non-negative" : "positive", v);
				goto fail;
			}
			if (k == COL_B)
				pts[n].block_bytes = x;
			else if (k == COL_I)
				pts[n].irq_hz = x;
			else
				pts[n].speed_mbps = x;
		}
		n++;
	}
	if (ferror(f)) {
		vfc_tool_err(cmd, "%s: read: %s", path, strerror(errno));
		goto fail;
	}
	if (!header) {
		vfc_tool_err(cmd, "%s:%d: empty file (expected a header line naming block_bytes, irq_hz, speed_mbps)",
			     path, lineno + 1);
		goto fail;
	}
	if (n < 3) {
		vfc_tool_err(cmd, "%s:%d: %zu data row%s, need at least 3", path, lineno, n, n == 1 ? "" : "s");
		goto fail;
	}
	free(line);
	fclose(f);
	*out = pts;
	*count = n;
	return 0;
fail:
	free(line);
	free(pts);
	fclose(f);
	return -1;
}

/* ---- fit ---- */

static int cmd_fit(int argc, char **argv)
{
	const char *cmd = "model fit", *path = NULL, *v;
	struct vfc_model_point *pts = NULL;
	struct vfc_model_fit fit;
	struct vfc_model_peak pk;
	double tol = 1.0;
	size_t n = 0;
	int json = 0, missing = 0, r;

	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(fit_help, stdout);
			return VFC_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if ((v = opt_value(cmd, argc, argv, &i, "--tol", &missing))) {
			if (parse_num(v, &tol) < 0 || tol < 0 || tol >= 100) {
				vfc_tool_err(cmd, "--tol: expected a percentage from 0 to 100, got '%s'", v);
				return VFC_EXIT_USAGE;
			}
		} else if (missing) {
			return VFC_EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return vfc_tool_unknown_opt(cmd, argv[i]);
		} else if (!path) {
			path = argv[i];
		} else {
			vfc_tool_err(cmd, "one CSV file only, got '%s' and '%s'", path, argv[i]);
			return VFC_EXIT_USAGE;
		}
	}
	if (!path) {
		vfc_tool_err(cmd, "missing FILE.csv (see vfc model fit --help)");
		return VFC_EXIT_USAGE;
	}
	if (read_csv(cmd, path, &pts, &n) < 0)
		return VFC_EXIT_USAGE;
	r = vfc_model_fit(pts, n, &fit);
	if (r == -EDOM) {
		vfc_tool_err(cmd, "%s: cannot fit: irq_hz is zero or proportional to block_bytes in every row, so t0 "
			     "and t1 are not determined (sweep both)", path);
		free(pts);
		return VFC_EXIT_USAGE;
	}
	if (r < 0 || vfc_model_peak(pts, n, tol / 100.0, &pk) < 0) {
		vfc_tool_err(cmd, "%s: vfc_model_fit: %s", path, strerror(-r));
		free(pts);
		return VFC_EXIT_USAGE;
	}
	free(pts);

	if (json) {
		json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I}", "t0_s", fit.t0, "t1_s", fit.t1, "r2",
				      fit.r2, "b0_bytes", pk.b0_bytes, "i0_hz", pk.i0_hz, "vmax_mbps", pk.vmax_mbps,
				      "i0_ideal_hz", vfc_model_ideal_i0(fit.t0), "rows", (json_int_t)n);

		if (!o || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) < 0) {
			vfc_tool_err(cmd, "json output failed");
			json_decref(o);
			return VFC_EXIT_FAIL;
		}
		json_decref(o);
		fputc('\n', stdout);
	} else {
		printf("rows         %zu\n", n);
		printf("t0_s         %.6e   (paper seconds; x 1.024e-3 = %.6e s)\n", fit.t0, fit.t0 * VFC_MODEL_PAPER_S);
		printf("t1_s         %.6e   (paper seconds; x 1.024e-3 = %.6e s)\n", fit.t1, fit.t1 * VFC_MODEL_PAPER_S);
		printf("r2           %.6f\n", fit.r2);
		printf("b0_bytes     %.0f\n", pk.b0_bytes);
		printf("i0_hz        %.0f\n", pk.i0_hz);
		printf("vmax_mbps    %.2f\n", pk.vmax_mbps);
		printf("i0_ideal_hz  %.6g   (1/t0)\n", vfc_model_ideal_i0(fit.t0));
	}
	return fflush(stdout) ? VFC_EXIT_FAIL : VFC_EXIT_OK;
}

/* ---- predict ---- */

static int cmd_predict(int argc, char **argv)
{
	static const char *const names[] = { "--t0", "--t1", "--block", "--irq" };
	const char *cmd = "model predict";
	double val[4];
	int have[4] = { 0 }, json = 0, missing = 0;

	for (int i = 1; i < argc; i++) {
		int done = 0;

		if (is_help(argv[i])) {
			fputs(predict_help, stdout);
			return VFC_EXIT_OK;
		}
		if (!strcmp(argv[i], "--json")) {
			json = 1;
			continue;
		}
		for (int k = 0; k < 4 && !done; k++) {
			const char *v = opt_value(cmd, argc, argv, &i, names[k], &missing);

			if (missing)
				return VFC_EXIT_USAGE;
			if (!v)
				continue;
			if (parse_num(v, &val[k]) < 0 || val[k] < 0 || (k == 2 && val[k] == 0)) {
				vfc_tool_err(cmd, "%s: expected a %s number, got '%s'", names[k],
					     k == 2 ? "positive" : "non-negative", v);
				return VFC_EXIT_USAGE;
			}
			have[k] = done = 1;
		}
		if (!done)
			return vfc_tool_unknown_opt(cmd, argv[i]);
	}
	for (int k = 0; k < 4; k++) {
		if (!have[k]) {
			vfc_tool_err(cmd, "missing %s (see vfc model predict --help)", names[k]);
			return VFC_EXIT_USAGE;
		}
	}
	{
		double v = vfc_model_predict(val[0], val[1], val[2], val[3]);

		if (!(v > 0)) {
			vfc_tool_err(cmd, "I*t0 + (B/1024)*t1 is 0: the speed is not defined");
			return VFC_EXIT_USAGE;
		}
		if (json)
			printf("{\"speed_mbps\": %.10g}\n", v);
		else
			printf("%.6g MB/s\n", v);
	}
	return fflush(stdout) ? VFC_EXIT_FAIL : VFC_EXIT_OK;
}

int vfc_cmd_model(int argc, char **argv, struct vfc_global_opts *g)
{
	(void)g; /* the model touches no VF */
	if (argc < 2) {
		vfc_tool_err("model", "missing subcommand: fit or predict (see vfc model --help)");
		return VFC_EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		fputs(model_help, stdout);
		return VFC_EXIT_OK;
	}
	if (!strcmp(argv[1], "fit"))
		return cmd_fit(argc - 1, argv + 1);
	if (!strcmp(argv[1], "predict"))
		return cmd_predict(argc - 1, argv + 1);
	vfc_tool_err("model", "unknown subcommand '%s': fit or predict (see vfc model --help)", argv[1]);
	return VFC_EXIT_USAGE;
}
