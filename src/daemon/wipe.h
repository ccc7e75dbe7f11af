/* SPDX-License-Identifier: MIT */
/* wipe.h - vfcd's OpenSSL allocator that wipes what it frees: no key material left in freed heap. */
#ifndef VFC_DAEMON_WIPE_H
#define VFC_DAEMON_WIPE_H

/*
 * OpenSSL frees some of its decoding buffers (the DER of a private key read
 * by its decoders, OpenSSL 3.0) without wiping them, so a tenant's RSA key
 * would outlive its release in vfcd's free heap. Install, before the first
 * OpenSSL call of the process, allocator functions that wipe every block
 * OpenSSL frees or moves. Returns 0, or -EBUSY when OpenSSL has allocated
 * already (too late: nothing changed).
 */
int vfcd_wipe_openssl_frees(void);

#endif
