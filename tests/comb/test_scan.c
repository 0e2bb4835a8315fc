/* test_scan.c — the Scan combinator: densities and the (final carry, ys) return value
 * against hand-computed references, incremental update / regenerate with kernel runs
 * counted (a changed x reruns its step, a constraint its step and the next, extending
 * xs by one runs one step), the retdiff, n = 0, Scan in a dynamic model, batched mode
 * particle by particle, the GFI laws, and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;
static int runs; /* kernel body executions */

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

/* args (c, x, rho): z ~ N(rho * c + x, 1); returns (z, z + x) */
static gen_status step(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    runs++;
    gen_array *z = gen_choose(ctx, "z", gen_normal(gen_add(gen_mul(args->v[2], args->v[0]), args->v[1]), gen_scalar(1)));
    gen_array *y = gen_add(z, args->v[1]);
    *retval = gen_tuple(2, (gen_array *[]){z, y});
    return gen_ctx_status(ctx);
}

static gen_gf *scan(void) { return gen_scan(gen_dynamic("step", step)); }

static gen_array *vec(int n, const double *v) { return gen_array_from(GEN_F64, 1, (int64_t[]){n}, v); }
static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }
static gen_addr zat(int64_t t) { return (gen_addr){2, {gen_part_int(t), gen_part_name("z")}}; }
static double zof(const gen_trace *tr, int64_t t) {
    gen_addr a = zat(t);
    return check_item(gen_trace_value(tr, &a));
}
static gen_choicemap *zs(int n, const double *z, int first) {
    gen_choicemap *m = gen_choicemap_empty();
    for (int i = 0; i < n; i++) {
        gen_addr a = zat(first + i);
        m = gen_choicemap_set(m, &a, gen_scalar(z[i]));
    }
    return m;
}

typedef struct sargs {
    gen_array *v[3];
    gen_args a;
} sargs;

static gen_args *mk(sargs *s, double c0, int n, const double *x, double rho) {
    s->v[0] = gen_scalar(c0), s->v[1] = vec(n, x), s->v[2] = gen_scalar(rho);
    s->a = (gen_args){3, s->v, NULL};
    return &s->a;
}

static double scan_lp(const gen_trace *tr, double c0, int n, const double *x, double rho) {
    double lp = 0, c = c0;
    for (int t = 0; t < n; t++) {
        double z = zof(tr, t);
        lp += log_normal(z, rho * c + x[t], 1);
        c = z;
    }
    return lp;
}

static void test_values(void) {
    gen_gf *f = scan();
    sargs a;
    double x[3] = {0.5, -1, 2}, z[3] = {0.3, 0.2, -0.4};
    gen_array *w = NULL, *ret = NULL;
    CHECK_OK(gen_assess(f, mk(&a, 0.1, 3, x, 0.8), zs(3, z, 0), &w, &ret));
    double want = log_normal(0.3, 0.08 + 0.5, 1) + log_normal(0.2, 0.24 - 1, 1) + log_normal(-0.4, 0.16 + 2, 1);
    CHECK_CLOSE(check_item(w), want, 1e-14);
    CHECK(gen_array_is_tuple(ret) && gen_tuple_size(ret) == 2);
    CHECK(check_item(gen_tuple_get(ret, 0)) == -0.4);
    double ys[3] = {0.8, -0.8, 1.6};
    CHECK_ARRAY(gen_tuple_get(ret, 1), ys, 3, 1e-15, 1e-15);
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(1), mk(&a, 0.1, 3, x, 0.8), zs(1, z + 1, 1), &tr, &w));
    if (!tr) return;
    CHECK_CLOSE(check_item(w), log_normal(0.2, 0.8 * zof(tr, 0) - 1, 1), 1e-14);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), scan_lp(tr, 0.1, 3, x, 0.8), 1e-14);
    const gen_array *r = gen_trace_retval(tr);
    CHECK(gen_array_is_tuple(r) && check_item(gen_tuple_get(r, 0)) == zof(tr, 2));
    CHECK_SHAPE(gen_tuple_get(r, 1), 3);
    CHECK(elem(gen_tuple_get(r, 1), 1) == 0.2 - 1);
    gen_array *p = NULL;
    gen_selection *s1 = gen_select_paths(1, (const char *[]){"1"});
    CHECK_OK(gen_project(tr, s1, &p));
    CHECK_CLOSE(check_item(p), log_normal(0.2, 0.8 * zof(tr, 0) - 1, 1), 1e-14);
}

static void test_incremental(void) {
    enum { N = 40 };
    gen_gf *f = scan();
    sargs a;
    static double x[N + 1];
    for (int i = 0; i <= N; i++) x[i] = sin(i);
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    gen_diff rd;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(2), mk(&a, 0, N, x, 0.7), &tr));
    if (!tr) return;
    gen_diff nc = gen_diff_no_change();

    /* x_10 changes (a vector diff): step 10 reruns; its z is kept, so the carry is the
     * same and nothing later reruns; y_10 changed */
    double old10 = x[10];
    x[10] = 3.0;
    gen_vector_diff vd = {N, N, 1, (int64_t[]){10}, NULL};
    gen_diff ad[3] = {nc, gen_diff_vector(&vd), nc};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(3), mk(&a, 0, N, x, 0.7), ad, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 1);
    CHECK_CLOSE(check_item(w), log_normal(zof(tr, 10), 0.7 * zof(tr, 9) + 3.0, 1) - log_normal(zof(tr, 10), 0.7 * zof(tr, 9) + old10, 1), 1e-12);
    /* retdiff: the tuple's item 1 (ys) changed at step 10; the final carry did not */
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->new_length == 2 && rd.vector->n_updated == 1 && rd.vector->updated[0] == 1);
    const gen_diff *ysd = &rd.vector->updated_diffs[0];
    CHECK(ysd->kind == GEN_DIFF_VECTOR && ysd->vector->n_updated == 1 && ysd->vector->updated[0] == 10);
    if (t2) CHECK(elem(gen_tuple_get(gen_trace_retval(t2), 1), 10) == zof(tr, 10) + 3.0);
    x[10] = old10;

    /* a constraint at step 20: steps 20 and 21 rerun; the final carry is unchanged */
    double z20 = 1.25;
    runs = 0;
    gen_diff same[3] = {nc, nc, nc};
    CHECK_OK(gen_update(tr, gen_key_new(4), mk(&a, 0, N, x, 0.7), same, zs(1, &z20, 20), &t2, &w, &rd, &disc));
    CHECK(runs == 2);
    double z19 = zof(tr, 19), z21 = zof(tr, 21), o20 = zof(tr, 20);
    CHECK_CLOSE(check_item(w), log_normal(1.25, 0.7 * z19 + x[20], 1) - log_normal(o20, 0.7 * z19 + x[20], 1) +
                               log_normal(z21, 0.7 * 1.25 + x[21], 1) - log_normal(z21, 0.7 * o20 + x[21], 1), 1e-12);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->n_updated == 1 && rd.vector->updated[0] == 1);
    gen_addr a20 = zat(20);
    CHECK(check_item(gen_choicemap_get_value(disc, &a20)) == o20);
    if (t2) CHECK_CLOSE(check_item(gen_trace_score(t2)), scan_lp(t2, 0, N, x, 0.7), 1e-12);

    /* a constraint at the last step: one run, and the final carry changed */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(5), mk(&a, 0, N, x, 0.7), same, zs(1, &z20, N - 1), &t2, &w, &rd, NULL));
    CHECK(runs == 1);
    CHECK(rd.kind == GEN_DIFF_VECTOR && rd.vector->n_updated == 2 && rd.vector->updated[0] == 0 &&
          rd.vector->updated_diffs[0].kind == GEN_DIFF_UNKNOWN);

    /* nothing changed */
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(6), mk(&a, 0, N, x, 0.7), same, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 0 && check_item(w) == 0 && rd.kind == GEN_DIFF_NO_CHANGE);

    /* xs grows by one: one run */
    gen_vector_diff grow = {N + 1, N, 0, NULL, NULL};
    gen_diff gd[3] = {nc, gen_diff_vector(&grow), nc};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(7), mk(&a, 0, N + 1, x, 0.7), gd, gen_choicemap_empty(), &t2, &w, &rd, NULL));
    CHECK(runs == 1 && check_item(w) == 0);
    if (t2) {
        CHECK_SHAPE(gen_tuple_get(gen_trace_retval(t2), 1), N + 1);
        CHECK_CLOSE(check_item(gen_trace_score(t2)), scan_lp(t2, 0, N + 1, x, 0.7), 1e-12);
    }
    /* shrink by 4: no run, the dropped steps discarded */
    gen_vector_diff shrink = {N - 4, N, 0, NULL, NULL};
    gen_diff sd[3] = {nc, gen_diff_vector(&shrink), nc};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(8), mk(&a, 0, N - 4, x, 0.7), sd, gen_choicemap_empty(), &t2, &w, NULL, &disc));
    CHECK(runs == 0 && gen_choicemap_count(disc) == 4);
    CHECK_CLOSE(check_item(w), scan_lp(tr, 0, N - 4, x, 0.7) - scan_lp(tr, 0, N, x, 0.7), 1e-10);
    /* rho changes: every step reruns */
    gen_diff rho[3] = {nc, nc, gen_diff_unknown()};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(9), mk(&a, 0, N, x, 0.5), rho, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK(runs == N);
    CHECK_CLOSE(check_item(w), scan_lp(tr, 0, N, x, 0.5) - scan_lp(tr, 0, N, x, 0.7), 1e-10);
    /* the initial carry changes: step 0 reruns, its z kept: the carry is the same */
    gen_diff c0[3] = {gen_diff_unknown(), nc, nc};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(10), mk(&a, 1.0, N, x, 0.7), c0, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK(runs == 1);

    /* regenerate step 5: steps 5 and 6 rerun; Gen.jl's weight (z_5 resampled adds nothing) */
    gen_selection *sel = gen_select_paths(1, (const char *[]){"5/z"});
    runs = 0;
    CHECK_OK(gen_regenerate(tr, gen_key_new(11), mk(&a, 0, N, x, 0.7), same, sel, &t2, &w, NULL));
    CHECK(runs == 2);
    if (t2) CHECK_CLOSE(check_item(w), log_normal(zof(tr, 6), 0.7 * zof(t2, 5) + x[6], 1) -
                                       log_normal(zof(tr, 6), 0.7 * zof(tr, 5) + x[6], 1), 1e-12);
}

static void test_zero_steps(void) {
    gen_gf *f = scan();
    sargs a;
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(12), mk(&a, 0.5, 0, NULL, 0.7), &tr));
    if (!tr) return;
    const gen_array *r = gen_trace_retval(tr);
    CHECK(gen_array_is_tuple(r) && check_item(gen_tuple_get(r, 0)) == 0.5);
    CHECK_SHAPE(gen_tuple_get(r, 1), 0);
    CHECK(check_item(gen_trace_score(tr)) == 0);
    double x[2] = {1, 2};
    gen_vector_diff grow = {2, 0, 0, NULL, NULL};
    gen_diff gd[3] = {gen_diff_no_change(), gen_diff_vector(&grow), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(13), mk(&a, 0.5, 2, x, 0.7), gd, gen_choicemap_empty(), &t2, &w, NULL, NULL));
    CHECK(runs == 2);
    if (t2) CHECK_CLOSE(check_item(gen_trace_score(t2)), scan_lp(t2, 0.5, 2, x, 0.7), 1e-13);
}

/* c0 ~ N(0, 1); (c, ys) = Scan(step)(c0, xs, 0.7); obs ~ N(c, 1) */
static gen_status model(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *c0 = gen_choose(ctx, "c0", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *v[3] = {c0, args->v[0], gen_scalar(0.7)};
    gen_array *r = gen_call(ctx, "scan", scan(), &(gen_args){3, v, NULL});
    gen_array *c = r ? gen_tuple_get(r, 0) : NULL;
    gen_choose(ctx, "obs", gen_normal(c, gen_scalar(1)));
    *retval = r ? gen_tuple_get(r, 1) : NULL;
    return gen_ctx_status(ctx);
}

static void test_in_dynamic_model(void) {
    gen_gf *f = gen_dynamic("model", model);
    gen_array *xs = vec(6, (double[]){0, 0.1, 0.2, 0.3, 0.4, 0.5});
    gen_args args = {1, &xs, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL, *aw = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(14), &args, &tr));
    gen_addr a;
    gen_addr_parse(&a, "scan/2/z");
    runs = 0;
    CHECK_OK(gen_update(tr, gen_key_new(15), &args, NULL, gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(0.9)),
                        &t2, &w, NULL, NULL));
    CHECK(runs == 2);
    if (t2) {
        CHECK_OK(gen_assess(f, &args, gen_trace_choices(t2), &aw, NULL));
        CHECK_CLOSE(check_item(aw), check_item(gen_trace_score(t2)), 1e-12);
        CHECK_CLOSE(check_item(w), check_item(gen_trace_score(t2)) - check_item(gen_trace_score(tr)), 1e-12);
    }
}

static void test_batched(void) {
    enum { P = 16 };
    gen_gf *f = gen_dynamic("model", model);
    gen_array *xs = vec(5, (double[]){0, 0.1, 0.2, 0.3, 0.4});
    gen_args args = {1, &xs, NULL};
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(16), P, &args, &tr));
    if (!tr) return;
    CHECK_SHAPE(gen_trace_retval(tr), P, 5);
    for (int i = 0; i < P; i++) {
        gen_array *w = NULL;
        CHECK_OK(gen_assess(f, &args, gen_choicemap_particle(gen_trace_choices(tr), i), &w, NULL));
        if (w) CHECK_CLOSE(check_item(w), elem(gen_trace_score(tr), i), 1e-13);
    }
    /* the Scan alone with batched xs [P, 3]: particle i scans row i */
    gen_gf *s = scan();
    double xb[P * 3];
    for (int i = 0; i < P * 3; i++) xb[i] = 0.1 * i;
    gen_array *v[3] = {gen_scalar(0.2), gen_batched(gen_array_from(GEN_F64, 2, (int64_t[]){P, 3}, xb)), gen_scalar(0.7)};
    gen_trace *st = NULL, *s2 = NULL;
    CHECK_OK(gen_simulate_batched(s, gen_key_new(17), P, &(gen_args){3, v, NULL}, &st));
    if (!st) return;
    CHECK_SHAPE(gen_tuple_get(gen_trace_retval(st), 1), P, 3);
    CHECK_SHAPE(gen_tuple_get(gen_trace_retval(st), 0), P);
    for (int i = 0; i < P; i++) {
        gen_array *w = NULL;
        gen_array *vi[3] = {v[0], vec(3, xb + 3 * i), v[2]};
        CHECK_OK(gen_assess(s, &(gen_args){3, vi, NULL}, gen_choicemap_particle(gen_trace_choices(st), i), &w, NULL));
        if (w) CHECK_CLOSE(check_item(w), elem(gen_trace_score(st), i), 1e-13);
    }
    gen_addr a1 = zat(1);
    gen_array *w = NULL;
    gen_diff same[3] = {gen_diff_no_change(), gen_diff_no_change(), gen_diff_no_change()};
    runs = 0;
    CHECK_OK(gen_update(st, gen_key_new(18), &(gen_args){3, v, NULL}, same,
                        gen_choicemap_set(gen_choicemap_empty(), &a1, gen_scalar(0.0)), &s2, &w, NULL, NULL));
    CHECK(runs == 2);
    CHECK_SHAPE(w, P);
    for (int i = 0; s2 && i < P; i++)
        CHECK_CLOSE(elem(w, i), elem(gen_trace_score(s2), i) - elem(gen_trace_score(st), i), 1e-12);
}

/* the carry is a tuple (level, slope); y ~ N(level, 0.5) is a choice too */
static gen_status trend(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *c = args->v[0];
    gen_array *level = gen_choose(ctx, "level", gen_normal(gen_add(gen_tuple_get(c, 0), gen_tuple_get(c, 1)), gen_scalar(1)));
    gen_array *slope = gen_choose(ctx, "slope", gen_normal(gen_tuple_get(c, 1), gen_scalar(0.1)));
    gen_array *y = gen_choose(ctx, "y", gen_normal(gen_add(level, args->v[1]), gen_scalar(0.5)));
    *retval = gen_tuple(2, (gen_array *[]){gen_tuple(2, (gen_array *[]){level, slope}), y});
    return gen_ctx_status(ctx);
}

static void test_laws(void) {
    sargs a;
    double x[5] = {0.3, -0.2, 0.1, 0, 1};
    CHECK_GFI_LAWS("scan(step)", scan(), mk(&a, 0.1, 5, x, 0.7), 10, 8);
    gen_array *xs = vec(4, (double[]){0, 0.1, 0.2, 0.3});
    gen_args margs = {1, &xs, NULL};
    CHECK_GFI_LAWS("a scan in a dynamic model", gen_dynamic("model", model), &margs, 10, 8);
    gen_array *c0 = gen_tuple(2, (gen_array *[]){gen_scalar(0), gen_scalar(0.5)});
    gen_array *tv[2] = {c0, vec(4, (double[]){1, 2, 3, 4})};
    gen_args targs = {2, tv, NULL};
    CHECK_GFI_LAWS("scan with a tuple carry", gen_scan(gen_dynamic("trend", trend)), &targs, 10, 8);
}

static gen_status not_tuple(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "z", gen_normal(args->v[1], gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static gen_status bad_carry(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *z = gen_choose(ctx, "z", gen_normal(args->v[1], gen_scalar(1)));
    *retval = gen_tuple(2, (gen_array *[]){gen_stack(2, (gen_array *[]){z, z}, 0), z});
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_gf *f = scan();
    sargs a;
    gen_trace *tr = NULL;
    double x[3] = {1, 2, 3};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), NULL, &tr), "scan(step): generate: needs the initial carry and xs (got 0 arguments)");
    gen_array *v[3] = {gen_scalar(0), gen_scalar(1), gen_scalar(0.5)};
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &(gen_args){3, v, NULL}, &tr), "scan(step): argument 1 has no element axis");
    v[1] = gen_tuple(1, (gen_array *[]){gen_scalar(1)});
    CHECK_ERROR(gen_simulate(f, gen_key_new(1), &(gen_args){3, v, NULL}, &tr), "scan(step): generate: xs (argument 1) is a tuple");
    gen_addr bad = zat(5);
    CHECK_ERROR(gen_generate(f, gen_key_new(1), mk(&a, 0, 3, x, 0.5), gen_choicemap_set(gen_choicemap_empty(), &bad, gen_scalar(0)), &tr, NULL),
                "scan(step): generate: constraint at 5 is not an element (3 elements)");
    CHECK_ERROR(gen_simulate(gen_scan(gen_dynamic("not_tuple", not_tuple)), gen_key_new(1), mk(&a, 0, 3, x, 0.5), &tr),
                "scan(not_tuple): 0: the kernel must return a tuple (carry, y)");
    gen_array *w = NULL;
    CHECK_ERROR(gen_assess(gen_scan(gen_dynamic("not_tuple", not_tuple)), mk(&a, 0, 3, x, 0.5), zs(3, x, 0), &w, NULL),
                "scan(not_tuple): 0: the kernel must return a tuple (carry, y)");
    CHECK_ERROR(gen_simulate(gen_scan(gen_dynamic("bad_carry", bad_carry)), gen_key_new(1), mk(&a, 0, 3, x, 0.5), &tr),
                "scan(bad_carry): 0: the kernel returned a carry shaped unlike the initial carry");
    CHECK_ERROR(gen_assess(f, mk(&a, 0, 3, x, 0.5), zs(2, x, 0), &w, NULL), "scan(step): 2: ");
    CHECK_OK(gen_simulate(f, gen_key_new(2), mk(&a, 0, 3, x, 0.5), &tr));
    gen_trace *t2 = NULL;
    gen_diff bad_rho[3] = {gen_diff_no_change(), gen_diff_no_change(), gen_diff_unknown()};
    CHECK_ERROR(gen_update(tr, gen_key_new(3), mk(&a, 0, 3, x, NAN), bad_rho, gen_choicemap_empty(), &t2, &w, NULL, NULL),
                "scan(step): 0: z: normal");
    CHECK(!t2 && !w);
    CHECK(gen_scan(NULL) == NULL);
    CHECK_ERROR(gen_error_status(), "gen_scan: the kernel is NULL");
}

int main(void) {
    RUN(test_values);
    RUN(test_incremental);
    RUN(test_zero_steps);
    RUN(test_in_dynamic_model);
    RUN(test_batched);
    RUN(test_laws);
    RUN(test_errors);
    return check_finish();
}
