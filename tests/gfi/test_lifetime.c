/* test_lifetime.c — lifetime mistakes with the GFI's objects in the debug mode
 * (GENC_DEBUG=1, set before the first GenC call): a trace, a choice map, a selection, a
 * generative function and a distribution used after their release or after their scope
 * ended, and released twice. Each use is GEN_ERR_MISUSE naming the object ("a trace of
 * 'model'"), each double release too, and the GFI still works afterwards (a trace made
 * after the mistakes scores exactly what the model's density says). */
#include <math.h>
#include <stdlib.h>

#include "../testutil/check.h"

static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose(ctx, "b", gen_normal(a, gen_scalar(1)));
    *retval = a;
    return gen_ctx_status(ctx);
}

static double log_normal(double x, double mu) {
    return -0.5 * (x - mu) * (x - mu) - 0.91893853320467274178; /* - log(2 pi) / 2 */
}

static gen_choicemap *constraints(double a, double b) {
    gen_choicemap *c = gen_choicemap_set_path(gen_choicemap_empty(), "a", gen_scalar(a));
    return gen_choicemap_set_path(c, "b", gen_scalar(b));
}

/* The same, owned by the caller alone (its parts die with a scope of their own). */
static gen_choicemap *owned_constraints(double a, double b) {
    gen_scope_begin();
    gen_choicemap *c = gen_choicemap_retain(constraints(a, b));
    gen_scope_end();
    return c;
}

/* The GFI after the mistakes: a fresh trace with the right score. */
static void check_gfi_works(void) {
    gen_scope_begin();
    gen_gf *f = gen_dynamic("model", model);
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(3), NULL, constraints(0.5, -1), &tr, NULL));
    CHECK_CLOSE(check_item(gen_trace_score(tr)), log_normal(0.5, 0) + log_normal(-1, 0.5), 1e-12);
    CHECK_OK(gen_scope_end());
}

#define RUN0(fn)                                                                            \
    do {                                                                                    \
        gen_error_clear();                                                                  \
        fn();                                                                               \
        CHECK(gen_scope_depth() == 0);                                                      \
        check_gfi_works();                                                                  \
    } while (0)

static void test_trace_use_after_release(void) {
    gen_gf *f = gen_dynamic("model", model); /* no scope open: the caller owns both */
    gen_trace *tr = NULL, *tr2 = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &tr));
    gen_trace_release(tr);
    CHECK(gen_trace_score(tr) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_trace_score: the trace is a trace of 'model' that was already released (use after release)");
    CHECK(gen_trace_choices(tr) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_trace_choices: the trace is a trace of 'model' that was already released");
    CHECK(gen_trace_retval(tr) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "a trace of 'model' that was already released");
    CHECK(gen_trace_gf(tr) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "a trace of 'model' that was already released");
    gen_addr a;
    gen_addr_parse(&a, "a");
    CHECK(gen_trace_value(tr, &a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "a trace of 'model' that was already released");
    gen_array *w = NULL;
    CHECK(gen_update(tr, gen_key_new(2), NULL, NULL, gen_choicemap_empty(), &tr2, &w, NULL, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_update: the trace is a trace of 'model' that was already released");
    CHECK(tr2 == NULL && w == NULL);
    CHECK(gen_regenerate(tr, gen_key_new(2), NULL, NULL, gen_select_all(), &tr2, &w, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_regenerate: the trace is a trace of 'model' that was already released");
    CHECK(gen_project(tr, gen_select_all(), &w) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_project: the trace is a trace of 'model' that was already released");
    CHECK(gen_trace_retain(tr) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_trace_retain: the trace is a trace of 'model' that was already released");
    gen_trace_release(tr);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_trace_release: double release of a trace of 'model'");
    gen_gf_release(f);
    CHECK(gen_simulate(f, gen_key_new(1), NULL, &tr) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_simulate: the generative function is a generative function 'model' that was already released");
    gen_gf_release(f);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_gf_release: double release of a generative function 'model'");
}

/* The probe's case: a trace read after its scope ended gave another trace's values. */
static void test_trace_use_after_scope_end(void) {
    gen_scope_begin();
    gen_gf *f = gen_gf_scope_return(gen_dynamic("model", model));
    gen_trace *tr = NULL;
    gen_scope_begin();
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, constraints(1, 2), &tr, NULL));
    CHECK_OK(gen_scope_end());
    gen_trace *other = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, constraints(-3, 4), &other, NULL));
    CHECK(gen_trace_score(tr) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_trace_score: the trace is a trace of 'model' that was already released");
    gen_trace *tr2 = NULL;
    CHECK(gen_update(tr, gen_key_new(2), NULL, NULL, constraints(0, 0), &tr2, NULL, NULL, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "a trace of 'model' that was already released");
    CHECK_CLOSE(check_item(gen_trace_score(other)), log_normal(-3, 0) + log_normal(4, -3), 1e-12);
    CHECK_OK(gen_scope_end());
    gen_gf_release(f); /* the reference gen_gf_scope_return gave the caller */
}

static void test_trace_extra_release_in_scope(void) {
    gen_scope_begin();
    gen_gf *f = gen_dynamic("model", model);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &tr));
    gen_trace_release(tr); /* the scope owns it */
    CHECK(gen_scope_end() == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_scope_end: double release of a trace of 'model'");
}

static void test_choicemap_and_selection(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_choicemap *c = owned_constraints(1, 2);
    gen_selection *s = gen_select_paths(1, (const char *const[]){"a"});
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), NULL, c, &tr, NULL));
    gen_choicemap_release(c);
    gen_trace *none = NULL;
    CHECK(gen_generate(f, gen_key_new(1), NULL, c, &none, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_generate: constraints is a choice map of 2 values that was already released");
    gen_addr a;
    gen_addr_parse(&a, "a");
    CHECK(gen_choicemap_get_value(c, &a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_get_value: the map is a choice map of 2 values that was already released");
    CHECK(gen_choicemap_count(c) == 0);
    CHECK_ERROR(GEN_ERR_MISUSE, "already released");
    gen_choicemap_release(c);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_release: double release of a choice map of 2 values");
    gen_trace *tr2 = NULL;
    gen_selection_release(s);
    CHECK(gen_regenerate(tr, gen_key_new(2), NULL, NULL, s, &tr2, NULL, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_regenerate: the selection is a selection that was already released");
    CHECK(!gen_selection_contains(s, &a));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_selection_contains: the selection is a selection that was already released");
    gen_selection_release(s);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_selection_release: double release of a selection");
    gen_trace_release(tr);
    gen_gf_release(f);
}

static void test_distribution(void) {
    gen_scope_begin(); /* the parameters die with it; the caller owns d alone */
    gen_dist *d = gen_dist_retain(gen_normal(gen_scalar(0), gen_scalar(1)));
    CHECK_OK(gen_scope_end());
    gen_dist_release(d);
    CHECK(gen_dist_sample(d, gen_key_new(1), 0, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_dist_sample: the distribution is a distribution (normal) that was already released");
    gen_array *x = gen_scalar(0);
    CHECK(gen_dist_logpdf(d, x) == NULL);
    gen_array_release(x);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_dist_logpdf: the distribution is a distribution (normal) that was already released");
    gen_dist_release(d);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_dist_release: double release of a distribution (normal)");
}

/* Mistakes inside a model body: the operation fails naming them. */
static gen_status releases_twice(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_full(GEN_F64, GEN_DIMS(2), 0.0); /* the operation's scope owns it */
    gen_array_release(mu);                                /* once too often */
    *retval = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status uses_released_dist(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_dist *d = gen_dist_retain(gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_dist_release(d);
    gen_dist_release(d); /* the scope's reference too: d is released */
    *retval = gen_choose(ctx, "x", d);
    return gen_ctx_status(ctx);
}

static void test_in_a_body(void) {
    gen_scope_begin();
    gen_trace *tr = NULL;
    CHECK(gen_simulate(gen_dynamic("twice", releases_twice), gen_key_new(1), NULL, &tr) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "released an object once too often: double release of an array f64[2]");
    CHECK(tr == NULL);
    gen_error_clear();
    CHECK(gen_simulate(gen_dynamic("stale", uses_released_dist), gen_key_new(1), NULL, &tr) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "x: gen_choose: the distribution is a distribution (normal) that was already released");
    CHECK(tr == NULL);
    CHECK_OK(gen_scope_end());
}

int main(void) {
    setenv("GENC_DEBUG", "1", 1); /* read at the first GenC call */
    RUN0(test_trace_use_after_release);
    RUN0(test_trace_use_after_scope_end);
    RUN0(test_trace_extra_release_in_scope);
    RUN0(test_choicemap_and_selection);
    RUN0(test_distribution);
    RUN0(test_in_a_body);
    return check_finish();
}
