/* nuts_lowrank.c — nutpie's low-rank modified metric from a window of draws and
 * gradients (nuts-rs's low-rank strategy): a diagonal scaling, then in the scaled space
 * the SPD geometric mean of the draws' covariance and the inverse of the gradients'
 * (the minimizer of the Fisher divergence's estimate for a Gaussian), whose eigen-
 * directions far from 1 correct the diagonal.
 *
 * Both covariances are regularized as C = X X^T / gamma + I, so outside the span of the
 * window's centred draws and gradients both are the identity and so is their mean: its
 * eigenvalues there are 1, never kept. Where the span is smaller than d (2n < d), the
 * eigen-problems are solved in an orthonormal basis of it, as nuts-rs does: O(d n^2 +
 * n^3) instead of O(d^3), with the same answer. Symmetric eigen-problems by Householder
 * tridiagonalization and the implicit QL method. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "nuts_int.h"

#define LOWRANK_GAMMA 1e-5 /* C = X X^T / gamma + I: the regularization of both covariances */
#define LOWRANK_CUTOFF 2.0 /* directions with eigenvalue in [1/2, 2] are left to the diagonal */

/* Householder reduction of the symmetric a ([m, m], row-major) to tridiagonal form:
 * diagonal into w, subdiagonal into e[1..m-1], and a replaced by the orthogonal matrix
 * of the reduction (the starting eigenvectors of tridiag_ql). */
static void tridiagonalize(double *a, int64_t m, double *w, double *e) {
    for (int64_t i = m - 1; i > 0; i--) {
        int64_t l = i - 1;
        double h = 0, scale = 0;
        double *ai = a + i * m;
        if (l > 0) {
            for (int64_t k = 0; k <= l; k++) scale += fabs(ai[k]);
            if (scale == 0) {
                e[i] = ai[l];
            } else {
                for (int64_t k = 0; k <= l; k++) {
                    ai[k] /= scale;
                    h += ai[k] * ai[k];
                }
                double f = ai[l], g = f >= 0 ? -sqrt(h) : sqrt(h);
                e[i] = scale * g;
                h -= f * g;
                ai[l] = f - g;
                f = 0;
                for (int64_t j = 0; j <= l; j++) {
                    a[j * m + i] = ai[j] / h;
                    g = 0;
                    for (int64_t k = 0; k <= j; k++) g += a[j * m + k] * ai[k];
                    for (int64_t k = j + 1; k <= l; k++) g += a[k * m + j] * ai[k];
                    e[j] = g / h;
                    f += e[j] * ai[j];
                }
                double hh = f / (h + h);
                for (int64_t j = 0; j <= l; j++) {
                    f = ai[j];
                    e[j] = g = e[j] - hh * f;
                    for (int64_t k = 0; k <= j; k++) a[j * m + k] -= f * e[k] + g * ai[k];
                }
            }
        } else {
            e[i] = ai[l];
        }
        w[i] = h;
    }
    w[0] = 0;
    e[0] = 0;
    for (int64_t i = 0; i < m; i++) { /* accumulate the transformations */
        if (w[i] != 0)
            for (int64_t j = 0; j < i; j++) {
                double g = 0;
                for (int64_t k = 0; k < i; k++) g += a[i * m + k] * a[k * m + j];
                for (int64_t k = 0; k < i; k++) a[k * m + j] -= g * a[k * m + i];
            }
        w[i] = a[i * m + i];
        a[i * m + i] = 1;
        for (int64_t j = 0; j < i; j++) a[j * m + i] = a[i * m + j] = 0;
    }
}

/* The implicit QL method with Wilkinson shifts on the tridiagonal (w, e) from
 * tridiagonalize, z ([m, m]) its transformation: eigenvalues into w, eigenvectors into
 * the columns of z. False when an eigenvalue takes more than 50 iterations. */
static bool tridiag_ql(double *w, double *e, int64_t m, double *z) {
    for (int64_t i = 1; i < m; i++) e[i - 1] = e[i];
    e[m - 1] = 0;
    for (int64_t l = 0; l < m; l++) {
        int iter = 0;
        int64_t mm;
        do {
            for (mm = l; mm < m - 1; mm++)
                if (fabs(e[mm]) <= DBL_EPSILON * (fabs(w[mm]) + fabs(w[mm + 1]))) break;
            if (mm == l) break;
            if (iter++ == 50) return false;
            double g = (w[l + 1] - w[l]) / (2 * e[l]), r = hypot(g, 1);
            g = w[mm] - w[l] + e[l] / (g + copysign(r, g));
            double s = 1, c = 1, p = 0;
            int64_t i;
            for (i = mm - 1; i >= l; i--) {
                double f = s * e[i], b = c * e[i];
                e[i + 1] = r = hypot(f, g);
                if (r == 0) {
                    w[i + 1] -= p;
                    e[mm] = 0;
                    break;
                }
                s = f / r;
                c = g / r;
                g = w[i + 1] - p;
                r = (w[i] - g) * s + 2 * c * b;
                p = s * r;
                w[i + 1] = g + p;
                g = c * r - b;
                for (int64_t k = 0; k < m; k++) {
                    double *zk = z + k * m;
                    f = zk[i + 1];
                    zk[i + 1] = s * zk[i] + c * f;
                    zk[i] = c * zk[i] - s * f;
                }
            }
            if (r == 0 && i >= l) continue;
            w[l] -= p;
            e[l] = g;
            e[mm] = 0;
        } while (true);
    }
    return true;
}

/* The eigen-decomposition of the symmetric a ([m, m], destroyed): eigenvalues into w,
 * eigenvectors into the columns of v ([m, m]); e: m doubles of scratch. */
static bool sym_eigen(double *a, int64_t m, double *w, double *v, double *e) {
    memcpy(v, a, (size_t)(m * m) * sizeof(double));
    tridiagonalize(v, m, w, e);
    return tridiag_ql(w, e, m, v);
}

/* out = V diag(w^pw) V^T ([m, m]); f: m doubles of scratch. */
static void spectral(int64_t m, const double *w, const double *v, double pw, double *out, double *f) {
    for (int64_t k = 0; k < m; k++) f[k] = pow(w[k], pw);
    for (int64_t i = 0; i < m; i++)
        for (int64_t l = i; l < m; l++) {
            double acc = 0;
            const double *vi = v + i * m, *vl = v + l * m;
            for (int64_t k = 0; k < m; k++) acc += vi[k] * f[k] * vl[k];
            out[i * m + l] = out[l * m + i] = acc;
        }
}

/* c = a b ([m, m] each). */
static void matmul(int64_t m, const double *a, const double *b, double *c) {
    memset(c, 0, (size_t)(m * m) * sizeof(double));
    for (int64_t i = 0; i < m; i++)
        for (int64_t k = 0; k < m; k++) {
            double aik = a[i * m + k];
            const double *bk = b + k * m;
            double *ci = c + i * m;
            for (int64_t l = 0; l < m; l++) ci[l] += aik * bk[l];
        }
}

/* The geometric mean of SPD a and b^-1: b^-1/2 (b^1/2 a b^1/2)^1/2 b^-1/2, its
 * eigenvalues into w and eigenvectors into v (a and b destroyed; scratch t: 3 m * m + m). */
static bool spd_mean(int64_t m, double *a, double *b, double *w, double *v, double *t) {
    double *bh = t, *bih = t + m * m, *c = t + 2 * m * m, *f = t + 3 * m * m;
    if (!sym_eigen(b, m, w, v, f)) return false;
    for (int64_t k = 0; k < m; k++)
        if (!(w[k] > 0)) return false;
    spectral(m, w, v, 0.5, bh, f);
    spectral(m, w, v, -0.5, bih, f);
    matmul(m, bh, a, c);
    matmul(m, c, bh, a); /* b^1/2 a b^1/2 */
    if (!sym_eigen(a, m, w, v, f)) return false;
    for (int64_t k = 0; k < m; k++)
        if (!(w[k] >= 0)) return false;
    spectral(m, w, v, 0.5, c, f);
    matmul(m, bih, c, a);
    matmul(m, a, bih, c);
    for (int64_t i = 0; i < m; i++) /* symmetrize: rounding */
        for (int64_t l = 0; l <= i; l++) a[i * m + l] = a[l * m + i] = 0.5 * (c[i * m + l] + c[l * m + i]);
    return sym_eigen(a, m, w, v, f);
}

/* An orthonormal basis of the span of the columns of y ([d, c], row-major), into the
 * first *r columns of y (classical Gram-Schmidt, twice, dropping columns that lie in
 * the span of the earlier ones). */
static void orthonormalize(double *y, int64_t d, int64_t c, int64_t *r, double *h) {
    int64_t k = 0;
    for (int64_t j = 0; j < c; j++) {
        double n0 = 0;
        for (int64_t i = 0; i < d; i++) n0 += y[i * c + j] * y[i * c + j];
        for (int pass = 0; pass < 2; pass++) {
            for (int64_t q = 0; q < k; q++) h[q] = 0;
            for (int64_t i = 0; i < d; i++)
                for (int64_t q = 0; q < k; q++) h[q] += y[i * c + q] * y[i * c + j];
            for (int64_t i = 0; i < d; i++)
                for (int64_t q = 0; q < k; q++) y[i * c + j] -= h[q] * y[i * c + q];
        }
        double n1 = 0;
        for (int64_t i = 0; i < d; i++) n1 += y[i * c + j] * y[i * c + j];
        if (!(n1 > 1e-20 * n0) || n1 == 0) continue;
        double inv = 1 / sqrt(n1);
        for (int64_t i = 0; i < d; i++) y[i * c + k] = y[i * c + j] * inv;
        k++;
    }
    *r = k;
}

/* The regularized covariance p p^T / gamma + I ([m, m]) of the n columns of p ([m, n]). */
static void regularized_cov(const double *p, int64_t m, int64_t n, double *out) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t l = i; l < m; l++) {
            double acc = 0;
            for (int64_t r = 0; r < n; r++) acc += p[i * n + r] * p[l * n + r];
            out[i * m + l] = out[l * m + i] = acc / LOWRANK_GAMMA + (i == l);
        }
}

bool nuts_lowrank_estimate_in(int64_t d, int64_t kmax, int64_t n, const double *xs, const double *gs, bool project,
                               double *minv) {
    /* c: the columns of [X G] (centred and scaled draws and gradients); m: the dimension
     * the eigen-problems are solved in, d, or the span's when projected */
    int64_t c = 2 * n;
    project = project && c < d; /* else the span may be all of R^d */
    int64_t mmax = project ? c : d;
    size_t need = (size_t)(2 * d * n + d * c) + (size_t)(6 * mmax * mmax + 4 * mmax) + (size_t)(4 * d) + (size_t)c;
    double *buf = core_alloc(need * sizeof(double));
    if (!buf) return false; /* no update (the metric stays) */
    double *x = buf, *g = x + d * n, *y = g + d * n, *a = y + d * c, *b = a + mmax * mmax, *v = b + mmax * mmax,
           *t = v + mmax * mmax, *w = t + 3 * mmax * mmax + mmax, *s = w + mmax, *mx = s + d, *mg = mx + d,
           *u = mg + d, *h = u + d;
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
    for (int64_t i = 0; ok && i < d; i++) { /* x, g: [d, n], centred and scaled */
        double ri = sqrt(s[i]);
        for (int64_t r = 0; r < n; r++) {
            x[i * n + r] = (xs[r * d + i] - mx[i]) / ri;
            g[i * n + r] = (gs[r * d + i] - mg[i]) * ri;
        }
    }
    int64_t m = d;
    if (ok && project) { /* y: a basis of the span; x and g in its coordinates */
        for (int64_t i = 0; i < d; i++) {
            memcpy(y + i * c, x + i * n, (size_t)n * sizeof(double));
            memcpy(y + i * c + n, g + i * n, (size_t)n * sizeof(double));
        }
        orthonormalize(y, d, c, &m, h);
        ok = m > 0;
        for (int pass = 0; ok && pass < 2; pass++) { /* p = y^T x, then y^T g, into a as [m, n] */
            const double *src = pass ? g : x;
            double *p = pass ? b : a;
            memset(p, 0, (size_t)(m * n) * sizeof(double));
            for (int64_t i = 0; i < d; i++)
                for (int64_t q = 0; q < m; q++) {
                    double yq = y[i * c + q];
                    for (int64_t r = 0; r < n; r++) p[q * n + r] += yq * src[i * n + r];
                }
        }
        if (ok) { /* the projections fit in t's first 2 m n doubles while the covariances fill a and b */
            memcpy(t, a, (size_t)(m * n) * sizeof(double));
            memcpy(t + m * n, b, (size_t)(m * n) * sizeof(double));
            regularized_cov(t, m, n, a);
            regularized_cov(t + m * n, m, n, b);
        }
    } else if (ok) {
        regularized_cov(x, d, n, a);
        regularized_cov(g, d, n, b);
    }
    ok = ok && spd_mean(m, a, b, w, v, t);
    int64_t k = 0, *pick = (int64_t *)t; /* t is free now */
    bool *used = (bool *)(pick + m);
    for (int64_t i = 0; ok && i < m; i++) ok = isfinite(w[i]) && w[i] > 0;
    for (int64_t i = 0; ok && i < m; i++) used[i] = false;
    while (ok && k < kmax) { /* the kept directions, largest |log lambda| first */
        int64_t best = -1;
        for (int64_t i = 0; i < m; i++)
            if (!used[i] && (w[i] > LOWRANK_CUTOFF || w[i] < 1 / LOWRANK_CUTOFF) &&
                (best < 0 || fabs(log(w[i])) > fabs(log(w[best]))))
                best = i;
        if (best < 0) break;
        used[best] = true;
        for (int64_t i = 0; i < m; i++) ok = ok && isfinite(v[i * m + best]);
        pick[k++] = best;
    }
    if (ok) { /* only a whole estimate is written: minv is also the state a resumed run reads */
        double *lam = minv + d + 1, *dir = minv + d + 1 + kmax;
        for (int64_t i = 0; i < d; i++) minv[i] = s[i] < 1e-20 ? 1e-20 : s[i] > 1e20 ? 1e20 : s[i];
        minv[d] = (double)k;
        for (int64_t j = 0; j < k; j++) {
            lam[j] = w[pick[j]];
            for (int64_t i = 0; i < d; i++) { /* the direction in R^d: y v_j, or v_j itself */
                double acc = 0;
                if (project)
                    for (int64_t q = 0; q < m; q++) acc += y[i * c + q] * v[q * m + pick[j]];
                else
                    acc = v[i * m + pick[j]];
                u[i] = acc;
            }
            memcpy(dir + j * d, u, (size_t)d * sizeof(double));
        }
    }
    core_free(buf, need * sizeof(double));
    return ok;
}

bool nuts_lowrank_estimate(int64_t d, int64_t kmax, int64_t n, const double *xs, const double *gs, double *minv) {
    return nuts_lowrank_estimate_in(d, kmax, n, xs, gs, 2 * n < d, minv);
}
