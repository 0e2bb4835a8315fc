/* test_constrained.c — Stan's constrained types: the upper_bound, ordered,
 * positive_ordered, unit_vector and cholesky_cov bijections (log|det J| against the
 * Jacobian of forward built column by column with gen_jvp onto the free coordinates,
 * GSL's LU for its determinant; round trips; batched shapes; unconstrained shapes;
 * errors), per-element bounds of lower_bound and interval; gen_ordered's density against
 * GSL's densities and its draws' order-statistic means; gen_unit_vector's density and
 * moments; gen_flat_on's densities, bijections and errors. */
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "stats.h"
#include "test_mv_util.h"

#define LOG_PI 1.14472988584940017414

/* ---- the Jacobian of forward onto free coordinates ---- */

typedef struct jac_case {
    gen_bijection *b;
    gen_array *idx; /* flat indices of the free coordinates of forward(u) (NULL: all) */
} jac_case;

static gen_status free_fwd(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const jac_case *c = p;
    gen_array *x = gen_bijection_forward(c->b, in[0]);
    if (x) x = gen_reshape(x, GEN_DIMS(gen_array_size(x)));
    out[0] = c->idx ? gen_take(x, c->idx, 0) : x;
    return out[0] ? GEN_OK : gen_error_status();
}

/* log |det| of d forward_free / du at u ([m]) by columns from gen_jvp. */
static double jac_lndet(jac_case *c, gen_array *u) {
    int64_t m = gen_array_size(u);
    gsl_matrix *j = gsl_matrix_alloc((size_t)m, (size_t)m);
    double e[64];
    for (int64_t col = 0; col < m; col++) {
        for (int64_t i = 0; i < m; i++) e[i] = i == col;
        gen_array *t = gen_array_from_f64(GEN_DIMS(m), e), *jt = NULL;
        CHECK_OK(gen_jvp((gen_closure){free_fwd, c}, 1, &u, &t, 1, NULL, &jt));
        if (!jt || gen_array_size(jt) != m) {
            CHECK(0);
            gsl_matrix_free(j);
            return NAN;
        }
        for (int64_t i = 0; i < m; i++) gsl_matrix_set(j, (size_t)i, (size_t)col, mv_at(jt, i));
    }
    gsl_permutation *perm = gsl_permutation_alloc((size_t)m);
    int sign;
    gsl_linalg_LU_decomp(j, perm, &sign);
    double v = gsl_linalg_LU_lndet(j);
    gsl_matrix_free(j);
    gsl_permutation_free(perm);
    return v;
}

/* log_det_jacobian of a batch u [B, m] against the Jacobian of each row, and the round
 * trip inverse(forward(u)) = u (not for unit_vector: inverse(x) = x). */
static void check_bijection(gen_bijection *b, gen_array *idx, gen_array *u, bool round_trip) {
    int64_t nb = gen_array_dim(u, 0), m = gen_array_dim(u, 1);
    gen_array *ld = CHECK_ARR(gen_bijection_log_det_jacobian(b, u));
    if (!ld) return;
    CHECK_SHAPE(ld, nb);
    jac_case c = {b, idx};
    for (int64_t r = 0; r < nb; r++) {
        gen_array *row = gen_reshape(gen_slice(u, 0, r, r + 1, 1), GEN_DIMS(m));
        CHECK_CLOSE(mv_at(ld, r), jac_lndet(&c, row), 1e-10);
    }
    if (round_trip) CHECK_ARRAY(gen_bijection_inverse(b, gen_bijection_forward(b, u)), gen_array_data(u), nb * m, 1e-10, 1e-12);
}

static gen_status fwd_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_bijection_forward(p, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status inv_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_bijection_inverse(p, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status ld_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_bijection_log_det_jacobian(p, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

/* Finite-difference gradients of forward and log_det at u, of inverse at x (x's
 * perturbations stay in the support's neighbourhood, where the formulas are smooth). */
static void check_grads(gen_bijection *b, gen_array *u, gen_array *x) {
    gen_array *in[1] = {u};
    FD_CHECK("forward", ((gen_closure){fwd_fn, b}), 1, in, 1, 1e-6, 1e-8);
    FD_CHECK("log_det", ((gen_closure){ld_fn, b}), 1, in, 1, 1e-6, 1e-8);
    gen_array *inx[1] = {x};
    FD_CHECK("inverse", ((gen_closure){inv_fn, b}), 1, inx, 1, 1e-6, 1e-8);
}

/* ---- bijections ---- */

static void test_upper_bound(void) {
    gen_array *hi = gen_array_from_f64(GEN_DIMS(3), (double[]){1, -2, 10}); /* one bound per element */
    gen_bijection *b = gen_bijection_upper_bound(hi);
    CHECK(strcmp(gen_bijection_name(b), "upper_bound") == 0);
    gen_array *u = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0, 1, -1, 2, -3, 0.5});
    gen_array *x = CHECK_ARR(gen_bijection_forward(b, u));
    const double *ud = gen_array_data(u), *h = gen_array_data(hi);
    double want[6], wld[6];
    for (int i = 0; i < 6; i++) want[i] = h[i % 3] - exp(ud[i]), wld[i] = ud[i];
    CHECK_ARRAY(x, want, 6, 1e-15, 0);
    CHECK_ARRAY(gen_bijection_log_det_jacobian(b, u), wld, 6, 0, 0);
    CHECK_ARRAY(gen_bijection_inverse(b, x), ud, 6, 1e-12, 1e-14);
    /* d x / du = -exp(u): log |.| = u, by forward mode with unit tangents */
    jac_case c = {b, NULL};
    gen_array *row = gen_array_from_f64(GEN_DIMS(3), (double[]){0.3, -0.7, 1.1});
    CHECK_CLOSE(jac_lndet(&c, row), 0.3 - 0.7 + 1.1, 1e-12);
    /* the support's bijection */
    gen_bijection *fb = gen_dist_bijection(gen_flat_on(GEN_SUPPORT_LESS_THAN, NULL, hi, GEN_DIMS(3)));
    CHECK(fb && strcmp(gen_bijection_name(fb), "upper_bound") == 0);
    CHECK(gen_bijection_upper_bound(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_bijection_upper_bound: hi is NULL");
}

static void test_ordered(void) {
    gen_bijection *b = gen_bijection_ordered();
    CHECK(strcmp(gen_bijection_name(b), "ordered") == 0);
    gen_array *u = gen_array_from_f64(GEN_DIMS(1, 3), (double[]){-1, 0, log(2.0)});
    CHECK_ARRAY(gen_bijection_forward(b, u), ((double[]){-1, 0, 2}), 3, 1e-15, 0);
    CHECK_CLOSE(check_item(gen_bijection_log_det_jacobian(b, u)), log(2.0), 1e-15);
    gen_array *ub = fd_uniform(5, -2, 2, GEN_DIMS(4, 5));
    gen_array *x = CHECK_ARR(gen_bijection_forward(b, ub));
    CHECK_SHAPE(x, 4, 5);
    int bad = 0;
    for (int r = 0; r < 4; r++)
        for (int k = 1; k < 5; k++) bad += !(mv_at(x, r * 5 + k) > mv_at(x, r * 5 + k - 1));
    CHECK(bad == 0);
    check_bijection(b, NULL, ub, true);
    /* forward(inverse(x)) for an increasing x */
    gen_array *y = gen_array_from_f64(GEN_DIMS(4), (double[]){-3, -2.5, 0.1, 7});
    CHECK_ARRAY(gen_bijection_forward(b, gen_bijection_inverse(b, y)), gen_array_data(y), 4, 1e-14, 1e-15);
    check_grads(b, ub, y);
    /* K = 1 is the identity */
    CHECK_ARRAY(gen_bijection_forward(b, gen_array_from_f64(GEN_DIMS(1), (double[]){-4})), ((double[]){-4}), 1, 0, 0);
    CHECK(check_item(gen_bijection_log_det_jacobian(b, gen_array_from_f64(GEN_DIMS(1), (double[]){-4}))) == 0);
    int nd;
    int64_t sh[4];
    CHECK_OK(gen_bijection_unconstrained_shape(b, GEN_DIMS(6), &nd, sh));
    CHECK(nd == 1 && sh[0] == 6);
    CHECK(gen_bijection_unconstrained_shape(b, 0, NULL, &nd, sh) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "ordered: needs a vector event shape [K] with K >= 1");
    CHECK(gen_bijection_forward(b, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "ordered needs values with at least 1 dimensions");
}

static void test_positive_ordered(void) {
    gen_bijection *b = gen_bijection_positive_ordered();
    CHECK(strcmp(gen_bijection_name(b), "positive_ordered") == 0);
    gen_array *u = gen_array_from_f64(GEN_DIMS(3), (double[]){0, log(0.5), log(3.0)});
    CHECK_ARRAY(gen_bijection_forward(b, u), ((double[]){1, 1.5, 4.5}), 3, 1e-15, 0);
    CHECK_CLOSE(check_item(gen_bijection_log_det_jacobian(b, u)), log(1.5), 1e-15);
    gen_array *ub = fd_uniform(6, -2, 2, GEN_DIMS(3, 4));
    check_bijection(b, NULL, ub, true);
    gen_array *x = gen_bijection_forward(b, ub);
    CHECK(mv_at(x, 0) > 0 && mv_at(x, 4) > 0 && mv_at(x, 8) > 0);
    gen_array *y = gen_array_from_f64(GEN_DIMS(3), (double[]){0.01, 0.02, 9});
    CHECK_ARRAY(gen_bijection_forward(b, gen_bijection_inverse(b, y)), gen_array_data(y), 3, 1e-14, 0);
    check_grads(b, ub, y);
}

static void test_unit_vector(void) {
    gen_bijection *b = gen_bijection_unit_vector();
    CHECK(strcmp(gen_bijection_name(b), "unit_vector") == 0);
    gen_array *u = fd_uniform(7, -2, 2, GEN_DIMS(3, 4));
    gen_array *x = CHECK_ARR(gen_bijection_forward(b, u));
    gen_array *ld = CHECK_ARR(gen_bijection_log_det_jacobian(b, u));
    if (!x || !ld) return;
    const double *ud = gen_array_data(u);
    for (int r = 0; r < 3; r++) {
        double n2 = 0;
        for (int k = 0; k < 4; k++) n2 += ud[r * 4 + k] * ud[r * 4 + k];
        /* the documented "log-Jacobian" -|u|^2 / 2, and x = u / |u| */
        CHECK_CLOSE(mv_at(ld, r), -0.5 * n2, 1e-14);
        for (int k = 0; k < 4; k++) CHECK_CLOSE(mv_at(x, r * 4 + k), ud[r * 4 + k] / sqrt(n2), 1e-14);
    }
    /* inverse is the identity on the sphere, so forward(inverse(x)) = x */
    CHECK_ARRAY(gen_bijection_inverse(b, x), gen_array_data(x), 12, 0, 0);
    CHECK_ARRAY(gen_bijection_forward(b, gen_bijection_inverse(b, x)), gen_array_data(x), 12, 1e-15, 0);
    check_grads(b, u, x);
    /* inverse(forward(u)) = u / |u|: the radius is not kept (not a bijection) */
    int nd;
    int64_t sh[4];
    CHECK_OK(gen_bijection_unconstrained_shape(b, GEN_DIMS(5), &nd, sh));
    CHECK(nd == 1 && sh[0] == 5);
    CHECK(gen_bijection_unconstrained_shape(b, GEN_DIMS(1), &nd, sh) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "unit_vector: needs a vector event shape [K] with K >= 2");
}

/* The flat positions of the lower trapezoid of an m x n matrix, row by row. */
static gen_array *trap_idx(int64_t m, int64_t n) {
    int64_t idx[64], c = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j <= i && j < n; j++) idx[c++] = i * n + j;
    return gen_array_from(GEN_I64, 1, &c, idx);
}

static void test_cholesky_cov(void) {
    gen_bijection *b = gen_bijection_cholesky_cov(3, 2);
    CHECK(strcmp(gen_bijection_name(b), "cholesky_cov") == 0);
    /* Stan's order: L00 = exp(u0); L10 = u1, L11 = exp(u2); L20 = u3, L21 = u4 */
    gen_array *u = gen_array_from_f64(GEN_DIMS(5), (double[]){0, 2, log(3.0), -1, 4});
    gen_array *l = CHECK_ARR(gen_bijection_forward(b, u));
    CHECK_SHAPE(l, 3, 2);
    CHECK_ARRAY(l, ((double[]){1, 0, 2, 3, -1, 4}), 6, 1e-15, 0);
    CHECK_CLOSE(check_item(gen_bijection_log_det_jacobian(b, u)), log(3.0), 1e-15);
    gen_array *ub = fd_uniform(8, -2, 2, GEN_DIMS(3, 5));
    CHECK_SHAPE(gen_bijection_forward(b, ub), 3, 3, 2);
    check_bijection(b, trap_idx(3, 2), ub, true);
    gen_bijection *sq = gen_bijection_cholesky_cov(4, 4);
    check_bijection(sq, trap_idx(4, 4), fd_uniform(9, -2, 2, GEN_DIMS(2, 10)), true);
    gen_array *y = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.5, 0, -1, 2, 3, -4});
    CHECK_ARRAY(gen_bijection_forward(b, gen_bijection_inverse(b, y)), gen_array_data(y), 6, 1e-15, 0);
    /* far out: no NaN where exp is not taken */
    gen_array *far = gen_array_from_f64(GEN_DIMS(5), (double[]){0, 800, 0, -800, 1});
    gen_array *lf = CHECK_ARR(gen_bijection_forward(b, far));
    if (lf) CHECK(mv_at(lf, 2) == 800 && mv_at(lf, 4) == -800);
    check_grads(b, ub, y);
    int nd;
    int64_t sh[4];
    CHECK_OK(gen_bijection_unconstrained_shape(b, GEN_DIMS(3, 2), &nd, sh));
    CHECK(nd == 1 && sh[0] == 5);
    CHECK_OK(gen_bijection_unconstrained_shape(b, GEN_DIMS(7, 3, 2), &nd, sh));
    CHECK(nd == 2 && sh[0] == 7 && sh[1] == 5);
    CHECK(gen_bijection_unconstrained_shape(b, GEN_DIMS(2, 2), &nd, sh) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "cholesky_cov: needs the event shape [3, 2]");
    CHECK(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(4))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "a 3 x 2 factor needs u with last axis 5, got 4");
    CHECK(gen_bijection_inverse(b, gen_zeros(GEN_F64, GEN_DIMS(2, 2))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "inverse needs 3 x 2 matrices");
    CHECK(gen_bijection_cholesky_cov(2, 3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "needs m >= n >= 1");
    CHECK(gen_bijection_cholesky_cov(2, 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "got m = 2, n = 0");
}

/* vector<lower=L, upper=U>: one bound per element broadcasts against batched values. */
static void test_per_element_bounds(void) {
    double lo[3] = {0, -1, 2}, hi[3] = {1, 3, INFINITY};
    gen_array *alo = gen_array_from_f64(GEN_DIMS(3), lo), *ahi = gen_array_from_f64(GEN_DIMS(3), hi);
    gen_array *u = gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0, 1, -1, -2, 0.5, 3});
    const double *ud = gen_array_data(u);
    gen_bijection *lb = gen_bijection_lower_bound(alo);
    double want[6], wld[6];
    for (int i = 0; i < 6; i++) want[i] = lo[i % 3] + exp(ud[i]);
    CHECK_ARRAY(gen_bijection_forward(lb, u), want, 6, 1e-15, 0);
    CHECK_ARRAY(gen_bijection_log_det_jacobian(lb, u), ud, 6, 0, 0);
    CHECK_ARRAY(gen_bijection_inverse(lb, gen_bijection_forward(lb, u)), ud, 6, 1e-12, 1e-14);
    gen_bijection *iv = gen_bijection_interval(alo, ahi);
    for (int i = 0; i < 6; i++) {
        int k = i % 3;
        double s = 1 / (1 + exp(-ud[i]));
        want[i] = isfinite(hi[k]) ? lo[k] + (hi[k] - lo[k]) * s : lo[k] + exp(ud[i]);
        wld[i] = isfinite(hi[k]) ? log(hi[k] - lo[k]) + log(s) + log(1 - s) : ud[i];
    }
    CHECK_ARRAY(gen_bijection_forward(iv, u), want, 6, 1e-14, 0);
    CHECK_ARRAY(gen_bijection_log_det_jacobian(iv, u), wld, 6, 1e-13, 1e-14);
    CHECK_ARRAY(gen_bijection_inverse(iv, gen_bijection_forward(iv, u)), ud, 6, 1e-10, 1e-12);
    /* through gen_flat_on's support: the same bijection */
    gen_dist *f = gen_flat_on(GEN_SUPPORT_INTERVAL, alo, ahi, GEN_DIMS(3));
    gen_bijection *fb = gen_dist_bijection(f);
    CHECK(fb && strcmp(gen_bijection_name(fb), "interval") == 0);
    if (fb) CHECK_ARRAY(gen_bijection_forward(fb, u), want, 6, 1e-14, 0);
    /* lo >= hi somewhere: refused, naming the values */
    gen_array *bad = gen_array_from_f64(GEN_DIMS(3), (double[]){2, -3, 4});
    CHECK(gen_bijection_interval(alo, bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_bijection_interval: lo must be < hi, got -1 and -3");
}

/* ---- gen_ordered ---- */

static void test_ordered_density(void) {
    gen_dist *d = gen_ordered(gen_normal(gen_scalar(1), gen_scalar(2)), 3);
    CHECK(d && strcmp(gen_dist_name(d), "ordered") == 0);
    if (!d) return;
    CHECK(gen_dist_event_ndim(d) == 1 && gen_dist_event_shape(d)[0] == 3 && gen_dist_batch_ndim(d) == 0);
    double x[3] = {-1, 0.5, 2};
    double want = log(6.0);
    for (int k = 0; k < 3; k++) want += log(gsl_ran_gaussian_pdf(x[k] - 1, 2));
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), x))), want, 1e-12);
    /* out of order, or ties: -inf */
    CHECK(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, -1, 2}))) == -INFINITY);
    CHECK(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), (double[]){0.5, 0.5, 2}))) == -INFINITY);
    gen_support s;
    CHECK_OK(gen_dist_support(d, &s));
    CHECK(s.kind == GEN_SUPPORT_ORDERED);
    gen_bijection *b = gen_dist_bijection(d);
    CHECK(b && strcmp(gen_bijection_name(b), "ordered") == 0);
    /* a batch of two rates: batch [2], values [2, 4] */
    gen_array *rate = gen_array_from_f64(GEN_DIMS(2), (double[]){0.5, 3});
    gen_dist *e = gen_ordered(gen_exponential(rate), 4);
    CHECK(e && gen_dist_batch_ndim(e) == 1 && gen_dist_batch_shape(e)[0] == 2);
    if (!e) return;
    double xe[8] = {0.1, 0.2, 1.5, 4, 0.01, 0.3, 0.31, 2};
    gen_array *lp = CHECK_ARR(gen_dist_logpdf(e, gen_array_from_f64(GEN_DIMS(2, 4), xe)));
    double we[2] = {log(24.0), log(24.0)};
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 4; k++) we[r] += log(gsl_ran_exponential_pdf(xe[r * 4 + k], 1 / (r ? 3.0 : 0.5)));
    CHECK_ARRAY(lp, we, 2, 1e-12, 0);
    CHECK_OK(gen_dist_support(e, &s));
    CHECK(s.kind == GEN_SUPPORT_POSITIVE_ORDERED);
    /* errors */
    CHECK(gen_ordered(gen_uniform(gen_scalar(0), gen_scalar(1)), 3) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "ordered: the support of uniform is interval");
    CHECK(gen_ordered(gen_poisson(gen_scalar(1)), 3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "needs a continuous distribution with scalar events, got poisson");
    CHECK(gen_ordered(gen_dirichlet(gen_ones(GEN_F64, GEN_DIMS(3))), 3) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "got dirichlet (continuous, 1 event axes)");
    CHECK(gen_ordered(gen_normal(gen_scalar(0), gen_scalar(1)), 0) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "ordered: K must be >= 1, got 0");
    CHECK(gen_ordered(NULL, 3) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "ordered: the distribution is NULL");
    /* ordered of an improper prior: a density, no draws */
    gen_dist *fl = gen_ordered(gen_flat(0, NULL), 2);
    CHECK(fl && check_item(gen_dist_logpdf(fl, gen_array_from_f64(GEN_DIMS(2), (double[]){1, 2}))) == log(2.0));
    CHECK(gen_dist_sample(fl, gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "cannot be simulated");
}

/* logpdf of ordered(normal(mu, 2), 3) at x: differentiable in x and mu. */
static gen_status ordered_lp(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    out[0] = gen_dist_logpdf(gen_ordered(gen_normal(in[1], gen_scalar(2)), 3), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_ordered_grad(void) {
    gen_array *in[2] = {gen_array_from_f64(GEN_DIMS(2, 3), (double[]){-1, 0.5, 2, 0, 0.1, 0.3}), gen_scalar(0.7)};
    FD_CHECK("ordered logpdf", ((gen_closure){ordered_lp, NULL}), 2, in, 1, 1e-6, 1e-8);
    /* d/dx_k = -(x_k - mu) / 4, d/dmu = sum_k (x_k - mu) / 4 */
    gen_array *g[2] = {NULL, NULL};
    gen_array *one[2] = {gen_reshape(gen_slice(in[0], 0, 0, 1, 1), GEN_DIMS(3)), in[1]};
    CHECK_OK(gen_grad((gen_closure){ordered_lp, NULL}, 2, one, g));
    if (g[0] && g[1]) {
        CHECK_ARRAY(g[0], ((double[]){1.7 / 4, -(0.5 - 0.7) / 4, -1.3 / 4}), 3, 1e-14, 1e-15);
        CHECK_CLOSE(check_item(g[1]), (-1.7 - 0.2 + 1.3) / 4, 1e-14);
    }
}

/* x [N, K] sorted along rows; column k's mean within 5 MCSE of mean[k]. */
static void check_order_draws(const char *what, const gen_array *x, int64_t k, const double *mean) {
    int64_t n = gen_array_size(x) / k;
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 1; j < k; j++) bad += !(mv_at(x, i * k + j) > mv_at(x, i * k + j - 1));
    CHECK(bad == 0);
    for (int64_t j = 0; j < k; j++) STATS_MOMENTS(what, mv_column(x, j, k), mean[j], -1);
}

static void test_ordered_draws(void) {
    gen_dist *d = gen_ordered(gen_normal(gen_scalar(0), gen_scalar(1)), 3);
    gen_array *x = CHECK_ARR(gen_dist_sample(d, gen_key_new(3), GEN_DIMS(20000)));
    if (!x) return;
    CHECK_SHAPE(x, 20000, 3);
    /* E of the order statistics of 3 standard normals: -+3 / (2 sqrt(pi)), 0 */
    double m = 3 / (2 * sqrt(M_PI));
    check_order_draws("ordered normal", x, 3, (double[]){-m, 0, m});
    /* of 4 exponentials of rate 2: E X(k) = sum_(j<=k) 1 / (2 (4 - j + 1)) */
    gen_dist *e = gen_ordered(gen_exponential(gen_scalar(2)), 4);
    gen_array *xe = CHECK_ARR(gen_dist_sample(e, gen_key_new(4), GEN_DIMS(20000)));
    double me[4], acc = 0;
    for (int k = 0; k < 4; k++) me[k] = (acc += 1 / (2.0 * (4 - k)));
    if (xe) check_order_draws("ordered exponential", xe, 4, me);
}

/* ---- gen_unit_vector ---- */

static void test_unit_vector_dist(void) {
    gen_dist *d = gen_unit_vector(3);
    CHECK(d && strcmp(gen_dist_name(d), "unit_vector") == 0);
    if (!d) return;
    double s = 1 / sqrt(3.0);
    /* 1 / (4 pi) for K = 3, 1 / (2 pi) for K = 2, Gamma(2) / (2 pi^2) for K = 4 */
    CHECK_CLOSE(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), (double[]){s, -s, s}))), -log(4 * M_PI), 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_unit_vector(2), gen_array_from_f64(GEN_DIMS(2), (double[]){0.6, 0.8}))),
                -log(2 * M_PI), 1e-14);
    CHECK_CLOSE(check_item(gen_dist_logpdf(gen_unit_vector(4), gen_array_from_f64(GEN_DIMS(4), (double[]){0.5, 0.5, 0.5, -0.5}))),
                -log(2 * M_PI * M_PI), 1e-14);
    CHECK(check_item(gen_dist_logpdf(d, gen_array_from_f64(GEN_DIMS(3), (double[]){1, 1, 0}))) == -INFINITY);
    gen_support sp;
    CHECK_OK(gen_dist_support(d, &sp));
    CHECK(sp.kind == GEN_SUPPORT_UNIT_VECTOR && strcmp(gen_support_name(sp.kind), "unit_vector") == 0);
    gen_array *x = CHECK_ARR(gen_dist_sample(d, gen_key_new(5), GEN_DIMS(20000)));
    if (!x) return;
    CHECK_SHAPE(x, 20000, 3);
    /* x_i^2 ~ Beta(1/2, (K-1)/2): mean 1/K, variance (K-1) 2 / (K^2 (K+2)) */
    for (int i = 0; i < 3; i++) {
        gen_array *c = mv_column(x, i, 3);
        STATS_MOMENTS("unit_vector x_i", c, 0, 1.0 / 3);
        STATS_MOMENTS("unit_vector x_i^2", gen_square(c), 1.0 / 3, 4.0 / 45);
    }
    CHECK(gen_unit_vector(1) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "unit_vector: K must be >= 2, got 1");
}

/* ---- gen_flat_on ---- */

static double flat_lp(gen_dist *d, int ndim, const int64_t *shape, const double *x) {
    return check_item(gen_dist_logpdf(d, gen_array_from(GEN_F64, ndim, shape, x)));
}

static void test_flat_on(void) {
    typedef struct {
        gen_support_kind kind;
        int ndim;
        int64_t shape[2];
        double in[6], out[6];
        const char *bij;
    } row;
    double r = sqrt(0.5);
    const row rows[] = {
        {GEN_SUPPORT_REAL, 1, {2}, {-5, 3}, {1, INFINITY}, "identity"},
        {GEN_SUPPORT_POSITIVE, 1, {2}, {0.1, 3}, {1, -1}, "exp"},
        {GEN_SUPPORT_ORDERED, 1, {3}, {-1, 0, 5}, {0, -1, 5}, "ordered"},
        {GEN_SUPPORT_POSITIVE_ORDERED, 1, {3}, {0.5, 1, 5}, {-1, 0, 5}, "positive_ordered"},
        {GEN_SUPPORT_UNIT_VECTOR, 1, {2}, {r, -r}, {1, 1}, "unit_vector"},
        {GEN_SUPPORT_SIMPLEX, 1, {3}, {0.2, 0.3, 0.5}, {0.5, 0.6, -0.1}, "stick_breaking"},
        {GEN_SUPPORT_CORR_CHOLESKY, 2, {2, 2}, {1, 0, 0.6, 0.8}, {1, 0.1, 0.6, 0.8}, "corr_cholesky"},
        {GEN_SUPPORT_CHOLESKY_COV, 2, {3, 2}, {1, 0, -2, 0.5, 3, 4}, {1, 0, -2, -0.5, 3, 4}, "cholesky_cov"},
        {GEN_SUPPORT_POSITIVE_DEFINITE, 2, {2, 2}, {2, 1, 1, 2}, {1, 2, 2, 1}, "positive_definite"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const row *w = &rows[i];
        gen_dist *d = gen_flat_on(w->kind, NULL, NULL, w->ndim, w->shape);
        CHECK(d && strcmp(gen_dist_name(d), "flat_on") == 0);
        if (!d) continue;
        if (flat_lp(d, w->ndim, w->shape, w->in) != 0 || flat_lp(d, w->ndim, w->shape, w->out) != -INFINITY)
            check_fail(__FILE__, __LINE__, "flat_on %s: wrong density", gen_support_name(w->kind));
        gen_support s;
        CHECK_OK(gen_dist_support(d, &s));
        CHECK(s.kind == w->kind && !s.lo && !s.hi);
        gen_bijection *b = gen_dist_bijection(d);
        if (!b || strcmp(gen_bijection_name(b), w->bij)) {
            check_fail(__FILE__, __LINE__, "flat_on %s: bijection %s", gen_support_name(w->kind), b ? gen_bijection_name(b) : "none");
            continue;
        }
        /* the bijection's forward lands in the support at a few points */
        int und;
        int64_t ush[4];
        CHECK_OK(gen_bijection_unconstrained_shape(b, w->ndim, w->shape, &und, ush));
        gen_array *u = fd_uniform(10 + i, -1.5, 1.5, und, ush);
        CHECK(check_item(gen_dist_logpdf(d, gen_bijection_forward(b, u))) == 0);
        CHECK(gen_dist_sample(d, gen_key_new(1), 0, NULL) == NULL);
        CHECK_ERROR(GEN_ERR_UNSUPPORTED, "flat_on cannot be simulated");
    }
    /* bounded kinds: per-element bounds, batched values */
    gen_array *lo = gen_array_from_f64(GEN_DIMS(2), (double[]){0, -1}), *hi = gen_array_from_f64(GEN_DIMS(2), (double[]){1, 5});
    gen_dist *gt = gen_flat_on(GEN_SUPPORT_GREATER_THAN, lo, NULL, GEN_DIMS(2));
    gen_dist *lt = gen_flat_on(GEN_SUPPORT_LESS_THAN, NULL, hi, GEN_DIMS(2));
    gen_dist *iv = gen_flat_on(GEN_SUPPORT_INTERVAL, lo, hi, GEN_DIMS(2));
    gen_array *x = gen_array_from_f64(GEN_DIMS(3, 2), (double[]){0.5, 0, 2, -0.5, 0.5, 6});
    CHECK_ARRAY(gen_dist_logpdf(gt, x), ((double[]){0, 0, 0}), 3, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(lt, x), ((double[]){0, -INFINITY, -INFINITY}), 3, 0, 0);
    CHECK_ARRAY(gen_dist_logpdf(iv, x), ((double[]){0, -INFINITY, -INFINITY}), 3, 0, 0);
    gen_support s;
    CHECK_OK(gen_dist_support(iv, &s));
    CHECK(s.kind == GEN_SUPPORT_INTERVAL && s.lo == lo && s.hi == hi);
    CHECK(gen_dist_num_params(iv) == 2 && strcmp(gen_dist_param_name(lt, 0), "hi") == 0);
    gen_bijection *bg = gen_dist_bijection(gt);
    CHECK(bg && strcmp(gen_bijection_name(bg), "lower_bound") == 0);
    /* errors */
    CHECK(gen_flat_on(GEN_SUPPORT_REAL, lo, NULL, GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "flat_on: the real support takes no bound lo (pass NULL)");
    CHECK(gen_flat_on(GEN_SUPPORT_ORDERED, NULL, hi, GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "flat_on: the ordered support takes no bound hi");
    CHECK(gen_flat_on(GEN_SUPPORT_INTERVAL, lo, NULL, GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "flat_on: the interval support needs the bound hi (it is NULL)");
    CHECK(gen_flat_on(GEN_SUPPORT_INTERVAL, hi, lo, GEN_DIMS(2)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "flat_on: lo must be < hi, got 1 and 0");
    CHECK(gen_flat_on(GEN_SUPPORT_GREATER_THAN, lo, NULL, GEN_DIMS(3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "the bound lo of shape [2] does not broadcast to the event shape [3]");
    CHECK(gen_flat_on(GEN_SUPPORT_GREATER_THAN, gen_scalar(INFINITY), NULL, GEN_DIMS(3)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "flat_on: lo must be finite");
    CHECK(gen_flat_on(GEN_SUPPORT_ORDERED, NULL, NULL, GEN_DIMS(2, 2)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "flat_on: the ordered support needs a vector ([K]) event shape, got 2 dimensions");
    CHECK(gen_flat_on(GEN_SUPPORT_CHOLESKY_COV, NULL, NULL, GEN_DIMS(4)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "flat_on: the cholesky_cov support needs a matrix event shape, got 1 dimensions");
    CHECK(gen_flat_on(GEN_SUPPORT_CHOLESKY_COV, NULL, NULL, GEN_DIMS(2, 3)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "needs M >= N in its event shape [M, N], got [2, 3]");
    CHECK(gen_flat_on(GEN_SUPPORT_CORR_CHOLESKY, NULL, NULL, GEN_DIMS(3, 2)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "needs a square event shape [n, n], got [3, 2]");
    CHECK(gen_flat_on(GEN_SUPPORT_UNIT_VECTOR, NULL, NULL, GEN_DIMS(1)) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "flat_on: the unit_vector support needs K >= 2, got 1");
    CHECK(gen_flat_on(GEN_SUPPORT_BOOLEAN, NULL, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "flat_on: no flat density over a boolean support");
    CHECK(gen_flat_on(GEN_SUPPORT_CUSTOM, NULL, NULL, 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_UNSUPPORTED, "over a custom support");
    CHECK(gen_flat_on(GEN_SUPPORT_REAL, NULL, NULL, 1, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "flat_on: the event shape is NULL (ndim 1)");
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_upper_bound);
    RUN_ONLY(test_ordered);
    RUN_ONLY(test_positive_ordered);
    RUN_ONLY(test_unit_vector);
    RUN_ONLY(test_cholesky_cov);
    RUN_ONLY(test_per_element_bounds);
    RUN_ONLY(test_ordered_density);
    RUN_ONLY(test_ordered_grad);
    RUN_ONLY(test_ordered_draws);
    RUN_ONLY(test_unit_vector_dist);
    RUN_ONLY(test_flat_on);
    return check_finish();
}
