/* test_linalg.c — forward values and errors of the linear-algebra ops: matmul, outer,
 * cholesky, triangular_solve, solve, inv, logdet, diag, diag_embed, trace. References:
 * GSL's LU and Cholesky (independent implementations), and plain loops in long double
 * for products and triangular substitution. Gradients are in test_linalg_grad.c. */
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"

/* ---- references ---- */

/* Element (i, j) of matrix number m of a row-major [.., r, c] buffer. */
#define AT(p, m, r, c, i, j) ((p)[(m) * (r) * (c) + (i) * (c) + (j)])

static void ref_matmul(const double *a, const double *b, double *o, int m, int k, int n) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            long double s = 0;
            for (int l = 0; l < k; l++) s += (long double)a[i * k + l] * b[l * n + j];
            o[i * n + j] = (double)s;
        }
}

static const double *data(const gen_array *a) { return gen_array_data(a); }

/* A well-conditioned SPD matrix n x n: X X^T + n I from fd_uniform. */
static gen_array *spd(uint64_t seed, int64_t n) {
    gen_array *x = fd_uniform(seed, -1, 1, GEN_DIMS(n, n));
    double *d = malloc((size_t)(n * n) * sizeof *d);
    const double *xd = data(x);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = i == j ? (double)n : 0;
            for (int64_t l = 0; l < n; l++) s += xd[i * n + l] * xd[j * n + l];
            d[i * n + j] = s;
        }
    gen_array *r = gen_array_from_f64(GEN_DIMS(n, n), d);
    free(d);
    return r;
}

/* [2, ...] from two f64 arrays of one shape (gen_stack belongs to another family). */
static gen_array *stack2(const gen_array *a, const gen_array *b) {
    int64_t n = gen_array_size(a), shape[GEN_MAX_DIMS] = {2};
    double *d = malloc((size_t)(2 * n) * sizeof *d);
    gen_array_copy_to(a, GEN_F64, d, (size_t)n * sizeof *d);
    gen_array_copy_to(b, GEN_F64, d + n, (size_t)n * sizeof *d);
    memcpy(shape + 1, gen_array_shape(a), (size_t)gen_array_ndim(a) * sizeof *shape);
    gen_array *r = gen_array_from_f64(gen_array_ndim(a) + 1, shape, d);
    free(d);
    return r;
}

/* ---- matmul ---- */

static void test_matmul_2d(void) {
    gen_array *a = fd_uniform(1, -2, 2, GEN_DIMS(3, 4)), *b = fd_uniform(2, -2, 2, GEN_DIMS(4, 2));
    gen_array *c = CHECK_ARR(gen_matmul(a, b));
    double want[6];
    ref_matmul(data(a), data(b), want, 3, 4, 2);
    CHECK_SHAPE(c, 3, 2);
    CHECK(gen_array_dtype(c) == GEN_F64);
    CHECK_ARRAY(c, want, 6, 1e-12, 1e-14);
    /* hand-computed: [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]] */
    double x[] = {1, 2, 3, 4}, y[] = {5, 6, 7, 8}, xy[] = {19, 22, 43, 50};
    CHECK_ARRAY(gen_matmul(gen_array_from_f64(GEN_DIMS(2, 2), x), gen_array_from_f64(GEN_DIMS(2, 2), y)),
                xy, 4, 0, 0);
}

/* [2,1,3,4] @ [5,4,2] -> [2,5,3,2]: both sides broadcast (one gemm per matrix). */
static void test_matmul_batch(void) {
    gen_array *a = fd_uniform(3, -1, 1, GEN_DIMS(2, 1, 3, 4)), *b = fd_uniform(4, -1, 1, GEN_DIMS(5, 4, 2));
    gen_array *c = CHECK_ARR(gen_matmul(a, b));
    CHECK_SHAPE(c, 2, 5, 3, 2);
    double want[2 * 5 * 6];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 5; j++) ref_matmul(data(a) + i * 12, data(b) + j * 8, want + (i * 5 + j) * 6, 3, 4, 2);
    CHECK_ARRAY(c, want, 60, 1e-12, 1e-14);

    /* [2,3,3] @ [3,3]: the batch folds into one gemm; [3,3] @ [2,3,3] does not. */
    gen_array *p = fd_uniform(5, -1, 1, GEN_DIMS(2, 3, 3)), *q = fd_uniform(6, -1, 1, GEN_DIMS(3, 3));
    double w1[18], w2[18];
    for (int i = 0; i < 2; i++) {
        ref_matmul(data(p) + 9 * i, data(q), w1 + 9 * i, 3, 3, 3);
        ref_matmul(data(q), data(p) + 9 * i, w2 + 9 * i, 3, 3, 3);
    }
    gen_array *pq = gen_matmul(p, q), *qp = gen_matmul(q, p);
    CHECK_SHAPE(pq, 2, 3, 3);
    CHECK_ARRAY(pq, w1, 18, 1e-12, 1e-14);
    CHECK_SHAPE(qp, 2, 3, 3);
    CHECK_ARRAY(qp, w2, 18, 1e-12, 1e-14);
    /* a batch axis of size 1 on the right broadcasts too: [2,3,3] @ [1,3,3] */
    gen_array *q1 = gen_reshape(q, GEN_DIMS(1, 3, 3));
    CHECK_ARRAY(gen_matmul(p, q1), w1, 18, 1e-12, 1e-14);
}

static void test_matmul_vectors(void) {
    double u[] = {1, 2, 3}, v[] = {4, -5, 6}, m[] = {1, 2, 3, 4, 5, 6}; /* m [2,3] */
    gen_array *ua = gen_array_from_f64(GEN_DIMS(3), u), *va = gen_array_from_f64(GEN_DIMS(3), v);
    gen_array *ma = gen_array_from_f64(GEN_DIMS(2, 3), m);
    gen_array *dot = CHECK_ARR(gen_matmul(ua, va));
    CHECK(gen_array_ndim(dot) == 0);
    CHECK_CLOSE(check_item(dot), 4 - 10 + 18, 0);
    gen_array *mv = gen_matmul(ma, ua); /* [2,3] @ [3] -> [2] */
    CHECK_SHAPE(mv, 2);
    CHECK_ARRAY(mv, ((double[]){14, 32}), 2, 0, 0);
    double w[] = {1, -1};
    gen_array *vm = gen_matmul(gen_array_from_f64(GEN_DIMS(2), w), ma); /* [2] @ [2,3] -> [3] */
    CHECK_SHAPE(vm, 3);
    CHECK_ARRAY(vm, ((double[]){-3, -3, -3}), 3, 0, 0);
    /* a vector against a batch: [3] @ [2,3,2] -> [2,2]; [2,2,3] @ [3] -> [2,2] */
    gen_array *bt = fd_uniform(7, -1, 1, GEN_DIMS(2, 3, 2));
    gen_array *r = gen_matmul(ua, bt);
    CHECK_SHAPE(r, 2, 2);
    double want[4];
    for (int i = 0; i < 2; i++) ref_matmul(u, data(bt) + 6 * i, want + 2 * i, 1, 3, 2);
    CHECK_ARRAY(r, want, 4, 1e-12, 1e-14);
    gen_array *bm = fd_uniform(8, -1, 1, GEN_DIMS(2, 2, 3));
    r = gen_matmul(bm, ua);
    CHECK_SHAPE(r, 2, 2);
    for (int i = 0; i < 2; i++) ref_matmul(data(bm) + 6 * i, u, want + 2 * i, 2, 3, 1);
    CHECK_ARRAY(r, want, 4, 1e-12, 1e-14);
}

static void test_matmul_types(void) {
    /* integers and bools are promoted to f64 */
    int64_t ai[] = {1, 2, 3, 4}, bi[] = {5, 6, 7, 8};
    gen_array *a = gen_array_from(GEN_I64, GEN_DIMS(2, 2), ai), *b = gen_array_from(GEN_I64, GEN_DIMS(2, 2), bi);
    gen_array *c = gen_matmul(a, b);
    CHECK(gen_array_dtype(c) == GEN_F64);
    CHECK_ARRAY(c, ((double[]){19, 22, 43, 50}), 4, 0, 0);
    bool bb[] = {true, false, true};
    gen_array *bv = gen_array_from(GEN_BOOL, GEN_DIMS(3), bb);
    gen_array *d = gen_matmul(bv, gen_array_from_f64(GEN_DIMS(3), ((double[]){1, 10, 100})));
    CHECK(gen_array_dtype(d) == GEN_F64);
    CHECK_CLOSE(check_item(d), 101, 0);
    /* f32 goes through sgemm and stays f32 */
    gen_array *x = fd_uniform(9, -1, 1, GEN_DIMS(4, 5)), *y = fd_uniform(10, -1, 1, GEN_DIMS(2, 5, 3));
    gen_array *z = gen_matmul(gen_cast(x, GEN_F32), gen_cast(y, GEN_F32));
    CHECK(gen_array_dtype(z) == GEN_F32);
    CHECK_SHAPE(z, 2, 4, 3);
    double want[24];
    for (int i = 0; i < 2; i++) ref_matmul(data(x), data(y) + 15 * i, want + 12 * i, 4, 5, 3);
    CHECK_ARRAY(z, want, 24, 1e-5, 1e-6);
    /* f32 with f64 computes in f64 */
    CHECK(gen_array_dtype(gen_matmul(gen_cast(x, GEN_F32), gen_matrix_transpose(x))) == GEN_F64);
}

static void test_matmul_empty(void) {
    gen_array *c = gen_matmul(gen_zeros(GEN_F64, GEN_DIMS(2, 0)), gen_zeros(GEN_F64, GEN_DIMS(0, 3)));
    CHECK_SHAPE(c, 2, 3);
    CHECK_ARRAY(c, ((double[]){0, 0, 0, 0, 0, 0}), 6, 0, 0);
    CHECK_SHAPE(gen_matmul(gen_ones(GEN_F64, GEN_DIMS(0, 2, 2)), gen_ones(GEN_F64, GEN_DIMS(2, 2))), 0, 2, 2);
    CHECK_SHAPE(gen_matmul(gen_ones(GEN_F64, GEN_DIMS(3, 2)), gen_ones(GEN_F64, GEN_DIMS(2, 0))), 3, 0);
    /* inf and nan propagate */
    gen_array *d = gen_matmul(gen_array_from_f64(GEN_DIMS(1, 2), ((double[]){INFINITY, 1})),
                              gen_array_from_f64(GEN_DIMS(2, 2), ((double[]){1, NAN, 1, 1})));
    const double *dd = data(d);
    CHECK(isinf(dd[0]) && isnan(dd[1]));
}

static void test_matmul_errors(void) {
    CHECK(!gen_matmul(gen_zeros(GEN_F64, GEN_DIMS(2, 3)), gen_zeros(GEN_F64, GEN_DIMS(4, 5))));
    CHECK_ERROR(GEN_ERR_SHAPE, "matmul: inner dimensions differ: [2,3] and [4,5]");
    CHECK(!gen_matmul(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_zeros(GEN_F64, GEN_DIMS(4))));
    CHECK_ERROR(GEN_ERR_SHAPE, "[3] and [4]");
    CHECK(!gen_matmul(gen_zeros(GEN_F64, GEN_DIMS(2, 3, 3)), gen_zeros(GEN_F64, GEN_DIMS(4, 3, 3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "matmul: batch dimensions do not broadcast: [2,3,3] and [4,3,3]");
    CHECK(!gen_matmul(gen_scalar(1), gen_zeros(GEN_F64, GEN_DIMS(3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "matmul: arguments need at least 1 dimension");
    /* NULL propagates and keeps the first error */
    gen_error_set(GEN_ERR_VALUE, "earlier");
    CHECK(!gen_matmul(NULL, gen_scalar(1)));
    CHECK_ERROR(GEN_ERR_VALUE, "earlier");
}

/* ---- outer ---- */

static void test_outer(void) {
    double u[] = {1, 2, 3}, v[] = {4, 5};
    gen_array *o = gen_outer(gen_array_from_f64(GEN_DIMS(3), u), gen_array_from_f64(GEN_DIMS(2), v));
    CHECK_SHAPE(o, 3, 2);
    CHECK_ARRAY(o, ((double[]){4, 5, 8, 10, 12, 15}), 6, 0, 0);
    /* batched [2,3] x [4] -> [2,3,4] */
    gen_array *a = fd_uniform(11, -1, 1, GEN_DIMS(2, 3)), *b = fd_uniform(12, -1, 1, GEN_DIMS(4));
    gen_array *ab = gen_outer(a, b);
    CHECK_SHAPE(ab, 2, 3, 4);
    double want[24];
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) want[m * 12 + i * 4 + j] = data(a)[m * 3 + i] * data(b)[j];
    CHECK_ARRAY(ab, want, 24, 1e-15, 0);
    int64_t ii[] = {1, 2};
    gen_array *oi = gen_outer(gen_array_from(GEN_I64, GEN_DIMS(2), ii), gen_array_from(GEN_I64, GEN_DIMS(2), ii));
    CHECK(gen_array_dtype(oi) == GEN_F64);
    CHECK_ARRAY(oi, ((double[]){1, 2, 2, 4}), 4, 0, 0);
    CHECK(!gen_outer(gen_zeros(GEN_F64, GEN_DIMS(2, 3)), gen_zeros(GEN_F64, GEN_DIMS(4, 5))));
    CHECK_ERROR(GEN_ERR_SHAPE, "outer: batch dimensions do not broadcast: [2,3] and [4,5]");
    CHECK(!gen_outer(gen_scalar(1), gen_zeros(GEN_F64, GEN_DIMS(3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "outer");
}

/* ---- cholesky ---- */

/* GSL's Cholesky factor of the n x n matrix a (lower triangle, zeros above). */
static void gsl_chol(const double *a, double *l, int n) {
    gsl_matrix *m = gsl_matrix_alloc((size_t)n, (size_t)n);
    memcpy(m->data, a, (size_t)(n * n) * sizeof *a);
    gsl_linalg_cholesky_decomp1(m);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) l[i * n + j] = j <= i ? gsl_matrix_get(m, i, j) : 0.0;
    gsl_matrix_free(m);
}

static void test_cholesky(void) {
    gen_array *a = spd(13, 4);
    gen_array *l = CHECK_ARR(gen_cholesky(a));
    double want[16];
    gsl_chol(data(a), want, 4);
    CHECK_SHAPE(l, 4, 4);
    CHECK_ARRAY(l, want, 16, 1e-12, 1e-15);
    /* the upper triangle of the argument is not read */
    double garbage[16];
    memcpy(garbage, data(a), sizeof garbage);
    garbage[1] = 1e9, garbage[3] = NAN, garbage[11] = -7;
    CHECK_ARRAY(gen_cholesky(gen_array_from_f64(GEN_DIMS(4, 4), garbage)), want, 16, 1e-12, 1e-15);
    /* hand-computed: [[4, 2], [2, 5]] = L L^T with L = [[2, 0], [1, 2]] */
    int64_t hi[] = {4, 2, 2, 5};
    gen_array *h = gen_cholesky(gen_array_from(GEN_I64, GEN_DIMS(2, 2), hi));
    CHECK(gen_array_dtype(h) == GEN_F64);
    CHECK_ARRAY(h, ((double[]){2, 0, 1, 2}), 4, 1e-15, 0);
    /* batched: [2,3,3] */
    gen_array *b = stack2(spd(14, 3), spd(15, 3));
    gen_array *lb = CHECK_ARR(gen_cholesky(b));
    CHECK_SHAPE(lb, 2, 3, 3);
    double wb[18];
    for (int m = 0; m < 2; m++) gsl_chol(data(b) + 9 * m, wb + 9 * m, 3);
    CHECK_ARRAY(lb, wb, 18, 1e-12, 1e-15);
    /* f32 spot check */
    gen_array *l32 = gen_cholesky(gen_cast(a, GEN_F32));
    CHECK(gen_array_dtype(l32) == GEN_F32);
    CHECK_ARRAY(l32, want, 16, 1e-6, 1e-6);
    /* empty matrix and empty batch */
    CHECK_SHAPE(gen_cholesky(gen_zeros(GEN_F64, GEN_DIMS(0, 0))), 0, 0);
    CHECK_SHAPE(gen_cholesky(gen_zeros(GEN_F64, GEN_DIMS(0, 3, 3))), 0, 3, 3);
}

static void test_cholesky_errors(void) {
    double np[] = {1, 2, 2, 1}; /* eigenvalues 3, -1 */
    CHECK(!gen_cholesky(gen_array_from_f64(GEN_DIMS(2, 2), np)));
    CHECK_ERROR(GEN_ERR_LINALG, "cholesky: the matrix is not positive definite (leading minor of order 2)");
    /* the second matrix of a batch */
    double b[] = {1, 0, 0, 1, 1, 2, 2, 1};
    CHECK(!gen_cholesky(gen_array_from_f64(GEN_DIMS(2, 2, 2), b)));
    CHECK_ERROR(GEN_ERR_LINALG, "cholesky: the matrix at batch index [1] (batch shape [2]) is not positive definite");
    /* NaN in the read triangle gives a NaN factor (no error), like logdet */
    double nan[] = {4, 7, NAN, 1};
    gen_array *ln = CHECK_ARR(gen_cholesky(gen_array_from_f64(GEN_DIMS(2, 2), nan)));
    CHECK(isnan(data(ln)[0]) && isnan(data(ln)[3]));
    CHECK(!gen_cholesky(gen_zeros(GEN_F64, GEN_DIMS(2, 3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "cholesky: needs square matrices [..., n, n], got [2,3]");
    CHECK(!gen_cholesky(gen_zeros(GEN_F64, GEN_DIMS(3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "got [3]");
}

/* ---- triangular_solve ---- */

/* Solves op(T) x = b by substitution in long double; T n x n (only the triangle
 * `lower` is read), b n x k. */
static void ref_trisolve(const double *t, const double *b, double *x, int n, int k, bool lower,
                         bool trans) {
    /* op(T) is lower triangular iff lower != trans */
    bool fwd = lower != trans;
    for (int c = 0; c < k; c++)
        for (int s = 0; s < n; s++) {
            int i = fwd ? s : n - 1 - s;
            long double acc = b[i * k + c];
            for (int j = 0; j < n; j++) {
                if (fwd ? j >= i : j <= i) continue;
                double tij = trans ? t[j * n + i] : t[i * n + j];
                acc -= (long double)tij * x[j * k + c];
            }
            x[i * k + c] = (double)(acc / (trans ? t[i * n + i] : t[i * n + i]));
        }
}

static void test_triangular_solve(void) {
    /* a full random matrix with a strong diagonal: each call reads one triangle */
    gen_array *t = gen_add(fd_uniform(16, -1, 1, GEN_DIMS(4, 4)), gen_mul(gen_eye(4, GEN_F64), gen_scalar(3)));
    gen_array *b = fd_uniform(17, -1, 1, GEN_DIMS(4, 2));
    for (int lo = 0; lo < 2; lo++)
        for (int tr = 0; tr < 2; tr++) {
            gen_array *x = CHECK_ARR(gen_triangular_solve(t, b, lo, tr));
            CHECK_SHAPE(x, 4, 2);
            double want[8];
            ref_trisolve(data(t), data(b), want, 4, 2, lo, tr);
            CHECK_ARRAY(x, want, 8, 1e-12, 1e-15);
        }
    /* hand-computed: [[2,0],[1,4]] x = [2, 9] -> x = [1, 2] */
    double tl[] = {2, 0, 1, 4}, bv[] = {2, 9};
    gen_array *x = gen_triangular_solve(gen_array_from_f64(GEN_DIMS(2, 2), tl), gen_array_from_f64(GEN_DIMS(2), bv), true, false);
    CHECK_SHAPE(x, 2);
    CHECK_ARRAY(x, ((double[]){1, 2}), 2, 1e-15, 0);
    /* batched t [2,4,4] with b [4] (broadcast vector) and b [2,4] (a vector per matrix) */
    gen_array *tb = stack2(t, gen_matrix_transpose(t));
    gen_array *v = fd_uniform(18, -1, 1, GEN_DIMS(4)), *v2 = fd_uniform(19, -1, 1, GEN_DIMS(2, 4));
    gen_array *xv = gen_triangular_solve(tb, v, true, false), *xv2 = gen_triangular_solve(tb, v2, false, true);
    CHECK_SHAPE(xv, 2, 4);
    CHECK_SHAPE(xv2, 2, 4);
    double w1[8], w2[8];
    for (int m = 0; m < 2; m++) {
        ref_trisolve(data(tb) + 16 * m, data(v), w1 + 4 * m, 4, 1, true, false);
        ref_trisolve(data(tb) + 16 * m, data(v2) + 4 * m, w2 + 4 * m, 4, 1, false, true);
    }
    CHECK_ARRAY(xv, w1, 8, 1e-12, 1e-15);
    CHECK_ARRAY(xv2, w2, 8, 1e-12, 1e-15);
    /* f32 and integers */
    gen_array *x32 = gen_triangular_solve(gen_cast(t, GEN_F32), gen_cast(b, GEN_F32), true, false);
    CHECK(gen_array_dtype(x32) == GEN_F32);
    double want[8];
    ref_trisolve(data(t), data(b), want, 4, 2, true, false);
    CHECK_ARRAY(x32, want, 8, 1e-5, 1e-6);
    int64_t ti[] = {2, 0, 1, 4}, bi[] = {2, 9};
    CHECK_ARRAY(gen_triangular_solve(gen_array_from(GEN_I64, GEN_DIMS(2, 2), ti), gen_array_from(GEN_I64, GEN_DIMS(2), bi), true, false),
                ((double[]){1, 2}), 2, 1e-15, 0);
    /* errors */
    CHECK(!gen_triangular_solve(t, gen_zeros(GEN_F64, GEN_DIMS(3, 2)), true, false));
    CHECK_ERROR(GEN_ERR_SHAPE, "triangular_solve: b needs as many rows as the matrix: [4,4] and [3,2]");
    CHECK(!gen_triangular_solve(gen_zeros(GEN_F64, GEN_DIMS(4, 3)), b, true, false));
    CHECK_ERROR(GEN_ERR_SHAPE, "triangular_solve: needs square matrices");
    CHECK(!gen_triangular_solve(tb, gen_zeros(GEN_F64, GEN_DIMS(3, 4, 1)), true, false));
    CHECK_ERROR(GEN_ERR_SHAPE, "triangular_solve: batch dimensions do not broadcast: [2,4,4] and [3,4,1]");
}

/* ---- solve, inv, logdet against GSL's LU ---- */

typedef struct gsl_lu {
    gsl_matrix *lu;
    gsl_permutation *p;
    int sign;
} gsl_lu;

static gsl_lu lu_of(const double *a, int n) {
    gsl_lu r = {gsl_matrix_alloc((size_t)n, (size_t)n), gsl_permutation_alloc((size_t)n), 0};
    memcpy(r.lu->data, a, (size_t)(n * n) * sizeof *a);
    gsl_linalg_LU_decomp(r.lu, r.p, &r.sign);
    return r;
}

static void lu_free(gsl_lu *r) {
    gsl_matrix_free(r->lu);
    gsl_permutation_free(r->p);
}

/* x = a^-1 b for a n x n, b n x k (row-major), via GSL. */
static void gsl_solve(const double *a, const double *b, double *x, int n, int k) {
    gsl_lu r = lu_of(a, n);
    gsl_vector *bv = gsl_vector_alloc((size_t)n), *xv = gsl_vector_alloc((size_t)n);
    for (int c = 0; c < k; c++) {
        for (int i = 0; i < n; i++) gsl_vector_set(bv, (size_t)i, b[i * k + c]);
        gsl_linalg_LU_solve(r.lu, r.p, bv, xv);
        for (int i = 0; i < n; i++) x[i * k + c] = gsl_vector_get(xv, (size_t)i);
    }
    gsl_vector_free(bv);
    gsl_vector_free(xv);
    lu_free(&r);
}

static gen_array *general(uint64_t seed, int ndim, const int64_t *shape) {
    return fd_uniform(seed, -2, 2, ndim, shape);
}

static void test_solve(void) {
    gen_array *a = general(20, GEN_DIMS(4, 4)), *b = general(21, GEN_DIMS(4, 3));
    gen_array *x = CHECK_ARR(gen_solve(a, b));
    double want[12];
    gsl_solve(data(a), data(b), want, 4, 3);
    CHECK_SHAPE(x, 4, 3);
    CHECK_ARRAY(x, want, 12, 1e-12, 1e-14);
    /* vector b */
    gen_array *v = general(22, GEN_DIMS(4));
    gen_array *xv = gen_solve(a, v);
    CHECK_SHAPE(xv, 4);
    double wv[4];
    gsl_solve(data(a), data(v), wv, 4, 1);
    CHECK_ARRAY(xv, wv, 4, 1e-12, 1e-14);
    /* hand-computed: [[2,1],[1,3]] x = [3, 5] -> x = [0.8, 1.4] */
    double h[] = {2, 1, 1, 3}, hb[] = {3, 5};
    CHECK_ARRAY(gen_solve(gen_array_from_f64(GEN_DIMS(2, 2), h), gen_array_from_f64(GEN_DIMS(2), hb)),
                ((double[]){0.8, 1.4}), 2, 1e-15, 0);
    /* batched a [2,3,3] with b [1,3,2] (broadcast), b [2,3] (a vector per matrix: b's
     * shape is a's without the last axis), b [3] */
    gen_array *ab = general(23, GEN_DIMS(2, 3, 3)), *bm = general(24, GEN_DIMS(1, 3, 2));
    gen_array *bv2 = general(25, GEN_DIMS(2, 3)), *b1 = general(26, GEN_DIMS(3));
    gen_array *x1 = gen_solve(ab, bm), *x2 = gen_solve(ab, bv2), *x3 = gen_solve(ab, b1);
    CHECK_SHAPE(x1, 2, 3, 2);
    CHECK_SHAPE(x2, 2, 3);
    CHECK_SHAPE(x3, 2, 3);
    double w1[12], w2[6], w3[6];
    for (int m = 0; m < 2; m++) {
        gsl_solve(data(ab) + 9 * m, data(bm), w1 + 6 * m, 3, 2);
        gsl_solve(data(ab) + 9 * m, data(bv2) + 3 * m, w2 + 3 * m, 3, 1);
        gsl_solve(data(ab) + 9 * m, data(b1), w3 + 3 * m, 3, 1);
    }
    CHECK_ARRAY(x1, w1, 12, 1e-12, 1e-14);
    CHECK_ARRAY(x2, w2, 6, 1e-12, 1e-14);
    CHECK_ARRAY(x3, w3, 6, 1e-12, 1e-14);
    /* b [3,2] with a [2,3,3] is a matrix shared by the batch */
    CHECK_ARRAY(gen_solve(ab, gen_reshape(bm, GEN_DIMS(3, 2))), w1, 12, 1e-12, 1e-14);
    /* f32, and integers (promoted to f64) */
    gen_array *x32 = gen_solve(gen_cast(a, GEN_F32), gen_cast(b, GEN_F32));
    CHECK(gen_array_dtype(x32) == GEN_F32);
    CHECK_ARRAY(x32, want, 12, 1e-4, 1e-5);
    int64_t hi[] = {2, 1, 1, 3}, hbi[] = {3, 5};
    gen_array *xi = gen_solve(gen_array_from(GEN_I64, GEN_DIMS(2, 2), hi), gen_array_from(GEN_I64, GEN_DIMS(2), hbi));
    CHECK(gen_array_dtype(xi) == GEN_F64);
    CHECK_ARRAY(xi, ((double[]){0.8, 1.4}), 2, 1e-15, 0);
    CHECK_SHAPE(gen_solve(a, gen_zeros(GEN_F64, GEN_DIMS(4, 0))), 4, 0);
}

static void test_solve_errors(void) {
    double s[] = {1, 2, 2, 4};
    gen_array *sing = gen_array_from_f64(GEN_DIMS(2, 2), s);
    CHECK(!gen_solve(sing, gen_ones(GEN_F64, GEN_DIMS(2))));
    CHECK_ERROR(GEN_ERR_LINALG, "solve: the matrix is singular");
    double sb[] = {1, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 4}; /* [3,2,2], the third singular */
    CHECK(!gen_solve(gen_array_from_f64(GEN_DIMS(3, 2, 2), sb), gen_ones(GEN_F64, GEN_DIMS(2))));
    CHECK_ERROR(GEN_ERR_LINALG, "solve: the matrix at batch index [2] (batch shape [3]) is singular");
    CHECK(!gen_solve(gen_zeros(GEN_F64, GEN_DIMS(2, 3)), gen_ones(GEN_F64, GEN_DIMS(2))));
    CHECK_ERROR(GEN_ERR_SHAPE, "solve: needs square matrices [..., n, n], got [2,3]");
    CHECK(!gen_solve(gen_eye(3, GEN_F64), gen_ones(GEN_F64, GEN_DIMS(4))));
    CHECK_ERROR(GEN_ERR_SHAPE, "solve: b needs as many rows as the matrix: [3,3] and [4]");
    CHECK(!gen_solve(gen_eye(3, GEN_F64), gen_scalar(1)));
    CHECK_ERROR(GEN_ERR_SHAPE, "solve: b needs at least 1 dimension");
    bool bb[] = {true, false, false, true};
    CHECK_ARRAY(gen_solve(gen_array_from(GEN_BOOL, GEN_DIMS(2, 2), bb), gen_ones(GEN_I64, GEN_DIMS(2))),
                ((double[]){1, 1}), 2, 0, 0);
}

static void test_inv(void) {
    gen_array *a = general(27, GEN_DIMS(2, 4, 4));
    gen_array *ai = CHECK_ARR(gen_inv(a));
    CHECK_SHAPE(ai, 2, 4, 4);
    double want[32];
    for (int m = 0; m < 2; m++) {
        gsl_lu r = lu_of(data(a) + 16 * m, 4);
        gsl_matrix *inv = gsl_matrix_alloc(4, 4);
        gsl_linalg_LU_invert(r.lu, r.p, inv);
        memcpy(want + 16 * m, inv->data, 16 * sizeof(double));
        gsl_matrix_free(inv);
        lu_free(&r);
    }
    CHECK_ARRAY(ai, want, 32, 1e-12, 1e-14);
    double h[] = {2, 1, 1, 3}; /* inverse [[3, -1], [-1, 2]] / 5 */
    CHECK_ARRAY(gen_inv(gen_array_from_f64(GEN_DIMS(2, 2), h)), ((double[]){0.6, -0.2, -0.2, 0.4}), 4, 1e-15, 1e-16);
    CHECK(gen_array_dtype(gen_inv(gen_cast(a, GEN_F32))) == GEN_F32);
    CHECK(!gen_inv(gen_zeros(GEN_F64, GEN_DIMS(3, 3))));
    CHECK_ERROR(GEN_ERR_LINALG, "inv: the matrix is singular (zero pivot at row 1)");
    CHECK(!gen_inv(gen_zeros(GEN_F64, GEN_DIMS(3, 2))));
    CHECK_ERROR(GEN_ERR_SHAPE, "inv: needs square matrices");
}

static void test_logdet(void) {
    gen_array *a = general(28, GEN_DIMS(3, 5, 5));
    gen_array *ld = CHECK_ARR(gen_logdet(a));
    CHECK_SHAPE(ld, 3);
    double want[3];
    for (int m = 0; m < 3; m++) {
        gsl_lu r = lu_of(data(a) + 25 * m, 5);
        want[m] = gsl_linalg_LU_lndet(r.lu);
        lu_free(&r);
    }
    CHECK_ARRAY(ld, want, 3, 1e-12, 1e-14);
    /* hand-computed: det [[1,2],[3,4]] = -2 -> log 2; diag(1e-200, 1e-200) -> log 1e-400 */
    double h[] = {1, 2, 3, 4}, tiny[] = {1e-200, 0, 0, 1e-200};
    CHECK_CLOSE(check_item(gen_logdet(gen_array_from_f64(GEN_DIMS(2, 2), h))), log(2.0), 1e-15);
    CHECK_CLOSE(check_item(gen_logdet(gen_array_from_f64(GEN_DIMS(2, 2), tiny))), -400 * log(10.0), 1e-15);
    /* singular: -inf, no error; NaN: NaN; empty matrix: log 1 = 0 */
    CHECK(isinf(check_item(gen_logdet(gen_zeros(GEN_F64, GEN_DIMS(3, 3))))));
    CHECK(check_item(gen_logdet(gen_zeros(GEN_F64, GEN_DIMS(3, 3)))) < 0);
    double n[] = {1, NAN, 0, 1};
    CHECK(isnan(check_item(gen_logdet(gen_array_from_f64(GEN_DIMS(2, 2), n)))));
    CHECK_CLOSE(check_item(gen_logdet(gen_zeros(GEN_F64, GEN_DIMS(0, 0)))), 0, 0);
    gen_array *l32 = gen_logdet(gen_cast(a, GEN_F32));
    CHECK(gen_array_dtype(l32) == GEN_F32);
    CHECK_ARRAY(l32, want, 3, 1e-5, 1e-6);
    int64_t hi[] = {1, 2, 3, 4};
    CHECK_CLOSE(check_item(gen_logdet(gen_array_from(GEN_I64, GEN_DIMS(2, 2), hi))), log(2.0), 1e-15);
    CHECK(!gen_logdet(gen_zeros(GEN_F64, GEN_DIMS(2, 3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "logdet: needs square matrices [..., n, n], got [2,3]");
}

/* ---- diag, diag_embed, trace ---- */

static void test_diagonals(void) {
    double m[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9}; /* [2,3,3] */
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 3, 3), m);
    gen_array *d = gen_diag(a);
    CHECK_SHAPE(d, 2, 3);
    CHECK_ARRAY(d, ((double[]){1, 5, 9, -1, -5, -9}), 6, 0, 0);
    gen_array *t = gen_matrix_trace(a);
    CHECK_SHAPE(t, 2);
    CHECK_ARRAY(t, ((double[]){15, -15}), 2, 0, 0);
    gen_array *e = gen_diag_embed(d);
    CHECK_SHAPE(e, 2, 3, 3);
    double we[18] = {0};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++) we[9 * k + 4 * i] = m[9 * k + 4 * i];
    CHECK_ARRAY(e, we, 18, 0, 0);
    CHECK_ARRAY(gen_diag(gen_eye(3, GEN_F32)), ((double[]){1, 1, 1}), 3, 0, 0);
    CHECK(gen_array_dtype(gen_diag(gen_eye(3, GEN_F32))) == GEN_F32);
    /* integers and bools become f64 */
    int64_t iv[] = {1, 2};
    gen_array *ei = gen_diag_embed(gen_array_from(GEN_I64, GEN_DIMS(2), iv));
    CHECK(gen_array_dtype(ei) == GEN_F64);
    CHECK_ARRAY(ei, ((double[]){1, 0, 0, 2}), 4, 0, 0);
    CHECK_CLOSE(check_item(gen_matrix_trace(gen_eye(4, GEN_BOOL))), 4, 0);
    CHECK(gen_array_dtype(gen_matrix_trace(gen_eye(4, GEN_I64))) == GEN_F64);
    /* empty */
    CHECK_SHAPE(gen_diag(gen_zeros(GEN_F64, GEN_DIMS(0, 0))), 0);
    CHECK_CLOSE(check_item(gen_matrix_trace(gen_zeros(GEN_F64, GEN_DIMS(0, 0)))), 0, 0);
    CHECK_SHAPE(gen_diag_embed(gen_zeros(GEN_F64, GEN_DIMS(2, 0))), 2, 0, 0);
    /* errors */
    CHECK(!gen_diag(gen_zeros(GEN_F64, GEN_DIMS(2, 3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "diag: needs square matrices [..., n, n], got [2,3]");
    CHECK(!gen_matrix_trace(gen_zeros(GEN_F64, GEN_DIMS(3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "diag: needs square matrices");
    CHECK(!gen_diag_embed(gen_scalar(1)));
    CHECK_ERROR(GEN_ERR_SHAPE, "diag_embed: needs [..., n]");
    gen_error_set(GEN_ERR_VALUE, "earlier");
    CHECK(!gen_matrix_trace(NULL));
    CHECK(!gen_outer(NULL, NULL));
    CHECK(!gen_cholesky(NULL));
    CHECK(!gen_solve(NULL, gen_scalar(1)));
    CHECK_ERROR(GEN_ERR_VALUE, "earlier");
}

int main(void) {
    RUN(test_matmul_2d);
    RUN(test_matmul_batch);
    RUN(test_matmul_vectors);
    RUN(test_matmul_types);
    RUN(test_matmul_empty);
    RUN(test_matmul_errors);
    RUN(test_outer);
    RUN(test_cholesky);
    RUN(test_cholesky_errors);
    RUN(test_triangular_solve);
    RUN(test_solve);
    RUN(test_solve_errors);
    RUN(test_inv);
    RUN(test_logdet);
    RUN(test_diagonals);
    return check_finish();
}
