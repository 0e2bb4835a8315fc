/* test_pathfinder.c — Pathfinder (gen_pathfinder): on Gaussian targets (correlated and
 * badly scaled, dense form; 12-d, sparse form) the best approximation is the target
 * itself (mean and covariance exact, ELBO = log Z = 0 since KL(q || p) = 0), its draws'
 * moments within Monte Carlo error; multi-path resampling on a bimodal target keeps both
 * modes; a positive choice round trips through its bijection; traces at draws and NUTS
 * starts; the errors. */
#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

#include "conjugate_models.h"

/* a ~ N(1, 10); b ~ N(0.5 a, 0.1); c ~ N(b - 2, 1): mean (1, 0.5, -1.5), covariance by
 * the linear-Gaussian chain: var a 100, cov(a, b) 50, var b 25.01, cov(a, c) 50,
 * cov(b, c) 25.01, var c 26.01. */
static gen_status chain3(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(1), gen_scalar(10)));
    gen_array *b = gen_choose(ctx, "b", gen_normal(gen_mul(gen_scalar(0.5), a), gen_scalar(0.1)));
    *retval = gen_choose(ctx, "c", gen_normal(gen_sub(b, gen_scalar(2)), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* x/i ~ N(i - 5, 0.1 * 2^(i/2)) for i < 12: scales from 0.1 to 4.5 (the sparse form: 2 * 5
 * pairs < 12 coordinates) */
static double scale12(int i) { return 0.1 * pow(2, 0.5 * i); }
static gen_status indep12(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    for (int i = 0; i < 12; i++) {
        gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(gen_scalar(i - 5), gen_scalar(scale12(i))));
    }
    *retval = NULL;
    return gen_ctx_status(ctx);
}

/* x ~ N(0, 10); y ~ N(x^2, 1) with y = 16: modes near -4 and 4, equal mass */
static gen_status bimodal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(10)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_mul(x, x), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* x ~ N(0, 1); y ~ N(0, x - 100): sigma < 0 at every start */
static gen_status rejecting(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), gen_sub(x, gen_scalar(100))));
    return gen_ctx_status(ctx);
}

static const double *data(const gen_array *a) { return (const double *)gen_array_data(a); }

/* The mean of column j of rows [n, cols] within 5 standard errors of m (iid draws). */
static void check_column_mean(const char *what, const double *x, int64_t n, int64_t cols, int64_t j, double m,
                              double sd) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i * cols + j];
    s /= (double)n;
    double se = sd / sqrt((double)n);
    if (fabs(s - m) > 5 * se) check_fail(__FILE__, __LINE__, "%s: column %lld mean %g, want %g (se %g)", what,
                                         (long long)j, s, m, se);
}

/* The ELBO is the mean of log p - log q over the first elbo_draws (25) draws, exactly,
 * and, p being a normalized Gaussian N(m, C), within 5 standard errors of -KL(q || p)
 * computed from q's mean and covariance (so log q's normalization, the factor's log
 * determinant, is checked). */
static void check_elbo(const gen_pathfinder_result *r, int d, const double *m, const double *c) {
    double e = 0, e2 = 0;
    for (int i = 0; i < 25; i++) {
        double v = data(r->logp)[i] - data(r->logq)[i];
        e += v / 25, e2 += v * v / 25;
    }
    CHECK_CLOSE(data(r->elbo)[0], e, 1e-12);
    gsl_matrix *cp = gsl_matrix_alloc((size_t)d, (size_t)d), *cq = gsl_matrix_alloc((size_t)d, (size_t)d);
    for (int i = 0; i < d * d; i++) cp->data[i] = c[i], cq->data[i] = data(r->cov)[i];
    gsl_linalg_cholesky_decomp1(cp);
    gsl_linalg_cholesky_decomp1(cq);
    double kl = -d, diff[64];
    for (int i = 0; i < d; i++) {
        kl += 2 * log(gsl_matrix_get(cp, (size_t)i, (size_t)i)) - 2 * log(gsl_matrix_get(cq, (size_t)i, (size_t)i));
        diff[i] = data(r->mean)[i] - m[i];
    }
    for (int j = 0; j < d; j++) { /* tr(Cp^-1 Cq) = sum_j |Lp^-1 Lq e_j|^2 */
        gsl_vector *v = gsl_vector_alloc((size_t)d);
        for (int i = 0; i < d; i++) gsl_vector_set(v, (size_t)i, i >= j ? gsl_matrix_get(cq, (size_t)i, (size_t)j) : 0);
        gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, cp, v);
        for (int i = 0; i < d; i++) kl += gsl_vector_get(v, (size_t)i) * gsl_vector_get(v, (size_t)i);
        gsl_vector_free(v);
    }
    gsl_vector_view dv = gsl_vector_view_array(diff, (size_t)d);
    gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, cp, &dv.vector);
    for (int i = 0; i < d; i++) kl += diff[i] * diff[i];
    kl *= 0.5;
    double se = sqrt((e2 - e * e) / 24);
    if (fabs(e + kl) > 5 * se + 1e-12) check_fail(__FILE__, __LINE__, "ELBO %g, -KL %g (se %g)", e, -kl, se);
    gsl_matrix_free(cp);
    gsl_matrix_free(cq);
}

/* The draws' means within 5 standard errors of q's mean, their variances within 5 of
 * q's (normal draws: se of a variance v is v sqrt(2 / (n - 1))). */
static void check_draw_moments(const gen_pathfinder_result *r, int d, int64_t n) {
    const double *x = data(r->unconstrained);
    for (int j = 0; j < d; j++) {
        double v = data(r->cov)[j * d + j], s = 0, q = 0;
        check_column_mean("draws vs q", x, n, d, j, data(r->mean)[j], sqrt(v));
        for (int64_t i = 0; i < n; i++) s += x[i * d + j];
        s /= (double)n;
        for (int64_t i = 0; i < n; i++) q += (x[i * d + j] - s) * (x[i * d + j] - s);
        q /= (double)(n - 1);
        if (fabs(q - v) > 5 * v * sqrt(2.0 / (double)(n - 1)))
            check_fail(__FILE__, __LINE__, "draws: column %d variance %g, q's %g", j, q, v);
    }
}

static void test_gaussian_dense(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("chain3", chain3), gen_key_new(1), NULL, &tr));
    gen_pathfinder_config cfg = {.paths = 1, .draws = 4000, .covariance = true};
    gen_pathfinder_result r;
    CHECK_OK(gen_pathfinder(gen_key_new(2), tr, gen_select_all(), &cfg, &r));
    if (!r.draws) return;
    CHECK_SHAPE(r.draws, 4000, 3);
    CHECK_SHAPE(r.cov, 1, 3, 3);
    const double mean[3] = {1, 0.5, -1.5};
    const double cov[9] = {100, 50, 50, 50, 25.01, 25.01, 50, 25.01, 26.01};
    /* L-BFGS's inverse Hessian along the path (inexact line searches) is the target's
     * covariance to about 1e-5 */
    for (int i = 0; i < 3; i++) CHECK_NEAR(data(r.mean)[i], mean[i], 1e-3);
    for (int i = 0; i < 9; i++) CHECK_CLOSE(data(r.cov)[i], cov[i], 1e-4);
    check_elbo(&r, 3, mean, cov);
    for (int j = 0; j < 3; j++) check_column_mean("dense draws", data(r.draws), 4000, 3, j, mean[j], sqrt(cov[j * 4]));
}

static void test_gaussian_sparse(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("indep12", indep12), gen_key_new(3), NULL, &tr));
    gen_pathfinder_config cfg = {.paths = 1, .draws = 2000, .covariance = true};
    gen_pathfinder_result r;
    CHECK_OK(gen_pathfinder(gen_key_new(4), tr, gen_select_all(), &cfg, &r));
    if (!r.draws) return;
    /* 5 pairs do not pin 12 scales down: the approximation is close, not exact; its
     * ELBO is its own -KL and its draws have its moments */
    double mean[12], cov[144] = {0};
    for (int i = 0; i < 12; i++) {
        mean[i] = i - 5, cov[i * 13] = scale12(i) * scale12(i);
        CHECK_NEAR(data(r.mean)[i], mean[i], 0.1 * scale12(i));
        CHECK_CLOSE(data(r.cov)[i * 13], cov[i * 13], 0.25);
    }
    check_elbo(&r, 12, mean, cov);
    check_draw_moments(&r, 12, 2000);
}

static void test_bimodal(void) {
    gen_addr ya = {1, {gen_part_name("y")}};
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, gen_scalar(16));
    gen_trace *t = NULL;
    CHECK_OK(gen_generate(gen_dynamic("bimodal", bimodal), gen_key_new(5), NULL, obs, &t, NULL));
    gen_addr xa = {1, {gen_part_name("x")}};
    gen_pathfinder_config cfg = {.paths = 8, .draws = 500, .multi_draws = 2000};
    gen_pathfinder_result r;
    CHECK_OK(gen_pathfinder(gen_key_new(6), t, gen_select(1, &xa), &cfg, &r));
    if (!r.draws) return;
    CHECK_SHAPE(r.draws, 2000, 1);
    int64_t pos = 0;
    for (int64_t i = 0; i < 2000; i++) pos += data(r.draws)[i] > 0;
    /* each mode holds half the mass; binomial sd of the share 0.011, and the paths'
     * approximations differ: both modes must hold a good part */
    CHECK(pos > 600 && pos < 1400);
    CHECK(isfinite(r.pareto_k));
    CHECK(r.n_evals > 8 * 500);
}

static void test_positive(void) {
    gen_trace *tr = observed(counts, "k", 4, KS, 'i');
    gen_addr l = {1, {gen_part_name("l")}};
    const gen_selection *sel = gen_select(1, &l);
    gen_pathfinder_config cfg = {.paths = 1, .draws = 200};
    gen_pathfinder_result r;
    CHECK_OK(gen_pathfinder(gen_key_new(7), tr, sel, &cfg, &r));
    if (!r.draws) return;
    for (int64_t i = 0; i < 200; i++) {
        CHECK(data(r.draws)[i] > 0);
        CHECK_CLOSE(data(r.draws)[i], exp(data(r.unconstrained)[i]), 1e-12);
    }
    gen_trace *t5 = NULL;
    CHECK_OK(gen_pathfinder_trace(tr, sel, &r, 5, &t5));
    if (t5) CHECK_CLOSE(check_item(gen_choicemap_get_value(gen_trace_choices(t5), &l)), data(r.draws)[5], 1e-12);
    /* the posterior Gamma(12, rate 6) in log space is nearly normal: mean 2 within 5 se */
    check_column_mean("gamma-poisson", data(r.draws), 200, 1, 0, 2.0, sqrt(12.0) / 6);
    CHECK_ERROR(gen_pathfinder_trace(tr, sel, &r, 200, &t5), "draw 200 is outside");
    /* NUTS from Pathfinder's starts */
    gen_trace *inits[201];
    gen_array *im = NULL;
    CHECK_OK(gen_pathfinder_inits(gen_key_new(8), tr, sel, &cfg, 4, inits, &im));
    CHECK_SHAPE(im, 1);
    gen_nuts_config nc = gen_nuts_config_default();
    nc.warmup = 100, nc.draws = 100, nc.init_at_trace = true;
    gen_nuts_result nr;
    CHECK_OK(gen_nuts_sample(gen_key_new(9), 4, inits, sel, &nc, 1, &nr));
    CHECK_ERROR(gen_pathfinder_inits(gen_key_new(8), tr, sel, &cfg, 201, inits, NULL), "201 traces asked");
}

static void test_errors(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("chain3", chain3), gen_key_new(1), NULL, &tr));
    gen_pathfinder_result r;
    CHECK_ERROR(gen_pathfinder(gen_key_new(1), tr, gen_select_all(), &(gen_pathfinder_config){.history = -1}, &r),
                "history must be in 1..32 (0: 5), got -1");
    CHECK(r.draws == NULL);
    CHECK_ERROR(gen_pathfinder(gen_key_new(1), tr, gen_select_all(), &(gen_pathfinder_config){.tol_grad = NAN}, &r),
                "tol_grad must be finite");
    CHECK_ERROR(gen_pathfinder(gen_key_new(1), tr, gen_select_all(), &(gen_pathfinder_config){.paths = 300}, &r),
                "paths must be in");
    gen_addr xa = {1, {gen_part_name("x")}}, ya = {1, {gen_part_name("y")}};
    gen_choicemap *cm = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &xa, gen_scalar(200)), &ya,
                                          gen_scalar(0));
    gen_trace *rt = NULL;
    CHECK_OK(gen_generate(gen_dynamic("rejecting", rejecting), gen_key_new(1), NULL, cm, &rt, NULL));
    CHECK_ERROR(gen_pathfinder(gen_key_new(1), rt, gen_select(1, &xa), NULL, &r),
                "gen_pathfinder: path 0: no initial point with a finite log density and gradient in 100 tries");
}

int main(void) {
    gen_scope_begin();
    test_gaussian_dense();
    test_gaussian_sparse();
    test_bimodal();
    test_positive();
    test_errors();
    gen_scope_end();
    return check_finish();
}
