/* mv_util.c — see mv_util.h. The positive-definiteness tests run a Cholesky
 * factorization in C on the raw values, so they can name the offending matrix (and
 * logpdf can mask bad values instead of failing); values on a device are tested on a
 * host copy (a synchronizing copy). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mv_util.h"
#include "../../array/autodiff_int.h"

typedef enum { SPD_OK, SPD_NONFINITE, SPD_ASYM, SPD_NOT_PD } spd_result;

/* Matrix k (n x n) of a: finite, symmetric within MV_SYM_TOL, and with Cholesky pivots
 * above margin times the diagonal entry (numerically singular matrices are not PD; the
 * margin keeps LAPACK, which rounds differently, from failing where this succeeded). w
 * holds n * n doubles; *where gets the flat in-matrix index of a bad entry. */
static spd_result spd_matrix(const gen_array *a, int64_t k, int64_t n, double *w, int64_t *where,
                             double margin) {
    double mx = 0;
    for (int64_t i = 0; i < n * n; i++) {
        w[i] = arr_get_f64(a, k * n * n + i);
        if (!isfinite(w[i])) return *where = i, SPD_NONFINITE;
        mx = fmax(mx, fabs(w[i]));
    }
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++)
            if (fabs(w[i * n + j] - w[j * n + i]) > MV_SYM_TOL * mx) return *where = i * n + j, SPD_ASYM;
    for (int64_t j = 0; j < n; j++) {
        double d = w[j * n + j], orig = d;
        for (int64_t q = 0; q < j; q++) d -= w[j * n + q] * w[j * n + q];
        if (!(d > margin * orig)) return *where = j * n + j, SPD_NOT_PD;
        double l = sqrt(d);
        w[j * n + j] = l;
        for (int64_t i = j + 1; i < n; i++) {
            double s = w[i * n + j];
            for (int64_t q = 0; q < j; q++) s -= w[i * n + q] * w[j * n + q];
            w[i * n + j] = s / l;
        }
    }
    return SPD_OK;
}

/* The default relative pivot margin: a few rounding errors of an n-term dot product. */
static double pd_margin(int64_t n) { return 64 * (double)n * DBL_EPSILON; }

/* Bytes of an n x n double workspace (at least one element). */
static size_t wbytes(int64_t n) { return (size_t)(n > 0 ? n * n : 1) * sizeof(double); }

/* " (matrix at batch index [1,0])" for matrix k of a, or "" for an unbatched a. */
static const char *batch_note(const gen_array *a, int mdims, int64_t k, char *buf, size_t n) {
    int nb = a->ndim - mdims;
    if (nb == 0) return "";
    int64_t idx[GEN_MAX_DIMS];
    for (int d = nb - 1; d >= 0; d--) idx[d] = k % a->shape[d], k /= a->shape[d];
    char s[ARR_SHAPE_STR_MAX];
    snprintf(buf, n, " (matrix at batch index %s)", arr_shape_str(nb, idx, s, sizeof s));
    return buf;
}

/* check(family, name, h) on h, a or its host copy. */
static gen_status on_host_copy(gen_status (*check)(const char *, const char *, const gen_array *), const char *family,
                               const char *name, const gen_array *a) {
    gen_array *h = arr_host_ref(a);
    gen_status st = h ? check(family, name, h) : core_error_pending();
    gen_array_release(h);
    return st;
}

gen_status mv_check_spd(const char *family, const char *name, const gen_array *a) {
    if (ad_captured(a)) ad_capture_refuse(a, "a positive-definiteness check of a parameter");
    gen_status st = dist_check_rank(family, name, a, 2, true);
    if (st != GEN_OK) return st;
    if (!arr_on_host(a)) return on_host_copy(mv_check_spd, family, name, a);
    int64_t n = a->shape[a->ndim - 1], count = n ? a->size / (n * n) : 0;
    double *w = core_alloc(wbytes(n));
    if (!w) return GEN_ERR_OOM;
    for (int64_t k = 0; k < count && st == GEN_OK; k++) {
        int64_t at = 0;
        spd_result r = spd_matrix(a, k, n, w, &at, pd_margin(n));
        char note[2 * ARR_SHAPE_STR_MAX];
        const char *bn = batch_note(a, 2, k, note, sizeof note);
        int64_t i = at / (n ? n : 1), j = at % (n ? n : 1);
        double v = arr_get_f64(a, k * n * n + at), vt = arr_get_f64(a, k * n * n + j * n + i);
        if (r == SPD_NONFINITE)
            st = DIST_REFUSE("%s: %s must be finite, got %g at [%lld,%lld]%s", family, name,
                             v, (long long)i, (long long)j, bn);
        else if (r == SPD_ASYM)
            st = DIST_REFUSE("%s: %s must be symmetric, got %g at [%lld,%lld] and %g at [%lld,%lld]%s",
                             family, name, v, (long long)i, (long long)j, vt, (long long)j, (long long)i, bn);
        else if (r == SPD_NOT_PD)
            st = DIST_REFUSE("%s: %s must be positive definite, but its leading %lld x %lld minor is not%s",
                             family, name, (long long)(i + 1), (long long)(i + 1), bn);
    }
    core_free(w, wbytes(n));
    return st;
}

gen_status mv_check_lower_chol(const char *family, const char *name, const gen_array *a) {
    if (ad_captured(a)) ad_capture_refuse(a, "a Cholesky-factor check of a parameter");
    gen_status st = dist_check_rank(family, name, a, 2, true);
    if (st != GEN_OK) return st;
    if (!arr_on_host(a)) return on_host_copy(mv_check_lower_chol, family, name, a);
    int64_t n = a->shape[a->ndim - 1], count = n ? a->size / (n * n) : 0;
    for (int64_t k = 0; k < count; k++)
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) {
                double v = arr_get_f64(a, (k * n + i) * n + j);
                char note[2 * ARR_SHAPE_STR_MAX];
                if (j > i && v != 0)
                    return DIST_REFUSE("%s: %s must be lower triangular, got %g at [%lld,%lld]%s",
                                       family, name, v, (long long)i, (long long)j, batch_note(a, 2, k, note, sizeof note));
                if (j == i && !(v > 0 && isfinite(v)))
                    return DIST_REFUSE("%s: %s must have a positive finite diagonal, got %g at [%lld,%lld]%s",
                                       family, name, v, (long long)i, (long long)i, batch_note(a, 2, k, note, sizeof note));
                if (j < i && !isfinite(v))
                    return DIST_REFUSE("%s: %s must be finite, got %g at [%lld,%lld]%s", family, name,
                                       v, (long long)i, (long long)j, batch_note(a, 2, k, note, sizeof note));
            }
    return GEN_OK;
}

static gen_array *spd_mask(const gen_array *x, double margin) {
    if (!x) return NULL;
    if (ad_captured(x)) ad_capture_refuse(x, "a positive-definiteness test of a value");
    int64_t n = x->shape[x->ndim - 1], count = arr_shape_size(x->ndim - 2, x->shape);
    gen_array *m = arr_alloc("positive-definite check", GEN_BOOL, x->ndim - 2, x->shape);
    gen_array *hx = arr_host_ref(x); /* the values the C test reads */
    double *w = core_alloc(wbytes(n));
    if (!m || !hx || !w) {
        gen_array_release(m);
        gen_array_release(hx);
        if (w) core_free(w, wbytes(n));
        return NULL;
    }
    for (int64_t k = 0; k < count; k++) {
        int64_t at;
        arr_set_f64(GEN_BOOL, m->data, k, spd_matrix(hx, k, n, w, &at, margin) == SPD_OK);
    }
    core_free(w, wbytes(n));
    gen_array_release(hx);
    return arr_publish(dist_to_device_of("positive-definite check", m, x));
}

gen_array *mv_spd_mask(const gen_array *x) {
    return x ? spd_mask(x, pd_margin(x->shape[x->ndim - 1])) : NULL;
}

gen_array *mv_masked_cholesky(const gen_array *x, gen_array **ok) {
    *ok = NULL;
    if (!x) return NULL;
    int64_t n = x->shape[x->ndim - 1];
    bool had_error = core_error_pending() != GEN_OK;
    for (int pass = 0; pass < 2; pass++) {
        *ok = spd_mask(x, pass ? 1e-8 : pd_margin(n));
        gen_array *ok2 = gen_expand_dims(gen_expand_dims(*ok, -1), -1);
        gen_array *l = gen_cholesky(gen_where(ok2, x, gen_eye(n, (gen_dtype)x->dtype)));
        if (l || gen_error_status() != GEN_ERR_LINALG) return l;
        /* LAPACK disagreed at the edge of singularity: retry with a wide margin */
        if (!had_error) gen_error_clear();
    }
    return NULL;
}

gen_array *mv_cholesky(const char *family, const char *name, const gen_array *a) {
    gen_array *l = gen_cholesky(a);
    if (!l && gen_error_status() == GEN_ERR_LINALG) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", gen_error_message());
        DIST_REFUSE("%s: %s must be positive definite (%s)", family, name, msg);
    }
    return l;
}

static int64_t trap_len(int64_t m, int64_t n) { return n * (n + 1) / 2 + (m - n) * n; }

gen_array *mv_trap_indices(int64_t m, int64_t n) {
    int64_t len = trap_len(m, n), k = 0;
    gen_array *idx = arr_alloc("trap_indices", GEN_I64, 1, &len);
    if (!idx) return NULL;
    int64_t *d = idx->data;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j <= i && j < n; j++) d[k++] = i * n + j;
    return arr_publish(arr_to_creation_device("trap_indices", idx));
}

gen_array *mv_trap_scatter(int64_t m, int64_t n) {
    int64_t mn = m * n, len = trap_len(m, n), k = 0;
    gen_array *idx = arr_alloc("trap_scatter", GEN_I64, 1, &mn);
    if (!idx) return NULL;
    int64_t *d = idx->data;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) d[i * n + j] = j <= i ? k++ : len;
    return arr_publish(arr_to_creation_device("trap_scatter", idx));
}

gen_array *mv_trap_diag(int64_t m, int64_t n, gen_dtype t) {
    int64_t len = trap_len(m, n), k = 0;
    gen_array *r = arr_alloc("trap_diag", GEN_F64, 1, &len);
    if (!r) return NULL;
    double *d = r->data;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j <= i && j < n; j++) d[k++] = i == j;
    r = arr_publish(arr_to_creation_device("trap_diag", r));
    return t == GEN_F64 ? r : gen_cast(r, t);
}

gen_status mv_batch(const char *family, const gen_array *a, int adims, const gen_array *b, int bdims,
                    int *nd, int64_t *shape) {
    return arr_broadcast_shapes(family, a->ndim - adims, a->shape, b->ndim - bdims, b->shape, nd, shape);
}

gen_dtype mv_dtype(int n, const gen_array *const *params) {
    bool all_f32 = true, any_float = false; /* integer and bool parameters become f64 */
    for (int i = 0; i < n; i++)
        if (arr_is_float((gen_dtype)params[i]->dtype)) {
            any_float = true;
            all_f32 &= params[i]->dtype == GEN_F32;
        }
    return any_float && all_f32 ? GEN_F32 : GEN_F64;
}

gen_array *mv_lmvgamma(const gen_array *a, int64_t n) {
    if (!a) return NULL;
    gen_dtype t = arr_float_type((gen_dtype)a->dtype);
    gen_array *off = gen_arange(0, (double)n, 1, t); /* j - 1 for j = 1..n */
    gen_array *terms = gen_lgamma(gen_sub(gen_expand_dims(a, -1), gen_mul(off, dist_const(a, 0.5))));
    double c = (double)n * (double)(n - 1) / 4 * 1.14472988584940017414; /* log pi */
    return gen_add(dist_sum_last(terms, 1), dist_const(a, c));
}

gen_array *mv_sum_log_diag(const gen_array *l) { return dist_sum_last(gen_log(gen_diag(l)), 1); }

gen_array *mv_solve_lower(const gen_array *l, const gen_array *b) {
    return lin_trisolve_mat(l, b, true, false);
}

gen_array *mv_tril_indices(int64_t n, bool strict) {
    int64_t m = strict ? n * (n - 1) / 2 : n * (n + 1) / 2, k = 0;
    gen_array *idx = arr_alloc("tril_indices", GEN_I64, 1, &m);
    if (!idx) return NULL;
    int64_t *d = idx->data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < (strict ? i : i + 1); j++) d[k++] = i * n + j;
    return arr_publish(arr_to_creation_device("tril_indices", idx));
}

gen_array *mv_tril_scatter(int64_t n, bool strict) {
    int64_t nn = n * n, m = strict ? n * (n - 1) / 2 : n * (n + 1) / 2, k = 0;
    gen_array *idx = arr_alloc("tril_scatter", GEN_I64, 1, &nn);
    if (!idx) return NULL;
    int64_t *d = idx->data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) d[i * n + j] = (strict ? j < i : j <= i) ? k++ : m;
    return arr_publish(arr_to_creation_device("tril_scatter", idx));
}
