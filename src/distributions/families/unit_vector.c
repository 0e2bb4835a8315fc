/* unit_vector.c — the uniform distribution on the unit sphere of R^K (Stan's
 * unit_vector[K] with no prior, made proper): density Gamma(K/2) / (2 pi^(K/2)), the
 * inverse of the sphere's area; draws are standard normals over their norm. */
#include <math.h>

#include "../dist_int.h"

#define LOG_PI 1.14472988584940017414
#define LOG2 0.69314718055994530942

static gen_array *unit_vector_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *z = gen_random_normal(key, d->dtype, ndim, shape);
    return gen_div(z, gen_sqrt(gen_sum(gen_square(z), GEN_AXES(-1), true)));
}

/* On the sphere when | |x|^2 - 1 | <= 1e-8 (1e-4 in f32). */
static gen_array *unit_vector_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *xf = gen_cast(x, arr_float_type((gen_dtype)x->dtype));
    if (!xf) return NULL;
    double k = (double)d->event_shape[0], tol = xf->dtype == GEN_F32 ? 1e-4 : 1e-8;
    gen_array *err = gen_abs(gen_sub(gen_sum(gen_square(xf), GEN_AXES(-1), false), dist_const(xf, 1)));
    gen_array *ok = gen_le(err, dist_const(xf, tol));
    return dist_mask_support(ok, dist_const(xf, lgamma(k / 2) - LOG2 - k / 2 * LOG_PI));
}

static gen_status unit_vector_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_UNIT_VECTOR;
    return GEN_OK;
}

static const dist_family unit_vector_family = {
    .name = "unit_vector",
    .sample = unit_vector_sample,
    .logpdf = unit_vector_logpdf,
    .support = unit_vector_support,
};

gen_dist *gen_unit_vector(int64_t K) {
    if (K < 2) {
        GEN_FAIL(GEN_ERR_VALUE, "unit_vector: K must be >= 2, got %lld", (long long)K);
        return NULL;
    }
    return dist_new(&unit_vector_family, GEN_F64, 0, NULL, 0, NULL, 1, &K);
}
