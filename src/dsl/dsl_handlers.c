/* dsl_handlers.c — what gen_choose, gen_call and gen_factor do under each operation:
 * the generate handler (simulate is generate with no constraints) and the assess
 * handler. */
#include <stdio.h>
#include <string.h>

#include "dsl_int.h"
#include "../distributions/dist_int.h"
#include "../array/autodiff_int.h"

/* The first error of the innermost failed run (dsl_fail_at), kept for dsl_run_body: the
 * body goes on after it and may record others (a distribution it makes for nothing). */
static _Thread_local struct {
    const gen_ctx *ctx;
    core_error_saved e;
} first_error;

gen_array *dsl_fail_at(gen_ctx *ctx, const gen_addr *a) {
    gen_status s = core_error_pending();
    if (!s) s = GEN_FAIL(GEN_ERR_INTERNAL, "failed without a message");
    if (a->len > 0) { /* a choice at the root: the function's name says where */
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr_format(a, buf, sizeof buf);
        core_error_prefix("%s", buf);
    }
    ctx->status = s;
    first_error.ctx = ctx;
    core_error_save(&first_error.e);
    return NULL;
}

void dsl_restore_first_error(const gen_ctx *ctx) {
    if (first_error.ctx != ctx) return;
    first_error.ctx = NULL;
    if (first_error.e.status == ctx->status && core_error_pending() != GEN_OK)
        core_error_restore(&first_error.e);
}

/* Per particle in batched mode: the axes after the particle axis are summed (a value
 * and distribution without one give the same density to every particle). */
gen_array *dsl_choice_logpdf(const gen_ctx *ctx, const gen_dist *d, const gen_array *x) {
    gen_array *lp = gen_dist_logpdf(d, x);
    if (!lp) return NULL;
    if (gfi_check_log_density(lp, gen_dist_name(d), "the log density") != GEN_OK) return NULL;
    bool per_particle = ctx->n && (gen_array_is_batched(x) || gen_dist_is_batched(d));
    int nd = gen_array_ndim(lp);
    if (!per_particle) {
        lp = nd > 0 ? gen_sum(lp, 0, NULL, false) : lp;
        return ctx->n && lp ? gen_broadcast_to(lp, 1, &ctx->n) : lp;
    }
    if (nd == 1) return lp;
    int axes[GEN_MAX_DIMS];
    for (int k = 1; k < nd; k++) axes[k - 1] = k;
    return gen_sum(lp, nd - 1, axes, false);
}

/* The per-particle shape of d's values (batch without the particle axis, then event). */
static int unit_shape(const gen_ctx *ctx, const gen_dist *d, int64_t *shape) {
    int nb = gen_dist_batch_ndim(d), ne = gen_dist_event_ndim(d), skip = gen_dist_is_batched(d) ? 1 : 0;
    const int64_t *b = gen_dist_batch_shape(d), *e = gen_dist_event_shape(d);
    (void)ctx;
    int k = 0;
    for (int i = skip; i < nb; i++) shape[k++] = b[i];
    for (int i = 0; i < ne; i++) shape[k++] = e[i];
    return k;
}

static bool particle_axis_ok(const gen_ctx *ctx, const gen_dist *d) {
    if (!gen_dist_is_batched(d)) return true;
    if (gen_dist_batch_ndim(d) >= 1 && gen_dist_batch_shape(d)[0] == ctx->n) return true;
    char buf[128];
    int nb = gen_dist_batch_ndim(d), k = 0;
    k += snprintf(buf + k, sizeof buf - (size_t)k, "[");
    for (int i = 0; i < nb && k < 100; i++)
        k += snprintf(buf + k, sizeof buf - (size_t)k, "%s%lld", i ? "," : "", (long long)gen_dist_batch_shape(d)[i]);
    snprintf(buf + k, sizeof buf - (size_t)k, "]");
    GEN_FAIL(GEN_ERR_SHAPE, "%s: batched parameters but batch shape %s does not start with the %lld particles",
             gen_dist_name(d), buf, (long long)ctx->n);
    return false;
}

_Thread_local dsl_draw_capture *dsl_capturing_draws;

/* Under a capture of generate (dsl_accel.h): the draw as a DRAW op on the capture's key
 * leaf, when the draw is the generate call's own (its key is the call's); any other draw
 * (inside a call) refuses the capture. */
static gen_array *captured_draw(const gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    dsl_draw_capture *c = dsl_capturing_draws;
    if (!memcmp(&ctx->key, &c->key, sizeof c->key)) {
        gen_array *x = dist_draw_op(d, c->key_leaf, gen_addr_key_hash(a), ctx->n);
        return ctx->n ? gen_batched(x) : x;
    }
    if (!c->refused[0]) {
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr_format(a, buf, sizeof buf);
        snprintf(c->refused, sizeof c->refused, "the draw at %s is not the captured call's own", buf);
    }
    return NULL;
}

gen_array *dsl_draw(const gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (CORE_UNLIKELY(dsl_capturing_draws != NULL) && ad_capture_depth) {
        if (ctx->n && !particle_axis_ok(ctx, d)) return NULL;
        gen_array *x = captured_draw(ctx, a, d);
        if (x || dsl_capturing_draws->refused[0] == 0) return x;
    }
    gen_key key = gen_key_fold_in(ctx->key, gen_addr_key_hash(a));
    if (!ctx->n) return gen_dist_sample(d, key, 0, NULL);
    if (!particle_axis_ok(ctx, d)) return NULL;
    bool batched = gen_dist_is_batched(d);
    return gen_batched(gen_dist_sample(d, key, batched ? 0 : 1, batched ? NULL : &ctx->n));
}

gen_array *dsl_given(const gen_ctx *ctx, const gen_dist *d, const gen_array *c) {
    if (CORE_UNLIKELY(!dist_value_fits(d, c, !ctx->n)) && gfi_check_given(ctx->op, d, c, ctx->n) != GEN_OK)
        return NULL;
    if (!ctx->n) return (gen_array *)c;
    int64_t u[GEN_MAX_DIMS];
    int nu = 0, nc = gen_array_ndim(c);
    const int64_t *sc = gen_array_shape(c);
    if (!particle_axis_ok(ctx, d)) return NULL;
    nu = unit_shape(ctx, d, u);
    if (nc == nu + 1 && sc[0] == ctx->n && !memcmp(sc + 1, u, (size_t)nu * sizeof *u))
        return gen_array_is_batched(c) ? (gen_array *)c : gen_batched(c);
    if (nc == nu && !memcmp(sc, u, (size_t)nu * sizeof *u) && !gen_array_is_batched(c))
        return (gen_array *)c;
    GEN_FAIL(GEN_ERR_SHAPE, "batched %s: a value of %s shape [%d dims] fits neither one value per "
             "particle ([%lld] + the %d-dim per-particle shape) nor one shared value (the "
             "per-particle shape)", gen_dist_name(d), gen_array_is_batched(c) ? "batched" : "unbatched",
             nc, (long long)ctx->n, nu);
    return NULL;
}

gen_status dsl_batch_totals(const gen_ctx *ctx, gen_array **score, gen_array **weight) {
    if (!ctx->n) return GEN_OK;
    if (gen_array_ndim(*score) == 0) *score = gen_broadcast_to(*score, 1, &ctx->n);
    if (gen_array_ndim(*weight) == 0) *weight = gen_broadcast_to(*weight, 1, &ctx->n);
    return *score && *weight ? GEN_OK : dsl_pending_or_oom();
}

gen_array *dsl_where_particles(const gen_array *mask, const gen_array *a, const gen_array *b) {
    int nd = gen_array_ndim(a) > gen_array_ndim(b) ? gen_array_ndim(a) : gen_array_ndim(b);
    int64_t shape[GEN_MAX_DIMS];
    shape[0] = gen_array_shape(mask)[0];
    for (int k = 1; k < nd; k++) shape[k] = 1;
    gen_array *m = nd > 1 ? gen_reshape(mask, nd, shape) : (gen_array *)mask;
    return gen_where(m, a, b);
}

gen_array *dsl_masked_given(const gen_ctx *ctx, const gen_dist *d, const gen_array *c,
                            const gen_array *mask, const gen_array *elsewhere) {
    gen_array *x = dsl_given(ctx, d, c);
    if (!x || !elsewhere) return NULL;
    gen_array *v = dsl_where_particles(mask, x, elsewhere);
    return gen_array_is_batched(v) ? v : gen_batched(v);
}

static gen_array *generate_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (!d) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    const gen_array *c = gen_choicemap_find(ctx->constraints, a);
    const gen_array *mask = c && ctx->n ? gen_choicemap_mask_at(ctx->constraints, a) : NULL;
    gen_array *x = !c ? dsl_draw(ctx, a, d)
                   : mask ? dsl_masked_given(ctx, d, c, mask, dsl_draw(ctx, a, d))
                          : dsl_given(ctx, d, c);
    gen_array *lp = x ? dsl_choice_logpdf(ctx, d, x) : NULL;
    /* a masked constraint weighs only where it is given; the rest was sampled */
    gen_array *w = lp && mask ? dsl_where_particles(mask, lp, gen_scalar(0.0)) : lp;
    if (!lp || !w) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->value = dsl_keep(x);
    r->score = dsl_keep(lp);
    if (c) {
        r->weight = dsl_keep(w);
        ctx->used++;
    }
    return x;
}

static gen_array *assess_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (!d) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    const gen_array *c = gen_choicemap_find(ctx->constraints, a);
    if (!c || gen_choicemap_mask_at(ctx->constraints, a)) {
        char path[GEN_ADDR_FORMAT_MAX] = ""; /* a choice at the root: the function's name says where */
        if (a->len) gen_addr_format(a, path, sizeof path);
        const char *sep = a->len ? ": " : "", *at = a->len ? path : "the root address";
        ctx->status = c ? GEN_FAIL(GEN_ERR_VALUE, "%s%sassess: the value at %s is present for some particles only (masked)", path, sep, at)
                        : GEN_FAIL(GEN_ERR_VALUE, "%s%sassess: the choices have no value at %s", path, sep, at);
        return NULL;
    }
    gen_array *x = NULL, *lp = NULL;
    if (CORE_UNLIKELY(ctx->ev != NULL)) {
        if (ctx->n) GEN_FAIL(GEN_ERR_UNSUPPORTED, "unconstrained assess does not run batched");
        else gen_eval_choice(ctx->ev, a, d, c, &x, &lp);
    } else if ((x = dsl_given(ctx, d, c)))
        lp = dsl_choice_logpdf(ctx, d, x);
    if (!x || !lp) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->value = dsl_keep(x);
    r->score = dsl_keep(lp);
    r->weight = dsl_keep(lp);
    ctx->used++;
    return x;
}

static gen_array *generate_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f,
                                const gen_args *args) {
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CALL);
    if (i < 0) return NULL;
    const gen_choicemap *sub = gen_choicemap_get_submap(ctx->constraints, a);
    gen_trace *t = NULL;
    gen_array *w = NULL;
    gen_key k = gen_key_fold_in(ctx->key, gen_addr_key_hash(a));
    int64_t saved = dsl_callee_begin(ctx);
    gen_status s = gen_generate(f, k, args, sub, &t, &w);
    dsl_callee_end(saved);
    if (s != GEN_OK) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->sub = gen_trace_retain(t);
    r->score = dsl_keep(t->score);
    r->weight = dsl_keep(w);
    ctx->used += gen_choicemap_count(sub);
    return (gen_array *)gen_trace_retval(t);
}

static gen_array *assess_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f,
                              const gen_args *args) {
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CALL);
    if (i < 0) return NULL;
    const gen_choicemap *sub = gen_choicemap_get_submap(ctx->constraints, a);
    gen_array *w = NULL, *ret = NULL;
    int64_t saved = dsl_callee_begin(ctx);
    gen_status s = gfi_assess_at(f, ctx->ev, a, args, sub, &w, &ret);
    dsl_callee_end(saved);
    if (s != GEN_OK) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->score = dsl_keep(w);
    r->weight = dsl_keep(w);
    ctx->used += gen_choicemap_count(sub);
    return ret;
}

/* Factors count in the score and in every weight (generate, assess, project). */
gen_status dsl_add_factor(gen_ctx *ctx, const gen_array *logw) {
    gen_array *sum = ctx->data.factors ? gen_add(ctx->data.factors, logw) : (gen_array *)logw;
    if (!sum) return ctx->status = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    gen_array_retain(sum);
    gen_array_release(ctx->data.factors);
    ctx->data.factors = sum;
    return GEN_OK;
}

const dsl_handler dsl_generate_handler = {generate_choice, generate_call, dsl_add_factor};
const dsl_handler dsl_assess_handler = {assess_choice, assess_call, dsl_add_factor};
