/* dsl_handlers.c — what gen_choose, gen_call and gen_factor do under each operation:
 * the generate handler (simulate is generate with no constraints) and the assess
 * handler. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dsl_int.h"
#include "../distributions/dist_int.h"

gen_array *dsl_fail_at(gen_ctx *ctx, const gen_addr *a) {
    gen_status s = core_error_pending();
    if (!s) s = GEN_FAIL(GEN_ERR_INTERNAL, "failed without a message");
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(a, buf, sizeof buf);
    core_error_prefix("%s", buf);
    ctx->status = s;
    return NULL;
}

gen_status dsl_check_log_density(const gen_array *lp, const char *who, const char *what) {
    const double *v = gen_array_data(lp);
    int64_t n = gen_array_size(lp);
    if (gen_array_dtype(lp) != GEN_F64) return GEN_OK; /* f32 models: not checked */
    for (int64_t i = 0; i < n; i++)
        if (isnan(v[i]) || v[i] == INFINITY) {
            char at[48] = "";
            if (gen_array_ndim(lp) > 0) snprintf(at, sizeof at, " (particle %lld)", (long long)i);
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s is %s%s; only finite values and -inf are allowed",
                            who, what, isnan(v[i]) ? "NaN" : "+inf", at);
        }
    return GEN_OK;
}

/* Per particle in batched mode: the axes after the particle axis are summed (a value
 * and distribution without one give the same density to every particle). */
gen_array *dsl_choice_logpdf(const gen_ctx *ctx, const gen_dist *d, const gen_array *x) {
    gen_array *lp = gen_dist_logpdf(d, x);
    if (!lp) return NULL;
    if (dsl_check_log_density(lp, gen_dist_name(d), "the log density") != GEN_OK) return NULL;
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

gen_array *dsl_draw(const gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    gen_key key = gen_key_fold_in(ctx->key, gen_addr_hash(a));
    if (!ctx->n) return gen_dist_sample(d, key, 0, NULL);
    if (!particle_axis_ok(ctx, d)) return NULL;
    bool batched = gen_dist_is_batched(d);
    return gen_batched(gen_dist_sample(d, key, batched ? 0 : 1, batched ? NULL : &ctx->n));
}

gen_array *dsl_given(const gen_ctx *ctx, const gen_dist *d, const gen_array *c) {
    if (!ctx->n) return (gen_array *)c;
    if (!particle_axis_ok(ctx, d)) return NULL;
    int64_t u[GEN_MAX_DIMS];
    int nu = unit_shape(ctx, d, u), nc = gen_array_ndim(c);
    const int64_t *sc = gen_array_shape(c);
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
    r->value = gen_array_retain(x);
    r->score = gen_array_retain(lp);
    if (c) {
        r->weight = gen_array_retain(w);
        ctx->used++;
    }
    return x;
}

/* GFI_UC_SUPPORT: records d's finite support at abs (nothing when it has none). */
static gen_status record_support(const gen_dist *d, const gen_addr *abs) {
    gen_array *vals = gen_dist_enumerate(d);
    if (!vals) {
        gen_status s = core_error_pending();
        if (s != GEN_ERR_UNSUPPORTED) return s;
        gen_error_clear();
        return GEN_OK;
    }
    return gen_choicemap_builder_set(gfi_uc.out, abs, vals);
}

/* Unconstrained assess (gfi_int.h): a selected float choice is given in unconstrained
 * space (forward) or mapped there (inverse); *lp gets its density term. */
static gen_array *uc_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d, const gen_array *c,
                            gen_array **lp) {
    gen_addr abs;
    gfi_uc_absolute(a, &abs);
    if (gfi_uc.table && gfi_uc.active == GFI_UC_FORWARD) {
        int64_t k = gfi_uc_table_find(gfi_uc.table, &abs);
        if (k >= 0) {
            c = gfi_uc.values[k];
            gfi_uc.hits++;
        }
    }
    gen_dtype t = gen_array_dtype(c);
    if (ctx->n) {
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "unconstrained assess does not run batched");
        return NULL;
    }
    if (gfi_uc.active == GFI_UC_SUPPORT) {
        if (gen_selection_contains(gfi_uc.sel, &abs) && record_support(d, &abs) != GEN_OK) return NULL;
        *lp = dsl_choice_logpdf(ctx, d, c);
        return (gen_array *)c;
    }
    if ((t != GEN_F64 && t != GEN_F32) || !gen_selection_contains(gfi_uc.sel, &abs)) {
        *lp = dsl_choice_logpdf(ctx, d, c);
        return (gen_array *)c;
    }
    bool identity = dist_bijection_is_identity(d);
    gen_bijection *b = identity ? NULL : gen_dist_bijection(d);
    if (!identity && !b) return NULL;
    if (identity || !strcmp(gen_bijection_name(b), "identity")) {
        /* u is x and log |det J| is 0 (in both directions): skip the view, the zero
         * log-Jacobian and the addition */
        if (gfi_uc.out && gen_choicemap_builder_set(gfi_uc.out, &abs, c) != GEN_OK) return NULL;
        *lp = dsl_choice_logpdf(ctx, d, c);
        return (gen_array *)c;
    }
    if (gfi_uc.active == GFI_UC_INVERSE) {
        gen_array *u = gen_bijection_inverse(b, c);
        if (!u || gen_choicemap_builder_set(gfi_uc.out, &abs, u) != GEN_OK) return NULL;
        *lp = dsl_choice_logpdf(ctx, d, c);
        return (gen_array *)c;
    }
    gen_array *x = NULL, *ld = NULL;
    gen_status st;
    if (bij_scalar_forward(b, c, &x, &ld, &st)) {
        if (st != GEN_OK) return NULL;
    } else {
        x = gen_bijection_forward(b, c), ld = gen_bijection_log_det_jacobian(b, c);
        if (ld && gen_array_ndim(ld) > 0) ld = gen_sum(ld, 0, NULL, false);
    }
    if (!x || !ld || (gfi_uc.out && gen_choicemap_builder_set(gfi_uc.out, &abs, x) != GEN_OK)) return NULL;
    gen_array *lpx = dsl_choice_logpdf(ctx, d, x);
    *lp = lpx ? gen_add(lpx, ld) : NULL;
    return x;
}

static gen_array *assess_choice(gen_ctx *ctx, const gen_addr *a, const gen_dist *d) {
    if (!d) return dsl_fail_at(ctx, a);
    int64_t i = dsl_claim(ctx, a, DSL_SLOT_CHOICE);
    if (i < 0) return NULL;
    const gen_array *c = gen_choicemap_find(ctx->constraints, a);
    if (c && gen_choicemap_mask_at(ctx->constraints, a)) {
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr_format(a, buf, sizeof buf);
        ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: assess: the value at %s is present for some particles only (masked)", buf, buf);
        return NULL;
    }
    if (!c) {
        char buf[GEN_ADDR_FORMAT_MAX];
        gen_addr_format(a, buf, sizeof buf);
        ctx->status = GEN_FAIL(GEN_ERR_VALUE, "%s: assess: the choices have no value at %s", buf, buf);
        return NULL;
    }
    gen_array *x, *lp = NULL;
    if (CORE_UNLIKELY(gfi_uc.active)) x = uc_choice(ctx, a, d, c, &lp);
    else if ((x = dsl_given(ctx, d, c))) lp = dsl_choice_logpdf(ctx, d, x);
    if (!x || !lp) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->value = gen_array_retain(x);
    r->score = gen_array_retain(lp);
    r->weight = gen_array_retain(lp);
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
    gen_key k = gen_key_fold_in(ctx->key, gen_addr_hash(a));
    int64_t saved = dsl_callee_begin(ctx);
    gen_status s = gen_generate(f, k, args, sub, &t, &w);
    dsl_callee_end(saved);
    if (s != GEN_OK) return dsl_fail_at(ctx, a);
    dsl_rec *r = &ctx->data.recs[i];
    r->sub = gen_trace_retain(t);
    r->score = gen_array_retain(t->score);
    r->weight = gen_array_retain(w);
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
    int uc = gfi_uc_enter(a);
    gen_status s = uc < 0 ? GEN_ERR_VALUE : gen_assess(f, args, sub, &w, &ret);
    gfi_uc_leave(uc);
    dsl_callee_end(saved);
    if (s != GEN_OK) return dsl_fail_at(ctx, a);
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
