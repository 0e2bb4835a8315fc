/* bench_pf.c — the particle filter's time per step as the number of steps grows to 1e4
 * (issue 15: it must stay flat): a bootstrap filter of 100 particles on a 1-D Gaussian
 * random walk written with Unfold, resampling at ESS < n/2; the median time of the 50
 * steps before t = 10, 100, 1000 and 10000, each against the first (t = 10). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "genc.h"

enum { N = 100, TMAX = 10000, W = 50 };

static gen_status rw_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = gen_choose(ctx, "x", gen_normal(args->v[1], gen_scalar(1)));
    gen_choose(ctx, "y", gen_normal(x, gen_scalar(0.5)));
    *retval = x;
    return gen_ctx_status(ctx);
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    static double dt[TMAX];
    gen_scope_begin();
    gen_gf *model = gen_unfold(gen_dynamic("rw_step", rw_step));
    gen_array *v[2] = {gen_scalar_i64(1), gen_scalar(0)};
    gen_args args = {2, v, NULL};
    gen_diff d[2] = {gen_diff_int(1), gen_diff_no_change()};
    gen_pf *pf = NULL;
    gen_addr a0 = {2, {gen_part_int(0), gen_part_name("y")}};
    if (gen_pf_init(model, gen_key_new(1), &args, gen_choicemap_set(gen_choicemap_empty(), &a0, gen_scalar(0)), NULL,
                    NULL, N, &pf) != GEN_OK) {
        fprintf(stderr, "bench_pf: %s\n", gen_error_message());
        return 1;
    }
    for (int t = 1; t < TMAX; t++) {
        gen_scope_begin();
        gen_addr a = {2, {gen_part_int(t), gen_part_name("y")}};
        gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(sin(t * 0.01)));
        v[0] = gen_scalar_i64(t + 1);
        double t0 = bench_now();
        gen_pf_maybe_resample(pf, gen_key_new(2 + (uint64_t)t), GEN_RESAMPLE_SYSTEMATIC, N / 2.0, NULL);
        gen_status s = gen_pf_step(pf, gen_key_new(20000 + (uint64_t)t), &args, d, obs, NULL, NULL);
        dt[t] = bench_now() - t0;
        gen_scope_end();
        if (s != GEN_OK) {
            fprintf(stderr, "bench_pf: step %d: %s\n", t, gen_error_message());
            return 1;
        }
    }
    const int at[4] = {10, 100, 1000, TMAX};
    double med[4];
    for (int k = 0; k < 4; k++) {
        double w[W];
        for (int i = 0; i < W; i++) w[i] = dt[at[k] - W + i > 0 ? at[k] - W + i : 1 + i];
        qsort(w, W, sizeof *w, cmp);
        med[k] = (w[W / 2 - 1] + w[W / 2]) / 2;
        char name[64];
        snprintf(name, sizeof name, "step near t=%d (n=%d)", at[k], N);
        bench_report("pf", name, med[k] * 1e6, "us/step", "t=10", med[0] * 1e6);
    }
    gen_pf_free(pf);
    gen_scope_end();
    return 0;
}
