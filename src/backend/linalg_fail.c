/* linalg_fail.c — the failure message of the factorizations (a matrix that is not
 * positive definite, a singular one), one wording for every backend: the CPU's and the
 * CUDA backend's kernels report the same failure alike. */
#include "backend.h"

gen_status backend_linalg_fail(const char *op, const gen_array *x, int mdims, int64_t flat, const char *what,
                               long long detail) {
    int nb = x->ndim - mdims;
    if (nb == 0) return GEN_FAIL(GEN_ERR_LINALG, "%s: the matrix %s%lld)", op, what, detail);
    int64_t idx[GEN_MAX_DIMS];
    for (int d = nb - 1; d >= 0; d--) idx[d] = flat % x->shape[d], flat /= x->shape[d];
    char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
    return GEN_FAIL(GEN_ERR_LINALG, "%s: the matrix at batch index %s (batch shape %s) %s%lld)", op,
                    arr_shape_str(nb, idx, s1, sizeof s1), arr_shape_str(nb, x->shape, s2, sizeof s2), what,
                    detail);
}
