/* test_cmap_build.c — the builder's lookup paths (children in order: binary search and
 * append; out of order: scan, then index), and cm_from_items (the one-pass construction
 * the dynamic DSL uses): equal to the builder's map, in order or not, submaps shared or
 * vanishing, every error path, and out-of-memory at every allocation. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "../../src/choice/cmap_items.h"

static gen_addr A(const char *s) {
    gen_addr a = {0};
    CHECK_OK(gen_addr_parse(&a, s));
    return a;
}

static gen_addr yi(int i) {
    gen_addr a = A("y");
    CHECK_OK(gen_addr_push(&a, gen_part_int(i)));
    return a;
}

static double get(const gen_choicemap *m, gen_addr a) {
    const gen_array *v = gen_choicemap_get_value(m, &a);
    return v ? check_item(v) : NAN;
}

/* Sets y/i = v for the keys in order, then re-sets some (hits) and adds others (misses
 * between and past the existing keys); every value must be the last one set. */
static void check_lookups(const int *keys, int n) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    double want[64];
    for (int i = 0; i < 64; i++) want[i] = NAN;
    for (int i = 0; i < n; i++) {
        gen_addr a = yi(keys[i]);
        CHECK_OK(gen_choicemap_builder_set(b, &a, gen_scalar(keys[i])));
        want[keys[i]] = keys[i];
    }
    int again[] = {0, 2, 17, 5, 39, 1, 63, 30, 31, 62};
    for (int i = 0; i < 10; i++) {
        gen_addr a = yi(again[i]);
        CHECK_OK(gen_choicemap_builder_set(b, &a, gen_scalar(100 + i)));
        want[again[i]] = 100 + i;
    }
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    int count = 0, bad = 0;
    for (int i = 0; i < 64; i++) {
        if (isnan(want[i])) continue;
        count++;
        bad += get(m, yi(i)) != want[i];
    }
    CHECK(bad == 0);
    CHECK(gen_choicemap_count(m) == count);
    gen_part p;
    int64_t prev = -1;
    for (int64_t i = 0; i < gen_choicemap_num_children(gen_choicemap_child(m, gen_part_name("y"))); i++) {
        gen_choicemap_child_at(gen_choicemap_child(m, gen_part_name("y")), i, &p);
        bad += gen_part_get_int(p) <= prev;
        prev = gen_part_get_int(p);
    }
    CHECK(bad == 0);
    gen_choicemap_builder_free(b);
}

static void test_builder_lookups(void) {
    int even[20], shuffled[20], few[5] = {9, 3, 30, 1, 7};
    for (int i = 0; i < 20; i++) even[i] = 2 * i; /* in order: binary search */
    check_lookups(even, 20);
    for (int i = 0; i < 20; i++) shuffled[i] = (7 * i) % 20 * 2; /* out of order: index */
    check_lookups(shuffled, 20);
    check_lookups(few, 5); /* out of order, few: scan */
}

/* The items of x=1, y/0=2, y/1=3, z/a/b=[1,2] (in order), with addresses in addrs. */
static void small_items(cm_item *it, gen_addr *addrs) {
    const char *paths[4] = {"x", "y/0", "y/1", "z/a/b"};
    double v[2] = {1, 2};
    for (int i = 0; i < 4; i++) {
        addrs[i] = A(paths[i]);
        it[i] = (cm_item){&addrs[i], i < 3 ? gen_scalar(i + 1) : gen_array_from_f64(GEN_DIMS(2), v), NULL};
    }
}

static gen_choicemap *small_built(void) {
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    cm_item it[4];
    gen_addr addrs[4];
    small_items(it, addrs);
    for (int i = 0; i < 4; i++) CHECK_OK(gen_choicemap_builder_set(b, it[i].addr, it[i].value));
    gen_choicemap *m = gen_choicemap_builder_finish(b);
    gen_choicemap_builder_free(b);
    return m;
}

static void test_items_equal_builder(void) {
    gen_choicemap *want = small_built();
    cm_item it[4];
    gen_addr addrs[4];
    small_items(it, addrs);
    gen_choicemap *m = cm_from_items(it, 4);
    CHECK(m && gen_choicemap_equal(m, want));
    cm_item rev[4] = {it[3], it[1], it[2], it[0]}; /* out of order: sorted first */
    gen_choicemap *r = cm_from_items(rev, 4);
    CHECK(r && gen_choicemap_equal(r, want));
    for (int i = 1; i < 4; i++) CHECK(gen_addr_compare(rev[i - 1].addr, rev[i].addr) < 0); /* sorted in place */
    CHECK(gen_choicemap_is_empty(cm_from_items(NULL, 0)));
}

static void test_items_submaps(void) {
    gen_choicemap *sm = small_built();
    gen_addr s = A("s"), e = A("e"), v = A("v");
    cm_item it[3] = {{&s, NULL, sm}, {&e, NULL, gen_choicemap_empty()}, {&v, gen_scalar(7), NULL}};
    gen_choicemap *m = cm_from_items(it, 3);
    CHECK(gen_choicemap_count(m) == 5 && gen_choicemap_num_children(m) == 2);
    CHECK(gen_choicemap_get_submap(m, &s) == sm); /* shared, not copied */
    CHECK(gen_choicemap_is_empty(gen_choicemap_get_submap(m, &e)));
    CHECK(get(m, v) == 7);
    cm_item only_empty[1] = {{&e, NULL, gen_choicemap_empty()}};
    CHECK(gen_choicemap_is_empty(cm_from_items(only_empty, 1)));
}

static void test_items_errors(void) {
    gen_addr y = A("y"), y0 = A("y/0"), root = A(""), x = A("x");
    cm_item dup[2] = {{&y0, gen_scalar(1), NULL}, {&y0, gen_scalar(2), NULL}};
    CHECK(!cm_from_items(dup, 2));
    CHECK_ERROR(gen_error_status(), "y/0 and y/0 overlap");
    cm_item prefix[2] = {{&y0, gen_scalar(1), NULL}, {&y, gen_scalar(2), NULL}};
    CHECK(!cm_from_items(prefix, 2));
    CHECK_ERROR(gen_error_status(), "y and y/0 overlap (the same address, or one a prefix");
    /* an entry at the root is the whole map (a distribution as a generative function) */
    cm_item at_root[1] = {{&root, gen_scalar(1), NULL}};
    gen_choicemap *leaf = cm_from_items(at_root, 1);
    CHECK(leaf && gen_choicemap_count(leaf) == 1 && get(leaf, root) == 1);
    cm_item root_and_x[2] = {{&x, gen_scalar(2), NULL}, {&root, gen_scalar(1), NULL}};
    CHECK(!cm_from_items(root_and_x, 2));
    CHECK_ERROR(gen_error_status(), "overlap (the same address, or one a prefix");
    cm_item nothing[2] = {{&x, NULL, NULL}, {&y, gen_scalar(1), NULL}};
    CHECK(!cm_from_items(nothing, 2));
    CHECK_ERROR(gen_error_status(), "no value or submap at x");
}

static gen_status workload(void) {
    gen_addr x = A("x"), z = A("z/a"), y = A("y");
    gen_choicemap *sm = gen_choicemap_set(gen_choicemap_empty(), &x, gen_scalar(1));
    sm = gen_choicemap_set(sm, &z, gen_scalar(2));
    sm = gen_choicemap_set(sm, &y, gen_scalar(3));
    if (!sm) return gen_error_status();
    gen_addr a[7] = {A("q"), A("b/2"), A("b/1"), A("s"), A("c/d/e"), A("c/d/f"), A("c/g")};
    cm_item it[7];
    for (int i = 0; i < 7; i++) it[i] = (cm_item){&a[i], i == 3 || i == 6 ? NULL : gen_scalar(i), NULL};
    it[3].sub = sm;
    it[6].sub = gen_choicemap_empty(); /* vanishes: its parent shrinks */
    gen_choicemap *m = cm_from_items(it, 7);
    if (!m) return gen_error_status();
    return gen_choicemap_count(m) == 8 ? GEN_OK : GEN_ERR_INTERNAL;
}

static void test_out_of_memory(void) {
    int d = gen_scope_depth();
    for (int i = 0; i < d; i++) gen_scope_end();
    gen_intern("q"), gen_intern("b"), gen_intern("s"), gen_intern("c"), gen_intern("d");
    gen_intern("e"), gen_intern("f"), gen_intern("x"), gen_intern("y"), gen_intern("z");
    gen_intern("a"), gen_intern("g");
    check_counting c = {0, 0, 0, -1};
    gen_set_allocator(check_counting_alloc, &c);
    int n;
    for (n = 0; n < 5000; n++) {
        c.calls = 0;
        c.fail_after = n;
        gen_error_clear();
        gen_scope_begin();
        gen_status st = workload();
        gen_scope_end();
        if (st == GEN_OK) break;
        if (st != GEN_ERR_OOM) {
            check_fail(__FILE__, __LINE__, "allocation %d failing gave %s: %s", n,
                       gen_status_name(st), gen_error_message());
            break;
        }
        if (c.live_blocks != 0 || c.live_bytes != 0) {
            check_fail(__FILE__, __LINE__, "allocation %d failing leaked %ld blocks, %ld bytes", n,
                       c.live_blocks, c.live_bytes);
            break;
        }
    }
    CHECK(n > 10 && n < 5000);
    CHECK(c.live_blocks == 0 && c.live_bytes == 0);
    gen_set_allocator(NULL, NULL);
    gen_error_clear();
    for (int i = 0; i < d; i++) gen_scope_begin();
}

int main(void) {
    RUN(test_builder_lookups);
    RUN(test_items_equal_builder);
    RUN(test_items_submaps);
    RUN(test_items_errors);
    RUN(test_out_of_memory);
    return check_finish();
}
