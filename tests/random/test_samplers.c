/* test_samplers.c — raw samplers (gamma, Poisson, binomial, beta): goodness of fit
 * against GSL's exact CDFs/pmfs (KS for continuous, pooled chi-square for discrete),
 * moments, mixed parameters in one call, broadcasting, determinism and the prefix
 * property, golden values from an independent reference (samplers_ref.py), edge cases,
 * tiny parameters, f32, and error paths. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define N 100000

/* ---- helpers ---- */

static double *draws(gen_array *a) {
    int64_t n = a ? gen_array_size(a) : 0;
    double *x = malloc((size_t)(n ? n : 1) * sizeof *x);
    if (a) CHECK_OK(gen_array_copy_to(a, GEN_F64, x, (size_t)n * sizeof *x));
    return x;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The distribution under test: parameters of the CDF/pmf callbacks. */
static double P1, P2;
static double cdf_gamma(double x) { return gsl_cdf_gamma_P(x, P1, 1); }
static double cdf_beta(double x) { return gsl_cdf_beta_P(x, P1, P2); }
static double pmf_poisson(int64_t k) { return gsl_ran_poisson_pdf((unsigned)k, P1); }
static double pmf_binomial(int64_t k) {
    return k > (int64_t)P1 ? 0 : gsl_ran_binomial_pdf((unsigned)k, P2, (unsigned)P1);
}

/* Beta's CDF at the ends of the cell of reals that round to x (side -1: lower end,
 * +1: upper end). Near 1 the cells carry visible mass when b is small (Beta(0.1, 0.1)
 * puts 1.3% of its draws at exactly 1.0), so there F(1 - h) = 1 - P(h; b, a) is
 * evaluated at the exact cell ends h = 1 - x -+ 2^-54 (the half ulp on [0.5, 1)). */
static double cdf_beta_cell(double x, int side) {
    if (x <= 0.5) return cdf_beta(x);
    double h = (1 - x) - side * 0x1p-54;
    return h <= 0 ? 1 : 1 - gsl_cdf_beta_P(h, P2, P1);
}
static double cdf_gamma_cell(double x, int side) { return (void)side, cdf_gamma(x); }

/* sqrt(n) * sup |F_n - F| of x (sorted in place), with F at the ends of each draw's
 * rounding cell (ties = draws in one cell). */
static double ks_stat(double *x, int64_t n, double (*cdf)(double, int)) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double d = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0 && i + 1 < n && x[i - 1] == x[i] && x[i] == x[i + 1]) continue; /* inside a tie */
        double lo = cdf(x[i], -1) - (double)i / (double)n, hi = (double)(i + 1) / (double)n - cdf(x[i], 1);
        if (lo > d) d = lo;
        if (hi > d) d = hi;
    }
    return d * sqrt((double)n);
}

/* Mean and variance within 5 standard errors (mu4: the 4th central moment); the
 * variance also gets (5 SE of the mean)^2, its O(1/n) term (which dominates where
 * mu4 = var^2, e.g. Bernoulli(1/2)). */
static void check_moments(const double *x, int64_t n, double mean, double var, double mu4) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (int64_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    v /= (double)(n - 1);
    CHECK_NEAR(m, mean, 5 * sqrt(var / (double)n));
    CHECK_NEAR(v, var, 5 * sqrt((mu4 - var * var) / (double)n) + 25 * var / (double)n);
}

/* Pearson chi-square of integer draws x against pmf on 0..kmax (draws above kmax form
 * one tail bin), left to right pooling bins until each expects >= 5. Returns whether
 * the statistic is below the 0.999 quantile. */
static int chisq_ok(const double *x, int64_t n, double (*pmf)(int64_t), int64_t kmax) {
    double *obs = calloc((size_t)kmax + 2, sizeof *obs);
    for (int64_t i = 0; i < n; i++) {
        CHECK(x[i] >= 0 && x[i] == floor(x[i]));
        obs[x[i] > (double)kmax ? kmax + 1 : (int64_t)x[i]] += 1;
    }
    double chi = 0, o = 0, e = 0, esum = 0, last_o = 0, last_e = 0;
    int bins = 0;
    for (int64_t k = 0; k <= kmax + 1; k++) {
        double ek = k <= kmax ? n * pmf(k) : fmax(0, n - esum);
        esum += ek;
        o += obs[k], e += ek;
        if (e >= 5 && k <= kmax) { /* close the bin, keeping the last one open for merging */
            if (bins) chi += (last_o - last_e) * (last_o - last_e) / last_e;
            last_o = o, last_e = e, o = e = 0, bins++;
        }
    }
    last_o += o, last_e += e; /* the remainder joins the last closed bin */
    if (bins) chi += (last_o - last_e) * (last_o - last_e) / last_e;
    free(obs);
    if (bins < 2) return 1;
    double q = gsl_cdf_chisq_Pinv(0.999, bins - 1);
    if (chi >= q) printf("chi2 = %g with %d dof (0.999 quantile %g)\n", chi, bins - 1, q);
    return chi < q;
}

/* Element i of a 1-d array. */
static double at(const gen_array *a, int64_t i) { return check_item(gen_slice(a, 0, i, i + 1, 1)); }

static int same(const gen_array *a, const gen_array *b, int64_t n) {
    if (!a || !b) return 0;
    size_t es = gen_dtype_size(gen_array_dtype(a));
    return gen_array_dtype(a) == gen_array_dtype(b) &&
           memcmp(gen_array_data(a), gen_array_data(b), (size_t)n * es) == 0;
}

/* ---- goodness of fit ---- */

static void test_gamma_fit(void) {
    static const double alphas[] = {0.1, 0.5, 1, 2.5, 30};
    gen_key k = gen_key_new(1);
    for (int t = 0; t < 5; t++) {
        double a = P1 = alphas[t];
        gen_array *x = CHECK_ARR(gen_random_gamma(gen_key_fold_in(k, (uint64_t)t),
                                                  gen_full(GEN_F64, GEN_DIMS(N), a)));
        CHECK(gen_array_dtype(x) == GEN_F64);
        double *d = draws(x);
        check_moments(d, N, a, a, 3 * a * a + 6 * a);
        double ks = ks_stat(d, N, cdf_gamma_cell);
        if (ks >= 1.95) printf("gamma(%g): sqrt(n) D = %g\n", a, ks);
        CHECK(ks < 1.95);
        CHECK(d[0] > 0);
        free(d);
    }
    /* f32 alpha gives f32 draws of the same law */
    P1 = 2.5;
    gen_array *x = CHECK_ARR(gen_random_gamma(k, gen_full(GEN_F32, GEN_DIMS(N), 2.5)));
    CHECK(gen_array_dtype(x) == GEN_F32);
    double *d = draws(x);
    CHECK(ks_stat(d, N, cdf_gamma_cell) < 1.95);
    free(d);
    /* i64 alpha is converted (f64 result) */
    CHECK(gen_array_dtype(CHECK_ARR(gen_random_gamma(k, gen_full(GEN_I64, GEN_DIMS(3), 2)))) == GEN_F64);
}

static void test_poisson_fit(void) {
    static const double rates[] = {0, 0.5, 3, 9.99, 10, 50, 1e4};
    gen_key k = gen_key_new(2);
    for (int t = 0; t < 7; t++) {
        double r = P1 = rates[t];
        gen_array *x = CHECK_ARR(gen_random_poisson(gen_key_fold_in(k, (uint64_t)t),
                                                    gen_full(GEN_F64, GEN_DIMS(N), r)));
        CHECK(gen_array_dtype(x) == GEN_I64);
        double *d = draws(x);
        check_moments(d, N, r, r, r * (1 + 3 * r));
        int ok = chisq_ok(d, N, pmf_poisson, (int64_t)(r + 20 * sqrt(r) + 30));
        if (!ok) printf("poisson(%g) fails chi-square\n", r);
        CHECK(ok);
        free(d);
    }
}

static void test_binomial_fit(void) {
    static const double prm[][2] = {{0, 0.3}, {1, 0.5}, {10, 0.2}, {50, 0.9}, {1000, 0.3}, {1e6, 1e-5}};
    gen_key k = gen_key_new(3);
    for (int t = 0; t < 6; t++) {
        double n = P1 = prm[t][0], p = P2 = prm[t][1];
        gen_array *x = CHECK_ARR(gen_random_binomial(gen_key_fold_in(k, (uint64_t)t),
                                                     gen_full(GEN_I64, GEN_DIMS(N), n),
                                                     gen_full(GEN_F64, GEN_DIMS(N), p)));
        CHECK(gen_array_dtype(x) == GEN_I64);
        double *d = draws(x);
        double q = 1 - p, v = n * p * q;
        check_moments(d, N, n * p, v, v * (1 + 3 * (n - 2) * p * q));
        double sd = sqrt(v);
        int64_t kmax = (int64_t)fmin(n, n * p + 20 * sd + 30);
        int ok = chisq_ok(d, N, pmf_binomial, kmax);
        if (!ok) printf("binomial(%g, %g) fails chi-square\n", n, p);
        CHECK(ok);
        free(d);
    }
}

static void test_beta_fit(void) {
    static const double prm[][2] = {{0.1, 0.1}, {0.5, 2}, {3, 3}, {20, 1}};
    gen_key k = gen_key_new(4);
    for (int t = 0; t < 4; t++) {
        double a = P1 = prm[t][0], b = P2 = prm[t][1];
        gen_array *x = CHECK_ARR(gen_random_beta(gen_key_fold_in(k, (uint64_t)t),
                                                 gen_full(GEN_F64, GEN_DIMS(N), a), gen_scalar(b)));
        CHECK_SHAPE(x, N);
        double *d = draws(x);
        double s = a + b, mean = a / s, var = a * b / (s * s * (s + 1));
        double exk = 6 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) / (a * b * (s + 2) * (s + 3));
        check_moments(d, N, mean, var, var * var * (3 + exk));
        double ks = ks_stat(d, N, cdf_beta_cell);
        if (ks >= 1.95) printf("beta(%g, %g): sqrt(n) D = %g\n", a, b, ks);
        CHECK(ks < 1.95);
        CHECK(d[0] >= 0 && d[N - 1] <= 1);
        free(d);
    }
}

/* Different parameters in one call: every third element has its own law, and each
 * element equals the draw of a call whose parameter is that element's everywhere
 * (the per-parameter setup is not carried across elements). */
static void test_mixed_params(void) {
    enum { M = 3 * 30000 };
    static const double alphas[3] = {0.5, 3, 30}, rates[3] = {3, 0.5, 40};
    double *pa = malloc(M * sizeof *pa), *pr = malloc(M * sizeof *pr), *sub = malloc(M / 3 * sizeof *sub);
    for (int i = 0; i < M; i++) pa[i] = alphas[i % 3], pr[i] = rates[i % 3];
    gen_key k = gen_key_new(5);
    double *g = draws(gen_random_gamma(k, gen_array_from(GEN_F64, GEN_DIMS(M), pa)));
    double *r = draws(gen_random_poisson(k, gen_array_from(GEN_F64, GEN_DIMS(M), pr)));
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < M / 3; i++) sub[i] = g[3 * i + c];
        P1 = alphas[c];
        CHECK(ks_stat(sub, M / 3, cdf_gamma_cell) < 1.95);
        for (int i = 0; i < M / 3; i++) sub[i] = r[3 * i + c];
        P1 = rates[c];
        CHECK(chisq_ok(sub, M / 3, pmf_poisson, 100));
    }
    for (int i = 0; i < 9; i++) { /* element i of a constant-parameter call of size i + 1 */
        double gi = at(gen_random_gamma(k, gen_full(GEN_F64, GEN_DIMS(i + 1), pa[i])), i);
        double ri = at(gen_random_poisson(k, gen_full(GEN_F64, GEN_DIMS(i + 1), pr[i])), i);
        CHECK(gi == g[i]);
        CHECK(ri == r[i]);
    }
    free(pa), free(pr), free(sub), free(g), free(r);
}

/* Broadcasting: n of shape [3, 1] with p of shape [4] gives [3, 4], element i equal to
 * element i of the call on the materialized parameters. */
static void test_broadcast(void) {
    gen_key k = gen_key_new(6);
    gen_array *n = gen_array_from(GEN_I64, GEN_DIMS(3, 1), (const int64_t[]){5, 40, 2000});
    gen_array *p = gen_array_from(GEN_F64, GEN_DIMS(4), (const double[]){0, 0.1, 0.7, 1});
    gen_array *x = CHECK_ARR(gen_random_binomial(k, n, p));
    CHECK_SHAPE(x, 3, 4);
    gen_array *nb = gen_broadcast_to(n, GEN_DIMS(3, 4)), *pb = gen_broadcast_to(p, GEN_DIMS(3, 4));
    CHECK(same(x, gen_random_binomial(k, gen_copy(nb), gen_copy(pb)), 12));
    const int64_t *d = gen_array_data(x);
    for (int r = 0; r < 3; r++) {
        CHECK(d[4 * r] == 0);                                      /* p = 0 */
        CHECK(d[4 * r + 3] == ((const int64_t *)gen_array_data(n))[r]); /* p = 1 */
    }
    gen_array *a = gen_array_from(GEN_F32, GEN_DIMS(2, 1), (const float[]){0.5f, 4});
    gen_array *b = gen_array_from(GEN_F32, GEN_DIMS(3), (const float[]){1, 2, 0.25f});
    gen_array *y = CHECK_ARR(gen_random_beta(k, a, b));
    CHECK_SHAPE(y, 2, 3);
    CHECK(gen_array_dtype(y) == GEN_F32);
    CHECK(gen_array_dtype(CHECK_ARR(gen_random_beta(k, a, gen_scalar(2)))) == GEN_F64);
    gen_array *y64 = gen_random_beta(k, gen_cast(gen_broadcast_to(a, GEN_DIMS(2, 3)), GEN_F64),
                                     gen_cast(gen_broadcast_to(b, GEN_DIMS(2, 3)), GEN_F64));
    CHECK(same(y, gen_cast(y64, GEN_F32), 6)); /* f32 draws are the f64 draws rounded */
}

/* Same key: same array; element i does not depend on the size or the layout. */
static void test_determinism_prefix(void) {
    gen_key k = gen_key_new(7);
    for (int s = 0; s < 4; s++) {
        gen_array *x[4];
        const int64_t shapes[4][2] = {{20, 0}, {20, 0}, {7, 0}, {4, 5}};
        for (int i = 0; i < 4; i++) {
            int nd = shapes[i][1] ? 2 : 1;
            const int64_t *sh = shapes[i];
            switch (s) {
            case 0: x[i] = gen_random_gamma(k, gen_full(GEN_F64, nd, sh, 0.3)); break;
            case 1: x[i] = gen_random_poisson(k, gen_full(GEN_F64, nd, sh, 25)); break;
            case 2: x[i] = gen_random_binomial(k, gen_scalar(100), gen_full(GEN_F64, nd, sh, 0.4)); break;
            default: x[i] = gen_random_beta(k, gen_full(GEN_F64, nd, sh, 0.2), gen_scalar(3)); break;
            }
        }
        CHECK(same(x[0], x[1], 20));
        CHECK(same(x[0], x[2], 7));
        CHECK(same(x[0], x[3], 20));
        CHECK(!same(x[0], gen_random_gamma(gen_key_fold_in(k, 1), gen_full(GEN_F64, GEN_DIMS(20), 0.3)), 20));
    }
    /* the samplers' streams differ from each other under one key */
    gen_array *g = gen_random_gamma(k, gen_full(GEN_F64, GEN_DIMS(1000), 1));
    gen_array *e = gen_random_beta(k, gen_full(GEN_F64, GEN_DIMS(1000), 1), gen_scalar(1));
    CHECK(!same(g, e, 1000));
}

/* Golden values from tests/random/samplers_ref.py, an independent Python implementation
 * of docs/random.md's derivations (stream keys, one Threefry block per attempt, the
 * ziggurat normal, Marsaglia–Tsang, PTRS, BTRS) on threefry_ref.py's Threefry. They were
 * produced after the statistical tests above passed, at gen_key_new(11). Floats agree to
 * 1e-12 relative (Python's and the C library's log/exp may differ by an ulp; the boost
 * divides a log by alpha), integers exactly. */
static void test_golden(void) {
    gen_key k = gen_key_new(11);
    static const double g25[6] = {3.2854492969424074, 1.6712483272088003, 2.3016901344931138,
                                  1.7438702158832435, 6.308726254219199, 2.149694803761978};
    static const double g03[6] = {1.3976405009918005e-08, 0.003833873037430568, 7.040334403416618e-07,
                                  0.08005706896708067, 0.024769101640059386, 0.4969911889697042};
    static const double b23[6] = {0.303251295398823, 0.28911308630743215, 0.5138840661554303,
                                  0.30879320166891255, 0.8655877510885337, 0.2791713905168542};
    static const double b55[6] = {0.8478388533113846, 0.2336640924510545, 0.3536852958711077,
                                  0.8675954494764784, 0.5186876000396166, 0.37796935260074677};
    static const double p3[8] = {0, 3, 1, 5, 1, 5, 7, 3}, p50[8] = {32, 52, 39, 61, 42, 60, 55, 51};
    static const double bn[8] = {319, 328, 298, 325, 301, 313, 288, 318};
    double *x[7] = {
        draws(gen_random_gamma(k, gen_full(GEN_F64, GEN_DIMS(6), 2.5))),
        draws(gen_random_gamma(k, gen_full(GEN_F64, GEN_DIMS(6), 0.3))),
        draws(gen_random_beta(k, gen_full(GEN_F64, GEN_DIMS(6), 2), gen_scalar(3))),
        draws(gen_random_beta(k, gen_full(GEN_F64, GEN_DIMS(6), 0.5), gen_scalar(0.5))),
        draws(gen_random_poisson(k, gen_full(GEN_F64, GEN_DIMS(8), 3))),
        draws(gen_random_poisson(k, gen_full(GEN_F64, GEN_DIMS(8), 50))),
        draws(gen_random_binomial(k, gen_scalar(1000), gen_full(GEN_F64, GEN_DIMS(8), 0.3)))};
    const double *want[7] = {g25, g03, b23, b55, p3, p50, bn};
    for (int t = 0; t < 7; t++) {
        for (int i = 0; i < (t < 4 ? 6 : 8); i++) {
            if (t < 4) CHECK_NEAR(x[t][i], want[t][i], 1e-12 * want[t][i]);
            else CHECK(x[t][i] == want[t][i]);
        }
        free(x[t]);
    }
    /* 2000 gamma(2.5) draws include attempt retries and ziggurat rejections */
    double *g = draws(gen_random_gamma(k, gen_full(GEN_F64, GEN_DIMS(2000), 2.5))), sum = 0;
    for (int i = 0; i < 2000; i++) sum += g[i];
    CHECK_NEAR(sum, 5094.836028757911, 1e-9);
    free(g);
}

/* Exact edge cases, empty and 0-d parameters. */
static void test_edges(void) {
    gen_key k = gen_key_new(8);
    double *z = draws(gen_random_poisson(k, gen_zeros(GEN_F64, GEN_DIMS(1000))));
    int zeros = 0;
    for (int i = 0; i < 1000; i++) zeros += z[i] == 0;
    CHECK(zeros == 1000);
    free(z);
    gen_array *b0 = gen_random_binomial(k, gen_zeros(GEN_I64, GEN_DIMS(100)), gen_scalar(0.4));
    gen_array *bp0 = gen_random_binomial(k, gen_scalar(1e6), gen_zeros(GEN_F64, GEN_DIMS(100)));
    gen_array *bp1 = gen_random_binomial(k, gen_scalar(1e6), gen_ones(GEN_F32, GEN_DIMS(100)));
    CHECK(check_item(gen_max(b0, 0, NULL, false)) == 0);
    CHECK(check_item(gen_max(bp0, 0, NULL, false)) == 0);
    CHECK(check_item(gen_min(bp1, 0, NULL, false)) == 1e6);
    /* n in [1, 1e15] stays within [0, n] */
    gen_array *big = gen_random_binomial(k, gen_scalar(1e15), gen_full(GEN_F64, GEN_DIMS(1000), 0.999));
    CHECK(check_item(gen_max(big, 0, NULL, false)) <= 1e15);
    CHECK(fabs(check_item(gen_mean(big, 0, NULL, false)) - 0.999e15) < 5 * sqrt(1e15 * 0.999 * 0.001));
    gen_array *pb = gen_random_poisson(k, gen_full(GEN_F64, GEN_DIMS(1000), 1e18));
    CHECK(fabs(check_item(gen_mean(pb, 0, NULL, false)) - 1e18) < 5 * 1e9 / sqrt(1000));
    /* empty and 0-d */
    CHECK(gen_array_size(CHECK_ARR(gen_random_gamma(k, gen_zeros(GEN_F64, GEN_DIMS(3, 0))))) == 0);
    CHECK(gen_array_size(CHECK_ARR(gen_random_binomial(k, gen_scalar(3), gen_zeros(GEN_F64, GEN_DIMS(0))))) == 0);
    gen_array *s = CHECK_ARR(gen_random_beta(k, gen_scalar(2), gen_scalar(3)));
    CHECK(gen_array_ndim(s) == 0);
    CHECK(same(s, gen_random_beta(k, gen_full(GEN_F64, GEN_DIMS(4), 2), gen_scalar(3)), 1));
    /* huge alpha: finite, close to alpha */
    double h = check_item(gen_random_gamma(k, gen_scalar(1e300)));
    CHECK(isfinite(h) && fabs(h / 1e300 - 1) < 1e-100);
}

/* Tiny parameters: gamma draws underflow to 0 only where the true value does (about
 * P(X < 2^-1075) = 2^(-1075 a) / Gamma(1 + a) of them), and beta draws stay in [0, 1]
 * with the right law instead of 0/0. */
static void test_tiny(void) {
    const double a = 1e-3;
    gen_key k = gen_key_new(9);
    double *g = draws(gen_random_gamma(k, gen_full(GEN_F64, GEN_DIMS(N), a)));
    int64_t zero = 0, below = 0, half = 0;
    for (int i = 0; i < N; i++) zero += g[i] == 0, below += g[i] < 1e-100, half += g[i] < 0.5;
    double pz = exp(-1075 * log(2.0) * a) / gsl_sf_gamma(1 + a);
    double pb = gsl_cdf_gamma_P(1e-100, a, 1), ph = gsl_cdf_gamma_P(0.5, a, 1);
    CHECK_NEAR((double)zero / N, pz, 5 * sqrt(pz * (1 - pz) / N));
    CHECK_NEAR((double)below / N, pb, 5 * sqrt(pb * (1 - pb) / N));
    CHECK_NEAR((double)half / N, ph, 5 * sqrt(ph * (1 - ph) / N));
    free(g);
    double *b = draws(gen_random_beta(k, gen_full(GEN_F64, GEN_DIMS(N), a), gen_scalar(a)));
    below = half = 0;
    int bad = 0;
    for (int i = 0; i < N; i++) {
        bad += !(b[i] >= 0 && b[i] <= 1);
        below += b[i] < 1e-100, half += b[i] < 0.5;
    }
    CHECK(bad == 0);
    pb = gsl_cdf_beta_P(1e-100, a, a);
    CHECK_NEAR((double)below / N, pb, 5 * sqrt(pb * (1 - pb) / N));
    CHECK_NEAR((double)half / N, 0.5, 5 * sqrt(0.25 / N));
    free(b);
}

/* Errors: the sampler, the parameter, the value and the index are named. */
static void test_errors(void) {
    gen_key k = gen_key_new(10);
    gen_array *a = gen_array_from(GEN_F64, GEN_DIMS(4), (const double[]){1, 2, -1, 0});
    CHECK(!gen_random_gamma(k, a));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_gamma: alpha must be > 0, got -1 at index [2]");
    CHECK(!gen_random_gamma(k, gen_array_from(GEN_F64, GEN_DIMS(2, 2), (const double[]){1, 2, 3, NAN})));
    CHECK_ERROR(GEN_ERR_VALUE, "alpha must be > 0, got nan at index [1,1]");
    CHECK(!gen_random_gamma(k, gen_scalar(INFINITY)));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_gamma: alpha must be finite, got inf at index []");
    CHECK(!gen_random_gamma(k, gen_zeros(GEN_I64, GEN_DIMS(2))));
    CHECK_ERROR(GEN_ERR_VALUE, "got 0 at index [0]");
    CHECK(!gen_random_poisson(k, gen_array_from(GEN_F64, GEN_DIMS(2), (const double[]){1, -0.5})));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_poisson: rate must be >= 0, got -0.5 at index [1]");
    CHECK(!gen_random_poisson(k, gen_scalar(NAN)));
    CHECK_ERROR(GEN_ERR_VALUE, "rate must be >= 0, got nan");
    CHECK(!gen_random_poisson(k, gen_scalar(1e300)));
    CHECK_ERROR(GEN_ERR_VALUE, "rate must be <= 9.223372006484771e18");
    CHECK(!gen_random_binomial(k, gen_scalar(-1), gen_scalar(0.5)));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_binomial: n must be an integer >= 0, got -1 at index []");
    CHECK(!gen_random_binomial(k, gen_array_from(GEN_F32, GEN_DIMS(2), (const float[]){3, 2.5f}), gen_scalar(0.5)));
    CHECK_ERROR(GEN_ERR_VALUE, "n must be an integer >= 0, got 2.5 at index [1]");
    CHECK(!gen_random_binomial(k, gen_scalar(3), gen_array_from(GEN_F64, GEN_DIMS(3), (const double[]){0, 1, 1.5})));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_binomial: p must be in [0, 1], got 1.5 at index [2]");
    CHECK(!gen_random_binomial(k, gen_scalar(3), gen_scalar(NAN)));
    CHECK_ERROR(GEN_ERR_VALUE, "p must be in [0, 1], got nan");
    CHECK(!gen_random_binomial(k, gen_scalar_bool(true), gen_scalar(0.5)));
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_binomial: n must be i64, f64 or f32, got bool");
    CHECK(!gen_random_binomial(k, gen_scalar(3), gen_ones(GEN_I64, GEN_DIMS(2))));
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_binomial: p must be f64 or f32, got i64");
    CHECK(!gen_random_binomial(k, gen_zeros(GEN_I64, GEN_DIMS(3)), gen_zeros(GEN_F64, GEN_DIMS(4))));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_random_binomial");
    CHECK(!gen_random_beta(k, gen_scalar(1), gen_array_from(GEN_F64, GEN_DIMS(2), (const double[]){2, -2})));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_beta: b must be > 0, got -2 at index [1]");
    CHECK(!gen_random_beta(k, gen_scalar(0), gen_scalar(1)));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_random_beta: a must be > 0, got 0");
    CHECK(!gen_random_beta(k, gen_ones(GEN_F64, GEN_DIMS(2)), gen_ones(GEN_F64, GEN_DIMS(3))));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_random_beta");
    /* NULL arguments: the recorded error is kept; with none, MISUSE */
    CHECK(!gen_random_gamma(k, gen_random_normal(k, GEN_I64, GEN_DIMS(2))));
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_random_normal");
    CHECK(!gen_random_poisson(k, NULL));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_poisson: rate is NULL");
    CHECK(!gen_random_binomial(k, gen_scalar(1), NULL));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_binomial: p is NULL");
    CHECK(!gen_random_beta(k, NULL, gen_scalar(1)));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_beta: a is NULL");
    CHECK(!gen_random_gamma(k, NULL));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_random_gamma: alpha is NULL");
}

int main(void) {
    RUN(test_gamma_fit);
    RUN(test_poisson_fit);
    RUN(test_binomial_fit);
    RUN(test_beta_fit);
    RUN(test_mixed_params);
    RUN(test_broadcast);
    RUN(test_determinism_prefix);
    RUN(test_golden);
    RUN(test_edges);
    RUN(test_tiny);
    RUN(test_errors);
    return check_finish();
}
