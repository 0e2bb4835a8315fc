/* cmap_select.c — restricting a choice map to a selection or to its complement. Subtrees
 * kept whole are shared; a node none of whose children changed is shared itself. */
#include "choice_int.h"

/* The part of m that s selects (inv: does not select). Owned result or NULL. */
static gen_choicemap *restrict_rec(const gen_choicemap *m, const gen_selection *s, bool inv) {
    if (m->count == 0) return &cm_empty_map;
    if (sel_uniform(s) || m->value) return (s->self != inv) ? cm_ref(m) : &cm_empty_map;
    gen_choicemap *r = cm_alloc(m->n);
    if (!r) return NULL;
    int64_t k = 0;
    bool same = true;
    for (int64_t i = 0; i < m->n; i++) {
        const gen_choicemap *c = m->entries[i].child;
        gen_choicemap *rc = restrict_rec(c, sel_sub(s, m->entries[i].key), inv);
        if (!rc) {
            cm_discard(r, k);
            return NULL;
        }
        same = same && rc == c;
        if (rc->count == 0) continue;
        r->entries[k].key = m->entries[i].key;
        r->entries[k++].child = rc;
    }
    if (same) {
        cm_discard(r, k);
        return cm_ref(m);
    }
    if (k == 0) {
        cm_discard(r, 0);
        return &cm_empty_map;
    }
    if (k < r->n) {
        gen_choicemap *t = cm_alloc(k);
        if (!t) {
            cm_discard(r, k);
            return NULL;
        }
        for (int64_t i = 0; i < k; i++) t->entries[i] = r->entries[i];
        cm_discard(r, 0);
        r = t;
    }
    return cm_seal(r);
}

static gen_choicemap *restrict_public(const char *fn, const gen_choicemap *m,
                                      const gen_selection *s, bool inv) {
    if (!cm_check_arg(fn, m, "the map")) return NULL;
    if (!s) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: the selection is NULL", fn);
        return NULL;
    }
    return cm_publish(restrict_rec(m, s, inv));
}

gen_choicemap *gen_choicemap_restrict(const gen_choicemap *m, const gen_selection *s) {
    return restrict_public("gen_choicemap_restrict", m, s, false);
}

gen_choicemap *gen_choicemap_restrict_complement(const gen_choicemap *m, const gen_selection *s) {
    return restrict_public("gen_choicemap_restrict_complement", m, s, true);
}
