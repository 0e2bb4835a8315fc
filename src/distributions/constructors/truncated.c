/* truncated.c — d restricted to [lo, hi] (Stan's T[lo, hi]) for a continuous scalar
 * family with a CDF (cdf.c): logpdf(x) = d.logpdf(x) - log(F(hi) - F(lo)) inside.
 *
 * The normalizer is a difference of two CDF values taken in log space on the side where
 * both are small: log F(hi) + log1mexp(log F(lo) - log F(hi)) while F(lo) <= 1/2, else
 * the same with the survival function (log_ccdf) and the ends swapped, so a half-t or a
 * bound ten scales out keeps its digits; nothing is special-cased (a bound at the median
 * gives log 1/2 through the CDF). Draws invert the CDF in log space on the same side
 * (F(x) = F(lo) + u (F(hi) - F(lo)) by logaddexp) where the family has a quantile, else
 * come from rejection: 100 rounds of draws of d, then an error naming the element. */
#include <math.h>
#include <string.h>

#include "ctor.h"
#include "../../array/array_int.h"

#define LN2 0.69314718055994530942
#define REJECT_ROUNDS 100

typedef struct tc_extra {
    ctor_extra h;
    gen_dist *base;
    gen_array *lo, *hi;   /* the bounds given (retained; NULL: unbounded) */
    gen_array *slo, *shi; /* the support's: the bounds intersected with d's support */
    gen_support_kind kind;
} tc_extra;

static void tc_free(ctor_extra *h) {
    tc_extra *ex = (tc_extra *)h;
    gen_dist_release(ex->base);
    gen_array_release(ex->lo);
    gen_array_release(ex->hi);
    gen_array_release(ex->slo);
    gen_array_release(ex->shi);
    core_free(ex, sizeof *ex);
}

/* log(F(hi) - F(lo)) (top of file); a NULL end is infinite. */
static gen_array *log_mass(const gen_dist *b, const gen_array *lo, const gen_array *hi) {
    if (!lo) return dist_log_cdf(b, hi, false);
    if (!hi) return dist_log_cdf(b, lo, true);
    gen_array *lflo = dist_log_cdf(b, lo, false), *lfhi = dist_log_cdf(b, hi, false);
    gen_array *lslo = dist_log_cdf(b, lo, true), *lshi = dist_log_cdf(b, hi, true);
    if (!lflo || !lfhi || !lslo || !lshi) return NULL;
    gen_array *up = gen_gt(lflo, dist_const(lflo, -LN2));
    gen_array *below = gen_add(lfhi, dist_log1mexp(gen_sub(lflo, lfhi)));
    gen_array *above = gen_add(lslo, dist_log1mexp(gen_sub(lshi, lslo)));
    return gen_where(up, above, below);
}

/* lo <= x <= hi (NULL ends open), NaN outside. */
static gen_array *inside(const tc_extra *ex, const gen_array *x) {
    gen_array *ok = gen_logical_not(gen_isnan(x));
    if (ex->lo) ok = gen_logical_and(ok, gen_ge(x, ex->lo));
    if (ex->hi) ok = gen_logical_and(ok, gen_le(x, ex->hi));
    return ok;
}

static gen_array *tc_logpdf(const gen_dist *d, const gen_array *x) {
    const tc_extra *ex = d->extra;
    if (!ex->lo && !ex->hi) return gen_dist_logpdf(ex->base, x);
    gen_array *lz = log_mass(ex->base, ex->lo, ex->hi), *lp = gen_dist_logpdf(ex->base, x);
    if (!lz || !lp) return NULL;
    /* an interval of probability 0 (lz = -inf) has no density anywhere */
    gen_array *ok = gen_logical_and(inside(ex, x), gen_gt(lz, dist_const(lz, -INFINITY)));
    return dist_mask_support(ok, gen_sub(lp, dist_safe(gen_isfinite(lz), lz, 0)));
}

/* ---- sampling ---- */

/* The inverse CDF (top of file) for every element of the full shape, in C. */
static gen_array *tc_sample_inverse(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const tc_extra *ex = d->extra;
    const gen_dist *b = ex->base;
    gen_array *ninf = dist_const(gen_scalar(0), -INFINITY), *zero = dist_const(ninf, 0);
    const gen_array *e[4] = {ex->lo ? dist_log_cdf(b, ex->lo, false) : ninf, ex->lo ? dist_log_cdf(b, ex->lo, true) : zero,
                             ex->hi ? dist_log_cdf(b, ex->hi, false) : zero, ex->hi ? dist_log_cdf(b, ex->hi, true) : ninf};
    const double *v[4], *lo = dist_host_f64(ex->lo ? ex->lo : ninf, ndim, shape);
    const double *hi = dist_host_f64(ex->hi ? ex->hi : gen_neg(ninf), ndim, shape), *par[DIST_MAX_PARAMS];
    for (int i = 0; i < 4; i++)
        if (!e[i] || !(v[i] = dist_host_f64(e[i], ndim, shape))) return NULL;
    for (int j = 0; j < b->n_params; j++)
        if (!(par[j] = dist_host_f64(b->params[j], ndim, shape))) return NULL;
    const backend *dev = arr_creation_be; /* the C loop's arrays on the host */
    arr_creation_restore(NULL);
    gen_array *u = gen_random_uniform(key, GEN_F64, ndim, shape);
    arr_creation_restore(dev);
    gen_array *r = arr_publish(arr_alloc("truncated", d->dtype, ndim, shape));
    if (!u || !r || !lo || !hi) return NULL;
    const double *uv = u->data;
    for (int64_t i = 0; i < r->size; i++) {
        double p[DIST_MAX_PARAMS], x;
        for (int j = 0; j < b->n_params; j++) p[j] = par[j][i];
        if (v[0][i] <= -LN2) { /* log F(lo), log F(hi) */
            double lz = v[2][i] + dist_log1mexp1(v[0][i] - v[2][i]);
            x = b->family->quantile1(p, dist_logaddexp1(v[0][i], log(uv[i]) + lz), false);
        } else { /* log(1 - F(lo)), log(1 - F(hi)) */
            double lz = v[1][i] + dist_log1mexp1(v[3][i] - v[1][i]);
            x = b->family->quantile1(p, dist_logaddexp1(v[3][i], log1p(-uv[i]) + lz), true);
        }
        arr_set_f64(d->dtype, r->data, i, fmin(fmax(x, lo[i]), hi[i]));
    }
    return dist_place(b, r);
}

/* Rejection: round k draws all of d at fold_in(key, k) and keeps the first draw inside
 * for each element. */
static gen_array *tc_sample_reject(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const tc_extra *ex = d->extra;
    int ns = ndim - d->batch_ndim;
    gen_array *out = NULL, *done = NULL;
    for (int k = 0; k < REJECT_ROUNDS; k++) {
        gen_array *y = ctor_draw(ex->base, gen_key_fold_in(key, (uint64_t)k), ns, shape, d->batch_ndim, shape + ns);
        if (!y) return NULL;
        gen_array *ok = inside(ex, y);
        out = out ? gen_where(done, out, y) : y;
        done = done ? gen_logical_or(done, ok) : ok;
        if (!out || !done) return NULL;
        if (dist_all_true(done)) return out;
    }
    gen_array *miss = arr_host_ref(gen_logical_not(done));
    int64_t i = 0;
    while (miss && i < miss->size - 1 && !((const bool *)miss->data)[i]) i++;
    gen_array_release(miss);
    char buf[64];
    GEN_FAIL(GEN_ERR_VALUE,
             "truncated: rejection sampling of %s found no draw inside the bounds in %d rounds at element %s "
             "(the interval has too little probability; a family with a quantile samples it exactly)",
             ex->base->family->name, REJECT_ROUNDS, dist_index_str(done, i, buf, sizeof buf));
    return NULL;
}

static gen_array *tc_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const tc_extra *ex = d->extra;
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *r = ex->base->family->quantile1 ? tc_sample_inverse(d, key, ndim, shape)
                                               : tc_sample_reject(d, key, ndim, shape);
    return arr_scope_return(r);
}

static gen_status tc_support(const gen_dist *d, gen_support *out) {
    const tc_extra *ex = d->extra;
    out->kind = ex->kind;
    out->lo = ex->slo;
    out->hi = ex->shi;
    return GEN_OK;
}

static const dist_family tc_template = {
    .name = "truncated",
    .sample = tc_sample,
    .logpdf = tc_logpdf,
    .support = tc_support,
};

/* ---- construction ---- */

static gen_status check_args(const gen_dist *d, const gen_array *lo, const gen_array *hi) {
    const char *f = "truncated";
    if (!d) return ctor_null(f, "the distribution");
    if (core_dead(d)) return dist_dead_fail("gen_truncated", "the distribution", d);
    if (d->family->discrete)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "truncated: %s is discrete (only continuous families can be truncated)",
                        d->family->name);
    if (d->event_ndim) {
        char s[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "truncated: %s has event shape %s (only scalar events can be truncated)",
                        d->family->name, CTOR_SHAPE(d->event_ndim, d->event_shape, s));
    }
    if (!d->family->log_cdf)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "truncated: %s has no CDF (gen_dist_cdf lists the families)",
                        d->family->name);
    if (core_error_pending()) return core_error_pending(); /* a NULL bound from a failed call */
    if ((lo && dist_check_not_nan(f, "lo", lo) != GEN_OK) || (hi && dist_check_not_nan(f, "hi", hi) != GEN_OK))
        return core_error_pending();
    if (lo && hi && dist_check_less(f, "lo", lo, "hi", hi) != GEN_OK) return core_error_pending();
    return GEN_OK;
}

/* The support: the bounds intersected with d's (kept as new arrays). */
static gen_status tc_set_support(tc_extra *ex) {
    gen_support s = {0};
    gen_status st = gen_dist_support(ex->base, &s);
    if (st != GEN_OK) return st;
    const gen_array *blo = NULL, *bhi = NULL;
    switch (s.kind) {
    case GEN_SUPPORT_REAL: break;
    case GEN_SUPPORT_POSITIVE: blo = dist_const(ex->base->params[0], 0); break;
    case GEN_SUPPORT_GREATER_THAN: blo = s.lo; break;
    case GEN_SUPPORT_LESS_THAN: bhi = s.hi; break;
    case GEN_SUPPORT_INTERVAL: blo = s.lo, bhi = s.hi; break;
    default:
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "truncated: %s has a %s support", ex->base->family->name,
                        gen_support_name(s.kind));
    }
    gen_array *lo = ex->lo && blo ? gen_maximum(ex->lo, blo) : (gen_array *)(ex->lo ? ex->lo : blo);
    gen_array *hi = ex->hi && bhi ? gen_minimum(ex->hi, bhi) : (gen_array *)(ex->hi ? ex->hi : bhi);
    if ((ex->lo && blo && !lo) || (ex->hi && bhi && !hi)) return core_error_pending();
    ex->slo = lo ? gen_array_retain(lo) : NULL;
    ex->shi = hi ? gen_array_retain(hi) : NULL;
    ex->kind = lo && hi ? GEN_SUPPORT_INTERVAL : lo ? GEN_SUPPORT_GREATER_THAN : hi ? GEN_SUPPORT_LESS_THAN
                                                                                   : GEN_SUPPORT_REAL;
    return GEN_OK;
}

gen_dist *gen_truncated(const gen_dist *d, const gen_array *lo, const gen_array *hi) {
    if (check_args(d, lo, hi) != GEN_OK) return NULL;
    int nd = d->batch_ndim;
    int64_t sh[GEN_MAX_DIMS], tmp[GEN_MAX_DIMS];
    memcpy(sh, d->batch_shape, (size_t)nd * sizeof *sh);
    const gen_array *ends[2] = {lo, hi};
    for (int i = 0; i < 2; i++) {
        if (!ends[i]) continue;
        if (arr_broadcast_shapes("truncated", nd, sh, ends[i]->ndim, ends[i]->shape, &nd, tmp) != GEN_OK) {
            core_error_prefix("truncated: %s and the batch shape of %s", i ? "hi" : "lo", d->family->name);
            return NULL;
        }
        memcpy(sh, tmp, (size_t)nd * sizeof *sh);
    }
    tc_extra *ex = core_calloc(1, sizeof *ex);
    if (!ex) return NULL;
    ex->h.fam = tc_template;
    ex->h.free_fn = tc_free;
    ex->base = gen_dist_retain((gen_dist *)d);
    ex->lo = lo ? gen_array_retain((gen_array *)lo) : NULL;
    ex->hi = hi ? gen_array_retain((gen_array *)hi) : NULL;
    if (gen_scope_begin() != GEN_OK) {
        tc_free(&ex->h);
        return NULL;
    }
    gen_status st = tc_set_support(ex);
    gen_scope_end();
    if (st != GEN_OK) {
        tc_free(&ex->h);
        return NULL;
    }
    gen_dist *r = ctor_new(&ex->h, d->dtype, 0, NULL, nd, sh, 0, NULL);
    return ctor_inherit_batched(r, 1, (gen_dist *const *)&d);
}
