/* bijection.c — bijection values and the elementwise built-ins: identity, exp, affine,
 * lower bound, interval (either end may be infinite), composition and user callbacks.
 * Upper bound (Stan's real<upper=hi>) sits beside lower bound. Vector and matrix
 * bijections (stick-breaking, correlation Cholesky, positive definite, Cholesky factors
 * of covariances) are in bijection_matrix.c, Stan's ordered and unit vectors in
 * bijection_vector.c; the default bijection of each support in
 * bijection_support.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../dist_int.h"

static void bij_free(gen_bijection *b) {
    char desc[CORE_DESC_MAX] = "";
    if (CORE_UNLIKELY(core_debug())) snprintf(desc, sizeof desc, "a bijection (%s)", b->kind->name);
    if (b->kind->free_extra) b->kind->free_extra(b);
    gen_array_release(b->params[0]);
    gen_array_release(b->params[1]);
    core_obj_free(b, sizeof *b, false, desc);
}

static gen_status dead_fail(const char *fn, const gen_bijection *b) {
    return core_dead_fail(fn, "the bijection", b, "a bijection");
}

gen_bijection *gen_bijection_retain(gen_bijection *b) {
    if (b && CORE_UNLIKELY(atomic_fetch_add_explicit(&b->refcount, 1, memory_order_relaxed) <= 0))
        return dead_fail("gen_bijection_retain", b), NULL;
    return b;
}

void gen_bijection_release(gen_bijection *b) {
    if (!b) return;
    int old = atomic_fetch_sub_explicit(&b->refcount, 1, memory_order_acq_rel);
    if (old == 1) bij_free(b);
    else if (CORE_UNLIKELY(old <= 0)) core_double_release("gen_bijection_release", b, "a bijection");
}

static void release_void(void *b) { gen_bijection_release(b); }

gen_bijection *gen_bijection_scope_return(gen_bijection *b) {
    if (!b || !gen_bijection_retain(b)) return NULL;
    gen_status s = core_scope_own_parent(b, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return b;
    gen_bijection_release(b);
    return NULL;
}

gen_bijection *bij_new(const bij_kind *k, const gen_array *p0, const gen_array *p1, void *extra) {
    gen_bijection *b = core_calloc(1, sizeof *b);
    if (!b) {
        gen_bijection tmp = {.kind = k, .extra = extra}; /* the caller handed extra over */
        if (k->free_extra && extra) k->free_extra(&tmp);
        return NULL;
    }
    atomic_init(&b->refcount, 1);
    b->kind = k;
    b->event_ndim = k->event_ndim;
    b->in_event_ndim = k->event_ndim > 1 ? 1 : k->event_ndim;
    b->params[0] = gen_array_retain((gen_array *)p0);
    b->params[1] = gen_array_retain((gen_array *)p1);
    b->extra = extra;
    gen_status s = core_scope_own(b, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return b;
    bij_free(b);
    return NULL;
}

const char *gen_bijection_name(const gen_bijection *b) { return b ? b->kind->name : "(null)"; }

static bool check_bij(const char *fn, const gen_bijection *b, const gen_array *x) {
    if (b && core_dead(b)) return dead_fail(fn, b), false;
    if (x && CORE_UNLIKELY(x->tuple) && arr_dead(x)) return arr_dead_fail(fn, "the value", x), false;
    if (b && x) return true;
    if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, b ? "the value" : "the bijection");
    return false;
}

/* u (forward, log_det) has in_event_ndim event axes, x (inverse) event_ndim. */
static bool check_event(const char *fn, const gen_bijection *b, const gen_array *x, bool unconstrained) {
    int need = unconstrained ? b->in_event_ndim : b->event_ndim;
    if (x->ndim >= need) return true;
    GEN_FAIL(GEN_ERR_SHAPE, "%s: %s needs values with at least %d dimensions, got %d", fn,
             b->kind->name, need, x->ndim);
    return false;
}

/* f (a function of b's kind) at v, its temporaries freed, with the arrays it makes
 * (constants, index tables) placed beside v or b's parameters when they are on a device. */
static gen_array *apply(gen_array *(*f)(const gen_bijection *, const gen_array *), const gen_bijection *b,
                        const gen_array *v) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    const gen_array *on[3] = {v, b->params[0], b->params[1]};
    const backend *saved = dist_follow(3, on);
    gen_array *r = f(b, v);
    arr_creation_restore(saved);
    return arr_scope_return(r);
}

gen_array *gen_bijection_forward(const gen_bijection *b, const gen_array *u) {
    if (!check_bij("gen_bijection_forward", b, u) || !check_event("gen_bijection_forward", b, u, true)) return NULL;
    return apply(b->kind->forward, b, u);
}

gen_array *gen_bijection_inverse(const gen_bijection *b, const gen_array *x) {
    if (!check_bij("gen_bijection_inverse", b, x) || !check_event("gen_bijection_inverse", b, x, false)) return NULL;
    return apply(b->kind->inverse, b, x);
}

gen_array *gen_bijection_log_det_jacobian(const gen_bijection *b, const gen_array *u) {
    if (!check_bij("gen_bijection_log_det_jacobian", b, u) ||
        !check_event("gen_bijection_log_det_jacobian", b, u, true))
        return NULL;
    return apply(b->kind->log_det, b, u);
}

gen_status gen_bijection_unconstrained_shape(const gen_bijection *b, int ndim, const int64_t *shape,
                                             int *out_ndim, int64_t *out_shape) {
    if (!b || !out_ndim || !out_shape || (ndim && !shape))
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_bijection_unconstrained_shape: NULL argument");
    if (b->kind->unconstrained_shape) return b->kind->unconstrained_shape(b, ndim, shape, out_ndim, out_shape);
    *out_ndim = ndim;
    if (ndim) memcpy(out_shape, shape, (size_t)ndim * sizeof *shape);
    return GEN_OK;
}

/* ---- identity ---- */

static gen_array *id_map(const gen_bijection *b, const gen_array *u) {
    (void)b;
    return gen_reshape(u, u->ndim, u->shape);
}
static gen_array *id_logdet(const gen_bijection *b, const gen_array *u) {
    (void)b;
    return gen_zeros(arr_float_type((gen_dtype)u->dtype), u->ndim, u->shape);
}
static const bij_kind identity_kind = {"identity", 0, GEN_SUPPORT_REAL, id_map, id_map, id_logdet, NULL, NULL};
gen_bijection *gen_bijection_identity(void) { return bij_new(&identity_kind, NULL, NULL, NULL); }

/* ---- exp ---- */

static gen_array *exp_fwd(const gen_bijection *b, const gen_array *u) { (void)b; return gen_exp(u); }
static gen_array *exp_inv(const gen_bijection *b, const gen_array *x) { (void)b; return gen_log(x); }
static gen_array *exp_logdet(const gen_bijection *b, const gen_array *u) {
    (void)b;
    return gen_cast(u, arr_float_type((gen_dtype)u->dtype));
}
static const bij_kind exp_kind = {"exp", 0, GEN_SUPPORT_POSITIVE, exp_fwd, exp_inv, exp_logdet, NULL, NULL};
gen_bijection *gen_bijection_exp(void) { return bij_new(&exp_kind, NULL, NULL, NULL); }

/* ---- affine: loc + scale u ---- */

static gen_array *affine_fwd(const gen_bijection *b, const gen_array *u) {
    return gen_add(b->params[0], gen_mul(b->params[1], u));
}
static gen_array *affine_inv(const gen_bijection *b, const gen_array *x) {
    return gen_div(gen_sub(x, b->params[0]), b->params[1]);
}
static gen_array *affine_logdet(const gen_bijection *b, const gen_array *u) {
    gen_array *l = gen_log(gen_abs(b->params[1]));
    return gen_broadcast_to(l, u->ndim, u->shape);
}
static gen_array *scale_ok(const gen_array *s, const gen_array *unused) {
    (void)unused;
    return gen_logical_and(gen_ne(s, gen_scalar(0)), gen_isfinite(s));
}
static const bij_kind affine_kind = {"affine", 0, GEN_SUPPORT_REAL, affine_fwd, affine_inv, affine_logdet, NULL, NULL};
gen_bijection *gen_bijection_affine(const gen_array *loc, const gen_array *scale) {
    if (!loc || !scale) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_bijection_affine: loc or scale is NULL");
        return NULL;
    }
    if (!arr_on_host(scale) && !scale->tuple && dist_device_all(scale_ok, scale, NULL))
        return bij_new(&affine_kind, loc, scale, NULL); /* checked on the device */
    gen_array *h = arr_host_ref(scale); /* a device's values: a host copy names the culprit */
    for (int64_t i = 0; h && i < h->size; i++) {
        double v = arr_get_f64(h, i);
        if (!(v != 0) || !isfinite(v)) {
            DIST_REFUSE("gen_bijection_affine: scale must be finite and nonzero, got %g", v);
            gen_array_release(h);
            return NULL;
        }
    }
    gen_array_release(h);
    return h ? bij_new(&affine_kind, loc, scale, NULL) : NULL;
}

/* ---- lower bound: lo + exp(u) ---- */

static gen_array *lower_fwd(const gen_bijection *b, const gen_array *u) {
    return gen_add(b->params[0], gen_exp(u));
}
static gen_array *lower_inv(const gen_bijection *b, const gen_array *x) {
    return gen_log(gen_sub(x, b->params[0]));
}
static gen_array *lower_logdet(const gen_bijection *b, const gen_array *u) {
    return gen_broadcast_to(gen_cast(u, arr_float_type((gen_dtype)u->dtype)),
                            u->ndim > b->params[0]->ndim ? u->ndim : b->params[0]->ndim,
                            u->ndim > b->params[0]->ndim ? u->shape : b->params[0]->shape);
}
static const bij_kind lower_kind = {"lower_bound", 0, GEN_SUPPORT_GREATER_THAN, lower_fwd, lower_inv,
                                    lower_logdet, NULL, NULL};
gen_bijection *gen_bijection_lower_bound(const gen_array *lo) {
    if (!lo) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_bijection_lower_bound: lo is NULL");
        return NULL;
    }
    return bij_new(&lower_kind, lo, NULL, NULL);
}

/* ---- upper bound: hi - exp(u) (Stan's real<upper=hi>) ---- */

static gen_array *upper_fwd(const gen_bijection *b, const gen_array *u) {
    return gen_sub(b->params[0], gen_exp(u));
}
static gen_array *upper_inv(const gen_bijection *b, const gen_array *x) {
    return gen_log(gen_sub(b->params[0], x));
}
static const bij_kind upper_kind = {"upper_bound", 0, GEN_SUPPORT_LESS_THAN, upper_fwd, upper_inv,
                                    lower_logdet, NULL, NULL}; /* |d/du| = exp(u) as for lo + exp(u) */
gen_bijection *gen_bijection_upper_bound(const gen_array *hi) {
    if (!hi) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_bijection_upper_bound: hi is NULL");
        return NULL;
    }
    return bij_new(&upper_kind, hi, NULL, NULL);
}

/* ---- interval: lo + (hi - lo) sigmoid(u), with infinite ends handled elementwise:
 * (lo, inf) -> lo + exp(u), (-inf, hi) -> hi - exp(-u), (-inf, inf) -> u. Each branch
 * is computed at safe inputs so no NaN reaches values or gradients. ---- */

typedef struct interval_parts {
    gen_array *lo_fin, *hi_fin, *both, *only_lo, *only_hi, *lo, *hi, *width;
} interval_parts;

static interval_parts interval_split(const gen_bijection *b) {
    interval_parts p;
    gen_array *zero = gen_scalar(0.0);
    p.lo_fin = gen_isfinite(b->params[0]);
    p.hi_fin = gen_isfinite(b->params[1]);
    p.both = gen_logical_and(p.lo_fin, p.hi_fin);
    p.only_lo = gen_logical_and(p.lo_fin, gen_logical_not(p.hi_fin));
    p.only_hi = gen_logical_and(gen_logical_not(p.lo_fin), p.hi_fin);
    p.lo = gen_where(p.lo_fin, b->params[0], zero);
    p.hi = gen_where(p.hi_fin, b->params[1], zero);
    p.width = gen_where(p.both, gen_sub(p.hi, p.lo), gen_scalar(1.0));
    return p;
}

static gen_array *interval_fwd(const gen_bijection *b, const gen_array *u) {
    interval_parts p = interval_split(b);
    gen_array *sig = gen_add(p.lo, gen_mul(p.width, gen_sigmoid(u)));
    gen_array *up = gen_add(p.lo, gen_exp(u)), *down = gen_sub(p.hi, gen_exp(gen_neg(u)));
    return gen_where(p.both, sig, gen_where(p.only_lo, up, gen_where(p.only_hi, down, u)));
}

static gen_array *interval_inv(const gen_bijection *b, const gen_array *x) {
    interval_parts p = interval_split(b);
    gen_array *half = gen_scalar(0.5), *one = gen_scalar(1.0);
    /* logit((x - lo)/width) at safe points for the other branches */
    gen_array *t = gen_where(p.both, gen_div(gen_sub(x, p.lo), p.width), half);
    gen_array *logit = gen_sub(gen_log(t), gen_log1p(gen_neg(t)));
    gen_array *dlo = gen_where(p.only_lo, gen_sub(x, p.lo), one);
    gen_array *dhi = gen_where(p.only_hi, gen_sub(p.hi, x), one);
    return gen_where(p.both, logit, gen_where(p.only_lo, gen_log(dlo),
                                              gen_where(p.only_hi, gen_neg(gen_log(dhi)), x)));
}

static gen_array *interval_logdet(const gen_bijection *b, const gen_array *u) {
    interval_parts p = interval_split(b);
    gen_array *fu = gen_cast(u, arr_float_type((gen_dtype)u->dtype));
    /* log(width) + log sigmoid(u) + log sigmoid(-u) */
    gen_array *sig = gen_add(gen_log(p.width), gen_add(gen_log_sigmoid(fu), gen_log_sigmoid(gen_neg(fu))));
    return gen_where(p.both, sig, gen_where(p.only_lo, fu, gen_where(p.only_hi, gen_neg(fu), gen_mul(fu, gen_scalar(0.0)))));
}

static const bij_kind interval_kind = {"interval", 0, GEN_SUPPORT_INTERVAL, interval_fwd, interval_inv,
                                       interval_logdet, NULL, NULL};
gen_bijection *gen_bijection_interval(const gen_array *lo, const gen_array *hi) {
    if (!lo || !hi) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_bijection_interval: lo or hi is NULL");
        return NULL;
    }
    if (dist_check_less("gen_bijection_interval", "lo", lo, "hi", hi) != GEN_OK) return NULL;
    return bij_new(&interval_kind, lo, hi, NULL);
}

/* ---- composition: x = f(g(u)) ---- */

typedef struct compose_pair {
    gen_bijection *f, *g;
} compose_pair;

/* The parts' functions take a value, never NULL: a failed first part (out of memory)
 * ends the composition with its error. */
static gen_array *compose_fwd(const gen_bijection *b, const gen_array *u) {
    const compose_pair *c = b->extra;
    gen_array *v = c->g->kind->forward(c->g, u);
    return v ? c->f->kind->forward(c->f, v) : NULL;
}
static gen_array *compose_inv(const gen_bijection *b, const gen_array *x) {
    const compose_pair *c = b->extra;
    gen_array *v = c->f->kind->inverse(c->f, x);
    return v ? c->g->kind->inverse(c->g, v) : NULL;
}
static gen_array *compose_logdet(const gen_bijection *b, const gen_array *u) {
    const compose_pair *c = b->extra;
    /* Each part's log-det is summed over its own unconstrained event axes; sum the rest
     * to the composite's. */
    gen_array *lg = dist_sum_last(c->g->kind->log_det(c->g, u), b->in_event_ndim - c->g->in_event_ndim);
    gen_array *v = c->g->kind->forward(c->g, u);
    if (!v) return NULL;
    gen_array *lf = dist_sum_last(c->f->kind->log_det(c->f, v), b->in_event_ndim - c->f->in_event_ndim);
    return gen_add(lg, lf);
}
static gen_status compose_shape(const gen_bijection *b, int ndim, const int64_t *shape, int *on,
                                int64_t *os) {
    const compose_pair *c = b->extra;
    int mid_n;
    int64_t mid[GEN_MAX_DIMS];
    gen_status st = gen_bijection_unconstrained_shape(c->f, ndim, shape, &mid_n, mid);
    return st != GEN_OK ? st : gen_bijection_unconstrained_shape(c->g, mid_n, mid, on, os);
}
static void compose_free(gen_bijection *b) {
    compose_pair *c = b->extra;
    gen_bijection_release(c->f);
    gen_bijection_release(c->g);
    core_free(c, sizeof *c);
}
static const bij_kind compose_kind = {"compose", 0, GEN_SUPPORT_CUSTOM, compose_fwd, compose_inv,
                                      compose_logdet, compose_shape, compose_free};

gen_bijection *gen_bijection_compose(const gen_bijection *f, const gen_bijection *g) {
    if (!f || !g) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_bijection_compose: NULL bijection");
        return NULL;
    }
    compose_pair *c = core_alloc(sizeof *c);
    if (!c) return NULL;
    c->f = gen_bijection_retain((gen_bijection *)f);
    c->g = gen_bijection_retain((gen_bijection *)g);
    gen_bijection *b = bij_new(&compose_kind, NULL, NULL, c);
    if (!b) return NULL; /* bij_new freed c through compose_free */
    b->event_ndim = f->event_ndim > g->event_ndim ? f->event_ndim : g->event_ndim;
    b->in_event_ndim = f->in_event_ndim > g->in_event_ndim ? f->in_event_ndim : g->in_event_ndim;
    return b;
}

/* ---- user callbacks ---- */

typedef struct custom_bij {
    gen_bijection_callbacks cb;
    void *payload;
    bij_kind kind; /* per instance: carries the name, event_ndim and codomain */
} custom_bij;

/* fn(payload, v), guarded (core_guard_begin): NULL when it left the scopes unbalanced. */
static gen_array *custom_call(const gen_bijection *b, gen_array *(*fn)(void *, const gen_array *), const char *what,
                              const gen_array *v) {
    const custom_bij *c = b->extra;
    core_guard g = core_guard_begin();
    gen_array *r = fn(c->payload, v);
    return CORE_GUARD_END(g, r ? GEN_OK : GEN_ERR_CALLBACK, what, "bijection '%s'", b->kind->name) == GEN_OK ? r : NULL;
}
static gen_array *custom_fwd(const gen_bijection *b, const gen_array *u) {
    return custom_call(b, ((const custom_bij *)b->extra)->cb.forward, "forward", u);
}
static gen_array *custom_inv(const gen_bijection *b, const gen_array *x) {
    return custom_call(b, ((const custom_bij *)b->extra)->cb.inverse, "inverse", x);
}
static gen_array *custom_logdet(const gen_bijection *b, const gen_array *u) {
    return custom_call(b, ((const custom_bij *)b->extra)->cb.log_det_jacobian, "log_det_jacobian", u);
}
static void custom_free(gen_bijection *b) {
    custom_bij *c = b->extra;
    if (c->cb.free_payload) c->cb.free_payload(c->payload);
    core_free(c, sizeof *c);
}

gen_bijection *gen_bijection_custom(const gen_bijection_callbacks *cb, void *payload) {
    if (!cb || !cb->forward || !cb->inverse || !cb->log_det_jacobian || cb->event_ndim < 0) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_bijection_custom: forward, inverse and log_det_jacobian are required");
        return NULL;
    }
    custom_bij *c = core_alloc(sizeof *c);
    if (!c) return NULL;
    c->cb = *cb;
    c->payload = payload;
    c->kind = (bij_kind){cb->name ? cb->name : "custom", cb->event_ndim, cb->codomain,
                         custom_fwd, custom_inv, custom_logdet, NULL, custom_free};
    gen_bijection *b = core_calloc(1, sizeof *b);
    if (!b) {
        core_free(c, sizeof *c);
        return NULL;
    }
    /* Built by hand: the kind lives in the instance, so bij_new's static kind does not fit. */
    atomic_init(&b->refcount, 1);
    b->kind = &c->kind;
    b->event_ndim = cb->event_ndim;
    b->in_event_ndim = cb->event_ndim > 1 ? 1 : cb->event_ndim;
    b->extra = c;
    gen_status s = core_scope_own(b, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return b;
    bij_free(b);
    return NULL;
}
