/* test_lazy_choices.c — a dynamic function's trace builds its choice map on first use:
 * the map holds every choice (calls nested) whenever it is asked for, threads asking at
 * once all get the same map, and the scalar fast paths of the array ops give the same
 * bits as the general kernels (checked against [1]-shaped arguments, which take them). */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "../testutil/check.h"

/* inner: z ~ N(0, 1) */
static gen_status inner(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "z", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* outer: b ~ N(0, 1), y/i ~ N(b + i, 0.5) for i < 20, sub = inner() */
static gen_status outer(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *b = gen_choose(ctx, "b", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_part y = gen_part_name("y");
    for (int i = 0; i < 20; i++) {
        gen_addr a = {2, {y, gen_part_int(i)}};
        gen_choose_at(ctx, &a, gen_normal(gen_add(b, gen_scalar(i)), gen_scalar(0.5)));
    }
    *retval = gen_call(ctx, "sub", gen_dynamic("inner", inner), args);
    return gen_ctx_status(ctx);
}

typedef struct shared {
    const gen_trace *tr;
    const gen_choicemap *got[4];
} shared;

typedef struct job {
    shared *s;
    int i;
} job;

static void *ask(void *arg) {
    job *j = arg;
    j->s->got[j->i] = gen_trace_choices(j->s->tr);
    return NULL;
}

static void test_threads_share_one_map(void) {
    gen_scope_begin();
    gen_gf *f = gen_dynamic("outer", outer);
    for (int round = 0; round < 20; round++) {
        gen_trace *tr = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new((uint64_t)round), NULL, &tr));
        shared s = {tr, {NULL}};
        pthread_t th[4];
        job jobs[4];
        for (int i = 0; i < 4; i++) {
            jobs[i] = (job){&s, i};
            CHECK(pthread_create(&th[i], NULL, ask, &jobs[i]) == 0);
        }
        for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
        for (int i = 0; i < 4; i++) CHECK(s.got[i] && s.got[i] == s.got[0]);
        CHECK(gen_trace_choices(tr) == s.got[0]);
        CHECK(gen_choicemap_count(s.got[0]) == 22);
        gen_addr bz = {1, {gen_part_name("b")}};
        CHECK(gen_choicemap_get_value(s.got[0], &bz) == gen_trace_value(tr, &bz));
        gen_addr z = {2, {gen_part_name("sub"), gen_part_name("z")}};
        double v = NAN, r = NAN;
        CHECK_OK(gen_item(gen_choicemap_get_value(s.got[0], &z), &v));
        CHECK_OK(gen_item(gen_trace_retval(tr), &r));
        CHECK(v == r);
    }
    gen_scope_end();
}

/* Update of a trace whose map was never built: the new trace's map and the discard. */
static void test_update_before_map(void) {
    gen_scope_begin();
    gen_gf *f = gen_dynamic("outer", outer);
    gen_trace *tr = NULL, *t2 = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(9), NULL, &tr));
    gen_addr a = {2, {gen_part_name("y"), gen_part_int(3)}};
    const gen_array *old = gen_trace_value(tr, &a);
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &a, gen_scalar(7.25));
    gen_array *w = NULL;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(10), NULL, NULL, c, &t2, &w, NULL, &disc));
    double v = 0;
    CHECK_OK(gen_item(gen_trace_value(t2, &a), &v));
    CHECK(v == 7.25);
    CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 22);
    CHECK(gen_choicemap_get_value(disc, &a) == old);
    gen_scope_end();
}

static void same_bits(gen_array *(*op)(const gen_array *, const gen_array *), double x, double y) {
    gen_scope_begin();
    gen_array *s = op(gen_scalar(x), gen_scalar(y));
    gen_array *v = op(gen_array_from_f64(GEN_DIMS(1), &x), gen_array_from_f64(GEN_DIMS(1), &y));
    double a = NAN, b = NAN;
    CHECK(gen_array_ndim(s) == 0 && gen_array_dtype(s) == GEN_F64);
    CHECK_OK(gen_item(s, &a));
    b = ((const double *)gen_array_data(v))[0];
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    gen_scope_end();
}

static void same_bits1(gen_array *(*op)(const gen_array *), double x) {
    gen_scope_begin();
    gen_array *s = op(gen_scalar(x)), *v = op(gen_array_from_f64(GEN_DIMS(1), &x));
    double a = NAN, b = ((const double *)gen_array_data(v))[0];
    CHECK_OK(gen_item(s, &a));
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    gen_scope_end();
}

static void test_scalar_ops_match_kernels(void) {
    const double xs[] = {0.3, -1.7, 0.0, -0.0, 1e300, INFINITY, NAN, 2.5e-310};
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) {
            same_bits(gen_add, xs[i], xs[j]);
            same_bits(gen_sub, xs[i], xs[j]);
            same_bits(gen_mul, xs[i], xs[j]);
            same_bits(gen_div, xs[i], xs[j]);
        }
        same_bits1(gen_neg, xs[i]);
        same_bits1(gen_square, xs[i]);
        same_bits1(gen_exp, xs[i]);
        same_bits1(gen_log, xs[i]);
        same_bits1(gen_sqrt, xs[i]);
        same_bits1(gen_reciprocal, xs[i]);
    }
    /* i64 scalars do not take the f64 path: integer results */
    gen_scope_begin();
    gen_array *k = gen_add(gen_scalar_i64(2), gen_scalar_i64(3));
    CHECK(gen_array_dtype(k) == GEN_I64 && *(const int64_t *)gen_array_data(k) == 5);
    gen_scope_end();
}

int main(void) {
    RUN(test_threads_share_one_map);
    RUN(test_update_before_map);
    RUN(test_scalar_ops_match_kernels);
    return check_finish();
}
