/* SPDX-License-Identifier: MIT */
/* util.c - helpers shared by the vfc subcommands: messages, hex, file input, atomic output, opening a VF. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void vfc_tool_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "vfc %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vfc_tool_unknown_opt(const char *cmd, const char *opt)
{
	vfc_tool_err(cmd, "unknown option '%s' (see vfc %s --help)", opt, cmd);
	return VFC_EXIT_USAGE;
}

const char *vfc_tool_optval(const char *cmd, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		vfc_tool_err(cmd, "%s: missing value (see vfc %s --help)", argv[*i], cmd);
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vfc_hex_parse(const char *s, uint8_t *out, size_t len, char *err, size_t errlen)
{
	size_t n = strlen(s), i;
	const char *why = NULL;

	for (i = 0; i < n && !why; i++)
		if (hexval(s[i]) < 0)
			why = "non-hex digit";
	if (!why && n == 0)
		why = "empty";
	else if (!why && n % 2)
		why = "odd number of digits";
	else if (!why && n > 2 * len)
		why = "too long";
	if (why) {
		snprintf(err, errlen, "bad hex string '%s' (%s): expected %zu hex digits (%zu bytes)", s, why,
			 2 * len, len);
		return -1;
	}
	memset(out, 0, len);
	for (i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	return n < 2 * len;
}

int vfc_file_read(const char *path, size_t max, uint8_t **bufp, size_t *lenp)
{
	int use_stdin = !path || !strcmp(path, "-");
	FILE *f = use_stdin ? stdin : fopen(path, "rb");
	size_t cap = 0, len = 0, n;
	uint8_t *buf = NULL, *nb;
	int ret = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (cap - len < 65536 + 1) {
			cap = cap ? 2 * cap : 65536 + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (max && len > max) {
			ret = -EFBIG;
			goto fail;
		}
		if (n == 0) {
			if (ferror(f)) {
				ret = errno ? -errno : -EIO;
				goto fail;
			}
			break;
		}
	}
	buf[len] = 0;
	if (!use_stdin)
		fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	if (!use_stdin)
		fclose(f);
	return ret;
}

/* The mode a file created by open(O_CREAT, 0666) would get, or the existing target's mode. */
static mode_t out_mode(const char *path)
{
	struct stat st;
	mode_t mask;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 07777;
	/* umask() can only be read by setting it; the tool is single-threaded here, and the device's
	 * engine threads create no files. */
	mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

/* Whether path names an existing file that is neither regular nor a directory (/dev/null, a FIFO). */
static bool is_special(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

int vfc_out_open(struct vfc_out *o, const char *path)
{
	const char *slash;
	size_t dlen;
	int fd, ret;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = tmpfile();
		return o->f ? 0 : -errno;
	}
	o->path = strdup(path);
	if (!o->path)
		return -ENOMEM;
	if (is_special(path)) { /* staged like stdout: a rename over it would replace the device */
		o->f = tmpfile();
		if (!o->f) {
			ret = -errno;
			goto fail;
		}
		return 0;
	}
	slash = strrchr(path, '/');
	dlen = slash ? (size_t)(slash - path) + 1 : 0;
	/* "DIR/.NAME.vfc-XXXXXX": same directory, so the final rename() is atomic. */
	if (asprintf(&o->tmp_path, "%.*s.%s.vfc-XXXXXX", (int)dlen, path, path + dlen) < 0) {
		o->tmp_path = NULL;
		ret = -ENOMEM;
		goto fail;
	}
	fd = mkstemp(o->tmp_path);
	if (fd < 0) {
		ret = -errno;
		free(o->tmp_path);
		o->tmp_path = NULL;
		goto fail;
	}
	if (fchmod(fd, out_mode(path)) < 0 || !(o->f = fdopen(fd, "wb"))) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	return 0;
fail:
	vfc_out_abort(o);
	return ret;
}

int vfc_out_write(struct vfc_out *o, const void *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, o->f) != len)
		return errno ? -errno : -EIO;
	return 0;
}

/* The staged output f copied to dst (stdout, or a special file's stream). */
static int copy_out(FILE *f, FILE *dst)
{
	static char buf[65536];
	size_t n;

	if (fflush(f) == EOF || fseek(f, 0, SEEK_SET) < 0)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, n, dst) != n)
			return errno ? -errno : -EIO;
	if (ferror(f))
		return -EIO;
	if (fflush(dst) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

/* The staged output f written to the special file path, opened for writing only now. */
static int copy_to_path(FILE *f, const char *path)
{
	FILE *dst = fopen(path, "wb");
	int ret;

	if (!dst)
		return -errno;
	ret = copy_out(f, dst);
	if (fclose(dst) == EOF && !ret)
		ret = -errno;
	return ret;
}

int vfc_out_commit(struct vfc_out *o)
{
	int ret;

	if (!o->tmp_path) { /* stdout, or a special file */
		ret = o->path ? copy_to_path(o->f, o->path) : copy_out(o->f, stdout);
		if (ret < 0)
			goto fail;
		fclose(o->f);
		o->f = NULL;
		o->committed = 1;
		free(o->path);
		o->path = NULL;
		return 0;
	}
	if (fflush(o->f) == EOF) {
		ret = -errno;
		goto fail;
	}
	ret = fclose(o->f);
	o->f = NULL;
	if (ret == EOF) {
		ret = -errno;
		goto fail;
	}
	if (rename(o->tmp_path, o->path) < 0) {
		ret = -errno;
		goto fail;
	}
	o->committed = 1;
	free(o->tmp_path);
	free(o->path);
	o->tmp_path = o->path = NULL;
	return 0;
fail:
	vfc_out_abort(o);
	return ret;
}

void vfc_out_abort(struct vfc_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp_path && !o->committed)
		unlink(o->tmp_path);
	free(o->tmp_path);
	free(o->path);
	o->tmp_path = o->path = NULL;
}

struct vfc_vf *vfc_tool_vf_open(const char *cmd, const struct vfc_global_opts *g)
{
	const char *dev = g->device && *g->device ? g->device : "embedded";
	struct vfc_vf *vf = vfc_vf_open(g->device, &g->vf);

	if (!vf)
		vfc_tool_err(cmd, "vfc_vf_open %s: %s", dev, vfc_strerror(-errno));
	return vf;
}
