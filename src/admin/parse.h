/* SPDX-License-Identifier: MIT */
/* parse.h - number and error-message helpers of the policy and config parsers. */
#ifndef VFC_ADMIN_PARSE_H
#define VFC_ADMIN_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* An unsigned number (strtoull base 0) up to max, with an optional K/M/G
 * suffix (powers of 1024) when suffix. 0 or -EINVAL. */
int vfcd_parse_u64(const char *s, uint64_t max, int suffix, uint64_t *out);
/* Format a message into err (if err and errlen) and return rc. */
int vfcd_set_err(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
