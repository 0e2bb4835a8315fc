/* test_cont_common.h — the checks every scalar continuous family gets, driven by a
 * table row per family (test_cont_*.c): logpdf against an independent reference at
 * random points, batch shapes, sampling (KS, moments), finite-difference gradients of
 * logpdf and of reparameterized draws, f32, support and bijection, no NaN at edges. */
#ifndef GENC_TEST_CONT_COMMON_H
#define GENC_TEST_CONT_COMMON_H

#include <math.h>
#include <string.h>

#include "fd.h"
#include "stats.h"

#define CONT_PI 3.14159265358979323846
#define CONT_SQRT2 1.41421356237309504880
#define CONT_N 60 /* random points for the reference comparison */

typedef struct cont_family {
    const char *name;
    int n;                                  /* parameters */
    gen_dist *(*make)(gen_array *const *p); /* the constructor */
    double (*ref)(double x, const double *p); /* reference log density */
    double (*cdf)(double x, const double *p); /* reference CDF (KS) */
    double lo[3], hi[3];                    /* ranges of random parameters */
    double xlo, xhi;                        /* random x, in the support of every such member */
    double p[3];                            /* the member used for sampling and gradients */
    double mean, var;                       /* of that member (var < 0: skip; mean NaN: skip both) */
    gen_support_kind support;
    const char *bijection;                  /* default bijection's name */
    bool rsample;
} cont_family;

static gen_dist *cont_make_scalars(const cont_family *f, const double *p, gen_dtype t) {
    gen_array *a[3];
    for (int i = 0; i < f->n; i++) a[i] = t == GEN_F32 ? gen_scalar_f32((float)p[i]) : gen_scalar(p[i]);
    return f->make(a);
}

/* logpdf of 60 random (x, params) against the reference: rtol 1e-10 plus atol 1e-12 where
 * the log density crosses 0 (the references round the density, not its log). */
static void cont_check_logpdf(const cont_family *f) {
    gen_array *x = fd_uniform(11, f->xlo, f->xhi, GEN_DIMS(CONT_N)), *p[3];
    const double *pd[3], *xd = gen_array_data(x);
    for (int i = 0; i < f->n; i++) {
        p[i] = fd_uniform(12 + (uint64_t)i, f->lo[i], f->hi[i], GEN_DIMS(CONT_N));
        pd[i] = gen_array_data(p[i]);
    }
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(f->make(p), x));
    double want[CONT_N];
    for (int k = 0; k < CONT_N; k++) {
        double q[3];
        for (int i = 0; i < f->n; i++) q[i] = pd[i][k];
        want[k] = f->ref(xd[k], q);
    }
    if (!CHECK_ARRAY(lp, want, CONT_N, 1e-10, 1e-12)) printf("  (family %s)\n", f->name);
}

/* Parameters broadcast to the batch shape [2, 3]; sample shape [4] prepends; a value of
 * the wrong shape is a shape error; batched values equal the scalar member's. */
static void cont_check_shapes(const cont_family *f) {
    gen_array *p[3];
    for (int i = 0; i < f->n; i++)
        p[i] = i == 0 && f->n > 1 ? gen_full(GEN_F64, GEN_DIMS(3), f->p[i]) : gen_full(GEN_F64, GEN_DIMS(2, 1), f->p[i]);
    if (f->n == 1) p[0] = gen_full(GEN_F64, GEN_DIMS(2, 3), f->p[0]);
    gen_dist *d = f->make(p);
    CHECK(d && gen_dist_batch_ndim(d) == 2 && gen_dist_event_ndim(d) == 0);
    CHECK(strcmp(gen_dist_name(d), f->name) == 0 && gen_dist_num_params(d) == f->n);
    CHECK(!gen_dist_is_discrete(d) && gen_dist_dtype(d) == GEN_F64);
    gen_array *s = gen_dist_sample(d, gen_key_new(1), GEN_DIMS(4));
    CHECK_SHAPE(s, 4, 2, 3);
    CHECK_SHAPE(gen_dist_logpdf(d, s), 4, 2, 3);
    double x0 = 0.5 * (f->xlo + f->xhi);
    gen_array *lp = gen_dist_logpdf(d, gen_scalar(x0));
    CHECK_SHAPE(lp, 2, 3);
    double want[6], one = f->ref(x0, f->p);
    for (int i = 0; i < 6; i++) want[i] = one;
    CHECK_ARRAY(lp, want, 6, 1e-10, 1e-12);
    CHECK(gen_dist_logpdf(d, gen_zeros(GEN_F64, GEN_DIMS(4))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, f->name);
    /* empty batch */
    for (int i = 0; i < f->n; i++) p[i] = gen_full(GEN_F64, GEN_DIMS(0), f->p[i]);
    gen_dist *e = f->make(p);
    CHECK_SHAPE(gen_dist_sample(e, gen_key_new(2), GEN_DIMS(3)), 3, 0);
    CHECK_SHAPE(gen_dist_logpdf(e, gen_scalar(x0)), 0);
    /* the same key gives the same draws */
    gen_dist *d1 = cont_make_scalars(f, f->p, GEN_F64);
    double a = check_item(gen_dist_sample(d1, gen_key_new(5), 0, NULL));
    CHECK(a == check_item(gen_dist_sample(d1, gen_key_new(5), 0, NULL)));
}

static void cont_check_sampling(const cont_family *f) {
    gen_dist *d = cont_make_scalars(f, f->p, GEN_F64);
    for (uint64_t seed = 0; seed < 2; seed++) {
        gen_array *s = gen_dist_sample(d, gen_key_new(seed), GEN_DIMS(100000));
        if (!STATS_KS(f->name, s, f->cdf, f->p)) printf("  (seed %llu)\n", (unsigned long long)seed);
        if (!isnan(f->mean)) STATS_MOMENTS(f->name, s, f->mean, f->var);
        if (f->rsample) { /* the reparameterized draw is the same draw */
            gen_array *r = gen_dist_rsample(d, gen_key_new(seed), GEN_DIMS(100000));
            gen_array *same = gen_all(gen_eq(r, s), 0, NULL, false);
            CHECK(same && check_item(same) == 1);
        }
    }
}

/* ---- gradients ---- */

typedef enum { CONT_LP_X, CONT_LP_P, CONT_RSAMPLE } cont_mode;
typedef struct cont_call {
    const cont_family *f;
    cont_mode mode;
    const gen_array *x; /* the value, for CONT_LP_P */
} cont_call;

static gen_status cont_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const cont_call *c = payload;
    if (c->mode == CONT_LP_X)
        out[0] = gen_dist_logpdf(cont_make_scalars(c->f, c->f->p, GEN_F64), in[0]);
    else if (c->mode == CONT_LP_P)
        out[0] = gen_dist_logpdf(c->f->make(in), c->x);
    else
        out[0] = gen_dist_rsample(c->f->make(in), gen_key_new(9), GEN_DIMS(5));
    return out[0] ? GEN_OK : gen_error_status();
}

/* Parameters near the sampling member (within +-10%, which stays valid), shape [n]. */
static void cont_params_near(const cont_family *f, uint64_t seed, int64_t n, gen_array **p) {
    for (int i = 0; i < f->n; i++) {
        double v = f->p[i], w = 0.1 * fabs(v);
        p[i] = fd_uniform(seed + (uint64_t)i, v - w, v + w, GEN_DIMS(n));
    }
}

static void cont_check_gradients(const cont_family *f) {
    cont_call c = {f, CONT_LP_X, NULL};
    gen_closure cl = {cont_fn, &c};
    gen_array *in[3] = {fd_uniform(21, f->xlo, f->xhi, GEN_DIMS(4))};
    if (!FD_CHECK("logpdf wrt x", cl, 1, in, 1, 1e-6, 1e-8)) printf("  (family %s)\n", f->name);
    c.mode = CONT_LP_P;
    c.x = fd_uniform(22, f->xlo, f->xhi, GEN_DIMS(3));
    cont_params_near(f, 23, 3, in);
    if (!FD_CHECK("logpdf wrt params", cl, f->n, in, 1, 1e-6, 1e-8)) printf("  (family %s)\n", f->name);
    for (int i = 0; i < f->n; i++) in[i] = gen_scalar(f->p[i]); /* broadcast parameters */
    if (!FD_CHECK("logpdf wrt scalar params", cl, f->n, in, 1, 1e-6, 1e-8)) printf("  (family %s)\n", f->name);
    gen_dist *d = cont_make_scalars(f, f->p, GEN_F64);
    CHECK(gen_dist_has_rsample(d) == f->rsample);
    if (f->rsample) {
        c.mode = CONT_RSAMPLE;
        cont_params_near(f, 24, 5, in);
        if (!FD_CHECK("rsample wrt params", cl, f->n, in, 1, 1e-6, 1e-8)) printf("  (family %s)\n", f->name);
    } else {
        CHECK(gen_dist_rsample(d, gen_key_new(1), 0, NULL) == NULL);
        CHECK_ERROR(GEN_ERR_UNSUPPORTED, "has no reparameterized sampler");
    }
}

/* Value and gradient (w.r.t. x and the parameters) at x: the value must equal want (use
 * NAN to only require "not NaN"), and no gradient may be NaN. */
static void cont_check_point(const cont_family *f, double x, double want) {
    cont_call c = {f, CONT_LP_X, NULL};
    gen_closure cl = {cont_fn, &c};
    gen_array *in[3] = {gen_scalar(x)}, *g[3] = {0}, *v = NULL;
    CHECK_OK(gen_value_and_grad(cl, 1, in, &v, g));
    double got = v ? check_item(v) : NAN;
    if (isnan(want) ? isnan(got) : !(got == want || fabs(got - want) <= 1e-12 * fabs(want)))
        check_fail(__FILE__, __LINE__, "%s: logpdf(%g) = %.17g, want %.17g", f->name, x, got, want);
    if (g[0] && isnan(check_item(g[0])))
        check_fail(__FILE__, __LINE__, "%s: d logpdf / dx at %g is NaN", f->name, x);
    c.mode = CONT_LP_P;
    c.x = gen_scalar(x);
    for (int i = 0; i < f->n; i++) in[i] = gen_scalar(f->p[i]);
    CHECK_OK(gen_grad(cl, f->n, in, g));
    for (int i = 0; i < f->n; i++)
        if (g[i] && isnan(check_item(g[i])))
            check_fail(__FILE__, __LINE__, "%s: d logpdf / d %s at x = %g is NaN", f->name,
                       gen_dist_param_name(cont_make_scalars(f, f->p, GEN_F64), i), x);
}

/* f32 parameters give an f32 distribution, f32 draws and f32 log densities close to f64. */
static void cont_check_f32(const cont_family *f) {
    gen_dist *d32 = cont_make_scalars(f, f->p, GEN_F32), *d64 = cont_make_scalars(f, f->p, GEN_F64);
    CHECK(gen_dist_dtype(d32) == GEN_F32);
    gen_array *s = gen_dist_sample(d32, gen_key_new(3), GEN_DIMS(1000));
    CHECK(s && gen_array_dtype(s) == GEN_F32);
    gen_array *isf = gen_all(gen_isfinite(s), 0, NULL, false);
    CHECK(isf && check_item(isf) == 1);
    double x0 = f->xlo + 0.37 * (f->xhi - f->xlo);
    gen_array *lp = gen_dist_logpdf(d32, gen_scalar_f32((float)x0));
    CHECK(lp && gen_array_dtype(lp) == GEN_F32);
    CHECK_CLOSE(check_item(lp), check_item(gen_dist_logpdf(d64, gen_scalar((double)(float)x0))), 1e-5);
}

static void cont_check_support(const cont_family *f) {
    gen_dist *d = cont_make_scalars(f, f->p, GEN_F64);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == f->support);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), f->bijection) == 0);
    /* the bijection maps any real onto the support (logpdf finite there) */
    gen_array *x = gen_bijection_forward(b, fd_uniform(31, -3, 3, GEN_DIMS(20)));
    gen_array *fin = gen_all(gen_isfinite(gen_dist_logpdf(d, x)), 0, NULL, false);
    CHECK(fin && check_item(fin) == 1);
    CHECK(gen_dist_enumerate(d) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "has no finite support");
}

/* Every generic check for one family. */
static void cont_check_all(const cont_family *f) {
    cont_check_logpdf(f);
    cont_check_shapes(f);
    cont_check_sampling(f);
    cont_check_gradients(f);
    cont_check_f32(f);
    cont_check_support(f);
    gen_error_clear();
}

/* NULL parameters: a misuse error naming the family and parameter (each position). */
static void cont_check_null(const cont_family *f) {
    for (int i = 0; i < f->n; i++) {
        gen_array *p[3];
        for (int j = 0; j < f->n; j++) p[j] = j == i ? NULL : gen_scalar(f->p[j]);
        CHECK(f->make(p) == NULL);
        char msg[128];
        snprintf(msg, sizeof msg, "%s: parameter ", f->name);
        CHECK_ERROR(GEN_ERR_MISUSE, msg);
    }
}

#endif
