/* test_constrained_nuts.c — NUTS through the bijections of Stan's constrained types, on
 * models with known posteriors (2 chains x 300 + 300, means within 5 MCSE): the order
 * statistics of normals (gen_ordered, ordered bijection) and of exponentials
 * (positive_ordered), the uniform unit vector (E x_i^2 = 1/K), a cholesky_cov factor
 * with a known density of its entries (gen_flat_on + gen_factor), and a box with
 * per-element bounds (gen_flat_on INTERVAL: uniform means). */
#include <math.h>

#include "check.h"

enum { CHAINS = 2, WARMUP = 300, DRAWS = 300 };

/* Column j of [chains, draws, dims] draws, squared when sq, within 5 MCSE of mean. */
static void check_mean(const char *what, const gen_array *draws, int64_t j, bool sq, double mean) {
    const int64_t *sh = gen_array_shape(draws);
    const double *x = gen_array_data(draws);
    static double buf[CHAINS * DRAWS];
    const double *ch[CHAINS];
    int64_t nd[CHAINS];
    for (int64_t c = 0; c < sh[0]; c++) {
        for (int64_t i = 0; i < sh[1]; i++) {
            double v = x[(c * sh[1] + i) * sh[2] + j];
            buf[c * sh[1] + i] = sq ? v * v : v;
        }
        ch[c] = buf + c * sh[1];
        nd[c] = sh[1];
    }
    gen_summary s;
    CHECK_OK(gen_summarize(ch, sh[0], nd, NULL, 0, &s));
    double se = s.sd / sqrt(s.ess_bulk);
    if (!(fabs(s.mean - mean) < 5 * se))
        check_fail(__FILE__, __LINE__, "%s [%lld]: mean %g, want %g (mcse %g, ess %g)", what, (long long)j, s.mean,
                   mean, se, s.ess_bulk);
    CHECK(s.ess_bulk > 50);
}

/* NUTS on every choice of f from its trace at the constraints (NULL: simulated), with
 * the explicit settings (the defaults change on main meanwhile). */
static gen_array *run(const char *what, gen_body body, gen_choicemap *cons, int64_t dims, uint64_t seed) {
    gen_gf *f = gen_dynamic(what, body);
    gen_trace *tr = NULL;
    if (cons) CHECK_OK(gen_generate(f, gen_key_new(seed), NULL, cons, &tr, NULL));
    else CHECK_OK(gen_simulate(f, gen_key_new(seed), NULL, &tr));
    if (!tr) return NULL;
    gen_nuts_config cfg = {.warmup = WARMUP, .draws = DRAWS, .metric = GEN_METRIC_DIAG, .init_radius = 2};
    gen_nuts_result r;
    gen_trace *init[CHAINS] = {tr, tr};
    CHECK_OK(gen_nuts_sample(gen_key_new(seed + 1), CHAINS, init, gen_select_all(), &cfg, 0, &r));
    if (!r.draws) return NULL;
    CHECK_SHAPE(r.draws, CHAINS, DRAWS, dims);
    /* rare divergences at most: the transforms keep the target smooth, but the ordered
     * gaps' log has a double-exponential upper tail (normal tails of the gaps), where a
     * step size fitted to the bulk diverges now and then (1 in 600 on some seeds; Stan's
     * ordered does the same) */
    const double *st = gen_array_data(r.stats);
    int div = 0;
    for (int64_t i = 0; i < CHAINS * (WARMUP + DRAWS); i++)
        div += i % (WARMUP + DRAWS) >= WARMUP && st[i * GEN_NUTS_NSTATS + GEN_NUTS_DIVERGENT] != 0;
    if (div > CHAINS * DRAWS / 100) check_fail(__FILE__, __LINE__, "%s: %d divergent transitions", what, div);
    return r.draws;
}

static gen_choicemap *one(const char *name, gen_array *v) {
    return gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){1, {gen_part_name(name)}}, v);
}

/* ---- ordered: c ~ ordered(normal(0, 1), 3) ---- */

static gen_status ordered_normal(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "c", gen_ordered(gen_normal(gen_scalar(0), gen_scalar(1)), 3));
    return gen_ctx_status(ctx);
}

static void test_ordered_normal(void) {
    gen_array *d = run("ordered_normal", ordered_normal, NULL, 3, 10);
    if (!d) return;
    double m = 3 / (2 * sqrt(3.14159265358979323846)); /* E of the order statistics of 3 standard normals */
    check_mean("ordered normal", d, 0, false, -m);
    check_mean("ordered normal", d, 1, false, 0);
    check_mean("ordered normal", d, 2, false, m);
}

/* ---- positive_ordered: s ~ ordered(exponential(2), 3) ---- */

static gen_status ordered_exp(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "s", gen_ordered(gen_exponential(gen_scalar(2)), 3));
    return gen_ctx_status(ctx);
}

static void test_ordered_exponential(void) {
    gen_array *d = run("ordered_exp", ordered_exp, NULL, 3, 20);
    if (!d) return;
    /* E X(k) = sum_(j<=k) 1 / (rate (K - j + 1)) */
    double acc = 0;
    for (int k = 0; k < 3; k++) check_mean("ordered exponential", d, k, false, acc += 1 / (2.0 * (3 - k)));
}

/* ---- unit_vector: u ~ unit_vector(3) ---- */

static gen_status unit(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "u", gen_unit_vector(3));
    return gen_ctx_status(ctx);
}

static void test_unit_vector(void) {
    gen_array *d = run("unit", unit, NULL, 3, 30);
    if (!d) return;
    for (int i = 0; i < 3; i++) {
        check_mean("unit_vector x_i", d, i, false, 0);
        check_mean("unit_vector x_i^2", d, i, true, 1.0 / 3);
    }
}

/* ---- cholesky_cov: L [3, 2] flat, with a factor giving its entries known densities:
 * each diagonal entry Exponential(1) (mean 1), each entry below it Normal(0.5, 1) ---- */

static gen_status chol(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *l = gen_choose(ctx, "L", gen_flat_on(GEN_SUPPORT_CHOLESKY_COV, NULL, NULL, GEN_DIMS(3, 2)));
    gen_array *below = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0, 0, 1, 0, 1, 1});
    gen_array *diag = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){1, 0, 0, 1, 0, 0});
    gen_array *z = gen_sub(l, gen_scalar(0.5));
    gen_array *lp = gen_sub(gen_mul(gen_scalar(-0.5), gen_sum(gen_mul(below, gen_square(z)), 0, NULL, false)),
                            gen_sum(gen_mul(diag, l), 0, NULL, false));
    gen_factor(ctx, lp);
    *retval = l;
    return gen_ctx_status(ctx);
}

static void test_cholesky_cov(void) {
    gen_array *init = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){1, 0, 0.2, 1, -0.3, 0.4});
    gen_array *d = run("chol", chol, one("L", init), 6, 40);
    if (!d) return;
    const double want[6] = {1, 0, 0.5, 1, 0.5, 0.5};
    for (int j = 0; j < 6; j++) {
        if (j == 1) { /* above the diagonal: exactly 0 */
            const double *x = gen_array_data(d);
            int bad = 0;
            for (int64_t i = 0; i < CHAINS * DRAWS; i++) bad += x[i * 6 + 1] != 0;
            CHECK(bad == 0);
            continue;
        }
        check_mean("cholesky_cov", d, j, false, want[j]);
    }
}

/* ---- vector<lower=L, upper=U>[3] with no prior: uniform on the box ---- */

static const double LO[3] = {0, -1, 2}, HI[3] = {1, 3, 2.5};

static gen_status box(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *lo = gen_array_from_f64(GEN_DIMS(3), LO), *hi = gen_array_from_f64(GEN_DIMS(3), HI);
    *retval = gen_choose(ctx, "x", gen_flat_on(GEN_SUPPORT_INTERVAL, lo, hi, GEN_DIMS(3)));
    return gen_ctx_status(ctx);
}

static void test_box(void) {
    gen_array *d = run("box", box, one("x", gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 0, 2.2})), 3, 50);
    if (!d) return;
    for (int j = 0; j < 3; j++) check_mean("box", d, j, false, (LO[j] + HI[j]) / 2);
    const double *x = gen_array_data(d);
    int bad = 0;
    for (int64_t i = 0; i < CHAINS * DRAWS * 3; i++) bad += !(x[i] > LO[i % 3] && x[i] < HI[i % 3]);
    CHECK(bad == 0);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_ordered_normal);
    RUN_ONLY(test_ordered_exponential);
    RUN_ONLY(test_unit_vector);
    RUN_ONLY(test_cholesky_cov);
    RUN_ONLY(test_box);
    return check_finish();
}
