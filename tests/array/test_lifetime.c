/* test_lifetime.c — lifetime mistakes with arrays in the debug mode (GENC_DEBUG=1, set
 * before the first GenC call): use after release, use after the scope ended (also when
 * a new array would have reused the memory), double release by the caller and inside a
 * nested scope, retain of a released array, in plain and batched mode. Each is
 * GEN_ERR_MISUSE naming the array, and nothing is corrupted: the arrays made afterwards
 * hold the right values. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const double D6[6] = {1, 2, 3, 4, 5, 6};

/* Runs a test with no scope open: what it makes belongs to it. */
#define RUN0(fn)                                                                            \
    do {                                                                                    \
        gen_error_clear();                                                                  \
        fn();                                                                               \
        CHECK(gen_scope_depth() == 0);                                                      \
    } while (0)

/* Arrays made after a mistake are intact: n of them in a nested scope, each checked. */
static void check_fresh_arrays(int n) {
    gen_scope_begin();
    for (int i = 0; i < n; i++) {
        gen_array *a = gen_full(GEN_F64, GEN_DIMS(2, 3), i);
        gen_array *s = gen_add(gen_array_from_f64(GEN_DIMS(2, 3), D6), a);
        double want[6];
        for (int k = 0; k < 6; k++) want[k] = D6[k] + i;
        CHECK_ARRAY(s, want, 6, 0, 0);
        CHECK_CLOSE(check_item(gen_mul(gen_scalar(i), gen_scalar(2))), 2.0 * i, 0);
    }
    CHECK_OK(gen_scope_end());
}

static void test_debug_on(void) { CHECK(gen_debug()); }

static void test_use_after_release(void) {
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 3), D6), *b = gen_ones(GEN_F64, GEN_DIMS(2, 3));
    gen_array *s = gen_scalar(2);
    gen_array_release(a);
    gen_array_release(s);
    CHECK(gen_add(b, a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "add: argument 1 is an array f64[2,3] that was already released (use after release)");
    CHECK(gen_neg(s) == NULL); /* a scalar: the fast path of scalar ops */
    CHECK_ERROR(GEN_ERR_MISUSE, "neg: argument 0 is an array f64[] that was already released");
    gen_array *one = gen_scalar(1);
    CHECK(gen_mul(s, one) == NULL);
    gen_array_release(one);
    CHECK_ERROR(GEN_ERR_MISUSE, "mul: argument 0 is an array f64[] that was already released");
    double x = 0;
    CHECK(gen_item(s, &x) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_item: the array is an array f64[] that was already released");
    CHECK(gen_array_data(a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_data: the array is an array f64[2,3] that was already released");
    CHECK(gen_array_ndim(a) == 0);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_ndim");
    CHECK(gen_array_shape(a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_shape");
    CHECK(gen_array_size(a) == 0);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_size");
    gen_array_dtype(a);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_dtype");
    char buf[64];
    CHECK(gen_array_format(a, buf, sizeof buf) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "already released");
    CHECK(gen_array_retain(a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_retain: the array is an array f64[2,3] that was already released");
    CHECK(gen_scope_return(a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "already released");
    gen_array_release(b);
    check_fresh_arrays(50);
}

static void test_double_release(void) {
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 3), D6);
    gen_array_release(a);
    gen_array_release(a);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_release: double release of an array f64[2,3]");
    gen_array_release(a); /* and again: still reported, still harmless */
    CHECK_ERROR(GEN_ERR_MISUSE, "double release of an array f64[2,3]");
    check_fresh_arrays(50);
}

/* The probe's case: one gen_array_release too many of an array its (nested) scope owns;
 * the scope's own release is the second one. */
static void test_extra_release_in_nested_scope(void) {
    gen_scope_begin();
    gen_scope_begin();
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 3), D6);
    gen_array *kept = gen_scope_return(gen_mul(a, gen_scalar(2)));
    gen_array_release(a); /* the scope owns a: this frees it */
    for (int i = 0; i < 20; i++) gen_scalar(i); /* work after the mistake */
    CHECK(gen_scope_end() == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_scope_end: double release of an array f64[2,3]");
    CHECK(gen_scope_depth() == 1);
    double want[6];
    for (int k = 0; k < 6; k++) want[k] = 2 * D6[k];
    CHECK_ARRAY(kept, want, 6, 0, 0); /* the rest of the scope was released as usual */
    check_fresh_arrays(50);
    CHECK_OK(gen_scope_end());
    CHECK(gen_array_size(kept) == 0); /* released with the outer scope */
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_array_size: the array is an array f64[2,3] that was already released");
}

/* Use after the scope ended: the array's memory would be the next array's. */
static void test_use_after_scope_end(void) {
    gen_scope_begin();
    gen_scope_begin();
    gen_array *a = gen_full(GEN_F64, GEN_DIMS(2), 3.0);
    CHECK_OK(gen_scope_end());
    gen_array *b = gen_full(GEN_F64, GEN_DIMS(2), 7.0);
    CHECK(gen_add(a, b) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "add: argument 0 is an array f64[2] that was already released (use after release)");
    gen_array *t = gen_sum(a, GEN_AXES(0), false);
    CHECK(t == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "an array f64[2] that was already released");
    CHECK_OK(gen_scope_end());
    /* The outermost scope: its arrays are still reported after it ended. */
    gen_scope_begin();
    gen_array *c = gen_array_from_f64(GEN_DIMS(3), D6);
    CHECK_OK(gen_scope_end());
    double x = 0;
    CHECK(gen_item(c, &x) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_item: the array is an array f64[3] that was already released");
    check_fresh_arrays(10);
}

/* Batched mode hands ops to their batched rules before the usual checks. */
static void test_use_after_release_batched(void) {
    gen_scope_begin();
    gen_array *a = gen_array_from_f64(GEN_DIMS(3), D6);
    gen_array *keep = gen_array_retain(a);
    gen_array_release(keep);
    CHECK_OK(gen_scope_end());
    CHECK_OK(gen_batch_begin(3));
    gen_scope_begin();
    CHECK(gen_add(a, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "argument 0 is an array f64[3] that was already released");
    CHECK_OK(gen_scope_end());
    gen_batch_end();
}

/* Other element types and tuples are described by what they were. */
static void test_descriptions(void) {
    gen_array *i = gen_array_from(GEN_I64, GEN_DIMS(2), (const int64_t[]){1, 2});
    gen_array *t = gen_tuple(1, (gen_array *[]){i});
    gen_array_release(i); /* the tuple keeps it */
    gen_array_release(t);
    CHECK(gen_neg(t) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "a tuple of 1 that was already released");
    CHECK(gen_neg(i) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "an array i64[2] that was already released");
}

int main(void) {
    setenv("GENC_DEBUG", "1", 1); /* read at the first GenC call */
    RUN0(test_debug_on);
    RUN0(test_use_after_release);
    RUN0(test_double_release);
    RUN0(test_extra_release_in_nested_scope);
    RUN0(test_use_after_scope_end);
    RUN0(test_use_after_release_batched);
    RUN0(test_descriptions);
    return check_finish();
}
