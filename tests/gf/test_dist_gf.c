/* test_dist_gf.c — distributions as generative functions (genc/dsl.h gen_dist_gf*):
 * one choice at the root address, the parameters as arguments, the choice as return
 * value. They pass the GFI laws (alone, called from a DSL body, as the kernel of Map and
 * of Unfold, batched), score exactly the distribution's log density, are the same as
 * gen_choose at the call's address, take part in gen_target's unconstrained evaluation,
 * and name themselves in their errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - 0.91893853320467274178;
}

/* Two scalar arguments (a compound literal: valid in the enclosing block). */
#define args2(a, b) ((gen_args){2, (gen_array *[]){gen_scalar(a), gen_scalar(b)}, NULL})

static void test_alone(void) {
    gen_gf *normal = gen_dist_gf2("normal", gen_normal);
    gen_args a = args2(0.5, 2.0);
    CHECK_GFI_LAWS("normal as a generative function", normal, &a, 10, 6);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(normal, gen_key_new(1), &a, &tr));
    const gen_choicemap *cm = gen_trace_choices(tr);
    const gen_array *x = gen_choicemap_value(cm); /* the choice is the whole map */
    CHECK(x && gen_choicemap_count(cm) == 1 && x == gen_trace_retval(tr));
    CHECK_CLOSE(check_item(gen_trace_score(tr)), log_normal(check_item(x), 0.5, 2.0), 1e-12);
    gen_array *w = NULL;
    gen_choicemap *at = gen_choicemap_set(gen_choicemap_empty(), &(gen_addr){0}, gen_scalar(1.25));
    CHECK_OK(gen_assess(normal, &a, at, &w, NULL));
    CHECK_CLOSE(check_item(w), log_normal(1.25, 0.5, 2.0), 1e-12);
    /* update of the parameters: the weight is the density ratio at the kept value */
    gen_args b = args2(-1.0, 0.5);
    gen_trace *t2 = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(2), &b, NULL, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK_CLOSE(check_item(w), log_normal(check_item(x), -1, 0.5) - log_normal(check_item(x), 0.5, 2.0), 1e-12);

    gen_gf *pois = gen_dist_gf1("poisson", gen_poisson);
    gen_array *rate = gen_scalar(3.5);
    CHECK_GFI_LAWS("poisson as a generative function", pois, &((gen_args){1, &rate, NULL}), 6, 5);
    gen_gf *fixed = gen_dist_gf_fixed("std_normal", gen_normal(gen_scalar(0), gen_scalar(1)));
    CHECK_GFI_LAWS("a fixed distribution", fixed, NULL, 6, 5);
    gen_gf *st = gen_dist_gf3("student_t", gen_student_t);
    gen_array *sv[3] = {gen_scalar(4), gen_scalar(1), gen_scalar(2)};
    CHECK_GFI_LAWS("student_t as a generative function", st, &((gen_args){3, sv, NULL}), 6, 5);
}

/* normal(mu, sigma) at x, then y ~ normal(x, 1): through the generative function. */
static gen_status via_gf(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *v[2] = {gen_scalar(1), gen_scalar(3)};
    gen_array *x = gen_call(ctx, "x", gen_ctx_payload(ctx), &(gen_args){2, v, NULL});
    *retval = gen_choose(ctx, "y", gen_normal(x, gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status via_choose(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(1), gen_scalar(3)));
    *retval = gen_choose(ctx, "y", gen_normal(x, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_in_dsl(void) {
    gen_gf *m1 = gen_dynamic_with("via_gf", via_gf, gen_dist_gf2("normal", gen_normal), NULL);
    gen_gf *m2 = gen_dynamic("via_choose", via_choose);
    CHECK_GFI_LAWS("a DSL body calling a distribution", m1, NULL, 10, 6);
    gen_trace *t1 = NULL, *t2 = NULL;
    gen_addr ax, ay;
    gen_addr_parse(&ax, "x");
    gen_addr_parse(&ay, "y");
    gen_choicemap *obs = gen_choicemap_set(gen_choicemap_empty(), &ay, gen_scalar(0.7));
    gen_array *w1 = NULL, *w2 = NULL;
    CHECK_OK(gen_generate(m1, gen_key_new(3), NULL, obs, &t1, &w1));
    CHECK_OK(gen_generate(m2, gen_key_new(3), NULL, gen_trace_choices(t1), &t2, &w2));
    /* the same choice map, score and (with every choice given) weight as gen_choose */
    CHECK(gen_choicemap_equal(gen_trace_choices(t1), gen_trace_choices(t2)));
    CHECK_CLOSE(check_item(gen_trace_score(t1)), check_item(gen_trace_score(t2)), 1e-14);
    double x = check_item(gen_trace_value(t1, &ax));
    CHECK_CLOSE(check_item(gen_trace_score(t1)), log_normal(x, 1, 3) + log_normal(0.7, x, 1), 1e-12);
    CHECK_CLOSE(check_item(w1), log_normal(0.7, x, 1), 1e-12);
    /* gradient-based kernels see its choice: the unconstrained density at x */
    gen_target *t = gen_target_new(t1, gen_select(1, &ax));
    CHECK(t && gen_target_dim(t) == 1);
    double th = -0.3, lp = 0;
    gen_array *g = NULL;
    CHECK_OK(gen_target_logpdf_grad(t, gen_array_from_f64(1, (int64_t[]){1}, &th), &lp, &g));
    CHECK_CLOSE(lp, log_normal(th, 1, 3) + log_normal(0.7, th, 1), 1e-12);
    CHECK_CLOSE(check_item(g), -(th - 1) / 9 + (0.7 - th), 1e-12);
    gen_target_free(t);
    gen_hmc_kernel hk = {gen_select(1, &ax), 0.5, 5, NULL};
    gen_chain_config cfg = {.burn_in = 0, .draws = 30, .thin = 1};
    double rate = 0;
    CHECK_OK(gen_run_chain(gen_kernel_hmc(&hk), gen_key_new(4), t1, &cfg, NULL, NULL, &rate));
    CHECK(rate > 0.3);
}

/* Unfold's kernel (t, state, step): normal(state, step), a random walk. */
static gen_dist *walk(void *payload, const gen_args *args) {
    (void)payload;
    if (args->n != 3) {
        gen_error_set(GEN_ERR_VALUE, "walk: takes (t, state, step)");
        return NULL;
    }
    return gen_normal(args->v[1], args->v[2]);
}

static void test_combinators(void) {
    gen_gf *mp = gen_map(gen_dist_gf2("normal", gen_normal));
    int64_t k = 4;
    gen_array *v[2] = {gen_array_from_f64(1, &k, (double[]){0, 1, 2, 3}), gen_array_from_f64(1, &k, (double[]){1, 1, 2, 0.5})};
    gen_args a = {2, v, NULL};
    CHECK_GFI_LAWS("Map(normal)", mp, &a, 8, 5);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(mp, gen_key_new(5), &a, &tr));
    double want = 0;
    for (int i = 0; i < 4; i++) {
        gen_addr ai = {1, {gen_part_int(i)}};
        double x = check_item(gen_trace_value(tr, &ai));
        want += log_normal(x, ((const double *)gen_array_data(v[0]))[i], ((const double *)gen_array_data(v[1]))[i]);
    }
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want, 1e-12);

    gen_gf *u = gen_unfold(gen_dist_gf("walk", walk, NULL, NULL));
    gen_array *uv[3] = {gen_scalar_i64(5), gen_scalar(0), gen_scalar(0.5)};
    gen_args ua = {3, uv, NULL};
    CHECK_GFI_LAWS("Unfold(a distribution)", u, &ua, 8, 5);
    CHECK_OK(gen_simulate(u, gen_key_new(6), &ua, &tr));
    double prev = 0;
    want = 0;
    for (int t = 0; t < 5; t++) {
        gen_addr at = {1, {gen_part_int(t)}};
        double x = check_item(gen_trace_value(tr, &at));
        want += log_normal(x, prev, 0.5);
        prev = x;
    }
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want, 1e-12);
}

/* The root address is a run's only site when it is traced. */
static gen_status root_then_y(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_choose_at(ctx, &(gen_addr){0}, gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose(ctx, "y", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status y_then_root(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_choose(ctx, "y", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose_at(ctx, &(gen_addr){0}, gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status root_twice(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args, (void)retval;
    gen_choose_at(ctx, &(gen_addr){0}, gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose_at(ctx, &(gen_addr){0}, gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_trace *r2 = NULL;
    CHECK_ERROR(gen_simulate(gen_dynamic("root_twice", root_twice), gen_key_new(1), NULL, &r2),
                "root_twice: the root address: address already traced");
    gen_trace *rt = NULL;
    CHECK_ERROR(gen_simulate(gen_dynamic("root_then_y", root_then_y), gen_key_new(1), NULL, &rt),
                "root_then_y: y: address already traced (the root address is traced, and every address lies below it)");
    CHECK_ERROR(gen_simulate(gen_dynamic("y_then_root", y_then_root), gen_key_new(1), NULL, &rt),
                "the root address: address already traced (choices lie below it)");
    gen_gf *normal = gen_dist_gf2("normal", gen_normal);
    gen_array *one = gen_scalar(1);
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(normal, gen_key_new(1), &((gen_args){1, &one, NULL}), &tr),
                "normal: takes 2 arguments (the distribution's parameters), got 1");
    gen_args bad = args2(0, -1);
    CHECK_ERROR(gen_simulate(normal, gen_key_new(1), &bad, &tr), "normal: normal: sigma must be > 0");
    gen_array *w = NULL;
    gen_args a = args2(0, 1);
    CHECK_ERROR(gen_assess(normal, &a, gen_choicemap_empty(), &w, NULL),
                "normal: assess: the choices have no value at the root address");
    gen_addr ax;
    gen_addr_parse(&ax, "x");
    CHECK_ERROR(gen_assess(normal, &a, gen_choicemap_set(gen_choicemap_empty(), &ax, gen_scalar(1)), &w, NULL),
                "normal: assess: the choices have no value at the root address");
    CHECK(gen_dist_gf2("n", NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_dist_gf2: the distribution is NULL");
    CHECK(gen_dist_gf_fixed(NULL, gen_normal(one, one)) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_dist_gf_fixed: the name is NULL");
}

int main(void) {
    RUN(test_alone);
    RUN(test_in_dsl);
    RUN(test_combinators);
    RUN(test_errors);
    return check_finish();
}
