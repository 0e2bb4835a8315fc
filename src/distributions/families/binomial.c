/* binomial.c — Binomial(n, p) on 0..n: log mass lgamma(n+1) - lgamma(k+1) -
 * lgamma(n-k+1) + k log p + (n-k) log1p(-p), with p = 0 and p = 1 exact (0 log 0 = 0);
 * n is a nonnegative integer (i64 or integral float); sampled by gen_random_binomial. */
#include "discrete_util.h"

static const char *const names[] = {"n", "p"};

static gen_array *binomial_logpdf(const gen_dist *d, const gen_array *x) {
    gen_dtype t = disc_ftype(d);
    gen_array *n = disc_value(d->params[0], t), *p = gen_cast(d->params[1], t);
    gen_array *ok = gen_logical_and(disc_is_int(x), gen_logical_and(gen_ge(x, gen_scalar_i64(0)),
                                                                    gen_le(x, d->params[0])));
    gen_array *k = disc_value(dist_safe(ok, x, 0), t);
    gen_array *nk = gen_where(ok, gen_sub(n, k), dist_const(k, 0));
    gen_array *lchoose = gen_sub(gen_sub(disc_lfact(n), disc_lfact(k)), disc_lfact(nk));
    gen_array *lp = gen_add(lchoose, gen_add(disc_xlogy(k, disc_log(p)), disc_xlogy(nk, disc_log1m(p))));
    return dist_mask_support(ok, lp);
}

static gen_array *binomial_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_dtype t = arr_float_type((gen_dtype)d->params[1]->dtype);
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *p = gen_broadcast_to(gen_cast(d->params[1], t), ndim, shape);
    return arr_scope_return(gen_random_binomial(key, gen_cast(d->params[0], GEN_I64), p));
}

static gen_array *binomial_enumerate(const gen_dist *d) {
    return disc_enumerate_range("binomial", disc_lo(d), disc_hi(d));
}

static const dist_family binomial_family = {
    .name = "binomial",
    .param_names = names,
    .discrete = true,
    .sample = binomial_sample,
    .logpdf = binomial_logpdf,
    .support = disc_support_range,
    .enumerate = binomial_enumerate,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

gen_dist *gen_binomial(const gen_array *n, const gen_array *p) {
    const gen_array *prm[2] = {n, p};
    if (n && p && (dist_check_count("binomial", "n", n) != GEN_OK ||
                   dist_check_unit_interval("binomial", "p", p) != GEN_OK))
        return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    return disc_scope_return(
        disc_new(&binomial_family, GEN_I64, 2, prm, -1, NULL, 0, NULL, gen_scalar_i64(0), n));
}
