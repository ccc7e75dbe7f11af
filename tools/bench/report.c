/* SPDX-License-Identifier: MIT */
/* report.c - `vfc bench`'s output: progress on stderr, openssl speed's lines, the table, CSV and JSON. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"

void bench_progress(struct bench_ctx *x, unsigned algo, uint32_t size, const char *ctl)
{
	if (x->cfg->quiet || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r\033[K[%u/%u] %s %u B %s ...", x->done + 1, x->total, bench_algos[algo].name, size,
		ctl ? ctl : "raw OpenSSL");
	if (x->done + 1 == x->total)
		fprintf(stderr, "\r\033[K");
}

void bench_print_point_line(const struct bench_point *p)
{
	const struct bench_algo *a = &bench_algos[p->algo];

	if (a->rsa_bits)
		printf("%s %u-byte messages: done. %.0f ops in %.2f secs: %.1f ops/sec, %.2f MB/sec, ",
		       a->verb, p->size, p->ops_per_s * p->secs, p->secs, p->ops_per_s, p->mbps);
	else
		printf("%s in chunks of %u bytes: done. %.2f MB in %.2f secs: %.2f MB/sec, ", a->verb,
		       p->size, p->mbps * p->secs, p->secs, p->mbps);
	if (p->raw)
		printf("raw OpenSSL\n");
	else if (p->cap_hz)
		printf("%.0f irq/s, cap %u Hz (%s)\n", p->irq_hz, p->cap_hz, p->label ? p->label : p->ctl);
	else
		printf("%.0f irq/s, no cap (%s)\n", p->irq_hz, p->label ? p->label : p->ctl);
	fflush(stdout);
}

void bench_print_table(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n)
{
	int tasks = cfg->tasks > 1;

	printf("\n%-15s %7s %-16s %8s %10s %10s %7s %9s %8s %8s", "algo", "bytes", "ctl", "cap_hz", "MB/s",
	       "ops/s", "spread", "irq/s", "p50_us", "p99_us");
	if (tasks)
		printf(" %11s", "task_MB/s");
	printf("%s\n", cfg->raw ? "  ratio_raw" : "");
	for (size_t i = 0; i < n; i++) {
		const struct bench_point *p = &pts[i];

		printf("%-15s %7u %-16.16s %8u %10.1f %10.1f %6.1f%% %9.0f %8.1f %8.1f",
		       bench_algos[p->algo].name, p->size, p->raw ? "raw-openssl" : p->label ? p->label : p->ctl, p->cap_hz,
		       p->mbps, p->ops_per_s, p->spread_pct, p->irq_hz, p->lat_p50_us, p->lat_p99_us);
		if (tasks)
			printf(" %5.0f-%-5.0f", p->raw ? 0 : p->task_mbps_min, p->raw ? 0 : p->task_mbps_max);
		if (cfg->raw)
			printf("  %9.3f", p->ratio_raw);
		printf("\n");
	}
}

/* The engine kind a point asked for ("-" for raw OpenSSL); where mb cannot run the device
 * computes on the openssl path (vfc_pf_engine_kind tells, the VF API does not). */
static const char *point_kind(const struct bench_cfg *cfg, const struct bench_point *p)
{
	if (p->raw)
		return "-";
	return vfc_engine_kind_name((enum vfc_engine_kind)(p->kind >= 0 ? p->kind : cfg->engine_kind));
}

/* The mix for the CSV: its entries joined by ';' (a comma would split the field). */
static const char *csv_mix(const struct bench_point *p, char *buf, size_t len)
{
	if (!p->mix)
		return "-";
	snprintf(buf, len, "%s", p->mix);
	for (char *c = buf; *c; c++)
		*c = *c == ',' ? ';' : *c;
	return buf;
}

int bench_write_csv(const struct bench_cfg *cfg, struct vfc_out *o, const struct bench_point *pts, size_t n)
{
	char line[1536];
	int rc;

	snprintf(line, sizeof(line),
		 "algo,block_bytes,depth,tasks,vfs,ctl,seconds,mbps,ops_per_s,irq_hz,cap_hz,"
		 "tenant_cpu_pct,lat_p50_us,lat_p99_us,ratio_raw,spread_pct,task_mbps_min,"
		 "task_mbps_max,ratio_oracle,ratio_oracle_cv,ratio_ci_lo,ratio_ci_hi,warmup_ticks,engines,"
		 "mix,jain,irq_per_gb,irq_per_gb_ratio,tenant_caps,engine_kind\n");
	rc = vfc_out_write(o, line, strlen(line));
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct bench_point *p = &pts[i];
		char mix[256];
		int len = snprintf(
			line, sizeof(line),
			"%s,%u,%u,%u,%u,%s,%.2f,%.3f,%.1f,%.1f,%u,%.1f,%.1f,%.1f,%.4f,%.2f,%.3f,%.3f,%.4f,%.4f,"
			"%.4f,%.4f,%u,%u,%s,%.4f,%.1f,%.4f,%s,%s\n",
			bench_algos[p->algo].name, p->size, p->raw ? 0 : p->depth, p->raw ? 1 : cfg->tasks,
			p->raw ? 0 : cfg->vfs, p->raw ? "raw" : p->label ? p->label : p->ctl, p->secs, p->mbps, p->ops_per_s,
			p->irq_hz, p->cap_hz, p->cpu_pct, p->lat_p50_us, p->lat_p99_us, p->ratio_raw,
			p->spread_pct, p->task_mbps_min, p->task_mbps_max, p->ratio_oracle,
			p->ratio_oracle_cv, p->ratio_ci_lo, p->ratio_ci_hi, p->warm_ticks, p->raw ? 0 : cfg->engines,
			csv_mix(p, mix, sizeof(mix)), p->raw ? 0 : p->jain, p->irq_per_gb, p->irq_ratio_oracle,
			p->tenant_caps[0] ? p->tenant_caps : "-", point_kind(cfg, p));

		rc = vfc_out_write(o, line, (size_t)len);
	}
	if (rc == 0)
		rc = vfc_out_commit(o);
	else
		vfc_out_abort(o);
	if (rc < 0)
		fprintf(stderr, "vfc bench: --csv %s: %s\n", cfg->csv, strerror(-rc));
	return rc;
}

static json_t *point_json_base(const struct bench_cfg *cfg, const struct bench_point *p)
{
	return json_pack(
		"{s:s, s:i, s:i, s:i, s:i, s:s, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:f, s:f, s:f, s:f, "
		"s:f, s:f, s:f}",
		"algo", bench_algos[p->algo].name, "block_bytes", (json_int_t)p->size, "depth",
		(json_int_t)(p->raw ? 0 : p->depth), "tasks", (json_int_t)(p->raw ? 1 : cfg->tasks), "vfs",
		(json_int_t)(p->raw ? 0 : cfg->vfs), "ctl", p->raw ? "raw" : p->label ? p->label : p->ctl, "seconds", p->secs,
		"mbps", p->mbps, "ops_per_s", p->ops_per_s, "irq_hz", p->irq_hz, "cap_hz",
		(json_int_t)p->cap_hz, "tenant_cpu_pct", p->cpu_pct, "lat_p50_us", p->lat_p50_us,
		"lat_p99_us", p->lat_p99_us, "ratio_raw", p->ratio_raw, "spread_pct", p->spread_pct,
		"ratio_oracle", p->ratio_oracle, "ratio_oracle_cv", p->ratio_oracle_cv, "ratio_ci_lo",
		p->ratio_ci_lo, "ratio_ci_hi", p->ratio_ci_hi);
}

static json_t *point_json(const struct bench_cfg *cfg, const struct bench_point *p)
{
	json_t *o = point_json_base(cfg, p);

	json_object_set_new(o, "warmup_ticks", json_integer(p->warm_ticks));
	json_object_set_new(o, "engines", json_integer(p->raw ? 0 : cfg->engines));
	json_object_set_new(o, "mix", p->mix ? json_string(p->mix) : json_null());
	json_object_set_new(o, "jain", json_real(p->raw ? 0 : p->jain));
	json_object_set_new(o, "irq_per_gb", json_real(p->irq_per_gb));
	json_object_set_new(o, "irq_per_gb_ratio", json_real(p->irq_ratio_oracle));
	json_object_set_new(o, "tenant_caps", p->tenant_caps[0] ? json_string(p->tenant_caps) : json_null());
	json_object_set_new(o, "engine_kind", p->raw ? json_null() : json_string(point_kind(cfg, p)));
	return o;
}

void bench_print_json(const struct bench_cfg *cfg, const struct bench_point *pts, size_t n)
{
	json_t *arr = json_array(), *root;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, point_json(cfg, &pts[i]));
	root = json_pack("{s:s, s:o}", "command",
			 cfg->league  ? "league" :
			 cfg->n_steps ? "steps" :
					"bench",
			 "points", arr);
	json_dumpf(root, stdout, JSON_INDENT(1));
	printf("\n");
	json_decref(root);
}

void bench_print_short_row(const char *name, int w, const struct bench_point *p, bool ticks, const char *per)
{
	printf("  %-*.*s %-12s %6u %5u", w, w, name, bench_algos[p->algo].name, p->size, p->depth);
	if (ticks)
		printf(" %5u", p->warm_ticks);
	printf("  %6.3f", p->ratio_oracle);
	if (p->ratio_ci_hi > 0)
		printf("  [%.3f, %.3f]%s\n", p->ratio_ci_lo, p->ratio_ci_hi, p->ratio_ci_hi < 0.97 ? "  beyond noise" : "");
	else
		printf("  (fewer than 3 %s: no interval)\n", per);
}

void bench_print_cv_note(void)
{
	printf("\n(cv) divides by the cross-validated oracle (cv MB/s): the static cap with the best mean\n"
	       "over the even rounds measured on the odd ones, and the other way round, averaged. The\n"
	       "best of many noisy means is biased up by the noise (the luckiest of equal caps wins);\n"
	       "the held-out speed is not.\n");
}
