/* test_json_keys.c — keys of choice maps parsed from JSON are held by the maps, not
 * interned for good: parsing and releasing maps with a million distinct keys leaves the
 * symbol tables as they were; a key an address names (before or after the parse) keeps
 * one id, so lookups, merges and the JSON round trip behave as for interned names; maps
 * derived from a parsed map keep its keys alive. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../src/choice/choice_int.h"

/* {"<prefix>_0": {"dtype":"f64","shape":[],"data":[i]}, ...} with n keys. */
static char *keys_json(const char *prefix, int n) {
    size_t cap = (size_t)n * 80 + 16, used = 0;
    char *s = malloc(cap);
    used += (size_t)snprintf(s + used, cap - used, "{");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(s + used, cap - used, "%s\"%s_%d\":{\"dtype\":\"f64\",\"shape\":[],\"data\":[%d]}",
                                 i ? "," : "", prefix, i, i);
    snprintf(s + used, cap - used, "}");
    return s;
}

/* A million distinct keys in 100 maps of 10,000, each parsed, read and released. */
static void test_many_keys_do_not_grow(void) {
    uint32_t syms = gen_sym_count();
    int64_t held = intern_held_count();
    for (int round = 0; round < 100; round++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "key%d", round);
        char *js = keys_json(prefix, 10000);
        gen_scope_begin(); /* owns the map */
        gen_choicemap *m = gen_choicemap_from_json(js);
        free(js);
        CHECK(m && gen_choicemap_count(m) == 10000);
        CHECK(intern_held_count() == held + 10000); /* alive while the map is */
        gen_scope_end();
        CHECK(intern_held_count() == held);
    }
    CHECK(gen_sym_count() == syms); /* nothing interned for good */
}

static double value_at(const gen_choicemap *m, const char *path) {
    double v = NAN;
    const gen_array *a = gen_choicemap_get_path(m, path);
    if (!a || gen_item(a, &v) != GEN_OK) return NAN;
    return v;
}

/* One id per name, whether an address interned it first or a JSON key did. */
static void test_ids_agree(void) {
    gen_scope_begin(); /* owns the maps */
    gen_sym known = gen_intern("known_first");
    gen_choicemap *m = gen_choicemap_from_json(
        "{\"known_first\":{\"dtype\":\"f64\",\"shape\":[],\"data\":[1]},"
        "\"json_first\":{\"z\":{\"dtype\":\"f64\",\"shape\":[],\"data\":[2]}}}");
    CHECK(m && gen_choicemap_count(m) == 2);
    CHECK(value_at(m, "known_first") == 1.0);
    gen_part p;
    CHECK(gen_choicemap_child_at(m, 0, &p) && gen_part_get_sym(p) == known);
    /* a second parse while the first map lives: the same ids (the merge sees one key) */
    gen_choicemap *m2 = gen_choicemap_from_json("{\"json_first\":{\"z\":{\"dtype\":\"f64\",\"shape\":[],\"data\":[3]}}}");
    CHECK(gen_choicemap_merge(m, m2) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "both maps have a value at json_first/z");
    /* an address naming the key interns it now: found, and the id stays the map's */
    CHECK(value_at(m, "json_first/z") == 2.0);
    gen_sym pinned = gen_intern("json_first");
    CHECK(gen_choicemap_child_at(m, 1, &p) && gen_part_get_sym(p) == pinned);
    int64_t held = intern_held_count();
    gen_scope_end();
    CHECK(intern_held_count() == held); /* pinned: not held any more, and not freed */
    CHECK(strcmp(gen_sym_name(pinned), "json_first") == 0);
    /* a later parse finds the pinned id */
    m = gen_choicemap_from_json("{\"json_first\":{\"dtype\":\"f64\",\"shape\":[],\"data\":[4]}}");
    CHECK(m && gen_choicemap_child_at(m, 0, &p) && gen_part_get_sym(p) == pinned);
}

/* Maps built from a parsed map hold its keys; the round trip keeps the names. */
static void test_derived_maps_hold_keys(void) {
    int64_t held = intern_held_count();
    gen_scope_begin(); /* owns d */
    gen_scope_begin(); /* owns m */
    gen_choicemap *m = gen_choicemap_from_json(
        "{\"derived_a\":{\"derived_b\":{\"dtype\":\"i64\",\"shape\":[2],\"data\":[5,6]}},\"3\":{\"derived_c\":{}}}");
    CHECK(m && gen_choicemap_count(m) == 1);
    CHECK(intern_held_count() == held + 2); /* derived_c's {} child carries nothing */
    gen_addr other;
    CHECK_OK(gen_addr_parse(&other, "other"));
    gen_choicemap *d = gen_choicemap_scope_return(gen_choicemap_set(m, &other, gen_scalar(1)));
    gen_scope_end(); /* m dies, d lives */
    CHECK(intern_held_count() == held + 2); /* d holds them */
    char *js = gen_choicemap_to_json(d);
    CHECK(js && strstr(js, "\"derived_a\":{\"derived_b\":{\"dtype\":\"i64\",\"shape\":[2],\"data\":[5,6]}}"));
    gen_choicemap_json_free(js);
    gen_scope_end();
    CHECK(intern_held_count() == held);
    /* an error while parsing drops what it held */
    CHECK(gen_choicemap_from_json("{\"err_a\":{\"dtype\":\"f64\",\"shape\":[],\"data\":[1]},"
                                  "\"err_b\":{\"dtype\":\"f64\",\"shape\":[2],\"data\":[1]}}") == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "at err_b: the shape has 2 elements");
    CHECK(intern_held_count() == held);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    RUN_ONLY(test_many_keys_do_not_grow);
    RUN_ONLY(test_ids_agree);
    RUN_ONLY(test_derived_maps_hold_keys);
    return check_finish();
}
