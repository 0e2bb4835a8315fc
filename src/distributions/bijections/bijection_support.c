/* bijection_support.c — the default bijection from unconstrained space onto each kind of
 * support, which gradient-based inference uses to move to an unconstrained space. */
#include "../dist_int.h"

gen_bijection *bij_for_support(const char *family, const gen_support *s, int ndim, const int64_t *shape) {
    switch (s->kind) {
    case GEN_SUPPORT_REAL: return gen_bijection_identity();
    case GEN_SUPPORT_POSITIVE: return gen_bijection_exp();
    case GEN_SUPPORT_GREATER_THAN: return gen_bijection_lower_bound(s->lo);
    case GEN_SUPPORT_LESS_THAN: return gen_bijection_upper_bound(s->hi);
    case GEN_SUPPORT_INTERVAL: return gen_bijection_interval(s->lo, s->hi);
    case GEN_SUPPORT_SIMPLEX: return gen_bijection_stick_breaking();
    case GEN_SUPPORT_POSITIVE_DEFINITE: return gen_bijection_positive_definite();
    case GEN_SUPPORT_CORR_CHOLESKY: return gen_bijection_corr_cholesky();
    case GEN_SUPPORT_ORDERED: return gen_bijection_ordered();
    case GEN_SUPPORT_POSITIVE_ORDERED: return gen_bijection_positive_ordered();
    case GEN_SUPPORT_UNIT_VECTOR: return gen_bijection_unit_vector();
    case GEN_SUPPORT_CHOLESKY_COV:
        if (ndim >= 2) return gen_bijection_cholesky_cov(shape[ndim - 2], shape[ndim - 1]);
        GEN_FAIL(GEN_ERR_SHAPE, "%s: a cholesky_cov support needs a matrix event shape [M, N], got %d dimensions",
                 family, ndim);
        return NULL;
    case GEN_SUPPORT_INTEGER_RANGE:
    case GEN_SUPPORT_BOOLEAN:
    case GEN_SUPPORT_POINT:
    case GEN_SUPPORT_INTEGER_VECTOR:
    case GEN_SUPPORT_CUSTOM: break;
    }
    GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: no bijection onto a %s support", family, gen_support_name(s->kind));
    return NULL;
}
