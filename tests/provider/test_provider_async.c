/* SPDX-License-Identifier: MIT */
/* test_provider_async.c - vfcrypt.so in OpenSSL ASYNC jobs: AES, SHA-256 and RSA byte-exact against default, the one wait fd and its readiness, jobs beside synchronous threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/async.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "prov_ctx.h"
#include <openssl/rand.h>
#include <openssl/rsa.h>

#define MAXLEN 70000
#define WAIT_MS 10000 /* a job's fd not readable for this long: a lost wakeup */

static EVP_PKEY *rsa;
static const uint8_t KEY[16] = "0123456789abcdef", IV[16] = "fedcba9876543210";

/* ---- the work, each checked against the default provider; 0 = agreed ---- */

static int cbc(EVP_CIPHER *c, int enc, const uint8_t *in, int len, uint8_t *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	ok = EVP_CipherInit_ex2(x, c, KEY, IV, enc, NULL) && EVP_CipherUpdate(x, out, &n, in, len) &&
	     EVP_CipherFinal_ex(x, out + n, &m);
	EVP_CIPHER_CTX_free(x);
	return ok ? n + m : -1;
}

static int aes_work(int i)
{
	int len = 16384 + (i * 7919) % (MAXLEN - 16384), na, nb, rc = 0;
	uint8_t *in = malloc(MAXLEN), *a = malloc(MAXLEN + 16), *b = malloc(MAXLEN + 16);

	RAND_bytes(in, len);
	na = cbc(vaes, 1, in, len, a);
	nb = cbc(daes, 1, in, len, b);
	if (na < 0 || na != nb || memcmp(a, b, (size_t)na))
		rc = 1;
	else if (cbc(vaes, 0, a, na, b) != len || memcmp(b, in, (size_t)len))
		rc = 2;
	free(in);
	free(a);
	free(b);
	return rc;
}

/* A message of len bytes hashed by vfcrypt and by default: 0 if they agree. */
static int sha_cmp(size_t len)
{
	uint8_t *m = malloc(len ? len : 1), a[32], b[32];
	int ok;

	RAND_bytes(m, (int)len);
	ok = EVP_Digest(m, len, a, NULL, vsha, NULL) && EVP_Digest(m, len, b, NULL, dsha, NULL);
	free(m);
	return !ok || memcmp(a, b, 32);
}

/* From the threshold (4096) up, some past the 64 KiB the provider holds (those stream). */
static int sha_work(int i)
{
	return sha_cmp(4096 + (size_t)(i * 12347) % (MAXLEN - 4096));
}

/* Held whole: one request in the VF. */
static int sha_whole_work(int i)
{
	return sha_cmp(4096 + (size_t)(i * 12347) % ((64 << 10) - 4096));
}

/* One digest-sign or digest-verify through provider prov with padding pad. */
static int rsa_dsig(const char *prov, int pad, int sign, const uint8_t *m, size_t len, uint8_t *sig, size_t *slen)
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	char propq[32];
	EVP_PKEY_CTX *pc;
	int ok;

	snprintf(propq, sizeof(propq), "provider=%s", prov);
	ok = (sign ? EVP_DigestSignInit_ex(x, &pc, "SHA256", lib, propq, rsa, NULL)
		   : EVP_DigestVerifyInit_ex(x, &pc, "SHA256", lib, propq, rsa, NULL)) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0 &&
	     (pad != RSA_PKCS1_PSS_PADDING || EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) > 0);
	ok = ok && (sign ? EVP_DigestSign(x, sig, slen, m, len) : EVP_DigestVerify(x, sig, *slen, m, len)) > 0;
	EVP_MD_CTX_free(x);
	return ok;
}

/* PKCS#1 v1.5 is deterministic: byte-exact with default; PSS: each verifies the other's. */
static int rsa_work(int i)
{
	uint8_t m[300], a[256], b[256];
	size_t la = sizeof(a), lb = sizeof(b), len = 1 + (size_t)i * 37 % sizeof(m);
	int pad = i % 2 ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;

	RAND_bytes(m, (int)len);
	if (!rsa_dsig("vfcrypt", pad, 1, m, len, a, &la) || !rsa_dsig("default", pad, 1, m, len, b, &lb))
		return 1;
	if (pad == RSA_PKCS1_PADDING && (la != lb || memcmp(a, b, la)))
		return 2;
	if (!rsa_dsig("default", pad, 0, m, len, a, &la) || !rsa_dsig("vfcrypt", pad, 0, m, len, b, &lb))
		return 3;
	m[0] ^= 1; /* and a wrong message fails in the VF */
	return rsa_dsig("vfcrypt", pad, 0, m, len, b, &lb) ? 4 : 0;
}

static int oaep(const char *prov, int enc, const uint8_t *in, size_t len, uint8_t *out, size_t *olen)
{
	char propq[32];
	EVP_PKEY_CTX *c;
	int ok;

	snprintf(propq, sizeof(propq), "provider=%s", prov);
	c = EVP_PKEY_CTX_new_from_pkey(lib, rsa, propq);
	ok = c && (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0 &&
	     (enc ? EVP_PKEY_encrypt(c, out, olen, in, len) : EVP_PKEY_decrypt(c, out, olen, in, len)) > 0;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* OAEP both ways: vfcrypt encrypts, default decrypts, and the reverse. */
static int oaep_work(int i)
{
	uint8_t m[64], c[256], p[256];
	size_t len = 1 + (size_t)i % sizeof(m), lc = sizeof(c), lp = sizeof(p);

	RAND_bytes(m, (int)len);
	if (!oaep("vfcrypt", 1, m, len, c, &lc) || !oaep("default", 0, c, lc, p, &lp) || lp != len || memcmp(m, p, len))
		return 1;
	lc = sizeof(c);
	lp = sizeof(p);
	if (!oaep("default", 1, m, len, c, &lc) || !oaep("vfcrypt", 0, c, lc, p, &lp) || lp != len || memcmp(m, p, len))
		return 2;
	return 0;
}

/* ---- jobs, driven as openssl speed drives them ---- */

typedef int (*work_fn)(int i);

struct jarg {
	work_fn fn;
	int i, result;
};

static int job_main(void *arg)
{
	struct jarg *j = *(struct jarg **)arg;

	j->result = j->fn(j->i);
	return 1;
}

/* The job's one wait fd (openssl speed refuses more). */
static int one_fd(ASYNC_WAIT_CTX *w)
{
	OSSL_ASYNC_FD fd;
	size_t n = 0;

	assert_true(ASYNC_WAIT_CTX_get_all_fds(w, NULL, &n));
	assert_int_equal(n, 1);
	assert_true(ASYNC_WAIT_CTX_get_all_fds(w, &fd, &n));
	return fd;
}

static int start(ASYNC_JOB **job, ASYNC_WAIT_CTX *w, struct jarg *a)
{
	int ret = ASYNC_start_job(job, w, &ret, job_main, &a, sizeof(a));

	assert_true(ret == ASYNC_PAUSE || ret == ASYNC_FINISH);
	if (ret == ASYNC_FINISH)
		*job = NULL;
	return ret;
}

/*
 * n jobs of fn, resumed only when their fd is readable (a poll timing out with
 * jobs waiting fails: a lost wakeup); each job keeps one fd, the same number
 * throughout. Returns how many times jobs paused.
 */
static unsigned run_jobs(work_fn fn, int n)
{
	ASYNC_JOB **job = calloc((size_t)n, sizeof(*job));
	ASYNC_WAIT_CTX **w = calloc((size_t)n, sizeof(*w));
	struct jarg *a = calloc((size_t)n, sizeof(*a));
	struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
	int *fd = calloc((size_t)n, sizeof(*fd)), *slot = calloc((size_t)n, sizeof(*slot));
	unsigned pauses = 0;
	int i, k, left = 0;

	for (i = 0; i < n; i++) {
		a[i] = (struct jarg){ .fn = fn, .i = i, .result = -1 };
		w[i] = ASYNC_WAIT_CTX_new();
		fd[i] = -1;
		if (start(&job[i], w[i], &a[i]) == ASYNC_PAUSE) {
			pauses++;
			left++;
			fd[i] = one_fd(w[i]);
		}
	}
	while (left) {
		for (i = 0, k = 0; i < n; i++)
			if (job[i]) {
				assert_int_equal(one_fd(w[i]), fd[i]);
				pfd[k] = (struct pollfd){ .fd = fd[i], .events = POLLIN };
				slot[k++] = i;
			}
		if (poll(pfd, (nfds_t)k, WAIT_MS) <= 0)
			fail_msg("%d jobs waiting, no fd readable in %d ms: a lost wakeup", left, WAIT_MS);
		for (k = 0; k < left; k++) {
			i = slot[k];
			if (!(pfd[k].revents & POLLIN))
				continue;
			if (start(&job[i], w[i], &a[i]) == ASYNC_PAUSE)
				pauses++;
		}
		for (i = 0, left = 0; i < n; i++)
			left += job[i] != NULL;
	}
	for (i = 0; i < n; i++) {
		if (a[i].result)
			fail_msg("job %d: result %d (the default provider disagrees)", i, a[i].result);
		ASYNC_WAIT_CTX_free(w[i]);
	}
	free(job);
	free(w);
	free(a);
	free(pfd);
	free(fd);
	free(slot);
	return pauses;
}

/* Every algorithm in 16 jobs at once; each paused for the VF (a request in the VF always pauses
 * its job; the software path never does). */
static void test_jobs_aes(void **state)
{
	(void)state;
	assert_true(run_jobs(aes_work, 16) >= 16);
}

static void test_jobs_sha256(void **state)
{
	(void)state;
	assert_true(run_jobs(sha_work, 16) >= 16);
}

static void test_jobs_rsa_sign_verify(void **state)
{
	(void)state;
	assert_true(run_jobs(rsa_work, 16) >= 16);
}

static void test_jobs_rsa_oaep(void **state)
{
	(void)state;
	assert_true(run_jobs(oaep_work, 16) >= 16);
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

static int big_aes_work(int i)
{
	static uint8_t in[256 << 10], a[(256 << 10) + 16], b[(256 << 10) + 16];
	int na, nb;

	(void)i;
	RAND_bytes(in, sizeof(in));
	na = cbc(vaes, 1, in, sizeof(in), a);
	nb = cbc(daes, 1, in, sizeof(in), b);
	return na < 0 || na != nb || memcmp(a, b, (size_t)na);
}

/* One request in the VF: an RSA signature checked by default. */
static int rsa_sign1_work(int i)
{
	uint8_t m[100], s[256];
	size_t ls = sizeof(s);

	memset(m, i, sizeof(m));
	return !rsa_dsig("vfcrypt", RSA_PKCS1_PADDING, 1, m, sizeof(m), s, &ls) ||
	       !rsa_dsig("default", RSA_PKCS1_PADDING, 0, m, sizeof(m), s, &ls);
}

/*
 * One job alone, one request in the VF each: once paused, its fd becomes readable (the VF's completion),
 * and it is readable only then: resumed on readiness, the job finishes at
 * once instead of pausing again.
 */
static void test_wait_fd_readable_on_completion(void **state)
{
	static const work_fn fns[] = { big_aes_work, sha_whole_work, rsa_sign1_work };
	ASYNC_WAIT_CTX *w = ASYNC_WAIT_CTX_new();
	ASYNC_JOB *job = NULL;
	struct jarg a;
	unsigned r;
	int fd;

	(void)state;
	for (r = 0; r < 30; r++) {
		a = (struct jarg){ .fn = fns[r % 3], .i = (int)r * 2, .result = -1 };
		if (start(&job, w, &a) != ASYNC_PAUSE)
			fail_msg("round %u: finished without pausing", r);
		fd = one_fd(w);
		assert_true(readable(fd, WAIT_MS));
		if (start(&job, w, &a) != ASYNC_FINISH)
			fail_msg("round %u: the fd was readable before the request completed", r);
		assert_int_equal(a.result, 0);
	}
	ASYNC_WAIT_CTX_free(w);
}

/*
 * Two jobs' requests complete, then a synchronous call on the same thread uses
 * the VF: its wait takes their completions and consumes the VF's event. The
 * jobs' fds must still become readable, and the jobs finish.
 */
static void test_sync_call_between_resumes(void **state)
{
	static uint8_t in[1 << 20], out[(1 << 20) + 16];
	ASYNC_WAIT_CTX *w[2];
	ASYNC_JOB *job[2] = { NULL, NULL };
	struct jarg a[2];
	int i, r;

	(void)state;
	for (r = 0; r < 5; r++) {
		for (i = 0; i < 2; i++) {
			a[i] = (struct jarg){ .fn = sha_whole_work, .i = r * 2 + i, .result = -1 };
			w[i] = ASYNC_WAIT_CTX_new();
			assert_int_equal(start(&job[i], w[i], &a[i]), ASYNC_PAUSE);
		}
		usleep(50000); /* both requests done, their event pending */
		assert_true(cbc(vaes, 1, in, sizeof(in), out) > 0); /* outside any job: waits on the VF */
		for (i = 0; i < 2; i++) {
			if (!readable(one_fd(w[i]), WAIT_MS))
				fail_msg("round %d: job %d's request completed but its fd is not readable", r, i);
			assert_int_equal(start(&job[i], w[i], &a[i]), ASYNC_FINISH);
			assert_int_equal(a[i].result, 0);
			ASYNC_WAIT_CTX_free(w[i]);
		}
	}
}

/* Threads doing synchronous work on the same VF consume its completion event in their waits:
 * the jobs' completions they deliver must still wake the jobs. */
static volatile int stop_sync;

static void *sync_thread(void *arg)
{
	int i = 0;

	(void)arg;
	while (!stop_sync)
		if (aes_work(i++) || sha_work(i++))
			return (void *)1;
	return NULL;
}

static void test_jobs_beside_sync_threads(void **state)
{
	pthread_t t[2];
	void *r;
	int i;

	(void)state;
	stop_sync = 0;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sync_thread, NULL), 0);
	for (i = 0; i < 4; i++) {
		run_jobs(aes_work, 12);
		run_jobs(sha_work, 12);
	}
	stop_sync = 1;
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
}

static int setup(void **state)
{
	(void)state;
	return ASYNC_init_thread(32, 32) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ASYNC_cleanup_thread();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_aes),
		cmocka_unit_test(test_jobs_sha256),
		cmocka_unit_test(test_jobs_rsa_sign_verify),
		cmocka_unit_test(test_jobs_rsa_oaep),
		cmocka_unit_test(test_wait_fd_readable_on_completion),
		cmocka_unit_test(test_sync_call_between_resumes),
		cmocka_unit_test(test_jobs_beside_sync_threads),
	};
	int rc;

	if (prov_ctx_open("4096"))
		return 1;
	rsa = EVP_PKEY_Q_keygen(lib, "provider=default", "RSA", (size_t)2048);
	if (!rsa)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	EVP_PKEY_free(rsa);
	prov_ctx_close();
	return rc;
}
