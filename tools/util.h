/* SPDX-License-Identifier: MIT */
/* util.h - helpers shared by the vfc subcommands: messages, hex, file input, atomic output, opening a VF. */
#ifndef VFC_TOOLS_UTIL_H
#define VFC_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cmds.h"

/* Exit statuses of every subcommand. */
#define VFC_EXIT_OK 0
#define VFC_EXIT_FAIL 1 /* the operation failed (bad input, device error, verification failure) */
#define VFC_EXIT_USAGE 2 /* bad command line */

/* Chunk size for streaming file data through the device. */
#define VFC_TOOL_CHUNK (1u << 20)

/* "vfc CMD: MESSAGE\n" on stderr. */
void vfc_tool_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Unknown option: prints "vfc CMD: unknown option 'OPT' (see vfc CMD --help)", returns VFC_EXIT_USAGE. */
int vfc_tool_unknown_opt(const char *cmd, const char *opt);
/* The value of option argv[*i]: argv[*i + 1] (then *i is advanced to it), or NULL after printing
 * "vfc CMD: OPT: missing value". */
const char *vfc_tool_optval(const char *cmd, int argc, char **argv, int *i);

/* Parse a hex string into exactly len bytes. Like `openssl enc -K/-iv`, a short string is
 * padded with zero bytes on the right; unlike it, an odd number of digits, a non-hex digit, an
 * empty string or too many digits is an error. Returns 0, 1 if the string was padded, or -1
 * with a message ("bad hex string 'zz': expected 32 hex digits (16 bytes)") in err. */
int vfc_hex_parse(const char *s, uint8_t *out, size_t len, char *err, size_t errlen);

/* Read a whole file ("-" or NULL: stdin), at most max bytes (0: no limit). Returns 0 and a
 * malloc'ed buffer (NUL-terminated, *len excludes the NUL), or a negative errno (-EFBIG if the
 * file is larger than max). */
int vfc_file_read(const char *path, size_t max, uint8_t **buf, size_t *len);

/* Output that appears only when complete: a file is written to a temporary file in the same
 * directory and renamed over the target on commit; stdout, and a target that exists and is neither
 * a regular file nor a directory (/dev/null, a FIFO: a rename would replace it), are written to an
 * unlinked temporary file and copied there on commit. abort removes every trace. */
struct vfc_out {
	FILE *f; /* write here */
	char *path; /* target, NULL for stdout */
	char *tmp_path; /* temporary file next to path; NULL for stdout and a special target */
	int committed;
};
/* path NULL or "-": stdout. Returns 0 or a negative errno. */
int vfc_out_open(struct vfc_out *o, const char *path);
/* Write len bytes; returns 0 or a negative errno. */
int vfc_out_write(struct vfc_out *o, const void *buf, size_t len);
/* Make the output visible. Returns 0 or a negative errno (the output is then aborted). */
int vfc_out_commit(struct vfc_out *o);
/* Throw the output away (no-op after a commit or on a zeroed struct). */
void vfc_out_abort(struct vfc_out *o);

/* Open a VF as the global options say; prints "vfc CMD: vfc_vf_open embedded: ..." on failure. */
struct vfc_vf *vfc_tool_vf_open(const char *cmd, const struct vfc_global_opts *g);

#endif
