/* test_reduce_axis.c — forward values of the single-axis ops: argmax/argmin, cumsum,
 * cumlogsumexp, sort and argsort (stability, NaN last, large rows against qsort),
 * with their errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- argmax / argmin ---- */

/* Reference: first index of the max (min) of x [2,3,4] along axis, NaN first. */
static void ref_arg(const double *x, int axis, bool max, double *out) {
    int64_t shape[3] = {2, 3, 4}, st[3] = {12, 4, 1};
    int o = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++) {
                int idx[3] = {i, j, k};
                if (idx[axis] != 0) continue;
                int64_t base = i * 12 + j * 4 + k, best = 0;
                for (int64_t m = 1; m < shape[axis]; m++) {
                    double b = x[base + best * st[axis]], v = x[base + m * st[axis]];
                    if (isnan(b)) break;
                    if (isnan(v) || (max ? v > b : v < b)) best = m;
                }
                out[o++] = (double)best;
            }
}

static void test_argmax(void) {
    double d[24];
    for (int i = 0; i < 24; i++) d[i] = (double)((i * 7) % 5); /* many ties */
    d[13] = NAN;
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3, 4), d);
    for (int axis = -3; axis < 3; axis++) {
        int ax = (axis + 3) % 3;
        double want[12];
        for (int mx = 0; mx < 2; mx++) {
            ref_arg(d, ax, mx, want);
            gen_array *r = mx ? gen_argmax(x, axis, false) : gen_argmin(x, axis, false);
            gen_array *rk = mx ? gen_argmax(x, axis, true) : gen_argmin(x, axis, true);
            int64_t sh[3] = {2, 3, 4}, shk[3] = {2, 3, 4};
            shk[ax] = 1;
            for (int d2 = ax; d2 < 2; d2++) sh[d2] = sh[d2 + 1];
            CHECK(gen_array_dtype(r) == GEN_I64);
            check_shape_at(__FILE__, __LINE__, r, 2, sh);
            check_shape_at(__FILE__, __LINE__, rk, 3, shk);
            CHECK_ARRAY(r, want, 24 / (ax == 0 ? 2 : ax == 1 ? 3 : 4), 0, 0);
            CHECK_ARRAY(rk, want, 24 / (ax == 0 ? 2 : ax == 1 ? 3 : 4), 0, 0);
        }
    }
    /* first occurrence; NaN wins for both (NumPy: the element at argmax is max) */
    double t[] = {3, 1, 3, 1, 2};
    gen_array *tx = gen_array_from_f64(GEN_DIMS(5), t);
    CHECK(check_item(gen_argmax(tx, 0, false)) == 0);
    CHECK(check_item(gen_argmin(tx, -1, false)) == 1);
    double n[] = {1, NAN, -5, NAN};
    gen_array *nx = gen_array_from_f64(GEN_DIMS(4), n);
    CHECK(check_item(gen_argmax(nx, 0, false)) == 1);
    CHECK(check_item(gen_argmin(nx, 0, false)) == 1);
    /* i64 beyond 2^53, bool, f32 */
    int64_t big[] = {(1LL << 53) + 1, (1LL << 53) + 2, (1LL << 53)};
    gen_array *bx = gen_array_from(GEN_I64, GEN_DIMS(3), big);
    CHECK(check_item(gen_argmax(bx, 0, false)) == 1);
    CHECK(check_item(gen_argmin(bx, 0, false)) == 2);
    bool bb[] = {false, true, true};
    CHECK(check_item(gen_argmax(gen_array_from(GEN_BOOL, GEN_DIMS(3), bb), 0, false)) == 1);
    float ff[] = {0.5f, -2.0f, 7.0f};
    CHECK(check_item(gen_argmin(gen_array_from(GEN_F32, GEN_DIMS(3), ff), 0, false)) == 1);
    /* empty: an empty result is fine, an empty axis with a nonempty result is not */
    gen_array *e = gen_zeros(GEN_F64, GEN_DIMS(0, 3));
    CHECK_SHAPE(gen_argmax(e, 1, false), 0);
    CHECK(gen_argmax(e, 0, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "argmax: axis 0 of shape [0,3] is empty");
    CHECK(gen_argmin(e, 0, true) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "argmin: axis 0");
    CHECK(gen_argmax(x, 3, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "argmax: axis 3 is out of range for 3 dimensions");
    CHECK(gen_argmin(gen_scalar(1.0), 0, false) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "argmin: axis 0 is out of range for 0 dimensions");
}

/* ---- cumsum / cumlogsumexp ---- */

static void test_cumsum(void) {
    double d[24];
    for (int i = 0; i < 24; i++) d[i] = cos(0.3 + 1.1 * i);
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3, 4), d);
    int64_t st[3] = {12, 4, 1}, sh[3] = {2, 3, 4};
    for (int axis = -3; axis < 3; axis++) {
        int ax = (axis + 3) % 3;
        double want[24];
        for (int i = 0; i < 24; i++) {
            int64_t k = (i / st[ax]) % sh[ax];
            long double s = 0;
            for (int64_t m = 0; m <= k; m++) s += d[i - (k - m) * st[ax]];
            want[i] = (double)s;
        }
        gen_array *c = gen_cumsum(x, axis);
        CHECK_SHAPE(c, 2, 3, 4);
        CHECK_ARRAY(c, want, 24, 1e-14, 1e-15);
    }
    int64_t di[] = {1, 2, 3, 4, 5, 6};
    gen_array *ci = gen_cumsum(gen_array_from(GEN_I64, GEN_DIMS(2, 3), di), 0);
    double wi[] = {1, 2, 3, 5, 7, 9};
    CHECK(gen_array_dtype(ci) == GEN_I64);
    CHECK_ARRAY(ci, wi, 6, 0, 0);
    bool bb[] = {true, false, true, true};
    gen_array *cb = gen_cumsum(gen_array_from(GEN_BOOL, GEN_DIMS(4), bb), 0);
    double wb[] = {1, 1, 2, 3};
    CHECK(gen_array_dtype(cb) == GEN_I64);
    CHECK_ARRAY(cb, wb, 4, 0, 0);
    /* f32 runs in double: the last entry is exactly 1 */
    float f[] = {1e8f, 1.0f, -1e8f};
    gen_array *cf = gen_cumsum(gen_array_from(GEN_F32, GEN_DIMS(3), f), 0);
    double wf[] = {1e8, 1e8, 1};
    CHECK(gen_array_dtype(cf) == GEN_F32);
    CHECK_ARRAY(cf, wf, 3, 0, 0);
    CHECK_SHAPE(gen_cumsum(gen_zeros(GEN_F64, GEN_DIMS(2, 0)), 1), 2, 0);
    CHECK(gen_cumsum(x, -4) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "cumsum: axis -4 is out of range for 3 dimensions");
    CHECK(gen_cumsum(gen_scalar(1.0), 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "cumsum: axis 0 is out of range for 0 dimensions");
}

static void test_cumlogsumexp(void) {
    double d[12];
    for (int i = 0; i < 12; i++) d[i] = 3 * sin(2.0 + 0.9 * i);
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 4), d);
    for (int axis = -2; axis < 2; axis++) {
        int ax = (axis + 2) % 2, st = ax ? 1 : 4, n = ax ? 4 : 3;
        double want[12];
        for (int i = 0; i < 12; i++) {
            int k = (i / st) % n;
            long double s = 0;
            for (int m = 0; m <= k; m++) s += expl(d[i - (k - m) * st]);
            want[i] = (double)logl(s);
        }
        CHECK_ARRAY(gen_cumlogsumexp(x, axis), want, 12, 1e-14, 1e-15);
    }
    /* -inf entries, all -inf, +inf, NaN, and huge values that would overflow exp */
    double s[] = {-INFINITY, 0.0, -INFINITY, 1.0, -INFINITY, -INFINITY,
                  1000.0, 1000.0, INFINITY, 2.0, INFINITY, NAN};
    gen_array *y = gen_cumlogsumexp(gen_array_from_f64(GEN_DIMS(2, 6), s), 1);
    double want[] = {-INFINITY, 0.0, 0.0, log1p(exp(1.0)), log1p(exp(1.0)), log1p(exp(1.0)),
                     1000.0, 1000.0 + log(2.0), INFINITY, INFINITY, INFINITY, NAN};
    CHECK_ARRAY(y, want, 12, 1e-15, 0);
    /* integers become f64, f32 stays f32 */
    int64_t di[] = {0, 0};
    gen_array *yi = gen_cumlogsumexp(gen_array_from(GEN_I64, GEN_DIMS(2), di), 0);
    double wi[] = {0, log(2.0)};
    CHECK(gen_array_dtype(yi) == GEN_F64);
    CHECK_ARRAY(yi, wi, 2, 1e-15, 0);
    float f[] = {-100.0f, -100.0f};
    gen_array *yf = gen_cumlogsumexp(gen_array_from(GEN_F32, GEN_DIMS(2), f), 0);
    double wf[] = {-100.0, -100.0 + log(2.0)};
    CHECK(gen_array_dtype(yf) == GEN_F32);
    CHECK_ARRAY(yf, wf, 2, 1e-7, 0);
    CHECK(gen_cumlogsumexp(x, 2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "cumlogsumexp: axis 2 is out of range");
}

/* ---- sort / argsort ---- */

static void test_sort_small(void) {
    /* stability among equal keys and NaN last (in original order), -inf first */
    double d[] = {3, 1, 2, 1, NAN, 1, -INFINITY, NAN};
    gen_array *x = gen_array_from_f64(GEN_DIMS(8), d);
    double wi[] = {6, 1, 3, 5, 2, 0, 4, 7}, ws[] = {-INFINITY, 1, 1, 1, 2, 3, NAN, NAN};
    gen_array *i = gen_argsort(x, 0);
    CHECK(gen_array_dtype(i) == GEN_I64);
    CHECK_ARRAY(i, wi, 8, 0, 0);
    CHECK_ARRAY(gen_sort(x, -1), ws, 8, 0, 0);
    /* along axis 0 of a [3,2] array (strided rows) */
    double m[] = {2, 5, 1, 5, 2, 4};
    gen_array *mx = gen_array_from_f64(GEN_DIMS(3, 2), m);
    double mi[] = {1, 2, 0, 0, 2, 1}, ms[] = {1, 4, 2, 5, 2, 5};
    CHECK_ARRAY(gen_argsort(mx, 0), mi, 6, 0, 0);
    CHECK_ARRAY(gen_sort(mx, 0), ms, 6, 0, 0);
    CHECK_SHAPE(gen_sort(mx, 0), 3, 2);
    /* dtypes: i64 beyond 2^53 compares exactly, bool, f32 keep their type */
    int64_t big[] = {(1LL << 53) + 1, (1LL << 53), -3};
    gen_array *bx = gen_array_from(GEN_I64, GEN_DIMS(3), big);
    double bi[] = {2, 1, 0};
    CHECK_ARRAY(gen_argsort(bx, 0), bi, 3, 0, 0);
    gen_array *bs = gen_sort(bx, 0);
    CHECK(gen_array_dtype(bs) == GEN_I64 && ((const int64_t *)gen_array_data(bs))[2] == big[0]);
    bool bb[] = {true, false, true, false};
    gen_array *sb = gen_sort(gen_array_from(GEN_BOOL, GEN_DIMS(4), bb), 0);
    double wb[] = {0, 0, 1, 1};
    CHECK(gen_array_dtype(sb) == GEN_BOOL);
    CHECK_ARRAY(sb, wb, 4, 0, 0);
    float ff[] = {2.5f, NAN, -1.0f};
    gen_array *sf = gen_sort(gen_array_from(GEN_F32, GEN_DIMS(3), ff), 0);
    double wf[] = {-1.0, 2.5, NAN};
    CHECK(gen_array_dtype(sf) == GEN_F32);
    CHECK_ARRAY(sf, wf, 3, 0, 0);
    /* empty rows, size-1 rows */
    CHECK_SHAPE(gen_sort(gen_zeros(GEN_F64, GEN_DIMS(3, 0)), 1), 3, 0);
    CHECK_SHAPE(gen_argsort(gen_zeros(GEN_F64, GEN_DIMS(0, 3)), 1), 0, 3);
    double one[] = {0, 0, 0};
    CHECK_ARRAY(gen_argsort(gen_ones(GEN_F64, GEN_DIMS(3, 1)), 1), one, 3, 0, 0);
    /* errors */
    CHECK(gen_sort(mx, 2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "sort: axis 2 is out of range for 2 dimensions");
    CHECK(gen_argsort(gen_scalar(1.0), 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "argsort: axis 0 is out of range for 0 dimensions");
    CHECK(gen_sort(NULL, 0) == NULL);
}

typedef struct keyed {
    double v;
    int64_t i;
} keyed;

static int keyed_cmp(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    bool na = isnan(a->v), nb = isnan(b->v);
    if (na != nb) return na ? 1 : -1;
    if (!na && a->v != b->v) return a->v < b->v ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i; /* stability: original order */
}

/* A 2 x 1500 array along axis 1 with many duplicates and NaNs, against qsort of
 * (value, index) pairs. Also the other axis of its transpose. */
static void test_sort_large(void) {
    enum { N = 1500 };
    static double d[2 * N], wv[2 * N], wi[2 * N], dt[2 * N];
    uint64_t s = 42;
    for (int i = 0; i < 2 * N; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int r = (int)((s >> 33) % 200);
        d[i] = r == 0 ? NAN : (double)(r % 37) - 18.0;
    }
    for (int row = 0; row < 2; row++) {
        keyed k[N];
        for (int i = 0; i < N; i++) k[i] = (keyed){d[row * N + i], i};
        qsort(k, N, sizeof *k, keyed_cmp);
        for (int i = 0; i < N; i++) wv[row * N + i] = k[i].v, wi[row * N + i] = (double)k[i].i;
    }
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, N), d);
    CHECK_ARRAY(gen_argsort(x, 1), wi, 2 * N, 0, 0);
    CHECK_ARRAY(gen_sort(x, 1), wv, 2 * N, 0, 0);
    /* transposed: [N, 2] sorted along axis 0 */
    for (int i = 0; i < N; i++)
        for (int r = 0; r < 2; r++) dt[i * 2 + r] = wi[r * N + i];
    CHECK_ARRAY(gen_argsort(gen_transpose(x), 0), dt, 2 * N, 0, 0);
}

int main(void) {
    RUN(test_argmax);
    RUN(test_cumsum);
    RUN(test_cumlogsumexp);
    RUN(test_sort_small);
    RUN(test_sort_large);
    return check_finish();
}
