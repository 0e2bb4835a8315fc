/* cmap.c — choice map nodes: creation, refcounts, lookups, iteration and equality. */
#include <stdio.h>
#include <string.h>

#include "choice_int.h"

gen_choicemap cm_empty_map = {.refcount = 1, .immortal = true};

static size_t node_bytes(int64_t n) { return sizeof(gen_choicemap) + (size_t)n * sizeof(cm_entry); }

gen_choicemap *cm_alloc(int64_t n) {
    gen_choicemap *m = core_alloc(node_bytes(n));
    if (!m) return NULL;
    atomic_init(&m->refcount, 1);
    m->immortal = false;
    m->count = 0;
    m->value = NULL;
    m->mask = NULL;
    m->n = n;
    return m;
}

gen_choicemap *cm_leaf(const gen_array *value) {
    gen_choicemap *m = cm_alloc(0);
    if (!m) return NULL;
    m->value = gen_array_retain((gen_array *)value);
    m->count = 1;
    return m;
}

static void cm_free(gen_choicemap *m) {
    char d[CORE_DESC_MAX] = "";
    if (CORE_UNLIKELY(core_debug())) cm_describe(m, d, sizeof d);
    gen_array_release(m->value);
    gen_array_release(m->mask);
    for (int64_t i = 0; i < m->n; i++) {
        gen_choicemap_release(m->entries[i].child);
        if (CORE_UNLIKELY(intern_is_held(m->entries[i].key))) intern_drop((gen_sym)m->entries[i].key);
    }
    core_obj_free(m, node_bytes(m->n), false, d);
}

const char *cm_describe(const gen_choicemap *m, char *buf, size_t n) {
    if (m->value && !m->n) snprintf(buf, n, "a choice map of a value");
    else snprintf(buf, n, "a choice map of %lld value%s", (long long)m->count, m->count == 1 ? "" : "s");
    return buf;
}

bool cm_dead_fail(const char *fn, const char *what, const gen_choicemap *m) {
    core_dead_fail(fn, what, m, "a choice map");
    return false;
}

void cm_discard(gen_choicemap *m, int64_t filled) {
    for (int64_t i = 0; i < filled; i++) gen_choicemap_release(m->entries[i].child);
    gen_array_release(m->value);
    gen_array_release(m->mask);
    core_free(m, node_bytes(m->n));
}

gen_choicemap *cm_seal(gen_choicemap *m) {
    if (m->n == 0 && !m->value) {
        cm_free(m);
        return &cm_empty_map;
    }
    int64_t c = m->value ? 1 : 0;
    for (int64_t i = 0; i < m->n; i++) {
        c += m->entries[i].child->count;
        if (CORE_UNLIKELY(intern_is_held(m->entries[i].key))) intern_hold((gen_sym)m->entries[i].key);
    }
    m->count = c;
    return m;
}

gen_choicemap *gen_choicemap_retain(gen_choicemap *m) {
    if (m && !m->immortal && CORE_UNLIKELY(atomic_fetch_add_explicit(&m->refcount, 1, memory_order_relaxed) <= 0))
        return cm_dead_fail("gen_choicemap_retain", "the map", m), NULL;
    return m;
}

void gen_choicemap_release(gen_choicemap *m) {
    if (!m || m->immortal) return;
    int old = atomic_fetch_sub_explicit(&m->refcount, 1, memory_order_acq_rel);
    if (old == 1) cm_free(m);
    else if (CORE_UNLIKELY(old <= 0)) core_double_release("gen_choicemap_release", m, "a choice map");
}

static void release_void(void *m) { gen_choicemap_release(m); }

gen_choicemap *cm_publish(gen_choicemap *m) {
    if (!m || m->immortal) return m;
    gen_status s = core_scope_own(m, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return m;
    gen_choicemap_release(m);
    return NULL;
}

gen_choicemap *gen_choicemap_scope_return(gen_choicemap *m) {
    if (!m || m->immortal) return m;
    if (!gen_choicemap_retain(m)) return NULL;
    gen_status s = core_scope_own_parent(m, release_void);
    if (s == GEN_OK || s == GEN_ERR_MISUSE) return m;
    gen_choicemap_release(m);
    return NULL;
}

bool cm_check_arg(const char *fn, const gen_choicemap *m, const char *name) {
    if (m) return CORE_LIKELY(!core_dead(m)) || cm_dead_fail(fn, name, m);
    if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, name);
    return false;
}

bool cm_check_addr(const char *fn, const gen_addr *a) {
    if (!a) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: the address is NULL", fn);
        return false;
    }
    if (a->len < 0 || a->len > GEN_ADDR_MAX_DEPTH) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: the address has %d parts (0 to %d)", fn, a->len,
                 GEN_ADDR_MAX_DEPTH);
        return false;
    }
    return true;
}

gen_choicemap *gen_choicemap_empty(void) { return &cm_empty_map; }

bool cm_fail_tuple(const gen_addr *addr) {
    char buf[GEN_ADDR_FORMAT_MAX];
    GEN_FAIL(GEN_ERR_VALUE, "choicemap: the value at %s is a tuple (choice values are arrays "
             "of numbers)", addr_str(addr, buf));
    return false;
}

gen_choicemap *gen_choicemap_of_value(const gen_array *value) {
    if (!value) {
        if (!core_error_pending())
            GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_of_value: the value is NULL");
        return NULL;
    }
    if (!cm_check_value(value, NULL)) return NULL;
    return cm_publish(cm_leaf(value));
}

/* The queries answer for a released map as for NULL, recording the error (the slow
 * paths are tail calls, so the fast ones keep no frame). */
static CORE_NOINLINE int64_t dead_int(const char *fn, const gen_choicemap *m, int64_t r) {
    cm_dead_fail(fn, "the map", m);
    return r;
}
static CORE_NOINLINE const void *dead_ptr(const char *fn, const gen_choicemap *m) {
    cm_dead_fail(fn, "the map", m);
    return NULL;
}
#define DEAD(m) CORE_UNLIKELY(core_dead(m))

bool gen_choicemap_is_empty(const gen_choicemap *m) {
    if (!m) return true;
    return DEAD(m) ? dead_int("gen_choicemap_is_empty", m, 1) : m->count == 0;
}
bool gen_choicemap_is_value(const gen_choicemap *m) {
    if (!m) return false;
    return DEAD(m) ? dead_int("gen_choicemap_is_value", m, 0) : m->value != NULL;
}
const gen_array *gen_choicemap_value(const gen_choicemap *m) {
    if (!m) return NULL;
    return DEAD(m) ? dead_ptr("gen_choicemap_value", m) : m->value;
}
int64_t gen_choicemap_count(const gen_choicemap *m) {
    if (!m) return 0;
    return DEAD(m) ? dead_int("gen_choicemap_count", m, 0) : m->count;
}

int64_t cm_lower_bound(const gen_choicemap *m, uint64_t key) {
    int64_t lo = 0, hi = m->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (m->entries[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int64_t cm_find(const gen_choicemap *m, uint64_t key) {
    int64_t n = m->n;
    if (n == 0) return -1;
    /* Integer children are often 0..n-1 or another run: guess the slot first. */
    uint64_t d = key - m->entries[0].key;
    if (d < (uint64_t)n && m->entries[d].key == key) return (int64_t)d;
    int64_t i = cm_lower_bound(m, key);
    return (i < n && m->entries[i].key == key) ? i : -1;
}

const gen_choicemap *gen_choicemap_child(const gen_choicemap *m, gen_part p) {
    if (!m) return NULL;
    if (DEAD(m)) return dead_ptr("gen_choicemap_child", m);
    int64_t i = cm_find(m, p.v);
    return i >= 0 ? m->entries[i].child : &cm_empty_map;
}

/* The node at a->parts[0..depth) or NULL; *stop is how many parts were walked. */
static const gen_choicemap *walk(const gen_choicemap *m, const gen_addr *a, int *stop) {
    int k = 0;
    for (; k < a->len; k++) {
        int64_t i = cm_find(m, a->parts[k].v);
        if (i < 0) break;
        m = m->entries[i].child;
    }
    *stop = k;
    return k == a->len ? m : NULL;
}

const gen_array *gen_choicemap_find(const gen_choicemap *m, const gen_addr *addr) {
    if (CORE_UNLIKELY(!m || !addr)) return m ? (cm_check_addr("gen_choicemap_find", addr), NULL) : NULL;
    if (DEAD(m)) return dead_ptr("gen_choicemap_find", m);
    int k;
    const gen_choicemap *n = walk(m, addr, &k);
    return n ? n->value : NULL;
}

bool gen_choicemap_has_value(const gen_choicemap *m, const gen_addr *addr) {
    if (CORE_UNLIKELY(m && !addr)) return cm_check_addr("gen_choicemap_has_value", addr);
    return gen_choicemap_find(m, addr) != NULL;
}

const gen_array *gen_choicemap_get_value(const gen_choicemap *m, const gen_addr *addr) {
    if (!cm_check_arg("gen_choicemap_get_value", m, "the map") ||
        !cm_check_addr("gen_choicemap_get_value", addr))
        return NULL;
    int k;
    const gen_choicemap *n = walk(m, addr, &k);
    if (n && n->value) return n->value;
    char buf[GEN_ADDR_FORMAT_MAX];
    if (n)
        GEN_FAIL(GEN_ERR_INDEX, "choicemap: no value at %s (it holds a map of %lld values)",
                 addr_str(addr, buf), (long long)n->count);
    else
        GEN_FAIL(GEN_ERR_INDEX, "choicemap: no value at %s", addr_str(addr, buf));
    return NULL;
}

const gen_choicemap *gen_choicemap_get_submap(const gen_choicemap *m, const gen_addr *addr) {
    if (!cm_check_arg("gen_choicemap_get_submap", m, "the map") ||
        !cm_check_addr("gen_choicemap_get_submap", addr))
        return NULL;
    int k;
    const gen_choicemap *n = walk(m, addr, &k);
    return n ? n : &cm_empty_map;
}

int64_t gen_choicemap_num_children(const gen_choicemap *m) {
    if (!m) return 0;
    return DEAD(m) ? dead_int("gen_choicemap_num_children", m, 0) : m->n;
}

const gen_choicemap *gen_choicemap_child_at(const gen_choicemap *m, int64_t i, gen_part *part) {
    if (!m) return NULL;
    if (DEAD(m)) return dead_ptr("gen_choicemap_child_at", m);
    if (i < 0 || i >= m->n) return NULL;
    if (part) part->v = m->entries[i].key;
    return m->entries[i].child;
}

/* ---- deep iteration: a stack of (node, next child index); addr tracks the path ---- */

void gen_choicemap_iter_init(gen_choicemap_iter *it, const gen_choicemap *m) {
    if (CORE_UNLIKELY(!it)) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_iter_init: the iterator is NULL");
        return;
    }
    if (CORE_UNLIKELY(!m)) cm_check_arg("gen_choicemap_iter_init", m, "the map"); /* iterates nothing */
    it->addr.len = 0;
    it->value = NULL;
    it->mask = NULL;
    it->top_ = m && (!DEAD(m) || dead_int("gen_choicemap_iter_init", m, 0)) ? 0 : -1;
    it->node_[0] = m;
    it->pos_[0] = -1; /* -1: the node's own value not yet visited */
}

bool gen_choicemap_iter_next(gen_choicemap_iter *it) {
    if (CORE_UNLIKELY(!it)) return GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_iter_next: the iterator is NULL"), false;
    while (it->top_ >= 0) {
        const gen_choicemap *n = it->node_[it->top_];
        int64_t p = it->pos_[it->top_]++;
        it->addr.len = it->top_;
        if (p < 0) {
            if (n->value) {
                it->value = n->value;
                it->mask = n->mask;
                return true;
            }
            continue;
        }
        if (p < n->n) {
            it->addr.parts[it->top_].v = n->entries[p].key;
            it->top_++;
            it->node_[it->top_] = n->entries[p].child;
            it->pos_[it->top_] = -1;
            it->addr.len = it->top_;
            continue;
        }
        it->top_--;
    }
    it->value = NULL;
    it->mask = NULL;
    it->addr.len = 0;
    return false;
}

gen_status gen_choicemap_foreach(const gen_choicemap *m, gen_choicemap_visit_fn fn, void *ud) {
    if (!cm_check_arg("gen_choicemap_foreach", m, "the map")) return gen_error_status();
    if (!fn) return GEN_FAIL(GEN_ERR_MISUSE, "gen_choicemap_foreach: the callback is NULL");
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (gen_choicemap_iter_next(&it)) {
        gen_status s = fn(ud, &it.addr, it.value);
        if (s != GEN_OK) return s;
    }
    return GEN_OK;
}

const void *cm_host_data(const gen_array *a, gen_array **hold) {
    *hold = NULL;
    if (arr_on_host(a)) return a->data;
    *hold = arr_host_ref(a);
    return *hold ? (*hold)->data : NULL;
}

static bool value_equal(const gen_array *a, const gen_array *b) {
    if (a == b) return true;
    int nd = gen_array_ndim(a);
    if (gen_array_dtype(a) != gen_array_dtype(b) || nd != gen_array_ndim(b) ||
        memcmp(gen_array_shape(a), gen_array_shape(b), (size_t)nd * sizeof(int64_t)) != 0)
        return false;
    size_t bytes = (size_t)gen_array_size(a) * gen_dtype_size(gen_array_dtype(a));
    if (bytes == 0) return true;
    gen_array *ha, *hb;
    const void *pa = cm_host_data(a, &ha), *pb = pa ? cm_host_data(b, &hb) : NULL;
    bool eq = pa && pb && memcmp(pa, pb, bytes) == 0;
    gen_array_release(ha);
    if (pa) gen_array_release(hb);
    return eq;
}

/* Masked leaves: equal masks, and values equal for the particles present. */
static bool masked_equal(const gen_choicemap *a, const gen_choicemap *b) {
    if (!value_equal(a->mask, b->mask)) return false;
    const gen_array *x = a->value, *y = b->value;
    int nd = gen_array_ndim(x);
    if (gen_array_dtype(x) != gen_array_dtype(y) || nd != gen_array_ndim(y) ||
        memcmp(gen_array_shape(x), gen_array_shape(y), (size_t)nd * sizeof(int64_t)) != 0)
        return false;
    int64_t n = gen_array_shape(x)[0];
    size_t block = n ? (size_t)(gen_array_size(x) / n) * gen_dtype_size(gen_array_dtype(x)) : 0;
    gen_array *hold[3] = {NULL, NULL, NULL};
    const bool *mk = cm_host_data(a->mask, &hold[0]);
    const char *px = mk ? cm_host_data(x, &hold[1]) : NULL, *py = px ? cm_host_data(y, &hold[2]) : NULL;
    bool eq = py != NULL;
    for (int64_t i = 0; eq && i < n; i++)
        if (mk[i] && block && memcmp(px + (size_t)i * block, py + (size_t)i * block, block) != 0) eq = false;
    for (int k = 0; k < 3; k++) gen_array_release(hold[k]);
    return eq;
}

bool gen_choicemap_equal(const gen_choicemap *a, const gen_choicemap *b) {
    if (a == b) return true;
    if (!a || !b || a->count != b->count || a->n != b->n || !a->value != !b->value) return false;
    if (CORE_UNLIKELY(a->mask || b->mask)) {
        if (!a->mask || !b->mask || !masked_equal(a, b)) return false;
    } else if (a->value && !value_equal(a->value, b->value))
        return false;
    for (int64_t i = 0; i < a->n; i++)
        if (a->entries[i].key != b->entries[i].key ||
            !gen_choicemap_equal(a->entries[i].child, b->entries[i].child))
            return false;
    return true;
}
