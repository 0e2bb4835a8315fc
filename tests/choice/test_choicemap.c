/* test_choicemap.c — choice maps: builder and persistent set (values, replacement,
 * structural sharing), get/has/submap, shallow and deep iteration order, merge, equality,
 * scopes, every error path, and out-of-memory at every allocation (nothing leaks). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "oom.h"

static gen_addr A(const char *s) {
    gen_addr a = {0};
    CHECK_OK(gen_addr_parse(&a, s));
    return a;
}

static double get(const gen_choicemap *m, const char *path) {
    gen_addr a = A(path);
    const gen_array *v = gen_choicemap_get_value(m, &a);
    return v ? check_item(v) : NAN;
}

static const gen_choicemap *sub(const gen_choicemap *m, const char *path) {
    gen_addr a = A(path);
    return gen_choicemap_get_submap(m, &a);
}

static gen_choicemap *set(const gen_choicemap *m, const char *path, double v) {
    gen_addr a = A(path);
    return gen_choicemap_set(m, &a, gen_scalar(v));
}

static void bset(gen_choicemap_builder *b, const char *path, gen_array *v) {
    gen_addr a = A(path);
    CHECK_OK(gen_choicemap_builder_set(b, &a, v));
}

/* x=1, y/0=2, y/1=3, z/a/b=[1,2] */
static gen_choicemap *small_map(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    bset(b, "x", gen_scalar(1));
    bset(b, "y/1", gen_scalar(3));
    bset(b, "y/0", gen_scalar(2));
    bset(b, "z/a/b", gen_array_from_f64(GEN_DIMS(2), (double[]){1, 2}));
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    return m;
}

static void test_builder_get(void) {
    gen_choicemap *m = small_map();
    CHECK(m && gen_choicemap_count(m) == 4 && !gen_choicemap_is_empty(m));
    CHECK(get(m, "x") == 1 && get(m, "y/0") == 2 && get(m, "y/1") == 3);
    gen_addr zab = A("z/a/b"), y = A("y"), y2 = A("y/2"), root = {0};
    const gen_array *v = gen_choicemap_get_value(m, &zab);
    CHECK_ARRAY(v, ((double[]){1, 2}), 2, 0, 0);
    CHECK(gen_choicemap_find(m, &zab) == v && gen_choicemap_has_value(m, &zab));
    CHECK(!gen_choicemap_has_value(m, &y) && !gen_choicemap_has_value(m, &y2));
    CHECK(gen_choicemap_find(m, &y2) == NULL && gen_error_status() == GEN_OK);
    const gen_choicemap *sy = gen_choicemap_get_submap(m, &y);
    CHECK(gen_choicemap_count(sy) == 2 && !gen_choicemap_is_value(sy));
    CHECK(gen_choicemap_get_submap(m, &root) == m);
    CHECK(gen_choicemap_is_empty(gen_choicemap_get_submap(m, &y2)));
    CHECK(gen_choicemap_is_empty(sub(m, "x/deeper"))); /* below a value: nothing */
    const gen_choicemap *sx = sub(m, "x");
    CHECK(gen_choicemap_is_value(sx) && check_item(gen_choicemap_value(sx)) == 1);
    CHECK(gen_choicemap_child(sy, gen_part_int(1)) == sub(m, "y/1"));
    CHECK(gen_choicemap_is_empty(gen_choicemap_child(sy, gen_part_int(5))));
    CHECK(gen_choicemap_value(m) == NULL);
    /* A value at the root: the map of a single choice. */
    gen_choicemap *leaf = gen_choicemap_of_value(gen_scalar(7));
    CHECK(gen_choicemap_is_value(leaf) && gen_choicemap_count(leaf) == 1);
    CHECK(check_item(gen_choicemap_get_value(leaf, &root)) == 7);
    gen_choicemap *e = gen_choicemap_empty();
    CHECK(gen_choicemap_is_empty(e) && gen_choicemap_count(e) == 0 && gen_choicemap_num_children(e) == 0);
    gen_choicemap_release(gen_choicemap_retain(e)); /* harmless on the immortal empty map */
}

static void test_builder_big(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    gen_addr a = A("y");
    for (int i = 9999; i >= 0; i--) { /* reverse order: finish sorts */
        a.len = 1;
        CHECK_OK(gen_addr_push(&a, gen_part_int(i)));
        gen_choicemap_builder_set(b, &a, gen_scalar(i));
    }
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    CHECK(gen_choicemap_count(m) == 10000);
    const gen_choicemap *y = sub(m, "y");
    CHECK(gen_choicemap_num_children(y) == 10000);
    int bad = 0;
    for (int i = 0; i < 10000; i++) {
        gen_part p;
        const gen_choicemap *c = gen_choicemap_child_at(y, i, &p);
        bad += gen_part_get_int(p) != i || check_item(gen_choicemap_value(c)) != i;
    }
    CHECK(bad == 0);
    CHECK(get(m, "y/4321") == 4321);
    CHECK(gen_choicemap_child_at(y, 10000, NULL) == NULL && gen_choicemap_child_at(y, -1, NULL) == NULL);
    /* The builder is reusable after finish. */
    bset(b, "q", gen_scalar(1));
    gen_choicemap *m2 = gen_choicemap_builder_finish(b);
    CHECK(gen_choicemap_count(m2) == 1 && get(m2, "q") == 1);
    gen_choicemap *m3 = gen_choicemap_builder_finish(b);
    CHECK(gen_choicemap_is_empty(m3));
    gen_choicemap_builder_free(b);
}

static void test_builder_replace(void) {
    gen_choicemap *sm = small_map();
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    bset(b, "y/0", gen_scalar(1));
    bset(b, "y/0", gen_scalar(5)); /* later wins */
    bset(b, "w/0", gen_scalar(1));
    bset(b, "w", gen_scalar(9)); /* a value replaces the subtree */
    gen_addr s = A("s"), y = A("y"), se = A("s/extra"), zz = A("s/z/a/zz");
    CHECK_OK(gen_choicemap_builder_set_submap(b, &s, sm));
    CHECK_OK(gen_choicemap_builder_set(b, &se, gen_scalar(4))); /* thaws s */
    CHECK_OK(gen_choicemap_builder_set(b, &zz, gen_scalar(6)));
    bset(b, "gone/1", gen_scalar(1));
    gen_addr gone = A("gone");
    CHECK_OK(gen_choicemap_builder_set_submap(b, &gone, gen_choicemap_empty()));
    gen_addr w1 = A("w/1");
    CHECK(gen_choicemap_builder_set(b, &w1, gen_scalar(1)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_choicemap_builder_set: w is a value, cannot set w/1 below it");
    gen_addr sx1 = A("s/x/1");
    CHECK(gen_choicemap_builder_set(b, &sx1, gen_scalar(1)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "s/x is a value, cannot set s/x/1");
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    CHECK(get(m, "y/0") == 5 && get(m, "w") == 9);
    CHECK(gen_choicemap_count(sub(m, "s")) == 6);
    CHECK(get(m, "s/extra") == 4 && get(m, "s/z/a/zz") == 6 && get(m, "s/y/1") == 3);
    CHECK(sub(m, "s/y") == sub(sm, "y")); /* untouched parts of a set submap are shared */
    CHECK(gen_choicemap_is_empty(sub(m, "gone")));
    CHECK(gen_choicemap_count(m) == 8);
    (void)y;
}

static void test_persistent_set(void) {
    gen_choicemap *m = small_map();
    gen_choicemap *m2 = set(m, "x", 5);
    CHECK(get(m, "x") == 1 && get(m2, "x") == 5 && gen_choicemap_count(m2) == 4);
    CHECK(sub(m2, "y") == sub(m, "y") && sub(m2, "z") == sub(m, "z")); /* shared */
    gen_choicemap *m3 = set(m2, "y/7", 8);
    CHECK(gen_choicemap_count(m3) == 5 && get(m3, "y/7") == 8);
    CHECK(sub(m3, "y/0") == sub(m, "y/0") && sub(m3, "z/a") == sub(m, "z/a"));
    CHECK(sub(m3, "y") != sub(m, "y") && gen_choicemap_count(sub(m, "y")) == 2);
    gen_choicemap *m4 = set(m3, "z", 0); /* replaces the subtree */
    CHECK(gen_choicemap_count(m4) == 5 && get(m4, "z") == 0);
    gen_choicemap *m5 = set(m4, "z", 0);
    CHECK(gen_choicemap_equal(m4, m5) && m4 != m5);
    gen_addr root = {0}, y = A("y"), y0 = A("y/0"), q = A("q/r");
    gen_choicemap *r = gen_choicemap_set(m, &root, gen_scalar(3));
    CHECK(gen_choicemap_is_value(r) && gen_choicemap_count(r) == 1);
    gen_choicemap *e = gen_choicemap_set(gen_choicemap_empty(), &q, gen_scalar(1));
    CHECK(gen_choicemap_count(e) == 1 && get(e, "q/r") == 1);
    /* set_submap and remove */
    gen_choicemap *s = gen_choicemap_set_submap(m, &q, m);
    CHECK(gen_choicemap_count(s) == 8 && sub(s, "q/r") == m);
    gen_choicemap *rm = gen_choicemap_remove(m, &y0);
    CHECK(gen_choicemap_count(rm) == 3 && !gen_choicemap_has_value(rm, &y0));
    gen_choicemap *rm2 = gen_choicemap_remove(rm, &y);
    CHECK(gen_choicemap_count(rm2) == 2 && gen_choicemap_num_children(rm2) == 2);
    gen_choicemap *rm3 = gen_choicemap_remove(m, &q); /* absent: same contents */
    CHECK(rm3 == m);
    gen_addr xdeep = A("x/1");
    CHECK(gen_choicemap_remove(m, &xdeep) == m);
    gen_choicemap *all_gone = gen_choicemap_remove(m, &root);
    CHECK(gen_choicemap_is_empty(all_gone));
    gen_choicemap *cleared = gen_choicemap_set_submap(m, &y, gen_choicemap_empty());
    CHECK(gen_choicemap_count(cleared) == 2);
}

static void test_set_errors(void) {
    gen_choicemap *m = small_map();
    gen_addr x1 = A("x/1"), y = A("y"), root = {0};
    CHECK(gen_choicemap_set(m, &x1, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_choicemap_set: x is a value, cannot set x/1 below it");
    gen_choicemap *leaf = gen_choicemap_of_value(gen_scalar(1));
    CHECK(gen_choicemap_set(leaf, &y, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "(root) is a value, cannot set y below it");
    CHECK(gen_choicemap_set(m, &y, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_set: the value is NULL");
    CHECK(gen_choicemap_set(NULL, &y, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_set: the map is NULL");
    CHECK(gen_choicemap_set(m, NULL, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "the address is NULL");
    gen_addr bad = {.len = 1};
    CHECK(gen_choicemap_set(m, &bad, gen_scalar(1)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "part 0 of the address is invalid");
    bad.len = 40;
    CHECK(gen_choicemap_get_submap(m, &bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "the address has 40 parts");
    CHECK(gen_choicemap_set_submap(m, &y, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "the submap is NULL");
    /* A NULL from an earlier failure propagates with its error kept. */
    gen_choicemap *f = gen_choicemap_set(m, &x1, gen_scalar(1));
    CHECK(gen_choicemap_set(f, &y, gen_scalar(2)) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "x is a value");
    CHECK(gen_choicemap_of_value(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "the value is NULL");
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    CHECK(gen_choicemap_builder_set(b, &y, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_builder_set: the value is NULL");
    CHECK(gen_choicemap_builder_set(NULL, &y, gen_scalar(1)) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "the builder is NULL");
    CHECK(gen_choicemap_builder_set(b, &bad, gen_scalar(1)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "40 parts");
    CHECK(gen_choicemap_builder_set_submap(b, &y, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "the submap is NULL");
    CHECK(gen_choicemap_builder_finish(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "the builder is NULL");
    gen_choicemap_builder_free(b);
    gen_choicemap_builder_free(NULL);
    (void)root;
}

static void test_get_errors(void) {
    gen_choicemap *m = small_map();
    gen_addr y7 = A("y/7"), y = A("y"), x1 = A("x/1"), root = {0};
    CHECK(gen_choicemap_get_value(m, &y7) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "choicemap: no value at y/7");
    CHECK(gen_choicemap_get_value(m, &y) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "choicemap: no value at y (it holds a map of 2 values)");
    CHECK(gen_choicemap_get_value(m, &x1) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "no value at x/1");
    CHECK(gen_choicemap_get_value(gen_choicemap_empty(), &root) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "no value at (root)");
    CHECK(gen_choicemap_get_value(NULL, &y) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_get_value: the map is NULL");
    CHECK(gen_choicemap_find(NULL, &y) == NULL && !gen_choicemap_has_value(m, NULL));
}

/* Formats the deep iteration of m into one string "a=v;b=v;". */
static void deep_string(const gen_choicemap *m, char *out, size_t n) {
    out[0] = '\0';
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (gen_choicemap_iter_next(&it)) {
        char a[GEN_ADDR_FORMAT_MAX], e[300];
        gen_addr_format(&it.addr, a, sizeof a);
        snprintf(e, sizeof e, "%s=%g;", a, gen_array_size(it.value) == 1 ? check_item(it.value) : -1.0);
        strncat(out, e, n - strlen(out) - 1);
    }
}

static gen_status count_until(void *ud, const gen_addr *a, const gen_array *v) {
    (void)a, (void)v;
    return ++*(int *)ud == 3 ? GEN_ERR_CALLBACK : GEN_OK;
}

static void test_iteration_order(void) {
    /* Symbols order by first interning: ord_c, ord_a, ord_b. */
    gen_intern("ord_c");
    gen_intern("ord_a");
    gen_intern("ord_b");
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    bset(b, "ord_a/2", gen_scalar(1));
    bset(b, "ord_b", gen_scalar(2));
    bset(b, "ord_a/-1/ord_b", gen_scalar(3));
    bset(b, "ord_a/-1/ord_c", gen_scalar(4));
    bset(b, "10", gen_scalar(5));
    bset(b, "ord_c", gen_scalar(6));
    bset(b, "-3", gen_scalar(7));
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    char s[1024];
    deep_string(m, s, sizeof s);
    const char *want = "-3=7;10=5;ord_c=6;ord_a/-1/ord_c=4;ord_a/-1/ord_b=3;ord_a/2=1;ord_b=2;";
    if (strcmp(s, want) != 0) printf("  deep order: %s\n  want:       %s\n", s, want);
    CHECK(strcmp(s, want) == 0);
    /* Shallow iteration. */
    const char *names[] = {"-3", "10", "ord_c", "ord_a", "ord_b"};
    CHECK(gen_choicemap_num_children(m) == 5);
    for (int i = 0; i < 5; i++) {
        gen_part p;
        char buf[32];
        CHECK(gen_choicemap_child_at(m, i, &p) != NULL);
        gen_part_format(p, buf, sizeof buf);
        CHECK(strcmp(buf, names[i]) == 0);
    }
    /* Iterating a value map gives the root address; the empty map gives nothing. */
    gen_choicemap *leaf = gen_choicemap_of_value(gen_scalar(2));
    deep_string(leaf, s, sizeof s);
    CHECK(strcmp(s, "=2;") == 0);
    deep_string(gen_choicemap_empty(), s, sizeof s);
    CHECK(strcmp(s, "") == 0);
    int n = 0;
    CHECK(gen_choicemap_foreach(m, count_until, &n) == GEN_ERR_CALLBACK && n == 3);
    CHECK(gen_choicemap_foreach(m, NULL, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "the callback is NULL");
}

static void test_merge(void) {
    gen_choicemap *a = small_map();
    gen_choicemap *b = set(set(gen_choicemap_empty(), "y/5", 10), "w", 11);
    gen_choicemap *m = gen_choicemap_merge(a, b);
    CHECK(gen_choicemap_count(m) == 6 && get(m, "y/5") == 10 && get(m, "w") == 11 && get(m, "y/0") == 2);
    CHECK(sub(m, "z") == sub(a, "z") && sub(m, "w") == sub(b, "w") && sub(m, "y/0") == sub(a, "y/0"));
    CHECK(gen_choicemap_merge(a, gen_choicemap_empty()) == a);
    CHECK(gen_choicemap_merge(gen_choicemap_empty(), b) == b);
    gen_choicemap *c = set(gen_choicemap_empty(), "y/1", 0);
    CHECK(gen_choicemap_merge(a, c) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "choicemap merge: both maps have a value at y/1");
    gen_choicemap *d = set(gen_choicemap_empty(), "y", 0);
    CHECK(gen_choicemap_merge(a, d) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "choicemap merge: the second map has a value at y where the other has choices");
    CHECK(gen_choicemap_merge(d, a) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "the first map has a value at y");
    CHECK(gen_choicemap_merge(a, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_merge: the second map is NULL");
    /* Merge is the union: merging the halves of a split gives back the map. */
    gen_choicemap *left = set(set(gen_choicemap_empty(), "x", 1), "y/0", 2);
    gen_addr zab = A("z/a/b");
    gen_choicemap *rest = gen_choicemap_set(set(gen_choicemap_empty(), "y/1", 3), &zab,
                                            gen_choicemap_find(a, &zab));
    CHECK(gen_choicemap_equal(gen_choicemap_merge(left, rest), a));
    CHECK(!gen_choicemap_equal(left, a) && !gen_choicemap_equal(a, NULL));
}

static gen_choicemap *make_kept(void) {
    gen_scope_begin();
    gen_choicemap *m = small_map();
    gen_choicemap *r = gen_choicemap_scope_return(set(m, "k", 1));
    gen_scope_end();
    return r;
}

static void test_scopes(void) {
    gen_choicemap *r = make_kept(); /* owned by RUN's scope */
    CHECK(gen_choicemap_count(r) == 5 && get(r, "y/1") == 3);
    int d = gen_scope_depth();
    for (int i = 0; i < d; i++) gen_scope_end();
    /* No scope open: the caller owns what it creates. */
    gen_array *v = gen_scalar(2);
    gen_addr a = A("a/1");
    gen_choicemap *m = gen_choicemap_set(gen_choicemap_empty(), &a, v);
    gen_array_release(v);
    gen_choicemap *m2 = gen_choicemap_retain(m);
    gen_choicemap_release(m);
    CHECK(get(m2, "a/1") == 2);
    gen_choicemap_release(m2);
    CHECK(gen_choicemap_scope_return(NULL) == NULL);
    for (int i = 0; i < d; i++) gen_scope_begin();
}

/* ---- out of memory: every allocation of a workload fails in turn ---- */


static gen_status workload(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    if (!b) return gen_error_status();
    gen_addr a = A("y");
    gen_status st = GEN_OK;
    for (int i = 0; i < 20 && st == GEN_OK; i++) {
        a.len = 1;
        gen_addr_push(&a, gen_part_int(i % 2 ? i : 19 - i));
        gen_array *v = gen_scalar(i);
        st = v ? gen_choicemap_builder_set(b, &a, v) : gen_error_status();
    }
    gen_choicemap *m = st == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap_builder_free(b);
    if (!m) return gen_error_status();
    gen_addr w = A("w/1/2");
    gen_array *v = gen_scalar(1);
    gen_choicemap *m2 = v ? gen_choicemap_set(gen_choicemap_empty(), &w, v) : NULL;
    gen_choicemap *m3 = gen_choicemap_merge(m2, gen_choicemap_remove(m, &a));
    const char *paths[] = {"y/3", "w"};
    gen_selection *s = gen_select_paths(2, paths);
    gen_choicemap *r = s ? gen_choicemap_restrict_complement(m3, gen_selection_complement(s)) : NULL;
    gen_selection *u = gen_selection_union(s, gen_selection_complement(s));
    gen_array *f = gen_choicemap_flatten(r, u);
    gen_choicemap *back = f ? gen_choicemap_unflatten(r, NULL, f) : NULL;
    char *js = back ? gen_choicemap_to_json(back) : NULL;
    gen_choicemap *from = js ? gen_choicemap_from_json(js) : NULL;
    gen_choicemap_json_free(js);
    if (!from) return gen_error_status();
    return gen_choicemap_count(from) == 2 ? GEN_OK : GEN_ERR_INTERNAL;
}

static void test_out_of_memory(void) { CHECK_OOM(workload, 11); }

int main(void) {
    RUN(test_builder_get);
    RUN(test_builder_big);
    RUN(test_builder_replace);
    RUN(test_persistent_set);
    RUN(test_set_errors);
    RUN(test_get_errors);
    RUN(test_iteration_order);
    RUN(test_merge);
    RUN(test_scopes);
    RUN(test_out_of_memory);
    return check_finish();
}
