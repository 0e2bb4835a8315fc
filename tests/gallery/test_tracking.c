/* test_tracking.c — the gallery's tracking model (examples/gallery/tracking.c) filtered by
 * the bootstrap particle filter as the genc tool runs it, against the Kalman filter
 * (gen_kalman_filter on the same linear-Gaussian model, x_0 ~ N(m0, P0)): the model's
 * declared reference is the Kalman filter's log marginal likelihood; the mean log
 * marginal likelihood of independent filters (plus the var / 2 bias of a log) within 5
 * standard errors of it; every filtered mean E[x_t | y_1..t] (position and velocity), the
 * filters' weighted particle mean, within 5 standard errors (between filters) of the
 * Kalman filter's; data given as JSON; bad data gets an error. */
#include "../../examples/gallery/tracking.c"
#include "gallery.h"

enum { T = 30, R = 10 };

typedef struct filtered {
    double mean[T][4];
} filtered;

static void read_step(void *ud, int64_t t, const gen_pf *pf) {
    filtered *f = ud;
    gen_array *w = NULL;
    CHECK_OK(gen_pf_normalized_weights(pf, &w));
    gen_trace *const *tr = gen_pf_traces(pf);
    if (!w || !tr) return;
    const double *wv = gen_array_data(w);
    for (int k = 0; k < 4; k++) f->mean[t][k] = 0;
    gen_addr a = {2, {gen_part_int(t), gen_part_name("x")}};
    for (int64_t i = 0; i < gen_pf_size(pf); i++) {
        const gen_array *x = gen_trace_value(tr[i], &a);
        if (!x || gen_array_size(x) != 4) {
            check_fail(__FILE__, __LINE__, "particle %lld: no state at step %lld", (long long)i, (long long)t);
            return;
        }
        const double *xv = gen_array_data(x);
        for (int k = 0; k < 4; k++) f->mean[t][k] += wv[i] * xv[k];
    }
}

/* The Kalman filter of the default model, written out: its means [T, 4] and log ML. */
static double kalman(gen_array **means) {
    const double A[16] = {1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1};
    const double Q[16] = {0.01, 0, 0, 0, 0, 0.01, 0, 0, 0, 0, 0.09, 0, 0, 0, 0, 0.09};
    const double C[8] = {1, 0, 0, 0, 0, 1, 0, 0}, Rm[4] = {1, 0, 0, 1}, m0[4] = {0, 0, 1, 0.5};
    gen_lgssm lg = {gen_array_from_f64(GEN_DIMS(4), m0), gen_eye(4, GEN_F64), gen_array_from_f64(GEN_DIMS(4, 4), A),
                    NULL, gen_array_from_f64(GEN_DIMS(4, 4), Q), gen_array_from_f64(GEN_DIMS(2, 4), C), NULL,
                    gen_array_from_f64(GEN_DIMS(2, 2), Rm)};
    double lml = NAN;
    CHECK_OK(gen_kalman_filter(&lg, gen_array_from_f64(GEN_DIMS(T, 2), &TRACK_Y[0][0]), means, NULL, NULL, NULL, &lml));
    return lml;
}

static void test_filter_vs_kalman(void) {
    gen_array *km = NULL;
    double lml = kalman(&km);
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m || !km) {
        gen_model_free(m);
        return;
    }
    double ref = NAN;
    CHECK(gen_model_reference(m, NULL, &ref));
    CHECK_NEAR(ref, lml, 1e-10 * fabs(lml));
    CHECK(strcmp(gen_model_algorithm(m), "smc") == 0 && gen_model_smc(m, NULL, NULL) == T);
    int reps = gallery_quick ? 1 : R;
    int64_t n = gallery_quick ? 20 : 1000;
    static filtered f[R];
    double l[R];
    for (int r = 0; r < reps; r++) l[r] = gallery_pf(m, 700 + (uint64_t)r, n, read_step, &f[r]);
    printf("Kalman log ML %.5f; filters:", lml);
    for (int r = 0; r < reps; r++) printf(" %.4f", l[r]);
    printf("\n");
    if (!gallery_quick) {
        GALLERY_CHECK_LOG_ML(l, R, lml);
        const double *exact = gen_array_data(km);
        for (int t = 0; t < T; t++)
            for (int k = 0; k < 4; k++) {
                double mean = 0, var = 0;
                for (int r = 0; r < R; r++) mean += f[r].mean[t][k] / R;
                for (int r = 0; r < R; r++) var += (f[r].mean[t][k] - mean) * (f[r].mean[t][k] - mean) / (R - 1);
                double se = sqrt(var / R);
                check_count++;
                if (!(fabs(mean - exact[t * 4 + k]) < 5 * se))
                    check_fail(__FILE__, __LINE__, "E[x_%d[%d] | y]: filters %.4f, Kalman %.4f (se %.3g)", t, k, mean,
                               exact[t * 4 + k], se);
            }
    }
    gen_model_free(m);
}

/* A short track as JSON, with its own noise: the reference is the Kalman filter's. */
static void test_json_data(void) {
    const char *json = "{\"T\": 4, \"y\": [[0.1, 0.2], [1.2, 0.4], [2.1, 0.9], [2.8, 1.1]], \"dt\": 1,"
                       " \"sigma_obs\": 0.3, \"m0\": [0, 0, 1, 0.3], \"sd0\": 0.5}";
    gen_model *m = gallery_model(&genc_model, json);
    if (!m) return;
    const double y[8] = {0.1, 0.2, 1.2, 0.4, 2.1, 0.9, 2.8, 1.1}, m0[4] = {0, 0, 1, 0.3};
    const double A[16] = {1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1};
    const double Q[16] = {0.01, 0, 0, 0, 0, 0.01, 0, 0, 0, 0, 0.09, 0, 0, 0, 0, 0.09};
    const double C[8] = {1, 0, 0, 0, 0, 1, 0, 0}, Rm[4] = {0.09, 0, 0, 0.09};
    gen_lgssm lg = {gen_array_from_f64(GEN_DIMS(4), m0), gen_mul(gen_eye(4, GEN_F64), gen_scalar(0.25)),
                    gen_array_from_f64(GEN_DIMS(4, 4), A), NULL, gen_array_from_f64(GEN_DIMS(4, 4), Q),
                    gen_array_from_f64(GEN_DIMS(2, 4), C), NULL, gen_array_from_f64(GEN_DIMS(2, 2), Rm)};
    double lml = NAN, ref = NAN;
    CHECK_OK(gen_kalman_filter(&lg, gen_array_from_f64(GEN_DIMS(4, 2), y), NULL, NULL, NULL, NULL, &lml));
    CHECK(gen_model_reference(m, NULL, &ref));
    CHECK_NEAR(ref, lml, 1e-10 * fabs(lml));
    CHECK(isfinite(gallery_pf(m, 9, gallery_quick ? 10 : 100, NULL, NULL)));
    gen_model_free(m);
}

static void test_bad_data(void) {
    GALLERY_CHECK_BAD_DATA("{\"y\": [1, 2, 3]}", "y must be [T, 2]");
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_filter_vs_kalman);
    RUN(test_json_data);
    RUN(test_bad_data);
    return check_finish();
}
