/* test_logistic_regression.c — the gallery's logistic regression
 * (examples/gallery/logistic_regression.c) sampled by NUTS as the genc tool runs it: the
 * posterior means and sds of alpha and beta within 5 Monte Carlo standard errors of the
 * posterior computed by quadrature on a fine grid (two parameters: the grid's error is far
 * below the Monte Carlo error), with the built-in data; a second data set with two
 * features, given as JSON, recovers its generating coefficients within the posterior's
 * spread; bad data gets an error naming what is wrong. */
#include "../../examples/gallery/logistic_regression.c"
#include "gallery.h"

static double log_post(double a, double b) {
    double lp = -0.5 * (a * a + b * b) / (2.5 * 2.5);
    for (int i = 0; i < 60; i++) {
        double eta = a + b * LOGREG_X[i];
        lp += LOGREG_Y[i] ? -log1p(exp(-eta)) : -log1p(exp(eta));
    }
    return lp;
}

/* Posterior moments of (alpha, beta) by the midpoint rule on G x G cells over the box
 * [lo, hi]; called twice: on a wide box, then on mean +- 9 sd. */
static void grid_moments(const double lo[2], const double hi[2], double mean[2], double sd[2]) {
    enum { G = 601 };
    double top = -INFINITY, w = 0, m[2] = {0, 0}, s2[2] = {0, 0};
    static double lp[G][G];
    double h[2] = {(hi[0] - lo[0]) / G, (hi[1] - lo[1]) / G};
    for (int i = 0; i < G; i++)
        for (int j = 0; j < G; j++) top = fmax(top, lp[i][j] = log_post(lo[0] + (i + 0.5) * h[0], lo[1] + (j + 0.5) * h[1]));
    for (int i = 0; i < G; i++)
        for (int j = 0; j < G; j++) {
            double p = exp(lp[i][j] - top), a = lo[0] + (i + 0.5) * h[0], b = lo[1] + (j + 0.5) * h[1];
            w += p, m[0] += p * a, m[1] += p * b, s2[0] += p * a * a, s2[1] += p * b * b;
        }
    for (int k = 0; k < 2; k++) mean[k] = m[k] / w, sd[k] = sqrt(s2[k] / w - mean[k] * mean[k]);
}

static void test_builtin_data(void) {
    double mean[2] = {0, 0}, sd[2] = {1, 1}, lo[2] = {-6, -4}, hi[2] = {6, 8};
    if (!gallery_quick) { /* the quick run (valgrind) checks that sampling runs */
        grid_moments(lo, hi, mean, sd);
        for (int k = 0; k < 2; k++) lo[k] = mean[k] - 9 * sd[k], hi[k] = mean[k] + 9 * sd[k];
        grid_moments(lo, hi, mean, sd);
    }
    printf("quadrature: alpha %.4f (sd %.4f), beta %.4f (sd %.4f)\n", mean[0], sd[0], mean[1], sd[1]);
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m) return;
    gen_nuts_result r = gallery_nuts(m, 21, gallery_quick ? 1 : 4, gallery_quick ? 30 : 500, gallery_quick ? 20 : 1500);
    int64_t col[2] = {gallery_column(m, "alpha", 0), gallery_column(m, "beta", 0)};
    if (r.draws && !gallery_quick && col[0] >= 0 && col[1] >= 0) {
        const char *names[2] = {"alpha", "beta"};
        for (int k = 0; k < 2; k++) {
            gen_summary s = gallery_summary(r.draws, col[k]);
            GALLERY_CHECK_MEAN(names[k], s, mean[k], 0);
            GALLERY_CHECK_SD(names[k], s, sd[k]);
        }
    }
    gen_model_free(m);
}

/* 200 points with two features, drawn with alpha = 0.3, beta = (-1, 2) (a xorshift generator). */
static void test_json_two_features(void) {
    char *json = malloc(16384);
    double x[200][2];
    int y[200];
    uint64_t st = 88172645463325252ull; /* xorshift64: the data need not be random, only varied */
    int n = snprintf(json, 16384, "{\"N\": 200, \"x\": [");
    for (int i = 0; i < 200; i++) {
        for (int k = 0; k < 2; k++) {
            st ^= st << 13, st ^= st >> 7, st ^= st << 17;
            x[i][k] = (double)(st % 4001) / 1000.0 - 2.0;
        }
        st ^= st << 13, st ^= st >> 7, st ^= st << 17;
        double u = (double)(st % 1000000) / 1e6, eta = 0.3 - x[i][0] + 2 * x[i][1];
        y[i] = u < 1 / (1 + exp(-eta));
        n += snprintf(json + n, 16384 - (size_t)n, "%s[%.3f, %.3f]", i ? ", " : "", x[i][0], x[i][1]);
    }
    n += snprintf(json + n, 16384 - (size_t)n, "], \"y\": [");
    for (int i = 0; i < 200; i++) n += snprintf(json + n, 16384 - (size_t)n, "%s%d", i ? ", " : "", y[i]);
    snprintf(json + n, 16384 - (size_t)n, "]}");
    gen_model *m = gallery_model(&genc_model, json);
    free(json);
    if (!m) return;
    gen_nuts_result r = gallery_nuts(m, 22, gallery_quick ? 1 : 2, gallery_quick ? 30 : 300, gallery_quick ? 20 : 500);
    CHECK(r.draws && gen_array_shape(r.draws)[2] == 3);
    int64_t col[3] = {gallery_column(m, "alpha", 0), gallery_column(m, "beta", 0), gallery_column(m, "beta", 1)};
    const double truth[3] = {0.3, -1, 2};
    for (int k = 0; k < 3 && r.draws && !gallery_quick; k++) {
        gen_summary s = gallery_summary(r.draws, col[k]);
        /* the generating value lies within 4 posterior sds of the posterior mean */
        if (!(fabs(s.mean - truth[k]) < 4 * s.sd))
            check_fail(__FILE__, __LINE__, "coefficient %d: posterior %.3f (sd %.3f), generated with %.3f", k, s.mean, s.sd,
                       truth[k]);
        check_count++;
    }
    gen_model_free(m);
}

static void test_bad_data(void) {
    const char *bad[2][2] = {{"{\"x\": [1, 2, 3], \"y\": [1, 0]}", "x must be [N] or [N, K] and y [N]"},
                             {"{\"x\": [1, 2, 3], \"y\": [1, 0, 2]}", "y must hold 0 or 1 only"}};
    for (int i = 0; i < 2; i++) {
        GALLERY_CHECK_BAD_DATA(bad[i][0], bad[i][1]);
    }
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_builtin_data);
    RUN(test_json_two_features);
    RUN(test_bad_data);
    return check_finish();
}
