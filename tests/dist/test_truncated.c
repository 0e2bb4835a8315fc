/* test_truncated.c — gen_truncated: densities against GSL's pdf over GSL's CDF difference
 * (student_t, gamma, gumbel; both tails; per-element bounds) and a normalizer by numerical
 * integration; gen_truncated(normal) against gen_truncated_normal; gradients in x, the
 * parameters and the bounds against finite differences; draws inside the bounds with
 * the truncated normal's mean within MC error (inverse CDF) and a half-t's median
 * (rejection); supports and bijections (less_than); errors; NUTS on a half-t prior
 * against its GSL quantiles. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "fd.h"

static gen_array *sc(double v) { return gen_scalar(v); }

/* log(pdf(x) / (P(hi) - P(lo))) of Student's t, in the tail where GSL is exact. */
static double ref_t(double x, double df, double loc, double s, double lo, double hi) {
    if (x < lo || x > hi) return -INFINITY;
    double a = (lo - loc) / s, b = (hi - loc) / s;
    double m = a > 0 ? gsl_cdf_tdist_Q(a, df) - gsl_cdf_tdist_Q(b, df) : gsl_cdf_tdist_P(b, df) - gsl_cdf_tdist_P(a, df);
    return log(gsl_ran_tdist_pdf((x - loc) / s, df) / s) - log(m);
}

static void test_logpdf_t(void) {
    /* a half-t, a two-sided interval, one far in the upper tail, one in the lower */
    const double cases[][4] = {{0, INFINITY, 0.7, 0}, {-1, 2.5, 0.3, 1}, {40, 45, 41, 2}, {-INFINITY, -30, -35, 3}};
    for (int i = 0; i < 4; i++) {
        double lo = cases[i][0], hi = cases[i][1], x = cases[i][2];
        gen_dist *d = gen_truncated(gen_student_t(sc(3.5), sc(0.5), sc(1.5)), isinf(lo) ? NULL : sc(lo),
                                    isinf(hi) ? NULL : sc(hi));
        CHECK_CLOSE(check_item(gen_dist_logpdf(d, sc(x))), ref_t(x, 3.5, 0.5, 1.5, lo, hi), 1e-9);
        CHECK(check_item(gen_dist_logpdf(d, sc(isinf(lo) ? hi + 1 : lo - 1e-9))) == -INFINITY);
    }
    /* per-element bounds broadcast with a batch of scales */
    double lo[3] = {-1, 0, 2}, hi[3] = {1, 3, 50}, s[3] = {0.5, 1, 2}, x[3] = {0.2, 2.9, 7}, want[3];
    for (int i = 0; i < 3; i++) want[i] = ref_t(x[i], 5, 0, s[i], lo[i], hi[i]);
    gen_dist *d = gen_truncated(gen_student_t(sc(5), sc(0), gen_array_from_f64(GEN_DIMS(3), s)),
                                gen_array_from_f64(GEN_DIMS(3), lo), gen_array_from_f64(GEN_DIMS(3), hi));
    CHECK_ARRAY(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), x)), want, 3, 1e-9, 0);
    /* gamma truncated from above: the support is the interval (0, hi) */
    gen_dist *g = gen_truncated(gen_gamma(sc(2.5), sc(1.5)), NULL, sc(2));
    CHECK_CLOSE(check_item(gen_dist_logpdf(g, sc(1.2))),
                log(gsl_ran_gamma_pdf(1.2, 2.5, 1.5) / gsl_cdf_gamma_P(2, 2.5, 1.5)), 1e-10);
    gen_support sp;
    CHECK_OK(gen_dist_support(g, &sp));
    CHECK(sp.kind == GEN_SUPPORT_INTERVAL && check_item(sp.lo) == 0 && check_item(sp.hi) == 2);
}

/* The density of gumbel(0.3, 1.2) on [-1, 2.5] integrates to 1 (Simpson, 4000 panels). */
static void test_normalizer_integral(void) {
    enum { N = 4000 };
    gen_dist *d = gen_truncated(gen_gumbel(sc(0.3), sc(1.2)), sc(-1), sc(2.5));
    gen_array *x = gen_linspace(-1, 2.5, N + 1);
    gen_array *p = gen_exp(gen_dist_logpdf(d, x));
    const double *pv = gen_array_data(p);
    double h = 3.5 / N, acc = pv[0] + pv[N];
    for (int i = 1; i < N; i++) acc += (i % 2 ? 4 : 2) * pv[i];
    CHECK_CLOSE(acc * h / 3, 1.0, 1e-12);
}

static void test_against_truncated_normal(void) {
    const double b[][2] = {{-1, 2}, {0, INFINITY}, {5, INFINITY}, {30, 31}, {-INFINITY, -12}, {-0.5, 0.5}};
    for (int i = 0; i < 6; i++) {
        gen_array *lo = sc(b[i][0]), *hi = sc(b[i][1]);
        gen_dist *a = gen_truncated(gen_normal(sc(0.3), sc(1.1)), isinf(b[i][0]) ? NULL : lo, isinf(b[i][1]) ? NULL : hi);
        gen_dist *r = gen_truncated_normal(sc(0.3), sc(1.1), lo, hi);
        double x = isinf(b[i][0]) ? b[i][1] - 0.3 : b[i][0] + 0.25;
        CHECK_CLOSE(check_item(gen_dist_logpdf(a, sc(x))), check_item(gen_dist_logpdf(r, sc(x))), 1e-12);
    }
}

/* ---- gradients ---- */

static int g_case;
static gen_status eval(void *pl, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)pl, (void)n_in, (void)n_out;
    /* in: x, p0, p1, lo, hi */
    gen_dist *base = g_case == 0 ? gen_normal(in[1], in[2]) : gen_student_t(sc(4), in[1], in[2]);
    out[0] = gen_dist_logpdf(gen_truncated(base, in[3], in[4]), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    gen_closure cl = {eval, NULL};
    const double xs[2] = {0.4, 1.7};
    for (g_case = 0; g_case < 2; g_case++) {
        /* a two-sided interval, and one above the median (the log_ccdf branch) */
        gen_array *in[5] = {gen_array_from_f64(GEN_DIMS(2), xs), sc(0.2), sc(0.9),
                            gen_array_from_f64(GEN_DIMS(2), (double[]){-0.5, 0.35}), sc(2.2)};
        FD_CHECK(g_case ? "truncated student_t" : "truncated normal", cl, 5, in, 1, 1e-5, 1e-7);
    }
}

/* ---- sampling ---- */

static void test_sampling(void) {
    enum { N = 20000 };
    /* inverse CDF: truncated normal mean mu + s (phi(a) - phi(b)) / (Phi(b) - Phi(a)) */
    const double b[][2] = {{-1, 2}, {1.5, INFINITY}, {6, 6.5}};
    for (int i = 0; i < 3; i++) {
        gen_dist *d = gen_truncated(gen_normal(sc(0.5), sc(2)), sc(b[i][0]), isinf(b[i][1]) ? NULL : sc(b[i][1]));
        gen_array *x = CHECK_ARR(gen_dist_sample(d, gen_key_new(11 + i), GEN_DIMS(N)));
        if (!x) continue;
        const double *xv = gen_array_data(x);
        double m = 0, v = 0, lo = b[i][0], hi = b[i][1];
        int in = 1;
        for (int k = 0; k < N; k++) {
            m += xv[k];
            in &= xv[k] >= lo && xv[k] <= hi;
        }
        m /= N;
        for (int k = 0; k < N; k++) v += (xv[k] - m) * (xv[k] - m);
        double se = sqrt(v / (N - 1) / N), a = (lo - 0.5) / 2, bb = (hi - 0.5) / 2;
        double z = gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(bb);
        double want = 0.5 + 2 * (gsl_ran_ugaussian_pdf(a) - (isinf(bb) ? 0 : gsl_ran_ugaussian_pdf(bb))) / z;
        CHECK(in);
        if (!(fabs(m - want) < 5 * se)) check_fail(__FILE__, __LINE__, "mean %g, want %g (se %g)", m, want, se);
    }
    /* rejection (student_t has no quantile): a half-t's draws are >= 0, half below its median */
    gen_dist *h = gen_truncated(gen_student_t(sc(3), sc(0), sc(2)), sc(0), NULL);
    gen_array *x = CHECK_ARR(gen_dist_sample(h, gen_key_new(5), GEN_DIMS(N)));
    if (!x) return;
    const double *xv = gen_array_data(x);
    double med = 2 * gsl_cdf_tdist_Pinv(0.75, 3), below = 0, mn = INFINITY;
    for (int k = 0; k < N; k++) below += xv[k] < med, mn = fmin(mn, xv[k]);
    CHECK(mn >= 0);
    CHECK(fabs(below / N - 0.5) < 5 * sqrt(0.25 / N));
    /* rejection that cannot succeed: a clear error naming the element */
    gen_dist *far = gen_truncated(gen_student_t(sc(30), sc(0), gen_array_from_f64(GEN_DIMS(2), (double[]){1, 1})),
                                  sc(40), sc(41));
    CHECK(!gen_dist_sample(far, gen_key_new(1), 0, NULL));
    CHECK_ERROR(GEN_ERR_VALUE, "truncated: rejection sampling of student_t found no draw inside the bounds in 100 rounds at element [0]");
}

static void test_support_bijection(void) {
    gen_dist *d = gen_truncated(gen_normal(sc(0), sc(1)), NULL, sc(1.5));
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_LESS_THAN && check_item(s.hi) == 1.5);
    CHECK(!strcmp(gen_support_name(GEN_SUPPORT_LESS_THAN), "less_than"));
    gen_bijection *b = gen_dist_bijection(d);
    if (!b) return;
    CHECK(!strcmp(gen_bijection_name(b), "upper_bound"));
    gen_array *u = gen_array_from_f64(GEN_DIMS(3), (double[]){-8, 0, 5});
    gen_array *x = gen_bijection_forward(b, u);
    const double want[3] = {1.5 - exp(-8), 0.5, 1.5 - exp(5)};
    CHECK_ARRAY(x, want, 3, 1e-14, 0);
    CHECK_ARRAY(gen_bijection_inverse(b, x), ((double[]){-8, 0, 5}), 3, 1e-9, 0);
    CHECK_ARRAY(gen_bijection_log_det_jacobian(b, u), ((double[]){-8, 0, 5}), 3, 0, 0);
    CHECK(gen_dist_bijection(gen_truncated(gen_normal(sc(0), sc(1)), sc(0), NULL)) != NULL);
}

static void test_errors(void) {
    CHECK(!gen_truncated(gen_normal(sc(0), sc(1)), sc(2), sc(1)));
    CHECK_ERROR(GEN_ERR_VALUE, "truncated: lo must be < hi");
    CHECK(!gen_truncated(gen_normal(sc(0), sc(1)), sc(NAN), NULL));
    CHECK_ERROR(GEN_ERR_VALUE, "truncated: lo");
    CHECK(!gen_truncated(gen_poisson(sc(2)), sc(0), sc(3)));
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "truncated: poisson is discrete");
    gen_array *mu = gen_zeros(GEN_F64, GEN_DIMS(2));
    CHECK(!gen_truncated(gen_mvnormal(mu, gen_eye(2, GEN_F64)), sc(0), NULL));
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "truncated: mvnormal has event shape [2]");
    CHECK(!gen_truncated(gen_von_mises(sc(0), sc(1)), sc(0), sc(1)));
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "truncated: von_mises has no CDF");
    CHECK(!gen_truncated(NULL, sc(0), sc(1)));
    CHECK_ERROR(GEN_ERR_MISUSE, "truncated: the distribution is NULL");
    gen_error_clear();
    CHECK(!gen_truncated(gen_normal(gen_zeros(GEN_F64, GEN_DIMS(3)), sc(1)), gen_zeros(GEN_F64, GEN_DIMS(2)), NULL));
    CHECK_ERROR(GEN_ERR_SHAPE, "truncated");
}

/* ---- NUTS on a half-t prior: s ~ t(3, 0, 2) truncated at 0 ---- */

static gen_status half_t(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "s", gen_truncated(gen_student_t(sc(3), sc(0), sc(2)), sc(0), NULL));
    return gen_ctx_status(ctx);
}

static void test_nuts_half_t(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("half_t", half_t), gen_key_new(3), NULL, &tr));
    if (!tr) return;
    gen_addr a = {1, {gen_part_name("s")}};
    gen_nuts_config cfg = {.warmup = 300, .draws = 300, .metric = GEN_METRIC_DIAG, .init_radius = 2};
    gen_nuts_result r;
    gen_trace *init[2] = {tr, tr};
    CHECK_OK(gen_nuts_sample(gen_key_new(9), 2, init, gen_select(1, &a), &cfg, 0, &r));
    if (!r.draws) return;
    /* the indicator of s below its quartiles: P = 0.25, 0.5, 0.75 within 5 MCSE */
    const double levels[3] = {0.25, 0.5, 0.75};
    const double *x = gen_array_data(r.draws);
    static double ind[600];
    for (int q = 0; q < 3; q++) {
        double cut = 2 * gsl_cdf_tdist_Pinv(0.5 + levels[q] / 2, 3);
        for (int k = 0; k < 600; k++) ind[k] = x[k] < cut;
        const double *ch[2] = {ind, ind + 300};
        const int64_t nd[2] = {300, 300};
        gen_summary s;
        CHECK_OK(gen_summarize(ch, 2, nd, NULL, 0, &s));
        double se = s.sd / sqrt(s.ess_bulk);
        if (!(fabs(s.mean - levels[q]) < 5 * se))
            check_fail(__FILE__, __LINE__, "P(s < q%g) = %g, want %g (mcse %g)", levels[q], s.mean, levels[q], se);
    }
}

int main(void) {
    RUN(test_logpdf_t);
    RUN(test_normalizer_integral);
    RUN(test_against_truncated_normal);
    RUN(test_gradients);
    RUN(test_sampling);
    RUN(test_support_bijection);
    RUN(test_errors);
    RUN(test_nuts_half_t);
    return check_finish();
}
