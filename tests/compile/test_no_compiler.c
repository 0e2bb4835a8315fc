/* test_no_compiler.c — without a C compiler, compiled inference falls back: a target
 * stays eager (its note says why, naming the compiler it looked for) and computes the
 * same log density and gradient; gen_compile fails with GEN_ERR_UNSUPPORTED saying so.
 * The process looks for GENC_CC=genc-no-such-cc in an empty cache folder. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(mu, gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}

static gen_status square_sum(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    out[0] = gen_sum(gen_square(in[0]), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_fallback(void) {
    gen_addr y = {1, {gen_part_name("y")}}, mu = {1, {gen_part_name("mu")}};
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("model", model), gen_key_new(1), NULL,
                          gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.7)), &tr, NULL));
    if (!tr) return;
    gen_target *t = gen_target_new(tr, gen_select(1, &mu));
    CHECK(t && !gen_target_compiled(t));
    const char *note = t ? gen_target_compile_note(t) : "";
    if (!strstr(note, "no C compiler") || !strstr(note, "genc-no-such-cc"))
        check_fail(__FILE__, __LINE__, "note: %s", note);
    /* the eager path still answers: d/dmu [log N(mu; 0, 1) + log N(0.7; mu, 0.5)] at mu = 0 */
    double lp = 0;
    gen_array *g = NULL;
    CHECK_OK(gen_target_logpdf_grad(t, gen_array_from(GEN_F64, 1, (int64_t[]){1}, (double[]){0}), &lp, &g));
    if (g) CHECK_CLOSE(check_item(g), 0.7 / 0.25, 1e-12);
    gen_target_free(t);
    /* explicitly: an error naming the missing compiler */
    gen_array *x = gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){1, 2, 3});
    gen_compiled *c = gen_compile((gen_closure){square_sum, NULL}, 1, &x, 1);
    CHECK(c == NULL);
    CHECK_ERROR(gen_error_status(), "no C compiler");
    gen_error_clear();
}

int main(void) {
    char dir[] = "/tmp/genc-no-cc-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    setenv("GENC_CACHE_DIR", dir, 1);
    setenv("GENC_CC", "genc-no-such-cc", 1);
    RUN(test_fallback);
    rmdir(dir);
    return check_finish();
}
