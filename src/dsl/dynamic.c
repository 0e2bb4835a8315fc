/* dynamic.c — generative functions written as C bodies (gen_dynamic): the GFI vtable
 * that runs a body under a handler and turns its records into a trace, a weight, or a
 * projection. */
#include <string.h>

#include "dsl_accel.h"
#include "dsl_int.h"

#include "../array/autodiff_int.h"
#include "../choice/cmap_items.h"

typedef struct dyn_data {
    gen_body body;
    void *payload;             /* gen_dynamic_with: read by the body (gen_ctx_payload) */
    void (*free_payload)(void *payload); /* may be NULL */
    gen_params *params;        /* gen_dynamic_params: the store gen_param reads (borrowed) */
    /* Records of the last generate or assess, so the next one sizes its arrays once
     * (a hint only: relaxed, racy updates are fine). */
    _Atomic int64_t last_n;
} dyn_data;

static int64_t last_count(const gen_gf *f) {
    return atomic_load_explicit(&((dyn_data *)f->data)->last_n, memory_order_relaxed);
}

static void note_count(const gen_gf *f, const gen_ctx *ctx) {
    int64_t n = ctx->data.n > 4096 ? 4096 : ctx->data.n; /* a hint, not a promise */
    if (n != last_count(f))
        atomic_store_explicit(&((dyn_data *)f->data)->last_n, n, memory_order_relaxed);
}

static void dyn_free(gen_gf *f) {
    dyn_data *d = f->data;
    if (d->free_payload) d->free_payload(d->payload);
    core_free(d, sizeof *d);
}

void dsl_data_clear(dsl_data *d) {
    for (int64_t i = 0; i < d->n; i++) {
        dsl_rec *r = &d->recs[i];
        gen_array_release(r->value);
        gen_array_release(r->score);
        gen_array_release(r->weight);
        gen_trace_release(r->sub);
    }
    if (d->recs) core_free(d->recs, (size_t)d->cap * sizeof *d->recs);
    gen_array_release(d->factors);
    *d = (dsl_data){0};
}

static void dyn_free_trace(gen_trace *tr) {
    dsl_data_clear(tr->data);
    core_free(tr->data, sizeof(dsl_data));
}

gen_status dsl_run_body(const gen_gf *f, gen_ctx *ctx, const gen_args *args, gen_array **ret) {
    static const gen_args none = {0, NULL, NULL};
    const dyn_data *d = f->data;
    void *outer = ctx->payload; /* a spliced body reads its own function's payload */
    gen_params *outer_params = ctx->params;
    const char *outer_name = ctx->fname;
    ctx->payload = d->payload;
    ctx->params = d->params;
    ctx->fname = f->name;
    int64_t saved = dsl_callee_begin(ctx); /* the body runs batched; handlers do not */
    core_guard g = core_guard_begin();
    gen_status s = d->body(ctx, args ? args : &none, ret);
    gen_status sg = CORE_GUARD_END(g, s != GEN_OK ? s : ctx->status, "the body", "model '%s'", f->name);
    dsl_callee_end(saved);
    ctx->payload = outer;
    ctx->params = outer_params;
    ctx->fname = outer_name;
    if (CORE_UNLIKELY(sg != GEN_OK)) { /* a scope closed for it may have owned *ret */
        *ret = NULL;
        return ctx->status = sg;
    }
    if (CORE_UNLIKELY(ctx->root) && ctx->status == GEN_OK) dsl_check_root(ctx);
    if (ctx->status != GEN_OK) { /* a DSL call failed: already named by its address */
        dsl_restore_first_error(ctx);
        if (ctx->root) core_error_prefix("%s", f->name); /* the root's address is the function */
        return ctx->status;
    }
    if (s != GEN_OK) {
        if (core_error_pending()) core_error_prefix("%s", f->name);
        else GEN_FAIL(s, "%s: the body returned %s", f->name, gen_status_name(s));
        ctx->status = s;
    }
    return s;
}

static void ctx_init(gen_ctx *ctx, const dsl_handler *h, const char *op, gen_key key,
                     const gen_choicemap *constraints) {
    *ctx = (gen_ctx){.h = h, .op = op, .key = key, .constraints = constraints,
                     .n = gen_batch_suspend()};
}

void dsl_ctx_free(gen_ctx *ctx) {
    dsl_data_clear(&ctx->data);
    dsl_table_free(ctx);
}

/* Every constraint must have been used; otherwise name the first one that was not. A
 * value is used when its address is a traced choice or lies under a traced call. */
gen_status dsl_check_used(gen_ctx *ctx) {
    if (ctx->used == gen_choicemap_count(ctx->constraints)) return GEN_OK;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, ctx->constraints);
    while (gen_choicemap_iter_next(&it)) {
        gen_addr p = it.addr;
        bool used = dsl_lookup_kind(ctx, &p) == DSL_SLOT_CHOICE;
        for (int k = 1; k < it.addr.len && !used; k++) {
            p.len = k;
            used = dsl_lookup_kind(ctx, &p) == DSL_SLOT_CALL;
        }
        if (!used) {
            char buf[GEN_ADDR_FORMAT_MAX];
            gen_addr_format(&it.addr, buf, sizeof buf);
            return ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: %s at %s was not used by the model",
                                          ctx->op, ctx->h == &dsl_assess_handler ? "choice" : "constraint", buf);
        }
    }
    return ctx->status = GEN_FAIL(GEN_ERR_INTERNAL, "%s: constraint count mismatch", ctx->op);
}

static inline bool is_f64_scalar(const gen_array *a) {
    return !a || (a->ndim == 0 && a->dtype == GEN_F64 && arr_on_host(a));
}

/* The totals as plain doubles, when no transform is running and every term is an f64
 * scalar: the same sums in the same order as the gen_add chain, without an array per
 * term. False (nothing written) otherwise. */
static bool totals_f64(const gen_ctx *ctx, double *score, double *weight) {
    if (ad_active() || !is_f64_scalar(ctx->data.factors)) return false;
    for (int64_t i = 0; i < ctx->data.n; i++)
        if (!is_f64_scalar(ctx->data.recs[i].score) || !is_f64_scalar(ctx->data.recs[i].weight))
            return false;
    /* host f64 scalars (is_f64_scalar): their elements are read directly */
    double s = ctx->data.factors ? *(const double *)ctx->data.factors->data : 0.0, w = s;
    for (int64_t i = 0; i < ctx->data.n; i++) {
        const dsl_rec *r = &ctx->data.recs[i];
        s += *(const double *)r->score->data;
        if (r->weight) w += *(const double *)r->weight->data;
    }
    *score = s;
    *weight = w;
    return true;
}

/* Under one reverse-mode transform (ad_single_reverse), when every weight is the score
 * and every term an f64 scalar: the score as one tape node (the SUM_SCALARS row of the
 * op table: the sum in C, in the order of the gen_add chain), in place of one addition
 * node per term. False (nothing made) otherwise. */
static bool totals_fused(gen_ctx *ctx, gen_array **score, gen_status *st) {
    const dsl_data *d = &ctx->data;
    if (!ad_single_reverse() || !is_f64_scalar(d->factors) || d->n + 1 > INT32_MAX) return false;
    for (int64_t i = 0; i < d->n; i++) {
        const dsl_rec *r = &d->recs[i];
        if (r->weight != r->score || !r->score || !is_f64_scalar(r->score)) return false;
    }
    int64_t n = d->n + (d->factors != NULL);
    if (n == 0) {
        *score = gen_scalar(0.0);
        *st = *score ? GEN_OK : dsl_pending_or_oom();
        return true;
    }
    gen_array *small[32], **in = n <= 32 ? small : core_alloc((size_t)n * sizeof *in);
    if (!in) {
        *st = GEN_ERR_OOM;
        return true;
    }
    int64_t k = 0;
    if (d->factors) in[k++] = d->factors;
    for (int64_t i = 0; i < d->n; i++) in[k++] = d->recs[i].score;
    *score = op_apply(OP_SUM_SCALARS, (int)n, in, NULL);
    *st = *score ? GEN_OK : dsl_pending_or_oom();
    if (in != small) core_free(in, (size_t)n * sizeof *in);
    return true;
}

/* Score (every record and factor) and weight (records with a weight, and factors), in
 * the current scope. */
gen_status dsl_totals(gen_ctx *ctx, gen_array **score, gen_array **weight) {
    double sd, wd;
    if (totals_f64(ctx, &sd, &wd)) {
        *score = gen_scalar(sd);
        *weight = *score && !memcmp(&wd, &sd, sizeof sd) ? *score : gen_scalar(wd); /* same bits: share */
        return *score && *weight ? GEN_OK : dsl_pending_or_oom();
    }
    gen_status st;
    if (totals_fused(ctx, score, &st)) {
        *weight = *score;
        return st;
    }
    /* Every weight the score itself (assess): the two sums are the same additions, so
     * make them once (under a transform, half the recorded nodes). */
    bool same = true;
    for (int64_t i = 0; i < ctx->data.n && same; i++) same = ctx->data.recs[i].weight == ctx->data.recs[i].score;
    /* Sums start from the first term, not from zero: one recorded addition fewer. */
    int64_t i0 = 0;
    gen_array *s = ctx->data.factors, *w = s;
    if (!s && same && ctx->data.n > 0) s = w = ctx->data.recs[i0++].score;
    else if (!s) s = w = gen_scalar(0.0);
    for (int64_t i = i0; i < ctx->data.n && s && w; i++) {
        const dsl_rec *r = &ctx->data.recs[i];
        s = gen_add(s, r->score);
        if (same) w = s;
        else if (r->weight) w = gen_add(w, r->weight);
    }
    *score = s;
    *weight = w;
    return s && w ? GEN_OK : core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
}

/* Records' addresses are distinct and prefix-free (dsl_claim), and usually in order:
 * the map is emitted straight from them. */
gen_choicemap *dsl_build_choices(const dsl_data *d) {
    int64_t n = d->n;
    cm_item *items = n ? core_alloc((size_t)n * sizeof *items) : NULL;
    if (n && !items) return NULL;
    for (int64_t i = 0; i < n; i++) {
        const dsl_rec *r = &d->recs[i];
        const gen_choicemap *sub = r->sub ? gfi_trace_choices(r->sub) : NULL;
        if (r->sub && !sub) {
            core_free(items, (size_t)n * sizeof *items);
            return NULL;
        }
        items[i] = (cm_item){&r->addr, r->sub ? NULL : r->value, sub};
    }
    gen_choicemap *m = cm_from_items(items, n);
    if (items) core_free(items, (size_t)n * sizeof *items);
    return m;
}

/* The trace's map, built on first use (gfi_trace_choices): many traces (importance
 * sampling, rejected proposals) are never asked for it. */
static gen_choicemap *dyn_build_choices(const gen_trace *tr) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_choicemap *m = gen_choicemap_retain(dsl_build_choices(tr->data));
    gen_scope_end();
    return m;
}

gen_status dsl_pending_or_oom(void) {
    return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
}

gen_status dsl_new_trace(const gen_gf *f, gen_ctx *ctx, const gen_args *args, gen_array *ret,
                         gen_choicemap *cm, gen_array *score, gen_trace **tr) {
    dsl_data *data = core_alloc(sizeof *data);
    if (!data) return GEN_ERR_OOM;
    *data = ctx->data; /* the trace takes the records */
    ctx->data = (dsl_data){0};
    *tr = gfi_trace_new(f, args, ret, cm, score, data);
    if (*tr) (*tr)->batch = ctx->n;
    return *tr ? GEN_OK : dsl_pending_or_oom();
}

bool dsl_same_gf(const gen_gf *a, const gen_gf *b) { return gfi_same_gf(a, b); }

static bool dyn_same(const gen_gf *a, const gen_gf *b) {
    const dyn_data *x = a->data, *y = b->data;
    return x->body == y->body && x->payload == y->payload && x->params == y->params;
}

bool dsl_reads_params(const gen_gf *f) { return f->vt == &dsl_vtable && ((const dyn_data *)f->data)->params; }

static gen_status dyn_generate(const gen_gf *f, gen_key key, const gen_args *args,
                               const gen_choicemap *constraints, gen_trace **tr,
                               gen_array **weight) {
    gen_status s;
    if (gen_batch_size() && dsl_graph_generate(f, key, args, constraints, tr, weight, &s)) return s;
    s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_ctx ctx;
    ctx_init(&ctx, &dsl_generate_handler, "generate", key, constraints);
    ctx.hint = last_count(f);
    gen_array *ret = NULL, *score = NULL, *w = NULL;
    gen_trace *t = NULL;
    s = dsl_run_body(f, &ctx, args, &ret);
    if (s == GEN_OK) note_count(f, &ctx);
    if (s == GEN_OK) s = dsl_check_used(&ctx);
    if (s == GEN_OK) s = dsl_totals(&ctx, &score, &w);
    if (s == GEN_OK) s = dsl_batch_totals(&ctx, &score, &w);
    if (s == GEN_OK) s = dsl_new_trace(f, &ctx, args, ret, NULL, score, &t);
    if (s == GEN_OK && weight && !(*weight = gen_scope_return(w))) s = dsl_pending_or_oom();
    dsl_ctx_free(&ctx);
    gen_scope_end();
    gen_batch_resume(ctx.n);
    if (s != GEN_OK) {
        gen_trace_release(t);
        return s;
    }
    *tr = gfi_trace_publish(t);
    return *tr ? GEN_OK : GEN_ERR_OOM;
}

static gen_status dyn_assess(const gen_gf *f, gen_eval *ev, const gen_args *args,
                             const gen_choicemap *choices, gen_array **weight, gen_array **retval) {
    gen_status s;
    if (!ev && gen_batch_size() && dsl_graph_assess(f, args, choices, weight, retval, &s)) return s;
    s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_ctx ctx;
    ctx_init(&ctx, &dsl_assess_handler, "assess", (gen_key){0}, choices);
    ctx.ev = ev;
    ctx.hint = last_count(f);
    gen_array *ret = NULL, *score = NULL, *w = NULL;
    s = dsl_run_body(f, &ctx, args, &ret);
    if (s == GEN_OK) note_count(f, &ctx);
    if (s == GEN_OK) s = dsl_check_used(&ctx);
    if (s == GEN_OK) s = dsl_totals(&ctx, &score, &w);
    if (s == GEN_OK) s = dsl_batch_totals(&ctx, &score, &w);
    if (s == GEN_OK && !(*weight = gen_scope_return(score))) s = dsl_pending_or_oom();
    if (s == GEN_OK && retval && ret && !(*retval = gen_scope_return(ret))) s = dsl_pending_or_oom();
    dsl_ctx_free(&ctx);
    gen_scope_end();
    gen_batch_resume(ctx.n);
    return s;
}

/* The selection below a (borrowed), walking one part at a time. */
const gen_selection *dsl_sub_selection(const gen_selection *sel, const gen_addr *a) {
    for (int k = 0; k < a->len; k++) sel = gen_selection_sub(sel, a->parts[k]);
    return sel;
}

/* Selected choices, projections of the calls, and every factor: Gen.jl's dynamic DSL
 * has no factors; ours belong to no address, so no selection can leave them out. */
static gen_status dyn_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    const dsl_data *d = tr->data;
    int64_t batch = gen_batch_suspend(); /* scores carry the particle axis themselves */
    gen_array *w = d->factors ? d->factors : gen_scalar(0.0);
    for (int64_t i = 0; i < d->n && w && s == GEN_OK; i++) {
        const dsl_rec *r = &d->recs[i];
        if (r->sub) {
            gen_array *sw = NULL;
            s = gen_project(r->sub, dsl_sub_selection(sel, &r->addr), &sw);
            if (s != GEN_OK) {
                char buf[GEN_ADDR_FORMAT_MAX];
                gen_addr_format(&r->addr, buf, sizeof buf);
                core_error_prefix("%s", buf);
            } else
                w = gen_add(w, sw);
        } else if (gen_selection_contains(sel, &r->addr))
            w = gen_add(w, r->score);
    }
    if (w && tr->batch && gen_array_ndim(w) == 0) w = gen_broadcast_to(w, 1, &tr->batch);
    if (s == GEN_OK && !(*weight = gen_scope_return(w))) s = dsl_pending_or_oom();
    gen_scope_end();
    gen_batch_resume(batch);
    return s;
}

/* A batched trace's particles index[j]: every record's value, score and weight picked
 * along the particle axis, each callee's trace gathered, the map left to build. */
static gen_status dyn_gather(const gen_trace *tr, const gen_array *index, gen_trace **out) {
    const dsl_data *d = tr->data;
    int64_t n = tr->batch, m = gen_array_shape(index)[0];
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    dsl_data *nd = core_calloc(1, sizeof *nd);
    if (nd && d->n && !(nd->recs = core_calloc((size_t)d->n, sizeof *nd->recs))) {
        core_free(nd, sizeof *nd);
        nd = NULL;
    }
    if (!nd) s = GEN_ERR_OOM;
    if (nd) nd->cap = d->n;
    for (int64_t i = 0; s == GEN_OK && i < d->n; i++) {
        const dsl_rec *r = &d->recs[i];
        dsl_rec *q = &nd->recs[i];
        q->addr = r->addr;
        nd->n = i + 1; /* its references, as they come, are released with nd on failure */
        gen_trace *sub = NULL;
        if (r->sub && (s = gen_trace_gather(r->sub, index, &sub)) != GEN_OK) break;
        q->sub = gen_trace_retain(sub);
        q->value = gen_array_retain(gfi_pick_particles(r->value, index));
        q->score = gen_array_retain(gfi_pick_weights(r->score, n, index));
        q->weight = gen_array_retain(gfi_pick_weights(r->weight, n, index));
        if ((r->value && !q->value) || (r->score && !q->score) || (r->weight && !q->weight)) s = dsl_pending_or_oom();
    }
    if (s == GEN_OK && d->factors && !(nd->factors = gen_array_retain(gfi_pick_weights(d->factors, n, index))))
        s = dsl_pending_or_oom();
    gen_args args = {0, NULL, NULL};
    if (s == GEN_OK) s = gfi_pick_args(&tr->args, index, &args);
    gen_array *ret = s == GEN_OK ? gfi_pick_particles(tr->retval, index) : NULL;
    gen_array *score = s == GEN_OK ? gfi_pick_weights(tr->score, n, index) : NULL;
    if (s == GEN_OK && ((tr->retval && !ret) || !score)) s = dsl_pending_or_oom();
    gen_trace *t = NULL;
    if (s == GEN_OK) {
        t = gfi_trace_new(tr->gf, &args, ret, NULL, score, nd); /* owns nd, also on failure */
        nd = NULL;
        if (!t) s = dsl_pending_or_oom();
        else t->batch = m;
    }
    if (nd) {
        dsl_data_clear(nd);
        core_free(nd, sizeof *nd);
    }
    gfi_picked_args_free(&args);
    gen_scope_end();
    if (s == GEN_OK && !(*out = gfi_trace_publish(t))) s = GEN_ERR_OOM;
    return s;
}

const gfi_vtable dsl_vtable = {"dynamic",      dyn_generate,   dyn_assess, dyn_project,
                               dsl_update,     dsl_regenerate, dyn_free,   dyn_free_trace,
                               dyn_same,   dyn_build_choices, dyn_gather};

static gen_gf *dynamic(const char *fn, const char *name, gen_body body, gen_params *params, void *payload,
                       void (*free_payload)(void *)) {
    if (!name || !body || (!params && strstr(fn, "params"))) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", fn, !name ? "name" : !body ? "body" : "store");
        if (free_payload) free_payload(payload);
        return NULL;
    }
    dyn_data *d = core_alloc(sizeof *d);
    if (!d) {
        if (free_payload) free_payload(payload);
        return NULL;
    }
    d->body = body;
    d->payload = payload;
    d->free_payload = free_payload;
    d->params = params;
    atomic_init(&d->last_n, 0);
    return gfi_gf_new(&dsl_vtable, name, d);
}

gen_gf *gen_dynamic_with(const char *name, gen_body body, void *payload, void (*free_payload)(void *)) {
    return dynamic("gen_dynamic_with", name, body, NULL, payload, free_payload);
}

gen_gf *gen_dynamic(const char *name, gen_body body) { return dynamic("gen_dynamic", name, body, NULL, NULL, NULL); }

gen_gf *gen_dynamic_params(const char *name, gen_body body, gen_params *store) {
    return dynamic("gen_dynamic_params", name, body, store, NULL, NULL);
}

gen_gf *gen_dynamic_params_with(const char *name, gen_body body, gen_params *store, void *payload,
                                void (*free_payload)(void *payload)) {
    return dynamic("gen_dynamic_params_with", name, body, store, payload, free_payload);
}
