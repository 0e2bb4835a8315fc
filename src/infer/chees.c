/* chees.c — ChEES-HMC (gen_chees_sample): the n particles of a batched trace as n HMC
 * chains in lockstep, sharing a step size (dual averaging on the chains' harmonic-mean
 * acceptance), a jittered trajectory length (Adam on the ChEES criterion) and a diagonal
 * metric (the cross-chain variance), adapted in warm-up (Hoffman, Radul and Sountsov 2021;
 * the update rules of BlackJAX's chees_adaptation). The chains' evaluation, start and
 * write-back are hmc_batched.c's (hmc_batched_int.h). */
#include <math.h>
#include <string.h>

#include "hmc_batched_int.h"
#include "kernels_int.h"
#include "nuts_int.h"

#define FN "gen_chees_sample"
#define LOG_UPDATE_CLIP 0.35   /* the largest change of log T per iteration (~log(2) / 2) */
#define MAX_ENERGY_ERROR 1000. /* H - H0 beyond it is a divergence, as in NUTS */

gen_chees_config gen_chees_config_default(void) {
    return (gen_chees_config){
        .warmup = 1000,
        .draws = 1000,
        .metric = GEN_METRIC_DIAG,
        .step = 1,
        .target_accept = 0.651,
        .learning_rate = 0.025,
        .max_leapfrog = 1000,
        .jitter = GEN_JITTER_HALTON,
    };
}

/* The shared parameters and their adaptation. */
typedef struct adapt {
    nuts_stepsize da;              /* dual averaging of log eps */
    double eps, T;                 /* in use now */
    double log_eps_ma, log_T_ma;   /* the moving averages (weight k^-1/2) */
    double adam_m, adam_v;         /* Adam's moments of the gradient in log T */
    int64_t k;                     /* warm-up iterations adapted so far */
} adapt;

/* A run: the chains, the metric, the settings and the results' host buffers. */
typedef struct run {
    batch_chains c;
    hmc_metric m;
    gen_chees_config cfg;          /* defaults filled in */
    bool adapt_metric;
    adapt a;
    double *h0, *prob, *mean0, *mean1; /* [n] start energies, acceptance probabilities; [d] means */
    bool *div;                     /* [n] diverged this iteration */
    double *draws, *unc, *stats;   /* the results, chain-major */
    int64_t n_draws_alloc, n_unc_alloc, n_stats_alloc, n_iter;
} run;

static gen_status check_config(const gen_trace *tr, const gen_selection *sel, const gen_chees_config *cfg,
                               gen_chees_result *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, FN ": out is NULL");
    *out = (gen_chees_result){0};
    if (!tr) return infer_null(FN, "the trace");
    if (!sel) return infer_null(FN, "the selection");
    if (!cfg) return GEN_FAIL(GEN_ERR_MISUSE, FN ": the configuration is NULL");
    gen_status s = batch_sampler_check(FN, tr, cfg->warmup, cfg->draws, cfg->metric, cfg->inv_metric, cfg->step,
                                       cfg->fixed_step);
    if (s != GEN_OK) return s;
    if (cfg->traj_length < 0 || !isfinite(cfg->traj_length) || (cfg->fixed_traj_length && !(cfg->traj_length > 0)))
        return GEN_FAIL(GEN_ERR_VALUE, FN ": traj_length must be finite and > 0 (0: the step), got %g",
                        cfg->traj_length);
    if (cfg->target_accept < 0 || cfg->target_accept >= 1)
        return GEN_FAIL(GEN_ERR_VALUE, FN ": target_accept must be in (0, 1) (0: 0.651), got %g", cfg->target_accept);
    if (cfg->learning_rate < 0 || !isfinite(cfg->learning_rate))
        return GEN_FAIL(GEN_ERR_VALUE, FN ": learning_rate must be finite and > 0 (0: 0.025), got %g",
                        cfg->learning_rate);
    if (cfg->max_leapfrog < 0 || cfg->max_leapfrog > GEN_MAX_LEAPFROG)
        return GEN_FAIL(GEN_ERR_VALUE, FN ": max_leapfrog must be in 1..%d (0: 1000), got %d", GEN_MAX_LEAPFROG,
                        cfg->max_leapfrog);
    if (cfg->jitter != GEN_JITTER_HALTON && cfg->jitter != GEN_JITTER_UNIFORM && cfg->jitter != GEN_JITTER_NONE)
        return GEN_FAIL(GEN_ERR_VALUE, FN ": unknown jitter %d", (int)cfg->jitter);
    return GEN_OK;
}

/* cfg with its zero fields at their defaults. */
static gen_chees_config with_defaults(const gen_chees_config *cfg) {
    gen_chees_config r = *cfg, def = gen_chees_config_default();
    if (r.step == 0) r.step = def.step;
    if (r.target_accept == 0) r.target_accept = def.target_accept;
    if (r.learning_rate == 0) r.learning_rate = def.learning_rate;
    if (r.max_leapfrog == 0) r.max_leapfrog = def.max_leapfrog;
    return r;
}

/* The van der Corput (base 2) point of i: i's bits mirrored about the binary point, in
 * (0, 1) for i >= 1. */
static double van_der_corput(uint64_t i) {
    double u = 0, f = 0.5;
    for (; i; i >>= 1, f *= 0.5)
        if (i & 1) u += f;
    return u;
}

static double *alloc_doubles(int64_t n) { return core_alloc((size_t)n * sizeof(double) + 1); }
static void free_doubles(double *p, int64_t n) {
    if (p) core_free(p, (size_t)n * sizeof(double) + 1);
}

static void run_free(run *r) {
    int64_t n = r->c.n, d = r->c.d;
    free_doubles(r->h0, 2 * n + 2 * d);
    if (r->div) core_free(r->div, (size_t)n + 1);
    free_doubles(r->draws, r->n_draws_alloc);
    free_doubles(r->unc, r->n_unc_alloc);
    free_doubles(r->stats, r->n_stats_alloc);
    hmc_metric_free(&r->m);
    batch_chains_free(&r->c);
}

/* Every chain's trajectory of L leapfrog steps of size eps from its start (c->theta0,
 * c->lp0, c->grad0) with momenta from key: c->theta, c->p, c->lp the proposal,
 * c->alpha = H0 - H (-inf for a divergence), r->h0 the start energies, r->prob the
 * acceptance probabilities and r->div, c->why the divergences. */
static gen_status trajectory(run *r, gen_key key, double eps, int64_t L) {
    batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d;
    memset(c->dead, 0, (size_t)n * sizeof *c->dead);
    memset(c->why, 0, (size_t)n * sizeof *c->why);
    gen_status s = hmc_normals(key, n * d, c->p); /* z, made momenta in place below */
    if (s != GEN_OK) return s;
    memcpy(c->theta, c->theta0, (size_t)(n * d) * sizeof *c->theta);
    memcpy(c->grad, c->grad0, (size_t)(n * d) * sizeof *c->grad);
    for (int64_t i = 0; i < n; i++) {
        memcpy(c->tmp, c->p + i * d, (size_t)d * sizeof *c->tmp);
        hmc_draw_momentum(&r->m, c->tmp, c->p + i * d);
        r->h0[i] = -c->lp0[i] + hmc_kinetic(&r->m, c->p + i * d, c->tmp);
    }
    for (int64_t l = 0; s == GEN_OK && l < L; l++) {
        for (int64_t i = 0; i < n; i++) {
            if (c->dead[i]) continue;
            double *p = c->p + i * d, *g = c->grad + i * d, *th = c->theta + i * d;
            for (int64_t k = 0; k < d; k++) p[k] += 0.5 * eps * g[k];
            hmc_apply_minv(&r->m, p, c->tmp);
            for (int64_t k = 0; k < d; k++) th[k] += eps * c->tmp[k];
        }
        s = batch_chains_eval(c, c->theta, c->lp, c->grad, false);
        for (int64_t i = 0; s == GEN_OK && i < n; i++) {
            if (c->dead[i]) continue;
            double *p = c->p + i * d, *g = c->grad + i * d;
            for (int64_t k = 0; k < d; k++) p[k] += 0.5 * eps * g[k];
        }
    }
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        double h = c->dead[i] || !isfinite(c->lp[i]) ? INFINITY : -c->lp[i] + hmc_kinetic(&r->m, c->p + i * d, c->tmp);
        c->alpha[i] = r->h0[i] - h;
        if (!c->dead[i] && !(c->alpha[i] > -MAX_ENERGY_ERROR)) /* NaN too */
            c->why[i] = isfinite(c->lp[i]) ? GEN_DIVERGENCE_ENERGY : GEN_DIVERGENCE_DENSITY;
        r->div[i] = c->why[i] != GEN_DIVERGENCE_NONE;
        if (r->div[i]) c->alpha[i] = -INFINITY;
        r->prob[i] = r->div[i] ? 0 : c->alpha[i] >= 0 ? 1 : exp(c->alpha[i]);
    }
    return s;
}

/* Stan's first step size: eps doubled (or halved) until the chains' mean acceptance
 * probability of one leapfrog step falls below (rises above) 0.8. */
static gen_status find_step(run *r, gen_key key, double *eps) {
    int dir = 0;
    for (uint64_t a = 0; a < 100; a++) {
        gen_status s = trajectory(r, gen_key_fold_in(key, a), *eps, 1);
        if (s != GEN_OK) return s;
        double mean = 0;
        for (int64_t i = 0; i < r->c.n; i++) mean += r->prob[i] / (double)r->c.n;
        if (dir == 0) dir = mean > 0.8 ? 1 : -1;
        if ((dir == 1 && !(mean > 0.8)) || (dir == -1 && !(mean < 0.8))) break;
        *eps = dir == 1 ? 2 * *eps : 0.5 * *eps;
    }
    return GEN_OK;
}

/* The gradient in log T of the ChEES criterion, estimated from this iteration's chains
 * (u: the jitter, T: the trajectory length used), in the metric's whitened coordinates. */
static double chees_gradient(run *r, double u, double T) {
    const batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d;
    double wsum = 0;
    memset(r->mean0, 0, (size_t)(2 * d) * sizeof *r->mean0);
    for (int64_t i = 0; i < n; i++) {
        double w = r->div[i] ? 0 : r->prob[i];
        wsum += w;
        for (int64_t k = 0; k < d; k++) {
            r->mean0[k] += c->theta0[i * d + k] / (double)n;
            if (w > 0) r->mean1[k] += w * c->theta[i * d + k];
        }
    }
    for (int64_t k = 0; k < d; k++) r->mean1[k] /= wsum + 1e-20;
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        if (r->div[i]) continue;
        double sq1 = 0, sq0 = 0, dot = 0;
        for (int64_t k = 0; k < d; k++) {
            double minv = r->m.kind == 1 ? r->m.minv[k] : 1;
            double x1 = c->theta[i * d + k] - r->mean1[k], x0 = c->theta0[i * d + k] - r->mean0[k];
            sq1 += x1 * x1 / minv, sq0 += x0 * x0 / minv, dot += x1 * c->p[i * d + k];
        }
        num += r->prob[i] * u * T * (sq1 - sq0) * dot;
        den += r->prob[i] + 1e-20;
    }
    return den > 0 ? num / den : 0;
}

/* The warm-up's update of eps and T after an iteration with jitter u (before the chains
 * move: the criterion reads their starts and proposals). */
static void adapt_update(run *r, double u) {
    adapt *a = &r->a;
    int64_t n = r->c.n;
    double w = pow((double)++a->k, -0.5);
    if (!r->cfg.fixed_step) {
        double inv = 0, hm = 0;
        int64_t kept = 0;
        for (int64_t i = 0; i < n; i++)
            if (!r->div[i]) inv += 1 / r->prob[i], kept++;
        hm = kept ? (double)kept / inv : 0; /* a zero probability: 0 */
        if (!isfinite(hm)) hm = 0;
        nuts_stepsize old = a->da;
        double eps = a->eps;
        nuts_stepsize_learn(&a->da, &eps, hm);
        if (isfinite(eps) && eps > 0) a->eps = eps;
        else a->da = old;
        a->log_eps_ma = (1 - w) * a->log_eps_ma + w * log(a->eps);
    }
    if (!r->cfg.fixed_traj_length) {
        double g = chees_gradient(r, u, a->T), t = (double)a->k;
        double m = 0.9 * a->adam_m + 0.1 * g, v = 0.999 * a->adam_v + 0.001 * g * g;
        double step = r->cfg.learning_rate * (m / (1 - pow(0.9, t))) / (sqrt(v / (1 - pow(0.999, t))) + 1e-8);
        step = fmin(LOG_UPDATE_CLIP, fmax(-LOG_UPDATE_CLIP, step));
        double log_T = log(a->T) + step; /* ascent: ChEES is maximized */
        if (isfinite(log_T)) a->adam_m = m, a->adam_v = v;
        else log_T = log(a->T);
        a->log_T_ma = (1 - w) * a->log_T_ma + w * log_T;
        a->T = fmin((double)r->cfg.max_leapfrog * a->eps, fmax(a->eps, exp(a->log_T_ma)));
    }
}

/* The metric from the chains' positions: their cross-chain variance, regularized as
 * Stan's windowed estimate, (n / (n + 5)) var + 1e-3 (5 / (n + 5)). */
static gen_status metric_update(run *r) {
    const batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d;
    double *var = c->tmp, nn = (double)n;
    for (int64_t k = 0; k < d; k++) {
        double mean = 0, m2 = 0;
        for (int64_t i = 0; i < n; i++) mean += c->theta0[i * d + k] / nn;
        for (int64_t i = 0; i < n; i++) m2 += (c->theta0[i * d + k] - mean) * (c->theta0[i * d + k] - mean);
        var[k] = (nn / (nn + 5)) * (m2 / (nn - 1)) + 1e-3 * (5 / (nn + 5));
    }
    return hmc_metric_set(&r->m, 1, d, var);
}

/* Records iteration it's statistics (step eps, L leapfrog steps), and after warm-up the
 * chains' draw. */
static gen_status record(run *r, int64_t it, double eps, int64_t L) {
    batch_chains *c = &r->c;
    int64_t n = c->n, warm = r->cfg.warmup;
    for (int64_t i = 0; i < n; i++) {
        double *st = r->stats + (i * r->n_iter + it) * GEN_NUTS_NSTATS;
        st[GEN_NUTS_LP] = c->lp0[i];
        st[GEN_NUTS_ACCEPT_STAT] = r->prob[i];
        st[GEN_NUTS_STEP_SIZE] = eps;
        st[GEN_NUTS_TREE_DEPTH] = 0;
        st[GEN_NUTS_N_LEAPFROG] = (double)L;
        st[GEN_NUTS_DIVERGENT] = r->div[i];
        st[GEN_NUTS_ENERGY] = c->acc[i] ? r->h0[i] - c->alpha[i] : r->h0[i];
        st[GEN_NUTS_DIVERGENCE] = (double)c->why[i];
    }
    return it < warm ? GEN_OK : batch_chains_record(c, it - warm, r->cfg.draws, r->unc, r->draws);
}

/* One iteration: trajectories, each chain's decision, the adaptation in warm-up. */
static gen_status iterate(run *r, gen_key key, int64_t it) {
    batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d;
    bool warm = it < r->cfg.warmup;
    gen_key k[3];
    gen_status s = gen_key_split(key, 3, k);
    if (s != GEN_OK) return s;
    double u = 1;
    if (r->cfg.jitter == GEN_JITTER_HALTON) u = van_der_corput((uint64_t)it + 1);
    else if (r->cfg.jitter == GEN_JITTER_UNIFORM) u = 1 - exp(infer_log_uniform(k[2])); /* in (0, 1] */
    if (it == r->cfg.warmup && it > 0) { /* the draws' parameters: the moving averages */
        if (!r->cfg.fixed_step) r->a.eps = exp(r->a.log_eps_ma);
        if (!r->cfg.fixed_traj_length) r->a.T = exp(r->a.log_T_ma);
    }
    double eps = r->a.eps, steps = ceil(u * r->a.T / eps);
    int64_t L = !(steps >= 1) ? 1 : steps > r->cfg.max_leapfrog ? r->cfg.max_leapfrog : (int64_t)steps;
    if ((s = trajectory(r, k[0], eps, L)) != GEN_OK) return s;
    if ((s = infer_batch_decide(k[1], n, c->alpha, c->acc, NULL)) != GEN_OK) return s;
    if (warm) adapt_update(r, u);
    for (int64_t i = 0; i < n; i++)
        if (c->acc[i]) {
            memcpy(c->theta0 + i * d, c->theta + i * d, (size_t)d * sizeof *c->theta);
            memcpy(c->grad0 + i * d, c->grad + i * d, (size_t)d * sizeof *c->grad);
            c->lp0[i] = c->lp[i];
        }
    if ((s = record(r, it, eps, L)) != GEN_OK) return s;
    return warm && r->adapt_metric ? metric_update(r) : GEN_OK;
}

/* The run's buffers, once the chains know n, d and dims. */
static gen_status run_alloc(run *r) {
    int64_t n = r->c.n, d = r->c.d;
    r->n_iter = r->cfg.warmup + r->cfg.draws;
    r->n_draws_alloc = n * r->cfg.draws * r->c.dims;
    r->n_unc_alloc = n * r->cfg.draws * d;
    r->n_stats_alloc = n * r->n_iter * GEN_NUTS_NSTATS;
    r->h0 = alloc_doubles(2 * n + 2 * d);
    r->div = core_alloc((size_t)n + 1);
    r->draws = alloc_doubles(r->n_draws_alloc);
    r->unc = alloc_doubles(r->n_unc_alloc);
    r->stats = alloc_doubles(r->n_stats_alloc);
    if (!r->h0 || !r->div || !r->draws || !r->unc || !r->stats) return GEN_ERR_OOM;
    r->prob = r->h0 + n, r->mean0 = r->prob + n, r->mean1 = r->mean0 + d;
    return GEN_OK;
}

/* The results into out (arrays in the current scope) and the trace at the chains' final
 * points, whose target the next batched step on it takes up (target_reuse.c). */
static gen_status publish(run *r, const gen_trace *tr, const gen_selection *sel, gen_chees_result *out) {
    batch_chains *c = &r->c;
    int64_t n = c->n, d = c->d, draws = r->cfg.draws;
    int64_t sd[3] = {n, draws, c->dims}, su[3] = {n, draws, d}, ss[3] = {n, r->n_iter, GEN_NUTS_NSTATS};
    for (int64_t k = 0; k < d; k++) c->tmp[k] = r->m.kind == 1 ? r->m.minv[k] : 1;
    out->draws = gen_array_from(GEN_F64, 3, sd, r->draws);
    out->unconstrained = gen_array_from(GEN_F64, 3, su, r->unc);
    out->stats = gen_array_from(GEN_F64, 3, ss, r->stats);
    out->inv_metric = gen_array_from(GEN_F64, 1, &d, c->tmp);
    if (!out->draws || !out->unconstrained || !out->stats || !out->inv_metric) return infer_pending();
    out->step_size = r->a.eps;
    out->traj_length = r->a.T;
    return batch_chains_finish(c, tr, sel, &out->trace);
}

gen_status gen_chees_sample(const gen_trace *tr, gen_key key, const gen_selection *sel, const gen_chees_config *cfg,
                            gen_chees_result *out) {
    gen_status s = check_config(tr, sel, cfg, out);
    if (s != GEN_OK) return s;
    run r = {0};
    r.cfg = with_defaults(cfg);
    gen_key k[3];
    s = batch_chains_init(&r.c, tr, sel);
    int64_t n = r.c.n, d = r.c.d;
    if (s == GEN_OK) s = run_alloc(&r);
    if (s == GEN_OK)
        s = cfg->inv_metric ? hmc_metric_init(&r.m, cfg->inv_metric, d)
                            : hmc_metric_set(&r.m, r.cfg.metric == GEN_METRIC_DIAG ? 1 : 0, d, NULL);
    r.adapt_metric = !cfg->inv_metric && r.cfg.metric == GEN_METRIC_DIAG && n >= 2;
    if (s == GEN_OK) s = gen_key_split(key, 3, k);
    if (s == GEN_OK) s = batch_chains_eval(&r.c, r.c.theta0, r.c.lp0, r.c.grad0, true);
    r.a.eps = r.cfg.step;
    if (s == GEN_OK && !r.cfg.fixed_step && r.cfg.warmup > 0) s = find_step(&r, k[0], &r.a.eps);
    r.a.T = r.cfg.traj_length > 0 ? r.cfg.traj_length : r.cfg.step; /* BlackJAX: T0 the initial step given */
    r.a.log_eps_ma = log(r.a.eps), r.a.log_T_ma = log(r.a.T);
    r.a.da = (nuts_stepsize){.mu = log(10 * r.a.eps), .delta = r.cfg.target_accept, .gamma = 0.05, .t0 = 10,
                             .kappa = 0.75};
    infer_run prog;
    infer_run_init(&prog, FN, "iterations", &cfg->progress, 1);
    bool stopped = s == GEN_OK && !batch_chains_report(&prog, 0, r.cfg.warmup, r.n_iter);
    for (int64_t it = 0; s == GEN_OK && !stopped && it < r.n_iter; it++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        s = iterate(&r, gen_key_fold_in(k[1], (uint64_t)it), it);
        gen_scope_end();
        if (s != GEN_OK) core_error_prefix("iteration %lld", (long long)it);
        else stopped = !batch_chains_report(&prog, it + 1, r.cfg.warmup, r.n_iter);
    }
    if (s == GEN_OK && stopped) s = infer_run_cancelled(&prog);
    infer_run_free(&prog);
    if (s == GEN_OK) s = publish(&r, tr, sel, out);
    run_free(&r);
    if (s != GEN_OK) {
        *out = (gen_chees_result){0};
        if (s != GEN_CANCELLED) core_error_prefix(FN); /* the cancel's message names FN */
    }
    return s;
}
