/* sample_common.c — what the raw samplers share: stream keys, parameter validation with messages that
 * name the bad element, casts, broadcasting of two parameters, log-factorials, device
 * parameters through host copies. */
#include <string.h>

#include "sample_int.h"

smp_stream smp_stream_new(gen_key key, uint64_t tag, uint64_t s) {
    threefry2x64_ctr_t a = rnd_block(key, 3 * s, tag), z = rnd_block(key, 3 * s + 1, tag),
                       v = rnd_block(key, 3 * s + 2, tag);
    return (smp_stream){{{a.v[0], a.v[1]}}, {{z.v[0], z.v[1]}}, {{v.v[0], v.v[1]}}};
}

/* k! for k <= 22: exact in binary64. */
static const double FACT[23] = {
    1.0, 1.0, 2.0, 6.0, 24.0, 120.0, 720.0, 5040.0, 40320.0, 362880.0, 3628800.0,
    39916800.0, 479001600.0, 6227020800.0, 87178291200.0, 1307674368000.0,
    20922789888000.0, 355687428096000.0, 6402373705728000.0, 1.21645100408832e+17,
    2.43290200817664e+18, 5.109094217170944e+19, 1.1240007277776077e+21};

/* log(k!): the exact factorial's log for k <= 22, else Stirling's series for
 * lgamma(x), x = k + 1 >= 24, to x^-7 (the next term is below 4e-16). */
double smp_log_factorial(double k) {
    if (k <= 22) return log(FACT[(int)k]);
    double x = k + 1, r = 1 / x, r2 = r * r;
    double s = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680))));
    return (x - 0.5) * log(x) - x + 0.91893853320467274178 + s; /* 0.5 log(2 pi) */
}

gen_status smp_check_slow(const char *fn, const char *name, const gen_array *a, smp_bad_fn bad) {
    for (int64_t i = 0; i < a->size; i++) {
        double x = arr_get_f64(a, i);
        const char *want = bad(x);
        if (!want) continue;
        int64_t idx[GEN_MAX_DIMS], rest = i;
        for (int d = a->ndim - 1; d >= 0; d--) {
            idx[d] = rest % a->shape[d];
            rest /= a->shape[d];
        }
        char where[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be %s, got %g at index %s", fn, name, want, x,
                        arr_shape_str(a->ndim, idx, where, sizeof where));
    }
    return GEN_OK;
}

gen_array *smp_via_host(const char *fn, gen_key key, const gen_array *a, const gen_array *b, smp_sampler_fn f) {
    const backend *to = arr_backend_of(arr_on_host(a) ? b : a);
    gen_array *ha = arr_host_ref(a), *hb = ha && b ? arr_host_ref(b) : NULL, *r = NULL;
    if (ha && (!b || hb) && gen_scope_begin() == GEN_OK) {
        gen_array *h = f(key, ha, hb);
        r = h ? arr_copy_to_backend(fn, h, to) : NULL;
        gen_scope_end();
    }
    gen_array_release(ha);
    gen_array_release(hb);
    return arr_publish(r);
}

const gen_array *smp_as(const gen_array *a, gen_dtype t) {
    return a->dtype == t ? a : gen_cast(a, t);
}

gen_status smp_broadcast(const char *fn, const gen_array *a, const gen_array *b, smp_bcast *out) {
    memset(out, 0, sizeof *out);
    gen_status s = arr_broadcast_shapes(fn, a->ndim, a->shape, b->ndim, b->shape, &out->ndim,
                                        out->shape);
    if (s != GEN_OK) return s;
    arr_broadcast_strides(a, out->ndim, out->shape, out->strides[0]);
    arr_broadcast_strides(b, out->ndim, out->shape, out->strides[1]);
    return GEN_OK;
}
