/* test_polynomial_regression.c — the gallery's polynomial regression
 * (examples/gallery/polynomial_regression.c) sampled by NUTS as the genc tool runs it: the
 * posterior mean and sd of every coefficient within 5 Monte Carlo standard errors of the
 * exact Gaussian posterior (known noise, Gaussian prior: closed form), with the built-in
 * data and with data given as JSON; bad data gets an error naming what is wrong. */
#include "../../examples/gallery/polynomial_regression.c"
#include "gallery.h"

enum { P_MAX = 4 };

/* The exact posterior N(mean, cov) of coef: cov = (X'X / s^2 + I / s0^2)^-1,
 * mean = cov X'y / s^2, by a Cholesky factor of the precision (Gauss-Jordan for cov). */
static void exact_posterior(int n, const double *x, const double *y, int p, double sigma, double prior_sd,
                            double *mean, double *sd) {
    double A[P_MAX][2 * P_MAX] = {{0}}, b[P_MAX] = {0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) {
            b[j] += pow(x[i], j) * y[i] / (sigma * sigma);
            for (int k = 0; k < p; k++) A[j][k] += pow(x[i], j) * pow(x[i], k) / (sigma * sigma);
        }
    for (int j = 0; j < p; j++) A[j][j] += 1 / (prior_sd * prior_sd), A[j][p + j] = 1;
    for (int c = 0; c < p; c++) { /* Gauss-Jordan: [A | I] -> [I | A^-1] (A is SPD: no pivoting) */
        double d = A[c][c];
        for (int k = 0; k < 2 * p; k++) A[c][k] /= d;
        for (int r = 0; r < p; r++) {
            if (r == c) continue;
            double f = A[r][c];
            for (int k = 0; k < 2 * p; k++) A[r][k] -= f * A[c][k];
        }
    }
    for (int j = 0; j < p; j++) {
        mean[j] = 0;
        for (int k = 0; k < p; k++) mean[j] += A[j][p + k] * b[k];
        sd[j] = sqrt(A[j][p + j]);
    }
}

static void check_run(gen_model *m, int n, const double *x, const double *y, int p, double sigma, double prior_sd,
                      uint64_t seed) {
    double mean[P_MAX], sd[P_MAX];
    exact_posterior(n, x, y, p, sigma, prior_sd, mean, sd);
    int64_t warmup = gallery_quick ? 30 : 500, draws = gallery_quick ? 20 : 1000;
    gen_nuts_result r = gallery_nuts(m, seed, gallery_quick ? 1 : 4, warmup, draws);
    if (!r.draws) return;
    CHECK(gen_array_shape(r.draws)[2] == p);
    if (gallery_quick) return;
    for (int j = 0; j < p; j++) {
        gen_summary s = gallery_summary(r.draws, j);
        char what[32];
        snprintf(what, sizeof what, "coef[%d]", j);
        GALLERY_CHECK_MEAN(what, s, mean[j], 0);
        GALLERY_CHECK_SD(what, s, sd[j]);
    }
}

static void test_builtin_data(void) {
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m) return;
    CHECK(strcmp(gen_model_algorithm(m), "nuts") == 0);
    check_run(m, 30, POLY_X, POLY_Y, 3, 0.3, 2, 11);
    gen_model_free(m);
}

/* A straight line through 8 points, given as JSON with its own noise and prior. */
static void test_json_data(void) {
    static const double x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[8] = {1.1, 1.9, 3.2, 3.8, 5.3, 5.9, 7.2, 7.7};
    const char *json = "{\"N\": 8, \"x\": [0, 1, 2, 3, 4, 5, 6, 7], \"y\": [1.1, 1.9, 3.2, 3.8, 5.3, 5.9, 7.2, 7.7],"
                       " \"degree\": 1, \"sigma\": 0.5, \"prior_sd\": 10}";
    gen_model *m = gallery_model(&genc_model, json);
    if (!m) return;
    check_run(m, 8, x, y, 2, 0.5, 10, 12);
    gen_model_free(m);
}

static void test_bad_data(void) {
    GALLERY_CHECK_BAD_DATA("{\"x\": [1, 2, 3], \"y\": [1, 2]}", "x and y must be vectors of one length N");
    GALLERY_CHECK_BAD_DATA("{\"x\": [1, 2, 3], \"y\": [1, 2, 3], \"degree\": 1.5}",
                           "degree must be an integer in 0..10, got 1.5");
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_builtin_data);
    RUN(test_json_data);
    RUN(test_bad_data);
    return check_finish();
}
