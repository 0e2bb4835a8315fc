/* pathfinder_approx.c — Pathfinder's normal approximation of one L-BFGS iterate
 * (pathfinder_int.h): the inverse-Hessian estimate in Byrd, Nocedal and Schnabel's
 * compact form, H = A + A Y N + N^T Y^T A + N^T (Y^T A Y + D) N with A = diag(alpha),
 * N = -R^-1 S^T, R the upper triangle of S^T Y and D its diagonal (Stan's
 * taylor_approximation), its mean x - H g, and draws through a Cholesky factor of H
 * (dense, 2k >= d) or through the thin QR of A^-1/2 [A Y, N^T] (sparse, O(d k^2)). */
#include <math.h>
#include <string.h>

#include "pathfinder_int.h"

#define LOG_2PI 1.8378770664093454836

void pf_approx_free(pf_approx *a) {
    if (a->mu) core_free(a->mu, (size_t)(2 * a->d + 1) * sizeof(double));
    if (a->L) core_free(a->L, a->dense ? (size_t)(a->d * a->d) * sizeof(double) : (size_t)(a->r * a->r + 1) * sizeof(double));
    if (a->Q) core_free(a->Q, (size_t)(a->d * a->r + 1) * sizeof(double));
    *a = (pf_approx){0};
}

/* Thin Householder QR of w ([d, c] row-major, d >= c; overwritten): q [d, c] and the
 * upper r [c, c] (row-major). v: d doubles of scratch. */
static void householder_qr(double *w, int64_t d, int64_t c, double *q, double *r, double *v) {
    double beta[64];
    double *vs = v; /* the reflectors are kept below the diagonal of w, their heads in v */
    for (int64_t j = 0; j < c; j++) {
        double nrm = 0;
        for (int64_t i = j; i < d; i++) nrm += w[i * c + j] * w[i * c + j];
        nrm = sqrt(nrm);
        double x0 = w[j * c + j], alpha = x0 > 0 ? -nrm : nrm;
        vs[j] = x0 - alpha; /* v = x - alpha e1, v_j kept apart, the rest in w's column */
        double vv = vs[j] * vs[j];
        for (int64_t i = j + 1; i < d; i++) vv += w[i * c + j] * w[i * c + j];
        beta[j] = vv > 0 ? 2 / vv : 0;
        for (int64_t l = j + 1; l < c; l++) { /* the later columns: (I - beta v v^T) w_l */
            double s = vs[j] * w[j * c + l];
            for (int64_t i = j + 1; i < d; i++) s += w[i * c + j] * w[i * c + l];
            s *= beta[j];
            w[j * c + l] -= s * vs[j];
            for (int64_t i = j + 1; i < d; i++) w[i * c + l] -= s * w[i * c + j];
        }
        w[j * c + j] = beta[j] > 0 ? alpha : x0;
    }
    for (int64_t i = 0; i < c; i++)
        for (int64_t l = 0; l < c; l++) r[i * c + l] = l >= i ? w[i * c + l] : 0;
    /* Q = H_0 H_1 ... H_{c-1} [I; 0], applied from the last reflector */
    for (int64_t i = 0; i < d; i++)
        for (int64_t l = 0; l < c; l++) q[i * c + l] = i == l ? 1 : 0;
    for (int64_t j = c - 1; j >= 0; j--) {
        if (beta[j] == 0) continue;
        for (int64_t l = 0; l < c; l++) {
            double s = vs[j] * q[j * c + l];
            for (int64_t i = j + 1; i < d; i++) s += w[i * c + j] * q[i * c + l];
            s *= beta[j];
            q[j * c + l] -= s * vs[j];
            for (int64_t i = j + 1; i < d; i++) q[i * c + l] -= s * w[i * c + j];
        }
    }
}

gen_status pf_approx_make(pf_approx *a, int64_t d, int64_t k, const double *S, const double *Y,
                          const double *alpha, const double *x, const double *g) {
    *a = (pf_approx){.d = d, .k = k, .dense = 2 * k >= d};
    int64_t c = 2 * k;
    size_t nwork = (size_t)(k * d + k * k + d + k + (a->dense ? 0 : 2 * d * c + c * c + 2 * c * c)) + 1;
    double *work = core_alloc(nwork * sizeof(double));
    a->mu = core_alloc((size_t)(2 * d + 1) * sizeof(double));
    if (!work || !a->mu) {
        if (work) core_free(work, nwork * sizeof(double));
        pf_approx_free(a);
        return GEN_ERR_OOM;
    }
    a->alpha = a->mu + d;
    memcpy(a->alpha, alpha, (size_t)d * sizeof(double));
    double *N = work, *Ma = N + k * d, *hg = Ma + k * k, *ng = hg + d;
    /* N = -R^-1 S^T by back substitution, R_ij = s_i . y_j (i <= j), R held in Ma first */
    for (int64_t i = 0; i < k; i++)
        for (int64_t j = i; j < k; j++) {
            Ma[i * k + j] = 0;
            for (int64_t m = 0; m < d; m++) Ma[i * k + j] += S[i * d + m] * Y[j * d + m];
        }
    for (int64_t i = k - 1; i >= 0; i--)
        for (int64_t l = 0; l < d; l++) {
            double v = -S[i * d + l];
            for (int64_t j = i + 1; j < k; j++) v -= Ma[i * k + j] * N[j * d + l];
            N[i * d + l] = v / Ma[i * k + i];
        }
    /* Ma = Y A Y^T + D */
    for (int64_t i = 0; i < k; i++)
        for (int64_t j = 0; j < k; j++) {
            double v = 0;
            for (int64_t m = 0; m < d; m++) v += Y[i * d + m] * alpha[m] * Y[j * d + m];
            if (i == j)
                for (int64_t m = 0; m < d; m++) v += S[i * d + m] * Y[i * d + m];
            Ma[i * k + j] = v;
        }
    /* mu = x - H g, H g = A g + A Y^T (N g) + N^T (Y A g + Ma (N g)) */
    for (int64_t i = 0; i < k; i++) {
        ng[i] = 0;
        for (int64_t m = 0; m < d; m++) ng[i] += N[i * d + m] * g[m];
    }
    for (int64_t l = 0; l < d; l++) {
        double v = 0;
        for (int64_t i = 0; i < k; i++) v += Y[i * d + l] * ng[i];
        hg[l] = alpha[l] * (g[l] + v);
    }
    for (int64_t i = 0; i < k; i++) {
        double v = 0;
        for (int64_t m = 0; m < d; m++) v += Y[i * d + m] * alpha[m] * g[m];
        for (int64_t j = 0; j < k; j++) v += Ma[i * k + j] * ng[j];
        for (int64_t l = 0; l < d; l++) hg[l] += N[i * d + l] * v;
    }
    for (int64_t l = 0; l < d; l++) a->mu[l] = x[l] - hg[l];
    gen_status s = GEN_OK;
    if (a->dense) {
        a->L = core_alloc((size_t)(d * d) * sizeof(double));
        if (!a->L) s = GEN_ERR_OOM;
        for (int64_t l = 0; s == GEN_OK && l < d; l++)
            for (int64_t m = 0; m < d; m++) {
                double v = l == m ? alpha[l] : 0;
                for (int64_t i = 0; i < k; i++)
                    v += alpha[l] * Y[i * d + l] * N[i * d + m] + N[i * d + l] * alpha[m] * Y[i * d + m];
                for (int64_t i = 0; i < k; i++)
                    for (int64_t j = 0; j < k; j++) v += N[i * d + l] * Ma[i * k + j] * N[j * d + m];
                a->L[l * d + m] = v;
            }
        for (int64_t l = 0; s == GEN_OK && l < d; l++) /* symmetric up to rounding: average */
            for (int64_t m = 0; m < l; m++) a->L[l * d + m] = a->L[m * d + l] = 0.5 * (a->L[l * d + m] + a->L[m * d + l]);
        if (s == GEN_OK && !infer_cholesky(a->L, d))
            s = GEN_FAIL(GEN_ERR_LINALG, "the inverse-Hessian estimate is not positive definite");
        a->logdet = 0;
        for (int64_t l = 0; s == GEN_OK && l < d; l++) a->logdet += log(a->L[l * d + l]);
    } else {
        a->r = c;
        double *W = ng + k, *Mk = W + d * c, *R = Mk + c * c, *K = R + c * c;
        for (int64_t l = 0; l < d; l++)
            for (int64_t i = 0; i < k; i++) {
                W[l * c + i] = sqrt(alpha[l]) * Y[i * d + l];
                W[l * c + k + i] = N[i * d + l] / sqrt(alpha[l]);
            }
        for (int64_t i = 0; i < c; i++) /* M = [[0, I], [I, Ma]] */
            for (int64_t j = 0; j < c; j++)
                Mk[i * c + j] = i >= k && j >= k ? Ma[(i - k) * k + (j - k)] : (i - j == k || j - i == k) ? 1 : 0;
        a->Q = core_alloc((size_t)(d * c + 1) * sizeof(double));
        a->L = core_alloc((size_t)(c * c + 1) * sizeof(double));
        double *v = core_alloc((size_t)(d + 1) * sizeof(double));
        if (!a->Q || !a->L || !v) s = GEN_ERR_OOM;
        if (s == GEN_OK) householder_qr(W, d, c, a->Q, R, v);
        if (v) core_free(v, (size_t)(d + 1) * sizeof(double));
        for (int64_t i = 0; s == GEN_OK && i < c; i++) /* K = I + R M R^T */
            for (int64_t j = 0; j < c; j++) {
                double t = i == j ? 1 : 0;
                for (int64_t p = 0; p < c; p++)
                    for (int64_t q = 0; q < c; q++) t += R[i * c + p] * Mk[p * c + q] * R[j * c + q];
                K[i * c + j] = t;
            }
        if (s == GEN_OK) {
            memcpy(a->L, K, (size_t)(c * c) * sizeof(double));
            if (!infer_cholesky(a->L, c)) s = GEN_FAIL(GEN_ERR_LINALG, "the inverse-Hessian estimate is not positive definite");
        }
        a->logdet = 0;
        for (int64_t i = 0; s == GEN_OK && i < c; i++) a->logdet += log(a->L[i * c + i]);
        for (int64_t l = 0; s == GEN_OK && l < d; l++) a->logdet += 0.5 * log(alpha[l]);
    }
    core_free(work, nwork * sizeof(double));
    if (s != GEN_OK) pf_approx_free(a);
    return s;
}

double pf_approx_draw(const pf_approx *a, const double *u, double *theta, double *scratch) {
    int64_t d = a->d;
    double uu = 0;
    for (int64_t l = 0; l < d; l++) uu += u[l] * u[l];
    if (a->dense) {
        for (int64_t l = 0; l < d; l++) {
            double v = 0;
            for (int64_t m = 0; m <= l; m++) v += a->L[l * d + m] * u[m];
            theta[l] = a->mu[l] + v;
        }
    } else { /* mu + A^1/2 (u + Q (L - I) Q^T u) */
        int64_t r = a->r;
        double *qu = scratch, *lq = scratch + r;
        for (int64_t i = 0; i < r; i++) {
            qu[i] = 0;
            for (int64_t l = 0; l < d; l++) qu[i] += a->Q[l * r + i] * u[l];
        }
        for (int64_t i = 0; i < r; i++) {
            lq[i] = -qu[i];
            for (int64_t j = 0; j <= i; j++) lq[i] += a->L[i * r + j] * qu[j];
        }
        for (int64_t l = 0; l < d; l++) {
            double v = u[l];
            for (int64_t i = 0; i < r; i++) v += a->Q[l * r + i] * lq[i];
            theta[l] = a->mu[l] + sqrt(a->alpha[l]) * v;
        }
    }
    return -a->logdet - 0.5 * (uu + (double)d * LOG_2PI);
}

void pf_approx_cov(const pf_approx *a, double *cov) {
    int64_t d = a->d, r = a->r;
    for (int64_t l = 0; l < d; l++)
        for (int64_t m = 0; m < d; m++) {
            double v = 0;
            if (a->dense) {
                for (int64_t j = 0; j <= (l < m ? l : m); j++) v += a->L[l * d + j] * a->L[m * d + j];
            } else { /* A^1/2 (I + Q (L L^T - I) Q^T) A^1/2 */
                v = l == m ? 1 : 0;
                for (int64_t i = 0; i < r; i++)
                    for (int64_t j = 0; j < r; j++) {
                        double kij = -(i == j);
                        for (int64_t p = 0; p <= (i < j ? i : j); p++) kij += a->L[i * r + p] * a->L[j * r + p];
                        v += a->Q[l * r + i] * kij * a->Q[m * r + j];
                    }
                v *= sqrt(a->alpha[l] * a->alpha[m]);
            }
            cov[l * d + m] = v;
        }
}
