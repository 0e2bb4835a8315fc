/* test_unary.c — elementwise ops of one argument: values against GSL / reference
 * formulas, edge cases (inf, nan, 0, huge, tiny), type rules (integers, bool, f32),
 * shapes, and gradients (finite differences for every differentiable op; trigamma has
 * none). Special functions' values are tested in test_special.c. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf.h>

#include "fd.h"

#define PI 3.14159265358979323846

/* n points: a grid from lo to hi, then pseudo-random ones in the same range. */
#define NPTS 1200
static double xs[NPTS];
static const double *points(double lo, double hi) {
    for (int i = 0; i < NPTS / 2; i++) xs[i] = lo + (hi - lo) * i / (NPTS / 2 - 1);
    gen_array *r = fd_uniform(11, lo, hi, GEN_DIMS(NPTS / 2));
    gen_array_copy_to(r, GEN_F64, xs + NPTS / 2, NPTS / 2 * sizeof *xs);
    return xs;
}

static double at(const gen_array *a, int64_t i) {
    double *buf = malloc((size_t)gen_array_size(a) * sizeof *buf);
    gen_array_copy_to(a, GEN_F64, buf, (size_t)gen_array_size(a) * sizeof *buf);
    double v = buf[i];
    free(buf);
    return v;
}

/* ---- references (GSL where it has the function, else a textbook formula) ---- */

static double ref_tan(double x) { return gsl_sf_sin(x) / gsl_sf_cos(x); }
static double ref_tanh(double x) {
    if (fabs(x) > 20) return copysign(1.0, x);
    double e = expm1(2 * x); /* libm: gsl_sf_expm1 is only ~2e-14 relative here */
    return e / (e + 2);
}
static double ref_sigmoid(double x) {
    return x >= 0 ? 1 / (1 + gsl_sf_exp(-x)) : gsl_sf_exp(x) / (1 + gsl_sf_exp(x));
}
static double ref_softplus(double x) {
    return x > 0 ? x + gsl_sf_log_1plusx(gsl_sf_exp(-x)) : gsl_sf_log_1plusx(gsl_sf_exp(x));
}
static double ref_log_sigmoid(double x) { return -ref_softplus(-x); }
static double ref_sqrt(double x) { return gsl_sf_exp(0.5 * gsl_sf_log(x)); }
static double ref_reciprocal(double x) { return 1 / x; }
static double ref_neg(double x) { return -x; }

static void test_values(void) {
    CHECK_GRID(gen_exp, gsl_sf_exp, NPTS, points(-700, 700), 1e-14, 0);
    CHECK_GRID(gen_expm1, gsl_sf_expm1, NPTS, points(-50, 50), 1e-14, 0);
    CHECK_GRID(gen_expm1, gsl_sf_expm1, NPTS, points(-1e-3, 1e-3), 1e-14, 0);
    CHECK_GRID(gen_log, gsl_sf_log, NPTS, points(1e-6, 1e6), 1e-14, 0);
    CHECK_GRID(gen_log1p, gsl_sf_log_1plusx, NPTS, points(-0.999, 100), 1e-14, 0);
    CHECK_GRID(gen_log1p, gsl_sf_log_1plusx, NPTS, points(-1e-3, 1e-3), 1e-14, 0);
    CHECK_GRID(gen_sqrt, ref_sqrt, NPTS, points(1e-6, 1e6), 1e-14, 0);
    CHECK_GRID(gen_reciprocal, ref_reciprocal, NPTS, points(-1e3, 1e3), 0, 0);
    /* near the zeros of sin / cos only absolute accuracy is meaningful */
    CHECK_GRID(gen_sin, gsl_sf_sin, NPTS, points(-20, 20), 1e-13, 1e-15);
    CHECK_GRID(gen_cos, gsl_sf_cos, NPTS, points(-20, 20), 1e-13, 1e-15);
    CHECK_GRID(gen_tan, ref_tan, NPTS, points(-1.5, 1.5), 1e-13, 1e-15);
    CHECK_GRID(gen_tanh, ref_tanh, NPTS, points(-25, 25), 1e-14, 0);
    CHECK_GRID(gen_tanh, ref_tanh, NPTS, points(-1e-3, 1e-3), 1e-14, 0);
    CHECK_GRID(gen_sigmoid, ref_sigmoid, NPTS, points(-700, 700), 1e-14, 0);
    CHECK_GRID(gen_softplus, ref_softplus, NPTS, points(-700, 700), 1e-14, 0);
    CHECK_GRID(gen_log_sigmoid, ref_log_sigmoid, NPTS, points(-700, 700), 1e-14, 0);
    double x[] = {-1.5, 0, 2};
    gen_array *a = gen_array_from_f64(GEN_DIMS(3), x);
    CHECK_ARRAY(gen_neg(a), ((double[]){1.5, 0, -2}), 3, 0, 0);
    CHECK_ARRAY(gen_square(a), ((double[]){2.25, 0, 4}), 3, 0, 0);
    CHECK_ARRAY(gen_abs(a), ((double[]){1.5, 0, 2}), 3, 0, 0);
    CHECK_ARRAY(gen_sign(a), ((double[]){-1, 0, 1}), 3, 0, 0);
}

/* ---- edge cases ---- */

#define EDGE(op, x, want, rtol) CHECK_CLOSE(check_item(op(gen_scalar(x))), want, rtol)

static void test_edges(void) {
    EDGE(gen_log, 0.0, -INFINITY, 0);
    EDGE(gen_log, -1.0, NAN, 0);
    EDGE(gen_log, INFINITY, INFINITY, 0);
    EDGE(gen_exp, 1000.0, INFINITY, 0);
    EDGE(gen_exp, -1000.0, 0, 0);
    EDGE(gen_exp, -INFINITY, 0, 0);
    EDGE(gen_expm1, 1e-10, 1.00000000005e-10, 1e-15);
    EDGE(gen_expm1, -INFINITY, -1, 0);
    EDGE(gen_expm1, 1000.0, INFINITY, 0);
    EDGE(gen_log1p, 1e-12, 9.999999999995e-13, 1e-15);
    EDGE(gen_log1p, -1.0, -INFINITY, 0);
    EDGE(gen_log1p, -2.0, NAN, 0);
    EDGE(gen_sqrt, -1.0, NAN, 0);
    EDGE(gen_sqrt, INFINITY, INFINITY, 0);
    EDGE(gen_reciprocal, 0.0, INFINITY, 0);
    EDGE(gen_reciprocal, -0.0, -INFINITY, 0);
    EDGE(gen_square, 1e200, INFINITY, 0);
    EDGE(gen_tanh, INFINITY, 1, 0);
    EDGE(gen_tanh, -1000.0, -1, 0);
    EDGE(gen_sin, INFINITY, NAN, 0);
    EDGE(gen_abs, -INFINITY, INFINITY, 0);
    EDGE(gen_sign, -INFINITY, -1, 0);
    EDGE(gen_sign, NAN, NAN, 0);
    CHECK(!signbit(check_item(gen_sign(gen_scalar(-0.0))))); /* sign(-0) is 0 */
    /* logistic family: no overflow, exact limits */
    EDGE(gen_sigmoid, 1000.0, 1, 0);
    EDGE(gen_sigmoid, -1000.0, 0, 0);
    EDGE(gen_sigmoid, 0.0, 0.5, 0);
    EDGE(gen_sigmoid, -700.0, exp(-700.0), 1e-13);
    EDGE(gen_sigmoid, INFINITY, 1, 0);
    EDGE(gen_sigmoid, -INFINITY, 0, 0);
    EDGE(gen_softplus, 1000.0, 1000, 0);
    EDGE(gen_softplus, -1000.0, 0, 0);
    EDGE(gen_softplus, -700.0, exp(-700.0), 1e-13);
    EDGE(gen_softplus, 40.0, 40 + exp(-40.0), 1e-15);
    EDGE(gen_softplus, INFINITY, INFINITY, 0);
    EDGE(gen_softplus, -INFINITY, 0, 0);
    EDGE(gen_log_sigmoid, -1000.0, -1000, 0);
    EDGE(gen_log_sigmoid, 1000.0, 0, 0);
    EDGE(gen_log_sigmoid, 40.0, -exp(-40.0), 1e-14);
    EDGE(gen_log_sigmoid, -INFINITY, -INFINITY, 0);
    /* nan propagates through every float op */
    fd_fn1 ops[] = {gen_neg, gen_abs, gen_sign, gen_exp, gen_expm1, gen_log, gen_log1p,
                 gen_sqrt, gen_square, gen_reciprocal, gen_sin, gen_cos, gen_tan, gen_tanh,
                 gen_sigmoid, gen_log_sigmoid, gen_softplus, gen_floor, gen_ceil, gen_round,
                 gen_erf, gen_erfc, gen_erfinv, gen_lgamma, gen_digamma, gen_trigamma,
                 gen_log_ndtr};
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        gen_array *r = ops[k](gen_array_from_f64(GEN_DIMS(2), ((double[]){NAN, 0.5})));
        CHECK(r && isnan(at(r, 0)) && !isnan(at(r, 1)));
    }
}

/* ---- rounding ---- */

static void test_rounding(void) {
    double x[] = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994, -0.7, 2.675,
                  4503599627370497.0, 1e300, INFINITY, -INFINITY};
    gen_array *a = gen_array_from_f64(GEN_DIMS(14), x);
    double wround[] = {-2, -2, -0.0, 0, 2, 2, 4, 0, -1, 3, 4503599627370497.0, 1e300,
                       INFINITY, -INFINITY};
    double wfloor[] = {-3, -2, -1, 0, 1, 2, 3, 0, -1, 2, 4503599627370497.0, 1e300,
                       INFINITY, -INFINITY};
    double wceil[] = {-2, -1, -0.0, 1, 2, 3, 4, 1, -0.0, 3, 4503599627370497.0, 1e300,
                      INFINITY, -INFINITY};
    gen_array *r = gen_round(a);
    CHECK_ARRAY(r, wround, 14, 0, 0);
    CHECK(r && signbit(at(r, 2))); /* round(-0.5) = -0, like NumPy */
    CHECK_ARRAY(gen_floor(a), wfloor, 14, 0, 0);
    CHECK_ARRAY(gen_ceil(a), wceil, 14, 0, 0);
    /* f32 stays f32 */
    gen_array *f = gen_round(gen_array_from(GEN_F32, GEN_DIMS(3), ((float[]){2.5f, -3.5f, 1.25f})));
    CHECK(f && gen_array_dtype(f) == GEN_F32);
    CHECK_ARRAY(f, ((double[]){2, -4, 1}), 3, 0, 0);
    /* identity on integers: exact beyond 2^53, dtype kept; bool becomes i64 */
    int64_t big[] = {(1LL << 60) + 1, -7};
    gen_array *bi = gen_array_from(GEN_I64, GEN_DIMS(2), big);
    fd_fn1 rops[] = {gen_floor, gen_ceil, gen_round};
    for (int k = 0; k < 3; k++) {
        gen_array *ri = rops[k](bi);
        CHECK(ri && gen_array_dtype(ri) == GEN_I64);
        CHECK(ri && ((const int64_t *)gen_array_data(ri))[0] == (1LL << 60) + 1);
        gen_array *rb = rops[k](gen_scalar_bool(true));
        CHECK(rb && gen_array_dtype(rb) == GEN_I64 && check_item(rb) == 1);
    }
}

/* ---- type rules ---- */

static void test_integer_types(void) {
    int64_t xi[] = {-3, 0, 5, INT64_MIN};
    gen_array *a = gen_array_from(GEN_I64, GEN_DIMS(4), xi);
    struct { fd_fn1 op; int64_t want[4]; } cases[] = {
        {gen_neg, {3, 0, -5, INT64_MIN}}, /* wraps like NumPy */
        {gen_abs, {3, 0, 5, INT64_MIN}},
        {gen_sign, {-1, 0, 1, -1}},
        {gen_square, {9, 0, 25, 0}},
    };
    for (int k = 0; k < 4; k++) {
        gen_array *r = cases[k].op(a);
        CHECK(r && gen_array_dtype(r) == GEN_I64);
        for (int i = 0; r && i < 4; i++) CHECK(((const int64_t *)gen_array_data(r))[i] == cases[k].want[i]);
    }
    /* bool is promoted to i64 by the integer-keeping ops */
    uint8_t xb[] = {1, 0};
    gen_array *b = gen_array_from(GEN_BOOL, GEN_DIMS(2), xb);
    gen_array *nb = gen_neg(b);
    CHECK(nb && gen_array_dtype(nb) == GEN_I64);
    CHECK_ARRAY(nb, ((double[]){-1, 0}), 2, 0, 0);
    gen_array *sb = gen_sign(b);
    CHECK(sb && gen_array_dtype(sb) == GEN_I64);
    /* the rest compute in f64 */
    gen_array *e = gen_exp(a);
    CHECK(e && gen_array_dtype(e) == GEN_F64);
    CHECK_CLOSE(at(e, 2), exp(5.0), 1e-15);
    gen_array *s = gen_sin(b);
    CHECK(s && gen_array_dtype(s) == GEN_F64);
    CHECK_ARRAY(s, ((double[]){sin(1.0), 0}), 2, 1e-15, 0);
    gen_array *sg = gen_sigmoid(gen_scalar_i64(0));
    CHECK(sg && gen_array_dtype(sg) == GEN_F64 && check_item(sg) == 0.5);
}

static void test_f32(void) {
    float xf[] = {-2.5f, -0.25f, 0.75f, 3.0f};
    gen_array *a = gen_array_from(GEN_F32, GEN_DIMS(4), xf);
    struct { fd_fn1 op; check_ref1 ref; } cases[] = {
        {gen_exp, exp},         {gen_expm1, expm1},     {gen_sin, sin},
        {gen_cos, cos},         {gen_tan, tan},         {gen_tanh, tanh},
        {gen_sigmoid, ref_sigmoid}, {gen_softplus, ref_softplus},
        {gen_log_sigmoid, ref_log_sigmoid}, {gen_abs, fabs}, {gen_neg, ref_neg},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        gen_array *r = cases[k].op(a);
        CHECK(r && gen_array_dtype(r) == GEN_F32);
        double want[4];
        for (int i = 0; i < 4; i++) want[i] = cases[k].ref((double)xf[i]);
        CHECK_ARRAY(r, want, 4, 1e-6, 1e-7);
    }
    gen_array *l = gen_log1p(gen_scalar_f32(1e-7f));
    CHECK(l && gen_array_dtype(l) == GEN_F32);
    CHECK_CLOSE(check_item(l), log1p((double)1e-7f), 1e-7);
    gen_array *sq = gen_sqrt(gen_scalar_f32(2.0f));
    CHECK(sq && gen_array_dtype(sq) == GEN_F32);
    CHECK_CLOSE(check_item(sq), sqrt(2.0), 1e-7);
    CHECK(check_item(gen_sigmoid(gen_scalar_f32(-200.0f))) == 0.0f); /* no overflow */
    CHECK(check_item(gen_softplus(gen_scalar_f32(200.0f))) == 200.0f);
}

/* ---- predicates ---- */

static void check_bools(const char *file, int line, gen_array *r, const uint8_t *want, int n) {
    check_count++;
    if (!r || gen_array_dtype(r) != GEN_BOOL || gen_array_size(r) != n) {
        check_fail(file, line, "predicate result: %s", r ? "wrong dtype or size" : gen_error_message());
        return;
    }
    const uint8_t *d = gen_array_data(r);
    for (int i = 0; i < n; i++)
        if (d[i] != want[i]) check_fail(file, line, "element %d is %d, want %d", i, d[i], want[i]);
}
#define CHECK_BOOLS(r, ...) \
    check_bools(__FILE__, __LINE__, (r), (const uint8_t[]){__VA_ARGS__}, \
                (int)sizeof((uint8_t[]){__VA_ARGS__}))

static void test_predicates(void) {
    gen_array *f = gen_array_from_f64(GEN_DIMS(6), ((double[]){0, -0.0, 1.5, NAN, INFINITY, -INFINITY}));
    CHECK_BOOLS(gen_logical_not(f), 1, 1, 0, 0, 0, 0);
    CHECK_BOOLS(gen_isfinite(f), 1, 1, 1, 0, 0, 0);
    CHECK_BOOLS(gen_isnan(f), 0, 0, 0, 1, 0, 0);
    gen_array *g = gen_array_from(GEN_F32, GEN_DIMS(3), ((float[]){0.0f, NAN, INFINITY}));
    CHECK_BOOLS(gen_logical_not(g), 1, 0, 0);
    CHECK_BOOLS(gen_isfinite(g), 1, 0, 0);
    CHECK_BOOLS(gen_isnan(g), 0, 1, 0);
    gen_array *i = gen_array_from(GEN_I64, GEN_DIMS(3), ((int64_t[]){0, -4, INT64_MAX}));
    CHECK_BOOLS(gen_logical_not(i), 1, 0, 0);
    CHECK_BOOLS(gen_isfinite(i), 1, 1, 1);
    CHECK_BOOLS(gen_isnan(i), 0, 0, 0);
    gen_array *b = gen_array_from(GEN_BOOL, GEN_DIMS(2), ((uint8_t[]){1, 0}));
    CHECK_BOOLS(gen_logical_not(b), 0, 1);
    CHECK_BOOLS(gen_isfinite(b), 1, 1);
    CHECK_BOOLS(gen_isnan(b), 0, 0);
}

/* ---- shapes and NULL ---- */

static void test_shapes(void) {
    gen_array *empty = gen_zeros(GEN_F64, GEN_DIMS(0, 3));
    CHECK_SHAPE(gen_lgamma(empty), 0, 3);
    CHECK_SHAPE(gen_isnan(empty), 0, 3);
    CHECK_SHAPE(gen_abs(gen_zeros(GEN_I64, GEN_DIMS(2, 0))), 2, 0);
    gen_array *s = gen_sigmoid(gen_scalar(0.0));
    CHECK(s && gen_array_ndim(s) == 0);
    gen_array *m = fd_uniform(3, -1, 1, GEN_DIMS(2, 3, 4));
    CHECK_SHAPE(gen_tanh(m), 2, 3, 4);
    CHECK_SHAPE(gen_round(m), 2, 3, 4);
    /* a NULL argument gives NULL and keeps the error already recorded */
    gen_error_set(GEN_ERR_VALUE, "earlier failure");
    CHECK(gen_erfinv(NULL) == NULL && gen_isnan(NULL) == NULL && gen_floor(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "earlier failure");
}

/* ---- gradients ---- */

#define FD_RTOL 1e-6
#define FD_ATOL 1e-7

static void test_gradients(void) {
    struct { fd_fn1 op; const char *name; double lo, hi; } cases[] = {
        {gen_neg, "neg", -2, 2},           {gen_abs, "abs", -2, 2},
        {gen_exp, "exp", -2, 2},           {gen_expm1, "expm1", -2, 2},
        {gen_log, "log", 0.5, 3},          {gen_log1p, "log1p", -0.5, 3},
        {gen_sqrt, "sqrt", 0.5, 3},        {gen_square, "square", -2, 2},
        {gen_reciprocal, "reciprocal", 0.5, 3},
        {gen_sin, "sin", -3, 3},           {gen_cos, "cos", -3, 3},
        {gen_tan, "tan", -1.2, 1.2},       {gen_tanh, "tanh", -2, 2},
        {gen_sigmoid, "sigmoid", -5, 5},   {gen_log_sigmoid, "log_sigmoid", -5, 5},
        {gen_softplus, "softplus", -5, 5}, {gen_erf, "erf", -2, 2},
        {gen_erfc, "erfc", -2, 2},         {gen_erfinv, "erfinv", -0.9, 0.9},
        {gen_lgamma, "lgamma", 0.2, 6},    {gen_lgamma, "lgamma", -2.9, -2.1},
        {gen_digamma, "digamma", 0.3, 6},  {gen_digamma, "digamma", -1.9, -1.1},
        {gen_log_ndtr, "log_ndtr", -8, 8}, {gen_log_ndtr, "log_ndtr", -60, -30},
        {gen_log_ndtr, "log_ndtr", 3, 9},
        /* zero gradient (points away from the jumps) */
        {gen_floor, "floor", 0.1, 0.9},    {gen_ceil, "ceil", -3.9, -3.1},
        {gen_round, "round", 1.6, 2.4},    {gen_sign, "sign", 0.5, 3},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        fd_fn1 *fn = &cases[k].op;
        gen_array *x23 = fd_uniform(100 + k, cases[k].lo, cases[k].hi, GEN_DIMS(2, 3));
        gen_array *x0 = fd_uniform(200 + k, cases[k].lo, cases[k].hi, 0, NULL);
        FD_CHECK(cases[k].name, fd_closure1(fn), 1, &x23, 1, FD_RTOL, FD_ATOL);
        FD_CHECK(cases[k].name, fd_closure1(fn), 1, &x0, 1, FD_RTOL, FD_ATOL);
    }
}

static gen_status call_op(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = (*(fd_fn1 *)p)(in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
/* grad of x -> op(x) at the scalar x */
static double grad_at(fd_fn1 *op, gen_array *x) {
    gen_array *g = NULL;
    gen_status st = gen_grad((gen_closure){call_op, op}, 1, &x, &g);
    return st == GEN_OK ? check_item(g) : NAN;
}

/* Derivatives where the naive formulas under/overflow. */
static void test_gradient_tails(void) {
    fd_fn1 sig = gen_sigmoid, sp = gen_softplus, ls = gen_log_sigmoid, ln = gen_log_ndtr,
        ei = gen_erfinv, ab = gen_abs;
    CHECK_CLOSE(grad_at(&sig, gen_scalar(40)), exp(-40.0), 1e-12);   /* not 0 */
    CHECK_CLOSE(grad_at(&sig, gen_scalar(-40)), exp(-40.0), 1e-12);
    CHECK_CLOSE(grad_at(&sp, gen_scalar(-800)), 0, 0);
    CHECK_CLOSE(grad_at(&sp, gen_scalar(800)), 1, 0);
    CHECK_CLOSE(grad_at(&ls, gen_scalar(-800)), 1, 0);
    /* d/dx log Phi = phi / Phi (mpmath npdf(x) / ncdf(x)) */
    CHECK_CLOSE(grad_at(&ln, gen_scalar(-40)), 40.024968847207264, 1e-12);
    CHECK_CLOSE(grad_at(&ln, gen_scalar(10)), 7.6945986267064193e-23, 1e-12);
    CHECK_CLOSE(grad_at(&ln, gen_scalar(0)), 2 / sqrt(2 * PI), 1e-15);
    CHECK_CLOSE(grad_at(&ei, gen_scalar(0)), sqrt(PI) / 2, 1e-15);
    CHECK_CLOSE(grad_at(&ei, gen_scalar(1)), INFINITY, 0);
    CHECK_CLOSE(grad_at(&ab, gen_scalar(-2)), -1, 0);
    CHECK_CLOSE(grad_at(&ab, gen_scalar(0)), 0, 0);
    /* f32 arguments get f32 gradients */
    fd_fn1 sn = gen_sin;
    gen_array *xf = gen_scalar_f32(0.3f), *g = NULL;
    CHECK_OK(gen_grad((gen_closure){call_op, &sn}, 1, &xf, &g));
    CHECK(g && gen_array_dtype(g) == GEN_F32);
    CHECK_CLOSE(check_item(g), cos(0.3), 1e-6);
}

/* x -> d/dx op(x), to take second derivatives */
static gen_status call_grad(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_out;
    return gen_grad((gen_closure){call_op, p}, n_in, in, out);
}

static void test_second_order(void) {
    fd_fn1 lg = gen_lgamma, dg = gen_digamma, sp = gen_softplus;
    gen_array *x = gen_scalar(2.5), *g2 = NULL, *t = NULL;
    /* lgamma'' = digamma' = trigamma */
    CHECK_OK(gen_grad((gen_closure){call_grad, &lg}, 1, &x, &g2));
    CHECK_CLOSE(check_item(g2), gsl_sf_psi_1(2.5), 1e-14);
    CHECK_OK(gen_jvp((gen_closure){call_grad, &lg}, 1, &x, &x, 1, NULL, &t));
    CHECK_CLOSE(check_item(t), 2.5 * gsl_sf_psi_1(2.5), 1e-14);
    /* softplus'' = sigmoid' */
    CHECK_OK(gen_grad((gen_closure){call_grad, &sp}, 1, &x, &g2));
    CHECK_CLOSE(check_item(g2), exp(-2.5) / pow(1 + exp(-2.5), 2), 1e-14);
    /* digamma'' would need trigamma's derivative: not available */
    CHECK(gen_grad((gen_closure){call_grad, &dg}, 1, &x, &g2) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "trigamma");
}

/* trigamma is the documented op without a gradient rule: differentiating it fails
 * with GEN_ERR_NOGRAD naming it, in both modes; evaluating it still works. */
static void test_trigamma_nograd(void) {
    fd_fn1 tg = gen_trigamma;
    gen_array *x = fd_uniform(5, 0.5, 2, GEN_DIMS(2, 3)), *s = gen_scalar(1.5), *g = NULL;
    gen_array *cot = gen_ones(GEN_F64, GEN_DIMS(2, 3)), *out = NULL, *t = NULL;
    CHECK(gen_grad((gen_closure){call_op, &tg}, 1, &s, &g) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "trigamma");
    CHECK(gen_vjp((gen_closure){call_op, &tg}, 1, &x, 1, &cot, NULL, &g) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "trigamma");
    CHECK(gen_jvp((gen_closure){call_op, &tg}, 1, &x, &cot, 1, &out, &t) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "trigamma");
    CHECK_CLOSE(check_item(gen_trigamma(s)), gsl_sf_psi_1(1.5), 1e-14);
}

int main(void) {
    gsl_set_error_handler_off();
    RUN(test_values);
    RUN(test_edges);
    RUN(test_rounding);
    RUN(test_integer_types);
    RUN(test_f32);
    RUN(test_predicates);
    RUN(test_shapes);
    RUN(test_gradients);
    RUN(test_gradient_tails);
    RUN(test_second_order);
    RUN(test_trigamma_nograd);
    return check_finish();
}
