/* bench_fuse2d.c — the compiled batched log likelihood of the polynomial regression
 * (bench/poly_model.h) with and without loop nests over broadcast shapes (emit_fuse.c):
 * N particles a, b, c [N, 1], the data x, y [50],
 *   score[N] = sum over the last axis of the normal log density of y at
 *              mu = a + x (b + c x) [N, 50], sigma 0.05,
 * through gen_compile / gen_compiled_call, written two ways:
 *   normal: gen_dist_logpdf(gen_normal(mu, sigma), y) summed with gen_sum along the last
 *     axis (public ops only; under capture the normal's formula, with its check that mu
 *     is finite);
 *   rowsum: the NORMAL_LOGPDF_SUM row over the last axis (the op a batched choice of
 *     broadcasted_normal runs eagerly: four partial sums per row, 1 / sigma once);
 * each compiled as generated now (nest: one loop nest over [N, 50], nothing of [N, 50] in
 * memory) and under GENC_NO_FUSE2D=1 (flat: one loop per broadcasting op, each writing
 * its [N, 50] result, the code before loop nests), against the same work written by hand
 * in C (c_loop: bench_is_poly's fused loop). The five sides alternate rep by rep;
 * medians of REPS reps (each rep enough calls to take ~20 ms at small N); ratios against
 * c_loop and nest / flat. Each side's scores are checked once against the others.
 *   bench_fuse2d [REPS] [N ...]        (default 7; N = 1e3 1e5 1e6) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "genc/compile.h"
#include "poly_model.h"
#include "../src/array/op.h"

static double xs[POLY_POINTS], ys[POLY_POINTS];

typedef struct side_arg {
    gen_array *x, *y; /* the data [50] */
    bool rowsum;      /* NORMAL_LOGPDF_SUM, else gen_normal's log density summed */
} side_arg;

/* score [N] from a, b, c [N, 1] (in[0..3)). */
static gen_status loglik(void *pl, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const side_arg *d = pl;
    gen_array *mu = gen_add(in[0], gen_mul(d->x, gen_add(in[1], gen_mul(in[2], d->x)))), *sigma = gen_scalar(POLY_SIGMA);
    if (d->rowsum) {
        op_params p = {.ndim = 1};
        out[0] = op_apply(OP_NORMAL_LOGPDF_SUM, 3, (gen_array *[]){d->y, mu, sigma}, &p);
    } else {
        out[0] = gen_sum(gen_dist_logpdf(gen_normal(mu, sigma), d->y), 1, (const int[]){-1}, false);
    }
    return out[0] ? GEN_OK : gen_error_status();
}

static void c_loop(int64_t n, const double *a, const double *b, const double *c, double *score) {
    const double inv_sd = 1 / POLY_SIGMA, norm = -POLY_POINTS * (log(POLY_SIGMA) + 0.91893853320467274);
    for (int64_t i = 0; i < n; i++) {
        double ss = 0;
        for (int j = 0; j < POLY_POINTS; j++) {
            double z = (ys[j] - (a[i] + xs[j] * (b[i] + c[i] * xs[j]))) * inv_sd;
            ss += z * z;
        }
        score[i] = norm - 0.5 * ss;
    }
}

static int cmp_double(const void *p, const void *q) {
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

static double median(double *t, int reps) {
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    return t[reps / 2];
}

/* The largest difference between two score vectors, relative to the larger magnitude. */
static double max_rel_diff(const double *p, const double *q, int64_t n) {
    double worst = 0;
    for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs(p[i] - q[i]) / fmax(1, fmax(fabs(p[i]), fabs(q[i]))));
    return worst;
}

#define SIDES 5
static const char *const side_name[SIDES] = {"c_loop", "normal flat (GENC_NO_FUSE2D=1)", "normal nest",
                                             "rowsum flat (GENC_NO_FUSE2D=1)", "rowsum nest"};

static int run_n(int64_t n, int reps, gen_array *x, gen_array *y) {
    gen_scope_begin();
    gen_array *own[3]; /* a, b, c: prior draws */
    for (int k = 0; k < 3; k++) own[k] = gen_random_normal(gen_key_new(7 + (uint64_t)k), GEN_F64, GEN_DIMS(n, 1));
    side_arg d[2] = {{x, y, false}, {x, y, true}};
    gen_compiled *fn[SIDES] = {NULL}; /* [1 + 2 * rowsum + nest] */
    int bad = 0;
    for (int k = 1; k < SIDES && !bad; k++) {
        if (k % 2) setenv("GENC_NO_FUSE2D", "1", 1);
        fn[k] = gen_compile((gen_closure){loglik, &d[(k - 1) / 2]}, 3, own, 1);
        unsetenv("GENC_NO_FUSE2D");
        if (!fn[k]) {
            fprintf(stderr, "bench_fuse2d: N = %lld, %s: %s\n", (long long)n, side_name[k], gen_error_message());
            bad = 1;
        }
    }
    double *score = malloc((size_t)n * sizeof *score);
    const double *a = gen_array_data(own[0]), *b = gen_array_data(own[1]), *c = gen_array_data(own[2]);
    if (!score) bad = 1;
    if (!bad) { /* the sides agree */
        c_loop(n, a, b, c, score);
        gen_scope_begin();
        for (int k = 1; k < SIDES && !bad; k++) {
            gen_array *o = NULL;
            if (gen_compiled_call(fn[k], own, &o) != GEN_OK) {
                fprintf(stderr, "bench_fuse2d: %s: %s\n", side_name[k], gen_error_message());
                bad = 1;
            } else if (max_rel_diff(gen_array_data(o), score, n) > 1e-9) {
                fprintf(stderr, "bench_fuse2d: N = %lld: %s disagrees with c_loop (%.3g)\n", (long long)n,
                        side_name[k], max_rel_diff(gen_array_data(o), score, n));
                bad = 1;
            }
        }
        gen_scope_end();
    }
    int64_t inner = n >= 100000 ? 1 : (int64_t)(2e6 / (double)n); /* ~20 ms per rep at N = 1e3 */
    double *t[SIDES];
    for (int s = 0; s < SIDES; s++) t[s] = malloc((size_t)reps * sizeof *t[s]);
    for (int r = 0; r < reps && !bad; r++) {
        for (int s = 0; s < SIDES; s++) {
            double t0 = bench_now();
            for (int64_t k = 0; k < inner; k++) {
                if (s == 0) {
                    c_loop(n, a, b, c, score);
                    continue;
                }
                gen_scope_begin();
                gen_array *o = NULL;
                bad |= gen_compiled_call(fn[s], own, &o) != GEN_OK;
                gen_scope_end();
            }
            t[s][r] = (bench_now() - t0) / (double)inner * 1e3;
        }
    }
    if (!bad) {
        double med[SIDES];
        for (int s = 0; s < SIDES; s++) med[s] = median(t[s], reps);
        char name[96];
        for (int s = 0; s < SIDES; s++) {
            snprintf(name, sizeof name, "N=%lld %s", (long long)n, side_name[s]);
            bench_report("fuse2d", name, med[s], "ms", s ? "c_loop" : NULL, med[0]);
        }
        for (int s = 2; s < SIDES; s += 2) {
            snprintf(name, sizeof name, "N=%lld %s / flat", (long long)n, side_name[s]);
            bench_report("fuse2d", name, med[s], "ms", "flat", med[s - 1]);
        }
    }
    for (int s = 0; s < SIDES; s++) free(t[s]);
    for (int k = 1; k < SIDES; k++) gen_compiled_free(fn[k]);
    free(score);
    gen_scope_end();
    return bad;
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 7;
    if (reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: bench_fuse2d [REPS] [N ...]\n");
        return 2;
    }
    gen_scope_begin();
    poly_data(xs, ys);
    gen_array *x = gen_array_from_f64(GEN_DIMS(POLY_POINTS), xs), *y = gen_array_from_f64(GEN_DIMS(POLY_POINTS), ys);
    static const double default_n[] = {1e3, 1e5, 1e6};
    int count = argc > 2 ? argc - 2 : 3, bad = 0;
    for (int k = 0; k < count; k++) {
        double nd = argc > 2 ? strtod(argv[2 + k], NULL) : default_n[k];
        if (nd < 1 || nd > 1e9) {
            fprintf(stderr, "bench_fuse2d: N must be in [1, 1e9]\n");
            return 2;
        }
        bad |= run_n((int64_t)nd, reps, x, y);
    }
    gen_scope_end();
    return bad;
}
