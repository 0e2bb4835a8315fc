/* test_cuda_gfi.c — models on the GPU: batched importance sampling of a polynomial
 * regression with every particle array on cuda0 gives the CPU's weights for the same
 * key (the draws are the same bits, docs/random.md; the arithmetic agrees to f64
 * rounding, libm's functions to a few ulps: 1e-12 relative), the log marginal
 * likelihood and resampling too; the gradients of the model's log density (batched
 * assess, reverse mode) on the GPU equal the CPU's; and a draw and log density of a few
 * families. Skips where there is no GPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_testutil.h"

#define N_POINTS 50
#define RTOL 1e-12

static gen_device dev;

static gen_addr addr(const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return a;
}

static gen_choicemap *with(const gen_choicemap *m, const char *path, const gen_array *v) {
    gen_addr a = addr(path);
    return gen_choicemap_set(m, &a, v);
}

/* y ~ N(a + b x + c x^2, 0.05) with standard normal coefficients. */
static gen_status polynomial(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(0.05)));
    return gen_ctx_status(ctx);
}

static gen_array *data_y(void) {
    double y[N_POINTS];
    for (int j = 0; j < N_POINTS; j++) {
        double xj = j / (N_POINTS - 1.0);
        y[j] = 0.5 - 1.25 * xj + 2 * xj * xj + 0.05 * sin(7.0 * j);
    }
    return gen_array_from_f64(1, (int64_t[]){N_POINTS}, y);
}

/* Every element of got (any device) equals want's to rtol (plus atol), or bit for bit
 * (rtol < 0); names the first that differs. */
static void check_same(const char *what, const gen_array *got, const gen_array *want, double rtol, double atol) {
    check_count++;
    if (!got || !want || gen_array_size(got) != gen_array_size(want)) {
        check_fail(__FILE__, __LINE__, "%s: %s", what, got && want ? "sizes differ" : gen_error_message());
        return;
    }
    int64_t n = gen_array_size(want);
    double *x = calloc((size_t)n + 1, sizeof *x), *y = calloc((size_t)n + 1, sizeof *y);
    if (gen_array_copy_to(got, GEN_F64, x, (size_t)n * sizeof *x) != GEN_OK ||
        gen_array_copy_to(want, GEN_F64, y, (size_t)n * sizeof *y) != GEN_OK)
        check_fail(__FILE__, __LINE__, "%s: %s", what, gen_error_message());
    for (int64_t i = 0; i < n; i++) {
        bool ok = rtol < 0 ? !memcmp(&x[i], &y[i], sizeof x[i]) : fabs(x[i] - y[i]) <= rtol * fabs(y[i]) + atol;
        if (!ok) {
            check_fail(__FILE__, __LINE__, "%s: element %lld: %.17g on the GPU, %.17g on the CPU", what, (long long)i,
                       x[i], y[i]);
            break;
        }
    }
    free(x);
    free(y);
}

static void check_on_gpu(const char *what, const gen_array *a) {
    check_count++;
    if (!a || gen_array_device(a) != dev)
        check_fail(__FILE__, __LINE__, "%s: %s", what, a ? "not on the GPU" : gen_error_message());
}

/* Batched IS at n particles, on the CPU and with cuda0 as the default device. */
static void check_importance(int64_t n) {
    gen_gf *f = gen_dynamic("polynomial", polynomial);
    gen_array *lw[2] = {NULL, NULL}, *a[2] = {NULL, NULL};
    double lml[2] = {0, 0};
    int64_t *anc[2] = {calloc((size_t)n, sizeof(int64_t)), calloc((size_t)n, sizeof(int64_t))};
    for (int g = 0; g < 2; g++) {
        gen_device old = gen_device_set_default(g ? dev : GEN_DEVICE_CPU);
        gen_array *x = gen_linspace(0, 1, N_POINTS);
        gen_args args = {1, &x, NULL};
        gen_trace *tr = NULL;
        CHECK_OK(gen_importance_sampling_batched(f, gen_key_new(2026), &args, with(gen_choicemap_empty(), "y", data_y()),
                                                 NULL, NULL, n, &tr, &lw[g], &lml[g]));
        gen_addr aa = addr("a");
        a[g] = tr ? (gen_array *)gen_trace_value(tr, &aa) : NULL;
        if (lw[g]) CHECK_OK(gen_resample(gen_key_new(7), lw[g], GEN_RESAMPLE_SYSTEMATIC, n, anc[g]));
        gen_device_set_default(old);
    }
    check_on_gpu("the log weights", lw[1]);
    check_on_gpu("the draws of a", a[1]);
    check_same("the draws of a", a[1], a[0], -1, 0);
    check_same("the log weights", lw[1], lw[0], RTOL, 0);
    CHECK_CLOSE(lml[1], lml[0], RTOL);
    /* resampling the same weights: the same ancestors but where a weight differs in the
     * last bits right at a boundary (then the CDFs round apart) */
    int64_t differ = 0;
    for (int64_t i = 0; i < n; i++) differ += anc[0][i] != anc[1][i];
    CHECK(differ <= 1);
    free(anc[0]);
    free(anc[1]);
}

static void test_importance_sampling(void) {
    check_importance(1000);
    check_importance(100000);
}

/* sum over particles of the model's log density at choices (a, b, c) = in[0..2] ([n]
 * batched), y the data: batched assess. */
static gen_status model_density(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    gen_array *x = p;
    gen_args args = {1, &x, NULL};
    int64_t n = gen_array_shape(in[0])[0];
    gen_choicemap *c = with(with(with(with(gen_choicemap_empty(), "a", in[0]), "b", in[1]), "c", in[2]), "y", data_y());
    gen_array *w = NULL;
    gen_status st = gen_assess_batched(gen_dynamic("polynomial", polynomial), n, &args, c, &w, NULL);
    if (st != GEN_OK) return st;
    out[0] = gen_sum(w, 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_gradients(void) {
    const int64_t n = 4096;
    gen_array *val[2], *g[2][3];
    for (int on = 0; on < 2; on++) {
        gen_device old = gen_device_set_default(on ? dev : GEN_DEVICE_CPU);
        gen_array *in[3];
        for (int k = 0; k < 3; k++)
            in[k] = gen_batched(gen_random_normal(gen_key_fold_in(gen_key_new(3), (uint64_t)k), GEN_F64, 1, &n));
        gen_array *x = gen_linspace(0, 1, N_POINTS);
        CHECK_OK(gen_value_and_grad((gen_closure){model_density, x}, 3, in, &val[on], g[on]));
        gen_device_set_default(old);
    }
    check_same("the log density", val[1], val[0], RTOL, 0);
    for (int k = 0; k < 3; k++) {
        check_on_gpu("a gradient", g[1][k]);
        check_same("the gradient", g[1][k], g[0][k], RTOL, 1e-9); /* atol: terms of size ~1e4 cancel */
    }
}

/* A few families with parameters on the GPU: the draws are the CPU's bits, the log
 * densities agree to 1e-12 (lgamma and log_ndtr on the GPU: documented to a few ulps). */
static void test_families(void) {
    int64_t n = 1000;
    gen_array *mu = gen_linspace(-2, 2, n), *sg = gen_full(GEN_F64, 1, &n, 1.5);
    gen_array *p[3] = {mu, gen_add(gen_abs(mu), gen_scalar(0.5)), gen_sigmoid(mu)};
    for (int fam = 0; fam < 3; fam++) {
        gen_array *draws[2] = {NULL, NULL}, *lps[2] = {NULL, NULL};
        for (int on = 0; on < 2; on++) {
            gen_array *q0 = on ? gen_array_to_device(p[fam], dev) : p[fam], *s = on ? gen_array_to_device(sg, dev) : sg;
            gen_dist *d = fam == 0 ? gen_normal(q0, s) : fam == 1 ? gen_gamma(q0, s) : gen_bernoulli(q0);
            draws[on] = gen_dist_sample(d, gen_key_new(44), 0, NULL);
            lps[on] = gen_dist_logpdf(d, draws[on]);
        }
        check_on_gpu("a draw", draws[1]);
        check_on_gpu("a log density", lps[1]);
        check_same("the draws", draws[1], draws[0], -1, 0);
        check_same("the log densities", lps[1], lps[0], RTOL, 0);
    }
}

int main(void) {
    dev = cuda_test_device("test_cuda_gfi");
    RUN(test_importance_sampling);
    RUN(test_gradients);
    RUN(test_families);
    return check_finish();
}
