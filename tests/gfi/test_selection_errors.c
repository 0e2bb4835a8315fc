/* test_selection_errors.c — gen_project and gen_regenerate reject a selection naming an
 * address the trace lacks, with the full address path in the message (also below a
 * call); a call's namespace, values, all / none and complements are fine; regenerate
 * also accepts an address only the new trace has; failures leave nothing behind. */
#include <string.h>

#include "../testutil/check.h"
#include "gfi_models.h"

static gen_selection *sel1(const char *path) { return gen_select_paths(1, &path); }

static const gen_array *at(const gen_trace *tr, const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return gen_choicemap_find(gen_trace_choices(tr), &a);
}

/* The pending message starts with prefix (the outermost operation reports it). */
static void check_starts(const char *prefix) {
    check_count++;
    if (strncmp(gen_error_message(), prefix, strlen(prefix)) != 0)
        check_fail(__FILE__, __LINE__, "message \"%s\" does not start with \"%s\"",
                   gen_error_message(), prefix);
}

/* n = args[0] (0-d i64): x/i ~ N(0, 1) for i < n. */
static gen_status counted(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    int64_t n = 0;
    gen_status s = gen_item_i64(args->v[0], &n);
    if (s != GEN_OK) return s;
    gen_sym x = gen_intern("x");
    for (int64_t i = 0; i < n; i++) {
        gen_addr a = {2, {gen_part_sym(x), gen_part_int(i)}};
        *retval = gen_choose_at(ctx, &a, gen_normal(gen_scalar(0), gen_scalar(1)));
    }
    return gen_ctx_status(ctx);
}

static void test_project(void) {
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &tr));
    if (!tr) return;
    double score = check_item(gen_trace_score(tr));
    gen_array *w = NULL;
    /* present: values, a call's namespace, a value inside it */
    CHECK_OK(gen_project(tr, sel1("m"), &w));
    CHECK_OK(gen_project(tr, sel1("sub"), &w));
    double ws = check_item(w);
    CHECK_OK(gen_project(tr, sel1("sub/z"), &w));
    double wz = check_item(w);
    CHECK_OK(gen_project(tr, sel1("sub/w"), &w));
    CHECK_CLOSE(ws, wz + check_item(w), 1e-12);
    /* missing: at the top, below a call (the full path, from the outermost call), below a
     * value, in a union */
    CHECK_ERROR(gen_project(tr, sel1("q"), &w),
                "gen_project: with_call: the selection names q, which the trace does not have");
    CHECK(w == NULL);
    gen_status s = gen_project(tr, sel1("sub/q"), &w);
    check_starts("gen_project: with_call: the selection names sub/q,");
    CHECK_ERROR(s, "the selection names sub/q, which the trace does not have");
    CHECK_ERROR(gen_project(tr, sel1("m/1"), &w), "the selection names m/1, which");
    const char *two[] = {"y/7", "m"};
    CHECK_ERROR(gen_project(tr, gen_selection_union(sel1("sub"), gen_select_paths(2, two)), &w),
                "the selection names y/7, which the trace does not have");
    /* naming nothing: all, none, complements of missing addresses */
    CHECK_OK(gen_project(tr, gen_selection_complement(sel1("q")), &w));
    CHECK_CLOSE(check_item(w), score, 1e-12);
    CHECK_OK(gen_project(tr, gen_selection_complement(sel1("sub/q")), &w));
    CHECK_CLOSE(check_item(w), score, 1e-12);
    CHECK_OK(gen_project(tr, gen_select_all(), &w));
    CHECK_OK(gen_project(tr, gen_select_none(), &w));
    /* everything but x, plus x/y: names x/y; everything but q, plus x/y: names nothing */
    CHECK_ERROR(gen_project(tr, gen_selection_union(sel1("x/y"), gen_selection_complement(sel1("x"))),
                            &w),
                "the selection names x/y, which the trace does not have");
    CHECK_OK(gen_project(tr, gen_selection_union(sel1("x/y"), gen_selection_complement(sel1("q"))),
                         &w));
    /* a missing address in a union with all is swallowed by all: nothing named */
    CHECK_OK(gen_project(tr, gen_selection_union(sel1("q"), gen_select_all()), &w));
}

static void test_regenerate(void) {
    gen_gf *f = gen_dynamic("counted", counted);
    gen_array *three = gen_scalar_i64(3), *five = gen_scalar_i64(5);
    gen_args a3 = {1, &three, NULL}, a5 = {1, &five, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), &a3, &tr));
    gen_array *w = NULL, *w3 = NULL;
    gen_diff rd = gen_diff_no_change();
    /* x/4: only in the new trace, which is fine; it is new anyway, so selecting it
     * changes nothing against selecting none */
    CHECK_OK(gen_regenerate(tr, gen_key_new(2), &a5, NULL, sel1("x/4"), &t2, &w, &rd));
    CHECK_OK(gen_regenerate(tr, gen_key_new(2), &a5, NULL, gen_select_none(), &t3, &w3, NULL));
    if (!t2 || !t3) return;
    CHECK(check_item(w) == check_item(w3) && rd.kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_choicemap_equal(gen_trace_choices(t2), gen_trace_choices(t3)));
    CHECK(gen_choicemap_count(gen_trace_choices(t2)) == 5);
    CHECK_OK(gen_regenerate(tr, gen_key_new(2), &a5, NULL, sel1("x/4"), &t2, NULL, NULL));
    /* x/1: in the old trace only (the new run has one choice) */
    gen_array *one = gen_scalar_i64(1);
    gen_args a1 = {1, &one, NULL};
    CHECK_OK(gen_regenerate(tr, gen_key_new(3), &a1, NULL, sel1("x/1"), &t2, &w, NULL));
    CHECK(t2 && gen_choicemap_count(gen_trace_choices(t2)) == 1);
    /* in neither: failure, nothing returned */
    t2 = NULL;
    w = NULL;
    rd = gen_diff_no_change();
    CHECK_ERROR(gen_regenerate(tr, gen_key_new(2), &a5, NULL, sel1("x/7"), &t2, &w, &rd),
                "gen_regenerate: counted: the selection names x/7, which neither the trace nor "
                "the new trace has");
    CHECK(t2 == NULL && w == NULL && rd.kind == GEN_DIFF_UNKNOWN);
    CHECK_ERROR(gen_regenerate(tr, gen_key_new(2), &a3, NULL, sel1("x/4"), &t2, &w, NULL),
                "the selection names x/4, which neither");
    CHECK_ERROR(gen_regenerate(tr, gen_key_new(2), &a3, NULL, sel1("y"), &t2, &w, NULL),
                "the selection names y, which neither");
    /* present: no change to the usual path */
    CHECK_OK(gen_regenerate(tr, gen_key_new(2), &a3, NULL, sel1("x/0"), &t2, &w, NULL));
    CHECK(t2 && check_item(at(t2, "x/1")) == check_item(at(tr, "x/1")));
}

/* Below a call the outermost regenerate names the full path. */
static void test_regenerate_nested(void) {
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(4), NULL, &tr));
    gen_status s = gen_regenerate(tr, gen_key_new(5), NULL, NULL, sel1("sub/q"), &t2, &w, NULL);
    check_starts("gen_regenerate: with_call: the selection names sub/q,");
    CHECK_ERROR(s, "the selection names sub/q, which neither the trace nor the new trace has");
    CHECK(t2 == NULL && w == NULL);
    CHECK_OK(gen_regenerate(tr, gen_key_new(5), NULL, NULL, sel1("sub/z"), &t2, &w, NULL));
    CHECK(t2 && check_item(at(t2, "sub/w")) == check_item(at(tr, "sub/w")));
    CHECK(t2 && check_item(at(t2, "sub/z")) != check_item(at(tr, "sub/z")));
    /* the error does not stick: a later nested project is checked again */
    CHECK_ERROR(gen_project(tr, sel1("sub/q"), &w), "the selection names sub/q");
}

/* With no scope open, the rare path (an address only the new trace has) hands the
 * results to the caller, and its failure leaves nothing (valgrind checks both). */
static void test_no_scope(void) {
    gen_scope_end(); /* RUN opened one */
    gen_gf *f = gen_dynamic("counted", counted);
    gen_array *three = gen_scalar_i64(3), *five = gen_scalar_i64(5);
    gen_args a3 = {1, &three, NULL}, a5 = {1, &five, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    gen_selection *s4 = sel1("x/4"), *s7 = sel1("x/7");
    CHECK_OK(gen_simulate(f, gen_key_new(1), &a3, &tr));
    CHECK_OK(gen_regenerate(tr, gen_key_new(2), &a5, NULL, s4, &t2, &w, NULL));
    CHECK(t2 && w);
    gen_trace_release(t2);
    gen_array_release(w);
    t2 = NULL, w = NULL;
    CHECK_ERROR(gen_regenerate(tr, gen_key_new(2), &a5, NULL, s7, &t2, &w, NULL),
                "the selection names x/7");
    CHECK(t2 == NULL && w == NULL);
    gen_selection_release(s4);
    gen_selection_release(s7);
    gen_trace_release(tr);
    gen_array_release(three);
    gen_array_release(five);
    gen_gf_release(f);
    gen_scope_begin();
}

int main(void) {
    RUN(test_project);
    RUN(test_regenerate);
    RUN(test_regenerate_nested);
    RUN(test_no_scope);
    return check_finish();
}
