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

/* a, b ~ N(0, 1), y ~ N(a + b, 0.5), y = 1: the posterior of (a, b) is Gaussian with
 * precision [[5, 4], [4, 5]], covariance [[5, -4], [-4, 5]] / 9 (correlation -0.8), mean
 * (4/9, 4/9); log p(y) = log N(1; 0, 2.25). The mean-field optimum has the exact mean and
 * variances 1 / 5 (the precision's diagonal inverted), and its ELBO falls short of log p(y)
 * by KL(q || p) = (log 25 - log 9) / 2. */
static gen_status corr_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *b = gen_choose(ctx, "b", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_add(a, b), gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static gen_trace *corr_trace(void) {
    gen_addr y = {1, {gen_part_name("y")}};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("corr", corr_model), gen_key_new(1), NULL,
                          gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(1)), &tr, NULL));
    return tr;
}

/* The sample correlation of the two columns of [n, 2] draws. */
static double draws_corr(const gen_array *x) {
    const double *v = gen_array_data(x);
    int64_t n = gen_array_dim(x, 0);
    double m0 = 0, m1 = 0, s00 = 0, s11 = 0, s01 = 0;
    for (int64_t i = 0; i < n; i++) m0 += v[2 * i] / (double)n, m1 += v[2 * i + 1] / (double)n;
    for (int64_t i = 0; i < n; i++) {
        double a = v[2 * i] - m0, b = v[2 * i + 1] - m1;
        s00 += a * a, s11 += b * b, s01 += a * b;
    }
    return s01 / sqrt(s00 * s11);
}

static void test_correlated(void) {
    gen_trace *tr = corr_trace();
    gen_addr ab[2] = {{1, {gen_part_name("a")}}, {1, {gen_part_name("b")}}};
    gen_selection *sel = gen_select(2, ab);
    double log_ml = -0.5 * (LOG_2PI + log(2.25) + 1 / 2.25);
    gen_advi_config cfg = {.family = GEN_ADVI_FULLRANK, .grad_samples = 10, .max_iters = 3000, .tol_rel_obj = 1e-12,
                           .draws = 2000};
    /* full-rank: per fit, mean, covariance entries and correlation of L L^T, last ELBO */
    double v[R * 7];
    for (int r = 0; r < R; r++) {
        gen_advi_result res;
        CHECK_OK(gen_advi(tr, gen_key_new(300 + (uint64_t)r), sel, &cfg, &res));
        const double *m = gen_array_data(res.mean), *L = gen_array_data(res.scale), *e = gen_array_data(res.elbo);
        CHECK(L && L[1] == 0); /* lower triangular */
        if (!m || !L || !e) return;
        double c00 = L[0] * L[0], c01 = L[2] * L[0], c11 = L[2] * L[2] + L[3] * L[3];
        double row[7] = {m[0], m[1], c00, c01, c11, c01 / sqrt(c00 * c11), e[gen_array_size(res.elbo) - 1]};
        for (int j = 0; j < 7; j++) v[r * 7 + j] = row[j];
        if (r == 0) { /* the draws have the fitted correlation (sd of a sample correlation: (1 - rho^2) / sqrt(n)) */
            double rho = row[5];
            CHECK_NEAR(draws_corr(res.draws), rho, 5 * (1 - rho * rho) / sqrt(2000.0));
        }
    }
    gen_array *f = gen_array_from_f64(2, (int64_t[]){R, 7}, v);
    check_mean("a", column(f, 0), 4.0 / 9);
    check_mean("b", column(f, 1), 4.0 / 9);
    check_mean("var a", column(f, 2), 5.0 / 9);
    check_mean("cov ab", column(f, 3), -4.0 / 9);
    check_mean("var b", column(f, 4), 5.0 / 9);
    check_mean("corr", column(f, 5), -0.8);
    check_mean("ELBO full-rank", column(f, 6), log_ml);
    /* mean-field: the exact mean, variances 1/5, no correlation, the ELBO KL below */
    cfg.family = GEN_ADVI_MEANFIELD;
    double w[R * 5];
    for (int r = 0; r < R; r++) {
        gen_advi_result res;
        CHECK_OK(gen_advi(tr, gen_key_new(400 + (uint64_t)r), sel, &cfg, &res));
        const double *m = gen_array_data(res.mean), *s = gen_array_data(res.scale), *e = gen_array_data(res.elbo);
        if (!m || !s || !e) return;
        CHECK_SHAPE(res.scale, 2);
        double row[5] = {m[0], m[1], s[0] * s[0], s[1] * s[1], e[gen_array_size(res.elbo) - 1]};
        for (int j = 0; j < 5; j++) w[r * 5 + j] = row[j];
        if (r == 0) CHECK_NEAR(draws_corr(res.draws), 0, 5 / sqrt(2000.0));
    }
    f = gen_array_from_f64(2, (int64_t[]){R, 5}, w);
    check_mean("a (mean-field)", column(f, 0), 4.0 / 9);
    check_mean("b (mean-field)", column(f, 1), 4.0 / 9);
    check_mean("var a (mean-field)", column(f, 2), 0.2);
    check_mean("var b (mean-field)", column(f, 3), 0.2);
    check_mean("ELBO mean-field", column(f, 4), log_ml - 0.5 * log(25.0 / 9));
}

/* s ~ lognormal(0, 1), y/i ~ N(log s, 1): log s has normal_model's posterior N(5.7/6, 1/6),
 * which ADVI fits in unconstrained space (s = exp(z)); the draws come back positive. */
static gen_status lognormal_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *s = gen_choose(ctx, "s", gen_lognormal(gen_scalar(0), gen_scalar(1)));
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(gen_log(s), gen_scalar(1)));
    }
    *retval = s;
    return gen_ctx_status(ctx);
}

static void test_positive(void) {
    gen_trace *tr = observed(lognormal_model, "y", 5, Y, 'f');
    gen_selection *sel = sel1("s");
    gen_advi_config cfg = {.grad_samples = 10, .max_iters = 2000, .tol_rel_obj = 1e-12, .draws = 500};
    gen_array *f = fits(tr, sel, cfg, 1, 500);
    check_mean("log s: mean", column(f, 0), 5.7 / 6);
    check_mean("log s: log sd", column(f, 1), 0.5 * log(1.0 / 6));
    check_mean("ELBO", column(f, 2), normal_model_log_ml());
    /* the draws: s = exp(z) > 0, and the batched trace holds them */
    gen_advi_result res;
    CHECK_OK(gen_advi(tr, gen_key_new(9), sel, &cfg, &res));
    CHECK_SHAPE(res.draws, 500, 1);
    CHECK_SHAPE(res.unconstrained, 500, 1);
    const double *x = gen_array_data(res.draws), *z = gen_array_data(res.unconstrained);
    int bad = 0;
    for (int i = 0; i < 500; i++) bad += !(x[i] > 0) || fabs(x[i] - exp(z[i])) > 1e-12 * x[i];
    CHECK(bad == 0);
    CHECK(gen_trace_batch_size(res.trace) == 500);
    gen_addr sa = {1, {gen_part_name("s")}};
    CHECK_ARRAY(gen_trace_value(res.trace, &sa), x, 500, 0, 0);
    /* each particle's score is the model's log density at its draw */
    const double *score = gen_array_data(gen_trace_score(res.trace));
    for (int i = 0; score && i < 5; i++) {
        double ls = log(x[i]), want = -ls - 0.5 * LOG_2PI - 0.5 * ls * ls;
        for (int j = 0; j < 5; j++) want += -0.5 * LOG_2PI - 0.5 * (Y[j] - ls) * (Y[j] - ls);
        CHECK_CLOSE(score[i], want, 1e-10);
    }
    double mu = 0, sd = 0;
    CHECK(gen_item(gen_slice(res.mean, 0, 0, 1, 1), &mu) == GEN_OK && gen_item(gen_slice(res.scale, 0, 0, 1, 1), &sd) == GEN_OK);
    /* the draws of s are lognormal(mu, sd): their mean within 5 MCSE of exp(mu + sd^2 / 2) */
    STATS_MOMENTS("s draws", res.draws, exp(mu + sd * sd / 2), (exp(sd * sd) - 1) * exp(2 * mu + sd * sd));
}

/* The same key gives the same fit; the ELBO history is every eval_elbo iterations. */
static void test_determinism_history(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_selection *sel = sel1("mu");
    gen_advi_config cfg = {.eval_elbo = 50, .max_iters = 400, .tol_rel_obj = 1e-12, .draws = 5};
    gen_advi_result a, b;
    CHECK_OK(gen_advi(tr, gen_key_new(4), sel, &cfg, &a));
    CHECK_OK(gen_advi(tr, gen_key_new(4), sel, &cfg, &b));
    CHECK(check_item(a.mean) == check_item(b.mean) && check_item(a.scale) == check_item(b.scale));
    CHECK(a.iterations == 400 && !a.converged);
    CHECK_SHAPE(a.elbo, 8);
    const int64_t *it = gen_array_data(a.elbo_iter);
    CHECK(it && it[0] == 50 && it[7] == 400);
    CHECK(a.eta > 0);
    /* no adaptation: eta as given */
    cfg.no_adapt = true;
    cfg.eta = 0.3;
    CHECK_OK(gen_advi(tr, gen_key_new(4), sel, &cfg, &a));
    CHECK(a.eta == 0.3);
    /* converging: the default tolerance stops before max_iters */
    gen_advi_config dflt = {.draws = 5};
    CHECK_OK(gen_advi(tr, gen_key_new(4), sel, &dflt, &a));
    CHECK(a.converged && a.iterations < 10000 && a.iterations % 100 == 0);
}

/* x ~ N(0, 1), y ~ N(0, x), y = 0.5: draws with x <= 0 are rejected by the model (sigma
 * must be > 0) and dropped; with one gradient draw, a single rejection fails the run. */
static gen_status sd_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), x));
    return gen_ctx_status(ctx);
}

static void test_drops(void) {
    gen_addr xa = {1, {gen_part_name("x")}}, ya = {1, {gen_part_name("y")}};
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &ya, gen_scalar(0.5)), &xa, gen_scalar(1));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("sd", sd_model), gen_key_new(1), NULL, obs, &tr, NULL));
    gen_selection *sel = sel1("x");
    gen_advi_config cfg = {.grad_samples = 10, .max_iters = 300, .tol_rel_obj = 1e-12, .draws = 5};
    gen_advi_result res;
    CHECK_OK(gen_advi(tr, gen_key_new(2), sel, &cfg, &res));
    CHECK(check_item(res.mean) > 0);
    cfg.grad_samples = 1;
    cfg.max_iters = 10000;
    CHECK(gen_advi(tr, gen_key_new(2), sel, &cfg, &res) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "the gradient could not be estimated: 1 of 1 draws from the approximation were rejected by the model");
    CHECK(res.mean == NULL && res.trace == NULL);
}

typedef struct progress_log {
    int calls;
    int64_t cancel_at, last_done, total;
    const char *last_phase;
    bool saw_adaptation, saw_optimization;
} progress_log;

static bool on_progress(void *ud, const gen_progress_info *info) {
    progress_log *p = ud;
    p->calls++;
    p->last_done = info->done;
    p->total = info->total;
    p->last_phase = info->phase;
    p->saw_adaptation |= strcmp(info->phase, "adaptation") == 0;
    p->saw_optimization |= strcmp(info->phase, "optimization") == 0;
    return info->done != p->cancel_at;
}

static void test_progress_cancel(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_selection *sel = sel1("mu");
    progress_log p = {.cancel_at = -1};
    gen_advi_config cfg = {.max_iters = 300, .tol_rel_obj = 1e-12, .draws = 5, .progress = {on_progress, &p}};
    gen_advi_result res;
    CHECK_OK(gen_advi(tr, gen_key_new(5), sel, &cfg, &res));
    CHECK(p.total == 250 + 300 && p.last_done == 550 && p.saw_adaptation && p.saw_optimization);
    /* cancelled during the adaptation: the initial approximation, eta 0 */
    p = (progress_log){.cancel_at = 120};
    CHECK(gen_advi(tr, gen_key_new(5), sel, &cfg, &res) == GEN_CANCELLED);
    CHECK_ERROR(GEN_CANCELLED, "gen_advi: cancelled by the progress callback (chain 0, after 120 of 550 iterations)");
    CHECK(res.eta == 0 && res.iterations == 0);
    CHECK_CLOSE(check_item(res.mean), check_item(gen_trace_value(tr, &(gen_addr){1, {gen_part_name("mu")}})), 0);
    CHECK_CLOSE(check_item(res.scale), 1, 0);
    CHECK(gen_trace_batch_size(res.trace) == 5);
    /* in the optimization: the approximation reached */
    p = (progress_log){.cancel_at = 250 + 40};
    CHECK(gen_advi(tr, gen_key_new(5), sel, &cfg, &res) == GEN_CANCELLED);
    CHECK_ERROR(GEN_CANCELLED, "after 290 of 550 iterations");
    CHECK(res.iterations == 40 && res.eta > 0 && res.mean != NULL);
    CHECK(p.last_done == 290 && p.calls >= 41 && strcmp(p.last_phase, "optimization") == 0);
    /* no adaptation: the optimization alone */
    p = (progress_log){.cancel_at = -1};
    cfg.no_adapt = true;
    CHECK_OK(gen_advi(tr, gen_key_new(5), sel, &cfg, &res));
    CHECK(p.total == 300 && p.calls == 301 && !p.saw_adaptation);
}

static void test_errors(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_selection *sel = sel1("mu");
    gen_advi_config cfg = {0};
    gen_advi_result res;
    CHECK_ERROR(gen_advi(NULL, gen_key_new(1), sel, &cfg, &res), "gen_advi: the trace is NULL");
    CHECK_ERROR(gen_advi(tr, gen_key_new(1), NULL, &cfg, &res), "gen_advi: the selection is NULL");
    CHECK_ERROR(gen_advi(tr, gen_key_new(1), sel, NULL, &res), "gen_advi: the config is NULL");
    CHECK_ERROR(gen_advi(tr, gen_key_new(1), sel, &cfg, NULL), "gen_advi: out is NULL");
    struct {
        gen_advi_config c;
        const char *msg;
    } bad[] = {
        {{.family = 2}, "gen_advi: unknown family 2"},
        {{.grad_samples = -1}, "gen_advi: grad_samples must be >= 0 (0: the default), got -1"},
        {{.draws = -5}, "draws must be >= 0 (0: the default), got -5"},
        {{.max_iters = -1}, "max_iters must be >= 0"},
        {{.tol_rel_obj = NAN}, "tol_rel_obj must be finite and >= 0"},
        {{.eta = -1}, "eta must be finite and >= 0 (0: 1), got -1"},
        {{.optimizer = &(gen_opt_config){.kind = GEN_OPT_ADAM}}, "gen_advi: the optimizer: gen_optimizer_new: step must be finite and > 0, got 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(gen_advi(tr, gen_key_new(1), sel, &bad[i].c, &res) == GEN_ERR_VALUE);
        CHECK_ERROR(GEN_ERR_VALUE, bad[i].msg);
        CHECK(res.mean == NULL && res.draws == NULL && res.trace == NULL);
    }
    /* the target's errors: a selection of an address the trace lacks */
    CHECK_ERROR(gen_advi(tr, gen_key_new(1), sel1("muu"), &cfg, &res), "the selection names muu, which the trace does not have");
}

/* Any optimizer of genc/learn.h drives the ascent: Adam with a small step, no adaptation. */
static void test_other_optimizers(void) {
    gen_trace *tr = observed(normal_model, "y", 5, Y, 'f');
    gen_selection *sel = sel1("mu");
    gen_opt_config adam = {.kind = GEN_OPT_ADAM, .step = 0.01};
    gen_advi_config cfg = {.grad_samples = 20, .max_iters = 1500, .tol_rel_obj = 1e-12, .no_adapt = true,
                           .optimizer = &adam, .draws = 5};
    gen_array *f = fits(tr, sel, cfg, 1, 600);
    check_mean("mu (Adam)", column(f, 0), 5.7 / 6);
    check_mean("log sd (Adam)", column(f, 1), 0.5 * log(1.0 / 6));
    /* the eta search scales the optimizer's step */
    cfg.no_adapt = false;
    cfg.max_iters = 200;
    gen_advi_result res;
    CHECK_OK(gen_advi(tr, gen_key_new(3), sel, &cfg, &res));
    CHECK(res.eta == 100 || res.eta == 10 || res.eta == 1 || res.eta == 0.1 || res.eta == 0.01);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_meanfield_conjugate);
    RUN_ONLY(test_fullrank_conjugate);
    RUN_ONLY(test_correlated);
    RUN_ONLY(test_positive);
    RUN_ONLY(test_determinism_history);
    RUN_ONLY(test_drops);
    RUN_ONLY(test_progress_cancel);
    RUN_ONLY(test_errors);
    RUN_ONLY(test_other_optimizers);
    return check_finish();
}
