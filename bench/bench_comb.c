/* bench_comb.c — combinators' incremental updates (issue 5).
 * (1) A bootstrap particle filter (100 particles) on a 1-D linear-Gaussian state-space
 *     model written with Unfold, x_t ~ N(0.9 x_{t-1}, 1), y_t ~ N(x_t, 0.5), for
 *     T = 100, 1000, 10000: each step extends every particle's trace by one step with
 *     gen_update (int argdiff +1, the observation as constraint) and resamples by copying
 *     trace pointers. Milliseconds per step must stay flat in T; baseline in the same
 *     run: the same filter in plain C. The T = 10000 run also reports its first and last
 *     thousand steps separately.
 * (2) update of Map(kernel) over 1000 elements with one element's argument changed: a
 *     vector argdiff naming it, against unknown argdiffs (every element reruns).
 * Usage: bench_comb [max_T]   (default 10000) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "genc.h"

#define N_PART 100

/* ---- data and a small RNG for the plain C filter ---- */

static uint64_t rng_state = 88172645463325252ull;
static double unif(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) * 0x1.0p-53;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }

static double *make_data(int T) {
    double *y = malloc((size_t)T * sizeof *y), x = 0;
    for (int t = 0; t < T; t++) {
        x = 0.9 * x + gauss();
        y[t] = x + 0.5 * gauss();
    }
    return y;
}

/* Systematic resampling: ancestors a[0..N) from log weights lw. Returns log mean weight. */
static double resample(const double *lw, int *a) {
    double mx = -INFINITY, w[N_PART], total = 0;
    for (int i = 0; i < N_PART; i++) mx = fmax(mx, lw[i]);
    for (int i = 0; i < N_PART; i++) total += (w[i] = exp(lw[i] - mx));
    double u = unif() / N_PART, c = w[0] / total;
    for (int i = 0, j = 0; i < N_PART; i++, u += 1.0 / N_PART) {
        while (u > c && j < N_PART - 1) c += w[++j] / total;
        a[i] = j;
    }
    return mx + log(total / N_PART);
}

/* ---- the model ---- */

static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_mul(gen_scalar(0.9), args->v[1]), gen_scalar(1)));
    gen_choose(ctx, "y", gen_normal(x, gen_scalar(0.5)));
    *retval = x;
    return gen_ctx_status(ctx);
}

typedef struct pf {
    int T;
    const double *y;
    gen_gf *model;
    gen_array *init;
    double log_ml, t_first, t_last; /* seconds over the first / last 10% of the steps */
    int failed;
} pf;

static void fail(pf *p, gen_status s) {
    if (s != GEN_OK && !p->failed) {
        fprintf(stderr, "bench_comb: %s\n", gen_error_message());
        p->failed = 1;
    }
}

static void pf_genc(void *arg) {
    pf *p = arg;
    gen_trace *parts[N_PART], *next[N_PART];
    double lw[N_PART];
    int a[N_PART];
    gen_array *v[2] = {gen_scalar_i64(0), p->init};
    gen_args args = {2, v, NULL};
    for (int i = 0; i < N_PART; i++) { /* empty chains */
        fail(p, gen_simulate(p->model, gen_key_new(1), &args, &parts[i])); /* no scope: ours */
    }
    gen_array_release(v[0]);
    gen_diff ad[2] = {gen_diff_int(1), gen_diff_no_change()};
    gen_key key = gen_key_new(7);
    p->log_ml = 0;
    p->t_first = p->t_last = 0;
    int tenth = p->T / 10;
    for (int t = 0; t < p->T && !p->failed; t++) {
        double t0 = bench_now();
        gen_scope_begin();
        v[0] = gen_scalar_i64(t + 1);
        gen_addr ay = {2, {gen_part_int(t), gen_part_name("y")}};
        gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ay, gen_scalar(p->y[t]));
        for (int i = 0; i < N_PART; i++) {
            gen_array *w = NULL;
            fail(p, gen_update(parts[i], gen_key_fold_in(key, (uint64_t)t * N_PART + (uint64_t)i), &args, ad, obs,
                               &next[i], &w, NULL, NULL));
            lw[i] = p->failed ? 0 : ((const double *)gen_array_data(w))[0];
            gen_trace_retain(next[i]);
        }
        gen_scope_end();
        p->log_ml += resample(lw, a);
        for (int i = 0; i < N_PART; i++) gen_trace_release(parts[i]);
        for (int i = 0; i < N_PART; i++) parts[i] = gen_trace_retain(next[a[i]]);
        for (int i = 0; i < N_PART; i++) gen_trace_release(next[i]);
        double dt = bench_now() - t0;
        if (t < tenth) p->t_first += dt;
        if (t >= p->T - tenth) p->t_last += dt;
    }
    for (int i = 0; i < N_PART; i++) gen_trace_release(parts[i]);
}

static void pf_plain(void *arg) {
    pf *p = arg;
    double x[N_PART], nx[N_PART], lw[N_PART];
    int a[N_PART];
    double ml = 0;
    for (int i = 0; i < N_PART; i++) x[i] = 0;
    for (int t = 0; t < p->T; t++) {
        for (int i = 0; i < N_PART; i++) {
            nx[i] = 0.9 * x[i] + gauss();
            double z = (p->y[t] - nx[i]) / 0.5;
            lw[i] = -0.5 * z * z - log(0.5) - 0.91893853320467274;
        }
        ml += resample(lw, a);
        for (int i = 0; i < N_PART; i++) x[i] = nx[a[i]];
    }
    p->log_ml += 0 * ml;
}

static void bench_pf(int T) {
    gen_gf *kernel = gen_dynamic("step", step);
    pf p = {.T = T, .y = make_data(T), .model = gen_unfold(kernel), .init = gen_scalar(0)};
    gen_gf_release(kernel);
    double g, c;
    int reps = T >= 10000 ? 1 : T >= 1000 ? 3 : 7;
    bench_pair(pf_genc, pf_plain, &p, reps, T, &g, &c);
    if (p.failed) exit(1);
    char name[64];
    snprintf(name, sizeof name, "pf unfold T=%d: ms per step", T);
    bench_report("comb", name, 1e3 * g, "ms", "plain C filter", 1e3 * c);
    if (T >= 1000) {
        int tenth = T / 10;
        snprintf(name, sizeof name, "pf unfold T=%d: first %d steps", T, tenth);
        bench_report("comb", name, 1e3 * p.t_first / tenth, "ms", NULL, 0);
        snprintf(name, sizeof name, "pf unfold T=%d: last %d steps", T, tenth);
        bench_report("comb", name, 1e3 * p.t_last / tenth, "ms", NULL, 0);
    }
    gen_gf_release(p.model);
    gen_array_release(p.init);
    free((void *)p.y);
}

/* ---- Map: one element of 1000 changed ---- */

#define N_MAP 1000

static gen_status elem(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "z", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

typedef struct mapb {
    gen_trace *tr;
    gen_args args;
    gen_diff vec;
    int failed;
} mapb;

static void map_update(mapb *b, const gen_diff *ad) {
    gen_scope_begin();
    gen_trace *t2 = NULL;
    gen_array *w = NULL;
    gen_status s = gen_update(b->tr, gen_key_new(3), &b->args, ad, gen_choicemap_empty(), &t2, &w, NULL, NULL);
    if (s != GEN_OK && !b->failed) {
        fprintf(stderr, "bench_comb: %s\n", gen_error_message());
        b->failed = 1;
    }
    gen_scope_end();
}

#define MAP_INNER 50
static void map_vector(void *arg) {
    for (int k = 0; k < MAP_INNER; k++) map_update(arg, &((mapb *)arg)->vec);
}
static void map_unknown(void *arg) {
    for (int k = 0; k < MAP_INNER; k++) map_update(arg, NULL);
}

static void bench_map(void) {
    static double x[N_MAP];
    for (int i = 0; i < N_MAP; i++) x[i] = sin(i);
    gen_array *xa = gen_array_from(GEN_F64, 1, (int64_t[]){N_MAP}, x);
    gen_gf *kernel = gen_dynamic("elem", elem);
    gen_gf *f = gen_map(kernel);
    gen_gf_release(kernel);
    mapb b = {.args = {1, &xa, NULL}};
    if (gen_simulate(f, gen_key_new(2), &b.args, &b.tr) != GEN_OK) exit(1);
    x[500] = 3.0; /* the new argument: element 500 changed */
    gen_array *xb = gen_array_from(GEN_F64, 1, (int64_t[]){N_MAP}, x);
    b.args.v = &xb;
    gen_vector_diff vd = {N_MAP, N_MAP, 1, (int64_t[]){500}, NULL};
    b.vec = gen_diff_vector(&vd);
    double tv, tu;
    bench_pair(map_vector, map_unknown, &b, 9, MAP_INNER, &tv, &tu);
    if (b.failed) exit(1);
    bench_report("comb", "map update, 1 of 1000 changed (vector diff)", 1e6 * tv, "us", "unknown argdiffs", 1e6 * tu);
    bench_report("comb", "map update, unknown argdiffs (full rerun)", 1e6 * tu, "us", NULL, 0);
    gen_trace_release(b.tr);
    gen_gf_release(f);
    gen_array_release(xa);
    gen_array_release(xb);
}

int main(int argc, char **argv) {
    int max_t = argc > 1 ? atoi(argv[1]) : 10000;
    for (int T = 100; T <= max_t; T *= 10) bench_pf(T);
    bench_map();
    return 0;
}
