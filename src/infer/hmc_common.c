/* hmc_common.c — the pieces the gradient-based samplers share: density and gradient as
 * doubles, the Euclidean metric, momenta, the leapfrog step (see hmc_int.h). */
#include <math.h>
#include <string.h>

#include "hmc_int.h"

gen_status hmc_eval(const gen_target *t, int64_t d, const double *theta, double *logp, double *grad) {
    (void)d;
    return target_value_grad_raw(t, theta, logp, grad);
}

gen_status hmc_eval_start(const gen_target *t, int64_t d, const double *theta, double *logp, double *grad) {
    gen_status s = hmc_eval(t, d, theta, logp, grad);
    if (s == GEN_OK && *logp == -INFINITY)
        s = GEN_FAIL(GEN_ERR_VALUE, "the log density at the trace is -inf (outside the model's support)");
    return s;
}

gen_status hmc_eval_proposed(const gen_target *t, int64_t d, const double *theta, double *logp, double *grad,
                             gen_divergence *why) {
    gen_status s = hmc_eval(t, d, theta, logp, grad);
    *why = s == GEN_OK ? (*logp == -INFINITY ? GEN_DIVERGENCE_DENSITY : GEN_DIVERGENCE_NONE)
                       : infer_rejection(s, NULL, 0);
    if (*why == GEN_DIVERGENCE_NONE) return s;
    *logp = -INFINITY;
    return GEN_OK;
}

gen_status hmc_normals(gen_key key, int64_t d, double *z) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *a = gen_random_normal(key, GEN_F64, 1, &d);
    s = a ? gen_array_copy_to(a, GEN_F64, z, (size_t)d * sizeof *z) : infer_pending();
    gen_scope_end();
    return s;
}

void hmc_metric_free(hmc_metric *m) {
    size_t n = (size_t)(m->kind == 2 ? m->d * m->d : m->kind == 3 ? hmc_lowrank_size(m->d, m->kmax) : m->d);
    if (m->minv) core_free(m->minv, n * sizeof(double));
    if (m->chol) core_free(m->chol, n * sizeof(double));
    if (m->work) core_free(m->work, ((size_t)m->kmax + 1) * sizeof(double));
    *m = (hmc_metric){0};
}

int64_t hmc_lowrank_size(int64_t d, int64_t kmax) { return d + 1 + kmax + kmax * d; }

gen_status hmc_metric_set_lowrank(hmc_metric *m, int64_t d, int64_t kmax, const double *packed) {
    int64_t n = hmc_lowrank_size(d, kmax);
    if (!(m->kind == 3 && m->d == d && m->kmax == kmax)) { /* warm-up updates it often: keep the buffers */
        hmc_metric_free(m);
        *m = (hmc_metric){3, d, kmax, core_calloc((size_t)n, sizeof(double)), NULL,
                          core_calloc((size_t)kmax + 1, sizeof(double))};
        if (!m->minv || !m->work) {
            hmc_metric_free(m);
            return GEN_ERR_OOM;
        }
    }
    if (packed) {
        memcpy(m->minv, packed, (size_t)n * sizeof(double));
    } else {
        memset(m->minv, 0, (size_t)n * sizeof(double));
        for (int64_t i = 0; i < d; i++) m->minv[i] = 1;
    }
    for (int64_t i = 0; i < d; i++)
        if (!(m->minv[i] > 0) || !isfinite(m->minv[i]))
            return GEN_FAIL(GEN_ERR_VALUE, "the inverse metric must be positive, got %g at %lld", m->minv[i], (long long)i);
    double k = m->minv[d];
    if (!(k >= 0 && k <= (double)kmax && k == floor(k)))
        return GEN_FAIL(GEN_ERR_VALUE, "the low-rank metric's rank %g is not in 0..%lld", k, (long long)kmax);
    for (int64_t j = 0; j < (int64_t)k; j++)
        if (!(m->minv[d + 1 + j] > 0) || !isfinite(m->minv[d + 1 + j]))
            return GEN_FAIL(GEN_ERR_VALUE, "the low-rank metric's eigenvalue %lld is %g", (long long)j, m->minv[d + 1 + j]);
    return GEN_OK;
}

/* The parts of a packed low-rank inverse metric. */
static void lowrank_parts(int64_t d, int64_t kmax, const double *packed, int64_t *k, const double **lam,
                          const double **u) {
    *k = (int64_t)packed[d];
    *lam = packed + d + 1;
    *u = packed + d + 1 + kmax;
}

void hmc_lowrank_dense(int64_t d, int64_t kmax, const double *packed, double *out) {
    int64_t k;
    const double *lam, *u;
    lowrank_parts(d, kmax, packed, &k, &lam, &u);
    for (int64_t i = 0; i < d; i++)
        for (int64_t l = 0; l < d; l++) {
            double acc = i == l ? 1 : 0;
            for (int64_t j = 0; j < k; j++) acc += (lam[j] - 1) * u[j * d + i] * u[j * d + l];
            out[i * d + l] = sqrt(packed[i]) * acc * sqrt(packed[l]);
        }
}

/* v = (I + U (diag(f) - I) U^T) v in place, f_j = lam_j^pw, with c (k doubles) scratch. */
static void lowrank_inner(int64_t d, int64_t k, const double *lam, const double *u, double pw, double *v,
                          double *c) {
    for (int64_t j = 0; j < k; j++) {
        double acc = 0;
        for (int64_t i = 0; i < d; i++) acc += u[j * d + i] * v[i];
        c[j] = (pow(lam[j], pw) - 1) * acc;
    }
    for (int64_t j = 0; j < k; j++)
        for (int64_t i = 0; i < d; i++) v[i] += c[j] * u[j * d + i];
}

gen_status hmc_metric_set(hmc_metric *m, int kind, int64_t d, const double *minv) {
    if (kind == 1 && m->kind == 1 && m->d == d && m->minv) { /* warm-up updates it often: keep the buffer */
        for (int64_t i = 0; i < d; i++) m->minv[i] = minv ? minv[i] : 1.0;
        for (int64_t i = 0; i < d; i++)
            if (!(m->minv[i] > 0) || !isfinite(m->minv[i]))
                return GEN_FAIL(GEN_ERR_VALUE, "the inverse metric must be positive, got %g at %lld", m->minv[i], (long long)i);
        return GEN_OK;
    }
    hmc_metric_free(m);
    m->kind = kind;
    m->d = d;
    if (kind == 0) return GEN_OK;
    size_t n = (size_t)(kind == 2 ? d * d : d);
    if (!(m->minv = core_alloc(n * sizeof(double)))) return GEN_ERR_OOM;
    for (size_t i = 0; i < n; i++)
        m->minv[i] = minv ? minv[i] : kind == 1 ? 1.0 : (i % (size_t)(d + 1) == 0 ? 1.0 : 0.0);
    if (kind == 1) {
        for (int64_t i = 0; i < d; i++)
            if (!(m->minv[i] > 0) || !isfinite(m->minv[i]))
                return GEN_FAIL(GEN_ERR_VALUE, "the inverse metric must be positive, got %g at %lld", m->minv[i], (long long)i);
        return GEN_OK;
    }
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = 0; j < i; j++)
            if (fabs(m->minv[i * d + j] - m->minv[j * d + i]) > 1e-12 * (fabs(m->minv[i * d + j]) + fabs(m->minv[j * d + i])))
                return GEN_FAIL(GEN_ERR_VALUE, "the dense inverse metric is not symmetric at [%lld, %lld]", (long long)i, (long long)j);
    if (!(m->chol = core_alloc(n * sizeof(double)))) return GEN_ERR_OOM;
    memcpy(m->chol, m->minv, n * sizeof(double));
    if (!infer_cholesky(m->chol, d)) return GEN_FAIL(GEN_ERR_VALUE, "the dense inverse metric is not positive definite");
    return GEN_OK;
}

gen_status hmc_metric_init(hmc_metric *m, const gen_array *inv_metric, int64_t d) {
    *m = (hmc_metric){.kind = 0, .d = d};
    if (!inv_metric) return GEN_OK;
    int nd = gen_array_ndim(inv_metric);
    const int64_t *sh = gen_array_shape(inv_metric);
    if (gen_array_dtype(inv_metric) != GEN_F64 || !((nd == 1 && sh[0] == d) || (nd == 2 && sh[0] == d && sh[1] == d)))
        return GEN_FAIL(GEN_ERR_SHAPE, "the inverse metric must be f64 [%lld] or [%lld, %lld]",
                        (long long)d, (long long)d, (long long)d);
    return hmc_metric_set(m, nd, d, gen_array_data(inv_metric));
}

void hmc_apply_minv(const hmc_metric *m, const double *p, double *v) {
    int64_t d = m->d;
    if (m->kind == 0) {
        memcpy(v, p, (size_t)d * sizeof *v);
    } else if (m->kind == 1) {
        for (int64_t i = 0; i < d; i++) v[i] = m->minv[i] * p[i];
    } else if (m->kind == 2) {
        for (int64_t i = 0; i < d; i++) {
            double acc = 0;
            for (int64_t j = 0; j < d; j++) acc += m->minv[i * d + j] * p[j];
            v[i] = acc;
        }
    } else {
        int64_t k;
        const double *lam, *u;
        lowrank_parts(d, m->kmax, m->minv, &k, &lam, &u);
        for (int64_t i = 0; i < d; i++) v[i] = sqrt(m->minv[i]) * p[i];
        lowrank_inner(d, k, lam, u, 1.0, v, m->work);
        for (int64_t i = 0; i < d; i++) v[i] *= sqrt(m->minv[i]);
    }
}

double hmc_kinetic(const hmc_metric *m, const double *p, double *tmp) {
    hmc_apply_minv(m, p, tmp);
    double k = 0;
    for (int64_t i = 0; i < m->d; i++) k += p[i] * tmp[i];
    return 0.5 * k;
}

void hmc_draw_momentum(const hmc_metric *m, const double *z, double *p) {
    int64_t d = m->d;
    if (m->kind == 0) {
        memcpy(p, z, (size_t)d * sizeof *p);
    } else if (m->kind == 1) {
        for (int64_t i = 0; i < d; i++) p[i] = z[i] / sqrt(m->minv[i]);
    } else if (m->kind == 3) { /* M = diag(1/sqrt s) (I + U (Lambda^-1 - I) U^T) diag(1/sqrt s), whose square
                                  root's inner factor is I + U (Lambda^-1/2 - I) U^T (U orthonormal) */
        int64_t k;
        const double *lam, *u;
        lowrank_parts(d, m->kmax, m->minv, &k, &lam, &u);
        memcpy(p, z, (size_t)d * sizeof *p);
        lowrank_inner(d, k, lam, u, -0.5, p, m->work);
        for (int64_t i = 0; i < d; i++) p[i] /= sqrt(m->minv[i]);
    } else { /* L L^T = M^-1, so p = L^-T z has covariance (L L^T)^-1 = M */
        for (int64_t i = d - 1; i >= 0; i--) {
            double acc = z[i];
            for (int64_t j = i + 1; j < d; j++) acc -= m->chol[j * d + i] * p[j];
            p[i] = acc / m->chol[i * d + i];
        }
    }
}

gen_status hmc_leapfrog(const gen_target *t, const hmc_metric *m, double eps, hmc_point *x, double *v,
                        gen_divergence *why) {
    int64_t d = m->d;
    for (int64_t i = 0; i < d; i++) x->p[i] += 0.5 * eps * x->grad[i];
    hmc_apply_minv(m, x->p, v);
    for (int64_t i = 0; i < d; i++) x->theta[i] += eps * v[i];
    gen_status s = hmc_eval_proposed(t, d, x->theta, &x->logp, x->grad, why);
    if (s != GEN_OK || *why != GEN_DIVERGENCE_NONE) return s;
    for (int64_t i = 0; i < d; i++) x->p[i] += 0.5 * eps * x->grad[i];
    hmc_apply_minv(m, x->p, v);
    return GEN_OK;
}

double hmc_mala_logq(int64_t d, double eps, const double *to, const double *from, const double *grad) {
    double acc = 0;
    for (int64_t i = 0; i < d; i++) {
        double r = to[i] - from[i] - 0.5 * eps * eps * grad[i];
        acc += r * r;
    }
    return -acc / (2 * eps * eps);
}
