/* runtime.c — the table of library functions generated code calls (runtime.h): the
 * special functions of the unary ops, and the LAPACK/BLAS calls of the matrix ops made
 * as the CPU kernels make them (row-major in and out, column-major work copies), so
 * compiled and eager results agree. */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "../array/special.h"
#include "../core/core.h"
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

static int rt_cholesky(double *L, const double *A, int64_t n) {
    double *w = core_alloc((size_t)(n * n) * sizeof *w + 1);
    if (!w) return -1;
    to_cm(w, A, n, n);
    bool nan = false;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j; i < n; i++) nan |= isnan(w[j * n + i]);
    int rc = 0;
    if (nan) { /* NaN in, NaN out, as the kernel */
        for (int64_t j = 0; j < n * n; j++) w[j] = NAN;
    } else if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w, (lapack_int)n) != 0) {
        rc = 1;
    } else {
        for (int64_t j = 1; j < n; j++) memset(w + j * n, 0, (size_t)j * sizeof *w);
    }
    if (!rc) to_rm(L, w, n, n);
    core_free(w, (size_t)(n * n) * sizeof *w + 1);
    return rc;
}

static void rt_trisolve(double *X, const double *L, const double *B, int64_t n, int64_t m, int lower, int transpose) {
    double *wt = core_alloc((size_t)(n * n + n * m) * sizeof *wt + 1);
    if (!wt) { /* out of memory: NaN results rather than none */
        for (int64_t i = 0; i < n * m; i++) X[i] = NAN;
        return;
    }
    double *wx = wt + n * n;
    to_cm(wt, L, n, n);
    to_cm(wx, B, n, m);
    cblas_dtrsm(CblasColMajor, CblasLeft, lower ? CblasLower : CblasUpper, transpose ? CblasTrans : CblasNoTrans,
                CblasNonUnit, (int)n, (int)m, 1.0, wt, (int)n, wx, (int)n);
    to_rm(X, wx, n, m);
    core_free(wt, (size_t)(n * n + n * m) * sizeof *wt + 1);
}

static int rt_solve(double *X, const double *A, const double *B, int64_t n, int64_t m) {
    size_t bytes = (size_t)(n * n + n * m) * sizeof(double) + (size_t)n * sizeof(lapack_int) + 1;
    double *wa = core_alloc(bytes);
    if (!wa) return -1;
    double *wx = wa + n * n;
    lapack_int *piv = (lapack_int *)(wx + n * m);
    to_cm(wa, A, n, n);
    to_cm(wx, B, n, m);
    lapack_int info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)m, wa, (lapack_int)n, piv, wx,
                                         (lapack_int)n);
    if (info == 0) to_rm(X, wx, n, m);
    core_free(wa, bytes);
    return info == 0 ? 0 : 1;
}

static double rt_logdet(const double *A, int64_t n) {
    if (n == 0) return 0.0;
    for (int64_t j = 0; j < n * n; j++)
        if (isnan(A[j])) return NAN;
    size_t bytes = (size_t)(n * n) * sizeof(double) + (size_t)n * sizeof(lapack_int) + 1;
    double *w = core_alloc(bytes);
    if (!w) return NAN;
    lapack_int *piv = (lapack_int *)(w + n * n);
    to_cm(w, A, n, n);
    lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, w, (lapack_int)n, piv);
    double s = 0.0;
    if (info > 0) s = -INFINITY;
    else
        for (int64_t j = 0; j < n; j++) s += log(fabs(w[j * n + j]));
    core_free(w, bytes);
    return s;
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
    .cholesky = rt_cholesky,
    .trisolve = rt_trisolve,
    .solve = rt_solve,
    .logdet = rt_logdet,
};

const cg_rt *cg_runtime(void) { return &table; }
