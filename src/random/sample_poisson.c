/* sample_poisson.c — Poisson(rate) draws: inversion by sequential search for rate < 10,
 * Hörmann's PTRS transformed rejection (1993, as NumPy) for rate >= 10 (the element
 * procedure: sample_hd.h); on the host one C loop over the elements. */
#include "sample_int.h"

static const char fn[] = "gen_random_poisson";

/* The host loop (rate on the host). */
static gen_array *poisson_host(gen_key key, const gen_array *rate, const gen_array *unused) {
    (void)unused;
    if (smp_check(fn, "rate", rate, SMP_RATE) != GEN_OK) return NULL;
    gen_scope_begin();
    const gen_array *r = smp_as(rate, GEN_F64);
    gen_array *out = r ? arr_alloc(fn, GEN_I64, rate->ndim, rate->shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *rd = r->data;
    int64_t *o = out->data;
    smp_pois_prm s = {.rate = -1}; /* no rate yet (valid ones are >= 0) */
    smp_stream st = smp_stream_new(key, RND_TAG_POIS, 0);
    uint64_t w[2 * SMP_CHUNK];
    for (int64_t c = 0; c < out->size; c += SMP_CHUNK) {
        int64_t len = out->size - c < SMP_CHUNK ? out->size - c : SMP_CHUNK;
        smp_first_attempts(&st, c, len, w);
        for (int64_t k = 0; k < len; k++) {
            int64_t i = c + k;
            if (rd[i] != s.rate) smp_pois_init(&s, rd[i]); /* once per run of equal rates */
            o[i] = smp_pois_draw(&s, &st, (uint64_t)i, w[2 * k], w[2 * k + 1]);
        }
    }
    return arr_scope_return(arr_publish(out));
}

static const smp_sampler poisson_sampler = {fn, RND_POISSON, 1, {"rate", NULL}, {SMP_RATE, SMP_RATE}, poisson_host};

gen_array *gen_random_poisson(gen_key key, const gen_array *rate) {
    if (!rate) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: rate is NULL", fn);
        return NULL;
    }
    return smp_sample(&poisson_sampler, key, rate, NULL, GEN_I64);
}
