/* scan.c — the chain engine: Scan(kernel), state threading with a per-step output
 * (jax.lax.scan, GenJAX's Scan), and Unfold (unfold.c), a Scan without inputs. Step t
 * runs the kernel on (carry, xs[t], params...) and gets the tuple (new carry, y_t);
 * Unfold's step t runs it on (t, state, params...) and its return value is both the new
 * carry and y_t. Step t's choices live at address t. The subtraces sit in a persistent
 * vector and the trace's choices and return value are built only when read (a lazy
 * trace), so that extending the chain or updating its last steps costs time independent
 * of its length. */
#include <stdio.h>
#include <string.h>

#include "comb_int.h"

typedef struct chain_data {
    gen_gf *kernel; /* retained */
    bool unfold;    /* x_t is t (no xs), the kernel returns the carry, which is y_t too */
} chain_data;

typedef struct chain_trace {
    comb_pvec *subs;         /* one subtrace per step */
    int64_t n_updated, cap;  /* the steps whose y changed in the update that made this */
    int64_t *updated;
    gen_diff *updated_diffs; /* their kernel retdiffs, borrowed from the subtraces */
    gen_vector_diff ys_vd;   /* retdiff payload: the ys' diff ... */
    int64_t items[2];        /* ... inside a diff of Scan's tuple (carry, ys) */
    gen_diff item_diffs[2];
    gen_vector_diff vd;
} chain_trace;

static const chain_data *data_of(const gen_gf *f) { return f->data; }

static void chain_free(gen_gf *f) {
    chain_data *d = f->data;
    gen_gf_release(d->kernel);
    core_free(d, sizeof *d);
}

static void chain_trace_free_data(chain_trace *d) {
    comb_pvec_release(d->subs);
    if (d->cap) {
        core_free(d->updated, (size_t)d->cap * sizeof *d->updated);
        core_free(d->updated_diffs, (size_t)d->cap * sizeof *d->updated_diffs);
    }
    core_free(d, sizeof *d);
}

static void chain_free_trace(gen_trace *tr) { chain_trace_free_data(tr->data); }

/* Records that step t's y changed as rd says (rd's payload lives in step t's subtrace). */
static gen_status note_updated(chain_trace *d, int64_t t, gen_diff rd) {
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

/* ---- where Scan and Unfold differ ---- */

/* The carry's place in the chain's arguments and in the kernel's alike (x_t stands at
 * the other of 0 and 1): Scan (init_carry, xs, ...) -> (carry, x_t, ...); Unfold
 * (n, init_state, ...) -> (t, state, ...). */
static int carry_pos(const gen_gf *f) { return data_of(f)->unfold ? 1 : 0; }

/* The number of steps: Unfold's argument 0 (a 0-d i64, the same for every particle), or
 * the length of xs along its element axis. */
static gen_status chain_length(comb_mode m, const gen_gf *f, const char *op, const gen_args *args, int64_t *n) {
    bool unfold = data_of(f)->unfold;
    *n = -1;
    if (!args || args->n < 2)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: needs %s (got %d arguments)", f->name, op,
                        unfold ? "the number of steps and the initial state" : "the initial carry and xs",
                        args ? args->n : 0);
    const gen_array *a = args->v[unfold ? 0 : 1];
    if (!unfold) {
        if (gen_array_is_tuple(a))
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: xs (argument 1) is a tuple, not an array", f->name, op);
        *n = comb_length(m, f->name, 1, a);
        return *n < 0 ? comb_pending() : GEN_OK;
    }
    if (gen_array_ndim(a) != 0 || gen_array_dtype(a) != GEN_I64 || gen_array_is_batched(a))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: argument 0 (the number of steps) must be a 0-d i64 array, not batched",
                        f->name, op);
    gen_status s = gen_item_i64(a, n);
    if (s == GEN_OK && *n < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the number of steps must be >= 0, got %lld", f->name, op, (long long)*n);
    return s;
}

/* The carry and the output y of a step whose kernel returned r. */
static const gen_array *carry_of(const gen_gf *f, const gen_array *r) {
    return data_of(f)->unfold ? r : gen_tuple_get(r, 0);
}
static const gen_array *y_of(const gen_gf *f, const gen_array *r) {
    return data_of(f)->unfold ? r : gen_tuple_get(r, 1);
}

/* The kernel's arguments for step t from carry, into ev: x_t is xs[t] (t for Unfold). */
static inline gen_status step_args(comb_mode m, const gen_gf *f, const gen_args *args, int64_t t, const gen_array *carry,
                            gen_array **ev, gen_args *ea) {
    int c = carry_pos(f);
    ev[c] = (gen_array *)carry;
    if (!(ev[1 - c] = data_of(f)->unfold ? gen_scalar_i64(t) : comb_element(m, args->v[1], t))) return comb_pending();
    for (int j = 2; j < args->n; j++) ev[j] = args->v[j];
    *ea = (gen_args){args->n, ev, args->user};
    return GEN_OK;
}

static bool shaped_alike(comb_mode m, const gen_array *a, const gen_array *b) {
    if (gen_array_is_tuple(a) || gen_array_is_tuple(b))
        return gen_array_is_tuple(a) && gen_array_is_tuple(b) && gen_tuple_size(a) == gen_tuple_size(b);
    return comb_same_item_shape(m, a, b);
}

/* Step t's return value r: Unfold's a state shaped like the initial one; Scan's a tuple
 * (carry shaped like the initial one, y an array shaped like y0 when given). */
static gen_status check_ret(comb_mode m, const gen_gf *f, const gen_args *args, int64_t t, const gen_array *r,
                            const gen_array *y0) {
    const gen_array *init = args->v[carry_pos(f)];
    if (data_of(f)->unfold) {
        if (!r) return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: the kernel returned no state", f->name, (long long)t);
        if (comb_same_item_shape(m, r, init)) return GEN_OK;
        return GEN_FAIL(GEN_ERR_SHAPE,
                        "%s: %lld: the kernel returned a state of %d dims, shaped unlike the initial state (%d dims)",
                        f->name, (long long)t, gen_array_ndim(r) - (m.n && gen_array_is_batched(r)),
                        gen_array_ndim(init) - (m.n && gen_array_is_batched(init)));
    }
    if (!gen_array_is_tuple(r) || gen_tuple_size(r) != 2)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: the kernel must return a tuple (carry, y)", f->name, (long long)t);
    if (!shaped_alike(m, gen_tuple_get(r, 0), init))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld: the kernel returned a carry shaped unlike the initial carry",
                        f->name, (long long)t);
    const gen_array *y = gen_tuple_get(r, 1);
    if (gen_array_is_tuple(y))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: the kernel's output y is a tuple, not an array", f->name, (long long)t);
    if (y0 && !comb_same_item_shape(m, y, y0))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld: the kernel's output y is shaped unlike step 0's", f->name, (long long)t);
    return GEN_OK;
}

/* The return value from the n outputs ys and the final carry: Unfold's is the ys (the
 * states) stacked, with n = 0 the empty stack shaped like the initial state; Scan's the
 * tuple (carry, ys stacked), with n = 0 (carry, f64 [0]) since y's shape is unknown. */
static gen_array *chain_retval(comb_mode m, const gen_gf *f, const gen_args *args, int64_t n, gen_array *const *ys,
                               const gen_array *carry) {
    if (data_of(f)->unfold) return n > 0 ? comb_stack(m, n, ys) : comb_stack_empty(m, args->v[1]);
    gen_array *stacked = n > 0 ? comb_stack(m, n, ys) : gen_zeros(GEN_F64, 1, (int64_t[]){0});
    return stacked ? gen_tuple(2, (gen_array *[]){(gen_array *)carry, stacked}) : NULL;
}

/* The retdiff of an update from n_old to n steps: NO_CHANGE, or Unfold's vector diff of
 * the states with their kernel retdiffs; Scan's vector diff over the tuple's items: the
 * final carry (unknown) if it changed, the ys (a vector diff of the steps) if they did. */
static gen_diff chain_retdiff(const gen_trace *tr, const gen_args *args, chain_trace *d, int64_t n) {
    const gen_gf *f = tr->gf;
    const comb_pvec *old = ((const chain_trace *)tr->data)->subs;
    int64_t n_old = comb_pvec_len(old);
    bool unfold = data_of(f)->unfold;
    d->ys_vd = (gen_vector_diff){n, n_old, d->n_updated, d->updated, unfold ? d->updated_diffs : NULL};
    bool ys_changed = n != n_old || d->n_updated > 0;
    if (unfold) return ys_changed ? gen_diff_vector(&d->ys_vd) : gen_diff_no_change();
    const gen_array *was = n_old ? carry_of(f, gen_trace_retval(comb_pvec_get(old, n_old - 1))) : tr->args.v[0];
    const gen_array *now = n ? carry_of(f, gen_trace_retval(comb_pvec_get(d->subs, n - 1))) : args->v[0];
    int k = 0;
    if (!gfi_same_value(was, now)) d->items[k] = 0, d->item_diffs[k++] = gen_diff_unknown();
    if (ys_changed) d->items[k] = 1, d->item_diffs[k++] = gen_diff_vector(&d->ys_vd);
    d->vd = (gen_vector_diff){2, 2, k, d->items, d->item_diffs};
    return k ? gen_diff_vector(&d->vd) : gen_diff_no_change();
}

/* ---- the engine ---- */

/* The carry going into step t of the chain in subs. */
static const gen_array *carry_before(const gen_gf *f, const gen_args *args, const comb_pvec *subs, int64_t t) {
    return t == 0 ? args->v[carry_pos(f)] : carry_of(f, gen_trace_retval(comb_pvec_get(subs, t - 1)));
}

/* Step 0's output, which step t's must be shaped like: NULL for step 0, and for Unfold
 * (its states are checked against the initial state). */
static const gen_array *y0_of(const gen_gf *f, const comb_pvec *subs, int64_t t) {
    return t && !data_of(f)->unfold ? y_of(f, gen_trace_retval(comb_pvec_get(subs, 0))) : NULL;
}

/* Appends step t, generated with constraints c; adds its score and weight. */
static gen_status generate_step(comb_mode m, const gen_gf *f, gen_key key, const gen_args *args, gen_array **ev,
                                const gen_choicemap *c, int64_t t, comb_pvec **subs, gen_array **score,
                                gen_array **w) {
    gen_args ea;
    gen_trace *sub = NULL;
    gen_array *wi = NULL;
    gen_status s = step_args(m, f, args, t, carry_before(f, args, *subs, t), ev, &ea);
    if (s == GEN_OK) {
        int64_t saved = comb_kernel_begin(m);
        s = gen_generate(data_of(f)->kernel, gen_key_fold_in(key, (uint64_t)t), &ea, c, &sub, &wi);
        comb_kernel_end(saved);
        if (s != GEN_OK) return comb_fail_at(f->name, t);
    }
    if (s == GEN_OK) s = check_ret(m, f, args, t, gen_trace_retval(sub), y0_of(f, *subs, t));
    comb_pvec *next = s == GEN_OK ? comb_pvec_push(*subs, sub) : NULL;
    if (s == GEN_OK && !next) s = GEN_ERR_OOM;
    if (s != GEN_OK) return s;
    comb_pvec_release(*subs);
    *subs = next;
    s = comb_add(score, gen_trace_score(sub));
    return s == GEN_OK ? comb_add(w, wi) : s;
}

static gen_status chain_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    const comb_pvec *v = ((const chain_trace *)tr->data)->subs;
    gen_trace **subs = NULL;
    gen_status s = comb_pvec_gather(v, &subs);
    if (s == GEN_OK) s = comb_project_steps(tr, comb_pvec_len(v), subs, sel, weight);
    if (subs) core_free(subs, (size_t)comb_pvec_len(v) * sizeof *subs);
    return s;
}

/* A lazy trace's choices (step t's at address t) and return value. */
static gen_status chain_materialize(const gen_trace *tr, gen_choicemap **choices, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    const gen_gf *f = tr->gf;
    const chain_trace *d = tr->data;
    comb_mode m = {tr->batch};
    int64_t n = comb_pvec_len(d->subs);
    gen_trace **subs = NULL;
    gen_array **ys = NULL, *ret = NULL;
    gen_choicemap *cm = NULL;
    s = comb_pvec_gather(d->subs, &subs);
    if (s == GEN_OK && n > 0 && !(ys = core_alloc((size_t)n * sizeof *ys))) s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) ys[i] = (gen_array *)y_of(f, gen_trace_retval(subs[i]));
    if (s == GEN_OK && !(cm = comb_indexed_choices(n, subs))) s = comb_pending();
    const gen_array *carry = s == GEN_OK && n ? carry_of(f, gen_trace_retval(subs[n - 1])) : tr->args.v[carry_pos(f)];
    if (s == GEN_OK && !(ret = chain_retval(m, f, &tr->args, n, ys, carry))) {
        core_error_prefix("%s: stacking the %s", f->name, data_of(f)->unfold ? "states" : "outputs");
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

static gen_status chain_generate(const gen_gf *f, gen_key key, const gen_args *args,
                                 const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = -1;
    chain_trace *d = NULL;
    gen_array **ev = NULL, *score = NULL, *w = NULL;
    gen_trace *t = NULL;
    s = chain_length(m, f, "generate", args, &n);
    if (s == GEN_OK) s = comb_check_indexed(f->name, "generate", constraints, n);
    if (s == GEN_OK && (!(d = core_calloc(1, sizeof *d)) || !(d->subs = comb_pvec_new()) ||
                        !(ev = core_alloc((size_t)args->n * sizeof *ev))))
        s = GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < n; i++)
        s = generate_step(m, f, key, args, ev, gen_choicemap_child(constraints, gen_part_int(i)), i, &d->subs,
                          &score, &w);
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (s == GEN_OK) {
        s = comb_trace_new(m, f, args, NULL, NULL, score, d, chain_materialize, &t);
        d = NULL;
    }
    if (d) chain_trace_free_data(d);
    return comb_publish(m, s, t, w, weight, tr);
}

static gen_status chain_assess(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                               gen_array **weight, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t n = -1;
    gen_array **ev = NULL, **ys = NULL, *w = NULL, *ret = NULL;
    const gen_array *carry = NULL;
    s = chain_length(m, f, "assess", args, &n);
    if (s == GEN_OK) s = comb_check_indexed(f->name, "assess", choices, n);
    if (s == GEN_OK && (!(ev = core_alloc((size_t)args->n * sizeof *ev)) ||
                        (n > 0 && !(ys = core_calloc((size_t)n, sizeof *ys)))))
        s = GEN_ERR_OOM;
    if (s == GEN_OK) carry = args->v[carry_pos(f)];
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        gen_args ea;
        gen_array *wi = NULL, *r = NULL;
        s = step_args(m, f, args, i, carry, ev, &ea);
        if (s == GEN_OK) {
            int64_t saved = comb_kernel_begin(m);
            gen_addr ai = {1, {gen_part_int(i)}};
            s = gfi_assess_at(data_of(f)->kernel, eval, &ai, &ea, gen_choicemap_child(choices, gen_part_int(i)), &wi, &r);
            comb_kernel_end(saved);
            if (s != GEN_OK) s = comb_fail_at(f->name, i);
        }
        if (s == GEN_OK) s = check_ret(m, f, args, i, r, i ? ys[0] : NULL);
        if (s == GEN_OK) {
            carry = carry_of(f, r);
            ys[i] = (gen_array *)y_of(f, r);
            s = comb_add(&w, wi);
        }
    }
    if (s == GEN_OK && retval && !(ret = chain_retval(m, f, args, n, ys, carry))) s = comb_pending();
    if (ev) core_free(ev, (size_t)args->n * sizeof *ev);
    if (ys) core_free(ys, (size_t)n * sizeof *ys);
    return comb_return(m, s, w, ret, weight, retval);
}

/* ---- update and regenerate ---- */

/* What the update of one chain carries from step to step. */
typedef struct chain {
    comb_mode m;
    const gen_gf *f;
    const comb_edit *e;
    gen_key key;
    const gen_args *args;
    const gen_diff *argdiffs; /* NULL: all unknown */
    gen_array **ev;
    gen_diff *ead;
    chain_trace *d;
    gen_array *score, *w;
} chain;

/* The first step in [from, limit) whose x may have changed (xd: xs's argdiff), else limit. */
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
 * or that the constraints / selection reach; steps before the first such one keep their
 * subtraces, and the propagation stops where a step's carry is the same value and
 * nothing later is reached. */
static gen_status rerun_kept(chain *c, const comb_pvec *old, int64_t keep) {
    const gen_gf *f = c->f;
    const gen_args *args = c->args;
    const gen_diff *ad = c->argdiffs;
    int ci = carry_pos(f), xi = 1 - ci;
    bool unfold = data_of(f)->unfold;
    gen_diff same = gen_diff_no_change(); /* Unfold's x_t, the step number, never changes */
    const gen_diff *xd = unfold ? &same : ad ? &ad[xi] : NULL;
    bool params_changed = !ad && args->n > 2, carry_changed = !ad || !gen_diff_is_no_change(&ad[ci]);
    for (int j = 2; ad && j < args->n; j++) params_changed |= !gen_diff_is_no_change(&ad[j]);
    gen_diff cd = ad ? ad[ci] : gen_diff_unknown();
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
        c->ead[ci] = carry_changed ? cd : gen_diff_no_change();
        c->ead[xi] = gen_diff_element(xd, t);
        for (int j = 2; j < args->n; j++) c->ead[j] = ad ? ad[j] : gen_diff_unknown();
        gen_status s = step_args(c->m, f, args, t, carry_before(f, args, c->d->subs, t), c->ev, &ea);
        if (s == GEN_OK) s = comb_edit_revisit(c->m, f, c->e, c->key, prev, &ea, c->ead, t, &sub, &wi, &rd);
        if (s == GEN_OK)
            s = check_ret(c->m, f, args, t, gen_trace_retval(sub),
                          t ? y0_of(f, c->d->subs, t) : y_of(f, gen_trace_retval(prev)));
        comb_pvec *next = s == GEN_OK ? comb_pvec_set(c->d->subs, t, sub) : NULL;
        if (s == GEN_OK && !next) s = GEN_ERR_OOM;
        if (s != GEN_OK) return s;
        comb_pvec_release(c->d->subs);
        c->d->subs = next;
        if ((s = comb_add(&c->w, wi)) == GEN_OK && (s = comb_add(&c->score, gen_trace_score(sub))) == GEN_OK)
            s = comb_sub(&c->score, gen_trace_score(prev));
        /* a rerun step returning the same value (kept choices, or equal bits) stops here */
        const gen_array *r = gen_trace_retval(sub), *was = gen_trace_retval(prev);
        bool kept = gen_diff_is_no_change(&rd);
        carry_changed = !kept && !gfi_same_value(carry_of(f, r), carry_of(f, was));
        /* Unfold's carry is the kernel's return value: rd describes it (its payload lives in sub) */
        cd = !carry_changed ? gen_diff_no_change() : unfold ? rd : gen_diff_unknown();
        if (s == GEN_OK && !kept && !gfi_same_value(y_of(f, r), y_of(f, was))) s = note_updated(c->d, t, rd);
        if (s != GEN_OK) return s;
        t++;
    }
    return GEN_OK;
}

static gen_status chain_edit_run(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                 comb_edit *e, gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    const gen_gf *f = tr->gf;
    const chain_trace *old = tr->data;
    const char *op = e->sel ? "regenerate" : "update";
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    chain c = {.m = comb_enter(), .f = f, .e = e, .key = key, .args = args, .score = tr->score,
               .argdiffs = args && args->n == tr->args.n ? argdiffs : NULL}; /* new arity: all new */
    int64_t n = -1, n_old = comb_pvec_len(old->subs);
    gen_trace *t = NULL;
    gen_diff rd = gen_diff_unknown();
    s = chain_length(c.m, f, op, args, &n);
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
        rd = chain_retdiff(tr, args, c.d, n);
        s = comb_trace_new(c.m, f, args, NULL, NULL, c.score, c.d, chain_materialize, &t);
        c.d = NULL;
    }
    if (c.d) chain_trace_free_data(c.d);
    return comb_publish_edit(c.m, s, t, c.w, rd, NULL, weight, new_tr, retdiff, NULL);
}

static gen_status chain_update(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                               const gen_choicemap *constraints, gen_trace **new_tr, gen_array **weight,
                               gen_diff *retdiff, gen_choicemap **discard) {
    return comb_edit_update(chain_edit_run, tr, key, args, argdiffs, constraints, new_tr, weight, retdiff, discard);
}

static gen_status chain_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                   const gen_selection *sel, gen_trace **new_tr, gen_array **weight,
                                   gen_diff *retdiff) {
    return comb_edit_regenerate(chain_edit_run, tr, key, args, argdiffs, sel, new_tr, weight, retdiff);
}

static bool chain_same(const gen_gf *a, const gen_gf *b) {
    return data_of(a)->unfold == data_of(b)->unfold && gfi_same_gf(data_of(a)->kernel, data_of(b)->kernel);
}

/* A batched chain's particles index[j]: every step's subtrace gathered (so a gather
 * costs time in proportion to the steps done, as any copy of the chain's values does),
 * the arguments and the score picked; the map and return value are built lazily. */
static gen_status chain_gather(const gen_trace *tr, const gen_array *index, gen_trace **out) {
    const chain_trace *d = tr->data;
    int64_t n = comb_pvec_len(d->subs);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    chain_trace *nd = core_calloc(1, sizeof *nd);
    gen_trace **subs = NULL;
    if (!nd || !(nd->subs = comb_pvec_new())) s = GEN_ERR_OOM;
    if (s == GEN_OK) s = comb_pvec_gather(d->subs, &subs);
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        gen_trace *sub = NULL;
        comb_pvec *v = NULL;
        if ((s = gen_trace_gather(subs[i], index, &sub)) == GEN_OK && !(v = comb_pvec_push(nd->subs, sub)))
            s = comb_pending();
        if (v) {
            comb_pvec_release(nd->subs);
            nd->subs = v;
        }
    }
    if (subs) core_free(subs, (size_t)n * sizeof *subs);
    gen_args args = {0, NULL, NULL};
    if (s == GEN_OK) s = gfi_pick_args(&tr->args, index, &args);
    gen_array *score = s == GEN_OK ? gfi_pick_weights(tr->score, tr->batch, index) : NULL;
    if (s == GEN_OK && !score) s = comb_pending();
    gen_trace *t = NULL;
    if (s == GEN_OK) {
        t = gfi_trace_new_lazy(tr->gf, &args, score, nd, chain_materialize);
        nd = NULL; /* the trace's, also on failure */
        if (!t) s = comb_pending();
        else t->batch = gen_array_shape(index)[0];
    }
    if (nd) chain_trace_free_data(nd);
    gfi_picked_args_free(&args);
    gen_scope_end();
    if (s == GEN_OK && !(*out = gfi_trace_publish(t))) s = GEN_ERR_OOM;
    return s;
}

static const gfi_vtable chain_vtable = {"scan",       chain_generate,   chain_assess, chain_project,
                                        chain_update, chain_regenerate, chain_free,   chain_free_trace,
                                        chain_same,   NULL,             chain_gather};

gen_gf *comb_chain_new(const char *who, const gen_gf *kernel, bool unfold) {
    if (!kernel) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the kernel is NULL", who);
        return NULL;
    }
    chain_data *d = core_calloc(1, sizeof *d);
    if (!d) {
        GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", who);
        return NULL;
    }
    *d = (chain_data){gen_gf_retain((gen_gf *)kernel), unfold};
    char name[128];
    snprintf(name, sizeof name, "%s(%s)", unfold ? "unfold" : "scan", gen_gf_name(kernel));
    return gfi_gf_new(&chain_vtable, name, d);
}

gen_gf *gen_scan(const gen_gf *kernel) { return comb_chain_new("gen_scan", kernel, false); }
