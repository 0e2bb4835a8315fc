/* test_hmm.c — the gallery's discrete HMM (examples/gallery/hmm.c) filtered by the
 * bootstrap particle filter as the genc tool runs it, against the forward algorithm
 * written here by hand: the model's declared reference is the exact log marginal
 * likelihood (1e-10); the mean log marginal likelihood of independent filters (plus the
 * var / 2 bias of a log) within 5 standard errors of it; each filtered probability
 * p(z_t = k | y_1..t), the filters' weighted fraction of particles, within 5 standard
 * errors (between filters) of the exact one; bad data gets errors naming what is wrong. */
#include "../../examples/gallery/hmm.c"
#include "gallery.h"

enum { K = 3, T = 40, R = 10 };

/* The scaled forward algorithm: log p(y_1..T) and filt[t][k] = p(z_t = k | y_1..t). */
static double forward(double filt[T][K]) {
    double lml = 0;
    for (int t = 0; t < T; t++) {
        double c = 0;
        for (int k = 0; k < K; k++) {
            double p = 0;
            if (t == 0) p = HMM_INIT[k];
            else
                for (int j = 0; j < K; j++) p += filt[t - 1][j] * HMM_TRANS[j * K + k];
            c += filt[t][k] = p * HMM_EMIT[k * K + HMM_Y[t] - 1];
        }
        for (int k = 0; k < K; k++) filt[t][k] /= c;
        lml += log(c);
    }
    return lml;
}

typedef struct filtered {
    double est[T][K];
} filtered;

/* The filter's p(z_t = k | y_1..t): the normalized weights of the particles in state k. */
static void read_step(void *ud, int64_t t, const gen_pf *pf) {
    filtered *f = ud;
    gen_array *w = NULL;
    CHECK_OK(gen_pf_normalized_weights(pf, &w));
    gen_trace *const *tr = gen_pf_traces(pf);
    if (!w || !tr) return;
    const double *wv = gen_array_data(w);
    for (int k = 0; k < K; k++) f->est[t][k] = 0;
    gen_addr a = {2, {gen_part_int(t), gen_part_name("z")}};
    for (int64_t i = 0; i < gen_pf_size(pf); i++) {
        int64_t z = -1;
        if (gen_item_i64(gen_trace_value(tr[i], &a), &z) != GEN_OK || z < 0 || z >= K) {
            check_fail(__FILE__, __LINE__, "particle %lld: no state at step %lld", (long long)i, (long long)t);
            return;
        }
        f->est[t][z] += wv[i];
    }
}

static void test_filter_vs_forward(void) {
    double exact[T][K];
    double lml = forward(exact);
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m) return;
    const char *what = NULL;
    double ref = NAN;
    CHECK(gen_model_reference(m, &what, &ref));
    CHECK_NEAR(ref, lml, 1e-10 * fabs(lml));
    CHECK(strcmp(gen_model_algorithm(m), "smc") == 0 && gen_model_smc(m, NULL, NULL) == T);
    int reps = gallery_quick ? 1 : R;
    int64_t n = gallery_quick ? 20 : 1000;
    static filtered f[R];
    double l[R];
    for (int r = 0; r < reps; r++) l[r] = gallery_pf(m, 500 + (uint64_t)r, n, read_step, &f[r]);
    printf("exact log ML %.5f; filters:", lml);
    for (int r = 0; r < reps; r++) printf(" %.4f", l[r]);
    printf("\n");
    if (!gallery_quick) {
        GALLERY_CHECK_LOG_ML(l, R, lml);
        for (int t = 0; t < T; t++)
            for (int k = 0; k < K; k++) {
                double mean = 0, var = 0;
                for (int r = 0; r < R; r++) mean += f[r].est[t][k] / R;
                for (int r = 0; r < R; r++) var += (f[r].est[t][k] - mean) * (f[r].est[t][k] - mean) / (R - 1);
                double se = sqrt(var / R);
                check_count++;
                if (!(fabs(mean - exact[t][k]) < 5 * se + 1e-3)) /* 1e-3: the ratio estimator's O(1/n) bias */
                    check_fail(__FILE__, __LINE__, "p(z_%d = %d | y): filters %.4f, exact %.4f (se %.3g)", t, k, mean,
                               exact[t][k], se);
            }
    }
    gen_model_free(m);
}

static void test_json_data(void) {
    /* two states that emit their own symbol with probability 0.9 */
    const char *json = "{\"K\": 2, \"V\": 2, \"T\": 6, \"y\": [1, 1, 2, 2, 2, 1], \"init\": [0.5, 0.5],"
                       " \"trans\": [[0.9, 0.1], [0.1, 0.9]], \"emit\": [[0.9, 0.1], [0.1, 0.9]]}";
    gen_model *m = gallery_model(&genc_model, json);
    if (!m) return;
    double ref = NAN;
    CHECK(gen_model_reference(m, NULL, &ref));
    /* by hand: alpha_t(k) recursion over the 6 symbols */
    const int y[6] = {0, 0, 1, 1, 1, 0};
    double a[2] = {0.5 * (y[0] == 0 ? 0.9 : 0.1), 0.5 * (y[0] == 1 ? 0.9 : 0.1)};
    for (int t = 1; t < 6; t++) {
        double b[2];
        for (int k = 0; k < 2; k++) b[k] = (a[0] * (k == 0 ? 0.9 : 0.1) + a[1] * (k == 1 ? 0.9 : 0.1)) * (y[t] == k ? 0.9 : 0.1);
        a[0] = b[0], a[1] = b[1];
    }
    CHECK_NEAR(ref, log(a[0] + a[1]), 1e-12);
    CHECK(gen_model_smc(m, NULL, NULL) == 6);
    CHECK(isfinite(gallery_pf(m, 7, gallery_quick ? 10 : 100, NULL, NULL)));
    gen_model_free(m);
}

static void test_bad_data(void) {
    const char *bad[3][2] = {
        {"{\"y\": [1, 2], \"init\": [0.5, 0.5], \"trans\": [[0.9, 0.2], [0.1, 0.9]], \"emit\": [[1, 0], [0, 1]]}",
         "row 1 of trans sums to 1.1, not 1"},
        {"{\"y\": [1, 3], \"init\": [0.5, 0.5], \"trans\": [[0.9, 0.1], [0.1, 0.9]], \"emit\": [[1, 0], [0, 1]]}",
         "y[2] is 3, not a symbol 1..2"},
        {"{\"y\": [1, 2], \"init\": [0.5, 0.5], \"trans\": [[0.9, 0.1], [0.1, 0.9]], \"emit\": [1, 0]}",
         "emit must be a [K, V] table"}};
    for (int i = 0; i < 3; i++) {
        GALLERY_CHECK_BAD_DATA(bad[i][0], bad[i][1]);
    }
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_filter_vs_forward);
    RUN(test_json_data);
    RUN(test_bad_data);
    return check_finish();
}
