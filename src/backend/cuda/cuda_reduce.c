/* cuda_reduce.c — CUDA kernels of ops_reduce.def (the C side of cuda_reduce.cu):
 * reductions over any axes, single-axis reductions, cumulative ops, argsort, and the
 * gather / scatter along an axis behind sort, whose bad indices fail as on the CPU
 * (backend_axis_index_fail). The semantics, dtypes and parameters are the CPU kernels'
 * (backend/cpu/cpu_reduce.c). */
#include <string.h>

#include "cuda_index.h"

/* a reduced over axes[0..naxes) as [outputs, len] (cuda_layout.h): axes of size 1 left
 * out, neighbouring axes of one kind (kept, reduced) merged into one. */
static cu_reduce reduce_desc(const gen_array *a, int naxes, const int *axes) {
    cu_reduce d;
    memset(&d, 0, sizeof d);
    d.nout = d.len = 1;
    int64_t stride[GEN_MAX_DIMS], s = 1;
    for (int k = a->ndim - 1; k >= 0; k--) stride[k] = s, s *= a->shape[k];
    int last = -1; /* the kind of the last axis entered: 0 kept, 1 reduced */
    for (int k = 0; k < a->ndim; k++) {
        bool red = false;
        for (int j = 0; j < naxes; j++) red |= axes[j] == k;
        int64_t n = a->shape[k];
        if (red) d.len *= n;
        else d.nout *= n;
        if (n == 1) continue;
        int64_t *shape = red ? d.red_shape : d.kept_shape, *strides = red ? d.red_stride : d.kept_stride;
        int *count = red ? &d.nred : &d.nkept;
        if (last == (int)red) { /* contiguous with the previous one: merge */
            shape[*count - 1] *= n;
            strides[*count - 1] = stride[k];
        } else {
            shape[*count] = n;
            strides[*count] = stride[k];
            ++*count;
        }
        last = red;
    }
    d.rows = (d.nred == 0 || d.red_stride[0] == 1) && d.nred <= 1 && d.nkept <= 1 &&
             (d.nkept == 0 || d.kept_stride[0] == d.len);
    return d;
}

static gen_status reduce_axes(const op_call *c, int kind) {
    cu_reduce d = reduce_desc(c->in[0], c->p->naxes, c->p->axes);
    return cuda_launched(c, cu_reduce_run(cuda_index_stream(c), kind, &d, c->in[0]->data, c->in[0]->dtype,
                                          c->out->data));
}
static gen_status cuda_sum(const op_call *c) { return reduce_axes(c, CU_RED_SUM); }
static gen_status cuda_prod(const op_call *c) { return reduce_axes(c, CU_RED_PROD); }
static gen_status cuda_max(const op_call *c) { return reduce_axes(c, CU_RED_MAX); }
static gen_status cuda_min(const op_call *c) { return reduce_axes(c, CU_RED_MIN); }
static gen_status cuda_all(const op_call *c) { return reduce_axes(c, CU_RED_ALL); }
static gen_status cuda_any(const op_call *c) { return reduce_axes(c, CU_RED_ANY); }
static gen_status cuda_logsumexp(const op_call *c) { return reduce_axes(c, CU_RED_LOGSUMEXP); }

/* argmax / argmin: a reduction over p->axis whose outputs are positions. */
static gen_status reduce_axis(const op_call *c, int kind) {
    int axis = c->p->axis;
    cu_reduce d = reduce_desc(c->in[0], 1, &axis);
    return cuda_launched(c, cu_reduce_run(cuda_index_stream(c), kind, &d, c->in[0]->data, c->in[0]->dtype,
                                          c->out->data));
}
static gen_status cuda_argmax(const op_call *c) { return reduce_axis(c, CU_RED_ARGMAX); }
static gen_status cuda_argmin(const op_call *c) { return reduce_axis(c, CU_RED_ARGMIN); }

static gen_status cumulate(const op_call *c, int kind) {
    const gen_array *a = c->in[0];
    int64_t outer, n, inner;
    cuda_axis_split(a->ndim, a->shape, c->p->axis, &outer, &n, &inner);
    return cuda_launched(c, cu_cumulate(cuda_index_stream(c), kind, a->dtype, a->data, c->out->data, outer, n, inner,
                                        c->p->reverse));
}
static gen_status cuda_cumsum(const op_call *c) { return cumulate(c, CU_RED_SUM); }
static gen_status cuda_cumlogsumexp(const op_call *c) { return cumulate(c, CU_RED_LOGSUMEXP); }

/* in: x, its cumlogsumexp, the cotangent g (f64, x's shape). */
static gen_status cuda_cumlse_vjp(const op_call *c) {
    const gen_array *x = c->in[0];
    int64_t outer, n, inner;
    cuda_axis_split(x->ndim, x->shape, c->p->axis, &outer, &n, &inner);
    return cuda_launched(c, cu_cumlse_vjp(cuda_index_stream(c), x->data, c->in[1]->data, c->in[2]->data,
                                          c->out->data, outer, n, inner));
}

static gen_status cuda_argsort(const op_call *c) {
    const gen_array *a = c->in[0];
    int64_t outer, n, inner;
    cuda_axis_split(a->ndim, a->shape, c->p->axis, &outer, &n, &inner);
    return cuda_launched(c, cu_argsort(cuda_index_stream(c), a->dtype, a->data, c->out->data, outer, n, inner));
}

/* ---- take_along / scatter_along: indices checked on the device ---- */

/* Waits for the index check; its failure as every backend words it. */
static gen_status along_checked(const op_call *c, int64_t len) {
    int64_t pos, value;
    gen_status st = cuda_wait_index_check(c, &pos, &value);
    return st != GEN_OK || pos < 0 ? st : backend_axis_index_fail(c, value, len);
}

/* out[o, k, i] = a[o, idx[o, k, i], i] for any dtype. */
static gen_status cuda_take_along(const op_call *c) {
    const gen_array *a = c->in[0], *ix = c->in[1];
    int64_t outer, n, inner, len = a->shape[c->p->axis];
    cuda_axis_split(ix->ndim, ix->shape, c->p->axis, &outer, &n, &inner);
    cudaStream_t s = cuda_index_stream(c);
    cudaError_t e = cu_check_indices(s, cuda_dev_of_call(c)->err_dev, c->op, ix->data, ix->size, 0, len, n, inner);
    if (e == cudaSuccess)
        e = cu_take_along(s, gen_dtype_size(a->dtype), a->data, len, ix->data, c->out->data, outer, n, inner);
    if (e != cudaSuccess) return cuda_launched(c, e);
    return along_checked(c, len);
}

/* out (g's shape, p->k long on the axis) = 0; out[o, idx[o, k, i], i] += g[o, k, i]. */
static gen_status cuda_scatter_along(const op_call *c) {
    const gen_array *g = c->in[0], *ix = c->in[1];
    int64_t outer, n, inner, m = c->p->k;
    cuda_axis_split(g->ndim, g->shape, c->p->axis, &outer, &n, &inner);
    cudaStream_t s = cuda_index_stream(c);
    cudaError_t e = cu_check_indices(s, cuda_dev_of_call(c)->err_dev, c->op, ix->data, ix->size, 0, m, n, inner);
    if (e == cudaSuccess) e = cu_scatter_along(s, g->dtype, g->data, ix->data, c->out->data, outer, n, inner, m);
    if (e != cudaSuccess) return cuda_launched(c, e);
    return along_checked(c, m);
}

void cuda_kernels_reduce(op_kernel_fn *k) {
    k[OP_SUM] = cuda_sum;
    k[OP_PROD] = cuda_prod;
    k[OP_MAX] = cuda_max;
    k[OP_MIN] = cuda_min;
    k[OP_LOGSUMEXP] = cuda_logsumexp;
    k[OP_ALL] = cuda_all;
    k[OP_ANY] = cuda_any;
    k[OP_ARGMAX] = cuda_argmax;
    k[OP_ARGMIN] = cuda_argmin;
    k[OP_CUMSUM] = cuda_cumsum;
    k[OP_CUMLOGSUMEXP] = cuda_cumlogsumexp;
    k[OP_CUMLSE_VJP] = cuda_cumlse_vjp;
    k[OP_ARGSORT] = cuda_argsort;
    k[OP_TAKE_ALONG] = cuda_take_along;
    k[OP_SCATTER_ALONG] = cuda_scatter_along;
}
