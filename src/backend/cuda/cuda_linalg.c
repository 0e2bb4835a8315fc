/* cuda_linalg.c — CUDA kernels of ops_linalg.def: cuBLAS for products and triangular
 * solves, cuSOLVER (one matrix) and cuBLAS's batched LU (several) for factorizations,
 * with the small kernels of cuda_linalg.cu around them. As the CPU kernels do with
 * LAPACK (cpu_linalg.c), the factorizations and solves work on column-major double
 * copies of the matrices (so f32 computes through double) and make the CPU's calls on
 * them with the same arguments (lower triangle, no transpose, left side); products run
 * in the arrays' dtype, the operands swapped (row-major C = A B is column-major
 * C^T = B^T A^T). A batch is one batched library call, its pointer arrays built on the
 * device (a broadcast matrix is pointed at, not copied), never a call per matrix. Work
 * space comes from the device's stream-ordered pool.
 *
 * cholesky, solve and inv fail on a matrix that is not positive definite or singular
 * with the CPU's status and message, naming the first such matrix of the batch: they
 * read the factorizations' info back, so these three ops wait for the device's stream. */
#include <limits.h>
#include <string.h>

#include <cublas_v2.h>
#include <cusolverDn.h>

#include "../backend.h"
#include "cuda_int.h"
#include "cuda_linalg_kern.h"

/* The most matrices one batched library call gets (larger batches take several calls):
 * some batched routines map the batch onto a grid dimension of at most 65535 blocks. */
#define LIB_BATCH_MAX 65535

/* ---- one op call: its device, its stream, its work space ---- */

#define LIN_MAX_WORK 12
typedef struct lin_ctx {
    const op_call *c;
    cuda_dev *d;
    cudaStream_t s;
    const char *op;
    int n_work;
    void *work[LIN_MAX_WORK];
} lin_ctx;

#define TRY(expr)                                                                                     \
    do {                                                                                              \
        gen_status st_ = (expr);                                                                      \
        if (st_ != GEN_OK) return st_;                                                                \
    } while (0)

static gen_status blas_ok(const lin_ctx *x, cublasStatus_t st) {
    if (st == CUBLAS_STATUS_SUCCESS) return GEN_OK;
    return GEN_FAIL(st == CUBLAS_STATUS_ALLOC_FAILED ? GEN_ERR_OOM : GEN_ERR_INTERNAL, "%s: cuBLAS error %s", x->op,
                    cublasGetStatusName(st));
}

static gen_status solver_ok(const lin_ctx *x, cusolverStatus_t st) {
    if (st == CUSOLVER_STATUS_SUCCESS) return GEN_OK;
    return GEN_FAIL(st == CUSOLVER_STATUS_ALLOC_FAILED ? GEN_ERR_OOM : GEN_ERR_INTERNAL, "%s: cuSOLVER error %d",
                    x->op, (int)st);
}

/* The libraries' 32-bit sizes (LU, Cholesky): a dimension beyond them is refused by name. */
static gen_status fits_int(const lin_ctx *x, int64_t v) {
    if (v <= INT_MAX) return GEN_OK;
    return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: a matrix dimension of %lld is too large for cuBLAS and cuSOLVER", x->op,
                    (long long)v);
}

static gen_status lin_begin(lin_ctx *x, const op_call *c) {
    x->c = c;
    x->d = cuda_dev_of_call(c);
    x->s = x->d->stream;
    x->op = op_table[c->op].name;
    x->n_work = 0;
    return cuda_launched(x->c, cudaSetDevice(x->d->ordinal));
}

/* nbytes of work space from the pool, freed by lin_end in stream order (after the work
 * queued before it); NULL with the error recorded. */
static void *lin_work(lin_ctx *x, size_t nbytes) {
    if (x->n_work == LIN_MAX_WORK) {
        GEN_FAIL(GEN_ERR_INTERNAL, "%s: more than %d work buffers", x->op, LIN_MAX_WORK);
        return NULL;
    }
    void *p = NULL;
    cudaError_t e = cudaMallocAsync(&p, nbytes ? nbytes : 1, x->s);
    if (e != cudaSuccess) {
        cudaGetLastError(); /* an allocation failure is not sticky */
        GEN_FAIL(GEN_ERR_OOM, "%s: out of device memory allocating %zu bytes of work space (%s)", x->op, nbytes,
                 cudaGetErrorString(e));
        return NULL;
    }
    return x->work[x->n_work++] = p;
}
#define WORK(x, p, nbytes)                                                                            \
    do {                                                                                              \
        if (!((p) = lin_work((x), (size_t)(nbytes)))) return core_error_pending();                    \
    } while (0)

static gen_status lin_end(lin_ctx *x, gen_status st) {
    for (int i = 0; i < x->n_work; i++) cudaFreeAsync(x->work[i], x->s);
    x->n_work = 0;
    return st;
}

/* Runs body for c inside a context (work space released whatever happens). */
static gen_status lin_run(const op_call *c, gen_status (*body)(lin_ctx *)) {
    if (c->out->size == 0) return GEN_OK; /* nothing to compute or check */
    lin_ctx x;
    gen_status st = lin_begin(&x, c);
    if (st == GEN_OK) st = body(&x);
    return lin_end(&x, st);
}

/* ---- batches ---- */

/* Number of matrices in x (all axes but the last mdims are batch axes). */
static int64_t batch_count(const gen_array *x, int mdims) { return arr_shape_size(x->ndim - mdims, x->shape); }

/* The map from out's batch elements (out_mdims matrix axes) to x's matrices (mdims),
 * following broadcasting: cpu_linalg.c's batch_of as strides. */
static cu_lin_map lin_map(const gen_array *x, int mdims, const gen_array *out, int out_mdims) {
    cu_lin_map m;
    memset(&m, 0, sizeof m);
    int nb = out->ndim - out_mdims, xb = x->ndim - mdims;
    m.nd = nb;
    int64_t stride = 1;
    for (int d = nb - 1; d >= 0; d--) {
        m.shape[d] = out->shape[d];
        int xd = d - (nb - xb);
        if (xd < 0) continue; /* stride 0: x has no such axis */
        m.stride[d] = x->shape[xd] == 1 ? 0 : stride;
        stride *= x->shape[xd];
    }
    return m;
}

/* A device array of nb pointers: base + map(b) matrix_bytes. */
static gen_status lin_ptrs(lin_ctx *x, void ***ptrs, void *base, int64_t matrix_bytes, const cu_lin_map *map,
                           int64_t nb) {
    WORK(x, *ptrs, (size_t)nb * sizeof(void *));
    return cuda_launched(x->c, cu_lin_ptrs(x->s, *ptrs, base, matrix_bytes, map, nb));
}

/* The first matrix (lowest index) whose factorization reported info != 0, skipping
 * those with skip[b] set: r[0] its index (-1: none), r[1] its info. Waits for the
 * stream: the op's failure must reach its caller now. */
static gen_status first_failure(lin_ctx *x, const int *info, const int *skip, int64_t nb, int64_t r[2]) {
    int64_t *res;
    WORK(x, res, 2 * sizeof *res);
    TRY(cuda_launched(x->c, cu_lin_first_failure(x->s, info, skip, nb, res)));
    TRY(cuda_launched(x->c, cudaMemcpyAsync(r, res, 2 * sizeof *res, cudaMemcpyDeviceToHost, x->s)));
    return cuda_launched(x->c, cudaStreamSynchronize(x->s));
}

/* ---- matmul ---- */

static const double one64 = 1.0, zero64 = 0.0;
static const float one32 = 1.0f, zero32 = 0.0f;

/* count column-major products C_i (m x n) = A_i (m x k) B_i (k x n), C_i at stride sc,
 * A_i and B_i at strides sa and sb (0: shared). */
static gen_status gemm_strided(lin_ctx *x, cublasHandle_t h, bool f32, int64_t m, int64_t n, int64_t k,
                               const void *a, int64_t sa, const void *b, int64_t sb, void *c, int64_t sc,
                               int64_t count) {
    const cublasOperation_t N = CUBLAS_OP_N;
    size_t es = f32 ? sizeof(float) : sizeof(double);
    if (count == 1)
        return blas_ok(x, f32 ? cublasSgemm_64(h, N, N, m, n, k, &one32, a, m, b, k, &zero32, c, m)
                              : cublasDgemm_64(h, N, N, m, n, k, &one64, a, m, b, k, &zero64, c, m));
    for (int64_t off = 0; off < count; off += LIB_BATCH_MAX) {
        int64_t cnt = count - off < LIB_BATCH_MAX ? count - off : LIB_BATCH_MAX;
        const char *ao = (const char *)a + (size_t)(off * sa) * es, *bo = (const char *)b + (size_t)(off * sb) * es;
        char *co = (char *)c + (size_t)(off * sc) * es;
        TRY(blas_ok(x, f32 ? cublasSgemmStridedBatched_64(h, N, N, m, n, k, &one32, (const float *)ao, m, sa,
                                                          (const float *)bo, k, sb, &zero32, (float *)co, m, sc, cnt)
                           : cublasDgemmStridedBatched_64(h, N, N, m, n, k, &one64, (const double *)ao, m, sa,
                                                          (const double *)bo, k, sb, &zero64, (double *)co, m, sc,
                                                          cnt)));
    }
    return GEN_OK;
}

static gen_status matmul_body(lin_ctx *x) {
    const gen_array *a = x->c->in[0], *b = x->c->in[1];
    gen_array *o = x->c->out;
    int64_t m = a->shape[a->ndim - 2], k = a->shape[a->ndim - 1], n = b->shape[b->ndim - 1];
    if (k == 0) return cuda_launched(x->c, cu_fill(x->s, o->data, o->dtype, o->size, 0.0));
    cublasHandle_t h = cuda_cublas(x->d);
    if (!h) return core_error_pending();
    bool f32 = o->dtype == GEN_F32;
    int64_t nbat = batch_count(o, 2), na = batch_count(a, 2), nbb = batch_count(b, 2);
    /* Column-major: C^T (n x m) = B^T (n x k) A^T (k x m), so b is the first operand. */
    if (nbb == 1 && na == nbat) /* b shared, a not broadcast: one product on a's stacked rows */
        return gemm_strided(x, h, f32, n, nbat * m, k, b->data, 0, a->data, 0, o->data, 0, 1);
    if ((na == nbat || na == 1) && (nbb == nbat || nbb == 1)) /* each operand whole or shared */
        return gemm_strided(x, h, f32, n, m, k, b->data, nbb == 1 ? 0 : k * n, a->data, na == 1 ? 0 : m * k,
                            o->data, m * n, nbat);
    /* Broadcast batch axes of both: pointer arrays. */
    size_t es = gen_dtype_size(o->dtype);
    cu_lin_map ma = lin_map(a, 2, o, 2), mb = lin_map(b, 2, o, 2);
    void **pa, **pb, **pc;
    TRY(lin_ptrs(x, &pa, a->data, (int64_t)es * m * k, &ma, nbat));
    TRY(lin_ptrs(x, &pb, b->data, (int64_t)es * k * n, &mb, nbat));
    TRY(lin_ptrs(x, &pc, o->data, (int64_t)es * m * n, NULL, nbat));
    const cublasOperation_t N = CUBLAS_OP_N;
    for (int64_t off = 0; off < nbat; off += LIB_BATCH_MAX) {
        int64_t cnt = nbat - off < LIB_BATCH_MAX ? nbat - off : LIB_BATCH_MAX;
        TRY(blas_ok(x, f32 ? cublasSgemmBatched_64(h, N, N, n, m, k, &one32, (const float *const *)pb + off, n,
                                                   (const float *const *)pa + off, k, &zero32,
                                                   (float *const *)pc + off, n, cnt)
                           : cublasDgemmBatched_64(h, N, N, n, m, k, &one64, (const double *const *)pb + off, n,
                                                   (const double *const *)pa + off, k, &zero64,
                                                   (double *const *)pc + off, n, cnt)));
    }
    return GEN_OK;
}

static gen_status cuda_matmul(const op_call *c) { return lin_run(c, matmul_body); }

/* ---- diag / diag_embed ---- */

static gen_status diag_body(lin_ctx *x) {
    const gen_array *a = x->c->in[0];
    int64_t n = a->shape[a->ndim - 1];
    return cuda_launched(x->c, cu_lin_diag(x->s, x->c->out->data, a->data, (int)gen_dtype_size(a->dtype), n,
                                   batch_count(a, 2)));
}
static gen_status cuda_diag(const op_call *c) { return lin_run(c, diag_body); }

static gen_status diag_embed_body(lin_ctx *x) {
    const gen_array *v = x->c->in[0];
    int64_t n = v->shape[v->ndim - 1];
    return cuda_launched(x->c, cu_lin_diag_embed(x->s, x->c->out->data, v->data, (int)gen_dtype_size(v->dtype), n,
                                         batch_count(v, 1)));
}
static gen_status cuda_diag_embed(const op_call *c) { return lin_run(c, diag_embed_body); }

/* ---- cholesky ---- */

static gen_status cholesky_body(lin_ctx *x) {
    const gen_array *a = x->c->in[0];
    gen_array *o = x->c->out;
    int64_t n = a->shape[a->ndim - 1], nb = batch_count(a, 2);
    TRY(fits_int(x, n));
    double *w;
    int *flag, *info;
    WORK(x, w, (size_t)(nb * n * n) * sizeof *w);
    WORK(x, flag, (size_t)nb * sizeof *flag);
    WORK(x, info, (size_t)nb * sizeof *info);
    TRY(cuda_launched(x->c, cu_lin_load(x->s, w, a->data, a->dtype, n, n, NULL, nb)));
    /* NaN in the read triangle: a NaN factor, no error (the CPU's rule) */
    TRY(cuda_launched(x->c, cu_lin_nan_guard(x->s, w, n, nb, true, flag)));
    cusolverDnHandle_t h = cuda_cusolver(x->d);
    if (!h) return core_error_pending();
    const cublasFillMode_t lower = CUBLAS_FILL_MODE_LOWER;
    if (nb == 1) {
        int lwork = 0;
        double *work;
        TRY(solver_ok(x, cusolverDnDpotrf_bufferSize(h, lower, (int)n, w, (int)n, &lwork)));
        WORK(x, work, (size_t)lwork * sizeof *work);
        TRY(solver_ok(x, cusolverDnDpotrf(h, lower, (int)n, w, (int)n, work, lwork, info)));
    } else {
        void **ptrs;
        TRY(lin_ptrs(x, &ptrs, w, (int64_t)sizeof *w * n * n, NULL, nb));
        for (int64_t off = 0; off < nb; off += LIB_BATCH_MAX) {
            int cnt = (int)(nb - off < LIB_BATCH_MAX ? nb - off : LIB_BATCH_MAX);
            TRY(solver_ok(x, cusolverDnDpotrfBatched(h, lower, (int)n, (double **)ptrs + off, (int)n, info + off,
                                                     cnt)));
        }
    }
    int64_t r[2];
    TRY(first_failure(x, info, flag, nb, r));
    if (r[0] >= 0)
        return backend_linalg_fail("cholesky", a, 2, r[0], "is not positive definite (leading minor of order ",
                                   (long long)r[1]);
    return cuda_launched(x->c, cu_lin_store(x->s, o->data, o->dtype, w, n, n, nb, true, flag));
}
static gen_status cuda_cholesky(const op_call *c) { return lin_run(c, cholesky_body); }

/* cholesky's VJP: the CPU's element operations a thread per column (cholesky_vjp_col.h). */
static gen_status cholesky_vjp_body(lin_ctx *x) {
    const gen_array *l = x->c->in[0], *g = x->c->in[1];
    int64_t n = l->shape[l->ndim - 1], nb = batch_count(l, 2);
    double *z;
    WORK(x, z, (size_t)(nb * n * n) * sizeof *z);
    return cuda_launched(x->c, cu_chol_vjp(x->s, l->data, g->data, x->c->out->data, z, n, nb));
}
static gen_status cuda_cholesky_vjp(const op_call *c) { return lin_run(c, cholesky_vjp_body); }

/* ---- triangular_solve ---- */

static gen_status triangular_solve_body(lin_ctx *x) {
    const gen_array *t = x->c->in[0], *b = x->c->in[1];
    gen_array *o = x->c->out;
    int64_t n = t->shape[t->ndim - 1], k = b->shape[b->ndim - 1];
    int64_t nb = batch_count(o, 2), nt = batch_count(t, 2);
    double *wt, *wx;
    WORK(x, wt, (size_t)(nt * n * n) * sizeof *wt);
    WORK(x, wx, (size_t)(nb * n * k) * sizeof *wx);
    cu_lin_map mt = lin_map(t, 2, o, 2), mb = lin_map(b, 2, o, 2);
    TRY(cuda_launched(x->c, cu_lin_load(x->s, wt, t->data, t->dtype, n, n, NULL, nt)));
    TRY(cuda_launched(x->c, cu_lin_load(x->s, wx, b->data, b->dtype, n, k, &mb, nb)));
    cublasHandle_t h = cuda_cublas(x->d);
    if (!h) return core_error_pending();
    cublasFillMode_t uplo = x->c->p->lower ? CUBLAS_FILL_MODE_LOWER : CUBLAS_FILL_MODE_UPPER;
    cublasOperation_t tr = x->c->p->transpose ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasSideMode_t left = CUBLAS_SIDE_LEFT;
    const cublasDiagType_t nonunit = CUBLAS_DIAG_NON_UNIT;
    if (nb == 1) {
        TRY(blas_ok(x, cublasDtrsm_64(h, left, uplo, tr, nonunit, n, k, &one64, wt, n, wx, n)));
    } else {
        void **pt, **px;
        TRY(lin_ptrs(x, &pt, wt, (int64_t)sizeof *wt * n * n, &mt, nb));
        TRY(lin_ptrs(x, &px, wx, (int64_t)sizeof *wx * n * k, NULL, nb));
        for (int64_t off = 0; off < nb; off += LIB_BATCH_MAX) {
            int64_t cnt = nb - off < LIB_BATCH_MAX ? nb - off : LIB_BATCH_MAX;
            TRY(blas_ok(x, cublasDtrsmBatched_64(h, left, uplo, tr, nonunit, n, k, &one64,
                                                 (const double *const *)pt + off, n, (double *const *)px + off, n,
                                                 cnt)));
        }
    }
    return cuda_launched(x->c, cu_lin_store(x->s, o->data, o->dtype, wx, n, k, nb, false, NULL));
}
static gen_status cuda_triangular_solve(const op_call *c) { return lin_run(c, triangular_solve_body); }

/* ---- LU: solve, inv, logdet ---- */

/* LU factors with partial pivoting of the na column-major n x n matrices at w, in place
 * (pivots: na n ints; info: na ints, > 0 at a zero pivot, as LAPACK's getrf): cuSOLVER's
 * getrf for one matrix (single), cuBLAS's batched getrf otherwise. lu_solve takes the
 * same single, so each factor is solved by its own library. */
static gen_status lu_factor(lin_ctx *x, double *w, int64_t n, int64_t na, int *piv, int *info, bool single) {
    TRY(fits_int(x, n));
    if (single) {
        cusolverDnHandle_t h = cuda_cusolver(x->d);
        if (!h) return core_error_pending();
        int lwork = 0;
        double *work;
        TRY(solver_ok(x, cusolverDnDgetrf_bufferSize(h, (int)n, (int)n, w, (int)n, &lwork)));
        WORK(x, work, (size_t)lwork * sizeof *work);
        return solver_ok(x, cusolverDnDgetrf(h, (int)n, (int)n, w, (int)n, work, piv, info));
    }
    cublasHandle_t h = cuda_cublas(x->d);
    if (!h) return core_error_pending();
    void **ptrs;
    TRY(lin_ptrs(x, &ptrs, w, (int64_t)sizeof *w * n * n, NULL, na));
    for (int64_t off = 0; off < na; off += LIB_BATCH_MAX) {
        int cnt = (int)(na - off < LIB_BATCH_MAX ? na - off : LIB_BATCH_MAX);
        TRY(blas_ok(x, cublasDgetrfBatched(h, (int)n, (double **)ptrs + off, (int)n, piv + off * n, info + off,
                                           cnt)));
    }
    return GEN_OK;
}

/* Solves in place the nb column-major n x k right-hand sides at wx with the factors of
 * lu_factor (na of them, at wa and piv), right-hand side b using factor map(b) (map
 * NULL: factor b). */
static gen_status lu_solve(lin_ctx *x, const double *wa, const int *piv, int *info, int64_t n, int64_t k,
                           const cu_lin_map *map, int64_t na, int64_t nb, double *wx, bool single) {
    TRY(fits_int(x, k));
    if (single) {
        cusolverDnHandle_t h = cuda_cusolver(x->d);
        if (!h) return core_error_pending();
        return solver_ok(x, cusolverDnDgetrs(h, CUBLAS_OP_N, (int)n, (int)k, wa, (int)n, piv, wx, (int)n, info));
    }
    cublasHandle_t h = cuda_cublas(x->d);
    if (!h) return core_error_pending();
    const int *pv = piv;
    if (na != nb) { /* broadcast factors: getrsBatched reads right-hand side b's pivots at b n */
        int *pe;
        WORK(x, pe, (size_t)(nb * n) * sizeof *pe);
        TRY(cuda_launched(x->c, cu_lin_expand_pivots(x->s, pe, piv, n, map, nb)));
        pv = pe;
    }
    void **pa, **px;
    TRY(lin_ptrs(x, &pa, (void *)wa, (int64_t)sizeof *wa * n * n, na != nb ? map : NULL, nb));
    TRY(lin_ptrs(x, &px, wx, (int64_t)sizeof *wx * n * k, NULL, nb));
    for (int64_t off = 0; off < nb; off += LIB_BATCH_MAX) {
        int cnt = (int)(nb - off < LIB_BATCH_MAX ? nb - off : LIB_BATCH_MAX), arg_info = 0;
        TRY(blas_ok(x, cublasDgetrsBatched(h, CUBLAS_OP_N, (int)n, (int)k, (const double *const *)pa + off, (int)n,
                                           pv + off * n, (double *const *)px + off, (int)n, &arg_info, cnt)));
        if (arg_info != 0)
            return GEN_FAIL(GEN_ERR_INTERNAL, "%s: cublasDgetrsBatched argument %d", x->op, -arg_info);
    }
    return GEN_OK;
}

/* Fails as the CPU does when one of the na factors of a (its batch order) is singular. */
static gen_status lu_check(lin_ctx *x, const int *info, int64_t na, const gen_array *a) {
    int64_t r[2];
    TRY(first_failure(x, info, NULL, na, r));
    if (r[0] >= 0) return backend_linalg_fail(x->op, a, 2, r[0], "is singular (zero pivot at row ", (long long)r[1]);
    return GEN_OK;
}

/* x = a^-1 b: each matrix of a factored once (the CPU factors it for each right-hand
 * side: the same factor), then every right-hand side solved with its matrix's factor.
 * The first singular matrix in a's batch order is the first the CPU meets in the
 * output's order (a broadcast matrix first appears in the order of its index). */
static gen_status solve_body(lin_ctx *x) {
    const gen_array *a = x->c->in[0], *b = x->c->in[1];
    gen_array *o = x->c->out;
    int64_t n = a->shape[a->ndim - 1], k = b->shape[b->ndim - 1];
    int64_t nb = batch_count(o, 2), na = batch_count(a, 2);
    double *wa, *wx;
    int *piv, *info;
    WORK(x, wa, (size_t)(na * n * n) * sizeof *wa);
    WORK(x, wx, (size_t)(nb * n * k) * sizeof *wx);
    WORK(x, piv, (size_t)(na * n) * sizeof *piv);
    WORK(x, info, (size_t)na * sizeof *info);
    cu_lin_map ma = lin_map(a, 2, o, 2), mb = lin_map(b, 2, o, 2);
    TRY(cuda_launched(x->c, cu_lin_load(x->s, wa, a->data, a->dtype, n, n, NULL, na)));
    TRY(cuda_launched(x->c, cu_lin_load(x->s, wx, b->data, b->dtype, n, k, &mb, nb)));
    bool single = na == 1 && nb == 1;
    TRY(lu_factor(x, wa, n, na, piv, info, single));
    TRY(lu_check(x, info, na, a));
    TRY(lu_solve(x, wa, piv, info, n, k, &ma, na, nb, wx, single));
    return cuda_launched(x->c, cu_lin_store(x->s, o->data, o->dtype, wx, n, k, nb, false, NULL));
}
static gen_status cuda_solve(const op_call *c) { return lin_run(c, solve_body); }

/* inv(a): a solve with the identity, as the CPU's. */
static gen_status inv_body(lin_ctx *x) {
    const gen_array *a = x->c->in[0];
    gen_array *o = x->c->out;
    int64_t n = a->shape[a->ndim - 1], nb = batch_count(a, 2);
    double *wa, *wx;
    int *piv, *info;
    WORK(x, wa, (size_t)(nb * n * n) * sizeof *wa);
    WORK(x, wx, (size_t)(nb * n * n) * sizeof *wx);
    WORK(x, piv, (size_t)(nb * n) * sizeof *piv);
    WORK(x, info, (size_t)nb * sizeof *info);
    TRY(cuda_launched(x->c, cu_lin_load(x->s, wa, a->data, a->dtype, n, n, NULL, nb)));
    TRY(cuda_launched(x->c, cu_lin_identity(x->s, wx, n, nb)));
    bool single = nb == 1;
    TRY(lu_factor(x, wa, n, nb, piv, info, single));
    TRY(lu_check(x, info, nb, a));
    TRY(lu_solve(x, wa, piv, info, n, n, NULL, nb, nb, wx, single));
    return cuda_launched(x->c, cu_lin_store(x->s, o->data, o->dtype, wx, n, n, nb, false, NULL));
}
static gen_status cuda_inv(const op_call *c) { return lin_run(c, inv_body); }

/* log |det a| from the LU factor: -inf for a singular matrix, NaN for one holding a NaN
 * (no errors, and no waiting). */
static gen_status logdet_body(lin_ctx *x) {
    const gen_array *a = x->c->in[0];
    gen_array *o = x->c->out;
    int64_t n = a->shape[a->ndim - 1], nb = o->size;
    if (n == 0) return cuda_launched(x->c, cu_fill(x->s, o->data, o->dtype, nb, 0.0)); /* det of an empty matrix: 1 */
    double *wa;
    int *flag, *piv, *info;
    WORK(x, wa, (size_t)(nb * n * n) * sizeof *wa);
    WORK(x, flag, (size_t)nb * sizeof *flag);
    WORK(x, piv, (size_t)(nb * n) * sizeof *piv);
    WORK(x, info, (size_t)nb * sizeof *info);
    TRY(cuda_launched(x->c, cu_lin_load(x->s, wa, a->data, a->dtype, n, n, NULL, nb)));
    TRY(cuda_launched(x->c, cu_lin_nan_guard(x->s, wa, n, nb, false, flag)));
    TRY(lu_factor(x, wa, n, nb, piv, info, nb == 1));
    return cuda_launched(x->c, cu_lin_logdet(x->s, o->data, o->dtype, wa, n, nb, info, flag));
}
static gen_status cuda_logdet(const op_call *c) { return lin_run(c, logdet_body); }

void cuda_kernels_linalg(op_kernel_fn *k) {
    k[OP_MATMUL] = cuda_matmul;
    k[OP_DIAG] = cuda_diag;
    k[OP_DIAG_EMBED] = cuda_diag_embed;
    k[OP_CHOLESKY] = cuda_cholesky;
    k[OP_CHOLESKY_VJP] = cuda_cholesky_vjp;
    k[OP_TRIANGULAR_SOLVE] = cuda_triangular_solve;
    k[OP_SOLVE] = cuda_solve;
    k[OP_INV] = cuda_inv;
    k[OP_LOGDET] = cuda_logdet;
}
