/* SPDX-License-Identifier: MIT */
/* log.c - vfcd logging: stderr with a timestamp, or syslog. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "daemon/log.h"

static int g_syslog;
static int g_verbose;

void vfcd_log_open(int use_syslog, int verbose)
{
	g_syslog = use_syslog;
	g_verbose = verbose;
	if (use_syslog)
		openlog("vfcd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void vfcd_log(enum vfcd_log_level level, const char *fmt, ...)
{
	static const char *const words[8] = { "emerg", "alert", "crit", "error", "warning", "notice", "info",
					       "debug" };
	char line[512];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if ((level >= VFCD_LOG_DEBUG && g_verbose <= 0) || (level > VFCD_LOG_ERR && g_verbose < 0))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (g_syslog) {
		syslog(level, "%s", line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	/* One fprintf per line: stderr is unbuffered, lines from the metrics
	 * thread do not interleave within a line. */
	fprintf(stderr, "%02d:%02d:%02d.%03ld vfcd %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, words[level & 7], line);
}
