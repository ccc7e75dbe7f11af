/* SPDX-License-Identifier: MIT */
/* vfc_dgst.c - `vfc dgst`: SHA-256 of files through the device, printed like sha256sum. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

static const char *const CMD = "dgst";

static void dgst_help(void)
{
	printf("Usage: vfc dgst [-sha256] [DEVICE OPTIONS] [--] [FILE...]\n"
	       "\n"
	       "Print the SHA-256 digest of each FILE, computed in the device, one line per file in\n"
	       "sha256sum's format ('HEX  NAME'), so the output can be checked with `sha256sum -c`.\n"
	       "With no FILE, or when FILE is -, read standard input (shown as '-'). Files are\n"
	       "streamed through the device in 1 MiB pieces (multi-part hashing in one session).\n"
	       "\n"
	       "Options:\n"
	       "  -sha256           the digest (the default and only one)\n"
	       "  --                end of options: every later argument is a file\n"
	       "  -h, --help        this help\n"
	       "\n%s"
	       "\n"
	       "Exit status: 0 if every file was digested; 1 if some could not be read (each is\n"
	       "reported, the others are still printed); 2 on a bad command line.\n"
	       "\n"
	       "Examples:\n"
	       "  vfc dgst -sha256 /etc/hostname\n"
	       "  vfc dgst -sha256 *.iso > SHA256SUMS && sha256sum -c SHA256SUMS\n"
	       "  curl -s https://example.org/ | vfc dgst\n",
	       vfc_global_help);
}

/* Print the line like sha256sum: a name with a backslash or newline is escaped and the line
 * starts with a backslash. */
static void print_line(const uint8_t md[VFC_SHA256_LEN], const char *name)
{
	int esc = strchr(name, '\\') || strchr(name, '\n');
	const char *p;
	int k;

	if (esc)
		putchar('\\');
	for (k = 0; k < VFC_SHA256_LEN; k++)
		printf("%02x", md[k]);
	fputs("  ", stdout);
	for (p = name; *p; p++) {
		if (esc && *p == '\\')
			fputs("\\\\", stdout);
		else if (esc && *p == '\n')
			fputs("\\n", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

/* Digest one file; prints its line or an error. Returns 0, or -1 on a device error. */
static int dgst_file(struct vfc_session *s, const char *name, uint8_t *buf, int *failed)
{
	int is_stdin = !strcmp(name, "-");
	uint8_t md[VFC_SHA256_LEN];
	FILE *f;
	size_t n;
	int ret = 0;

	f = is_stdin ? stdin : fopen(name, "rb");
	if (!f) {
		vfc_tool_err(CMD, "%s: %s", name, strerror(errno));
		*failed = 1;
		return 0;
	}
	ret = vfc_digest_init(s);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: vfc_digest_init: %s", name, vfc_strerror(ret));
		goto dev_fail;
	}
	for (;;) {
		errno = 0;
		n = fread(buf, 1, VFC_TOOL_CHUNK, f);
		if (n == 0) {
			if (ferror(f)) {
				vfc_tool_err(CMD, "%s: %s", name, strerror(errno ? errno : EIO));
				*failed = 1;
				goto out;
			}
			break;
		}
		ret = vfc_digest_update(s, buf, n);
		if (ret < 0) {
			vfc_tool_err(CMD, "%s: vfc_digest_update: %s", name, vfc_strerror(ret));
			goto dev_fail;
		}
	}
	ret = vfc_digest_final(s, md);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: vfc_digest_final: %s", name, vfc_strerror(ret));
		goto dev_fail;
	}
	print_line(md, name);
out:
	if (is_stdin)
		clearerr(stdin);
	else
		fclose(f);
	return 0;
dev_fail:
	*failed = 1;
	if (!is_stdin)
		fclose(f);
	return -1;
}

int vfc_cmd_dgst(int argc, char **argv, struct vfc_global_opts *g)
{
	struct vfc_session *s = NULL;
	struct vfc_vf *vf = NULL;
	const char **files;
	int i, r, n_files = 0, end_opts = 0, failed = 0, status = VFC_EXIT_FAIL;
	uint8_t *buf = NULL;

	files = calloc((size_t)argc + 1, sizeof(*files));
	if (!files) {
		vfc_tool_err(CMD, "malloc: %s", strerror(ENOMEM));
		return VFC_EXIT_FAIL;
	}
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (end_opts || o[0] != '-' || !strcmp(o, "-")) {
			files[n_files++] = o;
		} else if (!strcmp(o, "--")) {
			end_opts = 1;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			dgst_help();
			status = VFC_EXIT_OK;
			goto out;
		} else if (!strcmp(o, "-sha256")) {
			/* the only digest */
		} else {
			r = vfc_global_opt(CMD, argc, argv, &i, g);
			if (r <= 0) {
				if (r == 0)
					vfc_tool_unknown_opt(CMD, o);
				status = VFC_EXIT_USAGE;
				goto out;
			}
		}
	}
	if (n_files == 0)
		files[n_files++] = "-";

	buf = malloc(VFC_TOOL_CHUNK);
	if (!buf) {
		vfc_tool_err(CMD, "malloc: %s", strerror(ENOMEM));
		goto out;
	}
	vf = vfc_tool_vf_open(CMD, g);
	if (!vf)
		goto out;
	s = vfc_session_create(vf, VFC_ALG_SHA256, 0);
	if (!s) {
		vfc_tool_err(CMD, "vfc_session_create sha256: %s", vfc_strerror(-errno));
		goto out;
	}
	for (i = 0; i < n_files; i++)
		if (dgst_file(s, files[i], buf, &failed) < 0)
			break; /* the device failed: the next files would fail the same way */
	if (fflush(stdout) == EOF) {
		vfc_tool_err(CMD, "stdout: %s", strerror(errno));
		failed = 1;
	}
	status = failed ? VFC_EXIT_FAIL : VFC_EXIT_OK;
out:
	vfc_session_free(s);
	vfc_vf_close(vf);
	free(buf);
	free(files);
	return status;
}
