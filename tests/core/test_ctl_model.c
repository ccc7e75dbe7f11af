/* SPDX-License-Identifier: MIT */
/* test_ctl_model.c - the model's best rate, static:model, paper:i0=model; spec round trips and errors of the
 * new kinds; the policy's allow-list with them. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "admin/policy.h"
#include "core/controller/controller.h"
#include "core/model.h"

static void ctl_new(struct vfc_controller *c, const char *spec)
{
	struct vfc_controller_cfg cfg;
	char err[256];

	if (vfc_controller_parse(spec, &cfg, err, sizeof(err)) != 0)
		fail_msg("parse '%s': %s", spec, err);
	assert_int_equal(vfc_controller_init(c, &cfg, 7000), 0);
}

#define assert_close(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static struct vfc_speed_sample smp(double mbps, double irq_hz, double bytes, uint32_t depth, uint32_t cap)
{
	struct vfc_speed_sample s = { .dt_ns = 100000000ull, .mbps = mbps, .irq_hz = irq_hz,
				    .mean_req_bytes = bytes, .cap_hz = cap, .depth = depth };

	s.ops_per_s = mbps * 1e6 / bytes;
	return s;
}

/* Known answers (the quadratic's root, computed apart) and the crossing it stands for. */
static void test_model_best_irq(void **state)
{
	double i = vfc_model_best_irq(1e-9, 1e-3, 16384, 32, 1.0);

	(void)state;
	assert_close(i, 1907.121313331015, 1e-6);
	/* At that rate the model's speed equals the queue limit I x depth x B. */
	assert_close(vfc_model_predict(1e-9, 1e-3, 16384, i), i * 32 * 16384 / 1e6, 1e-6);
	assert_close(vfc_model_best_irq(8.559032e-10, 8.781718e-04, 1024, 4, 1.15), 255891.56422520138, 1e-3);
	assert_close(vfc_model_best_irq(8.559032e-10, 8.781718e-04, 16384, 32, 1.15), 2497.3670236479365,
			    1e-6);
	/* Smaller requests, shallower queues, a larger margin: a higher rate. */
	assert_true(vfc_model_best_irq(1e-9, 1e-3, 4096, 32, 1) > i);
	assert_true(vfc_model_best_irq(1e-9, 1e-3, 16384, 4, 1) > i);
	assert_true(vfc_model_best_irq(1e-9, 1e-3, 16384, 32, 1.5) > i);
	/* t0 = 0: the queue limit alone, margin x 10^6 / (B t1 depth). */
	assert_close(vfc_model_best_irq(0, 1e-3, 16384, 32, 1), 1e6 / (16384 * 1e-3 * 32), 1e-9);
	/* Bad arguments. */
	assert_true(vfc_model_best_irq(-1, 1e-3, 16384, 32, 1) == 0);
	assert_true(vfc_model_best_irq(0, 0, 16384, 32, 1) == 0);
	assert_true(vfc_model_best_irq(1e-9, 1e-3, 0, 32, 1) == 0);
	assert_true(vfc_model_best_irq(1e-9, 1e-3, 16384, 0, 1) == 0);
	assert_true(vfc_model_best_irq(1e-9, 1e-3, 16384, 32, 0.5) == 0);
	assert_true(vfc_model_best_irq(NAN, 1e-3, 16384, 32, 1) == 0);
}

/* static:model: uncapped until the first non-idle tick, then the model's cap for that tick's
 * request size and depth, fixed whatever comes next. */
static void test_static_model(void **state)
{
	struct vfc_controller c;
	struct vfc_speed_sample idle = { .dt_ns = 100000000ull };
	struct vfc_speed_sample s = smp(1000, 60000, 1024, 4, 0), big = smp(1300, 2000, 65536, 32, 255892);

	(void)state;
	ctl_new(&c, "static:model");
	assert_int_equal(vfc_controller_cap(&c), 0);
	assert_string_equal(vfc_controller_state(&c), "measuring");
	assert_int_equal(vfc_controller_step(&c, &idle), 0);
	assert_int_equal(vfc_controller_step(&c, &s), 255892);
	assert_string_equal(vfc_controller_state(&c), "fixed");
	for (int t = 0; t < 20; t++)
		assert_int_equal(vfc_controller_step(&c, &big), 255892);
	/* A refit through the spec; an unknown depth counts as 1; no size: bytes / ops. */
	ctl_new(&c, "static:model,t0=1e-9,t1=1e-3,margin=1");
	s = smp(1000, 60000, 16384, 32, 0);
	assert_int_equal(vfc_controller_step(&c, &s), 1907);
	ctl_new(&c, "static:model,t0=0,t1=1e-3,margin=1");
	s = smp(1000, 60000, 16384, 0, 0);
	s.mean_req_bytes = 0;
	assert_int_equal(vfc_controller_step(&c, &s), (uint32_t)lround(1e6 / 16.384));
}

/* paper:i0=model: the first tick only measures (uncapped); I0 from the model; then the paper's
 * rule as written: the first slower tick caps at the previous tick's rate, once. */
static void test_paper_model(void **state)
{
	struct vfc_controller c;
	struct vfc_speed_sample s;

	(void)state;
	ctl_new(&c, "paper:i0=model,t0=1e-9,t1=1e-3,margin=1");
	assert_int_equal(vfc_controller_cap(&c), 0);
	assert_string_equal(vfc_controller_state(&c), "measuring");
	s = smp(900, 40000, 16384, 32, 0);
	assert_int_equal(vfc_controller_step(&c, &s), 1907); /* I0 */
	assert_string_equal(vfc_controller_state(&c), "watching");
	/* From i = 0: the uncapped tick's 900 MB/s does not count as the best. */
	s = smp(800, 1900, 16384, 32, 1907);
	assert_int_equal(vfc_controller_step(&c, &s), 1907);
	assert_true(c.paper.best == 800);
	s = smp(850, 1800, 16384, 32, 1907);
	assert_int_equal(vfc_controller_step(&c, &s), 1907);
	s = smp(840, 1700, 16384, 32, 1907); /* slower: the previous tick's 1800 Hz */
	assert_int_equal(vfc_controller_step(&c, &s), 1800);
	assert_string_equal(vfc_controller_state(&c), "done");
	s = smp(100, 1000, 16384, 32, 1800);
	assert_int_equal(vfc_controller_step(&c, &s), 1800);
	/* The default fit, 1 KiB at depth 4: far above the paper's 6450 Hz. */
	ctl_new(&c, "paper:i0=model");
	s = smp(200, 150000, 1024, 4, 0);
	assert_int_equal(vfc_controller_step(&c, &s), 255892);
}

static void round_trip(const char *spec, enum vfc_controller_kind kind, const char *canon)
{
	struct vfc_controller_cfg a, b;
	char buf[256], buf2[256], err[256];

	if (vfc_controller_parse(spec, &a, err, sizeof(err)) != 0)
		fail_msg("parse '%s': %s", spec, err);
	assert_int_equal(a.kind, kind);
	vfc_controller_format(&a, buf, sizeof(buf));
	if (canon)
		assert_string_equal(buf, canon);
	if (vfc_controller_parse(buf, &b, err, sizeof(err)) != 0)
		fail_msg("parse '%s' (from '%s'): %s", buf, spec, err);
	assert_memory_equal(&a, &b, sizeof(a));
	vfc_controller_format(&b, buf2, sizeof(buf2));
	assert_string_equal(buf, buf2);
}

static void test_specs(void **state)
{
	(void)state;
	round_trip("dim:kernel", VFC_CONTROLLER_KIND_DIM_KERNEL, "dim:kernel");
	round_trip("static:model", VFC_CONTROLLER_KIND_STATIC_MODEL,
		   "static:model,t0=8.559032e-10,t1=0.0008781718,margin=1.15");
	round_trip("paper:i0=model", VFC_CONTROLLER_KIND_PAPER_MODEL,
		   "paper:i0=model,t0=8.559032e-10,t1=0.0008781718,margin=1.15");
	round_trip("paper:i0=model,margin=1.3,t1=7.1e-4", VFC_CONTROLLER_KIND_PAPER_MODEL,
		   "paper:i0=model,t0=8.559032e-10,t1=0.00071,margin=1.3");
	round_trip("static:model,t0=0.1234567890123,t1=1e-3", VFC_CONTROLLER_KIND_STATIC_MODEL,
		   "static:model,t0=0.1234567890123,t1=0.001,margin=1.15");
	/* The families are unchanged. */
	round_trip("paper:i0=7000", VFC_CONTROLLER_KIND_PAPER, "paper:i0=7000");
	round_trip("static:5000", VFC_CONTROLLER_KIND_STATIC, "static:5000");
	round_trip("dim", VFC_CONTROLLER_KIND_DIM, NULL);
	assert_string_equal(vfc_controller_kind_name(VFC_CONTROLLER_KIND_DIM_KERNEL), "dim:kernel");
	assert_string_equal(vfc_controller_kind_name(VFC_CONTROLLER_KIND_PAPER_MODEL), "paper:i0=model");
	assert_string_equal(vfc_controller_kind_name(VFC_CONTROLLER_KIND_STATIC_MODEL), "static:model");
	assert_non_null(strstr(vfc_controller_help, "dim:kernel"));
	assert_non_null(strstr(vfc_controller_help, "paper:i0=model"));
	assert_non_null(strstr(vfc_controller_help, "static:model"));
}

static void expect_err(const char *spec, const char *needle)
{
	struct vfc_controller_cfg cfg;
	char err[256];

	assert_int_equal(vfc_controller_parse(spec, &cfg, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("spec '%s': error '%s' does not mention '%s'", spec, err, needle);
}

static void test_spec_errors(void **state)
{
	(void)state;
	expect_err("dim:kernel,sig=5", "dim:kernel: takes no parameters");
	expect_err("dim:kernel,", "dim:kernel: takes no parameters");
	expect_err("dim:kernelx", "dim: 'kernelx' has no value");
	expect_err("static:model,", "static:model: empty parameter");
	expect_err("static:model,x=1", "static:model: unknown parameter 'x' (known: t0, t1, margin)");
	expect_err("static:model,t0=-1", "static:model: t0: expected a fitted time");
	expect_err("static:model,t1=abc", "static:model: t1: expected a fitted time");
	expect_err("static:model,margin=0.5", "static:model: margin: expected a factor from 1");
	expect_err("static:model,t0=0,t1=0", "static:model: t0 and t1 must not both be 0");
	expect_err("static:modelx", "static: expected static:HZ");
	expect_err("paper:t0=1e-9,i0=model", "paper: i0=model must come first");
	expect_err("paper:i0=modelx", "paper: i0: expected an interrupt rate");
	expect_err("paper:i0=model,t0", "paper:i0=model: 't0' has no value");
	expect_err("paper:i0=model,i0=5", "paper:i0=model: unknown parameter 'i0'");
}

static void test_policy_variants(void **state)
{
	struct vfcd_policy p;
	uint32_t set = 0;
	char err[256];

	(void)state;
	vfcd_policy_init(&p);
	assert_int_equal(vfcd_policy_kv(&p, &set, "controller", "dim:kernel,static:model", err, sizeof(err)), 0);
	assert_int_equal(vfcd_policy_check(&p, err, sizeof(err)), 0);
	assert_true(vfcd_policy_ctl_allowed(&p, "dim:kernel"));
	assert_true(vfcd_policy_ctl_allowed(&p, "static:model,t0=1e-9,t1=1e-3"));
	assert_false(vfcd_policy_ctl_allowed(&p, "dim"));
	assert_false(vfcd_policy_ctl_allowed(&p, "dim:max=100000"));
	assert_false(vfcd_policy_ctl_allowed(&p, "static:5000"));
	assert_false(vfcd_policy_ctl_allowed(&p, "paper:i0=model"));
	/* A family allows its variants, as "paper" always allowed paper:i0=HZ. */
	assert_int_equal(vfcd_policy_kv(&p, &set, "controller", "paper", err, sizeof(err)), 0);
	assert_true(vfcd_policy_ctl_allowed(&p, "paper:i0=model"));
	assert_true(vfcd_policy_ctl_allowed(&p, "paper:i0=7000"));
	assert_false(vfcd_policy_ctl_allowed(&p, "dim:kernel"));
	assert_int_equal(vfcd_policy_kv(&p, &set, "controller", "paper:i0=model", err, sizeof(err)), 0);
	assert_false(vfcd_policy_ctl_allowed(&p, "paper"));
	assert_true(vfcd_policy_ctl_allowed(&p, "paper:i0=model,margin=2"));
	assert_int_equal(vfcd_policy_kv(&p, &set, "controller", "dim:kernels", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dim:kernel, paper:i0=model, static:model"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_best_irq),
		cmocka_unit_test(test_static_model),
		cmocka_unit_test(test_paper_model),
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_policy_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
