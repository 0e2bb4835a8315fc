/* cmap_set.c — persistent updates by path copying (set, set_submap, remove) and merge.
 * Only the nodes on the path to the changed address are copied; every other child is
 * shared (retained) with the old map. */
#include <string.h>

#include "choice_int.h"

/* A copy of m's entries with entry i replaced by child (owned; NULL: dropped) or, when
 * insert, child inserted at i. Other children are retained. Returns an owned node. */
static gen_choicemap *copy_with(const gen_choicemap *m, int64_t i, bool insert,
                                gen_choicemap *child) {
    int64_t n = m->n + (insert ? 1 : 0) - (child ? 0 : 1);
    gen_choicemap *r = cm_alloc(n);
    if (!r) {
        gen_choicemap_release(child);
        return NULL;
    }
    int64_t k = 0;
    for (int64_t j = 0; j < m->n; j++) {
        if (j == i) {
            if (child) r->entries[k++] = (cm_entry){insert ? 0 : m->entries[j].key, child};
            if (!insert) continue;
        }
        r->entries[k].key = m->entries[j].key;
        r->entries[k++].child = gen_choicemap_retain(m->entries[j].child);
    }
    if (insert && i == m->n) r->entries[k++] = (cm_entry){0, child};
    return r;
}

/* m with sub (borrowed; empty: remove) at a->parts[d..]. Owned result or NULL. */
static gen_choicemap *set_rec(const gen_choicemap *m, const gen_addr *a, int d,
                              const gen_choicemap *sub, const char *fn) {
    if (d == a->len) return cm_ref(sub);
    if (m->value) {
        char bp[GEN_ADDR_FORMAT_MAX], ba[GEN_ADDR_FORMAT_MAX];
        gen_addr prefix = *a;
        prefix.len = d;
        GEN_FAIL(GEN_ERR_VALUE, "%s: %s is a value, cannot set %s below it", fn,
                 addr_str(&prefix, bp), addr_str(a, ba));
        return NULL;
    }
    uint64_t key = a->parts[d].v;
    int64_t i = cm_lower_bound(m, key);
    bool exists = i < m->n && m->entries[i].key == key;
    const gen_choicemap *child = exists ? m->entries[i].child : &cm_empty_map;
    gen_choicemap *nc = set_rec(child, a, d + 1, sub, fn);
    if (!nc) return NULL;
    if (nc == child) { /* nothing changed: share m whole */
        gen_choicemap_release(nc);
        return cm_ref(m);
    }
    bool drop = nc->count == 0;
    if (drop) gen_choicemap_release(nc); /* immortal empty: no-op */
    gen_choicemap *r = copy_with(m, i, !exists, drop ? NULL : nc);
    if (!r) return NULL;
    if (!exists) r->entries[i].key = key;
    return cm_seal(r);
}

static bool check_parts(const char *fn, const gen_addr *a) {
    for (int i = 0; i < a->len; i++)
        if (!gen_part_valid(a->parts[i])) {
            GEN_FAIL(GEN_ERR_VALUE, "%s: part %d of the address is invalid", fn, i);
            return false;
        }
    return true;
}

static gen_choicemap *set_public(const char *fn, const gen_choicemap *m, const gen_addr *addr,
                                 const gen_choicemap *sub) {
    if (!cm_check_arg(fn, m, "the map") || !cm_check_addr(fn, addr) || !check_parts(fn, addr))
        return NULL;
    return cm_publish(set_rec(m, addr, 0, sub, fn));
}

gen_choicemap *gen_choicemap_set(const gen_choicemap *m, const gen_addr *addr,
                                 const gen_array *value) {
    if (!value) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_set: the value is NULL");
        return NULL;
    }
    if (!cm_check_arg("gen_choicemap_set", m, "the map")) return NULL;
    if (!cm_check_value(value, addr)) return NULL;
    gen_choicemap *leaf = cm_leaf(value);
    if (!leaf) return NULL;
    gen_choicemap *r = set_public("gen_choicemap_set", m, addr, leaf);
    gen_choicemap_release(leaf);
    return r;
}

gen_choicemap *gen_choicemap_set_masked(const gen_choicemap *m, const gen_addr *addr,
                                        const gen_array *value, const gen_array *mask) {
    const char *fn = "gen_choicemap_set_masked";
    if (!value) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the value is NULL", fn);
        return NULL;
    }
    if (!cm_check_arg(fn, m, "the map") || !cm_check_addr(fn, addr)) return NULL;
    if (!cm_check_value(value, addr) || cm_check_mask(fn, value, mask, addr) != GEN_OK) return NULL;
    gen_choicemap *leaf = cm_leaf_masked(value, mask);
    if (!leaf) return NULL;
    gen_choicemap *r = set_public(fn, m, addr, leaf);
    gen_choicemap_release(leaf);
    return r;
}

gen_choicemap *gen_choicemap_set_submap(const gen_choicemap *m, const gen_addr *addr,
                                        const gen_choicemap *sub) {
    if (!cm_check_arg("gen_choicemap_set_submap", sub, "the submap")) return NULL;
    return set_public("gen_choicemap_set_submap", m, addr, sub);
}

gen_choicemap *gen_choicemap_remove(const gen_choicemap *m, const gen_addr *addr) {
    if (!cm_check_arg("gen_choicemap_remove", m, "the map") ||
        !cm_check_addr("gen_choicemap_remove", addr))
        return NULL;
    /* Removing below a value or a missing address leaves m as it is. */
    int d = 0;
    const gen_choicemap *n = m;
    for (; d < addr->len && !n->value; d++) {
        int64_t i = cm_find(n, addr->parts[d].v);
        if (i < 0) break;
        n = n->entries[i].child;
    }
    if (d < addr->len) return cm_publish(cm_ref(m));
    return cm_publish(set_rec(m, addr, 0, &cm_empty_map, "gen_choicemap_remove"));
}

/* ---- merge ---- */

static gen_choicemap *merge_rec(const gen_choicemap *a, const gen_choicemap *b, gen_addr *path) {
    if (a->count == 0) return cm_ref(b);
    if (b->count == 0) return cm_ref(a);
    if (a->value && b->value && (a->mask || b->mask)) return cm_merge_masked(a, b, path);
    if (a->value || b->value) {
        char buf[GEN_ADDR_FORMAT_MAX];
        if (a->value && b->value)
            GEN_FAIL(GEN_ERR_VALUE, "choicemap merge: both maps have a value at %s",
                     addr_str(path, buf));
        else
            GEN_FAIL(GEN_ERR_VALUE,
                     "choicemap merge: the %s map has a value at %s where the other has choices",
                     a->value ? "first" : "second", addr_str(path, buf));
        return NULL;
    }
    int64_t n = a->n + b->n;
    for (int64_t i = 0, j = 0; i < a->n && j < b->n;) {
        uint64_t ka = a->entries[i].key, kb = b->entries[j].key;
        if (ka == kb) n--;
        i += ka <= kb;
        j += kb <= ka;
    }
    gen_choicemap *r = cm_alloc(n);
    if (!r) return NULL;
    int64_t i = 0, j = 0, k = 0;
    while (i < a->n || j < b->n) {
        uint64_t ka = i < a->n ? a->entries[i].key : UINT64_MAX;
        uint64_t kb = j < b->n ? b->entries[j].key : UINT64_MAX;
        gen_choicemap *c;
        if (ka == kb) {
            path->parts[path->len++].v = ka;
            c = merge_rec(a->entries[i].child, b->entries[j].child, path);
            path->len--;
            i++, j++;
        } else {
            c = cm_ref(ka < kb ? a->entries[i++].child : b->entries[j++].child);
        }
        if (!c) {
            cm_discard(r, k);
            return NULL;
        }
        r->entries[k].key = ka < kb ? ka : kb;
        r->entries[k++].child = c;
    }
    return cm_seal(r);
}

gen_choicemap *gen_choicemap_merge(const gen_choicemap *a, const gen_choicemap *b) {
    if (!cm_check_arg("gen_choicemap_merge", a, "the first map") ||
        !cm_check_arg("gen_choicemap_merge", b, "the second map"))
        return NULL;
    gen_addr path = {0};
    return cm_publish(merge_rec(a, b, &path));
}
