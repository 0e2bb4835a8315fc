/* cauchy_int.h — log(1 + z^2) without overflow for huge |z|, shared by the Cauchy,
 * half-Cauchy and Student-t densities (whose tails are polynomial, so the log density
 * stays finite long after z^2 overflows). */
#ifndef GENC_SRC_DIST_CAUCHY_INT_H
#define GENC_SRC_DIST_CAUCHY_INT_H

#include <math.h>

#include "../dist_int.h"

/* log1p(z^2) for |z| <= 1, 2 log|z| + log1p(1/z^2) beyond; each branch sees only safe
 * inputs (double where), so the gradient is never NaN; +inf at |z| = inf. */
static inline gen_array *cauchy_log1p_square(const gen_array *z) {
    gen_array *a = gen_abs(z);
    gen_array *big = gen_gt(a, dist_const(a, 1));
    gen_array *ab = dist_safe(big, a, 2), *as = gen_where(big, dist_const(a, 0), a);
    gen_array *far = gen_add(gen_mul(dist_const(a, 2), gen_log(ab)),
                             gen_log1p(gen_reciprocal(gen_square(ab))));
    return gen_where(big, far, gen_log1p(gen_square(as)));
}

/* The same in plain C for one z, with *dz = d/dz = 2 z / (1 + z^2) (formed without
 * overflow): the scalar kernels' version (same operations, same rounding). */
static inline double cauchy_log1p_square1(double z, double *dz) {
    double a = fabs(z);
    if (a > 1) {
        double q = 1 / (a * a);
        *dz = 2 / z / (1 + q);
        return 2 * log(a) + log1p(q);
    }
    *dz = 2 * z / (1 + z * z);
    return log1p(z * z);
}

#endif
