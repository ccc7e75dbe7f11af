/* SPDX-License-Identifier: MIT */
/* sim_runner.c - run many `vfc sim` jobs as parallel child processes, results handed back in job order. */
#include "sim_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A job's output: gathered while it runs, kept until every earlier job was handed back. */
struct out {
	char *buf;
	size_t len, cap;
	int status;
	int state; /* 0 not started, 1 running, 2 finished, 3 handed back */
	pid_t pid;
	int fd;
	char tmp[64]; /* the scenario file written for a json job ("" : none) */
};

struct runner {
	const struct vfc_simrun_job *jobs;
	size_t n, next_start, next_done, running;
	struct out *o;
	char exe[PATH_MAX];
};

unsigned vfc_simrun_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static int write_tmp(struct out *o, const char *json)
{
	const char *dir = getenv("TMPDIR");
	size_t len = strlen(json), off = 0;
	int fd;

	snprintf(o->tmp, sizeof(o->tmp), "%s/vfc-sim-XXXXXX.json", dir && strlen(dir) < 40 ? dir : "/tmp");
	fd = mkstemps(o->tmp, 5);
	if (fd < 0) {
		o->tmp[0] = 0;
		return -errno;
	}
	while (off < len) {
		ssize_t w = write(fd, json + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -EIO;
		}
		off += (size_t)w;
	}
	return close(fd) ? -errno : 0;
}

/* argv for the child: vfc sim SCENARIO ARGS... --json --no-timing --quiet. */
static char **child_argv(const struct vfc_simrun_job *j, const char *path)
{
	size_t na = 0, k = 0;
	char **av;

	while (j->args && j->args[na])
		na++;
	av = calloc(na + 7, sizeof(char *));
	if (!av)
		return NULL;
	av[k++] = (char *)"vfc";
	av[k++] = (char *)"sim";
	av[k++] = (char *)path;
	for (size_t i = 0; i < na; i++)
		av[k++] = (char *)j->args[i];
	av[k++] = (char *)"--json";
	av[k++] = (char *)"--no-timing";
	av[k++] = (char *)"--quiet";
	return av;
}

static int start(struct runner *r, size_t i)
{
	const struct vfc_simrun_job *j = &r->jobs[i];
	struct out *o = &r->o[i];
	posix_spawn_file_actions_t fa;
	int p[2], rc;
	char **av;

	if (j->json && (rc = write_tmp(o, j->json)) < 0)
		return rc;
	av = child_argv(j, j->json ? o->tmp : j->path);
	if (!av)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC)) {
		free(av);
		return -errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(&o->pid, r->exe, &fa, NULL, av, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(av);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return -rc;
	}
	o->fd = p[0];
	o->state = 1;
	r->running++;
	return 0;
}

/* Read what the child wrote; at EOF reap it. 0 or -ENOMEM. */
static int drain(struct runner *r, struct out *o)
{
	ssize_t got;
	int st;

	if (o->cap - o->len < 4096) {
		size_t cap = o->cap ? o->cap * 2 : 65536;
		char *b = realloc(o->buf, cap);

		if (!b)
			return -ENOMEM;
		o->buf = b;
		o->cap = cap;
	}
	got = read(o->fd, o->buf + o->len, o->cap - o->len - 1);
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (got > 0) {
		o->len += (size_t)got;
		return 0;
	}
	close(o->fd);
	while (waitpid(o->pid, &st, 0) < 0 && errno == EINTR)
		;
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	o->buf[o->len] = 0;
	if (o->tmp[0])
		unlink(o->tmp);
	o->state = 2;
	r->running--;
	return 0;
}

/* Hand back every finished job whose predecessors were handed back. */
static int deliver(struct runner *r, vfc_simrun_done_fn done, void *arg)
{
	int rc = 0;

	while (!rc && r->next_done < r->n && r->o[r->next_done].state == 2) {
		struct out *o = &r->o[r->next_done];

		rc = done(arg, r->next_done, o->status, o->buf ? o->buf : "", o->len);
		free(o->buf);
		o->buf = NULL;
		o->state = 3;
		r->next_done++;
	}
	return rc;
}

/* Wait for output from any running child. */
static int wait_some(struct runner *r)
{
	struct pollfd *pf = calloc(r->running, sizeof(*pf));
	size_t *idx = calloc(r->running, sizeof(size_t)), np = 0;
	int rc = 0;

	if (!pf || !idx) {
		free(pf);
		free(idx);
		return -ENOMEM;
	}
	for (size_t i = r->next_done; i < r->next_start; i++) {
		if (r->o[i].state == 1) {
			pf[np] = (struct pollfd){ .fd = r->o[i].fd, .events = POLLIN };
			idx[np++] = i;
		}
	}
	if (poll(pf, np, -1) < 0 && errno != EINTR)
		rc = -errno;
	for (size_t k = 0; !rc && k < np; k++)
		if (pf[k].revents)
			rc = drain(r, &r->o[idx[k]]);
	free(pf);
	free(idx);
	return rc;
}

int vfc_simrun(const struct vfc_simrun_job *jobs, size_t n, unsigned jobs_max, vfc_simrun_done_fn done, void *arg)
{
	struct runner r = { .jobs = jobs, .n = n };
	ssize_t el;
	int rc = 0, stop = 0;

	if (!jobs_max)
		jobs_max = vfc_simrun_cpus();
	el = readlink("/proc/self/exe", r.exe, sizeof(r.exe) - 1);
	if (el <= 0)
		return -errno;
	r.exe[el] = 0;
	r.o = calloc(n ? n : 1, sizeof(*r.o));
	if (!r.o)
		return -ENOMEM;
	while (r.next_done < n) {
		while (!stop && r.next_start < n && r.running < jobs_max) {
			rc = start(&r, r.next_start++);
			if (rc)
				stop = rc;
		}
		if (!r.running)
			break;
		rc = wait_some(&r);
		if (!rc && !stop)
			rc = deliver(&r, done, arg);
		if (rc && !stop)
			stop = rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (r.o[i].state == 1) {
			close(r.o[i].fd);
			waitpid(r.o[i].pid, NULL, 0);
		}
		if (r.o[i].tmp[0] && r.o[i].state != 2 && r.o[i].state != 3)
			unlink(r.o[i].tmp);
		free(r.o[i].buf);
	}
	free(r.o);
	return stop;
}
