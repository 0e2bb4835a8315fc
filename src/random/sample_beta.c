/* sample_beta.c — Beta(a, b) draws as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b); when
 * a or b < 1 the ratio is formed from log X and log Y, so tiny parameters (whose gamma
 * draws underflow) still give correct draws near 0 and 1 instead of 0/0 (the element
 * procedure: sample_hd.h). */
#include "sample_int.h"

/* The words of elements c .. c + len - 1 of one gamma stream, interleaved four per
 * element: the attempt-0 block's two words, then word 0 of the boost block (filled only
 * when some parameter is below 1; see smp_beta_draw); tmp is scratch of 2 * len words. */
static void chunk_words(const smp_stream *st, int64_t c, int64_t len, int boost, uint64_t *w,
                        uint64_t *tmp) {
    smp_first_attempts(st, c, len, tmp);
    for (int64_t k = 0; k < len; k++) w[4 * k] = tmp[2 * k], w[4 * k + 1] = tmp[2 * k + 1];
    if (!boost) return;
    smp_boost_words(st, c, len, tmp);
    for (int64_t k = 0; k < len; k++) w[4 * k + 2] = tmp[2 * k];
}

static const char fn[] = "gen_random_beta";

/* The result's dtype: f32 when both parameters are f32, else f64. */
static gen_dtype beta_dtype(const gen_array *a, const gen_array *b) {
    return arr_float_type(arr_promote(a->dtype, b->dtype));
}

/* The host loop (a and b on the host). */
static gen_array *beta_host(gen_key key, const gen_array *a, const gen_array *b) {
    smp_bcast bc;
    if (smp_broadcast(fn, a, b, &bc) != GEN_OK || smp_check(fn, "a", a, SMP_POSITIVE) != GEN_OK ||
        smp_check(fn, "b", b, SMP_POSITIVE) != GEN_OK)
        return NULL;
    gen_dtype t = beta_dtype(a, b);
    gen_scope_begin();
    const gen_array *af = smp_as(a, GEN_F64), *bf = smp_as(b, GEN_F64);
    gen_array *out = af && bf ? arr_alloc(fn, t, bc.ndim, bc.shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *ad = af->data, *bd = bf->data;
    smp_beta_prm s = {.ga = {.alpha = -1}, .gb = {.alpha = -1}}; /* no parameters yet */
    smp_stream st[2] = {smp_stream_new(key, RND_TAG_BETA, 0), smp_stream_new(key, RND_TAG_BETA, 1)};
    /* per element t of a chunk: wx[4t], wx[4t+1] attempt 0 of X, wx[4t+2] X's boost word */
    uint64_t wx[4 * SMP_CHUNK] = {0}, wy[4 * SMP_CHUNK] = {0}, tmp[2 * SMP_CHUNK];
    int boost = smp_any_boost(af) || smp_any_boost(bf);
    for (int64_t c = 0; c < out->size; c += SMP_CHUNK) {
        int64_t len = out->size - c < SMP_CHUNK ? out->size - c : SMP_CHUNK;
        chunk_words(&st[0], c, len, boost, wx, tmp);
        chunk_words(&st[1], c, len, boost, wy, tmp);
        for (int64_t k = 0; k < len; k++, smp_next(&bc)) {
            int64_t i = c + k;
            double av = ad[bc.off[0]], bv = bd[bc.off[1]];
            if (av != s.ga.alpha || bv != s.gb.alpha) smp_beta_init(&s, av, bv); /* once per run of equal (a, b) */
            double x = smp_beta_draw(&s, st, (uint64_t)i, &wx[4 * k], &wy[4 * k]);
            if (t == GEN_F64) ((double *)out->data)[i] = x;
            else ((float *)out->data)[i] = (float)x;
        }
    }
    return arr_scope_return(arr_publish(out));
}

static const smp_sampler beta_sampler = {fn, RND_BETA, 2, {"a", "b"}, {SMP_POSITIVE, SMP_POSITIVE}, beta_host};

gen_array *gen_random_beta(gen_key key, const gen_array *a, const gen_array *b) {
    if (!a || !b) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, a ? "b" : "a");
        return NULL;
    }
    return smp_sample(&beta_sampler, key, a, b, beta_dtype(a, b));
}
