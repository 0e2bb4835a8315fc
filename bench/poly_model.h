/* poly_model.h — the polynomial regression of the peer benchmarks (bench_hmc_poly,
 * bench_is_poly and their JAX / GenJAX peers in bench/peers/), in one place so that every
 * side runs the same model on the same data:
 *
 *   a, b, c ~ N(0, 1);   y_i ~ N(a + b x_i + c x_i^2, 0.05),   x: 50 points on [0, 1],
 *   y_i = 0.5 - 1.25 x_i + 2 x_i^2 + 0.05 sin(7 i)   (fixed data, as `bench_nuts hmc`).
 *
 * poly_write_data writes x, y and the constants to a JSON file that the Python peers read,
 * so they see the same doubles bit for bit. Header-only: each benchmark program is one
 * file (bench/CMakeLists.txt). */
#ifndef GENC_BENCH_POLY_MODEL_H
#define GENC_BENCH_POLY_MODEL_H

#include <math.h>
#include <stdio.h>

#include "genc.h"

#define POLY_POINTS 50
#define POLY_SIGMA 0.05
#define POLY_PRIOR_SD 1.0

/* The model of examples/polynomial.c: args->v[0] holds x; the 50 y's are one choice. */
static gen_status poly_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(POLY_PRIOR_SD));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(POLY_SIGMA)));
    return gen_ctx_status(ctx);
}

/* The data: x = linspace(0, 1, 50) (GenC's), y by the formula above. */
static void poly_data(double x[POLY_POINTS], double y[POLY_POINTS]) {
    gen_scope_begin();
    gen_array_copy_to(gen_linspace(0, 1, POLY_POINTS), GEN_F64, x, POLY_POINTS * sizeof *x);
    gen_scope_end();
    for (int i = 0; i < POLY_POINTS; i++) y[i] = 0.5 - 1.25 * x[i] + 2.0 * x[i] * x[i] + 0.05 * sin(7.0 * i);
}

/* The observations {y: [50]} as a choice map (in the current scope). */
static gen_choicemap *poly_observations(const double y[POLY_POINTS]) {
    gen_addr ya = {1, {gen_part_name("y")}};
    return gen_choicemap_set(gen_choicemap_empty(), &ya, gen_array_from_f64(GEN_DIMS(POLY_POINTS), y));
}

/* Writes {"x": [...], "y": [...], "sigma": ..., "prior_sd": ...} with every double in
 * full (%.17g reads back exactly). Returns 0, or 1 with a message on stderr. */
static int poly_write_data(const char *path) {
    double x[POLY_POINTS], y[POLY_POINTS];
    poly_data(x, y);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    const double *v[2] = {x, y};
    const char *name[2] = {"x", "y"};
    fputc('{', f);
    for (int k = 0; k < 2; k++) {
        fprintf(f, "\"%s\": [", name[k]);
        for (int i = 0; i < POLY_POINTS; i++) fprintf(f, "%s%.17g", i ? ", " : "", v[k][i]);
        fprintf(f, "], ");
    }
    fprintf(f, "\"sigma\": %.17g, \"prior_sd\": %.17g}\n", POLY_SIGMA, POLY_PRIOR_SD);
    if (fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

#endif
