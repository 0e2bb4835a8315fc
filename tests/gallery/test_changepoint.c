/* test_changepoint.c — the gallery's changepoint model (examples/gallery/changepoint.c)
 * run with its own kernel (Gibbs on the changepoint year, then HMC on the two rates) as
 * the genc tool runs it: the posterior means of early, late and tau, and the posterior
 * probability of the most probable year, within 5 batch-means standard errors of the exact
 * posterior (the Gamma prior is conjugate: p(tau | y) by summing the Gamma-Poisson
 * marginal likelihood of the two segments over every tau); bad data gets an error. */
#include "../../examples/gallery/changepoint.c"
#include "gallery.h"

enum { T = 111 };
static const double A = 2, B = 1;

/* log of the Gamma(A, rate B)-Poisson marginal of a segment with n years and S events
 * (without the y! terms, the same for every tau). */
static double segment(double n, double S) { return A * log(B) - lgamma(A) + lgamma(A + S) - (A + S) * log(B + n); }

/* p(tau | y) into post[0..T], and the posterior means of early, late and tau. */
static void exact_posterior(double *post, double *e_early, double *e_late, double *e_tau) {
    double total_s = 0, top = -INFINITY, lw[T + 1], z = 0;
    for (int t = 0; t < T; t++) total_s += (double)COAL_Y[t];
    for (int tau = 0, s1 = 0; tau <= T; s1 += tau < T ? (int)COAL_Y[tau] : 0, tau++) {
        lw[tau] = segment(tau, s1) + segment(T - tau, total_s - s1);
        top = fmax(top, lw[tau]);
    }
    *e_early = *e_late = *e_tau = 0;
    for (int tau = 0; tau <= T; tau++) z += post[tau] = exp(lw[tau] - top);
    for (int tau = 0, s1 = 0; tau <= T; s1 += tau < T ? (int)COAL_Y[tau] : 0, tau++) {
        post[tau] /= z;
        *e_early += post[tau] * (A + s1) / (B + tau);
        *e_late += post[tau] * (A + total_s - s1) / (B + T - tau);
        *e_tau += post[tau] * tau;
    }
}

static void test_kernel_posterior(void) {
    double post[T + 1], e_early, e_late, e_tau;
    exact_posterior(post, &e_early, &e_late, &e_tau);
    int mode = 0;
    for (int t = 1; t <= T; t++)
        if (post[t] > post[mode]) mode = t;
    printf("exact: early %.4f, late %.4f, tau %.3f; p(tau = %d) = %.4f\n", e_early, e_late, e_tau, mode, post[mode]);
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m) return;
    CHECK(strcmp(gen_model_algorithm(m), "kernel") == 0);
    gen_kernel k;
    CHECK(gen_model_kernel(m, &k));
    gen_trace *cur = gallery_trace(m, 5);
    if (!cur) {
        gen_model_free(m);
        return;
    }
    const int burn = gallery_quick ? 1 : 100, n = gallery_quick ? 2 : 2000;
    double *rec = malloc((size_t)n * 4 * sizeof *rec); /* early, late, tau, tau == mode */
    gen_trace_retain(cur);
    int done = 0;
    for (int it = 0; it < burn + n; it++) {
        gen_scope_begin();
        gen_trace *next = NULL;
        gen_status s = gen_kernel_apply(k, gen_key_fold_in(gen_key_new(41), (uint64_t)it), cur, &next, NULL);
        CHECK_OK(s);
        if (s == GEN_OK) {
            gen_trace_release(cur);
            cur = gen_trace_retain(next);
        }
        if (s == GEN_OK && it >= burn) {
            double *r = rec + (size_t)(it - burn) * 4;
            const char *names[3] = {"early", "late", "tau"};
            for (int j = 0; j < 3; j++) {
                gen_addr a = {1, {gen_part_name(names[j])}};
                gen_item(gen_cast(gen_trace_value(cur, &a), GEN_F64), &r[j]);
            }
            r[3] = r[2] == mode;
            done++;
        }
        gen_scope_end();
        if (s != GEN_OK) break;
    }
    gen_trace_release(cur);
    if (!gallery_quick && done == n) {
        const double want[4] = {e_early, e_late, e_tau, post[mode]};
        const char *what[4] = {"early", "late", "tau", "p(tau = mode)"};
        double *col = malloc((size_t)n * sizeof *col);
        for (int j = 0; j < 4; j++) {
            for (int i = 0; i < n; i++) col[i] = rec[(size_t)i * 4 + j];
            GALLERY_CHECK_BATCH_MEAN(what[j], col, n, want[j], j == 2 ? 1.0 : 0.05);
        }
        free(col);
    }
    free(rec);
    gen_model_free(m);
}

static void test_bad_data(void) {
    GALLERY_CHECK_BAD_DATA("{\"y\": [1.5, 2]}", "y must be a vector of T >= 1 counts");
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_kernel_posterior);
    RUN(test_bad_data);
    return check_finish();
}
