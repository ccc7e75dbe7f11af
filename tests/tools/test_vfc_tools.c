/* SPDX-License-Identifier: MIT */
/* test_vfc_tools.c - the vfc binary against openssl and sha256sum: same bytes, verdicts, clean failures. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_test.h"

#ifndef VFC_BIN
#error "VFC_BIN (the path of the vfc binary) must be defined by the build"
#endif
#ifndef OPENSSL_BIN
#define OPENSSL_BIN "openssl"
#endif
#ifndef SHA256SUM_BIN
#define SHA256SUM_BIN "sha256sum"
#endif

#define KEY "000102030405060708090a0b0c0d0e0f"
#define IV "f0e0d0c0b0a090807060504030201000"
#define ENC_ARGS "-K " KEY " -iv " IV

static void assert_same_file(const char *a, const char *b)
{
	size_t la, lb;
	uint8_t *x = slurp(a, &la), *y = slurp(b, &lb);
	int same = la == lb && memcmp(x, y, la) == 0;

	if (!same)
		print_error("%s (%zu bytes) and %s (%zu bytes) differ\n", a, la, b, lb);
	free(x);
	free(y);
	assert_true(same);
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* No temporary output ("DIR/.NAME.vfc-XXXXXX") may survive a run. */
static void assert_no_temp_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".vfc-")) {
			print_error("temporary file left behind: %s\n", e->d_name);
			fail();
		}
	closedir(d);
}

/* A file of n deterministic pseudo-random bytes. */
static void make_file(const char *path, size_t n, uint32_t seed)
{
	FILE *f = fopen(path, "wb");
	uint32_t x = seed | 1;
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		assert_int_not_equal(fputc((int)(x & 0xff), f), EOF);
	}
	assert_int_equal(fclose(f), 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (make_dir("vfc-tools"))
		return -1;
	if (run("cd '%s' && " OPENSSL_BIN
		" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out priv.pem "
		"2>/dev/null && " OPENSSL_BIN " pkey -in priv.pem -pubout -out pub.pem && " OPENSSL_BIN
		" rsa -in priv.pem -traditional -out priv1.pem 2>/dev/null && " OPENSSL_BIN
		" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem",
		dir) != 0) {
		print_error("generating keys with openssl failed\n");
		return -1;
	}
	return 0;
}

/* ---- vfc enc ---- */

static const size_t enc_sizes[] = { 0, 1, 15, 16, 17, 4095, 65536, (1u << 20) + 3 };

static void test_enc_matches_openssl(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(enc_sizes) / sizeof(enc_sizes[0]); k++) {
		make_file(P("plain"), enc_sizes[k], (uint32_t)k + 1);
		assert_int_equal(run(VFC_BIN " enc -aes-128-cbc " ENC_ARGS " -in '%s' -out '%s'", P("plain"),
				     P("vfc.enc")),
				 0);
		assert_int_equal(run(OPENSSL_BIN " enc -aes-128-cbc " ENC_ARGS " -in '%s' -out '%s'",
				     P("plain"), P("ossl.enc")),
				 0);
		assert_same_file(P("vfc.enc"), P("ossl.enc"));
		assert_int_equal(file_size(P("vfc.enc")), (off_t)(enc_sizes[k] / 16 + 1) * 16);
		/* decrypt openssl's ciphertext; the result is the plaintext */
		assert_int_equal(
			run(VFC_BIN " enc -d " ENC_ARGS " -in '%s' -out '%s'", P("ossl.enc"), P("dec")), 0);
		assert_same_file(P("dec"), P("plain"));
		assert_no_temp_files();
	}
}

static void test_enc_stdin_stdout(void **state)
{
	(void)state;
	make_file(P("plain"), 4095, 7);
	assert_int_equal(run("cat '%s' | " VFC_BIN " enc " ENC_ARGS " > '%s'", P("plain"), P("vfc.enc")), 0);
	assert_int_equal(run(OPENSSL_BIN " enc -aes-128-cbc " ENC_ARGS " -in '%s' -out '%s'", P("plain"),
			     P("ossl.enc")),
			 0);
	assert_same_file(P("vfc.enc"), P("ossl.enc"));
	assert_int_equal(run(VFC_BIN " enc -d " ENC_ARGS " < '%s' | cat > '%s'", P("vfc.enc"), P("dec")), 0);
	assert_same_file(P("dec"), P("plain"));
	/* empty stdin */
	assert_int_equal(run(VFC_BIN " enc " ENC_ARGS " < /dev/null > '%s'", P("vfc.enc")), 0);
	assert_int_equal(file_size(P("vfc.enc")), 16);
}

/* An output that is not a regular file (a FIFO here; /dev/null alike) is written, not replaced: a
 * rename over /dev/null, as root, made it a regular file that every later "> /dev/null" filled. */
static void test_enc_out_special(void **state)
{
	struct stat st;

	(void)state;
	make_file(P("plain"), 5000, 9);
	unlink(P("fifo"));
	assert_int_equal(mkfifo(P("fifo"), 0600), 0);
	/* the reader gives up after 10 s: a FIFO renamed over would leave it waiting */
	assert_int_equal(run("timeout 10 cat '%s' > '%s' & " VFC_BIN " enc " ENC_ARGS
			     " -in '%s' -out '%s'; r=$?; wait; exit $r",
			     P("fifo"), P("got"), P("plain"), P("fifo")),
			 0);
	assert_int_equal(stat(P("fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(run(OPENSSL_BIN " enc -aes-128-cbc " ENC_ARGS " -in '%s' -out '%s'", P("plain"), P("ossl.enc")),
			 0);
	assert_same_file(P("got"), P("ossl.enc"));
	assert_no_temp_files();
	unlink(P("fifo"));
}

static void test_enc_nopad(void **state)
{
	static const size_t sizes[] = { 0, 16, 4096, 65536, (1u << 20) + 16 };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		make_file(P("plain"), sizes[k], (uint32_t)k + 100);
		assert_int_equal(run(VFC_BIN " enc -nopad " ENC_ARGS " -in '%s' -out '%s'", P("plain"),
				     P("vfc.enc")),
				 0);
		assert_int_equal(run(OPENSSL_BIN " enc -aes-128-cbc -nopad " ENC_ARGS " -in '%s' -out '%s'",
				     P("plain"), P("ossl.enc")),
				 0);
		assert_same_file(P("vfc.enc"), P("ossl.enc"));
		assert_int_equal(file_size(P("vfc.enc")), (off_t)sizes[k]);
		assert_int_equal(run(VFC_BIN " enc -d -nopad " ENC_ARGS " -in '%s' -out '%s'", P("vfc.enc"),
				     P("dec")),
				 0);
		assert_same_file(P("dec"), P("plain"));
	}
	/* a length that is not a multiple of 16: both refuse, nothing is written */
	make_file(P("plain17"), 17, 3);
	unlink(P("out"));
	assert_int_not_equal(run(OPENSSL_BIN " enc -aes-128-cbc -nopad " ENC_ARGS
					     " -in '%s' -out '%s' 2>/dev/null",
				 P("plain17"), P("ossl.enc")),
			     0);
	assert_int_equal(run(VFC_BIN " enc -nopad " ENC_ARGS " -in '%s' -out '%s' 2>'%s'", P("plain17"),
			     P("out"), P("err")),
			 1);
	assert_file_contains(P("err"), "vfc enc: -nopad: input length 17 is not a multiple of 16");
	assert_false(exists(P("out")));
	assert_no_temp_files();
}

static void test_enc_short_hex_like_openssl(void **state)
{
	(void)state;
	make_file(P("plain"), 100, 9);
	assert_int_equal(run(VFC_BIN " enc -K 01 -iv 0203 -in '%s' -out '%s' 2>/dev/null", P("plain"),
			     P("vfc.enc")),
			 0);
	assert_int_equal(run(OPENSSL_BIN " enc -aes-128-cbc -K 01 -iv 0203 -in '%s' -out '%s' 2>/dev/null",
			     P("plain"), P("ossl.enc")),
			 0);
	assert_same_file(P("vfc.enc"), P("ossl.enc"));
	/* upper-case digits are hex too */
	assert_int_equal(run(VFC_BIN
			     " enc -K 000102030405060708090A0B0C0D0E0F -iv F0E0D0C0B0A090807060504030201000 "
			     "-in '%s' -out '%s'",
			     P("plain"), P("vfc2.enc")),
			 0);
	assert_int_equal(run(VFC_BIN " enc " ENC_ARGS " -in '%s' -out '%s'", P("plain"), P("vfc3.enc")), 0);
	assert_same_file(P("vfc2.enc"), P("vfc3.enc"));
}

static void test_enc_bad_arguments(void **state)
{
	(void)state;
	make_file(P("plain"), 100, 11);
	unlink(P("out"));
	assert_int_equal(run(VFC_BIN " enc -K zz -iv " IV " -in '%s' -out '%s' 2>'%s'", P("plain"), P("out"),
			     P("err")),
			 2);
	assert_file_contains(P("err"), "vfc enc: -K: bad hex string 'zz'");
	assert_file_contains(P("err"), "expected 32 hex digits (16 bytes)");
	assert_int_equal(run(VFC_BIN " enc -K " KEY " -iv 012 -in '%s' -out '%s' 2>'%s'", P("plain"),
			     P("out"), P("err")),
			 2);
	assert_file_contains(P("err"), "vfc enc: -iv: bad hex string '012'");
	assert_int_equal(run(VFC_BIN " enc -K " KEY "00 -iv " IV " -in '%s' -out '%s' 2>'%s'", P("plain"),
			     P("out"), P("err")),
			 2);
	assert_int_equal(
		run(VFC_BIN " enc -iv " IV " -in '%s' -out '%s' 2>'%s'", P("plain"), P("out"), P("err")), 2);
	assert_file_contains(P("err"), "-K");
	assert_int_equal(run(VFC_BIN " enc -x " ENC_ARGS " 2>'%s' </dev/null", P("err")), 2);
	assert_file_contains(P("err"), "vfc enc: unknown option '-x' (see vfc enc --help)");
	assert_int_equal(run(VFC_BIN " enc " ENC_ARGS " -in 2>'%s' </dev/null", P("err")), 2);
	assert_file_contains(P("err"), "-in: missing value");
	assert_int_equal(run(VFC_BIN " enc " ENC_ARGS " -in '%s' -out '%s' 2>'%s'", P("missing"), P("out"),
			     P("err")),
			 1);
	assert_file_contains(P("err"), "missing: No such file or directory");
	assert_int_equal(run(VFC_BIN " enc " ENC_ARGS " -in '%s' -out '%s' 2>'%s'", P("plain"),
			     P("nodir/out"), P("err")),
			 1);
	assert_file_contains(P("err"), "No such file or directory");
	assert_false(exists(P("out")));
	assert_no_temp_files();
}

static void test_enc_bad_ciphertext_leaves_nothing(void **state)
{
	size_t len;
	uint8_t *c;
	FILE *f;

	(void)state;
	make_file(P("plain"), 4095, 13);
	assert_int_equal(run(VFC_BIN " enc " ENC_ARGS " -in '%s' -out '%s'", P("plain"), P("vfc.enc")), 0);

	/* truncated: one byte short */
	c = slurp(P("vfc.enc"), &len);
	f = fopen(P("trunc.enc"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(c, 1, len - 1, f), len - 1);
	assert_int_equal(fclose(f), 0);
	free(c);
	unlink(P("out"));
	assert_int_equal(run(VFC_BIN " enc -d " ENC_ARGS " -in '%s' -out '%s' 2>'%s'", P("trunc.enc"),
			     P("out"), P("err")),
			 1);
	assert_file_contains(P("err"), "not a multiple of 16");
	assert_false(exists(P("out")));
	/* an existing output file is left as it was */
	make_file(P("out"), 10, 1);
	make_file(P("out.orig"), 10, 1);
	assert_int_equal(run(VFC_BIN " enc -d " ENC_ARGS " -in '%s' -out '%s' 2>/dev/null", P("trunc.enc"),
			     P("out")),
			 1);
	assert_same_file(P("out"), P("out.orig"));
	unlink(P("out"));

	/* bad padding, for sure: a block whose plaintext ends in 0x00, encrypted without padding */
	f = fopen(P("zeros"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite("0123456789abcde\0", 1, 16, f), 16);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(
		run(VFC_BIN " enc -nopad " ENC_ARGS " -in '%s' -out '%s'", P("zeros"), P("badpad.enc")), 0);
	assert_int_not_equal(run(OPENSSL_BIN " enc -d -aes-128-cbc " ENC_ARGS
					     " -in '%s' -out '%s' 2>/dev/null",
				 P("badpad.enc"), P("ossl.dec")),
			     0);
	assert_int_equal(run(VFC_BIN " enc -d " ENC_ARGS " -in '%s' -out '%s' 2>'%s'", P("badpad.enc"),
			     P("out"), P("err")),
			 1);
	assert_file_contains(P("err"), "vfc enc: decrypt: bad padding or wrong key (vfc_cipher_stream_final");
	assert_false(exists(P("out")));
	/* to stdout: nothing at all is written */
	assert_int_equal(run(VFC_BIN " enc -d " ENC_ARGS " -in '%s' > '%s' 2>/dev/null", P("badpad.enc"),
			     P("out")),
			 1);
	assert_int_equal(file_size(P("out")), 0);
	unlink(P("out"));
	/* a bigger file with a bad last block: the good blocks before it are not written either */
	assert_int_equal(run("cat '%s' '%s' > '%s'", P("vfc.enc"), P("badpad.enc"), P("big-bad.enc")), 0);
	assert_int_equal(run(VFC_BIN " enc -d " ENC_ARGS " -in '%s' > '%s' 2>/dev/null", P("big-bad.enc"),
			     P("out")),
			 1);
	assert_int_equal(file_size(P("out")), 0);
	unlink(P("out"));
	assert_no_temp_files();
}

/* ---- vfc dgst ---- */

static void test_dgst_matches_sha256sum(void **state)
{
	(void)state;
	make_file(P("d0"), 0, 1);
	make_file(P("d1"), 1, 2);
	make_file(P("d64k"), 65536, 3);
	make_file(P("d1m"), (1u << 20) + 3, 4);
	assert_int_equal(run("cd '%s' && " VFC_BIN " dgst -sha256 d0 d1 d64k d1m > vfc.sum", dir), 0);
	assert_int_equal(run("cd '%s' && " SHA256SUM_BIN " d0 d1 d64k d1m > sha.sum", dir), 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	/* absolute paths, printed as given */
	assert_int_equal(run(VFC_BIN " dgst '%s' '%s' > '%s'", P("d1"), P("d1m"), P("vfc.sum")), 0);
	assert_int_equal(run(SHA256SUM_BIN " '%s' '%s' > '%s'", P("d1"), P("d1m"), P("sha.sum")), 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	/* names with a backslash or a newline are escaped like sha256sum does */
	assert_int_equal(mkdir(P("names"), 0700), 0);
	make_file(P("names/back\\slash"), 5, 6);
	make_file(P("names/new\nline"), 6, 7);
	make_file(P("names/plain name"), 7, 8);
	assert_int_equal(run("cd '%s/names' && " VFC_BIN " dgst * > ../vfc.sum", dir), 0);
	assert_int_equal(run("cd '%s/names' && " SHA256SUM_BIN " * > ../sha.sum", dir), 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	assert_file_contains(P("vfc.sum"), "\\");
	/* the output checks with sha256sum -c */
	assert_int_equal(run("cd '%s' && " VFC_BIN " dgst d0 d1m > vfc.sum && " SHA256SUM_BIN
			     " -c --quiet vfc.sum",
			     dir),
			 0);
}

static void test_dgst_stdin(void **state)
{
	(void)state;
	make_file(P("s"), 70000, 5);
	assert_int_equal(run(VFC_BIN " dgst -sha256 < '%s' > '%s'", P("s"), P("vfc.sum")), 0);
	assert_int_equal(run(SHA256SUM_BIN " < '%s' > '%s'", P("s"), P("sha.sum")), 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	assert_file_contains(P("vfc.sum"), "  -\n");
	assert_int_equal(run("cat '%s' | " VFC_BIN " dgst - > '%s'", P("s"), P("vfc.sum")), 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	assert_int_equal(run(VFC_BIN " dgst < /dev/null > '%s'", P("vfc.sum")), 0);
	assert_file_contains(P("vfc.sum"),
			     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -\n");
}

static void test_dgst_missing_file_continues(void **state)
{
	(void)state;
	make_file(P("a"), 10, 1);
	make_file(P("b"), 20, 2);
	assert_int_equal(run("cd '%s' && " VFC_BIN " dgst a nothere b > vfc.sum 2> err", dir), 1);
	assert_int_equal(run("cd '%s' && " SHA256SUM_BIN " a b > sha.sum", dir), 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	assert_file_contains(P("err"), "vfc dgst: nothere: No such file or directory");
	assert_int_equal(run("cd '%s' && " VFC_BIN " dgst . 2> err", dir), 1);
	assert_file_contains(P("err"), "vfc dgst: .: Is a directory");
	assert_int_equal(run(VFC_BIN " dgst -md5 2>'%s' </dev/null", P("err")), 2);
	assert_file_contains(P("err"), "vfc dgst: unknown option '-md5' (see vfc dgst --help)");
}

/* ---- vfc rsa ---- */

#define PSS_OPTS "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest"

static void test_rsa_sign_pkcs1(void **state)
{
	(void)state;
	make_file(P("msg"), 5000, 21);
	assert_int_equal(
		run(VFC_BIN " rsa sign -key '%s' -in '%s' -out '%s'", P("priv.pem"), P("msg"), P("sig")), 0);
	assert_int_equal(file_size(P("sig")), 256);
	assert_int_equal(run(OPENSSL_BIN " dgst -sha256 -verify '%s' -signature '%s' '%s' >/dev/null",
			     P("pub.pem"), P("sig"), P("msg")),
			 0);
	/* PKCS#1 v1.5 is deterministic: the same bytes as openssl's */
	assert_int_equal(run(OPENSSL_BIN " dgst -sha256 -sign '%s' -out '%s' '%s'", P("priv.pem"),
			     P("ossl.sig"), P("msg")),
			 0);
	assert_same_file(P("sig"), P("ossl.sig"));
	/* a PKCS#1 ("traditional") private key and stdin/stdout work too */
	assert_int_equal(
		run(VFC_BIN " rsa sign -key '%s' < '%s' > '%s'", P("priv1.pem"), P("msg"), P("sig1")), 0);
	assert_same_file(P("sig1"), P("ossl.sig"));

	assert_int_equal(run(VFC_BIN " rsa verify -pubin -key '%s' -in '%s' -signature '%s' > '%s'",
			     P("pub.pem"), P("msg"), P("ossl.sig"), P("out")),
			 0);
	assert_file_contains(P("out"), "Verified OK\n");
	/* a private key without -pubin verifies with its public part */
	assert_int_equal(run(VFC_BIN " rsa verify -key '%s' -signature '%s' < '%s' > '%s'", P("priv.pem"),
			     P("ossl.sig"), P("msg"), P("out")),
			 0);
	assert_file_contains(P("out"), "Verified OK\n");
	/* empty message */
	assert_int_equal(run(VFC_BIN " rsa sign -key '%s' -in /dev/null -out '%s'", P("priv.pem"), P("sig0")),
			 0);
	assert_int_equal(run(OPENSSL_BIN " dgst -sha256 -verify '%s' -signature '%s' /dev/null >/dev/null",
			     P("pub.pem"), P("sig0")),
			 0);
}

static void test_rsa_verify_rejects_tampering(void **state)
{
	size_t len;
	uint8_t *b;
	FILE *f;

	(void)state;
	make_file(P("msg"), 300, 22);
	make_file(P("msg2"), 301, 22);
	assert_int_equal(
		run(VFC_BIN " rsa sign -key '%s' -in '%s' -out '%s'", P("priv.pem"), P("msg"), P("sig")), 0);
	/* other message */
	assert_int_equal(run(VFC_BIN " rsa verify -pubin -key '%s' -in '%s' -signature '%s' > '%s'",
			     P("pub.pem"), P("msg2"), P("sig"), P("out")),
			 1);
	assert_file_contains(P("out"), "Verification failure\n");
	/* flipped bit in the signature */
	b = slurp(P("sig"), &len);
	b[len / 2] ^= 0x10;
	f = fopen(P("badsig"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run(VFC_BIN " rsa verify -pubin -key '%s' -in '%s' -signature '%s' > '%s'",
			     P("pub.pem"), P("msg"), P("badsig"), P("out")),
			 1);
	assert_file_contains(P("out"), "Verification failure\n");
	/* truncated signature */
	f = fopen(P("shortsig"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, 100, f), 100);
	assert_int_equal(fclose(f), 0);
	free(b);
	assert_int_equal(run(VFC_BIN
			     " rsa verify -pubin -key '%s' -in '%s' -signature '%s' > '%s' 2>/dev/null",
			     P("pub.pem"), P("msg"), P("shortsig"), P("out")),
			 1);
	assert_file_contains(P("out"), "Verification failure\n");
	/* a PKCS#1 signature is not a PSS one */
	assert_int_equal(run(VFC_BIN " rsa verify -pss -pubin -key '%s' -in '%s' -signature '%s' > '%s'",
			     P("pub.pem"), P("msg"), P("sig"), P("out")),
			 1);
	assert_file_contains(P("out"), "Verification failure\n");
}

static void test_rsa_sign_pss(void **state)
{
	(void)state;
	make_file(P("msg"), 1000, 23);
	assert_int_equal(run(VFC_BIN " rsa sign -pss -key '%s' -in '%s' -out '%s'", P("priv.pem"), P("msg"),
			     P("sig")),
			 0);
	assert_int_equal(run(OPENSSL_BIN " dgst -sha256 " PSS_OPTS
					 " -verify '%s' -signature '%s' '%s' >/dev/null",
			     P("pub.pem"), P("sig"), P("msg")),
			 0);
	/* ... and it is not a PKCS#1 v1.5 signature */
	assert_int_not_equal(run(OPENSSL_BIN
				 " dgst -sha256 -verify '%s' -signature '%s' '%s' >/dev/null 2>&1",
				 P("pub.pem"), P("sig"), P("msg")),
			     0);
	assert_int_equal(run(OPENSSL_BIN " dgst -sha256 " PSS_OPTS " -sign '%s' -out '%s' '%s'",
			     P("priv.pem"), P("ossl.sig"), P("msg")),
			 0);
	assert_int_equal(run(VFC_BIN " rsa verify -pss -pubin -key '%s' -in '%s' -signature '%s' > '%s'",
			     P("pub.pem"), P("msg"), P("ossl.sig"), P("out")),
			 0);
	assert_file_contains(P("out"), "Verified OK\n");
	assert_int_equal(run(VFC_BIN " rsa verify -pubin -key '%s' -in '%s' -signature '%s' > '%s'",
			     P("pub.pem"), P("msg"), P("ossl.sig"), P("out")),
			 1);
	assert_file_contains(P("out"), "Verification failure\n");
}

#define OAEP_OPTS "-pkeyopt rsa_padding_mode:oaep"

static void test_rsa_oaep(void **state)
{
	size_t len;
	uint8_t *b;
	FILE *f;

	(void)state;
	make_file(P("secret"), 200, 24);
	/* vfc encrypts, openssl decrypts */
	assert_int_equal(run(VFC_BIN " rsa encrypt -pubin -key '%s' -in '%s' -out '%s'", P("pub.pem"),
			     P("secret"), P("ct")),
			 0);
	assert_int_equal(file_size(P("ct")), 256);
	assert_int_equal(run(OPENSSL_BIN " pkeyutl -decrypt -inkey '%s' " OAEP_OPTS " -in '%s' -out '%s'",
			     P("priv.pem"), P("ct"), P("ossl.pt")),
			 0);
	assert_same_file(P("ossl.pt"), P("secret"));
	/* openssl encrypts, vfc decrypts */
	assert_int_equal(run(OPENSSL_BIN " pkeyutl -encrypt -pubin -inkey '%s' " OAEP_OPTS
					 " -in '%s' -out '%s'",
			     P("pub.pem"), P("secret"), P("ossl.ct")),
			 0);
	assert_int_equal(run(VFC_BIN " rsa decrypt -key '%s' -in '%s' -out '%s'", P("priv.pem"), P("ossl.ct"),
			     P("pt")),
			 0);
	assert_same_file(P("pt"), P("secret"));
	/* round trip through stdin/stdout, with the private key's public part */
	assert_int_equal(run(VFC_BIN " rsa encrypt -key '%s' < '%s' | " VFC_BIN
				     " rsa decrypt -key '%s' > '%s'",
			     P("priv.pem"), P("secret"), P("priv1.pem"), P("pt")),
			 0);
	assert_same_file(P("pt"), P("secret"));

	/* a corrupted ciphertext: failure, no output */
	b = slurp(P("ct"), &len);
	b[10] ^= 1;
	f = fopen(P("bad.ct"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(b);
	unlink(P("pt"));
	assert_int_equal(run(VFC_BIN " rsa decrypt -key '%s' -in '%s' -out '%s' 2>'%s'", P("priv.pem"),
			     P("bad.ct"), P("pt"), P("err")),
			 1);
	assert_file_contains(P("err"), "vfc rsa: decrypt: bad padding or wrong key");
	assert_false(exists(P("pt")));
	/* too long a plaintext for OAEP with RSA-2048 (at most 214 bytes) */
	make_file(P("long"), 215, 25);
	assert_int_equal(run(VFC_BIN " rsa encrypt -pubin -key '%s' -in '%s' -out '%s' 2>'%s'", P("pub.pem"),
			     P("long"), P("ct2"), P("err")),
			 1);
	assert_file_contains(P("err"), "at most 214 bytes");
	assert_false(exists(P("ct2")));
	assert_no_temp_files();
}

static void test_rsa_key_errors(void **state)
{
	(void)state;
	make_file(P("msg"), 10, 26);
	unlink(P("sig"));
	assert_int_equal(run(VFC_BIN " rsa sign -key '%s' -in '%s' -out '%s' 2>'%s'", P("ec.pem"), P("msg"),
			     P("sig"), P("err")),
			 1);
	assert_file_contains(P("err"), "not a PEM RSA private key");
	assert_int_equal(run(VFC_BIN " rsa sign -key '%s' -in '%s' -out '%s' 2>'%s'", P("msg"), P("msg"),
			     P("sig"), P("err")),
			 1);
	assert_file_contains(P("err"), "-key ");
	assert_file_contains(P("err"), "not a PEM RSA private key");
	assert_int_equal(run(VFC_BIN " rsa sign -key '%s' -in '%s' -out '%s' 2>'%s'", P("pub.pem"), P("msg"),
			     P("sig"), P("err")),
			 1);
	assert_file_contains(P("err"), "not a PEM RSA private key (it is a public key)");
	assert_int_equal(run(VFC_BIN " rsa sign -key '%s' -in '%s' -out '%s' 2>'%s'", P("nokey.pem"),
			     P("msg"), P("sig"), P("err")),
			 1);
	assert_file_contains(P("err"), "nokey.pem: No such file or directory");
	assert_int_equal(run(VFC_BIN " rsa sign -key '%s' -in '%s' -out '%s' 2>'%s'", P("priv.pem"),
			     P("nomsg"), P("sig"), P("err")),
			 1);
	assert_file_contains(P("err"), "nomsg: No such file or directory");
	assert_false(exists(P("sig")));
	assert_int_equal(run(VFC_BIN " rsa verify -pubin -key '%s' -in '%s' 2>'%s'", P("pub.pem"), P("msg"),
			     P("err")),
			 2);
	assert_file_contains(P("err"), "-signature is required");
	assert_int_equal(run(VFC_BIN " rsa frobnicate -key '%s' 2>'%s'", P("priv.pem"), P("err")), 2);
	assert_int_equal(run(VFC_BIN " rsa sign -key '%s' -q 2>'%s'", P("priv.pem"), P("err")), 2);
	assert_file_contains(P("err"), "vfc rsa: unknown option '-q' (see vfc rsa --help)");
	assert_no_temp_files();
}

/* ---- the front: help, version, dispatch, device options ---- */

static void test_help_and_dispatch(void **state)
{
	static const char *const cmds[] = { "enc", "dgst", "rsa" };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		assert_int_equal(run(VFC_BIN " %s --help > '%s'", cmds[k], P("out")), 0);
		assert_file_contains(P("out"), "Usage: vfc ");
		assert_file_contains(P("out"), "Examples:");
		assert_file_contains(P("out"), "--irq-mode");
		assert_int_equal(run(VFC_BIN " %s -h > '%s'", cmds[k], P("out2")), 0);
		assert_same_file(P("out"), P("out2"));
	}
	assert_int_equal(run(VFC_BIN " --help > '%s'", P("out")), 0);
	assert_file_contains(P("out"), "  enc ");
	assert_file_contains(P("out"), "  dgst ");
	assert_file_contains(P("out"), "  rsa ");
	assert_int_equal(run(VFC_BIN " --version > '%s'", P("out")), 0);
	assert_file_contains(P("out"), "vfc (vfcrypt) ");
	assert_int_equal(run(VFC_BIN " 2>/dev/null"), 2);
	assert_int_equal(run(VFC_BIN " frob 2>'%s'", P("err")), 2);
	assert_file_contains(P("err"), "vfc: unknown command 'frob' (see vfc --help)");
}

static void test_device_options(void **state)
{
	(void)state;
	make_file(P("f"), 100000, 31);
	assert_int_equal(run(SHA256SUM_BIN " '%s' > '%s'", P("f"), P("sha.sum")), 0);
	assert_int_equal(run(VFC_BIN " dgst --vfs 2 --engines=2 --irq-mode poll '%s' > '%s'", P("f"),
			     P("vfc.sum")),
			 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	assert_int_equal(run(VFC_BIN " --irq-mode=hybrid:20 dgst '%s' > '%s'", P("f"), P("vfc.sum")), 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	assert_int_equal(run(VFC_BIN " dgst --device embedded --irq-mode interrupt '%s' > '%s'", P("f"),
			     P("vfc.sum")),
			 0);
	assert_same_file(P("vfc.sum"), P("sha.sum"));
	assert_int_equal(run(VFC_BIN " dgst --vfs 65 '%s' 2>'%s'", P("f"), P("err")), 2);
	assert_file_contains(P("err"), "vfc dgst: --vfs: expected a number from 1 to 64, got '65'");
	assert_int_equal(run(VFC_BIN " enc --engines x " ENC_ARGS " 2>'%s' </dev/null", P("err")), 2);
	assert_file_contains(P("err"), "vfc enc: --engines: expected a number from 1 to 16, got 'x'");
	assert_int_equal(run(VFC_BIN " dgst --irq-mode sometimes 2>'%s' </dev/null", P("err")), 2);
	assert_file_contains(P("err"), "--irq-mode: expected interrupt, poll or hybrid[:SPIN_US]");
	assert_int_equal(run(VFC_BIN " dgst --device unix:/nonexistent '%s' 2>'%s'", P("f"), P("err")), 1);
	assert_file_contains(P("err"), "vfc dgst: vfc_vf_open unix:/nonexistent: ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enc_matches_openssl),
		cmocka_unit_test(test_enc_stdin_stdout),
		cmocka_unit_test(test_enc_out_special),
		cmocka_unit_test(test_enc_nopad),
		cmocka_unit_test(test_enc_short_hex_like_openssl),
		cmocka_unit_test(test_enc_bad_arguments),
		cmocka_unit_test(test_enc_bad_ciphertext_leaves_nothing),
		cmocka_unit_test(test_dgst_matches_sha256sum),
		cmocka_unit_test(test_dgst_stdin),
		cmocka_unit_test(test_dgst_missing_file_continues),
		cmocka_unit_test(test_rsa_sign_pkcs1),
		cmocka_unit_test(test_rsa_verify_rejects_tampering),
		cmocka_unit_test(test_rsa_sign_pss),
		cmocka_unit_test(test_rsa_oaep),
		cmocka_unit_test(test_rsa_key_errors),
		cmocka_unit_test(test_help_and_dispatch),
		cmocka_unit_test(test_device_options),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
