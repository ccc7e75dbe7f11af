/* SPDX-License-Identifier: MIT */
/* test_provider_lib.c - vfcrypt.so through libcrypto: random update splits, params, dupctx, ASYNC jobs, threads, fork. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/async.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "prov_ctx.h"
#include <openssl/rand.h>

#define MAXLEN 70000

static const uint8_t KEY[16] = "0123456789abcdef", IV[16] = "fedcba9876543210";

/* AES-128-CBC of in[0..len) with c, fed in random pieces; returns the output length or -1. */
static int cbc(EVP_CIPHER *c, int enc, int pad, const uint8_t *in, int len, uint8_t *out, unsigned seed)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int done = 0, n, off = 0, piece, ok;

	ok = EVP_CipherInit_ex2(x, c, KEY, IV, enc, NULL) && EVP_CIPHER_CTX_set_padding(x, pad);
	while (ok && off < len) {
		piece = (int)(rand_r(&seed) % 20000u);
		if (piece > len - off)
			piece = len - off;
		ok = EVP_CipherUpdate(x, out + done, &n, in + off, piece);
		off += piece;
		done += n;
	}
	ok = ok && EVP_CipherFinal_ex(x, out + done, &n);
	EVP_CIPHER_CTX_free(x);
	return ok ? done + n : -1;
}

/* Encrypt and decrypt len bytes with vfcrypt (random splits) and compare with default; 0 if all agree. */
static int roundtrip(int len, int pad, unsigned seed)
{
	/* Heap buffers: ASYNC jobs of one thread interleave. */
	uint8_t *in = malloc(MAXLEN), *a = malloc(MAXLEN + 32), *b = malloc(MAXLEN + 32), *c = malloc(MAXLEN + 32);
	int na, nb, nc, rc = 0;

	if (!pad)
		len -= len % 16;
	RAND_bytes(in, len);
	na = cbc(vaes, 1, pad, in, len, a, seed);
	nb = cbc(daes, 1, pad, in, len, b, seed + 1);
	if (na < 0 || na != nb || memcmp(a, b, (size_t)na)) {
		rc = 1;
	} else {
		nc = cbc(vaes, 0, pad, b, nb, c, seed + 2);
		rc = nc != len || memcmp(c, in, (size_t)len) ? 2 : 0;
	}
	free(in);
	free(a);
	free(b);
	free(c);
	return rc;
}

static void test_random_splits(void **state)
{
	unsigned seed = 1, i;
	int len;

	(void)state;
	for (i = 0; i < 60; i++) {
		len = i < 40 ? (int)i : (int)(rand_r(&seed) % MAXLEN);
		assert_int_equal(roundtrip(len, 1, seed + i), 0);
		assert_int_equal(roundtrip(len, 0, seed + i), 0);
	}
	assert_int_equal(roundtrip(MAXLEN, 1, 99), 0);
}

static void test_cipher_params(void **state)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t in[48] = { 1 }, out[64], iv[16];
	unsigned int pad = 7;
	int n;
	OSSL_PARAM q[] = { OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_UPDATED_IV, iv, sizeof(iv)),
			   OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, &pad), OSSL_PARAM_END };

	(void)state;
	assert_int_equal(EVP_CIPHER_get_key_length(vaes), 16);
	assert_int_equal(EVP_CIPHER_get_iv_length(vaes), 16);
	assert_int_equal(EVP_CIPHER_get_block_size(vaes), 16);
	assert_int_equal(EVP_CIPHER_get_mode(vaes), EVP_CIPH_CBC_MODE);
	assert_true(EVP_EncryptInit_ex2(x, vaes, KEY, IV, NULL));
	assert_true(EVP_CIPHER_CTX_set_padding(x, 0));
	assert_true(EVP_EncryptUpdate(x, out, &n, in, sizeof(in)));
	assert_true(EVP_CIPHER_CTX_get_params(x, q));
	assert_memory_equal(iv, out + 32, 16); /* the last ciphertext block chains the next call */
	assert_int_equal(pad, 0);
	EVP_CIPHER_CTX_free(x);
}

static void test_digest_dup(void **state)
{
	static uint8_t m[100000];
	uint8_t d1[32], d2[32], r[32];
	EVP_MD_CTX *a = EVP_MD_CTX_new(), *b = EVP_MD_CTX_new();

	(void)state;
	RAND_bytes(m, sizeof(m));
	assert_true(EVP_DigestInit_ex2(a, vsha, NULL));
	assert_true(EVP_DigestUpdate(a, m, 30000)); /* above the threshold: in the VF */
	assert_true(EVP_MD_CTX_copy_ex(b, a));      /* the copy goes on in software */
	assert_true(EVP_DigestUpdate(a, m + 30000, 70000));
	assert_true(EVP_DigestUpdate(b, m + 30000, 70000));
	assert_true(EVP_DigestFinal_ex(a, d1, NULL));
	assert_true(EVP_DigestFinal_ex(b, d2, NULL));
	assert_true(EVP_Digest(m, sizeof(m), r, NULL, dsha, NULL));
	assert_memory_equal(d1, r, 32);
	assert_memory_equal(d2, r, 32);
	EVP_MD_CTX_free(a);
	EVP_MD_CTX_free(b);
}

/* ---- ASYNC jobs ---- */

struct job_arg {
	int len;
	unsigned seed;
	int result;
};

static int job_fn(void *arg)
{
	struct job_arg *j = *(struct job_arg **)arg;

	j->result = roundtrip(j->len, 1, j->seed);
	return 1;
}

#define NJOBS 12

static void test_async_jobs(void **state)
{
	ASYNC_JOB *job[NJOBS] = { 0 };
	ASYNC_WAIT_CTX *w[NJOBS];
	struct job_arg arg[NJOBS];
	int i, ret, left = NJOBS, rounds = 0, paused = 0;
	OSSL_ASYNC_FD fds[4];
	size_t nfds;
	struct pollfd pfd[NJOBS];

	(void)state;
	assert_true(ASYNC_init_thread(NJOBS, NJOBS));
	for (i = 0; i < NJOBS; i++) {
		struct job_arg *p = &arg[i];

		arg[i] = (struct job_arg){ .len = 16384 + i * 1000, .seed = (unsigned)i, .result = -1 };
		w[i] = ASYNC_WAIT_CTX_new();
		ret = ASYNC_start_job(&job[i], w[i], &ret, job_fn, &p, sizeof(p));
		assert_true(ret == ASYNC_PAUSE || ret == ASYNC_FINISH);
		if (ret == ASYNC_FINISH) {
			job[i] = NULL;
			left--;
		} else {
			paused++;
		}
	}
	assert_true(paused > 0); /* jobs did wait for the VF */
	while (left > 0 && rounds++ < 100000) {
		int n = 0;

		for (i = 0; i < NJOBS; i++) {
			if (!job[i])
				continue;
			/* One stable fd per job, as openssl speed requires. */
			assert_true(ASYNC_WAIT_CTX_get_all_fds(w[i], NULL, &nfds));
			assert_int_equal(nfds, 1);
			ASYNC_WAIT_CTX_get_all_fds(w[i], fds, &nfds);
			pfd[n++] = (struct pollfd){ .fd = fds[0], .events = POLLIN };
		}
		poll(pfd, (nfds_t)n, 1000);
		for (i = 0; i < NJOBS; i++) {
			struct job_arg *p = &arg[i];

			if (!job[i])
				continue;
			ret = ASYNC_start_job(&job[i], w[i], &ret, job_fn, &p, sizeof(p));
			assert_int_not_equal(ret, ASYNC_ERR);
			if (ret == ASYNC_FINISH) {
				job[i] = NULL;
				left--;
			}
		}
	}
	assert_int_equal(left, 0);
	for (i = 0; i < NJOBS; i++) {
		assert_int_equal(arg[i].result, 0);
		ASYNC_WAIT_CTX_free(w[i]);
	}
	ASYNC_cleanup_thread();
}

/* ---- threads and fork ---- */

static void *thread_fn(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg, i;

	for (i = 0; i < 30; i++)
		if (roundtrip((int)(rand_r(&seed) % MAXLEN), 1, seed))
			return (void *)1;
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	void *r;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_fn, (void *)(uintptr_t)(i + 10)), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
}

/*
 * A child of fork(): its work, through the embedded device, runs in a VF of
 * its own, which its counters show. They are printed (VFCRYPT_STATS) when the
 * child closes the provider, on its stderr, redirected to out.
 */
static int fork_child(int out, unsigned seed)
{
	int rc;

	dup2(out, 2);
	rc = roundtrip(50000, 1, seed) || thread_fn((void *)7);
	prov_ctx_close(); /* vfcrypt's teardown prints the VF's counters, then closes it */
	return rc;
}

/* What the child printed: its own VF with ops in it, and no move to software. */
static void check_child_log(FILE *f, pid_t pid)
{
	char line[512];
	unsigned long long ops = 0, bytes, errors = 0;
	unsigned vf;
	int who, seen = 0;

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "default provider"))
			fail_msg("child %d fell back to software: %s", (int)pid, line);
		if (sscanf(line, "vfcrypt: pid %d VF %u ops %llu bytes %llu errors %llu", &who, &vf, &ops, &bytes,
			   &errors) == 5 && who == pid)
			seen = 1;
	}
	if (!seen)
		fail_msg("child %d printed no counters of its own VF", (int)pid);
	assert_true(ops >= 4); /* 50,000 bytes in pieces, and 30 more round trips */
	/* None refused: a child that reused a buffer of the parent's VF (bufs.c) sent offsets outside its pool. */
	assert_int_equal(errors, 0);
}

static void test_fork(void **state)
{
	FILE *log[2];
	int status, i;
	pid_t pid[2];

	(void)state;
	assert_int_equal(roundtrip(40000, 1, 5), 0); /* the parent has its VF */
	for (i = 0; i < 2; i++) {
		log[i] = tmpfile();
		assert_non_null(log[i]);
		fflush(stderr);
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) /* a VF of its own, from an embedded device of its own */
			_exit(fork_child(fileno(log[i]), 6 + (unsigned)i) ? 1 : 0);
	}
	assert_int_equal(roundtrip(40000, 1, 9), 0); /* the parent works while they do */
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		check_child_log(log[i], pid[i]);
		fclose(log[i]);
	}
	assert_int_equal(roundtrip(40000, 1, 8), 0); /* and still has it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_splits), cmocka_unit_test(test_cipher_params),
		cmocka_unit_test(test_digest_dup),    cmocka_unit_test(test_async_jobs),
		cmocka_unit_test(test_threads),       cmocka_unit_test(test_fork),
	};
	int rc;

	setenv("VFCRYPT_STATS", "1", 1); /* test_fork reads a child's VF counters */
	if (prov_ctx_open("4096"))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	prov_ctx_close();
	return rc;
}
