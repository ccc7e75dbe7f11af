/* SPDX-License-Identifier: MIT */
/* daemon_test.h - helpers of the vfcd tests: run the built daemon, admin calls, tenants checked against OpenSSL. */
#ifndef VFC_TESTS_DAEMON_TEST_H
#define VFC_TESTS_DAEMON_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "os/clock.h"
#include "transport/wire.h"
#include "vfcrypt/vfc.h"

/* One vfcd child process on a socket in a temporary directory. */
struct t_daemon {
	char dir[64];
	char sock[128];
	char dev[140]; /* "unix:" + sock */
	char log[128];
	pid_t pid;
	unsigned nofile; /* RLIMIT_NOFILE of the daemon (0: inherited) */
};

static inline void t_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The daemon of the running test, for the teardown after a failed assertion. */
static pid_t t_cur_pid;

/* Start vfcd with extra arguments (NULL-terminated list) on d->sock; wait until it accepts. */
static inline void t_daemon_start_in(struct t_daemon *d, const char *const *extra)
{
	const char *argv[48];
	unsigned n = 0;
	uint64_t end;
	int fd;

	argv[n++] = VFCD_BIN;
	argv[n++] = "--foreground";
	argv[n++] = "--verbose";
	argv[n++] = "--socket";
	argv[n++] = d->sock;
	argv[n++] = "--metrics";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--drain-timeout";
	argv[n++] = "2000";
	for (; extra && *extra && n < 46; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int lf = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (lf >= 0)
			dup2(lf, 2);
		if (d->nofile) {
			struct rlimit rl = { d->nofile, d->nofile };

			if (setrlimit(RLIMIT_NOFILE, &rl))
				_exit(126);
		}
		execv(VFCD_BIN, (char *const *)argv);
		_exit(127);
	}
	t_cur_pid = d->pid;
	for (end = vfc_now_ns() + 5000000000ull; vfc_now_ns() < end; t_sleep_ms(10)) {
		fd = vfc__wire_connect(d->sock);
		if (fd >= 0) {
			close(fd);
			return;
		}
	}
	fail_msg("vfcd did not start (see %s)", d->log);
}

/* A temporary directory for the socket and the log; t_daemon_start_in starts it. */
static inline void t_daemon_init(struct t_daemon *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/vfcd-test-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->sock, sizeof(d->sock), "%s/vfcd.sock", d->dir);
	snprintf(d->dev, sizeof(d->dev), "unix:%s", d->sock);
	snprintf(d->log, sizeof(d->log), "%s/vfcd.log", d->dir);
}

static inline void t_daemon_start(struct t_daemon *d, const char *const *extra)
{
	t_daemon_init(d);
	t_daemon_start_in(d, extra);
}

/* Stop with sig (SIGTERM: expect a clean exit 0; SIGKILL: anything). */
static inline void t_daemon_stop(struct t_daemon *d, int sig)
{
	int status = 0;

	if (d->pid <= 0)
		return;
	kill(d->pid, sig);
	assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
	d->pid = 0;
	t_cur_pid = 0;
	if (sig == SIGTERM) {
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static inline void t_daemon_cleanup(struct t_daemon *d)
{
	char cmd[256];

	t_daemon_stop(d, SIGTERM);
	if (getenv("VFCD_TEST_LOG")) {
		snprintf(cmd, sizeof(cmd), "cat %s >&2", d->log);
		if (system(cmd)) {
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
	if (system(cmd)) {
	}
}

/* cmocka teardown: a test that failed half-way leaves no daemon behind. */
static inline int t_teardown(void **state)
{
	(void)state;
	if (t_cur_pid > 0) {
		kill(t_cur_pid, SIGKILL);
		waitpid(t_cur_pid, NULL, 0);
	}
	t_cur_pid = 0;
	return 0;
}

/* Whether the daemon's log contains s. */
static inline int t_log_has(const struct t_daemon *d, const char *s)
{
	char buf[1 << 16];
	FILE *f = fopen(d->log, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

/* One admin exchange on a fresh connection. Returns the body length or a negative errno. */
static inline ssize_t t_admin(const struct t_daemon *d, uint16_t type, const void *body, size_t len, void *reply,
			      size_t cap)
{
	return vfc__wire_call_once(d->sock, type, body, len, reply, cap);
}

/* VF info through SHOW. */
static inline void t_show(const struct t_daemon *d, uint32_t vf, struct vfcd_vf_info *out)
{
	union {
		uint8_t b[sizeof(struct vfcd_hdr) + sizeof(struct vfcd_status) + sizeof(struct vfcd_vf_info)];
		uint64_t a;
	} rx;
	struct vfcd_vf_ref ref = { .vf_id = vf };
	const struct vfcd_status *st = (const void *)(rx.b + sizeof(struct vfcd_hdr));
	ssize_t n = t_admin(d, VFCD_MSG_SHOW, &ref, sizeof(ref), rx.b, sizeof(rx.b));

	assert_int_equal(n, sizeof(rx.b) - sizeof(struct vfcd_hdr));
	assert_int_equal(st->status, 0);
	assert_int_equal(st->count, 1);
	memcpy(out, st + 1, sizeof(*out));
}

/* Wait up to ms for VF vf to reach state. */
static inline int t_wait_state(const struct t_daemon *d, uint32_t vf, uint32_t state, unsigned ms)
{
	struct vfcd_vf_info in;
	uint64_t end = vfc_now_ns() + (uint64_t)ms * 1000000ull;

	do {
		t_show(d, vf, &in);
		if (in.state == state)
			return 1;
		t_sleep_ms(10);
	} while (vfc_now_ns() < end);
	return 0;
}

/* AES-128-CBC without padding through EVP; 0 or -1. No cmocka asserts: forked tenants use it. */
static inline int t_evp_aes(const uint8_t key[16], const uint8_t iv[16], const void *in, size_t len, void *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0, ok;

	if (!c)
		return -1;
	ok = EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv) == 1;
	EVP_CIPHER_CTX_set_padding(c, 0);
	ok = ok && EVP_EncryptUpdate(c, out, &n1, in, (int)len) == 1;
	ok = ok && EVP_EncryptFinal_ex(c, (uint8_t *)out + n1, &n2) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok && (size_t)(n1 + n2) == len ? 0 : -1;
}

/* Encrypt len random bytes through the VF and compare with EVP. 0, a negative
 * errno from the device, or 1 on a mismatch / local failure (never expected).
 * No cmocka asserts: forked tenants use it. */
static inline int t_vf_aes_check(struct vfc_vf *vf, size_t len)
{
	uint8_t key[16], iv[16], *in = malloc(len), *out = malloc(len), *ref = malloc(len);
	struct vfc_session *s = NULL;
	uint32_t kh = 0;
	int rc = 1;

	if (!in || !out || !ref || RAND_bytes(key, 16) != 1 || RAND_bytes(iv, 16) != 1 ||
	    RAND_bytes(in, (int)len) != 1)
		goto out;
	rc = vfc_key_import(vf, VFC_KEY_AES128, key, sizeof(key), &kh);
	if (rc)
		goto out;
	s = vfc_session_create(vf, VFC_ALG_AES128_CBC, kh);
	if (!s) {
		rc = -errno;
		goto out_key;
	}
	rc = vfc_cipher(s, 1, iv, in, len, out, NULL);
	if (rc == 0)
		rc = t_evp_aes(key, iv, in, len, ref) || memcmp(out, ref, len) ? 1 : 0;
	vfc_session_free(s);
out_key:
	vfc_key_free(vf, kh);
out:
	free(in);
	free(out);
	free(ref);
	return rc;
}

static inline struct vfc_vf *t_open_vf(const struct t_daemon *d, int vf_id)
{
	struct vfc_vf_opts o;

	vfc_vf_opts_init(&o);
	o.vf_id = vf_id;
	return vfc_vf_open(d->dev, &o);
}

#endif
