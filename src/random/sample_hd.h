/* sample_hd.h — the element procedures of the raw samplers (gamma, beta, Poisson,
 * binomial), shared by their CPU loops (sample_*.c) and their CUDA kernels
 * (sample_kernels.cu): the stream keys and attempt blocks, the ziggurat normal of an
 * attempt, log-factorials, each sampler's per-parameter set-up and its draw of element i,
 * and the parameter checks. GENC_HD static inline functions on plain data; element i is
 * a pure function of (key, i, its parameters). docs/random.md ("Samplers") states the
 * derivations exactly. */
#ifndef GENC_SRC_SAMPLE_HD_H
#define GENC_SRC_SAMPLE_HD_H

#include "random_hd.h"

/* The samplers. */
typedef enum { RND_GAMMA, RND_BETA, RND_POISSON, RND_BINOMIAL } rnd_sampler;

/* Per-sampler tags of the stream keys below. */
#define RND_TAG_GAMMA UINT64_C(0x47656e4347616d6d) /* "GenCGamm" */
#define RND_TAG_POIS UINT64_C(0x47656e43506f6973)  /* "GenCPois" */
#define RND_TAG_BINO UINT64_C(0x47656e4342696e6f)  /* "GenCBino" */
#define RND_TAG_BETA UINT64_C(0x47656e4342657461)  /* "GenCBeta" */

/* The keys of stream s of a sampler, derived once per call (3 blocks, not one per
 * element): A = T({3s, TAG}, key) numbers the attempt blocks of every element,
 * Z = T({3s+1, TAG}, key) the ziggurat rejection keys, V = T({3s+2, TAG}, key) the gamma
 * boost uniforms. Everything an element reads is a block under one of these keys with
 * the element index i in counter word 0, so element i is a pure function of (key, i). */
typedef struct smp_stream {
    gen_key a, z, v;
} smp_stream;
GENC_HD static inline smp_stream smp_stream_new(gen_key key, uint64_t tag, uint64_t s) {
    smp_stream st;
    st.a = rnd_key_of(rnd_block(key, 3 * s, tag));
    st.z = rnd_key_of(rnd_block(key, 3 * s + 1, tag));
    st.v = rnd_key_of(rnd_block(key, 3 * s + 2, tag));
    return st;
}

/* Attempt j of element i: T({i, j}, A). */
GENC_HD static inline threefry2x64_ctr_t smp_attempt(const smp_stream *st, uint64_t i, uint64_t j) {
    return rnd_block(st->a, i, j);
}
/* Word 0 of element i's boost block T({i, 0}, V). */
GENC_HD static inline uint64_t smp_boost_word(const smp_stream *st, uint64_t i) {
    return rnd_block(st->v, i, 0).v[0];
}

/* The ziggurat standard normal of word w for attempt j of element i. The common case
 * (the word lands inside its layer's rectangle) is decided as rnd_normal_from_word
 * decides it; a rejection (about 1%) continues under the attempt's own rejection key
 * T({i, j}, Z) as element 0 of rnd_normal_from_word, so no two (i, j) share a rejection
 * stream. */
GENC_HD static inline double smp_normal(uint64_t w, const smp_stream *st, uint64_t i, uint64_t j) {
    double x;
    if (rnd_normal_rect(w, &x)) return x;
    return rnd_normal_reject(w, rnd_key_of(rnd_block(st->z, i, j)), 0);
}

/* ---- log(k!) ---- */

/* k! for k <= 22: exact in binary64 (host: sample_common.c; device: a copy per .cu). */
#define SMP_FACT_INIT                                                                               \
    {1.0, 1.0, 2.0, 6.0, 24.0, 120.0, 720.0, 5040.0, 40320.0, 362880.0, 3628800.0, 39916800.0,      \
     479001600.0, 6227020800.0, 87178291200.0, 1307674368000.0, 20922789888000.0,                  \
     355687428096000.0, 6402373705728000.0, 1.21645100408832e+17, 2.43290200817664e+18,           \
     5.109094217170944e+19, 1.1240007277776077e+21}
#ifdef __cplusplus
extern "C" {
#endif
extern const double smp_fact[23];
#ifdef __cplusplus
}
#endif
RND_DEVICE_TABLE(double, smp_fact, 23, SMP_FACT_INIT)

/* log(k!) for k >= 0 (k as a double holding an integer): the exact factorial's log for
 * k <= 22, else Stirling's series for lgamma(x), x = k + 1 >= 24, to x^-7 (the next term
 * is below 4e-16). */
GENC_HD RND_OUTLINE_FN double smp_log_factorial(double k) {
    if (k <= 22) return log(RND_TABLE(smp_fact)[(int)k]);
    double x = k + 1, r = 1 / x, r2 = r * r;
    double s = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680))));
    return (x - 0.5) * log(x) - x + 0.91893853320467274178 + s; /* 0.5 log(2 pi) */
}

/* ---- parameter checks ---- */

/* What each parameter must be; smp_valid says whether x is. */
typedef enum {
    SMP_POSITIVE, /* finite and > 0: gamma's alpha, beta's a and b */
    SMP_RATE,     /* 0 <= x <= SMP_RATE_MAX: Poisson's rate */
    SMP_COUNT,    /* an integer, 0 <= x < 2^63: binomial's n */
    SMP_PROB      /* in [0, 1]: binomial's p */
} smp_rule;
/* NumPy's bound: INT64_MAX less ten standard deviations, so Poisson draws fit in i64. */
#define SMP_RATE_MAX 9.223372006484771e18
GENC_HD static inline int smp_valid(smp_rule rule, double x) {
    switch (rule) {
    case SMP_POSITIVE: return x > 0 && x < INFINITY;
    case SMP_RATE: return x >= 0 && x <= SMP_RATE_MAX;
    case SMP_COUNT: return x >= 0 && x < 0x1p63 && x == floor(x);
    default: return x >= 0 && x <= 1;
    }
}

/* ---- Gamma(alpha, 1): Marsaglia & Tsang (2000), the alpha < 1 boost in log space ---- */

typedef struct smp_gamma_prm {
    double alpha, d, c; /* d = a' - 1/3, c = 1/sqrt(9d), a' = alpha (+1 when boosted) */
    int boost;          /* alpha < 1 */
} smp_gamma_prm;

GENC_HD static inline void smp_gamma_init(smp_gamma_prm *g, double alpha) {
    g->alpha = alpha;
    g->boost = alpha < 1;
    g->d = (g->boost ? alpha + 1 : alpha) - 1.0 / 3;
    g->c = 1 / sqrt(9 * g->d);
}

/* Gamma(a') (the unboosted draw x = d v). Attempt j reads block T({i, j}, A): word 0
 * the normal z (ziggurat), word 1 the acceptance uniform u; (w0, w1) are the words of
 * attempt 0. The squeeze u < 1 - 0.0331 z^4 accepts most attempts without a log. */
GENC_HD static inline double smp_gamma_mt(const smp_gamma_prm *g, const smp_stream *st, uint64_t i,
                                          uint64_t w0, uint64_t w1) {
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

/* The draw of element i; wb is word 0 of its boost block (used when boosted), which
 * depends on i only, not on the accepted attempt. */
GENC_HD static inline double smp_gamma_draw(const smp_gamma_prm *g, const smp_stream *st, uint64_t i,
                                            uint64_t w0, uint64_t w1, uint64_t wb) {
    double x = smp_gamma_mt(g, st, i, w0, w1);
    return g->boost ? exp(log(x) + log(rnd_u64_to_f64(wb)) / g->alpha) : x;
}

/* The logarithm of the same draw, finite even where the draw underflows. */
GENC_HD static inline double smp_gamma_log_draw(const smp_gamma_prm *g, const smp_stream *st, uint64_t i,
                                                uint64_t w0, uint64_t w1, uint64_t wb) {
    double lx = log(smp_gamma_mt(g, st, i, w0, w1));
    return g->boost ? lx + log(rnd_u64_to_f64(wb)) / g->alpha : lx;
}

/* ---- Beta(a, b) = X / (X + Y), X ~ Gamma(a) on stream 0, Y ~ Gamma(b) on stream 1 ---- */

typedef struct smp_beta_prm {
    smp_gamma_prm ga, gb;
    int logspace; /* a < 1 or b < 1: the ratio from log X and log Y */
} smp_beta_prm;

GENC_HD static inline void smp_beta_init(smp_beta_prm *s, double a, double b) {
    smp_gamma_init(&s->ga, a);
    smp_gamma_init(&s->gb, b);
    s->logspace = s->ga.boost || s->gb.boost;
}

/* X / (X + Y) from lx = log X, ly = log Y, without forming X or Y. */
GENC_HD static inline double smp_ratio_from_logs(double lx, double ly) {
    double d = ly - lx;
    if (d != d) d = 0; /* both -inf (subnormal parameters): no information left */
    if (d <= 0) return 1 / (1 + exp(d));
    double e = exp(-d);
    return e / (1 + e);
}

/* Element i, given for X wx[0], wx[1]: the words of its attempt-0 block, and wx[2]: word
 * 0 of its boost block (read only in log space); likewise wy for Y. */
GENC_HD static inline double smp_beta_draw(const smp_beta_prm *s, const smp_stream st[2], uint64_t i,
                                           const uint64_t *wx, const uint64_t *wy) {
    if (!s->logspace) {
        double x = smp_gamma_draw(&s->ga, &st[0], i, wx[0], wx[1], 0);
        double y = smp_gamma_draw(&s->gb, &st[1], i, wy[0], wy[1], 0);
        return x / (x + y);
    }
    return smp_ratio_from_logs(smp_gamma_log_draw(&s->ga, &st[0], i, wx[0], wx[1], wx[2]),
                               smp_gamma_log_draw(&s->gb, &st[1], i, wy[0], wy[1], wy[2]));
}

/* ---- Poisson(rate): inversion for rate < 10, Hörmann's PTRS (1993, as NumPy) above ---- */

#define SMP_POIS_TABLE 64

/* The set-up of one rate, with the inversion CDF cached across the elements that share
 * it (filled as the search needs it; the values never depend on how much is cached). */
typedef struct smp_pois_prm {
    double rate;
    /* inversion: F[0..filled] the CDF so far, p the last pmf term, sat once F stops growing */
    double F[SMP_POIS_TABLE], p;
    int filled, sat;
    /* PTRS */
    double loglam, a, b, invalpha, vr, log_invalpha;
} smp_pois_prm;

GENC_HD static inline void smp_pois_init(smp_pois_prm *s, double rate) {
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
 * or k = 63. */
GENC_HD static inline int64_t smp_pois_inversion(smp_pois_prm *s, double u) {
    int k = 0;
    while (u > s->F[k]) {
        if (k == s->filled) {
            if (s->sat || k == SMP_POIS_TABLE - 1) return k;
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

/* PTRS; attempt j reads block T({i, j}, A) (w0, w1: the words of attempt 0):
 * U = u0 - 0.5, V = u1. */
GENC_HD static inline int64_t smp_pois_ptrs(const smp_pois_prm *s, const smp_stream *st, uint64_t i, uint64_t w0,
                                            uint64_t w1) {
    const double lam = s->rate, a = s->a, b = s->b;
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
        if (log(V) + s->log_invalpha - log(a / (us * us) + b) <= -lam + k * s->loglam - smp_log_factorial(k))
            return (int64_t)k;
    }
}

/* Element i, given the words of its attempt-0 block. */
GENC_HD static inline int64_t smp_pois_draw(smp_pois_prm *s, const smp_stream *st, uint64_t i, uint64_t w0,
                                            uint64_t w1) {
    return s->rate < 10 ? smp_pois_inversion(s, rnd_u64_to_f64(w0)) : smp_pois_ptrs(s, st, i, w0, w1);
}

/* ---- Binomial(n, p): with q = min(p, 1 - p), inversion for n q < 10, else Hörmann's
 * BTRS (1993) ---- */

#define SMP_BINO_TABLE 64

typedef enum { SMP_BINO_ZERO, SMP_BINO_INV, SMP_BINO_BTRS } smp_bino_kind;

/* The set-up of one (n, p), with the inversion CDF cached as Poisson's. */
typedef struct smp_bino_prm {
    int64_t n;
    double p;     /* the parameters as given (the cache key) */
    int flip;     /* p > 1/2: draw with 1 - p, return n - k */
    smp_bino_kind kind;
    double q, dn; /* min(p, 1 - p) and n as double */
    /* inversion: F[0..filled] the CDF so far, pk its last pmf term, r = q / (1 - q) */
    double F[SMP_BINO_TABLE], pk, r;
    int filled, sat, cap;
    /* BTRS */
    double a, b, c, vr, alpha, lpq, m, h;
} smp_bino_prm;

GENC_HD RND_OUTLINE_FN void smp_bino_init(smp_bino_prm *s, int64_t n, double p) {
    s->n = n;
    s->p = p;
    s->flip = p > 0.5;
    s->q = s->flip ? 1 - p : p; /* exact (Sterbenz) */
    s->dn = (double)n;
    if (n == 0 || s->q == 0) {
        s->kind = SMP_BINO_ZERO;
    } else if (s->dn * s->q < 10) {
        s->kind = SMP_BINO_INV;
        s->pk = s->F[0] = exp(s->dn * log1p(-s->q));
        s->r = s->q / (1 - s->q);
        s->filled = s->sat = 0;
        s->cap = n < SMP_BINO_TABLE - 1 ? (int)n : SMP_BINO_TABLE - 1;
    } else {
        double q = s->q, spq = sqrt(s->dn * q * (1 - q));
        s->kind = SMP_BINO_BTRS;
        s->b = 1.15 + 2.53 * spq;
        s->a = -0.0873 + 0.0248 * s->b + 0.01 * q;
        s->c = s->dn * q + 0.5;
        s->vr = 0.92 - 4.2 / s->b;
        s->alpha = (2.83 + 5.1 / s->b) * spq;
        s->lpq = log(q / (1 - q));
        s->m = floor((s->dn + 1) * q);
        s->h = smp_log_factorial(s->m) + smp_log_factorial(s->dn - s->m);
    }
}

/* Smallest k with u <= F_k: p_0 = F_0 = exp(n log1p(-q)),
 * p_{k+1} = p_k * r * (n - k) / (k + 1), F_{k+1} = F_k + p_{k+1}; the search stops at k
 * when F_{k+1} == F_k or k = min(n, 63). */
GENC_HD static inline int64_t smp_bino_inversion(smp_bino_prm *s, double u) {
    int k = 0;
    while (u > s->F[k]) {
        if (k == s->filled) {
            if (s->sat || k == s->cap) return k;
            s->pk = s->pk * s->r * (double)(s->n - k) / (k + 1);
            double f = s->F[k] + s->pk;
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

/* BTRS; attempt j reads block T({i, j}, A) (w0, w1: the words of attempt 0):
 * U = u0 - 0.5, V = u1. */
GENC_HD static inline int64_t smp_bino_btrs(const smp_bino_prm *s, const smp_stream *st, uint64_t i, uint64_t w0,
                                            uint64_t w1) {
    const double a = s->a, b = s->b, n = s->dn;
    for (uint64_t j = 0;; j++) {
        if (j > 0) {
            threefry2x64_ctr_t blk = smp_attempt(st, i, j);
            w0 = blk.v[0], w1 = blk.v[1];
        }
        double U = rnd_u64_to_f64(w0) - 0.5, V = rnd_u64_to_f64(w1);
        double us = 0.5 - fabs(U);
        double k = floor((2 * a / us + b) * U + s->c);
        if (k < 0 || k > n) continue;
        if (us >= 0.07 && V <= s->vr) return (int64_t)k;
        V = log(V * s->alpha / (a / (us * us) + b));
        if (V <= s->h - smp_log_factorial(k) - smp_log_factorial(n - k) + (k - s->m) * s->lpq) return (int64_t)k;
    }
}

/* Element i, given the words of its attempt-0 block. */
GENC_HD static inline int64_t smp_bino_draw(smp_bino_prm *s, const smp_stream *st, uint64_t i, uint64_t w0,
                                            uint64_t w1) {
    int64_t k = s->kind == SMP_BINO_ZERO  ? 0
                : s->kind == SMP_BINO_INV ? smp_bino_inversion(s, rnd_u64_to_f64(w0))
                                          : smp_bino_btrs(s, st, i, w0, w1);
    return s->flip ? s->n - k : k;
}

#endif
