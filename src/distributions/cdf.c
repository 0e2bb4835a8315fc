/* cdf.c — cumulative distribution functions and quantiles of continuous scalar families
 * (gen_dist_cdf, gen_dist_log_cdf, gen_dist_log_ccdf, gen_dist_quantile), and the helpers
 * families build theirs with: log1mexp, and the plumbing that makes a CDF computed in C
 * (incomplete beta / gamma) differentiable. Infinite and NaN values are handled here once,
 * so each family's log_cdf sees finite x only. Quantiles are computed in C and made
 * differentiable by the implicit function theorem: x = x0 - (G - stop(G)) / stop(dG/dx)
 * with G = log F(x0) - log p, whose value is x0 and whose derivative is -dG/dtheta / dG/dx. */
#include <math.h>
#include <string.h>

#include "dist_int.h"
#include "../array/array_int.h"
#include "../array/autodiff_int.h"

#define LN2 0.69314718055994530942

/* ---- log1mexp and friends ---- */

gen_array *dist_log1mexp(const gen_array *a) {
    gen_array *near = gen_gt(a, dist_const(a, -LN2));
    gen_array *an = gen_where(near, a, dist_const(a, -1.0)), *af = gen_where(near, dist_const(a, -1.0), a);
    return gen_where(near, gen_log(gen_neg(gen_expm1(an))), gen_log1p(gen_neg(gen_exp(af))));
}

double dist_log1mexp1(double a) {
    return a > -LN2 ? log(-expm1(a)) : log1p(-exp(a));
}

double dist_logaddexp1(double a, double b) {
    double m = fmax(a, b);
    return m == -INFINITY ? m : m + log1p(exp(fmin(a, b) - m));
}

/* ---- CDFs computed in C ---- */

/* f's derivative in s[j] at (s, z): (f(s-2h) - 8 f(s-h) + 8 f(s+h) - f(s+2h)) / 12h,
 * error O(h^4), h = 1e-3 |s[j]| (shape parameters are positive). */
static double shape_derivative(double (*f)(const double *, double, bool), double *s, int j, double z,
                               bool upper) {
    double s0 = s[j], h = 1e-3 * (s0 != 0 ? fabs(s0) : 1), v[4];
    const double k[4] = {-2, -1, 1, 2};
    for (int i = 0; i < 4; i++) {
        s[j] = s0 + k[i] * h;
        v[i] = f(s, z, upper);
    }
    s[j] = s0;
    double g = (v[0] - 8 * v[1] + 8 * v[2] - v[3]) / (12 * h);
    return isfinite(g) ? g : 0;
}

gen_array *dist_log_cdf_c(const gen_dist *d, const gen_array *z, const gen_array *lpdf_z, int n_shape,
                          const gen_array *const *s, double (*f)(const double *s, double z, bool upper),
                          bool upper) {
    const char *name = d->family->name;
    int nd = z->ndim;
    int64_t sh[GEN_MAX_DIMS];
    memcpy(sh, z->shape, (size_t)nd * sizeof *sh);
    for (int j = 0; j < n_shape; j++) {
        int64_t out[GEN_MAX_DIMS];
        if (arr_broadcast_shapes(name, nd, sh, s[j]->ndim, s[j]->shape, &nd, out) != GEN_OK) return NULL;
        memcpy(sh, out, (size_t)nd * sizeof *sh);
    }
    const double *zv = dist_host_f64(z, nd, sh), *sv[DIST_MAX_PARAMS] = {0};
    for (int j = 0; j < n_shape; j++)
        if (!(sv[j] = dist_host_f64(s[j], nd, sh))) return NULL;
    bool grad = ad_active();
    gen_array *v0 = arr_publish(arr_alloc(name, d->dtype, nd, sh)), *g[DIST_MAX_PARAMS] = {0};
    for (int j = 0; grad && j < n_shape; j++)
        if (!(g[j] = arr_publish(arr_alloc(name, d->dtype, nd, sh)))) return NULL;
    if (!zv || !v0) return NULL;
    for (int64_t i = 0; i < v0->size; i++) {
        double p[DIST_MAX_PARAMS];
        for (int j = 0; j < n_shape; j++) p[j] = sv[j][i];
        double v = f(p, zv[i], upper);
        arr_set_f64(d->dtype, v0->data, i, v);
        for (int j = 0; grad && j < n_shape; j++)
            arr_set_f64(d->dtype, g[j]->data, i, isfinite(v) ? shape_derivative(f, p, j, zv[i], upper) : 0);
    }
    v0 = dist_place(d, v0);
    if (!grad) return v0;
    gen_array *fin = gen_isfinite(v0);
    gen_array *gz = gen_where(fin, gen_exp(gen_sub(lpdf_z, dist_safe(fin, v0, 0))), dist_const(v0, 0));
    if (upper) gz = gen_neg(gz);
    gen_array *r = gen_add(v0, gen_mul(gz, gen_sub(z, gen_stop_gradient(z))));
    for (int j = 0; j < n_shape; j++)
        r = gen_add(r, gen_mul(dist_place(d, g[j]), gen_sub(s[j], gen_stop_gradient(s[j]))));
    return r;
}

/* ---- public entry points ---- */

static gen_status check_args(const char *fn, const gen_dist *d, const gen_array *x, bool quantile,
                             int *nd, int64_t *sh) {
    if (!d) return core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_MISUSE, "%s: the distribution is NULL", fn);
    if (core_dead(d)) return dist_dead_fail(fn, "the distribution", d);
    if (!x) {
        if (core_error_pending()) return core_error_pending();
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s: the %s is NULL", fn, d->family->name,
                        quantile ? "probability" : "value");
    }
    if (x->tuple) return arr_dead(x) ? arr_dead_fail(fn, "the value", x) : arr_tuple_fail(fn, "the value");
    if (!d->family->log_cdf || d->event_ndim)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s has no CDF", fn, d->family->name);
    if (quantile && !d->family->quantile1)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s has no closed-form quantile", fn, d->family->name);
    if (arr_broadcast_shapes(fn, x->ndim, x->shape, d->batch_ndim, d->batch_shape, nd, sh) != GEN_OK) {
        core_error_prefix("%s: %s (value and batch shapes)", fn, d->family->name);
        return core_error_pending();
    }
    return GEN_OK;
}

/* log F (upper: log(1 - F)) of d at x of any shape broadcasting with d's batch: the
 * family's log_cdf at finite x, the limits at +-inf, NaN at NaN. A scope is open. */
static gen_array *log_cdf_at(const gen_dist *d, const gen_array *x, bool upper) {
    if (!arr_is_float((gen_dtype)x->dtype)) x = gen_cast(x, d->dtype);
    gen_array *fin = gen_isfinite(x);
    gen_array *r = d->family->log_cdf(d, dist_safe(fin, x, 0), upper);
    if (!r) return NULL;
    gen_array *ends = gen_where(gen_gt(x, dist_const(r, 0)), dist_const(r, upper ? -INFINITY : 0),
                                dist_const(r, upper ? 0 : -INFINITY));
    ends = gen_where(gen_isnan(x), dist_const(r, NAN), ends);
    return gen_where(fin, r, ends);
}

gen_array *dist_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    return log_cdf_at(d, x, upper);
}

static gen_array *cdf_entry(const char *fn, const gen_dist *d, const gen_array *x, int what) {
    int nd;
    int64_t sh[GEN_MAX_DIMS];
    if (check_args(fn, d, x, false, &nd, sh) != GEN_OK || gen_scope_begin() != GEN_OK) return NULL;
    int64_t batch = arr_batch_suspend(); /* families compute on physical shapes */
    const backend *creation = dist_follow_device(d, x);
    gen_array *r = log_cdf_at(d, x, what == 2);
    if (r && what == 0) r = gen_exp(r);
    arr_creation_restore(creation);
    arr_batch_resume(batch);
    if (!r) core_error_prefix("%s: %s", fn, d->family->name);
    return arr_scope_return(r);
}

gen_array *gen_dist_cdf(const gen_dist *d, const gen_array *x) {
    return cdf_entry("gen_dist_cdf", d, x, 0);
}
gen_array *gen_dist_log_cdf(const gen_dist *d, const gen_array *x) {
    return cdf_entry("gen_dist_log_cdf", d, x, 1);
}
gen_array *gen_dist_log_ccdf(const gen_dist *d, const gen_array *x) {
    return cdf_entry("gen_dist_log_ccdf", d, x, 2);
}

/* The implicit derivative (top of file) of x0 = F^-1(p), for p in (0, 1) and x0 finite;
 * elsewhere x0 (no gradient). The side of p matches the C computation's. */
static gen_array *quantile_implicit(const gen_dist *d, const gen_array *p, gen_array *x0) {
    gen_array *half = dist_const(x0, 0.5);
    gen_array *ok = gen_logical_and(gen_logical_and(gen_gt(p, dist_const(x0, 0)), gen_lt(p, dist_const(x0, 1))),
                                    gen_isfinite(x0));
    gen_array *ps = dist_safe(ok, p, 0.5), *xs = dist_safe(ok, x0, 0);
    gen_array *up = gen_gt(ps, half);
    gen_array *lf = d->family->log_cdf(d, xs, false), *ls = d->family->log_cdf(d, xs, true);
    gen_array *lp = d->family->logpdf(d, xs);
    if (!lf || !ls || !lp) return NULL;
    gen_array *target = gen_where(up, gen_log1p(gen_neg(ps)), gen_log(ps));
    gen_array *g = gen_sub(gen_where(up, ls, lf), target);
    gen_array *slope = gen_stop_gradient(gen_where(up, gen_neg(gen_exp(gen_sub(lp, ls))), gen_exp(gen_sub(lp, lf))));
    slope = dist_safe(gen_logical_and(ok, gen_ne(slope, dist_const(slope, 0))), slope, 1);
    gen_array *step = gen_div(gen_sub(g, gen_stop_gradient(g)), slope);
    return gen_sub(x0, gen_where(ok, step, dist_const(step, 0)));
}

gen_array *gen_dist_quantile(const gen_dist *d, const gen_array *p) {
    const char *fn = "gen_dist_quantile";
    int nd;
    int64_t sh[GEN_MAX_DIMS];
    if (check_args(fn, d, p, true, &nd, sh) != GEN_OK || gen_scope_begin() != GEN_OK) return NULL;
    int64_t batch = arr_batch_suspend();
    const backend *creation = dist_follow_device(d, p);
    const double *pv = dist_host_f64(p, nd, sh), *par[DIST_MAX_PARAMS] = {0};
    bool ok = pv != NULL;
    for (int j = 0; ok && j < d->n_params; j++) ok = (par[j] = dist_host_f64(d->params[j], nd, sh)) != NULL;
    gen_array *x0 = ok ? arr_publish(arr_alloc(fn, d->dtype, nd, sh)) : NULL, *r = NULL;
    if (x0) {
        for (int64_t i = 0; i < x0->size; i++) {
            double q[DIST_MAX_PARAMS], pi = pv[i], x = NAN;
            for (int j = 0; j < d->n_params; j++) q[j] = par[j][i];
            if (pi >= 0 && pi <= 1) x = pi > 0.5 ? d->family->quantile1(q, log1p(-pi), true)
                                                 : d->family->quantile1(q, log(pi), false);
            arr_set_f64(d->dtype, x0->data, i, x);
        }
        x0 = dist_place(d, x0);
        r = ad_active() ? quantile_implicit(d, arr_is_float((gen_dtype)p->dtype) ? p : gen_cast(p, d->dtype), x0)
                        : x0;
    }
    arr_creation_restore(creation);
    arr_batch_resume(batch);
    if (!r) core_error_prefix("%s: %s", fn, d->family->name);
    return arr_scope_return(r);
}
