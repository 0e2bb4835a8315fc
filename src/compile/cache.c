/* cache.c — the compile layer's keyed caches (cache.h). */
#include <string.h>

#include "cache.h"
#include "../core/core.h"

static void entry_clear(const cg_cache *c, cg_cache_entry *e) {
    core_free(e->key, e->key_n);
    if (e->val) c->release(e->val);
    gen_gf_release(e->gf);
    for (int i = 0; i < e->n_args; i++) gen_array_release(e->args[i]);
    core_free(e->args, ((size_t)e->n_args + 1) * sizeof *e->args);
    *e = (cg_cache_entry){0};
}

void *cg_cache_find(cg_cache *c, const char *key, size_t n, bool *found) {
    void *v = NULL;
    *found = false;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->cap && !*found; i++)
        if (c->e[i].key && c->e[i].key_n == n && !memcmp(c->e[i].key, key, n)) {
            v = c->e[i].val ? c->retain(c->e[i].val) : NULL;
            c->e[i].used = ++c->clock;
            *found = true;
        }
    pthread_mutex_unlock(&c->lock);
    return v;
}

void cg_cache_put(cg_cache *c, const char *key, size_t n, void *val, const gen_gf *gf, const gen_args *args) {
    int na = args ? args->n : 0;
    char *k = core_alloc(n);
    gen_array **kept = core_calloc((size_t)na + 1, sizeof *kept);
    if (!k || !kept) {
        core_free(k, n);
        core_free(kept, ((size_t)na + 1) * sizeof *kept);
        if (val) c->release(val);
        gen_error_clear();
        return;
    }
    memcpy(k, key, n);
    for (int i = 0; i < na; i++) kept[i] = gen_array_retain(args->v[i]);
    pthread_mutex_lock(&c->lock);
    int victim = 0;
    for (int i = 1; i < c->cap; i++)
        if (c->e[i].used < c->e[victim].used) victim = i;
    cg_cache_entry old = c->e[victim];
    c->e[victim] = (cg_cache_entry){k, n, val, gen_gf_retain((gen_gf *)gf), kept, na, ++c->clock};
    pthread_mutex_unlock(&c->lock);
    entry_clear(c, &old);
}

void cg_cache_clear(cg_cache *c) {
    pthread_mutex_lock(&c->lock); /* releasing a value takes no cache lock */
    for (int i = 0; i < c->cap; i++) entry_clear(c, &c->e[i]);
    pthread_mutex_unlock(&c->lock);
}
