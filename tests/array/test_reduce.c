/* test_reduce.c — forward values of the axis reductions (sum, prod, mean, max, min,
 * logsumexp, all, any) against plain C loops: axis sets, keepdims, dtypes, 0-d and
 * empty arrays, special values, errors. */
#include <math.h>
#include <string.h>

#include "check.h"

/* ---- an independent reference: group the elements of x by result element ---- */

typedef double (*ref_fn)(const double *v, int n);

/* Reduces x (ndim, shape) over the axes flagged in red[] with f; returns the number of
 * result elements (row-major over the kept axes). */
static int ref_reduce(const double *x, int ndim, const int64_t *shape, const bool *red, ref_fn f,
                      double *out) {
    int64_t size = 1, nout = 1;
    for (int d = 0; d < ndim; d++) {
        size *= shape[d];
        if (!red[d]) nout *= shape[d];
    }
    double vals[256];
    for (int64_t o = 0; o < nout; o++) {
        int n = 0;
        for (int64_t i = 0; i < size; i++) {
            int64_t rem = i, oi = 0, scale = 1;
            for (int d = ndim - 1; d >= 0; d--) {
                int64_t id = rem % shape[d];
                rem /= shape[d];
                if (!red[d]) oi += id * scale, scale *= shape[d];
            }
            if (oi == o) vals[n++] = x[i];
        }
        out[o] = f(vals, n);
    }
    return (int)nout;
}

static double r_sum(const double *v, int n) {
    long double s = 0;
    for (int i = 0; i < n; i++) s += v[i];
    return (double)s;
}
static double r_prod(const double *v, int n) {
    long double s = 1;
    for (int i = 0; i < n; i++) s *= v[i];
    return (double)s;
}
static double r_mean(const double *v, int n) { return r_sum(v, n) / n; }
static double r_max(const double *v, int n) {
    double m = -INFINITY;
    for (int i = 0; i < n; i++) m = isnan(v[i]) || isnan(m) ? NAN : fmax(m, v[i]);
    return m;
}
static double r_min(const double *v, int n) {
    double m = INFINITY;
    for (int i = 0; i < n; i++) m = isnan(v[i]) || isnan(m) ? NAN : fmin(m, v[i]);
    return m;
}
static double r_lse(const double *v, int n) { /* naive, fine for moderate values */
    long double s = 0;
    for (int i = 0; i < n; i++) s += expl(v[i]);
    return (double)logl(s);
}
static double r_all(const double *v, int n) {
    for (int i = 0; i < n; i++)
        if (v[i] == 0) return 0;
    return 1;
}
static double r_any(const double *v, int n) {
    for (int i = 0; i < n; i++)
        if (v[i] != 0) return 1;
    return 0;
}

typedef gen_array *(*red_op)(const gen_array *, int, const int *, bool);

/* One axis set of the [2,3,4] array. */
typedef struct axis_case {
    int naxes;
    int axes[3];
    bool all; /* pass (0, NULL) */
} axis_case;

static const axis_case CASES[] = {
    {1, {0}, false},     {1, {1}, false},     {1, {2}, false},  {1, {-1}, false},
    {1, {-3}, false},    {2, {0, 2}, false},  {2, {-1, 0}, false}, {2, {1, 2}, false},
    {3, {2, 0, 1}, false}, {0, {0}, true},
};
#define NCASES (int)(sizeof CASES / sizeof CASES[0])

/* Checks op against ref over every axis set and keepdims setting; want_dtype is the
 * result's dtype. Sums cancel, so their tolerance is absolute (atol ~ eps * sum |x|). */
static void check_op(const char *name, red_op op, ref_fn ref, const gen_array *x,
                     gen_dtype want_dtype, double rtol, double atol) {
    const int64_t *shape = gen_array_shape(x);
    int ndim = gen_array_ndim(x);
    double xd[64], want[64];
    CHECK_OK(gen_array_copy_to(x, GEN_F64, xd, sizeof xd));
    for (int k = 0; k < NCASES; k++) {
        const axis_case *ac = &CASES[k];
        bool red[GEN_MAX_DIMS] = {false};
        for (int j = 0; j < ac->naxes; j++) red[(ac->axes[j] + ndim) % ndim] = true;
        if (ac->all)
            for (int d = 0; d < ndim; d++) red[d] = true;
        int n = ref_reduce(xd, ndim, shape, red, ref, want);
        for (int keep = 0; keep < 2; keep++) {
            gen_array *y = ac->all ? op(x, 0, NULL, keep) : op(x, ac->naxes, ac->axes, keep);
            if (!CHECK_ARR(y)) continue;
            int64_t wshape[GEN_MAX_DIMS];
            int wn = 0;
            for (int d = 0; d < ndim; d++)
                if (!red[d]) wshape[wn++] = shape[d];
                else if (keep) wshape[wn++] = 1;
            if (!check_shape_at(__FILE__, __LINE__, y, wn, wshape) ||
                !CHECK_ARRAY(y, want, n, rtol, atol) || gen_array_dtype(y) != want_dtype)
                check_fail(__FILE__, __LINE__, "%s: axis case %d keepdims %d (dtype %s)", name, k,
                           keep, gen_dtype_name(gen_array_dtype(y)));
        }
    }
}

static void test_axis_sets(void) {
    double d[24];
    for (int i = 0; i < 24; i++) d[i] = sin(1.0 + 1.7 * i) * 2.0;
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3, 4), d);
    check_op("sum", gen_sum, r_sum, x, GEN_F64, 1e-15, 1e-15);
    check_op("prod", gen_prod, r_prod, x, GEN_F64, 1e-14, 0);
    check_op("mean", gen_mean, r_mean, x, GEN_F64, 1e-14, 1e-15);
    check_op("max", gen_max, r_max, x, GEN_F64, 0, 0);
    check_op("min", gen_min, r_min, x, GEN_F64, 0, 0);
    check_op("logsumexp", gen_logsumexp, r_lse, x, GEN_F64, 1e-15, 1e-15);
    /* all/any on values with some zeros */
    for (int i = 0; i < 24; i++) d[i] = (i % 5 == 0 || i % 7 == 3) ? 0.0 : d[i];
    gen_array *z = gen_array_from_f64(GEN_DIMS(2, 3, 4), d);
    check_op("all", gen_all, r_all, z, GEN_BOOL, 0, 0);
    check_op("any", gen_any, r_any, z, GEN_BOOL, 0, 0);
    /* integer types */
    int64_t di[24];
    for (int i = 0; i < 24; i++) di[i] = (i * 7) % 11 - 5;
    gen_array *xi = gen_array_from(GEN_I64, GEN_DIMS(2, 3, 4), di);
    check_op("sum i64", gen_sum, r_sum, xi, GEN_I64, 0, 0);
    check_op("prod i64", gen_prod, r_prod, xi, GEN_I64, 0, 0);
    check_op("max i64", gen_max, r_max, xi, GEN_I64, 0, 0);
    check_op("min i64", gen_min, r_min, xi, GEN_I64, 0, 0);
    check_op("mean i64", gen_mean, r_mean, xi, GEN_F64, 1e-15, 1e-15);
    check_op("logsumexp i64", gen_logsumexp, r_lse, xi, GEN_F64, 1e-15, 1e-15);
    check_op("any i64", gen_any, r_any, xi, GEN_BOOL, 0, 0);
    gen_array *b = gen_cast(z, GEN_BOOL);
    check_op("sum bool", gen_sum, r_sum, b, GEN_I64, 0, 0);
    check_op("prod bool", gen_prod, r_prod, b, GEN_I64, 0, 0);
    check_op("max bool", gen_max, r_max, b, GEN_BOOL, 0, 0);
    check_op("min bool", gen_min, r_min, b, GEN_BOOL, 0, 0);
    check_op("all bool", gen_all, r_all, b, GEN_BOOL, 0, 0);
    /* f32 keeps its type (mean and logsumexp too) */
    gen_array *xf = gen_cast(x, GEN_F32);
    check_op("sum f32", gen_sum, r_sum, xf, GEN_F32, 1e-6, 1e-6);
    check_op("mean f32", gen_mean, r_mean, xf, GEN_F32, 1e-6, 1e-6);
    check_op("max f32", gen_max, r_max, xf, GEN_F32, 0, 0);
    check_op("logsumexp f32", gen_logsumexp, r_lse, xf, GEN_F32, 1e-6, 1e-6);
    check_op("prod f32", gen_prod, r_prod, xf, GEN_F32, 1e-6, 0);
}

/* Sums of f32 accumulate in double: 1e8 + 1 - 1e8 is 1, not 0 as in float. */
static void test_f32_accumulates_in_double(void) {
    float d[3] = {1e8f, 1.0f, -1e8f};
    gen_array *x = gen_array_from(GEN_F32, GEN_DIMS(3), d);
    CHECK(check_item(gen_sum(x, 0, NULL, false)) == 1.0);
    CHECK_CLOSE(check_item(gen_mean(x, 0, NULL, false)), 1.0 / 3, 1e-7);
    /* 2^24 + 1 + 1: float accumulation would stay at 2^24 */
    float e[3] = {16777216.0f, 1.0f, 1.0f};
    gen_array *y = gen_array_from(GEN_F32, GEN_DIMS(3), e);
    CHECK(check_item(gen_sum(y, 0, NULL, false)) == 16777218.0);
}

static void test_zero_d(void) {
    gen_array *s = gen_scalar(-1.5);
    gen_array *outs[] = {gen_sum(s, 0, NULL, false), gen_prod(s, 0, NULL, true),
                         gen_max(s, 0, NULL, false), gen_min(s, 0, NULL, false),
                         gen_mean(s, 0, NULL, false), gen_logsumexp(s, 0, NULL, false)};
    for (int i = 0; i < 6; i++) {
        CHECK_SHAPE(outs[i]);
        CHECK(check_item(outs[i]) == -1.5);
    }
    CHECK(check_item(gen_all(s, 0, NULL, false)) == 1.0);
    CHECK(check_item(gen_any(gen_scalar(0.0), 0, NULL, false)) == 0.0);
    CHECK(gen_sum(s, GEN_AXES(0), false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "sum: axis 0 is out of range for 0 dimensions");
}

static void test_empty(void) {
    gen_array *e = gen_zeros(GEN_F64, GEN_DIMS(2, 0));
    double zeros[2] = {0, 0}, ones[2] = {1, 1}, nans[2] = {NAN, NAN},
           ninf[2] = {-INFINITY, -INFINITY};
    gen_array *s = gen_sum(e, GEN_AXES(1), false);
    CHECK_SHAPE(s, 2);
    CHECK_ARRAY(s, zeros, 2, 0, 0);
    CHECK_ARRAY(gen_prod(e, GEN_AXES(1), false), ones, 2, 0, 0);
    CHECK_ARRAY(gen_mean(e, GEN_AXES(-1), false), nans, 2, 0, 0);
    CHECK_ARRAY(gen_logsumexp(e, GEN_AXES(1), false), ninf, 2, 0, 0);
    CHECK_ARRAY(gen_all(e, GEN_AXES(1), false), ones, 2, 0, 0);
    CHECK_ARRAY(gen_any(e, GEN_AXES(1), false), zeros, 2, 0, 0);
    CHECK(check_item(gen_sum(e, 0, NULL, false)) == 0.0);
    CHECK(check_item(gen_prod(gen_cast(e, GEN_I64), 0, NULL, false)) == 1.0);
    /* reducing the nonempty axis leaves an empty result */
    gen_array *m = gen_max(e, GEN_AXES(0), true);
    CHECK_SHAPE(m, 1, 0);
    CHECK_SHAPE(gen_min(gen_zeros(GEN_F64, GEN_DIMS(0, 0)), GEN_AXES(1), false), 0);
    /* max/min over zero elements have no identity */
    CHECK(gen_max(e, GEN_AXES(1), false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "max: cannot reduce over an empty axis of shape [2,0]");
    CHECK(gen_min(e, 0, NULL, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "min: cannot reduce over an empty axis");
    CHECK(gen_max(gen_zeros(GEN_I64, GEN_DIMS(0)), 0, NULL, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "max:");
}

static void test_special_values(void) {
    double d[] = {1.0, NAN, 3.0, -INFINITY, 2.0, INFINITY};
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3), d);
    double mx[] = {NAN, INFINITY}, mn[] = {NAN, -INFINITY};
    CHECK_ARRAY(gen_max(x, GEN_AXES(1), false), mx, 2, 0, 0);
    CHECK_ARRAY(gen_min(x, GEN_AXES(1), false), mn, 2, 0, 0);
    /* logsumexp: +inf dominates, all -inf gives -inf, large values do not overflow */
    double l[] = {1000.0, 1000.0, -INFINITY, -INFINITY, INFINITY, 5.0, -1000.0, -1001.0};
    gen_array *y = gen_array_from_f64(GEN_DIMS(4, 2), l);
    double want[] = {1000.0 + log(2.0), -INFINITY, INFINITY, -1000.0 + log1p(exp(-1.0))};
    CHECK_ARRAY(gen_logsumexp(y, GEN_AXES(1), false), want, 4, 1e-15, 0);
    double l2[] = {INFINITY, INFINITY, NAN, 1.0};
    double want2[] = {INFINITY, NAN};
    CHECK_ARRAY(gen_logsumexp(gen_array_from_f64(GEN_DIMS(2, 2), l2), GEN_AXES(1), false), want2,
                2, 0, 0);
    /* f32 logsumexp of large values */
    float f[] = {100.0f, 100.0f};
    CHECK_CLOSE(check_item(gen_logsumexp(gen_array_from(GEN_F32, GEN_DIMS(2), f), 0, NULL, false)),
                100.0 + log(2.0), 1e-7);
    /* integer prod and sum wrap like C's unsigned arithmetic instead of trapping */
    int64_t big[] = {INT64_MAX, 2};
    gen_array *bi = gen_array_from(GEN_I64, GEN_DIMS(2), big);
    int64_t v;
    CHECK_OK(gen_item_i64(gen_prod(bi, 0, NULL, false), &v));
    CHECK(v == -2);
}

static void test_errors(void) {
    gen_array *x = gen_zeros(GEN_F64, GEN_DIMS(2, 3, 4));
    CHECK(gen_sum(x, GEN_AXES(3), false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "sum: axis 3 is out of range for 3 dimensions");
    CHECK(gen_max(x, GEN_AXES(-4), false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "max: axis -4 is out of range");
    CHECK(gen_prod(x, GEN_AXES(1, -2), false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "prod: axis -2 is listed twice");
    CHECK(gen_mean(x, GEN_AXES(0, 1, 2, 0), false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "mean: axis 0 is listed twice");
    CHECK(gen_logsumexp(x, 2, NULL, false) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "logsumexp: axes is NULL (2 axes given)");
    CHECK(gen_all(x, -1, NULL, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "all:");
    /* NULL arguments propagate and keep the first error */
    gen_array *bad = gen_any(x, GEN_AXES(7), false);
    CHECK(gen_min(bad, 0, NULL, false) == NULL && gen_sum(bad, 0, NULL, false) == NULL &&
          gen_mean(bad, 0, NULL, false) == NULL && gen_logsumexp(bad, 0, NULL, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "any: axis 7 is out of range");
}

int main(void) {
    RUN(test_axis_sets);
    RUN(test_f32_accumulates_in_double);
    RUN(test_zero_d);
    RUN(test_empty);
    RUN(test_special_values);
    RUN(test_errors);
    return check_finish();
}
