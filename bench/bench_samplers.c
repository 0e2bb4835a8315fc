/* bench_samplers.c — ns per draw of the raw samplers (gamma, Poisson, binomial, beta)
 * over 1e6 elements, against gen_random_normal of the same size measured in the same
 * run. Parameters are full arrays of one value unless the case says "mixed". */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "genc.h"

#define N_DRAW 1000000

typedef struct {
    int kind; /* 0 gamma, 1 poisson, 2 binomial, 3 beta */
    gen_array *a, *b;
    gen_key key;
} case_args;

static void run_case(void *arg) {
    case_args *c = arg;
    gen_scope_begin();
    switch (c->kind) {
    case 0: gen_random_gamma(c->key, c->a); break;
    case 1: gen_random_poisson(c->key, c->a); break;
    case 2: gen_random_binomial(c->key, c->a, c->b); break;
    default: gen_random_beta(c->key, c->a, c->b); break;
    }
    gen_scope_end();
}

static void run_normal(void *arg) {
    case_args *c = arg;
    gen_scope_begin();
    gen_random_normal(c->key, GEN_F64, GEN_DIMS(N_DRAW));
    gen_scope_end();
}

static gen_array *mixed(double v0, double v1, double v2) {
    double *d = malloc(N_DRAW * sizeof *d);
    for (int i = 0; i < N_DRAW; i++) d[i] = i % 3 == 0 ? v0 : i % 3 == 1 ? v1 : v2;
    gen_array *a = gen_array_from(GEN_F64, GEN_DIMS(N_DRAW), d);
    free(d);
    return a;
}

static void bench(const char *name, int kind, gen_array *a, gen_array *b) {
    case_args c = {kind, a, b, gen_key_new(1)};
    double t, t_normal;
    bench_pair(run_case, run_normal, &c, 15, N_DRAW, &t, &t_normal);
    bench_report("samplers", name, t * 1e9, "ns", "gen_random_normal", t_normal * 1e9);
    gen_array_release(a);
    if (b) gen_array_release(b);
}

int main(void) {
    printf("bench_samplers: median ns per draw over 1e6 draws; ratios against gen_random_normal\n");
    bench("gamma alpha=0.5 (ns/draw)", 0, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 0.5), NULL);
    bench("gamma alpha=2.5 (ns/draw)", 0, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 2.5), NULL);
    bench("gamma alpha=3 (ns/draw)", 0, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 3), NULL);
    bench("gamma alpha=30 (ns/draw)", 0, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 30), NULL);
    bench("gamma alpha mixed 0.5/3/30 (ns/draw)", 0, mixed(0.5, 3, 30), NULL);
    bench("poisson rate=3 (ns/draw)", 1, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 3), NULL);
    bench("poisson rate=50 (ns/draw)", 1, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 50), NULL);
    bench("poisson rate=1e4 (ns/draw)", 1, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 1e4), NULL);
    bench("poisson rate mixed 0.5/3/50 (ns/draw)", 1, mixed(0.5, 3, 50), NULL);
    bench("binomial n=10 p=0.2 (ns/draw)", 2, gen_scalar(10), gen_full(GEN_F64, GEN_DIMS(N_DRAW), 0.2));
    bench("binomial n=1000 p=0.3 (ns/draw)", 2, gen_scalar(1000), gen_full(GEN_F64, GEN_DIMS(N_DRAW), 0.3));
    bench("binomial n=1000 p mixed (ns/draw)", 2, gen_scalar(1000), mixed(0.001, 0.3, 0.9));
    bench("beta a=0.5 b=2 (ns/draw)", 3, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 0.5), gen_scalar(2));
    bench("beta a=2 b=3 (ns/draw)", 3, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 2), gen_scalar(3));
    bench("beta a=3 b=3 (ns/draw)", 3, gen_full(GEN_F64, GEN_DIMS(N_DRAW), 3), gen_scalar(3));
    return 0;
}
