/* bench_choice_gradients.c — gen_choice_gradients evaluations per second on the
 * polynomial regression (bench/poly_model.h): the gradient of log p(a, b, c, y) with
 * respect to the selected a, b, c at a trace with the 50 y's observed. Baseline in the
 * same process: gen_target_logpdf_grad on the same trace and selection (the gradient
 * gradient-based inference evaluates; compiled when the model captures, see
 * gen_target_compile_note; and again with compilation off, its dynamic path), and a
 * hand-written C gradient. Runs alternate rep by rep;
 * medians of REPS reps of INNER evaluations each.
 *   bench_choice_gradients [REPS]     (default 9) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "poly_model.h"

#define INNER 2000

static double xs[POLY_POINTS], ys[POLY_POINTS];

typedef struct job {
    gen_trace *tr;
    gen_selection *sel;
    gen_target *t;
    gen_array *theta;
    double sink;
} job;

static void run_choice_gradients(void *p) {
    job *j = p;
    for (int i = 0; i < INNER; i++) {
        gen_scope_begin();
        gen_choicemap *g = NULL;
        if (gen_choice_gradients(j->tr, j->sel, NULL, NULL, NULL, &g) != GEN_OK) {
            fprintf(stderr, "choice_gradients: %s\n", gen_error_message());
            exit(1);
        }
        j->sink += gen_choicemap_count(g);
        gen_scope_end();
    }
}

static void run_target(void *p) {
    job *j = p;
    for (int i = 0; i < INNER; i++) {
        gen_scope_begin();
        double lp;
        gen_array *g = NULL;
        if (gen_target_logpdf_grad(j->t, j->theta, &lp, &g) != GEN_OK) {
            fprintf(stderr, "target: %s\n", gen_error_message());
            exit(1);
        }
        j->sink += lp;
        gen_scope_end();
    }
}

/* d/d(a, b, c) of the log joint, in C */
static void run_c(void *p) {
    job *j = p;
    const double q[3] = {0.5, -1.25, 2.0};
    for (int i = 0; i < INNER; i++) {
        double s0 = 0, s1 = 0, s2 = 0;
        for (int k = 0; k < POLY_POINTS; k++) {
            double x = xs[k], r = ys[k] - (q[0] + x * (q[1] + q[2] * x));
            s0 += r, s1 += r * x, s2 += r * x * x;
        }
        const double prec = 1 / (POLY_SIGMA * POLY_SIGMA);
        j->sink += prec * s0 - q[0] + prec * s1 - q[1] + prec * s2 - q[2];
    }
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    if (reps < 1) reps = 9;
    poly_data(xs, ys);
    gen_scope_begin();
    gen_gf *f = gen_dynamic("poly", poly_model);
    gen_array *x = gen_array_from_f64(GEN_DIMS(POLY_POINTS), xs);
    gen_choicemap *obs = poly_observations(ys);
    obs = gen_choicemap_set_path(gen_choicemap_set_path(gen_choicemap_set_path(obs, "a", gen_scalar(0.5)), "b",
                                                        gen_scalar(-1.25)), "c", gen_scalar(2.0));
    job j = {0};
    gen_array *args_v[1] = {x};
    if (gen_generate(f, (gen_key){{1, 2}}, &(gen_args){1, args_v, NULL}, obs, &j.tr, NULL) != GEN_OK) {
        fprintf(stderr, "generate: %s\n", gen_error_message());
        return 1;
    }
    j.sel = gen_select_paths(3, (const char *[]){"a", "b", "c"});
    j.t = gen_target_new(j.tr, j.sel);
    j.theta = (gen_array *)gen_target_position(j.t);
    /* the two agree (normal priors: the unconstrained space is the constrained one) */
    gen_choicemap *g = NULL;
    gen_array *tg = NULL;
    gen_choice_gradients(j.tr, j.sel, NULL, NULL, NULL, &g);
    gen_target_logpdf_grad(j.t, j.theta, NULL, &tg);
    const double *tgv = gen_array_data(tg);
    double da = 0;
    gen_item(gen_choicemap_get_path(g, "a"), &da);
    printf("check: d/da choice_gradients %.12g, target %.12g\n", da, tgv[0]);
    printf("target compiled: %s (%s)\n", gen_target_compiled(j.t) ? "yes" : "no", gen_target_compile_note(j.t));
    double tm, tb, tc, tb2, tm3, td;
    bench_pair(run_choice_gradients, run_target, &j, reps, INNER, &tm, &tb);
    bench_pair(run_c, run_target, &j, reps, INNER, &tc, &tb2);
    /* the target on the dynamic path (compilation off): the same work as choice_gradients'
     * assess under a transform, without its choice map */
    gen_set_compile(false);
    job jd = j;
    jd.t = gen_target_new(j.tr, j.sel);
    jd.theta = (gen_array *)gen_target_position(jd.t);
    printf("dynamic target compiled: %s\n", gen_target_compiled(jd.t) ? "yes" : "no");
    bench_pair(run_choice_gradients, run_target, &jd, reps, INNER, &tm3, &td);
    gen_set_compile(true);
    printf("median of %d reps x %d evaluations\n", reps, INNER);
    bench_report("choice_gradients", "gen_choice_gradients (evals/s)", 1 / tm, "evals/s", "gen_target_logpdf_grad compiled", 1 / tb);
    bench_report("choice_gradients", "gen_choice_gradients (evals/s)", 1 / tm3, "evals/s", "gen_target_logpdf_grad dynamic", 1 / td);
    bench_report("choice_gradients", "hand-written C gradient (evals/s)", 1 / tc, "evals/s", "gen_target_logpdf_grad compiled", 1 / tb2);
    gen_target_free(jd.t);
    gen_target_free(j.t);
    gen_scope_end();
    return j.sink == 12345.678 ? 2 : 0;
}
