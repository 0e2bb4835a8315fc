/* test_reduce_grad.c — gradients of the reductions, cumulative ops and sort: VJP and
 * JVP against finite differences over several axis sets, exact cotangents where FD is
 * ill-defined (ties of max/min, -inf in logsumexp/cumlogsumexp), zeros in prod,
 * second derivatives (FD of gradients), and f32. */
#include <math.h>

#include "fd.h"

typedef gen_array *(*red_op)(const gen_array *, int, const int *, bool);

/* A reduction with fixed axes as a closure of one argument. */
typedef struct red_case {
    red_op op;
    int naxes; /* -1: all axes via (0, NULL) */
    int axes[3];
    bool keep;
} red_case;

static gen_status call_red(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const red_case *rc = p;
    out[0] = rc->naxes < 0 ? rc->op(in[0], 0, NULL, rc->keep) : rc->op(in[0], rc->naxes, rc->axes, rc->keep);
    return out[0] ? GEN_OK : gen_error_status();
}

/* FD-checks op on x over a spread of axis sets (negative, unsorted, all, keepdims). */
static void fd_axes(const char *name, red_op op, gen_array *x, double rtol, double atol) {
    static const red_case cases[] = {
        {NULL, 1, {0}, false}, {NULL, 1, {-1}, true},     {NULL, 2, {2, 0}, false},
        {NULL, 2, {1, -1}, true}, {NULL, 3, {0, 1, 2}, false}, {NULL, -1, {0}, true},
        {NULL, -1, {0}, false},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        red_case rc = cases[k];
        rc.op = op;
        gen_array *in[1] = {x};
        if (!FD_CHECK(name, ((gen_closure){call_red, &rc}), 1, in, 1, rtol, atol))
            check_fail(__FILE__, __LINE__, "%s: axis case %zu", name, k);
    }
}

static void test_fd_reductions(void) {
    gen_array *x = fd_uniform(1, -1.5, 1.5, GEN_DIMS(2, 3, 4));
    fd_axes("sum", gen_sum, x, 1e-8, 1e-9);
    fd_axes("mean", gen_mean, x, 1e-8, 1e-9);
    fd_axes("prod", gen_prod, x, 1e-7, 1e-9);
    fd_axes("max", gen_max, x, 1e-8, 1e-9);
    fd_axes("min", gen_min, x, 1e-8, 1e-9);
    fd_axes("logsumexp", gen_logsumexp, x, 1e-8, 1e-9);
    /* larger magnitudes for logsumexp (weights far from uniform) */
    fd_axes("logsumexp wide", gen_logsumexp, fd_uniform(2, -20, 20, GEN_DIMS(2, 3, 4)), 1e-6, 1e-8);
    /* 0-d arguments (all axes: none) */
    red_case rc[] = {{gen_sum, -1, {0}, false}, {gen_prod, -1, {0}, true},
                     {gen_max, -1, {0}, false}, {gen_logsumexp, -1, {0}, false}};
    gen_array *in[1] = {gen_scalar(0.7)};
    for (int k = 0; k < 4; k++) FD_CHECK("0-d", ((gen_closure){call_red, &rc[k]}), 1, in, 1, 1e-8, 1e-9);
}

/* prod with zeros: rows with no zero, one zero and two zeros (FD is exact for a
 * polynomial), and exact partials. */
static void test_prod_zeros(void) {
    double d[12] = {0.5, -1.2, 2.0, 0.8,   /* no zero */
                    1.5, 0.0, -0.7, 1.1,   /* one zero */
                    0.0, 1.3, 0.0, -0.9};  /* two zeros */
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 4), d);
    red_case rc = {gen_prod, 1, {1}, false};
    gen_array *in[1] = {x};
    FD_CHECK("prod zeros axis 1", ((gen_closure){call_red, &rc}), 1, in, 1, 1e-8, 1e-10);
    red_case rc0 = {gen_prod, 1, {0}, true};
    FD_CHECK("prod zeros axis 0", ((gen_closure){call_red, &rc0}), 1, in, 1, 1e-8, 1e-10);
    gen_array *g;
    red_case all = {gen_prod, 1, {1}, false};
    gen_array *ones = gen_ones(GEN_F64, GEN_DIMS(3));
    CHECK_OK(gen_vjp((gen_closure){call_red, &all}, 1, in, 1, &ones, NULL, &g));
    double want[12] = {-1.2 * 2.0 * 0.8, 0.5 * 2.0 * 0.8, 0.5 * -1.2 * 0.8, 0.5 * -1.2 * 2.0,
                       0, 1.5 * -0.7 * 1.1, 0, 0,
                       0, 0, 0, 0};
    CHECK_ARRAY(g, want, 12, 1e-15, 0);
    /* JVP through the zero: d prod = t_zero * (product of the others) */
    gen_array *t = gen_array_from_f64(GEN_DIMS(3, 4), (double[]){0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0});
    gen_array *tan;
    CHECK_OK(gen_jvp((gen_closure){call_red, &all}, 1, in, &t, 1, NULL, &tan));
    double wt[3] = {0, 2 * 1.5 * -0.7 * 1.1, 0};
    CHECK_ARRAY(tan, wt, 3, 1e-15, 0);
}

/* Ties: the cotangent is split equally among the maxima (FD is ill-defined there). */
static void test_max_ties(void) {
    double d[] = {1, 3, 3, 2, 5, 5, 5, 0};
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 4), d);
    gen_array *in[1] = {x}, *g, *tan;
    red_case mx = {gen_max, 1, {1}, false};
    gen_array *cot = gen_array_from_f64(GEN_DIMS(2), (double[]){1.0, 6.0});
    CHECK_OK(gen_vjp((gen_closure){call_red, &mx}, 1, in, 1, &cot, NULL, &g));
    double want[] = {0, 0.5, 0.5, 0, 2, 2, 2, 0};
    CHECK_ARRAY(g, want, 8, 1e-15, 0);
    gen_array *t = gen_array_from_f64(GEN_DIMS(2, 4), (double[]){9, 1, 2, 9, 3, 4, 8, 9});
    CHECK_OK(gen_jvp((gen_closure){call_red, &mx}, 1, in, &t, 1, NULL, &tan));
    double wt[] = {1.5, 5.0};
    CHECK_ARRAY(tan, wt, 2, 1e-15, 0);
    /* min over all axes, tied at two elements */
    double m[] = {1, 4, 1, 7};
    gen_array *xm = gen_array_from_f64(GEN_DIMS(2, 2), m);
    red_case mn = {gen_min, -1, {0}, false};
    gen_array *inm[1] = {xm};
    CHECK_OK(gen_grad((gen_closure){call_red, &mn}, 1, inm, &g));
    double wm[] = {0.5, 0, 0.5, 0};
    CHECK_ARRAY(g, wm, 4, 0, 0);
}

/* logsumexp with -inf entries and an all -inf row: finite, nan-free gradients. */
static void test_logsumexp_inf(void) {
    double d[] = {-INFINITY, 0.0, 0.0, -INFINITY, -INFINITY, -INFINITY};
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3), d);
    gen_array *in[1] = {x}, *g, *y, *tan;
    red_case rc = {gen_logsumexp, 1, {1}, false};
    gen_array *cot = gen_ones(GEN_F64, GEN_DIMS(2));
    CHECK_OK(gen_vjp((gen_closure){call_red, &rc}, 1, in, 1, &cot, &y, &g));
    double wy[] = {log(2.0), -INFINITY}, wg[] = {0, 0.5, 0.5, 0, 0, 0};
    CHECK_ARRAY(y, wy, 2, 1e-15, 0);
    CHECK_ARRAY(g, wg, 6, 1e-15, 0);
    gen_array *t = gen_ones(GEN_F64, GEN_DIMS(2, 3));
    CHECK_OK(gen_jvp((gen_closure){call_red, &rc}, 1, in, &t, 1, NULL, &tan));
    double wt[] = {1.0, 0.0};
    CHECK_ARRAY(tan, wt, 2, 1e-15, 0);
}

/* ---- cumulative ops ---- */

typedef struct axis_fn {
    gen_array *(*op)(const gen_array *, int);
    int axis;
} axis_fn;

static gen_status call_axis(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const axis_fn *af = p;
    out[0] = af->op(in[0], af->axis);
    return out[0] ? GEN_OK : gen_error_status();
}

static void fd_axis_op(const char *name, gen_array *(*op)(const gen_array *, int), gen_array *x,
                       double rtol, double atol) {
    for (int axis = -gen_array_ndim(x); axis < gen_array_ndim(x); axis++) {
        axis_fn af = {op, axis};
        gen_array *in[1] = {x};
        if (!FD_CHECK(name, ((gen_closure){call_axis, &af}), 1, in, 1, rtol, atol))
            check_fail(__FILE__, __LINE__, "%s: axis %d", name, axis);
    }
}

static void test_fd_cumulative(void) {
    gen_array *x = fd_uniform(3, -2, 2, GEN_DIMS(2, 3, 4));
    fd_axis_op("cumsum", gen_cumsum, x, 1e-8, 1e-9);
    fd_axis_op("cumlogsumexp", gen_cumlogsumexp, x, 1e-8, 1e-9);
    fd_axis_op("cumlogsumexp wide", gen_cumlogsumexp, fd_uniform(4, -25, 25, GEN_DIMS(3, 5)), 1e-6, 1e-8);
}

/* Exact cumlogsumexp gradients where FD cannot go: -inf entries, an all -inf prefix,
 * and values 1000 apart (exp would overflow in a naive formula). */
static void test_cumlogsumexp_inf(void) {
    double d[] = {-INFINITY, 0.0, 1.0, -INFINITY, -INFINITY, 2.0, -1000.0, 0.0, 1000.0};
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 3), d);
    gen_array *in[1] = {x}, *g, *tan;
    axis_fn af = {gen_cumlogsumexp, 1};
    gen_array *cot = gen_ones(GEN_F64, GEN_DIMS(3, 3));
    CHECK_OK(gen_vjp((gen_closure){call_axis, &af}, 1, in, 1, &cot, NULL, &g));
    /* row 0: out = [-inf, 0, L = log(1 + e)]; cot_j = sum_{k>=j} exp(x_j - out_k) */
    double L = log1p(exp(1.0));
    double want[] = {0, 1 + exp(-L), exp(1.0 - L), 0, 0, 1, 1, 1, 1};
    CHECK_ARRAY(g, want, 9, 1e-15, 1e-300);
    /* JVP: tan_k = sum_{j<=k} t_j exp(x_j - out_k) */
    gen_array *t = gen_array_from_f64(GEN_DIMS(3, 3), (double[]){5, 1, -2, 7, 7, 3, 1, -1, 2});
    CHECK_OK(gen_jvp((gen_closure){call_axis, &af}, 1, in, &t, 1, NULL, &tan));
    double wt[] = {0, 1, 1 * exp(-L) - 2 * exp(1.0 - L), 0, 0, 3, 1, -1, 2};
    /* the weights are formed in log space, so their error is ~eps * |x| (x = 1000 here) */
    CHECK_ARRAY(tan, wt, 9, 1e-12, 1e-300);
    /* reverse-mode cotangent with mixed signs (the sign-split path) */
    gen_array *c2 = gen_array_from_f64(GEN_DIMS(3, 3), (double[]){1, -3, 2, 1, 1, -1, 0.5, -0.5, 4});
    CHECK_OK(gen_vjp((gen_closure){call_axis, &af}, 1, in, 1, &c2, NULL, &g));
    double w2[] = {0, -3 + 2 * exp(-L), 2 * exp(1.0 - L), 0, 0, -1, 0.5, -0.5, 4};
    CHECK_ARRAY(g, w2, 9, 1e-12, 1e-300);
}

/* ---- sort ---- */

static void test_sort_grad(void) {
    gen_array *x = fd_uniform(5, -3, 3, GEN_DIMS(3, 5));
    fd_axis_op("sort", gen_sort, x, 1e-8, 1e-9);
    /* the cotangent goes back through the permutation */
    double d[] = {3, 1, 2};
    gen_array *in[1] = {gen_array_from_f64(GEN_DIMS(3), d)}, *g;
    axis_fn af = {gen_sort, 0};
    gen_array *cot = gen_array_from_f64(GEN_DIMS(3), (double[]){10, 20, 30});
    CHECK_OK(gen_vjp((gen_closure){call_axis, &af}, 1, in, 1, &cot, NULL, &g));
    double want[] = {30, 10, 20};
    CHECK_ARRAY(g, want, 3, 0, 0);
}

/* ---- second derivatives: FD of gradients of scalar functions ---- */

typedef gen_array *(*scalar_fn)(const gen_array *x);

static gen_array *lse_all(const gen_array *x) { return gen_logsumexp(x, 0, NULL, false); }
static gen_array *prod_rows(const gen_array *x) {
    return gen_sum(gen_prod(x, GEN_AXES(1), false), 0, NULL, false);
}
static gen_array *max_sq(const gen_array *x) {
    return gen_sum(gen_square(gen_max(x, GEN_AXES(0), false)), 0, NULL, false);
}
/* Fixed weights of x's shape, so the functions below are not symmetric. */
static gen_array *weights(const gen_array *x) {
    return fd_uniform(9, -1, 1, gen_array_ndim(x), gen_array_shape(x));
}
static gen_array *cumlse_w(const gen_array *x) {
    return gen_sum(gen_mul(weights(x), gen_cumlogsumexp(x, 1)), 0, NULL, false);
}
static gen_array *cumsum_sq(const gen_array *x) {
    return gen_sum(gen_mul(weights(x), gen_square(gen_cumsum(x, 0))), 0, NULL, false);
}
static gen_array *sort_sq(const gen_array *x) {
    return gen_sum(gen_mul(weights(x), gen_square(gen_sort(x, 1))), 0, NULL, false);
}
static gen_array *mean_sq(const gen_array *x) {
    return gen_sum(gen_square(gen_mean(x, GEN_AXES(-1), true)), 0, NULL, false);
}
static gen_array *lse_rows_w(const gen_array *x) {
    return gen_sum(gen_mul(gen_logsumexp(x, GEN_AXES(1), true), gen_logsumexp(x, GEN_AXES(0), true)),
                   0, NULL, false);
}

static gen_status grad_of(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    return gen_grad(fd_closure1(p), 1, in, out);
}

static void test_second_order(void) {
    static fd_fn1 fns[] = {lse_all, prod_rows, max_sq, cumlse_w, cumsum_sq, sort_sq, mean_sq, lse_rows_w};
    static const char *names[] = {"logsumexp", "prod", "max", "cumlogsumexp", "cumsum", "sort", "mean", "logsumexp rows"};
    gen_array *x = fd_uniform(11, -1.5, 1.5, GEN_DIMS(3, 4));
    gen_array *in[1] = {x};
    for (int k = 0; k < (int)(sizeof fns / sizeof fns[0]); k++)
        if (!FD_CHECK(names[k], ((gen_closure){grad_of, &fns[k]}), 1, in, 1, 1e-6, 1e-7))
            check_fail(__FILE__, __LINE__, "second derivatives of %s", names[k]);
}

/* ---- f32: gradients come back as f32 and match f64 ---- */

static void test_f32(void) {
    static fd_fn1 fns[] = {lse_all, prod_rows, max_sq, cumlse_w, cumsum_sq, sort_sq, mean_sq};
    gen_array *x = fd_uniform(12, -1.5, 1.5, GEN_DIMS(3, 4)), *xf = gen_cast(x, GEN_F32);
    for (int k = 0; k < (int)(sizeof fns / sizeof fns[0]); k++) {
        gen_array *g, *gf;
        double want[12];
        CHECK_OK(gen_grad(fd_closure1(&fns[k]), 1, &x, &g));
        CHECK_OK(gen_grad(fd_closure1(&fns[k]), 1, &xf, &gf));
        CHECK(gen_array_dtype(gf) == GEN_F32);
        CHECK_OK(gen_array_copy_to(g, GEN_F64, want, sizeof want));
        CHECK_ARRAY(gf, want, 12, 1e-5, 1e-6);
    }
}

/* Integer-valued reductions carry no gradient but do not break a differentiated
 * function that uses them. */
static gen_array *uses_argmax(const gen_array *x) {
    gen_array *k = gen_cast(gen_argmax(x, 1, true), GEN_F64);
    gen_array *any = gen_cast(gen_any(gen_gt(x, gen_scalar(1.0)), 0, NULL, false), GEN_F64);
    gen_array *ix = gen_cast(gen_argsort(x, 0), GEN_F64);
    return gen_sum(gen_mul(gen_add(gen_mul(x, k), ix), gen_add(any, gen_scalar(1.0))), 0, NULL, false);
}

static void test_integer_outputs(void) {
    gen_array *x = fd_uniform(13, -1, 1, GEN_DIMS(3, 4));
    FD_CHECK1(uses_argmax, x, 1e-8, 1e-9);
}

int main(void) {
    RUN(test_fd_reductions);
    RUN(test_prod_zeros);
    RUN(test_max_ties);
    RUN(test_logsumexp_inf);
    RUN(test_fd_cumulative);
    RUN(test_cumlogsumexp_inf);
    RUN(test_sort_grad);
    RUN(test_second_order);
    RUN(test_f32);
    RUN(test_integer_outputs);
    return check_finish();
}
