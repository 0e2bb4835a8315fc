/* test_outliers.c — the gallery's curve fitting with outliers (examples/gallery/outliers.c)
 * run with its own kernel (Gibbs on the outlier indicators, then HMC on the curve) as the
 * genc tool runs it: the posterior means of the coefficients and the posterior
 * probability that each point is an outlier within 5 batch-means standard errors of the
 * exact posterior, computed by enumerating the 2^16 indicator vectors (given them, the
 * model is linear-Gaussian: each vector's marginal likelihood and coefficient mean in
 * closed form); bad data gets an error. */
#include "../../examples/gallery/outliers.c"
#include "gallery.h"

enum { N = 16, P = 3 };
static const double SIGMA = 0.3, SIGMA_OUT = 3, PROB = 0.1, PRIOR_SD = 2;

/* Solves the P x P SPD system A u = b by Cholesky (A overwritten by its factor), and
 * returns log det A. */
static double chol_solve(double A[P][P], const double *b, double *u) {
    double ld = 0;
    for (int j = 0; j < P; j++) {
        for (int k = 0; k < j; k++) A[j][j] -= A[j][k] * A[j][k];
        A[j][j] = sqrt(A[j][j]);
        ld += 2 * log(A[j][j]);
        for (int i = j + 1; i < P; i++) {
            for (int k = 0; k < j; k++) A[i][j] -= A[i][k] * A[j][k];
            A[i][j] /= A[j][j];
        }
    }
    double w[P];
    for (int i = 0; i < P; i++) {
        w[i] = b[i];
        for (int k = 0; k < i; k++) w[i] -= A[i][k] * w[k];
        w[i] /= A[i][i];
    }
    for (int i = P - 1; i >= 0; i--) {
        u[i] = w[i];
        for (int k = i + 1; k < P; k++) u[i] -= A[k][i] * u[k];
        u[i] /= A[i][i];
    }
    return ld;
}

/* The exact posterior mean of coef and p(outlier/i | y), summing over z in {0,1}^N:
 * p(z, y) = prior(z) N(y; 0, D + s0^2 X X'), D = diag(s_i^2); with A = X' D^-1 X + I / s0^2
 * and b = X' D^-1 y, log N(...) = -(N log 2 pi + log det D + P log s0^2 + log det A
 * + y' D^-1 y - b' A^-1 b) / 2 and E[coef | z, y] = A^-1 b. */
static void exact_posterior(double *coef_mean, double *p_out) {
    double top = -INFINITY, total = 0, cm[P] = {0}, po[N] = {0};
    static double lw[1 << N], mu[1 << N][P];
    for (int z = 0; z < (1 << N); z++) {
        double A[P][P] = {{0}}, b[P] = {0}, u[P], lp = 0, yDy = 0;
        for (int i = 0; i < N; i++) {
            bool o = (z >> i) & 1;
            double s2 = o ? SIGMA_OUT * SIGMA_OUT : SIGMA * SIGMA, xi[P];
            lp += o ? log(PROB) : log1p(-PROB);
            lp -= 0.5 * (1.8378770664093453 + log(s2));
            yDy += OUTLIERS_Y[i] * OUTLIERS_Y[i] / s2;
            for (int j = 0; j < P; j++) xi[j] = pow(OUTLIERS_X[i], j);
            for (int j = 0; j < P; j++) {
                b[j] += xi[j] * OUTLIERS_Y[i] / s2;
                for (int k = 0; k < P; k++) A[j][k] += xi[j] * xi[k] / s2;
            }
        }
        for (int j = 0; j < P; j++) A[j][j] += 1 / (PRIOR_SD * PRIOR_SD);
        double ldA = chol_solve(A, b, u), bu = 0;
        for (int j = 0; j < P; j++) bu += b[j] * u[j], mu[z][j] = u[j];
        lw[z] = lp - 0.5 * (P * log(PRIOR_SD * PRIOR_SD) + ldA + yDy - bu);
        top = fmax(top, lw[z]);
    }
    for (int z = 0; z < (1 << N); z++) {
        double w = exp(lw[z] - top);
        total += w;
        for (int j = 0; j < P; j++) cm[j] += w * mu[z][j];
        for (int i = 0; i < N; i++) po[i] += ((z >> i) & 1) ? w : 0;
    }
    for (int j = 0; j < P; j++) coef_mean[j] = cm[j] / total;
    for (int i = 0; i < N; i++) p_out[i] = po[i] / total;
}

static void test_kernel_posterior(void) {
    double coef_mean[P] = {0}, p_out[N] = {0};
    if (!gallery_quick) exact_posterior(coef_mean, p_out); /* the quick run (valgrind) checks that the kernel runs */
    printf("exact: coef %.4f %.4f %.4f; p(outlier): 3 %.4f, 11 %.4f, 0 %.4f\n", coef_mean[0], coef_mean[1], coef_mean[2],
           p_out[3], p_out[11], p_out[0]);
    gen_model *m = gallery_model(&genc_model, NULL);
    if (!m) return;
    CHECK(strcmp(gen_model_algorithm(m), "kernel") == 0);
    gen_kernel k;
    CHECK(gen_model_kernel(m, &k));
    gen_trace *cur = gallery_trace(m, 3);
    if (!cur) {
        gen_model_free(m);
        return;
    }
    const int burn = gallery_quick ? 2 : 100, n = gallery_quick ? 3 : 2000;
    double *rec = malloc((size_t)n * (P + N) * sizeof *rec); /* [n][P coefficients, N indicators] */
    gen_trace_retain(cur);
    int done = 0;
    for (int it = 0; it < burn + n; it++) {
        gen_scope_begin();
        gen_trace *next = NULL;
        gen_status s = gen_kernel_apply(k, gen_key_fold_in(gen_key_new(31), (uint64_t)it), cur, &next, NULL);
        CHECK_OK(s);
        if (s == GEN_OK) {
            gen_trace_release(cur);
            cur = gen_trace_retain(next);
        }
        if (s == GEN_OK && it >= burn) {
            double *r = rec + (size_t)(it - burn) * (P + N);
            gen_addr ca = {1, {gen_part_name("coef")}};
            gen_array_copy_to(gen_cast(gen_trace_value(cur, &ca), GEN_F64), GEN_F64, r, P * sizeof(double));
            for (int i = 0; i < N; i++) {
                gen_addr a = {2, {gen_part_name("outlier"), gen_part_int(i)}};
                gen_item(gen_cast(gen_trace_value(cur, &a), GEN_F64), &r[P + i]);
            }
            done++;
        }
        gen_scope_end();
        if (s != GEN_OK) break;
    }
    gen_trace_release(cur);
    if (!gallery_quick && done == n) {
        double *col = malloc((size_t)n * sizeof *col);
        for (int j = 0; j < P + N; j++) {
            for (int i = 0; i < n; i++) col[i] = rec[(size_t)i * (P + N) + j];
            char what[32];
            snprintf(what, sizeof what, j < P ? "coef[%d]" : "p(outlier/%d)", j < P ? j : j - P);
            GALLERY_CHECK_BATCH_MEAN(what, col, n, j < P ? coef_mean[j] : p_out[j - P], 0.05);
        }
        free(col);
    }
    free(rec);
    gen_model_free(m);
}

static void test_bad_data(void) {
    GALLERY_CHECK_BAD_DATA("{\"x\": [1, 2], \"y\": [1, 2], \"prob_outlier\": 1.5}", "prob_outlier in (0, 1)");
}

int main(int argc, char **argv) {
    gallery_args(argc, argv);
    RUN(test_kernel_posterior);
    RUN(test_bad_data);
    return check_finish();
}
