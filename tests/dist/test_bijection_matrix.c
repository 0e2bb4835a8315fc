/* test_bijection_matrix.c — stick_breaking, corr_cholesky and positive_definite: values
 * at the origin, round trips both ways, the constraints of the outputs, log|det J|
 * against the Jacobian built column by column with gen_jvp (onto the free coordinates:
 * the first K-1 simplex entries, the strict lower triangle of a correlation factor, the
 * lower triangle of a PD matrix), finite-difference gradients of all three functions,
 * unconstrained shapes and errors. Bijections are called on batched values ([B, m]). */
#include <gsl/gsl_linalg.h>

#include "test_mv_util.h"

typedef enum { STICK, CORR, PD } kind;

static gen_bijection *make(kind k) {
    return k == STICK ? gen_bijection_stick_breaking()
                      : k == CORR ? gen_bijection_corr_cholesky() : gen_bijection_positive_definite();
}

/* Flat indices of the free coordinates of a constrained value (event size `size`). */
static gen_array *free_idx(kind k, int64_t m, int64_t *size) {
    int64_t idx[64], c = 0;
    if (k == STICK) {
        for (int64_t i = 0; i < m; i++) idx[c++] = i;
        *size = m + 1;
    } else {
        int64_t n = k == CORR ? (int64_t)llround((1 + sqrt(1 + 8.0 * (double)m)) / 2)
                              : (int64_t)llround((sqrt(1 + 8.0 * (double)m) - 1) / 2);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < (k == CORR ? i : i + 1); j++) idx[c++] = i * n + j;
        *size = n * n;
    }
    return gen_array_from(GEN_I64, 1, &c, idx);
}

/* u [B, m] -> the free coordinates [B, m] of forward(u). */
static gen_status free_fwd(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    kind k = *(kind *)p;
    int64_t b = gen_array_dim(in[0], 0), m = gen_array_dim(in[0], 1), size;
    gen_array *idx = free_idx(k, m, &size);
    gen_array *x = gen_bijection_forward(make(k), in[0]);
    out[0] = gen_take(gen_reshape(x, GEN_DIMS(b, size)), idx, 1);
    return out[0] ? GEN_OK : gen_error_status();
}

/* log|det J| of row r of the [B, m, m] Jacobian (column-major from jvp) via GSL LU. */
static double lndet(const double *cols, int64_t b, int64_t r, int64_t m) {
    gsl_matrix *j = gsl_matrix_alloc((size_t)m, (size_t)m);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)m);
    for (int64_t c = 0; c < m; c++)
        for (int64_t i = 0; i < m; i++) gsl_matrix_set(j, (size_t)i, (size_t)c, cols[(c * b + r) * m + i]);
    int sign;
    gsl_linalg_LU_decomp(j, perm, &sign);
    double v = gsl_linalg_LU_lndet(j);
    gsl_matrix_free(j);
    gsl_permutation_free(perm);
    return v;
}

static void check_logdet(kind k, gen_array *u) {
    int64_t b = gen_array_dim(u, 0), m = gen_array_dim(u, 1);
    double *cols = malloc((size_t)(b * m * m) * sizeof *cols);
    double *e = calloc((size_t)(b * m), sizeof *e);
    for (int64_t c = 0; c < m; c++) {
        for (int64_t r = 0; r < b; r++) {
            for (int64_t i = 0; i < m; i++) e[r * m + i] = i == c;
        }
        gen_array *t = gen_array_from_f64(GEN_DIMS(b, m), e), *jt = NULL;
        CHECK_OK(gen_jvp((gen_closure){free_fwd, &k}, 1, &u, &t, 1, NULL, &jt));
        if (jt) gen_array_copy_to(jt, GEN_F64, cols + c * b * m, (size_t)(b * m) * sizeof *cols);
    }
    gen_array *ld = CHECK_ARR(gen_bijection_log_det_jacobian(make(k), u));
    CHECK_SHAPE(ld, b);
    double want[16];
    for (int64_t r = 0; r < b; r++) want[r] = lndet(cols, b, r, m);
    CHECK_ARRAY(ld, want, b, 1e-10, 1e-12);
    free(cols);
    free(e);
}

static gen_status fwd_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_bijection_forward(make(*(kind *)p), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
static gen_status ld_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    out[0] = gen_bijection_log_det_jacobian(make(*(kind *)p), in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}
/* inverse of a point built from free parameters inside the support's neighbourhood:
 * simplex entries and corr factors are perturbed freely (the inverse formulas are smooth
 * there); PD matrices come from A A^T + n I (cholesky reads one triangle). */
static gen_status inv_fn(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    kind k = *(kind *)p;
    out[0] = gen_bijection_inverse(make(k), k == PD ? mv_spd_from(in[0]) : in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void check_grads(kind k, gen_array *u, gen_array *x_free) {
    gen_array *in[1] = {u};
    FD_CHECK("forward", ((gen_closure){fwd_fn, &k}), 1, in, 1, 1e-6, 1e-8);
    FD_CHECK("log_det", ((gen_closure){ld_fn, &k}), 1, in, 1, 1e-6, 1e-8);
    gen_array *inx[1] = {x_free};
    FD_CHECK("inverse", ((gen_closure){inv_fn, &k}), 1, inx, 1, 1e-6, 1e-8);
}

static void test_stick_breaking(void) {
    gen_bijection *b = gen_bijection_stick_breaking();
    CHECK(strcmp(gen_bijection_name(b), "stick_breaking") == 0);
    /* the origin maps to the centre of the simplex */
    gen_array *c = CHECK_ARR(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(2, 3))));
    CHECK_ARRAY(c, ((double[]){0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25}), 8, 1e-15, 0);
    gen_array *u = fd_uniform(1, -3, 3, GEN_DIMS(5, 4));
    gen_array *x = CHECK_ARR(gen_bijection_forward(b, u));
    CHECK_SHAPE(x, 5, 5);
    gen_array *sums = gen_sum(x, GEN_AXES(-1), false);
    CHECK_ARRAY(sums, ((double[]){1, 1, 1, 1, 1}), 5, 1e-15, 0);
    CHECK_ARRAY(gen_bijection_inverse(b, x), gen_array_data(u), 20, 1e-12, 1e-12);
    /* forward(inverse(x)) for a simplex point */
    gen_array *y = gen_array_from_f64(GEN_DIMS(1, 4), (double[]){0.1, 0.2, 0.3, 0.4});
    CHECK_ARRAY(gen_bijection_forward(b, gen_bijection_inverse(b, y)), gen_array_data(y), 4, 1e-14, 0);
    /* far out: no NaN, exact in log space; a 1-simplex is the point 1 */
    gen_array *far = gen_array_from_f64(GEN_DIMS(1, 3), (double[]){-800, 800, 40});
    gen_array *xf = CHECK_ARR(gen_bijection_forward(b, far));
    CHECK(isfinite(mv_at(xf, 0)) && isfinite(mv_at(xf, 3)) && mv_at(xf, 1) == 1);
    CHECK(isfinite(check_item(gen_bijection_log_det_jacobian(b, far))));
    CHECK_ARRAY(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(2, 0))), ((double[]){1, 1}), 2, 0, 0);
    check_logdet(STICK, u);
    check_grads(STICK, fd_uniform(2, -2, 2, GEN_DIMS(3, 3)),
                gen_array_from_f64(GEN_DIMS(2, 3), (double[]){0.2, 0.3, 0.5, 0.6, 0.1, 0.3}));
    int nd;
    int64_t sh[4];
    CHECK_OK(gen_bijection_unconstrained_shape(b, GEN_DIMS(5), &nd, sh));
    CHECK(nd == 1 && sh[0] == 4);
    CHECK(gen_bijection_unconstrained_shape(b, 0, NULL, &nd, sh) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "stick_breaking: the simplex needs an event shape [K]");
    /* f32 stays f32 */
    gen_array *x32 = CHECK_ARR(gen_bijection_forward(b, gen_zeros(GEN_F32, GEN_DIMS(1, 1))));
    CHECK(gen_array_dtype(x32) == GEN_F32 && mv_at(x32, 0) == 0.5f);
}

static void test_corr_cholesky(void) {
    gen_bijection *b = gen_bijection_corr_cholesky();
    CHECK(strcmp(gen_bijection_name(b), "corr_cholesky") == 0);
    CHECK_ARRAY(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(1, 3))),
                ((double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}), 9, 0, 0);
    gen_array *u = fd_uniform(3, -2, 2, GEN_DIMS(4, 6)); /* n = 4 */
    gen_array *l = CHECK_ARR(gen_bijection_forward(b, u));
    CHECK_SHAPE(l, 4, 4, 4);
    /* rows of unit norm, positive diagonal, zeros above */
    const double *ld = gen_array_data(l);
    int bad = 0;
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 4; i++) {
            double s = 0;
            for (int j = 0; j < 4; j++) {
                double v = ld[(k * 4 + i) * 4 + j];
                s += v * v;
                bad += j > i && v != 0;
            }
            bad += fabs(s - 1) > 1e-14 || !(ld[(k * 4 + i) * 4 + i] > 0);
        }
    CHECK(bad == 0);
    CHECK_ARRAY(gen_bijection_inverse(b, l), gen_array_data(u), 24, 1e-11, 1e-12);
    CHECK_ARRAY(gen_bijection_forward(b, gen_bijection_inverse(b, l)), ld, 64, 1e-13, 1e-15);
    /* tails: tanh saturates but rows keep unit norm, log det stays finite */
    gen_array *far = gen_array_from_f64(GEN_DIMS(1, 3), (double[]){30, -30, 400});
    gen_array *lf = CHECK_ARR(gen_bijection_forward(b, far));
    CHECK(isfinite(mv_at(lf, 8)) && isfinite(check_item(gen_bijection_log_det_jacobian(b, far))));
    CHECK_ARRAY(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(2, 0))), ((double[]){1, 1}), 2, 0, 0);
    check_logdet(CORR, u);
    check_logdet(CORR, fd_uniform(4, -1, 1, GEN_DIMS(2, 1)));
    check_grads(CORR, fd_uniform(5, -1.5, 1.5, GEN_DIMS(2, 3)), gen_bijection_forward(b, fd_uniform(6, -1, 1, GEN_DIMS(2, 3))));
    int nd;
    int64_t sh[4];
    CHECK_OK(gen_bijection_unconstrained_shape(b, GEN_DIMS(4, 4), &nd, sh));
    CHECK(nd == 1 && sh[0] == 6);
    CHECK(gen_bijection_unconstrained_shape(b, GEN_DIMS(3, 4), &nd, sh) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "corr_cholesky: needs a square matrix event shape");
    CHECK(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(2, 4))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "corr_cholesky: the last axis of u has length 4, which is not n(n-1)/2 for any n");
    CHECK(gen_bijection_inverse(b, gen_zeros(GEN_F64, GEN_DIMS(2, 3))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "corr_cholesky: inverse needs square matrices");
}

static void test_positive_definite(void) {
    gen_bijection *b = gen_bijection_positive_definite();
    CHECK(strcmp(gen_bijection_name(b), "positive_definite") == 0);
    CHECK_ARRAY(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(1, 3))), ((double[]){1, 0, 0, 1}), 4, 0, 0);
    gen_array *u = fd_uniform(7, -1.5, 1.5, GEN_DIMS(3, 10)); /* n = 4 */
    gen_array *x = CHECK_ARR(gen_bijection_forward(b, u));
    CHECK_SHAPE(x, 3, 4, 4);
    CHECK_ARRAY(gen_matrix_transpose(x), gen_array_data(x), 48, 0, 0); /* exactly symmetric */
    CHECK(gen_cholesky(x) != NULL);
    CHECK_ARRAY(gen_bijection_inverse(b, x), gen_array_data(u), 30, 1e-12, 1e-12);
    gen_array *spd = mv_spd_from(fd_uniform(8, -1, 1, GEN_DIMS(2, 3, 3)));
    CHECK_ARRAY(gen_bijection_forward(b, gen_bijection_inverse(b, spd)), gen_array_data(spd), 18, 1e-13, 0);
    /* n = 1: exp(2u), log det log 2 + 2u */
    gen_array *u1 = gen_array_from_f64(GEN_DIMS(2, 1), (double[]){0.3, -2});
    CHECK_ARRAY(gen_bijection_forward(b, u1), ((double[]){exp(0.6), exp(-4)}), 2, 1e-15, 0);
    CHECK_ARRAY(gen_bijection_log_det_jacobian(b, u1), ((double[]){log(2) + 0.6, log(2) - 4}), 2, 1e-15, 0);
    check_logdet(PD, u);
    check_grads(PD, fd_uniform(9, -1, 1, GEN_DIMS(2, 6)), fd_uniform(10, -1, 1, GEN_DIMS(2, 3, 3)));
    int nd;
    int64_t sh[4];
    CHECK_OK(gen_bijection_unconstrained_shape(b, GEN_DIMS(5, 3, 3), &nd, sh));
    CHECK(nd == 2 && sh[0] == 5 && sh[1] == 6);
    CHECK(gen_bijection_forward(b, gen_zeros(GEN_F64, GEN_DIMS(2, 5))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "positive_definite: the last axis of u has length 5, which is not n(n+1)/2 for any n");
    CHECK(gen_bijection_inverse(b, gen_array_from_f64(GEN_DIMS(2, 2), (double[]){1, 2, 2, 1})) == NULL);
    CHECK_ERROR(GEN_ERR_LINALG, "cholesky");
    /* f32 */
    gen_array *x32 = CHECK_ARR(gen_bijection_forward(b, gen_zeros(GEN_F32, GEN_DIMS(1, 3))));
    CHECK(gen_array_dtype(x32) == GEN_F32);
}

int main(void) {
    RUN(test_stick_breaking);
    RUN(test_corr_cholesky);
    RUN(test_positive_definite);
    return check_finish();
}
