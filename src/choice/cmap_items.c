/* cmap_items.c — see cmap_items.h: sorts the items (usually already in order), then
 * emits each node bottom-up from the run of items that shares its prefix. */
#include <stdlib.h>
#include <string.h>

#include "choice_int.h"
#include "cmap_items.h"

static int cmp_item(const void *x, const void *y) {
    return gen_addr_compare(((const cm_item *)x)->addr, ((const cm_item *)y)->addr);
}

/* items[0] and items[1] overlap (sorted: the prefix first). */
static gen_choicemap *fail_overlap(const cm_item *items) {
    char a[GEN_ADDR_FORMAT_MAX], b[GEN_ADDR_FORMAT_MAX];
    GEN_FAIL(GEN_ERR_VALUE, "choicemap from items: %s and %s overlap (the same address, or "
             "one a prefix of the other)", addr_str(items[0].addr, a), addr_str(items[1].addr, b));
    return NULL;
}

/* The map of items[0..n), which share their first d parts (owned, or NULL). */
static gen_choicemap *build(const cm_item *items, int64_t n, int d) {
    if (items[0].addr->len == d) { /* sorted: a prefix comes first */
        if (n > 1) return fail_overlap(items); /* an entry at the root is the whole map */
        if (items[0].value) return cm_leaf(items[0].value);
        if (items[0].sub) return cm_ref(items[0].sub);
        char buf[GEN_ADDR_FORMAT_MAX];
        GEN_FAIL(GEN_ERR_MISUSE, "choicemap from items: no value or submap at %s",
                 addr_str(items[0].addr, buf));
        return NULL;
    }
    int64_t k = 1; /* distinct keys at depth d */
    for (int64_t i = 1; i < n; i++) k += items[i].addr->parts[d].v != items[i - 1].addr->parts[d].v;
    gen_choicemap *r = cm_alloc(k);
    if (!r) return NULL;
    int64_t filled = 0;
    for (int64_t lo = 0, hi; lo < n; lo = hi) {
        uint64_t key = items[lo].addr->parts[d].v;
        for (hi = lo + 1; hi < n && items[hi].addr->parts[d].v == key; hi++) {}
        gen_choicemap *c = build(items + lo, hi - lo, d + 1);
        if (!c) {
            cm_discard(r, filled);
            return NULL;
        }
        if (c->count == 0) continue; /* empty submaps vanish */
        r->entries[filled].key = key;
        r->entries[filled++].child = c;
    }
    if (filled < k) { /* shrink to the children kept */
        gen_choicemap *s = cm_alloc(filled);
        if (!s) {
            cm_discard(r, filled);
            return NULL;
        }
        memcpy(s->entries, r->entries, (size_t)filled * sizeof(cm_entry));
        cm_discard(r, 0);
        r = s;
    }
    return cm_seal(r);
}

gen_choicemap *cm_from_items(cm_item *items, int64_t n) {
    if (n == 0) return &cm_empty_map;
    bool sorted = true;
    for (int64_t i = 1; i < n && sorted; i++) sorted = gen_addr_compare(items[i - 1].addr, items[i].addr) < 0;
    if (!sorted) qsort(items, (size_t)n, sizeof *items, cmp_item);
    return cm_publish(build(items, n, 0));
}
