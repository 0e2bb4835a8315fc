/* prev.c — the records of the trace that update / regenerate edit, found by address,
 * with a visited mark per record (the unvisited ones are the choices the new run drops),
 * and the test for an old call that can be kept as it is. */
#include <string.h>

#include "dsl_int.h"
#include "../array/autodiff_int.h"

/* The index is allocated here (so running out of memory fails the operation up front)
 * but filled only when the cursor first misses (fill_slots). */
gen_status dsl_prev_init(dsl_prev *p, const dsl_data *d) {
    *p = (dsl_prev){.d = d};
    if (d->n == 0) return GEN_OK;
    int64_t cap = 16;
    while (cap < 2 * d->n) cap *= 2;
    p->slots = core_calloc((size_t)cap, sizeof *p->slots);
    p->visited = core_calloc((size_t)d->n, sizeof *p->visited);
    p->cap = cap; /* dsl_prev_free needs the size, also on failure */
    if (!p->slots || !p->visited) {
        dsl_prev_free(p);
        return GEN_ERR_OOM;
    }
    return GEN_OK;
}

static void fill_slots(dsl_prev *p) {
    const dsl_data *d = p->d;
    for (int64_t r = 0; r < d->n; r++) { /* addresses are unique within a trace */
        int64_t i = (int64_t)(gen_addr_hash(&d->recs[r].addr) & (uint64_t)(p->cap - 1));
        while (p->slots[i]) i = (i + 1) & (p->cap - 1);
        p->slots[i] = r + 1;
    }
    p->filled = true;
}

void dsl_prev_free(dsl_prev *p) {
    if (p->slots) core_free(p->slots, (size_t)p->cap * sizeof *p->slots);
    if (p->visited) core_free(p->visited, (size_t)p->d->n * sizeof *p->visited);
    *p = (dsl_prev){0};
}

/* Record r if it is of the same kind as the new site, marked visited; else NULL. */
static const dsl_rec *take(dsl_prev *p, int64_t r, const gen_gf *f) {
    const dsl_rec *rec = &p->d->recs[r];
    bool same = f ? rec->sub && dsl_same_gf(rec->sub->gf, f) : !rec->sub;
    if (!same) return NULL; /* a choice became a call or the callee changed: dropped */
    p->visited[r] = true;
    p->next = r + 1;
    return rec;
}

const dsl_rec *dsl_prev_take(dsl_prev *p, const gen_addr *a, const gen_gf *f) {
    const dsl_data *d = p->d;
    if (!p->cap) return NULL;
    if (p->next < d->n && gen_addr_equal(&d->recs[p->next].addr, a)) return take(p, p->next, f);
    if (!p->filled) fill_slots(p);
    int64_t i = (int64_t)(gen_addr_hash(a) & (uint64_t)(p->cap - 1));
    for (; p->slots[i]; i = (i + 1) & (p->cap - 1)) {
        int64_t r = p->slots[i] - 1;
        if (gen_addr_equal(&d->recs[r].addr, a)) return take(p, r, f);
    }
    return NULL;
}

gen_diff *dsl_call_argdiffs(const dsl_rec *old, const gen_args *args, gen_diff *buf, int cap) {
    const gen_args *was = &old->sub->args;
    int n = args ? args->n : 0;
    if (ad_active() || n > cap || n != was->n || was->user != (args ? args->user : NULL)) return NULL;
    for (int i = 0; i < n; i++)
        buf[i] = gfi_same_value(was->v[i], args->v[i]) ? gen_diff_no_change() : gen_diff_unknown();
    return buf;
}

bool dsl_call_unchanged(const dsl_rec *old, const gen_args *args) {
    static const gen_args none = {0, NULL, NULL};
    const gen_args *was = &old->sub->args, *now = args ? args : &none;
    if (ad_active() || was->n != now->n || was->user != now->user || dsl_reads_params(old->sub->gf)) return false;
    for (int i = 0; i < now->n; i++)
        if (!gfi_same_value(was->v[i], now->v[i])) return false;
    return true;
}
