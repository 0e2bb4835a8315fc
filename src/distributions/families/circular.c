/* circular.c — support bounds and angle wrapping shared by von_mises and wrapped_cauchy. */
#include <math.h>

#include "circular.h"

static gen_array *bound(gen_dtype t, double v) {
    gen_array *a = arr_alloc_scalar(t); /* owned by the distribution, not a scope */
    if (a) arr_set_f64(t, a->data, 0, v);
    return a;
}

/* Built inside a scope so that a failure after dist_new_scalar frees d. */
gen_dist *circ_new(const dist_family *f, int n_params, const gen_array *const *params) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_dist *d = dist_new_scalar(f, n_params, params, -1);
    circ_bounds *b = d ? core_calloc(1, sizeof *b) : NULL;
    if (b) {
        d->extra = b; /* freed with d */
        b->lo = bound(d->dtype, -CIRC_PI);
        b->hi = bound(d->dtype, CIRC_PI);
    }
    d = b && b->lo && b->hi ? gen_dist_scope_return(d) : NULL;
    gen_scope_end();
    return d;
}

void circ_free_extra(gen_dist *d) {
    circ_bounds *b = d->extra;
    if (!b) return;
    gen_array_release(b->lo);
    gen_array_release(b->hi);
    core_free(b, sizeof *b);
}

gen_status circ_support(const gen_dist *d, gen_support *out) {
    const circ_bounds *b = d->extra;
    out->kind = GEN_SUPPORT_INTERVAL;
    out->lo = b->lo;
    out->hi = b->hi;
    return GEN_OK;
}

double circ_wrap(double x) {
    double y = x - CIRC_2PI * floor((x + CIRC_PI) / CIRC_2PI);
    if (y >= CIRC_PI) y -= CIRC_2PI; /* rounding at the ends */
    if (y < -CIRC_PI) y += CIRC_2PI;
    return y;
}

gen_array *circ_in_support(const gen_array *x) {
    /* bounds in x's float type: f32 values compare with pi rounded to f32 */
    return gen_logical_and(gen_ge(x, dist_const(x, -CIRC_PI)), gen_le(x, dist_const(x, CIRC_PI)));
}
