/* cpu.h — helpers shared by the CPU kernels (prefix cpu_). */
#ifndef GENC_SRC_CPU_H
#define GENC_SRC_CPU_H

#include "../../array/op.h"

/* Walks an output of shape (ndim, shape) in row-major order, keeping for each of up
 * to CPU_ITER_MAX operands the element offset given its strides (0 on broadcast axes).
 * Kernels loop over the innermost axis themselves:
 *
 *   cpu_iter it; cpu_iter_init(&it, out->ndim, out->shape, 2, strides);
 *   do { for (j = 0; j < it.inner; j++) o[it.off[0] + j*it.step[0]] = ...;
 *   } while (cpu_iter_next(&it));
 */
#define CPU_ITER_MAX 4
typedef struct cpu_iter {
    int ndim, nops;
    int64_t inner;                       /* length of the innermost axis */
    int64_t shape[GEN_MAX_DIMS];
    int64_t strides[CPU_ITER_MAX][GEN_MAX_DIMS];
    int64_t idx[GEN_MAX_DIMS];
    int64_t off[CPU_ITER_MAX];
    int64_t step[CPU_ITER_MAX];          /* innermost stride of each operand */
    bool done;
} cpu_iter;

/* strides[k] points to ndim strides for operand k. An empty shape gives done = true
 * immediately (callers check it.done before the first pass). */
void cpu_iter_init(cpu_iter *it, int ndim, const int64_t *shape, int nops,
                   int64_t (*strides)[GEN_MAX_DIMS]);
/* Advances to the next innermost row; false when finished. */
bool cpu_iter_next(cpu_iter *it);

/* Sets up strides[k] for c->in[k] broadcast to c->out's shape, k < n, and inits. */
void cpu_iter_broadcast(cpu_iter *it, const op_call *c, int n);

/* Whether a (broadcast against out) repeats as a whole block: its shape, leading 1s
 * aside, is out's trailing shape, so element i of out pairs with a[i % a->size]. */
bool cpu_is_suffix(const gen_array *a, const gen_array *out);
/* Whether a (broadcast against out) has out's leading shape and size-1 trailing axes, so
 * element i of out pairs with a[i / (out->size / a->size)]. */
bool cpu_is_prefix(const gen_array *a, const gen_array *out);

#endif
