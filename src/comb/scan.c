/* scan.c — Scan(kernel): state threading with a per-step output (jax.lax.scan, GenJAX's
 * Scan). Step t runs the kernel on (carry, xs[t], params...) and gets the tuple
 * (new carry, y_t); its choices live at address t. Like Unfold, the subtraces sit in a
 * persistent vector and the choices and return value (final carry, stacked ys) are built
 * only when read. */
#include <stdio.h>
#include <string.h>

#include "comb_int.h"

typedef struct scan_trace {
    comb_pvec *subs;         /* one subtrace per step; each returns (carry, y) */
    int64_t n_updated, cap;  /* the steps whose y changed in the update that made this */
    int64_t *updated;
    gen_vector_diff ys_vd;   /* retdiff payload: the ys' diff ... */
    int64_t items[2];        /* ... inside a diff of the tuple's two items */
    gen_diff item_diffs[2];
    gen_vector_diff vd;
} scan_trace;

static const gen_gf *kernel_of(const gen_gf *f) { return f->data; }

static void scan_free(gen_gf *f) { gen_gf_release(f->data); }

static void scan_trace_free_data(scan_trace *d) {
    comb_pvec_release(d->subs);
    if (d->updated) core_free(d->updated, (size_t)d->cap * sizeof *d->updated);
    core_free(d, sizeof *d);
}

static void scan_free_trace(gen_trace *tr) { scan_trace_free_data(tr->data); }

static gen_status note_updated(scan_trace *d, int64_t t) {
    if (d->n_updated == d->cap) {
        int64_t cap = d->cap ? 2 * d->cap : 8;
        int64_t *u = core_realloc(d->updated, (size_t)d->cap * sizeof *u, (size_t)cap * sizeof *u);
        if (!u) return GEN_ERR_OOM;
        d->updated = u, d->cap = cap;
    }
    d->updated[d->n_updated++] = t;
    return GEN_OK;
}

/* The number of steps: the length of xs (argument 1) along its element axis. */
static gen_status scan_length(comb_mode m, const gen_gf *f, const char *op, const gen_args *args, int64_t *n) {
    *n = -1;
    if (!args || args->n < 2)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: needs the initial carry and xs (got %d arguments)", f->name, op,
                        args ? args->n : 0);
    if (gen_array_is_tuple(args->v[1]))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: xs (argument 1) is a tuple, not an array", f->name, op);
    *n = comb_length(m, f->name, 1, args->v[1]);
    return *n < 0 ? comb_pending() : GEN_OK;
}

/* Step t's carry and output (items of its subtrace's return value). */
static const gen_array *carry_of(const gen_trace *sub) { return gen_tuple_get(gen_trace_retval(sub), 0); }
static const gen_array *y_of(const gen_trace *sub) { return gen_tuple_get(gen_trace_retval(sub), 1); }

/* The carry going into step t of the chain in subs. */
static const gen_array *carry_before(const gen_args *args, const comb_pvec *subs, int64_t t) {
    return t == 0 ? args->v[0] : carry_of(comb_pvec_get(subs, t - 1));
}

/* The kernel's arguments for step t: (carry, xs[t], params...) into ev. */
static gen_status step_args(comb_mode m, const gen_args *args, int64_t t, const gen_array *carry,
                            gen_array **ev, gen_args *ea) {
    ev[0] = (gen_array *)carry;
    if (!(ev[1] = comb_element(m, args->v[1], t))) return comb_pending();
    for (int j = 2; j < args->n; j++) ev[j] = args->v[j];
    *ea = (gen_args){args->n, ev, args->user};
    return GEN_OK;
}

static bool shaped_alike(comb_mode m, const gen_array *a, const gen_array *b) {
    if (gen_array_is_tuple(a) || gen_array_is_tuple(b))
        return gen_array_is_tuple(a) && gen_array_is_tuple(b) && gen_tuple_size(a) == gen_tuple_size(b);
    return comb_same_item_shape(m, a, b);
}

/* Step t's return value is a tuple (carry shaped like the initial one, y an array shaped
 * like y0 when given). */
static gen_status check_ret(comb_mode m, const gen_gf *f, const gen_args *args, int64_t t, const gen_array *r,
                            const gen_array *y0) {
    if (!gen_array_is_tuple(r) || gen_tuple_size(r) != 2)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: the kernel must return a tuple (carry, y)", f->name, (long long)t);
    if (!shaped_alike(m, gen_tuple_get(r, 0), args->v[0]))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld: the kernel returned a carry shaped unlike the initial carry",
                        f->name, (long long)t);
    const gen_array *y = gen_tuple_get(r, 1);
    if (gen_array_is_tuple(y))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: the kernel's output y is a tuple, not an array", f->name, (long long)t);
    if (y0 && !comb_same_item_shape(m, y, y0))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld: the kernel's output y is shaped unlike step 0's", f->name, (long long)t);
    return GEN_OK;
}

/* Appends step t, generated with constraints c; adds its score and weight. */
static gen_status generate_step(comb_mode m, const gen_gf *f, gen_key key, const gen_args *args,
                                gen_array **ev, const gen_choicemap *c, int64_t t, comb_pvec **subs,
                                gen_array **score, gen_array **w) {
    gen_args ea;
    gen_trace *sub = NULL;
    gen_array *wi = NULL;
    gen_status s = step_args(m, args, t, carry_before(args, *subs, t), ev, &ea);
    if (s == GEN_OK) {
        int64_t saved = comb_kernel_begin(m);
        s = gen_generate(kernel_of(f), gen_key_fold_in(key, (uint64_t)t), &ea, c, &sub, &wi);
        comb_kernel_end(saved);
        if (s != GEN_OK) return comb_fail_at(f->name, t);
    }
    if (s == GEN_OK)
        s = check_ret(m, f, args, t, gen_trace_retval(sub), t ? y_of(comb_pvec_get(*subs, 0)) : NULL);
    comb_pvec *next = s == GEN_OK ? comb_pvec_push(*subs, sub) : NULL;
    if (s == GEN_OK && !next) s = GEN_ERR_OOM;
    if (s != GEN_OK) return s;
    comb_pvec_release(*subs);
    *subs = next;
    s = comb_add(score, gen_trace_score(sub));
    return s == GEN_OK ? comb_add(w, wi) : s;
}

static gen_status scan_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    return comb_project_steps(tr, ((const scan_trace *)tr->data)->subs, sel, weight);
}

static gen_status scan_materialize(const gen_trace *tr, gen_choicemap **choices, gen_array **retval);

static gen_status finish_trace(comb_mode m, const gen_gf *f, const gen_args *args, scan_trace *d,
                               gen_array *score, gen_trace **tr) {
    *tr = gfi_trace_new_lazy(f, args, score ? score : comb_zero(m), d, scan_materialize);
    if (!*tr) return comb_pending();
    (*tr)->batch = m.n;
    return GEN_OK;
}

static gen_status scan_generate(const gen_gf *f, gen_key key, const gen_args *args,
                                const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = -1;
    scan_trace *d = NULL;
    gen_array **ev = NULL, *score = NULL, *w = NULL;
    gen_trace *t = NULL;
    s = scan_length(m, f, "generate", args, &n);
    if (s == GEN_OK) s = comb_check_indexed(f->name, "generate", constraints, n);
    if (s == GEN_OK && (!(d = core_calloc(1, sizeof *d)) || !(d->subs = comb_pvec_new()) ||
                        !(ev = core_alloc((size_t)args->n * sizeof *ev))))
        s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++)
        s = generate_step(m, f, key, args, ev, gen_choicemap_child(constraints, gen_part_int(i)), i, &d->subs,
                          &score, &w);
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (s == GEN_OK) {
        s = finish_trace(m, f, args, d, score, &t);
        d = NULL;
    }
    if (d) scan_trace_free_data(d);
    return comb_publish(m, s, t, w, weight, tr);
}

/* (final carry, ys stacked); no steps: (init carry, f64 [0]) since y's shape is unknown. */
static gen_array *scan_retval(comb_mode m, int64_t n, const gen_array *carry, gen_array *const *ys) {
    gen_array *stacked = n > 0 ? comb_stack(m, n, ys) : gen_zeros(GEN_F64, 1, (int64_t[]){0});
    return stacked ? gen_tuple(2, (gen_array *[]){(gen_array *)carry, stacked}) : NULL;
}

static gen_status scan_assess(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                              gen_array **weight, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = -1;
    gen_array **ev = NULL, **ys = NULL, *w = NULL, *ret = NULL;
    const gen_array *carry = NULL;
    s = scan_length(m, f, "assess", args, &n);
    if (s == GEN_OK) s = comb_check_indexed(f->name, "assess", choices, n);
    if (s == GEN_OK && (!(ev = core_alloc((size_t)args->n * sizeof *ev)) ||
                        (n > 0 && !(ys = core_calloc((size_t)n, sizeof *ys)))))
        s = GEN_ERR_OOM;
    if (s == GEN_OK) carry = args->v[0];
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        gen_args ea;
        gen_array *wi = NULL, *r = NULL;
        s = step_args(m, args, i, carry, ev, &ea);
        if (s == GEN_OK) {
            int64_t saved = comb_kernel_begin(m);
            gen_addr ai = {1, {gen_part_int(i)}};
            s = gfi_assess_at(kernel_of(f), eval, &ai, &ea, gen_choicemap_child(choices, gen_part_int(i)), &wi, &r);
            comb_kernel_end(saved);
            if (s != GEN_OK) s = comb_fail_at(f->name, i);
        }
        if (s == GEN_OK) s = check_ret(m, f, args, i, r, i ? ys[0] : NULL);
        if (s == GEN_OK) {
            carry = gen_tuple_get(r, 0);
            ys[i] = gen_tuple_get(r, 1);
            s = comb_add(&w, wi);
        }
    }
    if (s == GEN_OK && retval && !(ret = scan_retval(m, n, carry, ys))) s = comb_pending();
    if (s == GEN_OK && !(*weight = gen_scope_return(w ? w : comb_zero(m)))) s = comb_pending();
    if (s == GEN_OK && retval && !(*retval = gen_scope_return(ret))) s = comb_pending();
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (ys) core_free(ys, (size_t)n * sizeof *ys);
    gen_scope_end();
    comb_leave(m);
    if (s != GEN_OK) {
        *weight = NULL;
        if (retval) *retval = NULL;
    }
    return s;
}


static gen_status scan_materialize(const gen_trace *tr, gen_choicemap **choices, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    const scan_trace *d = tr->data;
    comb_mode m = {tr->batch};
    int64_t n = comb_pvec_len(d->subs);
    gen_trace **subs = NULL;
    gen_array **ys = NULL, *ret = NULL;
    gen_choicemap *cm = NULL;
    s = comb_pvec_gather(d->subs, &subs);
    if (s == GEN_OK && n > 0 && !(ys = core_alloc((size_t)n * sizeof *ys))) s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) ys[i] = (gen_array *)y_of(subs[i]);
    if (s == GEN_OK && !(cm = comb_indexed_choices(n, subs))) s = comb_pending();
    if (s == GEN_OK && !(ret = scan_retval(m, n, n ? carry_of(subs[n - 1]) : tr->args.v[0], ys))) {
        core_error_prefix("%s: stacking the outputs", tr->gf->name);
        s = comb_pending();
    }
    if (s == GEN_OK) {
        *choices = gen_choicemap_retain(cm);
        *retval = gen_array_retain(ret);
    }
    if (subs) core_free(subs, (size_t)n * sizeof *subs);
    if (ys) core_free(ys, (size_t)n * sizeof *ys);
    gen_scope_end();
    return s;
}

/* ---- update and regenerate ---- */

typedef struct chain {
    comb_mode m;
    const gen_gf *f;
    const comb_edit *e;
    gen_key key;
    const gen_args *args;
    const gen_diff *argdiffs; /* NULL: all unknown */
    gen_array **ev;
    gen_diff *ead;
    scan_trace *d;
    gen_array *score, *w;
} chain;

/* The first step in [from, limit) whose x may have changed (xs's argdiff), else limit. */
static int64_t next_x_changed(const gen_diff *xd, int64_t from, int64_t limit) {
    if (!xd || (xd->kind != GEN_DIFF_VECTOR && xd->kind != GEN_DIFF_NO_CHANGE)) return from;
    if (xd->kind == GEN_DIFF_NO_CHANGE) return limit;
    const gen_vector_diff *v = xd->vector;
    int64_t lo = 0, hi = v->n_updated;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (v->updated[mid] < from) lo = mid + 1;
        else hi = mid;
    }
    for (; lo < v->n_updated && v->updated[lo] < limit; lo++)
        if (gen_diff_element_changed(xd, v->updated[lo])) return v->updated[lo];
    return limit;
}

/* Reruns the kept steps [0, keep) that need it: those whose carry, x or params changed,
 * or that the constraints / selection reach; stops where the carry is the same value and
 * nothing later is reached. */
static gen_status rerun_kept(chain *c, const comb_pvec *old, int64_t keep) {
    const gen_args *args = c->args;
    const gen_diff *ad = c->argdiffs, *xd = ad ? &ad[1] : NULL;
    bool params_changed = !ad && args->n > 2, carry_changed = !ad || !gen_diff_is_no_change(&ad[0]);
    for (int j = 2; ad && j < args->n; j++) params_changed |= !gen_diff_is_no_change(&ad[j]);
    gen_diff cd = ad ? ad[0] : gen_diff_unknown();
    int64_t t = 0;
    while (t < keep) {
        if (!params_changed && !carry_changed) {
            int64_t a = comb_edit_next(c->e, t, keep), b = next_x_changed(xd, t, keep);
            if ((t = a < b ? a : b) >= keep) break;
        }
        const gen_trace *prev = comb_pvec_get(old, t);
        gen_trace *sub = NULL;
        gen_array *wi = NULL;
        gen_diff rd = gen_diff_unknown();
        gen_args ea;
        c->ead[0] = carry_changed ? cd : gen_diff_no_change();
        c->ead[1] = xd ? gen_diff_element(xd, t) : gen_diff_unknown();
        for (int j = 2; j < args->n; j++) c->ead[j] = ad ? ad[j] : gen_diff_unknown();
        gen_status s = step_args(c->m, args, t, carry_before(args, c->d->subs, t), c->ev, &ea);
        if (s == GEN_OK) s = comb_edit_revisit(c->m, c->f, c->e, c->key, prev, &ea, c->ead, t, &sub, &wi, &rd);
        if (s == GEN_OK)
            s = check_ret(c->m, c->f, args, t, gen_trace_retval(sub),
                          t ? y_of(comb_pvec_get(c->d->subs, 0)) : y_of(prev));
        comb_pvec *next = s == GEN_OK ? comb_pvec_set(c->d->subs, t, sub) : NULL;
        if (s == GEN_OK && !next) s = GEN_ERR_OOM;
        if (s != GEN_OK) return s;
        comb_pvec_release(c->d->subs);
        c->d->subs = next;
        if ((s = comb_add(&c->w, wi)) == GEN_OK && (s = comb_add(&c->score, gen_trace_score(sub))) == GEN_OK)
            s = comb_sub(&c->score, gen_trace_score(prev));
        bool same = gen_diff_is_no_change(&rd);
        carry_changed = !same && !gfi_same_value(carry_of(sub), carry_of(prev));
        cd = carry_changed ? gen_diff_unknown() : gen_diff_no_change();
        if (s == GEN_OK && !same && !gfi_same_value(y_of(sub), y_of(prev))) s = note_updated(c->d, t);
        if (s != GEN_OK) return s;
        t++;
    }
    return GEN_OK;
}

/* The retdiff: GEN_DIFF_NO_CHANGE, or a vector diff over the tuple's two items naming
 * the final carry (unknown) and / or the ys (a vector diff of the steps). */
static gen_diff scan_retdiff(scan_trace *d, int64_t n, int64_t n_old, bool carry_changed) {
    d->ys_vd = (gen_vector_diff){n, n_old, d->n_updated, d->updated, NULL};
    int k = 0;
    if (carry_changed) d->items[k] = 0, d->item_diffs[k++] = gen_diff_unknown();
    if (n != n_old || d->n_updated > 0) d->items[k] = 1, d->item_diffs[k++] = gen_diff_vector(&d->ys_vd);
    d->vd = (gen_vector_diff){2, 2, k, d->items, d->item_diffs};
    return k ? gen_diff_vector(&d->vd) : gen_diff_no_change();
}

static gen_status scan_edit_run(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                comb_edit *e, gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    const gen_gf *f = tr->gf;
    const scan_trace *old = tr->data;
    const char *op = e->sel ? "regenerate" : "update";
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    chain c = {.m = comb_enter(), .f = f, .e = e, .key = key, .args = args, .score = tr->score,
               .argdiffs = args && args->n == tr->args.n ? argdiffs : NULL}; /* new arity: all new */
    int64_t n = -1, n_old = comb_pvec_len(old->subs);
    gen_trace *t = NULL;
    s = scan_length(c.m, f, op, args, &n);
    if (s == GEN_OK && !e->sel && (s = comb_check_indexed(f->name, op, e->constraints, n)) == GEN_OK)
        s = comb_edit_marks(e);
    if (s == GEN_OK && (!(c.d = core_calloc(1, sizeof *c.d)) || !(c.ev = core_alloc((size_t)args->n * sizeof *c.ev)) ||
                        !(c.ead = core_alloc((size_t)args->n * sizeof *c.ead))))
        s = GEN_ERR_OOM;
    int64_t keep = n < n_old ? n : n_old;
    if (s == GEN_OK && !(c.d->subs = comb_pvec_truncate(old->subs, keep))) s = GEN_ERR_OOM;
    if (s == GEN_OK) s = rerun_kept(&c, old->subs, keep);
    for (int64_t i = n_old; s == GEN_OK && i < n; i++)
        s = generate_step(c.m, f, key, args, c.ev,
                          e->sel ? gen_choicemap_empty() : gen_choicemap_child(e->constraints, gen_part_int(i)), i,
                          &c.d->subs, &c.score, &c.w);
    for (int64_t i = n; s == GEN_OK && i < n_old; i++) {
        const gen_trace *prev = comb_pvec_get(old->subs, i);
        if ((s = comb_edit_drop(c.m, e, prev, i, &c.w)) == GEN_OK) s = comb_sub(&c.score, gen_trace_score(prev));
        if (s != GEN_OK) s = comb_fail_at(f->name, i);
    }
    if (c.ev) core_free(c.ev, (size_t)args->n * sizeof *c.ev);
    if (c.ead) core_free(c.ead, (size_t)args->n * sizeof *c.ead);
    if (s == GEN_OK) {
        const gen_array *was = n_old ? carry_of(comb_pvec_get(old->subs, n_old - 1)) : tr->args.v[0];
        const gen_array *now = n ? carry_of(comb_pvec_get(c.d->subs, n - 1)) : args->v[0];
        gen_diff rd = scan_retdiff(c.d, n, n_old, !gfi_same_value(was, now));
        if (retdiff) *retdiff = rd;
        s = finish_trace(c.m, f, args, c.d, c.score, &t);
        c.d = NULL;
    }
    if (c.d) scan_trace_free_data(c.d);
    if (s != GEN_OK && retdiff) *retdiff = gen_diff_unknown();
    return comb_publish(c.m, s, t, c.w, weight, new_tr);
}

static gen_status scan_update(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                              const gen_choicemap *constraints, gen_trace **new_tr, gen_array **weight,
                              gen_diff *retdiff, gen_choicemap **discard) {
    comb_edit e = {.constraints = constraints};
    if (discard && !(e.discard = gen_choicemap_builder_new())) return GEN_ERR_OOM;
    gen_status s = scan_edit_run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff);
    if (s == GEN_OK && discard && !(*discard = gen_choicemap_builder_finish(e.discard))) {
        s = comb_pending();
        if (weight) *weight = NULL; /* left to the scope */
        *new_tr = NULL;
    }
    comb_edit_free(&e);
    return s;
}

static gen_status scan_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                  const gen_selection *sel, gen_trace **new_tr, gen_array **weight,
                                  gen_diff *retdiff) {
    comb_edit e = {.sel = sel};
    gen_status s = scan_edit_run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff);
    comb_edit_free(&e);
    return s;
}

static bool scan_same(const gen_gf *a, const gen_gf *b) { return gfi_same_gf(a->data, b->data); }

static const gfi_vtable scan_vtable = {
    .kind = "scan",
    .generate = scan_generate,
    .assess = scan_assess,
    .project = scan_project,
    .update = scan_update,
    .regenerate = scan_regenerate,
    .free_data = scan_free,
    .free_trace_data = scan_free_trace,
    .same = scan_same,
};

gen_gf *gen_scan(const gen_gf *kernel) {
    if (!kernel) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_scan: the kernel is NULL");
        return NULL;
    }
    char name[128];
    snprintf(name, sizeof name, "scan(%s)", gen_gf_name(kernel));
    return gfi_gf_new(&scan_vtable, name, gen_gf_retain((gen_gf *)kernel));
}
