/* runtime.c — the table of library functions generated code calls (runtime.h): the
 * special functions of the unary ops, the BLAS/LAPACK calls of the matrix ops made as
 * the CPU kernels make them (row-major in and out, column-major copies in the caller's
 * work space), and argsort's merge sort, so compiled and eager results agree. */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "../array/cholesky_vjp.h"
#include "../array/mergesort.h"
#include "../array/special.h"
#include "../core/core.h"
#include "graph.h"
#include "runtime.h"

/* Row-major n x m into column-major. */
static void to_cm(double *dst, const double *src, int64_t n, int64_t m) {
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++) dst[j * n + i] = src[i * m + j];
}

static void to_rm(double *dst, const double *src, int64_t n, int64_t m) {
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++) dst[i * m + j] = src[j * n + i];
}

/* cpu_linalg.c's gemm, call for call, so products round as the eager ones do. */
static void rt_gemm(int f32, int64_t m, int64_t n, int64_t k, const void *a, const void *b, void *o) {
    if (n == 1 || m == 1) {
        bool col = n == 1; /* o[m] = a[m, k] b[k], else o[n] = b[k, n]^T a[k] */
        int rows = (int)(col ? m : k), cols = (int)(col ? k : n);
        const void *mat = col ? a : b, *vec = col ? b : a;
        CBLAS_TRANSPOSE tr = col ? CblasNoTrans : CblasTrans;
        if (f32) cblas_sgemv(CblasRowMajor, tr, rows, cols, 1.0f, mat, cols, vec, 1, 0.0f, o, 1);
        else cblas_dgemv(CblasRowMajor, tr, rows, cols, 1.0, mat, cols, vec, 1, 0.0, o, 1);
        return;
    }
    if (f32)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k, b, (int)n, 0.0f,
                    o, (int)n);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a, (int)k, b, (int)n, 0.0,
                    o, (int)n);
}

static int64_t rt_cholesky(double *L, const double *A, int64_t n, double *w) {
    to_cm(w, A, n, n);
    bool nan = false;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j; i < n; i++) nan |= isnan(w[j * n + i]);
    if (nan) { /* NaN in, NaN out, as the kernel */
        for (int64_t j = 0; j < n * n; j++) L[j] = NAN;
        return 0;
    }
    lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w, (lapack_int)n);
    if (info != 0) return info > 0 ? (int64_t)info : -1;
    for (int64_t j = 1; j < n; j++) memset(w + j * n, 0, (size_t)j * sizeof *w); /* the upper triangle */
    to_rm(L, w, n, n);
    return 0;
}

static void rt_cholesky_vjp(double *A, const double *L, const double *G, int64_t n, double *w) {
    chol_vjp_matrix(L, G, A, w, w + n * n, n);
}

static void rt_trisolve(double *X, const double *T, const double *B, int64_t n, int64_t m, int lower, int transpose,
                        double *w) {
    double *wx = w + n * n;
    to_cm(w, T, n, n);
    to_cm(wx, B, n, m);
    cblas_dtrsm(CblasColMajor, CblasLeft, lower ? CblasLower : CblasUpper, transpose ? CblasTrans : CblasNoTrans,
                CblasNonUnit, (int)n, (int)m, 1.0, w, (int)n, wx, (int)n);
    to_rm(X, wx, n, m);
}

/* dgesv on the column-major copies w (A) and w + n n (B, m columns; the solution). */
static int64_t lu_solve(double *X, double *w, int64_t n, int64_t m) {
    double *wx = w + n * n;
    lapack_int *piv = (lapack_int *)(wx + n * m);
    lapack_int info =
        LAPACKE_dgesv_work(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)m, w, (lapack_int)n, piv, wx, (lapack_int)n);
    if (info != 0) return info > 0 ? (int64_t)info : -1;
    to_rm(X, wx, n, m);
    return 0;
}

static int64_t rt_solve(double *X, const double *A, const double *B, int64_t n, int64_t m, double *w) {
    to_cm(w, A, n, n);
    to_cm(w + n * n, B, n, m);
    return lu_solve(X, w, n, m);
}

static int64_t rt_inv(double *X, const double *A, int64_t n, double *w) {
    double *wx = w + n * n;
    to_cm(w, A, n, n);
    memset(wx, 0, (size_t)(n * n) * sizeof *wx);
    for (int64_t j = 0; j < n; j++) wx[j * n + j] = 1.0;
    return lu_solve(X, w, n, n);
}

static double rt_logdet(const double *A, int64_t n, double *w) {
    if (n == 0) return 0.0;
    for (int64_t j = 0; j < n * n; j++)
        if (isnan(A[j])) return NAN;
    lapack_int *piv = (lapack_int *)(w + n * n);
    to_cm(w, A, n, n);
    lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, w, (lapack_int)n, piv);
    if (info > 0) return -INFINITY;
    double s = 0.0;
    for (int64_t j = 0; j < n; j++) s += log(fabs(w[j * n + j]));
    return s;
}

/* ---- argsort: the CPU kernel's merge sort (array/mergesort.h) ---- */

static void rt_argsort_f64(const double *key, int64_t *idx, int64_t *tmp, int64_t n) {
    for (int64_t k = 0; k < n; k++) idx[k] = k;
    arr_mergesort_f64(key, idx, tmp, n);
}

static void rt_argsort_i64(const int64_t *key, int64_t *idx, int64_t *tmp, int64_t n) {
    for (int64_t k = 0; k < n; k++) idx[k] = k;
    arr_mergesort_i64(key, idx, tmp, n);
}

/* ---- ops handed back to the library ---- */

static _Thread_local const cg_graph *running;

const cg_graph *cg_runtime_enter(const cg_graph *g) {
    const cg_graph *was = running;
    running = g;
    return was;
}

/* Node k on copies of its arguments through the op table (physical shapes: the code's
 * values carry no particle-axis marks), its result copied to out. */
static int rt_host_op(int32_t k, const void *const *in, void *out) {
    const cg_graph *g = running;
    if (!g || k < 0 || k >= g->n_nodes) {
        GEN_FAIL(GEN_ERR_INTERNAL, "compiled code: host op %d outside its graph", (int)k);
        return 1;
    }
    const cg_node *nd = &g->nodes[k];
    if (gen_scope_begin() != GEN_OK) return 1;
    gen_array *small[8], **args = nd->n_in <= 8 ? small : core_alloc((size_t)nd->n_in * sizeof *args);
    gen_status s = args ? GEN_OK : GEN_ERR_OOM;
    for (int i = 0; i < nd->n_in && s == GEN_OK; i++) {
        const cg_value *v = &g->values[nd->in[i]];
        if (!(args[i] = gen_array_from(v->dtype, v->ndim, v->shape, in[i]))) s = core_error_pending();
    }
    gen_array *r = NULL;
    if (s == GEN_OK) {
        int64_t saved = arr_batch_suspend();
        r = op_apply(nd->op, nd->n_in, args, &nd->p);
        arr_batch_resume(saved);
        if (!r) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    const cg_value *o = &g->values[nd->out[0]];
    if (s == GEN_OK) s = gen_array_copy_to(r, o->dtype, out, (size_t)o->size * gen_dtype_size(o->dtype));
    if (args && args != small) core_free(args, (size_t)nd->n_in * sizeof *args);
    gen_scope_end();
    return s != GEN_OK;
}

static const cg_rt table = {
    .sigmoid = sf_sigmoid,
    .softplus = sf_softplus,
    .log_sigmoid = sf_log_sigmoid,
    .round_even = sf_round_even,
    .erfinv = sf_erfinv,
    .lgamma = sf_lgamma,
    .digamma = sf_digamma,
    .trigamma = sf_trigamma,
    .log_ndtr = sf_log_ndtr,
    .gemm = rt_gemm,
    .cholesky = rt_cholesky,
    .cholesky_vjp = rt_cholesky_vjp,
    .trisolve = rt_trisolve,
    .solve = rt_solve,
    .inv = rt_inv,
    .logdet = rt_logdet,
    .argsort_f64 = rt_argsort_f64,
    .argsort_i64 = rt_argsort_i64,
    .host_op = rt_host_op,
};

const cg_rt *cg_runtime(void) { return &table; }
