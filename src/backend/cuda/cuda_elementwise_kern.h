/* cuda_elementwise_kern.h — the launchers of cuda_elementwise.cu (the elementwise ops of
 * ops_unary.def, ops_binary.def and ops_core.def) for cuda_elementwise.c. Plain data
 * (cuda_kern.h): each queues one kernel on stream s and returns the launch's status. The
 * arguments have the dtypes the op's CPU kernel receives; out is allocated. */
#ifndef GENC_SRC_CUDA_ELEMENTWISE_KERN_H
#define GENC_SRC_CUDA_ELEMENTWISE_KERN_H

#include "cuda_kern.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ops' codes: their rows of the three tables, in order (cuda_elementwise.c maps
 * op ids to these). */
enum cu_ew_op {
#define OP(ID, name, arity, shape, cpu, vjp, jvp) CU_EW_##ID,
#include "../../array/ops_unary.def"
#include "../../array/ops_binary.def"
#include "../../array/ops_core.def"
#undef OP
    CU_EW_COUNT
};

/* out = op(in), element by element (the same shape). */
cudaError_t cu_ew_unary(cudaStream_t s, int op, cu_arr out, cu_arr in);
/* out = op(a, b), with a and b read as bc says (bc->nin = 2). */
cudaError_t cu_ew_binary(cudaStream_t s, int op, cu_arr out, cu_arr a, cu_arr b, const cu_bcast *bc);
/* where(x0, x1, x2) or clip(x0, x1, x2) (op CU_EW_WHERE or CU_EW_CLIP), bc->nin = 3. */
cudaError_t cu_ew_ternary(cudaStream_t s, int op, cu_arr out, cu_arr x0, cu_arr x1, cu_arr x2, const cu_bcast *bc);
/* out = in converted to out's dtype as arr_convert does. */
cudaError_t cu_ew_cast(cudaStream_t s, cu_arr out, cu_arr in);
/* out = in broadcast to out's shape (bc->nin = 1), any dtype. */
cudaError_t cu_ew_broadcast(cudaStream_t s, cu_arr out, cu_arr in, const cu_bcast *bc);

#ifdef __cplusplus
}
#endif

#endif
