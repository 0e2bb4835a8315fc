/* hmc.c — Hamiltonian Monte Carlo, MALA and MAP optimization on a trace's selected
 * continuous choices in unconstrained space (gen_target): leapfrog integration with an
 * identity, diagonal or dense metric, Metropolis correction. */
#include <math.h>
#include <string.h>

#include "infer_int.h"

/* The position, momentum and gradient of one state, as plain doubles. */
typedef struct hmc_state {
    double *theta, *p, *grad;
    double logp;
} hmc_state;

/* logp and grad at theta (d doubles). */
static gen_status eval(const gen_target *t, int64_t d, const double *theta, double *logp, double *grad) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *th = gen_array_from(GEN_F64, 1, &d, theta), *g = NULL;
    s = th ? gen_target_logpdf_grad(t, th, logp, &g) : infer_pending();
    if (s == GEN_OK) s = gen_array_copy_to(g, GEN_F64, grad, (size_t)d * sizeof *grad);
    gen_scope_end();
    return s;
}

/* The metric: NULL (identity), [d] (diagonal inverse metric) or [d, d] (dense inverse
 * metric, with chol the Cholesky factor of its inverse for drawing momenta). */
typedef struct metric {
    int kind; /* 0 identity, 1 diagonal, 2 dense */
    const double *minv;
    double *chol_m; /* dense: L with L L^T = M = minv^-1 (row-major) */
} metric;

static gen_status metric_init(const gen_array *inv_metric, int64_t d, metric *m) {
    *m = (metric){0};
    if (!inv_metric) return GEN_OK;
    int nd = gen_array_ndim(inv_metric);
    const int64_t *sh = gen_array_shape(inv_metric);
    if (gen_array_dtype(inv_metric) != GEN_F64 || !((nd == 1 && sh[0] == d) || (nd == 2 && sh[0] == d && sh[1] == d)))
        return GEN_FAIL(GEN_ERR_SHAPE, "the inverse metric must be f64 [%lld] or [%lld, %lld]",
                        (long long)d, (long long)d, (long long)d);
    m->kind = nd;
    m->minv = gen_array_data(inv_metric);
    if (nd == 1) {
        for (int64_t i = 0; i < d; i++)
            if (!(m->minv[i] > 0)) return GEN_FAIL(GEN_ERR_VALUE, "the inverse metric must be positive, got %g at %lld", m->minv[i], (long long)i);
        return GEN_OK;
    }
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *L = gen_cholesky(gen_inv(inv_metric));
    if (!L) {
        s = infer_pending();
        core_error_prefix("the dense inverse metric");
    } else if (!(m->chol_m = core_alloc((size_t)(d * d) * sizeof(double)))) {
        s = GEN_ERR_OOM;
    } else {
        memcpy(m->chol_m, gen_array_data(L), (size_t)(d * d) * sizeof(double));
    }
    gen_scope_end();
    return s;
}

static void metric_free(metric *m, int64_t d) {
    if (m->chol_m) core_free(m->chol_m, (size_t)(d * d) * sizeof(double));
}

/* v = Minv p */
static void apply_minv(const metric *m, int64_t d, const double *p, double *v) {
    for (int64_t i = 0; i < d; i++) {
        if (m->kind == 0) v[i] = p[i];
        else if (m->kind == 1) v[i] = m->minv[i] * p[i];
        else {
            double acc = 0;
            for (int64_t j = 0; j < d; j++) acc += m->minv[i * d + j] * p[j];
            v[i] = acc;
        }
    }
}

static double kinetic(const metric *m, int64_t d, const double *p, double *tmp) {
    apply_minv(m, d, p, tmp);
    double k = 0;
    for (int64_t i = 0; i < d; i++) k += p[i] * tmp[i];
    return 0.5 * k;
}

/* p ~ N(0, M) from standard normals z. */
static void draw_momentum(const metric *m, int64_t d, const double *z, double *p) {
    for (int64_t i = 0; i < d; i++) {
        if (m->kind == 0) p[i] = z[i];
        else if (m->kind == 1) p[i] = z[i] / sqrt(m->minv[i]);
        else {
            double acc = 0;
            for (int64_t j = 0; j <= i; j++) acc += m->chol_m[i * d + j] * z[j];
            p[i] = acc;
        }
    }
}

static gen_status normals(gen_key key, int64_t d, double *z) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *a = gen_random_normal(key, GEN_F64, 1, &d);
    s = a ? gen_array_copy_to(a, GEN_F64, z, (size_t)d * sizeof *z) : infer_pending();
    gen_scope_end();
    return s;
}

/* L leapfrog steps of size eps from (theta, p, grad, logp), in place. A non-finite
 * log density stops the trajectory (it is then rejected). */
static gen_status leapfrog(const gen_target *t, const metric *m, int64_t d, double eps, int L,
                           hmc_state *x, double *tmp) {
    for (int l = 0; l < L; l++) {
        for (int64_t i = 0; i < d; i++) x->p[i] += 0.5 * eps * x->grad[i];
        apply_minv(m, d, x->p, tmp);
        for (int64_t i = 0; i < d; i++) x->theta[i] += eps * tmp[i];
        gen_status s = eval(t, d, x->theta, &x->logp, x->grad);
        if (s != GEN_OK) return s;
        if (!isfinite(x->logp)) return GEN_OK;
        for (int64_t i = 0; i < d; i++) x->p[i] += 0.5 * eps * x->grad[i];
    }
    return GEN_OK;
}

/* Accepts theta (d doubles) with log probability alpha: the trace at theta, else tr. */
static gen_status finish(const gen_target *t, const gen_trace *tr, int64_t d, const double *theta,
                         double alpha, gen_key key, gen_trace **out, bool *accepted) {
    bool acc = !isnan(alpha) && infer_log_uniform(key) < alpha;
    if (accepted) *accepted = acc;
    if (!acc) {
        *out = gen_trace_scope_return((gen_trace *)tr);
        return *out ? GEN_OK : infer_pending();
    }
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *th = gen_array_from(GEN_F64, 1, &d, theta);
    gen_trace *nt = NULL;
    s = th ? gen_target_trace(t, th, &nt) : infer_pending();
    if (s == GEN_OK && !(*out = gen_trace_scope_return(nt))) s = infer_pending();
    gen_scope_end();
    return s;
}

gen_status gen_hmc(const gen_trace *tr, const gen_selection *sel, double step, int n_leapfrog,
                   const gen_array *inv_metric, gen_key key, gen_trace **out, bool *accepted) {
    const char *fn = "gen_hmc";
    if (out) *out = NULL;
    if (accepted) *accepted = false;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!(step > 0) || n_leapfrog < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need step > 0 and n_leapfrog >= 1 (got %g, %d)", fn, step, n_leapfrog);
    gen_target *t = gen_target_new(tr, sel);
    if (!t) return infer_pending();
    int64_t d = gen_target_dim(t);
    metric m;
    gen_status s = metric_init(inv_metric, d, &m);
    double *buf = s == GEN_OK ? core_alloc((size_t)(5 * d + 1) * sizeof(double)) : NULL;
    if (s == GEN_OK && !buf) s = GEN_ERR_OOM;
    gen_key k[2];
    if (s == GEN_OK) s = gen_key_split(key, 2, k);
    if (s == GEN_OK) {
        hmc_state x = {buf, buf + d, buf + 2 * d, 0};
        double *z = buf + 3 * d, *tmp = buf + 4 * d;
        s = gen_array_copy_to(gen_target_position(t), GEN_F64, x.theta, (size_t)d * sizeof(double));
        if (s == GEN_OK) s = eval(t, d, x.theta, &x.logp, x.grad);
        if (s == GEN_OK) s = normals(gen_key_fold_in(k[0], 0), d, z);
        if (s == GEN_OK) {
            draw_momentum(&m, d, z, x.p);
            double h0 = -x.logp + kinetic(&m, d, x.p, tmp);
            s = leapfrog(t, &m, d, step, n_leapfrog, &x, tmp);
            double h1 = -x.logp + kinetic(&m, d, x.p, tmp);
            double alpha = isfinite(x.logp) ? h0 - h1 : -INFINITY;
            if (s == GEN_OK) s = finish(t, tr, d, x.theta, alpha, k[1], out, accepted);
        }
    }
    if (buf) core_free(buf, (size_t)(5 * d + 1) * sizeof(double));
    metric_free(&m, d);
    gen_target_free(t);
    if (s != GEN_OK) core_error_prefix("%s", fn);
    return s;
}

/* log N(to; from + (eps^2/2) grad(from), eps^2 I), up to the constant (it cancels). */
static double mala_logq(int64_t d, double eps, const double *to, const double *from, const double *grad) {
    double acc = 0;
    for (int64_t i = 0; i < d; i++) {
        double r = to[i] - from[i] - 0.5 * eps * eps * grad[i];
        acc += r * r;
    }
    return -acc / (2 * eps * eps);
}

gen_status gen_mala(const gen_trace *tr, const gen_selection *sel, double step, gen_key key,
                    gen_trace **out, bool *accepted) {
    const char *fn = "gen_mala";
    if (out) *out = NULL;
    if (accepted) *accepted = false;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!(step > 0)) return GEN_FAIL(GEN_ERR_VALUE, "%s: need step > 0 (got %g)", fn, step);
    gen_target *t = gen_target_new(tr, sel);
    if (!t) return infer_pending();
    int64_t d = gen_target_dim(t);
    double *buf = core_alloc((size_t)(5 * d + 1) * sizeof(double));
    gen_status s = buf ? GEN_OK : GEN_ERR_OOM;
    gen_key k[2];
    if (s == GEN_OK) s = gen_key_split(key, 2, k);
    if (s == GEN_OK) {
        double *th = buf, *g = buf + d, *th2 = buf + 2 * d, *g2 = buf + 3 * d, *z = buf + 4 * d, lp = 0, lp2 = 0;
        s = gen_array_copy_to(gen_target_position(t), GEN_F64, th, (size_t)d * sizeof(double));
        if (s == GEN_OK) s = eval(t, d, th, &lp, g);
        if (s == GEN_OK) s = normals(k[0], d, z);
        if (s == GEN_OK) {
            for (int64_t i = 0; i < d; i++) th2[i] = th[i] + 0.5 * step * step * g[i] + step * z[i];
            s = eval(t, d, th2, &lp2, g2);
        }
        if (s == GEN_OK) {
            double alpha = isfinite(lp2) ? lp2 - lp + mala_logq(d, step, th, th2, g2) - mala_logq(d, step, th2, th, g)
                                         : -INFINITY;
            s = finish(t, tr, d, th2, alpha, k[1], out, accepted);
        }
    }
    if (buf) core_free(buf, (size_t)(5 * d + 1) * sizeof(double));
    gen_target_free(t);
    if (s != GEN_OK) core_error_prefix("%s", fn);
    return s;
}

gen_status gen_map_optimize(const gen_trace *tr, const gen_selection *sel, int max_iters,
                            double tol, gen_trace **out, double *logp) {
    const char *fn = "gen_map_optimize";
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (max_iters < 1 || !(tol > 0)) return GEN_FAIL(GEN_ERR_VALUE, "%s: need max_iters >= 1 and tol > 0", fn);
    gen_target *t = gen_target_new(tr, sel);
    if (!t) return infer_pending();
    int64_t d = gen_target_dim(t);
    double *buf = core_alloc((size_t)(4 * d + 1) * sizeof(double));
    gen_status s = buf ? GEN_OK : GEN_ERR_OOM;
    double *th = buf, *g = buf + d, *th2 = buf + 2 * d, *g2 = buf + 3 * d, lp = 0, lp2 = 0, rate = 1;
    if (s == GEN_OK) s = gen_array_copy_to(gen_target_position(t), GEN_F64, th, (size_t)d * sizeof(double));
    if (s == GEN_OK) s = eval(t, d, th, &lp, g);
    for (int it = 0; s == GEN_OK && it < max_iters; it++) {
        double gg = 0;
        for (int64_t i = 0; i < d; i++) gg += g[i] * g[i];
        if (sqrt(gg) < tol) break;
        /* backtracking (Armijo): halve the rate until the ascent is sufficient */
        bool moved = false;
        for (int b = 0; b < 60 && s == GEN_OK; b++) {
            for (int64_t i = 0; i < d; i++) th2[i] = th[i] + rate * g[i];
            s = eval(t, d, th2, &lp2, g2);
            if (s == GEN_OK && isfinite(lp2) && lp2 >= lp + 1e-4 * rate * gg) {
                moved = true;
                break;
            }
            rate *= 0.5;
        }
        if (s != GEN_OK || !moved) break;
        memcpy(th, th2, (size_t)d * sizeof *th);
        memcpy(g, g2, (size_t)d * sizeof *g);
        lp = lp2;
        rate *= 2; /* try a longer step next time */
    }
    if (s == GEN_OK && logp) *logp = lp;
    if (s == GEN_OK) {
        if ((s = gen_scope_begin()) == GEN_OK) {
            gen_array *a = gen_array_from(GEN_F64, 1, &d, th);
            gen_trace *nt = NULL;
            s = a ? gen_target_trace(t, a, &nt) : infer_pending();
            if (s == GEN_OK && !(*out = gen_trace_scope_return(nt))) s = infer_pending();
            gen_scope_end();
        }
    }
    if (buf) core_free(buf, (size_t)(4 * d + 1) * sizeof(double));
    gen_target_free(t);
    if (s != GEN_OK) core_error_prefix("%s", fn);
    return s;
}
