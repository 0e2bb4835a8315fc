/* test_binary.c — elementwise ops of two or three arguments: values against
 * independent references, type promotion, broadcasting, edge cases, errors and
 * gradients (FD_CHECK in both modes, with broadcast arguments). */
#include <math.h>
#include <string.h>

#include "fd.h"

#define LN2 0.69314718055994530942

static gen_array *vec(int64_t n, const double *d) { return gen_array_from_f64(1, &n, d); }

/* The elements of a as doubles into out (at most cap). */
static void values(const gen_array *a, double *out, int64_t cap) {
    CHECK(gen_array_size(a) <= cap);
    CHECK_OK(gen_array_copy_to(a, GEN_F64, out, (size_t)cap * sizeof *out));
}

/* Partial derivatives of an elementwise f at same-shape a, b (cotangent of ones). */
static void partials(fd_fn2 *fn, gen_array *a, gen_array *b, gen_array **ga, gen_array **gb) {
    gen_array *in[2] = {a, b}, *g[2] = {NULL, NULL}, *y = (*fn)(a, b);
    gen_array *one = gen_ones(gen_array_dtype(y), gen_array_ndim(y), gen_array_shape(y));
    CHECK_OK(gen_vjp(fd_closure2(fn), 2, in, 1, &one, NULL, g));
    *ga = g[0], *gb = g[1];
}

/* ---- arithmetic values and type promotion ---- */

static void test_arith_values(void) {
    double a[] = {1.5, -2, 0.25, 4, 1e300, -0.0}, b[] = {2, 3, -0.5};
    gen_array *A = gen_array_from_f64(GEN_DIMS(2, 3), a), *B = vec(3, b);
    double want[6];
    for (int i = 0; i < 6; i++) want[i] = a[i] + b[i % 3];
    CHECK_ARRAY(gen_add(A, B), want, 6, 0, 0);
    for (int i = 0; i < 6; i++) want[i] = a[i] - b[i % 3];
    CHECK_ARRAY(gen_sub(A, B), want, 6, 0, 0);
    for (int i = 0; i < 6; i++) want[i] = a[i] * b[i % 3];
    CHECK_ARRAY(gen_mul(A, B), want, 6, 0, 0);
    for (int i = 0; i < 6; i++) want[i] = a[i] / b[i % 3];
    CHECK_ARRAY(gen_div(A, B), want, 6, 0, 0);
    /* division by zero follows IEEE: +-inf and nan */
    double z[] = {1, -1, 0};
    gen_array *q = gen_div(vec(3, z), gen_scalar(0.0));
    double zq[] = {INFINITY, -INFINITY, NAN};
    CHECK_ARRAY(q, zq, 3, 0, 0);
    /* signed zero: -0 - 0 = -0 */
    double r;
    CHECK_OK(gen_item(gen_sub(gen_scalar(-0.0), gen_scalar(0.0)), &r));
    CHECK(r == 0 && signbit(r));
}

static void test_promotion(void) {
    gen_array *t = gen_scalar_bool(true), *i = gen_scalar_i64(7), *f = gen_scalar_f32(2.5f),
              *d = gen_scalar(0.5), *j = gen_scalar_i64(2);
    gen_array *r = gen_add(t, t); /* bool + bool -> i64, like NumPy's sum of bools */
    CHECK(gen_array_dtype(r) == GEN_I64);
    CHECK_CLOSE(check_item(r), 2, 0);
    CHECK(gen_array_dtype(gen_mul(t, t)) == GEN_I64);
    CHECK(gen_array_dtype(gen_add(i, j)) == GEN_I64);
    CHECK(gen_array_dtype(gen_sub(i, t)) == GEN_I64);
    CHECK(gen_array_dtype(gen_add(i, f)) == GEN_F32); /* bool < i64 < f32 < f64 */
    CHECK_CLOSE(check_item(gen_add(i, f)), 9.5, 0);
    CHECK(gen_array_dtype(gen_mul(f, d)) == GEN_F64);
    CHECK(gen_array_dtype(gen_mul(t, f)) == GEN_F32);
    CHECK(gen_array_dtype(gen_add(i, d)) == GEN_F64);
    /* div and pow are always floating point */
    r = gen_div(i, j);
    CHECK(gen_array_dtype(r) == GEN_F64);
    CHECK_CLOSE(check_item(r), 3.5, 0);
    CHECK(gen_array_dtype(gen_div(f, j)) == GEN_F32);
    CHECK(gen_array_dtype(gen_div(t, t)) == GEN_F64);
    r = gen_pow(i, j);
    CHECK(gen_array_dtype(r) == GEN_F64);
    CHECK_CLOSE(check_item(r), 49, 0);
    CHECK(gen_array_dtype(gen_pow(f, j)) == GEN_F32);
    CHECK(gen_array_dtype(gen_maximum(t, t)) == GEN_I64);
    CHECK(gen_array_dtype(gen_minimum(i, f)) == GEN_F32);
    CHECK(gen_array_dtype(gen_atan2(i, j)) == GEN_F64);
    CHECK(gen_array_dtype(gen_logaddexp(f, f)) == GEN_F32);
    CHECK(gen_array_dtype(gen_mod(i, j)) == GEN_I64);
    CHECK(gen_array_dtype(gen_mod(t, t)) == GEN_I64);
    CHECK(gen_array_dtype(gen_mod(i, f)) == GEN_F32);
    CHECK(gen_array_dtype(gen_eq(i, d)) == GEN_BOOL);
    CHECK(gen_array_dtype(gen_logical_and(i, d)) == GEN_BOOL);
    CHECK(gen_array_dtype(gen_clip(t, t, t)) == GEN_I64);
    CHECK(gen_array_dtype(gen_clip(i, f, j)) == GEN_F32);
    CHECK(gen_array_dtype(gen_where(t, i, j)) == GEN_I64);
    CHECK(gen_array_dtype(gen_where(t, t, t)) == GEN_BOOL);
    CHECK(gen_array_dtype(gen_where(t, i, f)) == GEN_F32);
}

/* i64 arithmetic is exact beyond 2^53 and wraps on overflow (two's complement). */
static void test_integer_arith(void) {
    int64_t big = (INT64_C(1) << 53) + 1, got = 0;
    CHECK_OK(gen_item_i64(gen_add(gen_scalar_i64(big), gen_scalar_i64(2)), &got));
    CHECK(got == big + 2);
    CHECK_OK(gen_item_i64(gen_mul(gen_scalar_i64(big), gen_scalar_i64(-3)), &got));
    CHECK(got == -3 * big);
    CHECK_OK(gen_item_i64(gen_add(gen_scalar_i64(INT64_MAX), gen_scalar_i64(1)), &got));
    CHECK(got == INT64_MIN);
    CHECK_OK(gen_item_i64(gen_sub(gen_scalar_i64(INT64_MIN), gen_scalar_i64(1)), &got));
    CHECK(got == INT64_MAX);
    CHECK_OK(gen_item_i64(gen_mul(gen_scalar_i64(INT64_MAX), gen_scalar_i64(2)), &got));
    CHECK(got == -2);
    CHECK_OK(gen_item_i64(gen_maximum(gen_scalar_i64(INT64_MIN), gen_scalar_i64(INT64_MAX)), &got));
    CHECK(got == INT64_MAX);
    int64_t a[] = {5, -5, 0}, b[] = {2, 3};
    gen_array *A = gen_array_from(GEN_I64, GEN_DIMS(3, 1), a), *B = gen_array_from(GEN_I64, GEN_DIMS(2), b);
    gen_array *r = gen_sub(A, B);
    CHECK(gen_array_dtype(r) == GEN_I64);
    CHECK_SHAPE(r, 3, 2);
    double want[] = {3, 2, -7, -8, -2, -3};
    CHECK_ARRAY(r, want, 6, 0, 0);
}

/* ---- broadcasting ---- */

static void test_broadcast(void) {
    double a6[] = {1, 2, 3, 4, 5, 6}, a3[] = {10, 20, 30}, c2[] = {1, 2};
    /* scalar with array, both orders */
    gen_array *r = gen_sub(gen_scalar(1), vec(3, a3));
    CHECK_SHAPE(r, 3);
    CHECK_ARRAY(r, ((double[]){-9, -19, -29}), 3, 0, 0);
    r = gen_sub(vec(3, a3), gen_scalar(1));
    CHECK_ARRAY(r, ((double[]){9, 19, 29}), 3, 0, 0);
    /* [3] with [2,3] */
    r = gen_add(vec(3, a3), gen_array_from_f64(GEN_DIMS(2, 3), a6));
    CHECK_SHAPE(r, 2, 3);
    CHECK_ARRAY(r, ((double[]){11, 22, 33, 14, 25, 36}), 6, 0, 0);
    /* [2,1] with [1,3] */
    r = gen_mul(gen_array_from_f64(GEN_DIMS(2, 1), c2), gen_array_from_f64(GEN_DIMS(1, 3), a3));
    CHECK_SHAPE(r, 2, 3);
    CHECK_ARRAY(r, ((double[]){10, 20, 30, 20, 40, 60}), 6, 0, 0);
    /* [2,1,3] with [2,1]: strided broadcast on both sides -> [2,2,3] */
    r = gen_sub(gen_array_from_f64(GEN_DIMS(2, 1, 3), a6), gen_array_from_f64(GEN_DIMS(2, 1), c2));
    CHECK_SHAPE(r, 2, 2, 3);
    CHECK_ARRAY(r, ((double[]){0, 1, 2, -1, 0, 1, 3, 4, 5, 2, 3, 4}), 12, 0, 0);
    /* 0-d with 0-d stays 0-d; 0-d with [1] is [1] */
    r = gen_add(gen_scalar(2), gen_scalar(3));
    CHECK(gen_array_ndim(r) == 0);
    CHECK_CLOSE(check_item(r), 5, 0);
    CHECK_SHAPE(gen_add(gen_scalar(2), vec(1, a3)), 1);
    /* empty dimensions */
    gen_array *e = gen_zeros(GEN_F64, GEN_DIMS(0, 3));
    CHECK_SHAPE(gen_add(e, vec(3, a3)), 0, 3);
    CHECK_SHAPE(gen_add(gen_zeros(GEN_F64, GEN_DIMS(2, 0)), gen_zeros(GEN_F64, GEN_DIMS(2, 1))), 2, 0);
    CHECK_SHAPE(gen_mul(gen_zeros(GEN_F64, GEN_DIMS(0)), gen_scalar(1)), 0);
    CHECK_SHAPE(gen_lt(e, gen_scalar(1)), 0, 3);
    CHECK_SHAPE(gen_where(gen_zeros(GEN_BOOL, GEN_DIMS(0, 1)), e, gen_scalar(1)), 0, 3);
    CHECK_SHAPE(gen_clip(e, gen_scalar(0), vec(3, a3)), 0, 3);
    CHECK_SHAPE(gen_logaddexp(e, e), 0, 3);
    /* broadcasting an empty axis against 1 but not against 2 */
    CHECK(gen_add(gen_zeros(GEN_F64, GEN_DIMS(0)), vec(2, c2)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "add: shapes [0] and [2] do not broadcast");
}

static void test_broadcast_errors(void) {
    double d[] = {1, 2, 3};
    CHECK(gen_add(vec(2, d), vec(3, d)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "add: shapes [2] and [3] do not broadcast");
    CHECK(gen_mod(gen_zeros(GEN_F64, GEN_DIMS(2, 3)), gen_zeros(GEN_F64, GEN_DIMS(2))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mod: shapes [2,3] and [2] do not broadcast");
    CHECK(gen_ge(vec(2, d), vec(3, d)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "ge: shapes [2] and [3]");
    CHECK(gen_logical_or(vec(2, d), vec(3, d)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "logical_or: shapes [2] and [3]");
    CHECK(gen_atan2(vec(3, d), vec(2, d)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "atan2: shapes [3] and [2]");
    /* integer arguments are cast first; the message still names the op */
    CHECK(gen_div(gen_zeros(GEN_I64, GEN_DIMS(2)), gen_zeros(GEN_I64, GEN_DIMS(3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "div: shapes [2] and [3]");
    CHECK(gen_where(gen_scalar_bool(true), vec(2, d), vec(3, d)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "where: shapes [2] and [3]");
    CHECK(gen_clip(vec(3, d), gen_scalar(0), vec(2, d)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "clip: shapes [3] and [2]");
    CHECK(gen_where(vec(2, d), vec(3, d), gen_scalar(0)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "where: shapes [2] and [3]");
}

/* NULL arguments propagate and keep the first error. */
static void test_null_args(void) {
    gen_array *x = gen_scalar(1);
    CHECK(gen_add(x, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "add: argument 1 is NULL");
    gen_array *bad = gen_add(gen_zeros(GEN_F64, GEN_DIMS(2)), gen_zeros(GEN_F64, GEN_DIMS(3)));
    CHECK(bad == NULL);
    gen_array *chain = gen_clip(gen_mod(gen_logaddexp(bad, x), x), x, gen_atan2(x, bad));
    chain = gen_where(gen_logical_and(chain, x), gen_pow(x, bad), gen_maximum(bad, bad));
    CHECK(chain == NULL);
    CHECK(gen_where(NULL, x, x) == NULL && gen_where(x, NULL, x) == NULL && gen_where(x, x, NULL) == NULL);
    CHECK(gen_clip(NULL, x, x) == NULL && gen_clip(x, NULL, x) == NULL && gen_clip(x, x, NULL) == NULL);
    CHECK(gen_logical_or(NULL, x) == NULL && gen_eq(x, NULL) == NULL && gen_minimum(NULL, NULL) == NULL);
    CHECK(gen_sub(NULL, x) == NULL && gen_mul(x, NULL) == NULL && gen_div(NULL, x) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "add: shapes [2] and [3]");
}

/* ---- maximum, minimum, pow ---- */

static void test_maximum_minimum(void) {
    double a[] = {1, NAN, 3, -0.0, INFINITY, NAN}, b[] = {2, 1, NAN, 0.0, -INFINITY, NAN};
    gen_array *A = vec(6, a), *B = vec(6, b);
    CHECK_ARRAY(gen_maximum(A, B), ((double[]){2, NAN, NAN, 0, INFINITY, NAN}), 6, 0, 0);
    CHECK_ARRAY(gen_minimum(A, B), ((double[]){1, NAN, NAN, 0, -INFINITY, NAN}), 6, 0, 0);
    int64_t ia[] = {-3, 4}, ib[] = {2, -5};
    gen_array *IA = gen_array_from(GEN_I64, GEN_DIMS(2), ia), *IB = gen_array_from(GEN_I64, GEN_DIMS(2), ib);
    CHECK_ARRAY(gen_maximum(IA, IB), ((double[]){2, 4}), 2, 0, 0);
    CHECK_ARRAY(gen_minimum(IA, IB), ((double[]){-3, -5}), 2, 0, 0);
    /* gradient goes to the picked argument: the first on ties, the nan one otherwise */
    static fd_fn2 mx = gen_maximum, mn = gen_minimum;
    double x[] = {1, 2, 5, NAN, 1}, y[] = {2, 2, 3, 1, NAN};
    gen_array *ga, *gb;
    partials(&mx, vec(5, x), vec(5, y), &ga, &gb);
    CHECK_ARRAY(ga, ((double[]){0, 1, 1, 1, 0}), 5, 0, 0);
    CHECK_ARRAY(gb, ((double[]){1, 0, 0, 0, 1}), 5, 0, 0);
    partials(&mn, vec(5, x), vec(5, y), &ga, &gb);
    CHECK_ARRAY(ga, ((double[]){1, 1, 0, 1, 0}), 5, 0, 0);
    CHECK_ARRAY(gb, ((double[]){0, 0, 1, 0, 1}), 5, 0, 0);
}

static void test_pow(void) {
    double a[] = {2, 9, 0, 0, -8, -2, 4, 0, 1}, b[] = {10, 0.5, 0, -1, 1.0 / 3, 3, -0.5, 2.5, NAN};
    double want[] = {1024, 3, 1, INFINITY, NAN, -8, 0.5, 0, 1}; /* pow(1, nan) = 1 (C99) */
    CHECK_ARRAY(gen_pow(vec(9, a), vec(9, b)), want, 9, 1e-15, 0);
    /* gradient at a = 0: d/da = b a^(b-1) is 0 for b = 0 and b > 1, 1 for b = 1, and
     * d/db = a^b log a is taken as 0 (its limit as a -> 0+ for b > 0) */
    static fd_fn2 pw = gen_pow;
    double z[] = {0, 0, 0, 0, 3}, e[] = {0, 1, 2, 3, 2};
    gen_array *ga, *gb;
    partials(&pw, vec(5, z), vec(5, e), &ga, &gb);
    CHECK_ARRAY(ga, ((double[]){0, 1, 0, 0, 6}), 5, 1e-15, 0);
    CHECK_ARRAY(gb, ((double[]){0, 0, 0, 0, 9 * log(3.0)}), 5, 1e-15, 0);
    /* b in (0, 1) at a = 0: the derivative is infinite */
    partials(&pw, gen_scalar(0), gen_scalar(0.5), &ga, &gb);
    CHECK_CLOSE(check_item(ga), INFINITY, 0);
}

/* ---- atan2 ---- */

static void test_atan2(void) {
    /* references: mpmath.atan2 at 40 digits */
    double y[] = {1, -3, 2.5, -0.75, 1e-300, 1e300, 7}, x[] = {2, 0.5, -4, -1e-3, 1e300, 1e-300, 7};
    double want[] = {0.46364760900080611621, -1.405647649380269781, 2.5829933382462308025,
                     -1.5721296593381073386, 0 /* 1e-600 underflows */, 1.5707963267948966192,
                     0.78539816339744830962};
    CHECK_ARRAY(gen_atan2(vec(7, y), vec(7, x)), want, 7, 1e-15, 0);
    /* signed zeros and infinities, as C99 Annex F / NumPy */
    double ys[] = {0.0, -0.0, 0.0, -0.0, INFINITY, -INFINITY, 1, 1, NAN};
    double xs[] = {0.0, 0.0, -0.0, -0.0, INFINITY, -INFINITY, INFINITY, -INFINITY, 1};
    double pi = 3.14159265358979323846;
    double ws[] = {0.0, -0.0, pi, -pi, pi / 4, -3 * pi / 4, 0, pi, NAN};
    gen_array *r = gen_atan2(vec(9, ys), vec(9, xs));
    CHECK_ARRAY(r, ws, 9, 1e-15, 0);
    const double *rd = gen_array_data(r);
    CHECK(signbit(rd[1]) && !signbit(rd[0]));
    /* f32 */
    r = gen_atan2(gen_scalar_f32(1.0f), gen_scalar_f32(2.0f));
    CHECK(gen_array_dtype(r) == GEN_F32);
    CHECK_CLOSE(check_item(r), 0.46364760900080611621, 1e-7);
}

/* ---- mod ---- */

static void test_mod_float(void) {
    double a[] = {5.5, -5.5, 5.5, -5.5, 6, -6, 0.0, 0.0, 1, -1, INFINITY, 3, NAN, 1e17};
    double b[] = {2, 2, -2, -2, 3, 3, 2, -2, 0, INFINITY, 2, NAN, 1, 3};
    /* NumPy's np.mod results (mod(-1, inf) = inf there too); 1e17 is exact in f64 and
     * 10^17 mod 3 = 1 (fmod is exact) */
    double want[] = {1.5, 0.5, -0.5, -1.5, 0, 0, 0, -0.0, NAN, INFINITY, NAN, NAN, NAN, 1};
    gen_array *r = gen_mod(vec(14, a), vec(14, b));
    CHECK_ARRAY(r, want, 14, 0, 0);
    const double *rd = gen_array_data(r);
    CHECK(!signbit(rd[4]) && !signbit(rd[5]) && !signbit(rd[6]) && signbit(rd[7]));
    /* the result always has the sign of the divisor and |result| < |b| */
    gen_array *x = fd_uniform(1, -50, 50, GEN_DIMS(40)), *m = gen_mod(x, gen_scalar(-7.25));
    double xv[40], mv[40];
    values(x, xv, 40), values(m, mv, 40);
    for (int i = 0; i < 40; i++) {
        CHECK(mv[i] <= 0 && mv[i] > -7.25);
        double k = (xv[i] - mv[i]) / -7.25; /* an integer */
        CHECK_NEAR(k, round(k), 1e-12);
    }
    /* f32 */
    r = gen_mod(gen_scalar_f32(-5.5f), gen_scalar_f32(2.0f));
    CHECK(gen_array_dtype(r) == GEN_F32);
    CHECK_CLOSE(check_item(r), 0.5, 0);
}

static void test_mod_int(void) {
    int64_t a[] = {7, -7, 7, -7, 0, 5, -5, INT64_MIN, INT64_MIN, INT64_MAX, 6};
    int64_t b[] = {3, 3, -3, -3, 3, 0, 0, -1, 3, -2, -3};
    int64_t want[] = {1, 2, -2, -1, 0, 0, 0, 0, 1, -1, 0}; /* NumPy; x % 0 is 0 there too */
    gen_array *r = gen_mod(gen_array_from(GEN_I64, GEN_DIMS(11), a), gen_array_from(GEN_I64, GEN_DIMS(11), b));
    CHECK(gen_array_dtype(r) == GEN_I64);
    CHECK(gen_array_size(r) == 11 && !memcmp(gen_array_data(r), want, sizeof want));
    /* bool % bool: true % true = 0, false % true = 0, x % false = 0 */
    bool t[] = {true, false, true}, u[] = {true, true, false};
    r = gen_mod(gen_array_from(GEN_BOOL, GEN_DIMS(3), t), gen_array_from(GEN_BOOL, GEN_DIMS(3), u));
    CHECK_ARRAY(r, ((double[]){0, 0, 0}), 3, 0, 0);
    /* i64 mixed with f64 is float mod */
    r = gen_mod(gen_scalar_i64(-7), gen_scalar(2.5));
    CHECK(gen_array_dtype(r) == GEN_F64);
    CHECK_CLOSE(check_item(r), 0.5, 0);
}

static void test_mod_grad(void) {
    static fd_fn2 md = gen_mod;
    double a[] = {5.5, -5.5, 5.5, -5.5, 0.3}, b[] = {2, 2, -2, -2, 7};
    gen_array *ga, *gb;
    partials(&md, vec(5, a), vec(5, b), &ga, &gb);
    CHECK_ARRAY(ga, ((double[]){1, 1, 1, 1, 1}), 5, 0, 0);
    /* -floor(a / b) */
    CHECK_ARRAY(gb, ((double[]){-2, 3, 3, -2, 0}), 5, 0, 0);
}

/* ---- logaddexp ---- */

static void test_logaddexp(void) {
    /* references: mpmath log(exp(a) + exp(b)) at 40 digits */
    double a[] = {0, 1, -3, 1000, -1000, 0, -745, 30, 2e-3};
    double b[] = {0, 2, 0.5, 999, -1001, -40, -745.5, -30, -1e-3};
    double want[] = {0.69314718055994530942, 2.313261687518222834, 0.52975041827262056519,
                     1000.3132616875182228, -999.68673831248177717, 4.2483542552915889863e-18,
                     -744.52592301581989332, 30.0, 0.69364830555952343468};
    CHECK_ARRAY(gen_logaddexp(vec(9, a), vec(9, b)), want, 9, 4e-16, 0); /* 2 ulp */
    CHECK_ARRAY(gen_logaddexp(vec(9, b), vec(9, a)), want, 9, 4e-16, 0); /* symmetric */
    /* infinities and nan: never nan from -inf - -inf */
    double x[] = {-INFINITY, -INFINITY, INFINITY, INFINITY, -INFINITY, NAN, 1, 1e308};
    double y[] = {-INFINITY, 1, INFINITY, -INFINITY, INFINITY, 0, NAN, 1e308};
    double wx[] = {-INFINITY, 1, INFINITY, INFINITY, INFINITY, NAN, NAN, 1e308 + LN2};
    CHECK_ARRAY(gen_logaddexp(vec(8, x), vec(8, y)), wx, 8, 1e-16, 0);
    /* f32 */
    gen_array *r = gen_logaddexp(gen_scalar_f32(1.0f), gen_scalar_f32(2.0f));
    CHECK(gen_array_dtype(r) == GEN_F32);
    CHECK_CLOSE(check_item(r), 2.313261687518222834, 1e-7);
}

static void test_logaddexp_grad(void) {
    static fd_fn2 lae = gen_logaddexp;
    double a[] = {1, 0, 1000, -INFINITY, -INFINITY, INFINITY, 800, -1000};
    double b[] = {2, 0, 0, 1, -INFINITY, 3, 800, -1001};
    gen_array *ga, *gb;
    partials(&lae, vec(8, a), vec(8, b), &ga, &gb);
    double s = 1 / (1 + exp(1.0)); /* sigmoid(1 - 2) */
    double s2 = 1 / (1 + exp(-1.0));
    CHECK_ARRAY(ga, ((double[]){s, 0.5, 1, 0, 0.5, 1, 0.5, s2}), 8, 1e-15, 0);
    CHECK_ARRAY(gb, ((double[]){1 - s, 0.5, 0, 1, 0.5, 0, 0.5, 1 - s2}), 8, 1e-15, 0);
}

/* ---- comparisons and logic ---- */

static void test_compare(void) {
    double a[] = {1, 2, 3, NAN, -0.0}, b[] = {2, 2, 2, NAN, 0.0};
    gen_array *A = vec(5, a), *B = vec(5, b);
    CHECK_ARRAY(gen_eq(A, B), ((double[]){0, 1, 0, 0, 1}), 5, 0, 0);
    CHECK_ARRAY(gen_ne(A, B), ((double[]){1, 0, 1, 1, 0}), 5, 0, 0);
    CHECK_ARRAY(gen_lt(A, B), ((double[]){1, 0, 0, 0, 0}), 5, 0, 0);
    CHECK_ARRAY(gen_le(A, B), ((double[]){1, 1, 0, 0, 1}), 5, 0, 0);
    CHECK_ARRAY(gen_gt(A, B), ((double[]){0, 0, 1, 0, 0}), 5, 0, 0);
    CHECK_ARRAY(gen_ge(A, B), ((double[]){0, 1, 1, 0, 1}), 5, 0, 0);
    CHECK(gen_array_dtype(gen_eq(A, B)) == GEN_BOOL);
    /* mixed types compare by value: i64 vs f64 and bool vs i64, broadcast [3,1] x [2] */
    int64_t i[] = {1, 2, 3};
    gen_array *r = gen_lt(gen_array_from(GEN_I64, GEN_DIMS(3, 1), i), vec(2, (double[]){1.5, 2.5}));
    CHECK_SHAPE(r, 3, 2);
    CHECK_ARRAY(r, ((double[]){1, 1, 0, 1, 0, 0}), 6, 0, 0);
    CHECK_CLOSE(check_item(gen_eq(gen_scalar_bool(true), gen_scalar_i64(1))), 1, 0);
    CHECK_CLOSE(check_item(gen_gt(gen_scalar_i64(INT64_MAX), gen_scalar_i64(INT64_MAX - 1))), 1, 0);
    CHECK_CLOSE(check_item(gen_eq(gen_scalar_f32(0.1f), gen_scalar(0.1))), 0, 0); /* f32 -> f64 */
}

static void test_logical(void) {
    double a[] = {0, 0, 1, -2, NAN, -0.0}, b[] = {0, 3, 0, 0.5, 1, 1};
    gen_array *A = vec(6, a), *B = vec(6, b);
    gen_array *r = gen_logical_and(A, B);
    CHECK(gen_array_dtype(r) == GEN_BOOL);
    CHECK_ARRAY(r, ((double[]){0, 0, 0, 1, 1, 0}), 6, 0, 0); /* nan is true, -0 false */
    CHECK_ARRAY(gen_logical_or(A, B), ((double[]){0, 1, 1, 1, 1, 1}), 6, 0, 0);
    /* every input dtype, mixed and broadcast: bool [2,1] with i64 [3] */
    bool t[] = {true, false};
    int64_t i[] = {0, 5, -1};
    gen_array *T = gen_array_from(GEN_BOOL, GEN_DIMS(2, 1), t), *I = gen_array_from(GEN_I64, GEN_DIMS(3), i);
    r = gen_logical_and(T, I);
    CHECK_SHAPE(r, 2, 3);
    CHECK_ARRAY(r, ((double[]){0, 1, 1, 0, 0, 0}), 6, 0, 0);
    CHECK_ARRAY(gen_logical_or(T, I), ((double[]){1, 1, 1, 0, 1, 1}), 6, 0, 0);
    r = gen_logical_or(gen_scalar_f32(0.0f), gen_scalar_f32(1e-30f));
    CHECK(gen_array_dtype(r) == GEN_BOOL);
    CHECK_CLOSE(check_item(r), 1, 0);
    CHECK_CLOSE(check_item(gen_logical_and(gen_scalar_bool(true), gen_scalar_bool(true))), 1, 0);
}

/* ---- where ---- */

static void test_where(void) {
    /* cond [2,1] (f64, cast to bool: 0 false, nan true), x [3] i64, y 0-d f32 -> f32 */
    double c[] = {0, NAN};
    int64_t x[] = {1, 2, 3};
    gen_array *r = gen_where(gen_array_from_f64(GEN_DIMS(2, 1), c), gen_array_from(GEN_I64, GEN_DIMS(3), x),
                             gen_scalar_f32(-1.5f));
    CHECK(gen_array_dtype(r) == GEN_F32);
    CHECK_SHAPE(r, 2, 3);
    CHECK_ARRAY(r, ((double[]){-1.5, -1.5, -1.5, 1, 2, 3}), 6, 0, 0);
    /* bool and i64 payloads */
    bool cb[] = {true, false, true};
    gen_array *C = gen_array_from(GEN_BOOL, GEN_DIMS(3), cb);
    r = gen_where(C, gen_scalar_bool(false), gen_scalar_bool(true));
    CHECK(gen_array_dtype(r) == GEN_BOOL);
    CHECK_ARRAY(r, ((double[]){0, 1, 0}), 3, 0, 0);
    int64_t big = INT64_MAX;
    r = gen_where(C, gen_scalar_i64(big), gen_array_from(GEN_I64, GEN_DIMS(3), x));
    CHECK(((const int64_t *)gen_array_data(r))[0] == big && ((const int64_t *)gen_array_data(r))[1] == 2);
}

/* ---- clip ---- */

static void test_clip(void) {
    double a[] = {-5, 0, 0.5, 1, 7, NAN}, lo[] = {0, 0.25, 0.5}, hi = 1;
    gen_array *r = gen_clip(gen_array_from_f64(GEN_DIMS(2, 3), a), vec(3, lo), gen_scalar(hi));
    CHECK_SHAPE(r, 2, 3);
    CHECK_ARRAY(r, ((double[]){0, 0.25, 0.5, 1, 1, NAN}), 6, 0, 0);
    /* lo > hi gives hi (NumPy's minimum(maximum(a, lo), hi)); nan bounds propagate */
    CHECK_CLOSE(check_item(gen_clip(gen_scalar(0.5), gen_scalar(2), gen_scalar(1))), 1, 0);
    CHECK_CLOSE(check_item(gen_clip(gen_scalar(0.5), gen_scalar(NAN), gen_scalar(1))), NAN, 0);
    CHECK_CLOSE(check_item(gen_clip(gen_scalar(0.5), gen_scalar(0), gen_scalar(NAN))), NAN, 0);
    CHECK_CLOSE(check_item(gen_clip(gen_scalar(-INFINITY), gen_scalar(-1), gen_scalar(INFINITY))), -1, 0);
    /* integers stay exact */
    int64_t ia[] = {INT64_MIN, -3, 4, INT64_MAX};
    r = gen_clip(gen_array_from(GEN_I64, GEN_DIMS(4), ia), gen_scalar_i64(-2), gen_scalar_i64(3));
    CHECK(gen_array_dtype(r) == GEN_I64);
    CHECK_ARRAY(r, ((double[]){-2, -2, 3, 3}), 4, 0, 0);
    r = gen_clip(gen_scalar_f32(2.5f), gen_scalar_i64(0), gen_scalar_i64(2));
    CHECK(gen_array_dtype(r) == GEN_F32);
    CHECK_CLOSE(check_item(r), 2, 0);
}

static gen_status clip3(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_clip(in[0], in[1], in[2]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_clip_grad(void) {
    /* a < lo, ties, inside, a > hi, lo > hi */
    double a[] = {-1, 0, 0.5, 1, 2, 0.5}, lo[] = {0, 0, 0, 0, 0, 3}, hi[] = {1, 1, 1, 1, 1, 2};
    gen_array *in[3] = {vec(6, a), vec(6, lo), vec(6, hi)}, *g[3];
    gen_array *one = gen_ones(GEN_F64, GEN_DIMS(6));
    CHECK_OK(gen_vjp((gen_closure){clip3, NULL}, 3, in, 1, &one, NULL, g));
    CHECK_ARRAY(g[0], ((double[]){0, 1, 1, 1, 0, 0}), 6, 0, 0);
    CHECK_ARRAY(g[1], ((double[]){1, 0, 0, 0, 0, 0}), 6, 0, 0);
    CHECK_ARRAY(g[2], ((double[]){0, 0, 0, 0, 1, 1}), 6, 0, 0);
    /* forward mode agrees: tangent of each argument alone */
    for (int k = 0; k < 3; k++) {
        gen_array *t[3] = {NULL, NULL, NULL}, *tan;
        t[k] = one;
        CHECK_OK(gen_jvp((gen_closure){clip3, NULL}, 3, in, t, 1, NULL, &tan));
        double want[6];
        values(g[k], want, 6);
        CHECK_ARRAY(tan, want, 6, 0, 0);
    }
    /* FD with broadcast bounds: a [2,3] across [-2, 2), lo [3] around -1, hi 0-d */
    gen_array *fin[3] = {fd_uniform(3, -2, 2, GEN_DIMS(2, 3)), fd_uniform(4, -1.2, -0.8, GEN_DIMS(3)),
                         gen_scalar(0.7)};
    FD_CHECK("clip", ((gen_closure){clip3, NULL}), 3, fin, 1, 1e-7, 1e-9);
    gen_array *fin2[3] = {fd_uniform(5, -2, 2, GEN_DIMS(2, 1)), gen_scalar(-0.5),
                          fd_uniform(6, 0, 1, GEN_DIMS(1, 3))};
    FD_CHECK("clip 2x1 1x3", ((gen_closure){clip3, NULL}), 3, fin2, 1, 1e-7, 1e-9);
}

/* ---- gradients of every differentiable op with broadcast arguments ---- */

static gen_array *atan2_yx(const gen_array *y, const gen_array *x) { return gen_atan2(y, x); }

static void fd_both_layouts(const char *name, fd_fn2 *fn, double lo, double hi, double blo,
                            double bhi) {
    gen_array *in1[2] = {fd_uniform(11, lo, hi, GEN_DIMS(3)), fd_uniform(12, blo, bhi, GEN_DIMS(2, 3))};
    gen_array *in2[2] = {fd_uniform(13, lo, hi, GEN_DIMS(2, 1)), fd_uniform(14, blo, bhi, GEN_DIMS(1, 3))};
    gen_array *in3[2] = {fd_uniform(15, lo, hi, GEN_DIMS(2, 3)), fd_uniform(16, blo, bhi, 0, NULL)};
    FD_CHECK(name, fd_closure2(fn), 2, in1, 1, 1e-7, 1e-9);
    FD_CHECK(name, fd_closure2(fn), 2, in2, 1, 1e-7, 1e-9);
    FD_CHECK(name, fd_closure2(fn), 2, in3, 1, 1e-7, 1e-9);
}

static void test_fd_binary(void) {
    static fd_fn2 add = gen_add, sub = gen_sub, mul = gen_mul, dv = gen_div, pw = gen_pow,
                  mx = gen_maximum, mn = gen_minimum, at = atan2_yx,
                  md = gen_mod, lae = gen_logaddexp;
    fd_both_layouts("add", &add, -2, 2, -2, 2);
    fd_both_layouts("sub", &sub, -2, 2, -2, 2);
    fd_both_layouts("mul", &mul, -2, 2, -2, 2);
    fd_both_layouts("div", &dv, -2, 2, 0.5, 2);
    fd_both_layouts("pow", &pw, 0.2, 3, -2, 2);
    fd_both_layouts("maximum", &mx, -2, 2, -2, 2);
    fd_both_layouts("minimum", &mn, -2, 2, -2, 2);
    fd_both_layouts("atan2", &at, -2, 2, -2, 2);
    fd_both_layouts("mod", &md, -9, 9, 0.7, 3);
    fd_both_layouts("mod negative divisor", &md, -9, 9, -3, -0.7);
    fd_both_layouts("logaddexp", &lae, -3, 3, -3, 3);
    fd_both_layouts("logaddexp far apart", &lae, 30, 40, -40, -30);
}

static gen_array *where_pos(const gen_array *x, const gen_array *y) {
    return gen_where(gen_gt(x, y), gen_mul(x, y), gen_sub(y, x));
}

static void test_fd_where(void) {
    static fd_fn2 w = where_pos;
    gen_array *in1[2] = {fd_uniform(21, -2, 2, GEN_DIMS(3)), fd_uniform(22, -2, 2, GEN_DIMS(2, 3))};
    FD_CHECK("where", fd_closure2(&w), 2, in1, 1, 1e-7, 1e-9);
    gen_array *in2[2] = {fd_uniform(23, -2, 2, GEN_DIMS(2, 1)), fd_uniform(24, -2, 2, GEN_DIMS(1, 3))};
    FD_CHECK("where", fd_closure2(&w), 2, in2, 1, 1e-7, 1e-9);
}

/* Second derivatives: the rules are built from differentiable public ops. */
static gen_status f_pow(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_add(gen_pow(in[0], gen_scalar(3)), gen_logaddexp(in[0], gen_scalar(0.5)));
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status df_pow(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    return gen_grad((gen_closure){f_pow, NULL}, 1, in, out);
}

static void test_second_order(void) {
    gen_array *x = gen_scalar(1.25), *h;
    CHECK_OK(gen_grad((gen_closure){df_pow, NULL}, 1, &x, &h));
    double s = 1 / (1 + exp(-(1.25 - 0.5)));
    CHECK_CLOSE(check_item(h), 6 * 1.25 + s * (1 - s), 1e-14);
    FD_CHECK("d/dx (x^3 + logaddexp(x, 0.5))", ((gen_closure){df_pow, NULL}), 1, &x, 1, 1e-7, 1e-9);
}

/* Comparisons carry no gradient; a function of them still differentiates. */
static gen_array *abs_via_where(const gen_array *x) {
    return gen_where(gen_ge(x, gen_scalar(0)), x, gen_sub(gen_scalar(0), x));
}

static void test_compare_grad(void) {
    static fd_fn1 f = abs_via_where;
    double d[] = {-2, 3};
    gen_array *x = vec(2, d), *g;
    gen_array *one = gen_ones(GEN_F64, GEN_DIMS(2));
    CHECK_OK(gen_vjp(fd_closure1(&f), 1, &x, 1, &one, NULL, &g));
    CHECK_ARRAY(g, ((double[]){-1, 1}), 2, 0, 0);
}

/* f32 inputs: results are f32, and the gradients flow back as f32. */
static void test_f32(void) {
    float a[] = {0.5f, -1.5f, 2.0f}, b[] = {2.0f, 0.25f, -3.0f};
    gen_array *A = gen_array_from(GEN_F32, GEN_DIMS(3), a), *B = gen_array_from(GEN_F32, GEN_DIMS(3), b);
    gen_array *(*ops[])(const gen_array *, const gen_array *) = {
        gen_add, gen_sub, gen_mul, gen_div, gen_maximum, gen_minimum, gen_atan2, gen_mod, gen_logaddexp};
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        gen_array *r = ops[k](A, B), *r64 = ops[k](gen_cast(A, GEN_F64), gen_cast(B, GEN_F64));
        CHECK(gen_array_dtype(r) == GEN_F32);
        double got[3], want[3];
        values(r, got, 3), values(r64, want, 3);
        for (int i = 0; i < 3; i++) CHECK_CLOSE(got[i], want[i], 1e-7);
    }
    double want[3];
    for (int i = 0; i < 3; i++) want[i] = pow(fabs((double)a[i]), b[i]);
    gen_array *r = gen_pow(gen_array_from(GEN_F32, GEN_DIMS(3), (float[]){0.5f, 1.5f, 2.0f}), B);
    CHECK(gen_array_dtype(r) == GEN_F32);
    CHECK_ARRAY(r, want, 3, 1e-7, 0);
    static fd_fn2 lae = gen_logaddexp;
    gen_array *ga, *gb;
    partials(&lae, A, B, &ga, &gb);
    CHECK(gen_array_dtype(ga) == GEN_F32 && gen_array_dtype(gb) == GEN_F32);
    double s = 1 / (1 + exp(-(0.5 - 2.0)));
    CHECK_CLOSE(((const float *)gen_array_data(ga))[0], s, 1e-6);
}

int main(void) {
    RUN(test_arith_values);
    RUN(test_promotion);
    RUN(test_integer_arith);
    RUN(test_broadcast);
    RUN(test_broadcast_errors);
    RUN(test_null_args);
    RUN(test_maximum_minimum);
    RUN(test_pow);
    RUN(test_atan2);
    RUN(test_mod_float);
    RUN(test_mod_int);
    RUN(test_mod_grad);
    RUN(test_logaddexp);
    RUN(test_logaddexp_grad);
    RUN(test_compare);
    RUN(test_logical);
    RUN(test_where);
    RUN(test_clip);
    RUN(test_clip_grad);
    RUN(test_fd_binary);
    RUN(test_fd_where);
    RUN(test_second_order);
    RUN(test_compare_grad);
    RUN(test_f32);
    return check_finish();
}
