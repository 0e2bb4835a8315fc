/* test_dist_shape_bounds.c — the shapes distributions build from their parameters and
 * from sample shapes (broadcast parameters, batch and event shapes, sample shape in front
 * of them) go through the checked size computation: a shape whose nonzero extents pass
 * the bound is an error naming the distribution or function and the shape. Arrays with a
 * 0 extent make such shapes cheap: [0, 2^31, 1] and [0, 1, 2^33] are valid and empty. */
#include <stdint.h>

#include "../testutil/check.h"

#define P(k) ((int64_t)1 << (k))

static void test_parameters_broadcast(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(0, P(31), 1));
    gen_array *b = gen_ones(GEN_F64, GEN_DIMS(0, 1, P(33)));
    CHECK(gen_normal(a, b) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "normal: shapes [0,2147483648,1] and [0,1,8589934592] broadcast to "
                               "[0,2147483648,8589934592], which is too large");
    CHECK(gen_gamma(b, a) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "which is too large");
    /* within the bound: a valid (empty) batch */
    gen_dist *d = gen_normal(a, gen_ones(GEN_F64, GEN_DIMS(0, 1, P(20))));
    CHECK(d && gen_dist_batch_ndim(d) == 3 && gen_dist_batch_shape(d)[2] == P(20));
}

/* The sample shape goes in front of the batch and event shapes. */
static void test_sample_shape(void) {
    gen_dist *d = gen_normal(gen_zeros(GEN_F64, GEN_DIMS(P(20), 0)), gen_scalar(1));
    gen_key k = gen_key_new(3);
    CHECK(gen_dist_sample(d, k, GEN_DIMS(P(40))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_dist_sample: shape is too large: [1099511627776,1048576,0]");
    CHECK(gen_dist_rsample(d, k, GEN_DIMS(P(40))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_dist_rsample: shape is too large");
    CHECK_SHAPE(gen_dist_sample(d, k, GEN_DIMS(P(30))), P(30), P(20), 0); /* within: empty */
    /* iid's shape joins the base's batch shape */
    CHECK(gen_iid(d, GEN_DIMS(P(40))) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "iid: shape is too large: [1048576,0,1099511627776]");
}

/* Batch and event shapes of a multivariate family (mvnormal: batch from the mean and the
 * covariance, event [k]). */
static void test_mv_batch(void) {
    gen_array *mean = gen_zeros(GEN_F64, GEN_DIMS(0, P(31), 1, 1));
    gen_array *cov = gen_zeros(GEN_F64, GEN_DIMS(0, 1, P(33), 1, 1));
    CHECK(gen_mvnormal(mean, cov) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "which is too large");
}

int main(void) {
    RUN(test_parameters_broadcast);
    RUN(test_sample_shape);
    RUN(test_mv_batch);
    return check_finish();
}
