/* reduce.h — helpers shared by reduction ops (prefix red_). */
#ifndef GENC_SRC_REDUCE_H
#define GENC_SRC_REDUCE_H

#include "op.h"

/* Fills p->naxes/axes (normalized, sorted, unique; naxes == 0 with axes == NULL means
 * all axes) and p->keepdims; records an error naming op on a bad axis. */
gen_status red_params(const char *op, const gen_array *a, int naxes, const int *axes,
                      bool keepdims, op_params *p);
/* Whether axis d is reduced under p. */
static inline bool red_is_reduced(const op_params *p, int d) {
    for (int k = 0; k < p->naxes; k++)
        if (p->axes[k] == d) return true;
    return false;
}
/* The result's shape with reduced axes kept as size 1 (keepdims form). */
void red_keepdims_shape(const gen_array *a, const op_params *p, int64_t *shape);
/* Shape rule: a's shape with the axes in p removed (or kept as 1); dtype of in[0]. */
gen_status shape_reduce(const op_call *c, op_sig *s);
/* shape_reduce, and an error naming the op when a nonempty result would reduce over
 * zero elements (max, min: no identity). */
gen_status shape_reduce_nonempty(const op_call *c, op_sig *s);
/* g (the reduced result's shape) reshaped to keepdims form, so it broadcasts against
 * a. Published. */
gen_array *red_keep(gen_array *g, const gen_array *a, const op_params *p);
/* g (the reduced result's shape) reshaped to keepdims form and broadcast to a's
 * shape: the cotangent pattern of every reduction. Published. */
gen_array *red_expand(gen_array *g, const gen_array *a, const op_params *p);
/* A 0-d array of x's dtype holding v (so constants keep f32 f32). Published. */
gen_array *red_like(const gen_array *x, double v);
/* y with -inf replaced by 0: the reference point of exp(x - y) weights when every x
 * is -inf (the weights are then exp(-inf) = 0, not nan). Published. */
gen_array *red_neginf_safe(gen_array *y);

#endif
