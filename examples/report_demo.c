/* report_demo.c — a GenC report end to end: NUTS with 4 chains on the centered eight
 * schools model (whose funnel makes NUTS diverge, so the report has divergences to mark),
 * and importance sampling on a conjugate normal model whose exact log marginal likelihood
 * is the reference line of a series; everything goes into one HTML report.
 *
 *   genc-report-demo [OUT.html]       (default: report_demo.html)
 *
 *   eight schools   mu ~ N(0, 5); tau ~ half-Cauchy(5); theta[j] ~ N(mu, tau);
 *                   y[j] ~ N(theta[j], sigma[j]), j = 1..8 (Rubin 1981)
 *   normal mean     m ~ N(0, 1); z[i] ~ N(m, 1), i = 1..5 observed */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "genc.h"

#define J 8
static const double Y[J] = {28, 8, -3, 7, -1, 1, 18, 12};
static const double SIGMA[J] = {15, 10, 16, 11, 9, 11, 10, 18};
#define NZ 5
static const double Z[NZ] = {0.8, 1.9, 0.3, 1.2, 1.6};

static gen_status eight_schools(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(5)));
    gen_array *tau = gen_choose(ctx, "tau", gen_half_cauchy(gen_scalar(5)));
    gen_array *theta = gen_choose(ctx, "theta", gen_broadcasted_normal(gen_add(gen_zeros(GEN_F64, GEN_DIMS(J)), mu), tau));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(theta, args->v[0]));
    return gen_ctx_status(ctx);
}

static gen_status normal_mean(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *m = gen_choose(ctx, "m", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "z", gen_broadcasted_normal(gen_add(gen_zeros(GEN_F64, GEN_DIMS(NZ)), m), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* log N(z; 0, I + 1 1^T): the normal mean model's exact log marginal likelihood */
static double normal_mean_log_ml(void) {
    double s = 0, ss = 0;
    for (int i = 0; i < NZ; i++) s += Z[i], ss += Z[i] * Z[i];
    return -0.5 * NZ * log(2 * 3.14159265358979323846) - 0.5 * log(1.0 + NZ) - 0.5 * (ss - s * s / (1.0 + NZ));
}

static int fail(const char *what) {
    fprintf(stderr, "report_demo: %s: %s\n", what, gen_error_message());
    return 1;
}

/* The recorded columns' names, in gen_choicemap_flatten's (deep) order: "mu", "tau",
 * "theta[1]", ... */
static int column_names(const gen_choicemap *latents, char names[][48], int cap) {
    gen_choicemap_iter it;
    int k = 0;
    gen_choicemap_iter_init(&it, latents);
    while (gen_choicemap_iter_next(&it)) {
        char a[24];
        gen_addr_format(&it.addr, a, sizeof a);
        int64_t n = gen_array_size(it.value);
        for (int64_t i = 0; i < n && k < cap; i++, k++) {
            if (gen_array_ndim(it.value) == 0) snprintf(names[k], 48, "%s", a);
            else snprintf(names[k], 48, "%s[%lld]", a, (long long)(i + 1));
        }
    }
    return k;
}

static int run(gen_report *rep) {
    /* 1. NUTS on eight schools */
    gen_gf *f = gen_dynamic("eight_schools", eight_schools);
    gen_array *sigma = gen_array_from_f64(GEN_DIMS(J), SIGMA);
    gen_args args = {1, &sigma, NULL};
    gen_addr ya;
    gen_addr_parse(&ya, "y");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ya, gen_array_from_f64(GEN_DIMS(J), Y));
    gen_trace *tr = NULL;
    if (gen_generate(f, gen_key_new(1), &args, obs, &tr, NULL) != GEN_OK) return fail("the initial trace");
    gen_selection *latent = gen_selection_complement(gen_select(1, &ya));
    enum { CHAINS = 4, WARMUP = 500, DRAWS = 500 };
    gen_nuts_config cfg = {.warmup = WARMUP, .draws = DRAWS, .metric = GEN_METRIC_DIAG, .init_radius = 2};
    gen_trace *init[CHAINS] = {tr, tr, tr, tr};
    gen_nuts_result res;
    if (gen_nuts_sample(gen_key_new(2), CHAINS, init, latent, &cfg, 0, &res) != GEN_OK) return fail("NUTS");
    char names[2 + J][48];
    const char *cols[2 + J];
    int ncols = column_names(gen_choicemap_restrict(gen_trace_choices(tr), latent), names, 2 + J);
    for (int k = 0; k < ncols; k++) cols[k] = names[k];
    /* the divergences of the sampling iterations, and per-chain statistics */
    const double *st = gen_array_data(res.stats);
    double div[CHAINS * DRAWS], accept[CHAINS] = {0};
    int ndiv[CHAINS] = {0};
    for (int c = 0; c < CHAINS; c++)
        for (int i = 0; i < DRAWS; i++) {
            const double *row = st + ((int64_t)c * (WARMUP + DRAWS) + WARMUP + i) * GEN_NUTS_NSTATS;
            div[c * DRAWS + i] = row[GEN_NUTS_DIVERGENT];
            ndiv[c] += row[GEN_NUTS_DIVERGENT] != 0;
            accept[c] += row[GEN_NUTS_ACCEPT_STAT] / DRAWS;
        }
    gen_array *divergent = gen_array_from_f64(GEN_DIMS(CHAINS, DRAWS), div);
    gen_report_add_text(rep, "Eight schools",
                        "The centered parameterization of Rubin's eight schools: mu ~ N(0, 5), tau ~ half-Cauchy(5), "
                        "theta[j] ~ N(mu, tau), y[j] ~ N(theta[j], sigma[j]).\n"
                        "Its funnel between tau and theta makes NUTS diverge where tau is small: the divergent "
                        "transitions are marked red, and R-hat and ESS of tau show the trouble.");
    if (gen_report_add_draws(rep, "NUTS, centered eight schools", res.draws, cols, ncols, divergent) != GEN_OK ||
        gen_report_set_pairs(rep, (const char *[]){"mu", "tau", "theta[1]"}, 3) != GEN_OK)
        return fail("the draws");
    const double *steps = gen_array_data(res.step_size);
    char cells[CHAINS][4][32];
    const char *cellp[CHAINS * 4];
    for (int c = 0; c < CHAINS; c++) {
        snprintf(cells[c][0], 32, "%d", c + 1);
        snprintf(cells[c][1], 32, "%.3f", steps[c]);
        snprintf(cells[c][2], 32, "%.3f", accept[c]);
        snprintf(cells[c][3], 32, "%d", ndiv[c]);
        for (int k = 0; k < 4; k++) cellp[c * 4 + k] = cells[c][k];
    }
    if (gen_report_add_table(rep, "NUTS per chain", CHAINS, 4,
                             (const char *[]){"chain", "step size", "mean acceptance", "divergences"}, cellp) != GEN_OK)
        return fail("the table");

    /* 2. importance sampling's log marginal likelihood against the exact one */
    gen_gf *g = gen_dynamic("normal_mean", normal_mean);
    gen_addr za;
    gen_addr_parse(&za, "z");
    gen_choicemap *zobs = gen_choicemap_set(gen_choicemap_empty(), &za, gen_array_from_f64(GEN_DIMS(NZ), Z));
    gen_args none = {0, NULL, NULL};
    enum { STEPS = 14 };
    double x[STEPS], lml[STEPS];
    for (int k = 0; k < STEPS; k++) {
        gen_trace *bt = NULL;
        gen_array *lw = NULL;
        x[k] = k + 1;
        if (gen_importance_sampling_batched(g, gen_key_new(10 + k), &none, zobs, NULL, NULL, (int64_t)1 << (k + 1), &bt,
                                            &lw, &lml[k]) != GEN_OK)
            return fail("importance sampling");
    }
    gen_report_series s = {.title = "Importance sampling: log marginal likelihood",
                           .xlabel = "log2 of the number of particles",
                           .ylabel = "log marginal likelihood",
                           .n = STEPS, .x = x, .y = lml,
                           .has_reference = true, .reference = normal_mean_log_ml(),
                           .reference_label = "exact"};
    if (gen_report_add_series(rep, &s) != GEN_OK) return fail("the series");
    return 0;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "report_demo.html";
    gen_report *rep = gen_report_new("GenC report demo");
    if (!rep) return fail("the report");
    gen_scope_begin();
    int rc = run(rep);
    gen_scope_end();
    if (rc == 0 && gen_report_write_html(rep, path) != GEN_OK) rc = fail("writing the report");
    gen_report_free(rep);
    if (rc == 0) printf("report_demo: wrote %s\n", path);
    return rc;
}
