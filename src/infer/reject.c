/* reject.c — the one rule every kernel follows for a model run that fails at a point it
 * proposes: a point the model rejects (a refused distribution parameter, a NaN or +inf
 * log density, a non-finite gradient where the density is finite, a linear-algebra
 * failure) is a rejection (MH, Gibbs, elliptical slice) or a divergence (HMC, MALA,
 * NUTS); anything else is an error that propagates. See gen_divergence (genc/infer.h). */
#include <stdio.h>

#include "infer_int.h"

gen_divergence infer_rejection(gen_status s, char *msg, size_t n) {
    gen_divergence why = GEN_DIVERGENCE_NONE;
    if (s == GEN_ERR_LINALG) {
        why = GEN_DIVERGENCE_LINALG;
    } else if (s == GEN_ERR_VALUE && core_error_pending() == GEN_ERR_VALUE) {
        switch (core_error_marked()) {
        case CORE_REJECT_PARAMETER: why = GEN_DIVERGENCE_PARAMETER; break;
        case CORE_REJECT_DENSITY: why = GEN_DIVERGENCE_DENSITY; break;
        case CORE_REJECT_GRADIENT: why = GEN_DIVERGENCE_GRADIENT; break;
        case CORE_REJECT_NONE: break;
        }
    }
    if (why != GEN_DIVERGENCE_NONE) {
        if (msg && n) snprintf(msg, n, "%s", gen_error_message());
        gen_error_clear();
    }
    return why;
}

const char *infer_divergence_name(gen_divergence why) {
    switch (why) {
    case GEN_DIVERGENCE_NONE: return "none";
    case GEN_DIVERGENCE_ENERGY: return "too large an energy error";
    case GEN_DIVERGENCE_DENSITY: return "a log density of -inf, NaN or +inf";
    case GEN_DIVERGENCE_GRADIENT: return "a non-finite gradient";
    case GEN_DIVERGENCE_LINALG: return "a linear-algebra failure";
    case GEN_DIVERGENCE_PARAMETER: return "a distribution parameter outside its domain";
    }
    return "?";
}
