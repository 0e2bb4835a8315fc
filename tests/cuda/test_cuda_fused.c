/* test_cuda_fused.c — the fused rows of the op table (ops_fused.def) on the GPU against
 * the CPU backend on the same inputs: values (random inputs, broadcasting, f32 and f64
 * where a row takes both), gradients through the rows with gen_value_and_grad, the
 * distributions that call them, and what the GPU does not run (scalar_logpdf, a host C
 * function: the supports query says so and its callers keep device values off it).
 *
 * Tolerances: the per-element arithmetic is the CPU's own source (array/fused_hd.h) and
 * nvcc does not contract a*b+c, so results differ only through the libm functions (log,
 * exp, log1p: a few ulp apart on the GPU): 1e-12 relative for f64, one f32 ulp (2^-23
 * relative) for f32 results. Gathers, integer results and sums of given terms are
 * compared exactly. Row sums of NORMAL_LOGPDF_SUM up to 4096 elements are the CPU's sums
 * in its order (1e-13: only log differs); longer rows are summed in a tree (1e-12).
 * Skips (exit 77) where there is no GPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_testutil.h"
#include "fd.h"
#include "../../src/array/op.h"
#include "../../src/distributions/dist_int.h"

#define F32_ULP 1.1920928955078125e-07

static gen_device dev;

static gen_array *on_dev(const gen_array *h) { return gen_array_to_device(h, dev); }

/* got (computed on the GPU) against want (on the CPU): on the GPU (or, where small may
 * be set, a small array on the host: a gradient that is a seed passed through), same
 * dtype and shape, every element within rtol (0: identical). */
#define SAME(got, want, rtol) same_at(__LINE__, #got, (got), (want), (rtol), 0, false)
static void same_at(int line, const char *what, gen_array *got, gen_array *want, double rtol, double atol,
                    bool small) {
    if (!got || !want) {
        check_fail(__FILE__, line, "%s: %s is NULL: %s", what, got ? "want" : "got", gen_error_message());
        gen_error_clear();
        return;
    }
    bool host_ok = small && gen_array_size(got) * gen_dtype_size(gen_array_dtype(got)) <= 64;
    if (gen_array_device(got) != dev && !(host_ok && gen_array_device(got) == GEN_DEVICE_CPU))
        check_fail(__FILE__, line, "%s is on %s", what, gen_device_name(gen_array_device(got)));
    CHECK(gen_array_dtype(got) == gen_array_dtype(want));
    CHECK(gen_array_ndim(got) == gen_array_ndim(want) &&
          !memcmp(gen_array_shape(got), gen_array_shape(want), (size_t)gen_array_ndim(want) * sizeof(int64_t)));
    int64_t n = gen_array_size(want);
    double *w = malloc((size_t)(n ? n : 1) * sizeof *w);
    CHECK_OK(gen_array_copy_to(want, GEN_F64, w, (size_t)n * sizeof *w));
    check_array_at(__FILE__, line, what, got, w, n, rtol, atol);
    free(w);
}

static gen_array *apply3(op_id op, const gen_array *a, const gen_array *b, const gen_array *c, const op_params *p) {
    return op_apply(op, 3, (gen_array *[]){(gen_array *)a, (gen_array *)b, (gen_array *)c}, p);
}

/* Integers uniform in [lo, hi) of the given shape (i64). */
static gen_array *ints(uint64_t seed, double lo, double hi, int ndim, const int64_t *shape) {
    return gen_cast(gen_floor(fd_uniform(seed, lo, hi, ndim, shape)), GEN_I64);
}

/* ---- NORMAL_LOGPDF ---- */

static void test_normal_logpdf(void) {
    gen_array *cases[][3] = {
        {gen_scalar(0.3), gen_scalar(-1.0), gen_scalar(2.5)}, /* the scalar case of gradients */
        {fd_uniform(1, -2, 2, GEN_DIMS(5000)), gen_scalar(0.5), fd_uniform(2, 0.5, 2, GEN_DIMS(5000))},
        {fd_uniform(3, -2, 2, GEN_DIMS(300, 1)), fd_uniform(4, -1, 1, GEN_DIMS(7)), gen_scalar(1.5)},
        {fd_uniform(5, -2, 2, GEN_DIMS(37)), fd_uniform(6, -1, 1, GEN_DIMS(40, 37)), fd_uniform(7, 0.5, 2, GEN_DIMS(40, 1))},
        {fd_uniform(8, -2, 2, GEN_DIMS(2, 3, 4, 5)), fd_uniform(9, -1, 1, GEN_DIMS(3, 1, 5)), fd_uniform(10, 0.5, 2, GEN_DIMS(4, 1))},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        gen_array **c = cases[k];
        gen_array *want = apply3(OP_NORMAL_LOGPDF, c[0], c[1], c[2], NULL);
        SAME(apply3(OP_NORMAL_LOGPDF, on_dev(c[0]), on_dev(c[1]), on_dev(c[2]), NULL), want, 1e-12);
        if (gen_array_size(c[1]) <= 8 && gen_array_size(c[2]) <= 8) /* small host arguments travel with the others */
            SAME(apply3(OP_NORMAL_LOGPDF, on_dev(c[0]), c[1], c[2], NULL), want, 1e-12);
    }
    CHECK(apply3(OP_NORMAL_LOGPDF, on_dev(gen_ones(GEN_F32, GEN_DIMS(20))), gen_scalar(0), gen_scalar(1), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "normal_logpdf: argument 0 is f32");
}

/* ---- NORMAL_LOGPDF_SUM ---- */

static void check_normal_sum(int ne, gen_array *x, gen_array *mu, gen_array *sg, double rtol) {
    op_params p = {.ndim = ne};
    gen_array *want = apply3(OP_NORMAL_LOGPDF_SUM, x, mu, sg, &p);
    SAME(apply3(OP_NORMAL_LOGPDF_SUM, on_dev(x), on_dev(mu), on_dev(sg), &p), want, rtol);
}

static void test_normal_logpdf_sum(void) {
    /* rows of mu against one sigma, x of the full shape or of the event shape */
    gen_array *sg = gen_scalar(0.7);
    gen_array *mu = fd_uniform(11, -1, 1, GEN_DIMS(3000, 50));
    check_normal_sum(1, fd_uniform(12, -2, 2, GEN_DIMS(3000, 50)), mu, sg, 1e-13);
    check_normal_sum(1, fd_uniform(13, -2, 2, GEN_DIMS(50)), mu, sg, 1e-13);
    gen_array *mu2 = fd_uniform(14, -1, 1, GEN_DIMS(4, 6, 7));
    check_normal_sum(2, fd_uniform(15, -2, 2, GEN_DIMS(6, 7)), mu2, sg, 1e-13);
    check_normal_sum(3, fd_uniform(16, -2, 2, GEN_DIMS(4, 6, 7)), mu2, sg, 1e-13); /* one row: a 0-d result */
    /* long rows (a block per row, summed in a tree) */
    gen_array *mul = fd_uniform(17, -1, 1, GEN_DIMS(5, 9001));
    check_normal_sum(1, fd_uniform(18, -2, 2, GEN_DIMS(5, 9001)), mul, sg, 1e-12);
    check_normal_sum(1, fd_uniform(19, -2, 2, GEN_DIMS(9001)), mul, sg, 1e-12);
    /* one value: x of the event shape, mu and sigma each one value or of it */
    for (int m = 0; m < 2; m++) {
        int64_t n = m ? 20000 : 333;
        double tol = m ? 1e-12 : 1e-13;
        gen_array *x = fd_uniform(20 + m, -2, 2, GEN_DIMS(n));
        gen_array *mus[2] = {gen_scalar(0.2), fd_uniform(22 + m, -1, 1, GEN_DIMS(n))};
        gen_array *sgs[2] = {gen_scalar(1.3), fd_uniform(24 + m, 0.5, 2, GEN_DIMS(n))};
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) check_normal_sum(1, x, mus[a], sgs[b], tol);
    }
}

/* ---- gradients through the normal rows ---- */

static int sum_ne;
static gen_status f_normal(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_sum(apply3(OP_NORMAL_LOGPDF, in[0], in[1], in[2], NULL), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status f_normal_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    op_params prm = {.ndim = sum_ne};
    out[0] = gen_sum(apply3(OP_NORMAL_LOGPDF_SUM, in[0], in[1], in[2], &prm), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

/* gen_value_and_grad of f at in (host arrays) on the CPU and with every input on the
 * GPU: the same value and gradients (the GPU's on the GPU). Gradients that sum terms
 * (a parameter broadcast over many values) are sums in another order on the GPU: they
 * are compared to rtol relative to the terms' size, O(1) here (atol = rtol). */
static void check_grads(const char *what, gen_closure f, int n, gen_array *const *in, double rtol) {
    gen_array *d[4], *vh, *vd, *gh[4], *gd[4];
    for (int i = 0; i < n; i++) d[i] = on_dev(in[i]);
    CHECK_OK(gen_value_and_grad(f, n, in, &vh, gh));
    gen_status st = gen_value_and_grad(f, n, d, &vd, gd);
    if (st != GEN_OK) {
        check_fail(__FILE__, __LINE__, "%s on the GPU: %s", what, gen_error_message());
        gen_error_clear();
        return;
    }
    CHECK_CLOSE(check_item(vd), check_item(vh), rtol);
    for (int i = 0; i < n; i++) same_at(__LINE__, what, gd[i], gh[i], rtol, rtol, true);
}

static void test_normal_gradients(void) {
    gen_array *s[3] = {gen_scalar(0.3), gen_scalar(-1.0), gen_scalar(2.5)};
    check_grads("normal_logpdf scalars", (gen_closure){f_normal, NULL}, 3, s, 1e-12);
    gen_array *a[3] = {fd_uniform(30, -2, 2, GEN_DIMS(200, 3)), fd_uniform(31, -1, 1, GEN_DIMS(3)),
                       fd_uniform(32, 0.5, 2, GEN_DIMS(200, 1))};
    check_grads("normal_logpdf arrays", (gen_closure){f_normal, NULL}, 3, a, 1e-12);
    sum_ne = 1;
    gen_array *one[3] = {fd_uniform(33, -2, 2, GEN_DIMS(400)), gen_scalar(0.2), fd_uniform(34, 0.5, 2, GEN_DIMS(400))};
    check_grads("normal_logpdf_sum one value", (gen_closure){f_normal_sum, NULL}, 3, one, 1e-12);
    gen_array *rows[3] = {fd_uniform(35, -2, 2, GEN_DIMS(50)), fd_uniform(36, -1, 1, GEN_DIMS(100, 50)), gen_scalar(0.9)};
    check_grads("normal_logpdf_sum rows", (gen_closure){f_normal_sum, NULL}, 3, rows, 1e-12);
}

/* ---- BIJECTION_SCALAR ---- */

static int which_bij;
static gen_status f_bij(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_out;
    gen_array *o[2];
    gen_status st = op_apply_n(OP_BIJECTION_SCALAR, n_in, in, &(op_params){.k = which_bij}, 2, o);
    if (st != GEN_OK) return st;
    out[0] = gen_add(o[0], gen_mul(gen_scalar(2), o[1]));
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_bijection_scalar(void) {
    const double us[] = {0.35, -3.0, 12.5, -40.0};
    for (int k = 0; k < 3; k++) {
        which_bij = k;
        for (size_t j = 0; j < sizeof us / sizeof *us; j++) {
            gen_array *in[3] = {gen_scalar(us[j]), gen_scalar(-1.5), gen_scalar(2.0)}, *dvi[3], *oh[2], *od[2];
            for (int i = 0; i < 3; i++) dvi[i] = on_dev(in[i]);
            op_params p = {.k = k};
            CHECK_OK(op_apply_n(OP_BIJECTION_SCALAR, 1 + k, in, &p, 2, oh));
            CHECK_OK(op_apply_n(OP_BIJECTION_SCALAR, 1 + k, dvi, &p, 2, od));
            SAME(od[0], oh[0], 1e-12);
            SAME(od[1], oh[1], 1e-12);
            check_grads("bijection_scalar", (gen_closure){f_bij, NULL}, 1 + k, in, 1e-12);
        }
    }
    CHECK(gen_device_supports(dev, "bijection_scalar"));
}

/* ---- SUM_SCALARS ---- */

static gen_status f_sum_scalars(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_out;
    gen_array *s = op_apply(OP_SUM_SCALARS, n_in, in, NULL);
    out[0] = gen_mul(s, s);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_sum_scalars(void) {
    const int ns[] = {1, 3, 256, 257, 1000}; /* the terms go 256 to a launch */
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        int n = ns[k];
        gen_array **h = malloc((size_t)n * sizeof *h), **d = malloc((size_t)n * sizeof *d);
        const double *v = gen_array_data(fd_uniform(40 + k, -1e3, 1e3, GEN_DIMS(n)));
        for (int i = 0; i < n; i++) h[i] = gen_scalar(v[i] * (i % 7 ? 1 : 1e-9)), d[i] = on_dev(h[i]);
        gen_array *want = op_apply(OP_SUM_SCALARS, n, h, NULL);
        SAME(op_apply(OP_SUM_SCALARS, n, d, NULL), want, 0); /* the same additions in the same order */
        if (n <= 4) check_grads("sum_scalars", (gen_closure){f_sum_scalars, NULL}, n, h, 1e-15);
        free(h);
        free(d);
    }
}

/* ---- CUSTOM_VJP: a custom rule (3 x the true gradient) on device values ---- */

static gen_status cube_fwd(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_mul(in[0], gen_square(in[0]));
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status cube_rule(void *p, int n_in, gen_array *const *in, int n_out, gen_array *const *out,
                            gen_array *const *cot, gen_array **cin) {
    (void)p, (void)n_in, (void)n_out, (void)out;
    cin[0] = gen_mul(cot[0], gen_mul(gen_scalar(9.0), gen_square(in[0])));
    return cin[0] ? GEN_OK : gen_error_status();
}
static gen_status f_custom(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *y;
    gen_status st = gen_custom_vjp((gen_closure){cube_fwd, NULL}, cube_rule, NULL, 1, in, 1, &y);
    if (st != GEN_OK) return st;
    out[0] = gen_sum(y, 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_custom_vjp(void) {
    gen_array *x[1] = {fd_uniform(50, -2, 2, GEN_DIMS(1000))};
    check_grads("custom_vjp", (gen_closure){f_custom, NULL}, 1, x, 1e-15);
    CHECK(gen_device_supports(dev, "custom_vjp"));
}

/* ---- CATEGORICAL_GATHER ---- */

static void test_categorical_gather(void) {
    for (int t = GEN_F32; t <= GEN_F64; t++) {
        gen_dtype td = (gen_dtype)t;
        gen_array *table = gen_cast(fd_uniform(60, -5, 0, GEN_DIMS(30, 7)), td), *row = gen_cast(fd_uniform(61, -5, 0, GEN_DIMS(7)), td);
        gen_array *xs[] = {
            ints(62, -2, 9, GEN_DIMS(30)),                         /* one value per row, some off the support */
            ints(63, -2, 9, GEN_DIMS(500, 1)),                     /* broadcast against the rows: [500, 30] */
            gen_cast(ints(64, 0, 2, GEN_DIMS(30)), GEN_BOOL),      /* bool values */
            gen_mul(ints(65, -1, 16, GEN_DIMS(30)), gen_scalar(0.5)), /* f64: half of them not integers */
            gen_cast(gen_mul(ints(66, -1, 16, GEN_DIMS(30)), gen_scalar(0.5)), GEN_F32),
        };
        for (size_t k = 0; k < sizeof xs / sizeof *xs; k++) {
            SAME(op_apply2(OP_CATEGORICAL_GATHER, on_dev(xs[k]), on_dev(table), NULL),
                 op_apply2(OP_CATEGORICAL_GATHER, xs[k], table, NULL), 0);
            SAME(op_apply2(OP_CATEGORICAL_GATHER, on_dev(xs[k]), on_dev(row), NULL),
                 op_apply2(OP_CATEGORICAL_GATHER, xs[k], row, NULL), 0);
        }
    }
}

/* ---- CATEGORICAL_SAMPLE ---- */

static void test_categorical_sample(void) {
    const int64_t ks[] = {1, 5, 33, 100}; /* a count over up to 32 sums; a binary search beyond */
    for (size_t j = 0; j < sizeof ks / sizeof *ks; j++)
        for (int t = GEN_F32; t <= GEN_F64; t++)
            for (int logits = 0; logits < 2; logits++) {
                int64_t k = ks[j];
                gen_array *w = fd_uniform(70 + j, logits ? -3 : 0, 1, GEN_DIMS(20, k));
                if (!logits) w = gen_mul(w, gen_cast(gen_gt(w, gen_scalar(0.3)), GEN_F64)); /* zero weights */
                w = gen_cast(w, (gen_dtype)t);
                gen_array *u = fd_uniform(80 + j, 0, 1, GEN_DIMS(300, 20));
                op_params p = {.k = logits};
                SAME(op_apply2(OP_CATEGORICAL_SAMPLE, on_dev(w), on_dev(u), &p), op_apply2(OP_CATEGORICAL_SAMPLE, w, u, &p), 0);
            }
}

/* ---- POISSON_LOGPMF ---- */

static void test_poisson_logpmf(void) {
    const double odd[] = {0, 3, 255, 256, 300, 1000, 2.5, -1, INFINITY, NAN, 1e6};
    gen_array *xs[] = {
        ints(90, -2, 40, GEN_DIMS(400, 1)),
        gen_array_from(GEN_I64, GEN_DIMS(6), (int64_t[]){0, 1, 255, 256, 5000, -3}),
        gen_array_from(GEN_F64, GEN_DIMS(11), odd),
        gen_cast(ints(91, 0, 20, GEN_DIMS(400, 1)), GEN_F32),
    };
    gen_array *rates[] = {fd_uniform(92, 0.1, 30, GEN_DIMS(25)), gen_scalar(2.5), gen_cast(fd_uniform(93, 0.1, 30, GEN_DIMS(25)), GEN_F32),
                          gen_array_from(GEN_I64, GEN_DIMS(1), (int64_t[]){7})};
    for (size_t a = 0; a < sizeof xs / sizeof *xs; a++)
        for (size_t b = 0; b < sizeof rates / sizeof *rates; b++) {
            if (gen_array_ndim(xs[a]) == 1 && gen_array_ndim(rates[b]) == 1 && gen_array_size(rates[b]) > 1) continue;
            for (int t = GEN_F32; t <= GEN_F64; t++) {
                op_params p = {.dtype = (gen_dtype)t};
                SAME(op_apply2(OP_POISSON_LOGPMF, on_dev(xs[a]), on_dev(rates[b]), &p),
                     op_apply2(OP_POISSON_LOGPMF, xs[a], rates[b], &p), t == GEN_F64 ? 1e-12 : F32_ULP);
            }
        }
}

/* ---- SCALAR_LOGPDF: not on the GPU ---- */

static double laplace_grad(const double *p, double x, double *g) {
    double d = x - p[0], s = d > 0 ? 1 : d < 0 ? -1 : 0;
    g[0] = -s / p[1];
    g[1] = s / p[1];
    g[2] = fabs(d) / (p[1] * p[1]) - 1 / p[1];
    return -fabs(d) / p[1] - log(2 * p[1]);
}

static gen_status cauchy_lp(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_cauchy(in[1], in[2]), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_scalar_logpdf_not_on_gpu(void) {
    CHECK(!gen_device_supports(dev, "scalar_logpdf") && gen_device_supports(GEN_DEVICE_CPU, "scalar_logpdf"));
    gen_array *in[3] = {on_dev(gen_scalar(0.4)), on_dev(gen_scalar(-0.3)), on_dev(gen_scalar(1.3))};
    CHECK(op_apply(OP_SCALAR_LOGPDF, 3, in, &(op_params){.scalar_grad = laplace_grad}) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "scalar_logpdf: not supported on the cuda0 backend");
    /* a family with a scalar density takes its array formulas for device values */
    gen_array *h[3] = {gen_scalar(0.7), gen_scalar(-0.2), gen_scalar(1.3)};
    check_grads("cauchy on device scalars", (gen_closure){cauchy_lp, NULL}, 3, h, 1e-12);
}

/* ---- the rows through their callers: distributions on device values ---- */

static gen_status normal_lp(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_normal(in[1], in[2]), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status bnormal_lp(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_broadcasted_normal(in[1], in[2]), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_distributions(void) {
    /* normal: [N] values against scalar parameters (NORMAL_LOGPDF); broadcasted normal
     * (NORMAL_LOGPDF_SUM); categorical (the gather); Poisson (the log mass) */
    gen_array *x = fd_uniform(100, -3, 3, GEN_DIMS(10000)), *mu = gen_scalar(0.4), *sg = gen_scalar(1.7);
    gen_array *out;
    CHECK_OK(normal_lp(NULL, 3, (gen_array *[]){on_dev(x), mu, sg}, 1, &out));
    SAME(out, gen_dist_logpdf(gen_normal(mu, sg), x), 1e-12);
    gen_array *bmu = fd_uniform(101, -1, 1, GEN_DIMS(300)), *bx = fd_uniform(102, -3, 3, GEN_DIMS(300));
    CHECK_OK(bnormal_lp(NULL, 3, (gen_array *[]){on_dev(bx), on_dev(bmu), sg}, 1, &out));
    SAME(out, gen_dist_logpdf(gen_broadcasted_normal(bmu, sg), bx), 1e-12);
    gen_array *probs = gen_div(fd_uniform(103, 0.1, 1, GEN_DIMS(6)), gen_scalar(3.3));
    probs = gen_div(probs, gen_sum(probs, 0, NULL, false));
    gen_array *cx = ints(104, 0, 6, GEN_DIMS(5000));
    SAME(gen_dist_logpdf(gen_categorical(on_dev(probs)), on_dev(cx)), gen_dist_logpdf(gen_categorical(probs), cx),
         1e-12);
    gen_array *px = ints(105, 0, 30, GEN_DIMS(5000)), *rate = gen_scalar(6.5);
    SAME(gen_dist_logpdf(gen_poisson(rate), on_dev(px)), gen_dist_logpdf(gen_poisson(rate), px), 1e-12);
    /* gradients: scalar values (the C rules on the CPU, public ops on the GPU) */
    gen_array *s[3] = {gen_scalar(0.3), gen_scalar(-1.0), gen_scalar(2.5)};
    check_grads("normal on device scalars", (gen_closure){normal_lp, NULL}, 3, s, 1e-12);
    gen_array *b[3] = {fd_uniform(106, -2, 2, GEN_DIMS(40)), fd_uniform(107, -1, 1, GEN_DIMS(40)), gen_scalar(0.8)};
    check_grads("broadcasted_normal on device", (gen_closure){bnormal_lp, NULL}, 3, b, 1e-12);
}

/* ---- DRAW: a choice's draw on device parameters equals the host's ---- */

static void check_draw(gen_dist *host, gen_dist *device, int64_t n, double rtol) {
    gen_key key = gen_key_new(77);
    gen_array *kw = gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){(int64_t)key.k[0], (int64_t)key.k[1]});
    gen_array *want = dist_draw_op(host, kw, 4242, n);
    CHECK(gen_array_device(want) == GEN_DEVICE_CPU);
    SAME(dist_draw_op(device, kw, 4242, n), want, rtol);
    SAME(dist_draw_op(device, on_dev(kw), 4242, n), want, rtol); /* the key on the device too */
}

static void test_draw(void) {
    /* 8 values: the sampler's own arrays are small host arrays that travel to the device */
    gen_array *mu8 = fd_uniform(108, -1, 1, GEN_DIMS(8)), *sg8 = fd_uniform(109, 0.5, 2, GEN_DIMS(8));
    check_draw(gen_normal(mu8, sg8), gen_normal(on_dev(mu8), on_dev(sg8)), 0, 1e-12);
    /* 2000 values: the sampler draws on the device */
    gen_array *mu = fd_uniform(110, -1, 1, GEN_DIMS(2000)), *sg = fd_uniform(111, 0.5, 2, GEN_DIMS(2000));
    check_draw(gen_normal(mu, sg), gen_normal(on_dev(mu), on_dev(sg)), 0, 1e-12);
    gen_array *probs = gen_div(fd_uniform(112, 0.1, 1, GEN_DIMS(40, 5)), gen_scalar(5.0));
    probs = gen_div(probs, gen_sum(probs, 1, (int[]){1}, true));
    check_draw(gen_categorical(probs), gen_categorical(on_dev(probs)), 0, 0);
}

int main(void) {
    dev = cuda_test_device("test_cuda_fused");
    RUN(test_normal_logpdf);
    RUN(test_normal_logpdf_sum);
    RUN(test_normal_gradients);
    RUN(test_bijection_scalar);
    RUN(test_sum_scalars);
    RUN(test_custom_vjp);
    RUN(test_categorical_gather);
    RUN(test_categorical_sample);
    RUN(test_poisson_logpmf);
    RUN(test_scalar_logpdf_not_on_gpu);
    RUN(test_distributions);
    RUN(test_draw);
    return check_finish();
}
