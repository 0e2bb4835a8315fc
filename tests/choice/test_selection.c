/* test_selection.c — selections (all, none, sets of addresses, complement, union,
 * subselections, membership) and restricting choice maps to them and their complements. */
#include <string.h>

#include "check.h"

static gen_addr A(const char *s) {
    gen_addr a = {0};
    CHECK_OK(gen_addr_parse(&a, s));
    return a;
}

static bool in(const gen_selection *s, const char *path) {
    gen_addr a = A(path);
    return gen_selection_contains(s, &a);
}

static gen_selection *sel(int n, const char *const *paths) {
    gen_selection *s = gen_select_paths(n, paths);
    CHECK(s != NULL);
    return s;
}

static void test_all_none(void) {
    gen_selection *all = gen_select_all(), *none = gen_select_none();
    CHECK(gen_selection_is_all(all) && gen_selection_is_none(none));
    CHECK(in(all, "") && in(all, "a/1/b") && !in(none, "") && !in(none, "a"));
    CHECK(gen_selection_sub(all, gen_part_int(3)) == all);
    CHECK(gen_selection_sub(none, gen_part_int(3)) == none);
    CHECK(gen_selection_complement(all) == none && gen_selection_complement(none) == all);
    CHECK(gen_select(0, NULL) == none);
    const char *root[] = {""};
    CHECK(sel(1, root) == all);
    gen_selection_release(gen_selection_retain(all)); /* immortal */
}

static void test_set(void) {
    const char *p[] = {"y/3", "x", "y/3/deep", "z/a/1"};
    gen_selection *s = sel(4, p);
    CHECK(in(s, "x") && in(s, "x/anything/below") && in(s, "y/3") && in(s, "y/3/q"));
    CHECK(!in(s, "y") && !in(s, "y/4") && !in(s, "") && !in(s, "z/a") && in(s, "z/a/1"));
    CHECK(!in(s, "w"));
    const gen_selection *y = gen_selection_sub(s, gen_part_name("y"));
    CHECK(!gen_selection_is_all(y) && !gen_selection_is_none(y));
    CHECK(gen_selection_is_all(gen_selection_sub(y, gen_part_int(3))));
    CHECK(gen_selection_is_none(gen_selection_sub(y, gen_part_int(4))));
    CHECK(gen_selection_is_all(gen_selection_sub(s, gen_part_name("x"))));
    CHECK(gen_selection_is_none(gen_selection_sub(s, gen_part_name("w"))));
    /* From gen_addr values directly, duplicates allowed. */
    gen_addr as[3] = {A("b/2"), A("b/2"), A("a")};
    gen_selection *t = gen_select(3, as);
    CHECK(in(t, "b/2") && in(t, "a/9") && !in(t, "b") && !in(t, "b/1"));
}

static void test_complement_union(void) {
    const char *p[] = {"y/3", "x"};
    gen_selection *s = sel(2, p);
    gen_selection *c = gen_selection_complement(s);
    const char *probe[] = {"", "x", "x/1", "y", "y/3", "y/3/a", "y/4", "w", "w/1"};
    for (int i = 0; i < 9; i++) CHECK(in(c, probe[i]) == !in(s, probe[i]));
    CHECK(gen_selection_is_none(gen_selection_sub(c, gen_part_name("x"))));
    CHECK(gen_selection_is_all(gen_selection_sub(c, gen_part_name("w"))));
    gen_selection *cc = gen_selection_complement(c);
    for (int i = 0; i < 9; i++) CHECK(in(cc, probe[i]) == in(s, probe[i]));
    const char *q[] = {"y/4", "w"};
    gen_selection *t = sel(2, q);
    gen_selection *u = gen_selection_union(s, t);
    for (int i = 0; i < 9; i++) CHECK(in(u, probe[i]) == (in(s, probe[i]) || in(t, probe[i])));
    CHECK(gen_selection_is_all(gen_selection_union(s, c)));
    CHECK(gen_selection_union(s, gen_select_none()) == s);
    CHECK(gen_selection_is_all(gen_selection_union(gen_select_all(), s)));
    gen_selection *uc = gen_selection_union(c, t); /* complement-based nodes union too */
    for (int i = 0; i < 9; i++) CHECK(in(uc, probe[i]) == (in(c, probe[i]) || in(t, probe[i])));
    /* y/3 and y/4 selected, y/5 not; union of everything under y collapses to all. */
    const char *ys[] = {"y"};
    CHECK(gen_selection_is_all(gen_selection_sub(gen_selection_union(u, sel(1, ys)), gen_part_name("y"))));
}

static void test_errors(void) {
    const char *bad[] = {"ok", "y//z"};
    CHECK(gen_select_paths(2, bad) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_select_paths: path 1: gen_addr_parse: empty part in \"y//z\"");
    CHECK(gen_select(-1, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_select: negative count");
    CHECK(gen_select(2, NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_select: NULL addresses");
    gen_addr inv = {.len = 1};
    CHECK(gen_select(1, &inv) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_select: address 0 is invalid");
    CHECK(gen_selection_complement(NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_selection_complement: the selection is NULL");
    CHECK(gen_selection_union(gen_select_all(), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_selection_union: the selection is NULL");
    CHECK(gen_choicemap_restrict(gen_choicemap_empty(), NULL) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_restrict: the selection is NULL");
    CHECK(gen_choicemap_restrict_complement(NULL, gen_select_all()) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_restrict_complement: the map is NULL");
    CHECK(!gen_selection_contains(NULL, NULL));
}

static gen_choicemap *sample_map(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    const char *p[] = {"x", "y/1", "y/2", "y/3", "z/a/b", "z/a/c", "z/d"};
    for (int i = 0; i < 7; i++) {
        gen_addr a = A(p[i]);
        CHECK_OK(gen_choicemap_builder_set(b, &a, gen_scalar(i)));
    }
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    return m;
}

static const gen_choicemap *sub(const gen_choicemap *m, const char *path) {
    gen_addr a = A(path);
    return gen_choicemap_get_submap(m, &a);
}

static void test_restrict(void) {
    gen_choicemap *m = sample_map();
    const char *p[] = {"y/2", "z/a", "x/below", "w"};
    gen_selection *s = sel(4, p);
    gen_choicemap *r = gen_choicemap_restrict(m, s);
    gen_choicemap *rc = gen_choicemap_restrict_complement(m, s);
    CHECK(gen_choicemap_count(r) == 3 && gen_choicemap_count(rc) == 4);
    gen_addr y2 = A("y/2"), x = A("x"), zd = A("z/d");
    CHECK(gen_choicemap_has_value(r, &y2) && !gen_choicemap_has_value(r, &x));
    CHECK(gen_choicemap_has_value(rc, &x) && gen_choicemap_has_value(rc, &zd) && !gen_choicemap_has_value(rc, &y2));
    CHECK(sub(r, "z/a") == sub(m, "z/a")); /* kept whole: shared */
    CHECK(sub(rc, "y/1") == sub(m, "y/1"));
    CHECK(gen_choicemap_equal(gen_choicemap_merge(r, rc), m)); /* a partition */
    /* The complement selection restricts like restrict_complement. */
    CHECK(gen_choicemap_equal(gen_choicemap_restrict(m, gen_selection_complement(s)), rc));
    CHECK(gen_choicemap_restrict(m, gen_select_all()) == m);
    CHECK(gen_choicemap_is_empty(gen_choicemap_restrict(m, gen_select_none())));
    CHECK(gen_choicemap_restrict_complement(m, gen_select_none()) == m);
    /* A selection that changes nothing returns the same map. */
    const char *every[] = {"x", "y", "z"};
    CHECK(gen_choicemap_restrict(m, sel(3, every)) == m);
    /* A value map at the root: selected only when the root is. */
    gen_choicemap *leaf = gen_choicemap_of_value(gen_scalar(1));
    CHECK(gen_choicemap_is_empty(gen_choicemap_restrict(leaf, s)));
    CHECK(gen_choicemap_restrict_complement(leaf, s) == leaf);
}

int main(void) {
    RUN(test_all_none);
    RUN(test_set);
    RUN(test_complement_union);
    RUN(test_errors);
    RUN(test_restrict);
    return check_finish();
}
