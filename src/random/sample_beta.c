/* sample_beta.c — Beta(a, b) draws as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b); when
 * a or b < 1 the ratio is formed from log X and log Y, so tiny parameters (whose gamma
 * draws underflow) still give correct draws near 0 and 1 instead of 0/0. */
#include "sample_int.h"

/* X / (X + Y) from lx = log X, ly = log Y, without forming X or Y. */
static double ratio_from_logs(double lx, double ly) {
    double d = ly - lx;
    if (d != d) d = 0; /* both -inf (subnormal parameters): no information left */
    if (d <= 0) return 1 / (1 + exp(d));
    double e = exp(-d);
    return e / (1 + e);
}

typedef struct beta_prm {
    smp_gamma_prm ga, gb;
    int logspace;
} beta_prm;

/* X is element i of gamma stream 0, Y of gamma stream 1 (both under the BETA tag), each
 * given w[0], w[1]: the words of its attempt-0 block, and w[2]: word 0 of its boost block
 * (filled only when some parameter is below 1). */
static double beta_draw(const beta_prm *s, const smp_stream st[2], uint64_t i, const uint64_t *wx,
                        const uint64_t *wy) {
    if (!s->logspace) {
        double x = smp_gamma_draw(&s->ga, &st[0], i, wx[0], wx[1], 0);
        double y = smp_gamma_draw(&s->gb, &st[1], i, wy[0], wy[1], 0);
        return x / (x + y);
    }
    return ratio_from_logs(smp_gamma_log_draw(&s->ga, &st[0], i, wx[0], wx[1], wx[2]),
                           smp_gamma_log_draw(&s->gb, &st[1], i, wy[0], wy[1], wy[2]));
}

/* The words of elements c .. c + len - 1 of one gamma stream, interleaved four per
 * element (see beta_draw); tmp is scratch of 2 * len words. */
static void chunk_words(const smp_stream *st, int64_t c, int64_t len, int boost, uint64_t *w,
                        uint64_t *tmp) {
    smp_first_attempts(st, c, len, tmp);
    for (int64_t k = 0; k < len; k++) w[4 * k] = tmp[2 * k], w[4 * k + 1] = tmp[2 * k + 1];
    if (!boost) return;
    smp_boost_words(st, c, len, tmp);
    for (int64_t k = 0; k < len; k++) w[4 * k + 2] = tmp[2 * k];
}

static const char *bad_param(double x) {
    if (x > 0 && x < INFINITY) return NULL;
    return x > 0 ? "finite" : "> 0";
}

gen_array *gen_random_beta(gen_key key, const gen_array *a, const gen_array *b) {
    static const char fn[] = "gen_random_beta";
    if (!a || !b) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, a ? "b" : "a");
        return NULL;
    }
    if (smp_on_device(a) || smp_on_device(b)) return smp_via_host(fn, key, a, b, gen_random_beta);
    smp_bcast bc;
    if (smp_broadcast(fn, a, b, &bc) != GEN_OK || smp_check(fn, "a", a, bad_param) != GEN_OK ||
        smp_check(fn, "b", b, bad_param) != GEN_OK)
        return NULL;
    gen_dtype t = arr_float_type(arr_promote(a->dtype, b->dtype));
    gen_scope_begin();
    const gen_array *af = smp_as(a, GEN_F64), *bf = smp_as(b, GEN_F64);
    gen_array *out = af && bf ? arr_alloc(fn, t, bc.ndim, bc.shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *ad = af->data, *bd = bf->data;
    beta_prm s = {.ga = {.alpha = NAN}, .gb = {.alpha = NAN}};
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
            if (av != s.ga.alpha || bv != s.gb.alpha) { /* once per run of equal (a, b) */
                smp_gamma_init(&s.ga, av);
                smp_gamma_init(&s.gb, bv);
                s.logspace = s.ga.boost || s.gb.boost;
            }
            double x = beta_draw(&s, st, (uint64_t)i, &wx[4 * k], &wy[4 * k]);
            if (t == GEN_F64) ((double *)out->data)[i] = x;
            else ((float *)out->data)[i] = (float)x;
        }
    }
    return arr_scope_return(arr_publish(out));
}
