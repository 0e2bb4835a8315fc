/* neg_binomial.c — NegativeBinomial(r, p) (real r > 0, 0 < p <= 1): failures before the
 * r-th success, log mass lgamma(k+r) - lgamma(k+1) - lgamma(r) + r log p + k log1p(-p);
 * sampled as Poisson(Gamma(r) (1-p)/p). */
#include "discrete_util.h"

static const char *const names[] = {"r", "p"};

static gen_array *neg_binomial_logpdf(const gen_dist *d, const gen_array *x) {
    gen_dtype t = disc_ftype(d);
    gen_array *r = gen_cast(d->params[0], t), *p = gen_cast(d->params[1], t);
    gen_array *ok = gen_logical_and(disc_is_int(x), gen_ge(x, gen_scalar_i64(0)));
    gen_array *k = disc_value(dist_safe(ok, x, 0), t);
    gen_array *lc = gen_sub(gen_sub(gen_lgamma(gen_add(k, r)), disc_lfact(k)), gen_lgamma(r));
    gen_array *lp = gen_add(lc, gen_add(gen_mul(r, gen_log(p)), disc_xlogy(k, disc_log1m(p))));
    return dist_mask_support(ok, lp);
}

/* The gamma-Poisson mixture; rates beyond i64 saturate (only for p below ~1e-18 r). */
static gen_array *neg_binomial_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *r = gen_broadcast_to(gen_cast(d->params[0], GEN_F64), ndim, shape);
    gen_array *p = gen_cast(d->params[1], GEN_F64);
    gen_array *g = gen_random_gamma(gen_key_fold_in(key, 0), r);
    gen_array *rate = gen_mul(g, gen_div(gen_sub(gen_scalar(1), p), p));
    rate = gen_minimum(rate, gen_scalar(9.2e18));
    return arr_scope_return(gen_random_poisson(gen_key_fold_in(key, 1), rate));
}

static const dist_family neg_binomial_family = {
    .name = "neg_binomial",
    .param_names = names,
    .discrete = true,
    .sample = neg_binomial_sample,
    .logpdf = neg_binomial_logpdf,
    .support = disc_support_range,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

gen_dist *gen_neg_binomial(const gen_array *r, const gen_array *p) {
    const gen_array *prm[2] = {r, p};
    if (r && p && (dist_check_positive_finite("neg_binomial", "r", r) != GEN_OK ||
                   disc_check_prob_pos("neg_binomial", "p", p) != GEN_OK))
        return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    return disc_scope_return(
        disc_new(&neg_binomial_family, GEN_I64, 2, prm, -1, NULL, 0, NULL, gen_scalar_i64(0), NULL));
}
