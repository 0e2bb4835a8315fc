/* check.c — parameter checks shared by the families: each scans the values once and
 * names the family, the parameter, the bad value and its index. Values on a device are
 * checked there (a bool per element, reduced, one value read back: one synchronizing
 * copy of one byte); only a failing check copies them to the host to name the culprit. */
#include <math.h>
#include <stdio.h>

#include "dist_int.h"
#include "../array/autodiff_int.h"

const char *dist_index_str(const gen_array *a, int64_t i, char *buf, size_t n) {
    int64_t idx[GEN_MAX_DIMS];
    for (int d = a->ndim - 1; d >= 0; d--) {
        idx[d] = a->shape[d] ? i % a->shape[d] : 0;
        i = a->shape[d] ? i / a->shape[d] : 0;
    }
    return arr_shape_str(a->ndim, idx, buf, n);
}

static gen_status check_null(const char *family, const char *name, const gen_array *a) {
    if (a) return CORE_UNLIKELY(a->tuple) ? arr_tuple_fail(family, name) : GEN_OK;
    if (core_error_pending()) return core_error_pending();
    return GEN_FAIL(GEN_ERR_MISUSE, "%s: parameter %s is NULL", family, name);
}

static bool is_positive(double v) { return v > 0; }
static bool is_nonnegative(double v) { return v >= 0; }
static bool is_finite(double v) { return isfinite(v); }

/* A vectorizable scan of f64 elements for the common predicates: true when all pass
 * (false also means "not known": the exact loop below then finds the culprit). */
static bool fast_all(const gen_array *a, bool (*pred)(double)) {
    if (a->dtype != GEN_F64) return false;
    const double *x = a->data;
    int64_t n = a->size;
    int bad = 0;
    if (pred == is_finite) { /* all exponent bits set: an infinity or NaN */
        const uint64_t *u = a->data, e = (uint64_t)0x7ff << 52;
        uint64_t any = 0;
        for (int64_t i = 0; i < n; i++) any |= (u[i] & e) == e;
        return !any;
    } else if (pred == is_positive)
        for (int64_t i = 0; i < n; i++) bad |= !(x[i] > 0);
    else if (pred == is_nonnegative)
        for (int64_t i = 0; i < n; i++) bad |= !(x[i] >= 0);
    else
        return false;
    return !bad;
}

/* ---- device values: the check computed on the device ---- */

/* A bool array (any shape) saying which elements of a (and b) pass, built with ops. */
typedef gen_array *(*device_ok_fn)(const gen_array *a, const gen_array *b);

static gen_array *ok_positive(const gen_array *a, const gen_array *b) { (void)b; return gen_gt(a, gen_scalar(0)); }
static gen_array *ok_nonnegative(const gen_array *a, const gen_array *b) { (void)b; return gen_ge(a, gen_scalar(0)); }
static gen_array *ok_finite(const gen_array *a, const gen_array *b) { (void)b; return gen_isfinite(a); }
static gen_array *ok_number(const gen_array *a, const gen_array *b) { (void)b; return gen_logical_not(gen_isnan(a)); }
static gen_array *ok_probability(const gen_array *a, const gen_array *b) {
    (void)b;
    return gen_logical_and(gen_ge(a, gen_scalar(0)), gen_le(a, gen_scalar(1)));
}
static gen_array *ok_count(const gen_array *a, const gen_array *b) {
    (void)b;
    return gen_logical_and(gen_logical_and(gen_ge(a, gen_scalar(0)), gen_isfinite(a)), gen_eq(gen_floor(a), a));
}
static gen_array *ok_positive_finite(const gen_array *a, const gen_array *b) {
    (void)b;
    return gen_logical_and(gen_gt(a, gen_scalar(0)), gen_lt(a, gen_scalar(INFINITY)));
}
static gen_array *ok_less(const gen_array *a, const gen_array *b) { return gen_lt(a, b); }
static gen_array *ok_less_equal(const gen_array *a, const gen_array *b) { return gen_le(a, b); }

bool dist_device_all(gen_array *(*ok)(const gen_array *a, const gen_array *b), const gen_array *a,
                     const gen_array *b) {
    bool had_error = core_error_pending() != GEN_OK;
    unsigned token = ad_pause_all();
    int64_t batch = arr_batch_suspend();
    bool all = false, read = false;
    if (gen_scope_begin() == GEN_OK) {
        /* Read through a host copy, not gen_item: under a capture a captured value's
         * check is already a node of the graph (capture_check), so its outcome here
         * decides only this run and must not refuse the capture. */
        gen_array *r = gen_all(ok(a, b), 0, NULL, false);
        gen_array *h = r ? arr_host_ref(r) : NULL;
        read = h != NULL;
        all = read && arr_get_f64(h, 0) != 0;
        gen_array_release(h);
        gen_scope_end();
    }
    arr_batch_resume(batch);
    ad_resume_all(token);
    if (!read && !had_error) gen_error_clear(); /* the host copy decides, and says why */
    return all;
}

static bool is_positive(double v);
static bool is_nonnegative(double v);
static bool is_finite(double v);
static bool is_number(double v);
static bool is_probability(double v);
static bool is_count(double v);

/* The device form of a check's predicate, NULL for one that has none (a host copy then). */
static device_ok_fn device_form(bool (*pred)(double)) {
    return pred == is_positive      ? ok_positive
           : pred == is_nonnegative ? ok_nonnegative
           : pred == is_finite      ? ok_finite
           : pred == is_number      ? ok_number
           : pred == is_probability ? ok_probability
           : pred == is_count       ? ok_count
                                    : NULL;
}

/* A device's values: checked there when the predicate has a device form; on a host copy
 * when it has none or an element fails (to name it). */
static gen_status check_each_device(const char *family, const char *name, const gen_array *a,
                                    bool (*pred)(double), const char *what) {
    device_ok_fn ok = device_form(pred);
    if (ok && dist_device_all(ok, a, NULL)) return GEN_OK;
    gen_array *h = arr_host_ref(a);
    gen_status st = h ? dist_check_each(family, name, h, pred, what) : core_error_pending();
    gen_array_release(h);
    return st;
}

/* A check of a value a capture tracks becomes a node of its graph (the compiled code
 * checks every run), then runs here on the value at hand like any other. */
static gen_status capture_check(const char *family, const char *name, const gen_array *a, bool (*pred)(double),
                                const char *what, int kind, const char *name_b, const gen_array *b) {
    ad_check c = {.pred = pred, .kind = kind};
    snprintf(c.family, sizeof c.family, "%s", family);
    snprintf(c.name, sizeof c.name, "%s", name);
    snprintf(c.what, sizeof c.what, "%s", what ? what : name_b);
    return ad_capture_check(a, b, &c);
}

gen_status dist_check_each(const char *family, const char *name, const gen_array *a,
                           bool (*pred)(double), const char *what) {
    gen_status st = check_null(family, name, a);
    if (st != GEN_OK) return st;
    if (ad_captured(a) && (st = capture_check(family, name, a, pred, what, AD_CHECK_EACH, NULL, NULL)) != GEN_OK)
        return st;
    if (CORE_UNLIKELY(!arr_on_host(a))) return check_each_device(family, name, a, pred, what);
    if (fast_all(a, pred)) return GEN_OK;
    for (int64_t i = 0; i < a->size; i++) {
        double v = arr_get_f64(a, i);
        if (!pred(v)) {
            char buf[ARR_SHAPE_STR_MAX];
            return DIST_REFUSE("%s: %s must be %s, got %g at index %s", family, name,
                               what, v, dist_index_str(a, i, buf, sizeof buf));
        }
    }
    return GEN_OK;
}

static bool is_number(double v) { return !isnan(v); }
static bool is_probability(double v) { return v >= 0 && v <= 1; }
static bool is_count(double v) { return v >= 0 && v == floor(v) && isfinite(v); }

gen_status dist_check_positive(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_positive, "> 0");
}

gen_status dist_check_nonnegative(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_nonnegative, ">= 0");
}

gen_status dist_check_finite(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_finite, "finite");
}

gen_status dist_check_positive_finite(const char *family, const char *name, const gen_array *a) {
    if (a && !a->tuple && a->dtype == GEN_F64 && arr_on_host(a) && !ad_captured(a)) { /* one scan for both */
        const double *x = a->data;
        int bad = 0;
        for (int64_t i = 0; i < a->size; i++) bad |= !(x[i] > 0 && x[i] < INFINITY);
        if (!bad) return GEN_OK;
    } else if (a && !a->tuple && !arr_on_host(a) && !ad_captured(a) && dist_device_all(ok_positive_finite, a, NULL)) {
        return GEN_OK; /* both on the device in one pass */
    }
    gen_status st = dist_check_positive(family, name, a);
    return st == GEN_OK ? dist_check_finite(family, name, a) : st;
}

gen_status dist_check_not_nan(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_number, "a number (not NaN)");
}

gen_status dist_check_unit_interval(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_probability, "in [0, 1]");
}

gen_status dist_check_count(const char *family, const char *name, const gen_array *a) {
    return dist_check_each(family, name, a, is_count, "a nonnegative integer");
}

/* a < b (strict) or a <= b elementwise after broadcasting. */
static gen_status check_ordered(const char *family, const char *name_a, const gen_array *a,
                                const char *name_b, const gen_array *b, bool strict) {
    gen_status st = check_null(family, name_a, a);
    if (st == GEN_OK) st = check_null(family, name_b, b);
    if (st != GEN_OK) return st;
    if (CORE_UNLIKELY(!arr_on_host(a) || !arr_on_host(b))) { /* on the device; a failure on host copies */
        if (!ad_captured(a) && !ad_captured(b) && dist_device_all(strict ? ok_less : ok_less_equal, a, b))
            return GEN_OK;
        gen_array *ha = arr_host_ref(a), *hb = ha ? arr_host_ref(b) : NULL;
        st = hb ? check_ordered(family, name_a, ha, name_b, hb, strict) : core_error_pending();
        gen_array_release(ha);
        gen_array_release(hb);
        return st;
    }
    int nd;
    int64_t shape[GEN_MAX_DIMS], sa[GEN_MAX_DIMS], sb[GEN_MAX_DIMS];
    if ((st = arr_broadcast_shapes(family, a->ndim, a->shape, b->ndim, b->shape, &nd, shape)) != GEN_OK)
        return st;
    if ((ad_captured(a) || ad_captured(b)) &&
        (st = capture_check(family, name_a, a, NULL, NULL, strict ? AD_CHECK_LESS : AD_CHECK_LESS_EQUAL, name_b, b)) !=
            GEN_OK)
        return st;
    arr_broadcast_strides(a, nd, shape, sa);
    arr_broadcast_strides(b, nd, shape, sb);
    int64_t n = arr_shape_size(nd, shape);
    for (int64_t i = 0; i < n; i++) {
        int64_t rem = i, ia = 0, ib = 0;
        for (int d = nd - 1; d >= 0; d--) {
            int64_t k = rem % shape[d];
            rem /= shape[d];
            ia += k * sa[d];
            ib += k * sb[d];
        }
        double va = arr_get_f64(a, ia), vb = arr_get_f64(b, ib);
        if (strict ? !(va < vb) : !(va <= vb))
            return DIST_REFUSE("%s: %s must be %s %s, got %g and %g", family, name_a,
                               strict ? "<" : "<=", name_b, va, vb);
    }
    return GEN_OK;
}

gen_status dist_check_less(const char *family, const char *name_a, const gen_array *a,
                           const char *name_b, const gen_array *b) {
    return check_ordered(family, name_a, a, name_b, b, true);
}

gen_status dist_check_less_equal(const char *family, const char *name_a, const gen_array *a,
                                 const char *name_b, const gen_array *b) {
    return check_ordered(family, name_a, a, name_b, b, false);
}

gen_status dist_check_rank(const char *family, const char *name, const gen_array *a, int ndim,
                           bool square) {
    gen_status st = check_null(family, name, a);
    if (st != GEN_OK) return st;
    char s[ARR_SHAPE_STR_MAX];
    if (a->ndim < ndim)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s must have at least %d dimension%s, got shape %s",
                        family, name, ndim, ndim == 1 ? "" : "s",
                        arr_shape_str(a->ndim, a->shape, s, sizeof s));
    if (square && a->shape[a->ndim - 1] != a->shape[a->ndim - 2])
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s must be square, got shape %s", family, name,
                        arr_shape_str(a->ndim, a->shape, s, sizeof s));
    return GEN_OK;
}

/* Rows >= 0 whose sums are within b (a 0-d tolerance) of 1. */
static gen_array *ok_simplex(const gen_array *a, const gen_array *b) {
    gen_array *rows = gen_all(gen_ge(a, gen_scalar(0)), GEN_AXES(-1), false);
    return gen_logical_and(rows, gen_le(gen_abs(gen_sub(gen_sum(a, GEN_AXES(-1), false), gen_scalar(1))), b));
}

static double simplex_tol(const gen_array *a, int64_t k) {
    return (a->dtype == GEN_F32 ? 1e-6 : 1e-8) * (double)k; /* f32 rounding */
}

gen_status dist_check_simplex(const char *family, const char *name, const gen_array *a) {
    gen_status st = dist_check_rank(family, name, a, 1, false);
    if (st != GEN_OK) return st;
    if (ad_captured(a)) ad_capture_refuse(a, "a simplex check of a parameter");
    int64_t k = a->shape[a->ndim - 1], rows = k ? a->size / k : 0;
    if (CORE_UNLIKELY(!arr_on_host(a))) { /* on the device; a failure on a host copy */
        gen_array *tol = arr_alloc_scalar(GEN_F64);
        if (tol) *(double *)tol->data = simplex_tol(a, k);
        bool ok = tol && dist_device_all(ok_simplex, a, tol);
        gen_array_release(tol);
        if (ok) return GEN_OK;
        gen_array *h = arr_host_ref(a);
        st = h ? dist_check_simplex(family, name, h) : core_error_pending();
        gen_array_release(h);
        return st;
    }
    for (int64_t r = 0; r < rows; r++) {
        double sum = 0;
        for (int64_t j = 0; j < k; j++) {
            double v = arr_get_f64(a, r * k + j);
            if (!(v >= 0)) {
                char buf[ARR_SHAPE_STR_MAX];
                return DIST_REFUSE("%s: %s must be >= 0, got %g at index %s", family,
                                   name, v, dist_index_str(a, r * k + j, buf, sizeof buf));
            }
            sum += v;
        }
        double tol = simplex_tol(a, k);
        if (!(fabs(sum - 1) <= tol)) {
            char buf[ARR_SHAPE_STR_MAX];
            return DIST_REFUSE("%s: %s must sum to 1, got %.17g for the row at index %s",
                               family, name, sum, dist_index_str(a, r * k, buf, sizeof buf));
        }
    }
    return GEN_OK;
}

/* ---- C loops over values ---- */

const double *dist_host_f64(const gen_array *p, int ndim, const int64_t *shape) {
    gen_array *a = gen_broadcast_to(gen_cast(gen_stop_gradient(p), GEN_F64), ndim, shape);
    if (a && !arr_on_host(a)) a = arr_publish(arr_host_ref(a));
    return a ? a->data : NULL;
}

gen_array *dist_place(const gen_dist *d, gen_array *r) {
    for (int i = 0; r && i < d->n_params; i++)
        if (!arr_on_host(d->params[i]))
            return arr_publish(arr_copy_to_backend(d->family->name, r, arr_backend_of(d->params[i])));
    return r && arr_creation_be ? arr_publish(arr_to_creation_device(d->family->name, arr_retain(r))) : r;
}

gen_array *dist_to_device_of(const char *fn, gen_array *r, const gen_array *like) {
    if (!r || arr_on_host(like)) return r;
    gen_array *c = arr_copy_to_backend(fn, r, arr_backend_of(like));
    gen_array_release(r);
    return c;
}

const gen_array *dist_beside(const gen_array *a, const gen_array *like) {
    if (!a || !like || !a->buf || arr_backend_of(a) == arr_backend_of(like)) return a;
    return arr_publish(arr_copy_to_backend("dist_beside", a, arr_backend_of(like)));
}

gen_array *dist_one_hot(const gen_array *idx, int64_t k) {
    const gen_array *on[1] = {idx};
    const backend *saved = dist_follow(1, on);
    gen_array *r = gen_eq(gen_expand_dims(idx, -1), gen_arange(0, (double)k, 1, GEN_I64));
    arr_creation_restore(saved);
    return r;
}

/* ---- logpdf helpers ---- */

gen_array *dist_const(const gen_array *like, double v) {
    gen_dtype t = like && like->dtype == GEN_F32 ? GEN_F32 : GEN_F64;
    return t == GEN_F32 ? gen_scalar_f32((float)v) : gen_scalar(v);
}

gen_array *dist_mask_support(const gen_array *ok, const gen_array *value) {
    return gen_where(ok, value, dist_const(value, -INFINITY));
}

gen_array *dist_safe(const gen_array *ok, const gen_array *x, double safe) {
    return gen_where(ok, x, dist_const(x, safe));
}

gen_array *dist_sum_last(const gen_array *x, int n) {
    if (!x || n == 0) return (gen_array *)x;
    int axes[GEN_MAX_DIMS];
    for (int i = 0; i < n; i++) axes[i] = x->ndim - n + i;
    return gen_sum(x, n, axes, false);
}

/* ---- support scans: read values directly (they pick a code path, not a value) ---- */

bool dist_all_true(const gen_array *mask) {
    if (!arr_on_host(mask) || ad_captured(mask)) return false; /* not known without a copy: callers then take the general path */
    for (int64_t i = 0; i < mask->size; i++)
        if (arr_get_f64(mask, i) == 0) return false;
    return true;
}

bool dist_all_between(const gen_array *x, double lo, double hi) {
    if (!arr_on_host(x) || ad_captured(x)) return false; /* not known without a copy: callers then take the general path */
    if (x->dtype == GEN_F64) {
        const double *v = x->data;
        for (int64_t i = 0; i < x->size; i++)
            if (!(v[i] >= lo && v[i] <= hi)) return false;
        return true;
    }
    for (int64_t i = 0; i < x->size; i++) {
        double v = arr_get_f64(x, i);
        if (!(v >= lo && v <= hi)) return false;
    }
    return true;
}
