/* adev_run.c — one run of an ADEV program: the DSL handler that applies each choice's
 * gradient strategy, the reruns that give enumerated and MVD choices their
 * continuations, and the backward pass that folds the run's events into the surrogate
 * (genc/adev.h says what the surrogate is).
 *
 * Sites are numbered in the order the run makes them. A rerun for "the rest of the
 * program given site i = v" runs the whole program again with the same key: sites before
 * i replay (the same draws; earlier ENUM/MVD sites take the values forced on them), site i
 * takes v, and sites after i are the rerun's own. Each run records an event per
 * REINFORCE, ENUM and MVD site of its own; its surrogate is built from its return value
 * backwards over them:
 *   REINFORCE (lp):        S += (V - b) (lp - stop lp),  D += lp - stop lp
 *   MVD (p, x, V_other):   S += (p - stop p) (x ? V - V_other : V_other - V)
 *   ENUM (lp[K], k0, S_k): S = p_k0 S + sum_{k != k0} p_k S_k (D likewise)
 * where V is S's value so far (the value of the rest of the run), and b the baseline of
 * the site's call when the program set one (VIMCO), else the estimator's, which the
 * caller applies as S - b D. */
#include <string.h>

#include "adev_int.h"
#include "../array/autodiff_int.h"

enum { EV_REINFORCE, EV_MVD, EV_ENUM };

typedef struct adev_event {
    int kind;
    int group;      /* REINFORCE: the call of the body it belongs to (0: the body) */
    gen_array *lp;  /* REINFORCE: log p(x); ENUM: [K] log p of the values (retained) */
    gen_array *p;   /* MVD: p(true) (retained) */
    bool x;         /* MVD: the value this run took */
    double v_other; /* MVD: the value of the rerun with the other value */
    int64_t k0, K;  /* ENUM: the value this run took, and the number of values */
    gen_array **S, **D; /* ENUM: the reruns' surrogates (NULL at k0 and for p_k = 0) */
} adev_event;

typedef struct adev_force {
    int64_t site;
    const gen_array *value;
} adev_force;

typedef struct adev_run {
    const adev_job *job;
    gen_key key;              /* the sample's key (reruns start from it) */
    int64_t prefix;           /* sites < prefix replay */
    const adev_force *forced; /* values of the ENUM / MVD sites before prefix */
    int n_forced;
    int64_t site;             /* the next site's number */
    adev_event *ev;
    int n_ev, cap_ev;
    int depth, group, n_groups; /* call depth; the current call of the body (1-based) */
    double *gb;               /* baselines per call of the body, set by the program */
    int n_gb;
} adev_run;

/* A context of the ADEV handler: the DSL's context and the run it belongs to. */
typedef struct adev_ctx {
    gen_ctx c;
    adev_run *run;
} adev_ctx;

static gen_array *adev_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d);
static gen_array *adev_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f, const gen_args *args);
static const dsl_handler adev_handler = {adev_choice, adev_call, dsl_add_factor};

static gen_status run_one(const adev_job *job, gen_key key, int64_t prefix, const adev_force *forced,
                          int n_forced, gen_array **S, gen_array **D, double *value);

static gen_status pending(void) { return core_error_pending() ? core_error_pending() : GEN_ERR_OOM; }

static adev_event *push_event(adev_run *r, int kind) {
    if (r->n_ev == r->cap_ev) {
        int cap = r->cap_ev ? 2 * r->cap_ev : 8;
        adev_event *e = core_realloc(r->ev, (size_t)r->cap_ev * sizeof *e, (size_t)cap * sizeof *e);
        if (!e) return NULL;
        r->ev = e;
        r->cap_ev = cap;
    }
    adev_event *e = &r->ev[r->n_ev++];
    *e = (adev_event){.kind = kind, .group = r->group};
    return e;
}

static void free_events(adev_run *r) {
    for (int i = 0; i < r->n_ev; i++) {
        adev_event *e = &r->ev[i];
        gen_array_release(e->lp);
        gen_array_release(e->p);
        for (int64_t k = 0; e->S && k < e->K; k++) {
            gen_array_release(e->S[k]);
            gen_array_release(e->D[k]);
        }
        if (e->S) core_free(e->S, (size_t)e->K * sizeof *e->S);
        if (e->D) core_free(e->D, (size_t)e->K * sizeof *e->D);
    }
    if (r->ev) core_free(r->ev, (size_t)r->cap_ev * sizeof *r->ev);
    if (r->gb) core_free(r->gb, (size_t)r->n_gb * sizeof *r->gb);
}

static const gen_array *forced_value(const adev_run *r, int64_t site) {
    for (int i = 0; i < r->n_forced; i++)
        if (r->forced[i].site == site) return r->forced[i].value;
    return NULL;
}

/* The rest of the program given site = v: a rerun with v forced there. */
static gen_status rerun(const adev_run *r, int64_t site, const gen_array *v, gen_array **S, gen_array **D,
                        double *value) {
    adev_force small[8], *f = r->n_forced < 8 ? small : core_alloc((size_t)(r->n_forced + 1) * sizeof *f);
    if (!f) return GEN_ERR_OOM;
    if (r->n_forced) memcpy(f, r->forced, (size_t)r->n_forced * sizeof *f);
    f[r->n_forced] = (adev_force){site, v};
    gen_status s = run_one(r->job, r->key, site + 1, f, r->n_forced + 1, S, D, value);
    if (f != small) core_free(f, (size_t)(r->n_forced + 1) * sizeof *f);
    return s;
}

static gen_status enum_site(adev_run *r, int64_t site, const gen_dist *d, const gen_array *x) {
    gen_array *vals = gen_dist_enumerate(d);
    gen_array *lp = vals ? gen_dist_logpdf(d, vals) : NULL;
    gen_array *plain = lp ? gen_stop_gradient(lp) : NULL;
    gen_array *xv = vals ? gen_eq(vals, x) : NULL;
    gen_array *k0a = xv ? gen_argmax(xv, 0, false) : NULL;
    int64_t k0 = 0;
    if (!plain || !k0a || gen_item_i64(k0a, &k0) != GEN_OK) return pending();
    adev_event *e = push_event(r, EV_ENUM);
    if (!e) return GEN_ERR_OOM;
    e->K = gen_array_shape(vals)[0];
    e->k0 = k0;
    e->lp = gen_array_retain(lp);
    e->S = core_calloc((size_t)e->K, sizeof *e->S);
    e->D = core_calloc((size_t)e->K, sizeof *e->D);
    if (!e->S || !e->D) return GEN_ERR_OOM;
    for (int64_t k = 0; k < e->K; k++) {
        double lpk;
        gen_array *kk = gen_scalar_i64(k);
        gen_array *v = kk ? gen_take(vals, kk, 0) : NULL;
        gen_array *lpa = kk ? gen_take(plain, kk, 0) : NULL;
        if (!v || !lpa || gen_item(lpa, &lpk) != GEN_OK) return pending();
        if (k == k0 || lpk == -INFINITY) continue; /* this run, or a value of no mass */
        gen_array *S = NULL, *D = NULL;
        double value;
        gen_status s = rerun(r, site, v, &S, &D, &value);
        if (s != GEN_OK) return s;
        e->S[k] = gen_array_retain(S);
        e->D[k] = gen_array_retain(D);
    }
    return GEN_OK;
}

static gen_status mvd_site(adev_run *r, int64_t site, const gen_dist *d, const gen_array *x) {
    double xv;
    gen_array *t = gen_scalar_bool(true);
    gen_array *p = t ? gen_exp(gen_dist_logpdf(d, t)) : NULL;
    if (!p || gen_item(x, &xv) != GEN_OK) return pending();
    gen_array *other = gen_scalar_bool(xv == 0.0);
    adev_event *e = other ? push_event(r, EV_MVD) : NULL;
    if (!e) return pending();
    e->p = gen_array_retain(p);
    e->x = xv != 0.0;
    gen_array *S = NULL, *D = NULL;
    return rerun(r, site, other, &S, &D, &e->v_other);
}

static gen_array *adev_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *dw) {
    adev_run *r = ((adev_ctx *)ctx)->run;
    if (!dw) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    int64_t site = r->site++;
    gen_adev_strategy s;
    const gen_dist *d = adev_unwrap(dw, &s);
    if (s == GEN_ADEV_DEFAULT) s = r->job->strategy;
    if (s == GEN_ADEV_DEFAULT) s = gen_dist_has_rsample(d) ? GEN_ADEV_REPARAM : GEN_ADEV_REINFORCE;
    if (adev_check_strategy(d, s) != GEN_OK) return dsl_fail_at(ctx, a);
    gen_key key = gen_key_fold_in(ctx->key, gen_addr_key_hash(a));
    const gen_array *forced = site < r->prefix ? forced_value(r, site) : NULL;
    gen_array *x = forced ? (gen_array *)forced
                   : s == GEN_ADEV_REPARAM ? gen_dist_rsample(d, key, 0, NULL)
                                           : gen_dist_sample(d, key, 0, NULL);
    gen_array *lp = x ? dsl_choice_logpdf(ctx, d, x) : NULL;
    if (!lp) return dsl_fail_at(ctx, a);
    gen_status st = GEN_OK;
    if (site >= r->prefix) {
        if (s == GEN_ADEV_REINFORCE) {
            adev_event *e = push_event(r, EV_REINFORCE);
            if (e) e->lp = gen_array_retain(lp);
            else st = GEN_ERR_OOM;
        } else if (s == GEN_ADEV_ENUM)
            st = enum_site(r, site, d, x);
        else if (s == GEN_ADEV_MVD)
            st = mvd_site(r, site, d, x);
    }
    if (st != GEN_OK) {
        if (!core_error_pending()) GEN_FAIL(st, "adev: out of memory");
        return dsl_fail_at(ctx, a);
    }
    dsl_rec *rec = &ctx->data.recs[i];
    rec->value = dsl_keep(x);
    rec->score = dsl_keep(lp);
    return x;
}

gen_status adev_simulate_at(gen_ctx *ctx, const gen_addr *a, const gen_gf *f, const gen_args *args,
                            gen_trace **tr) {
    if (ctx->h != &adev_handler)
        return GEN_FAIL(GEN_ERR_MISUSE, "adev: the body is not running under an ADEV estimator "
                        "(run it with gen_adev_estimate)");
    adev_run *r = ((adev_ctx *)ctx)->run;
    if (f->vt != &dsl_vtable) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "adev: %s is not a dynamic generative function (an ADEV run "
                 "calls dynamic functions only)", f->name);
        dsl_fail_at(ctx, a);
        return ctx->status;
    }
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CALL);
    if (i < 0) return ctx->status;
    adev_ctx child = {.c = {.h = &adev_handler, .op = "adev", .key = gen_key_fold_in(ctx->key, gen_addr_key_hash(a)),
                            .constraints = ctx->constraints},
                      .run = r};
    int group = r->group;
    if (r->depth++ == 0) r->group = ++r->n_groups;
    gen_array *ret = NULL, *score = NULL, *w = NULL;
    gen_trace *t = NULL;
    gen_status s = dsl_run_body(f, &child.c, args, &ret);
    r->depth--;
    r->group = group;
    if (s == GEN_OK) s = dsl_totals(&child.c, &score, &w);
    if (s == GEN_OK) s = dsl_new_trace(f, &child.c, args, ret, NULL, score, &t);
    dsl_ctx_free(&child.c);
    if (s == GEN_OK && !(t = gfi_trace_publish(t))) s = pending();
    if (s != GEN_OK) {
        gen_trace_release(t);
        dsl_fail_at(ctx, a);
        return ctx->status;
    }
    dsl_rec *rec = &ctx->data.recs[i];
    rec->sub = gen_trace_retain(t);
    rec->score = dsl_keep(score);
    *tr = t;
    return GEN_OK;
}

static gen_array *adev_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f, const gen_args *args) {
    gen_trace *t = NULL;
    if (adev_simulate_at(ctx, a, f, args, &t) != GEN_OK) return NULL;
    return (gen_array *)gen_trace_retval(t);
}

gen_status adev_set_call_baselines(gen_ctx *ctx, int n, const double *b) {
    if (!ctx || ctx->h != &adev_handler) return GEN_FAIL(GEN_ERR_MISUSE, "adev: not in an ADEV run");
    adev_run *r = ((adev_ctx *)ctx)->run;
    double *gb = core_alloc((size_t)n * sizeof *gb);
    if (!gb) return GEN_ERR_OOM;
    memcpy(gb, b, (size_t)n * sizeof *gb);
    if (r->gb) core_free(r->gb, (size_t)r->n_gb * sizeof *r->gb);
    r->gb = gb;
    r->n_gb = n;
    return GEN_OK;
}

gen_status gen_adev_simulate(gen_ctx *ctx, const char *name, const gen_gf *f, const gen_args *args,
                             gen_trace **tr) {
    if (tr) *tr = NULL;
    if (!ctx || !name || !f || !tr) {
        if (!core_error_pending() || !f)
            GEN_FAIL(GEN_ERR_MISUSE, "gen_adev_simulate: the %s is NULL",
                     !ctx ? "context" : !name ? "name" : !f ? "generative function" : "trace output");
        return ctx ? (ctx->status = core_error_pending()) : GEN_ERR_MISUSE;
    }
    if (ctx->status != GEN_OK) return ctx->status;
    gen_sym sym = *name ? gen_intern(name) : GEN_SYM_INVALID;
    if (sym == GEN_SYM_INVALID) {
        if (!*name) GEN_FAIL(GEN_ERR_VALUE, "gen_adev_simulate: the address name is empty");
        return ctx->status = core_error_pending();
    }
    gen_addr a = {.len = 1};
    a.parts[0] = gen_part_sym(sym);
    return adev_simulate_at(ctx, &a, f, args, tr);
}

/* The run's return value as a 0-d f64 (a size-1 float), or NULL with the error. */
static gen_array *scalar_f(const gen_gf *prog, const gen_array *ret) {
    if (!ret || !arr_is_float(gen_array_dtype(ret)) || gen_array_size(ret) != 1) {
        GEN_FAIL(GEN_ERR_VALUE, "adev: %s must return a scalar float (the value f whose "
                 "expectation is estimated), got %s", prog->name, ret ? "another array" : "none");
        return NULL;
    }
    gen_array *f = gen_array_ndim(ret) ? gen_reshape(ret, 0, NULL) : (gen_array *)ret;
    return f && gen_array_dtype(f) != GEN_F64 ? gen_cast(f, GEN_F64) : f;
}

/* The backward pass over the run's events (see the top of the file). */
static gen_status fold_events(const adev_run *r, gen_array *f, gen_array **S, gen_array **D) {
    gen_array *s = f, *dd = gen_scalar(0.0);
    for (int i = r->n_ev - 1; i >= 0 && s && dd; i--) {
        const adev_event *e = &r->ev[i];
        double v;
        if (gen_item(s, &v) != GEN_OK) return pending();
        if (e->kind == EV_REINFORCE) {
            gen_array *score = gen_sub(e->lp, gen_stop_gradient(e->lp));
            bool own = e->group > 0 && e->group <= r->n_gb;
            double b = own ? r->gb[e->group - 1] : 0.0;
            s = gen_add(s, gen_mul(gen_scalar(v - b), score));
            if (!own) dd = gen_add(dd, score);
        } else if (e->kind == EV_MVD) {
            double diff = e->x ? v - e->v_other : e->v_other - v;
            s = gen_add(s, gen_mul(gen_sub(e->p, gen_stop_gradient(e->p)), gen_scalar(diff)));
        } else {
            gen_array *p = gen_exp(e->lp);
            gen_array *k0 = gen_scalar_i64(e->k0);
            gen_array *p0 = k0 ? gen_take(p, k0, 0) : NULL;
            s = gen_mul(p0, s);
            dd = gen_mul(p0, dd);
            for (int64_t k = 0; k < e->K && s && dd; k++) {
                if (!e->S[k]) continue;
                gen_array *pk = gen_take(p, gen_scalar_i64(k), 0);
                s = gen_add(s, gen_mul(pk, e->S[k]));
                dd = gen_add(dd, gen_mul(pk, e->D[k]));
            }
        }
    }
    if (!s || !dd) return pending();
    *S = s;
    *D = dd;
    return GEN_OK;
}

static gen_status run_one(const adev_job *job, gen_key key, int64_t prefix, const adev_force *forced,
                          int n_forced, gen_array **S, gen_array **D, double *value) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    adev_run r = {.job = job, .key = key, .prefix = prefix, .forced = forced, .n_forced = n_forced};
    gen_choicemap *none = gen_choicemap_empty();
    adev_ctx ctx = {.c = {.h = &adev_handler, .op = "adev", .key = key, .constraints = none}, .run = &r};
    gen_array *ret = NULL, *f = NULL, *s0 = NULL, *d0 = NULL;
    s = none ? dsl_run_body(job->prog, &ctx.c, job->args, &ret) : pending();
    if (s == GEN_OK && !(f = scalar_f(job->prog, ret))) s = pending();
    if (s == GEN_OK) s = fold_events(&r, f, &s0, &d0);
    if (s == GEN_OK && value) s = gen_item(s0, value);
    if (s == GEN_OK) {
        *S = gen_scope_return(s0);
        *D = gen_scope_return(d0);
        if (!*S || !*D) s = pending();
    }
    free_events(&r);
    dsl_ctx_free(&ctx.c);
    gen_scope_end();
    return s;
}

gen_status adev_run_sample(const adev_job *job, gen_key key, gen_array **S, gen_array **D, double *value) {
    return run_one(job, key, 0, NULL, 0, S, D, value);
}
