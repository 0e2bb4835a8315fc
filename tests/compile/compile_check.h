/* compile_check.h — how the compile tests compare compiled results with eager ones:
 * integers and bools exactly, f64 to 1e-12 relative, f32 to a few ulp (an absolute floor
 * of that times the array's largest magnitude, for components that cancel to ~0). */
#ifndef GENC_TEST_COMPILE_CHECK_H
#define GENC_TEST_COMPILE_CHECK_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "genc.h"

/* ---- comparing ---- */

static double elem(const gen_array *a, int64_t k) {
    const void *d = gen_array_data(a);
    switch (gen_array_dtype(a)) {
    case GEN_F64: return ((const double *)d)[k];
    case GEN_F32: return ((const float *)d)[k];
    case GEN_I64: return (double)((const int64_t *)d)[k];
    default: return ((const uint8_t *)d)[k];
    }
}

/* got equals want: dtype and shape, integers and bools exactly, floats to rtol relative
 * (an absolute floor of rtol times the array's largest magnitude, for components that
 * cancel to ~0). */
static bool same_array(const char *what, const gen_array *got, const gen_array *want) {
    check_count++;
    if (!got || !want) {
        check_fail(__FILE__, __LINE__, "%s: %s is NULL", what, got ? "want" : "got");
        return false;
    }
    gen_dtype t = gen_array_dtype(want);
    if (gen_array_dtype(got) != t || gen_array_ndim(got) != gen_array_ndim(want) ||
        memcmp(gen_array_shape(got), gen_array_shape(want), (size_t)gen_array_ndim(want) * sizeof(int64_t))) {
        check_fail(__FILE__, __LINE__, "%s: got %s of %d dims, want %s of %d dims", what,
                   gen_dtype_name(gen_array_dtype(got)), gen_array_ndim(got), gen_dtype_name(t), gen_array_ndim(want));
        return false;
    }
    if (t == GEN_I64) {
        const int64_t *a = gen_array_data(got), *b = gen_array_data(want);
        for (int64_t k = 0; k < gen_array_size(want); k++)
            if (a[k] != b[k]) {
                check_fail(__FILE__, __LINE__, "%s: element %lld is %lld, want %lld", what, (long long)k, (long long)a[k],
                           (long long)b[k]);
                return false;
            }
        return true;
    }
    double rtol = t == GEN_F32 ? 4e-7 : t == GEN_F64 ? 1e-12 : 0, scale = 0;
    for (int64_t k = 0; k < gen_array_size(want); k++)
        if (isfinite(elem(want, k))) scale = fmax(scale, fabs(elem(want, k)));
    for (int64_t k = 0; k < gen_array_size(want); k++) {
        double x = elem(got, k), y = elem(want, k);
        bool ok = x == y || (isnan(x) && isnan(y)) ||
                  (isfinite(x) && isfinite(y) && fabs(x - y) <= rtol * fmax(fmax(fabs(x), fabs(y)), scale));
        if (!ok) {
            check_fail(__FILE__, __LINE__, "%s: element %lld is %.17g, want %.17g", what, (long long)k, x, y);
            return false;
        }
    }
    return true;
}

#endif
