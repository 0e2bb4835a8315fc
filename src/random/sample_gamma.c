/* sample_gamma.c — Gamma(alpha, 1) draws: Marsaglia–Tsang (2000) with a ziggurat normal,
 * one block per attempt, and the alpha < 1 boost done in log space; one C loop over the
 * elements, whose first attempts are computed a chunk at a time. */
#include "sample_int.h"

void smp_gamma_init(smp_gamma_prm *g, double alpha) {
    g->alpha = alpha;
    g->boost = alpha < 1;
    g->d = (g->boost ? alpha + 1 : alpha) - 1.0 / 3;
    g->c = 1 / sqrt(9 * g->d);
}

/* Gamma(a') (the unboosted draw x = d v) by Marsaglia–Tsang. Attempt j reads block
 * T({i, j}, A): word 0 the normal z (ziggurat), word 1 the acceptance uniform u. The
 * squeeze u < 1 - 0.0331 z^4 accepts most attempts without a log. */
static double mt_draw(const smp_gamma_prm *g, const smp_stream *st, uint64_t i, uint64_t w0,
                      uint64_t w1) {
    const double d = g->d, c = g->c;
    for (uint64_t j = 0;; j++) {
        if (j > 0) {
            threefry2x64_ctr_t b = smp_attempt(st, i, j);
            w0 = b.v[0], w1 = b.v[1];
        }
        double z = smp_normal(w0, st, i, j);
        double v = 1 + c * z;
        if (v <= 0) continue;
        v = v * v * v;
        double u = rnd_u64_to_f64(w1), z2 = z * z;
        if (u < 1 - 0.0331 * z2 * z2 || log(u) < 0.5 * z2 + d * (1 - v + log(v))) return d * v;
    }
}

/* The boost uniform is word 0 of T({i, 0}, V) (wb), independent of every attempt. */
double smp_gamma_draw(const smp_gamma_prm *g, const smp_stream *st, uint64_t i, uint64_t w0,
                      uint64_t w1, uint64_t wb) {
    double x = mt_draw(g, st, i, w0, w1);
    return g->boost ? exp(log(x) + log(rnd_u64_to_f64(wb)) / g->alpha) : x;
}

double smp_gamma_log_draw(const smp_gamma_prm *g, const smp_stream *st, uint64_t i, uint64_t w0,
                          uint64_t w1, uint64_t wb) {
    double lx = log(mt_draw(g, st, i, w0, w1));
    return g->boost ? lx + log(rnd_u64_to_f64(wb)) / g->alpha : lx;
}

int smp_any_boost(const gen_array *a) {
    const double *d = a->data;
    for (int64_t i = 0; i < a->size; i++)
        if (d[i] < 1) return 1;
    return 0;
}

static const char *bad_alpha(double x) {
    if (x > 0 && x < INFINITY) return NULL;
    return x > 0 ? "finite" : "> 0";
}

static gen_array *gamma_sampler(gen_key key, const gen_array *alpha, const gen_array *unused) {
    (void)unused;
    return gen_random_gamma(key, alpha);
}

gen_array *gen_random_gamma(gen_key key, const gen_array *alpha) {
    static const char fn[] = "gen_random_gamma";
    if (!alpha) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: alpha is NULL", fn);
        return NULL;
    }
    if (smp_on_device(alpha)) return smp_via_host(fn, key, alpha, NULL, gamma_sampler);
    if (smp_check(fn, "alpha", alpha, bad_alpha) != GEN_OK) return NULL;
    gen_dtype t = arr_float_type(alpha->dtype);
    gen_scope_begin();
    const gen_array *a = smp_as(alpha, GEN_F64);
    gen_array *out = a ? arr_alloc("gen_random_gamma", t, alpha->ndim, alpha->shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *ad = a->data;
    smp_stream st = smp_stream_new(key, RND_TAG_GAMMA, 0);
    smp_gamma_prm g = {.alpha = NAN};
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
