/* SPDX-License-Identifier: MIT */
/* clock.h - the one monotonic clock of the system parts (device, driver, daemon, sim, tools); core takes time as an argument. */
#ifndef VFC_OS_CLOCK_H
#define VFC_OS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns (vDSO: no system call on Linux). */
static inline uint64_t vfc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
