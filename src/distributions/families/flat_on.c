/* flat_on.c — gen_flat_on: the improper flat density over a support (Stan's parameter
 * declaration with no prior): log density 0 on the support, -inf off it. One family
 * table per kind (the kind is the table's index; the bounds are the parameters, lo then
 * hi, as the kind takes them), no sampler; gradient-based inference takes the support's
 * bijection. */
#include <math.h>
#include <string.h>

#include "mv_util.h"

static const char *const lo_names[] = {"lo"};
static const char *const hi_names[] = {"hi"};
static const char *const lohi_names[] = {"lo", "hi"};

static gen_support_kind kind_of(const gen_dist *d);

/* The bounds among the parameters: lo first when there is one. */
static const gen_array *lo_of(const gen_dist *d) {
    gen_support_kind k = kind_of(d);
    return k == GEN_SUPPORT_GREATER_THAN || k == GEN_SUPPORT_INTERVAL ? d->params[0] : NULL;
}
static const gen_array *hi_of(const gen_dist *d) {
    gen_support_kind k = kind_of(d);
    return k == GEN_SUPPORT_LESS_THAN ? d->params[0] : k == GEN_SUPPORT_INTERVAL ? d->params[1] : NULL;
}

static gen_array *all_last(const gen_array *ok, int n) {
    int axes[GEN_MAX_DIMS];
    for (int i = 0; i < n; i++) axes[i] = ok ? ok->ndim - n + i : 0;
    return n ? gen_all(ok, n, axes, false) : (gen_array *)ok;
}

/* Elementwise membership of the scalar kinds (finite values). */
static gen_array *scalar_ok(gen_support_kind kind, const gen_dist *d, const gen_array *x) {
    gen_array *ok = gen_isfinite(x);
    switch (kind) {
    case GEN_SUPPORT_POSITIVE: return gen_logical_and(ok, gen_gt(x, dist_const(x, 0)));
    case GEN_SUPPORT_GREATER_THAN: return gen_logical_and(ok, gen_ge(x, lo_of(d)));
    case GEN_SUPPORT_LESS_THAN: return gen_logical_and(ok, gen_le(x, hi_of(d)));
    case GEN_SUPPORT_INTERVAL: return gen_logical_and(ok, gen_logical_and(gen_ge(x, lo_of(d)), gen_le(x, hi_of(d))));
    default: return ok; /* REAL */
    }
}

/* Membership of vectors (last axis): bool of x's shape without it. */
static gen_array *vector_ok(gen_support_kind kind, const gen_array *x) {
    int64_t k = x->shape[x->ndim - 1];
    gen_array *fin = gen_all(gen_isfinite(x), GEN_AXES(-1), false);
    if (kind == GEN_SUPPORT_ORDERED || kind == GEN_SUPPORT_POSITIVE_ORDERED) {
        gen_array *up = gen_gt(gen_slice(x, -1, 1, GEN_END, 1), gen_slice(x, -1, 0, k - 1, 1));
        gen_array *ok = gen_logical_and(fin, gen_all(up, GEN_AXES(-1), false));
        if (kind == GEN_SUPPORT_ORDERED) return ok;
        return gen_logical_and(ok, gen_all(gen_gt(gen_slice(x, -1, 0, 1, 1), dist_const(x, 0)), GEN_AXES(-1), false));
    }
    gen_array *sum = gen_sum(kind == GEN_SUPPORT_UNIT_VECTOR ? gen_square(x) : x, GEN_AXES(-1), false);
    gen_array *err = gen_abs(gen_sub(sum, dist_const(x, 1)));
    if (kind == GEN_SUPPORT_UNIT_VECTOR) /* gen_unit_vector's tolerance */
        return gen_le(err, dist_const(x, x->dtype == GEN_F32 ? 1e-4 : 1e-8));
    /* SIMPLEX: dirichlet's tolerance */
    gen_array *nonneg = gen_all(gen_ge(x, dist_const(x, 0)), GEN_AXES(-1), false);
    double tol = (x->dtype == GEN_F32 ? 1e-5 : 1e-10) * (double)k;
    return gen_logical_and(gen_logical_and(fin, nonneg), gen_le(err, dist_const(x, tol)));
}

/* Membership of matrices (last two axes): bool of x's shape without them. */
static gen_array *matrix_ok(gen_support_kind kind, const gen_array *x) {
    if (kind == GEN_SUPPORT_POSITIVE_DEFINITE) return mv_spd_mask(x);
    int64_t m = x->shape[x->ndim - 2], n = x->shape[x->ndim - 1];
    gen_dtype t = (gen_dtype)x->dtype;
    gen_array *rows = gen_reshape(gen_arange(0, (double)m, 1, t), GEN_DIMS(m, 1)), *cols = gen_arange(0, (double)n, 1, t);
    gen_array *above = gen_gt(cols, rows), *diag = gen_eq(cols, rows);
    /* finite, zeros above the diagonal, a positive diagonal */
    gen_array *ok = gen_logical_and(gen_isfinite(x), gen_logical_not(gen_logical_and(above, gen_ne(x, dist_const(x, 0)))));
    ok = gen_logical_and(ok, gen_logical_not(gen_logical_and(diag, gen_le(x, dist_const(x, 0)))));
    ok = gen_all(ok, GEN_AXES(-2, -1), false);
    if (kind == GEN_SUPPORT_CHOLESKY_COV) return ok;
    /* CORR_CHOLESKY: rows of unit norm (lkj_cholesky's tolerance) */
    gen_array *err = gen_abs(gen_sub(gen_sum(gen_square(x), GEN_AXES(-1), false), dist_const(x, 1)));
    double tol = t == GEN_F32 ? 1e-4 : 1e-8;
    return gen_logical_and(ok, gen_all(gen_le(err, dist_const(x, tol)), GEN_AXES(-1), false));
}

static gen_array *flat_on_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *xf = gen_cast(x, arr_float_type((gen_dtype)x->dtype));
    if (!xf) return NULL;
    gen_support_kind kind = kind_of(d);
    gen_array *ok;
    int rest; /* event axes left to reduce */
    switch (kind) {
    case GEN_SUPPORT_ORDERED:
    case GEN_SUPPORT_POSITIVE_ORDERED:
    case GEN_SUPPORT_UNIT_VECTOR:
    case GEN_SUPPORT_SIMPLEX: ok = vector_ok(kind, xf), rest = d->event_ndim - 1; break;
    case GEN_SUPPORT_CORR_CHOLESKY:
    case GEN_SUPPORT_CHOLESKY_COV:
    case GEN_SUPPORT_POSITIVE_DEFINITE: ok = matrix_ok(kind, xf), rest = d->event_ndim - 2; break;
    default: ok = scalar_ok(kind, d, xf), rest = d->event_ndim; break;
    }
    return dist_mask_support(all_last(ok, rest), dist_const(xf, 0));
}

static gen_status flat_on_support(const gen_dist *d, gen_support *out) {
    out->kind = kind_of(d);
    out->lo = lo_of(d);
    out->hi = hi_of(d);
    return GEN_OK;
}

/* What each kind takes: bounds (0 none, 1 lo, 2 hi, 3 both) and the event rank it needs
 * (-1: any) with the least size of its last axis. */
typedef struct kind_rule {
    int bounds, rank;
    int64_t min_last;
} kind_rule;

#define FLAT_ON(k, names) \
    [k] = {.name = "flat_on", .param_names = names, .logpdf = flat_on_logpdf, .support = flat_on_support}
static const dist_family families[GEN_SUPPORT_CUSTOM] = {
    FLAT_ON(GEN_SUPPORT_REAL, NULL),
    FLAT_ON(GEN_SUPPORT_POSITIVE, NULL),
    FLAT_ON(GEN_SUPPORT_GREATER_THAN, lo_names),
    FLAT_ON(GEN_SUPPORT_LESS_THAN, hi_names),
    FLAT_ON(GEN_SUPPORT_INTERVAL, lohi_names),
    FLAT_ON(GEN_SUPPORT_ORDERED, NULL),
    FLAT_ON(GEN_SUPPORT_POSITIVE_ORDERED, NULL),
    FLAT_ON(GEN_SUPPORT_UNIT_VECTOR, NULL),
    FLAT_ON(GEN_SUPPORT_SIMPLEX, NULL),
    FLAT_ON(GEN_SUPPORT_CORR_CHOLESKY, NULL),
    FLAT_ON(GEN_SUPPORT_CHOLESKY_COV, NULL),
    FLAT_ON(GEN_SUPPORT_POSITIVE_DEFINITE, NULL),
};
static const kind_rule rules[GEN_SUPPORT_CUSTOM] = {
    [GEN_SUPPORT_REAL] = {0, -1, 0},
    [GEN_SUPPORT_POSITIVE] = {0, -1, 0},
    [GEN_SUPPORT_GREATER_THAN] = {1, -1, 0},
    [GEN_SUPPORT_LESS_THAN] = {2, -1, 0},
    [GEN_SUPPORT_INTERVAL] = {3, -1, 0},
    [GEN_SUPPORT_ORDERED] = {0, 1, 1},
    [GEN_SUPPORT_POSITIVE_ORDERED] = {0, 1, 1},
    [GEN_SUPPORT_UNIT_VECTOR] = {0, 1, 2},
    [GEN_SUPPORT_SIMPLEX] = {0, 1, 1},
    [GEN_SUPPORT_CORR_CHOLESKY] = {0, 2, 1},
    [GEN_SUPPORT_CHOLESKY_COV] = {0, 2, 1},
    [GEN_SUPPORT_POSITIVE_DEFINITE] = {0, 2, 1},
};

static gen_support_kind kind_of(const gen_dist *d) { return (gen_support_kind)(d->family - families); }

/* The kind's shape rule: GEN_ERR_SHAPE naming the kind and what it needs. */
static gen_status check_shape(gen_support_kind kind, int ndim, const int64_t *shape) {
    const char *name = gen_support_name(kind);
    int rank = rules[kind].rank;
    if (rank < 0) return GEN_OK;
    if (ndim != rank)
        return GEN_FAIL(GEN_ERR_SHAPE, "flat_on: the %s support needs a %s event shape, got %d dimensions", name,
                        rank == 1 ? "vector ([K])" : "matrix", ndim);
    int64_t last = shape[ndim - 1];
    if (last < rules[kind].min_last)
        return GEN_FAIL(GEN_ERR_SHAPE, "flat_on: the %s support needs K >= %lld, got %lld", name,
                        (long long)rules[kind].min_last, (long long)last);
    if (rank == 2 && kind != GEN_SUPPORT_CHOLESKY_COV && shape[0] != shape[1])
        return GEN_FAIL(GEN_ERR_SHAPE, "flat_on: the %s support needs a square event shape [n, n], got [%lld, %lld]",
                        name, (long long)shape[0], (long long)shape[1]);
    if (kind == GEN_SUPPORT_CHOLESKY_COV && shape[0] < shape[1])
        return GEN_FAIL(GEN_ERR_SHAPE, "flat_on: the cholesky_cov support needs M >= N in its event shape [M, N], got [%lld, %lld]",
                        (long long)shape[0], (long long)shape[1]);
    return GEN_OK;
}

/* A bound given or missing against the kind's rule (GEN_ERR_MISUSE). */
static gen_status check_given(gen_support_kind kind, const char *what, const gen_array *b, bool wanted) {
    const char *name = gen_support_name(kind);
    if (!b && wanted) return GEN_FAIL(GEN_ERR_MISUSE, "flat_on: the %s support needs the bound %s (it is NULL)", name, what);
    if (b && !wanted) return GEN_FAIL(GEN_ERR_MISUSE, "flat_on: the %s support takes no bound %s (pass NULL)", name, what);
    return GEN_OK;
}

/* A given bound's values (not NaN; finite for a one-sided bound), then its shape (it
 * broadcasts to the event shape). */
static gen_status check_bound(gen_support_kind kind, const char *what, const gen_array *b, int ndim,
                              const int64_t *shape) {
    if (!b) return GEN_OK;
    gen_status st = kind == GEN_SUPPORT_INTERVAL ? dist_check_not_nan("flat_on", what, b)
                                                 : dist_check_finite("flat_on", what, b);
    if (st != GEN_OK) return st;
    int nd;
    int64_t out[GEN_MAX_DIMS];
    bool fits = arr_broadcast_shapes("flat_on", b->ndim, b->shape, ndim, shape, &nd, out) == GEN_OK && nd == ndim &&
                !memcmp(out, shape, (size_t)ndim * sizeof *shape);
    if (fits) return GEN_OK;
    gen_error_clear();
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE, "flat_on: the bound %s of shape %s does not broadcast to the event shape %s", what,
                    arr_shape_str(b->ndim, b->shape, s1, sizeof s1), arr_shape_str(ndim, shape, s2, sizeof s2));
}

gen_dist *gen_flat_on(gen_support_kind kind, const gen_array *lo, const gen_array *hi, int ndim,
                      const int64_t *event_shape) {
    if ((unsigned)kind >= GEN_SUPPORT_CUSTOM || !families[kind].logpdf) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "flat_on: no flat density over a %s support", gen_support_name(kind));
        return NULL;
    }
    if (ndim < 0 || ndim > GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_VALUE, "flat_on: ndim must be in 0..%d, got %d", GEN_MAX_DIMS, ndim);
        return NULL;
    }
    if (ndim > 0 && !event_shape) {
        GEN_FAIL(GEN_ERR_MISUSE, "flat_on: the event shape is NULL (ndim %d)", ndim);
        return NULL;
    }
    if (arr_check_shape("flat_on", ndim, event_shape) != GEN_OK || check_shape(kind, ndim, event_shape) != GEN_OK)
        return NULL;
    int bounds = rules[kind].bounds;
    if (check_given(kind, "lo", lo, bounds & 1) != GEN_OK || check_given(kind, "hi", hi, bounds & 2) != GEN_OK ||
        check_bound(kind, "lo", lo, ndim, event_shape) != GEN_OK || check_bound(kind, "hi", hi, ndim, event_shape) != GEN_OK)
        return NULL;
    if (bounds == 3 && dist_check_less("flat_on", "lo", lo, "hi", hi) != GEN_OK) return NULL;
    gen_array *params[2] = {(gen_array *)(lo ? lo : hi), (gen_array *)hi};
    int n = (lo != NULL) + (hi != NULL);
    gen_dtype t = n && params[0]->dtype == GEN_F32 && (n == 1 || hi->dtype == GEN_F32) ? GEN_F32 : GEN_F64;
    return dist_new(&families[kind], t, n, params, 0, NULL, ndim, event_shape);
}
