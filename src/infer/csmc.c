/* csmc.c — conditional SMC (Andrieu, Doucet & Holenstein 2010): a particle filter, on the
 * filter's own object (pf_int.h), whose particle 0 follows a given reference trajectory
 * through every resampling (its ancestor itself, or drawn by ancestor sampling), while
 * the other particles are resampled and proposed from the prior as usual; a trajectory
 * drawn from the final weights comes out. */
#include <math.h>
#include <stdio.h>

#include "pmcmc_int.h"
#include "../gfi/gfi_int.h"

/* The reference step by step, from the end: *ref0 = ref with its steps after 0 dropped
 * (update back to init_args: nothing is drawn), steps[t] = its choices of step t
 * (t = 1..T: the discard of the update from step t's arguments to step t - 1's); one
 * reference each. */
static gen_status ref_steps(const gen_ssm *ssm, const gen_trace *ref, gen_key key, gen_trace **ref0,
                            gen_choicemap **steps) {
    gen_trace *cur = gen_trace_retain((gen_trace *)ref);
    gen_status s = cur ? GEN_OK : infer_pending();
    for (int64_t t = ssm->n_steps; s == GEN_OK && t > 0; t--) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        gen_diff buf[16];
        gen_trace *prev = NULL;
        gen_choicemap *d = NULL;
        s = gen_update(cur, gen_key_fold_in(key, (uint64_t)t), pmcmc_args(ssm, t - 1), pmcmc_back_diffs(ssm, t, buf),
                       gen_choicemap_empty(), &prev, NULL, NULL, &d);
        if (s == GEN_OK && !(steps[t] = gen_choicemap_retain(d))) s = infer_pending();
        if (s == GEN_OK) {
            gen_trace_release(cur);
            if (!(cur = gen_trace_retain(prev))) s = infer_pending();
        }
        if (s != GEN_OK) core_error_prefix("the reference taken back to step %lld", (long long)(t - 1));
        gen_scope_end();
    }
    if (s == GEN_OK) *ref0 = cur;
    else gen_trace_release(cur);
    return s;
}

/* What every particle's move at step t reads. */
typedef struct csmc_step {
    const gen_ssm *ssm;
    int64_t t;
    const gen_choicemap *constraints; /* step t's observations (at 0 with the parameters) */
    const gen_selection *observed;    /* their addresses */
    gen_trace *ref0;                  /* the reference at step 0 */
    const gen_choicemap *ref_step;    /* its choices of step t (t >= 1) */
} csmc_step;

/* update of tr to step t with the reference's choices of step t (nothing is drawn). */
static gen_status ref_update(const csmc_step *c, const gen_trace *tr, gen_key key, gen_trace **out, gen_array **w) {
    return gen_update(tr, key, pmcmc_args(c->ssm, c->t), pmcmc_diffs(c->ssm, c->t), c->ref_step, out, w, NULL, NULL);
}

/* The reference particle's log weight increment from prev (NULL at step 0) to cur: what
 * the filter's update (at step 0, generate) would have given it had the prior proposed
 * its choices: the log densities of the constrained choices plus the change of the
 * gen_factor terms. Its values there must be the constraints. */
static gen_status ref_weight(const csmc_step *c, const gen_trace *prev, const gen_trace *cur, double *dlw) {
    const gen_choicemap *ch = gen_trace_choices(cur);
    gen_choicemap *seen = ch ? gen_choicemap_restrict(ch, c->observed) : NULL;
    if (!seen) return infer_pending();
    char where[256];
    if (!infer_maps_close(c->constraints, seen, 0, where, sizeof where))
        return GEN_FAIL(GEN_ERR_VALUE, "the reference does not hold the step's observations: %s", where);
    gen_array *w = NULL, *w0 = NULL;
    double a = 0, b = 0;
    gen_status s = gen_project(cur, c->observed, &w);
    if (s == GEN_OK) s = gen_item(w, &a);
    if (s == GEN_OK && prev) s = gen_project(prev, gen_select_none(), &w0);
    if (s == GEN_OK && prev) s = gen_item(w0, &b);
    if (s == GEN_OK) *dlw = a - b;
    return s;
}

static gen_status csmc_move(void *ud, int64_t i, gen_key key, const gen_trace *tr, gen_trace **out, double *dlw) {
    const csmc_step *c = ud;
    gen_array *w = NULL;
    gen_status s;
    if (i == 0 && c->t == 0) {
        *out = c->ref0;
        return ref_weight(c, NULL, c->ref0, dlw);
    }
    if (i == 0) {
        s = ref_update(c, tr, key, out, &w);
        return s == GEN_OK ? ref_weight(c, tr, *out, dlw) : s;
    }
    s = c->t == 0 ? infer_is_particle(c->ssm->model, pmcmc_args(c->ssm, 0), c->constraints, NULL, NULL, key, out, &w)
                  : gen_update(tr, key, pmcmc_args(c->ssm, c->t), pmcmc_diffs(c->ssm, c->t), c->constraints, out,
                               &w, NULL, NULL);
    return s == GEN_OK ? gen_item(w, dlw) : s;
}

/* Ancestor sampling: *a drawn with probability proportional to exp(lw_i + the weight of
 * particle i's update with the reference's choices of step t). */
static gen_status draw_ancestor(const gen_pf *pf, const csmc_step *c, gen_key key, int64_t *a) {
    size_t wb = (size_t)pf->n * sizeof(double);
    double *aw = core_alloc(wb);
    if (!aw) return GEN_ERR_OOM;
    gen_status s = GEN_OK;
    for (int64_t i = 0; s == GEN_OK && i < pf->n; i++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        gen_trace *moved = NULL;
        gen_array *w = NULL;
        double x = 0;
        s = ref_update(c, pf->traces[i], gen_key_fold_in(key, (uint64_t)i), &moved, &w);
        if (s == GEN_OK) s = gen_item(w, &x);
        if (s == GEN_OK && isnan(aw[i] = pf->lw[i] + x))
            s = GEN_FAIL(GEN_ERR_VALUE, "the ancestor weight is NaN (%g + %g)", pf->lw[i], x);
        if (s != GEN_OK) core_error_prefix("ancestor sampling: particle %lld", (long long)i);
        gen_scope_end();
    }
    if (s == GEN_OK && (s = gen_scope_begin()) == GEN_OK) {
        gen_array *lw = gen_array_from(GEN_F64, 1, &pf->n, aw);
        s = lw ? gen_resample(key, lw, GEN_RESAMPLE_MULTINOMIAL, 1, a) : infer_pending();
        if (s != GEN_OK) core_error_prefix("ancestor sampling");
        gen_scope_end();
    }
    core_free(aw, wb);
    return s;
}

/* Conditional multinomial resampling: particles 1..n-1 take ancestors drawn from all n in
 * proportion to their weights, particle 0 the ancestor a; every log weight becomes their
 * log mean. */
static gen_status cond_resample(gen_pf *pf, gen_key key, int64_t a) {
    int64_t n = pf->n;
    size_t ib = (size_t)n * sizeof(int64_t), tb = (size_t)n * sizeof(gen_trace *);
    int64_t *idx = core_alloc(ib);
    gen_trace **nt = idx ? core_alloc(tb) : NULL;
    if (!nt) {
        core_free(idx, ib);
        return GEN_ERR_OOM;
    }
    idx[0] = a;
    double lml = infer_log_mean_exp_of(pf->lw, n);
    gen_status s = GEN_OK;
    if (n > 1 && (s = gen_scope_begin()) == GEN_OK) {
        gen_array *lw = pf_weights_array(pf);
        s = lw ? gen_resample(key, lw, GEN_RESAMPLE_MULTINOMIAL, n - 1, idx + 1) : infer_pending();
        gen_scope_end();
    }
    if (s == GEN_OK) {
        /* retain every pick before releasing the old references */
        for (int64_t i = 0; i < n; i++) nt[i] = gen_trace_retain(pf->traces[idx[i]]);
        for (int64_t i = 0; i < n; i++) {
            gen_trace_release(pf->traces[i]);
            pf->lw[i] = lml;
        }
        core_free(pf->traces, tb);
        pf->traces = nt;
        nt = NULL;
    } else {
        core_error_prefix("resampling");
    }
    core_free(nt, tb);
    core_free(idx, ib);
    return s;
}

/* A filter of n empty particles (no trace yet, log weights 0). */
static gen_pf *pf_empty(int64_t n) {
    gen_pf *p = core_calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n;
    p->traces = core_calloc((size_t)n, sizeof *p->traces); /* checks n * size for overflow */
    p->lw = p->traces ? core_calloc((size_t)n, sizeof *p->lw) : NULL;
    if (!p->lw) {
        gen_pf_free(p);
        return NULL;
    }
    return p;
}

/* Steps 0..T with particle 0 the reference; *pick the particle drawn at the end. */
static gen_status run_filter(const gen_ssm *ssm, gen_key key, const gen_csmc_config *cfg, gen_trace *ref0,
                             gen_choicemap *const *steps, const gen_choicemap *theta, gen_pf *pf, int64_t *pick) {
    gen_status s = GEN_OK;
    char where[64];
    for (int64_t t = 0; s == GEN_OK && t <= ssm->n_steps; t++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        snprintf(where, sizeof where, "step %lld", (long long)t);
        gen_key k[3];
        int64_t a = 0;
        csmc_step c = {ssm, t, pmcmc_obs(ssm, t), NULL, ref0, t ? steps[t] : NULL};
        s = gen_key_split(gen_key_fold_in(key, (uint64_t)t), 3, k);
        if (s == GEN_OK && t > 0 && cfg->ancestor_sampling && pf->n > 1) s = draw_ancestor(pf, &c, k[2], &a);
        if (s == GEN_OK && t > 0) s = cond_resample(pf, k[0], a);
        if (s == GEN_OK && t == 0 && !(c.constraints = gen_choicemap_merge(c.constraints, theta))) {
            s = infer_pending();
            core_error_prefix("the initial observations and the parameters");
        }
        if (s == GEN_OK && !(c.observed = infer_select_values(c.constraints))) s = infer_pending();
        if (s == GEN_OK) s = pf_move_all(pf, where, k[1], csmc_move, &c); /* prefixes "step t: particle i" */
        else core_error_prefix("%s", where);
        gen_scope_end();
    }
    if (s == GEN_OK && (s = gen_scope_begin()) == GEN_OK) {
        gen_array *lw = pf_weights_array(pf);
        gen_key kf = gen_key_fold_in(key, (uint64_t)ssm->n_steps + 1);
        s = lw ? gen_resample(kf, lw, GEN_RESAMPLE_MULTINOMIAL, 1, pick) : infer_pending();
        if (s != GEN_OK) core_error_prefix("the final draw");
        gen_scope_end();
    }
    return s;
}

/* ref must be at the last step's arguments (the walk back starts from them). */
static gen_status check_last_args(const char *fn, const gen_trace *ref, const gen_args *last) {
    const gen_args *have = gen_trace_args(ref);
    int n_have = have ? have->n : 0, n_last = last ? last->n : 0;
    if (n_have != n_last)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: ref has %d arguments, the last step's arguments are %d", fn, n_have,
                        n_last);
    for (int i = 0; i < n_have; i++)
        if (!gfi_same_value(have->v[i], last->v[i]))
            return GEN_FAIL(GEN_ERR_VALUE, "%s: ref's argument %d is not the last step's (ref must be a trace at the "
                            "last step's arguments)", fn, i);
    return GEN_OK;
}

gen_status gen_csmc(const gen_trace *ref, gen_key key, const gen_ssm *ssm, const gen_csmc_config *cfg,
                    gen_trace **out) {
    const char *fn = "gen_csmc";
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    if (!ref) return infer_null(fn, "the reference trace");
    gen_status s = pmcmc_check_ssm(fn, ssm);
    if (s != GEN_OK) return s;
    if (!cfg) return infer_null(fn, "the configuration");
    int64_t n = cfg->n_particles, T = ssm->n_steps;
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: the particle count must be >= 1, got %lld", fn, (long long)n);
    if (gen_trace_gf(ref) != ssm->model)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: ref is a trace of %s, the problem's model is %s", fn,
                        gen_gf_name(gen_trace_gf(ref)), gen_gf_name(ssm->model));
    if (cfg->params && (s = gfi_check_selection(fn, ref, cfg->params)) != GEN_OK) return s;
    if ((s = check_last_args(fn, ref, pmcmc_args(ssm, T))) != GEN_OK) return s;
    size_t sb = (size_t)(T + 1) * sizeof(gen_choicemap *);
    gen_choicemap **steps = core_calloc((size_t)T + 1, sizeof *steps);
    gen_pf *pf = steps ? pf_empty(n) : NULL;
    if (!pf) {
        core_free(steps, sb);
        return GEN_ERR_OOM;
    }
    gen_trace *ref0 = NULL;
    if ((s = gen_scope_begin()) == GEN_OK) {
        int64_t pick = 0;
        gen_choicemap *theta = pmcmc_params_of(ref, cfg->params);
        s = theta ? ref_steps(ssm, ref, key, &ref0, steps) : infer_pending();
        if (s == GEN_OK) s = run_filter(ssm, key, cfg, ref0, steps, theta, pf, &pick);
        if (s == GEN_OK && !(*out = gen_trace_scope_return(pf->traces[pick]))) s = infer_pending();
        if (s != GEN_OK) core_error_prefix("%s", fn);
        gen_scope_end();
    }
    gen_trace_release(ref0);
    for (int64_t t = 0; t <= T; t++) gen_choicemap_release(steps[t]);
    core_free(steps, sb);
    gen_pf_free(pf);
    return s;
}
