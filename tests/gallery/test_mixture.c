/* test_mixture.c — the gallery's Gaussian mixture (examples/gallery/mixture.c) run with its
 * own kernel (split/merge reversible jump on the number of components, Gibbs on the
 * assignments, HMC on the means) as the genc tool runs it: on a small data set given as
 * JSON, the posterior of the number of components k within 5 batch-means standard errors
 * of the exact one (p(y | k) sums over the k^n assignments, each component's mean
 * integrated out in closed form); the built-in data runs; bad data gets errors. */
#include "../../examples/gallery/mixture.c"
#include "gallery.h"

enum { NY = 6, KMAX = 3 };
static const double Y[NY] = {-1.6, -1.1, -0.7, 1.2, 1.9, 2.3};
static const double PRIOR_SD = 2;

/* log p(y_g) of the points assigned to j, their mean integrated out: y_g ~ N(0, I + s^2 1 1') */
static double group_log_marginal(const int *z, int j) {
    double n = 0, sum = 0, sq = 0, s2 = PRIOR_SD * PRIOR_SD;
    for (int i = 0; i < NY; i++)
        if (z[i] == j) n++, sum += Y[i], sq += Y[i] * Y[i];
    return -0.5 * (n * 1.8378770664093453 + log(1 + n * s2) + sq - s2 * sum * sum / (1 + n * s2));
}

/* p(k | y) for k = 1..KMAX (uniform prior on k and on each assignment). */
static void exact_posterior(double *post) {
    double lml[KMAX], top = -INFINITY, total = 0;
    for (int k = 1; k <= KMAX; k++) {
        int z[NY], n_assign = 1;
        for (int i = 0; i < NY; i++) n_assign *= k;
        double sum = 0;
        for (int a = 0; a < n_assign; a++) {
            for (int i = 0, r = a; i < NY; i++, r /= k) z[i] = r % k;
            double l = -NY * log((double)k);
            for (int j = 0; j < k; j++) l += group_log_marginal(z, j);
            sum += exp(l);
        }
        top = fmax(top, lml[k - 1] = log(sum));
    }
    for (int k = 0; k < KMAX; k++) total += post[k] = exp(lml[k] - top);
    for (int k = 0; k < KMAX; k++) post[k] /= total;
}

/* Runs the model's kernel for burn + n sweeps from a prior trace; kcount[i] gets k. */
static int run_chain(gen_model *m, uint64_t seed, int burn, int n, double *kvals) {
    gen_kernel k;
    CHECK(gen_model_kernel(m, &k));
    gen_trace *cur = gallery_trace(m, seed);
    if (!cur) return 0;
    gen_trace_retain(cur);
    int done = 0;
    gen_addr ka = {1, {gen_part_name("k")}};
    for (int it = 0; it < burn + n; it++) {
        gen_scope_begin();
        gen_trace *next = NULL;
        gen_status s = gen_kernel_apply(k, gen_key_fold_in(gen_key_new(seed + 1), (uint64_t)it), cur, &next, NULL);
        CHECK_OK(s);
        if (s == GEN_OK) {
            gen_trace_release(cur);
            cur = gen_trace_retain(next);
            int64_t kk = 0;
            gen_item_i64(gen_trace_value(cur, &ka), &kk);
            if (it >= burn) kvals[done++] = (double)kk;
        }
        gen_scope_end();
        if (s != GEN_OK) break;
    }
    gen_trace_release(cur);
    return done;
}

static void test_posterior_of_k(void) {
    double post[KMAX];
    exact_posterior(post);
    printf("exact p(k | y): %.4f %.4f %.4f\n", post[0], post[1], post[2]);
    gen_model *m = gallery_model(&genc_model, "{\"N\": 6, \"y\": [-1.6, -1.1, -0.7, 1.2, 1.9, 2.3], \"k_max\": 3,"
                                              " \"prior_sd\": 2, \"sigma\": 1}");
    if (!m) return;
    CHECK(strcmp(gen_model_algorithm(m), "kernel") == 0);
    const int burn = gallery_quick ? 2 : 200, n = gallery_quick ? 4 : 6000;
    double *kv = malloc((size_t)n * sizeof *kv), *ind = malloc((size_t)n * sizeof *ind);
    int done = run_chain(m, 51, burn, n, kv);
    CHECK(done == n);
    if (!gallery_quick && done == n) {
        int moves = 0;
        for (int i = 1; i < n; i++) moves += kv[i] != kv[i - 1];
        printf("k changed in %d of %d sweeps\n", moves, n);
        CHECK(moves > n / 50);
        for (int k = 1; k <= KMAX; k++) {
            double f = 0;
            for (int i = 0; i < n; i++) f += (ind[i] = kv[i] == k) / n;
            printf("chain p(k = %d) %.4f\n", k, f);
            char what[32];
            snprintf(what, sizeof what, "p(k = %d)", k);
            GALLERY_CHECK_BATCH_MEAN(what, ind, n, post[k - 1], 0.05);
        }
    }
    free(kv);
    free(ind);
    gen_model_free(m);
}

/* The built-in data (30 points, three components) runs, and its chain finds more than one
 * component. */
static void test_builtin(void) {
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m) return;
    const int n = gallery_quick ? 3 : 300;
    double *kv = malloc((size_t)n * sizeof *kv);
    int done = run_chain(m, 61, gallery_quick ? 1 : 100, n, kv);
    CHECK(done == n);
    double mean = 0;
    for (int i = 0; i < done; i++) mean += kv[i] / done;
    printf("built-in data: mean k %.2f\n", mean);
    if (!gallery_quick) CHECK(mean > 2);
    free(kv);
    gen_model_free(m);
}

static void test_bad_data(void) {
    GALLERY_CHECK_BAD_DATA("{\"y\": [1, 2], \"k_max\": 1}", "k_max must be >= 2, got 1");
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_posterior_of_k);
    RUN(test_builtin);
    RUN(test_bad_data);
    return check_finish();
}
