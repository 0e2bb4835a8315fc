/* unfold.c — Unfold(kernel): a state-space chain. Step t runs the kernel on (t, state,
 * params...) and returns the next state; its choices live at address t. The steps'
 * subtraces sit in a persistent vector and the trace's choices and stacked states are
 * built only when read (a lazy trace), so that extending the chain or updating its last
 * steps costs time independent of its length. */
#include <stdio.h>
#include <string.h>

#include "comb_int.h"

typedef struct unfold_trace {
    comb_pvec *subs;         /* one subtrace per step */
    int64_t n_updated, cap;  /* the retdiff payload of the update that made this trace */
    int64_t *updated;
    gen_diff *updated_diffs; /* each borrowed from the subtrace it describes */
    gen_vector_diff vd;
} unfold_trace;

static const gen_gf *kernel_of(const gen_gf *f) { return f->data; }

static void unfold_free(gen_gf *f) { gen_gf_release(f->data); }

static void unfold_trace_free_data(unfold_trace *d) {
    comb_pvec_release(d->subs);
    if (d->updated) core_free(d->updated, (size_t)d->cap * sizeof *d->updated);
    if (d->updated_diffs) core_free(d->updated_diffs, (size_t)d->cap * sizeof *d->updated_diffs);
    core_free(d, sizeof *d);
}

static void unfold_free_trace(gen_trace *tr) { unfold_trace_free_data(tr->data); }

/* Records that state t changed as rd says (rd's payload lives in step t's subtrace). */
static gen_status note_updated(unfold_trace *d, int64_t t, gen_diff rd) {
    if (d->n_updated == d->cap) {
        int64_t cap = d->cap ? 2 * d->cap : 8;
        int64_t *u = core_alloc((size_t)cap * sizeof *u);
        gen_diff *ud = u ? core_alloc((size_t)cap * sizeof *ud) : NULL;
        if (!ud) {
            if (u) core_free(u, (size_t)cap * sizeof *u);
            return GEN_ERR_OOM;
        }
        if (d->cap) {
            memcpy(u, d->updated, (size_t)d->n_updated * sizeof *u);
            memcpy(ud, d->updated_diffs, (size_t)d->n_updated * sizeof *ud);
            core_free(d->updated, (size_t)d->cap * sizeof *u);
            core_free(d->updated_diffs, (size_t)d->cap * sizeof *ud);
        }
        d->updated = u, d->updated_diffs = ud, d->cap = cap;
    }
    d->updated[d->n_updated] = t;
    d->updated_diffs[d->n_updated++] = rd;
    return GEN_OK;
}

/* The number of steps (argument 0: a 0-d i64 array, the same for every particle). */
static gen_status unfold_length(const gen_gf *f, const char *op, const gen_args *args, int64_t *n) {
    *n = -1;
    if (!args || args->n < 2)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: needs the number of steps and the initial state (got %d arguments)",
                        f->name, op, args ? args->n : 0);
    const gen_array *a = args->v[0];
    if (gen_array_ndim(a) != 0 || gen_array_dtype(a) != GEN_I64 || gen_array_is_batched(a))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: argument 0 (the number of steps) must be a 0-d i64 array, not batched",
                        f->name, op);
    gen_status s = gen_item_i64(a, n);
    if (s != GEN_OK) return s;
    if (*n < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the number of steps must be >= 0, got %lld", f->name, op, (long long)*n);
    return GEN_OK;
}

/* The kernel's arguments for step t from state: (t, state, params...) into ev. */
static gen_status step_args(const gen_args *args, int64_t t, const gen_array *state, gen_array **ev,
                            gen_args *ea) {
    if (!(ev[0] = gen_scalar_i64(t))) return comb_pending();
    ev[1] = (gen_array *)state;
    for (int j = 2; j < args->n; j++) ev[j] = args->v[j];
    *ea = (gen_args){args->n, ev, args->user};
    return GEN_OK;
}

/* The state step t's subtrace returns: there, and shaped like the initial state. */
static gen_status step_state(comb_mode m, const gen_gf *f, const gen_args *args, int64_t t,
                             const gen_trace *sub, const gen_array **state) {
    const gen_array *x = gen_trace_retval(sub);
    *state = x;
    if (!x) return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: the kernel returned no state", f->name, (long long)t);
    if (!comb_same_item_shape(m, x, args->v[1]))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld: the kernel returned a state of %d dims, shaped unlike the initial state (%d dims)",
                        f->name, (long long)t, gen_array_ndim(x) - (m.n && gen_array_is_batched(x)),
                        gen_array_ndim(args->v[1]) - (m.n && gen_array_is_batched(args->v[1])));
    return GEN_OK;
}

/* The state going into step t of the chain in subs. */
static const gen_array *state_before(const gen_args *args, const comb_pvec *subs, int64_t t) {
    return t == 0 ? args->v[1] : gen_trace_retval(comb_pvec_get(subs, t - 1));
}

/* Appends step t, generated with constraints c; adds its score and weight. */
static gen_status generate_step(comb_mode m, const gen_gf *f, gen_key key, const gen_args *args,
                                gen_array **ev, const gen_choicemap *c, int64_t t, comb_pvec **subs,
                                gen_array **score, gen_array **w) {
    gen_args ea;
    gen_trace *sub = NULL;
    gen_array *wi = NULL;
    const gen_array *x = NULL;
    gen_status s = step_args(args, t, state_before(args, *subs, t), ev, &ea);
    if (s == GEN_OK) {
        int64_t saved = comb_kernel_begin(m);
        s = gen_generate(kernel_of(f), gen_key_fold_in(key, (uint64_t)t), &ea, c, &sub, &wi);
        comb_kernel_end(saved);
        if (s != GEN_OK) return comb_fail_at(f->name, t);
    }
    if (s == GEN_OK) s = step_state(m, f, args, t, sub, &x);
    comb_pvec *next = s == GEN_OK ? comb_pvec_push(*subs, sub) : NULL;
    if (s == GEN_OK && !next) s = GEN_ERR_OOM;
    if (s != GEN_OK) return s;
    comb_pvec_release(*subs);
    *subs = next;
    s = comb_add(score, gen_trace_score(sub));
    return s == GEN_OK && w ? comb_add(w, wi) : s;
}

static gen_status unfold_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    return comb_project_steps(tr, ((const unfold_trace *)tr->data)->subs, sel, weight);
}

static gen_status unfold_materialize(const gen_trace *tr, gen_choicemap **choices, gen_array **retval);

/* The new lazy trace of f holding subs (taken). */
static gen_status finish_trace(comb_mode m, const gen_gf *f, const gen_args *args, unfold_trace *d,
                               gen_array *score, gen_trace **tr) {
    *tr = gfi_trace_new_lazy(f, args, score ? score : comb_zero(m), d, unfold_materialize);
    if (!*tr) return comb_pending();
    (*tr)->batch = m.n;
    return GEN_OK;
}

static gen_status unfold_generate(const gen_gf *f, gen_key key, const gen_args *args,
                                  const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = -1;
    unfold_trace *d = NULL;
    gen_array **ev = NULL, *score = NULL, *w = NULL;
    gen_trace *t = NULL;
    s = unfold_length(f, "generate", args, &n);
    if (s == GEN_OK) s = comb_check_indexed(f->name, "generate", constraints, n);
    if (s == GEN_OK && (!(d = core_calloc(1, sizeof *d)) || !(d->subs = comb_pvec_new()) ||
                        !(ev = core_alloc((size_t)args->n * sizeof *ev))))
        s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++)
        s = generate_step(m, f, key, args, ev, gen_choicemap_child(constraints, gen_part_int(i)), i,
                          &d->subs, &score, &w);
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (s == GEN_OK) {
        s = finish_trace(m, f, args, d, score, &t);
        d = NULL;
    }
    if (d) unfold_trace_free_data(d);
    return comb_publish(m, s, t, w, weight, tr);
}

/* The n states stacked (the return value), or the empty stack shaped like init. */
static gen_array *stack_states(comb_mode m, int64_t n, gen_array *const *states, const gen_array *init) {
    return n > 0 ? comb_stack(m, n, states) : comb_stack_empty(m, init);
}

static gen_status unfold_assess(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                                gen_array **weight, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = -1;
    gen_array **ev = NULL, **states = NULL, *w = NULL, *ret = NULL;
    s = unfold_length(f, "assess", args, &n);
    if (s == GEN_OK) s = comb_check_indexed(f->name, "assess", choices, n);
    if (s == GEN_OK && (!(ev = core_alloc((size_t)args->n * sizeof *ev)) ||
                        (n > 0 && !(states = core_calloc((size_t)n, sizeof *states)))))
        s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        gen_args ea;
        gen_array *wi = NULL;
        s = step_args(args, i, i ? states[i - 1] : args->v[1], ev, &ea);
        if (s == GEN_OK) {
            int64_t saved = comb_kernel_begin(m);
            gen_addr ai = {1, {gen_part_int(i)}};
            s = gfi_assess_at(kernel_of(f), eval, &ai, &ea, gen_choicemap_child(choices, gen_part_int(i)), &wi, &states[i]);
            comb_kernel_end(saved);
            if (s != GEN_OK) s = comb_fail_at(f->name, i);
        }
        if (s == GEN_OK && !states[i])
            s = GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: the kernel returned no state", f->name, (long long)i);
        if (s == GEN_OK && !comb_same_item_shape(m, states[i], args->v[1]))
            s = GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld: the kernel returned a state shaped unlike the initial state",
                         f->name, (long long)i);
        if (s == GEN_OK) s = comb_add(&w, wi);
    }
    if (s == GEN_OK && retval && !(ret = stack_states(m, n, states, args->v[1]))) s = comb_pending();
    if (s == GEN_OK && !(*weight = gen_scope_return(w ? w : comb_zero(m)))) s = comb_pending();
    if (s == GEN_OK && retval && !(*retval = gen_scope_return(ret))) s = comb_pending();
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (states) core_free(states, (size_t)n * sizeof *states);
    gen_scope_end();
    comb_leave(m);
    if (s != GEN_OK) {
        *weight = NULL;
        if (retval) *retval = NULL;
    }
    return s;
}


/* A lazy trace's choices (step t's at address t) and return value (the stacked states). */
static gen_status unfold_materialize(const gen_trace *tr, gen_choicemap **choices, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    const unfold_trace *d = tr->data;
    comb_mode m = {tr->batch};
    int64_t n = comb_pvec_len(d->subs);
    gen_trace **subs = NULL;
    gen_array **states = NULL, *ret = NULL;
    gen_choicemap *cm = NULL;
    s = comb_pvec_gather(d->subs, &subs);
    if (s == GEN_OK && n > 0 && !(states = core_alloc((size_t)n * sizeof *states))) s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) states[i] = (gen_array *)gen_trace_retval(subs[i]);
    if (s == GEN_OK && !(cm = comb_indexed_choices(n, subs))) s = comb_pending();
    if (s == GEN_OK && !(ret = stack_states(m, n, states, tr->args.v[1]))) {
        core_error_prefix("%s: stacking the states", tr->gf->name);
        s = comb_pending();
    }
    if (s == GEN_OK) {
        *choices = gen_choicemap_retain(cm);
        *retval = gen_array_retain(ret);
    }
    if (subs) core_free(subs, (size_t)n * sizeof *subs);
    if (states) core_free(states, (size_t)n * sizeof *states);
    gen_scope_end();
    return s;
}

/* ---- update and regenerate ---- */

/* What the update of one chain carries from step to step. */
typedef struct chain {
    comb_mode m;
    const gen_gf *f;
    const comb_edit *e;
    gen_key key;
    const gen_args *args;
    gen_array **ev;
    gen_diff *ead;
    unfold_trace *d;
    gen_array *score, *w;
} chain;

/* Reruns the kept steps [0, keep) that need it: those whose incoming state or params
 * changed, or that the constraints / selection reach. Steps before the first such one
 * keep their subtraces; the propagation stops where a step's state is unchanged and
 * nothing later is reached. */
static gen_status rerun_kept(chain *c, const comb_pvec *old, const gen_diff *argdiffs, int64_t keep) {
    const gen_args *args = c->args;
    bool params_changed = !argdiffs && args->n > 2, state_changed = !argdiffs;
    for (int j = 2; argdiffs && j < args->n; j++) params_changed |= !gen_diff_is_no_change(&argdiffs[j]);
    if (argdiffs) state_changed = !gen_diff_is_no_change(&argdiffs[1]);
    gen_diff sd = argdiffs ? argdiffs[1] : gen_diff_unknown();
    int64_t t = params_changed || state_changed ? 0 : comb_edit_next(c->e, 0, keep);
    while (t < keep) {
        if (!params_changed && !state_changed && !comb_edit_reaches(c->e, t)) {
            t = comb_edit_next(c->e, t, keep);
            continue;
        }
        const gen_trace *prev = comb_pvec_get(old, t);
        gen_trace *sub = NULL;
        gen_array *wi = NULL;
        gen_diff rd = gen_diff_unknown();
        gen_args ea;
        const gen_array *x = NULL;
        c->ead[0] = gen_diff_no_change();
        c->ead[1] = state_changed ? sd : gen_diff_no_change();
        for (int j = 2; j < args->n; j++) c->ead[j] = argdiffs ? argdiffs[j] : gen_diff_unknown();
        gen_status s = step_args(args, t, state_before(args, c->d->subs, t), c->ev, &ea);
        if (s == GEN_OK) s = comb_edit_revisit(c->m, c->f, c->e, c->key, prev, &ea, c->ead, t, &sub, &wi, &rd);
        if (s == GEN_OK) s = step_state(c->m, c->f, args, t, sub, &x);
        comb_pvec *next = s == GEN_OK ? comb_pvec_set(c->d->subs, t, sub) : NULL;
        if (s == GEN_OK && !next) s = GEN_ERR_OOM;
        if (s != GEN_OK) return s;
        comb_pvec_release(c->d->subs);
        c->d->subs = next;
        if ((s = comb_add(&c->w, wi)) == GEN_OK && (s = comb_add(&c->score, gen_trace_score(sub))) == GEN_OK)
            s = comb_sub(&c->score, gen_trace_score(prev));
        /* a rerun step returning the same value (kept choice, or equal bits) stops here */
        state_changed = !gen_diff_is_no_change(&rd) && !gfi_same_value(x, gen_trace_retval(prev));
        sd = state_changed ? rd : gen_diff_no_change(); /* rd's payload lives in sub, kept */
        if (s == GEN_OK && state_changed) s = note_updated(c->d, t, rd);
        if (s != GEN_OK) return s;
        t++;
    }
    return GEN_OK;
}

static gen_status comb_edit_run(const gen_trace *tr, gen_key key, const gen_args *args,
                                  const gen_diff *argdiffs, comb_edit *e, gen_trace **new_tr,
                                  gen_array **weight, gen_diff *retdiff) {
    const gen_gf *f = tr->gf;
    const unfold_trace *old = tr->data;
    const char *op = e->sel ? "regenerate" : "update";
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    chain c = {.m = comb_enter(), .f = f, .e = e, .key = key, .args = args, .score = tr->score};
    int64_t n = -1, n_old = comb_pvec_len(old->subs);
    gen_trace *t = NULL;
    s = unfold_length(f, op, args, &n);
    if (s == GEN_OK && !e->sel && (s = comb_check_indexed(f->name, op, e->constraints, n)) == GEN_OK)
        s = comb_edit_marks(e);
    if (s == GEN_OK && (!(c.d = core_calloc(1, sizeof *c.d)) || !(c.ev = core_alloc((size_t)args->n * sizeof *c.ev)) ||
                        !(c.ead = core_alloc((size_t)args->n * sizeof *c.ead))))
        s = GEN_ERR_OOM;
    int64_t keep = n < n_old ? n : n_old;
    if (s == GEN_OK && !(c.d->subs = comb_pvec_truncate(old->subs, keep))) s = GEN_ERR_OOM;
    /* a different number of params: every kept step sees new arguments */
    if (s == GEN_OK) s = rerun_kept(&c, old->subs, args->n == tr->args.n ? argdiffs : NULL, keep);
    for (int64_t i = n_old; s == GEN_OK && i < n; i++)
        s = generate_step(c.m, f, key, args, c.ev,
                          e->sel ? gen_choicemap_empty() : gen_choicemap_child(e->constraints, gen_part_int(i)),
                          i, &c.d->subs, &c.score, &c.w);
    for (int64_t i = n; s == GEN_OK && i < n_old; i++) {
        const gen_trace *prev = comb_pvec_get(old->subs, i);
        if ((s = comb_edit_drop(c.m, e, prev, i, &c.w)) == GEN_OK) s = comb_sub(&c.score, gen_trace_score(prev));
        if (s != GEN_OK) s = comb_fail_at(f->name, i);
    }
    if (c.ev) core_free(c.ev, (size_t)args->n * sizeof *c.ev);
    if (c.ead) core_free(c.ead, (size_t)args->n * sizeof *c.ead);
    if (s == GEN_OK) {
        unfold_trace *d = c.d;
        d->vd = (gen_vector_diff){n, n_old, d->n_updated, d->updated, d->updated_diffs};
        bool same = n == n_old && d->n_updated == 0;
        if (retdiff) *retdiff = same ? gen_diff_no_change() : gen_diff_vector(&d->vd);
        s = finish_trace(c.m, f, args, d, c.score, &t);
        c.d = NULL;
    }
    if (c.d) unfold_trace_free_data(c.d);
    if (s != GEN_OK && retdiff) *retdiff = gen_diff_unknown();
    return comb_publish(c.m, s, t, c.w, weight, new_tr);
}

static gen_status unfold_update(const gen_trace *tr, gen_key key, const gen_args *args,
                                const gen_diff *argdiffs, const gen_choicemap *constraints,
                                gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                                gen_choicemap **discard) {
    comb_edit e = {.constraints = constraints};
    if (discard && !(e.discard = gen_choicemap_builder_new())) return GEN_ERR_OOM;
    gen_status s = comb_edit_run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff);
    if (s == GEN_OK && discard && !(*discard = gen_choicemap_builder_finish(e.discard))) {
        s = comb_pending();
        if (weight) *weight = NULL; /* left to the scope */
        *new_tr = NULL;
    }
    comb_edit_free(&e);
    return s;
}

static gen_status unfold_regenerate(const gen_trace *tr, gen_key key, const gen_args *args,
                                    const gen_diff *argdiffs, const gen_selection *sel,
                                    gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    comb_edit e = {.sel = sel};
    gen_status s = comb_edit_run(tr, key, args, argdiffs, &e, new_tr, weight, retdiff);
    comb_edit_free(&e);
    return s;
}

static bool unfold_same(const gen_gf *a, const gen_gf *b) { return gfi_same_gf(a->data, b->data); }

static const gfi_vtable unfold_vtable = {
    .kind = "unfold",
    .generate = unfold_generate,
    .assess = unfold_assess,
    .project = unfold_project,
    .update = unfold_update,
    .regenerate = unfold_regenerate,
    .free_data = unfold_free,
    .free_trace_data = unfold_free_trace,
    .same = unfold_same,
};

gen_gf *gen_unfold(const gen_gf *kernel) {
    if (!kernel) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_unfold: the kernel is NULL");
        return NULL;
    }
    char name[128];
    snprintf(name, sizeof name, "unfold(%s)", gen_gf_name(kernel));
    return gfi_gf_new(&unfold_vtable, name, gen_gf_retain((gen_gf *)kernel));
}
