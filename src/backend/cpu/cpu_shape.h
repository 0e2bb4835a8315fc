/* cpu_shape.h — a helper shared by the shape kernels (cpu_shape.c, cpu_shape_index.c). */
#ifndef GENC_SRC_CPU_SHAPE_H
#define GENC_SRC_CPU_SHAPE_H

#include "cpu.h"

/* Views an array of shape (ndim, shape) as [outer, shape[axis], inner]. */
static inline void cpu_split_axis(int ndim, const int64_t *shape, int axis, int64_t *outer,
                                  int64_t *inner) {
    *outer = 1, *inner = 1;
    for (int d = 0; d < axis; d++) *outer *= shape[d];
    for (int d = axis + 1; d < ndim; d++) *inner *= shape[d];
}

#endif
