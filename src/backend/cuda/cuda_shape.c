/* cuda_shape.c — CUDA kernels of ops_shape.def (the C side of cuda_shape.cu): the
 * strided-copy descriptors of permute, concatenate, slice, flip and tile; take and the
 * index updates, whose bad indices fail as on the CPU (backend_index_fail); and the wait
 * for an index check that take_along and scatter_along share (cuda_index.h). The
 * semantics are the CPU kernels' (backend/cpu/cpu_shape.c, cpu_shape_index.c). */
#include <string.h>

#include "cuda_index.h"

gen_status cuda_wait_index_check(const op_call *c, int64_t *pos, int64_t *value) {
    cuda_dev *d = cuda_dev_of_call(c);
    const char *name = op_table[c->op].name;
    *pos = -1;
    cudaError_t e = cudaStreamSynchronize(d->stream);
    if (e != cudaSuccess) return cuda_fail(name, e);
    if (d->err->code == CU_ERR_INDEX && d->err->op == (int)c->op) {
        *pos = d->err->index;
        *value = d->err->value;
        memset(d->err, 0, sizeof *d->err);
        return GEN_OK;
    }
    return cuda_check_device_errors(d, name);
}

/* ---- strided copies ---- */

/* The row-major strides of (ndim, shape). */
static void contiguous_strides(int ndim, const int64_t *shape, int64_t *strides) {
    int64_t s = 1;
    for (int k = ndim - 1; k >= 0; k--) strides[k] = s, s *= shape[k];
}

/* Sets d->size, leaves out axes of size 1 and merges neighbours that are contiguous in
 * both source and destination, then queues the copy. */
static gen_status copy_run(const op_call *c, const void *src, void *dst, cu_copy *d) {
    d->size = 1;
    for (int k = 0; k < d->ndim; k++) d->size *= d->shape[k];
    if (d->size == 0) return GEN_OK;
    int n = 0;
    for (int k = 0; k < d->ndim; k++) {
        if (d->shape[k] == 1) continue;
        if (n > 0 && d->src_stride[n - 1] == d->src_stride[k] * d->shape[k] &&
            d->dst_stride[n - 1] == d->dst_stride[k] * d->shape[k]) {
            d->shape[n - 1] *= d->shape[k];
        } else {
            d->shape[n] = d->shape[k];
            n++;
        }
        d->src_stride[n - 1] = d->src_stride[k];
        d->dst_stride[n - 1] = d->dst_stride[k];
    }
    d->ndim = n;
    return cuda_launched(c, cu_copy_strided(cuda_index_stream(c), gen_dtype_size(c->out->dtype), src, dst, d));
}

static gen_status cuda_permute(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    cu_copy d;
    memset(&d, 0, sizeof d);
    int64_t in_strides[GEN_MAX_DIMS];
    contiguous_strides(a->ndim, a->shape, in_strides);
    contiguous_strides(o->ndim, o->shape, d.dst_stride);
    d.ndim = o->ndim;
    for (int k = 0; k < o->ndim; k++) {
        d.shape[k] = o->shape[k];
        d.src_stride[k] = in_strides[c->p->axes[k]];
    }
    return copy_run(c, a->data, o->data, &d);
}

/* Each argument is one block of shape[axis] * inner elements per outer index, placed
 * after those of the arguments before it. */
static gen_status cuda_concatenate(const op_call *c) {
    gen_array *o = c->out;
    int64_t outer, total, inner, off = 0;
    cuda_axis_split(o->ndim, o->shape, c->p->axis, &outer, &total, &inner);
    for (int i = 0; i < c->n_in; i++) {
        const gen_array *a = c->in[i];
        int64_t n = a->shape[c->p->axis];
        cu_copy d;
        memset(&d, 0, sizeof d);
        d.ndim = 2;
        d.shape[0] = outer, d.shape[1] = n * inner;
        d.src_stride[0] = n * inner, d.src_stride[1] = 1;
        d.dst_stride[0] = total * inner, d.dst_stride[1] = 1;
        d.dst_base = off * inner;
        gen_status st = copy_run(c, a->data, o->data, &d);
        if (st != GEN_OK) return st;
        off += n;
    }
    return GEN_OK;
}

/* Slice and flip: p->k rows start, start + step, ... of the axis, each inner long. */
static gen_status cuda_slice(const op_call *c) {
    const gen_array *a = c->in[0];
    const op_params *p = c->p;
    int64_t outer, n, inner;
    cuda_axis_split(a->ndim, a->shape, p->axis, &outer, &n, &inner);
    cu_copy d;
    memset(&d, 0, sizeof d);
    d.ndim = 3;
    d.shape[0] = outer, d.shape[1] = p->k, d.shape[2] = inner;
    d.src_stride[0] = n * inner, d.src_stride[1] = p->step * inner, d.src_stride[2] = 1;
    d.src_base = p->start * inner;
    contiguous_strides(3, d.shape, d.dst_stride);
    return copy_run(c, a->data, c->out->data, &d);
}

/* The argument has the result's rank (p->shape: the repeats); result axis k splits into
 * (repeat, position) with the source's stride on the position only. */
static gen_status cuda_tile(const op_call *c) {
    const gen_array *a = c->in[0];
    gen_array *o = c->out;
    int64_t in_strides[GEN_MAX_DIMS], out_strides[GEN_MAX_DIMS];
    contiguous_strides(a->ndim, a->shape, in_strides);
    contiguous_strides(o->ndim, o->shape, out_strides);
    cu_copy d;
    memset(&d, 0, sizeof d);
    d.ndim = 2 * a->ndim;
    for (int k = 0; k < a->ndim; k++) {
        d.shape[2 * k] = c->p->shape[k], d.shape[2 * k + 1] = a->shape[k];
        d.src_stride[2 * k] = 0, d.src_stride[2 * k + 1] = in_strides[k];
        d.dst_stride[2 * k] = a->shape[k] * out_strides[k], d.dst_stride[2 * k + 1] = out_strides[k];
    }
    return copy_run(c, a->data, o->data, &d);
}

/* ---- take and the index updates: indices checked on the device ---- */

/* Waits for the index check; its failure as every backend words it. */
static gen_status take_checked(const op_call *c, int64_t n) {
    int64_t pos, value;
    gen_status st = cuda_wait_index_check(c, &pos, &value);
    return st != GEN_OK || pos < 0 ? st : backend_index_fail(c, pos, value, n);
}

/* Queues the check of c's indices against [-n, n) in flat order. */
static cudaError_t check_take_indices(const op_call *c, cudaStream_t s, int64_t n) {
    const gen_array *idx = c->in[1];
    return cu_check_indices(s, cuda_dev_of_call(c)->err_dev, c->op, idx->data, idx->size, -n, n, idx->size, 1);
}

static gen_status cuda_take(const op_call *c) {
    const gen_array *a = c->in[0], *idx = c->in[1];
    int64_t outer, n, inner;
    cuda_axis_split(a->ndim, a->shape, c->p->axis, &outer, &n, &inner);
    cudaStream_t s = cuda_index_stream(c);
    cudaError_t e = check_take_indices(c, s, n);
    if (e == cudaSuccess)
        e = cu_take(s, gen_dtype_size(a->dtype), a->data, idx->data, idx->size, c->out->data, outer, n, inner);
    if (e != cudaSuccess) return cuda_launched(c, e);
    return take_checked(c, n);
}

/* out = a, then the writes of values (broadcast to take's shape) at the indices. */
static gen_status index_update(const op_call *c, bool add) {
    const gen_array *a = c->in[0], *idx = c->in[1], *v = c->in[2];
    int axis = c->p->axis;
    int64_t outer, n, inner;
    cuda_axis_split(a->ndim, a->shape, axis, &outer, &n, &inner);
    cu_bcast vb;
    memset(&vb, 0, sizeof vb);
    for (int d = 0; d < axis; d++) vb.shape[vb.ndim++] = a->shape[d];
    for (int d = 0; d < idx->ndim; d++) vb.shape[vb.ndim++] = idx->shape[d];
    for (int d = axis + 1; d < a->ndim; d++) vb.shape[vb.ndim++] = a->shape[d];
    vb.size = outer * idx->size * inner;
    vb.nin = 1;
    if (v->size == 1) vb.mode[0] = CU_SCALAR;
    else if (v->size == vb.size) vb.mode[0] = CU_SAME;
    else {
        vb.mode[0] = CU_STRIDED;
        arr_broadcast_strides(v, vb.ndim, vb.shape, vb.strides[0]);
    }
    cudaStream_t s = cuda_index_stream(c);
    cudaError_t e = check_take_indices(c, s, n);
    if (e == cudaSuccess)
        e = cu_index_update(s, add, c->out->dtype, a->data, idx->data, idx->size, v->data, &vb, c->out->data, outer, n,
                            inner);
    if (e != cudaSuccess) return cuda_launched(c, e);
    return take_checked(c, n);
}
static gen_status cuda_index_set(const op_call *c) { return index_update(c, false); }
static gen_status cuda_index_add(const op_call *c) { return index_update(c, true); }

void cuda_kernels_shape(op_kernel_fn *k) {
    k[OP_PERMUTE] = cuda_permute;
    k[OP_CONCATENATE] = cuda_concatenate;
    k[OP_SLICE] = cuda_slice;
    k[OP_FLIP] = cuda_slice;
    k[OP_TILE] = cuda_tile;
    k[OP_TAKE] = cuda_take;
    k[OP_INDEX_SET] = cuda_index_set;
    k[OP_INDEX_ADD] = cuda_index_add;
}
