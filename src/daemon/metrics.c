/* SPDX-License-Identifier: MIT */
/* metrics.c - vfcd's Prometheus endpoint (text format 0.0.4) served by libmicrohttpd. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/vf_info.h"
#include "daemon/metrics.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_compat;
#else
typedef enum MHD_Result MHD_Result_compat;
#endif

struct vfcd_metrics {
	struct vfcd_vftable *t;
	struct MHD_Daemon *mhd;
	unsigned port;
};

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		char *q = realloc(b->p, b->cap * 2 + (size_t)n);

		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values: escape backslash, quote and newline (the text format's rule). */
static void label_escape(char *out, size_t cap, const char *in)
{
	size_t o = 0;

	for (; *in && o + 3 < cap; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

/* The per-VF counters, each a Prometheus counter family. */
struct metric_counter {
	const char *name, *help;
	size_t off;   /* of a uint64_t in struct vfc_counters */
	double scale; /* 0: print the integer; else print value x scale (ns -> s) */
};

static const struct metric_counter counters[] = {
	{ "vfcd_vf_bytes_total", "Payload bytes of requests completed with status 0.",
	  offsetof(struct vfc_counters, bytes), 0 },
	{ "vfcd_vf_ops_total", "Requests completed (any status).", offsetof(struct vfc_counters, ops), 0 },
	{ "vfcd_vf_interrupts_total", "Interrupts delivered (eventfd writes).", offsetof(struct vfc_counters, irqs),
	  0 },
	{ "vfcd_vf_errors_total", "Requests completed with an error status.", offsetof(struct vfc_counters, errors),
	  0 },
	{ "vfcd_vf_resets_total", "VF resets (corrupted rings, tenant or admin reset).",
	  offsetof(struct vfc_counters, resets), 0 },
	{ "vfcd_vf_device_seconds_total", "Engine time spent on the VF's requests.",
	  offsetof(struct vfc_counters, dev_ns), 1e-9 },
};

static void put_counters(struct buf *b, const struct vfcd_snapshot *s)
{
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		const struct metric_counter *c = &counters[k];

		family(b, c->name, "counter", c->help);
		for (unsigned i = 0; i < s->n_vfs; i++) {
			uint64_t v = *(const uint64_t *)((const char *)&s->vf[i].ctr + c->off);

			if (c->scale)
				put(b, "%s{vf=\"%u\"} %.9f\n", c->name, i, (double)v * c->scale);
			else
				put(b, "%s{vf=\"%u\"} %llu\n", c->name, i, (unsigned long long)v);
		}
	}
}

static void put_gauges(struct buf *b, const struct vfcd_snapshot *s)
{
	char esc[2 * VFCD_CONTROLLER_NAME_MAX + 1];
	unsigned i;

	family(b, "vfcd_vf_cap_hz", "gauge", "Interrupt cap in force (0 = none).");
	for (i = 0; i < s->n_vfs; i++)
		put(b, "vfcd_vf_cap_hz{vf=\"%u\"} %u\n", i, s->vf[i].ctr.cap_hz);
	family(b, "vfcd_vf_state", "gauge", "1 for the VF's state (free, attached, failed).");
	for (i = 0; i < s->n_vfs; i++)
		for (unsigned st = 0; st < VFCD_VF_STATES; st++)
			put(b, "vfcd_vf_state{vf=\"%u\",state=\"%s\"} %d\n", i, vfcd_vf_state_name(st),
			    s->vf[i].state == st);
	family(b, "vfcd_vf_controller_info", "gauge", "The controller the VF's tenant runs (1).");
	for (i = 0; i < s->n_vfs; i++) {
		const struct vfcd_vf_info *v = &s->vf[i];

		if (v->state == VFCD_VF_FREE)
			continue;
		label_escape(esc, sizeof(esc), v->controller[0] ? v->controller : "unknown");
		put(b, "vfcd_vf_controller_info{vf=\"%u\",controller=\"%s\",uid=\"%u\",pid=\"%d\"} 1\n", i, esc,
		    v->owner_uid, v->owner_pid);
	}
	family(b, "vfcd_engine_busy_seconds_total", "counter", "CPU time of the engine thread (idle engines sleep).");
	for (i = 0; i < s->n_engines; i++)
		put(b, "vfcd_engine_busy_seconds_total{engine=\"%u\"} %.9f\n", i, (double)s->engine_cpu_ns[i] / 1e9);
}

char *vfcd_metrics_text(struct vfcd_vftable *t, size_t *len)
{
	struct vfcd_snapshot *s = malloc(sizeof(*s));
	struct buf b = { .cap = 16384 };

	b.p = malloc(b.cap);
	if (!s || !b.p) {
		free(s);
		free(b.p);
		return NULL;
	}
	b.p[0] = '\0';
	vfcd_vftable_snapshot(t, s);
	put_counters(&b, s);
	put_gauges(&b, s);
	free(s);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

static MHD_Result_compat handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	static const char not_found[] = "not found: try /metrics\n";
	struct vfcd_metrics *m = cls;
	struct MHD_Response *resp;
	MHD_Result_compat ret;
	unsigned code = MHD_HTTP_OK;
	size_t len = 0;
	char *text;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	*upload_data_size = 0;
	if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1, (void *)not_found,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		text = vfcd_metrics_text(m->t, &len);
		if (!text)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(text);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct vfcd_metrics *vfcd_metrics_start(struct vfcd_vftable *t, const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *di;
	struct vfcd_metrics *m;
	char host[64];
	const char *colon = strrchr(addr, ':');
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - addr) >= sizeof(host)) {
		errno = EINVAL;
		return NULL;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535) {
		errno = EINVAL;
		return NULL;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa.sin_addr) != 1) {
		errno = EINVAL;
		return NULL;
	}
	sa.sin_port = htons((uint16_t)port);
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->t = t;
	/* One internal thread: scrapes are rare and cheap. */
	m->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, handler, m,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, 16u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!m->mhd) {
		free(m);
		errno = EADDRINUSE;
		return NULL;
	}
	di = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
	m->port = di ? di->port : (unsigned)port;
	return m;
}

unsigned vfcd_metrics_bound_port(const struct vfcd_metrics *m)
{
	return m->port;
}

void vfcd_metrics_stop(struct vfcd_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}
