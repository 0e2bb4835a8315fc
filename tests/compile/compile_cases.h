/* compile_cases.h — what test_compile_ops.c runs: a function per op of the op table (the
 * op applied to representative arguments: broadcasting, several dtypes, axis / keepdims
 * / reverse parameters, 0-d and empty arrays, batched matrices, NaN and infinities),
 * each with its inputs' specification and the inputs made from it (make_input). The
 * drivers run each case two ways and compare: test_compile_ops.c compiled against eager,
 * tests/cuda/test_cuda_ops.c the GPU against the CPU; cases marked grad also run
 * value_and_grad of sum(f(x) * w). */
#ifndef GENC_TEST_COMPILE_CASES_H
#define GENC_TEST_COMPILE_CASES_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genc.h"
#include "../../src/array/fused_math.h"
#include "../../src/array/op.h"

/* ---- inputs ---- */

enum in_kind {
    K_NORMAL,  /* 1.5 z */
    K_POS,     /* 0.2 + 2 |z| */
    K_UNIT,    /* in (-0.95, 0.95) */
    K_SPECIAL, /* every third element NaN, +-inf, +-0, huge or tiny; the rest 2 z */
    K_INT,     /* integers in [-lim, lim] */
    K_IDX,     /* integers in [-lim, lim): indices of an axis of length lim, negative ones too */
    K_NIDX,    /* integers in [0, lim) */
    K_ABOVE1,  /* 1 + 2 |z| */
    K_WRAP,    /* i64 near the limits (sums and products wrap around) */
    K_BOOL,
    K_SPD,     /* per matrix M M^T / n + I */
    K_TRI,     /* per matrix lower triangular, diagonal in [1, 2] */
    K_PROBS,   /* positive, some zero */
};

typedef struct in_spec {
    gen_dtype t;
    int kind, lim, nd;
    int64_t shape[GEN_MAX_DIMS];
} in_spec;

#define NDIMS(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
/* An input of dtype T (F64, F32, I64, BOOL), kind K and shape (...); IN0 is 0-d; INL
 * takes the lim of K_INT / K_IDX. */
#define IN(T, K, ...) {GEN_##T, K_##K, 3, NDIMS(__VA_ARGS__), {__VA_ARGS__}}
#define INL(T, K, L, ...) {GEN_##T, K_##K, L, NDIMS(__VA_ARGS__), {__VA_ARGS__}}
#define IN0(T, K) {GEN_##T, K_##K, 3, 0, {0}}
#define INL0(T, K, L) {GEN_##T, K_##K, L, 0, {0}}

/* Pseudo-random values of each kind (splitmix64). */
static inline uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static inline double unif(uint64_t *s) { return (double)((*s = mix64(*s)) >> 11) * 0x1p-53 + 0x1p-54; }
static inline double gauss(uint64_t *s) { return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s)); }

static inline double float_value(int kind, int64_t i, uint64_t *s, int lim) {
    static const double specials[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e300, -1e-300, 7.0};
    switch (kind) {
    case K_POS: return 0.2 + 2 * fabs(gauss(s));
    case K_ABOVE1: return 1 + 2 * fabs(gauss(s));
    case K_UNIT: return 0.95 * (2 * unif(s) - 1);
    case K_SPECIAL: return i % 3 == 0 ? specials[(i / 3 + (int64_t)(*s % 8)) % 8] : 2 * gauss(s);
    case K_INT: return floor(unif(s) * (2 * lim + 1)) - lim;
    case K_PROBS: return i % 5 == 3 ? 0 : unif(s);
    default: return 1.5 * gauss(s);
    }
}

/* A batch of n x n matrices: SPD (M M^T / n + I) or lower triangular. */
static inline void matrices(double *v, int64_t size, int64_t n, bool spd, uint64_t *s) {
    for (int64_t b = 0; n && b < size / (n * n); b++) {
        double *a = v + b * n * n, m[64];
        for (int64_t i = 0; i < n * n; i++) m[i] = gauss(s);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) {
                double acc = 0;
                for (int64_t k = 0; k < n; k++) acc += m[i * n + k] * m[j * n + k];
                a[i * n + j] = spd ? acc / (double)n + (i == j) : i < j ? 0 : i == j ? 1 + unif(s) : 0.5 * m[i * n + j];
            }
    }
}

/* The input of spec sp made from seed: a new host array owned by the open scope. */
static inline gen_array *make_input(const in_spec *sp, uint64_t seed) {
    int64_t size = 1;
    for (int d = 0; d < sp->nd; d++) size *= sp->shape[d];
    uint64_t s = mix64(seed);
    if (sp->t == GEN_I64) {
        int64_t *v = calloc((size_t)size + 1, sizeof *v);
        for (int64_t i = 0; i < size; i++) {
            double u = unif(&s);
            int lim = sp->lim;
            switch (sp->kind) {
            case K_WRAP: {
                static const int64_t big[] = {INT64_MAX, INT64_MIN, INT64_MAX - 3, INT64_MIN + 2, 3, -5, 1, 0};
                v[i] = big[(i + (int64_t)(s % 8)) % 8];
                break;
            }
            case K_IDX: v[i] = (int64_t)floor(u * 2 * lim) - lim; break;
            case K_NIDX: v[i] = (int64_t)floor(u * lim); break;
            default: v[i] = (int64_t)floor(u * (2 * lim + 1)) - lim; break;
            }
        }
        gen_array *a = gen_array_from(GEN_I64, sp->nd, sp->shape, v);
        free(v);
        return a;
    }
    double *v = calloc((size_t)size + 1, sizeof *v);
    if (sp->kind == K_SPD || sp->kind == K_TRI) matrices(v, size, sp->nd ? sp->shape[sp->nd - 1] : 1, sp->kind == K_SPD, &s);
    else
        for (int64_t i = 0; i < size; i++)
            v[i] = sp->t == GEN_BOOL ? unif(&s) < 0.5 : float_value(sp->kind, i, &s, sp->lim);
    gen_array *a = gen_array_from(GEN_F64, sp->nd, sp->shape, v);
    free(v);
    return sp->t == GEN_F64 ? a : gen_cast(a, sp->t); /* f32: huge values become inf */
}

/* ---- cases ---- */

typedef gen_array *(*un_fn)(const gen_array *);
typedef gen_array *(*bin_fn)(const gen_array *, const gen_array *);
typedef gen_array *(*red_fn)(const gen_array *, int, const int *, bool);
typedef gen_array *(*axis_fn)(const gen_array *, int);

typedef struct op_case {
    const char *name;
    gen_fn fn;           /* called with the case as payload */
    int n_in, n_out;
    in_spec in[4];
    bool grad;           /* also value_and_grad of sum(f(x) * w) over the float inputs */
    const char *refusal; /* gen_compile must fail with GEN_ERR_UNSUPPORTED naming this */
    /* parameters the functions read */
    un_fn un;
    bin_fn bin;
    red_fn red;
    axis_fn ax;
    int axis, naxes, axes[4];
    bool keep, flag;
    int64_t k;
    gen_dtype dtype;
} op_case;

#define CASE_FN(NAME) static gen_status NAME(void *pl, int n_in, gen_array *const *x, int n_out, gen_array **out)
#define CASE_ARGS (void)pl, (void)n_in, (void)n_out, (void)x
#define CASE_OF(pl) ((const op_case *)(pl))

static gen_status done(gen_array *a) { return a ? GEN_OK : gen_error_status(); }

CASE_FN(f_unary) { CASE_ARGS; return done(out[0] = CASE_OF(pl)->un(x[0])); }
CASE_FN(f_binary) { CASE_ARGS; return done(out[0] = CASE_OF(pl)->bin(x[0], x[1])); }
CASE_FN(f_cast) { CASE_ARGS; return done(out[0] = gen_cast(x[0], CASE_OF(pl)->dtype)); }
CASE_FN(f_reshape) { CASE_ARGS; return done(out[0] = gen_reshape(x[0], GEN_DIMS(3, 2, 2))); }
CASE_FN(f_broadcast) { CASE_ARGS; return done(out[0] = gen_broadcast_to(x[0], GEN_DIMS(2, 3, 4))); }
CASE_FN(f_where) { CASE_ARGS; return done(out[0] = gen_where(x[0], x[1], x[2])); }
CASE_FN(f_clip) { CASE_ARGS; return done(out[0] = gen_clip(x[0], x[1], x[2])); }
CASE_FN(f_floor_divide) { CASE_ARGS; return done(out[0] = op_apply2(OP_FLOOR_DIVIDE, x[0], x[1], NULL)); }

CASE_FN(f_reduce) {
    CASE_ARGS;
    const op_case *c = CASE_OF(pl);
    return done(out[0] = c->red(x[0], c->naxes, c->axes, c->keep));
}
CASE_FN(f_arg) {
    CASE_ARGS;
    const op_case *c = CASE_OF(pl);
    return done(out[0] = (c->flag ? gen_argmin : gen_argmax)(x[0], c->axis, c->keep));
}
CASE_FN(f_axis) { CASE_ARGS; return done(out[0] = CASE_OF(pl)->ax(x[0], CASE_OF(pl)->axis)); }
CASE_FN(f_cumlse_vjp) {
    CASE_ARGS;
    op_params p = {.axis = CASE_OF(pl)->axis};
    gen_array *in[3] = {x[0], gen_cumlogsumexp(x[0], p.axis), x[1]};
    return done(out[0] = op_apply(OP_CUMLSE_VJP, 3, in, &p));
}
CASE_FN(f_take_along) {
    CASE_ARGS;
    op_params p = {.axis = CASE_OF(pl)->axis};
    return done(out[0] = op_apply2(OP_TAKE_ALONG, x[0], x[1], &p));
}
CASE_FN(f_scatter_along) {
    CASE_ARGS;
    op_params p = {.axis = CASE_OF(pl)->axis, .k = CASE_OF(pl)->k};
    return done(out[0] = op_apply2(OP_SCATTER_ALONG, x[0], x[1], &p));
}

CASE_FN(f_permute) { CASE_ARGS; return done(out[0] = gen_permute(x[0], GEN_AXES(2, 0, 1))); }
CASE_FN(f_concatenate) { CASE_ARGS; return done(out[0] = gen_concatenate(3, x, CASE_OF(pl)->axis)); }
CASE_FN(f_slice) {
    CASE_ARGS;
    const op_case *c = CASE_OF(pl);
    return done(out[0] = c->flag ? gen_slice(x[0], c->axis, -2, 0, -2) : gen_slice(x[0], c->axis, 1, 4, 2));
}
CASE_FN(f_tile) { CASE_ARGS; return done(out[0] = gen_tile(x[0], 3, (const int64_t[]){2, 1, 3})); }
CASE_FN(f_take) { CASE_ARGS; return done(out[0] = gen_take(x[0], x[1], CASE_OF(pl)->axis)); }
CASE_FN(f_take_const) {
    CASE_ARGS;
    gen_array *ix = gen_array_from(GEN_I64, GEN_DIMS(2, 2), (const int64_t[]){2, -1, 0, 2});
    return done(out[0] = gen_take(x[0], ix, CASE_OF(pl)->axis));
}
CASE_FN(f_index_update) {
    CASE_ARGS;
    const op_case *c = CASE_OF(pl);
    return done(out[0] = (c->flag ? gen_index_add : gen_index_set)(x[0], c->axis, x[1], x[2]));
}

CASE_FN(f_tri_solve) {
    CASE_ARGS;
    const op_case *c = CASE_OF(pl);
    gen_array *t = c->flag ? gen_matrix_transpose(x[0]) : x[0]; /* upper when flag */
    return done(out[0] = gen_triangular_solve(t, x[1], !c->flag, c->k != 0));
}

CASE_FN(f_cholesky_vjp) { CASE_ARGS; return done(out[0] = op_apply2(OP_CHOLESKY_VJP, gen_cholesky(x[0]), x[1], NULL)); }
CASE_FN(f_normal_logpdf) { CASE_ARGS; return done(out[0] = op_apply(OP_NORMAL_LOGPDF, 3, x, NULL)); }
CASE_FN(f_normal_logpdf_sum) {
    CASE_ARGS;
    op_params p = {.ndim = (int)CASE_OF(pl)->k};
    return done(out[0] = op_apply(OP_NORMAL_LOGPDF_SUM, 3, x, &p));
}
CASE_FN(f_sum_scalars) { CASE_ARGS; return done(out[0] = op_apply(OP_SUM_SCALARS, n_in, x, NULL)); }
CASE_FN(f_bijection) {
    CASE_ARGS;
    op_params p = {.k = CASE_OF(pl)->k};
    return op_apply_n(OP_BIJECTION_SCALAR, n_in, x, &p, 2, out);
}
CASE_FN(f_gather) { CASE_ARGS; return done(out[0] = op_apply2(OP_CATEGORICAL_GATHER, x[0], x[1], NULL)); }
CASE_FN(f_sample) {
    CASE_ARGS;
    op_params p = {.k = CASE_OF(pl)->k};
    return done(out[0] = op_apply2(OP_CATEGORICAL_SAMPLE, x[0], x[1], &p));
}
CASE_FN(f_poisson) {
    CASE_ARGS;
    op_params p = {.dtype = CASE_OF(pl)->dtype};
    return done(out[0] = op_apply2(OP_POISSON_LOGPMF, x[0], x[1], &p));
}

/* Loop nests over a broadcast shape (emit_fuse.c): t = bin(x0, x1) with x0, x1 broadcast
 * per row ([N, 1]), along rows ([M]) or in full, u = t * t + x1 (the broadcast argument
 * read again in the nest), out[0] = red(u) along the last axis (keepdims: keep), out[1]
 * = u when n_out is 2. */
CASE_FN(f_rows) {
    CASE_ARGS;
    const op_case *c = CASE_OF(pl);
    gen_array *t = c->bin(x[0], x[1]), *u = gen_add(gen_mul(t, t), x[1]);
    if (n_out > 1) out[1] = u;
    return done(out[0] = c->red(u, 1, (const int[]){-1}, c->keep));
}

/* The batched log likelihood of the polynomial regression (bench/poly_model.h): a, b, c
 * [N, 1] per particle, the data x, y [50] (constants: x on [0, 1], y = 0.5 - 1.25 x + 2 x^2
 * + 0.05 sin(7 i)), mu = a + x (b + c x) [N, 50], score [N] = the sum along the last axis
 * of the normal log density of y at mu, sigma 0.05: k = 0 by NORMAL_LOGPDF, 1 by the
 * formula in ops, 2 by NORMAL_LOGPDF_SUM (broadcasted_normal's row). */
#define POLY_TEST_POINTS 50
CASE_FN(f_poly_loglik) {
    CASE_ARGS;
    const op_case *c = CASE_OF(pl);
    double xv[POLY_TEST_POINTS], yv[POLY_TEST_POINTS];
    for (int i = 0; i < POLY_TEST_POINTS; i++) {
        xv[i] = i / (double)(POLY_TEST_POINTS - 1);
        yv[i] = 0.5 - 1.25 * xv[i] + 2.0 * xv[i] * xv[i] + 0.05 * sin(7.0 * i);
    }
    gen_array *xd = gen_array_from_f64(GEN_DIMS(POLY_TEST_POINTS), xv), *y = gen_array_from_f64(GEN_DIMS(POLY_TEST_POINTS), yv);
    gen_array *sigma = gen_scalar(0.05);
    gen_array *mu = gen_add(x[0], gen_mul(xd, gen_add(x[1], gen_mul(x[2], xd))));
    if (c->k == 2) {
        op_params p = {.ndim = 1};
        return done(out[0] = op_apply(OP_NORMAL_LOGPDF_SUM, 3, (gen_array *[]){y, mu, sigma}, &p));
    }
    gen_array *lp;
    if (c->k == 0) {
        lp = op_apply(OP_NORMAL_LOGPDF, 3, (gen_array *[]){y, mu, sigma}, NULL);
    } else {
        gen_array *z = gen_div(gen_sub(y, mu), sigma);
        lp = gen_sub(gen_sub(gen_mul(gen_scalar(-0.5), gen_square(z)), gen_log(sigma)), gen_scalar(FUSED_HALF_LOG_2PI));
    }
    return done(out[0] = gen_sum(lp, 1, (const int[]){-1}, false));
}

/* A scalar family's density for SCALAR_LOGPDF: -(x - p0)^2 / 2. */
static double quad_logpdf(const double *p, double x, double *g) {
    g[0] = -(x - p[0]), g[1] = x - p[0];
    return -0.5 * (x - p[0]) * (x - p[0]);
}
CASE_FN(f_scalar_logpdf) {
    CASE_ARGS;
    op_params p = {.scalar_grad = quad_logpdf};
    return done(out[0] = op_apply(OP_SCALAR_LOGPDF, 2, x, &p));
}
static gen_status twice_fwd(void *pl, int n_in, gen_array *const *x, int n_out, gen_array **out) {
    CASE_ARGS;
    return done(out[0] = gen_mul(x[0], gen_scalar(2)));
}
static gen_status twice_rule(void *pl, int n_in, gen_array *const *in, int n_out, gen_array *const *out,
                             gen_array *const *cot, gen_array **in_cot) {
    (void)pl, (void)n_in, (void)in, (void)n_out, (void)out;
    return done(in_cot[0] = gen_mul(cot[0], gen_scalar(2)));
}
CASE_FN(f_custom_vjp) {
    CASE_ARGS;
    return gen_custom_vjp((gen_closure){twice_fwd, NULL}, twice_rule, NULL, 1, x, 1, out);
}

/* ---- the gradient function: value_and_grad of sum_j sum(f(x)_j * w_j) over the float
 * inputs (the others are closed over) ---- */

typedef struct grad_fn {
    const op_case *c;
    gen_array *w[4]; /* a weight per float output, NULL for the others */
    int fi[4], nf;   /* the float inputs */
    gen_array *const *all;
} grad_fn;

static inline gen_status grad_inner(void *pl, int nf, gen_array *const *xf, int n_out, gen_array **out) {
    (void)n_out;
    const grad_fn *g = pl;
    gen_array *args[4], *o[4] = {0}, *total = NULL;
    for (int i = 0; i < g->c->n_in; i++) args[i] = g->all[i];
    for (int i = 0; i < nf; i++) args[g->fi[i]] = xf[i];
    gen_status st = g->c->fn((void *)g->c, g->c->n_in, args, g->c->n_out, o);
    if (st != GEN_OK) return st;
    for (int j = 0; j < g->c->n_out; j++) {
        if (!g->w[j]) continue;
        gen_array *t = gen_sum(gen_mul(o[j], g->w[j]), 0, NULL, false);
        total = total ? gen_add(total, gen_cast(t, GEN_F64)) : gen_cast(t, GEN_F64);
    }
    return done(out[0] = total);
}

static inline gen_status grad_outer(void *pl, int n_in, gen_array *const *x, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    grad_fn g = *(const grad_fn *)pl;
    g.all = x;
    gen_array *prim[4];
    for (int i = 0; i < g.nf; i++) prim[i] = x[g.fi[i]];
    return gen_value_and_grad((gen_closure){grad_inner, &g}, g.nf, prim, &out[0], out + 1);
}

/* g for case c, whose outputs at some inputs are o: its float inputs, and a weight (made
 * by make_input, on the host) for each float output. */
static inline void grad_fn_init(grad_fn *g, const op_case *c, gen_array *const *o) {
    memset(g, 0, sizeof *g);
    g->c = c;
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i].t == GEN_F64 || c->in[i].t == GEN_F32) g->fi[g->nf++] = i;
    for (int j = 0; j < c->n_out && o[j]; j++) {
        gen_dtype t = gen_array_dtype(o[j]);
        if (t != GEN_F64 && t != GEN_F32) continue;
        in_spec ws = {t, K_NORMAL, 3, gen_array_ndim(o[j]), {0}};
        memcpy(ws.shape, gen_array_shape(o[j]), (size_t)ws.nd * sizeof *ws.shape);
        g->w[j] = make_input(&ws, 77 + (uint64_t)j);
    }
}

/* ---- the table ---- */

#define UN(NAME, K, G) {#NAME, f_unary, 1, 1, {IN(F64, K, 3, 4)}, G, .un = gen_##NAME}
#define UN_SPECIAL(NAME) {#NAME "/special", f_unary, 1, 1, {IN(F64, SPECIAL, 3, 4)}, .un = gen_##NAME}
#define UN_F32(NAME, K) {#NAME "/f32", f_unary, 1, 1, {IN(F32, K, 5)}, .un = gen_##NAME}
#define UN_I64(NAME) {#NAME "/i64", f_unary, 1, 1, {IN(I64, WRAP, 2, 3)}, .un = gen_##NAME}
#define UN_ALL(NAME, K) UN(NAME, K, true), UN_SPECIAL(NAME), UN_F32(NAME, K)
#define BIN(NAME, T1, K1, T2, K2, G) \
    {#NAME "/" #T1 #K1, f_binary, 2, 1, {IN(T1, K1, 2, 1, 3), IN(T2, K2, 4, 1)}, G, .bin = gen_##NAME}
#define BIN_ALL(NAME, K) \
    BIN(NAME, F64, K, F64, K, true), BIN(NAME, F64, SPECIAL, F64, SPECIAL, false), BIN(NAME, F32, K, F32, K, false)
#define RED(NAME, T, K, G, KEEP, ...)                                                                       \
    {#NAME "/" #T #K #KEEP, f_reduce, 1, 1, {IN(T, K, 2, 3, 4)}, G, .red = gen_##NAME, .keep = KEEP,          \
     .naxes = NDIMS(__VA_ARGS__), .axes = {__VA_ARGS__}}
#define RED_ALL(NAME, T, K, G) {#NAME "/all " #T, f_reduce, 1, 1, {IN(T, K, 2, 3)}, G, .red = gen_##NAME}
#define RED_0D(NAME, T, K) {#NAME "/0-d " #T, f_reduce, 1, 1, {IN0(T, K)}, false, .red = gen_##NAME}

#define ROWS(NAME, N_OUT, BIN_, RED_, KEEP, G, ...) \
    {NAME, f_rows, 2, N_OUT, {__VA_ARGS__}, G, .bin = gen_##BIN_, .red = gen_##RED_, .keep = KEEP}
#define POLY(NAME, N, K, G) \
    {NAME, f_poly_loglik, 3, 1, {IN(F64, NORMAL, N, 1), IN(F64, NORMAL, N, 1), IN(F64, NORMAL, N, 1)}, G, .k = K}

static const op_case op_cases[] = {
    /* ---- core ---- */
    {"cast f64->f32", f_cast, 1, 1, {IN(F64, NORMAL, 3, 4)}, true, .dtype = GEN_F32},
    {"cast f64->f32 special", f_cast, 1, 1, {IN(F64, SPECIAL, 3, 4)}, .dtype = GEN_F32},
    {"cast f64->i64", f_cast, 1, 1, {IN(F64, SPECIAL, 3, 4)}, .dtype = GEN_I64},
    {"cast f32->bool", f_cast, 1, 1, {IN(F32, SPECIAL, 7)}, .dtype = GEN_BOOL},
    {"cast bool->f64", f_cast, 1, 1, {IN(BOOL, BOOL, 7)}, .dtype = GEN_F64},
    {"cast i64->f32", f_cast, 1, 1, {IN(I64, WRAP, 7)}, .dtype = GEN_F32},
    {"cast f32->f64", f_cast, 1, 1, {IN(F32, NORMAL, 2, 2)}, true, .dtype = GEN_F64},
    {"cast f32->i64", f_cast, 1, 1, {IN(F32, SPECIAL, 9)}, .dtype = GEN_I64},
    {"cast f64->bool", f_cast, 1, 1, {IN(F64, SPECIAL, 9)}, .dtype = GEN_BOOL},
    {"cast i64->f64", f_cast, 1, 1, {IN(I64, WRAP, 8)}, .dtype = GEN_F64},
    {"cast i64->bool", f_cast, 1, 1, {IN(I64, INT, 8)}, .dtype = GEN_BOOL},
    {"cast bool->i64", f_cast, 1, 1, {IN(BOOL, BOOL, 7)}, .dtype = GEN_I64},
    {"cast bool->f32", f_cast, 1, 1, {IN(BOOL, BOOL, 7)}, .dtype = GEN_F32},
    UN(stop_gradient, NORMAL, true),
    UN(copy, NORMAL, true),
    {"copy/i64", f_unary, 1, 1, {IN(I64, INT, 3)}, .un = gen_copy},
    {"reshape", f_reshape, 1, 1, {IN(F64, NORMAL, 2, 6)}, .grad = true},
    {"broadcast_to", f_broadcast, 1, 1, {IN(F64, NORMAL, 3, 1)}, .grad = true},
    {"broadcast_to/bool", f_broadcast, 1, 1, {IN(BOOL, BOOL, 4)}, .grad = false},
    /* ---- unary ---- */
    UN_ALL(neg, NORMAL), UN_I64(neg),
    UN_ALL(abs, NORMAL), UN_I64(abs),
    UN_ALL(sign, NORMAL), UN_I64(sign),
    UN_ALL(exp, NORMAL), UN_ALL(expm1, NORMAL), UN_ALL(log, POS), UN_ALL(log1p, POS), UN_ALL(sqrt, POS),
    UN_ALL(square, NORMAL), UN_I64(square),
    UN_ALL(reciprocal, POS), UN_ALL(sin, NORMAL), UN_ALL(cos, NORMAL), UN_ALL(tan, UNIT), UN_ALL(tanh, NORMAL),
    UN_ALL(sigmoid, NORMAL), UN_ALL(log_sigmoid, NORMAL), UN_ALL(softplus, NORMAL),
    UN_ALL(floor, NORMAL), UN_I64(floor), UN_ALL(ceil, NORMAL), UN_I64(ceil), UN_ALL(round, NORMAL), UN_I64(round),
    UN_ALL(erf, NORMAL), UN_ALL(erfc, NORMAL), UN_ALL(erfinv, UNIT), UN_ALL(lgamma, POS), UN_ALL(digamma, POS),
    UN(trigamma, POS, false), UN_SPECIAL(trigamma), UN_F32(trigamma, POS),
    UN_ALL(log_ndtr, NORMAL),
    UN_SPECIAL(logical_not), UN_I64(logical_not), {"logical_not/bool", f_unary, 1, 1, {IN(BOOL, BOOL, 5)}, .un = gen_logical_not},
    UN_SPECIAL(isfinite), UN_I64(isfinite), UN_F32(isfinite, NORMAL),
    UN_SPECIAL(isnan), UN_I64(isnan), UN_F32(isnan, NORMAL),
    /* ---- binary ---- */
    BIN_ALL(add, NORMAL), BIN(add, I64, WRAP, I64, WRAP, false),
    BIN_ALL(sub, NORMAL), BIN(sub, I64, WRAP, I64, WRAP, false),
    BIN_ALL(mul, NORMAL), BIN(mul, I64, WRAP, I64, WRAP, false),
    BIN_ALL(div, POS), BIN(div, I64, INT, I64, INT, false),
    BIN_ALL(maximum, NORMAL), BIN(maximum, I64, INT, I64, INT, false),
    BIN_ALL(minimum, NORMAL), BIN(minimum, I64, INT, I64, INT, false),
    BIN_ALL(pow, POS), BIN(pow, F64, NORMAL, F64, INT, false),
    BIN_ALL(atan2, NORMAL),
    BIN_ALL(mod, POS), BIN(mod, F64, NORMAL, F64, INT, false), BIN(mod, I64, WRAP, I64, INT, false),
    {"floor_divide", f_floor_divide, 2, 1, {IN(F64, NORMAL, 2, 1, 3), IN(F64, INT, 4, 1)}, .grad = true},
    {"floor_divide/special", f_floor_divide, 2, 1, {IN(F64, SPECIAL, 3, 4), IN(F64, SPECIAL, 3, 4)}, .grad = false},
    BIN_ALL(logaddexp, NORMAL),
    BIN(eq, F64, SPECIAL, F64, SPECIAL, false), BIN(eq, I64, INT, I64, INT, false), BIN(eq, BOOL, BOOL, BOOL, BOOL, false),
    BIN(ne, F64, SPECIAL, F64, SPECIAL, false), BIN(ne, F32, INT, F32, INT, false),
    BIN(lt, F64, SPECIAL, F64, SPECIAL, false), BIN(lt, I64, INT, I64, INT, false),
    BIN(le, F64, SPECIAL, F64, SPECIAL, false), BIN(le, I64, INT, I64, INT, false),
    BIN(gt, F64, SPECIAL, F64, SPECIAL, false), BIN(gt, I64, INT, I64, INT, false),
    BIN(ge, F64, SPECIAL, F64, SPECIAL, false), BIN(ge, I64, INT, I64, INT, false),
    BIN(logical_and, BOOL, BOOL, BOOL, BOOL, false), BIN(logical_and, F64, SPECIAL, F64, INT, false),
    BIN(logical_or, BOOL, BOOL, BOOL, BOOL, false), BIN(logical_or, I64, INT, I64, INT, false),
    {"where", f_where, 3, 1, {IN(BOOL, BOOL, 2, 1, 3), IN(F64, NORMAL, 4, 1), IN0(F64, NORMAL)}, .grad = true},
    {"where/i64", f_where, 3, 1, {IN(BOOL, BOOL, 3), IN(I64, INT, 2, 3), IN(I64, WRAP, 1)}, .grad = false},
    {"where/bool", f_where, 3, 1, {IN(BOOL, BOOL, 4), IN(BOOL, BOOL, 4), IN(BOOL, BOOL, 1)}, .grad = false},
    {"clip", f_clip, 3, 1, {IN(F64, NORMAL, 2, 3, 4), IN(F64, NORMAL, 4), IN0(F64, POS)}, .grad = true},
    {"clip/special", f_clip, 3, 1, {IN(F64, SPECIAL, 3, 4), IN(F64, SPECIAL, 4), IN(F64, POS, 3, 1)}, .grad = false},
    {"clip/i64", f_clip, 3, 1, {IN(I64, INT, 6), IN0(I64, INT), IN(I64, INT, 6)}, .grad = false},
    {"clip/f32", f_clip, 3, 1, {IN(F32, NORMAL, 6), IN0(F32, NORMAL), IN0(F32, POS)}, .grad = false},
    /* ---- reductions (axes, keepdims, all axes, 0-d, empty axes) ---- */
    RED(sum, F64, NORMAL, true, false, 1), RED(sum, F64, NORMAL, true, true, 0, 2), RED_ALL(sum, F64, NORMAL, true),
    RED(sum, F32, NORMAL, false, false, 2), RED(sum, I64, WRAP, false, true, 1), RED(sum, BOOL, BOOL, false, false, 0),
    RED_0D(sum, F64, NORMAL),
    {"sum/empty", f_reduce, 1, 1, {IN(F64, NORMAL, 0, 3)}, true, .red = gen_sum, .naxes = 1, .axes = {0}},
    RED(prod, F64, NORMAL, true, false, 1), RED(prod, F64, INT, true, true, 2), RED(prod, I64, WRAP, false, false, 0),
    RED(max, F64, NORMAL, true, false, 1), RED(max, F64, SPECIAL, false, true, 2), RED(max, I64, WRAP, false, false, 0),
    RED(max, BOOL, BOOL, false, false, 1), RED(max, F32, NORMAL, false, false, 0, 1, 2), RED_0D(max, I64, INT),
    RED(min, F64, NORMAL, true, true, 0), RED(min, F64, SPECIAL, false, false, 1), RED(min, I64, WRAP, false, false, 2),
    RED(min, BOOL, BOOL, false, true, 2),
    RED(logsumexp, F64, NORMAL, true, false, 2), RED(logsumexp, F64, SPECIAL, false, true, 1),
    RED(logsumexp, F32, NORMAL, false, false, 0), RED_ALL(logsumexp, F64, NORMAL, true),
    {"logsumexp/empty", f_reduce, 1, 1, {IN(F64, NORMAL, 2, 0)}, true, .red = gen_logsumexp, .naxes = 1, .axes = {1}},
    RED(all, BOOL, BOOL, false, false, 1), RED(all, F64, SPECIAL, false, true, 0), RED_ALL(all, I64, INT, false),
    RED(any, BOOL, BOOL, false, true, 2), RED(any, F64, INT, false, false, 0, 1), RED_0D(any, BOOL, BOOL),
    {"argmax", f_arg, 1, 1, {IN(F64, NORMAL, 3, 4)}, .axis = 1},
    {"argmax/special keep", f_arg, 1, 1, {IN(F64, SPECIAL, 4, 3)}, .axis = 0, .keep = true},
    {"argmax/i64", f_arg, 1, 1, {IN(I64, INT, 2, 5)}, .axis = -1},
    {"argmax/bool", f_arg, 1, 1, {IN(BOOL, BOOL, 6)}, .axis = 0},
    {"argmin", f_arg, 1, 1, {IN(F64, SPECIAL, 3, 4)}, .axis = 1, .flag = true},
    {"argmin/f32", f_arg, 1, 1, {IN(F32, INT, 2, 3, 2)}, .axis = 1, .flag = true, .keep = true},
    {"cumsum", f_axis, 1, 1, {IN(F64, NORMAL, 3, 4)}, true, .ax = gen_cumsum, .axis = 1},
    {"cumsum/axis 0", f_axis, 1, 1, {IN(F64, NORMAL, 3, 2, 2)}, true, .ax = gen_cumsum, .axis = 0},
    {"cumsum/i64", f_axis, 1, 1, {IN(I64, WRAP, 2, 3)}, .ax = gen_cumsum, .axis = 1},
    {"cumsum/f32", f_axis, 1, 1, {IN(F32, NORMAL, 5)}, .ax = gen_cumsum, .axis = 0},
    {"cumsum/bool", f_axis, 1, 1, {IN(BOOL, BOOL, 5)}, .ax = gen_cumsum, .axis = 0},
    {"cumlogsumexp", f_axis, 1, 1, {IN(F64, NORMAL, 3, 4)}, true, .ax = gen_cumlogsumexp, .axis = 1},
    {"cumlogsumexp/special", f_axis, 1, 1, {IN(F64, SPECIAL, 4, 3)}, .ax = gen_cumlogsumexp, .axis = 0},
    {"cumlogsumexp/f32", f_axis, 1, 1, {IN(F32, NORMAL, 6)}, .ax = gen_cumlogsumexp, .axis = 0},
    {"cumlogsumexp_vjp", f_cumlse_vjp, 2, 1, {IN(F64, NORMAL, 3, 4), IN(F64, NORMAL, 3, 4)}, true, .axis = 1},
    {"cumlogsumexp_vjp/axis 0", f_cumlse_vjp, 2, 1, {IN(F64, SPECIAL, 5, 2), IN(F64, NORMAL, 5, 2)}, .axis = 0},
    {"argsort", f_axis, 1, 1, {IN(F64, INT, 3, 5)}, .ax = gen_argsort, .axis = 1},
    {"argsort/special", f_axis, 1, 1, {IN(F64, SPECIAL, 6, 2)}, .ax = gen_argsort, .axis = 0},
    {"argsort/i64", f_axis, 1, 1, {IN(I64, INT, 2, 7)}, .ax = gen_argsort, .axis = -1},
    {"argsort/f32", f_axis, 1, 1, {IN(F32, INT, 9)}, .ax = gen_argsort, .axis = 0},
    {"argsort/bool", f_axis, 1, 1, {IN(BOOL, BOOL, 9)}, .ax = gen_argsort, .axis = 0},
    {"sort (take_along)", f_axis, 1, 1, {IN(F64, NORMAL, 3, 5)}, true, .ax = gen_sort, .axis = 1},
    {"sort/axis 0", f_axis, 1, 1, {IN(F64, SPECIAL, 4, 3)}, .ax = gen_sort, .axis = 0},
    {"take_along", f_take_along, 2, 1, {IN(F64, NORMAL, 2, 4, 3), INL(I64, NIDX, 4, 2, 5, 3)}, true, .axis = 1},
    {"take_along/i64", f_take_along, 2, 1, {IN(I64, INT, 4, 3), INL(I64, NIDX, 4, 2, 3)}, .axis = 0},
    {"scatter_along", f_scatter_along, 2, 1, {IN(F64, NORMAL, 2, 5, 3), INL(I64, NIDX, 4, 2, 5, 3)}, true, .axis = 1,
     .k = 4},
    {"scatter_along/i64", f_scatter_along, 2, 1, {IN(I64, WRAP, 6), INL(I64, NIDX, 3, 6)}, .axis = 0, .k = 3},
    {"scatter_along/f32", f_scatter_along, 2, 1, {IN(F32, NORMAL, 3, 2), INL(I64, NIDX, 5, 3, 2)}, .axis = 1, .k = 5},
    /* ---- shape ---- */
    {"permute", f_permute, 1, 1, {IN(F64, NORMAL, 2, 3, 4)}, .grad = true},
    {"permute/i64", f_permute, 1, 1, {IN(I64, INT, 1, 3, 2)}, .grad = false},
    {"concatenate", f_concatenate, 3, 1, {IN(F64, NORMAL, 2, 3), IN(F64, NORMAL, 2, 0), IN(F64, NORMAL, 2, 2)}, true,
     .axis = 1},
    {"concatenate/bool", f_concatenate, 3, 1, {IN(BOOL, BOOL, 1, 2), IN(BOOL, BOOL, 2, 2), IN(BOOL, BOOL, 3, 2)}, .grad = false},
    {"slice", f_slice, 1, 1, {IN(F64, NORMAL, 3, 6, 2)}, true, .axis = 1},
    {"slice/negative step", f_slice, 1, 1, {IN(F64, NORMAL, 8, 2)}, true, .axis = 0, .flag = true},
    {"slice/i64", f_slice, 1, 1, {IN(I64, INT, 2, 5)}, .axis = 1},
    {"flip", f_axis, 1, 1, {IN(F64, NORMAL, 3, 4)}, true, .ax = gen_flip, .axis = 0},
    {"flip/bool", f_axis, 1, 1, {IN(BOOL, BOOL, 2, 3)}, .ax = gen_flip, .axis = 1},
    {"tile", f_tile, 1, 1, {IN(F64, NORMAL, 2, 3)}, .grad = true},
    {"tile/0-d", f_tile, 1, 1, {IN0(F64, NORMAL)}, .grad = true},
    {"tile/i64 3-d", f_tile, 1, 1, {IN(I64, INT, 2, 1, 2)}, .grad = false},
    {"tile/empty", f_tile, 1, 1, {IN(F64, NORMAL, 0, 2)}, .grad = false},
    {"take", f_take, 2, 1, {IN(F64, NORMAL, 3, 4), INL(I64, IDX, 4, 2, 3)}, true, .axis = 1},
    {"take/0-d index", f_take, 2, 1, {IN(F32, NORMAL, 3, 4), INL0(I64, IDX, 3)}, .axis = 0},
    {"take/empty index", f_take, 2, 1, {IN(F64, NORMAL, 3, 4), INL(I64, IDX, 4, 0)}, true, .axis = 1},
    {"take/constant indices", f_take_const, 1, 1, {IN(F64, NORMAL, 3, 4)}, true, .axis = 0},
    {"index_set", f_index_update, 3, 1, {IN(F64, NORMAL, 4, 3), INL(I64, IDX, 4, 5), IN(F64, NORMAL, 5, 1)}, true,
     .axis = 0},
    {"index_set/0-d values", f_index_update, 3, 1, {IN(I64, INT, 2, 5), INL(I64, IDX, 5, 3), IN0(I64, INT)}, .axis = 1},
    {"index_set/axis 1 full", f_index_update, 3, 1, {IN(F64, NORMAL, 2, 4, 2), INL(I64, IDX, 4, 3),
                                                     IN(F64, NORMAL, 2, 3, 2)}, true, .axis = 1},
    {"index_add", f_index_update, 3, 1, {IN(F64, NORMAL, 2, 4, 2), INL(I64, IDX, 4, 2, 3), IN(F64, NORMAL, 3, 1)}, true,
     .axis = 1, .flag = true},
    {"index_add/i64 wraps", f_index_update, 3, 1, {IN(I64, WRAP, 3, 2), INL(I64, IDX, 3, 6), IN(I64, WRAP, 6, 2)},
     .axis = 0, .flag = true},
    {"index_add/bool", f_index_update, 3, 1, {IN(BOOL, BOOL, 4), INL(I64, IDX, 4, 3), IN(BOOL, BOOL, 3)}, .axis = 0,
     .flag = true},
    {"index_add/f32", f_index_update, 3, 1, {IN(F32, NORMAL, 5), INL(I64, IDX, 5, 7), IN0(F32, NORMAL)}, .axis = 0,
     .flag = true},
    /* ---- linalg (batched, broadcast batches, f32, empty) ---- */
    {"matmul", f_binary, 2, 1, {IN(F64, NORMAL, 2, 1, 3, 4), IN(F64, NORMAL, 3, 4, 2)}, true, .bin = gen_matmul},
    {"matmul/shared b", f_binary, 2, 1, {IN(F64, NORMAL, 2, 3, 4), IN(F64, NORMAL, 4, 5)}, true, .bin = gen_matmul},
    {"matmul/vectors", f_binary, 2, 1, {IN(F64, NORMAL, 4), IN(F64, NORMAL, 4, 3)}, true, .bin = gen_matmul},
    {"matmul/matrix vector", f_binary, 2, 1, {IN(F64, NORMAL, 3, 4), IN(F64, NORMAL, 4)}, true, .bin = gen_matmul},
    {"matmul/dot", f_binary, 2, 1, {IN(F64, NORMAL, 5), IN(F64, NORMAL, 5)}, true, .bin = gen_matmul},
    {"matmul/k 1", f_binary, 2, 1, {IN(F64, NORMAL, 3, 1), IN(F64, NORMAL, 1, 2)}, true, .bin = gen_matmul},
    {"matmul/k 0", f_binary, 2, 1, {IN(F64, NORMAL, 3, 0), IN(F64, NORMAL, 0, 2)}, .bin = gen_matmul},
    {"matmul/f32", f_binary, 2, 1, {IN(F32, NORMAL, 2, 3, 4), IN(F32, NORMAL, 2, 4, 3)}, .bin = gen_matmul},
    {"diag", f_unary, 1, 1, {IN(F64, NORMAL, 2, 3, 3)}, true, .un = gen_diag},
    {"diag/i64", f_unary, 1, 1, {IN(I64, INT, 3, 3)}, .un = gen_diag},
    {"diag_embed", f_unary, 1, 1, {IN(F64, NORMAL, 2, 3)}, true, .un = gen_diag_embed},
    {"cholesky", f_unary, 1, 1, {IN(F64, SPD, 2, 3, 3)}, true, .un = gen_cholesky},
    {"cholesky/1x1", f_unary, 1, 1, {IN(F64, SPD, 1, 1)}, true, .un = gen_cholesky},
    {"cholesky/f32", f_unary, 1, 1, {IN(F32, SPD, 4, 4)}, .un = gen_cholesky},
    {"cholesky/empty", f_unary, 1, 1, {IN(F64, SPD, 0, 3, 3)}, .un = gen_cholesky},
    {"cholesky_vjp", f_cholesky_vjp, 2, 1, {IN(F64, SPD, 2, 3, 3), IN(F64, NORMAL, 2, 3, 3)}, .grad = true},
    {"cholesky_vjp/empty", f_cholesky_vjp, 2, 1, {IN(F64, SPD, 2, 0, 0), IN(F64, NORMAL, 2, 0, 0)}, .grad = false},
    {"triangular_solve", f_tri_solve, 2, 1, {IN(F64, TRI, 2, 3, 3), IN(F64, NORMAL, 3, 2)}, .grad = true},
    {"triangular_solve/transpose", f_tri_solve, 2, 1, {IN(F64, TRI, 3, 3), IN(F64, NORMAL, 2, 1, 3, 4)}, true, .k = 1},
    {"triangular_solve/upper", f_tri_solve, 2, 1, {IN(F64, TRI, 4, 4), IN(F64, NORMAL, 4)}, true, .flag = true},
    {"triangular_solve/upper transpose f32", f_tri_solve, 2, 1, {IN(F32, TRI, 3, 3), IN(F32, NORMAL, 3, 2)},
     .flag = true, .k = 1},
    {"solve", f_binary, 2, 1, {IN(F64, SPD, 2, 3, 3), IN(F64, NORMAL, 3, 2)}, true, .bin = gen_solve},
    {"solve/broadcast batch", f_binary, 2, 1, {IN(F64, SPD, 3, 3), IN(F64, NORMAL, 2, 3, 1)}, true, .bin = gen_solve},
    {"solve/f32", f_binary, 2, 1, {IN(F32, SPD, 2, 2), IN(F32, NORMAL, 2, 3)}, .bin = gen_solve},
    {"inv", f_unary, 1, 1, {IN(F64, SPD, 2, 3, 3)}, true, .un = gen_inv},
    {"inv/f32", f_unary, 1, 1, {IN(F32, SPD, 3, 3)}, .un = gen_inv},
    {"logdet", f_unary, 1, 1, {IN(F64, SPD, 2, 3, 3)}, true, .un = gen_logdet},
    {"logdet/single", f_unary, 1, 1, {IN(F64, NORMAL, 4, 4)}, true, .un = gen_logdet},
    {"logdet/f32", f_unary, 1, 1, {IN(F32, SPD, 3, 3)}, .un = gen_logdet},
    {"logdet/0x0", f_unary, 1, 1, {IN(F64, SPD, 2, 0, 0)}, .un = gen_logdet},
    /* ---- fused rows ---- */
    {"normal_logpdf", f_normal_logpdf, 3, 1, {IN(F64, NORMAL, 2, 3), IN(F64, NORMAL, 3), IN(F64, POS, 2, 1)}, .grad = true},
    {"normal_logpdf/scalars", f_normal_logpdf, 3, 1, {IN0(F64, NORMAL), IN0(F64, NORMAL), IN0(F64, POS)}, .grad = true},
    {"normal_logpdf/full", f_normal_logpdf, 3, 1, {IN(F64, NORMAL, 4), IN(F64, NORMAL, 4), IN0(F64, POS)}, .grad = true},
    {"normal_logpdf_sum/rows", f_normal_logpdf_sum, 3, 1, {IN(F64, NORMAL, 9), IN(F64, NORMAL, 3, 9), IN0(F64, POS)},
     true, .k = 1},
    {"normal_logpdf_sum/full rows", f_normal_logpdf_sum, 3, 1,
     {IN(F64, NORMAL, 2, 2, 6), IN(F64, NORMAL, 2, 2, 6), IN0(F64, POS)}, true, .k = 1},
    {"normal_logpdf_sum/one", f_normal_logpdf_sum, 3, 1, {IN(F64, NORMAL, 2, 3), IN0(F64, NORMAL), IN0(F64, POS)}, true,
     .k = 2},
    {"normal_logpdf_sum/sigmas", f_normal_logpdf_sum, 3, 1,
     {IN(F64, NORMAL, 7), IN(F64, NORMAL, 7), IN(F64, POS, 7)}, true, .k = 1},
    {"sum_scalars", f_sum_scalars, 3, 1, {IN0(F64, NORMAL), IN0(F64, NORMAL), IN0(F64, NORMAL)}, .grad = true},
    {"bijection_scalar/exp", f_bijection, 1, 2, {IN0(F64, NORMAL)}, true, .k = BIJ_SCALAR_EXP},
    {"bijection_scalar/lower", f_bijection, 2, 2, {IN0(F64, NORMAL), IN0(F64, NORMAL)}, true, .k = BIJ_SCALAR_LOWER},
    {"bijection_scalar/interval", f_bijection, 3, 2, {IN0(F64, NORMAL), IN0(F64, UNIT), IN0(F64, ABOVE1)}, true,
     .k = BIJ_SCALAR_INTERVAL},
    {"categorical_gather", f_gather, 2, 1, {INL(I64, IDX, 4, 3, 1), IN(F64, NORMAL, 2, 4)}, .grad = false},
    {"categorical_gather/f64 x", f_gather, 2, 1, {IN(F64, SPECIAL, 6), IN(F64, NORMAL, 4)}, .grad = false},
    {"categorical_gather/f64 ints", f_gather, 2, 1, {INL(F64, INT, 4, 2, 3), IN(F32, NORMAL, 3, 5)}, .grad = false},
    {"categorical_gather/bool", f_gather, 2, 1, {IN(BOOL, BOOL, 2, 1), IN(F64, NORMAL, 3, 2)}, .grad = false},
    {"categorical_sample", f_sample, 2, 1, {IN(F64, PROBS, 3, 4), IN(F64, UNIT, 2, 3)}, .grad = false},
    {"categorical_sample/logits", f_sample, 2, 1, {IN(F32, NORMAL, 5), IN(F64, UNIT, 4)}, .k = 1},
    {"categorical_sample/many", f_sample, 2, 1, {IN(F64, PROBS, 2, 40), IN(F64, UNIT, 6)}, .k = 0},
    {"poisson_logpmf", f_poisson, 2, 1, {INL(I64, INT, 4, 2, 3), IN(F64, POS, 3)}, .dtype = GEN_F64},
    {"poisson_logpmf/f64 x", f_poisson, 2, 1, {IN(F64, SPECIAL, 3, 4), IN(F64, POS, 1)}, .dtype = GEN_F64},
    {"poisson_logpmf/big f32", f_poisson, 2, 1, {INL(F64, INT, 400, 6), IN(F32, POS, 6)}, .dtype = GEN_F32},
    {"scalar_logpdf", f_scalar_logpdf, 2, 1, {IN0(F64, NORMAL), IN0(F64, NORMAL)}, .refusal = "scalar_logpdf"},
    {"custom_vjp", f_custom_vjp, 1, 1, {IN(F64, NORMAL, 3)}, .refusal = "custom_vjp"},
    /* ---- loop nests over broadcast shapes: [N, 1] with [M], [M] with [N, 1], [N, M] with
     * [N, 1] and with one value; sum, prod, max, min along the last axis, keepdims or not;
     * 3-d shapes; NaN and infinities; f32; a middle axis broadcast (no nest) ---- */
    ROWS("rows/[N,1]+[M] sum", 2, add, sum, false, true, IN(F64, NORMAL, 7, 1), IN(F64, NORMAL, 5)),
    ROWS("rows/[M]*[N,1] sum keep", 2, mul, sum, true, true, IN(F64, NORMAL, 5), IN(F64, NORMAL, 7, 1)),
    ROWS("rows/[N,M]-[N,1] max", 1, sub, max, false, true, IN(F64, NORMAL, 6, 5), IN(F64, NORMAL, 6, 1)),
    ROWS("rows/[N,M]*one min keep", 2, mul, min, true, true, IN(F64, NORMAL, 6, 5), IN0(F64, NORMAL)),
    ROWS("rows/[N,1]/[M] prod", 1, div, prod, false, true, IN(F64, POS, 8, 1), IN(F64, POS, 6)),
    ROWS("rows/[N,M]+[M] prod keep", 1, add, prod, true, false, IN(F64, NORMAL, 4, 3), IN(F64, UNIT, 3)),
    ROWS("rows/[M]-[N,M] min", 1, sub, min, false, false, IN(F64, NORMAL, 9), IN(F64, NORMAL, 4, 9)),
    ROWS("rows/[1,M]*[N,1] max keep", 2, mul, max, true, false, IN(F64, NORMAL, 1, 6), IN(F64, NORMAL, 5, 1)),
    ROWS("rows/3-d [A,B,C]+[A,B,1] sum", 2, add, sum, false, true, IN(F64, NORMAL, 3, 4, 5), IN(F64, NORMAL, 3, 4, 1)),
    ROWS("rows/3-d [C]*[A,B,1] sum keep", 1, mul, sum, true, true, IN(F64, NORMAL, 6), IN(F64, NORMAL, 2, 3, 1)),
    ROWS("rows/3-d [A,B,C]-[C] max", 1, sub, max, false, false, IN(F64, NORMAL, 2, 3, 4), IN(F64, NORMAL, 4)),
    ROWS("rows/3-d [A,1,C]+[A,B,1]", 1, add, sum, false, true, IN(F64, NORMAL, 2, 1, 3), IN(F64, NORMAL, 2, 4, 1)),
    ROWS("rows/NaN max", 2, add, max, false, false, IN(F64, SPECIAL, 6, 5), IN(F64, SPECIAL, 6, 1)),
    ROWS("rows/NaN min keep", 1, mul, min, true, false, IN(F64, SPECIAL, 7), IN(F64, SPECIAL, 4, 7)),
    ROWS("rows/NaN sum", 1, sub, sum, false, false, IN(F64, SPECIAL, 5, 1), IN(F64, SPECIAL, 8)),
    ROWS("rows/f32 sum", 2, mul, sum, false, false, IN(F32, NORMAL, 7, 1), IN(F32, NORMAL, 9)),
    ROWS("rows/f32 max keep", 1, add, max, true, false, IN(F32, SPECIAL, 6, 4), IN(F32, NORMAL, 6, 1)),
    ROWS("rows/f32 prod", 1, mul, prod, false, false, IN(F32, POS, 3, 1), IN(F32, POS, 5)),
    POLY("poly/N 1 normal_logpdf", 1, 0, false), POLY("poly/N 7 normal_logpdf", 7, 0, true),
    POLY("poly/N 1000 normal_logpdf", 1000, 0, false),
    POLY("poly/N 1 formula", 1, 1, false), POLY("poly/N 7 formula", 7, 1, true), POLY("poly/N 1000 formula", 1000, 1, false),
    POLY("poly/N 1 normal_logpdf_sum", 1, 2, false), POLY("poly/N 7 normal_logpdf_sum", 7, 2, true),
    POLY("poly/N 1000 normal_logpdf_sum", 1000, 2, false),
};

#endif
