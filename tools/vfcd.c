/* SPDX-License-Identifier: MIT */
/* vfcd.c - the vfcd daemon's command line: flags and INI config, daemonizing, signals. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"

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
		"  --ring-entries N     ring size per VF, a power of two (default 256)\n"
		"  --pool-size BYTES    buffer pool per VF, K/M/G suffix (default 16M)\n"
		"  --policy VF:KEY=VALUE[,KEY=VALUE...]\n"
		"                       per-VF policy ('all' for every VF); keys: min_cap_hz, max_cap_hz,\n"
		"                       max_sessions, max_keys, max_in_flight, uid, gid, controller\n"
		"  --metrics ADDR:PORT  Prometheus endpoint (default %s; port 0: any free one), or 'off'\n"
		"  --drain-timeout MS   on SIGTERM, wait this long for requests in flight (default %u)\n"
		"  --foreground, -f     do not detach (systemd: Type=simple)\n"
		"  --log stderr|syslog  where messages go (default: stderr in the foreground, else syslog)\n"
		"  --verbose, -v        debug messages too\n"
		"  --help, --version\n\n"
		"Signals: SIGTERM/SIGINT drain requests in flight and exit; SIGHUP rereads the policy from --config.\n",
		VFCD_METRICS_DEFAULT, VFCD_DRAIN_MS_DEFAULT);
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

int main(int argc, char **argv)
{
	static struct vfcd_config cfg; /* large: not on the stack */
	const char *config = NULL, *log = NULL;
	int foreground = 0, verbose = 0, i, rc;
	char err[512];
	unsigned long v;
	sigset_t ss;
	struct vfcd *d;

	vfcd_config_init(&cfg);
	/* The config file first, flags over it. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	}
	if (config && vfcd_config_load(&cfg, config, err, sizeof(err))) {
		fprintf(stderr, "vfcd: %s\n", err);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[32];
		const char *eq = strchr(a, '=');

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("vfcd (vfcrypt) %s\n", VFC_VERSION);
			return 0;
		}
		if (!strcmp(a, "--foreground") || !strcmp(a, "-f")) {
			foreground = 1;
			continue;
		}
		if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			verbose = 1;
			continue;
		}
		if (strncmp(a, "--", 2) || (eq && (size_t)(eq - a) >= sizeof(name))) {
			fprintf(stderr, "vfcd: unknown argument '%s' (see vfcd --help)\n", a);
			return 2;
		}
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		if (!val) {
			fprintf(stderr, "vfcd: %s: missing value\n", name);
			return 2;
		}
		if (!strcmp(name, "--config")) {
			continue; /* read above */
		} else if (!strcmp(name, "--socket")) {
			if (strlen(val) >= sizeof(cfg.socket_path)) {
				fprintf(stderr, "vfcd: --socket: path too long (%zu bytes at most)\n",
					sizeof(cfg.socket_path) - 1);
				return 2;
			}
			snprintf(cfg.socket_path, sizeof(cfg.socket_path), "%s", val);
		} else if (!strcmp(name, "--socket-mode")) {
			if (parse_ul(val, 0777, &v) || val[0] != '0') {
				fprintf(stderr, "vfcd: --socket-mode: expected an octal mode like 0660, got '%s'\n", val);
				return 2;
			}
			cfg.socket_mode = (unsigned)v;
		} else if (!strcmp(name, "--vfs")) {
			if (parse_ul(val, VFC_MAX_VFS, &v) || v < 1) {
				fprintf(stderr, "vfcd: --vfs: expected 1..%d, got '%s'\n", VFC_MAX_VFS, val);
				return 2;
			}
			cfg.pf.n_vfs = (unsigned)v;
		} else if (!strcmp(name, "--engines")) {
			if (parse_ul(val, VFC_MAX_ENGINES, &v) || v < 1) {
				fprintf(stderr, "vfcd: --engines: expected 1..%d, got '%s'\n", VFC_MAX_ENGINES, val);
				return 2;
			}
			cfg.pf.n_engines = (unsigned)v;
		} else if (!strcmp(name, "--engine-spin")) {
			if (parse_ul(val, VFC_ENGINE_SPIN_MAX_US, &v)) {
				fprintf(stderr, "vfcd: --engine-spin: expected 0..%d us, got '%s'\n",
					VFC_ENGINE_SPIN_MAX_US, val);
				return 2;
			}
			cfg.pf.spin_us = (unsigned)v;
		} else if (!strcmp(name, "--ring-entries")) {
			if (parse_ul(val, VFC_RING_MAX, &v)) {
				fprintf(stderr, "vfcd: --ring-entries: bad value '%s'\n", val);
				return 2;
			}
			cfg.pf.ring_entries = (unsigned)v;
		} else if (!strcmp(name, "--pool-size")) {
			if (parse_size(val, &cfg.pf.pool_size)) {
				fprintf(stderr, "vfcd: --pool-size: bad size '%s'\n", val);
				return 2;
			}
		} else if (!strcmp(name, "--policy")) {
			if (apply_policy_flag(&cfg, val))
				return 2;
		} else if (!strcmp(name, "--metrics")) {
			snprintf(cfg.metrics, sizeof(cfg.metrics), "%s", val);
		} else if (!strcmp(name, "--drain-timeout")) {
			if (parse_ul(val, 3600000, &v)) {
				fprintf(stderr, "vfcd: --drain-timeout: bad value '%s'\n", val);
				return 2;
			}
			cfg.drain_ms = (unsigned)v;
		} else if (!strcmp(name, "--log")) {
			if (strcmp(val, "stderr") && strcmp(val, "syslog")) {
				fprintf(stderr, "vfcd: --log: expected stderr or syslog, got '%s'\n", val);
				return 2;
			}
			log = val;
		} else {
			fprintf(stderr, "vfcd: unknown option '%s' (see vfcd --help)\n", name);
			return 2;
		}
	}
	for (i = 0; i < VFC_MAX_VFS; i++) {
		if (vfcd_policy_check(&cfg.pol[i], err, sizeof(err))) {
			fprintf(stderr, "vfcd: policy of VF %d: %s\n", i, err);
			return 2;
		}
	}
	if (log)
		cfg.use_syslog = !strcmp(log, "syslog");
	else if (!foreground)
		cfg.use_syslog = 1;
	cfg.verbose |= verbose;
	vfcd_log_open(cfg.use_syslog, cfg.verbose);

	/* Blocked in every thread (engines and the metrics thread inherit the
	 * mask): the main loop takes them from a signalfd. SIGPIPE: send errors
	 * are return codes. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground) {
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
