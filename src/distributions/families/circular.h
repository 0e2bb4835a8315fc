/* circular.h — shared pieces of the circular families (von_mises, wrapped_cauchy): the
 * [-pi, pi) support bounds they own, and wrapping angles into that range. */
#ifndef GENC_SRC_DIST_CIRCULAR_H
#define GENC_SRC_DIST_CIRCULAR_H

#include "../dist_int.h"

#define CIRC_PI 3.14159265358979323846
#define CIRC_2PI 6.28318530717958647693

/* d->extra for circular families: 0-d bounds -pi and pi of the value dtype (owned). */
typedef struct circ_bounds {
    gen_array *lo, *hi;
} circ_bounds;

/* dist_new_scalar plus the bounds; NULL on error (nothing leaks). */
gen_dist *circ_new(const dist_family *f, int n_params, const gen_array *const *params);
void circ_free_extra(gen_dist *d);
/* GEN_SUPPORT_INTERVAL with the bounds. */
gen_status circ_support(const gen_dist *d, gen_support *out);
/* x wrapped into [-pi, pi) (C doubles). */
double circ_wrap(double x);
/* Logpdf mask: -pi <= x <= pi and x not NaN (pi itself, the same angle as -pi, is
 * accepted so that a value rounded up to pi is not "outside" the circle). */
gen_array *circ_in_support(const gen_array *x);

#endif
