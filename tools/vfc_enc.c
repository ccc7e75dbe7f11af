/* SPDX-License-Identifier: MIT */
/* vfc_enc.c - `vfc enc`: AES-128-CBC in the device, byte-compatible with `openssl enc -aes-128-cbc`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

static const char *const CMD = "enc";

static void enc_help(void)
{
	printf("Usage: vfc enc [-e|-d] -K HEX -iv HEX [-in FILE] [-out FILE] [-nopad] [DEVICE OPTIONS]\n"
	       "\n"
	       "Encrypt or decrypt with AES-128-CBC in the device. The output is byte-identical to\n"
	       "`openssl enc -aes-128-cbc -K HEX -iv HEX` (PKCS#7 padding unless -nopad). Data is\n"
	       "streamed through the device in 1 MiB pieces. The output appears only when the whole\n"
	       "input was processed: nothing is left behind on an error (bad padding, short input).\n"
	       "\n"
	       "Options:\n"
	       "  -e                encrypt (default)\n"
	       "  -d                decrypt\n"
	       "  -K HEX            the key, 32 hex digits (16 bytes); shorter is zero-padded on the\n"
	       "                    right like openssl does; an odd number of digits or more\n"
	       "                    than 32 is an error\n"
	       "  -iv HEX           the IV, 32 hex digits, zero-padded likewise\n"
	       "  -in FILE          input (default: standard input)\n"
	       "  -out FILE         output (default: standard output)\n"
	       "  -nopad            no PKCS#7 padding: the input length must be a multiple of 16\n"
	       "  -aes-128-cbc      accepted for openssl compatibility (the only cipher)\n"
	       "  -h, --help        this help\n"
	       "\n%s"
	       "\n"
	       "Exit status: 0 on success, 1 if the operation failed, 2 on a bad command line.\n"
	       "\n"
	       "Examples:\n"
	       "  vfc enc -K 000102030405060708090a0b0c0d0e0f -iv 0f0e0d0c0b0a09080706050403020100 \\\n"
	       "      -in plain.txt -out plain.enc\n"
	       "  vfc enc -d -K 000102030405060708090a0b0c0d0e0f -iv 0f0e0d0c0b0a09080706050403020100 \\\n"
	       "      -in plain.enc -out plain.txt\n"
	       "  tar c dir | vfc enc -aes-128-cbc -K $KEY -iv $IV > dir.tar.enc\n",
	       vfc_global_help);
}

struct enc_args {
	int encrypt, pad;
	uint8_t key[16], iv[16];
	const char *in, *out;
};

/* Returns 0 (go on), -1 (help printed) or an exit status. */
static int parse_args(int argc, char **argv, struct vfc_global_opts *g, struct enc_args *a)
{
	const char *khex = NULL, *ivhex = NULL, *v;
	char err[256];
	int i, r;

	a->encrypt = 1;
	a->pad = 1;
	a->in = a->out = NULL;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			enc_help();
			return -1; /* help printed: exit 0 */
		} else if (!strcmp(o, "-e")) {
			a->encrypt = 1;
		} else if (!strcmp(o, "-d")) {
			a->encrypt = 0;
		} else if (!strcmp(o, "-nopad")) {
			a->pad = 0;
		} else if (!strcmp(o, "-aes-128-cbc")) {
			/* the only cipher */
		} else if (!strcmp(o, "-K") || !strcmp(o, "-iv") || !strcmp(o, "-in") || !strcmp(o, "-out")) {
			v = vfc_tool_optval(CMD, argc, argv, &i);
			if (!v)
				return VFC_EXIT_USAGE;
			if (!strcmp(o, "-K"))
				khex = v;
			else if (!strcmp(o, "-iv"))
				ivhex = v;
			else if (!strcmp(o, "-in"))
				a->in = v;
			else
				a->out = v;
		} else {
			r = vfc_global_opt(CMD, argc, argv, &i, g);
			if (r < 0)
				return VFC_EXIT_USAGE;
			if (r == 0)
				return vfc_tool_unknown_opt(CMD, o);
		}
	}
	if (!khex) {
		vfc_tool_err(CMD, "-K: a key is required (32 hex digits; see vfc enc --help)");
		return VFC_EXIT_USAGE;
	}
	if (!ivhex) {
		vfc_tool_err(CMD, "-iv: an IV is required (32 hex digits; see vfc enc --help)");
		return VFC_EXIT_USAGE;
	}
	r = vfc_hex_parse(khex, a->key, sizeof(a->key), err, sizeof(err));
	if (r < 0) {
		vfc_tool_err(CMD, "-K: %s", err);
		return VFC_EXIT_USAGE;
	}
	if (r > 0)
		vfc_tool_err(CMD, "-K: hex string is too short, padding with zero bytes to 16 bytes");
	r = vfc_hex_parse(ivhex, a->iv, sizeof(a->iv), err, sizeof(err));
	if (r < 0) {
		vfc_tool_err(CMD, "-iv: %s", err);
		return VFC_EXIT_USAGE;
	}
	if (r > 0)
		vfc_tool_err(CMD, "-iv: hex string is too short, padding with zero bytes to 16 bytes");
	return 0;
}

/* Explain a failed vfc_cipher_stream_final. */
static void final_error(const struct enc_args *a, uint64_t total, int ret)
{
	const char *dir = a->encrypt ? "encrypt" : "decrypt";

	if (!a->pad && total % VFC_AES_BLOCK)
		vfc_tool_err(
			CMD,
			"-nopad: input length %llu is not a multiple of 16 (vfc_cipher_stream_final: %s)",
			(unsigned long long)total, vfc_strerror(ret));
	else if (!a->encrypt && total % VFC_AES_BLOCK)
		vfc_tool_err(
			CMD,
			"decrypt: input length %llu is not a multiple of 16: truncated or not ciphertext "
			"(vfc_cipher_stream_final: %s)",
			(unsigned long long)total, vfc_strerror(ret));
	else if (!a->encrypt && ret == -EBADMSG)
		vfc_tool_err(CMD, "decrypt: bad padding or wrong key (vfc_cipher_stream_final: %s)",
			     vfc_strerror(ret));
	else
		vfc_tool_err(CMD, "%s: vfc_cipher_stream_final: %s", dir, vfc_strerror(ret));
}

int vfc_cmd_enc(int argc, char **argv, struct vfc_global_opts *g)
{
	const char *in_name, *out_name;
	struct vfc_cipher_stream st;
	struct vfc_session *s = NULL;
	struct vfc_vf *vf = NULL;
	struct vfc_out out = { 0 };
	struct enc_args a;
	uint8_t *ibuf = NULL, *obuf = NULL;
	uint64_t total = 0;
	uint32_t key = 0;
	FILE *in = NULL;
	size_t n, olen;
	int ret, status = VFC_EXIT_FAIL;

	ret = parse_args(argc, argv, g, &a);
	if (ret)
		return ret < 0 ? VFC_EXIT_OK : ret;
	in_name = a.in ? a.in : "-";
	out_name = a.out ? a.out : "-";

	in = (!a.in || !strcmp(a.in, "-")) ? stdin : fopen(a.in, "rb");
	if (!in) {
		vfc_tool_err(CMD, "%s: %s", a.in, strerror(errno));
		goto out;
	}
	ibuf = malloc(VFC_TOOL_CHUNK);
	obuf = malloc(VFC_TOOL_CHUNK + 2 * VFC_AES_BLOCK);
	if (!ibuf || !obuf) {
		vfc_tool_err(CMD, "malloc: %s", strerror(ENOMEM));
		goto out;
	}
	ret = vfc_out_open(&out, a.out);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: cannot create output: %s", a.out ? a.out : "stdout", strerror(-ret));
		goto out;
	}
	vf = vfc_tool_vf_open(CMD, g);
	if (!vf)
		goto out;
	ret = vfc_key_import(vf, VFC_KEY_AES128, a.key, sizeof(a.key), &key);
	if (ret < 0) {
		vfc_tool_err(CMD, "-K: vfc_key_import: %s", vfc_strerror(ret));
		key = 0;
		goto out;
	}
	s = vfc_session_create(vf, VFC_ALG_AES128_CBC, key);
	if (!s) {
		vfc_tool_err(CMD, "vfc_session_create aes-128-cbc: %s", vfc_strerror(-errno));
		goto out;
	}
	ret = vfc_cipher_stream_init(&st, s, a.encrypt, a.pad, a.iv);
	if (ret < 0) {
		vfc_tool_err(CMD, "vfc_cipher_stream_init: %s", vfc_strerror(ret));
		goto out;
	}
	for (;;) {
		n = fread(ibuf, 1, VFC_TOOL_CHUNK, in);
		if (n == 0) {
			if (ferror(in)) {
				vfc_tool_err(CMD, "%s: read: %s", in_name, strerror(errno ? errno : EIO));
				goto out;
			}
			break;
		}
		total += n;
		olen = 0;
		ret = vfc_cipher_stream_update(&st, ibuf, n, obuf, &olen);
		if (ret < 0) {
			vfc_tool_err(CMD, "%s: vfc_cipher_stream_update: %s",
				     a.encrypt ? "encrypt" : "decrypt", vfc_strerror(ret));
			goto out;
		}
		ret = vfc_out_write(&out, obuf, olen);
		if (ret < 0) {
			vfc_tool_err(CMD, "%s: write: %s", out_name, strerror(-ret));
			goto out;
		}
	}
	/* Check what openssl checks before asking the device, for a clear message. */
	if (!a.pad && total % VFC_AES_BLOCK) {
		vfc_tool_err(CMD, "-nopad: input length %llu is not a multiple of 16",
			     (unsigned long long)total);
		goto out;
	}
	olen = 0;
	ret = vfc_cipher_stream_final(&st, obuf, &olen);
	if (ret < 0) {
		final_error(&a, total, ret);
		goto out;
	}
	ret = vfc_out_write(&out, obuf, olen);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: write: %s", out_name, strerror(-ret));
		goto out;
	}
	ret = vfc_out_commit(&out);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: %s", out_name, strerror(-ret));
		goto out;
	}
	status = VFC_EXIT_OK;
out:
	vfc_out_abort(&out);
	vfc_session_free(s);
	if (key)
		vfc_key_free(vf, key);
	vfc_vf_close(vf);
	if (in && in != stdin)
		fclose(in);
	free(ibuf);
	free(obuf);
	return status;
}
