/* recurse.c — Recurse(production, aggregation, max_branch) (Gen.jl's Recurse): a tree
 * grown by the production kernel from the root input (each node's production returns
 * its value and its children's inputs), then folded bottom-up by the aggregation kernel.
 * Node ids as Gen.jl's, 0-based: child c of node p is p * max_branch + c + 1. One
 * production and one aggregation subtrace per node, at node/production and
 * node/aggregation. update / regenerate walk the new tree and revisit a node's kernel
 * only when its inputs changed or constraints / the selection reach it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comb_int.h"

typedef struct rec_data {
    gen_gf *prod, *agg; /* retained */
    int64_t max_branch;
} rec_data;

typedef struct rec_node {
    int64_t id;
    int64_t parent; /* slot of the parent, -1 for the root */
    int child;      /* which child of the parent */
    int n_children;
    gen_trace *prod, *agg; /* retained */
} rec_node;

typedef struct rec_trace {
    int64_t n, cap;
    rec_node *nodes; /* sorted by id once the production phase is done */
} rec_trace;

static void rec_free(gen_gf *f) {
    rec_data *d = f->data;
    gen_gf_release(d->prod);
    gen_gf_release(d->agg);
    core_free(d, sizeof *d);
}

static void rec_trace_free_data(rec_trace *d) {
    for (int64_t i = 0; i < d->n; i++) {
        gen_trace_release(d->nodes[i].prod);
        gen_trace_release(d->nodes[i].agg);
    }
    if (d->nodes) core_free(d->nodes, (size_t)d->cap * sizeof *d->nodes);
    core_free(d, sizeof *d);
}

static void rec_free_trace(gen_trace *tr) { rec_trace_free_data(tr->data); }

static gen_status push_node(rec_trace *d, rec_node node) {
    if (d->n == d->cap) {
        int64_t cap = d->cap ? 2 * d->cap : 8;
        rec_node *nn = core_alloc((size_t)cap * sizeof *nn);
        if (!nn) return GEN_ERR_OOM;
        if (d->n) memcpy(nn, d->nodes, (size_t)d->n * sizeof *nn);
        if (d->nodes) core_free(d->nodes, (size_t)d->cap * sizeof *d->nodes);
        d->nodes = nn;
        d->cap = cap;
    }
    d->nodes[d->n++] = node;
    return GEN_OK;
}

/* The slot of node id in a sorted tree, or -1. */
static int64_t find(const rec_trace *d, int64_t id) {
    int64_t lo = 0, hi = d ? d->n : 0;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (d->nodes[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return d && lo < d->n && d->nodes[lo].id == id ? lo : -1;
}

static int by_id(const void *a, const void *b) {
    int64_t x = ((const rec_node *)a)->id, y = ((const rec_node *)b)->id;
    return (x > y) - (x < y);
}

static gen_part p_prod(void) { return gen_part_name("production"); }
static gen_part p_agg(void) { return gen_part_name("aggregation"); }

/* ---- the operation: generate (old NULL), update (constraints), regenerate (sel) ---- */

typedef struct rec_op {
    const char *name;
    const gen_choicemap *constraints;
    const gen_selection *sel;
    gen_choicemap_builder *discard;
    const rec_trace *old;
    gen_array *w, *score;
} rec_op;

static gen_status fail_node(const gen_gf *f, int64_t id, const char *kernel) {
    gen_status s = comb_pending();
    core_error_prefix("%s: %lld: %s", f->name, (long long)id, kernel);
    return s;
}

static bool reaches(const rec_op *op, int64_t id, gen_part which) {
    gen_part node = gen_part_int(id);
    if (op->sel) return !gen_selection_is_none(gen_selection_sub(gen_selection_sub(op->sel, node), which));
    return !gen_choicemap_is_empty(gen_choicemap_child(gen_choicemap_child(op->constraints, node), which));
}

/* Runs one kernel call of node id: generated when prev is NULL, kept when its
 * arguments have the same values and nothing reaches it, else updated / regenerated. */
static gen_status call(comb_mode m, const gen_gf *f, const gen_gf *k, rec_op *op, gen_key key, const gen_trace *prev,
                       const gen_args *a, int64_t id, gen_part which, gen_trace **t) {
    gen_part node = gen_part_int(id);
    const char *kname = gen_part_equal(which, p_prod()) ? "production" : "aggregation";
    gen_key kk = gen_key_fold_in(gen_key_fold_in(key, (uint64_t)id), gen_part_equal(which, p_prod()) ? 0 : 1);
    gen_diff ad[2];
    bool same = prev && gen_trace_args(prev)->n == a->n;
    for (int j = 0; same && j < a->n; j++) same = gfi_same_value(gen_trace_args(prev)->v[j], a->v[j]);
    if (same && !reaches(op, id, which)) {
        *t = gen_trace_retain((gen_trace *)prev);
        return comb_add(&op->score, gen_trace_score(prev));
    }
    for (int j = 0; prev && j < a->n && j < 2; j++)
        ad[j] = j < gen_trace_args(prev)->n && gfi_same_value(gen_trace_args(prev)->v[j], a->v[j]) ? gen_diff_no_change()
                                                                                              : gen_diff_unknown();
    const gen_diff *adp = prev && a->n <= 2 && gen_trace_args(prev)->n == a->n ? ad : NULL;
    gen_array *w = NULL;
    gen_choicemap *disc = NULL;
    const gen_choicemap *c = gen_choicemap_child(gen_choicemap_child(op->constraints, node), which);
    int64_t saved = comb_kernel_begin(m);
    gen_status s;
    if (!prev) s = gen_generate(k, kk, a, op->sel ? gen_choicemap_empty() : c, t, &w);
    else if (op->sel)
        s = gen_regenerate(prev, kk, a, adp, gen_selection_sub(gen_selection_sub(op->sel, node), which), t, &w, NULL);
    else s = gen_update(prev, kk, a, adp, c, t, &w, NULL, op->discard ? &disc : NULL);
    comb_kernel_end(saved);
    if (s != GEN_OK) return fail_node(f, id, kname);
    gen_trace_retain(*t);
    if (disc && !gen_choicemap_is_empty(disc)) {
        gen_addr ad2 = {2, {node, which}};
        if ((s = gen_choicemap_builder_set_submap(op->discard, &ad2, disc)) != GEN_OK) return s;
    }
    if ((s = comb_add(&op->w, w)) != GEN_OK) return s;
    return comb_add(&op->score, gen_trace_score(*t));
}

/* The production's return value: (value, tuple of k <= max_branch child inputs). */
static gen_status children_of(const gen_gf *f, int64_t id, const gen_array *r, const gen_array **kids, int *k) {
    const rec_data *d = f->data;
    if (r && gen_array_is_tuple(r) && gen_tuple_size(r) == 2 && gen_array_is_tuple(gen_tuple_get(r, 1))) {
        *kids = gen_tuple_get(r, 1);
        *k = gen_tuple_size(*kids);
        if (*k <= d->max_branch) return GEN_OK;
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: production: %d children, more than max_branch %lld", f->name,
                        (long long)id, *k, (long long)d->max_branch);
    }
    char buf[96] = "none";
    if (r) gen_array_format(r, buf, sizeof buf);
    return GEN_FAIL(GEN_ERR_VALUE,
                    "%s: %lld: production: the return value must be a tuple (value, tuple of children's inputs), got %s",
                    f->name, (long long)id, buf);
}

static gen_status child_id(const gen_gf *f, int64_t parent, int c, int64_t *id) {
    int64_t b = ((const rec_data *)f->data)->max_branch;
    if (parent > (GEN_PART_INT_MAX - c - 1) / b)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: child %d's node id overflows (the tree is too deep)", f->name,
                        (long long)parent, c);
    *id = parent * b + c + 1;
    return GEN_OK;
}

/* The root input and node id from the arguments: (input) or (input, 0-d i64 root). */
static gen_status root_of(const gen_gf *f, const char *op, const gen_args *args, int64_t *root) {
    if (!args || args->n < 1 || args->n > 2)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: takes (root input) or (root input, root node id), got %d arguments",
                        f->name, op, args ? args->n : 0);
    *root = 0;
    if (args->n == 2) {
        const gen_array *r = args->v[1];
        if (gen_array_is_tuple(r) || gen_array_dtype(r) != GEN_I64 || gen_array_ndim(r) != 0 ||
            gen_item_i64(r, root) != GEN_OK || *root < 0)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the root node id (argument 1) must be a 0-d i64 array >= 0",
                            f->name, op);
    }
    return GEN_OK;
}

/* Every constraint names a node of the tree and one of its two kernels. */
static gen_status check_constraints(const gen_gf *f, const char *op, const gen_choicemap *c, const rec_trace *d) {
    char buf[GEN_ADDR_FORMAT_MAX];
    if (gen_choicemap_is_value(c)) return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: a value at the root is not a node", f->name, op);
    int64_t n = gen_choicemap_num_children(c);
    for (int64_t j = 0; j < n; j++) {
        gen_part p, q;
        gen_choicemap_child_at(c, j, &p);
        gen_addr a = {1, {p}};
        const gen_choicemap *sub = gen_choicemap_child(c, p);
        bool ok = gen_part_is_int(p) && find(d, gen_part_get_int(p)) >= 0 && !gen_choicemap_is_value(sub);
        for (int64_t i = 0; ok && i < gen_choicemap_num_children(sub); i++) {
            gen_choicemap_child_at(sub, i, &q);
            if (!gen_part_equal(q, p_prod()) && !gen_part_equal(q, p_agg())) {
                a = (gen_addr){2, {p, q}};
                ok = false;
            }
        }
        if (ok) continue;
        gen_addr_format(&a, buf, sizeof buf);
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: constraint at %s is not a node's production or aggregation (%lld nodes)",
                        f->name, op, buf, (long long)d->n);
    }
    return GEN_OK;
}

/* Production phase: grows the tree breadth first from the root; sorts it by id. */
static gen_status produce(comb_mode m, const gen_gf *f, rec_op *op, gen_key key, const gen_args *args, int64_t root,
                          rec_trace *d) {
    const rec_data *rd = f->data;
    gen_status s = push_node(d, (rec_node){root, -1, 0, 0, NULL, NULL});
    for (int64_t i = 0; s == GEN_OK && i < d->n; i++) {
        rec_node *nd = &d->nodes[i];
        const gen_array *input = args->v[0];
        if (nd->parent >= 0) {
            const gen_array *kids = gen_tuple_get(gen_trace_retval(d->nodes[nd->parent].prod), 1);
            input = gen_tuple_get(kids, nd->child);
        }
        gen_array *in = (gen_array *)input;
        gen_args a = {1, &in, args->user};
        int64_t slot = find(op->old, nd->id);
        int64_t id = nd->id;
        s = call(m, f, rd->prod, op, key, slot >= 0 ? op->old->nodes[slot].prod : NULL, &a, id, p_prod(), &nd->prod);
        const gen_array *kids = NULL;
        int k = 0;
        if (s == GEN_OK) s = children_of(f, id, gen_trace_retval(d->nodes[i].prod), &kids, &k);
        if (s == GEN_OK) d->nodes[i].n_children = k;
        for (int c = 0; s == GEN_OK && c < k; c++) {
            int64_t cid = 0;
            s = child_id(f, id, c, &cid);
            if (s == GEN_OK) s = push_node(d, (rec_node){cid, i, c, 0, NULL, NULL});
        }
    }
    if (s == GEN_OK && d->n > 1) {
        /* parents become slots of the sorted order: keep them as ids first */
        for (int64_t i = 0; i < d->n; i++)
            d->nodes[i].parent = d->nodes[i].parent >= 0 ? d->nodes[d->nodes[i].parent].id : -1;
        qsort(d->nodes, (size_t)d->n, sizeof *d->nodes, by_id);
        for (int64_t i = 0; i < d->n; i++) d->nodes[i].parent = d->nodes[i].parent >= 0 ? find(d, d->nodes[i].parent) : -1;
    }
    return s;
}

/* Aggregation phase: children first (larger ids), each node gets (value, tuple of its
 * children's aggregation results). */
static gen_status aggregate(comb_mode m, const gen_gf *f, rec_op *op, gen_key key, const gen_args *args, rec_trace *d) {
    const rec_data *rd = f->data;
    gen_status s = GEN_OK;
    for (int64_t i = d->n - 1; s == GEN_OK && i >= 0; i--) {
        rec_node *nd = &d->nodes[i];
        gen_array *items[64], **ws = nd->n_children <= 64 ? items : core_alloc((size_t)nd->n_children * sizeof *ws);
        if (!ws) return GEN_ERR_OOM;
        for (int c = 0; s == GEN_OK && c < nd->n_children; c++) {
            int64_t cid = 0;
            s = child_id(f, nd->id, c, &cid);
            const gen_array *r = s == GEN_OK ? gen_trace_retval(d->nodes[find(d, cid)].agg) : NULL;
            if (s == GEN_OK && !r)
                s = GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: aggregation: returned no value", f->name, (long long)cid);
            ws[c] = (gen_array *)r;
        }
        gen_array *av[2] = {s == GEN_OK ? gen_tuple_get(gen_trace_retval(nd->prod), 0) : NULL,
                            s == GEN_OK ? gen_tuple(nd->n_children, ws) : NULL};
        if (ws != items) core_free(ws, (size_t)nd->n_children * sizeof *ws);
        if (s == GEN_OK && (!av[0] || !av[1])) s = comb_pending();
        if (s != GEN_OK) break;
        gen_args a = {2, av, args->user};
        int64_t slot = find(op->old, nd->id);
        s = call(m, f, rd->agg, op, key, slot >= 0 ? op->old->nodes[slot].agg : NULL, &a, nd->id, p_agg(), &nd->agg);
    }
    return s;
}

/* Old nodes the new tree lacks: update subtracts their scores and discards their
 * choices; regenerate subtracts what is not choices (proposed backward: Gen.jl). */
static gen_status drop_old(comb_mode m, rec_op *op, const rec_trace *d) {
    for (int64_t i = 0; op->old && i < op->old->n; i++) {
        const rec_node *o = &op->old->nodes[i];
        if (find(d, o->id) >= 0) continue;
        const gen_trace *subs[2] = {o->prod, o->agg};
        gen_part which[2] = {p_prod(), p_agg()};
        for (int j = 0; j < 2; j++) {
            gen_status s = GEN_OK;
            if (!op->sel) {
                gen_addr a = {2, {gen_part_int(o->id), which[j]}};
                if (op->discard && !gen_choicemap_is_empty(gen_trace_choices(subs[j])))
                    s = gen_choicemap_builder_set_submap(op->discard, &a, gen_trace_choices(subs[j]));
                if (s == GEN_OK) s = comb_sub(&op->w, gen_trace_score(subs[j]));
            } else {
                gen_array *rest = NULL;
                int64_t saved = comb_kernel_begin(m);
                s = gen_project(subs[j], gen_select_none(), &rest);
                comb_kernel_end(saved);
                if (s == GEN_OK) s = comb_sub(&op->w, rest);
            }
            if (s != GEN_OK) return s;
        }
    }
    return GEN_OK;
}

static gen_status tree_choices(const rec_trace *d, gen_choicemap **out) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_status s = b ? GEN_OK : GEN_ERR_OOM;
    for (int64_t i = 0; s == GEN_OK && i < d->n; i++) {
        gen_addr ap = {2, {gen_part_int(d->nodes[i].id), p_prod()}}, aa = {2, {gen_part_int(d->nodes[i].id), p_agg()}};
        s = gen_choicemap_builder_set_submap(b, &ap, gen_trace_choices(d->nodes[i].prod));
        if (s == GEN_OK) s = gen_choicemap_builder_set_submap(b, &aa, gen_trace_choices(d->nodes[i].agg));
    }
    *out = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (b) gen_choicemap_builder_free(b);
    return s != GEN_OK ? s : *out ? GEN_OK : comb_pending();
}

static gen_status rec_run(const gen_gf *f, gen_key key, const gen_args *args, rec_op *op, const gen_trace *old_tr,
                          gen_trace **tr, gen_array **weight, gen_diff *retdiff) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    int64_t root = 0, old_root = 0;
    rec_trace *d = core_calloc(1, sizeof *d);
    gen_trace *t = NULL;
    gen_choicemap *cm = NULL;
    gen_diff rd = gen_diff_unknown();
    s = d ? root_of(f, op->name, args, &root) : GEN_ERR_OOM;
    if (s == GEN_OK && old_tr && (root_of(f, op->name, &old_tr->args, &old_root), root != old_root))
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the root node id cannot change (%lld -> %lld)", f->name, op->name,
                     (long long)old_root, (long long)root); /* Gen.jl: "Cannot change root_idx argument" */
    if (s == GEN_OK) s = produce(m, f, op, key, args, root, d);
    if (s == GEN_OK && !op->sel) s = check_constraints(f, op->name, op->constraints, d);
    if (s == GEN_OK) s = aggregate(m, f, op, key, args, d);
    if (s == GEN_OK) s = drop_old(m, op, d);
    if (s == GEN_OK) s = tree_choices(d, &cm);
    if (s == GEN_OK) {
        const gen_array *ret = gen_trace_retval(d->nodes[find(d, root)].agg);
        if (old_tr && ret == old_tr->retval) rd = gen_diff_no_change();
        s = comb_trace_new(m, f, args, (gen_array *)ret, cm, op->score, d, NULL, &t);
        d = NULL;
    }
    if (d) rec_trace_free_data(d);
    return comb_publish_edit(m, s, t, op->w, rd, NULL, weight, tr, retdiff, NULL);
}

static gen_status rec_generate(const gen_gf *f, gen_key key, const gen_args *args, const gen_choicemap *constraints,
                               gen_trace **tr, gen_array **weight) {
    rec_op op = {.name = "generate", .constraints = constraints};
    return rec_run(f, key, args, &op, NULL, tr, weight, NULL);
}

/* update / regenerate: the tree walked again, each node's kernels revisited only when
 * their inputs' values changed or the edit reaches them (argdiffs are not needed). */
static gen_status rec_edit_run(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                               comb_edit *e, gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    (void)argdiffs;
    rec_op op = {.name = e->sel ? "regenerate" : "update", .sel = e->sel, .discard = e->discard, .old = tr->data,
                 .constraints = e->sel ? gen_choicemap_empty() : e->constraints};
    return rec_run(tr->gf, key, args, &op, tr, new_tr, weight, retdiff);
}

static gen_status rec_update(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                             const gen_choicemap *constraints, gen_trace **new_tr, gen_array **weight,
                             gen_diff *retdiff, gen_choicemap **discard) {
    return comb_edit_update(rec_edit_run, tr, key, args, argdiffs, constraints, new_tr, weight, retdiff, discard);
}

static gen_status rec_regenerate(const gen_trace *tr, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                                 const gen_selection *sel, gen_trace **new_tr, gen_array **weight, gen_diff *retdiff) {
    return comb_edit_regenerate(rec_edit_run, tr, key, args, argdiffs, sel, new_tr, weight, retdiff);
}

static gen_status rec_project(const gen_trace *tr, const gen_selection *sel, gen_array **weight) {
    const rec_trace *d = tr->data;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_array *w = NULL;
    for (int64_t i = 0; s == GEN_OK && i < d->n; i++) {
        const gen_selection *ns = gen_selection_sub(sel, gen_part_int(d->nodes[i].id));
        gen_array *wp = NULL, *wa = NULL;
        int64_t saved = comb_kernel_begin(m);
        s = gen_project(d->nodes[i].prod, gen_selection_sub(ns, p_prod()), &wp);
        if (s == GEN_OK) s = gen_project(d->nodes[i].agg, gen_selection_sub(ns, p_agg()), &wa);
        comb_kernel_end(saved);
        if (s == GEN_OK) s = comb_add(&w, wp);
        if (s == GEN_OK) s = comb_add(&w, wa);
    }
    return comb_return(m, s, w, NULL, weight, NULL);
}

/* ---- assess ---- */

/* A node of an assess walk. Nodes are kept in breadth-first order, so node i's
 * children are the n_children nodes from first_child. */
typedef struct walk_node {
    int64_t id, first_child;
    int n_children;
    const gen_array *input, *prod_ret, *agg_ret; /* in the walk's scope */
} walk_node;

typedef struct walk {
    int64_t n, cap;
    walk_node *nodes;
} walk;

static gen_status walk_push(walk *w, walk_node node) {
    if (w->n == w->cap) {
        int64_t cap = w->cap ? 2 * w->cap : 8;
        walk_node *nn = core_realloc(w->nodes, (size_t)w->cap * sizeof *nn, (size_t)cap * sizeof *nn);
        if (!nn) return GEN_ERR_OOM;
        w->nodes = nn;
        w->cap = cap;
    }
    w->nodes[w->n++] = node;
    return GEN_OK;
}

/* Assesses node id's kernel k on a with the choices at id/which, adding its density to
 * *w. In unconstrained mode the node's address is pushed, so the kernel's choices get
 * their absolute addresses (gfi_int.h). *used counts the choices given to it. */
static gen_status walk_kernel(comb_mode m, gen_eval *eval, const gen_gf *f, const gen_gf *k, const gen_choicemap *choices,
                              int64_t id, gen_part which, const gen_args *a, gen_array **w, gen_array **ret,
                              int64_t *used) {
    gen_addr at = {2, {gen_part_int(id), which}};
    const gen_choicemap *c = gen_choicemap_child(gen_choicemap_child(choices, at.parts[0]), which);
    gen_array *wk = NULL;
    int64_t saved = comb_kernel_begin(m);
    gen_status s = gfi_assess_at(k, eval, &at, a, c, &wk, ret);
    comb_kernel_end(saved);
    if (s != GEN_OK) return fail_node(f, id, gen_part_equal(which, p_prod()) ? "production" : "aggregation");
    *used += gen_choicemap_count(c);
    return comb_add(w, wk);
}

/* Every choice was some kernel's (used of them), else the error naming one that was not. */
static gen_status walk_check_used(const gen_gf *f, const gen_choicemap *choices, const walk *wk, int64_t used) {
    if (used == gen_choicemap_count(choices)) return GEN_OK;
    rec_trace d = {0};
    gen_status s = GEN_OK;
    for (int64_t i = 0; s == GEN_OK && i < wk->n; i++) s = push_node(&d, (rec_node){.id = wk->nodes[i].id});
    if (s == GEN_OK) {
        qsort(d.nodes, (size_t)d.n, sizeof *d.nodes, by_id);
        s = check_constraints(f, "assess", choices, &d);
    }
    if (s == GEN_OK)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: assess: %lld of the choices are not the tree's", f->name,
                     (long long)(gen_choicemap_count(choices) - used));
    if (d.nodes) core_free(d.nodes, (size_t)d.cap * sizeof *d.nodes);
    return s;
}

/* The tree's log density from the kernels' assess: grown breadth first (production),
 * then folded children first (aggregation). Arrays stay in the current scope. */
static gen_status walk_tree(comb_mode m, gen_eval *eval, const gen_gf *f, const gen_args *args, const gen_choicemap *choices,
                            gen_array **w, const gen_array **ret) {
    const rec_data *rd = f->data;
    walk wk = {0};
    int64_t root = 0, used = 0;
    gen_status s = root_of(f, "assess", args, &root);
    if (s == GEN_OK) s = walk_push(&wk, (walk_node){.id = root, .input = args->v[0]});
    for (int64_t i = 0; s == GEN_OK && i < wk.n; i++) {
        gen_array *in = (gen_array *)wk.nodes[i].input, *r = NULL;
        gen_args a = {1, &in, args->user};
        const gen_array *kids = NULL;
        int k = 0;
        int64_t id = wk.nodes[i].id;
        s = walk_kernel(m, eval, f, rd->prod, choices, id, p_prod(), &a, w, &r, &used);
        if (s == GEN_OK) s = children_of(f, id, r, &kids, &k);
        if (s != GEN_OK) break;
        wk.nodes[i].prod_ret = r;
        wk.nodes[i].first_child = wk.n;
        wk.nodes[i].n_children = k;
        for (int c = 0; s == GEN_OK && c < k; c++) {
            int64_t cid = 0;
            s = child_id(f, id, c, &cid);
            if (s == GEN_OK) s = walk_push(&wk, (walk_node){.id = cid, .input = gen_tuple_get(kids, c)});
        }
    }
    for (int64_t i = wk.n - 1; s == GEN_OK && i >= 0; i--) {
        const walk_node *nd = &wk.nodes[i];
        gen_array *items[64], **rs = nd->n_children <= 64 ? items : core_alloc((size_t)nd->n_children * sizeof *rs);
        if (!rs) s = GEN_ERR_OOM;
        for (int c = 0; s == GEN_OK && c < nd->n_children; c++) {
            const walk_node *kid = &wk.nodes[nd->first_child + c];
            if (!(rs[c] = (gen_array *)kid->agg_ret))
                s = GEN_FAIL(GEN_ERR_VALUE, "%s: %lld: aggregation: returned no value", f->name, (long long)kid->id);
        }
        gen_array *av[2] = {s == GEN_OK ? gen_tuple_get(nd->prod_ret, 0) : NULL,
                            s == GEN_OK ? gen_tuple(nd->n_children, rs) : NULL};
        if (rs && rs != items) core_free(rs, (size_t)nd->n_children * sizeof *rs);
        if (s == GEN_OK && (!av[0] || !av[1])) s = comb_pending();
        gen_args a = {2, av, args->user};
        gen_array *r = NULL;
        if (s == GEN_OK) s = walk_kernel(m, eval, f, rd->agg, choices, nd->id, p_agg(), &a, w, &r, &used);
        wk.nodes[i].agg_ret = r;
    }
    if (s == GEN_OK) s = walk_check_used(f, choices, &wk, used);
    if (s == GEN_OK) *ret = wk.nodes[0].agg_ret;
    if (wk.nodes) core_free(wk.nodes, (size_t)wk.cap * sizeof *wk.nodes);
    return s;
}

/* Unconstrained assess (gfi_int.h) walks the tree with the kernels' assess, which
 * transforms their selected choices (generate would take the given values as they are). */
static gen_status rec_assess_uc(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices,
                                gen_array **weight, gen_array **retval) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    comb_mode m = comb_enter();
    gen_array *w = NULL;
    const gen_array *ret = NULL;
    s = walk_tree(m, eval, f, args, choices, &w, &ret);
    return comb_return(m, s, w, (gen_array *)ret, weight, retval);
}

/* assess: the tree's log density, grown and folded from the choices by generate with
 * every choice constrained, failing when the choices lack some (generate samples them).
 * In unconstrained mode, the walk above. */
static gen_status rec_assess(const gen_gf *f, gen_eval *eval, const gen_args *args, const gen_choicemap *choices, gen_array **weight,
                             gen_array **retval) {
    if (CORE_UNLIKELY(eval != NULL)) return rec_assess_uc(f, eval, args, choices, weight, retval);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    s = rec_generate(f, gen_key_new(0), args, choices, &tr, &w);
    /* generate samples what choices lack; assess requires every choice given */
    if (s == GEN_OK && gen_choicemap_count(gen_trace_choices(tr)) != gen_choicemap_count(choices))
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: assess: the choices lack some of the tree's choices (%lld given, %lld made)",
                     f->name, (long long)gen_choicemap_count(choices), (long long)gen_choicemap_count(gen_trace_choices(tr)));
    return comb_return(comb_keep(), s, w, s == GEN_OK ? (gen_array *)gen_trace_retval(tr) : NULL, weight, retval);
}

static bool rec_same(const gen_gf *a, const gen_gf *b) {
    const rec_data *x = a->data, *y = b->data;
    return x->max_branch == y->max_branch && gfi_same_gf(x->prod, y->prod) && gfi_same_gf(x->agg, y->agg);
}

static const gfi_vtable rec_vtable = {"recurse",  rec_generate,   rec_assess, rec_project,
                                      rec_update, rec_regenerate, rec_free,   rec_free_trace,
                                      rec_same,   NULL,           NULL};

gen_gf *gen_recurse(const gen_gf *production, const gen_gf *aggregation, int64_t max_branch) {
    if (!production || !aggregation) {
        if (!core_error_pending())
            GEN_FAIL(GEN_ERR_MISUSE, "gen_recurse: the %s kernel is NULL", production ? "aggregation" : "production");
        return NULL;
    }
    if (max_branch < 1) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_recurse: max_branch must be >= 1, got %lld", (long long)max_branch);
        return NULL;
    }
    rec_data *d = core_calloc(1, sizeof *d);
    if (!d) {
        GEN_FAIL(GEN_ERR_OOM, "gen_recurse: out of memory");
        return NULL;
    }
    *d = (rec_data){gen_gf_retain((gen_gf *)production), gen_gf_retain((gen_gf *)aggregation), max_branch};
    char name[128];
    snprintf(name, sizeof name, "recurse(%s, %s)", gen_gf_name(production), gen_gf_name(aggregation));
    return gfi_gf_new(&rec_vtable, name, d);
}
