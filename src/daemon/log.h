/* SPDX-License-Identifier: MIT */
/* log.h - vfcd logging: stderr with a timestamp, or syslog. */
#ifndef VFC_DAEMON_LOG_H
#define VFC_DAEMON_LOG_H

enum vfcd_log_level { VFCD_LOG_ERR = 3, VFCD_LOG_WARN = 4, VFCD_LOG_INFO = 6, VFCD_LOG_DEBUG = 7 };

/* verbose: 1 = debug too, 0 = info and up, -1 = errors only (the fuzz targets). */
void vfcd_log_open(int use_syslog, int verbose);
void vfcd_log(enum vfcd_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
