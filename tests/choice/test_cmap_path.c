/* test_cmap_path.c — the path forms of the choice-map calls (gen_choicemap_get_path,
 * gen_choicemap_set_path, gen_choicemap_builder_set_path): each equals its gen_addr form
 * on the parsed path (integer and symbol parts, escapes, the root), set is persistent,
 * and every error names the call and the path. */
#include "check.h"

static gen_addr A(const char *s) {
    gen_addr a = {0};
    CHECK_OK(gen_addr_parse(&a, s));
    return a;
}

static const char *const paths[] = {"mu", "y/0", "y/3", "y/-2", "obs/x/7", "a\\/b", "\\3"};
enum { NP = sizeof paths / sizeof paths[0] };

/* The builder by path and by parsed address give equal maps; get_path reads each value
 * back, and the parsed parts are what the syntax says (y/3: an integer, \3: a symbol). */
static void test_build_and_get(void) {
    gen_choicemap_builder *bp = gen_choicemap_builder_new(), *ba = gen_choicemap_builder_new();
    for (int i = 0; i < NP; i++) {
        CHECK_OK(gen_choicemap_builder_set_path(bp, paths[i], gen_scalar(10.0 + i)));
        gen_addr a = A(paths[i]);
        CHECK_OK(gen_choicemap_builder_set(ba, &a, gen_scalar(10.0 + i)));
    }
    CHECK_OK(gen_choicemap_builder_set_path(bp, "y/3", gen_scalar(99))); /* replaces */
    gen_addr y3 = A("y/3");
    CHECK_OK(gen_choicemap_builder_set(ba, &y3, gen_scalar(99)));
    gen_choicemap *mp = gen_choicemap_builder_finish(bp), *ma = gen_choicemap_builder_finish(ba);
    gen_choicemap_builder_free(bp);
    gen_choicemap_builder_free(ba);
    CHECK(gen_choicemap_equal(mp, ma));
    CHECK(gen_choicemap_count(mp) == NP);
    for (int i = 0; i < NP; i++) {
        const gen_array *v = gen_choicemap_get_path(mp, paths[i]);
        CHECK(v && check_item(v) == (i == 2 ? 99.0 : 10.0 + i));
    }
    gen_part p3[] = {gen_part_name("y"), gen_part_int(3)}, s3[] = {gen_part_name("3")};
    gen_addr a3, a_s3;
    CHECK_OK(gen_addr_from(&a3, 2, p3));
    CHECK_OK(gen_addr_from(&a_s3, 1, s3));
    CHECK(check_item(gen_choicemap_get_value(mp, &a3)) == 99.0);
    CHECK(check_item(gen_choicemap_get_value(mp, &a_s3)) == 16.0);
    /* the root: a value map holds its value at "" */
    CHECK(check_item(gen_choicemap_get_path(gen_choicemap_of_value(gen_scalar(5)), "")) == 5.0);
}

/* set_path is gen_choicemap_set: a new map, the old one unchanged. */
static void test_set_persistent(void) {
    gen_choicemap *m0 = gen_choicemap_set_path(gen_choicemap_empty(), "y/1", gen_scalar(1));
    gen_choicemap *m1 = gen_choicemap_set_path(m0, "y/2", gen_scalar(2));
    gen_choicemap *m2 = gen_choicemap_set_path(m1, "y/1", gen_scalar(-1));
    CHECK(m0 && m1 && m2);
    CHECK(gen_choicemap_count(m0) == 1 && gen_choicemap_count(m1) == 2 && gen_choicemap_count(m2) == 2);
    CHECK(check_item(gen_choicemap_get_path(m1, "y/1")) == 1.0);
    CHECK(check_item(gen_choicemap_get_path(m2, "y/1")) == -1.0);
    CHECK(!gen_choicemap_get_path(m0, "y/2"));
    CHECK_ERROR(GEN_ERR_INDEX, "no value at y/2");
    gen_addr y2 = A("y/2");
    gen_choicemap *ref = gen_choicemap_set(gen_choicemap_set_path(gen_choicemap_empty(), "y/1", gen_scalar(-1)),
                                           &y2, gen_scalar(2));
    CHECK(gen_choicemap_equal(m2, ref));
}

/* Every failure names the call and the path, with the status of the gen_addr form. */
static void test_errors(void) {
    gen_choicemap *m = gen_choicemap_set_path(gen_choicemap_empty(), "y/3", gen_scalar(1));
    CHECK(!gen_choicemap_get_path(m, "y/7"));
    CHECK_ERROR(GEN_ERR_INDEX, "gen_choicemap_get_path(\"y/7\"): choicemap: no value at y/7");
    CHECK(!gen_choicemap_get_path(m, "y"));
    CHECK_ERROR(GEN_ERR_INDEX, "gen_choicemap_get_path(\"y\"): choicemap: no value at y");
    CHECK(!gen_choicemap_get_path(m, "y//3"));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_choicemap_get_path(\"y//3\"): gen_addr_parse: empty part");
    CHECK(!gen_choicemap_get_path(m, NULL));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_get_path: the path is NULL");
    CHECK(!gen_choicemap_get_path(NULL, "y/3"));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_get_path(\"y/3\"): gen_choicemap_get_value");

    CHECK(!gen_choicemap_set_path(m, "y/3/z", gen_scalar(2)));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_choicemap_set_path(\"y/3/z\"): gen_choicemap_set: y/3 is a value, "
                               "cannot set y/3/z below it");
    CHECK(!gen_choicemap_set_path(m, "y/", gen_scalar(2)));
    CHECK_ERROR(GEN_ERR_VALUE, "gen_choicemap_set_path(\"y/\"): gen_addr_parse: empty part in \"y/\"");
    CHECK(!gen_choicemap_set_path(m, "y/4", NULL));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_set_path(\"y/4\"): gen_choicemap_set: the value is NULL");
    CHECK(!gen_choicemap_set_path(m, NULL, gen_scalar(2)));
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_set_path: the path is NULL");

    gen_choicemap_builder *b = gen_choicemap_builder_new();
    CHECK_OK(gen_choicemap_builder_set_path(b, "x", gen_scalar(1)));
    CHECK_OK(gen_choicemap_builder_set_path(b, "w", gen_scalar(3)));
    CHECK(gen_choicemap_builder_set_path(b, "x/1", gen_scalar(2)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_choicemap_builder_set_path(\"x/1\"): gen_choicemap_builder_set: "
                               "x is a value, cannot set x/1 below it");
    CHECK(gen_choicemap_builder_set_path(b, "\\", gen_scalar(2)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_choicemap_builder_set_path(\"\\\"): in \"\\\": gen_addr_parse: trailing");
    CHECK(gen_choicemap_builder_set_path(b, NULL, gen_scalar(2)) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_builder_set_path: the path is NULL");
    CHECK(gen_choicemap_builder_set_path(NULL, "x", gen_scalar(2)) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_choicemap_builder_set_path(\"x\"): gen_choicemap_builder_set: the builder is NULL");
    /* the failures left the builder as it was */
    gen_choicemap *built = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    CHECK(gen_choicemap_count(built) == 2);
    CHECK(check_item(gen_choicemap_get_path(built, "x")) == 1.0);
    CHECK(check_item(gen_choicemap_get_path(built, "w")) == 3.0);
}

int main(void) {
    RUN(test_build_and_get);
    RUN(test_set_persistent);
    RUN(test_errors);
    return check_finish();
}
