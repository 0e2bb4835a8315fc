/* advi_family.c — ADVI's Gaussian families (Stan's normal_meanfield and normal_fullrank):
 * the reparameterization zeta = mu + S eps, the entropy, and the reparameterized ELBO
 * gradient with the entropy's gradient. */
#include <math.h>

#include "advi_int.h"

#define LOG_2PI 1.83787706640934548356 /* log(2 pi) */

void advi_q_transform(const advi_q *q, int64_t n, const double *eps, double *zeta) {
    int64_t d = q->d;
    for (int64_t r = 0; r < n; r++) {
        const double *e = eps + r * d;
        double *z = zeta + r * d;
        for (int64_t i = 0; i < d; i++) {
            double v = q->mu[i];
            if (q->family == GEN_ADVI_MEANFIELD) v += exp(q->scale[i]) * e[i];
            else
                for (int64_t j = 0; j <= i; j++) v += q->scale[i * d + j] * e[j];
            z[i] = v;
        }
    }
}

double advi_q_entropy(const advi_q *q) {
    int64_t d = q->d;
    double h = 0.5 * (double)d * (1 + LOG_2PI);
    for (int64_t i = 0; i < d; i++) {
        if (q->family == GEN_ADVI_MEANFIELD) h += q->scale[i];
        else if (q->scale[i * d + i] != 0) h += log(fabs(q->scale[i * d + i])); /* as Stan: a 0 adds nothing */
    }
    return h;
}

void advi_q_grad(const advi_q *q, int64_t n, const double *eps, const double *g, const bool *ok, int64_t m,
                 double *gmu, double *gscale) {
    int64_t d = q->d;
    for (int64_t i = 0; i < d; i++) gmu[i] = 0;
    for (int64_t k = 0; k < q->nscale; k++) gscale[k] = 0;
    for (int64_t r = 0; r < n; r++) {
        if (!ok[r]) continue;
        const double *e = eps + r * d, *gr = g + r * d;
        for (int64_t i = 0; i < d; i++) {
            gmu[i] += gr[i];
            if (q->family == GEN_ADVI_MEANFIELD) gscale[i] += gr[i] * e[i];
            else
                for (int64_t j = 0; j <= i; j++) gscale[i * d + j] += gr[i] * e[j];
        }
    }
    double inv = 1 / (double)m;
    for (int64_t i = 0; i < d; i++) gmu[i] *= inv;
    for (int64_t k = 0; k < q->nscale; k++) gscale[k] *= inv;
    for (int64_t i = 0; i < d; i++) {
        if (q->family == GEN_ADVI_MEANFIELD) gscale[i] = gscale[i] * exp(q->scale[i]) + 1;
        else gscale[i * d + i] += 1 / q->scale[i * d + i];
    }
}
