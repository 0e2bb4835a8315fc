/* test_release_misuse.c — lifetime mistakes with arrays outside the debug mode, where
 * they can be seen cheaply: a double release (one gen_array_release too many of an array
 * a nested scope owns) is reported by gen_scope_end and corrupts nothing; an array used
 * right after its release (its block kept for reuse, not yet reused) is reported. The
 * debug mode (test_lifetime.c) names the array and sees every case; gen_set_debug turns
 * it on and off, only with no scope open. */
#include "check.h"

static const double D6[6] = {1, 2, 3, 4, 5, 6};

static void check_fresh_arrays(int n) {
    gen_scope_begin();
    for (int i = 0; i < n; i++) {
        gen_array *a = gen_full(GEN_F64, GEN_DIMS(2, 3), i);
        gen_array *s = gen_add(gen_array_from_f64(GEN_DIMS(2, 3), D6), a);
        double want[6];
        for (int k = 0; k < 6; k++) want[k] = D6[k] + i;
        CHECK_ARRAY(s, want, 6, 0, 0);
        gen_array *sc = gen_mul(gen_scalar(i), gen_scalar(2));
        CHECK_CLOSE(check_item(sc), 2.0 * i, 0);
    }
    CHECK_OK(gen_scope_end());
}

static void test_debug_off(void) { CHECK(!gen_debug()); }

/* The probe's case: it corrupted the block cache and crashed later. */
static void test_extra_release_in_nested_scope(void) {
    for (int round = 0; round < 3; round++) {
        gen_scope_begin();
        gen_array *a = gen_array_from_f64(GEN_DIMS(2, 3), D6);
        gen_array *s = gen_scalar(5);
        gen_array *kept = gen_scope_return(gen_mul(a, gen_scalar(2)));
        gen_array_release(a);
        gen_array_release(s);
        CHECK(gen_scope_end() == GEN_ERR_MISUSE);
        CHECK_ERROR(GEN_ERR_MISUSE, "gen_scope_end: double release of an array");
        double want[6];
        for (int k = 0; k < 6; k++) want[k] = 2 * D6[k];
        CHECK_ARRAY(kept, want, 6, 0, 0);
        check_fresh_arrays(30);
    }
}

static void test_use_right_after_release(void) {
    gen_scope_begin();
    gen_array *a = gen_array_from_f64(GEN_DIMS(2, 3), D6), *b = gen_ones(GEN_F64, GEN_DIMS(2, 3));
    gen_array *keep = gen_array_retain(a);
    gen_array_release(keep);
    gen_array_release(a); /* the scope's reference: a is freed */
    CHECK(gen_add(b, a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "add: argument 1 is an array that was already released (use after release");
    double x;
    CHECK(gen_item(a, &x) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_item: the array is an array that was already released");
    CHECK(gen_scope_end() == GEN_ERR_MISUSE); /* and the scope's release is the double one */
    CHECK_ERROR(GEN_ERR_MISUSE, "double release");
    check_fresh_arrays(30);
}

/* gen_set_debug: only with no scope open; on, released arrays are named. */
static void test_set_debug(void) {
    CHECK(gen_set_debug(true) == GEN_ERR_MISUSE); /* RUN's scope is open */
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_set_debug: a scope is open");
    CHECK(!gen_debug());
}

static void test_switch_on_and_off(void) { /* no scope open */
    CHECK_OK(gen_set_debug(true));
    CHECK(gen_debug());
    gen_array *a = gen_array_from_f64(GEN_DIMS(2), D6);
    gen_array_release(a);
    CHECK(gen_neg(a) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "neg: argument 0 is an array f64[2] that was already released (use after release)");
    CHECK_OK(gen_set_debug(false)); /* frees what the mode kept */
    CHECK(!gen_debug());
    check_fresh_arrays(10);
}

int main(void) {
    CHECK_OK(gen_set_debug(false)); /* whatever the environment or the build says */
    RUN(test_debug_off);
    RUN(test_extra_release_in_nested_scope);
    RUN(test_use_right_after_release);
    RUN(test_set_debug);
    test_switch_on_and_off();
    return check_finish();
}
