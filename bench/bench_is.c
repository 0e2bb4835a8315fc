/* bench_is.c — importance sampling with the prior as proposal on the polynomial
 * regression of GenJAX's benchmark (issue 4): a, b, c ~ N(0, 1); y_i ~ N(a + b x_i +
 * c x_i^2, 0.05), 50 points on [0, 1], data from a = 0.5, b = -1.25, c = 2.0. One
 * particle at a time through gen_generate, N = 1000 and 10000, milliseconds per run, for
 * two ways of writing the observations: 50 scalar choices y/i (as Gen.jl's dynamic DSL
 * benchmark does) and one array-valued choice. Baseline: the same log weights computed by
 * a plain C loop, in the same run. Then batched: gen_generate_batched runs the same
 * model code once for all N particles (choices [N], weights [N]). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "genc.h"

#define N_POINTS 50

static gen_status model_scalar(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    const double *x = gen_array_data(args->v[0]);
    gen_array *sd = gen_scalar(0.05);
    gen_part y = gen_part_name("y");
    for (int i = 0; i < N_POINTS; i++) {
        gen_array *xi = gen_scalar(x[i]);
        gen_array *mu = gen_add(a, gen_mul(xi, gen_add(b, gen_mul(c, xi))));
        gen_addr addr = {2, {y, gen_part_int(i)}};
        gen_choose_at(ctx, &addr, gen_normal(mu, sd));
    }
    *retval = NULL;
    return gen_ctx_status(ctx);
}

static gen_status model_vector(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(0.05)));
    return gen_ctx_status(ctx);
}

typedef struct run {
    gen_gf *model;
    gen_args args;
    gen_choicemap *data;
    int n;
    double *logw;
} run;

static void run_is(void *arg) {
    run *r = arg;
    gen_key key = gen_key_new(7);
    for (int i = 0; i < r->n; i++) {
        gen_scope_begin();
        gen_trace *tr;
        gen_array *w;
        if (gen_generate(r->model, gen_key_fold_in(key, (uint64_t)i), &r->args, r->data, &tr, &w) == GEN_OK)
            gen_item(w, &r->logw[i]);
        gen_scope_end();
    }
}

/* All particles at once: the same model code in batched mode. */
static void run_batched(void *arg) {
    run *r = arg;
    gen_scope_begin();
    gen_trace *tr;
    gen_array *w;
    if (gen_generate_batched(r->model, gen_key_new(7), r->n, &r->args, r->data, &tr, &w) == GEN_OK)
        gen_array_copy_to(w, GEN_F64, r->logw, (size_t)r->n * sizeof *r->logw);
    else
        r->logw[0] = NAN;
    gen_scope_end();
}

static double ydata[N_POINTS], xdata[N_POINTS];

/* The same computation by hand: prior draws and the Gaussian log likelihood. */
static void run_c(void *arg) {
    run *r = arg;
    unsigned s = 7;
    for (int i = 0; i < r->n; i++) {
        double p[3];
        for (int k = 0; k < 3; k++) { /* Box–Muller from rand_r: a cheap prior draw */
            double u1 = (rand_r(&s) + 1.0) / (RAND_MAX + 2.0), u2 = (rand_r(&s) + 1.0) / (RAND_MAX + 2.0);
            p[k] = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
        }
        double lw = 0;
        for (int j = 0; j < N_POINTS; j++) {
            double z = (ydata[j] - (p[0] + xdata[j] * (p[1] + p[2] * xdata[j]))) / 0.05;
            lw += -0.5 * z * z - log(0.05) - 0.91893853320467274;
        }
        r->logw[i] = lw;
    }
}

int main(void) {
    openblas_set_num_threads(1);
    gen_scope_begin();
    gen_array *x = gen_linspace(0, 1, N_POINTS);
    gen_array_copy_to(x, GEN_F64, xdata, sizeof xdata);
    gen_key dk = gen_key_new(42);
    gen_array *noise = gen_random_normal(dk, GEN_F64, GEN_DIMS(N_POINTS));
    for (int i = 0; i < N_POINTS; i++)
        ydata[i] = 0.5 - 1.25 * xdata[i] + 2.0 * xdata[i] * xdata[i] + 0.05 * ((const double *)gen_array_data(noise))[i];
    gen_choicemap_builder *bs = gen_choicemap_builder_new();
    gen_part y = gen_part_name("y");
    for (int i = 0; i < N_POINTS; i++) {
        gen_addr addr = {2, {y, gen_part_int(i)}};
        gen_choicemap_builder_set(bs, &addr, gen_scalar(ydata[i]));
    }
    gen_choicemap *data_scalar = gen_choicemap_builder_finish(bs);
    gen_addr ya = {1, {y}};
    gen_choicemap *data_vector = gen_choicemap_set(gen_choicemap_empty(), &ya, gen_array_from_f64(GEN_DIMS(N_POINTS), ydata));
    gen_gf *ms = gen_dynamic("polynomial_scalar", model_scalar), *mv = gen_dynamic("polynomial_vector", model_vector);
    static double logw[10000];
    printf("bench_is: importance sampling, prior proposal, polynomial regression (50 points), one particle at a time\n");
    int ns[2] = {1000, 10000};
    for (int k = 0; k < 2; k++) {
        run rs = {ms, {1, &x, NULL}, data_scalar, ns[k], logw}, rv = {mv, {1, &x, NULL}, data_vector, ns[k], logw};
        double t_s, t_c, t_v, t_c2;
        bench_pair(run_is, run_c, &rs, k ? 5 : 11, 1, &t_s, &t_c);
        if (!isfinite(logw[0])) {
            fprintf(stderr, "bench_is: generate failed: %s\n", gen_error_message());
            return 1;
        }
        bench_pair(run_is, run_c, &rv, k ? 5 : 11, 1, &t_v, &t_c2);
        char name[96];
        snprintf(name, sizeof name, "N=%d, 50 scalar choices y/i (ms)", ns[k]);
        bench_report("is", name, t_s * 1e3, "ms", "plain C", t_c * 1e3);
        snprintf(name, sizeof name, "N=%d, one vector choice y (ms)", ns[k]);
        bench_report("is", name, t_v * 1e3, "ms", "plain C", t_c2 * 1e3);
    }
    printf("bench_is: the same, batched (all particles in one gen_generate_batched)\n");
    for (int k = 0; k < 2; k++) {
        run rs = {ms, {1, &x, NULL}, data_scalar, ns[k], logw}, rv = {mv, {1, &x, NULL}, data_vector, ns[k], logw};
        double t_s, t_c, t_v, t_c2;
        logw[0] = NAN;
        bench_pair(run_batched, run_c, &rs, k ? 11 : 21, 1, &t_s, &t_c);
        if (!isfinite(logw[0])) {
            fprintf(stderr, "bench_is: batched generate failed: %s\n", gen_error_message());
            return 1;
        }
        bench_pair(run_batched, run_c, &rv, k ? 11 : 21, 1, &t_v, &t_c2);
        char name[96];
        snprintf(name, sizeof name, "N=%d batched, 50 scalar choices y/i (ms)", ns[k]);
        bench_report("is", name, t_s * 1e3, "ms", "plain C", t_c * 1e3);
        snprintf(name, sizeof name, "N=%d batched, one vector choice y (ms)", ns[k]);
        bench_report("is", name, t_v * 1e3, "ms", "plain C", t_c2 * 1e3);
    }
    gen_scope_end();
    return 0;
}
