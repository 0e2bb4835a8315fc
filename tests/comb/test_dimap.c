/* test_dimap.c — Contramap and Dimap: values through the transforms, the argdiffs f
 * gets in update (kernel runs of an inner Map counted), the retdiff, the GFI laws (alone,
 * in a model, adapting the arguments of a Mix's components, batched), and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;
static int runs, pre_calls;

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

/* z ~ N(a + b, 1); returns z */
static gen_status kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    *retval = gen_choose(ctx, "z", gen_normal(gen_add(args->v[0], args->v[1]), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* (x, y) -> (x, y * scale): x passed through, y scaled */
static gen_status pre(void *payload, const gen_args *in, gen_array **out, int cap, int *n_out) {
    pre_calls++;
    if (in->n != 2 || cap < 2) return gen_error_set(GEN_ERR_VALUE, "pre: wants 2 arguments, got %d", in->n);
    out[0] = in->v[0];
    out[1] = gen_mul(in->v[1], gen_scalar(*(const double *)payload));
    *n_out = 2;
    return out[1] ? GEN_OK : gen_error_status();
}

/* ret -> 10 ret */
static gen_status post(void *payload, const gen_array *ret, gen_array **out) {
    (void)payload;
    *out = ret ? gen_mul(ret, gen_scalar(10)) : NULL;
    return GEN_OK;
}

static double two = 2.0;

static gen_array *vec(int n, const double *v) { return gen_array_from_f64(1, (int64_t[]){n}, v); }

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_choicemap *one(const char *p, double v) {
    gen_addr a = path(p);
    return gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(v));
}

static double value(const gen_trace *tr, const char *p) {
    gen_addr a = path(p);
    return check_item(gen_trace_value(tr, &a));
}

static void test_values(void) {
    gen_gf *f = gen_dimap(gen_dynamic("kernel", kernel), pre, post, &two);
    gen_array *av[2] = {gen_scalar(1.0), gen_scalar(0.5)};
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL;
    gen_array *w = NULL, *ret = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, one("z", 1.5), &tr, &w));
    CHECK_CLOSE(check_item(w), log_normal(1.5, 2, 1), 1e-14);
    if (!tr) return;
    CHECK(check_item(gen_trace_retval(tr)) == 15.0 && value(tr, "z") == 1.5);
    CHECK(gen_trace_args(tr)->v[1] == av[1]); /* the outer arguments */
    CHECK_OK(gen_assess(f, &args, one("z", 1.5), &w, &ret));
    CHECK_CLOSE(check_item(w), log_normal(1.5, 2, 1), 1e-14);
    CHECK(ret && check_item(ret) == 15.0);
    gen_array *p = NULL;
    CHECK_OK(gen_project(tr, gen_select_all(), &p));
    CHECK(check_item(p) == check_item(gen_trace_score(tr)));
    /* update: y changes, z constrained */
    gen_array *bv[2] = {av[0], gen_scalar(1.0)};
    gen_args args2 = {2, bv, NULL};
    gen_trace *t2 = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(2), &args2, NULL, one("z", 0.0), &t2, &w, &rd, &disc));
    if (!t2) return;
    CHECK_CLOSE(check_item(w), log_normal(0, 3, 1) - log_normal(1.5, 2, 1), 1e-14);
    CHECK(rd.kind == GEN_DIFF_UNKNOWN && check_item(gen_trace_retval(t2)) == 0.0);
    CHECK(check_item(gen_choicemap_get_value(disc, &(gen_addr){1, {gen_part_name("z")}})) == 1.5);
    /* contramap only: the return value is f's */
    gen_gf *c = gen_contramap(gen_dynamic("kernel", kernel), pre, &two);
    CHECK_OK(gen_generate(c, gen_key_new(3), &args, one("z", 1.5), &tr, &w));
    if (tr) CHECK(gen_trace_retval(tr) == gen_trace_value(tr, &(gen_addr){1, {gen_part_name("z")}}));
    /* post only */
    gen_gf *d = gen_dimap(gen_dynamic("kernel", kernel), NULL, post, NULL);
    CHECK_OK(gen_generate(d, gen_key_new(4), &args, one("z", 1.5), &tr, &w));
    CHECK_CLOSE(check_item(w), log_normal(1.5, 1.5, 1), 1e-14);
    if (tr) CHECK(check_item(gen_trace_retval(tr)) == 15.0);
}

/* f = dimap(map(kernel)): which transformed arguments changed decides which elements
 * the map revisits */
static void test_argdiffs(void) {
    gen_gf *f = gen_dimap(gen_map(gen_dynamic("kernel", kernel)), pre, post, &two);
    gen_array *av[2] = {vec(3, (double[]){1, 2, 3}), vec(3, (double[]){0, 0.5, 1})};
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    gen_diff rd;
    CHECK_OK(gen_simulate(f, gen_key_new(1), &args, &tr));
    if (!tr) return;
    /* the same values (y a new array with the same contents; unknown outer argdiffs):
     * f sees no change, no kernel reruns, the very same return value */
    gen_array *bv[2] = {av[0], vec(3, (double[]){0, 0.5, 1})};
    gen_args args2 = {2, bv, NULL};
    runs = pre_calls = 0;
    CHECK_OK(gen_update(tr, gen_key_new(2), &args2, NULL, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 0 && pre_calls == 1);
    if (!t2) return;
    CHECK(check_item(w) == 0 && rd.kind == GEN_DIFF_NO_CHANGE && gen_trace_retval(t2) == gen_trace_retval(tr));
    /* y changes: argument 1 unknown, every element reruns */
    gen_array *cv[2] = {av[0], vec(3, (double[]){0, 0.5, 2})};
    gen_args args3 = {2, cv, NULL};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(3), &args3, NULL, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 3);
    if (!t2) return;
    double z2 = value(tr, "2/z");
    CHECK_CLOSE(check_item(w), log_normal(z2, 3 + 4, 1) - log_normal(z2, 3 + 2, 1), 1e-13);
    /* the kernels return their kept z: the map says no change, so post is not rerun */
    CHECK(rd.kind == GEN_DIFF_NO_CHANGE && gen_trace_retval(t2) == gen_trace_retval(tr));
    /* a constraint at one element: one kernel run */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(4), &args, NULL, one("1/z", 0.0), &t2, &w, &rd, NULL));
    CHECK(runs == 1);
    CHECK(rd.kind == GEN_DIFF_UNKNOWN && t2 && ((const double *)gen_array_data(gen_trace_retval(t2)))[1] == 0.0);
    /* regenerate of one element: one run */
    runs = 0;
    gen_selection *s1 = gen_select_paths(1, (const char *[]){"0/z"});
    CHECK_OK(gen_regenerate(tr, gen_key_new(5), &args, NULL, s1, &t2, &w, &rd));
    CHECK(runs == 1);
    if (t2) CHECK(check_item(w) == 0);
}

/* components taking one argument m, adapted from the mix's (m, s) */
static gen_status comp(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status first(void *payload, const gen_args *in, gen_array **out, int cap, int *n_out) {
    (void)payload, (void)cap;
    out[0] = in->v[0];
    *n_out = 1;
    return GEN_OK;
}

static gen_status neg_second(void *payload, const gen_args *in, gen_array **out, int cap, int *n_out) {
    (void)payload, (void)cap;
    *n_out = 1;
    return (out[0] = gen_neg(in->v[1])) ? GEN_OK : gen_error_status();
}

/* a ~ N(0, 1); r = dimap(kernel)(a, 0.25) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *da[2] = {a, gen_scalar(0.25)};
    *retval = gen_call(ctx, "d", gen_dimap(gen_dynamic("kernel", kernel), pre, post, &two), &(gen_args){2, da, NULL});
    return gen_ctx_status(ctx);
}

static void test_laws(void) {
    gen_array *av[2] = {gen_scalar(1.0), gen_scalar(0.5)};
    gen_args args = {2, av, NULL};
    CHECK_GFI_LAWS("dimap(kernel)", gen_dimap(gen_dynamic("kernel", kernel), pre, post, &two), &args, 8, 8);
    CHECK_GFI_LAWS("contramap(kernel)", gen_contramap(gen_dynamic("kernel", kernel), pre, &two), &args, 8, 8);
    CHECK_GFI_LAWS("a dimap in a model", gen_dynamic("model", model), NULL, 8, 8);
    const gen_gf *c[2] = {gen_contramap(gen_dynamic("comp", comp), first, NULL),
                          gen_contramap(gen_dynamic("comp", comp), neg_second, NULL)};
    gen_array *mv[3] = {gen_array_from_f64(1, (int64_t[]){2}, (double[]){0, 0}), gen_scalar(3.0), gen_scalar(1.0)};
    gen_args margs = {3, mv, NULL};
    CHECK_GFI_LAWS("mix of contramaps", gen_mix(2, c), &margs, 12, 0);
    gen_array *xv[2] = {vec(3, (double[]){1, 2, 3}), vec(3, (double[]){0, 0.5, 1})};
    gen_args xargs = {2, xv, NULL};
    CHECK_GFI_LAWS("dimap(map(kernel))", gen_dimap(gen_map(gen_dynamic("kernel", kernel)), pre, post, &two), &xargs, 6, 6);
}

static gen_status failing(void *payload, const gen_args *in, gen_array **out, int cap, int *n_out) {
    (void)in, (void)out, (void)cap;
    int mode = *(const int *)payload;
    *n_out = mode == 2 ? 99 : 1;
    if (mode == 0) return GEN_ERR_CALLBACK;
    if (mode == 1) return gen_error_set(GEN_ERR_VALUE, "my transform: bad input");
    if (mode == 3) out[0] = NULL;
    return GEN_OK;
}

static gen_status failing_post(void *payload, const gen_array *ret, gen_array **out) {
    (void)payload, (void)ret, (void)out;
    return GEN_ERR_CALLBACK;
}

static void test_errors(void) {
    gen_array *av[2] = {gen_scalar(1.0), gen_scalar(0.5)};
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    int mode[4] = {0, 1, 2, 3};
    const char *want[4] = {"contramap(kernel): generate: the argument transform returned GEN_ERR_CALLBACK",
                           "contramap(kernel): generate: my transform: bad input",
                           "contramap(kernel): generate: the argument transform gave 99 arguments (0 to 16 allowed)",
                           "contramap(kernel): generate: the argument transform gave a NULL argument 0"};
    for (int i = 0; i < 4; i++) {
        gen_gf *f = gen_contramap(gen_dynamic("kernel", kernel), failing, &mode[i]);
        CHECK_ERROR(gen_simulate(f, gen_key_new(1), &args, &tr), want[i]);
    }
    gen_gf *f = gen_contramap(gen_dynamic("kernel", kernel), pre, &two);
    CHECK_ERROR(gen_assess(f, NULL, gen_choicemap_empty(), &w, NULL), "contramap(kernel): assess: pre: wants 2 arguments, got 0");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, one("q", 1), &tr, NULL),
                "contramap(kernel): generate: constraint at q was not used by the model");
    CHECK_OK(gen_simulate(f, gen_key_new(1), &args, &tr));
    if (tr)
        CHECK_ERROR(gen_update(tr, gen_key_new(2), NULL, NULL, gen_choicemap_empty(), &tr, &w, NULL, NULL),
                    "contramap(kernel): update: pre: wants 2 arguments, got 0");
    gen_gf *g = gen_dimap(gen_dynamic("kernel", kernel), NULL, failing_post, NULL);
    CHECK_ERROR(gen_simulate(g, gen_key_new(1), &args, &tr), "dimap(kernel): generate: the return value transform returned GEN_ERR_CALLBACK");
    CHECK_ERROR(gen_assess(g, &args, one("z", 1), &w, NULL), "dimap(kernel): assess: the return value transform returned");
    CHECK(gen_contramap(gen_dynamic("kernel", kernel), NULL, NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_contramap: the argument transform is NULL");
    CHECK(gen_dimap(NULL, pre, post, NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_dimap: the function is NULL");
}

int main(void) {
    RUN(test_values);
    RUN(test_argdiffs);
    RUN(test_laws);
    RUN(test_errors);
    return check_finish();
}
