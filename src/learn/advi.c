/* advi.c — gen_advi: Stan's ADVI run (advi.hpp) on a gen_target — the config and its
 * defaults, the step-size (eta) search, stochastic gradient ascent with the library's
 * optimizers and the relative-tolerance convergence test on the ELBO, progress and
 * cancel; the family is advi_family.c, the estimates advi_estimate.c, the results
 * advi_results.c. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "advi_int.h"

static const char FN[] = "gen_advi";
#define N_ETA 5
static const double ETAS[N_ETA] = {100, 10, 1, 0.1, 0.01};
#define ELBO_FOLD (UINT64_C(1) << 40) /* the adaptation's ELBO keys, apart from its iterations */

typedef struct advi_run {
    gen_advi_config c;   /* with the defaults */
    gen_opt_config oc;   /* the step sequence, its step to be scaled by eta */
    advi_eval e;
    advi_q q0, q;        /* the initial and the current approximation */
    double *gmu, *gscale, *buf;
    size_t buf_bytes;
    infer_run run;
    int64_t total, adapt_total; /* progress units */
    double *elbo;        /* the optimization's ELBO history */
    int64_t *elbo_iter, k, kcap;
} advi_run;

static gen_status config_of(const gen_advi_config *in, advi_run *r) {
    gen_advi_config c = *in;
    if (c.family != GEN_ADVI_MEANFIELD && c.family != GEN_ADVI_FULLRANK)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown family %d", FN, (int)c.family);
    const struct {
        const char *name;
        int64_t v;
    } counts[] = {{"grad_samples", c.grad_samples}, {"elbo_samples", c.elbo_samples}, {"eval_elbo", c.eval_elbo},
                  {"max_iters", c.max_iters},       {"adapt_iters", c.adapt_iters},   {"draws", c.draws}};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        if (counts[i].v < 0)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be >= 0 (0: the default), got %lld", FN, counts[i].name,
                            (long long)counts[i].v);
    if (!(c.tol_rel_obj >= 0) || !isfinite(c.tol_rel_obj))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: tol_rel_obj must be finite and >= 0 (0: 0.01), got %g", FN, c.tol_rel_obj);
    if (!(c.eta >= 0) || !isfinite(c.eta))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: eta must be finite and >= 0 (0: 1), got %g", FN, c.eta);
    if (!c.grad_samples) c.grad_samples = 1;
    if (!c.elbo_samples) c.elbo_samples = 100;
    if (!c.eval_elbo) c.eval_elbo = 100;
    if (!c.max_iters) c.max_iters = 10000;
    if (c.tol_rel_obj == 0) c.tol_rel_obj = 0.01;
    if (c.eta == 0) c.eta = 1;
    if (!c.adapt_iters) c.adapt_iters = 50;
    if (!c.draws) c.draws = 1000;
    r->oc = c.optimizer ? *c.optimizer : (gen_opt_config){.kind = GEN_OPT_ADAPTIVE, .step = 1};
    c.optimizer = NULL;
    gen_optimizer *o = gen_optimizer_new(&r->oc); /* checked once here */
    if (!o) {
        core_error_prefix("%s: the optimizer", FN);
        return core_error_pending();
    }
    gen_optimizer_free(o);
    r->c = c;
    return GEN_OK;
}

/* An optimizer whose step is eta times the configured one. */
static gen_optimizer *optimizer_for(const advi_run *r, double eta) {
    gen_opt_config oc = r->oc;
    oc.step *= eta;
    return gen_optimizer_new(&oc);
}

static void q_copy(advi_q *to, const advi_q *from) {
    memcpy(to->mu, from->mu, (size_t)from->d * sizeof(double));
    memcpy(to->scale, from->scale, (size_t)from->nscale * sizeof(double));
}

/* The buffers and the initial q: mu at the trace's point, omega = 0 / L = I. */
static gen_status run_init(advi_run *r, gen_target *t) {
    int64_t d = gen_target_dim(t), ns = r->c.family == GEN_ADVI_MEANFIELD ? d : d * d;
    int64_t cap = r->c.grad_samples > r->c.elbo_samples ? r->c.grad_samples : r->c.elbo_samples;
    gen_status s = advi_eval_init(&r->e, t, cap);
    if (s != GEN_OK) return s;
    r->buf_bytes = (size_t)(3 * (d + ns)) * sizeof(double);
    if (!(r->buf = core_calloc(1, r->buf_bytes))) return GEN_ERR_OOM;
    r->q0 = (advi_q){r->c.family, d, ns, r->buf, r->buf + d};
    r->q = (advi_q){r->c.family, d, ns, r->buf + d + ns, r->buf + 2 * d + ns};
    r->gmu = r->buf + 2 * (d + ns);
    r->gscale = r->gmu + d;
    s = gen_array_copy_to(gen_target_position(t), GEN_F64, r->q0.mu, (size_t)d * sizeof(double));
    if (r->c.family == GEN_ADVI_FULLRANK)
        for (int64_t i = 0; i < d; i++) r->q0.scale[i * d + i] = 1;
    q_copy(&r->q, &r->q0);
    r->adapt_total = r->c.no_adapt ? 0 : N_ETA * (int64_t)r->c.adapt_iters;
    r->total = r->adapt_total + r->c.max_iters;
    return s;
}

static void run_free(advi_run *r) {
    advi_eval_free(&r->e);
    core_free(r->buf, r->buf_bytes);
    core_free(r->elbo, (size_t)r->kcap * sizeof *r->elbo);
    core_free(r->elbo_iter, (size_t)r->kcap * sizeof *r->elbo_iter);
}

/* One step of o along the gradient estimated with key. *failed (may be NULL): the
 * estimate failed for dropped draws (then the error is cleared and the step taken with a
 * zero gradient, as Stan's adaptation does); without failed, that is an error. */
static gen_status iterate(advi_run *r, gen_optimizer *o, gen_key key, bool *failed) {
    gen_status s = advi_estimate_grad(&r->e, &r->q, key, r->c.grad_samples, r->gmu, r->gscale);
    bool finite = true;
    for (int64_t i = 0; s == GEN_OK && i < r->q.d + r->q.nscale; i++) finite = finite && isfinite(r->gmu[i]);
    if (failed && ((s != GEN_OK && r->e.failed) || (s == GEN_OK && !finite))) {
        gen_error_clear();
        memset(r->gmu, 0, (size_t)(r->q.d + r->q.nscale) * sizeof(double)); /* gscale follows gmu */
        *failed = true;
        s = GEN_OK;
    }
    if (s != GEN_OK) return s;
    const char *names[2] = {"mu", r->q.family == GEN_ADVI_MEANFIELD ? "omega" : "L"};
    double *theta[2] = {r->q.mu, r->q.scale}, *grad[2] = {r->gmu, r->gscale};
    return learn_optim_step(o, FN, 2, names, theta, grad, (int64_t[]){r->q.d, r->q.nscale});
}

/* Tells the progress callback; false to stop. */
static bool report(advi_run *r, const char *phase, int64_t done) {
    return infer_run_report(&r->run, 0, phase, done, r->total);
}

/* Stan's adapt_eta. *eta 0 with *stopped when cancelled. */
static gen_status adapt_eta(advi_run *r, gen_key key, double *eta, bool *stopped) {
    double elbo_init = 0, elbo_best = -DBL_MAX, eta_best = 0;
    gen_status s = advi_estimate_elbo(&r->e, &r->q0, gen_key_fold_in(key, ELBO_FOLD), r->c.elbo_samples, &elbo_init);
    if (s != GEN_OK) {
        core_error_prefix("%s: the ELBO at the initial approximation", FN);
        return s;
    }
    for (int j = 0; j < N_ETA; j++) {
        gen_key kj = gen_key_fold_in(key, (uint64_t)j);
        gen_optimizer *o = optimizer_for(r, ETAS[j]);
        if (!o) return core_error_pending();
        q_copy(&r->q, &r->q0);
        for (int64_t i = 1; s == GEN_OK && i <= r->c.adapt_iters; i++) {
            bool failed = false;
            s = iterate(r, o, gen_key_fold_in(kj, (uint64_t)i), &failed);
            if (s != GEN_OK) core_error_prefix("%s: adaptation, eta %g, iteration %lld", FN, ETAS[j], (long long)i);
            else if (!report(r, "adaptation", j * (int64_t)r->c.adapt_iters + i)) *stopped = true;
            if (*stopped) break;
        }
        gen_optimizer_free(o);
        if (s != GEN_OK || *stopped) return s;
        double elbo = 0;
        s = advi_estimate_elbo(&r->e, &r->q, gen_key_fold_in(kj, ELBO_FOLD), r->c.elbo_samples, &elbo);
        if (s != GEN_OK && r->e.failed) {
            gen_error_clear();
            elbo = -DBL_MAX;
            s = GEN_OK;
        } else if (s != GEN_OK) {
            core_error_prefix("%s: adaptation, eta %g, the ELBO", FN, ETAS[j]);
            return s;
        }
        if (!isfinite(elbo)) elbo = -DBL_MAX;
        if (elbo < elbo_best && elbo_best > elbo_init) break; /* the best came before this one */
        if (j < N_ETA - 1) {
            elbo_best = elbo;
            eta_best = ETAS[j];
        } else if (elbo > elbo_init) {
            eta_best = ETAS[j];
        } else {
            return GEN_FAIL(GEN_ERR_VALUE, "%s: every step size of the adaptation failed (eta 100 to 0.01 gave no ELBO "
                            "above the initial approximation's, %g): the model may be ill-conditioned or "
                            "misspecified",
                            FN, elbo_init);
        }
    }
    q_copy(&r->q, &r->q0);
    *eta = eta_best;
    return GEN_OK;
}

static gen_status push_elbo(advi_run *r, double elbo, int64_t iter) {
    if (r->k == r->kcap) {
        int64_t cap = r->kcap ? 2 * r->kcap : 16;
        double *e = core_alloc((size_t)cap * sizeof *e);
        int64_t *it = e ? core_alloc((size_t)cap * sizeof *it) : NULL;
        if (!it) {
            core_free(e, (size_t)cap * sizeof *e);
            return GEN_ERR_OOM;
        }
        if (r->k) {
            memcpy(e, r->elbo, (size_t)r->k * sizeof *e);
            memcpy(it, r->elbo_iter, (size_t)r->k * sizeof *it);
        }
        core_free(r->elbo, (size_t)r->kcap * sizeof *r->elbo);
        core_free(r->elbo_iter, (size_t)r->kcap * sizeof *r->elbo_iter);
        r->elbo = e;
        r->elbo_iter = it;
        r->kcap = cap;
    }
    r->elbo[r->k] = elbo;
    r->elbo_iter[r->k++] = iter;
    return GEN_OK;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Stan's stochastic_gradient_ascent. */
static gen_status ascend(advi_run *r, gen_key kgrad, gen_key kelbo, double eta, int64_t *iters, bool *converged,
                         bool *stopped) {
    gen_optimizer *o = optimizer_for(r, eta);
    if (!o) return core_error_pending();
    int64_t cb = (int64_t)fmax(0.1 * (double)r->c.max_iters / r->c.eval_elbo, 2.0), nb = 0, next = 0;
    double *window = core_alloc(2 * (size_t)cb * sizeof *window), *sorted = window + cb;
    gen_status s = window ? GEN_OK : GEN_ERR_OOM;
    double elbo = 0;
    for (int64_t it = 1; s == GEN_OK && it <= r->c.max_iters; it++) {
        s = iterate(r, o, gen_key_fold_in(kgrad, (uint64_t)it), NULL);
        if (s != GEN_OK) {
            core_error_prefix("%s: iteration %lld", FN, (long long)it);
            break;
        }
        *iters = it;
        if (it % r->c.eval_elbo == 0) {
            double prev = elbo;
            s = advi_estimate_elbo(&r->e, &r->q, gen_key_fold_in(kelbo, (uint64_t)r->k), r->c.elbo_samples, &elbo);
            if (s == GEN_OK) s = push_elbo(r, elbo, it);
            if (s != GEN_OK) {
                core_error_prefix("%s: iteration %lld: the ELBO", FN, (long long)it);
                break;
            }
            window[next] = fabs((prev - elbo) / elbo);
            next = (next + 1) % cb;
            if (nb < cb) nb++;
            double mean = 0;
            for (int64_t i = 0; i < nb; i++) mean += (sorted[i] = window[i]) / (double)nb;
            qsort(sorted, (size_t)nb, sizeof *sorted, cmp_double);
            if (mean < r->c.tol_rel_obj || sorted[nb / 2] < r->c.tol_rel_obj) {
                *converged = true;
                break;
            }
        }
        if (!report(r, "optimization", r->adapt_total + it)) {
            *stopped = it < r->c.max_iters;
            break;
        }
    }
    if (window) core_free(window, 2 * (size_t)cb * sizeof *window);
    gen_optimizer_free(o);
    return s;
}

gen_status gen_advi(const gen_trace *tr, gen_key key, const gen_selection *sel, const gen_advi_config *cfg,
                    gen_advi_result *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!tr) return infer_null(FN, "the trace");
    if (!sel) return infer_null(FN, "the selection");
    if (!cfg) return infer_null(FN, "the config");
    if (!out) return infer_null(FN, "out");
    advi_run r;
    memset(&r, 0, sizeof r);
    gen_status s = config_of(cfg, &r);
    if (s != GEN_OK) return s;
    gen_target *t = gen_target_new(tr, sel);
    if (!t) return infer_pending();
    gen_key k[4];
    s = gen_key_split(key, 4, k);
    if (s == GEN_OK) s = run_init(&r, t);
    infer_run_init(&r.run, FN, "iterations", &r.c.progress, 1);
    bool stopped = false, converged = false;
    int64_t iters = 0;
    double eta = r.c.eta;
    if (s == GEN_OK && !report(&r, r.c.no_adapt ? "optimization" : "adaptation", 0)) stopped = true;
    if (s == GEN_OK && !stopped && !r.c.no_adapt) s = adapt_eta(&r, k[0], &eta, &stopped);
    if (stopped) { /* cancelled in the adaptation: the initial approximation */
        eta = 0;
        q_copy(&r.q, &r.q0);
    }    else if (s == GEN_OK) s = ascend(&r, k[1], k[2], eta, &iters, &converged, &stopped);
    if (s == GEN_OK)
        s = advi_results(&r.e, &r.q, k[3], r.c.draws, sel, r.elbo, r.elbo_iter, r.k, out);
    if (s == GEN_OK) {
        out->eta = eta;
        out->iterations = iters;
        out->converged = converged;
        if (stopped) s = infer_run_cancelled(&r.run);
    }
    infer_run_free(&r.run);
    run_free(&r);
    gen_target_free(t);
    return s;
}
