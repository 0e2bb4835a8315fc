/* test_cuda_compiled.c — compiled kernels on the GPU (the lane target: NVRTC, one thread
 * per particle or chain) against the eager CPU path for the same key: batched generate
 * of the models of lane_models.h (the draws within a few ulp of the CPU's: CUDA's exp and
 * log, which some samplers call, may differ from glibc's by an ulp; the scores and
 * weights to 1e-12), importance sampling's log weights and estimate, a failed parameter
 * check's error, the log density and gradient of a target over many chains; a million
 * particles of the polynomial model against the CPU's compiled code. Skips where there
 * is no GPU. */
#include <stdlib.h>
#include <string.h>

#include "cuda_testutil.h"

static gen_device lane_dev;
/* CUDA's exp / log / tan against glibc's: a few ulp at most on the draws they make */
static const double lane_draw_rtol = 4e-15, lane_math_rtol = 1e-13;
#include "../compile/lane_models.h"

/* Batched IS of the polynomial model at a million particles: compiled on the GPU, the
 * CPU's compiled C (the same code and key): the same log weights to 1e-12. */
static void test_million(void) {
    gen_scope_begin();
    gen_gf *f = gen_dynamic("poly", poly_model);
    gen_array *xs = gen_linspace(-1, 1, 50), *ys = gen_sin(gen_mul(xs, gen_scalar(2)));
    gen_array *dxs = gen_array_to_device(xs, lane_dev), *dys = gen_array_to_device(ys, lane_dev);
    gen_args args = {1, &xs, NULL}, dargs = {1, &dxs, NULL};
    double ml[2];
    gen_array *lw[2] = {0};
    for (int i = 0; i < 2; i++) {
        gen_trace *t = NULL;
        if (i == 0) gen_device_set_default(lane_dev);
        CHECK_OK(gen_importance_sampling_batched(f, gen_key_new(21), i == 0 ? &dargs : &args,
                                                 obs1("y", i == 0 ? dys : ys), NULL, NULL, 1000000, &t, &lw[i], &ml[i]));
        gen_device_set_default(GEN_DEVICE_CPU);
    }
    CHECK(lw[0] && gen_array_device(lw[0]) == lane_dev);
    CHECK_CLOSE(ml[0], ml[1], 1e-12);
    if (lw[0] && lw[1]) same_values(lw[0], lw[1], 1e-12, "a million log weights");
    gen_scope_end();
}

int main(void) {
    lane_dev = cuda_test_device("test_cuda_compiled");
    RUN(test_models);
    RUN(test_model_errors);
    RUN(test_importance);
    RUN(test_chains);
    RUN(test_device_trace_target);
    RUN(test_million);
    return check_finish();
}
