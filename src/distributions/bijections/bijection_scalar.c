/* bijection_scalar.c — one value through the exp, lower-bound and interval bijections
 * under one reverse-mode transform: x and log |det J| as one tape node with two outputs
 * (the BIJECTION_SCALAR row of ops_fused.def: value and partials in plain C), in place
 * of the array path's ops (a dozen for the interval's branches guarded by where). Unconstrained evaluation (gen_target) moves
 * every selected positive or bounded scalar choice through here at each gradient. */
#include <math.h>
#include <string.h>

#include "../dist_int.h"
#include "../../array/autodiff_int.h"
#include "../../array/fused_math.h"

/* The row's bijection (fused_math.h's bij_scalar_kind), or -1. */
static int kind_of(const gen_bijection *b) {
    const char *n = b->kind->name;
    return !strcmp(n, "exp") ? BIJ_SCALAR_EXP
           : !strcmp(n, "lower_bound") ? BIJ_SCALAR_LOWER
           : !strcmp(n, "interval") ? BIJ_SCALAR_INTERVAL
                                    : -1;
}

bool bij_scalar_forward(const gen_bijection *b, const gen_array *u, gen_array **x, gen_array **ld, gen_status *st) {
    *st = GEN_OK;
    int k = kind_of(b);
    if (k < 0 || u->ndim != 0 || u->dtype != GEN_F64 || u->batched || !ad_single_reverse()) return false;
    int np = bij_scalar_n_params(k);
    gen_array *in[3] = {(gen_array *)u, NULL, NULL};
    for (int i = 0; i < np; i++) {
        gen_array *a = b->params[i];
        if (!a || a->ndim != 0 || a->dtype != GEN_F64 || a->batched || !arr_on_host(a) ||
            !isfinite(*(const double *)a->data))
            return false;
        in[i + 1] = a;
    }
    gen_array *outs[2];
    op_params p = {.k = k};
    *st = op_apply_n(OP_BIJECTION_SCALAR, 1 + np, in, &p, 2, outs);
    *x = outs[0];
    *ld = outs[1];
    return true;
}
