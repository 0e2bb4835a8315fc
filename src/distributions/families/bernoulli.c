/* bernoulli.c — Bernoulli(p) and Bernoulli with log-odds: bool values, logpdf from safe
 * logs (p = 0 or 1 exact, never NaN), sampling by u < p. */
#include "discrete_util.h"

static const char *const p_names[] = {"p"};
static const char *const logit_names[] = {"logit"};

/* lp1 where x is 1 (true), lp0 where x is 0 (false), -inf for any other value. */
static gen_array *bern_logpdf(const gen_array *x, const gen_array *lp1, const gen_array *lp0) {
    gen_array *one = gen_eq(x, gen_scalar_i64(1));
    gen_array *ok = gen_logical_or(one, gen_eq(x, gen_scalar_i64(0)));
    return dist_mask_support(ok, gen_where(one, lp1, lp0));
}

static gen_array *bernoulli_logpdf(const gen_dist *d, const gen_array *x) {
    return bern_logpdf(x, disc_log(d->params[0]), disc_log1m(d->params[0]));
}

static gen_array *bernoulli_logit_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *l = d->params[0];
    return bern_logpdf(x, gen_log_sigmoid(l), gen_log_sigmoid(gen_neg(l)));
}

/* u < p with u uniform on (0, 1): exactly never for p = 0 and always for p = 1. */
static gen_array *bernoulli_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(gen_lt(gen_random_uniform(key, GEN_F64, ndim, shape), d->params[0]));
}

static gen_array *bernoulli_logit_sample(const gen_dist *d, gen_key key, int ndim,
                                         const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *u = gen_random_uniform(key, GEN_F64, ndim, shape);
    return arr_scope_return(gen_lt(u, gen_sigmoid(d->params[0])));
}

static gen_status bernoulli_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_BOOLEAN;
    return GEN_OK;
}

static gen_array *bernoulli_enumerate(const gen_dist *d) {
    (void)d;
    return gen_array_from(GEN_BOOL, GEN_DIMS(2), (const bool[]){false, true});
}

static const dist_family bernoulli_family = {
    .name = "bernoulli",
    .param_names = p_names,
    .discrete = true,
    .sample = bernoulli_sample,
    .logpdf = bernoulli_logpdf,
    .support = bernoulli_support,
    .enumerate = bernoulli_enumerate,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

static const dist_family bernoulli_logit_family = {
    .name = "bernoulli_logit",
    .param_names = logit_names,
    .discrete = true,
    .sample = bernoulli_logit_sample,
    .logpdf = bernoulli_logit_logpdf,
    .support = bernoulli_support,
    .enumerate = bernoulli_enumerate,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

gen_dist *gen_bernoulli(const gen_array *p) {
    if (p && dist_check_unit_interval("bernoulli", "p", p) != GEN_OK) return NULL;
    return disc_new(&bernoulli_family, GEN_BOOL, 1, &p, -1, NULL, 0, NULL, NULL, NULL);
}

gen_dist *gen_bernoulli_logit(const gen_array *logit) {
    if (logit && dist_check_not_nan("bernoulli_logit", "logit", logit) != GEN_OK) return NULL;
    return disc_new(&bernoulli_logit_family, GEN_BOOL, 1, &logit, -1, NULL, 0, NULL, NULL, NULL);
}
