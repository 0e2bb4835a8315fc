/* dsl_handlers.c — what gen_choose, gen_call and gen_factor do under each operation:
 * the generate handler (simulate is generate with no constraints) and the assess
 * handler. */
#include "dsl_int.h"

gen_array *dsl_fail_at(gen_ctx *ctx, const gen_addr *a) {
    gen_status s = core_error_pending();
    if (!s) s = GEN_FAIL(GEN_ERR_INTERNAL, "failed without a message");
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(a, buf, sizeof buf);
    core_error_prefix("%s", buf);
    ctx->status = s;
    return NULL;
}

/* The 0-d log density of x under d (summed over batch axes: one choice, one term). */
gen_array *dsl_choice_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *lp = gen_dist_logpdf(d, x);
    return lp && gen_array_ndim(lp) > 0 ? gen_sum(lp, 0, NULL, false) : lp;
}

static gen_array *generate_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (!d) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    const gen_array *c = gen_choicemap_find(ctx->constraints, a);
    gen_array *x = c ? (gen_array *)c
                     : gen_dist_sample(d, gen_key_fold_in(ctx->key, gen_addr_hash(a)), 0, NULL);
    gen_array *lp = x ? dsl_choice_logpdf(d, x) : NULL;
    if (!lp) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->value = gen_array_retain(x);
    r->score = gen_array_retain(lp);
    if (c) {
        r->weight = gen_array_retain(lp);
        ctx->used++;
    }
    return x;
}

static gen_array *assess_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (!d) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    const gen_array *c = gen_choicemap_find(ctx->constraints, a);
    if (!c) {
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr_format(a, buf, sizeof buf);
        ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: assess: the choices have no value at %s", buf, buf);
        return NULL;
    }
    gen_array *lp = dsl_choice_logpdf(d, c);
    if (!lp) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->value = gen_array_retain((gen_array *)c);
    r->score = gen_array_retain(lp);
    r->weight = gen_array_retain(lp);
    ctx->used++;
    return (gen_array *)c;
}

static gen_array *generate_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f,
                                const gen_args *args) {
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CALL);
    if (i < 0) return NULL;
    const gen_choicemap *sub = gen_choicemap_get_submap(ctx->constraints, a);
    gen_trace *t = NULL;
    gen_array *w = NULL;
    gen_key k = gen_key_fold_in(ctx->key, gen_addr_hash(a));
    if (gen_generate(f, k, args, sub, &t, &w) != GEN_OK) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->sub = gen_trace_retain(t);
    r->score = gen_array_retain(t->score);
    r->weight = gen_array_retain(w);
    ctx->used += gen_choicemap_count(sub);
    return t->retval;
}

static gen_array *assess_call(gen_ctx *ctx, const gen_addr *a, const gen_gf *f,
                              const gen_args *args) {
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CALL);
    if (i < 0) return NULL;
    const gen_choicemap *sub = gen_choicemap_get_submap(ctx->constraints, a);
    gen_array *w = NULL, *ret = NULL;
    if (gen_assess(f, args, sub, &w, &ret) != GEN_OK) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->score = gen_array_retain(w);
    r->weight = gen_array_retain(w);
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
