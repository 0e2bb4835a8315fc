/* test_enumerate.c — exact enumeration: the discrete HMM's log marginal likelihood and
 * state marginals against the forward algorithm (1e-10), the normal–normal marginal
 * likelihood and posterior by a 1-d grid of cells, the one-or-two-component mixture's
 * marginal likelihoods by 1-d and 2-d grids against numerical integration, errors. */
#include "hmm_model.h"
#include "../testutil/oom.h"

static void test_hmm(void) {
    double exact[HMM_T][HMM_S];
    double lml_fb = hmm_forward_backward(exact);
    CHECK_NEAR(lml_fb, -10.803295537640826, 1e-12); /* brute force in numpy */
    gen_grid_axis axes[HMM_T];
    gen_array *states = gen_arange(0, HMM_S, 1, GEN_I64);
    for (int t = 0; t < HMM_T; t++) axes[t] = (gen_grid_axis){hmm_addr("z", t), states, NULL};
    gen_array *lp = NULL;
    double lml = 0;
    CHECK_OK(gen_enumerate(gen_dynamic("hmm", hmm_body), NULL, hmm_obs(), HMM_T, axes, &lp, &lml));
    CHECK_NEAR(lml, lml_fb, 1e-10);
    if (!lp) return;
    int64_t n = 59049;
    CHECK_SHAPE(lp, n);
    const double *l = gen_array_data(lp);
    double marg[HMM_T][HMM_S] = {{0}};
    for (int64_t p = 0; p < n; p++) {
        int64_t q = p;
        for (int t = HMM_T - 1; t >= 0; t--, q /= HMM_S) marg[t][q % HMM_S] += exp(l[p]);
    }
    for (int t = 0; t < HMM_T; t++)
        for (int s = 0; s < HMM_S; s++) CHECK_NEAR(marg[t][s], exact[t][s], 1e-10);
}

static const double Y[5] = {0.8, 1.9, 1.1, 0.4, 1.5};

/* mu ~ N(0, 1); y/i ~ N(mu, 1) */
static gen_status normal_normal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(mu, gen_scalar(1)));
    }
    return gen_ctx_status(ctx);
}

static gen_choicemap *y_obs(gen_choicemap *m, const double *y, int n) {
    for (int i = 0; i < n; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        m = gen_choicemap_set(m, &a, gen_scalar(y[i]));
    }
    return m;
}

/* n cells on [lo, hi]: midpoints and the cell width. */
static gen_grid_axis cells(const char *path, double lo, double hi, int64_t n) {
    gen_grid_axis ax = {{0}, NULL, NULL};
    gen_addr_parse(&ax.addr, path);
    double h = (hi - lo) / (double)n;
    ax.values = gen_linspace(lo + h / 2, hi - h / 2, n);
    ax.volumes = gen_scalar(h);
    return ax;
}

static void test_normal_normal(void) {
    /* y ~ N(0, I + 11^T): log ml = -n/2 log 2pi - 1/2 log(1 + n) - 1/2 (|y|^2 - (sum y)^2 / (1 + n)) */
    double sy = 0, syy = 0;
    for (int i = 0; i < 5; i++) sy += Y[i], syy += Y[i] * Y[i];
    double exact = -2.5 * log(2 * 3.141592653589793) - 0.5 * log(6.0) - 0.5 * (syy - sy * sy / 6);
    gen_grid_axis ax = cells("mu", -10, 10, 4000);
    gen_array *lp = NULL;
    double lml = 0;
    CHECK_OK(gen_enumerate(gen_dynamic("nn", normal_normal), NULL, y_obs(gen_choicemap_empty(), Y, 5), 1, &ax, &lp, &lml));
    /* the midpoint rule on a smooth, fast-decaying integrand: far below 1e-8 */
    CHECK_NEAR(lml, exact, 1e-8);
    if (!lp) return;
    const double *l = gen_array_data(lp), *x = gen_array_data(ax.values);
    double m = 0, v = 0;
    for (int i = 0; i < 4000; i++) m += exp(l[i]) * x[i];
    for (int i = 0; i < 4000; i++) v += exp(l[i]) * (x[i] - m) * (x[i] - m);
    CHECK_NEAR(m, sy / 6, 1e-8);
    CHECK_NEAR(v, 1.0 / 6, 1e-5); /* plus h^2/12 from the cells */
    /* a coarse grid is off by about its discretization error */
    gen_grid_axis coarse = cells("mu", -10, 10, 20);
    CHECK_OK(gen_enumerate(gen_dynamic("nn", normal_normal), NULL, y_obs(gen_choicemap_empty(), Y, 5), 1, &coarse, NULL, &lml));
    CHECK(fabs(lml - exact) > 1e-6 && fabs(lml - exact) < 0.1);
}

/* the split/merge test's mixture: k ~ U{1, 2}; mu/j ~ N(0, 2); y/i ~ mixture */
static const double YM[5] = {-1.6, -1.1, -0.7, 1.2, 1.9};
static gen_status mixture(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_array *k = gen_choose(ctx, "k", gen_uniform_discrete(gen_scalar_i64(1), gen_scalar_i64(2)));
    int64_t K = 0;
    if (!k || gen_item_i64(k, &K) != GEN_OK) return gen_ctx_status(ctx);
    gen_array *mus[2];
    for (int j = 0; j < K; j++) {
        gen_addr a = {2, {gen_part_name("mu"), gen_part_int(j)}};
        if (!(mus[j] = gen_choose_at(ctx, &a, gen_normal(gen_scalar(0), gen_scalar(2))))) return gen_ctx_status(ctx);
    }
    gen_dist *comp = gen_mixture(gen_full(GEN_F64, GEN_DIMS(K), 1.0 / (double)K),
                                 gen_normal(gen_stack((int)K, mus, 0), gen_scalar(1)));
    for (int i = 0; i < 5; i++) {
        gen_addr a = {2, {gen_part_name("y"), gen_part_int(i)}};
        gen_choose_at(ctx, &a, comp);
    }
    return gen_ctx_status(ctx);
}

static void test_mixture(void) {
    gen_gf *f = gen_dynamic("mixture", mixture);
    gen_addr ka = {1, {gen_part_name("k")}};
    double l1 = 0, l2 = 0;
    gen_grid_axis a1 = cells("mu/0", -12, 12, 480);
    CHECK_OK(gen_enumerate(f, NULL, y_obs(gen_choicemap_set(gen_choicemap_empty(), &ka, gen_scalar_i64(1)), YM, 5), 1, &a1,
                           NULL, &l1));
    gen_grid_axis a2[2] = {cells("mu/0", -12, 12, 240), cells("mu/1", -12, 12, 240)};
    CHECK_OK(gen_enumerate(f, NULL, y_obs(gen_choicemap_set(gen_choicemap_empty(), &ka, gen_scalar_i64(2)), YM, 5), 2, a2,
                           NULL, &l2));
    /* log p(y, k) by scipy (k = 1: exact Gaussian; k = 2: a 2401^2 grid), log p(k) = log 1/2 */
    CHECK_NEAR(l1, -10.763382456313646 + log(0.5), 1e-9);
    CHECK_NEAR(l2, -9.795397411203298 + log(0.5), 1e-7);
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("nn", normal_normal);
    gen_grid_axis ax = cells("mu", -1, 1, 4);
    double lml;
    CHECK_ERROR(gen_enumerate(f, NULL, NULL, 1, &ax, NULL, &lml), "gen_enumerate: grid point 0: ");
    gen_grid_axis wrong = cells("nu", -1, 1, 4);
    CHECK_ERROR(gen_enumerate(f, NULL, y_obs(gen_choicemap_empty(), Y, 5), 1, &wrong, NULL, &lml), "gen_enumerate: grid point 0: ");
    CHECK_ERROR(gen_enumerate(f, NULL, NULL, 0, &ax, NULL, &lml), "needs at least one axis");
    gen_grid_axis bad_vol = ax;
    bad_vol.volumes = gen_scalar(-1);
    CHECK_ERROR(gen_enumerate(f, NULL, NULL, 1, &bad_vol, NULL, &lml), "axis 0: cell volume 0 is -1, not a positive number");
    gen_grid_axis bad_shape = ax;
    bad_shape.volumes = gen_ones(GEN_F64, GEN_DIMS(3));
    CHECK_ERROR(gen_enumerate(f, NULL, NULL, 1, &bad_shape, NULL, &lml), "axis 0: volumes must be 0-d or [4]");
    gen_grid_axis scalar = ax;
    scalar.values = gen_scalar(1);
    CHECK_ERROR(gen_enumerate(f, NULL, NULL, 1, &scalar, NULL, &lml), "axis 0: values must have a leading axis");
    /* a grid where every point is impossible: sigma's support */
    gen_grid_axis far = {{1, {gen_part_name("mu")}}, gen_array_from_f64(GEN_DIMS(1), (const double[]){1e200}), NULL};
    CHECK_ERROR(gen_enumerate(f, NULL, y_obs(gen_choicemap_empty(), Y, 5), 1, &far, NULL, &lml),
                "every grid point has probability zero");
    CHECK_ERROR(gen_enumerate(NULL, NULL, NULL, 1, &ax, NULL, &lml), "gen_enumerate: the model is NULL");
}

static gen_status oom_workload(void) {
    gen_gf *f = gen_dynamic("nn", normal_normal);
    gen_choicemap *obs = y_obs(gen_choicemap_empty(), Y, 5);
    gen_grid_axis ax = cells("mu", -3, 3, 3);
    gen_array *lp = NULL;
    double lml = 0;
    return f && obs && ax.values && ax.volumes ? gen_enumerate(f, NULL, obs, 1, &ax, &lp, &lml) : gen_error_status();
}

static void test_out_of_memory(void) { CHECK_OOM(oom_workload, 21); }

int main(void) {
    RUN(test_hmm);
    RUN(test_normal_normal);
    RUN(test_mixture);
    RUN(test_errors);
    RUN(test_out_of_memory);
    return check_finish();
}
