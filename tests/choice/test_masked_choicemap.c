/* test_masked_choicemap.c — masked values of batched choice maps: setting (checks and
 * normalization), particles, equality, count, merge of disjoint masks, restrict, keep /
 * for particles, iteration, JSON round trip and errors, flattening errors. */
#include <string.h>

#include "../testutil/check.h"

static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

enum { N = 4 };

static gen_array *mask_of(bool a, bool b, bool c, bool d) {
    bool v[N] = {a, b, c, d};
    return gen_array_from(GEN_BOOL, 1, (int64_t[]){N}, v);
}

/* a batched [N] f64 value */
static gen_array *vals(double a, double b, double c, double d) {
    return gen_batched(gen_array_from_f64(1, (int64_t[]){N}, (double[]){a, b, c, d}));
}

/* The first 3 (or 4) entries of a batched f64 value / a bool mask. */
static bool f64_is(const gen_array *v, double a, double b, double c) {
    const double *p = gen_array_data(v);
    return p[0] == a && p[1] == b && p[2] == c;
}
static bool mask_is(const gen_array *m, bool a, bool b, bool c, bool d) {
    const bool *p = gen_array_data(m);
    return p[0] == a && p[1] == b && p[2] == c && p[3] == d;
}

static double at(const gen_choicemap *m, const char *p) {
    gen_addr a = path(p);
    return check_item(gen_choicemap_get_value(m, &a));
}

static void test_set_and_particle(void) {
    gen_addr x = path("s/x"), y = path("s/y"), z = path("z");
    gen_choicemap *m = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(1, 2, 3, 4), mask_of(1, 0, 1, 0));
    m = gen_choicemap_set_masked(m, &y, vals(5, 6, 7, 8), mask_of(0, 1, 0, 0));
    m = gen_choicemap_set(m, &z, gen_scalar(9));
    CHECK(gen_choicemap_count(m) == 3);
    CHECK(gen_choicemap_mask_at(m, &x) != NULL && gen_choicemap_mask_at(m, &z) == NULL);
    CHECK(gen_choicemap_mask_at(m, &(gen_addr){1, {gen_part_name("nope")}}) == NULL);
    /* particle 0: x and z; particle 1: y and z; particle 3: z only (s/ vanishes) */
    gen_choicemap *p0 = gen_choicemap_particle(m, 0), *p1 = gen_choicemap_particle(m, 1), *p3 = gen_choicemap_particle(m, 3);
    CHECK(gen_choicemap_count(p0) == 2 && at(p0, "s/x") == 1 && at(p0, "z") == 9);
    CHECK(gen_choicemap_count(p1) == 2 && at(p1, "s/y") == 6);
    CHECK(gen_choicemap_count(p3) == 1 && gen_choicemap_num_children(p3) == 1);
    CHECK(at(gen_choicemap_particle(m, 2), "s/x") == 3);
    /* iteration sees the masks */
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    int masked = 0;
    while (gen_choicemap_iter_next(&it)) masked += it.mask != NULL;
    CHECK(masked == 2);
    /* an all-true mask stores the value unmasked; an all-false one removes the address */
    gen_choicemap *a = gen_choicemap_set_masked(m, &x, vals(1, 2, 3, 4), mask_of(1, 1, 1, 1));
    CHECK(gen_choicemap_mask_at(a, &x) == NULL && gen_choicemap_count(a) == 3);
    gen_choicemap *r = gen_choicemap_set_masked(m, &x, vals(1, 2, 3, 4), mask_of(0, 0, 0, 0));
    CHECK(gen_choicemap_count(r) == 2 && !gen_choicemap_has_value(r, &x));
    /* the builder does the same */
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    CHECK_OK(gen_choicemap_builder_set_masked(b, &x, vals(1, 2, 3, 4), mask_of(0, 0, 1, 0)));
    CHECK_OK(gen_choicemap_builder_set_masked(b, &y, vals(1, 2, 3, 4), mask_of(0, 0, 0, 0)));
    CHECK_OK(gen_choicemap_builder_set_masked(b, &z, vals(1, 2, 3, 4), mask_of(1, 1, 1, 1)));
    gen_choicemap *bm = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    CHECK(gen_choicemap_count(bm) == 2 && gen_choicemap_mask_at(bm, &x) && !gen_choicemap_mask_at(bm, &z));
    CHECK(gen_choicemap_count(gen_choicemap_particle(bm, 1)) == 1);
    /* errors */
    CHECK_ERROR(gen_choicemap_particle(m, 4) ? GEN_OK : gen_error_status(), "particle 4 is out of range for the 4 particles at s/x");
    CHECK_ERROR(gen_choicemap_set_masked(m, &x, gen_array_from_f64(1, (int64_t[]){N}, (double[]){1, 2, 3, 4}),
                                         mask_of(1, 0, 0, 0)) ? GEN_OK : gen_error_status(),
                "gen_choicemap_set_masked: the masked value at s/x must be batched with 4 particles (the mask's length)");
    CHECK_ERROR(gen_choicemap_set_masked(m, &x, vals(1, 2, 3, 4), gen_scalar(1)) ? GEN_OK : gen_error_status(),
                "gen_choicemap_set_masked: the mask at s/x must be a bool [N] array");
    gen_error_clear();
    CHECK_ERROR(gen_choicemap_set_masked(m, &x, vals(1, 2, 3, 4), NULL) ? GEN_OK : gen_error_status(),
                "gen_choicemap_set_masked: the mask at s/x is NULL");
    b = gen_choicemap_builder_new();
    CHECK_ERROR(gen_choicemap_builder_set_masked(b, &x, vals(1, 2, 3, 4), NULL),
                "gen_choicemap_builder_set_masked: the mask at s/x is NULL");
    gen_choicemap_builder_free(b);
}

static void test_equal_merge_restrict(void) {
    gen_addr x = path("x");
    gen_choicemap *a = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(1, 2, 3, 4), mask_of(1, 0, 1, 0));
    gen_choicemap *a2 = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(1, 7, 3, 7), mask_of(1, 0, 1, 0));
    gen_choicemap *a3 = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(1, 2, 5, 4), mask_of(1, 0, 1, 0));
    gen_choicemap *b = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(9, 6, 9, 8), mask_of(0, 1, 0, 0));
    gen_choicemap *u = gen_choicemap_set(gen_choicemap_empty(), &x, vals(1, 2, 3, 4));
    /* equal: the absent entries do not matter, the present ones and the mask do */
    CHECK(gen_choicemap_equal(a, a2));
    CHECK(!gen_choicemap_equal(a, a3));
    CHECK(!gen_choicemap_equal(a, b));
    CHECK(!gen_choicemap_equal(a, u) && !gen_choicemap_equal(u, a));
    /* merge: disjoint masks join, each particle's entry from its map */
    gen_choicemap *m = gen_choicemap_merge(a, b);
    CHECK(m != NULL && gen_choicemap_count(m) == 1);
    if (m) {
        const bool *mk = gen_array_data(gen_choicemap_mask_at(m, &x));
        CHECK(mk[0] && mk[1] && mk[2] && !mk[3]);
        CHECK(f64_is(gen_choicemap_get_value(m, &x), 1, 6, 3));
        CHECK(gen_array_is_batched(gen_choicemap_get_value(m, &x)));
    }
    /* together covering every particle: unmasked */
    gen_choicemap *c = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(0, 0, 0, 5), mask_of(0, 0, 0, 1));
    gen_choicemap *full = gen_choicemap_merge(m, c);
    CHECK(full && !gen_choicemap_mask_at(full, &x));
    if (full) CHECK(gen_choicemap_equal(full, gen_choicemap_set(gen_choicemap_empty(), &x, vals(1, 6, 3, 5))));
    CHECK_ERROR(gen_choicemap_merge(a, a2) ? GEN_OK : gen_error_status(),
                "choicemap merge: both maps have a value at x for the same particle");
    CHECK_ERROR(gen_choicemap_merge(a, u) ? GEN_OK : gen_error_status(), "choicemap merge: both maps have a value at x");
    gen_array *v2 = gen_batched(gen_zeros(GEN_F64, GEN_DIMS(N, 2)));
    gen_choicemap *d = gen_choicemap_set_masked(gen_choicemap_empty(), &x, v2, mask_of(0, 1, 0, 0));
    CHECK_ERROR(gen_choicemap_merge(a, d) ? GEN_OK : gen_error_status(),
                "choicemap merge: the values at x differ in shape or dtype");
    /* restrict keeps the masks (the leaf is shared) */
    gen_choicemap *r = gen_choicemap_restrict(a, gen_select_paths(1, (const char *[]){"x"}));
    CHECK(r && gen_choicemap_equal(r, a) && gen_choicemap_mask_at(r, &x));
    CHECK(gen_choicemap_is_empty(gen_choicemap_restrict_complement(a, gen_select_paths(1, (const char *[]){"x"}))));
}

static void test_keep_and_for_particles(void) {
    gen_addr x = path("x"), s = path("s");
    gen_choicemap *m = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(1, 2, 3, 4), mask_of(1, 1, 0, 0));
    m = gen_choicemap_set(m, &s, gen_scalar(7)); /* shared */
    /* keep: masks and'ed; the shared value broadcast to every particle and masked */
    gen_choicemap *k = gen_choicemap_keep_particles(m, mask_of(0, 1, 1, 0));
    CHECK(k && gen_choicemap_count(k) == 2);
    if (k) {
        const bool *mx = gen_array_data(gen_choicemap_mask_at(k, &x)), *ms = gen_array_data(gen_choicemap_mask_at(k, &s));
        CHECK(!mx[0] && mx[1] && !mx[2] && !mx[3]);
        CHECK(!ms[0] && ms[1] && ms[2] && !ms[3]);
        CHECK(f64_is(gen_choicemap_get_value(k, &s), 7, 7, 7) && gen_array_is_batched(gen_choicemap_get_value(k, &s)));
    }
    CHECK(gen_choicemap_count(gen_choicemap_keep_particles(m, mask_of(0, 0, 1, 1))) == 1);
    /* for particles: present for all of them: unmasked; for none: left out */
    gen_choicemap *f = gen_choicemap_for_particles(m, mask_of(1, 1, 0, 0));
    CHECK(f && gen_choicemap_count(f) == 2 && !gen_choicemap_mask_at(f, &x));
    f = gen_choicemap_for_particles(m, mask_of(0, 0, 1, 0));
    CHECK(f && gen_choicemap_count(f) == 1 && !gen_choicemap_has_value(f, &x));
    f = gen_choicemap_for_particles(m, mask_of(0, 1, 1, 0));
    CHECK(f && gen_choicemap_mask_at(f, &x));
    if (f) CHECK(mask_is(gen_choicemap_mask_at(f, &x), 0, 1, 0, 0));
    /* an unmasked map is itself */
    gen_choicemap *plain = gen_choicemap_set(gen_choicemap_empty(), &x, vals(1, 2, 3, 4));
    CHECK(gen_choicemap_for_particles(plain, mask_of(1, 0, 0, 0)) == plain);
    CHECK_ERROR(gen_choicemap_keep_particles(m, gen_scalar(1)) ? GEN_OK : gen_error_status(),
                "gen_choicemap_keep_particles: the particle flags must be a bool [N] array");
    bool five[5] = {1, 1, 1, 1, 1};
    CHECK_ERROR(gen_choicemap_keep_particles(m, gen_array_from(GEN_BOOL, 1, (int64_t[]){5}, five)) ? GEN_OK : gen_error_status(),
                "gen_choicemap_keep_particles: the batched value at x does not have 5 particles");
}

static void test_json_and_flatten(void) {
    gen_addr x = path("a/x"), y = path("y");
    gen_choicemap *m = gen_choicemap_set_masked(gen_choicemap_empty(), &x, vals(1, 2, 3, 4), mask_of(1, 0, 0, 1));
    m = gen_choicemap_set(m, &y, gen_scalar(2.5));
    char *js = gen_choicemap_to_json(m);
    CHECK(js && strstr(js, "\"mask\":[true,false,false,true]"));
    gen_choicemap *back = js ? gen_choicemap_from_json(js) : NULL;
    CHECK(back && gen_choicemap_equal(back, m));
    if (back) CHECK(gen_array_is_batched(gen_choicemap_get_value(back, &x)));
    gen_choicemap_json_free(js);
    CHECK_ERROR(gen_choicemap_from_json("{\"x\":{\"dtype\":\"f64\",\"shape\":[2],\"data\":[1,2],\"mask\":[true]}}")
                    ? GEN_OK : gen_error_status(),
                "gen_choicemap_from_json: at x: \"mask\" must be an array of a bool per particle");
    CHECK_ERROR(gen_choicemap_from_json("{\"x\":{\"dtype\":\"f64\",\"shape\":[2],\"data\":[1,2],\"mask\":[true,1]}}")
                    ? GEN_OK : gen_error_status(),
                "gen_choicemap_from_json: at x: \"mask\" entries must be true or false");
    gen_choicemap *none = gen_choicemap_from_json("{\"x\":{\"dtype\":\"f64\",\"shape\":[2],\"data\":[1,2],\"mask\":[false,false]}}");
    CHECK(none && gen_choicemap_is_empty(none));
    /* flattening: a masked float value is an error; unselected, it is fine */
    CHECK_ERROR(gen_choicemap_flatten(m, NULL) ? GEN_OK : gen_error_status(),
                "choicemap flatten: the value at a/x is masked (present for some particles only)");
    CHECK(gen_choicemap_flat_size(m, NULL) == -1);
    gen_error_clear();
    gen_selection *sy = gen_select_paths(1, (const char *[]){"y"});
    CHECK(gen_choicemap_flat_size(m, sy) == 1);
    CHECK_ERROR(gen_choicemap_unflatten(m, NULL, gen_zeros(GEN_F64, GEN_DIMS(5))) ? GEN_OK : gen_error_status(),
                "choicemap flatten: the value at a/x is masked");
}

int main(void) {
    RUN(test_set_and_particle);
    RUN(test_equal_merge_restrict);
    RUN(test_keep_and_for_particles);
    RUN(test_json_and_flatten);
    return check_finish();
}
