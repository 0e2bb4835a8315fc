/* reduce_axis.c — ops along one axis: argmax/argmin, cumsum/cumlogsumexp, argsort and
 * sort (a gather through argsort, with the private take_along / scatter_along ops):
 * public functions, shape rules and gradient rules (kernels in cpu_reduce.c). */
#include <math.h>
#include <string.h>

#include "reduce.h"
#include "autodiff_int.h"

/* p for an op along axis of a (normalized); records an error naming op otherwise. */
static gen_status axis_params(const char *op, const gen_array *a, int axis, op_params *p) {
    memset(p, 0, sizeof *p);
    return arr_norm_axis(op, axis, a->ndim, &p->axis);
}

/* Applies op to a (cast to t when needed) with p. */
static gen_array *axis_apply(op_id op, const gen_array *a, gen_dtype t, const op_params *p) {
    if (a->dtype == t) return op_apply1(op, a, p);
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(op_apply1(op, gen_cast(a, t), p));
}

/* ---- argmax / argmin ---- */

gen_status shape_argreduce(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    int ax = c->p->axis;
    s->dtype = GEN_I64;
    s->ndim = 0;
    for (int d = 0; d < a->ndim; d++)
        if (d != ax) s->shape[s->ndim++] = a->shape[d];
        else if (c->p->keepdims) s->shape[s->ndim++] = 1;
    if (a->shape[ax] == 0 && arr_shape_size(s->ndim, s->shape) > 0) {
        char buf[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_VALUE, "%s: axis %d of shape %s is empty", op_table[c->op].name,
                        ax, arr_shape_str(a->ndim, a->shape, buf, sizeof buf));
    }
    return GEN_OK;
}

static gen_array *argreduce(op_id op, const gen_array *a, int axis, bool keepdims) {
    op_params p;
    if (!a) return op_apply1(op, a, NULL);
    if (axis_params(op_table[op].name, a, axis, &p) != GEN_OK) return NULL;
    p.keepdims = keepdims;
    return axis_apply(op, a, a->dtype == GEN_BOOL ? GEN_I64 : (gen_dtype)a->dtype, &p);
}
gen_array *gen_argmax(const gen_array *a, int axis, bool keepdims) {
    return argreduce(OP_ARGMAX, a, axis, keepdims);
}
gen_array *gen_argmin(const gen_array *a, int axis, bool keepdims) {
    return argreduce(OP_ARGMIN, a, axis, keepdims);
}

/* ---- cumulative ops (p.reverse runs them from the end: their transposes) ---- */

static gen_array *cumulate(op_id op, const gen_array *a, int axis, bool reverse) {
    op_params p = {.axis = axis, .reverse = reverse};
    return op_apply1(op, a, &p);
}

gen_array *gen_cumsum(const gen_array *a, int axis) {
    op_params p;
    if (!a) return op_apply1(OP_CUMSUM, a, NULL);
    if (axis_params("cumsum", a, axis, &p) != GEN_OK) return NULL;
    return axis_apply(OP_CUMSUM, a, a->dtype == GEN_BOOL ? GEN_I64 : (gen_dtype)a->dtype, &p);
}
gen_array *vjp_cumsum(const op_call *c, int i, gen_array *g) {
    (void)i;
    return cumulate(OP_CUMSUM, g, c->p->axis, !c->p->reverse);
}
gen_array *jvp_cumsum(const op_call *c, gen_array *const *t) {
    return cumulate(OP_CUMSUM, t[0], c->p->axis, c->p->reverse);
}

gen_array *gen_cumlogsumexp(const gen_array *a, int axis) {
    op_params p;
    if (!a) return op_apply1(OP_CUMLOGSUMEXP, a, NULL);
    if (axis_params("cumlogsumexp", a, axis, &p) != GEN_OK) return NULL;
    return axis_apply(OP_CUMLOGSUMEXP, a, arr_float_type((gen_dtype)a->dtype), &p);
}

/* log of v's positive part (-inf where v <= 0). The inner where keeps log's argument
 * positive, so the derivative is finite everywhere (no 0 * inf in higher orders). */
static gen_array *log_positive(gen_array *v) {
    gen_array *pos = gen_gt(v, red_like(v, 0.0));
    return gen_where(pos, gen_log(gen_where(pos, v, red_like(v, 1.0))), red_like(v, -INFINITY));
}

/* With out_k = log sum_{j<=k} exp(x_j), d out_k / d x_j = exp(x_j - out_k) (j <= k).
 * Sums of such weights times a signed v are split by sign and taken in log space with
 * cumlogsumexp itself, so nothing overflows (x_j <= out_k) and the rules are
 * differentiable again:
 *   VJP  cot_j = sum_{k>=j} g_k exp(x_j - out_k)
 *             = sum_s s exp(x_j + revcumlse(log(s g) - out)_j),
 *   JVP  tan_k = sum_{j<=k} t_j exp(x_j - out_k)
 *             = sum_s s exp(cumlse(log(s t) + x)_k - out_k).
 * out = -inf (all x so far -inf) is replaced by 0, which gives those weights 0. */
static gen_array *cumlse_signed(const op_call *c, gen_array *v, bool vjp) {
    gen_array *x = c->in[0], *out = red_neginf_safe(c->out);
    int axis = c->p->axis;
    bool rev = c->p->reverse;
    gen_array *parts[2];
    for (int s = 0; s < 2; s++) {
        gen_array *lv = log_positive(s == 0 ? v : gen_neg(v));
        parts[s] = vjp ? gen_exp(gen_add(x, cumulate(OP_CUMLOGSUMEXP, gen_sub(lv, out), axis, !rev)))
                       : gen_exp(gen_sub(cumulate(OP_CUMLOGSUMEXP, gen_add(lv, x), axis, rev), out));
    }
    return gen_sub(parts[0], parts[1]);
}
/* The VJP of a forward f64 cumulation is one op (CUMLSE_VJP: a backward recursion per
 * lane, backend/cpu/cpu_reduce.c), recorded like any op when a transform records; other
 * cases take the formula. */
gen_array *vjp_cumlogsumexp(const op_call *c, int i, gen_array *g) {
    (void)i;
    if (!c->p->reverse && c->in[0]->dtype == GEN_F64 && g && g->dtype == GEN_F64 && c->out->dtype == GEN_F64 &&
        g->ndim == c->out->ndim && !memcmp(g->shape, c->out->shape, (size_t)g->ndim * sizeof(int64_t))) {
        gen_array *in[3] = {c->in[0], c->out, g};
        return op_apply(OP_CUMLSE_VJP, 3, in, c->p);
    }
    return cumlse_signed(c, g, true);
}

/* CUMLSE_VJP's own VJP (gradients of gradients): the formula's, as a function of (x, out,
 * g) differentiated by a nested transform. */
typedef struct cumlse_formula {
    const op_params *p;
} cumlse_formula;

static gen_status cumlse_formula_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const cumlse_formula *f = payload;
    op_call c = {OP_CUMLOGSUMEXP, 1, in, f->p, in[1], 1, NULL};
    c.outs = &c.out;
    out[0] = cumlse_signed(&c, in[2], true);
    return out[0] ? GEN_OK : core_error_pending();
}

gen_status vjp_cumlse_vjp(const op_call *c, gen_array *const *cot, gen_array **cin) {
    cumlse_formula f = {c->p};
    return gen_vjp((gen_closure){cumlse_formula_fn, &f}, 3, c->in, 1, cot, NULL, cin);
}
gen_array *jvp_cumlse_vjp(const op_call *c, gen_array *const *t) {
    cumlse_formula f = {c->p};
    gen_array *tan = NULL;
    return gen_jvp((gen_closure){cumlse_formula_fn, &f}, 3, c->in, t, 1, NULL, &tan) == GEN_OK ? tan : NULL;
}

gen_array *jvp_cumlogsumexp(const op_call *c, gen_array *const *t) {
    return cumlse_signed(c, t[0], false);
}

/* ---- argsort and sort ---- */

gen_status shape_argsort(const op_call *c, op_sig *s) {
    op_shape_same(c, s);
    s->dtype = GEN_I64;
    return GEN_OK;
}

gen_array *gen_argsort(const gen_array *a, int axis) {
    op_params p;
    if (!a) return op_apply1(OP_ARGSORT, a, NULL);
    if (axis_params("argsort", a, axis, &p) != GEN_OK) return NULL;
    return axis_apply(OP_ARGSORT, a, a->dtype == GEN_BOOL ? GEN_I64 : (gen_dtype)a->dtype, &p);
}

/* sort(a) = take_along(a, argsort(a)): its gradient scatters back through the
 * permutation. */
gen_array *gen_sort(const gen_array *a, int axis) {
    op_params p;
    if (!a) return op_apply1(OP_ARGSORT, a, NULL);
    if (axis_params("sort", a, axis, &p) != GEN_OK) return NULL;
    if (gen_scope_begin() != GEN_OK) return NULL;
    return arr_scope_return(op_apply2(OP_TAKE_ALONG, a, gen_argsort(a, p.axis), &p));
}

/* take_along(a, idx): idx (i64) has a's shape except along p->axis; the result has
 * idx's shape with result[.., k, ..] = a[.., idx[.., k, ..], ..]. */
gen_status shape_take_along(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0], *ix = c->in[1];
    int ax = c->p->axis;
    bool ok = ix->dtype == GEN_I64 && ix->ndim == a->ndim && ax < a->ndim;
    for (int d = 0; ok && d < a->ndim; d++) ok = d == ax || ix->shape[d] == a->shape[d];
    if (!ok) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "take_along: indices %s %s do not fit %s along axis %d",
                        gen_dtype_name((gen_dtype)ix->dtype),
                        arr_shape_str(ix->ndim, ix->shape, s1, sizeof s1),
                        arr_shape_str(a->ndim, a->shape, s2, sizeof s2), ax);
    }
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = ix->ndim;
    memcpy(s->shape, ix->shape, (size_t)ix->ndim * sizeof *ix->shape);
    return GEN_OK;
}

/* scatter_along(g, idx): zeros of g's shape but p->k long along p->axis, with
 * result[.., idx[.., k, ..], ..] += g[.., k, ..] (the transpose of take_along). */
gen_status shape_scatter_along(const op_call *c, op_sig *s) {
    const gen_array *g = c->in[0], *ix = c->in[1];
    int ax = c->p->axis;
    if (ix->dtype != GEN_I64 || ix->ndim != g->ndim || ax >= g->ndim || c->p->k < 0 ||
        memcmp(ix->shape, g->shape, (size_t)g->ndim * sizeof *g->shape)) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "scatter_along: indices %s %s do not fit values %s",
                        gen_dtype_name((gen_dtype)ix->dtype),
                        arr_shape_str(ix->ndim, ix->shape, s1, sizeof s1),
                        arr_shape_str(g->ndim, g->shape, s2, sizeof s2));
    }
    s->dtype = (gen_dtype)g->dtype;
    s->ndim = g->ndim;
    memcpy(s->shape, g->shape, (size_t)g->ndim * sizeof *g->shape);
    s->shape[ax] = c->p->k;
    return GEN_OK;
}

gen_array *vjp_take_along(const op_call *c, int i, gen_array *g) {
    if (i == 1) return op_zero_vjp(c, i, g);
    op_params p = *c->p;
    p.k = c->in[0]->shape[p.axis];
    return op_apply2(OP_SCATTER_ALONG, g, c->in[1], &p);
}
gen_array *jvp_take_along(const op_call *c, gen_array *const *t) {
    return t[0] ? op_apply2(OP_TAKE_ALONG, t[0], c->in[1], c->p) : op_zero_jvp(c, t);
}
gen_array *vjp_scatter_along(const op_call *c, int i, gen_array *g) {
    if (i == 1) return op_zero_vjp(c, i, g);
    return op_apply2(OP_TAKE_ALONG, g, c->in[1], c->p);
}
gen_array *jvp_scatter_along(const op_call *c, gen_array *const *t) {
    return t[0] ? op_apply2(OP_SCATTER_ALONG, t[0], c->in[1], c->p) : op_zero_jvp(c, t);
}
