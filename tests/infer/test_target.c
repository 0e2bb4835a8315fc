/* test_target.c — unconstrained targets: the point of a trace (each selected continuous
 * choice through its support's bijection), the log density there against a hand
 * computation (model density + log-Jacobians), its gradient against finite differences,
 * the trace at a new point, a Map inside the model, every other combinator inside the
 * model (selected by deep addresses and whole), NUTS on an Unfold, and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/fd.h"
#include "../testutil/stats.h"

/* s ~ Gamma(2, 1); m ~ N(0, s); p ~ Beta(2, 2); w ~ Dirichlet(1, 2, 3); k ~ Poisson(3);
 * y ~ N(m + p, 1) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *s = gen_choose(ctx, "s", gen_gamma(gen_scalar(2), gen_scalar(1)));
    gen_array *m = gen_choose(ctx, "m", gen_normal(gen_scalar(0), s));
    gen_array *p = gen_choose(ctx, "p", gen_beta(gen_scalar(2), gen_scalar(2)));
    gen_choose(ctx, "w", gen_dirichlet(gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){1, 2, 3})));
    gen_choose(ctx, "k", gen_poisson(gen_scalar(3)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_add(m, p), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_addr at(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static double val(const gen_trace *tr, const char *p) {
    gen_addr a = at(p);
    return check_item(gen_trace_value(tr, &a));
}

static gen_trace *trace(void) {
    gen_addr y = at("y");
    gen_trace *tr = NULL;
    gen_generate(gen_dynamic("model", model), gen_key_new(3),
                 NULL, gen_choicemap_set(gen_choicemap_empty(), &y, gen_scalar(0.7)), &tr, NULL);
    return tr;
}

static gen_target *target_of(const gen_trace *tr) {
    return gen_target_new(tr, gen_select_paths(4, (const char *[]){"s", "m", "p", "w"}));
}

static gen_status logpdf_closure(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_target_logpdf(p, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_point_and_density(void) {
    gen_trace *tr = trace();
    gen_target *t = target_of(tr);
    CHECK(t && gen_target_dim(t) == 5); /* s, m, p, and 2 for the 3-simplex; k (discrete) is not selected */
    if (!t) return;
    const double *th = gen_array_data(gen_target_position(t));
    double s = val(tr, "s"), p = val(tr, "p");
    CHECK_CLOSE(th[0], log(s), 1e-14); /* deep order: s, m, p, w (intern order of the names) */
    CHECK(th[1] == val(tr, "m"));
    CHECK_CLOSE(th[2], log(p / (1 - p)), 1e-12);
    /* density = score + log-Jacobians: s = exp(u) adds u; p = sigmoid(u) adds log p(1-p);
     * the simplex adds the stick-breaking log-determinant */
    gen_array *lp = gen_target_logpdf(t, gen_target_position(t));
    gen_array *u = gen_array_from(GEN_F64, 1, (int64_t[]){2}, th + 3);
    double ld_w = check_item(gen_bijection_log_det_jacobian(gen_bijection_stick_breaking(), u));
    double want = check_item(gen_trace_score(tr)) + log(s) + log(p) + log(1 - p) + ld_w;
    CHECK_CLOSE(check_item(lp), want, 1e-12);
    /* gradient: finite differences (also through the bijections) */
    gen_array *theta = gen_copy(gen_target_position(t));
    FD_CHECK("target logpdf", ((gen_closure){logpdf_closure, t}), 1, &theta, 1, 1e-6, 1e-7);
    double l = 0;
    gen_array *g = NULL;
    CHECK_OK(gen_target_logpdf_grad(t, theta, &l, &g));
    CHECK_CLOSE(l, want, 1e-12);
    CHECK_SHAPE(g, 5);
    /* the trace at a new point: the constrained values, and a score that agrees */
    double th2[5] = {0.3, -0.4, 1.2, 0.1, -0.7};
    gen_trace *t2 = NULL;
    gen_array *theta2 = gen_array_from(GEN_F64, 1, (int64_t[]){5}, th2);
    CHECK_OK(gen_target_trace(t, theta2, &t2));
    if (t2) {
        CHECK_CLOSE(val(t2, "s"), exp(0.3), 1e-14);
        CHECK(val(t2, "m") == -0.4);
        CHECK_CLOSE(val(t2, "p"), 1 / (1 + exp(-1.2)), 1e-14);
        CHECK(val(t2, "k") == val(tr, "k") && val(t2, "y") == 0.7);
        gen_target *t3 = target_of(t2);
        const gen_array *p3 = gen_target_position(t3);
        for (int i = 0; p3 && i < 5; i++) CHECK_CLOSE(((const double *)gen_array_data(p3))[i], th2[i], 1e-12);
        gen_array *u2 = gen_array_from(GEN_F64, 1, (int64_t[]){2}, th2 + 3);
        double ld2 = check_item(gen_bijection_log_det_jacobian(gen_bijection_stick_breaking(), u2));
        double pp = val(t2, "p");
        CHECK_CLOSE(check_item(gen_target_logpdf(t, theta2)),
                    check_item(gen_trace_score(t2)) + 0.3 + log(pp) + log(1 - pp) + ld2, 1e-12);
        gen_target_free(t3);
    }
    gen_target_free(t);
}

/* mu ~ N(0, 1); sd ~ Exponential(1); z ~ Map(i -> N(mu, sd))(x) with 4 elements */
static gen_status elem(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *mu = args->v[0], *sd = args->v[1];
    *retval = gen_choose(ctx, "z", gen_normal(gen_add(mu, args->v[2]), sd));
    return gen_ctx_status(ctx);
}

static gen_status hier(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *sd = gen_choose(ctx, "sd", gen_exponential(gen_scalar(1)));
    int64_t four = 4;
    gen_array *v[3] = {gen_broadcast_to(mu, 1, &four), gen_broadcast_to(sd, 1, &four),
                       gen_array_from(GEN_F64, 1, &four, (double[]){0, 0.1, 0.2, 0.3})};
    *retval = gen_call(ctx, "zs", gen_map(gen_dynamic("elem", elem)), &(gen_args){3, v, NULL});
    return gen_ctx_status(ctx);
}

static void test_with_map(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("hier", hier), gen_key_new(4), NULL, &tr));
    gen_target *t = gen_target_new(tr, gen_select_all());
    CHECK(t && gen_target_dim(t) == 6);
    if (!t) return;
    gen_array *lp = gen_target_logpdf(t, gen_target_position(t));
    gen_addr sd = at("sd");
    CHECK_CLOSE(check_item(lp), check_item(gen_trace_score(tr)) + log(check_item(gen_trace_value(tr, &sd))), 1e-12);
    gen_array *theta = gen_copy(gen_target_position(t));
    FD_CHECK("hierarchical target", ((gen_closure){logpdf_closure, t}), 1, &theta, 1, 1e-6, 1e-7);
    gen_target_free(t);
}

/* ---- combinators: the address parts they add reach the transforms ----
 * Each model below has positive choices named sd (exp bijection) and real ones inside a
 * combinator. The point, density and trace at a point are computed by hand from the
 * trace's choices: log of each selected sd, the score plus the log-Jacobians (log sd). */

static bool is_sd(const gen_addr *a) { return a->len && gen_part_equal(a->parts[a->len - 1], gen_part_name("sd")); }

/* m with each selected sd mapped by fn (log or exp); *log_x (if set) gets the sum of
 * the logs of the selected sds of m. */
static gen_choicemap *map_sds(const gen_choicemap *m, const gen_selection *sel, gen_array *(*fn)(const gen_array *),
                              double *log_x) {
    gen_choicemap *out = gen_choicemap_empty();
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    if (log_x) *log_x = 0;
    while (gen_choicemap_iter_next(&it)) {
        bool mapped = is_sd(&it.addr) && gen_selection_contains(sel, &it.addr);
        if (mapped && log_x) *log_x += log(check_item(it.value));
        out = gen_choicemap_set(out, &it.addr, mapped ? fn(it.value) : (gen_array *)it.value);
    }
    return out;
}

static double target_at(const gen_target *t, const gen_array *theta) {
    gen_array *lp = gen_target_logpdf(t, theta);
    return lp ? check_item(lp) : NAN;
}

/* gen_target on tr's choices in sel against the hand computation: dim, the point, the
 * density (and its gradient) there, and the trace at another point. */
static void check_by_hand(const char *what, const gen_trace *tr, const gen_selection *sel, int64_t dim) {
    gen_target *t = gen_target_new(tr, sel);
    if (!t) {
        check_fail(__FILE__, __LINE__, "%s: gen_target_new: %s", what, gen_error_message());
        gen_error_clear();
        return;
    }
    if (gen_target_dim(t) != dim)
        check_fail(__FILE__, __LINE__, "%s: dim %lld, want %lld", what, (long long)gen_target_dim(t), (long long)dim);
    double log_x = 0;
    gen_choicemap *u = map_sds(gen_trace_choices(tr), sel, gen_log, &log_x);
    gen_array *want = gen_choicemap_flatten(u, sel);
    const gen_array *pos = gen_target_position(t);
    if (gen_array_size(pos) == dim && gen_array_size(want) == dim)
        for (int64_t k = 0; k < dim; k++)
            check_close_at(__FILE__, __LINE__, what, ((const double *)gen_array_data(pos))[k],
                           ((const double *)gen_array_data(want))[k], 1e-14, 0);
    check_close_at(__FILE__, __LINE__, what, target_at(t, pos), check_item(gen_trace_score(tr)) + log_x, 1e-12, 0);
    gen_array *theta = gen_copy(pos);
    FD_CHECK(what, ((gen_closure){logpdf_closure, t}), 1, &theta, 1, 1e-6, 1e-7);
    /* another point: the trace there holds exp of each selected sd's coordinate */
    double th2[16] = {0};
    for (int64_t k = 0; k < dim && k < 16; k++) th2[k] = ((const double *)gen_array_data(pos))[k] + 0.3 * sin((double)k + 1);
    theta = gen_array_from(GEN_F64, 1, &dim, th2);
    gen_trace *t2 = NULL;
    CHECK_OK(gen_target_trace(t, theta, &t2));
    gen_choicemap *x2 = map_sds(gen_choicemap_unflatten(u, sel, theta), sel, gen_exp, NULL);
    if (t2 && x2) {
        gen_choicemap_iter it;
        gen_choicemap_iter_init(&it, x2);
        while (gen_choicemap_iter_next(&it))
            check_close_at(__FILE__, __LINE__, what, check_item(gen_trace_value(t2, &it.addr)), check_item(it.value),
                           1e-12, 0);
        double log_x2 = 0;
        map_sds(gen_trace_choices(t2), sel, gen_log, &log_x2);
        check_close_at(__FILE__, __LINE__, what, target_at(t, theta), check_item(gen_trace_score(t2)) + log_x2, 1e-12, 0);
        /* and back: t2's point is theta */
        gen_target *back = gen_target_new(t2, sel);
        const gen_array *pb = back ? gen_target_position(back) : NULL;
        for (int64_t k = 0; pb && k < dim; k++)
            check_close_at(__FILE__, __LINE__, what, ((const double *)gen_array_data(pb))[k], th2[k], 1e-12, 0);
        gen_target_free(back);
    }
    gen_target_free(t);
}

static void check_selections(const char *what, const gen_trace *tr, int64_t dim_all, int n_paths,
                             const char *const *paths, int64_t dim_paths) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s, all", what);
    check_by_hand(buf, tr, gen_select_all(), dim_all);
    snprintf(buf, sizeof buf, "%s, by address", what);
    check_by_hand(buf, tr, gen_select_paths(n_paths, paths), dim_paths);
}

/* Unfold step (t, state): sd ~ Gamma(2, 0.5); z ~ N(state, sd); next state z */
static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *sd = gen_choose(ctx, "sd", gen_gamma(gen_scalar(2), gen_scalar(0.5)));
    *retval = gen_choose(ctx, "z", gen_normal(args->v[1], sd));
    return gen_ctx_status(ctx);
}

/* a ~ N(0, 1); steps ~ Unfold(step)(3, a) */
static gen_status chain(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *v[2] = {gen_scalar_i64(3), gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)))};
    *retval = gen_call(ctx, "steps", gen_unfold(gen_dynamic("step", step)), &(gen_args){2, v, NULL});
    return gen_ctx_status(ctx);
}

static void test_with_unfold(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("chain", chain), gen_key_new(5), NULL, &tr));
    if (!tr) return;
    check_selections("unfold", tr, 7, 4, (const char *[]){"a", "steps/0/sd", "steps/2/sd", "steps/1/z"}, 4);
    check_by_hand("unfold, one step", tr, gen_select_paths(1, (const char *[]){"steps/1"}), 2);
}

/* Scan step (carry, x): sd ~ Exponential(1); z ~ N(carry + x, sd); carry z, output 2 z */
static gen_status scan_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *sd = gen_choose(ctx, "sd", gen_exponential(gen_scalar(1)));
    gen_array *z = gen_choose(ctx, "z", gen_normal(gen_add(args->v[0], args->v[1]), sd));
    *retval = gen_tuple(2, (gen_array *[]){z, gen_mul(z, gen_scalar(2))});
    return gen_ctx_status(ctx);
}

static gen_status scanned(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *v[2] = {gen_scalar(0), gen_array_from(GEN_F64, 1, (int64_t[]){3}, (double[]){0.1, 0.2, 0.3})};
    *retval = gen_call(ctx, "scan", gen_scan(gen_dynamic("scan_step", scan_step)), &(gen_args){2, v, NULL});
    return gen_ctx_status(ctx);
}

static void test_with_scan(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("scanned", scanned), gen_key_new(6), NULL, &tr));
    if (!tr) return;
    check_selections("scan", tr, 6, 2, (const char *[]){"scan/1/sd", "scan/2/z"}, 2);
}

/* components: sd ~ Exponential(2); z ~ N(0, sd) / sd ~ Gamma(3, 1); z ~ N(1, sd) */
static gen_status narrow(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *sd = gen_choose(ctx, "sd", gen_exponential(gen_scalar(2)));
    *retval = gen_choose(ctx, "z", gen_normal(gen_scalar(0), sd));
    return gen_ctx_status(ctx);
}

static gen_status wide(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *sd = gen_choose(ctx, "sd", gen_gamma(gen_scalar(3), gen_scalar(1)));
    *retval = gen_choose(ctx, "z", gen_normal(gen_scalar(1), sd));
    return gen_ctx_status(ctx);
}

static const gen_gf *const *components(void) {
    static const gen_gf *c[2];
    c[0] = gen_dynamic("narrow", narrow);
    c[1] = gen_dynamic("wide", wide);
    return c;
}

/* mix ~ Mix(narrow, wide)(log [0.3, 0.7]) */
static gen_status mixed(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *logits = gen_array_from(GEN_F64, 1, (int64_t[]){2}, (double[]){log(0.3), log(0.7)});
    *retval = gen_call(ctx, "mix", gen_mix(2, components()), &(gen_args){1, &logits, NULL});
    return gen_ctx_status(ctx);
}

static void test_with_mix(void) {
    for (int64_t k = 0; k < 2; k++) { /* the index is discrete: everything but it */
        gen_addr ia = at("mix/index");
        gen_trace *tr = NULL;
        CHECK_OK(gen_generate(gen_dynamic("mixed", mixed), gen_key_new(7), NULL,
                              gen_choicemap_set(gen_choicemap_empty(), &ia, gen_scalar_i64(k)), &tr, NULL));
        if (!tr) return;
        const char *what = k ? "mix, wide" : "mix, narrow";
        check_by_hand(what, tr, gen_selection_complement(gen_select(1, &ia)), 2);
        check_by_hand(what, tr, gen_select_paths(1, (const char *[]){"mix/component/sd"}), 1);
    }
}

/* Recurse: production (x): sd ~ Exponential(1); v ~ N(x, sd); two children of input
 * x + 1 while x < 1. Aggregation (v, kids): z ~ N(v + sum kids, 1). 3 nodes. */
static gen_status grow(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = args->v[0];
    gen_array *sd = gen_choose(ctx, "sd", gen_exponential(gen_scalar(1)));
    gen_array *v = gen_choose(ctx, "v", gen_normal(x, sd));
    double xv = 0;
    if (!v || gen_item(x, &xv) != GEN_OK) return gen_ctx_status(ctx);
    gen_array *x1 = gen_add(x, gen_scalar(1)), *kids[2] = {x1, x1};
    *retval = gen_tuple(2, (gen_array *[]){v, gen_tuple(xv < 1 ? 2 : 0, kids)});
    return gen_ctx_status(ctx);
}

static gen_status fold(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *m = args->v[0];
    for (int c = 0; c < gen_tuple_size(args->v[1]); c++) m = gen_add(m, gen_tuple_get(args->v[1], c));
    *retval = gen_choose(ctx, "z", gen_normal(m, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status treed(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_scalar(0);
    gen_gf *rec = gen_recurse(gen_dynamic("grow", grow), gen_dynamic("fold", fold), 2);
    *retval = gen_call(ctx, "tree", rec, &(gen_args){1, &x, NULL});
    return gen_ctx_status(ctx);
}

static void test_with_recurse(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("treed", treed), gen_key_new(8), NULL, &tr));
    if (!tr) return;
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 9);
    check_selections("recurse", tr, 9, 3,
                     (const char *[]){"tree/2/production/sd", "tree/0/aggregation/z", "tree/1/production/v"}, 3);
}

/* sw ~ Switch(narrow, wide)(1); mk ~ Mask(narrow)(true): no address parts of their own */
static gen_status branched(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *one = gen_scalar_i64(1), *on = gen_scalar_bool(true);
    gen_call(ctx, "sw", gen_switch(2, components()), &(gen_args){1, &one, NULL});
    *retval = gen_call(ctx, "mk", gen_mask(gen_dynamic("narrow", narrow)), &(gen_args){1, &on, NULL});
    return gen_ctx_status(ctx);
}

static void test_with_switch_and_mask(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("branched", branched), gen_key_new(9), NULL, &tr));
    if (!tr) return;
    check_selections("switch and mask", tr, 4, 2, (const char *[]){"sw/sd", "mk/z"}, 2);
}

/* Unfold step (t, state): lam ~ Gamma(3, scale 0.5); k ~ Poisson(lam). With k observed,
 * lam's posterior is Gamma(3 + k, rate 3). */
static gen_status count_step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *lam = gen_choose(ctx, "lam", gen_gamma(gen_scalar(3), gen_scalar(0.5)));
    gen_choose(ctx, "k", gen_poisson(lam));
    *retval = args->v[1];
    return gen_ctx_status(ctx);
}

static gen_status counted(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *v[2] = {gen_scalar_i64(3), gen_scalar(0)};
    *retval = gen_call(ctx, "steps", gen_unfold(gen_dynamic("count_step", count_step)), &(gen_args){2, v, NULL});
    return gen_ctx_status(ctx);
}

static void test_nuts_on_unfold(void) {
    const int64_t k[3] = {2, 5, 1};
    gen_choicemap *obs = gen_choicemap_empty();
    for (int i = 0; i < 3; i++) {
        gen_addr a = {3, {gen_part_name("steps"), gen_part_int(i), gen_part_name("k")}};
        obs = gen_choicemap_set(obs, &a, gen_scalar_i64(k[i]));
    }
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("counted", counted), gen_key_new(10), NULL, obs, &tr, NULL));
    if (!tr) return;
    /* steps 0 and 2 move (deep order: step 0 first), step 1 stays */
    gen_selection *sel = gen_select_paths(2, (const char *[]){"steps/0/lam", "steps/2/lam"});
    gen_nuts_config cfg = {.warmup = 200, .draws = 1000};
    gen_nuts_result r;
    CHECK_OK(gen_nuts_sample(gen_key_new(11), 1, &tr, sel, &cfg, 1, &r));
    if (!r.draws) return;
    gen_summary s[2];
    CHECK_OK(gen_summarize_array(r.draws, NULL, 0, s, 2));
    const int64_t step_of[2] = {0, 2};
    for (int j = 0; j < 2; j++) {
        double shape = 3.0 + (double)k[step_of[j]];
        double mean = shape / 3, sd = sqrt(shape) / 3;
        if (!(fabs(s[j].mean - mean) < 5 * s[j].mcse_mean))
            check_fail(__FILE__, __LINE__, "step %lld: mean %g, want %g (mcse %g)", (long long)step_of[j], s[j].mean,
                       mean, s[j].mcse_mean);
        if (!(fabs(s[j].sd - sd) < 5 * s[j].mcse_sd))
            check_fail(__FILE__, __LINE__, "step %lld: sd %g, want %g (mcse %g)", (long long)step_of[j], s[j].sd, sd,
                       s[j].mcse_sd);
    }
    /* unconstrained draws are log lam */
    const double *uu = gen_array_data(r.unconstrained), *x = gen_array_data(r.draws);
    CHECK_CLOSE(exp(uu[101]), x[101], 1e-12);
}

/* x ~ Delta(1.0): a float choice with no bijection */
static gen_status point(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "x", gen_delta(gen_scalar(1.0)));
    return gen_ctx_status(ctx);
}

/* a Recurse whose production is point: one node */
static gen_status leaf(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *x = gen_choose(ctx, "x", gen_delta(gen_scalar(1.0)));
    gen_array *none = args->v[0];
    *retval = gen_tuple(2, (gen_array *[]){x, gen_tuple(0, &none)});
    return gen_ctx_status(ctx);
}

static gen_status one_node(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_scalar(0);
    gen_gf *rec = gen_recurse(gen_dynamic("leaf", leaf), gen_dynamic("fold", fold), 2);
    *retval = gen_call(ctx, "tree", rec, &(gen_args){1, &x, NULL});
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("point", point), gen_key_new(1), NULL, &tr));
    CHECK(gen_target_new(tr, gen_select_all()) == NULL);
    CHECK_ERROR(gen_error_status(), "x: ");
    gen_error_clear();
    /* inside a Recurse: the node and kernel are named */
    CHECK_OK(gen_simulate(gen_dynamic("one_node", one_node), gen_key_new(1), NULL, &tr));
    CHECK(gen_target_new(tr, gen_select_all()) == NULL);
    CHECK_ERROR(gen_error_status(), "recurse(leaf, fold): 0: production: x: ");
    gen_error_clear();
    gen_target *t = target_of(trace());
    CHECK(gen_target_logpdf(t, gen_zeros(GEN_F64, 1, (int64_t[]){4})) == NULL);
    CHECK_ERROR(gen_error_status(), "theta must be 1-d of 5 elements");
    gen_target_free(t);
    CHECK(gen_target_new(NULL, gen_select_all()) == NULL);
}

/* Bounded and positive scalar choices, the bounds depending on other choices: a ~ U(0, 1);
 * b ~ U(0, 1 - a); c ~ Exponential(2); d ~ Pareto(0.5 + a, 3); y ~ N(a + b + c + d, 1)
 * observed. Args: a 0-d or a [1] template, so the same model runs with 0-d values (the
 * one-node scalar bijections) or [1]-shaped ones (the array path). */
static gen_status bounded(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *z = args->v[0]; /* zero of the template's shape */
    gen_array *a = gen_choose(ctx, "a", gen_uniform(z, gen_add(z, gen_scalar(1))));
    gen_array *b = gen_choose(ctx, "b", gen_uniform(z, gen_sub(gen_scalar(1), a)));
    gen_array *c = gen_choose(ctx, "c", gen_exponential(gen_add(z, gen_scalar(2))));
    gen_array *d = gen_choose(ctx, "d", gen_pareto(gen_add(a, gen_scalar(0.5)), gen_add(z, gen_scalar(3))));
    *retval = gen_choose(ctx, "y", gen_normal(gen_add(gen_add(a, b), gen_add(c, d)), gen_add(z, gen_scalar(1))));
    return gen_ctx_status(ctx);
}

static gen_target *bounded_target(gen_array *zero) {
    gen_choicemap *c = gen_choicemap_empty();
    const char *names[5] = {"a", "b", "c", "d", "y"};
    const double vals[5] = {0.3, 0.2, 0.7, 1.1, 2.0};
    for (int i = 0; i < 5; i++) {
        gen_addr a = at(names[i]);
        c = gen_choicemap_set(c, &a, gen_add(zero, gen_scalar(vals[i])));
    }
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("bounded", bounded), gen_key_new(1), &(gen_args){1, &zero, NULL}, c, &tr, NULL));
    return tr ? gen_target_new(tr, gen_select_paths(4, (const char *[]){"a", "b", "c", "d"})) : NULL;
}

static void test_scalar_bijections(void) {
    gen_target *ts = bounded_target(gen_scalar(0)), *tv = bounded_target(gen_zeros(GEN_F64, 1, (int64_t[]){1}));
    CHECK(ts && tv && gen_target_dim(ts) == 4 && gen_target_dim(tv) == 4);
    if (!ts || !tv) return;
    const double pts[3][4] = {{0, 0, 0, 0}, {-1.3, 2.1, 0.4, -0.8}, {3.5, -4, -2, 1.7}};
    for (int k = 0; k < 4; k++) {
        gen_array *th = k < 3 ? gen_array_from_f64(1, (int64_t[]){4}, pts[k]) : gen_copy(gen_target_position(ts));
        double ls = 0, lv = 0;
        gen_array *gs = NULL, *gv = NULL;
        CHECK_OK(gen_target_logpdf_grad(ts, th, &ls, &gs));
        CHECK_OK(gen_target_logpdf_grad(tv, th, &lv, &gv));
        CHECK_CLOSE(ls, lv, 1e-13);
        if (gs && gv) CHECK_ARRAY(gs, (const double *)gen_array_data(gv), 4, 1e-11, 1e-13);
        FD_CHECK("scalar bijections", ((gen_closure){logpdf_closure, ts}), 1, &th, 1, 1e-6, 1e-8);
    }
    gen_target_free(ts);
    gen_target_free(tv);
}

int main(void) {
    RUN(test_point_and_density);
    RUN(test_with_map);
    RUN(test_scalar_bijections);
    RUN(test_with_unfold);
    RUN(test_with_scan);
    RUN(test_with_mix);
    RUN(test_with_recurse);
    RUN(test_with_switch_and_mask);
    RUN(test_nuts_on_unfold);
    RUN(test_errors);
    return check_finish();
}
