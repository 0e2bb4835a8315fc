/* kalman_smooth.c — the backward passes after the Kalman filter (genc/filter.h): the
 * Rauch-Tung-Striebel smoother and forward-filtering backward-sampling of whole paths.
 * Both use the gain G_t = Pf_t A' Pp_{t+1}^-1, kept transposed: Gt = Pp_{t+1}^-1 A Pf_t. */
#include <math.h>
#include <string.h>

#include "filter_int.h"

/* The filter's outputs over one call. */
typedef struct pass {
    kalman_in in;
    double *mf, *Pf, *mp, *Pp, lml;
} pass;

static gen_status run_filter(filter_bag *bag, const char *fn, const gen_lgssm *model, const gen_array *ys, pass *p) {
    gen_status s = kalman_read(bag, fn, model, ys, &p->in);
    if (s != GEN_OK) return s;
    int64_t T = p->in.T, n = p->in.n;
    p->mf = filter_alloc(bag, T * n), p->Pf = filter_alloc(bag, T * n * n);
    p->mp = filter_alloc(bag, T * n), p->Pp = filter_alloc(bag, T * n * n);
    if (!p->mf || !p->Pf || !p->mp || !p->Pp) return GEN_ERR_OOM;
    return kalman_forward(bag, fn, &p->in, p->mf, p->Pf, p->mp, p->Pp, &p->lml);
}

/* Gt = Pp[t+1]^-1 (A Pf[t]) into gt, and A Pf[t] into apf; lp is n * n scratch. */
static gen_status gain(const char *fn, const pass *p, int64_t t, double *gt, double *apf, double *lp) {
    int64_t n = p->in.n, nn = n * n;
    memcpy(lp, p->Pp + (t + 1) * nn, (size_t)nn * sizeof *lp);
    if (!infer_cholesky(lp, n))
        return GEN_FAIL(GEN_ERR_LINALG, "%s: the predicted covariance at step %lld is singular (the smoother's gain "
                        "needs its inverse)", fn, (long long)(t + 2));
    filter_matmul(p->in.A, false, p->Pf + t * nn, false, n, n, n, apf);
    memcpy(gt, apf, (size_t)nn * sizeof *gt);
    filter_chol_solve(lp, n, gt, n);
    return GEN_OK;
}

gen_status gen_kalman_smoother(const gen_lgssm *model, const gen_array *ys, gen_array **means, gen_array **covs,
                               double *log_ml) {
    const char *fn = "gen_kalman_smoother";
    if (!means || !covs) return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, means ? "covs" : "means");
    filter_bag bag = {0};
    pass p;
    gen_status s = run_filter(&bag, fn, model, ys, &p);
    int64_t T = s == GEN_OK ? p.in.T : 0, n = s == GEN_OK ? p.in.n : 0, nn = n * n;
    double *ms = NULL, *Ps = NULL, *gt = NULL, *apf = NULL, *lp = NULL, *dm = NULL, *tmp = NULL;
    if (s == GEN_OK) {
        ms = filter_alloc(&bag, T * n), Ps = filter_alloc(&bag, T * nn), gt = filter_alloc(&bag, nn);
        apf = filter_alloc(&bag, nn), lp = filter_alloc(&bag, nn), dm = filter_alloc(&bag, nn);
        tmp = filter_alloc(&bag, nn);
        if (!ms || !Ps || !gt || !apf || !lp || !dm || !tmp) s = GEN_ERR_OOM;
    }
    if (s == GEN_OK && T > 0) {
        memcpy(ms + (T - 1) * n, p.mf + (T - 1) * n, (size_t)n * sizeof *ms);
        memcpy(Ps + (T - 1) * nn, p.Pf + (T - 1) * nn, (size_t)nn * sizeof *Ps);
    }
    for (int64_t t = T - 2; s == GEN_OK && t >= 0; t--) {
        if ((s = gain(fn, &p, t, gt, apf, lp)) != GEN_OK) break;
        /* ms_t = mf_t + G (ms_{t+1} - mp_{t+1}) */
        for (int64_t j = 0; j < n; j++) dm[j] = ms[(t + 1) * n + j] - p.mp[(t + 1) * n + j];
        for (int64_t i = 0; i < n; i++) {
            double acc = p.mf[t * n + i];
            for (int64_t j = 0; j < n; j++) acc += gt[j * n + i] * dm[j];
            ms[t * n + i] = acc;
        }
        /* Ps_t = Pf_t + G (Ps_{t+1} - Pp_{t+1}) G' = Pf_t + Gt' D Gt */
        for (int64_t i = 0; i < nn; i++) dm[i] = Ps[(t + 1) * nn + i] - p.Pp[(t + 1) * nn + i];
        filter_matmul(gt, true, dm, false, n, n, n, tmp);
        filter_matmul(tmp, false, gt, false, n, n, n, Ps + t * nn);
        for (int64_t i = 0; i < nn; i++) Ps[t * nn + i] += p.Pf[t * nn + i];
        filter_symmetrize(Ps + t * nn, n);
    }
    int64_t shape[3] = {T, n, n};
    if (s == GEN_OK)
        s = filter_results(2, (gen_array **const[]){means, covs}, GEN_F64, (const int[]){2, 3}, shape,
                           (const void *const[]){ms, Ps});
    if (s == GEN_OK && log_ml) *log_ml = p.lml;
    filter_bag_free(&bag);
    return s;
}

gen_status gen_kalman_sample(const gen_lgssm *model, gen_key key, const gen_array *ys, int64_t n_draws,
                             gen_array **paths) {
    const char *fn = "gen_kalman_sample";
    if (!paths) return GEN_FAIL(GEN_ERR_MISUSE, "%s: paths is NULL", fn);
    if (n_draws < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: n_draws must be >= 0, got %lld", fn, (long long)n_draws);
    filter_bag bag = {0};
    pass p;
    gen_status s = run_filter(&bag, fn, model, ys, &p);
    int64_t T = s == GEN_OK ? p.in.T : 0, n = s == GEN_OK ? p.in.n : 0, nn = n * n;
    double *x = NULL, *z = NULL, *gt = NULL, *apf = NULL, *lp = NULL, *cov = NULL;
    if (s == GEN_OK && T > 0 && n_draws > INT64_MAX / 16 / (T * n))
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: %lld draws of %lld steps are too many", fn, (long long)n_draws, (long long)T);
    if (s == GEN_OK) {
        x = filter_alloc(&bag, n_draws * T * n), z = filter_alloc(&bag, n_draws * T * n);
        gt = filter_alloc(&bag, nn), apf = filter_alloc(&bag, nn), lp = filter_alloc(&bag, nn);
        cov = filter_alloc(&bag, nn);
        if (!x || !z || !gt || !apf || !lp || !cov) s = GEN_ERR_OOM;
    }
    if (s == GEN_OK) s = filter_draws(key, true, n_draws * T * n, z); /* z[draw, t, i] */
    /* backward: x_T ~ N(mf_T, Pf_T); x_t | x_{t+1} ~ N(mf_t + G (x_{t+1} - mp_{t+1}),
     * Pf_t - G A Pf_t), each covariance factored once for every draw */
    for (int64_t t = T - 1; s == GEN_OK && t >= 0; t--) {
        memcpy(cov, p.Pf + t * nn, (size_t)nn * sizeof *cov);
        if (t < T - 1) {
            if ((s = gain(fn, &p, t, gt, apf, lp)) != GEN_OK) break;
            filter_matmul(gt, true, apf, false, n, n, n, lp); /* G A Pf_t */
            for (int64_t i = 0; i < nn; i++) cov[i] -= lp[i];
            filter_symmetrize(cov, n);
        }
        if (!filter_cholesky_psd(cov, n, 1e-9)) {
            s = GEN_FAIL(GEN_ERR_LINALG, "%s: the conditional covariance at step %lld is not positive semi-definite",
                         fn, (long long)(t + 1));
            break;
        }
        for (int64_t k = 0; k < n_draws; k++) {
            double *xt = x + (k * T + t) * n;
            const double *zt = z + (k * T + t) * n;
            for (int64_t i = 0; i < n; i++) {
                double mean = p.mf[t * n + i];
                for (int64_t j = 0; t < T - 1 && j < n; j++) mean += gt[j * n + i] * (xt[n + j] - p.mp[(t + 1) * n + j]);
                for (int64_t j = 0; j <= i; j++) mean += cov[i * n + j] * zt[j];
                xt[i] = mean;
            }
        }
    }
    int64_t shape[3] = {n_draws, T, n};
    if (s == GEN_OK)
        s = filter_results(1, (gen_array **const[]){paths}, GEN_F64, (const int[]){3}, shape, (const void *const[]){x});
    filter_bag_free(&bag);
    return s;
}
