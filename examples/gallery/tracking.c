/* tracking.c — tracking an object moving in the plane (a linear-Gaussian state-space
 * model) with a particle filter, a model file for the genc tool (genc run tracking) and
 * for tests/gallery/test_tracking.c.
 *
 *   state x_t = (px, py, vx, vy): constant velocity with noise, dt per step
 *   x_0 ~ N(m0, P0);  x_t ~ N(A x_t-1, Q);  y_t ~ N(C x_t, R)       t = 1..T
 *   A = [[I, dt I], [0, I]],  Q = diag(sigma_pos^2 I, sigma_vel^2 I),  C = [I 0],  R = sigma_obs^2 I
 *
 * Written with Unfold (step t's choices at t/x and t/y; step 0 draws x_1 from its prior
 * N(A m0, A P0 A' + Q), x_0 being integrated out). The algorithm is "smc": a bootstrap
 * particle filter. The Kalman filter (gen_kalman_filter) gives the exact log marginal
 * likelihood, the model's declared reference.
 *
 * Data (--data): {"T": .., "y": [T, 2]} and optionally "dt" (1), "sigma_pos" (0.1),
 * "sigma_vel" (0.3), "sigma_obs" (1), "m0" ([0, 0, 1, 0.5]), "sd0" (1: P0 = sd0^2 I).
 * Without --data: the 30 positions below, simulated once from the defaults. */
#include <math.h>
#include <stdlib.h>

#include "genc.h"

static const double TRACK_Y[30][2] = {
    {1.987, 0.371}, {2.669, -0.010}, {4.691, -1.416}, {5.860, -2.344}, {7.879, -0.281},
    {10.448, -2.605}, {12.444, -2.740}, {14.823, -3.797}, {17.416, -3.489}, {17.655, -5.084},
    {18.768, -4.274}, {22.405, -4.326}, {25.100, -5.930}, {25.852, -7.359}, {28.076, -9.252},
    {28.456, -10.177}, {33.129, -12.255}, {33.242, -14.442}, {34.802, -16.506}, {34.729, -18.647},
    {37.444, -21.646}, {40.048, -24.193}, {41.007, -24.080}, {43.702, -27.515}, {44.721, -31.277},
    {45.370, -33.088}, {49.876, -34.636}, {51.045, -37.512}, {52.968, -40.956}, {55.243, -39.089}};

/* The model's matrices: m1, P1 (x_1's prior), A, Q, C, R; and the observations [T, 2]. */
enum { TRACK_M1, TRACK_P1, TRACK_A, TRACK_Q, TRACK_C, TRACK_R, TRACK_NPARAM };
typedef struct tracking_data {
    gen_array *param[TRACK_NPARAM];
    gen_array *y;
} tracking_data;

/* Unfold kernel: args (t, x_prev, m1, P1, A, Q, C, R); returns x_t. */
static gen_status tracking_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t t = 0;
    gen_status s = gen_item_i64(args->v[0], &t);
    if (s != GEN_OK) return s;
    gen_array *const *p = args->v + 2;
    gen_dist *prior = t == 0 ? gen_mvnormal(p[TRACK_M1], p[TRACK_P1]) : gen_mvnormal(gen_matmul(p[TRACK_A], args->v[1]), p[TRACK_Q]);
    gen_array *x = gen_choose(ctx, "x", prior);
    gen_choose(ctx, "y", gen_mvnormal(gen_matmul(p[TRACK_C], x), p[TRACK_R]));
    *retval = x;
    return gen_ctx_status(ctx);
}

static void tracking_data_free(void *payload) {
    tracking_data *d = payload;
    for (int i = 0; i < TRACK_NPARAM; i++) gen_array_release(d->param[i]);
    gen_array_release(d->y);
    free(d);
}

/* The Unfold's arguments for t + 1 steps. */
static void tracking_args(const tracking_data *d, int64_t steps, gen_array **v) {
    v[0] = gen_scalar_i64(steps);
    v[1] = gen_zeros(GEN_F64, GEN_DIMS(4));
    for (int i = 0; i < TRACK_NPARAM; i++) v[2 + i] = d->param[i];
}

static gen_status tracking_smc_step(void *payload, int64_t t, gen_args *args, gen_diff *argdiffs, gen_choicemap **obs) {
    tracking_data *d = payload;
    tracking_args(d, t + 1, (gen_array **)args->v);
    args->n = 2 + TRACK_NPARAM;
    argdiffs[0] = gen_diff_int(1);
    for (int i = 1; i < args->n; i++) argdiffs[i] = gen_diff_no_change();
    gen_addr a = {2, {gen_part_int(t), gen_part_name("y")}};
    *obs = gen_choicemap_set(gen_choicemap_empty(), &a, gen_at(d->y, t));
    return *obs ? GEN_OK : gen_error_status();
}

static gen_status tracking_real(const gen_data *data, const char *name, double *inout) {
    return data && gen_data_has(data, name) ? gen_data_real(data, name, inout) : GEN_OK;
}

static gen_status tracking_setup(gen_model *m, const gen_data *data) {
    double dt = 1, sp = 0.1, sv = 0.3, so = 1, sd0 = 1, m0v[4] = {0, 0, 1, 0.5};
    gen_array *y = NULL, *m0 = NULL;
    gen_status s;
    if (data) {
        if ((s = gen_data_f64(data, "y", &y)) != GEN_OK) return s;
        if (gen_data_has(data, "m0") && (s = gen_data_f64(data, "m0", &m0)) != GEN_OK) return s;
    } else {
        y = gen_array_from_f64(GEN_DIMS(30, 2), &TRACK_Y[0][0]);
    }
    if (!m0) m0 = gen_array_from_f64(GEN_DIMS(4), m0v);
    if ((s = tracking_real(data, "dt", &dt)) != GEN_OK || (s = tracking_real(data, "sigma_pos", &sp)) != GEN_OK ||
        (s = tracking_real(data, "sigma_vel", &sv)) != GEN_OK || (s = tracking_real(data, "sigma_obs", &so)) != GEN_OK ||
        (s = tracking_real(data, "sd0", &sd0)) != GEN_OK)
        return s;
    if (gen_array_ndim(y) != 2 || gen_array_shape(y)[1] != 2 || gen_array_shape(y)[0] < 1)
        return gen_error_set(GEN_ERR_SHAPE, "tracking: y must be [T, 2] (one observed position per step), T >= 1");
    if (gen_array_ndim(m0) != 1 || gen_array_size(m0) != 4)
        return gen_error_set(GEN_ERR_SHAPE, "tracking: m0 must be [4] (px, py, vx, vy)");
    if (!(dt > 0 && sp > 0 && sv > 0 && so > 0 && sd0 > 0))
        return gen_error_set(GEN_ERR_VALUE, "tracking: dt, sigma_pos, sigma_vel, sigma_obs and sd0 must be > 0");
    int64_t T = gen_array_shape(y)[0];
    const double A[16] = {1, 0, dt, 0, 0, 1, 0, dt, 0, 0, 1, 0, 0, 0, 0, 1};
    const double Q[16] = {sp * sp, 0, 0, 0, 0, sp * sp, 0, 0, 0, 0, sv * sv, 0, 0, 0, 0, sv * sv};
    const double C[8] = {1, 0, 0, 0, 0, 1, 0, 0}, R[4] = {so * so, 0, 0, so * so};
    gen_array *a = gen_array_from_f64(GEN_DIMS(4, 4), A), *q = gen_array_from_f64(GEN_DIMS(4, 4), Q);
    gen_array *p0 = gen_mul(gen_eye(4, GEN_F64), gen_scalar(sd0 * sd0));
    gen_array *at = gen_matrix_transpose(a);
    gen_array *P1 = gen_add(gen_matmul(gen_matmul(a, p0), at), q);
    /* symmetrize: the product is symmetric up to rounding, and mvnormal checks */
    P1 = gen_mul(gen_add(P1, gen_matrix_transpose(P1)), gen_scalar(0.5));
    tracking_data *d = calloc(1, sizeof *d);
    if (!d) return gen_error_set(GEN_ERR_OOM, "tracking: out of memory");
    gen_array *params[TRACK_NPARAM] = {gen_matmul(a, m0), P1, a, q, gen_array_from_f64(GEN_DIMS(2, 4), C),
                                       gen_array_from_f64(GEN_DIMS(2, 2), R)};
    for (int i = 0; i < TRACK_NPARAM; i++) d->param[i] = params[i] ? gen_array_retain(params[i]) : NULL;
    d->y = gen_array_retain(y);
    for (int i = 0; i < TRACK_NPARAM; i++)
        if (!d->param[i]) {
            tracking_data_free(d);
            return gen_error_status();
        }
    /* the exact log marginal likelihood: the Kalman filter */
    gen_lgssm lg = {m0, p0, a, NULL, q, d->param[TRACK_C], NULL, d->param[TRACK_R]};
    double log_ml = NAN;
    gen_array *v[2 + TRACK_NPARAM];
    tracking_args(d, T, v);
    gen_args args = {2 + TRACK_NPARAM, v, NULL};
    gen_gf *f = gen_unfold(gen_dynamic("tracking_step", tracking_step));
    if ((s = gen_kalman_filter(&lg, y, NULL, NULL, NULL, NULL, &log_ml)) != GEN_OK || !f ||
        (s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_smc(m, T, tracking_smc_step, d, tracking_data_free)) != GEN_OK) {
        tracking_data_free(d);
        return s != GEN_OK ? s : gen_error_status();
    }
    if ((s = gen_model_set_reference(m, "log marginal likelihood (Kalman filter)", log_ml)) != GEN_OK) return s;
    return gen_model_set_algorithm(m, "smc");
}

GEN_MODEL("tracking", "Tracking in the plane, linear-Gaussian (particle filter; Kalman filter reference)", tracking_setup);
