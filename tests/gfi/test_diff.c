/* test_diff.c — rich diffs: every validation error (with its message), the lookups a
 * combinator uses (element / key diffs, no-change), and the deep, inverted copies an
 * edit request keeps. */
#include <stdlib.h>
#include <string.h>

#include "../testutil/check.h"

static gen_part sym(const char *name) { return gen_part_sym(gen_intern(name)); }

static int cmp_part(const void *a, const void *b) {
    return gen_part_compare(*(const gen_part *)a, *(const gen_part *)b);
}

static void test_constructors(void) {
    gen_diff z = {0};
    CHECK(z.kind == GEN_DIFF_NO_CHANGE && z.detail == NULL); /* the zero diff is no change */
    CHECK_OK(gen_diff_check(&z));
    gen_diff u = gen_diff_unknown(), i = gen_diff_int(-4);
    CHECK(u.kind == GEN_DIFF_UNKNOWN && i.kind == GEN_DIFF_INT && i.delta == -4);
    gen_vector_diff v = {3, 3, 0, NULL, NULL};
    gen_diff dv = gen_diff_vector(&v);
    CHECK(dv.kind == GEN_DIFF_VECTOR && dv.vector == &v && dv.detail == &v);
    gen_set_diff s = {0, NULL, 0, NULL};
    gen_map_diff m = {0, NULL, 0, NULL, 0, NULL, NULL};
    CHECK(gen_diff_set(&s).set == &s && gen_diff_map(&m).map == &m);
    CHECK_OK(gen_diff_check(&dv));
}

static void test_vector_errors(void) {
    int64_t idx[3] = {1, 4, 2};
    gen_vector_diff v = {5, 6, 2, idx, NULL};
    gen_diff d = gen_diff_vector(&v);
    CHECK_OK(gen_diff_check(&d)); /* 1, 4 < min(6, 5) */
    v.n_updated = 3;
    CHECK_ERROR(gen_diff_check(&d),
                "diff: vector diff: updated indices must be strictly increasing: 2 follows 4");
    idx[2] = 5;
    CHECK_ERROR(gen_diff_check(&d),
                "diff: vector diff: updated index 5 is not in [0, min(prev length 6, new length 5))");
    idx[0] = -1;
    CHECK_ERROR(gen_diff_check(&d), "updated index -1 is not in [0");
    idx[0] = 1, idx[2] = 4;
    CHECK_ERROR(gen_diff_check(&d), "strictly increasing: 4 follows 4");
    v.new_length = -1;
    CHECK_ERROR(gen_diff_check(&d), "diff: vector diff: negative length (prev 6, new -1)");
    v.new_length = 5;
    v.n_updated = -2;
    CHECK_ERROR(gen_diff_check(&d), "diff: vector diff: updated count is negative (-2)");
    v.n_updated = 1;
    v.updated = NULL;
    CHECK_ERROR(gen_diff_check(&d), "diff: vector diff: updated has 1 entries but a NULL array");
    d.detail = NULL;
    CHECK_ERROR(gen_diff_check(&d), "diff: vector diff has a NULL payload");
    gen_diff bad = {(gen_diff_kind)9, {NULL}};
    CHECK_ERROR(gen_diff_check(&bad), "diff has unknown kind 9");
    gen_diff nc = gen_diff_no_change();
    nc.detail = &v;
    CHECK_ERROR(gen_diff_check(&nc), "diff: a no-change diff has a non-NULL detail");
    CHECK_ERROR(gen_diff_check(NULL), "gen_diff_check: the diff is NULL");
}

static void test_nested_errors(void) {
    /* element 2 of a vector is itself a vector whose index is out of range */
    int64_t inner_idx[1] = {3};
    gen_vector_diff inner = {2, 2, 1, inner_idx, NULL};
    int64_t idx[2] = {0, 2};
    gen_diff sub[2] = {gen_diff_int(1), gen_diff_vector(&inner)};
    gen_vector_diff v = {4, 4, 2, idx, sub};
    gen_diff d = gen_diff_vector(&v);
    CHECK_ERROR(gen_diff_check(&d),
                "diff element 2: vector diff: updated index 3 is not in [0, min(prev length 2, "
                "new length 2))");
    inner_idx[0] = 1;
    CHECK_OK(gen_diff_check(&d));
    /* a map's updated key holds a set diff with a bad part */
    gen_part bad_parts[1] = {{0}};
    gen_set_diff s = {1, bad_parts, 0, NULL};
    gen_part keys[1] = {sym("theta")};
    gen_diff kd[1] = {gen_diff_set(&s)};
    gen_map_diff m = {0, NULL, 0, NULL, 1, keys, kd};
    gen_diff dm = gen_diff_map(&m);
    CHECK_ERROR(gen_diff_check(&dm), "diff key theta: set diff: added part 0 is invalid");
    /* a cycle: a vector whose element 0 is the vector itself */
    int64_t zero[1] = {0};
    gen_diff self[1];
    gen_vector_diff cyc = {1, 1, 1, zero, self};
    self[0] = gen_diff_vector(&cyc);
    CHECK_ERROR(gen_diff_check(&self[0]), "diffs nested more than 64 deep (a cycle?)");
}

static void test_set_map_errors(void) {
    gen_part a[3] = {gen_part_int(1), gen_part_int(5), sym("x")};
    gen_part b[2] = {gen_part_int(2), gen_part_int(5)};
    gen_set_diff s = {3, a, 1, b};
    gen_diff d = gen_diff_set(&s);
    CHECK_OK(gen_diff_check(&d));
    s.n_deleted = 2;
    CHECK_ERROR(gen_diff_check(&d), "diff: set diff: 5 is both added and deleted");
    s.n_deleted = 1;
    gen_part unsorted[2] = {sym("x"), gen_part_int(1)};
    s.added = unsorted;
    s.n_added = 2;
    CHECK_ERROR(gen_diff_check(&d),
                "diff: set diff: added parts must be strictly increasing (gen_part_compare): 1 "
                "follows x");
    qsort(unsorted, 2, sizeof *unsorted, cmp_part); /* the documented fix */
    CHECK_OK(gen_diff_check(&d));
    s.n_deleted = -1;
    CHECK_ERROR(gen_diff_check(&d), "diff: set diff: deleted count is negative (-1)");

    gen_part add[1] = {sym("a")}, del[1] = {sym("b")}, upd[2] = {sym("a"), sym("c")};
    gen_map_diff m = {1, add, 1, del, 2, upd, NULL};
    gen_diff dm = gen_diff_map(&m);
    CHECK_ERROR(gen_diff_check(&dm), "diff: map diff: a is both added and updated");
    upd[0] = sym("b");
    CHECK_ERROR(gen_diff_check(&dm), "diff: map diff: b is both deleted and updated");
    upd[0] = sym("c"), upd[1] = sym("d");
    CHECK_OK(gen_diff_check(&dm));
    m.updated = NULL;
    CHECK_ERROR(gen_diff_check(&dm), "diff: map diff: updated has 2 entries but a NULL array");
}

static void test_lookups(void) {
    int64_t idx[2] = {1, 3};
    gen_diff sub[2] = {gen_diff_int(0), gen_diff_unknown()};
    gen_vector_diff v = {6, 4, 2, idx, sub}; /* 4 -> 6: elements 4, 5 are new */
    gen_diff d = gen_diff_vector(&v);
    CHECK(gen_diff_element(&d, 0).kind == GEN_DIFF_NO_CHANGE);
    CHECK(gen_diff_element(&d, 1).kind == GEN_DIFF_INT);
    CHECK(gen_diff_element(&d, 2).kind == GEN_DIFF_NO_CHANGE);
    CHECK(gen_diff_element(&d, 3).kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_diff_element(&d, 4).kind == GEN_DIFF_UNKNOWN); /* new */
    CHECK(gen_diff_element(&d, 6).kind == GEN_DIFF_UNKNOWN); /* past the end */
    CHECK(gen_diff_element(&d, -1).kind == GEN_DIFF_UNKNOWN);
    bool want[6] = {false, false, false, true, true, true}; /* an int diff of 0: unchanged */
    for (int i = 0; i < 6; i++) CHECK(gen_diff_element_changed(&d, i) == want[i]);
    v.updated_diffs = NULL; /* all updated elements unknown */
    CHECK(gen_diff_element_changed(&d, 1) && !gen_diff_element_changed(&d, 2));
    gen_diff nc = gen_diff_no_change(), un = gen_diff_unknown(), in = gen_diff_int(2);
    CHECK(!gen_diff_element_changed(&nc, 7) && gen_diff_element_changed(&un, 0));
    CHECK(gen_diff_element(&in, 0).kind == GEN_DIFF_UNKNOWN);

    gen_part add[1] = {sym("a")}, del[1] = {gen_part_int(7)}, upd[2] = {gen_part_int(2), sym("c")};
    gen_diff ud[2] = {gen_diff_int(3), gen_diff_no_change()};
    gen_map_diff m = {1, add, 1, del, 2, upd, ud};
    gen_diff dm = gen_diff_map(&m);
    CHECK(gen_diff_key(&dm, sym("a")).kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_diff_key(&dm, gen_part_int(7)).kind == GEN_DIFF_UNKNOWN);
    gen_diff k2 = gen_diff_key(&dm, gen_part_int(2));
    CHECK(k2.kind == GEN_DIFF_INT && k2.delta == 3);
    CHECK(gen_diff_key(&dm, sym("c")).kind == GEN_DIFF_NO_CHANGE);
    CHECK(gen_diff_key(&dm, sym("zz")).kind == GEN_DIFF_NO_CHANGE);
    gen_set_diff s = {1, add, 1, del};
    gen_diff ds = gen_diff_set(&s);
    CHECK(gen_diff_key(&ds, sym("a")).kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_diff_key(&ds, gen_part_int(7)).kind == GEN_DIFF_UNKNOWN);
    CHECK(gen_diff_key(&ds, gen_part_int(8)).kind == GEN_DIFF_NO_CHANGE);
    CHECK(gen_diff_key(&nc, sym("a")).kind == GEN_DIFF_NO_CHANGE);
    CHECK(gen_diff_key(&d, sym("a")).kind == GEN_DIFF_UNKNOWN); /* a vector has no keys */
}

static void test_is_no_change(void) {
    gen_diff nc = gen_diff_no_change(), un = gen_diff_unknown();
    gen_diff i0 = gen_diff_int(0), i1 = gen_diff_int(1);
    CHECK(gen_diff_is_no_change(&nc) && !gen_diff_is_no_change(&un) && !gen_diff_is_no_change(NULL));
    CHECK(gen_diff_is_no_change(&i0) && !gen_diff_is_no_change(&i1));
    int64_t idx[1] = {0};
    gen_diff sub[1] = {gen_diff_int(0)};
    gen_vector_diff v = {2, 2, 1, idx, sub};
    gen_diff dv = gen_diff_vector(&v);
    CHECK(gen_diff_is_no_change(&dv));
    sub[0] = gen_diff_int(5);
    CHECK(!gen_diff_is_no_change(&dv));
    v.n_updated = 0;
    CHECK(gen_diff_is_no_change(&dv));
    v.new_length = 3;
    CHECK(!gen_diff_is_no_change(&dv));
    v.new_length = 2, v.n_updated = 1, v.updated_diffs = NULL; /* unknown element */
    CHECK(!gen_diff_is_no_change(&dv));
    gen_part p[1] = {gen_part_int(1)};
    gen_set_diff s0 = {0, NULL, 0, NULL}, s1 = {0, NULL, 1, p};
    gen_diff ds0 = gen_diff_set(&s0), ds1 = gen_diff_set(&s1);
    CHECK(gen_diff_is_no_change(&ds0) && !gen_diff_is_no_change(&ds1));
    gen_diff mu[1] = {gen_diff_no_change()};
    gen_map_diff m = {0, NULL, 0, NULL, 1, p, mu};
    gen_diff dm = gen_diff_map(&m);
    CHECK(gen_diff_is_no_change(&dm));
    mu[0] = gen_diff_unknown();
    CHECK(!gen_diff_is_no_change(&dm));
    m.n_updated = 0, m.n_added = 1, m.added = p;
    CHECK(!gen_diff_is_no_change(&dm));
}

/* An edit request owns a deep copy of its argdiffs; the backward request of an edit
 * holds their inverse. */
static void test_request_copies(void) {
    int64_t idx[1] = {1};
    gen_part add[1] = {sym("k")}, del[2] = {gen_part_int(1), gen_part_int(2)};
    gen_set_diff s = {1, add, 2, del};
    gen_diff inner[1] = {gen_diff_set(&s)};
    gen_vector_diff v = {3, 5, 1, idx, inner};
    gen_array *argv[3] = {gen_scalar(1), gen_scalar(2), gen_scalar(3)};
    gen_args args = {3, argv, NULL};
    gen_diff ad[3] = {gen_diff_vector(&v), gen_diff_int(-7), gen_diff_unknown()};
    gen_edit_request *r = gen_edit_update(&args, ad, gen_choicemap_empty());
    CHECK(r != NULL);
    if (!r) return;
    /* scribble over the caller's copies: the request must not see it */
    ad[1] = gen_diff_int(99);
    v.new_length = 0, idx[0] = 0, add[0] = sym("zz"), del[1] = gen_part_int(9), inner[0] = gen_diff_unknown();
    argv[0] = NULL;
    const gen_diff *c = gen_edit_request_argdiffs(r);
    CHECK(c[1].kind == GEN_DIFF_INT && c[1].delta == -7 && c[2].kind == GEN_DIFF_UNKNOWN);
    CHECK(c[0].kind == GEN_DIFF_VECTOR && c[0].vector != &v);
    CHECK(c[0].vector->new_length == 3 && c[0].vector->prev_length == 5);
    CHECK(c[0].vector->n_updated == 1 && c[0].vector->updated[0] == 1);
    const gen_diff *cs = &c[0].vector->updated_diffs[0];
    CHECK(cs->kind == GEN_DIFF_SET && cs->set != &s && cs->set->n_added == 1 && cs->set->n_deleted == 2);
    CHECK(gen_part_equal(cs->set->added[0], sym("k")) && gen_part_equal(cs->set->deleted[1], gen_part_int(2)));
    CHECK_OK(gen_diff_check(&c[0]));
    const gen_args *ra = gen_edit_request_args(r);
    CHECK(ra && ra->n == 3 && ra->v[0] && check_item(ra->v[0]) == 1.0);
    CHECK(gen_edit_request_kind(r) == GEN_EDIT_UPDATE && gen_edit_request_selection(r) == NULL);
    CHECK(gen_choicemap_is_empty(gen_edit_request_constraints(r)));
}

int main(void) {
    RUN(test_constructors);
    RUN(test_vector_errors);
    RUN(test_nested_errors);
    RUN(test_set_map_errors);
    RUN(test_lookups);
    RUN(test_is_no_change);
    RUN(test_request_copies);
    return check_finish();
}
