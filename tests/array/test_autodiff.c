/* test_autodiff.c — the transforms: vjp, grad, value_and_grad, jvp, nesting,
 * stop_gradient, custom VJPs, and their error paths. */
#include <math.h>

#include "fd.h"

/* f(x, y) = sum(exp(x) * y + log(y)) with broadcasting: x [3], y [2, 3]. */
static gen_status f_xy(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_add(gen_mul(gen_exp(in[0]), in[1]), gen_log(in[1])), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_grad_broadcast(void) {
    double xd[] = {0.1, -0.2, 0.3}, yd[] = {1, 2, 3, 4, 5, 6};
    gen_array *in[2] = {gen_array_from_f64(GEN_DIMS(3), xd), gen_array_from_f64(GEN_DIMS(2, 3), yd)};
    gen_array *g[2], *val;
    CHECK_OK(gen_value_and_grad((gen_closure){f_xy, NULL}, 2, in, &val, g));
    double want_val = 0, gx[3], gy[6];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            want_val += exp(xd[j]) * yd[i * 3 + j] + log(yd[i * 3 + j]);
            gy[i * 3 + j] = exp(xd[j]) + 1 / yd[i * 3 + j];
        }
    for (int j = 0; j < 3; j++) gx[j] = exp(xd[j]) * (yd[j] + yd[3 + j]);
    CHECK_CLOSE(check_item(val), want_val, 1e-14);
    CHECK_SHAPE(g[0], 3);
    CHECK_ARRAY(g[0], gx, 3, 1e-14, 0);
    CHECK_ARRAY(g[1], gy, 6, 1e-14, 0);
    FD_CHECK("f_xy", ((gen_closure){f_xy, NULL}), 2, in, 1, 1e-7, 1e-9);
}

/* x -> x^3 via mul; grad of grad = 6x. */
static gen_status cube(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_mul(gen_mul(in[0], in[0]), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status dcube(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    return gen_grad((gen_closure){cube, NULL}, 1, in, out);
}

static void test_nested(void) {
    gen_array *x = gen_scalar(1.5), *g2, *t;
    CHECK_OK(gen_grad((gen_closure){dcube, NULL}, 1, &x, &g2));
    CHECK_CLOSE(check_item(g2), 6 * 1.5, 1e-14);
    /* forward over reverse: jvp of grad = Hessian-vector product */
    gen_array *v = gen_scalar(2.0);
    CHECK_OK(gen_jvp((gen_closure){dcube, NULL}, 1, &x, &v, 1, NULL, &t));
    CHECK_CLOSE(check_item(t), 6 * 1.5 * 2.0, 1e-14);
}

static gen_status stopped(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_mul(in[0], gen_stop_gradient(in[0]));
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_stop_gradient(void) {
    gen_array *x = gen_scalar(3.0), *g;
    CHECK_OK(gen_grad((gen_closure){stopped, NULL}, 1, &x, &g));
    CHECK_CLOSE(check_item(g), 3.0, 0);
}

/* custom VJP: forward exp, rule says the gradient is 2 * g (deliberately not exp). */
static gen_status fwd_exp(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_exp(in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status rule_two(void *p, int n_in, gen_array *const *in, int n_out, gen_array *const *out,
                           gen_array *const *cot, gen_array **cin) {
    (void)p, (void)n_in, (void)in, (void)n_out, (void)out;
    cin[0] = gen_mul(cot[0], gen_scalar(2.0));
    return GEN_OK;
}
static gen_status uses_custom(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *y;
    gen_status st = gen_custom_vjp((gen_closure){fwd_exp, NULL}, rule_two, NULL, 1, in, 1, &y);
    if (st != GEN_OK) return st;
    out[0] = gen_mul(y, gen_scalar(3.0));
    return GEN_OK;
}

static void test_custom_vjp(void) {
    gen_array *x = gen_scalar(0.5), *g, *val;
    CHECK_OK(gen_value_and_grad((gen_closure){uses_custom, NULL}, 1, &x, &val, &g));
    CHECK_CLOSE(check_item(val), 3 * exp(0.5), 1e-15);
    CHECK_CLOSE(check_item(g), 6.0, 0);
    gen_array *t;
    CHECK(gen_jvp((gen_closure){uses_custom, NULL}, 1, &x, &x, 1, NULL, &t) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "custom VJP");
}

static void test_errors(void) {
    gen_array *xi = gen_scalar_i64(2), *g = NULL;
    CHECK(gen_grad((gen_closure){cube, NULL}, 1, &xi, &g) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "input 0 is i64");
    gen_array *xv = gen_zeros(GEN_F64, GEN_DIMS(3));
    CHECK(gen_grad((gen_closure){cube, NULL}, 1, &xv, &g) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "one float scalar");
    CHECK(g == NULL);
}

int main(void) {
    RUN(test_grad_broadcast);
    RUN(test_nested);
    RUN(test_stop_gradient);
    RUN(test_custom_vjp);
    RUN(test_errors);
    return check_finish();
}
