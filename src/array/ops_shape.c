/* ops_shape.c — shape ops: public functions, shape rules and gradient rules (rows in
 * ops_shape.def, kernels in backend/cpu/cpu_shape.c). */
#include <string.h>

#include "backend_api.h"
#include "op.h"

/* ---- permute / transpose ---- */

gen_status shape_permute(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = a->ndim;
    for (int i = 0; i < a->ndim; i++) s->shape[i] = a->shape[c->p->axes[i]];
    return GEN_OK;
}
gen_array *vjp_permute(const op_call *c, int i, gen_array *g) {
    (void)i;
    int inv[GEN_MAX_DIMS];
    for (int k = 0; k < c->p->naxes; k++) inv[c->p->axes[k]] = k;
    return gen_permute(g, c->p->naxes, inv);
}
gen_array *jvp_permute(const op_call *c, gen_array *const *t) {
    return gen_permute(t[0], c->p->naxes, c->p->axes);
}

gen_array *gen_permute(const gen_array *a, int naxes, const int *perm) {
    if (!a) return arr_null("permute", "the array");
    if (naxes > 0 && !perm) return arr_null("permute", "perm");
    if (naxes != a->ndim || (naxes && !perm)) {
        GEN_FAIL(GEN_ERR_VALUE, "permute: %d axes given for an array of %d dimensions", naxes, a->ndim);
        return NULL;
    }
    op_params p = {.naxes = naxes};
    bool seen[GEN_MAX_DIMS] = {false};
    for (int i = 0; i < naxes; i++) {
        int ax;
        if (arr_norm_axis("permute", perm[i], a->ndim, &ax) != GEN_OK) return NULL;
        if (seen[ax]) {
            GEN_FAIL(GEN_ERR_VALUE, "permute: axis %d appears twice", perm[i]);
            return NULL;
        }
        seen[ax] = true;
        p.axes[i] = ax;
    }
    return op_apply1(OP_PERMUTE, a, &p);
}

gen_array *gen_transpose(const gen_array *a) {
    if (!a) return arr_null("transpose", "the array");
    int perm[GEN_MAX_DIMS];
    int n = a ? a->ndim : 0;
    for (int i = 0; i < n; i++) perm[i] = n - 1 - i;
    return gen_permute(a, n, perm);
}

gen_array *gen_matrix_transpose(const gen_array *a) {
    if (!a) return arr_null("matrix_transpose", "the array");
    if (a && a->ndim < 2) {
        GEN_FAIL(GEN_ERR_SHAPE, "matrix_transpose: needs at least 2 dimensions, got %d", a->ndim);
        return NULL;
    }
    int perm[GEN_MAX_DIMS];
    int n = a ? a->ndim : 0;
    for (int i = 0; i < n; i++) perm[i] = i;
    if (n >= 2) perm[n - 2] = n - 1, perm[n - 1] = n - 2;
    return gen_permute(a, n, perm);
}

/* ---- expand_dims / squeeze: reshapes ---- */

gen_array *gen_expand_dims(const gen_array *a, int axis) {
    if (!a) return arr_null("expand_dims", "the array");
    if (a->ndim == GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "expand_dims: already %d dimensions", GEN_MAX_DIMS);
        return NULL;
    }
    int ax;
    if (arr_norm_axis("expand_dims", axis, a->ndim + 1, &ax) != GEN_OK) return NULL;
    int64_t shape[GEN_MAX_DIMS];
    for (int i = 0, j = 0; i <= a->ndim; i++) shape[i] = i == ax ? 1 : a->shape[j++];
    return gen_reshape(a, a->ndim + 1, shape);
}

gen_array *gen_squeeze(const gen_array *a, int naxes, const int *axes) {
    if (!a) return arr_null("squeeze", "the array");
    if (naxes > 0 && !axes) return arr_null("squeeze", "axes");
    if (naxes < 0) {
        GEN_FAIL(GEN_ERR_VALUE, "squeeze: %d axes given", naxes);
        return NULL;
    }
    bool drop[GEN_MAX_DIMS] = {false};
    if (naxes == 0) {
        for (int d = 0; d < a->ndim; d++) drop[d] = a->shape[d] == 1;
    } else {
        for (int k = 0; k < naxes; k++) {
            int ax;
            if (arr_norm_axis("squeeze", axes[k], a->ndim, &ax) != GEN_OK) return NULL;
            if (a->shape[ax] != 1) {
                GEN_FAIL(GEN_ERR_SHAPE, "squeeze: axis %d has size %lld, not 1", axes[k],
                         (long long)a->shape[ax]);
                return NULL;
            }
            drop[ax] = true;
        }
    }
    int64_t shape[GEN_MAX_DIMS];
    int n = 0;
    for (int d = 0; d < a->ndim; d++)
        if (!drop[d]) shape[n++] = a->shape[d];
    return gen_reshape(a, n, shape);
}

/* ---- concatenate / stack ---- */

/* in[i]'s offset along the axis in the result (the sizes of the arrays before it). */
static int64_t concat_offset(const op_call *c, int i) {
    int64_t off = 0;
    for (int k = 0; k < i; k++) off += c->in[k]->shape[c->p->axis];
    return off;
}

gen_status shape_concatenate(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    int axis = c->p->axis;
    op_shape_same(c, s);
    s->shape[axis] = 0;
    for (int i = 0; i < c->n_in; i++) {
        const gen_array *b = c->in[i];
        bool ok = b->ndim == a->ndim && b->dtype == a->dtype;
        for (int d = 0; ok && d < a->ndim; d++) ok = d == axis || b->shape[d] == a->shape[d];
        if (!ok) {
            char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
            return GEN_FAIL(GEN_ERR_SHAPE,
                            "concatenate: shapes %s %s (array 0) and %s %s (array %d) must match "
                            "except along axis %d",
                            gen_dtype_name((gen_dtype)a->dtype),
                            arr_shape_str(a->ndim, a->shape, s1, sizeof s1),
                            gen_dtype_name((gen_dtype)b->dtype),
                            arr_shape_str(b->ndim, b->shape, s2, sizeof s2), i, axis);
        }
        if (__builtin_add_overflow(s->shape[axis], b->shape[axis], &s->shape[axis]))
            return GEN_FAIL(GEN_ERR_SHAPE, "concatenate: the extents along axis %d add up to more than %lld (at array %d)",
                            axis, (long long)INT64_MAX, i);
    }
    return GEN_OK; /* the allocation checks the whole shape */
}
gen_array *vjp_concatenate(const op_call *c, int i, gen_array *g) {
    int64_t off = concat_offset(c, i);
    return gen_slice(g, c->p->axis, off, off + c->in[i]->shape[c->p->axis], 1);
}
gen_array *jvp_concatenate(const op_call *c, gen_array *const *t) {
    gen_array **tans = core_alloc((size_t)c->n_in * sizeof *tans);
    if (!tans) return NULL;
    for (int i = 0; i < c->n_in; i++) /* zero tangents are spelled out: concatenate needs all */
        tans[i] = t[i] ? t[i]
                       : gen_zeros((gen_dtype)c->out->dtype, c->in[i]->ndim, c->in[i]->shape);
    gen_array *r = gen_concatenate(c->n_in, tans, c->p->axis);
    core_free(tans, (size_t)c->n_in * sizeof *tans);
    return r;
}

/* Checks the argument list of a variadic op; a NULL array keeps the error already
 * recorded (NULL propagates). */
static bool arrays_valid(const char *op, int n, gen_array *const *arrays) {
    if (n < 1) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: needs at least one array (got %d)", op, n);
        return false;
    }
    if (!arrays) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the list of arrays is NULL", op);
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (!arrays[i]) {
            if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: array %d is NULL", op, i);
            return false;
        }
    }
    return true;
}

gen_array *gen_concatenate(int n, gen_array *const *arrays, int axis) {
    if (!arrays_valid("concatenate", n, arrays)) return NULL;
    if (arrays[0]->ndim == 0) {
        GEN_FAIL(GEN_ERR_SHAPE, "concatenate: cannot concatenate 0-d arrays (use gen_stack)");
        return NULL;
    }
    op_params p = {0};
    if (arr_norm_axis("concatenate", axis, arrays[0]->ndim, &p.axis) != GEN_OK) return NULL;
    gen_dtype t = (gen_dtype)arrays[0]->dtype;
    bool mixed = false;
    for (int i = 1; i < n; i++) {
        mixed |= arrays[i]->dtype != t;
        t = arr_promote(t, (gen_dtype)arrays[i]->dtype);
    }
    if (!mixed) return op_apply(OP_CONCATENATE, n, arrays, &p);
    /* Promote every argument to the widest dtype first. */
    gen_array **cast = core_alloc((size_t)n * sizeof *cast);
    if (!cast) return NULL;
    if (gen_scope_begin() != GEN_OK) {
        core_free(cast, (size_t)n * sizeof *cast);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        cast[i] = arrays[i]->dtype == t ? arrays[i] : gen_cast(arrays[i], t);
    gen_array *r = op_apply(OP_CONCATENATE, n, cast, &p);
    core_free(cast, (size_t)n * sizeof *cast);
    return arr_scope_return(r);
}

gen_array *gen_stack(int n, gen_array *const *arrays, int axis) {
    if (!arrays_valid("stack", n, arrays)) return NULL;
    const gen_array *a = arrays[0];
    for (int i = 1; i < n; i++) {
        const gen_array *b = arrays[i];
        if (b->ndim != a->ndim || memcmp(b->shape, a->shape, (size_t)a->ndim * sizeof *a->shape)) {
            char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
            GEN_FAIL(GEN_ERR_SHAPE, "stack: shapes %s (array 0) and %s (array %d) differ",
                     arr_shape_str(a->ndim, a->shape, s1, sizeof s1),
                     arr_shape_str(b->ndim, b->shape, s2, sizeof s2), i);
            return NULL;
        }
    }
    if (a->ndim == GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "stack: arrays already have %d dimensions", GEN_MAX_DIMS);
        return NULL;
    }
    int ax;
    if (arr_norm_axis("stack", axis, a->ndim + 1, &ax) != GEN_OK) return NULL;
    int64_t shape[GEN_MAX_DIMS], size; /* the result's, checked here to name stack */
    for (int d = 0, k = 0; d <= a->ndim; d++) shape[d] = d == ax ? n : a->shape[k++];
    if (arr_shape_count("stack", a->ndim + 1, shape, &size) != GEN_OK) return NULL;
    gen_array **ex = core_alloc((size_t)n * sizeof *ex);
    if (!ex) return NULL;
    if (gen_scope_begin() != GEN_OK) {
        core_free(ex, (size_t)n * sizeof *ex);
        return NULL;
    }
    /* Each argument gets a size-1 axis (a view), then they are concatenated along it. */
    for (int i = 0; i < n; i++) ex[i] = gen_expand_dims(arrays[i], ax);
    gen_array *r = gen_concatenate(n, ex, ax);
    core_free(ex, (size_t)n * sizeof *ex);
    return arr_scope_return(r);
}

/* ---- slice and flip (flip is the slice start n-1, step -1 of the whole axis) ---- */

/* p->start: first index, p->step, p->k: number of elements taken along p->axis. */
gen_status shape_slice(const op_call *c, op_sig *s) {
    op_shape_same(c, s);
    s->shape[c->p->axis] = c->p->k;
    return GEN_OK;
}
gen_array *vjp_slice(const op_call *c, int i, gen_array *g) {
    (void)i;
    const op_params *p = c->p;
    const gen_array *a = c->in[0];
    /* Scatter g into zeros at the selected positions start, start+step, ... */
    gen_array *idx = arr_alloc("slice", GEN_I64, 1, &p->k);
    if (!idx) return NULL;
    int64_t *ix = idx->data;
    for (int64_t j = 0; j < p->k; j++) ix[j] = p->start + j * p->step;
    idx = arr_publish(arr_to_creation_device("slice", idx)); /* beside g (autodiff follows its device) */
    gen_array *z = gen_zeros((gen_dtype)g->dtype, a->ndim, a->shape);
    return gen_index_add(z, p->axis, idx, g);
}
gen_array *jvp_slice(const op_call *c, gen_array *const *t) {
    return op_apply1(OP_SLICE, t[0], c->p);
}

/* Python's slice normalization of (start, stop, step) over n elements: the first
 * index and the number of elements. */
static void slice_norm(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *first,
                       int64_t *count) {
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1; /* clamping range */
    if (start < 0) start = start < -n ? lo : start + n; /* start + n cannot overflow here */
    if (start > hi) start = hi;
    if (start < lo) start = lo;
    if (stop == GEN_END) stop = step > 0 ? n : -1;
    else if (stop < 0) stop = stop < -n ? lo : stop + n;
    if (stop > hi) stop = hi;
    if (stop < lo) stop = lo;
    /* |step| as unsigned: step may be INT64_MIN. */
    uint64_t as = step > 0 ? (uint64_t)step : (uint64_t)0 - (uint64_t)step;
    int64_t span = step > 0 ? stop - start : start - stop;
    *first = start;
    *count = span > 0 ? (int64_t)(1 + (uint64_t)(span - 1) / as) : 0;
}

gen_array *gen_slice(const gen_array *a, int axis, int64_t start, int64_t stop, int64_t step) {
    if (!a) return op_apply1(OP_SLICE, a, NULL);
    op_params p = {0};
    if (step == 0) {
        GEN_FAIL(GEN_ERR_VALUE, "slice: step must not be 0");
        return NULL;
    }
    if (arr_norm_axis("slice", axis, a->ndim, &p.axis) != GEN_OK) return NULL;
    slice_norm(a->shape[p.axis], start, stop, step, &p.start, &p.k);
    p.step = step;
    p.stop = p.k ? p.start + (p.k - 1) * step + (step > 0 ? 1 : -1) : p.start;
    return op_apply1(OP_SLICE, a, &p);
}

gen_array *vjp_flip(const op_call *c, int i, gen_array *g) {
    (void)i;
    return op_apply1(OP_FLIP, g, c->p);
}
gen_array *jvp_flip(const op_call *c, gen_array *const *t) {
    return op_apply1(OP_FLIP, t[0], c->p);
}

gen_array *gen_flip(const gen_array *a, int axis) {
    if (!a) return op_apply1(OP_FLIP, a, NULL);
    op_params p = {0};
    if (arr_norm_axis("flip", axis, a->ndim, &p.axis) != GEN_OK) return NULL;
    p.k = a->shape[p.axis];
    p.start = p.k - 1;
    p.step = -1;
    p.stop = -1;
    return op_apply1(OP_FLIP, a, &p);
}

/* ---- tile ---- */

/* The argument has been reshaped to p->ndim dims; p->shape holds the reps. */
gen_status shape_tile(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = a->ndim;
    for (int d = 0; d < a->ndim; d++) {
        if (a->shape[d] && c->p->shape[d] > INT64_MAX / 16 / a->shape[d])
            return GEN_FAIL(GEN_ERR_SHAPE, "tile: result is too large");
        s->shape[d] = a->shape[d] * c->p->shape[d];
    }
    return arr_check_shape("tile", s->ndim, s->shape);
}
gen_array *vjp_tile(const op_call *c, int i, gen_array *g) {
    (void)i;
    const gen_array *a = c->in[0];
    /* Axis by axis: view g as [P, reps, dim, Q] and sum the reps out (4 dims at most,
     * whatever a's rank). */
    int64_t before = 1;
    for (int d = 0; d < a->ndim && g; d++) {
        int64_t r = c->p->shape[d], after = 1;
        for (int e = d + 1; e < a->ndim; e++) after *= a->shape[e] * c->p->shape[e];
        if (r != 1)
            g = gen_sum(gen_reshape(g, GEN_DIMS(before, r, a->shape[d], after)), GEN_AXES(1),
                        false);
        before *= a->shape[d];
    }
    return gen_reshape(g, a->ndim, a->shape);
}
gen_array *jvp_tile(const op_call *c, gen_array *const *t) {
    return op_apply1(OP_TILE, t[0], c->p);
}

gen_array *gen_tile(const gen_array *a, int nreps, const int64_t *reps) {
    if (!a) return arr_null("tile", "the array");
    if (nreps > 0 && !reps) return arr_null("tile", "reps");
    if (nreps < 0 || nreps > GEN_MAX_DIMS || (nreps && !reps)) {
        GEN_FAIL(GEN_ERR_VALUE, "tile: %d reps given (at most %d)", nreps, GEN_MAX_DIMS);
        return NULL;
    }
    /* NumPy: the shorter of a's shape and reps is padded with leading 1s. */
    op_params p = {.ndim = nreps > a->ndim ? nreps : a->ndim};
    int64_t shape[GEN_MAX_DIMS];
    for (int d = 0; d < p.ndim; d++) {
        int ia = d - (p.ndim - a->ndim), ir = d - (p.ndim - nreps);
        shape[d] = ia >= 0 ? a->shape[ia] : 1;
        p.shape[d] = ir >= 0 ? reps[ir] : 1;
        if (p.shape[d] < 0) {
            GEN_FAIL(GEN_ERR_VALUE, "tile: reps[%d] = %lld is negative", ir, (long long)p.shape[d]);
            return NULL;
        }
    }
    if (p.ndim == a->ndim) return op_apply1(OP_TILE, a, &p);
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(op_apply1(OP_TILE, gen_reshape(a, p.ndim, shape), &p));
}
