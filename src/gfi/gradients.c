/* gradients.c — the GFI's gradient operations (Gen.jl's choice_gradients and
 * accumulate_param_gradients!), generic over every kind: the objective
 *   log p(tr's choices; args) + retgrad . retval
 * is one gen_assess of the trace's function, run under a reverse-mode transform whose
 * inputs are the selected choices' values (put back into the trace's choice map) and the
 * arguments that have gradients; parameters enter through gen_params_value_and_grad. A
 * batched trace is assessed in batched mode and its particles' objectives summed. */
#include <string.h>

#include "params_int.h"

typedef struct objective {
    const gen_trace *tr;
    int n_sel;                  /* selected choices (choice_gradients), inputs 0 .. n_sel-1 */
    const gen_addr *addrs;      /* their addresses */
    const gen_choicemap *rest;  /* the choices not selected (all of them when n_sel is 0) */
    int n_arg;                  /* arguments with gradients, inputs n_sel .. */
    const int *arg_idx;         /* their indices among the trace's arguments */
    const gen_array *retgrad;   /* NULL: none */
} objective;

/* a as the trace had it: marked batched when like is (a transform's leaf is a plain view). */
static gen_array *like_marked(gen_array *a, const gen_array *like) {
    if (!gen_array_is_batched(like) || gen_array_is_batched(a)) return a;
    int64_t saved = gen_batch_suspend();
    a = gen_batched(a);
    gen_batch_resume(saved);
    return a;
}

static gen_status objective_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const objective *o = payload;
    const gen_trace *tr = o->tr;
    const gen_args *ta = &tr->args;
    gen_status st = GEN_OK;
    gen_array *small[8], **v = ta->n <= 8 ? small : core_alloc((size_t)ta->n * sizeof *v);
    if (!v) return GEN_ERR_OOM;
    for (int i = 0; i < ta->n; i++) v[i] = ta->v[i];
    for (int k = 0; k < o->n_arg; k++) v[o->arg_idx[k]] = like_marked(in[o->n_sel + k], ta->v[o->arg_idx[k]]);
    gen_args args = {ta->n, v, ta->user};
    const gen_choicemap *cm = o->rest;
    if (o->n_sel) {
        gen_choicemap_builder *b = gen_choicemap_builder_new();
        if (!b) st = GEN_ERR_OOM;
        const gen_choicemap *all = gfi_trace_choices(tr);
        for (int k = 0; k < o->n_sel && st == GEN_OK; k++)
            st = gen_choicemap_builder_set(b, &o->addrs[k],
                                           like_marked(in[k], gen_choicemap_get_value(all, &o->addrs[k])));
        gen_choicemap *sel = st == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
        gen_choicemap_builder_free(b);
        cm = sel ? gen_choicemap_merge(o->rest, sel) : NULL;
        if (!cm && st == GEN_OK) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    gen_array *w = NULL, *ret = NULL;
    if (st == GEN_OK) st = gfi_batch_enter(tr->batch);
    if (st == GEN_OK) {
        st = gen_assess(tr->gf, &args, cm, &w, o->retgrad ? &ret : NULL);
        gfi_batch_leave(tr->batch);
    }
    if (st == GEN_OK && o->retgrad && !ret)
        st = GEN_FAIL(GEN_ERR_VALUE, "%s: the function returned no value this time", tr->gf->name);
    if (st == GEN_OK) {
        int64_t saved = gen_batch_suspend(); /* physical shapes: everything summed */
        gen_array *total = gen_sum(w, 0, NULL, false);
        if (o->retgrad) total = gen_add(total, gen_sum(gen_mul(o->retgrad, ret), 0, NULL, false));
        gen_batch_resume(saved);
        if (!(out[0] = total)) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    }
    if (v != small) core_free(v, (size_t)ta->n * sizeof *v);
    return st;
}

/* The arguments of tr that have gradients (float arrays its function annotates as
 * differentiable), into idx (tr's argument count entries); their count. */
static int grad_args(const gen_trace *tr, int *idx) {
    int k = 0;
    for (int i = 0; i < tr->args.n; i++) {
        const gen_array *a = tr->args.v[i];
        gen_dtype t = gen_array_dtype(a);
        if (!gen_array_is_tuple(a) && (t == GEN_F64 || t == GEN_F32) && gen_gf_has_argument_grad(tr->gf, i)) idx[k++] = i;
    }
    return k;
}

/* The trace is usable and retgrad (if any) fits its return value. */
static gen_status check_trace(const char *fn, const gen_trace *tr, const gen_array *retgrad) {
    if (!tr) {
        gen_status p = core_error_pending();
        return p ? p : GEN_FAIL(GEN_ERR_MISUSE, "%s: the trace is NULL", fn);
    }
    if (core_dead(tr)) return gfi_dead_fail(fn, "the trace", tr, "a trace");
    if (!gfi_trace_ready(tr)) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    if (!retgrad) return GEN_OK;
    if (core_dead(retgrad)) return core_dead_fail(fn, "retgrad", retgrad, "an array");
    const gen_array *r = tr->retval;
    if (!r) return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: retgrad given, but the trace has no return value", fn, tr->gf->name);
    if (gen_array_is_tuple(r) || gen_array_is_tuple(retgrad))
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s: a return value gradient for a tuple", fn, tr->gf->name);
    int nd = gen_array_ndim(r);
    if (nd != gen_array_ndim(retgrad) || memcmp(gen_array_shape(r), gen_array_shape(retgrad), (size_t)nd * sizeof(int64_t))) {
        char a[ARR_SHAPE_STR_MAX], b[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %s: retgrad has shape %s, the return value %s", fn, tr->gf->name,
                        arr_shape_str(gen_array_ndim(retgrad), gen_array_shape(retgrad), a, sizeof a),
                        arr_shape_str(nd, gen_array_shape(r), b, sizeof b));
    }
    return GEN_OK;
}

gen_status gen_accumulate_param_gradients(const gen_trace *tr, gen_params *store, const gen_array *retgrad,
                                          double scale, gen_array **arg_grads) {
    const char *fn = "gen_accumulate_param_gradients";
    int n_args = tr && !core_dead(tr) ? tr->args.n : 0;
    for (int i = 0; arg_grads && i < n_args; i++) arg_grads[i] = NULL;
    gen_status st = check_trace(fn, tr, retgrad);
    if (st == GEN_OK && !store) st = GEN_FAIL(GEN_ERR_MISUSE, "%s: the store is NULL", fn);
    if (st != GEN_OK) return st;
    int small[8], *idx = n_args <= 8 ? small : core_alloc((size_t)n_args * sizeof *idx);
    gen_array *gsmall[8], **g = n_args <= 8 ? gsmall : core_calloc((size_t)n_args, sizeof *g);
    gen_array *psmall[8], **primals = n_args <= 8 ? psmall : core_calloc((size_t)n_args, sizeof *primals);
    if (!idx || !g || !primals) st = GEN_ERR_OOM;
    int k = st == GEN_OK ? grad_args(tr, idx) : 0;
    for (int i = 0; i < k; i++) primals[i] = tr->args.v[idx[i]];
    objective o = {tr, 0, NULL, gfi_trace_choices(tr), k, idx, retgrad};
    if (st == GEN_OK)
        st = gen_params_value_and_grad(store, (gen_closure){objective_fn, &o}, k, primals, scale, NULL, arg_grads ? g : NULL);
    if (st == GEN_OK && arg_grads)
        for (int i = 0; i < k; i++) arg_grads[idx[i]] = g[i];
    if (st != GEN_OK && core_error_pending() && !strstr(gen_error_message(), fn)) core_error_prefix("%s", fn);
    if (idx && idx != small) core_free(idx, (size_t)n_args * sizeof *idx);
    if (g && g != gsmall) core_free(g, (size_t)n_args * sizeof *g);
    if (primals && primals != psmall) core_free(primals, (size_t)n_args * sizeof *primals);
    return st;
}

/* ---- choice_gradients ---- */

typedef struct sel_list {
    const char *fn;
    const gen_trace *tr;
    int n, cap;
    gen_addr *addrs;
    gen_array **vals;
} sel_list;

static gen_status collect(void *ud, const gen_addr *addr, const gen_array *v) {
    sel_list *l = ud;
    char buf[GEN_ADDR_FORMAT_MAX];
    if (gen_array_is_tuple(v) || (gen_array_dtype(v) != GEN_F64 && gen_array_dtype(v) != GEN_F32)) {
        gen_addr_format(addr, buf, sizeof buf);
        return GEN_FAIL(GEN_ERR_DTYPE, "%s: %s: the selected choice at %s is discrete (%s): only continuous choices "
                        "have gradients", l->fn, l->tr->gf->name, buf,
                        gen_array_is_tuple(v) ? "a tuple" : gen_dtype_name(gen_array_dtype(v)));
    }
    if (gen_choicemap_mask_at(gfi_trace_choices(l->tr), addr)) {
        gen_addr_format(addr, buf, sizeof buf);
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s: the selected choice at %s is masked (present for some particles "
                        "only)", l->fn, l->tr->gf->name, buf);
    }
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        gen_addr *a = core_realloc(l->addrs, (size_t)l->cap * sizeof *a, (size_t)cap * sizeof *a);
        if (!a) return GEN_ERR_OOM;
        l->addrs = a;
        gen_array **w = core_realloc(l->vals, (size_t)l->cap * sizeof *w, (size_t)cap * sizeof *w);
        if (!w) return GEN_ERR_OOM;
        l->vals = w;
        l->cap = cap;
    }
    l->addrs[l->n] = *addr;
    l->vals[l->n++] = (gen_array *)v;
    return GEN_OK;
}

gen_status gen_choice_gradients(const gen_trace *tr, const gen_selection *sel, const gen_array *retgrad,
                                gen_array **arg_grads, gen_choicemap **values, gen_choicemap **grads) {
    const char *fn = "gen_choice_gradients";
    int n_args = tr && !core_dead(tr) ? tr->args.n : 0;
    for (int i = 0; arg_grads && i < n_args; i++) arg_grads[i] = NULL;
    if (values) *values = NULL;
    if (grads) *grads = NULL;
    gen_status st = check_trace(fn, tr, retgrad);
    if (st == GEN_OK && !sel) {
        gen_status p = core_error_pending();
        st = p ? p : GEN_FAIL(GEN_ERR_MISUSE, "%s: the selection is NULL", fn);
    }
    if (st == GEN_OK && core_dead(sel)) st = gfi_dead_fail(fn, "the selection", sel, "a selection");
    if (st != GEN_OK) return st;
    if ((st = gen_scope_begin()) != GEN_OK) return st;
    const gen_choicemap *all = gfi_trace_choices(tr);
    gen_choicemap *picked = gen_choicemap_restrict(all, sel), *rest = gen_choicemap_restrict_complement(all, sel);
    if (!picked || !rest) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    sel_list l = {fn, tr, 0, 0, NULL, NULL};
    if (st == GEN_OK) st = gen_choicemap_foreach(picked, collect, &l);
    int total = l.n + n_args;
    int *idx = core_alloc(((size_t)n_args + 1) * sizeof *idx);
    gen_array **in = core_calloc((size_t)total + 1, sizeof *in), **g = core_calloc((size_t)total + 1, sizeof *g);
    if (st == GEN_OK && (!idx || !in || !g)) st = GEN_ERR_OOM;
    int k = st == GEN_OK ? grad_args(tr, idx) : 0;
    for (int i = 0; i < l.n; i++) in[i] = l.vals[i];
    for (int i = 0; i < k; i++) in[l.n + i] = tr->args.v[idx[i]];
    objective o = {tr, l.n, l.addrs, rest, k, idx, retgrad};
    if (st == GEN_OK) st = gen_grad((gen_closure){objective_fn, &o}, l.n + k, in, g);
    gen_choicemap *gm = NULL;
    if (st == GEN_OK && grads) {
        gen_choicemap_builder *b = gen_choicemap_builder_new();
        if (!b) st = GEN_ERR_OOM;
        for (int i = 0; i < l.n && st == GEN_OK; i++)
            st = gen_choicemap_builder_set(b, &l.addrs[i], like_marked(g[i], l.vals[i]));
        if (st == GEN_OK && !(gm = gen_choicemap_builder_finish(b))) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
        gen_choicemap_builder_free(b);
    }
    if (st == GEN_OK && values && !(*values = gen_choicemap_scope_return(picked))) st = GEN_ERR_OOM;
    if (st == GEN_OK && grads && !(*grads = gen_choicemap_scope_return(gm))) st = GEN_ERR_OOM;
    for (int i = 0; st == GEN_OK && arg_grads && i < k; i++)
        if (!(arg_grads[idx[i]] = gen_scope_return(g[l.n + i]))) st = GEN_ERR_OOM;
    if (st != GEN_OK) {
        if (core_error_pending() && !strstr(gen_error_message(), fn)) core_error_prefix("%s", fn);
        if (values) *values = NULL;
        if (grads) *grads = NULL;
        for (int i = 0; arg_grads && i < n_args; i++) arg_grads[i] = NULL;
    }
    gen_scope_end();
    core_free(l.addrs, (size_t)l.cap * sizeof *l.addrs);
    core_free(l.vals, (size_t)l.cap * sizeof *l.vals);
    core_free(idx, idx ? ((size_t)n_args + 1) * sizeof *idx : 0);
    core_free(in, in ? ((size_t)total + 1) * sizeof *in : 0);
    core_free(g, g ? ((size_t)total + 1) * sizeof *g : 0);
    return st;
}
