/* test_target.c — unconstrained targets: the point of a trace (each selected continuous
 * choice through its support's bijection), the log density there against a hand
 * computation (model density + log-Jacobians), its gradient against finite differences,
 * the trace at a new point, a Map inside the model, and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/fd.h"

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
    return gen_target_new(tr, gen_select_paths(5, (const char *[]){"s", "m", "p", "w", "k"}));
}

static gen_status logpdf_closure(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_target_logpdf(p, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_point_and_density(void) {
    gen_trace *tr = trace();
    gen_target *t = target_of(tr);
    CHECK(t && gen_target_dim(t) == 5); /* s, m, p, and 2 for the 3-simplex; k is discrete */
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

/* x ~ Delta(1.0): a float choice with no bijection */
static gen_status point(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "x", gen_delta(gen_scalar(1.0)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(gen_dynamic("point", point), gen_key_new(1), NULL, &tr));
    CHECK(gen_target_new(tr, gen_select_all()) == NULL);
    CHECK_ERROR(gen_error_status(), "x: ");
    gen_error_clear();
    gen_target *t = target_of(trace());
    CHECK(gen_target_logpdf(t, gen_zeros(GEN_F64, 1, (int64_t[]){4})) == NULL);
    CHECK_ERROR(gen_error_status(), "theta must be 1-d of 5 elements");
    gen_target_free(t);
    CHECK(gen_target_new(NULL, gen_select_all()) == NULL);
}

int main(void) {
    RUN(test_point_and_density);
    RUN(test_with_map);
    RUN(test_errors);
    return check_finish();
}
