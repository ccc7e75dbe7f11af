/* SPDX-License-Identifier: MIT */
/* test_daemon_admin.c - vfcd policy (SO_PEERCRED, caps, controller, in flight, SIGHUP), malformed messages, metrics, CLI. */
#include "daemon_test.h"

#include "admin/policy.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/stat.h>

static void test_peercred_policy(void **state)
{
	char pol[64];
	const char *args[] = { "--vfs", "2", "--policy", pol, NULL };
	union {
		uint8_t b[sizeof(struct vfcd_hdr) + VFCD_REPLY_MAX];
		uint64_t a;
	} *rx = malloc(sizeof(*rx));
	struct vfcd_policy_msg pm;
	struct t_daemon d;
	struct vfc_vf *a, *b;
	uint32_t other = getuid() + 4242;
	pid_t pid;
	int st;

	(void)state;
	assert_non_null(rx);
	/* VF 0 belongs to a uid that is not ours. */
	snprintf(pol, sizeof(pol), "0:uid=%u", other);
	t_daemon_start(&d, args);
	errno = 0;
	a = t_open_vf(&d, 0);
	assert_null(a);
	assert_int_equal(errno, EACCES);
	a = t_open_vf(&d, -1); /* any: we get the open one */
	assert_non_null(a);
	assert_int_equal(vfc_vf_id(a), 1);
	errno = 0;
	b = t_open_vf(&d, -1); /* VF 1 taken, VF 0 not ours */
	assert_null(b);
	assert_int_equal(errno, EBUSY);
	vfc_vf_close(a);
	/* Now VF 1 too (set at run time by an admin message): nothing for us. */
	memset(&pm, 0, sizeof(pm));
	pm.vf_id = 1;
	pm.set = VFCD_POL_UID;
	vfcd_policy_init(&pm.pol);
	pm.pol.uid = other;
	assert_true(t_admin(&d, VFCD_MSG_POLICY, &pm, sizeof(pm), rx->b, sizeof(rx->b)) > 0);
	errno = 0;
	a = t_open_vf(&d, -1);
	assert_null(a);
	assert_int_equal(errno, EACCES);
	assert_true(t_log_has(&d, "Permission denied"));

	/* Admin messages: root or the daemon's uid only. */
	if (getuid() == 0) {
		/* The socket must be reachable for the other user. */
		chmod(d.dir, 0755);
		chmod(d.sock, 0666);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			ssize_t n;

			if (setgid(65534) || setuid(65534))
				_exit(2);
			n = t_admin(&d, VFCD_MSG_LIST, NULL, 0, rx->b, sizeof(rx->b));
			if (n != sizeof(struct vfcd_status))
				_exit(n == -EACCES ? 3 : 1);
			memcpy(&st, rx->b + sizeof(struct vfcd_hdr), sizeof(st));
			_exit(st == -EPERM ? 0 : 4);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		assert_true(t_log_has(&d, "admin message refused"));
	}
	free(rx);
	t_daemon_cleanup(&d);
}

static void nop_cb(struct vfc_op *op, int status, uint32_t out_len)
{
	(void)op;
	(void)status;
	(void)out_len;
}

static void test_cap_policy(void **state)
{
	const char *args[] = { "--policy", "0:min_cap_hz=1000,max_cap_hz=20000,controller=paper,max_in_flight=4",
			       NULL };
	struct vfc_op ops[16], *pops[16];
	struct vfcd_vf_info in;
	struct t_daemon d;
	struct vfc_vf *vf;
	uint32_t applied;
	char err[128];

	(void)state;
	t_daemon_start(&d, args);
	vf = t_open_vf(&d, 0);
	assert_non_null(vf);
	/* A cap outside the policy is clamped, and the answer says what was applied. */
	assert_int_equal(vfc_vf_set_cap(vf, 100, &applied), 0);
	assert_int_equal(applied, 1000);
	assert_int_equal(vfc_vf_set_cap(vf, 50000, &applied), 0);
	assert_int_equal(applied, 20000);
	assert_int_equal(vfc_vf_set_cap(vf, 0, &applied), 0);
	assert_int_equal(applied, 20000);
	assert_int_equal(vfc_vf_set_cap(vf, 5000, &applied), 0);
	assert_int_equal(applied, 5000);
	t_show(&d, 0, &in);
	assert_int_equal(in.ctr.cap_hz, 5000);
	/* The controller: only paper is allowed here. */
	assert_int_equal(vfc_vf_set_controller(vf, "adaptive", 0, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "policy"));
	assert_int_equal(vfc_vf_set_controller(vf, "paper", 0, err, sizeof(err)), 0);
	t_show(&d, 0, &in);
	assert_string_equal(in.controller, "paper");
	assert_true(in.ctr.cap_hz >= 1000 && in.ctr.cap_hz <= 20000);
	/* At most 4 requests in flight. */
	for (unsigned i = 0; i < 16; i++) {
		ops[i] = (struct vfc_op){ .opcode = VFC_OP_NOP, .cb = nop_cb };
		pops[i] = &ops[i];
	}
	assert_int_equal(vfc_submit_burst(vf, pops, 16), 4);
	assert_int_equal(vfc_wait(vf, 4, 5000000000ll), 4);
	assert_int_equal(t_vf_aes_check(vf, 65536), 0);
	vfc_vf_close(vf);
	t_daemon_cleanup(&d);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config_sighup(void **state)
{
	char ini[160];
	const char *args[] = { "--config", ini, NULL };
	struct vfcd_vf_info in;
	struct t_daemon d;
	uint64_t end;

	(void)state;
	memset(&d, 0, sizeof(d));
	snprintf(d.dir, sizeof(d.dir), "/tmp/vfcd-test-XXXXXX");
	assert_non_null(mkdtemp(d.dir));
	snprintf(d.sock, sizeof(d.sock), "%s/vfcd.sock", d.dir);
	snprintf(d.dev, sizeof(d.dev), "unix:%s", d.sock);
	snprintf(d.log, sizeof(d.log), "%s/vfcd.log", d.dir);
	snprintf(ini, sizeof(ini), "%s/vfcd.ini", d.dir);
	write_file(ini, "[device]\nvfs = 3\n\n[policy]\nmax_sessions = 8\n\n[vf.2]\nmax_cap_hz = 5000\n");
	t_daemon_start_in(&d, args);
	t_show(&d, 2, &in);
	assert_int_equal(in.pol.pf.max_cap_hz, 5000);
	assert_int_equal(in.pol.pf.max_sessions, 8);
	t_show(&d, 0, &in);
	assert_int_equal(in.pol.pf.max_cap_hz, 0);
	/* SIGHUP rereads the policy. */
	write_file(ini, "[device]\nvfs = 3\n\n[vf.2]\nmax_cap_hz = 7000\nuid = any\n");
	kill(d.pid, SIGHUP);
	for (end = vfc_now_ns() + 3000000000ull;; t_sleep_ms(10)) {
		t_show(&d, 2, &in);
		if (in.pol.pf.max_cap_hz == 7000)
			break;
		assert_true(vfc_now_ns() < end);
	}
	assert_int_equal(in.pol.pf.max_sessions, 0);
	/* A broken file is refused and the policy kept. */
	write_file(ini, "[vf.2]\nmax_cap_hz = lots\n");
	kill(d.pid, SIGHUP);
	for (end = vfc_now_ns() + 3000000000ull; !t_log_has(&d, "policy not reloaded"); t_sleep_ms(10))
		assert_true(vfc_now_ns() < end);
	t_show(&d, 2, &in);
	assert_int_equal(in.pol.pf.max_cap_hz, 7000);
	t_daemon_cleanup(&d);
}

/* Send raw bytes, read one answer: its type and status. Returns 0, or -1 if the peer hung up. */
static int raw_exchange(int fd, const void *buf, size_t len, uint16_t *type, int32_t *status)
{
	union {
		uint8_t b[sizeof(struct vfcd_hdr) + VFCD_REPLY_MAX];
		uint64_t a;
	} rx;
	struct vfcd_hdr h;
	struct vfcd_status st;
	ssize_t n;

	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	n = vfc__wire_recv(fd, rx.b, sizeof(rx.b), NULL, NULL);
	if (n < (ssize_t)(sizeof(h) + sizeof(st)))
		return -1;
	memcpy(&h, rx.b, sizeof(h));
	memcpy(&st, rx.b + sizeof(h), sizeof(st));
	*type = h.type;
	*status = st.status;
	return 0;
}

static void test_malformed(void **state)
{
	struct t_daemon d;
	struct vfcd_hdr h = { .magic = VFCD_WIRE_MAGIC, .version = VFCD_WIRE_VERSION, .type = VFCD_MSG_LIST,
			      .len = sizeof(h), .seq = 1 };
	struct {
		struct vfcd_hdr h;
		struct vfc_mbox_req r;
	} ctl;
	uint8_t *big;
	uint16_t type;
	int32_t status;
	struct vfc_vf *vf;
	char c;
	int fd;

	(void)state;
	t_daemon_start(&d, NULL);
	fd = vfc__wire_connect(d.sock);
	assert_true(fd >= 0);
	/* Truncated: three bytes. */
	assert_int_equal(raw_exchange(fd, "abc", 3, &type, &status), 0);
	assert_int_equal(type, VFCD_MSG_ERROR);
	assert_int_equal(status, -EINVAL);
	/* A well-formed admin message still works on that connection. */
	assert_int_equal(raw_exchange(fd, &h, sizeof(h), &type, &status), 0);
	assert_int_equal(type, VFCD_MSG_REPLY_BIT | VFCD_MSG_LIST);
	assert_int_equal(status, 0);
	/* Bad version. */
	h.version = 99;
	assert_int_equal(raw_exchange(fd, &h, sizeof(h), &type, &status), 0);
	assert_int_equal(type, VFCD_MSG_ERROR);
	assert_int_equal(status, -EPROTO);
	/* Third strike (unknown type): answered, then the connection is closed. */
	h.version = VFCD_WIRE_VERSION;
	h.type = 999;
	assert_int_equal(raw_exchange(fd, &h, sizeof(h), &type, &status), 0);
	assert_int_equal(type, VFCD_MSG_ERROR);
	assert_int_equal(status, -EOPNOTSUPP);
	assert_int_equal(recv(fd, &c, 1, 0), 0);
	close(fd);

	/* Mailbox message before HELLO; a mailbox message with a lying data_len; too large. */
	fd = vfc__wire_connect(d.sock);
	assert_true(fd >= 0);
	memset(&ctl, 0, sizeof(ctl));
	ctl.h = (struct vfcd_hdr){ .magic = VFCD_WIRE_MAGIC, .version = VFCD_WIRE_VERSION, .type = VFCD_MSG_MBOX,
				   .len = sizeof(ctl), .seq = 2 };
	ctl.r.version = VFC_ABI_VERSION;
	ctl.r.type = VFC_MBOX_GET_COUNTERS;
	assert_int_equal(raw_exchange(fd, &ctl, sizeof(ctl), &type, &status), 0);
	assert_int_equal(status, -ENOTCONN);
	ctl.r.data_len = 100;
	ctl.r.type = VFC_MBOX_KEY_IMPORT;
	assert_int_equal(raw_exchange(fd, &ctl, sizeof(ctl), &type, &status), 0);
	assert_int_equal(status, -EINVAL);
	big = calloc(1, VFCD_MSG_MAX + 64);
	assert_non_null(big);
	assert_int_equal(raw_exchange(fd, big, VFCD_MSG_MAX + 64, &type, &status), 0);
	assert_int_equal(status, -EMSGSIZE);
	free(big);
	assert_int_equal(recv(fd, &c, 1, 0), 0);
	close(fd);
	assert_true(t_log_has(&d, "malformed message"));
	assert_true(t_log_has(&d, "closing the connection"));

	/* The daemon is fine: a tenant works. */
	vf = t_open_vf(&d, -1);
	assert_non_null(vf);
	assert_int_equal(t_vf_aes_check(vf, 65536), 0);
	vfc_vf_close(vf);
	t_daemon_cleanup(&d);
}

/* GET path from 127.0.0.1:port; returns the whole answer (malloc'ed). */
static char *http_get(unsigned port, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	size_t cap = 1 << 20, len = 0;
	char req[256], *buf = malloc(cap);
	ssize_t n;
	int fd;

	assert_non_null(buf);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

static void test_metrics(void **state)
{
	union {
		uint8_t b[sizeof(struct vfcd_hdr) + sizeof(struct vfcd_info)];
		uint64_t a;
	} rx;
	struct vfcd_info info;
	struct t_daemon d;
	struct vfc_vf *vf;
	char *text, line[128];
	unsigned long long bytes = 0;
	const char *p;

	(void)state;
	t_daemon_start(&d, NULL);
	vf = t_open_vf(&d, -1);
	assert_non_null(vf);
	assert_int_equal(t_vf_aes_check(vf, 1 << 20), 0);
	assert_int_equal(vfc_vf_set_controller(vf, "static:7000", 0, NULL, 0), 0);
	assert_int_equal(t_admin(&d, VFCD_MSG_INFO, NULL, 0, rx.b, sizeof(rx.b)), sizeof(info));
	memcpy(&info, rx.b + sizeof(struct vfcd_hdr), sizeof(info));
	assert_int_equal(info.pid, d.pid);
	assert_int_equal(info.n_vfs, 4);
	assert_true(info.metrics_port > 0);

	text = http_get(info.metrics_port, "/metrics");
	assert_non_null(strstr(text, "200 OK"));
	assert_non_null(strstr(text, "text/plain; version=0.0.4"));
	assert_non_null(strstr(text, "# TYPE vfcd_vf_bytes_total counter"));
	snprintf(line, sizeof(line), "vfcd_vf_bytes_total{vf=\"%u\"} ", vfc_vf_id(vf));
	p = strstr(text, line);
	assert_non_null(p);
	assert_int_equal(sscanf(p + strlen(line), "%llu", &bytes), 1);
	assert_true(bytes >= (1 << 20));
	snprintf(line, sizeof(line), "vfcd_vf_cap_hz{vf=\"%u\"} 7000\n", vfc_vf_id(vf));
	assert_non_null(strstr(text, line));
	snprintf(line, sizeof(line), "vfcd_vf_state{vf=\"%u\",state=\"attached\"} 1\n", vfc_vf_id(vf));
	assert_non_null(strstr(text, line));
	assert_non_null(strstr(text, "controller=\"static:7000\""));
	assert_non_null(strstr(text, "vfcd_vf_interrupts_total{vf=\"0\"}"));
	assert_non_null(strstr(text, "vfcd_vf_ops_total{vf=\"0\"}"));
	assert_non_null(strstr(text, "vfcd_vf_errors_total{vf=\"0\"} 0\n"));
	assert_non_null(strstr(text, "vfcd_engine_busy_seconds_total{engine=\"0\"}"));
	free(text);
	text = http_get(info.metrics_port, "/nope");
	assert_non_null(strstr(text, "404"));
	free(text);
	vfc_vf_close(vf);
	t_daemon_cleanup(&d);
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	if (fread(buf, 1, (1 << 16) - 1, f)) {
	}
	fclose(f);
	return buf;
}

static void test_cli(void **state)
{
	struct t_daemon d;
	char in[160], a[160], b[160], out[160], *t;
	json_t *j;
	json_error_t je;

	(void)state;
	t_daemon_start(&d, NULL);
	snprintf(in, sizeof(in), "%s/in", d.dir);
	snprintf(a, sizeof(a), "%s/a", d.dir);
	snprintf(b, sizeof(b), "%s/b", d.dir);
	snprintf(out, sizeof(out), "%s/out", d.dir);
	assert_int_equal(run("head -c 300007 /dev/urandom > %s", in), 0);
	/* vfc enc / dgst through the daemon match openssl. */
	assert_int_equal(run(VFC_BIN " enc -e --device %s -K 2b7e151628aed2a6abf7158809cf4f3c "
			     "-iv 000102030405060708090a0b0c0d0e0f -in %s -out %s", d.dev, in, a), 0);
	assert_int_equal(run(OPENSSL_BIN " enc -aes-128-cbc -K 2b7e151628aed2a6abf7158809cf4f3c "
			     "-iv 000102030405060708090a0b0c0d0e0f -in %s -out %s", in, b), 0);
	assert_int_equal(run("cmp -s %s %s", a, b), 0);
	assert_int_equal(run(VFC_BIN " dgst --device %s %s | cut -d' ' -f1 > %s", d.dev, in, a), 0);
	assert_int_equal(run(OPENSSL_BIN " dgst -sha256 -r %s | cut -d' ' -f1 > %s", in, b), 0);
	assert_int_equal(run("cmp -s %s %s", a, b), 0);
	/* vfc ctl list / --json / policy / show / reset. */
	assert_int_equal(run(VFC_BIN " ctl --device %s list > %s", d.dev, out), 0);
	t = slurp(out);
	assert_non_null(strstr(t, "CONTROLLER"));
	assert_non_null(strstr(t, "free"));
	free(t);
	assert_int_equal(run(VFC_BIN " ctl --device %s --json list > %s", d.dev, out), 0);
	j = json_load_file(out, 0, &je);
	assert_non_null(j);
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "state")), "free");
	json_decref(j);
	assert_int_equal(run(VFC_BIN " ctl --device %s policy 1 max_cap_hz=9000 controller=dim,adaptive > %s",
			     d.dev, out), 0);
	t = slurp(out);
	assert_non_null(strstr(t, "cap 0..9000 Hz"));
	assert_non_null(strstr(t, "controller dim,adaptive"));
	free(t);
	assert_int_equal(run(VFC_BIN " ctl --device %s --json show 1 > %s", d.dev, out), 0);
	j = json_load_file(out, 0, &je);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "policy"), "max_cap_hz")), 9000);
	json_decref(j);
	assert_int_equal(run(VFC_BIN " ctl --device %s reset 1 > %s", d.dev, out), 0);
	assert_int_equal(run(VFC_BIN " ctl --device %s policy 1 bogus=1 2>%s", d.dev, out), 2);
	t = slurp(out);
	assert_non_null(strstr(t, "unknown policy key 'bogus'"));
	free(t);
	assert_int_equal(run(VFC_BIN " ctl --device %s policy 1 min_cap_hz=10000 2>%s", d.dev, out), 1);
	assert_int_equal(run(VFC_BIN " ctl --device unix:%s/none list 2>%s", d.dir, out), 1);
	t = slurp(out);
	assert_non_null(strstr(t, "is vfcd running?"));
	free(t);
	t_daemon_cleanup(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_peercred_policy, t_teardown), cmocka_unit_test_teardown(test_cap_policy, t_teardown),
		cmocka_unit_test_teardown(test_config_sighup, t_teardown),   cmocka_unit_test_teardown(test_malformed, t_teardown),
		cmocka_unit_test_teardown(test_metrics, t_teardown),         cmocka_unit_test_teardown(test_cli, t_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
