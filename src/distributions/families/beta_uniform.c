/* beta_uniform.c — BetaUniform(theta, a, b) (Gen.jl): with probability theta a Beta(a, b)
 * value, else a Uniform(0, 1) one. Density theta Beta(x; a, b) + (1 - theta) on [0, 1],
 * combined in log space with logaddexp. */
#include <math.h>

#include "../dist_int.h"

static const char *const names[] = {"theta", "a", "b"};

/* d->extra: the support's ends 0 and 1 in the value dtype (owned). */
typedef struct bu_ends {
    gen_array *lo, *hi;
} bu_ends;

static gen_array *bu_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_key ks[3];
    gen_key_split(key, 3, ks);
    gen_array *a = gen_broadcast_to(d->params[1], ndim, shape), *b = gen_broadcast_to(d->params[2], ndim, shape);
    gen_array *beta = gen_cast(gen_random_beta(ks[0], a, b), d->dtype);
    gen_array *unif = gen_random_uniform(ks[1], d->dtype, ndim, shape);
    gen_array *pick = gen_lt(gen_random_uniform(ks[2], GEN_F64, ndim, shape), d->params[0]);
    return arr_scope_return(gen_where(pick, beta, unif));
}

static gen_array *lbeta(const gen_array *a, const gen_array *b) {
    return gen_sub(gen_add(gen_lgamma(a), gen_lgamma(b)), gen_lgamma(gen_add(a, b)));
}

/* logaddexp(log theta + log Beta(x; a, b), log(1 - theta)) for 0 < x < 1, with
 * log theta = -inf at theta = 0 and log(1 - theta) = -inf at theta = 1 (taken at
 * substitutes, so no NaN gradients). At x = 0 or 1 the Beta density is its limit
 * (+inf, -inf, or 1/B(a, b) times the other factor's value 1) computed from the
 * parameters' values: a value without gradient there. */
static gen_array *bu_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *th = d->params[0], *a = d->params[1], *b = d->params[2];
    gen_array *zero = dist_const(x, 0.0), *one = dist_const(x, 1.0);
    gen_array *ok = gen_logical_and(gen_ge(x, zero), gen_le(x, one));
    gen_array *in = gen_logical_and(gen_gt(x, zero), gen_lt(x, one));
    gen_array *xs = dist_safe(in, x, 0.5);
    gen_array *one_a = gen_sub(a, dist_const(a, 1.0)), *one_b = gen_sub(b, dist_const(b, 1.0));
    gen_array *lb = gen_sub(gen_add(gen_mul(one_a, gen_log(xs)), gen_mul(one_b, gen_log1p(gen_neg(xs)))), lbeta(a, b));
    gen_array *pos = gen_gt(th, dist_const(th, 0.0)), *lt1 = gen_lt(th, dist_const(th, 1.0));
    gen_array *lth = gen_where(pos, gen_log(dist_safe(pos, th, 0.5)), dist_const(th, -INFINITY));
    gen_array *l1th = gen_where(lt1, gen_log1p(gen_neg(dist_safe(lt1, th, 0.5))), dist_const(th, -INFINITY));
    gen_array *lp = gen_logaddexp(gen_add(lth, lb), l1th);
    /* the ends: the exponent at that end decides (a at 0, b at 1) */
    gen_array *e = gen_stop_gradient(gen_where(gen_le(x, zero), a, b));
    gen_array *le = gen_where(gen_lt(e, dist_const(e, 1.0)), dist_const(e, INFINITY),
                              gen_where(gen_gt(e, dist_const(e, 1.0)), dist_const(e, -INFINITY),
                                        gen_neg(lbeta(gen_stop_gradient(a), gen_stop_gradient(b)))));
    gen_array *sth = gen_stop_gradient(lth);
    gen_array *lend = gen_logaddexp(gen_where(pos, gen_add(sth, le), sth), gen_stop_gradient(l1th));
    return dist_mask_support(ok, gen_where(in, lp, lend));
}

static gen_status bu_support(const gen_dist *d, gen_support *out) {
    const bu_ends *e = d->extra;
    out->kind = GEN_SUPPORT_INTERVAL;
    out->lo = e->lo;
    out->hi = e->hi;
    return GEN_OK;
}

static void bu_free_extra(gen_dist *d) {
    bu_ends *e = d->extra;
    if (!e) return;
    gen_array_release(e->lo);
    gen_array_release(e->hi);
    core_free(e, sizeof *e);
}

static const dist_family beta_uniform_family = {
    .name = "beta_uniform",
    .param_names = names,
    .sample = bu_sample,
    .logpdf = bu_logpdf,
    .support = bu_support,
    .free_extra = bu_free_extra,
    .extra_is_support = true,
};

static gen_array *end(gen_dtype t, double v) {
    gen_array *a = arr_alloc_scalar(t); /* owned by the distribution, not a scope */
    if (a) arr_set_f64(t, a->data, 0, v);
    return a;
}

/* Built inside a scope so that a failure after dist_new_scalar frees d. */
gen_dist *gen_beta_uniform(const gen_array *theta, const gen_array *a, const gen_array *b) {
    const gen_array *p[3] = {theta, a, b};
    const char *f = "beta_uniform";
    if (theta && a && b &&
        (dist_check_unit_interval(f, "theta", theta) != GEN_OK || dist_check_positive_finite(f, "a", a) != GEN_OK ||
         dist_check_positive_finite(f, "b", b) != GEN_OK))
        return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_dist *d = dist_new_scalar(&beta_uniform_family, 3, p, -1);
    bu_ends *e = d ? core_calloc(1, sizeof *e) : NULL;
    if (e) {
        d->extra = e; /* freed with d */
        e->lo = end(d->dtype, 0.0);
        e->hi = end(d->dtype, 1.0);
    }
    d = e && e->lo && e->hi ? gen_dist_scope_return(d) : NULL;
    gen_scope_end();
    return d;
}
