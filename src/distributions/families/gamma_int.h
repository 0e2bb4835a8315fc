/* gamma_int.h — the x^a and (1-x)^b factors of gamma-like densities (gamma, chi2,
 * weibull, beta) in log space, with the limits at the support's edge: a log x is 0 when
 * a = 0 and x = 0 (so Gamma(1, theta) has density 1/theta at 0), +-inf otherwise. */
#ifndef GENC_SRC_DIST_GAMMA_INT_H
#define GENC_SRC_DIST_GAMMA_INT_H

#include <math.h>

#include "../dist_int.h"

/* a * log(x) for x >= 0, with 0 * log 0 = 0. Where both are 0, log sees 1 instead, so
 * neither the value nor the gradient is NaN. */
static inline gen_array *gamma_xlogy(const gen_array *a, const gen_array *x) {
    if (!a || !x) return NULL;
    if (dist_all_between(x, 0x1p-1074, INFINITY)) return gen_mul(a, gen_log(x)); /* no zeros */
    gen_array *both = gen_logical_and(gen_eq(a, dist_const(a, 0)), gen_eq(x, dist_const(x, 0)));
    return gen_mul(a, gen_log(dist_safe(gen_logical_not(both), x, 1)));
}

/* a * log1p(y) for y >= -1, with 0 * log1p(-1) = 0 (the same trick). */
static inline gen_array *gamma_xlog1py(const gen_array *a, const gen_array *y) {
    if (!a || !y) return NULL;
    if (dist_all_between(y, -1 + 0x1p-53, INFINITY)) return gen_mul(a, gen_log1p(y)); /* no -1 */
    gen_array *both = gen_logical_and(gen_eq(a, dist_const(a, 0)), gen_eq(y, dist_const(y, -1)));
    return gen_mul(a, gen_log1p(dist_safe(gen_logical_not(both), y, 0)));
}

#endif
