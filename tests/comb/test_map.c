/* test_map.c — the Map combinator: densities against hand-computed references, the
 * return value, the GFI laws, incremental update / regenerate (kernel runs counted:
 * only changed, constrained or selected elements rerun; growing and shrinking), a Map
 * called from a dynamic model, batched mode particle by particle, and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;
static int runs; /* kernel body executions */

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

/* z ~ N(x, 1); returns z * 2 */
static gen_status kernel(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_array *z = gen_choose(ctx, "z", gen_normal(args->v[0], gen_scalar(1)));
    *retval = gen_mul(z, gen_scalar(2));
    return gen_ctx_status(ctx);
}

static gen_gf *map_of_kernel(void) { return gen_map(gen_dynamic("kernel", kernel)); }

static gen_array *vec(int n, const double *v) { return gen_array_from(GEN_F64, 1, (int64_t[]){n}, v); }

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_choicemap *zs(int n, const double *z) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int i = 0; i < n; i++) {
        gen_addr a = {2, {gen_part_int(i), gen_part_name("z")}};
        m = gen_choicemap_set(m, &a, gen_scalar(z[i]));
    }
    return m;
}

static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }

static void test_values(void) {
    gen_gf *f = map_of_kernel();
    double x[3] = {1, 2, 3}, z[3] = {0.5, 2.5, -1};
    gen_array *xa = vec(3, x);
    gen_args args = {1, &xa, NULL};
    gen_trace *tr = NULL;
    gen_array *w = NULL, *aw = NULL, *ret = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), &args, zs(3, z), &tr, &w));
    double want = log_normal(0.5, 1, 1) + log_normal(2.5, 2, 1) + log_normal(-1, 3, 1);
    CHECK_CLOSE(check_item(w), want, 1e-14);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), want, 1e-14);
    CHECK_SHAPE(gen_trace_retval(tr), 3);
    CHECK(elem(gen_trace_retval(tr), 1) == 5.0);
    CHECK_OK(gen_assess(f, &args, zs(3, z), &aw, &ret));
    CHECK_CLOSE(check_item(aw), want, 1e-14);
    CHECK(ret && elem(ret, 2) == -2.0);
    gen_addr a = path("1/z");
    CHECK(check_item(gen_trace_value(tr, &a)) == 2.5);
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 3);
    /* simulate: every element sampled; propose's weight is assess of its choices */
    gen_choicemap *pc = NULL;
    gen_array *pw = NULL;
    CHECK_OK(gen_propose(f, gen_key_new(2), &args, &pc, &pw, NULL));
    CHECK_OK(gen_assess(f, &args, pc, &aw, NULL));
    CHECK_CLOSE(check_item(pw), check_item(aw), 1e-14);
    /* project: all is the score, one element is its density */
    gen_array *p = NULL;
    CHECK_OK(gen_project(tr, gen_select_all(), &p));
    CHECK_CLOSE(check_item(p), want, 1e-14);
    gen_selection *s1 = gen_select_paths(1, (const char *[]){"1"});
    CHECK_OK(gen_project(tr, s1, &p));
    CHECK_CLOSE(check_item(p), log_normal(2.5, 2, 1), 1e-14);
}

static void test_update(void) {
    enum { N = 1000 };
    gen_gf *f = map_of_kernel();
    static double x[N];
    for (int i = 0; i < N; i++) x[i] = sin(i);
    gen_array *xa = vec(N, x);
    gen_args args = {1, &xa, NULL};
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(3), &args, &tr));
    if (!tr) return;
    /* element 5's argument changes: one kernel run, weight = its density change */
    x[5] = 4.0;
    gen_array *xb = vec(N, x);
    gen_args args2 = {1, &xb, NULL};
    gen_vector_diff vd = {N, N, 1, (int64_t[]){5}, NULL};
    gen_diff ad = gen_diff_vector(&vd);
    gen_trace *t2 = NULL;
    gen_array *w = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(4), &args2, &ad, gen_choicemap_empty(), &t2, &w, &rd, &disc));
    CHECK(runs == 1);
    if (!t2) return;
    gen_addr a5 = path("5/z");
    double z5 = check_item(gen_trace_value(tr, &a5));
    CHECK_CLOSE(check_item(w), log_normal(z5, 4.0, 1) - log_normal(z5, sin(5), 1), 1e-12);
    CHECK_CLOSE(check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)), check_item(w), 1e-9);
    /* the kernel computes its return value anew, so element 5 may have changed */
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->n_updated == 1 && rd.vector->updated[0] == 5);
    CHECK(elem(gen_trace_retval(t2), 5) == elem(gen_trace_retval(tr), 5));
    CHECK(gen_choicemap_is_empty(disc));
    /* kept elements share their subtree */
    gen_addr a9 = path("9");
    CHECK(gen_choicemap_get_submap(gen_trace_choices(t2), &a9) == gen_choicemap_get_submap(gen_trace_choices(tr), &a9));

    /* a constraint at element 7: one run, a vector retdiff naming 7, the discard */
    gen_addr a7 = path("7/z");
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &a7, gen_scalar(0.25));
    gen_diff same = gen_diff_no_change();
    gen_trace *t3 = NULL;
    runs = 0;
    CHECK_OK(gen_update(t2, gen_key_new(5), &args2, &same, c, &t3, &w, &rd, &disc));
    CHECK(runs == 1);
    if (!t3) return;
    double z7 = check_item(gen_trace_value(t2, &a7));
    CHECK_CLOSE(check_item(w), log_normal(0.25, sin(7), 1) - log_normal(z7, sin(7), 1), 1e-12);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->n_updated == 1 && rd.vector->updated[0] == 7);
    CHECK(check_item(gen_choicemap_get_value(disc, &a7)) == z7);
    CHECK(elem(gen_trace_retval(t3), 7) == 0.5);
    /* the discard restores t2 with the opposite weight */
    gen_trace *t4 = NULL;
    gen_array *w4 = NULL;
    CHECK_OK(gen_update(t3, gen_key_new(6), &args2, &same, disc, &t4, &w4, NULL, NULL));
    if (t4) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t4), gen_trace_choices(t2)));
        CHECK_CLOSE(check_item(w4), -check_item(w), 1e-12);
    }

    /* grow by one element: one run, weight 0 (sampled); shrink by two: no run, the
     * dropped choices discarded and their densities subtracted */
    static double x1[N + 1];
    for (int i = 0; i < N; i++) x1[i] = x[i];
    x1[N] = 0.5;
    gen_array *xg = vec(N + 1, x1);
    gen_args args3 = {1, &xg, NULL};
    gen_vector_diff grow = {N + 1, N, 0, NULL, NULL};
    gen_diff gd = gen_diff_vector(&grow);
    gen_trace *t5 = NULL;
    runs = 0;
    CHECK_OK(gen_update(t3, gen_key_new(7), &args3, &gd, gen_choicemap_empty(), &t5, &w, &rd, NULL));
    CHECK(runs == 1);
    if (!t5) return;
    CHECK(check_item(w) == 0);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->new_length == N + 1 && rd.vector->prev_length == N);
    CHECK_SHAPE(gen_trace_retval(t5), N + 1);
    gen_array *xs = vec(N - 2, x);
    gen_args args4 = {1, &xs, NULL};
    gen_vector_diff shrink = {N - 2, N + 1, 0, NULL, NULL};
    gen_diff sd = gen_diff_vector(&shrink);
    gen_trace *t6 = NULL;
    runs = 0;
    CHECK_OK(gen_update(t5, gen_key_new(8), &args4, &sd, gen_choicemap_empty(), &t6, &w, NULL, &disc));
    CHECK(runs == 0);
    if (!t6) return;
    double dropped = 0;
    for (int i = N - 2; i <= N; i++) {
        gen_addr ai = {2, {gen_part_int(i), gen_part_name("z")}};
        double zi = check_item(gen_trace_value(t5, &ai));
        dropped += log_normal(zi, x1[i], 1);
        CHECK(check_item(gen_choicemap_get_value(disc, &ai)) == zi);
    }
    CHECK_CLOSE(check_item(w), -dropped, 1e-12);
    CHECK(gen_choicemap_count(disc) == 3);
    CHECK_CLOSE(check_item(gen_trace_score(t6)), check_item(gen_trace_score(t5)) - dropped, 1e-9);

    /* unknown argdiffs: every element reruns, the weight is the same */
    gen_trace *t7 = NULL;
    gen_array *w7 = NULL;
    runs = 0;
    CHECK_OK(gen_update(t5, gen_key_new(8), &args4, NULL, gen_choicemap_empty(), &t7, &w7, NULL, NULL));
    CHECK(runs == N - 2);
    if (t7) CHECK_CLOSE(check_item(w7), -dropped, 1e-9);
}

static void test_regenerate(void) {
    gen_gf *f = map_of_kernel();
    double x[4] = {0, 1, 2, 3};
    gen_array *xa = vec(4, x);
    gen_args args = {1, &xa, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(9), &args, &tr));
    gen_selection *sel = gen_select_paths(1, (const char *[]){"2/z"});
    gen_diff same = gen_diff_no_change();
    runs = 0;
    CHECK_OK(gen_regenerate(tr, gen_key_new(10), &args, &same, sel, &t2, &w, NULL));
    CHECK(runs == 1);
    if (!t2) return;
    CHECK(check_item(w) == 0); /* the prior proposes z/2 and nothing else depends on it */
    gen_addr a2 = path("2/z"), a1 = path("1/z");
    CHECK(check_item(gen_trace_value(t2, &a2)) != check_item(gen_trace_value(tr, &a2)));
    CHECK(check_item(gen_trace_value(t2, &a1)) == check_item(gen_trace_value(tr, &a1)));
    gen_array *aw = NULL;
    CHECK_OK(gen_assess(f, &args, gen_trace_choices(t2), &aw, NULL));
    CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t2)), 1e-12);
}

/* mu ~ N(0, 1); ys ~ Map(kernel)(mu + x) */
static gen_status hier(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *m = gen_add(mu, args->v[0]);
    *retval = gen_call(ctx, "ys", map_of_kernel(), &(gen_args){1, &m, NULL});
    return gen_ctx_status(ctx);
}

static void test_in_dynamic_model(void) {
    gen_gf *f = gen_dynamic("hier", hier);
    double x[5] = {0, 0.1, 0.2, 0.3, 0.4};
    gen_array *xa = vec(5, x);
    gen_args args = {1, &xa, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(11), &args, &tr));
    /* a constraint below the map: only that element reruns (the map is rebuilt each run
     * but is the same function of the same kernel, and its argument the same value) */
    gen_addr a = path("ys/3/z");
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(12), &args, NULL,
                        gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(1.5)), &t2, &w, NULL, NULL));
    CHECK(runs == 1);
    gen_array *aw = NULL;
    if (t2) {
        CHECK_OK(gen_assess(f, &args, gen_trace_choices(t2), &aw, NULL));
        CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t2)), 1e-12);
    }
    /* changing mu changes every element's argument: all rerun */
    gen_addr am = path("mu");
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(13), &args, NULL,
                        gen_choicemap_set(gen_choicemap_empty(), &am, gen_scalar(0.3)), &t2, &w, NULL, NULL));
    CHECK(runs == 5);
}

static void test_batched(void) {
    enum { P = 32 };
    gen_gf *f = gen_dynamic("hier", hier);
    double x[5] = {0, 0.1, 0.2, 0.3, 0.4};
    gen_array *xa = vec(5, x);
    gen_args args = {1, &xa, NULL};
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(14), P, &args, &tr));
    if (!tr) return;
    gen_addr a = path("ys/3/z");
    CHECK_SHAPE(gen_trace_value(tr, &a), P);
    CHECK_SHAPE(gen_trace_retval(tr), P, 5);
    for (int i = 0; i < P; i++) {
        gen_array *w = NULL;
        CHECK_OK(gen_assess(f, &args, gen_choicemap_particle(gen_trace_choices(tr), i), &w, NULL));
        if (w) CHECK_CLOSE(check_item(w), elem(gen_trace_score(tr), i), 1e-13);
    }
    /* batched update of one element */
    gen_trace *t2 = NULL;
    gen_array *w = NULL;
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(15), &args, NULL,
                        gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(0.0)), &t2, &w, NULL, NULL));
    CHECK(runs == 1);
    CHECK_SHAPE(w, P);
    for (int i = 0; t2 && i < P; i++)
        CHECK_CLOSE(elem(w, i), elem(gen_trace_score(t2), i) - elem(gen_trace_score(tr), i), 1e-12);
}

static void test_laws(void) {
    gen_array *xa = vec(6, (double[]){0, 1, -1, 2, 0.5, 3});
    gen_args args = {1, &xa, NULL};
    CHECK_GFI_LAWS("map(kernel)", map_of_kernel(), &args, 10, 8);
    gen_array *x5 = vec(5, (double[]){0, 0.1, 0.2, 0.3, 0.4});
    gen_args hargs = {1, &x5, NULL};
    CHECK_GFI_LAWS("hier: a map in a dynamic model", gen_dynamic("hier", hier), &hargs, 10, 8);
    /* a map of maps: elements are rows */
    gen_array *xm = gen_reshape(gen_arange(0, 6, 1, GEN_F64), 2, (int64_t[]){2, 3});
    gen_args margs = {1, &xm, NULL};
    CHECK_GFI_LAWS("map(map(kernel))", gen_map(map_of_kernel()), &margs, 10, 8);
}

static void test_errors(void) {
    gen_gf *f = map_of_kernel();
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "map(kernel): generate: no arguments to map over");
    gen_array *a2[2] = {vec(3, (double[]){1, 2, 3}), vec(2, (double[]){1, 2})};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &(gen_args){2, a2, NULL}, &tr),
                "argument 1 has 2 elements, argument 0 has 3");
    gen_array *s0 = gen_scalar(1);
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &(gen_args){1, &s0, NULL}, &tr), "argument 0 has no element axis");
    gen_args args = {1, &a2[0], NULL};
    gen_addr bad = path("7/z");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, gen_choicemap_set(gen_choicemap_empty(), &bad, gen_scalar(0)), &tr, NULL),
                "map(kernel): generate: constraint at 7 is not an element (3 elements)");
    gen_addr inner = path("1/q");
    CHECK_ERROR(gen_generate(f, gen_key_new(1), &args, gen_choicemap_set(gen_choicemap_empty(), &inner, gen_scalar(0)), &tr, NULL),
                "map(kernel): 1: generate: constraint at q was not used by the model");
    CHECK(!tr);
    CHECK(gen_map(NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_map: the kernel is NULL");
}

int main(void) {
    RUN(test_values);
    RUN(test_update);
    RUN(test_regenerate);
    RUN(test_in_dynamic_model);
    RUN(test_batched);
    RUN(test_laws);
    RUN(test_errors);
    return check_finish();
}
