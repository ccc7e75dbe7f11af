/* SPDX-License-Identifier: MIT */
/* sim_runner.h - run many `vfc sim` jobs as parallel child processes, results handed back in job order. */
#ifndef VFC_TOOLS_SIM_RUNNER_H
#define VFC_TOOLS_SIM_RUNNER_H

#include <stddef.h>

/*
 * One job: `vfc sim SCENARIO ARGS... --json --no-timing --quiet` in a child
 * process (posix_spawn of /proc/self/exe). The scenario is a file (path) or
 * its JSON text (json: written to a temporary file for the child, removed
 * after). args: NULL-terminated, may be NULL.
 */
struct vfc_simrun_job {
	const char *path;
	const char *json;
	const char *const *args;
};

/*
 * Called once per job, in job order (0, 1, ...) whatever the order in which
 * the children finish: status is the child's exit status (-1: killed or not
 * started), out its whole stdout (NUL-terminated; the --json result when
 * status is 0). A non-zero return stops the runner: no new job starts, the
 * running ones are waited for, and vfc_simrun returns that value.
 */
typedef int (*vfc_simrun_done_fn)(void *arg, size_t idx, int status, const char *out, size_t len);

/* Run n jobs, at most jobs_max at once (0: one per online CPU). 0, the callback's value, or a negative errno. */
int vfc_simrun(const struct vfc_simrun_job *jobs, size_t n, unsigned jobs_max, vfc_simrun_done_fn done, void *arg);

/* The number of online CPUs (at least 1). */
unsigned vfc_simrun_cpus(void);

#endif
