/* SPDX-License-Identifier: MIT */
/* vfc_rsa.c - `vfc rsa`: RSA sign/verify (PKCS#1 v1.5, PSS) and OAEP encrypt/decrypt in the device. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>

#include "cmds.h"
#include "util.h"

static const char *const CMD = "rsa";

#define RSA_MAX_BYTES 512 /* RSA-4096 */
#define OAEP_OVERHEAD 42 /* 2 * SHA-1 length + 2: OpenSSL's default OAEP */
#define MSG_MAX (1ull << 30) /* largest message for sign/verify (it goes through the pool whole) */
#define POOL_DEFAULT (16ull << 20)
#define KEY_LABEL_MAX 64 /* bytes of a PEM label we read, with its NUL */

static void rsa_help(void)
{
	printf("Usage: vfc rsa sign    -key PRIV.pem [-pss] [-in FILE] [-out SIG]\n"
	       "       vfc rsa verify  [-pubin] -key KEY.pem [-pss] [-in FILE] -signature SIG\n"
	       "       vfc rsa encrypt [-pubin] -key KEY.pem [-in FILE] [-out FILE]\n"
	       "       vfc rsa decrypt -key PRIV.pem [-in FILE] [-out FILE]\n"
	       "       (each also takes DEVICE OPTIONS)\n"
	       "\n"
	       "RSA with the key imported into the device (2048, 3072 or 4096 bits); the crypto runs\n"
	       "in the device, the tool only moves bytes. Signatures are over the SHA-256 digest of\n"
	       "the message, compatible with `openssl dgst -sha256 -sign/-verify` (PKCS#1 v1.5, or PSS\n"
	       "with MGF1-SHA-256 and a 32-byte salt with -pss). encrypt/decrypt use OAEP with\n"
	       "OpenSSL's default parameters (SHA-1, MGF1-SHA-1), compatible with `openssl pkeyutl\n"
	       "-pkeyopt rsa_padding_mode:oaep`. Outputs appear only when complete.\n"
	       "\n"
	       "Options:\n"
	       "  -key FILE         PEM key: a private key (PKCS#1 or PKCS#8), or with -pubin a public\n"
	       "                    key (SubjectPublicKeyInfo or PKCS#1); verify and encrypt also take\n"
	       "                    a private key without -pubin and use its public part\n"
	       "  -pubin            -key is a public key\n"
	       "  -in FILE          message / plaintext / ciphertext (default: standard input)\n"
	       "  -out FILE         signature / ciphertext / plaintext (default: standard output)\n"
	       "  -signature FILE   verify: the signature to check\n"
	       "  -pss              sign/verify: RSASSA-PSS instead of PKCS#1 v1.5\n"
	       "  -h, --help        this help\n"
	       "\n%s"
	       "\n"
	       "Exit status: 0 on success; verify prints 'Verified OK' and exits 0, or prints\n"
	       "'Verification failure' and exits 1; 1 on any other failure; 2 on a bad command line.\n"
	       "\n"
	       "Examples:\n"
	       "  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out priv.pem\n"
	       "  openssl pkey -in priv.pem -pubout -out pub.pem\n"
	       "  vfc rsa sign -key priv.pem -in msg.txt -out msg.sig\n"
	       "  vfc rsa verify -pubin -key pub.pem -in msg.txt -signature msg.sig\n"
	       "  openssl dgst -sha256 -verify pub.pem -signature msg.sig msg.txt\n"
	       "  vfc rsa sign -pss -key priv.pem -in msg.txt -out msg.pss\n"
	       "  vfc rsa encrypt -pubin -key pub.pem -in secret.key -out secret.oaep\n"
	       "  vfc rsa decrypt -key priv.pem -in secret.oaep -out secret.key\n",
	       vfc_global_help);
}

enum rsa_op { OP_SIGN, OP_VERIFY, OP_ENCRYPT, OP_DECRYPT };

struct rsa_args {
	enum rsa_op op;
	const char *opname;
	const char *key, *in, *out, *sig;
	int pubin, pss;
};

/* A key read from a PEM file, ready for vfc_key_import. */
struct rsa_key {
	enum vfc_key_kind kind;
	uint8_t *pem;
	size_t pem_len;
	int bits;
};

/* The label of the first "-----BEGIN LABEL-----" line, copied into label. */
static int pem_label(const char *pem, char *label, size_t cap)
{
	const char *b = strstr(pem, "-----BEGIN "), *e;

	if (!b)
		return -1;
	b += strlen("-----BEGIN ");
	e = strstr(b, "-----");
	if (!e || (size_t)(e - b) >= cap || memchr(b, '\n', (size_t)(e - b)))
		return -1;
	memcpy(label, b, (size_t)(e - b));
	label[e - b] = 0;
	return 0;
}

/* From its PEM label (copied into label, KEY_LABEL_MAX bytes), whether the key file holds a private
 * key (*is_priv) and whether that is what the options ask for. want names what was wanted, for the
 * messages. */
static int classify_pem(const struct rsa_args *a, const char *want, const uint8_t *buf, size_t len,
			char *label, int *is_priv)
{
	int want_priv = a->op == OP_SIGN || a->op == OP_DECRYPT;

	if (strlen((const char *)buf) != len || pem_label((const char *)buf, label, KEY_LABEL_MAX) < 0) {
		vfc_tool_err(CMD, "-key %s: not a %s (no PEM '-----BEGIN' line)", a->key, want);
		return -1;
	}
	if (!strcmp(label, "ENCRYPTED PRIVATE KEY") || strstr((const char *)buf, "Proc-Type: 4,ENCRYPTED")) {
		vfc_tool_err(
			CMD,
			"-key %s: encrypted private keys are not supported (decrypt it with `openssl pkey`)",
			a->key);
		return -1;
	}
	if (!strcmp(label, "PRIVATE KEY") || !strcmp(label, "RSA PRIVATE KEY")) {
		*is_priv = 1;
	} else if (!strcmp(label, "PUBLIC KEY") || !strcmp(label, "RSA PUBLIC KEY")) {
		*is_priv = 0;
	} else {
		vfc_tool_err(CMD, "-key %s: not a %s (PEM '%s')", a->key, want, label);
		return -1;
	}
	if (a->pubin && *is_priv) {
		vfc_tool_err(CMD, "-key %s: not a PEM RSA public key (it is a private key: drop -pubin)",
			     a->key);
		return -1;
	}
	if (!a->pubin && !*is_priv) {
		vfc_tool_err(CMD, "-key %s: not a PEM RSA private key (it is a public key%s)", a->key,
			     want_priv ? "" : ": add -pubin");
		return -1;
	}
	return 0;
}

/* Decode the PEM (its label: label) with OpenSSL and check it is an RSA key; NULL (said why) if not. */
static EVP_PKEY *decode_rsa(const struct rsa_args *a, const char *want, const uint8_t *buf, size_t len,
			    const char *label, int is_priv)
{
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p = buf;
	size_t plen = len;

	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL,
					     is_priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, NULL, NULL);
	if (!dctx || !OSSL_DECODER_from_data(dctx, &p, &plen) || !pkey) {
		vfc_tool_err(CMD, "-key %s: not a %s (unreadable PEM '%s')", a->key, want, label);
		goto fail;
	}
	if (!EVP_PKEY_is_a(pkey, "RSA")) {
		vfc_tool_err(CMD, "-key %s: not a %s (key type %s)", a->key, want,
			     EVP_PKEY_get0_type_name(pkey));
		goto fail;
	}
	OSSL_DECODER_CTX_free(dctx);
	return pkey;
fail:
	OSSL_DECODER_CTX_free(dctx);
	EVP_PKEY_free(pkey);
	return NULL;
}

/* Replace the private key PEM in *buf (wiped) with the PEM of its public part. */
static int public_pem(const struct rsa_args *a, EVP_PKEY *pkey, uint8_t **buf, size_t *len)
{
	OSSL_ENCODER_CTX *ectx;
	unsigned char *pub = NULL;
	size_t pub_len = 0;
	int ret = -1;

	ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo", NULL);
	if (!ectx || !OSSL_ENCODER_to_data(ectx, &pub, &pub_len)) {
		vfc_tool_err(CMD, "-key %s: cannot derive the public key (OSSL_ENCODER_to_data)", a->key);
		goto out;
	}
	OPENSSL_cleanse(*buf, *len);
	free(*buf);
	*buf = malloc(pub_len + 1);
	if (!*buf) {
		vfc_tool_err(CMD, "malloc: %s", strerror(ENOMEM));
		goto out;
	}
	memcpy(*buf, pub, pub_len);
	(*buf)[pub_len] = 0;
	*len = pub_len;
	ret = 0;
out:
	OPENSSL_free(pub);
	OSSL_ENCODER_CTX_free(ectx);
	return ret;
}

/* Read -key and check it is what the operation needs, with OpenSSL's PEM decoder (only to tell the
 * user what is wrong: the key itself is imported into the device as PEM). */
static int load_key(const struct rsa_args *a, struct rsa_key *k)
{
	int want_priv = a->op == OP_SIGN || a->op == OP_DECRYPT;
	const char *want = a->pubin ? "PEM RSA public key" : "PEM RSA private key";
	EVP_PKEY *pkey = NULL;
	uint8_t *buf = NULL;
	size_t len;
	char label[KEY_LABEL_MAX];
	int is_priv, ret;

	ret = vfc_file_read(a->key, 1 << 20, &buf, &len);
	if (ret == -EFBIG) {
		vfc_tool_err(CMD, "-key %s: not a %s (larger than 1 MiB)", a->key, want);
		return -1;
	} else if (ret < 0) {
		vfc_tool_err(CMD, "-key %s: %s", a->key, strerror(-ret));
		return -1;
	}
	if (classify_pem(a, want, buf, len, label, &is_priv) < 0)
		goto fail;
	pkey = decode_rsa(a, want, buf, len, label, is_priv);
	if (!pkey)
		goto fail;
	k->bits = EVP_PKEY_get_bits(pkey);
	if (is_priv && !want_priv) {
		/* verify/encrypt with a private key: import only its public part. */
		if (public_pem(a, pkey, &buf, &len) < 0)
			goto fail;
		is_priv = 0;
	}
	k->kind = is_priv ? VFC_KEY_RSA_PRIV_PEM : VFC_KEY_RSA_PUB_PEM;
	k->pem = buf;
	k->pem_len = len;
	EVP_PKEY_free(pkey);
	return 0;
fail:
	EVP_PKEY_free(pkey);
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
	return -1;
}

/* The options against the operation: 0 or VFC_EXIT_USAGE (said why). */
static int check_args(const struct rsa_args *a)
{
	if (!a->key) {
		vfc_tool_err(CMD, "%s: -key is required", a->opname);
		return VFC_EXIT_USAGE;
	}
	if (a->op == OP_VERIFY && !a->sig) {
		vfc_tool_err(CMD, "verify: -signature is required");
		return VFC_EXIT_USAGE;
	}
	if (a->op != OP_VERIFY && a->sig) {
		vfc_tool_err(CMD, "%s: -signature is only for verify", a->opname);
		return VFC_EXIT_USAGE;
	}
	if (a->op == OP_VERIFY && a->out) {
		vfc_tool_err(CMD, "verify: -out is not used (the result is printed and is the exit status)");
		return VFC_EXIT_USAGE;
	}
	if (a->pss && (a->op == OP_ENCRYPT || a->op == OP_DECRYPT)) {
		vfc_tool_err(CMD, "%s: -pss is only for sign and verify", a->opname);
		return VFC_EXIT_USAGE;
	}
	if (a->pubin && (a->op == OP_SIGN || a->op == OP_DECRYPT)) {
		vfc_tool_err(CMD, "%s: needs a private key: -pubin does not apply", a->opname);
		return VFC_EXIT_USAGE;
	}
	return 0;
}

/* The operation named o into a: 0, or -1 (said why) for no operation of ours. */
static int set_op(const char *o, struct rsa_args *a)
{
	static const char *const ops[] = { "sign", "verify", "encrypt", "decrypt" };
	size_t k;

	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (!strcmp(o, ops[k]))
			break;
	if (k == sizeof(ops) / sizeof(ops[0])) {
		vfc_tool_err(CMD, "unknown operation '%s': expected sign, verify, encrypt or decrypt", o);
		return -1;
	}
	a->op = (enum rsa_op)k;
	a->opname = ops[k];
	return 0;
}

/* Returns 0 (go on), -1 (help printed) or an exit status. */
static int parse_args(int argc, char **argv, struct vfc_global_opts *g, struct rsa_args *a)
{
	int i, r, have_op = 0;
	const char *v;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			rsa_help();
			return -1;
		} else if (o[0] != '-') {
			if (have_op) {
				vfc_tool_err(CMD, "unexpected argument '%s' (see vfc rsa --help)", o);
				return VFC_EXIT_USAGE;
			}
			if (set_op(o, a))
				return VFC_EXIT_USAGE;
			have_op = 1;
		} else if (!strcmp(o, "-pubin")) {
			a->pubin = 1;
		} else if (!strcmp(o, "-pss")) {
			a->pss = 1;
		} else if (!strcmp(o, "-key") || !strcmp(o, "-in") || !strcmp(o, "-out") ||
			   !strcmp(o, "-signature")) {
			v = vfc_tool_optval(CMD, argc, argv, &i);
			if (!v)
				return VFC_EXIT_USAGE;
			if (!strcmp(o, "-key"))
				a->key = v;
			else if (!strcmp(o, "-in"))
				a->in = v;
			else if (!strcmp(o, "-out"))
				a->out = v;
			else
				a->sig = v;
		} else {
			r = vfc_global_opt(CMD, argc, argv, &i, g);
			if (r < 0)
				return VFC_EXIT_USAGE;
			if (r == 0)
				return vfc_tool_unknown_opt(CMD, o);
		}
	}
	if (!have_op) {
		vfc_tool_err(
			CMD,
			"an operation is required: sign, verify, encrypt or decrypt (see vfc rsa --help)");
		return VFC_EXIT_USAGE;
	}
	return check_args(a);
}

/* Write a result through an all-or-nothing output. */
static int write_result(const char *path, const void *buf, size_t len)
{
	const char *name = path && strcmp(path, "-") ? path : "stdout";
	struct vfc_out out;
	int ret;

	ret = vfc_out_open(&out, path);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: cannot create output: %s", name, strerror(-ret));
		return -1;
	}
	ret = vfc_out_write(&out, buf, len);
	if (ret == 0)
		ret = vfc_out_commit(&out);
	vfc_out_abort(&out);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: write: %s", name, strerror(-ret));
		return -1;
	}
	return 0;
}

/* One run of the command: its arguments, inputs, device handles and result. */
struct rsa_job {
	struct rsa_args a;
	const char *in_name;
	struct rsa_key key;
	size_t kbytes;
	uint8_t *in, *sig;
	size_t in_len, sig_len;
	struct vfc_vf *vf;
	uint32_t handle;
	struct vfc_session *s;
	uint8_t out[RSA_MAX_BYTES];
	size_t out_len;
};

/* Load the key, read the input (and the signature to verify) and check their sizes. */
static int read_inputs(struct rsa_job *j)
{
	int ret;

	if (load_key(&j->a, &j->key) < 0)
		return -1;
	j->kbytes = ((size_t)j->key.bits + 7) / 8;
	if (j->kbytes > RSA_MAX_BYTES || j->kbytes < 128) {
		vfc_tool_err(CMD, "-key %s: RSA-%d keys are not supported (2048, 3072 or 4096 bits)", j->a.key,
			     j->key.bits);
		return -1;
	}
	ret = vfc_file_read(j->a.in, MSG_MAX, &j->in, &j->in_len);
	if (ret < 0) {
		vfc_tool_err(CMD, "%s: %s", j->in_name, ret == -EFBIG ? "larger than 1 GiB" : strerror(-ret));
		return -1;
	}
	if (j->a.op == OP_VERIFY) {
		ret = vfc_file_read(j->a.sig, 1 << 20, &j->sig, &j->sig_len);
		if (ret < 0) {
			vfc_tool_err(CMD, "-signature %s: %s", j->a.sig,
				     ret == -EFBIG ? "larger than 1 MiB" : strerror(-ret));
			return -1;
		}
	}
	if (j->a.op == OP_ENCRYPT && j->in_len > j->kbytes - OAEP_OVERHEAD) {
		vfc_tool_err(CMD,
			     "encrypt: %s: %zu bytes is too long for OAEP with RSA-%d (at most %zu bytes)",
			     j->in_name, j->in_len, j->key.bits, j->kbytes - OAEP_OVERHEAD);
		return -1;
	}
	if (j->a.op == OP_DECRYPT && j->in_len != j->kbytes) {
		vfc_tool_err(CMD, "decrypt: %s: %zu bytes is not an RSA-%d ciphertext (%zu bytes)", j->in_name,
			     j->in_len, j->key.bits, j->kbytes);
		return -1;
	}
	return 0;
}

/* The message goes through the VF's buffer pool whole: make the embedded device's pool big
 * enough for it (a power of two from the 16 MiB default). */
static void size_pool(struct vfc_global_opts *g, size_t in_len)
{
	if (in_len + (1u << 20) > (g->vf.pool_size ? g->vf.pool_size : POOL_DEFAULT)) {
		uint64_t pool = POOL_DEFAULT;

		while (pool < in_len + (1u << 20))
			pool *= 2;
		g->vf.pool_size = pool;
	}
}

/* Open the VF, import the key and create the session of the operation's algorithm. */
static int open_session(struct rsa_job *j, struct vfc_global_opts *g)
{
	enum vfc_alg alg;
	int ret;

	j->vf = vfc_tool_vf_open(CMD, g);
	if (!j->vf)
		return -1;
	ret = vfc_key_import(j->vf, j->key.kind, j->key.pem, j->key.pem_len, &j->handle);
	if (ret < 0) {
		vfc_tool_err(CMD, "-key %s: vfc_key_import (RSA-%d %s key): %s", j->a.key, j->key.bits,
			     j->key.kind == VFC_KEY_RSA_PRIV_PEM ? "private" : "public", vfc_strerror(ret));
		j->handle = 0;
		return -1;
	}
	if (j->a.op == OP_ENCRYPT || j->a.op == OP_DECRYPT)
		alg = VFC_ALG_RSA_OAEP;
	else
		alg = j->a.pss ? VFC_ALG_RSA_PSS_SHA256 : VFC_ALG_RSA_PKCS1_SHA256;
	j->s = vfc_session_create(j->vf, alg, j->handle);
	if (!j->s) {
		vfc_tool_err(CMD, "vfc_session_create: %s", vfc_strerror(-errno));
		return -1;
	}
	return 0;
}

/* Verify: print the verdict. The exit status. */
static int run_verify(struct rsa_job *j)
{
	int ret;

	if (j->sig_len != j->kbytes) {
		vfc_tool_err(CMD, "verify: -signature %s: %zu bytes, expected %zu for RSA-%d", j->a.sig, j->sig_len,
			     j->kbytes, j->key.bits);
		ret = -EBADMSG;
	} else {
		ret = vfc_verify(j->s, j->in, j->in_len, j->sig, j->sig_len);
	}
	if (ret == 0) {
		puts("Verified OK");
		return VFC_EXIT_OK;
	}
	if (ret == -EBADMSG)
		puts("Verification failure");
	else
		vfc_tool_err(CMD, "verify: vfc_verify: %s", vfc_strerror(ret));
	return VFC_EXIT_FAIL;
}

/* Sign, encrypt or decrypt into j->out, then write the result out. The exit status. */
static int run_transform(struct rsa_job *j)
{
	int ret = 0;

	j->out_len = sizeof(j->out);
	switch (j->a.op) {
	case OP_SIGN:
		ret = vfc_sign(j->s, j->in, j->in_len, j->out, &j->out_len);
		if (ret < 0)
			vfc_tool_err(CMD, "sign: vfc_sign: %s", vfc_strerror(ret));
		break;
	case OP_ENCRYPT:
		ret = vfc_pke_encrypt(j->s, j->in, j->in_len, j->out, &j->out_len);
		if (ret < 0)
			vfc_tool_err(CMD, "encrypt: vfc_pke_encrypt: %s", vfc_strerror(ret));
		break;
	case OP_DECRYPT:
		ret = vfc_pke_decrypt(j->s, j->in, j->in_len, j->out, &j->out_len);
		if (ret == -EBADMSG)
			vfc_tool_err(CMD, "decrypt: bad padding or wrong key (vfc_pke_decrypt: %s)",
				     vfc_strerror(ret));
		else if (ret < 0)
			vfc_tool_err(CMD, "decrypt: vfc_pke_decrypt: %s", vfc_strerror(ret));
		break;
	case OP_VERIFY:
		break;
	}
	if (ret < 0 || write_result(j->a.out, j->out, j->out_len) < 0)
		return VFC_EXIT_FAIL;
	return VFC_EXIT_OK;
}

/* Release everything, wiping the key, the output and a decrypted input. */
static void job_free(struct rsa_job *j)
{
	OPENSSL_cleanse(j->out, sizeof(j->out));
	vfc_session_free(j->s);
	if (j->handle)
		vfc_key_free(j->vf, j->handle);
	vfc_vf_close(j->vf);
	if (j->key.pem)
		OPENSSL_cleanse(j->key.pem, j->key.pem_len);
	free(j->key.pem);
	if (j->in && j->a.op == OP_DECRYPT)
		OPENSSL_cleanse(j->in, j->in_len);
	free(j->in);
	free(j->sig);
}

int vfc_cmd_rsa(int argc, char **argv, struct vfc_global_opts *g)
{
	struct rsa_job j = { 0 };
	int ret, status = VFC_EXIT_FAIL;

	ret = parse_args(argc, argv, g, &j.a);
	if (ret)
		return ret < 0 ? VFC_EXIT_OK : ret;
	j.in_name = j.a.in && strcmp(j.a.in, "-") ? j.a.in : "stdin";
	if (read_inputs(&j) == 0) {
		size_pool(g, j.in_len);
		if (open_session(&j, g) == 0)
			status = j.a.op == OP_VERIFY ? run_verify(&j) : run_transform(&j);
	}
	job_free(&j);
	if (fflush(stdout) == EOF && status == VFC_EXIT_OK) {
		vfc_tool_err(CMD, "stdout: %s", strerror(errno));
		status = VFC_EXIT_FAIL;
	}
	return status;
}
