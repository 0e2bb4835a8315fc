/* bench_gfi.c — the dynamic DSL's GFI operations one trace at a time (issue 4):
 * simulate, generate (every choice constrained), update (one choice changed by a
 * constraint) and regenerate (one choice selected) on a hierarchical model with 101
 * scalar choices, mu ~ N(0, 1) and z/i ~ N(mu, 1) for i < 100, written two ways: integer
 * addresses z/i (gen_choose_at) and 100 names x0..x99 (gen_choose, a name per choice).
 * Operations per second and nanoseconds per choice; baseline in the same run: a plain C
 * loop computing the same log densities (drawing the values too for simulate), so the
 * ratio reads "x times the cost of the raw arithmetic". */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "genc.h"

#define N_Z 100
#define N_CHOICES (N_Z + 1)
#define INNER 200 /* operations per timed repetition */

static gen_array *g_zero, *g_one;
static const char *g_names[N_Z];

static gen_status model_addr(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(g_zero, g_one));
    gen_dist *d = gen_normal(mu, g_one);
    gen_part z = gen_part_name("z");
    for (int i = 0; i < N_Z; i++) {
        gen_addr a = {2, {z, gen_part_int(i)}};
        gen_choose_at(ctx, &a, d);
    }
    *retval = mu;
    return gen_ctx_status(ctx);
}

static gen_status model_names(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(g_zero, g_one));
    gen_dist *d = gen_normal(mu, g_one);
    for (int i = 0; i < N_Z; i++) gen_choose(ctx, g_names[i], d);
    *retval = mu;
    return gen_ctx_status(ctx);
}

typedef struct run {
    gen_gf *model;
    gen_choicemap *all;   /* every choice (generate) */
    gen_choicemap *one;   /* one changed choice (update) */
    gen_selection *sel;   /* one choice (regenerate) */
    gen_trace *tr;        /* the trace update / regenerate edit */
    double sink;
    int failed;
} run;

static const gen_args no_args = {0, NULL, NULL};

static void check(run *r, gen_status s) {
    if (s != GEN_OK && !r->failed) {
        fprintf(stderr, "bench_gfi: %s\n", gen_error_message());
        r->failed = 1;
    }
}

static void op_simulate(void *arg) {
    run *r = arg;
    gen_key key = gen_key_new(1);
    for (int i = 0; i < INNER; i++) {
        gen_scope_begin();
        gen_trace *tr;
        check(r, gen_simulate(r->model, gen_key_fold_in(key, (uint64_t)i), &no_args, &tr));
        gen_scope_end();
    }
}

static void op_generate(void *arg) {
    run *r = arg;
    gen_key key = gen_key_new(2);
    for (int i = 0; i < INNER; i++) {
        gen_scope_begin();
        gen_trace *tr;
        gen_array *w;
        double v = 0;
        check(r, gen_generate(r->model, gen_key_fold_in(key, (uint64_t)i), &no_args, r->all, &tr, &w));
        if (!r->failed) gen_item(w, &v);
        r->sink += v;
        gen_scope_end();
    }
}

static void op_update(void *arg) {
    run *r = arg;
    gen_key key = gen_key_new(3);
    for (int i = 0; i < INNER; i++) {
        gen_scope_begin();
        gen_trace *tr;
        gen_array *w;
        gen_diff rd;
        gen_choicemap *disc;
        double v = 0;
        check(r, gen_update(r->tr, gen_key_fold_in(key, (uint64_t)i), &no_args, NULL, r->one, &tr, &w, &rd, &disc));
        if (!r->failed) gen_item(w, &v);
        r->sink += v;
        gen_scope_end();
    }
}

static void op_regenerate(void *arg) {
    run *r = arg;
    gen_key key = gen_key_new(4);
    for (int i = 0; i < INNER; i++) {
        gen_scope_begin();
        gen_trace *tr;
        gen_array *w;
        gen_diff rd;
        double v = 0;
        check(r, gen_regenerate(r->tr, gen_key_fold_in(key, (uint64_t)i), &no_args, NULL, r->sel, &tr, &w, &rd));
        if (!r->failed) gen_item(w, &v);
        r->sink += v;
        gen_scope_end();
    }
}

/* ---- the raw arithmetic ---- */

static double g_vals[N_CHOICES]; /* mu, z_0 .. z_99 */
static double c_sink;

static double normal_lp(double x, double mu) {
    double z = x - mu;
    return -0.5 * z * z - 0.91893853320467274;
}

static double model_lp(const double *v) {
    double lp = normal_lp(v[0], 0.0);
    for (int i = 0; i < N_Z; i++) lp += normal_lp(v[1 + i], v[0]);
    return lp;
}

static void c_density(void *arg) {
    (void)arg;
    for (int i = 0; i < INNER; i++) {
        g_vals[1 + i % N_Z] += 1e-9; /* keeps the loop from being hoisted */
        c_sink += model_lp(g_vals);
    }
}

/* Draws then scores (Box–Muller from rand_r: a cheap prior draw). */
static void c_simulate(void *arg) {
    (void)arg;
    static unsigned seed = 7;
    double v[N_CHOICES];
    for (int i = 0; i < INNER; i++) {
        for (int k = 0; k < N_CHOICES; k++) {
            double u1 = (rand_r(&seed) + 1.0) / (RAND_MAX + 2.0), u2 = (rand_r(&seed) + 1.0) / (RAND_MAX + 2.0);
            v[k] = (k ? v[0] : 0.0) + sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
        }
        c_sink += model_lp(v);
    }
}

static void report(const char *model, const char *op, void (*fn)(void *), void (*base)(void *), run *r) {
    const char *only = getenv("BENCH_GFI_ONLY"); /* e.g. "generate", for profiling one op */
    if (only && strcmp(only, op) != 0) return;
    double t, tb;
    bench_pair(fn, base, r, 11, INNER, &t, &tb);
    char name[96];
    snprintf(name, sizeof name, "%s %s (ns/choice)", model, op);
    bench_report("gfi", name, t * 1e9 / N_CHOICES, "ns", "plain C", tb * 1e9 / N_CHOICES);
    snprintf(name, sizeof name, "%s %s (ops/s)", model, op);
    bench_report("gfi", name, 1.0 / t, "/s", NULL, 0);
}

static int bench_model(const char *label, gen_gf *model, gen_part (*addr_of)(int, gen_addr *)) {
    gen_scope_begin();
    gen_trace *tr;
    gen_simulate(model, gen_key_new(99), &no_args, &tr);
    gen_addr a = {1, {gen_part_name("mu")}};
    g_vals[0] = ((const double *)gen_array_data(gen_trace_value(tr, &a)))[0];
    for (int i = 0; i < N_Z; i++) {
        addr_of(i, &a);
        g_vals[1 + i] = ((const double *)gen_array_data(gen_trace_value(tr, &a)))[0];
    }
    addr_of(N_Z / 2, &a);
    run r = {.model = model, .all = (gen_choicemap *)gen_trace_choices(tr), .tr = tr};
    r.one = gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(0.25));
    r.sel = gen_select(1, &a);
    report(label, "simulate", op_simulate, c_simulate, &r);
    report(label, "generate", op_generate, c_density, &r);
    report(label, "update", op_update, c_density, &r);
    report(label, "regenerate", op_regenerate, c_density, &r);
    gen_scope_end();
    return r.failed;
}

static gen_part addr_z(int i, gen_addr *a) {
    *a = (gen_addr){2, {gen_part_name("z"), gen_part_int(i)}};
    return a->parts[0];
}

static gen_part addr_x(int i, gen_addr *a) {
    *a = (gen_addr){1, {gen_part_name(g_names[i])}};
    return a->parts[0];
}

int main(void) {
    openblas_set_num_threads(1);
    static char names[N_Z][8];
    for (int i = 0; i < N_Z; i++) {
        snprintf(names[i], sizeof names[i], "x%d", i);
        g_names[i] = names[i];
    }
    gen_scope_begin();
    g_zero = gen_scalar(0.0);
    g_one = gen_scalar(1.0);
    gen_gf *ma = gen_dynamic("hier_addr", model_addr), *mn = gen_dynamic("hier_names", model_names);
    printf("bench_gfi: dynamic DSL, one trace at a time, mu ~ N(0,1), 100 z_i ~ N(mu,1) (101 choices)\n");
    int failed = bench_model("z/i", ma, addr_z) | bench_model("names", mn, addr_x);
    gen_scope_end();
    if (c_sink == 12345.0) printf("%g\n", c_sink);
    return failed;
}
