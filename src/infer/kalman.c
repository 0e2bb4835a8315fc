/* kalman.c — the Kalman filter of a linear-Gaussian state-space model (genc/filter.h):
 * reading and checking the model, the forward pass (Cholesky of the innovation
 * covariance, Joseph-form updates) and gen_kalman_filter. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "filter_int.h"

#define LOG_2PI 1.83787706640934548356

/* Checks the covariance what ([d, d] a): symmetric, and positive definite (definite) or
 * semi-definite; scratch is d * d doubles. */
static gen_status check_cov(const char *fn, const char *what, const double *a, int64_t d, bool definite,
                            double *scratch) {
    if (!filter_is_symmetric(a, d, 1e-9)) return GEN_FAIL(GEN_ERR_VALUE, "%s: %s is not symmetric", fn, what);
    memcpy(scratch, a, (size_t)(d * d) * sizeof *a);
    if (definite ? !infer_cholesky(scratch, d) : !filter_cholesky_psd(scratch, d, 1e-10))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s is not positive %sdefinite", fn, what, definite ? "" : "semi-");
    return GEN_OK;
}

gen_status kalman_read(filter_bag *bag, const char *fn, const gen_lgssm *model, const gen_array *ys, kalman_in *in) {
    if (!model) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the model is NULL", fn);
    const gen_array *req[6] = {model->m0, model->P0, model->A, model->Q, model->C, model->R};
    const char *names[6] = {"model.m0", "model.P0", "model.A", "model.Q", "model.C", "model.R"};
    for (int i = 0; i < 6; i++)
        if (!req[i]) return infer_null(fn, names[i]);
    if (!ys) return infer_null(fn, "ys");
    int64_t dn[1] = {-1};
    gen_status s = filter_read(bag, fn, "model.m0", model->m0, 1, dn, "[n] (the state dimension)", false, false, &in->m0);
    if (s != GEN_OK) return s;
    int64_t n = in->n = dn[0], dnn[2] = {n, n}, dmn[2] = {-1, n};
    char hint[96];
    snprintf(hint, sizeof hint, "[%lld, %lld] (n = %lld from model.m0)", (long long)n, (long long)n, (long long)n);
    if ((s = filter_read(bag, fn, "model.P0", model->P0, 2, dnn, hint, false, false, &in->P0)) != GEN_OK ||
        (s = filter_read(bag, fn, "model.A", model->A, 2, dnn, hint, false, false, &in->A)) != GEN_OK ||
        (s = filter_read(bag, fn, "model.Q", model->Q, 2, dnn, hint, false, false, &in->Q)) != GEN_OK)
        return s;
    snprintf(hint, sizeof hint, "[m, %lld] (n = %lld from model.m0)", (long long)n, (long long)n);
    if ((s = filter_read(bag, fn, "model.C", model->C, 2, dmn, hint, false, false, &in->C)) != GEN_OK) return s;
    int64_t m = in->m = dmn[0], dmm[2] = {m, m}, dm[1] = {m}, dn1[1] = {n}, dtm[2] = {-1, m};
    snprintf(hint, sizeof hint, "[%lld, %lld] (the rows of model.C)", (long long)m, (long long)m);
    if ((s = filter_read(bag, fn, "model.R", model->R, 2, dmm, hint, false, false, &in->R)) != GEN_OK) return s;
    snprintf(hint, sizeof hint, "[%lld] (n = %lld from model.m0)", (long long)n, (long long)n);
    if (model->b) s = filter_read(bag, fn, "model.b", model->b, 1, dn1, hint, false, false, &in->b);
    else s = (in->b = filter_alloc(bag, n)) ? GEN_OK : GEN_ERR_OOM;
    if (s != GEN_OK) return s;
    snprintf(hint, sizeof hint, "[%lld] (the rows of model.C)", (long long)m);
    if (model->d) s = filter_read(bag, fn, "model.d", model->d, 1, dm, hint, false, false, &in->d);
    else s = (in->d = filter_alloc(bag, m)) ? GEN_OK : GEN_ERR_OOM;
    if (s != GEN_OK) return s;
    snprintf(hint, sizeof hint, "[T, %lld] (m = %lld, the rows of model.C)", (long long)m, (long long)m);
    if ((s = filter_read(bag, fn, "ys", ys, 2, dtm, hint, false, false, &in->y)) != GEN_OK) return s;
    in->T = dtm[0];
    if (n == 0 || m == 0) return GEN_FAIL(GEN_ERR_SHAPE, "%s: the state and observation dimensions must be >= 1", fn);
    if (in->T > INT64_MAX / 16 / (n * n))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: %lld steps of %lld x %lld covariances are too large", fn, (long long)in->T,
                        (long long)n, (long long)n);
    double *scratch = filter_alloc(bag, n > m ? n * n : m * m);
    if (!scratch) return GEN_ERR_OOM;
    if ((s = check_cov(fn, "model.P0", in->P0, n, false, scratch)) != GEN_OK ||
        (s = check_cov(fn, "model.Q", in->Q, n, false, scratch)) != GEN_OK ||
        (s = check_cov(fn, "model.R", in->R, m, true, scratch)) != GEN_OK)
        return s;
    return GEN_OK;
}

gen_status kalman_forward(filter_bag *bag, const char *fn, const kalman_in *in, double *mf, double *Pf, double *mp,
                          double *Pp, double *log_ml) {
    int64_t n = in->n, m = in->m, nn = n * n;
    double *U = filter_alloc(bag, m * n), *S = filter_alloc(bag, m * m), *v = filter_alloc(bag, m),
           *w = filter_alloc(bag, m), *IKC = filter_alloc(bag, nn), *tmp = filter_alloc(bag, nn),
           *KR = filter_alloc(bag, n * m);
    if (!U || !S || !v || !w || !IKC || !tmp || !KR) return GEN_ERR_OOM;
    double lml = 0;
    for (int64_t t = 0; t < in->T; t++) {
        const double *mprev = t ? mf + (t - 1) * n : in->m0, *Pprev = t ? Pf + (t - 1) * nn : in->P0;
        double *mpt = mp + t * n, *Ppt = Pp + t * nn, *mft = mf + t * n, *Pft = Pf + t * nn;
        /* predict: mp = A m + b, Pp = A P A' + Q */
        filter_matmul(in->A, false, mprev, false, n, n, 1, mpt);
        for (int64_t i = 0; i < n; i++) mpt[i] += in->b[i];
        filter_matmul(in->A, false, Pprev, false, n, n, n, tmp);
        filter_matmul(tmp, false, in->A, true, n, n, n, Ppt);
        for (int64_t i = 0; i < nn; i++) Ppt[i] += in->Q[i];
        filter_symmetrize(Ppt, n);
        /* innovation v = y - C mp - d with covariance S = C Pp C' + R = L L' */
        filter_matmul(in->C, false, mpt, false, m, n, 1, v);
        for (int64_t i = 0; i < m; i++) v[i] = in->y[t * m + i] - v[i] - in->d[i];
        filter_matmul(in->C, false, Ppt, false, m, n, n, U); /* U = C Pp */
        filter_matmul(U, false, in->C, true, m, n, m, S);
        for (int64_t i = 0; i < m * m; i++) S[i] += in->R[i];
        filter_symmetrize(S, m);
        if (!infer_cholesky(S, m))
            return GEN_FAIL(GEN_ERR_LINALG, "%s: the innovation covariance at step %lld is not positive definite", fn,
                            (long long)(t + 1));
        /* log N(v; 0, S) = -(m log 2 pi + log det S + |L^-1 v|^2) / 2 */
        double quad = 0, logdet = 0;
        for (int64_t i = 0; i < m; i++) {
            double acc = v[i];
            for (int64_t k = 0; k < i; k++) acc -= S[i * m + k] * w[k];
            w[i] = acc / S[i * m + i];
            quad += w[i] * w[i];
            logdet += 2 * log(S[i * m + i]);
        }
        lml += -0.5 * ((double)m * LOG_2PI + logdet + quad);
        /* gain K = Pp C' S^-1 = U' S^-1; stored transposed: U <- S^-1 U = K' [m, n] */
        memcpy(w, v, (size_t)m * sizeof *w);
        filter_chol_solve(S, m, w, 1);
        filter_chol_solve(S, m, U, n);
        /* mf = mp + K v = mp + Pp C' S^-1 v */
        filter_matmul(Ppt, false, in->C, true, n, n, m, KR); /* Pp C' (reuses KR) */
        filter_matmul(KR, false, w, false, n, m, 1, mft);
        for (int64_t i = 0; i < n; i++) mft[i] += mpt[i];
        /* Joseph form: Pf = (I - K C) Pp (I - K C)' + K R K', symmetric PSD in rounding */
        filter_matmul(U, true, in->C, false, n, m, n, IKC);
        for (int64_t i = 0; i < nn; i++) IKC[i] = (i % (n + 1) == 0) - IKC[i];
        filter_matmul(IKC, false, Ppt, false, n, n, n, tmp);
        filter_matmul(tmp, false, IKC, true, n, n, n, Pft);
        filter_matmul(U, true, in->R, false, n, m, m, KR);
        filter_matmul(KR, false, U, false, n, m, n, tmp);
        for (int64_t i = 0; i < nn; i++) Pft[i] += tmp[i];
        filter_symmetrize(Pft, n);
    }
    *log_ml = lml;
    return GEN_OK;
}

gen_status gen_kalman_filter(const gen_lgssm *model, const gen_array *ys, gen_array **means, gen_array **covs,
                             gen_array **pred_means, gen_array **pred_covs, double *log_ml) {
    const char *fn = "gen_kalman_filter";
    filter_bag bag = {0};
    kalman_in in;
    gen_status s = kalman_read(&bag, fn, model, ys, &in);
    double *mf = NULL, *Pf = NULL, *mp = NULL, *Pp = NULL, lml = 0;
    if (s == GEN_OK) {
        mf = filter_alloc(&bag, in.T * in.n), Pf = filter_alloc(&bag, in.T * in.n * in.n);
        mp = filter_alloc(&bag, in.T * in.n), Pp = filter_alloc(&bag, in.T * in.n * in.n);
        s = mf && Pf && mp && Pp ? kalman_forward(&bag, fn, &in, mf, Pf, mp, Pp, &lml) : GEN_ERR_OOM;
    }
    gen_array **want[4] = {means, covs, pred_means, pred_covs};
    const void *data[4] = {mf, Pf, mp, Pp};
    int64_t shape[3] = {s == GEN_OK ? in.T : 0, s == GEN_OK ? in.n : 0, s == GEN_OK ? in.n : 0};
    s = s == GEN_OK ? filter_results(4, want, GEN_F64, (const int[]){2, 3, 2, 3}, shape, data) : s;
    filter_bag_free(&bag);
    if (s == GEN_OK && log_ml) *log_ml = lml;
    return s;
}
