/* SPDX-License-Identifier: MIT */
/* mb.c - the job-API side of the multi-buffer engine: managers per job class, key schedules, submit and flush. */
#include "device/mb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef VFC_HAVE_IPSEC_MB
#include <intel-ipsec-mb.h>

/* CBC encryption jobs wait here until VFC__MB_CBC_RUN of them (or a flush)
 * run through the burst API: 16 lanes at a time, complete on return, with
 * less per-job work than the job API's submit (measured in docs/mb.md). One
 * lane set a call, so that its completions are posted while the next set
 * runs (the engine returns to post after each run: submit_ready). */
#define VFC__MB_CBC_RUN VFC__MB_SET

struct mgrs {
	IMB_MGR *m[VFC__MB_NCLASS];
	unsigned in_lanes[VFC__MB_NCLASS];
	unsigned n_cbc;                     /* CBC jobs waiting in cbc[] (in_lanes[CBC] counts them) */
	uint64_t cbc_sets, cbc_jobs;        /* lane sets run, jobs in them */
	IMB_JOB cbc[IMB_MAX_BURST_SIZE];
};

bool vfc__mb_cpu_ok(void)
{
	return (imb_get_feature_flags() & IMB_FEATURE_AESNI) != 0;
}

static IMB_MGR *mgr_new(void)
{
	IMB_MGR *m = alloc_mb_mgr(0);
	IMB_ARCH arch;

	if (!m)
		return NULL;
	init_mb_mgr_auto(m, &arch);
	if (imb_get_errno(m) || arch == IMB_ARCH_NONE || arch == IMB_ARCH_NOAESNI) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

void *vfc__mb_mgrs_new(void)
{
	struct mgrs *g;

	if (!vfc__mb_cpu_ok())
		return NULL;
	g = aligned_alloc(64, (sizeof(*g) + 63) / 64 * 64);
	if (g)
		memset(g, 0, sizeof(*g));
	if (!g)
		return NULL;
	for (unsigned c = 0; c < VFC__MB_NCLASS; c++) {
		g->m[c] = mgr_new();
		if (!g->m[c]) {
			vfc__mb_mgrs_free(g);
			return NULL;
		}
	}
	return g;
}

void vfc__mb_mgrs_free(void *mgrs)
{
	struct mgrs *g = mgrs;

	if (!g)
		return;
	for (unsigned c = 0; c < VFC__MB_NCLASS; c++)
		if (g->m[c])
			free_mb_mgr(g->m[c]);
	free(g);
}

int vfc__mb_session_keys(void *mgrs, struct vfc__session *s)
{
	struct mgrs *g = mgrs;
	uint8_t *k;

	if (s->mb_keys)
		return 0;
	k = aligned_alloc(64, VFC__MB_KEYS_SIZE);
	if (!k)
		return -ENOMEM;
	IMB_AES_KEYEXP_128(g->m[VFC__MB_CBC], s->key->aes, k, k + VFC__MB_KEYS_SIZE / 2);
	s->mb_keys = k;
	return 0;
}

static void hand_back(struct mgrs *g, enum vfc__mb_class c, IMB_JOB *job, vfc__mb_done_fn done, void *arg)
{
	g->in_lanes[c]--;
	done(arg, job->user_data, job->status == IMB_STATUS_COMPLETED ? 0 : -EIO);
}

static void fill_cbc(IMB_JOB *job, const struct vfc__mb_job *j)
{
	job->cipher_mode = IMB_CIPHER_CBC;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->hash_alg = IMB_AUTH_NULL;
	job->key_len_in_bytes = IMB_KEY_128_BYTES;
	job->enc_keys = j->keys;
	job->dec_keys = (const uint8_t *)j->keys + VFC__MB_KEYS_SIZE / 2;
	job->iv = j->iv;
	job->iv_len_in_bytes = VFC_AES_BLOCK;
	job->src = j->src;
	job->dst = j->dst;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = j->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = 0;
	job->auth_tag_output = NULL;
	job->auth_tag_output_len_in_bytes = 0;
}

static void fill_sha(IMB_JOB *job, const struct vfc__mb_job *j)
{
	job->cipher_mode = IMB_CIPHER_NULL;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->hash_alg = IMB_AUTH_SHA_256;
	job->key_len_in_bytes = 0;
	job->src = j->src;
	job->dst = NULL;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 0;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = j->len;
	job->auth_tag_output = j->dst;
	job->auth_tag_output_len_in_bytes = VFC_SHA256_LEN;
}

/* Run the first n waiting CBC jobs (the burst API), handing each back in
 * order; the others move to the front and keep waiting. */
static void cbc_run_n(struct mgrs *g, unsigned n, vfc__mb_done_fn done, void *arg)
{
	unsigned c, left = g->n_cbc - n;

	if (!n)
		return;
	c = IMB_SUBMIT_CIPHER_BURST(g->m[VFC__MB_CBC], g->cbc, n, IMB_CIPHER_CBC, IMB_DIR_ENCRYPT, IMB_KEY_128_BYTES);
	g->in_lanes[VFC__MB_CBC] -= n;
	g->cbc_sets += (n + VFC__MB_SET - 1) / VFC__MB_SET;
	g->cbc_jobs += n;
	/* done() must not submit (mb.h), so cbc[] is ours until the loop ends. */
	for (unsigned i = 0; i < n; i++)
		done(arg, g->cbc[i].user_data, c == n && g->cbc[i].status == IMB_STATUS_COMPLETED ? 0 : -EIO);
	memmove(g->cbc, g->cbc + n, left * sizeof(g->cbc[0]));
	g->n_cbc = left;
}

static void cbc_run(struct mgrs *g, vfc__mb_done_fn done, void *arg)
{
	cbc_run_n(g, g->n_cbc, done, arg);
}

void vfc__mb_run_full(void *mgrs, vfc__mb_done_fn done, void *arg)
{
	struct mgrs *g = mgrs;

	cbc_run_n(g, g->n_cbc / VFC__MB_SET * VFC__MB_SET, done, arg);
}

void vfc__mb_cbc_counts(const void *mgrs, uint64_t *sets, uint64_t *jobs)
{
	const struct mgrs *g = mgrs;

	*sets = g->cbc_sets;
	*jobs = g->cbc_jobs;
}

void vfc__mb_submit(void *mgrs, const struct vfc__mb_job *j, vfc__mb_done_fn done, void *arg)
{
	struct mgrs *g = mgrs;
	IMB_MGR *m = g->m[j->cls];
	IMB_JOB *job;

	if (j->cls == VFC__MB_CBC) {
		job = &g->cbc[g->n_cbc++];
		fill_cbc(job, j);
		job->user_data = j->tag;
		g->in_lanes[VFC__MB_CBC]++;
		if (g->n_cbc == VFC__MB_CBC_RUN)
			cbc_run(g, done, arg);
		return;
	}
	job = IMB_GET_NEXT_JOB(m);
	fill_sha(job, j);
	job->user_data = j->tag;
	g->in_lanes[j->cls]++;
	job = IMB_SUBMIT_JOB(m);
	/* Completed jobs come back in submission order; pick up all that are ready. */
	while (job) {
		hand_back(g, j->cls, job, done, arg);
		job = IMB_GET_COMPLETED_JOB(m);
	}
}

int vfc__mb_cbc_decrypt(void *mgrs, const void *keys, uint8_t iv[VFC_AES_BLOCK], const uint8_t *src,
			uint8_t *dst, uint32_t len)
{
	IMB_MGR *m = ((struct mgrs *)mgrs)->m[VFC__MB_DEC];
	uint8_t cur[VFC_AES_BLOCK];

	while (len) {
		uint32_t n = len < VFC__MB_PIECE ? len : VFC__MB_PIECE;
		struct vfc__mb_job j = { .cls = VFC__MB_DEC, .src = src, .dst = dst, .len = n, .iv = cur, .keys = keys };
		IMB_JOB *job = IMB_GET_NEXT_JOB(m);

		memcpy(cur, iv, VFC_AES_BLOCK);
		/* The next IV before an in-place pass overwrites it. */
		memcpy(iv, src + n - VFC_AES_BLOCK, VFC_AES_BLOCK);
		fill_cbc(job, &j);
		job->cipher_direction = IMB_DIR_DECRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job = IMB_SUBMIT_JOB(m);
		if (!job)
			job = IMB_FLUSH_JOB(m);
		if (!job || job->status != IMB_STATUS_COMPLETED)
			return -EIO;
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

void vfc__mb_flush(void *mgrs, enum vfc__mb_class cls, vfc__mb_done_fn done, void *arg)
{
	struct mgrs *g = mgrs;
	IMB_JOB *job;

	if (cls == VFC__MB_CBC) {
		cbc_run(g, done, arg);
		return;
	}
	while (g->in_lanes[cls] && (job = IMB_FLUSH_JOB(g->m[cls])) != NULL) {
		hand_back(g, cls, job, done, arg);
		while ((job = IMB_GET_COMPLETED_JOB(g->m[cls])) != NULL)
			hand_back(g, cls, job, done, arg);
	}
}

unsigned vfc__mb_in_lanes(const void *mgrs, enum vfc__mb_class cls)
{
	const struct mgrs *g = mgrs;

	return g->in_lanes[cls];
}

#else /* !VFC_HAVE_IPSEC_MB: the kind exists, the engine never runs it */

bool vfc__mb_cpu_ok(void)
{
	return false;
}

void *vfc__mb_mgrs_new(void)
{
	return NULL;
}

void vfc__mb_mgrs_free(void *mgrs)
{
	(void)mgrs;
}

int vfc__mb_session_keys(void *mgrs, struct vfc__session *s)
{
	(void)mgrs;
	(void)s;
	return -ENOSYS;
}

void vfc__mb_submit(void *mgrs, const struct vfc__mb_job *j, vfc__mb_done_fn done, void *arg)
{
	(void)mgrs;
	done(arg, j->tag, -ENOSYS);
}

void vfc__mb_flush(void *mgrs, enum vfc__mb_class cls, vfc__mb_done_fn done, void *arg)
{
	(void)mgrs;
	(void)cls;
	(void)done;
	(void)arg;
}

int vfc__mb_cbc_decrypt(void *mgrs, const void *keys, uint8_t iv[VFC_AES_BLOCK], const uint8_t *src,
			uint8_t *dst, uint32_t len)
{
	(void)mgrs;
	(void)keys;
	(void)iv;
	(void)src;
	(void)dst;
	(void)len;
	return -ENOSYS;
}

void vfc__mb_run_full(void *mgrs, vfc__mb_done_fn done, void *arg)
{
	(void)mgrs;
	(void)done;
	(void)arg;
}

void vfc__mb_cbc_counts(const void *mgrs, uint64_t *sets, uint64_t *jobs)
{
	(void)mgrs;
	*sets = *jobs = 0;
}

unsigned vfc__mb_in_lanes(const void *mgrs, enum vfc__mb_class cls)
{
	(void)mgrs;
	(void)cls;
	return 0;
}

#endif
