/* pf.c — the particle filter object: its life (init, free) and its steps. A step moves
 * every particle with gen_update (new args, argdiffs, observations, an optional proposal
 * that reads the particle's trace) and is applied to all particles or to none. */
#include <math.h>

#include "pf_int.h"

gen_status pf_move_all(gen_pf *pf, const char *fn, gen_key key, pf_move_fn f, void *ud) {
    size_t tb = (size_t)pf->n * sizeof(gen_trace *), wb = (size_t)pf->n * sizeof(double);
    gen_trace **nt = core_calloc((size_t)pf->n, sizeof *nt);
    double *nw = nt ? core_alloc(wb) : NULL;
    if (!nw) {
        core_free(nt, tb);
        return GEN_ERR_OOM;
    }
    gen_status s = GEN_OK;
    int64_t i = 0;
    for (; s == GEN_OK && i < pf->n; i++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        gen_trace *tr = NULL;
        double dlw = 0;
        s = f(ud, i, gen_key_fold_in(key, (uint64_t)i), pf->traces[i], &tr, &dlw);
        if (s == GEN_OK) {
            nw[i] = pf->lw[i] + dlw;
            if (isnan(nw[i]))
                s = GEN_FAIL(GEN_ERR_VALUE, "the log weight is NaN (%g + %g)", pf->lw[i], dlw);
        }
        if (s == GEN_OK && !(nt[i] = gen_trace_retain(tr))) s = infer_pending(); /* the filter's reference */
        if (s != GEN_OK) core_error_prefix("%s: particle %lld", fn, (long long)i);
        gen_scope_end();
    }
    gen_trace **old = s == GEN_OK ? pf->traces : nt;
    if (s == GEN_OK) {
        pf->traces = nt;
        for (int64_t j = 0; j < pf->n; j++) pf->lw[j] = nw[j];
    }
    for (int64_t j = 0; j < pf->n; j++) gen_trace_release(old[j]);
    core_free(old, tb);
    core_free(nw, wb);
    return s;
}

gen_array *pf_weights_array(const gen_pf *pf) {
    return pf->lw_dev ? gen_copy(pf->lw_dev) : gen_array_from(GEN_F64, 1, &pf->n, pf->lw);
}

gen_status pf_host_weights(const gen_pf *pf) {
    if (!pf->lw_stale) return GEN_OK;
    gen_pf *m = (gen_pf *)pf; /* a cache of the device weights: refreshing it changes no value */
    gen_status s = gen_array_copy_to(pf->lw_dev, GEN_F64, m->lw, (size_t)pf->n * sizeof *pf->lw);
    if (s == GEN_OK) m->lw_stale = false;
    return s;
}

gen_status pf_ess_now(const gen_pf *pf, double *ess) {
    if (pf->lw_dev) return gen_ess_of_log_weights(pf->lw_dev, ess);
    *ess = infer_ess_of(pf->lw, pf->n);
    return GEN_OK;
}

gen_status pf_set_weights(gen_pf *pf, double lw) {
    if (!pf->lw_dev) {
        for (int64_t i = 0; i < pf->n; i++) pf->lw[i] = lw;
        return GEN_OK;
    }
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_device old = gen_device_set_default(gen_array_device(pf->lw_dev));
    gen_array *w = gen_full(GEN_F64, 1, &pf->n, lw);
    gen_device_set_default(old);
    if (w) {
        gen_array_release(pf->lw_dev);
        pf->lw_dev = gen_array_retain(w);
        pf->lw_stale = true;
    } else {
        s = infer_pending();
    }
    gen_scope_end();
    return s;
}

gen_status pf_reserve_ess(gen_pf *pf) {
    if (pf->n_ess < pf->cap_ess) return GEN_OK;
    int64_t cap = pf->cap_ess ? 2 * pf->cap_ess : 16;
    double *p = core_realloc(pf->ess, (size_t)pf->cap_ess * sizeof *p, (size_t)cap * sizeof *p);
    if (!p) return GEN_ERR_OOM;
    pf->ess = p;
    pf->cap_ess = cap;
    return GEN_OK;
}

/* ---- init ----------------------------------------------------------------------------- */

typedef struct init_ctx {
    const gen_gf *model, *proposal;
    const gen_args *args, *pargs;
    const gen_choicemap *obs;
} init_ctx;

static gen_status init_move(void *ud, int64_t i, gen_key key, const gen_trace *tr, gen_trace **out, double *dlw) {
    (void)i, (void)tr;
    const init_ctx *c = ud;
    gen_array *w = NULL;
    gen_status s = infer_is_particle(c->model, c->args, c->obs, c->proposal, c->pargs, key, out, &w);
    return s == GEN_OK ? gen_item(w, dlw) : s;
}

void gen_pf_free(gen_pf *pf) {
    if (!pf) return;
    for (int64_t i = 0; pf->traces && i < pf->n; i++) gen_trace_release(pf->traces[i]);
    gen_trace_release(pf->batch);
    gen_array_release(pf->lw_dev);
    core_free(pf->traces, (size_t)pf->n * sizeof *pf->traces);
    core_free(pf->lw, (size_t)pf->n * sizeof *pf->lw);
    core_free(pf->ess, (size_t)pf->cap_ess * sizeof *pf->ess);
    core_free(pf, sizeof *pf);
}

gen_status pf_init_with(const char *fn, gen_key key, int64_t n, pf_move_fn f, void *ud, gen_pf **pf) {
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: the particle count must be >= 1, got %lld", fn, (long long)n);
    gen_pf *p = core_calloc(1, sizeof *p);
    if (!p) return GEN_ERR_OOM;
    p->n = n;
    p->traces = core_calloc((size_t)n, sizeof *p->traces); /* checks n * size for overflow */
    p->lw = p->traces ? core_calloc((size_t)n, sizeof *p->lw) : NULL;
    if (!p->lw) {
        gen_pf_free(p);
        return GEN_ERR_OOM;
    }
    gen_status s = pf_reserve_ess(p);
    if (s == GEN_OK) s = pf_move_all(p, fn, key, f, ud);
    if (s == GEN_OK) p->ess[p->n_ess++] = infer_ess_of(p->lw, p->n);
    if (s != GEN_OK) {
        gen_pf_free(p);
        return s;
    }
    *pf = p;
    return GEN_OK;
}

gen_status gen_pf_init(const gen_gf *model, gen_key key, const gen_args *args, const gen_choicemap *obs,
                       const gen_gf *proposal, const gen_args *proposal_args, int64_t n, gen_pf **pf) {
    const char *fn = "gen_pf_init";
    if (!pf) return GEN_FAIL(GEN_ERR_MISUSE, "%s: pf is NULL", fn);
    *pf = NULL;
    if (!model) return infer_null(fn, "the model");
    if (!obs) return infer_null(fn, "the observations");
    init_ctx c = {model, proposal, args, proposal_args, obs};
    return pf_init_with(fn, key, n, init_move, &c, pf);
}

/* ---- step ----------------------------------------------------------------------------- */

typedef struct step_ctx {
    const gen_args *args, *pargs;
    const gen_diff *argdiffs;
    const gen_choicemap *obs;
    const gen_gf *proposal;
} step_ctx;

static gen_status step_move(void *ud, int64_t i, gen_key key, const gen_trace *tr, gen_trace **out, double *dlw) {
    (void)i;
    const step_ctx *c = ud;
    gen_array *w = NULL, *wq = NULL;
    gen_status s;
    if (!c->proposal) {
        s = gen_update(tr, key, c->args, c->argdiffs, c->obs, out, &w, NULL, NULL);
        return s == GEN_OK ? gen_item(w, dlw) : s;
    }
    gen_key k[2];
    gen_args pa = {c->pargs ? c->pargs->n : 0, c->pargs ? c->pargs->v : NULL, (void *)tr};
    gen_choicemap *q = NULL, *all = NULL;
    double a = 0, b = 0;
    s = gen_key_split(key, 2, k);
    if (s == GEN_OK) s = gen_propose(c->proposal, k[0], &pa, &q, &wq, NULL);
    if (s == GEN_OK && !(all = gen_choicemap_merge(c->obs, q))) {
        s = infer_pending();
        core_error_prefix("the proposal's choices and the observations");
    }
    if (s == GEN_OK) s = gen_update(tr, k[1], c->args, c->argdiffs, all, out, &w, NULL, NULL);
    if (s == GEN_OK) s = gen_item(w, &a);
    if (s == GEN_OK) s = gen_item(wq, &b);
    if (s == GEN_OK) *dlw = a - b;
    return s;
}

gen_status gen_pf_step(gen_pf *pf, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                       const gen_choicemap *obs, const gen_gf *proposal, const gen_args *proposal_args) {
    const char *fn = "gen_pf_step";
    if (!pf) return infer_null(fn, "the filter");
    if (!obs) return infer_null(fn, "the observations");
    const gen_args *old = gen_trace_args(pf->batch ? pf->batch : pf->traces[0]);
    int n_new = args ? args->n : 0, n_old = old ? old->n : 0;
    if (n_new != n_old)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: args has %d arguments, the particles' traces have %d", fn, n_new, n_old);
    step_ctx c = {args, proposal_args, argdiffs, obs, proposal};
    gen_status s = pf_reserve_ess(pf); /* first: once the particles moved, nothing fails */
    double ess = 0;
    if (s == GEN_OK && pf->batch) {
        s = pf_batched_step(pf, key, args, argdiffs, obs, proposal, proposal_args, &ess);
    } else if (s == GEN_OK) {
        s = pf_move_all(pf, fn, key, step_move, &c);
        ess = infer_ess_of(pf->lw, pf->n);
    }
    if (s != GEN_OK) return s;
    pf->steps++;
    pf->ess[pf->n_ess++] = ess;
    return GEN_OK;
}
