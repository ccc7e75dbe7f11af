/* SPDX-License-Identifier: MIT */
/* cpu.h - the spin-wait hint of the busy loops (the driver's poll, an idle engine's spin). */
#ifndef VFC_OS_CPU_H
#define VFC_OS_CPU_H

#include <stdatomic.h>

static inline void vfc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif
