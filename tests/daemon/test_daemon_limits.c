/* SPDX-License-Identifier: MIT */
/* test_daemon_limits.c - vfcd under fd exhaustion (RLIMIT_NOFILE) and the per-uid connection limit: refusals, admin served, no spin. */
#include "daemon_test.h"

#define HELD 100   /* idle connections held: more than the daemon's fds */
#define NOFILE 64  /* the daemon's RLIMIT_NOFILE */

/* CPU time (user + system, ns) of the daemon's main thread. */
static uint64_t main_thread_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces; fields 3.. follow it */
	assert_non_null(p);
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st), 2);
	return (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

static void write_config(const struct t_daemon *d, char *path, size_t cap, unsigned max_conns)
{
	FILE *f;

	snprintf(path, cap, "%s/vfcd.ini", d->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[policy]\nmax_conns_per_uid = %u\n", max_conns);
	fclose(f);
}

static void assert_info_answers(const struct t_daemon *d)
{
	union {
		uint8_t b[sizeof(struct vfcd_hdr) + sizeof(struct vfcd_info)];
		uint64_t a;
	} rx;
	struct vfcd_info in;
	ssize_t n = t_admin(d, VFCD_MSG_INFO, NULL, 0, rx.b, sizeof(rx.b));

	assert_int_equal(n, sizeof(in));
	memcpy(&in, rx.b + sizeof(struct vfcd_hdr), sizeof(in));
	assert_int_equal(in.status, 0);
	assert_int_equal(in.pid, (uint32_t)d->pid);
}

/* An attach that may need the daemon to notice a hangup first. */
static struct vfc_vf *open_within(const struct t_daemon *d, unsigned ms)
{
	uint64_t end = vfc_now_ns() + (uint64_t)ms * 1000000ull;
	struct vfc_vf *vf;

	while (!(vf = t_open_vf(d, -1)) && vfc_now_ns() < end)
		t_sleep_ms(10);
	return vf;
}

static void test_fd_exhaustion(void **state)
{
	/* The default per-uid limit (128) is above NOFILE: the fds run out first. */
	const char *args[] = { "--vfs", "2", NULL };
	struct t_daemon d;
	struct vfc_vf *a, *b;
	uint64_t cpu0, cpu1;
	int held[HELD];

	(void)state;
	t_daemon_init(&d);
	d.nofile = NOFILE;
	t_daemon_start_in(&d, args);
	a = t_open_vf(&d, -1);
	assert_non_null(a);
	for (int i = 0; i < HELD; i++) {
		held[i] = vfc__wire_connect(d.sock);
		assert_true(held[i] >= 0);
	}
	/* Let the daemon take (or refuse) every held connection, then idle. */
	t_sleep_ms(2500);
	cpu0 = main_thread_cpu_ns(d.pid);
	t_sleep_ms(1000);
	cpu1 = main_thread_cpu_ns(d.pid);
	print_message("main thread CPU over 1 s idle with %d connections held: %.3f s\n", HELD,
		      (double)(cpu1 - cpu0) / 1e9);
	assert_true(cpu1 - cpu0 < 100000000ull); /* a spinning loop takes 0.25..1 s, by the load */
	/* A new tenant is told why; an admin is served; the attached tenant works. */
	errno = 0;
	b = t_open_vf(&d, -1);
	assert_null(b);
	assert_int_equal(errno, EMFILE);
	assert_info_answers(&d);
	assert_int_equal(t_vf_aes_check(a, 4096), 0);
	assert_true(t_log_has(&d, "out of file descriptors"));
	/* Fds free again: tenants are served again. */
	for (int i = 0; i < HELD; i++)
		close(held[i]);
	b = open_within(&d, 2000);
	assert_non_null(b);
	assert_int_equal(t_vf_aes_check(b, 4096), 0);
	vfc_vf_close(b);
	vfc_vf_close(a);
	t_daemon_cleanup(&d);
}

static void test_conns_per_uid(void **state)
{
	char cfg[128];
	const char *args[] = { "--vfs", "3", "--config", cfg, NULL };
	struct t_daemon d;
	struct vfc_vf *a, *b, *c;
	int held[2];

	(void)state;
	t_daemon_init(&d);
	write_config(&d, cfg, sizeof(cfg), 3);
	t_daemon_start_in(&d, args);
	a = t_open_vf(&d, -1);
	assert_non_null(a);
	for (int i = 0; i < 2; i++) {
		held[i] = vfc__wire_connect(d.sock);
		assert_true(held[i] >= 0);
	}
	assert_info_answers(&d); /* the 4th connection: over the limit, an admin call is still served */
	errno = 0;
	b = t_open_vf(&d, -1);
	assert_null(b);
	assert_int_equal(errno, EUSERS);
	assert_true(t_log_has(&d, "max_conns_per_uid 3"));
	/* A silent connection over the limit is told and closed. */
	{
		int fd = vfc__wire_connect(d.sock);
		union {
			uint8_t b[sizeof(struct vfcd_hdr) + sizeof(struct vfcd_status)];
			uint64_t a;
		} rx;
		struct vfcd_hdr h;
		struct vfcd_status st;

		assert_true(fd >= 0);
		assert_int_equal(recv(fd, rx.b, sizeof(rx.b), 0), sizeof(rx.b));
		memcpy(&h, rx.b, sizeof(h));
		memcpy(&st, rx.b + sizeof(h), sizeof(st));
		assert_int_equal(h.type, VFCD_MSG_ERROR);
		assert_int_equal(h.seq, 0);
		assert_int_equal(st.status, -EUSERS);
		assert_int_equal(recv(fd, rx.b, sizeof(rx.b), 0), 0);
		close(fd);
	}
	close(held[0]);
	b = open_within(&d, 2000);
	assert_non_null(b);
	assert_int_equal(t_vf_aes_check(b, 4096), 0);
	/* a, b and held[1]: at the limit again. SIGHUP rereads it. */
	errno = 0;
	assert_null(t_open_vf(&d, -1));
	assert_int_equal(errno, EUSERS);
	write_config(&d, cfg, sizeof(cfg), 4);
	kill(d.pid, SIGHUP);
	c = open_within(&d, 2000);
	assert_non_null(c);
	vfc_vf_close(c);
	vfc_vf_close(b);
	vfc_vf_close(a);
	close(held[1]);
	t_daemon_cleanup(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fd_exhaustion, t_teardown),
		cmocka_unit_test_teardown(test_conns_per_uid, t_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
