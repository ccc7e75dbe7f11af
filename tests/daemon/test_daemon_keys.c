/* SPDX-License-Identifier: MIT */
/* test_daemon_keys.c - no key material left in vfcd's memory (/proc/PID/mem) after a tenant imported, used and released keys. */
#include "daemon_test.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif

#define SLICE 32     /* bytes of a secret searched for */
#define CHUNK (1u << 20) /* read the daemon's memory this much at a time */
#define MAX_NEEDLES 64

/* The secrets searched for: byte strings of up to SLICE bytes. */
struct needles {
	uint8_t b[MAX_NEEDLES][SLICE];
	size_t len[MAX_NEEDLES];
	const char *what[MAX_NEEDLES];
	unsigned n;
};

static void add(struct needles *nd, const void *p, size_t len, const char *what)
{
	assert_true(nd->n < MAX_NEEDLES && len <= SLICE);
	memcpy(nd->b[nd->n], p, len);
	nd->len[nd->n] = len;
	nd->what[nd->n++] = what;
}

/* Three 32-byte slices (start, middle, end) of a secret. */
static void add_slices(struct needles *nd, const uint8_t *p, size_t len, const char *what)
{
	assert_true(len >= 3 * SLICE);
	add(nd, p, SLICE, what);
	add(nd, p + len / 2, SLICE, what);
	add(nd, p + len - SLICE, SLICE, what);
}

/* A private RSA factor as DER/ASN.1 holds it (big endian) and as a BIGNUM holds
 * it in memory (little-endian 64-bit limbs on this machine). */
static void add_bn(struct needles *nd, const EVP_PKEY *pk, const char *name)
{
	BIGNUM *bn = NULL;
	uint8_t buf[512];
	int len;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, name, &bn), 1);
	len = BN_num_bytes(bn);
	assert_int_equal(BN_bn2bin(bn, buf), len);
	add_slices(nd, buf, (size_t)len, name);
	assert_int_equal(BN_bn2lebinpad(bn, buf, len), len);
	add_slices(nd, buf, (size_t)len, name);
	BN_clear_free(bn);
}

/* Occurrences in mem; with overlap, only those starting in the first CHUNK bytes (the rest is the next chunk's). */
static size_t count_in(const uint8_t *mem, size_t len, const struct needles *nd, unsigned *hits, int overlap)
{
	size_t found = 0, end = overlap ? CHUNK : len;

	for (size_t off = 0; off < end; off++) {
		for (unsigned i = 0; i < nd->n; i++) {
			if (off + nd->len[i] <= len && mem[off] == nd->b[i][0] &&
			    !memcmp(mem + off, nd->b[i], nd->len[i])) {
				hits[i]++;
				found++;
			}
		}
	}
	return found;
}

/* Search every readable private mapping of pid (heap, stacks, anonymous, memfds). */
static size_t scan(pid_t pid, const struct needles *nd, unsigned *hits)
{
	char path[64], line[512];
	size_t found = 0;
	FILE *maps;
	int mem;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "r");
	assert_non_null(maps);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	mem = open(path, O_RDONLY);
	if (mem < 0 && (errno == EACCES || errno == EPERM)) {
		fclose(maps);
		return SIZE_MAX; /* ptrace rules (Yama scope 2+) forbid even a parent: skipped */
	}
	assert_true(mem >= 0);
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi, ino;
		char perms[8], name[256] = "";
		uint8_t *buf;
		ssize_t n;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %255[^\n]", &lo, &hi, perms, &ino, name) < 4)
			continue;
		if (perms[0] != 'r' || strstr(name, "[vvar") || strstr(name, "[vsyscall"))
			continue;
		/* Files on disk (the binary, libraries) hold no secrets of ours. */
		if (ino && !strstr(name, "memfd:") && !strstr(name, "(deleted)"))
			continue;
		buf = malloc(CHUNK + SLICE);
		assert_non_null(buf);
		/* Chunks overlapping by SLICE - 1 bytes: a secret across a boundary is seen. */
		for (unsigned long at = lo; at < hi; at += CHUNK) {
			size_t want = hi - at < CHUNK + SLICE - 1 ? hi - at : CHUNK + SLICE - 1;

			n = pread(mem, buf, want, (off_t)at);
			if (n <= 0)
				break;
			found += count_in(buf, (size_t)n, nd, hits, n == (ssize_t)want && at + CHUNK < hi);
		}
		free(buf);
	}
	close(mem);
	fclose(maps);
	return found;
}

/* A random RSA-2048 key as PKCS#8 PEM (heap, freed by the caller). */
static char *rsa_pem(EVP_PKEY **out)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *pem;
	long n;

	assert_non_null(pk);
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(b, &p);
	pem = calloc(1, (size_t)n + 1);
	assert_non_null(pem);
	memcpy(pem, p, (size_t)n);
	BIO_free(b);
	*out = pk;
	return pem;
}

/* Import, use and free both keys on VF 0, then close it. */
static void tenant(const struct t_daemon *d, const uint8_t aes[16], const char *pem)
{
	struct vfc_vf *vf = t_open_vf(d, 0);
	struct vfc_session *s;
	uint8_t iv[16] = { 0 }, in[4096], out[4096], ref[4096], sig[256];
	size_t sig_len = sizeof(sig);
	uint32_t kr, ka;

	assert_non_null(vf);
	/* RSA first: a later, shorter message overwrites only the start of a receive buffer. */
	assert_int_equal(vfc_key_import(vf, VFC_KEY_RSA_PRIV_PEM, pem, strlen(pem), &kr), 0);
	s = vfc_session_create(vf, VFC_ALG_RSA_PKCS1_SHA256, kr);
	assert_non_null(s);
	assert_int_equal(vfc_sign(s, "message", 7, sig, &sig_len), 0);
	assert_int_equal(sig_len, 256);
	vfc_session_free(s);
	assert_int_equal(vfc_key_import(vf, VFC_KEY_AES128, aes, 16, &ka), 0);
	s = vfc_session_create(vf, VFC_ALG_AES128_CBC, ka);
	assert_non_null(s);
	assert_int_equal(RAND_bytes(in, sizeof(in)), 1);
	assert_int_equal(vfc_cipher(s, 1, iv, in, sizeof(in), out, NULL), 0);
	assert_int_equal(t_evp_aes(aes, iv, in, sizeof(in), ref), 0);
	assert_memory_equal(out, ref, sizeof(out));
	vfc_session_free(s);
	assert_int_equal(vfc_key_free(vf, ka), 0);
	assert_int_equal(vfc_key_free(vf, kr), 0);
	vfc_vf_close(vf);
}

static void test_keys_wiped(void **state)
{
	const char *args[] = { "--vfs", "1", NULL };
	struct needles *nd;
	unsigned hits[MAX_NEEDLES] = { 0 };
	struct t_daemon d;
	uint8_t aes[16];
	EVP_PKEY *pk;
	char *pem, *body;
	size_t found;

	(void)state;
#ifdef T_ASAN
	/* ASan's allocator quarantines freed blocks in terabytes of reserved space: not the heap under test. */
	skip();
	return;
#endif
	nd = calloc(1, sizeof(*nd));
	assert_non_null(nd);
	assert_int_equal(RAND_bytes(aes, sizeof(aes)), 1);
	pem = rsa_pem(&pk);
	add(nd, aes, sizeof(aes), "AES key");
	add_bn(nd, pk, OSSL_PKEY_PARAM_RSA_D);
	add_bn(nd, pk, OSSL_PKEY_PARAM_RSA_FACTOR1);
	add_bn(nd, pk, OSSL_PKEY_PARAM_RSA_FACTOR2);
	body = strchr(pem, '\n') + 1; /* the base64 text, past the BEGIN line */
	add_slices(nd, (const uint8_t *)body, strlen(body) - 40, "PEM text");

	t_daemon_start(&d, args);
	tenant(&d, aes, pem);
	/* SHOW answers after the loop has handled the hangup (one thread): the VF is released. */
	assert_true(t_wait_state(&d, 0, VFCD_VF_FREE, 5000));
	found = scan(d.pid, nd, hits);
	if (found == SIZE_MAX) {
		t_daemon_cleanup(&d);
		EVP_PKEY_free(pk);
		OPENSSL_clear_free(pem, strlen(pem));
		free(nd);
		skip();
	}
	for (unsigned i = 0; i < nd->n; i++)
		if (hits[i])
			print_message("found in vfcd's memory: %s slice %u, %u times\n", nd->what[i], i, hits[i]);
	t_daemon_cleanup(&d);
	EVP_PKEY_free(pk);
	OPENSSL_clear_free(pem, strlen(pem));
	free(nd);
	assert_int_equal(found, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_keys_wiped, t_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
