/* test_device.c — arrays know their device and dispatch chooses the backend from the
 * arguments. A second backend ("cpu2", registered through the backend layer's hook) keeps
 * its arrays in malloc'd memory that the library must treat as device memory (host =
 * false) and runs the CPU kernels while counting them, so the tests can see where
 * outputs are allocated, which kernels run, and that host-only paths refuse its arrays
 * with a clear error instead of reading them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "genc.h"
#include "../../src/backend/backend.h"
#include "../../src/distributions/dist_int.h"

static long kernel_calls, live_blocks;

static void *dev_alloc(size_t n) {
    void *p = malloc(n);
    if (p) live_blocks++;
    else gen_error_clear();
    return p;
}
static void dev_free(void *p, size_t n) {
    (void)n;
    live_blocks--;
    free(p);
}
static gen_status dev_copy(void *dst, const void *src, size_t n) {
    memcpy(dst, src, n);
    return GEN_OK;
}
/* Every op: count, then the CPU kernel (the memory is host memory in truth). */
static gen_status dev_kernel(const op_call *c) {
    kernel_calls++;
    return cpu_backend.kernels[c->op](c);
}
static op_kernel_fn dev_kernels[OP_COUNT];
static backend cpu2 = {.name = "cpu2", .host = false, .mem_alloc = dev_alloc, .mem_free = dev_free,
                       .to_host = dev_copy, .from_host = dev_copy, .kernels = dev_kernels};
static gen_device dev;

static void test_host_arrays(void) {
    gen_array *a = gen_scalar(1.5), *b = gen_zeros(GEN_F64, GEN_DIMS(100));
    CHECK(gen_array_device(a) == GEN_DEVICE_CPU && gen_array_device(b) == GEN_DEVICE_CPU);
    CHECK(!strcmp(gen_device_name(GEN_DEVICE_CPU), "cpu"));
    CHECK(!strcmp(gen_device_name((gen_device)99), "?"));
    CHECK(gen_device_count() == 2);
    CHECK(gen_array_to_host(b) == b); /* already there: the same array */
    CHECK(gen_array_to_device(a, GEN_DEVICE_CPU) == a);
    CHECK(gen_array_to_device(a, (gen_device)7) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_array_to_device: no device 7");
    CHECK(gen_array_to_host(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_to_host: the array is NULL");
}

static void test_copies_and_host_access(void) {
    const double v[3] = {1, -2, 4};
    gen_array *h = gen_array_from(GEN_F64, GEN_DIMS(3), v);
    long before = live_blocks;
    gen_array *d = CHECK_ARR(gen_array_to_device(h, dev));
    CHECK(d != h && gen_array_device(d) == dev && live_blocks == before + 1);
    CHECK_SHAPE(d, 3);
    /* host access is explicit */
    CHECK(gen_array_data(d) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_data: the array is on device cpu2; copy it to the host first");
    double x;
    CHECK(gen_item(gen_array_to_device(gen_scalar(3), dev), &x) == GEN_OK && x == 3); /* through a host copy */
    char buf[64];
    CHECK(gen_array_format(d, buf, sizeof buf) == GEN_ERR_MISUSE);
    gen_error_clear();
    gen_array *back = CHECK_ARR(gen_array_to_host(d));
    CHECK(gen_array_device(back) == GEN_DEVICE_CPU);
    CHECK_ARRAY(back, v, 3, 0, 0);
    CHECK(gen_array_to_device(d, dev) == d);
}

static void test_dispatch_follows_the_arguments(void) {
    gen_array *h = gen_arange(0, 10, 1, GEN_F64);
    gen_array *d = gen_array_to_device(h, dev);
    long k0 = kernel_calls;
    gen_array *s = CHECK_ARR(gen_mul(d, d)); /* the output is allocated on cpu2 */
    CHECK(gen_array_device(s) == dev && kernel_calls == k0 + 1);
    gen_array *t = CHECK_ARR(gen_sum(s, 0, NULL, false)); /* and stays there, even 0-d */
    CHECK(gen_array_device(t) == dev && kernel_calls == k0 + 2);
    CHECK_CLOSE(check_item(gen_array_to_host(t)), 285.0, 0);
    /* a 0-d device value takes no host fast path (the scalar path reads host memory) */
    gen_array *c = gen_array_to_device(gen_scalar(2.0), dev);
    gen_array *c2 = CHECK_ARR(gen_add(c, c));
    CHECK(gen_array_device(c2) == dev && kernel_calls == k0 + 3);
    CHECK_CLOSE(check_item(gen_array_to_host(c2)), 4.0, 0);
    /* the host path leaves cpu2's kernels alone; creation ops make host arrays */
    gen_array *hh = gen_mul(h, h);
    CHECK(gen_array_device(hh) == GEN_DEVICE_CPU && kernel_calls == k0 + 3);
    CHECK(gen_array_device(gen_ones(GEN_F64, GEN_DIMS(20))) == GEN_DEVICE_CPU);
    /* views (reshape) stay on the device */
    gen_array *r = CHECK_ARR(gen_reshape(d, GEN_DIMS(2, 5)));
    CHECK(gen_array_device(r) == dev);
}

static void test_mixing_devices_is_an_error(void) {
    gen_array *h = gen_arange(0, 10, 1, GEN_F64), *d = gen_array_to_device(h, dev);
    CHECK(gen_add(d, h) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "add: arguments on different devices (argument 0 on cpu2, argument 1 on cpu)");
    gen_array *w = gen_where(gen_array_to_device(gen_gt(h, gen_scalar(4)), dev), d, h);
    CHECK(w == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "argument 2 on cpu");
}

/* Small host arrays (inline: at most 64 bytes) go with an op to its device; the kernel
 * sees a device copy, the tape the original, so gradients reach a host scalar. */
static void test_small_host_arrays_travel(void) {
    gen_array *d = gen_array_to_device(gen_arange(0, 10, 1, GEN_F64), dev);
    long k0 = kernel_calls;
    gen_array *m = CHECK_ARR(gen_mul(gen_scalar(2.0), d));
    CHECK(gen_array_device(m) == dev && kernel_calls == k0 + 1);
    double s;
    CHECK(gen_item(gen_sum(m, 0, NULL, false), &s) == GEN_OK && s == 90.0); /* gen_item reads through the host */
    gen_array *v = gen_array_from(GEN_F64, GEN_DIMS(2), (double[]){1, 3});
    gen_array *w = CHECK_ARR(gen_add(gen_array_to_device(gen_zeros(GEN_F64, GEN_DIMS(4, 2)), dev), v));
    double buf[8];
    CHECK(gen_array_copy_to(w, GEN_F64, buf, sizeof buf) == GEN_OK && buf[6] == 1 && buf[7] == 3);
}

static gen_status scale_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_mul(in[0], (gen_array *)p), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradient_to_a_host_scalar(void) {
    gen_array *d = gen_array_to_device(gen_arange(0, 10, 1, GEN_F64), dev);
    gen_array *a = gen_scalar(3.0), *val = NULL, *g = NULL;
    gen_status st = gen_value_and_grad((gen_closure){scale_sum, d}, 1, &a, &val, &g);
    if (st) printf("%s\n", gen_error_message());
    CHECK(st == GEN_OK);
    double x;
    CHECK(gen_item(val, &x) == GEN_OK && x == 135.0);
    CHECK(gen_item(g, &x) == GEN_OK && x == 45.0);
}

/* The default device: creation functions make arrays larger than 64 bytes there. */
static void test_default_device(void) {
    CHECK(gen_device_default() == GEN_DEVICE_CPU);
    CHECK(gen_device_set_default((gen_device)9) == GEN_DEVICE_NONE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_device_set_default: no device 9");
    CHECK(gen_device_set_default(dev) == GEN_DEVICE_CPU && gen_device_default() == dev);
    CHECK(gen_array_device(gen_zeros(GEN_F64, GEN_DIMS(100))) == dev);
    CHECK(gen_array_device(gen_full(GEN_F64, GEN_DIMS(100), 2.5)) == dev);
    CHECK(gen_array_device(gen_arange(0, 100, 1, GEN_F64)) == dev);
    CHECK(gen_array_device(gen_zeros(GEN_F64, GEN_DIMS(8))) == GEN_DEVICE_CPU); /* 64 bytes: the host */
    CHECK(gen_array_device(gen_scalar(1.0)) == GEN_DEVICE_CPU);
    gen_array *f = gen_full(GEN_F64, GEN_DIMS(100), 2.5);
    double s;
    CHECK(gen_item(gen_sum(f, 0, NULL, false), &s) == GEN_OK && s == 250.0);
    CHECK(gen_device_synchronize(dev) == GEN_OK && gen_device_synchronize(GEN_DEVICE_CPU) == GEN_OK);
    CHECK(gen_device_set_default(GEN_DEVICE_CPU) == dev && gen_device_default() == GEN_DEVICE_CPU);
    CHECK(gen_array_device(gen_zeros(GEN_F64, GEN_DIMS(100))) == GEN_DEVICE_CPU);
}

static void test_unsupported_op(void) {
    gen_array *d = gen_array_to_device(gen_arange(0, 4, 1, GEN_F64), dev);
    op_kernel_fn saved = dev_kernels[OP_EXP];
    dev_kernels[OP_EXP] = NULL;
    CHECK(gen_exp(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "exp: not supported on the cpu2 backend");
    dev_kernels[OP_EXP] = saved;
}

/* A fused row runs on the arguments' device too (through dispatch like every op). */
static void test_fused_row_on_device(void) {
    gen_array *x = gen_array_to_device(gen_arange(0, 4, 1, GEN_F64), dev);
    gen_array *mu = gen_array_to_device(gen_zeros(GEN_F64, GEN_DIMS(4)), dev);
    gen_array *sg = gen_array_to_device(gen_ones(GEN_F64, GEN_DIMS(4)), dev);
    long k0 = kernel_calls;
    gen_array *lp = CHECK_ARR(op_apply(OP_NORMAL_LOGPDF, 3, (gen_array *[]){x, mu, sg}, NULL));
    CHECK(gen_array_device(lp) == dev && kernel_calls == k0 + 1);
    const double *v = gen_array_data(gen_array_to_host(lp));
    CHECK_CLOSE(v[3], -4.5 - 0.91893853320467274178, 1e-15);
}

/* Distributions on device parameters: the parameter checks run on the device (a host copy
 * names a bad value, never a read of device memory), the log density runs on the device
 * (the fused row), host values against device parameters are an error naming the op and
 * both devices, and the raw samplers draw from host copies of device parameters. */
static void test_distribution_on_device(void) {
    gen_array *x = gen_array_from(GEN_F64, GEN_DIMS(3), (double[]){0.5, -1, 2});
    gen_array *mu = gen_array_to_device(gen_zeros(GEN_F64, GEN_DIMS(3)), dev);
    gen_array *sg = gen_array_to_device(gen_full(GEN_F64, GEN_DIMS(3), 2.0), dev);
    gen_dist *d = gen_normal(mu, sg);
    CHECK(d != NULL);
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(d, gen_array_to_device(x, dev)));
    CHECK(gen_array_device(lp) == dev);
    gen_array *want = gen_dist_logpdf(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_full(GEN_F64, GEN_DIMS(3), 2.0)), x);
    CHECK_ARRAY(gen_array_to_host(lp), gen_array_data(want), 3, 0, 0);
    gen_array *x8 = gen_arange(0, 9, 1, GEN_F64); /* 72 bytes: not a small array */
    CHECK(gen_dist_logpdf(gen_normal(gen_array_to_device(gen_zeros(GEN_F64, GEN_DIMS(9)), dev), gen_scalar(1)), x8) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "normal_logpdf: arguments on different devices (argument 0 on cpu, argument 1 on cpu2)");
    gen_array *bad = gen_array_to_device(gen_array_from(GEN_F64, GEN_DIMS(2), (double[]){1, -3}), dev);
    CHECK(gen_normal(gen_scalar(0), bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "normal: sigma must be > 0, got -3 at index [1]");
    /* the samplers run on host copies of device parameters; the draws go to the device */
    gen_array *g = CHECK_ARR(gen_random_gamma(gen_key_new(1), sg));
    CHECK(gen_array_device(g) == dev);
    gen_array *hg = gen_random_gamma(gen_key_new(1), gen_full(GEN_F64, GEN_DIMS(3), 2.0));
    CHECK_ARRAY(gen_array_to_host(g), gen_array_data(hg), 3, 0, 0);
}

/* The supports query: what each device has a kernel for, by the names errors use. */
static void test_supports_query(void) {
    int n = gen_op_count();
    CHECK(n == OP_COUNT && n > 50);
    bool all_named = true, cpu_runs_all = true;
    for (int i = 0; i < n; i++) {
        const char *name = gen_op_name(i);
        all_named &= name && *name;
        cpu_runs_all &= gen_device_supports(GEN_DEVICE_CPU, name);
    }
    CHECK(all_named && cpu_runs_all);
    gen_error_clear();
    CHECK(gen_op_name(-1) == NULL && gen_op_name(n) == NULL);
    CHECK(gen_device_supports(dev, "exp") && gen_device_supports(dev, "normal_logpdf"));
    CHECK(!gen_device_supports(dev, "no_such_op") && !gen_device_supports(dev, NULL));
    CHECK(!gen_device_supports((gen_device)7, "exp") && !gen_device_supports(GEN_DEVICE_NONE, "exp"));
    CHECK(gen_error_status() == GEN_OK); /* a query: never an error */
    /* a device without a kernel says so, and lists exactly what it lacks */
    op_kernel_fn saved = dev_kernels[OP_CHOLESKY];
    dev_kernels[OP_CHOLESKY] = NULL;
    CHECK(!gen_device_supports(dev, "cholesky") && gen_device_supports(GEN_DEVICE_CPU, "cholesky"));
    int lacking = 0;
    for (int i = 0; i < n; i++) lacking += !gen_device_supports(dev, gen_op_name(i));
    CHECK(lacking == 1);
    gen_array *a = gen_array_to_device(gen_eye(3, GEN_F64), dev);
    CHECK(gen_cholesky(a) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "cholesky: not supported on the cpu2 backend");
    dev_kernels[OP_CHOLESKY] = saved;
    CHECK(gen_device_supports(dev, "cholesky") && gen_cholesky(a) != NULL);
}

/* The fused rows' C gradient rules read values only when every one is in host memory:
 * with a device value among them (here mu, beside host scalars that travel to the
 * device) the rules run public ops on the device, with the same results. */
static gen_status normal_lp(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_normal(in[1], in[2]), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static gen_status bijection_xld(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_out;
    gen_array *o[2];
    gen_status st = op_apply_n(OP_BIJECTION_SCALAR, n_in, in, &(op_params){.k = *(const int *)p}, 2, o);
    if (st != GEN_OK) return st;
    out[0] = gen_add(o[0], gen_mul(gen_scalar(2), o[1]));
    return out[0] ? GEN_OK : gen_error_status();
}

/* The value and gradients of f at host scalars in[] and with argument `moved` on the
 * device: the same numbers, the device's gradient on the device. */
static void check_grads_moved(gen_closure f, int n, const double *v, int moved, double rtol) {
    gen_array *h[3], *d[3], *vh, *vd, *gh[3], *gd[3];
    for (int i = 0; i < n; i++) h[i] = d[i] = gen_scalar(v[i]);
    d[moved] = gen_array_to_device(h[moved], dev);
    CHECK_OK(gen_value_and_grad(f, n, h, &vh, gh));
    CHECK_OK(gen_value_and_grad(f, n, d, &vd, gd));
    CHECK_CLOSE(check_item(gen_array_to_host(vd)), check_item(vh), rtol);
    for (int i = 0; i < n; i++) CHECK_CLOSE(check_item(gen_array_to_host(gd[i])), check_item(gh[i]), rtol);
    CHECK(gen_array_device(gd[moved]) == dev);
}

static void test_fused_rules_on_device(void) {
    check_grads_moved((gen_closure){normal_lp, NULL}, 3, (double[]){0.3, -1.0, 2.5}, 1, 1e-15);
    for (int k = 0; k < 3; k++) { /* u on the device, the bounds on the host */
        check_grads_moved((gen_closure){bijection_xld, &k}, 1 + k, (double[]){0.35, -1.5, 2.0}, 0, 1e-15);
        gen_error_clear();
    }
}

/* A family's scalar density (SCALAR_LOGPDF, a host C function) is not taken for device
 * values: the family's array formulas run on the device, even one without the row. */
static gen_status cauchy_lp(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_cauchy(in[1], in[2]), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_scalar_density_on_device(void) {
    op_kernel_fn saved = dev_kernels[OP_SCALAR_LOGPDF];
    dev_kernels[OP_SCALAR_LOGPDF] = NULL; /* as on a GPU */
    for (int moved = 0; moved < 3; moved++)
        check_grads_moved((gen_closure){cauchy_lp, NULL}, 3, (double[]){0.7, -0.2, 1.3}, moved, 1e-14);
    dev_kernels[OP_SCALAR_LOGPDF] = saved;
}

/* DRAW on device parameters: the family's sampler makes its arrays on the draw's device
 * and the draw lands in the output there, equal to the host's draw at the same key. */
static void test_draw_on_device(void) {
    gen_key key = gen_key_new(41);
    gen_array *kw = gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){(int64_t)key.k[0], (int64_t)key.k[1]});
    gen_array *mu = gen_arange(0, 8, 1, GEN_F64), *sg = gen_full(GEN_F64, GEN_DIMS(8), 0.5);
    gen_dist *dd = gen_normal(gen_array_to_device(mu, dev), gen_array_to_device(sg, dev));
    gen_array *x = CHECK_ARR(dist_draw_op(dd, kw, 977, 0));
    CHECK(gen_array_device(x) == dev);
    gen_array *want = gen_dist_sample(gen_normal(mu, sg), gen_key_fold_in(key, 977), 0, NULL);
    CHECK_ARRAY(gen_array_to_host(x), gen_array_data(want), 8, 0, 0);
    CHECK(gen_device_default() == GEN_DEVICE_CPU); /* the draw's creation device was put back */
}

/* Copies are not differentiated: a tracked array is a clear error. */
static gen_status to_dev(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_array_to_device(in[0], dev);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_copy_under_autodiff(void) {
    gen_array *g, *x = gen_scalar(1.0);
    CHECK(gen_grad((gen_closure){to_dev, NULL}, 1, &x, &g) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "gen_array_to_device: copies between devices (cpu to cpu2) are not differentiated");
}

/* Gradient rules of the linalg ops make their constants (the triangle masks of cholesky's
 * and triangular_solve's rules) on the values' device: gradients of device arrays are
 * computed there, alike. 5 x 5 matrices: masks of more than 64 bytes, which do not travel
 * with an op as small host arrays do. */
static gen_status linalg_loss(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *x = gen_triangular_solve(gen_cholesky(in[0]), in[1], true, false);
    gen_array *y = gen_triangular_solve(in[0], x, false, true);
    out[0] = gen_add(gen_sum(gen_square(y), 0, NULL, false), gen_logdet(in[0]));
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_linalg_gradients_on_device(void) {
    gen_array *m = gen_reshape(gen_sin(gen_arange(0, 25, 1, GEN_F64)), GEN_DIMS(5, 5));
    gen_array *a = gen_add(gen_matmul(m, gen_matrix_transpose(m)), gen_mul(gen_eye(5, GEN_F64), gen_scalar(5)));
    gen_array *b = gen_reshape(gen_cos(gen_arange(0, 10, 1, GEN_F64)), GEN_DIMS(5, 2));
    for (int t = GEN_F32; t <= GEN_F64; t++) { /* f32: cholesky's gradient by its formula */
        gen_array *host[2] = {gen_cast(a, (gen_dtype)t), gen_cast(b, (gen_dtype)t)}, *gh[2], *gd[2], *vh, *vd;
        gen_array *on_dev[2] = {gen_array_to_device(host[0], dev), gen_array_to_device(host[1], dev)};
        CHECK_OK(gen_value_and_grad((gen_closure){linalg_loss, NULL}, 2, host, &vh, gh));
        CHECK_OK(gen_value_and_grad((gen_closure){linalg_loss, NULL}, 2, on_dev, &vd, gd));
        if (!vd) continue;
        CHECK(gen_array_device(vd) == dev && gen_array_device(gd[0]) == dev && gen_array_device(gd[1]) == dev);
        CHECK_ARRAY(gen_array_to_host(vd), (double[]){check_item(vh)}, 1, 0, 0);
        for (int i = 0; i < 2; i++) {
            double want[25];
            CHECK_OK(gen_array_copy_to(gh[i], GEN_F64, want, sizeof want));
            CHECK_ARRAY(gen_array_to_host(gd[i]), want, gen_array_size(gh[i]), 0, 0);
        }
    }
}

int main(void) {
    for (int i = 0; i < OP_COUNT; i++) dev_kernels[i] = dev_kernel;
    dev = (gen_device)backend_register(&cpu2);
    CHECK(dev == 1 && cpu2.device == dev);
    RUN(test_host_arrays);
    RUN(test_copies_and_host_access);
    RUN(test_dispatch_follows_the_arguments);
    RUN(test_mixing_devices_is_an_error);
    RUN(test_small_host_arrays_travel);
    RUN(test_gradient_to_a_host_scalar);
    RUN(test_default_device);
    RUN(test_unsupported_op);
    RUN(test_fused_row_on_device);
    RUN(test_distribution_on_device);
    RUN(test_copy_under_autodiff);
    RUN(test_linalg_gradients_on_device);
    RUN(test_supports_query);
    RUN(test_fused_rules_on_device);
    RUN(test_scalar_density_on_device);
    RUN(test_draw_on_device);
    CHECK(live_blocks == 0); /* every device buffer freed with its arrays */
    return check_finish();
}
