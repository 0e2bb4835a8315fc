/* test_update_order.c — update and regenerate find the old trace's choices whatever
 * order the new run visits them in (the old records are looked up through a cursor,
 * then an address index): a model that visits x/0..x/9 forward or backward by its
 * argument keeps every old value, with weight exactly the score difference (here 0). */
#include <math.h>

#include "../testutil/check.h"

#define N 10

static gen_status ordered(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    double back = 0;
    gen_item(args->v[0], &back);
    gen_dist *d = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_part x = gen_part_name("x");
    for (int k = 0; k < N; k++) {
        int i = back != 0 ? N - 1 - k : k;
        gen_addr a = {2, {x, gen_part_int(i)}};
        if (k == N / 2) gen_choose(ctx, "mid", d); /* the cursor misses around it */
        gen_choose_at(ctx, &a, d);
    }
    *retval = NULL;
    return gen_ctx_status(ctx);
}

static double value(const gen_trace *tr, int i) {
    gen_addr a = {2, {gen_part_name("x"), gen_part_int(i)}};
    return check_item(gen_trace_value(tr, &a));
}

static void same_values(const gen_trace *a, const gen_trace *b) {
    int bad = 0;
    for (int i = 0; i < N; i++) bad += value(a, i) != value(b, i);
    gen_addr mid = {1, {gen_part_name("mid")}};
    CHECK(bad == 0);
    CHECK(check_item(gen_trace_value(a, &mid)) == check_item(gen_trace_value(b, &mid)));
}

static void test_reversed(void) {
    gen_gf *f = gen_dynamic("ordered", ordered);
    gen_array *fwd = gen_scalar(0), *back = gen_scalar(1);
    gen_args af = {1, &fwd, NULL}, ab = {1, &back, NULL};
    gen_trace *tr, *up, *re;
    gen_array *w;
    CHECK_OK(gen_simulate(f, gen_key_new(3), &af, &tr));
    CHECK_OK(gen_update(tr, gen_key_new(4), &ab, NULL, gen_choicemap_empty(), &up, &w, NULL, NULL));
    same_values(tr, up);
    CHECK(check_item(w) == 0.0);
    CHECK_CLOSE(check_item(gen_trace_score(up)), check_item(gen_trace_score(tr)), 1e-12);
    CHECK_OK(gen_regenerate(up, gen_key_new(5), &af, NULL, gen_select_none(), &re, &w, NULL));
    same_values(tr, re);
    CHECK(check_item(w) == 0.0);
    /* A constraint out of order: only x/2 changes, the weight is its density ratio. */
    gen_addr x2 = {2, {gen_part_name("x"), gen_part_int(2)}};
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &x2, gen_scalar(0.5));
    CHECK_OK(gen_update(tr, gen_key_new(6), &ab, NULL, c, &up, &w, NULL, NULL));
    double old = value(tr, 2);
    CHECK_CLOSE(check_item(w), -0.5 * 0.25 + 0.5 * old * old, 1e-12);
    CHECK(value(up, 2) == 0.5 && value(up, 7) == value(tr, 7));
}

int main(void) {
    RUN(test_reversed);
    return check_finish();
}
