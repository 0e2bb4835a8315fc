/* filter_dense.c — small dense matrix kernels of the Kalman filter (row-major doubles):
 * products, Cholesky factors (definite and semi-definite), solves, symmetry. The state
 * dimensions of exact filters are small, so plain loops beat calls into BLAS here. */
#include <math.h>

#include "filter_int.h"

void filter_matmul(const double *a, bool ta, const double *b, bool tb, int64_t r, int64_t k, int64_t s,
                   double *c) {
    for (int64_t i = 0; i < r; i++)
        for (int64_t j = 0; j < s; j++) {
            double acc = 0;
            for (int64_t l = 0; l < k; l++)
                acc += (ta ? a[l * r + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * s + j]);
            c[i * s + j] = acc;
        }
}

bool infer_cholesky(double *a, int64_t d) {
    for (int64_t j = 0; j < d; j++) {
        double s = a[j * d + j];
        for (int64_t k = 0; k < j; k++) s -= a[j * d + k] * a[j * d + k];
        if (!(s > 0) || !isfinite(s)) return false;
        double l = sqrt(s);
        a[j * d + j] = l;
        for (int64_t i = j + 1; i < d; i++) {
            double r = a[i * d + j];
            for (int64_t k = 0; k < j; k++) r -= a[i * d + k] * a[j * d + k];
            a[i * d + j] = r / l;
        }
        for (int64_t k = j + 1; k < d; k++) a[j * d + k] = 0;
    }
    return true;
}

bool filter_cholesky_psd(double *a, int64_t d, double tol) {
    double scale = 0;
    for (int64_t j = 0; j < d; j++) scale = fmax(scale, fabs(a[j * d + j]));
    double eps = tol * (scale > 0 ? scale : 1);
    for (int64_t j = 0; j < d; j++) {
        double s = a[j * d + j];
        for (int64_t k = 0; k < j; k++) s -= a[j * d + k] * a[j * d + k];
        if (!isfinite(s) || s < -eps) return false;
        double l = s > eps ? sqrt(s) : 0; /* a zero pivot: this direction has no variance */
        a[j * d + j] = l;
        for (int64_t i = j + 1; i < d; i++) {
            double r = a[i * d + j];
            for (int64_t k = 0; k < j; k++) r -= a[i * d + k] * a[j * d + k];
            if (l == 0 && fabs(r) > sqrt(eps) * sqrt(fabs(a[i * d + i]) + eps)) return false;
            a[i * d + j] = l > 0 ? r / l : 0;
        }
        for (int64_t k = j + 1; k < d; k++) a[j * d + k] = 0;
    }
    return true;
}

void filter_chol_solve(const double *l, int64_t d, double *b, int64_t s) {
    for (int64_t c = 0; c < s; c++) {
        for (int64_t i = 0; i < d; i++) { /* L z = b */
            double acc = b[i * s + c];
            for (int64_t k = 0; k < i; k++) acc -= l[i * d + k] * b[k * s + c];
            b[i * s + c] = acc / l[i * d + i];
        }
        for (int64_t i = d - 1; i >= 0; i--) { /* L' x = z */
            double acc = b[i * s + c];
            for (int64_t k = i + 1; k < d; k++) acc -= l[k * d + i] * b[k * s + c];
            b[i * s + c] = acc / l[i * d + i];
        }
    }
}

void filter_symmetrize(double *a, int64_t d) {
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = i + 1; j < d; j++) a[i * d + j] = a[j * d + i] = 0.5 * (a[i * d + j] + a[j * d + i]);
}

bool filter_is_symmetric(const double *a, int64_t d, double tol) {
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = i + 1; j < d; j++) {
            double x = a[i * d + j], y = a[j * d + i];
            double scale = fmax(sqrt(fabs(a[i * d + i] * a[j * d + j])), fmax(fabs(x), fabs(y)));
            if (fabs(x - y) > tol * scale) return false;
        }
    return true;
}
