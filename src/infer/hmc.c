/* hmc.c — Hamiltonian Monte Carlo, MALA and the posterior mode (MAP: gen_posterior_mode)
 * on a trace's selected continuous choices in unconstrained space (gen_target): leapfrog
 * integration with an identity, diagonal or dense metric, Metropolis correction. */
#include <math.h>
#include <string.h>

#include "hmc_int.h"
#include "kernels_int.h"

/* L leapfrog steps of size eps; a point the model rejects (a divergence, hmc_int.h:
 * logp -inf) stops the trajectory, which is then rejected, as in NUTS and Stan. */
static gen_status leapfrog(const gen_target *t, const hmc_metric *m, double eps, int L, hmc_point *x, double *tmp) {
    for (int l = 0; l < L; l++) {
        gen_divergence why = GEN_DIVERGENCE_NONE;
        gen_status s = hmc_leapfrog(t, m, eps, x, tmp, &why);
        if (s != GEN_OK || why != GEN_DIVERGENCE_NONE) return s;
    }
    return GEN_OK;
}

/* Accepts theta (d doubles) with log probability alpha: the trace at theta, else tr. */
static gen_status finish(const gen_target *t, const gen_trace *tr, int64_t d, const double *theta,
                         double alpha, gen_key key, gen_trace **out, bool *accepted) {
    bool acc = !isnan(alpha) && infer_log_uniform(key) < alpha;
    if (accepted) *accepted = acc;
    gen_status s = gen_scope_begin(); /* so scope_return lands in the caller's scope */
    if (s != GEN_OK) return s;
    gen_trace *nt = (gen_trace *)tr;
    if (acc) {
        gen_array *th = gen_array_from(GEN_F64, 1, &d, theta);
        s = th ? gen_target_trace(t, th, &nt) : infer_pending();
    }
    if (s == GEN_OK && !(*out = gen_trace_scope_return(nt))) s = infer_pending();
    gen_scope_end();
    return s;
}

/* The target for a step on tr (the one the last step on this thread left for tr, else a
 * new one) and its position into theta (d doubles). NULL: failed. */
static gen_target *step_target(const gen_trace *tr, const gen_selection *sel, double **theta) {
    gen_target *t = target_reuse_take(tr, sel, theta);
    if (t) return t; /* *theta: the kept position */
    if (!(t = gen_target_new(tr, sel))) return NULL;
    int64_t d = gen_target_dim(t);
    *theta = core_alloc((size_t)(d + 1) * sizeof **theta);
    gen_status s = *theta ? gen_array_copy_to(gen_target_position(t), GEN_F64, *theta, (size_t)d * sizeof **theta)
                          : GEN_ERR_OOM;
    if (s != GEN_OK) {
        core_free(*theta, (size_t)(d + 1) * sizeof **theta);
        *theta = NULL;
        gen_target_free(t);
        return NULL;
    }
    return t;
}

gen_status gen_hmc(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                   int n_leapfrog, const gen_array *inv_metric, gen_trace **out, bool *accepted) {
    const char *fn = "gen_hmc";
    if (out) *out = NULL;
    if (accepted) *accepted = false;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!(step > 0)) return GEN_FAIL(GEN_ERR_VALUE, "%s: need step > 0 (got %g)", fn, step);
    if (n_leapfrog < 1 || n_leapfrog > GEN_MAX_LEAPFROG)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: n_leapfrog must be in 1..%d, got %d", fn, GEN_MAX_LEAPFROG, n_leapfrog);
    if (!tr || !sel) return infer_null(fn, tr ? "the selection" : "the trace");
    if (gen_trace_batch_size(tr) > 0) return infer_hmc_batched(tr, key, sel, step, n_leapfrog, inv_metric, out, accepted, NULL);
    double *theta0 = NULL;
    gen_target *t = step_target(tr, sel, &theta0);
    if (!t) return infer_pending();
    int64_t d = gen_target_dim(t);
    hmc_metric m;
    gen_status s = hmc_metric_init(&m, inv_metric, d);
    double *buf = s == GEN_OK ? core_alloc((size_t)(5 * d + 1) * sizeof(double)) : NULL;
    if (s == GEN_OK && !buf) s = GEN_ERR_OOM;
    gen_key k[2];
    bool acc = false;
    if (s == GEN_OK) s = gen_key_split(key, 2, k);
    if (s == GEN_OK) {
        hmc_point x = {buf, buf + d, buf + 2 * d, 0};
        double *z = buf + 3 * d, *tmp = buf + 4 * d;
        memcpy(x.theta, theta0, (size_t)d * sizeof *x.theta);
        s = hmc_eval_start(t, d, x.theta, &x.logp, x.grad);
        if (s == GEN_OK) s = hmc_normals(gen_key_fold_in(k[0], 0), d, z);
        if (s == GEN_OK) {
            hmc_draw_momentum(&m, z, x.p);
            double h0 = -x.logp + hmc_kinetic(&m, x.p, tmp);
            s = leapfrog(t, &m, step, n_leapfrog, &x, tmp);
            double h1 = -x.logp + hmc_kinetic(&m, x.p, tmp);
            double alpha = isfinite(x.logp) ? h0 - h1 : -INFINITY;
            if (s == GEN_OK) s = finish(t, tr, d, x.theta, alpha, k[1], out, &acc);
        }
        if (s == GEN_OK && accepted) *accepted = acc;
        if (s == GEN_OK) { /* the next step on *out takes t */
            target_reuse_put(t, *out, acc ? x.theta : theta0);
            t = NULL;
        }
    }
    if (buf) core_free(buf, (size_t)(5 * d + 1) * sizeof(double));
    core_free(theta0, (size_t)(d + 1) * sizeof *theta0);
    hmc_metric_free(&m);
    gen_target_free(t);
    if (s != GEN_OK) core_error_prefix("%s", fn);
    return s;
}

gen_status gen_mala(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                    gen_trace **out, bool *accepted) {
    const char *fn = "gen_mala";
    if (out) *out = NULL;
    if (accepted) *accepted = false;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!(step > 0)) return GEN_FAIL(GEN_ERR_VALUE, "%s: need step > 0 (got %g)", fn, step);
    if (!tr || !sel) return infer_null(fn, tr ? "the selection" : "the trace");
    if (gen_trace_batch_size(tr) > 0) return infer_mala_batched(tr, key, sel, step, out, accepted, NULL);
    double *th = NULL;
    gen_target *t = step_target(tr, sel, &th);
    if (!t) return infer_pending();
    int64_t d = gen_target_dim(t);
    double *buf = core_alloc((size_t)(4 * d + 1) * sizeof(double));
    gen_status s = buf ? GEN_OK : GEN_ERR_OOM;
    gen_key k[2];
    bool acc = false;
    if (s == GEN_OK) s = gen_key_split(key, 2, k);
    if (s == GEN_OK) {
        double *g = buf, *th2 = buf + d, *g2 = buf + 2 * d, *z = buf + 3 * d, lp = 0, lp2 = 0;
        s = hmc_eval_start(t, d, th, &lp, g);
        if (s == GEN_OK) s = hmc_normals(k[0], d, z);
        if (s == GEN_OK) { /* a point the model rejects: lp2 -inf, rejected as in HMC */
            gen_divergence why = GEN_DIVERGENCE_NONE;
            for (int64_t i = 0; i < d; i++) th2[i] = th[i] + 0.5 * step * step * g[i] + step * z[i];
            s = hmc_eval_proposed(t, d, th2, &lp2, g2, &why);
        }
        if (s == GEN_OK) {
            double alpha = isfinite(lp2) ? lp2 - lp + hmc_mala_logq(d, step, th, th2, g2) - hmc_mala_logq(d, step, th2, th, g)
                                         : -INFINITY;
            s = finish(t, tr, d, th2, alpha, k[1], out, &acc);
        }
        if (s == GEN_OK && accepted) *accepted = acc;
        if (s == GEN_OK) { /* the next step on *out takes t */
            target_reuse_put(t, *out, acc ? th2 : th);
            t = NULL;
        }
    }
    if (buf) core_free(buf, (size_t)(4 * d + 1) * sizeof(double));
    core_free(th, (size_t)(d + 1) * sizeof *th);
    gen_target_free(t);
    if (s != GEN_OK) core_error_prefix("%s", fn);
    return s;
}

gen_status gen_posterior_mode(const gen_trace *tr, const gen_selection *sel, int max_iters,
                              double tol, gen_trace **out, double *logp) {
    const char *fn = "gen_posterior_mode";
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (max_iters < 1 || !(tol > 0)) return GEN_FAIL(GEN_ERR_VALUE, "%s: need max_iters >= 1 and tol > 0", fn);
    if (!tr || !sel) return infer_null(fn, tr ? "the selection" : "the trace");
    gen_target *t = gen_target_new(tr, sel);
    if (!t) return infer_pending();
    int64_t d = gen_target_dim(t);
    double *buf = core_alloc((size_t)(4 * d + 1) * sizeof(double));
    gen_status s = buf ? GEN_OK : GEN_ERR_OOM;
    double *th = buf, *g = buf + d, *th2 = buf + 2 * d, *g2 = buf + 3 * d, lp = 0, lp2 = 0, rate = 1;
    if (s == GEN_OK) s = gen_array_copy_to(gen_target_position(t), GEN_F64, th, (size_t)d * sizeof(double));
    if (s == GEN_OK) s = hmc_eval_start(t, d, th, &lp, g);
    for (int it = 0; s == GEN_OK && it < max_iters; it++) {
        double gg = 0;
        for (int64_t i = 0; i < d; i++) gg += g[i] * g[i];
        if (sqrt(gg) < tol) break;
        /* backtracking (Armijo): halve the rate until the ascent is sufficient (a point
         * the model rejects is no ascent) */
        bool moved = false;
        for (int b = 0; b < 60 && s == GEN_OK; b++) {
            gen_divergence why = GEN_DIVERGENCE_NONE;
            for (int64_t i = 0; i < d; i++) th2[i] = th[i] + rate * g[i];
            s = hmc_eval_proposed(t, d, th2, &lp2, g2, &why);
            if (s == GEN_OK && why == GEN_DIVERGENCE_NONE && lp2 >= lp + 1e-4 * rate * gg) {
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
