/* test_counts.c — counts a caller gives inference (particles, draws, iterations) times
 * the sizes they multiply go through overflow-checked sizes: a count too large for memory
 * is an error (GEN_ERR_OOM or GEN_ERR_VALUE naming the call), never a wrapped, too small
 * buffer written past. */
#include <stdint.h>

#include "../testutil/check.h"

/* a ~ N(0, 1), b ~ N(a, 1) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "b", gen_normal(a, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_particles(void) {
    gen_gf *f = gen_dynamic("model", model);
    double lml = 0;
    /* 2^61 particles x 8 bytes of log weight wrapped to 0 bytes before */
    CHECK(gen_importance_sampling(f, gen_key_new(1), NULL, gen_choicemap_empty(), NULL, NULL, (int64_t)1 << 61,
                                  NULL, NULL, &lml) == GEN_ERR_OOM);
    CHECK_ERROR(GEN_ERR_OOM, "allocation of 2305843009213693952 x 8 bytes overflows");
    CHECK_OK(gen_importance_sampling(f, gen_key_new(1), NULL, gen_choicemap_empty(), NULL, NULL, 3, NULL, NULL, &lml));
}

static void test_draws(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(2), NULL, &tr));
    gen_selection *sel = gen_select_paths(1, (const char *const[]){"a"});
    gen_mh_select_kernel mh = {sel};
    /* draws x 2 recorded values overflowed int64_t (undefined) before */
    gen_chain_config cfg = {.draws = INT64_MAX / 2 + 1, .thin = 1};
    CHECK(gen_run_chain(gen_kernel_mh_select(&mh), gen_key_new(3), tr, &cfg, NULL, NULL, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_run_chain: 4611686018427387904 draws of 2 values do not fit in memory");
    cfg.draws = INT64_MAX / 4; /* fits int64_t, not the memory: x 8 bytes overflows */
    CHECK(gen_run_chain(gen_kernel_mh_select(&mh), gen_key_new(3), tr, &cfg, NULL, NULL, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "draws of 2 values do not fit in memory");
    gen_nuts_config nc = {.warmup = 1, .draws = INT64_MAX / 2};
    gen_nuts_result res;
    CHECK(gen_nuts_sample(gen_key_new(4), 1, &tr, sel, &nc, 1, &res) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_nuts_sample: 1 chains of 4611686018427387904 iterations");
}

int main(void) {
    RUN(test_particles);
    RUN(test_draws);
    return check_finish();
}
