/* test_cdf.c — gen_dist_cdf / log_cdf / log_ccdf / quantile of every family that has
 * them, against GSL's gsl_cdf_*_P / _Q / _Pinv / _Qinv over grids reaching into both
 * tails; gradients of the log CDFs (x and every parameter) and of quantiles against
 * finite differences; the families without them refuse with their name. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>
#include <math.h>
#include <string.h>

#include "fd.h"

#define PI 3.14159265358979323846
#define SQRT2 1.41421356237309504880

typedef struct fam {
    const char *name;
    int np;
    double p[3];
    gen_dist *(*make)(gen_array *const *p);
    double (*P)(double x, const double *p), (*Q)(double x, const double *p);
    double (*Pinv)(double p, const double *q), (*Qinv)(double q, const double *p);
    double xs[12]; /* grid; NAN ends it */
} fam;

static gen_dist *mk_normal(gen_array *const *p) { return gen_normal(p[0], p[1]); }
static gen_dist *mk_lognormal(gen_array *const *p) { return gen_lognormal(p[0], p[1]); }
static gen_dist *mk_cauchy(gen_array *const *p) { return gen_cauchy(p[0], p[1]); }
static gen_dist *mk_half_cauchy(gen_array *const *p) { return gen_half_cauchy(p[0]); }
static gen_dist *mk_half_normal(gen_array *const *p) { return gen_half_normal(p[0]); }
static gen_dist *mk_logistic(gen_array *const *p) { return gen_logistic(p[0], p[1]); }
static gen_dist *mk_laplace(gen_array *const *p) { return gen_laplace(p[0], p[1]); }
static gen_dist *mk_exponential(gen_array *const *p) { return gen_exponential(p[0]); }
static gen_dist *mk_gumbel(gen_array *const *p) { return gen_gumbel(p[0], p[1]); }
static gen_dist *mk_weibull(gen_array *const *p) { return gen_weibull(p[0], p[1]); }
static gen_dist *mk_pareto(gen_array *const *p) { return gen_pareto(p[0], p[1]); }
static gen_dist *mk_uniform(gen_array *const *p) { return gen_uniform(p[0], p[1]); }
static gen_dist *mk_student_t(gen_array *const *p) { return gen_student_t(p[0], p[1], p[2]); }
static gen_dist *mk_gamma(gen_array *const *p) { return gen_gamma(p[0], p[1]); }
static gen_dist *mk_inv_gamma(gen_array *const *p) { return gen_inv_gamma(p[0], p[1]); }
static gen_dist *mk_chi2(gen_array *const *p) { return gen_chi2(p[0]); }
static gen_dist *mk_beta(gen_array *const *p) { return gen_beta(p[0], p[1]); }

/* GSL references (parameterizations translated). */
static double normal_P(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }
static double normal_Q(double x, const double *p) { return gsl_cdf_gaussian_Q(x - p[0], p[1]); }
static double normal_Pi(double q, const double *p) { return p[0] + gsl_cdf_gaussian_Pinv(q, p[1]); }
static double normal_Qi(double q, const double *p) { return p[0] + gsl_cdf_gaussian_Qinv(q, p[1]); }
static double lognormal_P(double x, const double *p) { return gsl_cdf_lognormal_P(x, p[0], p[1]); }
static double lognormal_Q(double x, const double *p) { return gsl_cdf_lognormal_Q(x, p[0], p[1]); }
static double lognormal_Pi(double q, const double *p) { return gsl_cdf_lognormal_Pinv(q, p[0], p[1]); }
static double lognormal_Qi(double q, const double *p) { return gsl_cdf_lognormal_Qinv(q, p[0], p[1]); }
static double cauchy_P(double x, const double *p) { return gsl_cdf_cauchy_P(x - p[0], p[1]); }
static double cauchy_Q(double x, const double *p) { return gsl_cdf_cauchy_Q(x - p[0], p[1]); }
static double cauchy_Pi(double q, const double *p) { return p[0] + gsl_cdf_cauchy_Pinv(q, p[1]); }
static double cauchy_Qi(double q, const double *p) { return p[0] + gsl_cdf_cauchy_Qinv(q, p[1]); }
/* half families: 1 - F = 2 Q of the full one; F near 0 from the full one's P - 1/2 */
static double hc_Q(double x, const double *p) { return 2 * gsl_cdf_cauchy_Q(x, p[0]); }
static double hc_P(double x, const double *p) { return 2 * atan(x / p[0]) / PI; }
static double hc_Pi(double q, const double *p) { return p[0] * tan(PI * q / 2); }
static double hc_Qi(double q, const double *p) { return gsl_cdf_cauchy_Qinv(q / 2, p[0]); }
static double hn_Q(double x, const double *p) { return 2 * gsl_cdf_gaussian_Q(x, p[0]); }
static double hn_P(double x, const double *p) { return gsl_sf_erf(x / (p[0] * SQRT2)); }
static double hn_Qi(double q, const double *p) { return gsl_cdf_gaussian_Qinv(q / 2, p[0]); }
static double hn_Pi(double q, const double *p) { return hn_Qi(1 - q, p); }
static double logistic_P(double x, const double *p) { return gsl_cdf_logistic_P(x - p[0], p[1]); }
static double logistic_Q(double x, const double *p) { return gsl_cdf_logistic_Q(x - p[0], p[1]); }
static double logistic_Pi(double q, const double *p) { return p[0] + gsl_cdf_logistic_Pinv(q, p[1]); }
static double logistic_Qi(double q, const double *p) { return p[0] + gsl_cdf_logistic_Qinv(q, p[1]); }
static double laplace_P(double x, const double *p) { return gsl_cdf_laplace_P(x - p[0], p[1]); }
static double laplace_Q(double x, const double *p) { return gsl_cdf_laplace_Q(x - p[0], p[1]); }
static double laplace_Pi(double q, const double *p) { return p[0] + gsl_cdf_laplace_Pinv(q, p[1]); }
static double laplace_Qi(double q, const double *p) { return p[0] + gsl_cdf_laplace_Qinv(q, p[1]); }
static double exp_P(double x, const double *p) { return gsl_cdf_exponential_P(x, 1 / p[0]); }
static double exp_Q(double x, const double *p) { return gsl_cdf_exponential_Q(x, 1 / p[0]); }
static double exp_Pi(double q, const double *p) { return gsl_cdf_exponential_Pinv(q, 1 / p[0]); }
static double exp_Qi(double q, const double *p) { return gsl_cdf_exponential_Qinv(q, 1 / p[0]); }
static double gumbel_P(double x, const double *p) { return gsl_cdf_gumbel1_P((x - p[0]) / p[1], 1, 1); }
static double gumbel_Q(double x, const double *p) { return gsl_cdf_gumbel1_Q((x - p[0]) / p[1], 1, 1); }
static double gumbel_Pi(double q, const double *p) { return p[0] + p[1] * gsl_cdf_gumbel1_Pinv(q, 1, 1); }
static double gumbel_Qi(double q, const double *p) { return p[0] + p[1] * gsl_cdf_gumbel1_Qinv(q, 1, 1); }
static double weibull_P(double x, const double *p) { return gsl_cdf_weibull_P(x, p[1], p[0]); }
static double weibull_Q(double x, const double *p) { return gsl_cdf_weibull_Q(x, p[1], p[0]); }
static double weibull_Pi(double q, const double *p) { return gsl_cdf_weibull_Pinv(q, p[1], p[0]); }
static double weibull_Qi(double q, const double *p) { return gsl_cdf_weibull_Qinv(q, p[1], p[0]); }
static double pareto_P(double x, const double *p) { return gsl_cdf_pareto_P(x, p[1], p[0]); }
static double pareto_Q(double x, const double *p) { return gsl_cdf_pareto_Q(x, p[1], p[0]); }
static double pareto_Pi(double q, const double *p) { return gsl_cdf_pareto_Pinv(q, p[1], p[0]); }
static double pareto_Qi(double q, const double *p) { return gsl_cdf_pareto_Qinv(q, p[1], p[0]); }
static double flat_P(double x, const double *p) { return gsl_cdf_flat_P(x, p[0], p[1]); }
static double flat_Q(double x, const double *p) { return gsl_cdf_flat_Q(x, p[0], p[1]); }
static double flat_Pi(double q, const double *p) { return gsl_cdf_flat_Pinv(q, p[0], p[1]); }
static double flat_Qi(double q, const double *p) { return gsl_cdf_flat_Qinv(q, p[0], p[1]); }
static double t_P(double x, const double *p) { return gsl_cdf_tdist_P((x - p[1]) / p[2], p[0]); }
static double t_Q(double x, const double *p) { return gsl_cdf_tdist_Q((x - p[1]) / p[2], p[0]); }
static double gamma_P(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], p[1]); }
static double gamma_Q(double x, const double *p) { return gsl_cdf_gamma_Q(x, p[0], p[1]); }
static double ig_P(double x, const double *p) { return gsl_cdf_gamma_Q(p[1] / x, p[0], 1); }
static double ig_Q(double x, const double *p) { return gsl_cdf_gamma_P(p[1] / x, p[0], 1); }
static double chi2_P(double x, const double *p) { return gsl_cdf_chisq_P(x, p[0]); }
static double chi2_Q(double x, const double *p) { return gsl_cdf_chisq_Q(x, p[0]); }
static double beta_P(double x, const double *p) { return gsl_cdf_beta_P(x, p[0], p[1]); }
static double beta_Q(double x, const double *p) { return gsl_cdf_beta_Q(x, p[0], p[1]); }

#define END NAN
static const fam fams[] = {
    {"normal", 2, {0.5, 2}, mk_normal, normal_P, normal_Q, normal_Pi, normal_Qi, {-60, -16, -5, -1, 0.3, 0.5, 2, 7, 17, 61, END}},
    {"lognormal", 2, {0.2, 0.8}, mk_lognormal, lognormal_P, lognormal_Q, lognormal_Pi, lognormal_Qi, {1e-9, 1e-3, 0.2, 1, 1.3, 4, 30, 1e5, END}},
    {"cauchy", 2, {-1, 0.5}, mk_cauchy, cauchy_P, cauchy_Q, cauchy_Pi, cauchy_Qi, {-1e12, -300, -4, -1.2, -1, 0, 3, 1e4, 1e15, END}},
    {"half_cauchy", 1, {1.5}, mk_half_cauchy, hc_P, hc_Q, hc_Pi, hc_Qi, {1e-10, 1e-3, 0.5, 1.5, 4, 100, 1e9, END}},
    {"half_normal", 1, {1.5}, mk_half_normal, hn_P, hn_Q, hn_Pi, hn_Qi, {1e-10, 1e-3, 0.5, 1.49, 1.51, 3, 10, 40, END}},
    {"logistic", 2, {1, 2}, mk_logistic, logistic_P, logistic_Q, logistic_Pi, logistic_Qi, {-1400, -80, -5, 0, 1, 2.5, 30, 90, 1300, END}},
    {"laplace", 2, {1, 2}, mk_laplace, laplace_P, laplace_Q, laplace_Pi, laplace_Qi, {-1400, -80, -5, 0, 1, 2.5, 30, 90, 1300, END}},
    {"exponential", 1, {2.5}, mk_exponential, exp_P, exp_Q, exp_Pi, exp_Qi, {1e-12, 1e-4, 0.1, 0.3, 1, 5, 100, END}},
    {"gumbel", 2, {1, 2}, mk_gumbel, gumbel_P, gumbel_Q, gumbel_Pi, gumbel_Qi, {-10, -3, 0, 1, 2, 10, 60, 1000, END}},
    {"weibull", 2, {1.7, 2}, mk_weibull, weibull_P, weibull_Q, weibull_Pi, weibull_Qi, {1e-8, 0.01, 0.5, 1.5, 2, 5, 20, END}},
    {"pareto", 2, {1.5, 2.5}, mk_pareto, pareto_P, pareto_Q, pareto_Pi, pareto_Qi, {1.5000001, 1.6, 2, 5, 100, 1e30, END}},
    {"uniform", 2, {-1, 3}, mk_uniform, flat_P, flat_Q, flat_Pi, flat_Qi, {-0.999999, -0.5, 0, 1, 2.5, 2.9999999, END}},
    {"student_t", 3, {3.5, 1, 2}, mk_student_t, t_P, t_Q, NULL, NULL, {-1e6, -300, -20, -3, 0, 0.999, 1, 1.001, 4, 50, 1e5, END}},
    {"student_t", 3, {0.7, 0, 1}, mk_student_t, t_P, t_Q, NULL, NULL, {-1e8, -50, -2, -0.01, 0.3, 8, 1e4, END}},
    {"student_t", 3, {300, 0, 1}, mk_student_t, t_P, t_Q, NULL, NULL, {-30, -8, -2, -0.01, 0.3, 3, 9, END}},
    {"gamma", 2, {2.5, 1.5}, mk_gamma, gamma_P, gamma_Q, NULL, NULL, {1e-9, 0.01, 0.5, 3, 3.75, 6, 30, 300, END}},
    {"gamma", 2, {0.3, 2}, mk_gamma, gamma_P, gamma_Q, NULL, NULL, {1e-12, 1e-3, 0.2, 1, 5, 100, END}},
    {"inv_gamma", 2, {3, 2}, mk_inv_gamma, ig_P, ig_Q, NULL, NULL, {0.01, 0.1, 0.5, 1, 3, 50, 1e4, END}},
    {"chi2", 1, {4}, mk_chi2, chi2_P, chi2_Q, NULL, NULL, {1e-8, 0.1, 1, 3.9, 10, 100, 900, END}},
    {"beta", 2, {2.5, 0.7}, mk_beta, beta_P, beta_Q, NULL, NULL, {1e-12, 1e-3, 0.3, 0.7, 0.95, 0.999999, END}},
    {"beta", 2, {30, 40}, mk_beta, beta_P, beta_Q, NULL, NULL, {0.05, 0.2, 0.4, 0.43, 0.5, 0.8, END}},
};
#define NFAM ((int)(sizeof fams / sizeof fams[0]))

static gen_dist *make(const fam *f) {
    gen_array *p[3];
    for (int i = 0; i < f->np; i++) p[i] = gen_scalar(f->p[i]);
    return f->make(p);
}

/* log of a GSL probability; compared only where GSL keeps relative accuracy (> 1e-290). */
static void check_log(const char *what, const fam *f, double x, double got, double ref) {
    if (ref < 1e-290) return;
    if (check_close_at(__FILE__, __LINE__, what, got, log(ref), 2e-9, 1e-13) == 0)
        fprintf(stderr, "  %s(%g, %g, %g) at x = %.17g\n", f->name, f->p[0], f->p[1], f->p[2], x);
}

static void test_against_gsl(void) {
    for (int k = 0; k < NFAM; k++) {
        const fam *f = &fams[k];
        gen_dist *d = make(f);
        int n = 0;
        while (n < 12 && !isnan(f->xs[n])) n++;
        gen_array *x = gen_array_from_f64(GEN_DIMS(n), f->xs);
        gen_array *lc = CHECK_ARR(gen_dist_log_cdf(d, x)), *ls = CHECK_ARR(gen_dist_log_ccdf(d, x));
        gen_array *c = CHECK_ARR(gen_dist_cdf(d, x));
        if (!lc || !ls || !c) continue;
        for (int i = 0; i < n; i++) {
            const double *lcv = gen_array_data(lc), *lsv = gen_array_data(ls), *cv = gen_array_data(c);
            check_log("log_cdf", f, f->xs[i], lcv[i], f->P(f->xs[i], f->p));
            check_log("log_ccdf", f, f->xs[i], lsv[i], f->Q(f->xs[i], f->p));
            CHECK_CLOSE(cv[i], f->P(f->xs[i], f->p), 2e-9);
        }
    }
}

static void test_ends(void) {
    for (int k = 0; k < NFAM; k++) {
        gen_dist *d = make(&fams[k]);
        const double xs[3] = {-INFINITY, INFINITY, NAN};
        gen_array *x = gen_array_from_f64(GEN_DIMS(3), xs);
        gen_array *c = CHECK_ARR(gen_dist_cdf(d, x)), *ls = CHECK_ARR(gen_dist_log_ccdf(d, x));
        if (!c || !ls) continue;
        const double *cv = gen_array_data(c), *lv = gen_array_data(ls);
        CHECK(cv[0] == 0 && cv[1] == 1 && isnan(cv[2]));
        CHECK(lv[0] == 0 && lv[1] == -INFINITY && isnan(lv[2]));
    }
    /* the median of a symmetric family is exactly 1/2 */
    CHECK_CLOSE(check_item(gen_dist_cdf(gen_student_t(gen_scalar(3), gen_scalar(1), gen_scalar(2)), gen_scalar(1))),
                0.5, 1e-15);
}

static void test_quantiles(void) {
    const double ps[] = {1e-280, 1e-12, 1e-3, 0.1, 0.5, 0.7, 0.999, 1 - 1e-12};
    const int np = (int)(sizeof ps / sizeof ps[0]);
    for (int k = 0; k < NFAM; k++) {
        const fam *f = &fams[k];
        gen_dist *d = make(f);
        gen_array *p = gen_array_from_f64(GEN_DIMS(np), ps);
        gen_array *q = gen_dist_quantile(d, p);
        if (!f->Pinv) {
            CHECK(!q);
            CHECK_ERROR(GEN_ERR_UNSUPPORTED, "has no closed-form quantile");
            continue;
        }
        if (!CHECK_ARR(q)) continue;
        const double *qv = gen_array_data(q);
        for (int i = 0; i < np; i++) {
            bool hn = !strcmp(f->name, "half_normal");
            if (ps[i] < 1e-200 && (!strcmp(f->name, "uniform") || hn)) continue; /* GSL's Pinv underflows */
            if (hn && ps[i] < 0.1) continue; /* the reference goes through 1 - p */
            double want = ps[i] <= 0.5 ? f->Pinv(ps[i], f->p) : f->Qinv(1 - ps[i], f->p);
            if (check_close_at(__FILE__, __LINE__, "quantile", qv[i], want, 1e-9, 1e-300) == 0)
                fprintf(stderr, "  %s at p = %g\n", f->name, ps[i]);
        }
        /* p = 0 and 1 are the support's ends, outside [0, 1] NaN */
        const double ends[4] = {0, 1, -0.1, 1.5};
        gen_array *e = CHECK_ARR(gen_dist_quantile(d, gen_array_from_f64(GEN_DIMS(4), ends)));
        if (!e) continue;
        const double *ev = gen_array_data(e);
        CHECK(ev[0] < ev[1] && isnan(ev[2]) && isnan(ev[3]));
    }
}

/* ---- gradients: log_cdf and log_ccdf in x and every parameter, quantile in p and the
 * parameters ---- */

static const fam *g_fam;
static int g_what; /* 0 log_cdf, 1 log_ccdf, 2 quantile */

static gen_status eval(void *pl, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)pl, (void)n_in, (void)n_out;
    gen_dist *d = g_fam->make(in + 1);
    out[0] = g_what == 0 ? gen_dist_log_cdf(d, in[0]) : g_what == 1 ? gen_dist_log_ccdf(d, in[0])
                                                                     : gen_dist_quantile(d, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    gen_closure cl = {eval, NULL};
    for (int k = 0; k < NFAM; k++) {
        const fam *f = &fams[k];
        g_fam = f;
        /* interior points: the 3rd and 5th grid points */
        for (int w = 0; w < 3; w++) {
            if (w == 2 && !f->Pinv) continue;
            double xs[2] = {f->xs[2], f->xs[4]};
            if (w == 2) xs[0] = 0.2, xs[1] = 0.85;
            gen_array *in[4] = {gen_array_from_f64(GEN_DIMS(2), xs)};
            for (int i = 0; i < f->np; i++) in[1 + i] = gen_scalar(f->p[i]);
            g_what = w;
            if (!FD_CHECK(f->name, cl, 1 + f->np, in, 1, 2e-5, 1e-7))
                fprintf(stderr, "  %s (%s)\n", f->name, w == 0 ? "log_cdf" : w == 1 ? "log_ccdf" : "quantile");
        }
    }
}

static void test_errors(void) {
    gen_array *x = gen_scalar(0.5);
    CHECK(!gen_dist_cdf(gen_von_mises(gen_scalar(0), gen_scalar(1)), x));
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "gen_dist_cdf: von_mises has no CDF");
    CHECK(!gen_dist_log_cdf(gen_poisson(gen_scalar(2)), x));
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "poisson has no CDF");
    CHECK(!gen_dist_cdf(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(3)), gen_scalar(1)),
                        gen_zeros(GEN_F64, GEN_DIMS(2))));
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_dist_cdf");
}

int main(void) {
    RUN(test_against_gsl);
    RUN(test_ends);
    RUN(test_quantiles);
    RUN(test_gradients);
    RUN(test_errors);
    return check_finish();
}
