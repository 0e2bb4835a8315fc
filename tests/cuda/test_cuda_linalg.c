/* test_cuda_linalg.c — the linalg ops on the GPU against the CPU backend on the same
 * inputs: matmul (every batch layout: shared, stacked, broadcast on both sides, and
 * batches larger than one library call takes), diag, diag_embed, cholesky,
 * triangular_solve (lower/upper, transposed or not), solve, inv and logdet, in f64 and
 * f32, with 0x0 and 1x1 matrices, empty batches and right-hand sides, and NaN inputs;
 * failures (not positive definite, singular) with the CPU's status and message;
 * cholesky's VJP op bit for bit; and gradients through every op (gen_value_and_grad on
 * device inputs against the CPU's). Tolerances: f64 results within 1e-12 of the CPU's,
 * relative to each element or to the result's largest element (the libraries order
 * their sums differently: normwise agreement is what they promise); f32 products within
 * 1e-5 (both sum in float), f32 factorizations within 1e-6 (both compute in double and
 * round). Skips where there is no GPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_testutil.h"
#include "fd.h"
#include "../../src/array/op.h"

#define TOL64 1e-12
#define TOL32_PRODUCT 1e-5
#define TOL32 1e-6
#define BIG_BATCH 70000 /* more matrices than one batched library call takes (65535) */

static gen_device dev;

static gen_array *D(const gen_array *a) { return gen_array_to_device(a, dev); }

/* ---- comparisons ---- */

/* g (a GPU result) has c's (the CPU's) dtype and shape and is on the device, and each
 * element is within tol (|c| + max |c|) of c's (NaN matches NaN, infinities themselves);
 * tol 0: the same values. Reports the first differing element. */
#define SAME(g, c, tol) same_at(__FILE__, __LINE__, #g, (g), (c), (tol))
static void same_at(const char *file, int line, const char *what, const gen_array *g, const gen_array *c,
                    double tol) {
    check_count++;
    if (!g || !c) {
        check_fail(file, line, "%s: %s result is NULL: %s", what, g ? "the CPU's" : "the GPU's", gen_error_message());
        gen_error_clear();
        return;
    }
    if (gen_array_device(g) != dev) check_fail(file, line, "%s: the result is not on the GPU", what);
    if (gen_array_dtype(g) != gen_array_dtype(c)) {
        check_fail(file, line, "%s: dtype %s, the CPU's %s", what, gen_dtype_name(gen_array_dtype(g)),
                   gen_dtype_name(gen_array_dtype(c)));
        return;
    }
    if (gen_array_ndim(g) != gen_array_ndim(c) ||
        memcmp(gen_array_shape(g), gen_array_shape(c), (size_t)gen_array_ndim(c) * sizeof(int64_t))) {
        check_fail(file, line, "%s: the shape differs from the CPU's", what);
        return;
    }
    int64_t n = gen_array_size(c);
    double *gv = malloc((size_t)(n ? n : 1) * sizeof *gv), *cv = malloc((size_t)(n ? n : 1) * sizeof *cv);
    CHECK_OK(gen_array_copy_to(g, GEN_F64, gv, (size_t)n * sizeof *gv));
    CHECK_OK(gen_array_copy_to(c, GEN_F64, cv, (size_t)n * sizeof *cv));
    double scale = 0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(cv[i]) && fabs(cv[i]) > scale) scale = fabs(cv[i]);
    for (int64_t i = 0; i < n; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s[%lld]", what, (long long)i);
        check_count--; /* one check for the array, not one per element */
        if (!check_close_at(file, line, buf, gv[i], cv[i], tol, tol * scale)) break;
    }
    free(gv);
    free(cv);
}

/* Failures: the CPU's call fails first (its status and message kept), then the GPU's
 * must fail with the same status and the same message, which contains want. */
static gen_status cpu_status;
static char cpu_message[1024];
static void cpu_fails(const gen_array *r) {
    CHECK(r == NULL);
    cpu_status = gen_error_status();
    snprintf(cpu_message, sizeof cpu_message, "%s", gen_error_message());
    gen_error_clear();
}
#define GPU_FAILS_ALIKE(r, want) gpu_fails_alike_at(__FILE__, __LINE__, (r), (want))
static void gpu_fails_alike_at(const char *file, int line, const gen_array *r, const char *want) {
    check_count++;
    if (r) check_fail(file, line, "the GPU's call succeeded; the CPU's failed: %s", cpu_message);
    else if (gen_error_status() != cpu_status || strcmp(gen_error_message(), cpu_message))
        check_fail(file, line, "the GPU's call failed with %s \"%s\", the CPU's with %s \"%s\"",
                   gen_status_name(gen_error_status()), gen_error_message(), gen_status_name(cpu_status), cpu_message);
    else if (!strstr(cpu_message, want)) check_fail(file, line, "the message \"%s\" lacks \"%s\"", cpu_message, want);
    gen_error_clear();
}

/* ---- inputs (made on the host) ---- */

static gen_array *U(uint64_t seed, int ndim, const int64_t *shape) { return fd_uniform(seed, -1, 1, ndim, shape); }

/* [..., n, n] symmetric positive definite: X X^T + n I. */
static gen_array *spd(uint64_t seed, int ndim, const int64_t *shape) {
    gen_array *x = U(seed, ndim, shape);
    int64_t n = shape[ndim - 1];
    return gen_add(gen_matmul(x, gen_matrix_transpose(x)), gen_mul(gen_eye(n, GEN_F64), gen_scalar((double)n)));
}

/* [..., n, n] uniform in [-1, 1) plus n + 1 on the diagonal: well conditioned, and its
 * other triangle is not zero (the triangular solves must not read it). */
static gen_array *dominant(uint64_t seed, int ndim, const int64_t *shape) {
    int64_t n = shape[ndim - 1];
    return gen_add(U(seed, ndim, shape), gen_mul(gen_eye(n, GEN_F64), gen_scalar((double)n + 1)));
}

static gen_array *f32(const gen_array *a) { return gen_cast(a, GEN_F32); }

/* ---- matmul ---- */

static void matmul_case(uint64_t seed, int na, const int64_t *sa, int nb, const int64_t *sb) {
    gen_array *a = U(seed, na, sa), *b = U(seed + 1, nb, sb);
    SAME(gen_matmul(D(a), D(b)), gen_matmul(a, b), TOL64);
    SAME(gen_matmul(D(f32(a)), D(f32(b))), gen_matmul(f32(a), f32(b)), TOL32_PRODUCT);
}

static void test_matmul(void) {
    matmul_case(1, GEN_DIMS(3, 4), GEN_DIMS(4, 5));
    matmul_case(3, GEN_DIMS(1, 1), GEN_DIMS(1, 1));
    matmul_case(5, GEN_DIMS(64, 33), GEN_DIMS(33, 70));
    matmul_case(7, GEN_DIMS(7, 3, 4), GEN_DIMS(7, 4, 5));       /* stacked */
    matmul_case(9, GEN_DIMS(7, 3, 4), GEN_DIMS(4, 5));          /* b shared: one product */
    matmul_case(11, GEN_DIMS(3, 4), GEN_DIMS(7, 4, 5));         /* a shared */
    matmul_case(13, GEN_DIMS(2, 1, 3, 4), GEN_DIMS(1, 5, 4, 2)); /* both broadcast: pointer arrays */
    matmul_case(15, GEN_DIMS(4, 1, 3, 4), GEN_DIMS(3, 4, 2));
    matmul_case(17, GEN_DIMS(2, 3, 1, 4), GEN_DIMS(1, 4, 1));   /* matrix times vector */
    matmul_case(19, GEN_DIMS(1, 4), GEN_DIMS(6, 4, 3));         /* a row times a batch */
    /* batches beyond one library call: strided and pointer-array paths */
    matmul_case(21, GEN_DIMS(BIG_BATCH, 2, 3), GEN_DIMS(BIG_BATCH, 3, 2));
    matmul_case(23, GEN_DIMS(BIG_BATCH / 2, 1, 2, 2), GEN_DIMS(1, 2, 2, 3));
    /* vectors through the public function (1-d promotion) */
    matmul_case(25, GEN_DIMS(4), GEN_DIMS(4));
    matmul_case(27, GEN_DIMS(3, 4), GEN_DIMS(4));
    matmul_case(29, GEN_DIMS(3), GEN_DIMS(2, 3, 2));
    /* empty: k = 0 gives zeros; no rows; no batch */
    matmul_case(31, GEN_DIMS(3, 0), GEN_DIMS(0, 2));
    matmul_case(33, GEN_DIMS(2, 3, 0), GEN_DIMS(1, 0, 4));
    matmul_case(35, GEN_DIMS(0, 3), GEN_DIMS(3, 2));
    matmul_case(37, GEN_DIMS(0, 3, 4), GEN_DIMS(4, 2));
    /* integers and booleans are promoted to f64 (as on the CPU) */
    gen_array *i = gen_cast(gen_mul(U(39, GEN_DIMS(3, 3)), gen_scalar(10)), GEN_I64);
    gen_array *bl = gen_gt(U(40, GEN_DIMS(3, 2)), gen_scalar(0));
    SAME(gen_matmul(D(i), D(bl)), gen_matmul(i, bl), 0);
}

/* ---- diag, diag_embed ---- */

static void test_diagonals(void) {
    gen_array *a = U(41, GEN_DIMS(2, 3, 5, 5)), *v = U(42, GEN_DIMS(4, 6));
    SAME(gen_diag(D(a)), gen_diag(a), 0);
    SAME(gen_diag(D(f32(a))), gen_diag(f32(a)), 0);
    SAME(gen_diag_embed(D(v)), gen_diag_embed(v), 0);
    SAME(gen_diag_embed(D(f32(v))), gen_diag_embed(f32(v)), 0);
    gen_array *one = U(43, GEN_DIMS(1, 1)), *e = gen_zeros(GEN_F64, GEN_DIMS(3, 0, 0));
    SAME(gen_diag(D(one)), gen_diag(one), 0);
    SAME(gen_diag(D(e)), gen_diag(e), 0);
    SAME(gen_diag_embed(D(gen_zeros(GEN_F64, GEN_DIMS(2, 0)))), gen_diag_embed(gen_zeros(GEN_F64, GEN_DIMS(2, 0))), 0);
    SAME(gen_matrix_trace(D(a)), gen_matrix_trace(a), TOL64);
}

/* ---- cholesky ---- */

static void cholesky_case(uint64_t seed, int nd, const int64_t *shape) {
    gen_array *a = spd(seed, nd, shape);
    SAME(gen_cholesky(D(a)), gen_cholesky(a), TOL64);
    SAME(gen_cholesky(D(f32(a))), gen_cholesky(f32(a)), TOL32);
}

static void test_cholesky(void) {
    cholesky_case(51, GEN_DIMS(1, 1));
    cholesky_case(52, GEN_DIMS(4, 4));
    cholesky_case(53, GEN_DIMS(5, 4, 4));
    cholesky_case(54, GEN_DIMS(2, 3, 6, 6));
    cholesky_case(55, GEN_DIMS(200, 200));
    cholesky_case(56, GEN_DIMS(3, 40, 40));
    cholesky_case(57, GEN_DIMS(BIG_BATCH, 3, 3));
    gen_array *e = gen_zeros(GEN_F64, GEN_DIMS(0, 0)), *eb = gen_zeros(GEN_F64, GEN_DIMS(0, 3, 3));
    SAME(gen_cholesky(D(e)), gen_cholesky(e), 0);
    SAME(gen_cholesky(D(eb)), gen_cholesky(eb), 0);
    /* only the lower triangle is read: junk above it changes nothing */
    gen_array *a = spd(58, GEN_DIMS(2, 5, 5));
    double above[25];
    for (int i = 0; i < 25; i++) above[i] = i % 5 > i / 5 ? 100.0 + i : 0.0;
    gen_array *junk = gen_add(a, gen_array_from_f64(GEN_DIMS(5, 5), above));
    SAME(gen_cholesky(D(junk)), gen_cholesky(a), TOL64);
    /* NaN in the read triangle: a NaN factor, no error; NaN above it: ignored */
    double lo[] = {4, 7, NAN, 1, 4, 2, 2, 5}, up[] = {4, NAN, 1, 3};
    gen_array *nl = gen_array_from_f64(GEN_DIMS(2, 2, 2), lo), *nu = gen_array_from_f64(GEN_DIMS(2, 2), up);
    SAME(gen_cholesky(D(nl)), gen_cholesky(nl), TOL64);
    SAME(gen_cholesky(D(nu)), gen_cholesky(nu), TOL64);
}

static void test_cholesky_failures(void) {
    double np[] = {1, 2, 2, 1}; /* eigenvalues 3, -1 */
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 2), np);
    cpu_fails(gen_cholesky(a));
    GPU_FAILS_ALIKE(gen_cholesky(D(a)), "cholesky: the matrix is not positive definite (leading minor of order 2)");
    /* in a batch [3, 4]: the matrices at [1, 2] and [2, 0] fail, at the third minor; the
     * first is named */
    gen_array *b = spd(61, GEN_DIMS(3, 4, 3, 3));
    double *v = malloc(36 * 9 * sizeof *v);
    CHECK_OK(gen_array_copy_to(b, GEN_F64, v, 36 * 9 * sizeof *v));
    v[(1 * 4 + 2) * 9 + 8] = -1;
    v[(2 * 4 + 0) * 9 + 8] = -1;
    gen_array *bad = gen_array_from_f64(GEN_DIMS(3, 4, 3, 3), v);
    free(v);
    cpu_fails(gen_cholesky(bad));
    GPU_FAILS_ALIKE(gen_cholesky(D(bad)), "cholesky: the matrix at batch index [1,2] (batch shape [3,4]) is not "
                                          "positive definite (leading minor of order 3)");
    cpu_fails(gen_cholesky(f32(bad)));
    GPU_FAILS_ALIKE(gen_cholesky(D(f32(bad))), "batch index [1,2]");
    /* the device is usable after a failure */
    SAME(gen_cholesky(D(b)), gen_cholesky(b), TOL64);
}

/* cholesky's VJP op (f64, one shape) computes the CPU's operations in the CPU's order:
 * the same bits. */
static void test_cholesky_vjp_op(void) {
    int64_t shapes[][3] = {{1, 1, 1}, {1, 4, 4}, {6, 5, 5}, {2, 17, 17}, {1, 64, 64}, {BIG_BATCH, 2, 2}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        gen_array *l = gen_cholesky(spd(70 + s, 3, shapes[s])), *g = U(80 + s, 3, shapes[s]);
        gen_array *in_cpu[2] = {l, g}, *in_gpu[2] = {D(l), D(g)};
        SAME(op_apply(OP_CHOLESKY_VJP, 2, in_gpu, NULL), op_apply(OP_CHOLESKY_VJP, 2, in_cpu, NULL), 0);
    }
    gen_array *e = gen_zeros(GEN_F64, GEN_DIMS(3, 0, 0));
    gen_array *in_cpu[2] = {e, e}, *in_gpu[2] = {D(e), D(e)};
    SAME(op_apply(OP_CHOLESKY_VJP, 2, in_gpu, NULL), op_apply(OP_CHOLESKY_VJP, 2, in_cpu, NULL), 0);
}

/* ---- triangular_solve ---- */

static void trisolve_case(uint64_t seed, int nt, const int64_t *st, int nb, const int64_t *sb) {
    gen_array *t = dominant(seed, nt, st), *b = U(seed + 1, nb, sb);
    for (int lower = 0; lower < 2; lower++)
        for (int tr = 0; tr < 2; tr++) {
            SAME(gen_triangular_solve(D(t), D(b), lower, tr), gen_triangular_solve(t, b, lower, tr), TOL64);
            SAME(gen_triangular_solve(D(f32(t)), D(f32(b)), lower, tr), gen_triangular_solve(f32(t), f32(b), lower, tr),
                 TOL32);
        }
}

static void test_triangular_solve(void) {
    trisolve_case(101, GEN_DIMS(1, 1), GEN_DIMS(1, 1));
    trisolve_case(103, GEN_DIMS(5, 5), GEN_DIMS(5, 3));
    trisolve_case(105, GEN_DIMS(5, 5), GEN_DIMS(5));                /* a vector */
    trisolve_case(107, GEN_DIMS(4, 5, 5), GEN_DIMS(4, 5, 3));       /* stacked */
    trisolve_case(109, GEN_DIMS(5, 5), GEN_DIMS(6, 5, 2));          /* one matrix, many right-hand sides */
    trisolve_case(111, GEN_DIMS(3, 1, 5, 5), GEN_DIMS(1, 4, 5, 2)); /* both broadcast */
    trisolve_case(113, GEN_DIMS(4, 6, 6), GEN_DIMS(4, 6));          /* batched vectors */
    trisolve_case(115, GEN_DIMS(120, 120), GEN_DIMS(120, 7));
    trisolve_case(117, GEN_DIMS(BIG_BATCH, 2, 2), GEN_DIMS(BIG_BATCH, 2, 1));
    trisolve_case(119, GEN_DIMS(0, 0), GEN_DIMS(0, 2));
    trisolve_case(121, GEN_DIMS(3, 3), GEN_DIMS(3, 0));
    trisolve_case(123, GEN_DIMS(0, 3, 3), GEN_DIMS(3, 1));
}

/* ---- solve, inv, logdet ---- */

static void solve_case(uint64_t seed, int na, const int64_t *sa, int nb, const int64_t *sb) {
    gen_array *a = dominant(seed, na, sa), *b = U(seed + 1, nb, sb);
    SAME(gen_solve(D(a), D(b)), gen_solve(a, b), TOL64);
    SAME(gen_solve(D(f32(a)), D(f32(b))), gen_solve(f32(a), f32(b)), TOL32);
}

static void test_solve(void) {
    solve_case(131, GEN_DIMS(1, 1), GEN_DIMS(1));
    solve_case(133, GEN_DIMS(4, 4), GEN_DIMS(4, 3));
    solve_case(135, GEN_DIMS(4, 4), GEN_DIMS(4));
    solve_case(137, GEN_DIMS(5, 4, 4), GEN_DIMS(5, 4, 2));       /* stacked */
    solve_case(139, GEN_DIMS(4, 4), GEN_DIMS(6, 4, 2));          /* one matrix, many right-hand sides */
    solve_case(141, GEN_DIMS(3, 1, 4, 4), GEN_DIMS(1, 2, 4, 1)); /* both broadcast */
    solve_case(143, GEN_DIMS(3, 4, 4), GEN_DIMS(3, 4));          /* batched vectors */
    solve_case(145, GEN_DIMS(150, 150), GEN_DIMS(150, 4));
    solve_case(147, GEN_DIMS(2, 60, 60), GEN_DIMS(60, 1));
    solve_case(149, GEN_DIMS(BIG_BATCH, 2, 2), GEN_DIMS(BIG_BATCH, 2));
    solve_case(151, GEN_DIMS(0, 0), GEN_DIMS(0, 3));
    solve_case(153, GEN_DIMS(3, 3), GEN_DIMS(3, 0));
    /* integer arguments are promoted to f64 */
    int64_t hi[] = {2, 1, 1, 3}, hb[] = {3, 5};
    gen_array *ai = gen_array_from(GEN_I64, GEN_DIMS(2, 2), hi), *bi = gen_array_from(GEN_I64, GEN_DIMS(2), hb);
    SAME(gen_solve(D(ai), D(bi)), gen_solve(ai, bi), TOL64);
}

static void test_solve_failures(void) {
    double s[] = {1, 2, 2, 4};
    gen_array *sing = gen_array_from_f64(GEN_DIMS(2, 2), s), *one = gen_ones(GEN_F64, GEN_DIMS(2));
    cpu_fails(gen_solve(sing, one));
    GPU_FAILS_ALIKE(gen_solve(D(sing), D(one)), "solve: the matrix is singular (zero pivot at row 2)");
    double sb[] = {1, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 4}; /* [3,2,2], the third singular */
    gen_array *batch = gen_array_from_f64(GEN_DIMS(3, 2, 2), sb);
    cpu_fails(gen_solve(batch, one));
    GPU_FAILS_ALIKE(gen_solve(D(batch), D(one)), "the matrix at batch index [2] (batch shape [3]) is singular");
    /* a broadcast over right-hand sides: a [3, 1, 2, 2] against b [1, 4, 2, 1] */
    gen_array *a4 = gen_reshape(batch, GEN_DIMS(3, 1, 2, 2)), *b4 = U(155, GEN_DIMS(1, 4, 2, 1));
    cpu_fails(gen_solve(a4, b4));
    GPU_FAILS_ALIKE(gen_solve(D(a4), D(b4)), "batch index [2,0] (batch shape [3,1])");
    /* a zero column first: the first pivot is zero */
    gen_array *z = gen_zeros(GEN_F64, GEN_DIMS(3, 3));
    cpu_fails(gen_inv(z));
    GPU_FAILS_ALIKE(gen_inv(D(z)), "inv: the matrix is singular (zero pivot at row 1)");
    cpu_fails(gen_inv(batch));
    GPU_FAILS_ALIKE(gen_inv(D(batch)), "inv: the matrix at batch index [2] (batch shape [3]) is singular");
    cpu_fails(gen_inv(f32(batch)));
    GPU_FAILS_ALIKE(gen_inv(D(f32(batch))), "batch index [2]");
}

static void inv_case(uint64_t seed, int nd, const int64_t *shape) {
    gen_array *a = dominant(seed, nd, shape);
    SAME(gen_inv(D(a)), gen_inv(a), TOL64);
    SAME(gen_inv(D(f32(a))), gen_inv(f32(a)), TOL32);
}

static void test_inv(void) {
    inv_case(161, GEN_DIMS(1, 1));
    inv_case(162, GEN_DIMS(4, 4));
    inv_case(163, GEN_DIMS(2, 3, 5, 5));
    inv_case(164, GEN_DIMS(120, 120));
    inv_case(165, GEN_DIMS(BIG_BATCH, 2, 2));
    inv_case(166, GEN_DIMS(0, 0));
    inv_case(167, GEN_DIMS(0, 4, 4));
}

static void logdet_case(gen_array *a) {
    SAME(gen_logdet(D(a)), gen_logdet(a), TOL64);
    SAME(gen_logdet(D(f32(a))), gen_logdet(f32(a)), TOL32);
}

static void test_logdet(void) {
    logdet_case(dominant(171, GEN_DIMS(1, 1)));
    logdet_case(gen_neg(dominant(172, GEN_DIMS(1, 1)))); /* log |x| */
    logdet_case(U(173, GEN_DIMS(3, 5, 5)));
    logdet_case(dominant(174, GEN_DIMS(150, 150)));
    logdet_case(dominant(175, GEN_DIMS(BIG_BATCH, 2, 2)));
    logdet_case(gen_zeros(GEN_F64, GEN_DIMS(0, 0)));    /* log 1 = 0 */
    logdet_case(gen_zeros(GEN_F64, GEN_DIMS(3, 0, 0))); /* three of them */
    logdet_case(gen_zeros(GEN_F64, GEN_DIMS(0, 3, 3)));
    /* a batch of a regular, a singular (-inf) and a NaN (NaN) matrix: no errors */
    double m[] = {2, 1, 1, 3, 1, 2, 2, 4, 1, NAN, 0, 1};
    gen_array *mixed = gen_array_from_f64(GEN_DIMS(3, 2, 2), m);
    logdet_case(mixed);
    gen_array *ld = gen_array_to_host(gen_logdet(D(mixed)));
    double v[3];
    CHECK_OK(gen_array_copy_to(ld, GEN_F64, v, sizeof v));
    CHECK(isinf(v[1]) && v[1] < 0 && isnan(v[2]));
    /* integers are promoted */
    int64_t hi[] = {1, 2, 3, 4};
    gen_array *ai = gen_array_from(GEN_I64, GEN_DIMS(2, 2), hi);
    SAME(gen_logdet(D(ai)), gen_logdet(ai), TOL64);
}

/* ---- gradients: gen_value_and_grad of sum(f(x)^2) on the GPU against the CPU ---- */

typedef struct grad_fn {
    int op; /* which function of the arguments */
    bool lower, transpose;
} grad_fn;
enum { G_MATMUL, G_DIAG, G_DIAG_EMBED, G_CHOLESKY, G_TRISOLVE, G_SOLVE, G_INV, G_LOGDET };

static gen_status loss(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const grad_fn *f = payload;
    gen_array *y = NULL;
    switch (f->op) {
    case G_MATMUL: y = gen_matmul(in[0], in[1]); break;
    case G_DIAG: y = gen_diag(in[0]); break;
    case G_DIAG_EMBED: y = gen_diag_embed(in[0]); break;
    case G_CHOLESKY: y = gen_cholesky(in[0]); break;
    case G_TRISOLVE: y = gen_triangular_solve(in[0], in[1], f->lower, f->transpose); break;
    case G_SOLVE: y = gen_solve(in[0], in[1]); break;
    case G_INV: y = gen_inv(in[0]); break;
    case G_LOGDET: y = gen_logdet(in[0]); break;
    }
    out[0] = gen_sum(gen_square(y), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

#define GRAD_SAME(f, n, x, tol) grad_same_at(__FILE__, __LINE__, #f, (f), (n), (x), (tol))
static void grad_same_at(const char *file, int line, const char *what, grad_fn f, int n, gen_array **x, double tol) {
    gen_closure cl = {loss, &f};
    gen_array *xg[2], *vc = NULL, *vg = NULL, *gc[2] = {NULL, NULL}, *gg[2] = {NULL, NULL};
    for (int i = 0; i < n; i++) xg[i] = D(x[i]);
    if (gen_value_and_grad(cl, n, x, &vc, gc) != GEN_OK) {
        check_fail(file, line, "%s on the CPU: %s", what, gen_error_message());
        gen_error_clear();
        return;
    }
    if (gen_value_and_grad(cl, n, xg, &vg, gg) != GEN_OK) {
        check_fail(file, line, "%s on the GPU: %s", what, gen_error_message());
        gen_error_clear();
        return;
    }
    same_at(file, line, what, vg, vc, tol);
    for (int i = 0; i < n; i++) same_at(file, line, what, gg[i], gc[i], tol);
}

static void test_gradients(void) {
    gen_array *a = U(201, GEN_DIMS(2, 3, 4)), *b = U(202, GEN_DIMS(4, 5));
    GRAD_SAME(((grad_fn){.op = G_MATMUL}), 2, ((gen_array *[]){a, b}), TOL64);
    gen_array *ab = U(203, GEN_DIMS(3, 1, 2, 4)), *bb = U(204, GEN_DIMS(2, 4, 3));
    GRAD_SAME(((grad_fn){.op = G_MATMUL}), 2, ((gen_array *[]){ab, bb}), TOL64);
    GRAD_SAME(((grad_fn){.op = G_MATMUL}), 2, ((gen_array *[]){f32(ab), f32(bb)}), TOL32_PRODUCT);
    GRAD_SAME(((grad_fn){.op = G_DIAG}), 1, ((gen_array *[]){U(205, GEN_DIMS(2, 4, 4))}), TOL64);
    GRAD_SAME(((grad_fn){.op = G_DIAG_EMBED}), 1, ((gen_array *[]){U(206, GEN_DIMS(3, 4))}), TOL64);
    /* cholesky: f64 through the CHOLESKY_VJP op, f32 through the formula */
    gen_array *s = spd(207, GEN_DIMS(3, 5, 5));
    GRAD_SAME(((grad_fn){.op = G_CHOLESKY}), 1, ((gen_array *[]){s}), TOL64);
    GRAD_SAME(((grad_fn){.op = G_CHOLESKY}), 1, ((gen_array *[]){f32(s)}), 1e-4);
    gen_array *t = dominant(208, GEN_DIMS(2, 4, 4)), *tb = U(209, GEN_DIMS(2, 4, 3));
    for (int lower = 0; lower < 2; lower++)
        for (int tr = 0; tr < 2; tr++)
            GRAD_SAME(((grad_fn){.op = G_TRISOLVE, .lower = lower, .transpose = tr}), 2, ((gen_array *[]){t, tb}),
                      TOL64);
    gen_array *ts = dominant(210, GEN_DIMS(4, 4)), *tsb = U(211, GEN_DIMS(3, 4, 2)); /* broadcast matrix */
    GRAD_SAME(((grad_fn){.op = G_TRISOLVE, .lower = true}), 2, ((gen_array *[]){ts, tsb}), TOL64);
    gen_array *sa = dominant(212, GEN_DIMS(2, 4, 4)), *sb = U(213, GEN_DIMS(2, 4, 2));
    GRAD_SAME(((grad_fn){.op = G_SOLVE}), 2, ((gen_array *[]){sa, sb}), TOL64);
    GRAD_SAME(((grad_fn){.op = G_SOLVE}), 2, ((gen_array *[]){ts, tsb}), TOL64);
    GRAD_SAME(((grad_fn){.op = G_INV}), 1, ((gen_array *[]){sa}), TOL64);
    GRAD_SAME(((grad_fn){.op = G_LOGDET}), 1, ((gen_array *[]){sa}), TOL64);
    GRAD_SAME(((grad_fn){.op = G_LOGDET}), 1, ((gen_array *[]){f32(sa)}), 1e-4);
}

int main(void) {
    dev = cuda_test_device("test_cuda_linalg");
    RUN(test_matmul);
    RUN(test_diagonals);
    RUN(test_cholesky);
    RUN(test_cholesky_failures);
    RUN(test_cholesky_vjp_op);
    RUN(test_triangular_solve);
    RUN(test_solve);
    RUN(test_solve_failures);
    RUN(test_inv);
    RUN(test_logdet);
    RUN(test_gradients);
    return check_finish();
}
