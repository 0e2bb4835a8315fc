/* test_robot.c — the gallery's robot localization (examples/gallery/robot.c) filtered by
 * the bootstrap particle filter as the genc tool runs it: at every step, each coordinate of
 * the simulated true position lies within 4 posterior sds (the particles' weighted sd) of
 * the posterior mean, and the posterior is informative (its sd well below the motion's
 * accumulated spread, so the check could fail); the same with the data as JSON; bad data
 * gets errors naming what is wrong. */
#include "../../examples/gallery/robot.c"
#include "gallery.h"

/* The true path the default data were simulated from. */
static const double ROBOT_PATH[25][2] = {
    {0.802, 1.132}, {1.601, 1.572}, {2.137, 2.210}, {2.636, 2.780}, {3.017, 3.336},
    {3.211, 4.050}, {3.453, 4.947}, {3.537, 5.724}, {3.508, 6.621}, {3.059, 7.326},
    {2.691, 7.879}, {2.348, 8.550}, {1.649, 8.632}, {1.117, 8.696}, {0.664, 8.803},
    {0.123, 8.592}, {-0.064, 8.522}, {-0.211, 8.202}, {-0.084, 7.895}, {-0.027, 7.576},
    {0.076, 7.302}, {0.753, 7.398}, {1.168, 7.198}, {1.832, 7.108}, {2.503, 7.533}};

enum { T = 25 };

typedef struct posterior {
    double mean[T][2], sd[T][2];
} posterior;

static void read_step(void *ud, int64_t t, const gen_pf *pf) {
    posterior *p = ud;
    gen_array *w = NULL;
    CHECK_OK(gen_pf_normalized_weights(pf, &w));
    gen_trace *const *tr = gen_pf_traces(pf);
    if (!w || !tr) return;
    const double *wv = gen_array_data(w);
    double m[2] = {0, 0}, s2[2] = {0, 0};
    gen_addr a = {2, {gen_part_int(t), gen_part_name("pos")}};
    for (int64_t i = 0; i < gen_pf_size(pf); i++) {
        const gen_array *x = gen_trace_value(tr[i], &a);
        if (!x || gen_array_size(x) != 2) {
            check_fail(__FILE__, __LINE__, "particle %lld: no position at step %lld", (long long)i, (long long)t);
            return;
        }
        const double *xv = gen_array_data(x);
        for (int k = 0; k < 2; k++) m[k] += wv[i] * xv[k], s2[k] += wv[i] * xv[k] * xv[k];
    }
    for (int k = 0; k < 2; k++) p->mean[t][k] = m[k], p->sd[t][k] = sqrt(fmax(s2[k] - m[k] * m[k], 0));
}

static void check_path(gen_model *m, uint64_t seed) {
    static posterior p;
    double lml = gallery_pf(m, seed, gallery_quick ? 20 : 2000, read_step, &p);
    CHECK(isfinite(lml));
    if (gallery_quick) return;
    double worst = 0, mean_sd = 0;
    for (int t = 0; t < T; t++)
        for (int k = 0; k < 2; k++) {
            double z = fabs(p.mean[t][k] - ROBOT_PATH[t][k]) / p.sd[t][k];
            worst = fmax(worst, z);
            mean_sd += p.sd[t][k] / (2 * T);
            check_count++;
            if (!(z < 4))
                check_fail(__FILE__, __LINE__, "step %d, coordinate %d: true %.3f, posterior %.3f (sd %.3f)", t, k,
                           ROBOT_PATH[t][k], p.mean[t][k], p.sd[t][k]);
        }
    printf("log ML estimate %.3f; largest |mean - true| / sd %.2f; mean posterior sd %.3f\n", lml, worst, mean_sd);
    /* without the ranges the position's sd would grow to sqrt(0.5^2 + 24 0.15^2) = 0.87 */
    CHECK(mean_sd < 0.3);
}

static void test_builtin(void) {
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m) return;
    CHECK(strcmp(gen_model_algorithm(m), "smc") == 0 && gen_model_smc(m, NULL, NULL) == T);
    check_path(m, 61);
    gen_model_free(m);
}

/* The same data written as JSON (Stan-style names) gives the same filter. */
static void test_json_data(void) {
    char *json = malloc(8192);
    int n = snprintf(json, 8192, "{\"T\": %d, \"L\": 4, \"landmarks\": [[0, 0], [10, 0], [0, 10], [10, 10]], \"controls\": [", T);
    for (int t = 0; t < T; t++)
        n += snprintf(json + n, 8192 - (size_t)n, "%s[%.3f, %.3f]", t ? ", " : "", ROBOT_CONTROLS[t][0], ROBOT_CONTROLS[t][1]);
    n += snprintf(json + n, 8192 - (size_t)n, "], \"ranges\": [");
    for (int t = 0; t < T; t++)
        n += snprintf(json + n, 8192 - (size_t)n, "%s[%.3f, %.3f, %.3f, %.3f]", t ? ", " : "", ROBOT_RANGES[t][0],
                      ROBOT_RANGES[t][1], ROBOT_RANGES[t][2], ROBOT_RANGES[t][3]);
    snprintf(json + n, 8192 - (size_t)n, "], \"start\": [1, 1], \"range_sd\": 0.3}");
    gen_model *m = gallery_model(&genc_model, json);
    free(json);
    if (!m) return;
    check_path(m, 62);
    gen_model_free(m);
}

static void test_bad_data(void) {
    const char *bad[2][2] = {
        {"{\"controls\": [[0, 0]], \"landmarks\": [[0, 0], [1, 1]], \"ranges\": [[1, 2, 3]]}", "ranges must be [T, L] (L = 2 landmarks)"},
        {"{\"controls\": [[0, 0], [1, 1]], \"landmarks\": [[0, 0]], \"ranges\": [[1]]}", "controls must be [T, 2] (T = 1 steps)"}};
    for (int i = 0; i < 2; i++) {
        GALLERY_CHECK_BAD_DATA(bad[i][0], bad[i][1]);
    }
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_builtin);
    RUN(test_json_data);
    RUN(test_bad_data);
    return check_finish();
}
