/* SPDX-License-Identifier: MIT */
/* test_daemon_death.c - vfcd killed with ops in flight: every accepted op completes exactly once, with an error. */
#include "daemon_test.h"

#include <pthread.h>
#include <stdatomic.h>

#include "driver/vf_internal.h"
#include "os/cpu.h"

#define OP_BYTES (60u << 10)   /* 60 pieces of 1 KiB with partitioning on */
#define PART_B0 1024u
#define N_OPS 64u              /* 64 x 60 pieces fit the ring below */
#define RING "4096"
#define DRAIN_NS 10000000000ull

/* The daemon with a ring deep enough for every op's pieces at once. */
static const char *const deep_ring[] = { "--ring-entries", RING, NULL };

/* One tenant of the daemon: a VF with an AES session. */
struct tenant {
	struct vfc_vf *vf;
	struct vfc_session *s;
	uint32_t kh;
};

/* What the callbacks of one op did. */
struct op_rec {
	struct vfc_op op;
	unsigned calls;
	int status;
	void *buf;
};

static int is_gone_err(int rc)
{
	return rc == -ESHUTDOWN || rc == -ENOTCONN;
}

/* SIGSTOP the daemon and wait until all its threads stopped: nothing it has
 * not answered yet will be answered. */
static void daemon_pause(const struct t_daemon *d)
{
	int st = 0;

	assert_int_equal(kill(d->pid, SIGSTOP), 0);
	assert_int_equal(waitpid(d->pid, &st, WUNTRACED), d->pid);
	assert_true(WIFSTOPPED(st));
}

static void tenant_open(const struct t_daemon *d, uint32_t part, struct tenant *t)
{
	uint8_t key[16] = { 7 };

	t->vf = t_open_vf(d, -1);
	assert_non_null(t->vf);
	assert_int_equal(vfc_key_import(t->vf, VFC_KEY_AES128, key, sizeof(key), &t->kh), 0);
	t->s = vfc_session_create(t->vf, VFC_ALG_AES128_CBC, t->kh);
	assert_non_null(t->s);
	assert_int_equal(vfc_vf_set_partition(t->vf, part), 0);
}

/* After the daemon died the control calls fail; they still free locally. */
static void tenant_close(struct tenant *t)
{
	vfc_session_free(t->s);
	vfc_key_free(t->vf, t->kh);
	vfc_vf_close(t->vf);
}

static void count_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	struct op_rec *r = op->user;

	(void)out_len;
	r->calls++;
	r->status = status;
}

/* N_OPS in-place encryptions of OP_BYTES, each with its own pool buffer. */
static void ops_init(struct vfc_vf *vf, struct vfc_session *s, struct op_rec *recs)
{
	for (unsigned i = 0; i < N_OPS; i++) {
		struct op_rec *r = &recs[i];

		memset(r, 0, sizeof(*r));
		r->buf = vfc_buf_alloc(vf, OP_BYTES);
		assert_non_null(r->buf);
		memset(r->buf, (int)i, OP_BYTES);
		r->op.sess = s;
		r->op.opcode = VFC_OP_CIPHER_ENC;
		r->op.src = r->buf;
		r->op.src_len = OP_BYTES;
		r->op.dst = r->buf;
		r->op.dst_len = OP_BYTES;
		r->op.cb = count_cb;
		r->op.user = r;
	}
}

static void ops_submit(struct vfc_vf *vf, struct op_rec *recs)
{
	struct vfc_op *pops[N_OPS];

	for (unsigned i = 0; i < N_OPS; i++)
		pops[i] = &recs[i].op;
	assert_int_equal(vfc_submit_burst(vf, pops, N_OPS), N_OPS);
}

/* Drive vfc_wait and vfc_poll until nothing is in flight (bounded: a hang
 * fails). Returns the callbacks they said they ran. */
static unsigned drain(struct vfc_vf *vf)
{
	uint64_t end = vfc_now_ns() + DRAIN_NS;
	unsigned said = 0;
	int rc;

	while (vf->in_flight && vfc_now_ns() < end) {
		rc = vfc_wait(vf, N_OPS, 100000000);
		if (rc > 0)
			said += (unsigned)rc;
		else if (rc != -ETIMEDOUT)
			assert_true(is_gone_err(rc));
	}
	assert_int_equal(vf->in_flight, 0);
	/* Nothing more comes: more polls and waits deliver no second callback. */
	for (unsigned k = 0; k < 3; k++) {
		rc = vfc_poll(vf, 0);
		assert_true(rc == 0 || is_gone_err(rc));
		rc = vfc_wait(vf, 1, 1000000);
		assert_true(rc == 0 || is_gone_err(rc));
	}
	return said;
}

/* Every op exactly one callback; its status a gone error or success.
 * Returns how many failed. */
static unsigned check_once(const struct op_rec *recs, unsigned said)
{
	unsigned failed = 0, calls = 0;

	for (unsigned i = 0; i < N_OPS; i++) {
		if (recs[i].calls != 1)
			fail_msg("op %u: %u callbacks (want exactly 1)", i, recs[i].calls);
		calls += recs[i].calls;
		if (recs[i].status) {
			if (!is_gone_err(recs[i].status))
				fail_msg("op %u: status %d (%s)", i, recs[i].status, vfc_strerror(recs[i].status));
			failed++;
		}
	}
	assert_int_equal(said, calls);
	return failed;
}

/* The daemon stopped (SIGSTOP) before the submit, then killed: every op is in flight at the kill. */
static void run_stopped(uint32_t part)
{
	struct op_rec recs[N_OPS];
	struct t_daemon d;
	struct tenant t;

	t_daemon_start(&d, deep_ring);
	tenant_open(&d, part, &t);
	ops_init(t.vf, t.s, recs);
	daemon_pause(&d);
	ops_submit(t.vf, recs);
	assert_int_equal(t.vf->in_flight, part ? N_OPS * (OP_BYTES / PART_B0) : N_OPS);
	t_daemon_stop(&d, SIGKILL);
	assert_int_equal(check_once(recs, drain(t.vf)), N_OPS);
	assert_int_equal(vfc_submit_burst(t.vf, (struct vfc_op *const[]){ &recs[0].op }, 1) < 0, 1);
	for (unsigned i = 0; i < N_OPS; i++)
		vfc_buf_free(t.vf, recs[i].buf);
	tenant_close(&t);
	t_daemon_cleanup(&d);
}

static void test_stopped_partitioned(void **state)
{
	(void)state;
	run_stopped(PART_B0);
}

static void test_stopped_whole(void **state)
{
	(void)state;
	run_stopped(0);
}

/* The daemon running: stopped as soon as the first op came back, then
 * killed, with the others in flight, some with pieces already answered. */
static void test_running_partitioned(void **state)
{
	struct op_rec recs[N_OPS];
	struct t_daemon d;
	struct tenant t;
	uint64_t end;
	unsigned said = 0;

	(void)state;
	t_daemon_start(&d, deep_ring);
	tenant_open(&d, PART_B0, &t);
	ops_init(t.vf, t.s, recs);
	ops_submit(t.vf, recs);
	for (end = vfc_now_ns() + 5000000000ull; !said; vfc_cpu_relax()) {
		said = (unsigned)vfc_poll(t.vf, 0);
		assert_true(vfc_now_ns() < end);
	}
	daemon_pause(&d);
	t_daemon_stop(&d, SIGKILL);
	said += drain(t.vf);
	print_message("%u of %u ops failed by the kill\n", check_once(recs, said), N_OPS);
	for (unsigned i = 0; i < N_OPS; i++)
		vfc_buf_free(t.vf, recs[i].buf);
	tenant_close(&t);
	t_daemon_cleanup(&d);
}

/* A sync helper in its own thread, blocked on a partitioned request. */
struct sync_job {
	struct tenant *t;
	uint8_t *buf;
	size_t len;
	int rc;
	atomic_int finished;
};

static void *sync_thread(void *arg)
{
	struct sync_job *j = arg;
	uint8_t iv[16] = { 0 };

	j->rc = vfc_cipher(j->t->s, 1, iv, j->buf, j->len, j->buf, NULL);
	atomic_store(&j->finished, 1);
	return NULL;
}

static void test_sync_partitioned(void **state)
{
	struct sync_job j = { .len = 4u << 20 };
	struct t_daemon d;
	struct tenant t;
	pthread_t th;
	uint64_t end;

	(void)state;
	t_daemon_start(&d, deep_ring);
	tenant_open(&d, PART_B0, &t);
	j.t = &t;
	j.buf = calloc(1, j.len);
	assert_non_null(j.buf);
	daemon_pause(&d);
	assert_int_equal(pthread_create(&th, NULL, sync_thread, &j), 0);
	/* The thread's request is in flight (the stats counter is for any thread). */
	for (end = vfc_now_ns() + 5000000000ull; !atomic_load(&t.vf->in_flight_pub); t_sleep_ms(1))
		assert_true(vfc_now_ns() < end);
	t_daemon_stop(&d, SIGKILL);
	for (end = vfc_now_ns() + DRAIN_NS; !atomic_load(&j.finished); t_sleep_ms(5))
		if (vfc_now_ns() > end)
			fail_msg("vfc_cipher still blocked %llu s after the daemon died", DRAIN_NS / 1000000000ull);
	assert_int_equal(pthread_join(th, NULL), 0);
	if (!is_gone_err(j.rc))
		fail_msg("vfc_cipher returned %d (%s), want the daemon gone", j.rc, vfc_strerror(j.rc));
	free(j.buf);
	tenant_close(&t);
	t_daemon_cleanup(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_stopped_partitioned, t_teardown),
		cmocka_unit_test_teardown(test_stopped_whole, t_teardown),
		cmocka_unit_test_teardown(test_running_partitioned, t_teardown),
		cmocka_unit_test_teardown(test_sync_partitioned, t_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
