/* robot.c — 2-D robot localization with a particle filter, a model file for the genc tool
 * (genc run robot) and for tests/gallery/test_robot.c.
 *
 * A robot moves in the plane by commanded steps u_t with noise, and measures its distance
 * to L known landmarks with noise:
 *
 *   pos_0 ~ N(start, start_sd^2 I);  pos_t ~ N(pos_t-1 + u_t, motion_sd^2 I)    t = 1..T-1
 *   ranges_t[l] ~ N(|pos_t - landmark_l|, range_sd)                            l = 1..L
 *
 * Written with Unfold (step t's choices at t/pos and t/ranges). The ranges are a nonlinear
 * function of the position, so there is no exact filter: the algorithm is "smc", a
 * bootstrap particle filter, and the test checks that the simulated true path lies within
 * the posterior's spread.
 *
 * Data (--data): {"T": .., "L": .., "controls": [T, 2] (row 0 unused), "landmarks": [L, 2],
 * "ranges": [T, L]} and optionally "start" ([1, 1]), "start_sd" (0.5), "motion_sd" (0.15),
 * "range_sd" (0.3). Without --data: the 25 steps below among 4 landmarks at the corners of
 * a 10 x 10 square, simulated once (tests/gallery/test_robot.c holds the true path). */
#include <math.h>
#include <stdlib.h>

#include "genc.h"

static const double ROBOT_LANDMARKS[4][2] = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
static const double ROBOT_CONTROLS[25][2] = {
    {0.700, 0.250}, {0.681, 0.399}, {0.626, 0.539}, {0.537, 0.661}, {0.421, 0.757},
    {0.285, 0.821}, {0.138, 0.849}, {-0.012, 0.839}, {-0.155, 0.793}, {-0.282, 0.712},
    {-0.385, 0.603}, {-0.458, 0.471}, {-0.495, 0.325}, {-0.495, 0.175}, {-0.458, 0.029},
    {-0.385, -0.103}, {-0.282, -0.212}, {-0.155, -0.293}, {-0.012, -0.339}, {0.138, -0.349},
    {0.285, -0.321}, {0.421, -0.257}, {0.537, -0.161}, {0.626, -0.039}, {0.681, 0.101}};
static const double ROBOT_RANGES[25][4] = {
    {1.570, 8.975, 9.135, 12.853}, {2.592, 8.264, 9.112, 12.259}, {3.207, 7.644, 8.256, 10.893},
    {3.703, 7.893, 7.715, 9.845}, {4.116, 7.635, 7.572, 9.842}, {4.921, 7.948, 7.042, 9.032},
    {6.484, 7.603, 5.481, 8.211}, {6.856, 8.281, 5.171, 7.535}, {7.279, 9.327, 4.676, 7.325},
    {7.719, 10.079, 3.867, 7.192}, {8.332, 10.621, 3.610, 7.366}, {8.785, 11.997, 3.369, 7.921},
    {8.736, 12.543, 2.315, 8.689}, {8.879, 12.098, 1.658, 9.132}, {8.694, 13.011, 1.490, 8.917},
    {8.789, 13.182, 1.499, 10.029}, {8.355, 12.710, 1.680, 10.109}, {7.871, 12.645, 2.099, 10.696},
    {7.976, 12.681, 2.127, 10.180}, {8.086, 12.003, 2.604, 10.519}, {7.333, 12.182, 2.550, 9.863},
    {7.912, 11.756, 2.795, 9.720}, {7.452, 11.267, 2.508, 8.886}, {7.251, 11.235, 3.449, 8.450},
    {7.600, 11.164, 3.947, 7.844}};

/* Unfold kernel: args (t, pos_prev, start, start_sd, controls, landmarks, motion_sd,
 * range_sd); returns pos_t. */
static gen_status robot_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t t = 0;
    gen_status s = gen_item_i64(args->v[0], &t);
    if (s != GEN_OK) return s;
    gen_array *mean = t == 0 ? args->v[2] : gen_add(args->v[1], gen_take(args->v[4], args->v[0], 0));
    gen_array *pos = gen_choose(ctx, "pos", gen_broadcasted_normal(mean, t == 0 ? args->v[3] : args->v[6]));
    gen_array *dist = gen_sqrt(gen_sum(gen_square(gen_sub(args->v[5], pos)), 1, (const int[]){1}, false)); /* [L] */
    gen_choose(ctx, "ranges", gen_broadcasted_normal(dist, args->v[7]));
    *retval = pos;
    return gen_ctx_status(ctx);
}

enum { ROBOT_NARGS = 8 };
typedef struct robot_data {
    gen_array *fixed[ROBOT_NARGS]; /* the arguments after t and pos_prev */
    gen_array *ranges;
} robot_data;

static void robot_data_free(void *payload) {
    robot_data *d = payload;
    for (int i = 2; i < ROBOT_NARGS; i++) gen_array_release(d->fixed[i]);
    gen_array_release(d->ranges);
    free(d);
}

static void robot_args(const robot_data *d, int64_t steps, gen_array **v) {
    v[0] = gen_scalar_i64(steps);
    v[1] = gen_zeros(GEN_F64, GEN_DIMS(2));
    for (int i = 2; i < ROBOT_NARGS; i++) v[i] = d->fixed[i];
}

static gen_status robot_smc_step(void *payload, int64_t t, gen_args *args, gen_diff *argdiffs, gen_choicemap **obs) {
    robot_data *d = payload;
    robot_args(d, t + 1, (gen_array **)args->v);
    args->n = ROBOT_NARGS;
    argdiffs[0] = gen_diff_int(1);
    for (int i = 1; i < ROBOT_NARGS; i++) argdiffs[i] = gen_diff_no_change();
    gen_addr a = {2, {gen_part_int(t), gen_part_name("ranges")}};
    *obs = gen_choicemap_set(gen_choicemap_empty(), &a, gen_at(d->ranges, t));
    return *obs ? GEN_OK : gen_error_status();
}

static gen_status robot_real(const gen_data *data, const char *name, double *inout) {
    return data && gen_data_has(data, name) ? gen_data_real(data, name, inout) : GEN_OK;
}

static gen_status robot_setup(gen_model *m, const gen_data *data) {
    gen_array *controls = NULL, *landmarks = NULL, *ranges = NULL, *start = NULL;
    double start_sd = 0.5, motion_sd = 0.15, range_sd = 0.3;
    gen_status s;
    if (data) {
        if ((s = gen_data_f64(data, "controls", &controls)) != GEN_OK || (s = gen_data_f64(data, "landmarks", &landmarks)) != GEN_OK ||
            (s = gen_data_f64(data, "ranges", &ranges)) != GEN_OK)
            return s;
        if (gen_data_has(data, "start") && (s = gen_data_f64(data, "start", &start)) != GEN_OK) return s;
    } else {
        controls = gen_array_from_f64(GEN_DIMS(25, 2), &ROBOT_CONTROLS[0][0]);
        landmarks = gen_array_from_f64(GEN_DIMS(4, 2), &ROBOT_LANDMARKS[0][0]);
        ranges = gen_array_from_f64(GEN_DIMS(25, 4), &ROBOT_RANGES[0][0]);
    }
    if (!start) start = gen_full(GEN_F64, GEN_DIMS(2), 1.0);
    if ((s = robot_real(data, "start_sd", &start_sd)) != GEN_OK || (s = robot_real(data, "motion_sd", &motion_sd)) != GEN_OK ||
        (s = robot_real(data, "range_sd", &range_sd)) != GEN_OK)
        return s;
    if (gen_array_ndim(landmarks) != 2 || gen_array_shape(landmarks)[1] != 2 || gen_array_shape(landmarks)[0] < 1)
        return gen_error_set(GEN_ERR_SHAPE, "robot: landmarks must be [L, 2], L >= 1");
    int64_t L = gen_array_shape(landmarks)[0];
    if (gen_array_ndim(ranges) != 2 || gen_array_shape(ranges)[1] != L || gen_array_shape(ranges)[0] < 1)
        return gen_error_set(GEN_ERR_SHAPE, "robot: ranges must be [T, L] (L = %lld landmarks), T >= 1", (long long)L);
    int64_t T = gen_array_shape(ranges)[0];
    if (gen_array_ndim(controls) != 2 || gen_array_shape(controls)[0] != T || gen_array_shape(controls)[1] != 2)
        return gen_error_set(GEN_ERR_SHAPE, "robot: controls must be [T, 2] (T = %lld steps)", (long long)T);
    if (gen_array_ndim(start) != 1 || gen_array_size(start) != 2) return gen_error_set(GEN_ERR_SHAPE, "robot: start must be [2]");
    if (!(start_sd > 0 && motion_sd > 0 && range_sd > 0))
        return gen_error_set(GEN_ERR_VALUE, "robot: start_sd, motion_sd and range_sd must be > 0");
    robot_data *d = calloc(1, sizeof *d);
    if (!d) return gen_error_set(GEN_ERR_OOM, "robot: out of memory");
    gen_array *fixed[ROBOT_NARGS] = {NULL, NULL, start, gen_scalar(start_sd), controls, landmarks, gen_scalar(motion_sd),
                                     gen_scalar(range_sd)};
    for (int i = 2; i < ROBOT_NARGS; i++) d->fixed[i] = gen_array_retain(fixed[i]);
    d->ranges = gen_array_retain(ranges);
    gen_array *v[ROBOT_NARGS];
    robot_args(d, T, v);
    gen_args args = {ROBOT_NARGS, v, NULL};
    gen_gf *f = gen_unfold(gen_dynamic("robot_step", robot_step));
    if (!f || (s = gen_model_set_gf(m, f, &args)) != GEN_OK || (s = gen_model_set_smc(m, T, robot_smc_step, d, robot_data_free)) != GEN_OK) {
        robot_data_free(d);
        return f ? s : gen_error_status();
    }
    return gen_model_set_algorithm(m, "smc");
}

GEN_MODEL("robot", "2-D robot localization from ranges to landmarks (particle filter)", robot_setup);
