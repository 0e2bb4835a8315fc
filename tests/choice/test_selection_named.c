/* test_selection_named.c — gen_selection_foreach_named: the addresses a selection
 * names, for gen_select lists, unions, all / none, complements and their mixtures,
 * in address order; stopping early; errors. */
#include <string.h>

#include "../testutil/check.h"

typedef struct names {
    int n, stop_after;
    char s[16][64];
} names;

static gen_status collect(void *ud, const gen_addr *a) {
    names *nm = ud;
    if (nm->n < 16) gen_addr_format(a, nm->s[nm->n], sizeof nm->s[0]);
    nm->n++;
    return nm->stop_after && nm->n >= nm->stop_after ? GEN_ERR_CALLBACK : GEN_OK;
}

static gen_selection *sel(int n, const char *const *paths) { return gen_select_paths(n, paths); }

/* The names of s joined with ',' ("" for none). */
static const char *named(const gen_selection *s) {
    static char out[512];
    names nm = {0};
    out[0] = '\0';
    CHECK_OK(gen_selection_foreach_named(s, collect, &nm));
    for (int i = 0; i < nm.n && i < 16; i++) {
        if (i) strcat(out, ",");
        strcat(out, nm.s[i]);
    }
    return out;
}

#define CHECK_NAMED(s, want)                                                             \
    do {                                                                                 \
        const char *got_ = named(s);                                                     \
        if (strcmp(got_, want) != 0)                                                     \
            check_fail(__FILE__, __LINE__, "named %s: got \"%s\", want \"%s\"", #s, got_, \
                       want);                                                            \
        check_count++;                                                                   \
    } while (0)

static void test_lists(void) {
    gen_intern("a"), gen_intern("x"), gen_intern("y"), gen_intern("q"); /* fixes the order */
    const char *p[] = {"y/3", "x", "y/3/z", "a/b", "y/-2"};
    CHECK_NAMED(sel(5, p), "a/b,x,y/-2,y/3"); /* y/3/z is below y/3; integers first */
    CHECK_NAMED(sel(1, p), "y/3");
    const char *root[] = {""};
    CHECK_NAMED(sel(1, root), ""); /* the root: everything, names nothing */
    CHECK_NAMED(gen_select_all(), "");
    CHECK_NAMED(gen_select_none(), "");
    const char *q[] = {"q", "a/c"};
    CHECK_NAMED(gen_selection_union(sel(5, p), sel(2, q)), "a/b,a/c,x,y/-2,y/3,q");
}

static void test_complements(void) {
    const char *x[] = {"x"}, *xy[] = {"x/y"}, *qy[] = {"q/y"}, *q[] = {"q"}, *y[] = {"y"};
    CHECK_NAMED(gen_selection_complement(sel(1, x)), "");
    CHECK_NAMED(gen_selection_complement(sel(1, xy)), "");
    /* everything but y, plus x: still everything but y */
    CHECK_NAMED(gen_selection_union(sel(1, x), gen_selection_complement(sel(1, y))), "");
    /* everything but x, plus x/y: x/y is named */
    CHECK_NAMED(gen_selection_union(sel(1, xy), gen_selection_complement(sel(1, x))), "x/y");
    /* q but not q/y (complement of a union): q is named */
    gen_selection *qnoty = gen_selection_complement(
        gen_selection_union(sel(1, qy), gen_selection_complement(sel(1, q))));
    CHECK(gen_selection_contains(qnoty, &(gen_addr){2, {gen_part_name("q"), gen_part_name("z")}}));
    CHECK(!gen_selection_contains(qnoty, &(gen_addr){2, {gen_part_name("q"), gen_part_name("y")}}));
    CHECK_NAMED(qnoty, "q");
    /* a complement twice is the selection itself */
    CHECK_NAMED(gen_selection_complement(gen_selection_complement(sel(1, xy))), "x/y");
}

static void test_stop_and_errors(void) {
    const char *p[] = {"a", "x", "y"};
    names nm = {.stop_after = 2};
    CHECK(gen_selection_foreach_named(sel(3, p), collect, &nm) == GEN_ERR_CALLBACK);
    CHECK(nm.n == 2 && strcmp(nm.s[1], "x") == 0);
    CHECK_ERROR(gen_selection_foreach_named(NULL, collect, &nm),
                "gen_selection_foreach_named: the selection is NULL");
    CHECK_ERROR(gen_selection_foreach_named(gen_select_all(), NULL, NULL),
                "gen_selection_foreach_named: fn is NULL");
}

int main(void) {
    RUN(test_lists);
    RUN(test_complements);
    RUN(test_stop_and_errors);
    return check_finish();
}
