/* sample_binomial.c — Binomial(n, p) draws: with q = min(p, 1 - p) (p > 1/2 by
 * symmetry), inversion by sequential search for n q < 10, else Hörmann's BTRS
 * transformed rejection (1993). n and p broadcast together. */
#include "sample_int.h"

#define BINO_TABLE 64

typedef enum { BINO_ZERO, BINO_INV, BINO_BTRS } bino_kind;

typedef struct bino_prm {
    int64_t n;
    double p;     /* the parameters as given (the cache key) */
    int flip;     /* p > 1/2: draw with 1 - p, return n - k */
    bino_kind kind;
    double q, dn; /* min(p, 1 - p) and n as double */
    /* inversion: F[0..filled] the CDF so far, pk its last pmf term, r = q / (1 - q) */
    double F[BINO_TABLE], pk, r;
    int filled, sat, cap;
    /* BTRS */
    double a, b, c, vr, alpha, lpq, m, h;
} bino_prm;

static void bino_init(bino_prm *s, int64_t n, double p) {
    s->n = n;
    s->p = p;
    s->flip = p > 0.5;
    s->q = s->flip ? 1 - p : p; /* exact (Sterbenz) */
    s->dn = (double)n;
    if (n == 0 || s->q == 0) {
        s->kind = BINO_ZERO;
    } else if (s->dn * s->q < 10) {
        s->kind = BINO_INV;
        s->pk = s->F[0] = exp(s->dn * log1p(-s->q));
        s->r = s->q / (1 - s->q);
        s->filled = s->sat = 0;
        s->cap = n < BINO_TABLE - 1 ? (int)n : BINO_TABLE - 1;
    } else {
        double q = s->q, spq = sqrt(s->dn * q * (1 - q));
        s->kind = BINO_BTRS;
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
 * when F_{k+1} == F_k or k = min(n, 63). The CDF is cached across equal parameters. */
static int64_t bino_inversion(bino_prm *s, double u) {
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

/* BTRS; attempt j reads block T({i, j}, A) (w: the words of attempt 0):
 * U = u0 - 0.5, V = u1. */
static int64_t bino_btrs(const bino_prm *s, const smp_stream *st, uint64_t i, const uint64_t *w) {
    const double a = s->a, b = s->b, n = s->dn;
    uint64_t w0 = w[0], w1 = w[1];
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
        if (V <= s->h - smp_log_factorial(k) - smp_log_factorial(n - k) + (k - s->m) * s->lpq)
            return (int64_t)k;
    }
}

static int64_t bino_draw(bino_prm *s, const smp_stream *st, uint64_t i, const uint64_t *w) {
    int64_t k = s->kind == BINO_ZERO  ? 0
                : s->kind == BINO_INV ? bino_inversion(s, rnd_u64_to_f64(w[0]))
                                      : bino_btrs(s, st, i, w);
    return s->flip ? s->n - k : k;
}

static const char *bad_n(double x) {
    return x >= 0 && x < 0x1p63 && x == floor(x) ? NULL : "an integer >= 0";
}

static const char *bad_p(double x) { return x >= 0 && x <= 1 ? NULL : "in [0, 1]"; }

gen_array *gen_random_binomial(gen_key key, const gen_array *n, const gen_array *p) {
    static const char fn[] = "gen_random_binomial";
    if (!n || !p) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, n ? "p" : "n");
        return NULL;
    }
    if (n->dtype == GEN_BOOL) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: n must be i64, f64 or f32, got bool", fn);
        return NULL;
    }
    if (!arr_is_float(p->dtype)) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: p must be f64 or f32, got %s", fn, gen_dtype_name(p->dtype));
        return NULL;
    }
    if (smp_on_device(n) || smp_on_device(p)) return smp_via_host(fn, key, n, p, gen_random_binomial);
    smp_bcast bc;
    if (smp_broadcast(fn, n, p, &bc) != GEN_OK || smp_check(fn, "n", n, bad_n) != GEN_OK ||
        smp_check(fn, "p", p, bad_p) != GEN_OK)
        return NULL;
    gen_scope_begin();
    const gen_array *ni = smp_as(n, GEN_I64), *pf = smp_as(p, GEN_F64);
    gen_array *out = ni && pf ? arr_alloc("gen_random_binomial", GEN_I64, bc.ndim, bc.shape) : NULL;
    if (!out) return arr_scope_return(NULL);
    const int64_t *nd = ni->data;
    const double *pd = pf->data;
    int64_t *o = out->data;
    bino_prm s = {.n = -1};
    smp_stream st = smp_stream_new(key, RND_TAG_BINO, 0);
    uint64_t w[2 * SMP_CHUNK];
    for (int64_t c = 0; c < out->size; c += SMP_CHUNK) {
        int64_t len = out->size - c < SMP_CHUNK ? out->size - c : SMP_CHUNK;
        smp_first_attempts(&st, c, len, w);
        for (int64_t k = 0; k < len; k++, smp_next(&bc)) {
            int64_t nv = nd[bc.off[0]];
            double pv = pd[bc.off[1]];
            if (nv != s.n || pv != s.p) bino_init(&s, nv, pv); /* once per run of equal (n, p) */
            o[c + k] = bino_draw(&s, &st, (uint64_t)(c + k), &w[2 * k]);
        }
    }
    return arr_scope_return(arr_publish(out));
}
