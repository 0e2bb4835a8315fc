/* poly_model.h — the polynomial regression of the peer benchmarks (bench_hmc_poly,
 * bench_is_poly, bench_is_gpu and their JAX / NumPyro / GenJAX peers in bench/peers/),
 * in one place so that every side runs the same model on the same data:
 *
 *   a, b, c ~ N(0, 1);   y_i ~ N(a + b x_i + c x_i^2, 0.05),   x: 50 points on [0, 1],
 *   y_i = 0.5 - 1.25 x_i + 2 x_i^2 + 0.05 sin(7 i)   (fixed data, as `bench_nuts hmc`).
 *
 * poly_write_data writes x, y and the constants to a JSON file that the Python peers read,
 * so they see the same doubles bit for bit. Header-only: each benchmark program is one
 * file (bench/CMakeLists.txt); inline, so a program may use some of them. */
#ifndef GENC_BENCH_POLY_MODEL_H
#define GENC_BENCH_POLY_MODEL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "genc.h"

#define POLY_POINTS 50
#define POLY_SIGMA 0.05
#define POLY_PRIOR_SD 1.0

/* A constant of the model in dtype: f32 for an f32 run, else f64. */
static inline gen_array *poly_const(double v, gen_dtype dtype) {
    return dtype == GEN_F32 ? gen_scalar_f32((float)v) : gen_scalar(v);
}

/* The model of examples/polynomial.c: args->v[0] holds x; the 50 y's are one choice.
 * It computes in x's dtype (f64, or f32 for bench_is_gpu's f32 runs: the priors and the
 * noise are then f32 too, so no operation promotes to f64). */
static inline gen_status poly_model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = args->v[0];
    gen_dtype dt = gen_array_dtype(x);
    gen_dist *prior = gen_normal(poly_const(0, dt), poly_const(POLY_PRIOR_SD, dt));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, poly_const(POLY_SIGMA, dt)));
    return gen_ctx_status(ctx);
}

/* The data: x = linspace(0, 1, 50) (GenC's), y by the formula above. */
static inline void poly_data(double x[POLY_POINTS], double y[POLY_POINTS]) {
    gen_scope_begin();
    gen_array_copy_to(gen_linspace(0, 1, POLY_POINTS), GEN_F64, x, POLY_POINTS * sizeof *x);
    gen_scope_end();
    for (int i = 0; i < POLY_POINTS; i++) y[i] = 0.5 - 1.25 * x[i] + 2.0 * x[i] * x[i] + 0.05 * sin(7.0 * i);
}

/* The observations {y: [50]} as a choice map (in the current scope). */
static inline gen_choicemap *poly_observations(const double y[POLY_POINTS]) {
    gen_addr ya = {1, {gen_part_name("y")}};
    return gen_choicemap_set(gen_choicemap_empty(), &ya, gen_array_from_f64(GEN_DIMS(POLY_POINTS), y));
}

/* The exact posterior mean of (a, b, c) and log marginal likelihood log p(y) (the model
 * is linear Gaussian): with F the [50, 3] design (1, x, x^2), the posterior precision is
 * A = I / prior_sd^2 + F'F / sigma^2, the mean m = A^-1 v with v = F'y / sigma^2, and
 * log p(y) = -(50 log(2 pi sigma^2) + log det A + 3 log prior_sd^2 + y'y / sigma^2 - v'm) / 2
 * (Woodbury and the matrix determinant lemma on Cov y = sigma^2 I + prior_sd^2 F F').
 * The 3 x 3 system by Cramer's rule. */
static inline void poly_posterior(const double x[POLY_POINTS], const double y[POLY_POINTS], double mean[3],
                           double *log_ml) {
    double A[3][3] = {{0}}, v[3] = {0}, yy = 0, prec = 1 / (POLY_SIGMA * POLY_SIGMA);
    for (int j = 0; j < POLY_POINTS; j++) {
        double f[3] = {1, x[j], x[j] * x[j]};
        yy += prec * y[j] * y[j];
        for (int r = 0; r < 3; r++) {
            v[r] += prec * f[r] * y[j];
            for (int c = 0; c < 3; c++) A[r][c] += prec * f[r] * f[c];
        }
    }
    for (int r = 0; r < 3; r++) A[r][r] += 1 / (POLY_PRIOR_SD * POLY_PRIOR_SD);
#define POLY_DET3(M)                                                                                          \
    (M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) + \
     M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]))
    double det = POLY_DET3(A), vm = 0;
    for (int k = 0; k < 3; k++) {
        double B[3][3];
        memcpy(B, A, sizeof B);
        for (int r = 0; r < 3; r++) B[r][k] = v[r];
        mean[k] = POLY_DET3(B) / det;
        vm += v[k] * mean[k];
    }
#undef POLY_DET3
    *log_ml = -0.5 * (POLY_POINTS * log(6.283185307179586 * POLY_SIGMA * POLY_SIGMA) + log(det) +
                      3 * log(POLY_PRIOR_SD * POLY_PRIOR_SD) + yy - vm);
}

/* Writes {"x": [...], "y": [...], "sigma": ..., "prior_sd": ...} with every double in
 * full (%.17g reads back exactly). Returns 0, or 1 with a message on stderr. */
static inline int poly_write_data(const char *path) {
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
