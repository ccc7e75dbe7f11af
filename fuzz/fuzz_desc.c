/* SPDX-License-Identifier: MIT */
/* fuzz_desc.c - libFuzzer target: descriptor validation, pure and through a live VF's rings and engine. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/desc.h"
#include "device/pf.h"

#define RING 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vfc_pf *g_pf;
static uint8_t *g_base;
static struct vfc_region_hdr *g_hdr;
static int g_doorbell;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t ctl(uint32_t type, uint32_t a, uint32_t b, const void *data, uint32_t len)
{
	static union {
		struct vfc_mbox_req r;
		uint8_t b[sizeof(struct vfc_mbox_req) + 64];
	} m;
	struct vfc_mbox_resp resp;

	memset(&m, 0, sizeof(m));
	m.r.version = VFC_ABI_VERSION;
	m.r.type = type;
	m.r.data_len = len;
	m.r.u.session_create.alg = a;
	m.r.u.session_create.key = b;
	if (len)
		memcpy(m.r.data, data, len);
	if (vfc_pf_mbox(g_pf, 0, &m.r, sizeof(m.r) + len, &resp))
		abort();
	return resp.u.handle;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vfc_pf_config cfg;
	struct vfc_vf_fds fds;
	uint8_t key[16] = { 0x2b, 0x7e };
	uint32_t id = 0, kh;
	void *p;

	(void)argc;
	(void)argv;
	vfc_pf_config_init(&cfg);
	cfg.n_vfs = 1;
	cfg.ring_entries = RING;
	cfg.pool_size = 1 << 16;
	g_pf = vfc_pf_create(&cfg);
	if (!g_pf || vfc_pf_vf_claim(g_pf, &id, getpid(), getuid()) || vfc_pf_vf_fds(g_pf, 0, &fds))
		abort();
	p = mmap(NULL, fds.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds.mem_fd, 0);
	if (p == MAP_FAILED)
		abort();
	g_base = p;
	g_hdr = p;
	g_doorbell = fds.doorbell_fd;
	/* Sessions 1.. exist so that fuzzed descriptors reach the crypto: AES, SHA-256. */
	kh = ctl(VFC_MBOX_KEY_IMPORT, VFC_KEY_AES128, 0, key, 16);
	ctl(VFC_MBOX_SESSION_CREATE, VFC_ALG_AES128_CBC, kh, NULL, 0);
	ctl(VFC_MBOX_SESSION_CREATE, VFC_ALG_SHA256, 0, NULL, 0);
	return 0;
}

/* Input: descriptors of 64 bytes (up to the ring size), each validated alone
 * and then all submitted to the VF: every one must get exactly one answer, and
 * a valid one never a validation error. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfc_req_desc *ring = (void *)(g_base + g_hdr->req_ring_off);
	struct vfc_resp_desc *resp = (void *)(g_base + g_hdr->resp_ring_off);
	uint32_t n = (uint32_t)(size / sizeof(struct vfc_req_desc)), tail, head, i;
	uint64_t one = 1, end;
	struct vfc_req_desc d;
	int valid[RING];

	if (n > RING)
		n = RING;
	tail = atomic_load_explicit(&g_hdr->req_tail, memory_order_relaxed);
	head = atomic_load_explicit(&g_hdr->resp_head, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		memcpy(&d, data + i * sizeof(d), sizeof(d));
		valid[i] = vfc_desc_validate(&d, g_hdr->pool_size) == 0;
		(void)vfc_alg_allows(d.session, d.opcode);
		d.cookie = i; /* ours, to match the answers */
		ring[(tail + i) & (RING - 1)] = d;
	}
	if (n == 0)
		return 0;
	/* Release: the descriptors before the index (as the driver does). */
	atomic_store_explicit(&g_hdr->req_tail, tail + n, memory_order_release);
	if (write(g_doorbell, &one, sizeof(one)) != sizeof(one))
		abort();
	for (end = now_ns() + 2000000000ull;;) {
		/* Acquire: the responses up to resp_tail are written. */
		uint32_t rt = atomic_load_explicit(&g_hdr->resp_tail, memory_order_acquire);

		if (rt - head == n)
			break;
		if (atomic_load_explicit(&g_hdr->state, memory_order_acquire) != VFC_VF_READY)
			abort(); /* well-formed indices must never fail the VF */
		if (now_ns() > end)
			abort(); /* a request was never answered */
		usleep(10);
	}
	for (i = 0; i < n; i++) {
		struct vfc_resp_desc r = resp[(head + i) & (RING - 1)];

		if (r.cookie >= n)
			abort();
		/* The status is 0 or an errno; what the validator refuses, the
		 * device refuses too (an accepted one may still fail: unknown
		 * session, opcode the session's algorithm does not do). */
		if (r.status > 0 || r.status < -4095)
			abort();
		if (!valid[r.cookie] && r.status == 0)
			abort();
	}
	atomic_store_explicit(&g_hdr->resp_head, head + n, memory_order_release);
	return 0;
}
