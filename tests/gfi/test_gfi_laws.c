/* test_gfi_laws.c — the GFI's laws on dynamic functions with a call, a splice, a
 * discrete choice with data-dependent control flow, and a factor: generate with every
 * choice constrained, assess and the score agree; propose's weight is the assess of its
 * choices; project(all) is the score and project(none) the factor total. */
#include <math.h>

#include "../testutil/check.h"

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - 0.91893853320467274178 /* log(2 pi)/2 */;
}

#include "gfi_models.h"


static double factor_total(gen_body body, const gen_trace *tr) {
    if (body != with_factor) return 0;
    double x = check_item(gen_trace_retval(tr));
    return -0.25 * x * x;
}

static void laws(const char *name, gen_body body) {
    gen_gf *f = gen_dynamic(name, body);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        gen_trace *tr = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(seed), NULL, &tr));
        if (!tr) return;
        double score = check_item(gen_trace_score(tr));
        CHECK(isfinite(score));
        const gen_choicemap *cm = gen_trace_choices(tr);
        gen_array *aw = NULL, *ret = NULL, *gw = NULL;
        CHECK_OK(gen_assess(f, NULL, cm, &aw, &ret));
        CHECK_CLOSE(check_item(aw), score, 1e-12);
        CHECK_CLOSE(check_item(ret), check_item(gen_trace_retval(tr)), 0);
        gen_trace *tr2 = NULL;
        CHECK_OK(gen_generate(f, gen_key_new(seed + 100), NULL, cm, &tr2, &gw));
        CHECK_CLOSE(check_item(gw), score, 1e-12);
        CHECK_CLOSE(check_item(gen_trace_score(tr2)), score, 1e-12);
        CHECK(gen_choicemap_equal(gen_trace_choices(tr2), cm));

        gen_array *pa = NULL, *pn = NULL;
        CHECK_OK(gen_project(tr, gen_select_all(), &pa));
        CHECK_CLOSE(check_item(pa), score, 1e-12);
        CHECK_OK(gen_project(tr, gen_select_none(), &pn));
        CHECK_NEAR(check_item(pn), factor_total(body, tr), 1e-12);

        gen_choicemap *pc = NULL;
        gen_array *pw = NULL, *pr = NULL, *paw = NULL;
        CHECK_OK(gen_propose(f, gen_key_new(seed + 200), NULL, &pc, &pw, &pr));
        CHECK_OK(gen_assess(f, NULL, pc, &paw, NULL));
        CHECK_CLOSE(check_item(paw), check_item(pw), 1e-12);
    }
}

static void test_laws(void) {
    laws("with_call", with_call);
    laws("with_splice", with_splice);
    laws("with_branch", with_branch);
    laws("with_factor", with_factor);
}

static const gen_array *at(const gen_trace *tr, const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_trace_value(tr, &a);
}

/* Hierarchical addresses, partial constraints and projections through a call. */
static void test_call_structure(void) {
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_addr w_addr;
    gen_addr_parse(&w_addr, "sub/w");
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &w_addr, gen_scalar(1.5));
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(3), NULL, c, &tr, &w));
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 4);
    double m = check_item(at(tr, "m")), z = check_item(at(tr, "sub/z")), y = check_item(at(tr, "y"));
    CHECK_CLOSE(check_item(at(tr, "sub/w")), 1.5, 0);
    CHECK_CLOSE(check_item(w), log_normal(1.5, z, 0.5), 1e-12);
    double score = log_normal(m, 0, 1) + log_normal(z, m, 1) + log_normal(1.5, z, 0.5) +
                   log_normal(y, 1.5, 1);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), score, 1e-12);
    const char *paths[] = {"sub/z", "y"};
    gen_array *pw = NULL;
    CHECK_OK(gen_project(tr, gen_select_paths(2, paths), &pw));
    CHECK_CLOSE(check_item(pw), log_normal(z, m, 1) + log_normal(y, 1.5, 1), 1e-12);
    const char *sub_path[] = {"sub"};
    CHECK_OK(gen_project(tr, gen_select_paths(1, sub_path), &pw));
    CHECK_CLOSE(check_item(pw), log_normal(z, m, 1) + log_normal(1.5, z, 0.5), 1e-12);
    /* an unused constraint inside the callee is named with the call's address */
    gen_addr q;
    gen_addr_parse(&q, "sub/q");
    CHECK_ERROR(gen_generate(f, gen_key_new(3), NULL, gen_choicemap_set(c, &q, gen_scalar(0)), &tr, NULL),
                "sub: generate: constraint at q was not used by the model");
    /* the spliced function's choices are the caller's own */
    gen_trace *ts = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("with_splice", with_splice), gen_key_new(4), NULL, &ts));
    CHECK(at(ts, "z") && at(ts, "w") && at(ts, "y"));
}

static gen_status sub_bad(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "v", gen_normal(gen_scalar(0), gen_scalar(0)));
    return gen_ctx_status(ctx);
}

static gen_status calls_twice(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    gen_gf *s = gen_dynamic("sub_bad", sub_bad);
    gen_choose(ctx, "sub", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_call(ctx, "sub", s, NULL);
    return gen_ctx_status(ctx);
}

static gen_status calls_bad(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_call(ctx, "inner", gen_dynamic("sub_bad", sub_bad), NULL);
    return gen_ctx_status(ctx);
}

static gen_status splices_bad(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_splice(ctx, gen_dynamic("sub_bad", sub_bad), NULL);
    return gen_ctx_status(ctx);
}

static gen_status bad_factor(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    (void)retval;
    return gen_factor(ctx, NULL);
}

static void test_call_errors(void) {
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(gen_dynamic("calls_twice", calls_twice), gen_key_new(1), NULL, &tr),
                "sub: address already traced");
    CHECK_ERROR(gen_simulate(gen_dynamic("calls_bad", calls_bad), gen_key_new(1), NULL, &tr),
                "inner: v: normal: sigma must be > 0");
    CHECK_ERROR(gen_simulate(gen_dynamic("splices_bad", splices_bad), gen_key_new(1), NULL, &tr),
                "v: normal: sigma must be > 0");
    CHECK_ERROR(gen_simulate(gen_dynamic("bad_factor", bad_factor), gen_key_new(1), NULL, &tr),
                "gen_factor: the log weight is NULL");
    CHECK(tr == NULL);
}

int main(void) {
    RUN(test_laws);
    RUN(test_call_structure);
    RUN(test_call_errors);
    return check_finish();
}
