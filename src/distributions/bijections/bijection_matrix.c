/* bijection_matrix.c — the vector and matrix bijections: stick-breaking onto the simplex,
 * tanh + signed stick-breaking onto Cholesky factors of correlation matrices, and a
 * lower-triangular fill (exp on the diagonal) then L L^T onto positive-definite matrices,
 * and a lower-trapezoidal fill (exp on the diagonal) onto Cholesky factors of covariances.
 * They follow numpyro's StickBreakingTransform and CorrCholeskyTransform, computed in
 * log space (log_sigmoid, softplus, cumulative sums) so they stay exact in the tails.
 * Triangles are packed row by row: (0,0), (1,0), (1,1), ... (strict: (1,0), (2,0), ...). */
#include <math.h>

#include "../families/mv_util.h"

#define LOG2 0.69314718055994530942

/* u, or u converted to f64 (NULL, with the error recorded, when that fails: callers
 * check before reading the result). */
static gen_array *as_float(const gen_array *u) {
    return arr_is_float((gen_dtype)u->dtype) ? (gen_array *)u : gen_cast(u, GEN_F64);
}

/* Shape of x with its last `drop` axes replaced by the `add` dims in tail. */
static void replace_tail(const gen_array *x, int drop, int add, const int64_t *tail, int *nd,
                         int64_t *shape) {
    *nd = x->ndim - drop + add;
    for (int i = 0; i < x->ndim - drop; i++) shape[i] = x->shape[i];
    for (int i = 0; i < add; i++) shape[x->ndim - drop + i] = tail[i];
}

/* ---- stick-breaking: R^(K-1) -> K-simplex ---- */

/* z_k = sigmoid(u_k - log(K-1-k)), y_k = z_k prod_{j<k} (1 - z_j), y_{K-1} = prod (1 - z_j). */
typedef struct sb_parts {
    gen_array *lz, *l1mz, *cum; /* log z, log(1 - z), inclusive cumsum of log(1 - z) */
} sb_parts;

static sb_parts sb_split(const gen_array *u) {
    gen_array *uf = as_float(u);
    if (!uf) return (sb_parts){NULL, NULL, NULL};
    int64_t km1 = u->shape[u->ndim - 1];
    gen_array *off = gen_log(gen_arange((double)km1, 0, -1, (gen_dtype)uf->dtype)); /* log(K-1-k) */
    gen_array *x = gen_sub(uf, off);
    sb_parts p = {gen_log_sigmoid(x), gen_log_sigmoid(gen_neg(x)), NULL};
    p.cum = gen_cumsum(p.l1mz, -1);
    return p;
}

static gen_array *sb_fwd(const gen_bijection *b, const gen_array *u) {
    (void)b;
    sb_parts p = sb_split(u);
    gen_array *head = gen_add(p.lz, gen_sub(p.cum, p.l1mz)); /* log z_k + sum_{j<k} log(1 - z_j) */
    gen_array *last = gen_sum(p.l1mz, GEN_AXES(-1), true);
    gen_array *parts[2] = {head, last};
    return gen_exp(gen_concatenate(2, parts, -1));
}

/* z_k = y_k / sum_{j>=k} y_j, so u_k = log y_k - log sum_{j>k} y_j + log(K-1-k); the
 * tail sums are reverse cumulative sums (no cancellation in 1 - cumsum). */
static gen_array *sb_inv(const gen_bijection *b, const gen_array *x) {
    (void)b;
    gen_array *xf = as_float(x);
    if (!xf) return NULL;
    int64_t km1 = x->shape[x->ndim - 1] - 1;
    gen_array *rc = gen_flip(gen_cumsum(gen_flip(xf, -1), -1), -1);
    gen_array *rest = gen_slice(rc, -1, 1, GEN_END, 1), *head = gen_slice(xf, -1, 0, km1, 1);
    gen_array *off = gen_log(gen_arange((double)km1, 0, -1, (gen_dtype)xf->dtype));
    return gen_add(gen_sub(gen_log(head), gen_log(rest)), off);
}

/* log |det| = sum_k log y_k + log(1 - z_k) = sum_k log z_k + sum_{j<=k} log(1 - z_j). */
static gen_array *sb_logdet(const gen_bijection *b, const gen_array *u) {
    (void)b;
    sb_parts p = sb_split(u);
    return dist_sum_last(gen_add(p.lz, p.cum), 1);
}

static gen_status sb_shape(const gen_bijection *b, int ndim, const int64_t *shape, int *on, int64_t *os) {
    if (ndim < 1 || shape[ndim - 1] < 1)
        return GEN_FAIL(GEN_ERR_SHAPE, "stick_breaking: the simplex needs an event shape [K] with K >= 1, got %d dimensions%s",
                        ndim, ndim ? " and K = 0" : "");
    *on = ndim;
    for (int i = 0; i < ndim; i++) os[i] = shape[i];
    os[ndim - 1] = shape[ndim - 1] - 1;
    (void)b;
    return GEN_OK;
}

static const bij_kind stick_kind = {"stick_breaking", 1, GEN_SUPPORT_SIMPLEX, sb_fwd, sb_inv, sb_logdet, sb_shape, NULL};
gen_bijection *gen_bijection_stick_breaking(void) { return bij_new(&stick_kind, NULL, NULL, NULL); }

/* ---- matrices from packed triangles ---- */

/* n with m = n(n-1)/2 (strict) or n(n+1)/2 entries in the last axis of u; -1 with the
 * error when m is no such count. */
static int64_t tri_n(const char *name, const gen_array *u, bool strict) {
    int64_t m = u->shape[u->ndim - 1];
    int64_t k = (int64_t)floor((sqrt(8.0 * (double)m + 1) - 1) / 2 + 0.5); /* k(k+1)/2 = m */
    if (k * (k + 1) / 2 != m) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: the last axis of u has length %lld, which is not n(n%s1)/2 for any n", name,
                 (long long)m, strict ? "-" : "+");
        return -1;
    }
    return strict ? k + 1 : k;
}

/* u [..., m] into the (strict) lower triangle of [..., n, n], zeros elsewhere. */
static gen_array *tri_fill(const gen_array *uf, int64_t n, bool strict) {
    if (!uf) return NULL;
    int nd;
    int64_t shape[GEN_MAX_DIMS + 1];
    replace_tail(uf, 1, 1, (const int64_t[]){1}, &nd, shape);
    gen_array *parts[2] = {(gen_array *)uf, gen_zeros((gen_dtype)uf->dtype, nd, shape)};
    gen_array *flat = gen_take(gen_concatenate(2, parts, -1), mv_tril_scatter(n, strict), uf->ndim - 1);
    replace_tail(uf, 1, 2, (const int64_t[]){n, n}, &nd, shape);
    return gen_reshape(flat, nd, shape);
}

/* The (strict) lower triangle of a [..., n, n], packed into [..., m]. */
static gen_array *tri_pack(const gen_array *a, bool strict) {
    if (!a) return NULL;
    int64_t n = a->shape[a->ndim - 1];
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    replace_tail(a, 2, 1, (const int64_t[]){n * n}, &nd, shape);
    return gen_take(gen_reshape(a, nd, shape), mv_tril_indices(n, strict), nd - 1);
}

static gen_status matrix_shape(const char *name, int ndim, const int64_t *shape, bool strict, int *on,
                               int64_t *os) {
    if (ndim < 2 || shape[ndim - 1] != shape[ndim - 2])
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: needs a square matrix event shape [n, n], got %d dimensions", name, ndim);
    int64_t n = shape[ndim - 1];
    *on = ndim - 1;
    for (int i = 0; i < ndim - 2; i++) os[i] = shape[i];
    os[ndim - 2] = strict ? n * (n - 1) / 2 : n * (n + 1) / 2;
    return GEN_OK;
}

/* ---- corr_cholesky: R^(n(n-1)/2) -> lower Cholesky factors of correlation matrices ----
 * Row i: t_ij = tanh(u_ij) are partial correlations; L_ij = t_ij prod_{k<j} sqrt(1 - t_ik^2)
 * and L_ii = prod_{k<i} sqrt(1 - t_ik^2), so every row has unit norm. */
typedef struct cc_parts {
    gen_array *t, *s, *c; /* tanh u; s = log sqrt(1 - t^2); c = exclusive row cumsum of s */
} cc_parts;

static gen_array *cc_split(const gen_array *u, cc_parts *p, int64_t *n_out) {
    int64_t n = tri_n("corr_cholesky", u, true);
    if (n < 0) return NULL;
    gen_array *uf = as_float(u);
    if (!uf) return NULL;
    gen_dtype t = (gen_dtype)uf->dtype;
    gen_array *x = tri_fill(uf, n, true), *strict = lin_tri_mask(n, 1, 0, 0, t);
    /* log sqrt(1 - tanh(x)^2) = log 2 - x - softplus(-2x), exact for large |x| */
    gen_array *s = gen_sub(gen_sub(dist_const(uf, LOG2), x), gen_softplus(gen_mul(dist_const(uf, -2), x)));
    p->t = gen_tanh(x);
    p->s = gen_mul(s, strict);
    p->c = gen_sub(gen_cumsum(p->s, -1), p->s);
    *n_out = n;
    return strict;
}

static gen_array *cc_fwd(const gen_bijection *b, const gen_array *u) {
    (void)b;
    cc_parts p;
    int64_t n;
    gen_array *strict = cc_split(u, &p, &n);
    if (!strict) return NULL;
    gen_dtype t = (gen_dtype)strict->dtype;
    gen_array *lower = gen_mul(gen_exp(p.c), lin_tri_mask(n, 1, 1, 0, t));
    return gen_mul(gen_add(p.t, gen_eye(n, t)), lower);
}

static gen_array *cc_logdet(const gen_bijection *b, const gen_array *u) {
    (void)b;
    cc_parts p;
    int64_t n;
    gen_array *strict = cc_split(u, &p, &n);
    if (!strict) return NULL;
    /* dL_ij/dt_ij = exp(c_ij) (triangular Jacobian), dt/du = 1 - t^2 = exp(2 s) */
    gen_array *terms = gen_mul(gen_add(p.c, gen_mul(dist_const(strict, 2), p.s)), strict);
    return dist_sum_last(terms, 2);
}

/* t_ij = L_ij / sqrt(sum_{k>=j} L_ik^2) (the rest of the row's unit norm), u = atanh t. */
static gen_array *cc_inv(const gen_bijection *b, const gen_array *x) {
    (void)b;
    if (x->shape[x->ndim - 1] != x->shape[x->ndim - 2]) {
        GEN_FAIL(GEN_ERR_SHAPE, "corr_cholesky: inverse needs square matrices, got last axes %lld and %lld",
                 (long long)x->shape[x->ndim - 2], (long long)x->shape[x->ndim - 1]);
        return NULL;
    }
    gen_array *xf = as_float(x);
    if (!xf) return NULL;
    int64_t n = x->shape[x->ndim - 1];
    gen_array *strict = lin_tri_mask(n, 1, 0, 0, (gen_dtype)xf->dtype);
    gen_array *r = gen_flip(gen_cumsum(gen_flip(gen_square(xf), -1), -1), -1);
    gen_array *rs = gen_where(strict, r, dist_const(xf, 1)); /* no 0/0 off the triangle */
    gen_array *t = tri_pack(gen_div(xf, gen_sqrt(rs)), true);
    return gen_mul(dist_const(xf, 0.5), gen_sub(gen_log1p(t), gen_log1p(gen_neg(t))));
}

static gen_status cc_shape(const gen_bijection *b, int ndim, const int64_t *shape, int *on, int64_t *os) {
    (void)b;
    return matrix_shape("corr_cholesky", ndim, shape, true, on, os);
}

static const bij_kind corr_kind = {"corr_cholesky", 2, GEN_SUPPORT_CORR_CHOLESKY, cc_fwd, cc_inv, cc_logdet, cc_shape, NULL};
gen_bijection *gen_bijection_corr_cholesky(void) { return bij_new(&corr_kind, NULL, NULL, NULL); }

/* ---- positive_definite: R^(n(n+1)/2) -> PD, x = L L^T with L the packed lower triangle
 * and exp applied to its diagonal ---- */

static gen_array *pd_factor(const gen_array *u, int64_t *n_out, gen_array **diag_u) {
    int64_t n = tri_n("positive_definite", u, false);
    if (n < 0) return NULL;
    gen_array *uf = as_float(u);
    if (!uf) return NULL;
    gen_array *a = tri_fill(uf, n, false);
    *diag_u = gen_diag(a);
    *n_out = n;
    gen_array *off = gen_mul(a, lin_tri_mask(n, 1, 0, 0, (gen_dtype)uf->dtype));
    return gen_add(off, gen_diag_embed(gen_exp(*diag_u)));
}

static gen_array *pd_fwd(const gen_bijection *b, const gen_array *u) {
    (void)b;
    int64_t n;
    gen_array *d, *l = pd_factor(u, &n, &d);
    return l ? lin_sym(gen_matmul(l, gen_matrix_transpose(l))) : NULL; /* exactly symmetric */
}

/* u -> L: diagonal exp (log det sum u_ii); L -> lower triangle of L L^T:
 * 2^n prod_i L_ii^(n - i + 1) (i from 1). Together n log 2 + sum_i (n - i + 2) u_ii. */
static gen_array *pd_logdet(const gen_bijection *b, const gen_array *u) {
    (void)b;
    int64_t n;
    gen_array *d, *l = pd_factor(u, &n, &d);
    if (!l) return NULL;
    gen_array *coef = gen_arange((double)n + 1, 1, -1, (gen_dtype)d->dtype);
    return gen_add(dist_sum_last(gen_mul(d, coef), 1), dist_const(d, (double)n * LOG2));
}

static gen_array *pd_inv(const gen_bijection *b, const gen_array *x) {
    (void)b;
    gen_array *l = gen_cholesky(x);
    if (!l) return NULL;
    int64_t n = l->shape[l->ndim - 1];
    gen_array *off = gen_mul(l, lin_tri_mask(n, 1, 0, 0, (gen_dtype)l->dtype));
    return tri_pack(gen_add(off, gen_diag_embed(gen_log(gen_diag(l)))), false);
}

static gen_status pd_shape(const gen_bijection *b, int ndim, const int64_t *shape, int *on, int64_t *os) {
    (void)b;
    return matrix_shape("positive_definite", ndim, shape, false, on, os);
}

static const bij_kind pd_kind = {"positive_definite", 2, GEN_SUPPORT_POSITIVE_DEFINITE, pd_fwd, pd_inv, pd_logdet, pd_shape, NULL};
gen_bijection *gen_bijection_positive_definite(void) { return bij_new(&pd_kind, NULL, NULL, NULL); }

/* ---- cholesky_cov: R^(n(n+1)/2 + (m-n)n) -> m x n lower-trapezoidal matrices with a
 * positive diagonal (Stan's cholesky_factor_cov): u fills the trapezoid row by row, exp
 * on the diagonal. The length of u does not tell m and n apart (3 is 2 x 2 or 3 x 1):
 * the bijection holds them. ---- */

typedef struct cov_dims {
    int64_t m, n, len;
} cov_dims;

static gen_array *is_diag(const cov_dims *c, gen_dtype t) {
    gen_array *dm = mv_trap_diag(c->m, c->n, t);
    return dm ? gen_ne(dm, dist_const(dm, 0)) : NULL;
}

static bool cov_check_u(const cov_dims *c, const gen_array *u) {
    if (u->shape[u->ndim - 1] == c->len) return true;
    GEN_FAIL(GEN_ERR_SHAPE, "cholesky_cov: a %lld x %lld factor needs u with last axis %lld, got %lld",
             (long long)c->m, (long long)c->n, (long long)c->len, (long long)u->shape[u->ndim - 1]);
    return false;
}

static gen_array *cov_fwd(const gen_bijection *b, const gen_array *u) {
    const cov_dims *c = b->extra;
    if (!cov_check_u(c, u)) return NULL;
    gen_array *uf = as_float(u);
    if (!uf) return NULL;
    gen_array *d = is_diag(c, (gen_dtype)uf->dtype);
    /* exp only where it is kept: off-diagonal entries never reach exp (no inf * 0) */
    gen_array *v = gen_where(d, gen_exp(gen_where(d, uf, dist_const(uf, 0))), uf);
    if (!v) return NULL;
    int nd;
    int64_t shape[GEN_MAX_DIMS + 1];
    replace_tail(v, 1, 1, (const int64_t[]){1}, &nd, shape);
    gen_array *parts[2] = {v, gen_zeros((gen_dtype)v->dtype, nd, shape)};
    gen_array *flat = gen_take(gen_concatenate(2, parts, -1), mv_trap_scatter(c->m, c->n), v->ndim - 1);
    replace_tail(v, 1, 2, (const int64_t[]){c->m, c->n}, &nd, shape);
    return gen_reshape(flat, nd, shape);
}

/* The Jacobian onto the trapezoid's entries is diagonal: exp(u) on the diagonal, 1 off it. */
static gen_array *cov_logdet(const gen_bijection *b, const gen_array *u) {
    const cov_dims *c = b->extra;
    if (!cov_check_u(c, u)) return NULL;
    gen_array *uf = as_float(u);
    return uf ? dist_sum_last(gen_mul(uf, mv_trap_diag(c->m, c->n, (gen_dtype)uf->dtype)), 1) : NULL;
}

static gen_array *cov_inv(const gen_bijection *b, const gen_array *x) {
    const cov_dims *c = b->extra;
    if (x->shape[x->ndim - 2] != c->m || x->shape[x->ndim - 1] != c->n) {
        GEN_FAIL(GEN_ERR_SHAPE, "cholesky_cov: inverse needs %lld x %lld matrices, got last axes %lld and %lld",
                 (long long)c->m, (long long)c->n, (long long)x->shape[x->ndim - 2],
                 (long long)x->shape[x->ndim - 1]);
        return NULL;
    }
    gen_array *xf = as_float(x);
    if (!xf) return NULL;
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    replace_tail(xf, 2, 1, (const int64_t[]){c->m * c->n}, &nd, shape);
    gen_array *p = gen_take(gen_reshape(xf, nd, shape), mv_trap_indices(c->m, c->n), nd - 1);
    gen_array *d = is_diag(c, (gen_dtype)xf->dtype);
    return gen_where(d, gen_log(gen_where(d, p, dist_const(xf, 1))), p);
}

static gen_status cov_shape(const gen_bijection *b, int ndim, const int64_t *shape, int *on, int64_t *os) {
    const cov_dims *c = b->extra;
    if (ndim < 2 || shape[ndim - 2] != c->m || shape[ndim - 1] != c->n)
        return GEN_FAIL(GEN_ERR_SHAPE, "cholesky_cov: needs the event shape [%lld, %lld], got %d dimensions%s",
                        (long long)c->m, (long long)c->n, ndim, ndim >= 2 ? " of another shape" : "");
    *on = ndim - 1;
    for (int i = 0; i < ndim - 2; i++) os[i] = shape[i];
    os[ndim - 2] = c->len;
    return GEN_OK;
}

static void cov_free(gen_bijection *b) { core_free(b->extra, sizeof(cov_dims)); }

static const bij_kind cov_kind = {"cholesky_cov", 2, GEN_SUPPORT_CHOLESKY_COV, cov_fwd, cov_inv, cov_logdet,
                                  cov_shape, cov_free};
gen_bijection *gen_bijection_cholesky_cov(int64_t m, int64_t n) {
    if (!(n >= 1 && m >= n) || m > (INT64_C(1) << 31) / n) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_bijection_cholesky_cov: needs m >= n >= 1 (and m n < 2^31), got m = %lld, n = %lld",
                    (long long)m, (long long)n);
        return NULL;
    }
    cov_dims *c = core_alloc(sizeof *c);
    if (!c) return NULL;
    *c = (cov_dims){m, n, n * (n + 1) / 2 + (m - n) * n};
    return bij_new(&cov_kind, NULL, NULL, c); /* on failure bij_new frees c through cov_free */
}
