/* SPDX-License-Identifier: MIT */
/* isolation_tenant.c - one tenant of scripts/isolation.sh: a neighbour (AES at a size and depth) or an adversary (large/mixed AES, NOP or invalid-descriptor flood, CPU hog). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "os/clock.h"
#include "vfcrypt/vfc.h"

#define MAX_DEPTH 256
#define MAX_LAT (1u << 22)

enum mode { AES, MIX, NOP, INVALID, CPU };

struct run {
	enum mode mode;
	struct vfc_vf *vf;
	struct vfc_session *s;
	uint8_t *buf[MAX_DEPTH];
	uint32_t size, max_size;
	unsigned depth;
	uint64_t ops, bytes, errors, end_ns, start_ns;
	uint32_t *lat_us;
	size_t n_lat;
	uint64_t rng;
};

static uint64_t rnd(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

static void submit(struct run *r, struct vfc_op *op);

static void done(struct vfc_op *op, int status, uint32_t out_len)
{
	struct run *r = op->user;

	(void)out_len;
	r->ops++;
	if (status) {
		r->errors++;
	} else {
		r->bytes += op->src_len;
		if (r->n_lat < MAX_LAT)
			r->lat_us[r->n_lat++] = (uint32_t)((op->complete_ns - op->submit_ns) / 1000u);
	}
	if (vfc_now_ns() < r->end_ns)
		submit(r, op);
}

static void submit(struct run *r, struct vfc_op *op)
{
	op->status = 0;
	switch (r->mode) {
	case AES:
	case MIX:
		op->sess = r->s;
		op->opcode = VFC_OP_CIPHER_ENC;
		op->src_len = r->mode == AES ? r->size : (uint32_t)(1 + rnd(r) % (r->max_size / 16)) * 16;
		op->dst_len = op->src_len;
		break;
	case NOP:
		op->sess = NULL;
		op->opcode = VFC_OP_NOP;
		op->src_len = 0;
		break;
	default: /* INVALID: a source outside the pool */
		op->sess = r->s;
		op->opcode = VFC_OP_CIPHER_ENC;
		op->src = (const void *)r;
		op->src_len = 4096;
		break;
	}
	if (vfc_submit_burst(r->vf, &op, 1) != 1)
		r->errors++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int run_vf(struct run *r, const char *dev, double secs)
{
	static struct vfc_op ops[MAX_DEPTH];
	struct vfc_vf_opts o;
	uint8_t key[16] = { 1, 2, 3 };
	uint32_t kh;

	vfc_vf_opts_init(&o);
	r->vf = vfc_vf_open(dev, &o);
	if (!r->vf || vfc_key_import(r->vf, VFC_KEY_AES128, key, sizeof(key), &kh))
		return -1;
	r->s = vfc_session_create(r->vf, VFC_ALG_AES128_CBC, kh);
	if (!r->s)
		return -1;
	for (unsigned i = 0; i < r->depth; i++) {
		uint32_t len = r->mode == MIX ? r->max_size : r->size ? r->size : 16;

		r->buf[i] = vfc_buf_alloc(r->vf, len);
		if (!r->buf[i])
			return -1;
		memset(r->buf[i], (int)i, len);
		ops[i] = (struct vfc_op){ .src = r->buf[i], .dst = r->buf[i], .cb = done, .user = r };
	}
	r->start_ns = vfc_now_ns();
	r->end_ns = r->start_ns + (uint64_t)(secs * 1e9);
	for (unsigned i = 0; i < r->depth; i++) {
		if (r->mode != INVALID) {
			ops[i].src = r->buf[i];
			ops[i].dst = r->buf[i];
		}
		submit(r, &ops[i]);
	}
	for (;;) {
		struct vfc_vf_stats st;

		vfc_wait(r->vf, 1, 100000000);
		if (vfc_vf_stats(r->vf, &st))
			break;
		if (st.in_flight == 0 && vfc_now_ns() >= r->end_ns)
			break;
		if (st.state != VFC_VF_READY) {
			fprintf(stderr, "isolation_tenant: VF state %u (reset by the device)\n", st.state);
			break;
		}
	}
	return 0;
}

static void spin(double secs)
{
	uint64_t end = vfc_now_ns() + (uint64_t)(secs * 1e9);
	volatile uint64_t x = 0;

	while (vfc_now_ns() < end)
		for (int i = 0; i < 10000; i++)
			x += (uint64_t)i;
}

int main(int argc, char **argv)
{
	struct run r = { .depth = 16, .size = 4096, .max_size = 8u << 20, .rng = 88172645463325252ull };
	const char *dev = "embedded", *m = "aes";
	double secs = 3, el;
	uint32_t p50 = 0, p99 = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--device"))
			dev = argv[i + 1];
		else if (!strcmp(argv[i], "--mode"))
			m = argv[i + 1];
		else if (!strcmp(argv[i], "--size"))
			r.size = (uint32_t)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--max-size"))
			r.max_size = (uint32_t)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--depth"))
			r.depth = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			secs = strtod(argv[i + 1], NULL);
		else
			goto usage;
	}
	if (!strcmp(m, "aes"))
		r.mode = AES;
	else if (!strcmp(m, "mix"))
		r.mode = MIX;
	else if (!strcmp(m, "nop"))
		r.mode = NOP;
	else if (!strcmp(m, "invalid"))
		r.mode = INVALID;
	else if (!strcmp(m, "cpu"))
		r.mode = CPU;
	else
		goto usage;
	if (r.depth < 1 || r.depth > MAX_DEPTH || (r.size % 16 && r.mode == AES))
		goto usage;
	if (r.mode == CPU) {
		spin(secs);
		printf("mode=cpu\n");
		return 0;
	}
	r.lat_us = calloc(MAX_LAT, sizeof(*r.lat_us));
	if (!r.lat_us || run_vf(&r, dev, secs)) {
		fprintf(stderr, "isolation_tenant: %s\n", strerror(errno));
		return 1;
	}
	el = (double)(vfc_now_ns() - r.start_ns) / 1e9;
	if (r.n_lat) {
		qsort(r.lat_us, r.n_lat, sizeof(*r.lat_us), cmp_u32);
		p50 = r.lat_us[r.n_lat / 2];
		p99 = r.lat_us[r.n_lat * 99 / 100];
	}
	printf("mode=%s vf=%u mbps=%.1f ops=%llu errors=%llu p50_us=%u p99_us=%u\n", m, vfc_vf_id(r.vf),
	       (double)r.bytes / el / 1e6, (unsigned long long)r.ops, (unsigned long long)r.errors, p50, p99);
	vfc_vf_close(r.vf);
	return 0;
usage:
	fprintf(stderr, "usage: isolation_tenant [--device DEV] [--mode aes|mix|nop|invalid|cpu] [--size N] "
			"[--max-size N] [--depth Q] [--seconds S]\n");
	return 2;
}
