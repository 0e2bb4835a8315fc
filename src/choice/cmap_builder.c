/* cmap_builder.c — a mutable tree for building big choice maps in one pass.
 *
 * Each builder node is a value, a shared immutable submap ("frozen", thawed one level
 * when a set goes below it), or a vector of children. While children arrive in
 * increasing order (the usual case: a model's addresses) they are found by binary
 * search; once out of order, through a small open-addressing index when there are more
 * than a few. finish sorts each node's children once (skipped when they were added in
 * order) and emits immutable nodes bottom-up. Nodes come from an arena owned by the
 * builder (one allocation per many nodes, reused after finish). */
#include <stdlib.h>
#include <string.h>

#include "choice_int.h"

#define BN_SCAN 8 /* children found by a linear scan below this count */

typedef struct bnode bnode;
typedef struct bchild {
    uint64_t key;
    bnode *node;
} bchild;

struct bnode {
    gen_array *value;      /* owned, or NULL */
    gen_array *mask;       /* the value's presence mask (owned), or NULL: all */
    gen_choicemap *frozen; /* owned, or NULL */
    bchild *kids;
    int64_t n, cap;
    bool unsorted;  /* the kids' keys are not strictly increasing */
    int64_t *index; /* kid positions by hash, -1 empty; index_cap slots (unsorted only) */
    int64_t index_cap;
};

/* A block of nodes; nodes are never freed one by one, only cleared. */
typedef struct bchunk {
    struct bchunk *next;
    int64_t cap, used;
    bnode nodes[];
} bchunk;

#define BCHUNK_MIN 16
#define BCHUNK_MAX 1024

struct gen_choicemap_builder {
    bnode root;
    bchunk *chunks; /* newest first; only the newest has free nodes */
};

/* A zeroed node from the arena; NULL (error recorded) on OOM. */
static bnode *bnode_new(gen_choicemap_builder *bl) {
    bchunk *c = bl->chunks;
    if (!c || c->used == c->cap) {
        int64_t cap = c ? (c->cap < BCHUNK_MAX ? 2 * c->cap : BCHUNK_MAX) : BCHUNK_MIN;
        bchunk *n = core_alloc(sizeof *n + (size_t)cap * sizeof(bnode));
        if (!n) return NULL;
        n->next = c;
        n->cap = cap;
        n->used = 0;
        bl->chunks = c = n;
    }
    bnode *b = &c->nodes[c->used++];
    memset(b, 0, sizeof *b);
    return b;
}

/* Empties b (its memory stays in the arena). */
static void bnode_clear(bnode *b) {
    gen_array_release(b->value);
    gen_array_release(b->mask);
    gen_choicemap_release(b->frozen);
    for (int64_t i = 0; i < b->n; i++) bnode_clear(b->kids[i].node);
    core_free(b->kids, (size_t)b->cap * sizeof(bchild));
    core_free(b->index, (size_t)b->index_cap * sizeof(int64_t));
    memset(b, 0, sizeof *b);
}

/* Empties the whole tree; the arena keeps its newest chunk for reuse. */
static void builder_clear(gen_choicemap_builder *bl, bool keep_chunk) {
    bnode_clear(&bl->root);
    bchunk *c = bl->chunks, *keep = keep_chunk ? c : NULL;
    if (keep) {
        c = c->next;
        keep->next = NULL;
        keep->used = 0;
    }
    while (c) {
        bchunk *next = c->next;
        core_free(c, sizeof *c + (size_t)c->cap * sizeof(bnode));
        c = next;
    }
    bl->chunks = keep;
}

static size_t slot_of(uint64_t key, int64_t cap) {
    uint64_t h = key * 0x9E3779B97F4A7C15u;
    return (size_t)(h >> 32) & (size_t)(cap - 1);
}

static gen_status reindex(bnode *b, int64_t cap) {
    int64_t *ix = core_alloc((size_t)cap * sizeof(int64_t));
    if (!ix) return GEN_ERR_OOM;
    memset(ix, 0xff, (size_t)cap * sizeof(int64_t));
    for (int64_t i = 0; i < b->n; i++) {
        size_t s = slot_of(b->kids[i].key, cap);
        while (ix[s] >= 0) s = (s + 1) & (size_t)(cap - 1);
        ix[s] = i;
    }
    core_free(b->index, (size_t)b->index_cap * sizeof(int64_t));
    b->index = ix;
    b->index_cap = cap;
    return GEN_OK;
}

static bnode *find_kid(const bnode *b, uint64_t key) {
    if (b->n == 0) return NULL;
    uint64_t last = b->kids[b->n - 1].key;
    if (last == key) return b->kids[b->n - 1].node;
    if (!b->unsorted) { /* a key past the last is absent; otherwise binary search */
        if (key > last) return NULL;
        int64_t lo = 0, hi = b->n - 1;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (b->kids[mid].key < key) lo = mid + 1;
            else hi = mid;
        }
        return b->kids[lo].key == key ? b->kids[lo].node : NULL;
    }
    if (!b->index) {
        for (int64_t i = 0; i < b->n; i++)
            if (b->kids[i].key == key) return b->kids[i].node;
        return NULL;
    }
    for (size_t s = slot_of(key, b->index_cap);; s = (s + 1) & (size_t)(b->index_cap - 1)) {
        int64_t i = b->index[s];
        if (i < 0) return NULL;
        if (b->kids[i].key == key) return b->kids[i].node;
    }
}

/* Appends a new child under key (absent from b). */
static bnode *add_kid(gen_choicemap_builder *bl, bnode *b, uint64_t key) {
    if (b->n == b->cap) {
        int64_t ncap = b->cap ? 2 * b->cap : 4;
        bchild *k = core_realloc(b->kids, (size_t)b->cap * sizeof(bchild),
                                 (size_t)ncap * sizeof(bchild));
        if (!k) return NULL;
        b->kids = k;
        b->cap = ncap;
    }
    bnode *c = bnode_new(bl);
    if (!c) return NULL;
    bool was_unsorted = b->unsorted;
    if (b->n && key < b->kids[b->n - 1].key) b->unsorted = true;
    b->kids[b->n].key = key;
    b->kids[b->n].node = c;
    b->n++;
    if (b->unsorted && b->n > BN_SCAN) {
        if (2 * b->n > b->index_cap) {
            int64_t cap = b->index_cap ? 2 * b->index_cap : 32;
            while (2 * b->n > cap) cap *= 2;
            if (reindex(b, cap) != GEN_OK) {
                b->n--; /* c stays in the arena, unused */
                b->unsorted = was_unsorted;
                return NULL;
            }
        } else {
            size_t s = slot_of(key, b->index_cap);
            while (b->index[s] >= 0) s = (s + 1) & (size_t)(b->index_cap - 1);
            b->index[s] = b->n - 1;
        }
    }
    return c;
}

/* Turns a frozen internal map into children that are frozen one level down. */
static gen_status thaw(gen_choicemap_builder *bl, bnode *b) {
    gen_choicemap *f = b->frozen;
    b->frozen = NULL;
    for (int64_t i = 0; i < f->n; i++) { /* in order: no index needed */
        bnode *c = add_kid(bl, b, f->entries[i].key);
        if (!c) {
            b->frozen = f; /* restore: drop the partial children */
            for (int64_t j = 0; j < b->n; j++) bnode_clear(b->kids[j].node);
            b->n = 0;
            b->unsorted = false;
            core_free(b->index, (size_t)b->index_cap * sizeof(int64_t));
            b->index = NULL;
            b->index_cap = 0;
            return GEN_ERR_OOM;
        }
        c->frozen = cm_ref(f->entries[i].child);
    }
    gen_choicemap_release(f);
    return GEN_OK;
}

/* The node at addr, created as needed; NULL with an error. */
static bnode *descend(gen_choicemap_builder *bl, const gen_addr *a, const char *fn) {
    if (!bl) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the builder is NULL", fn);
        return NULL;
    }
    if (!cm_check_addr(fn, a)) return NULL;
    bnode *b = &bl->root;
    for (int d = 0; d < a->len; d++) {
        if (!gen_part_valid(a->parts[d])) {
            GEN_FAIL(GEN_ERR_VALUE, "%s: part %d of the address is invalid", fn, d);
            return NULL;
        }
        if (b->value || (b->frozen && b->frozen->value)) {
            char bp[GEN_ADDR_FORMAT_MAX], ba[GEN_ADDR_FORMAT_MAX];
            gen_addr prefix = *a;
            prefix.len = d;
            GEN_FAIL(GEN_ERR_VALUE, "%s: %s is a value, cannot set %s below it", fn,
                     addr_str(&prefix, bp), addr_str(a, ba));
            return NULL;
        }
        if (b->frozen && thaw(bl, b) != GEN_OK) return NULL;
        bnode *c = find_kid(b, a->parts[d].v);
        if (!c && !(c = add_kid(bl, b, a->parts[d].v))) return NULL;
        b = c;
    }
    return b;
}

gen_choicemap_builder *gen_choicemap_builder_new(void) {
    return core_calloc(1, sizeof(gen_choicemap_builder));
}

void gen_choicemap_builder_free(gen_choicemap_builder *b) {
    if (!b) return;
    builder_clear(b, false);
    core_free(b, sizeof *b);
}

gen_status gen_choicemap_builder_set(gen_choicemap_builder *bl, const gen_addr *addr,
                                     const gen_array *value) {
    if (!value) {
        if (!core_error_pending())
            GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_builder_set: the value is NULL");
        return gen_error_status();
    }
    if (!cm_check_value(value, addr)) return gen_error_status();
    bnode *b = descend(bl, addr, "gen_choicemap_builder_set");
    if (!b) return gen_error_status();
    bnode_clear(b);
    b->value = gen_array_retain((gen_array *)value);
    return GEN_OK;
}

gen_status gen_choicemap_builder_set_masked(gen_choicemap_builder *bl, const gen_addr *addr,
                                            const gen_array *value, const gen_array *mask) {
    const char *fn = "gen_choicemap_builder_set_masked";
    if (!bl) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the builder is NULL", fn);
    if (!cm_check_addr(fn, addr)) return GEN_ERR_MISUSE;
    if (!value) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the value is NULL", fn);
        return gen_error_status();
    }
    if (!cm_check_value(value, addr) || cm_check_mask(fn, value, mask, addr) != GEN_OK) return gen_error_status();
    gen_choicemap *leaf = cm_leaf_masked(value, mask); /* normalized: all, some or no particles */
    if (!leaf) return GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", fn);
    bnode *b = descend(bl, addr, fn);
    if (!b) {
        gen_choicemap_release(leaf);
        return gen_error_status();
    }
    bnode_clear(b);
    if (leaf->count) {
        b->value = gen_array_retain(leaf->value);
        b->mask = leaf->mask ? gen_array_retain(leaf->mask) : NULL;
    }
    gen_choicemap_release(leaf);
    return GEN_OK;
}

gen_status gen_choicemap_builder_set_submap(gen_choicemap_builder *bl, const gen_addr *addr,
                                            const gen_choicemap *sub) {
    if (!cm_check_arg("gen_choicemap_builder_set_submap", sub, "the submap"))
        return gen_error_status();
    bnode *b = descend(bl, addr, "gen_choicemap_builder_set_submap");
    if (!b) return gen_error_status();
    bnode_clear(b);
    if (sub->count) b->frozen = cm_ref(sub);
    return GEN_OK;
}

static int cmp_child(const void *x, const void *y) {
    uint64_t a = ((const bchild *)x)->key, b = ((const bchild *)y)->key;
    return (a > b) - (a < b);
}

/* The immutable map of b (owned), consuming b's contents; NULL on OOM. */
static gen_choicemap *emit(bnode *b) {
    if (b->value) {
        gen_choicemap *m = cm_alloc(0);
        if (!m) return NULL;
        m->value = b->value; /* moves b's references */
        m->mask = b->mask;
        m->count = 1;
        b->value = NULL;
        b->mask = NULL;
        return m;
    }
    if (b->frozen) {
        gen_choicemap *m = b->frozen;
        b->frozen = NULL;
        return m;
    }
    if (b->unsorted) qsort(b->kids, (size_t)b->n, sizeof(bchild), cmp_child);
    gen_choicemap *r = cm_alloc(b->n);
    if (!r) return NULL;
    int64_t k = 0;
    for (int64_t i = 0; i < b->n; i++) {
        gen_choicemap *c = emit(b->kids[i].node);
        if (!c) {
            cm_discard(r, k);
            return NULL;
        }
        if (c->count == 0) continue; /* emptied children vanish */
        r->entries[k].key = b->kids[i].key;
        r->entries[k++].child = c;
    }
    if (k < r->n) { /* shrink to the children kept */
        gen_choicemap *s = cm_alloc(k);
        if (!s) {
            cm_discard(r, k);
            return NULL;
        }
        memcpy(s->entries, r->entries, (size_t)k * sizeof(cm_entry));
        cm_discard(r, 0);
        r = s;
    }
    return cm_seal(r);
}

gen_choicemap *gen_choicemap_builder_finish(gen_choicemap_builder *bl) {
    if (!bl) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_builder_finish: the builder is NULL");
        return NULL;
    }
    gen_choicemap *m = emit(&bl->root);
    builder_clear(bl, true);
    return cm_publish(m);
}
