/* SPDX-License-Identifier: MIT */
/* calib_rows.c - calibration's input: the rows of a `vfc bench --csv` file. */
#include "sim/calib_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int vfc__cal_err(char *err, size_t errlen, const char *fmt, const char *path, unsigned line, const char *what)
{
	if (errlen)
		snprintf(err, errlen, fmt, path, line, what);
	return -EINVAL;
}

/* Split a CSV line in place (no quoting: bench never quotes). */
static size_t split(char *s, char **f, size_t max)
{
	size_t n = 0;

	s[strcspn(s, "\r\n")] = 0;
	while (n < max) {
		f[n++] = s;
		s = strchr(s, ',');
		if (!s)
			break;
		*s++ = 0;
	}
	return n;
}

static int parse_num(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end != s && !*end && isfinite(*out) ? 0 : -1;
}

enum col { C_ALGO, C_BLOCK, C_DEPTH, C_CTL, C_MBPS, C_IRQ, C_CAP, C_VFS, C_SECONDS, C__N };

static const char *const col_names[C__N] = { "algo", "block_bytes", "depth", "ctl", "mbps", "irq_hz", "cap_hz",
					     "vfs", "seconds" };

/* The header line: each column's index (-1: absent; vfs and seconds may be). */
static int read_header(int *col, char **f, size_t nf, const char *path, unsigned ln, char *err, size_t errlen)
{
	for (int c = 0; c < C__N; c++) {
		col[c] = -1;
		for (size_t k = 0; k < nf; k++)
			if (!strcasecmp(f[k], col_names[c]))
				col[c] = (int)k;
		if (col[c] < 0 && c < C_VFS)
			return vfc__cal_err(err, errlen, "%s:%u: header has no column '%s'", path, ln, col_names[c]);
	}
	return 0;
}

/* A data line, appended to rows[*n]: 1, 0 (an empty point: skipped) or -EINVAL. */
static int read_row(const int *col, char **f, size_t nf, const char *path, unsigned ln, struct vfc__cal_row *rows,
		    size_t *n, char *err, size_t errlen)
{
	double x[C__N] = { 0 };
	struct vfc__cal_row *r;
	bool raw;

	for (int c = 0; c < C__N; c++) {
		if (c == C_ALGO || c == C_CTL || col[c] < 0)
			continue;
		if ((size_t)col[c] >= nf || parse_num(f[col[c]], &x[c]) < 0 || x[c] < 0)
			return vfc__cal_err(err, errlen, "%s:%u: column '%s': not a number >= 0", path, ln, col_names[c]);
	}
	if ((size_t)col[C_ALGO] >= nf || (size_t)col[C_CTL] >= nf)
		return vfc__cal_err(err, errlen, "%s:%u: %s", path, ln, "too few columns");
	raw = !strcmp(f[col[C_CTL]], "raw");
	if (x[C_MBPS] <= 0 || x[C_BLOCK] < 1 || (!raw && x[C_DEPTH] < 1))
		return 0; /* empty points say nothing */
	if (*n == VFC__CAL_MAX_ROWS)
		return vfc__cal_err(err, errlen, "%s:%u: %s", path, ln, "too many rows (at most 4096)");
	r = &rows[(*n)++];
	r->algo = vfc_sim_algo_parse(f[col[C_ALGO]]);
	if (r->algo < 0)
		return vfc__cal_err(err, errlen, "%s:%u: unknown algo '%s'", path, ln, f[col[C_ALGO]]);
	r->block = (uint32_t)x[C_BLOCK];
	r->depth = (uint32_t)x[C_DEPTH];
	r->vfs = col[C_VFS] >= 0 && x[C_VFS] >= 1 ? (uint32_t)x[C_VFS] : 1;
	r->seconds = col[C_SECONDS] >= 0 && x[C_SECONDS] > 0 ? x[C_SECONDS] : 2;
	snprintf(r->ctl, sizeof(r->ctl), "%s", f[col[C_CTL]]);
	r->mbps = x[C_MBPS];
	r->irq_hz = x[C_IRQ];
	r->cap = (uint32_t)x[C_CAP];
	r->line = ln;
	r->raw = raw;
	return 1;
}

int vfc__cal_read_rows(const char *path, struct vfc__cal_row **out, size_t *n, char *err, size_t errlen)
{
	int col[C__N];
	char line[4096], *f[64];
	unsigned ln = 0;
	size_t ndev = 0;
	bool have_header = false;
	struct vfc__cal_row *rows;
	FILE *fp = fopen(path, "r");

	*n = 0;
	if (!fp) {
		if (errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	rows = calloc(VFC__CAL_MAX_ROWS, sizeof(*rows));
	if (!rows) {
		fclose(fp);
		return vfc__cal_err(err, errlen, "%s:%u: %s", path, 0, "out of memory");
	}
	while (fgets(line, sizeof(line), fp)) {
		size_t nf;
		int rc;

		ln++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0)
			continue;
		nf = split(line, f, 64);
		if (have_header) {
			rc = read_row(col, f, nf, path, ln, rows, n, err, errlen);
			if (rc > 0)
				ndev += !rows[*n - 1].raw;
		} else {
			rc = read_header(col, f, nf, path, ln, err, errlen);
			have_header = true;
		}
		if (rc < 0) {
			fclose(fp);
			free(rows);
			return rc;
		}
	}
	fclose(fp);
	if (!have_header) {
		free(rows);
		return vfc__cal_err(err, errlen, "%s:%u: %s", path, ln, "no header line");
	}
	if (ndev < 3) {
		free(rows);
		return vfc__cal_err(err, errlen, "%s:%u: %s", path, ln, "fewer than 3 device rows");
	}
	*out = rows;
	return 0;
}
