/* sample_poisson.c — Poisson(rate) draws: inversion by sequential search for rate < 10,
 * Hörmann's PTRS transformed rejection (1993, as NumPy) for rate >= 10. */
#include "sample_int.h"

#define POIS_TABLE 64
/* NumPy's bound: INT64_MAX less ten standard deviations, so draws fit in i64. */
#define POIS_RATE_MAX 9.223372006484771e18

typedef struct pois_prm {
    double rate;
    /* inversion: F[0..filled] the CDF so far, p the last pmf term, sat once F stops growing */
    double F[POIS_TABLE], p;
    int filled, sat;
    /* PTRS */
    double loglam, a, b, invalpha, vr, log_invalpha;
} pois_prm;

static void pois_init(pois_prm *s, double rate) {
    s->rate = rate;
    if (rate < 10) {
        s->p = s->F[0] = exp(-rate);
        s->filled = 0;
        s->sat = 0;
        return;
    }
    double slam = sqrt(rate);
    s->loglam = log(rate);
    s->b = 0.931 + 2.53 * slam;
    s->a = -0.059 + 0.02483 * s->b;
    s->invalpha = 1.1239 + 1.1328 / (s->b - 3.4);
    s->vr = 0.9277 - 3.6224 / (s->b - 2);
    s->log_invalpha = log(s->invalpha);
}

/* Smallest k with u <= F_k, where p_0 = F_0 = exp(-rate), p_k = p_{k-1} * rate / k,
 * F_k = F_{k-1} + p_k; the search stops at k when F_{k+1} == F_k (rounding saturated)
 * or k = 63. The CDF is cached across elements with the same rate. */
static int64_t pois_inversion(pois_prm *s, double u) {
    int k = 0;
    while (u > s->F[k]) {
        if (k == s->filled) {
            if (s->sat || k == POIS_TABLE - 1) return k;
            s->p = s->p * s->rate / (k + 1);
            double f = s->F[k] + s->p;
            if (f == s->F[k]) {
                s->sat = 1;
                return k;
            }
            s->F[++s->filled] = f;
        }
        k++;
    }
    return k;
}

/* PTRS; attempt j reads block T({i, j}, A) (w: the words of attempt 0):
 * U = u0 - 0.5, V = u1. */
static int64_t pois_ptrs(const pois_prm *s, const smp_stream *st, uint64_t i, const uint64_t *w) {
    const double lam = s->rate, a = s->a, b = s->b;
    uint64_t w0 = w[0], w1 = w[1];
    for (uint64_t j = 0;; j++) {
        if (j > 0) {
            threefry2x64_ctr_t blk = smp_attempt(st, i, j);
            w0 = blk.v[0], w1 = blk.v[1];
        }
        double U = rnd_u64_to_f64(w0) - 0.5, V = rnd_u64_to_f64(w1);
        double us = 0.5 - fabs(U);
        double k = floor((2 * a / us + b) * U + lam + 0.43);
        if (us >= 0.07 && V <= s->vr) return (int64_t)k;
        if (k < 0 || k >= 0x1p63 || (us < 0.013 && V > us)) continue;
        if (log(V) + s->log_invalpha - log(a / (us * us) + b) <=
            -lam + k * s->loglam - smp_log_factorial(k))
            return (int64_t)k;
    }
}

static const char *bad_rate(double x) {
    if (x >= 0 && x <= POIS_RATE_MAX) return NULL;
    return x >= 0 ? "<= 9.223372006484771e18 (draws must fit in i64)" : ">= 0";
}

static gen_array *poisson_sampler(gen_key key, const gen_array *rate, const gen_array *unused) {
    (void)unused;
    return gen_random_poisson(key, rate);
}

gen_array *gen_random_poisson(gen_key key, const gen_array *rate) {
    static const char fn[] = "gen_random_poisson";
    if (!rate) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: rate is NULL", fn);
        return NULL;
    }
    if (smp_on_device(rate)) return smp_via_host(fn, key, rate, NULL, poisson_sampler);
    if (smp_check(fn, "rate", rate, bad_rate) != GEN_OK) return NULL;
    gen_scope_begin();
    const gen_array *r = smp_as(rate, GEN_F64);
    gen_array *out = r ? arr_alloc("gen_random_poisson", GEN_I64, rate->ndim, rate->shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const double *rd = r->data;
    int64_t *o = out->data;
    pois_prm s = {.rate = NAN};
    smp_stream st = smp_stream_new(key, RND_TAG_POIS, 0);
    uint64_t w[2 * SMP_CHUNK];
    for (int64_t c = 0; c < out->size; c += SMP_CHUNK) {
        int64_t len = out->size - c < SMP_CHUNK ? out->size - c : SMP_CHUNK;
        smp_first_attempts(&st, c, len, w);
        for (int64_t k = 0; k < len; k++) {
            int64_t i = c + k;
            if (rd[i] != s.rate) pois_init(&s, rd[i]); /* once per run of equal rates */
            o[i] = s.rate < 10 ? pois_inversion(&s, rnd_u64_to_f64(w[2 * k]))
                               : pois_ptrs(&s, &st, (uint64_t)i, &w[2 * k]);
        }
    }
    return arr_scope_return(arr_publish(out));
}
