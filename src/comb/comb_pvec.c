/* comb_pvec.c — a persistent vector of subtraces (a 32-way trie, path copying): Unfold
 * and Scan keep one subtrace per step in it, so that updating or appending a step
 * costs O(log n) and shares everything else with the old trace. */
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
    int shift;  /* BITS * (levels above the leaves) */
    node *root; /* NULL when len == 0 */
};

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

static comb_pvec *pvec_alloc(int64_t len, int shift, node *root) {
    comb_pvec *v = core_alloc(sizeof *v);
    if (!v) {
        node_release(root, shift);
        return NULL;
    }
    atomic_init(&v->refcount, 1);
    v->len = len, v->shift = shift, v->root = root;
    return v;
}

comb_pvec *comb_pvec_new(void) { return pvec_alloc(0, 0, NULL); }

comb_pvec *comb_pvec_retain(comb_pvec *v) {
    if (v) atomic_fetch_add_explicit(&v->refcount, 1, memory_order_relaxed);
    return v;
}

void comb_pvec_release(comb_pvec *v) {
    if (!v || atomic_fetch_sub_explicit(&v->refcount, 1, memory_order_acq_rel) != 1) return;
    node_release(v->root, v->shift);
    core_free(v, sizeof *v);
}

int64_t comb_pvec_len(const comb_pvec *v) { return v->len; }

gen_trace *comb_pvec_get(const comb_pvec *v, int64_t i) {
    const node *x = v->root;
    for (int s = v->shift; s > 0; s -= BITS) x = x->slot[(i >> s) & MASK];
    return x->slot[i & MASK];
}

/* x with element i set to t (retained), path-copied; missing nodes are created. */
static node *set_rec(const node *x, int shift, int64_t i, gen_trace *t) {
    node *c = node_copy(x, shift);
    if (!c) return NULL;
    int k = (int)((i >> shift) & MASK);
    if (!shift) {
        gen_trace_release(c->slot[k]);
        c->slot[k] = gen_trace_retain(t);
        return c;
    }
    node *child = set_rec(c->slot[k], shift - BITS, i, t);
    if (!child) {
        node_release(c, shift);
        return NULL;
    }
    node_release(c->slot[k], shift - BITS);
    c->slot[k] = child;
    return c;
}

comb_pvec *comb_pvec_set(const comb_pvec *v, int64_t i, gen_trace *t) {
    int shift = v->shift;
    node *root = v->root;
    bool grown = false;
    if (i == v->len && i == ((int64_t)1 << (shift + BITS))) { /* full: one level more */
        if (!(root = node_copy(NULL, shift + BITS))) return NULL;
        root->slot[0] = v->root;
        atomic_fetch_add_explicit(&v->root->refcount, 1, memory_order_relaxed);
        shift += BITS, grown = true;
    }
    node *r = set_rec(root, shift, i, t);
    if (grown) node_release(root, shift);
    return r ? pvec_alloc(i == v->len ? v->len + 1 : v->len, shift, r) : NULL;
}

comb_pvec *comb_pvec_push(const comb_pvec *v, gen_trace *t) { return comb_pvec_set(v, v->len, t); }

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

comb_pvec *comb_pvec_truncate(const comb_pvec *v, int64_t n) {
    if (n >= v->len) return comb_pvec_retain((comb_pvec *)v);
    if (n == 0) return comb_pvec_new();
    node *r = trunc_rec(v->root, v->shift, n);
    return r ? pvec_alloc(n, v->shift, r) : NULL;
}

gen_status comb_pvec_gather(const comb_pvec *v, gen_trace ***out) {
    *out = NULL;
    if (v->len == 0) return GEN_OK;
    if (!(*out = core_alloc((size_t)v->len * sizeof **out))) return GEN_ERR_OOM;
    for (int64_t i = 0; i < v->len; i++) (*out)[i] = comb_pvec_get(v, i);
    return GEN_OK;
}
