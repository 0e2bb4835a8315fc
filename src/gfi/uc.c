/* uc.c — the address tables of unconstrained evaluation: the values a forward run takes
 * by absolute address instead of from a choice map (see gfi_int.h). */
#include "gfi_int.h"

static int64_t home(const gfi_uc_table *t, const gen_addr *a) {
    return (int64_t)(gen_addr_hash(a) & (uint64_t)(t->cap - 1));
}

gen_status gfi_uc_table_init(gfi_uc_table *t, int64_t n, const gen_addr *addrs) {
    *t = (gfi_uc_table){0};
    if (n == 0) return GEN_OK;
    int64_t cap = 8;
    while (cap < 2 * n) cap *= 2;
    t->addrs = core_alloc((size_t)n * sizeof *t->addrs);
    t->slots = core_calloc((size_t)cap, sizeof *t->slots);
    if (!t->addrs || !t->slots) {
        core_free(t->addrs, (size_t)n * sizeof *t->addrs);
        core_free(t->slots, (size_t)cap * sizeof *t->slots);
        *t = (gfi_uc_table){0};
        return GEN_ERR_OOM;
    }
    t->n = n;
    t->cap = cap;
    for (int64_t i = 0; i < n; i++) {
        t->addrs[i] = addrs[i];
        int64_t h = home(t, &addrs[i]);
        while (t->slots[h]) h = (h + 1) & (cap - 1);
        t->slots[h] = i + 1;
    }
    return GEN_OK;
}

void gfi_uc_table_free(gfi_uc_table *t) {
    if (t->n) {
        core_free(t->addrs, (size_t)t->n * sizeof *t->addrs);
        core_free(t->slots, (size_t)t->cap * sizeof *t->slots);
    }
    *t = (gfi_uc_table){0};
}

int64_t gfi_uc_table_find(const gfi_uc_table *t, const gen_addr *a) {
    if (!t->n) return -1;
    for (int64_t h = home(t, a); t->slots[h]; h = (h + 1) & (t->cap - 1))
        if (gen_addr_equal(&t->addrs[t->slots[h] - 1], a)) return t->slots[h] - 1;
    return -1;
}
