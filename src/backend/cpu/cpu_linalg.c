/* cpu_linalg.c — CPU kernels of ops_linalg.def: OpenBLAS (cblas) for products and
 * triangular solves, LAPACKE for factorizations, one call per batch matrix (one gemm
 * when the batch folds into the rows). LAPACK work is done in double, column-major
 * copies (so f32 computes through double, and the _work entry points are used: they
 * neither transpose nor scan for NaN). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "../../array/cholesky_vjp.h"
#include "../backend.h"
#include "cpu.h"

/* ---- batches ---- */

/* Number of matrices in x (all axes but the last mdims are batch axes). */
static int64_t batch_count(const gen_array *x, int mdims) {
    return arr_shape_size(x->ndim - mdims, x->shape);
}

/* Index of the matrix of x (mdims matrix axes) that batch element flat of the
 * output's batch shape (nb axes of out) uses, following broadcasting. */
static int64_t batch_of(const gen_array *x, int mdims, const gen_array *out, int out_mdims,
                        int64_t flat) {
    int nb = out->ndim - out_mdims, xb = x->ndim - mdims;
    int64_t idx = 0, stride = 1;
    for (int d = nb - 1; d >= 0; d--) {
        int64_t i = flat % out->shape[d];
        flat /= out->shape[d];
        int xd = d - (nb - xb);
        if (xd < 0) break;
        if (x->shape[xd] != 1) idx += i * stride;
        stride *= x->shape[xd];
    }
    return idx;
}

/* ---- double, column-major work copies ---- */

/* Matrix idx (rows x cols, row-major) of x into dst, column-major doubles. */
static void load_cm(double *dst, const gen_array *x, int64_t idx, int64_t rows, int64_t cols) {
    int64_t base = idx * rows * cols;
    if (x->dtype == GEN_F64) { /* the common case, without per-element conversion */
        const double *src = (const double *)x->data + base;
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
        return;
    }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) dst[j * rows + i] = arr_get_f64(x, base + i * cols + j);
}

/* Column-major src (rows x cols) into matrix idx of o (row-major). */
static void store_rm(gen_array *o, int64_t idx, const double *src, int64_t rows, int64_t cols) {
    int64_t base = idx * rows * cols;
    if (o->dtype == GEN_F64) {
        double *dst = (double *)o->data + base;
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) dst[i * cols + j] = src[j * rows + i];
        return;
    }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            arr_set_f64((gen_dtype)o->dtype, o->data, base + i * cols + j, src[j * rows + i]);
}

/* ---- matmul ---- */

static void gemm(gen_dtype t, int64_t m, int64_t n, int64_t k, const void *a, const void *b,
                 void *o) {
    /* A matrix times a vector (either side): gemv, which skips gemm's packing of its
     * operands (most of the time for the small products models make). */
    if (n == 1 || m == 1) {
        bool col = n == 1; /* o[m] = a[m, k] b[k], else o[n] = b[k, n]^T a[k] */
        int rows = (int)(col ? m : k), cols = (int)(col ? k : n);
        const void *mat = col ? a : b, *vec = col ? b : a;
        CBLAS_TRANSPOSE tr = col ? CblasNoTrans : CblasTrans;
        if (t == GEN_F32) cblas_sgemv(CblasRowMajor, tr, rows, cols, 1.0f, mat, cols, vec, 1, 0.0f, o, 1);
        else cblas_dgemv(CblasRowMajor, tr, rows, cols, 1.0, mat, cols, vec, 1, 0.0, o, 1);
        return;
    }
    if (t == GEN_F32)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a,
                    (int)k, b, (int)n, 0.0f, o, (int)n);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a,
                    (int)k, b, (int)n, 0.0, o, (int)n);
}

gen_status cpu_matmul(const op_call *c) {
    const gen_array *a = c->in[0], *b = c->in[1];
    gen_array *o = c->out;
    int64_t m = a->shape[a->ndim - 2], k = a->shape[a->ndim - 1], n = b->shape[b->ndim - 1];
    size_t es = gen_dtype_size(o->dtype);
    if (o->size == 0) return GEN_OK;
    if (k == 0) {
        memset(o->data, 0, (size_t)o->size * es);
        return GEN_OK;
    }
    int64_t nbat = batch_count(o, 2);
    /* b shared by every batch element and a not broadcast: one gemm on stacked rows. */
    if (batch_count(b, 2) == 1 && batch_count(a, 2) == nbat) {
        gemm((gen_dtype)o->dtype, nbat * m, n, k, a->data, b->data, o->data);
        return GEN_OK;
    }
    const char *ad = a->data, *bd = b->data;
    char *od = o->data;
    for (int64_t i = 0; i < nbat; i++) {
        int64_t ia = batch_of(a, 2, o, 2, i), ib = batch_of(b, 2, o, 2, i);
        gemm((gen_dtype)o->dtype, m, n, k, ad + (size_t)(ia * m * k) * es,
             bd + (size_t)(ib * k * n) * es, od + (size_t)(i * m * n) * es);
    }
    return GEN_OK;
}

/* ---- diag / diag_embed ---- */

gen_status cpu_diag(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    int64_t n = a->shape[a->ndim - 1];
    size_t es = gen_dtype_size(o->dtype);
    const char *src = a->data;
    char *dst = o->data;
    for (int64_t b = 0, nb = batch_count(a, 2); b < nb; b++)
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + (size_t)(b * n + i) * es, src + (size_t)(b * n * n + i * n + i) * es, es);
    return GEN_OK;
}

gen_status cpu_diag_embed(const op_call *c) {
    const gen_array *v = c->in[0];
    gen_array *o = c->out;
    int64_t n = v->shape[v->ndim - 1];
    size_t es = gen_dtype_size(o->dtype);
    const char *src = v->data;
    char *dst = o->data;
    memset(dst, 0, (size_t)o->size * es);
    for (int64_t b = 0, nb = batch_count(v, 1); b < nb; b++)
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + (size_t)(b * n * n + i * n + i) * es, src + (size_t)(b * n + i) * es, es);
    return GEN_OK;
}

/* ---- cholesky ---- */

/* Whether the lower triangle of the column-major n x n matrix w holds a NaN. */
static bool lower_has_nan(const double *w, int64_t n) {
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j; i < n; i++)
            if (isnan(w[j * n + i])) return true;
    return false;
}

gen_status cpu_cholesky(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    int64_t n = a->shape[a->ndim - 1];
    if (o->size == 0) return GEN_OK;
    double *w = core_alloc((size_t)(n * n) * sizeof *w);
    if (!w) return GEN_ERR_OOM;
    gen_status st = GEN_OK;
    for (int64_t b = 0, nb = batch_count(a, 2); b < nb && st == GEN_OK; b++) {
        load_cm(w, a, b, n, n);
        if (lower_has_nan(w, n)) { /* NaN in, NaN out (LAPACK's answer would vary) */
            for (int64_t j = 0; j < n * n; j++) w[j] = NAN;
            store_rm(o, b, w, n, n);
            continue;
        }
        lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w, (lapack_int)n);
        if (info != 0) {
            st = backend_linalg_fail("cholesky", a, 2, b, "is not positive definite (leading minor of order ",
                                     (long long)info);
            break;
        }
        for (int64_t j = 1; j < n; j++) /* zero the upper triangle (column-major) */
            memset(w + j * n, 0, (size_t)j * sizeof *w);
        store_rm(o, b, w, n, n);
    }
    core_free(w, (size_t)(n * n) * sizeof *w);
    return st;
}

/* cholesky's VJP per batch matrix (cholesky_vjp.h). */
gen_status cpu_cholesky_vjp(const op_call *c) {
    const gen_array *l = c->in[0], *g = c->in[1];
    int64_t n = l->shape[l->ndim - 1], nn = n * n;
    if (c->out->size == 0) return GEN_OK; /* [..., 0, 0] or an empty batch: no work space */
    double *m = core_alloc((size_t)(2 * nn) * sizeof *m);
    if (!m) return GEN_ERR_OOM;
    for (int64_t b = 0, nb = batch_count(l, 2); b < nb; b++)
        chol_vjp_matrix((const double *)l->data + b * nn, (const double *)g->data + b * nn,
                        (double *)c->out->data + b * nn, m, m + nn, n);
    core_free(m, (size_t)(2 * nn) * sizeof *m);
    return GEN_OK;
}

/* ---- triangular_solve ---- */

gen_status cpu_triangular_solve(const op_call *c) {
    const gen_array *t = c->in[0], *b = c->in[1];
    gen_array *o = c->out;
    int64_t n = t->shape[t->ndim - 1], k = b->shape[b->ndim - 1];
    if (o->size == 0) return GEN_OK;
    size_t nt = (size_t)(n * n), nx = (size_t)(n * k);
    double *wt = core_alloc(nt * sizeof *wt), *wx = wt ? core_alloc(nx * sizeof *wx) : NULL;
    if (!wx) {
        core_free(wt, nt * sizeof *wt);
        return GEN_ERR_OOM;
    }
    for (int64_t i = 0, nb = batch_count(o, 2); i < nb; i++) {
        load_cm(wt, t, batch_of(t, 2, o, 2, i), n, n);
        load_cm(wx, b, batch_of(b, 2, o, 2, i), n, k);
        cblas_dtrsm(CblasColMajor, CblasLeft, c->p->lower ? CblasLower : CblasUpper,
                    c->p->transpose ? CblasTrans : CblasNoTrans, CblasNonUnit, (int)n, (int)k, 1.0,
                    wt, (int)n, wx, (int)n);
        store_rm(o, i, wx, n, k);
    }
    core_free(wt, nt * sizeof *wt);
    core_free(wx, nx * sizeof *wx);
    return GEN_OK;
}

/* ---- LU: solve, inv, logdet ---- */

/* Work space of the LU ops: a copy of the matrix, the right-hand side, the pivots. */
typedef struct lu_work {
    int64_t n, k;
    double *a, *x;
    lapack_int *piv;
} lu_work;

static gen_status lu_alloc(lu_work *w, int64_t n, int64_t k) {
    w->n = n, w->k = k;
    w->a = core_alloc((size_t)(n * n) * sizeof *w->a);
    w->x = w->a ? core_alloc((size_t)(n * (k ? k : 1)) * sizeof *w->x) : NULL;
    w->piv = w->x ? core_alloc((size_t)n * sizeof *w->piv) : NULL;
    if (w->piv) return GEN_OK;
    core_free(w->a, w->a ? (size_t)(n * n) * sizeof *w->a : 0);
    core_free(w->x, w->x ? (size_t)(n * (k ? k : 1)) * sizeof *w->x : 0);
    return GEN_ERR_OOM;
}

static void lu_free(lu_work *w) {
    core_free(w->a, (size_t)(w->n * w->n) * sizeof *w->a);
    core_free(w->x, (size_t)(w->n * (w->k ? w->k : 1)) * sizeof *w->x);
    core_free(w->piv, (size_t)w->n * sizeof *w->piv);
}

/* Solves with w->a and w->x loaded (overwritten with LU and the solution). */
static gen_status lu_solve(lu_work *w, const char *op, const gen_array *a, int64_t ia) {
    lapack_int info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, (lapack_int)w->n, (lapack_int)w->k,
                                         w->a, (lapack_int)w->n, w->piv, w->x, (lapack_int)w->n);
    if (info > 0) return backend_linalg_fail(op, a, 2, ia, "is singular (zero pivot at row ", (long long)info);
    if (info < 0) return GEN_FAIL(GEN_ERR_INTERNAL, "%s: dgesv argument %d", op, (int)-info);
    return GEN_OK;
}

gen_status cpu_solve(const op_call *c) {
    const gen_array *a = c->in[0], *b = c->in[1];
    gen_array *o = c->out;
    int64_t n = a->shape[a->ndim - 1], k = b->shape[b->ndim - 1];
    if (o->size == 0) return GEN_OK;
    lu_work w;
    if (lu_alloc(&w, n, k) != GEN_OK) return GEN_ERR_OOM;
    gen_status st = GEN_OK;
    for (int64_t i = 0, nb = batch_count(o, 2); i < nb && st == GEN_OK; i++) {
        int64_t ia = batch_of(a, 2, o, 2, i);
        load_cm(w.a, a, ia, n, n);
        load_cm(w.x, b, batch_of(b, 2, o, 2, i), n, k);
        st = lu_solve(&w, "solve", a, ia);
        if (st == GEN_OK) store_rm(o, i, w.x, n, k);
    }
    lu_free(&w);
    return st;
}

gen_status cpu_inv(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    int64_t n = a->shape[a->ndim - 1];
    if (o->size == 0) return GEN_OK;
    lu_work w;
    if (lu_alloc(&w, n, n) != GEN_OK) return GEN_ERR_OOM;
    gen_status st = GEN_OK;
    for (int64_t i = 0, nb = batch_count(o, 2); i < nb && st == GEN_OK; i++) {
        load_cm(w.a, a, i, n, n);
        memset(w.x, 0, (size_t)(n * n) * sizeof *w.x);
        for (int64_t j = 0; j < n; j++) w.x[j * n + j] = 1.0;
        st = lu_solve(&w, "inv", a, i);
        if (st == GEN_OK) store_rm(o, i, w.x, n, n);
    }
    lu_free(&w);
    return st;
}

/* log|det| of the loaded matrix: -inf if singular, NaN if it holds a NaN. */
static double lu_logdet(lu_work *w) {
    int64_t n = w->n;
    for (int64_t j = 0; j < n * n; j++)
        if (isnan(w->a[j])) return NAN;
    lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, w->a,
                                          (lapack_int)n, w->piv);
    if (info > 0) return -INFINITY;
    double s = 0.0;
    for (int64_t j = 0; j < n; j++) s += log(fabs(w->a[j * n + j]));
    return s;
}

gen_status cpu_logdet(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    int64_t n = a->shape[a->ndim - 1];
    if (o->size == 0) return GEN_OK;
    if (n == 0) { /* the determinant of an empty matrix is 1 */
        for (int64_t i = 0; i < o->size; i++) arr_set_f64((gen_dtype)o->dtype, o->data, i, 0.0);
        return GEN_OK;
    }
    lu_work w;
    if (lu_alloc(&w, n, 0) != GEN_OK) return GEN_ERR_OOM;
    for (int64_t i = 0; i < o->size; i++) {
        load_cm(w.a, a, i, n, n);
        arr_set_f64((gen_dtype)o->dtype, o->data, i, lu_logdet(&w));
    }
    lu_free(&w);
    return GEN_OK;
}
