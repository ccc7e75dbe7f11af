/* SPDX-License-Identifier: MIT */
/* test_driver_event.c - the completion event fd: readable on a completion or a raise, consumed by ack, polled from another thread. */
#include "driver_test.h"

#include <poll.h>
#include <pthread.h>
#include <unistd.h>

/* Whether fd is readable within ms milliseconds. */
static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, ms);

	assert_true(n >= 0);
	return n > 0 && (p.revents & POLLIN);
}

static void count_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	(void)out_len;
	assert_int_equal(status, 0);
	(*(unsigned *)op->user)++;
}

/* Nothing in flight: not readable; an op completes: readable; ack consumes it and the op is there
 * to poll; raise makes it readable with nothing in flight. */
static void test_event_completion_and_ack(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	int fd = vfc_vf_event_fd(vf);
	unsigned done = 0, round;
	struct vfc_op op;
	struct vfc_op *ops[1] = { &op };

	(void)state;
	assert_true(fd >= 0);
	vfc_vf_event_ack(vf);
	assert_false(readable(fd, 50));
	assert_int_equal(vfc_vf_event_ack(vf), 0);
	for (round = 0; round < 20; round++) {
		memset(&op, 0, sizeof(op));
		op.opcode = VFC_OP_NOP;
		op.cb = count_cb;
		op.user = &done;
		assert_int_equal(vfc_submit_burst(vf, ops, 1), 1);
		assert_true(readable(fd, 5000));
		assert_int_equal(vfc_vf_event_ack(vf), 1);
		assert_int_equal(vfc_poll(vf, 0), 1);
		assert_int_equal(done, round + 1);
		/* Consumed, and nothing else in flight: not readable again. */
		assert_false(readable(fd, 0));
	}
	assert_int_equal(vfc_vf_event_raise(vf), 0);
	assert_true(readable(fd, 0));
	assert_int_equal(vfc_vf_event_ack(vf), 1);
	assert_false(readable(fd, 0));
	vfc_vf_close(vf);
}

struct waiter_arg {
	int fd;
	int woke;
};

static void *fd_waiter(void *arg)
{
	struct waiter_arg *w = arg;

	w->woke = readable(w->fd, 10000);
	return NULL;
}

/* A thread waiting on the fd (as an event loop does) wakes on a completion driven by another. */
static void test_event_other_thread(void **state)
{
	struct vfc_vf *vf = t_open(VFC_IRQ_INTERRUPT);
	struct waiter_arg w = { .fd = vfc_vf_event_fd(vf) };
	unsigned done = 0;
	struct vfc_op op = { .opcode = VFC_OP_NOP, .cb = count_cb, .user = &done };
	struct vfc_op *ops[1] = { &op };
	pthread_t th;

	(void)state;
	vfc_vf_event_ack(vf);
	assert_int_equal(pthread_create(&th, NULL, fd_waiter, &w), 0);
	assert_int_equal(vfc_submit_burst(vf, ops, 1), 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(w.woke);
	assert_int_equal(vfc_vf_event_ack(vf), 1);
	assert_int_equal(vfc_poll(vf, 0), 1);
	vfc_vf_close(vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_completion_and_ack),
		cmocka_unit_test(test_event_other_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
