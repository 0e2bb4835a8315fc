/* trace_particles.c — picking particles of batched traces: gen_trace_gather (resampling
 * permutes a batch) and gen_trace_where (a batched MCMC step keeps each particle's old
 * or proposed state). A kind with a gather in its table (the dynamic DSL, Map, Unfold
 * and Scan) gathers its own arrays and its callees' traces. Otherwise, and for
 * gen_trace_where, the trace is derived from generate, as the other derived operations
 * are: the picked particles' choices (and per-particle arguments) are assembled with
 * array ops on the particle axis, and the trace is rebuilt by a batched generate with
 * every choice constrained, which works for every kind that runs batched and draws
 * nothing; its cost is that of one batched generate of the whole trace. */
#include "gfi_int.h"

/* The pending error, or GEN_ERR_OOM for a NULL result without one. */
static gen_status pending(void) { return core_error_pending() ? core_error_pending() : GEN_ERR_OOM; }

/* ---- checks ---------------------------------------------------------------------------- */

/* GEN_ERR_MISUSE "<fn>: <what> is NULL" for the first NULL of n (pointer, name) pairs (a
 * NULL object keeps the error already pending that made it), else GEN_OK. */
static gen_status check_nulls(const char *fn, int n, const void *const *p, const char *const *what) {
    for (int i = 0; i < n; i++)
        if (!p[i]) return core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, what[i]);
    return GEN_OK;
}

static gen_status check_batched(const char *fn, const char *what, const gen_trace *tr) {
    if (!tr->batch) return GEN_FAIL(GEN_ERR_VALUE, "%s: %s is not batched (a trace of gen_simulate_batched or gen_generate_batched)", fn, what);
    return GEN_OK;
}

/* index: a 1-D i64 array of m >= 1 entries, each in [0, n) when it is on the host (a
 * device's index is checked by the device's gather). */
static gen_status check_index(const char *fn, const gen_array *index, int64_t n) {
    if (gen_array_is_tuple(index) || gen_array_dtype(index) != GEN_I64 || gen_array_ndim(index) != 1 ||
        gen_array_shape(index)[0] < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the index must be a 1-D i64 array of at least one particle", fn);
    if (gen_array_device(index) != GEN_DEVICE_CPU) return GEN_OK;
    int64_t m = gen_array_shape(index)[0];
    for (int64_t j = 0; j < m; j++) {
        int64_t v = ((const int64_t *)gen_array_data(index))[j];
        if (v < 0 || v >= n)
            return GEN_FAIL(GEN_ERR_INDEX, "%s: index %lld is %lld, outside the trace's %lld particles", fn, (long long)j,
                            (long long)v, (long long)n);
    }
    return GEN_OK;
}

static gen_status check_take(const char *fn, const gen_array *take, int64_t n) {
    if (gen_array_is_tuple(take) || gen_array_dtype(take) != GEN_BOOL || gen_array_ndim(take) != 1 ||
        gen_array_shape(take)[0] != n)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: take_b must be a bool [%lld] array (one entry per particle)", fn, (long long)n);
    return GEN_OK;
}

/* ---- array pieces (batched mode suspended: physical shapes, particle axis first) --------- */

/* v as one value per particle: v itself when batched, else v broadcast to [n, ...]. */
static gen_array *per_particle(const gen_array *v, int64_t n) {
    if (gen_array_is_batched(v)) return (gen_array *)v;
    int nd = gen_array_ndim(v);
    int64_t shape[GEN_MAX_DIMS + 1];
    shape[0] = n;
    for (int k = 0; k < nd; k++) shape[k + 1] = gen_array_shape(v)[k];
    return gen_batched(gen_broadcast_to(v, nd + 1, shape));
}

/* take [n] bool reshaped to broadcast against an [n, ...] value of ndim dims. */
static gen_array *take_for(const gen_array *take, int ndim) {
    int64_t shape[GEN_MAX_DIMS + 1];
    shape[0] = gen_array_shape(take)[0];
    for (int k = 1; k < ndim; k++) shape[k] = 1;
    return gen_reshape(take, ndim, shape);
}

static gen_array *all_true(int64_t n) {
    gen_array *one = gen_scalar_bool(true);
    return gen_broadcast_to(one, 1, &n);
}

/* ---- gather ---------------------------------------------------------------------------- */

/* Within one outermost gen_trace_gather, an array met twice with the same index is
 * picked once: a chain step's return value is its own choice's value and the next
 * step's argument. A small direct-mapped cache of the picks (holding a reference each),
 * emptied when the outermost gather ends. */
enum { MEMO_SLOTS = 64 };
typedef struct pick_memo {
    const gen_array *from[MEMO_SLOTS], *index[MEMO_SLOTS];
    gen_array *to[MEMO_SLOTS];
    int depth; /* gen_trace_gather calls running */
} pick_memo;
static _Thread_local pick_memo memo;

static size_t memo_slot(const gen_array *a) { return ((uintptr_t)a >> 4) % MEMO_SLOTS; }

static void memo_clear(void) {
    for (int i = 0; i < MEMO_SLOTS; i++) {
        gen_array_release(memo.to[i]);
        memo.from[i] = memo.index[i] = memo.to[i] = NULL;
    }
}

static gen_array *pick_array(const gen_array *a, const gen_array *index) {
    size_t k = memo_slot(a);
    if (memo.depth > 0 && memo.from[k] == a && memo.index[k] == index) return memo.to[k];
    gen_array *p = gen_batched(gen_take(a, index, 0));
    if (p && memo.depth > 0) {
        gen_array_release(memo.to[k]);
        memo.from[k] = a, memo.index[k] = index, memo.to[k] = gen_array_retain(p);
    }
    return p;
}

gen_array *gfi_pick_particles(const gen_array *a, const gen_array *index) {
    if (!a) return NULL;
    if (gen_array_is_tuple(a)) {
        int k = gen_tuple_size(a);
        gen_array **items = k ? core_alloc((size_t)k * sizeof *items) : NULL;
        if (k && !items) return NULL;
        bool ok = true;
        for (int i = 0; ok && i < k; i++) ok = (items[i] = gfi_pick_particles(gen_tuple_get(a, i), index)) != NULL;
        gen_array *t = ok ? gen_tuple(k, items) : NULL;
        if (items) core_free(items, (size_t)k * sizeof *items);
        return t;
    }
    if (!gen_array_is_batched(a)) return (gen_array *)a; /* shared by every particle */
    return pick_array(a, index);
}

gen_array *gfi_pick_weights(const gen_array *w, int64_t n, const gen_array *index) {
    if (!w || gen_array_is_batched(w)) return gfi_pick_particles(w, index);
    if (gen_array_ndim(w) == 1 && gen_array_shape(w)[0] == n) return gen_take(w, index, 0);
    return (gen_array *)w;
}

gen_status gfi_pick_args(const gen_args *args, const gen_array *index, gen_args *out) {
    *out = (gen_args){0, NULL, args ? args->user : NULL};
    int n = args ? args->n : 0;
    gen_array **v = n ? core_calloc((size_t)n, sizeof *v) : NULL;
    if (n && !v) return GEN_ERR_OOM;
    *out = (gen_args){n, v, args ? args->user : NULL};
    for (int k = 0; k < n; k++)
        if (!(v[k] = gfi_pick_particles(args->v[k], index))) return pending();
    return GEN_OK;
}

void gfi_picked_args_free(gen_args *a) {
    if (a->n) core_free((void *)a->v, (size_t)a->n * sizeof *a->v);
    *a = (gen_args){0, NULL, NULL};
}

static gen_status gather_choices(const gen_choicemap *m, const gen_array *index, gen_choicemap **out) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_status s = b ? GEN_OK : GEN_ERR_OOM;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        gen_array *v = gfi_pick_particles(it.value, index);
        if (!v) {
            s = pending();
        } else if (it.mask) {
            gen_array *mask = gen_take(it.mask, index, 0);
            s = mask ? gen_choicemap_builder_set_masked(b, &it.addr, v, mask) : core_error_pending();
        } else {
            s = gen_choicemap_builder_set(b, &it.addr, v);
        }
    }
    *out = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (s == GEN_OK && !*out) s = pending();
    if (b) gen_choicemap_builder_free(b);
    return s;
}

/* Rebuilds a trace of like's function for n particles from args and every choice
 * (none drawn). */
static gen_status rebuild(const char *fn, const gen_trace *like, int64_t n, const gen_args *args,
                          const gen_choicemap *choices, gen_trace **out) {
    gen_status s = gen_generate_batched(like->gf, gen_key_new(0), n, args, choices, out, NULL);
    if (s != GEN_OK) core_error_prefix("%s: rebuilding the trace", fn);
    return s;
}

/* The kind's own gather, its result checked for a user kind. */
static gen_status gather_own(const char *fn, const gen_trace *tr, const gen_array *index, gen_trace **out) {
    memo.depth++;
    gen_status s = tr->gf->vt->gather(tr, index, out);
    if (--memo.depth == 0) memo_clear();
    if (tr->gf->user) s = gfi_user_result(tr->gf, fn, s, *out != NULL, "trace");
    if (s == GEN_OK && (*out)->batch != gen_array_shape(index)[0])
        s = GEN_FAIL(GEN_ERR_CALLBACK, "%s: %s (%s) returned a trace of %lld particles for an index of %lld", fn,
                     tr->gf->name, tr->gf->vt->kind, (long long)(*out)->batch, (long long)gen_array_shape(index)[0]);
    return s;
}

/* A kind without a gather: the picked choices and arguments, rebuilt. */
static gen_status gather_by_rebuild(const char *fn, const gen_trace *tr, const gen_array *index, gen_trace **out) {
    gen_args args;
    gen_status s = gfi_pick_args(&tr->args, index, &args);
    const gen_choicemap *choices = s == GEN_OK ? gen_trace_choices(tr) : NULL;
    if (s == GEN_OK && !choices) s = pending();
    gen_choicemap *picked = NULL;
    if (s == GEN_OK) s = gather_choices(choices, index, &picked);
    if (s == GEN_OK) s = rebuild(fn, tr, gen_array_shape(index)[0], &args, picked, out);
    gfi_picked_args_free(&args);
    return s;
}

gen_status gen_trace_gather(const gen_trace *tr, const gen_array *index, gen_trace **out) {
    const char *fn = "gen_trace_gather";
    if (out) *out = NULL;
    gen_status s = check_nulls(fn, 3, (const void *[]){tr, index, out}, (const char *[]){"the trace", "the index", "out"});
    if (s == GEN_OK) s = check_batched(fn, "the trace", tr);
    if (s == GEN_OK) s = check_index(fn, index, tr->batch);
    if (s != GEN_OK || (s = gen_scope_begin()) != GEN_OK) return s;
    int64_t batch = gen_batch_suspend();
    s = tr->gf->vt->gather ? gather_own(fn, tr, index, out) : gather_by_rebuild(fn, tr, index, out);
    gen_batch_resume(batch);
    if (s == GEN_OK) *out = gen_trace_scope_return(*out);
    gen_scope_end();
    return s;
}

/* ---- where ----------------------------------------------------------------------------- */

/* The value of particle i: b's where take[i], else a's, for an address both traces have:
 * the very same array kept as it is; otherwise both per particle and merged, with the
 * merged presence mask (NULL when both are present for every particle). */
static gen_status where_both(const gen_array *take, const gen_array *va, const gen_array *ma, const gen_array *vb,
                             const gen_array *mb, int64_t n, gen_array **v, gen_array **mask) {
    *mask = NULL;
    if (!ma && !mb && gfi_same_value(va, vb)) {
        *v = (gen_array *)va;
        return GEN_OK;
    }
    gen_array *pa = per_particle(va, n), *pb = per_particle(vb, n);
    if (!pa || !pb) return pending();
    *v = gen_batched(gen_where(take_for(take, gen_array_ndim(pa)), pb, pa));
    if (!*v) return pending();
    if (ma || mb) {
        *mask = gen_where(take, mb ? mb : all_true(n), ma ? ma : all_true(n));
        if (!*mask) return pending();
    }
    return GEN_OK;
}

/* One trace's value at an address the other lacks: present where the trace is picked
 * (keep: take for b, not take for a) and it was present. */
static gen_status where_one(const gen_array *keep, const gen_array *v0, const gen_array *m0, int64_t n, gen_array **v,
                            gen_array **mask) {
    *v = per_particle(v0, n);
    *mask = m0 ? gen_logical_and(keep, m0) : (gen_array *)keep;
    return *v && *mask ? GEN_OK : (pending());
}

static gen_status where_choices(const gen_array *take, const gen_choicemap *a, const gen_choicemap *b, int64_t n,
                                gen_choicemap **out) {
    gen_choicemap_builder *bld = gen_choicemap_builder_new();
    gen_array *not_take = gen_logical_not(take);
    gen_status s = bld && not_take ? GEN_OK : (pending());
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, a);
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        const gen_array *vb = gen_choicemap_get_value(b, &it.addr);
        gen_array *v = NULL, *mask = NULL;
        if (vb)
            s = where_both(take, it.value, it.mask, vb, gen_choicemap_mask_at(b, &it.addr), n, &v, &mask);
        else
            s = where_one(not_take, it.value, it.mask, n, &v, &mask);
        if (s == GEN_OK)
            s = mask ? gen_choicemap_builder_set_masked(bld, &it.addr, v, mask) : gen_choicemap_builder_set(bld, &it.addr, v);
    }
    gen_choicemap_iter_init(&it, b);
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        if (gen_choicemap_get_value(a, &it.addr)) continue; /* merged above */
        gen_array *nv = NULL, *nm = NULL;
        s = where_one(take, it.value, it.mask, n, &nv, &nm);
        if (s == GEN_OK) s = gen_choicemap_builder_set_masked(bld, &it.addr, nv, nm);
    }
    *out = s == GEN_OK ? gen_choicemap_builder_finish(bld) : NULL;
    if (s == GEN_OK && !*out) s = pending();
    if (bld) gen_choicemap_builder_free(bld);
    return s;
}

gen_status gen_trace_where(const gen_array *take_b, const gen_trace *a, const gen_trace *b, gen_trace **out) {
    const char *fn = "gen_trace_where";
    if (out) *out = NULL;
    gen_status s = check_nulls(fn, 4, (const void *[]){take_b, a, b, out}, (const char *[]){"take_b", "trace a", "trace b", "out"});
    if (s == GEN_OK) s = check_batched(fn, "trace a", a);
    if (s == GEN_OK) s = check_batched(fn, "trace b", b);
    if (s != GEN_OK) return s;
    if (a->batch != b->batch)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: trace a has %lld particles, trace b %lld", fn, (long long)a->batch,
                        (long long)b->batch);
    if (!gfi_same_gf(a->gf, b->gf))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the traces are of different generative functions (%s, %s)", fn, a->gf->name,
                        b->gf->name);
    if (a->args.n != b->args.n)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: trace a has %d arguments, trace b %d", fn, a->args.n, b->args.n);
    if ((s = check_take(fn, take_b, a->batch)) != GEN_OK || (s = gen_scope_begin()) != GEN_OK) return s;
    int64_t batch = gen_batch_suspend(), n = a->batch;
    gen_array **argv = a->args.n ? core_calloc((size_t)a->args.n, sizeof *argv) : NULL;
    if (a->args.n && !argv) s = GEN_ERR_OOM;
    for (int k = 0; s == GEN_OK && k < a->args.n; k++) {
        gen_array *mask = NULL;
        s = where_both(take_b, a->args.v[k], NULL, b->args.v[k], NULL, n, &argv[k], &mask);
        if (s != GEN_OK) core_error_prefix("%s: argument %d", fn, k);
    }
    const gen_choicemap *ca = s == GEN_OK ? gen_trace_choices(a) : NULL, *cb = ca ? gen_trace_choices(b) : NULL;
    if (s == GEN_OK && !cb) s = core_error_pending();
    gen_choicemap *merged = NULL;
    if (s == GEN_OK) s = where_choices(take_b, ca, cb, n, &merged);
    if (s == GEN_OK) s = rebuild(fn, a, n, &(gen_args){a->args.n, argv, a->args.user}, merged, out);
    if (argv) core_free(argv, (size_t)a->args.n * sizeof *argv);
    gen_batch_resume(batch);
    if (s == GEN_OK) *out = gen_trace_scope_return(*out);
    gen_scope_end();
    return s;
}
