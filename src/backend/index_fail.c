/* index_fail.c — the failure messages of an index out of range in the gathers and
 * scatters (take, index_set, index_add; take_along, scatter_along), one wording for
 * every backend: the CPU's kernels and the CUDA backend's report the same index alike. */
#include "backend.h"

gen_status backend_index_fail(const op_call *c, int64_t pos, int64_t value, int64_t n) {
    const gen_array *idx = c->in[1];
    int64_t at[GEN_MAX_DIMS];
    for (int d = idx->ndim - 1; d >= 0; d--) at[d] = pos % idx->shape[d], pos /= idx->shape[d];
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_INDEX, "%s: index %lld at indices%s is out of range for axis %d of size %lld (array %s)",
                    op_table[c->op].name, (long long)value, arr_shape_str(idx->ndim, at, s1, sizeof s1), c->p->axis,
                    (long long)n, arr_shape_str(c->in[0]->ndim, c->in[0]->shape, s2, sizeof s2));
}

gen_status backend_axis_index_fail(const op_call *c, int64_t value, int64_t n) {
    return GEN_FAIL(GEN_ERR_VALUE, "%s: index %lld is out of range for an axis of size %lld", op_table[c->op].name,
                    (long long)value, (long long)n);
}
