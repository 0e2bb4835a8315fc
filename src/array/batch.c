/* batch.c — batched mode (DESIGN decision 9): the particle-axis mark on arrays, the
 * thread's batched-mode state, and the rules op_apply follows for a call with a batched
 * argument (align elementwise arguments by their per-particle shapes, mark results). */
#include <string.h>

#include "op.h"

_Thread_local int64_t arr_batch_n;
/* What each open gen_batch_begin replaced (0 outside batched mode or while suspended). */
#define BATCH_MAX_DEPTH 64
static _Thread_local int64_t batch_saved[BATCH_MAX_DEPTH];
static _Thread_local int batch_depth;

gen_status gen_batch_begin(int64_t n) {
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "gen_batch_begin: the particle count must be >= 1, got %lld", (long long)n);
    if (arr_batch_n != 0 && arr_batch_n != n)
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_batch_begin: batched mode with %lld particles is already on (got %lld; nested batching needs the same count)",
                        (long long)arr_batch_n, (long long)n);
    if (batch_depth == BATCH_MAX_DEPTH)
        return GEN_FAIL(GEN_ERR_MISUSE, "gen_batch_begin: more than %d nested calls", BATCH_MAX_DEPTH);
    batch_saved[batch_depth++] = arr_batch_n;
    arr_batch_n = n;
    return GEN_OK;
}

void gen_batch_end(void) {
    if (batch_depth > 0) arr_batch_n = batch_saved[--batch_depth];
}

int64_t gen_batch_size(void) { return arr_batch_n; }
int64_t gen_batch_suspend(void) { return arr_batch_suspend(); }
void gen_batch_resume(int64_t n) { arr_batch_resume(n); }

bool gen_array_is_batched(const gen_array *a) {
    if (a && CORE_UNLIKELY(arr_dead(a))) return arr_dead_fail("gen_array_is_batched", "the array", a), false;
    return a && a->batched;
}

static gen_array *marked_view(const gen_array *a, bool mark, const char *fn) {
    if (!a) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the array is NULL", fn);
        return NULL;
    }
    if (arr_check_not_tuple(fn, "the argument", a) != GEN_OK) return NULL;
    if (mark && (a->ndim == 0 || (arr_batch_n && a->shape[0] != arr_batch_n))) {
        char buf[ARR_SHAPE_STR_MAX];
        GEN_FAIL(GEN_ERR_SHAPE, "%s: shape %s has no particle axis of %lld", fn,
                 arr_shape_str(a->ndim, a->shape, buf, sizeof buf), (long long)arr_batch_n);
        return NULL;
    }
    int64_t saved = arr_batch_suspend();
    gen_array *v = gen_reshape(a, a->ndim, a->shape); /* a fresh header, tracked by autodiff */
    arr_batch_resume(saved);
    if (v) v->batched = mark;
    return v;
}

gen_array *gen_batched(const gen_array *a) { return marked_view(a, true, "gen_batched"); }
gen_array *gen_unbatched(const gen_array *a) { return marked_view(a, false, "gen_unbatched"); }

/* Every argument marked batched has a particle axis of the running count: a mark made
 * outside batched mode (where it changes nothing) may carry any leading axis. */
static gen_status check_marks(const char *what, int n, gen_array *const *in) {
    for (int i = 0; i < n; i++) {
        const gen_array *a = in[i];
        if (a && a->batched && (a->ndim == 0 || a->shape[0] != arr_batch_n))
            return GEN_FAIL(GEN_ERR_SHAPE, "%s: argument %d is marked batched with %lld particles, batched mode has %lld",
                            what, i, a->ndim ? (long long)a->shape[0] : 0LL, (long long)arr_batch_n);
    }
    return GEN_OK;
}

/* Per-particle rank: the physical rank less the particle axis. */
static int unit_rank(const gen_array *a) { return a->batched ? a->ndim - 1 : a->ndim; }

gen_status arr_batch_align(int n, gen_array **in) {
    int rank = 0;
    for (int i = 0; i < n; i++) {
        if (!in[i]) return core_error_pending() ? core_error_pending() : GEN_ERR_MISUSE;
        if (unit_rank(in[i]) > rank) rank = unit_rank(in[i]);
    }
    if (arr_batch_n && check_marks("batched mode", n, in) != GEN_OK) return GEN_ERR_SHAPE;
    int64_t saved = arr_batch_suspend();
    gen_status s = GEN_OK;
    for (int i = 0; i < n && s == GEN_OK; i++) {
        gen_array *a = in[i];
        int r = unit_rank(a);
        if (!a->batched || r == rank) continue;
        if (rank + 1 > GEN_MAX_DIMS) {
            s = GEN_FAIL(GEN_ERR_SHAPE, "batched mode: %d dims per particle leave no room for the particle axis", rank);
            break;
        }
        int64_t shape[GEN_MAX_DIMS];
        shape[0] = a->shape[0];
        for (int k = 1; k <= rank - r; k++) shape[k] = 1;
        memcpy(shape + 1 + rank - r, a->shape + 1, (size_t)r * sizeof *shape);
        gen_array *v = gen_reshape(a, rank + 1, shape);
        if (!v) s = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
        else {
            v->batched = 1;
            in[i] = v;
        }
    }
    arr_batch_resume(saved);
    return s;
}

/* Elementwise ops broadcast their arguments: these are the ones to align. */
static bool is_elementwise(const op_info *info) {
    return info->shape == op_shape_broadcast || info->shape == op_shape_broadcast_bool ||
           info->shape == shape_where;
}

gen_array *arr_batch_apply(int op_, int n_in, gen_array *const *in, const void *p_) {
    op_id op = (op_id)op_;
    const op_params *p = p_;
    int64_t n = arr_batch_n;
    bool any = false, bad = false, foreign = false;
    for (int i = 0; i < n_in; i++) {
        bool b = in[i] && in[i]->batched;
        any |= b;
        bad |= !in[i] || in[i]->tuple;
        foreign |= b && (in[i]->ndim == 0 || in[i]->shape[0] != n);
    }
    if (CORE_UNLIKELY(foreign) && !bad) return check_marks(op_table[op].name, n_in, in), NULL;
    int64_t saved = arr_batch_suspend();
    gen_array *out;
    if (!any || bad) { /* op_apply reports a NULL, a tuple or a released array */
        out = op_apply(op, n_in, in, p);
    } else if (is_elementwise(&op_table[op]) && n_in <= 8) {
        gen_array *args[8];
        memcpy(args, in, (size_t)n_in * sizeof *args);
        arr_batch_resume(saved);
        gen_status s = gen_scope_begin();
        if (s == GEN_OK) {
            s = arr_batch_align(n_in, args);
            arr_batch_suspend();
            out = s == GEN_OK ? op_apply(op, n_in, args, p) : NULL;
            out = arr_scope_return(out);
        } else {
            arr_batch_suspend();
            out = NULL;
        }
    } else {
        out = op_apply(op, n_in, in, p);
    }
    arr_batch_resume(saved);
    if (out && any && out->ndim >= 1 && out->shape[0] == n) out->batched = 1;
    return out;
}
