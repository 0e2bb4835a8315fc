/* test_fused.c — the fused rows of the op table (ops_fused.def): values against the
 * public-op formulas they replace, gradients against finite differences in both of
 * their rules' modes (in C under a single reverse transform; through public ops when an
 * enclosing transform records the backward pass, i.e. gradients of gradients), and the
 * errors of rows that have no such formula. */
#include <math.h>

#include "fd.h"
#include "../../src/array/fused_math.h"
#include "../../src/array/op.h"

#define HL2P 0.91893853320467274178

static gen_array *normal_formula(const gen_array *x, const gen_array *mu, const gen_array *sg) {
    gen_array *z = gen_div(gen_sub(x, mu), sg);
    return gen_sub(gen_sub(gen_mul(gen_scalar(-0.5), gen_square(z)), gen_log(sg)), gen_scalar(HL2P));
}

static gen_array *apply3(op_id op, const gen_array *a, const gen_array *b, const gen_array *c, const op_params *p) {
    return op_apply(op, 3, (gen_array *[]){(gen_array *)a, (gen_array *)b, (gen_array *)c}, p);
}

/* ---- NORMAL_LOGPDF ---- */

static gen_array *normal_row(const gen_array *const *in) { return apply3(OP_NORMAL_LOGPDF, in[0], in[1], in[2], NULL); }

static gen_status f_normal(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = normal_row((const gen_array *const *)in);
    return out[0] ? GEN_OK : gen_error_status();
}

/* The gradient of sum(f) as a function (its backward pass recorded by the enclosing
 * transform: the rules' public-op mode). */
typedef struct {
    gen_closure f;
    int n_in;
} grad_of;

static gen_status f_grad(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    const grad_of *g = p;
    (void)n_out;
    gen_array *gs[4];
    gen_status st = gen_grad(g->f, n_in, in, gs);
    if (st != GEN_OK) return st;
    out[0] = gs[0];
    for (int i = 1; i < n_in; i++) out[0] = gen_add(out[0], gen_mul(gen_scalar(i + 1.0), gs[i]));
    return out[0] ? GEN_OK : gen_error_status();
}

static gen_status f_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    const gen_closure *f = p;
    gen_status st = f->fn(f->payload, n_in, in, n_out, out);
    if (st == GEN_OK) out[0] = gen_sum(out[0], 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_normal_values(void) {
    /* scalars, each of full shape or one value, and a general broadcast ([3,1] x [4]) */
    gen_array *cases[][3] = {
        {gen_scalar(0.3), gen_scalar(-1.0), gen_scalar(2.5)},
        {fd_uniform(1, -2, 2, GEN_DIMS(6)), gen_scalar(0.5), fd_uniform(2, 0.5, 2, GEN_DIMS(6))},
        {fd_uniform(3, -2, 2, GEN_DIMS(3, 1)), fd_uniform(4, -1, 1, GEN_DIMS(4)), gen_scalar(1.5)},
    };
    for (int k = 0; k < 3; k++) {
        gen_array *got = CHECK_ARR(normal_row((const gen_array *const *)cases[k]));
        gen_array *want = normal_formula(cases[k][0], cases[k][1], cases[k][2]);
        CHECK(gen_array_ndim(got) == gen_array_ndim(want) && gen_array_size(got) == gen_array_size(want));
        CHECK_ARRAY(got, gen_array_data(want), (int)gen_array_size(want), 0, 0); /* identical */
    }
    CHECK(apply3(OP_NORMAL_LOGPDF, gen_scalar(1), gen_scalar(0), gen_ones(GEN_F32, 0, NULL), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_DTYPE, "normal_logpdf: argument 2 is f32");
}

static void test_normal_gradients(void) {
    gen_closure f = {f_normal, NULL};
    gen_array *s[3] = {gen_scalar(0.3), gen_scalar(-1.0), gen_scalar(2.5)};
    FD_CHECK("normal_logpdf scalars (C rule)", f, 3, s, 1, 1e-6, 1e-8);
    gen_array *a[3] = {fd_uniform(5, -2, 2, GEN_DIMS(2, 3)), fd_uniform(6, -1, 1, GEN_DIMS(3)), gen_scalar(1.7)};
    FD_CHECK("normal_logpdf arrays", f, 3, a, 1, 1e-6, 1e-8);
    /* gradients of gradients: the rule's public-op mode */
    grad_of gs = {{f_normal, NULL}, 3}, ga = {{f_sum, &f}, 3};
    FD_CHECK("grad normal_logpdf scalars", ((gen_closure){f_grad, &gs}), 3, s, 1, 1e-5, 1e-7);
    FD_CHECK("grad normal_logpdf arrays", ((gen_closure){f_grad, &ga}), 3, a, 1, 1e-5, 1e-7);
}

/* ---- NORMAL_LOGPDF_SUM ---- */

static int sum_ne;
static gen_status f_normal_sum(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    op_params prm = {.ndim = sum_ne};
    out[0] = apply3(OP_NORMAL_LOGPDF_SUM, in[0], in[1], in[2], &prm);
    return out[0] ? GEN_OK : gen_error_status();
}

static gen_array *sum_last(gen_array *a, int ne) {
    int axes[GEN_MAX_DIMS], nd = gen_array_ndim(a);
    for (int k = 0; k < ne; k++) axes[k] = nd - ne + k;
    return gen_sum(a, ne, axes, false);
}

static void test_normal_sum(void) {
    gen_closure f = {f_normal_sum, NULL};
    gen_array *out;
    /* batch rows: mu [2, 5], one sigma, x of the full shape or of the event */
    sum_ne = 1;
    gen_array *mu = fd_uniform(7, -1, 1, GEN_DIMS(2, 5)), *sg = gen_scalar(0.7);
    gen_array *xs[2] = {fd_uniform(8, -2, 2, GEN_DIMS(2, 5)), fd_uniform(9, -2, 2, GEN_DIMS(5))};
    for (int k = 0; k < 2; k++) {
        CHECK_OK(f.fn(NULL, 3, (gen_array *[]){xs[k], mu, sg}, 1, &out));
        CHECK_SHAPE(out, 2);
        CHECK_ARRAY(out, gen_array_data(sum_last(normal_formula(xs[k], mu, sg), 1)), 2, 1e-14, 0);
    }
    FD_CHECK("normal_logpdf_sum rows", f, 3, ((gen_array *[]){xs[0], mu, sg}), 1, 1e-6, 1e-8);
    /* one value: x of the event shape [3, 4], mu one value, sigma of the event shape */
    sum_ne = 2;
    gen_array *x1 = fd_uniform(10, -2, 2, GEN_DIMS(3, 4)), *s1 = fd_uniform(11, 0.5, 2, GEN_DIMS(3, 4));
    gen_array *in1[3] = {x1, gen_scalar(0.2), s1};
    CHECK_OK(f.fn(NULL, 3, in1, 1, &out));
    CHECK_SHAPE(out, );
    CHECK_CLOSE(check_item(out), check_item(sum_last(normal_formula(x1, in1[1], s1), 2)), 1e-14);
    FD_CHECK("normal_logpdf_sum one value (C rule)", f, 3, in1, 1, 1e-6, 1e-8);
    grad_of g = {f, 3};
    FD_CHECK("grad normal_logpdf_sum", ((gen_closure){f_grad, &g}), 3, in1, 1, 1e-5, 1e-7);
    sum_ne = 1;
    CHECK(f.fn(NULL, 3, (gen_array *[]){fd_uniform(1, 0, 1, GEN_DIMS(3)), mu, gen_ones(GEN_F64, GEN_DIMS(5))}, 1,
               &out) != GEN_OK);
    CHECK_ERROR(GEN_ERR_SHAPE, "normal_logpdf_sum: x [3], mu [2,5], sigma [5] over 1 event axes: not a fused case");
}

/* ---- SCALAR_LOGPDF: a Laplace(mu, b) density and its gradient ---- */

static double laplace_grad(const double *p, double x, double *g) {
    double d = x - p[0], s = d > 0 ? 1 : d < 0 ? -1 : 0;
    g[0] = -s / p[1];
    g[1] = s / p[1];
    g[2] = fabs(d) / (p[1] * p[1]) - 1 / p[1];
    return -fabs(d) / p[1] - log(2 * p[1]);
}

static gen_status f_scalar(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_out;
    op_params prm = {.scalar_grad = laplace_grad};
    out[0] = op_apply(OP_SCALAR_LOGPDF, n_in, in, &prm);
    return out[0] ? GEN_OK : gen_error_status();
}

/* gen_grad of f at in against central differences of f's value. */
static void check_grad_fd(gen_closure f, int n, gen_array *const *in, double rtol) {
    gen_array *g[4];
    CHECK_OK(gen_grad(f, n, in, g));
    for (int i = 0; i < n; i++) {
        double v = check_item(in[i]), h = 1e-6 * fmax(1, fabs(v)), hi, lo;
        gen_array *pp[4], *pm[4], *o;
        for (int j = 0; j < n; j++) pp[j] = pm[j] = in[j];
        pp[i] = gen_scalar(v + h), pm[i] = gen_scalar(v - h);
        CHECK_OK(f.fn(f.payload, n, pp, 1, &o));
        hi = check_item(o);
        CHECK_OK(f.fn(f.payload, n, pm, 1, &o));
        lo = check_item(o);
        CHECK_CLOSE(check_item(g[i]), (hi - lo) / (2 * h), rtol);
    }
}

static void test_scalar_logpdf(void) {
    gen_array *in[3] = {gen_scalar(0.4), gen_scalar(-0.3), gen_scalar(1.3)}, *out;
    gen_closure f = {f_scalar, NULL};
    CHECK_OK(f_scalar(NULL, 3, in, 1, &out));
    CHECK_CLOSE(check_item(out), -0.7 / 1.3 - log(2.6), 1e-15);
    check_grad_fd(f, 3, in, 1e-6);
    /* its gradient is C only: differentiating it again says so */
    grad_of g = {f, 3};
    gen_array *gg[3];
    CHECK(gen_grad((gen_closure){f_grad, &g}, 3, in, (gen_array *[3]){0}) != GEN_OK);
    CHECK_ERROR(GEN_ERR_NOGRAD, "scalar_logpdf: its gradient is computed in C and cannot be differentiated again");
    CHECK(f_scalar(NULL, 2, (gen_array *[]){gen_scalar(1), gen_zeros(GEN_F64, GEN_DIMS(2))}, 1, &out) != GEN_OK);
    CHECK_ERROR(GEN_ERR_SHAPE, "scalar_logpdf: argument 1 has 1 dimensions; this fused op takes scalars");
    CHECK(gen_jvp(f, 3, in, in, 1, &out, gg) == GEN_ERR_NOGRAD);
    CHECK_ERROR(GEN_ERR_NOGRAD, "scalar_logpdf: this operation has no gradient rule (forward mode)");
}

/* ---- BIJECTION_SCALAR: x + 2 log|J| of each kind ---- */

static int bij_kind;
static gen_status f_bij(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_out;
    gen_array *o[2];
    op_params prm = {.k = bij_kind};
    gen_status st = op_apply_n(OP_BIJECTION_SCALAR, n_in, in, &prm, 2, o);
    if (st != GEN_OK) return st;
    out[0] = gen_add(o[0], gen_mul(gen_scalar(2), o[1]));
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_bijection_scalar(void) {
    gen_array *u = gen_scalar(0.35), *lo = gen_scalar(-1.5), *hi = gen_scalar(2.0);
    gen_array *ins[3][3] = {{u}, {u, lo}, {u, lo, hi}};
    double s = 1 / (1 + exp(-0.35));
    double want_x[3] = {exp(0.35), -1.5 + exp(0.35), -1.5 + 3.5 * s};
    double want_ld[3] = {0.35, 0.35, log(3.5) + log(s) + log(1 - s)};
    for (int k = 0; k < 3; k++) {
        bij_kind = k;
        gen_array *o[2];
        op_params prm = {.k = k};
        CHECK_OK(op_apply_n(OP_BIJECTION_SCALAR, 1 + k, ins[k], &prm, 2, o));
        CHECK_CLOSE(check_item(o[0]), want_x[k], 1e-14);
        CHECK_CLOSE(check_item(o[1]), want_ld[k], 1e-13);
        gen_closure f = {f_bij, NULL};
        check_grad_fd(f, 1 + k, ins[k], 1e-6); /* the C rule */
        grad_of g = {f, 1 + k};                 /* the public-op rule, under a second transform */
        check_grad_fd((gen_closure){f_grad, &g}, 1 + k, ins[k], 1e-5);
    }
    gen_array *o[2];
    CHECK(op_apply(OP_BIJECTION_SCALAR, 1, &u, &(op_params){.k = 0}) == NULL);
    CHECK_ERROR(GEN_ERR_INTERNAL, "bijection_scalar: an op of 2 outputs called for one");
    CHECK(op_apply_n(OP_BIJECTION_SCALAR, 1, &u, &(op_params){.k = 9}, 2, o) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "bijection_scalar: unknown bijection 9");
}

/* ---- SUM_SCALARS ---- */

static gen_status f_sum_scalars(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_out;
    out[0] = op_apply(OP_SUM_SCALARS, n_in, in, NULL);
    out[0] = gen_mul(out[0], out[0]); /* something whose gradient is not constant */
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_sum_scalars(void) {
    gen_array *in[4] = {gen_scalar(0.1), gen_scalar(0.2), gen_scalar(-0.4), gen_scalar(1.25)};
    gen_array *s = CHECK_ARR(op_apply(OP_SUM_SCALARS, 4, in, NULL));
    CHECK(check_item(s) == ((0.1 + 0.2) + -0.4) + 1.25); /* the gen_add chain's order */
    FD_CHECK("sum_scalars", ((gen_closure){f_sum_scalars, NULL}), 4, in, 1, 1e-6, 1e-8);
    grad_of g = {{f_sum_scalars, NULL}, 4};
    FD_CHECK("grad sum_scalars", ((gen_closure){f_grad, &g}), 4, in, 1, 1e-5, 1e-7);
}

/* ---- discrete rows ---- */

static void test_discrete(void) {
    /* categorical gather: table [2, 3] rows against x [2] (one value per row), -inf off the support */
    const double t[6] = {-1, -2, -3, -4, -5, -6};
    gen_array *table = gen_array_from(GEN_F64, GEN_DIMS(2, 3), t);
    gen_array *x = gen_array_from(GEN_I64, GEN_DIMS(2), (int64_t[]){2, 0});
    gen_array *g = CHECK_ARR(op_apply2(OP_CATEGORICAL_GATHER, x, table, NULL));
    CHECK_ARRAY(g, ((double[]){-3, -4}), 2, 0, 0);
    gen_array *xf = gen_array_from(GEN_F64, GEN_DIMS(2), (double[]){1.5, 3});
    g = CHECK_ARR(op_apply2(OP_CATEGORICAL_GATHER, xf, table, NULL));
    CHECK(isinf(((const double *)gen_array_data(g))[0]) && isinf(((const double *)gen_array_data(g))[1]));
    /* categorical sample: the inverse CDF at u, rows cycling over the batch */
    gen_array *probs = gen_array_from(GEN_F64, GEN_DIMS(1, 3), (double[]){0.2, 0.3, 0.5});
    gen_array *u = gen_array_from(GEN_F64, GEN_DIMS(4), (double[]){0.1, 0.2, 0.45, 0.99});
    gen_array *smp = CHECK_ARR(op_apply2(OP_CATEGORICAL_SAMPLE, probs, u, NULL));
    const int64_t *sv = gen_array_data(smp);
    CHECK(gen_array_dtype(smp) == GEN_I64 && sv[0] == 0 && sv[1] == 1 && sv[2] == 1 && sv[3] == 2);
    gen_array *logits = gen_log(probs);
    smp = CHECK_ARR(op_apply2(OP_CATEGORICAL_SAMPLE, logits, u, &(op_params){.k = 1}));
    sv = gen_array_data(smp);
    CHECK(sv[0] == 0 && sv[1] == 1 && sv[2] == 1 && sv[3] == 2);
    CHECK(op_apply2(OP_CATEGORICAL_SAMPLE, gen_zeros(GEN_F64, GEN_DIMS(0, 3)), u, NULL) == NULL); /* no rows */
    CHECK_ERROR(GEN_ERR_SHAPE, "categorical_sample: 4 draws for 0 rows");
    /* Poisson log mass against k log r - r - lgamma(k + 1) */
    gen_array *k = gen_array_from(GEN_I64, GEN_DIMS(4), (int64_t[]){0, 3, 300, -1});
    gen_array *lp = CHECK_ARR(op_apply2(OP_POISSON_LOGPMF, k, gen_scalar(2.5), &(op_params){.dtype = GEN_F64}));
    const double *l = gen_array_data(lp);
    CHECK_CLOSE(l[0], -2.5, 1e-15);
    CHECK_CLOSE(l[1], 3 * log(2.5) - 2.5 - log(6.0), 1e-14);
    CHECK_CLOSE(l[2], 300 * log(2.5) - 2.5 - lgamma(301.0), 1e-13);
    CHECK(isinf(l[3]) && l[3] < 0);
    CHECK(op_apply2(OP_POISSON_LOGPMF, k, gen_ones(GEN_F64, GEN_DIMS(3)), &(op_params){.dtype = GEN_F64}) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "poisson: shapes [4] and [3] do not broadcast");
}

int main(void) {
    RUN(test_normal_values);
    RUN(test_normal_gradients);
    RUN(test_normal_sum);
    RUN(test_scalar_logpdf);
    RUN(test_bijection_scalar);
    RUN(test_sum_scalars);
    RUN(test_discrete);
    return check_finish();
}
