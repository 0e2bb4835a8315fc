/* nuts_lowrank.c — nutpie's low-rank modified metric from a window of draws and
 * gradients (nuts-rs's low-rank strategy): a diagonal scaling, then in the scaled space
 * the SPD geometric mean of the draws' covariance and the inverse of the gradients'
 * (the minimizer of the Fisher divergence's estimate for a Gaussian), whose eigen-
 * directions far from 1 correct the diagonal. Symmetric eigen-problems by cyclic Jacobi. */
#include <math.h>
#include <string.h>

#include "nuts_int.h"

#define LOWRANK_GAMMA 1e-5 /* C = X X^T / gamma + I: the regularization of both covariances */
#define LOWRANK_CUTOFF 2.0 /* directions with eigenvalue in [1/2, 2] are left to the diagonal */

/* The eigen-decomposition of the symmetric a ([d, d], destroyed): eigenvalues into w,
 * eigenvectors into the columns of v ([d, d]). False when it does not converge. */
static bool jacobi(double *a, int64_t d, double *w, double *v) {
    for (int64_t i = 0; i < d * d; i++) v[i] = i % (d + 1) == 0 ? 1 : 0;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (int64_t p = 0; p < d; p++) {
            diag += a[p * d + p] * a[p * d + p];
            for (int64_t q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
        }
        if (off <= 1e-30 * diag || off == 0) {
            for (int64_t p = 0; p < d; p++) w[p] = a[p * d + p];
            return true;
        }
        for (int64_t p = 0; p < d; p++)
            for (int64_t q = p + 1; q < d; q++) {
                double apq = a[p * d + q];
                if (apq == 0) continue;
                double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int64_t k = 0; k < d; k++) { /* columns p and q */
                    double akp = a[k * d + p], akq = a[k * d + q];
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for (int64_t k = 0; k < d; k++) { /* rows p and q */
                    double apk = a[p * d + k], aqk = a[q * d + k];
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                for (int64_t k = 0; k < d; k++) {
                    double vkp = v[k * d + p], vkq = v[k * d + q];
                    v[k * d + p] = c * vkp - s * vkq;
                    v[k * d + q] = s * vkp + c * vkq;
                }
            }
    }
    return false;
}

/* out = V diag(f(w)) V^T with f(w) = w^pw. */
static void spectral(int64_t d, const double *w, const double *v, double pw, double *out) {
    for (int64_t i = 0; i < d; i++)
        for (int64_t l = 0; l < d; l++) {
            double acc = 0;
            for (int64_t k = 0; k < d; k++) acc += v[i * d + k] * pow(w[k], pw) * v[l * d + k];
            out[i * d + l] = acc;
        }
}

/* c = a b ([d, d] each). */
static void matmul(int64_t d, const double *a, const double *b, double *c) {
    for (int64_t i = 0; i < d; i++)
        for (int64_t l = 0; l < d; l++) {
            double acc = 0;
            for (int64_t k = 0; k < d; k++) acc += a[i * d + k] * b[k * d + l];
            c[i * d + l] = acc;
        }
}

/* The geometric mean of SPD a and b^-1: b^-1/2 (b^1/2 a b^1/2)^1/2 b^-1/2 into a, its
 * eigenvalues into w and eigenvectors into v (scratch t: 3 d * d). */
static bool spd_mean(int64_t d, double *a, double *b, double *w, double *v, double *t) {
    double *bh = t, *bih = t + d * d, *m = t + 2 * d * d;
    if (!jacobi(b, d, w, v)) return false;
    for (int64_t k = 0; k < d; k++)
        if (!(w[k] > 0)) return false;
    spectral(d, w, v, 0.5, bh);
    spectral(d, w, v, -0.5, bih);
    matmul(d, bh, a, m);
    matmul(d, m, bh, a); /* b^1/2 a b^1/2 */
    if (!jacobi(a, d, w, v)) return false;
    for (int64_t k = 0; k < d; k++)
        if (!(w[k] >= 0)) return false;
    spectral(d, w, v, 0.5, m);
    matmul(d, bih, m, a);
    matmul(d, a, bih, m);
    memcpy(a, m, (size_t)(d * d) * sizeof(double));
    for (int64_t i = 0; i < d; i++) /* symmetrize: rounding */
        for (int64_t l = 0; l < i; l++) a[i * d + l] = a[l * d + i] = 0.5 * (a[i * d + l] + a[l * d + i]);
    return jacobi(a, d, w, v);
}

bool nuts_lowrank_estimate(int64_t d, int64_t kmax, int64_t n, const double *xs, const double *gs, double *minv) {
    size_t dd = (size_t)(d * d);
    double *buf = core_alloc((6 * dd + 4 * (size_t)d + 1) * sizeof(double));
    if (!buf) return false; /* no update (the metric stays) */
    double *a = buf, *b = a + dd, *v = b + dd, *t = v + dd, *w = t + 3 * dd, *s = w + d, *mx = s + d, *mg = mx + d;
    bool ok = true;
    for (int64_t i = 0; i < d; i++) { /* the diagonal scaling s_i = sqrt(var(x_i) / var(g_i)) */
        double sx = 0, sg = 0, vx = 0, vg = 0;
        for (int64_t r = 0; r < n; r++) sx += xs[r * d + i], sg += gs[r * d + i];
        mx[i] = sx / (double)n;
        mg[i] = sg / (double)n;
        for (int64_t r = 0; r < n; r++) {
            vx += (xs[r * d + i] - mx[i]) * (xs[r * d + i] - mx[i]);
            vg += (gs[r * d + i] - mg[i]) * (gs[r * d + i] - mg[i]);
        }
        s[i] = sqrt(vx / vg);
        if (!isfinite(s[i]) || !(s[i] > 0)) ok = false;
    }
    for (int64_t i = 0; ok && i < d; i++) /* C_x = X X^T / gamma + I, C_g = G G^T / gamma + I, scaled and centred */
        for (int64_t l = i; l < d; l++) {
            double cx = 0, cg = 0, ri = sqrt(s[i]), rl = sqrt(s[l]);
            for (int64_t r = 0; r < n; r++) {
                cx += (xs[r * d + i] - mx[i]) / ri * (xs[r * d + l] - mx[l]) / rl;
                cg += (gs[r * d + i] - mg[i]) * ri * (gs[r * d + l] - mg[l]) * rl;
            }
            a[i * d + l] = a[l * d + i] = cx / LOWRANK_GAMMA + (i == l);
            b[i * d + l] = b[l * d + i] = cg / LOWRANK_GAMMA + (i == l);
        }
    ok = ok && spd_mean(d, a, b, w, v, t);
    int64_t k = 0, *pick = (int64_t *)t; /* t is free now */
    bool *used = (bool *)(pick + d);
    for (int64_t i = 0; ok && i < d; i++) ok = isfinite(w[i]) && w[i] > 0;
    if (ok) memset(used, 0, (size_t)d * sizeof(bool));
    while (ok && k < kmax) { /* the kept directions, largest |log lambda| first */
        int64_t best = -1;
        for (int64_t i = 0; i < d; i++)
            if (!used[i] && (w[i] > LOWRANK_CUTOFF || w[i] < 1 / LOWRANK_CUTOFF) &&
                (best < 0 || fabs(log(w[i])) > fabs(log(w[best]))))
                best = i;
        if (best < 0) break;
        used[best] = true;
        for (int64_t i = 0; i < d; i++) ok = ok && isfinite(v[i * d + best]);
        pick[k++] = best;
    }
    if (ok) { /* only a whole estimate is written: minv is also the state a resumed run reads */
        double *lam = minv + d + 1, *u = minv + d + 1 + kmax;
        for (int64_t i = 0; i < d; i++) minv[i] = s[i] < 1e-20 ? 1e-20 : s[i] > 1e20 ? 1e20 : s[i];
        minv[d] = (double)k;
        for (int64_t j = 0; j < k; j++) {
            lam[j] = w[pick[j]];
            for (int64_t i = 0; i < d; i++) u[j * d + i] = v[i * d + pick[j]];
        }
    }
    core_free(buf, (6 * dd + 4 * (size_t)d + 1) * sizeof(double));
    return ok;
}
