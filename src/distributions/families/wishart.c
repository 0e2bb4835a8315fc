/* wishart.c — Wishart(df, scale) and InverseWishart(df, scale) on n x n positive-definite
 * matrices. Densities go through Cholesky factors (log-determinants from their diagonals,
 * traces as squared norms of triangular solves); values that are not symmetric positive
 * definite are masked to -inf after a test on the raw values, so logpdf never fails.
 * Draws use the Bartlett decomposition W = L A A^T L^T (A lower triangular, chi
 * variates on the diagonal, normals below); the inverse Wishart draw is the inverse of
 * a Wishart draw with the inverted scale, formed without inverting anything. */
#include <stdio.h>

#include "mv_util.h"

#define LOG2 0.69314718055994530942

static const char *const names[] = {"df", "scale"};

/* The Cholesky factor of scale, computed by the constructor. */
static const gen_array *scale_chol(const gen_dist *d) { return d->extra; }

/* Bartlett's A for the full shape [..., n, n]: A_ii = sqrt(chi2(df - i)) (i from 0),
 * A_ij ~ N(0, 1) below the diagonal. */
static gen_array *bartlett(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    int64_t n = shape[ndim - 1];
    gen_key k[2];
    if (gen_key_split(key, 2, k) != GEN_OK) return NULL;
    gen_dtype t = d->dtype;
    gen_array *df = gen_broadcast_to(gen_cast(d->params[0], t), ndim - 2, shape);
    gen_array *half = gen_mul(gen_sub(gen_expand_dims(df, -1), gen_arange(0, (double)n, 1, t)), dist_const(df, 0.5));
    gen_array *chi = gen_sqrt(gen_mul(dist_const(df, 2), gen_random_gamma(k[0], half)));
    gen_array *z = gen_mul(gen_random_normal(k[1], t, ndim, shape), lin_tri_mask(n, 1, 0, 0, t));
    return gen_add(z, gen_diag_embed(chi));
}

static gen_array *wishart_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *la = gen_matmul(scale_chol(d), bartlett(d, key, ndim, shape));
    return lin_sym(gen_matmul(la, gen_matrix_transpose(la))); /* exactly symmetric */
}

/* W^-1 for W ~ Wishart(df, scale^-1) with scale = L L^T: W = L^-T A A^T L^-1, so
 * W^-1 = C C^T with C^T = A^-1 L^T. */
static gen_array *inv_wishart_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *ct = mv_solve_lower(bartlett(d, key, ndim, shape), gen_matrix_transpose(scale_chol(d)));
    return lin_sym(gen_matmul(gen_matrix_transpose(ct), ct));
}

/* The pieces both densities need, at x replaced by I where x is not SPD. */
typedef struct wish_parts {
    gen_array *ok, *lx, *logdet_x, *logdet_s, *norm; /* norm: df n/2 log 2 + log Gamma_n(df/2) */
} wish_parts;

static wish_parts wish_split(const gen_dist *d, const gen_array *x) {
    int64_t n = d->event_shape[0];
    const gen_array *df = d->params[0];
    gen_array *xf = gen_cast(x, arr_float_type((gen_dtype)x->dtype));
    wish_parts p;
    p.lx = mv_masked_cholesky(xf, &p.ok);
    p.logdet_x = gen_mul(dist_const(xf, 2), mv_sum_log_diag(p.lx));
    p.logdet_s = gen_mul(dist_const(xf, 2), mv_sum_log_diag(scale_chol(d)));
    gen_array *half_df = gen_mul(df, dist_const(xf, 0.5));
    p.norm = gen_add(gen_mul(df, dist_const(xf, (double)n / 2 * LOG2)), mv_lmvgamma(half_df, n));
    return p;
}

/* (df - n - 1)/2 log|X| - tr(S^-1 X)/2 - df/2 log|S| - norm; tr(S^-1 X) = |L^-1 Lx|^2. */
static gen_array *wishart_logpdf(const gen_dist *d, const gen_array *x) {
    wish_parts p = wish_split(d, x);
    const gen_array *df = d->params[0];
    double n = (double)d->event_shape[0];
    gen_array *half = dist_const(p.logdet_x, 0.5);
    gen_array *tr = dist_sum_last(gen_square(mv_solve_lower(scale_chol(d), p.lx)), 2);
    gen_array *a = gen_mul(gen_mul(gen_sub(df, dist_const(half, n + 1)), half), p.logdet_x);
    gen_array *b = gen_add(gen_mul(half, tr), gen_mul(gen_mul(df, half), p.logdet_s));
    return dist_mask_support(p.ok, gen_sub(gen_sub(a, b), p.norm));
}

/* df/2 log|S| - (df + n + 1)/2 log|X| - tr(S X^-1)/2 - norm; tr(S X^-1) = |Lx^-1 L|^2. */
static gen_array *inv_wishart_logpdf(const gen_dist *d, const gen_array *x) {
    wish_parts p = wish_split(d, x);
    const gen_array *df = d->params[0];
    double n = (double)d->event_shape[0];
    gen_array *half = dist_const(p.logdet_x, 0.5);
    gen_array *tr = dist_sum_last(gen_square(mv_solve_lower(p.lx, scale_chol(d))), 2);
    gen_array *a = gen_mul(gen_mul(df, half), p.logdet_s);
    gen_array *b = gen_add(gen_mul(gen_mul(gen_add(df, dist_const(half, n + 1)), half), p.logdet_x),
                           gen_mul(half, tr));
    return dist_mask_support(p.ok, gen_sub(gen_sub(a, b), p.norm));
}

static gen_status pd_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_POSITIVE_DEFINITE;
    return GEN_OK;
}

static void wish_free(gen_dist *d) { gen_array_release(d->extra); }

static const dist_family wishart_family = {
    .name = "wishart",
    .param_names = names,
    .sample = wishart_sample,
    .logpdf = wishart_logpdf,
    .support = pd_support,
    .free_extra = wish_free,
};

static const dist_family inv_wishart_family = {
    .name = "inv_wishart",
    .param_names = names,
    .sample = inv_wishart_sample,
    .logpdf = inv_wishart_logpdf,
    .support = pd_support,
    .free_extra = wish_free,
};

static gen_array *df_above(const gen_array *df, const gen_array *m) { return gen_gt(df, m); }

/* df > n - 1 and finite, elementwise (on a device: checked there, a failure on a host
 * copy). */
static gen_status check_df(const char *fam, const gen_array *df, int64_t n) {
    gen_status st = dist_check_finite(fam, "df", df);
    if (st == GEN_OK && !arr_on_host(df)) {
        gen_array *m = arr_alloc_scalar(GEN_F64);
        if (m) *(double *)m->data = (double)(n - 1);
        bool ok = m && dist_device_all(df_above, df, m);
        gen_array_release(m);
        if (ok) return GEN_OK;
        gen_array *h = arr_host_ref(df);
        st = h ? check_df(fam, h, n) : core_error_pending();
        gen_array_release(h);
        return st;
    }
    for (int64_t i = 0; st == GEN_OK && i < df->size; i++) {
        double v = arr_get_f64(df, i);
        char buf[ARR_SHAPE_STR_MAX];
        if (!(v > (double)(n - 1)))
            st = DIST_REFUSE("%s: df must be > n - 1 = %lld, got %g at index %s", fam,
                             (long long)(n - 1), v, dist_index_str(df, i, buf, sizeof buf));
    }
    return st;
}

static gen_dist *wishart_new(const dist_family *f, const gen_array *df, const gen_array *scale) {
    const char *fam = f->name;
    if (!df) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: parameter df is NULL", fam);
        return NULL;
    }
    if (dist_check_rank(fam, "scale", scale, 2, true) != GEN_OK) return NULL;
    int64_t n = scale->shape[scale->ndim - 1];
    if (n < 1) {
        GEN_FAIL(GEN_ERR_SHAPE, "%s: scale must be at least 1 x 1, got 0 x 0", fam);
        return NULL;
    }
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    if (check_df(fam, df, n) != GEN_OK || mv_check_spd(fam, "scale", scale) != GEN_OK ||
        mv_batch(fam, df, 0, scale, 2, &nd, shape) != GEN_OK || gen_scope_begin() != GEN_OK)
        return NULL;
    gen_array *l = gen_array_retain(mv_cholesky(fam, "scale", scale));
    gen_scope_end();
    if (!l) return NULL;
    const gen_array *p[2] = {df, scale};
    gen_dist *d = dist_new(f, mv_dtype(2, p), 2, (gen_array *const *)p, nd, shape, 2, (const int64_t[]){n, n});
    if (!d) {
        gen_array_release(l);
        return NULL;
    }
    d->extra = l;
    return d;
}

gen_dist *gen_wishart(const gen_array *df, const gen_array *scale) {
    return wishart_new(&wishart_family, df, scale);
}

gen_dist *gen_inv_wishart(const gen_array *df, const gen_array *scale) {
    return wishart_new(&inv_wishart_family, df, scale);
}
