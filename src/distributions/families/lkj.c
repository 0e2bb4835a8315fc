/* lkj.c — LKJ(eta) over lower Cholesky factors L of dim x dim correlation matrices, as in
 * Stan's lkj_corr_cholesky and numpyro's LKJCholesky: density (w.r.t. the strictly lower
 * entries of L) prod_{i=2..dim} L_ii^(dim - i + 2 eta - 2) / c, with c the exact
 * normalizer, and draws by the onion method (one beta and one direction per row). */
#include "mv_util.h"

#define LOG_PI 1.14472988584940017414

static const char *const names[] = {"eta"};

/* Row i (i = 1..dim-1, from 0) has squared length y_i ~ Beta(i/2, eta + (dim-2)/2 - (i-1)/2)
 * off the diagonal, in a uniform direction (normals over their norm), and L_ii = sqrt(1 - y_i). */
static gen_array *lkj_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    int64_t dim = shape[ndim - 1];
    gen_key k[2];
    if (gen_key_split(key, 2, k) != GEN_OK) return NULL;
    gen_dtype t = d->dtype;
    gen_array *eta = gen_expand_dims(gen_broadcast_to(gen_cast(d->params[0], t), ndim - 2, shape), -1);
    gen_array *off = gen_mul(gen_arange(0, (double)dim - 1, 1, t), dist_const(eta, 0.5)); /* (i-1)/2 */
    gen_array *a = gen_add(off, dist_const(eta, 0.5));
    gen_array *b = gen_sub(gen_add(eta, dist_const(eta, 0.5 * (double)(dim - 2))), off);
    if (!b) return NULL; /* its shape is read below */
    gen_array *y = gen_random_beta(k[0], gen_broadcast_to(a, b->ndim, b->shape), b); /* [..., dim-1] */
    int64_t one[GEN_MAX_DIMS];
    for (int i = 0; i < ndim - 2; i++) one[i] = shape[i];
    one[ndim - 2] = 1;
    gen_array *parts[2] = {gen_zeros(t, ndim - 1, one), y};
    gen_array *yr = gen_concatenate(2, parts, -1); /* row 0 has nothing below the diagonal */
    gen_array *z = gen_mul(gen_random_normal(k[1], t, ndim, shape), lin_tri_mask(dim, 1, 0, 0, t));
    gen_array *norm = gen_sqrt(gen_sum(gen_square(z), GEN_AXES(-1), true));
    norm = gen_where(gen_eq(norm, dist_const(norm, 0)), dist_const(norm, 1), norm);
    gen_array *w = gen_mul(gen_div(z, norm), gen_expand_dims(gen_sqrt(yr), -1));
    gen_array *diag = gen_sqrt(gen_sub(dist_const(yr, 1), yr));
    return gen_add(w, gen_diag_embed(diag));
}

/* log c = (dim-1)/2 log pi + log Gamma_{dim-1}(alpha - 1/2) - (dim-1) lgamma(alpha),
 * alpha = eta + (dim-1)/2 (numpyro's LKJCholesky). */
static gen_array *lkj_log_norm(const gen_array *eta, int64_t dim) {
    double dm1 = (double)(dim - 1);
    gen_array *alpha = gen_add(eta, dist_const(eta, dm1 / 2));
    gen_array *num = mv_lmvgamma(gen_sub(alpha, dist_const(eta, 0.5)), dim - 1);
    gen_array *den = gen_mul(dist_const(eta, dm1), gen_lgamma(alpha));
    return gen_add(gen_sub(num, den), dist_const(eta, dm1 / 2 * LOG_PI));
}

/* In the support: lower triangular, positive diagonal, rows of unit norm (within 1e-8;
 * 1e-4 in f32). */
static gen_array *lkj_logpdf(const gen_dist *d, const gen_array *x) {
    int64_t dim = d->event_shape[0];
    const gen_array *eta = d->params[0];
    gen_array *xf = gen_cast(x, arr_float_type((gen_dtype)x->dtype));
    if (!xf) return NULL; /* out of memory */
    gen_dtype t = (gen_dtype)xf->dtype;
    gen_array *upper = gen_mul(xf, lin_tri_mask(dim, 0, 0, 1, t)); /* NaN/inf stay nonzero */
    gen_array *ok = gen_all(gen_eq(upper, dist_const(xf, 0)), GEN_AXES(-2, -1), false);
    ok = gen_logical_and(ok, gen_all(gen_gt(gen_diag(xf), dist_const(xf, 0)), GEN_AXES(-1), false));
    gen_array *err = gen_abs(gen_sub(gen_sum(gen_square(xf), GEN_AXES(-1), false), dist_const(xf, 1)));
    double tol = t == GEN_F32 ? 1e-4 : 1e-8;
    ok = gen_logical_and(ok, gen_all(gen_le(err, dist_const(xf, tol)), GEN_AXES(-1), false));
    gen_array *ok2 = gen_expand_dims(gen_expand_dims(ok, -1), -1);
    gen_array *xs = gen_where(ok2, xf, gen_eye(dim, t));
    gen_array *logd = gen_slice(gen_log(gen_diag(xs)), -1, 1, GEN_END, 1); /* i = 2..dim */
    /* exponent dim - i + 2 eta - 2 = 2 (eta - 1) + (dim - 2 - k), k = i - 2 */
    gen_array *k = gen_arange((double)dim - 2, -1, -1, t);
    gen_array *coef = gen_add(gen_expand_dims(gen_mul(gen_sub(eta, dist_const(eta, 1)), dist_const(eta, 2)), -1), k);
    gen_array *lp = gen_sub(dist_sum_last(gen_mul(coef, logd), 1), lkj_log_norm(eta, dim));
    return dist_mask_support(ok, lp);
}

static gen_status lkj_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_CORR_CHOLESKY;
    return GEN_OK;
}

static const dist_family lkj_family = {
    .name = "lkj_cholesky",
    .param_names = names,
    .sample = lkj_sample,
    .logpdf = lkj_logpdf,
    .support = lkj_support,
};

gen_dist *gen_lkj_cholesky(int64_t dim, const gen_array *eta) {
    if (dim < 2) {
        GEN_FAIL(GEN_ERR_VALUE, "lkj_cholesky: dim must be >= 2, got %lld", (long long)dim);
        return NULL;
    }
    if (!eta) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "lkj_cholesky: parameter eta is NULL");
        return NULL;
    }
    if (dist_check_positive_finite("lkj_cholesky", "eta", eta) != GEN_OK)
        return NULL;
    gen_dtype t = eta->dtype == GEN_F32 ? GEN_F32 : GEN_F64;
    return dist_new(&lkj_family, t, 1, (gen_array *const *)&eta, eta->ndim, eta->shape, 2,
                    (const int64_t[]){dim, dim});
}
