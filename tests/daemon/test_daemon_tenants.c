/* SPDX-License-Identifier: MIT */
/* test_daemon_tenants.c - vfcd with tenant processes: round trip, a tenant killed mid-flight, restart, hostile rings. */
#include "daemon_test.h"

#include "driver/vf_internal.h"

/* ---- tenants in child processes (no cmocka in there: exit codes) ---- */

/* Work for ms milliseconds, checking every result against OpenSSL. Writes its
 * VF id to fd first. Exit 0: all good and some work done. */
static void worker(const struct t_daemon *d, int fd, unsigned ms)
{
	struct vfc_vf *vf = t_open_vf(d, -1);
	uint64_t end;
	uint32_t id;
	unsigned n = 0;

	if (!vf)
		_exit(10);
	id = vfc_vf_id(vf);
	if (write(fd, &id, sizeof(id)) != sizeof(id))
		_exit(11);
	for (end = vfc_now_ns() + (uint64_t)ms * 1000000ull; vfc_now_ns() < end; n++)
		if (t_vf_aes_check(vf, 64 << 10))
			_exit(12);
	vfc_vf_close(vf);
	_exit(n > 0 ? 0 : 13);
}

static pid_t spawn_worker(const struct t_daemon *d, unsigned ms, uint32_t *vf_id)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		worker(d, p[1], ms);
	}
	close(p[1]);
	assert_int_equal(read(p[0], vf_id, sizeof(*vf_id)), sizeof(*vf_id));
	close(p[0]);
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void nop_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	(void)op;
	(void)status;
	(void)out_len;
}

/* A tenant keeping 64 encryptions of 16 KiB in flight forever; reports its VF and key handle. */
static void flooder(const struct t_daemon *d, int fd)
{
	static struct vfc_op ops[64];
	struct vfc_op *pops[64];
	struct vfc_session *s;
	struct vfc_vf *vf = t_open_vf(d, -1);
	uint8_t key[16] = { 1, 2, 3 };
	uint32_t msg[2], kh;
	int told = 0;

	if (!vf || vfc_key_import(vf, VFC_KEY_AES128, key, 16, &kh))
		_exit(20);
	s = vfc_session_create(vf, VFC_ALG_AES128_CBC, kh);
	if (!s)
		_exit(21);
	for (unsigned i = 0; i < 64; i++) {
		void *b = vfc_buf_alloc(vf, 16384);

		if (!b)
			_exit(22);
		ops[i] = (struct vfc_op){ .sess = s, .opcode = VFC_OP_CIPHER_ENC, .src = b, .src_len = 16384,
					  .dst = b, .dst_len = 16384, .cb = nop_cb };
		pops[i] = &ops[i];
	}
	msg[0] = vfc_vf_id(vf);
	msg[1] = kh;
	for (;;) {
		if (vfc_submit_burst(vf, pops, 64) <= 0)
			_exit(23);
		if (!told) {
			told = 1;
			if (write(fd, msg, sizeof(msg)) != sizeof(msg))
				_exit(24);
		}
		vfc_wait(vf, 64, -1);
	}
}

/* ---- tests ---- */

static void test_roundtrip(void **state)
{
	struct t_daemon d;
	struct vfcd_vf_info in;
	struct vfc_vf *vf;
	uint8_t msg[1000], dig[32], ref[32];
	struct vfc_session *s;
	unsigned int rl = 0;

	(void)state;
	t_daemon_start(&d, NULL);
	vf = t_open_vf(&d, -1);
	assert_non_null(vf);
	assert_int_equal(t_vf_aes_check(vf, 1 << 20), 0);
	assert_int_equal(t_vf_aes_check(vf, 16), 0);
	s = vfc_session_create(vf, VFC_ALG_SHA256, 0);
	assert_non_null(s);
	assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
	assert_int_equal(vfc_digest(s, msg, sizeof(msg), dig), 0);
	assert_int_equal(EVP_Digest(msg, sizeof(msg), ref, &rl, EVP_sha256(), NULL), 1);
	assert_memory_equal(dig, ref, 32);
	vfc_session_free(s);

	/* The daemon sees us as the owner. */
	t_show(&d, vfc_vf_id(vf), &in);
	assert_int_equal(in.state, VFCD_VF_ATTACHED);
	assert_int_equal(in.owner_pid, getpid());
	assert_int_equal(in.owner_uid, getuid());
	assert_true(in.ctr.bytes >= (1 << 20));
	/* Closing the connection releases the VF. */
	vfc_vf_close(vf);
	assert_true(t_wait_state(&d, in.vf_id, VFCD_VF_FREE, 3000));
	t_daemon_cleanup(&d);
}

static void test_tenant_killed(void **state)
{
	const char *const args[] = { "--vfs", "4", NULL };
	struct vfcd_vf_info in;
	struct t_daemon d;
	struct vfc_session *s;
	struct vfc_vf *vf;
	uint32_t a_msg[2], b_vf;
	pid_t a, b;
	int p[2];

	(void)state;
	t_daemon_start(&d, args);
	/* B: well behaved, working for 2.5 s while A is killed. */
	b = spawn_worker(&d, 2500, &b_vf);
	/* A: keeps 64 requests in flight until killed. */
	assert_int_equal(pipe(p), 0);
	a = fork();
	assert_true(a >= 0);
	if (a == 0) {
		close(p[0]);
		flooder(&d, p[1]);
	}
	close(p[1]);
	assert_int_equal(read(p[0], a_msg, sizeof(a_msg)), sizeof(a_msg));
	close(p[0]);
	assert_int_not_equal(a_msg[0], b_vf);
	t_sleep_ms(300);
	t_show(&d, a_msg[0], &in);
	assert_int_equal(in.state, VFCD_VF_ATTACHED);
	assert_true(in.ctr.ops > 0); /* it was really working */
	kill(a, SIGKILL);
	assert_int_equal(wait_exit(a), 100 + SIGKILL);
	/* Its VF is reclaimed... */
	assert_true(t_wait_state(&d, a_msg[0], VFCD_VF_FREE, 3000));
	assert_true(t_log_has(&d, "keys wiped"));
	/* ...and its key is gone: a new tenant of that VF cannot use the old handle. */
	vf = t_open_vf(&d, (int)a_msg[0]);
	assert_non_null(vf);
	errno = 0;
	s = vfc_session_create(vf, VFC_ALG_AES128_CBC, a_msg[1]);
	assert_null(s);
	assert_int_not_equal(errno, 0);
	assert_int_equal(t_vf_aes_check(vf, 4096), 0);
	vfc_vf_close(vf);
	/* B never noticed: all its results were right, its VF had no error. */
	assert_int_equal(wait_exit(b), 0);
	t_show(&d, b_vf, &in);
	assert_int_equal(in.ctr.errors, 0);
	assert_int_equal(in.ctr.resets, 0);
	t_daemon_cleanup(&d);
}

static int is_gone_err(int rc)
{
	return rc == -ESHUTDOWN || rc == -ENOTCONN;
}

static void test_restart(void **state)
{
	struct t_daemon d;
	struct vfc_vf *vf;
	uint32_t applied = 0;
	int rc;

	(void)state;
	t_daemon_start(&d, NULL);
	vf = t_open_vf(&d, -1);
	assert_non_null(vf);
	assert_int_equal(t_vf_aes_check(vf, 65536), 0);

	/* Graceful stop: the next control call and the next data-path call say so. */
	t_daemon_stop(&d, SIGTERM);
	assert_true(t_log_has(&d, "SIGTERM: draining"));
	rc = vfc_vf_set_cap(vf, 1000, &applied);
	assert_true(is_gone_err(rc));
	rc = t_vf_aes_check(vf, 4096);
	assert_true(is_gone_err(rc));
	vfc_vf_close(vf);
	/* A new daemon on the same socket: reopening works. */
	t_daemon_start_in(&d, NULL);
	vf = t_open_vf(&d, -1);
	assert_non_null(vf);
	assert_int_equal(t_vf_aes_check(vf, 65536), 0);

	/* Killed daemon, request in flight on the data path: the wait ends with the error. */
	{
		uint8_t key[16] = { 0 };
		struct vfc_session *s;
		uint32_t kh;
		void *buf;

		assert_int_equal(vfc_key_import(vf, VFC_KEY_AES128, key, 16, &kh), 0);
		s = vfc_session_create(vf, VFC_ALG_AES128_CBC, kh);
		assert_non_null(s);
		buf = malloc(1 << 20);
		assert_non_null(buf);
		memset(buf, 0, 1 << 20);
		t_daemon_stop(&d, SIGKILL);
		rc = vfc_cipher(s, 1, key, buf, 1 << 20, buf, NULL);
		assert_true(is_gone_err(rc));
		/* Submissions after that are refused at once. */
		rc = vfc_cipher(s, 1, key, buf, 4096, buf, NULL);
		assert_true(is_gone_err(rc));
		free(buf);
		vfc_session_free(s);
	}
	vfc_vf_close(vf);
	/* The stale socket file is replaced by the next daemon. */
	t_daemon_start_in(&d, NULL);
	vf = t_open_vf(&d, -1);
	assert_non_null(vf);
	assert_int_equal(t_vf_aes_check(vf, 65536), 0);
	vfc_vf_close(vf);
	t_daemon_cleanup(&d);
}

/* A hostile tenant: garbage descriptors, then corrupted ring indices. */
static void hostile(const struct t_daemon *d, int fd)
{
	struct vfc_vf *vf = t_open_vf(d, -1);
	struct vfc_vf_stats st;
	uint32_t id, tail;
	uint64_t one = 1, end;
	int rc;

	if (!vf || t_vf_aes_check(vf, 4096))
		_exit(30);
	id = vfc_vf_id(vf);
	if (write(fd, &id, sizeof(id)) != sizeof(id))
		_exit(31);
	/* Garbage descriptors behind the driver's back, published properly:
	 * each is answered with an error, nothing else happens. */
	tail = vf->req_tail;
	for (unsigned i = 0; i < 16; i++) {
		if (RAND_bytes((void *)&vf->req_ring[(tail + i) & (vf->entries - 1)], sizeof(struct vfc_req_desc)) != 1)
			_exit(32);
	}
	atomic_store_explicit(&vf->hdr->req_tail, tail + 16, memory_order_release);
	if (write(vf->t->doorbell_fd, &one, sizeof(one)) != sizeof(one))
		_exit(33);
	t_sleep_ms(100);
	/* Then indices that make no sense: the device fails (resets) this VF. */
	atomic_store_explicit(&vf->hdr->req_tail, tail + 16 + 100000, memory_order_release);
	if (write(vf->t->doorbell_fd, &one, sizeof(one)) != sizeof(one))
		_exit(34);
	for (end = vfc_now_ns() + 3000000000ull;; t_sleep_ms(5)) {
		vfc_vf_stats(vf, &st);
		if (st.state == VFC_VF_FAILED)
			break;
		if (vfc_now_ns() > end)
			_exit(35);
	}
	/* Our own calls fail with -EIO until we reset; then all is well again. */
	rc = t_vf_aes_check(vf, 4096);
	if (rc != -EIO)
		_exit(36);
	if (vfc_vf_reset(vf))
		_exit(37);
	if (t_vf_aes_check(vf, 4096))
		_exit(38);
	vfc_vf_close(vf);
	_exit(0);
}

static void test_hostile_tenant(void **state)
{
	struct vfcd_vf_info in;
	struct t_daemon d;
	uint32_t b_vf, h_vf;
	pid_t b, h;
	int p[2];

	(void)state;
	t_daemon_start(&d, NULL);
	b = spawn_worker(&d, 2000, &b_vf);
	assert_int_equal(pipe(p), 0);
	h = fork();
	assert_true(h >= 0);
	if (h == 0) {
		close(p[0]);
		hostile(&d, p[1]);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &h_vf, sizeof(h_vf)), sizeof(h_vf));
	close(p[0]);
	assert_int_equal(wait_exit(h), 0);
	t_show(&d, h_vf, &in);
	assert_true(in.ctr.resets >= 1);
	assert_true(in.ctr.errors >= 1); /* the garbage descriptors were answered with errors */
	assert_int_equal(wait_exit(b), 0);
	t_show(&d, b_vf, &in);
	assert_int_equal(in.ctr.errors, 0);
	assert_int_equal(in.ctr.resets, 0);
	t_daemon_cleanup(&d);
}

/* Two tenants: neither sees the other's counters, keys or buffers. */
static void test_isolation(void **state)
{
	struct vfc_vf_stats sa, sb;
	struct vfc_vf *a, *b;
	struct t_daemon d;
	uint8_t key[16] = { 9 };
	uint32_t kh;
	uint8_t *pa, *pb;

	(void)state;
	t_daemon_start(&d, NULL);
	a = t_open_vf(&d, -1);
	b = t_open_vf(&d, -1);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_not_equal(vfc_vf_id(a), vfc_vf_id(b));
	assert_int_equal(t_vf_aes_check(a, 1 << 20), 0);
	assert_int_equal(vfc_vf_stats(a, &sa), 0);
	assert_int_equal(vfc_vf_stats(b, &sb), 0);
	assert_true(sa.bytes >= (1 << 20));
	assert_int_equal(sb.bytes, 0);
	assert_int_equal(sb.ops, 0);
	/* A's key handle means nothing on B. */
	assert_int_equal(vfc_key_import(a, VFC_KEY_AES128, key, 16, &kh), 0);
	errno = 0;
	assert_null(vfc_session_create(b, VFC_ALG_AES128_CBC, kh));
	assert_int_not_equal(errno, 0);
	/* Distinct memory: what A writes in its pool is not in B's. */
	pa = vfc_buf_alloc(a, 4096);
	pb = vfc_buf_alloc(b, 4096);
	assert_non_null(pa);
	assert_non_null(pb);
	memset(pb, 0, 4096);
	memset(pa, 0xa5, 4096);
	for (unsigned i = 0; i < 4096; i++)
		assert_int_equal(pb[i], 0);
	vfc_buf_free(a, pa);
	vfc_buf_free(b, pb);
	vfc_vf_close(a);
	vfc_vf_close(b);
	t_daemon_cleanup(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_roundtrip, t_teardown),
		cmocka_unit_test_teardown(test_isolation, t_teardown),
		cmocka_unit_test_teardown(test_tenant_killed, t_teardown),
		cmocka_unit_test_teardown(test_restart, t_teardown),
		cmocka_unit_test_teardown(test_hostile_tenant, t_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
