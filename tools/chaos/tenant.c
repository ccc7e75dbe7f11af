/* SPDX-License-Identifier: MIT */
/* tenant.c - vfc-chaos-tenant: one tenant of the chaos soak, counting every op's callbacks through resets and daemon deaths. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chaos.h"

#define CHECKPOINT_NS 200000000ull   /* running totals reach the file this often */
#define WAIT_SLICE_NS 100000000ll    /* one vfc_wait, at most */
#define SETTLE_NS 30000000000ull     /* a gone daemon's ops: failed by the driver within this */
#define DRAIN_NS 60000000000ull      /* at the end: what is still in flight after this is lost */
#define REOPEN_PAUSE_MS 20
#define CLOSE_MIN_NS 2000000000ull   /* a tenant closes and reopens its VF every 2 to 4 s */
#define POOL_BUDGET (12u << 20)      /* of the default 16 MiB pool */

struct chaos_tenant {
	struct chaos_cfg cfg;
	struct chaos_ref ref;
	struct chaos_totals tot;
	uint64_t rng;
	struct vfc_vf *vf;
	struct vfc_session *sess[CHAOS_KIND__N];
	uint32_t keys[2];
	unsigned n_keys;
	struct chaos_rec *recs;
	uint32_t n_recs;
	uint32_t fifo_head, fifo_tail, fifo_n; /* records free to (re)use, least recently completed first */
	uint32_t outstanding;                 /* records in flight */
	uint64_t next_ckpt_ns;
	uint64_t next_close_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The running totals, replaced atomically (write, rename): a SIGKILL leaves the
 * last whole checkpoint. Only resolved ops: those in flight now are not in it. */
static void checkpoint(struct chaos_tenant *t)
{
	const struct chaos_totals *c = &t->tot;
	char tmp[4096], line[512];
	int fd, n;

	t->next_ckpt_ns = now_ns() + CHECKPOINT_NS;
	if (!t->cfg.out_path)
		return;
	n = snprintf(line, sizeof(line),
		     "submitted %llu completed %llu lost %llu dup %llu corrupted %llu checked %llu errors %llu "
		     "reconnects %llu resets %llu reopens %llu\n",
		     (unsigned long long)(c->submitted - t->outstanding), (unsigned long long)c->completed,
		     (unsigned long long)c->lost,
		     (unsigned long long)c->dup, (unsigned long long)c->corrupted, (unsigned long long)c->checked,
		     (unsigned long long)c->errors, (unsigned long long)c->reconnects, (unsigned long long)c->resets,
		     (unsigned long long)c->reopens);
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->cfg.out_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) == n)
		(void)rename(tmp, t->cfg.out_path);
	close(fd);
}

static void fifo_push(struct chaos_tenant *t, struct chaos_rec *r)
{
	uint32_t i = (uint32_t)(r - t->recs);

	r->next = UINT32_MAX;
	if (t->fifo_n++)
		t->recs[t->fifo_tail].next = i;
	else
		t->fifo_head = i;
	t->fifo_tail = i;
}

static struct chaos_rec *fifo_pop(struct chaos_tenant *t)
{
	struct chaos_rec *r;

	if (!t->fifo_n)
		return NULL;
	r = &t->recs[t->fifo_head];
	t->fifo_head = r->next;
	t->fifo_n--;
	return r;
}

static bool expected_error(int status)
{
	/* A reset fails what is in flight with -EIO; a gone daemon with -ESHUTDOWN (or -ENOTCONN). */
	return status == -EIO || status == -ESHUTDOWN || status == -ENOTCONN;
}

static void note(const struct chaos_tenant *t, const char *what, const struct chaos_rec *r, int status)
{
	if (t->cfg.verbose)
		fprintf(stderr, "chaos tenant %d: %s: kind %d len %u status %d\n", (int)getpid(), what, (int)r->kind,
			r->op.src_len, status);
}

/* The one callback of every op; a second one for the same submission is a duplicate. */
static void on_done(struct vfc_op *op, int status, uint32_t out_len)
{
	struct chaos_rec *r = op->user;
	struct chaos_tenant *t = r->t;

	if (r->state != CHAOS_REC_IN_FLIGHT) {
		t->tot.dup++;
		note(t, "callback for an op not in flight", r, status);
		return;
	}
	r->state = CHAOS_REC_DONE;
	r->done_status = status;
	r->done_out_len = out_len;
	t->outstanding--;
	t->tot.completed++;
	if (status != r->want_status) {
		if (expected_error(status)) {
			t->tot.errors++;
		} else {
			t->tot.corrupted++;
			note(t, "unexpected status", r, status);
		}
	} else if (r->check && status == 0) {
		t->tot.checked++;
		if (!chaos_rec_matches(r, &t->ref)) {
			t->tot.corrupted++;
			note(t, "output differs from OpenSSL", r, status);
		}
	}
	fifo_push(t, r);
}

/* The driver has nothing in flight: every record still waiting for its callback is lost. */
static void mark_lost(struct chaos_tenant *t)
{
	for (uint32_t i = 0; i < t->n_recs && t->outstanding; i++) {
		struct chaos_rec *r = &t->recs[i];

		if (r->state != CHAOS_REC_IN_FLIGHT)
			continue;
		r->state = CHAOS_REC_LOST;
		t->outstanding--;
		t->tot.lost++;
		note(t, "lost (no callback)", r, 0);
		fifo_push(t, r);
	}
}

static bool driver_idle(struct chaos_tenant *t)
{
	struct vfc_vf_stats s;

	return vfc_vf_stats(t->vf, &s) == 0 && s.in_flight == 0;
}

/* ---- the VF: open, set up, tear down ---- */

static void vf_teardown(struct chaos_tenant *t)
{
	if (!t->vf)
		return;
	/* Close waits for the ops in flight (their callbacks run), then frees
	 * the sessions and keys (locally only, after the daemon died). */
	vfc_vf_close(t->vf);
	t->vf = NULL;
	memset(t->sess, 0, sizeof(t->sess));
	t->n_keys = 0;
}

/* Pool buffers for every record, and all records free (none is in flight). */
static int recs_attach(struct chaos_tenant *t)
{
	t->fifo_n = 0;
	for (uint32_t i = 0; i < t->n_recs; i++) {
		struct chaos_rec *r = &t->recs[i];

		r->src = vfc_buf_alloc(t->vf, t->cfg.max_size);
		r->dst = vfc_buf_alloc(t->vf, t->cfg.max_size);
		r->aux = vfc_buf_alloc(t->vf, 512);
		if (!r->src || !r->dst || !r->aux)
			return -ENOMEM;
		for (uint32_t k = 0; k < t->cfg.max_size; k++)
			r->src[k] = (uint8_t)chaos_rand(&t->rng);
		r->state = CHAOS_REC_FREE;
		fifo_push(t, r);
	}
	return 0;
}

static int sessions_create(struct chaos_tenant *t)
{
	int rc;

	rc = vfc_key_import(t->vf, VFC_KEY_AES128, t->ref.aes_key, sizeof(t->ref.aes_key), &t->keys[0]);
	if (rc)
		return rc;
	t->n_keys = 1;
	t->sess[CHAOS_AES_ENC] = vfc_session_create(t->vf, VFC_ALG_AES128_CBC, t->keys[0]);
	t->sess[CHAOS_AES_DEC] = t->sess[CHAOS_AES_ENC];
	t->sess[CHAOS_SHA256] = vfc_session_create(t->vf, VFC_ALG_SHA256, 0);
	if (!t->sess[CHAOS_AES_ENC] || !t->sess[CHAOS_SHA256])
		return -errno;
	if (!t->ref.rsa)
		return 0;
	rc = vfc_key_import(t->vf, VFC_KEY_RSA_PRIV_PEM, t->ref.rsa_pem, t->ref.rsa_pem_len, &t->keys[1]);
	if (rc)
		return rc;
	t->n_keys = 2;
	t->sess[CHAOS_RSA_SIGN] = vfc_session_create(t->vf, VFC_ALG_RSA_PKCS1_SHA256, t->keys[1]);
	t->sess[CHAOS_RSA_VERIFY] = t->sess[CHAOS_RSA_SIGN];
	return t->sess[CHAOS_RSA_SIGN] ? 0 : -errno;
}

/* Open a VF (retrying while the daemon restarts or no VF is free) and set it
 * up; false when the run ended first. */
static bool vf_setup(struct chaos_tenant *t)
{
	struct vfc_vf_opts o;
	int rc;

	vfc_vf_opts_init(&o);
	o.irq_mode = t->cfg.irq_mode;
	while (wall_s() < t->cfg.until) {
		t->vf = vfc_vf_open(t->cfg.device, &o);
		if (!t->vf) {
			sleep_ms(REOPEN_PAUSE_MS);
			continue;
		}
		rc = vfc_vf_set_partition(t->vf, t->cfg.part_b0);
		if (!rc && t->cfg.controller)
			rc = vfc_vf_set_controller(t->vf, t->cfg.controller, t->cfg.tick_ms, NULL, 0);
		if (!rc)
			rc = sessions_create(t);
		if (!rc)
			rc = recs_attach(t);
		if (!rc)
			return true;
		if (rc == -ENOMEM) {
			fprintf(stderr, "chaos tenant: the pool is too small for depth %u x %u B\n", t->cfg.depth,
				t->cfg.max_size);
			exit(2);
		}
		vf_teardown(t); /* the daemon went away during the set-up */
	}
	return false;
}

/*
 * Wait (at most bound_ns) until the driver holds nothing: with the transport
 * gone or the VF failed, vfc_wait completes all of it with the error within
 * a slice (but a descheduled tenant may see a few slices time out first).
 * What is still waiting for its callback then is lost.
 */
static void settle(struct chaos_tenant *t, uint64_t bound_ns)
{
	uint64_t end = now_ns() + bound_ns;

	while (t->vf && t->outstanding && !driver_idle(t) && now_ns() < end)
		(void)vfc_wait(t->vf, t->outstanding, WAIT_SLICE_NS);
	if (t->outstanding)
		fprintf(stderr, "chaos tenant %d: %u ops without a callback%s\n", (int)getpid(), t->outstanding,
			t->vf && !driver_idle(t) ? " (still in flight: a hang)" : "");
	mark_lost(t);
}

/* The daemon went away (or the VF could not be reset): collect what was in
 * flight; then a new VF. */
static bool reconnect(struct chaos_tenant *t)
{
	settle(t, SETTLE_NS);
	vf_teardown(t);
	t->tot.reconnects++;
	return vf_setup(t);
}

/* An administrator reset the VF: the driver failed what was in flight; reset it. */
static bool recover_reset(struct chaos_tenant *t)
{
	(void)vfc_poll(t->vf, 0);
	if (t->outstanding && driver_idle(t))
		mark_lost(t);
	if (vfc_vf_reset(t->vf) != 0)
		return reconnect(t);
	t->tot.resets++;
	return true;
}

/* Now and then a tenant closes its VF with ops in flight (vfc_vf_close
 * waits for them, up to 5 s) and opens a new one. */
static bool close_reopen(struct chaos_tenant *t)
{
	t->next_close_ns = now_ns() + CLOSE_MIN_NS + chaos_rand(&t->rng) % CLOSE_MIN_NS;
	vf_teardown(t);
	if (t->outstanding) {
		fprintf(stderr, "chaos tenant %d: %u ops without a callback after vfc_vf_close\n", (int)getpid(),
			t->outstanding);
		mark_lost(t);
	}
	t->tot.reopens++;
	return vf_setup(t);
}

/* ---- the data path ---- */

/* Keep depth ops in flight: returns what vfc_submit_burst said (>= 0 or -errno). */
static int fill(struct chaos_tenant *t)
{
	struct vfc_op *ops[256];
	struct chaos_rec *r;
	unsigned n = 0;
	int rc;

	while (t->outstanding + n < t->cfg.depth && n < 256 && (r = fifo_pop(t))) {
		if (r->state == CHAOS_REC_DONE && (r->op.status != r->done_status || r->op.out_len != r->done_out_len)) {
			t->tot.dup++; /* the driver wrote the op after its callback */
			note(t, "op changed after its callback", r, r->op.status);
		}
		r->state = CHAOS_REC_FREE;
		chaos_rec_prepare(r, &t->cfg, &t->ref, t->sess, &t->rng);
		r->op.cb = on_done;
		ops[n++] = &r->op;
	}
	if (!n)
		return 0;
	rc = vfc_submit_burst(t->vf, ops, n);
	for (unsigned i = 0; i < n; i++) {
		r = ops[i]->user;
		if (rc > 0 && i < (unsigned)rc) {
			r->state = CHAOS_REC_IN_FLIGHT;
			t->outstanding++;
			t->tot.submitted++;
		} else {
			fifo_push(t, r);
		}
	}
	return rc;
}

/* One round: submit, wait a little; false when the run is over for this tenant. */
static bool round_once(struct chaos_tenant *t)
{
	int rc = fill(t);
	unsigned min;

	if (rc == -EIO)
		return recover_reset(t);
	if (rc < 0)
		return reconnect(t);
	/* A quarter of the queue per wake-up: fewer wake-ups, the queue never runs dry. */
	min = t->outstanding / 4 + 1;
	rc = vfc_wait(t->vf, min, WAIT_SLICE_NS);
	if (rc < 0 && rc != -ETIMEDOUT)
		return reconnect(t);
	/* Fewer than min and no timeout: the driver holds nothing any more. */
	if (rc >= 0 && (unsigned)rc < min && t->outstanding && driver_idle(t))
		mark_lost(t);
	if (now_ns() >= t->next_close_ns)
		return close_reopen(t);
	return true;
}


/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vfc-chaos-tenant --device unix:PATH --until EPOCH_S [OPTIONS]\n"
		"\n"
		"One tenant of scripts/chaos.sh: keeps DEPTH random ops (AES-128-CBC encrypt/decrypt,\n"
		"SHA-256, and RSA sign/verify with --rsa-key) in flight until EPOCH_S, reopening its VF\n"
		"when the daemon dies and resetting it when an administrator resets it. It counts every\n"
		"op's callbacks and checks a sample of outputs against OpenSSL EVP, and writes its running\n"
		"totals to --out (replaced atomically every 0.2 s: a SIGKILL leaves the last checkpoint).\n"
		"\n"
		"Options (unset ones are drawn from the seed):\n"
		"  --device unix:PATH   the vfcd socket\n"
		"  --until EPOCH_S      stop submitting at this CLOCK_REALTIME time (seconds)\n"
		"  --out FILE           running totals (a regular file: replaced every 0.2 s)\n"
		"  --seed N             random stream (default: pid and time)\n"
		"  --depth N            ops in flight, 1..256\n"
		"  --partition B0       split ops larger than B0 bytes (0: off)\n"
		"  --irq MODE           interrupt, poll or hybrid\n"
		"  --controller SPEC    an interrupt-rate controller ('none': no monitor), ticking every 10-100 ms\n"
		"  --check-every N      compare 1 output in N with OpenSSL (default 16)\n"
		"  --rsa-key FILE       PEM RSA private key: adds sign and verify ops\n"
		"  --verbose            a line per anomaly\n");
}

static void draw_defaults(struct chaos_cfg *c, uint64_t *rng, int depth, long part, int irq)
{
	static const unsigned depths[] = { 1, 2, 4, 8, 16, 32, 64 };
	static const uint32_t b0s[] = { 256, 1024, 4096, 16384 };
	uint32_t n_recs;

	c->depth = depth > 0 ? (unsigned)depth : depths[chaos_rand(rng) % 7];
	if (part >= 0)
		c->part_b0 = (uint32_t)part;
	else
		c->part_b0 = chaos_rand(rng) % 2 ? b0s[chaos_rand(rng) % 4] : 0;
	/* A controller in one tenant of two: its ticks send mailbox messages from the completion path. */
	if (!c->controller) {
		uint64_t u = chaos_rand(rng) % 6;

		c->controller = u < 2 ? "adaptive" : u < 3 ? "dim" : "none";
	}
	c->tick_ms = 10 + (unsigned)(chaos_rand(rng) % 91);
	if (!strcmp(c->controller, "none"))
		c->controller = NULL;
	/* Poll spins a CPU: one tenant in eight; the others half interrupt, half hybrid. */
	if (irq < 0) {
		uint64_t u = chaos_rand(rng) % 8;

		irq = u == 0 ? VFC_IRQ_POLL : u < 4 ? VFC_IRQ_INTERRUPT : VFC_IRQ_HYBRID;
	}
	c->irq_mode = (enum vfc_irq_mode)irq;
	n_recs = 2 * c->depth + 32;
	c->max_size = POOL_BUDGET / n_recs / 2 / VFC_AES_BLOCK * VFC_AES_BLOCK;
	if (c->max_size > (64u << 10))
		c->max_size = 64u << 10;
}

static int parse_irq(const char *s)
{
	return !strcmp(s, "interrupt") ? 0 : !strcmp(s, "poll") ? 1 : !strcmp(s, "hybrid") ? 2 : -2;
}

/* Whether --out can take the checkpoint: a path whose target, if any, is a regular file. The checkpoint
 * replaces it by rename every 0.2 s, which would put a regular file where /dev/null or a FIFO was. */
static bool out_ok(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) || S_ISREG(st.st_mode))
		return true;
	fprintf(stderr, "chaos tenant: --out %s: not a regular file (the checkpoint replaces it)\n", path);
	return false;
}

static int parse_args(int argc, char **argv, struct chaos_tenant *t)
{
	static const struct option lo[] = {
		{ "device", 1, 0, 'd' }, { "until", 1, 0, 'u' }, { "out", 1, 0, 'o' }, { "seed", 1, 0, 's' },
		{ "depth", 1, 0, 'D' }, { "partition", 1, 0, 'p' }, { "irq", 1, 0, 'i' },
		{ "check-every", 1, 0, 'c' }, { "controller", 1, 0, 'C' }, { "rsa-key", 1, 0, 'k' }, { "verbose", 0, 0, 'v' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	int o, depth = -1, irq = -1;
	long part = -1;

	t->cfg.check_every = 16;
	t->cfg.seed = (uint64_t)getpid() << 32 ^ now_ns();
	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 'd': t->cfg.device = optarg; break;
		case 'u': t->cfg.until = strtod(optarg, NULL); break;
		case 'o': t->cfg.out_path = optarg; break;
		case 's': t->cfg.seed = strtoull(optarg, NULL, 0); break;
		case 'D': depth = atoi(optarg); break;
		case 'p': part = atol(optarg); break;
		case 'i': irq = parse_irq(optarg); break;
		case 'c': t->cfg.check_every = (unsigned)atoi(optarg); break;
		case 'k': t->cfg.rsa_key_path = optarg; break;
		case 'C': t->cfg.controller = optarg; break;
		case 'v': t->cfg.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (!t->cfg.device || t->cfg.until <= 0 || depth > 256 || depth == 0 || irq == -2 ||
	    !t->cfg.check_every || (part > 0 && part < VFC_AES_BLOCK) || optind != argc)
		return -1;
	if (!out_ok(t->cfg.out_path))
		return -1;
	/* splitmix64 of the seed: small seeds give unrelated streams. */
	t->rng = t->cfg.seed + 0x9e3779b97f4a7c15ull;
	t->rng = (t->rng ^ (t->rng >> 30)) * 0xbf58476d1ce4e5b9ull;
	t->rng = (t->rng ^ (t->rng >> 27)) * 0x94d049bb133111ebull;
	t->rng = (t->rng ^ (t->rng >> 31)) | 1;
	draw_defaults(&t->cfg, &t->rng, depth, part, irq);
	return 0;
}

int main(int argc, char **argv)
{
	static struct chaos_tenant t;
	int rc;

	if (parse_args(argc, argv, &t)) {
		usage(stderr);
		return 2;
	}
	rc = chaos_ref_init(&t.ref, t.cfg.rsa_key_path, &t.rng);
	if (rc) {
		fprintf(stderr, "chaos tenant: RSA key %s: %s\n", t.cfg.rsa_key_path, strerror(-rc));
		return 2;
	}
	t.n_recs = 2 * t.cfg.depth + 32;
	t.recs = calloc(t.n_recs, sizeof(*t.recs));
	if (!t.recs)
		return 2;
	for (uint32_t i = 0; i < t.n_recs; i++)
		t.recs[i].t = &t;
	checkpoint(&t);
	t.next_close_ns = now_ns() + CLOSE_MIN_NS + chaos_rand(&t.rng) % CLOSE_MIN_NS;
	if (vf_setup(&t)) {
		while (wall_s() < t.cfg.until && t.vf) {
			if (!round_once(&t))
				break;
			if (now_ns() >= t.next_ckpt_ns)
				checkpoint(&t);
		}
		settle(&t, DRAIN_NS); /* the end: nothing new; what is in flight completes */
	}
	checkpoint(&t);
	vf_teardown(&t);
	if (t.cfg.verbose)
		fprintf(stderr, "chaos tenant %d: depth %u partition %u irq %d controller %s: %llu ops\n", (int)getpid(),
			t.cfg.depth, t.cfg.part_b0, (int)t.cfg.irq_mode, t.cfg.controller ? t.cfg.controller : "none",
			(unsigned long long)t.tot.submitted);
	chaos_ref_free(&t.ref);
	free(t.recs);
	return 0;
}
