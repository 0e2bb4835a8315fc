/* geometric.c — Geometric(p): the number of failures before the first success, pmf
 * p (1-p)^k on k = 0, 1, ...; sampled by inversion, floor(log u / log1p(-p)). */
#include "discrete_util.h"

static const char *const names[] = {"p"};

static gen_array *geometric_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *p = d->params[0];
    gen_array *ok = gen_logical_and(disc_is_int(x), gen_ge(x, gen_scalar_i64(0)));
    gen_array *k = disc_value(dist_safe(ok, x, 0), disc_ftype(d));
    return dist_mask_support(ok, gen_add(gen_log(p), disc_xlogy(k, disc_log1m(p))));
}

/* p = 1 gives log u / -inf = -0, i.e. 0; huge draws saturate at INT64_MAX (the cast). */
static gen_array *geometric_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *u = gen_random_uniform(key, GEN_F64, ndim, shape);
    gen_array *v = gen_floor(gen_div(gen_log(u), gen_log1p(gen_neg(d->params[0]))));
    return arr_scope_return(gen_cast(v, GEN_I64));
}

static const dist_family geometric_family = {
    .name = "geometric",
    .param_names = names,
    .discrete = true,
    .sample = geometric_sample,
    .logpdf = geometric_logpdf,
    .support = disc_support_range,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

gen_dist *gen_geometric(const gen_array *p) {
    if (p && disc_check_prob_pos("geometric", "p", p) != GEN_OK) return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    return disc_scope_return(
        disc_new(&geometric_family, GEN_I64, 1, &p, -1, NULL, 0, NULL, gen_scalar_i64(0), NULL));
}
