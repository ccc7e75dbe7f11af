/* SPDX-License-Identifier: MIT */
/* thread.h - naming the threads, so that top -H, perf and /proc/PID/task/TID/comm tell them apart. */
#ifndef VFC_OS_THREAD_H
#define VFC_OS_THREAD_H

#include <pthread.h>
#include <stdio.h>

/* Names THREAD "PREFIX<i>" (cut to the kernel's 15 characters). Best effort: a name is a label for
 * tools, and a failure changes nothing else. */
static inline void vfc_thread_name(pthread_t thread, const char *prefix, unsigned i)
{
	char name[32];

	snprintf(name, sizeof(name), "%.15s%u", prefix, i);
	name[15] = '\0'; /* the kernel's limit: 16 bytes with the NUL */
	(void)pthread_setname_np(thread, name);
}

#endif
