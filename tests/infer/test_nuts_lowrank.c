/* test_nuts_lowrank.c — the low-rank metric's estimate (nuts_lowrank.c) against its
 * definition, computed here in all d dimensions: with s the diagonal scaling
 * sqrt(var x / var g), x' and g' the centred draws and gradients scaled by s^-1/2 and
 * s^1/2, A = x' x'^T / gamma + I and B = g' g'^T / gamma + I, the scaled-space metric
 * M = I + sum_j (lambda_j - 1) u_j u_j^T must be the SPD geometric mean of A and B^-1,
 * which is the one SPD solution of M B M = A. Checked both where the eigen-problem is
 * solved in all d dimensions (2n >= d) and where it is projected on the span of the
 * window (2n < d), with independent data whose every direction in the span is far from
 * 1, so all of them are kept. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../src/infer/nuts_int.h"

#define GAMMA 1e-5

/* A normal deviate from a fixed xorshift stream (independent of the library's draws). */
static double normal(uint64_t *st) {
    double u[2];
    for (int i = 0; i < 2; i++) {
        *st ^= *st << 13, *st ^= *st >> 7, *st ^= *st << 17;
        u[i] = ((double)(*st >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* n rows of draws and gradients of d coordinates, with scales that differ by coordinate. */
static void window(int64_t d, int64_t n, uint64_t seed, double *xs, double *gs) {
    uint64_t st = seed;
    for (int64_t r = 0; r < n; r++)
        for (int64_t i = 0; i < d; i++) {
            xs[r * d + i] = (1 + (double)(i % 5)) * normal(&st) + (double)i;
            gs[r * d + i] = normal(&st) / (1 + (double)(i % 3));
        }
}

static void check_estimate(int64_t d, int64_t n, uint64_t seed) {
    int64_t kmax = d;
    double *xs = malloc(sizeof(double) * (size_t)(n * d)), *gs = malloc(sizeof(double) * (size_t)(n * d));
    double *minv = calloc((size_t)hmc_lowrank_size(d, kmax), sizeof(double));
    double *a = calloc((size_t)(d * d), sizeof(double)), *b = calloc((size_t)(d * d), sizeof(double));
    double *m = calloc((size_t)(d * d), sizeof(double)), *t = calloc((size_t)(d * d), sizeof(double));
    double *s = calloc((size_t)d, sizeof(double));
    window(d, n, seed, xs, gs);
    CHECK(nuts_lowrank_estimate(d, kmax, n, xs, gs, minv));
    for (int64_t i = 0; i < d; i++) { /* the reference's scaling, centring and covariances */
        double mx = 0, mg = 0, vx = 0, vg = 0;
        for (int64_t r = 0; r < n; r++) mx += xs[r * d + i] / (double)n, mg += gs[r * d + i] / (double)n;
        for (int64_t r = 0; r < n; r++)
            vx += (xs[r * d + i] - mx) * (xs[r * d + i] - mx), vg += (gs[r * d + i] - mg) * (gs[r * d + i] - mg);
        s[i] = sqrt(vx / vg);
        for (int64_t r = 0; r < n; r++) {
            xs[r * d + i] = (xs[r * d + i] - mx) / sqrt(s[i]);
            gs[r * d + i] = (gs[r * d + i] - mg) * sqrt(s[i]);
        }
    }
    for (int64_t i = 0; i < d; i++)
        for (int64_t l = 0; l < d; l++) {
            double ca = 0, cb = 0;
            for (int64_t r = 0; r < n; r++) ca += xs[r * d + i] * xs[r * d + l], cb += gs[r * d + i] * gs[r * d + l];
            a[i * d + l] = ca / GAMMA + (i == l);
            b[i * d + l] = cb / GAMMA + (i == l);
        }
    for (int64_t i = 0; i < d; i++) CHECK_CLOSE(minv[i], s[i], 1e-12);
    int64_t k = (int64_t)minv[d], span = 2 * (n - 1) < d ? 2 * (n - 1) : d;
    if (k != span) check_fail(__FILE__, __LINE__, "d %lld, n %lld: %lld directions kept, the span has %lld",
                              (long long)d, (long long)n, (long long)k, (long long)span);
    const double *lam = minv + d + 1, *u = minv + d + 1 + kmax;
    double worst_orth = 0;
    for (int64_t j = 0; j < k; j++) {
        CHECK(lam[j] > 2 || lam[j] < 0.5);
        for (int64_t q = 0; q <= j; q++) {
            double dot = 0;
            for (int64_t i = 0; i < d; i++) dot += u[j * d + i] * u[q * d + i];
            worst_orth = fmax(worst_orth, fabs(dot - (q == j)));
        }
    }
    CHECK(worst_orth < 1e-9);
    for (int64_t i = 0; i < d; i++) /* M = I + U (Lambda - I) U^T */
        for (int64_t l = 0; l < d; l++) {
            double acc = i == l;
            for (int64_t j = 0; j < k; j++) acc += (lam[j] - 1) * u[j * d + i] * u[j * d + l];
            m[i * d + l] = acc;
        }
    double worst = 0, scale = 0; /* M B M against A */
    for (int64_t i = 0; i < d; i++)
        for (int64_t l = 0; l < d; l++) {
            double acc = 0;
            for (int64_t q = 0; q < d; q++) acc += m[i * d + q] * b[q * d + l];
            t[i * d + l] = acc;
        }
    for (int64_t i = 0; i < d; i++)
        for (int64_t l = 0; l < d; l++) {
            double acc = 0;
            for (int64_t q = 0; q < d; q++) acc += t[i * d + q] * m[q * d + l];
            worst = fmax(worst, fabs(acc - a[i * d + l]));
            scale = fmax(scale, fabs(a[i * d + l]));
        }
    if (!(worst <= 1e-8 * scale))
        check_fail(__FILE__, __LINE__, "d %lld, n %lld: |M B M - A| = %g of |A| = %g", (long long)d, (long long)n, worst,
                   scale);
    check_count++;
    free(xs), free(gs), free(minv), free(a), free(b), free(m), free(t), free(s);
}

/* 2n >= d: solved in all d dimensions (few draws: every direction of the span is far
 * from 1 and kept). */
static void test_full(void) {
    check_estimate(3, 2, 2); /* the span, 2 (n - 1) = 2 (centred), is smaller than R^d */
    check_estimate(4, 2, 3);
    check_estimate(6, 2, 7);
}

/* Projected and solved in all d dimensions, the same estimate, also where directions
 * near 1 are dropped (many draws) and where kmax keeps fewer than there are. */
static void test_projection_exact(void) {
    int64_t cases[][3] = {{12, 5, 4}, {30, 14, 2}, {60, 25, 10}, {20, 9, 3}};
    for (int c = 0; c < 4; c++) {
        int64_t d = cases[c][0], n = cases[c][1], kmax = cases[c][2], size = hmc_lowrank_size(d, kmax);
        double *xs = malloc(sizeof(double) * (size_t)(n * d)), *gs = malloc(sizeof(double) * (size_t)(n * d));
        double *p = calloc((size_t)size, sizeof(double)), *f = calloc((size_t)size, sizeof(double));
        window(d, n, 100 + (uint64_t)c, xs, gs);
        for (int64_t i = 0; i < d; i++) /* a correlated pair of coordinates */
            for (int64_t r = 0; r < n; r++) xs[r * d + (i + 1) % d] += i == 0 ? 3 * xs[r * d] : 0;
        CHECK(nuts_lowrank_estimate_in(d, kmax, n, xs, gs, true, p));
        CHECK(nuts_lowrank_estimate_in(d, kmax, n, xs, gs, false, f));
        int64_t k = (int64_t)f[d];
        CHECK(p[d] == f[d]);
        CHECK(k >= 1 && k <= kmax);
        for (int64_t i = 0; i < d; i++) CHECK_CLOSE(p[i], f[i], 1e-14);
        for (int64_t j = 0; j < k && p[d] == f[d]; j++) {
            /* both are as accurate as C's condition allows (1 to 1e6 / gamma) */
            CHECK_CLOSE(p[d + 1 + j], f[d + 1 + j], 2e-3);
            const double *up = p + d + 1 + kmax + j * d, *uf = f + d + 1 + kmax + j * d;
            double dot = 0;
            for (int64_t i = 0; i < d; i++) dot += up[i] * uf[i];
            CHECK_CLOSE(fabs(dot), 1, 1e-5); /* the same direction, up to its sign */
        }
        free(xs), free(gs), free(p), free(f);
    }
}

static void test_projected(void) {
    check_estimate(30, 2, 4);
    check_estimate(25, 3, 8);
    check_estimate(40, 7, 5);
    check_estimate(150, 20, 6);
}

/* A window with a coordinate that does not move gives no estimate (and no write). */
static void test_degenerate(void) {
    int64_t d = 10, n = 3, kmax = 4;
    double xs[30], gs[30], minv[10 + 1 + 4 + 40];
    uint64_t st = 7;
    for (int i = 0; i < 30; i++) xs[i] = i % 10 == 3 ? 1.5 : normal(&st), gs[i] = normal(&st);
    for (int i = 0; i < 55; i++) minv[i] = -1;
    CHECK(!nuts_lowrank_estimate(d, kmax, n, xs, gs, minv));
    for (int i = 0; i < 55; i++) CHECK(minv[i] == -1);
}

int main(void) {
    RUN(test_full);
    RUN(test_projected);
    RUN(test_projection_exact);
    RUN(test_degenerate);
    return check_finish();
}
