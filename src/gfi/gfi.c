/* gfi.c — generative function and trace objects (refcounts, accessors) and the public
 * GFI operations, which check arguments and dispatch through the vtable. */
#include <stdio.h>
#include <string.h>

#include "gfi_int.h"
#include "../array/autodiff_int.h"

/* ---- generative functions ---- */

static void gf_free(gen_gf *f) {
    char desc[CORE_DESC_MAX] = "";
    if (CORE_UNLIKELY(core_debug())) snprintf(desc, sizeof desc, "a generative function '%s'", f->name ? f->name : "");
    if (f->vt->free_data) f->vt->free_data(f);
    if (f->name) core_free(f->name, strlen(f->name) + 1);
    if (f->arg_grads) core_free(f->arg_grads, (size_t)f->n_arg_grads * sizeof *f->arg_grads);
    core_obj_free(f, sizeof *f, false, desc);
}

gen_status gfi_dead_fail(const char *fn, const char *what, const void *obj, const char *kind) {
    return core_dead_fail(fn, what, obj, kind);
}

gen_gf *gen_gf_retain(gen_gf *f) {
    if (f && CORE_UNLIKELY(atomic_fetch_add_explicit(&f->refcount, 1, memory_order_relaxed) <= 0))
        return gfi_dead_fail("gen_gf_retain", "the generative function", f, "a generative function"), NULL;
    return f;
}

void gen_gf_release(gen_gf *f) {
    if (!f) return;
    int old = atomic_fetch_sub_explicit(&f->refcount, 1, memory_order_acq_rel);
    if (old == 1) gf_free(f);
    else if (CORE_UNLIKELY(old <= 0)) core_double_release("gen_gf_release", f, "a generative function");
}

static void gf_release_void(void *f) { gen_gf_release(f); }

gen_gf *gen_gf_scope_return(gen_gf *f) {
    if (!f || !gen_gf_retain(f)) return NULL;
    gen_status s = core_scope_own_parent(f, gf_release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return f;
    gen_gf_release(f);
    return NULL;
}

const char *gen_gf_name(const gen_gf *f) {
    if (f && core_dead(f)) return gfi_dead_fail("gen_gf_name", "the generative function", f, "a generative function"), "(released)";
    return f ? f->name : "(null)";
}

bool gfi_same_value(const gen_array *a, const gen_array *b) {
    if (a == b) return true;
    if (!a || !b || ad_active()) return false; /* under a transform, equal values may differ in what they depend on */
    if (gen_array_is_tuple(a) || gen_array_is_tuple(b)) {
        int n = gen_array_is_tuple(a) && gen_array_is_tuple(b) ? gen_tuple_size(a) : -1;
        if (n < 0 || n != gen_tuple_size(b)) return false;
        for (int i = 0; i < n; i++)
            if (!gfi_same_value(gen_tuple_get(a, i), gen_tuple_get(b, i))) return false;
        return true;
    }
    int nd = gen_array_ndim(a);
    if (gen_array_dtype(a) != gen_array_dtype(b) || nd != gen_array_ndim(b) ||
        gen_array_is_batched(a) != gen_array_is_batched(b) ||
        memcmp(gen_array_shape(a), gen_array_shape(b), (size_t)nd * sizeof(int64_t)))
        return false;
    if (!arr_on_host(a) || !arr_on_host(b)) return false; /* not known without reading a device: changed */
    size_t bytes = (size_t)gen_array_size(a) * gen_dtype_size(gen_array_dtype(a));
    return !memcmp(gen_array_data(a), gen_array_data(b), bytes);
}

bool gfi_same_gf(const gen_gf *a, const gen_gf *b) {
    if (a == b) return true;
    return a && b && a->vt == b->vt && a->vt->same && a->vt->same(a, b);
}

gen_gf *gfi_gf_new(const gfi_vtable *vt, const char *name, void *data) {
    gen_gf *f = core_calloc(1, sizeof *f);
    if (!f) {
        gen_gf tmp = {.vt = vt, .data = data};
        if (vt->free_data) vt->free_data(&tmp);
        return NULL;
    }
    atomic_init(&f->refcount, 1);
    f->vt = vt;
    f->data = data;
    size_t n = strlen(name) + 1;
    f->name = core_alloc(n);
    if (!f->name) {
        gf_free(f);
        return NULL;
    }
    memcpy(f->name, name, n);
    gen_status s = core_scope_own(f, gf_release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return f;
    gf_free(f);
    return NULL;
}

/* ---- traces ---- */

static void trace_free(gen_trace *tr) {
    char desc[CORE_DESC_MAX] = "";
    if (CORE_UNLIKELY(core_debug())) snprintf(desc, sizeof desc, "a trace of '%s'", tr->gf->name);
    if (tr->data && tr->gf->vt->free_trace_data) tr->gf->vt->free_trace_data(tr);
    for (int i = 0; i < tr->args.n; i++) gen_array_release(tr->argv[i]);
    if (tr->argv) core_free(tr->argv, (size_t)tr->args.n * sizeof *tr->argv);
    gen_array_release(tr->retval);
    gen_choicemap_release(atomic_load_explicit(&((gen_trace *)tr)->choices, memory_order_acquire));
    gen_array_release(tr->score);
    gen_gf_release(tr->gf);
    core_obj_free(tr, sizeof *tr, false, desc);
}

gen_trace *gen_trace_retain(gen_trace *tr) {
    if (tr && CORE_UNLIKELY(atomic_fetch_add_explicit(&tr->refcount, 1, memory_order_relaxed) <= 0))
        return gfi_dead_fail("gen_trace_retain", "the trace", tr, "a trace"), NULL;
    return tr;
}

void gen_trace_release(gen_trace *tr) {
    if (!tr) return;
    int old = atomic_fetch_sub_explicit(&tr->refcount, 1, memory_order_acq_rel);
    if (old == 1) trace_free(tr);
    else if (CORE_UNLIKELY(old <= 0)) core_double_release("gen_trace_release", tr, "a trace");
}

static void trace_release_void(void *tr) { gen_trace_release(tr); }

gen_trace *gen_trace_scope_return(gen_trace *tr) {
    if (!tr || !gen_trace_retain(tr)) return NULL;
    gen_status s = core_scope_own_parent(tr, trace_release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return tr;
    gen_trace_release(tr);
    return NULL;
}

gen_trace *gfi_trace_publish(gen_trace *tr) {
    if (!tr) return NULL;
    gen_status s = core_scope_own(tr, trace_release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return tr;
    gen_trace_release(tr);
    return NULL;
}

gen_trace *gfi_trace_new(const gen_gf *f, const gen_args *args, gen_array *retval,
                         gen_choicemap *choices, gen_array *score, void *data) {
    gen_trace *tr = core_calloc(1, sizeof *tr);
    if (!tr) {
        gen_trace tmp = {.data = data};
        if (data && f->vt->free_trace_data) f->vt->free_trace_data(&tmp);
        return NULL;
    }
    atomic_init(&tr->refcount, 1);
    atomic_init(&tr->lazy, 0);
    tr->gf = gen_gf_retain((gen_gf *)f);
    tr->data = data;
    tr->retval = gen_array_retain(retval);
    atomic_init(&tr->choices, gen_choicemap_retain(choices));
    tr->score = gen_array_retain(score);
    int n = args ? args->n : 0;
    if (n > 0) {
        tr->argv = core_calloc((size_t)n, sizeof *tr->argv);
        if (!tr->argv) {
            trace_free(tr);
            return NULL;
        }
        for (int i = 0; i < n; i++) tr->argv[i] = gen_array_retain(args->v[i]);
    }
    tr->args.n = n;
    tr->args.v = tr->argv;
    tr->args.user = args ? args->user : NULL;
    return tr;
}

gen_trace *gfi_trace_new_lazy(const gen_gf *f, const gen_args *args, gen_array *score, void *data,
                              gfi_materialize_fn materialize) {
    gen_trace *tr = gfi_trace_new(f, args, NULL, NULL, score, data);
    if (!tr) return NULL;
    tr->materialize = materialize;
    atomic_store_explicit(&tr->lazy, 1, memory_order_relaxed);
    return tr;
}

bool gfi_trace_ready(const gen_trace *tr) {
    gen_trace *t = (gen_trace *)tr; /* filling in what the trace already determines */
    if (atomic_load_explicit(&t->lazy, memory_order_acquire) == 0) return true; /* the usual case */
    for (;;) {
        int state = 1;
        if (atomic_compare_exchange_weak_explicit(&t->lazy, &state, 2, memory_order_acquire,
                                                  memory_order_acquire))
            break;
        if (state == 0) return true; /* built (or never lazy) */
    }                                /* 2: another thread is building it; wait */
    gen_choicemap *cm = NULL;
    gen_array *ret = NULL;
    int64_t batch = gen_batch_suspend();
    gen_status s = t->materialize(t, &cm, &ret);
    gen_batch_resume(batch);
    if (s == GEN_OK) {
        atomic_store_explicit(&t->choices, cm, memory_order_relaxed); /* published below */
        t->retval = ret;
    }
    atomic_store_explicit(&t->lazy, s == GEN_OK ? 0 : 1, memory_order_release);
    return s == GEN_OK;
}

/* The queries answer for a released trace as for NULL, recording the error (the slow
 * paths are tail calls, so the fast ones keep no frame). */
static CORE_NOINLINE void *dead_trace(const char *fn, const gen_trace *tr) {
    gfi_dead_fail(fn, "the trace", tr, "a trace");
    return NULL;
}
#define DEAD(tr) CORE_UNLIKELY(core_dead(tr))

const gen_gf *gen_trace_gf(const gen_trace *tr) {
    if (!tr) return NULL;
    return DEAD(tr) ? dead_trace("gen_trace_gf", tr) : tr->gf;
}
const gen_args *gen_trace_args(const gen_trace *tr) {
    if (!tr) return NULL;
    return DEAD(tr) ? dead_trace("gen_trace_args", tr) : &tr->args;
}
const gen_array *gen_trace_retval(const gen_trace *tr) {
    if (!tr) return NULL;
    if (DEAD(tr)) return dead_trace("gen_trace_retval", tr);
    return gfi_trace_ready(tr) ? tr->retval : NULL;
}
const gen_choicemap *gfi_trace_choices(const gen_trace *tr) {
    if (!gfi_trace_ready(tr)) return NULL; /* a lazy combinator trace (gfi_trace_new_lazy) */
    gen_trace *t = (gen_trace *)tr; /* the map is a cache: filled in once, then fixed */
    gen_choicemap *m = atomic_load_explicit(&t->choices, memory_order_acquire);
    if (m || !tr->gf->vt->build_choices) return m;
    core_guard g = core_guard_begin();
    gen_choicemap *built = tr->gf->vt->build_choices(tr);
    if (CORE_GUARD_END(g, built ? GEN_OK : GEN_ERR_CALLBACK, "build_choices", "%s (%s)", tr->gf->name, tr->gf->vt->kind) != GEN_OK) return NULL;
    if (!built) return NULL;
    if (atomic_compare_exchange_strong_explicit(&t->choices, &m, built, memory_order_acq_rel,
                                                memory_order_acquire))
        return built;
    gen_choicemap_release(built); /* another thread was first: m is its map */
    return m;
}

const gen_choicemap *gen_trace_choices(const gen_trace *tr) {
    if (!tr) return NULL;
    return DEAD(tr) ? dead_trace("gen_trace_choices", tr) : gfi_trace_choices(tr);
}
const gen_array *gen_trace_score(const gen_trace *tr) {
    if (!tr) return NULL;
    return DEAD(tr) ? dead_trace("gen_trace_score", tr) : tr->score;
}

const gen_array *gen_trace_value(const gen_trace *tr, const gen_addr *addr) {
    if (!tr) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_trace_value: the trace is NULL");
        return NULL;
    }
    if (DEAD(tr)) return dead_trace("gen_trace_value", tr);
    if (!addr) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_trace_value: the address is NULL");
        return NULL;
    }
    const gen_choicemap *m = gfi_trace_choices(tr);
    return m ? gen_choicemap_get_value(m, addr) : NULL;
}

/* ---- the operations ---- */

/* The kind's implementation of op ran in guard g (core_guard_begin) and returned s:
 * GEN_OK, or GEN_ERR_MISUSE if it left a scope open, ended one it did not open (a user
 * kind's code, or a bug in GenC's own) or released an object once too often; then its
 * outputs are not to be used. */
static gen_status impl_end(core_guard g, const gen_gf *f, const char *op, gen_status s) {
    return CORE_GUARD_END(g, s, op, "%s (%s)", f->name, f->vt->kind);
}

gen_status gfi_check_call(const char *op, const gen_gf *f, const gen_args *args) {
    if (!f) {
        gen_status s = core_error_pending();
        return s ? s : GEN_FAIL(GEN_ERR_MISUSE, "%s: the generative function is NULL", op);
    }
    if (CORE_UNLIKELY(core_dead(f))) return gfi_dead_fail(op, "the generative function", f, "a generative function");
    if (args && (args->n < 0 || (args->n > 0 && !args->v)))
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s: args has n = %d but no array pointer", op,
                        f->name, args->n);
    for (int i = 0; args && i < args->n; i++)
        if (!args->v[i]) {
            gen_status s = core_error_pending();
            return s ? s : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s: argument %d is NULL", op, f->name, i);
        } else if (CORE_UNLIKELY(core_dead(args->v[i]))) {
            char what[32];
            snprintf(what, sizeof what, "argument %d", i);
            gfi_dead_fail(op, what, args->v[i], "an array");
            core_error_prefix("%s", f->name);
            return GEN_ERR_MISUSE;
        }
    return GEN_OK;
}

static gen_status check_out(const char *op, const void *out, const char *name) {
    return out ? GEN_OK : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", op, name);
}

/* An object argument (a map, a trace, a selection: kind, for messages) that is not NULL
 * and not released. */
static gen_status check_map(const char *op, const void *m, const char *name, const char *kind) {
    if (m) return CORE_LIKELY(!core_dead(m)) ? GEN_OK : gfi_dead_fail(op, name, m, kind);
    gen_status s = core_error_pending();
    return s ? s : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", op, name);
}

gen_status gen_generate(const gen_gf *f, gen_key key, const gen_args *args,
                        const gen_choicemap *constraints, gen_trace **tr, gen_array **weight) {
    if (tr) *tr = NULL;
    if (weight) *weight = NULL;
    gen_status s = check_out("gen_generate", tr, "tr");
    if (s == GEN_OK) s = gfi_check_call("gen_generate", f, args);
    if (s == GEN_OK) s = check_map("gen_generate", constraints, "constraints", "a choice map");
    if (s != GEN_OK) return s;
    gen_args stop_;
    const gen_args *a_ = args;
    if (gfi_has_stops(f) && ad_active()) {
        if ((s = gfi_args_stop(f, args, &stop_)) != GEN_OK) return s;
        a_ = &stop_;
    }
    core_guard g = core_guard_begin();
    s = f->vt->generate(f, key, a_, constraints, tr, weight);
    if (a_ == &stop_) gfi_args_unstop(args, &stop_);
    gen_status sg = impl_end(g, f, "generate", s);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        s = sg;
        *tr = NULL;
        if (weight) *weight = NULL;
    } else if (CORE_UNLIKELY(f->user) && (s = gfi_user_result(f, "generate", s, *tr && (!weight || *weight),
                                                              *tr ? "weight" : "trace")) != GEN_OK) {
        *tr = NULL;
        if (weight) *weight = NULL;
    }
    return s;
}

gen_status gen_simulate(const gen_gf *f, gen_key key, const gen_args *args, gen_trace **tr) {
    if (tr) *tr = NULL;
    gen_status s = check_out("gen_simulate", tr, "tr");
    if (s == GEN_OK) s = gfi_check_call("gen_simulate", f, args);
    if (s != GEN_OK) return s;
    gen_args stop_;
    const gen_args *a_ = args;
    if (gfi_has_stops(f) && ad_active()) {
        if ((s = gfi_args_stop(f, args, &stop_)) != GEN_OK) return s;
        a_ = &stop_;
    }
    core_guard g = core_guard_begin();
    s = f->vt->generate(f, key, a_, gen_choicemap_empty(), tr, NULL);
    if (a_ == &stop_) gfi_args_unstop(args, &stop_);
    gen_status sg = impl_end(g, f, "generate", s);
    if (CORE_UNLIKELY(sg != GEN_OK)) s = sg, *tr = NULL;
    else if (CORE_UNLIKELY(f->user) && (s = gfi_user_result(f, "generate", s, *tr, "trace")) != GEN_OK) *tr = NULL;
    return s;
}

gen_status gfi_assess_in(const gen_gf *f, gen_eval *ev, const gen_args *args,
                         const gen_choicemap *choices, gen_array **weight, gen_array **retval) {
    if (weight) *weight = NULL;
    if (retval) *retval = NULL;
    gen_status s = check_out("gen_assess", weight, "weight");
    if (s == GEN_OK) s = gfi_check_call("gen_assess", f, args);
    if (s == GEN_OK) s = check_map("gen_assess", choices, "choices", "a choice map");
    if (s != GEN_OK) return s;
    gen_args stop_;
    const gen_args *a_ = args;
    if (gfi_has_stops(f) && ad_active()) {
        if ((s = gfi_args_stop(f, args, &stop_)) != GEN_OK) return s;
        a_ = &stop_;
    }
    core_guard g = core_guard_begin();
    s = f->vt->assess(f, ev, a_, choices, weight, retval);
    if (a_ == &stop_) gfi_args_unstop(args, &stop_);
    gen_status sg = impl_end(g, f, "assess", s);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        s = sg;
        *weight = NULL;
        if (retval) *retval = NULL;
    } else if (CORE_UNLIKELY(f->user) && (s = gfi_user_result(f, "assess", s, *weight, "weight")) != GEN_OK) {
        *weight = NULL;
        if (retval) *retval = NULL;
    }
    return s;
}

gen_status gen_assess(const gen_gf *f, const gen_args *args, const gen_choicemap *choices,
                      gen_array **weight, gen_array **retval) {
    return gfi_assess_in(f, NULL, args, choices, weight, retval);
}

/* Generic propose: simulate, then hand out the trace's parts (the weight of f as its own
 * proposal is the score). */
gen_status gen_propose(const gen_gf *f, gen_key key, const gen_args *args,
                       gen_choicemap **choices, gen_array **weight, gen_array **retval) {
    if (choices) *choices = NULL;
    if (weight) *weight = NULL;
    if (retval) *retval = NULL;
    gen_status s = check_out("gen_propose", choices, "choices");
    if (s == GEN_OK) s = gfi_check_call("gen_propose", f, args);
    if (s != GEN_OK) return s;
    if ((s = gen_scope_begin()) != GEN_OK) return s;
    gen_trace *tr = NULL;
    core_guard g = core_guard_begin();
    s = f->vt->generate(f, key, args, gen_choicemap_empty(), &tr, NULL);
    gen_status sg = impl_end(g, f, "generate", s);
    if (CORE_UNLIKELY(sg != GEN_OK)) s = sg;
    else if (CORE_UNLIKELY(f->user)) s = gfi_user_result(f, "generate", s, tr, "trace");
    if (s == GEN_OK && !gfi_trace_ready(tr)) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    if (s == GEN_OK) {
        *choices = gen_choicemap_scope_return((gen_choicemap *)gfi_trace_choices(tr));
        if (weight) *weight = gen_scope_return(tr->score);
        if (retval) *retval = gen_scope_return(tr->retval);
        if (!*choices || (weight && !*weight) || (retval && tr->retval && !*retval))
            s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    gen_scope_end();
    return s;
}

/* ---- the addresses a selection names must be in the trace ---- */

/* Nested project / regenerate calls (a function walking its subtraces) skip the check:
 * the outermost call made it for the whole tree, and its error names the full path. */
static _Thread_local int sel_nesting;

typedef struct named_check {
    const gen_choicemap *a, *b; /* b may be NULL */
    gen_addr missing;
    bool found;
} named_check;

/* A value or a non-empty submap at addr: one child lookup per part. */
static bool has_addr(const gen_choicemap *m, const gen_addr *addr) {
    for (int k = 0; k < addr->len && !gen_choicemap_is_empty(m); k++)
        m = gen_choicemap_child(m, addr->parts[k]);
    return !gen_choicemap_is_empty(m);
}

static gen_status named_visit(void *ud, const gen_addr *addr) {
    named_check *c = ud;
    if (has_addr(c->a, addr) || (c->b && has_addr(c->b, addr))) return GEN_OK;
    c->missing = *addr;
    c->found = true;
    return GEN_ERR_VALUE; /* stops the walk; no message yet */
}

/* Sets *missing if sel names an address neither tr's choices nor b (may be NULL) has;
 * then, if report, fails naming it. Other statuses are real errors. */
static gen_status check_named(const char *op, const gen_trace *tr, const gen_selection *sel,
                              const gen_choicemap *b, bool report, bool *missing) {
    named_check c; /* missing is written only when found: no need to clear it */
    c.a = gfi_trace_choices(tr), c.b = b, c.found = false;
    if (!c.a) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    gen_status s = gen_selection_foreach_named(sel, named_visit, &c);
    *missing = c.found;
    if (!c.found) return s;
    if (!report) return GEN_OK;
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(&c.missing, buf, sizeof buf);
    return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the selection names %s, which %s", op, tr->gf->name,
                    buf, b ? "neither the trace nor the new trace has" : "the trace does not have");
}

gen_status gfi_check_selection(const char *op, const gen_trace *tr, const gen_selection *sel) {
    bool missing = false;
    return check_named(op, tr, sel, NULL, true, &missing);
}

gen_status gen_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    if (weight) *weight = NULL;
    gen_status s = check_out("gen_project", weight, "weight");
    if (s == GEN_OK) s = check_map("gen_project", tr, "the trace", "a trace");
    if (s == GEN_OK) s = check_map("gen_project", sel, "the selection", "a selection");
    bool missing = false;
    if (s == GEN_OK && sel_nesting == 0)
        s = check_named("gen_project", tr, sel, NULL, true, &missing);
    if (s != GEN_OK) return s;
    if ((s = gfi_batch_enter(tr->batch)) != GEN_OK) return s;
    sel_nesting++;
    core_guard g = core_guard_begin();
    s = tr->gf->vt->project(tr, sel, weight);
    gen_status sg = impl_end(g, tr->gf, "project", s);
    sel_nesting--;
    if (CORE_UNLIKELY(sg != GEN_OK)) s = sg, *weight = NULL;
    else if (CORE_UNLIKELY(tr->gf->user) && (s = gfi_user_result(tr->gf, "project", s, *weight, "weight")) != GEN_OK)
        *weight = NULL;
    gfi_batch_leave(tr->batch);
    return s;
}

/* An int diff of an argument that is a 0-d i64 array before and after must be exact. */
static gen_status check_int_diff(const char *op, const gen_trace *tr, const gen_args *args,
                                 int i, const gen_diff *d) {
    if (d->kind != GEN_DIFF_INT || i >= tr->args.n) return GEN_OK;
    const gen_array *now = args->v[i], *before = tr->args.v[i];
    if (gen_array_ndim(now) != 0 || gen_array_ndim(before) != 0 ||
        gen_array_dtype(now) != GEN_I64 || gen_array_dtype(before) != GEN_I64)
        return GEN_OK;
    int64_t a = 0, b = 0;
    gen_status s = gen_item_i64(before, &a);
    if (s == GEN_OK) s = gen_item_i64(now, &b);
    if (s != GEN_OK) return s;
    if ((int64_t)((uint64_t)b - (uint64_t)a) == d->delta) return GEN_OK;
    return GEN_FAIL(GEN_ERR_VALUE,
                    "%s: %s: argdiff %d is an int diff of %lld, but the argument went from %lld "
                    "to %lld",
                    op, tr->gf->name, i, (long long)d->delta, (long long)a, (long long)b);
}

/* Each argdiff well formed (gen_diff_check) and consistent where that is cheap to see. */
static gen_status check_argdiffs(const char *op, const gen_trace *tr, const gen_args *args,
                                 const gen_diff *argdiffs) {
    for (int i = 0; argdiffs && args && i < args->n; i++) {
        gen_status s = gfi_diff_check_arg(&argdiffs[i], i);
        if (s != GEN_OK) {
            core_error_prefix("%s: %s", op, tr->gf->name);
            return s;
        }
        if ((s = check_int_diff(op, tr, args, i, &argdiffs[i])) != GEN_OK) return s;
    }
    return GEN_OK;
}

/* Checks shared by update and regenerate: the trace, the new args, the argdiffs (one
 * well-formed diff per argument), the out-parameter and that tr's kind implements op. */
static gen_status check_edit(const char *op, const gen_trace *tr, const gen_args *args,
                             const gen_diff *argdiffs, gen_trace **new_tr, bool has_op) {
    gen_status s = check_out(op, new_tr, "new_tr");
    if (s == GEN_OK) s = check_map(op, tr, "the trace", "a trace");
    if (s == GEN_OK) s = gfi_check_call(op, tr->gf, args);
    if (s == GEN_OK) s = check_argdiffs(op, tr, args, argdiffs);
    if (s == GEN_OK && !has_op)
        s = GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s (%s) does not implement it", op, tr->gf->name,
                     tr->gf->vt->kind);
    return s;
}

gen_status gen_update(const gen_trace *tr, gen_key key, const gen_args *args,
                      const gen_diff *argdiffs, const gen_choicemap *constraints,
                      gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                      gen_choicemap **discard) {
    if (new_tr) *new_tr = NULL;
    if (weight) *weight = NULL;
    if (discard) *discard = NULL;
    if (retdiff) *retdiff = gen_diff_unknown();
    gen_status s = check_edit("gen_update", tr, args, argdiffs, new_tr, tr && tr->gf->vt->update);
    if (s == GEN_OK) s = check_map("gen_update", constraints, "constraints", "a choice map");
    if (s != GEN_OK) return s;
    if ((s = gfi_batch_enter(tr->batch)) != GEN_OK) return s;
    core_guard g = core_guard_begin();
    s = tr->gf->vt->update(tr, key, args, argdiffs, constraints, new_tr, weight, retdiff, discard);
    gen_status sg = impl_end(g, tr->gf, "update", s);
    gfi_batch_leave(tr->batch);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        s = sg;
        *new_tr = NULL;
        if (weight) *weight = NULL;
        if (discard) *discard = NULL;
        if (retdiff) *retdiff = gen_diff_unknown();
    } else if (CORE_UNLIKELY(tr->gf->user) &&
        (s = gfi_user_result(tr->gf, "update", s, *new_tr && (!weight || *weight) && (!discard || *discard),
                             !*new_tr ? "trace" : weight && !*weight ? "weight" : "discard")) != GEN_OK) {
        *new_tr = NULL;
        if (weight) *weight = NULL;
        if (discard) *discard = NULL;
        if (retdiff) *retdiff = gen_diff_unknown();
    }
    return s;
}

/* The rare path of regenerate: sel names an address tr lacks, which the new trace must
 * have. Runs inside a scope so that a failed check leaves nothing behind. */
static gen_status regenerate_checked(const gen_trace *tr, gen_key key, const gen_args *args,
                                     const gen_diff *argdiffs, const gen_selection *sel,
                                     gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_trace *t = NULL;
    gen_array *w = NULL;
    bool missing = false;
    sel_nesting++;
    core_guard g = core_guard_begin();
    s = tr->gf->vt->regenerate(tr, key, args, argdiffs, sel, &t, weight ? &w : NULL, retdiff);
    gen_status sg = impl_end(g, tr->gf, "regenerate", s);
    sel_nesting--;
    if (CORE_UNLIKELY(sg != GEN_OK)) s = sg;
    else if (CORE_UNLIKELY(tr->gf->user)) s = gfi_user_result(tr->gf, "regenerate", s, t && (!weight || w), t ? "weight" : "trace");
    const gen_choicemap *now = s == GEN_OK ? gfi_trace_choices(t) : NULL;
    if (s == GEN_OK && !now) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    if (s == GEN_OK) s = check_named("gen_regenerate", tr, sel, now, true, &missing);
    if (s == GEN_OK && weight && !(*weight = gen_scope_return(w))) s = GEN_ERR_OOM;
    if (s == GEN_OK && !(*new_tr = gen_trace_scope_return(t))) s = GEN_ERR_OOM;
    gen_scope_end();
    if (s != GEN_OK) {
        if (weight) *weight = NULL; /* if kept, the outer scope owns it */
        if (retdiff) *retdiff = gen_diff_unknown();
    }
    return s;
}

gen_status gen_regenerate(const gen_trace *tr, gen_key key, const gen_args *args,
                          const gen_diff *argdiffs, const gen_selection *sel,
                          gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    if (new_tr) *new_tr = NULL;
    if (weight) *weight = NULL;
    if (retdiff) *retdiff = gen_diff_unknown();
    gen_status s = check_edit("gen_regenerate", tr, args, argdiffs, new_tr,
                              tr && tr->gf->vt->regenerate);
    if (s == GEN_OK) s = check_map("gen_regenerate", sel, "the selection", "a selection");
    bool missing = false;
    if (s == GEN_OK && sel_nesting == 0)
        s = check_named("gen_regenerate", tr, sel, NULL, false, &missing);
    if (s != GEN_OK) return s;
    if ((s = gfi_batch_enter(tr->batch)) != GEN_OK) return s;
    if (missing) {
        s = regenerate_checked(tr, key, args, argdiffs, sel, new_tr, weight, retdiff);
    } else {
        sel_nesting++;
        core_guard g = core_guard_begin();
        s = tr->gf->vt->regenerate(tr, key, args, argdiffs, sel, new_tr, weight, retdiff);
        gen_status sg = impl_end(g, tr->gf, "regenerate", s);
        sel_nesting--;
        if (CORE_UNLIKELY(sg != GEN_OK)) {
            s = sg;
            *new_tr = NULL;
            if (weight) *weight = NULL;
            if (retdiff) *retdiff = gen_diff_unknown();
        } else if (CORE_UNLIKELY(tr->gf->user) &&
            (s = gfi_user_result(tr->gf, "regenerate", s, *new_tr && (!weight || *weight),
                                 *new_tr ? "weight" : "trace")) != GEN_OK) {
            *new_tr = NULL;
            if (weight) *weight = NULL;
            if (retdiff) *retdiff = gen_diff_unknown();
        }
    }
    gfi_batch_leave(tr->batch);
    return s;
}

/* ---- batched execution ---- */

int64_t gen_trace_batch_size(const gen_trace *tr) {
    if (!tr) return 0;
    if (DEAD(tr)) return dead_trace("gen_trace_batch_size", tr), 0;
    return tr->batch;
}

gen_status gfi_batch_enter(int64_t batch) { return batch > 0 ? gen_batch_begin(batch) : GEN_OK; }
void gfi_batch_leave(int64_t batch) {
    if (batch > 0) gen_batch_end();
}

/* GEN_ERR_MISUSE "<fn>: <what> is NULL" for the first NULL of n (pointer, name) pairs
 * (a NULL object keeps the error already pending that made it), else GEN_OK. */
static gen_status batched_nulls(const char *fn, int n, const void *const *p, const char *const *what) {
    for (int i = 0; i < n; i++)
        if (!p[i]) return core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, what[i]);
    return GEN_OK;
}

gen_status gen_generate_batched(const gen_gf *f, gen_key key, int64_t n, const gen_args *args,
                                const gen_choicemap *constraints, gen_trace **tr,
                                gen_array **weight) {
    if (tr) *tr = NULL;
    if (weight) *weight = NULL;
    gen_status s0 = batched_nulls("gen_generate_batched", 3, (const void *[]){f, constraints, tr},
                                  (const char *[]){"the generative function", "constraints", "tr"});
    if (s0 != GEN_OK) return s0;
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "gen_generate_batched: the particle count must be >= 1, got %lld", (long long)n);
    gen_status s = gen_batch_begin(n);
    if (s != GEN_OK) return s;
    s = gen_generate(f, key, args, constraints, tr, weight);
    gen_batch_end();
    return s;
}

gen_status gen_simulate_batched(const gen_gf *f, gen_key key, int64_t n, const gen_args *args,
                                gen_trace **tr) {
    if (tr) *tr = NULL;
    gen_status s0 = batched_nulls("gen_simulate_batched", 2, (const void *[]){f, tr},
                                  (const char *[]){"the generative function", "tr"});
    if (s0 != GEN_OK) return s0;
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "gen_simulate_batched: the particle count must be >= 1, got %lld", (long long)n);
    gen_status s = gen_batch_begin(n);
    if (s != GEN_OK) return s;
    s = gen_simulate(f, key, args, tr);
    gen_batch_end();
    return s;
}

gen_status gen_assess_batched(const gen_gf *f, int64_t n, const gen_args *args,
                              const gen_choicemap *choices, gen_array **weight,
                              gen_array **retval) {
    if (weight) *weight = NULL;
    if (retval) *retval = NULL;
    gen_status s0 = batched_nulls("gen_assess_batched", 2, (const void *[]){f, choices},
                                  (const char *[]){"the generative function", "choices"});
    if (s0 != GEN_OK) return s0;
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "gen_assess_batched: the particle count must be >= 1, got %lld", (long long)n);
    gen_status s = gen_batch_begin(n);
    if (s != GEN_OK) return s;
    s = gen_assess(f, args, choices, weight, retval);
    gen_batch_end();
    return s;
}
