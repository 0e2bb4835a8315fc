/* test_core.c — the core layer: error slot, scopes, the allocator hook (every
 * out-of-memory path of a gradient computation fails cleanly and leaks nothing), and
 * thread-safe reference counts. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "oom.h"

/* ---- errors ---- */

static void test_error_slot(void) {
    CHECK(gen_error_status() == GEN_OK);
    CHECK(strcmp(gen_error_message(), "") == 0);
    CHECK(gen_error_set(GEN_ERR_VALUE, "bad %s %d", "thing", 3) == GEN_ERR_VALUE);
    CHECK(strcmp(gen_error_message(), "bad thing 3") == 0);
    CHECK(strcmp(gen_error_location(), "user:0") == 0);
    gen_error_clear();
    CHECK(gen_error_status() == GEN_OK);
    CHECK(strcmp(gen_status_name(GEN_ERR_SHAPE), "GEN_ERR_SHAPE") == 0);
    CHECK(strcmp(gen_status_name(GEN_CANCELLED), "GEN_CANCELLED") == 0);
    CHECK(strcmp(gen_status_name((gen_status)999), "GEN_ERR_UNKNOWN") == 0);
}

/* A chain of ops reports its first failure, not a later NULL. */
static void test_error_chain(void) {
    gen_array *a = gen_zeros(GEN_F64, GEN_DIMS(2)), *b = gen_zeros(GEN_F64, GEN_DIMS(3));
    gen_array *r = gen_exp(gen_add(gen_mul(a, b), a));
    CHECK(r == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "mul: shapes [2] and [3] do not broadcast");
    CHECK(gen_add(NULL, a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "add: argument 0 is NULL");
}

/* ---- scopes ---- */

static gen_array *make_kept(void) {
    gen_scope_begin();
    gen_array *t = gen_scalar(2.0);
    gen_array *r = gen_mul(t, t);
    r = gen_scope_return(r);
    gen_scope_end();
    return r;
}

static void test_scopes(void) {
    int d = gen_scope_depth();
    gen_array *r = make_kept(); /* owned by the test's scope (RUN opens one) */
    CHECK(gen_scope_depth() == d);
    CHECK_CLOSE(check_item(r), 4.0, 0);
    /* Retained arrays outlive their scope. */
    gen_scope_begin();
    gen_array *k = gen_array_retain(gen_scalar(5.0));
    gen_scope_end();
    CHECK_CLOSE(check_item(k), 5.0, 0);
    gen_array_release(k);
}

static void test_scope_misuse(void) {
    int d = gen_scope_depth();
    for (int i = 0; i < d; i++) gen_scope_end(); /* close RUN's scope too */
    CHECK(gen_scope_end() == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "no scope is open");
    /* With no scope open, the caller owns results. */
    gen_array *a = gen_scalar(1.0);
    gen_array *b = gen_scope_return(a); /* no scope: just a new reference */
    CHECK(a == b);
    gen_array_release(a);
    gen_array_release(b);
    for (int i = 0; i < d; i++) gen_scope_begin();
}

/* ---- the allocator hook ---- */


static gen_status grad_target(void *p, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)p, (void)n_in, (void)n_out;
    gen_array *big = gen_mul(in[0], gen_ones(GEN_F64, GEN_DIMS(4, 8)));
    out[0] = gen_sum(gen_exp(gen_div(big, in[1])), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

/* A gradient whose every allocation is made to fail in turn. */
static gen_status grad_workload(void) {
    gen_array *x = gen_array_from_f64(GEN_DIMS(8), (double[]){1, 2, 3, 4, 5, 6, 7, 8});
    gen_array *y = gen_scalar(3.0);
    gen_array *in[2] = {x, y}, *g[2] = {NULL, NULL};
    return x && y ? gen_grad((gen_closure){grad_target, NULL}, 2, in, g) : gen_error_status();
}

static void test_out_of_memory(void) { CHECK_OOM(grad_workload, 21); }

/* ---- thread safety ---- */

#define THREADS 4
#define ROUNDS 100000

static void *hammer(void *arg) {
    gen_array *a = arg;
    for (int i = 0; i < ROUNDS; i++) gen_array_release(gen_array_retain(a));
    /* Each thread has its own scope stack and error slot. */
    gen_scope_begin();
    gen_array *b = gen_add(a, a);
    double v = 0;
    gen_item(b, &v);
    gen_scope_end();
    return v == 2.0 ? arg : NULL;
}

static void test_threads(void) {
    gen_array *a = gen_array_retain(gen_scalar(1.0));
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, hammer, a);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        CHECK(r == a);
    }
    CHECK_CLOSE(check_item(a), 1.0, 0);
    gen_array_release(a); /* the scope holds the last reference */
}

int main(void) {
    RUN(test_error_slot);
    RUN(test_error_chain);
    RUN(test_scopes);
    RUN(test_scope_misuse);
    RUN(test_out_of_memory);
    RUN(test_threads);
    return check_finish();
}
