/* cmap_mask.c — masked values of batched choice maps (a value present for some
 * particles only: per-particle branching in Switch, Mask and Mix). Masks are plain bool
 * [N] arrays computed with loops; values are combined with array ops with batched mode
 * suspended (physical shapes, particle axis first). */
#include <string.h>

#include "choice_int.h"

/* Number of true entries of a bool [n] mask; -1 with the error recorded when a device's
 * mask cannot be read. */
static int64_t count_true(const gen_array *mask) {
    gen_array *hold;
    const bool *p = cm_host_data(mask, &hold);
    int64_t n = gen_array_shape(mask)[0], c = 0;
    for (int64_t i = 0; p && i < n; i++) c += p[i];
    gen_array_release(hold);
    return p ? c : -1;
}

gen_choicemap *cm_leaf_masked(const gen_array *value, const gen_array *mask) {
    if (!mask) return cm_leaf(value);
    int64_t c = count_true(mask), n = gen_array_shape(mask)[0];
    if (c < 0) return NULL;
    if (c == n) return cm_leaf(value);
    if (c == 0) return &cm_empty_map;
    gen_choicemap *m = cm_leaf(value);
    if (m) m->mask = gen_array_retain((gen_array *)mask);
    return m;
}

gen_status cm_check_mask(const char *fn, const gen_array *value, const gen_array *mask, const gen_addr *addr) {
    char buf[GEN_ADDR_FORMAT_MAX];
    if (!mask) {
        if (core_error_pending()) return core_error_pending();
        return GEN_FAIL(GEN_ERR_MISUSE, "%s: the mask at %s is NULL", fn, addr_str(addr, buf));
    }
    if (gen_array_is_tuple(mask) || gen_array_dtype(mask) != GEN_BOOL || gen_array_ndim(mask) != 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the mask at %s must be a bool [N] array", fn, addr_str(addr, buf));
    int64_t n = gen_array_shape(mask)[0];
    if (!gen_array_is_batched(value) || gen_array_ndim(value) < 1 || gen_array_shape(value)[0] != n)
        return GEN_FAIL(GEN_ERR_SHAPE,
                        "%s: the masked value at %s must be batched with %lld particles (the mask's length)", fn,
                        addr_str(addr, buf), (long long)n);
    return GEN_OK;
}

const gen_array *gen_choicemap_mask_at(const gen_choicemap *m, const gen_addr *addr) {
    if (!m || !addr) return m ? (cm_check_addr("gen_choicemap_mask_at", addr), NULL) : NULL;
    for (int k = 0; k < addr->len && m->count; k++) m = gen_choicemap_child(m, addr->parts[k]);
    return m->value ? m->mask : NULL;
}

/* A bool [n] array of the n flags (scope-owned), on the device of like (the value it
 * masks: ops combine them) unless small. */
static gen_array *mask_of(const bool *flags, int64_t n, const gen_array *like) {
    gen_array *m = gen_array_from(GEN_BOOL, 1, &n, flags);
    if (!m || !m->buf || gen_array_device(m) == gen_array_device(like)) return m;
    return gen_array_to_device(m, gen_array_device(like));
}

/* value shared by the n particles: broadcast to [n] + its shape, marked batched. */
static gen_array *spread(const gen_array *v, int64_t n) {
    int64_t shape[GEN_MAX_DIMS];
    int nd = gen_array_ndim(v);
    if (nd >= GEN_MAX_DIMS) {
        GEN_FAIL(GEN_ERR_SHAPE, "choicemap: a %d-d value has no room for the particle axis", nd);
        return NULL;
    }
    shape[0] = n;
    memcpy(shape + 1, gen_array_shape(v), (size_t)nd * sizeof *shape);
    return gen_batched(gen_broadcast_to(v, nd + 1, shape));
}

/* The leaf made by a per-particle rule: kept (or dropped, or remasked) as the callers
 * below decide; both walk m's values into a builder. */
typedef gen_status (*leaf_fn)(void *ud, gen_choicemap_builder *b, const gen_addr *addr, const gen_array *value,
                              const gen_array *mask);

static gen_choicemap *rebuild_leaves(const char *fn, const gen_choicemap *m, const gen_array *flags, leaf_fn f,
                                     void *ud) {
    if (!cm_check_arg(fn, m, "the map")) return NULL;
    if (!flags && !core_error_pending()) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the particle flags are NULL", fn), NULL;
    if (!flags || gen_array_is_tuple(flags) || gen_array_dtype(flags) != GEN_BOOL || gen_array_ndim(flags) != 1) {
        if (!flags && core_error_pending()) return NULL;
        GEN_FAIL(GEN_ERR_VALUE, "%s: the particle flags must be a bool [N] array", fn);
        return NULL;
    }
    int64_t saved = gen_batch_suspend();
    gen_status s = gen_scope_begin();
    gen_choicemap_builder *b = s == GEN_OK ? gen_choicemap_builder_new() : NULL;
    if (s == GEN_OK && !b) s = GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", fn);
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) s = f(ud, b, &it.addr, it.value, it.mask);
    gen_choicemap *out = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap_builder_free(b);
    if (s == GEN_OK || out) out = gen_choicemap_scope_return(out);
    gen_scope_end();
    gen_batch_resume(saved);
    return out;
}

typedef struct keep_ctx {
    const char *fn;
    const gen_array *flags;
} keep_ctx;

/* Checks that a batched value has the flags' particle count. */
static gen_status check_particles(const keep_ctx *c, const gen_addr *addr, const gen_array *v) {
    int64_t n = gen_array_shape(c->flags)[0];
    if (gen_array_ndim(v) >= 1 && gen_array_shape(v)[0] == n) return GEN_OK;
    char buf[GEN_ADDR_FORMAT_MAX];
    return GEN_FAIL(GEN_ERR_SHAPE, "%s: the batched value at %s does not have %lld particles", c->fn,
                    addr_str(addr, buf), (long long)n);
}

static gen_status keep_leaf(void *ud, gen_choicemap_builder *b, const gen_addr *addr, const gen_array *v,
                            const gen_array *mask) {
    const keep_ctx *c = ud;
    int64_t n = gen_array_shape(c->flags)[0];
    if (!gen_array_is_batched(v)) {
        if (!(v = spread(v, n))) return gen_error_status();
    } else if (check_particles(c, addr, v) != GEN_OK)
        return gen_error_status();
    gen_array *hk, *hm = NULL;
    const bool *k = cm_host_data(c->flags, &hk), *mk = k && mask ? cm_host_data(mask, &hm) : NULL;
    bool *f = k && (!mask || mk) ? core_alloc((size_t)n) : NULL;
    for (int64_t i = 0; f && i < n; i++) f[i] = k[i] && (!mk || mk[i]);
    gen_array_release(hk);
    gen_array_release(hm);
    if (!f) return core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", c->fn);
    gen_array *nm = mask_of(f, n, v);
    core_free(f, (size_t)n);
    return nm ? gen_choicemap_builder_set_masked(b, addr, v, nm) : gen_error_status();
}

gen_choicemap *gen_choicemap_keep_particles(const gen_choicemap *m, const gen_array *keep) {
    keep_ctx c = {"gen_choicemap_keep_particles", keep};
    return rebuild_leaves(c.fn, m, keep, keep_leaf, &c);
}

static gen_status only_leaf(void *ud, gen_choicemap_builder *b, const gen_addr *addr, const gen_array *v,
                            const gen_array *mask) {
    const keep_ctx *c = ud;
    if (!mask) return gen_choicemap_builder_set(b, addr, v);
    if (check_particles(c, addr, v) != GEN_OK) return gen_error_status();
    int64_t n = gen_array_shape(c->flags)[0];
    gen_array *hk, *hm = NULL;
    const bool *k = cm_host_data(c->flags, &hk), *mk = k ? cm_host_data(mask, &hm) : NULL;
    bool *f = mk ? core_alloc((size_t)n) : NULL, all = true, none = true;
    for (int64_t i = 0; f && i < n; i++) {
        f[i] = k[i] && mk[i];
        all = all && (!k[i] || mk[i]);
        none = none && !f[i];
    }
    gen_array_release(hk);
    gen_array_release(hm);
    if (!f) return core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", c->fn);
    if (none || all) {
        core_free(f, (size_t)n);
        return none ? GEN_OK : gen_choicemap_builder_set(b, addr, v);
    }
    gen_array *nm = mask_of(f, n, v);
    core_free(f, (size_t)n);
    return nm ? gen_choicemap_builder_set_masked(b, addr, v, nm) : gen_error_status();
}

/* Does m hold a masked value? */
static bool has_mask(const gen_choicemap *m) {
    if (m->value) return m->mask != NULL;
    for (int64_t i = 0; i < m->n; i++)
        if (has_mask(m->entries[i].child)) return true;
    return false;
}

gen_choicemap *gen_choicemap_for_particles(const gen_choicemap *m, const gen_array *only) {
    keep_ctx c = {"gen_choicemap_for_particles", only};
    if (m && only && !has_mask(m)) return cm_publish(cm_ref(m)); /* nothing to see per particle */
    return rebuild_leaves(c.fn, m, only, only_leaf, &c);
}

gen_choicemap *cm_merge_masked(const gen_choicemap *a, const gen_choicemap *b, const gen_addr *path) {
    char buf[GEN_ADDR_FORMAT_MAX];
    const gen_array *x = a->value, *y = b->value;
    int nd = gen_array_ndim(x);
    bool disjoint = a->mask && b->mask && gen_array_size(a->mask) == gen_array_size(b->mask);
    gen_array *ha = NULL, *hb = NULL; /* released at the end (the masks are read again there) */
    const bool *ma = disjoint ? cm_host_data(a->mask, &ha) : NULL, *mb = ma ? cm_host_data(b->mask, &hb) : NULL;
    if (disjoint && !mb) {
        gen_array_release(ha);
        return NULL;
    }
    int64_t n = a->mask ? gen_array_shape(a->mask)[0] : 0;
    for (int64_t i = 0; disjoint && i < n; i++) disjoint = !(ma[i] && mb[i]);
    if (!disjoint) {
        gen_array_release(ha);
        gen_array_release(hb);
        GEN_FAIL(GEN_ERR_VALUE, "choicemap merge: both maps have a value at %s%s", addr_str(path, buf),
                 a->mask && b->mask ? " for the same particle" : "");
        return NULL;
    }
    if (gen_array_dtype(x) != gen_array_dtype(y) || nd != gen_array_ndim(y) ||
        memcmp(gen_array_shape(x), gen_array_shape(y), (size_t)nd * sizeof(int64_t)) != 0) {
        char sx[64], sy[64];
        gen_array_format(x, sx, sizeof sx);
        gen_array_format(y, sy, sizeof sy);
        GEN_FAIL(GEN_ERR_SHAPE, "choicemap merge: the values at %s differ in shape or dtype (%s and %s)",
                 addr_str(path, buf), sx, sy);
        gen_array_release(ha);
        gen_array_release(hb);
        return NULL;
    }
    int64_t saved = gen_batch_suspend();
    gen_choicemap *r = NULL;
    if (gen_scope_begin() == GEN_OK) {
        int64_t shape[GEN_MAX_DIMS];
        shape[0] = n;
        for (int d = 1; d < nd; d++) shape[d] = 1;
        bool *f = core_alloc((size_t)n);
        if (f) {
            for (int64_t i = 0; i < n; i++) f[i] = ma[i] || mb[i];
            gen_array *m = mask_of(f, n, x);
            core_free(f, (size_t)n);
            gen_array *v = gen_batched(gen_where(gen_reshape(a->mask, nd, shape), x, y));
            if (m && v) r = cm_leaf_masked(v, m);
        } else
            GEN_FAIL(GEN_ERR_OOM, "choicemap merge: out of memory");
        gen_scope_end();
    }
    gen_batch_resume(saved);
    gen_array_release(ha);
    gen_array_release(hb);
    return r;
}
