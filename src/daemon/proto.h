/* SPDX-License-Identifier: MIT */
/* proto.h - vfcd message checks, pure (no state, no I/O): fuzzed. */
#ifndef VFC_DAEMON_PROTO_H
#define VFC_DAEMON_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "transport/wire.h"

/* Check a datagram's framing; on 0, *hdr, *body and *body_len describe it.
 * -EPROTO: bad magic or version; -EINVAL: length field disagrees (truncated). */
int vfcd_msg_frame(const void *buf, size_t len, struct vfcd_hdr *hdr, const void **body, size_t *body_len);
/* Check a body's size and fixed fields for its type. -EOPNOTSUPP: unknown
 * type; -EINVAL: wrong size or bad field; -EPROTO: control ABI version;
 * -EMSGSIZE: data too large. */
int vfcd_msg_body_check(uint16_t type, const void *body, size_t body_len);

#endif
