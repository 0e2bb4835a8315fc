/* ops_shape.c — shape ops: public functions, shape rules and gradient rules (rows in
 * ops_shape.def, kernels in backend/cpu/cpu_shape.c). */
#include <string.h>

#include "op.h"

/* ---- permute / transpose ---- */

gen_status shape_permute(const op_call *c, op_sig *s) {
    const gen_array *a = c->in[0];
    s->dtype = (gen_dtype)a->dtype;
    s->ndim = a->ndim;
    for (int i = 0; i < a->ndim; i++) s->shape[i] = a->shape[c->p->axes[i]];
    return GEN_OK;
}
gen_array *vjp_permute(const op_call *c, int i, gen_array *g) {
    (void)i;
    int inv[GEN_MAX_DIMS];
    for (int k = 0; k < c->p->naxes; k++) inv[c->p->axes[k]] = k;
    return gen_permute(g, c->p->naxes, inv);
}
gen_array *jvp_permute(const op_call *c, gen_array *const *t) {
    return gen_permute(t[0], c->p->naxes, c->p->axes);
}

gen_array *gen_permute(const gen_array *a, int naxes, const int *perm) {
    if (!a) return op_apply1(OP_PERMUTE, a, NULL);
    if (naxes != a->ndim || (naxes && !perm)) {
        GEN_FAIL(GEN_ERR_VALUE, "permute: %d axes given for an array of %d dimensions", naxes, a->ndim);
        return NULL;
    }
    op_params p = {.naxes = naxes};
    bool seen[GEN_MAX_DIMS] = {false};
    for (int i = 0; i < naxes; i++) {
        int ax;
        if (arr_norm_axis("permute", perm[i], a->ndim, &ax) != GEN_OK) return NULL;
        if (seen[ax]) {
            GEN_FAIL(GEN_ERR_VALUE, "permute: axis %d appears twice", perm[i]);
            return NULL;
        }
        seen[ax] = true;
        p.axes[i] = ax;
    }
    return op_apply1(OP_PERMUTE, a, &p);
}

gen_array *gen_transpose(const gen_array *a) {
    int perm[GEN_MAX_DIMS];
    int n = a ? a->ndim : 0;
    for (int i = 0; i < n; i++) perm[i] = n - 1 - i;
    return gen_permute(a, n, perm);
}

gen_array *gen_matrix_transpose(const gen_array *a) {
    if (a && a->ndim < 2) {
        GEN_FAIL(GEN_ERR_SHAPE, "matrix_transpose: needs at least 2 dimensions, got %d", a->ndim);
        return NULL;
    }
    int perm[GEN_MAX_DIMS];
    int n = a ? a->ndim : 0;
    for (int i = 0; i < n; i++) perm[i] = i;
    if (n >= 2) perm[n - 2] = n - 1, perm[n - 1] = n - 2;
    return gen_permute(a, n, perm);
}

/* ---- expand_dims / squeeze: reshapes ---- */

gen_array *gen_expand_dims(const gen_array *a, int axis) {
    if (!a) return gen_reshape(a, 0, NULL);
    if (a->ndim == GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "expand_dims: already %d dimensions", GEN_MAX_DIMS);
        return NULL;
    }
    int ax;
    if (arr_norm_axis("expand_dims", axis, a->ndim + 1, &ax) != GEN_OK) return NULL;
    int64_t shape[GEN_MAX_DIMS];
    for (int i = 0, j = 0; i <= a->ndim; i++) shape[i] = i == ax ? 1 : a->shape[j++];
    return gen_reshape(a, a->ndim + 1, shape);
}

gen_array *gen_squeeze(const gen_array *a, int naxes, const int *axes) {
    if (!a) return gen_reshape(a, 0, NULL);
    bool drop[GEN_MAX_DIMS] = {false};
    if (naxes == 0) {
        for (int d = 0; d < a->ndim; d++) drop[d] = a->shape[d] == 1;
    } else {
        for (int k = 0; k < naxes; k++) {
            int ax;
            if (arr_norm_axis("squeeze", axes[k], a->ndim, &ax) != GEN_OK) return NULL;
            if (a->shape[ax] != 1) {
                GEN_FAIL(GEN_ERR_SHAPE, "squeeze: axis %d has size %lld, not 1", axes[k],
                         (long long)a->shape[ax]);
                return NULL;
            }
            drop[ax] = true;
        }
    }
    int64_t shape[GEN_MAX_DIMS];
    int n = 0;
    for (int d = 0; d < a->ndim; d++)
        if (!drop[d]) shape[n++] = a->shape[d];
    return gen_reshape(a, n, shape);
}
