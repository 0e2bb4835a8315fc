/* dist_int.h — the distribution layer's private structures (prefix dist_ and bij_).
 *
 * A family is a table of functions (like a GSL generator type); a gen_dist is a family
 * plus retained parameter arrays and the batch/event shapes computed by its constructor.
 * Families write logpdf and (reparameterized) samplers with public array ops, so they
 * are differentiable and batched for free; non-reparameterizable samplers call the raw
 * samplers of the random layer. One file per family (src/distributions/families/<family>.c; bijections in bijections/, constructors in constructors/). */
#ifndef GENC_SRC_DIST_INT_H
#define GENC_SRC_DIST_INT_H

#include <stdatomic.h>

#include "../array/backend_api.h"
#include "genc/dist.h"

#define DIST_MAX_PARAMS 4

typedef struct dist_family {
    const char *name;
    const char *const *param_names; /* n_params names, in constructor order */
    bool discrete;
    /* Draws an array of the full shape (sample + batch + event) given in (ndim, shape).
     * Differentiable in the parameters when the family is reparameterizable (then
     * rsample is true and the same function serves gen_dist_rsample). NULL: cannot be
     * simulated (improper priors). */
    gen_array *(*sample)(const gen_dist *d, gen_key key, int ndim, const int64_t *shape);
    bool rsample;
    /* Log density of x (already checked: its shape ends in the event shape; any dtype). */
    gen_array *(*logpdf)(const gen_dist *d, const gen_array *x);
    gen_status (*support)(const gen_dist *d, gen_support *out);
    /* Finite support values [K] + event, or NULL (infinite / continuous). */
    gen_array *(*enumerate)(const gen_dist *d);
    /* Overrides the bijection implied by the support (NULL: the default for the kind). */
    gen_bijection *(*bijection)(const gen_dist *d);
    /* Frees d->extra (constructors holding other distributions, user payloads). */
    void (*free_extra)(gen_dist *d);
    /* d->extra holds only what support / enumerate read (bounds): sample never reads
     * it, so a draw can be made from the parameters alone (draw_site.c). */
    bool extra_is_support;
    /* Optional scalar kernels: the same formulas in plain C for one f64 value with f64
     * scalar parameters (p[i] = parameter i), used when no autodiff transform runs and
     * everything is a scalar (model code's common case). They must give exactly what
     * the array path gives (tests compare them). */
    double (*logpdf1)(const double *p, double x);
    double (*sample1)(const double *p, gen_key key);
    /* Optional: the log density of one f64 value with f64 scalar parameters and its
     * gradient, g[0] = d/dx and g[1 + i] = d/dp[i] (0 outside the support; at its edge
     * the array path's limits, which may be infinite), in plain C. Under one reverse-mode transform (ad_single_reverse) such a logpdf is
     * then one tape node instead of one per op (gen_dist_logpdf); value and gradient
     * must agree with the array path's to rounding (tests compare them). */
    double (*logpdf1_grad)(const double *p, double x, double *g);
    /* ---- CDFs (cdf.c; optional, continuous scalar-event families) ---- */
    /* log F(x), or log(1 - F(x)) when upper, for x already broadcast-checked and finite
     * (cdf.c gives infinities and NaN their values), with array ops, exact in the tail
     * asked for and gradient-safe outside the support (dist_safe). */
    gen_array *(*log_cdf)(const gen_dist *d, const gen_array *x, bool upper);
    /* The x with log F(x) = lp (upper: log(1 - F(x)) = lp), lp <= 0, for one element with
     * f64 parameters p, in C. NULL: no closed form (cdf.c refuses, gen_truncated
     * samples by rejection). */
    double (*quantile1)(const double *p, double lp, bool upper);
} dist_family;

struct gen_dist {
    atomic_int refcount;
    const dist_family *family;
    gen_dtype dtype;
    int n_params;
    gen_array *params[DIST_MAX_PARAMS]; /* retained */
    int batch_ndim, event_ndim;
    int64_t batch_shape[GEN_MAX_DIMS];
    int64_t event_shape[GEN_MAX_DIMS];
    bool batched; /* a parameter (or a child distribution) carries the particle axis */
    void *extra; /* family-specific data, freed by family->free_extra */
};

/* Makes the device of the first of a[0..n) held on a device (NULL entries skipped) the
 * creation device until arr_creation_restore(saved), so that what code makes beside
 * arrays on a device (draws, constants, index tables, bounds) lands on their device and
 * dispatch never mixes devices; with all on the host the default device stays. Returns
 * saved. dist_follow_device: x (when given), else d's parameters. */
static inline const backend *dist_follow(int n, const gen_array *const *a) {
    const backend *saved = arr_creation_be;
    for (int i = 0; i < n; i++)
        if (a[i] && a[i]->buf && !a[i]->buf->host) {
            arr_creation_be = a[i]->buf->backend;
            break;
        }
    return saved;
}
static inline const backend *dist_follow_device(const gen_dist *d, const gen_array *x) {
    const backend *saved = arr_creation_be;
    if (x && x->buf && !x->buf->host) arr_creation_be = x->buf->backend;
    else dist_follow(d->n_params, (const gen_array *const *)d->params);
    return saved;
}

/* Records GEN_ERR_MISUSE "<fn>: <what> is a distribution (normal) that was already
 * released (use after release)" and returns it (d is released: core_dead). */
gen_status dist_dead_fail(const char *fn, const char *what, const gen_dist *d);
/* A new distribution of family f holding params (retained), with the given shapes.
 * Published like an array (scope or caller). NULL on OOM. */
gen_dist *dist_new(const dist_family *f, gen_dtype dtype, int n_params, gen_array *const *params,
                   int batch_ndim, const int64_t *batch_shape, int event_ndim,
                   const int64_t *event_shape);
/* The common case: scalar events, batch = broadcast of all parameter shapes, value dtype
 * f64 (or f32 if every float parameter is f32) unless dtype_override >= 0. Checks the
 * parameters are non-NULL and broadcast (errors name the family). */
gen_dist *dist_new_scalar(const dist_family *f, int n_params, const gen_array *const *params,
                          int dtype_override);

/* d's draw at fold_in(key, hash) as one DRAW op (op.h) on key (two i64 words: a capture
 * leaf) and d's parameters, for a capture of batched generate (n particles, 0: not
 * batched): the value gen_dist_sample gives the dynamic DSL's draw. GEN_ERR_UNSUPPORTED for
 * distributions with data of their own that their sampler reads (constructors, mvnormal's
 * factor). The draw rebuilds the distribution without that data (extra_is_support). */
gen_array *dist_draw_op(const gen_dist *d, const gen_array *key, uint64_t hash, int64_t n);

/* What a DRAW op's site describes (for code generators that write the draw as code:
 * compile/emit_lanes.c): the family's name, the draw's dtype, the parameters' count and
 * particle-axis marks, the address hash folded into the key, the particle count (0: not
 * batched) and whether the distribution carries the particle axis itself. */
typedef struct dist_draw_info {
    const char *family;
    gen_dtype dtype;
    int n_params;
    bool param_batched[DIST_MAX_PARAMS];
    uint64_t hash;
    int64_t n;
    bool batched;
} dist_draw_info;
struct op_draw_site;
dist_draw_info dist_draw_site_info(const struct op_draw_site *site);

/* Whether x can be one value of d: a dtype of its kind (a float for a continuous d, d's
 * own dtype for a discrete one) and, when shape is true, exactly d's batch shape then
 * event shape. Inline: the DSL asks it for every given value (gfi_check_given says
 * what is wrong). */
static inline bool dist_value_fits(const gen_dist *d, const gen_array *x, bool shape) {
    gen_dtype dt = d->dtype, xt = (gen_dtype)x->dtype;
    if (dt != xt && !(arr_is_float(dt) && arr_is_float(xt))) return false;
    if (!shape || (x->ndim == 0 && d->batch_ndim == 0 && d->event_ndim == 0)) return true;
    if (x->ndim != d->batch_ndim + d->event_ndim) return false;
    for (int i = 0; i < d->batch_ndim; i++)
        if (x->shape[i] != d->batch_shape[i]) return false;
    for (int i = 0; i < d->event_ndim; i++)
        if (x->shape[d->batch_ndim + i] != d->event_shape[i]) return false;
    return true;
}

/* ---- parameter checks: GEN_ERR_VALUE "family: name must be ..., got v at index [i]" -- */
/* Records GEN_ERR_VALUE for a parameter value outside its domain, marked (core_error_mark)
 * so that inference takes it, at a point it proposes, for the model rejecting that point
 * (src/infer/reject.c). Every check below reports this way. Evaluates to the status. */
#define DIST_REFUSE(...) (GEN_FAIL(GEN_ERR_VALUE, __VA_ARGS__), core_error_mark(CORE_REJECT_PARAMETER))
/* The first element failing pred is reported as "family: name must be <what>, ...". */
gen_status dist_check_each(const char *family, const char *name, const gen_array *a,
                           bool (*pred)(double), const char *what);
gen_status dist_check_positive(const char *family, const char *name, const gen_array *a);
gen_status dist_check_nonnegative(const char *family, const char *name, const gen_array *a);
gen_status dist_check_finite(const char *family, const char *name, const gen_array *a);
/* dist_check_positive then dist_check_finite (their messages), in one scan when all pass:
 * scales, rates, shapes and concentrations. */
gen_status dist_check_positive_finite(const char *family, const char *name, const gen_array *a);
/* Not NaN (infinities allowed, e.g. truncation bounds). */
gen_status dist_check_not_nan(const char *family, const char *name, const gen_array *a);
/* 0 <= a <= 1. */
gen_status dist_check_unit_interval(const char *family, const char *name, const gen_array *a);
/* a < b elementwise after broadcasting. */
gen_status dist_check_less(const char *family, const char *name_a, const gen_array *a,
                           const char *name_b, const gen_array *b);
/* a <= b elementwise after broadcasting. */
gen_status dist_check_less_equal(const char *family, const char *name_a, const gen_array *a,
                                 const char *name_b, const gen_array *b);
/* Integral values >= 0 (any dtype). */
gen_status dist_check_count(const char *family, const char *name, const gen_array *a);
/* Rows along the last axis are >= 0 and sum to 1 within 1e-8 * K. */
gen_status dist_check_simplex(const char *family, const char *name, const gen_array *a);
/* At least ndim dimensions, and (when square) the last two equal. */
gen_status dist_check_rank(const char *family, const char *name, const gen_array *a, int ndim,
                           bool square);
/* For checks of values on a device: whether ok(a, b) (a bool array built with ops, b may
 * be NULL) is true everywhere, computed on the device with no transform recording and
 * read back as one value (one synchronizing copy). False also when the ops fail: callers
 * then check a host copy (arr_host_ref), which names the culprit. */
bool dist_device_all(gen_array *(*ok)(const gen_array *a, const gen_array *b), const gen_array *a,
                     const gen_array *b);
/* Formats the multi-index of flat element i of a as "[1,2]". */
const char *dist_index_str(const gen_array *a, int64_t i, char *buf, size_t n);

/* ---- helpers for logpdf implementations ----------------------------------------------- */
/* Scans of the values themselves, used to skip masking work when nothing is out of
 * support (the choice of code path never changes a value or a gradient). */
bool dist_all_true(const gen_array *mask);
/* lo <= x <= hi for every element (NaN fails). */
bool dist_all_between(const gen_array *x, double lo, double hi);
/* where(ok, value, -inf) with a safe gradient: value must already have been computed at
 * safe inputs (see dist_safe). */
gen_array *dist_mask_support(const gen_array *ok, const gen_array *value);
/* where(ok, x, safe): replaces out-of-support inputs by a harmless value before they
 * reach functions like log, so gradients are never NaN (the "double where"). */
gen_array *dist_safe(const gen_array *ok, const gen_array *x, double safe);
/* ---- C loops over values (samplers without an array formulation) ----
 * They read host memory: the values of arrays on a device are copied first (a
 * synchronizing copy each), and their results are made on the host and moved to the
 * device the code follows (dist_follow). A scope must be open (it owns the copies). */
/* p's values (no gradient) as contiguous f64 of shape (ndim, shape), p broadcast to it, in
 * host memory. NULL with the error recorded. */
const double *dist_host_f64(const gen_array *p, int ndim, const int64_t *shape);
/* r (a host array owned by the open scope: a C loop's result for d) where d's array
 * formulas would have put it: on the device of d's parameters when one is on a device
 * (whatever r's size), else on the creation device when r is not small (as creation
 * functions place arrays); r itself, or a copy there owned by the scope. */
gen_array *dist_place(const gen_dist *d, gen_array *r);
/* r (a new host array, not published) on the device of like: r itself when like is on
 * the host, else a copy there (r released). NULL with the error recorded (r released). */
gen_array *dist_to_device_of(const char *fn, gen_array *r, const gen_array *like);
/* a where like's elements are: a itself when on like's device or small (small host arrays
 * travel with ops), else a copy there owned by the open scope (a value a distribution
 * keeps, used beside values of another device). NULL with the error recorded. */
const gen_array *dist_beside(const gen_array *a, const gen_array *like);
/* idx[..., None] == 0..k-1: gen_one_hot's bool mask for indices known to be in 0..k-1,
 * as ops (on the indices' device, no check read back). */
gen_array *dist_one_hot(const gen_array *idx, int64_t k);
/* A float scalar of the same float type as like. */
gen_array *dist_const(const gen_array *like, double v);
/* Sums x over its last n axes (n may be 0). */
gen_array *dist_sum_last(const gen_array *x, int n);

/* ---- CDF helpers (cdf.c, families/cdf_special.c) --------------------------------- */
/* log(1 - e^a) for a <= 0 with array ops, exact near 0 and far below (the switch at
 * -log 2), with finite gradients in both branches. */
gen_array *dist_log1mexp(const gen_array *a);
/* The same in C, and log(e^a + e^b). */
double dist_log1mexp1(double a);
double dist_logaddexp1(double a, double b);
/* x with log Phi(x) = lp: the normal quantile in log space (exact in the upper tail by
 * symmetry, -dist_ndtri_exp(log(1 - Phi(x)))); truncated_normal.c. */
double dist_ndtri_exp(double lp);
/* log F(x) (upper: log(1 - F(x))) of a family with log_cdf, at any x broadcasting with
 * d's batch (infinities and NaN included); a scope must be open. */
gen_array *dist_log_cdf(const gen_dist *d, const gen_array *x, bool upper);
/* log F (upper: log(1 - F)) of a family whose CDF is computed in C by f(s, z, upper) from
 * a standardized value z (array ops of x and the location / scale) and n_shape shape
 * parameters s, made differentiable: d/dz = +-exp(lpdf_z - value), lpdf_z the log density
 * of z (array ops, exact), d/ds_i a 5-point central difference of f (relative step
 * 1e-3). Without a transform running, the C values alone. */
gen_array *dist_log_cdf_c(const gen_dist *d, const gen_array *z, const gen_array *lpdf_z, int n_shape,
                          const gen_array *const *s, double (*f)(const double *s, double z, bool upper),
                          bool upper);
/* Regularized incomplete beta and gamma functions in log space: *lo = log I_x(a, b) and
 * *up = log(1 - I_x(a, b)), y = 1 - x given separately (exact when small); *lo = log
 * P(a, x) and *up = log Q(a, x). Continued fractions (modified Lentz) and P's series;
 * the side that converges is computed directly, the other by log1mexp. */
void dist_log_betainc(double a, double b, double x, double y, double *lo, double *up);
void dist_log_gammainc(double a, double x, double *lo, double *up);

/* ---- bijections -------------------------------------------------------------------- */

typedef struct bij_kind {
    const char *name;
    int event_ndim; /* of the constrained values: 0 elementwise, 1 vectors, 2 matrices */
    gen_support_kind codomain;
    gen_array *(*forward)(const gen_bijection *b, const gen_array *u);
    gen_array *(*inverse)(const gen_bijection *b, const gen_array *x);
    gen_array *(*log_det)(const gen_bijection *b, const gen_array *u); /* summed over events */
    /* Unconstrained event shape from the constrained one; NULL means the same shape. */
    gen_status (*unconstrained_shape)(const gen_bijection *b, int ndim, const int64_t *shape,
                                      int *out_ndim, int64_t *out_shape);
    void (*free_extra)(gen_bijection *b);
} bij_kind;

struct gen_bijection {
    atomic_int refcount;
    const bij_kind *kind;
    int event_ndim;    /* of the constrained values x */
    int in_event_ndim; /* of the unconstrained values u: vectors for matrix bijections */
    gen_array *params[2]; /* retained, may be NULL */
    void *extra;
};

/* A new bijection of kind k with up to two parameters (retained). Published. */
gen_bijection *bij_new(const bij_kind *k, const gen_array *p0, const gen_array *p1, void *extra);
/* The default bijection onto a support of values with event shape (ndim, shape) (NULL +
 * GEN_ERR_UNSUPPORTED if none). CHOLESKY_COV reads its matrix shape [M, N] from the last
 * two event axes (the length of u does not tell M and N apart). */
gen_bijection *bij_for_support(const char *family, const gen_support *s, int ndim, const int64_t *shape);
/* Under one reverse-mode transform (ad_single_reverse), a 0-d f64 u through b when b is
 * exp, a lower bound or an interval with finite 0-d f64 bounds: *x = forward(u) and
 * *ld = log |det J| as one tape node (bijection_scalar.c; *st: GEN_OK or the failure).
 * False, nothing made, when not this case. */
bool bij_scalar_forward(const gen_bijection *b, const gen_array *u, gen_array **x, gen_array **ld, gen_status *st);
/* Whether d's bijection (gen_dist_bijection) is the identity (a real support), found
 * without making it: the hot path of unconstrained evaluation. */
bool dist_bijection_is_identity(const gen_dist *d);

#endif
