/* sample_gamma.c — Gamma(alpha, 1) draws: Marsaglia–Tsang (2000) with a ziggurat normal,
 * one block per attempt, and the alpha < 1 boost done in log space (the element
 * procedure: sample_hd.h); on the host one C loop over the elements, whose first
 * attempts are computed a chunk at a time. */
#include "sample_int.h"

int smp_any_boost(const gen_array *a) {
    const double *d = a->data;
    for (int64_t i = 0; i < a->size; i++)
        if (d[i] < 1) return 1;
    return 0;
}

static const char fn[] = "gen_random_gamma";

/* The host loop (alpha on the host). */
static gen_array *gamma_host(gen_key key, const gen_array *alpha, const gen_array *unused) {
    (void)unused;
    if (smp_check(fn, "alpha", alpha, SMP_POSITIVE) != GEN_OK) return NULL;
    gen_dtype t = arr_float_type(alpha->dtype);
    gen_scope_begin();
    const gen_array *a = smp_as(alpha, GEN_F64);
    gen_array *out = a ? arr_alloc(fn, t, alpha->ndim, alpha->shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *ad = a->data;
    smp_stream st = smp_stream_new(key, RND_TAG_GAMMA, 0);
    smp_gamma_prm g = {.alpha = -1}; /* no alpha yet (valid ones are > 0) */
    uint64_t w[2 * SMP_CHUNK], wb[2 * SMP_CHUNK] = {0};
    int boost = smp_any_boost(a);
    for (int64_t s = 0; s < out->size; s += SMP_CHUNK) {
        int64_t len = out->size - s < SMP_CHUNK ? out->size - s : SMP_CHUNK;
        smp_first_attempts(&st, s, len, w);
        if (boost) smp_boost_words(&st, s, len, wb);
        for (int64_t k = 0; k < len; k++) {
            int64_t i = s + k;
            if (ad[i] != g.alpha) smp_gamma_init(&g, ad[i]); /* once per run of equal alphas */
            double x = smp_gamma_draw(&g, &st, (uint64_t)i, w[2 * k], w[2 * k + 1], wb[2 * k]);
            if (t == GEN_F64) ((double *)out->data)[i] = x;
            else ((float *)out->data)[i] = (float)x;
        }
    }
    return arr_scope_return(arr_publish(out));
}

static const smp_sampler gamma_sampler = {fn, RND_GAMMA, 1, {"alpha", NULL}, {SMP_POSITIVE, SMP_POSITIVE}, gamma_host};

gen_array *gen_random_gamma(gen_key key, const gen_array *alpha) {
    if (!alpha) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: alpha is NULL", fn);
        return NULL;
    }
    return smp_sample(&gamma_sampler, key, alpha, NULL, arr_float_type(alpha->dtype));
}
