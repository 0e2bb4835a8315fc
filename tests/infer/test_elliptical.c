/* test_elliptical.c — elliptical slice sampling: a Gaussian process with normal noise
 * (5 inputs, posterior mean and covariance in closed form) and the scalar normal–normal
 * model, against the exact posterior within Monte Carlo error (batch means); the step
 * with a flat likelihood keeps the prior; the errors. */
#include <math.h>
#include <string.h>

#include "../testutil/oom.h"

enum { N = 5 };
static const double XS[N] = {0, 0.5, 1.0, 1.5, 2.0};
static const double YS[N] = {0.3, 0.9, 0.6, -0.2, -0.8};
static const double NOISE = 0.5;

static gen_array *kernel_matrix(void) {
    double k[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double d = XS[i] - XS[j];
            k[i * N + j] = exp(-d * d / (2 * 0.5 * 0.5)) + (i == j ? 1e-6 : 0);
        }
    return gen_array_from_f64(GEN_DIMS(N, N), k);
}

/* f ~ MvNormal(0, K); y/i ~ N(f[i], NOISE) */
static gen_status gp(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_array *f = gen_choose(ctx, "f", gen_mvnormal(gen_zeros(GEN_F64, GEN_DIMS(N)), args->v[0]));
    for (int i = 0; i < N && f; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(gen_take(f, gen_scalar_i64(i), 0), gen_scalar(NOISE)));
    }
    return gen_ctx_status(ctx);
}

static gen_choicemap *y_obs(const double *y, int n) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int i = 0; i < n; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        m = gen_choicemap_set(m, &a, gen_scalar(y[i]));
    }
    return m;
}

/* Column c of draws [n, d]: mean within 5 batch-means standard errors of m, variance
 * within 10% of v. */
static void check_column(const char *what, const double *d, int64_t n, int dims, int c, double m, double v) {
    enum { B = 50 };
    double mean = 0, var = 0, bm[B] = {0};
    for (int64_t i = 0; i < n; i++) mean += d[i * dims + c] / (double)n;
    for (int64_t i = 0; i < n; i++) var += (d[i * dims + c] - mean) * (d[i * dims + c] - mean) / (double)(n - 1);
    int64_t per = n / B;
    for (int b = 0; b < B; b++)
        for (int64_t i = 0; i < per; i++) bm[b] += d[(b * per + i) * dims + c] / (double)per;
    double sb = 0;
    for (int b = 0; b < B; b++) sb += (bm[b] - mean) * (bm[b] - mean);
    double se = sqrt(sb / (B - 1) / B);
    if (fabs(mean - m) > 5 * se) check_fail(__FILE__, __LINE__, "%s[%d]: mean %g, want %g (se %g)", what, c, mean, m, se);
    if (fabs(var - v) > 0.1 * v) check_fail(__FILE__, __LINE__, "%s[%d]: variance %g, want %g", what, c, var, v);
}

static void test_gp(void) {
    gen_array *K = kernel_matrix();
    gen_array *Kn = gen_add(K, gen_mul(gen_eye(N, GEN_F64), gen_scalar(NOISE * NOISE)));
    gen_array *y = gen_array_from_f64(GEN_DIMS(N), YS);
    gen_array *pm = gen_matmul(K, gen_solve(Kn, y)), *pc = gen_sub(K, gen_matmul(K, gen_solve(Kn, K)));
    gen_args args = {1, (gen_array *const[]){K}, NULL};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("gp", gp), gen_key_new(1), &args, y_obs(YS, N), &tr, NULL));
    gen_elliptical_kernel ek = {{1, {gen_part_name("f")}}, gen_zeros(GEN_F64, GEN_DIMS(N)), K};
    gen_chain_config cfg = {.burn_in = 100, .draws = 20000, .thin = 1, .sel = gen_select(1, &ek.addr)};
    gen_array *s = NULL;
    double rate = 0;
    CHECK_OK(gen_run_chain(gen_kernel_elliptical_slice(&ek), gen_key_new(2), tr, &cfg, &s, NULL, &rate));
    if (!s || !pm || !pc) return;
    CHECK_SHAPE(s, 20000, N);
    CHECK_NEAR(rate, 1.0, 0);
    const double *m = gen_array_data(pm), *c = gen_array_data(pc);
    for (int i = 0; i < N; i++) check_column("gp f", gen_array_data(s), 20000, N, i, m[i], c[i * N + i]);
    /* one cross covariance: f0 and f1 */
    const double *d = gen_array_data(s);
    double m0 = 0, m1 = 0, cv = 0;
    for (int i = 0; i < 20000; i++) m0 += d[i * N] / 20000, m1 += d[i * N + 1] / 20000;
    for (int i = 0; i < 20000; i++) cv += (d[i * N] - m0) * (d[i * N + 1] - m1) / 19999;
    CHECK_NEAR(cv, c[1], 0.1 * sqrt(c[0] * c[N + 1]));
}

/* mu ~ N(0, 1); y/i ~ N(mu, 1) (no y when args->user is set) */
static gen_status normal_normal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    for (int i = 0; i < (args && args->user ? 0 : 5); i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(mu, gen_scalar(1)));
    }
    return gen_ctx_status(ctx);
}

static void test_normal_normal(void) {
    static const double Y[5] = {0.8, 1.9, 1.1, 0.4, 1.5};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("nn", normal_normal), gen_key_new(1), NULL, y_obs(Y, 5), &tr, NULL));
    gen_elliptical_kernel ek = {{1, {gen_part_name("mu")}}, gen_scalar(0), gen_scalar(1)};
    gen_chain_config cfg = {.burn_in = 100, .draws = 20000, .thin = 1, .sel = gen_select(1, &ek.addr)};
    gen_array *s = NULL;
    CHECK_OK(gen_run_chain(gen_kernel_elliptical_slice(&ek), gen_key_new(3), tr, &cfg, &s, NULL, NULL));
    if (s) check_column("normal-normal mu", gen_array_data(s), 20000, 1, 0, 5.7 / 6, 1.0 / 6);
    /* no observations: the prior N(0, 1) is kept */
    gen_args none = {0, NULL, (void *)1};
    CHECK_OK(gen_simulate(gen_dynamic("nn", normal_normal), gen_key_new(4), &none, &tr));
    CHECK_OK(gen_run_chain(gen_kernel_elliptical_slice(&ek), gen_key_new(5), tr, &cfg, &s, NULL, NULL));
    if (s) check_column("prior mu", gen_array_data(s), 20000, 1, 0, 0, 1);
}

static gen_status coin(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_choose(ctx, "c", gen_bernoulli(gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_array *K = kernel_matrix();
    gen_args args = {1, (gen_array *const[]){K}, NULL};
    gen_trace *tr = NULL, *out = NULL;
    CHECK_OK(gen_generate(gen_dynamic("gp", gp), gen_key_new(1), &args, y_obs(YS, N), &tr, NULL));
    gen_addr f = {1, {gen_part_name("f")}}, g = {1, {gen_part_name("g")}}, c = {1, {gen_part_name("c")}};
    gen_array *z = gen_zeros(GEN_F64, GEN_DIMS(N));
    CHECK_ERROR(gen_elliptical_slice(tr, gen_key_new(1), &f, gen_zeros(GEN_F64, GEN_DIMS(3)), K, &out),
                "gen_elliptical_slice: mu must have the choice's shape (5 values)");
    CHECK(out == NULL);
    CHECK_ERROR(gen_elliptical_slice(tr, gen_key_new(1), &f, z, gen_eye(3, GEN_F64), &out), "cov must be [n, n] for this choice");
    CHECK_ERROR(gen_elliptical_slice(tr, gen_key_new(1), &f, z, gen_neg(gen_eye(N, GEN_F64)), &out), "cholesky");
    CHECK_ERROR(gen_elliptical_slice(tr, gen_key_new(1), &g, z, K, &out), "gen_elliptical_slice: ");
    CHECK_ERROR(gen_elliptical_slice(tr, gen_key_new(1), &f, NULL, K, &out), "gen_elliptical_slice: mu is NULL");
    CHECK_ERROR(gen_elliptical_slice(NULL, gen_key_new(1), &f, z, K, &out), "gen_elliptical_slice: the trace is NULL");
    gen_trace *ct = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("coin", coin), gen_key_new(1), NULL, &ct));
    CHECK_ERROR(gen_elliptical_slice(ct, gen_key_new(1), &c, gen_scalar(0), gen_scalar(1), &out), "the choice is bool, not a float");
}

static gen_status oom_workload(void) {
    gen_trace *tr = NULL, *out = NULL;
    gen_args none = {0, NULL, (void *)1};
    gen_gf *f = gen_dynamic("nn", normal_normal);
    gen_addr mu = {1, {gen_part_name("mu")}};
    gen_array *m = gen_scalar(0), *v = gen_scalar(1);
    gen_status s = f && m && v ? gen_simulate(f, gen_key_new(1), &none, &tr) : gen_error_status();
    if (s == GEN_OK) s = gen_elliptical_slice(tr, gen_key_new(2), &mu, m, v, &out);
    return s;
}

static void test_out_of_memory(void) { CHECK_OOM(oom_workload, 21); }

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    RUN_ONLY(test_gp);
    RUN_ONLY(test_normal_normal);
    RUN_ONLY(test_errors);
    RUN_ONLY(test_out_of_memory);
    return check_finish();
}
