/* bijection_support.c — the default bijection from unconstrained space onto each kind of
 * support, which gradient-based inference uses to move to an unconstrained space. */
#include "../dist_int.h"

gen_bijection *bij_for_support(const char *family, const gen_support *s) {
    switch (s->kind) {
    case GEN_SUPPORT_REAL: return gen_bijection_identity();
    case GEN_SUPPORT_POSITIVE: return gen_bijection_exp();
    case GEN_SUPPORT_GREATER_THAN: return gen_bijection_lower_bound(s->lo);
    case GEN_SUPPORT_LESS_THAN: return gen_bijection_upper_bound(s->hi);
    case GEN_SUPPORT_INTERVAL: return gen_bijection_interval(s->lo, s->hi);
    case GEN_SUPPORT_SIMPLEX: return gen_bijection_stick_breaking();
    case GEN_SUPPORT_POSITIVE_DEFINITE: return gen_bijection_positive_definite();
    case GEN_SUPPORT_CORR_CHOLESKY: return gen_bijection_corr_cholesky();
    default: break;
    }
    GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: no bijection onto a %s support", family, gen_support_name(s->kind));
    return NULL;
}
