/* comb_pvec.c — a persistent vector of subtraces (a 32-way trie, path copying, with the
 * last up to 32 elements in a separate tail leaf, as Clojure's vectors do): Unfold and
 * Scan keep one subtrace per step in it, so that updating a step costs O(log n),
 * appending one O(1) amortized (the tail is copied; the trie takes a full tail once per
 * 32 appends), and both share everything else with the old trace. */
#include <stdatomic.h>
#include <string.h>

#include "comb_int.h"

enum { BITS = 5, WIDTH = 1 << BITS, MASK = WIDTH - 1 };

typedef struct node {
    atomic_int refcount;
    void *slot[WIDTH]; /* leaves: gen_trace *; inner nodes: struct node * */
} node;

struct comb_pvec {
    atomic_int refcount;
    int64_t len;
    int shift;  /* BITS * (levels above the leaves) of the trie */
    node *root; /* the trie of the first tail_off(len) elements; NULL when it has none */
    node *tail; /* a leaf: the elements from tail_off(len) on; NULL when len == 0 */
};

/* Where the tail starts: the largest multiple of WIDTH below len (0 for len <= WIDTH). */
static int64_t tail_off(int64_t len) { return len <= WIDTH ? 0 : ((len - 1) >> BITS) << BITS; }

static void node_release(node *x, int shift) {
    if (!x || atomic_fetch_sub_explicit(&x->refcount, 1, memory_order_acq_rel) != 1) return;
    for (int i = 0; i < WIDTH; i++) {
        if (shift) node_release(x->slot[i], shift - BITS);
        else gen_trace_release(x->slot[i]);
    }
    core_free(x, sizeof *x);
}

/* A copy of x (or an empty node when x is NULL) retaining its children. */
static node *node_copy(const node *x, int shift) {
    node *c = core_calloc(1, sizeof *c);
    if (!c) return NULL;
    atomic_init(&c->refcount, 1);
    if (!x) return c;
    memcpy(c->slot, x->slot, sizeof c->slot);
    for (int i = 0; i < WIDTH; i++) {
        if (!c->slot[i]) continue;
        if (shift) atomic_fetch_add_explicit(&((node *)c->slot[i])->refcount, 1, memory_order_relaxed);
        else gen_trace_retain(c->slot[i]);
    }
    return c;
}

/* A vector of root and tail (both taken: released on failure). */
static comb_pvec *pvec_alloc(int64_t len, int shift, node *root, node *tail) {
    comb_pvec *v = core_alloc(sizeof *v);
    if (!v) {
        node_release(root, shift);
        node_release(tail, 0);
        return NULL;
    }
    atomic_init(&v->refcount, 1);
    v->len = len, v->shift = shift, v->root = root, v->tail = tail;
    return v;
}

static node *node_share(node *x) {
    if (x) atomic_fetch_add_explicit(&x->refcount, 1, memory_order_relaxed);
    return x;
}

comb_pvec *comb_pvec_new(void) { return pvec_alloc(0, 0, NULL, NULL); }

comb_pvec *comb_pvec_retain(comb_pvec *v) {
    if (v) atomic_fetch_add_explicit(&v->refcount, 1, memory_order_relaxed);
    return v;
}

void comb_pvec_release(comb_pvec *v) {
    if (!v || atomic_fetch_sub_explicit(&v->refcount, 1, memory_order_acq_rel) != 1) return;
    node_release(v->root, v->shift);
    node_release(v->tail, 0);
    core_free(v, sizeof *v);
}

int64_t comb_pvec_len(const comb_pvec *v) { return v->len; }

gen_trace *comb_pvec_get(const comb_pvec *v, int64_t i) {
    if (i >= tail_off(v->len)) return v->tail->slot[i & MASK];
    const node *x = v->root;
    for (int s = v->shift; s > 0; s -= BITS) x = x->slot[(i >> s) & MASK];
    return x->slot[i & MASK];
}

/* x (a trie of shift; NULL: empty) path-copied with the slot for index i at level `at`
 * set to item (retained): an element (at 0: a trace, the old one released) or a whole
 * leaf (at BITS: a node, into a slot that was empty). Missing nodes are created. */
static node *set_rec(const node *x, int shift, int64_t i, void *item, int at) {
    node *c = node_copy(x, shift);
    if (!c) return NULL;
    int k = (int)((i >> shift) & MASK);
    if (shift == at) {
        if (at) {
            c->slot[k] = node_share(item);
        } else {
            gen_trace_release(c->slot[k]);
            c->slot[k] = gen_trace_retain(item);
        }
        return c;
    }
    node *child = set_rec(c->slot[k], shift - BITS, i, item, at);
    if (!child) {
        node_release(c, shift);
        return NULL;
    }
    node_release(c->slot[k], shift - BITS);
    c->slot[k] = child;
    return c;
}

/* v with t appended: into a copy of the tail, or, when the tail is full, the tail
 * moved into the trie (one level more when the trie is full) and t a new tail. */
static comb_pvec *push(const comb_pvec *v, gen_trace *t) {
    int64_t off = tail_off(v->len);
    if (v->len - off < WIDTH) { /* room in the tail (or no tail yet) */
        node *tail = node_copy(v->tail, 0);
        if (!tail) return NULL;
        tail->slot[v->len - off] = gen_trace_retain(t);
        return pvec_alloc(v->len + 1, v->shift, node_share(v->root), tail);
    }
    node *tail = node_copy(NULL, 0), *root;
    if (!tail) return NULL;
    tail->slot[0] = gen_trace_retain(t);
    int shift = v->shift;
    if (!v->root) { /* the first full leaf is the trie */
        root = node_share(v->tail);
    } else if (off == ((int64_t)1 << (shift + BITS))) { /* full: one level more */
        node *up = node_copy(NULL, shift + BITS);
        if (up) up->slot[0] = node_share(v->root);
        root = up ? set_rec(up, shift + BITS, off, v->tail, BITS) : NULL;
        node_release(up, shift + BITS);
        shift += BITS;
    } else {
        root = set_rec(v->root, shift, off, v->tail, BITS);
    }
    if (!root) {
        node_release(tail, 0);
        return NULL;
    }
    return pvec_alloc(v->len + 1, shift, root, tail);
}

comb_pvec *comb_pvec_set(const comb_pvec *v, int64_t i, gen_trace *t) {
    if (i == v->len) return push(v, t);
    if (i >= tail_off(v->len)) {
        node *tail = node_copy(v->tail, 0);
        if (!tail) return NULL;
        gen_trace_release(tail->slot[i & MASK]);
        tail->slot[i & MASK] = gen_trace_retain(t);
        return pvec_alloc(v->len, v->shift, node_share(v->root), tail);
    }
    node *r = set_rec(v->root, v->shift, i, t, 0);
    return r ? pvec_alloc(v->len, v->shift, r, node_share(v->tail)) : NULL;
}

comb_pvec *comb_pvec_push(const comb_pvec *v, gen_trace *t) { return push(v, t); }

/* x keeping its first n elements (n >= 1), path-copied. */
static node *trunc_rec(const node *x, int shift, int64_t n) {
    int last = (int)(((n - 1) >> shift) & MASK);
    node *c = core_calloc(1, sizeof *c);
    if (!c) return NULL;
    atomic_init(&c->refcount, 1);
    for (int k = 0; k < last; k++) {
        c->slot[k] = x->slot[k];
        if (shift) atomic_fetch_add_explicit(&((node *)c->slot[k])->refcount, 1, memory_order_relaxed);
        else gen_trace_retain(c->slot[k]);
    }
    if (!shift) {
        c->slot[last] = gen_trace_retain(x->slot[last]);
    } else if (!(c->slot[last] = trunc_rec(x->slot[last], shift - BITS, n))) {
        node_release(c, shift);
        return NULL;
    }
    return c;
}

/* Leaf x's first k elements (1 <= k <= WIDTH), as a new leaf. */
static node *leaf_prefix(const node *x, int64_t k) {
    node *c = core_calloc(1, sizeof *c);
    if (!c) return NULL;
    atomic_init(&c->refcount, 1);
    for (int64_t j = 0; j < k; j++) c->slot[j] = gen_trace_retain(x->slot[j]);
    return c;
}

comb_pvec *comb_pvec_truncate(const comb_pvec *v, int64_t n) {
    if (n >= v->len) return comb_pvec_retain((comb_pvec *)v);
    if (n == 0) return comb_pvec_new();
    int64_t off = tail_off(v->len), noff = tail_off(n);
    if (noff == off) { /* the cut is in the tail */
        node *tail = leaf_prefix(v->tail, n - off);
        return tail ? pvec_alloc(n, v->shift, node_share(v->root), tail) : NULL;
    }
    /* the new tail is the trie's leaf holding element n - 1; the trie keeps the leaves
     * before it (none: empty) */
    const node *leaf = v->root;
    for (int s = v->shift; s > 0; s -= BITS) leaf = leaf->slot[((n - 1) >> s) & MASK];
    node *tail = leaf_prefix(leaf, n - noff), *root = NULL;
    if (!tail) return NULL;
    if (noff > 0 && !(root = trunc_rec(v->root, v->shift, noff))) {
        node_release(tail, 0);
        return NULL;
    }
    return pvec_alloc(n, noff > 0 ? v->shift : 0, root, tail);
}

gen_status comb_pvec_gather(const comb_pvec *v, gen_trace ***out) {
    *out = NULL;
    if (v->len == 0) return GEN_OK;
    if (!(*out = core_alloc((size_t)v->len * sizeof **out))) return GEN_ERR_OOM;
    for (int64_t i = 0; i < v->len; i++) (*out)[i] = comb_pvec_get(v, i);
    return GEN_OK;
}
