/* poisson.c — Poisson(rate) on 0, 1, 2, ...: log mass k log rate - rate - log k!
 * (rate = 0 puts all mass on 0, without NaN; a single C pass outside autodiff), sampled
 * by gen_random_poisson. */
#include "discrete_util.h"

static const char *const names[] = {"rate"};

static gen_array *poisson_logpdf(const gen_dist *d, const gen_array *x) {
    gen_dtype t = disc_ftype(d);
    if (disc_plain()) return disc_poisson_logpmf(x, d->params[0], t);
    gen_array *rate = gen_cast(d->params[0], t);
    gen_array *ok = gen_logical_and(disc_is_int(x), gen_ge(x, gen_scalar_i64(0)));
    gen_array *k = disc_value(dist_safe(ok, x, 0), t);
    gen_array *lp = gen_sub(gen_sub(disc_xlogy(k, disc_log(rate)), rate), disc_lfact(k));
    return dist_mask_support(ok, lp);
}

static gen_array *poisson_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(gen_random_poisson(key, gen_broadcast_to(d->params[0], ndim, shape)));
}

static const dist_family poisson_family = {
    .name = "poisson",
    .param_names = names,
    .discrete = true,
    .sample = poisson_sample,
    .logpdf = poisson_logpdf,
    .support = disc_support_range,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

gen_dist *gen_poisson(const gen_array *rate) {
    if (rate && (dist_check_nonnegative("poisson", "rate", rate) != GEN_OK ||
                 dist_check_finite("poisson", "rate", rate) != GEN_OK))
        return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    return disc_scope_return(
        disc_new(&poisson_family, GEN_I64, 1, &rate, -1, NULL, 0, NULL, gen_scalar_i64(0), NULL));
}
