/* dimap.c — Contramap(f, pre) / Dimap(f, pre, post): f on transformed arguments, its
 * return value transformed; the choices are f's. update / regenerate tell f which
 * transformed arguments kept their values. */
#include <stdio.h>
#include <string.h>

#include "comb_int.h"

typedef struct dimap_data {
    gen_gf *f; /* retained */
    gen_args_fn pre;
    gen_retval_fn post;
    void *payload; /* borrowed */
} dimap_data;

static void dimap_free(gen_gf *g) {
    dimap_data *d = g->data;
    gen_gf_release(d->f);
    core_free(d, sizeof *d);
}

static void dimap_free_trace(gen_trace *tr) { gen_trace_release(tr->data); }

/* The transformed arguments in buf (GEN_DIMAP_MAX_ARGS entries): pre's, or args'. */
static gen_status transform_args(const gen_gf *g, const char *op, const gen_args *args, gen_array **buf,
                                 gen_args *out) {
    const dimap_data *d = g->data;
    static const gen_args none = {0, NULL, NULL};
    const gen_args *in = args ? args : &none;
    if (!d->pre) {
        *out = *in;
        return GEN_OK;
    }
    int n = -1;
    core_guard guard = core_guard_begin();
    gen_status s = d->pre(d->payload, in, buf, GEN_DIMAP_MAX_ARGS, &n);
    gen_status sg = CORE_GUARD_END(guard, s, "the argument transform", "%s: %s", g->name, op);
    if (CORE_UNLIKELY(sg != GEN_OK)) return sg;
    if (s != GEN_OK) {
        if (!core_error_pending()) GEN_FAIL(s, "the argument transform returned %s", gen_status_name(s));
        core_error_prefix("%s: %s", g->name, op);
        return s;
    }
    if (n < 0 || n > GEN_DIMAP_MAX_ARGS)
        return GEN_FAIL(GEN_ERR_CALLBACK, "%s: %s: the argument transform gave %d arguments (0 to %d allowed)",
                        g->name, op, n, GEN_DIMAP_MAX_ARGS);
    for (int j = 0; j < n; j++)
        if (!buf[j])
            return GEN_FAIL(GEN_ERR_CALLBACK, "%s: %s: the argument transform gave a NULL argument %d", g->name, op,
                            j);
    *out = (gen_args){n, buf, in->user};
    return GEN_OK;
}

/* *out = post(ret) (d->post set), its failures named by g and op. */
static gen_status call_post(const gen_gf *g, const char *op, const gen_array *ret, gen_array **out) {
    const dimap_data *d = g->data;
    *out = NULL;
    core_guard guard = core_guard_begin();
    gen_status s = d->post(d->payload, ret, out);
    gen_status sg = CORE_GUARD_END(guard, s, "the return value transform", "%s: %s", g->name, op);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        *out = NULL;
        return sg;
    }
    if (s != GEN_OK) {
        *out = NULL;
        if (!core_error_pending()) GEN_FAIL(s, "the return value transform returned %s", gen_status_name(s));
        core_error_prefix("%s: %s", g->name, op);
    }
    return s;
}

/* *ret = post(f's return value), or f's. */
static gen_status transform_ret(const gen_gf *g, const char *op, const gen_trace *sub, gen_array **ret) {
    const dimap_data *d = g->data;
    *ret = (gen_array *)gen_trace_retval(sub);
    if (!d->post) return GEN_OK;
    return call_post(g, op, *ret, ret);
}

/* The trace of g holding sub (a new reference, taken: released on failure), its
 * choices and score f's; NULL when s is not GEN_OK. */
static gen_status dimap_trace(const gen_gf *g, gen_status s, const gen_args *args, gen_trace *sub, gen_array *ret,
                              gen_trace **t) {
    *t = NULL;
    if (s == GEN_OK)
        return comb_trace_new(comb_keep(), g, args, ret, (gen_choicemap *)gen_trace_choices(sub),
                              (gen_array *)gen_trace_score(sub), sub, NULL, t);
    gen_trace_release(sub);
    return s;
}

static gen_status dimap_generate(const gen_gf *g, gen_key key, const gen_args *args,
                                 const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    const dimap_data *d = g->data;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *buf[GEN_DIMAP_MAX_ARGS], *w = NULL, *ret = NULL;
    gen_trace *sub = NULL;
    gen_args fa;
    s = transform_args(g, "generate", args, buf, &fa);
    if (s == GEN_OK && (s = gen_generate(d->f, key, &fa, constraints, &sub, &w)) != GEN_OK)
        core_error_prefix("%s", g->name);
    if (s == GEN_OK) {
        gen_trace_retain(sub); /* finish hands this reference to the trace */
        s = transform_ret(g, "generate", sub, &ret);
    }
    gen_trace *t = NULL;
    s = dimap_trace(g, s, args, sub, ret, &t);
    return comb_publish(comb_keep(), s, t, w, weight, tr);
}

static gen_status dimap_assess(const gen_gf *g, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                               gen_array **weight, gen_array **retval) {
    const dimap_data *d = g->data;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *buf[GEN_DIMAP_MAX_ARGS], *w = NULL, *ret = NULL;
    gen_args fa;
    s = transform_args(g, "assess", args, buf, &fa);
    if (s == GEN_OK && (s = gfi_assess_in(d->f, eval, &fa, choices, &w, &ret)) != GEN_OK) core_error_prefix("%s", g->name);
    if (s == GEN_OK && d->post) s = call_post(g, "assess", ret, &ret);
    return comb_return(comb_keep(), s, w, ret, weight, retval);
}

static gen_status dimap_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    gen_status s = gen_project(tr->data, sel, weight);
    if (s != GEN_OK) core_error_prefix("%s", tr->gf->name);
    return s;
}

/* f's argdiffs: no change for a transformed argument with the same value as before. */
static gen_diff *inner_argdiffs(const gen_trace *old, const gen_args *fa, gen_diff *buf) {
    const gen_args *was = gen_trace_args(old);
    for (int j = 0; j < fa->n; j++)
        buf[j] = j < was->n && gfi_same_value(was->v[j], fa->v[j]) ? gen_diff_no_change() : gen_diff_unknown();
    return buf;
}

static gen_status dimap_edit(const gen_trace *tr, gen_key key, const gen_args *args,
                             const gen_choicemap *constraints, const gen_selection *sel, gen_trace **new_tr,
                             gen_array **weight, gen_diff *retdiff, gen_choicemap **discard) {
    const gen_gf *g = tr->gf;
    const dimap_data *d = g->data;
    const char *op = sel ? "regenerate" : "update";
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *buf[GEN_DIMAP_MAX_ARGS], *w = NULL, *ret = NULL;
    gen_diff ad[GEN_DIMAP_MAX_ARGS], rd = gen_diff_unknown();
    gen_trace *sub = NULL;
    gen_choicemap *disc = NULL;
    gen_args fa;
    s = transform_args(g, op, args, buf, &fa);
    if (s == GEN_OK) {
        const gen_diff *fad = fa.n <= GEN_DIMAP_MAX_ARGS ? inner_argdiffs(tr->data, &fa, ad) : NULL;
        s = sel ? gen_regenerate(tr->data, key, &fa, fad, sel, &sub, &w, &rd)
                : gen_update(tr->data, key, &fa, fad, constraints, &sub, &w, &rd, discard ? &disc : NULL);
        if (s != GEN_OK) core_error_prefix("%s", g->name);
        else gen_trace_retain(sub);
    }
    if (s == GEN_OK && d->post && gen_diff_is_no_change(&rd)) ret = tr->retval; /* the very same value */
    else if (s == GEN_OK) {
        s = transform_ret(g, op, sub, &ret);
        if (d->post) rd = gen_diff_unknown();
    }
    gen_trace *t = NULL;
    s = dimap_trace(g, s, args, sub, ret, &t);
    return comb_publish_edit(comb_keep(), s, t, w, rd, disc, weight, new_tr, retdiff, discard);
}

static gen_status dimap_update(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                               const gen_choicemap *constraints, gen_trace **new_tr, gen_array **weight,
                               gen_diff *retdiff, gen_choicemap **discard) {
    (void)argdiffs; /* f's argdiffs compare the transformed values */
    return dimap_edit(tr, key, args, constraints, NULL, new_tr, weight, retdiff, discard);
}

static gen_status dimap_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                   const gen_selection *sel, gen_trace **new_tr, gen_array **weight,
                                   gen_diff *retdiff) {
    (void)argdiffs;
    return dimap_edit(tr, key, args, NULL, sel, new_tr, weight, retdiff, NULL);
}

static bool dimap_same(const gen_gf *a, const gen_gf *b) {
    const dimap_data *x = a->data, *y = b->data;
    return x->pre == y->pre && x->post == y->post && x->payload == y->payload && gfi_same_gf(x->f, y->f);
}

static const gfi_vtable dimap_vtable = {"dimap",      dimap_generate,   dimap_assess, dimap_project,
                                        dimap_update, dimap_regenerate, dimap_free,   dimap_free_trace,
                                        dimap_same,   NULL,             NULL};

gen_gf *gen_dimap(const gen_gf *f, gen_args_fn pre, gen_retval_fn post, void *payload) {
    if (!f) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_dimap: the function is NULL");
        return NULL;
    }
    dimap_data *d = core_calloc(1, sizeof *d);
    if (!d) {
        GEN_FAIL(GEN_ERR_OOM, "gen_dimap: out of memory");
        return NULL;
    }
    *d = (dimap_data){gen_gf_retain((gen_gf *)f), pre, post, payload};
    char name[128];
    snprintf(name, sizeof name, "%s(%s)", post ? "dimap" : "contramap", gen_gf_name(f));
    return gfi_gf_new(&dimap_vtable, name, d);
}

gen_gf *gen_contramap(const gen_gf *f, gen_args_fn pre, void *payload) {
    if (!f) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_contramap: the function is NULL");
        return NULL;
    }
    if (!pre) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_contramap: the argument transform is NULL");
        return NULL;
    }
    return gen_dimap(f, pre, NULL, payload);
}
