/* discrete_util.c — helpers shared by the discrete families: integer tests, NaN-free
 * logs, support bounds kept with the distribution, and parameter checks. */
#include <math.h>
#include <string.h>

#include "discrete_util.h"

gen_dtype disc_ftype(const gen_dist *d) {
    bool any = false, all_f32 = true;
    for (int i = 0; i < d->n_params; i++) {
        gen_dtype t = (gen_dtype)d->params[i]->dtype;
        if (!arr_is_float(t)) continue;
        any = true;
        all_f32 &= t == GEN_F32;
    }
    return any && all_f32 ? GEN_F32 : GEN_F64;
}

gen_array *disc_is_int(const gen_array *x) {
    if (!x) return NULL;
    if (!arr_is_float((gen_dtype)x->dtype)) return gen_ones(GEN_BOOL, x->ndim, x->shape);
    return gen_logical_and(gen_eq(gen_floor(x), x), gen_isfinite(x));
}

gen_array *disc_value(const gen_array *x, gen_dtype t) {
    return gen_stop_gradient(gen_cast(x, t));
}

gen_array *disc_log(const gen_array *p) {
    gen_array *ok = gen_gt(p, dist_const(p, 0));
    return dist_mask_support(ok, gen_log(dist_safe(ok, p, 1)));
}

gen_array *disc_log1m(const gen_array *p) {
    gen_array *ok = gen_lt(p, dist_const(p, 1));
    return dist_mask_support(ok, gen_log1p(gen_neg(dist_safe(ok, p, 0))));
}

/* where(k == 0, 0, k logp): the product is NaN at k = 0, logp = -inf, but unselected,
 * and its cotangent there is 0 * k = 0. */
gen_array *disc_xlogy(const gen_array *k, const gen_array *logp) {
    return gen_where(gen_eq(k, dist_const(k, 0)), dist_const(logp, 0), gen_mul(k, logp));
}

gen_array *disc_lfact(const gen_array *n) { return gen_lgamma(gen_add(n, dist_const(n, 1))); }

/* ---- distributions with integer-range bounds ---- */

typedef struct disc_bounds {
    gen_array *lo, *hi; /* i64, batch-shaped, retained; NULL when unbounded */
} disc_bounds;

void disc_free_bounds(gen_dist *d) {
    disc_bounds *b = d->extra;
    if (!b) return;
    gen_array_release(b->lo);
    gen_array_release(b->hi);
    core_free(b, sizeof *b);
    d->extra = NULL;
}

/* A batch-shaped i64 copy of a (retained, outliving the scope it is made in). */
static gen_array *bound(const gen_array *a, int nd, const int64_t *shape) {
    if (!a || gen_scope_begin() != GEN_OK) return NULL;
    gen_array *r = gen_array_retain(gen_broadcast_to(gen_cast(a, GEN_I64), nd, shape));
    gen_scope_end();
    return r;
}

gen_dist *disc_new(const dist_family *f, gen_dtype dtype, int n_params,
                   const gen_array *const *params, int batch_ndim, const int64_t *batch,
                   int event_ndim, const int64_t *event, const gen_array *lo,
                   const gen_array *hi) {
    int nd = 0;
    int64_t shape[GEN_MAX_DIMS];
    for (int i = 0; i < n_params; i++) {
        if (!params[i]) {
            if (!core_error_pending())
                GEN_FAIL(GEN_ERR_MISUSE, "%s: parameter %s is NULL", f->name, f->param_names[i]);
            return NULL;
        }
        if (batch_ndim < 0 && arr_broadcast_shapes(f->name, nd, shape, params[i]->ndim,
                                                   params[i]->shape, &nd, shape) != GEN_OK)
            return NULL;
    }
    if (batch_ndim >= 0) {
        nd = batch_ndim;
        if (nd) memcpy(shape, batch, (size_t)nd * sizeof *shape);
    }
    disc_bounds *b = core_calloc(1, sizeof *b);
    if (!b) return NULL;
    const backend *saved = dist_follow(n_params, params); /* the bounds beside the parameters */
    b->lo = bound(lo, nd, shape);
    b->hi = bound(hi, nd, shape);
    arr_creation_restore(saved);
    gen_dist *d = NULL;
    if ((!lo || b->lo) && (!hi || b->hi))
        d = dist_new(f, dtype, n_params, (gen_array *const *)params, nd, shape, event_ndim, event);
    if (!d) {
        gen_dist tmp = {.extra = b};
        disc_free_bounds(&tmp);
        return NULL;
    }
    d->extra = b;
    return d;
}

const gen_array *disc_lo(const gen_dist *d) { return d->extra ? ((disc_bounds *)d->extra)->lo : NULL; }
const gen_array *disc_hi(const gen_dist *d) { return d->extra ? ((disc_bounds *)d->extra)->hi : NULL; }

gen_status disc_support_range(const gen_dist *d, gen_support *out) {
    out->kind = GEN_SUPPORT_INTEGER_RANGE;
    out->lo = disc_lo(d);
    out->hi = disc_hi(d);
    return GEN_OK;
}

/* ---- parameter checks ---- */

static bool is_integer(double v) { return isfinite(v) && v == floor(v); }
static bool is_prob_pos(double v) { return v > 0 && v <= 1; }

gen_status disc_check_integer(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_integer, "an integer");
}

gen_status disc_check_prob_pos(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_prob_pos, "in (0, 1]");
}

gen_status disc_check_categories(const char *family, const char *name, const gen_array *a) {
    gen_status st = dist_check_rank(family, name, a, 1, false);
    if (st != GEN_OK) return st;
    if (a->shape[a->ndim - 1] > 0) return GEN_OK;
    char s[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s must have at least one category (last axis), got shape %s",
                    family, name, arr_shape_str(a->ndim, a->shape, s, sizeof s));
}

gen_array *disc_enumerate_range(const char *family, const gen_array *lo, const gen_array *hi) {
    if (!lo || !hi) return NULL;
    if (lo->size == 0) return gen_zeros(GEN_I64, GEN_DIMS(0));
    if (!arr_on_host(lo) || !arr_on_host(hi)) { /* the range is read on the host; the values go back */
        gen_array *hl = arr_host_ref(lo), *hh = hl ? arr_host_ref(hi) : NULL;
        gen_array *r = hh ? disc_enumerate_range(family, hl, hh) : NULL;
        gen_array_release(hl);
        gen_array_release(hh);
        return r ? arr_publish(arr_copy_to_backend(family, r, arr_backend_of(arr_on_host(lo) ? hi : lo))) : NULL;
    }
    const int64_t *l = lo->data, *h = hi->data;
    int64_t a = l[0], b = h[0];
    for (int64_t i = 1; i < lo->size; i++) {
        if (l[i] < a) a = l[i];
        if (h[i] > b) b = h[i];
    }
    /* b - a may overflow int64: compare in double (exact enough for the limit). */
    if ((double)b - (double)a + 1 > DISC_ENUM_MAX) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "gen_dist_enumerate: %s: the support %lld..%lld has more than %d values",
                 family, (long long)a, (long long)b, DISC_ENUM_MAX);
        return NULL;
    }
    gen_array *r = arr_alloc(family, GEN_I64, 1, (const int64_t[]){b - a + 1});
    if (!r) return NULL;
    int64_t *o = r->data;
    for (int64_t i = 0; i <= b - a; i++) o[i] = a + i;
    return arr_publish(r);
}
