/* test_bijection_elementwise.c — the elementwise bijections (identity, exp, affine,
 * lower bound, interval with finite and infinite ends), composition (including an
 * elementwise map before a matrix bijection) and user callbacks: round trips, the
 * log-Jacobian against the derivative computed by forward-mode autodiff, finite
 * differences of all three maps, and errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"

static gen_bijection *current;

static gen_array *fwd(const gen_array *u) { return gen_bijection_forward(current, u); }
static gen_array *inv(const gen_array *x) { return gen_bijection_inverse(current, x); }
static gen_array *logdet(const gen_array *u) { return gen_bijection_log_det_jacobian(current, u); }

static gen_status fwd_closure(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = fwd(in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

/* For an elementwise map, log|f'(u)| elementwise equals log_det; f' by gen_jvp with ones. */
static void check_elementwise(const char *name, gen_bijection *b, gen_array *u) {
    current = b;
    CHECK(strcmp(gen_bijection_name(b), name) == 0);
    gen_array *x = CHECK_ARR(fwd(u));
    int64_t n = gen_array_size(u);
    double *ud = malloc((size_t)n * sizeof *ud), *want = malloc((size_t)n * sizeof *want);
    gen_array_copy_to(u, GEN_F64, ud, (size_t)n * sizeof *ud);
    CHECK_ARRAY(inv(x), ud, n, 1e-12, 1e-12);
    gen_array *ones = gen_ones(GEN_F64, gen_array_ndim(u), gen_array_shape(u)), *t;
    CHECK_OK(gen_jvp((gen_closure){fwd_closure, NULL}, 1, &u, &ones, 1, NULL, &t));
    gen_array *lj = gen_log(gen_abs(t));
    gen_array_copy_to(lj, GEN_F64, want, (size_t)n * sizeof *want);
    CHECK_ARRAY(logdet(u), want, n, 1e-12, 1e-12);
    FD_CHECK1(fwd, u, 1e-7, 1e-9);
    FD_CHECK1(inv, x, 1e-6, 1e-8);
    FD_CHECK1(logdet, u, 1e-7, 1e-9);
    free(ud), free(want);
}

static void test_builtins(void) {
    gen_array *u = fd_uniform(1, -3, 3, GEN_DIMS(2, 3));
    check_elementwise("identity", gen_bijection_identity(), u);
    check_elementwise("exp", gen_bijection_exp(), u);
    check_elementwise("affine", gen_bijection_affine(gen_scalar(1.5), gen_array_from_f64(GEN_DIMS(3), (double[]){2, -0.5, 3})), u);
    check_elementwise("lower_bound", gen_bijection_lower_bound(gen_array_from_f64(GEN_DIMS(3), (double[]){-1, 0, 7})), u);
    /* interval with finite, half-infinite and doubly infinite ends, one per column */
    gen_array *lo = gen_array_from_f64(GEN_DIMS(3), (double[]){-2, -INFINITY, -INFINITY});
    gen_array *hi = gen_array_from_f64(GEN_DIMS(3), (double[]){5, 1, INFINITY});
    gen_bijection *iv = gen_bijection_interval(lo, hi);
    check_elementwise("interval", iv, u);
    gen_array *x = gen_bijection_forward(iv, gen_array_from_f64(GEN_DIMS(3), (double[]){40, 40, 40}));
    const double *xd = gen_array_data(x);
    CHECK(xd[0] <= 5 && xd[0] > 4.99 && xd[1] <= 1 && xd[1] > 0.99 && xd[2] == 40); /* ends reached only by rounding */
    gen_array *lo2 = gen_array_from_f64(GEN_DIMS(1), (double[]){3});
    check_elementwise("interval", gen_bijection_interval(lo2, gen_scalar(INFINITY)), u);
}

/* Composition of an elementwise map before a matrix bijection: log-dets add, with the
 * elementwise part summed over the vector input. */
static void test_compose(void) {
    gen_bijection *pd = gen_bijection_positive_definite(), *sc = gen_bijection_affine(gen_scalar(0), gen_scalar(2));
    gen_bijection *c = gen_bijection_compose(pd, sc);
    gen_array *u = fd_uniform(2, -1, 1, GEN_DIMS(3));
    double want = check_item(gen_bijection_log_det_jacobian(pd, gen_mul(gen_scalar(2), u))) + 3 * log(2.0);
    CHECK_CLOSE(check_item(gen_bijection_log_det_jacobian(c, u)), want, 1e-13);
    gen_array *x = gen_bijection_forward(c, u);
    CHECK_SHAPE(x, 2, 2);
    CHECK_ARRAY(gen_bijection_inverse(c, x), (const double *)gen_array_data(u), 3, 1e-12, 1e-12);
    check_elementwise("compose", gen_bijection_compose(gen_bijection_exp(), sc), fd_uniform(3, -1, 1, GEN_DIMS(4)));
}

/* x = u^3 + u (increasing), a user bijection. */
static gen_array *cub_f(void *p, const gen_array *u) { (void)p; return gen_add(gen_mul(gen_square(u), u), u); }
static gen_array *cub_i(void *p, const gen_array *x) {
    (void)p; /* Newton from u = x/2 on u^3 + u - x = 0; 40 steps suffice here */
    gen_array *u = gen_mul(x, gen_scalar(0.5));
    for (int i = 0; i < 40; i++)
        u = gen_sub(u, gen_div(gen_sub(cub_f(NULL, u), x), gen_add(gen_mul(gen_scalar(3), gen_square(u)), gen_scalar(1))));
    return u;
}
static gen_array *cub_ld(void *p, const gen_array *u) {
    (void)p;
    return gen_log(gen_add(gen_mul(gen_scalar(3), gen_square(u)), gen_scalar(1)));
}
static int freed;
static void cub_free(void *p) { (void)p; freed++; }

static void test_custom(void) {
    gen_bijection_callbacks cb = {"cubic", 0, GEN_SUPPORT_REAL, cub_f, cub_i, cub_ld, cub_free};
    gen_scope_begin();
    check_elementwise("cubic", gen_bijection_custom(&cb, NULL), fd_uniform(4, -2, 2, GEN_DIMS(5)));
    gen_scope_end();
    CHECK(freed == 1);
    cb.inverse = NULL;
    CHECK(gen_bijection_custom(&cb, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "forward, inverse and log_det_jacobian are required");
}

static void test_errors(void) {
    CHECK(gen_bijection_interval(gen_scalar(2), gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "lo must be < hi");
    CHECK(gen_bijection_affine(gen_scalar(0), gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "scale must be finite and nonzero");
    CHECK(gen_bijection_forward(gen_bijection_exp(), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "the value is NULL");
    CHECK(gen_bijection_inverse(gen_bijection_positive_definite(), gen_zeros(GEN_F64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "positive_definite needs values with at least 2 dimensions");
}

int main(void) {
    RUN(test_builtins);
    RUN(test_compose);
    RUN(test_custom);
    RUN(test_errors);
    return check_finish();
}
