/* SPDX-License-Identifier: MIT */
/* vfcd.c - the vfcd daemon's command line: flags and INI config, daemonizing, signals. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/policy.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/wipe.h"

#ifndef VFC_VERSION
#define VFC_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vfcd [OPTIONS]\n\n"
		"The vfcrypt PF as a daemon: owns the device (VFs, engines, keys) and serves one VF to each\n"
		"tenant process that connects to its UNIX socket (vfc_vf_open(\"unix:PATH\"), vfc --device unix:PATH).\n\n"
		"Options (flags override the config file):\n"
		"  --config FILE        INI file: [device], [daemon], [policy], [vf.N] (see dist/vfcd.ini)\n"
		"  --socket PATH        listen here (default /run/vfcd/vfcd.sock as root, else\n"
		"                       $XDG_RUNTIME_DIR/vfcd.sock); mode 0660\n"
		"  --socket-mode MODE   octal mode of the socket (default 0660)\n"
		"  --vfs N              virtual functions, 1..64 (default 4)\n"
		"  --engines N          engine threads, 1..16 (default 1)\n"
		"  --engine-spin US     an idle engine polls the rings this long before it sleeps,\n"
		"                       0..10000 (default 100)\n"
		"  --engine-kind KIND   openssl (default, the reference), mb (intel-ipsec-mb lanes)\n"
		"                       or auto (mb where built in and the CPU can, else openssl)\n"
		"  --mb-budget US       mb: longest wait of a job for its lanes to fill, 1..10000\n"
		"                       (default 50)\n"
		"  --ring-entries N     ring size per VF, a power of two (default 256)\n"
		"  --pool-size BYTES    buffer pool per VF, K/M/G suffix (default 16M)\n"
		"  --policy VF:KEY=VALUE[,KEY=VALUE...]\n"
		"                       per-VF policy ('all' for every VF); keys: min_cap_hz, max_cap_hz,\n"
		"                       max_sessions, max_keys, max_in_flight, max_invalid_hz (default\n"
		"                       %u/s), max_nowork_hz (NOPs and errors, default %u/s), uid, gid,\n"
		"                       controller; and with 'all' only, max_conns_per_uid (daemon-wide,\n"
		"                       default %u)\n"
		"  --metrics ADDR:PORT  Prometheus endpoint (default %s; port 0: any free one), or 'off'\n"
		"  --drain-timeout MS   on SIGTERM, wait this long for requests in flight (default %u)\n"
		"  --foreground, -f     do not detach (systemd: Type=simple)\n"
		"  --log stderr|syslog  where messages go (default: stderr in the foreground, else syslog)\n"
		"  --verbose, -v        debug messages too\n"
		"  --help, --version\n\n"
		"Signals: SIGTERM/SIGINT drain requests in flight and exit; SIGHUP rereads the policy from --config.\n",
		VFCD_INVALID_HZ_DEFAULT, VFCD_NOWORK_HZ_DEFAULT, VFCD_CONNS_PER_UID_DEFAULT, VFCD_METRICS_DEFAULT, VFCD_DRAIN_MS_DEFAULT);
}

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* "VF:k=v,k=v" or "all:k=v" into the config. */
static int apply_policy_flag(struct vfcd_config *c, const char *arg)
{
	struct vfcd_policy p;
	uint32_t set = 0;
	unsigned long vf = 0;
	char *dup, *colon, *tok, *save = NULL, err[160];
	int all, rc = 0;

	dup = strdup(arg);
	if (!dup)
		return -1;
	colon = strchr(dup, ':');
	if (!colon) {
		fprintf(stderr, "vfcd: --policy %s: expected VF:KEY=VALUE[,...]\n", arg);
		free(dup);
		return -1;
	}
	*colon = '\0';
	all = !strcmp(dup, "all");
	if (!all && parse_ul(dup, VFC_MAX_VFS - 1, &vf)) {
		fprintf(stderr, "vfcd: --policy %s: VF must be 0..%d or 'all'\n", arg, VFC_MAX_VFS - 1);
		free(dup);
		return -1;
	}
	vfcd_policy_init(&p);
	for (tok = strtok_r(colon + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			fprintf(stderr, "vfcd: --policy %s: '%s' is not KEY=VALUE\n", arg, tok);
			rc = -1;
			break;
		}
		*eq = '\0';
		/* Daemon-wide keys ([policy] only in the INI): with 'all' alone. */
		rc = vfcd_conn_policy_kv(&c->conn, tok, eq + 1, err, sizeof(err));
		if (rc != -ENOENT) {
			if (!rc && !all)
				snprintf(err, sizeof(err), "%s is daemon-wide: use all:%s=...", tok, tok);
			if (rc || !all) {
				fprintf(stderr, "vfcd: --policy %s: %s\n", arg, err);
				rc = -1;
				break;
			}
			continue;
		}
		rc = 0;
		if (vfcd_policy_kv(&p, &set, tok, eq + 1, err, sizeof(err))) {
			fprintf(stderr, "vfcd: --policy %s: %s\n", arg, err);
			rc = -1;
			break;
		}
	}
	if (!rc) {
		for (unsigned i = 0; i < VFC_MAX_VFS; i++)
			if (all || i == vf)
				vfcd_policy_merge(&c->pol[i], &p, set);
	}
	free(dup);
	return rc;
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* What the command line says beyond the config: how to run. */
struct run_opts {
	int foreground, verbose;
	const char *log; /* NULL: by --foreground */
};

/* The --config FILE of the command line, read before every other flag. 0 or 2 (exit code). */
static int load_config(struct vfcd_config *cfg, int argc, char **argv)
{
	const char *config = NULL;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	}
	if (config && vfcd_config_load(cfg, config, err, sizeof(err))) {
		fprintf(stderr, "vfcd: %s\n", err);
		return 2;
	}
	return 0;
}

/* Print "vfcd: MESSAGE" and return the usage exit code. */
static int flag_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int flag_err(const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 2;
	fprintf(stderr, "vfcd: %s\n", msg); /* one write: stderr is unbuffered */
	free(msg);
	return 2;
}

#define NOT_MINE (-1) /* a flag a *_flag step does not know */

/* The device's sizes: 0, 2 (exit code, message printed) or NOT_MINE. */
static int device_flag(struct vfc_pf_config *pf, const char *name, const char *val)
{
	unsigned long v;

	if (!strcmp(name, "--vfs")) {
		if (parse_ul(val, VFC_MAX_VFS, &v) || v < 1)
			return flag_err("--vfs: expected 1..%d, got '%s'", VFC_MAX_VFS, val);
		pf->n_vfs = (unsigned)v;
	} else if (!strcmp(name, "--engines")) {
		if (parse_ul(val, VFC_MAX_ENGINES, &v) || v < 1)
			return flag_err("--engines: expected 1..%d, got '%s'", VFC_MAX_ENGINES, val);
		pf->n_engines = (unsigned)v;
	} else if (!strcmp(name, "--engine-spin")) {
		if (parse_ul(val, VFC_ENGINE_SPIN_MAX_US, &v))
			return flag_err("--engine-spin: expected 0..%d us, got '%s'", VFC_ENGINE_SPIN_MAX_US, val);
		pf->spin_us = (unsigned)v;
	} else if (!strcmp(name, "--engine-kind")) {
		if (vfc_pf_engine_kind_parse(val, &pf->engine_kind))
			return flag_err("--engine-kind: expected openssl, mb or auto, got '%s'", val);
	} else if (!strcmp(name, "--mb-budget")) {
		if (parse_ul(val, VFC_PF_MB_BUDGET_MAX_US, &v) || v < 1)
			return flag_err("--mb-budget: expected 1..%d us, got '%s'", VFC_PF_MB_BUDGET_MAX_US, val);
		pf->mb_budget_us = (unsigned)v;
	} else if (!strcmp(name, "--ring-entries")) {
		if (parse_ul(val, VFC_RING_MAX, &v))
			return flag_err("--ring-entries: bad value '%s'", val);
		pf->ring_entries = (unsigned)v;
	} else if (!strcmp(name, "--pool-size")) {
		if (parse_size(val, &pf->pool_size))
			return flag_err("--pool-size: bad size '%s'", val);
	} else {
		return NOT_MINE;
	}
	return 0;
}

/* The daemon's own settings: 0, 2 (exit code, message printed) or NOT_MINE. */
static int daemon_flag(struct vfcd_config *cfg, struct run_opts *o, const char *name, const char *val)
{
	unsigned long v;

	if (!strcmp(name, "--socket")) {
		if (strlen(val) >= sizeof(cfg->socket_path))
			return flag_err("--socket: path too long (%zu bytes at most)", sizeof(cfg->socket_path) - 1);
		snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s", val);
	} else if (!strcmp(name, "--socket-mode")) {
		if (parse_ul(val, 0777, &v) || val[0] != '0')
			return flag_err("--socket-mode: expected an octal mode like 0660, got '%s'", val);
		cfg->socket_mode = (unsigned)v;
	} else if (!strcmp(name, "--metrics")) {
		snprintf(cfg->metrics, sizeof(cfg->metrics), "%s", val);
	} else if (!strcmp(name, "--drain-timeout")) {
		if (parse_ul(val, 3600000, &v))
			return flag_err("--drain-timeout: bad value '%s'", val);
		cfg->drain_ms = (unsigned)v;
	} else if (!strcmp(name, "--log")) {
		if (strcmp(val, "stderr") && strcmp(val, "syslog"))
			return flag_err("--log: expected stderr or syslog, got '%s'", val);
		o->log = val;
	} else {
		return NOT_MINE;
	}
	return 0;
}

/* One --NAME VALUE flag: 0 or 2 (exit code, message printed). */
static int value_flag(struct vfcd_config *cfg, struct run_opts *o, const char *name, const char *val)
{
	int rc;

	if (!strcmp(name, "--config"))
		return 0; /* read by load_config */
	if (!strcmp(name, "--policy"))
		return apply_policy_flag(cfg, val) ? 2 : 0;
	rc = device_flag(&cfg->pf, name, val);
	if (rc == NOT_MINE)
		rc = daemon_flag(cfg, o, name, val);
	if (rc == NOT_MINE)
		rc = flag_err("unknown option '%s' (see vfcd --help)", name);
	return rc;
}

/* Every flag after the config file: 0, or the exit code (-1: exit 0, --help or --version done). */
static int parse_flags(struct vfcd_config *cfg, struct run_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq = strchr(a, '=');
		char name[32];
		int rc;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return -1;
		}
		if (!strcmp(a, "--version")) {
			printf("vfcd (vfcrypt) %s\n", VFC_VERSION);
			return -1;
		}
		if (!strcmp(a, "--foreground") || !strcmp(a, "-f")) {
			o->foreground = 1;
			continue;
		}
		if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o->verbose = 1;
			continue;
		}
		if (strncmp(a, "--", 2) || (eq && (size_t)(eq - a) >= sizeof(name)))
			return flag_err("unknown argument '%s' (see vfcd --help)", a);
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		if (!val)
			return flag_err("%s: missing value", name);
		rc = value_flag(cfg, o, name, val);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_policies(const struct vfcd_config *cfg)
{
	char err[512];

	for (int i = 0; i < VFC_MAX_VFS; i++)
		if (vfcd_policy_check(&cfg->pol[i], err, sizeof(err)))
			return flag_err("policy of VF %d: %s", i, err);
	return 0;
}

/* Logging as the flags and the config say: stderr in the foreground, else syslog. */
static void open_log(struct vfcd_config *cfg, const struct run_opts *o)
{
	if (o->log)
		cfg->use_syslog = !strcmp(o->log, "syslog");
	else if (!o->foreground)
		cfg->use_syslog = 1;
	cfg->verbose |= o->verbose;
	vfcd_log_open(cfg->use_syslog, cfg->verbose);
}

/* Blocked in every thread (engines and the metrics thread inherit the mask):
 * the main loop takes them from a signalfd. SIGPIPE: send errors are return
 * codes. */
static void block_signals(void)
{
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	static struct vfcd_config cfg; /* large: not on the stack */
	struct run_opts o = { 0 };
	struct vfcd *d;
	int rc;

	/* First: before OpenSSL allocates anything (keys must not outlive their release). */
	if (vfcd_wipe_openssl_frees())
		fprintf(stderr, "vfcd: warning: cannot wipe OpenSSL's freed memory\n");
	vfcd_config_init(&cfg);
	/* The config file first, flags over it. */
	rc = load_config(&cfg, argc, argv);
	if (!rc)
		rc = parse_flags(&cfg, &o, argc, argv);
	if (!rc)
		rc = check_policies(&cfg);
	if (rc)
		return rc < 0 ? 0 : rc;
	open_log(&cfg, &o);
	block_signals();
	if (!o.foreground) {
		rc = daemonize();
		if (rc) {
			fprintf(stderr, "vfcd: daemonize: %s\n", strerror(-rc));
			return 1;
		}
	}
	d = vfcd_create(&cfg);
	if (!d)
		return 1; /* logged */
	rc = vfcd_run(d);
	vfcd_free(d);
	return rc ? 1 : 0;
}
