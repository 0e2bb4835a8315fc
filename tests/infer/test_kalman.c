/* test_kalman.c — the Kalman filter, RTS smoother and path sampler (genc/filter.h)
 * against references computed here independently: the scalar recursions written out for
 * a 1-D model, and for a 2-D constant-velocity model the dense Gaussian joint of all
 * states and observations (built by stacking), whose log density and conditionals are
 * computed with a Cholesky factor written in this file. */
#include <math.h>
#include <string.h>

#include "../testutil/check.h"
#include "../testutil/fake_device.h"
#include "../testutil/oom.h"
#include "../testutil/stats.h"

#define LOG_2PI 1.83787706640934548356

/* ---- dense helpers of the reference (row-major) ---- */

static void mm(const double *a, const double *b, int r, int k, int s, double *c) {
    for (int i = 0; i < r; i++)
        for (int j = 0; j < s; j++) {
            double acc = 0;
            for (int l = 0; l < k; l++) acc += a[i * k + l] * b[l * s + j];
            c[i * s + j] = acc;
        }
}

static void tr(const double *a, int r, int c, double *out) {
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
}

/* Lower Cholesky factor of [d, d] a into l (banachiewicz order). */
static void chol(const double *a, int d, double *l) {
    memset(l, 0, (size_t)(d * d) * sizeof *l);
    for (int i = 0; i < d; i++)
        for (int j = 0; j <= i; j++) {
            double s = a[i * d + j];
            for (int k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
            l[i * d + j] = i == j ? sqrt(s) : s / l[j * d + j];
        }
}

/* x = a^-1 b for SPD a [d, d], b [d, s] (through chol). */
static void spd_solve(const double *a, int d, const double *b, int s, double *x) {
    double l[144];
    chol(a, d, l);
    for (int c = 0; c < s; c++) {
        for (int i = 0; i < d; i++) {
            double acc = b[i * s + c];
            for (int k = 0; k < i; k++) acc -= l[i * d + k] * x[k * s + c];
            x[i * s + c] = acc / l[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--) {
            double acc = x[i * s + c];
            for (int k = i + 1; k < d; k++) acc -= l[k * d + i] * x[k * s + c];
            x[i * s + c] = acc / l[i * d + i];
        }
    }
}

static double read_at(const gen_array *a, int64_t i) {
    const double *p = gen_array_data(a);
    return p ? p[i] : NAN;
}

/* ---- 1-D random walk against the scalar recursion ---- */

static void test_scalar(void) {
    enum { T = 8 };
    const double m0 = 0.3, p0 = 2.0, a = 0.9, b = 0.1, q = 0.5, c = 1.5, d = -0.2, r = 0.7;
    const double y[T] = {0.4, -0.3, 1.2, 2.0, 1.1, -0.5, 0.0, 0.8};
    gen_lgssm model = {gen_array_from_f64(GEN_DIMS(1), &m0), gen_array_from_f64(GEN_DIMS(1, 1), &p0),
                       gen_array_from_f64(GEN_DIMS(1, 1), &a), gen_array_from_f64(GEN_DIMS(1), &b),
                       gen_array_from_f64(GEN_DIMS(1, 1), &q), gen_array_from_f64(GEN_DIMS(1, 1), &c),
                       gen_array_from_f64(GEN_DIMS(1), &d), gen_array_from_f64(GEN_DIMS(1, 1), &r)};
    gen_array *ys = gen_array_from_f64(GEN_DIMS(T, 1), y);
    /* the scalar recursion */
    double mf[T], pf[T], mp[T], pp[T], lml = 0, m = m0, p = p0;
    for (int t = 0; t < T; t++) {
        mp[t] = a * m + b, pp[t] = a * a * p + q;
        double s = c * c * pp[t] + r, v = y[t] - c * mp[t] - d, k = pp[t] * c / s;
        lml += -0.5 * (LOG_2PI + log(s) + v * v / s);
        mf[t] = m = mp[t] + k * v, pf[t] = p = (1 - k * c) * pp[t];
    }
    double ms[T], ps[T];
    ms[T - 1] = mf[T - 1], ps[T - 1] = pf[T - 1];
    for (int t = T - 2; t >= 0; t--) {
        double g = pf[t] * a / pp[t + 1];
        ms[t] = mf[t] + g * (ms[t + 1] - mp[t + 1]);
        ps[t] = pf[t] + g * g * (ps[t + 1] - pp[t + 1]);
    }
    gen_array *means, *covs, *pmeans, *pcovs;
    double got;
    CHECK_OK(gen_kalman_filter(&model, ys, &means, &covs, &pmeans, &pcovs, &got));
    CHECK_SHAPE(means, T, 1);
    CHECK_SHAPE(covs, T, 1, 1);
    CHECK_CLOSE(got, lml, 1e-10);
    CHECK_ARRAY(means, mf, T, 1e-10, 1e-12);
    CHECK_ARRAY(covs, pf, T, 1e-10, 0);
    CHECK_ARRAY(pmeans, mp, T, 1e-10, 1e-12);
    CHECK_ARRAY(pcovs, pp, T, 1e-10, 0);
    /* every output optional */
    double only;
    CHECK_OK(gen_kalman_filter(&model, ys, NULL, NULL, NULL, NULL, &only));
    CHECK(only == got);
    gen_array *sm, *sc;
    CHECK_OK(gen_kalman_smoother(&model, ys, &sm, &sc, &got));
    CHECK_CLOSE(got, lml, 1e-10);
    CHECK_ARRAY(sm, ms, T, 1e-10, 1e-12);
    CHECK_ARRAY(sc, ps, T, 1e-10, 0);
    /* f32 inputs are read as f64 */
    gen_array *ys32 = gen_cast(ys, GEN_F32);
    double lml32;
    CHECK_OK(gen_kalman_filter(&model, ys32, NULL, NULL, NULL, NULL, &lml32));
    CHECK(isfinite(lml32) && fabs(lml32 - lml) < 1e-5);
    /* T = 0: nothing observed */
    gen_array *none = gen_zeros(GEN_F64, GEN_DIMS(0, 1));
    CHECK_OK(gen_kalman_filter(&model, none, &means, NULL, NULL, NULL, &got));
    CHECK(got == 0);
    CHECK_SHAPE(means, 0, 1);
    CHECK_OK(gen_kalman_smoother(&model, none, &sm, &sc, NULL));
    CHECK_SHAPE(sc, 0, 1, 1);
}

/* ---- 2-D constant velocity against the dense joint ---- */

enum { CV_T = 6, N = 2, M = 2, NY = CV_T * M, NX = CV_T * N };
static const double CV_M0[N] = {0.5, -1.0}, CV_P0[N * N] = {1.0, 0.2, 0.2, 0.5};
static const double CV_A[N * N] = {1.0, 0.5, 0.0, 1.0}, CV_B[N] = {0.05, -0.02};
static const double CV_Q[N * N] = {0.5 * 0.5 * 0.5 / 3 * 0.4, 0.5 * 0.5 / 2 * 0.4, 0.5 * 0.5 / 2 * 0.4, 0.5 * 0.4};
static const double CV_C[M * N] = {1.0, 0.0, 0.3, 1.0}, CV_D[M] = {0.1, 0.0};
static const double CV_R[M * M] = {0.5, 0.1, 0.1, 0.3};
static const double CV_Y[CV_T * M] = {0.7, -0.8, 0.1, -1.2, -0.4, -0.9, -1.5, -1.0, -1.6, -0.6, -2.4, -0.2};

static gen_lgssm cv_model(void) {
    gen_lgssm m = {gen_array_from_f64(GEN_DIMS(N), CV_M0), gen_array_from_f64(GEN_DIMS(N, N), CV_P0),
                   gen_array_from_f64(GEN_DIMS(N, N), CV_A),  gen_array_from_f64(GEN_DIMS(N), CV_B),
                   gen_array_from_f64(GEN_DIMS(N, N), CV_Q),  gen_array_from_f64(GEN_DIMS(M, N), CV_C),
                   gen_array_from_f64(GEN_DIMS(M), CV_D),     gen_array_from_f64(GEN_DIMS(M, M), CV_R)};
    return m;
}

/* The joint of X = (x_1..x_T) and Y = (y_1..y_T): means mx [NX], my [NY]; covariances
 * sxx [NX, NX], sxy [NX, NY], syy [NY, NY]. */
typedef struct joint {
    double mx[NX], my[NY], sxx[NX * NX], sxy[NX * NY], syy[NY * NY];
} joint;

static void cv_joint(joint *j) {
    double m[N], p[N * N], tmp[N * N], at[N * N];
    memcpy(m, CV_M0, sizeof m);
    memcpy(p, CV_P0, sizeof p);
    tr(CV_A, N, N, at);
    double var[CV_T][N * N]; /* Cov(x_t, x_t) */
    for (int t = 0; t < CV_T; t++) {
        double nm[N];
        mm(CV_A, m, N, N, 1, nm);
        for (int i = 0; i < N; i++) m[i] = j->mx[t * N + i] = nm[i] + CV_B[i];
        mm(CV_A, p, N, N, N, tmp);
        mm(tmp, at, N, N, N, p);
        for (int i = 0; i < N * N; i++) var[t][i] = p[i] += CV_Q[i];
    }
    /* Cov(x_t, x_s) = A^(t-s) Cov(x_s, x_s) for t >= s */
    for (int s = 0; s < CV_T; s++) {
        double blk[N * N];
        memcpy(blk, var[s], sizeof blk);
        for (int t = s; t < CV_T; t++) {
            if (t > s) {
                mm(CV_A, blk, N, N, N, tmp);
                memcpy(blk, tmp, sizeof blk);
            }
            for (int a = 0; a < N; a++)
                for (int b = 0; b < N; b++) {
                    j->sxx[(t * N + a) * NX + s * N + b] = blk[a * N + b];
                    j->sxx[(s * N + b) * NX + t * N + a] = blk[a * N + b];
                }
        }
    }
    /* Y = blockdiag(C) X + d + noise */
    double cbig[NY * NX] = {0}, cbt[NX * NY], t1[NY * NX];
    for (int t = 0; t < CV_T; t++)
        for (int a = 0; a < M; a++)
            for (int b = 0; b < N; b++) cbig[(t * M + a) * NX + t * N + b] = CV_C[a * N + b];
    mm(cbig, j->mx, NY, NX, 1, j->my);
    for (int i = 0; i < NY; i++) j->my[i] += CV_D[i % M];
    tr(cbig, NY, NX, cbt);
    mm(j->sxx, cbt, NX, NX, NY, j->sxy);
    mm(cbig, j->sxx, NY, NX, NX, t1);
    mm(t1, cbt, NY, NX, NY, j->syy);
    for (int t = 0; t < CV_T; t++)
        for (int a = 0; a < M; a++)
            for (int b = 0; b < M; b++) j->syy[(t * M + a) * NY + t * M + b] += CV_R[a * M + b];
}

/* log N(y_1..k; my, syy) over the first k observations (k * M entries). */
static double joint_logpdf(const joint *j, int k) {
    int d = k * M;
    double s[NY * NY] = {0}, l[NY * NY], z[NY];
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) s[a * d + b] = j->syy[a * NY + b];
    chol(s, d, l);
    double lp = -0.5 * d * LOG_2PI;
    for (int i = 0; i < d; i++) {
        double acc = CV_Y[i] - j->my[i];
        for (int q = 0; q < i; q++) acc -= l[i * d + q] * z[q];
        z[i] = acc / l[i * d + i];
        lp += -0.5 * z[i] * z[i] - log(l[i * d + i]);
    }
    return lp;
}

/* The conditional of X given y_1..k: mean [NX], covariance [NX, NX]. */
static void joint_condition(const joint *j, int k, double *mean, double *cov) {
    int d = k * M;
    double s[NY * NY], r[NY], sol[NY], syx[NY * NX], w[NY * NX];
    for (int a = 0; a < d; a++) {
        r[a] = CV_Y[a] - j->my[a];
        for (int b = 0; b < d; b++) s[a * d + b] = j->syy[a * NY + b];
        for (int b = 0; b < NX; b++) syx[a * NX + b] = j->sxy[b * NY + a];
    }
    spd_solve(s, d, r, 1, sol);
    spd_solve(s, d, syx, NX, w); /* syy^-1 syx */
    for (int a = 0; a < NX; a++) {
        double acc = j->mx[a];
        for (int q = 0; q < d; q++) acc += j->sxy[a * NY + q] * sol[q];
        mean[a] = acc;
        for (int b = 0; b < NX; b++) {
            double c = j->sxx[a * NX + b];
            for (int q = 0; q < d; q++) c -= j->sxy[a * NY + q] * w[q * NX + b];
            cov[a * NX + b] = c;
        }
    }
}

static void test_dense_joint(void) {
    static joint j;
    cv_joint(&j);
    gen_lgssm model = cv_model();
    gen_array *ys = gen_array_from_f64(GEN_DIMS(CV_T, M), CV_Y);
    gen_array *means, *covs, *sm, *sc;
    double lml, lml2;
    CHECK_OK(gen_kalman_filter(&model, ys, &means, &covs, NULL, NULL, &lml));
    CHECK_CLOSE(lml, joint_logpdf(&j, CV_T), 1e-10);
    /* filtered: x_t given y_1..t */
    static double mean[NX], cov[NX * NX];
    for (int t = 1; t <= CV_T; t++) {
        joint_condition(&j, t, mean, cov);
        for (int a = 0; a < N; a++) {
            CHECK_CLOSE(read_at(means, (t - 1) * N + a), mean[(t - 1) * N + a], 1e-9);
            for (int b = 0; b < N; b++)
                CHECK_CLOSE(read_at(covs, ((t - 1) * N + a) * N + b), cov[((t - 1) * N + a) * NX + (t - 1) * N + b],
                            1e-9);
        }
    }
    /* smoothed: x_t given all of y */
    CHECK_OK(gen_kalman_smoother(&model, ys, &sm, &sc, &lml2));
    CHECK(lml2 == lml);
    joint_condition(&j, CV_T, mean, cov);
    for (int t = 0; t < CV_T; t++)
        for (int a = 0; a < N; a++) {
            CHECK_CLOSE(read_at(sm, t * N + a), mean[t * N + a], 1e-9);
            for (int b = 0; b < N; b++)
                CHECK_CLOSE(read_at(sc, (t * N + a) * N + b), cov[(t * N + a) * NX + t * N + b], 1e-9);
        }
    /* without offsets: b = d = 0 changes the answer as the joint says */
    gen_lgssm nob = model;
    nob.b = NULL;
    nob.d = NULL;
    double l0;
    CHECK_OK(gen_kalman_filter(&nob, ys, NULL, NULL, NULL, NULL, &l0));
    CHECK(isfinite(l0) && l0 != lml);
}

/* The sampler's paths: marginal means and variances (smoother) and the lag-1 covariance
 * of position (from the dense conditional), within 5 MCSE; the same key, the same paths. */
static void test_sample(void) {
    enum { ND = 20000 };
    static joint j;
    static double mean[NX], cov[NX * NX];
    cv_joint(&j);
    joint_condition(&j, CV_T, mean, cov);
    gen_lgssm model = cv_model();
    gen_array *ys = gen_array_from_f64(GEN_DIMS(CV_T, M), CV_Y);
    gen_key key = gen_key_new(15);
    gen_array *paths, *again, *other;
    CHECK_OK(gen_kalman_sample(&model, key, ys, ND, &paths));
    CHECK_SHAPE(paths, ND, CV_T, N);
    for (int t = 0; t < CV_T; t++)
        for (int a = 0; a < N; a++) {
            gen_array *col = gen_take(gen_take(paths, gen_scalar_i64(t), 1), gen_scalar_i64(a), 1);
            char what[32];
            snprintf(what, sizeof what, "x_%d[%d]", t + 1, a);
            STATS_MOMENTS(what, col, mean[t * N + a], cov[(t * N + a) * NX + t * N + a]);
        }
    const double *x = gen_array_data(paths);
    for (int t = 0; t + 1 < CV_T && x; t++) { /* Cov(pos_t, pos_{t+1} | y) */
        int a = t * N, b = (t + 1) * N;
        double ea = 0, eb = 0, eab = 0;
        for (int k = 0; k < ND; k++) {
            double u = x[(k * CV_T + t) * N] - mean[a], v = x[(k * CV_T + t + 1) * N] - mean[b];
            ea += u, eb += v, eab += u * v;
        }
        double est = eab / ND - (ea / ND) * (eb / ND), want = cov[a * NX + b];
        double se = sqrt((cov[a * NX + a] * cov[b * NX + b] + want * want) / ND);
        CHECK(fabs(est - want) < 5 * se);
    }
    CHECK_OK(gen_kalman_sample(&model, key, ys, 3, &again));
    CHECK_OK(gen_kalman_sample(&model, key, ys, 3, &other));
    CHECK(memcmp(gen_array_data(again), gen_array_data(other), 3 * CV_T * N * sizeof(double)) == 0);
    CHECK_OK(gen_kalman_sample(&model, gen_key_new(16), ys, 3, &other));
    CHECK(memcmp(gen_array_data(again), gen_array_data(other), 3 * CV_T * N * sizeof(double)) != 0);
    CHECK_OK(gen_kalman_sample(&model, key, ys, 0, &other));
    CHECK_SHAPE(other, 0, CV_T, N);
}

/* A device array is read on the host; results are host arrays with the same values. */
static void test_device_inputs(void) {
    gen_lgssm model = cv_model(), dev = model;
    gen_array *ys = gen_array_from_f64(GEN_DIMS(CV_T, M), CV_Y);
    dev.A = fake_put(model.A);
    dev.R = fake_put(model.R);
    gen_array *dys = fake_put(ys), *m1, *m2;
    CHECK(gen_array_device(dys) == fake_device());
    double l1, l2;
    CHECK_OK(gen_kalman_filter(&model, ys, &m1, NULL, NULL, NULL, &l1));
    CHECK_OK(gen_kalman_filter(&dev, dys, &m2, NULL, NULL, NULL, &l2));
    CHECK(l1 == l2);
    CHECK(gen_array_device(m2) == GEN_DEVICE_CPU);
    CHECK(memcmp(gen_array_data(m1), gen_array_data(m2), CV_T * N * sizeof(double)) == 0);
}

static void test_errors(void) {
    gen_lgssm model = cv_model(), bad;
    gen_array *ys = gen_array_from_f64(GEN_DIMS(CV_T, M), CV_Y), *out = NULL;
    double lml = 42;
    CHECK(gen_kalman_filter(&model, gen_zeros(GEN_F64, GEN_DIMS(CV_T, 3)), &out, NULL, NULL, NULL, &lml) ==
          GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_kalman_filter: ys must be [T, 2] (m = 2, the rows of model.C), got [6,3]");
    CHECK(out == NULL && lml == 42); /* nothing written on failure */
    bad = model;
    bad.A = gen_zeros(GEN_F64, GEN_DIMS(2, 3));
    CHECK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "model.A must be [2, 2] (n = 2 from model.m0), got [2,3]");
    bad = model;
    bad.b = gen_zeros(GEN_F64, GEN_DIMS(3));
    CHECK(gen_kalman_smoother(&bad, ys, &out, &out, NULL) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_kalman_smoother: model.b must be [2]");
    bad = model;
    bad.R = gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 2, 2, 1}); /* eigenvalues 3, -1 */
    CHECK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_kalman_filter: model.R is not positive definite");
    bad = model;
    bad.R = gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0, 0, 0}); /* singular: R must be definite */
    CHECK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "model.R is not positive definite");
    bad = model;
    bad.P0 = gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0, 0, -0.5});
    CHECK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_kalman_filter: model.P0 is not positive semi-definite");
    bad = model;
    bad.Q = gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 0.5, 0.4, 1});
    CHECK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_kalman_filter: model.Q is not symmetric");
    /* a semi-definite P0 and Q are fine (a known start, noise on velocity only) */
    bad = model;
    bad.P0 = gen_zeros(GEN_F64, GEN_DIMS(2, 2));
    bad.Q = gen_array_from_f64(GEN_DIMS(2, 2), (double[]){0, 0, 0, 0.1});
    CHECK_OK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml));
    CHECK(isfinite(lml));
    double y2[CV_T * M];
    memcpy(y2, CV_Y, sizeof y2);
    y2[2 * M + 1] = NAN;
    CHECK(gen_kalman_filter(&model, gen_array_from_f64(GEN_DIMS(CV_T, M), y2), NULL, NULL, NULL, NULL, &lml) ==
          GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_kalman_filter: ys[2,1] is NaN");
    bad = model;
    bad.A = NULL;
    CHECK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_kalman_filter: model.A is NULL");
    bad = model;
    bad.C = gen_zeros(GEN_I64, GEN_DIMS(2, 2));
    CHECK(gen_kalman_filter(&bad, ys, NULL, NULL, NULL, NULL, &lml) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "gen_kalman_filter: model.C must be f64 or f32, got i64");
    CHECK(gen_kalman_sample(&model, gen_key_new(1), ys, -1, &out) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_kalman_sample: n_draws must be >= 0, got -1");
    /* the smoother needs invertible predictions: none when P0 = Q = 0 */
    bad = model;
    bad.P0 = gen_zeros(GEN_F64, GEN_DIMS(2, 2));
    bad.Q = gen_zeros(GEN_F64, GEN_DIMS(2, 2));
    CHECK(gen_kalman_smoother(&bad, ys, &out, &out, NULL) == GEN_ERR_LINALG);
    CHECK_ERROR(GEN_ERR_LINALG, "gen_kalman_smoother: the predicted covariance at step 6 is singular");
}

/* Every allocation failing in turn: GEN_ERR_OOM, nothing leaked. */
static gen_status oom_workload(void) {
    gen_lgssm model = cv_model();
    gen_array *ys = gen_array_from_f64(GEN_DIMS(CV_T, M), CV_Y), *a, *b, *c, *d;
    double lml;
    gen_status s = gen_kalman_filter(&model, ys, &a, &b, &c, &d, &lml);
    if (s == GEN_OK) s = gen_kalman_smoother(&model, ys, &a, &b, NULL);
    if (s == GEN_OK) s = gen_kalman_sample(&model, gen_key_new(1), ys, 4, &a);
    return s;
}

static void test_oom(void) {
    CHECK_OOM(oom_workload, 20);
}

int main(void) {
    RUN(test_scalar);
    RUN(test_dense_joint);
    RUN(test_sample);
    RUN(test_device_inputs);
    RUN(test_errors);
    RUN(test_oom);
    return check_finish();
}
