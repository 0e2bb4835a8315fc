/* edit_request.c — GenJAX-style edit requests (update with constraints, regenerate
 * with a selection) and gen_edit, which applies one with gen_update / gen_regenerate
 * and returns the request that undoes it. */
#include <stdio.h>

#include "gfi_int.h"

struct gen_edit_request {
    atomic_int refcount;
    gen_edit_kind kind;
    bool has_args;        /* false: keep the trace's arguments */
    gen_args args;        /* v points to argv */
    gen_array **argv;     /* retained */
    gen_diff *argdiffs;   /* owned deep copy (one block), or NULL */
    size_t argdiffs_bytes;
    gen_choicemap *constraints; /* retained (update) */
    gen_selection *sel;         /* retained (regenerate) */
};

static void request_free(gen_edit_request *r) {
    for (int i = 0; i < r->args.n; i++) gen_array_release(r->argv[i]);
    if (r->argv) core_free(r->argv, (size_t)r->args.n * sizeof *r->argv);
    if (r->argdiffs) core_free(r->argdiffs, r->argdiffs_bytes);
    gen_choicemap_release(r->constraints);
    gen_selection_release(r->sel);
    core_obj_free(r, sizeof *r, false, r->kind == GEN_EDIT_UPDATE ? "an edit request (update)" : "an edit request (regenerate)");
}

gen_edit_request *gen_edit_request_retain(gen_edit_request *r) {
    if (r && CORE_UNLIKELY(atomic_fetch_add_explicit(&r->refcount, 1, memory_order_relaxed) <= 0))
        return gfi_dead_fail("gen_edit_request_retain", "the request", r, "an edit request"), NULL;
    return r;
}

void gen_edit_request_release(gen_edit_request *r) {
    if (!r) return;
    int old = atomic_fetch_sub_explicit(&r->refcount, 1, memory_order_acq_rel);
    if (old == 1) request_free(r);
    else if (CORE_UNLIKELY(old <= 0)) core_double_release("gen_edit_request_release", r, "an edit request");
}

static void release_void(void *r) { gen_edit_request_release(r); }

gen_edit_request *gen_edit_request_scope_return(gen_edit_request *r) {
    if (!r || !gen_edit_request_retain(r)) return NULL;
    gen_status s = core_scope_own_parent(r, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return r;
    gen_edit_request_release(r);
    return NULL;
}

static gen_edit_request *publish(gen_edit_request *r) {
    gen_status s = core_scope_own(r, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return r;
    gen_edit_request_release(r);
    return NULL;
}

gen_edit_kind gen_edit_request_kind(const gen_edit_request *r) { return r ? r->kind : 0; }
const gen_args *gen_edit_request_args(const gen_edit_request *r) {
    return r && r->has_args ? &r->args : NULL;
}
const gen_diff *gen_edit_request_argdiffs(const gen_edit_request *r) {
    return r ? r->argdiffs : NULL;
}
const gen_choicemap *gen_edit_request_constraints(const gen_edit_request *r) {
    return r ? r->constraints : NULL;
}
const gen_selection *gen_edit_request_selection(const gen_edit_request *r) {
    return r ? r->sel : NULL;
}

/* Checks the arguments of a constructor: args well formed, argdiffs well formed (and
 * absent when args is), the map or selection present. */
static gen_status check_new(const char *op, const gen_args *args, const gen_diff *argdiffs,
                            const void *what, const char *what_name) {
    if (!what) {
        gen_status s = core_error_pending();
        return s ? s : GEN_FAIL(GEN_ERR_MISUSE, "%s: the %s is NULL", op, what_name);
    }
    if (!args) {
        if (argdiffs)
            return GEN_FAIL(GEN_ERR_MISUSE,
                            "%s: argdiffs given without args (NULL args keeps the trace's "
                            "arguments, which do not change)",
                            op);
        return GEN_OK;
    }
    if (args->n < 0 || (args->n > 0 && !args->v))
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: args has n = %d but no array pointer", op, args->n);
    for (int i = 0; i < args->n; i++)
        if (!args->v[i]) {
            gen_status s = core_error_pending();
            return s ? s : GEN_FAIL(GEN_ERR_MISUSE, "%s: argument %d is NULL", op, i);
        }
    for (int i = 0; argdiffs && i < args->n; i++) {
        gen_status s = gfi_diff_check_arg(&argdiffs[i], i);
        if (s != GEN_OK) {
            core_error_prefix("%s", op);
            return s;
        }
    }
    return GEN_OK;
}

/* A request holding its own references; argdiffs deep-copied (inverted if invert;
 * argdiffs NULL with no_change gives all no-change, without it all unknown). NULL on
 * OOM. */
static gen_edit_request *request_new(gen_edit_kind kind, const gen_args *args,
                                     const gen_diff *argdiffs, bool invert, bool no_change,
                                     const gen_choicemap *constraints, const gen_selection *sel) {
    gen_edit_request *r = core_calloc(1, sizeof *r);
    if (!r) return NULL;
    atomic_init(&r->refcount, 1);
    r->kind = kind;
    r->constraints = constraints ? gen_choicemap_retain((gen_choicemap *)constraints) : NULL;
    r->sel = sel ? gen_selection_retain((gen_selection *)sel) : NULL;
    r->has_args = args != NULL;
    int n = args ? args->n : 0;
    if (n > 0) {
        if (!(r->argv = core_calloc((size_t)n, sizeof *r->argv))) goto fail;
        r->args.n = n;
        for (int i = 0; i < n; i++) r->argv[i] = gen_array_retain(args->v[i]);
        if ((argdiffs || no_change) &&
            !(r->argdiffs = gfi_diffs_copy(n, argdiffs, invert, &r->argdiffs_bytes)))
            goto fail;
    }
    r->args.v = r->argv;
    r->args.user = args ? args->user : NULL;
    return r;
fail:
    request_free(r);
    return NULL;
}

gen_edit_request *gen_edit_update(const gen_args *args, const gen_diff *argdiffs,
                                  const gen_choicemap *constraints) {
    if (check_new("gen_edit_update", args, argdiffs, constraints, "constraints map") != GEN_OK)
        return NULL;
    gen_edit_request *r =
        request_new(GEN_EDIT_UPDATE, args, argdiffs, false, false, constraints, NULL);
    return r ? publish(r) : NULL;
}

gen_edit_request *gen_edit_regenerate(const gen_args *args, const gen_diff *argdiffs,
                                      const gen_selection *sel) {
    if (check_new("gen_edit_regenerate", args, argdiffs, sel, "selection") != GEN_OK) return NULL;
    gen_edit_request *r =
        request_new(GEN_EDIT_REGENERATE, args, argdiffs, false, false, NULL, sel);
    return r ? publish(r) : NULL;
}

/* ---- gen_edit ---- */

static gen_status pending_or_oom(void) {
    gen_status s = core_error_pending();
    return s ? s : GEN_ERR_OOM;
}

/* The request undoing req on tr: tr's args, req's argdiffs inverted (all no change when
 * req kept the args; unknown when the number of arguments changed), and the discard
 * (update) or the same selection (regenerate). */
static gen_edit_request *backward_of(const gen_trace *tr, const gen_edit_request *req,
                                     const gen_choicemap *discard) {
    const gen_diff *fwd = req->has_args && req->args.n == tr->args.n ? req->argdiffs : NULL;
    return request_new(req->kind, &tr->args, fwd, true, !req->has_args, discard, req->sel);
}

static gen_status check_request(const gen_edit_request *req) {
    if (!req) {
        gen_status s = core_error_pending();
        return s ? s : GEN_FAIL(GEN_ERR_MISUSE, "gen_edit: the request is NULL");
    }
    if (CORE_UNLIKELY(core_dead(req))) return gfi_dead_fail("gen_edit", "the request", req, "an edit request");
    if (req->kind != GEN_EDIT_UPDATE && req->kind != GEN_EDIT_REGENERATE)
        return GEN_FAIL(GEN_ERR_VALUE, "gen_edit: the request has unknown kind %d",
                        (int)req->kind);
    return GEN_OK;
}

/* Runs the request inside the caller's scope (begun and ended by gen_edit). */
static gen_status run(const gen_trace *tr, gen_key key, const gen_edit_request *req,
                      const gen_diff *argdiffs, gen_trace **t, gen_array **w, gen_diff *retdiff,
                      gen_edit_request **back) {
    const gen_args *args = req->has_args ? &req->args : &tr->args;
    gen_choicemap *discard = NULL;
    gen_status s =
        req->kind == GEN_EDIT_UPDATE
            ? gen_update(tr, key, args, argdiffs, req->constraints, t, w, retdiff,
                         back ? &discard : NULL)
            : gen_regenerate(tr, key, args, argdiffs, req->sel, t, w, retdiff);
    if (s != GEN_OK) core_error_prefix("gen_edit");
    if (s == GEN_OK && back && !(*back = backward_of(tr, req, discard))) s = pending_or_oom();
    if (s == GEN_OK && back && !(*back = publish(*back))) s = pending_or_oom();
    return s;
}

gen_status gen_edit(const gen_trace *tr, gen_key key, const gen_edit_request *req,
                    gen_trace **new_tr, gen_array **weight, gen_diff *retdiff,
                    gen_edit_request **backward) {
    if (new_tr) *new_tr = NULL;
    if (weight) *weight = NULL;
    if (backward) *backward = NULL;
    if (retdiff) *retdiff = gen_diff_unknown();
    gen_status s = new_tr ? GEN_OK : GEN_FAIL(GEN_ERR_MISUSE, "gen_edit: new_tr is NULL");
    if (s == GEN_OK && !tr)
        s = core_error_pending() ? core_error_pending()
                                 : GEN_FAIL(GEN_ERR_MISUSE, "gen_edit: the trace is NULL");
    if (s == GEN_OK && CORE_UNLIKELY(core_dead(tr))) s = gfi_dead_fail("gen_edit", "the trace", tr, "a trace");
    if (s == GEN_OK) s = check_request(req);
    if (s != GEN_OK) return s;

    /* A request keeping the args passes the trace's own, all unchanged. */
    size_t nc_bytes = 0;
    gen_diff *nc = NULL;
    if (!req->has_args && tr->args.n > 0 &&
        !(nc = gfi_diffs_copy(tr->args.n, NULL, false, &nc_bytes)))
        return pending_or_oom();
    if ((s = gen_scope_begin()) != GEN_OK) {
        if (nc) core_free(nc, nc_bytes);
        return s;
    }
    gen_trace *t = NULL;
    gen_array *w = NULL;
    gen_edit_request *back = NULL;
    s = run(tr, key, req, req->has_args ? req->argdiffs : nc, &t, weight ? &w : NULL, retdiff,
            backward ? &back : NULL);
    if (s == GEN_OK && weight && !(*weight = gen_scope_return(w))) s = pending_or_oom();
    if (s == GEN_OK && backward && !(*backward = gen_edit_request_scope_return(back)))
        s = pending_or_oom();
    if (s == GEN_OK && !(*new_tr = gen_trace_scope_return(t))) s = pending_or_oom();
    gen_scope_end();
    if (nc) core_free(nc, nc_bytes);
    if (s != GEN_OK) {
        /* What reached an outer scope stays there; with no scope open it is ours. */
        if (gen_scope_depth() == 0) {
            if (weight) gen_array_release(*weight);
            if (backward) gen_edit_request_release(*backward);
        }
        if (weight) *weight = NULL;
        if (backward) *backward = NULL;
        if (retdiff) *retdiff = gen_diff_unknown();
    }
    return s;
}
