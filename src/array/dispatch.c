/* dispatch.c — the one entry point of every array op (DESIGN decision 2): validate
 * through the op's shape rule, choose the backend from the arguments (one device for
 * all; the default device for creation ops), allocate the outputs on it, run its
 * kernel, record for active autodiff transforms, publish into the current scope. The
 * only caller of ad_record. Also the rule sentinels and the shape rules shared by many
 * ops. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "autodiff_int.h"
#include "backend_api.h"

/* Argument i of op is NULL (propagate, or report) or a tuple (not numbers). Out of line:
 * op_apply tests both with one predictable branch per argument. */
static gen_array *bad_argument(const op_info *info, int i, const gen_array *a) {
    if (a && arr_dead(a)) {
        char what[32];
        snprintf(what, sizeof what, "argument %d", i);
        arr_dead_fail(info->name, what, a);
    } else if (a) arr_tuple_arg_fail(info->name, i);
    else if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: argument %d is NULL", info->name, i);
    return NULL;
}

/* Some arguments are on different devices: names the first pair. */
static gen_array *mixed_devices(const op_info *info, int n_in, gen_array *const *in) {
    const backend *b0 = arr_backend_of(in[0]);
    for (int i = 1; i < n_in; i++) {
        const backend *bi = arr_backend_of(in[i]);
        if (bi != b0) {
            GEN_FAIL(GEN_ERR_MISUSE, "%s: arguments on different devices (argument 0 on %s, argument %d on %s)",
                     info->name, b0->name, i, bi->name);
            return NULL;
        }
    }
    GEN_FAIL(GEN_ERR_INTERNAL, "%s: arguments on different devices", info->name);
    return NULL;
}

/* The backend of arguments not all on the CPU (out of line: check_arguments' rare
 * case): one bit per device in a mask, from the device each buffer records. Arguments
 * stored inline (small host arrays) go with any device: *upload says there are some. */
static bool device_backend(const op_info *info, int n_in, gen_array *const *in, const backend **be,
                           bool *upload) {
    unsigned devs = 0;
    bool inl = false;
    for (int i = 0; i < n_in; i++) {
        if (in[i]->buf) devs |= 1u << in[i]->buf->device;
        else inl = true;
    }
    if (CORE_UNLIKELY(devs & (devs - 1))) return mixed_devices(info, n_in, in), false;
    *be = arr_backend_table[__builtin_ctz(devs)];
    *upload = inl;
    return true;
}

/* Checks the arguments (not NULL, not tuples, one device) and sets *be to their backend:
 * NULL when every one is on the CPU (the default backend), which spares the common case
 * any look-up: per argument, three predictable tests (inline elements are on the host).
 * *upload: some arguments are small host arrays that must travel to *be. */
static inline bool check_arguments(const op_info *info, int n_in, gen_array *const *in, const backend **be,
                                   bool *upload) {
    bool elsewhere = false;
    for (int i = 0; i < n_in; i++) {
        const gen_array *a = in[i];
        if (CORE_UNLIKELY(!a || a->tuple)) return bad_argument(info, i, a), false;
        if (a->buf) elsewhere |= a->buf->device != GEN_DEVICE_CPU;
    }
    *be = NULL;
    *upload = false;
    return CORE_UNLIKELY(elsewhere) ? device_backend(info, n_in, in, be, upload) : true;
}

/* The arguments a kernel on device backend be reads: in[i] itself, or for a small host
 * array a copy on be (new references in kin, released by release_uploads), unless it is
 * one element and the kernel takes those by value (be->scalar_args). Out of line:
 * only calls mixing small host arrays with device arrays come here. */
#define UPLOAD_STACK 8
static CORE_NOINLINE gen_array **upload_inline(const op_info *info, const backend *be, int n_in,
                                               gen_array *const *in, gen_array **stack) {
    gen_array **kin = n_in <= UPLOAD_STACK ? stack : core_alloc((size_t)n_in * sizeof *kin);
    if (!kin) return NULL;
    bool by_value = be->scalar_args && be->scalar_args[info - op_table];
    for (int i = 0; i < n_in; i++) {
        bool keep = in[i]->buf || (by_value && in[i]->size == 1);
        kin[i] = keep ? arr_retain(in[i]) : arr_copy_to_backend(info->name, in[i], be);
        if (!kin[i]) {
            for (int j = 0; j < i; j++) gen_array_release(kin[j]);
            if (kin != stack) core_free(kin, (size_t)n_in * sizeof *kin);
            return NULL;
        }
    }
    return kin;
}
static CORE_NOINLINE void release_uploads(int n_in, gen_array **kin, gen_array **stack) {
    for (int i = 0; i < n_in; i++) gen_array_release(kin[i]);
    if (kin != stack) core_free(kin, (size_t)n_in * sizeof *kin);
}

/* For a call whose arguments are all on the host: the default device instead when one
 * is set, every argument is a small (inline) array and the output is not small, so
 * arrays made from constants (a broadcast scalar) land where creation functions would
 * put them. */
static inline void follow_creation_device(int n_in, gen_array *const *in, const op_sig *s, const backend **be,
                                          bool *upload) {
    if (CORE_LIKELY(!arr_creation_be)) return;
    if (arr_shape_size(s->ndim, s->shape) * (int64_t)gen_dtype_size(s->dtype) <= ARR_INLINE_BYTES) return;
    for (int i = 0; i < n_in; i++)
        if (in[i]->buf) return;
    *be = arr_creation_be;
    *upload = n_in > 0;
}

/* Runs kernel on c, with the small host arguments uploaded first when upload is set
 * (the kernel then sees the copies; c->in is left as it was, for the tape). */
static gen_status run_uploaded(const op_info *info, op_kernel_fn kernel, const backend *be, op_call *c) {
    gen_array *stack[UPLOAD_STACK];
    gen_array *const *orig = c->in;
    gen_array **kin = upload_inline(info, be, c->n_in, orig, stack);
    if (!kin) return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    c->in = kin;
    gen_status st = kernel(c);
    c->in = orig;
    release_uploads(c->n_in, kin, stack);
    return st;
}

static inline gen_status run_kernel(const op_info *info, op_kernel_fn kernel, const backend *be, op_call *c,
                                    bool upload) {
    if (CORE_UNLIKELY(be->mark_begin != NULL)) { /* profiling */
        void *mark = be->mark_begin(be, info->name);
        gen_status st = upload ? run_uploaded(info, kernel, be, c) : kernel(c);
        be->mark_end(mark);
        return st;
    }
    if (CORE_LIKELY(!upload)) return kernel(c);
    return run_uploaded(info, kernel, be, c);
}

gen_status arr_run_kernel(const backend *be, op_kernel_fn kernel, op_call *c) {
    return run_kernel(&op_table[c->op], kernel, be, c, false);
}

/* run_kernel on a backend that defers elementwise ops (backend_api.h): this one recorded
 * as pending when it qualifies, else run once its arguments are ready. Out of line:
 * only such devices come here. */
static CORE_NOINLINE gen_status run_deferring(const op_info *info, op_kernel_fn kernel, const backend *be,
                                              op_call *c, bool upload) {
    if (arr_defer(be, c)) return GEN_OK;
    if (be->fuse_op) {
        bool pending = false;
        for (int i = 0; i < c->n_in; i++) pending |= arr_pending_of(c->in[i]) != NULL;
        gen_status st = pending ? be->fuse_op(c) : GEN_ERR_UNSUPPORTED;
        if (st != GEN_ERR_UNSUPPORTED) return st;
    }
    for (int i = 0; i < c->n_in; i++) {
        gen_status st = arr_ready(c->in[i]);
        if (st != GEN_OK) return st;
    }
    return run_kernel(info, kernel, be, c, upload);
}

/* An f64 0-d argument stored inline (on the host). */
static inline bool is_plain_f64_scalar(const gen_array *a) {
    return a && a->ndim == 0 && a->dtype == GEN_F64 && !a->buf;
}

/* The scalar fast path: the common elementwise ops on f64 0-d host arguments that no
 * running transform tracks (no tape link: ad_record would record nothing), computed
 * here with the kernels' own formulas (identical results) instead of through the shape
 * rule and the kernel. False when it does not apply. */
static bool scalar_apply(op_id op, int n_in, gen_array *const *in, double *r) {
    /* the op first: calls of every other op then cost one load */
    static const bool fast[OP_COUNT] = {[OP_ADD] = true, [OP_SUB] = true, [OP_MUL] = true, [OP_DIV] = true,
                                        [OP_NEG] = true, [OP_SQUARE] = true, [OP_EXP] = true, [OP_LOG] = true,
                                        [OP_SQRT] = true, [OP_RECIPROCAL] = true};
    if (!fast[op]) return false;
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

static void release_all(int n, gen_array **outs) {
    for (int j = 0; j < n; j++) {
        gen_array_release(outs[j]);
        outs[j] = NULL;
    }
}

/* The kernel of op on be (NULL: the default backend), or NULL with the error recorded. */
static inline op_kernel_fn kernel_of(const op_info *info, op_id op, const backend **be) {
    if (!*be) *be = arr_default_backend();
    op_kernel_fn k = (*be)->kernels[op];
    if (CORE_UNLIKELY(!k)) GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: not supported on the %s backend", info->name, (*be)->name);
    return k;
}

const op_params op_no_params;

/* Whether no argument has an element (true for none). A call whose arguments and
 * outputs all have none needs no kernel: there is nothing to read, check or write, and
 * a kernel would only loop over extents whose product is 0 (the 2^50 empty rows of a
 * [2^50, 0] array), so an op's work stays bounded by its elements. Out of line: only
 * empty outputs ask. */
static CORE_NOINLINE bool no_elements(int n_in, gen_array *const *in) {
    for (int i = 0; i < n_in; i++)
        if (in[i]->size != 0) return false;
    return true;
}

gen_array *op_apply(op_id op, int n_in, gen_array *const *in, const op_params *p) {
    const op_info *info = &op_table[op];
    if (CORE_UNLIKELY(arr_batch_n)) return arr_batch_apply(op, n_in, in, p);
    double r;
    if (scalar_apply(op, n_in, in, &r)) {
        gen_array *out = arr_alloc_scalar(GEN_F64);
        if (!out) return NULL;
        *(double *)out->data = r;
        return arr_publish(out);
    }
    const backend *be;
    bool upload;
    if (!check_arguments(info, n_in, in, &be, &upload)) return NULL;
    op_call c = {op, n_in, in, p ? p : &op_no_params, NULL, 1, NULL};
    c.outs = &c.out;
    gen_array *out;
    op_sig sig[OP_MAX_OUT];
    sig[0].view = false;
    sig[0].n_out = 1;
    sig[0].view_of = 0;
    if (info->shape(&c, sig) != GEN_OK) return NULL;
    if (CORE_UNLIKELY(sig[0].n_out != 1)) {
        GEN_FAIL(GEN_ERR_INTERNAL, "%s: an op of %d outputs called for one (op_apply_n)", info->name, sig[0].n_out);
        return NULL;
    }
    if (sig[0].view) {
        out = arr_view(in[sig[0].view_of], sig[0].ndim, sig[0].shape);
    } else {
        if (!be) follow_creation_device(n_in, in, &sig[0], &be, &upload);
        op_kernel_fn kernel = kernel_of(info, op, &be);
        if (!kernel) return NULL;
        out = arr_alloc_on(info->name, be, sig[0].dtype, sig[0].ndim, sig[0].shape);
        if (!out) return NULL;
        c.out = out;
        if (!(CORE_UNLIKELY(out->size == 0) && no_elements(n_in, in)) &&
            (CORE_UNLIKELY(be->fuse != NULL) ? run_deferring(info, kernel, be, &c, upload)
                                             : run_kernel(info, kernel, be, &c, upload)) != GEN_OK) {
            gen_array_release(out);
            return NULL;
        }
    }
    c.out = out;
    if (out && ad_active() && ad_record(&c) != GEN_OK) {
        gen_array_release(out);
        return NULL;
    }
    return arr_publish(out);
}

gen_status op_apply_n(op_id op, int n_in, gen_array *const *in, const op_params *p, int n_out,
                      gen_array **outs) {
    const op_info *info = &op_table[op];
    for (int j = 0; j < n_out; j++) outs[j] = NULL;
    if (n_out < 1) return GEN_FAIL(GEN_ERR_INTERNAL, "%s: called for %d outputs", info->name, n_out);
    if (n_out == 1) {
        outs[0] = op_apply(op, n_in, in, p);
        return outs[0] ? GEN_OK : core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    }
    const backend *be;
    bool upload;
    if (!check_arguments(info, n_in, in, &be, &upload)) return core_error_pending();
    op_call c = {op, n_in, in, p ? p : &op_no_params, NULL, n_out, outs};
    op_sig sig[OP_MAX_OUT];
    sig[0].view = false;
    sig[0].n_out = 1;
    sig[0].view_of = 0;
    if (info->shape(&c, sig) != GEN_OK) return core_error_pending();
    if (sig[0].n_out != n_out)
        return GEN_FAIL(GEN_ERR_INTERNAL, "%s: an op of %d outputs called for %d", info->name, sig[0].n_out, n_out);
    if (sig[0].view) {
        for (int j = 0; j < n_out; j++) {
            const gen_array *src = in[sig[0].view_of + j];
            if (!(outs[j] = j ? arr_view(src, src->ndim, src->shape) : arr_view(src, sig[0].ndim, sig[0].shape))) {
                release_all(j, outs);
                return core_error_pending();
            }
        }
    } else {
        if (!be) follow_creation_device(n_in, in, &sig[0], &be, &upload);
        op_kernel_fn kernel = kernel_of(info, op, &be);
        if (!kernel) return core_error_pending();
        for (int j = 0; j < n_out; j++)
            if (!(outs[j] = arr_alloc_on(info->name, be, sig[j].dtype, sig[j].ndim, sig[j].shape))) {
                release_all(j, outs);
                return core_error_pending();
            }
        c.out = outs[0];
        bool empty = true;
        for (int j = 0; j < n_out && empty; j++) empty = outs[j]->size == 0;
        for (int i = 0; i < n_in && be->fuse; i++)
            if (arr_ready(in[i]) != GEN_OK) {
                release_all(n_out, outs);
                return core_error_pending();
            }
        if (!(CORE_UNLIKELY(empty) && no_elements(n_in, in)) && run_kernel(info, kernel, be, &c, upload) != GEN_OK) {
            release_all(n_out, outs);
            return core_error_pending();
        }
    }
    c.out = outs[0];
    if (ad_active() && ad_record(&c) != GEN_OK) {
        release_all(n_out, outs);
        return core_error_pending();
    }
    gen_status st = GEN_OK;
    for (int j = 0; j < n_out; j++)
        if (!(outs[j] = arr_publish(outs[j]))) st = core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
    if (st != GEN_OK) /* out of memory publishing: the published ones belong to the scope */
        for (int j = 0; j < n_out; j++) outs[j] = NULL;
    return st;
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

gen_array *op_vjp_via_all(const op_call *c, int i, gen_array *g) {
    (void)i, (void)g;
    GEN_FAIL(GEN_ERR_INTERNAL, "%s: its VJP rule takes every cotangent at once", op_table[c->op].name);
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
    memcpy(s->shape, a->shape, sizeof s->shape); /* fixed size: a few moves, no call */
    return GEN_OK;
}

gen_status op_shape_same_bool(const op_call *c, op_sig *s) {
    op_shape_same(c, s);
    s->dtype = GEN_BOOL;
    return GEN_OK;
}

/* On every elementwise op: the fixed-size copy compiles to a few moves (the extents past
 * in[0]'s rank are never read), and 0-d arguments and arguments of the shape so far,
 * which broadcast to it unchanged, skip the general rule. */
gen_status op_shape_broadcast(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    int nd = a->ndim;
    s->dtype = (gen_dtype)a->dtype;
    memcpy(s->shape, a->shape, sizeof s->shape);
    for (int i = 1; i < c->n_in; i++) {
        const gen_array *b = c->in[i];
        if (b->ndim == 0 || (b->ndim == nd && arr_same_axes(b->shape, s->shape, nd))) continue;
        gen_status st = arr_broadcast_shapes(op_table[c->op].name, nd, s->shape, b->ndim, b->shape, &nd, s->shape);
        if (st != GEN_OK) return st;
    }
    s->ndim = nd;
    return GEN_OK;
}

gen_status op_shape_broadcast_bool(const op_call *c, op_sig *s) {
    gen_status st = op_shape_broadcast(c, s);
    s->dtype = GEN_BOOL;
    return st;
}
