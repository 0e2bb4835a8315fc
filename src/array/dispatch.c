/* dispatch.c — the one entry point of every array op (DESIGN decision 2): validate
 * through the op's shape rule, allocate, run the kernel of the arguments' backend,
 * record for active autodiff transforms, publish into the current scope. Also the
 * rule sentinels and the shape rules shared by many ops. */
#include <math.h>
#include <string.h>

#include "autodiff_int.h"
#include "../backend/backend.h"

static const backend *backend_of(const gen_array *a) {
    return a->buf ? a->buf->backend : &cpu_backend;
}

/* Argument i of op is NULL (propagate, or report) or a tuple (not numbers). Out of line:
 * op_apply tests both with one predictable branch per argument. */
static gen_array *bad_argument(const op_info *info, int i, const gen_array *a) {
    if (a) arr_tuple_arg_fail(info->name, i);
    else if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: argument %d is NULL", info->name, i);
    return NULL;
}

/* An f64 0-d argument stored inline (on the CPU). */
static inline bool is_plain_f64_scalar(const gen_array *a) {
    return a && a->ndim == 0 && a->dtype == GEN_F64 && !a->buf;
}

/* The scalar fast path: the common elementwise ops on f64 0-d arguments that no
 * running transform tracks (no tape link: ad_record would record nothing), computed
 * here with the kernels' own formulas (identical results) instead of through the shape
 * rule and the kernel. False when it does not apply. */
static bool scalar_apply(op_id op, int n_in, gen_array *const *in, double *r) {
    if (n_in < 1 || n_in > 2 || !is_plain_f64_scalar(in[0]) ||
        (n_in == 2 && !is_plain_f64_scalar(in[1])))
        return false;
    if (ad_active() && (in[0]->ad || (n_in == 2 && in[1]->ad))) return false;
    double a = *(const double *)in[0]->data, b = n_in == 2 ? *(const double *)in[1]->data : 0.0;
    switch (op) {
    case OP_ADD: *r = a + b; return true;
    case OP_SUB: *r = a - b; return true;
    case OP_MUL: *r = a * b; return true;
    case OP_DIV: *r = a / b; return true;
    case OP_NEG: *r = -a; return true;
    case OP_SQUARE: *r = a * a; return true;
    case OP_EXP: *r = exp(a); return true;
    case OP_LOG: *r = log(a); return true;
    case OP_SQRT: *r = sqrt(a); return true;
    case OP_RECIPROCAL: *r = 1.0 / a; return true;
    default: return false;
    }
}

gen_array *op_apply(op_id op, int n_in, gen_array *const *in, const op_params *p) {
    static const op_params no_params;
    const op_info *info = &op_table[op];
    if (CORE_UNLIKELY(arr_batch_n)) return arr_batch_apply(op, n_in, in, p);
    double r;
    if (scalar_apply(op, n_in, in, &r)) {
        gen_array *out = arr_alloc(GEN_F64, 0, NULL);
        if (!out) return NULL;
        *(double *)out->data = r;
        return arr_publish(out);
    }
    for (int i = 0; i < n_in; i++)
        if (CORE_UNLIKELY(!in[i] || in[i]->tuple)) return bad_argument(info, i, in[i]);
    op_call c = {op, n_in, in, p ? p : &no_params, NULL};
    op_sig sig;
    sig.view = false;
    if (info->shape(&c, &sig) != GEN_OK) return NULL;
    if (sig.view) {
        gen_array *out = arr_view(in[0], sig.ndim, sig.shape);
        if (out && ad_active() && ad_record(op, n_in, in, c.p, out) != GEN_OK) {
            gen_array_release(out);
            return NULL;
        }
        return arr_publish(out);
    }
    gen_array *out = arr_alloc(sig.dtype, sig.ndim, sig.shape);
    if (!out) return NULL;
    c.out = out;
    const backend *be = n_in ? backend_of(in[0]) : &cpu_backend;
    op_kernel_fn kernel = be->kernels[op];
    if (CORE_UNLIKELY(!kernel)) {
        gen_array_release(out);
        GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: not supported on the %s backend", info->name, be->name);
        return NULL;
    }
    if (kernel(&c) != GEN_OK || (ad_active() && ad_record(op, n_in, in, c.p, out) != GEN_OK)) {
        gen_array_release(out);
        return NULL;
    }
    return arr_publish(out);
}

gen_array *op_apply1(op_id op, const gen_array *a, const op_params *p) {
    gen_array *in[1] = {(gen_array *)a};
    return op_apply(op, 1, in, p);
}

gen_array *op_apply2(op_id op, const gen_array *a, const gen_array *b, const op_params *p) {
    gen_array *in[2] = {(gen_array *)a, (gen_array *)b};
    return op_apply(op, 2, in, p);
}

/* ---- rule sentinels ---- */

gen_array *op_no_vjp(const op_call *c, int i, gen_array *g) {
    (void)i;
    (void)g;
    GEN_FAIL(GEN_ERR_NOGRAD, "%s: this operation has no gradient rule (reverse mode)",
             op_table[c->op].name);
    return NULL;
}

gen_array *op_no_jvp(const op_call *c, gen_array *const *t) {
    (void)t;
    GEN_FAIL(GEN_ERR_NOGRAD, "%s: this operation has no gradient rule (forward mode)",
             op_table[c->op].name);
    return NULL;
}

gen_array *op_zero_vjp(const op_call *c, int i, gen_array *g) {
    (void)g;
    const gen_array *a = c->in[i];
    return gen_zeros(arr_float_type((gen_dtype)a->dtype), a->ndim, a->shape);
}

gen_array *op_zero_jvp(const op_call *c, gen_array *const *t) {
    (void)t;
    return gen_zeros((gen_dtype)c->out->dtype, c->out->ndim, c->out->shape);
}

/* ---- shared shape rules ---- */

gen_status op_shape_same(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = a->ndim;
    memcpy(s->shape, a->shape, (size_t)a->ndim * sizeof *a->shape);
    return GEN_OK;
}

gen_status op_shape_same_bool(const op_call *c, op_sig *s) {
    op_shape_same(c, s);
    s->dtype = GEN_BOOL;
    return GEN_OK;
}

gen_status op_shape_broadcast(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = a->ndim;
    memcpy(s->shape, a->shape, (size_t)a->ndim * sizeof *a->shape);
    for (int i = 1; i < c->n_in; i++) {
        const gen_array *b = c->in[i];
        if (b->ndim == s->ndim && !memcmp(b->shape, s->shape, (size_t)s->ndim * sizeof *s->shape))
            continue;
        gen_status st = arr_broadcast_shapes(op_table[c->op].name, s->ndim, s->shape, b->ndim,
                                             b->shape, &s->ndim, s->shape);
        if (st != GEN_OK) return st;
    }
    return GEN_OK;
}

gen_status op_shape_broadcast_bool(const op_call *c, op_sig *s) {
    gen_status st = op_shape_broadcast(c, s);
    s->dtype = GEN_BOOL;
    return st;
}
