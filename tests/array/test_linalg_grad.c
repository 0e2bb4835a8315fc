/* test_linalg_grad.c — VJPs and JVPs of the linear-algebra ops against central finite
 * differences (FD_CHECK), with batch dimensions and broadcasting, the 1-d matmul cases,
 * the symmetric convention of cholesky's gradient, and second derivatives (the rules
 * are built from public ops). */
#include <math.h>

#include "fd.h"

#define RTOL 1e-6
#define ATOL 1e-8

static gen_array *u(uint64_t seed, int ndim, const int64_t *shape) {
    return fd_uniform(seed, -1, 1, ndim, shape);
}

/* A random matrix plus c I on the diagonal: well conditioned for solves. */
static gen_array *dominant(uint64_t seed, double c, int ndim, const int64_t *shape) {
    return gen_add(u(seed, ndim, shape), gen_mul(gen_eye(shape[ndim - 1], GEN_F64), gen_scalar(c)));
}

/* ---- matmul / outer ---- */

static void test_matmul_grad(void) {
    FD_CHECK2(gen_matmul, u(1, GEN_DIMS(3, 4)), u(2, GEN_DIMS(4, 2)), RTOL, ATOL);
    FD_CHECK2(gen_matmul, u(3, GEN_DIMS(2, 1, 3, 4)), u(4, GEN_DIMS(5, 4, 2)), RTOL, ATOL);
    FD_CHECK2(gen_matmul, u(5, GEN_DIMS(2, 3, 3)), u(6, GEN_DIMS(3, 3)), RTOL, ATOL);
    FD_CHECK2(gen_matmul, u(7, GEN_DIMS(3, 3)), u(8, GEN_DIMS(2, 3, 3)), RTOL, ATOL);
    /* 1-d cases: vector . vector, matrix . vector, vector . matrix, vector . batch */
    FD_CHECK2(gen_matmul, u(9, GEN_DIMS(4)), u(10, GEN_DIMS(4)), RTOL, ATOL);
    FD_CHECK2(gen_matmul, u(11, GEN_DIMS(3, 4)), u(12, GEN_DIMS(4)), RTOL, ATOL);
    FD_CHECK2(gen_matmul, u(13, GEN_DIMS(3)), u(14, GEN_DIMS(3, 2)), RTOL, ATOL);
    FD_CHECK2(gen_matmul, u(15, GEN_DIMS(3)), u(16, GEN_DIMS(2, 3, 2)), RTOL, ATOL);
    FD_CHECK2(gen_matmul, u(17, GEN_DIMS(2, 2, 3)), u(18, GEN_DIMS(3)), RTOL, ATOL);
}

static void test_outer_grad(void) {
    FD_CHECK2(gen_outer, u(19, GEN_DIMS(3)), u(20, GEN_DIMS(2)), RTOL, ATOL);
    FD_CHECK2(gen_outer, u(21, GEN_DIMS(2, 3)), u(22, GEN_DIMS(4)), RTOL, ATOL);
}

/* ---- diagonals ---- */

static void test_diag_grad(void) {
    FD_CHECK1(gen_diag, u(23, GEN_DIMS(2, 3, 3)), RTOL, ATOL);
    FD_CHECK1(gen_diag_embed, u(24, GEN_DIMS(2, 3)), RTOL, ATOL);
    FD_CHECK1(gen_matrix_trace, u(25, GEN_DIMS(2, 3, 3)), RTOL, ATOL);
    FD_CHECK1(gen_matrix_trace, u(26, GEN_DIMS(4, 4)), RTOL, ATOL);
}

/* ---- cholesky: through symmetric parameterizations ---- */

static gen_array *sym(const gen_array *x) {
    return gen_mul(gen_add(x, gen_matrix_transpose(x)), gen_scalar(0.5));
}
/* cholesky(X X^T + n I) */
static gen_array *chol_gram(const gen_array *x) {
    int64_t n = gen_array_dim(x, -1);
    gen_array *a = gen_matmul(x, gen_matrix_transpose(x));
    return gen_cholesky(gen_add(a, gen_mul(gen_eye(n, GEN_F64), gen_scalar((double)n))));
}
/* cholesky(sym(X)) for X near a positive definite matrix */
static gen_array *chol_sym(const gen_array *x) { return gen_cholesky(sym(x)); }

static void test_cholesky_grad(void) {
    FD_CHECK1(chol_gram, u(27, GEN_DIMS(3, 3)), RTOL, ATOL);
    FD_CHECK1(chol_gram, u(28, GEN_DIMS(2, 4, 4)), RTOL, ATOL);
    FD_CHECK1(chol_sym, dominant(29, 3, GEN_DIMS(3, 3)), RTOL, ATOL);
    FD_CHECK1(chol_sym, dominant(30, 3, GEN_DIMS(2, 3, 3)), RTOL, ATOL);
}

/* The cotangent of cholesky's argument is symmetric (the documented convention). */
static gen_status sum_chol(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *w = fd_uniform(31, 0, 1, GEN_DIMS(3, 3));
    out[0] = gen_sum(gen_mul(gen_cholesky(in[0]), w), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_cholesky_symmetric(void) {
    gen_array *a = gen_add(gen_matmul(u(32, GEN_DIMS(3, 3)), gen_matrix_transpose(u(32, GEN_DIMS(3, 3)))),
                           gen_mul(gen_eye(3, GEN_F64), gen_scalar(3)));
    gen_array *g;
    CHECK_OK(gen_grad((gen_closure){sum_chol, NULL}, 1, &a, &g));
    const double *d = gen_array_data(g);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < i; j++) CHECK_CLOSE(d[i * 3 + j], d[j * 3 + i], 1e-14);
}

/* ---- triangular_solve: every (lower, transpose), matrix and vector b, batches ---- */

#define TRI(NAME, LO, TR)                                                                   \
    static gen_array *NAME(const gen_array *t, const gen_array *b) {                        \
        return gen_triangular_solve(t, b, LO, TR);                                          \
    }
TRI(tri_ln, true, false)
TRI(tri_lt, true, true)
TRI(tri_un, false, false)
TRI(tri_ut, false, true)

static void test_triangular_solve_grad(void) {
    gen_array *t = dominant(33, 3, GEN_DIMS(3, 3)), *b = u(34, GEN_DIMS(3, 2)), *v = u(35, GEN_DIMS(3));
    FD_CHECK2(tri_ln, t, b, RTOL, ATOL);
    FD_CHECK2(tri_lt, t, b, RTOL, ATOL);
    FD_CHECK2(tri_un, t, b, RTOL, ATOL);
    FD_CHECK2(tri_ut, t, v, RTOL, ATOL);
    gen_array *tb = dominant(36, 3, GEN_DIMS(2, 3, 3));
    FD_CHECK2(tri_ln, tb, b, RTOL, ATOL);              /* batch t, shared b */
    FD_CHECK2(tri_ut, tb, u(37, GEN_DIMS(2, 3)), RTOL, ATOL); /* a vector per matrix */
    FD_CHECK2(tri_lt, t, u(38, GEN_DIMS(2, 3, 1)), RTOL, ATOL); /* shared t, batch b */
}

/* ---- solve, inv, logdet ---- */

static void test_solve_grad(void) {
    gen_array *a = dominant(39, 3, GEN_DIMS(3, 3));
    FD_CHECK2(gen_solve, a, u(40, GEN_DIMS(3, 2)), RTOL, ATOL);
    FD_CHECK2(gen_solve, a, u(41, GEN_DIMS(3)), RTOL, ATOL);
    gen_array *ab = dominant(42, 3, GEN_DIMS(2, 3, 3));
    FD_CHECK2(gen_solve, ab, u(43, GEN_DIMS(3)), RTOL, ATOL);
    FD_CHECK2(gen_solve, ab, u(44, GEN_DIMS(2, 3)), RTOL, ATOL);
    FD_CHECK2(gen_solve, a, u(45, GEN_DIMS(2, 3, 2)), RTOL, ATOL);
}

static void test_inv_logdet_grad(void) {
    FD_CHECK1(gen_inv, dominant(46, 3, GEN_DIMS(3, 3)), RTOL, ATOL);
    FD_CHECK1(gen_inv, dominant(47, 3, GEN_DIMS(2, 3, 3)), RTOL, ATOL);
    FD_CHECK1(gen_logdet, dominant(48, 3, GEN_DIMS(3, 3)), RTOL, ATOL);
    FD_CHECK1(gen_logdet, dominant(49, 3, GEN_DIMS(2, 3, 3)), RTOL, ATOL);
    /* a negative determinant: d log|det a| = a^-T still */
    double m[] = {1, 2, 3, 4};
    FD_CHECK1(gen_logdet, gen_array_from_f64(GEN_DIMS(2, 2), m), RTOL, ATOL);
}

/* ---- second derivatives: FD of closures that return gradients ---- */

static gen_status logdet_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_logdet(in[0]), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_array *grad_logdet(const gen_array *a) {
    gen_array *g = NULL, *in[1] = {(gen_array *)a};
    return gen_grad((gen_closure){logdet_sum, NULL}, 1, in, &g) == GEN_OK ? g : NULL;
}

static gen_status chol_gram_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *l = chol_gram(in[0]);
    out[0] = gen_sum(gen_mul(l, l), 0, NULL, false); /* not invariant: trace(L L^T) is */
    out[0] = gen_add(out[0], gen_sum(gen_mul(l, gen_diag_embed(gen_diag(l))), 0, NULL, false));
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_array *grad_chol(const gen_array *x) {
    gen_array *g = NULL, *in[1] = {(gen_array *)x};
    return gen_grad((gen_closure){chol_gram_sum, NULL}, 1, in, &g) == GEN_OK ? g : NULL;
}

static gen_status tri_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *x = gen_triangular_solve(in[0], in[1], true, false);
    gen_array *y = gen_solve(in[0], gen_matmul(in[0], x));
    out[0] = gen_sum(gen_mul(gen_mul(x, x), y), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_array *grad_tri_t(const gen_array *t, const gen_array *b) {
    gen_array *g[2] = {NULL, NULL}, *in[2] = {(gen_array *)t, (gen_array *)b};
    return gen_grad((gen_closure){tri_sum, NULL}, 2, in, g) == GEN_OK ? gen_add(g[0], gen_sum(g[1], 0, NULL, false)) : NULL;
}

static void test_second_order(void) {
    FD_CHECK1(grad_logdet, dominant(50, 3, GEN_DIMS(2, 3, 3)), 1e-5, 1e-7);
    FD_CHECK1(grad_chol, u(51, GEN_DIMS(3, 3)), 1e-5, 1e-7);
    FD_CHECK2(grad_tri_t, dominant(52, 3, GEN_DIMS(3, 3)), u(53, GEN_DIMS(3, 2)), 1e-5, 1e-7);
}

/* f32 arguments differentiate too (cotangents come back as f32). */
static gen_status f32_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_matmul(in[0], gen_inv(in[0])), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_f32_grad(void) {
    gen_array *a = gen_cast(dominant(54, 3, GEN_DIMS(3, 3)), GEN_F32), *g;
    CHECK_OK(gen_grad((gen_closure){f32_fn, NULL}, 1, &a, &g));
    CHECK(gen_array_dtype(g) == GEN_F32);
    /* sum(A A^-1) = n is constant: the gradient is 0 up to f32 rounding */
    const float *d = gen_array_data(g);
    for (int i = 0; i < 9; i++) CHECK_NEAR(d[i], 0, 1e-5);
}

/* ---- empty matrices: [0, 0], a batch of [0, 0], an empty batch of [3, 3] ----
 * Every rule and kernel must handle them without arithmetic on a NULL pointer (the
 * cholesky VJP once did NULL + 0: UBSan under clang reports it). The values are exact:
 * logdet of a 0 x 0 matrix is log 1 = 0, every other result and cotangent is empty. */

typedef gen_array *(*lin2_fn)(const gen_array *, const gen_array *);
typedef struct lin_case {
    gen_array *(*f1)(const gen_array *);
    lin2_fn f2; /* when f1 is NULL: f2(in[0], in[1]) */
} lin_case;

static gen_status lin_apply(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const lin_case *c = p;
    out[0] = c->f1 ? c->f1(in[0]) : c->f2(in[0], in[1]);
    return out[0] ? GEN_OK : gen_error_status();
}

static gen_array *chol_of(const gen_array *a) { return gen_cholesky(a); }

/* vjp and jvp of the case at the inputs: GEN_OK, results of the right shapes, cotangents
 * and tangents of zeros (for empty ones, nothing to compare). */
static void check_empty_case(const char *name, lin_case c, int n_in, gen_array *const *in) {
    gen_array *out = NULL, *cot_in[2] = {NULL, NULL}, *tan_out = NULL, *tans[2];
    gen_closure f = {lin_apply, &c};
    gen_error_clear();
    CHECK_OK(lin_apply(&c, n_in, in, 1, &out));
    if (!out) {
        printf("  %s: no output\n", name);
        return;
    }
    gen_array *ones = gen_ones(GEN_F64, gen_array_ndim(out), gen_array_shape(out));
    CHECK_OK(gen_vjp(f, n_in, in, 1, &ones, &out, cot_in));
    for (int i = 0; i < n_in; i++) {
        CHECK(cot_in[i] && gen_array_ndim(cot_in[i]) == gen_array_ndim(in[i]));
        CHECK(cot_in[i] && gen_array_size(cot_in[i]) == gen_array_size(in[i]));
        tans[i] = gen_ones(GEN_F64, gen_array_ndim(in[i]), gen_array_shape(in[i]));
    }
    CHECK_OK(gen_jvp(f, n_in, in, tans, 1, &out, &tan_out));
    CHECK(tan_out && gen_array_size(tan_out) == gen_array_size(out));
    for (int64_t k = 0; tan_out && k < gen_array_size(tan_out); k++) /* only logdet's: d log 1 = 0 */
        CHECK(((const double *)gen_array_data(tan_out))[k] == 0.0);
}

static void test_empty_matrices(void) {
    const int64_t shapes[3][3] = {{0, 0, 0}, {2, 0, 0}, {0, 3, 3}};
    const int ndims[3] = {2, 3, 3};
    for (int s = 0; s < 3; s++) {
        int nd = ndims[s];
        const int64_t *sh = nd == 2 ? shapes[s] + 1 : shapes[s];
        gen_array *a = gen_eye(sh[nd - 1], GEN_F64);
        a = gen_add(gen_zeros(GEN_F64, nd, sh), a); /* identities of the shape */
        gen_array *b = gen_zeros(GEN_F64, nd, sh);
        gen_array *in[2] = {a, b};
        check_empty_case("cholesky", (lin_case){chol_of, NULL}, 1, in);
        check_empty_case("inv", (lin_case){gen_inv, NULL}, 1, in);
        check_empty_case("logdet", (lin_case){gen_logdet, NULL}, 1, in);
        check_empty_case("solve", (lin_case){NULL, gen_solve}, 2, in);
        check_empty_case("matmul", (lin_case){NULL, gen_matmul}, 2, in);
        check_empty_case("tri_ln", (lin_case){NULL, tri_ln}, 2, in);
        check_empty_case("tri_ut", (lin_case){NULL, tri_ut}, 2, in);
        check_empty_case("chol_gram", (lin_case){chol_gram, NULL}, 1, in);
        gen_array *ld = gen_logdet(a); /* log det of 0 x 0 matrices: 0 */
        CHECK(ld && gen_array_size(ld) == (nd == 2 ? 1 : sh[0]));
        for (int64_t k = 0; ld && k < gen_array_size(ld); k++) CHECK(((const double *)gen_array_data(ld))[k] == 0.0);
    }
}

int main(void) {
    RUN(test_matmul_grad);
    RUN(test_outer_grad);
    RUN(test_diag_grad);
    RUN(test_cholesky_grad);
    RUN(test_cholesky_symmetric);
    RUN(test_triangular_solve_grad);
    RUN(test_solve_grad);
    RUN(test_inv_logdet_grad);
    RUN(test_second_order);
    RUN(test_f32_grad);
    RUN(test_empty_matrices);
    return check_finish();
}
