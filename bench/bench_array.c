/* bench_array.c — the array core's costs (issue 2): overhead of one scalar op with its
 * scope bookkeeping, a 1e6-element elementwise op against a plain C loop, a 512x512
 * matmul against a direct OpenBLAS call, and the gradient of a 100-op scalar function.
 * Prints medians and ratios against baselines measured in the same run. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "genc.h"

#define SCALAR_OPS 10000

/* 10 scopes of 1000 ops: the size of scope a model body or an inference step opens. */
static void scalar_ops(void *arg) {
    gen_array *x = arg;
    for (int k = 0; k < SCALAR_OPS / 1000; k++) {
        gen_array *y = x;
        gen_scope_begin();
        for (int i = 0; i < 1000; i++) y = gen_add(y, x);
        gen_scope_end();
    }
}

/* Baseline for the scalar op: what a bare malloc + free of a result costs. */
static void scalar_malloc(void *arg) {
    (void)arg;
    volatile double acc = 1.0;
    for (int i = 0; i < SCALAR_OPS; i++) {
        double *p = malloc(sizeof(double) + 96);
        *p = acc + 1.0;
        acc = *p;
        free(p);
    }
}

#define N_ELEM 1000000
typedef struct {
    gen_array *a;
    double *src, *dst;
} elem_args;

static void elem_genc(void *arg) {
    elem_args *e = arg;
    gen_scope_begin();
    gen_exp(e->a);
    gen_scope_end();
}

static void elem_loop(void *arg) {
    elem_args *e = arg;
    double *d = malloc(N_ELEM * sizeof *d); /* the op allocates its result too */
    for (int i = 0; i < N_ELEM; i++) d[i] = exp(e->src[i]);
    e->dst[0] += d[N_ELEM - 1];
    free(d);
}

static void elem_add_genc(void *arg) {
    elem_args *e = arg;
    gen_scope_begin();
    gen_add(e->a, e->a);
    gen_scope_end();
}

static void elem_add_loop(void *arg) {
    elem_args *e = arg;
    double *d = malloc(N_ELEM * sizeof *d);
    for (int i = 0; i < N_ELEM; i++) d[i] = e->src[i] + e->src[i];
    e->dst[0] += d[N_ELEM - 1];
    free(d);
}

#define MM 512
typedef struct {
    gen_array *a, *b;
    double *ad, *bd, *cd;
} mm_args;

static void mm_genc(void *arg) {
    mm_args *m = arg;
    gen_scope_begin();
    gen_matmul(m->a, m->b);
    gen_scope_end();
}

static void mm_blas(void *arg) {
    mm_args *m = arg;
    double *c = malloc(MM * MM * sizeof *c);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, MM, MM, MM, 1.0, m->ad, MM, m->bd, MM,
                0.0, c, MM);
    m->cd[0] += c[0];
    free(c);
}

/* f(x) = 100 ops: alternating x*c, sin, +x ... reduced to a scalar. */
static gen_status hundred_ops(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *x = in[0], *y = in[0], *c = gen_scalar(0.9);
    for (int i = 0; i < 33; i++) y = gen_add(gen_sin(gen_mul(y, c)), x);
    out[0] = gen_sum(y, 0, NULL, false); /* 33*3 + 1 = 100 ops */
    return out[0] ? GEN_OK : gen_error_status();
}

static void grad100(void *arg) {
    gen_array *x = arg, *g;
    gen_scope_begin();
    gen_grad((gen_closure){hundred_ops, NULL}, 1, &x, &g);
    gen_scope_end();
}

static void eval100(void *arg) {
    gen_array *x = arg, *y;
    gen_scope_begin();
    hundred_ops(NULL, 1, &x, 1, &y);
    gen_scope_end();
}

int main(void) {
    /* One core for GenC and the baselines alike: OpenBLAS's idle worker threads would
     * otherwise compete with the single-threaded paths on a small machine. */
    openblas_set_num_threads(1);
    printf("bench_array: medians; ratios are against the baseline measured in this run (1 thread)\n");
    gen_array *x = gen_scalar(1e-9);
    double t_op, t_malloc;
    bench_pair(scalar_ops, scalar_malloc, x, 101, SCALAR_OPS, &t_op, &t_malloc);
    bench_report("array", "scalar add incl. scope (ns/op)", t_op * 1e9, "ns", "malloc+free", t_malloc * 1e9);

    elem_args e = {0};
    e.src = malloc(N_ELEM * sizeof *e.src);
    e.dst = calloc(1, sizeof *e.dst);
    for (int i = 0; i < N_ELEM; i++) e.src[i] = (double)i / N_ELEM;
    e.a = gen_array_from_f64(GEN_DIMS(N_ELEM), e.src);
    double t_exp, t_exp_c, t_add, t_add_c;
    bench_pair(elem_genc, elem_loop, &e, 41, 1, &t_exp, &t_exp_c);
    bench_report("array", "exp over 1e6 f64 (ms)", t_exp * 1e3, "ms", "C loop", t_exp_c * 1e3);
    bench_pair(elem_add_genc, elem_add_loop, &e, 41, 1, &t_add, &t_add_c);
    bench_report("array", "add over 1e6 f64 (ms)", t_add * 1e3, "ms", "C loop", t_add_c * 1e3);

    mm_args m = {0};
    m.ad = malloc(MM * MM * sizeof *m.ad);
    m.bd = malloc(MM * MM * sizeof *m.bd);
    m.cd = calloc(1, sizeof *m.cd);
    for (int i = 0; i < MM * MM; i++) m.ad[i] = sin(i), m.bd[i] = cos(i);
    m.a = gen_array_from_f64(GEN_DIMS(MM, MM), m.ad);
    m.b = gen_array_from_f64(GEN_DIMS(MM, MM), m.bd);
    double t_mm, t_blas;
    bench_pair(mm_genc, mm_blas, &m, 21, 1, &t_mm, &t_blas);
    bench_report("array", "matmul 512x512 f64 (ms)", t_mm * 1e3, "ms", "cblas_dgemm", t_blas * 1e3);

    gen_array *x1 = gen_scalar(0.3);
    double t_g, t_e;
    bench_pair(grad100, eval100, x1, 201, 1, &t_g, &t_e);
    bench_report("array", "grad of a 100-op scalar function (us)", t_g * 1e6, "us", "forward only", t_e * 1e6);

    gen_array_release(x);
    gen_array_release(x1);
    gen_array_release(e.a);
    gen_array_release(m.a);
    gen_array_release(m.b);
    free(e.src), free(e.dst), free(m.ad), free(m.bd), free(m.cd);
    return 0;
}
