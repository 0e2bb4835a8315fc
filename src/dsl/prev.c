/* prev.c — the records of the trace that update / regenerate edit, found by address,
 * with a visited mark per record (the unvisited ones are the choices the new run drops). */
#include <string.h>

#include "dsl_int.h"

gen_status dsl_prev_init(dsl_prev *p, const dsl_data *d) {
    *p = (dsl_prev){.d = d};
    if (d->n == 0) return GEN_OK;
    int64_t cap = 16;
    while (cap < 2 * d->n) cap *= 2;
    p->slots = core_calloc((size_t)cap, sizeof *p->slots);
    p->visited = core_calloc((size_t)d->n, sizeof *p->visited);
    if (!p->slots || !p->visited) {
        dsl_prev_free(p);
        return GEN_ERR_OOM;
    }
    p->cap = cap;
    for (int64_t r = 0; r < d->n; r++) { /* addresses are unique within a trace */
        int64_t i = (int64_t)(gen_addr_hash(&d->recs[r].addr) & (uint64_t)(cap - 1));
        while (p->slots[i]) i = (i + 1) & (cap - 1);
        p->slots[i] = r + 1;
    }
    return GEN_OK;
}

void dsl_prev_free(dsl_prev *p) {
    if (p->slots) core_free(p->slots, (size_t)p->cap * sizeof *p->slots);
    if (p->visited) core_free(p->visited, (size_t)p->d->n * sizeof *p->visited);
    *p = (dsl_prev){0};
}

const dsl_rec *dsl_prev_take(dsl_prev *p, const gen_addr *a, const gen_gf *f) {
    if (!p->cap) return NULL;
    int64_t i = (int64_t)(gen_addr_hash(a) & (uint64_t)(p->cap - 1));
    for (; p->slots[i]; i = (i + 1) & (p->cap - 1)) {
        int64_t r = p->slots[i] - 1;
        const dsl_rec *rec = &p->d->recs[r];
        if (!gen_addr_equal(&rec->addr, a)) continue;
        bool same = f ? rec->sub && dsl_same_gf(rec->sub->gf, f) : !rec->sub;
        if (!same) return NULL; /* a choice became a call or the callee changed: dropped */
        p->visited[r] = true;
        return rec;
    }
    return NULL;
}
