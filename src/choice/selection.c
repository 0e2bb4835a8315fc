/* selection.c — selections: all, none, sets of addresses, complement, union, and
 * walking (sub, contains). A node says whether its own address is contained (self),
 * what parts without an entry select (dflt), and holds exceptions sorted by part, so
 * complement is exact and subselections are borrowed without allocation. */
#include <stdlib.h>
#include <string.h>

#include "choice_int.h"

gen_selection sel_all = {.refcount = 1, .immortal = true, .self = true, .dflt = true};
gen_selection sel_none = {.refcount = 1, .immortal = true};

static size_t sel_bytes(int64_t n) { return sizeof(gen_selection) + (size_t)n * sizeof(sel_entry); }

static gen_selection *sel_alloc(int64_t n, bool self, bool dflt) {
    gen_selection *s = core_alloc(sel_bytes(n));
    if (!s) return NULL;
    atomic_init(&s->refcount, 1);
    s->immortal = false;
    s->self = self;
    s->dflt = dflt;
    s->n = n;
    return s;
}

static void sel_discard(gen_selection *s, int64_t filled) {
    for (int64_t i = 0; i < filled; i++) gen_selection_release(s->entries[i].child);
    core_obj_free(s, sel_bytes(s->n), false, "a selection");
}

static bool sel_dead_fail(const char *fn, const char *what, const gen_selection *s) {
    core_dead_fail(fn, what, s, "a selection");
    return false;
}
/* The queries answer for a released selection as for NULL, recording the error (a tail
 * call: the fast paths keep no frame). */
static CORE_NOINLINE const gen_selection *dead_sel(const char *fn, const gen_selection *s) {
    sel_dead_fail(fn, "the selection", s);
    return NULL;
}

/* Drops entries equal to the default and collapses uniform nodes to the singletons.
 * s holds `filled` valid entries (owned). Returns an owned node. */
static gen_selection *sel_seal(gen_selection *s, int64_t filled) {
    gen_selection *d = s->dflt ? &sel_all : &sel_none;
    int64_t k = 0;
    for (int64_t i = 0; i < filled; i++) {
        if (s->entries[i].child == d) continue; /* immortal: nothing to release */
        s->entries[k++] = s->entries[i];
    }
    if (k == 0 && s->self == s->dflt) {
        sel_discard(s, 0);
        return d;
    }
    if (k < s->n) {
        gen_selection *t = sel_alloc(k, s->self, s->dflt);
        if (!t) {
            sel_discard(s, k);
            return NULL;
        }
        memcpy(t->entries, s->entries, (size_t)k * sizeof(sel_entry));
        sel_discard(s, 0);
        s = t;
    }
    return s;
}

gen_selection *gen_selection_retain(gen_selection *s) {
    if (s && !s->immortal && CORE_UNLIKELY(atomic_fetch_add_explicit(&s->refcount, 1, memory_order_relaxed) <= 0))
        return sel_dead_fail("gen_selection_retain", "the selection", s), NULL;
    return s;
}

void gen_selection_release(gen_selection *s) {
    if (!s || s->immortal) return;
    int old = atomic_fetch_sub_explicit(&s->refcount, 1, memory_order_acq_rel);
    if (old == 1) sel_discard(s, s->n);
    else if (CORE_UNLIKELY(old <= 0)) core_double_release("gen_selection_release", s, "a selection");
}

static void release_void(void *s) { gen_selection_release(s); }

static gen_selection *sel_publish(gen_selection *s) {
    if (!s || s->immortal) return s;
    gen_status st = core_scope_own(s, release_void);
    if (st == GEN_OK || st == GEN_ERR_MISUSE) return s;
    gen_selection_release(s);
    return NULL;
}

gen_selection *gen_selection_scope_return(gen_selection *s) {
    if (!s || s->immortal) return s;
    if (!gen_selection_retain(s)) return NULL;
    gen_status st = core_scope_own_parent(s, release_void);
    if (st == GEN_OK || st == GEN_ERR_MISUSE) return s;
    gen_selection_release(s);
    return NULL;
}

gen_selection *gen_select_all(void) { return &sel_all; }
gen_selection *gen_select_none(void) { return &sel_none; }
bool gen_selection_is_all(const gen_selection *s) { return s == &sel_all; }
bool gen_selection_is_none(const gen_selection *s) { return s == &sel_none; }

const gen_selection *sel_sub(const gen_selection *s, uint64_t key) {
    int64_t lo = 0, hi = s->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s->entries[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    if (lo < s->n && s->entries[lo].key == key) return s->entries[lo].child;
    return s->dflt ? &sel_all : &sel_none;
}

const gen_selection *gen_selection_sub(const gen_selection *s, gen_part p) {
    if (!s) return NULL;
    return CORE_UNLIKELY(core_dead(s)) ? dead_sel("gen_selection_sub", s) : sel_sub(s, p.v);
}

bool gen_selection_contains(const gen_selection *s, const gen_addr *addr) {
    if (CORE_UNLIKELY(!s || !addr)) return s ? cm_check_addr("gen_selection_contains", addr) : false;
    if (CORE_UNLIKELY(core_dead(s))) return dead_sel("gen_selection_contains", s) != NULL;
    for (int i = 0; i < addr->len && !sel_uniform(s); i++) s = sel_sub(s, addr->parts[i].v);
    return s->self;
}

static bool check_sel(const char *fn, const gen_selection *s) {
    if (s) return CORE_LIKELY(!core_dead(s)) || sel_dead_fail(fn, "the selection", s);
    if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the selection is NULL", fn);
    return false;
}

/* ---- complement and union ---- */

static gen_selection *complement_rec(const gen_selection *s) {
    if (s == &sel_all) return &sel_none;
    if (s == &sel_none) return &sel_all;
    gen_selection *r = sel_alloc(s->n, !s->self, !s->dflt);
    if (!r) return NULL;
    for (int64_t i = 0; i < s->n; i++) {
        gen_selection *c = complement_rec(s->entries[i].child);
        if (!c) {
            sel_discard(r, i);
            return NULL;
        }
        r->entries[i].key = s->entries[i].key;
        r->entries[i].child = c;
    }
    return r; /* complementing a normalized node keeps it normalized */
}

gen_selection *gen_selection_complement(const gen_selection *s) {
    if (!check_sel("gen_selection_complement", s)) return NULL;
    return sel_publish(complement_rec(s));
}

static gen_selection *union_rec(const gen_selection *a, const gen_selection *b) {
    if (a == &sel_all || b == &sel_all) return &sel_all;
    if (a == &sel_none) return gen_selection_retain((gen_selection *)b);
    if (b == &sel_none) return gen_selection_retain((gen_selection *)a);
    gen_selection *r = sel_alloc(a->n + b->n, a->self || b->self, a->dflt || b->dflt);
    if (!r) return NULL;
    int64_t i = 0, j = 0, k = 0;
    while (i < a->n || j < b->n) {
        uint64_t ka = i < a->n ? a->entries[i].key : UINT64_MAX;
        uint64_t kb = j < b->n ? b->entries[j].key : UINT64_MAX;
        uint64_t key = ka < kb ? ka : kb;
        gen_selection *c = union_rec(ka <= kb ? a->entries[i].child : sel_sub(a, key),
                                     kb <= ka ? b->entries[j].child : sel_sub(b, key));
        if (!c) {
            sel_discard(r, k);
            return NULL;
        }
        i += ka <= kb;
        j += kb <= ka;
        r->entries[k].key = key;
        r->entries[k++].child = c;
    }
    return sel_seal(r, k);
}

gen_selection *gen_selection_union(const gen_selection *a, const gen_selection *b) {
    if (!check_sel("gen_selection_union", a) || !check_sel("gen_selection_union", b)) return NULL;
    return sel_publish(union_rec(a, b));
}

/* ---- from addresses: sort, then build each level from runs of equal parts ---- */

static int cmp_addr_ptr(const void *x, const void *y) {
    return gen_addr_compare(*(const gen_addr *const *)x, *(const gen_addr *const *)y);
}

/* The selection of sorted addresses a[0..n) seen from depth d. */
static gen_selection *build(const gen_addr *const *a, int64_t n, int d) {
    if (a[0]->len == d) return &sel_all; /* sorted: a prefix comes first */
    int64_t groups = 0;
    for (int64_t i = 0; i < n; i++)
        groups += i == 0 || a[i]->parts[d].v != a[i - 1]->parts[d].v;
    gen_selection *r = sel_alloc(groups, false, false);
    if (!r) return NULL;
    int64_t k = 0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i + 1;
        while (j < n && a[j]->parts[d].v == a[i]->parts[d].v) j++;
        gen_selection *c = build(a + i, j - i, d + 1);
        if (!c) {
            sel_discard(r, k);
            return NULL;
        }
        r->entries[k].key = a[i]->parts[d].v;
        r->entries[k++].child = c;
        i = j;
    }
    return r;
}

gen_selection *gen_select(int64_t n, const gen_addr *addrs) {
    if (n < 0 || (n > 0 && !addrs)) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_select: %s", n < 0 ? "negative count" : "NULL addresses");
        return NULL;
    }
    if (n == 0) return &sel_none;
    const gen_addr **p = core_alloc((size_t)n * sizeof *p);
    if (!p) return NULL;
    for (int64_t i = 0; i < n; i++) {
        const gen_addr *a = &addrs[i];
        bool ok = a->len >= 0 && a->len <= GEN_ADDR_MAX_DEPTH;
        for (int j = 0; ok && j < a->len; j++) ok = gen_part_valid(a->parts[j]);
        if (!ok) {
            core_free(p, (size_t)n * sizeof *p);
            GEN_FAIL(GEN_ERR_VALUE, "gen_select: address %lld is invalid (bad length or part)",
                     (long long)i);
            return NULL;
        }
        p[i] = a;
    }
    qsort(p, (size_t)n, sizeof *p, cmp_addr_ptr);
    gen_selection *s = build(p, n, 0);
    core_free(p, (size_t)n * sizeof *p);
    return sel_publish(s);
}

gen_selection *gen_select_paths(int64_t n, const char *const *paths) {
    if (n < 0 || (n > 0 && !paths)) {
        GEN_FAIL(GEN_ERR_MISUSE, "gen_select_paths: %s", n < 0 ? "negative count" : "NULL paths");
        return NULL;
    }
    gen_addr *a = core_alloc((size_t)(n ? n : 1) * sizeof *a);
    if (!a) return NULL;
    gen_selection *s = NULL;
    for (int64_t i = 0; i < n; i++)
        if (gen_addr_parse(&a[i], paths[i]) != GEN_OK) {
            core_error_prefix("gen_select_paths: path %lld", (long long)i);
            goto done;
        }
    s = gen_select(n, a);
done:
    core_free(a, (size_t)(n ? n : 1) * sizeof *a);
    return s;
}

/* ---- the addresses a selection names ---- */

/* Walks the node s at *a: an entry of a node that selects nothing by default is named
 * when its child selects its own address or a default-everything region. Descends
 * everywhere, so unions with complements still report what they add. */
static gen_status named_rec(const gen_selection *s, gen_addr *a, gen_selection_visit_fn fn,
                            void *ud) {
    for (int64_t i = 0; i < s->n; i++) {
        const gen_selection *c = s->entries[i].child;
        if (a->len >= GEN_ADDR_MAX_DEPTH) return GEN_FAIL(GEN_ERR_INTERNAL, "selection too deep");
        a->parts[a->len++].v = s->entries[i].key;
        gen_status st = GEN_OK;
        if (!s->dflt && (c->self || c->dflt)) st = fn(ud, a);
        if (st == GEN_OK && c->n > 0) st = named_rec(c, a, fn, ud);
        a->len--;
        if (st != GEN_OK) return st;
    }
    return GEN_OK;
}

gen_status gen_selection_foreach_named(const gen_selection *s, gen_selection_visit_fn fn,
                                       void *ud) {
    if (!check_sel("gen_selection_foreach_named", s)) return core_error_pending();
    if (!fn) return GEN_FAIL(GEN_ERR_MISUSE, "gen_selection_foreach_named: fn is NULL");
    if (s->n == 0) return GEN_OK; /* all, none: the common case */
    gen_addr a;
    a.len = 0;
    return named_rec(s, &a, fn, ud);
}
