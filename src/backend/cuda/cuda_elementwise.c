/* cuda_elementwise.c — the CUDA kernels of the elementwise ops (ops_unary.def,
 * ops_binary.def, ops_core.def): each call described for its launcher in
 * cuda_elementwise.cu (copies by cudaMemcpyAsync) and queued on the device's stream.
 * Nothing here waits for the device: these ops cannot fail on their data. One-element
 * host arguments of the binary ops, where, clip and broadcast_to travel by value in the
 * launch (no copy to the device first). */
#include "cuda_elementwise_kern.h"
#include "cuda_int.h"

/* Op id -> the launchers' code of the op. */
static const signed char ew_code[OP_COUNT] = {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) [OP_##ID] = CU_EW_##ID,
#include "../../array/ops_unary.def"
#include "../../array/ops_binary.def"
#include "../../array/ops_core.def"
#undef OP
};

static gen_status cuda_unary(const op_call *c) {
    return cuda_launched(c, cu_ew_unary(cuda_stream(c), ew_code[c->op], cuda_arr(c->out), cuda_arr(c->in[0])));
}

static gen_status cuda_binary(const op_call *c) {
    cu_bcast bc = cuda_bcast(c, 2);
    return cuda_launched(c, cu_ew_binary(cuda_stream(c), ew_code[c->op], cuda_arr(c->out), cuda_arr(c->in[0]),
                                         cuda_arr(c->in[1]), &bc));
}

/* where and clip */
static gen_status cuda_ternary(const op_call *c) {
    cu_bcast bc = cuda_bcast(c, 3);
    return cuda_launched(c, cu_ew_ternary(cuda_stream(c), ew_code[c->op], cuda_arr(c->out), cuda_arr(c->in[0]),
                                          cuda_arr(c->in[1]), cuda_arr(c->in[2]), &bc));
}

static gen_status cuda_cast(const op_call *c) {
    return cuda_launched(c, cu_ew_cast(cuda_stream(c), cuda_arr(c->out), cuda_arr(c->in[0])));
}

/* copy, stop_gradient and reshape (a view, so only ever called directly) */
static gen_status cuda_copy(const op_call *c) {
    size_t n = (size_t)c->out->size * gen_dtype_size(c->out->dtype);
    if (n == 0) return GEN_OK;
    return cuda_launched(c, cudaMemcpyAsync(c->out->data, c->in[0]->data, n, cudaMemcpyDeviceToDevice, cuda_stream(c)));
}

static gen_status cuda_broadcast_to(const op_call *c) {
    cu_bcast bc = cuda_bcast(c, 1);
    return cuda_launched(c, cu_ew_broadcast(cuda_stream(c), cuda_arr(c->out), cuda_arr(c->in[0]), &bc));
}

void cuda_kernels_elementwise(op_kernel_fn *k, bool *scalar) {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) k[OP_##ID] = cuda_unary;
#include "../../array/ops_unary.def"
#undef OP
#define OP(ID, name, arity, shape, cpu, vjp, jvp) \
    k[OP_##ID] = arity == 2 ? cuda_binary : cuda_ternary, scalar[OP_##ID] = true;
#include "../../array/ops_binary.def"
#undef OP
    scalar[OP_BROADCAST_TO] = true;
    k[OP_CAST] = cuda_cast;
    k[OP_STOP_GRADIENT] = cuda_copy;
    k[OP_COPY] = cuda_copy;
    k[OP_RESHAPE] = cuda_copy;
    k[OP_BROADCAST_TO] = cuda_broadcast_to;
}
