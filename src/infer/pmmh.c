/* pmmh.c — particle marginal Metropolis–Hastings (Andrieu, Doucet & Holenstein 2010): MH
 * on the static parameters whose acceptance ratio uses the particle filter's estimate of
 * log p(observations, parameters); the current state's estimate is kept (pseudo-marginal).
 * The run records the chosen choices per draw, as gen_run_chain does. */
#include <math.h>
#include <stdio.h>

#include "pmcmc_int.h"
#include "../gfi/gfi_int.h"

/* A filter of n_particles at the parameters theta: *lml its estimate of log p(obs, theta)
 * (-inf when every particle gets weight zero: *traj is then NULL), *traj a trajectory
 * drawn from it (a reference in the current scope). */
static gen_status run_filter(const gen_ssm *ssm, const gen_pmmh_config *cfg, const gen_choicemap *theta,
                             gen_key key, double *lml, gen_trace **traj) {
    *traj = NULL;
    *lml = -INFINITY;
    gen_choicemap *c0 = gen_choicemap_merge(pmcmc_obs(ssm, 0), theta);
    if (!c0) return infer_pending();
    int64_t n = cfg->n_particles, T = ssm->n_steps;
    double threshold = cfg->ess_fraction > 0 ? cfg->ess_fraction * (double)n : (double)n + 1;
    gen_pf *pf = NULL;
    gen_key k[2];
    double z = 0;
    gen_status s = gen_key_split(gen_key_fold_in(key, 0), 2, k);
    if (s == GEN_OK) s = gen_pf_init(ssm->model, k[1], pmcmc_args(ssm, 0), c0, NULL, NULL, n, &pf);
    for (int64_t t = 1; s == GEN_OK && t <= T; t++) {
        if ((s = gen_pf_log_ml(pf, &z)) != GEN_OK || z == -INFINITY) break; /* nothing left to resample */
        s = gen_key_split(gen_key_fold_in(key, (uint64_t)t), 2, k);
        if (s == GEN_OK) s = gen_pf_maybe_resample(pf, k[0], cfg->method, threshold, NULL);
        if (s == GEN_OK)
            s = gen_pf_step(pf, k[1], pmcmc_args(ssm, t), pmcmc_diffs(ssm, t), pmcmc_obs(ssm, t), NULL, NULL);
        if (s != GEN_OK) core_error_prefix("step %lld", (long long)t);
    }
    if (s == GEN_OK) s = gen_pf_log_ml(pf, &z);
    if (s == GEN_OK && z > -INFINITY)
        s = gen_pf_sample_unweighted_traces(pf, gen_key_fold_in(key, (uint64_t)T + 1), 1, traj);
    if (s == GEN_OK) *lml = z;
    gen_pf_free(pf);
    return s;
}

/* GEN_OK when every value of m is at an address params contains; else GEN_ERR_VALUE
 * naming it ("what: x/3 is not a parameter"). */
static gen_status check_in_params(const char *what, const gen_choicemap *m, const gen_selection *params) {
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (gen_choicemap_iter_next(&it)) {
        if (gen_selection_contains(params, &it.addr)) continue;
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr_format(&it.addr, buf, sizeof buf);
        return GEN_FAIL(GEN_ERR_VALUE, "%s %s, which is not a parameter", what, buf);
    }
    return GEN_OK;
}

/* One iteration from the state (cur, z): *next (a reference in the current scope) and
 * *z_next are the proposed state when accepted, else cur and z. */
static gen_status iterate(const gen_ssm *ssm, const gen_pmmh_config *cfg, gen_key key, gen_trace *cur, double z,
                          gen_trace **next, double *z_next, bool *accepted) {
    gen_key k[3];
    gen_args fwd = {cfg->proposal_args ? cfg->proposal_args->n : 0, cfg->proposal_args ? cfg->proposal_args->v : NULL,
                    cur};
    gen_choicemap *q = NULL, *theta = NULL, *old = NULL, *moved = NULL;
    gen_array *w_fwd = NULL, *w_bwd = NULL;
    gen_trace *prop = NULL;
    double z2 = -INFINITY, a = 0, b = 0, alpha = NAN;
    gen_status s = gen_key_split(key, 3, k);
    if (s == GEN_OK && (s = gen_propose(cfg->proposal, k[0], &fwd, &q, &w_fwd, NULL)) != GEN_OK)
        core_error_prefix("the proposal");
    if (s == GEN_OK) s = check_in_params("the proposal proposes", q, cfg->params);
    if (s == GEN_OK) {
        /* theta' = cur's parameters with q's values in place; old = cur's values at q's addresses */
        gen_selection *at_q = infer_select_values(q);
        theta = at_q ? pmcmc_params_of(cur, cfg->params) : NULL;
        old = theta ? gen_choicemap_restrict(theta, at_q) : NULL;
        gen_choicemap *kept = old ? gen_choicemap_restrict_complement(theta, at_q) : NULL;
        if (!kept || !(moved = gen_choicemap_merge(kept, q))) s = infer_pending();
    }
    bool rejected = false;
    if (s == GEN_OK && (s = run_filter(ssm, cfg, moved, k[1], &z2, &prop)) != GEN_OK)
        rejected = infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE; /* the model refuses theta' */
    if (s == GEN_OK && prop) {
        gen_args bwd = {fwd.n, fwd.v, prop};
        if ((s = gen_assess(cfg->proposal, &bwd, old, &w_bwd, NULL)) != GEN_OK) {
            rejected = infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE; /* density 0 of the way back */
            if (!rejected) core_error_prefix("the proposal cannot propose the old values back");
        }
        if (s == GEN_OK && (s = gen_item(w_fwd, &a)) == GEN_OK && (s = gen_item(w_bwd, &b)) == GEN_OK)
            alpha = z2 - z + b - a;
    }
    if (rejected) s = GEN_OK, prop = NULL;
    if (s != GEN_OK) return s;
    bool acc = prop && !isnan(alpha) && infer_log_uniform(k[2]) < alpha;
    *accepted = acc;
    *next = acc ? prop : cur;
    *z_next = acc ? z2 : z;
    return GEN_OK;
}

static gen_status check_args(const char *fn, const gen_ssm *ssm, const gen_choicemap *init_params,
                             const gen_pmmh_config *cfg) {
    gen_status s = pmcmc_check_ssm(fn, ssm);
    if (s != GEN_OK) return s;
    if (!init_params) return infer_null(fn, "init_params");
    if (!cfg) return infer_null(fn, "the configuration");
    if (!cfg->params) return infer_null(fn, "cfg->params");
    if (!cfg->proposal) return infer_null(fn, "cfg->proposal");
    if (cfg->n_particles < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the particle count must be >= 1, got %lld", fn,
                        (long long)cfg->n_particles);
    if (cfg->method < GEN_RESAMPLE_MULTINOMIAL || cfg->method > GEN_RESAMPLE_RESIDUAL)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown resampling method %d", fn, (int)cfg->method);
    if (!(cfg->ess_fraction >= 0 && cfg->ess_fraction <= 1))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: ess_fraction must be in [0, 1], got %g", fn, cfg->ess_fraction);
    if (cfg->burn_in < 0 || cfg->draws < 0 || cfg->thin < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need burn_in >= 0, draws >= 0 and thin >= 1 (got %lld, %lld, %lld)", fn,
                        (long long)cfg->burn_in, (long long)cfg->draws, (long long)cfg->thin);
    if (cfg->draws > (INT64_MAX - cfg->burn_in) / cfg->thin)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: burn_in + draws * thin overflows (%lld + %lld * %lld)", fn,
                        (long long)cfg->burn_in, (long long)cfg->draws, (long long)cfg->thin);
    char what[64];
    snprintf(what, sizeof what, "%s: init_params gives", fn);
    return check_in_params(what, init_params, cfg->params);
}

/* The first state: a filter at init_params; *cur a reference of the caller's. */
static gen_status first_state(const char *fn, const gen_ssm *ssm, gen_key key, const gen_choicemap *init_params,
                              const gen_pmmh_config *cfg, gen_trace **cur, double *z) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_trace *tr = NULL;
    if ((s = run_filter(ssm, cfg, init_params, key, z, &tr)) != GEN_OK)
        core_error_prefix("%s: the filter at init_params", fn);
    else if (!tr)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: at init_params every particle has weight zero", fn);
    gen_choicemap *theta = s == GEN_OK ? pmcmc_params_of(tr, cfg->params) : NULL;
    if (s == GEN_OK && !theta) s = infer_pending();
    int64_t got = s == GEN_OK ? gen_choicemap_count(init_params) : 0, want = theta ? gen_choicemap_count(theta) : 0;
    if (s == GEN_OK && got != want)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: init_params gives %lld parameter values, the model has %lld", fn,
                     (long long)got, (long long)want);
    if (s == GEN_OK && cfg->record) s = gfi_check_selection(fn, tr, cfg->record); /* a typo records nothing */
    if (s == GEN_OK && !(*cur = gen_trace_retain(tr))) s = infer_pending();
    gen_scope_end();
    return s;
}

gen_status gen_pmmh(const gen_ssm *ssm, gen_key key, const gen_choicemap *init_params,
                    const gen_pmmh_config *cfg, gen_pmmh_result *out) {
    const char *fn = "gen_pmmh";
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = (gen_pmmh_result){0};
    gen_status s = check_args(fn, ssm, init_params, cfg);
    gen_trace *cur = NULL;
    double z = 0;
    if (s == GEN_OK) s = first_state(fn, ssm, gen_key_fold_in(key, 0), init_params, cfg, &cur, &z);
    if (s != GEN_OK) return s;
    const gen_selection *rec = cfg->record ? cfg->record : cfg->params;
    int64_t dims = gen_choicemap_flat_size(gen_trace_choices(cur), rec), draws = cfg->draws;
    size_t sb = 0, lb = (size_t)draws * sizeof(double);
    double *samples = NULL, *lml = NULL;
    if (dims < 0) s = infer_pending();
    else if (dims > 0 && draws > (int64_t)(SIZE_MAX / sizeof(double)) / dims)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: %lld draws of %lld values do not fit in memory", fn, (long long)draws,
                     (long long)dims);
    else if ((sb = (size_t)(draws * dims) * sizeof(double)) && !(samples = core_alloc(sb)))
        s = GEN_ERR_OOM;
    else if (lb && !(lml = core_alloc(lb)))
        s = GEN_ERR_OOM;
    if (s != GEN_OK) {
        if (samples) core_free(samples, sb);
        gen_trace_release(cur);
        return s;
    }
    /* the chain, as gen_run_chain runs one: each iteration in a scope of its own */
    int64_t steps = cfg->burn_in + draws * cfg->thin, done = 0, recorded = 0, n_acc = 0;
    bool stopped = false;
    infer_run run;
    infer_run_init(&run, fn, "iterations", &cfg->progress, 1);
    if (!infer_run_report(&run, 0, cfg->burn_in > 0 ? "burn_in" : "sampling", 0, steps)) stopped = steps > 0;
    for (int64_t i = 0; !stopped && i < steps; i++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        gen_trace *next = NULL;
        double z_next = z;
        bool acc = false;
        s = iterate(ssm, cfg, gen_key_fold_in(key, (uint64_t)i + 1), cur, z, &next, &z_next, &acc);
        int64_t after = i + 1 - cfg->burn_in;
        bool keep = after > 0 && after % cfg->thin == 0;
        if (s == GEN_OK && keep && dims > 0) {
            gen_array *v = gen_choicemap_flatten(gen_trace_choices(next), rec);
            if (!v) s = infer_pending();
            else if (gen_array_size(v) != dims)
                s = GEN_FAIL(GEN_ERR_SHAPE, "records %lld values, the first state %lld (the recorded choices changed)",
                             (long long)gen_array_size(v), (long long)dims);
            else
                s = gen_array_copy_to(v, GEN_F64, samples + recorded * dims, (size_t)dims * sizeof(double));
        }
        if (s == GEN_OK) {
            gen_trace_retain(next);
            gen_trace_release(cur);
            cur = next;
            z = z_next;
            done = i + 1;
            n_acc += acc;
            if (keep) lml[recorded++] = z;
        } else {
            core_error_prefix("%s: iteration %lld", fn, (long long)i);
        }
        gen_scope_end();
        if (s != GEN_OK) break;
        if (!infer_run_report(&run, 0, after > 0 ? "sampling" : "burn_in", i + 1, steps)) stopped = i + 1 < steps;
    }
    if (s == GEN_OK && stopped) s = infer_run_cancelled(&run);
    infer_run_free(&run);
    /* the results so far; their own failure replaces s */
    gen_status so = GEN_OK;
    out->accept_rate = done ? (double)n_acc / (double)done : 0;
    out->draws_done = recorded;
    if (!(out->samples = gen_array_from(GEN_F64, 2, (int64_t[]){recorded, dims}, samples)) ||
        !(out->log_ml = gen_array_from(GEN_F64, 1, &recorded, lml)))
        so = infer_pending();
    if (so == GEN_OK) { /* hands our reference to the caller's scope */
        out->final = gfi_trace_publish(cur);
        cur = NULL;
        if (!out->final) so = infer_pending();
    }
    gen_trace_release(cur);
    if (samples) core_free(samples, sb);
    if (lml) core_free(lml, lb);
    if (so != GEN_OK) {
        if (out->samples) gen_array_release(out->samples);
        if (out->log_ml) gen_array_release(out->log_ml);
        *out = (gen_pmmh_result){0}; /* the trace, if published, is left to the scope */
        return so;
    }
    return s;
}
