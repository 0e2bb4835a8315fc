/* test_model.c — what a model file declares (genc/model.h): a model file's GEN_MODEL and
 * setup run on a gen_model, defaults, replacement, the payloads freed once with the model,
 * references kept past the setup's scope, and the setters' errors. */
#include <string.h>

#include "check.h"
#include "genc.h"

static gen_status body(gen_ctx *ctx, const gen_args *args, gen_array **ret) {
    *ret = gen_choose(ctx, "x", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static int freed;
static void count_free(void *p) { freed += *(int *)p; }

static gen_status noop_kernel(void *payload, gen_key key, const gen_trace *tr, gen_trace **out, bool *accepted) {
    (void)payload, (void)key;
    *out = gen_trace_scope_return((gen_trace *)tr);
    *accepted = false;
    return GEN_OK;
}

static gen_status step(void *payload, int64_t t, gen_args *args, gen_diff *argdiffs, gen_choicemap **obs) {
    (void)payload, (void)t, (void)argdiffs;
    args->n = 0;
    *obs = gen_choicemap_empty();
    return GEN_OK;
}

/* ---- a model file, as the tool would compile it ---- */
static int kernel_payload = 1, step_payload = 10;
static gen_status setup(gen_model *m, const gen_data *data) {
    double mu = 0;
    if (data && gen_data_real(data, "mu", &mu) != GEN_OK) return gen_error_status();
    gen_gf *f = gen_dynamic("normal", body);
    gen_array *v[1] = {gen_scalar(mu)};
    gen_args a = {1, v, NULL};
    gen_status s = gen_model_set_gf(m, f, &a); /* the model keeps its own reference past the scope */
    gen_addr x = {1, {gen_part_name("x")}};
    if (s == GEN_OK) s = gen_model_set_algorithm(m, "hmc");
    if (s == GEN_OK) s = gen_model_set_latents(m, gen_select(1, &x));
    if (s == GEN_OK) s = gen_model_set_kernel(m, (gen_kernel){.fn = noop_kernel, .payload = &kernel_payload}, count_free);
    if (s == GEN_OK) s = gen_model_set_smc(m, 5, step, &step_payload, count_free);
    if (s == GEN_OK) s = gen_model_set_reference(m, "log marginal likelihood", -1.25);
    return s;
}
GEN_MODEL("normal", "A normal with mean mu", setup);
/* ---- end of the model file ---- */

static void test_setup(void) {
    CHECK(genc_model.abi == GEN_MODEL_ABI && !strcmp(genc_model.name, "normal") && genc_model.setup == setup);
    gen_data *d = NULL;
    CHECK_OK(gen_data_parse("{\"mu\": 2.5}", &d));
    gen_model *m = gen_model_new();
    freed = 0;
    gen_scope_begin(); /* the tool's scope around a setup */
    CHECK_OK(genc_model.setup(m, d));
    gen_scope_end();
    CHECK(gen_model_gf(m) != NULL);
    const gen_args *a = gen_model_args(m);
    CHECK(a->n == 1 && check_item(a->v[0]) == 2.5); /* kept past the scope */
    CHECK(!strcmp(gen_model_algorithm(m), "hmc"));
    CHECK(gen_model_latents(m) != NULL && gen_model_summary(m) == NULL);
    CHECK(gen_choicemap_is_empty(gen_model_observations(m)));
    gen_kernel k;
    CHECK(gen_model_kernel(m, &k) && k.fn == noop_kernel && k.payload == &kernel_payload);
    gen_model_step_fn st = NULL;
    void *p = NULL;
    CHECK(gen_model_smc(m, &st, &p) == 5 && st == step && p == &step_payload);
    const char *what = NULL;
    double ref = 0;
    CHECK(gen_model_reference(m, &what, &ref) && !strcmp(what, "log marginal likelihood") && ref == -1.25);
    /* the model runs: simulate from what it holds */
    gen_scope_begin();
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_model_gf(m), gen_key_new(1), gen_model_args(m), &tr));
    gen_scope_end();
    /* replacing a kernel frees the old payload once; freeing the model frees the rest */
    CHECK_OK(gen_model_set_kernel(m, (gen_kernel){.fn = noop_kernel, .payload = &kernel_payload}, NULL));
    CHECK(freed == 1);
    gen_model_free(m);
    CHECK(freed == 11);
    gen_data_free(d);
}

static void test_defaults_and_errors(void) {
    gen_model *m = gen_model_new();
    CHECK(!gen_model_gf(m) && gen_model_args(m)->n == 0 && !strcmp(gen_model_algorithm(m), "nuts"));
    CHECK(!gen_model_latents(m) && !gen_model_kernel(m, NULL) && gen_model_smc(m, NULL, NULL) == 0);
    CHECK(!gen_model_reference(m, NULL, NULL));
    CHECK(gen_model_set_gf(m, NULL, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_model_set_gf: the generative function is NULL");
    gen_gf *f = gen_dynamic("normal", body);
    gen_array *v[1] = {NULL};
    CHECK(gen_model_set_gf(m, f, &(gen_args){1, v, NULL}) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "argument 0 is NULL");
    CHECK(gen_model_set_gf(m, f, &(gen_args){GEN_MODEL_MAX_ARGS + 1, v, NULL}) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "17 arguments (at most 16)");
    CHECK(gen_model_set_smc(m, 0, step, NULL, NULL) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "steps must be >= 1, got 0");
    char long_name[80];
    memset(long_name, 'a', 79);
    long_name[79] = 0;
    CHECK(gen_model_set_algorithm(m, long_name) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "longer than 63 characters");
    CHECK(!strcmp(gen_model_algorithm(m), "nuts")); /* unchanged */
    CHECK(gen_model_set_kernel(m, (gen_kernel){0}, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "the kernel's function is NULL");
    gen_gf_release(f);
    gen_model_free(m);
    gen_model_free(NULL);
}

int main(void) {
    test_setup();
    test_defaults_and_errors();
    return check_finish();
}
